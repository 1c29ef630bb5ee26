/* SPDX-License-Identifier: MIT */
/* feed_stub.c: `mdbus-bench feed` when feedd's venue library is not built yet. */
#include "feed.h"

#include <stdio.h>

int bench_feed_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("{\"mode\": \"feed\", \"skipped\": true, \"reason\": \"feedd venue library "
	       "(feedlib) not built\"}\n");
	fprintf(stderr, "mdbus-bench feed: skipped: feedd venue library (feedlib) not built\n");
	return 0;
}
