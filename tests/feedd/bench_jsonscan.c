/* SPDX-License-Identifier: MIT */
/*
 * bench_jsonscan.c: parses N (default 1,000,000) Binance trade messages
 * with jsonscan and with jansson, extracting the same seven fields, and
 * prints ns/msg for each; then the whole Binance adapter (scan + exact
 * decimals + tick) per message. Run: meson test --benchmark, or directly
 * `bench_feed_jsonscan [N]`.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "jsonscan.h"
#include "venue.h"

#define NMSG 1024

static char msgs[NMSG][256];
static size_t lens[NMSG];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(int argc, char **argv)
{
	static const struct feed_json_key keys[] = {
		FEED_JSON_KEY("e"), FEED_JSON_KEY("s"), FEED_JSON_KEY("p"), FEED_JSON_KEY("q"),
		FEED_JSON_KEY("T"), FEED_JSON_KEY("t"), FEED_JSON_KEY("m"),
	};
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000, i;
	uint64_t sink = 0;
	int64_t t0, t1, t2, t3, t4;
	int k;

	for (k = 0; k < NMSG; k++) {
		int w = snprintf(
			msgs[k], sizeof(msgs[k]),
			"{\"e\":\"trade\",\"E\":%lld,\"s\":\"%s\",\"t\":%d,\"p\":\"%d.%02d\","
			"\"q\":\"0.%08d\",\"T\":%lld,\"m\":%s,\"M\":true}",
			1700000000123LL + k, k % 2 ? "BTCUSDT" : "ETHUSDT", 12345 + k, 60000 + k,
			k % 100, 1000 + k * 7, 1700000000120LL + k, k % 3 ? "true" : "false");
		lens[k] = (size_t)w;
	}

	/* jsonscan: one pass, seven fields, plus reading the two numbers. */
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct feed_json_val v[7];
		uint64_t T, t;
		const char *m = msgs[i % NMSG];
		if (feed_json_scan(m, lens[i % NMSG], keys, 7, v) != 7)
			return 1;
		feed_json_u64(&v[4], &T);
		feed_json_u64(&v[5], &t);
		sink += T + t + v[2].n + v[3].n + v[1].n + (v[6].type == FEED_JSON_TRUE);
	}
	t1 = now_ns();

	/* jansson: build the tree, look the same fields up, free it. */
	for (i = 0; i < n; i++) {
		json_error_t err;
		const char *m = msgs[i % NMSG];
		json_t *root = json_loadb(m, lens[i % NMSG], 0, &err);
		if (!root)
			return 1;
		const char *e = json_string_value(json_object_get(root, "e"));
		const char *s = json_string_value(json_object_get(root, "s"));
		const char *p = json_string_value(json_object_get(root, "p"));
		const char *q = json_string_value(json_object_get(root, "q"));
		json_int_t T = json_integer_value(json_object_get(root, "T"));
		json_int_t t = json_integer_value(json_object_get(root, "t"));
		int mk = json_is_true(json_object_get(root, "m"));
		sink += (uint64_t)(T + t) + strlen(p) + strlen(q) + strlen(s) + (uint64_t)mk +
			(e[0] == 't');
		json_decref(root);
	}
	t2 = now_ns();

	/* The whole adapter: scan + exact decimals + the tick. */
	{
		char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
		struct feed_session_config sc;
		struct feed_venue_ctx v;
		struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
		struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
		char err[128];

		memset(&sc, 0, sizeof(sc));
		sc.symbols = syms;
		sc.nsymbols = 2;
		sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
		sc.price_decimals = sc.qty_decimals = -1;
		if (feed_venue_ctx_init(&v, feed_venue_find("binance"), &sc, err, sizeof(err)) < 0)
			return 1;
		t3 = now_ns();
		for (i = 0; i < n; i++) {
			feed_venue_on_message(&v, (const uint8_t *)msgs[i % NMSG], lens[i % NMSG],
					      0, i, &out);
			if (out.cls != FEED_MSG_DATA)
				return 1;
			sink += (uint64_t)ticks[0].u.trade.price;
		}
		t4 = now_ns();
		feed_venue_ctx_free(&v);
	}

	printf("messages: %ld (Binance trade, ~%zu bytes)\n", n, lens[0]);
	printf("jsonscan: %.1f ns/msg\n", (double)(t1 - t0) / (double)n);
	printf("jansson:  %.1f ns/msg\n", (double)(t2 - t1) / (double)n);
	printf("binance on_message (scan + decimals + tick): %.1f ns/msg\n",
	       (double)(t4 - t3) / (double)n);
	printf("(checksum %llu)\n", (unsigned long long)sink);
	return 0;
}
