/* SPDX-License-Identifier: MIT */
/*
 * floor.c: the latency floor of a benchmark run (on unless --no-stalls), and
 * `mdbus-bench noise`, the stall probe on its own.
 *
 * A spinning consumer cannot read a tick while its CPU runs something else,
 * and on a VM that something is often the hypervisor, which the guest's
 * scheduler never sees. Unless --no-stalls, the publisher and every consumer
 * of a run note each gap between two of their own clock reads longer than
 * BENCH_STALL_MIN_NS; the parent then replays the run's schedule through a
 * transport that costs nothing, over those very stalls. Its percentiles are
 * the floor: what any transport would have measured in that run, on those
 * CPUs, at best. Only the mdbus transport is traced: its polls cost about
 * 10 ns, while a socket or ZeroMQ poll is a syscall of about a microsecond
 * that no threshold can tell from a stall.
 */
#include "bench.h"
#include "noise.h"
#include "report.h"
#include "sysinfo.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int bench_stalls_map(struct bench_run *run, struct bench_floor *fl)
{
	const struct bench_cfg *cfg = run->cfg;
	memset(fl, 0, sizeof(*fl));
	bench_hist_reset(&fl->hist);
	if (!cfg->stalls) {
		snprintf(fl->why, sizeof(fl->why), "not traced (--no-stalls)");
		return 0;
	}
	if (strcmp(run->t->name, "mdbus") != 0) {
		snprintf(fl->why, sizeof(fl->why),
			 "not traced: only mdbus polls cheaply enough to tell a stall from a "
			 "poll");
		return 0;
	}
	if (cfg->wait || cfg->rate == 0) {
		snprintf(fl->why, sizeof(fl->why), "not traced: %s",
			 cfg->wait ? "a blocked consumer's gaps are sleeps, not stalls"
				   : "flat out has no schedule to replay");
		return 0;
	}
	size_t n = cfg->consumers + 1;
	size_t head = (n * sizeof(struct bench_noise_cpu) + 63) & ~(size_t)63;
	size_t trace = BENCH_NOISE_MAX_STALLS * sizeof(struct bench_stall);
	size_t len = head + n * trace;
	/* MAP_NORESERVE: each child touches only its own trace */
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		int rc = -errno;
		snprintf(fl->why, sizeof(fl->why), "not traced: mmap: %s", strerror(-rc));
		return rc;
	}
	struct bench_noise_cpu *rec = map;
	for (size_t i = 0; i < n; i++) {
		rec[i].cpu = bench_cpu_for(cfg, (int)i - 1);
		rec[i].trace = (struct bench_stall *)((char *)map + head + i * trace);
	}
	run->stall_map = map;
	run->stall_len = len;
	run->ctl->stall_pub = &rec[0];
	run->ctl->stall_sub = &rec[1];
	return 0;
}

static void bench_floor_role(const struct bench_noise_cpu *c, struct bench_floor_cpu *out)
{
	double span = (double)(c->end_ns - c->start_ns) / 1e9;
	out->cpu = c->cpu;
	out->truncated = c->kept < c->stalls;
	out->away_pct = bench_noise_away_pct(c);
	out->stalls_per_s = span > 0 ? (double)c->stalls / span : 0.0;
	out->longest_ns = c->longest_ns;
}

void bench_stalls_floor(const struct bench_run *run, struct bench_floor *fl)
{
	if (!run->stall_map)
		return;
	const struct bench_ctl *ctl = run->ctl;
	unsigned n = run->cfg->consumers;
	if (!ctl->stall_pub->ok) {
		snprintf(fl->why, sizeof(fl->why), "not traced: the publisher did not finish");
		return;
	}
	for (unsigned i = 0; i < n; i++)
		if (!ctl->stall_sub[i].ok) {
			snprintf(fl->why, sizeof(fl->why), "not traced: consumer %u did not finish",
				 i);
			return;
		}
	bench_floor_role(ctl->stall_pub, &fl->role[0]);
	for (unsigned i = 0; i < n; i++) {
		bench_floor_role(&ctl->stall_sub[i], &fl->role[1 + i]);
		bench_noise_floor(ctl->stall_pub, &ctl->stall_sub[i], run->cfg->rate, &fl->hist);
	}
	fl->nrole = n + 1;
	fl->ok = 1;
}

void bench_stalls_unmap(struct bench_run *run)
{
	if (run->stall_map)
		munmap(run->stall_map, run->stall_len);
	run->stall_map = NULL;
	run->ctl->stall_pub = run->ctl->stall_sub = NULL;
}

/* ---- mdbus-bench noise ---------------------------------------------------- */

static void bench_noise_usage(FILE *f)
{
	fprintf(f,
		"usage: mdbus-bench noise [options]   how often this machine takes a CPU away\n"
		"  -c, --cpus LIST     CPUs to probe, all at once (default: every usable CPU)\n"
		"  -d, --duration D    probe length (default 5s)\n"
		"  -r, --rate R        ticks/s of the zero-cost consumer replayed over each CPU's "
		"stalls (default 1M)\n"
		"  -j, --json          JSON on stdout\n"
		"  -h, --help\n"
		"A stall is a gap of more than %d ns between two clock reads of a spinning, "
		"pinned process.\n",
		BENCH_NOISE_MIN_NS);
}

/* A zero-cost consumer alone on c's CPU (its publisher never away): the
 * floor if c's stalls hit no other CPU at the same time. */
static void bench_noise_alone(const struct bench_noise_cpu *c, uint64_t rate, struct bench_hist *h)
{
	bench_hist_reset(h);
	bench_noise_floor(NULL, c, rate, h);
}

static void bench_noise_print(const struct bench_sysinfo *si, const struct bench_noise *nz,
			      uint64_t rate, int json)
{
	const struct bench_noise_cpu *ref = &nz->cpu[0];
	struct bench_hist h;
	if (json) {
		printf("{\n  \"tool\": \"mdbus-bench\", \"mode\": \"noise\", \"cpu_model\": ");
		bench_json_str(stdout, si->cpu_model);
		printf(", \"stall_min_ns\": %d, \"rate\": %llu,\n  \"cpus\": [", BENCH_NOISE_MIN_NS,
		       (unsigned long long)rate);
	} else {
		printf("machine: %d cores online (%d usable), %s\n", si->cores, si->allowed,
		       si->cpu_model);
		printf("kernel:  %s; clocksource %s; %.1f ns per clock read\n", si->kernel,
		       si->clocksource, si->clock_cost_ns);
		printf("probe:   one spinning process pinned on each CPU, all at once; a stall is "
		       "a "
		       "gap > %d ns between two clock reads\n\n",
		       BENCH_NOISE_MIN_NS);
		printf("  %-4s %7s %7s %9s %9s %9s %9s %7s %10s %10s\n", "cpu", "seconds", "away",
		       "stalls/s", "p50", "p99", "longest", "shared", "alone p99", "alone p99.9");
	}
	for (unsigned i = 0; i < nz->n; i++) {
		const struct bench_noise_cpu *c = &nz->cpu[i];
		double span = (double)(c->end_ns - c->start_ns) / 1e9;
		double shared = c != ref && ref->ok ? bench_noise_shared_pct(c, ref) : 0.0;
		if (!c->ok) {
			if (json)
				printf("%s\n    {\"cpu\": %d, \"ok\": false}", i ? "," : "",
				       c->cpu);
			else
				printf("  %-4d failed: %s\n", c->cpu, c->err);
			continue;
		}
		bench_noise_alone(c, rate, &h);
		if (json) {
			printf("%s\n    {\"cpu\": %d, \"ok\": true, \"seconds\": %.3f, "
			       "\"away_pct\": %.4f, \"stalls\": %llu, \"truncated\": %s, "
			       "\"longest_ns\": %lld, \"shared_pct\": ",
			       i ? "," : "", c->cpu, span, bench_noise_away_pct(c),
			       (unsigned long long)c->stalls,
			       c->kept < c->stalls ? "true" : "false", (long long)c->longest_ns);
			if (c != ref)
				printf("%.2f", shared);
			else
				printf("null");
			printf(",\n     \"stall_ns\": ");
			bench_json_hist(stdout, &c->len);
			printf(",\n     \"alone_latency_ns\": ");
			bench_json_hist(stdout, &h);
			printf("}");
			continue;
		}
		char a[24], b[24], d[24], e[24], g[24], sh[16] = "-";
		bench_fmt_ns(bench_hist_percentile(&c->len, 50), a, sizeof(a));
		bench_fmt_ns(bench_hist_percentile(&c->len, 99), b, sizeof(b));
		bench_fmt_ns((uint64_t)c->longest_ns, d, sizeof(d));
		bench_fmt_ns(bench_hist_percentile(&h, 99), e, sizeof(e));
		bench_fmt_ns(bench_hist_percentile(&h, 99.9), g, sizeof(g));
		if (c != ref)
			snprintf(sh, sizeof(sh), "%.0f%%", shared);
		printf("  %-4d %7.2f %6.2f%% %9.0f %9s %9s %9s %7s %10s %10s%s\n", c->cpu, span,
		       bench_noise_away_pct(c), span > 0 ? (double)c->stalls / span : 0.0, a, b, d,
		       sh, e, g, c->kept < c->stalls ? " (truncated)" : "");
	}
	if (json) {
		printf("\n  ]\n}\n");
		return;
	}
	printf("\n  away:   share of the probe the CPU ran something else; p50/p99/longest: "
	       "stall lengths\n"
	       "  shared: share of the CPU's stall time during which cpu %d was away too (a "
	       "whole-VM pause)\n"
	       "  alone:  latency of a zero-cost consumer on the CPU at %llu ticks/s if its "
	       "publisher were never away;\n"
	       "          shared stalls cost less in a real run. The floor of a real run: "
	       "the floor row of mdbus-bench\n",
	       ref->cpu, (unsigned long long)rate);
}

int bench_noise_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"cpus", required_argument, NULL, 'c'}, {"duration", required_argument, NULL, 'd'},
		{"rate", required_argument, NULL, 'r'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},	{NULL, 0, NULL, 0},
	};
	struct bench_cfg cfg = {.duration_ns = 5000000000LL, .rate = 1000000};
	int json = 0, c;
	while ((c = getopt_long(argc, argv, "c:d:r:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (bench_parse_cpus(optarg, &cfg) < 0) {
				fprintf(stderr,
					"mdbus-bench noise: --cpus: bad list or a CPU we "
					"may not run on: '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'd':
			if (bench_parse_duration(optarg, &cfg.duration_ns) < 0 ||
			    cfg.duration_ns < 1000000 || cfg.duration_ns > 60000000000LL) {
				fprintf(stderr,
					"mdbus-bench noise: --duration: want 1ms..60s, got "
					"'%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			if (bench_parse_u64(optarg, 1000000000ull, &cfg.rate) < 0 || !cfg.rate) {
				fprintf(stderr,
					"mdbus-bench noise: --rate: want ticks/s > 0 like "
					"100k or 1M, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			bench_noise_usage(stdout);
			return 0;
		default:
			bench_noise_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mdbus-bench noise: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (cfg.ncpus == 0) {
		cpu_set_t set;
		if (sched_getaffinity(0, sizeof(set), &set) < 0) {
			fprintf(stderr, "mdbus-bench noise: sched_getaffinity: %s\n",
				strerror(errno));
			return 1;
		}
		for (int k = 0; k < CPU_SETSIZE && cfg.ncpus < BENCH_NOISE_MAX_CPUS; k++)
			if (CPU_ISSET(k, &set))
				cfg.cpus[cfg.ncpus++] = k;
	}
	struct bench_sysinfo si;
	bench_sysinfo_get(&si);
	struct bench_noise nz;
	int rc = bench_noise_probe(cfg.cpus, (unsigned)cfg.ncpus, cfg.duration_ns, &nz);
	if (rc < 0) {
		fprintf(stderr, "mdbus-bench noise: probe: %s\n", strerror(-rc));
		return 1;
	}
	bench_noise_print(&si, &nz, cfg.rate, json);
	int failed = 0;
	for (unsigned i = 0; i < nz.n; i++)
		failed |= !nz.cpu[i].ok;
	bench_noise_free(&nz);
	return failed ? 1 : 0;
}
