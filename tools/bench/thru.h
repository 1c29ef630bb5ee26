/* SPDX-License-Identifier: MIT */
/* thru.h: `mdbus-bench throughput`: publish and single-reader read rates. */
#ifndef BENCH_THRU_H
#define BENCH_THRU_H

/* argv[0] is "throughput". Returns the process exit status. */
int bench_thru_main(int argc, char **argv);

#endif
