/* SPDX-License-Identifier: MIT */
/*
 * vrest.h: what the adapters' REST fallback parsers share (vrest.c): the
 * error they return, a JSON value as a decimal, a trade id (integer or
 * hashed), an aggressor side, a millisecond time, and the one object of a
 * list answer. Each returns 0 or -EBADMSG with the reason in v->reason.
 */
#ifndef FEED_VREST_H
#define FEED_VREST_H

#include <stddef.h>
#include <stdint.h>

#include "venue.h"

/* Sets v->reason to "<what>: bad or missing" and returns -EBADMSG. */
int feed_vrest_bad(struct feed_venue_ctx *v, const char *what);

/* A price of symbol sym (string, or bare number with FEED_DEC_NUM in opts). */
int feed_vrest_px(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *f,
		  const char *what, unsigned opts, int64_t *val);
/* A size of symbol sym, in its qty unit (feed_venue_qty). */
int feed_vrest_qty(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *f,
		   const char *what, unsigned opts, int64_t *val);

/* A trade id: an integer (number or string of digits) as is, anything else
 * hashed (flags gets MDBUS_FLAG_TID_HASH). */
int feed_vrest_id(struct feed_venue_ctx *v, const struct feed_json_val *f, uint64_t *id,
		  uint8_t *flags);

/* "buy"/"Buy"/"BUY"/"b" -> MDBUS_FLAG_BUY, "sell"/.../"s" -> SELL into *flags. */
int feed_vrest_side(struct feed_venue_ctx *v, const struct feed_json_val *f, uint8_t *flags);

/* A trade object whose keys are, in this order: id, price, size, time in ms,
 * taker side (keys[0..5)); the errors name the key ("trade px"). */
int feed_vrest_trade5(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
		      const struct feed_json_key keys[5], struct feed_rest_trade *t);

/* The Binance form of a trade object (Binance spot and USD-M, MEXC): keys,
 * in this order, id, price, size, time in ms and "the buyer was the maker"
 * (true: the aggressor sold). Fills px, qty, ts and the side into t and the
 * five values into f (the id is the caller's: f[0]); the errors name the
 * key ("trade price"). */
int feed_vrest_trade_maker(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			   const struct feed_json_key keys[5], struct feed_json_val f[5],
			   struct feed_rest_trade *t);

/* Milliseconds since the epoch (number or string) as ns. */
int feed_vrest_ms(struct feed_venue_ctx *v, const struct feed_json_val *f, const char *what,
		  int64_t *ns);

/* The first element of the array arr as an object, scanned with keys. */
int feed_vrest_first(struct feed_venue_ctx *v, const struct feed_json_val *arr,
		     const struct feed_json_key *keys, size_t nkeys, struct feed_json_val *vals);

/* Calls each(v, sym, elem, t + *nt, ctx) for each element of the array
 * arr, counting *nt up to cap (-EMSGSIZE beyond). */
int feed_vrest_each(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *arr,
		    int (*each)(struct feed_venue_ctx *v, uint32_t sym,
				const struct feed_json_val *e, struct feed_rest_trade *t),
		    struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

/* snprintf into buf: 0 with *n, or -ENOBUFS. */
int feed_vrest_fmt(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* FEED_VREST_H */
