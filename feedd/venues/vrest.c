/* SPDX-License-Identifier: MIT */
/*
 * vrest.c: shared pieces of the adapters' REST fallback parsers (vrest.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vrest.h"

int feed_vrest_bad(struct feed_venue_ctx *v, const char *what)
{
	snprintf(v->reason, sizeof(v->reason), "REST answer: %s bad or missing", what);
	return -EBADMSG;
}

int feed_vrest_px(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *f,
		  const char *what, unsigned opts, int64_t *val)
{
	struct feed_venue_out o;

	memset(&o, 0, sizeof(o));
	if (feed_venue_decimal(v, &o, sym, f, what, v->syms[sym].price_decimals, opts, val) < 0)
		return -EBADMSG; /* v->reason names the value */
	return 0;
}

int feed_vrest_qty(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *f,
		   const char *what, unsigned opts, int64_t *val)
{
	struct feed_venue_out o;

	memset(&o, 0, sizeof(o));
	if (feed_venue_qty(v, &o, sym, f, what, opts, val) < 0)
		return -EBADMSG;
	return 0;
}

int feed_vrest_id(struct feed_venue_ctx *v, const struct feed_json_val *f, uint64_t *id,
		  uint8_t *flags)
{
	size_t i;

	if ((f->type != FEED_JSON_STRING && f->type != FEED_JSON_NUMBER) || f->n == 0 || f->escaped)
		return feed_vrest_bad(v, "trade id");
	for (i = 0; i < f->n && f->p[i] >= '0' && f->p[i] <= '9'; i++)
		;
	if (i == f->n && f->n <= 19 && feed_json_u64(f, id) == 0)
		return 0;
	if (i == f->n && f->n <= 20) {
		/* a string of digits: feed_json_u64 reads numbers only */
		uint64_t x = 0;

		for (i = 0; i < f->n; i++) {
			if (x > (UINT64_MAX - 9) / 10)
				break;
			x = x * 10 + (uint64_t)(f->p[i] - '0');
		}
		if (i == f->n) {
			*id = x;
			return 0;
		}
	}
	*id = feed_venue_tid_hash(f->p, f->n);
	*flags |= MDBUS_FLAG_TID_HASH;
	return 0;
}

int feed_vrest_side(struct feed_venue_ctx *v, const struct feed_json_val *f, uint8_t *flags)
{
	if (f->type == FEED_JSON_STRING && f->n >= 1) {
		char c = f->p[0];

		if ((c == 'b' || c == 'B') && (f->n == 1 || f->n == 3)) {
			*flags |= MDBUS_FLAG_BUY;
			return 0;
		}
		if ((c == 's' || c == 'S') && (f->n == 1 || f->n == 4)) {
			*flags |= MDBUS_FLAG_SELL;
			return 0;
		}
	}
	return feed_vrest_bad(v, "trade side");
}

int feed_vrest_ms(struct feed_venue_ctx *v, const struct feed_json_val *f, const char *what,
		  int64_t *ns)
{
	if (f->type == FEED_JSON_NUMBER || (f->type == FEED_JSON_STRING && !f->escaped)) {
		if (feed_ts_ms_text(f->p, f->n, ns) == 0)
			return 0;
	}
	return feed_vrest_bad(v, what);
}

int feed_vrest_first(struct feed_venue_ctx *v, const struct feed_json_val *arr,
		     const struct feed_json_key *keys, size_t nkeys, struct feed_json_val *vals)
{
	struct feed_json_iter it;
	struct feed_json_val k, e;

	if (arr->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, arr->p, arr->n) < 0 ||
	    feed_json_iter_next(&it, &k, &e) != 1 || e.type != FEED_JSON_OBJECT ||
	    feed_json_scan(e.p, e.n, keys, nkeys, vals) < 0)
		return feed_vrest_bad(v, "list");
	return 0;
}

int feed_vrest_each(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *arr,
		    int (*each)(struct feed_venue_ctx *v, uint32_t sym,
				const struct feed_json_val *e, struct feed_rest_trade *t),
		    struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_iter it;
	struct feed_json_val k, e;
	int rc;

	*nt = 0;
	if (arr->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, arr->p, arr->n) < 0)
		return feed_vrest_bad(v, "trade list");
	while ((rc = feed_json_iter_next(&it, &k, &e)) == 1) {
		if (*nt >= cap) {
			snprintf(v->reason, sizeof(v->reason), "REST answer: over %u trades", cap);
			return -EMSGSIZE;
		}
		memset(&t[*nt], 0, sizeof(t[*nt]));
		if ((rc = each(v, sym, &e, &t[*nt])) < 0)
			return rc;
		(*nt)++;
	}
	return rc < 0 ? feed_vrest_bad(v, "trade list") : 0;
}

int feed_vrest_fmt(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*n = (size_t)k;
	return 0;
}

int feed_vrest_trade5(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
		      const struct feed_json_key keys[5], struct feed_rest_trade *t)
{
	struct feed_json_val f[5];
	char what[3][40];

	if (e->type != FEED_JSON_OBJECT || feed_json_scan(e->p, e->n, keys, 5, f) < 0)
		return feed_vrest_bad(v, "trade");
	for (int i = 0; i < 3; i++)
		snprintf(what[i], sizeof(what[i]), "trade %.*s", (int)keys[i + 1].len,
			 keys[i + 1].name);
	if (feed_vrest_id(v, &f[0], &t->id, &t->flags) < 0 ||
	    feed_vrest_px(v, sym, &f[1], what[0], 0, &t->px) < 0 ||
	    feed_vrest_qty(v, sym, &f[2], what[1], 0, &t->qty) < 0 ||
	    feed_vrest_ms(v, &f[3], what[2], &t->ts) < 0 ||
	    feed_vrest_side(v, &f[4], &t->flags) < 0)
		return -EBADMSG;
	return 0;
}

int feed_vrest_trade_maker(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			   const struct feed_json_key keys[5], struct feed_json_val f[5],
			   struct feed_rest_trade *t)
{
	char what[4][40];
	int maker;

	if (e->type != FEED_JSON_OBJECT || feed_json_scan(e->p, e->n, keys, 5, f) < 0)
		return feed_vrest_bad(v, "trade");
	for (int i = 0; i < 4; i++)
		snprintf(what[i], sizeof(what[i]), "trade %.*s", (int)keys[i + 1].len,
			 keys[i + 1].name);
	if (feed_vrest_px(v, sym, &f[1], what[0], 0, &t->px) < 0 ||
	    feed_vrest_qty(v, sym, &f[2], what[1], 0, &t->qty) < 0 ||
	    feed_vrest_ms(v, &f[3], what[2], &t->ts) < 0)
		return -EBADMSG;
	if (feed_json_bool(&f[4], &maker) < 0)
		return feed_vrest_bad(v, what[3]);
	t->flags |= maker ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY;
	return 0;
}
