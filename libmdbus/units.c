/* SPDX-License-Identifier: MIT */
/* units.c: the duration and count grammar of mdbus_units.h. */
#include "mdbus_units.h"

#include <errno.h>
#include <string.h>

struct units_num {
	uint64_t ip;	 /* integer part */
	uint64_t frac;	 /* fraction digits as an integer ... */
	uint64_t fscale; /* ... over this power of ten (1 = no fraction) */
	int dropped;	 /* a non-zero fraction digit past the 18 kept */
	const char *end; /* first byte after the number */
};

struct units_mul {
	const char *name;
	uint64_t mul;
};

/* Reads digits [. digits]. At most 18 fraction digits are kept: finer than
 * any unit needs, and frac * mul still fits 128 bits. A non-zero digit past
 * them makes the value inexact (a count refuses it; a duration truncates). Returns 0, -EINVAL
 * (no digit at all), -ERANGE (integer part beyond 64 bits). */
static int units_number(const char *s, struct units_num *n)
{
	const char *p = s;
	int digits = 0;

	n->ip = 0;
	n->frac = 0;
	n->fscale = 1;
	n->dropped = 0;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		unsigned d = (unsigned)(*p - '0');

		if (n->ip > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n->ip = n->ip * 10 + d;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (n->fscale < UINT64_C(1000000000000000000)) {
				n->frac = n->frac * 10 + (uint64_t)(*p - '0');
				n->fscale *= 10;
			} else if (*p != '0') {
				n->dropped = 1;
			}
		}
	}
	if (digits == 0)
		return -EINVAL;
	n->end = p;
	return 0;
}

/* Looks the suffix up; all of it must match one entry. */
static int units_lookup(const struct units_mul *t, size_t nt, const char *suffix, uint64_t *mul)
{
	for (size_t i = 0; i < nt; i++) {
		if (strcmp(suffix, t[i].name) == 0) {
			*mul = t[i].mul;
			return 0;
		}
	}
	return -EINVAL;
}

/* Parses number + suffix against table t and scales it, exactly: 0 with
 * *out, -EINVAL (no number, unknown suffix), -ERANGE (above max). *exact
 * says whether the fraction left no remainder. */
static int units_parse(const char *s, const struct units_mul *t, size_t nt, uint64_t max,
		       uint64_t *out, int *exact)
{
	struct units_num n;
	uint64_t mul;
	int rc = units_number(s, &n);

	if (rc < 0)
		return rc;
	rc = units_lookup(t, nt, n.end, &mul);
	if (rc < 0)
		return rc;
	unsigned __int128 v = (unsigned __int128)n.ip * mul;
	unsigned __int128 f = (unsigned __int128)n.frac * mul;

	*exact = f % n.fscale == 0 && !n.dropped;
	v += f / n.fscale;
	if (v > max)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

int mdbus_units_parse_duration(const char *s, int64_t *ns)
{
	static const struct units_mul units[] = {
		{"ns", 1},
		{"us", UINT64_C(1000)},
		{"ms", UINT64_C(1000000)},
		{"s", UINT64_C(1000000000)},
		{"", UINT64_C(1000000000)}, /* a bare number is seconds */
		{"m", UINT64_C(60000000000)},
		{"h", UINT64_C(3600000000000)},
	};
	uint64_t v;
	int exact;

	if (!s || !ns)
		return -EINVAL;
	/* Below a nanosecond is truncated: no unit is that fine. */
	int rc = units_parse(s, units, sizeof(units) / sizeof(units[0]), (uint64_t)INT64_MAX, &v,
			     &exact);
	if (rc < 0)
		return rc;
	*ns = (int64_t)v;
	return 0;
}

int mdbus_units_parse_count(const char *s, uint64_t max, uint64_t *out)
{
	static const struct units_mul muls[] = {
		{"", 1},
		{"k", UINT64_C(1000)},
		{"K", UINT64_C(1000)},
		{"M", UINT64_C(1000000)},
		{"G", UINT64_C(1000000000)},
		{"Ki", UINT64_C(1) << 10},
		{"KiB", UINT64_C(1) << 10},
		{"Mi", UINT64_C(1) << 20},
		{"MiB", UINT64_C(1) << 20},
		{"Gi", UINT64_C(1) << 30},
		{"GiB", UINT64_C(1) << 30},
	};
	uint64_t v;
	int exact;

	if (!s || !out)
		return -EINVAL;
	int rc = units_parse(s, muls, sizeof(muls) / sizeof(muls[0]), max, &v, &exact);
	if (rc < 0)
		return rc;
	/* A count is whole: "1.5k" is 1500, "1.5" or "1.0001k" is a typo. */
	if (!exact)
		return -EINVAL;
	*out = v;
	return 0;
}
