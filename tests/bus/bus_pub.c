/* SPDX-License-Identifier: MIT */
/* bus_pub: test writer. Creates bus NAME, publishes COUNT ticks of
 * test/BTC-USDT, wakes readers, keeps the bus up for SECONDS, then closes
 * it and removes its files.
 * Usage: bus_pub NAME SECONDS COUNT [SLOTS [FLAGS]]
 * SLOTS: ring slots (default 64). FLAGS: 'k' keeps the segment at close
 * (STOPPED, as feedd leaves it); 'a' cycles through every tick kind (trade,
 * bbo, l2 bid, l2 ask, status up) instead of trades only. A trade is 65000.1
 * x 0.12345678 with the tick's sequence number as trade_id. */
#include "helpers.h"

static void pub_tick(struct mdbus_tick *t, long i, int all_kinds)
{
	memset(t, 0, sizeof(*t));
	switch (all_kinds ? i % 5 : 0) {
	case 0:
		t->kind = MDBUS_KIND_TRADE;
		CHECK_RC(mdbus_decimal_parse("65000.1", 7, 2, &t->u.trade.price), 0);
		CHECK_RC(mdbus_decimal_parse("0.12345678", 10, 8, &t->u.trade.qty), 0);
		t->u.trade.trade_id = (uint64_t)i + 1;
		break;
	case 1:
		t->kind = MDBUS_KIND_BBO;
		t->u.bbo.bid_px = 6500000, t->u.bbo.bid_qty = 100000000;
		t->u.bbo.ask_px = 6500001, t->u.bbo.ask_qty = 50000000;
		break;
	case 2:
	case 3:
		t->kind = MDBUS_KIND_L2;
		t->flags = i % 5 == 2 ? MDBUS_FLAG_BUY : MDBUS_FLAG_SELL;
		t->u.l2.price = 6499990, t->u.l2.qty = 2500000;
		break;
	default:
		t->kind = MDBUS_KIND_STATUS;
		t->u.status.code = MDBUS_STATUS_UP;
		break;
	}
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: bus_pub NAME SECONDS COUNT [SLOTS [FLAGS]]\n");
		return 2;
	}
	uint32_t slots = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 64;
	const char *flags = argc > 5 ? argv[5] : "";
	mdbus_writer *w = th_writer(argv[1], slots);
	long count = strtol(argv[3], NULL, 10);
	for (long i = 0; i < count; i++) {
		struct mdbus_tick t;
		pub_tick(&t, i, strchr(flags, 'a') != NULL);
		CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	}
	mdbus_writer_wake(w);
	usleep((useconds_t)(strtod(argv[2], NULL) * 1e6));
	mdbus_writer_close(w, strchr(flags, 'k') == NULL);
	return 0;
}
