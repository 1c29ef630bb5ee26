/* SPDX-License-Identifier: MIT */
/*
 * loop.h: feedd's one io_uring event loop: the ring, the signalfd read, the
 * single loop timer and the user_data encoding every completion carries.
 *
 * Everything feedd waits for goes through this ring: socket connect/recv/
 * send, c-ares socket polls, signals (a signalfd read) and time (one
 * IORING_OP_TIMEOUT in flight, armed at the earliest deadline of all
 * sessions; see feed_loop_set_timer). The loop thread never blocks
 * anywhere but in io_uring_submit_and_wait() (idle = sleep), or never
 * blocks at all (idle = busy: it polls the completion queue).
 *
 * Ring set-up features are probed at start, best first, each dropped when
 * the kernel refuses it (-EINVAL): SINGLE_ISSUER + DEFER_TASKRUN (6.1),
 * else COOP_TASKRUN (5.19), with TASKRUN_FLAG so a busy loop sees pending
 * work without a syscall; SQPOLL when asked (it excludes those three); the
 * ring fd registered (5.18) so io_uring_enter skips the fd lookup.
 *
 * user_data (64 bits):
 *
 *   63                          24 23            8 7      0
 *   +-----------------------------+---------------+--------+
 *   | generation (40 bits)        | index (16)    | op (8) |
 *   +-----------------------------+---------------+--------+
 *
 * index is the connection slot (the daemon maps it to a session and one of
 * its connections; FEED_UD_LOOP for loop-wide ops); generation is the
 * connection's generation (or the timer's / poll slot's), so a
 * completion that belongs to a connection already torn down is recognised
 * and ignored.
 */
#ifndef FEED_LOOP_H
#define FEED_LOOP_H

#include <liburing.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/signalfd.h>

enum feed_op {
	FEED_OP_NONE = 0,
	FEED_OP_SIGNAL,	      /* read on the signalfd */
	FEED_OP_TIMER,	      /* the loop timer fired (or was removed) */
	FEED_OP_TIMER_DEL,    /* completion of a timeout remove: ignored */
	FEED_OP_CONNECT,      /* session socket connect */
	FEED_OP_RECV,	      /* session socket recv into its fixed buffer */
	FEED_OP_SEND,	      /* session socket send (one in flight) */
	FEED_OP_CANCEL,	      /* completion of a cancel request: ignored */
	FEED_OP_DNS_POLL,     /* c-ares socket readiness */
	FEED_OP_DNS_POLL_DEL, /* completion of a poll remove: ignored */
	FEED_OP_REST_CONNECT, /* REST client socket connect (rest.h) */
	FEED_OP_REST_RECV,    /* REST client recv */
	FEED_OP_REST_SEND     /* REST client send (one in flight) */
};

#define FEED_UD_LOOP 0xffffu
/* Indexes [FEED_UD_REST_BASE, FEED_UD_LOOP) are REST clients (rest.h): their
 * ops and their resolver's polls; sessions' connection slots stay below. */
#define FEED_UD_REST_BASE 0xff00u
#define FEED_UD_GEN_MASK  ((UINT64_C(1) << 40) - 1)

static inline uint64_t feed_ud_make(unsigned op, unsigned index, uint64_t gen)
{
	return ((gen & FEED_UD_GEN_MASK) << 24) | ((uint64_t)(index & 0xffffu) << 8) | (op & 0xffu);
}
static inline unsigned feed_ud_op(uint64_t ud)
{
	return (unsigned)(ud & 0xffu);
}
static inline unsigned feed_ud_index(uint64_t ud)
{
	return (unsigned)((ud >> 8) & 0xffffu);
}
static inline uint64_t feed_ud_gen(uint64_t ud)
{
	return ud >> 24;
}

/* Memory the kernel filled through an io_uring op (recv, read): valgrind
 * 3.19 does not model io_uring and would flag every byte as uninitialised.
 * A no-op outside valgrind (a few instructions), absent without the header. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define FEED_KERNEL_WROTE(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#endif
#endif
#ifndef FEED_KERNEL_WROTE
#define FEED_KERNEL_WROTE(p, n) ((void)(p), (void)(n))
#endif

/* How the ring is set up (feed_loop_init_opts). */
struct feed_loop_opts {
	unsigned entries;     /* SQ size */
	const sigset_t *sigs; /* routed to the signalfd; NULL = none */
	int cpu;	      /* >= 0: pin the calling thread (and SQPOLL's) there */
	int sqpoll;	      /* a kernel thread submits (IORING_SETUP_SQPOLL) */
	int busy;	      /* feed_loop_wait polls, never sleeps */
	unsigned deny;	      /* IORING_SETUP_* bits and FEED_LOOP_DENY_RING_FD never tried */
};

/* deny bit: do not register the ring fd. */
#define FEED_LOOP_DENY_RING_FD (1u << 31)
/* The SQPOLL thread sleeps after this long without submissions. */
#define FEED_LOOP_SQ_IDLE_MS 1000u

struct feed_loop {
	struct io_uring ring;
	unsigned setup;			   /* IORING_SETUP_* flags the kernel took */
	int ring_fd_reg;		   /* the ring fd is registered */
	int busy;			   /* idle = busy */
	int cpu;			   /* the pinned CPU, -1 = none */
	uint64_t iterations;		   /* feed_loop_wait calls */
	int ring_ok;			   /* ring initialised (for free) */
	int sigfd;			   /* signalfd, -1 if none */
	int sig_armed;			   /* a signalfd read is in flight */
	struct signalfd_siginfo siginfo;   /* target of the signalfd read */
	sigset_t sigmask;		   /* signals routed to the signalfd */
	sigset_t oldmask;		   /* restored by feed_loop_free */
	uint64_t timer_gen;		   /* generation of the armed timer */
	int timer_armed;		   /* a TIMEOUT with timer_gen is in flight */
	int64_t timer_at;		   /* its deadline, CLOCK_MONOTONIC ns */
	struct __kernel_timespec timer_ts; /* read by the kernel at submit */
	unsigned pending;		   /* SQEs prepared since the last submit */
};

/* Monotonic clock (deadlines) and wall clock (tick timestamps), in ns.
 * Both are vDSO calls: no syscall. */
int64_t feed_now_ns(void);
int64_t feed_wall_ns(void);

/* Submission queue entries at most; the completion queue may be larger. */
#define FEED_LOOP_SQ_MAX 4096u

/* Creates the ring and, if sigs is non-NULL, blocks those signals in the
 * calling thread and opens a signalfd for them (the defaults of
 * feed_loop_init_opts: no pin, no SQPOLL, idle = sleep). entries: the operations that
 * may be in flight at once; the completion queue holds at least that many
 * (2 x the SQ, or entries with IORING_SETUP_CQSIZE), the submission queue
 * min(entries, FEED_LOOP_SQ_MAX). Returns 0 or -errno (nothing left open on
 * error). */
int feed_loop_init(struct feed_loop *l, unsigned entries, const sigset_t *sigs);

/* Same with options. Pins first (-EINVAL for a CPU the thread may not use),
 * then tries the set-up flags best first, dropping what the kernel refuses
 * (-EINVAL, or -EPERM for SQPOLL): l->setup says what it took. Returns 0
 * or -errno. */
int feed_loop_init_opts(struct feed_loop *l, const struct feed_loop_opts *o);

/* "single_issuer,defer_taskrun,taskrun_flag,ring_fd" or "none": the
 * features the ring runs with, for the start-up log line. */
const char *feed_loop_features(const struct feed_loop *l, char *buf, size_t len);

/* A comma list of feature names (as feed_loop_features prints them) as a
 * deny mask for feed_loop_opts; unknown names are ignored. */
unsigned feed_loop_deny_parse(const char *list);

/* Tears down: signalfd closed, ring exited (the kernel cancels whatever is
 * still in flight), old signal mask restored. Safe on a zeroed or failed
 * loop (fields set by init are checked). */
void feed_loop_free(struct feed_loop *l);

/* An SQE for the caller to prepare; submits first if the SQ is full.
 * Returns NULL only if the ring is broken (then the caller treats the op as
 * failed with -EBUSY). */
struct io_uring_sqe *feed_loop_sqe(struct feed_loop *l);

/* Queues the signalfd read if it is not in flight. Returns 0 or -errno. */
int feed_loop_arm_signal(struct feed_loop *l);

/* Handles a FEED_OP_SIGNAL completion: returns the signal number (> 0),
 * 0 for a spurious/short read, and re-arms the read. */
int feed_loop_on_signal(struct feed_loop *l, int res);

/* Makes sure a loop timer fires no later than deadline_ns (CLOCK_MONOTONIC;
 * <= 0 means no deadline). Only one TIMEOUT is in flight: it is replaced only
 * when the new deadline is earlier. Call at most once per iteration (the
 * kernel reads timer_ts at submit). Returns 0 or -errno. */
int feed_loop_set_timer(struct feed_loop *l, int64_t deadline_ns);

/* Handles a FEED_OP_TIMER completion (clears the armed state if it is the
 * current timer). */
void feed_loop_on_timer(struct feed_loop *l, uint64_t ud);

/* Asks the kernel to cancel the op in flight with this user_data (its
 * completion then arrives with -ECANCELED, or with its real result if it
 * already finished). The cancel's own completion is FEED_OP_CANCEL, ignored.
 * Returns 0 or -errno. */
int feed_loop_cancel(struct feed_loop *l, uint64_t ud);

/* Submits what was prepared and waits for at least one completion: asleep
 * in io_uring_enter, or (busy) spinning on the completion queue, entering
 * the kernel only when it flags task work to run (DEFER/COOP_TASKRUN) or
 * the CQ overflowed. Returns 0 or -errno (-EINTR is mapped to 0). */
int feed_loop_wait(struct feed_loop *l);

#endif /* FEED_LOOP_H */
