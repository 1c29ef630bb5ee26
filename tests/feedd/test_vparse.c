/* SPDX-License-Identifier: MIT */
/*
 * test_vparse.c: the value helpers adapters share (venues/vparse.c):
 * decimals from JSON strings and bare numbers (exponents exact, refusals
 * counted as errors), and timestamps from ms/us/ns integers, fractional-ms
 * text and RFC 3339.
 */
#include <errno.h>
#include <stdint.h>

#include "config.h"
#include "helpers.h"
#include "jsonscan.h"
#include "venue.h"

static struct feed_venue_ctx ctx;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};

/* The value of "v" in the JSON text, through the adapter helper. */
static int dec(const char *json, unsigned scale, unsigned opts, int64_t *val)
{
	static const struct feed_json_key key[1] = {FEED_JSON_KEY("v")};
	struct feed_json_val f[1];

	if (feed_json_scan(json, strlen(json), key, 1, f) < 0)
		return -100;
	out.cls = FEED_MSG_NONE;
	out.reason = NULL;
	return feed_venue_decimal(&ctx, &out, 0, f, "price", scale, opts, val);
}

/* Long: one table of cases in order; each line is one input and its exact result. */
static void test_decimals(void)
{
	int64_t v = 0;

	/* Strings: the plain grammar; exponents only when asked. */
	CHECK_EQ_INT(dec("{\"v\":\"65000.10\"}", 2, 0, &v), 0);
	CHECK_EQ_INT(v, 6500010);
	CHECK_EQ_INT(dec("{\"v\":\"1.5e-05\"}", 8, 0, &v), -EINVAL);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK_STR(out.reason, "BTCUSD price '1.5e-05': not a decimal (scale 8)");
	CHECK_EQ_INT(dec("{\"v\":\"1.5e-05\"}", 8, FEED_DEC_EXP, &v), 0);
	CHECK_EQ_INT(v, 1500);
	/* Bare numbers: refused unless asked, then exact, exponents included. */
	CHECK_EQ_INT(dec("{\"v\":0.5117}", 4, 0, &v), -EINVAL);
	CHECK_STR(out.reason, "BTCUSD price: not a string");
	CHECK_EQ_INT(dec("{\"v\":0.5117}", 4, FEED_DEC_NUM, &v), 0);
	CHECK_EQ_INT(v, 5117);
	CHECK_EQ_INT(dec("{\"v\":40.0}", 0, FEED_DEC_NUM, &v), 0);
	CHECK_EQ_INT(v, 40);
	CHECK_EQ_INT(dec("{\"v\":1.5e-05}", 8, FEED_DEC_NUM, &v), 0);
	CHECK_EQ_INT(v, 1500);
	CHECK_EQ_INT(dec("{\"v\":2E+3}", 2, FEED_DEC_NUM, &v), 0);
	CHECK_EQ_INT(v, 200000);
	CHECK_EQ_INT(dec("{\"v\":1e-9}", 8, FEED_DEC_NUM, &v), -EDOM);
	CHECK_STR(out.reason, "BTCUSD price '1e-9': more decimals than the scale (scale 8)");
	CHECK_EQ_INT(dec("{\"v\":0.000000001}", 8, FEED_DEC_NUM, &v), -EDOM);
	CHECK_EQ_INT(dec("{\"v\":9.3e18}", 0, FEED_DEC_NUM, &v), -ERANGE);
	CHECK_STR(out.reason, "BTCUSD price '9.3e18': out of range (scale 0)");
	CHECK_EQ_INT(dec("{\"v\":9.2e18}", 0, FEED_DEC_NUM, &v), 0);
	CHECK_EQ_INT(v, 9200000000000000000LL);
	/* Negatives: refused unless allowed. */
	CHECK_EQ_INT(dec("{\"v\":-0.17}", 2, FEED_DEC_NUM, &v), -EINVAL);
	CHECK_STR(out.reason, "BTCUSD price '-0.17': negative");
	CHECK_EQ_INT(dec("{\"v\":-0.17}", 2, FEED_DEC_NUM | FEED_DEC_NEG, &v), 0);
	CHECK_EQ_INT(v, -17);
	CHECK_EQ_INT(dec("{\"v\":\"-1.5E1\"}", 1, FEED_DEC_EXP | FEED_DEC_NEG, &v), 0);
	CHECK_EQ_INT(v, -150);
	/* Missing, wrong type, escaped string. */
	CHECK_EQ_INT(dec("{\"w\":1}", 2, FEED_DEC_NUM, &v), -EINVAL);
	CHECK_STR(out.reason, "BTCUSD price: missing field");
	CHECK_EQ_INT(dec("{\"v\":true}", 2, FEED_DEC_NUM, &v), -EINVAL);
	CHECK_STR(out.reason, "BTCUSD price: not a number or string");
	CHECK_EQ_INT(dec("{\"v\":\"1\\u002e5\"}", 2, FEED_DEC_NUM, &v), -EINVAL);
	CHECK_EQ_INT(ctx.syms[0].errors, 0); /* counted by on_message, not here */
}

static void test_ts_ints(void)
{
	int64_t ns = 0;

	CHECK_EQ_INT(feed_ts_ms(1700000000123ULL, &ns), 0);
	CHECK_EQ_INT(ns, 1700000000123000000LL);
	CHECK_EQ_INT(feed_ts_us(1700000000123456ULL, &ns), 0);
	CHECK_EQ_INT(ns, 1700000000123456000LL);
	CHECK_EQ_INT(feed_ts_ns(1700000000123456789ULL, &ns), 0);
	CHECK_EQ_INT(ns, 1700000000123456789LL);
	CHECK_EQ_INT(feed_ts_ms(9223372036854ULL, &ns), 0); /* the last whole ms */
	CHECK_EQ_INT(feed_ts_ms(9223372036855ULL, &ns), -ERANGE);
	CHECK_EQ_INT(feed_ts_us(9223372036854776ULL, &ns), -ERANGE);
	CHECK_EQ_INT(feed_ts_ns(9223372036854775808ULL, &ns), -ERANGE);
	CHECK_EQ_INT(feed_ts_ms(0, &ns), 0);
	CHECK_EQ_INT(ns, 0);
}

static int ms_text(const char *s, int64_t *ns)
{
	return feed_ts_ms_text(s, strlen(s), ns);
}

static void test_ts_ms_text(void)
{
	int64_t ns = 0;

	CHECK_EQ_INT(ms_text("1700000000123.456", &ns), 0);
	CHECK_EQ_INT(ns, 1700000000123456000LL);
	CHECK_EQ_INT(ms_text("1700000000123", &ns), 0);
	CHECK_EQ_INT(ns, 1700000000123000000LL);
	CHECK_EQ_INT(ms_text("1700000000123.000001", &ns), 0);
	CHECK_EQ_INT(ns, 1700000000123000001LL);
	CHECK_EQ_INT(ms_text("1700000000123.1", &ns), 0);
	CHECK_EQ_INT(ns, 1700000000123100000LL);
	CHECK_EQ_INT(ms_text("1700000000123.0000001", &ns), -EINVAL); /* below 1 ns */
	CHECK_EQ_INT(ms_text("1700000000123.", &ns), -EINVAL);
	CHECK_EQ_INT(ms_text(".5", &ns), -EINVAL);
	CHECK_EQ_INT(ms_text("-1", &ns), -EINVAL);
	CHECK_EQ_INT(ms_text("17e11", &ns), -EINVAL);
	CHECK_EQ_INT(ms_text("9223372036854.775807", &ns), 0);
	CHECK_EQ_INT(ns, INT64_MAX);
	CHECK_EQ_INT(ms_text("9223372036854.775808", &ns), -ERANGE);
	CHECK_EQ_INT(ms_text("99999999999999999999", &ns), -EINVAL); /* 20 digits */
}

static int rfc(const char *s, int64_t *ns)
{
	return feed_ts_rfc3339(s, strlen(s), ns);
}

/* Long: one table of cases in order; each line is one input and its exact result. */
static void test_ts_rfc3339(void)
{
	int64_t ns = 0;

	CHECK_EQ_INT(rfc("2023-09-25T07:49:37.708706Z", &ns), 0);
	CHECK_EQ_INT(ns, 1695628177708706000LL);
	CHECK_EQ_INT(rfc("1970-01-01T00:00:00Z", &ns), 0);
	CHECK_EQ_INT(ns, 0);
	CHECK_EQ_INT(rfc("2023-09-25T07:49:37Z", &ns), 0);
	CHECK_EQ_INT(ns, 1695628177000000000LL);
	CHECK_EQ_INT(rfc("2023-09-25T07:49:37.123456789Z", &ns), 0);
	CHECK_EQ_INT(ns, 1695628177123456789LL);
	CHECK_EQ_INT(rfc("2023-09-25T07:49:37.1Z", &ns), 0);
	CHECK_EQ_INT(ns, 1695628177100000000LL);
	/* Offsets: the same instant three ways; lower-case t and z, a space. */
	CHECK_EQ_INT(rfc("2023-09-25T09:49:37.5+02:00", &ns), 0);
	CHECK_EQ_INT(ns, 1695628177500000000LL);
	CHECK_EQ_INT(rfc("2023-09-25T02:19:37.5-05:30", &ns), 0);
	CHECK_EQ_INT(ns, 1695628177500000000LL);
	CHECK_EQ_INT(rfc("2023-09-25t07:49:37.5z", &ns), 0);
	CHECK_EQ_INT(ns, 1695628177500000000LL);
	CHECK_EQ_INT(rfc("2023-09-25 07:49:37.5Z", &ns), 0);
	CHECK_EQ_INT(ns, 1695628177500000000LL);
	/* Leap day, year ends, the last representable second. */
	CHECK_EQ_INT(rfc("2024-02-29T00:00:00Z", &ns), 0);
	CHECK_EQ_INT(ns, 1709164800000000000LL);
	CHECK_EQ_INT(rfc("2000-12-31T23:59:59.999999999Z", &ns), 0);
	CHECK_EQ_INT(ns, 978307199999999999LL);
	CHECK_EQ_INT(rfc("2262-04-11T23:47:16.854775807Z", &ns), 0);
	CHECK_EQ_INT(ns, INT64_MAX);
	CHECK_EQ_INT(rfc("2262-04-11T23:47:16.854775808Z", &ns), -ERANGE);
	CHECK_EQ_INT(rfc("2262-04-11T23:47:17Z", &ns), -ERANGE);
	CHECK_EQ_INT(rfc("1969-12-31T23:59:59Z", &ns), -ERANGE);
	CHECK_EQ_INT(rfc("1970-01-01T00:30:00+01:00", &ns), -ERANGE);
	/* Malformed. */
	CHECK_EQ_INT(rfc("2023-02-29T00:00:00Z", &ns), -EINVAL);
	CHECK_EQ_INT(rfc("2023-13-01T00:00:00Z", &ns), -EINVAL);
	CHECK_EQ_INT(rfc("2023-09-25T24:00:00Z", &ns), -EINVAL);
	CHECK_EQ_INT(rfc("2023-09-25T07:49:37", &ns), -EINVAL);		    /* no zone */
	CHECK_EQ_INT(rfc("2023-09-25T07:49:37.Z", &ns), -EINVAL);	    /* no digits */
	CHECK_EQ_INT(rfc("2023-09-25T07:49:37.1234567891Z", &ns), -EINVAL); /* 10 digits */
	CHECK_EQ_INT(rfc("2023-09-25T07:49:37+0200", &ns), -EINVAL);
	CHECK_EQ_INT(rfc("2023-9-25T07:49:37Z", &ns), -EINVAL);
	CHECK_EQ_INT(rfc("2023-09-25T07:49:37ZZ", &ns), -EINVAL);
	CHECK_EQ_INT(rfc("", &ns), -EINVAL);
}

int main(void)
{
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USD"};
	struct feed_session_config sc;
	char err[128];

	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 1;
	sc.channels = FEED_CH_TRADES;
	sc.price_decimals = sc.qty_decimals = sc.qty_unit = -1;
	CHECK_EQ_INT(feed_venue_ctx_init(&ctx, feed_venue_find("binance"), &sc, err, sizeof(err)),
		     0);
	test_decimals();
	test_ts_ints();
	test_ts_ms_text();
	test_ts_rfc3339();
	feed_venue_ctx_free(&ctx);
	return feed_test_done("test_vparse");
}
