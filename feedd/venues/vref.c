/* SPDX-License-Identifier: MIT */
/*
 * vref.c: shared pieces of the adapters' reference-data parsers (vref.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vref.h"

#define VREF_DIGITS_MAX 18 /* significant digits and decimals an int64 step holds */

int feed_vref_bad(struct feed_venue_ctx *v, const char *what)
{
	snprintf(v->reason, sizeof(v->reason), "reference data: %s", what);
	return -EBADMSG;
}

/* The digits of p[0..n) as "[0-9]*(.[0-9]*)?" into d (at most cap, leading
 * zeros dropped), *frac the digits after the point. Returns the characters
 * read (an exponent may follow), or -EINVAL. */
static int vref_digits(const char *p, size_t n, char *d, size_t cap, size_t *nd, int *frac)
{
	size_t i = 0, seen = 0;
	int point = 0;

	*nd = 0;
	*frac = 0;
	for (; i < n; i++) {
		if (p[i] == '.' && !point) {
			point = 1;
			continue;
		}
		if (p[i] < '0' || p[i] > '9')
			break;
		seen++;
		if (point)
			(*frac)++;
		if (*nd == 0 && p[i] == '0')
			continue;
		if (*nd >= cap)
			return -EINVAL;
		d[(*nd)++] = p[i];
	}
	return seen ? (int)i : -EINVAL;
}

/* An exponent "e[+-]?[0-9]{1,3}" at p[0..n) into *e. 0 or -EINVAL. */
static int vref_exp(const char *p, size_t n, int *e)
{
	size_t i = 1;
	int neg = 0, x = 0;

	if (n < 2 || (p[0] != 'e' && p[0] != 'E'))
		return -EINVAL;
	if (p[1] == '-' || p[1] == '+')
		neg = p[i++] == '-';
	if (i == n || n - i > 3)
		return -EINVAL;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		x = x * 10 + (p[i] - '0');
	}
	*e = neg ? -x : x;
	return 0;
}

int feed_vref_dec_text(const char *p, size_t n, int64_t *mant, uint8_t *dp)
{
	char d[VREF_DIGITS_MAX + 1];
	size_t nd, k;
	int frac, r, e = 0, places;
	int64_t m = 0;

	r = vref_digits(p, n, d, sizeof(d), &nd, &frac);
	if (r < 0 || ((size_t)r < n && vref_exp(p + r, n - (size_t)r, &e) < 0))
		return -EINVAL;
	while (nd > 0 && frac > 0 && d[nd - 1] == '0') { /* trailing fraction zeros */
		nd--;
		frac--;
	}
	places = frac - e;
	while (nd > 0 && places < 0) { /* 1e2: the zeros come back */
		if (nd >= VREF_DIGITS_MAX)
			return -EINVAL;
		d[nd++] = '0';
		places++;
	}
	if (nd > VREF_DIGITS_MAX || places > VREF_DIGITS_MAX)
		return -EINVAL;
	for (k = 0; k < nd; k++)
		m = m * 10 + (d[k] - '0');
	*mant = m;
	*dp = (uint8_t)(m == 0 ? 0 : places < 0 ? 0 : places);
	return 0;
}

int feed_vref_dec(const struct feed_json_val *f, int num, int64_t *mant, uint8_t *dp)
{
	if (!((f->type == FEED_JSON_STRING && !f->escaped) || (num && f->type == FEED_JSON_NUMBER)))
		return -EINVAL;
	return feed_vref_dec_text(f->p, f->n, mant, dp);
}

int feed_vref_places(const struct feed_json_val *f, int64_t *mant, uint8_t *dp)
{
	unsigned x = 0;
	size_t i;

	if ((f->type != FEED_JSON_NUMBER && f->type != FEED_JSON_STRING) || f->n == 0 || f->n > 2)
		return -EINVAL;
	for (i = 0; i < f->n; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -EINVAL;
		x = x * 10 + (unsigned)(f->p[i] - '0');
	}
	if (x > VREF_DIGITS_MAX)
		return -EINVAL;
	*mant = 1;
	*dp = (uint8_t)x;
	return 0;
}

int feed_vref_find(const struct feed_venue_ctx *v, const struct feed_json_val *f, int market,
		   uint32_t *idx)
{
	if (f->type != FEED_JSON_STRING || f->escaped || feed_venue_lookup(v, f->p, f->n, idx) < 0)
		return -ENOENT;
	return market < 0 || v->syms[*idx].market == market ? 0 : -ENOENT;
}

int feed_vref_market_of(const struct feed_venue_ctx *v, uint32_t k, const uint8_t *markets,
			uint32_t nm)
{
	for (uint32_t m = 0; m < nm; m++) {
		uint32_t i;

		for (i = 0; i < v->nsyms && v->syms[i].market != markets[m]; i++)
			;
		if (i == v->nsyms)
			continue;
		if (k-- == 0)
			return (int)m;
	}
	return -1;
}

int feed_vref_list_path(const struct feed_venue_ctx *v, uint32_t k, const char *prefix, char *buf,
			size_t len, size_t *n)
{
	uint64_t first = (uint64_t)k * FEED_VREF_LIST_MAX;
	size_t o;
	int w;

	if (first >= v->nsyms)
		return 0;
	w = snprintf(buf, len, "%s", prefix);
	if (w < 0 || (size_t)w >= len)
		return -ENOBUFS;
	o = (size_t)w;
	for (uint32_t i = (uint32_t)first; i < v->nsyms && i < first + FEED_VREF_LIST_MAX; i++) {
		w = snprintf(buf + o, len - o, "%s%s", i > first ? "," : "", v->syms[i].native);
		if (w < 0 || (size_t)w >= len - o)
			return -ENOBUFS;
		o += (size_t)w;
	}
	*n = o;
	return 1;
}

/* One element of feed_vref_each: the object at e. */
static int vref_one(struct feed_venue_ctx *v, const struct feed_json_val *e, int market,
		    const struct feed_json_key *keys, size_t nkeys, feed_vref_fill_fn fill,
		    struct feed_ref_instr *ref)
{
	struct feed_json_val vals[16];
	uint32_t i;
	int r;

	if (e->type != FEED_JSON_OBJECT || nkeys > 16 ||
	    feed_json_scan(e->p, e->n, keys, nkeys, vals) < 0)
		return feed_vref_bad(v, "an instrument is not an object");
	if (feed_vref_find(v, &vals[0], market, &i) < 0)
		return 0; /* not one of ours */
	r = fill(v, i, vals, &ref[i]);
	if (r < 0)
		return r;
	ref[i].found = 1;
	return 0;
}

int feed_vref_each(struct feed_venue_ctx *v, const struct feed_json_val *arr, int market,
		   const struct feed_json_key *keys, size_t nkeys, feed_vref_fill_fn fill,
		   struct feed_ref_instr *ref)
{
	struct feed_json_iter it;
	struct feed_json_val key, e;
	int r;

	if (arr->type == FEED_JSON_OBJECT)
		return vref_one(v, arr, market, keys, nkeys, fill, ref);
	if (arr->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, arr->p, arr->n) < 0)
		return feed_vref_bad(v, "no instrument list");
	while ((r = feed_json_iter_next(&it, &key, &e)) == 1) {
		r = vref_one(v, &e, market, keys, nkeys, fill, ref);
		if (r < 0)
			return r;
	}
	return r < 0 ? feed_vref_bad(v, "bad JSON in the instrument list") : 0;
}

int feed_vref_member(struct feed_venue_ctx *v, const uint8_t *body, size_t n, const char *key,
		     struct feed_json_val *out)
{
	struct feed_json_key k = {key, strlen(key)};
	char what[64];

	if (feed_json_scan((const char *)body, n, &k, 1, out) < 0)
		return feed_vref_bad(v, "the answer is not a JSON object");
	if (out->type == FEED_JSON_NONE) {
		snprintf(what, sizeof(what), "no '%s' in the answer", key);
		return feed_vref_bad(v, what);
	}
	return 0;
}

int feed_vref_binance_filters(struct feed_venue_ctx *v, const struct feed_json_val *arr,
			      struct feed_ref_instr *r)
{
	static const struct feed_json_key fk[] = {
		FEED_JSON_KEY("filterType"), FEED_JSON_KEY("tickSize"), FEED_JSON_KEY("stepSize")};
	struct feed_json_val f[3], key, e;
	struct feed_json_iter it;
	int rr;

	if (arr->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, arr->p, arr->n) < 0)
		return feed_vref_bad(v, "no 'filters' list");
	while ((rr = feed_json_iter_next(&it, &key, &e)) == 1) {
		if (e.type != FEED_JSON_OBJECT || feed_json_scan(e.p, e.n, fk, 3, f) < 0)
			return feed_vref_bad(v, "a filter is not an object");
		if (feed_json_str_eq(&f[0], "PRICE_FILTER", 12) &&
		    feed_vref_dec(&f[1], 0, &r->tick, &r->tick_dp) < 0)
			return feed_vref_bad(v, "PRICE_FILTER tickSize bad or missing");
		if (feed_json_str_eq(&f[0], "LOT_SIZE", 8) &&
		    feed_vref_dec(&f[2], 0, &r->lot, &r->lot_dp) < 0)
			return feed_vref_bad(v, "LOT_SIZE stepSize bad or missing");
	}
	return rr < 0 ? feed_vref_bad(v, "bad JSON in 'filters'") : 0;
}
