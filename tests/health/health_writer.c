/* SPDX-License-Identifier: MIT */
/*
 * health_writer: a small stand-in for feedd in the mdbus-top tests. Creates
 * bus NAME, registers two instruments, and every 50 ms publishes ticks plus
 * the feed, two session and two instrument health records with known values
 * (see the scenario table below), until SIGTERM/SIGINT: then it marks the
 * feed STOPPED and closes (removing the bus with --unlink).
 *
 *   health_writer NAME SCENARIO [--unlink]
 *   SCENARIO: healthy | degraded (sess-b stale) | down (sess-b in backoff
 *   after a dns error, ETH-USDT down) | noinit (health region never
 *   initialised) | corrupt (health region with a foreign version) | quiet
 *   (healthy, but ticks only every 500 ms: a quiet market) | rest (healthy;
 *   sess-a and a third session sess-c on binance carry the venue's REST
 *   block: 250/6000 w/min, 5 requests, 1250 weight in all, 2 429s, 0 418s,
 *   3 queued, 1 in flight, blocked until 60 s after start; sess-b is okx
 *   without REST)
 *
 * Prints "ready pid=P epoch=E" on stdout once everything is published.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdbus.h"

static volatile sig_atomic_t hw_stop;

static void hw_on_signal(int sig)
{
	hw_stop = sig;
}

static void hw_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Long: the whole scenario table written out, as the mdbus-top tests read it. */
int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: health_writer NAME SCENARIO [--unlink]\n");
		return 64;
	}
	const char *bus = argv[1], *sc = argv[2];
	int unlink_bus = argc > 3 && strcmp(argv[3], "--unlink") == 0;
	int degraded = !strcmp(sc, "degraded"), down = !strcmp(sc, "down");
	int noinit = !strcmp(sc, "noinit"), corrupt = !strcmp(sc, "corrupt");
	int quiet = !strcmp(sc, "quiet"), rest = !strcmp(sc, "rest");
	if (!degraded && !down && !noinit && !corrupt && !quiet && !rest &&
	    strcmp(sc, "healthy") != 0) {
		fprintf(stderr, "health_writer: unknown scenario %s\n", sc);
		return 64;
	}

	struct sigaction sa = {.sa_handler = hw_on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	char err[256] = "";
	struct mdbus_writer_opts o = {.bus = bus,
				      .slots = 1024,
				      .max_instruments = 8,
				      .max_sessions = 4,
				      .group = (gid_t)-1,
				      .errbuf = err,
				      .errlen = sizeof(err)};
	mdbus_writer *w;
	int rc = mdbus_writer_open(&w, &o);
	if (rc < 0) {
		fprintf(stderr, "health_writer: open %s: %s (%s)\n", bus, mdbus_strerror(rc), err);
		return 1;
	}
	struct mdbus_instrument ins[2] = {
		{.price_decimals = 2,
		 .qty_decimals = 8,
		 .venue = "binance",
		 .symbol = "BTC-USDT",
		 .native = "BTCUSDT"},
		{.price_decimals = 2,
		 .qty_decimals = 8,
		 .venue = "binance",
		 .symbol = "ETH-USDT",
		 .native = "ETHUSDT"},
	};
	uint32_t ids[2];
	for (int i = 0; i < 2; i++)
		if ((rc = mdbus_writer_add_instrument(w, &ins[i], &ids[i])) < 0) {
			fprintf(stderr, "health_writer: add: %s\n", mdbus_strerror(rc));
			mdbus_writer_close(w, 1);
			return 1;
		}

	size_t hsize;
	void *region = mdbus_writer_health(w, &hsize);
	if (!noinit && (rc = mdbus_health_writer_init(region, hsize, 4, 8)) < 0) {
		fprintf(stderr, "health_writer: health init: %s\n", mdbus_strerror(rc));
		mdbus_writer_close(w, 1);
		return 1;
	}
	if (corrupt) /* a region from a future, incompatible libmdbus */
		((uint32_t *)region)[2] = MDBUS_HEALTH_VERSION + 7;

	/* Local counters, as feedd keeps them; published every 50 ms. */
	int64_t t0 = mdbus_health_mono_ns();
	struct mdbus_health_feed f = {.pid = (uint32_t)getpid(),
				      .state = MDBUS_HEALTH_FEED_RUNNING,
				      .start_rt_ns = mdbus_health_rt_ns(),
				      .start_mono_ns = t0,
				      .ring_slots = 1024,
				      .sessions = rest ? 3 : 2,
				      .instruments = 2};
	snprintf(f.config, sizeof(f.config), "health-test.ini");
	snprintf(f.version, sizeof(f.version), "%s", MDBUS_VERSION);

	struct mdbus_health_session sa_ = {.state = MDBUS_HEALTH_ST_LIVE,
					   .state_since_ns = t0,
					   .connects = 3,
					   .reconnects = 2,
					   .last_error_class = MDBUS_HEALTH_ERR_TLS,
					   .last_error_ns = t0 - 5000000000LL,
					   .rtt_ns = 12500000,
					   .subscriptions = 4,
					   .streams = 4,
					   .stale_timeout_ms = 5000};
	snprintf(sa_.name, sizeof(sa_.name), "sess-a");
	snprintf(sa_.venue, sizeof(sa_.venue), "binance");
	snprintf(sa_.host, sizeof(sa_.host), "stream.binance.com");
	snprintf(sa_.last_error, sizeof(sa_.last_error), "certificate verify failed");
	sa_.handshake_failures[MDBUS_HEALTH_ERR_TLS] = 1;

	struct mdbus_health_session sb = {.state = MDBUS_HEALTH_ST_LIVE,
					  .state_since_ns = t0,
					  .connects = 1,
					  .subscriptions = 2,
					  .streams = 2,
					  .stale_timeout_ms = 5000};
	snprintf(sb.name, sizeof(sb.name), "sess-b");
	snprintf(sb.venue, sizeof(sb.venue), "binance");
	snprintf(sb.host, sizeof(sb.host), "testnet.binance.vision");
	if (degraded) {
		sb.state = MDBUS_HEALTH_ST_STALE;
		sb.last_msg_ns = t0 - 10000000000LL;
	}
	if (down) {
		sb.state = MDBUS_HEALTH_ST_BACKOFF;
		sb.last_error_class = MDBUS_HEALTH_ERR_DNS;
		sb.last_error_ns = t0;
		snprintf(sb.last_error, sizeof(sb.last_error), "no such host");
		sb.backoff_attempt = 3;
		sb.handshake_failures[MDBUS_HEALTH_ERR_DNS] = 3;
	}

	/* rest: the venue's figures, the same in each of its sessions (feedd
	 * keeps one weight window per venue); sess-b moves to a venue without. */
	struct mdbus_health_session sc_ = sa_;
	if (rest) {
		sa_.rest = (struct mdbus_health_rest){.weight = 250,
						      .limit = 6000,
						      .window_s = 60,
						      .queued = 3,
						      .inflight = 1,
						      .weight_total = 1250,
						      .requests = 5,
						      .n429 = 2,
						      .blocked_until_ns = t0 + 60000000000LL};
		sc_ = sa_;
		snprintf(sc_.name, sizeof(sc_.name), "sess-c");
		snprintf(sb.venue, sizeof(sb.venue), "okx");
		snprintf(sb.host, sizeof(sb.host), "ws.okx.com");
	}

	struct mdbus_health_instr hi[2];
	memset(hi, 0, sizeof(hi));
	for (int i = 0; i < 2; i++) {
		hi[i].status = MDBUS_HEALTH_INSTR_LIVE;
		hi[i].last_price = i ? 320050 : 6500012; /* 3200.50 / 65000.12 */
		hi[i].last_qty = i ? 25000000 : 150000000;
		hi[i].bid_px = hi[i].last_price - 1;
		hi[i].bid_qty = 100000000;
		hi[i].ask_px = hi[i].last_price + 1;
		hi[i].ask_qty = 200000000;
	}
	if (down)
		hi[1].status = MDBUS_HEALTH_INSTR_DOWN;

	mdbus_writer_set_state(w, MDBUS_WRITER_RUNNING);
	for (uint64_t k = 0; !hw_stop; k++) {
		int64_t now = mdbus_health_mono_ns(), rt = mdbus_health_rt_ns();
		for (int i = 0; i < 2 && (!quiet || k % 10 == 0); i++) {
			struct mdbus_tick t[2];
			memset(t, 0, sizeof(t));
			t[0].instrument = ids[i];
			t[0].kind = MDBUS_KIND_TRADE;
			t[0].exch_ts = t[0].recv_ts = rt;
			t[0].u.trade.price = hi[i].last_price;
			t[0].u.trade.qty = hi[i].last_qty;
			t[0].u.trade.trade_id = k;
			t[1] = t[0];
			t[1].kind = MDBUS_KIND_BBO;
			t[1].u.bbo = (struct mdbus_bbo){hi[i].bid_px, hi[i].bid_qty, hi[i].ask_px,
							hi[i].ask_qty};
			if (i == 1 && down)
				continue; /* its session is down: no data */
			mdbus_writer_publish_batch(w, t, 2);
			hi[i].ticks += 2;
			hi[i].session = 0;
			hi[i].last_trade_ns = hi[i].last_update_ns = now;
			hi[i].last_exch_ts = rt;
			sa_.ticks += 2;
		}
		mdbus_writer_wake(w);
		sa_.messages += 2;
		sa_.bytes += 300;
		sa_.last_msg_ns = now;
		if (!degraded && !down) {
			sb.messages += 1;
			sb.bytes += 100;
			sb.last_msg_ns = now;
		}
		if (down)
			sb.next_reconnect_ns = now + 3000000000LL;
		sa_.verdict = (uint32_t)mdbus_health_session_verdict(&sa_, now, sa_.verdict_reason,
								     sizeof(sa_.verdict_reason));
		sc_.last_msg_ns = now;
		sc_.verdict = (uint32_t)mdbus_health_session_verdict(&sc_, now, sc_.verdict_reason,
								     sizeof(sc_.verdict_reason));
		sb.verdict = (uint32_t)mdbus_health_session_verdict(&sb, now, sb.verdict_reason,
								    sizeof(sb.verdict_reason));
		f.heartbeat_mono_ns = now;
		f.heartbeat_rt_ns = rt;
		f.heartbeat_count = k + 1;
		f.ring_write_seq = mdbus_writer_seq(w);
		f.ring_rate = 80; /* 4 ticks per 50 ms */
		if (!noinit) {
			mdbus_health_publish_feed(region, &f);
			mdbus_health_publish_session(region, 0, &sa_);
			mdbus_health_publish_session(region, 1, &sb);
			if (rest)
				mdbus_health_publish_session(region, 2, &sc_);
			for (int i = 0; i < 2; i++)
				mdbus_health_publish_instr(region, ids[i], &hi[i]);
		}
		if (k == 0) {
			printf("ready pid=%d epoch=%016" PRIx64 "\n", (int)getpid(),
			       mdbus_writer_epoch(w));
			fflush(stdout);
		}
		hw_sleep_ms(50);
	}
	f.state = MDBUS_HEALTH_FEED_STOPPED;
	if (!noinit)
		mdbus_health_publish_feed(region, &f);
	mdbus_writer_close(w, unlink_bus);
	return 0;
}
