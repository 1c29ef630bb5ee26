/* SPDX-License-Identifier: MIT */
/*
 * mexc.c: the MEXC spot v3 dialect of mdbus-sim (struct sim_dialect, see
 * sim.h), after docs/venues/mexc.md. No I/O.
 *
 *   path     /ws
 *   request  {"method":"SUBSCRIPTION","params":["spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT",
 *             "spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT"]} (an "id" is echoed)
 *   ack      {"id":0,"code":0,"msg":"<the channels accepted, comma-separated>"}
 *   refusal  {"id":0,"code":0,"msg":"Not Subscribed successfully! [<channels>].  Reason： Blocked!
 * "} (an unknown symbol, a channel we do not serve, past 30 subscriptions) ping {"method":"PING"}
 * -> {"id":0,"code":0,"msg":"PONG"} pushes   protobuf PushDataV3ApiWrapper in binary frames
 * (feedd/venues/mexc.proto): publicAggreDeals (314) with one deal, publicAggreBookTicker (315)
 *
 * trade and bbo print the docs' JSON rendering of a push (the form the docs
 * show, and what --replay files hold), e.g.
 *   {"channel":"spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT","publicdeals":{"dealsList":
 *    [{"price":"93220.00000000","quantity":"0.04438243","tradetype":2,"time":1736409765051,
 *    "tradeid":"1000001"}],"eventtype":"spot@public.aggre.deals.v3.api.pb@100ms"},
 *    "symbol":"BTCUSDT","sendtime":1736409765052}
 * and the frame hook encodes it as protobuf (a line it cannot encode goes
 * out as text, as a venue's garbage would). tradetype 1 = the taker bought.
 * Keepalive: the client's PING; the server sends none.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mexc.pb-c.h"
#include "sim.h"

#define MX_DEALS     "spot@public.aggre.deals.v3.api.pb@"
#define MX_BOOK	     "spot@public.aggre.bookTicker.v3.api.pb@"
#define MX_MAX_SUBS  30
#define MX_FRAME_MAX 4096

/* "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT" -> symbol index and
 * stream bit; -EINVAL not a channel we serve, -ENOENT unknown symbol. */
static int mexc_channel(struct sim_venue *v, const char *s, int *sym, uint8_t *bit)
{
	const char *rate = sim_dialect_prefixed(s, MX_DEALS, MX_BOOK, bit);

	if (!rate || (strncmp(rate, "100ms@", 6) != 0 && strncmp(rate, "10ms@", 5) != 0))
		return -EINVAL;
	rate = strchr(rate, '@') + 1;
	for (const char *c = rate; *c; c++)
		if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c))
			return -ENOENT; /* "Symbols must be uppercase" */
	*sym = sim_venue_symbol(v, rate, strlen(rate));
	return *sym < 0 ? -ENOENT : 0;
}

/* Appends s to the comma-separated list in buf. */
static void mexc_list_add(char *buf, size_t len, const char *s)
{
	size_t o = strlen(buf);

	snprintf(buf + o, len - o, "%s%s", o ? "," : "", s);
}

/* (UN)SUBSCRIPTION: each channel on its own; the accepted ones acked in one
 * reply, the refused ones named in another. */
static int mexc_subscribe(struct sim_venue *v, json_t *params, int on, uint8_t *subs,
			  struct sim_replies *out, json_int_t id)
{
	char ok[4096] = "", bad[4096] = "";

	if (!json_is_array(params) || json_array_size(params) == 0) {
		sim_reply_add(out,
			      "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":0,\"msg\":\"Not "
			      "Subscribed successfully! [].  Reason： Blocked! \"}",
			      id);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_array_size(params); i++) {
		const char *s = json_string_value(json_array_get(params, i));
		uint8_t bit = 0;
		int sym = -1;

		if (!s || strlen(s) > 200)
			continue;
		if (mexc_channel(v, s, &sym, &bit) < 0 ||
		    (on && !(subs[sym] & bit) && sim_subs_count(subs) >= MX_MAX_SUBS)) {
			mexc_list_add(bad, sizeof(bad), s);
			continue;
		}
		if (on)
			subs[sym] |= bit;
		else
			subs[sym] &= (uint8_t)~bit;
		mexc_list_add(ok, sizeof(ok), s);
	}
	if (ok[0])
		sim_reply_add(out, "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":0,\"msg\":\"%s\"}",
			      id, ok);
	if (bad[0])
		sim_reply_add(out,
			      "{\"id\":%" JSON_INTEGER_FORMAT
			      ",\"code\":0,\"msg\":\"Not Subscribed "
			      "successfully! [%s].  Reason： Blocked! \"}",
			      id, bad);
	return bad[0] ? -EINVAL : 0;
}

static int mexc_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			struct sim_replies *out)
{
	json_t *root = json_loadb(msg, n, 0, NULL);
	json_t *jid = root ? json_object_get(root, "id") : NULL;
	json_int_t id =
		json_is_integer(jid) && json_integer_value(jid) >= 0 ? json_integer_value(jid) : 0;
	const char *method = root ? json_string_value(json_object_get(root, "method")) : NULL;
	int r = -EINVAL;

	if (!method) {
		sim_reply_add(out,
			      "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":1,\"msg\":\"Invalid "
			      "request\"}",
			      id);
	} else if (strcmp(method, "PING") == 0) {
		sim_reply_add(out, "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":0,\"msg\":\"PONG\"}",
			      id);
		r = SIM_REQ_PING;
	} else if (strcmp(method, "SUBSCRIPTION") == 0 || strcmp(method, "UNSUBSCRIPTION") == 0) {
		r = mexc_subscribe(v, json_object_get(root, "params"), method[0] == 'S', subs, out,
				   id);
	} else {
		sim_reply_add(out,
			      "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":1,\"msg\":\"Invalid "
			      "method\"}",
			      id);
	}
	json_decref(root);
	return r;
}

static int mexc_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		      uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_FULL, &x);
	return sim_dialect_print(
		buf, len,
		"{\"channel\":\"" MX_DEALS "100ms@%s\",\"publicdeals\":{\"dealsList\":["
		"{\"price\":\"%s\",\"quantity\":\"%s\",\"tradetype\":%d,\"time\":%" PRId64
		",\"tradeid\":\"%" PRIu64 "\"}],\"eventtype\":\"" MX_DEALS "100ms\"},"
		"\"symbol\":\"%s\",\"sendtime\":%" PRId64 "}",
		v->sym[i].native, x.px, x.qty, x.t.buyer_maker ? 2 : 1, now_ms, x.t.id,
		v->sym[i].native, now_ms);
}

static int mexc_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;

	sim_dialect_bbo_step(v, i, SIM_TEXT_FULL, &x);
	return sim_dialect_print(
		buf, len,
		"{\"channel\":\"" MX_BOOK "100ms@%s\",\"publicbookticker\":{\"bidprice\":"
		"\"%s\",\"bidquantity\":\"%s\",\"askprice\":\"%s\",\"askquantity\":\"%s\"},"
		"\"symbol\":\"%s\",\"sendtime\":%" PRId64 "}",
		v->sym[i].native, x.bid, x.bid_qty, x.ask, x.ask_qty, v->sym[i].native, now_ms);
}

static int mexc_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_marked(v, msg, n, "\"publicdeals\"", "\"publicbookticker\"",
					   "\"symbol\":\"", kind);
}

static char *mexc_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return (char *)(s ? s : "");
}

static int64_t mexc_int(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	return json_is_integer(j) ? (int64_t)json_integer_value(j) : 0;
}

/* The docs' JSON rendering -> PushDataV3ApiWrapper bytes in buf. Returns
 * the length, or -EINVAL (not a push we can encode), -ENOSPC. */
static int mexc_encode(json_t *root, uint8_t *buf, size_t len)
{
	static Mexc__PublicAggreDealsV3ApiItem item[16], *items[16];
	Mexc__PushDataV3ApiWrapper w = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	Mexc__PublicAggreDealsV3Api d = MEXC__PUBLIC_AGGRE_DEALS_V3_API__INIT;
	Mexc__PublicAggreBookTickerV3Api b = MEXC__PUBLIC_AGGRE_BOOK_TICKER_V3_API__INIT;
	json_t *deals = json_object_get(root, "publicdeals");
	json_t *book = json_object_get(root, "publicbookticker");

	w.channel = mexc_str(root, "channel");
	w.symbol = mexc_str(root, "symbol");
	w.sendtime = mexc_int(root, "sendtime");
	if (json_is_object(deals)) {
		json_t *list = json_object_get(deals, "dealsList");

		for (size_t k = 0; k < json_array_size(list) && k < 16; k++) {
			static const Mexc__PublicAggreDealsV3ApiItem i0 =
				MEXC__PUBLIC_AGGRE_DEALS_V3_API_ITEM__INIT;
			json_t *e = json_array_get(list, k);

			item[k] = i0;
			item[k].price = mexc_str(e, "price");
			item[k].quantity = mexc_str(e, "quantity");
			item[k].tradetype = (int32_t)mexc_int(e, "tradetype");
			item[k].time = mexc_int(e, "time");
			item[k].tradeid = mexc_str(e, "tradeid");
			items[k] = &item[k];
			d.n_deals = k + 1;
		}
		d.deals = items;
		d.eventtype = mexc_str(deals, "eventtype");
		w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS;
		w.publicaggredeals = &d;
	} else if (json_is_object(book)) {
		b.bidprice = mexc_str(book, "bidprice");
		b.bidquantity = mexc_str(book, "bidquantity");
		b.askprice = mexc_str(book, "askprice");
		b.askquantity = mexc_str(book, "askquantity");
		w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_BOOK_TICKER;
		w.publicaggrebookticker = &b;
	} else {
		return -EINVAL;
	}
	if (mexc__push_data_v3_api_wrapper__get_packed_size(&w) > len)
		return -ENOSPC;
	return (int)mexc__push_data_v3_api_wrapper__pack(&w, buf);
}

/* Pushes go out as protobuf in binary frames; replies (and a line that is
 * not a push) as text. */
static int mexc_frame(const struct sim_venue *v, int mode, int sym, uint8_t kind, const void *p,
		      size_t n, struct sim_buf *out, uint8_t *opcode)
{
	uint8_t buf[MX_FRAME_MAX];
	json_t *root;
	int len;

	(void)v, (void)mode;
	if (sym < 0 || !kind)
		return 0;
	root = json_loadb(p, n, 0, NULL);
	len = json_is_object(root) ? mexc_encode(root, buf, sizeof(buf)) : -EINVAL;
	json_decref(root);
	if (len == -EINVAL)
		return 0;
	if (len < 0)
		return len;
	*opcode = WSLAY_BINARY_FRAME;
	return sim_buf_append(out, buf, (size_t)len) < 0 ? -ENOMEM : 1;
}

const struct sim_dialect sim_dialect_mexc = {
	.name = "mexc",
	.paths = "/ws",
	.request = mexc_request,
	.trade = mexc_trade,
	.bbo = mexc_bbo,
	.classify = mexc_classify,
	.frame = mexc_frame, /* no .ping: the client pings ({"method":"PING"}), the server not */
};
