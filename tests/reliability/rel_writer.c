/* SPDX-License-Identifier: MIT */
/*
 * rel_writer: a minimal writer for the reliability tests. Creates bus NAME
 * (4096 slots, instrument binance/BTC-USDT), prints "ready epoch=E" on
 * stdout, then publishes one trade every 5 ms and wakes readers until it is
 * killed (SIGTERM closes the bus cleanly; the tests mostly SIGKILL it).
 *
 * Usage: rel_writer NAME
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mdbus.h"

static volatile sig_atomic_t wr_stop;

static void wr_on_term(int sig)
{
	(void)sig;
	wr_stop = 1;
}

int main(int argc, char **argv)
{
	struct mdbus_writer_opts o = {.slots = 4096};
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
	struct timespec pause = {0, 5000000};
	char err[256] = "";
	mdbus_writer *w;
	uint32_t id;
	uint64_t n = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: rel_writer NAME\n");
		return 2;
	}
	o.bus = argv[1];
	o.errbuf = err;
	o.errlen = sizeof(err);
	signal(SIGTERM, wr_on_term);
	rc = mdbus_writer_open(&w, &o);
	if (rc < 0) {
		fprintf(stderr, "rel_writer: %s: %s\n", mdbus_strerror(rc), err);
		return 1;
	}
	strcpy(in.venue, "binance");
	strcpy(in.symbol, "BTC-USDT");
	strcpy(in.native, "btcusdt");
	if (mdbus_writer_add_instrument(w, &in, &id) < 0)
		return 1;
	printf("ready epoch=%" PRIu64 "\n", mdbus_writer_epoch(w));
	fflush(stdout);
	while (!wr_stop) {
		struct mdbus_tick t = {.instrument = id, .kind = MDBUS_KIND_TRADE};
		t.u.trade.price = 6500000 + (int64_t)(n % 100);
		t.u.trade.qty = 100000;
		t.u.trade.trade_id = ++n;
		mdbus_writer_publish(w, &t, NULL);
		mdbus_writer_wake(w);
		nanosleep(&pause, NULL);
	}
	mdbus_writer_close(w, 0);
	return 0;
}
