/* SPDX-License-Identifier: MIT */
/*
 * bench_pub: the writer of python/bench.py. Creates bus NAME and publishes
 * trades of bench/BTC-USDT (price 65000.10 + k cents, qty 0.001, trade_id k),
 * each with recv_ts = CLOCK_REALTIME at publish, then prints "done N" and
 * closes the bus (removing it) when its stdin closes.
 *   bench_pub fill NAME SLOTS COUNT     COUNT ticks at once, one wake
 *   bench_pub rate NAME RATE SECONDS    RATE ticks/s on an absolute
 *                                       schedule (busy-waits between), a
 *                                       wake after each
 * Prints "ready" once the bus exists (and, for rate, before the first tick).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdbus.h"

static int64_t bp_now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bp_publish(mdbus_writer *w, uint32_t id, uint64_t k)
{
	struct mdbus_tick t = {.instrument = id, .kind = MDBUS_KIND_TRADE, .flags = MDBUS_FLAG_BUY};

	t.u.trade.price = 6500010 + (int64_t)(k % 1000);
	t.u.trade.qty = 1000;
	t.u.trade.trade_id = k;
	t.exch_ts = bp_now(CLOCK_REALTIME);
	t.recv_ts = bp_now(CLOCK_REALTIME);
	return mdbus_writer_publish(w, &t, NULL);
}

static int bp_run(mdbus_writer *w, uint32_t id, int rate_mode, double a, double b)
{
	uint64_t n = 0;

	if (!rate_mode) {
		for (; n < (uint64_t)b; n++)
			if (bp_publish(w, id, n + 1) < 0)
				return 1;
		mdbus_writer_wake(w);
		printf("ready\n");
	} else {
		int64_t period = (int64_t)(1e9 / a), next = bp_now(CLOCK_MONOTONIC);
		int64_t end = next + (int64_t)(b * 1e9);

		printf("ready\n");
		fflush(stdout);
		for (; next < end; n++, next += period) {
			while (bp_now(CLOCK_MONOTONIC) < next)
				;
			if (bp_publish(w, id, n + 1) < 0)
				return 1;
			mdbus_writer_wake(w);
		}
	}
	printf("done %llu\n", (unsigned long long)n);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	int rate_mode = argc == 5 && strcmp(argv[1], "rate") == 0;
	char err[256] = "";
	struct mdbus_writer_opts o = {.errbuf = err, .errlen = sizeof(err)};
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 6};
	mdbus_writer *w;
	uint32_t id;
	int rc;

	if (argc != 5 || (!rate_mode && strcmp(argv[1], "fill") != 0)) {
		fprintf(stderr,
			"usage: bench_pub fill NAME SLOTS COUNT | rate NAME RATE SECONDS\n");
		return 2;
	}
	o.bus = argv[2];
	o.slots = rate_mode ? 0 : (uint32_t)strtoul(argv[3], NULL, 10);
	snprintf(in.venue, sizeof(in.venue), "bench");
	snprintf(in.symbol, sizeof(in.symbol), "BTC-USDT");
	snprintf(in.native, sizeof(in.native), "BTCUSDT");
	if ((rc = mdbus_writer_open(&w, &o)) < 0 ||
	    (rc = mdbus_writer_add_instrument(w, &in, &id))) {
		fprintf(stderr, "bench_pub: %s %s\n", mdbus_strerror(rc), err);
		return 1;
	}
	rc = bp_run(w, id, rate_mode, strtod(argv[3], NULL), strtod(argv[4], NULL));
	fflush(stdout);
	while (getchar() != EOF)
		;
	mdbus_writer_close(w, 1);
	return rc;
}
