/* SPDX-License-Identifier: MIT */
/*
 * test_bybit.c: the Bybit v5 adapter driven by a script of messages and
 * expected results (data/bybit.txt, argv[1]; format in its header), then:
 * subscribe requests within the 10-args limit, batches larger than the tick
 * array (up to the documented 1024 trades), the whole-request rejection and
 * its split, the perpetual market on its own endpoint (and check.c refusing
 * a session that mixes it with spot), the ping, and random mutations.
 */
#include <errno.h>
#include <stdint.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "jsonscan.h"
#include "venue.h"

#define RECV_TS 777

static struct feed_venue_ops test_ops; /* bybit with 2 streams per message */
static struct feed_venue_ctx ctx;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "bybit.txt:%d: ", lineno);                                         \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

/* Next "key=value" token; value may be "quoted" with \" escapes. */

/* One key of an expectation line against out and tick t. */
static void check_key(const char *key, const char *val, int contains, const struct mdbus_tick *t)
{
	char fb[32];
	int ok;

	if (!strcmp(key, "reason")) {
		const char *r = out.reason ? out.reason : "";
		if (contains ? !strstr(r, val) : strcmp(r, val) != 0)
			FAILF("reason \"%s\", expected %s\"%s\"", r, contains ? "~" : "", val);
	} else if (!strcmp(key, "sym")) {
		const char *s = out.sym < ctx.nsyms ? ctx.syms[out.sym].native : "-";
		if (strcmp(s, val) != 0)
			FAILF("sym %s, expected %s", s, val);
	} else if (!strcmp(key, "kind")) {
		if (strcmp(mdbus_kind_name(t->kind) ? mdbus_kind_name(t->kind) : "?", val) != 0)
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

/* 1 if key is about the message, not about a tick. */
static int msg_key(const char *key)
{
	static const char *const keys[] = {"reason", "sym", "req", "first", "count"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

static void check_expect(char *line)
{
	char cls[32], key[32], val[256];
	char *p = line;
	size_t n = 0;
	uint32_t want_n = 1, k = 0;
	int contains, rc;

	while (*p && *p != ' ' && n + 1 < sizeof(cls))
		cls[n++] = *p++;
	cls[n] = '\0';
	if (strcasecmp(cls, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", cls);
		return;
	}
	if (out.more)
		FAILF("more set on a script message");
	while ((rc = next_kv(&p, key, sizeof(key), val, sizeof(val), &contains)) == 1) {
		if (!strcmp(key, "n"))
			want_n = (uint32_t)strtoul(val, NULL, 10);
		else if (!strcmp(key, "tick"))
			k = (uint32_t)strtoul(val, NULL, 10);
		else if (k >= out.n && !msg_key(key))
			FAILF("no tick %u for %s", k, key);
		else
			check_key(key, val, contains, &ticks[k < out.n ? k : 0]);
	}
	if (rc < 0)
		FAILF("bad expectation syntax");
	if (out.cls != FEED_MSG_DATA)
		want_n = 0;
	if (out.n != want_n)
		FAILF("%u ticks, expected %u", out.n, want_n);
}

static void directive_symstat(char *p)
{
	char name[32], key[32], val[64];
	uint32_t i;
	size_t n = strcspn(p, " ");
	int contains;

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
}

static void directive(char *d)
{
	char buf[4096];
	size_t n = 0;
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
		directive_symstat(d + 8);
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
	snprintf(sc.venue, sizeof(sc.venue), "bybit");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1; /* venue defaults: 8/8 */
	sc.qty_decimals = -1;
	sc.qty_unit = -1;
	return sc;
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

/* 12 symbols x 2 channels with the real limits: requests of 10, 10 and 4
 * args (spot's documented maximum), ids as strings, every stream once; a
 * small buffer gives smaller requests; none fits a tiny one. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_subscribe(void)
{
	static char syms[12][MDBUS_SYMBOL_MAX];
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("req_id"), FEED_JSON_KEY("op"),
						    FEED_JSON_KEY("args")};
	const struct feed_venue_ops *ops = feed_venue_find("bybit");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	struct feed_json_val f[3], e;
	struct feed_json_iter it;
	char buf[2048], err[256], want[64];
	size_t n, sizes[] = {sizeof(buf), 200};
	unsigned total, msgs, count;
	uint64_t id;
	int rc;

	for (int i = 0; i < 12; i++)
		snprintf(syms[i], sizeof(syms[i]), "C%d-USDT", i);
	sc = session(syms, 12);
	for (unsigned si = 0; si < 2; si++) {
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
		feed_venue_ctx_reset(&v);
		total = msgs = 0;
		while ((rc = feed_venue_subscribe_next(&v, buf, sizes[si], &n)) == 1) {
			CHECK(n < sizes[si]);
			CHECK_EQ_INT(feed_json_scan(buf, n, keys, 3, f), 3);
			CHECK(f[0].type == FEED_JSON_STRING);
			CHECK_EQ_INT(feed_json_u64(&f[0], &id), 0);
			CHECK_EQ_INT(id, msgs + 1);
			CHECK(feed_json_str_eq(&f[1], "subscribe", 9));
			CHECK_EQ_INT(feed_json_iter_init(&it, f[2].p, f[2].n), 0);
			count = 0;
			while (feed_json_iter_next(&it, NULL, &e) == 1) {
				unsigned s = total + count;
				snprintf(want, sizeof(want), "%sC%uUSDT",
					 s % 2 ? "orderbook.1." : "publicTrade.", s / 2);
				CHECK(feed_json_str_eq(&e, want, strlen(want)));
				count++;
			}
			CHECK(count >= 1 && count <= 10);
			if (si == 0)
				CHECK_EQ_INT(count, msgs < 2 ? 10 : 4);
			total += count;
			msgs++;
		}
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(total, 24);
		CHECK(si == 0 ? msgs == 3 : msgs > 3);
		feed_venue_ctx_free(&v);
	}
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 50, &n), -ENOBUFS);
	/* 2 channels x many symbols: no per-connection limit is documented. */
	CHECK_EQ_INT(ops->limits.streams_per_conn, 0);
	CHECK_EQ_INT(ops->limits.streams_per_req, 10);
	feed_venue_ctx_free(&v);
	sc.channels = FEED_CH_L2; /* orderbook.50 / .200 */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK(v.lv != NULL);
	feed_venue_ctx_free(&v);
}

/* A publicTrade message of `count` trades of SOLUSDT, ids first..; item
 * `bad` (if < count) has a price past the scale. */
static size_t batch_msg(char *buf, size_t len, unsigned count, unsigned first, unsigned bad)
{
	size_t o = (size_t)snprintf(buf, len,
				    "{\"topic\":\"publicTrade.SOLUSDT\",\"type\":"
				    "\"snapshot\",\"ts\":1700000000000,\"data\":[");

	for (unsigned k = 0; k < count && o < len; k++)
		o += (size_t)snprintf(
			buf + o, len - o,
			"%s{\"T\":%u,\"s\":\"SOLUSDT\",\"S\":\"%s\",\"v\":\"%u\","
			"\"p\":\"%s\",\"L\":\"ZeroPlusTick\",\"i\":\"%u\",\"BT\":false,"
			"\"seq\":%u}",
			k ? "," : "", 1000 + k, k % 2 ? "Sell" : "Buy", k + 1,
			k == bad ? "1.000000001" : "20.5", first + k, 5000 + k / 3);
	if (o + 3 > len)
		return 0;
	memcpy(buf + o, "]}", 3);
	return o + 2;
}

/* Feeds one message until out.more is 0; checks the ticks are the trades
 * in order (ids first.., skipping `bad`). Returns the ticks, *pieces. */
static unsigned feed_batch(const char *m, size_t n, unsigned count, unsigned first, unsigned bad,
			   unsigned *pieces)
{
	unsigned got = 0, want_k = 0;

	*pieces = 0;
	do {
		CHECK_EQ_INT(feed_venue_on_message(&ctx, (const uint8_t *)m, n, 0, RECV_TS, &out),
			     0);
		CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
		CHECK(out.n <= FEED_VENUE_TICKS_MIN);
		for (uint32_t t = 0; t < out.n; t++, want_k++) {
			if (want_k == bad)
				want_k++;
			if (ticks[t].u.trade.trade_id != first + want_k ||
			    ticks[t].exch_ts != (int64_t)(1000 + want_k) * 1000000 ||
			    ticks[t].instrument != 102 ||
			    (ticks[t].flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL)) !=
				    (want_k % 2 ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY))
				feed_test_failures++;
		}
		got += out.n;
		(*pieces)++;
	} while (out.more && *pieces < 1000);
	if (want_k == bad)
		want_k++; /* the last item was the bad one */
	CHECK_EQ_INT(want_k, count);
	return got;
}

/* Batches larger than the tick array come out in pieces, nothing dropped,
 * up to the documented 1024 trades; a bad item costs itself only, even at
 * a piece boundary. */
static void test_batches(void)
{
	static char m[200000];
	uint64_t err0 = ctx.syms[2].errors, pieces0 = ctx.st.pieces;
	unsigned pieces;
	size_t n;

	feed_venue_ctx_reset(&ctx);
	(void)feed_venue_take_flags(&ctx, 2, FEED_CH_TRADES);
	n = batch_msg(m, sizeof(m), 40, 1, UINT32_MAX);
	CHECK(n > 0);
	CHECK_EQ_INT(feed_batch(m, n, 40, 1, UINT32_MAX, &pieces), 40);
	CHECK_EQ_INT(pieces, 3); /* 16 + 16 + 8 */
	CHECK_EQ_INT(ctx.st.pieces, pieces0 + 2);
	n = batch_msg(m, sizeof(m), 1024, 100, 500);
	CHECK(n > 0);
	CHECK_EQ_INT(feed_batch(m, n, 1024, 100, 500, &pieces), 1023);
	CHECK_EQ_INT(pieces, 64); /* 1023 = 63 x 16 + 15 */
	CHECK_EQ_INT(ctx.syms[2].errors, err0 + 1);
	/* the bad item is the first of a piece (index 16) */
	n = batch_msg(m, sizeof(m), 33, 5000, 16);
	CHECK_EQ_INT(feed_batch(m, n, 33, 5000, 16, &pieces), 32);
	CHECK_EQ_INT(pieces, 2);
	CHECK_EQ_INT(ctx.syms[2].errors, err0 + 2);
	/* exactly the tick array: one piece, no empty continuation */
	n = batch_msg(m, sizeof(m), 16, 9000, UINT32_MAX);
	CHECK_EQ_INT(feed_batch(m, n, 16, 9000, UINT32_MAX, &pieces), 16);
	CHECK_EQ_INT(pieces, 1);
	/* a message, then one continued but cut short by another, which starts clean */
	n = batch_msg(m, sizeof(m), 20, 1, UINT32_MAX);
	feed_msg(&ctx, "{\"topic\":\"publicTrade.SOLUSDT\",\"type\":\"snapshot\",\"ts\":1,"
		       "\"data\":[{\"T\":1,\"S\":\"Buy\",\"v\":\"1\",\"p\":\"1\",\"i\":\"77\"}]}");
	CHECK_EQ_INT(out.n, 1);
	CHECK_EQ_INT(feed_venue_on_message(&ctx, (const uint8_t *)m, n, 0, RECV_TS, &out), 0);
	CHECK(out.more && out.n == 16);
	feed_msg(&ctx, "{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"x\",\"op\":\"ping\"}");
	CHECK_EQ_INT(out.cls, FEED_MSG_HEARTBEAT);
	CHECK(!out.more && !ctx.cur.active);
}

#define SUB(id, list) "{\"req_id\":\"" #id "\",\"op\":\"subscribe\",\"args\":[" list "]}"
#define TOPICS(s)     "\"publicTrade." s "\",\"orderbook.1." s "\""
#define ANSWER(id, ok)                                                                             \
	"{\"success\":" #ok ",\"ret_msg\":\"\",\"conn_id\":\"c\",\"req_id\":\"" #id "\","          \
	"\"op\":\"subscribe\"}"

/* A failed answer rejects its whole request: a request of several symbols
 * names nobody, so each goes again alone; the one rejected alone is dead;
 * the next connection tries it once more, alone. */
static void test_reject_split(void)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "NOPE-USDT", "ETH-USDT"};
	struct feed_session_config sc = session(syms, 3);
	const struct feed_venue_ops *ops = feed_venue_find("bybit");
	struct feed_venue_ctx v;
	char err[128];

	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, SUB(1, TOPICS("BTCUSDT") "," TOPICS("NOPEUSDT") "," TOPICS("ETHUSDT")));
	expect_sub(&v, NULL);
	feed_msg(&v, ANSWER(1, false));
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.split, 1);
	CHECK_EQ_INT(feed_venue_streams_rejected(&v), 0);
	expect_sub(&v, SUB(2, TOPICS("BTCUSDT")));
	expect_sub(&v, SUB(3, TOPICS("NOPEUSDT")));
	expect_sub(&v, SUB(4, TOPICS("ETHUSDT")));
	expect_sub(&v, NULL);
	/* "already subscribed": the venue took BTCUSDT from the first request */
	feed_msg(&v, "{\"success\":false,\"ret_msg\":\"error:already subscribed,topic:"
		     "publicTrade.BTCUSDT\",\"conn_id\":\"c\",\"req_id\":\"2\","
		     "\"op\":\"subscribe\"}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.nstreams, 2);
	feed_msg(&v, ANSWER(3, false));
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.split, 0);
	CHECK_EQ_INT(out.sym_first, 1);
	/* an answer without an id: the oldest request waiting (4) */
	feed_msg(&v, "{\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"c\",\"req_id\":\"\","
		     "\"op\":\"subscribe\"}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.req_id, 4);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 4);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 1);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, SUB(5, TOPICS("BTCUSDT") "," TOPICS("ETHUSDT")));
	expect_sub(&v, SUB(6, TOPICS("NOPEUSDT")));
	expect_sub(&v, NULL);
	feed_venue_ctx_free(&v);
}

/* The perpetuals: their own endpoint, the same native names, base-coin
 * quantities unless the config says contracts (then a contract size). */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_perp(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP", "ETH-USDT-PERP"};
	struct feed_session_config sc = session(syms, 2);
	const struct feed_venue_ops *ops = feed_venue_find("bybit");
	struct mdbus_instrument ins;
	struct feed_venue_ctx v;
	char nat[32], err[128];

	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTCUSDT");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTCUSDT");
	CHECK_EQ_INT(ops->native_symbol("1000PEPE-USDT-PERP", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "1000PEPEUSDT");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDC-PERP", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-20261225", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("btc-usdt", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 7), -ENAMETOOLONG);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 8), 0);
	CHECK_STR(ops->market_url[MDBUS_MARKET_PERP], "wss://stream.bybit.com/v5/public/linear");
	CHECK_STR(ops->default_url, "wss://stream.bybit.com/v5/public/spot");

	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	v.syms[0].instrument = 200;
	v.syms[1].instrument = 201;
	CHECK_EQ_INT(feed_venue_ctx_instrument(&v, 0, &ins), 0);
	CHECK_STR(ins.symbol, "BTC-USDT-PERP");
	CHECK_STR(ins.native, "BTCUSDT");
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_PERP);
	CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_BASE);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, SUB(1, TOPICS("BTCUSDT") "," TOPICS("ETHUSDT")));
	feed_msg(&v, "{\"success\": true, \"ret_msg\": \"\", \"conn_id\": "
		     "\"3cd84cb1-4d06-4a05-930a-2efe5fc70f0f\", \"req_id\": \"\", \"op\": "
		     "\"subscribe\"}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	/* the documented linear trade: a UUID id, hashed */
	feed_msg(&v,
		 "{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1672304486868,"
		 "\"data\":[{\"T\":1672304486865,\"s\":\"BTCUSDT\",\"S\":\"Sell\",\"v\":\"0.001\","
		 "\"p\":\"16578.50\",\"L\":\"PlusTick\",\"i\":\"20f43950-d8dd-5b31-9112-"
		 "a178eb6023af\",\"BT\":false,\"seq\":1783284617}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(out.n, 1);
	CHECK_EQ_INT(ticks[0].instrument, 200);
	CHECK_EQ_INT(ticks[0].flags, MDBUS_FLAG_SELL | MDBUS_FLAG_TID_HASH);
	CHECK_EQ_INT(ticks[0].u.trade.trade_id,
		     feed_venue_tid_hash("20f43950-d8dd-5b31-9112-a178eb6023af", 36));
	CHECK_EQ_INT(ticks[0].u.trade.qty, 100000);
	feed_venue_ctx_free(&v);

	/* quantities in contracts need a contract size */
	sc.qty_unit = MDBUS_QTY_CONTRACTS;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "symbol 'BTC-USDT-PERP': quantities in contracts need contract_size");
	sc.contract_size = 1;
	sc.contract_decimals = 3;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	v.syms[0].instrument = 200;
	CHECK_EQ_INT(feed_venue_ctx_instrument(&v, 0, &ins), 0);
	CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_CONTRACTS);
	CHECK_EQ_INT(ins.contract_size, 1);
	feed_venue_ctx_free(&v);
	snprintf(syms[1], sizeof(syms[1]), "ETH-USDT-20261225");
	sc = session(syms, 2);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "venue bybit has no dated futures market (symbol 'ETH-USDT-20261225')");
}

/* check.c: a session is on one endpoint: spot on /spot, perps on /linear
 * (a url without a path keeps it), a mix refused with the file and line. */
static void test_check(void)
{
	struct feed_config c;
	char err[512];

	CHECK_EQ_INT(feed_config_load_string("[session s]\nvenue = bybit\nsymbols = BTC-USDT, "
					     "ETH-USDT\n",
					     "t.ini", &c, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), 0);
	CHECK_STR(c.sessions[0].url.host, "stream.bybit.com");
	CHECK_STR(c.sessions[0].url.path, "/v5/public/spot");
	feed_config_free(&c);
	CHECK_EQ_INT(feed_config_load_string("[session p]\nvenue = bybit\nsymbols = BTC-USDT-PERP, "
					     "ETH-USDT-PERP\n[session q]\nvenue = bybit\nurl = "
					     "wss://127.0.0.1:9443\nsymbols = SOL-USDT-PERP\n",
					     "t.ini", &c, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), 0);
	CHECK_STR(c.sessions[0].url.host, "stream.bybit.com");
	CHECK_STR(c.sessions[0].url.path, "/v5/public/linear");
	CHECK_STR(c.sessions[1].url.host, "127.0.0.1");
	CHECK_EQ_INT(c.sessions[1].url.port, 9443);
	CHECK_STR(c.sessions[1].url.path, "/v5/public/linear");
	feed_config_free(&c);
	CHECK_EQ_INT(feed_config_load_string("[session m]\nvenue = bybit\nchannels = trades\n"
					     "symbols = BTC-USDT, BTC-USDT-PERP\n",
					     "t.ini", &c, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "t.ini:4: venue bybit serves BTC-USDT and BTC-USDT-PERP on different "
		       "endpoints (wss://stream.bybit.com/v5/public/spot, "
		       "wss://stream.bybit.com/v5/public/linear): put them in separate sessions "
		       "in [session m]");
	feed_config_free(&c);
	CHECK_EQ_INT(
		feed_config_load_string("[session u]\nvenue = bybit\nsymbols = BTC-USDC-PERP\n",
					"t.ini", &c, err, sizeof(err)),
		0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "t.ini:3: symbol 'BTC-USDC-PERP' has no bybit name in [session u]");
	feed_config_free(&c);
}

/* Our keepalive is the venue's text ping. */
static void test_ping(void)
{
	char buf[64];
	size_t n = 99;

	CHECK_EQ_INT(feed_venue_ping(&ctx, buf, sizeof(buf), &n, 1), 0);
	CHECK_EQ_INT(n, 13);
	CHECK(memcmp(buf, "{\"op\":\"ping\"}", 13) == 0);
	CHECK_EQ_INT(feed_venue_ping(&ctx, buf, 10, &n, 1), -ENOBUFS);
}

/* Seeded random mutations of good messages through the whole adapter
 * (exact-size copies: an over-read is an ASan error). Whatever the bytes,
 * a DATA result carries only ticks of known instruments, never more than
 * the array, and every ERROR has a reason. */
static void test_mutations(void)
{
	static const char *const good[] = {
		"{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1672304486868,"
		"\"data\":[{\"T\":1672304486865,\"s\":\"BTCUSDT\",\"S\":\"Buy\",\"v\":\"0.001\","
		"\"p\":\"16578.50\",\"L\":\"PlusTick\",\"i\":\"20f43950-d8dd-5b31\",\"BT\":false,"
		"\"seq\":17},{\"T\":1,\"s\":\"BTCUSDT\",\"S\":\"Sell\",\"v\":\"2\",\"p\":\"3\","
		"\"i\":\"12\",\"seq\":18}]}",
		"{\"topic\":\"orderbook.1.ETHUSDT\",\"ts\":1672304484978,\"type\":\"snapshot\","
		"\"data\":{\"s\":\"ETHUSDT\",\"b\":[[\"16493.50\",\"0.006\"]],\"a\":[[\"16611.00\","
		"\"0.029\"]],\"u\":18521288,\"seq\":7961638724},\"cts\":1672304484976}",
		"{\"success\":false,\"ret_msg\":\"bad \\u00e9\",\"conn_id\":\"c\",\"req_id\":\"1\","
		"\"op\":\"subscribe\"}",
		"{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"c\",\"req_id\":\"\","
		"\"op\":\"ping\"}",
	};
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.eEtrufalsnBTCUSD\x01\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int round, data = 0;

	for (round = 0; round < 20000; round++) {
		const char *src = good[round % 4];
		size_t n = strlen(src), k;
		uint8_t *buf = malloc(n);
		int pieces = 0;

		memcpy(buf, src, n);
		for (k = 0; k < 2; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % n] = (uint8_t)alphabet[(x >> 40) % (sizeof(alphabet) - 1)];
		}
		if (round % 5 == 0)
			n = (size_t)(x >> 20) % n;
		do {
			if (feed_venue_on_message(&ctx, buf, n, 0, RECV_TS, &out) != 0)
				feed_test_failures++;
			if (out.cls == FEED_MSG_DATA && out.n > 0) {
				data++;
				for (uint32_t t = 0; t < out.n; t++)
					if (ticks[t].instrument < 100 || ticks[t].instrument > 102)
						feed_test_failures++;
			}
			if (out.cls == FEED_MSG_ERROR && (!out.reason || !out.reason[0]))
				feed_test_failures++;
		} while (out.more && ++pieces < 100);
		CHECK(!out.more);
		free(buf);
	}
	CHECK(data > 0);
}

/* ---- depth: orderbook.50 / orderbook.200 --------------------------------------------- */

static char bb_big[64 * 1024];

static const char *bb_many_levels(unsigned n)
{
	size_t o = (size_t)snprintf(bb_big, sizeof(bb_big),
				    "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":"
				    "1672304484978,\"data\":{\"s\":\"BTCUSDT\",\"b\":[");

	for (unsigned k = 0; k < n && o + 64 < sizeof(bb_big); k++)
		o += (size_t)snprintf(bb_big + o, sizeof(bb_big) - o, "%s[\"%u.5\",\"1\"]",
				      k ? "," : "", 1 + k);
	snprintf(bb_big + o, sizeof(bb_big) - o, "],\"a\":[],\"u\":5,\"seq\":1}}");
	return bb_big;
}

static void bb_sub_depth(uint32_t d, const char *want)
{
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"};
	struct feed_session_config sc = session(syms, 1);
	struct feed_venue_ctx v;
	char err[256];

	sc.channels = FEED_CH_L2;
	sc.book_depth = d;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("bybit"), &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, want);
	feed_venue_ctx_free(&v);
}

/* The documented shapes: a snapshot, deltas with u + 1, "u" = 1 (a reset
 * snapshot), bad input, the depth topic from book_depth, the resync. */
/* Long: one scenario of checks in order on one context. */
static void test_l2(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	const struct feed_venue_ops *ops = feed_venue_find("bybit");
	struct feed_session_config sc = session(syms, 2);
	struct feed_venue_ctx v;
	char err[256], u[256], s[256];
	size_t un, sn;

	bb_sub_depth(20,
		     "{\"req_id\":\"1\",\"op\":\"subscribe\",\"args\":[\"orderbook.50.BTCUSDT\"]}");
	bb_sub_depth(50,
		     "{\"req_id\":\"1\",\"op\":\"subscribe\",\"args\":[\"orderbook.50.BTCUSDT\"]}");
	bb_sub_depth(
		51, "{\"req_id\":\"1\",\"op\":\"subscribe\",\"args\":[\"orderbook.200.BTCUSDT\"]}");
	CHECK_EQ_INT(ops->book.sync, FEED_SYNC_WS_SEQ);
	CHECK_EQ_INT(ops->book.max_levels, 200);
	CHECK_EQ_INT(ops->book.ck_levels, 0);
	CHECK(ops->book.resubscribe && ops->book.checksum == NULL &&
	      ops->book.rest_snapshot == NULL);

	sc.channels = FEED_CH_BBO | FEED_CH_L2;
	sc.book_depth = 20;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	/* The docs' snapshot (shortened to two levels a side). */
	feed_msg(&v, "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":"
		     "1672304484978,\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"16493.50\",\"0.006\"],"
		     "[\"16493.00\",\"0.100\"]],\"a\":[[\"16611.00\",\"0.029\"],[\"16612.00\","
		     "\"0.213\"]],\"u\":18521288,\"seq\":7961638724},\"cts\":1672304484976}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK(out.book == &v.book);
	CHECK_EQ_INT(v.book.sym, 0);
	CHECK_EQ_INT(v.book.kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(v.book.nbids, 2);
	CHECK_EQ_INT(v.book.nasks, 2);
	CHECK_EQ_INT(v.book.bids[0].px, 1649350000000LL);
	CHECK_EQ_INT(v.book.bids[0].px_dp, 2);
	CHECK_EQ_INT(v.book.bids[0].qty, 600000);
	CHECK_EQ_INT(v.book.bids[0].qty_dp, 3);
	CHECK_EQ_INT(v.book.asks[1].px, 1661200000000LL);
	CHECK_EQ_INT(v.book.last_id, 18521288);
	CHECK_EQ_INT(v.book.first_id, 18521288);
	CHECK_EQ_INT(v.book.has_ck, 0);
	CHECK_EQ_INT(v.book.has_prev, 0);
	CHECK_EQ_INT(v.book.exch_ts, 1672304484976000000LL); /* cts */
	CHECK_EQ_INT(v.book.recv_ts, RECV_TS);
	/* The docs' delta: size 0 deletes. */
	feed_msg(&v, "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1687940967466,"
		     "\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"30247.20\",\"30.028\"],[\"30245.40\","
		     "\"0.224\"],[\"30242.10\",\"0\"]],\"a\":[],\"u\":18521289,\"seq\":"
		     "7961638725},\"cts\":1687940967464}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.kind, FEED_BOOK_DELTA);
	CHECK_EQ_INT(v.book.nbids, 3);
	CHECK_EQ_INT(v.book.nasks, 0);
	CHECK_EQ_INT(v.book.bids[2].qty, 0);
	CHECK_EQ_INT(v.book.last_id, 18521289);
	/* "u" = 1 after a service restart replaces the book. */
	feed_msg(&v, "{\"topic\":\"orderbook.50.ETHUSDT\",\"type\":\"delta\",\"ts\":1687940967466,"
		     "\"data\":{\"s\":\"ETHUSDT\",\"b\":[],\"a\":[[\"1800.1\",\"2\"]],\"u\":1,"
		     "\"seq\":1}}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.sym, 1);
	CHECK_EQ_INT(v.book.kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(v.book.exch_ts, 1687940967466000000LL); /* no cts: ts */
	/* orderbook.1 stays the BBO. */
	feed_msg(&v, "{\"topic\":\"orderbook.1.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":"
		     "{\"s\":\"BTCUSDT\",\"b\":[[\"1.5\",\"1\"]],\"a\":[[\"1.6\",\"1\"]],\"u\":7,"
		     "\"seq\":1},\"cts\":1}");
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(out.n, 1);
	/* A depth we did not subscribe: not ours. */
	feed_msg(&v, "{\"topic\":\"orderbook.200.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":"
		     "{\"s\":\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":7,\"seq\":1}}");
	CHECK_EQ_INT(out.cls, FEED_MSG_UNKNOWN);

	static const char *const bad[] = {
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"partial\",\"ts\":1,\"data\":{\"s\":"
		"\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":7,\"seq\":1}}",
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":"
		"\"BTCUSDT\",\"b\":[],\"a\":[]}}",
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":"
		"\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":\"7\"}}",
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":"
		"\"BTCUSDT\",\"b\":[[\"x\",\"1\"]],\"a\":[],\"u\":7}}",
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":"
		"\"BTCUSDT\",\"b\":[[\"1.5\"]],\"a\":[],\"u\":7}}",
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":"
		"\"ETHUSDT\",\"b\":[],\"a\":[],\"u\":7}}",
		"{\"topic\":\"orderbook.50.XRPUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":"
		"\"XRPUSDT\",\"b\":[],\"a\":[],\"u\":7}}",
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":[]}",
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":"
		"\"BTCUSDT\",\"b\":[[\"-1.5\",\"1\"]],\"a\":[],\"u\":7}}",
		"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":-1,\"data\":{\"s\":"
		"\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":7}}",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		feed_msg(&v, bad[k]);
		if (out.cls != FEED_MSG_ERROR) {
			fprintf(stderr, "bybit bad depth %zu: class %d\n", k, out.cls);
			feed_test_failures++;
		}
	}
	feed_msg(&v, bb_many_levels(v.lv_cap + 1));
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "more than") != NULL);
	feed_msg(&v, bb_many_levels(v.lv_cap));
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);

	CHECK_EQ_INT(ops->book.resubscribe_msgs(&v, 1, u, sizeof(u), &un, s, sizeof(s), &sn), 0);
	CHECK_STR(u, "{\"req_id\":\"book-resync\",\"op\":\"unsubscribe\",\"args\":"
		     "[\"orderbook.50.ETHUSDT\"]}");
	CHECK_STR(s, "{\"req_id\":\"book-resync\",\"op\":\"subscribe\",\"args\":"
		     "[\"orderbook.50.ETHUSDT\"]}");
	CHECK_EQ_INT(un, strlen(u));
	CHECK_EQ_INT(sn, strlen(s));
	/* Its answer is none of our requests: counted, not an ack. */
	feed_msg(&v, "{\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"x\",\"req_id\":"
		     "\"book-resync\",\"op\":\"subscribe\"}");
	CHECK_EQ_INT(out.cls, FEED_MSG_UNKNOWN);
	feed_venue_ctx_free(&v);
}

int main(int argc, char **argv)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT", "SOL-USDT"};
	struct feed_session_config sc = session(syms, 3);
	char err[256];
	int msgs;

	if (argc < 2) {
		fprintf(stderr, "usage: test_bybit data/bybit.txt\n");
		return 1;
	}
	test_ops = *feed_venue_find("bybit");
	test_ops.limits.streams_per_req = 2;
	CHECK_EQ_INT(feed_venue_ctx_init(&ctx, &test_ops, &sc, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < ctx.nsyms; i++)
		ctx.syms[i].instrument = 100 + i;
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;
	msgs = run_script(argv[1]);
	CHECK(msgs >= 80); /* the script really ran */
	CHECK_EQ_INT(ctx.st.msgs, (uint64_t)msgs);
	CHECK_EQ_INT(ctx.st.connections, 2);
	CHECK_EQ_INT(ctx.st.ticks, 24);
	test_subscribe();
	test_batches();
	test_reject_split();
	test_perp();
	test_check();
	test_ping();
	test_mutations();
	test_l2();
	feed_venue_ctx_free(&ctx);
	return feed_test_done("test_bybit");
}
