/* SPDX-License-Identifier: MIT */
/*
 * dialect.c: helpers shared by mdbus-sim's dialects (binance.c, ...): a
 * walk step with its numbers as text, a message printed whole or not at
 * all, the stream-name parsers two or more venues share, and classify for
 * venues that name the stream in one key or mark each kind of message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* A number at 8 decimals as the dialect prints it. */
static void dialect_dec(int64_t m, int trim, char *out, size_t len)
{
	if (trim)
		sim_dec_trim(m, 8, out, len);
	else
		sim_dec(m, 8, out, len);
}

void sim_dialect_trade_step(struct sim_venue *v, uint32_t i, uint64_t id, int extra_decimals,
			    int trim, struct sim_trade_text *x)
{
	sim_venue_next_trade(v, i, id, &x->t);
	/* sim_price: every decimal, and badprecision's extra ones (never trimmed) */
	if (extra_decimals > 0 || !trim)
		sim_price(x->t.px, extra_decimals, x->px, sizeof(x->px));
	else
		sim_dec_trim(x->t.px, 8, x->px, sizeof(x->px));
	dialect_dec(x->t.qty, trim, x->qty, sizeof(x->qty));
}

void sim_dialect_bbo_step(struct sim_venue *v, uint32_t i, int trim, struct sim_bbo_text *x)
{
	sim_venue_next_bbo(v, i, &x->q);
	dialect_dec(x->q.bid, trim, x->bid, sizeof(x->bid));
	dialect_dec(x->q.bid_qty, trim, x->bid_qty, sizeof(x->bid_qty));
	dialect_dec(x->q.ask, trim, x->ask, sizeof(x->ask));
	dialect_dec(x->q.ask_qty, trim, x->ask_qty, sizeof(x->ask_qty));
}

int sim_dialect_print(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

const char *sim_dialect_prefixed(const char *s, const char *trade_prefix, const char *bbo_prefix,
				 uint8_t *bit)
{
	size_t t = strlen(trade_prefix), b = strlen(bbo_prefix);

	if (strncmp(s, trade_prefix, t) == 0) {
		*bit = SIM_STREAM_TRADE;
		return s + t;
	}
	if (strncmp(s, bbo_prefix, b) == 0) {
		*bit = SIM_STREAM_BBO;
		return s + b;
	}
	return NULL;
}

const char *sim_dialect_at_stream(const char *s, uint8_t *bit)
{
	const char *at = s ? strchr(s, '@') : NULL;

	if (!at)
		return NULL;
	if (strcmp(at + 1, "trade") == 0)
		*bit = SIM_STREAM_TRADE;
	else if (strcmp(at + 1, "bookTicker") == 0)
		*bit = SIM_STREAM_BBO;
	else
		return NULL;
	return at;
}

int sim_dialect_classify_by(struct sim_venue *v, const char *msg, size_t n, const char *key,
			    int (*parse)(struct sim_venue *v, const char *name, int *sym,
					 uint8_t *bit),
			    uint8_t *kind)
{
	char name[SIM_NATIVE_MAX + 16];
	int sym = -1;

	*kind = 0;
	if (sim_json_str_after(msg, n, key, name, sizeof(name)) < 0 ||
	    parse(v, name, &sym, kind) < 0) {
		*kind = 0;
		return -ENOENT;
	}
	return sym;
}

int sim_dialect_classify_marked(struct sim_venue *v, const char *msg, size_t n,
				const char *trade_mark, const char *bbo_mark, const char *sym_key,
				uint8_t *kind)
{
	*kind = memmem(msg, n, trade_mark, strlen(trade_mark)) ? SIM_STREAM_TRADE
		: memmem(msg, n, bbo_mark, strlen(bbo_mark))   ? SIM_STREAM_BBO
							       : 0;
	return sim_venue_symbol_after(v, msg, n, sym_key);
}

void sim_dialect_uuid(uint64_t h, uint64_t g, char version, char variant, char *out, size_t len)
{
	snprintf(out, len,
		 "%08" PRIx64 "-%04" PRIx64 "-%c%03" PRIx64 "-%c%03" PRIx64 "-%012" PRIx64, h >> 32,
		 (h >> 16) & 0xffff, version, h & 0xfff, variant, (g >> 52) & 0xfff,
		 g & (uint64_t)0xffffffffffff);
}

/* ---- REST fallback answers (recent trades) ------------------------------------------ */

#define SIM_REST_HIST 64 /* trades kept per symbol for the REST trade lists */

/* The last SIM_REST_HIST trades of each symbol, the stream's (sim_rest_note)
 * and the ones REST calls made, so that a list reaches back over the trades
 * the stream published, as a venue's does, and successive polls overlap
 * with the same ids, prices and times. One per venue (listener), made on
 * first use. */
struct sim_rest_hist {
	uint32_t n[SIM_MAX_SYMBOLS], head[SIM_MAX_SYMBOLS];
	struct sim_trade t[SIM_MAX_SYMBOLS][SIM_REST_HIST];
	int64_t ms[SIM_MAX_SYMBOLS][SIM_REST_HIST];
};

void sim_rest_free(struct sim_venue *v)
{
	free(v->rest_hist);
	v->rest_hist = NULL;
}

/* Symbol i's history, empty again when the walk went back (seeded again). */
static struct sim_rest_hist *rest_hist(struct sim_venue *v, uint32_t i)
{
	struct sim_rest_hist *h;

	if (i >= SIM_MAX_SYMBOLS)
		return NULL;
	if (!v->rest_hist && !(v->rest_hist = calloc(1, sizeof(*v->rest_hist))))
		return NULL;
	h = v->rest_hist;
	if (h->n[i] &&
	    h->t[i][(h->head[i] + SIM_REST_HIST - 1) % SIM_REST_HIST].id > v->sym[i].trade_id)
		h->n[i] = h->head[i] = 0;
	return h;
}

static void rest_push(struct sim_rest_hist *h, uint32_t i, const struct sim_trade *t, int64_t ms)
{
	h->t[i][h->head[i]] = *t;
	h->ms[i][h->head[i]] = ms;
	h->head[i] = (h->head[i] + 1) % SIM_REST_HIST;
	if (h->n[i] < SIM_REST_HIST)
		h->n[i]++;
}

void sim_rest_note(struct sim_venue *v, uint32_t i, int64_t ms)
{
	struct sim_trade t = {.px = v->last.px,
			      .qty = v->last.qty,
			      .buyer_maker = v->last.buyer_maker,
			      .id = i < SIM_MAX_SYMBOLS ? v->sym[i].trade_id : 0};
	struct sim_rest_hist *h = rest_hist(v, i);

	if (h)
		rest_push(h, i, &t, ms);
}

uint32_t sim_rest_recent(struct sim_venue *v, uint32_t i, uint32_t n, int64_t now_ms,
			 struct sim_trade *t, int64_t *ms)
{
	struct sim_rest_hist *h = rest_hist(v, i);
	uint32_t k, m;

	if (!h)
		return 0;
	/* the market moved on by two trades since the last call: the walk's
	 * next trades, so their ids follow the ones the stream published */
	for (k = 0; k < 2; k++) {
		int64_t last =
			h->n[i] ? h->ms[i][(h->head[i] + SIM_REST_HIST - 1) % SIM_REST_HIST] : 0;
		struct sim_trade x;

		sim_venue_next_trade(v, i, 0, &x);
		/* times grow with the ids, two calls in one millisecond too */
		rest_push(h, i, &x, now_ms - 1 + k > last ? now_ms - 1 + k : last + 1);
	}
	m = n < h->n[i] ? n : h->n[i];
	for (k = 0; k < m; k++) {
		uint32_t at = (h->head[i] + SIM_REST_HIST - m + k) % SIM_REST_HIST;

		t[k] = h->t[i][at];
		ms[k] = h->ms[i][at];
	}
	return m;
}

int sim_rest_symbol(struct sim_venue *v, const char *path_query, const char *key)
{
	char name[SIM_NATIVE_MAX + 8];

	if (sim_query_param(path_query, key, name, sizeof(name)) <= 0)
		return -ENOENT;
	return sim_venue_symbol(v, name, strlen(name));
}

int sim_rest_limit_key(const char *path_query, const char *key, long def, long max)
{
	char lim[24];
	char *end;
	long n;

	if (sim_query_param(path_query, key, lim, sizeof(lim)) <= 0)
		return (int)def;
	n = strtol(lim, &end, 10);
	if (*end || n <= 0)
		return -EINVAL;
	return (int)(n > max ? max : n);
}
