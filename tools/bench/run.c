/* SPDX-License-Identifier: MIT */
/*
 * run.c: one fan-out latency run: the publisher and consumer processes
 * (forked and pinned by proc.c), and the parent's verdict on them.
 *
 * The publisher paces ticks on an absolute schedule (tick i is due at
 * start + i/rate; it busy-polls the clock, never sleeps, and when late it
 * publishes at once so the schedule does not drift). It stamps every tick
 * with CLOCK_MONOTONIC right before handing it to the transport; the
 * consumer subtracts on read. Sequence numbers make every loss visible:
 * received + holes + tail == published, whatever the transport.
 *
 * The floor (unless --no-stalls): a spinning consumer cannot read a tick
 * while its CPU runs something else, often the hypervisor. Publisher and
 * consumers note each gap between two clock reads longer than
 * BENCH_STALL_MIN_NS; the parent replays the schedule through a zero-cost
 * transport over those stalls: what any transport could have measured at
 * best. Only mdbus is traced: its polls cost ~10 ns, a socket poll is a
 * syscall that no threshold can tell from a stall.
 */
#include "bench.h"
#include "noise.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_READY_TIMEOUT_NS (20LL * 1000000000) /* consumers connect, RouDi answers */
#define BENCH_WARM_TIMEOUT_NS  (10LL * 1000000000) /* subscriptions propagate */
#define BENCH_END_TIMEOUT_NS   (3LL * 1000000000)  /* consumers drain after the end */

/* The payload of a bench_msg's tick. */
enum { BENCH_MSG_DATA, BENCH_MSG_WARMUP, BENCH_MSG_END }; /* END carries the total */
#define BENCH_STAMP(m) ((m)->tick.u.raw[0])
#define BENCH_SEQ(m)   ((m)->tick.u.raw[1])
#define BENCH_TYPE(m)  ((m)->tick.u.raw[2])
#define BENCH_TOTAL(m) ((m)->tick.u.raw[3])

/* The results in the shared mapping; the stall recorders follow it. */
struct bench_ctl {
	struct bench_noise_cpu *stall; /* publisher, then each consumer; NULL: not traced */
	struct bench_pub_result pub;
	struct bench_sub_result sub[BENCH_MAX_CONSUMERS];
};

/* Where the children of a run meet (proc.h stage counters). */
enum { ST_PUB_READY, ST_SUB_READY, ST_SUB_WARM, ST_SUB_DONE, ST_SUB_FAILED };

/* The stall recorder of a consumer (-1: the publisher), NULL if untraced. */
static struct bench_noise_cpu *bench_tracer(const struct bench_run *run, int idx)
{
	return run->ctl->stall ? &run->ctl->stall[idx + 1] : NULL;
}

static void bench_msg_init(struct bench_msg *m, uint64_t type)
{
	memset(m, 0, sizeof(*m));
	m->tick.kind = MDBUS_KIND_TRADE;
	BENCH_TYPE(m) = type;
}

/* ---- publisher process --------------------------------------------------- */

/* The error of a consumer that gave up before being ready or warm, or NULL. */
static const char *bench_sub_failed(struct bench_run *run)
{
	if (!bench_proc_count(run->proc, ST_SUB_FAILED))
		return NULL;
	for (unsigned i = 0; i < run->cfg->consumers; i++)
		if (run->ctl->sub[i].err[0])
			return run->ctl->sub[i].err;
	return "a consumer failed";
}

/* Until every consumer arrived at stage, a `type` message (none if < 0)
 * every period_ns. 0, or 1 with the publisher's err set to late (or the
 * consumer's error); late NULL: giving up is no error, nor is a failed send. */
static int bench_pub_until(struct bench_run *run, void *pub, unsigned stage, int type,
			   int64_t period_ns, int64_t timeout_ns, const char *late)
{
	struct bench_pub_result *res = &run->ctl->pub;
	const unsigned n = run->cfg->consumers;
	int64_t deadline = bench_now_ns() + timeout_ns;
	struct bench_msg m;
	int rc;
	while (bench_proc_count(run->proc, stage) < n) {
		int64_t now = bench_now_ns();
		const char *bad = late ? bench_sub_failed(run) : NULL;
		if (bad || bench_proc_stopped(run->proc) || now > deadline) {
			if (late)
				snprintf(res->err, sizeof(res->err), "%s", bad ? bad : late);
			return late != NULL;
		}
		if (type >= 0) {
			bench_msg_init(&m, (uint64_t)type);
			BENCH_TOTAL(&m) = res->published;
			if ((rc = run->t->send(pub, &m)) < 0 && late) {
				snprintf(res->err, sizeof(res->err), "publisher: send: %s",
					 strerror(-rc));
				return 1;
			}
			if (run->t->flush)
				run->t->flush(pub);
		}
		do
			sched_yield();
		while (bench_now_ns() - now < period_ns && bench_proc_count(run->proc, stage) < n);
	}
	return 0;
}

/* The measured phase: the hot loop every transport is timed by. Traced
 * runs note every gap between two clock reads (the recorder was touched
 * before, not now). Returns 0 or 1 with res->err set. */
static int bench_pub_measure(struct bench_run *run, void *pub) /* long: the hot loop, kept whole */
{
	const struct bench_cfg *cfg = run->cfg;
	const struct bench_transport *t = run->t;
	struct bench_pub_result *res = &run->ctl->pub;
	struct bench_noise_cpu *tr = bench_tracer(run, -1);
	struct bench_msg m;
	int rc;
	bench_msg_init(&m, BENCH_MSG_DATA);
	const int64_t start = bench_now_ns();
	const int64_t end = start + cfg->duration_ns;
	int64_t prev = start;
	if (tr)
		tr->start_ns = start;
	const uint64_t rate = cfg->rate;
	const int flush_each = cfg->wait && t->flush;
	int64_t max_behind = 0;
	uint64_t seq = 0, dropped = 0;
	for (;;) {
		int64_t now = bench_now_ns();
		if (rate) {
			/* Busy-poll: a sleep would add the scheduler's wake-up
			 * latency to the schedule. */
			int64_t due = bench_due(start, seq, rate);
			while (now < due) {
				now = bench_now_ns();
				if (tr)
					bench_noise_note(tr, BENCH_STALL_MIN_NS, &prev, now);
			}
			if (now - due > max_behind)
				max_behind = now - due;
		}
		if (now >= end)
			break;
		seq++;
		BENCH_SEQ(&m) = seq;
		BENCH_STAMP(&m) = (uint64_t)bench_now_ns();
		if (tr)
			bench_noise_note(tr, BENCH_STALL_MIN_NS, &prev, (int64_t)BENCH_STAMP(&m));
		if ((rc = t->send(pub, &m)) < 0) {
			snprintf(res->err, sizeof(res->err), "publisher: send: %s", strerror(-rc));
			return 1;
		}
		dropped += (uint64_t)rc;
		/* --wait: one wake per batch; paced, a batch is one tick; flat
		 * out, 64 ticks. */
		if (flush_each && (rate || (seq & 63) == 0))
			t->flush(pub);
	}
	res->start_ns = start;
	res->end_ns = bench_now_ns();
	if (tr)
		bench_noise_end(tr, end); /* the schedule's end: what the replay covers */
	res->published = seq;
	res->dropped = dropped;
	res->max_behind_ns = max_behind;
	return 0;
}

static int bench_publisher(struct bench_run *run, int pin_rc)
{
	struct bench_pub_result *res = &run->ctl->pub;
	struct bench_usage u0, u1;
	void *pub = NULL;
	res->cpu = bench_cpu_for(run->cfg, -1);
	if (pin_rc < 0)
		snprintf(res->err, sizeof(res->err), "publisher: pin to cpu %d: %s", res->cpu,
			 strerror(-pin_rc));
	if (pin_rc < 0 || run->t->open(run, -1, &pub, res->err, sizeof(res->err)) < 0)
		goto out;
	bench_proc_arrive(run->proc, ST_PUB_READY); /* the endpoint exists */
	/* Warm-up: subscriptions (ZeroMQ, iceoryx) take effect asynchronously;
	 * WARMUP ticks until every consumer has seen one. */
	if (bench_pub_until(run, pub, ST_SUB_READY, -1, 0, BENCH_READY_TIMEOUT_NS,
			    "publisher: consumers did not connect") ||
	    bench_pub_until(run, pub, ST_SUB_WARM, BENCH_MSG_WARMUP, 200000, BENCH_WARM_TIMEOUT_NS,
			    "publisher: consumers saw no warm-up tick in 10 s"))
		goto out;
	if (bench_tracer(run, -1))
		bench_noise_begin(bench_tracer(run, -1), 0);
	bench_usage(&u0);
	if (bench_pub_measure(run, pub))
		goto out;
	bench_usage(&u1);
	res->cpu_user_s = u1.user_s - u0.user_s;
	res->cpu_sys_s = u1.sys_s - u0.sys_s;
	/* END, with the total, until every consumer is done */
	bench_pub_until(run, pub, ST_SUB_DONE, BENCH_MSG_END, 1000000, BENCH_END_TIMEOUT_NS, NULL);
	res->ok = 1;
out:
	/* A consumer still without END will not get it: it stops once it has
	 * drained what it holds (it looks at the flag only when idle). */
	bench_proc_stop(run->proc);
	if (pub)
		run->t->close(pub, -1);
	return !res->ok;
}

/* ---- consumer process --------------------------------------------------- */

/* Reads until END, the publisher's end or the stop flag: the hot loop.
 * Returns 0, or -1 with res->err set. */
/* long: the consumer hot loop, kept whole as it is timed */
static int bench_sub_measure(struct bench_run *run, unsigned idx, void *sub, int64_t start)
{
	const struct bench_transport *t = run->t;
	struct bench_sub_result *res = &run->ctl->sub[idx];
	struct bench_noise_cpu *tr = bench_tracer(run, (int)idx);
	atomic_int *stop = &run->proc->head->stop;
	struct bench_msg m;
	int rc, warm = 0;
	/* "Ready" ticks found the consumer idle: its previous poll came back
	 * empty (spinning) or it was about to block (--wait). Their latency is
	 * the transport's own hand-over cost, without the backlog a preempted
	 * consumer builds up: on a shared machine the plain histogram mostly
	 * measures the scheduler. */
	const int wait_ms = run->cfg->wait ? 100 : 0;
	uint64_t idle = 0, last = 0;
	int64_t prev = start; /* a local: a store through the trace cannot alias it */
	int was_idle = 0;
	for (;;) {
		rc = t->recv(sub, &m, 0);
		if (rc == 0) {
			if (tr)
				bench_noise_note(tr, BENCH_STALL_MIN_NS, &prev, bench_now_ns());
			was_idle = 1;
			if (wait_ms)
				rc = t->recv(sub, &m, wait_ms);
		}
		if (rc == 0) {
			/* Nothing new: look at the stop flag now and then (it is a
			 * shared cache line the publisher never writes). */
			if ((++idle & 1023) == 0 || wait_ms) {
				if (atomic_load_explicit(stop, memory_order_relaxed))
					break;
			}
			continue;
		}
		if (rc == -ESHUTDOWN)
			break;
		if (rc < 0) {
			snprintf(res->err, sizeof(res->err), "consumer %u: receive: %s", idx,
				 strerror(-rc));
			return -1;
		}
		int64_t now = bench_now_ns();
		if (tr)
			bench_noise_note(tr, BENCH_STALL_MIN_NS, &prev, now);
		uint64_t type = BENCH_TYPE(&m);
		int ready = was_idle;
		was_idle = 0;
		if (type == BENCH_MSG_DATA) {
			int64_t lat = now - (int64_t)BENCH_STAMP(&m);
			if (lat < 0) {
				res->negative++;
				lat = 0;
			}
			bench_hist_record(&res->hist, (uint64_t)lat);
			if (ready)
				bench_hist_record(&res->ready, (uint64_t)lat);
			uint64_t seq = BENCH_SEQ(&m);
			if (seq <= last) {
				res->out_of_order++;
			} else {
				res->gap_missed += seq - last - 1;
				last = seq;
			}
			if (res->received++ == 0)
				res->first_ns = now;
			res->last_ns = now;
		} else if (type == BENCH_MSG_WARMUP) {
			if (!warm++)
				bench_proc_arrive(run->proc, ST_SUB_WARM);
		} else if (type == BENCH_MSG_END) {
			res->end_seen = 1;
			res->published = BENCH_TOTAL(&m);
			break;
		}
	}
	if (tr)
		bench_noise_end(tr, prev);
	if (res->end_seen && res->published >= last)
		res->tail_missed = res->published - last;
	return 0;
}

/* Waits for the publisher's endpoint, opens, measures: 0 or -1 with err. */
static int bench_consumer(struct bench_run *run, unsigned idx, void **sub)
{
	struct bench_sub_result *res = &run->ctl->sub[idx];
	struct bench_noise_cpu *tr = bench_tracer(run, (int)idx);
	struct bench_usage u0, u1;
	int64_t deadline = bench_now_ns() + BENCH_READY_TIMEOUT_NS;
	while (!bench_proc_count(run->proc, ST_PUB_READY)) {
		if (bench_proc_stopped(run->proc) || bench_now_ns() > deadline) {
			snprintf(res->err, sizeof(res->err), "consumer %u: publisher never ready",
				 idx);
			return -1;
		}
		usleep(1000); /* start-up only, not measured */
	}
	if (run->t->open(run, (int)idx, sub, res->err, sizeof(res->err)) < 0)
		return -1;
	if (tr) /* traced: one more clock read per empty poll, to see gaps */
		bench_noise_begin(tr, 0);
	bench_usage(&u0);
	int64_t w0 = bench_now_ns();
	if (tr)
		tr->start_ns = w0;
	bench_proc_arrive(run->proc, ST_SUB_READY);
	if (bench_sub_measure(run, idx, *sub, w0) < 0)
		return -1;
	bench_usage(&u1);
	res->cpu_user_s = u1.user_s - u0.user_s;
	res->cpu_sys_s = u1.sys_s - u0.sys_s;
	res->invol_switches = u1.invol - u0.invol;
	res->vol_switches = u1.vol - u0.vol;
	res->wall_s = (double)(bench_now_ns() - w0) / 1e9;
	if (run->t->lost)
		run->t->lost(*sub, &res->api_missed, &res->laps);
	return 0;
}

static int bench_child(struct bench_proc *p, unsigned idx, int pin_rc)
{
	struct bench_run *run = p->arg;
	struct bench_sub_result *res = &run->ctl->sub[idx];
	void *sub = NULL;
	if (idx == run->cfg->consumers)
		return bench_publisher(run, pin_rc);
	bench_hist_reset(&res->hist);
	bench_hist_reset(&res->ready);
	res->cpu = bench_cpu_for(run->cfg, (int)idx);
	if (pin_rc < 0)
		snprintf(res->err, sizeof(res->err), "consumer %u: pin to cpu %d: %s", idx,
			 res->cpu, strerror(-pin_rc));
	res->ok = pin_rc == 0 && bench_consumer(run, idx, &sub) == 0;
	if (sub)
		run->t->close(sub, (int)idx);
	if (!res->ok) {
		if (!res->err[0])
			snprintf(res->err, sizeof(res->err), "consumer %u failed", idx);
		bench_proc_arrive(run->proc, ST_SUB_FAILED);
	}
	bench_proc_arrive(run->proc, ST_SUB_DONE); /* the result above is complete */
	return !res->ok;
}

/* ---- parent ------------------------------------------------------------- */

/* Bytes of stall traces after the bench_ctl; 0 with fl->why when untraced. */
static size_t bench_stalls_len(const struct bench_run *run, struct bench_floor *fl)
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
	return why ? 0 : bench_noise_size(cfg->consumers + 1);
}

/* The recorders follow the control block (parent, before the forks). */
static void bench_stalls_place(struct bench_run *run)
{
	run->ctl->stall = bench_noise_place(run->ctl + 1, run->cfg->consumers + 1);
	for (unsigned i = 0; i <= run->cfg->consumers; i++)
		run->ctl->stall[i].cpu = bench_cpu_for(run->cfg, (int)i - 1);
}

/* Parent, after the children exited: the floor from what they recorded. */
static void bench_stalls_floor(const struct bench_run *run, struct bench_floor *fl)
{
	const struct bench_noise_cpu *rec = run->ctl->stall; /* publisher, then consumers */
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
		struct bench_floor_cpu *f = &fl->role[i];
		f->cpu = c->cpu;
		f->truncated = c->kept < c->stalls;
		f->away_pct = bench_noise_away_pct(c);
		f->stalls_per_s = span > 0 ? (double)c->stalls / span : 0.0;
		f->longest_ns = c->longest_ns;
		if (i)
			bench_noise_floor(rec, c, run->cfg->rate, &fl->hist);
	}
	fl->nrole = n + 1;
	fl->ok = 1;
}

/* The children's results into res, and whether the run stands. */
static void bench_verdict(const struct bench_run *run, int bad, struct bench_result *res)
{
	const struct bench_proc *p = run->proc;
	char note[BENCH_ERR_MAX] = "", who[32];
	const char *why = run->ctl->pub.ok	 ? NULL
			  : run->ctl->pub.err[0] ? run->ctl->pub.err
						 : "publisher died";
	res->pub = run->ctl->pub;
	for (unsigned i = 0; i < res->nsub; i++) {
		res->sub[i] = run->ctl->sub[i];
		bench_hist_merge(&res->all, &res->sub[i].hist);
		bench_hist_merge(&res->all_ready, &res->sub[i].ready);
		if (!why && !res->sub[i].ok)
			why = res->sub[i].err[0] ? res->sub[i].err : "consumer died";
	}
	for (unsigned i = 0; i < p->forked && !note[0]; i++) { /* which child exited badly */
		int st = p->status[i];
		snprintf(who, sizeof(who), i < res->nsub ? "consumer %u" : "publisher", i);
		if (WIFSIGNALED(st))
			snprintf(note, sizeof(note), "%s died of signal %d (%s)", who, WTERMSIG(st),
				 strsignal(WTERMSIG(st)));
		else if (WEXITSTATUS(st))
			snprintf(note, sizeof(note), "%s exited with status %d", who,
				 WEXITSTATUS(st));
	}
	if (!res->failed && why) {
		res->failed = 1;
		snprintf(res->why, sizeof(res->why), "%s", why);
	} else if (!res->failed && bad && note[0]) {
		/* Every child delivered complete results and only its exit went
		 * wrong (seen with iceoryx's runtime teardown under heavy load):
		 * the measurement stands, the report says so. */
		snprintf(res->warning, sizeof(res->warning), "after delivering its results, %s",
			 note);
	}
}

int bench_run_one(const struct bench_cfg *cfg, const struct bench_transport *t, unsigned index,
		  struct bench_result *res)
{
	unsigned n = cfg->consumers;
	struct bench_run run = {.cfg = cfg, .t = t};
	struct bench_proc proc = {.n = n + 1, .child = bench_child, .arg = &run};
	int rc;
	memset(res, 0, sizeof(*res));
	res->t = t;
	res->cfg = *cfg;
	res->nsub = n;
	bench_hist_reset(&res->all);
	bench_hist_reset(&res->all_ready);
	res->oversubscribed = !cfg->wait && (long)n + 1 > sysconf(_SC_NPROCESSORS_ONLN);
	if (!(res->sub = calloc(n, sizeof(*res->sub))))
		return -ENOMEM;
	snprintf(run.id, sizeof(run.id), "bench-%d-%u", (int)getpid(), index);
	memset(run.uds_fds, -1, sizeof(run.uds_fds));
	size_t stalls = bench_stalls_len(&run, &res->floor);
	if ((rc = bench_proc_map(&proc, sizeof(struct bench_ctl) + stalls)) < 0)
		return rc;
	run.ctl = proc.shared;
	run.proc = &proc;
	if (stalls)
		bench_stalls_place(&run);
	for (unsigned i = 0; i <= n; i++)
		proc.cpu[i] = bench_cpu_for(cfg, i < n ? (int)i : -1);
	proc.timeout_ns = BENCH_READY_TIMEOUT_NS + BENCH_WARM_TIMEOUT_NS + cfg->duration_ns +
			  BENCH_END_TIMEOUT_NS + 2000000000LL;
	if (t->missing)
		snprintf(res->why, sizeof(res->why), "%s", t->missing);
	if (t->missing || (t->setup && t->setup(&run, res->why, sizeof(res->why)) < 0)) {
		res->skipped = 1;
		bench_proc_unmap(&proc);
		return 0;
	}
	if ((rc = bench_proc_start(&proc)) < 0) {
		snprintf(res->why, sizeof(res->why), "fork: %s", strerror(-rc));
		res->failed = 1;
	}
	if (t->after_fork)
		t->after_fork(&run);
	int bad = bench_proc_wait(&proc);
	if (t->teardown)
		t->teardown(&run);
	bench_bus_unlink(run.id); /* an mdbus publisher killed at the deadline leaves it */
	bench_verdict(&run, bad, res);
	bench_stalls_floor(&run, &res->floor);
	bench_proc_unmap(&proc);
	return 0;
}

void bench_result_free(struct bench_result *res)
{
	free(res->sub);
	res->sub = NULL;
}
