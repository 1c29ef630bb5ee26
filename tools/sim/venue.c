/* SPDX-License-Identifier: MIT */
/*
 * venue.c: what every dialect of mdbus-sim shares: the symbol table, each
 * symbol's random walk (prices and quantities as integers at 8 decimals,
 * printed exactly so a test can compare what the feed published digit for
 * digit), the reply list, and the table of dialects.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define VENUE_SCALE 100000000LL /* 8 decimals */

/* Every dialect --venue accepts; a new one is one line here. */
static const struct sim_dialect *const sim_dialects[] = {
	&sim_dialect_binance,	      /* binance.c */
	&sim_dialect_binance_futures, /* binance_futures.c */
	&sim_dialect_coinbase,	      /* coinbase.c */
	&sim_dialect_kraken,	      /* kraken.c */
	&sim_dialect_okx,	      /* okx.c */
	&sim_dialect_mexc,	      /* mexc.c */
	&sim_dialect_bybit,	      /* bybit.c */
	&sim_dialect_bybit_linear,    /* bybit.c */
	&sim_dialect_gateio,	      /* gateio.c */
	&sim_dialect_gateio_futures,  /* gateio.c */
	&sim_dialect_bingx,	      /* bingx.c */
	&sim_dialect_bingx_swap,      /* bingx.c */
};

/* Quote assets that make a symbol plausible when no --symbols list is set;
 * anything else is answered with the venue's "invalid symbol" so tests can
 * provoke it. */
static const char *const venue_quotes[] = {"usdt", "usdc", "fdusd", "busd", "btc",
					   "eth",  "bnb",  "eur",   "try"};

const struct sim_dialect *sim_dialect_find(const char *name)
{
	for (size_t i = 0; i < sizeof(sim_dialects) / sizeof(sim_dialects[0]); i++)
		if (strcmp(sim_dialects[i]->name, name) == 0)
			return sim_dialects[i];
	return NULL;
}

const struct sim_dialect *sim_dialect_get(size_t i)
{
	return i < sizeof(sim_dialects) / sizeof(sim_dialects[0]) ? sim_dialects[i] : NULL;
}

void sim_dialect_names(char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(sim_dialects) / sizeof(sim_dialects[0]) && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? ", " : "",
					sim_dialects[i]->name);
}

/* Appends one reply: its index, or -ENOSPC (nothing added). */
static int venue_reply_vadd(struct sim_replies *r, const char *fmt, va_list ap)
{
	size_t room = sizeof(r->text) - r->used;
	int n;

	if (r->n >= SIM_REPLIES_MAX || room == 0)
		return -ENOSPC;
	n = vsnprintf(r->text + r->used, room, fmt, ap);
	if (n < 0 || (size_t)n >= room) {
		r->text[r->used] = '\0';
		return -ENOSPC;
	}
	r->off[r->n] = r->used;
	r->len[r->n] = (size_t)n;
	r->used += (size_t)n + 1;
	return (int)r->n++;
}

int sim_reply_add(struct sim_replies *r, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = venue_reply_vadd(r, fmt, ap);
	va_end(ap);
	return k < 0 ? k : 0;
}

int sim_reply_data(struct sim_replies *r, const struct sim_venue *v, int64_t ms, const char *fmt,
		   ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = venue_reply_vadd(r, fmt, ap);
	va_end(ap);
	if (k < 0)
		return k;
	r->data[k] = v->last;
	r->data[k].ms = ms;
	r->data[k].snapshot = 1;
	return 0;
}

const char *sim_reply(const struct sim_replies *r, uint32_t k)
{
	return k < r->n ? r->text + r->off[k] : "";
}

uint32_t sim_subs_count(const uint8_t *subs)
{
	uint32_t n = 0;

	for (size_t i = 0; i < SIM_MAX_SYMBOLS; i++)
		n += (uint32_t)__builtin_popcount(subs[i] & SIM_STREAM_DATA);
	return n;
}

uint64_t sim_venue_rand(uint64_t *state)
{
	/* xorshift64*: deterministic for a given --seed, good enough for walks */
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 2685821657736338717ull;
}

static uint64_t venue_rand(struct sim_venue *v)
{
	return sim_venue_rand(&v->rng);
}

/* The quote asset lower ends with (its length), 0 if none is known. */
static size_t venue_quote(const char *lower, size_t n)
{
	for (size_t i = 0; i < sizeof(venue_quotes) / sizeof(venue_quotes[0]); i++) {
		size_t q = strlen(venue_quotes[i]);
		if (n > q + 1 && memcmp(lower + n - q, venue_quotes[i], q) == 0)
			return q;
	}
	return 0;
}

static int venue_plausible(const char *lower, size_t n)
{
	if (n < 5 || n >= SIM_NATIVE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)lower[i]) && !isdigit((unsigned char)lower[i]))
			return 0;
	return venue_quote(lower, n) != 0;
}

/* Adds a symbol (upper-case native name, norm "BASE-QUOTE" or NULL) with a
 * plausible starting price. */
static int venue_add(struct sim_venue *v, const char *upper, const char *norm)
{
	struct sim_symbol *s;
	uint64_t h = 1469598103934665603ull;
	const char *p;

	if (v->nsym >= SIM_MAX_SYMBOLS)
		return -ENOSPC;
	s = &v->sym[v->nsym];
	memset(s, 0, sizeof(*s));
	snprintf(s->native, sizeof(s->native), "%s", upper);
	snprintf(s->norm, sizeof(s->norm), "%s", norm ? norm : upper);
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
	s->seq = 300000000 + (h >> 28) % 1000000;
	return (int)v->nsym++;
}

static int venue_find(const struct sim_venue *v, const char *lower, size_t n)
{
	for (uint32_t i = 0; i < v->nsym; i++) {
		const char *u = v->sym[i].native;
		size_t k;

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

int sim_venue_symbol(struct sim_venue *v, const char *name, size_t n)
{
	char lower[SIM_NATIVE_MAX], upper[SIM_NATIVE_MAX], norm[SIM_NATIVE_MAX];
	size_t k = 0, q, m;
	int r;

	for (size_t j = 0; j < n; j++) {
		if (name[j] == '-' || name[j] == '_' || name[j] == '/')
			continue;
		if (k + 1 >= sizeof(lower))
			return -ENOENT;
		lower[k++] = (char)tolower((unsigned char)name[j]);
	}
	r = venue_find(v, lower, k);
	/* a perpetual swap names its market after the pair (OKX BTC-USDT-SWAP) */
	m = k > 4 && memcmp(lower + k - 4, "swap", 4) == 0 ? 4 : 0;
	if (r >= 0 || v->fixed || !venue_plausible(lower, k - m))
		return r;
	for (size_t j = 0; j < k; j++)
		upper[j] = (char)toupper((unsigned char)lower[j]);
	upper[k] = '\0';
	q = venue_quote(lower, k - m);
	snprintf(norm, sizeof(norm), "%.*s-%.*s%s", (int)(k - m - q), upper, (int)q,
		 upper + k - m - q, m ? "-SWAP" : "");
	return venue_add(v, upper, norm);
}

/* One name of the --symbols list: "BTC-USDT" -> native "BTCUSDT", norm
 * "BTC-USDT". Returns the characters read or -EINVAL. */
static int venue_parse_one(const char *p, char *upper, char *norm, char *bad)
{
	size_t n = 0, m = 0;
	const char *s = p;

	while (*s && *s != ',') {
		char ch = *s++;
		if (ch == ' ')
			continue;
		if ((ch != '-' && !isalnum((unsigned char)ch)) || m + 1 >= SIM_NATIVE_MAX) {
			*bad = ch;
			return -EINVAL;
		}
		norm[m++] = (char)toupper((unsigned char)ch);
		if (ch != '-')
			upper[n++] = (char)toupper((unsigned char)ch);
	}
	upper[n] = norm[m] = '\0';
	return (int)(s - p);
}

int sim_venue_init(struct sim_venue *v, const char *symbols, uint64_t seed, char *err,
		   size_t errlen)
{
	memset(v, 0, sizeof(*v));
	v->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	v->book_rng = v->rng ^ 0x5851f42d4c957f2dull; /* the books' walks leave the trades' alone */
	if (!symbols || !*symbols)
		return 0;
	v->fixed = 1;
	/* "BTC-USDT,ETH-USDT": normalized names, the native one drops the dash */
	while (*symbols) {
		char upper[SIM_NATIVE_MAX], norm[SIM_NATIVE_MAX], bad = 0;
		int r;

		while (*symbols == ',' || *symbols == ' ')
			symbols++;
		if (!*symbols)
			break;
		r = venue_parse_one(symbols, upper, norm, &bad);
		if (r < 0) {
			snprintf(err, errlen, "bad symbol in --symbols near '%c'", bad);
			return -EINVAL;
		}
		symbols += r;
		if (upper[0] && venue_add(v, upper, norm) < 0) {
			snprintf(err, errlen, "too many symbols (max %d)", SIM_MAX_SYMBOLS);
			return -EINVAL;
		}
	}
	return 0;
}

void sim_dec(int64_t m, int decimals, char *out, size_t len)
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

void sim_dec_trim(int64_t m, int decimals, char *out, size_t len)
{
	size_t n;

	sim_dec(m, decimals, out, len);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

void sim_rfc3339(int64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char day[32];

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03d000Z", day, (int)(ms % 1000));
}

void sim_price(int64_t px, int extra_decimals, char *out, size_t len)
{
	int64_t mant = px;

	for (int k = 0; k < extra_decimals; k++)
		mant = mant * 10 + (k == extra_decimals - 1 ? 7 : 0);
	sim_dec(mant, 8 + (extra_decimals > 0 ? extra_decimals : 0), out, len);
}

static void venue_walk(struct sim_venue *v, struct sim_symbol *s)
{
	int64_t step = (int64_t)(venue_rand(v) % 5) - 2;

	s->px += step * s->tick;
	if (s->px < 10 * s->tick)
		s->px = 10 * s->tick;
}

void sim_venue_next_trade(struct sim_venue *v, uint32_t i, uint64_t id, struct sim_trade *t)
{
	struct sim_symbol *s = &v->sym[i];

	t->qty = (int64_t)(venue_rand(v) % 200000 + 100) * 1000; /* 0.001 .. 2.001 */
	t->buyer_maker = (int)(venue_rand(v) & 1);
	venue_walk(v, s);
	t->px = s->px;
	t->id = id ? id : ++s->trade_id;
	v->last = (struct sim_last){.kind = SIM_STREAM_TRADE,
				    .sym = i,
				    .px = t->px,
				    .qty = t->qty,
				    .buyer_maker = t->buyer_maker};
	snprintf(v->last.id, sizeof(v->last.id), "%" PRIu64, t->id);
}

void sim_venue_next_bbo(struct sim_venue *v, uint32_t i, struct sim_bbo *b)
{
	struct sim_symbol *s = &v->sym[i];
	int64_t spread = s->tick * (int64_t)(1 + venue_rand(v) % 3);

	venue_walk(v, s);
	b->bid = s->px - s->tick;
	b->ask = s->px - s->tick + spread;
	b->bid_qty = (int64_t)(venue_rand(v) % 500000 + 1) * 1000;
	b->ask_qty = (int64_t)(venue_rand(v) % 500000 + 1) * 1000;
	b->update_id = ++s->update_id;
	v->last = (struct sim_last){.kind = SIM_STREAM_BBO,
				    .sym = i,
				    .bid = b->bid,
				    .bid_qty = b->bid_qty,
				    .ask = b->ask,
				    .ask_qty = b->ask_qty,
				    .update_id = b->update_id};
}

int sim_json_str_after(const char *msg, size_t n, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = memmem(msg, n, key, kl), *end;

	if (!p)
		return -ENOENT;
	p += kl;
	end = memchr(p, '"', n - (size_t)(p - msg));
	if (!end || (size_t)(end - p) >= len)
		return -ENOENT;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return (int)(end - p);
}

int sim_venue_symbol_after(struct sim_venue *v, const char *msg, size_t n, const char *key)
{
	char name[SIM_NATIVE_MAX];
	int k = sim_json_str_after(msg, n, key, name, sizeof(name));

	return k < 0 ? -ENOENT : sim_venue_symbol(v, name, (size_t)k);
}

int sim_dialect_route(const struct sim_dialect *d, struct sim_venue *v, const char *target,
		      uint8_t *subs, int *mode)
{
	size_t n = strlen(d->paths);

	if (d->route)
		return d->route(v, target, subs, mode);
	*mode = 0;
	/* the path exactly; one ending in '/' also without it ("/ws/v4") */
	if (strcmp(target, d->paths) == 0 ||
	    (n > 1 && d->paths[n - 1] == '/' && strlen(target) == n - 1 &&
	     strncmp(target, d->paths, n - 1) == 0))
		return 0;
	return 404;
}
