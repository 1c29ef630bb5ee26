/* SPDX-License-Identifier: MIT */
/*
 * run.c: one benchmark run: fork the consumers and the publisher, let them
 * meet in the shared control block, collect their results.
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

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_READY_TIMEOUT_NS (20LL * 1000000000) /* consumers connect, RouDi answers */
#define BENCH_WARM_TIMEOUT_NS  (10LL * 1000000000) /* subscriptions propagate */
#define BENCH_END_TIMEOUT_NS   (3LL * 1000000000)  /* consumers drain after the end */
#define BENCH_WARM_PERIOD_NS   200000		   /* one WARMUP every 200 us */
#define BENCH_END_PERIOD_NS    1000000		   /* one END every 1 ms */

int bench_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return 0;
}

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

/* A consumer gave up before being ready/warm: no point waiting for it. */
static int bench_sub_failed(struct bench_ctl *ctl, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		/* acquire pairs with the consumer's release of sub_done: its
		 * result (ok = 0) is visible */
		if (atomic_load_explicit(&ctl->sub_done[i], memory_order_acquire) &&
		    !ctl->sub[i].ok)
			return (int)i + 1;
	return 0;
}

static void bench_stop_all(struct bench_ctl *ctl)
{
	/* relaxed: a flag without payload; consumers look at it when idle */
	atomic_store_explicit(&ctl->stop, 1, memory_order_relaxed);
}

static int bench_all_set(atomic_int *flags, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		/* acquire pairs with the consumer's release store of its flag */
		if (!atomic_load_explicit(&flags[i], memory_order_acquire))
			return 0;
	return 1;
}

static int bench_stopped(struct bench_ctl *ctl)
{
	/* relaxed: the stop flag carries no data, only "give up" */
	return atomic_load_explicit(&ctl->stop, memory_order_relaxed);
}

/* ---- publisher process --------------------------------------------------- */

static void bench_msg_init(struct bench_msg *m, uint64_t type)
{
	memset(m, 0, sizeof(*m));
	m->tick.instrument = 0;
	m->tick.kind = MDBUS_KIND_TRADE;
	BENCH_TYPE(m) = type;
}

static int bench_publisher(struct bench_run *run)
{
	const struct bench_cfg *cfg = run->cfg;
	struct bench_ctl *ctl = run->ctl;
	struct bench_pub_result *res = &ctl->pub;
	const struct bench_transport *t = run->t;
	unsigned n = cfg->consumers;
	void *pub = NULL;
	struct bench_msg m;
	double u0, s0, u1, s1;
	uint64_t iv0, v0, iv1, v1;
	int rc, bad;

	res->cpu = bench_cpu_for(cfg, -1);
	if (res->cpu >= 0 && (rc = bench_pin(res->cpu)) < 0) {
		snprintf(res->err, sizeof(res->err), "publisher: pin to cpu %d: %s", res->cpu,
			 strerror(-rc));
		bench_stop_all(ctl);
		return 1;
	}
	rc = t->pub_open(run, &pub, res->err, sizeof(res->err));
	if (rc < 0) {
		bench_stop_all(ctl);
		return 1;
	}
	/* release: the endpoint exists before a consumer tries to connect */
	atomic_store_explicit(&ctl->pub_ready, 1, memory_order_release);

	int64_t deadline = bench_now_ns() + BENCH_READY_TIMEOUT_NS;
	while (!bench_all_set(ctl->sub_ready, n)) {
		if ((bad = bench_sub_failed(ctl, n))) {
			snprintf(res->err, sizeof(res->err), "%s", ctl->sub[bad - 1].err);
			goto fail;
		}
		if (bench_stopped(ctl) || bench_now_ns() > deadline) {
			snprintf(res->err, sizeof(res->err),
				 "publisher: consumers did not connect");
			goto fail;
		}
		sched_yield();
	}

	/* Warm-up: subscriptions (ZeroMQ, iceoryx) take effect asynchronously;
	 * send WARMUP ticks until every consumer has seen one. */
	uint64_t dropped = 0;
	deadline = bench_now_ns() + BENCH_WARM_TIMEOUT_NS;
	while (!bench_all_set(ctl->sub_warm, n)) {
		int64_t now = bench_now_ns();
		if ((bad = bench_sub_failed(ctl, n))) {
			snprintf(res->err, sizeof(res->err), "%s", ctl->sub[bad - 1].err);
			goto fail;
		}
		if (bench_stopped(ctl) || now > deadline) {
			snprintf(res->err, sizeof(res->err),
				 "publisher: consumers saw no warm-up tick in 10 s");
			goto fail;
		}
		bench_msg_init(&m, BENCH_MSG_WARMUP);
		if ((rc = t->pub_send(pub, &m, &dropped)) < 0) {
			snprintf(res->err, sizeof(res->err), "publisher: send: %s", strerror(-rc));
			goto fail;
		}
		if (t->pub_flush)
			t->pub_flush(pub);
		while (bench_now_ns() - now < BENCH_WARM_PERIOD_NS)
			sched_yield();
	}

	/* The measured phase. Traced runs note every gap between two clock reads
	 * (the recorder is touched now, not in the measured phase). */
	struct bench_noise_cpu *tr = ctl->stall_pub;
	if (tr)
		bench_noise_begin(tr, 0);
	bench_rusage(&u0, &s0, &iv0, &v0);
	dropped = 0;
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
			goto fail;
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
	bench_rusage(&u1, &s1, &iv1, &v1);
	res->cpu_user_s = u1 - u0;
	res->cpu_sys_s = s1 - s0;

	/* END until every consumer is done (lossy transports may drop some). */
	deadline = bench_now_ns() + BENCH_END_TIMEOUT_NS;
	while (!bench_all_set(ctl->sub_done, n) && !bench_stopped(ctl) &&
	       bench_now_ns() < deadline) {
		int64_t now = bench_now_ns();
		bench_msg_init(&m, BENCH_MSG_END);
		BENCH_TOTAL(&m) = seq;
		uint64_t d = 0;
		(void)t->pub_send(pub, &m, &d);
		if (t->pub_flush)
			t->pub_flush(pub);
		while (bench_now_ns() - now < BENCH_END_PERIOD_NS &&
		       !bench_all_set(ctl->sub_done, n))
			sched_yield();
	}
	/* A consumer still without END will not get it: it stops once it has
	 * drained what it holds (it looks at the flag only when idle). */
	bench_stop_all(ctl);
	t->pub_close(pub);
	res->ok = 1;
	return 0;
fail:
	bench_stop_all(ctl);
	t->pub_close(pub);
	return 1;
}

/* ---- consumer process --------------------------------------------------- */

static int bench_consumer(struct bench_run *run, unsigned idx)
{
	const struct bench_cfg *cfg = run->cfg;
	struct bench_ctl *ctl = run->ctl;
	struct bench_sub_result *res = &ctl->sub[idx];
	const struct bench_transport *t = run->t;
	void *sub = NULL;
	struct bench_msg m;
	double u0, s0, u1, s1;
	uint64_t iv0, v0, iv1, v1;
	int rc;

	bench_hist_reset(&res->hist);
	bench_hist_reset(&res->ready);
	res->cpu = bench_cpu_for(cfg, (int)idx);
	if (res->cpu >= 0 && (rc = bench_pin(res->cpu)) < 0) {
		snprintf(res->err, sizeof(res->err), "consumer %u: pin to cpu %d: %s", idx,
			 res->cpu, strerror(-rc));
		goto out;
	}
	int64_t deadline = bench_now_ns() + BENCH_READY_TIMEOUT_NS;
	/* acquire pairs with the publisher's release: its endpoint exists */
	while (!atomic_load_explicit(&ctl->pub_ready, memory_order_acquire)) {
		if (bench_stopped(ctl) || bench_now_ns() > deadline) {
			snprintf(res->err, sizeof(res->err), "consumer %u: publisher never ready",
				 idx);
			goto out;
		}
		usleep(1000); /* start-up only, not measured */
	}
	if (t->sub_open(run, idx, &sub, res->err, sizeof(res->err)) < 0)
		goto out;
	/* traced: one more clock read per empty poll, to see gaps */
	struct bench_noise_cpu *tr = ctl->stall_sub ? &ctl->stall_sub[idx] : NULL;
	if (tr)
		bench_noise_begin(tr, 0);
	bench_rusage(&u0, &s0, &iv0, &v0);
	int64_t w0 = bench_now_ns(), prev = w0;
	if (tr)
		tr->start_ns = w0;
	/* release: pairs with the publisher's acquire in bench_all_set */
	atomic_store_explicit(&ctl->sub_ready[idx], 1, memory_order_release);

	/* "Ready" ticks found the consumer idle: its previous poll came back
	 * empty (spinning) or it was about to block (--wait). Their latency is
	 * the transport's own hand-over cost, without the backlog a preempted
	 * consumer builds up: on a shared machine the plain histogram mostly
	 * measures the scheduler. */
	const int wait_ms = cfg->wait ? 100 : 0;
	uint64_t last = 0, idle = 0;
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
				if (bench_stopped(ctl))
					break;
			}
			continue;
		}
		if (rc == -ESHUTDOWN)
			break;
		if (rc < 0) {
			snprintf(res->err, sizeof(res->err), "consumer %u: receive: %s", idx,
				 strerror(-rc));
			goto out;
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
			if (!atomic_load_explicit(&ctl->sub_warm[idx], memory_order_relaxed))
				/* release: pairs with the publisher's acquire */
				atomic_store_explicit(&ctl->sub_warm[idx], 1, memory_order_release);
		} else if (type == BENCH_MSG_END) {
			res->end_seen = 1;
			res->published = BENCH_TOTAL(&m);
			break;
		}
	}
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
		t->sub_close(sub);
	/* release: the result above is complete before the publisher sees done */
	atomic_store_explicit(&ctl->sub_done[idx], 1, memory_order_release);
	return res->ok ? 0 : 1;
}

/* ---- parent ------------------------------------------------------------- */

static void bench_kill_all(pid_t *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
}

/* Waits for every child; after `deadline` it raises the stop flag, then
 * (one second later) kills what is left. Returns the number of children
 * that did not exit with status 0. */
static int bench_reap(struct bench_ctl *ctl, pid_t *pids, int *status, unsigned n, int64_t deadline)
{
	unsigned left = n;
	int bad = 0, stopped = 0, killed = 0;
	while (left) {
		for (unsigned i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			pid_t r = waitpid(pids[i], &status[i], WNOHANG);
			if (r == pids[i]) {
				if (!WIFEXITED(status[i]) || WEXITSTATUS(status[i]) != 0)
					bad++;
				pids[i] = 0;
				left--;
			}
		}
		if (!left)
			break;
		int64_t now = bench_now_ns();
		if (!stopped && now > deadline) {
			atomic_store_explicit(&ctl->stop, 1, memory_order_relaxed);
			stopped = 1;
		}
		if (!killed && now > deadline + 2000000000LL) {
			bench_kill_all(pids, n);
			killed = 1;
		}
		usleep(2000); /* the parent is idle: it must not steal a core */
	}
	return bad;
}

int bench_run_one(const struct bench_cfg *cfg, const struct bench_transport *t, unsigned index,
		  struct bench_result *res)
{
	struct bench_run run;
	unsigned n = cfg->consumers;
	pid_t pids[BENCH_MAX_CONSUMERS + 1];
	int status[BENCH_MAX_CONSUMERS + 1] = {0};
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(res, 0, sizeof(*res));
	snprintf(res->transport, sizeof(res->transport), "%s", t->name);
	res->cfg = *cfg;
	res->nsub = n;
	bench_hist_reset(&res->all);
	bench_hist_reset(&res->all_ready);
	res->oversubscribed = !cfg->wait && (long)n + 1 > cores;
	res->sub = calloc(n, sizeof(*res->sub));
	if (!res->sub)
		return -ENOMEM;

	memset(&run, 0, sizeof(run));
	run.cfg = cfg;
	run.t = t;
	snprintf(run.id, sizeof(run.id), "bench-%d-%u", (int)getpid(), index);
	for (unsigned i = 0; i < BENCH_MAX_CONSUMERS; i++)
		run.uds_fds[i][0] = run.uds_fds[i][1] = -1;
	run.ctl = mmap(NULL, sizeof(*run.ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (run.ctl == MAP_FAILED)
		return -errno;
	/* MAP_ANONYMOUS memory is zero: every flag starts at 0 */

	if (bench_stalls_map(&run, &res->floor) < 0) {
		res->failed = 1;
		snprintf(res->why, sizeof(res->why), "stall trace: %s", res->floor.why);
		munmap(run.ctl, sizeof(*run.ctl));
		return 0;
	}
	if (t->setup && t->setup(&run, res->why, sizeof(res->why)) < 0) {
		res->skipped = 1;
		bench_stalls_unmap(&run);
		munmap(run.ctl, sizeof(*run.ctl));
		return 0;
	}

	fflush(NULL); /* children must not flush the parent's buffered output */
	unsigned forked = 0;
	for (unsigned i = 0; i <= n; i++) {
		pid_t p = fork();
		if (p < 0) {
			snprintf(res->why, sizeof(res->why), "fork: %s", strerror(errno));
			res->failed = 1;
			atomic_store_explicit(&run.ctl->stop, 1, memory_order_relaxed);
			break;
		}
		if (p == 0) {
			int rc = i < n ? bench_consumer(&run, i) : bench_publisher(&run);
			/* exit(), not _exit(): iceoryx unregisters from RouDi in a
			 * static destructor; stdio was flushed before the fork. */
			exit(rc);
		}
		pids[i] = p;
		forked++;
	}
	if (t->after_fork)
		t->after_fork(&run);
	int64_t deadline = bench_now_ns() + BENCH_READY_TIMEOUT_NS + BENCH_WARM_TIMEOUT_NS +
			   cfg->duration_ns + BENCH_END_TIMEOUT_NS + 2000000000LL;
	int bad = bench_reap(run.ctl, pids, status, forked, deadline);
	if (t->teardown)
		t->teardown(&run);

	res->pub = run.ctl->pub;
	for (unsigned i = 0; i < n; i++) {
		res->sub[i] = run.ctl->sub[i];
		bench_hist_merge(&res->all, &res->sub[i].hist);
		bench_hist_merge(&res->all_ready, &res->sub[i].ready);
	}
	int all_ok = res->pub.ok;
	for (unsigned i = 0; i < n; i++)
		all_ok &= res->sub[i].ok;
	/* Which child did not exit cleanly, and how. */
	char exit_note[BENCH_ERR_MAX] = "";
	for (unsigned i = 0; i < forked && !exit_note[0]; i++) {
		int st = status[i];
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		char who[32];
		if (i < n)
			snprintf(who, sizeof(who), "consumer %u", i);
		else
			snprintf(who, sizeof(who), "publisher");
		if (WIFSIGNALED(st))
			snprintf(exit_note, sizeof(exit_note), "%s died of signal %d (%s)", who,
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			snprintf(exit_note, sizeof(exit_note), "%s exited with status %d", who,
				 WEXITSTATUS(st));
	}
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
				 exit_note[0] ? exit_note : "a child exited abnormally");
	} else if (bad && exit_note[0]) {
		/* Every child delivered complete results and only its exit went
		 * wrong (seen once with iceoryx's runtime teardown under heavy
		 * load): the measurement stands, the report says so. */
		snprintf(res->warning, sizeof(res->warning), "after delivering its results, %s",
			 exit_note);
	}
	bench_stalls_floor(&run, &res->floor);
	bench_stalls_unmap(&run);
	munmap(run.ctl, sizeof(*run.ctl));
	return 0;
}

void bench_result_free(struct bench_result *res)
{
	free(res->sub);
	res->sub = NULL;
}
