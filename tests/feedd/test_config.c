/* SPDX-License-Identifier: MIT */
/*
 * test_config.c: feedd's configuration loader and the venue check behind
 * it. A full file (argv[1]) with every key; [feed] defaults; the one
 * duration/count grammar; URLs; and each error kind with its exact
 * "FILE:LINE: reason".
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <unistd.h>

#include "config.h"
#include "helpers.h"
#include "symbol.h"
#include "venue.h"

static char ca_path[512];

/* What feedd does with a file: load (syntax), then check against the venues. */
static int load_checked(const char *text, struct feed_config *c, char *err, size_t errlen)
{
	int rc = feed_config_load_string(text, "t.ini", c, err, errlen);

	return rc < 0 ? rc : feed_venue_check(c, err, errlen);
}

/* Loads text, expects failure with exactly `msg`. */
static void expect_err(const char *text, const char *msg, int line)
{
	struct feed_config c;
	char err[512];
	int rc = load_checked(text, &c, err, sizeof(err));

	if (rc != -EINVAL || strcmp(err, msg) != 0) {
		fprintf(stderr, "line %d: rc %d, error \"%s\"\n   expected \"%s\"\n", line, rc, err,
			msg);
		feed_test_failures++;
	}
	feed_config_free(&c);
}
#define EXPECT_ERR(text, msg) expect_err(text, msg, __LINE__)

static int load_ok(const char *text, struct feed_config *c, int line)
{
	char err[512];
	int rc = load_checked(text, c, err, sizeof(err));

	if (rc != 0) {
		fprintf(stderr, "line %d: unexpected error %d: %s\n", line, rc, err);
		feed_test_failures++;
	}
	return rc;
}
#define LOAD_OK(text, c) load_ok(text, c, __LINE__)

#define MIN_SESSION "[session a]\nvenue = binance\nsymbols = BTC-USDT\n"

/* A session's timing and size keys, compared as one. */
struct want_timing {
	int64_t ping, pong, stale, handshake, rinit, rmax, rreset, lifetime;
	double mult, jitter;
	uint32_t retries;
	size_t max_message;
};

static void check_timing(const struct feed_session_config *s, struct want_timing w, int line)
{
	int before = feed_test_failures;

	CHECK_EQ_INT(s->ping_interval_ms, w.ping);
	CHECK_EQ_INT(s->pong_timeout_ms, w.pong);
	CHECK_EQ_INT(s->stale_timeout_ms, w.stale);
	CHECK_EQ_INT(s->handshake_timeout_ms, w.handshake);
	CHECK_EQ_INT(s->reconnect_initial_ms, w.rinit);
	CHECK_EQ_INT(s->reconnect_max_ms, w.rmax);
	CHECK(fabs(s->reconnect_multiplier - w.mult) < 1e-12);
	CHECK(fabs(s->reconnect_jitter - w.jitter) < 1e-12);
	CHECK_EQ_INT(s->reconnect_max_retries, w.retries);
	CHECK_EQ_INT(s->reconnect_reset_ms, w.rreset);
	CHECK_EQ_INT(s->max_lifetime_ms, w.lifetime);
	CHECK_EQ_INT(s->max_message, w.max_message);
	if (feed_test_failures != before)
		fprintf(stderr, "  (session %s, checked at line %d)\n", s->name, line);
}
#define CHECK_TIMING(s, w) check_timing(s, w, __LINE__)

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_full_file(const char *path)
{
	struct feed_config c;
	struct feed_session_config *s;
	char err[512];

	CHECK_EQ_INT(feed_config_load(path, &c, err, sizeof(err)), 0);
	CHECK_EQ_INT(feed_venue_check(&c, err, sizeof(err)), 0);
	if (c.nsessions != 2) {
		fprintf(stderr, "full file: %s\n", err);
		feed_test_failures++;
		feed_config_free(&c);
		return;
	}
	CHECK_STR(c.path, path);
	CHECK_STR(c.bus, "feedtest.bus");
	CHECK_EQ_INT(c.slots, 4096);
	CHECK_EQ_INT(c.shutdown_timeout_ms, 3000);
	CHECK(fabs(c.connect_rate - 0.5) < 1e-9);
	CHECK_EQ_INT(c.cpu, -1);
	CHECK_EQ_INT(c.idle, FEED_IDLE_BUSY);
	CHECK_EQ_INT(c.sqpoll, 1);

	s = &c.sessions[0];
	CHECK_STR(s->name, "binance-spot");
	CHECK_EQ_INT(s->line, 6);
	CHECK_STR(s->venue, "binance");
	CHECK_EQ_INT(s->url.tls, 1);
	CHECK_STR(s->url.host, "stream.binance.com");
	CHECK_EQ_INT(s->url.port, 9443);
	CHECK_STR(s->url.path, "/ws");
	CHECK_EQ_INT(s->nsymbols, 3);
	CHECK_STR(s->symbols[0], "BTC-USDT");
	CHECK_STR(s->symbols[1], "ETH-USDT");
	CHECK_STR(s->symbols[2], "SOL-USDT"); /* from the continuation line */
	CHECK_EQ_INT(s->channels, FEED_CH_TRADES | FEED_CH_BBO);
	CHECK_TIMING(s, ((struct want_timing){.ping = 15000,
					      .pong = 5000,
					      .stale = 60000, /* its own value beats [feed] */
					      .handshake = 7500,
					      .rinit = 500,
					      .rmax = 120000,
					      .mult = 1.5,
					      .jitter = 0.10,
					      .retries = 12,
					      .rreset = 45000,
					      .lifetime = 12LL * 3600 * 1000,
					      .max_message = 2 << 20}));
	CHECK_EQ_INT(s->tls_verify, 0);
	CHECK_EQ_INT(s->price_decimals, 2);
	CHECK_EQ_INT(s->qty_decimals, 6);

	s = &c.sessions[1];
	CHECK_STR(s->name, "local");
	CHECK_EQ_INT(s->url.tls, 0);
	CHECK_STR(s->url.host, "::1");
	CHECK_EQ_INT(s->url.port, 8080);
	CHECK_STR(s->url.path, "/stream?streams=x");
	CHECK_EQ_INT(s->channels, FEED_CH_TRADES);	     /* [feed] default */
	CHECK_TIMING(s, ((struct want_timing){.ping = 20000, /* built-in defaults but */
					      .pong = 10000,
					      .stale = 20000, /* [feed] default */
					      .handshake = 10000,
					      .rinit = 1000,
					      .rmax = 60000,
					      .mult = 2.0,
					      .jitter = 0.25,
					      .retries = 0,
					      .rreset = 30000,
					      .lifetime = 23LL * 3600 * 1000,
					      .max_message = 1 << 20}));
	CHECK_EQ_INT(s->tls_verify, 1);
	CHECK_EQ_INT(s->price_decimals, 8); /* the venue's */
	CHECK_EQ_INT(s->qty_decimals, 8);
	CHECK_STR(s->ca_file, "");
	feed_config_free(&c);
	feed_config_free(&c); /* idempotent */

	/* A missing file. */
	CHECK_EQ_INT(feed_config_load("/nonexistent/feedd.ini", &c, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "/nonexistent/feedd.ini: No such file or directory");
	feed_config_free(&c);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_defaults(void)
{
	struct feed_config c;
	char text[2048];

	/* Contract keys, inherited from [feed] like any session key. */
	if (LOAD_OK("[feed]\ncontract_size = 0.0010\n" MIN_SESSION "qty_unit = Contracts\n", &c) ==
	    0) {
		CHECK_EQ_INT(c.sessions[0].contract_size, 1);
		CHECK_EQ_INT(c.sessions[0].contract_decimals, 3);
		CHECK_EQ_INT(c.sessions[0].qty_unit, MDBUS_QTY_CONTRACTS);
		feed_config_free(&c);
	}
	/* Minimal file: built-in defaults, the venue's URL. */
	if (LOAD_OK(MIN_SESSION, &c) == 0) {
		CHECK_EQ_INT(c.sessions[0].contract_size, 0);
		CHECK_EQ_INT(c.sessions[0].qty_unit, -1);
		CHECK_STR(c.bus, "");
		CHECK_EQ_INT(c.slots, 1 << 20);
		CHECK_EQ_INT(c.shutdown_timeout_ms, 2000);
		CHECK(fabs(c.connect_rate - 5.0) < 1e-9);
		CHECK_EQ_INT(c.sessions[0].url.tls, 1);
		CHECK_STR(c.sessions[0].url.host, "stream.binance.com");
		CHECK_EQ_INT(c.sessions[0].url.port, 9443);
		CHECK_STR(c.sessions[0].url.path, "/ws");
		CHECK_EQ_INT(c.sessions[0].channels, FEED_CH_TRADES | FEED_CH_BBO);
	}
	feed_config_free(&c);

	/* [feed] before and after, venue/symbols/ca_file/tls_verify from
	 * [feed], overridden per session. */
	snprintf(text, sizeof(text),
		 "[feed]\nvenue = binance\nca_file = %s\ntls_verify = off\n"
		 "[session a]\nsymbols = BTC-USDT\n"
		 "[session b]\nsymbols = ETH-USDT\ntls_verify = yes\nping_interval = 0\n"
		 "[feed]\nping_interval = 250ms\n",
		 ca_path);
	/* Two [feed] sections are fine as long as keys are not repeated. */
	if (LOAD_OK(text, &c) == 0) {
		CHECK_EQ_INT(c.nsessions, 2);
		CHECK_STR(c.sessions[0].venue, "binance");
		CHECK_STR(c.sessions[0].ca_file, ca_path);
		CHECK_EQ_INT(c.sessions[0].tls_verify, 0);
		CHECK_EQ_INT(c.sessions[0].ping_interval_ms, 250);
		CHECK_STR(c.sessions[1].ca_file, ca_path);
		CHECK_EQ_INT(c.sessions[1].tls_verify, 1);
		CHECK_EQ_INT(c.sessions[1].ping_interval_ms, 0);
	}
	feed_config_free(&c);

	/* A url from [feed] is the session's: the venue's default does not
	 * replace it. Loading alone leaves url and decimals to the venue check. */
	if (feed_config_load_string("[feed]\nurl = ws://127.0.0.1:1/x\n" MIN_SESSION, "t.ini", &c,
				    text, sizeof(text)) == 0) {
		CHECK_STR(c.sessions[0].url.host, "127.0.0.1");
		CHECK_EQ_INT(c.sessions[0].price_decimals, -1);
		CHECK_EQ_INT(feed_venue_check(&c, text, sizeof(text)), 0);
		CHECK_STR(c.sessions[0].url.host, "127.0.0.1");
		CHECK_STR(c.sessions[0].url.path, "/x");
		CHECK_EQ_INT(c.sessions[0].price_decimals, 8);
	} else {
		fprintf(stderr, "[feed] url: %s\n", text);
		feed_test_failures++;
	}
	feed_config_free(&c);

	/* Symbols given in [feed] are copied into each session. */
	if (LOAD_OK("[feed]\nsymbols = BTC-USDT, ETH-BTC\n[session a]\nvenue = binance\n"
		    "[session b]\nvenue = binance\nsymbols = XRP-USDT\n",
		    &c) == 0) {
		CHECK_EQ_INT(c.sessions[0].nsymbols, 2);
		CHECK_STR(c.sessions[0].symbols[1], "ETH-BTC");
		CHECK_EQ_INT(c.sessions[1].nsymbols, 1);
		CHECK_STR(c.sessions[1].symbols[0], "XRP-USDT");
	}
	feed_config_free(&c);
}

/* MIN_SESSION plus one line (line 4), loaded and checked. */
static int load_with(const char *extra, struct feed_config *c, int line)
{
	char text[512];

	snprintf(text, sizeof(text), MIN_SESSION "%s\n", extra);
	return load_ok(text, c, line);
}

/* The config reads exactly mdbus_units.h's forms: durations into whole
 * milliseconds, counts with decimal (k, M) and binary (Ki, MiB) multipliers. */
static void test_grammar(void)
{
	static const struct {
		const char *v;
		int64_t ms;
	} dur[] = {{"250ms", 250},   {"2s", 2000},	{"1.5m", 90000}, {"30", 30000},
		   {"0", 0},	     {"23h", 82800000}, {"0.5s", 500},	 {"1000us", 1},
		   {"2000000ns", 2}, {"0.1s", 100}};
	static const struct {
		const char *v;
		uint64_t n;
	} cnt[] = {{"1MiB", 1u << 20}, {"64Ki", 65536}, {"64k", 64000},	     {"1M", 1000000},
		   {"1.5Ki", 1536},    {"4096", 4096},	{"64Mi", 64u << 20}, {"2KiB", 2048}};
	struct feed_config c;
	char line[128];
	size_t i;

	for (i = 0; i < sizeof(dur) / sizeof(dur[0]); i++) {
		snprintf(line, sizeof(line), "ping_interval = %s", dur[i].v);
		if (load_with(line, &c, __LINE__) == 0 &&
		    c.sessions[0].ping_interval_ms != dur[i].ms) {
			fprintf(stderr, "%s: %lld ms, expected %lld\n", line,
				(long long)c.sessions[0].ping_interval_ms, (long long)dur[i].ms);
			feed_test_failures++;
		}
		feed_config_free(&c);
	}
	for (i = 0; i < sizeof(cnt) / sizeof(cnt[0]); i++) {
		snprintf(line, sizeof(line), "max_message = %s", cnt[i].v);
		if (load_with(line, &c, __LINE__) == 0 && c.sessions[0].max_message != cnt[i].n) {
			fprintf(stderr, "%s: %zu, expected %llu\n", line, c.sessions[0].max_message,
				(unsigned long long)cnt[i].n);
			feed_test_failures++;
		}
		feed_config_free(&c);
	}
	/* Global keys read the same grammar. */
	if (LOAD_OK("[bus]\nslots = 64Ki\n[feed]\nshutdown_timeout = 1.5\n" MIN_SESSION, &c) == 0) {
		CHECK_EQ_INT(c.slots, 65536);
		CHECK_EQ_INT(c.shutdown_timeout_ms, 1500);
	}
	feed_config_free(&c);
	if (LOAD_OK(MIN_SESSION "reconnect_max_retries = 1k\nprice_decimals = 0\n", &c) == 0) {
		CHECK_EQ_INT(c.sessions[0].reconnect_max_retries, 1000);
		CHECK_EQ_INT(c.sessions[0].price_decimals, 0);
	}
	feed_config_free(&c);
}

/* ... and refuses everything else, naming the file and line. */
static void test_grammar_errors(void)
{
#define BAD_DURATION(v)                                                                            \
	"t.ini:4: bad duration '" v "' for ping_interval (e.g. 250ms, 2s, 1.5m, 23h; a bare "      \
	"number is seconds)"
	EXPECT_ERR(MIN_SESSION "ping_interval = 5x\n", BAD_DURATION("5x"));
	/* Contract keys: an exact positive decimal, and a unit name. */
	EXPECT_ERR(MIN_SESSION "contract_size = 0\n",
		   "t.ini:4: bad contract_size '0' (a positive decimal, e.g. 0.001)");
	EXPECT_ERR(MIN_SESSION "contract_size = -1\n",
		   "t.ini:4: bad contract_size '-1' (a positive decimal, e.g. 0.001)");
	EXPECT_ERR(MIN_SESSION "contract_size = 1e-3\n",
		   "t.ini:4: bad contract_size '1e-3' (a positive decimal, e.g. 0.001)");
	EXPECT_ERR(MIN_SESSION "contract_size = 0.0000000000000000001\n",
		   "t.ini:4: bad contract_size '0.0000000000000000001' (a positive decimal, e.g. "
		   "0.001)");
	EXPECT_ERR(MIN_SESSION "qty_unit = lots\n",
		   "t.ini:4: bad qty_unit 'lots' (contracts or base)");
	/* A market the venue does not list. */
	EXPECT_ERR("[session a]\nvenue = binance\nsymbols = BTC-USDT-PERP\n",
		   "t.ini:3: venue binance has no perpetual market (symbol 'BTC-USDT-PERP') in "
		   "[session a]");
	EXPECT_ERR("[session a]\nvenue = binance\nsymbols = BTC-USD-20261225\n",
		   "t.ini:3: venue binance has no dated futures market (symbol "
		   "'BTC-USD-20261225') in [session a]");
	EXPECT_ERR(MIN_SESSION "ping_interval = -1s\n", BAD_DURATION("-1s"));
	EXPECT_ERR(MIN_SESSION "ping_interval = 5 s\n", BAD_DURATION("5 s"));
	EXPECT_ERR(MIN_SESSION "ping_interval = s\n", BAD_DURATION("s"));
	EXPECT_ERR(MIN_SESSION "ping_interval = 1S\n", BAD_DURATION("1S"));
	EXPECT_ERR(MIN_SESSION "ping_interval = 99999999999999999999h\n",
		   BAD_DURATION("99999999999999999999h"));
	EXPECT_ERR(MIN_SESSION "ping_interval = 1.5ms\n",
		   "t.ini:4: ping_interval '1.5ms' is not a whole number of milliseconds");
	EXPECT_ERR(MIN_SESSION "ping_interval = 100us\n",
		   "t.ini:4: ping_interval '100us' is not a whole number of milliseconds");
	EXPECT_ERR(MIN_SESSION "handshake_timeout = 0ms\n",
		   "t.ini:4: handshake_timeout must be more than 0");
#undef BAD_DURATION
#define BAD_SIZE(v) "t.ini:4: bad max_message '" v "' (1Ki to 64Mi bytes, e.g. 64Ki or 1MiB)"
	EXPECT_ERR(MIN_SESSION "max_message = 1.5\n", BAD_SIZE("1.5"));
	EXPECT_ERR(MIN_SESSION "max_message = 64KB\n", BAD_SIZE("64KB"));
	EXPECT_ERR(MIN_SESSION "max_message = 1 MiB\n", BAD_SIZE("1 MiB"));
	EXPECT_ERR(MIN_SESSION "max_message = 65Mi\n", BAD_SIZE("65Mi"));
	EXPECT_ERR(MIN_SESSION "max_message = 1000\n", BAD_SIZE("1000"));
	EXPECT_ERR(MIN_SESSION "max_message = -1Ki\n", BAD_SIZE("-1Ki"));
#undef BAD_SIZE
	/* 1M is 10^6 now, not a power of two. */
	EXPECT_ERR("[bus]\nslots = 1M\n" MIN_SESSION,
		   "t.ini:2: bad slots '1M' (a power of two, 64 to 2^30)");
	EXPECT_ERR("[bus]\nslots = 2Gi\n" MIN_SESSION,
		   "t.ini:2: bad slots '2Gi' (a power of two, 64 to 2^30)");
}

static void test_urls_and_symbols(void)
{
	struct feed_url u;
	char err[256];

	CHECK_EQ_INT(feed_url_parse("wss://example.com", &u, err, sizeof(err)), 0);
	CHECK(u.tls == 1 && u.port == 443 && !strcmp(u.path, "/") &&
	      !strcmp(u.host, "example.com"));
	CHECK_EQ_INT(feed_url_parse("ws://127.0.0.1", &u, err, sizeof(err)), 0);
	CHECK(u.tls == 0 && u.port == 80 && !strcmp(u.path, "/") && !strcmp(u.host, "127.0.0.1"));
	CHECK_EQ_INT(feed_url_parse("wss://[2001:db8::1]/ws/x", &u, err, sizeof(err)), 0);
	CHECK(u.port == 443 && !strcmp(u.host, "2001:db8::1") && !strcmp(u.path, "/ws/x"));
	CHECK_EQ_INT(feed_url_parse("wss://h:1?a=b", &u, err, sizeof(err)), 0);
	CHECK(u.port == 1 && !strcmp(u.path, "/?a=b"));
	CHECK_EQ_INT(feed_url_parse("https://h/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://:443/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://h:0/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://h:65536/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://h:12x/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://[::1/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://[]/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://[::1]x/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://h o/", &u, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(feed_url_parse("wss://user@h/", &u, err, sizeof(err)), -EINVAL);

	CHECK(feed_symbol_valid("BTC-USDT"));
	CHECK(feed_symbol_valid("1000SHIB-USDT"));
	CHECK(!feed_symbol_valid("btc-usdt"));
	CHECK(!feed_symbol_valid("BTCUSDT"));
	CHECK(!feed_symbol_valid("BTC-USDT-X"));
	CHECK(!feed_symbol_valid("-USDT"));
	CHECK(!feed_symbol_valid("BTC-"));
	CHECK(!feed_symbol_valid("BTC_USDT"));
}

/* The market forms: perpetual and dated future (a real calendar day). */
static void test_symbol_markets(void)
{
	struct feed_symbol_info si;

	CHECK_EQ_INT(feed_symbol_parse("BTC-USDT", &si), 0);
	CHECK_EQ_INT(si.market, MDBUS_MARKET_SPOT);
	CHECK_EQ_INT(si.base_len, 3);
	CHECK_EQ_INT(si.quote_len, 4);
	CHECK_EQ_INT(feed_symbol_parse("BTC-USDT-PERP", &si), 0);
	CHECK_EQ_INT(si.market, MDBUS_MARKET_PERP);
	CHECK_EQ_INT(si.expiry, 0);
	CHECK_EQ_INT(feed_symbol_parse("BTC-USD-20261225", &si), 0);
	CHECK_EQ_INT(si.market, MDBUS_MARKET_FUTURE);
	CHECK_EQ_INT(si.expiry, 20261225);
	CHECK_EQ_INT(si.quote_len, 3);
	CHECK_EQ_INT(feed_symbol_parse("ETH-USD-20280229", &si), 0); /* leap year */
	CHECK_EQ_INT(feed_symbol_parse("ETH-USD-20270229", &si), -EINVAL);
	CHECK_EQ_INT(feed_symbol_parse("ETH-USD-20261301", &si), -EINVAL);
	CHECK_EQ_INT(feed_symbol_parse("ETH-USD-20261200", &si), -EINVAL);
	CHECK_EQ_INT(feed_symbol_parse("ETH-USD-2026122", &si), -EINVAL);
	CHECK_EQ_INT(feed_symbol_parse("ETH-USD-21000229", &si), -EINVAL); /* not leap */
	CHECK_EQ_INT(feed_symbol_parse("ETH-USD-22630101", &si), -EINVAL); /* past ns */
	CHECK(!feed_symbol_valid("BTC-USDT-perp"));
	CHECK(!feed_symbol_valid("BTC-USDT-PERP-X"));
	CHECK(!feed_symbol_valid("BTC--PERP"));
	CHECK(!feed_symbol_valid("BTC-USDT-"));
	CHECK(feed_symbol_valid("1000PEPE-USDT-PERP"));
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_errors(void)
{
	char text[8192], long_line[300];
	size_t o;
	int i;

	EXPECT_ERR(MIN_SESSION "foo = 1\n", "t.ini:4: unknown key 'foo' in [session a]");
	EXPECT_ERR("[bus]\nname = x\nslot = 64\n", "t.ini:3: unknown key 'slot' in [bus]");
	EXPECT_ERR("[feed]\nbogus = 1\n" MIN_SESSION, "t.ini:2: unknown key 'bogus' in [feed]");
	EXPECT_ERR(MIN_SESSION "pong_timeout = 0\n", "t.ini:4: pong_timeout must be more than 0");
	/* missing required keys name the section header's line */
	EXPECT_ERR("[feed]\n\n[session a]\nsymbols = BTC-USDT\n",
		   "t.ini:3: missing required key 'venue' in [session a]");
	EXPECT_ERR(MIN_SESSION "\n; comment\n[session bb]\nvenue = binance\n",
		   "t.ini:6: missing required key 'symbols' in [session bb]");
	EXPECT_ERR(MIN_SESSION "[session b]\nvenue=binance\nsymbols=ETH-USDT\n[session a]\n",
		   "t.ini:7: duplicate session 'a' (first at line 1)");
	EXPECT_ERR("[session a]\nvenue = krakken\nsymbols = BTC-USDT\n",
		   "t.ini:2: unknown venue 'krakken'");
	/* Venue errors name the key's line, also when it came from [feed]. */
	EXPECT_ERR("[feed]\nvenue = krakken\n[session a]\nsymbols = BTC-USDT\n",
		   "t.ini:2: unknown venue 'krakken'");
	EXPECT_ERR("[session a]\nvenue = bin/ance\nsymbols = BTC-USDT\n",
		   "t.ini:2: bad venue 'bin/ance' (1-15 chars of A-Z a-z 0-9 . _ -)");
	/* Two normalized symbols, one native name: only the venue can tell. */
	EXPECT_ERR("[session a]\nvenue = binance\n\nsymbols = AB-C, A-BC\n",
		   "t.ini:4: symbol 'A-BC' listed twice (binance name 'ABC') in [session a]");
	EXPECT_ERR("[session a]\nvenue = binance\nsymbols = BTC-USDT, btc-eth\n",
		   "t.ini:3: bad symbol 'btc-eth' (use upper-case BASE-QUOTE[-PERP|-YYYYMMDD], "
		   "e.g. BTC-USDT)");
	EXPECT_ERR("[session a]\nvenue = binance\nsymbols = BTCUSDT\n",
		   "t.ini:3: bad symbol 'BTCUSDT' (use upper-case BASE-QUOTE[-PERP|-YYYYMMDD], "
		   "e.g. BTC-USDT)");
	EXPECT_ERR("[session a]\nvenue = binance\nsymbols = BTC-USDT, ETH-USDT,\n  BTC-USDT\n",
		   "t.ini:4: symbol 'BTC-USDT' listed twice");
	EXPECT_ERR("[session a]\nvenue = binance\nsymbols = ,\n", "t.ini:3: empty symbol list");
	EXPECT_ERR(MIN_SESSION "venue = binance\n",
		   "t.ini:4: duplicate key 'venue' in [session a] (first at line 2)");
	EXPECT_ERR(MIN_SESSION "url = http://x/\n",
		   "t.ini:4: bad url 'http://x/' (use wss://host[:port]/path or ws://...)");
	EXPECT_ERR(MIN_SESSION "url = wss://h:70000/\n",
		   "t.ini:4: bad port in url 'wss://h:70000/'");
	{
		/* binance takes l2 (depth): the session's and [feed]'s lists */
		struct feed_config c;

		if (LOAD_OK(MIN_SESSION "channels = trades, l2\n", &c) == 0) {
			CHECK_EQ_INT(c.sessions[0].channels, FEED_CH_TRADES | FEED_CH_L2);
			feed_config_free(&c);
		}
		if (LOAD_OK("[feed]\nchannels = bbo, l2\n" MIN_SESSION, &c) == 0) {
			CHECK_EQ_INT(c.sessions[0].channels, FEED_CH_BBO | FEED_CH_L2);
			feed_config_free(&c);
		}
	}
	EXPECT_ERR(MIN_SESSION "channels = trades, book\n",
		   "t.ini:4: unknown channel 'book' (use trades, bbo, l2)");
	EXPECT_ERR(MIN_SESSION "reconnect_jitter = 1.5\n",
		   "t.ini:4: bad reconnect_jitter '1.5' (0 <= jitter < 1, or a percentage)");
	EXPECT_ERR(MIN_SESSION "reconnect_multiplier = 0.5\n",
		   "t.ini:4: bad reconnect_multiplier '0.5' (a number from 1 to 100)");
	EXPECT_ERR(MIN_SESSION "reconnect_max_retries = -1\n",
		   "t.ini:4: bad reconnect_max_retries '-1' (a whole number, 0 = forever)");
	EXPECT_ERR(MIN_SESSION "reconnect_initial = 10s\nreconnect_max = 5s\n",
		   "t.ini:5: reconnect_max is below reconnect_initial in [session a]");
	EXPECT_ERR(MIN_SESSION "max_message = 10\n",
		   "t.ini:4: bad max_message '10' (1Ki to 64Mi bytes, e.g. 64Ki or 1MiB)");
	EXPECT_ERR(MIN_SESSION "tls_verify = maybe\n",
		   "t.ini:4: bad tls_verify 'maybe' (yes or no)");
	EXPECT_ERR(MIN_SESSION "price_decimals = 19\n",
		   "t.ini:4: bad price_decimals '19' (0 to 18)");
	EXPECT_ERR(MIN_SESSION "ca_file = /nonexistent/ca.pem\n",
		   "t.ini:4: ca_file '/nonexistent/ca.pem': No such file or directory");
	EXPECT_ERR("[bus]\nslots = 1000\n" MIN_SESSION,
		   "t.ini:2: bad slots '1000' (a power of two, 64 to 2^30)");
	EXPECT_ERR("[bus]\nname = a/b\n" MIN_SESSION,
		   "t.ini:2: bad bus name 'a/b' (1-63 chars of A-Z a-z 0-9 . _ -, not starting "
		   "with '.')");
	EXPECT_ERR("[feed]\nshutdown_timeout = 2sec\n" MIN_SESSION,
		   "t.ini:2: bad duration '2sec' for shutdown_timeout (e.g. 250ms, 2s, 1.5m, 23h; "
		   "a bare number is seconds)");
	EXPECT_ERR("[feed]\nconnect_rate = 5/h\n" MIN_SESSION,
		   "t.ini:2: bad connect_rate '5/h' (e.g. 5/s or 30/m)");
	EXPECT_ERR("[feed]\nping_interval = 1y\n" MIN_SESSION,
		   "t.ini:2: bad duration '1y' for ping_interval (e.g. 250ms, 2s, 1.5m, 23h; a "
		   "bare number is seconds)");
	EXPECT_ERR("[sessions a]\n", "t.ini:1: unknown section [sessions a] (use [bus], [feed], "
				     "[session NAME])");
	EXPECT_ERR("[session]\n", "t.ini:1: bad session name '' in [session] (1-47 chars of A-Z "
				  "a-z 0-9 . _ -)");
	EXPECT_ERR("[session a b]\n", "t.ini:1: bad session name 'a b' in [session a b] (1-47 "
				      "chars of A-Z a-z 0-9 . _ -)");
	EXPECT_ERR("venue = binance\n" MIN_SESSION, "t.ini:1: key 'venue' outside any section");
	EXPECT_ERR(MIN_SESSION "this line has no equals sign\n",
		   "t.ini:4: syntax error (expected 'key = value' or '[section]')");
	EXPECT_ERR(MIN_SESSION "[session b\n", "t.ini:4: section header without ']'");
	EXPECT_ERR("[bus]\nname = x\n", "t.ini:2: no [session NAME] section");
	EXPECT_ERR(MIN_SESSION "ping_interval = 5s\n  pong_timeout = 1s\n",
		   "t.ini:5: indented line continues 'ping_interval' (only symbols and channels "
		   "span lines; do not indent keys)");
	/* An error is reported at its own line even when later lines are bad too. */
	EXPECT_ERR(MIN_SESSION "a = 1\nb = 2\n", "t.ini:4: unknown key 'a' in [session a]");
	/* CRLF line endings count lines the same way. */
	EXPECT_ERR("[session a]\r\nvenue = binance\r\nsymbols = BTC-USDT\r\nx = 1\r\n",
		   "t.ini:4: unknown key 'x' in [session a]");

	/* A line longer than inih's buffer is refused, not split. */
	memset(long_line, 'A', sizeof(long_line));
	long_line[sizeof(long_line) - 1] = '\0';
	snprintf(text, sizeof(text), MIN_SESSION "; %s\n", long_line);
	EXPECT_ERR(text, "t.ini:4: line too long (301 chars, max 197): continue a symbols list "
			 "on indented lines");

	/* 513 symbols x 2 channels = 1026 streams > binance's 1024 per
	 * connection (symbols over many continuation lines: also proves
	 * continuation works at scale): accepted, planned on two connections. */
	o = (size_t)snprintf(text, sizeof(text), "[session a]\nvenue = binance\nsymbols = S0-USDT");
	for (i = 1; i < 513; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      i % 10 == 0 ? ",\n  S%d-USDT" : ", S%d-USDT", i);
	snprintf(text + o, sizeof(text) - o, "\n");
	{
		struct feed_config c;

		if (LOAD_OK(text, &c) == 0) {
			CHECK_EQ_INT(c.sessions[0].nsymbols, 513);
			CHECK_EQ_INT(feed_venue_plan(feed_venue_find("binance"), &c.sessions[0],
						     NULL, 0),
				     2);
		}
		feed_config_free(&c);
	}
	{
		/* 512 is exactly the limit: one connection, all symbols read. */
		struct feed_config c;
		char *nl = strstr(text, ", S512-USDT");
		if (nl) {
			strcpy(nl, "\n");
			if (LOAD_OK(text, &c) == 0) {
				CHECK_EQ_INT(c.sessions[0].nsymbols, 512);
				CHECK_STR(c.sessions[0].symbols[511], "S511-USDT");
				CHECK_EQ_INT(feed_venue_plan(feed_venue_find("binance"),
							     &c.sessions[0], NULL, 0),
					     1);
			}
			feed_config_free(&c);
		} else {
			feed_test_failures++;
		}
	}
	{
		/* streams_per_conn lowers the venue's limit (never raises it). */
		struct feed_config c;

		if (LOAD_OK("[session a]\nvenue = binance\nstreams_per_conn = 2\n"
			    "symbols = A-USDT, B-USDT, C-USDT\n",
			    &c) == 0) {
			CHECK_EQ_INT(c.sessions[0].streams_per_conn, 2);
			CHECK_EQ_INT(
				feed_venue_conn_limit(feed_venue_find("binance"), &c.sessions[0]),
				2);
			CHECK_EQ_INT(feed_venue_plan(feed_venue_find("binance"), &c.sessions[0],
						     NULL, 0),
				     3);
			c.sessions[0].streams_per_conn = 5000;
			CHECK_EQ_INT(
				feed_venue_conn_limit(feed_venue_find("binance"), &c.sessions[0]),
				1024);
		}
		feed_config_free(&c);
	}
}

/* A url with only scheme, host and port keeps the venue's own path, so a
 * whole venue can be pointed at a simulator or a proxy; a path given is
 * kept as it is. */
static void test_url_keeps_venue_path(void)
{
	static const struct {
		const char *url, *host, *path;
		uint16_t port;
	} cases[] = {
		{"wss://127.0.0.1:9443", "127.0.0.1", "/ws", 9443},
		{"wss://127.0.0.1:9443/", "127.0.0.1", "/ws", 9443},
		{"ws://localhost:8080/custom?x=1", "localhost", "/custom?x=1", 8080},
	};
	char text[256], err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct feed_config c;

		snprintf(text, sizeof(text),
			 "[session a]\nvenue = binance\nsymbols = BTC-USDT\nurl = %s\n",
			 cases[i].url);
		CHECK_EQ_INT(load_checked(text, &c, err, sizeof(err)), 0);
		CHECK(!strcmp(c.sessions[0].url.host, cases[i].host));
		CHECK(!strcmp(c.sessions[0].url.path, cases[i].path));
		CHECK_EQ_INT(c.sessions[0].url.port, cases[i].port);
		feed_config_free(&c);
	}
}

/* [feed] max_sessions: the reload capacity, never below the file's sessions. */
static void test_max_sessions(void)
{
	struct feed_config c;

	if (LOAD_OK(MIN_SESSION, &c) == 0) {
		CHECK_EQ_INT(c.max_sessions, 0);
		CHECK_EQ_INT(feed_config_max_sessions(&c), 17);
	}
	feed_config_free(&c);
	if (LOAD_OK("[feed]\nmax_sessions = 1\n" MIN_SESSION, &c) == 0)
		CHECK_EQ_INT(feed_config_max_sessions(&c), 1);
	feed_config_free(&c);
	if (LOAD_OK("[feed]\nmax_sessions = 1024\n" MIN_SESSION, &c) == 0)
		CHECK_EQ_INT(feed_config_max_sessions(&c), 1024);
	feed_config_free(&c);
	EXPECT_ERR("[feed]\nmax_sessions = 1\n" MIN_SESSION
		   "[session b]\nvenue = binance\nsymbols = ETH-USDT\n",
		   "t.ini:2: max_sessions = 1 is below the 2 sessions configured");
	EXPECT_ERR("[feed]\nmax_sessions = 1025\n" MIN_SESSION,
		   "t.ini:2: bad max_sessions '1025' (a whole number up to 1024, 0 = the sessions "
		   "plus 16)");
}

/* [feed] cpu, idle, sqpoll: the latency deployment's keys. */
static void test_latency_keys(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	struct feed_config c;
	cpu_set_t allowed;
	char text[256], msg[256];
	int cpu = 0;

	if (LOAD_OK(MIN_SESSION, &c) == 0) {
		CHECK_EQ_INT(c.cpu, -1);
		CHECK_EQ_INT(c.idle, FEED_IDLE_SLEEP);
		CHECK_EQ_INT(c.sqpoll, 0);
	}
	feed_config_free(&c);
	/* The first CPU this process may run on. */
	CHECK(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
	while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &allowed))
		cpu++;
	snprintf(text, sizeof(text), "[feed]\ncpu = %d\nidle = sleep\nsqpoll = off\n" MIN_SESSION,
		 cpu);
	if (LOAD_OK(text, &c) == 0) {
		CHECK_EQ_INT(c.cpu, cpu);
		CHECK_EQ_INT(c.idle, FEED_IDLE_SLEEP);
		CHECK_EQ_INT(c.sqpoll, 0);
	}
	feed_config_free(&c);
	/* A CPU past the machine's last one is named with the file's line. */
	snprintf(text, sizeof(text), "[feed]\nlog_level = info\ncpu = %ld\n" MIN_SESSION, n);
	snprintf(msg, sizeof(msg),
		 "t.ini:3: cpu %ld does not exist (this machine has CPUs 0 to %ld)", n, n - 1);
	EXPECT_ERR(text, msg);
	EXPECT_ERR("[feed]\ncpu = 1000000\n" MIN_SESSION,
		   "t.ini:2: bad cpu '1000000' (none or a CPU number)");
	EXPECT_ERR("[feed]\ncpu = -1\n" MIN_SESSION,
		   "t.ini:2: bad cpu '-1' (none or a CPU number)");
	EXPECT_ERR("[feed]\n\nidle = spin\n" MIN_SESSION,
		   "t.ini:3: bad idle 'spin' (sleep or busy)");
	EXPECT_ERR("[feed]\nsqpoll = sometimes\n" MIN_SESSION,
		   "t.ini:2: bad sqpoll 'sometimes' (yes or no)");
	snprintf(text, sizeof(text), "[feed]\ncpu = %d\nidle = busy\nsqpoll = on\n" MIN_SESSION,
		 cpu);
	snprintf(msg, sizeof(msg),
		 "t.ini:4: sqpoll = on with idle = busy and cpu = %d: two threads would spin on "
		 "CPU %d (use idle = sleep, or no cpu)",
		 cpu, cpu);
	EXPECT_ERR(text, msg);
	/* Loop-wide: not a session key. */
	EXPECT_ERR(MIN_SESSION "idle = busy\n", "t.ini:4: unknown key 'idle' in [session a]");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_config FULL.ini\n");
		return 1;
	}
	char real[PATH_MAX]; /* realpath writes up to PATH_MAX bytes */

	if (realpath(argv[0], real) && strlen(real) < sizeof(ca_path))
		memcpy(ca_path, real, strlen(real) + 1);
	else
		snprintf(ca_path, sizeof(ca_path), "%s", argv[1]);
	test_full_file(argv[1]);
	test_defaults();
	test_grammar();
	test_grammar_errors();
	test_urls_and_symbols();
	test_url_keeps_venue_path();
	test_symbol_markets();
	test_errors();
	test_max_sessions();
	test_latency_keys();
	return feed_test_done("test_config");
}
