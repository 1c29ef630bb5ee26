/* SPDX-License-Identifier: MIT */
/*
 * test_jsonscan.c: the zero-allocation JSON scanner: values, nested skips,
 * escapes, invalid input, and every truncation of valid messages. Each cut
 * is copied into an exactly-sized heap buffer so that ASan (build-asan)
 * catches a single byte read past the end.
 */
#include <errno.h>
#include <stdint.h>

#include "helpers.h"
#include "jsonscan.h"

static const char *const valid[] = {
	"{\"e\":\"trade\",\"E\":1700000000123,\"s\":\"BTCUSDT\",\"t\":12345,\"p\":\"65000.10\","
	"\"q\":\"0.00120000\",\"T\":1700000000120,\"m\":true,\"M\":true}",
	"{\"u\":400900217,\"s\":\"BNBUSDT\",\"b\":\"25.35190000\",\"B\":\"31.21000000\","
	"\"a\":\"25.36520000\",\"A\":\"40.66000000\"}",
	"{\"result\":null,\"id\":1}",
	"{\"error\":{\"code\":2,\"msg\":\"Invalid request: \\\"x\\\"\"},\"id\":7}",
	"  {\"a\" : [1, 2.5e-3, {\"x\":[[],{}]}, \"s\\u00e9\"] , \"b\":false}  \n",
	"{}",
	"{\"k\":-0.5E+10}",
};

static int scan_all(const char *p, size_t n)
{
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("e"), FEED_JSON_KEY("s"),
						    FEED_JSON_KEY("p"), FEED_JSON_KEY("id")};
	struct feed_json_val v[4];
	return feed_json_scan(p, n, keys, 4, v);
}

static void test_truncation(void)
{
	size_t i, cut, n;
	char *buf;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		n = strlen(valid[i]);
		CHECK(scan_all(valid[i], n) >= 0);
		/* Every proper prefix that ends before the closing brace is
		 * invalid; none may crash or read past its length. */
		for (cut = 0; cut < n; cut++) {
			int rc;
			buf = malloc(cut ? cut : 1);
			memcpy(buf, valid[i], cut);
			rc = scan_all(buf, cut);
			/* A prefix is valid only if it already holds the whole
			 * object (the tail is whitespace). */
			if (strspn(valid[i] + cut, " \n") != n - cut && rc >= 0) {
				fprintf(stderr, "msg %zu cut at %zu accepted\n", i, cut);
				feed_test_failures++;
			}
			free(buf);
		}
	}
}

static void test_values(void)
{
	static const struct feed_json_key keys[] = {
		FEED_JSON_KEY("e"), FEED_JSON_KEY("t"),	      FEED_JSON_KEY("m"),
		FEED_JSON_KEY("p"), FEED_JSON_KEY("missing"), FEED_JSON_KEY("M"),
	};
	struct feed_json_val v[6];
	const char *m = valid[0];
	uint64_t u;
	int64_t s;
	int b;

	CHECK_EQ_INT(feed_json_scan(m, strlen(m), keys, 6, v), 5);
	CHECK(feed_json_str_eq(&v[0], "trade", 5));
	CHECK(!feed_json_str_eq(&v[0], "trad", 4));
	CHECK_EQ_INT(v[1].type, FEED_JSON_NUMBER);
	CHECK_EQ_INT(feed_json_u64(&v[1], &u), 0);
	CHECK_EQ_INT(u, 12345);
	CHECK_EQ_INT(feed_json_bool(&v[2], &b), 0);
	CHECK_EQ_INT(b, 1);
	CHECK_EQ_INT(v[3].type, FEED_JSON_STRING);
	CHECK_EQ_INT(v[3].n, 8);
	CHECK(memcmp(v[3].p, "65000.10", 8) == 0);
	CHECK_EQ_INT(v[4].type, FEED_JSON_NONE);
	CHECK_EQ_INT(v[5].type, FEED_JSON_TRUE);

	/* numbers */
	{
		struct feed_json_val x = {"-42", 3, FEED_JSON_NUMBER, 0};
		CHECK_EQ_INT(feed_json_i64(&x, &s), 0);
		CHECK_EQ_INT(s, -42);
		CHECK_EQ_INT(feed_json_u64(&x, &u), -EINVAL);
		x.p = "18446744073709551615";
		x.n = 20;
		CHECK_EQ_INT(feed_json_u64(&x, &u), 0);
		CHECK(u == UINT64_MAX);
		x.p = "18446744073709551616";
		CHECK_EQ_INT(feed_json_u64(&x, &u), -ERANGE);
		x.p = "-9223372036854775808";
		CHECK_EQ_INT(feed_json_i64(&x, &s), 0);
		CHECK(s == INT64_MIN);
		x.p = "9223372036854775808";
		x.n = 19;
		CHECK_EQ_INT(feed_json_i64(&x, &s), -ERANGE);
		x.p = "1.5";
		x.n = 3;
		CHECK_EQ_INT(feed_json_u64(&x, &u), -EINVAL);
	}
}

static void test_nested_and_dups(void)
{
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("a"), FEED_JSON_KEY("b"),
						    FEED_JSON_KEY("x")};
	struct feed_json_val v[3], k, e;
	struct feed_json_iter it;
	const char *m = valid[4];
	int count = 0;

	/* "x" only exists nested: the top-level scan must not see it. */
	CHECK_EQ_INT(feed_json_scan(m, strlen(m), keys, 3, v), 2);
	CHECK_EQ_INT(v[0].type, FEED_JSON_ARRAY);
	CHECK_EQ_INT(v[1].type, FEED_JSON_FALSE);
	CHECK_EQ_INT(v[2].type, FEED_JSON_NONE);
	CHECK(v[0].p[0] == '[' && v[0].p[v[0].n - 1] == ']');
	/* iterate the array span */
	CHECK_EQ_INT(feed_json_iter_init(&it, v[0].p, v[0].n), 0);
	while (feed_json_iter_next(&it, &k, &e) == 1) {
		count++;
		if (count == 3)
			CHECK_EQ_INT(e.type, FEED_JSON_OBJECT);
		if (count == 4) {
			char out[16];
			CHECK_EQ_INT(e.escaped, 1);
			CHECK_EQ_INT(feed_json_unescape(&e, out, sizeof(out)), 3);
			CHECK_STR(out, "s\xc3\xa9");
		}
	}
	CHECK_EQ_INT(count, 4);
	CHECK_EQ_INT(feed_json_iter_end(&it), v[0].n);

	/* Strings with braces and quotes inside must not confuse the skip. */
	m = "{\"n\":{\"t\":\"}}]]\\\"{\",\"u\":[\"]\"]},\"a\":1}";
	CHECK_EQ_INT(feed_json_scan(m, strlen(m), keys, 3, v), 1);
	CHECK_EQ_INT(v[0].type, FEED_JSON_NUMBER);
	CHECK(v[0].n == 1 && v[0].p[0] == '1');

	/* Duplicate keys: the last one wins. */
	m = "{\"a\":1,\"a\":2}";
	CHECK_EQ_INT(feed_json_scan(m, strlen(m), keys, 3, v), 1);
	CHECK(v[0].p[0] == '2');
}

static void test_escapes(void)
{
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("m")};
	struct feed_json_val v[1];
	char out[64];
	const char *m = "{\"m\":\"a\\\"b\\\\c\\/d\\n\\t\\u0041\\ud83d\\ude00\"}";

	CHECK_EQ_INT(feed_json_scan(m, strlen(m), keys, 1, v), 1);
	CHECK_EQ_INT(v[0].escaped, 1);
	CHECK(!feed_json_str_eq(&v[0], "x", 1));
	CHECK_EQ_INT(feed_json_unescape(&v[0], out, sizeof(out)), 14);
	CHECK_STR(out, "a\"b\\c/d\n\tA\xf0\x9f\x98\x80");
	CHECK_EQ_INT(feed_json_unescape(&v[0], out, 5), -ENOSPC);
	/* A lone low surrogate is refused by unescape. */
	m = "{\"m\":\"\\udc00\"}";
	CHECK_EQ_INT(feed_json_scan(m, strlen(m), keys, 1, v), 1);
	CHECK_EQ_INT(feed_json_unescape(&v[0], out, sizeof(out)), -EINVAL);
	/* An escaped key is compared raw: "\u006d" is not "m". */
	m = "{\"\\u006d\":1}";
	CHECK_EQ_INT(feed_json_scan(m, strlen(m), keys, 1, v), 0);
}

static void test_invalid(void)
{
	static const char *const bad[] = {
		"",
		"[]", /* scan wants an object */
		"{",
		"}",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{,\"a\":1}",
		"{\"a\":1 \"b\":2}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":.5}",
		"{\"a\":1e}",
		"{\"a\":-}",
		"{\"a\":tru}",
		"{\"a\":nul}",
		"{\"a\":\"x\\q\"}",
		"{\"a\":\"\\u12G4\"}",
		"{\"a\":\"tab\there\"}",
		"{\"a\":[1,2}",
		"{\"a\":{\"b\":1]}",
		"{\"a\":1}x",
		"{\"a\":1}}",
		"{a:1}",
		"{\"a\":+1}",
		"{\"a\":[1,]}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (scan_all(bad[i], strlen(bad[i])) != -EINVAL) {
			fprintf(stderr, "accepted invalid JSON #%zu: %s\n", i, bad[i]);
			feed_test_failures++;
		}
	}
	/* Depth limit: 100 nested arrays are refused, 10 are fine. */
	{
		char deep[256];
		size_t k, o = 0;
		o += (size_t)sprintf(deep, "{\"a\":");
		for (k = 0; k < 100; k++)
			deep[o++] = '[';
		for (k = 0; k < 100; k++)
			deep[o++] = ']';
		deep[o++] = '}';
		CHECK_EQ_INT(scan_all(deep, o), -EINVAL);
		o = (size_t)sprintf(deep, "{\"a\":[[[[[[[[[[]]]]]]]]]]}");
		CHECK(scan_all(deep, o) >= 0);
	}
	/* Embedded NUL inside a string: a control character. */
	CHECK_EQ_INT(scan_all("{\"a\":\"x\0y\"}", 11), -EINVAL);
}

/* Random byte mutations of valid messages (seeded, reproducible): the scan
 * and the value helpers must never crash or over-read (ASan build), and a
 * message it accepts must still be accepted on a second pass. */
static void test_mutations(void)
{
	static const char alphabet[] = "{}[]\",:\\ 0123456789-+.eEtrufalsn\x01\xff";
	uint64_t x = 88172645463325252ull;
	size_t i, n, k;
	int round, accepted = 0;
	char out[256];

	for (round = 0; round < 20000; round++) {
		const char *src = valid[round % (sizeof(valid) / sizeof(valid[0]))];
		char *buf;
		struct feed_json_iter it;
		struct feed_json_val kv, vv;
		int rc;

		n = strlen(src);
		buf = malloc(n ? n : 1);
		memcpy(buf, src, n);
		for (k = 0; k < 3; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			i = (size_t)(x % n);
			buf[i] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
		}
		rc = scan_all(buf, n);
		if (rc >= 0) {
			accepted++;
			CHECK(scan_all(buf, n) == rc);
		}
		/* walk every member with the helpers too */
		if (feed_json_iter_init(&it, buf, n) == 0) {
			while (feed_json_iter_next(&it, &kv, &vv) == 1) {
				uint64_t u;
				int64_t s64;
				int b;
				(void)feed_json_u64(&vv, &u);
				(void)feed_json_i64(&vv, &s64);
				(void)feed_json_bool(&vv, &b);
				if (vv.type == FEED_JSON_STRING)
					(void)feed_json_unescape(&vv, out, sizeof(out));
			}
		}
		free(buf);
	}
	/* Some mutations keep the JSON valid (digits for digits...). */
	CHECK(accepted > 0 && accepted < 20000);
}

int main(void)
{
	test_values();
	test_nested_and_dups();
	test_escapes();
	test_invalid();
	test_truncation();
	test_mutations();
	return feed_test_done("test_jsonscan");
}
