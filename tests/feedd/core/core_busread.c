/* SPDX-License-Identifier: MIT */
/*
 * core_busread BUS: reads every tick still in the bus (oldest first) and
 * prints one summary line for the e2e script to check:
 *   trades=N bbo=N up=N down=N stale=N failed=N gap=N badtrade=N badbbo=N
 *   instruments=N state=S
 * and what the watchdog left in the health region (feed record, session 0):
 *   hb=N feed_state=S sess_state=S connects=N reconnects=N sess_ticks=N msgs=N
 * "bad" counts ticks whose decimals differ from what wsserver.py sends
 * (trade 65000.10 x 0.001, bbo 64999.99 x 1.5 / 65000.01 x 2.25 at 8/8).
 */
#include <stdio.h>
#include <string.h>

#include "mdbus.h"

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(int argc, char **argv)
{
	struct mdbus_reader_opts o;
	struct mdbus_info info;
	struct mdbus_tick t;
	mdbus_reader *r;
	unsigned long trades = 0, bbo = 0, up = 0, down = 0, stale = 0, failed = 0, gap = 0;
	unsigned long badt = 0, badb = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: core_busread BUS\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.bus = argv[1];
	o.start = MDBUS_START_OLDEST;
	rc = mdbus_reader_open(&r, &o);
	if (rc < 0) {
		fprintf(stderr, "core_busread: %s: %s\n", argv[1], mdbus_strerror(rc));
		return 1;
	}
	while ((rc = mdbus_reader_next(r, &t, NULL, NULL)) == 1) {
		if (t.flags & MDBUS_FLAG_GAP)
			gap++;
		switch (t.kind) {
		case MDBUS_KIND_TRADE:
			trades++;
			badt += t.u.trade.price != 6500010000000 || t.u.trade.qty != 100000 ||
				!(t.flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL));
			break;
		case MDBUS_KIND_BBO:
			bbo++;
			badb += t.u.bbo.bid_px != 6499999000000 || t.u.bbo.bid_qty != 150000000 ||
				t.u.bbo.ask_px != 6500001000000 || t.u.bbo.ask_qty != 225000000;
			break;
		case MDBUS_KIND_STATUS:
			up += t.u.status.code == MDBUS_STATUS_UP;
			down += t.u.status.code == MDBUS_STATUS_DOWN;
			stale += t.u.status.code == MDBUS_STATUS_STALE;
			failed += t.u.status.code == MDBUS_STATUS_FAILED;
			break;
		default:
			break;
		}
	}
	memset(&info, 0, sizeof(info));
	mdbus_reader_info(r, &info);
	printf("trades=%lu bbo=%lu up=%lu down=%lu stale=%lu failed=%lu gap=%lu badtrade=%lu "
	       "badbbo=%lu instruments=%u state=%u end=%d\n",
	       trades, bbo, up, down, stale, failed, gap, badt, badb,
	       mdbus_reader_instrument_count(r), info.writer_state, rc);
	{
		struct mdbus_health_feed f;
		struct mdbus_health_session hs;

		memset(&f, 0, sizeof(f));
		memset(&hs, 0, sizeof(hs));
		rc = mdbus_health_snapshot_feed(r, &f);
		if (rc == 0)
			rc = mdbus_health_snapshot_session(r, 0, &hs);
		printf("hb=%llu feed_state=%u sess_state=%u connects=%llu reconnects=%llu "
		       "sess_ticks=%llu msgs=%llu health=%d\n",
		       (unsigned long long)f.heartbeat_count, f.state, hs.state,
		       (unsigned long long)hs.connects, (unsigned long long)hs.reconnects,
		       (unsigned long long)hs.ticks, (unsigned long long)hs.messages, rc);
	}
	mdbus_reader_close(r);
	return 0;
}
