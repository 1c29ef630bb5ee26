/* SPDX-License-Identifier: MIT */
/*
 * report.h: the one reporter of every mdbus-bench mode: number formats,
 * medians, a JSON writer, the machine header and gnuplot percentile
 * curves. No measurement happens here.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "hist.h"
#include "sysinfo.h"

/* The percentiles every report shows besides min and max. */
#define BENCH_NPCT 5
extern const double bench_pcts[BENCH_NPCT]; /* 50, 90, 99, 99.9, 99.99 */
extern const char *const bench_pct_names[BENCH_NPCT];

/* "182ns", "1.25us", "3.40ms"; UINT64_MAX is "lost". */
void bench_fmt_ns(uint64_t ns, char *buf, size_t len);
/* "max" (0 = flat out), "100k/s", "1M/s", "1234/s". */
void bench_fmt_rate(uint64_t rate, char *buf, size_t len);
/* Median of v[0..n), sorting v: the lower middle value, or with mean set
 * the mean of the two middle ones. 0 when n == 0. */
double bench_median(double *v, unsigned n, int mean);

/* "machine: ..." and "kernel: ..." lines. */
void bench_report_machine(FILE *f, const struct bench_sysinfo *si);

/* JSON, one value per line: bench_j_open(j, key, '{') ... bench_j_close.
 * key is NULL inside arrays. */
struct bench_json {
	FILE *f;
	int depth;
	int items[8]; /* values written at each depth: when a comma is due */
	char close[8];
};
void bench_j_open(struct bench_json *j, const char *key, char brace);
void bench_j_close(struct bench_json *j);
/* Members by a spec "key:T key:T ...", T one of u (uint64_t), i (int64_t),
 * d (int or unsigned), b (int, as true/false), s (const char *, NULL =
 * null), f0..f9 (double with that many decimals); the values follow. */
void bench_j(struct bench_json *j, const char *spec, ...);
/* h as {count, min, p50 .. p99.99, max, mean}. */
void bench_j_hist(struct bench_json *j, const char *key, const struct bench_hist *h);
/* "machine": {cores, usable, cpu_model, kernel, clocksource, date}. */
void bench_j_machine(struct bench_json *j, const struct bench_sysinfo *si);

/* One curve of a percentile plot; style is gnuplot's ("with lines dt 2"). */
struct bench_curve {
	const struct bench_hist *h;
	char style[64];
	char title[128];
};
/* Percentile curves (x = 1/(1-p) on a log axis, the HdrHistogram plot)
 * into a PNG with gnuplot. Returns 0 or -errno with err set. */
int bench_plot(const char *path, const char *title, const struct bench_curve *c, size_t n,
	       char *err, size_t len);

#endif
