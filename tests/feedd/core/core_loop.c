/* SPDX-License-Identifier: MIT */
/* core_loop: user_data encoding, the single loop timer (arm, move earlier,
 * stale completions ignored) and signals delivered as ring completions,
 * for every way the ring can be set up: the best features, each refused in
 * turn (the fallback an older kernel takes), idle = busy, SQPOLL, and the
 * loop pinned to a CPU. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

#define MS INT64_C(1000000)
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* Waits for the next completion that is not a cancel/remove; returns its op. */
static int next_event(struct feed_loop *l, uint64_t *ud, int *res)
{
	struct io_uring_cqe *cqe;

	for (;;) {
		if (feed_loop_wait(l) < 0)
			return -1;
		while (io_uring_peek_cqe(&l->ring, &cqe) == 0) {
			unsigned op;

			*ud = io_uring_cqe_get_data64(cqe);
			*res = cqe->res;
			io_uring_cqe_seen(&l->ring, cqe);
			op = feed_ud_op(*ud);
			if (op == FEED_OP_TIMER_DEL || op == FEED_OP_CANCEL)
				continue;
			return (int)op;
		}
	}
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static int loop_exercise(struct feed_loop *l)
{
	uint64_t ud;
	int64_t t0, t1;
	int res, op;

	/* A timer fires at its absolute deadline, not before. */
	t0 = feed_now_ns();
	CHECK(feed_loop_set_timer(l, t0 + 30 * MS) == 0);
	op = next_event(l, &ud, &res);
	t1 = feed_now_ns();
	CHECK(op == FEED_OP_TIMER && res == -ETIME);
	feed_loop_on_timer(l, ud);
	CHECK(!l->timer_armed);
	CHECK(t1 - t0 >= 30 * MS && t1 - t0 < 500 * MS);

	/* A later deadline does not replace the armed one; an earlier one
	 * does, and the replaced timer's completion is recognised as stale. */
	t0 = feed_now_ns();
	CHECK(feed_loop_set_timer(l, t0 + 10000 * MS) == 0);
	CHECK(feed_loop_set_timer(l, t0 + 20000 * MS) == 0);
	CHECK(l->timer_at == t0 + 10000 * MS);
	CHECK(feed_loop_set_timer(l, t0 + 20 * MS) == 0);
	CHECK(l->timer_at == t0 + 20 * MS);
	for (;;) {
		op = next_event(l, &ud, &res);
		CHECK(op == FEED_OP_TIMER);
		if (feed_ud_gen(ud) == l->timer_gen)
			break;
		CHECK(res == -ECANCELED); /* the removed 10 s timer */
		feed_loop_on_timer(l, ud);
		CHECK(l->timer_armed); /* a stale completion does not disarm */
	}
	t1 = feed_now_ns();
	CHECK(res == -ETIME);
	CHECK(t1 - t0 >= 20 * MS && t1 - t0 < 5000 * MS);
	feed_loop_on_timer(l, ud);
	CHECK(!l->timer_armed);

	/* A blocked signal arrives as a signalfd read completion. */
	CHECK(feed_loop_arm_signal(l) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	op = next_event(l, &ud, &res);
	CHECK(op == FEED_OP_SIGNAL);
	CHECK(feed_loop_on_signal(l, res) == SIGUSR1);
	CHECK(l->sig_armed); /* re-armed for the next one */

	/* Cancel by user_data: a recv on a pipe that never gets data. */
	{
		int p[2];
		char b[8];
		struct io_uring_sqe *sqe;

		CHECK(pipe(p) == 0);
		sqe = feed_loop_sqe(l);
		CHECK(sqe != NULL);
		io_uring_prep_read(sqe, p[0], b, sizeof(b), 0);
		io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_RECV, 3, 42));
		CHECK(feed_loop_cancel(l, feed_ud_make(FEED_OP_RECV, 3, 42)) == 0);
		op = next_event(l, &ud, &res);
		CHECK(op == FEED_OP_RECV && feed_ud_gen(ud) == 42);
		CHECK(res == -ECANCELED || res == -EINTR);
		close(p[0]);
		close(p[1]);
	}
	return 0;
}

/* One set-up: init with o, check what it took, run the exercise, free. */
static int loop_case(const char *name, const struct feed_loop_opts *o, unsigned want_none)
{
	struct feed_loop l;
	char feat[160];
	int rc = feed_loop_init_opts(&l, o);

	CHECK(rc == 0);
	feed_loop_features(&l, feat, sizeof(feat));
	printf("core_loop: %s: features=%s\n", name, feat);
	/* The denied features are never on. */
	CHECK((l.setup & want_none) == 0);
	CHECK(!(l.ring_fd_reg && (o->deny & FEED_LOOP_DENY_RING_FD)));
	CHECK(!(l.setup & IORING_SETUP_SQPOLL) || o->sqpoll);
	CHECK(l.busy == o->busy);
	rc = loop_exercise(&l);
	feed_loop_free(&l);
	CHECK(l.sigfd == -1);
	return rc;
}

/* The names the log prints parse back into the deny mask. */
static int loop_names(void)
{
	struct feed_loop l;
	char feat[160];

	CHECK(feed_loop_deny_parse("defer_taskrun,ring_fd") ==
	      (IORING_SETUP_DEFER_TASKRUN | FEED_LOOP_DENY_RING_FD));
	CHECK(feed_loop_deny_parse("single_issuer") == IORING_SETUP_SINGLE_ISSUER);
	CHECK(feed_loop_deny_parse("issuer,xdefer_taskrun") == 0);
	CHECK(feed_loop_deny_parse(NULL) == 0);
	memset(&l, 0, sizeof(l));
	CHECK(!strcmp(feed_loop_features(&l, feat, sizeof(feat)), "none"));
	l.setup = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	l.ring_fd_reg = 1;
	CHECK(!strcmp(feed_loop_features(&l, feat, sizeof(feat)),
		      "coop_taskrun,taskrun_flag,ring_fd"));
	return 0;
}

/* cpu = N pins the thread that runs the loop; a CPU it may not use fails. */
static int loop_pinned(const struct feed_loop_opts *base)
{
	struct feed_loop_opts o = *base;
	cpu_set_t was, now;
	int cpu = 0;

	CHECK(sched_getaffinity(0, sizeof(was), &was) == 0);
	while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &was))
		cpu++;
	CHECK(cpu < CPU_SETSIZE);
	o.cpu = cpu;
	o.busy = 1;
	CHECK(loop_case("cpu+busy", &o, 0) == 0);
	CHECK(sched_getaffinity(0, sizeof(now), &now) == 0);
	CHECK(CPU_COUNT(&now) == 1 && CPU_ISSET(cpu, &now));
	CHECK(sched_setaffinity(0, sizeof(was), &was) == 0);
	o.cpu = CPU_SETSIZE - 1; /* not a CPU of this machine */
	CHECK(!CPU_ISSET(o.cpu, &was));
	{
		struct feed_loop l;

		CHECK(feed_loop_init_opts(&l, &o) == -EINVAL);
	}
	return 0;
}

/* Long: the set-ups in turn; each line is one case. */
int main(void)
{
	const unsigned best = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			      IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	struct feed_loop_opts o;
	struct feed_loop l;
	sigset_t sigs;
	uint64_t ud, g;
	int rc;

	/* user_data round trip, including the extremes of every field. */
	g = FEED_UD_GEN_MASK;
	ud = feed_ud_make(FEED_OP_DNS_POLL, FEED_UD_LOOP, g);
	CHECK(feed_ud_op(ud) == FEED_OP_DNS_POLL);
	CHECK(feed_ud_index(ud) == FEED_UD_LOOP);
	CHECK(feed_ud_gen(ud) == g);
	ud = feed_ud_make(FEED_OP_RECV, 7, (UINT64_C(3) << 32) | 12345);
	CHECK(feed_ud_op(ud) == FEED_OP_RECV && feed_ud_index(ud) == 7);
	CHECK(feed_ud_gen(ud) == ((UINT64_C(3) << 32) | 12345));
	CHECK(feed_ud_gen(feed_ud_make(FEED_OP_SEND, 1, g + 1)) == 0); /* wraps, no spill */
	CHECK(loop_names() == 0);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	rc = feed_loop_init(&l, 16, &sigs);
	if (rc == -ENOSYS || rc == -EPERM) {
		printf("core_loop: io_uring unavailable (%d): skip\n", rc);
		return 77;
	}
	CHECK(rc == 0);
	feed_loop_free(&l);

	memset(&o, 0, sizeof(o));
	o.entries = 16;
	o.sigs = &sigs;
	o.cpu = -1;
	CHECK(loop_case("default", &o, 0) == 0);
	/* What a kernel without DEFER_TASKRUN (before 6.1) gets: COOP_TASKRUN. */
	o.deny = IORING_SETUP_DEFER_TASKRUN;
	CHECK(loop_case("no defer_taskrun", &o, IORING_SETUP_DEFER_TASKRUN) == 0);
	/* Before 5.19: none of them, and no registered ring fd (5.18). */
	o.deny = best | FEED_LOOP_DENY_RING_FD;
	CHECK(loop_case("none", &o, best) == 0);
	o.busy = 1;
	CHECK(loop_case("none+busy", &o, best) == 0);
	o.deny = 0;
	CHECK(loop_case("busy", &o, 0) == 0);
	o.busy = 0;
	o.sqpoll = 1;
	CHECK(loop_case("sqpoll", &o, 0) == 0);
	o.busy = 1;
	CHECK(loop_case("sqpoll+busy", &o, 0) == 0);
	o.sqpoll = 0;
	CHECK(loop_pinned(&o) == 0);
	printf("core_loop: ok\n");
	return 0;
}
