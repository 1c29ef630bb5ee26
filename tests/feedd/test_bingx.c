/* SPDX-License-Identifier: MIT */
/*
 * test_bingx.c: the BingX adapter driven by a script of messages and
 * expected results (data/bingx.txt, argv[1]; format in its header). Every
 * server frame of BingX is gzip: the script's Z> lines are compressed here
 * (zlib) and fed as binary frames through the decode stage; T>/C> feed
 * corrupt gzip. Plus: a swap trade batch larger than the tick array,
 * subscribe requests, the endpoint check (spot and swap hosts differ), set-up
 * errors and random mutations. The spot and swap contexts share one decoder
 * (scratch and inflate state) as feedd's connections do.
 */
#include <errno.h>
#include <stdint.h>
#define ZLIB_CONST
#include <zlib.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "jsonscan.h"
#include "venue.h"

#define RECV_TS 777

static struct feed_venue_ctx spot, perp, *ctx = &spot;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "bingx.txt:%d: ", lineno);                                         \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

/* gzip of p[0..n) into z (a gzip header and trailer: windowBits 31). */
static size_t gz(const void *p, size_t n, uint8_t *z, size_t zlen)
{
	z_stream zs;
	size_t k;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	zs.next_in = p;
	zs.avail_in = (uInt)n;
	zs.next_out = z;
	zs.avail_out = (uInt)zlen;
	k = deflate(&zs, Z_FINISH) == Z_STREAM_END ? zlen - zs.avail_out : 0;
	deflateEnd(&zs);
	return k;
}

/* Next "key=value" token; value may be "quoted" with \" escapes. */

/* One key of an expectation about the answer (not a tick field). Returns
 * 1 if it was one. */
static int check_out_key(const char *key, const char *val, int contains)
{
	if (!strcmp(key, "reason")) {
		const char *r = out.reason ? out.reason : "";
		if (contains ? !strstr(r, val) : strcmp(r, val) != 0)
			FAILF("reason \"%s\", expected %s\"%s\"", r, contains ? "~" : "", val);
	} else if (!strcmp(key, "reply")) {
		if (!out.reply || out.reply_len != strlen(val) ||
		    memcmp(out.reply, val, out.reply_len) != 0)
			FAILF("reply \"%.*s\", expected \"%s\"", (int)out.reply_len,
			      out.reply ? out.reply : "", val);
	} else if (!strcmp(key, "sym")) {
		const char *s = out.sym < ctx->nsyms ? ctx->syms[out.sym].native : "-";
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
	} else if (!strcmp(key, "n")) {
		if (out.n != strtoul(val, NULL, 10))
			FAILF("%u ticks, expected %s", out.n, val);
	} else {
		return 0;
	}
	return 1;
}

/* "= CLASS k=v ...": tick keys apply to tick i (i=K selects it, 0 first). */
static void check_expect(char *line)
{
	char cls[32], key[32], val[256], fb[32];
	char *p = line;
	size_t n = 0;
	unsigned ti = 0;
	int contains, ok, rc, want_n = 0;

	while (*p && *p != ' ' && n + 1 < sizeof(cls))
		cls[n++] = *p++;
	cls[n] = '\0';
	if (strcasecmp(cls, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", cls);
		return;
	}
	if (out.cls != FEED_MSG_DATA && out.n != 0)
		FAILF("%u ticks on a non-data message", out.n);
	while ((rc = next_kv(&p, key, sizeof(key), val, sizeof(val), &contains)) == 1) {
		const struct mdbus_tick *t = &ticks[ti];
		want_n |= !strcmp(key, "n");
		if (check_out_key(key, val, contains))
			continue;
		if (!strcmp(key, "i")) {
			ti = (unsigned)strtoul(val, NULL, 10);
			if (ti >= out.n) {
				FAILF("no tick %u", ti);
				return;
			}
		} else if (!strcmp(key, "kind")) {
			if (strcmp(mdbus_kind_name(t->kind) ? mdbus_kind_name(t->kind) : "?",
				   val) != 0)
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
	if (rc < 0)
		FAILF("bad expectation syntax");
	if (out.cls == FEED_MSG_DATA && !want_n && out.n != 1)
		FAILF("%u ticks, expected 1", out.n);
}

static void directive_symstat(char *p)
{
	char name[32], key[32], val[64];
	size_t n = strcspn(p, " ");
	uint32_t i;
	int contains;

	snprintf(name, sizeof(name), "%.*s", (int)n, p);
	p += n;
	if (feed_venue_lookup(ctx, name, strlen(name), &i) < 0) {
		FAILF("no symbol %s", name);
		return;
	}
	while (next_kv(&p, key, sizeof(key), val, sizeof(val), &contains) == 1) {
		unsigned long long want = strtoull(val, NULL, 10), got;
		if (!strcmp(key, "ticks"))
			got = ctx->syms[i].ticks;
		else if (!strcmp(key, "errors"))
			got = ctx->syms[i].errors;
		else if (!strcmp(key, "gaps"))
			got = ctx->syms[i].gaps;
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
		ctx = &spot;
	} else if (!strcmp(d, "session perp")) {
		ctx = &perp;
	} else if (!strcmp(d, "reset")) {
		feed_venue_ctx_reset(ctx);
	} else if (!strncmp(d, "sub ", 4)) {
		rc = feed_venue_subscribe_next(ctx, buf, sizeof(buf), &n);
		if (!strcmp(d + 4, "-")) {
			if (rc != 0)
				FAILF("subscribe gave %d, expected nothing more", rc);
		} else if (rc != 1 || n != strlen(d + 4) || memcmp(buf, d + 4, n) != 0) {
			FAILF("subscribe rc %d: %.*s", rc, (int)n, buf);
		}
	} else if (!strncmp(d, "subdone ", 8)) {
		if (feed_venue_sub_complete(ctx) != (int)strtol(d + 8, NULL, 10))
			FAILF("sub_complete %d", feed_venue_sub_complete(ctx));
	} else if (!strncmp(d, "acked ", 6)) {
		if (feed_venue_streams_acked(ctx) != (uint32_t)strtol(d + 6, NULL, 10))
			FAILF("acked %u", feed_venue_streams_acked(ctx));
	} else if (!strncmp(d, "rejected ", 9)) {
		if (feed_venue_streams_rejected(ctx) != (uint32_t)strtol(d + 9, NULL, 10))
			FAILF("rejected %u", feed_venue_streams_rejected(ctx));
	} else if (!strncmp(d, "dead ", 5)) {
		if (feed_venue_syms_dead(ctx) != (uint32_t)strtol(d + 5, NULL, 10))
			FAILF("dead %u", feed_venue_syms_dead(ctx));
	} else if (!strncmp(d, "decode_errors ", 14)) {
		if (ctx->st.decode_errors != strtoull(d + 14, NULL, 10))
			FAILF("decode_errors %llu", (unsigned long long)ctx->st.decode_errors);
	} else if (!strncmp(d, "symstat ", 8)) {
		directive_symstat(d + 8);
	} else {
		FAILF("unknown directive %s", d);
	}
}

/* One script message: kind '>' text, 'Z' gzip, 'T' truncated gzip, 'C'
 * gzip with a bad CRC, 'B' the bytes as a binary frame. */
static void feed_line(char kind, const char *m)
{
	size_t len = strlen(m), zn;
	uint8_t z[8192], *copy;
	int bin = kind != '>';

	if (kind == 'Z' || kind == 'T' || kind == 'C') {
		zn = gz(m, len, z, sizeof(z));
		if (zn < 20) {
			FAILF("gzip failed");
			return;
		}
		if (kind == 'T')
			zn -= 8; /* the trailer (CRC, length) is missing */
		else if (kind == 'C')
			z[zn - 8] ^= 0x55; /* CRC-32 of the data no longer matches */
		m = (const char *)z;
		len = zn;
	}
	/* Exactly-sized copy: an over-read is an ASan error. */
	copy = malloc(len ? len : 1);
	memcpy(copy, m, len);
	if (feed_venue_on_message(ctx, copy, len, bin, RECV_TS, &out) != 0)
		FAILF("on_message failed");
	free(copy);
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
		} else if (line[0] == '>' || (line[1] == '>' && strchr("ZTCB", line[0]))) {
			const char *m = line[0] == '>' ? line + 1 : line + 2;
			if (*m == ' ')
				m++;
			feed_line(line[0], m);
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
	snprintf(sc.venue, sizeof(sc.venue), "bingx");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1; /* venue defaults: 8/8 */
	sc.qty_decimals = -1;
	sc.qty_unit = -1;
	return sc;
}

/* A swap push of 40 trades (more than the 16-tick array): three calls,
 * every trade once, in order. */
static void test_batch(void)
{
	static char msg[8192];
	uint8_t z[8192];
	size_t o = 0, zn;
	unsigned got = 0, calls = 0;

	o += (size_t)snprintf(msg + o, sizeof(msg) - o,
			      "{\"code\":0,\"dataType\":\"ETH-USDT@trade\",\"data\":[");
	for (unsigned k = 0; k < 40; k++)
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
				      "%s{\"q\":\"0.%04u\",\"p\":\"3000.%u\",\"T\":%u,\"m\":%s,"
				      "\"s\":\"ETH-USDT\"}",
				      k ? "," : "", k + 1, k % 10, 1700000000 + k,
				      k % 2 ? "true" : "false");
	o += (size_t)snprintf(msg + o, sizeof(msg) - o, "]}");
	zn = gz(msg, o, z, sizeof(z));
	CHECK(zn > 0);
	do {
		CHECK_EQ_INT(feed_venue_on_message(&perp, z, zn, 1, RECV_TS, &out), 0);
		CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
		for (unsigned k = 0; k < out.n; k++, got++) {
			CHECK_EQ_INT(ticks[k].u.trade.qty, (got + 1) * 10000);
			CHECK_EQ_INT(ticks[k].u.trade.price,
				     300000000000 + (int64_t)(got % 10) * 10000000);
			CHECK_EQ_INT(ticks[k].exch_ts, (1700000000LL + got) * 1000000);
			CHECK_EQ_INT(ticks[k].flags, got % 2 ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY);
			CHECK_EQ_INT(ticks[k].u.trade.trade_id, 0); /* swap trades have no id */
			CHECK_EQ_INT(ticks[k].instrument, 201);
		}
		calls++;
	} while (out.more && calls < 10);
	CHECK_EQ_INT(got, 40);
	CHECK_EQ_INT(calls, 3);
	CHECK_EQ_INT(perp.cur.active, 0);
	/* the next message starts afresh */
	CHECK_EQ_INT(feed_venue_on_message(&perp, (const uint8_t *)"Ping", 4, 0, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_REPLY);
}

/* Batches at the edges: exactly two tick arrays' worth, and a bad element
 * after a full array. */
static void test_batch_edges(void)
{
	static char msg[8192];
	uint8_t z[8192];
	size_t o, zn;
	unsigned got, calls;

	/* exactly two arrays' worth: two calls, no empty third piece */
	o = (size_t)snprintf(msg, sizeof(msg),
			     "{\"code\":0,\"dataType\":\"ETH-USDT@trade\",\"data\":[");
	for (unsigned k = 0; k < 2 * FEED_VENUE_TICKS_MIN; k++)
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
				      "%s{\"q\":\"1\",\"p\":\"2\",\"T\":1,\"m\":true}",
				      k ? "," : "");
	o += (size_t)snprintf(msg + o, sizeof(msg) - o, "]}");
	zn = gz(msg, o, z, sizeof(z));
	got = calls = 0;
	do {
		CHECK_EQ_INT(feed_venue_on_message(&perp, z, zn, 1, RECV_TS, &out), 0);
		CHECK_EQ_INT(out.n, FEED_VENUE_TICKS_MIN);
		got += out.n;
	} while (out.more && ++calls < 10);
	CHECK_EQ_INT(got, 2 * FEED_VENUE_TICKS_MIN);
	CHECK_EQ_INT(calls, 1);

	/* a bad element after a full array's worth: the piece is an ERROR */
	o = (size_t)snprintf(msg, sizeof(msg),
			     "{\"code\":0,\"dataType\":\"ETH-USDT@trade\",\"data\":[");
	for (unsigned k = 0; k < 20; k++)
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
				      "%s{\"q\":\"1\",\"p\":\"%s\",\"T\":1,\"m\":true}",
				      k ? "," : "", k == 18 ? "x" : "2");
	o += (size_t)snprintf(msg + o, sizeof(msg) - o, "]}");
	zn = gz(msg, o, z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(&perp, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(out.n, 16);
	CHECK_EQ_INT(out.more, 1);
	CHECK_EQ_INT(feed_venue_on_message(&perp, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK_EQ_INT(out.n, 0);
	CHECK_EQ_INT(out.more, 0);
}

/* Requests: one stream each, ids as strings, the symbols' native names;
 * 100 symbols x 2 = 200 streams fit one connection, 101 do not. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_setup(void)
{
	static char syms[101][MDBUS_SYMBOL_MAX];
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("id"), FEED_JSON_KEY("reqType"),
						    FEED_JSON_KEY("dataType")};
	const struct feed_venue_ops *ops = feed_venue_find("bingx");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	struct feed_json_val f[3];
	struct mdbus_instrument ins;
	char buf[256], err[256], want[64], nat[32];
	size_t n;
	unsigned msgs = 0;
	int rc;

	CHECK(ops != NULL);
	for (int i = 0; i < 101; i++)
		snprintf(syms[i], sizeof(syms[i]), "C%d-USDT-PERP", i);
	sc = session(syms, 100);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	while ((rc = feed_venue_subscribe_next(&v, buf, sizeof(buf), &n)) == 1) {
		uint64_t id;
		CHECK_EQ_INT(feed_json_scan(buf, n, keys, 3, f), 3);
		CHECK_EQ_INT(f[0].type, FEED_JSON_STRING); /* the documents' id is a String */
		CHECK_EQ_INT(feed_json_u64(&f[0], &id), 0);
		CHECK_EQ_INT(id, msgs + 1);
		CHECK(feed_json_str_eq(&f[1], "sub", 3));
		snprintf(want, sizeof(want), "C%u-USDT@%s", msgs / 2,
			 msgs % 2 ? "bookTicker" : "trade");
		CHECK(feed_json_str_eq(&f[2], want, strlen(want)));
		msgs++;
	}
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(msgs, 200);
	feed_venue_ctx_free(&v);
	/* a buffer too small for one request */
	sc = session(syms, 1);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 40, &n), -ENOBUFS);
	feed_venue_ctx_free(&v);
	sc = session(syms, 101);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -E2BIG);
	CHECK_STR(err, "202 streams exceed bingx's limit of 200 per connection");
	snprintf(syms[0], sizeof(syms[0]), "BTC-USDT-20261225");
	sc = session(syms, 1);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "venue bingx has no dated futures market (symbol 'BTC-USDT-20261225')");
	sc = session(syms, 1);
	sc.channels = FEED_CH_L2;
	snprintf(syms[0], sizeof(syms[0]), "BTC-USDT");
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_free(&v);

	/* native names: the same on both markets */
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC-USDT");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC-USDT");
	CHECK_EQ_INT(ops->native_symbol("1000PEPE-USDT-PERP", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "1000PEPE-USDT");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-20261225", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("btc-usdt", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, 8), -ENAMETOOLONG);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, 9), 0);
	CHECK_STR(ops->market_url[MDBUS_MARKET_PERP], "wss://open-api-swap.bingx.com/swap-market");

	/* instrument records */
	CHECK_EQ_INT(feed_venue_ctx_instrument(&perp, 0, &ins), 0);
	CHECK_STR(ins.venue, "bingx");
	CHECK_STR(ins.symbol, "BTC-USDT-PERP");
	CHECK_STR(ins.native, "BTC-USDT");
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_PERP);
	CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_BASE);
	CHECK_EQ_INT(feed_venue_ctx_instrument(&spot, 2, &ins), 0);
	CHECK_STR(ins.symbol, "SOL-USDT");
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_SPOT);
}

static int load_checked(const char *text, struct feed_config *c, char *err, size_t errlen)
{
	int rc = feed_config_load_string(text, "t.ini", c, err, errlen);

	return rc < 0 ? rc : feed_venue_check(c, err, errlen);
}

/* Spot and swap live on different hosts: one session cannot hold both;
 * each alone gets its own endpoint. */
static void test_endpoints(void)
{
	struct feed_config c;
	char err[512];

	CHECK_EQ_INT(load_checked("[session a]\nvenue = bingx\nsymbols = BTC-USDT, BTC-USDT-PERP\n",
				  &c, err, sizeof(err)),
		     -EINVAL);
	CHECK(strstr(err, "venue bingx serves BTC-USDT and BTC-USDT-PERP on different "
			  "endpoints (wss://open-api-ws.bingx.com/market, "
			  "wss://open-api-swap.bingx.com/swap-market)") != NULL);
	feed_config_free(&c);
	CHECK_EQ_INT(load_checked("[session a]\nvenue = bingx\nsymbols = BTC-USDT, ETH-USDT\n", &c,
				  err, sizeof(err)),
		     0);
	CHECK_STR(c.sessions[0].url.host, "open-api-ws.bingx.com");
	CHECK_STR(c.sessions[0].url.path, "/market");
	feed_config_free(&c);
	CHECK_EQ_INT(load_checked("[session a]\nvenue = bingx\nsymbols = BTC-USDT-PERP, "
				  "ETH-USDT-PERP\n",
				  &c, err, sizeof(err)),
		     0);
	CHECK_STR(c.sessions[0].url.host, "open-api-swap.bingx.com");
	CHECK_STR(c.sessions[0].url.path, "/swap-market");
	feed_config_free(&c);
	CHECK_EQ_INT(load_checked("[session a]\nvenue = bingx\nsymbols = BTC-USD-20261225\n", &c,
				  err, sizeof(err)),
		     -EINVAL);
	feed_config_free(&c);
	/* BingX has a REST fallback (spot): the key is taken. */
	CHECK_EQ_INT(load_checked("[session a]\nvenue = bingx\nsymbols = BTC-USDT\n"
				  "rest_fallback_after = 5s\n",
				  &c, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(c.sessions[0].rest_fallback_after_ms, 5000);
	feed_config_free(&c);
}

/* Seeded random mutations of good messages, gzip'd or as text: whatever
 * the bytes, a DATA result carries ticks of known instruments only, and
 * every ERROR has a reason. */
static void test_mutations(void)
{
	static const char *const good[] = {
		"{\"data\":{\"E\":1649832413551,\"T\":1649832413512,\"e\":\"trade\",\"p\":"
		"\"40125.48\",\"q\":\"0.007146\",\"s\":\"BTC-USDT\",\"t\":\"33685717\",\"m\":true},"
		"\"dataType\":\"BTC-USDT@trade\"}",
		"{\"code\":0,\"dataType\":\"ETH-USDT@bookTicker\",\"data\":{\"s\":\"ETH-USDT\","
		"\"b\":\"1.5\",\"B\":\"2\",\"a\":\"3\",\"A\":\"4\",\"T\":1}}",
		"{\"id\":\"1\",\"code\":100400,\"msg\":\"bad \\u00e9\"}",
		"{\"ping\":\"2177c68e4d0e45679965f482929b59c2\",\"time\":\"2022-06-07T16:27:36.323+"
		"0800\"}",
		"{\"code\":0,\"dataType\":\"SOL-USDT@trade\",\"data\":[{\"q\":\"1\",\"p\":\"2\","
		"\"T\":3,\"m\":false,\"s\":\"SOL-USDT\"},{\"q\":\"1\",\"p\":\"2\",\"T\":3,\"m\":"
		"true}]}",
	};
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.eEtrufalsnBTCUSD@\x01\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t z[1024];
	int round, data = 0;

	ctx = &spot;
	for (round = 0; round < 20000; round++) {
		const char *src = good[round % 5];
		size_t n = strlen(src), k, zn;
		uint8_t *buf = malloc(n);

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
			if (round & 1) {
				zn = gz(buf, n, z, sizeof(z));
				if (round % 7 == 0 && zn > 4)
					z[(x >> 8) % zn] ^= (uint8_t)(x >> 32 | 1); /* corrupt */
				if (feed_venue_on_message(&spot, z, zn, 1, RECV_TS, &out) != 0)
					feed_test_failures++;
			} else if (feed_venue_on_message(&spot, buf, n, 0, RECV_TS, &out) != 0) {
				feed_test_failures++;
			}
			if (out.cls == FEED_MSG_DATA) {
				data++;
				for (unsigned t = 0; t < out.n; t++)
					if (ticks[t].instrument < 100 || ticks[t].instrument > 102)
						feed_test_failures++;
			}
			if (out.cls == FEED_MSG_ERROR && (!out.reason || !out.reason[0]))
				feed_test_failures++;
		} while (out.more);
		free(buf);
	}
	CHECK(data > 0);
}

/* A decoder smaller than a context's scratch is not adopted: the context
 * keeps its own buffers and still decodes. */
static void test_decoder_small(void)
{
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"};
	struct feed_session_config sc = session(syms, 1);
	struct feed_venue_decoder small = {.scratch = malloc(64), .size = 64};
	struct feed_venue_ctx v;
	uint8_t z[256];
	const uint8_t *o;
	size_t on, zn = gz("{\"ping\":1}", 10, z, sizeof(z));
	char err[256];

	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("bingx"), &sc, err, sizeof(err)), 0);
	uint8_t *own = v.scratch;
	feed_venue_decoder_adopt(&small, &v);
	CHECK(v.dec == NULL && v.scratch == own && small.zs == NULL);
	CHECK_EQ_INT(feed_venue_gunzip(&v, z, zn, &o, &on), 0);
	CHECK(on == 10 && memcmp(o, "{\"ping\":1}", 10) == 0 && o == own);
	feed_venue_ctx_free(&v);
	feed_venue_decoder_free(&small);
	CHECK(small.scratch == NULL && small.size == 0);
}

/* ---- depth (l2) --------------------------------------------------------------------- */

static int depth_msg(struct feed_venue_ctx *v, const char *m)
{
	return feed_venue_on_message(v, (const uint8_t *)m, strlen(m), 0, 5, &out);
}

/* Subscribe text per book_depth: the smallest documented level holding it. */
static void test_depth_subscribe(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("bingx");
	static const unsigned depth[] = {1, 5, 6, 20, 21, 50, 100, 400};
	static const char *const want[] = {"depth5",  "depth5",	 "depth10",  "depth20",
					   "depth50", "depth50", "depth100", "depth100"};
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"}, err[256], buf[256], exp[256];
	struct feed_session_config sc = session(syms, 1);
	struct feed_venue_ctx v;
	size_t n;

	sc.channels = FEED_CH_L2;
	for (size_t k = 0; k < sizeof(depth) / sizeof(depth[0]); k++) {
		sc.book_depth = depth[k];
		memset(&v, 0, sizeof(v));
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
		feed_venue_ctx_reset(&v);
		CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(buf), &n), 1);
		snprintf(exp, sizeof(exp),
			 "{\"id\":\"%llu\",\"reqType\":\"sub\",\"dataType\":\"BTC-USDT@%s\"}",
			 (unsigned long long)v.reqs[0].id, want[k]);
		CHECK_STR(buf, exp);
		feed_venue_ctx_free(&v);
	}
}

/* Bad depth pushes: counted errors, never a book; too many levels. */
static void test_depth_bad(struct feed_venue_ctx *vp)
{
	static const char *const bad[] = {
		"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"bids\":[[\"x\",\"1\"]]}"
		"}",
		"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"bids\":[[\"1\"]]}}",
		"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"bids\":{}}}",
		"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"asks\":[[\"1\",\"-2\"]]}"
		"}",
		"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"asks\":[7]}}",
		"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":[1]}",
		"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"bids\":[],\"T\":\"x\"}}",
		"{\"code\":1,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"bids\":[]}}",
		"{\"code\":0,\"dataType\":\"XRP-USDT@depth20\",\"data\":{\"bids\":[]}}",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		CHECK_EQ_INT(depth_msg(vp, bad[k]), 0);
		CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
		CHECK(out.reason != NULL);
	}
	/* Not a depth channel: depth without a level, depthx. */
	CHECK_EQ_INT(depth_msg(vp, "{\"code\":0,\"dataType\":\"BTC-USDT@depth\",\"data\":{}}"), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_UNKNOWN);
	CHECK_EQ_INT(depth_msg(vp, "{\"code\":0,\"dataType\":\"BTC-USDT@depth5x\",\"data\":{}}"),
		     0);
	CHECK_EQ_INT(out.cls, FEED_MSG_UNKNOWN);
	vp->lv_cap = 2;
	CHECK_EQ_INT(depth_msg(vp,
			       "{\"code\":0,\"dataType\":\"BTC-USDT@depth5\",\"data\":{\"bids\":"
			       "[[\"1\",\"1\"],[\"2\",\"1\"]],\"asks\":[[\"3\",\"1\"]]}}"),
		     0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "more than 2") != NULL);
}

/* The documented push: a whole top-N book each time (SNAPSHOT events). */
static void test_depth(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("bingx");
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"}, err[256];
	struct feed_session_config sc = session(syms, 2);
	const struct feed_book_ev *ev;
	struct feed_venue_ctx v;

	CHECK_EQ_INT(ops->book.sync, FEED_SYNC_WS_FULL);
	CHECK(ops->book.rest_snapshot == NULL && ops->book.checksum == NULL);
	sc.channels = FEED_CH_L2;
	memset(&v, 0, sizeof(v));
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK_EQ_INT(depth_msg(&v,
			       "{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"bids\":"
			       "[[\"28852.9\",\"34.2621\"],[\"28850.1\",\"0.5\"]],\"asks\":[["
			       "\"28864.9\",\"23.4079\"]]},\"success\":true}"),
		     0);
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	ev = out.book;
	CHECK(ev == &v.book);
	CHECK_EQ_INT(out.sym, 0);
	CHECK_EQ_INT(ev->sym, 0);
	CHECK_EQ_INT(ev->kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(ev->nbids, 2);
	CHECK_EQ_INT(ev->nasks, 1);
	CHECK_EQ_INT(ev->bids[0].px, 2885290000000);
	CHECK_EQ_INT(ev->bids[0].qty, 3426210000);
	CHECK_EQ_INT(ev->bids[0].px_dp, 1);
	CHECK_EQ_INT(ev->bids[0].qty_dp, 4);
	CHECK_EQ_INT(ev->bids[1].px, 2885010000000);
	CHECK_EQ_INT(ev->asks[0].px, 2886490000000);
	CHECK_EQ_INT(ev->asks[0].qty, 2340790000);
	CHECK_EQ_INT(ev->exch_ts, 0);
	CHECK_EQ_INT(ev->recv_ts, 5);
	/* The older {"p","v"} form (bare numbers), the swap's dataType with an
	 * interval, and a time. */
	CHECK_EQ_INT(depth_msg(&v, "{\"code\":0,\"dataType\":\"ETH-USDT@depth5@100ms\",\"data\":{"
				   "\"asks\":[{\"p\":5319.94,\"v\":0.05483456}],\"bids\":[],\"T\":"
				   "1649832413512}}"),
		     0);
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	ev = out.book;
	CHECK_EQ_INT(ev->sym, 1);
	CHECK_EQ_INT(ev->nbids, 0);
	CHECK_EQ_INT(ev->nasks, 1);
	CHECK_EQ_INT(ev->asks[0].px, 531994000000);
	CHECK_EQ_INT(ev->asks[0].qty, 5483456);
	CHECK_EQ_INT(ev->asks[0].qty_dp, 8);
	CHECK_EQ_INT(ev->exch_ts, 1649832413512000000LL);
	test_depth_bad(&v);
	feed_venue_ctx_free(&v);
	test_depth_subscribe();
}

int main(int argc, char **argv)
{
	char ssyms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT", "SOL-USDT"};
	char psyms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP", "ETH-USDT-PERP"};
	struct feed_session_config sc = session(ssyms, 3);
	const struct feed_venue_ops *ops = feed_venue_find("bingx");
	char err[256];
	int msgs;

	if (argc < 2 || !ops) {
		fprintf(stderr, "usage: test_bingx data/bingx.txt\n");
		return 1;
	}
	CHECK_EQ_INT(feed_venue_ctx_init(&spot, ops, &sc, err, sizeof(err)), 0);
	sc = session(psyms, 2);
	CHECK_EQ_INT(feed_venue_ctx_init(&perp, ops, &sc, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < spot.nsyms; i++)
		spot.syms[i].instrument = 100 + i;
	for (uint32_t i = 0; i < perp.nsyms; i++)
		perp.syms[i].instrument = 200 + i;
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;

	/* As feedd: both contexts decode into one scratch and inflate state. */
	struct feed_venue_decoder dec = {0};
	feed_venue_decoder_adopt(&dec, &spot);
	feed_venue_decoder_adopt(&dec, &perp);
	CHECK(dec.scratch && spot.scratch == dec.scratch && perp.scratch == dec.scratch);
	CHECK(dec.zs && spot.zs == dec.zs && perp.zs == dec.zs);
	CHECK(spot.dec == &dec && perp.dec == &dec);
	test_decoder_small();
	msgs = run_script(argv[1]);
	CHECK(msgs >= 60); /* the script really ran */
	CHECK_EQ_INT(spot.st.msgs + perp.st.msgs, (uint64_t)msgs);
	CHECK(spot.st.decode_errors >= 3);
	test_batch();
	test_batch_edges();
	test_setup();
	test_depth();
	test_endpoints();
	test_mutations();
	feed_venue_ctx_free(&spot);
	feed_venue_ctx_free(&perp);
	feed_venue_decoder_free(&dec); /* after its contexts: ASan and memcheck see both */
	return feed_test_done("test_bingx");
}
