/* SPDX-License-Identifier: MIT */
/* core_loop: user_data encoding, the single loop timer (arm, move earlier,
 * stale completions ignored) and signals delivered as ring completions. */
#include <errno.h>
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
int main(void)
{
	struct feed_loop l;
	sigset_t sigs;
	uint64_t ud, g;
	int64_t t0, t1;
	int res, rc, op;

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

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	rc = feed_loop_init(&l, 16, &sigs);
	if (rc == -ENOSYS || rc == -EPERM) {
		printf("core_loop: io_uring unavailable (%d): skip\n", rc);
		return 77;
	}
	CHECK(rc == 0);

	/* A timer fires at its absolute deadline, not before. */
	t0 = feed_now_ns();
	CHECK(feed_loop_set_timer(&l, t0 + 30 * MS) == 0);
	op = next_event(&l, &ud, &res);
	t1 = feed_now_ns();
	CHECK(op == FEED_OP_TIMER && res == -ETIME);
	feed_loop_on_timer(&l, ud);
	CHECK(!l.timer_armed);
	CHECK(t1 - t0 >= 30 * MS && t1 - t0 < 500 * MS);

	/* A later deadline does not replace the armed one; an earlier one
	 * does, and the replaced timer's completion is recognised as stale. */
	t0 = feed_now_ns();
	CHECK(feed_loop_set_timer(&l, t0 + 10000 * MS) == 0);
	CHECK(feed_loop_set_timer(&l, t0 + 20000 * MS) == 0);
	CHECK(l.timer_at == t0 + 10000 * MS);
	CHECK(feed_loop_set_timer(&l, t0 + 20 * MS) == 0);
	CHECK(l.timer_at == t0 + 20 * MS);
	for (;;) {
		op = next_event(&l, &ud, &res);
		CHECK(op == FEED_OP_TIMER);
		if (feed_ud_gen(ud) == l.timer_gen)
			break;
		CHECK(res == -ECANCELED); /* the removed 10 s timer */
		feed_loop_on_timer(&l, ud);
		CHECK(l.timer_armed); /* a stale completion does not disarm */
	}
	t1 = feed_now_ns();
	CHECK(res == -ETIME);
	CHECK(t1 - t0 >= 20 * MS && t1 - t0 < 5000 * MS);
	feed_loop_on_timer(&l, ud);
	CHECK(!l.timer_armed);

	/* A blocked signal arrives as a signalfd read completion. */
	CHECK(feed_loop_arm_signal(&l) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	op = next_event(&l, &ud, &res);
	CHECK(op == FEED_OP_SIGNAL);
	CHECK(feed_loop_on_signal(&l, res) == SIGUSR1);
	CHECK(l.sig_armed); /* re-armed for the next one */

	/* Cancel by user_data: a recv on a pipe that never gets data. */
	{
		int p[2];
		char b[8];
		struct io_uring_sqe *sqe;

		CHECK(pipe(p) == 0);
		sqe = feed_loop_sqe(&l);
		CHECK(sqe != NULL);
		io_uring_prep_read(sqe, p[0], b, sizeof(b), 0);
		io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_RECV, 3, 42));
		CHECK(feed_loop_cancel(&l, feed_ud_make(FEED_OP_RECV, 3, 42)) == 0);
		op = next_event(&l, &ud, &res);
		CHECK(op == FEED_OP_RECV && feed_ud_gen(ud) == 42);
		CHECK(res == -ECANCELED || res == -EINTR);
		close(p[0]);
		close(p[1]);
	}
	feed_loop_free(&l);
	CHECK(l.sigfd == -1);
	printf("core_loop: ok\n");
	return 0;
}
