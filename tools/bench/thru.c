/* SPDX-License-Identifier: MIT */
/*
 * thru.c: `mdbus-bench throughput`: ticks/s one writer publishes and one
 * reader reads through the mdbus ring. Cases, each run --repeat times
 * interleaved over all cases (medians reported): publish-only (x1, x16,
 * x--batch, no reader); local (writer and reader taking turns in one
 * process: no second core, the instruction-bound ceiling); flat (writer flat
 * out on one CPU, a reader process on the other, which may be lapped);
 * paced (the writer on an absolute schedule at each --rates value).
 *
 * Every tick carries its bus sequence and a checksum word derived from it,
 * which the reader verifies; sequence holes must equal the misses the ring
 * reports, and read + missed must equal published exactly.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THRU_TARGET    50000000.0 /* ticks/s, from the bus issue */
#define THRU_MAX_REP   50
#define THRU_MAX_B     1024
#define THRU_MAX_RATES 8
#define THRU_FIXED     10 /* cases before the paced pair in thru_table */
#define THRU_MAX_CASES (THRU_FIXED + 2 * THRU_MAX_RATES)
#define THRU_BATCH     0 /* in the case table: --batch */

enum thru_kind { THRU_PUB, THRU_LOCAL, THRU_FLAT, THRU_PACED };
static const char *const thru_kinds[] = {"publish", "local", "flat", "paced"};

struct thru_case {
	char name[32];
	enum thru_kind kind;
	unsigned wbatch; /* 1 = mdbus_writer_publish, else _publish_batch */
	int reader;	 /* 0 none, 1 mdbus_reader_next, 2 mdbus_reader_read */
	unsigned rbatch; /* ticks per read */
	uint64_t rate;	 /* paced: ticks/s */
	int reg;	 /* the reader registers (MDBUS_READER_REGISTER): its cost */
	int wake;	 /* mdbus_writer_wake after every publish call (a feedd iteration) */
};

/* The cases; paced ones repeat per --rates value. */
static const struct thru_case thru_table[] = {
	{"publish", THRU_PUB, 1, 0, 0, 0, 0, 0},
	{"publish_batch16", THRU_PUB, 16, 0, 0, 0, 0, 0},
	{"publish_batch", THRU_PUB, THRU_BATCH, 0, 0, 0, 0, 0},
	{"publish_wake", THRU_PUB, 1, 0, 0, 0, 0, 1},
	{"local_next", THRU_LOCAL, THRU_BATCH, 1, 1, 0, 0, 0},
	{"local_read", THRU_LOCAL, THRU_BATCH, 2, THRU_BATCH, 0, 0, 0},
	{"local_next_reg", THRU_LOCAL, THRU_BATCH, 1, 1, 0, 1, 0},
	{"local_read_reg", THRU_LOCAL, THRU_BATCH, 2, THRU_BATCH, 0, 1, 0},
	{"flat_next", THRU_FLAT, THRU_BATCH, 1, 1, 0, 0, 0},
	{"flat_read", THRU_FLAT, THRU_BATCH, 2, THRU_BATCH, 0, 0, 0},
	{"paced_next", THRU_PACED, THRU_BATCH, 1, 1, 0, 0, 0},
	{"paced_read", THRU_PACED, THRU_BATCH, 2, THRU_BATCH, 0, 0, 0},
};
static const char *const thru_rapi[] = {NULL, "mdbus_reader_next", "mdbus_reader_read"};

struct thru_opts {
	int64_t duration_ns;
	unsigned repeat, slots, batch, nrates;
	uint64_t rates[THRU_MAX_RATES];
	const char *only; /* run only the cases whose name starts with this */
	int cpus[2], ncpus, json;
};

/* What the reader counts, every tick verified. */
struct thru_count {
	uint64_t read, missed, last, gaps, bad, order;
};

/* One repetition of one case, written by the children into the shared page. */
struct thru_res {
	int w_ok, r_ok;
	char w_err[BENCH_ERR_MAX], r_err[BENCH_ERR_MAX];
	uint64_t published, laps, w_preempt, r_preempt; /* preempt: involuntary switches */
	int64_t pub_ns, read_ns;
	struct thru_count n;
};

/* What the children of one run read; the stages where they meet. */
struct thru_ctx {
	const struct thru_opts *o;
	const struct thru_case *c;
	char bus[48];
};
enum { TH_BUS, TH_ATTACHED };

/* A child's tick buffers: what the writer publishes, what the reader reads. */
struct thru_buf {
	struct mdbus_tick w[THRU_MAX_B], r[THRU_MAX_B];
	uint64_t seqs[THRU_MAX_B];
};

/* The checksum word the reader verifies: any bit of the sequence changes it. */
static inline uint64_t thru_check(uint64_t seq)
{
	return (seq * 0x9e3779b97f4a7c15ULL) ^ 0x5bd1e9955bd1e995ULL;
}

/* Ticks k+1 .. k+b into tk[0..b), published. */
static inline int thru_publish(mdbus_writer *w, struct mdbus_tick *tk, unsigned b, uint64_t k)
{
	for (unsigned i = 0; i < b; i++) {
		uint64_t seq = k + 1 + i;
		tk[i].exch_ts = (int64_t)seq;
		tk[i].u.raw[0] = seq;
		tk[i].u.raw[1] = thru_check(seq);
	}
	return b == 1 ? mdbus_writer_publish(w, tk, NULL) : mdbus_writer_publish_batch(w, tk, b);
}

static inline void thru_verify(struct thru_count *v, const struct mdbus_tick *t, uint64_t seq)
{
	if (seq <= v->last)
		v->order++;
	else
		v->gaps += seq - v->last - 1;
	v->last = seq;
	if (t->u.raw[0] != seq || t->u.raw[1] != thru_check(seq) || t->exch_ts != (int64_t)seq ||
	    t->instrument != 0)
		v->bad++;
}

/* One mdbus_reader_next or _read, its ticks verified; the reader's rc. */
static inline int thru_read(mdbus_reader *rd, const struct thru_case *c, struct thru_buf *b,
			    struct thru_count *v)
{
	uint64_t m = 0;
	int rc;
	if (c->reader == 1) {
		rc = mdbus_reader_next(rd, b->r, b->seqs, &m);
		if (rc == 1)
			thru_verify(v, b->r, b->seqs[0]);
	} else {
		rc = mdbus_reader_read(rd, b->r, b->seqs, (int)c->rbatch, &m);
		for (int i = 0; i < rc; i++)
			thru_verify(v, &b->r[i], b->seqs[i]);
	}
	v->missed += m; /* also counted when nothing could be read */
	return rc;
}

static uint64_t thru_preempted(void)
{
	struct bench_usage u;
	bench_usage(&u);
	return u.invol;
}

/* A failed publish or read into err; the child's exit status. */
static int thru_fail(char *err, const char *what, int rc)
{
	snprintf(err, BENCH_ERR_MAX, "%s: %s", what, mdbus_strerror(rc));
	return 1;
}

static int thru_writer(struct bench_proc *p, const struct thru_ctx *x, mdbus_writer *w,
		       struct mdbus_tick *tk)
{
	const struct thru_case *c = x->c;
	struct thru_res *r = p->shared;
	bench_proc_arrive(p, TH_BUS); /* the bus is complete before the reader opens it */
	if (c->reader && bench_proc_await(p, TH_ATTACHED, 1) < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "reader never attached");
		return 1;
	}
	const unsigned b = c->wbatch;
	const unsigned check_every = b >= 4096 ? 1 : 4096 / b; /* batches per clock read */
	const double ns_per_tick = c->rate ? 1e9 / (double)c->rate : 0;
	uint64_t k = 0, pre0 = thru_preempted();
	int64_t t0 = bench_now_ns(), t1 = 0; /* set before every break below */
	for (unsigned it = 1;; it++) {
		int rc = thru_publish(w, tk, b, k);
		if (rc < 0)
			return thru_fail(r->w_err, "publish", rc);
		if (c->wake)
			mdbus_writer_wake(w);
		k += b;
		if (c->rate) {
			/* absolute schedule: batch j+1 is due at t0 + (j+1)*b/rate */
			int64_t due = t0 + (int64_t)((double)k * ns_per_tick);
			while ((t1 = bench_now_ns()) < due)
				bench_relax();
			if (t1 - t0 >= x->o->duration_ns)
				break;
		} else if (it % check_every == 0 &&
			   (t1 = bench_now_ns()) - t0 >= x->o->duration_ns) {
			break;
		}
	}
	r->published = k;
	r->pub_ns = t1 - t0;
	r->w_preempt = thru_preempted() - pre0;
	r->w_ok = 1;
	return 0; /* the caller closes: STOPPED, the reader drains and sees -ESHUTDOWN */
}

/* Drains until the writer stopped: the reader process's hot loop. */
static int thru_reader(struct bench_proc *p, const struct thru_ctx *x, mdbus_reader *rd,
		       struct thru_buf *b)
{
	struct thru_res *r = p->shared;
	struct thru_count v = {0};
	uint64_t idle = 0, pre0 = thru_preempted();
	int64_t t0 = 0;
	bench_proc_arrive(p, TH_ATTACHED); /* before the writer publishes tick 1 */
	for (;;) {
		int rc = thru_read(rd, x->c, b, &v);
		if (rc > 0) {
			if (v.read == 0)
				t0 = bench_now_ns();
			v.read += (uint64_t)rc;
		} else if (rc == 0) {
			if ((++idle & 0xffff) == 0 && bench_proc_stopped(p)) {
				snprintf(r->r_err, sizeof(r->r_err), "timed out (writer gone?)");
				return 1;
			}
		} else if (rc == -ESHUTDOWN) { /* the writer closed and everything was read */
			r->read_ns = v.read ? bench_now_ns() - t0 : 0;
			break;
		} else {
			return thru_fail(r->r_err, "read", rc);
		}
	}
	struct mdbus_reader_stats st;
	mdbus_reader_stats(rd, &st);
	r->laps = st.laps;
	r->n = v;
	r->r_preempt = thru_preempted() - pre0;
	r->r_ok = 1;
	return 0;
}

/* Writer and reader in one process, taking turns: publish a whole ring,
 * then read it all back (the case to run under callgrind). */
static int thru_local(struct bench_proc *p, const struct thru_ctx *x, mdbus_writer *w,
		      mdbus_reader *rd, struct thru_buf *b)
{
	struct thru_res *r = p->shared;
	struct thru_count v = {0};
	uint64_t k = 0, pre0 = thru_preempted();
	int64_t pub_ns = 0, read_ns = 0;
	int rc;
	while (pub_ns + read_ns < x->o->duration_ns) {
		int64_t t0 = bench_now_ns();
		for (uint64_t end = k + x->o->slots; k < end; k += x->c->wbatch)
			if ((rc = thru_publish(w, b->w, x->c->wbatch, k)) < 0)
				return thru_fail(r->w_err, "publish", rc);
		int64_t t1 = bench_now_ns();
		while ((rc = thru_read(rd, x->c, b, &v)) > 0)
			v.read += (uint64_t)rc;
		int64_t t2 = bench_now_ns();
		if (rc < 0)
			return thru_fail(r->r_err, "read", rc);
		pub_ns += t1 - t0;
		read_ns += t2 - t1;
	}
	r->published = k;
	r->pub_ns = pub_ns;
	r->read_ns = read_ns;
	r->n = v;
	r->w_preempt = r->r_preempt = thru_preempted() - pre0;
	r->w_ok = r->r_ok = 1;
	return 0;
}

/* Child 0 writes (and in the local case reads too), child 1 reads. */
static int thru_child(struct bench_proc *p, unsigned idx, int pin_rc)
{
	static const struct mdbus_instrument in = {
		.price_decimals = 2, .qty_decimals = 8, .venue = "bench", .symbol = "THRU-TEST"};
	const struct thru_ctx *x = p->arg;
	struct thru_res *r = p->shared;
	struct mdbus_reader_opts ro = {.bus = x->bus,
				       .start = MDBUS_START_OLDEST,
				       .errbuf = r->r_err,
				       .errlen = sizeof(r->r_err),
				       .flags = x->c->reg ? MDBUS_READER_REGISTER : 0};
	struct thru_buf *b = calloc(1, sizeof(*b));
	mdbus_writer *w = NULL;
	mdbus_reader *rd = NULL;
	int local = x->c->kind == THRU_LOCAL, bad = 1;
	for (unsigned i = 0; b && i < THRU_MAX_B; i++)
		b->w[i].kind = MDBUS_KIND_TRADE;
	if (pin_rc < 0) {
		snprintf(idx ? r->r_err : r->w_err, BENCH_ERR_MAX, "pin to cpu %d: %s", p->cpu[idx],
			 strerror(-pin_rc));
		bench_proc_stop(p);
	} else if (!b) {
		snprintf(idx ? r->r_err : r->w_err, BENCH_ERR_MAX, "out of memory");
	} else if (idx > 0 || bench_bus_open(&w, x->bus, x->o->slots, &in, r->w_err,
					     BENCH_ERR_MAX) == 0) { /* else w_err says why */
		if (idx == 0 && !local)
			bad = thru_writer(p, x, w, b->w);
		else if (!local && bench_proc_await(p, TH_BUS, 1) < 0)
			snprintf(r->r_err, sizeof(r->r_err), "bus never appeared");
		else if (mdbus_reader_open(&rd, &ro) == 0) /* else ro.errbuf says why */
			bad = local ? thru_local(p, x, w, rd, b) : thru_reader(p, x, rd, b);
	}
	if (rd)
		mdbus_reader_close(rd);
	if (w)
		mdbus_writer_close(w, 1);
	free(b);
	return bad;
}

/* Forks the writer (and the reader) of case c and waits for them. Returns
 * 0 (the run's own errors are in *out) or -errno. */
static int thru_run(const struct thru_opts *o, const struct thru_case *c, unsigned idx,
		    struct thru_res *out)
{
	struct thru_ctx x = {.o = o, .c = c};
	struct bench_proc p = {
		.n = c->kind == THRU_PUB || c->kind == THRU_LOCAL ? 1 : 2,
		.cpu = {o->cpus[0], o->cpus[1]},
		.child = thru_child,
		.arg = &x,
		.timeout_ns = o->duration_ns + 20LL * 1000000000,
	};
	int rc = bench_proc_map(&p, sizeof(struct thru_res));
	if (rc < 0)
		return rc;
	snprintf(x.bus, sizeof(x.bus), "thru-%ld-%u", (long)getpid(), idx);
	bench_proc_start(&p); /* a failed fork raises the stop flag: the run fails */
	bench_proc_wait(&p);
	*out = *(struct thru_res *)p.shared;
	if (!out->w_ok && !out->w_err[0])
		snprintf(out->w_err, sizeof(out->w_err), "writer died");
	if (c->reader && !out->r_ok && !out->r_err[0])
		snprintf(out->r_err, sizeof(out->r_err), "reader died");
	bench_proc_unmap(&p);
	bench_bus_unlink(x.bus); /* a killed writer leaves its files behind */
	return 0;
}

/* ---- cases, medians, report ---------------------------------------------- */

/* One case over its repetitions: medians [min..max] of the runs that worked. */
struct thru_summary {
	unsigned ok_runs;
	int accounted; /* every run */
	double pub[3], rd[3], missed, lapped_frac;
};

static int thru_ok(const struct thru_case *c, const struct thru_res *r)
{
	return r->w_ok && (!c->reader || r->r_ok);
}

/* read + missed == published, holes == reported misses, every tick intact. */
static int thru_accounted(const struct thru_res *r)
{
	const struct thru_count *n = &r->n;
	return n->read + n->missed == r->published && n->gaps == n->missed && n->bad == 0 &&
	       n->order == 0 && n->last == r->published;
}

static double thru_rate(uint64_t n, int64_t ns)
{
	return ns > 0 ? (double)n * 1e9 / (double)ns : 0;
}

static double thru_ns(double rate)
{
	return rate > 0 ? 1e9 / rate : 0;
}

static void thru_summarize(const struct thru_case *c, const struct thru_res *rs, unsigned n,
			   struct thru_summary *s)
{
	double v[4][THRU_MAX_REP]; /* publish and read rates, missed, missed fraction */
	unsigned k = 0;
	memset(s, 0, sizeof(*s));
	s->accounted = 1;
	for (const struct thru_res *r = rs; r < rs + n; r++) {
		s->accounted &= thru_ok(c, r) && (!c->reader || thru_accounted(r));
		if (!thru_ok(c, r))
			continue;
		v[0][k] = thru_rate(r->published, r->pub_ns);
		v[1][k] = thru_rate(r->n.read, r->read_ns);
		v[2][k] = (double)r->n.missed;
		v[3][k++] = r->published ? (double)r->n.missed / (double)r->published : 0;
	}
	if ((s->ok_runs = k) == 0)
		return;
	for (int q = 0; q < 2; q++) {
		double *m = q ? s->rd : s->pub;
		m[0] = bench_median(v[q], k, 1); /* sorts: min and max follow */
		m[1] = v[q][0];
		m[2] = v[q][k - 1];
	}
	s->missed = bench_median(v[2], k, 1);
	s->lapped_frac = bench_median(v[3], k, 1);
}

static void thru_json_case(struct bench_json *j, unsigned repeat, const struct thru_case *c,
			   const struct thru_res *res, const struct thru_summary *s)
{
	bench_j_open(j, NULL, '{');
	bench_j(j, "name:s kind:s writer_api:s writer_batch:d rate:u reader_api:s", c->name,
		thru_kinds[c->kind],
		c->wbatch == 1 ? "mdbus_writer_publish" : "mdbus_writer_publish_batch", c->wbatch,
		c->rate, thru_rapi[c->reader]);
	if (c->reader)
		bench_j(j, "reader_batch:d", c->rbatch);
	else
		bench_j(j, "reader_batch:s", NULL);
	bench_j_open(j, "runs", '[');
	for (unsigned k = 0; k < repeat; k++) {
		const struct thru_res *r = &res[k];
		const struct thru_count *n = &r->n;
		bench_j_open(j, NULL, '{');
		bench_j(j,
			"ok:b error:s published:u publish_ns:i publish_per_s:f0 writer_preempted:u",
			thru_ok(c, r),
			thru_ok(c, r) ? NULL
			: r->w_ok     ? r->r_err
				      : r->w_err,
			r->published, r->pub_ns, thru_rate(r->published, r->pub_ns), r->w_preempt);
		if (c->reader)
			bench_j(j,
				"read:u read_ns:i read_per_s:f0 missed:u laps:u gaps:u bad:u "
				"out_of_order:u last_seq:u accounted:b reader_preempted:u",
				n->read, r->read_ns, thru_rate(n->read, r->read_ns), n->missed,
				r->laps, n->gaps, n->bad, n->order, n->last, thru_accounted(r),
				r->r_preempt);
		bench_j_close(j);
	}
	bench_j_close(j);
	bench_j_open(j, "median", '{');
	bench_j(j,
		"ok_runs:d publish_per_s:f0 publish_ns_per_tick:f3 publish_min_per_s:f0 "
		"publish_max_per_s:f0",
		s->ok_runs, s->pub[0], thru_ns(s->pub[0]), s->pub[1], s->pub[2]);
	if (c->reader)
		bench_j(j,
			"read_per_s:f0 read_ns_per_tick:f3 read_min_per_s:f0 read_max_per_s:f0 "
			"missed:f0 missed_fraction:f6",
			s->rd[0], thru_ns(s->rd[0]), s->rd[1], s->rd[2], s->missed, s->lapped_frac);
	bench_j_close(j);
	bench_j(j, "accounted:b target_met:b", s->accounted,
		s->pub[0] >= THRU_TARGET &&
			(!c->reader || (s->rd[0] >= THRU_TARGET && s->missed == 0)));
	bench_j_close(j);
}

static void thru_json(const struct bench_sysinfo *si, const struct thru_opts *o,
		      const struct thru_case *cs, int ncases, struct thru_res (*res)[THRU_MAX_REP],
		      const struct thru_summary *sum)
{
	struct bench_json j = {.f = stdout};
	bench_j_doc(&j, si, "throughput");
	bench_j_open(&j, "config", '{');
	bench_j(&j,
		"duration_s:f3 repeat:d slots:d batch:d writer_cpu:d reader_cpu:d "
		"target_ticks_per_s:f0",
		(double)o->duration_ns / 1e9, o->repeat, o->slots, o->batch, o->cpus[0], o->cpus[1],
		THRU_TARGET);
	bench_j_close(&j);
	bench_j_open(&j, "cases", '[');
	for (int ci = 0; ci < ncases; ci++)
		thru_json_case(&j, o->repeat, &cs[ci], res[ci], &sum[ci]);
	bench_j_close(&j);
	bench_j_close(&j);
}

/* "M/s [min..max]" and ns/tick of the median, or "-". */
static void thru_cell(const double *v, int show)
{
	char mm[48];
	snprintf(mm, sizeof(mm), "%.1f [%.1f..%.1f]", v[0] / 1e6, v[1] / 1e6, v[2] / 1e6);
	if (show)
		printf("%-22s %6.2f", mm, thru_ns(v[0]));
	else
		printf("%-22s %6s", "-", "-");
}

static void thru_print(const struct thru_opts *o, const struct thru_case *cs, int ncases,
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
		char wr[32], miss[16] = "      -";
		if (c->kind == THRU_PACED)
			snprintf(wr, sizeof(wr), "%.0fM/s x%u", (double)c->rate / 1e6, c->wbatch);
		else
			snprintf(wr, sizeof(wr), "%s x%u", c->wbatch == 1 ? "publish" : "batch",
				 c->wbatch);
		if (s->ok_runs == 0) {
			printf("%-18s %-14s failed\n", c->name, wr);
			continue;
		}
		printf("%-18s %-14s ", c->name, wr);
		thru_cell(s->pub, 1);
		printf("  ");
		thru_cell(s->rd, c->reader);
		if (c->reader)
			snprintf(miss, sizeof(miss), "%6.2f%%", 100.0 * s->lapped_frac);
		printf(" %s %s\n", miss, !c->reader ? "-" : s->accounted ? "ok" : "FAILED");
	}
}

/* Repetitions interleaved over all cases, so drifts of the machine's load
 * hit every case alike. Returns the exit status. */
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
	for (unsigned k = 0; k < o->repeat; k++)
		for (int ci = 0; ci < ncases; ci++) {
			struct thru_res *r = &res[ci][k];
			if (!o->json)
				fprintf(stderr, "run %u/%u: %s\n", k + 1, o->repeat, cs[ci].name);
			int rc = thru_run(o, &cs[ci], idx++, r);
			if (rc < 0) {
				tools_error("mdbus-bench throughput", "%s", strerror(-rc));
				return 1;
			}
			if (!thru_ok(&cs[ci], r))
				tools_error("mdbus-bench throughput", "%s: %s", cs[ci].name,
					    r->w_ok ? r->r_err : r->w_err);
		}
	for (int ci = 0; ci < ncases; ci++) {
		thru_summarize(&cs[ci], res[ci], o->repeat, &sum[ci]);
		failed |= sum[ci].ok_runs != o->repeat || !sum[ci].accounted;
	}
	if (o->json)
		thru_json(&si, o, cs, ncases, res, sum);
	else
		thru_print(o, cs, ncases, sum);
	return failed;
}

static const char *thru_opt_rates(void *dst, const char *arg)
{
	struct thru_opts *o = dst;
	if (bench_parse_list(arg, 1, 1000000000, o->rates, THRU_MAX_RATES, &o->nrates) < 0)
		return "expected up to 8 rates like 20M,50M";
	return NULL;
}

static const char *thru_opt_cpus(void *dst, const char *arg)
{
	struct thru_opts *o = dst;
	if (bench_parse_cpus(arg, o->cpus, 2, &o->ncpus) < 0 || o->ncpus != 2)
		return "expected A,B: two CPUs we may run on";
	return NULL;
}

/* The case table expanded (paced per rate), filtered by --only. */
static int thru_cases(const struct thru_opts *o, struct thru_case *cs)
{
	int n = 0;
	for (unsigned k = 0; k < THRU_FIXED + 2 * o->nrates; k++) {
		cs[n] = thru_table[k < THRU_FIXED ? k : THRU_FIXED + (k - THRU_FIXED) % 2];
		cs[n].rate = k < THRU_FIXED ? 0 : o->rates[(k - THRU_FIXED) / 2];
		cs[n].wbatch = cs[n].wbatch == THRU_BATCH ? o->batch : cs[n].wbatch;
		cs[n].rbatch = cs[n].reader == 2 ? o->batch : cs[n].rbatch;
		n += !o->only || strncmp(cs[n].name, o->only, strlen(o->only)) == 0;
	}
	return n;
}

static void thru_usage(FILE *f)
{
	fputs("usage: mdbus-bench throughput [options]\n"
	      "  publish-only, local, flat-out and paced writer/reader cases (docs/PERFORMANCE.md, "
	      "section I)\n"
	      "options:\n"
	      "  -d, --duration D        per run: 1, 500ms (default 1s)\n"
	      "      --repeat N          runs per case, medians reported (default 5)\n"
	      "      --batch N           writer and mdbus_reader_read batch, 2..1024 (default 64;\n"
	      "                          formerly -b)\n"
	      "  -s, --slots N           ring slots, power of two (default 65536)\n"
	      "      --cpus A,B          writer CPU, reader CPU (default: the first two usable;\n"
	      "                          formerly -c)\n"
	      "  -r, --rate LIST         paced writer rates, e.g. 20M,50M (default 50M, the "
	      "target)\n"
	      "      --rates LIST        the same\n"
	      "      --only PREFIX       only the cases named so (publish, local, flat, paced...)\n"
	      "  -j, --json              JSON on stdout\n" TOOLS_STD_USAGE,
	      f);
}

int bench_thru_main(int argc, char **argv)
{
	static struct thru_case cs[THRU_MAX_CASES];
	struct thru_opts o = {
		.duration_ns = 1000000000LL, .slots = 65536, .rates = {50000000}, .nrates = 1};
	uint64_t repeat = 5, batch = 64;
	const struct tools_opt opts[] = {
		BENCH_NUM("duration", 'd', DURATION, &o.duration_ns, 1000000, 600000000000LL,
			  "expected 1ms..600s like 1 or 500ms"),
		BENCH_NUM("repeat", 0, COUNT, &repeat, 1, THRU_MAX_REP, "expected 1..50"),
		BENCH_NUM("batch", 0, COUNT, &batch, 2, THRU_MAX_B, "expected 2..1024"),
		BENCH_FN("slots", 's', &o.slots, bench_opt_pow2),
		BENCH_FN("cpus", 0, &o, thru_opt_cpus),
		BENCH_FN("rate", 'r', &o, thru_opt_rates),
		BENCH_FN("rates", 0, &o, thru_opt_rates),
		BENCH_NUM("only", 0, STR, &o.only, 0, 0, NULL),
		BENCH_FLAG("json", 'j', &o.json, 1),
		BENCH_HELP,
	};
	int rc = bench_opts("mdbus-bench throughput", thru_usage, opts,
			    sizeof(opts) / sizeof(opts[0]), argc, argv);
	if (rc >= 0)
		return rc;
	o.repeat = (unsigned)repeat;
	o.batch = (unsigned)batch;
	if (o.ncpus == 0) /* the first two usable CPUs (the same one twice if only one) */
		o.ncpus = bench_usable_cpus(o.cpus, 2);
	if (o.ncpus < 2)
		o.cpus[1] = o.cpus[0];
	int ncases = thru_cases(&o, cs);
	if (ncases == 0) {
		const struct tools_cmd cmd = {"mdbus-bench throughput", MDBUS_VERSION, thru_usage,
					      2, ""};
		return tools_usage_error(&cmd, "--only '%s' matches no case", o.only);
	}
	return thru_execute(&o, cs, ncases);
}
