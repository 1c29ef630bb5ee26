/* SPDX-License-Identifier: MIT */
/*
 * bench_book.c: the book region's costs, one process, no contention. Built,
 * not run by the suites (a benchmark, not a test).
 *   read   mdbus_book_read of the top 10 of a depth-400 book, all 20 of a
 *          depth-20 book, all 400 of a depth-400 book
 *   pub    mdbus_writer_book_publish at depth 20, 50 and 400: "top" updates
 *          change the levels from level 0..3 down (book_check.h); "one"
 *          updates change a single level in the middle of each side. Each
 *          with the four rewrites of mdbus__book_rewrite (mode 0 every level,
 *          two a turn, the default; 1 from the first changed level; 2 only
 *          changed ones; 3 every level one a turn, the loop before mode 0's).
 * Prints the median ns per call over --runs runs (default 7) of --iters
 * calls (default 200000); --mode M and --depth D limit the publish rows.
 * Under `valgrind --tool=callgrind` use `--runs 1 --iters 1000` and read the
 * Ir of mdbus_book_read / mdbus_writer_book_publish per call from
 * callgrind_annotate --inclusive=yes (figures in libmdbus/book_layout.h).
 */
#include <stdlib.h>
#include <time.h>

#include "book_check.h"
#include "helpers.h"
#include "internal.h"

#define BB_VARIANTS 16u

static struct mdbus_book_snapshot bb_snap;
static struct mdbus_book_level bb_bids[BB_VARIANTS][400], bb_asks[BB_VARIANTS][400];
static struct mdbus_book_update bb_u[BB_VARIANTS];

static int64_t bb_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int bb_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double bb_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bb_cmp);
	return v[n / 2];
}

static double bb_read(mdbus_reader *r, uint32_t instrument, uint32_t want, int runs, long iters)
{
	double t[64];
	for (int k = 0; k < runs; k++) {
		int64_t t0 = bb_ns();
		for (long i = 0; i < iters; i++)
			if (mdbus_book_read(r, instrument, want, &bb_snap) != 0)
				exit(1);
		t[k] = (double)(bb_ns() - t0) / (double)iters;
	}
	return bb_median(t, runs);
}

/* The update variants: "top" = book_check.h versions 1..16; "one" = the
 * same base book with one level (the middle one) changed per variant. */
static void bb_prepare(uint32_t depth, int one)
{
	for (uint32_t v = 0; v < BB_VARIANTS; v++) {
		bc_make(one ? 1 : v + 1, depth, bb_bids[v], bb_asks[v], &bb_u[v]);
		bb_u[v].bids.best = bb_bids[v];
		bb_u[v].asks.best = bb_asks[v];
		bb_u[v].bids.n = bb_u[v].asks.n = depth;
		if (one) {
			bb_bids[v][depth / 2].qty += v + 1;
			bb_asks[v][depth / 2].qty += v + 1;
		}
	}
}

static double bb_pub(mdbus_writer *w, uint32_t book, int runs, long iters)
{
	double t[64];
	for (int k = 0; k < runs; k++) {
		int64_t t0 = bb_ns();
		for (long i = 0; i < iters; i++)
			if (mdbus_writer_book_publish(w, book, &bb_u[i % BB_VARIANTS]) != 0)
				exit(1);
		t[k] = (double)(bb_ns() - t0) / (double)iters;
	}
	return bb_median(t, runs);
}

int main(int argc, char **argv)
{
	int runs = 7, only = -1; /* --mode: one publish mode only (callgrind) */
	uint32_t only_depth = 0; /* --depth: one depth only */
	long iters = 200000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--runs") == 0)
			runs = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--iters") == 0)
			iters = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--depth") == 0)
			only_depth = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--mode") == 0)
			only = (int)strtol(argv[i + 1], NULL, 10);
	}
	if (runs < 1 || runs > 64 || iters < 1) {
		fprintf(stderr, "usage: bench_book [--runs 1..64] [--iters N]\n");
		return 2;
	}
	char name[64];
	th_bus_name(name, sizeof(name), "bbench");
	struct mdbus_writer_opts o = {
		.bus = name, .slots = 64, .max_instruments = 4, .max_sessions = 4};
	mdbus_writer *w = NULL;
	static const uint32_t depths[3] = {20, 50, 400};
	CHECK_RC(mdbus_writer_open_books(&w, &o, 4 * mdbus_book_record_size(400)), 0);
	for (uint32_t i = 0; i < 3; i++) {
		struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
		strcpy(in.venue, "test");
		snprintf(in.symbol, sizeof(in.symbol), "S%u-USDT", i);
		CHECK_RC(mdbus_writer_add_instrument(w, &in, NULL), 0);
		CHECK_RC(mdbus_writer_book_add(w, i, depths[i], NULL), 0);
	}
	for (uint32_t i = 0; i < 3; i++) {
		if (only_depth != 0 && depths[i] != only_depth)
			continue;
		for (int one = 0; one < 2; one++) {
			bb_prepare(depths[i], one);
			for (int full = 0; full < 4; full++) {
				static const char *const mode[] = {"full-rewrite", "first-changed",
								   "changed-only", "full-1-a-turn"};
				if (only >= 0 && full != only)
					continue;
				mdbus__book_rewrite = full;
				printf("pub depth %3u %s %-13s %8.1f ns\n", depths[i],
				       one ? "one-level" : "top      ", mode[full],
				       bb_pub(w, i, runs, iters));
			}
		}
	}
	mdbus__book_rewrite = 0;
	mdbus_reader *r = th_reader(name, MDBUS_START_LATEST);
	printf("read top 10 of depth 400     %8.1f ns\n", bb_read(r, 2, 10, runs, iters));
	printf("read all 20 of depth 20      %8.1f ns\n", bb_read(r, 0, 0, runs, iters));
	printf("read all 400 of depth 400    %8.1f ns\n", bb_read(r, 2, 0, runs, iters / 10 + 1));
	CHECK(bb_snap.nbids == 400);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	return 0;
}
