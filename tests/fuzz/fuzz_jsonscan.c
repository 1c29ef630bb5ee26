/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jsonscan.c: the zero-allocation JSON scanner (feedd/jsonscan.c) on
 * arbitrary bytes, as venue messages reach it. Properties: every span it
 * hands out lies inside the input and has the shape of its type (quotes,
 * brackets), feed_json_scan accepts exactly what a walk of the top-level
 * object with the iterator accepts (plus nothing but whitespace after it),
 * and the value helpers return only their documented codes, unescape
 * NUL-terminated within its buffer. The fast paths agree with the general
 * ones: feed_json_decimal with both libmdbus parsers whenever it answers,
 * feed_json_scan_sub with feed_json_scan (and with a scan of its member).
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "jsonscan.h"
#include "mdbus.h"

static const struct feed_json_key fz_keys[] = {
	FEED_JSON_KEY("e"),	 FEED_JSON_KEY("s"),	FEED_JSON_KEY("p"),
	FEED_JSON_KEY("q"),	 FEED_JSON_KEY("t"),	FEED_JSON_KEY("T"),
	FEED_JSON_KEY("m"),	 FEED_JSON_KEY("b"),	FEED_JSON_KEY("B"),
	FEED_JSON_KEY("a"),	 FEED_JSON_KEY("A"),	FEED_JSON_KEY("u"),
	FEED_JSON_KEY("E"),	 FEED_JSON_KEY("id"),	FEED_JSON_KEY("result"),
	FEED_JSON_KEY("error"),	 FEED_JSON_KEY("code"), FEED_JSON_KEY("msg"),
	FEED_JSON_KEY("stream"), FEED_JSON_KEY("data"),
};
#define FZ_NKEYS (sizeof(fz_keys) / sizeof(fz_keys[0]))

/* strspn over exactly n bytes (the input is not NUL-terminated). */
static size_t fz_run(const char *p, size_t n, const char *set)
{
	size_t i = 0;
	while (i < n && p[i] != '\0' && strchr(set, p[i]) != NULL)
		i++;
	return i;
}

static void fz_span(const char *base, size_t n, const struct feed_json_val *v)
{
	FUZZ_CHECK(v->p >= base && v->n <= n && (size_t)(v->p - base) <= n - v->n);
	switch (v->type) {
	case FEED_JSON_STRING:
		FUZZ_CHECK(v->p > base && v->p[-1] == '"' && (size_t)(v->p - base) + v->n < n &&
			   v->p[v->n] == '"');
		FUZZ_CHECK(v->escaped == (memchr(v->p, '\\', v->n) != NULL));
		break;
	case FEED_JSON_OBJECT:
		FUZZ_CHECK(v->n >= 2 && v->p[0] == '{' && v->p[v->n - 1] == '}');
		break;
	case FEED_JSON_ARRAY:
		FUZZ_CHECK(v->n >= 2 && v->p[0] == '[' && v->p[v->n - 1] == ']');
		break;
	case FEED_JSON_NUMBER:
		FUZZ_CHECK(v->n >= 1 && fz_run(v->p, v->n, "-+.0123456789eE") == v->n);
		break;
	case FEED_JSON_TRUE:
	case FEED_JSON_FALSE:
	case FEED_JSON_NULL:
		FUZZ_CHECK(v->n >= 4 && v->n <= 5);
		break;
	default:
		FUZZ_CHECK(0 && "unknown value type");
	}
}

/* Whenever the fast decimal answers, both general parsers give its value. */
static void fz_decimal(const struct feed_json_val *v)
{
	static const unsigned scales[] = {0, 2, 5, 8, 18};
	int64_t a, b;

	if (v->type != FEED_JSON_STRING && v->type != FEED_JSON_NUMBER)
		return;
	for (size_t k = 0; k < sizeof(scales) / sizeof(scales[0]); k++) {
		if (feed_json_decimal(v->p, v->n, scales[k], &a) != 0)
			continue;
		FUZZ_CHECK(mdbus_decimal_parse(v->p, v->n, scales[k], &b) == 0 && a == b);
		FUZZ_CHECK(mdbus_decimal_parse_exp(v->p, v->n, scales[k], &b) == 0 && a == b);
	}
}

static int fz_same(const struct feed_json_val *a, const struct feed_json_val *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].type != b[i].type ||
		    (a[i].type != FEED_JSON_NONE &&
		     (a[i].p != b[i].p || a[i].n != b[i].n || a[i].escaped != b[i].escaped)))
			return 0;
	return 1;
}

/* feed_json_scan_sub on "data" against feed_json_scan (rc and vals), and its
 * member's values against a scan of the member alone. */
static void fz_sub(const char *p, size_t size, int rc, const struct feed_json_val *vals)
{
	struct feed_json_val f[FZ_NKEYS], sv[FZ_NKEYS], g[FZ_NKEYS];
	struct feed_json_sub sub = {
		.key = FZ_NKEYS - 1, .keys = fz_keys, .nkeys = FZ_NKEYS, .vals = sv};
	int r = feed_json_scan_sub(p, size, fz_keys, FZ_NKEYS, f, &sub);

	FUZZ_CHECK(r == rc);
	if (r < 0)
		return;
	FUZZ_CHECK(fz_same(f, vals, FZ_NKEYS));
	if (f[FZ_NKEYS - 1].type == FEED_JSON_OBJECT) {
		FUZZ_CHECK(sub.found == feed_json_scan(f[FZ_NKEYS - 1].p, f[FZ_NKEYS - 1].n,
						       fz_keys, FZ_NKEYS, g));
		FUZZ_CHECK(fz_same(sv, g, FZ_NKEYS));
	} else if (f[FZ_NKEYS - 1].type != FEED_JSON_ARRAY) {
		FUZZ_CHECK(sub.found == -1);
	}
}

static void fz_helpers(const struct feed_json_val *v)
{
	char buf[64];
	uint64_t u;
	int64_t i;
	int b, rc;

	rc = feed_json_unescape(v, buf, sizeof(buf));
	FUZZ_CHECK(rc == -EINVAL || rc == -ENOSPC || (rc >= 0 && (size_t)rc < sizeof(buf)));
	if (rc >= 0)
		FUZZ_CHECK(buf[rc] == '\0');
	if (rc >= 0 && !v->escaped)
		FUZZ_CHECK((size_t)rc == v->n && memcmp(buf, v->p, v->n) == 0);
	rc = feed_json_u64(v, &u);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	rc = feed_json_i64(v, &i);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	rc = feed_json_bool(v, &b);
	FUZZ_CHECK(rc == -EINVAL || (rc == 0 && (b == 0 || b == 1)));
	FUZZ_CHECK(feed_json_str_eq(v, "BTCUSDT", 7) == 0 ||
		   feed_json_str_eq(v, "BTCUSDT", 7) == 1);
}

/* Walks one container with the iterator, recursing into nested ones up to
 * `depth` levels. Returns 0 (whole container valid) or -EINVAL. Recursion
 * is bounded by depth. */
/* NOLINTNEXTLINE(misc-no-recursion) */
static int fz_walk(const char *base, size_t n, const char *p, size_t len, size_t *end,
		   unsigned depth)
{
	struct feed_json_iter it;
	struct feed_json_val k, v;
	unsigned members = 0;
	int rc;

	if (feed_json_iter_init(&it, p, len) < 0)
		return -EINVAL;
	while ((rc = feed_json_iter_next(&it, &k, &v)) == 1) {
		members++;
		if (!it.array) {
			FUZZ_CHECK(k.type == FEED_JSON_STRING);
			fz_span(base, n, &k);
		}
		fz_span(base, n, &v);
		fz_helpers(&v);
		if ((v.type == FEED_JSON_OBJECT || v.type == FEED_JSON_ARRAY) && depth > 0) {
			size_t e;
			FUZZ_CHECK(fz_walk(base, n, v.p, v.n, &e, depth - 1) == 0 && e == v.n);
		}
	}
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	/* A failed iterator stays failed. */
	if (rc < 0)
		FUZZ_CHECK(feed_json_iter_next(&it, &k, &v) == -EINVAL);
	FUZZ_CHECK(it.count == members);
	if (rc == 0) {
		*end = feed_json_iter_end(&it);
		FUZZ_CHECK(*end <= len);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct feed_json_val vals[FZ_NKEYS], v;
	size_t end = 0, pos = 0;
	int rc, found = 0, walked;

	rc = feed_json_scan(p, size, fz_keys, FZ_NKEYS, vals);
	FUZZ_CHECK(rc == -EINVAL || (rc >= 0 && (size_t)rc <= FZ_NKEYS));
	if (rc >= 0) {
		for (size_t i = 0; i < FZ_NKEYS; i++) {
			if (vals[i].type == FEED_JSON_NONE)
				continue;
			found++;
			fz_span(p, size, &vals[i]);
			fz_helpers(&vals[i]);
			fz_decimal(&vals[i]);
		}
		FUZZ_CHECK(found == rc);
	}
	fz_sub(p, size, rc, vals);

	/* scan accepts an object iff the iterator walks it and only
	 * whitespace follows. */
	walked = fz_walk(p, size, p, size, &end, 3);
	if (walked == 0) {
		size_t i = end + fz_run(p + end, size - end, " \t\r\n");
		size_t first = fz_run(p, size, " \t\r\n");
		int object = first < size && p[first] == '{';
		FUZZ_CHECK((rc >= 0) == (i == size && object));
	} else {
		FUZZ_CHECK(rc < 0);
	}

	rc = feed_json_value(p, size, &pos, &v);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		FUZZ_CHECK(pos <= size);
		fz_span(p, size, &v);
	}
	return 0;
}
