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

#include <stddef.h>
#include <stdint.h>

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
	const char *name; /* compared to the raw (escaped) key bytes */
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
/* TRUE/FALSE -> 1/0. Returns 0 or -EINVAL. */
int feed_json_bool(const struct feed_json_val *v, int *out);

#endif /* FEED_JSONSCAN_H */
