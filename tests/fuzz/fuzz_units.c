/* SPDX-License-Identifier: MIT */
/*
 * fuzz_units.c: the duration and count grammar (libmdbus/units.c). The
 * first input byte picks duration or count and the count's maximum; the rest
 * is the string. An independent reference parser (the grammar of
 * mdbus_units.h, exact integer arithmetic) decides what the answer must be:
 * the same error class, the same value (a duration with more than 18
 * fraction digits may differ by the one nanosecond truncation allows), and a
 * count is accepted only when its value is whole (with at most 18 fraction
 * digits up to the last non-zero one).
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "mdbus_units.h"

typedef unsigned __int128 fz_u128;

struct fz_ref {
	const char *ip, *fp; /* integer and fraction digits */
	size_t ni, nf;	     /* nf: up to the last non-zero fraction digit */
	const char *suffix;
};

static const uint64_t fz_max[8] = {UINT64_MAX, 0,	   1,	      1000,
				   65536,      1ull << 31, INT64_MAX, 1000000000};

/* digits [. digits] then a suffix; 0 or -EINVAL (no digit). */
static int fz_split(const char *s, struct fz_ref *r)
{
	size_t i = 0;

	r->ip = s;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	r->ni = i;
	r->fp = s + i;
	r->nf = 0;
	if (s[i] == '.') {
		size_t k = ++i;
		r->fp = s + k;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		for (size_t j = k; j < i; j++)
			if (s[j] != '0')
				r->nf = j - k + 1;
		if (r->ni == 0 && i == k)
			return -EINVAL;
	} else if (r->ni == 0) {
		return -EINVAL;
	}
	r->suffix = s + i;
	return 0;
}

/* The integer part, or -ERANGE past 64 bits. */
static int fz_int(const struct fz_ref *r, uint64_t *out)
{
	fz_u128 v = 0;
	for (size_t i = 0; i < r->ni; i++) {
		v = v * 10 + (unsigned)(r->ip[i] - '0');
		if (v > UINT64_MAX)
			return -ERANGE;
	}
	*out = (uint64_t)v;
	return 0;
}

/* floor(0.fraction * mul) over the first (at most 18) fraction digits. */
static fz_u128 fz_frac(const struct fz_ref *r, uint64_t mul)
{
	fz_u128 f = 0, scale = 1;
	size_t k = r->nf < 18 ? r->nf : 18;

	for (size_t i = 0; i < k; i++) {
		f = f * 10 + (unsigned)(r->fp[i] - '0');
		scale *= 10;
	}
	return f * mul / scale;
}

/* Is 0.fraction * mul an integer? With F the nf digits (the last one
 * non-zero, so 10 does not divide F): for mul = 10^a iff nf <= a; for
 * mul = 2^b iff nf <= b and 5^nf divides F. */
static int fz_whole(const struct fz_ref *r, uint64_t mul)
{
	size_t a = 0, b = 0;
	uint64_t m = mul;
	fz_u128 f = 0, p5 = 1;

	if (r->nf > 18)
		return 0; /* mdbus_units.h keeps 18 fraction digits: more is not a count */
	while (m % 10 == 0)
		m /= 10, a++;
	if (m == 1)
		return r->nf <= a;
	for (m = mul; m % 2 == 0; m /= 2)
		b++;
	if (r->nf > b)
		return 0;
	for (size_t i = 0; i < r->nf; i++) {
		f = f * 10 + (unsigned)(r->fp[i] - '0');
		p5 *= 5;
	}
	return f % p5 == 0;
}

static uint64_t fz_lookup(const char *suffix, int duration)
{
	static const char *const dn[] = {"ns", "us", "ms", "s", "", "m", "h"};
	static const uint64_t dm[] = {1,	  1000,		  1000000,	   1000000000,
				      1000000000, 60000000000ull, 3600000000000ull};
	static const char *const cn[] = {"",	"k",  "K",   "M",  "G",	 "Ki",
					 "KiB", "Mi", "MiB", "Gi", "GiB"};
	static const uint64_t cm[] = {1,       1000,	1000,	 1000000, 1000000000, 1 << 10,
				      1 << 10, 1 << 20, 1 << 20, 1 << 30, 1 << 30};
	size_t n = duration ? 7 : 11;

	for (size_t i = 0; i < n; i++)
		if (strcmp(suffix, duration ? dn[i] : cn[i]) == 0)
			return duration ? dm[i] : cm[i];
	return 0;
}

static void fz_check(const char *s, int duration, uint64_t max)
{
	struct fz_ref r;
	uint64_t ip = 0, mul, got_u = 0;
	int64_t got_d = 0;
	int rc, want;
	fz_u128 v = 0;

	rc = duration ? mdbus_units_parse_duration(s, &got_d)
		      : mdbus_units_parse_count(s, max, &got_u);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	want = fz_split(s, &r);
	if (want == 0)
		want = fz_int(&r, &ip);
	mul = want == 0 ? fz_lookup(r.suffix, duration) : 0;
	if (want == 0 && mul == 0)
		want = -EINVAL;
	if (want == 0) {
		v = (fz_u128)ip * mul + fz_frac(&r, mul);
		if (v > (duration ? (uint64_t)INT64_MAX : max))
			want = -ERANGE;
		else if (!duration && !fz_whole(&r, mul))
			want = -EINVAL;
	}
	if (want != rc)
		fprintf(stderr, "units: \"%s\" (%s, max %llu): got %d, want %d\n", s,
			duration ? "duration" : "count", (unsigned long long)max, rc, want);
	FUZZ_CHECK(want == rc);
	if (rc == 0 && duration)
		FUZZ_CHECK(got_d >= 0 && (fz_u128)got_d <= v && (fz_u128)got_d + 1 >= v);
	if (rc == 0 && !duration)
		FUZZ_CHECK(got_u == (uint64_t)v && got_u <= max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256];

	if (size < 1 || size > sizeof(s))
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	fz_check(s, data[0] & 1, fz_max[(data[0] >> 1) & 7]);
	return 0;
}
