/* SPDX-License-Identifier: MIT */
/*
 * symbol.h: the normalized symbol syntax. The bottom layer both the config
 * (syntax of what the user wrote) and the venue adapters (turning it into a
 * native name) check against, so neither has to reach into the other.
 *
 *   BASE-QUOTE            spot                 "BTC-USDT"
 *   BASE-QUOTE-PERP       perpetual swap       "BTC-USDT-PERP"
 *   BASE-QUOTE-YYYYMMDD   dated future         "BTC-USD-20261225"
 *
 * BASE and QUOTE are [A-Z0-9]+; the date is a real calendar day (UTC) in
 * 1970..2262; the whole name is shorter than MDBUS_SYMBOL_MAX.
 */
#ifndef FEED_SYMBOL_H
#define FEED_SYMBOL_H

#include <stddef.h>
#include <stdint.h>

struct feed_symbol_info {
	uint8_t market;	  /* enum mdbus_market */
	uint32_t expiry;  /* futures: YYYYMMDD, else 0 */
	size_t base_len;  /* BASE is s[0 .. base_len) */
	size_t quote_len; /* QUOTE is s[base_len + 1 ..][0 .. quote_len) */
};

/* Parses a normalized symbol. Returns 0 with *info (may be NULL), or
 * -EINVAL. */
int feed_symbol_parse(const char *s, struct feed_symbol_info *info);

/* Is s a normalized symbol of any of the three forms? 1/0. */
int feed_symbol_valid(const char *s);

#endif /* FEED_SYMBOL_H */
