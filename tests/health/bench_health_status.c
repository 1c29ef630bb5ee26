/* SPDX-License-Identifier: MIT */
/*
 * bench_health_status: ns per mdbus_health_instr_status() call, the fast
 * liveness-folded status read a strategy may call per decision (target: under
 * 30 ns). A benchmark (`meson test --benchmark health_status`), not a timed
 * test: it prints the median of 7 runs of 2 M calls each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdbus.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(void)
{
	char bus[64];
	snprintf(bus, sizeof(bus), "hbench-%d", (int)getpid());
	struct mdbus_writer_opts o = {.bus = bus,
				      .slots = 1024,
				      .max_instruments = 8,
				      .max_sessions = 2,
				      .group = (gid_t)-1};
	mdbus_writer *w;
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
	strcpy(in.venue, "test");
	strcpy(in.symbol, "BTC-USDT");
	size_t size;
	if (mdbus_writer_open(&w, &o) < 0 || mdbus_writer_add_instrument(w, &in, NULL) < 0)
		return 1;
	void *region = mdbus_writer_health(w, &size);
	if (mdbus_health_writer_init(region, size, 2, 8) < 0)
		return 1;
	struct mdbus_health_feed f = {.state = MDBUS_HEALTH_FEED_RUNNING,
				      .heartbeat_mono_ns = mdbus_health_mono_ns() + 3600000000000LL,
				      .heartbeat_period_ms = 50};
	mdbus_health_publish_feed(region, &f);
	mdbus_health_set_instr_status(region, 0, MDBUS_HEALTH_INSTR_LIVE);
	mdbus_reader *r;
	struct mdbus_reader_opts ro = {.bus = bus};
	if (mdbus_reader_open(&r, &ro) < 0)
		return 1;
	enum { RUNS = 7, CALLS = 2000000 };
	double ns[RUNS];
	long live = 0;
	for (int k = 0; k < RUNS; k++) {
		int64_t t0 = mdbus_health_mono_ns();
		for (int i = 0; i < CALLS; i++)
			live += mdbus_health_instr_status(r, 0) == MDBUS_HEALTH_INSTR_LIVE;
		ns[k] = (double)(mdbus_health_mono_ns() - t0) / CALLS;
	}
	qsort(ns, RUNS, sizeof(ns[0]), cmp);
	printf("mdbus_health_instr_status: %.1f ns/call median of %d runs (min %.1f, max %.1f); "
	       "live %ld of %ld\n",
	       ns[RUNS / 2], RUNS, ns[0], ns[RUNS - 1], live, (long)RUNS * CALLS);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	return live == (long)RUNS * CALLS ? 0 : 1;
}
