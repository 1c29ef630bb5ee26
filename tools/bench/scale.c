/* SPDX-License-Identifier: MIT */
/*
 * scale.c: `mdbus-bench scale`, feedd with 1, 10, 100, 1,000 sessions on its
 * one thread against mdbus-sim: RSS, descriptors, CPU per tick, consumer
 * latency and loop iteration time at each size. The driver is
 * tools/bench/scale.py (simulators, config, feedd, /proc, a consumer): the
 * work is starting processes and reading /proc, so it is Python; this mode
 * checks the options and starts it against this build tree, so that every
 * benchmark of the project starts from mdbus-bench.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define SCALE_MAX_SIZES 8

static void bench_scale_usage(FILE *f)
{
	fputs("usage: mdbus-bench scale [options]   feedd with N sessions on one thread vs "
	      "mdbus-sim\n"
	      "      --sessions LIST   session counts, run one after another (default "
	      "1,10,100,1000; max 1024)\n"
	      "  -r, --rate R          ticks/s of all sessions together (default 10k)\n"
	      "  -d, --duration D      measured time per size: 10, 2s, 500ms (default 10s)\n"
	      "      --loop-trace D    then trace feedd's syscalls with perf for D: "
	      "iterations/s,\n"
	      "                        work per iteration (default 0 = off)\n"
	      "  -j, --json            one JSON document on stdout\n" TOOLS_STD_USAGE
	      "Runs tools/bench/scale.py with /usr/bin/python3 against this build tree.\n",
	      f);
}

static const char *bench_scale_opt_sessions(void *dst, const char *arg)
{
	uint64_t v[SCALE_MAX_SIZES];
	unsigned n;

	if (bench_parse_list(arg, 1, 1024, v, SCALE_MAX_SIZES, &n) < 0 || n == 0)
		return "expected up to 8 session counts 1..1024 like 1,10,100";
	*(const char **)dst = arg;
	return NULL;
}

int bench_scale_main(int argc, char **argv)
{
	const char *sessions = "1,10,100,1000";
	uint64_t rate = 10000;
	int64_t duration_ns = 10000000000LL, trace_ns = 0;
	int json = 0;
	const struct tools_opt opts[] = {
		BENCH_FN("sessions", 0, &sessions, bench_scale_opt_sessions),
		BENCH_NUM("rate", 'r', COUNT, &rate, 1, 10000000, "expected ticks/s like 10k"),
		BENCH_NUM("duration", 'd', DURATION, &duration_ns, 100000000, 3600000000000LL,
			  "expected e.g. 10, 2s, 500ms (>= 100ms, <= 1h)"),
		BENCH_NUM("loop-trace", 0, DURATION, &trace_ns, 0, 600000000000LL,
			  "expected e.g. 2s (<= 10m)"),
		BENCH_FLAG("json", 'j', &json, 1),
		BENCH_HELP,
	};
	int rc = bench_opts("mdbus-bench scale", bench_scale_usage, opts,
			    sizeof(opts) / sizeof(opts[0]), argc, argv);
	char srate[32], sdur[32], trace_s[32];

	if (rc >= 0)
		return rc;
	snprintf(srate, sizeof(srate), "%" PRIu64, rate);
	snprintf(sdur, sizeof(sdur), "%.3f", (double)duration_ns / 1e9);
	snprintf(trace_s, sizeof(trace_s), "%.3f", (double)trace_ns / 1e9);
	char *args[] = {BENCH_SCALE_PY,
			BENCH_SCALE_SCRIPT,
			"--build",
			BENCH_SCALE_BUILD,
			"--sessions",
			(char *)sessions,
			"--rate",
			srate,
			"--duration",
			sdur,
			"--loop-trace",
			trace_s,
			json ? "--json" : NULL,
			NULL};
	if (access(BENCH_SCALE_SCRIPT, R_OK) < 0) {
		tools_error("mdbus-bench",
			    "scale: %s: not found (the mode runs from the build tree)",
			    BENCH_SCALE_SCRIPT);
		return 1;
	}
	fflush(stdout);
	execv(BENCH_SCALE_PY, args);
	tools_error("mdbus-bench", "scale: %s: %s", BENCH_SCALE_PY, strerror(errno));
	return 1;
}
