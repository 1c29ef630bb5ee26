/* SPDX-License-Identifier: MIT */
/* symmap.c: a venue context's native-name map (native symbol -> index),
 * open addressing over v->map, built once at set-up (registry.c) and read
 * on every message (feed_venue_lookup), and the native-name form several
 * venues share. Below the registry and the subscription policy, which both
 * use it. */
#include <errno.h>
#include <string.h>

#include "symbol.h"
#include "venue.h"

int feed_venue_native_joined(const char *norm, char *out, size_t len)
{
	struct feed_symbol_info info;
	size_t i, o = 0;

	if (feed_symbol_parse(norm, &info) < 0 || info.market != MDBUS_MARKET_SPOT)
		return -EINVAL;
	for (i = 0; norm[i]; i++) {
		if (norm[i] == '-')
			continue;
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		out[o++] = norm[i];
	}
	out[o] = '\0';
	return 0;
}

/* FNV-1a: short keys, no allocation, good enough spread for a few thousand
 * symbols in a table kept at most half full. */
static uint32_t venue_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int venue_name_eq(const struct feed_venue_sym *sym, const char *s, size_t n)
{
	return n < MDBUS_SYMBOL_MAX && memcmp(sym->native, s, n) == 0 && sym->native[n] == '\0';
}

int feed_venue_lookup(const struct feed_venue_ctx *v, const char *native, size_t len, uint32_t *idx)
{
	uint32_t h, e;

	if (!v->map || len >= MDBUS_SYMBOL_MAX)
		return -ENOENT;
	for (h = venue_hash(native, len) & v->map_mask;; h = (h + 1) & v->map_mask) {
		e = v->map[h];
		if (e == 0)
			return -ENOENT;
		if (venue_name_eq(&v->syms[e - 1], native, len)) {
			*idx = e - 1;
			return 0;
		}
	}
}

void feed_venue_unknown_symbol(struct feed_venue_ctx *v, struct feed_venue_out *out,
			       const char *native, size_t len)
{
	feed_venue_error(v, out, UINT32_MAX, "unknown symbol '%.*s'", (int)(len > 32 ? 32 : len),
			 native);
}

void feed_venue_bad_symbol_field(struct feed_venue_ctx *v, struct feed_venue_out *out,
				 const char *what)
{
	feed_venue_error(v, out, UINT32_MAX, "missing or bad symbol field '%s'", what);
}

int feed_venue_map_insert(struct feed_venue_ctx *v, uint32_t i)
{
	const char *s = v->syms[i].native;
	size_t n = strlen(s);
	uint32_t h;

	for (h = venue_hash(s, n) & v->map_mask; v->map[h]; h = (h + 1) & v->map_mask)
		if (venue_name_eq(&v->syms[v->map[h] - 1], s, n))
			return -EEXIST;
	v->map[h] = i + 1;
	return 0;
}
