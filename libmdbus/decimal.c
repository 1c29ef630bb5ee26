/* SPDX-License-Identifier: MIT */
/*
 * decimal.c: exact decimal strings <-> int64 mantissas at a fixed scale.
 * No floating point anywhere: a value that cannot be represented exactly is
 * an error (-EDOM or -ERANGE), never a rounding.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mdbus.h"

/* Grammar: ['-'] digit+ [ '.' digit+ ]. No '+', no exponent, no spaces, no
 * bare "." or "5." or ".5": venue strings are always of this shape and
 * anything else is more likely garbage than a number. */
int mdbus_decimal_parse(const char *s, size_t len, unsigned decimals, int64_t *out)
{
	if (s == NULL || out == NULL || decimals > MDBUS_DECIMALS_MAX)
		return -EINVAL;
	size_t i = 0;
	int neg = 0;
	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	size_t int_start = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	size_t int_end = i;
	size_t frac_start = i, frac_end = i;
	if (int_end == int_start)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		i++;
		frac_start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		frac_end = i;
		if (frac_end == frac_start)
			return -EINVAL;
	}
	if (i != len)
		return -EINVAL;

	/* Digits past the scale must all be zero: dropping them is exact. */
	size_t frac_len = frac_end - frac_start;
	for (size_t k = decimals; k < frac_len; k++)
		if (s[frac_start + k] != '0')
			return -EDOM;

	/* The magnitude may reach 2^63 for a negative value (INT64_MIN). */
	const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	uint64_t m = 0;
	for (size_t k = int_start; k < int_end; k++) {
		unsigned d = (unsigned)(s[k] - '0');
		if (m > (limit - d) / 10)
			return -ERANGE;
		m = m * 10 + d;
	}
	for (unsigned k = 0; k < decimals; k++) {
		unsigned d = k < frac_len ? (unsigned)(s[frac_start + k] - '0') : 0;
		if (m > (limit - d) / 10)
			return -ERANGE;
		m = m * 10 + d;
	}
	if (neg)
		*out = m == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)m;
	else
		*out = (int64_t)m;
	return 0;
}

int mdbus_decimal_format(int64_t mantissa, unsigned decimals, char *buf, size_t len)
{
	if (buf == NULL || decimals > MDBUS_DECIMALS_MAX)
		return len == 0 ? -ENOSPC : -EINVAL;
	/* Magnitude as digits, least significant first. */
	uint64_t m = mantissa < 0 ? (uint64_t)0 - (uint64_t)mantissa : (uint64_t)mantissa;
	char digits[24];
	unsigned nd = 0;
	do {
		digits[nd++] = (char)('0' + m % 10);
		m /= 10;
	} while (m != 0);
	/* Pad so there is at least one integer digit left of the point. */
	while (nd <= decimals)
		digits[nd++] = '0';
	/* Trailing fractional zeros are dropped: "65000.10" -> "65000.1". */
	unsigned skip = 0;
	while (skip < decimals && digits[skip] == '0')
		skip++;
	unsigned frac = decimals - skip;
	size_t need = (mantissa < 0 ? 1u : 0u) + (nd - decimals) + (frac ? frac + 1u : 0u);
	if (need + 1 > len)
		return -ENOSPC;
	size_t o = 0;
	/* "-0.000" cannot happen: a zero mantissa has no sign. */
	if (mantissa < 0)
		buf[o++] = '-';
	for (unsigned k = nd; k > decimals; k--)
		buf[o++] = digits[k - 1];
	if (frac) {
		buf[o++] = '.';
		for (unsigned k = decimals; k > skip; k--)
			buf[o++] = digits[k - 1];
	}
	buf[o] = '\0';
	return (int)o;
}
