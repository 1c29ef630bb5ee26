/* SPDX-License-Identifier: MIT */
/*
 * thru_cases.c: one run of one `mdbus-bench throughput` case. The writer and
 * the reader each work in a child pinned by the process harness (proc.h;
 * the "local" case: one child doing both in turns); the parent only waits
 * and reads the results from the shared mapping.
 *
 * Honesty: every tick carries its bus sequence and a checksum word derived
 * from it, which the reader verifies; sequence holes must equal the misses
 * the ring reports, and read + missed must equal published exactly.
 */
#include "proc.h"
#include "thru.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Where the writer and the reader meet (proc.h stage counters). */
enum { TH_BUS, TH_ATTACHED };

/* What the children of one run read. */
struct thru_ctx {
	const struct thru_opts *o;
	const struct thru_case *c;
	char bus[48];
};

/* The checksum word the reader verifies: any bit of the sequence changes it. */
static inline uint64_t thru_check(uint64_t seq)
{
	return (seq * 0x9e3779b97f4a7c15ULL) ^ 0x5bd1e9955bd1e995ULL;
}

static inline void thru_fill(struct mdbus_tick *t, uint64_t seq)
{
	t->exch_ts = (int64_t)seq;
	t->u.raw[0] = seq;
	t->u.raw[1] = thru_check(seq);
}

static inline void thru_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static uint64_t thru_preempted(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_nivcsw;
}

/* Creates the private bus and its one instrument (id 0). Returns 0, or -1
 * with r->w_err saying why (nothing left open). */
static int thru_writer_setup(struct thru_res *r, const struct thru_opts *o, const char *bus,
			     mdbus_writer **out)
{
	int rc;
	struct mdbus_writer_opts wo = {
		.bus = bus, .slots = o->slots, .errbuf = r->w_err, .errlen = sizeof(r->w_err)};
	mdbus_writer *w;
	if (mdbus_writer_open(&w, &wo) < 0) /* wo.errbuf says why */
		return -1;
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
	snprintf(in.venue, sizeof(in.venue), "bench");
	snprintf(in.symbol, sizeof(in.symbol), "THRU-TEST");
	uint32_t id = 0;
	if ((rc = mdbus_writer_add_instrument(w, &in, &id)) < 0 || id != 0) {
		snprintf(r->w_err, sizeof(r->w_err), "add instrument: %s", mdbus_strerror(rc));
		mdbus_writer_close(w, 1);
		return -1;
	}
	*out = w;
	return 0;
}

static int thru_writer(struct bench_proc *p, const struct thru_ctx *x)
{
	const struct thru_opts *o = x->o;
	const struct thru_case *c = x->c;
	const uint64_t rate = c->rate;
	struct thru_res *r = p->shared;
	mdbus_writer *w;
	if (thru_writer_setup(r, o, x->bus, &w) < 0)
		return 1;
	bench_proc_arrive(p, TH_BUS); /* the bus is complete before the reader opens it */
	if (c->rapi != THRU_NONE && bench_proc_await(p, TH_ATTACHED, 1) < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "reader never attached");
		mdbus_writer_close(w, 1);
		return 1;
	}
	struct mdbus_tick tk[THRU_MAX_B];
	memset(tk, 0, sizeof(tk));
	for (unsigned i = 0; i < THRU_MAX_B; i++)
		tk[i].kind = MDBUS_KIND_TRADE;
	const unsigned b = c->wbatch;
	const unsigned check_every = b >= 4096 ? 1 : 4096 / b; /* batches per clock read */
	const double ns_per_tick = rate ? 1e9 / (double)rate : 0;
	uint64_t k = 0, pre0 = thru_preempted();
	int64_t t0 = bench_now_ns(), t1 = 0; /* set before every break below */
	for (unsigned it = 1;; it++) {
		for (unsigned i = 0; i < b; i++)
			thru_fill(&tk[i], k + 1 + i);
		int rc = b == 1 ? mdbus_writer_publish(w, tk, NULL)
				: mdbus_writer_publish_batch(w, tk, b);
		if (rc < 0) {
			snprintf(r->w_err, sizeof(r->w_err), "publish: %s", mdbus_strerror(rc));
			mdbus_writer_close(w, 1);
			return 1;
		}
		k += b;
		if (rate) {
			/* absolute schedule: batch j+1 is due at t0 + (j+1)*b/rate */
			int64_t due = t0 + (int64_t)((double)k * ns_per_tick);
			while ((t1 = bench_now_ns()) < due)
				thru_relax();
			if (t1 - t0 >= o->duration_ns)
				break;
		} else if (it % check_every == 0) {
			t1 = bench_now_ns();
			if (t1 - t0 >= o->duration_ns)
				break;
		}
	}
	r->published = k;
	r->pub_ns = t1 - t0;
	r->w_preempt = thru_preempted() - pre0;
	r->w_ok = 1;
	mdbus_writer_close(w, 1); /* STOPPED: the reader drains and sees -ESHUTDOWN */
	return 0;
}

struct thru_verify {
	uint64_t last, gaps, bad, order;
};

static inline void thru_verify1(struct thru_verify *v, const struct mdbus_tick *t, uint64_t seq)
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

static int thru_reader(struct bench_proc *p, const struct thru_ctx *x) /* long: the hot loop */
{
	const struct thru_case *c = x->c;
	const char *bus = x->bus;
	struct thru_res *r = p->shared;
	int rc;
	if (bench_proc_await(p, TH_BUS, 1) < 0) {
		snprintf(r->r_err, sizeof(r->r_err), "bus never appeared");
		return 1;
	}
	struct mdbus_reader_opts ro = {.bus = bus,
				       .start = MDBUS_START_OLDEST,
				       .errbuf = r->r_err,
				       .errlen = sizeof(r->r_err)};
	mdbus_reader *rd;
	if (mdbus_reader_open(&rd, &ro) < 0) /* ro.errbuf says why */
		return 1;
	struct mdbus_tick *tk = calloc(THRU_MAX_B, sizeof(*tk));
	uint64_t *seqs = calloc(THRU_MAX_B, sizeof(*seqs));
	if (!tk || !seqs) {
		snprintf(r->r_err, sizeof(r->r_err), "out of memory");
		goto out;
	}
	bench_proc_arrive(p, TH_ATTACHED); /* before the writer publishes tick 1 */
	struct thru_verify v = {0};
	uint64_t read = 0, missed = 0, idle = 0, pre0 = thru_preempted();
	int64_t t0 = 0, t1 = 0;
	const int rb = (int)c->rbatch;
	for (;;) {
		uint64_t m = 0;
		if (c->rapi == THRU_NEXT) {
			uint64_t seq;
			rc = mdbus_reader_next(rd, tk, &seq, &m);
			if (rc == 1)
				thru_verify1(&v, tk, seq);
		} else {
			rc = mdbus_reader_read(rd, tk, seqs, rb, &m);
			for (int i = 0; i < rc; i++)
				thru_verify1(&v, &tk[i], seqs[i]);
		}
		missed += m; /* also counted when nothing could be read */
		if (rc > 0) {
			if (read == 0)
				t0 = bench_now_ns();
			read += (uint64_t)rc;
			continue;
		}
		if (rc == 0) {
			if ((++idle & 0xffff) == 0 && bench_proc_stopped(p)) {
				snprintf(r->r_err, sizeof(r->r_err), "timed out (writer gone?)");
				goto out;
			}
			continue;
		}
		if (rc == -ESHUTDOWN) { /* the writer closed and everything was read */
			t1 = bench_now_ns();
			break;
		}
		snprintf(r->r_err, sizeof(r->r_err), "read: %s", mdbus_strerror(rc));
		goto out;
	}
	struct mdbus_reader_stats st;
	mdbus_reader_stats(rd, &st);
	r->read = read;
	r->missed = missed;
	r->laps = st.laps;
	r->gaps = v.gaps;
	r->bad = v.bad;
	r->order = v.order;
	r->last = v.last;
	r->read_ns = read ? t1 - t0 : 0;
	r->r_preempt = thru_preempted() - pre0;
	r->r_ok = 1;
out:
	free(tk);
	free(seqs);
	mdbus_reader_close(rd);
	return r->r_ok ? 0 : 1;
}

/*
 * Writer and reader in one process on the writer's CPU, taking turns: publish
 * a whole ring (batches of --batch), then read it all back. No second core, no
 * contention: the instruction-bound ceiling of each side (and the case to run
 * under callgrind for instructions per tick).
 */
static int thru_local(struct bench_proc *p, const struct thru_ctx *x) /* long: the hot loop */
{
	const struct thru_opts *o = x->o;
	const struct thru_case *c = x->c;
	const char *bus = x->bus;
	struct thru_res *r = p->shared;
	int rc = 0;
	mdbus_writer *w;
	if (thru_writer_setup(r, o, bus, &w) < 0)
		return 1;
	struct mdbus_reader_opts ro = {.bus = bus,
				       .start = MDBUS_START_OLDEST,
				       .errbuf = r->r_err,
				       .errlen = sizeof(r->r_err)};
	mdbus_reader *rd = NULL;
	struct mdbus_tick *tk = calloc(THRU_MAX_B, sizeof(*tk));
	uint64_t *seqs = calloc(THRU_MAX_B, sizeof(*seqs));
	if (!tk || !seqs || (rc = mdbus_reader_open(&rd, &ro)) < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "setup: %s", mdbus_strerror(rc));
		goto out;
	}
	struct thru_verify v = {0};
	uint64_t k = 0, read = 0, missed = 0, pre0 = thru_preempted();
	int64_t pub_ns = 0, read_ns = 0;
	const unsigned b = c->wbatch;
	while (pub_ns + read_ns < o->duration_ns) {
		int64_t t0 = bench_now_ns();
		for (uint64_t end = k + o->slots; k < end; k += b) {
			for (unsigned i = 0; i < b; i++) {
				tk[i].kind = MDBUS_KIND_TRADE;
				thru_fill(&tk[i], k + 1 + i);
			}
			if ((rc = mdbus_writer_publish_batch(w, tk, b)) < 0) {
				snprintf(r->w_err, sizeof(r->w_err), "publish: %s",
					 mdbus_strerror(rc));
				goto out;
			}
		}
		int64_t t1 = bench_now_ns();
		for (;;) {
			uint64_t m = 0, seq;
			if (c->rapi == THRU_NEXT) {
				rc = mdbus_reader_next(rd, tk, &seq, &m);
				if (rc == 1)
					thru_verify1(&v, tk, seq);
			} else {
				rc = mdbus_reader_read(rd, tk, seqs, (int)c->rbatch, &m);
				for (int i = 0; i < rc; i++)
					thru_verify1(&v, &tk[i], seqs[i]);
			}
			missed += m;
			if (rc <= 0)
				break;
			read += (uint64_t)rc;
		}
		int64_t t2 = bench_now_ns();
		if (rc < 0) {
			snprintf(r->r_err, sizeof(r->r_err), "read: %s", mdbus_strerror(rc));
			goto out;
		}
		pub_ns += t1 - t0;
		read_ns += t2 - t1;
	}
	r->published = k;
	r->pub_ns = pub_ns;
	r->read = read;
	r->read_ns = read_ns;
	r->missed = missed;
	r->gaps = v.gaps;
	r->bad = v.bad;
	r->order = v.order;
	r->last = v.last;
	r->w_preempt = r->r_preempt = thru_preempted() - pre0;
	r->w_ok = r->r_ok = 1;
out:
	free(tk);
	free(seqs);
	if (rd)
		mdbus_reader_close(rd);
	mdbus_writer_close(w, 1);
	return r->w_ok ? 0 : 1;
}

static int thru_child(struct bench_proc *p, unsigned idx, int pin_rc)
{
	const struct thru_ctx *x = p->arg;
	struct thru_res *r = p->shared;
	if (pin_rc < 0) {
		snprintf(idx ? r->r_err : r->w_err, BENCH_ERR_MAX, "pin to cpu %d: %s", p->cpu[idx],
			 strerror(-pin_rc));
		bench_proc_stop(p);
		return 1;
	}
	if (x->c->kind == THRU_LOCAL)
		return thru_local(p, x);
	return idx == 0 ? thru_writer(p, x) : thru_reader(p, x);
}

int bench_thru_run(const struct thru_opts *o, const struct thru_case *c, unsigned idx,
		   struct thru_res *out)
{
	struct thru_ctx x = {.o = o, .c = c};
	struct bench_proc p = {
		.n = c->kind == THRU_PUB || c->kind == THRU_LOCAL ? 1 : 2,
		.cpu = {o->cpus[0], o->cpus[1]},
		.child = thru_child,
		.arg = &x,
		.timeout_ns = o->duration_ns + THRU_TIMEOUT,
	};
	int rc = bench_proc_map(&p, sizeof(struct thru_res));
	if (rc < 0)
		return rc;
	snprintf(x.bus, sizeof(x.bus), "thru-%ld-%u", (long)getpid(), idx);
	bench_proc_start(&p); /* a failed fork raises the stop flag: the run fails */
	bench_proc_wait(&p);
	*out = *(struct thru_res *)p.shared;
	out->rate = c->rate;
	if (!out->w_ok && !out->w_err[0])
		snprintf(out->w_err, sizeof(out->w_err), "writer died");
	if (c->rapi != THRU_NONE && !out->r_ok && !out->r_err[0])
		snprintf(out->r_err, sizeof(out->r_err), "reader died");
	bench_proc_unmap(&p);
	/* a killed writer leaves its files behind */
	char path[128];
	if (mdbus_bus_path(x.bus, path, sizeof(path)) == 0) {
		unlink(path);
		strncat(path, ".lock", sizeof(path) - strlen(path) - 1);
		unlink(path);
	}
	return 0;
}
