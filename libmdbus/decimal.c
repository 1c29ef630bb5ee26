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

/* The magnitude of int digits [is, ie) then `decimals` fraction digits
 * (fraction [fs, fs + flen), zero-padded), checked against int64: the slow
 * path, for values of more than 18 digits. */
static int decimal_checked(const char *s, size_t is, size_t ie, size_t fs, size_t flen,
			   unsigned decimals, int neg, int64_t *out)
{
	/* The magnitude may reach 2^63 for a negative value (INT64_MIN). */
	const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	uint64_t m = 0;

	for (size_t k = is; k < ie + decimals; k++) {
		size_t f = k - ie; /* index into the fraction once past the integer */
		unsigned d = k < ie	? (unsigned)(s[k] - '0')
			     : f < flen ? (unsigned)(s[fs + f] - '0')
					: 0;
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

/* Grammar: ['-'] digit+ [ '.' digit+ ]. No '+', no exponent, no spaces, no
 * bare "." or "5." or ".5": venue strings are always of this shape and
 * anything else is more likely garbage than a number. One pass: every
 * price and size a venue sends has at most 18 digits at its scale, which
 * cannot overflow, so the digits are accumulated as they are validated
 * (the hot path of every adapter); longer values take the checked path. */
int mdbus_decimal_parse(const char *s, size_t len, unsigned decimals, int64_t *out)
{
	static const uint64_t pow10[MDBUS_DECIMALS_MAX + 1] = {1,
							       10,
							       100,
							       1000,
							       10000,
							       100000,
							       1000000,
							       10000000,
							       100000000,
							       1000000000,
							       10000000000,
							       100000000000,
							       1000000000000,
							       10000000000000,
							       100000000000000,
							       1000000000000000,
							       10000000000000000,
							       100000000000000000,
							       1000000000000000000};
	size_t i = 0, is, ie, fs, flen = 0;
	uint64_t m = 0;
	unsigned d, kept = 0;
	int neg = 0, edom = 0;

	if (s == NULL || out == NULL || decimals > MDBUS_DECIMALS_MAX)
		return -EINVAL;
	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	for (is = i; i < len && (d = (unsigned)(s[i] - '0')) <= 9; i++)
		m = m * 10 + d; /* wraps past 19 digits: then unused */
	ie = fs = i;
	if (ie == is)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		for (fs = ++i; i < len && (d = (unsigned)(s[i] - '0')) <= 9; i++) {
			if (kept < decimals) {
				m = m * 10 + d;
				kept++;
			} else {
				edom |= d != 0; /* digits past the scale must all be zero */
			}
		}
		flen = i - fs;
		if (flen == 0)
			return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	if (edom)
		return -EDOM;
	if ((ie - is) + decimals > 18)
		return decimal_checked(s, is, ie, fs, flen, decimals, neg, out);
	m *= pow10[decimals - kept];
	*out = neg ? -(int64_t)m : (int64_t)m;
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

/* The JSON number grammar, split: sign, digits before and after the point,
 * the exponent (saturated: any larger one is out of range or all zeros). */
struct mdbus_dec_parts {
	size_t is, ni; /* integer digits s[is .. is + ni) */
	size_t fs, nf; /* fraction digits s[fs .. fs + nf) */
	long exp;
	int neg;
};

#define MDBUS_EXP_SAT 100000L

static int mdbus_dec_split(const char *s, size_t len, struct mdbus_dec_parts *d)
{
	size_t i = 0;

	memset(d, 0, sizeof(*d));
	if (i < len && s[i] == '-') {
		d->neg = 1;
		i++;
	}
	for (d->is = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	d->ni = i - d->is;
	if (d->ni == 0)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		for (d->fs = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		d->nf = i - d->fs;
		if (d->nf == 0)
			return -EINVAL;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0;
		size_t e0;
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (e0 = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (d->exp < MDBUS_EXP_SAT)
				d->exp = d->exp * 10 + (s[i] - '0');
		if (i == e0)
			return -EINVAL;
		if (eneg)
			d->exp = -d->exp;
	}
	return i == len ? 0 : -EINVAL;
}

/* Digit k of the digit string (integer digits, then fraction digits). */
static inline unsigned mdbus_dec_digit(const char *s, const struct mdbus_dec_parts *d, size_t k)
{
	return (unsigned)(k < d->ni ? s[d->is + k] : s[d->fs + (k - d->ni)]) - '0';
}

int mdbus_decimal_parse_exp(const char *s, size_t len, unsigned decimals, int64_t *out)
{
	struct mdbus_dec_parts d;
	size_t nd, k, keep;
	long cut;
	int rc;

	if (s == NULL || out == NULL || decimals > MDBUS_DECIMALS_MAX)
		return -EINVAL;
	rc = mdbus_dec_split(s, len, &d);
	if (rc < 0)
		return rc;
	nd = d.ni + d.nf;
	/* The mantissa at this scale is the digits left of position
	 * cut = (digits before the point) + exp + decimals; every digit from
	 * cut on must be zero (dropping it is exact). */
	cut = (long)d.ni + d.exp + (long)decimals;
	keep = cut <= 0 ? 0 : (size_t)cut < nd ? (size_t)cut : nd;
	for (k = keep; k < nd; k++)
		if (mdbus_dec_digit(s, &d, k) != 0)
			return -EDOM;
	const uint64_t limit = d.neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	uint64_t m = 0;
	for (k = 0; k < keep; k++) {
		unsigned dg = mdbus_dec_digit(s, &d, k);
		if (m > (limit - dg) / 10)
			return -ERANGE;
		m = m * 10 + dg;
	}
	/* Zeros past the last digit ("2E+3" at scale 2: 2 -> 200000). */
	for (long z = (long)keep; m != 0 && z < cut; z++) {
		if (m > limit / 10)
			return -ERANGE;
		m *= 10;
	}
	if (d.neg)
		*out = m == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)m;
	else
		*out = (int64_t)m;
	return 0;
}
