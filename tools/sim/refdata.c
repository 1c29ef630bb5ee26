/* SPDX-License-Identifier: MIT */
/*
 * refdata.c: each venue's instrument reference-data endpoints, in the
 * venue's documented format (feedd reads them at start-up, ops->ref):
 *   binance         GET /api/v3/exchangeInfo[?symbol=X|symbols=["X","Y"]]
 *   binance-futures GET /fapi/v1/exchangeInfo
 *   okx             GET /api/v5/public/instruments?instType=SPOT|SWAP[&instId=]
 *   kraken          GET /0/public/AssetPairs (wsname says XBT for BTC, XDG for DOGE)
 *   bybit(-linear)  GET /v5/market/instruments-info?category=spot|linear
 *   gateio          GET /api/v4/spot/currency_pairs[/PAIR]
 *   gateio-futures  GET /api/v4/futures/usdt/contracts[/CONTRACT]
 *   coinbase        GET /products[/PRODUCT]
 *   mexc            GET /api/v3/exchangeInfo[?symbol=|symbols=A,B]
 *   bingx           GET /openApi/spot/v1/common/symbols[?symbol=]
 *   bingx-swap      GET /openApi/swap/v2/quote/contracts[?symbol=]
 * Every price and quantity the streams print is a multiple of 10^-8 (the
 * walks are integers at 8 decimals), so every tick and lot here is
 * 0.00000001 (or 8 decimal places), and feedd's scale from them takes every
 * price and size. Gate futures sizes are whole contracts of 0.00001 base
 * (quanto_multiplier), OKX swaps' contracts are 0.01 base (ctVal): the
 * contract sizes the end-to-end tests configure.
 *
 * The symbols listed: the venue's own (--symbols, or those made so far)
 * and, for a venue that makes symbols on demand, a few common pairs; a
 * request naming one symbol gets it (a fixed venue: only its own, else the
 * venue's "not found" answer). The rest_429 fault leaves these answers
 * alone: it stays armed for the depth and fallback calls the tests aim it at.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define REF_STEP "0.00000001"
#define REF_DP	 8

/* One instrument of an answer: base and quote upper case, swap or spot. */
struct ref_sym {
	char base[SIM_NATIVE_MAX], quote[SIM_NATIVE_MAX];
	int swap;
};

/* The venue's kinds of instrument names. */
enum ref_name { REF_JOINED, REF_DASH, REF_UNDERSCORE, REF_OKX, REF_KRAKEN };

static const char *const ref_defaults[] = {"BTC-USDT",	    "ETH-USDT",	    "SOL-USDT",
					   "BTC-USD",	    "ETH-USD",	    "DOGE-USD",
					   "BTC-USDT-SWAP", "ETH-USDT-SWAP"};

/* "BTC-USDT" / "BTC-USDT-SWAP" into s: 0, or -EINVAL without a quote. */
static int ref_split(const char *norm, struct ref_sym *s)
{
	const char *d = strchr(norm, '-');
	size_t bn;

	if (!d || d == norm || !d[1])
		return -EINVAL;
	bn = (size_t)(d - norm);
	if (bn >= sizeof(s->base))
		return -EINVAL;
	memcpy(s->base, norm, bn);
	s->base[bn] = '\0';
	snprintf(s->quote, sizeof(s->quote), "%s", d + 1);
	s->swap = 0;
	d = strchr(s->quote, '-');
	if (d) {
		s->swap = strcmp(d, "-SWAP") == 0 || strcmp(d, "-PERP") == 0;
		s->quote[d - s->quote] = '\0';
	}
	return 0;
}

/* The venue's name of s into out. */
static void ref_name(const struct ref_sym *s, enum ref_name kind, char *out, size_t len)
{
	const char *b = s->base;

	if (kind == REF_KRAKEN)
		b = strcmp(b, "BTC") == 0 ? "XBT" : strcmp(b, "DOGE") == 0 ? "XDG" : b;
	int w = snprintf(out, len, "%s%s%s%s", b,
			 kind == REF_JOINED	  ? ""
			 : kind == REF_UNDERSCORE ? "_"
			 : kind == REF_KRAKEN	  ? "/"
						  : "-",
			 s->quote, kind == REF_OKX && s->swap ? "-SWAP" : "");

	if (w < 0 || (size_t)w >= len)
		out[0] = '\0'; /* cannot happen: len holds two names */
}

/* A venue name as typed ("BTC-USDT", "BTC_USDT", "BTCUSDT") into s: 0 when
 * the venue has it (a venue making symbols on demand: any two-part name;
 * a joined name needs the venue to know it). -ENOENT otherwise. */
static int ref_lookup(struct sim_venue *v, const char *name, struct ref_sym *s)
{
	char norm[SIM_NATIVE_MAX];
	int i;

	snprintf(norm, sizeof(norm), "%s", name);
	for (char *p = norm; *p; p++)
		if (*p == '_' || *p == '/')
			*p = '-';
	if (v->fixed || !strchr(norm, '-')) {
		i = sim_venue_symbol(v, name, strlen(name));
		if (i < 0 || (v->fixed && i >= (int)v->nsym))
			return -ENOENT;
		snprintf(norm, sizeof(norm), "%s", v->sym[i].norm);
	}
	return ref_split(norm, s);
}

/* The k-th instrument the venue lists (its own, then the defaults not
 * among them): 1 (its own) or 2 (a default) with s, 0 past the end. */
static int ref_nth(const struct sim_venue *v, uint32_t k, struct ref_sym *s)
{
	uint32_t n = v->nsym, seen = 0;

	for (uint32_t i = 0; i < n; i++)
		if (ref_split(v->sym[i].norm, s) == 0 && seen++ == k)
			return 1;
	if (v->fixed)
		return 0;
	for (size_t d = 0; d < sizeof(ref_defaults) / sizeof(ref_defaults[0]); d++) {
		uint32_t i;

		for (i = 0; i < n && strcmp(v->sym[i].norm, ref_defaults[d]) != 0; i++)
			;
		if (i == n && ref_split(ref_defaults[d], s) == 0 && seen++ == k)
			return 2;
	}
	return 0;
}

/* Appends printf text at *o: 0 or -ENOSPC. */
__attribute__((format(printf, 4, 5))) static int ref_put(char *out, size_t len, size_t *o,
							 const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(out + *o, len - *o, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= len - *o)
		return -ENOSPC;
	*o += (size_t)w;
	return 0;
}

/* One instrument's JSON object of the dialect (name: the venue's name). */
/* Long: one branch per venue format, each its documented object */
static int ref_entry(const char *venue, const struct ref_sym *s, const char *name, char *out,
		     size_t len, size_t *o)
{
	if (!strcmp(venue, "binance"))
		return ref_put(
			out, len, o,
			"{\"symbol\":\"%s\",\"status\":\"TRADING\",\"baseAsset\":\"%s\","
			"\"baseAssetPrecision\":%d,\"quoteAsset\":\"%s\",\"quotePrecision\":%d,"
			"\"quoteAssetPrecision\":%d,\"orderTypes\":[\"LIMIT\",\"MARKET\"],"
			"\"isSpotTradingAllowed\":true,\"filters\":[{\"filterType\":"
			"\"PRICE_FILTER\",\"minPrice\":\"" REF_STEP "\",\"maxPrice\":"
			"\"1000000.00000000\",\"tickSize\":\"" REF_STEP "\"},{\"filterType\":"
			"\"LOT_SIZE\",\"minQty\":\"" REF_STEP "\",\"maxQty\":\"9000.00000000\","
			"\"stepSize\":\"" REF_STEP "\"}],\"permissions\":[],\"permissionSets\":"
			"[[\"SPOT\"]]}",
			name, s->base, REF_DP, s->quote, REF_DP, REF_DP);
	if (!strcmp(venue, "binance-futures"))
		return ref_put(out, len, o,
			       "{\"symbol\":\"%s\",\"pair\":\"%s\",\"contractType\":\"PERPETUAL\","
			       "\"status\":\"TRADING\",\"baseAsset\":\"%s\",\"quoteAsset\":\"%s\","
			       "\"pricePrecision\":%d,\"quantityPrecision\":%d,\"filters\":[{"
			       "\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"" REF_STEP "\","
			       "\"maxPrice\":\"1000000\",\"tickSize\":\"" REF_STEP "\"},{"
			       "\"filterType\":\"LOT_SIZE\",\"minQty\":\"" REF_STEP "\",\"maxQty\":"
			       "\"1000000\",\"stepSize\":\"" REF_STEP "\"}]}",
			       name, name, s->base, s->quote, REF_DP, REF_DP);
	if (!strcmp(venue, "okx"))
		return ref_put(out, len, o,
			       "{\"instType\":\"%s\",\"instId\":\"%s\",\"baseCcy\":\"%s\","
			       "\"quoteCcy\":\"%s\",\"settleCcy\":\"%s\",\"ctVal\":\"%s\","
			       "\"ctValCcy\":\"%s\",\"ctType\":\"%s\",\"tickSz\":\"" REF_STEP "\","
			       "\"lotSz\":\"" REF_STEP "\",\"minSz\":\"" REF_STEP "\",\"state\":"
			       "\"live\"}",
			       s->swap ? "SWAP" : "SPOT", name, s->swap ? "" : s->base,
			       s->swap ? "" : s->quote, s->swap ? s->quote : "",
			       s->swap ? "0.01" : "", s->swap ? s->base : "",
			       s->swap ? "linear" : "");
	if (!strcmp(venue, "kraken")) /* keyed by the altname: the wsname without '/' */
		return ref_put(out, len, o,
			       "\"%.*s%s\":{\"altname\":\"%.*s%s\",\"wsname\":\"%s\",\"base\":"
			       "\"%s\",\"quote\":\"%s\",\"pair_decimals\":%d,\"cost_decimals\":%d,"
			       "\"lot_decimals\":%d,\"lot_multiplier\":1,\"ordermin\":\"" REF_STEP
			       "\",\"tick_size\":\"" REF_STEP "\",\"status\":\"online\"}",
			       (int)strcspn(name, "/"), name, s->quote, (int)strcspn(name, "/"),
			       name, s->quote, name, s->base, s->quote, REF_DP, REF_DP, REF_DP);
	if (!strncmp(venue, "bybit", 5))
		return ref_put(out, len, o,
			       "{\"symbol\":\"%s\",\"baseCoin\":\"%s\",\"quoteCoin\":\"%s\","
			       "\"status\":\"Trading\",\"priceFilter\":{\"tickSize\":\"" REF_STEP
			       "\"},\"lotSizeFilter\":{\"basePrecision\":\"" REF_STEP "\","
			       "\"qtyStep\":\"" REF_STEP "\",\"minOrderQty\":\"" REF_STEP "\"}}",
			       name, s->base, s->quote);
	if (!strcmp(venue, "gateio"))
		return ref_put(
			out, len, o,
			"{\"id\":\"%s\",\"base\":\"%s\",\"quote\":\"%s\",\"fee\":\"0.2\","
			"\"min_base_amount\":\"" REF_STEP "\",\"amount_precision\":%d,"
			"\"precision\":%d,\"trade_status\":\"tradable\",\"type\":\"normal\"}",
			name, s->base, s->quote, REF_DP, REF_DP);
	if (!strcmp(venue, "gateio-futures"))
		return ref_put(out, len, o,
			       "{\"name\":\"%s\",\"type\":\"direct\",\"quanto_multiplier\":"
			       "\"0.00001\",\"order_price_round\":\"" REF_STEP "\","
			       "\"mark_price_round\":\"" REF_STEP "\",\"order_size_min\":1,"
			       "\"order_size_max\":1000000,\"in_delisting\":false}",
			       name);
	if (!strcmp(venue, "coinbase"))
		return ref_put(out, len, o,
			       "{\"id\":\"%s\",\"base_currency\":\"%s\",\"quote_currency\":\"%s\","
			       "\"quote_increment\":\"" REF_STEP "\",\"base_increment\":\"" REF_STEP
			       "\",\"display_name\":\"%s/%s\",\"status\":\"online\"}",
			       name, s->base, s->quote, s->base, s->quote);
	if (!strcmp(venue, "mexc"))
		return ref_put(out, len, o,
			       "{\"symbol\":\"%s\",\"status\":\"1\",\"baseAsset\":\"%s\","
			       "\"baseAssetPrecision\":%d,\"quoteAsset\":\"%s\",\"quotePrecision\":"
			       "%d,\"quoteAssetPrecision\":%d,\"filters\":[],\"baseSizePrecision\":"
			       "\"" REF_STEP "\",\"isSpotTradingAllowed\":true}",
			       name, s->base, REF_DP, s->quote, REF_DP, REF_DP);
	if (!strcmp(venue, "bingx"))
		return ref_put(out, len, o,
			       "{\"symbol\":\"%s\",\"minQty\":0.00000001,\"maxQty\":1000000,"
			       "\"minNotional\":1,\"maxNotional\":1000000,\"status\":1,"
			       "\"tickSize\":0.00000001,\"stepSize\":0.00000001}",
			       name);
	return ref_put(out, len, o,
		       "{\"contractId\":\"1\",\"symbol\":\"%s\",\"size\":\"" REF_STEP "\","
		       "\"quantityPrecision\":%d,\"pricePrecision\":%d,\"currency\":\"%s\","
		       "\"asset\":\"%s\",\"status\":1}",
		       name, REF_DP, REF_DP, s->quote, s->base);
}

/* Each dialect's endpoint: its path, the name form, the JSON around the
 * list (head, tail) and its "not found" answer. */
struct ref_route {
	const char *venue, *path, *param; /* param: the query key naming symbols */
	enum ref_name kind;
	int market; /* 0 spot, 1 swaps, -1 as the query says (OKX instType) */
	int one;    /* 1: a /NAME path names one instrument, answered as an object */
	int none_status;
	const char *head, *tail, *none;
};

static const struct ref_route ref_routes[] = {
	{"binance", "/api/v3/exchangeInfo", "symbols", REF_JOINED, 0, 0, 400,
	 "{\"timezone\":\"UTC\",\"serverTime\":0,\"rateLimits\":[],\"exchangeFilters\":[],"
	 "\"symbols\":[",
	 "]}", "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}"},
	{"binance-futures", "/fapi/v1/exchangeInfo", NULL, REF_JOINED, 1, 0, 0,
	 "{\"timezone\":\"UTC\",\"serverTime\":0,\"rateLimits\":[],\"exchangeFilters\":[],"
	 "\"assets\":[],\"symbols\":[",
	 "]}", NULL},
	{"okx", "/api/v5/public/instruments", "instId", REF_OKX, -1, 0, 200,
	 "{\"code\":\"0\",\"msg\":\"\",\"data\":[", "]}",
	 "{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\",\"data\":[]}"},
	{"kraken", "/0/public/AssetPairs", "pair", REF_KRAKEN, 0, 0, 200,
	 "{\"error\":[],\"result\":{", "}}", "{\"error\":[\"EQuery:Unknown asset pair\"]}"},
	{"bybit", "/v5/market/instruments-info", "symbol", REF_JOINED, 0, 0, 0,
	 "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"spot\",\"list\":[",
	 "],\"nextPageCursor\":\"\"},\"retExtInfo\":{},\"time\":0}", NULL},
	{"bybit-linear", "/v5/market/instruments-info", "symbol", REF_JOINED, 1, 0, 0,
	 "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"linear\",\"list\":[",
	 "],\"nextPageCursor\":\"\"},\"retExtInfo\":{},\"time\":0}", NULL},
	{"gateio", "/api/v4/spot/currency_pairs", NULL, REF_UNDERSCORE, 0, 1, 400, "[", "]",
	 "{\"label\":\"INVALID_CURRENCY_PAIR\",\"message\":\"Invalid currency pair\"}"},
	{"gateio-futures", "/api/v4/futures/usdt/contracts", NULL, REF_UNDERSCORE, 1, 1, 400, "[",
	 "]", "{\"label\":\"CONTRACT_NOT_FOUND\",\"message\":\"Contract not found\"}"},
	{"coinbase", "/products", NULL, REF_DASH, 0, 1, 404, "[", "]",
	 "{\"message\":\"NotFound\"}"},
	{"mexc", "/api/v3/exchangeInfo", "symbols", REF_JOINED, 0, 0, 400,
	 "{\"timezone\":\"CST\",\"serverTime\":0,\"rateLimits\":[],\"exchangeFilters\":[],"
	 "\"symbols\":[",
	 "]}", "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}"},
	{"bingx", "/openApi/spot/v1/common/symbols", "symbol", REF_DASH, 0, 0, 200,
	 "{\"code\":0,\"msg\":\"\",\"debugMsg\":\"\",\"data\":{\"symbols\":[", "]}}",
	 "{\"code\":100204,\"msg\":\"symbol not exist\",\"data\":{}}"},
	{"bingx-swap", "/openApi/swap/v2/quote/contracts", "symbol", REF_DASH, 1, 0, 200,
	 "{\"code\":0,\"msg\":\"\",\"data\":[", "]}",
	 "{\"code\":109400,\"msg\":\"symbol not exist\",\"data\":[]}"},
};

static const struct ref_route *ref_route_of(const char *venue, const char *target, size_t *pl)
{
	for (size_t i = 0; i < sizeof(ref_routes) / sizeof(ref_routes[0]); i++) {
		const struct ref_route *r = &ref_routes[i];
		size_t n = strlen(r->path);

		if (strcmp(r->venue, venue) != 0 || strncmp(target, r->path, n) != 0)
			continue;
		/* a symbol in the path is one segment: /products/BTC-USD, not
		 * /products/BTC-USD/book (the depth and fallback routes) */
		if (target[n] == '\0' || target[n] == '?' ||
		    (r->one && target[n] == '/' && !strchr(target + n + 1, '/'))) {
			*pl = n;
			return r;
		}
	}
	return NULL;
}

int sim_refdata_path(const char *venue, const char *target)
{
	size_t pl;

	return ref_route_of(venue, target, &pl) != NULL;
}

/* Does s belong in an answer for swaps (1), spot (0) or either (-1)? A
 * default pair is listed only where its market is the route's. */
static int ref_wanted(const struct ref_sym *s, int market)
{
	return market < 0 || s->swap == market;
}

/* The whole list of the venue: its own instruments, and the defaults of
 * the route's market (OKX: every instrument of the market asked for), each
 * name once. */
static int ref_list(const struct ref_route *r, struct sim_venue *v, int market, char *out,
		    size_t len, size_t *o)
{
	char name[SIM_NATIVE_MAX * 2], quoted[SIM_NATIVE_MAX * 2 + 2];
	struct ref_sym s;
	uint32_t k, m = 0;
	int rc;

	for (k = 0; (rc = ref_nth(v, k, &s)) > 0; k++) {
		if (!ref_wanted(&s, market) && (r->kind == REF_OKX || rc == 2))
			continue;
		ref_name(&s, r->kind, name, sizeof(name));
		snprintf(quoted, sizeof(quoted), "\"%s\"", name);
		if (*o > 0 && strstr(out, quoted))
			continue;
		if ((m++ && ref_put(out, len, o, ",") < 0) ||
		    ref_entry(r->venue, &s, name, out, len, o) < 0)
			return -ENOSPC;
	}
	return 0;
}

/* The instruments named in names (comma-separated): 0, -ENOENT for a name
 * the venue does not have, -ENOSPC. */
static int ref_named(const struct ref_route *r, struct sim_venue *v, const char *names, char *out,
		     size_t len, size_t *o)
{
	char one[SIM_NATIVE_MAX], name[SIM_NATIVE_MAX * 2];
	struct ref_sym s;
	const char *p = names;
	int m = 0;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n >= sizeof(one))
			return -ENOENT;
		memcpy(one, p, n);
		one[n] = '\0';
		p += n + (p[n] == ',');
		if (ref_lookup(v, one, &s) < 0)
			return -ENOENT;
		if (r->kind == REF_OKX && n > 5 && !strcmp(one + n - 5, "-SWAP"))
			s.swap = 1;
		ref_name(&s, r->kind, name, sizeof(name));
		if ((m++ && ref_put(out, len, o, ",") < 0) ||
		    ref_entry(r->venue, &s, name, out, len, o) < 0)
			return -ENOSPC;
	}
	return 0;
}

/* The market a route lists: its own, or what OKX's instType asks for. */
static int ref_market(const struct ref_route *r, const char *target)
{
	char q[16];

	if (r->market >= 0)
		return r->market;
	if (sim_query_param(target, "instType", q, sizeof(q)) > 0)
		return strcmp(q, "SWAP") == 0 ? 1 : 0;
	return -1;
}

/* A hex digit's value, or -1. */
static int ref_hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* A query value as names: %XX decoded, and the '[', ']' and '"' of a JSON
 * array dropped (Binance's symbols=["BTCUSDT","ETHUSDT"]), in place. */
static void ref_unquote(char *s)
{
	char *w = s;

	for (const char *p = s; *p; p++) {
		int c = (unsigned char)*p;

		if (c == '%' && ref_hex(p[1]) >= 0 && ref_hex(p[2]) >= 0) {
			c = ref_hex(p[1]) * 16 + ref_hex(p[2]);
			p += 2;
		}
		if (c != '[' && c != ']' && c != '"')
			*w++ = (char)c;
	}
	*w = '\0';
}

/* Long: one answer's three shapes (one object, a named list, the whole list) */
int sim_refdata_body(const char *venue, struct sim_venue *v, const char *target, char *out,
		     size_t len, int *status)
{
	const struct ref_route *r;
	char names[512] = "";
	size_t pl = 0, o = 0;
	int market, rc;

	r = ref_route_of(venue, target, &pl);
	if (!r)
		return -ENOENT;
	market = ref_market(r, target);
	*status = 200;
	if (r->one && target[pl] == '/')
		snprintf(names, sizeof(names), "%.*s", (int)strcspn(target + pl + 1, "?"),
			 target + pl + 1);
	else if (r->param && sim_query_param(target, r->param, names, sizeof(names)) < 0 &&
		 (!strcmp(r->venue, "mexc") || !strcmp(r->venue, "binance")))
		sim_query_param(target, "symbol", names, sizeof(names));
	ref_unquote(names);
	if (!(r->one && names[0]) && ref_put(out, len, &o, "%s", r->head) < 0)
		return -ENOSPC;
	rc = names[0] ? ref_named(r, v, names, out, len, &o) : ref_list(r, v, market, out, len, &o);
	if (rc == -ENOENT && r->none) {
		*status = r->none_status;
		return sim_dialect_print(out, len, "%s", r->none);
	}
	if (rc == -ENOENT) { /* an empty list */
		o = 0;
		if (ref_put(out, len, &o, "%s", r->head) < 0)
			return -ENOSPC;
	} else if (rc < 0) {
		return rc;
	}
	if (!(r->one && names[0]) && ref_put(out, len, &o, "%s", r->tail) < 0)
		return -ENOSPC;
	return (int)o;
}

int sim_refdata_serve(struct sim_conn *c, const char *target, int gzip, int close,
		      sim_rest_send_fn send)
{
	static char body[1 << 16];
	int status = 200, n;

	n = sim_refdata_body(c->l->d->name, &c->l->venue, target, body, sizeof(body), &status);
	if (n == -ENOENT)
		return n;
	if (n < 0)
		send(c, 500, "", "{\"error\":\"too large\"}", 21, 0, close);
	else
		send(c, status, "", body, (size_t)n, gzip, close);
	fprintf(stderr, "mdbus-sim: conn %" PRIu64 ": GET %s -> %d (%d bytes, reference data)\n",
		c->id, target, n < 0 ? 500 : status, n < 0 ? 0 : n);
	return 0;
}
