/* SPDX-License-Identifier: MIT */
/*
 * mdbus-bench: fan-out latency of the mdbus ring against Unix-domain
 * sockets, ZeroMQ and iceoryx, and the modes feed, throughput and noise;
 * the option tables of every mode (bench.h). See docs/PERFORMANCE.md for the
 * method and results.
 */
#include "bench.h"

#include "mdbus_units.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_MAX_RUNS 256

/* ---- the latency mode ---------------------------------------------------- */

static const struct bench_transport *const bench_transports[] = {
	&bench_transport_mdbus,
	&bench_transport_uds,
	&bench_transport_zmq,
	&bench_transport_iox,
};
#define BENCH_NTRANSPORTS (sizeof(bench_transports) / sizeof(bench_transports[0]))

static const char bench_synopsis[] =
	"usage: mdbus-bench [options]            fan-out latency, one publisher -> N consumers\n"
	"       mdbus-bench feed [options]       feedd cost per venue message (feed --help)\n"
	"       mdbus-bench throughput [options] publish and single-reader ticks/s\n"
	"       mdbus-bench noise [options]      how often the machine takes a CPU away\n"
	"Latency = CLOCK_MONOTONIC at read - CLOCK_MONOTONIC stamped in the tick right before "
	"publish.\n";

static int bench_opt_transport(const char *arg, void *dst)
{
	for (size_t i = 0; i < BENCH_NTRANSPORTS; i++) {
		if (strcmp(bench_transports[i]->name, arg) == 0 ||
		    (bench_transports[i] == &bench_transport_iox && strcmp(arg, "iox") == 0)) {
			*(const struct bench_transport **)dst = bench_transports[i];
			return 0;
		}
	}
	return -EINVAL;
}

struct bench_plan {
	struct bench_cfg cfg;
	const struct bench_transport *t;
	const char *plot;
	int json, compare, sweep;
	unsigned repeat, nrates;
	uint64_t rates[8];
};

static int bench_opt_rates(const char *arg, void *dst)
{
	struct bench_plan *pl = dst;
	return bench_parse_list(arg, 0, 1000000000, pl->rates, 8, &pl->nrates);
}

/* --sweep: consumers 1, 2, 4 .. up to the cores, then two oversubscribed. */
static unsigned bench_sweep_counts(const struct bench_sysinfo *si, unsigned *counts)
{
	unsigned nc = 0;
	int cores = si->allowed > 0 ? si->allowed : si->cores;
	for (unsigned k = 1; k <= BENCH_MAX_CONSUMERS; k *= 2) {
		counts[nc++] = k;
		if ((int)k >= cores)
			break;
	}
	for (int extra = 0; extra < 2 && counts[nc - 1] * 2 <= BENCH_MAX_CONSUMERS; extra++) {
		counts[nc] = counts[nc - 1] * 2;
		nc++;
	}
	return nc;
}

/* The list of runs; --compare interleaves the transports, so slow drifts
 * of the machine's load hit every transport alike. */
static size_t bench_plan_runs(const struct bench_plan *pl, const struct bench_sysinfo *si,
			      struct bench_cfg *cfg, const struct bench_transport **t)
{
	unsigned counts[16], nc = pl->sweep ? bench_sweep_counts(si, counts) : 1;
	size_t n = 0, nt = pl->compare ? BENCH_NTRANSPORTS : 1;
	unsigned reps = pl->sweep ? 1 : pl->repeat, nr = pl->sweep ? pl->nrates : 1;
	for (unsigned k = 0; k < reps; k++)
		for (size_t ti = 0; ti < nt; ti++)
			for (unsigned ri = 0; ri < nr; ri++)
				for (unsigned ci = 0; ci < nc && n < BENCH_MAX_RUNS; ci++, n++) {
					cfg[n] = pl->cfg;
					t[n] = pl->compare ? bench_transports[ti] : pl->t;
					if (pl->sweep) {
						cfg[n].consumers = counts[ci];
						cfg[n].rate = pl->rates[ri];
					}
				}
	return n;
}

/* Runs the plan and reports as asked. Returns the exit status. */
static int bench_execute(const struct bench_plan *pl)
{
	static struct bench_cfg cfg[BENCH_MAX_RUNS];
	static const struct bench_transport *t[BENCH_MAX_RUNS];
	static struct bench_result res[BENCH_MAX_RUNS];
	struct bench_sysinfo si;
	int failed = 0, rc;
	char err[256];
	bench_sysinfo_get(&si);
	size_t n = bench_plan_runs(pl, &si, cfg, t);
	if (!pl->json)
		bench_lat_header(stdout, &si, &pl->cfg);
	for (size_t i = 0; i < n; i++) {
		if (!pl->json && n > 1)
			fprintf(stderr, "mdbus-bench: run %zu/%zu: %s, %u consumer(s), rate %llu\n",
				i + 1, n, t[i]->name, cfg[i].consumers,
				(unsigned long long)cfg[i].rate);
		if ((rc = bench_run_one(&cfg[i], t[i], (unsigned)i, &res[i])) < 0) {
			fprintf(stderr, "mdbus-bench: %s: %s\n", t[i]->name, strerror(-rc));
			failed = 1;
			continue;
		}
		failed |= res[i].failed;
		if (!pl->json && !pl->sweep) {
			bench_lat_run(stdout, &res[i]);
			fflush(stdout); /* keep the order with the progress lines on stderr */
		}
	}
	if (pl->json)
		bench_lat_json(stdout, &si,
			       pl->sweep     ? "sweep"
			       : pl->compare ? "compare"
					     : "run",
			       res, n);
	else if (pl->sweep)
		bench_lat_sweep(stdout, res, n);
	else if (pl->compare || pl->repeat > 1)
		bench_lat_compare(stdout, res, n);
	if (pl->plot && bench_lat_plot(pl->plot, &si, res, n, err, sizeof(err)) < 0) {
		fprintf(stderr, "mdbus-bench: --plot: %s\n", err);
		failed = 1;
	} else if (pl->plot && !pl->json) {
		printf("plot: %s\n", pl->plot);
	}
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		bench_result_free(&res[i]);
	return failed;
}

int main(int argc, char **argv) /* long: the one table of every option */
{
	struct bench_plan pl = {
		.cfg = {.consumers = 1,
			.duration_ns = 5000000000LL,
			.rate = 1000000,
			.slots = 65536,
			.stalls = 1},
		.t = &bench_transport_mdbus,
		.repeat = 1,
		.rates = {10000, 100000, 1000000},
		.nrates = 3,
	};
	const char *cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "feed") == 0)
		return bench_feed_main(argc - 1, argv + 1);
	if (strcmp(cmd, "noise") == 0)
		return bench_noise_main(argc - 1, argv + 1);
	if (strcmp(cmd, "throughput") == 0 || strcmp(cmd, "--throughput") == 0)
		return bench_thru_main(argc - 1, argv + 1);
	const struct bench_opt opts[] = {
		BENCH_OPT_FUN("transport", 't', &pl.t, "mdbus, uds, zmq or iceoryx",
			      bench_opt_transport, "T\tmdbus (default), uds, zmq, iceoryx"),
		BENCH_OPT_N("consumers", 'n', BENCH_OPT_UINT, &pl.cfg.consumers, 1,
			    BENCH_MAX_CONSUMERS, "1..64",
			    "N\tconsumer processes, 1..64 (default 1)"),
		BENCH_OPT_N("duration", 'd', BENCH_OPT_DUR, &pl.cfg.duration_ns, 1000000,
			    3600000000000LL, "e.g. 5, 2s, 500ms (>= 1ms, <= 1h)",
			    "D\tmeasured time per run: 5, 2s, 500ms (default 5s)"),
		BENCH_OPT_N("rate", 'r', BENCH_OPT_U64, &pl.cfg.rate, 0, 1000000000,
			    "ticks/s like 100000, 250k, 1M (0 = flat out)",
			    "R\tticks/s on an absolute schedule, 0 = flat out (default 1M)"),
		BENCH_OPT_F("wait", 'w', BENCH_OPT_SET, &pl.cfg.wait,
			    "consumers block (mdbus_reader_wait...) instead of spinning"),
		BENCH_OPT_FUN("cpus", 'c', &pl.cfg, "CPUs we may run on, e.g. 0,1 or 0-3",
			      bench_opt_cpus, "LIST\tpin: publisher, then consumers round robin"),
		BENCH_OPT_FUN("slots", 's', &pl.cfg.slots, "a power of two >= 64", bench_opt_pow2,
			      "N\tmdbus ring slots, power of two (default 65536)"),
		BENCH_OPT_F("compare", 0, BENCH_OPT_SET, &pl.compare,
			    "every transport back to back, ratios vs mdbus"),
		BENCH_OPT_N("repeat", 0, BENCH_OPT_UINT, &pl.repeat, 1, 50, "1..50",
			    "N\truns per configuration (interleaved), medians compared"),
		BENCH_OPT_F("sweep", 0, BENCH_OPT_SET, &pl.sweep,
			    "consumers 1,2,4.. up to the cores (+2 oversubscribed) x rates"),
		BENCH_OPT_FUN("sweep-rates", 0, &pl, "e.g. 10k,100k,1M", bench_opt_rates,
			      "L\trates for --sweep (default 10k,100k,1M)"),
		BENCH_OPT_F("json", 'j', BENCH_OPT_SET, &pl.json,
			    "JSON on stdout instead of tables"),
		BENCH_OPT_F("plot", 'p', BENCH_OPT_STR, &pl.plot,
			    "PNG\tlatency percentile curves (gnuplot)"),
		BENCH_OPT_F("no-stalls", 0, BENCH_OPT_CLEAR, &pl.cfg.stalls,
			    "no stall trace, no floor row (a zero-cost transport over them)"),
		BENCH_OPT_F("verbose", 'v', BENCH_OPT_SET, &pl.cfg.verbose,
			    "keep iox-roudi logs, more detail"),
		BENCH_OPT_END,
	};
	int rc = bench_opt_parse("mdbus-bench", bench_synopsis, opts, argc, argv);
	return rc >= 0 ? rc : bench_execute(&pl);
}
