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
 */
#include "bench.h"
#include "noise.h"
#include "proc.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_READY_TIMEOUT_NS (20LL * 1000000000) /* consumers connect, RouDi answers */
#define BENCH_WARM_TIMEOUT_NS  (10LL * 1000000000) /* subscriptions propagate */
#define BENCH_END_TIMEOUT_NS   (3LL * 1000000000)  /* consumers drain after the end */
#define BENCH_WARM_PERIOD_NS   200000		   /* one WARMUP every 200 us */
#define BENCH_END_PERIOD_NS    1000000		   /* one END every 1 ms */

/* Where the children of a run meet (proc.h stage counters). */
enum { ST_PUB_READY, ST_SUB_READY, ST_SUB_WARM, ST_SUB_DONE, ST_SUB_FAILED };

int bench_cpu_for(const struct bench_cfg *cfg, int consumer)
{
	if (cfg->ncpus == 0)
		return -1;
	if (consumer < 0 || cfg->ncpus == 1)
		return cfg->cpus[0];
	return cfg->cpus[1 + consumer % (cfg->ncpus - 1)];
}

static void bench_rusage(double *user, double *sys, uint64_t *invol, uint64_t *vol)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	*invol = (uint64_t)ru.ru_nivcsw;
	*vol = (uint64_t)ru.ru_nvcsw;
}

/* The error of a consumer that gave up before being ready/warm, or NULL. */
static const char *bench_sub_failed(struct bench_run *run)
{
	if (!bench_proc_count(run->proc, ST_SUB_FAILED))
		return NULL;
	for (unsigned i = 0; i < run->cfg->consumers; i++)
		if (run->ctl->sub[i].err[0])
			return run->ctl->sub[i].err;
	return "a consumer failed";
}

static void bench_msg_init(struct bench_msg *m, uint64_t type)
{
	memset(m, 0, sizeof(*m));
	m->tick.instrument = 0;
	m->tick.kind = MDBUS_KIND_TRADE;
	BENCH_TYPE(m) = type;
}

/* ---- publisher process --------------------------------------------------- */

/* Until every consumer arrived at stage, sends a `type` message (none if
 * type < 0) every period_ns. 0, or 1 with the publisher's err set. */
static int bench_pub_until(struct bench_run *run, void *pub, unsigned stage, int type,
			   int64_t period_ns, int64_t timeout_ns, const char *late)
{
	struct bench_pub_result *res = &run->ctl->pub;
	int64_t deadline = bench_now_ns() + timeout_ns;
	uint64_t dropped = 0;
	struct bench_msg m;
	int rc;
	while (bench_proc_count(run->proc, stage) < run->cfg->consumers) {
		int64_t now = bench_now_ns();
		const char *bad = bench_sub_failed(run);
		if (bad || bench_proc_stopped(run->proc) || now > deadline) {
			snprintf(res->err, sizeof(res->err), "%s", bad ? bad : late);
			return 1;
		}
		if (type >= 0) {
			bench_msg_init(&m, (uint64_t)type);
			if ((rc = run->t->pub_send(pub, &m, &dropped)) < 0) {
				snprintf(res->err, sizeof(res->err), "publisher: send: %s",
					 strerror(-rc));
				return 1;
			}
			if (run->t->pub_flush)
				run->t->pub_flush(pub);
		}
		do
			sched_yield();
		while (bench_now_ns() - now < period_ns);
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
	struct bench_noise_cpu *tr = run->ctl->stall_pub;
	struct bench_msg m;
	uint64_t dropped = 0;
	int rc;
	bench_msg_init(&m, BENCH_MSG_DATA);
	const int64_t start = bench_now_ns();
	const int64_t end = start + cfg->duration_ns;
	int64_t prev = start;
	if (tr)
		tr->start_ns = start;
	const uint64_t rate = cfg->rate;
	const int flush_each = cfg->wait && t->pub_flush;
	int64_t max_behind = 0;
	uint64_t seq = 0;
	for (;;) {
		int64_t now = bench_now_ns();
		if (rate) {
			/* Tick seq is due at start + seq/rate (exact integer math: no
			 * drift over long runs; split so seq * 1e9 cannot overflow).
			 * Busy-poll: a sleep would add the scheduler's wake-up latency
			 * to the schedule. */
			int64_t due = start + (int64_t)((seq / rate) * 1000000000ull +
							((seq % rate) * 1000000000ull) / rate);
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
		if ((rc = t->pub_send(pub, &m, &dropped)) < 0) {
			snprintf(res->err, sizeof(res->err), "publisher: send: %s", strerror(-rc));
			return 1;
		}
		/* --wait: one wake per batch; paced, a batch is one tick; flat
		 * out, 64 ticks. */
		if (flush_each && (rate || (seq & 63) == 0))
			t->pub_flush(pub);
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

/* END until every consumer is done (lossy transports may drop some). */
static void bench_pub_end(struct bench_run *run, void *pub)
{
	struct bench_msg m;
	unsigned n = run->cfg->consumers;
	int64_t deadline = bench_now_ns() + BENCH_END_TIMEOUT_NS;
	while (bench_proc_count(run->proc, ST_SUB_DONE) < n && !bench_proc_stopped(run->proc) &&
	       bench_now_ns() < deadline) {
		int64_t now = bench_now_ns();
		uint64_t d = 0;
		bench_msg_init(&m, BENCH_MSG_END);
		BENCH_TOTAL(&m) = run->ctl->pub.published;
		(void)run->t->pub_send(pub, &m, &d);
		if (run->t->pub_flush)
			run->t->pub_flush(pub);
		while (bench_now_ns() - now < BENCH_END_PERIOD_NS &&
		       bench_proc_count(run->proc, ST_SUB_DONE) < n)
			sched_yield();
	}
}

static int bench_publisher(struct bench_run *run, int pin_rc)
{
	struct bench_pub_result *res = &run->ctl->pub;
	void *pub = NULL;
	double u0, s0, u1, s1;
	uint64_t iv, v;
	int bad = 1;
	res->cpu = bench_cpu_for(run->cfg, -1);
	if (pin_rc < 0)
		snprintf(res->err, sizeof(res->err), "publisher: pin to cpu %d: %s", res->cpu,
			 strerror(-pin_rc));
	if (pin_rc < 0 || run->t->pub_open(run, &pub, res->err, sizeof(res->err)) < 0)
		goto out;
	bench_proc_arrive(run->proc, ST_PUB_READY); /* the endpoint exists */
	/* Warm-up: subscriptions (ZeroMQ, iceoryx) take effect asynchronously;
	 * WARMUP ticks until every consumer has seen one. */
	if (bench_pub_until(run, pub, ST_SUB_READY, -1, 0, BENCH_READY_TIMEOUT_NS,
			    "publisher: consumers did not connect") ||
	    bench_pub_until(run, pub, ST_SUB_WARM, BENCH_MSG_WARMUP, BENCH_WARM_PERIOD_NS,
			    BENCH_WARM_TIMEOUT_NS,
			    "publisher: consumers saw no warm-up tick in 10 s"))
		goto out;
	if (run->ctl->stall_pub)
		bench_noise_begin(run->ctl->stall_pub, 0);
	bench_rusage(&u0, &s0, &iv, &v);
	if (bench_pub_measure(run, pub))
		goto out;
	bench_rusage(&u1, &s1, &iv, &v);
	res->cpu_user_s = u1 - u0;
	res->cpu_sys_s = s1 - s0;
	bench_pub_end(run, pub);
	res->ok = 1;
	bad = 0;
out:
	/* A consumer still without END will not get it: it stops once it has
	 * drained what it holds (it looks at the flag only when idle). */
	bench_proc_stop(run->proc);
	run->t->pub_close(pub);
	return bad;
}

/* ---- consumer process --------------------------------------------------- */

/* Reads until END, the publisher's end or the stop flag: the hot loop.
 * Returns 0, or -1 with res->err set. */
/* long: the consumer hot loop, kept whole as it is timed */
static int bench_sub_measure(struct bench_run *run, unsigned idx, void *sub, int64_t *prev_io,
			     uint64_t *last_io)
{
	const struct bench_transport *t = run->t;
	struct bench_sub_result *res = &run->ctl->sub[idx];
	struct bench_noise_cpu *tr = run->ctl->stall_sub ? &run->ctl->stall_sub[idx] : NULL;
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
	int64_t prev =
		*prev_io; /* locals in the loop: a store through the trace cannot alias them */
	int was_idle = 0;
	for (;;) {
		rc = t->sub_recv(sub, &m, 0, &res->api_missed, &res->laps);
		if (rc == 0) {
			if (tr)
				bench_noise_note(tr, BENCH_STALL_MIN_NS, &prev, bench_now_ns());
			was_idle = 1;
			if (wait_ms)
				rc = t->sub_recv(sub, &m, wait_ms, &res->api_missed, &res->laps);
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
	*prev_io = prev;
	*last_io = last;
	return 0;
}

static int bench_consumer(struct bench_run *run, unsigned idx, int pin_rc)
{
	struct bench_sub_result *res = &run->ctl->sub[idx];
	struct bench_noise_cpu *tr = run->ctl->stall_sub ? &run->ctl->stall_sub[idx] : NULL;
	void *sub = NULL;
	double u0, s0, u1, s1;
	uint64_t iv0, v0, iv1, v1, last = 0;
	bench_hist_reset(&res->hist);
	bench_hist_reset(&res->ready);
	res->cpu = bench_cpu_for(run->cfg, (int)idx);
	if (pin_rc < 0) {
		snprintf(res->err, sizeof(res->err), "consumer %u: pin to cpu %d: %s", idx,
			 res->cpu, strerror(-pin_rc));
		goto out;
	}
	int64_t deadline = bench_now_ns() + BENCH_READY_TIMEOUT_NS;
	while (!bench_proc_count(run->proc, ST_PUB_READY)) {
		if (bench_proc_stopped(run->proc) || bench_now_ns() > deadline) {
			snprintf(res->err, sizeof(res->err), "consumer %u: publisher never ready",
				 idx);
			goto out;
		}
		usleep(1000); /* start-up only, not measured */
	}
	if (run->t->sub_open(run, idx, &sub, res->err, sizeof(res->err)) < 0)
		goto out;
	/* traced: one more clock read per empty poll, to see gaps */
	if (tr)
		bench_noise_begin(tr, 0);
	bench_rusage(&u0, &s0, &iv0, &v0);
	int64_t w0 = bench_now_ns(), prev = w0;
	if (tr)
		tr->start_ns = w0;
	bench_proc_arrive(run->proc, ST_SUB_READY);
	if (bench_sub_measure(run, idx, sub, &prev, &last) < 0)
		goto out;
	bench_rusage(&u1, &s1, &iv1, &v1);
	res->cpu_user_s = u1 - u0;
	res->cpu_sys_s = s1 - s0;
	res->invol_switches = iv1 - iv0;
	res->vol_switches = v1 - v0;
	res->wall_s = (double)(bench_now_ns() - w0) / 1e9;
	if (tr)
		bench_noise_end(tr, prev);
	if (res->end_seen && res->published >= last)
		res->tail_missed = res->published - last;
	res->ok = 1;
out:
	if (sub)
		run->t->sub_close(sub);
	if (!res->ok) {
		if (!res->err[0])
			snprintf(res->err, sizeof(res->err), "consumer %u failed", idx);
		bench_proc_arrive(run->proc, ST_SUB_FAILED);
	}
	bench_proc_arrive(run->proc, ST_SUB_DONE); /* the result above is complete */
	return res->ok ? 0 : 1;
}

static int bench_child(struct bench_proc *p, unsigned idx, int pin_rc)
{
	struct bench_run *run = p->arg;
	return idx < run->cfg->consumers ? bench_consumer(run, idx, pin_rc)
					 : bench_publisher(run, pin_rc);
}

/* ---- parent ------------------------------------------------------------- */

/* Which child did not exit cleanly, and how, into note ("" if none). */
static void bench_exit_note(const struct bench_proc *p, unsigned n, char *note, size_t len)
{
	note[0] = 0;
	for (unsigned i = 0; i < p->forked && !note[0]; i++) {
		int st = p->status[i];
		char who[32];
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		snprintf(who, sizeof(who), i < n ? "consumer %u" : "publisher", i);
		if (WIFSIGNALED(st))
			snprintf(note, len, "%s died of signal %d (%s)", who, WTERMSIG(st),
				 strsignal(WTERMSIG(st)));
		else
			snprintf(note, len, "%s exited with status %d", who, WEXITSTATUS(st));
	}
}

/* The children's results into res, and whether the run stands. */
static void bench_verdict(const struct bench_run *run, int bad, struct bench_result *res)
{
	unsigned n = res->nsub;
	char note[BENCH_ERR_MAX];
	int all_ok = run->ctl->pub.ok;
	res->pub = run->ctl->pub;
	for (unsigned i = 0; i < n; i++) {
		res->sub[i] = run->ctl->sub[i];
		bench_hist_merge(&res->all, &res->sub[i].hist);
		bench_hist_merge(&res->all_ready, &res->sub[i].ready);
		all_ok &= res->sub[i].ok;
	}
	bench_exit_note(run->proc, n, note, sizeof(note));
	if (!res->failed && !all_ok) {
		res->failed = 1;
		if (!res->pub.ok)
			snprintf(res->why, sizeof(res->why), "%s",
				 res->pub.err[0] ? res->pub.err : "publisher died");
		for (unsigned i = 0; i < n && !res->why[0]; i++)
			if (!res->sub[i].ok)
				snprintf(res->why, sizeof(res->why), "%s",
					 res->sub[i].err[0] ? res->sub[i].err : "consumer died");
		if (!res->why[0])
			snprintf(res->why, sizeof(res->why), "%s",
				 note[0] ? note : "a child exited abnormally");
	} else if (bad && note[0]) {
		/* Every child delivered complete results and only its exit went
		 * wrong (seen once with iceoryx's runtime teardown under heavy
		 * load): the measurement stands, the report says so. */
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
	snprintf(res->transport, sizeof(res->transport), "%s", t->name);
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
	if (t->setup && t->setup(&run, res->why, sizeof(res->why)) < 0) {
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
