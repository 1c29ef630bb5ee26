/* SPDX-License-Identifier: MIT */
/*
 * book.c: the level-2 order book model of mdbus-sim (book.h): one book per
 * symbol, built around the symbol's mid price walk on first use, changed a
 * few levels per step with the venue's own book rng (deterministic for a
 * --seed), with the faults a book sync procedure must survive.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define BOOK_TOP      25 /* steps change levels among the top ones of a side */
#define BOOK_MIN      10 /* a step removes no level from a side this short */
#define BOOK_QTY_UNIT 1000LL

static uint64_t book_rand(struct sim_venue *v)
{
	return sim_venue_rand(&v->book_rng);
}

static int64_t book_qty(struct sim_venue *v)
{
	return (int64_t)(book_rand(v) % 500000 + 1) * BOOK_QTY_UNIT; /* 0.00001 .. 5 */
}

/* Does a come before b on this side (bids high to low, asks low to high)? */
static int book_before(int bid, int64_t a, int64_t b)
{
	return bid ? a > b : a < b;
}

/* The index of px on side s, or where it would go (*found 0). */
static uint32_t book_find(const struct sim_book_side *s, int bid, int64_t px, int *found)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t m = lo + (hi - lo) / 2;
		if (book_before(bid, s->lv[m].px, px))
			lo = m + 1;
		else
			hi = m;
	}
	*found = lo < s->n && s->lv[lo].px == px;
	return lo;
}

int sim_book_apply(struct sim_book_side *s, int bid, const struct sim_lvl *lv, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		int found;
		uint32_t at = book_find(s, bid, lv[k].px, &found);

		if (found && lv[k].qty == 0) {
			memmove(&s->lv[at], &s->lv[at + 1], (s->n - at - 1) * sizeof(s->lv[0]));
			s->n--;
		} else if (found) {
			s->lv[at].qty = lv[k].qty;
		} else if (lv[k].qty != 0) {
			if (s->n >= SIM_BOOK_LEVELS)
				return -ENOSPC;
			memmove(&s->lv[at + 1], &s->lv[at], (s->n - at) * sizeof(s->lv[0]));
			s->lv[at] = lv[k];
			s->n++;
		}
	}
	return 0;
}

int sim_book_check(const struct sim_book_state *b, int allow_crossed)
{
	const struct sim_book_side *side[2] = {&b->bid, &b->ask};

	for (int d = 0; d < 2; d++) {
		const struct sim_book_side *s = side[d];

		if (s->n > SIM_BOOK_LEVELS)
			return -EPROTO;
		for (uint32_t k = 0; k < s->n; k++)
			if (s->lv[k].qty <= 0 || s->lv[k].px <= 0 ||
			    (k > 0 && !book_before(d == 0, s->lv[k - 1].px, s->lv[k].px)))
				return -EPROTO;
	}
	if (!allow_crossed && b->bid.n && b->ask.n && b->bid.lv[0].px >= b->ask.lv[0].px)
		return -EPROTO;
	return 0;
}

/* A fresh book around symbol i's mid: SIM_BOOK_START levels a side, one to
 * three ticks apart. */
static void book_fill(struct sim_venue *v, struct sim_book *b, const struct sim_symbol *sym)
{
	int64_t tick = sym->tick > 0 ? sym->tick : 1000000;
	int64_t bid = sym->px / tick * tick, ask = bid + tick * (int64_t)(1 + book_rand(v) % 2);

	b->tick = tick;
	for (uint32_t k = 0; k < SIM_BOOK_START && bid > tick; k++) {
		b->cur.bid.lv[b->cur.bid.n++] = (struct sim_lvl){bid, book_qty(v)};
		bid -= tick * (int64_t)(1 + book_rand(v) % 3);
	}
	for (uint32_t k = 0; k < SIM_BOOK_START; k++) {
		b->cur.ask.lv[b->cur.ask.n++] = (struct sim_lvl){ask, book_qty(v)};
		ask += tick * (int64_t)(1 + book_rand(v) % 3);
	}
	b->cur.update_id = sym->update_id;
	b->cur.seq = sym->seq;
	b->old = b->mid = b->cur;
}

static void book_step(struct sim_venue *v, struct sim_book *b, int64_t mid, struct sim_book_ev *ev);

struct sim_book *sim_book_get(struct sim_venue *v, uint32_t i, int *err)
{
	struct sim_book *b;

	*err = 0;
	if (i >= v->nsym) {
		*err = -EINVAL;
		return NULL;
	}
	if (v->book[i])
		return v->book[i];
	b = calloc(1, sizeof(*b));
	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	book_fill(v, b, &v->sym[i]);
	v->book[i] = b;
	/* warm up so the stale copy is always SIM_BOOK_STALE_STEPS behind */
	for (int k = 0; k < SIM_BOOK_STALE_STEPS; k++) {
		struct sim_book_ev ev;
		book_step(v, b, v->sym[i].px, &ev);
	}
	return b;
}

void sim_book_free_all(struct sim_venue *v)
{
	for (uint32_t i = 0; i < SIM_MAX_SYMBOLS; i++) {
		free(v->book[i]);
		v->book[i] = NULL;
	}
}

/* The delta being built by a step: the changed levels per side. */
struct book_delta {
	uint32_t nb, na;
};

/* Sets px on side bid of b to qty (0 removes) and notes it in the delta.
 * Returns 0, or -ENOSPC (delta full or side full: nothing changed). */
static int book_set(struct sim_book *b, struct book_delta *d, int bid, int64_t px, int64_t qty)
{
	struct sim_lvl *ev = bid ? b->ev_bid : b->ev_ask;
	uint32_t *n = bid ? &d->nb : &d->na, k;
	struct sim_lvl l = {px, qty};

	for (k = 0; k < *n && ev[k].px != px; k++)
		;
	if (k == *n && *n >= SIM_BOOK_EV_MAX)
		return -ENOSPC;
	if (sim_book_apply(bid ? &b->cur.bid : &b->cur.ask, bid, &l, 1) < 0)
		return -ENOSPC;
	ev[k] = l;
	if (k == *n)
		(*n)++;
	return 0;
}

/* A new level on one side near the top, never at or through the other
 * side's best (a full side drops its worst level first). */
static void book_insert(struct sim_venue *v, struct sim_book *b, struct book_delta *d, int bid)
{
	struct sim_book_side *s = bid ? &b->cur.bid : &b->cur.ask;
	const struct sim_book_side *o = bid ? &b->cur.ask : &b->cur.bid;
	int64_t off = b->tick * (int64_t)(1 + book_rand(v) % BOOK_TOP), px;
	int found;

	if (o->n)
		px = bid ? o->lv[0].px - off : o->lv[0].px + off;
	else
		px = s->n ? (bid ? s->lv[0].px + b->tick : s->lv[0].px - b->tick) : b->tick;
	if (px <= 0)
		return;
	book_find(s, bid, px, &found);
	if (!found && s->n >= SIM_BOOK_LEVELS && book_set(b, d, bid, s->lv[s->n - 1].px, 0) < 0)
		return;
	book_set(b, d, bid, px, book_qty(v));
}

/* One random change near the top: a quantity, a removal or an insert. */
static void book_op(struct sim_venue *v, struct sim_book *b, struct book_delta *d)
{
	int bid = (int)(book_rand(v) & 1);
	struct sim_book_side *s = bid ? &b->cur.bid : &b->cur.ask;
	uint64_t r = book_rand(v) % 10;
	uint32_t top = s->n < BOOK_TOP ? s->n : BOOK_TOP;
	uint32_t k = top ? (uint32_t)(book_rand(v) % top) : 0;

	if (r < 5 && top)
		book_set(b, d, bid, s->lv[k].px, book_qty(v));
	else if (r < 7 && s->n > BOOK_MIN)
		book_set(b, d, bid, s->lv[k].px, 0);
	else
		book_insert(v, b, d, bid);
}

/* The book follows the symbol's mid walk: levels on the wrong side of the
 * mid go (two a side at most), and a crossing bid (fault) is removed. */
static void book_follow(struct sim_book *b, struct book_delta *d, int64_t mid)
{
	struct sim_book_side *bs = &b->cur.bid, *as = &b->cur.ask;

	while (b->is_crossed && bs->n && as->n && bs->lv[0].px >= as->lv[0].px)
		if (book_set(b, d, 1, bs->lv[0].px, 0) < 0)
			break;
	b->is_crossed = 0;
	for (int k = 0; k < 2 && bs->n > BOOK_MIN && bs->lv[0].px > mid; k++)
		book_set(b, d, 1, bs->lv[0].px, 0);
	for (int k = 0; k < 2 && as->n > BOOK_MIN && as->lv[0].px < mid; k++)
		book_set(b, d, 0, as->lv[0].px, 0);
}

static int book_cmp_bid(const void *a, const void *b)
{
	int64_t x = ((const struct sim_lvl *)a)->px, y = ((const struct sim_lvl *)b)->px;
	return (x < y) - (x > y);
}

static int book_cmp_ask(const void *a, const void *b)
{
	return -book_cmp_bid(a, b);
}

/* The fault flags this step consumes, and the crossing bid of `crossed`. */
static void book_faults(struct sim_book *b, struct book_delta *d, struct sim_book_ev *ev)
{
	if (b->crossed && b->cur.ask.n) {
		b->crossed--;
		if (book_set(b, d, 1, b->cur.ask.lv[0].px + b->tick, BOOK_QTY_UNIT * 1000) == 0)
			b->is_crossed = 1;
	}
	if (b->drop) {
		b->drop--;
		ev->dropped = 1;
	}
	if (b->bad_checksum) {
		b->bad_checksum--;
		ev->bad_checksum = 1;
	}
	if (b->full) {
		b->full--;
		ev->full = 1;
	}
	ev->crossed = b->is_crossed;
}

int sim_book_step(struct sim_venue *v, uint32_t i, struct sim_book_ev *ev)
{
	int err;
	struct sim_book *b = sim_book_get(v, i, &err);

	memset(ev, 0, sizeof(*ev));
	if (!b)
		return err;
	book_step(v, b, v->sym[i].px, ev);
	return 0;
}

/* One step of book b around mid: the delta in ev. */
static void book_step(struct sim_venue *v, struct sim_book *b, int64_t mid, struct sim_book_ev *ev)
{
	struct book_delta d = {0, 0};
	uint32_t nops;

	memset(ev, 0, sizeof(*ev));
	book_follow(b, &d, mid);
	nops = 1 + (uint32_t)(book_rand(v) % 3);
	for (uint32_t k = 0; k < nops; k++)
		book_op(v, b, &d);
	book_faults(b, &d, ev);
	qsort(b->ev_bid, d.nb, sizeof(b->ev_bid[0]), book_cmp_bid);
	qsort(b->ev_ask, d.na, sizeof(b->ev_ask[0]), book_cmp_ask);
	ev->prev_id = b->cur.update_id;
	ev->first_id = b->cur.update_id + 1;
	b->cur.update_id += 1 + book_rand(v) % 3;
	ev->last_id = b->cur.update_id;
	ev->prev_seq = b->cur.seq++;
	ev->seq = b->cur.seq;
	ev->bids = b->ev_bid;
	ev->asks = b->ev_ask;
	ev->nb = d.nb;
	ev->na = d.na;
	ev->book = b;
	if (++b->cur.steps % SIM_BOOK_STALE_STEPS == 0) {
		b->old = b->mid;
		b->mid = b->cur;
	}
}

static void book_view(const struct sim_book *b, const struct sim_book_state *st, uint32_t depth,
		      struct sim_book_ev *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->snapshot = 1;
	ev->first_id = ev->last_id = ev->prev_id = st->update_id;
	ev->seq = ev->prev_seq = st->seq;
	ev->bids = st->bid.lv;
	ev->asks = st->ask.lv;
	ev->nb = depth && depth < st->bid.n ? depth : st->bid.n;
	ev->na = depth && depth < st->ask.n ? depth : st->ask.n;
	ev->depth = depth;
	ev->book = b;
	ev->crossed = b->is_crossed && st == &b->cur;
}

int sim_book_snapshot(struct sim_venue *v, uint32_t i, uint32_t depth, struct sim_book_ev *ev)
{
	int err;
	struct sim_book *b = sim_book_get(v, i, &err);

	if (!b)
		return err;
	book_view(b, &b->cur, depth, ev);
	return 0;
}

int sim_book_rest_view(struct sim_venue *v, uint32_t i, uint32_t depth, struct sim_book_ev *ev)
{
	int err;
	struct sim_book *b = sim_book_get(v, i, &err);

	if (!b)
		return err;
	if (b->stale) {
		b->stale--;
		book_view(b, &b->old, depth, ev);
	} else {
		book_view(b, &b->cur, depth, ev);
	}
	return 0;
}

int sim_query_param(const char *path_query, const char *key, char *out, size_t len)
{
	const char *q = strchr(path_query, '?');
	size_t kl = strlen(key);

	while (q && *q) {
		const char *p = q + 1, *e;
		size_t n;

		e = p + strcspn(p, "&");
		if ((size_t)(e - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			n = (size_t)(e - p) - kl - 1;
			if (n + 1 > len)
				return -ENOENT;
			memcpy(out, p + kl + 1, n);
			out[n] = '\0';
			return (int)n;
		}
		q = *e ? e : NULL;
	}
	return -ENOENT;
}

void sim_out_printf(struct sim_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err || o->off >= o->len) {
		o->err = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off)
		o->err = 1;
	else
		o->off += (size_t)n;
}

void sim_out_levels(struct sim_out *o, const struct sim_lvl *lv, uint32_t n, int trim)
{
	for (uint32_t k = 0; k < n && !o->err; k++) {
		char px[40], qty[40];

		if (trim) {
			sim_dec_trim(lv[k].px, 8, px, sizeof(px));
			sim_dec_trim(lv[k].qty, 8, qty, sizeof(qty));
		} else {
			sim_dec(lv[k].px, 8, px, sizeof(px));
			sim_dec(lv[k].qty, 8, qty, sizeof(qty));
		}
		sim_out_printf(o, "%s[\"%s\",\"%s\"]", k ? "," : "", px, qty);
	}
}

int sim_out_end(const struct sim_out *o)
{
	return o->err ? -ENOSPC : (int)o->off;
}

int sim_rest_limit(const char *path_query, long def, long max)
{
	char lim[24];
	char *end;
	long n;

	if (sim_query_param(path_query, "limit", lim, sizeof(lim)) <= 0)
		return (int)def;
	n = strtol(lim, &end, 10);
	if (*end || n <= 0)
		return -EINVAL;
	return (int)(n > max ? max : n);
}
