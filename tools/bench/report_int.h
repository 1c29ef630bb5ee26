/* SPDX-License-Identifier: MIT */
/*
 * report_int.h: what report.c (tables), report_json.c (--json) and
 * report_plot.c (--plot) share. Private to those files; internal names carry
 * a double underscore.
 */
#ifndef BENCH_REPORT_INT_H
#define BENCH_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* "max" (0 = flat out), "100k/s", "1M/s", "1234/s". */
void bench_report__fmt_rate(uint64_t rate, char *buf, size_t len);

/* A consumer's CPU time as a share of its wall time, in percent. */
double bench_report__cpu_pct(const struct bench_sub_result *s);

/* The summary of transport `name` among s[0..n), or NULL if absent or skipped. */
const struct bench_summary *bench_report__find_summary(const struct bench_summary *s, size_t n,
						       const char *name);

#endif
