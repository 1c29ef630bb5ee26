/* SPDX-License-Identifier: MIT */
/*
 * proc.h: the one process harness of every mdbus-bench mode. The parent
 * maps one MAP_SHARED|MAP_ANONYMOUS area (a head of stop flag and stage
 * counters, then the mode's results), forks the children, pins each to its
 * CPU and reaps them with a deadline: past it the stop flag goes up, two
 * seconds later what is left is killed. waitpid() orders a child's writes
 * before the parent's reads; children meet each other at stage counters.
 */
#ifndef BENCH_PROC_H
#define BENCH_PROC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct mdbus_writer;
struct mdbus_instrument;

#define BENCH_PROC_MAX	  66 /* a publisher, 64 consumers, a spare */
#define BENCH_PROC_STAGES 8

/* The one clock: CLOCK_MONOTONIC through the vDSO, system-wide, so one-way
 * latency between processes needs no calibration. */
static inline int64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* When tick i at rate ticks/s from start is due: integers, no drift, no overflow. */
static inline int64_t bench_due(int64_t start, uint64_t i, uint64_t rate)
{
	return start + (int64_t)((i / rate) * 1000000000ull + ((i % rate) * 1000000000ull) / rate);
}

static inline void bench_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

struct bench_proc_head {
	atomic_int stop;		      /* give up now: parent (deadline) or a child */
	atomic_uint stage[BENCH_PROC_STAGES]; /* arrivals; the modes name the stages */
};

struct bench_proc {
	unsigned n;		 /* children to fork */
	int cpu[BENCH_PROC_MAX]; /* CPU of each child, -1 = not pinned */
	/* Runs in child idx after pinning (pin_rc 0 or -errno): its exit status. */
	int (*child)(struct bench_proc *p, unsigned idx, int pin_rc);
	void *arg;	    /* the mode's context, read by the children */
	int64_t timeout_ns; /* from the start until the stop flag goes up */
	int64_t quiet_ns;   /* the parent sleeps this long before it polls: no wakeups */
	struct bench_proc_head *head;
	void *shared; /* the mode's part of the mapping, zeroed */
	size_t map_len;
	unsigned forked;
	pid_t pid[BENCH_PROC_MAX];
	int status[BENCH_PROC_MAX];
	int64_t deadline;
};

/* Maps the head plus len zeroed bytes (MAP_NORESERVE: stall traces cost
 * only the pages touched). 0 or -errno. */
int bench_proc_map(struct bench_proc *p, size_t len);
void bench_proc_unmap(struct bench_proc *p);
/* Forks the n children: 0, or -errno with the stop flag up (wait still reaps). */
int bench_proc_start(struct bench_proc *p);
/* Reaps every child; returns how many did not exit with 0. */
int bench_proc_wait(struct bench_proc *p);
/* Spins until stage has count arrivals: 0, or -ETIMEDOUT once stopped. */
int bench_proc_await(struct bench_proc *p, unsigned stage, unsigned count);

/* relaxed: a flag without payload; the others look at it when idle */
static inline void bench_proc_stop(struct bench_proc *p)
{
	atomic_store_explicit(&p->head->stop, 1, memory_order_relaxed);
}

static inline int bench_proc_stopped(struct bench_proc *p)
{
	return atomic_load_explicit(&p->head->stop, memory_order_relaxed);
}

/* release: what the caller wrote before arriving is visible to whoever
 * sees the count (an RMW chain is one release sequence) */
static inline void bench_proc_arrive(struct bench_proc *p, unsigned stage)
{
	atomic_fetch_add_explicit(&p->head->stage[stage], 1, memory_order_release);
}

static inline unsigned bench_proc_count(struct bench_proc *p, unsigned stage)
{
	return atomic_load_explicit(&p->head->stage[stage], memory_order_acquire);
}

/* The caller's CPU seconds and context switches so far (getrusage). */
struct bench_usage {
	double user_s, sys_s;
	uint64_t invol, vol; /* preempted (CPU contention); blocked (--wait sleeps) */
};
void bench_usage(struct bench_usage *u);
/* A run's private bus with slots and, if in, that instrument as id 0. 0 or
 * -errno with err (*w NULL). */
int bench_bus_open(struct mdbus_writer **w, const char *bus, unsigned slots,
		   const struct mdbus_instrument *in, char *err, size_t len);
/* Removes a bus a killed writer left behind; any path, its path.lock and
 * the reader table path.readers. */
void bench_bus_unlink(const char *bus);
void bench_unlink_locked(const char *path);

#endif
