/* SPDX-License-Identifier: MIT */
/*
 * vparse.c: value helpers every adapter shares (venue.h): exact decimals
 * from JSON strings or bare numbers, and timestamps (integer ms/us/ns,
 * fractional-ms text, RFC 3339) to ns since the epoch, the ERROR every
 * parser reports, and the stable hash of a non-integer trade id. No
 * floating point: a value is taken from its text exactly or refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "jsonscan.h"
#include "venue.h"

/* ---- errors and ids ---------------------------------------------------------- */

void feed_venue_error(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t sym,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	out->cls = FEED_MSG_ERROR;
	out->reason = v->reason;
	out->sym = sym;
	out->n = 0;
}

void feed_venue_unknown(struct feed_venue_out *out, const char *reason)
{
	out->cls = FEED_MSG_UNKNOWN;
	out->reason = reason;
}

uint64_t feed_venue_tid_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a 64 offset basis */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull; /* FNV 64 prime */
	}
	return h ? h : 1; /* 0 reads as "no id" */
}

/* ---- decimals ---------------------------------------------------------------- */

static const char *vparse_dec_err(int rc)
{
	switch (rc) {
	case -EDOM:
		return "more decimals than the scale";
	case -ERANGE:
		return "out of range";
	default:
		return "not a decimal";
	}
}

int feed_venue_decimal_any(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			   const struct feed_json_val *f, const char *what, unsigned dec,
			   unsigned opts, int64_t *val)
{
	const char *nat = v->syms[i].native;
	int rc, n = (int)(f->n > 40 ? 40 : f->n);

	if (f->type == FEED_JSON_STRING && !f->escaped) {
		rc = (opts & FEED_DEC_EXP) ? mdbus_decimal_parse_exp(f->p, f->n, dec, val)
					   : mdbus_decimal_parse(f->p, f->n, dec, val);
	} else if (f->type == FEED_JSON_NUMBER && (opts & FEED_DEC_NUM)) {
		rc = mdbus_decimal_parse_exp(f->p, f->n, dec, val);
	} else if (f->type == FEED_JSON_NONE) {
		feed_venue_error(v, out, i, "%s %s: missing field", nat, what);
		return -EINVAL;
	} else {
		feed_venue_error(v, out, i, "%s %s: not a %s", nat, what,
				 (opts & FEED_DEC_NUM) ? "number or string" : "string");
		return -EINVAL;
	}
	if (rc == 0 && *val < 0 && !(opts & FEED_DEC_NEG)) {
		feed_venue_error(v, out, i, "%s %s '%.*s': negative", nat, what, n, f->p);
		return -EINVAL;
	}
	if (rc < 0) {
		feed_venue_error(v, out, i, "%s %s '%.*s': %s (scale %u)", nat, what, n, f->p,
				 vparse_dec_err(rc), dec);
		return rc;
	}
	return 0;
}

int feed_venue_qty(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		   const struct feed_json_val *f, const char *what, unsigned opts, int64_t *qty)
{
	const struct feed_venue_sym *s = &v->syms[i];
	int64_t q, p10 = 1;
	__int128 base;

	if (feed_venue_decimal(v, out, i, f, what, s->qty_decimals, opts, &q) < 0)
		return -EINVAL;
	if (s->market == MDBUS_MARKET_SPOT || s->qty_unit != MDBUS_QTY_BASE) {
		*qty = q;
		return 0;
	}
	for (unsigned k = 0; k < s->contract_decimals && k < MDBUS_DECIMALS_MAX; k++)
		p10 *= 10;
	base = (__int128)q * s->contract_size;
	if (base % p10 != 0 || base / p10 > INT64_MAX || base / p10 < -INT64_MAX) {
		feed_venue_error(
			v, out, i, "%s %s '%.*s' contracts: not exact in base units (scale %u)",
			s->native, what, (int)(f->n > 40 ? 40 : f->n), f->p, s->qty_decimals);
		return -ERANGE;
	}
	*qty = (int64_t)(base / p10);
	return 0;
}

/* ---- timestamps ------------------------------------------------------------------ */

#define VP_NS_MAX INT64_MAX

static int vparse_scale(uint64_t x, uint64_t mul, int64_t *ns)
{
	if (x > (uint64_t)VP_NS_MAX / mul)
		return -ERANGE;
	*ns = (int64_t)(x * mul);
	return 0;
}

int feed_ts_ms(uint64_t ms, int64_t *ns)
{
	return vparse_scale(ms, 1000000u, ns);
}

int feed_ts_us(uint64_t us, int64_t *ns)
{
	return vparse_scale(us, 1000u, ns);
}

int feed_ts_ns(uint64_t ns_in, int64_t *ns)
{
	return vparse_scale(ns_in, 1u, ns);
}

/* Up to `max` digits at s[*i..]: value and count. */
static unsigned vparse_digits(const char *s, size_t n, size_t *i, unsigned max, uint64_t *val)
{
	unsigned k = 0;

	*val = 0;
	while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
		*val = *val * 10 + (uint64_t)(s[*i] - '0');
		(*i)++;
		k++;
	}
	return k;
}

int feed_ts_ms_text(const char *s, size_t n, int64_t *ns)
{
	uint64_t ms, frac = 0;
	size_t i = 0;
	unsigned nf = 0;
	int64_t base;

	if (vparse_digits(s, n, &i, 19, &ms) == 0)
		return -EINVAL;
	if (i < n && s[i] == '.') {
		i++;
		nf = vparse_digits(s, n, &i, 6, &frac);
		if (nf == 0)
			return -EINVAL;
	}
	if (i != n)
		return -EINVAL; /* a 20th digit, a 7th fraction digit, garbage */
	for (; nf < 6; nf++)
		frac *= 10; /* ns below the ms */
	if (feed_ts_ms(ms, &base) < 0 || base > VP_NS_MAX - (int64_t)frac)
		return -ERANGE;
	*ns = base + (int64_t)frac;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; the civil-from-days
 * inverse, with eras of 400 years starting in March). */
static int64_t vparse_days(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int vparse_mday_ok(uint64_t y, uint64_t m, uint64_t d)
{
	static const unsigned char md[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12 || d < 1 || d > md[m - 1])
		return 0;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

/* "YYYY-MM-DD" + 'T' + "hh:mm:ss" at s: fields in f[6]. */
static int vparse_rfc_fields(const char *s, size_t n, size_t *i, uint64_t f[6])
{
	static const char sep[6] = {'-', '-', 'T', ':', ':', 0};
	static const unsigned width[6] = {4, 2, 2, 2, 2, 2};

	for (unsigned k = 0; k < 6; k++) {
		if (vparse_digits(s, n, i, width[k], &f[k]) != width[k])
			return -EINVAL;
		if (k == 5)
			break;
		if (*i >= n)
			return -EINVAL;
		if (s[*i] != sep[k] && !(k == 2 && (s[*i] == 't' || s[*i] == ' ')))
			return -EINVAL;
		(*i)++;
	}
	if (!vparse_mday_ok(f[0], f[1], f[2]) || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -EINVAL;
	return 0;
}

/* 'Z' or "+hh:mm" / "-hh:mm" at s[i..n): seconds east of UTC. */
static int vparse_rfc_offset(const char *s, size_t n, size_t i, int64_t *off)
{
	uint64_t hh, mm;
	int neg;

	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
		*off = 0;
		return 0;
	}
	if (i + 6 != n || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
		return -EINVAL;
	neg = s[i] == '-';
	i++;
	if (vparse_digits(s, n, &i, 2, &hh) != 2)
		return -EINVAL;
	i++;
	if (vparse_digits(s, n, &i, 2, &mm) != 2 || hh > 23 || mm > 59)
		return -EINVAL;
	*off = (int64_t)(hh * 3600 + mm * 60) * (neg ? -1 : 1);
	return 0;
}

int feed_ts_rfc3339(const char *s, size_t n, int64_t *ns)
{
	uint64_t f[6], frac = 0;
	size_t i = 0;
	unsigned nf = 0;
	int64_t off, secs;

	if (vparse_rfc_fields(s, n, &i, f) < 0)
		return -EINVAL;
	if (i < n && s[i] == '.') {
		i++;
		nf = vparse_digits(s, n, &i, 9, &frac);
		if (nf == 0 || (i < n && s[i] >= '0' && s[i] <= '9'))
			return -EINVAL; /* none, or a 10th digit */
	}
	if (vparse_rfc_offset(s, n, i, &off) < 0)
		return -EINVAL;
	for (; nf < 9; nf++)
		frac *= 10;
	/* A leap second (:60) reads as the first second of the next minute. */
	secs = vparse_days((int64_t)f[0], (unsigned)f[1], (unsigned)f[2]) * 86400 +
	       (int64_t)(f[3] * 3600 + f[4] * 60 + f[5]) - off;
	if (secs < 0 || secs > VP_NS_MAX / 1000000000 ||
	    secs * 1000000000 > VP_NS_MAX - (int64_t)frac)
		return -ERANGE;
	*ns = secs * 1000000000 + (int64_t)frac;
	return 0;
}
