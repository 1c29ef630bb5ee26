/* SPDX-License-Identifier: MIT */
/*
 * test_gateio.c: the Gate adapter (spot and USDT perpetual futures) driven
 * by a script of the documented messages and expected results
 * (data/gateio.txt, argv[1]; format in its header), plus subscribe
 * requests and their splitting, the duplicate-key decision, a futures
 * batch larger than the tick array, quantities in base units, symbols,
 * the endpoint check and seeded mutations.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "jsonscan.h"
#include "venue.h"

#define RECV_TS	  777
#define WALL_NS	  1700000000987654321LL /* the fixed clock: "time":1700000000 */
#define NSESSIONS 2

static struct feed_venue_ctx ctxs[NSESSIONS]; /* spot, perp */
static struct feed_venue_ctx *cur = &ctxs[0];
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "gateio.txt:%d: ", lineno);                                        \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

static int64_t fixed_clock(void)
{
	return WALL_NS;
}

/* Next "key=value" token; value may be "quoted" with \" escapes. */

/* One expectation line: the class, then key=value checks; "n" checks the
 * tick count (default 1 for DATA), "tick" selects the tick the following
 * keys read. */
/* Long: one flat list of expectation keys; splitting it would scatter the script format. */
static void check_expect(char *line)
{
	char cls[32], key[32], val[256], fb[32];
	char *p = line;
	size_t n = 0;
	uint32_t want_n = 1, ti = 0;
	int contains, ok, rc, nseen = 0;

	while (*p && *p != ' ' && n + 1 < sizeof(cls))
		cls[n++] = *p++;
	cls[n] = '\0';
	if (strcasecmp(cls, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", cls);
		return;
	}
	while ((rc = next_kv(&p, key, sizeof(key), val, sizeof(val), &contains)) == 1) {
		const struct mdbus_tick *t = &ticks[ti];
		if (!strcmp(key, "n")) {
			want_n = (uint32_t)strtoul(val, NULL, 10);
			nseen = 1;
		} else if (!strcmp(key, "tick")) {
			ti = (uint32_t)strtoul(val, NULL, 10);
			if (ti >= out.n)
				FAILF("no tick %u", ti);
		} else if (!strcmp(key, "more")) {
			if (out.more != strtoul(val, NULL, 10))
				FAILF("more %u, expected %s", out.more, val);
		} else if (!strcmp(key, "reason")) {
			const char *r = out.reason ? out.reason : "";
			if (contains ? !strstr(r, val) : strcmp(r, val) != 0)
				FAILF("reason \"%s\", expected %s\"%s\"", r, contains ? "~" : "",
				      val);
		} else if (!strcmp(key, "sym")) {
			const char *s = out.sym < cur->nsyms ? cur->syms[out.sym].native : "-";
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
		} else if (!strcmp(key, "split")) {
			if (out.split != strtoul(val, NULL, 10))
				FAILF("split %u, expected %s", out.split, val);
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
	if (out.cls != FEED_MSG_DATA && !nseen)
		want_n = 0;
	if (out.n != want_n)
		FAILF("%u ticks, expected %u", out.n, want_n);
}

static void symstat(char *p)
{
	char name[32], key[32], val[64];
	uint32_t i;
	int contains;
	size_t n = strcspn(p, " ");

	snprintf(name, sizeof(name), "%.*s", (int)n, p);
	p += n;
	if (feed_venue_lookup(cur, name, strlen(name), &i) < 0) {
		FAILF("no symbol %s", name);
		return;
	}
	while (next_kv(&p, key, sizeof(key), val, sizeof(val), &contains) == 1) {
		unsigned long long want = strtoull(val, NULL, 10), got;
		if (!strcmp(key, "ticks"))
			got = cur->syms[i].ticks;
		else if (!strcmp(key, "errors"))
			got = cur->syms[i].errors;
		else if (!strcmp(key, "gaps"))
			got = cur->syms[i].gaps;
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

	if (!strcmp(d, "session spot")) {
		cur = &ctxs[0];
	} else if (!strcmp(d, "session perp")) {
		cur = &ctxs[1];
	} else if (!strcmp(d, "reset")) {
		feed_venue_ctx_reset(cur);
	} else if (!strncmp(d, "sub ", 4)) {
		rc = feed_venue_subscribe_next(cur, buf, sizeof(buf), &n);
		if (!strcmp(d + 4, "-")) {
			if (rc != 0)
				FAILF("subscribe gave %d, expected nothing more", rc);
		} else if (rc != 1 || n != strlen(d + 4) || memcmp(buf, d + 4, n) != 0) {
			FAILF("subscribe rc %d: %.*s", rc, (int)n, buf);
		}
	} else if (!strncmp(d, "ping ", 5)) {
		rc = feed_venue_ping(cur, buf, sizeof(buf), &n, 5);
		if (rc != 0 || n != strlen(d + 5) || memcmp(buf, d + 5, n) != 0)
			FAILF("ping rc %d: %.*s", rc, (int)n, buf);
	} else if (!strncmp(d, "subdone ", 8)) {
		if (feed_venue_sub_complete(cur) != (int)strtol(d + 8, NULL, 10))
			FAILF("sub_complete %d", feed_venue_sub_complete(cur));
	} else if (!strncmp(d, "acked ", 6)) {
		if (feed_venue_streams_acked(cur) != (uint32_t)strtol(d + 6, NULL, 10))
			FAILF("acked %u", feed_venue_streams_acked(cur));
	} else if (!strncmp(d, "rejected ", 9)) {
		if (feed_venue_streams_rejected(cur) != (uint32_t)strtol(d + 9, NULL, 10))
			FAILF("rejected %u", feed_venue_streams_rejected(cur));
	} else if (!strncmp(d, "dead ", 5)) {
		if (feed_venue_syms_dead(cur) != (uint32_t)strtol(d + 5, NULL, 10))
			FAILF("dead %u", feed_venue_syms_dead(cur));
	} else if (!strncmp(d, "symstat ", 8)) {
		symstat(d + 8);
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
			if (feed_venue_on_message(cur, copy, len, bin, RECV_TS, &out) != 0)
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

/* A session of n symbols; contract facts for perps (0.0001 per contract). */
static struct feed_session_config session(char (*syms)[MDBUS_SYMBOL_MAX], size_t n, int perp)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "gateio");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = 8;
	sc.qty_decimals = perp ? 0 : 10;
	sc.qty_unit = -1;
	if (perp) {
		sc.contract_size = 1;
		sc.contract_decimals = 4;
	}
	return sc;
}

static int ctx_open(struct feed_venue_ctx *v, char (*syms)[MDBUS_SYMBOL_MAX], size_t n, int perp)
{
	struct feed_session_config sc = session(syms, n, perp);
	char err[256];
	int rc = feed_venue_ctx_init(v, feed_venue_find("gateio"), &sc, err, sizeof(err));

	if (rc == 0)
		v->clock = fixed_clock;
	else
		fprintf(stderr, "ctx_init: %s\n", err);
	return rc;
}

/* One message through ctx v into the file's `out`. */
static void feed_msg(struct feed_venue_ctx *v, const char *m)
{
	CHECK_EQ_INT(feed_venue_on_message(v, (const uint8_t *)m, strlen(m), 0, RECV_TS, &out), 0);
}

/* The documented spot trade repeats "id_market": the scanner keeps the
 * last one (jsonscan.h), and the adapter's sequence check sees that one. */
static void test_duplicate_key(void)
{
	static const char m[] = "{\"id_market\":2390902,\"x\":1,\"id_market\":5736713}";
	static const struct feed_json_key k[1] = {FEED_JSON_KEY("id_market")};
	struct feed_json_val f;
	uint64_t u;

	CHECK_EQ_INT(feed_json_scan(m, sizeof(m) - 1, k, 1, &f), 1);
	CHECK_EQ_INT(feed_json_u64(&f, &u), 0);
	CHECK_EQ_INT(u, 5736713);
}

/* 150 pairs: channel-major requests of at most 100 pairs, the wall time in
 * seconds, ids in order; a small buffer gives more, smaller requests. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_split(void)
{
	static char syms[150][MDBUS_SYMBOL_MAX];
	static const struct feed_json_key keys[] = {
		FEED_JSON_KEY("time"), FEED_JSON_KEY("id"), FEED_JSON_KEY("channel"),
		FEED_JSON_KEY("event"), FEED_JSON_KEY("payload")};
	struct feed_venue_ctx v;
	struct feed_json_val f[5], k, e;
	struct feed_json_iter it;
	char buf[8192];
	size_t n, sizes[] = {sizeof(buf), 400};
	unsigned count, total, msgs;
	uint64_t u;
	int rc;

	for (int i = 0; i < 150; i++)
		snprintf(syms[i], sizeof(syms[i]), "C%d-USDT", i);
	for (unsigned si = 0; si < 2; si++) {
		CHECK_EQ_INT(ctx_open(&v, syms, 150, 0), 0);
		feed_venue_ctx_reset(&v);
		total = msgs = 0;
		while ((rc = feed_venue_subscribe_next(&v, buf, sizes[si], &n)) == 1) {
			CHECK(n < sizes[si]);
			CHECK_EQ_INT(feed_json_scan(buf, n, keys, 5, f), 5);
			CHECK_EQ_INT(feed_json_u64(&f[0], &u), 0);
			CHECK_EQ_INT(u, 1700000000);
			CHECK_EQ_INT(feed_json_u64(&f[1], &u), 0);
			CHECK_EQ_INT(u, msgs + 1);
			CHECK(feed_json_str_eq(&f[3], "subscribe", 9));
			CHECK(feed_json_str_eq(&f[2],
					       total < 150 ? "spot.trades" : "spot.book_ticker",
					       total < 150 ? 11 : 16));
			CHECK_EQ_INT(feed_json_iter_init(&it, f[4].p, f[4].n), 0);
			count = 0;
			while (feed_json_iter_next(&it, &k, &e) == 1) {
				char want[32];
				snprintf(want, sizeof(want), "C%u_USDT", (total + count) % 150);
				CHECK(feed_json_str_eq(&e, want, strlen(want)));
				count++;
			}
			CHECK(count >= 1 && count <= 100);
			/* a request never mixes channels */
			CHECK((total < 150) == (total + count <= 150));
			total += count;
			msgs++;
		}
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(total, 300);
		CHECK(si == 0 ? msgs == 4 : msgs > 4);
		feed_venue_ctx_free(&v);
	}
	/* too small for even one pair */
	CHECK_EQ_INT(ctx_open(&v, syms, 2, 0), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 90, &n), -ENOBUFS);
	feed_venue_ctx_free(&v);
}

/* A futures trades array of 40 (more than the 16-tick array): pieces with
 * out.more, every trade once, in order, nothing dropped; a bad item in the
 * middle is skipped and counted. */
static void test_batch(void)
{
	char m[8192];
	size_t o;
	uint32_t got = 0, pieces = 0;
	uint64_t errs0 = ctxs[1].syms[0].errors, errs1 = ctxs[1].syms[1].errors;
	uint8_t *copy;

	o = (size_t)snprintf(m, sizeof(m),
			     "{\"channel\":\"futures.trades\",\"event\":\"update\",\"time\":1,"
			     "\"time_ms\":1000,\"result\":[");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(
			m + o, sizeof(m) - o,
			"%s{\"size\":%s%d,\"id\":%d,\"create_time\":1,"
			"\"create_time_ms\":%lld,\"price\":\"%d.5\",\"contract\":\"%s\"}",
			i ? "," : "", i % 2 ? "-" : "", i == 20 ? 0 : i + 1, 1000 + i,
			1545136464000LL + i, 100 + i, i % 3 ? "BTC_USDT" : "ETH_USDT");
	o += (size_t)snprintf(m + o, sizeof(m) - o, "]}");
	copy = malloc(o);
	memcpy(copy, m, o);
	do {
		CHECK_EQ_INT(feed_venue_on_message(&ctxs[1], copy, o, 0, RECV_TS, &out), 0);
		CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
		for (uint32_t k = 0; k < out.n; k++, got++) {
			int i = (int)got + (got >= 20); /* trade 20 (size 0) is skipped */
			const struct mdbus_tick *t = &ticks[k];
			CHECK_EQ_INT(t->u.trade.trade_id, 1000 + i);
			CHECK_EQ_INT(t->u.trade.qty, i + 1);
			CHECK_EQ_INT(t->u.trade.price, (100 + i) * 100000000LL + 50000000);
			CHECK_EQ_INT(t->flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL),
				     i % 2 ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY);
			CHECK_EQ_INT(t->exch_ts, (1545136464000LL + i) * 1000000);
			CHECK_EQ_INT(t->instrument, i % 3 ? 200 : 201);
		}
		pieces++;
	} while (out.more && pieces < 10);
	CHECK_EQ_INT(got, 39);
	CHECK_EQ_INT(pieces, 3);
	CHECK_EQ_INT(ctxs[1].syms[1].errors, errs1);
	CHECK_EQ_INT(ctxs[1].syms[0].errors, errs0 + 1); /* trade 20 (BTC_USDT) */
	free(copy);
}

/* qty_unit = base: contracts x contract_size, exactly; not exact -> error. */
static void test_base_units(void)
{
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP"};
	struct feed_session_config sc = session(syms, 1, 1);
	struct feed_venue_ctx v;
	char err[256];

	sc.qty_unit = MDBUS_QTY_BASE;
	sc.qty_decimals = 4;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("gateio"), &sc, err, sizeof(err)), 0);
	v.syms[0].instrument = 300;
	feed_msg(&v, "{\"channel\":\"futures.trades\",\"event\":\"update\",\"result\":[{\"size\":-"
		     "108,\"id\":1,\"create_time_ms\":1545136464123,\"price\":\"96.4\","
		     "\"contract\":\"BTC_USDT\"}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(ticks[0].u.trade.qty, 108); /* 0.0108 BTC at 4 decimals */
	CHECK_EQ_INT(ticks[0].flags, MDBUS_FLAG_SELL);
	feed_msg(&v,
		 "{\"channel\":\"futures.book_ticker\",\"event\":\"update\",\"result\":{\"t\":1,"
		 "\"u\":\"5\",\"s\":\"BTC_USDT\",\"b\":\"1\",\"B\":37000,\"a\":\"2\",\"A\":3}}");
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(ticks[0].u.bbo.bid_qty, 37000);
	CHECK_EQ_INT(ticks[0].u.bbo.ask_qty, 3);
	feed_venue_ctx_free(&v);
	/* at 2 decimals, 3 contracts = 0.0003 BTC is not exact */
	sc.qty_decimals = 2;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("gateio"), &sc, err, sizeof(err)), 0);
	feed_msg(&v,
		 "{\"channel\":\"futures.trades\",\"event\":\"update\",\"result\":[{\"size\":3,"
		 "\"id\":1,\"create_time_ms\":1,\"price\":\"96.4\",\"contract\":\"BTC_USDT\"}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(out.reason && strstr(out.reason, "not exact in base units"));
	feed_venue_ctx_free(&v);
	/* contracts without a contract size are refused at set-up */
	sc.qty_unit = -1;
	sc.contract_size = 0;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("gateio"), &sc, err, sizeof(err)),
		     -EINVAL);
	CHECK_STR(err, "symbol 'BTC-USDT-PERP': quantities in contracts need contract_size");
}

/* Native names, instrument records, the endpoint of each market. */
static void test_symbols(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("gateio");
	struct mdbus_instrument ins;
	struct feed_config c;
	char nat[32], err[512];

	CHECK(ops != NULL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC_USDT");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC_USDT");
	CHECK_EQ_INT(ops->native_symbol("1000PEPE-USDT-PERP", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "1000PEPE_USDT");
	CHECK_EQ_INT(ops->native_symbol("BTC-USD-PERP", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-20261225", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("btc_usdt", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 8), -ENAMETOOLONG);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 9), 0);
	CHECK_STR(ops->market_url[MDBUS_MARKET_PERP], "wss://fx-ws.gateio.ws/v4/ws/usdt");
	CHECK_EQ_INT(feed_venue_ctx_instrument(&ctxs[1], 0, &ins), 0);
	CHECK_STR(ins.venue, "gateio");
	CHECK_STR(ins.symbol, "BTC-USDT-PERP");
	CHECK_STR(ins.native, "BTC_USDT");
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_PERP);
	CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_CONTRACTS);
	CHECK_EQ_INT(ins.contract_size, 1);
	CHECK_EQ_INT(ins.contract_decimals, 4);
	/* spot and perp live on different hosts: one session cannot mix them */
	CHECK_EQ_INT(feed_config_load_string("[session g]\nvenue = gateio\n"
					     "symbols = BTC-USDT, BTC-USDT-PERP\n"
					     "contract_size = 0.0001\n",
					     "g.ini", &c, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "g.ini:3: venue gateio serves BTC-USDT and BTC-USDT-PERP on different "
			  "endpoints (wss://api.gateio.ws/ws/v4/, "
			  "wss://fx-ws.gateio.ws/v4/ws/usdt)") == err);
	feed_config_free(&c);
	CHECK_EQ_INT(feed_config_load_string("[session g]\nvenue = gateio\n"
					     "symbols = BTC-USDT-PERP, ETH-USDT-PERP\n"
					     "contract_size = 0.0001\n",
					     "g.ini", &c, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), 0);
	CHECK_STR(c.sessions[0].url.host, "fx-ws.gateio.ws");
	CHECK_STR(c.sessions[0].url.path, "/v4/ws/usdt");
	feed_config_free(&c);
}

/* Seeded random mutations of good messages through the whole adapter
 * (exact-size copies: an over-read is an ASan error). Whatever the bytes,
 * DATA carries ticks of known instruments only and every ERROR a reason. */
static void test_mutations(void)
{
	static const char *const good[] = {
		"{\"time\":1,\"channel\":\"spot.trades\",\"event\":\"update\",\"result\":{\"id\":3,"
		"\"id_market\":2,\"create_time_ms\":\"1606292218213.4578\",\"side\":\"sell\","
		"\"currency_pair\":\"GT_USDT\",\"amount\":\"16.47\",\"price\":\"0.4705\"}}",
		"{\"time\":1,\"channel\":\"spot.book_ticker\",\"event\":\"update\",\"result\":{"
		"\"t\":1,"
		"\"u\":4,\"s\":\"BTC_USDT\",\"b\":\"1.5\",\"B\":\"2\",\"a\":\"3\",\"A\":\"4\"}}",
		"{\"time\":1,\"channel\":\"futures.trades\",\"event\":\"update\",\"result\":[{"
		"\"size\":"
		"-10,\"id\":1,\"create_time_ms\":5,\"price\":\"9.4\",\"contract\":\"BTC_USDT\"},{"
		"\"size\":2,\"id\":2,\"create_time_ms\":6,\"price\":\"9\",\"contract\":\"ETH_"
		"USDT\"}]}",
		"{\"time\":1,\"channel\":\"futures.book_ticker\",\"event\":\"update\",\"result\":{"
		"\"t\":1,\"u\":\"7\",\"s\":\"ETH_USDT\",\"b\":\"\",\"B\":0,\"a\":\"3\",\"A\":4}}",
		"{\"time\":1,\"channel\":\"spot.trades\",\"event\":\"subscribe\",\"id\":1,"
		"\"error\":{"
		"\"code\":2,\"message\":\"bad \\u00e9\"},\"result\":null}",
	};
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.eEtrufalsnBTC_USD\x01\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int data = 0;

	for (int round = 0; round < 20000; round++) {
		int gi = round % 5;
		struct feed_venue_ctx *v = &ctxs[gi == 2 || gi == 3];
		size_t n = strlen(good[gi]), k;
		uint8_t *buf = malloc(n);

		memcpy(buf, good[gi], n);
		for (k = 0; k < 2; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % n] = (uint8_t)alphabet[(x >> 40) % (sizeof(alphabet) - 1)];
		}
		if (round % 5 == 0)
			n = (size_t)(x >> 20) % n;
		do {
			if (feed_venue_on_message(v, buf, n, 0, RECV_TS, &out) != 0)
				feed_test_failures++;
			if (out.cls == FEED_MSG_DATA) {
				data++;
				for (uint32_t t = 0; t < out.n; t++)
					if (ticks[t].instrument < 100 ||
					    (ticks[t].instrument > 102 &&
					     ticks[t].instrument < 200) ||
					    ticks[t].instrument > 201)
						feed_test_failures++;
			}
			if (out.cls == FEED_MSG_ERROR && (!out.reason || !out.reason[0]))
				feed_test_failures++;
		} while (out.more);
		free(buf);
	}
	CHECK(data > 0);
}

/* Without a fixed clock the request carries the real time (CLOCK_REALTIME),
 * in seconds: within a minute of time(). */
static void test_wall_clock(void)
{
	static const struct feed_json_key keys[1] = {FEED_JSON_KEY("time")};
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"};
	struct feed_venue_ctx v;
	struct feed_json_val f;
	char buf[512];
	uint64_t t;
	size_t n;
	long long now;

	CHECK_EQ_INT(ctx_open(&v, syms, 1, 0), 0);
	v.clock = NULL;
	feed_venue_ctx_reset(&v);
	now = (long long)time(NULL);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(buf), &n), 1);
	CHECK_EQ_INT(feed_json_scan(buf, n, keys, 1, &f), 1);
	CHECK_EQ_INT(feed_json_u64(&f, &t), 0);
	CHECK((long long)t >= now - 60 && (long long)t <= now + 60);
	CHECK_EQ_INT(v.wall_ns / 1000000000, (int64_t)t);
	feed_venue_ctx_free(&v);
}

int main(int argc, char **argv)
{
	char spot[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT", "GT-USDT"};
	char perp[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP", "ETH-USDT-PERP"};
	int msgs;

	if (argc < 2) {
		fprintf(stderr, "usage: test_gateio data/gateio.txt\n");
		return 1;
	}
	CHECK_EQ_INT(ctx_open(&ctxs[0], spot, 3, 0), 0);
	CHECK_EQ_INT(ctx_open(&ctxs[1], perp, 2, 1), 0);
	for (uint32_t i = 0; i < 3; i++)
		ctxs[0].syms[i].instrument = 100 + i;
	for (uint32_t i = 0; i < 2; i++)
		ctxs[1].syms[i].instrument = 200 + i;
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;

	msgs = run_script(argv[1]);
	CHECK(msgs >= 50); /* the script really ran */
	CHECK_EQ_INT(ctxs[0].st.msgs + ctxs[1].st.msgs, (uint64_t)msgs);
	test_duplicate_key();
	test_split();
	test_wall_clock();
	test_batch();
	test_base_units();
	test_symbols();
	test_mutations();
	feed_venue_ctx_free(&ctxs[0]);
	feed_venue_ctx_free(&ctxs[1]);
	return feed_test_done("test_gateio");
}
