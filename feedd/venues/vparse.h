/* SPDX-License-Identifier: MIT */
/*
 * vparse.h: the value helpers every adapter shares (vparse.c): the ERROR a
 * parser reports, the hash of a non-integer trade id, exact decimals from
 * JSON strings or bare numbers, contract sizes, and timestamps. Included by
 * venue.h after the context types it works on.
 */
#ifndef FEED_VPARSE_H
#define FEED_VPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "jsonscan.h"

struct feed_venue_ctx;
struct feed_venue_out;

/* Sets out->cls = ERROR with a formatted reason (in v->reason). */
void feed_venue_error(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t sym,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Sets out->cls = UNKNOWN (counted, skipped) with a constant reason. */
void feed_venue_unknown(struct feed_venue_out *out, const char *reason);

/* A stable 64-bit id for a trade id that is not an integer (a UUID, a
 * string with letters): FNV-1a 64 of its bytes. The tick then carries
 * MDBUS_FLAG_TID_HASH. Never 0 for a non-empty id. */
uint64_t feed_venue_tid_hash(const char *s, size_t n);

/* ---- helpers for adapters: decimals and times (vparse.c) ------------------------ */

#define FEED_DEC_NEG 0x01u /* a negative value is allowed */
#define FEED_DEC_NUM 0x02u /* a bare JSON number is allowed (its text, exactly) */
#define FEED_DEC_EXP 0x04u /* a string may carry an exponent ("1.5e-05") */

/* The general case of feed_venue_decimal, and every error. */
int feed_venue_decimal_any(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			   const struct feed_json_val *f, const char *what, unsigned dec,
			   unsigned opts, int64_t *val);

/* Field f of symbol i as a decimal at `dec` places: a JSON string (plain
 * decimal, or with FEED_DEC_EXP an exponent form) or, with FEED_DEC_NUM, a
 * bare JSON number (exponent allowed). Never through a double; a value
 * not exact at that scale is refused. On failure out is an ERROR naming
 * `what` and the value. Returns 0 or a negative errno. Inline: the plain
 * decimal (every price and quantity of the venues we know) is taken by
 * feed_json_decimal, which gives the same value as the general parsers. */
static inline int feed_venue_decimal(struct feed_venue_ctx *v, struct feed_venue_out *out,
				     uint32_t i, const struct feed_json_val *f, const char *what,
				     unsigned dec, unsigned opts, int64_t *val)
{
	if (((f->type == FEED_JSON_STRING && !f->escaped) ||
	     (f->type == FEED_JSON_NUMBER && (opts & FEED_DEC_NUM))) &&
	    feed_json_decimal(f->p, f->n, dec, val) == 0 && (*val >= 0 || (opts & FEED_DEC_NEG)))
		return 0;
	return feed_venue_decimal_any(v, out, i, f, what, dec, opts, val);
}

/* A contract market's size field f of symbol i (a decimal at the symbol's
 * qty scale, opts as above) in the symbol's qty unit: contracts as sent,
 * or base units (contracts x contract_size, exactly) when the session asked
 * for base units. Spot sizes are returned as sent. A product not exact at
 * the scale, or out of range, is an ERROR. Returns 0 or a negative errno. */
int feed_venue_qty(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		   const struct feed_json_val *f, const char *what, unsigned opts, int64_t *qty);

/* Timestamps to ns since the epoch; -ERANGE past int64 ns (year 2262). */
int feed_ts_ms(uint64_t ms, int64_t *ns);
int feed_ts_us(uint64_t us, int64_t *ns);
int feed_ts_ns(uint64_t ns_in, int64_t *ns);
/* "1700000000123" or "1700000000123.456" (ms with up to 6 fraction
 * digits), exactly. Returns 0, -EINVAL, -ERANGE. */
int feed_ts_ms_text(const char *s, size_t n, int64_t *ns);
/* RFC 3339: "2023-09-25T07:49:37.708706Z", 0 to 9 fraction digits, 'Z' or
 * "+hh:mm"/"-hh:mm", 't'/' ' as separator; years 1970..2262. Exact.
 * Returns 0, -EINVAL, -ERANGE. */
int feed_ts_rfc3339(const char *s, size_t n, int64_t *ns);

#endif /* FEED_VPARSE_H */
