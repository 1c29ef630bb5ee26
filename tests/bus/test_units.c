/* SPDX-License-Identifier: MIT */
/* test_units.c: the one duration/count grammar (mdbus_units.h), as a table.
 * feedd's config and every tool call these two functions, so this table is
 * the grammar's whole test. */
#include "helpers.h"
#include "mdbus_units.h"

struct dur_case {
	const char *s;
	int rc;
	int64_t ns;
};

struct cnt_case {
	const char *s;
	uint64_t max;
	int rc;
	uint64_t v;
};

static const struct dur_case dur_cases[] = {
	{"250ms", 0, INT64_C(250000000)},
	{"2s", 0, INT64_C(2000000000)},
	{"2", 0, INT64_C(2000000000)}, /* bare = seconds */
	{"0", 0, 0},
	{"0.25", 0, INT64_C(250000000)},
	{"1.5m", 0, INT64_C(90000000000)},
	{"100us", 0, INT64_C(100000)},
	{"7ns", 0, 7},
	{"23h", 0, INT64_C(82800000000000)},
	{"0.1s", 0, INT64_C(100000000)}, /* exact, no float */
	{"1.5ns", 0, 1},		 /* below 1 ns truncated */
	{".5s", 0, INT64_C(500000000)},
	{"5.s", 0, INT64_C(5000000000)},
	{"9223372036854775807ns", 0, INT64_MAX},
	{"9223372036854775808ns", -ERANGE, 0},
	{"2562048h", -ERANGE, 0},
	{"99999999999999999999999s", -ERANGE, 0},
	{"", -EINVAL, 0},
	{"s", -EINVAL, 0},
	{".", -EINVAL, 0},
	{"-1s", -EINVAL, 0},
	{"+1s", -EINVAL, 0},
	{" 1s", -EINVAL, 0},
	{"1s ", -EINVAL, 0},
	{"1 s", -EINVAL, 0},
	{"1sec", -EINVAL, 0},
	{"1S", -EINVAL, 0},
	{"1d", -EINVAL, 0},
	{"1e3ms", -EINVAL, 0},
	{"0x10s", -EINVAL, 0},
	{"1.2.3s", -EINVAL, 0},
};

static const struct cnt_case cnt_cases[] = {
	{"1000", UINT64_MAX, 0, 1000},
	{"250k", UINT64_MAX, 0, 250000},
	{"250K", UINT64_MAX, 0, 250000},
	{"1M", UINT64_MAX, 0, 1000000},
	{"2G", UINT64_MAX, 0, 2000000000},
	{"1.5M", UINT64_MAX, 0, 1500000},
	{"64Ki", UINT64_MAX, 0, 65536},
	{"64KiB", UINT64_MAX, 0, 65536},
	{"1Mi", UINT64_MAX, 0, 1048576},
	{"1MiB", UINT64_MAX, 0, 1048576},
	{"1Gi", UINT64_MAX, 0, 1073741824},
	{"0.5Ki", UINT64_MAX, 0, 512},
	{"0", UINT64_MAX, 0, 0},
	{"1.0", UINT64_MAX, 0, 1},
	{"18446744073709551615", UINT64_MAX, 0, UINT64_MAX},
	{"18446744073709551616", UINT64_MAX, -ERANGE, 0},
	{"18446744073709552G", UINT64_MAX, -ERANGE, 0},
	{"1000", 999, -ERANGE, 0},
	{"1k", 1000, 0, 1000},
	{"1.5", UINT64_MAX, -EINVAL, 0}, /* a count is whole */
	{"1.0001k", UINT64_MAX, -EINVAL, 0},
	{"", UINT64_MAX, -EINVAL, 0},
	{"k", UINT64_MAX, -EINVAL, 0},
	{"-1", UINT64_MAX, -EINVAL, 0},
	{"1 k", UINT64_MAX, -EINVAL, 0},
	{"1m", UINT64_MAX, -EINVAL, 0}, /* m is minutes, never milli or mega */
	{"1KB", UINT64_MAX, -EINVAL, 0},
	{"1kib", UINT64_MAX, -EINVAL, 0},
	{"0x10", UINT64_MAX, -EINVAL, 0},
	{"1e6", UINT64_MAX, -EINVAL, 0},
};

int main(void)
{
	int fails = 0;

	for (size_t i = 0; i < sizeof(dur_cases) / sizeof(dur_cases[0]); i++) {
		const struct dur_case *c = &dur_cases[i];
		int64_t ns = -42;
		int rc = mdbus_units_parse_duration(c->s, &ns);

		if (rc != c->rc || (rc == 0 && ns != c->ns) || (rc != 0 && ns != -42)) {
			fprintf(stderr, "duration \"%s\": rc %d ns %lld, want rc %d ns %lld\n",
				c->s, rc, (long long)ns, c->rc, (long long)c->ns);
			fails++;
		}
	}
	for (size_t i = 0; i < sizeof(cnt_cases) / sizeof(cnt_cases[0]); i++) {
		const struct cnt_case *c = &cnt_cases[i];
		uint64_t v = 42;
		int rc = mdbus_units_parse_count(c->s, c->max, &v);

		if (rc != c->rc || (rc == 0 && v != c->v) || (rc != 0 && v != 42)) {
			fprintf(stderr, "count \"%s\": rc %d v %llu, want rc %d v %llu\n", c->s, rc,
				(unsigned long long)v, c->rc, (unsigned long long)c->v);
			fails++;
		}
	}
	CHECK_RC(mdbus_units_parse_duration(NULL, &(int64_t){0}), -EINVAL);
	CHECK_RC(mdbus_units_parse_count(NULL, 1, &(uint64_t){0}), -EINVAL);
	CHECK(fails == 0);
	return 0;
}
