/* SPDX-License-Identifier: MIT */
/*
 * test_kraken.c: the Kraken v2 adapter driven by a script of messages and
 * expected results (data/kraken.txt, argv[1]; format in its header):
 * batches of several ticks, continuation past the tick array, one ack per
 * symbol, every reject form, keepalive; plus subscribe-message splitting,
 * symbol names and seeded mutations.
 */
#include <errno.h>
#include <stdint.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "jsonscan.h"
#include "venue.h"

#define RECV_TS 777

static struct feed_venue_ops test_ops; /* kraken with 2 streams per message */
static struct feed_venue_ctx ctx;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;
static uint8_t *msg; /* the last message (kept for continuation calls) */
static size_t msg_n;
static uint32_t tick_at; /* "+" lines: the next tick index to check */

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "kraken.txt:%d: ", lineno);                                        \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

/* Next "key=value" token; value may be "quoted" with \" escapes. */

static int tick_value(const struct mdbus_tick *t, const char *k, long long *v)
{
	if (!strcmp(k, "inst"))
		*v = t->instrument;
	else if (!strcmp(k, "exch"))
		*v = t->exch_ts;
	else if (t->kind == MDBUS_KIND_TRADE && !strcmp(k, "px"))
		*v = t->u.trade.price;
	else if (t->kind == MDBUS_KIND_TRADE && !strcmp(k, "qty"))
		*v = t->u.trade.qty;
	else if (t->kind == MDBUS_KIND_TRADE && !strcmp(k, "tid"))
		*v = (long long)t->u.trade.trade_id;
	else if (t->kind == MDBUS_KIND_BBO && !strcmp(k, "bp"))
		*v = t->u.bbo.bid_px;
	else if (t->kind == MDBUS_KIND_BBO && !strcmp(k, "bq"))
		*v = t->u.bbo.bid_qty;
	else if (t->kind == MDBUS_KIND_BBO && !strcmp(k, "ap"))
		*v = t->u.bbo.ask_px;
	else if (t->kind == MDBUS_KIND_BBO && !strcmp(k, "aq"))
		*v = t->u.bbo.ask_qty;
	else
		return -1;
	return 0;
}

/* A tick key of tick t; 1 if key was one, 0 if not a tick key. */
static int check_tick_kv(const struct mdbus_tick *t, const char *key, const char *val)
{
	char fb[32];
	long long got;

	if (!strcmp(key, "kind")) {
		const char *k = mdbus_kind_name(t->kind);
		if (strcmp(k ? k : "?", val) != 0)
			FAILF("kind %u, expected %s", t->kind, val);
		if (t->recv_ts != RECV_TS)
			FAILF("recv_ts %lld", (long long)t->recv_ts);
		return 1;
	}
	if (!strcmp(key, "flags")) {
		if (strcmp(flags_str(t->flags, fb), val) != 0)
			FAILF("flags %s, expected %s", flags_str(t->flags, fb), val);
		return 1;
	}
	if (tick_value(t, key, &got) < 0)
		return 0;
	if (got != strtoll(val, NULL, 10))
		FAILF("%s = %lld, expected %s", key, got, val);
	return 1;
}

/* An out key; 1 if key was one. */
static int check_out_kv(const char *key, const char *val, int contains)
{
	unsigned long long want = strtoull(val, NULL, 10);

	if (!strcmp(key, "reason")) {
		const char *r = out.reason ? out.reason : "";
		if (contains ? !strstr(r, val) : strcmp(r, val) != 0)
			FAILF("reason \"%s\", expected %s\"%s\"", r, contains ? "~" : "", val);
	} else if (!strcmp(key, "sym")) {
		const char *s = out.sym < ctx.nsyms ? ctx.syms[out.sym].native : "-";
		if (strcmp(s, val) != 0)
			FAILF("sym %s, expected %s", s, val);
	} else if (!strcmp(key, "req")) {
		if (out.req_id != want)
			FAILF("req %llu, expected %s", (unsigned long long)out.req_id, val);
	} else if (!strcmp(key, "first")) {
		if (out.sym_first != want)
			FAILF("first %u, expected %s", out.sym_first, val);
	} else if (!strcmp(key, "count")) {
		if (out.sym_count != want)
			FAILF("count %u, expected %s", out.sym_count, val);
	} else if (!strcmp(key, "streams")) {
		if (out.nstreams != want)
			FAILF("streams %u, expected %s", out.nstreams, val);
	} else if (!strcmp(key, "split")) {
		if (out.split != want)
			FAILF("split %u, expected %s", out.split, val);
	} else if (!strcmp(key, "more")) {
		if (out.more != want)
			FAILF("more %u, expected %s", out.more, val);
	} else if (!strcmp(key, "n")) {
		if (out.n != want)
			FAILF("%u ticks, expected %s", out.n, val);
	} else {
		return 0;
	}
	return 1;
}

static void check_expect(char *line)
{
	char cls[32], key[32], val[256];
	char *p = line;
	size_t n = 0;
	int contains, rc, has_n = 0;

	while (*p && *p != ' ' && n + 1 < sizeof(cls))
		cls[n++] = *p++;
	cls[n] = '\0';
	tick_at = 1;
	if (strcasecmp(cls, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", cls);
		return;
	}
	if (out.cls != FEED_MSG_DATA && out.n != 0)
		FAILF("%u ticks on a non-data message", out.n);
	while ((rc = next_kv(&p, key, sizeof(key), val, sizeof(val), &contains)) == 1) {
		has_n |= !strcmp(key, "n");
		if (!check_out_kv(key, val, contains) && !check_tick_kv(&ticks[0], key, val))
			FAILF("unknown expectation key %s", key);
	}
	if (rc < 0)
		FAILF("bad expectation syntax");
	if (out.cls == FEED_MSG_DATA && !has_n && out.n != 1)
		FAILF("%u ticks, expected 1", out.n);
}

/* "+ k=v ...": the next tick of the same result. */
static void check_tick_line(char *p)
{
	char key[32], val[256];
	int contains;

	if (tick_at >= out.n) {
		FAILF("no tick %u (%u ticks)", tick_at, out.n);
		return;
	}
	while (next_kv(&p, key, sizeof(key), val, sizeof(val), &contains) == 1)
		if (!check_tick_kv(&ticks[tick_at], key, val))
			FAILF("unknown tick key %s", key);
	tick_at++;
}

static void directive_count(const char *what, unsigned got, const char *want)
{
	if (got != (unsigned)strtoul(want, NULL, 10))
		FAILF("%s %u, expected %s", what, got, want);
}

static void directive(char *d)
{
	char buf[4096];
	size_t n = 0;
	int rc;

	if (!strcmp(d, "reset")) {
		feed_venue_ctx_reset(&ctx);
	} else if (!strcmp(d, "next")) {
		/* the same message again: its continuation */
		if (feed_venue_on_message(&ctx, msg, msg_n, 0, RECV_TS, &out) != 0)
			FAILF("on_message failed");
	} else if (!strcmp(d, "ping")) {
		if (feed_venue_ping(&ctx, buf, sizeof(buf), &n, 0) != 0 ||
		    n != strlen("{\"method\":\"ping\"}") ||
		    memcmp(buf, "{\"method\":\"ping\"}", n) != 0)
			FAILF("ping %.*s", (int)n, buf);
	} else if (!strncmp(d, "sub ", 4)) {
		rc = feed_venue_subscribe_next(&ctx, buf, sizeof(buf), &n);
		if (!strcmp(d + 4, "-")) {
			if (rc != 0)
				FAILF("subscribe gave %d, expected nothing more", rc);
		} else if (rc != 1 || n != strlen(d + 4) || memcmp(buf, d + 4, n) != 0) {
			FAILF("subscribe rc %d: %.*s", rc, (int)n, buf);
		}
	} else if (!strncmp(d, "subdone ", 8)) {
		directive_count("sub_complete", (unsigned)feed_venue_sub_complete(&ctx), d + 8);
	} else if (!strncmp(d, "acked ", 6)) {
		directive_count("acked", feed_venue_streams_acked(&ctx), d + 6);
	} else if (!strncmp(d, "rejected ", 9)) {
		directive_count("rejected", feed_venue_streams_rejected(&ctx), d + 9);
	} else if (!strncmp(d, "dead ", 5)) {
		directive_count("dead", feed_venue_syms_dead(&ctx), d + 5);
	} else {
		FAILF("unknown directive %s", d);
	}
}

static void script_message(const char *m)
{
	free(msg);
	msg_n = strlen(m);
	/* Exactly-sized copy: an over-read is an ASan error. */
	msg = malloc(msg_n ? msg_n : 1);
	memcpy(msg, m, msg_n);
	if (feed_venue_on_message(&ctx, msg, msg_n, 0, RECV_TS, &out) != 0)
		FAILF("on_message failed");
}

static int run_script(const char *path)
{
	static char line[32768];
	FILE *f = fopen(path, "r");
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
			pending = !strcmp(line + 2, "next");
		} else if (line[0] == '>') {
			script_message(line[1] == ' ' ? line + 2 : line + 1);
			pending = 1;
			msgs++;
		} else if (line[0] == '=' && line[1] == ' ') {
			if (!pending)
				FAILF("expectation without a message");
			else
				check_expect(line + 2);
			pending = 0;
		} else if (line[0] == '+' && line[1] == ' ') {
			check_tick_line(line + 2);
		} else {
			FAILF("bad script line");
		}
	}
	fclose(f);
	free(msg);
	msg = NULL;
	return msgs;
}

static struct feed_session_config session(char (*syms)[MDBUS_SYMBOL_MAX], size_t n)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "kraken");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1; /* venue defaults: 8/8 */
	sc.qty_decimals = -1;
	return sc;
}

/* 300 symbols x 2 channels with the real ops: channel-major, 100 symbols
 * per message, each message one channel; with small buffers, more and
 * smaller messages; every stream exactly once. */
/* Long: one test of checks in order over three buffer sizes. */
static void test_split(void)
{
	static char syms[300][MDBUS_SYMBOL_MAX];
	static const struct feed_json_key keys[] = {
		FEED_JSON_KEY("method"), FEED_JSON_KEY("params"), FEED_JSON_KEY("req_id")};
	static const struct feed_json_key pk[] = {FEED_JSON_KEY("channel"),
						  FEED_JSON_KEY("symbol")};
	const struct feed_venue_ops *ops = feed_venue_find("kraken");
	struct feed_session_config sc = session(syms, 300);
	struct feed_venue_ctx v;
	struct feed_json_val f[3], p[2], k, e;
	struct feed_json_iter it;
	char buf[8192], err[256];
	size_t n, sizes[] = {sizeof(buf), 600, 200};
	unsigned seen[2], msgs;
	uint64_t id;
	int rc;

	for (int i = 0; i < 300; i++)
		snprintf(syms[i], sizeof(syms[i]), "C%d-USD", i);
	for (unsigned si = 0; si < 3; si++) {
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
		feed_venue_ctx_reset(&v);
		seen[0] = seen[1] = msgs = 0;
		while ((rc = feed_venue_subscribe_next(&v, buf, sizes[si], &n)) == 1) {
			unsigned c, count = 0;
			CHECK(n < sizes[si]);
			CHECK_EQ_INT(feed_json_scan(buf, n, keys, 3, f), 3);
			CHECK(feed_json_str_eq(&f[0], "subscribe", 9));
			CHECK_EQ_INT(feed_json_u64(&f[2], &id), 0);
			CHECK_EQ_INT(id, msgs + 1);
			CHECK(feed_json_scan(f[1].p, f[1].n, pk, 2, p) == 2);
			c = feed_json_str_eq(&p[0], "ticker", 6);
			CHECK(c || feed_json_str_eq(&p[0], "trade", 5));
			CHECK_EQ_INT(feed_json_iter_init(&it, p[1].p, p[1].n), 0);
			while (feed_json_iter_next(&it, &k, &e) == 1) {
				char want[32];
				snprintf(want, sizeof(want), "C%u/USD", seen[c] + count);
				CHECK(feed_json_str_eq(&e, want, strlen(want)));
				count++;
			}
			CHECK(count >= 1 && count <= 100);
			if (si == 0)
				CHECK_EQ_INT(count, 100);
			seen[c] += count;
			msgs++;
		}
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(seen[0], 300);
		CHECK_EQ_INT(seen[1], 300);
		if (si == 0)
			CHECK_EQ_INT(msgs, 6);
		else
			CHECK(msgs > 6);
		feed_venue_ctx_free(&v);
	}
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 60, &n), -ENOBUFS);
	feed_venue_ctx_free(&v);
}

static void test_names(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("kraken");
	struct mdbus_instrument ins;
	char nat[32];

	CHECK(ops != NULL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USD", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC/USD");
	CHECK_EQ_INT(ops->native_symbol("MATIC-USDT", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "MATIC/USDT");
	CHECK_EQ_INT(ops->native_symbol("btc-usd", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USD", nat, 7), -ENAMETOOLONG);
	/* spot only */
	CHECK_EQ_INT(ops->native_symbol("BTC-USD-PERP", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USD-20261225", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(feed_venue_ctx_instrument(&ctx, 1, &ins), 0);
	CHECK_STR(ins.venue, "kraken");
	CHECK_STR(ins.symbol, "MATIC-USD");
	CHECK_STR(ins.native, "MATIC/USD");
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_SPOT);
	CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_BASE);
	CHECK_STR(ops->default_url, "wss://ws.kraken.com/v2");
	CHECK_EQ_INT(ops->limits.group, FEED_GROUP_CHANNEL);
}

/* Seeded random mutations of good messages (exact-size copies). A DATA
 * result carries only ticks of known instruments; every ERROR has a
 * reason; continuations always end. */
static void test_mutations(void)
{
	static const char *const good[] = {
		"{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/USD\","
		"\"side\":\"sell\",\"price\":0.5117,\"qty\":40.0,\"ord_type\":\"market\","
		"\"trade_id\":4665906,\"timestamp\":\"2023-09-25T07:49:37.708706Z\"},{\"symbol\":"
		"\"MATIC/USD\",\"side\":\"buy\",\"price\":2.5e3,\"qty\":1,\"ord_type\":\"limit\","
		"\"trade_id\":7,\"timestamp\":\"2023-09-25T07:49:37Z\"}]}",
		"{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[{\"symbol\":\"ALGO/USD\","
		"\"bid\":0.10025,\"bid_qty\":740.0,\"ask\":0.10035,\"ask_qty\":740.0,\"last\":0.1,"
		"\"timestamp\":\"2023-09-25T09:04:31.742648Z\"}]}",
		"{\"method\":\"subscribe\",\"result\":{\"channel\":\"trade\",\"snapshot\":false,"
		"\"symbol\":\"BTC/USD\"},\"success\":true,\"req_id\":1}",
		"{\"error\":\"Currency pair not supported XBT/USDX\",\"method\":\"subscribe\","
		"\"success\":false,\"symbol\":\"MATIC/USD\",\"req_id\":2}",
		"{\"channel\":\"status\",\"type\":\"update\",\"data\":[{\"system\":\"online\"}]}",
	};
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.eEtrufalsnBTCUSD/\x01\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int data = 0;

	for (int round = 0; round < 20000; round++) {
		const char *src = good[round % 5];
		size_t n = strlen(src);
		uint8_t *buf = malloc(n);
		int pieces = 0;

		memcpy(buf, src, n);
		for (int k = 0; k < 2; k++) {
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
			if (out.cls == FEED_MSG_DATA) {
				data++;
				for (uint32_t t = 0; t < out.n; t++)
					if (ticks[t].instrument < 100 || ticks[t].instrument > 102)
						feed_test_failures++;
			}
			if (out.cls == FEED_MSG_ERROR && (!out.reason || !out.reason[0]))
				feed_test_failures++;
		} while (out.more && ++pieces < 10);
		CHECK(!out.more);
		free(buf);
	}
	CHECK(data > 0);
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

	CHECK_EQ_INT(feed_venue_subscribe_next(v, buf, sizeof(buf), &n), 1);
	if (n != strlen(want) || memcmp(buf, want, n) != 0) {
		fprintf(stderr, "subscribe: got %.*s\n    expected %s\n", (int)n, buf, want);
		feed_test_failures++;
	}
}

/* ---- depth: the book channel ------------------------------------------------------- */

/* The docs' MATIC/USD snapshot (price_precision 4, qty_precision 8). */
static const char kr_snapshot[] =
	"{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"MATIC/USD\",\"bids\":"
	"[{\"price\":0.5666,\"qty\":4831.75496356},{\"price\":0.5665,\"qty\":6658.22734739},"
	"{\"price\":0.5664,\"qty\":18724.91513344},{\"price\":0.5663,\"qty\":11563.92544914},"
	"{\"price\":0.5662,\"qty\":14006.65365711},{\"price\":0.5661,\"qty\":17454.85679807},"
	"{\"price\":0.566,\"qty\":18097.1547},{\"price\":0.5659,\"qty\":33644.89175666},"
	"{\"price\":0.5658,\"qty\":148.3464},{\"price\":0.5657,\"qty\":606.70854372}],\"asks\":"
	"[{\"price\":0.5668,\"qty\":4410.79769741},{\"price\":0.5669,\"qty\":4655.40412487},"
	"{\"price\":0.567,\"qty\":49844.89424998},{\"price\":0.5671,\"qty\":24306.41678},"
	"{\"price\":0.5672,\"qty\":29783.25223475},{\"price\":0.5673,\"qty\":57234.71239278},"
	"{\"price\":0.5674,\"qty\":45065.04744},{\"price\":0.5675,\"qty\":5912.76380354},"
	"{\"price\":0.5676,\"qty\":42514.92434778},{\"price\":0.5677,\"qty\":36304.0847022}],"
	"\"checksum\":2439117997,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}";

/* ... and its update of the last bid. */
static const char kr_update[] =
	"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\",\"bids\":"
	"[{\"price\":0.5657,\"qty\":1098.3947558}],\"asks\":[],\"checksum\":2114181697,"
	"\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}";

static char kr_big[64 * 1024];

static const char *kr_many_levels(unsigned n)
{
	size_t o =
		(size_t)snprintf(kr_big, sizeof(kr_big),
				 "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":"
				 "\"MATIC/USD\",\"bids\":[");

	for (unsigned k = 0; k < n && o + 64 < sizeof(kr_big); k++)
		o += (size_t)snprintf(kr_big + o, sizeof(kr_big) - o,
				      "%s{\"price\":%u.5,\"qty\":1}", k ? "," : "", 1 + k);
	snprintf(kr_big + o, sizeof(kr_big) - o, "],\"asks\":[],\"checksum\":1}]}");
	return kr_big;
}

/* Our instrument subscription (it takes no symbol list). */
static const char kr_inst_sub[] =
	"{\"method\":\"subscribe\",\"params\":{\"channel\":\"instrument\",\"snapshot\":true},"
	"\"req_id\":4294967295}";

/* An instrument snapshot in the documented form (data.assets, data.pairs;
 * values varied): MATIC/USD at price_precision 4 / qty_precision 8, as in
 * the book checksum guide; BTC/USD at 1 / 8; a pair we do not subscribe. */
static const char kr_inst_snap[] =
	"{\"channel\":\"instrument\",\"type\":\"snapshot\",\"data\":{\"assets\":[{\"id\":"
	"\"USD\",\"status\":\"enabled\",\"precision\":4,\"precision_display\":2,"
	"\"borrowable\":true,\"collateral_value\":1.0,\"margin_rate\":0.025}],\"pairs\":["
	"{\"symbol\":\"XRP/USD\",\"base\":\"XRP\",\"quote\":\"USD\",\"status\":\"online\","
	"\"qty_precision\":8,\"qty_increment\":1e-8,\"price_precision\":5,\"cost_precision\":5,"
	"\"marginable\":true,\"has_index\":true,\"cost_min\":0.5,\"margin_initial\":0.2,"
	"\"position_limit_long\":300000,\"position_limit_short\":240000,"
	"\"tick_size\":0.00001,\"price_increment\":0.00001,\"qty_min\":5.0},"
	"{\"symbol\":\"MATIC/USD\",\"base\":\"MATIC\",\"quote\":\"USD\",\"status\":\"online\","
	"\"qty_precision\":8,\"qty_increment\":1e-8,\"price_precision\":4,\"cost_precision\":5,"
	"\"marginable\":false,\"has_index\":true,\"cost_min\":0.5,\"tick_size\":0.0001,"
	"\"price_increment\":0.0001,\"qty_min\":5.0},"
	"{\"symbol\":\"BTC/USD\",\"base\":\"BTC\",\"quote\":\"USD\",\"status\":\"online\","
	"\"qty_precision\":8,\"qty_increment\":1e-8,\"price_precision\":1,\"cost_precision\":5,"
	"\"marginable\":true,\"has_index\":true,\"cost_min\":0.5,\"tick_size\":0.1,"
	"\"price_increment\":0.1,\"qty_min\":0.0001}]}}";

/* The subscribe text for book_depth d: the smallest documented depth >= d. */
static void kr_sub_depth(uint32_t d, const char *want)
{
	char syms[1][MDBUS_SYMBOL_MAX] = {"MATIC-USD"};
	struct feed_session_config sc = session(syms, 1);
	struct feed_venue_ctx v;
	char err[256];

	sc.channels = FEED_CH_L2;
	sc.book_depth = d;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("kraken"), &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	/* First the instrument channel (the precisions), then the book. */
	expect_sub(&v, kr_inst_sub);
	expect_sub(&v, want);
	/* The documented ack, one per symbol. */
	feed_msg(&v, "{\"method\":\"subscribe\",\"result\":{\"channel\":\"book\",\"depth\":10,"
		     "\"snapshot\":true,\"symbol\":\"MATIC/USD\"},\"success\":true,\"time_in\":"
		     "\"2023-10-06T17:35:55.219022Z\",\"time_out\":\"2023-10-06T17:35:55.219067Z\","
		     "\"req_id\":1}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.nstreams, 1);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 1);
	feed_venue_ctx_free(&v);
}

/* The instrument channel's answers on l2 ctx v: the ack (ours, by req_id),
 * then the snapshot with the precisions; both are liveness only. */
static void kr_inst_answers(struct feed_venue_ctx *v)
{
	feed_msg(v, "{\"method\":\"subscribe\",\"result\":{\"channel\":\"instrument\","
		    "\"snapshot\":true,\"warnings\":[]},\"success\":true,\"time_in\":"
		    "\"2023-10-06T17:35:55.219022Z\",\"time_out\":\"2023-10-06T17:35:55.219067Z\","
		    "\"req_id\":4294967295}");
	CHECK_EQ_INT(out.cls, FEED_MSG_HEARTBEAT);
	feed_msg(v, kr_inst_snap);
	CHECK_EQ_INT(out.cls, FEED_MSG_HEARTBEAT);
}

/* BTC/USD at price_precision 1 / qty_precision 8: the guide's formatting
 * example ("45285.2" -> "452852", "0.00100000" -> "100000"), a failed
 * instrument subscription and bad instrument data. */
/* Long: one scenario of checks in order on one context. */
static void test_l2_prec(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USD", "ALGO-USD"};
	const struct feed_venue_ops *ops = feed_venue_find("kraken");
	struct feed_session_config sc = session(syms, 2);
	struct feed_venue_ctx v;
	char err[256];
	/* 45285.2 / 0.001 and 45283.5 / 0.1 at 8 decimals */
	struct feed_book_lvl a[1] = {{.px = 4528520000000LL, .qty = 100000}};
	struct feed_book_lvl b[1] = {{.px = 4528350000000LL, .qty = 10000000}};

	sc.channels = FEED_CH_L2;
	sc.book_depth = 10;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	kr_inst_answers(&v);
	/* CRC32("452852" "100000" "452835" "10000000") */
	CHECK_EQ_INT(ops->book.checksum(&v, 0, b, 1, a, 1), 2383917627u);
	a[0].px = 4528525000000LL; /* 45285.25: not at price_precision 1 */
	CHECK(ops->book.checksum(&v, 0, b, 1, a, 1) != 2383917627u);
	feed_msg(&v, "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":"
		     "\"BTC/USD\",\"bids\":[{\"price\":45283.5,\"qty\":0.1}],\"asks\":[{\"price\":"
		     "45285.25,\"qty\":0.001}],\"checksum\":2383917627,\"timestamp\":"
		     "\"2023-10-06T17:35:55.440295Z\"}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.has_ck, 1);
	CHECK(ops->book.checksum(&v, 0, v.book.bids, 1, v.book.asks, 1) != v.book.checksum);
	/* ALGO/USD is not in the instrument data: never judged. */
	feed_msg(&v, "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":"
		     "\"ALGO/USD\",\"bids\":[{\"price\":0.1,\"qty\":1}],\"asks\":[],"
		     "\"checksum\":1,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.has_ck, 0);
	/* A refused instrument subscription is an ERROR of no symbol, not a
	 * rejection of a book request. */
	feed_msg(&v, "{\"error\":\"Internal error\",\"method\":\"subscribe\",\"success\":false,"
		     "\"req_id\":4294967295}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK_STR(out.reason, "Internal error");
	static const char *const bad[] = {
		"{\"channel\":\"instrument\",\"type\":\"snapshot\",\"data\":[]}",
		"{\"channel\":\"instrument\",\"type\":\"snapshot\",\"data\":{\"pairs\":{}}}",
		"{\"channel\":\"instrument\",\"type\":\"update\",\"data\":{\"pairs\":[{\"symbol\":"
		"\"BTC/USD\",\"price_precision\":\"1\",\"qty_precision\":8}]}}",
		"{\"channel\":\"instrument\",\"type\":\"update\",\"data\":{\"pairs\":[{\"symbol\":"
		"\"BTC/USD\",\"price_precision\":19,\"qty_precision\":8}]}}",
		"{\"channel\":\"instrument\",\"type\":\"update\",\"data\":{\"pairs\":[{\"symbol\":"
		"\"BTC/USD\",\"qty_precision\":8}]}}",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		feed_msg(&v, bad[k]);
		if (out.cls != FEED_MSG_ERROR) {
			fprintf(stderr, "kraken bad instrument %zu: class %d\n", k, out.cls);
			feed_test_failures++;
		}
	}
	/* An update changes a precision: BTC/USD at 2 decimals now. */
	feed_msg(&v, "{\"channel\":\"instrument\",\"type\":\"update\",\"data\":{\"pairs\":["
		     "{\"symbol\":\"BTC/USD\",\"price_precision\":2,\"qty_precision\":8}]}}");
	CHECK_EQ_INT(out.cls, FEED_MSG_HEARTBEAT);
	a[0].px = 4528520000000LL;
	CHECK(ops->book.checksum(&v, 0, b, 1, a, 1) != 2383917627u);
	feed_venue_ctx_free(&v);

	/* A session without depth never subscribes the instrument channel. */
	sc.channels = FEED_CH_TRADES;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":"
		       "[\"BTC/USD\",\"ALGO/USD\"],\"snapshot\":false},\"req_id\":1}");
	feed_venue_ctx_free(&v);
}

/* Long: one scenario of checks in order on one context. */
static void test_l2(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"MATIC-USD", "ALGO-USD"};
	const struct feed_venue_ops *ops = feed_venue_find("kraken");
	struct feed_session_config sc = session(syms, 2);
	struct feed_book_lvl bids[10], asks[10];
	struct feed_venue_ctx v;
	char err[256], u[256], s[256];
	size_t un, sn;

	kr_sub_depth(5, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":"
			"[\"MATIC/USD\"],\"depth\":10,\"snapshot\":true},\"req_id\":1}");
	kr_sub_depth(20, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":"
			 "[\"MATIC/USD\"],\"depth\":25,\"snapshot\":true},\"req_id\":1}");
	kr_sub_depth(1000, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":"
			   "[\"MATIC/USD\"],\"depth\":1000,\"snapshot\":true},\"req_id\":1}");
	CHECK_EQ_INT(ops->book.sync, FEED_SYNC_WS_PLAIN);
	CHECK_EQ_INT(ops->book.ck_levels, 10);
	CHECK(ops->book.resubscribe && ops->book.rest_snapshot == NULL);

	sc.channels = FEED_CH_L2;
	sc.book_depth = 10; /* decimals: the venue's defaults, 8/8 */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	/* Before the instrument channel named the precisions: not judged. */
	feed_msg(&v, kr_snapshot);
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.has_ck, 0);
	kr_inst_answers(&v);
	feed_msg(&v, kr_snapshot);
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK(out.book == &v.book);
	CHECK_EQ_INT(v.book.sym, 0);
	CHECK_EQ_INT(v.book.kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(v.book.nbids, 10);
	CHECK_EQ_INT(v.book.nasks, 10);
	CHECK_EQ_INT(v.book.bids[0].px, 56660000);
	CHECK_EQ_INT(v.book.bids[0].qty, 483175496356LL);
	CHECK_EQ_INT(v.book.bids[6].px, 56600000);
	CHECK_EQ_INT(v.book.bids[6].px_dp, 3); /* printed "0.566" */
	CHECK_EQ_INT(v.book.has_ck, 1);
	CHECK_EQ_INT(v.book.has_prev, 0);
	CHECK_EQ_INT(v.book.checksum, 2439117997u);
	CHECK_EQ_INT(v.book.exch_ts, 1696613755440295000LL);
	/* The docs' checksum of the docs' snapshot, from our levels (kept at
	 * 8 decimals, printed at the pair's 4 and 8). */
	CHECK_EQ_INT(ops->book.checksum(&v, 0, v.book.bids, 10, v.book.asks, 10), 2439117997u);
	memcpy(bids, v.book.bids, sizeof(bids));
	memcpy(asks, v.book.asks, sizeof(asks));
	feed_msg(&v, kr_update);
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.kind, FEED_BOOK_DELTA);
	CHECK_EQ_INT(v.book.nbids, 1);
	CHECK_EQ_INT(v.book.nasks, 0);
	CHECK_EQ_INT(v.book.checksum, 2114181697u);
	bids[9] = v.book.bids[0]; /* applied by hand: the same price */
	CHECK_EQ_INT(ops->book.checksum(&v, 0, bids, 10, asks, 10), 2114181697u);
	CHECK(ops->book.checksum(&v, 0, bids, 9, asks, 10) != 2114181697u);
	/* A level not representable at price_precision 4 is a mismatch. */
	bids[9].px = 56571000; /* 0.56571 */
	CHECK(ops->book.checksum(&v, 0, bids, 10, asks, 10) != 2114181697u);
	bids[9].px = 56570000;
	bids[9].qty = 1; /* 1e-8: still on qty_precision 8 */
	CHECK(ops->book.checksum(&v, 0, bids, 10, asks, 10) != 2114181697u);
	/* qty 0 removes: carried as a 0 quantity. */
	feed_msg(&v, "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":"
		     "\"ALGO/USD\",\"bids\":[{\"price\":0.1,\"qty\":0}],\"asks\":[],"
		     "\"checksum\":0,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.sym, 1);
	CHECK_EQ_INT(v.book.bids[0].qty, 0);

	static const char *const bad[] = {
		"{\"channel\":\"book\",\"type\":\"delta\",\"data\":[{\"symbol\":\"MATIC/USD\","
		"\"bids\":[],\"asks\":[],\"checksum\":1}]}",
		"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
		"\"bids\":[{\"price\":\"abc\",\"qty\":1}],\"asks\":[],\"checksum\":1}]}",
		"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
		"\"bids\":[],\"asks\":[]}]}",
		"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
		"\"bids\":[],\"asks\":[],\"checksum\":4294967296}]}",
		"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"XRP/USD\","
		"\"bids\":[],\"asks\":[],\"checksum\":1}]}",
		"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
		"\"bids\":[],\"asks\":[],\"checksum\":1},{\"symbol\":\"ALGO/USD\",\"bids\":[],"
		"\"asks\":[],\"checksum\":1}]}",
		"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
		"\"bids\":[[0.5,1]],\"asks\":[],\"checksum\":1}]}",
		"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
		"\"bids\":[{\"price\":0.566611111,\"qty\":1}],\"asks\":[],\"checksum\":1}]}",
		"{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
		"\"bids\":[],\"asks\":[],\"checksum\":1,\"timestamp\":\"yesterday\"}]}",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		feed_msg(&v, bad[k]);
		if (out.cls != FEED_MSG_ERROR) {
			fprintf(stderr, "kraken bad book %zu: class %d\n", k, out.cls);
			feed_test_failures++;
		}
	}
	feed_msg(&v, kr_many_levels(v.lv_cap + 1));
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "more than") != NULL);

	CHECK_EQ_INT(ops->book.resubscribe_msgs(&v, 0, u, sizeof(u), &un, s, sizeof(s), &sn), 0);
	CHECK_STR(u, "{\"method\":\"unsubscribe\",\"params\":{\"channel\":\"book\",\"symbol\":"
		     "[\"MATIC/USD\"],\"depth\":10}}");
	CHECK_STR(s, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":"
		     "[\"MATIC/USD\"],\"depth\":10,\"snapshot\":true}}");
	CHECK_EQ_INT(un, strlen(u));
	CHECK_EQ_INT(sn, strlen(s));
	CHECK_EQ_INT(ops->book.resubscribe_msgs(&v, 0, u, sizeof(u), &un, s, 30, &sn), -ENOBUFS);
	feed_venue_ctx_free(&v);
}

int main(int argc, char **argv)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USD", "MATIC-USD", "ALGO-USD"};
	struct feed_session_config sc = session(syms, 3);
	char err[256];
	int msgs;

	if (argc < 2) {
		fprintf(stderr, "usage: test_kraken data/kraken.txt\n");
		return 1;
	}
	test_ops = *feed_venue_find("kraken");
	test_ops.limits.streams_per_req = 2;
	CHECK_EQ_INT(feed_venue_ctx_init(&ctx, &test_ops, &sc, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < ctx.nsyms; i++)
		ctx.syms[i].instrument = 100 + i;
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;
	msgs = run_script(argv[1]);
	CHECK(msgs >= 40); /* the script really ran */
	CHECK_EQ_INT(ctx.st.msgs, (uint64_t)msgs);
	test_names();
	test_split();
	test_mutations();
	test_l2();
	test_l2_prec();
	feed_venue_ctx_free(&ctx);
	return feed_test_done("test_kraken");
}
