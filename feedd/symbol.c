/* SPDX-License-Identifier: MIT */
/* symbol.c: the normalized symbol syntax (symbol.h). */
#include <errno.h>
#include <string.h>

#include "mdbus.h"
#include "symbol.h"

static int symbol_part_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Length of the [A-Z0-9]+ run at s, 0 if none. */
static size_t symbol_part(const char *s)
{
	size_t n = 0;

	while (symbol_part_char(s[n]))
		n++;
	return n;
}

/* "YYYYMMDD" (exactly 8 digits) a real day in 1970..2262 -> 1. */
static int symbol_date(const char *s, size_t n, uint32_t *out)
{
	static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	uint32_t v = 0, y, m, d;

	if (n != 8)
		return 0;
	for (size_t i = 0; i < 8; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	y = v / 10000;
	m = v / 100 % 100;
	d = v % 100;
	if (y < 1970 || y > 2262 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	*out = v;
	return 1;
}

int feed_symbol_parse(const char *s, struct feed_symbol_info *info)
{
	struct feed_symbol_info r;
	size_t n = strlen(s), q0, tail;

	memset(&r, 0, sizeof(r));
	if (n < 3 || n >= MDBUS_SYMBOL_MAX)
		return -EINVAL;
	r.base_len = symbol_part(s);
	if (r.base_len == 0 || s[r.base_len] != '-')
		return -EINVAL;
	q0 = r.base_len + 1;
	r.quote_len = symbol_part(s + q0);
	if (r.quote_len == 0)
		return -EINVAL;
	tail = q0 + r.quote_len;
	if (s[tail] == '\0') {
		r.market = MDBUS_MARKET_SPOT;
	} else if (s[tail] == '-' && strcmp(s + tail + 1, "PERP") == 0) {
		r.market = MDBUS_MARKET_PERP;
	} else if (s[tail] == '-' && symbol_date(s + tail + 1, n - tail - 1, &r.expiry)) {
		r.market = MDBUS_MARKET_FUTURE;
	} else {
		return -EINVAL;
	}
	if (info)
		*info = r;
	return 0;
}

int feed_symbol_valid(const char *s)
{
	return feed_symbol_parse(s, NULL) == 0;
}
