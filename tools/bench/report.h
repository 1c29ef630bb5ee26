/* SPDX-License-Identifier: MIT */
/* report.h: readable tables, JSON and gnuplot output of benchmark results. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>

#include "bench.h"
#include "sysinfo.h"

/* The percentiles every report shows. */
#define BENCH_NPCT 5
extern const double bench_pcts[BENCH_NPCT]; /* 50, 90, 99, 99.9, 99.99 */
extern const char *const bench_pct_names[BENCH_NPCT];

/* "182ns", "1.25us", "3.40ms". */
void bench_fmt_ns(uint64_t ns, char *buf, size_t len);

/* s as a JSON string, quoted and escaped. */
void bench_json_str(FILE *f, const char *s);

/* h as a JSON object: count, min, the report's percentiles, max, mean. */
void bench_json_hist(FILE *f, const struct bench_hist *h);

/* Machine, clock and the run settings (pinning included). */
void bench_report_header(FILE *f, const struct bench_sysinfo *si, const struct bench_cfg *cfg);

/* One run: per-consumer rows and an "all" row. */
void bench_report_run(FILE *f, const struct bench_result *r);

/* Per transport over its repeated runs (--repeat): medians of each figure. */
struct bench_summary {
	char transport[16];
	unsigned runs; /* runs that produced latencies */
	int skipped;   /* every run skipped or failed: why */
	char why[BENCH_ERR_MAX * 2];
	uint64_t p50, p99, p9999;      /* medians over the runs */
	uint64_t p50_min, p50_max;     /* spread of p50 over the runs */
	uint64_t p50_lossy, p99_lossy; /* medians; UINT64_MAX = among the lost */
	double lost_pct;	       /* median */
	uint64_t ready_p50, ready_p99; /* medians over ticks that found the consumer idle */
	double ready_pct;	       /* median share of such ticks */
	unsigned floor_runs;	       /* runs that probed the machine's floor */
	uint64_t floor_p50, floor_p99, floor_p9999; /* medians over those runs */
};

/* Groups r by transport (first-seen order); returns the number of groups. */
size_t bench_summarize(const struct bench_result *r, size_t n, struct bench_summary *out,
		       size_t cap);

/* --compare: one line per transport, p50/p99 ratios vs mdbus (medians). */
void bench_report_compare(FILE *f, const struct bench_result *r, size_t n);

/* --sweep: p50/p99 per (transport, consumers, rate). */
void bench_report_sweep(FILE *f, const struct bench_result *r, size_t n);

/* Everything as one JSON document. mode: "run", "compare" or "sweep". */
void bench_report_json(FILE *f, const struct bench_sysinfo *si, const char *mode,
		       const struct bench_result *r, size_t n);

/* Latency percentile curves (one per run) into a PNG with gnuplot.
 * Returns 0 or -errno with err set. */
int bench_report_plot(const char *path, const struct bench_sysinfo *si,
		      const struct bench_result *r, size_t n, char *err, size_t len);

/*
 * Loss-adjusted percentile: the p-th percentile over every tick published
 * to the consumers, a lost tick counting as slower than any delivered one.
 * A transport that drops what it cannot deliver quickly (a full socket, a
 * 256-entry iceoryx queue) otherwise looks fast by only timing survivors.
 * Returns UINT64_MAX when the percentile falls among the lost ticks.
 */
uint64_t bench_lossy_percentile(const struct bench_hist *h, uint64_t missed, double p);

/* Ticks lost by all consumers of r. */
uint64_t bench_result_missed(const struct bench_result *r);

/* received + holes + tail == published for every consumer? */
int bench_result_accounted(const struct bench_result *r);

#endif
