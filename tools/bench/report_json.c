/* SPDX-License-Identifier: MIT */
/* report_json.c: every run, and with --compare the medians and ratios, as one
 * JSON document (`--json`). */
#include "report.h"
#include "report_int.h"

#include <stdio.h>
#include <string.h>

void bench_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void bench_json_hist(FILE *f, const struct bench_hist *h)
{
	fprintf(f, "{\"count\": %llu, \"min\": %llu, ", (unsigned long long)h->count,
		(unsigned long long)(h->count ? h->min : 0));
	for (int i = 0; i < BENCH_NPCT; i++)
		fprintf(f, "\"%s\": %llu, ", bench_pct_names[i],
			(unsigned long long)bench_hist_percentile(h, bench_pcts[i]));
	fprintf(f, "\"max\": %llu, \"mean\": %.1f}", (unsigned long long)h->max,
		bench_hist_mean(h));
}

/* The stalls each process saw and the zero-cost transport's
 * latency over them, or why there is none. */
static void bench_json_floor(FILE *f, const struct bench_floor *fl)
{
	fprintf(f, "{\"ok\": %s, \"reason\": ", fl->ok ? "true" : "false");
	if (!fl->ok) {
		bench_json_str(f, fl->why);
		fprintf(f, "}");
		return;
	}
	fprintf(f, "null, \"stall_min_ns\": %d, \"roles\": [", BENCH_STALL_MIN_NS);
	for (unsigned i = 0; i < fl->nrole; i++)
		fprintf(f,
			"%s{\"role\": \"%s\", \"cpu\": %d, \"away_pct\": %.4f, "
			"\"stalls_per_s\": %.1f, \"longest_ns\": %lld, \"truncated\": %s}",
			i ? ", " : "", i ? "consumer" : "publisher", fl->role[i].cpu,
			fl->role[i].away_pct, fl->role[i].stalls_per_s,
			(long long)fl->role[i].longest_ns,
			fl->role[i].truncated ? "true" : "false");
	fprintf(f, "],\n       \"latency_ns\": ");
	bench_json_hist(f, &fl->hist);
	fprintf(f, "}");
}

static void bench_json_run(FILE *f, const struct bench_result *r)
{
	const struct bench_pub_result *p = &r->pub;
	fprintf(f, "    {\"transport\": ");
	bench_json_str(f, r->transport);
	fprintf(f, ", \"skipped\": %s, \"failed\": %s, \"reason\": ", r->skipped ? "true" : "false",
		r->failed ? "true" : "false");
	if (r->skipped || r->failed)
		bench_json_str(f, r->why);
	else
		fprintf(f, "null");
	fprintf(f, ", \"warning\": ");
	if (r->warning[0])
		bench_json_str(f, r->warning);
	else
		fprintf(f, "null");
	fprintf(f,
		",\n     \"config\": {\"consumers\": %u, \"duration_s\": %.3f, \"rate\": %llu, "
		"\"wait\": %s, \"oversubscribed\": %s, \"pinned\": %s}",
		r->cfg.consumers, (double)r->cfg.duration_ns / 1e9, (unsigned long long)r->cfg.rate,
		r->cfg.wait ? "true" : "false", r->oversubscribed ? "true" : "false",
		r->cfg.ncpus ? "true" : "false");
	if (r->skipped) {
		fprintf(f, "}");
		return;
	}
	double secs = (double)(p->end_ns - p->start_ns) / 1e9;
	fprintf(f,
		",\n     \"publisher\": {\"cpu\": %d, \"published\": %llu, \"seconds\": %.3f, "
		"\"ticks_per_s\": %.0f, \"refused\": %llu, \"max_behind_ns\": %lld, \"cpu_s\": "
		"%.3f}",
		p->cpu, (unsigned long long)p->published, secs,
		secs > 0 ? (double)p->published / secs : 0.0, (unsigned long long)p->dropped,
		(long long)p->max_behind_ns, p->cpu_user_s + p->cpu_sys_s);
	fprintf(f, ",\n     \"consumers\": [");
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		double span = (double)(s->last_ns - s->first_ns) / 1e9;
		fprintf(f, "%s\n       {\"index\": %u, \"ok\": %s, \"error\": ", i ? "," : "", i,
			s->ok ? "true" : "false");
		if (s->ok)
			fprintf(f, "null");
		else
			bench_json_str(f, s->err);
		fprintf(f,
			", \"cpu\": %d, \"end_seen\": %s, \"published\": %llu, \"received\": %llu, "
			"\"missed\": %llu, \"gap_missed\": %llu, \"tail_missed\": %llu, "
			"\"transport_missed\": %llu, \"laps\": %llu, \"out_of_order\": %llu, "
			"\"negative\": %llu, \"ticks_per_s\": %.0f, \"cpu_user_s\": %.3f, "
			"\"cpu_sys_s\": %.3f, \"cpu_pct\": %.1f, \"invol_switches\": %llu, "
			"\"vol_switches\": %llu,\n        \"latency_ns\": ",
			s->cpu, s->end_seen ? "true" : "false", (unsigned long long)s->published,
			(unsigned long long)s->received,
			(unsigned long long)s->gap_missed + (unsigned long long)s->tail_missed,
			(unsigned long long)s->gap_missed, (unsigned long long)s->tail_missed,
			(unsigned long long)s->api_missed, (unsigned long long)s->laps,
			(unsigned long long)s->out_of_order, (unsigned long long)s->negative,
			span > 0 ? (double)s->received / span : 0.0, s->cpu_user_s, s->cpu_sys_s,
			bench_report__cpu_pct(s), (unsigned long long)s->invol_switches,
			(unsigned long long)s->vol_switches);
		bench_json_hist(f, &s->hist);
		fprintf(f, ",\n        \"latency_ready_ns\": ");
		bench_json_hist(f, &s->ready);
		fprintf(f, "}");
	}
	fprintf(f, "],\n     \"floor\": ");
	bench_json_floor(f, &r->floor);
	fprintf(f, ",\n     \"accounted\": %s, \"latency_ns\": ",
		bench_result_accounted(r) ? "true" : "false");
	bench_json_hist(f, &r->all);
	fprintf(f, ",\n     \"latency_ready_ns\": ");
	bench_json_hist(f, &r->all_ready);
	/* loss-adjusted: null = the percentile falls among the lost ticks */
	uint64_t missed = bench_result_missed(r);
	fprintf(f, ",\n     \"missed\": %llu, \"latency_lossy_ns\": {", (unsigned long long)missed);
	for (int i = 0; i < BENCH_NPCT; i++) {
		uint64_t v = bench_lossy_percentile(&r->all, missed, bench_pcts[i]);
		if (v == UINT64_MAX)
			fprintf(f, "%s\"%s\": null", i ? ", " : "", bench_pct_names[i]);
		else
			fprintf(f, "%s\"%s\": %llu", i ? ", " : "", bench_pct_names[i],
				(unsigned long long)v);
	}
	fprintf(f, "}}");
}

void bench_report_json(FILE *f, const struct bench_sysinfo *si, const char *mode,
		       const struct bench_result *r, size_t n)
{
	fprintf(f,
		"{\n  \"tool\": \"mdbus-bench\", \"version\": \"%s\", \"mode\": ", MDBUS_VERSION);
	bench_json_str(f, mode);
	fprintf(f, ",\n  \"machine\": {\"cores\": %d, \"usable\": %d, \"cpu_model\": ", si->cores,
		si->allowed);
	bench_json_str(f, si->cpu_model);
	fprintf(f, ", \"kernel\": ");
	bench_json_str(f, si->kernel);
	fprintf(f, ", \"clocksource\": ");
	bench_json_str(f, si->clocksource);
	fprintf(f, ", \"date\": ");
	bench_json_str(f, si->date);
	fprintf(f, "},\n  \"clock\": {\"name\": \"CLOCK_MONOTONIC\", \"read_ns\": %.1f},\n",
		si->clock_cost_ns);
	fprintf(f, "  \"runs\": [\n");
	for (size_t i = 0; i < n; i++) {
		bench_json_run(f, &r[i]);
		fprintf(f, "%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ]");
	if (strcmp(mode, "compare") == 0) {
		struct bench_summary sum[8];
		size_t ns = bench_summarize(r, n, sum, 8);
		const struct bench_summary *m = bench_report__find_summary(sum, ns, "mdbus");
		fprintf(f, ",\n  \"summary\": {");
		for (size_t i = 0; i < ns; i++) {
			const struct bench_summary *s = &sum[i];
			fprintf(f, "%s\n    \"%s\": {\"runs\": %u, \"skipped\": %s", i ? "," : "",
				s->transport, s->runs, s->skipped ? "true" : "false");
			if (!s->skipped)
				fprintf(f,
					", \"p50_median\": %llu, \"p99_median\": %llu, "
					"\"p99.99_median\": %llu, \"p50_min\": %llu, \"p50_max\": "
					"%llu, "
					"\"lost_pct\": %.3f, \"ready_p50_median\": %llu, "
					"\"ready_p99_median\": %llu, \"ready_pct\": %.2f",
					(unsigned long long)s->p50, (unsigned long long)s->p99,
					(unsigned long long)s->p9999,
					(unsigned long long)s->p50_min,
					(unsigned long long)s->p50_max, s->lost_pct,
					(unsigned long long)s->ready_p50,
					(unsigned long long)s->ready_p99, s->ready_pct);
			if (!s->skipped && s->floor_runs)
				fprintf(f,
					", \"floor_runs\": %u, \"floor_p50_median\": %llu, "
					"\"floor_p99_median\": %llu, \"floor_p99.99_median\": %llu",
					s->floor_runs, (unsigned long long)s->floor_p50,
					(unsigned long long)s->floor_p99,
					(unsigned long long)s->floor_p9999);
			fprintf(f, "}");
		}
		fprintf(f, "\n  }");
		if (m && m->p50 && m->p99) {
			fprintf(f, ",\n  \"ratios_vs_mdbus\": {");
			int first = 1;
			for (size_t i = 0; i < ns; i++) {
				if (&sum[i] == m || sum[i].skipped)
					continue;
				fprintf(f,
					"%s\"%s\": {\"p50\": %.2f, \"p99\": %.2f, \"ready_p50\": "
					"%.2f, \"ready_p99\": %.2f}",
					first ? "" : ", ", sum[i].transport,
					(double)sum[i].p50 / (double)m->p50,
					(double)sum[i].p99 / (double)m->p99,
					m->ready_p50
						? (double)sum[i].ready_p50 / (double)m->ready_p50
						: 0.0,
					m->ready_p99
						? (double)sum[i].ready_p99 / (double)m->ready_p99
						: 0.0);
				first = 0;
			}
			fprintf(f, "}");
		}
	}
	fprintf(f, "\n}\n");
}
