/* SPDX-License-Identifier: MIT */
/* loop.c: the io_uring ring, the signalfd read and the single loop timer. */
#include "loop.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
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

/* Set-up flag sets, best first; each later row drops what an older kernel
 * refuses. SQPOLL excludes the task-run flags (the kernel thread runs the
 * task work), so it has its own rows. */
static const unsigned loop_ladder[] = {
	IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
	IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
	0,
};
static const unsigned loop_ladder_sqpoll[] = {
	IORING_SETUP_SQPOLL | IORING_SETUP_SINGLE_ISSUER,
	IORING_SETUP_SQPOLL,
};

/* One set-up attempt with flags. SQPOLL with a CPU for its thread is
 * retried without the CPU (SQ_AFF refused). Returns 0 or -errno. */
static int loop_try_setup(struct feed_loop *l, const struct feed_loop_opts *o, unsigned flags)
{
	unsigned sq = o->entries < FEED_LOOP_SQ_MAX ? o->entries : FEED_LOOP_SQ_MAX;
	struct io_uring_params p;
	int rc, aff = (flags & IORING_SETUP_SQPOLL) && o->cpu >= 0 &&
		      !(o->deny & IORING_SETUP_SQ_AFF);

	for (;;) {
		memset(&p, 0, sizeof(p));
		p.flags = flags;
		if (flags & IORING_SETUP_SQPOLL)
			p.sq_thread_idle = FEED_LOOP_SQ_IDLE_MS;
		if (aff) {
			p.flags |= IORING_SETUP_SQ_AFF;
			p.sq_thread_cpu = (unsigned)o->cpu;
		}
		/* The completion queue holds every op in flight (entries), so
		 * none waits in the kernel's overflow list; the submission queue
		 * need not (feed_loop_sqe submits when it is full). */
		if (o->entries > 2 * sq) {
			p.flags |= IORING_SETUP_CQSIZE;
			p.cq_entries = o->entries;
		}
		rc = io_uring_queue_init_params(sq, &l->ring, &p);
		if (rc == 0) {
			l->setup = p.flags;
			return 0;
		}
		if (!aff || rc != -EINVAL)
			return rc;
		aff = 0;
	}
}

/* The ring: the first row of the ladder the kernel accepts. -EINVAL and
 * -EPERM (SQPOLL without privilege before 5.11) mean "try the next row";
 * anything else (-ENOMEM, -ENOSYS) is final. */
static int loop_setup(struct feed_loop *l, const struct feed_loop_opts *o)
{
	unsigned rows[8], n = 0, last = ~0u;
	int rc = -EINVAL;

	if (o->sqpoll)
		for (size_t i = 0; i < sizeof(loop_ladder_sqpoll) / sizeof(unsigned); i++)
			rows[n++] = loop_ladder_sqpoll[i];
	for (size_t i = 0; i < sizeof(loop_ladder) / sizeof(unsigned); i++)
		rows[n++] = loop_ladder[i];
	for (unsigned i = 0; i < n; i++) {
		unsigned f = rows[i] & ~o->deny;

		if (f == last) /* the deny mask made it the row just refused */
			continue;
		last = f;
		rc = loop_try_setup(l, o, f);
		if (rc == 0 || (rc != -EINVAL && rc != -EPERM))
			break;
	}
	if (rc < 0)
		return rc;
	/* io_uring_enter then takes an index, not an fd to look up (5.18). */
	if (!(o->deny & FEED_LOOP_DENY_RING_FD) && io_uring_register_ring_fd(&l->ring) == 1)
		l->ring_fd_reg = 1;
	return 0;
}

static int loop_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

int feed_loop_init(struct feed_loop *l, unsigned entries, const sigset_t *sigs)
{
	struct feed_loop_opts o = {.entries = entries, .sigs = sigs, .cpu = -1};

	return feed_loop_init_opts(l, &o);
}

int feed_loop_init_opts(struct feed_loop *l, const struct feed_loop_opts *o)
{
	int rc;

	memset(l, 0, sizeof(*l));
	l->sigfd = -1;
	l->cpu = o->cpu;
	l->busy = o->busy;
	sigemptyset(&l->sigmask);
	sigemptyset(&l->oldmask);
	rc = loop_pin(o->cpu);
	if (rc < 0)
		return rc;
	rc = loop_setup(l, o);
	if (rc < 0)
		return rc;
	l->ring_ok = 1;
	if (o->sigs) {
		l->sigmask = *o->sigs;
		/* Blocked so they are only ever consumed through the signalfd,
		 * i.e. as ring completions, never as asynchronous handlers. */
		if (sigprocmask(SIG_BLOCK, o->sigs, &l->oldmask) < 0) {
			rc = -errno;
			goto err;
		}
		l->sigfd = signalfd(-1, o->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
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

static const struct {
	unsigned bit;
	const char *name;
} loop_names[] = {
	{IORING_SETUP_SINGLE_ISSUER, "single_issuer"},
	{IORING_SETUP_DEFER_TASKRUN, "defer_taskrun"},
	{IORING_SETUP_COOP_TASKRUN, "coop_taskrun"},
	{IORING_SETUP_TASKRUN_FLAG, "taskrun_flag"},
	{IORING_SETUP_SQPOLL, "sqpoll"},
	{IORING_SETUP_SQ_AFF, "sq_aff"},
	{FEED_LOOP_DENY_RING_FD, "ring_fd"},
};

const char *feed_loop_features(const struct feed_loop *l, char *buf, size_t len)
{
	unsigned have = l->setup | (l->ring_fd_reg ? FEED_LOOP_DENY_RING_FD : 0);
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(loop_names) / sizeof(loop_names[0]); i++) {
		int n;

		if (!(have & loop_names[i].bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "", loop_names[i].name);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	if (!off)
		snprintf(buf, len, "none");
	return buf;
}

unsigned feed_loop_deny_parse(const char *list)
{
	unsigned deny = 0;

	for (size_t i = 0; list && i < sizeof(loop_names) / sizeof(loop_names[0]); i++) {
		size_t n = strlen(loop_names[i].name);
		const char *p = list;

		while ((p = strstr(p, loop_names[i].name)) != NULL) {
			if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
				deny |= loop_names[i].bit;
			p += n;
		}
	}
	return deny;
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

/* SQPOLL: the kernel thread reads queued SQEs, and the timespec a TIMEOUT
 * points to, on its own time. Before timer_ts is rewritten, every queued
 * SQE must have been consumed (the kernel moves the SQ head only after the
 * SQE was prepared, i.e. the timespec copied). Without SQPOLL the kernel
 * reads them in io_uring_enter, which already returned. Returns 0 or
 * -EBUSY if the thread never catches up (about a second). */
static int loop_sq_drain(struct feed_loop *l)
{
	for (unsigned i = 0; (l->setup & IORING_SETUP_SQPOLL) && io_uring_sq_ready(&l->ring); i++) {
		if (i >= 100000)
			return -EBUSY;
		/* Flushes the tail and wakes the thread if it went to sleep. */
		io_uring_submit(&l->ring);
		sched_yield();
	}
	return 0;
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
	if (loop_sq_drain(l) < 0)
		return -EBUSY;
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

/* A hint to the CPU that this is a spin loop (frees the sibling
 * hyperthread, saves power); nothing elsewhere. */
static inline void loop_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Spins this many times on an empty CQ before entering the kernel anyway
 * (a tenth of a second or so). The flags below say when there is work, and
 * without DEFER/COOP_TASKRUN the kernel posts completions while the thread
 * runs in user space; this only bounds the wait on a kernel that would do
 * neither. At 2^15 (a millisecond) it was 1,250 idle syscalls a second. */
#define LOOP_BUSY_SPINS (1u << 22)

static int loop_wait_busy(struct feed_loop *l)
{
	unsigned spins = 0;
	int rc = 0;

	if (io_uring_sq_ready(&l->ring))
		rc = io_uring_submit(&l->ring);
	l->pending = 0;
	for (;;) {
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
			return rc;
		if (io_uring_cq_ready(&l->ring))
			return 0;
		/* TASKRUN: completions wait as task work that only an enter runs
		 * (DEFER/COOP_TASKRUN); CQ_OVERFLOW: they wait in the kernel's
		 * overflow list. Acquire: read the flag before the CQ again. */
		if ((io_uring_smp_load_acquire(l->ring.sq.kflags) &
		     (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) ||
		    ++spins >= LOOP_BUSY_SPINS) {
			spins = 0;
			rc = io_uring_get_events(&l->ring);
			continue;
		}
		rc = 0;
		loop_relax();
	}
}

int feed_loop_wait(struct feed_loop *l)
{
	int rc;

	l->iterations++;
	if (l->busy)
		return loop_wait_busy(l);
	rc = io_uring_submit_and_wait(&l->ring, 1);
	l->pending = 0;
	if (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY)
		return 0;
	return rc < 0 ? rc : 0;
}
