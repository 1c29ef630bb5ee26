/* SPDX-License-Identifier: MIT */
/* report_plot.c: latency percentile curves into a PNG through gnuplot
 * (`--plot FILE`). */
#include "report.h"
#include "report_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int bench_report_plot(const char *path, const struct bench_sysinfo *si,
		      const struct bench_result *r, size_t n, char *err, size_t len)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "gnuplot");
	/* The shell finds gnuplot on PATH; the command is a constant, no input
	 * reaches it. NOLINTNEXTLINE(cert-env33-c) */
	FILE *g = popen(cmd, "w");
	if (!g) {
		snprintf(err, len, "cannot run gnuplot: %s", strerror(errno));
		return -errno;
	}
	/* x = 1/(1-p): 2 = p50, 10 = p90, 100 = p99 ... on a log axis, the
	 * usual HdrHistogram percentile plot. */
	fprintf(g, "set terminal pngcairo size 1280,640 noenhanced\n");
	fprintf(g, "set output '%s'\n", path);
	fprintf(g, "set title 'mdbus-bench one-way latency, %d cores, %s'\n", si->cores,
		si->cpu_model);
	fprintf(g, "set logscale x\nset logscale y\nset grid\n");
	fprintf(g, "set xlabel 'percentile'\nset ylabel 'latency (ns)'\n");
	/* tic labels are gnuplot format strings: "%%%%" prints one percent sign */
	fprintf(g, "set xtics ('0%%%%' 1, '50%%%%' 2, '90%%%%' 10, '99%%%%' 100, '99.9%%%%' 1000, "
		   "'99.99%%%%' 10000, '99.999%%%%' 100000, '99.9999%%%%' 1000000)\n");
	fprintf(g, "set key outside right top\n");
	/* One curve per (transport, consumers, rate), repeated runs merged;
	 * solid = every tick, dashed = ticks that found the consumer idle,
	 * dotted = the floor (a zero-cost transport through the
	 * run's stalls). */
	struct bench_hist *acc = calloc(3 * (n ? n : 1), sizeof(*acc));
	size_t *key = calloc(n ? n : 1, sizeof(*key)); /* first run index of each group */
	size_t ng = 0;
	if (!acc || !key) {
		free(acc);
		free(key);
		pclose(g);
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i].skipped || !r[i].all.count)
			continue;
		size_t k;
		for (k = 0; k < ng; k++) {
			const struct bench_result *q = &r[key[k]];
			if (strcmp(q->transport, r[i].transport) == 0 && q->nsub == r[i].nsub &&
			    q->cfg.rate == r[i].cfg.rate)
				break;
		}
		if (k == ng) {
			key[ng++] = i;
			bench_hist_reset(&acc[3 * k]);
			bench_hist_reset(&acc[3 * k + 1]);
			bench_hist_reset(&acc[3 * k + 2]);
		}
		bench_hist_merge(&acc[3 * k], &r[i].all);
		bench_hist_merge(&acc[3 * k + 1], &r[i].all_ready);
		if (r[i].floor.ok)
			bench_hist_merge(&acc[3 * k + 2], &r[i].floor.hist);
	}
	for (size_t c = 0; c < 3 * ng; c++) {
		const struct bench_hist *h = &acc[c];
		fprintf(g, "$d%zu << EOD\n", c);
		/* 20 points per decade of 1/(1-p), up to the last value */
		for (int k = 0; k <= 120; k++) {
			double x = pow(10.0, k / 20.0);
			double p = 100.0 * (1.0 - 1.0 / x);
			if (x > (double)h->count)
				break;
			uint64_t v = bench_hist_percentile(h, p);
			fprintf(g, "%.4f %llu\n", x, (unsigned long long)(v ? v : 1));
		}
		fprintf(g, "EOD\n");
	}
	if (ng == 0) {
		free(acc);
		free(key);
		pclose(g);
		snprintf(err, len, "nothing to plot");
		return -ENODATA;
	}
	fprintf(g, "plot ");
	for (size_t k = 0; k < ng; k++) {
		const struct bench_result *q = &r[key[k]];
		char rate[24];
		bench_report__fmt_rate(q->cfg.rate, rate, sizeof(rate));
		fprintf(g,
			"%s$d%zu using 1:2 with linespoints lc %zu dt 1 title '%s, %u consumer(s), "
			"%s'",
			k ? ", " : "", 3 * k, k + 1, q->transport, q->nsub, rate);
		if (acc[3 * k + 1].count)
			fprintf(g,
				", $d%zu using 1:2 with lines lc %zu dt 2 title '%s, idle "
				"consumer'",
				3 * k + 1, k + 1, q->transport);
		if (acc[3 * k + 2].count)
			fprintf(g,
				", $d%zu using 1:2 with lines lc rgb 'black' dt 3 lw 2 title '%s, "
				"floor "
				"(zero-cost transport, same stalls)'",
				3 * k + 2, q->transport);
	}
	free(acc);
	free(key);
	fprintf(g, "\n");
	int st = pclose(g);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, len, "gnuplot failed (status %d) writing %s", st, path);
		return -EIO;
	}
	return 0;
}
