/* SPDX-License-Identifier: MIT */
/*
 * mdbus-bench: fan-out latency of the mdbus ring against Unix-domain
 * sockets, ZeroMQ and iceoryx, and (`mdbus-bench feed`) feedd's cost per
 * venue message. See docs/PERFORMANCE.md for the method and results.
 */
#include "bench.h"
#include "feed.h"
#include "report.h"
#include "sysinfo.h"
#include "thru.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct bench_transport *const bench_transports[] = {
	&bench_transport_mdbus,
	&bench_transport_uds,
	&bench_transport_zmq,
	&bench_transport_iox,
};
#define BENCH_NTRANSPORTS (sizeof(bench_transports) / sizeof(bench_transports[0]))

const struct bench_transport *bench_transport_find(const char *name)
{
	for (size_t i = 0; i < BENCH_NTRANSPORTS; i++)
		if (strcmp(bench_transports[i]->name, name) == 0)
			return bench_transports[i];
	if (strcmp(name, "iox") == 0)
		return &bench_transport_iox;
	return NULL;
}

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: mdbus-bench [options]            fan-out latency, one publisher -> N "
		"consumers\n"
		"       mdbus-bench feed [options]       feedd cost per venue message (see "
		"feed --help)\n"
		"       mdbus-bench throughput [options] publish and single-reader ticks/s (see "
		"throughput --help)\n"
		"       mdbus-bench noise [options]      how often the machine takes a CPU away "
		"(see noise --help)\n"
		"options:\n"
		"  -t, --transport T   mdbus (default), uds, zmq, iceoryx\n"
		"  -n, --consumers N   consumer processes, 1..%d (default 1)\n"
		"  -d, --duration D    measured time per run: 5, 2s, 500ms (default 5s)\n"
		"  -r, --rate R        ticks/s on an absolute schedule, 0 = flat out; k/M "
		"suffixes (default 1M)\n"
		"  -w, --wait          consumers block (mdbus_reader_wait...) instead of spinning\n"
		"  -c, --cpus LIST     pin: first CPU = publisher, the rest round robin to "
		"consumers "
		"(e.g. 0,1 or 0-3)\n"
		"  -s, --slots N       mdbus ring slots, power of two (default 65536)\n"
		"      --compare       run every transport back to back, print ratios vs mdbus\n"
		"      --repeat N      run each configuration N times (interleaved with "
		"--compare);\n"
		"                      the comparison uses medians (default 1)\n"
		"      --sweep         consumers 1,2,4.. up to the cores (+2 oversubscribed) x "
		"rates\n"
		"      --sweep-rates L rates for --sweep (default 10k,100k,1M)\n"
		"  -j, --json          JSON on stdout instead of tables\n"
		"  -p, --plot FILE.png latency percentile curves (gnuplot)\n"
		"      --no-stalls     do not trace stalls; by default an mdbus run whose "
		"consumers\n"
		"                      spin notes when each process was away (one more clock "
		"read\n"
		"                      per empty poll) and replays the run through a zero-cost\n"
		"                      transport: the floor row, which no transport can beat\n"
		"  -v, --verbose       keep iox-roudi logs, more detail\n"
		"  -h, --help\n"
		"Latency = CLOCK_MONOTONIC at read - CLOCK_MONOTONIC stamped in the tick right "
		"before publish.\n",
		BENCH_MAX_CONSUMERS);
}

static int bench_parse_rates(const char *s, uint64_t *rates, size_t cap, size_t *n)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n >= cap)
			return -E2BIG;
		int rc = bench_parse_u64(tok, 1000000000ull, &rates[*n]);
		if (rc < 0)
			return rc;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

enum { OPT_COMPARE = 256, OPT_SWEEP, OPT_SWEEP_RATES, OPT_REPEAT, OPT_NO_STALLS };

int main(int argc, char **argv)
{
	struct bench_cfg cfg = {
		.consumers = 1,
		.duration_ns = 5000000000LL,
		.rate = 1000000,
		.slots = 65536,
		.stalls = 1,
	};
	const char *transport = "mdbus", *plot = NULL;
	int json = 0, compare = 0, sweep = 0, rc;
	unsigned repeat = 1;
	uint64_t rates[8] = {10000, 100000, 1000000};
	size_t nrates = 3;

	if (argc > 1 && strcmp(argv[1], "feed") == 0)
		return bench_feed_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "noise") == 0)
		return bench_noise_main(argc - 1, argv + 1);
	if (argc > 1 &&
	    (strcmp(argv[1], "throughput") == 0 || strcmp(argv[1], "--throughput") == 0))
		return bench_thru_main(argc - 1, argv + 1);

	static const struct option opts[] = {
		{"transport", required_argument, NULL, 't'},
		{"consumers", required_argument, NULL, 'n'},
		{"duration", required_argument, NULL, 'd'},
		{"rate", required_argument, NULL, 'r'},
		{"wait", no_argument, NULL, 'w'},
		{"cpus", required_argument, NULL, 'c'},
		{"slots", required_argument, NULL, 's'},
		{"compare", no_argument, NULL, OPT_COMPARE},
		{"sweep", no_argument, NULL, OPT_SWEEP},
		{"sweep-rates", required_argument, NULL, OPT_SWEEP_RATES},
		{"repeat", required_argument, NULL, OPT_REPEAT},
		{"no-stalls", no_argument, NULL, OPT_NO_STALLS},
		{"json", no_argument, NULL, 'j'},
		{"plot", required_argument, NULL, 'p'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	uint64_t v;
	while ((c = getopt_long(argc, argv, "t:n:d:r:wc:s:jp:vh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!bench_transport_find(optarg)) {
				fprintf(stderr,
					"mdbus-bench: --transport: unknown '%s' (mdbus, uds, zmq, "
					"iceoryx)\n",
					optarg);
				return 2;
			}
			transport = optarg;
			break;
		case 'n':
			if (bench_parse_u64(optarg, BENCH_MAX_CONSUMERS, &v) < 0 || v == 0) {
				fprintf(stderr, "mdbus-bench: --consumers: want 1..%d, got '%s'\n",
					BENCH_MAX_CONSUMERS, optarg);
				return 2;
			}
			cfg.consumers = (unsigned)v;
			break;
		case 'd':
			if (bench_parse_duration(optarg, &cfg.duration_ns) < 0 ||
			    cfg.duration_ns < 1000000) {
				fprintf(stderr,
					"mdbus-bench: --duration: want e.g. 5, 2s, 500ms (>= 1ms, "
					"<= "
					"1h), got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			if (bench_parse_u64(optarg, 1000000000ull, &cfg.rate) < 0) {
				fprintf(stderr,
					"mdbus-bench: --rate: want ticks/s like 100000, 250k, 1M "
					"(0 = "
					"flat out), got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'w':
			cfg.wait = 1;
			break;
		case 'c':
			if ((rc = bench_parse_cpus(optarg, &cfg)) < 0) {
				fprintf(stderr,
					"mdbus-bench: --cpus: %s in '%s' (want e.g. 0,1 or 0-3)\n",
					rc == -ENODEV ? "a CPU we may not run on" : "bad list",
					optarg);
				return 2;
			}
			break;
		case 's':
			if (bench_parse_u64(optarg, 1u << 30, &v) < 0 || v < 64 || (v & (v - 1))) {
				fprintf(stderr,
					"mdbus-bench: --slots: want a power of two >= 64, got "
					"'%s'\n",
					optarg);
				return 2;
			}
			cfg.slots = (uint32_t)v;
			break;
		case OPT_COMPARE:
			compare = 1;
			break;
		case OPT_SWEEP:
			sweep = 1;
			break;
		case OPT_REPEAT:
			if (bench_parse_u64(optarg, 50, &v) < 0 || v == 0) {
				fprintf(stderr, "mdbus-bench: --repeat: want 1..50, got '%s'\n",
					optarg);
				return 2;
			}
			repeat = (unsigned)v;
			break;
		case OPT_NO_STALLS:
			cfg.stalls = 0;
			break;
		case OPT_SWEEP_RATES:
			if (bench_parse_rates(optarg, rates, 8, &nrates) < 0) {
				fprintf(stderr,
					"mdbus-bench: --sweep-rates: want e.g. 10k,100k,1M, got "
					"'%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'p':
			plot = optarg;
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			bench_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mdbus-bench: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	struct bench_sysinfo si;
	bench_sysinfo_get(&si);

	/* The list of runs. */
	struct bench_cfg runs_cfg[256];
	const struct bench_transport *runs_t[256];
	size_t nruns = 0;
	if (sweep) {
		unsigned counts[16], nc = 0;
		int cores = si.allowed > 0 ? si.allowed : si.cores;
		for (unsigned k = 1; k <= BENCH_MAX_CONSUMERS && nc < 16; k *= 2) {
			counts[nc++] = k;
			if ((int)k >= cores)
				break;
		}
		/* a couple above the cores, flagged oversubscribed in the table */
		for (int extra = 0; extra < 2 && nc < 16; extra++) {
			unsigned k = counts[nc - 1] * 2;
			if (k > BENCH_MAX_CONSUMERS)
				break;
			counts[nc++] = k;
		}
		size_t nt = compare ? BENCH_NTRANSPORTS : 1;
		for (size_t ti = 0; ti < nt; ti++)
			for (size_t ri = 0; ri < nrates; ri++)
				for (unsigned ci = 0; ci < nc && nruns < 256; ci++) {
					runs_cfg[nruns] = cfg;
					runs_cfg[nruns].consumers = counts[ci];
					runs_cfg[nruns].rate = rates[ri];
					runs_t[nruns++] = compare ? bench_transports[ti]
								  : bench_transport_find(transport);
				}
	} else if (compare) {
		/* interleaved, so slow drifts of the machine's load hit every
		 * transport alike */
		for (unsigned k = 0; k < repeat; k++)
			for (size_t ti = 0; ti < BENCH_NTRANSPORTS; ti++) {
				runs_cfg[nruns] = cfg;
				runs_t[nruns++] = bench_transports[ti];
			}
	} else {
		for (unsigned k = 0; k < repeat; k++) {
			runs_cfg[nruns] = cfg;
			runs_t[nruns++] = bench_transport_find(transport);
		}
	}

	struct bench_result *res = calloc(nruns, sizeof(*res));
	if (!res) {
		fprintf(stderr, "mdbus-bench: out of memory\n");
		return 1;
	}
	if (!json)
		bench_report_header(stdout, &si, &cfg);
	int failed = 0;
	for (size_t i = 0; i < nruns; i++) {
		if (!json && nruns > 1)
			fprintf(stderr, "mdbus-bench: run %zu/%zu: %s, %u consumer(s), rate %llu\n",
				i + 1, nruns, runs_t[i]->name, runs_cfg[i].consumers,
				(unsigned long long)runs_cfg[i].rate);
		rc = bench_run_one(&runs_cfg[i], runs_t[i], (unsigned)i, &res[i]);
		if (rc < 0) {
			fprintf(stderr, "mdbus-bench: %s: %s\n", runs_t[i]->name, strerror(-rc));
			failed = 1;
			continue;
		}
		if (res[i].failed)
			failed = 1;
		if (!json && !sweep) {
			bench_report_run(stdout, &res[i]);
			fflush(stdout); /* keep the order with the progress lines on stderr */
		}
	}
	const char *mode = sweep ? "sweep" : compare ? "compare" : "run";
	if (json) {
		bench_report_json(stdout, &si, mode, res, nruns);
	} else {
		if (sweep)
			bench_report_sweep(stdout, res, nruns);
		else if (compare || repeat > 1)
			bench_report_compare(stdout, res, nruns);
	}
	if (plot) {
		char err[256];
		if (bench_report_plot(plot, &si, res, nruns, err, sizeof(err)) < 0) {
			fprintf(stderr, "mdbus-bench: --plot: %s\n", err);
			failed = 1;
		} else if (!json) {
			printf("plot: %s\n", plot);
		}
	}
	fflush(stdout);
	for (size_t i = 0; i < nruns; i++)
		bench_result_free(&res[i]);
	free(res);
	return failed ? 1 : 0;
}
