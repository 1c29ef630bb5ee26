/* SPDX-License-Identifier: MIT */
/* bus_pub: test helper. Creates bus NAME, publishes COUNT trades of
 * test/BTC-USDT at 65000.1 x 0.12345678 (seq-th trade_id), wakes readers,
 * keeps the bus up for SECONDS, then closes it and removes its files.
 * Usage: bus_pub NAME SECONDS COUNT */
#include "helpers.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bus_pub NAME SECONDS COUNT\n");
		return 2;
	}
	mdbus_writer *w = th_writer(argv[1], 64);
	long count = strtol(argv[3], NULL, 10);
	for (long i = 0; i < count; i++) {
		struct mdbus_tick t = {.instrument = 0, .kind = MDBUS_KIND_TRADE};
		CHECK_RC(mdbus_decimal_parse("65000.1", 7, 2, &t.u.trade.price), 0);
		CHECK_RC(mdbus_decimal_parse("0.12345678", 10, 8, &t.u.trade.qty), 0);
		t.u.trade.trade_id = (uint64_t)i + 1;
		CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	}
	mdbus_writer_wake(w);
	usleep((useconds_t)(strtod(argv[2], NULL) * 1e6));
	mdbus_writer_close(w, 1);
	return 0;
}
