/* SPDX-License-Identifier: MIT */
/*
 * jsonscan.c: bounded, allocation-free JSON scanning (jsonscan.h).
 *
 * Every index is checked against n before the byte is read, so the scanner
 * may be handed a message cut at any offset. Nested values are validated by
 * recursive descent with a depth limit (FEED_JSON_DEPTH_MAX), so the stack
 * use is bounded whatever the input.
 */
#include <errno.h>
#include <string.h>

#include "jsonscan.h"

static inline size_t json_ws(const char *p, size_t n, size_t i)
{
	/* One compare in the common case: every JSON whitespace is <= ' '. */
	while (i < n && (unsigned char)p[i] <= ' ' &&
	       (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
		i++;
	return i;
}

static inline int json_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const uint64_t feed_json_pow10[19] = {
	1ULL,
	10ULL,
	100ULL,
	1000ULL,
	10000ULL,
	100000ULL,
	1000000ULL,
	10000000ULL,
	100000000ULL,
	1000000000ULL,
	10000000000ULL,
	100000000000ULL,
	1000000000000ULL,
	10000000000000ULL,
	100000000000000ULL,
	1000000000000000ULL,
	10000000000000000ULL,
	100000000000000000ULL,
	1000000000000000000ULL,
};

/* The end of the run of digits at p[i..n). */
static inline size_t json_digit_run(const char *p, size_t n, size_t i)
{
	uint64_t m;

	for (; n - i >= 8; i += 8) {
		m = feed_json_nondigit8(feed_json_load8(p + i));
		if (m)
			return i + ((unsigned)__builtin_ctzll(m) >> 3);
	}
	while (i < n && (unsigned)(p[i] - '0') <= 9)
		i++;
	return i;
}

/* The value of the digits p[s..e) (all digits, at most 19), reading only
 * bytes of p[0..n): a tail of r < 8 digits is one load whose other bytes
 * are masked to leading zeros. */
static inline uint64_t json_digits_value(const char *p, size_t n, size_t s, size_t e)
{
	uint64_t v = 0, x;
	size_t r;

	for (; e - s >= 8; s += 8)
		v = v * 100000000 + feed_json_value8(feed_json_load8(p + s) & FEED_JSON_LOWS);
	r = e - s;
	if (r == 0)
		return v;
	if (n - s >= 8) /* the digits are the low r bytes: move them up */
		x = feed_json_load8(p + s) << (8 * (8 - r));
	else if (e >= 8) /* the digits are the high r bytes of the word ending at e */
		x = feed_json_load8(p + e - 8) & ~((1ULL << (8 * (8 - r))) - 1);
	else
		goto bytes;
	return v * feed_json_pow10[r] + feed_json_value8(x & FEED_JSON_LOWS);
bytes:
	for (; s < e; s++)
		v = v * 10 + (unsigned)(p[s] - '0');
	return v;
}

/* Bytes that end the plain run of a string: '"', '\\' and control
 * characters. One table load per byte instead of three compares. */
static const uint8_t json_str_stop[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

/* p[*pos] is the opening quote. On success *pos is past the closing quote
 * and val spans the bytes between the quotes. */
static inline __attribute__((always_inline)) int json_string(const char *p, size_t n, size_t *pos,
							     struct feed_json_val *val)
{
	size_t i = *pos + 1, start = i;
	int esc = 0;

	for (;;) {
		/* Plain bytes, 8 at a time while 8 remain, then one by one. */
		while (n - i >= 8) {
			uint64_t m = feed_json_strstop8(feed_json_load8(p + i));
			if (m) {
				i += (unsigned)__builtin_ctzll(m) >> 3;
				goto stop;
			}
			i += 8;
		}
		while (i < n && !json_str_stop[(unsigned char)p[i]])
			i++;
	stop:
		if (i >= n)
			return -EINVAL; /* truncated */
		if (p[i] == '"')
			break;
		if ((unsigned char)p[i] < 0x20)
			return -EINVAL; /* raw control character */
		/* backslash */
		esc = 1;
		if (i + 1 >= n)
			return -EINVAL;
		switch (p[i + 1]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			i += 2;
			break;
		case 'u':
			if (i + 6 > n)
				return -EINVAL;
			if (json_hex(p[i + 2]) < 0 || json_hex(p[i + 3]) < 0 ||
			    json_hex(p[i + 4]) < 0 || json_hex(p[i + 5]) < 0)
				return -EINVAL;
			i += 6;
			break;
		default:
			return -EINVAL;
		}
	}
	val->p = p + start;
	val->n = i - start;
	val->type = FEED_JSON_STRING;
	val->escaped = (uint8_t)esc;
	*pos = i + 1;
	return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static inline __attribute__((always_inline)) int json_number(const char *p, size_t n, size_t *pos,
							     struct feed_json_val *val)
{
	size_t i = *pos, start = i, d;

	if (i < n && p[i] == '-')
		i++;
	if (i >= n)
		return -EINVAL;
	if (p[i] == '0') {
		i++;
	} else if (p[i] >= '1' && p[i] <= '9') {
		i = json_digit_run(p, n, i + 1);
	} else {
		return -EINVAL;
	}
	if (i < n && p[i] == '.') {
		d = ++i;
		i = json_digit_run(p, n, i);
		if (i == d)
			return -EINVAL;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		d = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return -EINVAL;
	}
	/* A number cut by the end of input is only complete if the caller's
	 * span really ends there; the container check (a ',' '}' ']' must
	 * follow) catches truncation inside objects. */
	val->p = p + start;
	val->n = i - start;
	val->type = FEED_JSON_NUMBER;
	val->escaped = 0;
	*pos = i;
	return 0;
}

static int json_literal(const char *p, size_t n, size_t *pos, const char *lit, size_t len,
			uint8_t type, struct feed_json_val *val)
{
	if (n - *pos < len)
		return -EINVAL;
	for (size_t k = 0; k < len; k++) /* 4 or 5 bytes: no libc call */
		if (p[*pos + k] != lit[k])
			return -EINVAL;
	val->p = p + *pos;
	val->n = len;
	val->type = type;
	val->escaped = 0;
	*pos += len;
	return 0;
}

static int json_value_depth(const char *p, size_t n, size_t *pos, struct feed_json_val *val,
			    unsigned depth);

/* Always inlined, so splitting the hot steps costs nothing. */
#define JSON_HOT static inline __attribute__((always_inline))

/* Blanks at i, if any: one compare when there are none (the common case). */
#define JSON_SKIP_WS(p, n, i)                                                                      \
	do {                                                                                       \
		if ((i) < (n) && (unsigned char)(p)[i] <= ' ')                                     \
			(i) = json_ws((p), (n), (i));                                              \
	} while (0)

/* p[i..i+4) equals the 4 bytes at lit (the caller checked the length). */
static inline int json_eq4(const char *p, const char *lit)
{
	uint32_t a, b;

	memcpy(&a, p, 4);
	memcpy(&b, lit, 4);
	return a == b;
}

/* One member's value at i (after the ':', blanks first); the index after
 * it, or n. Strings, numbers and true/false need no call; a container
 * here is at `depth`. */
/* NOLINTNEXTLINE(misc-no-recursion) */
JSON_HOT size_t json_scan_value(const char *p, size_t n, size_t i, struct feed_json_val *v,
				unsigned depth)
{
	int rc;

	JSON_SKIP_WS(p, n, i);
	if (i >= n)
		return n;
	if (p[i] == '"') {
		rc = json_string(p, n, &i, v);
	} else if ((unsigned)(p[i] - '0') <= 9 || p[i] == '-') {
		rc = json_number(p, n, &i, v);
	} else if (p[i] == 't' && n - i >= 4 && json_eq4(p + i, "true")) {
		*v = (struct feed_json_val){.p = p + i, .n = 4, .type = FEED_JSON_TRUE};
		return i + 4;
	} else if (p[i] == 'f' && n - i >= 5 && json_eq4(p + i + 1, "alse")) {
		*v = (struct feed_json_val){.p = p + i, .n = 5, .type = FEED_JSON_FALSE};
		return i + 5;
	} else {
		rc = json_value_depth(p, n, &i, v, depth);
	}
	return rc < 0 ? n : i;
}

/* The object or array at p[*pos] ('{' or '['), validated member by member
 * with the grammar of the iterator (same errors, no iterator state); its
 * members' containers are at depth + 1. Recursion is bounded: it fails at
 * FEED_JSON_DEPTH_MAX. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static int json_container(const char *p, size_t n, size_t *pos, struct feed_json_val *val,
			  unsigned depth)
{
	struct feed_json_val k, v;
	size_t i = *pos;
	int array = p[i] == '[';
	char close = array ? ']' : '}';

	if (depth >= FEED_JSON_DEPTH_MAX)
		return -EINVAL;
	i = json_ws(p, n, i + 1);
	if (i < n && p[i] == close) {
		i++;
	} else {
		for (;;) {
			/* ["key" ':'] value, then ',' or the close (a trailing
			 * comma fails at the next key or value) */
			if (!array) {
				if (i >= n || p[i] != '"' || json_string(p, n, &i, &k) < 0)
					return -EINVAL;
				JSON_SKIP_WS(p, n, i);
				if (i >= n || p[i] != ':')
					return -EINVAL;
				i++;
			}
			i = json_scan_value(p, n, i, &v, depth + 1);
			JSON_SKIP_WS(p, n, i);
			if (i >= n)
				return -EINVAL;
			if (p[i] == close) {
				i++;
				break;
			}
			if (p[i] != ',')
				return -EINVAL;
			i++;
			JSON_SKIP_WS(p, n, i);
		}
	}
	val->p = p + *pos;
	val->n = i - *pos;
	val->type = array ? FEED_JSON_ARRAY : FEED_JSON_OBJECT;
	val->escaped = 0;
	*pos = i;
	return 0;
}

/* Recursion is bounded: json_container fails at FEED_JSON_DEPTH_MAX. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static int json_value_depth(const char *p, size_t n, size_t *pos, struct feed_json_val *val,
			    unsigned depth)
{
	size_t i = json_ws(p, n, *pos);

	*pos = i;
	if (i >= n)
		return -EINVAL;
	switch (p[i]) {
	case '"':
		return json_string(p, n, pos, val);
	case '{':
	case '[':
		return json_container(p, n, pos, val, depth);
	case 't':
		return json_literal(p, n, pos, "true", 4, FEED_JSON_TRUE, val);
	case 'f':
		return json_literal(p, n, pos, "false", 5, FEED_JSON_FALSE, val);
	case 'n':
		return json_literal(p, n, pos, "null", 4, FEED_JSON_NULL, val);
	default:
		return json_number(p, n, pos, val);
	}
}

int feed_json_value(const char *p, size_t n, size_t *pos, struct feed_json_val *val)
{
	return json_value_depth(p, n, pos, val, 0);
}

int feed_json_iter_init(struct feed_json_iter *it, const char *p, size_t n)
{
	size_t i = json_ws(p, n, 0);

	memset(it, 0, sizeof(*it));
	it->p = p;
	it->n = n;
	if (i >= n || (p[i] != '{' && p[i] != '[')) {
		it->state = 2;
		return -EINVAL;
	}
	it->array = p[i] == '[';
	it->pos = i + 1;
	return 0;
}

static int json_iter_fail(struct feed_json_iter *it)
{
	it->state = 2;
	return -EINVAL;
}

/* Before a member: the separator after the previous one. i is at the first
 * non-blank byte; returns the index of the member, or n on error. */
JSON_HOT size_t json_iter_sep(const struct feed_json_iter *it, size_t i, char close)
{
	const char *p = it->p;
	size_t n = it->n;

	if (it->count == 0)
		return i;
	if (p[i] != ',')
		return n;
	i = json_ws(p, n, i + 1);
	if (i >= n || p[i] == close)
		return n; /* truncated, or a trailing comma */
	return i;
}

/* An object member's "key" and ':'; returns the index after ':', or n. */
JSON_HOT size_t json_iter_key(const struct feed_json_iter *it, size_t i, struct feed_json_val *key)
{
	const char *p = it->p;
	size_t n = it->n;
	struct feed_json_val k;

	if (p[i] != '"')
		return n; /* also rejects a trailing comma */
	if (json_string(p, n, &i, &k) < 0)
		return n;
	if (key)
		*key = k;
	i = json_ws(p, n, i);
	if (i >= n || p[i] != ':')
		return n;
	return i + 1;
}

/* Recursion is bounded: json_container fails at FEED_JSON_DEPTH_MAX. */
/* NOLINTNEXTLINE(misc-no-recursion) */
int feed_json_iter_next(struct feed_json_iter *it, struct feed_json_val *key,
			struct feed_json_val *val)
{
	const char *p = it->p;
	size_t n = it->n, i;
	char close = it->array ? ']' : '}';

	if (it->state == 1)
		return 0;
	if (it->state == 2)
		return -EINVAL;
	i = it->pos;
	JSON_SKIP_WS(p, n, i);
	if (i >= n)
		return json_iter_fail(it);
	if (p[i] == close) {
		it->pos = i + 1;
		it->state = 1;
		return 0;
	}
	i = json_iter_sep(it, i, close);
	if (i >= n)
		return json_iter_fail(it);
	if (!it->array) {
		i = json_iter_key(it, i, key);
		if (i >= n)
			return json_iter_fail(it);
	} else if (key) {
		memset(key, 0, sizeof(*key));
	}
	i = json_scan_value(p, n, i, val, it->depth);
	if (i >= n)
		return json_iter_fail(it);
	/* A value must be followed by ',' or the closing bracket: this is what
	 * rejects a number cut short by truncation ("1" of "12}"). */
	JSON_SKIP_WS(p, n, i);
	if (i >= n || (p[i] != ',' && p[i] != close))
		return json_iter_fail(it);
	it->pos = i;
	it->count++;
	return 1;
}

size_t feed_json_iter_end(const struct feed_json_iter *it)
{
	return it->pos;
}

/* Raw key bytes equal to keys[j]: length and first byte first, then the
 * rest inline (keys are a few bytes: a libc memcmp call costs more). */
JSON_HOT int json_key_eq(const struct feed_json_key *key, const struct feed_json_val *k)
{
	if (key->len != k->n || key->name[0] != k->p[0])
		return 0;
	for (size_t l = 1; l < k->n; l++)
		if (key->name[l] != k->p[l])
			return 0;
	return 1;
}

/* The index of key k in keys, or nkeys. Messages of one kind list their
 * members in one order: a table in that order matches at `hint` (the entry
 * after the previous match) with one compare. */
JSON_HOT size_t json_key_find(const struct feed_json_key *keys, size_t nkeys,
			      const struct feed_json_val *k, size_t hint)
{
	if (k->n == 0)
		return nkeys;
	if (hint < nkeys && json_key_eq(&keys[hint], k))
		return hint;
	for (size_t j = 0; j < nkeys; j++)
		if (json_key_eq(&keys[j], k))
			return j;
	return nkeys;
}

/* The member key whose opening quote is at p[*pos]: its index in keys (or
 * nkeys if not there) with *pos past the closing quote, or -1 if the
 * string is invalid. keys[hint] is first compared in place: a table name
 * holds no '"', '\\' or control byte, so bytes equal to it followed by a
 * quote are exactly the string the full scan would read. */
JSON_HOT long json_scan_key(const char *p, size_t n, size_t *pos, const struct feed_json_key *keys,
			    size_t nkeys, size_t hint)
{
	struct feed_json_val k;
	size_t i = *pos + 1, l;

	if (hint < nkeys) {
		const struct feed_json_key *key = &keys[hint];
		if (key->len < n - i && p[i + key->len] == '"') {
			for (l = 0; l < key->len && key->name[l] == p[i + l]; l++)
				;
			if (l == key->len) {
				*pos = i + l + 1;
				return (long)hint;
			}
		}
	}
	if (json_string(p, n, pos, &k) < 0)
		return -1;
	return (long)json_key_find(keys, nkeys, &k, nkeys);
}

static int json_scan_obj(const char *p, size_t n, size_t *pos, const struct feed_json_key *keys,
			 size_t nkeys, struct feed_json_val *vals, unsigned md,
			 struct feed_json_sub *sub);

/* The array of the sub member at p[i] ('['), at depth 0 in the top-level
 * object: validated as json_container does, its first element read with
 * the sub keys if it is an object. The index after it, or n. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static size_t json_sub_array(const char *p, size_t n, size_t i, struct feed_json_val *v,
			     struct feed_json_sub *sub)
{
	struct feed_json_val e;
	size_t start = i;
	int rc;

	i++;
	JSON_SKIP_WS(p, n, i);
	if (i < n && p[i] == ']') {
		i++;
	} else {
		for (;;) {
			if (sub->items == 0 && i < n && p[i] == '{') {
				/* an element is a container at depth 1 */
				rc = json_scan_obj(p, n, &i, sub->keys, sub->nkeys, sub->vals, 2,
						   NULL);
				if (rc < 0)
					return n;
				sub->found = rc;
			} else {
				i = json_scan_value(p, n, i, &e, 1);
			}
			sub->items++;
			JSON_SKIP_WS(p, n, i);
			if (i >= n)
				return n;
			if (p[i] == ']') {
				i++;
				break;
			}
			if (p[i] != ',')
				return n;
			i++;
			JSON_SKIP_WS(p, n, i);
		}
	}
	*v = (struct feed_json_val){.p = p + start, .n = i - start, .type = FEED_JSON_ARRAY};
	return i;
}

/* The value of the sub member at i: an object is read with the sub keys,
 * an array through json_sub_array, anything else as usual. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static size_t json_sub_value(const char *p, size_t n, size_t i, struct feed_json_val *v,
			     struct feed_json_sub *sub)
{
	size_t start;
	int rc;

	sub->found = -1; /* a later duplicate starts again */
	sub->items = 0;
	JSON_SKIP_WS(p, n, i);
	if (i < n && p[i] == '[')
		return json_sub_array(p, n, i, v, sub);
	if (i >= n || p[i] != '{')
		return json_scan_value(p, n, i, v, 0);
	start = i;
	rc = json_scan_obj(p, n, &i, sub->keys, sub->nkeys, sub->vals, 1, NULL);
	if (rc < 0)
		return n;
	sub->found = rc;
	*v = (struct feed_json_val){.p = p + start, .n = i - start, .type = FEED_JSON_OBJECT};
	return i;
}

/* The object at p[*pos] ('{', depth md - 1): one straight pass over its
 * members, validating as the iterator does (same grammar, same errors),
 * without the iterator's per-member state; containers in it are at depth
 * md. Returns the keys found, *pos past the '}', or -EINVAL. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static int json_scan_obj(const char *p, size_t n, size_t *pos, const struct feed_json_key *keys,
			 size_t nkeys, struct feed_json_val *vals, unsigned md,
			 struct feed_json_sub *sub)
{
	struct feed_json_val v;
	size_t i = *pos + 1, j, hint = 0;
	long kj;
	int found = 0;

	for (j = 0; j < nkeys; j++)
		vals[j].type = FEED_JSON_NONE;
	JSON_SKIP_WS(p, n, i);
	if (i < n && p[i] == '}') {
		*pos = i + 1;
		return 0;
	}
	for (;;) {
		/* "key" ':' value, then ',' or '}' (a trailing comma fails here) */
		if (i >= n || p[i] != '"' || (kj = json_scan_key(p, n, &i, keys, nkeys, hint)) < 0)
			return -EINVAL;
		JSON_SKIP_WS(p, n, i);
		if (i >= n || p[i] != ':')
			return -EINVAL;
		j = (size_t)kj;
		if (__builtin_expect(sub != NULL && j < nkeys && j == sub->key, 0))
			i = json_sub_value(p, n, i + 1, &v, sub);
		else
			i = json_scan_value(p, n, i + 1, &v, md);
		if (i >= n)
			return -EINVAL;
		if (j < nkeys) {
			found += vals[j].type == FEED_JSON_NONE;
			vals[j] = v; /* later duplicates win */
			hint = j + 1;
		}
		JSON_SKIP_WS(p, n, i);
		if (i >= n)
			return -EINVAL;
		if (p[i] == '}')
			break;
		if (p[i] != ',')
			return -EINVAL;
		i++;
		JSON_SKIP_WS(p, n, i);
	}
	*pos = i + 1;
	return found;
}

/* The top-level object alone (blanks around it). */
static int json_scan_top(const char *p, size_t n, const struct feed_json_key *keys, size_t nkeys,
			 struct feed_json_val *vals, struct feed_json_sub *sub)
{
	size_t i = json_ws(p, n, 0);
	int found;

	if (i >= n || p[i] != '{') {
		for (size_t j = 0; j < nkeys; j++)
			vals[j].type = FEED_JSON_NONE;
		return -EINVAL;
	}
	found = json_scan_obj(p, n, &i, keys, nkeys, vals, 0, sub);
	if (found < 0)
		return found;
	return json_ws(p, n, i) == n ? found : -EINVAL; /* nothing after the object */
}

int feed_json_scan(const char *p, size_t n, const struct feed_json_key *keys, size_t nkeys,
		   struct feed_json_val *vals)
{
	return json_scan_top(p, n, keys, nkeys, vals, NULL);
}

int feed_json_scan_at(const char *p, size_t n, size_t *pos, const struct feed_json_key *keys,
		      size_t nkeys, struct feed_json_val *vals)
{
	if (*pos >= n || p[*pos] != '{') {
		for (size_t j = 0; j < nkeys; j++)
			vals[j].type = FEED_JSON_NONE;
		return -EINVAL;
	}
	return json_scan_obj(p, n, pos, keys, nkeys, vals, 0, NULL);
}

int feed_json_scan_sub(const char *p, size_t n, const struct feed_json_key *keys, size_t nkeys,
		       struct feed_json_val *vals, struct feed_json_sub *sub)
{
	sub->found = -1;
	sub->items = 0;
	return json_scan_top(p, n, keys, nkeys, vals, sub);
}

/* ---- value helpers ---------------------------------------------------------- */

int feed_json_str_eq(const struct feed_json_val *v, const char *s, size_t len)
{
	return v->type == FEED_JSON_STRING && !v->escaped && v->n == len &&
	       memcmp(v->p, s, len) == 0;
}

static int json_put_utf8(char *buf, size_t len, size_t *o, uint32_t cp)
{
	unsigned char tmp[4];
	size_t k, m;

	if (cp < 0x80) {
		tmp[0] = (unsigned char)cp;
		m = 1;
	} else if (cp < 0x800) {
		tmp[0] = (unsigned char)(0xc0 | (cp >> 6));
		tmp[1] = (unsigned char)(0x80 | (cp & 0x3f));
		m = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (unsigned char)(0xe0 | (cp >> 12));
		tmp[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (unsigned char)(0x80 | (cp & 0x3f));
		m = 3;
	} else {
		tmp[0] = (unsigned char)(0xf0 | (cp >> 18));
		tmp[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (unsigned char)(0x80 | (cp & 0x3f));
		m = 4;
	}
	if (*o + m >= len)
		return -ENOSPC;
	for (k = 0; k < m; k++)
		buf[(*o)++] = (char)tmp[k];
	return 0;
}

static int json_u4(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	int k, h;

	for (k = 0; k < 4; k++) {
		h = json_hex(p[k]);
		if (h < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return 0;
}

/* The byte a one-letter escape stands for ('\\n' -> '\n'), or -1. */
static int json_escape_char(char c)
{
	switch (c) {
	case '"':
	case '\\':
	case '/':
		return c;
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	}
	return -1;
}

/* "\uXXXX" (a surrogate pair: two of them) at p[*i - 2]; *i is past 'u'.
 * Appends the UTF-8 bytes at buf[*o]. */
static int json_unescape_u(const char *p, size_t n, size_t *i, char *buf, size_t len, size_t *o)
{
	uint32_t cp, lo;

	if (*i + 4 > n || json_u4(p + *i, &cp) < 0)
		return -EINVAL;
	*i += 4;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* High surrogate: a low one must follow. */
		if (*i + 6 > n || p[*i] != '\\' || p[*i + 1] != 'u' ||
		    json_u4(p + *i + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return -EINVAL;
		*i += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp <= 0xdfff) {
		return -EINVAL; /* lone low surrogate */
	}
	return json_put_utf8(buf, len, o, cp);
}

int feed_json_unescape(const struct feed_json_val *v, char *buf, size_t len)
{
	const char *p = v->p;
	size_t n = v->n, i = 0, o = 0;
	int c, rc;

	if (v->type != FEED_JSON_STRING || len == 0)
		return -EINVAL;
	while (i < n) {
		if (p[i] != '\\') {
			c = (unsigned char)p[i++];
		} else if (i + 1 >= n) {
			return -EINVAL;
		} else if (p[i + 1] == 'u') {
			i += 2;
			rc = json_unescape_u(p, n, &i, buf, len, &o);
			if (rc < 0)
				return rc;
			continue;
		} else {
			c = json_escape_char(p[i + 1]);
			if (c < 0)
				return -EINVAL;
			i += 2;
		}
		if (o + 1 >= len)
			return -ENOSPC;
		buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return (int)o;
}

static int json_digits_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	unsigned d;

	if (n == 0 || (n > 1 && p[0] == '0'))
		return -EINVAL;
	if (n >= 8 && n <= 16) { /* two loads, the second ending at p + n */
		uint64_t w0 = feed_json_load8(p), w1 = feed_json_load8(p + n - 8);
		/* the last n - 8 bytes of w1 (none for n == 8) */
		uint64_t hi = n > 8 ? ~0ULL << (8 * (16 - n)) : 0;
		if ((feed_json_nondigit8(w0) | (feed_json_nondigit8(w1) & hi)) != 0)
			return -EINVAL;
		*out = feed_json_value8(w0 & FEED_JSON_LOWS) * feed_json_pow10[n - 8] +
		       feed_json_value8(w1 & hi & FEED_JSON_LOWS);
		return 0;
	}
	if (n <= 19) { /* 19 digits cannot overflow 64 bits: no check per digit */
		if (json_digit_run(p, n, 0) != n)
			return -EINVAL;
		*out = json_digits_value(p, n, 0, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int feed_json_u64(const struct feed_json_val *v, uint64_t *out)
{
	if (v->type != FEED_JSON_NUMBER && !(v->type == FEED_JSON_STRING && !v->escaped))
		return -EINVAL;
	return json_digits_u64(v->p, v->n, out);
}

int feed_json_i64(const struct feed_json_val *v, int64_t *out)
{
	const char *p = v->p;
	size_t n = v->n;
	uint64_t u;
	int neg = 0, rc;

	if (v->type != FEED_JSON_NUMBER && !(v->type == FEED_JSON_STRING && !v->escaped))
		return -EINVAL;
	if (n > 0 && p[0] == '-') {
		neg = 1;
		p++;
		n--;
	}
	rc = json_digits_u64(p, n, &u);
	if (rc < 0)
		return rc;
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else {
		if (u > (uint64_t)INT64_MAX)
			return -ERANGE;
		*out = (int64_t)u;
	}
	return 0;
}

/* Whether p[i..n) is all '0'. */
static inline int json_zeros(const char *p, size_t n, size_t i)
{
	for (; n - i >= 8; i += 8)
		if (feed_json_load8(p + i) != FEED_JSON_ONES * '0')
			return 0;
	for (; i < n; i++)
		if (p[i] != '0')
			return 0;
	return 1;
}

/* The usual price or quantity: 8 to 16 bytes, 1 to 7 integer digits, '.',
 * 1 to 8 fraction digits, no more of them than dec. Two loads: the integer
 * digits from the first word, the fraction from the word ending at s + n. */
static inline int json_decimal_short(const char *s, size_t n, unsigned dec, uint64_t *m)
{
	uint64_t w0 = feed_json_load8(s), w1 = feed_json_load8(s + n - 8),
		 nd = feed_json_nondigit8(w0), fm;
	size_t k, f;

	if (nd == 0)
		return -EAGAIN;
	k = (unsigned)__builtin_ctzll(nd) >> 3; /* integer digits */
	f = n - k - 1;
	if (k == 0 || s[k] != '.' || f == 0 || f > 8 || f > dec || k + dec > 18)
		return -EAGAIN;
	fm = ~0ULL << (8 * (8 - f)); /* the fraction: the last f bytes of w1 */
	if (feed_json_nondigit8(w1) & fm)
		return -EAGAIN;
	*m = feed_json_value8((w0 << (8 * (8 - k))) & FEED_JSON_LOWS) * feed_json_pow10[dec] +
	     feed_json_value8(w1 & fm & FEED_JSON_LOWS) * feed_json_pow10[dec - f];
	return 0;
}

int feed_json_decimal(const char *p, size_t n, unsigned dec, int64_t *out)
{
	size_t i = p && n > 0 && p[0] == '-', ie, fe, kept;
	uint64_t m;

	if (!p || dec > 18)
		return -EAGAIN;
	if (n - i >= 8 && n - i <= 16 && json_decimal_short(p + i, n - i, dec, &m) == 0) {
		*out = i ? -(int64_t)m : (int64_t)m;
		return 0;
	}
	ie = json_digit_run(p, n, i);
	if (ie == i || ie - i + dec > 18)
		return -EAGAIN; /* no digits, or may not fit: the checked parser decides */
	m = json_digits_value(p, n, i, ie);
	kept = 0;
	if (ie < n) {
		if (p[ie] != '.')
			return -EAGAIN;
		fe = json_digit_run(p, n, ie + 1);
		if (fe != n || fe == ie + 1)
			return -EAGAIN;
		kept = fe - ie - 1 < dec ? fe - ie - 1 : dec;
		/* digits past the scale must all be zero */
		if (ie + 1 + kept < n && !json_zeros(p, n, ie + 1 + kept))
			return -EAGAIN;
		m = m * feed_json_pow10[kept] + json_digits_value(p, n, ie + 1, ie + 1 + kept);
	}
	m *= feed_json_pow10[dec - kept];
	*out = i ? -(int64_t)m : (int64_t)m;
	return 0;
}

int feed_json_bool(const struct feed_json_val *v, int *out)
{
	if (v->type == FEED_JSON_TRUE)
		*out = 1;
	else if (v->type == FEED_JSON_FALSE)
		*out = 0;
	else
		return -EINVAL;
	return 0;
}
