/* SPDX-License-Identifier: MIT */
/*
 * floor.c: the latency floor of a benchmark run (on unless --no-stalls), and
 * `mdbus-bench noise`, the stall probe on its own (noise.h).
 *
 * A spinning consumer cannot read a tick while its CPU runs something else,
 * often the hypervisor, which the guest's scheduler never sees. The run's
 * publisher and consumers note each gap between two of their clock reads
 * longer than BENCH_STALL_MIN_NS; the parent replays the run's schedule
 * through a transport that costs nothing over those very stalls: what any
 * transport would have measured in that run at best. Only mdbus is traced:
 * its polls cost ~10 ns, while a socket or ZeroMQ poll is a syscall of about
 * a microsecond that no threshold can tell from a stall.
 */
#include "bench.h"
#include "noise.h"

#include <errno.h>
#include <string.h>

#define BENCH_TRACE_LEN (BENCH_NOISE_MAX_STALLS * sizeof(struct bench_stall))

/* The recorders, rounded up to a cache line: the traces follow. */
static size_t bench_stalls_head(const struct bench_cfg *cfg)
{
	return ((cfg->consumers + 1) * sizeof(struct bench_noise_cpu) + 63) & ~(size_t)63;
}

size_t bench_stalls_len(const struct bench_run *run, struct bench_floor *fl)
{
	const struct bench_cfg *cfg = run->cfg;
	const char *why = !cfg->stalls ? "not traced (--no-stalls)"
			  : run->t != &bench_transport_mdbus
				  ? "not traced: only mdbus polls cheaply enough to tell a stall "
				    "from a poll"
			  : cfg->wait
				  ? "not traced: a blocked consumer's gaps are sleeps, not stalls"
			  : !cfg->rate ? "not traced: flat out has no schedule to replay"
				       : NULL;
	memset(fl, 0, sizeof(*fl));
	bench_hist_reset(&fl->hist);
	snprintf(fl->why, sizeof(fl->why), "%s", why ? why : "");
	return why ? 0 : bench_stalls_head(cfg) + (cfg->consumers + 1) * BENCH_TRACE_LEN;
}

void bench_stalls_place(struct bench_run *run)
{
	/* the recorders follow the control block; each child touches only its own trace */
	char *base = (char *)(run->ctl + 1);
	struct bench_noise_cpu *rec = (struct bench_noise_cpu *)base;
	for (unsigned i = 0; i <= run->cfg->consumers; i++) {
		rec[i].cpu = bench_cpu_for(run->cfg, (int)i - 1);
		rec[i].trace = (struct bench_stall *)(base + bench_stalls_head(run->cfg) +
						      i * BENCH_TRACE_LEN);
	}
	run->ctl->stall_pub = &rec[0];
	run->ctl->stall_sub = &rec[1];
}

void bench_stalls_floor(const struct bench_run *run, struct bench_floor *fl)
{
	const struct bench_noise_cpu *rec = run->ctl->stall_pub; /* publisher, then consumers */
	unsigned n = run->cfg->consumers;
	if (!rec)
		return;
	for (unsigned i = 0; i <= n; i++)
		if (!rec[i].ok) {
			char who[24];
			snprintf(who, sizeof(who), i ? "consumer %u" : "the publisher", i - 1);
			snprintf(fl->why, sizeof(fl->why), "not traced: %s did not finish", who);
			return;
		}
	for (unsigned i = 0; i <= n; i++) {
		const struct bench_noise_cpu *c = &rec[i];
		double span = (double)(c->end_ns - c->start_ns) / 1e9;
		fl->role[i] =
			(struct bench_floor_cpu){c->cpu,
						 c->kept<c->stalls, bench_noise_away_pct(c), span> 0
							 ? (double)c->stalls / span
							 : 0.0,
						 c->longest_ns};
		if (i)
			bench_noise_floor(rec, c, run->cfg->rate, &fl->hist);
	}
	fl->nrole = n + 1;
	fl->ok = 1;
}

/* ---- mdbus-bench noise ---------------------------------------------------- */

/* One probed CPU: its stalls and a zero-cost consumer alone on it (its
 * publisher never away), as a table row or JSON members. */
static void bench_noise_row(struct bench_json *j, const struct bench_noise_cpu *c,
			    const struct bench_noise_cpu *ref, uint64_t rate)
{
	struct bench_hist h;
	double span = (double)(c->end_ns - c->start_ns) / 1e9;
	double shared = c != ref && ref->ok ? bench_noise_shared_pct(c, ref) : 0.0;
	char b[5][24], sh[16] = "-";
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
	const uint64_t v[5] = {bench_hist_percentile(&c->len, 50),
			       bench_hist_percentile(&c->len, 99), (uint64_t)c->longest_ns,
			       bench_hist_percentile(&h, 99), bench_hist_percentile(&h, 99.9)};
	for (int i = 0; i < 5; i++)
		bench_fmt_ns(v[i], b[i], sizeof(b[i]));
	if (c != ref)
		snprintf(sh, sizeof(sh), "%.0f%%", shared);
	printf("  %-4d %7.2f %6.2f%% %9.0f %9s %9s %9s %7s %10s %10s%s\n", c->cpu, span,
	       bench_noise_away_pct(c), span > 0 ? (double)c->stalls / span : 0.0, b[0], b[1], b[2],
	       sh, b[3], b[4], c->kept < c->stalls ? " (truncated)" : "");
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
		       "a gap > %d ns between two clock reads (%.1f ns per clock read)\n\n",
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
	} else {
		printf("\n  shared: of the CPU's stall time, cpu %d was away too; alone: a "
		       "zero-cost consumer at %llu ticks/s, its publisher never away\n",
		       nz->cpu[0].cpu, (unsigned long long)rate);
	}
}

static int bench_noise_cpus(const char *arg, void *dst)
{
	struct bench_cfg *cfg = dst;
	return bench_parse_cpus(arg, cfg->cpus, BENCH_NOISE_MAX_CPUS, &cfg->ncpus);
}

int bench_noise_main(int argc, char **argv)
{
	struct bench_cfg cfg = {.duration_ns = 5000000000LL, .rate = 1000000};
	struct bench_sysinfo si;
	struct bench_noise nz;
	int json = 0, failed = 0, rc;
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
	if ((rc = bench_opt_parse("mdbus-bench noise",
				  "usage: mdbus-bench noise [options]   how often this machine "
				  "takes a CPU away\n",
				  opts, argc, argv)))
		return rc > 0 ? 0 : 2;
	if (cfg.ncpus == 0)
		cfg.ncpus = bench_usable_cpus(cfg.cpus, BENCH_NOISE_MAX_CPUS);
	bench_sysinfo_get(&si);
	if ((rc = bench_noise_probe(cfg.cpus, (unsigned)cfg.ncpus, cfg.duration_ns, &nz)) < 0) {
		fprintf(stderr, "mdbus-bench noise: probe: %s\n", strerror(-rc));
		return 1;
	}
	bench_noise_print(&si, &nz, cfg.rate, json);
	for (unsigned i = 0; i < nz.n; i++)
		failed |= !nz.cpu[i].ok;
	bench_noise_free(&nz);
	return failed;
}
