/* SPDX-License-Identifier: MIT */
/*
 * test_refdata.c: feedd/refdata.c without the network. The rules (a scale
 * the file set is kept and warned about when the tick is finer, an unset
 * one takes the tick's decimals, contract size, symbols the venue did not
 * list) with a fake venue's ref ops driven as the start-up phase drives
 * them; the log lines they print (captured stderr); the cache file's round
 * trip and every way it is refused (truncated, corrupt, another version,
 * venue, REST host or symbol set); the cache directory's sources; Binance's
 * exchangeInfo request and parse on the documented body, a symbol it did
 * not list included; the new config keys and their errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binance.h"
#include "config.h"
#include "helpers.h"
#include "log.h"
#include "refdata.h"
#include "venue.h"

static char tmp[256];

/* ---- stderr capture (the log lines) ------------------------------------------------ */

static int saved_fd = -1;
static char cap_path[300];

static void capture_start(void)
{
	int fd;

	snprintf(cap_path, sizeof(cap_path), "%s/stderr.txt", tmp);
	fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fflush(stderr);
	saved_fd = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* What was logged since capture_start (static buffer). */
static const char *capture_end(void)
{
	static char buf[16384];
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	f = fopen(cap_path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- configs ------------------------------------------------------------------------ */

static const char *CFG = "[bus]\n"				    /* 1 */
			 "name = t\n"				    /* 2 */
			 "[session plain]\n"			    /* 3 */
			 "venue = binance\n"			    /* 4 */
			 "symbols = BTC-USDT, ETH-USDT, XRP-USDT\n" /* 5 */
			 "[session fixed]\n"			    /* 6 */
			 "venue = binance\n"			    /* 7 */
			 "symbols = BTC-USDT\n"			    /* 8 */
			 "price_decimals = 1\n"			    /* 9 */
			 "qty_decimals = 6\n"			    /* 10 */
			 "[session perp]\n"			    /* 11 */
			 "venue = binance-futures\n"		    /* 12 */
			 "symbols = BTC-USDT-PERP\n"		    /* 13 */
			 "contract_size = 0.001\n"		    /* 14 */
			 "[session perp2]\n"			    /* 15 */
			 "venue = binance-futures\n"		    /* 16 */
			 "symbols = ETH-USDT-PERP\n"		    /* 17 */
			 "refdata = no\n";			    /* 18 */

static void load(struct feed_config *c, const char *text)
{
	char err[512];

	if (feed_config_load_string(text, "cfg.ini", c, err, sizeof(err)) < 0 ||
	    feed_venue_check(c, err, sizeof(err)) < 0) {
		fprintf(stderr, "config: %s\n", err);
		exit(1);
	}
}

static void ctx_of(struct feed_venue_ctx *v, const struct feed_venue_ops *ops,
		   const struct feed_session_config *sc)
{
	char err[256];

	memset(v, 0, sizeof(*v));
	if (feed_venue_ctx_init(v, ops, sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "ctx: %s\n", err);
		exit(1);
	}
}

/* ---- a fake venue: two requests, the second lists the rest --------------------------- */

/* "native tick tick_dp lot lot_dp contract contract_dp;..." per request. */
static const char *fake_answers[2];

static int fake_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len, size_t *n)
{
	int w;

	(void)v;
	if (k >= 2)
		return 0;
	w = snprintf(buf, len, "/ref?part=%u", k);
	if (w < 0 || (size_t)w >= len)
		return -ENOBUFS;
	*n = (size_t)w;
	return 1;
}

static int fake_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
		      struct feed_ref_instr *ref)
{
	char text[512], *save = NULL;

	(void)k;
	if (n >= sizeof(text))
		return -EBADMSG;
	memcpy(text, body, n);
	text[n] = '\0';
	for (char *e = strtok_r(text, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
		char native[32], *end = e;
		long long x[6];
		size_t nl = strcspn(e, " ");
		uint32_t i;

		if (nl == 0 || nl >= sizeof(native)) {
			snprintf(v->reason, sizeof(v->reason), "bad entry");
			return -EBADMSG;
		}
		memcpy(native, e, nl);
		native[nl] = '\0';
		end = e + nl;
		for (int k = 0; k < 6; k++)
			x[k] = strtoll(end, &end, 10);
		if (feed_venue_lookup(v, native, strlen(native), &i) < 0)
			continue;
		ref[i] = (struct feed_ref_instr){.tick = x[0],
						 .tick_dp = (uint8_t)x[1],
						 .lot = x[2],
						 .lot_dp = (uint8_t)x[3],
						 .contract = x[4],
						 .contract_dp = (uint8_t)x[5],
						 .found = 1};
	}
	return 0;
}

/* As the phase does: request k, parse k, until there is none. Returns the
 * requests made. */
static uint32_t fetch(struct feed_venue_ctx *v, struct feed_ref_instr *ref)
{
	char path[128];
	size_t n;
	uint32_t k = 0;

	memset(ref, 0, v->nsyms * sizeof(*ref));
	while (v->ops->ref.request(v, k, path, sizeof(path), &n) == 1) {
		const char *body = fake_answers[k];

		CHECK_EQ_INT(v->ops->ref.parse(v, k, (const uint8_t *)body, strlen(body), ref), 0);
		k++;
	}
	return k;
}

static struct feed_venue_ops spot, perp; /* binance and binance-futures, fake ref ops */

/* Unset scales take the steps; a symbol not listed; the scales reach a
 * connection's context; no answer: the context's own values. */
static void test_rules_plain(const struct feed_config *c)
{
	struct feed_ref_instr ref[3];
	struct feed_refdata_sym out[3];
	struct feed_venue_ctx v, one;
	const char *log;

	fake_answers[0] = "BTCUSDT 1 2 1 5 0 0";
	fake_answers[1] = "ETHUSDT 5 2 1 4 0 0;DOGEUSDT 1 5 1 0 0 0";
	ctx_of(&v, &spot, &c->sessions[0]);
	CHECK_EQ_INT(fetch(&v, ref), 2);
	capture_start();
	CHECK_EQ_INT(feed_refdata_resolve("cfg.ini", &c->sessions[0], &v, ref, out), 1);
	log = capture_end();
	CHECK(out[0].price_dp == 2 && out[0].qty_dp == 5);
	CHECK(out[1].price_dp == 2 && out[1].qty_dp == 4);
	CHECK(out[2].price_dp == 8 && out[2].qty_dp == 8); /* the venue's default */
	CHECK(strstr(log, "event=refdata_unlisted symbol=XRP-USDT") != NULL);
	CHECK_EQ_INT(count_of(log, "level=warn"), 1);
	{
		struct feed_refdata_sess rs = {.v = v, .out = out};

		ctx_of(&one, &spot, &c->sessions[0]);
		feed_refdata_apply(&rs, &one);
		CHECK(one.syms[1].price_decimals == 2 && one.syms[1].qty_decimals == 4);
		CHECK(one.syms[2].price_decimals == 8);
		feed_venue_ctx_free(&one);
	}
	capture_start();
	CHECK_EQ_INT(feed_refdata_resolve("cfg.ini", &c->sessions[0], &v, NULL, out), 0);
	log = capture_end();
	CHECK(out[0].price_dp == 8 && out[0].qty_dp == 8 && log[0] == '\0');
	feed_venue_ctx_free(&v);
}

/* The file's scales stay; a tick finer than price_decimals is warned about
 * with the key's file:line. */
static void test_rules_fixed(const struct feed_config *c)
{
	struct feed_ref_instr ref[1];
	struct feed_refdata_sym out[1];
	struct feed_venue_ctx v;
	const char *log;

	fake_answers[0] = "BTCUSDT 1 2 1 5 0 0";
	fake_answers[1] = "";
	ctx_of(&v, &spot, &c->sessions[1]);
	fetch(&v, ref);
	capture_start();
	CHECK_EQ_INT(feed_refdata_resolve("cfg.ini", &c->sessions[1], &v, ref, out), 1);
	log = capture_end();
	CHECK(out[0].price_dp == 1 && out[0].qty_dp == 6);
	CHECK(strstr(log, "session=fixed") &&
	      strstr(log, "symbol=BTC-USDT tick=0.01 config=cfg.ini:9"));
	CHECK(strstr(log, "qty_decimals") == NULL); /* the lot fits 6 decimals */
	feed_venue_ctx_free(&v);
}

/* contract_size set and different: warned, kept; equal: quiet; unset: the
 * venue's. */
static void test_rules_perp(const struct feed_config *c)
{
	struct feed_ref_instr ref[1];
	struct feed_refdata_sym out[1];
	struct feed_venue_ctx v;
	const char *log;

	fake_answers[0] = "BTCUSDT 1 1 1 3 1 2";
	fake_answers[1] = "";
	ctx_of(&v, &perp, &c->sessions[2]);
	fetch(&v, ref);
	capture_start();
	CHECK_EQ_INT(feed_refdata_resolve("cfg.ini", &c->sessions[2], &v, ref, out), 1);
	log = capture_end();
	CHECK_EQ_INT(out[0].contract, 0); /* the context's (config) value stands */
	CHECK(strstr(log, "contract=0.01 config=cfg.ini:14") != NULL);
	/* quantities published in base units: the lot's 3 decimals plus the
	 * contract size's 3 (0.001) */
	CHECK(out[0].price_dp == 1 && out[0].qty_dp == 6);
	fake_answers[0] = "BTCUSDT 1 1 1 3 1 3";
	fetch(&v, ref);
	capture_start();
	CHECK_EQ_INT(feed_refdata_resolve("cfg.ini", &c->sessions[2], &v, ref, out), 0);
	capture_end();
	feed_venue_ctx_free(&v);
	fake_answers[0] = "ETHUSDT 1 2 1 3 1 2";
	ctx_of(&v, &perp, &c->sessions[3]);
	fetch(&v, ref);
	CHECK_EQ_INT(feed_refdata_resolve("cfg.ini", &c->sessions[3], &v, ref, out), 0);
	CHECK(out[0].contract == 1 && out[0].contract_dp == 2);
	CHECK_EQ_INT(out[0].qty_dp, 5); /* 3 + the venue's contract size's 2 */
	feed_venue_ctx_free(&v);
}

static void test_rules(void)
{
	struct feed_config c;

	spot = *feed_venue_find("binance");
	perp = *feed_venue_find("binance-futures");
	spot.ref = (struct feed_venue_ref_ops){fake_request, fake_parse, 1};
	perp.ref = spot.ref;
	memset(&c, 0, sizeof(c));
	load(&c, CFG);
	CHECK_EQ_INT(c.sessions[0].refdata, 1);
	CHECK_EQ_INT(c.sessions[3].refdata, 0);
	CHECK_EQ_INT(c.sessions[1].pdec_line, 9);
	CHECK_EQ_INT(c.sessions[1].qdec_line, 10);
	CHECK_EQ_INT(c.sessions[2].contract_line, 14);
	test_rules_plain(&c);
	test_rules_fixed(&c);
	test_rules_perp(&c);
	feed_config_free(&c);
}

/* ---- the cache file ---------------------------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static char *read_text(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

/* Writes text over file and expects the read to fail with rc and why. */
static void refused(const char *file, const char *text, const char *venue, const char *base,
		    const struct feed_venue_ctx *v, int rc, const char *why_has)
{
	struct feed_ref_instr ref[3];
	char why[256] = "";

	write_text(file, text);
	memset(ref, 0x5a, sizeof(ref));
	CHECK_EQ_INT(feed_refdata_cache_read(file, venue, base, v, ref, why, sizeof(why)), rc);
	if (!strstr(why, why_has))
		fprintf(stderr, "why '%s', want '%s'\n", why, why_has);
	CHECK(strstr(why, why_has) != NULL);
	CHECK(ref[0].found == 0 && ref[0].tick == 0); /* never half-trusted */
}

static void test_cache(void)
{
	struct feed_ref_instr ref[3] = {{1, 1, 0, 2, 5, 0, 1}, {5, 1, 0, 2, 4, 0, 1}, {0}}, back[3];
	struct feed_config c;
	struct feed_venue_ctx v, other;
	char dir[300], file[400], good[4096], cut[4096 + 16], why[256];
	struct stat st;

	memset(&c, 0, sizeof(c));
	load(&c, CFG);
	ctx_of(&v, feed_venue_find("binance"), &c.sessions[0]);
	ctx_of(&other, feed_venue_find("binance"), &c.sessions[1]);
	snprintf(dir, sizeof(dir), "%s/a/b", tmp); /* created on the way */
	CHECK_EQ_INT(feed_refdata_cache_file(dir, "t", "plain", file, sizeof(file)), 0);
	CHECK(strstr(file, "/a/b/refdata-t-plain.txt") != NULL);
	CHECK_EQ_INT(feed_refdata_cache_read(file, "binance", "h:443", &v, back, why, sizeof(why)),
		     -ENOENT);
	CHECK_EQ_INT(feed_refdata_cache_write(file, "binance", "h:443", &v, ref), 0);
	CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0644);
	memset(back, 0x5a, sizeof(back));
	CHECK_EQ_INT(feed_refdata_cache_read(file, "binance", "h:443", &v, back, why, sizeof(why)),
		     0);
	for (int i = 0; i < 3; i++)
		CHECK(back[i].tick == ref[i].tick && back[i].tick_dp == ref[i].tick_dp &&
		      back[i].lot == ref[i].lot && back[i].lot_dp == ref[i].lot_dp &&
		      back[i].contract == ref[i].contract &&
		      back[i].contract_dp == ref[i].contract_dp && back[i].found == ref[i].found);
	snprintf(good, sizeof(good), "%s", read_text(file));
	CHECK(strncmp(good, "mdbus-refdata 1\nvenue binance\nbase h:443\nsymbols 3\n", 50) == 0);

	/* truncated anywhere: refused */
	for (size_t n = 0; n < strlen(good); n += 7) {
		snprintf(cut, sizeof(cut), "%.*s", (int)n, good);
		refused(file, cut, "binance", "h:443", &v, -EBADMSG, "");
	}
	refused(file, "", "binance", "h:443", &v, -EBADMSG, "not a reference-data cache");
	snprintf(cut, sizeof(cut), "%.*s", (int)(strlen(good) - 9), good);
	refused(file, cut, "binance", "h:443", &v, -EBADMSG, "truncated");
	/* corrupt */
	snprintf(cut, sizeof(cut), "%s", good);
	*strstr(cut, " 1 2 1 5") = '#';
	refused(file, cut, "binance", "h:443", &v, -EBADMSG, "corrupt (a symbol line)");
	refused(file,
		"mdbus-refdata 1\nvenue binance\nbase h:443\nsymbols 3\n"
		"sym BTC-USDT BTCUSDT 1 1 19 1 5 0 0\nsym ETH-USDT ETHUSDT 1 5 2 1 4 0 0\n"
		"sym XRP-USDT XRPUSDT 0 0 0 0 0 0 0\nend 3\n",
		"binance", "h:443", &v, -EBADMSG, "corrupt (a symbol line)"); /* 19 decimals */
	snprintf(cut, sizeof(cut), "%sextra\n", good);
	refused(file, cut, "binance", "h:443", &v, -EBADMSG, "end line");
	snprintf(cut, sizeof(cut), "%s", good);
	cut[14] = '2'; /* mdbus-refdata 2 */
	refused(file, cut, "binance", "h:443", &v, -EBADMSG, "another format version");
	/* mismatching */
	refused(file, good, "okx", "h:443", &v, -ESTALE, "another venue");
	refused(file, good, "binance", "h:8443", &v, -ESTALE, "another REST host");
	refused(file, good, "binance", "h:443", &other, -ESTALE, "another symbol set");
	feed_venue_ctx_free(&v);
	feed_venue_ctx_free(&other);
	feed_config_free(&c);
}

static void test_cache_dir(void)
{
	char d[256];

	unsetenv("CACHE_DIRECTORY");
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/home/u", 1);
	CHECK_EQ_INT(feed_refdata_cache_dir("/etc/x", d, sizeof(d)), 0);
	CHECK_STR(d, "/etc/x");
	CHECK_EQ_INT(feed_refdata_cache_dir("", d, sizeof(d)), 0);
	CHECK_STR(d, "/home/u/.cache/mdbus");
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	CHECK_EQ_INT(feed_refdata_cache_dir("", d, sizeof(d)), 0);
	CHECK_STR(d, "/xdg/mdbus");
	setenv("CACHE_DIRECTORY", "/var/cache/mdbus:/var/cache/other", 1);
	CHECK_EQ_INT(feed_refdata_cache_dir(NULL, d, sizeof(d)), 0);
	CHECK_STR(d, "/var/cache/mdbus");
	unsetenv("CACHE_DIRECTORY");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	CHECK_EQ_INT(feed_refdata_cache_dir("", d, sizeof(d)), -ENOENT);
}

/* ---- Binance exchangeInfo ------------------------------------------------------------------ */

/* As the docs print it (GET /api/v3/exchangeInfo), two of our three symbols. */
static const char BN_BODY[] =
	"{\"timezone\":\"UTC\",\"serverTime\":1565246363776,\"rateLimits\":[{\"rateLimitType\":"
	"\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000}],"
	"\"exchangeFilters\":[],\"symbols\":[{\"symbol\":\"ETHUSDT\",\"status\":\"TRADING\","
	"\"baseAsset\":\"ETH\",\"baseAssetPrecision\":8,\"quoteAsset\":\"USDT\","
	"\"quotePrecision\":8,\"quoteAssetPrecision\":8,\"orderTypes\":[\"LIMIT\",\"MARKET\"],"
	"\"icebergAllowed\":true,\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":"
	"\"0.01000000\",\"maxPrice\":\"1000000.00000000\",\"tickSize\":\"0.01000000\"},"
	"{\"filterType\":\"PERCENT_PRICE_BY_SIDE\",\"bidMultiplierUp\":\"5\"},{\"filterType\":"
	"\"LOT_SIZE\",\"minQty\":\"0.00010000\",\"maxQty\":\"9000.00000000\",\"stepSize\":"
	"\"0.00010000\"},{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0.00000000\","
	"\"maxQty\":\"100.00000000\",\"stepSize\":\"0.00000000\"}],\"permissions\":[],"
	"\"permissionSets\":[[\"SPOT\",\"MARGIN\"]],\"defaultSelfTradePreventionMode\":\"NONE\"},"
	"{\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"filters\":[{\"filterType\":"
	"\"LOT_SIZE\",\"minQty\":\"0.00001000\",\"maxQty\":\"9000.00000000\",\"stepSize\":"
	"\"0.00001000\"},{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"1.00000000\","
	"\"maxPrice\":\"1000000.00000000\",\"tickSize\":\"1.00000000\"},{\"filterType\":"
	"\"ICEBERG_PARTS\",\"limit\":10}]}],\"sors\":[]}";

static void test_binance(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("binance");
	struct feed_ref_instr ref[3];
	struct feed_venue_ctx v;
	struct feed_config c;
	char buf[1024], body[sizeof(BN_BODY)], syms[2048];
	size_t n;

	CHECK(ops->ref.request && ops->ref.parse && ops->ref.weight == 20);
	memset(&c, 0, sizeof(c));
	load(&c, CFG);
	ctx_of(&v, ops, &c.sessions[0]);
	CHECK_EQ_INT(ops->ref.request(&v, 0, buf, sizeof(buf), &n), 1);
	CHECK_STR(buf, "/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22,"
		       "%22XRPUSDT%22%5D");
	CHECK_EQ_INT(n, strlen(buf));
	CHECK_EQ_INT(ops->ref.request(&v, 1, buf, sizeof(buf), &n), 0);
	CHECK_EQ_INT(ops->ref.request(&v, 0, buf, 40, &n), -ENOBUFS);
	memset(ref, 0, sizeof(ref));
	CHECK_EQ_INT(ops->ref.parse(&v, 0, (const uint8_t *)BN_BODY, strlen(BN_BODY), ref), 0);
	CHECK(ref[0].found && ref[0].tick == 1 && ref[0].tick_dp == 0 && ref[0].lot == 1 &&
	      ref[0].lot_dp == 5 && ref[0].contract == 0);
	CHECK(ref[1].found && ref[1].tick == 1 && ref[1].tick_dp == 2 && ref[1].lot == 1 &&
	      ref[1].lot_dp == 4);
	CHECK(!ref[2].found && ref[2].tick == 0); /* XRPUSDT: not listed */
	/* bad answers */
	memcpy(body, BN_BODY, sizeof(body));
	strstr(body, "\"stepSize\":\"0.0001")[12] = 'x';
	CHECK_EQ_INT(ops->ref.parse(&v, 0, (const uint8_t *)body, strlen(body), ref), -EBADMSG);
	CHECK(strstr(v.reason, "stepSize") != NULL);
	CHECK_EQ_INT(ops->ref.parse(&v, 0, (const uint8_t *)BN_BODY, 100, ref), -EBADMSG);
	CHECK_EQ_INT(ops->ref.parse(&v, 0, (const uint8_t *)"{\"code\":-1121}", 14, ref), -EBADMSG);
	feed_venue_ctx_free(&v);
	feed_config_free(&c);

	/* 25 symbols: two requests, 20 and 5 */
	n = (size_t)snprintf(syms, sizeof(syms), "[session many]\nvenue = binance\nsymbols = ");
	for (int i = 0; i < 25; i++)
		n += (size_t)snprintf(syms + n, sizeof(syms) - n, "%sA%c%c-USDT",
				      i == 0  ? ""
				      : i % 5 ? ", "
					      : ",\n  ",
				      'A' + i / 5, 'A' + i % 5);
	snprintf(syms + n, sizeof(syms) - n, "\n");
	memset(&c, 0, sizeof(c));
	load(&c, syms);
	ctx_of(&v, ops, &c.sessions[0]);
	CHECK_EQ_INT(ops->ref.request(&v, 0, buf, sizeof(buf), &n), 1);
	CHECK_EQ_INT(count_of(buf, "%22") / 2, 20);
	CHECK_EQ_INT(ops->ref.request(&v, 1, buf, sizeof(buf), &n), 1);
	CHECK_EQ_INT(count_of(buf, "%22") / 2, 5);
	CHECK(strstr(buf, "%22AEEUSDT%22%5D") != NULL);
	CHECK_EQ_INT(ops->ref.request(&v, 2, buf, sizeof(buf), &n), 0);
	feed_venue_ctx_free(&v);
	feed_config_free(&c);
}

/* ---- config keys ------------------------------------------------------------------------- */

static void bad_config(const char *text, const char *want)
{
	struct feed_config c;
	char err[512] = "";

	memset(&c, 0, sizeof(c));
	CHECK_EQ_INT(feed_config_load_string(text, "k.ini", &c, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fprintf(stderr, "error '%s', want '%s'\n", err, want);
	CHECK(strstr(err, want) != NULL);
	feed_config_free(&c);
}

static void test_keys(void)
{
	struct feed_config c;

	memset(&c, 0, sizeof(c));
	load(&c, "[session a]\nvenue = binance\nsymbols = BTC-USDT\n");
	CHECK_EQ_INT(c.refdata_timeout_ms, 5000);
	CHECK_STR(c.cache_dir, "");
	CHECK_EQ_INT(c.sessions[0].refdata, 1);
	CHECK_EQ_INT(c.sessions[0].pdec_line, 0);
	feed_config_free(&c);
	memset(&c, 0, sizeof(c));
	load(&c, "[feed]\nrefdata_timeout = 250ms\ncache_dir = /var/cache/x\nrefdata = off\n"
		 "[session a]\nvenue = binance\nsymbols = BTC-USDT\n");
	CHECK_EQ_INT(c.refdata_timeout_ms, 250);
	CHECK_STR(c.cache_dir, "/var/cache/x");
	CHECK_EQ_INT(c.sessions[0].refdata, 0);
	feed_config_free(&c);
	bad_config("[feed]\nrefdata_timeout = 0\n[session a]\nvenue = binance\nsymbols = A-B\n",
		   "k.ini:2: refdata_timeout must be more than 0");
	bad_config("[feed]\n\ncache_dir =\n[session a]\nvenue = binance\nsymbols = A-B\n",
		   "k.ini:3:");
	bad_config("[session a]\nvenue = binance\nsymbols = A-B\nrefdata = maybe\n",
		   "k.ini:4: bad refdata 'maybe' (yes or no)");
	bad_config("[session a]\nvenue = binance\nsymbols = A-B\ncache_dir = /x\n",
		   "k.ini:4: unknown key 'cache_dir'");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path) < 0 ? -1 : 0;
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/test_refdata.XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	feed_log_setup(FEED_LOG_INFO, FEED_LOG_LOGFMT);
	test_rules();
	test_cache();
	test_cache_dir();
	test_binance();
	test_keys();
	nftw(tmp, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return feed_test_done("test_refdata");
}
