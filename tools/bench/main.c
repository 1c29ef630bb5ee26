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
#include <stdio.h>
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

static void bench_lat_usage(FILE *f)
{
	fputs("usage: mdbus-bench [options]            fan-out latency, one publisher -> N "
	      "consumers\n"
	      "       mdbus-bench feed [options]       feedd cost per venue message (feed --help)\n"
	      "       mdbus-bench throughput [options] publish and single-reader ticks/s\n"
	      "       mdbus-bench noise [options]      how often the machine takes a CPU away\n"
	      "       mdbus-bench python [options]     the Python module's read rates and latency\n"
	      "       mdbus-bench e2e [options]        exchange -> feedd -> consumer vs Python, C "
	      "clients\n"
	      "       mdbus-bench scale [options]      feedd with 1..1000 sessions on one thread\n"
	      "Latency = CLOCK_MONOTONIC at read - CLOCK_MONOTONIC stamped in the tick right "
	      "before publish.\n"
	      "options:\n"
	      "  -t, --transport T       mdbus (default), uds, zmq, iceoryx\n"
	      "      --consumers N       consumer processes, 1..64 (default 1; formerly -n)\n"
	      "  -d, --duration D        measured time per run: 5, 2s, 500ms (default 5s)\n"
	      "  -r, --rate R            ticks/s on an absolute schedule, 0 = flat out (default "
	      "1M)\n"
	      "  -w, --wait              consumers block (mdbus_reader_wait...) instead of "
	      "spinning\n"
	      "      --cpus LIST         pin: publisher, then consumers round robin (-c before "
	      "0.1.0)\n"
	      "  -s, --slots N           mdbus ring slots, power of two (default 65536)\n"
	      "      --compare           every transport back to back, ratios vs mdbus\n"
	      "      --repeat N          runs per configuration (interleaved), medians compared\n"
	      "      --sweep             consumers 1,2,4.. up to the cores (+2 oversubscribed) x "
	      "rates\n"
	      "      --sweep-rates L     rates for --sweep (default 10k,100k,1M)\n"
	      "  -j, --json              JSON on stdout instead of tables\n"
	      "  -p, --plot PNG          latency percentile curves (gnuplot)\n"
	      "      --no-stalls         no stall trace, no floor row (a zero-cost transport over "
	      "them)\n"
	      "  -v, --verbose           keep iox-roudi logs, more detail\n" TOOLS_STD_USAGE,
	      f);
}

static const char *bench_opt_transport(void *dst, const char *arg)
{
	for (size_t i = 0; i < BENCH_NTRANSPORTS; i++) {
		if (strcmp(bench_transports[i]->name, arg) == 0 ||
		    (bench_transports[i] == &bench_transport_iox && strcmp(arg, "iox") == 0)) {
			*(const struct bench_transport **)dst = bench_transports[i];
			return NULL;
		}
	}
	return "expected mdbus, uds, zmq or iceoryx";
}

struct bench_plan {
	struct bench_cfg cfg;
	const struct bench_transport *t;
	const char *plot;
	int json, compare, sweep;
	unsigned repeat, nrates;
	uint64_t rates[8], consumers, repeats; /* the last two as read, then in cfg, repeat */
};

static const char *bench_opt_rates(void *dst, const char *arg)
{
	struct bench_plan *pl = dst;
	if (bench_parse_list(arg, 0, 1000000000, pl->rates, 8, &pl->nrates) < 0)
		return "expected up to 8 rates like 10k,100k,1M";
	return NULL;
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
	FILE *plot = pl->plot ? fopen(pl->plot, "a") : NULL;
	if (pl->plot &&
	    !plot) { /* say so now, not after the runs (gnuplot would write to stdout) */
		tools_error("mdbus-bench", "--plot %s: %s", pl->plot, strerror(errno));
		return 1;
	}
	if (plot)
		fclose(plot);
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
			tools_error("mdbus-bench", "%s: %s", t[i]->name, strerror(-rc));
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
		tools_error("mdbus-bench", "--plot: %s", err);
		failed = 1;
	} else if (pl->plot && !pl->json) {
		printf("plot: %s\n", pl->plot);
	}
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		bench_result_free(&res[i]);
	return failed;
}

int main(int argc, char **argv)
{
	struct bench_plan pl = {
		.cfg = {.duration_ns = 5000000000LL, .rate = 1000000, .slots = 65536, .stalls = 1},
		.t = &bench_transport_mdbus,
		.rates = {10000, 100000, 1000000},
		.nrates = 3,
		.consumers = 1,
		.repeats = 1,
	};
	const char *cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "feed") == 0)
		return bench_feed_main(argc - 1, argv + 1);
	if (strcmp(cmd, "noise") == 0)
		return bench_noise_main(argc - 1, argv + 1);
	if (strcmp(cmd, "e2e") == 0)
		return bench_e2e_main(argc - 1, argv + 1);
	if (strcmp(cmd, "python") == 0)
		return bench_python_main(argc - 1, argv + 1);
	if (strcmp(cmd, "scale") == 0)
		return bench_scale_main(argc - 1, argv + 1);
	if (strcmp(cmd, "throughput") == 0 || strcmp(cmd, "--throughput") == 0)
		return bench_thru_main(argc - 1, argv + 1);
	const struct tools_opt opts[] = {
		BENCH_FN("transport", 't', &pl.t, bench_opt_transport),
		BENCH_NUM("consumers", 0, COUNT, &pl.consumers, 1, BENCH_MAX_CONSUMERS,
			  "expected 1..64"),
		BENCH_NUM("duration", 'd', DURATION, &pl.cfg.duration_ns, 1000000, 3600000000000LL,
			  "expected e.g. 5, 2s, 500ms (>= 1ms, <= 1h)"),
		BENCH_NUM("rate", 'r', COUNT, &pl.cfg.rate, 0, 1000000000,
			  "expected ticks/s like 100000, 250k, 1M (0 = flat out)"),
		BENCH_FLAG("wait", 'w', &pl.cfg.wait, 1),
		BENCH_FN("cpus", 0, &pl.cfg, bench_opt_cpus),
		BENCH_FN("slots", 's', &pl.cfg.slots, bench_opt_pow2),
		BENCH_FLAG("compare", 0, &pl.compare, 1),
		BENCH_NUM("repeat", 0, COUNT, &pl.repeats, 1, 50, "expected 1..50"),
		BENCH_FLAG("sweep", 0, &pl.sweep, 1),
		BENCH_FN("sweep-rates", 0, &pl, bench_opt_rates),
		BENCH_FLAG("json", 'j', &pl.json, 1),
		BENCH_NUM("plot", 'p', STR, &pl.plot, 0, 0, NULL),
		BENCH_FLAG("no-stalls", 0, &pl.cfg.stalls, 0),
		BENCH_FLAG("verbose", 'v', &pl.cfg.verbose, 1),
		BENCH_HELP,
	};
	int rc = bench_opts("mdbus-bench", bench_lat_usage, opts, sizeof(opts) / sizeof(opts[0]),
			    argc, argv);
	pl.cfg.consumers = (unsigned)pl.consumers;
	pl.repeat = (unsigned)pl.repeats;
	return rc >= 0 ? rc : bench_execute(&pl);
}
