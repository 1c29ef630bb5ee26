/* SPDX-License-Identifier: MIT */
/* sysinfo.h: what the machine is, printed with every result. */
#ifndef BENCH_SYSINFO_H
#define BENCH_SYSINFO_H

struct bench_sysinfo {
	int cores;	      /* online CPUs */
	int allowed;	      /* CPUs in our affinity mask */
	char cpu_model[128];  /* /proc/cpuinfo "model name" */
	char kernel[256];     /* uname -sr */
	char clocksource[32]; /* current kernel clocksource (tsc = vDSO clock_gettime) */
	double clock_cost_ns; /* measured cost of one clock_gettime(CLOCK_MONOTONIC) */
	char date[32];	      /* UTC, ISO 8601 */
};

/* Fills si; never fails (unknown fields say "unknown"). */
void bench_sysinfo_get(struct bench_sysinfo *si);

#endif
