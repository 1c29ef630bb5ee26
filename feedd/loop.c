/* SPDX-License-Identifier: MIT */
/* loop.c: the io_uring ring, the signalfd read and the single loop timer. */
#include "loop.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t feed_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t feed_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int feed_loop_init(struct feed_loop *l, unsigned entries, const sigset_t *sigs)
{
	unsigned sq = entries < FEED_LOOP_SQ_MAX ? entries : FEED_LOOP_SQ_MAX;
	struct io_uring_params p;
	int rc;

	memset(l, 0, sizeof(*l));
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	sigemptyset(&l->oldmask);
	memset(&p, 0, sizeof(p));
	/* The completion queue holds every op in flight (entries), so none
	 * waits in the kernel's overflow list; the submission queue need not
	 * (feed_loop_sqe submits when it is full). */
	if (entries > 2 * sq) {
		p.flags |= IORING_SETUP_CQSIZE;
		p.cq_entries = entries;
	}
	rc = io_uring_queue_init_params(sq, &l->ring, &p);
	if (rc < 0)
		return rc;
	l->ring_ok = 1;
	if (sigs) {
		l->sigmask = *sigs;
		/* Blocked so they are only ever consumed through the signalfd,
		 * i.e. as ring completions, never as asynchronous handlers. */
		if (sigprocmask(SIG_BLOCK, sigs, &l->oldmask) < 0) {
			rc = -errno;
			goto err;
		}
		l->sigfd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
		if (l->sigfd < 0) {
			rc = -errno;
			sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
			goto err;
		}
	}
	return 0;
err:
	io_uring_queue_exit(&l->ring);
	l->ring_ok = 0;
	return rc;
}

void feed_loop_free(struct feed_loop *l)
{
	if (l->ring_ok) {
		/* Exiting the ring cancels and reaps everything still in flight;
		 * the buffers those ops point to are still alive at this point
		 * because the caller frees sessions after the loop. */
		io_uring_queue_exit(&l->ring);
		l->ring_ok = 0;
	}
	if (l->sigfd >= 0) {
		close(l->sigfd);
		l->sigfd = -1;
		/* Signals that arrived meanwhile stay pending; the caller decides
		 * (feedd exits right after). */
		sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	}
}

struct io_uring_sqe *feed_loop_sqe(struct feed_loop *l)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (!sqe) {
		/* SQ full: hand what we have to the kernel and retry once. */
		if (io_uring_submit(&l->ring) < 0)
			return NULL;
		l->pending = 0;
		sqe = io_uring_get_sqe(&l->ring);
	}
	if (sqe)
		l->pending++;
	return sqe;
}

int feed_loop_arm_signal(struct feed_loop *l)
{
	struct io_uring_sqe *sqe;

	if (l->sigfd < 0 || l->sig_armed)
		return 0;
	sqe = feed_loop_sqe(l);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, l->sigfd, &l->siginfo, sizeof(l->siginfo), 0);
	io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_SIGNAL, FEED_UD_LOOP, 0));
	l->sig_armed = 1;
	return 0;
}

int feed_loop_on_signal(struct feed_loop *l, int res)
{
	int sig = 0;

	l->sig_armed = 0;
	if (res > 0)
		FEED_KERNEL_WROTE(&l->siginfo, (size_t)res);
	if (res == (int)sizeof(l->siginfo))
		sig = (int)l->siginfo.ssi_signo;
	feed_loop_arm_signal(l);
	return sig;
}

int feed_loop_set_timer(struct feed_loop *l, int64_t deadline_ns)
{
	struct io_uring_sqe *sqe;

	if (deadline_ns <= 0)
		return 0;
	/* The armed timer fires early enough: when it does, the caller
	 * re-evaluates and re-arms for what is due then. */
	if (l->timer_armed && l->timer_at <= deadline_ns)
		return 0;
	if (l->timer_armed) {
		sqe = feed_loop_sqe(l);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_timeout_remove(
			sqe, feed_ud_make(FEED_OP_TIMER, FEED_UD_LOOP, l->timer_gen), 0);
		io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_TIMER_DEL, FEED_UD_LOOP, 0));
		l->timer_armed = 0;
	}
	sqe = feed_loop_sqe(l);
	if (!sqe)
		return -EBUSY;
	l->timer_gen = (l->timer_gen + 1) & FEED_UD_GEN_MASK;
	l->timer_ts.tv_sec = deadline_ns / 1000000000;
	l->timer_ts.tv_nsec = deadline_ns % 1000000000;
	/* Absolute CLOCK_MONOTONIC deadline: no drift from when it is submitted. */
	io_uring_prep_timeout(sqe, &l->timer_ts, 0, IORING_TIMEOUT_ABS);
	io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_TIMER, FEED_UD_LOOP, l->timer_gen));
	l->timer_armed = 1;
	l->timer_at = deadline_ns;
	return 0;
}

void feed_loop_on_timer(struct feed_loop *l, uint64_t ud)
{
	if (l->timer_armed && feed_ud_gen(ud) == l->timer_gen)
		l->timer_armed = 0;
}

int feed_loop_cancel(struct feed_loop *l, uint64_t ud)
{
	struct io_uring_sqe *sqe = feed_loop_sqe(l);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_cancel64(sqe, ud, 0);
	io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_CANCEL, FEED_UD_LOOP, 0));
	return 0;
}

int feed_loop_wait(struct feed_loop *l)
{
	int rc = io_uring_submit_and_wait(&l->ring, 1);

	l->pending = 0;
	if (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY)
		return 0;
	return rc < 0 ? rc : 0;
}
