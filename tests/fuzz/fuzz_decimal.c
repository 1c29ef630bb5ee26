/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decimal.c: exact decimals (libmdbus/decimal.c). The first input byte
 * is the scale (0..19, 19 being invalid), the rest the string. Properties: a
 * parsed value formats to the canonical spelling of the input (sign, no
 * leading or trailing zeros) and parses back to itself; any int64 mantissa
 * (the input's first eight bytes) formats and parses back exactly; a buffer
 * too small gives -ENOSPC without a byte written past it.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "mdbus.h"

/* The canonical spelling of a string mdbus_decimal_parse accepted at scale
 * dec: what mdbus_decimal_format must give. */
static size_t fz_canonical(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0, int_start, int_end, frac_end;
	int neg = n > 0 && s[0] == '-';

	i = (size_t)neg;
	int_start = i;
	while (i < n && s[i] != '.')
		i++;
	int_end = i;
	frac_end = n;
	if (i < n) /* drop the trailing zeros of the fraction */
		while (frac_end > i + 1 && s[frac_end - 1] == '0')
			frac_end--;
	while (int_start + 1 < int_end && s[int_start] == '0')
		int_start++;
	int zero = int_end - int_start == 1 && s[int_start] == '0' && (i == n || frac_end == i + 1);
	if (neg && !zero)
		out[o++] = '-';
	memcpy(out + o, s + int_start, int_end - int_start);
	o += int_end - int_start;
	if (i < n && frac_end > i + 1) {
		memcpy(out + o, s + i, frac_end - i);
		o += frac_end - i;
	}
	out[o] = '\0';
	return o;
}

static void fz_roundtrip(int64_t m, unsigned dec, size_t small)
{
	char buf[MDBUS_DECIMAL_STR_MAX];
	int64_t back;
	int k = mdbus_decimal_format(m, dec, buf, sizeof(buf));

	FUZZ_CHECK(k > 0 && (size_t)k < sizeof(buf) && buf[k] == '\0');
	FUZZ_CHECK(mdbus_decimal_parse(buf, (size_t)k, dec, &back) == 0 && back == m);
	/* Exactly `small` bytes: a write past them is an ASan report. */
	char *tight = malloc(small ? small : 1);
	FUZZ_CHECK(tight != NULL);
	int r = mdbus_decimal_format(m, dec, tight, small);
	if (small > (size_t)k)
		FUZZ_CHECK(r == k && memcmp(tight, buf, (size_t)k + 1) == 0);
	else
		FUZZ_CHECK(r == -ENOSPC);
	free(tight);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[MDBUS_DECIMAL_STR_MAX], canon[512];
	unsigned dec;
	int64_t v = 0, back;
	int rc;

	if (size < 1)
		return 0;
	dec = data[0] % 20u;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;

	rc = mdbus_decimal_parse(s, n, dec, &v);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE || rc == -EDOM);
	if (dec > MDBUS_DECIMALS_MAX)
		FUZZ_CHECK(rc == -EINVAL);
	if (rc == 0) {
		int k = mdbus_decimal_format(v, dec, buf, sizeof(buf));
		FUZZ_CHECK(k > 0 && (size_t)k < sizeof(buf));
		FUZZ_CHECK(mdbus_decimal_parse(buf, (size_t)k, dec, &back) == 0 && back == v);
		if (n < sizeof(canon)) {
			size_t c = fz_canonical(s, n, canon);
			FUZZ_CHECK(c == (size_t)k && memcmp(canon, buf, c) == 0);
		}
	}
	if (n >= 8 && dec <= MDBUS_DECIMALS_MAX) {
		int64_t m;
		memcpy(&m, s, sizeof(m));
		fz_roundtrip(m, dec, n % (MDBUS_DECIMAL_STR_MAX + 1));
	}
	return 0;
}
