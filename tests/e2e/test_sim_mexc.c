/* SPDX-License-Identifier: MIT */
/*
 * test_sim_mexc.c: mdbus-sim's MEXC dialect (tools/sim/mexc.c) against
 * feedd's MEXC adapter (feedd/venues/mexc.c), no sockets: the adapter's
 * subscribe request goes to the dialect, the dialect's replies and its
 * protobuf pushes (through the frame hook) go back to the adapter, which
 * must ack, refuse, take the PONG and publish ticks with exactly the
 * values the dialect printed. Plus the route, the 30-subscription limit,
 * replay classification and text passing through the frame hook.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "sim.h"
#include "venue.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static const struct sim_dialect *D;
static struct feed_venue_ctx fv;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};

/* One message of the dialect to the adapter, as the server sends it: the
 * frame hook's payload and opcode, or the text as it is. */
static enum feed_msg_class to_feed(struct sim_venue *sv, int sym, uint8_t kind, const char *msg)
{
	struct sim_buf b;
	uint8_t opcode = 0;
	int r;

	memset(&b, 0, sizeof(b));
	r = D->frame(sv, 0, sym, kind, msg, strlen(msg), &b, &opcode);
	CHECK(r == 0 || r == 1, "frame hook %d", r);
	if (r == 1) {
		CHECK(opcode == WSLAY_BINARY_FRAME, "opcode %u", opcode);
		CHECK(feed_venue_on_message(&fv, b.p + b.off, b.len, 1, 1, &out) == 0,
		      "on_message");
	} else {
		CHECK(feed_venue_on_message(&fv, (const uint8_t *)msg, strlen(msg), 0, 1, &out) ==
			      0,
		      "on_message");
	}
	sim_buf_free(&b);
	return out.cls;
}

/* "key":"value" of a flat JSON text, as a decimal at 8 places. */
static int64_t field_dec(const char *json, const char *key)
{
	char pat[40];
	const char *p;
	int64_t v = -1;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(json, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (mdbus_decimal_parse(p, strcspn(p, "\""), 8, &v) < 0)
		return -1;
	return v;
}

static void test_subscribe(struct sim_venue *sv, uint8_t *subs)
{
	static struct sim_replies rep;
	char req[4096];
	size_t n;
	int r;

	/* feedd's own requests, as it would send them: each acked */
	feed_venue_ctx_reset(&fv);
	while (feed_venue_subscribe_next(&fv, req, sizeof(req), &n) == 1) {
		memset(&rep, 0, sizeof(rep));
		r = D->request(sv, req, n, subs, &rep);
		CHECK(r == 0 && rep.n == 1, "request %d, %u replies", r, rep.n);
		CHECK(to_feed(sv, -1, 0, sim_reply(&rep, 0)) == FEED_MSG_ACK, "class %d", out.cls);
		CHECK(out.nstreams == 1, "%u streams acked", out.nstreams);
	}
	CHECK(sim_subs_count(subs) == 4, "%u streams", sim_subs_count(subs));
	CHECK(feed_venue_sub_complete(&fv) && feed_venue_streams_acked(&fv) == 4, "not all acked");

	/* a channel we do not serve and an unknown symbol: refused by name */
	memset(&rep, 0, sizeof(rep));
	snprintf(req, sizeof(req),
		 "{\"method\":\"SUBSCRIPTION\",\"params\":[\"spot@public.deals.v3.api@BTCUSDT\","
		 "\"spot@public.aggre.deals.v3.api.pb@100ms@btcusdt\"],\"id\":9}");
	r = D->request(sv, req, strlen(req), subs, &rep);
	CHECK(r == -EINVAL && rep.n == 1, "request %d, %u replies", r, rep.n);
	CHECK(strcmp(sim_reply(&rep, 0),
		     "{\"id\":9,\"code\":0,\"msg\":\"Not Subscribed successfully! "
		     "[spot@public.deals.v3.api@BTCUSDT,spot@public.aggre.deals.v3.api.pb@100ms@"
		     "btcusdt].  Reason： Blocked! \"}") == 0,
	      "%s", sim_reply(&rep, 0));

	/* PING -> PONG, a heartbeat for the adapter */
	memset(&rep, 0, sizeof(rep));
	CHECK(D->request(sv, "{\"method\":\"PING\"}", 17, subs, &rep) == SIM_REQ_PING, "ping");
	CHECK(strcmp(sim_reply(&rep, 0), "{\"id\":0,\"code\":0,\"msg\":\"PONG\"}") == 0, "%s",
	      sim_reply(&rep, 0));
	CHECK(to_feed(sv, -1, 0, sim_reply(&rep, 0)) == FEED_MSG_HEARTBEAT, "class %d", out.cls);
}

/* Past 30 subscriptions a channel is refused; unsubscribing frees room. */
static void test_limit(void)
{
	static struct sim_replies rep;
	struct sim_venue sv;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	char req[8192], err[64];
	size_t o;

	CHECK(sim_venue_init(&sv, NULL, 1, err, sizeof(err)) == 0, "%s", err);
	o = (size_t)snprintf(req, sizeof(req), "{\"method\":\"SUBSCRIPTION\",\"params\":[");
	for (int i = 0; i < 31; i++)
		o += (size_t)snprintf(req + o, sizeof(req) - o,
				      "%s\"spot@public.aggre.deals.v3.api.pb@10ms@C%dUSDT\"",
				      i ? "," : "", i);
	snprintf(req + o, sizeof(req) - o, "]}");
	memset(&rep, 0, sizeof(rep));
	CHECK(D->request(&sv, req, strlen(req), subs, &rep) == -EINVAL, "31 subscriptions");
	CHECK(rep.n == 2 && sim_subs_count(subs) == 30, "%u replies, %u streams", rep.n,
	      sim_subs_count(subs));
	CHECK(strstr(sim_reply(&rep, 1), "[spot@public.aggre.deals.v3.api.pb@10ms@C30USDT]") !=
		      NULL,
	      "%s", sim_reply(&rep, 1));
	memset(&rep, 0, sizeof(rep));
	snprintf(req, sizeof(req),
		 "{\"method\":\"UNSUBSCRIPTION\",\"params\":["
		 "\"spot@public.aggre.deals.v3.api.pb@10ms@C0USDT\"]}");
	CHECK(D->request(&sv, req, strlen(req), subs, &rep) == 0, "unsubscribe");
	CHECK(sim_subs_count(subs) == 29, "%u streams", sim_subs_count(subs));
}

/* Trades and BBOs: printed, encoded, read back exactly: as printed, and
 * as the walk made them (twin: the same venue, same seed, same calls). */
static void test_pushes(struct sim_venue *sv, struct sim_venue *twin)
{
	char msg[1024];
	uint8_t kind = 0;
	struct sim_trade t;
	struct sim_bbo q;
	int n;

	for (int k = 0; k < 50; k++) {
		uint32_t i = (uint32_t)k % 2;
		sim_venue_next_trade(twin, i, 0, &t);
		n = D->trade(sv, i, 1736409765051 + k, 0, 0, msg, sizeof(msg));
		CHECK(n > 0, "trade %d", n);
		CHECK(D->classify(sv, msg, (size_t)n, &kind) == (int)i && kind == SIM_STREAM_TRADE,
		      "classify %s", msg);
		CHECK(to_feed(sv, (int)i, SIM_STREAM_TRADE, msg) == FEED_MSG_DATA && out.n == 1,
		      "class %d (%s): %s", out.cls, out.reason ? out.reason : "", msg);
		CHECK(ticks[0].kind == MDBUS_KIND_TRADE && ticks[0].instrument == 100 + i, "tick");
		CHECK(ticks[0].u.trade.price == field_dec(msg, "price"), "price %s", msg);
		CHECK(ticks[0].u.trade.qty == field_dec(msg, "quantity"), "qty %s", msg);
		CHECK(ticks[0].exch_ts == (1736409765051LL + k) * 1000000, "time");
		CHECK(ticks[0].u.trade.price == t.px && ticks[0].u.trade.qty == t.qty, "walk");
		/* the buyer was the maker: the taker sold */
		CHECK((ticks[0].flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL)) ==
			      (t.buyer_maker ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY),
		      "side %s", msg);
		CHECK(ticks[0].u.trade.trade_id == t.id, "trade id");

		sim_venue_next_bbo(twin, i, &q);
		n = D->bbo(sv, i, 1736412092433 + k, msg, sizeof(msg));
		CHECK(n > 0, "bbo %d", n);
		CHECK(D->classify(sv, msg, (size_t)n, &kind) == (int)i && kind == SIM_STREAM_BBO,
		      "classify %s", msg);
		CHECK(to_feed(sv, (int)i, SIM_STREAM_BBO, msg) == FEED_MSG_DATA && out.n == 1,
		      "class %d: %s", out.cls, msg);
		CHECK(ticks[0].u.bbo.bid_px == field_dec(msg, "bidprice") &&
			      ticks[0].u.bbo.bid_qty == field_dec(msg, "bidquantity") &&
			      ticks[0].u.bbo.ask_px == field_dec(msg, "askprice") &&
			      ticks[0].u.bbo.ask_qty == field_dec(msg, "askquantity"),
		      "bbo %s", msg);
		CHECK(ticks[0].u.bbo.bid_px == q.bid && ticks[0].u.bbo.ask_qty == q.ask_qty,
		      "bbo walk");
		CHECK(ticks[0].exch_ts == (1736412092433LL + k) * 1000000, "bbo time");
	}
	/* badprecision: an extra digit the adapter must refuse, not round */
	n = D->trade(sv, 0, 1, 1, 0, msg, sizeof(msg));
	CHECK(n > 0 && strstr(msg, "7\",\"quantity\"") != NULL, "badprecision %s", msg);
	CHECK(to_feed(sv, 0, SIM_STREAM_TRADE, msg) == FEED_MSG_ERROR, "class %d: %s", out.cls,
	      msg);
	/* a --replay line that is no push goes out as text */
	CHECK(to_feed(sv, 0, SIM_STREAM_TRADE, "not json") == FEED_MSG_ERROR, "class %d", out.cls);
}

int main(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	struct feed_session_config sc;
	struct sim_venue sv, twin;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0}, kind;
	char err[256];
	int mode = -1;

	D = sim_dialect_find("mexc");
	CHECK(D != NULL, "no mexc dialect");
	if (!D)
		return 1;
	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	sc.qty_unit = -1;
	CHECK(feed_venue_ctx_init(&fv, feed_venue_find("mexc"), &sc, err, sizeof(err)) == 0, "%s",
	      err);
	fv.syms[0].instrument = 100;
	fv.syms[1].instrument = 101;
	CHECK(sim_venue_init(&sv, "BTC-USDT,ETH-USDT", 7, err, sizeof(err)) == 0, "%s", err);
	CHECK(sim_venue_init(&twin, "BTC-USDT,ETH-USDT", 7, err, sizeof(err)) == 0, "%s", err);

	CHECK(sim_dialect_route(D, &sv, "/ws", subs, &mode) == 0 && mode == 0, "route /ws");
	CHECK(sim_dialect_route(D, &sv, "/stream", subs, &mode) == 404, "route /stream");
	CHECK(D->classify(&sv, "{\"x\":1}", 7, &kind) == -ENOENT, "classify garbage");
	test_subscribe(&sv, subs);
	test_pushes(&sv, &twin);
	test_limit();
	feed_venue_ctx_free(&fv);
	if (failures) {
		fprintf(stderr, "test_sim_mexc: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_sim_mexc: ok\n");
	return 0;
}
