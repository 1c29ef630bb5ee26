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

#include "opt.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

/* The recorders, rounded up to a cache line: the traces follow. */
static size_t bench_stalls_head(const struct bench_cfg *cfg)
{
	return ((cfg->consumers + 1) * sizeof(struct bench_noise_cpu) + 63) & ~(size_t)63;
}

size_t bench_stalls_len(const struct bench_run *run, struct bench_floor *fl)
{
	const struct bench_cfg *cfg = run->cfg;
	memset(fl, 0, sizeof(*fl));
	bench_hist_reset(&fl->hist);
	if (!cfg->stalls)
		snprintf(fl->why, sizeof(fl->why), "not traced (--no-stalls)");
	else if (strcmp(run->t->name, "mdbus") != 0)
		snprintf(fl->why, sizeof(fl->why),
			 "not traced: only mdbus polls cheaply enough to tell a stall from a poll");
	else if (cfg->wait || cfg->rate == 0)
		snprintf(fl->why, sizeof(fl->why), "not traced: %s",
			 cfg->wait ? "a blocked consumer's gaps are sleeps, not stalls"
				   : "flat out has no schedule to replay");
	else
		return bench_stalls_head(cfg) +
		       (cfg->consumers + 1) * BENCH_NOISE_MAX_STALLS * sizeof(struct bench_stall);
	return 0;
}

void bench_stalls_place(struct bench_run *run)
{
	size_t head = bench_stalls_head(run->cfg);
	size_t trace = BENCH_NOISE_MAX_STALLS * sizeof(struct bench_stall);
	/* the recorders follow the control block; each child touches only its own trace */
	char *base = (char *)(run->ctl + 1);
	struct bench_noise_cpu *rec = (struct bench_noise_cpu *)base;
	for (unsigned i = 0; i <= run->cfg->consumers; i++) {
		rec[i].cpu = bench_cpu_for(run->cfg, (int)i - 1);
		rec[i].trace = (struct bench_stall *)(base + head + i * trace);
	}
	run->ctl->stall_pub = &rec[0];
	run->ctl->stall_sub = &rec[1];
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
	const struct bench_ctl *ctl = run->ctl;
	if (!ctl->stall_pub)
		return;
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

/* ---- mdbus-bench noise ---------------------------------------------------- */

static const char bench_noise_synopsis[] =
	"usage: mdbus-bench noise [options]   how often this machine takes a CPU away\n"
	"A stall is a gap of more than 200 ns between two clock reads of a spinning, pinned "
	"process.\n";

static int bench_noise_cpus(const char *arg, void *dst)
{
	struct bench_cfg *cfg = dst;
	return bench_parse_cpus(arg, cfg->cpus, BENCH_NOISE_MAX_CPUS, &cfg->ncpus);
}

/* One probed CPU: its stalls and a zero-cost consumer alone on it (its
 * publisher never away), the floor if its stalls hit no other CPU. */
static void bench_noise_row(struct bench_json *j, const struct bench_noise_cpu *c,
			    const struct bench_noise_cpu *ref, uint64_t rate)
{
	struct bench_hist h;
	double span = (double)(c->end_ns - c->start_ns) / 1e9;
	double shared = c != ref && ref->ok ? bench_noise_shared_pct(c, ref) : 0.0;
	char a[24], b[24], d[24], e[24], g[24], sh[16] = "-";
	bench_hist_reset(&h);
	bench_noise_floor(NULL, c, rate, &h);
	if (j) {
		bench_j(j, "seconds:f3 away_pct:f4 stalls:u truncated:b longest_ns:i", span,
			bench_noise_away_pct(c), c->stalls, c->kept < c->stalls, c->longest_ns);
		if (c != ref)
			bench_j(j, "shared_pct:f2", shared);
		else
			bench_j(j, "shared_pct:s", NULL);
		bench_j_hist(j, "stall_ns", &c->len);
		bench_j_hist(j, "alone_latency_ns", &h);
		return;
	}
	bench_fmt_ns(bench_hist_percentile(&c->len, 50), a, sizeof(a));
	bench_fmt_ns(bench_hist_percentile(&c->len, 99), b, sizeof(b));
	bench_fmt_ns((uint64_t)c->longest_ns, d, sizeof(d));
	bench_fmt_ns(bench_hist_percentile(&h, 99), e, sizeof(e));
	bench_fmt_ns(bench_hist_percentile(&h, 99.9), g, sizeof(g));
	if (c != ref)
		snprintf(sh, sizeof(sh), "%.0f%%", shared);
	printf("  %-4d %7.2f %6.2f%% %9.0f %9s %9s %9s %7s %10s %10s%s\n", c->cpu, span,
	       bench_noise_away_pct(c), span > 0 ? (double)c->stalls / span : 0.0, a, b, d, sh, e,
	       g, c->kept < c->stalls ? " (truncated)" : "");
}

static void bench_noise_print(const struct bench_sysinfo *si, const struct bench_noise *nz,
			      uint64_t rate, int json)
{
	struct bench_json j = {.f = stdout};
	if (json) {
		bench_j_open(&j, NULL, '{');
		bench_j(&j, "tool:s mode:s cpu_model:s stall_min_ns:d rate:u", "mdbus-bench",
			"noise", si->cpu_model, BENCH_NOISE_MIN_NS, rate);
		bench_j_machine(&j, si);
		bench_j_open(&j, "cpus", '[');
	} else {
		bench_report_machine(stdout, si);
		printf("probe:   one spinning process pinned on each CPU, all at once; a stall is "
		       "a "
		       "gap > %d ns between two clock reads (%.1f ns per clock read)\n\n",
		       BENCH_NOISE_MIN_NS, si->clock_cost_ns);
		printf("  %-4s %7s %7s %9s %9s %9s %9s %7s %10s %10s\n", "cpu", "seconds", "away",
		       "stalls/s", "p50", "p99", "longest", "shared", "alone p99", "alone p99.9");
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
	       nz->cpu[0].cpu, (unsigned long long)rate);
}

int bench_noise_main(int argc, char **argv)
{
	struct bench_cfg cfg = {.duration_ns = 5000000000LL, .rate = 1000000};
	int json = 0, rc;
	const struct bench_opt opts[] = {
		BENCH_OPT_FUN("cpus", 'c', &cfg, "a list of CPUs we may run on like 0,1",
			      bench_noise_cpus, "LIST\tCPUs to probe, all at once (default: all)"),
		BENCH_OPT_N("duration", 'd', BENCH_OPT_DUR, &cfg.duration_ns, 1000000,
			    60000000000LL, "1ms..60s", "D\tprobe length (default 5s)"),
		BENCH_OPT_N("rate", 'r', BENCH_OPT_U64, &cfg.rate, 1, 1000000000,
			    "ticks/s > 0 like 100k or 1M",
			    "R\tticks/s of the zero-cost consumer replayed (default 1M)"),
		BENCH_OPT_F("json", 'j', BENCH_OPT_SET, &json, "JSON on stdout"),
		BENCH_OPT_END,
	};
	if ((rc = bench_opt_parse("mdbus-bench noise", bench_noise_synopsis, opts, argc, argv)))
		return rc > 0 ? 0 : 2;
	cpu_set_t set;
	if (cfg.ncpus == 0 && sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int k = 0; k < CPU_SETSIZE && cfg.ncpus < BENCH_NOISE_MAX_CPUS; k++)
			if (CPU_ISSET(k, &set))
				cfg.cpus[cfg.ncpus++] = k;
	struct bench_sysinfo si;
	struct bench_noise nz;
	bench_sysinfo_get(&si);
	if ((rc = bench_noise_probe(cfg.cpus, (unsigned)cfg.ncpus, cfg.duration_ns, &nz)) < 0) {
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
