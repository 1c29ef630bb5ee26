/* SPDX-License-Identifier: MIT */
/*
 * report_lat.c: what fan-out latency runs print: tables (one run,
 * --compare, --sweep), the JSON document and the plot's curves, through
 * the shared reporter (report.h).
 */
#include "bench.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_LAT_MAXRUNS 256

/* The figures a summary takes the median of, per transport over its runs. */
enum { P50, P99, P9999, L50, L99, LOST, R50, R99, RPCT, F50, F99, F9999, NFIG };

struct bench_summary {
	const char *transport;
	unsigned runs, floor_runs; /* runs with latencies; those that traced a floor */
	int skipped;		   /* every run skipped or failed: why */
	char why[BENCH_ERR_MAX * 2];
	double med[NFIG]; /* L50/L99 at UINT64_MAX: among the lost */
	double p50_min, p50_max;
};

static uint64_t bench_missed(const struct bench_result *r)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < r->nsub; i++)
		m += r->sub[i].gap_missed + r->sub[i].tail_missed;
	return m;
}

/* received + holes + tail == published for every consumer? */
static int bench_accounted(const struct bench_result *r)
{
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		if (!s->end_seen || s->received + s->gap_missed + s->tail_missed != s->published)
			return 0;
	}
	return 1;
}

/* Loss-adjusted percentile: over every tick published, a lost tick counting
 * as slower than any delivered one (a transport that drops what it cannot
 * deliver quickly otherwise looks fast by only timing survivors).
 * UINT64_MAX when the percentile falls among the lost ticks. */
static uint64_t bench_lossy(const struct bench_hist *h, uint64_t missed, double p)
{
	double rank = p / 100.0 * (double)(h->count + missed);
	if (h->count + missed == 0)
		return 0;
	if (rank > (double)h->count)
		return UINT64_MAX;
	return bench_hist_percentile(h, 100.0 * rank / (double)(h->count ? h->count : 1));
}

static double bench_cpu_pct(const struct bench_sub_result *s)
{
	return s->wall_s > 0 ? 100.0 * (s->cpu_user_s + s->cpu_sys_s) / s->wall_s : 0.0;
}

static double bench_pub_rate(const struct bench_pub_result *p)
{
	double secs = (double)(p->end_ns - p->start_ns) / 1e9;
	return secs > 0 ? (double)p->published / secs : 0.0;
}

static uint64_t bench_u(double v)
{
	return v >= 1.8e19 ? UINT64_MAX : (uint64_t)v; /* "lost" survives the median */
}

/* "7.8x", "0.05x": two significant digits below 1; "-" without a base */
static void bench_fmt_ratio(double x, double base, char *buf, size_t len)
{
	if (base > 0)
		snprintf(buf, len, x / base < 1.0 ? "%.2gx" : "%.1fx", x / base);
	else
		snprintf(buf, len, "-");
}

static double bench_figure(const struct bench_result *r, int f)
{
	static const double pct[NFIG] = {50, 99, 99.99, 50, 99, 0, 50, 99, 0, 50, 99, 99.99};
	uint64_t m = bench_missed(r);
	if (f <= P9999)
		return (double)bench_hist_percentile(&r->all, pct[f]);
	if (f <= L99)
		return (double)bench_lossy(&r->all, m, pct[f]);
	if (f == LOST)
		return 100.0 * (double)m / (double)(m + r->all.count);
	if (f <= R99)
		return (double)bench_hist_percentile(&r->all_ready, pct[f]);
	if (f == RPCT)
		return 100.0 * (double)r->all_ready.count / (double)r->all.count;
	return (double)bench_hist_percentile(&r->floor.hist, pct[f]);
}

/* Groups r by transport (first-seen order); returns the number of groups. */
static size_t bench_summarize(const struct bench_result *r, size_t n, struct bench_summary *out,
			      size_t cap)
{
	const struct bench_result *use[BENCH_LAT_MAXRUNS];
	double v[BENCH_LAT_MAXRUNS];
	size_t ng = 0;
	for (size_t i = 0; i < n && ng < cap; i++) {
		struct bench_summary *s = out;
		unsigned k = 0;
		while (s < out + ng && strcmp(s->transport, r[i].transport) != 0)
			s++;
		if (s < out + ng)
			continue; /* seen */
		s = &out[ng++];
		memset(s, 0, sizeof(*s));
		s->transport = r[i].transport;
		for (size_t j = i; j < n && k < BENCH_LAT_MAXRUNS; j++) {
			if (strcmp(r[j].transport, s->transport) != 0)
				continue;
			if (!r[j].skipped && r[j].all.count)
				use[k++] = &r[j];
			else if (!s->why[0])
				snprintf(s->why, sizeof(s->why), "%s%.*s",
					 r[j].skipped ? "skipped: " : "failed: ",
					 (int)sizeof(s->why) - 16, r[j].why);
		}
		s->runs = k;
		s->skipped = k == 0;
		for (int f = 0; f < NFIG && k; f++) {
			unsigned m = 0;
			for (unsigned q = 0; q < k; q++)
				if (f < F50 || use[q]->floor.ok)
					v[m++] = bench_figure(use[q], f);
			s->med[f] = bench_median(v, m, 0);
			if (f == P50)
				s->p50_min = v[0], s->p50_max = v[m - 1];
			if (f == F50)
				s->floor_runs = m;
		}
	}
	return ng;
}

static const struct bench_summary *bench_mdbus_summary(const struct bench_summary *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].transport, "mdbus") == 0 && !s[i].skipped)
			return &s[i];
	return NULL;
}

void bench_lat_header(FILE *f, const struct bench_sysinfo *si, const struct bench_cfg *cfg)
{
	char rate[32];
	bench_fmt_rate(cfg->rate, rate, sizeof(rate));
	bench_report_machine(f, si);
	fprintf(f,
		"clock:   CLOCK_MONOTONIC (vDSO), %.1f ns per read; the publisher stamps right "
		"before publishing, the consumer reads it right after receiving\n",
		si->clock_cost_ns);
	fprintf(f, "run:     %u consumer(s), %.2f s, rate %s, consumers %s, 64-byte messages\n",
		cfg->consumers, (double)cfg->duration_ns / 1e9, rate,
		cfg->wait ? "block (--wait)" : "spin");
	if (cfg->ncpus == 0) {
		fprintf(f, "pinning: none (the scheduler places processes)\n");
		return;
	}
	fprintf(f, "pinning: publisher -> cpu %d", bench_cpu_for(cfg, -1));
	for (unsigned i = 0; i < cfg->consumers; i++)
		fprintf(f, ", consumer %u -> cpu %d", i, bench_cpu_for(cfg, (int)i));
	fprintf(f, " (sched_setaffinity)\n");
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
		snprintf(who, sizeof(who), i ? "consumer %u" : "publisher", i - 1);
		bench_fmt_ns((uint64_t)c->longest_ns, lg, sizeof(lg));
		fprintf(f, "%s %s away %.2f%% in %.0f stalls/s, longest %s%s", i ? ";" : "", who,
			c->away_pct, c->stalls_per_s, lg,
			c->truncated ? " (trace truncated: floor too low)" : "");
	}
	fprintf(f, ")\n");
}

/* The notes under a run's table: odd counters, busy CPUs, losses. */
static void bench_report_notes(FILE *f, const struct bench_result *r)
{
	uint64_t missed = bench_missed(r);
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
	for (unsigned i = 0; i < r->nsub; i++)
		if (r->sub[i].ok && !r->cfg.wait && bench_cpu_pct(&r->sub[i]) < 90.0)
			fprintf(f,
				"  warning: spinning consumer %u ran only %.0f%% of the time (%llu "
				"involuntary context switches): other processes share its CPU, so "
				"the "
				"tail measures the scheduler, not the transport\n",
				i, bench_cpu_pct(&r->sub[i]),
				(unsigned long long)r->sub[i].invol_switches);
	if (missed) {
		char a[24], b[24];
		bench_fmt_ns(bench_lossy(&r->all, missed, 50), a, sizeof(a));
		bench_fmt_ns(bench_lossy(&r->all, missed, 99), b, sizeof(b));
		fprintf(f,
			"  lost %.1f%% of the ticks; counting a lost tick as slower than any "
			"delivered one: p50 %s, p99 %s\n",
			100.0 * (double)missed / (double)(missed + r->all.count), a, b);
	}
	if (r->warning[0])
		fprintf(f, "  warning: %s\n", r->warning);
	fprintf(f, "  accounting: received + missed == published for every consumer: %s\n",
		bench_accounted(r) ? "yes" : "NO");
}

void bench_lat_run(FILE *f, const struct bench_result *r)
{
	const struct bench_pub_result *p = &r->pub;
	uint64_t rx = 0;
	char behind[24];
	fprintf(f, "\n[%s]", r->transport);
	if (r->skipped) {
		fprintf(f, " skipped: %s\n", r->why);
		return;
	}
	if (r->failed)
		fprintf(f, " FAILED: %s", r->why);
	if (r->oversubscribed)
		fprintf(f, " (oversubscribed: %u spinning consumers + publisher > cores)", r->nsub);
	bench_fmt_ns((uint64_t)p->max_behind_ns, behind, sizeof(behind));
	fprintf(f,
		"\n  published %llu in %.2f s = %.0f ticks/s; publisher cpu %.2f s; worst lateness "
		"vs schedule %s; sends refused %llu\n",
		(unsigned long long)p->published, (double)(p->end_ns - p->start_ns) / 1e9,
		bench_pub_rate(p), p->cpu_user_s + p->cpu_sys_s, behind,
		(unsigned long long)p->dropped);
	fprintf(f, "  %-9s %9s %9s %9s %9s %9s %9s %9s %11s %9s %6s\n", "consumer", "min", "p50",
		"p90", "p99", "p99.9", "p99.99", "max", "received", "missed", "cpu");
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		char label[16];
		snprintf(label, sizeof(label), "%u", i);
		if (!s->ok) {
			fprintf(f, "  %-9s failed: %s\n", label, s->err);
			continue;
		}
		bench_row(f, label, &s->hist, s->received, s->gap_missed + s->tail_missed,
			  bench_cpu_pct(s));
		rx += s->received;
	}
	if (r->nsub > 1)
		bench_row(f, "all", &r->all, rx, bench_missed(r), -1);
	/* the ticks that found their consumer idle: the transport's own cost */
	bench_row(f, "ready", &r->all_ready, r->all_ready.count, 0, -1);
	fprintf(f,
		"  (ready = the %.1f%% of received ticks that found their consumer idle: its "
		"previous poll was empty; no backlog, no preemption in the way)\n",
		rx ? 100.0 * (double)r->all_ready.count / (double)rx : 0.0);
	bench_report_floor(f, &r->floor);
	bench_report_notes(f, r);
}

/* Three figures of a summary as nanoseconds. */
static void bench_fmt3(const struct bench_summary *s, const int *fig, char (*b)[24])
{
	for (int i = 0; i < 3; i++)
		bench_fmt_ns(bench_u(s->med[fig[i]]), b[i], sizeof(b[i]));
}

/* The "ticks that found their consumer idle" part of --compare. */
static void bench_compare_ready(FILE *f, const struct bench_summary *sum, size_t ns,
				const struct bench_summary *m)
{
	fprintf(f, "\n  ticks that found their consumer idle (the transport's own hand-over "
		   "cost, without backlog)\n");
	fprintf(f, "  %-9s %7s %9s %9s %10s %10s\n", "transport", "share", "p50", "p99",
		"p50 ratio", "p99 ratio");
	for (size_t i = 0; i < ns; i++) {
		const struct bench_summary *s = &sum[i];
		char b[3][24], r50[16], r99[16];
		int base = m && m->med[R50] > 0 && m->med[R99] > 0;
		if (s->skipped)
			continue;
		bench_fmt3(s, (const int[]){R50, R99, R99}, b);
		bench_fmt_ratio(s->med[R50], base ? m->med[R50] : 0, r50, sizeof(r50));
		bench_fmt_ratio(s->med[R99], base ? m->med[R99] : 0, r99, sizeof(r99));
		fprintf(f, "  %-9s %6.1f%% %9s %9s %10s %10s\n", s->transport, s->med[RPCT], b[0],
			b[1], r50, r99);
	}
}

void bench_lat_compare(FILE *f, const struct bench_result *r, size_t n)
{
	struct bench_summary sum[8];
	size_t ns = bench_summarize(r, n, sum, 8);
	const struct bench_summary *m = bench_mdbus_summary(sum, ns);
	int base = m && m->med[P50] > 0 && m->med[P99] > 0;
	fprintf(f,
		"\ncomparison (all consumers merged; median over %u run(s) per transport, "
		"interleaved;\n  ratio = transport / mdbus, >1 = mdbus is faster; p50*/p99* count "
		"lost ticks as slower than any delivered one)\n",
		ns ? (unsigned)(n / ns) : 0);
	fprintf(f, "  %-9s %9s %9s %9s %10s %10s %7s %9s %9s  %s\n", "transport", "p50", "p99",
		"p99.99", "p50 ratio", "p99 ratio", "lost", "p50*", "p99*", "p50 range");
	for (size_t i = 0; i < ns; i++) {
		const struct bench_summary *s = &sum[i];
		char b[3][24], l[3][24], lo[24], hi[24], r50[16], r99[16];
		if (s->skipped) {
			fprintf(f, "  %-9s %s\n", s->transport, s->why);
			continue;
		}
		bench_fmt3(s, (const int[]){P50, P99, P9999}, b);
		bench_fmt3(s, (const int[]){L50, L99, L99}, l);
		bench_fmt_ns((uint64_t)s->p50_min, lo, sizeof(lo));
		bench_fmt_ns((uint64_t)s->p50_max, hi, sizeof(hi));
		bench_fmt_ratio(s->med[P50], base ? m->med[P50] : 0, r50, sizeof(r50));
		bench_fmt_ratio(s->med[P99], base ? m->med[P99] : 0, r99, sizeof(r99));
		fprintf(f, "  %-9s %9s %9s %9s %10s %10s %6.1f%% %9s %9s  %s..%s\n", s->transport,
			b[0], b[1], b[2], r50, r99, s->med[LOST], l[0], l[1], lo, hi);
	}
	if (m && m->floor_runs) { /* only mdbus runs are traced (floor.c) */
		char b[3][24];
		bench_fmt3(m, (const int[]){F50, F99, F9999}, b);
		fprintf(f,
			"  %-9s %9s %9s %9s  (zero-cost transport through the stalls of the %u "
			"traced mdbus run(s); nothing measures lower)\n",
			"floor", b[0], b[1], b[2], m->floor_runs);
	}
	bench_compare_ready(f, sum, ns, m);
}

void bench_lat_sweep(FILE *f, const struct bench_result *r, size_t n)
{
	fprintf(f,
		"\nsweep (all consumers merged; ready = ticks that found their consumer idle)\n");
	fprintf(f, "  %-9s %9s %8s %9s %9s %9s %12s %9s %9s %9s  %s\n", "transport", "consumers",
		"rate", "p50", "p99", "p99.99", "ticks/s", "missed", "ready p50", "ready p99",
		"note");
	for (size_t i = 0; i < n; i++) {
		char rate[24], b[5][24];
		static const int fig[5] = {P50, P99, P9999, R50, R99};
		bench_fmt_rate(r[i].cfg.rate, rate, sizeof(rate));
		if (r[i].skipped) {
			fprintf(f, "  %-9s %9u %8s skipped: %s\n", r[i].transport, r[i].nsub, rate,
				r[i].why);
			continue;
		}
		for (int k = 0; k < 5; k++)
			bench_fmt_ns((uint64_t)bench_figure(&r[i], fig[k]), b[k], sizeof(b[k]));
		fprintf(f, "  %-9s %9u %8s %9s %9s %9s %12.0f %9llu %9s %9s  %s%s%s\n",
			r[i].transport, r[i].nsub, rate, b[0], b[1], b[2],
			bench_pub_rate(&r[i].pub), (unsigned long long)bench_missed(&r[i]), b[3],
			b[4], r[i].oversubscribed ? "oversubscribed " : "",
			r[i].failed ? "FAILED: " : "", r[i].failed ? r[i].why : "");
	}
}

/* The stalls each process saw and the zero-cost transport's latency over
 * them, or why there is none. */
static void bench_json_floor(struct bench_json *j, const struct bench_floor *fl)
{
	bench_j_open(j, "floor", '{');
	bench_j(j, "ok:b reason:s", fl->ok, fl->ok ? NULL : fl->why);
	if (fl->ok) {
		bench_j(j, "stall_min_ns:d", BENCH_STALL_MIN_NS);
		bench_j_open(j, "roles", '[');
		for (unsigned i = 0; i < fl->nrole; i++) {
			const struct bench_floor_cpu *c = &fl->role[i];
			bench_j_open(j, NULL, '{');
			bench_j(j,
				"role:s cpu:d away_pct:f4 stalls_per_s:f1 longest_ns:i truncated:b",
				i ? "consumer" : "publisher", c->cpu, c->away_pct, c->stalls_per_s,
				c->longest_ns, c->truncated);
			bench_j_close(j);
		}
		bench_j_close(j);
		bench_j_hist(j, "latency_ns", &fl->hist);
	}
	bench_j_close(j);
}

static void bench_json_sub(struct bench_json *j, unsigned i, const struct bench_sub_result *s)
{
	double span = (double)(s->last_ns - s->first_ns) / 1e9;
	bench_j_open(j, NULL, '{');
	bench_j(j, "index:d ok:b error:s cpu:d end_seen:b published:u received:u missed:u", i,
		s->ok, s->ok ? NULL : s->err, s->cpu, s->end_seen, s->published, s->received,
		s->gap_missed + s->tail_missed);
	bench_j(j, "gap_missed:u tail_missed:u transport_missed:u laps:u out_of_order:u negative:u",
		s->gap_missed, s->tail_missed, s->api_missed, s->laps, s->out_of_order,
		s->negative);
	bench_j(j,
		"ticks_per_s:f0 cpu_user_s:f3 cpu_sys_s:f3 cpu_pct:f1 invol_switches:u "
		"vol_switches:u",
		span > 0 ? (double)s->received / span : 0.0, s->cpu_user_s, s->cpu_sys_s,
		bench_cpu_pct(s), s->invol_switches, s->vol_switches);
	bench_j_hist(j, "latency_ns", &s->hist);
	bench_j_hist(j, "latency_ready_ns", &s->ready);
	bench_j_close(j);
}

static void bench_json_run(struct bench_json *j, const struct bench_result *r)
{
	const struct bench_pub_result *p = &r->pub;
	uint64_t missed = bench_missed(r);
	bench_j_open(j, NULL, '{');
	bench_j(j, "transport:s skipped:b failed:b reason:s warning:s", r->transport, r->skipped,
		r->failed, r->skipped || r->failed ? r->why : NULL,
		r->warning[0] ? r->warning : NULL);
	bench_j_open(j, "config", '{');
	bench_j(j, "consumers:d duration_s:f3 rate:u wait:b oversubscribed:b pinned:b",
		r->cfg.consumers, (double)r->cfg.duration_ns / 1e9, r->cfg.rate, r->cfg.wait,
		r->oversubscribed, r->cfg.ncpus > 0);
	bench_j_close(j);
	if (r->skipped) {
		bench_j_close(j);
		return;
	}
	bench_j_open(j, "publisher", '{');
	bench_j(j, "cpu:d published:u seconds:f3 ticks_per_s:f0 refused:u max_behind_ns:i cpu_s:f3",
		p->cpu, p->published, (double)(p->end_ns - p->start_ns) / 1e9, bench_pub_rate(p),
		p->dropped, p->max_behind_ns, p->cpu_user_s + p->cpu_sys_s);
	bench_j_close(j);
	bench_j_open(j, "consumers", '[');
	for (unsigned i = 0; i < r->nsub; i++)
		bench_json_sub(j, i, &r->sub[i]);
	bench_j_close(j);
	bench_json_floor(j, &r->floor);
	bench_j(j, "accounted:b missed:u", bench_accounted(r), missed);
	bench_j_hist(j, "latency_ns", &r->all);
	bench_j_hist(j, "latency_ready_ns", &r->all_ready);
	bench_j_open(j, "latency_lossy_ns", '{'); /* null = among the lost ticks */
	for (int i = 0; i < BENCH_NPCT; i++) {
		char spec[16];
		uint64_t v = bench_lossy(&r->all, missed, bench_pcts[i]);
		snprintf(spec, sizeof(spec), "%s:%c", bench_pct_names[i],
			 v == UINT64_MAX ? 's' : 'u');
		if (v == UINT64_MAX)
			bench_j(j, spec, NULL);
		else
			bench_j(j, spec, v);
	}
	bench_j_close(j);
	bench_j_close(j);
}

/* --compare: the medians per transport and their ratios to mdbus. */
static void bench_json_summary(struct bench_json *j, const struct bench_result *r, size_t n)
{
	struct bench_summary sum[8];
	size_t ns = bench_summarize(r, n, sum, 8);
	const struct bench_summary *m = bench_mdbus_summary(sum, ns);
	bench_j_open(j, "summary", '{');
	for (size_t i = 0; i < ns; i++) {
		const double *v = sum[i].med;
		bench_j_open(j, sum[i].transport, '{');
		bench_j(j, "runs:d skipped:b", sum[i].runs, sum[i].skipped);
		if (!sum[i].skipped)
			bench_j(j,
				"p50_median:u p99_median:u p99.99_median:u p50_min:u p50_max:u "
				"lost_pct:f3 ready_p50_median:u ready_p99_median:u ready_pct:f2",
				bench_u(v[P50]), bench_u(v[P99]), bench_u(v[P9999]),
				bench_u(sum[i].p50_min), bench_u(sum[i].p50_max), v[LOST],
				bench_u(v[R50]), bench_u(v[R99]), v[RPCT]);
		if (!sum[i].skipped && sum[i].floor_runs)
			bench_j(j,
				"floor_runs:d floor_p50_median:u floor_p99_median:u "
				"floor_p99.99_median:u",
				sum[i].floor_runs, bench_u(v[F50]), bench_u(v[F99]),
				bench_u(v[F9999]));
		bench_j_close(j);
	}
	bench_j_close(j);
	if (!m || m->med[P50] <= 0 || m->med[P99] <= 0)
		return;
	bench_j_open(j, "ratios_vs_mdbus", '{');
	for (size_t i = 0; i < ns; i++) {
		const double *v = sum[i].med, *b = m->med;
		if (&sum[i] == m || sum[i].skipped)
			continue;
		bench_j_open(j, sum[i].transport, '{');
		bench_j(j, "p50:f2 p99:f2 ready_p50:f2 ready_p99:f2", v[P50] / b[P50],
			v[P99] / b[P99], b[R50] > 0 ? v[R50] / b[R50] : 0.0,
			b[R99] > 0 ? v[R99] / b[R99] : 0.0);
		bench_j_close(j);
	}
	bench_j_close(j);
}

void bench_lat_json(FILE *f, const struct bench_sysinfo *si, const char *mode,
		    const struct bench_result *r, size_t n)
{
	struct bench_json j = {.f = f};
	bench_j_open(&j, NULL, '{');
	bench_j(&j, "tool:s version:s mode:s", "mdbus-bench", MDBUS_VERSION, mode);
	bench_j_machine(&j, si);
	bench_j_open(&j, "clock", '{');
	bench_j(&j, "name:s read_ns:f1", "CLOCK_MONOTONIC", si->clock_cost_ns);
	bench_j_close(&j);
	bench_j_open(&j, "runs", '[');
	for (size_t i = 0; i < n; i++)
		bench_json_run(&j, &r[i]);
	bench_j_close(&j);
	if (strcmp(mode, "compare") == 0)
		bench_json_summary(&j, r, n);
	bench_j_close(&j);
}

/* One curve per kind (every tick, idle consumer, floor) of a group. */
static void bench_curve(struct bench_curve *c, const struct bench_hist *h, const char *style,
			const char *title)
{
	c->h = h;
	snprintf(c->style, sizeof(c->style), "%s", style);
	snprintf(c->title, sizeof(c->title), "%.127s", title);
}

int bench_lat_plot(const char *path, const struct bench_sysinfo *si, const struct bench_result *r,
		   size_t n, char *err, size_t len)
{
	/* One group per (transport, consumers, rate), repeated runs merged:
	 * solid = every tick, dashed = ticks that found the consumer idle,
	 * dotted = the floor (a zero-cost transport through the run's stalls). */
	struct bench_hist *acc = calloc(3 * n + 1, sizeof(*acc));
	struct bench_curve *c = calloc(3 * n + 1, sizeof(*c));
	size_t key[BENCH_LAT_MAXRUNS], ng = 0, nc = 0;
	char t[256], style[64];
	int rc = -ENOMEM;
	for (size_t i = 0; acc && c && i < n; i++) {
		size_t k = 0;
		while (k < ng &&
		       (strcmp(r[key[k]].transport, r[i].transport) != 0 ||
			r[key[k]].nsub != r[i].nsub || r[key[k]].cfg.rate != r[i].cfg.rate))
			k++;
		if (r[i].skipped || !r[i].all.count)
			continue;
		if (k == ng) {
			key[ng++] = i;
			for (int q = 0; q < 3; q++)
				bench_hist_reset(&acc[3 * k + q]);
		}
		bench_hist_merge(&acc[3 * k], &r[i].all);
		bench_hist_merge(&acc[3 * k + 1], &r[i].all_ready);
		if (r[i].floor.ok)
			bench_hist_merge(&acc[3 * k + 2], &r[i].floor.hist);
	}
	for (size_t k = 0; acc && c && k < ng; k++) {
		const struct bench_result *q = &r[key[k]];
		char rate[24];
		bench_fmt_rate(q->cfg.rate, rate, sizeof(rate));
		snprintf(style, sizeof(style), "with linespoints lc %zu dt 1", k + 1);
		snprintf(t, sizeof(t), "%s, %u consumer(s), %s", q->transport, q->nsub, rate);
		bench_curve(&c[nc++], &acc[3 * k], style, t);
		snprintf(style, sizeof(style), "with lines lc %zu dt 2", k + 1);
		snprintf(t, sizeof(t), "%s, idle consumer", q->transport);
		if (acc[3 * k + 1].count)
			bench_curve(&c[nc++], &acc[3 * k + 1], style, t);
		snprintf(t, sizeof(t), "%s, floor (zero-cost transport, same stalls)",
			 q->transport);
		if (acc[3 * k + 2].count)
			bench_curve(&c[nc++], &acc[3 * k + 2],
				    "with lines lc rgb 'black' dt 3 lw 2", t);
	}
	snprintf(t, sizeof(t), "mdbus-bench one-way latency, %d cores, %s", si->cores,
		 si->cpu_model);
	if (acc && c)
		rc = bench_plot(path, t, c, nc, err, len);
	else
		snprintf(err, len, "out of memory");
	free(acc);
	free(c);
	return rc;
}
