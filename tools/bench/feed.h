/* SPDX-License-Identifier: MIT */
/* feed.h: `mdbus-bench feed`: feedd's cost per venue message. */
#ifndef BENCH_FEED_H
#define BENCH_FEED_H

/* argv[0] is "feed". Returns the process exit status. */
int bench_feed_main(int argc, char **argv);

#endif
