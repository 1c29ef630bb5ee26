/* SPDX-License-Identifier: MIT */
/*
 * thru.c: `mdbus-bench throughput`: how many ticks per second one writer
 * publishes, and one reader reads, through the mdbus ring: options, the
 * case list, the interleaved repetitions and their medians. thru_cases.c
 * runs one case.
 *
 * Cases (each repeated --repeat times, interleaved; medians reported):
 *   publish-only     mdbus_writer_publish, and mdbus_writer_publish_batch with
 *                    batches of 16 and --batch, no reader attached;
 *   local            writer and reader in one process taking turns (a whole
 *                    ring each): no second core, the instruction-bound ceiling;
 *   flat out         writer publishing batches flat out on one CPU, one reader
 *                    process on the other CPU draining with mdbus_reader_next
 *                    or mdbus_reader_read (--batch); the reader may be lapped;
 *   paced            the same writer on an absolute schedule at each --rates
 *                    value (default 50 M/s, the target), so that a reader
 *                    that keeps up reads every tick published.
 */
#include "thru.h"

#include "opt.h"
#include "report.h"
#include "sysinfo.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

/* One case over its repetitions: medians of the runs that worked. */
struct thru_summary {
	unsigned ok_runs;
	int accounted; /* every run */
	double pub_rate, read_rate, missed, lapped_frac;
	double pub_min, pub_max, read_min, read_max;
};

static const char thru_synopsis[] =
	"usage: mdbus-bench throughput [options]\n"
	"  publish-only rate (mdbus_writer_publish, _publish_batch x16 and x--batch); then\n"
	"  one writer + one reader process pinned to two CPUs: writer flat out (the reader\n"
	"  may be lapped) and writer paced at each --rates value (nothing should be lost);\n"
	"  readers use mdbus_reader_next and mdbus_reader_read (x--batch)\n";

static int thru_opt_rates(const char *arg, void *dst)
{
	struct thru_opts *o = dst;
	return bench_parse_list(arg, 1, 1000000000, o->rates, THRU_MAX_RATES, &o->nrates);
}

static int thru_opt_cpus(const char *arg, void *dst)
{
	struct thru_opts *o = dst;
	int rc = bench_parse_cpus(arg, o->cpus, 2, &o->ncpus);
	return rc < 0 || o->ncpus != 2 ? -EINVAL : 0;
}

/* The case list: publish-only x3, local x2, flat x2, paced x2 per rate;
 * --only filters by name prefix. */
static int thru_case_list(const struct thru_opts *o, struct thru_case *cs)
{
	static const char *const pub[] = {"publish", "publish_batch16", "publish_batch"};
	static const char *const kinds[] = {"local", "flat", "paced"};
	int n = 0;
	for (unsigned k = 0; k < 7 + 2 * o->nrates; k++) {
		struct thru_case *c = &cs[n];
		memset(c, 0, sizeof(*c));
		c->wbatch = k == 0 ? 1 : k == 1 ? 16 : o->batch;
		if (k < 3) {
			snprintf(c->name, sizeof(c->name), "%s", pub[k]);
		} else {
			unsigned g = k < 5 ? 0 : k < 7 ? 1 : 2;
			c->kind = g == 0 ? THRU_LOCAL : g == 1 ? THRU_FLAT : THRU_PACED;
			c->rapi = (k - 3) % 2 == 0 ? THRU_NEXT : THRU_READ;
			c->rbatch = c->rapi == THRU_READ ? o->batch : 1;
			c->rate = g == 2 ? o->rates[(k - 7) / 2] : 0;
			snprintf(c->name, sizeof(c->name), "%s_%s", kinds[g],
				 c->rapi == THRU_NEXT ? "next" : "read");
		}
		n += !o->only || strncmp(c->name, o->only, strlen(o->only)) == 0;
	}
	return n;
}

static int thru_ok(const struct thru_case *c, const struct thru_res *r)
{
	return r->w_ok && (c->rapi == THRU_NONE || r->r_ok);
}

/* read + missed == published, holes == reported misses, every tick intact. */
static int thru_accounted(const struct thru_res *r)
{
	return r->read + r->missed == r->published && r->gaps == r->missed && r->bad == 0 &&
	       r->order == 0 && r->last == r->published;
}

static double thru_rate(uint64_t n, int64_t ns)
{
	return ns > 0 ? (double)n * 1e9 / (double)ns : 0;
}

static void thru_summarize(const struct thru_case *c, const struct thru_res *rs, unsigned n,
			   struct thru_summary *s)
{
	double pr[THRU_MAX_REP], rr[THRU_MAX_REP], mi[THRU_MAX_REP], lf[THRU_MAX_REP];
	memset(s, 0, sizeof(*s));
	s->accounted = 1;
	for (unsigned i = 0; i < n; i++) {
		if (!thru_ok(c, &rs[i])) {
			s->accounted = 0;
			continue;
		}
		unsigned k = s->ok_runs++;
		pr[k] = thru_rate(rs[i].published, rs[i].pub_ns);
		rr[k] = thru_rate(rs[i].read, rs[i].read_ns);
		mi[k] = (double)rs[i].missed;
		lf[k] = rs[i].published ? (double)rs[i].missed / (double)rs[i].published : 0;
		if (c->rapi != THRU_NONE && !thru_accounted(&rs[i]))
			s->accounted = 0;
	}
	if (s->ok_runs == 0)
		return;
	s->pub_rate = bench_median(pr, s->ok_runs, 1);
	s->pub_min = pr[0], s->pub_max = pr[s->ok_runs - 1];
	s->read_rate = bench_median(rr, s->ok_runs, 1);
	s->read_min = rr[0], s->read_max = rr[s->ok_runs - 1];
	s->missed = bench_median(mi, s->ok_runs, 1);
	s->lapped_frac = bench_median(lf, s->ok_runs, 1);
}

static const char *thru_rapi_name(const struct thru_case *c)
{
	return c->rapi == THRU_NEXT   ? "mdbus_reader_next"
	       : c->rapi == THRU_READ ? "mdbus_reader_read"
				      : NULL;
}

static int thru_met(const struct thru_case *c, const struct thru_summary *s)
{
	return s->pub_rate >= THRU_TARGET &&
	       (c->rapi == THRU_NONE || (s->read_rate >= THRU_TARGET && s->missed == 0));
}

static void thru_json_case(struct bench_json *j, const struct thru_opts *o,
			   const struct thru_case *c, const struct thru_res *res,
			   const struct thru_summary *s)
{
	static const char *const kind[] = {"publish", "local", "flat", "paced"};
	int reader = c->rapi != THRU_NONE;
	bench_j_open(j, NULL, '{');
	bench_j(j, "name:s kind:s writer_api:s writer_batch:d rate:u reader_api:s", c->name,
		kind[c->kind],
		c->wbatch == 1 ? "mdbus_writer_publish" : "mdbus_writer_publish_batch", c->wbatch,
		c->rate, thru_rapi_name(c));
	if (reader)
		bench_j(j, "reader_batch:d", c->rapi == THRU_READ ? c->rbatch : 1);
	else
		bench_j(j, "reader_batch:s", NULL);
	bench_j_open(j, "runs", '[');
	for (unsigned k = 0; k < o->repeat; k++) {
		const struct thru_res *r = &res[k];
		int ok = thru_ok(c, r);
		bench_j_open(j, NULL, '{');
		bench_j(j,
			"ok:b error:s published:u publish_ns:i publish_per_s:f0 writer_preempted:u",
			ok,
			ok	  ? NULL
			: r->w_ok ? r->r_err
				  : r->w_err,
			r->published, r->pub_ns, thru_rate(r->published, r->pub_ns), r->w_preempt);
		if (reader)
			bench_j(j,
				"read:u read_ns:i read_per_s:f0 missed:u laps:u gaps:u bad:u "
				"out_of_order:u last_seq:u accounted:b reader_preempted:u",
				r->read, r->read_ns, thru_rate(r->read, r->read_ns), r->missed,
				r->laps, r->gaps, r->bad, r->order, r->last, thru_accounted(r),
				r->r_preempt);
		bench_j_close(j);
	}
	bench_j_close(j);
	bench_j_open(j, "median", '{');
	bench_j(j,
		"ok_runs:d publish_per_s:f0 publish_ns_per_tick:f3 publish_min_per_s:f0 "
		"publish_max_per_s:f0",
		s->ok_runs, s->pub_rate, s->pub_rate > 0 ? 1e9 / s->pub_rate : 0, s->pub_min,
		s->pub_max);
	if (reader)
		bench_j(j,
			"read_per_s:f0 read_ns_per_tick:f3 read_min_per_s:f0 read_max_per_s:f0 "
			"missed:f0 missed_fraction:f6",
			s->read_rate, s->read_rate > 0 ? 1e9 / s->read_rate : 0, s->read_min,
			s->read_max, s->missed, s->lapped_frac);
	bench_j_close(j);
	bench_j(j, "accounted:b target_met:b", s->accounted, thru_met(c, s));
	bench_j_close(j);
}

static void thru_report_json(const struct bench_sysinfo *si, const struct thru_opts *o,
			     const struct thru_case *cs, int ncases,
			     struct thru_res (*res)[THRU_MAX_REP], const struct thru_summary *sum)
{
	struct bench_json j = {.f = stdout};
	bench_j_open(&j, NULL, '{');
	bench_j(&j, "mode:s", "throughput");
	bench_j_machine(&j, si);
	bench_j_open(&j, "config", '{');
	bench_j(&j,
		"duration_s:f3 repeat:d slots:d batch:d writer_cpu:d reader_cpu:d "
		"target_ticks_per_s:f0",
		(double)o->duration_ns / 1e9, o->repeat, o->slots, o->batch, o->cpus[0], o->cpus[1],
		THRU_TARGET);
	bench_j_close(&j);
	bench_j_open(&j, "cases", '[');
	for (int ci = 0; ci < ncases; ci++)
		thru_json_case(&j, o, &cs[ci], res[ci], &sum[ci]);
	bench_j_close(&j);
	bench_j_close(&j);
}

static void thru_report_table(const struct thru_opts *o, const struct thru_case *cs, int ncases,
			      const struct thru_summary *sum)
{
	printf("\nmedians of %u run(s) of %.2f s; M ticks/s [min..max]; ns/tick of the median; "
	       "target %.0f M/s published and read\n",
	       o->repeat, (double)o->duration_ns / 1e9, THRU_TARGET / 1e6);
	printf("%-18s %-14s %-22s %6s  %-22s %6s %7s %s\n", "case", "writer", "published", "ns/t",
	       "read", "ns/t", "missed", "verified");
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
			printf("%-18s %-14s failed\n", c->name, wr);
			continue;
		}
		snprintf(pub, sizeof(pub), "%.1f [%.1f..%.1f]", s->pub_rate / 1e6, s->pub_min / 1e6,
			 s->pub_max / 1e6);
		printf("%-18s %-14s %-22s %6.2f  ", c->name, wr, pub,
		       s->pub_rate > 0 ? 1e9 / s->pub_rate : 0);
		if (c->rapi == THRU_NONE) {
			printf("%-22s %6s %7s %s\n", "-", "-", "-", "-");
			continue;
		}
		snprintf(rd, sizeof(rd), "%.1f [%.1f..%.1f]", s->read_rate / 1e6, s->read_min / 1e6,
			 s->read_max / 1e6);
		printf("%-22s %6.2f %6.2f%% %s\n", rd, s->read_rate > 0 ? 1e9 / s->read_rate : 0,
		       100.0 * s->lapped_frac, s->accounted ? "ok" : "FAILED");
	}
}

/* Defaults the CPUs to the first two usable (the same one if only one). */
static void thru_default_cpus(struct thru_opts *o)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		CPU_ZERO(&set);
	for (int c = 0; c < CPU_SETSIZE && o->ncpus < 2; c++)
		if (CPU_ISSET(c, &set))
			o->cpus[o->ncpus++] = c;
	if (o->ncpus == 0)
		o->cpus[0] = 0;
	if (o->ncpus < 2)
		o->cpus[1] = o->cpus[0];
}

/* Repetitions interleaved over all cases, so the machine's load drifts hit
 * every case alike. Returns the exit status. */
static int thru_execute(const struct thru_opts *o, const struct thru_case *cs, int ncases)
{
	static struct thru_res res[THRU_MAX_CASES][THRU_MAX_REP];
	static struct thru_summary sum[THRU_MAX_CASES];
	struct bench_sysinfo si;
	unsigned idx = 0;
	int failed = 0;
	bench_sysinfo_get(&si);
	if (!o->json) {
		bench_report_machine(stdout, &si);
		printf("pinned (sched_setaffinity): writer on CPU %d, reader on CPU %d%s\n",
		       o->cpus[0], o->cpus[1],
		       o->cpus[0] == o->cpus[1] ? " (the SAME CPU: not a core pair)" : "");
		printf("ring %u slots; writer batch %u; mdbus_reader_read batch %u; every tick "
		       "verified (sequence + checksum word)\n",
		       o->slots, o->batch, o->batch);
		fflush(stdout);
	}
	for (unsigned k = 0; k < o->repeat; k++) {
		for (int ci = 0; ci < ncases; ci++) {
			struct thru_res *r = &res[ci][k];
			if (!o->json)
				fprintf(stderr, "run %u/%u: %s\n", k + 1, o->repeat, cs[ci].name);
			int rc = bench_thru_run(o, &cs[ci], idx++, r);
			if (rc < 0) {
				fprintf(stderr, "mdbus-bench throughput: %s\n", strerror(-rc));
				return 1;
			}
			if (!thru_ok(&cs[ci], r))
				fprintf(stderr, "mdbus-bench throughput: %s: %s\n", cs[ci].name,
					r->w_ok ? r->r_err : r->w_err);
		}
	}
	for (int ci = 0; ci < ncases; ci++) {
		thru_summarize(&cs[ci], res[ci], o->repeat, &sum[ci]);
		failed |= sum[ci].ok_runs != o->repeat || !sum[ci].accounted;
	}
	if (o->json)
		thru_report_json(&si, o, cs, ncases, res, sum);
	else
		thru_report_table(o, cs, ncases, sum);
	return failed;
}

int bench_thru_main(int argc, char **argv)
{
	static struct thru_case cs[THRU_MAX_CASES];
	struct thru_opts o = {.duration_ns = 1000000000LL,
			      .repeat = 5,
			      .slots = 65536,
			      .batch = 64,
			      .rates = {50000000},
			      .nrates = 1};
	const struct bench_opt opts[] = {
		BENCH_OPT_N("duration", 'd', BENCH_OPT_DUR, &o.duration_ns, 1000000, 600000000000LL,
			    "1ms..600s like 1 or 500ms", "D\tper run: 1, 500ms (default 1s)"),
		BENCH_OPT_N("repeat", 0, BENCH_OPT_UINT, &o.repeat, 1, THRU_MAX_REP, "1..50",
			    "N\truns per case, medians reported (default 5)"),
		BENCH_OPT_N("batch", 'b', BENCH_OPT_UINT, &o.batch, 2, THRU_MAX_B, "2..1024",
			    "N\twriter and mdbus_reader_read batch, 2..1024 (default 64)"),
		BENCH_OPT_FUN("slots", 's', &o.slots, "a power of two >= 64", bench_opt_pow2,
			      "N\tring slots, power of two (default 65536)"),
		BENCH_OPT_FUN("cpus", 'c', &o, "A,B: two CPUs we may run on", thru_opt_cpus,
			      "A,B\twriter CPU, reader CPU (default: the first two usable)"),
		BENCH_OPT_FUN("rates", 'r', &o, "e.g. 20M,50M", thru_opt_rates,
			      "LIST\tpaced writer rates, e.g. 20M,50M (default 50M, the target)"),
		BENCH_OPT_FUN("rate", 0, &o, "e.g. 20M,50M", thru_opt_rates, "LIST\tthe same"),
		BENCH_OPT_F("only", 0, BENCH_OPT_STR, &o.only,
			    "PREFIX\tonly the cases named so (publish, local, flat, paced...)"),
		BENCH_OPT_F("json", 'j', BENCH_OPT_SET, &o.json, "JSON on stdout"),
		BENCH_OPT_END,
	};
	int rc = bench_opt_parse("mdbus-bench throughput", thru_synopsis, opts, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (o.ncpus == 0)
		thru_default_cpus(&o);
	int ncases = thru_case_list(&o, cs);
	if (ncases == 0) {
		fprintf(stderr, "mdbus-bench throughput: --only '%s' matches no case\n", o.only);
		return 2;
	}
	return thru_execute(&o, cs, ncases) ? 1 : 0;
}
