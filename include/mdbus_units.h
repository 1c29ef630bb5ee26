/* SPDX-License-Identifier: MIT */
/*
 * mdbus_units.h: the one grammar for durations and counts that every part of
 * mdbus reads: feedd's configuration and every tool's flags. A user learns it
 * once: "2s" works wherever a duration is asked for, "64Ki" wherever a count.
 *
 * Durations: a non-negative decimal number, an optional fraction, then an
 * optional unit, with no spaces:
 *
 *     ns  us  ms  s  m  h        "250ms", "2s", "1.5m", "100us", "23h"
 *
 * A bare number is seconds ("30" = "30s"; systemd's rule), so "0" needs no
 * unit. Digits below one nanosecond are truncated. Exact integer arithmetic:
 * no floating point, so "0.1s" is exactly 100000000 ns.
 *
 * Counts: a non-negative decimal number, an optional fraction, then an
 * optional multiplier, with no spaces:
 *
 *     k K = 10^3   M = 10^6   G = 10^9          "250k", "1M", "1.5M"
 *     Ki KiB = 2^10   Mi MiB = 2^20   Gi GiB = 2^30    "64Ki", "1MiB"
 *
 * A fraction is accepted only when the result is a whole number ("1.5k" is
 * 1500, "1.5" is an error). k and K both mean 1000 everywhere; binary
 * multiples are always spelled with an i.
 *
 * Conventions as in mdbus.h: 0 or a negative errno, results through
 * out-parameters, nothing printed: -EINVAL malformed, -ERANGE too large.
 * Callers name the key or flag in their own error message.
 */
#ifndef MDBUS_UNITS_H
#define MDBUS_UNITS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses all of s as a duration into nanoseconds (at most INT64_MAX).
 * Returns 0; -EINVAL (empty, sign, space, unknown unit, no digits);
 * -ERANGE (does not fit an int64 of nanoseconds). */
int mdbus_units_parse_duration(const char *s, int64_t *ns);

/* Parses all of s as a count, at most max. Returns 0; -EINVAL (malformed,
 * unknown multiplier, a fraction that leaves a non-whole result); -ERANGE
 * (above max, or does not fit 64 bits). */
int mdbus_units_parse_count(const char *s, uint64_t max, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* MDBUS_UNITS_H */
