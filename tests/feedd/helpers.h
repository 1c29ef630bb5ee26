/* SPDX-License-Identifier: MIT */
/* helpers.h: tiny assertion helpers for the feedd logic tests. */
#ifndef FEED_TEST_HELPERS_H
#define FEED_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int feed_test_failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			feed_test_failures++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b) {                                                                    \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__,      \
				__LINE__, #a, _a, #b, _b);                                         \
			feed_test_failures++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                           \
			fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,        \
				__LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)");             \
			feed_test_failures++;                                                      \
		}                                                                                  \
	} while (0)

static inline int feed_test_done(const char *name)
{
	if (feed_test_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, feed_test_failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

#endif
