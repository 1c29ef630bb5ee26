/* SPDX-License-Identifier: MIT */
/*
 * test_jsonfast.c: the scanner's fast paths give exactly what the general
 * paths give. The 8-bytes-at-a-time decimal and integer readers against
 * libmdbus's parsers and a byte-by-byte reference; the fixed-layout cursor
 * against feed_json_scan on the Binance trade and thousands of mutations
 * of it; feed_json_scan_sub and feed_json_scan_at against a scan of the
 * member or element alone. Inputs sit in exactly-sized heap buffers, so
 * ASan (build-asan) catches a byte read past the end.
 */
#include <errno.h>
#include <stdint.h>

#include "helpers.h"
#include "jsonscan.h"
#include "mdbus.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A heap copy of exactly n bytes. */
static char *dup_exact(const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);

	if (!b)
		abort();
	if (n)
		memcpy(b, s, n);
	return b;
}

/* ---- decimals ------------------------------------------------------------------ */

/* A random decimal-looking string: mostly well formed, sometimes not. */
static size_t random_decimal(char *s)
{
	static const char junk[] = "0123456789.-eE+ \"x";
	size_t n = 0, k;
	uint64_t r = next_rand();

	if (r % 7 == 0) { /* anything from the alphabet */
		for (k = (size_t)(next_rand() % 24); k > 0; k--)
			s[n++] = junk[next_rand() % (sizeof(junk) - 1)];
		return n;
	}
	if (r % 5 == 0)
		s[n++] = '-';
	for (k = 1 + (size_t)(next_rand() % 12); k > 0; k--)
		s[n++] = (char)('0' + next_rand() % 10);
	if (next_rand() % 4 != 0) {
		s[n++] = '.';
		for (k = (size_t)(next_rand() % 13); k > 0; k--)
			s[n++] = (char)('0' + (next_rand() % 3 == 0 ? 0 : next_rand() % 10));
	}
	return n;
}

static void test_decimal(void)
{
	static const struct {
		const char *s;
		unsigned dec;
		int rc;
		int64_t v;
	} cases[] = {
		{"65000.12000000", 8, 0, 6500012000000LL},
		{"0.12345000", 8, 0, 12345000LL},
		{"0.5", 2, 0, 50},
		{"-1.25", 2, 0, -125},
		{"1.230", 2, 0, 123},
		{"7", 3, 0, 7000},
		{"1.234", 2, -EAGAIN, 0},	      /* more decimals than the scale */
		{"12345678901234567", 2, -EAGAIN, 0}, /* may not fit: the checked parser */
		{"1e3", 2, -EAGAIN, 0},
		{".5", 2, -EAGAIN, 0},
		{"5.", 2, -EAGAIN, 0},
		{"", 2, -EAGAIN, 0},
	};
	char s[32];
	int64_t v, w;
	int fast = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].s);
		char *b = dup_exact(cases[i].s, n);
		v = 0;
		CHECK_EQ_INT(feed_json_decimal(b, n, cases[i].dec, &v), cases[i].rc);
		if (cases[i].rc == 0)
			CHECK_EQ_INT(v, cases[i].v);
		free(b);
	}
	/* Whenever the fast reader answers, both general parsers agree. */
	for (int round = 0; round < 200000; round++) {
		size_t n = random_decimal(s);
		unsigned dec = (unsigned)(next_rand() % 19);
		char *b = dup_exact(s, n);
		if (feed_json_decimal(b, n, dec, &v) == 0) {
			fast++;
			CHECK(mdbus_decimal_parse(b, n, dec, &w) == 0 && w == v);
			CHECK(mdbus_decimal_parse_exp(b, n, dec, &w) == 0 && w == v);
		}
		free(b);
	}
	CHECK(fast > 10000);
}

/* ---- integers ------------------------------------------------------------------ */

/* feed_json_u64's contract, one digit at a time. */
static int ref_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || (n > 1 && p[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(p[i] - '0');
		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static void test_u64(void)
{
	char s[24];
	uint64_t a, b;

	for (int round = 0; round < 200000; round++) {
		size_t n = (size_t)(next_rand() % 22);
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('0' + next_rand() % 10);
		if (n && next_rand() % 6 == 0) /* a stray byte somewhere */
			s[next_rand() % n] = "x/:. -"[next_rand() % 6];
		char *buf = dup_exact(s, n);
		struct feed_json_val v = {.p = buf, .n = n, .type = FEED_JSON_NUMBER};
		a = b = 1;
		int ra = feed_json_u64(&v, &a), rb = ref_u64(buf, n, &b);
		CHECK_EQ_INT(ra, rb);
		if (ra == 0 && rb == 0)
			CHECK(a == b);
		free(buf);
	}
}

/* ---- the cursor ---------------------------------------------------------------- */

static const char trade[] = "{\"e\":\"trade\",\"E\":1700000000003,\"s\":\"BTCUSDT\",\"t\":12345,"
			    "\"p\":\"65000.12000000\","
			    "\"q\":\"0.12345000\",\"T\":1700000000000,\"m\":true,\"M\":false}";

struct fast_trade {
	uint64_t ev, tid, tms;
	const char *s;
	size_t sn;
	int64_t px, qty;
	int m, mm;
};

/* The Binance trade layout through the cursor: 0 or -EAGAIN. */
static int cursor_trade(const char *p, size_t n, struct fast_trade *t)
{
	struct feed_json_cur c = {.p = p, .n = n, .i = 0};

	if (feed_json_cur_lit(&c, "{\"e\":\"trade\",", 13) < 0 ||
	    feed_json_cur_lit(&c, "\"E\":", 4) < 0 || feed_json_cur_u64(&c, &t->ev) < 0 ||
	    feed_json_cur_lit(&c, ",\"s\":", 5) < 0 || feed_json_cur_str(&c, &t->s, &t->sn) < 0 ||
	    feed_json_cur_lit(&c, ",\"t\":", 5) < 0 || feed_json_cur_u64(&c, &t->tid) < 0 ||
	    feed_json_cur_lit(&c, ",\"p\":", 5) < 0 || feed_json_cur_decimal(&c, 8, &t->px) < 0 ||
	    feed_json_cur_lit(&c, ",\"q\":", 5) < 0 || feed_json_cur_decimal(&c, 8, &t->qty) < 0 ||
	    feed_json_cur_lit(&c, ",\"T\":", 5) < 0 || feed_json_cur_u64(&c, &t->tms) < 0 ||
	    feed_json_cur_lit(&c, ",\"m\":", 5) < 0 || feed_json_cur_bool(&c, &t->m) < 0 ||
	    feed_json_cur_lit(&c, ",\"M\":", 5) < 0 || feed_json_cur_bool(&c, &t->mm) < 0 ||
	    feed_json_cur_end(&c) < 0)
		return -EAGAIN;
	return 0;
}

/* What the cursor accepted, the general scan reads the same way. */
static void check_same_as_scan(const char *p, size_t n, const struct fast_trade *t)
{
	static const struct feed_json_key keys[] = {
		FEED_JSON_KEY("e"), FEED_JSON_KEY("E"), FEED_JSON_KEY("s"),
		FEED_JSON_KEY("t"), FEED_JSON_KEY("p"), FEED_JSON_KEY("q"),
		FEED_JSON_KEY("T"), FEED_JSON_KEY("m"), FEED_JSON_KEY("M"),
	};
	struct feed_json_val f[9];
	uint64_t u;
	int64_t d;
	int b;

	CHECK_EQ_INT(feed_json_scan(p, n, keys, 9, f), 9);
	CHECK(feed_json_str_eq(&f[0], "trade", 5));
	CHECK(f[1].type == FEED_JSON_NUMBER && feed_json_u64(&f[1], &u) == 0 && u == t->ev);
	CHECK(f[2].type == FEED_JSON_STRING && !f[2].escaped && f[2].p == t->s && f[2].n == t->sn);
	CHECK(f[3].type == FEED_JSON_NUMBER && feed_json_u64(&f[3], &u) == 0 && u == t->tid);
	CHECK(f[4].type == FEED_JSON_STRING && mdbus_decimal_parse(f[4].p, f[4].n, 8, &d) == 0 &&
	      d == t->px);
	CHECK(f[5].type == FEED_JSON_STRING && mdbus_decimal_parse(f[5].p, f[5].n, 8, &d) == 0 &&
	      d == t->qty);
	CHECK(f[6].type == FEED_JSON_NUMBER && feed_json_u64(&f[6], &u) == 0 && u == t->tms);
	CHECK(feed_json_bool(&f[7], &b) == 0 && b == t->m);
	CHECK(feed_json_bool(&f[8], &b) == 0 && b == t->mm);
}

static void test_cursor(void)
{
	static const char alphabet[] = "0123456789.\"\\ ,:{}etrufalsx-E";
	struct fast_trade t = {0};
	size_t n = sizeof(trade) - 1;
	char *b = dup_exact(trade, n);
	int accepted = 0;

	CHECK_EQ_INT(cursor_trade(b, n, &t), 0);
	CHECK(t.ev == 1700000000003ULL && t.tid == 12345 && t.tms == 1700000000000ULL);
	CHECK(t.sn == 7 && memcmp(t.s, "BTCUSDT", 7) == 0);
	CHECK_EQ_INT(t.px, 6500012000000LL);
	CHECK_EQ_INT(t.qty, 12345000);
	CHECK(t.m == 1 && t.mm == 0);
	check_same_as_scan(b, n, &t);
	/* every cut is declined, never read past */
	for (size_t cut = 0; cut < n; cut++) {
		char *c = dup_exact(trade, cut);
		CHECK_EQ_INT(cursor_trade(c, cut, &t), -EAGAIN);
		free(c);
	}
	free(b);
	/* mutations: whatever the cursor still accepts, the scan reads alike */
	for (int round = 0; round < 100000; round++) {
		b = dup_exact(trade, n);
		for (int k = 0; k < 2; k++)
			b[next_rand() % n] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
		if (cursor_trade(b, n, &t) == 0) {
			accepted++;
			check_same_as_scan(b, n, &t);
		}
		free(b);
	}
	CHECK(accepted > 100);
	/* forms the general path reads and the cursor declines */
	static const char *const other[] = {
		"{\"e\":\"trade\",\"E\":01,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1.0\",\"q\":\"1.0\","
		"\"T\":1,\"m\":true,\"M\":true}",
		"{\"e\":\"trade\",\"E\":1.5,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1.0\",\"q\":\"1.0\","
		"\"T\":1,\"m\":true,\"M\":true}",
		"{\"e\":\"trade\",\"E\":1,\"s\":\"BTC\\u0055SDT\",\"t\":1,\"p\":\"1.0\",\"q\":\"1."
		"0\","
		"\"T\":1,\"m\":true,\"M\":true}",
		"{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1.000000001\",\"q\":"
		"\"1.0\",\"T\":1,\"m\":true,\"M\":true}",
		"{\"e\":\"trade\", \"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1.0\",\"q\":\"1.0\","
		"\"T\":1,\"m\":true,\"M\":true}",
		"{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1.0\",\"q\":\"1.0\","
		"\"T\":1,\"m\":true,\"M\":true} ",
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		n = strlen(other[i]);
		b = dup_exact(other[i], n);
		CHECK_EQ_INT(cursor_trade(b, n, &t), -EAGAIN);
		free(b);
	}
}

/* ---- one pass for a data member, an element in place ---------------------------- */

/* NOLINTBEGIN(bugprone-suspicious-missing-comma): long messages span lines */
static const char *const msgs[] = {
	"{\"topic\":\"publicTrade.BTCUSDT\",\"ts\":1,\"data\":[{\"T\":1,\"s\":\"BTCUSDT\","
	"\"p\":\"1.5\",\"seq\":2,\"x\":{\"y\":[1,{}]}}]}",
	"{\"topic\":\"t\",\"data\":[{\"T\":1},{\"T\":2,\"s\":\"X\"},3]}",
	"{\"channel\":\"spot.trades\",\"result\":{\"id\":5,\"s\":\"A\",\"s\":\"B\",\"p\":\"2\"}}",
	"{\"data\":[7,{\"T\":1}],\"data\":{\"T\":9}}",
	"{\"data\":\"none\"}",
	"{\"data\":[]}",
	" { \"data\" : [ { \"T\" : 1 , \"p\" : [ ] } ] , \"ts\" : 2 } ",
};
/* NOLINTEND(bugprone-suspicious-missing-comma) */

static const struct feed_json_key top_keys[] = {FEED_JSON_KEY("topic"), FEED_JSON_KEY("data"),
						FEED_JSON_KEY("result"), FEED_JSON_KEY("ts")};
static const struct feed_json_key item_keys[] = {FEED_JSON_KEY("T"), FEED_JSON_KEY("s"),
						 FEED_JSON_KEY("p"), FEED_JSON_KEY("seq")};

static int same_vals(const struct feed_json_val *a, const struct feed_json_val *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].type != b[i].type)
			return 0;
		if (a[i].type != FEED_JSON_NONE &&
		    (a[i].p != b[i].p || a[i].n != b[i].n || a[i].escaped != b[i].escaped))
			return 0;
	}
	return 1;
}

/* feed_json_scan_sub against feed_json_scan, then a scan of the member. */
static int check_sub(const char *p, size_t n, size_t key)
{
	struct feed_json_val f[4], g[4], iv[4], jv[4], k, e;
	struct feed_json_sub sub = {.key = key, .keys = item_keys, .nkeys = 4, .vals = iv};
	struct feed_json_iter it;
	int rc = feed_json_scan_sub(p, n, top_keys, 4, f, &sub);
	uint32_t items = 0;

	CHECK_EQ_INT(rc, feed_json_scan(p, n, top_keys, 4, g));
	if (rc < 0)
		return rc;
	CHECK(same_vals(f, g, 4));
	if (f[key].type == FEED_JSON_OBJECT) {
		CHECK_EQ_INT(sub.found, feed_json_scan(f[key].p, f[key].n, item_keys, 4, jv));
		CHECK(same_vals(iv, jv, 4));
	} else if (f[key].type == FEED_JSON_ARRAY) {
		CHECK(feed_json_iter_init(&it, f[key].p, f[key].n) == 0);
		while (feed_json_iter_next(&it, &k, &e) == 1) {
			if (items++ > 0)
				continue;
			if (e.type != FEED_JSON_OBJECT) {
				CHECK_EQ_INT(sub.found, -1);
				continue;
			}
			CHECK_EQ_INT(sub.found, feed_json_scan(e.p, e.n, item_keys, 4, jv));
			CHECK(same_vals(iv, jv, 4));
			/* and the element read in place */
			size_t pos = (size_t)(e.p - p);
			CHECK_EQ_INT(feed_json_scan_at(p, n, &pos, item_keys, 4, jv), sub.found);
			CHECK(same_vals(iv, jv, 4) && pos == (size_t)(e.p - p) + e.n);
		}
		CHECK_EQ_INT(sub.items, items);
	} else {
		CHECK_EQ_INT(sub.found, -1);
	}
	return rc;
}

static void test_sub(void)
{
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.eTtrufalsn";
	int accepted = 0;

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		size_t n = strlen(msgs[i]);
		char *b = dup_exact(msgs[i], n);
		CHECK(check_sub(b, n, 1) >= 0);
		CHECK(check_sub(b, n, 2) >= 0);
		free(b);
	}
	/* nesting around the depth limit: the same answer both ways */
	int deep_ok = 0, deep_bad = 0;
	for (int d = 56; d < 68; d++) {
		char buf[256];
		for (int form = 0; form < 2; form++) {
			size_t n = 0;
			n += (size_t)sprintf(buf + n,
					     form ? "{\"data\":{\"T\":" : "{\"data\":[{\"T\":");
			for (int k = 0; k < d; k++)
				buf[n++] = '[';
			for (int k = 0; k < d; k++)
				buf[n++] = ']';
			n += (size_t)sprintf(buf + n, form ? "}}" : "}]}");
			char *b = dup_exact(buf, n);
			if (check_sub(b, n, 1) >= 0)
				deep_ok++;
			else
				deep_bad++;
			free(b);
		}
	}
	CHECK(deep_ok > 0 && deep_bad > 0);
	for (int round = 0; round < 50000; round++) {
		const char *src = msgs[round % (sizeof(msgs) / sizeof(msgs[0]))];
		size_t n = strlen(src);
		char *b = dup_exact(src, n);
		for (int k = 0; k < 2; k++)
			b[next_rand() % n] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
		accepted += check_sub(b, n, 1 + (size_t)(round & 1)) >= 0;
		free(b);
	}
	CHECK(accepted > 0 && accepted < 50000);
}

int main(void)
{
	test_decimal();
	test_u64();
	test_cursor();
	test_sub();
	return feed_test_done("test_jsonfast");
}
