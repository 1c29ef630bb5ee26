/* SPDX-License-Identifier: MIT */
/*
 * registry.c: the list of venue adapters and the venue-independent half of
 * the per-session context: symbol table, native-name hash, subscription
 * requests, sequence/gap bookkeeping and counters (venue.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue.h"

extern const struct feed_venue_ops feed_venue_binance;

static const struct feed_venue_ops *const feed_venues[] = {
	&feed_venue_binance,
};

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
	};
	if ((unsigned)c >= FEED_MSG__COUNT)
		return "?";
	return names[c];
}

/* ---- native-name hash --------------------------------------------------- */

/* FNV-1a: short keys, no allocation, good enough spread for a few thousand
 * symbols in a table kept at most half full. */
static uint32_t venue_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int venue_name_eq(const struct feed_venue_sym *sym, const char *s, size_t n)
{
	return n < MDBUS_SYMBOL_MAX && memcmp(sym->native, s, n) == 0 && sym->native[n] == '\0';
}

int feed_venue_lookup(const struct feed_venue_ctx *v, const char *native, size_t len, uint32_t *idx)
{
	uint32_t h, e;

	if (!v->map || len >= MDBUS_SYMBOL_MAX)
		return -ENOENT;
	for (h = venue_hash(native, len) & v->map_mask;; h = (h + 1) & v->map_mask) {
		e = v->map[h];
		if (e == 0)
			return -ENOENT;
		if (venue_name_eq(&v->syms[e - 1], native, len)) {
			*idx = e - 1;
			return 0;
		}
	}
}

static int venue_map_insert(struct feed_venue_ctx *v, uint32_t i)
{
	const char *s = v->syms[i].native;
	size_t n = strlen(s);
	uint32_t h;

	for (h = venue_hash(s, n) & v->map_mask; v->map[h]; h = (h + 1) & v->map_mask)
		if (venue_name_eq(&v->syms[v->map[h] - 1], s, n))
			return -EEXIST;
	v->map[h] = i + 1;
	return 0;
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

int feed_venue_ctx_init(struct feed_venue_ctx *v, const struct feed_venue_ops *ops,
			const struct feed_session_config *sc, char *err, size_t errlen)
{
	uint32_t i, size, ch;
	int rc;

	memset(v, 0, sizeof(*v));
	v->ops = ops;
	v->next_req_id = 1;
	if (!ops || !sc) {
		venue_err(err, errlen, "no venue");
		return -EINVAL;
	}
	v->channels = sc->channels;
	if (v->channels & ~ops->channels) {
		for (ch = 0; ch < FEED_CH_COUNT; ch++)
			if ((v->channels & ~ops->channels) & (1u << ch))
				break;
		venue_err(err, errlen, "venue %s does not support channel %s", ops->name,
			  ch == 0   ? "trades"
			  : ch == 1 ? "bbo"
				    : "l2");
		return -EINVAL;
	}
	if (!v->channels || sc->nsymbols == 0 || sc->nsymbols > UINT32_MAX / FEED_CH_COUNT) {
		venue_err(err, errlen, "nothing to subscribe");
		return -EINVAL;
	}
	v->nch = (uint32_t)__builtin_popcount(v->channels);
	v->nsyms = (uint32_t)sc->nsymbols;
	v->nstreams = v->nsyms * v->nch;
	if (ops->max_streams_per_conn && v->nstreams > ops->max_streams_per_conn) {
		venue_err(err, errlen, "%u streams exceed %s's limit of %u per connection",
			  v->nstreams, ops->name, ops->max_streams_per_conn);
		return -E2BIG;
	}
	for (size = 8; size < 2 * v->nsyms; size <<= 1)
		;
	v->map_mask = size - 1;
	/* Worst case one stream per message, plus one message per symbol sent
	 * alone after a rejected request; a few spare for venue extras. */
	v->reqs_cap = v->nstreams + v->nsyms + 4;
	v->syms = calloc(v->nsyms, sizeof(*v->syms));
	v->map = calloc(size, sizeof(*v->map));
	v->reqs = calloc(v->reqs_cap, sizeof(*v->reqs));
	if (ops->priv_size)
		v->priv = calloc(1, ops->priv_size);
	if (ops->scratch_size) {
		v->scratch = malloc(ops->scratch_size);
		v->scratch_size = ops->scratch_size;
	}
	if (!v->syms || !v->map || !v->reqs || (ops->priv_size && !v->priv) ||
	    (ops->scratch_size && !v->scratch)) {
		rc = -ENOMEM;
		venue_err(err, errlen, "out of memory");
		goto err;
	}
	for (i = 0; i < v->nsyms; i++) {
		struct feed_venue_sym *s = &v->syms[i];
		int pd = sc->price_decimals, qd = sc->qty_decimals;

		if (strlen(sc->symbols[i]) >= sizeof(s->norm)) {
			rc = -ENAMETOOLONG;
			venue_err(err, errlen, "symbol too long");
			goto err;
		}
		strcpy(s->norm, sc->symbols[i]);
		rc = ops->native_symbol(s->norm, s->native, sizeof(s->native));
		if (rc < 0) {
			venue_err(err, errlen, "symbol '%s' has no %s name", s->norm, ops->name);
			goto err;
		}
		s->price_decimals =
			(uint8_t)(pd >= 0 && pd <= MDBUS_DECIMALS_MAX ? pd : ops->price_decimals);
		s->qty_decimals =
			(uint8_t)(qd >= 0 && qd <= MDBUS_DECIMALS_MAX ? qd : ops->qty_decimals);
		s->instrument = UINT32_MAX;
		rc = venue_map_insert(v, i);
		if (rc < 0) {
			rc = -EINVAL;
			venue_err(err, errlen, "symbol '%s' listed twice (%s name '%s')", s->norm,
				  ops->name, s->native);
			goto err;
		}
	}
	if (ops->init) {
		rc = ops->init(v);
		if (rc < 0) {
			venue_err(err, errlen, "%s adapter init failed", ops->name);
			goto err;
		}
	}
	return 0;
err:
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
	free(v->syms);
	free(v->map);
	free(v->reqs);
	free(v->priv);
	free(v->scratch);
	memset(v, 0, sizeof(*v));
}

void feed_venue_ctx_reset(struct feed_venue_ctx *v)
{
	uint32_t i;

	v->sub_next = 0;
	v->nreqs = 0;
	v->reqs_pending = 0;
	v->alone_queued = 0;
	v->alone_pos = 0;
	v->st.connections++;
	for (i = 0; i < v->nsyms; i++) {
		struct feed_venue_sym *s = &v->syms[i];

		s->acked = 0;
		s->rejected = 0;
		/* A symbol rejected before gets one more try per connection, in
		 * a request of its own so it cannot sink the others'. */
		s->alone = s->dead ? FEED_ALONE_QUEUED : FEED_ALONE_NO;
		if (s->dead)
			v->alone_queued++;
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
	return 0;
}

/* ---- subscriptions ----------------------------------------------------------- */

void feed_venue_stream(const struct feed_venue_ctx *v, uint32_t s, uint32_t *sym, uint32_t *ch)
{
	uint32_t k = s % v->nch, bit;

	*sym = s / v->nch;
	/* k-th set bit of channels */
	for (bit = 0; bit < FEED_CH_COUNT; bit++) {
		if (!(v->channels & (1u << bit)))
			continue;
		if (k-- == 0)
			break;
	}
	*ch = 1u << bit;
}

int feed_venue_req_add(struct feed_venue_ctx *v, uint32_t first, uint32_t count, uint64_t *id)
{
	struct feed_venue_req *r;

	if (v->nreqs >= v->reqs_cap)
		return -ENOSPC;
	r = &v->reqs[v->nreqs++];
	r->id = v->next_req_id++;
	r->first = first;
	r->count = count;
	r->state = FEED_REQ_SENT;
	r->alone = 0;
	v->reqs_pending++;
	*id = r->id;
	return 0;
}

int feed_venue_req_done(struct feed_venue_ctx *v, uint64_t id, int ok, struct feed_venue_out *out)
{
	struct feed_venue_req *r = NULL;
	uint32_t i, s, sym = 0, ch, first_sym = UINT32_MAX, last_sym = 0;
	int split;

	for (i = 0; i < v->nreqs; i++) {
		if (v->reqs[i].id == id && v->reqs[i].state == FEED_REQ_SENT) {
			r = &v->reqs[i];
			break;
		}
	}
	if (!r)
		return -ENOENT;
	r->state = ok ? FEED_REQ_ACKED : FEED_REQ_REJECTED;
	v->reqs_pending--;
	for (s = r->first; s < r->first + r->count && s < v->nstreams; s++) {
		feed_venue_stream(v, s, &sym, &ch);
		if (first_sym == UINT32_MAX)
			first_sym = sym;
		last_sym = sym;
	}
	/* Binance rejects a whole request for one unknown symbol: a rejected
	 * request naming several symbols says nothing about any one of them.
	 * Each goes again in a request of its own (subscribe_next); only a
	 * rejection of one symbol is that symbol's. */
	split = !ok && first_sym != UINT32_MAX && last_sym > first_sym;
	for (s = r->first; s < r->first + r->count && s < v->nstreams; s++) {
		feed_venue_stream(v, s, &sym, &ch);
		if (ok) {
			v->syms[sym].acked |= (uint8_t)ch;
			v->syms[sym].rejected &= (uint8_t)~ch;
		} else if (!split) {
			v->syms[sym].rejected |= (uint8_t)ch;
			v->syms[sym].acked &= (uint8_t)~ch;
		}
	}
	for (sym = first_sym; first_sym != UINT32_MAX && sym <= last_sym; sym++) {
		struct feed_venue_sym *y = &v->syms[sym];

		if (!split) {
			y->dead = (uint8_t)!ok; /* an ack revives a symbol rejected before */
		} else if (y->alone == FEED_ALONE_NO) {
			y->alone = FEED_ALONE_QUEUED;
			v->alone_queued++;
		}
	}
	out->cls = ok ? FEED_MSG_ACK : FEED_MSG_REJECT;
	out->req_id = id;
	out->sym_first = first_sym == UINT32_MAX ? 0 : first_sym;
	out->sym_count = first_sym == UINT32_MAX ? 0 : last_sym - first_sym + 1;
	out->split = (uint8_t)split;
	out->alone = r->alone;
	return 0;
}

/* One adapter message for streams [first, end): the adapter builds from
 * v->sub_next up to v->nstreams, so both are narrowed for the call; *next
 * is where it stopped. */
static int venue_sub_window(struct feed_venue_ctx *v, uint32_t first, uint32_t end, char *buf,
			    size_t len, size_t *n, uint32_t *next)
{
	uint32_t saved_next = v->sub_next, saved_total = v->nstreams;
	int rc;

	v->sub_next = first;
	v->nstreams = end;
	rc = v->ops->subscribe(v, buf, len, n);
	*next = v->sub_next;
	v->sub_next = saved_next;
	v->nstreams = saved_total;
	return rc;
}

int feed_venue_subscribe_next(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n)
{
	uint32_t nch = v->nch, sym, end, next, i;
	int rc;

	*n = 0;
	/* Shared messages: runs of symbols, cut where a symbol goes alone. */
	while (v->sub_next < v->nstreams) {
		sym = v->sub_next / nch;
		if (v->syms[sym].alone != FEED_ALONE_NO) {
			v->sub_next = (sym + 1) * nch;
			continue;
		}
		for (end = sym + 1; end < v->nsyms && v->syms[end].alone == FEED_ALONE_NO; end++)
			;
		rc = venue_sub_window(v, v->sub_next, end * nch, buf, len, n, &next);
		if (rc == 1)
			v->sub_next = next;
		return rc;
	}
	/* Then one message per queued symbol (rare: a linear scan is fine). */
	for (i = 0; i < v->nsyms && v->alone_queued > 0; i++) {
		struct feed_venue_sym *s = &v->syms[i];
		uint32_t first = i * nch;

		if (s->alone != FEED_ALONE_QUEUED)
			continue;
		if (v->alone_pos > first && v->alone_pos < first + nch)
			first = v->alone_pos; /* the buffer cut this symbol's streams */
		rc = venue_sub_window(v, first, (i + 1) * nch, buf, len, n, &next);
		if (rc != 1)
			return rc;
		v->reqs[v->nreqs - 1].alone = 1;
		if (next >= (i + 1) * nch) {
			s->alone = FEED_ALONE_SENT;
			v->alone_queued--;
			v->alone_pos = 0;
		} else {
			v->alone_pos = next;
		}
		return 1;
	}
	return 0;
}

int feed_venue_sub_pending(const struct feed_venue_ctx *v)
{
	return v->sub_next < v->nstreams || v->alone_queued > 0;
}

int feed_venue_sub_complete(const struct feed_venue_ctx *v)
{
	return v->sub_next >= v->nstreams && v->alone_queued == 0 && v->reqs_pending == 0;
}

uint32_t feed_venue_syms_dead(const struct feed_venue_ctx *v)
{
	uint32_t i, c = 0;

	for (i = 0; i < v->nsyms; i++)
		c += v->syms[i].dead;
	return c;
}

uint32_t feed_venue_streams_acked(const struct feed_venue_ctx *v)
{
	uint32_t i, c = 0;

	for (i = 0; i < v->nsyms; i++)
		c += (uint32_t)__builtin_popcount(v->syms[i].acked);
	return c;
}

uint32_t feed_venue_streams_rejected(const struct feed_venue_ctx *v)
{
	uint32_t i, c = 0;

	for (i = 0; i < v->nsyms; i++)
		c += (uint32_t)__builtin_popcount(v->syms[i].rejected);
	return c;
}

/* ---- messages ------------------------------------------------------------------ */

int feed_venue_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			  int64_t recv_ns, struct feed_venue_out *out)
{
	int rc;

	if (!out->ticks || out->cap < FEED_VENUE_TICKS_MIN || (!p && n))
		return -EINVAL;
	out->n = 0;
	out->cls = FEED_MSG_NONE;
	out->reason = NULL;
	out->sym = UINT32_MAX;
	out->req_id = 0;
	out->sym_first = out->sym_count = 0;
	out->reply = NULL;
	out->reply_len = 0;
	rc = v->ops->on_message(v, p, n, binary, recv_ns, out);
	if (rc < 0)
		return rc;
	if ((unsigned)out->cls >= FEED_MSG__COUNT)
		out->cls = FEED_MSG_NONE;
	v->st.msgs++;
	v->st.cls[out->cls]++;
	v->st.ticks += out->n;
	if (out->cls == FEED_MSG_ERROR && out->sym < v->nsyms)
		v->syms[out->sym].errors++;
	return 0;
}

int feed_venue_ping(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n, int64_t now_ns)
{
	*n = 0;
	if (!v->ops->ping)
		return 0;
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

uint8_t feed_venue_take_flags(struct feed_venue_ctx *v, uint32_t i, uint32_t ch)
{
	if (v->syms[i].gap_pending & ch) {
		v->syms[i].gap_pending &= (uint8_t)~ch;
		return MDBUS_FLAG_GAP;
	}
	return 0;
}

void feed_venue_error(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t sym,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	out->cls = FEED_MSG_ERROR;
	out->reason = v->reason;
	out->sym = sym;
	out->n = 0;
}
