/* SPDX-License-Identifier: MIT */
/*
 * registry.c: the list of venue adapters and the venue-independent half of
 * the per-session context: symbol table, native-name hash, sequence/gap
 * bookkeeping and counters (venue.h). Subscriptions and their rejection
 * policy are subs.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subs.h"
#include "symbol.h"
#include "venue.h"

/* Every adapter, one line each (venue.h "How to add a venue"). */
#define FEED_VENUE_LIST(X)                                                                         \
	X(binance)                                                                                 \
	X(binance_futures)                                                                         \
	X(bingx)                                                                                   \
	X(bybit)                                                                                   \
	X(coinbase)                                                                                \
	X(gateio)                                                                                  \
	X(kraken)                                                                                  \
	X(mexc)                                                                                    \
	X(okx)

#define FEED_VENUE_EXTERN(name) extern const struct feed_venue_ops feed_venue_##name;
#define FEED_VENUE_PTR(name)	&feed_venue_##name,
FEED_VENUE_LIST(FEED_VENUE_EXTERN)

static const struct feed_venue_ops *const feed_venues[] = {FEED_VENUE_LIST(FEED_VENUE_PTR)};

#define FEED_NVENUES (sizeof(feed_venues) / sizeof(feed_venues[0]))

const struct feed_venue_ops *feed_venue_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < FEED_NVENUES; i++)
		if (strcmp(feed_venues[i]->name, name) == 0)
			return feed_venues[i];
	return NULL;
}

const struct feed_venue_ops *feed_venue_at(unsigned i)
{
	return i < FEED_NVENUES ? feed_venues[i] : NULL;
}

const char *feed_msg_class_name(enum feed_msg_class c)
{
	static const char *const names[FEED_MSG__COUNT] = {
		[FEED_MSG_NONE] = "none",
		[FEED_MSG_DATA] = "data",
		[FEED_MSG_ACK] = "ack",
		[FEED_MSG_REJECT] = "reject",
		[FEED_MSG_HEARTBEAT] = "heartbeat",
		[FEED_MSG_REPLY] = "reply",
		[FEED_MSG_UNKNOWN] = "unknown",
		[FEED_MSG_ERROR] = "error",
		[FEED_MSG_RECONNECT] = "reconnect",
		[FEED_MSG_BOOK] = "book",
	};
	if ((unsigned)c >= FEED_MSG__COUNT)
		return "?";
	return names[c];
}

/* ---- context -------------------------------------------------------------- */

static void venue_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void venue_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *venue_channel_name(uint32_t ch)
{
	return ch == FEED_CH_TRADES ? "trades" : ch == FEED_CH_BBO ? "bbo" : "l2";
}

/* Channels and stream counts of one connection (pc), checked against the
 * venue and the streams-per-connection bound. */
static int venue_ctx_size(struct feed_venue_ctx *v, const struct feed_venue_conn_plan *pc,
			  uint32_t max, char *err, size_t errlen)
{
	const struct feed_venue_ops *ops = v->ops;
	uint32_t bad = pc->channels & ~ops->channels;

	v->channels = pc->channels;
	if (bad) {
		venue_err(err, errlen, "venue %s does not support channel %s", ops->name,
			  venue_channel_name(bad & (0u - bad)));
		return -EINVAL;
	}
	if (!v->channels || pc->sym_count == 0) {
		venue_err(err, errlen, "nothing to subscribe");
		return -EINVAL;
	}
	if (pc->sym_count > FEED_VENUE_SYMS_MAX) { /* keeps every stream count in 32 bits */
		venue_err(err, errlen, "too many symbols: at most %u per session",
			  FEED_VENUE_SYMS_MAX);
		return -E2BIG;
	}
	if ((ops->flags & FEED_VENUE_F_GZIP || ops->decode) && ops->scratch_size == 0) {
		venue_err(err, errlen, "venue %s decodes but has no scratch", ops->name);
		return -EINVAL;
	}
	v->nch = (uint32_t)__builtin_popcount(v->channels);
	v->nsyms = pc->sym_count;
	v->nstreams = v->nsyms * v->nch;
	/* The planner keeps each connection within the bound. */
	if (max && v->nstreams > max) {
		venue_err(err, errlen, "%u streams exceed %s's limit of %u per connection",
			  v->nstreams, ops->name, max);
		return -E2BIG;
	}
	return 0;
}

/* Every array the ctx needs, allocated once. */
static int venue_ctx_alloc(struct feed_venue_ctx *v, char *err, size_t errlen)
{
	const struct feed_venue_ops *ops = v->ops;
	uint32_t size;

	for (size = 8; size < 2 * v->nsyms; size <<= 1)
		;
	v->map_mask = size - 1;
	/* Per connection each stream goes at most twice: in a shared request
	 * and once more alone (split rejection or a dead symbol's retry). */
	v->reqs_cap = 2 * v->nstreams + 4;
	v->req_streams_cap = 2 * v->nstreams;
	v->syms = calloc(v->nsyms, sizeof(*v->syms));
	v->streams = calloc(v->nstreams, sizeof(*v->streams));
	v->order = calloc(v->nstreams, sizeof(*v->order));
	v->set = calloc(v->nstreams, sizeof(*v->set));
	v->answered = calloc(v->nstreams, sizeof(*v->answered));
	v->map = calloc(size, sizeof(*v->map));
	v->reqs = calloc(v->reqs_cap, sizeof(*v->reqs));
	v->req_streams = calloc(v->req_streams_cap, sizeof(*v->req_streams));
	if (ops->priv_size)
		v->priv = calloc(1, ops->priv_size);
	if (ops->scratch_size) {
		v->scratch = malloc(ops->scratch_size);
		v->scratch_size = ops->scratch_size;
	}
	if (v->channels & FEED_CH_L2) {
		/* Both sides of the largest event: a snapshot of the venue's
		 * depth, or a delta of up to FEED_BOOK_EV_LEVELS levels. */
		uint32_t per =
			ops->book.max_levels > v->book_depth ? ops->book.max_levels : v->book_depth;
		v->lv_cap = 2 * (per > FEED_BOOK_EV_LEVELS ? per : FEED_BOOK_EV_LEVELS);
		v->lv = calloc(v->lv_cap, sizeof(*v->lv));
	}
	if (((v->channels & FEED_CH_L2) && !v->lv) || !v->syms || !v->streams || !v->order ||
	    !v->set || !v->answered || !v->map || !v->reqs || !v->req_streams ||
	    (ops->priv_size && !v->priv) || (ops->scratch_size && !v->scratch)) {
		venue_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* The stream table (symbol-major) and the order subs sends streams in:
 * channel-major for a venue that takes one channel per request, so that
 * a request's streams are adjacent. */
static void venue_ctx_streams(struct feed_venue_ctx *v, uint32_t conn)
{
	uint32_t s = 0, o = 0;

	for (uint32_t i = 0; i < v->nsyms; i++)
		for (uint32_t bit = 0; bit < FEED_CH_COUNT; bit++)
			if (v->channels & (1u << bit)) {
				v->streams[s].sym = i;
				v->streams[s].ch = (uint8_t)(1u << bit);
				v->streams[s].conn = (uint16_t)conn;
				s++;
			}
	if (v->ops->limits.group == FEED_GROUP_CHANNEL) {
		for (uint32_t k = 0; k < v->nch; k++)
			for (uint32_t i = 0; i < v->nsyms; i++)
				v->order[o++] = i * v->nch + k;
	} else {
		for (s = 0; s < v->nstreams; s++)
			v->order[s] = s;
	}
}

static uint8_t venue_decimals(int cfg, uint8_t dflt)
{
	return (uint8_t)(cfg >= 0 && cfg <= MDBUS_DECIMALS_MAX ? cfg : dflt);
}

/* Symbol i's market from its name, and the contract facts for contracts. */
static int venue_ctx_market(struct feed_venue_ctx *v, const struct feed_session_config *sc,
			    uint32_t i, char *err, size_t errlen)
{
	const struct feed_venue_ops *ops = v->ops;
	struct feed_venue_sym *s = &v->syms[i];
	struct feed_symbol_info info;

	if (feed_symbol_parse(s->norm, &info) < 0) {
		venue_err(err, errlen, "symbol '%s' is not BASE-QUOTE[-PERP|-YYYYMMDD]", s->norm);
		return -EINVAL;
	}
	if (!(ops->markets & (1u << info.market))) {
		venue_err(err, errlen, "venue %s has no %s market (symbol '%s')", ops->name,
			  info.market == MDBUS_MARKET_SPOT   ? "spot"
			  : info.market == MDBUS_MARKET_PERP ? "perpetual"
							     : "dated futures",
			  s->norm);
		return -EINVAL;
	}
	s->market = info.market;
	s->expiry = info.expiry;
	if (info.market == MDBUS_MARKET_SPOT)
		return 0; /* spot: base units, no contract */
	s->qty_unit = (uint8_t)(sc->qty_unit >= 0 ? sc->qty_unit : ops->qty_unit);
	s->contract_size = sc->contract_size;
	s->contract_decimals = (uint8_t)sc->contract_decimals;
	if (s->contract_size <= 0 && sc->refdata && ops->ref.request) {
		v->contract_later = 1; /* the venue's, checked after the reference data */
		return 0;
	}
	if (s->qty_unit == MDBUS_QTY_CONTRACTS && s->contract_size <= 0) {
		venue_err(err, errlen, "symbol '%s': quantities in contracts need contract_size",
			  s->norm);
		return -EINVAL;
	}
	return 0;
}

int feed_venue_contracts_ok(const struct feed_venue_ctx *v, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < v->nsyms; i++) {
		const struct feed_venue_sym *s = &v->syms[i];

		if (s->market == MDBUS_MARKET_SPOT || s->contract_size > 0 ||
		    (s->qty_unit != MDBUS_QTY_CONTRACTS && s->qty_unit == v->ops->qty_unit))
			continue;
		venue_err(err, errlen,
			  "symbol '%s': its quantities need the contract size, which neither "
			  "contract_size nor the venue's reference data gave",
			  s->norm);
		return -EINVAL;
	}
	return 0;
}

/* Symbol i from the config's symbol `cfg_i`: names, decimals, market, hash
 * entry. */
static int venue_ctx_sym(struct feed_venue_ctx *v, const struct feed_session_config *sc, uint32_t i,
			 uint32_t cfg_i, char *err, size_t errlen)
{
	const struct feed_venue_ops *ops = v->ops;
	struct feed_venue_sym *s = &v->syms[i];
	int rc;

	if (strlen(sc->symbols[cfg_i]) >= sizeof(s->norm)) {
		venue_err(err, errlen, "symbol too long");
		return -ENAMETOOLONG;
	}
	strcpy(s->norm, sc->symbols[cfg_i]);
	rc = venue_ctx_market(v, sc, i, err, errlen);
	if (rc < 0)
		return rc;
	rc = ops->native_symbol(s->norm, s->native, sizeof(s->native));
	if (rc < 0) {
		venue_err(err, errlen, "symbol '%s' has no %s name", s->norm, ops->name);
		return rc;
	}
	s->price_decimals = venue_decimals(sc->price_decimals, feed_venue_default_decimals(ops, 0));
	s->qty_decimals = venue_decimals(sc->qty_decimals, feed_venue_default_decimals(ops, 1));
	s->instrument = UINT32_MAX;
	if (feed_venue_map_insert(v, i) < 0) {
		venue_err(err, errlen, "symbol '%s' listed twice (%s name '%s')", s->norm,
			  ops->name, s->native);
		return -EINVAL;
	}
	return 0;
}

int feed_venue_ctx_init(struct feed_venue_ctx *v, const struct feed_venue_ops *ops,
			const struct feed_session_config *sc, char *err, size_t errlen)
{
	struct feed_venue_conn_plan whole = {0};

	if (sc) {
		whole.channels = sc->channels;
		whole.sym_count = sc->nsymbols > FEED_VENUE_SYMS_MAX ? FEED_VENUE_SYMS_MAX + 1
								     : (uint32_t)sc->nsymbols;
	}
	return feed_venue_ctx_init_conn(v, ops, sc, &whole, 0,
					ops ? ops->limits.streams_per_conn : 0, err, errlen);
}

int feed_venue_ctx_init_conn(struct feed_venue_ctx *v, const struct feed_venue_ops *ops,
			     const struct feed_session_config *sc,
			     const struct feed_venue_conn_plan *pc, uint32_t conn, uint32_t limit,
			     char *err, size_t errlen)
{
	int rc;

	memset(v, 0, sizeof(*v));
	v->ops = ops;
	v->next_req_id = 1;
	if (!ops || !sc || !pc || (uint64_t)pc->sym_first + pc->sym_count > sc->nsymbols) {
		venue_err(err, errlen, "no venue");
		return -EINVAL;
	}
	v->book_depth = sc->book_depth ? sc->book_depth : FEED_BOOK_DEPTH_DEFAULT;
	rc = venue_ctx_size(v, pc, limit, err, errlen);
	if (rc == 0)
		rc = venue_ctx_alloc(v, err, errlen);
	if (rc == 0)
		venue_ctx_streams(v, conn);
	for (uint32_t i = 0; rc == 0 && i < v->nsyms; i++)
		rc = venue_ctx_sym(v, sc, i, pc->sym_first + i, err, errlen);
	if (rc == 0 && (ops->flags & FEED_VENUE_F_GZIP)) {
		rc = feed_venue_decode_init(v);
		if (rc < 0)
			venue_err(err, errlen, "out of memory");
	}
	if (rc == 0 && ops->init) {
		rc = ops->init(v);
		if (rc < 0 && v->reason[0]) /* the adapter's own reason */
			venue_err(err, errlen, "%s", v->reason);
		else if (rc < 0)
			venue_err(err, errlen, "%s adapter init failed", ops->name);
	}
	if (rc == 0)
		return 0;
	/* fini must not run: init did not (or failed itself). */
	v->ops = NULL;
	feed_venue_ctx_free(v);
	return rc;
}

void feed_venue_ctx_free(struct feed_venue_ctx *v)
{
	if (!v)
		return;
	if (v->ops && v->ops->fini)
		v->ops->fini(v);
	if (v->dec) { /* the decoder's, not ours (it outlives its contexts) */
		if (v->scratch == v->dec->scratch)
			v->scratch = NULL;
		if (v->zs == v->dec->zs)
			v->zs = NULL;
	}
	feed_venue_decode_free(v);
	free(v->syms);
	free(v->streams);
	free(v->order);
	free(v->set);
	free(v->answered);
	free(v->map);
	free(v->reqs);
	free(v->req_streams);
	free(v->lv);
	free(v->priv);
	free(v->scratch);
	memset(v, 0, sizeof(*v));
}

void feed_venue_ctx_reset(struct feed_venue_ctx *v)
{
	v->st.connections++;
	memset(&v->cur, 0, sizeof(v->cur));
	v->cur_raw = NULL;
	feed_subs_reset(v);
	for (uint32_t i = 0; i < v->nsyms; i++) {
		struct feed_venue_sym *s = &v->syms[i];

		memset(s->seq, 0, sizeof(s->seq));
		/* Ticks published during the outage are lost: the first tick
		 * of every kind of every symbol on a reconnection says so (a
		 * BBO-only reader must learn it too). The very first connection
		 * has no "before" on this bus. */
		if (v->st.connections > 1) {
			s->gap_pending = (uint8_t)v->channels;
			s->gaps++;
			v->st.gaps++;
		}
	}
	if (v->ops && v->ops->reset)
		v->ops->reset(v);
}

int feed_venue_ctx_instrument(const struct feed_venue_ctx *v, uint32_t i,
			      struct mdbus_instrument *out)
{
	const struct feed_venue_sym *s;

	if (i >= v->nsyms || strlen(v->ops->name) >= sizeof(out->venue))
		return -EINVAL;
	s = &v->syms[i];
	memset(out, 0, sizeof(*out));
	out->id = s->instrument;
	out->price_decimals = s->price_decimals;
	out->qty_decimals = s->qty_decimals;
	strcpy(out->venue, v->ops->name);
	strcpy(out->symbol, s->norm);
	strcpy(out->native, s->native);
	out->market = s->market;
	out->qty_unit = s->qty_unit;
	out->contract_size = s->contract_size;
	out->contract_decimals = s->contract_decimals;
	out->expiry = s->expiry;
	return 0;
}

/* ---- messages ------------------------------------------------------------------ */

/* The decode stage: the venue's hook, else gunzip for a GZIP venue's
 * binary frames, else the bytes as they came. */
static int venue_decode(struct feed_venue_ctx *v, const uint8_t **p, size_t *n, int *binary,
			struct feed_venue_out *out)
{
	const struct feed_venue_ops *ops = v->ops;
	int rc;

	if (ops->decode)
		rc = ops->decode(v, *p, *n, *binary, p, n);
	else if (*binary && (ops->flags & FEED_VENUE_F_GZIP))
		rc = feed_venue_gunzip(v, *p, *n, p, n);
	else
		return 0;
	if (rc == 0 && !ops->decode)
		*binary = 0; /* gunzip gives the text the venue compressed */
	if (rc < 0) {
		v->st.decode_errors++;
		feed_venue_error(v, out, UINT32_MAX, "cannot decode a %zu-byte frame: %s", *n,
				 rc == -EMSGSIZE ? "larger than the scratch buffer"
				 : rc == -ENOMEM ? "out of memory"
						 : "corrupt data");
	}
	return rc;
}

static void venue_out_clear(struct feed_venue_out *out)
{
	out->n = 0;
	out->cls = FEED_MSG_NONE;
	out->more = 0;
	out->reason = NULL;
	out->sym = UINT32_MAX;
	out->req_id = 0;
	out->streams = NULL;
	out->nstreams = 0;
	out->sym_first = out->sym_count = 0;
	out->split = out->alone = 0;
	out->reply = NULL;
	out->reply_len = 0;
	out->book = NULL;
}

int feed_venue_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			  int64_t recv_ns, struct feed_venue_out *out)
{
	const uint8_t *raw = p;
	size_t raw_n = n;
	int rc, cont = v->cur.active && v->cur_raw == raw && v->cur_raw_n == raw_n;

	if (!out->ticks || out->cap < FEED_VENUE_TICKS_MIN || (!p && n))
		return -EINVAL;
	venue_out_clear(out);
	v->nanswered = 0;
	if (cont) {
		/* The rest of a message that filled the tick array. */
		p = v->cur_p;
		n = v->cur_n;
		binary = v->cur_binary;
		v->st.pieces++;
	} else {
		if (__builtin_expect(v->cur.active, 0)) /* a continuation cut short */
			memset(&v->cur, 0, sizeof(v->cur));
		v->st.msgs++;
		if (venue_decode(v, &p, &n, &binary, out) < 0) {
			v->st.cls[out->cls]++;
			return 0;
		}
	}
	rc = v->ops->on_message(v, p, n, binary, recv_ns, out);
	if (rc < 0)
		return rc;
	if ((unsigned)out->cls >= FEED_MSG__COUNT)
		out->cls = FEED_MSG_NONE;
	if (__builtin_expect(out->more, 0)) {
		v->cur.active = 1;
		v->cur_binary = (uint8_t)binary;
		v->cur_raw = raw;
		v->cur_raw_n = raw_n;
		v->cur_p = p;
		v->cur_n = n;
	} else if (__builtin_expect(cont, 0)) {
		memset(&v->cur, 0, sizeof(v->cur)); /* zero again for the next message */
	}
	if (!cont)
		v->st.cls[out->cls]++;
	v->st.ticks += out->n;
	if (out->cls == FEED_MSG_ERROR && out->sym < v->nsyms)
		v->syms[out->sym].errors++;
	return 0;
}

int feed_venue_ping(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n, int64_t now_ns)
{
	*n = 0;
	if (v->ops->ping_text) { /* a constant text: no hook needed */
		size_t k = strlen(v->ops->ping_text);
		if (k > len)
			return -ENOBUFS;
		memcpy(buf, v->ops->ping_text, k);
		*n = k;
		return 0;
	}
	if (!v->ops->ping)
		return 0;
	(void)feed_venue_wall_now(v); /* a venue ping may carry the wall time */
	return v->ops->ping(v, buf, len, n, now_ns);
}

int feed_venue_seq_check(struct feed_venue_ctx *v, uint32_t i, uint32_t ch, uint64_t seq,
			 int contiguous)
{
	struct feed_venue_sym *s;
	uint32_t k;
	uint64_t last;
	int gap = 0;

	if (i >= v->nsyms || ch == 0 || ch >= (1u << FEED_CH_COUNT))
		return 0;
	s = &v->syms[i];
	k = (uint32_t)__builtin_ctz(ch);
	last = s->seq[k];
	if (last != 0)
		gap = contiguous ? seq != last + 1 : seq <= last;
	s->seq[k] = seq;
	if (gap) {
		s->gap_pending |= (uint8_t)ch;
		s->gaps++;
		v->st.gaps++;
	}
	return gap;
}
