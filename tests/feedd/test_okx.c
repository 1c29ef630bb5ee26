/* SPDX-License-Identifier: MIT */
/*
 * test_okx.c: the OKX adapter driven by a script of the documented messages
 * and expected results (data/okx.txt, argv[1]; format in its header): acks
 * per arg, rejects by id and by arg, trades and bbo-tbt of spot and swap,
 * batches in pieces, bad items, keepalive and notices. Then the subscribe
 * requests for larger sets, native names, contract sizes (contracts and
 * exact conversion to base units), the config check of a spot + swap
 * session, the rejection split and random mutations.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "sync.h"
#include "jsonscan.h"
#include "venue.h"

#define RECV_TS 777

static struct feed_venue_ops test_ops; /* okx with 2 streams per message */
static struct feed_venue_ctx ctx;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;
static uint8_t *last_msg; /* the script's last message, kept for "! again" */
static size_t last_len;
static int last_bin;

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "okx.txt:%d: ", lineno);                                           \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

/* Next "key=value" token; value may be "quoted" with \" escapes. */

/* One expectation key about out itself; 0 if key is not one. */
static int check_out_key(const char *key, const char *val, int contains, uint32_t *at)
{
	if (!strcmp(key, "reason")) {
		const char *r = out.reason ? out.reason : "";
		if (contains ? !strstr(r, val) : strcmp(r, val) != 0)
			FAILF("reason \"%s\", expected %s\"%s\"", r, contains ? "~" : "", val);
	} else if (!strcmp(key, "sym")) {
		const char *s = out.sym < ctx.nsyms ? ctx.syms[out.sym].native : "-";
		if (strcmp(s, val) != 0)
			FAILF("sym %s, expected %s", s, val);
	} else if (!strcmp(key, "req")) {
		if (out.req_id != strtoull(val, NULL, 10))
			FAILF("req %llu, expected %s", (unsigned long long)out.req_id, val);
	} else if (!strcmp(key, "first")) {
		if (out.sym_first != strtoul(val, NULL, 10))
			FAILF("first %u, expected %s", out.sym_first, val);
	} else if (!strcmp(key, "count")) {
		if (out.sym_count != strtoul(val, NULL, 10))
			FAILF("count %u, expected %s", out.sym_count, val);
	} else if (!strcmp(key, "more")) {
		if (out.more != strtoul(val, NULL, 10))
			FAILF("more %u, expected %s", out.more, val);
	} else if (!strcmp(key, "n")) {
		/* checked by the caller */
	} else if (!strcmp(key, "at")) {
		*at = (uint32_t)strtoul(val, NULL, 10);
		if (*at >= out.n)
			FAILF("at=%u but only %u ticks", *at, out.n);
	} else {
		return 0;
	}
	return 1;
}

static void check_tick_key(const struct mdbus_tick *t, const char *key, const char *val)
{
	char fb[32];
	int ok;

	if (!strcmp(key, "kind")) {
		if (strcmp(mdbus_kind_name(t->kind) ? mdbus_kind_name(t->kind) : "?", val) != 0)
			FAILF("kind %u, expected %s", t->kind, val);
		if (t->recv_ts != RECV_TS)
			FAILF("recv_ts %lld", (long long)t->recv_ts);
	} else if (!strcmp(key, "flags")) {
		if (strcmp(flags_str(t->flags, fb), val) != 0)
			FAILF("flags %s, expected %s", flags_str(t->flags, fb), val);
	} else {
		long long got = tick_field(t, key, &ok);
		if (!ok)
			FAILF("unknown expectation key %s", key);
		else if (got != strtoll(val, NULL, 10))
			FAILF("%s = %lld, expected %s", key, got, val);
	}
}

static void check_expect(char *line)
{
	char cls[32], key[32], val[256];
	char *p = line, *nkey;
	size_t n = 0;
	uint32_t at = 0, want_n;
	int contains, rc;

	while (*p && *p != ' ' && n + 1 < sizeof(cls))
		cls[n++] = *p++;
	cls[n] = '\0';
	if (strcasecmp(cls, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", cls);
		return;
	}
	nkey = strstr(p, " n=");
	want_n = nkey ? (uint32_t)strtoul(nkey + 3, NULL, 10) : out.cls == FEED_MSG_DATA;
	if (out.n != want_n) {
		FAILF("%u ticks, expected %u", out.n, want_n);
		return;
	}
	while ((rc = next_kv(&p, key, sizeof(key), val, sizeof(val), &contains)) == 1) {
		if (check_out_key(key, val, contains, &at))
			continue;
		if (at < out.n)
			check_tick_key(&ticks[at], key, val);
		else
			FAILF("tick key %s without a tick", key);
	}
	if (rc < 0)
		FAILF("bad expectation syntax");
}

static void directive_count(const char *d)
{
	if (!strncmp(d, "subdone ", 8)) {
		if (feed_venue_sub_complete(&ctx) != (int)strtol(d + 8, NULL, 10))
			FAILF("sub_complete %d", feed_venue_sub_complete(&ctx));
	} else if (!strncmp(d, "acked ", 6)) {
		if (feed_venue_streams_acked(&ctx) != (uint32_t)strtol(d + 6, NULL, 10))
			FAILF("acked %u", feed_venue_streams_acked(&ctx));
	} else if (!strncmp(d, "rejected ", 9)) {
		if (feed_venue_streams_rejected(&ctx) != (uint32_t)strtol(d + 9, NULL, 10))
			FAILF("rejected %u", feed_venue_streams_rejected(&ctx));
	} else {
		FAILF("unknown directive %s", d);
	}
}

static void directive_symstat(char *p)
{
	char name[32], key[32], val[64];
	size_t n = strcspn(p, " ");
	uint32_t i;
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

/* Returns 1 when the directive handed a message to the adapter. */
static int directive(char *d)
{
	char buf[4096];
	size_t n;
	int rc;

	if (!strcmp(d, "reset")) {
		feed_venue_ctx_reset(&ctx);
	} else if (!strcmp(d, "again")) {
		if (!last_msg || !out.more)
			FAILF("again without a message to continue");
		else if (feed_venue_on_message(&ctx, last_msg, last_len, last_bin, RECV_TS, &out) !=
			 0)
			FAILF("on_message failed");
		return 1;
	} else if (!strncmp(d, "sub ", 4)) {
		rc = feed_venue_subscribe_next(&ctx, buf, sizeof(buf), &n);
		if (!strcmp(d + 4, "-")) {
			if (rc != 0)
				FAILF("subscribe gave %d, expected nothing more", rc);
		} else if (rc != 1 || n != strlen(d + 4) || memcmp(buf, d + 4, n) != 0) {
			FAILF("subscribe rc %d: %.*s", rc, (int)n, buf);
		}
	} else if (!strncmp(d, "symstat ", 8)) {
		directive_symstat(d + 8);
	} else {
		directive_count(d);
	}
	return 0;
}

/* A message line: an exactly-sized copy (an over-read is an ASan error),
 * kept until the next one for "! again". */
static void script_message(const char *line)
{
	int bin = line[0] == 'B';
	const char *m = line + 1 + bin;

	if (*m == ' ')
		m++;
	free(last_msg);
	last_len = strlen(m);
	last_bin = bin;
	last_msg = malloc(last_len ? last_len : 1);
	memcpy(last_msg, m, last_len);
	if (out.more)
		FAILF("a new message while the last one has more pieces");
	if (feed_venue_on_message(&ctx, last_msg, last_len, bin, RECV_TS, &out) != 0)
		FAILF("on_message failed");
}

static int run_script(const char *path)
{
	static char line[16384];
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
			pending = directive(line + 2);
		} else if (line[0] == '>' || (line[0] == 'B' && line[1] == '>')) {
			script_message(line);
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
	free(last_msg);
	last_msg = NULL;
	return msgs;
}

/* Spot symbols and swaps; the swaps' contract size is 0.01. */
static struct feed_session_config session(char (*syms)[MDBUS_SYMBOL_MAX], size_t n)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "okx");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1; /* venue defaults: 8/8 */
	sc.qty_decimals = -1;
	sc.qty_unit = -1; /* the venue's: contracts */
	sc.contract_size = 1;
	sc.contract_decimals = 2;
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

/* The args of one request: every stream in send order, from `total`. */
static unsigned check_args(const struct feed_json_val *args, unsigned total)
{
	static const struct feed_json_key ak[2] = {FEED_JSON_KEY("channel"),
						   FEED_JSON_KEY("instId")};
	struct feed_json_val k, e, a[2];
	struct feed_json_iter it;
	unsigned count = 0;

	CHECK_EQ_INT(feed_json_iter_init(&it, args->p, args->n), 0);
	while (feed_json_iter_next(&it, &k, &e) == 1) {
		char inst[32];
		unsigned s = total + count;
		const char *chan = s % 2 ? "bbo-tbt" : "trades";

		CHECK_EQ_INT(feed_json_scan(e.p, e.n, ak, 2, a), 2);
		snprintf(inst, sizeof(inst), "C%u-USDT%s", s / 2, s / 2 % 3 ? "" : "-SWAP");
		CHECK(feed_json_str_eq(&a[0], chan, strlen(chan)));
		CHECK(feed_json_str_eq(&a[1], inst, strlen(inst)));
		count++;
	}
	return count;
}

/* 150 symbols (every third a swap) x 2 = 300 streams: requests of 200 +
 * 100 with the real ops; with a small buffer, more and smaller ones; every
 * stream exactly once, ids counting up as strings. */
static void test_split(void)
{
	static char syms[150][MDBUS_SYMBOL_MAX];
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("id"), FEED_JSON_KEY("op"),
						    FEED_JSON_KEY("args")};
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	struct feed_json_val f[3];
	char buf[16384], err[256];
	size_t n, sizes[] = {sizeof(buf), 600, 120};
	unsigned si, count, total, msgs;
	uint64_t id;
	int i, rc;

	for (i = 0; i < 150; i++)
		snprintf(syms[i], sizeof(syms[i]), "C%d-USDT%s", i, i % 3 ? "" : "-PERP");
	sc = session(syms, 150);
	for (si = 0; si < 3; si++) {
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
		feed_venue_ctx_reset(&v);
		total = msgs = 0;
		while ((rc = feed_venue_subscribe_next(&v, buf, sizes[si], &n)) == 1) {
			CHECK(n < sizes[si]);
			CHECK_EQ_INT(feed_json_scan(buf, n, keys, 3, f), 3);
			CHECK(feed_json_str_eq(&f[1], "subscribe", 9));
			CHECK_EQ_INT(f[0].type, FEED_JSON_STRING);
			CHECK_EQ_INT(feed_json_u64(&f[0], &id), 0);
			CHECK_EQ_INT(id, msgs + 1);
			count = check_args(&f[2], total);
			CHECK(count >= 1 && count <= 200);
			if (si == 0)
				CHECK_EQ_INT(count, msgs == 0 ? 200 : 100);
			total += count;
			msgs++;
		}
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(total, 300);
		CHECK(si == 0 ? msgs == 2 : msgs > 2);
		feed_venue_ctx_free(&v);
	}
	/* A buffer too small for even one stream. */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 60, &n), -ENOBUFS);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 80, &n), -ENOBUFS);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 120, &n), 1);
	feed_venue_ctx_free(&v);
}

/* With refdata on, a swap's contract size may come from the venue: init
 * lets it through, feed_venue_contracts_ok judges after the reference
 * data (feed_refdata_apply sets the size it gives). */
static void test_contract_later(char (*syms)[MDBUS_SYMBOL_MAX])
{
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	char err[256];

	for (int unit = MDBUS_QTY_BASE; unit <= MDBUS_QTY_CONTRACTS; unit++) {
		sc = session(syms, 2);
		sc.contract_size = 0;
		sc.qty_unit = unit;
		sc.refdata = 1;
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
		CHECK_EQ_INT(v.contract_later, 1);
		CHECK_EQ_INT(feed_venue_contracts_ok(&v, err, sizeof(err)), -EINVAL);
		CHECK_STR(err,
			  "symbol 'BTC-USDT-PERP': its quantities need the contract size, which "
			  "neither contract_size nor the venue's reference data gave");
		for (uint32_t i = 0; i < v.nsyms; i++) /* as feed_refdata_apply sets it */
			if (v.syms[i].market == MDBUS_MARKET_PERP) {
				v.syms[i].contract_size = 1;
				v.syms[i].contract_decimals = 2;
			}
		CHECK_EQ_INT(feed_venue_contracts_ok(&v, err, sizeof(err)), 0);
		feed_venue_ctx_free(&v);
	}
}

/* Native names, markets, set-up errors, instrument records, keepalive. */
static void test_names(void)
{
	static char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP", "ETH-USDT"};
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	struct mdbus_instrument ins;
	char nat[32], err[256];
	size_t n;

	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC-USDT");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC-USDT-SWAP");
	CHECK_EQ_INT(ops->native_symbol("BTC-USD-PERP", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC-USD-SWAP");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-20261225", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("btc-usdt", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 8), -ENAMETOOLONG);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 9), 0);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, 13), -ENAMETOOLONG);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, 14), 0);
	CHECK_STR(nat, "BTC-USDT-SWAP");

	CHECK_EQ_INT(feed_venue_ctx_instrument(&ctx, 2, &ins), 0);
	CHECK_STR(ins.venue, "okx");
	CHECK_STR(ins.symbol, "BTC-USDT-PERP");
	CHECK_STR(ins.native, "BTC-USDT-SWAP");
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_PERP);
	CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_CONTRACTS);
	CHECK_EQ_INT(ins.contract_size, 1);
	CHECK_EQ_INT(ins.contract_decimals, 2);
	CHECK_EQ_INT(feed_venue_ctx_instrument(&ctx, 0, &ins), 0);
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_SPOT);
	CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_BASE);
	CHECK_EQ_INT(ins.contract_size, 0);

	/* Contracts need a contract size; so does converting them to base. */
	sc = session(syms, 2);
	sc.contract_size = 0;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "symbol 'BTC-USDT-PERP': quantities in contracts need contract_size");
	sc.qty_unit = MDBUS_QTY_BASE;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "symbol 'BTC-USDT-PERP': okx sizes swaps in contracts; qty_unit = base "
		       "needs contract_size");
	test_contract_later(syms);
	sc = session(syms, 2);
	sc.channels = FEED_CH_L2; /* the books channel */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK(v.lv != NULL && v.lv_cap >= 2 * 400);
	feed_venue_ctx_free(&v);

	/* Our ping is the text "ping". */
	CHECK_EQ_INT(feed_venue_ping(&ctx, nat, sizeof(nat), &n, 1), 0);
	CHECK_EQ_INT(n, 4);
	CHECK(memcmp(nat, "ping", 4) == 0);
	CHECK_EQ_INT(feed_venue_ping(&ctx, nat, 3, &n, 1), -ENOBUFS);
	CHECK(ops->default_url && !strcmp(ops->default_url, "wss://ws.okx.com:8443/ws/v5/public"));
	CHECK(ops->market_url[MDBUS_MARKET_PERP] == NULL); /* one endpoint for both */
}

#define TRADE(inst, sz)                                                                            \
	"{\"arg\":{\"channel\":\"trades\",\"instId\":\"" inst "\"},\"data\":[{\"instId\":\"" inst  \
	"\",\"tradeId\":\"1\",\"px\":\"96000.5\",\"sz\":\"" sz "\",\"side\":\"buy\",\"ts\":"       \
	"\"1733400000123\",\"count\":\"1\",\"source\":\"0\",\"seqId\":1}]}"

/* qty_unit = base on a swap: each size in contracts times the contract
 * size (0.01), exactly; a size that is not exact at the scale is refused. */
static void test_base_units(void)
{
	static char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP", "BTC-USDT"};
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_session_config sc = session(syms, 2);
	struct feed_venue_ctx v;
	char err[256];

	sc.qty_unit = MDBUS_QTY_BASE;
	sc.qty_decimals = 4;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	feed_msg(&v, TRADE("BTC-USDT-SWAP", "12")); /* 12 contracts = 0.12 BTC */
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(ticks[0].u.trade.qty, 1200);
	feed_msg(&v, TRADE("BTC-USDT-SWAP", "0.5")); /* 0.005 BTC */
	CHECK_EQ_INT(ticks[0].u.trade.qty, 50);
	feed_msg(&v, TRADE("BTC-USDT-SWAP", "0.01")); /* 0.0001 BTC: the scale's last digit */
	CHECK_EQ_INT(ticks[0].u.trade.qty, 1);
	feed_msg(&v, TRADE("BTC-USDT-SWAP", "0.00001")); /* already below the scale */
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK_STR(out.reason, "BTC-USDT-SWAP trade size '0.00001': more decimals than the scale "
			      "(scale 4)");
	feed_msg(&v, TRADE("BTC-USDT-SWAP", "0.0050")); /* 0.00005 BTC: not at scale 4 */
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(out.reason && strstr(out.reason, "not exact in base units"));
	feed_msg(&v, TRADE("BTC-USDT", "12")); /* spot: base units already */
	CHECK_EQ_INT(ticks[0].u.trade.qty, 120000);
	feed_msg(&v, "{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"BTC-USDT-SWAP\"},\"data\":[{"
		     "\"asks\":[[\"111.06\",\"55154\",\"0\",\"2\"]],\"bids\":[[\"111.05\",\"3\","
		     "\"0\",\"2\"]],\"ts\":\"1670324386802\",\"seqId\":363996337}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(ticks[0].u.bbo.ask_qty, 5515400);
	CHECK_EQ_INT(ticks[0].u.bbo.bid_qty, 300);
	CHECK_EQ_INT(ticks[0].u.bbo.bid_px, 11105000000);
	feed_venue_ctx_free(&v);
}

/* feedd --check: spot and swaps share the endpoint, so one session may
 * hold both; a swap needs its contract size; no dated futures. */
static void test_check(void)
{
	static const char ok[] = "[session o]\nvenue = okx\nsymbols = BTC-USDT, BTC-USDT-PERP\n"
				 "contract_size = 0.01\n";
	struct feed_config c;
	char err[512];

	CHECK_EQ_INT(feed_config_load_string(ok, "t.ini", &c, err, sizeof(err)), 0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), 0);
	CHECK_STR(c.sessions[0].url.host, "ws.okx.com");
	CHECK_STR(c.sessions[0].url.path, "/ws/v5/public");
	CHECK_EQ_INT(c.sessions[0].url.port, 8443);
	feed_config_free(&c);
	/* no contract_size: the start-up reference data (ctVal) gives it */
	CHECK_EQ_INT(feed_config_load_string("[session o]\nvenue = okx\nsymbols = BTC-USDT-PERP\n",
					     "t.ini", &c, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), 0);
	feed_config_free(&c);
	/* ... unless refdata is off */
	CHECK_EQ_INT(feed_config_load_string("[session o]\nvenue = okx\nsymbols = BTC-USDT-PERP\n"
					     "refdata = no\n",
					     "t.ini", &c, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "t.ini:3: symbol 'BTC-USDT-PERP': quantities in contracts need "
		       "contract_size in [session o]");
	feed_config_free(&c);
	CHECK_EQ_INT(
		feed_config_load_string("[session o]\nvenue = okx\nsymbols = BTC-USD-20261225\n",
					"t.ini", &c, err, sizeof(err)),
		0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "t.ini:3: venue okx has no dated futures market (symbol 'BTC-USD-20261225') "
		       "in [session o]");
	feed_config_free(&c);
}

#define OSUB(list, id) "{\"id\":\"" #id "\",\"op\":\"subscribe\",\"args\":[" list "]}"
#define OARGS(s)                                                                                   \
	"{\"channel\":\"trades\",\"instId\":\"" s "\"},{\"channel\":\"bbo-tbt\",\"instId\":\"" s   \
	"\"}"
#define OACK(id, ch, s)                                                                            \
	"{\"id\":\"" #id "\",\"event\":\"subscribe\",\"arg\":{\"channel\":\"" ch                   \
	"\",\"instId\":\"" s "\"},\"connId\":\"a4d3ae55\"}"
#define OERR(id)                                                                                   \
	"{\"id\":\"" #id "\",\"event\":\"error\",\"code\":\"60018\",\"msg\":\"Wrong URL or "       \
	"channel\",\"connId\":\"a4d3ae55\"}"

/* An error naming a request of several symbols: the streams already acked
 * stay acked, the others go again one symbol per request; only the one
 * rejected alone is dead. */
static void test_reject_split(void)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "NOPE-USDT", "ETH-USDT"};
	struct feed_session_config sc = session(syms, 3);
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_venue_ctx v;
	char err[256];

	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, OSUB(OARGS("BTC-USDT") "," OARGS("NOPE-USDT") "," OARGS("ETH-USDT"), 1));
	expect_sub(&v, NULL);
	feed_msg(&v, OACK(1, "trades", "BTC-USDT"));
	feed_msg(&v, OACK(1, "bbo-tbt", "BTC-USDT"));
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	feed_msg(&v, OERR(1));
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.split, 1);
	CHECK_EQ_INT(out.nstreams, 4); /* NOPE's and ETH's, not BTC's */
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 2);
	expect_sub(&v, OSUB(OARGS("NOPE-USDT"), 2));
	expect_sub(&v, OSUB(OARGS("ETH-USDT"), 3));
	expect_sub(&v, NULL);
	feed_msg(&v, OERR(2));
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.split, 0);
	CHECK_EQ_INT(v.syms[1].dead, 1);
	feed_msg(&v, OACK(3, "trades", "ETH-USDT"));
	feed_msg(&v, OACK(3, "bbo-tbt", "ETH-USDT"));
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 4);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 1);
	feed_venue_ctx_free(&v);
}

/* Seeded random mutations of good messages through the whole adapter, in
 * pieces (exact-size copies: an over-read is an ASan error). Whatever the
 * bytes, DATA carries ticks of known instruments only and every ERROR has
 * a reason. */
/* Long: the mutation loop and its invariants in one place. */
static void test_mutations(void)
{
	static const char *const good[] = {
		TRADE("BTC-USDT", "0.5"),
		"{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"BTC-USDT-SWAP\"},\"data\":[{"
		"\"asks\":"
		"[[\"111.06\",\"55154\",\"0\",\"2\"]],\"bids\":[[\"111.05\",\"57745\",\"0\",\"2\"]]"
		","
		"\"ts\":\"1670324386802\",\"seqId\":363996337}]}",
		"{\"id\":\"1\",\"event\":\"error\",\"code\":\"60012\",\"msg\":\"bad \\u00e9\"}",
		"{\"arg\":{\"channel\":\"trades\",\"instId\":\"ETH-USDT\"},\"data\":[{\"instId\":"
		"\"ETH-USDT\",\"tradeId\":\"7\",\"px\":\"1\",\"sz\":\"1\",\"side\":\"sell\",\"ts\":"
		"\"1\",\"seqId\":2},{\"instId\":\"ETH-USDT\",\"tradeId\":\"8\",\"px\":\"1\",\"sz\":"
		"\"1\",\"side\":\"buy\",\"ts\":\"1\",\"seqId\":3}]}",
		"{\"event\":\"notice\",\"code\":\"64008\",\"msg\":\"x\",\"connId\":\"a\"}",
	};
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.eEtrufalsnBTCUSD\x01\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int round, data = 0;
	size_t ng = sizeof(good) / sizeof(good[0]);

	for (round = 0; round < 20000; round++) {
		const char *src = good[(size_t)round % ng];
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
			if (out.cls == FEED_MSG_DATA) {
				data++;
				for (uint32_t t = 0; t < out.n; t++)
					if (ticks[t].instrument < 100 || ticks[t].instrument > 102)
						feed_test_failures++;
			}
			if (out.cls == FEED_MSG_ERROR && (!out.reason || !out.reason[0]))
				feed_test_failures++;
			if (out.cls != FEED_MSG_DATA && out.n != 0)
				feed_test_failures++;
		} while (out.more && ++pieces < 10);
		CHECK_EQ_INT(out.more, 0);
		free(buf);
	}
	CHECK(data > 0); /* some mutations stay valid (a digit for a digit) */
}

/* ---- depth: the books channel ---------------------------------------------------- */

static char big[64 * 1024];

/* A books update for BTC-USDT with n ask levels (too many for lv_cap). */
static const char *okx_many_levels(unsigned n)
{
	size_t o = (size_t)snprintf(big, sizeof(big),
				    "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},"
				    "\"action\":\"update\",\"data\":[{\"asks\":[");

	for (unsigned k = 0; k < n && o + 64 < sizeof(big); k++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s[\"%u.5\",\"1\",\"0\",\"1\"]",
				      k ? "," : "", 1000 + k);
	snprintf(big + o, sizeof(big) - o,
		 "],\"bids\":[],\"ts\":\"1597026383085\",\"checksum\":0,\"prevSeqId\":1,"
		 "\"seqId\":2}]}");
	return big;
}

/* The documented shapes: a snapshot push (still parsed: the sync engine
 * ignores it), updates chained by prevSeqId, the reset (seqId <
 * prevSeqId), the checksum (0 now: none; a non-zero one is checked, the
 * docs' two CRC32 examples through ops->book.checksum), the REST snapshot
 * request and answer (GET /api/v5/market/books). */
/* Long: one scenario of checks in order on one context. */
static void test_l2(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_session_config sc = session(syms, 2);
	const struct feed_book_ev *ev;
	struct feed_venue_ctx v;
	char err[256];

	sc.channels = FEED_CH_L2;
	sc.book_depth = 400;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v,
		   "{\"id\":\"1\",\"op\":\"subscribe\",\"args\":[{\"channel\":\"books\","
		   "\"instId\":\"BTC-USDT\"},{\"channel\":\"books\",\"instId\":\"ETH-USDT\"}]}");
	feed_msg(&v, "{\"id\":\"1\",\"event\":\"subscribe\",\"arg\":{\"channel\":\"books\","
		     "\"instId\":\"ETH-USDT\"},\"connId\":\"a4d3ae55\"}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 1);
	CHECK_EQ_INT(ops->book.sync, FEED_SYNC_REST_PREV);
	CHECK_EQ_INT(ops->book.ck_levels, 25);
	CHECK(ops->book.checksum != NULL && !ops->book.resubscribe);
	CHECK(ops->book.resubscribe_msgs == NULL);
	CHECK_EQ_INT(ops->book.max_levels, 400);
	CHECK_EQ_INT(ops->book.rest_weight, 1);
	CHECK(ops->book.rest_snapshot != NULL && ops->book.rest_parse != NULL);

	/* A snapshot push (the delisting's transition): parsed as SNAPSHOT;
	 * the docs' first checksum example. */
	feed_msg(&v, "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":"
		     "\"snapshot\",\"data\":[{\"asks\":[[\"3366.8\",\"9\",\"10\",\"3\"],[\"3368\","
		     "\"8\",\"3\",\"4\"]],\"bids\":[[\"3366.1\",\"7\",\"0\",\"3\"],[\"3366\",\"6\","
		     "\"3\",\"4\"]],\"ts\":\"1597026383085\",\"checksum\":-1881014294,"
		     "\"prevSeqId\":-1,\"seqId\":123456}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	ev = out.book;
	CHECK(ev == &v.book);
	CHECK_EQ_INT(ev->sym, 0);
	CHECK_EQ_INT(ev->kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(ev->nbids, 2);
	CHECK_EQ_INT(ev->nasks, 2);
	CHECK_EQ_INT(ev->bids[0].px, 336610000000LL);
	CHECK_EQ_INT(ev->bids[0].qty, 700000000LL);
	CHECK_EQ_INT(ev->asks[1].px, 336800000000LL);
	CHECK_EQ_INT(ev->has_prev, 0);
	CHECK_EQ_INT(ev->last_id, 123456);
	CHECK_EQ_INT(ev->first_id, 123456);
	CHECK_EQ_INT(ev->bids[0].px_dp, 1);
	CHECK_EQ_INT(ev->bids[1].px_dp, 0);
	CHECK_EQ_INT(ev->has_ck, 1);
	CHECK_EQ_INT(ev->checksum, (uint32_t)-1881014294);
	CHECK_EQ_INT(ev->exch_ts, 1597026383085000000LL);
	CHECK_EQ_INT(ev->recv_ts, RECV_TS);
	/* "3366.1:7:3366.8:9:3366:6:3368:8" */
	CHECK_EQ_INT(ops->book.checksum(&v, 0, ev->bids, ev->nbids, ev->asks, ev->nasks),
		     (uint32_t)-1881014294);
	/* The second: fewer bids than asks, "3366.1:7:3366.8:9:3368:8:3372:8". */
	feed_msg(&v, "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":"
		     "\"snapshot\",\"data\":[{\"asks\":[[\"3366.8\",\"9\",\"10\",\"3\"],[\"3368\","
		     "\"8\",\"3\",\"4\"],[\"3372\",\"8\",\"3\",\"4\"]],\"bids\":[[\"3366.1\",\"7\","
		     "\"0\",\"3\"]],\"ts\":\"1597026383085\",\"checksum\":831078360,"
		     "\"prevSeqId\":-1,\"seqId\":123456}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(
		ops->book.checksum(&v, 0, v.book.bids, v.book.nbids, v.book.asks, v.book.nasks),
		831078360u);
	CHECK_EQ_INT(v.book.checksum, 831078360u);
	/* More decimals printed than the scale keeps: rebuilt as printed. */
	feed_msg(&v, "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":"
		     "\"snapshot\",\"data\":[{\"asks\":[[\"3366.8\",\"9\",\"0\",\"1\"]],\"bids\":"
		     "[[\"3366.100000000000\",\"7.0\",\"0\",\"1\"]],\"ts\":\"1597026383085\","
		     "\"checksum\":-1233765113,\"prevSeqId\":-1,\"seqId\":5}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.bids[0].px_dp, 12);
	CHECK_EQ_INT(v.book.checksum, (uint32_t)-1233765113); /* "3366.100000000000:7.0:3366.8:9" */
	CHECK_EQ_INT(
		ops->book.checksum(&v, 0, v.book.bids, v.book.nbids, v.book.asks, v.book.nasks),
		v.book.checksum);
	/* An update: prevSeqId names the previous seqId; "0" removes; checksum 0 = none. */
	feed_msg(&v, "{\"arg\":{\"channel\":\"books\",\"instId\":\"ETH-USDT\"},\"action\":"
		     "\"update\",\"data\":[{\"asks\":[[\"3368\",\"0\",\"0\",\"0\"]],\"bids\":[],"
		     "\"ts\":\"1597026383086\",\"checksum\":0,\"prevSeqId\":123456,"
		     "\"seqId\":123457}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.sym, 1);
	CHECK_EQ_INT(v.book.kind, FEED_BOOK_DELTA);
	CHECK_EQ_INT(v.book.has_prev, 1);
	CHECK_EQ_INT(v.book.prev_id, 123456);
	CHECK_EQ_INT(v.book.last_id, 123457);
	CHECK_EQ_INT(v.book.has_ck, 0);
	CHECK_EQ_INT(v.book.nbids, 0);
	CHECK_EQ_INT(v.book.nasks, 1);
	CHECK_EQ_INT(v.book.asks[0].qty, 0);
	/* The reset after maintenance: seqId below prevSeqId passes as sent
	 * (the engine resyncs on it). No checksum field at all is fine. */
	feed_msg(&v, "{\"arg\":{\"channel\":\"books\",\"instId\":\"ETH-USDT\"},\"action\":"
		     "\"update\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1597026383087\","
		     "\"prevSeqId\":123457,\"seqId\":3}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.prev_id, 123457);
	CHECK_EQ_INT(v.book.last_id, 3);

	/* Bad messages: ERROR, never an event. */
	static const char *const bad[] = {
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"partial\","
		"\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":1,\"seqId\":2}]}",
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		"\"data\":[{\"asks\":[[\"abc\",\"1\",\"0\",\"1\"]],\"bids\":[],\"ts\":\"1\","
		"\"prevSeqId\":1,\"seqId\":2}]}",
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		"\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":1}]}",
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		"\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":1,\"seqId\":\"2\"}]"
		"}",
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		"\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":1,\"seqId\":2},"
		"{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":2,\"seqId\":3}]}",
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"XRP-USDT\"},\"action\":\"update\","
		"\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":1,\"seqId\":2}]}",
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		"\"data\":[{\"asks\":[[\"0\",\"1\",\"0\",\"1\"]],\"bids\":{},\"ts\":\"1\","
		"\"prevSeqId\":1,\"seqId\":2}]}",
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		"\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"checksum\":4294967295,"
		"\"prevSeqId\":1,\"seqId\":2}]}",
		"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		"\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-2,\"seqId\":2}]}",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		feed_msg(&v, bad[k]);
		if (out.cls != FEED_MSG_ERROR) {
			fprintf(stderr, "okx bad books %zu: class %d\n", k, out.cls);
			feed_test_failures++;
		}
	}
	feed_msg(&v, okx_many_levels(v.lv_cap + 1));
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "more than") != NULL);
	feed_msg(&v, okx_many_levels(v.lv_cap));
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(v.book.nasks, v.lv_cap);
	feed_venue_ctx_free(&v);
}

/* The REST request: sz is the channel's 400 levels, whatever book_depth. */
static void test_l2_rest_path(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "BTC-USDT-PERP"};
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_session_config sc = session(syms, 2);
	struct feed_venue_ctx v;
	char err[256], buf[128];
	size_t n = 0;

	sc.channels = FEED_CH_L2;
	sc.contract_size = 1;
	sc.book_depth = 1000;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK_EQ_INT(ops->book.rest_snapshot(&v, 0, buf, sizeof(buf), &n), 0);
	CHECK_STR(buf, "/api/v5/market/books?instId=BTC-USDT&sz=400");
	CHECK_EQ_INT(n, strlen(buf));
	CHECK_EQ_INT(ops->book.rest_snapshot(&v, 1, buf, sizeof(buf), &n), 0);
	CHECK_STR(buf, "/api/v5/market/books?instId=BTC-USDT-SWAP&sz=400");
	CHECK_EQ_INT(ops->book.rest_snapshot(&v, 0, buf, 20, &n), -ENOBUFS);
	CHECK_EQ_INT(ops->book.rest_snapshot(&v, 2, buf, sizeof(buf), &n), -EINVAL);
	v.book_depth = 20; /* a shallow book_depth still needs the whole window */
	CHECK_EQ_INT(ops->book.rest_snapshot(&v, 0, buf, sizeof(buf), &n), 0);
	CHECK_STR(buf, "/api/v5/market/books?instId=BTC-USDT&sz=400");
	feed_venue_ctx_free(&v);
}

/* The REST answer: {"code":"0","msg":"","data":[{asks,bids,ts,seqId}]}. */
/* Long: the good answer, then each bad one in a table. */
static void test_l2_rest_parse(void)
{
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"};
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_session_config sc = session(syms, 1);
	struct feed_venue_ctx v;
	struct feed_book_ev ev;
	char err[256];
	static const char good[] =
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[[\"41006.8\",\"0.60038921\","
		"\"0\",\"1\"]],\"bids\":[[\"41006.3\",\"0.30178218\",\"0\",\"2\"],[\"41006.1\","
		"\"1\",\"0\",\"1\"]],\"ts\":\"1629966436396\",\"seqId\":123456}]}";

	sc.channels = FEED_CH_L2;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK_EQ_INT(ops->book.rest_parse(&v, 0, (const uint8_t *)good, strlen(good), &ev), 0);
	CHECK_EQ_INT(ev.kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(ev.sym, 0);
	CHECK_EQ_INT(ev.last_id, 123456);
	CHECK_EQ_INT(ev.first_id, 123456);
	CHECK_EQ_INT(ev.has_ck, 0);
	CHECK_EQ_INT(ev.nbids, 2);
	CHECK_EQ_INT(ev.nasks, 1);
	CHECK_EQ_INT(ev.bids[0].px, 4100630000000LL);
	CHECK_EQ_INT(ev.bids[0].qty, 30178218LL);
	CHECK_EQ_INT(ev.asks[0].px, 4100680000000LL);
	CHECK_EQ_INT(ev.exch_ts, 1629966436396000000LL);
	/* seqId as a numeric string is taken too */
	static const char strseq[] = "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[],\"bids\":"
				     "[],\"ts\":\"1629966436396\",\"seqId\":\"77\"}]}";
	CHECK_EQ_INT(ops->book.rest_parse(&v, 0, (const uint8_t *)strseq, strlen(strseq), &ev), 0);
	CHECK_EQ_INT(ev.last_id, 77);
	static const char *const bad[] = {
		"{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\",\"data\":[]}",
		"{\"code\":0,\"msg\":\"\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\","
		"\"seqId\":1}]}",
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[]}",
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\"}]}",
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\","
		"\"seqId\":-1}]}",
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\","
		"\"seqId\":\"1x\"}]}",
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":1,"
		"\"seqId\":1}]}",
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[[\"x\",\"1\"]],\"bids\":[],"
		"\"ts\":\"1\",\"seqId\":1}]}",
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\","
		"\"seqId\":1},{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"seqId\":2}]}",
		"{\"code\":\"0\",\"data\":{\"asks\":[]}}",
		"not json",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int rc = ops->book.rest_parse(&v, 0, (const uint8_t *)bad[k], strlen(bad[k]), &ev);

		if (rc != -EBADMSG) {
			fprintf(stderr, "okx bad rest %zu: %d\n", k, rc);
			feed_test_failures++;
		}
	}
	CHECK(strstr(v.reason, "invalid JSON") != NULL);
	CHECK_EQ_INT(ops->book.rest_parse(&v, 0, (const uint8_t *)bad[0], strlen(bad[0]), &ev),
		     -EBADMSG);
	CHECK(strstr(v.reason, "51001") != NULL);
	CHECK_EQ_INT(ops->book.rest_parse(&v, 1, (const uint8_t *)good, strlen(good), &ev),
		     -EINVAL);
	feed_venue_ctx_free(&v);
}

/* ---- the adapter's events through the sync engine ------------------------ */

static unsigned okx_need, okx_status_live;

static void okx_cb_ticks(void *u, const struct mdbus_tick *t, uint32_t n)
{
	(void)u;
	(void)t;
	(void)n;
}

static void okx_cb_need(void *u, uint32_t sym)
{
	(void)u;
	(void)sym;
	okx_need++;
}

static void okx_cb_status(void *u, uint32_t sym, uint32_t st)
{
	(void)u;
	(void)sym;
	okx_status_live += st == MDBUS_BOOK_LIVE;
}

static void okx_book_msg(struct feed_venue_ctx *v, struct feed_book_sync_ctx *s, const char *m)
{
	feed_msg(v, m);
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	if (out.cls == FEED_MSG_BOOK)
		CHECK_EQ_INT(feed_book_sync_event(s, out.book), 0);
}

#define OKX_UPD(prev, seq, bids, asks)                                                             \
	"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","          \
	"\"data\":[{\"asks\":[" asks "],\"bids\":[" bids "],\"ts\":\"1597026383086\","             \
	"\"checksum\":0,\"prevSeqId\":" prev ",\"seqId\":" seq "}]}"

/* The documented procedure end to end: the snapshot push ignored, updates
 * buffered, the REST snapshot (seqId 11) drops seqId <= 11, the first kept
 * has prevSeqId <= 11 < seqId, then the chain; a reset resyncs. */
/* After the reset: a new REST snapshot (seqId 3), then an update with a
 * non-zero checksum that matches (verdict OK, CRC32 computed here from
 * the docs' rule: top levels interleaved bid:ask as printed) and one that
 * does not (that book resyncs, reason checksum). */
static void okx_ck_scenario(struct feed_venue_ctx *v, struct feed_book_sync_ctx *s)
{
	static const char rest2[] =
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[[\"101\",\"1\",\"0\",\"1\"]],"
		"\"bids\":[[\"99\",\"2\",\"0\",\"1\"]],\"ts\":\"1597026383085\",\"seqId\":3}]}";
	static const char text[] = "99:2:101:1:98:1";
	const struct feed_venue_ops *ops = v->ops;
	struct mdbus_book_update u;
	struct feed_book_ev ev;
	char m[512];
	int32_t ck = (int32_t)crc32(0L, (const Bytef *)text, (uInt)strlen(text));

	CHECK_EQ_INT(ops->book.rest_parse(v, 0, (const uint8_t *)rest2, strlen(rest2), &ev), 0);
	CHECK_EQ_INT(feed_book_sync_rest(s, &ev), 0);
	snprintf(m, sizeof(m),
		 "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		 "\"data\":[{\"asks\":[],\"bids\":[[\"98\",\"1\",\"0\",\"1\"]],\"ts\":\"1\","
		 "\"checksum\":%d,\"prevSeqId\":3,\"seqId\":4}]}",
		 (int)ck);
	okx_book_msg(v, s, m);
	CHECK_EQ_INT(feed_book_sync_view(s, 0, &u), 0);
	CHECK_EQ_INT(u.status, MDBUS_BOOK_LIVE);
	CHECK_EQ_INT(u.update_id, 4);
	CHECK_EQ_INT(u.checksum, MDBUS_BOOK_CK_OK);
	snprintf(m, sizeof(m),
		 "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
		 "\"data\":[{\"asks\":[],\"bids\":[[\"97\",\"1\",\"0\",\"1\"]],\"ts\":\"1\","
		 "\"checksum\":%d,\"prevSeqId\":4,\"seqId\":5}]}",
		 (int)ck);
	okx_book_msg(v, s, m);
	CHECK_EQ_INT(s->inst[0].last_reason, FEED_BOOK_RS_CHECKSUM);
	CHECK_EQ_INT(okx_need, 3);
	CHECK_EQ_INT(feed_book_sync_view(s, 0, &u), 0);
	CHECK_EQ_INT(u.status, MDBUS_BOOK_RESYNCING);
}

/* Long: one scenario in order. */
static void test_l2_sync(void)
{
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"};
	const struct feed_venue_ops *ops = feed_venue_find("okx");
	struct feed_session_config sc = session(syms, 1);
	struct feed_book_cb cb = {NULL, okx_cb_ticks, NULL, okx_cb_status, okx_cb_need, NULL};
	struct feed_book_sync_params p = {.book_depth = 20};
	static struct mdbus_tick tb[8];
	struct feed_book_sync_ctx s;
	struct mdbus_book_update u;
	struct feed_book_ev ev;
	struct feed_venue_ctx v;
	char err[256];
	static const char rest[] =
		"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[[\"101\",\"1\",\"0\",\"1\"]],"
		"\"bids\":[[\"99\",\"2\",\"0\",\"1\"]],\"ts\":\"1597026383085\",\"seqId\":11}]}";

	sc.channels = FEED_CH_L2;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK_EQ_INT(feed_book_sync_init(&s, &ops->book, &v, 1, &p, &cb, tb, 8), 0);
	CHECK_EQ_INT(feed_book_sync_start(&s, 0), 0);
	okx_book_msg(&v, &s,
		     "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":"
		     "\"snapshot\",\"data\":[{\"asks\":[[\"500\",\"1\",\"0\",\"1\"]],\"bids\":[],"
		     "\"ts\":\"1597026383085\",\"checksum\":123,\"prevSeqId\":-1,\"seqId\":8}]}");
	CHECK_EQ_INT(s.inst[0].stream_snaps, 1);
	CHECK_EQ_INT(okx_need, 0);
	okx_book_msg(&v, &s, OKX_UPD("8", "10", "[\"98\",\"1\",\"0\",\"1\"]", ""));
	CHECK_EQ_INT(okx_need, 1);
	okx_book_msg(&v, &s, OKX_UPD("10", "12", "[\"99\",\"0\",\"0\",\"0\"]", ""));
	okx_book_msg(&v, &s, OKX_UPD("12", "12", "", "")); /* no change */
	okx_book_msg(&v, &s, OKX_UPD("12", "15", "", "[\"102\",\"3\",\"0\",\"1\"]"));
	CHECK_EQ_INT(ops->book.rest_parse(&v, 0, (const uint8_t *)rest, strlen(rest), &ev), 0);
	CHECK_EQ_INT(feed_book_sync_rest(&s, &ev), 0);
	CHECK_EQ_INT(okx_status_live, 1);
	CHECK_EQ_INT(feed_book_sync_view(&s, 0, &u), 0);
	CHECK_EQ_INT(u.status, MDBUS_BOOK_LIVE);
	CHECK_EQ_INT(u.update_id, 15);
	CHECK_EQ_INT(u.bids.n, 0); /* 99 removed by seqId 12; 98 (seqId 10) was before L */
	CHECK_EQ_INT(u.asks.n, 2);
	CHECK_EQ_INT(u.asks.best->price, 10100000000LL);
	CHECK_EQ_INT(u.checksum, MDBUS_BOOK_CK_NONE);
	okx_book_msg(&v, &s, OKX_UPD("15", "2", "", "")); /* the venue's reset */
	CHECK_EQ_INT(s.inst[0].last_reason, FEED_BOOK_RS_RESET);
	CHECK_EQ_INT(okx_need, 2);
	CHECK_EQ_INT(feed_book_sync_view(&s, 0, &u), 0);
	CHECK_EQ_INT(u.status, MDBUS_BOOK_RESYNCING);
	okx_ck_scenario(&v, &s);
	feed_book_sync_free(&s);
	feed_venue_ctx_free(&v);
}

int main(int argc, char **argv)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT", "BTC-USDT-PERP"};
	struct feed_session_config sc = session(syms, 3);
	char err[256];
	uint32_t i;
	int msgs;

	if (argc < 2) {
		fprintf(stderr, "usage: test_okx data/okx.txt\n");
		return 1;
	}
	test_ops = *feed_venue_find("okx");
	test_ops.limits.streams_per_req = 2;
	CHECK_EQ_INT(feed_venue_ctx_init(&ctx, &test_ops, &sc, err, sizeof(err)), 0);
	for (i = 0; i < ctx.nsyms; i++)
		ctx.syms[i].instrument = 100 + i;
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;

	msgs = run_script(argv[1]);
	printf("%d scripted messages, %llu ticks\n", msgs, (unsigned long long)ctx.st.ticks);
	CHECK(msgs >= 70); /* the script really ran */
	CHECK_EQ_INT(ctx.st.msgs, (uint64_t)msgs);
	CHECK_EQ_INT(ctx.st.connections, 2);
	CHECK_EQ_INT(ctx.st.pieces, 4); /* "! again" in the script */
	CHECK_EQ_INT(ctx.st.cls[FEED_MSG_RECONNECT], 1);
	CHECK_EQ_INT(ctx.st.cls[FEED_MSG_HEARTBEAT], 1);
	test_names();
	test_split();
	test_base_units();
	test_check();
	test_reject_split();
	test_mutations();
	test_l2();
	test_l2_rest_path();
	test_l2_rest_parse();
	test_l2_sync();
	feed_venue_ctx_free(&ctx);
	return feed_test_done("test_okx");
}
