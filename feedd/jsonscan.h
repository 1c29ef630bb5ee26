/* SPDX-License-Identifier: MIT */
/*
 * jsonscan.h: a zero-allocation JSON scanner for venue messages. It does
 * not build a tree: it walks one object (or array) once, handing out raw
 * spans of the values it meets, and skips nested values by matching
 * brackets (strings and escapes included). Every read is bounded by the
 * given length: truncated or invalid input gives -EINVAL, never a read past
 * the end. This is the hot path: no allocation, no syscall, no locale.
 *
 * Typical use (one pass, several keys):
 *   static const struct feed_json_key keys[] = {{"e", 1}, {"s", 1}, {"p", 1}};
 *   struct feed_json_val v[3];
 *   if (feed_json_scan(p, n, keys, 3, v) < 0) -> invalid JSON
 *   if (v[0].type == FEED_JSON_NONE) -> key absent
 */
#ifndef FEED_JSONSCAN_H
#define FEED_JSONSCAN_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum feed_json_type {
	FEED_JSON_NONE = 0, /* absent */
	FEED_JSON_STRING,   /* p/n: the bytes between the quotes, still escaped */
	FEED_JSON_NUMBER,   /* p/n: the number's text */
	FEED_JSON_TRUE,
	FEED_JSON_FALSE,
	FEED_JSON_NULL,
	FEED_JSON_OBJECT, /* p/n: the whole "{...}" */
	FEED_JSON_ARRAY,  /* p/n: the whole "[...]" */
};

struct feed_json_val {
	const char *p;
	size_t n;
	uint8_t type;	 /* enum feed_json_type */
	uint8_t escaped; /* STRING: contains a backslash escape */
};

struct feed_json_key {
	/* compared to the raw (escaped) key bytes; never holds '"', '\\' or a
	 * control byte (feed_json_scan compares it in place) */
	const char *name;
	size_t len;
};
#define FEED_JSON_KEY(s)                                                                           \
	{                                                                                          \
		(s), sizeof(s) - 1                                                                 \
	}

/* An iterator over the members of one object or the elements of one array. */
struct feed_json_iter {
	const char *p;
	size_t n;
	size_t pos;
	uint32_t count; /* members returned so far */
	uint8_t array;	/* 1 when iterating an array */
	uint8_t state;	/* 0 running, 1 done, 2 failed */
	uint8_t depth;	/* nesting of this container (limits recursion) */
};

#define FEED_JSON_DEPTH_MAX 64 /* deeper input is rejected (-EINVAL) */

/* Starts at the '{' or '[' at p (leading whitespace allowed).
 * Returns 0 or -EINVAL (not an object/array). */
int feed_json_iter_init(struct feed_json_iter *it, const char *p, size_t n);

/* Next member: key span (raw, without quotes; NULL for arrays) and value.
 * Returns 1, 0 at the closing bracket, -EINVAL on invalid or truncated
 * input (the iterator then stays failed). */
int feed_json_iter_next(struct feed_json_iter *it, struct feed_json_val *key,
			struct feed_json_val *val);

/* After the last member: the offset just past the closing bracket. */
size_t feed_json_iter_end(const struct feed_json_iter *it);

/*
 * One pass over the top-level object at p: for each member whose raw key
 * equals keys[i], vals[i] gets the value (later duplicates win). Keys not
 * present get type NONE. The whole object is validated; trailing
 * non-whitespace after it is an error. Returns the number of keys found or
 * -EINVAL.
 */
int feed_json_scan(const char *p, size_t n, const struct feed_json_key *keys, size_t nkeys,
		   struct feed_json_val *vals);

/* As feed_json_scan for the object at p[*pos] ('{') inside p[0..n) (an
 * element of an array, say), whatever follows it: *pos goes past its '}'.
 * Its containers count their depth from 0, as an iterator's. Returns the
 * number of keys found or -EINVAL. */
int feed_json_scan_at(const char *p, size_t n, size_t *pos, const struct feed_json_key *keys,
		      size_t nkeys, struct feed_json_val *vals);

/*
 * One pass for a message whose data sits in one member: as feed_json_scan,
 * and the member keys[sub->key], if it is an object (or an array whose
 * first element is an object), is read with sub->keys into sub->vals in
 * the same pass, as feed_json_scan of that object would read it, instead
 * of being validated once and scanned again. vals[sub->key] still gets the
 * member's span.
 */
struct feed_json_sub {
	size_t key;			  /* in: index in keys of the member */
	const struct feed_json_key *keys; /* in: the keys of its object */
	size_t nkeys;
	struct feed_json_val *vals; /* out: nkeys values, valid when found >= 0 */
	int found;		    /* out: keys found; -1: not an object (or array of them) */
	uint32_t items;		    /* out: an array's elements (the first one is in vals) */
};

/* Returns as feed_json_scan; sub->found and sub->items describe the last
 * occurrence of the member. */
int feed_json_scan_sub(const char *p, size_t n, const struct feed_json_key *keys, size_t nkeys,
		       struct feed_json_val *vals, struct feed_json_sub *sub);

/* Skips one value at p[*pos] (whitespace first); on success *pos is just
 * past it and *val describes it. Returns 0 or -EINVAL. */
int feed_json_value(const char *p, size_t n, size_t *pos, struct feed_json_val *val);

/* ---- value helpers ---------------------------------------------------------- */

/* 1 if v is a STRING without escapes whose bytes equal s, else 0. */
int feed_json_str_eq(const struct feed_json_val *v, const char *s, size_t len);

/* Decodes a STRING (escapes, \uXXXX incl. surrogate pairs -> UTF-8) into
 * buf with a NUL. Returns the length, -EINVAL, -ENOSPC. */
int feed_json_unescape(const struct feed_json_val *v, char *buf, size_t len);

/* An unsigned integer NUMBER (no sign, fraction, exponent) or a STRING
 * holding one. Returns 0, -EINVAL, -ERANGE. */
int feed_json_u64(const struct feed_json_val *v, uint64_t *out);
/* Same, with an optional '-'. */
int feed_json_i64(const struct feed_json_val *v, int64_t *out);
/* The fast exact decimal: p[0..n) of the plain form -?[0-9]+(\.[0-9]+)?
 * whose integer digits and the scale dec make at most 18 digits, and whose
 * fraction digits past dec are zeros, gives *out = the value * 10^dec,
 * equal to what mdbus_decimal_parse and mdbus_decimal_parse_exp give for
 * it. Any other text gives -EAGAIN: hand it to those (they decide between
 * a value and an error). Reads only p[0..n). Returns 0 or -EAGAIN. */
int feed_json_decimal(const char *p, size_t n, unsigned dec, int64_t *out);
/* TRUE/FALSE -> 1/0. Returns 0 or -EINVAL. */
int feed_json_bool(const struct feed_json_val *v, int *out);

/* ---- 8 bytes at a time (the scanner and the fast paths) ----------------------- */

#define FEED_JSON_ONES	0x0101010101010101ULL
#define FEED_JSON_HIGHS 0x8080808080808080ULL
#define FEED_JSON_LOWS	0x0f0f0f0f0f0f0f0fULL

extern const uint64_t feed_json_pow10[19]; /* 10^0 .. 10^18 */

/* p[0..8) as one word, p[0] in the low byte (memcpy: any alignment). */
static inline uint64_t feed_json_load8(const char *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* The high bit of each byte of x that is not an ASCII digit. Exact per
 * byte: the low seven bits are added apart, so no carry crosses a byte. */
static inline uint64_t feed_json_nondigit8(uint64_t x)
{
	uint64_t a = x ^ (FEED_JSON_ONES * '0'); /* a digit becomes 0..9 */

	return (a | ((a & (FEED_JSON_ONES * 0x7f)) + FEED_JSON_ONES * 0x76)) & FEED_JSON_HIGHS;
}

/* The high bit of bytes of x that end a string's plain run ('"', '\\',
 * control characters). x ^ 0x02 turns '"' into 0x20 and keeps control
 * bytes below it, so one "below 0x21" test finds both; a second finds
 * '\\'. The lowest flagged byte is always a true one (a borrow only runs
 * upward from a true one): use only it. */
static inline uint64_t feed_json_strstop8(uint64_t x)
{
	uint64_t y = x ^ (FEED_JSON_ONES * 0x02), b = x ^ (FEED_JSON_ONES * '\\');

	return (((y - FEED_JSON_ONES * 0x21) & ~y) | ((b - FEED_JSON_ONES) & ~b)) & FEED_JSON_HIGHS;
}

/* The value of 8 digits (each byte 0..9, the first digit in the low byte):
 * pairs, then quads, then the whole, each step in lanes that cannot carry
 * into their neighbour (99, 9999 and 99999999 fit their lanes). */
static inline uint64_t feed_json_value8(uint64_t d)
{
	d = (d * 10 + (d >> 8)) & 0x00ff00ff00ff00ffULL;
	d = (d * 100 + (d >> 16)) & 0x0000ffff0000ffffULL;
	return (d * 10000 + (d >> 32)) & 0xffffffffULL;
}

/* The value of the k (1..8) digits in the low bytes of x: moved to the top,
 * zeros below them read as leading zeros. */
static inline uint64_t feed_json_value_low(uint64_t x, unsigned k)
{
	return feed_json_value8((x << (8 * (8 - k))) & FEED_JSON_LOWS);
}

/* ---- a cursor for one venue message's fixed-layout fast path ------------------- */

/*
 * An adapter that knows the exact text of its hottest message reads it
 * with these, in order, and takes the general path (feed_json_scan) when
 * any of them answers -EAGAIN: a different order, blanks, escapes, a value
 * of another form, or too few bytes left to read 8 at a time. Each accepts
 * only text that the general path reads the same way, so the fast path
 * either gives the general path's result or declines. Reads stay in p[0..n).
 */
struct feed_json_cur {
	const char *p;
	size_t n;
	size_t i; /* the next byte */
};

/* The literal lit (1 to 16 bytes, a constant: the words fold at compile
 * time), e.g. ",\"s\":". Returns 0 (past it) or -EAGAIN. */
static inline int feed_json_cur_lit(struct feed_json_cur *c, const char *lit, size_t len)
{
	uint64_t a = 0, b = 0, ma, mb;
	const char *p = c->p + c->i;

	if (len == 0 || len > 16)
		return -EAGAIN;
	if (c->n - c->i < 16) { /* near the end: byte by byte */
		if (c->n - c->i < len || memcmp(p, lit, len) != 0)
			return -EAGAIN;
		c->i += len;
		return 0;
	}
	memcpy(&a, lit, len < 8 ? len : 8);
	if (len > 8)
		memcpy(&b, lit + 8, len - 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	a = __builtin_bswap64(a);
	b = __builtin_bswap64(b);
#endif
	ma = len >= 8 ? ~0ULL : ~0ULL >> (64 - 8 * len);
	mb = len <= 8 ? 0 : len == 16 ? ~0ULL : ~0ULL >> (64 - 8 * (len - 8));
	if (((feed_json_load8(p) ^ a) & ma) | ((feed_json_load8(p + 8) ^ b) & mb))
		return -EAGAIN;
	c->i += len;
	return 0;
}

/* A JSON integer of 1 to 15 digits (no sign, no leading zero, no fraction
 * or exponent after it). Returns 0 or -EAGAIN. */
static inline int feed_json_cur_u64(struct feed_json_cur *c, uint64_t *out)
{
	const char *p = c->p + c->i;
	uint64_t w0, w1, m, v;
	unsigned k;

	if (c->n - c->i < 16)
		return -EAGAIN;
	w0 = feed_json_load8(p);
	m = feed_json_nondigit8(w0);
	if (m) {
		k = (unsigned)__builtin_ctzll(m) >> 3;
		if (k == 0)
			return -EAGAIN;
		v = feed_json_value_low(w0, k);
	} else {
		w1 = feed_json_load8(p + 8);
		m = feed_json_nondigit8(w1);
		if (m == 0)
			return -EAGAIN;
		k = (unsigned)__builtin_ctzll(m) >> 3;
		v = feed_json_value8(w0 & FEED_JSON_LOWS) * feed_json_pow10[k] +
		    (k ? feed_json_value_low(w1, k) : 0);
		k += 8;
	}
	if ((p[0] == '0' && k > 1) || p[k] == '.' || p[k] == 'e' || p[k] == 'E')
		return -EAGAIN;
	c->i += k;
	*out = v;
	return 0;
}

/* A string without escapes: *s and *len span the bytes between the quotes.
 * Returns 0 or -EAGAIN. */
static inline int feed_json_cur_str(struct feed_json_cur *c, const char **s, size_t *len)
{
	const char *p = c->p;
	size_t i = c->i + 1, start = i;
	uint64_t m;

	if (c->i >= c->n || p[c->i] != '"')
		return -EAGAIN;
	for (; c->n - i >= 8; i += 8) {
		m = feed_json_strstop8(feed_json_load8(p + i));
		if (m == 0)
			continue;
		i += (unsigned)__builtin_ctzll(m) >> 3;
		if (p[i] != '"')
			return -EAGAIN; /* an escape or a control byte */
		*s = p + start;
		*len = i - start;
		c->i = i + 1;
		return 0;
	}
	return -EAGAIN;
}

/* A string holding a plain decimal of 1 to 7 integer digits, '.', and 1 to
 * `dec` (at most 8) fraction digits, with integer digits + dec <= 18: *out
 * is its value * 10^dec, as mdbus_decimal_parse gives it. Anything else
 * (a sign, an exponent, more digits) returns -EAGAIN. */
static inline int feed_json_cur_decimal(struct feed_json_cur *c, unsigned dec, int64_t *out)
{
	const char *p = c->p + c->i;
	uint64_t w0, w1, m;
	unsigned k, f;

	if (c->n - c->i < 19 || p[0] != '"')
		return -EAGAIN;
	w0 = feed_json_load8(p + 1);
	m = feed_json_nondigit8(w0);
	if (m == 0)
		return -EAGAIN;
	k = (unsigned)__builtin_ctzll(m) >> 3; /* integer digits */
	if (k == 0 || p[1 + k] != '.' || k + dec > 18)
		return -EAGAIN;
	w1 = feed_json_load8(p + 2 + k);
	m = feed_json_nondigit8(w1);
	f = m ? (unsigned)__builtin_ctzll(m) >> 3 : 8; /* fraction digits */
	if (f == 0 || f > dec || p[2 + k + f] != '"')
		return -EAGAIN;
	*out = (int64_t)(feed_json_value_low(w0, k) * feed_json_pow10[dec] +
			 feed_json_value_low(w1, f) * feed_json_pow10[dec - f]);
	c->i += 3 + k + f;
	return 0;
}

/* true or false: *out 1 or 0. Returns 0 or -EAGAIN. */
static inline int feed_json_cur_bool(struct feed_json_cur *c, int *out)
{
	const char *p = c->p + c->i;

	if (c->n - c->i < 5)
		return -EAGAIN;
	if (memcmp(p, "true", 4) == 0) {
		*out = 1;
		c->i += 4;
		return 0;
	}
	if (memcmp(p, "false", 5) == 0) {
		*out = 0;
		c->i += 5;
		return 0;
	}
	return -EAGAIN;
}

/* The closing '}' of the top-level object, the last byte of the message
 * (trailing blanks take the general path). Returns 0 or -EAGAIN. */
static inline int feed_json_cur_end(const struct feed_json_cur *c)
{
	return c->i + 1 == c->n && c->p[c->i] == '}' ? 0 : -EAGAIN;
}

#endif /* FEED_JSONSCAN_H */
