/* SPDX-License-Identifier: MIT */
/*
 * binance.c: the Binance spot dialect of mdbus-sim. No I/O: requests in,
 * reply text out; random walks in, event JSON out.
 *
 *   request  {"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@bookTicker"],"id":1}
 *   ack      {"result":null,"id":1}
 *   error    {"error":{"code":2,"msg":"Invalid symbol"},"id":1}
 *   trade    {"e":"trade","E":ms,"s":"BTCUSDT","t":id,"p":"65000.12000000",
 *             "q":"0.00100000","T":ms,"m":true,"M":true}
 *   bbo      {"u":id,"s":"BTCUSDT","b":"...","B":"...","a":"...","A":"..."}
 *
 * Prices and quantities are integers at 8 decimals printed exactly, so a
 * test can compare what the feed published digit for digit.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sim.h"

#define VENUE_SCALE 100000000LL /* 8 decimals */

/* Quote assets that make a symbol plausible when no --symbols list is set;
 * anything else is answered with "Invalid symbol" so tests can provoke it. */
static const char *const venue_quotes[] = {"usdt", "usdc", "fdusd", "busd", "btc",
					   "eth",  "bnb",  "eur",   "try"};

static uint64_t venue_rand(struct sim_venue *v)
{
	/* xorshift64*: deterministic for a given --seed, good enough for walks */
	uint64_t x = v->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	v->rng = x;
	return x * 2685821657736338717ull;
}

static int venue_plausible(const char *lower, size_t n)
{
	size_t i;

	if (n < 5 || n >= SIM_NATIVE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)lower[i]) && !isdigit((unsigned char)lower[i]))
			return 0;
	for (i = 0; i < sizeof(venue_quotes) / sizeof(venue_quotes[0]); i++) {
		size_t q = strlen(venue_quotes[i]);
		if (n > q + 1 && memcmp(lower + n - q, venue_quotes[i], q) == 0)
			return 1;
	}
	return 0;
}

/* Adds a symbol (upper-case native name) with a plausible starting price. */
static int venue_add(struct sim_venue *v, const char *upper)
{
	struct sim_symbol *s;
	uint64_t h = 1469598103934665603ull;
	const char *p;

	if (v->nsym >= SIM_MAX_SYMBOLS)
		return -ENOSPC;
	s = &v->sym[v->nsym];
	memset(s, 0, sizeof(*s));
	snprintf(s->native, sizeof(s->native), "%s", upper);
	for (p = upper; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	s->tick = VENUE_SCALE / 100; /* 0.01 */
	if (strncmp(upper, "BTC", 3) == 0)
		s->px = 6500012000000LL; /* 65000.12 */
	else if (strncmp(upper, "ETH", 3) == 0)
		s->px = 350050000000LL; /* 3500.50 */
	else
		s->px = (int64_t)(10 + h % 1000) * VENUE_SCALE + (int64_t)(h >> 32) % 100 * s->tick;
	s->trade_id = 1000000 + h % 1000000;
	s->update_id = 5000000 + (h >> 20) % 1000000;
	return (int)v->nsym++;
}

static int venue_find(const struct sim_venue *v, const char *lower, size_t n)
{
	uint32_t i;
	size_t k;

	for (i = 0; i < v->nsym; i++) {
		const char *u = v->sym[i].native;
		if (strlen(u) != n)
			continue;
		for (k = 0; k < n; k++)
			if (tolower((unsigned char)u[k]) != lower[k])
				break;
		if (k == n)
			return (int)i;
	}
	return -ENOENT;
}

int sim_venue_symbol(struct sim_venue *v, const char *lower, size_t n)
{
	char upper[SIM_NATIVE_MAX];
	size_t k;
	int r = venue_find(v, lower, n);

	if (r >= 0 || v->fixed || !venue_plausible(lower, n))
		return r;
	for (k = 0; k < n; k++)
		upper[k] = (char)toupper((unsigned char)lower[k]);
	upper[n] = '\0';
	return venue_add(v, upper);
}

int sim_venue_init(struct sim_venue *v, const char *symbols, uint64_t seed, char *err,
		   size_t errlen)
{
	memset(v, 0, sizeof(*v));
	v->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	if (!symbols || !*symbols)
		return 0;
	v->fixed = 1;
	/* "BTC-USDT,ETH-USDT": normalized names, the native one drops the dash */
	while (*symbols) {
		char upper[SIM_NATIVE_MAX];
		size_t n = 0;

		while (*symbols == ',' || *symbols == ' ')
			symbols++;
		if (!*symbols)
			break;
		while (*symbols && *symbols != ',') {
			char ch = *symbols++;
			if (ch == '-' || ch == ' ')
				continue;
			if (!isalnum((unsigned char)ch) || n + 1 >= sizeof(upper)) {
				snprintf(err, errlen, "bad symbol in --symbols near '%c'", ch);
				return -EINVAL;
			}
			upper[n++] = (char)toupper((unsigned char)ch);
		}
		upper[n] = '\0';
		if (n == 0)
			continue;
		if (venue_add(v, upper) < 0) {
			snprintf(err, errlen, "too many symbols (max %d)", SIM_MAX_SYMBOLS);
			return -EINVAL;
		}
	}
	return 0;
}

static void venue_error(char *reply, size_t len, int code, const char *msg, const char *id)
{
	snprintf(reply, len, "{\"error\":{\"code\":%d,\"msg\":\"%s\"},\"id\":%s}", code, msg, id);
}

/* "btcusdt@trade" -> symbol index + stream bit; -EINVAL bad stream name,
 * -ENOENT unknown symbol. */
static int venue_stream(struct sim_venue *v, const char *s, int *sym, uint8_t *bit)
{
	const char *at = strchr(s, '@');

	if (!at)
		return -EINVAL;
	if (strcmp(at + 1, "trade") == 0)
		*bit = SIM_STREAM_TRADE;
	else if (strcmp(at + 1, "bookTicker") == 0)
		*bit = SIM_STREAM_BBO;
	else
		return -EINVAL;
	*sym = sim_venue_symbol(v, s, (size_t)(at - s));
	return *sym < 0 ? -ENOENT : 0;
}

/* The request's id as JSON text for the reply: an integer, a short string,
 * else null. */
static void venue_request_id(json_t *root, char *id, size_t len)
{
	json_t *jid = json_object_get(root, "id");

	if (json_is_integer(jid))
		snprintf(id, len, "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
	else if (json_is_string(jid) && json_string_length(jid) < 40)
		snprintf(id, len, "\"%s\"", json_string_value(jid));
}

/* SUBSCRIBE (on) / UNSUBSCRIBE: all or nothing, a request naming one bad
 * stream changes nothing. Returns 0 or -EINVAL (error reply written). */
static int venue_subscribe(struct sim_venue *v, json_t *params, int on, uint8_t *subs, char *reply,
			   size_t replylen, const char *id)
{
	uint8_t next[SIM_MAX_SYMBOLS];

	if (!json_is_array(params)) {
		venue_error(reply, replylen, 2, "Invalid request: params must be an array", id);
		return -EINVAL;
	}
	memcpy(next, subs, sizeof(next));
	for (size_t i = 0; i < json_array_size(params); i++) {
		const char *s = json_string_value(json_array_get(params, i));
		uint8_t bit = 0;
		int sym = -1;
		int e = s ? venue_stream(v, s, &sym, &bit) : -EINVAL;

		if (e < 0) {
			venue_error(reply, replylen, 2,
				    e == -ENOENT ? "Invalid symbol"
						 : "Invalid request: bad stream name",
				    id);
			return -EINVAL;
		}
		if (on)
			next[sym] |= bit;
		else
			next[sym] &= (uint8_t)~bit;
	}
	memcpy(subs, next, sizeof(next));
	snprintf(reply, replylen, "{\"result\":null,\"id\":%s}", id);
	return 0;
}

/* LIST_SUBSCRIPTIONS: the streams in subs, lower-case as Binance names them. */
static void venue_list(const struct sim_venue *v, const uint8_t *subs, char *reply, size_t replylen,
		       const char *id)
{
	static const struct {
		uint8_t bit;
		const char *suffix;
	} streams[] = {{SIM_STREAM_TRADE, "trade"}, {SIM_STREAM_BBO, "bookTicker"}};
	size_t off = (size_t)snprintf(reply, replylen, "{\"result\":[");
	const char *sep = "";

	for (uint32_t k = 0; k < v->nsym && off < replylen; k++) {
		char lower[SIM_NATIVE_MAX];
		size_t j;

		for (j = 0; v->sym[k].native[j]; j++)
			lower[j] = (char)tolower((unsigned char)v->sym[k].native[j]);
		lower[j] = '\0';
		for (size_t t = 0; t < sizeof(streams) / sizeof(streams[0]); t++) {
			if (subs[k] & streams[t].bit && off < replylen) {
				off += (size_t)snprintf(reply + off, replylen - off, "%s\"%s@%s\"",
							sep, lower, streams[t].suffix);
				sep = ",";
			}
		}
	}
	if (off < replylen)
		snprintf(reply + off, replylen - off, "],\"id\":%s}", id);
}

int sim_venue_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs, char *reply,
		      size_t replylen, uint32_t *nsubscribed)
{
	json_error_t jerr;
	json_t *root = json_loadb(msg, n, 0, &jerr);
	const char *method;
	char id[64] = "null";
	int r = 0;

	*nsubscribed = 0;
	if (!root || !json_is_object(root)) {
		venue_error(reply, replylen, 3, "Invalid JSON", "null");
		json_decref(root);
		return -EINVAL;
	}
	venue_request_id(root, id, sizeof(id));
	method = json_string_value(json_object_get(root, "method"));
	if (!method) {
		venue_error(reply, replylen, 2, "Invalid request: missing method", id);
		r = -EINVAL;
	} else if (strcmp(method, "SUBSCRIBE") == 0 || strcmp(method, "UNSUBSCRIBE") == 0) {
		r = venue_subscribe(v, json_object_get(root, "params"), method[0] == 'S', subs,
				    reply, replylen, id);
	} else if (strcmp(method, "LIST_SUBSCRIPTIONS") == 0) {
		venue_list(v, subs, reply, replylen, id);
	} else if (strcmp(method, "SET_PROPERTY") == 0) {
		snprintf(reply, replylen, "{\"result\":null,\"id\":%s}", id);
	} else if (strcmp(method, "GET_PROPERTY") == 0) {
		snprintf(reply, replylen, "{\"result\":false,\"id\":%s}", id);
	} else {
		venue_error(reply, replylen, 2, "Invalid request: unknown method", id);
		r = -EINVAL;
	}
	for (size_t i = 0; i < SIM_MAX_SYMBOLS; i++)
		*nsubscribed += (uint32_t)__builtin_popcount(subs[i]);
	json_decref(root);
	return r;
}

/* Exact decimal text of mantissa / 10^decimals with all decimals printed. */
static void venue_dec(int64_t m, int decimals, char *out, size_t len)
{
	char digits[32];
	int64_t a = m < 0 ? -m : m;
	int n = snprintf(digits, sizeof(digits), "%0*" PRId64, decimals > 18 ? 19 : decimals + 1,
			 a);

	/* digits holds at least decimals + 1 characters: split before the last
	 * `decimals` of them */
	snprintf(out, len, "%s%.*s.%s", m < 0 ? "-" : "", n - decimals, digits,
		 digits + n - decimals);
}

static void venue_walk(struct sim_venue *v, struct sim_symbol *s)
{
	int64_t step = (int64_t)(venue_rand(v) % 5) - 2;

	s->px += step * s->tick;
	if (s->px < 10 * s->tick)
		s->px = 10 * s->tick;
}

/* One trade of symbol i with trade id `id` (0: the symbol's next). */
static int venue_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		       uint64_t id, char *buf, size_t len)
{
	struct sim_symbol *s = &v->sym[i];
	char px[40], qty[40];
	int64_t q = (int64_t)(venue_rand(v) % 200000 + 100) * 1000; /* 0.001 .. 2.001 */
	int m = (int)(venue_rand(v) & 1);
	int n;

	venue_walk(v, s);
	if (extra_decimals > 0) {
		/* More digits than the venue's 8, the last one never zero, so a
		 * correct parser must reject it rather than round it away. */
		int64_t mant = s->px;
		int k;
		for (k = 0; k < extra_decimals; k++)
			mant = mant * 10 + (k == extra_decimals - 1 ? 7 : 0);
		venue_dec(mant, 8 + extra_decimals, px, sizeof(px));
	} else {
		venue_dec(s->px, 8, px, sizeof(px));
	}
	venue_dec(q, 8, qty, sizeof(qty));
	n = snprintf(buf, len,
		     "{\"e\":\"trade\",\"E\":%" PRId64 ",\"s\":\"%s\",\"t\":%" PRIu64
		     ",\"p\":\"%s\",\"q\":\"%s\",\"T\":%" PRId64 ",\"m\":%s,\"M\":true}",
		     now_ms, s->native, id ? id : ++s->trade_id, px, qty, now_ms,
		     m ? "true" : "false");
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int sim_venue_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals, char *buf,
		    size_t len)
{
	return venue_trade(v, i, now_ms, extra_decimals, 0, buf, len);
}

int sim_venue_trade_id(struct sim_venue *v, uint32_t i, int64_t now_ms, uint64_t id, char *buf,
		       size_t len)
{
	return venue_trade(v, i, now_ms, 0, id, buf, len);
}

int sim_venue_bbo(struct sim_venue *v, uint32_t i, char *buf, size_t len)
{
	struct sim_symbol *s = &v->sym[i];
	char b[40], bq[40], a[40], aq[40];
	int64_t spread = s->tick * (int64_t)(1 + venue_rand(v) % 3);
	int n;

	venue_walk(v, s);
	venue_dec(s->px - s->tick, 8, b, sizeof(b));
	venue_dec(s->px - s->tick + spread, 8, a, sizeof(a));
	venue_dec((int64_t)(venue_rand(v) % 500000 + 1) * 1000, 8, bq, sizeof(bq));
	venue_dec((int64_t)(venue_rand(v) % 500000 + 1) * 1000, 8, aq, sizeof(aq));
	n = snprintf(buf, len,
		     "{\"u\":%" PRIu64
		     ",\"s\":\"%s\",\"b\":\"%s\",\"B\":\"%s\",\"a\":\"%s\",\"A\":\"%s\"}",
		     ++s->update_id, s->native, b, bq, a, aq);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int sim_venue_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	static const char key[] = "\"s\":\"";
	const char *p = memmem(msg, n, key, sizeof(key) - 1);
	const char *end;
	char lower[SIM_NATIVE_MAX];
	size_t k;

	if (memmem(msg, n, "\"e\":\"trade\"", 11))
		*kind = SIM_STREAM_TRADE;
	else if (memmem(msg, n, "\"b\":", 4) && memmem(msg, n, "\"a\":", 4))
		*kind = SIM_STREAM_BBO;
	else
		*kind = 0;
	if (!p)
		return -ENOENT;
	p += sizeof(key) - 1;
	end = memchr(p, '"', n - (size_t)(p - msg));
	if (!end || (size_t)(end - p) >= sizeof(lower))
		return -ENOENT;
	for (k = 0; p + k < end; k++)
		lower[k] = (char)tolower((unsigned char)p[k]);
	return sim_venue_symbol(v, lower, k);
}
