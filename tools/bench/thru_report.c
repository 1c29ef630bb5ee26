/* SPDX-License-Identifier: MIT */
/*
 * thru_report.c: what `mdbus-bench throughput` prints: per case the median
 * of its repetitions with min and max, as a table or as one JSON document
 * that also holds every run's counters.
 */
#include "thru_int.h"

#include <stdlib.h>
#include <string.h>

int bench_thru__ok(const struct thru_case *c, const struct thru_res *r)
{
	return r->w_ok && (c->rapi == THRU_NONE || r->r_ok);
}

int bench_thru__accounted(const struct thru_res *r)
{
	return r->read + r->missed == r->published && r->gaps == r->missed && r->bad == 0 &&
	       r->order == 0 && r->last == r->published;
}

static double thru_rate(uint64_t n, int64_t ns)
{
	return ns > 0 ? (double)n * 1e9 / (double)ns : 0;
}

static int thru_cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double thru_median(double *v, unsigned n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), thru_cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_thru__summarize(const struct thru_case *c, const struct thru_res *rs, unsigned n,
			   struct thru_summary *s)
{
	double pr[THRU_MAX_REP], rr[THRU_MAX_REP], mi[THRU_MAX_REP], lf[THRU_MAX_REP];
	memset(s, 0, sizeof(*s));
	s->accounted = 1;
	for (unsigned i = 0; i < n; i++) {
		if (!bench_thru__ok(c, &rs[i])) {
			s->accounted = 0;
			continue;
		}
		unsigned k = s->ok_runs++;
		pr[k] = thru_rate(rs[i].published, rs[i].pub_ns);
		rr[k] = thru_rate(rs[i].read, rs[i].read_ns);
		mi[k] = (double)rs[i].missed;
		lf[k] = rs[i].published ? (double)rs[i].missed / (double)rs[i].published : 0;
		if (c->rapi != THRU_NONE && !bench_thru__accounted(&rs[i]))
			s->accounted = 0;
	}
	if (s->ok_runs == 0)
		return;
	s->pub_rate = thru_median(pr, s->ok_runs);
	s->pub_min = pr[0], s->pub_max = pr[s->ok_runs - 1];
	s->read_rate = thru_median(rr, s->ok_runs);
	s->read_min = rr[0], s->read_max = rr[s->ok_runs - 1];
	s->missed = thru_median(mi, s->ok_runs);
	s->lapped_frac = thru_median(lf, s->ok_runs);
}

static void thru_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned)(unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *thru_wapi(const struct thru_case *c)
{
	return c->wbatch == 1 ? "mdbus_writer_publish" : "mdbus_writer_publish_batch";
}

static const char *thru_rapi_name(const struct thru_case *c)
{
	return c->rapi == THRU_NEXT   ? "mdbus_reader_next"
	       : c->rapi == THRU_READ ? "mdbus_reader_read"
				      : NULL;
}

static int thru_met(const struct thru_case *c, const struct thru_summary *s)
{
	if (c->rapi == THRU_NONE)
		return s->pub_rate >= THRU_TARGET;
	return s->pub_rate >= THRU_TARGET && s->read_rate >= THRU_TARGET && s->missed == 0;
}

void bench_thru__report_json(FILE *f, const struct bench_sysinfo *si, const struct thru_opts *o,
			     const struct thru_case *cs, int ncases,
			     struct thru_res (*res)[THRU_MAX_REP], const struct thru_summary *sum)
{
	fprintf(f,
		"{\"mode\": \"throughput\",\n \"machine\": {\"cores\": %d, \"usable\": %d, "
		"\"cpu_model\": ",
		si->cores, si->allowed);
	thru_json_str(f, si->cpu_model);
	fprintf(f, ", \"kernel\": ");
	thru_json_str(f, si->kernel);
	fprintf(f, ", \"date\": ");
	thru_json_str(f, si->date);
	fprintf(f,
		"},\n \"config\": {\"duration_s\": %.3f, \"repeat\": %u, \"slots\": %u, "
		"\"batch\": %u, \"writer_cpu\": %d, \"reader_cpu\": %d, "
		"\"target_ticks_per_s\": %.0f},\n \"cases\": [",
		(double)o->duration_ns / 1e9, o->repeat, o->slots, o->batch, o->cpus[0], o->cpus[1],
		THRU_TARGET);
	for (int ci = 0; ci < ncases; ci++) {
		const struct thru_case *c = &cs[ci];
		const struct thru_summary *s = &sum[ci];
		fprintf(f,
			"%s\n  {\"name\": \"%s\", \"kind\": \"%s\", "
			"\"writer_api\": \"%s\", \"writer_batch\": %u, \"rate\": %llu, "
			"\"reader_api\": ",
			ci ? "," : "", c->name,
			c->kind == THRU_PUB	? "publish"
			: c->kind == THRU_LOCAL ? "local"
			: c->kind == THRU_FLAT	? "flat"
						: "paced",
			thru_wapi(c), c->wbatch, (unsigned long long)c->rate);
		if (thru_rapi_name(c))
			fprintf(f, "\"%s\", \"reader_batch\": %u", thru_rapi_name(c),
				c->rapi == THRU_READ ? c->rbatch : 1);
		else
			fprintf(f, "null, \"reader_batch\": null");
		fprintf(f, ",\n   \"runs\": [");
		for (unsigned k = 0; k < o->repeat; k++) {
			const struct thru_res *r = &res[ci][k];
			int ok = bench_thru__ok(c, r);
			fprintf(f, "%s\n    {\"ok\": %s, \"error\": ", k ? "," : "",
				ok ? "true" : "false");
			if (ok)
				fprintf(f, "null");
			else
				thru_json_str(f, r->w_ok ? r->r_err : r->w_err);
			fprintf(f,
				", \"published\": %llu, \"publish_ns\": %lld, "
				"\"publish_per_s\": %.0f, \"writer_preempted\": %llu",
				(unsigned long long)r->published, (long long)r->pub_ns,
				thru_rate(r->published, r->pub_ns),
				(unsigned long long)r->w_preempt);
			if (c->rapi != THRU_NONE)
				fprintf(f,
					", \"read\": %llu, \"read_ns\": %lld, \"read_per_s\": "
					"%.0f, "
					"\"missed\": %llu, \"laps\": %llu, \"gaps\": %llu, "
					"\"bad\": %llu, \"out_of_order\": %llu, \"last_seq\": "
					"%llu, "
					"\"accounted\": %s, \"reader_preempted\": %llu",
					(unsigned long long)r->read, (long long)r->read_ns,
					thru_rate(r->read, r->read_ns),
					(unsigned long long)r->missed, (unsigned long long)r->laps,
					(unsigned long long)r->gaps, (unsigned long long)r->bad,
					(unsigned long long)r->order, (unsigned long long)r->last,
					bench_thru__accounted(r) ? "true" : "false",
					(unsigned long long)r->r_preempt);
			fprintf(f, "}");
		}
		fprintf(f,
			"],\n   \"median\": {\"ok_runs\": %u, \"publish_per_s\": %.0f, "
			"\"publish_ns_per_tick\": %.3f, \"publish_min_per_s\": %.0f, "
			"\"publish_max_per_s\": %.0f",
			s->ok_runs, s->pub_rate, s->pub_rate > 0 ? 1e9 / s->pub_rate : 0,
			s->pub_min, s->pub_max);
		if (c->rapi != THRU_NONE)
			fprintf(f,
				", \"read_per_s\": %.0f, \"read_ns_per_tick\": %.3f, "
				"\"read_min_per_s\": %.0f, \"read_max_per_s\": %.0f, \"missed\": "
				"%.0f, "
				"\"missed_fraction\": %.6f",
				s->read_rate, s->read_rate > 0 ? 1e9 / s->read_rate : 0,
				s->read_min, s->read_max, s->missed, s->lapped_frac);
		fprintf(f, "},\n   \"accounted\": %s, \"target_met\": %s}",
			s->accounted ? "true" : "false", thru_met(c, s) ? "true" : "false");
	}
	fprintf(f, "\n ]\n}\n");
}

void bench_thru__report_table(FILE *f, const struct thru_opts *o, const struct thru_case *cs,
			      int ncases, const struct thru_summary *sum)
{
	fprintf(f,
		"\nmedians of %u run(s) of %.2f s; M ticks/s [min..max]; ns/tick of the median; "
		"target %.0f M/s published and read\n",
		o->repeat, (double)o->duration_ns / 1e9, THRU_TARGET / 1e6);
	fprintf(f, "%-18s %-14s %-22s %6s  %-22s %6s %7s %s\n", "case", "writer", "published",
		"ns/t", "read", "ns/t", "missed", "verified");
	for (int ci = 0; ci < ncases; ci++) {
		const struct thru_case *c = &cs[ci];
		const struct thru_summary *s = &sum[ci];
		char wr[32], pub[40], rd[40];
		if (c->kind == THRU_PACED)
			snprintf(wr, sizeof(wr), "%.0fM/s x%u", (double)c->rate / 1e6, c->wbatch);
		else
			snprintf(wr, sizeof(wr), "%s x%u", c->wbatch == 1 ? "publish" : "batch",
				 c->wbatch);
		if (s->ok_runs == 0) {
			fprintf(f, "%-18s %-14s failed\n", c->name, wr);
			continue;
		}
		snprintf(pub, sizeof(pub), "%.1f [%.1f..%.1f]", s->pub_rate / 1e6, s->pub_min / 1e6,
			 s->pub_max / 1e6);
		fprintf(f, "%-18s %-14s %-22s %6.2f  ", c->name, wr, pub,
			s->pub_rate > 0 ? 1e9 / s->pub_rate : 0);
		if (c->rapi == THRU_NONE) {
			fprintf(f, "%-22s %6s %7s %s\n", "-", "-", "-", "-");
			continue;
		}
		snprintf(rd, sizeof(rd), "%.1f [%.1f..%.1f]", s->read_rate / 1e6, s->read_min / 1e6,
			 s->read_max / 1e6);
		fprintf(f, "%-22s %6.2f %6.2f%% %s\n", rd,
			s->read_rate > 0 ? 1e9 / s->read_rate : 0, 100.0 * s->lapped_frac,
			s->accounted ? "ok" : "FAILED");
	}
}
