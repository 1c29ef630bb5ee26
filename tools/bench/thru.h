/* SPDX-License-Identifier: MIT */
/*
 * thru.h: what the two files of `mdbus-bench throughput` share: thru.c
 * (options, cases, repetitions, medians, report) and thru_cases.c (one run
 * of one case in forked, pinned writer/reader processes).
 */
#ifndef BENCH_THRU_H
#define BENCH_THRU_H

#include <stdint.h>

#include "bench.h"

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
	unsigned slots;
	unsigned batch;
	uint64_t rates[THRU_MAX_RATES]; /* paced cases */
	unsigned nrates;
	const char *only; /* run only the cases whose name starts with this */
	int cpus[2];
	int ncpus;
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

/* Forks the writer (and the reader) of case c, waits for both and fills
 * *out, errors included. idx makes the bus name unique within this process.
 * Returns 0, or -errno when the page shared with the children cannot be
 * mapped. */
int bench_thru_run(const struct thru_opts *o, const struct thru_case *c, unsigned idx,
		   struct thru_res *out);

#endif
