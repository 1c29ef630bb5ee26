/* SPDX-License-Identifier: MIT */
/*
 * floor.c: `mdbus-bench noise`, the stall probe on its own (noise.h): how
 * often this machine takes each CPU away, and what a zero-cost transport
 * would measure over those stalls.
 */
#include "bench.h"
#include "noise.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* The figures of one probed CPU: its stalls, and a zero-cost consumer alone
 * on it (its publisher never away). */
enum { NZ_SEC, NZ_AWAY, NZ_RATE, NZ_N, NZ_P50, NZ_P99, NZ_LONG, NZ_SHARED, NZ_A99, NZ_A999, NZ_NF };
static const struct bench_col bench_noise_cols[] = {
	{"seconds", NULL, NZ_SEC, 'f', 7, 2},
	{NULL, "seconds", NZ_SEC, 'f', 0, 3},
	{"away", NULL, NZ_AWAY, '%', 7, 2},
	{NULL, "away_pct", NZ_AWAY, 'f', 0, 4},
	{"stalls/s", NULL, NZ_RATE, 'f', 9, 0},
	{NULL, "stalls", NZ_N, 'f', 0, 0},
	{"p50", NULL, NZ_P50, 'n', 9, 0},
	{"p99", NULL, NZ_P99, 'n', 9, 0},
	{"longest", NULL, NZ_LONG, 'n', 9, 0},
	{"shared", NULL, NZ_SHARED, '%', 7, 0},
	{"alone p99", NULL, NZ_A99, 'n', 10, 0},
	{"alone p99.9", NULL, NZ_A999, 'n', 10, 0},
	BENCH_COL_END,
};

static void bench_noise_row(struct bench_json *j, const struct bench_noise_cpu *c,
			    const struct bench_noise_cpu *ref, uint64_t rate)
{
	struct bench_hist h;
	double v[NZ_NF], span = (double)(c->end_ns - c->start_ns) / 1e9;
	bench_hist_reset(&h);
	bench_noise_floor(NULL, c, rate, &h);
	v[NZ_SEC] = span;
	v[NZ_AWAY] = bench_noise_away_pct(c);
	v[NZ_RATE] = span > 0 ? (double)c->stalls / span : 0.0;
	v[NZ_N] = (double)c->stalls;
	v[NZ_P50] = (double)bench_hist_percentile(&c->len, 50);
	v[NZ_P99] = (double)bench_hist_percentile(&c->len, 99);
	v[NZ_LONG] = (double)c->longest_ns;
	v[NZ_SHARED] = c == ref ? NAN : ref->ok ? bench_noise_shared_pct(c, ref) : 0.0; /* "-" */
	v[NZ_A99] = (double)bench_hist_percentile(&h, 99);
	v[NZ_A999] = (double)bench_hist_percentile(&h, 99.9);
	if (!j) {
		printf("  %-4d", c->cpu);
		bench_cols(stdout, bench_noise_cols, v, NULL);
		printf("%s\n", c->kept < c->stalls ? " (truncated)" : "");
		return;
	}
	bench_cols_json(j, bench_noise_cols, v, NULL);
	bench_j(j, "truncated:b longest_ns:i", c->kept < c->stalls, c->longest_ns);
	if (c == ref)
		bench_j(j, "shared_pct:s", NULL);
	else
		bench_j(j, "shared_pct:f2", v[NZ_SHARED]);
	bench_j_hist(j, "stall_ns", &c->len);
	bench_j_hist(j, "alone_latency_ns", &h);
}

static void bench_noise_print(const struct bench_sysinfo *si, const struct bench_noise *nz,
			      uint64_t rate, int json)
{
	struct bench_json j = {.f = stdout};
	if (json) {
		bench_j_doc(&j, si, "noise");
		bench_j(&j, "cpu_model:s stall_min_ns:d rate:u", si->cpu_model, BENCH_NOISE_MIN_NS,
			rate);
		bench_j_open(&j, "cpus", '[');
	} else {
		bench_report_machine(stdout, si);
		printf("probe:   one spinning process pinned on each CPU, all at once; a stall is "
		       "a gap > %d ns between two clock reads (%.1f ns per clock read)\n\n  %-4s",
		       BENCH_NOISE_MIN_NS, si->clock_cost_ns, "cpu");
		bench_cols(stdout, bench_noise_cols, NULL, NULL);
		printf("\n");
	}
	for (unsigned i = 0; i < nz->n; i++) {
		const struct bench_noise_cpu *c = &nz->cpu[i];
		if (json) {
			bench_j_open(&j, NULL, '{');
			bench_j(&j, "cpu:d ok:b", c->cpu, c->ok);
		} else if (!c->ok) {
			printf("  %-4d failed: %s\n", c->cpu, c->err);
		}
		if (c->ok)
			bench_noise_row(json ? &j : NULL, c, &nz->cpu[0], rate);
		if (json)
			bench_j_close(&j);
	}
	if (json) {
		bench_j_close(&j);
		bench_j_close(&j);
	} else {
		printf("\n  shared: of the CPU's stall time, cpu %d was away too; alone: a "
		       "zero-cost consumer at %llu ticks/s, its publisher never away\n",
		       nz->cpu[0].cpu, (unsigned long long)rate);
	}
}

static void bench_noise_usage(FILE *f)
{
	fputs("usage: mdbus-bench noise [options]   how often this machine takes a CPU away\n"
	      "options:\n"
	      "      --cpus LIST         CPUs to probe, all at once (default: all; formerly -c)\n"
	      "  -d, --duration D        probe length (default 5s)\n"
	      "  -r, --rate R            ticks/s of the zero-cost consumer replayed (default 1M)\n"
	      "  -j, --json              JSON on stdout\n" TOOLS_STD_USAGE,
	      f);
}

_Static_assert(BENCH_NOISE_MAX_CPUS == BENCH_MAX_CONSUMERS + 1, "--cpus fills bench_cfg.cpus");

int bench_noise_main(int argc, char **argv)
{
	struct bench_cfg cfg = {.duration_ns = 5000000000LL, .rate = 1000000};
	struct bench_sysinfo si;
	struct bench_noise nz;
	int json = 0, failed = 0, rc;
	const struct tools_opt opts[] = {
		BENCH_FN("cpus", 0, &cfg, bench_opt_cpus),
		BENCH_NUM("duration", 'd', DURATION, &cfg.duration_ns, 1000000, 60000000000LL,
			  "expected 1ms..60s"),
		BENCH_NUM("rate", 'r', COUNT, &cfg.rate, 1, 1000000000,
			  "expected ticks/s > 0 like 100k or 1M"),
		BENCH_FLAG("json", 'j', &json, 1),
		BENCH_HELP,
	};
	if ((rc = bench_opts("mdbus-bench noise", bench_noise_usage, opts,
			     sizeof(opts) / sizeof(opts[0]), argc, argv)) >= 0)
		return rc;
	if (cfg.ncpus == 0)
		cfg.ncpus = bench_usable_cpus(cfg.cpus, BENCH_NOISE_MAX_CPUS);
	bench_sysinfo_get(&si);
	if ((rc = bench_noise_probe(cfg.cpus, (unsigned)cfg.ncpus, cfg.duration_ns, &nz)) < 0) {
		tools_error("mdbus-bench noise", "probe: %s", strerror(-rc));
		return 1;
	}
	bench_noise_print(&si, &nz, cfg.rate, json);
	for (unsigned i = 0; i < nz.n; i++)
		failed |= !nz.cpu[i].ok;
	bench_noise_free(&nz);
	return failed;
}
