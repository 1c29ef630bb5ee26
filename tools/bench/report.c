/* SPDX-License-Identifier: MIT */
/*
 * report.c: the readable tables (header, one run, --compare, --sweep) and
 * the figures they share with report_json.c and report_plot.c; no
 * measurement happens here.
 */
#include "report.h"
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double bench_pcts[BENCH_NPCT] = {50.0, 90.0, 99.0, 99.9, 99.99};
const char *const bench_pct_names[BENCH_NPCT] = {"p50", "p90", "p99", "p99.9", "p99.99"};

void bench_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 10000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.2fus", (double)ns / 1e3);
	else if (ns < 10000000000ull)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
}

void bench_report__fmt_rate(uint64_t rate, char *buf, size_t len)
{
	if (rate == 0)
		snprintf(buf, len, "max");
	else if (rate % 1000000 == 0)
		snprintf(buf, len, "%lluM/s", (unsigned long long)(rate / 1000000));
	else if (rate % 1000 == 0)
		snprintf(buf, len, "%lluk/s", (unsigned long long)(rate / 1000));
	else
		snprintf(buf, len, "%llu/s", (unsigned long long)rate);
}

int bench_result_accounted(const struct bench_result *r)
{
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		if (!s->end_seen || s->received + s->gap_missed + s->tail_missed != s->published)
			return 0;
	}
	return 1;
}

uint64_t bench_lossy_percentile(const struct bench_hist *h, uint64_t missed, double p)
{
	uint64_t total = h->count + missed;
	if (total == 0)
		return 0;
	double rank = p / 100.0 * (double)total;
	if (rank > (double)h->count)
		return UINT64_MAX;
	return bench_hist_percentile(h, 100.0 * rank / (double)(h->count ? h->count : 1));
}

uint64_t bench_result_missed(const struct bench_result *r)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < r->nsub; i++)
		m += r->sub[i].gap_missed + r->sub[i].tail_missed;
	return m;
}

/* "7.8x", "0.05x": two significant digits below 1 */
static void bench_fmt_ratio(double x, char *buf, size_t len)
{
	snprintf(buf, len, x < 1.0 ? "%.2gx" : "%.1fx", x);
}

static void bench_fmt_lossy(uint64_t v, char *buf, size_t len)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, "lost");
	else
		bench_fmt_ns(v, buf, len);
}

double bench_report__cpu_pct(const struct bench_sub_result *s)
{
	return s->wall_s > 0 ? 100.0 * (s->cpu_user_s + s->cpu_sys_s) / s->wall_s : 0.0;
}

void bench_report_header(FILE *f, const struct bench_sysinfo *si, const struct bench_cfg *cfg)
{
	char rate[32];
	bench_report__fmt_rate(cfg->rate, rate, sizeof(rate));
	fprintf(f, "machine: %d cores online (%d usable), %s\n", si->cores, si->allowed,
		si->cpu_model);
	fprintf(f, "kernel:  %s; clocksource %s\n", si->kernel, si->clocksource);
	fprintf(f,
		"clock:   CLOCK_MONOTONIC (vDSO), %.1f ns per read; the publisher stamps right "
		"before publishing, the consumer reads it right after receiving\n",
		si->clock_cost_ns);
	fprintf(f, "run:     %u consumer(s), %.2f s, rate %s, consumers %s, 64-byte messages\n",
		cfg->consumers, (double)cfg->duration_ns / 1e9, rate,
		cfg->wait ? "block (--wait)" : "spin");
	if (cfg->ncpus == 0) {
		fprintf(f, "pinning: none (the scheduler places processes)\n");
	} else {
		fprintf(f, "pinning: publisher -> cpu %d", bench_cpu_for(cfg, -1));
		for (unsigned i = 0; i < cfg->consumers; i++)
			fprintf(f, ", consumer %u -> cpu %d", i, bench_cpu_for(cfg, (int)i));
		fprintf(f, " (sched_setaffinity)\n");
	}
}

static void bench_row(FILE *f, const char *label, const struct bench_hist *h, uint64_t received,
		      uint64_t missed, double cpu_pct)
{
	char b[BENCH_NPCT + 2][24];
	bench_fmt_ns(h->count ? h->min : 0, b[0], sizeof(b[0]));
	for (int i = 0; i < BENCH_NPCT; i++)
		bench_fmt_ns(bench_hist_percentile(h, bench_pcts[i]), b[i + 1], sizeof(b[i + 1]));
	bench_fmt_ns(h->max, b[BENCH_NPCT + 1], sizeof(b[0]));
	fprintf(f, "  %-9s %9s %9s %9s %9s %9s %9s %9s %11llu %9llu", label, b[0], b[1], b[2], b[3],
		b[4], b[5], b[6], (unsigned long long)received, (unsigned long long)missed);
	if (cpu_pct >= 0)
		fprintf(f, " %5.0f%%", cpu_pct);
	fputc('\n', f);
}

/* The floor row and the stalls behind it (floor.c). */
static void bench_report_floor(FILE *f, const struct bench_floor *fl)
{
	if (!fl->ok) {
		fprintf(f, "  floor: %s\n", fl->why);
		return;
	}
	bench_row(f, "floor", &fl->hist, fl->hist.count, 0, -1);
	fprintf(f,
		"  (floor = a zero-cost transport replayed over this run's stalls, gaps > %d ns "
		"between two clock reads:",
		BENCH_STALL_MIN_NS);
	for (unsigned i = 0; i < fl->nrole; i++) {
		const struct bench_floor_cpu *c = &fl->role[i];
		char who[32], lg[24];
		if (i == 0)
			snprintf(who, sizeof(who), "publisher");
		else
			snprintf(who, sizeof(who), "consumer %u", i - 1);
		bench_fmt_ns((uint64_t)c->longest_ns, lg, sizeof(lg));
		fprintf(f, "%s %s away %.2f%% in %.0f stalls/s, longest %s%s", i ? ";" : "", who,
			c->away_pct, c->stalls_per_s, lg,
			c->truncated ? " (trace truncated: floor too low)" : "");
	}
	fprintf(f, ")\n");
}

void bench_report_run(FILE *f, const struct bench_result *r)
{
	fprintf(f, "\n[%s]", r->transport);
	if (r->skipped) {
		fprintf(f, " skipped: %s\n", r->why);
		return;
	}
	if (r->failed)
		fprintf(f, " FAILED: %s", r->why);
	if (r->oversubscribed)
		fprintf(f, " (oversubscribed: %u spinning consumers + publisher > cores)", r->nsub);
	fputc('\n', f);
	const struct bench_pub_result *p = &r->pub;
	double secs = (double)(p->end_ns - p->start_ns) / 1e9;
	char behind[24];
	bench_fmt_ns((uint64_t)p->max_behind_ns, behind, sizeof(behind));
	fprintf(f,
		"  published %llu in %.2f s = %.0f ticks/s; publisher cpu %.2f s; worst lateness "
		"vs "
		"schedule %s; sends refused %llu\n",
		(unsigned long long)p->published, secs,
		secs > 0 ? (double)p->published / secs : 0.0, p->cpu_user_s + p->cpu_sys_s, behind,
		(unsigned long long)p->dropped);
	fprintf(f, "  %-9s %9s %9s %9s %9s %9s %9s %9s %11s %9s %6s\n", "consumer", "min", "p50",
		"p90", "p99", "p99.9", "p99.99", "max", "received", "missed", "cpu");
	uint64_t rx = 0, miss = 0;
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		char label[16];
		snprintf(label, sizeof(label), "%u", i);
		if (!s->ok) {
			fprintf(f, "  %-9s failed: %s\n", label, s->err);
			continue;
		}
		uint64_t m = s->gap_missed + s->tail_missed;
		bench_row(f, label, &s->hist, s->received, m, bench_report__cpu_pct(s));
		rx += s->received;
		miss += m;
	}
	if (r->nsub > 1)
		bench_row(f, "all", &r->all, rx, miss, -1);
	/* the ticks that found their consumer idle: the transport's own cost */
	bench_row(f, "ready", &r->all_ready, r->all_ready.count, 0, -1);
	fprintf(f,
		"  (ready = the %.1f%% of received ticks that found their consumer idle: its "
		"previous poll was empty; no backlog, no preemption in the way)\n",
		rx ? 100.0 * (double)r->all_ready.count / (double)rx : 0.0);
	bench_report_floor(f, &r->floor);
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		if (s->api_missed || s->laps || s->out_of_order || s->negative || !s->end_seen)
			fprintf(f,
				"  consumer %u: transport-reported missed %llu in %llu laps; out "
				"of "
				"order %llu; negative latencies %llu%s\n",
				i, (unsigned long long)s->api_missed, (unsigned long long)s->laps,
				(unsigned long long)s->out_of_order,
				(unsigned long long)s->negative,
				s->end_seen ? "" : "; END marker never arrived");
	}
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		double pct = bench_report__cpu_pct(s);
		if (s->ok && !r->cfg.wait && pct < 90.0)
			fprintf(f,
				"  warning: spinning consumer %u ran only %.0f%% of the time (%llu "
				"involuntary context switches): other processes share its CPU, so "
				"the "
				"tail measures the scheduler, not the transport\n",
				i, pct, (unsigned long long)s->invol_switches);
	}
	uint64_t missed = bench_result_missed(r);
	if (missed) {
		char a[24], b[24];
		bench_fmt_lossy(bench_lossy_percentile(&r->all, missed, 50), a, sizeof(a));
		bench_fmt_lossy(bench_lossy_percentile(&r->all, missed, 99), b, sizeof(b));
		fprintf(f,
			"  lost %.1f%% of the ticks; counting a lost tick as slower than any "
			"delivered one: p50 %s, p99 %s\n",
			100.0 * (double)missed / (double)(missed + r->all.count), a, b);
	}
	if (r->warning[0])
		fprintf(f, "  warning: %s\n", r->warning);
	fprintf(f, "  accounting: received + missed == published for every consumer: %s\n",
		bench_result_accounted(r) ? "yes" : "NO");
}

static int bench_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Lower median of v[0..n), sorting v. */
static uint64_t bench_median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_u64_cmp);
	return v[(n - 1) / 2];
}

size_t bench_summarize(const struct bench_result *r, size_t n, struct bench_summary *out,
		       size_t cap)
{
	size_t ng = 0;
	uint64_t *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t g;
		for (g = 0; g < ng; g++)
			if (strcmp(out[g].transport, r[i].transport) == 0)
				break;
		if (g < ng || ng == cap)
			continue;
		/* a new transport: gather all its runs */
		struct bench_summary *s = &out[ng++];
		memset(s, 0, sizeof(*s));
		snprintf(s->transport, sizeof(s->transport), "%s", r[i].transport);
		const struct bench_result *use[256];
		size_t k = 0;
		for (size_t j = i; j < n && k < 256; j++) {
			if (strcmp(r[j].transport, s->transport) != 0)
				continue;
			if (r[j].skipped || (r[j].failed && !r[j].all.count) || !r[j].all.count) {
				if (!s->why[0])
					snprintf(s->why, sizeof(s->why), "%s%.*s",
						 r[j].skipped ? "skipped: " : "failed: ",
						 (int)sizeof(s->why) - 16, r[j].why);
				continue;
			}
			use[k++] = &r[j];
		}
		s->runs = (unsigned)k;
		if (k == 0) {
			s->skipped = 1;
			continue;
		}
#define BENCH_MED(field, expr)                                                                     \
	do {                                                                                       \
		for (size_t q = 0; q < k; q++)                                                     \
			v[q] = (expr);                                                             \
		s->field = bench_median(v, k);                                                     \
	} while (0)
		BENCH_MED(p50, bench_hist_percentile(&use[q]->all, 50));
		s->p50_min = v[0];
		s->p50_max = v[k - 1];
		BENCH_MED(p99, bench_hist_percentile(&use[q]->all, 99));
		BENCH_MED(p9999, bench_hist_percentile(&use[q]->all, 99.99));
		BENCH_MED(p50_lossy,
			  bench_lossy_percentile(&use[q]->all, bench_result_missed(use[q]), 50));
		BENCH_MED(p99_lossy,
			  bench_lossy_percentile(&use[q]->all, bench_result_missed(use[q]), 99));
		/* lost share in parts per million, for the same median helper */
		BENCH_MED(lost_pct,
			  (uint64_t)(1e6 * (double)bench_result_missed(use[q]) /
				     (double)(bench_result_missed(use[q]) + use[q]->all.count)));
		s->lost_pct = (double)bench_median(v, k) / 1e4;
		BENCH_MED(ready_p50, bench_hist_percentile(&use[q]->all_ready, 50));
		BENCH_MED(ready_p99, bench_hist_percentile(&use[q]->all_ready, 99));
		BENCH_MED(ready_pct,
			  (uint64_t)(1e6 * (double)use[q]->all_ready.count /
				     (double)(use[q]->all.count ? use[q]->all.count : 1)));
		s->ready_pct = (double)bench_median(v, k) / 1e4;
		/* the floor, over the runs that probed one */
		size_t kf = 0;
		for (size_t q = 0; q < k; q++)
			if (use[q]->floor.ok)
				use[kf++] = use[q];
		s->floor_runs = (unsigned)kf;
		if (kf) {
			k = kf; /* the last figures: the floor's medians */
			BENCH_MED(floor_p50, bench_hist_percentile(&use[q]->floor.hist, 50));
			BENCH_MED(floor_p99, bench_hist_percentile(&use[q]->floor.hist, 99));
			BENCH_MED(floor_p9999, bench_hist_percentile(&use[q]->floor.hist, 99.99));
		}
#undef BENCH_MED
	}
	free(v);
	return ng;
}

const struct bench_summary *bench_report__find_summary(const struct bench_summary *s, size_t n,
						       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].transport, name) == 0 && !s[i].skipped)
			return &s[i];
	return NULL;
}

void bench_report_compare(FILE *f, const struct bench_result *r, size_t n)
{
	struct bench_summary sum[8];
	size_t ns = bench_summarize(r, n, sum, 8);
	const struct bench_summary *m = bench_report__find_summary(sum, ns, "mdbus");
	unsigned reps = ns ? (unsigned)(n / ns) : 0;
	fprintf(f,
		"\ncomparison (all consumers merged; median over %u run(s) per transport, "
		"interleaved;\n  ratio = transport / mdbus, >1 = mdbus is faster; p50*/p99* count "
		"lost ticks as slower than any delivered one)\n",
		reps);
	fprintf(f, "  %-9s %9s %9s %9s %10s %10s %7s %9s %9s  %s\n", "transport", "p50", "p99",
		"p99.99", "p50 ratio", "p99 ratio", "lost", "p50*", "p99*", "p50 range");
	for (size_t i = 0; i < ns; i++) {
		const struct bench_summary *s = &sum[i];
		if (s->skipped) {
			fprintf(f, "  %-9s %s\n", s->transport, s->why);
			continue;
		}
		char a[24], b[24], c[24], d[24], e[24], lo[24], hi[24];
		char r50[16] = "-", r99[16] = "-";
		bench_fmt_ns(s->p50, a, sizeof(a));
		bench_fmt_ns(s->p99, b, sizeof(b));
		bench_fmt_ns(s->p9999, c, sizeof(c));
		bench_fmt_lossy(s->p50_lossy, d, sizeof(d));
		bench_fmt_lossy(s->p99_lossy, e, sizeof(e));
		bench_fmt_ns(s->p50_min, lo, sizeof(lo));
		bench_fmt_ns(s->p50_max, hi, sizeof(hi));
		if (m && m->p50 && m->p99) {
			bench_fmt_ratio((double)s->p50 / (double)m->p50, r50, sizeof(r50));
			bench_fmt_ratio((double)s->p99 / (double)m->p99, r99, sizeof(r99));
		}
		fprintf(f, "  %-9s %9s %9s %9s %10s %10s %6.1f%% %9s %9s  %s..%s\n", s->transport,
			a, b, c, r50, r99, s->lost_pct, d, e, lo, hi);
	}
	/* the floor: only mdbus runs are traced (floor.c) */
	if (m && m->floor_runs) {
		char a[24], b[24], c[24];
		bench_fmt_ns(m->floor_p50, a, sizeof(a));
		bench_fmt_ns(m->floor_p99, b, sizeof(b));
		bench_fmt_ns(m->floor_p9999, c, sizeof(c));
		fprintf(f,
			"  %-9s %9s %9s %9s  (zero-cost transport through the stalls of "
			"the %u traced mdbus run(s); nothing measures lower)\n",
			"floor", a, b, c, m->floor_runs);
	}
	fprintf(f, "\n  ticks that found their consumer idle (the transport's own hand-over "
		   "cost, without backlog)\n");
	fprintf(f, "  %-9s %7s %9s %9s %10s %10s\n", "transport", "share", "p50", "p99",
		"p50 ratio", "p99 ratio");
	for (size_t i = 0; i < ns; i++) {
		const struct bench_summary *s = &sum[i];
		if (s->skipped)
			continue;
		char a[24], b[24], r50[16] = "-", r99[16] = "-";
		bench_fmt_ns(s->ready_p50, a, sizeof(a));
		bench_fmt_ns(s->ready_p99, b, sizeof(b));
		if (m && m->ready_p50 && m->ready_p99) {
			bench_fmt_ratio((double)s->ready_p50 / (double)m->ready_p50, r50,
					sizeof(r50));
			bench_fmt_ratio((double)s->ready_p99 / (double)m->ready_p99, r99,
					sizeof(r99));
		}
		fprintf(f, "  %-9s %6.1f%% %9s %9s %10s %10s\n", s->transport, s->ready_pct, a, b,
			r50, r99);
	}
}

void bench_report_sweep(FILE *f, const struct bench_result *r, size_t n)
{
	fprintf(f,
		"\nsweep (all consumers merged; ready = ticks that found their consumer idle)\n");
	fprintf(f, "  %-9s %9s %8s %9s %9s %9s %12s %9s %9s %9s  %s\n", "transport", "consumers",
		"rate", "p50", "p99", "p99.99", "ticks/s", "missed", "ready p50", "ready p99",
		"note");
	for (size_t i = 0; i < n; i++) {
		char rate[24], a[24], b[24], c[24], d[24], e[24];
		uint64_t miss = 0;
		bench_report__fmt_rate(r[i].cfg.rate, rate, sizeof(rate));
		if (r[i].skipped) {
			fprintf(f, "  %-9s %9u %8s skipped: %s\n", r[i].transport, r[i].nsub, rate,
				r[i].why);
			continue;
		}
		for (unsigned k = 0; k < r[i].nsub; k++)
			miss += r[i].sub[k].gap_missed + r[i].sub[k].tail_missed;
		bench_fmt_ns(bench_hist_percentile(&r[i].all, 50), a, sizeof(a));
		bench_fmt_ns(bench_hist_percentile(&r[i].all, 99), b, sizeof(b));
		bench_fmt_ns(bench_hist_percentile(&r[i].all, 99.99), c, sizeof(c));
		bench_fmt_ns(bench_hist_percentile(&r[i].all_ready, 50), d, sizeof(d));
		bench_fmt_ns(bench_hist_percentile(&r[i].all_ready, 99), e, sizeof(e));
		double secs = (double)(r[i].pub.end_ns - r[i].pub.start_ns) / 1e9;
		fprintf(f, "  %-9s %9u %8s %9s %9s %9s %12.0f %9llu %9s %9s  %s%s%s\n",
			r[i].transport, r[i].nsub, rate, a, b, c,
			secs > 0 ? (double)r[i].pub.published / secs : 0.0,
			(unsigned long long)miss, d, e,
			r[i].oversubscribed ? "oversubscribed " : "", r[i].failed ? "FAILED: " : "",
			r[i].failed ? r[i].why : "");
	}
}
