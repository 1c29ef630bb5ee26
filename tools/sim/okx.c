/* SPDX-License-Identifier: MIT */
/*
 * okx.c: the OKX v5 public WebSocket dialect of mdbus-sim (spot; see
 * docs/venues/okx.md). No I/O: requests in, reply text out.
 *
 *   path      /ws/v5/public
 *   request   {"id":"1512","op":"subscribe","args":[{"channel":"trades",
 *              "instId":"BTC-USDT"},{"channel":"bbo-tbt","instId":..}]}
 *   ack       one per arg: {"id":"1512","event":"subscribe","arg":{"channel":
 *              "trades","instId":"BTC-USDT"},"connId":"a4d3ae55"}
 *   error     {"id":"1512","event":"error","code":"60018","msg":"Wrong URL
 *              or channel:trades,instId:BTC-XYZ doesn't exist...","connId":..}
 *             (the request changes nothing: all or nothing)
 *   trades    {"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{
 *              "instId":"BTC-USDT","tradeId":"130639474","px":"42219.9",
 *              "sz":"0.12060306","side":"buy","ts":"1630048897897","count":
 *              "1","source":"0","seqId":1234}]}: side is the taker's
 *   bbo-tbt   {"arg":{"channel":"bbo-tbt","instId":..},"data":[{"asks":[[px,
 *              sz,"0",orders]],"bids":[[..]],"ts":"..","seqId":N}]}; the
 *             first push after subscribing is that snapshot (sent with the
 *             ack)
 *   ping      the text "ping" -> "pong"
 *
 * seqId: one per instrument, +1 per trades or bbo-tbt push.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sim.h"

#define OKX_CONN_ID "a4d3ae55"

static int okx_bbo_text(struct sim_venue *v, uint32_t i, const struct sim_bbo_text *x, int64_t ms,
			char *buf, size_t len)
{
	return sim_dialect_print(
		buf, len,
		"{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"%s\"},\"data\":[{"
		"\"asks\":[[\"%s\",\"%s\",\"0\",\"%u\"]],\"bids\":[[\"%s\",\"%s\",\"0\","
		"\"%u\"]],\"ts\":\"%" PRId64 "\",\"seqId\":%" PRIu64 "}]}",
		v->sym[i].norm, x->ask, x->ask_qty, (unsigned)(x->q.update_id % 7 + 1), x->bid,
		x->bid_qty, (unsigned)(x->q.update_id % 5 + 1), ms, ++v->sym[i].seq);
}

static void okx_error(struct sim_replies *out, const char *id, const char *code, const char *msg)
{
	sim_reply_add(out,
		      "{%s\"event\":\"error\",\"code\":\"%s\",\"msg\":\"%s\",\"connId\":\"%s\"}",
		      id, code, msg, OKX_CONN_ID);
}

/* One arg: its stream bit and symbol, or -EINVAL / -ENOENT with the error
 * reply written. */
static int okx_arg(struct sim_venue *v, json_t *arg, const char *id, int *sym, uint8_t *bit,
		   struct sim_replies *out)
{
	const char *ch = json_string_value(json_object_get(arg, "channel"));
	const char *inst = json_string_value(json_object_get(arg, "instId"));
	char msg[256];

	*bit = ch && strcmp(ch, "trades") == 0	  ? SIM_STREAM_TRADE
	       : ch && strcmp(ch, "bbo-tbt") == 0 ? SIM_STREAM_BBO
						  : 0;
	if (!*bit || !inst) {
		snprintf(msg, sizeof(msg),
			 "Wrong URL or channel:%.40s, doesn't exist. Please use "
			 "the correct URL, channel and parameters referring to "
			 "API document.",
			 ch ? ch : "");
		okx_error(out, id, "60018", msg);
		return -EINVAL;
	}
	*sym = sim_venue_symbol(v, inst, strlen(inst));
	if (*sym < 0) {
		snprintf(msg, sizeof(msg),
			 "Wrong URL or channel:%s,instId:%.40s doesn't exist. "
			 "Please use the correct URL, channel and parameters "
			 "referring to API document.",
			 ch, inst);
		okx_error(out, id, "60018", msg);
		return -ENOENT;
	}
	return 0;
}

/* subscribe (on) / unsubscribe: all or nothing, one ack per arg; a new
 * bbo-tbt subscription starts with its snapshot. */
static int okx_subscribe(struct sim_venue *v, json_t *args, int on, uint8_t *subs,
			 struct sim_replies *out, const char *id)
{
	uint8_t next[SIM_MAX_SYMBOLS];
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	json_t *arg;
	size_t k;

	if (!json_is_array(args) || json_array_size(args) == 0) {
		okx_error(out, id, "60012", "Invalid request: args must be a non-empty array");
		return -EINVAL;
	}
	memcpy(next, subs, sizeof(next));
	json_array_foreach(args, k, arg)
	{
		uint8_t bit;
		int sym;

		if (okx_arg(v, arg, id, &sym, &bit, out) < 0)
			return -EINVAL;
		next[sym] = (uint8_t)(on ? next[sym] | bit : next[sym] & ~bit);
	}
	json_array_foreach(args, k, arg)
	{
		uint8_t bit;
		int sym;
		char text[512];
		struct sim_bbo_text x;

		if (okx_arg(v, arg, id, &sym, &bit, out) < 0)
			continue; /* checked above: cannot happen */
		sim_reply_add(out,
			      "{%s\"event\":\"%s\",\"arg\":{\"channel\":\"%s\",\"instId\":\"%s\"},"
			      "\"connId\":\"%s\"}",
			      id, on ? "subscribe" : "unsubscribe",
			      bit == SIM_STREAM_TRADE ? "trades" : "bbo-tbt", v->sym[sym].norm,
			      OKX_CONN_ID);
		if (!on || bit != SIM_STREAM_BBO || subs[sym] & bit)
			continue;
		subs[sym] |= bit; /* once per instrument, even if named twice */
		sim_dialect_bbo_step(v, (uint32_t)sym, SIM_TEXT_TRIM, &x);
		if (okx_bbo_text(v, (uint32_t)sym, &x, ms, text, sizeof(text)) > 0)
			sim_reply_data(out, v, ms, "%s", text);
	}
	memcpy(subs, next, sizeof(next));
	return 0;
}

static int okx_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
		       struct sim_replies *out)
{
	json_t *root, *jid;
	const char *op;
	char id[64] = "";
	int r = -EINVAL;

	if (n == 4 && memcmp(msg, "ping", 4) == 0) {
		sim_reply_add(out, "pong");
		return SIM_REQ_PING;
	}
	root = json_loadb(msg, n, 0, NULL);
	jid = json_object_get(root, "id");
	if (json_is_string(jid) && json_string_length(jid) <= 32)
		snprintf(id, sizeof(id), "\"id\":\"%s\",", json_string_value(jid));
	op = json_string_value(json_object_get(root, "op"));
	if (op && (strcmp(op, "subscribe") == 0 || strcmp(op, "unsubscribe") == 0))
		r = okx_subscribe(v, json_object_get(root, "args"), op[0] == 's', subs, out, id);
	else
		okx_error(out, id, "60012", "Invalid request");
	json_decref(root);
	return r;
}

static int okx_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		     uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_TRIM, &x);
	return sim_dialect_print(
		buf, len,
		"{\"arg\":{\"channel\":\"trades\",\"instId\":\"%s\"},\"data\":[{"
		"\"instId\":\"%s\",\"tradeId\":\"%" PRIu64 "\",\"px\":\"%s\",\"sz\":\"%s\","
		"\"side\":\"%s\",\"ts\":\"%" PRId64 "\",\"count\":\"1\",\"source\":\"0\","
		"\"seqId\":%" PRIu64 "}]}",
		v->sym[i].norm, v->sym[i].norm, x.t.id, x.px, x.qty,
		x.t.buyer_maker ? "sell" : "buy", now_ms, ++v->sym[i].seq);
}

static int okx_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;

	sim_dialect_bbo_step(v, i, SIM_TEXT_TRIM, &x);
	return okx_bbo_text(v, i, &x, now_ms, buf, len);
}

/* --replay lines: "instId" names the symbol, the channel the kind. */
static int okx_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_marked(v, msg, n, "\"channel\":\"trades\"",
					   "\"channel\":\"bbo-tbt\"", "\"instId\":\"", kind);
}

const struct sim_dialect sim_dialect_okx = {
	.name = "okx",
	.paths = "/ws/v5/public",
	.request = okx_request,
	.trade = okx_trade,
	.bbo = okx_bbo,
	.classify = okx_classify,
	/* no .ping: the client pings with the text "ping"; none from the server */
};
