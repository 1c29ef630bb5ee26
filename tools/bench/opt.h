/* SPDX-License-Identifier: MIT */
/*
 * opt.h: table-driven command lines: each mode lists its options once,
 * with where each value goes, its range and the "want" text of the error
 * message. Numbers and durations go through tools/common's parsers.
 */
#ifndef BENCH_OPT_H
#define BENCH_OPT_H

#include <stdint.h>
#include <stdio.h>

enum bench_opt_kind {
	BENCH_OPT_SET,	 /* flag: *(int *)dst = 1 */
	BENCH_OPT_CLEAR, /* flag: *(int *)dst = 0 */
	BENCH_OPT_U64,	 /* *(uint64_t *)dst, min..max, k/M/G suffixes */
	BENCH_OPT_UINT,	 /* *(unsigned *)dst, min..max */
	BENCH_OPT_DUR,	 /* *(int64_t *)dst in ns, min..max */
	BENCH_OPT_STR,	 /* *(const char **)dst */
	BENCH_OPT_FN,	 /* fn(arg, dst) < 0: refused */
};

struct bench_opt {
	const char *name; /* --name */
	char key;	  /* -k, 0 = none */
	enum bench_opt_kind kind;
	void *dst;
	uint64_t min, max;
	const char *want; /* "mdbus-bench: --name: want WANT, got 'arg'" */
	int (*fn)(const char *arg, void *dst);
	const char *help; /* "ARG\tdescription" (no ARG for flags) for --help */
};

/* Table entries: a flag or a string; a number in min..max; a function. */
// clang-format off
/* clang-format would spread each one-line entry over four */
#define BENCH_OPT_F(name, key, kind, dst, help) {name, key, kind, dst, 0, 0, NULL, NULL, help}
#define BENCH_OPT_N(name, key, kind, dst, min, max, want, help) \
	{name, key, kind, dst, min, max, want, NULL, help}
#define BENCH_OPT_FUN(name, key, dst, want, fn, help) \
	{name, key, BENCH_OPT_FN, dst, 0, 0, want, fn, help}
#define BENCH_OPT_END {NULL, 0, BENCH_OPT_SET, NULL, 0, 0, NULL, NULL, NULL}
// clang-format on

/* Parses argv[1..] by the table t (ended by a NULL name); -h/--help prints
 * the usage (synopsis, then one line per option) on stdout, a bad option on
 * stderr. Returns 0 to go on, 1 after --help, -1 after an error was printed
 * (exit status 2). */
int bench_opt_parse(const char *prog, const char *synopsis, const struct bench_opt *t, int argc,
		    char **argv);

/* For BENCH_OPT_FN: a power of two in 64..2^30 into *(unsigned *)dst. */
int bench_opt_pow2(const char *arg, void *dst);

/* "0,1", "0-3", "2,4-5" into cpus[0..*n); -ENODEV for a CPU outside our mask. */
int bench_parse_cpus(const char *s, int *cpus, int cap, int *n);

/* "10k,100k,1M" into v[0..*n), each min..max. */
int bench_parse_list(const char *s, uint64_t min, uint64_t max, uint64_t *v, unsigned cap,
		     unsigned *n);

#endif
