/* SPDX-License-Identifier: MIT */
/*
 * thru_int.h: what the three files of `mdbus-bench throughput` share:
 *   thru.c         options, the case list, the interleaved repetitions;
 *   thru_cases.c   one run of one case: the forked writer/reader children
 *                  and their measured loops;
 *   thru_report.c  medians over the runs, the table and the JSON document.
 * Private to those files; internal names carry a double underscore.
 */
#ifndef BENCH_THRU_INT_H
#define BENCH_THRU_INT_H

#include <stdint.h>
#include <stdio.h>

#include "bench.h"
#include "sysinfo.h"

#define THRU_TARGET    50000000.0 /* ticks/s, from the bus issue */
#define THRU_MAX_REP   50
#define THRU_MAX_B     1024
#define THRU_TIMEOUT   (20LL * 1000000000LL) /* beyond --duration: give up */
#define THRU_MAX_RATES 8
#define THRU_MAX_CASES (7 + 2 * THRU_MAX_RATES)

enum thru_kind { THRU_PUB, THRU_LOCAL, THRU_FLAT, THRU_PACED };
enum thru_rapi { THRU_NONE, THRU_NEXT, THRU_READ };

struct thru_case {
	char name[32];
	enum thru_kind kind;
	unsigned wbatch; /* 1 = mdbus_writer_publish, else _publish_batch */
	enum thru_rapi rapi;
	unsigned rbatch; /* ticks per mdbus_reader_read */
	uint64_t rate;	 /* paced: ticks/s */
};

struct thru_opts {
	int64_t duration_ns;
	unsigned repeat;
	uint32_t slots;
	unsigned batch;
	uint64_t rates[THRU_MAX_RATES]; /* paced cases */
	unsigned nrates;
	const char *only; /* run only the cases whose name starts with this */
	int cpus[2];
	int json;
};

/* One repetition of one case: the writer fills the w_ fields, the reader
 * the r_ fields; the parent reads both after waitpid. */
struct thru_res {
	int w_ok, r_ok;
	char w_err[BENCH_ERR_MAX], r_err[BENCH_ERR_MAX];
	uint64_t rate; /* paced rate used, 0 = flat out */
	uint64_t published;
	int64_t pub_ns;
	uint64_t w_preempt, r_preempt; /* involuntary context switches */
	uint64_t read, missed, laps, gaps, bad, order, last;
	int64_t read_ns;
};

/* One case over its repetitions: medians of the runs that worked. */
struct thru_summary {
	unsigned ok_runs;
	int accounted; /* every run */
	double pub_rate, read_rate, missed, lapped_frac;
	double pub_min, pub_max, read_min, read_max;
};

/* thru_cases.c */

/* Forks the writer (and the reader) of case c, waits for both and fills
 * *out, errors included. idx makes the bus name unique within this process.
 * Returns 0, or -errno when the page shared with the children cannot be
 * mapped. */
int bench_thru__run(const struct thru_opts *o, const struct thru_case *c, uint64_t rate,
		    unsigned idx, struct thru_res *out);

/* thru_report.c */

/* The run completed: the writer and (if the case has one) the reader. */
int bench_thru__ok(const struct thru_case *c, const struct thru_res *r);

/* read + missed == published, holes == reported misses, every tick intact. */
int bench_thru__accounted(const struct thru_res *r);

/* Medians, min and max over the n runs rs of case c. */
void bench_thru__summarize(const struct thru_case *c, const struct thru_res *rs, unsigned n,
			   struct thru_summary *s);

/* Every run's counters and each case's medians as one JSON document. */
void bench_thru__report_json(FILE *f, const struct bench_sysinfo *si, const struct thru_opts *o,
			     const struct thru_case *cs, int ncases,
			     struct thru_res (*res)[THRU_MAX_REP], const struct thru_summary *sum);

/* One line per case: median rates [min..max], ns/tick, share missed. */
void bench_thru__report_table(FILE *f, const struct thru_opts *o, const struct thru_case *cs,
			      int ncases, const struct thru_summary *sum);

#endif
