/* SPDX-License-Identifier: MIT */
/* Exact decimals: round trips, overflow, -EDOM, negatives, malformed input. */
#include <limits.h>

#include "helpers.h"

static int64_t parse(const char *s, unsigned d, int want_rc)
{
	int64_t v = 12345;
	CHECK_RC(mdbus_decimal_parse(s, strlen(s), d, &v), want_rc);
	return v;
}

/* The JSON number grammar (exponents): mdbus_decimal_parse_exp. */
static int64_t pexp(const char *s, unsigned d, int want_rc)
{
	int64_t v = 12345;
	CHECK_RC(mdbus_decimal_parse_exp(s, strlen(s), d, &v), want_rc);
	return v;
}

/* Long: one table of cases in order; each line is one input and its exact result. */
static void test_exponents(void)
{
	/* many and few digits, both exponent signs, upper and lower e */
	CHECK(pexp("1.5e-05", 8, 0) == 1500);
	CHECK(pexp("2E+3", 2, 0) == 200000);
	CHECK(pexp("2e3", 0, 0) == 2000);
	CHECK(pexp("0.5117", 4, 0) == 5117);
	CHECK(pexp("40.0", 0, 0) == 40);
	CHECK(pexp("123456789.123456789", 9, 0) == 123456789123456789LL);
	CHECK(pexp("1234567891234.5678e-4", 8, 0) == 12345678912345678LL);
	CHECK(pexp("0.000001e6", 0, 0) == 1);
	CHECK(pexp("5e-18", 18, 0) == 5);
	CHECK(pexp("0e999999999999", 2, 0) == 0);   /* a huge exponent of zero */
	CHECK(pexp("0.000e-999999999", 2, 0) == 0); /* and a tiny one */
	CHECK(pexp("1.2300e1", 1, 0) == 123);	    /* trailing zeros past the scale */
	/* negatives (the caller decides whether they are allowed) */
	CHECK(pexp("-0.17", 2, 0) == -17);
	CHECK(pexp("-1.5E1", 1, 0) == -150);
	CHECK(pexp("-9223372036854775808", 0, 0) == INT64_MIN);
	CHECK(pexp("-9.223372036854775808e18", 0, 0) == INT64_MIN);
	/* largest and smallest values */
	CHECK(pexp("9223372036854775807", 0, 0) == INT64_MAX);
	CHECK(pexp("9.223372036854775807E+18", 0, 0) == INT64_MAX);
	CHECK(pexp("9.223372036854775807", 18, 0) == INT64_MAX);
	CHECK(pexp("1e-18", 18, 0) == 1);
	pexp("9223372036854775808", 0, -ERANGE);
	pexp("9.3e18", 0, -ERANGE);
	pexp("1e19", 0, -ERANGE);
	pexp("1e999999999999", 0, -ERANGE);
	pexp("1e1", 18, -ERANGE);
	/* not representable at the scale: refused, never rounded */
	pexp("1e-9", 8, -EDOM);
	pexp("1.5e-05", 5, -EDOM);
	pexp("1e-999999999999", 18, -EDOM);
	pexp("0.123456789", 8, -EDOM);
	/* malformed */
	pexp("", 2, -EINVAL);
	pexp("e5", 2, -EINVAL);
	pexp("1e", 2, -EINVAL);
	pexp("1e+", 2, -EINVAL);
	pexp("1.e5", 2, -EINVAL);
	pexp(".5e1", 2, -EINVAL);
	pexp("+1e1", 2, -EINVAL);
	pexp("1e1.5", 2, -EINVAL);
	pexp("1 ", 2, -EINVAL);
	pexp("0x10", 2, -EINVAL);
	pexp("1", MDBUS_DECIMALS_MAX + 1, -EINVAL);
	/* the plain parser still refuses exponents */
	parse("1e-3", 3, -EINVAL);
	/* both parsers agree on every plain decimal */
	CHECK(pexp("65000.10", 2, 0) == parse("65000.10", 2, 0));
	CHECK(pexp("-0.00012", 5, 0) == parse("-0.00012", 5, 0));
}

static void fmt(int64_t m, unsigned d, const char *want)
{
	char buf[MDBUS_DECIMAL_STR_MAX];
	int n = mdbus_decimal_format(m, d, buf, sizeof(buf));
	if (n != (int)strlen(want) || strcmp(buf, want) != 0) {
		fprintf(stderr, "format(%lld, %u) = %d '%s', want '%s'\n", (long long)m, d, n, buf,
			want);
		exit(1);
	}
	/* and back again, exactly */
	CHECK(parse(buf, d, 0) == m);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	/* header examples */
	CHECK(parse("65000.1", 2, 0) == 6500010);
	CHECK(parse("-0.00012", 8, 0) == -12000);
	parse("1e-3", 8, -EINVAL);
	fmt(6500010, 2, "65000.1");
	fmt(12, 5, "0.00012");
	fmt(500, 2, "5");

	/* trailing zeros beyond the scale are exact, other digits are not */
	CHECK(parse("1.2300000000", 2, 0) == 123);
	parse("1.2301", 2, -EDOM);
	parse("0.000000001", 8, -EDOM);
	CHECK(parse("42", 0, 0) == 42);
	parse("42.5", 0, -EDOM);
	CHECK(parse("42.0", 0, 0) == 42);

	/* negatives and zero */
	CHECK(parse("-0", 3, 0) == 0);
	CHECK(parse("-0.000", 3, 0) == 0);
	CHECK(parse("-1.5", 1, 0) == -15);
	fmt(0, 8, "0");
	fmt(-15, 1, "-1.5");
	fmt(-1, 18, "-0.000000000000000001");
	fmt(1, 0, "1");
	fmt(100, 0, "100");
	fmt(-100000000, 8, "-1");
	CHECK(parse("007.50", 2, 0) == 750);

	/* limits: INT64 max/min at several scales, and one past them */
	fmt(INT64_MAX, 0, "9223372036854775807");
	fmt(INT64_MIN, 0, "-9223372036854775808");
	fmt(INT64_MAX, 18, "9.223372036854775807");
	fmt(INT64_MIN, 18, "-9.223372036854775808");
	fmt(INT64_MIN, 8, "-92233720368.54775808");
	parse("9223372036854775808", 0, -ERANGE);
	parse("-9223372036854775809", 0, -ERANGE);
	parse("9.223372036854775808", 18, -ERANGE);
	parse("10", 18, -ERANGE);
	parse("99999999999999999999999999", 0, -ERANGE);
	CHECK(parse("9.999999999999999999", 18, -ERANGE) == 12345);

	/* malformed */
	const char *bad[] = {"",    "-",   ".",	   "5.",  ".5",	 "+1",	" 1",  "1 ", "1.2.3",
			     "1,5", "--1", "0x10", "nan", "inf", "1e3", "-.1", "١"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse(bad[i], 8, -EINVAL);
	/* len is honoured: the string need not be NUL-terminated */
	int64_t v = 0;
	CHECK_RC(mdbus_decimal_parse("12.34xyz", 5, 2, &v), 0);
	CHECK(v == 1234);
	CHECK_RC(mdbus_decimal_parse("12.34", 0, 2, &v), -EINVAL);
	/* scale too large */
	parse("1", MDBUS_DECIMALS_MAX + 1, -EINVAL);
	CHECK(parse("0.000000000000000001", MDBUS_DECIMALS_MAX, 0) == 1);

	/* -ENOSPC: exactly enough room, and one byte short */
	char small[8];
	CHECK_RC(mdbus_decimal_format(-12345, 2, small, 8), 7); /* "-123.45" + NUL */
	CHECK(strcmp(small, "-123.45") == 0);
	CHECK_RC(mdbus_decimal_format(-12345, 2, small, 7), -ENOSPC);
	CHECK_RC(mdbus_decimal_format(5, 0, small, 1), -ENOSPC);
	/* the documented maximum buffer holds the widest value */
	char big[MDBUS_DECIMAL_STR_MAX];
	CHECK(mdbus_decimal_format(INT64_MIN, 1, big, sizeof(big)) == 21);

	test_exponents();

	/* a sweep of round trips at every scale */
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (unsigned d = 0; d <= MDBUS_DECIMALS_MAX; d++) {
		for (int i = 0; i < 2000; i++) {
			x = th_mix(x + (uint64_t)i);
			int64_t m = (int64_t)(x >> (i % 64));
			if (i & 1)
				m = -m;
			char b[MDBUS_DECIMAL_STR_MAX];
			int n = mdbus_decimal_format(m, d, b, sizeof(b));
			CHECK(n > 0 && (size_t)n == strlen(b));
			int64_t back = 0;
			CHECK_RC(mdbus_decimal_parse(b, (size_t)n, d, &back), 0);
			CHECK(back == m);
			back = 0;
			CHECK_RC(mdbus_decimal_parse_exp(b, (size_t)n, d, &back), 0);
			CHECK(back == m);
		}
	}
	return 0;
}
