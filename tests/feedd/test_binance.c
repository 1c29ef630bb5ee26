/* SPDX-License-Identifier: MIT */
/*
 * test_binance.c: the Binance adapter driven by a script of messages and
 * expected results (data/binance.txt, argv[1]; format in its header), plus
 * subscribe-message splitting and context set-up errors.
 */
#include <errno.h>
#include <stdint.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "jsonscan.h"
#include "venue.h"

#define RECV_TS 777

static struct feed_venue_ops test_ops; /* binance with 2 streams per message */
static struct feed_venue_ctx ctx;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "binance.txt:%d: ", lineno);                                       \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

/* Next "key=value" token; value may be "quoted" with \" escapes. */

static void check_expect(char *line)
{
	char cls[32], key[32], val[256], fb[32];
	char *p = line;
	size_t n = 0;
	int contains, ok, rc;

	while (*p && *p != ' ' && n + 1 < sizeof(cls))
		cls[n++] = *p++;
	cls[n] = '\0';
	if (strcasecmp(cls, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", cls);
		return;
	}
	if (out.cls == FEED_MSG_DATA && out.n != 1)
		FAILF("%u ticks, expected 1", out.n);
	if (out.cls != FEED_MSG_DATA && out.n != 0)
		FAILF("%u ticks on a non-data message", out.n);
	while ((rc = next_kv(&p, key, sizeof(key), val, sizeof(val), &contains)) == 1) {
		const struct mdbus_tick *t = &ticks[0];
		if (!strcmp(key, "reason")) {
			const char *r = out.reason ? out.reason : "";
			if (contains ? !strstr(r, val) : strcmp(r, val) != 0)
				FAILF("reason \"%s\", expected %s\"%s\"", r, contains ? "~" : "",
				      val);
		} else if (!strcmp(key, "sym")) {
			const char *s = out.sym < ctx.nsyms ? ctx.syms[out.sym].native : "-";
			if (strcmp(s, val) != 0)
				FAILF("sym %s, expected %s", s, val);
		} else if (!strcmp(key, "kind")) {
			if (strcmp(mdbus_kind_name(t->kind) ? mdbus_kind_name(t->kind) : "?",
				   val) != 0)
				FAILF("kind %u, expected %s", t->kind, val);
			if (t->recv_ts != RECV_TS)
				FAILF("recv_ts %lld", (long long)t->recv_ts);
		} else if (!strcmp(key, "flags")) {
			if (strcmp(flags_str(t->flags, fb), val) != 0)
				FAILF("flags %s, expected %s", flags_str(t->flags, fb), val);
		} else if (!strcmp(key, "req")) {
			if (out.req_id != strtoull(val, NULL, 10))
				FAILF("req %llu, expected %s", (unsigned long long)out.req_id, val);
		} else if (!strcmp(key, "first")) {
			if (out.sym_first != strtoul(val, NULL, 10))
				FAILF("first %u, expected %s", out.sym_first, val);
		} else if (!strcmp(key, "count")) {
			if (out.sym_count != strtoul(val, NULL, 10))
				FAILF("count %u, expected %s", out.sym_count, val);
		} else {
			long long got = tick_field(t, key, &ok);
			if (!ok)
				FAILF("unknown expectation key %s", key);
			else if (got != strtoll(val, NULL, 10))
				FAILF("%s = %lld, expected %s", key, got, val);
		}
	}
	if (rc < 0)
		FAILF("bad expectation syntax");
}

static void directive(char *d)
{
	char buf[4096];
	size_t n;
	int rc;

	if (!strcmp(d, "reset")) {
		feed_venue_ctx_reset(&ctx);
	} else if (!strncmp(d, "sub ", 4)) {
		rc = feed_venue_subscribe_next(&ctx, buf, sizeof(buf), &n);
		if (!strcmp(d + 4, "-")) {
			if (rc != 0)
				FAILF("subscribe gave %d, expected nothing more", rc);
		} else if (rc != 1 || n != strlen(d + 4) || memcmp(buf, d + 4, n) != 0) {
			FAILF("subscribe rc %d: %.*s", rc, (int)n, buf);
		}
	} else if (!strncmp(d, "subdone ", 8)) {
		if (feed_venue_sub_complete(&ctx) != (int)strtol(d + 8, NULL, 10))
			FAILF("sub_complete %d", feed_venue_sub_complete(&ctx));
	} else if (!strncmp(d, "acked ", 6)) {
		if (feed_venue_streams_acked(&ctx) != (uint32_t)strtol(d + 6, NULL, 10))
			FAILF("acked %u", feed_venue_streams_acked(&ctx));
	} else if (!strncmp(d, "rejected ", 9)) {
		if (feed_venue_streams_rejected(&ctx) != (uint32_t)strtol(d + 9, NULL, 10))
			FAILF("rejected %u", feed_venue_streams_rejected(&ctx));
	} else if (!strncmp(d, "symstat ", 8)) {
		char name[32], key[32], val[64], *p = d + 8;
		uint32_t i;
		int contains;
		n = strcspn(p, " ");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		p += n;
		if (feed_venue_lookup(&ctx, name, strlen(name), &i) < 0) {
			FAILF("no symbol %s", name);
			return;
		}
		while (next_kv(&p, key, sizeof(key), val, sizeof(val), &contains) == 1) {
			unsigned long long want = strtoull(val, NULL, 10), got;
			if (!strcmp(key, "ticks"))
				got = ctx.syms[i].ticks;
			else if (!strcmp(key, "errors"))
				got = ctx.syms[i].errors;
			else if (!strcmp(key, "gaps"))
				got = ctx.syms[i].gaps;
			else {
				FAILF("bad symstat key %s", key);
				continue;
			}
			if (got != want)
				FAILF("%s %s = %llu, expected %llu", name, key, got, want);
		}
	} else {
		FAILF("unknown directive %s", d);
	}
}

static int run_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	int pending = 0, msgs = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (pending && line[0] != '=') {
			FAILF("message without expectation");
			pending = 0;
		}
		if (line[0] == '!' && line[1] == ' ') {
			directive(line + 2);
		} else if (line[0] == '>' || (line[0] == 'B' && line[1] == '>')) {
			int bin = line[0] == 'B';
			const char *m = line + 1 + bin;
			if (*m == ' ')
				m++;
			/* Exactly-sized copy: an over-read is an ASan error. */
			size_t len = strlen(m);
			uint8_t *copy = malloc(len ? len : 1);
			memcpy(copy, m, len);
			if (feed_venue_on_message(&ctx, copy, len, bin, RECV_TS, &out) != 0)
				FAILF("on_message failed");
			free(copy);
			pending = 1;
			msgs++;
		} else if (line[0] == '=' && line[1] == ' ') {
			if (!pending)
				FAILF("expectation without a message");
			else
				check_expect(line + 2);
			pending = 0;
		} else {
			FAILF("bad script line");
		}
	}
	fclose(f);
	return msgs;
}

static struct feed_session_config session(char (*syms)[MDBUS_SYMBOL_MAX], size_t n)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "binance");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1; /* venue defaults: 8/8 */
	sc.qty_decimals = -1;
	return sc;
}

/* 150 symbols x 2 = 300 streams: messages of 200 + 100 with the real ops;
 * with a small buffer, more and smaller messages; every stream exactly once. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_split(void)
{
	static char syms[600][MDBUS_SYMBOL_MAX];
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("method"),
						    FEED_JSON_KEY("params"), FEED_JSON_KEY("id")};
	const struct feed_venue_ops *ops = feed_venue_find("binance");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	struct feed_json_val f[3], k, e;
	struct feed_json_iter it;
	char buf[8192], err[256];
	size_t n, sizes[] = {sizeof(buf), 600, 120};
	unsigned si, count, total, msgs;
	uint64_t id;
	int i, rc;

	for (i = 0; i < 600; i++)
		snprintf(syms[i], sizeof(syms[i]), "C%d-USDT", i);
	sc = session(syms, 150);
	for (si = 0; si < 3; si++) {
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
		feed_venue_ctx_reset(&v);
		total = msgs = 0;
		while ((rc = feed_venue_subscribe_next(&v, buf, sizes[si], &n)) == 1) {
			CHECK(n < sizes[si]);
			CHECK_EQ_INT(feed_json_scan(buf, n, keys, 3, f), 3);
			CHECK(feed_json_str_eq(&f[0], "SUBSCRIBE", 9));
			CHECK_EQ_INT(feed_json_u64(&f[2], &id), 0);
			CHECK_EQ_INT(id, msgs + 1);
			CHECK_EQ_INT(feed_json_iter_init(&it, f[1].p, f[1].n), 0);
			count = 0;
			while (feed_json_iter_next(&it, &k, &e) == 1) {
				/* stream total + count: symbol (total+count)/2 */
				char want[64];
				unsigned s = total + count;
				snprintf(want, sizeof(want), "c%uusdt@%s", s / 2,
					 s % 2 ? "bookTicker" : "trade");
				CHECK(feed_json_str_eq(&e, want, strlen(want)));
				count++;
			}
			CHECK(count >= 1 && count <= 200);
			if (si == 0)
				CHECK_EQ_INT(count, msgs == 0 ? 200 : 100);
			total += count;
			msgs++;
		}
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(total, 300);
		if (si == 0)
			CHECK_EQ_INT(msgs, 2);
		else
			CHECK(msgs > 2);
		CHECK_EQ_INT(feed_venue_sub_complete(&v), 0);
		feed_venue_ctx_free(&v);
	}
	/* A buffer too small for even one stream. */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 60, &n), -ENOBUFS);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 86, &n), -ENOBUFS);
	feed_venue_ctx_free(&v);

	/* Init errors: too many streams, unsupported channel, duplicates. */
	sc = session(syms, 513);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -E2BIG);
	CHECK_STR(err, "1026 streams exceed binance's limit of 1024 per connection");
	sc = session(syms, 512);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK_EQ_INT(v.nstreams, 1024);
	/* every native name is found, in a table with many entries */
	for (i = 0; i < 512; i++) {
		uint32_t idx;
		char nat[32];
		snprintf(nat, sizeof(nat), "C%dUSDT", i);
		CHECK_EQ_INT(feed_venue_lookup(&v, nat, strlen(nat), &idx), 0);
		CHECK_EQ_INT(idx, i);
	}
	{
		uint32_t idx;
		CHECK_EQ_INT(feed_venue_lookup(&v, "C512USDT", 8, &idx), -ENOENT);
		CHECK_EQ_INT(feed_venue_lookup(&v, "C1USDTX", 7, &idx), -ENOENT);
		CHECK_EQ_INT(feed_venue_lookup(&v, "C1USD", 5, &idx), -ENOENT);
	}
	feed_venue_ctx_free(&v);
	sc = session(syms, 2);
	sc.channels = FEED_CH_L2; /* depth: supported, its level buffer made at init */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK(v.lv != NULL && v.lv_cap > 0);
	feed_venue_ctx_free(&v);
	snprintf(syms[1], sizeof(syms[1]), "%s", syms[0]);
	sc = session(syms, 2);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "symbol 'C0-USDT' listed twice (binance name 'C0USDT')");
	feed_venue_ctx_free(&v); /* after a failed init: no-op */

	/* Native names and instrument records. */
	{
		char nat[32];
		struct mdbus_instrument ins;
		CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, sizeof(nat)), 0);
		CHECK_STR(nat, "BTCUSDT");
		CHECK_EQ_INT(ops->native_symbol("btc-usdt", nat, sizeof(nat)), -EINVAL);
		CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 5), -ENAMETOOLONG);
		CHECK_EQ_INT(feed_venue_ctx_instrument(&ctx, 1, &ins), 0);
		CHECK_STR(ins.venue, "binance");
		CHECK_STR(ins.symbol, "ETH-USDT");
		CHECK_STR(ins.native, "ETHUSDT");
		CHECK_EQ_INT(ins.price_decimals, 8);
		CHECK_EQ_INT(ins.id, 101);
		CHECK_EQ_INT(ins.market, MDBUS_MARKET_SPOT);
		CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_BASE);
		CHECK_EQ_INT(ins.contract_size, 0);
		CHECK_EQ_INT(ins.expiry, 0);
		/* Binance spot lists no contracts. */
		CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, sizeof(nat)), -EINVAL);
		CHECK_EQ_INT(feed_venue_ctx_instrument(&ctx, 3, &ins), -EINVAL);
	}
	CHECK(feed_venue_find("nope") == NULL);
	CHECK(feed_venue_at(0) == ops);
	/* the list ends, and every adapter in it is found by its name */
	for (i = 0; feed_venue_at((unsigned)i); i++)
		CHECK(feed_venue_find(feed_venue_at((unsigned)i)->name) ==
		      feed_venue_at((unsigned)i));
	CHECK(i >= 1 && i < 64);
}

/* One message through ctx v into the file's `out`. */
static void feed_msg(struct feed_venue_ctx *v, const char *m)
{
	CHECK_EQ_INT(feed_venue_on_message(v, (const uint8_t *)m, strlen(m), 0, RECV_TS, &out), 0);
}

static void expect_sub(struct feed_venue_ctx *v, const char *want)
{
	char buf[1024];
	size_t n = 0;
	int rc = feed_venue_subscribe_next(v, buf, sizeof(buf), &n);

	if (!want) {
		CHECK_EQ_INT(rc, 0);
		return;
	}
	CHECK_EQ_INT(rc, 1);
	if (n != strlen(want) || memcmp(buf, want, n) != 0) {
		fprintf(stderr, "subscribe: got %.*s\n    expected %s\n", (int)n, buf, want);
		feed_test_failures++;
	}
}

#define SUB(list, id) "{\"method\":\"SUBSCRIBE\",\"params\":[" list "],\"id\":" #id "}"
#define STREAMS(s)    "\"" s "@trade\",\"" s "@bookTicker\""
#define INVALID(id)   "{\"error\":{\"code\":2,\"msg\":\"Invalid symbol\"},\"id\":" #id "}"
#define ACK(id)	      "{\"result\":null,\"id\":" #id "}"

/* Binance (and mdbus-sim) reject a whole request for one unknown symbol:
 * the symbols of a rejected multi-symbol request go again one request
 * each; only the one rejected alone is dead; on the next connection it is
 * tried once more alone, after a shared request of the others. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_reject_split(void)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "NOPE-USDT", "ETH-USDT"};
	struct feed_session_config sc = session(syms, 3);
	const struct feed_venue_ops *ops = feed_venue_find("binance");
	struct feed_venue_ctx v;
	char err[256];

	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, SUB(STREAMS("btcusdt") "," STREAMS("nopeusdt") "," STREAMS("ethusdt"), 1));
	CHECK_EQ_INT(feed_venue_sub_pending(&v), 0);
	expect_sub(&v, NULL);
	feed_msg(&v, INVALID(1));
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.split, 1);
	CHECK_EQ_INT(out.sym_first, 0);
	CHECK_EQ_INT(out.sym_count, 3);
	CHECK_EQ_INT(feed_venue_streams_rejected(&v), 0); /* nobody's fault yet */
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 0);
	CHECK_EQ_INT(feed_venue_sub_pending(&v), 1);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 0);
	expect_sub(&v, SUB(STREAMS("btcusdt"), 2));
	expect_sub(&v, SUB(STREAMS("nopeusdt"), 3));
	expect_sub(&v, SUB(STREAMS("ethusdt"), 4));
	CHECK_EQ_INT(feed_venue_sub_pending(&v), 0);
	expect_sub(&v, NULL);
	feed_msg(&v, ACK(2));
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.alone, 1);
	feed_msg(&v, INVALID(3));
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.split, 0);
	CHECK_EQ_INT(out.alone, 1);
	CHECK_EQ_INT(out.sym_first, 1);
	CHECK_EQ_INT(out.sym_count, 1);
	CHECK_EQ_INT(v.syms[1].dead, 1);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 0);
	feed_msg(&v, ACK(4));
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 4);
	CHECK_EQ_INT(feed_venue_streams_rejected(&v), 2);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 1);

	/* Reconnection: the good symbols share messages around the dead
	 * one, which then goes alone; an ack revives it. */
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 1);
	expect_sub(&v, SUB(STREAMS("btcusdt") "," STREAMS("ethusdt"), 5));
	expect_sub(&v, SUB(STREAMS("nopeusdt"), 6));
	expect_sub(&v, NULL);
	feed_msg(&v, ACK(5));
	CHECK_EQ_INT(out.alone, 0);
	CHECK_EQ_INT(out.sym_count, 2);
	CHECK_EQ_INT(out.nstreams, 4);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 0);
	feed_msg(&v, ACK(6));
	CHECK_EQ_INT(out.alone, 1);
	CHECK_EQ_INT(out.sym_first, 1);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 0);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 6);
	feed_venue_ctx_free(&v);

	/* Every symbol bad: all dead (the session fails for good). */
	snprintf(syms[0], sizeof(syms[0]), "BAD-USDT");
	snprintf(syms[1], sizeof(syms[1]), "WORSE-USDT");
	sc = session(syms, 2);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, SUB(STREAMS("badusdt") "," STREAMS("worseusdt"), 1));
	feed_msg(&v, INVALID(1));
	CHECK_EQ_INT(out.split, 1);
	expect_sub(&v, SUB(STREAMS("badusdt"), 2));
	expect_sub(&v, SUB(STREAMS("worseusdt"), 3));
	feed_msg(&v, INVALID(3));
	feed_msg(&v, INVALID(2));
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 0);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 2);
	feed_venue_ctx_free(&v);
}

/* The per-symbol sequence hook (for venues with sequence numbers): a gap
 * on one symbol flags that symbol's next tick only. */
static void test_seq_hook(void)
{
	uint64_t gaps0, g1;

	feed_venue_ctx_reset(&ctx);
	/* clear the reconnect gaps: every kind of every symbol has one */
	CHECK_EQ_INT(feed_venue_take_flags(&ctx, 0, FEED_CH_TRADES), MDBUS_FLAG_GAP);
	CHECK_EQ_INT(feed_venue_take_flags(&ctx, 0, FEED_CH_BBO), MDBUS_FLAG_GAP);
	CHECK_EQ_INT(feed_venue_take_flags(&ctx, 0, FEED_CH_BBO), 0);
	(void)feed_venue_take_flags(&ctx, 1, FEED_CH_TRADES | FEED_CH_BBO);
	g1 = ctx.syms[1].gaps;
	gaps0 = ctx.st.gaps;
	/* contiguous: 10, 11, 12 fine; 14 is a gap */
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 0, FEED_CH_L2, 10, 1), 0);
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 0, FEED_CH_L2, 11, 1), 0);
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 1, FEED_CH_L2, 500, 1), 0);
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 0, FEED_CH_L2, 12, 1), 0);
	CHECK_EQ_INT(feed_venue_take_flags(&ctx, 0, FEED_CH_L2), 0);
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 1, FEED_CH_L2, 502, 1), 1);
	CHECK_EQ_INT(feed_venue_take_flags(&ctx, 0, FEED_CH_L2), 0);	 /* symbol 0 untouched */
	CHECK_EQ_INT(feed_venue_take_flags(&ctx, 1, FEED_CH_TRADES), 0); /* other kinds too */
	CHECK_EQ_INT(feed_venue_take_flags(&ctx, 1, FEED_CH_L2), MDBUS_FLAG_GAP);
	CHECK_EQ_INT(feed_venue_take_flags(&ctx, 1, FEED_CH_L2), 0); /* once */
	CHECK_EQ_INT(ctx.syms[1].gaps, g1 + 1);
	CHECK_EQ_INT(ctx.st.gaps, gaps0 + 1);
	/* channels are independent; increasing-only mode accepts jumps */
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 1, FEED_CH_BBO, 7, 0), 0);
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 1, FEED_CH_BBO, 90, 0), 0);
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 1, FEED_CH_BBO, 90, 0), 1);
	/* out-of-range arguments are ignored */
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 99, FEED_CH_BBO, 1, 1), 0);
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 0, 0, 1, 1), 0);
	/* a reconnection restarts every sequence: no false gap after it */
	feed_venue_ctx_reset(&ctx);
	CHECK_EQ_INT(feed_venue_seq_check(&ctx, 0, FEED_CH_L2, 3, 1), 0);
}

/* Seeded random mutations of good messages through the whole adapter
 * (exact-size copies: an over-read is an ASan error). Whatever the bytes,
 * a DATA result carries exactly one tick of a known instrument and every
 * ERROR has a reason. */
static void test_mutations(void)
{
	static const char *const good[] = {
		"{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":5,\"p\":\"65000.10\","
		"\"q\":\"0.5\",\"T\":1700000000120,\"m\":true}",
		"{\"u\":7,\"s\":\"ETHUSDT\",\"b\":\"1.5\",\"B\":\"2\",\"a\":\"3\",\"A\":\"4\"}",
		"{\"error\":{\"code\":2,\"msg\":\"bad \\u00e9\"},\"id\":1}",
		"{\"stream\":\"x\",\"data\":{\"e\":\"trade\",\"s\":\"SOLUSDT\",\"t\":1,"
		"\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":false}}",
	};
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.eEtrufalsnBTCUSD\x01\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int round, data = 0;

	for (round = 0; round < 20000; round++) {
		const char *src = good[round % 4];
		size_t n = strlen(src), k;
		uint8_t *buf = malloc(n);

		memcpy(buf, src, n);
		for (k = 0; k < 2; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % n] = (uint8_t)alphabet[(x >> 40) % (sizeof(alphabet) - 1)];
		}
		/* sometimes also truncate */
		if (round % 5 == 0)
			n = (size_t)(x >> 20) % n;
		if (feed_venue_on_message(&ctx, buf, n, 0, RECV_TS, &out) != 0)
			feed_test_failures++;
		if (out.cls == FEED_MSG_DATA) {
			data++;
			if (out.n != 1 || ticks[0].instrument < 100 || ticks[0].instrument > 102)
				feed_test_failures++;
		}
		if (out.cls == FEED_MSG_ERROR && (!out.reason || !out.reason[0]))
			feed_test_failures++;
		free(buf);
	}
	CHECK(data > 0); /* some mutations stay valid (a digit for a digit) */
}

int main(int argc, char **argv)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT", "SOL-USDT"};
	struct feed_session_config sc = session(syms, 3);
	char err[256];
	uint32_t i;
	int msgs;

	if (argc < 2) {
		fprintf(stderr, "usage: test_binance data/binance.txt\n");
		return 1;
	}
	test_ops = *feed_venue_find("binance");
	test_ops.limits.streams_per_req = 2;
	CHECK_EQ_INT(feed_venue_ctx_init(&ctx, &test_ops, &sc, err, sizeof(err)), 0);
	for (i = 0; i < ctx.nsyms; i++)
		ctx.syms[i].instrument = 100 + i;
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;

	/* Misuse: no ticks array, or one too small. */
	{
		struct feed_venue_out bad = out;
		bad.cap = 1;
		CHECK_EQ_INT(feed_venue_on_message(&ctx, (const uint8_t *)"{}", 2, 0, 0, &bad),
			     -EINVAL);
	}
	msgs = run_script(argv[1]);
	CHECK(msgs >= 50); /* the script really ran */
	CHECK_EQ_INT(ctx.st.msgs, (uint64_t)msgs);
	CHECK_EQ_INT(ctx.st.cls[FEED_MSG_DATA], 18);
	CHECK_EQ_INT(ctx.st.ticks, 18);
	CHECK_EQ_INT(ctx.st.connections, 2);
	test_split();
	test_seq_hook();
	test_reject_split();
	test_mutations();
	feed_venue_ctx_free(&ctx);
	return feed_test_done("test_binance");
}
