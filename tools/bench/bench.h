/* SPDX-License-Identifier: MIT */
/*
 * bench.h: shared types of mdbus-bench, the fan-out latency benchmark.
 *
 * The parent only orchestrates: through the process harness (proc.h) it
 * forks N consumers and one publisher, which write their results (counters
 * + latency histograms) into a control block (struct bench_ctl) in the
 * shared mapping. A transport that crashes or hangs (iceoryx's runtime
 * aborts the process when RouDi is missing) only takes a child down; the
 * parent reports it.
 *
 * Every message is 64 bytes: a struct mdbus_tick (56 bytes, what mdbus
 * publishes) whose payload carries the publisher's CLOCK_MONOTONIC stamp
 * and the benchmark sequence number, plus 8 bytes of padding that the
 * socket/ZeroMQ/iceoryx transports send too.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "hist.h"
#include "mdbus.h"

struct bench_noise_cpu; /* noise.h */

#define BENCH_MAX_CONSUMERS 64
#define BENCH_ERR_MAX	    200

enum bench_msg_type {
	BENCH_MSG_DATA = 0,   /* a measured tick */
	BENCH_MSG_WARMUP = 1, /* sent until every consumer has seen one */
	BENCH_MSG_END = 2,    /* carries the number of DATA ticks published */
};

struct bench_msg {
	struct mdbus_tick tick; /* u.raw[0] stamp ns, [1] seq, [2] type, [3] total */
	uint64_t pad;
};
_Static_assert(sizeof(struct mdbus_tick) == 56, "mdbus tick is 56 bytes");
_Static_assert(sizeof(struct bench_msg) == 64, "bench messages are 64 bytes");

#define BENCH_STAMP(m) ((m)->tick.u.raw[0])
#define BENCH_SEQ(m)   ((m)->tick.u.raw[1])
#define BENCH_TYPE(m)  ((m)->tick.u.raw[2])
#define BENCH_TOTAL(m) ((m)->tick.u.raw[3])

/* The one clock of the benchmark: CLOCK_MONOTONIC through the vDSO (no
 * syscall when the kernel clocksource is tsc or kvm-clock; sysinfo reports
 * which). Both ends read the same system-wide clock, so one-way latency
 * needs no calibration. */
static inline int64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* 64-bit fields first: no padding holes. */
struct bench_cfg {
	int64_t duration_ns;
	uint64_t rate;			   /* ticks/s, 0 = flat out */
	unsigned consumers;		   /* 1 .. BENCH_MAX_CONSUMERS */
	int wait;			   /* consumers block instead of spinning */
	int ncpus;			   /* entries in cpus[]; 0 = no pinning */
	int cpus[BENCH_MAX_CONSUMERS + 1]; /* publisher first, then consumers round robin */
	unsigned slots;			   /* mdbus ring slots */
	int verbose;
	int stalls; /* trace when each process was away (default; mdbus, spinning) */
};

/* CPU of consumer (-1 = the publisher); -1 if unpinned. */
int bench_cpu_for(const struct bench_cfg *cfg, int consumer);

struct bench_sub_result {
	int ok;			      /* 1 when the consumer finished normally */
	char err[BENCH_ERR_MAX];      /* why not */
	int cpu;		      /* pinned CPU or -1 */
	int end_seen;		      /* got the END marker (else stopped by deadline) */
	uint64_t received;	      /* DATA ticks read */
	uint64_t gap_missed;	      /* holes in the sequence seen while reading */
	uint64_t tail_missed;	      /* published after the last tick read */
	uint64_t api_missed;	      /* missed as reported by the transport (mdbus laps) */
	uint64_t laps;		      /* lap events reported by the transport */
	uint64_t out_of_order;	      /* sequence went backwards (must be 0) */
	uint64_t negative;	      /* latency < 0 (clock went backwards; must be 0) */
	uint64_t published;	      /* total from the END marker */
	int64_t first_ns, last_ns;    /* receive time of the first and last DATA tick */
	double cpu_user_s, cpu_sys_s; /* getrusage over the run */
	double wall_s;		      /* wall time the CPU figures cover */
	uint64_t invol_switches;      /* preempted (ru_nivcsw): CPU contention */
	uint64_t vol_switches;	      /* blocked (ru_nvcsw): --wait sleeps */
	struct bench_hist hist;	      /* one-way latency, ns */
	struct bench_hist ready;      /* the same, only ticks that found the consumer idle */
};

struct bench_pub_result {
	int ok;
	char err[BENCH_ERR_MAX];
	int cpu;
	uint64_t published; /* DATA ticks */
	uint64_t dropped;   /* sends the transport refused (socket full), summed over consumers */
	int64_t start_ns, end_ns;
	int64_t max_behind_ns; /* worst lateness against the absolute schedule */
	double cpu_user_s, cpu_sys_s;
};

/* The results in the shared mapping; stall recorders follow it (floor.c). */
struct bench_ctl {
	struct bench_noise_cpu *stall_pub; /* NULL when not traced */
	struct bench_noise_cpu *stall_sub; /* one per consumer */
	struct bench_pub_result pub;
	struct bench_sub_result sub[BENCH_MAX_CONSUMERS];
};

struct bench_run;

struct bench_transport {
	const char *name;
	/* Parent, before the forks: start daemons, create socket pairs. On
	 * failure writes why the transport cannot run and returns -errno: the
	 * run is reported "skipped: why". May be NULL. */
	int (*setup)(struct bench_run *run, char *why, size_t len);
	void (*after_fork)(struct bench_run *run); /* parent: close what only children use */
	void (*teardown)(struct bench_run *run);   /* parent, after every child exited */
	int (*pub_open)(struct bench_run *run, void **pub, char *err, size_t len);
	/* Sends m to every consumer. Returns 0 or -errno; a consumer that cannot
	 * take it (full socket) is counted in *dropped, not an error. */
	int (*pub_send)(void *pub, const struct bench_msg *m, uint64_t *dropped);
	void (*pub_flush)(void *pub); /* once per batch in --wait mode; may be NULL */
	void (*pub_close)(void *pub);
	int (*sub_open)(struct bench_run *run, unsigned idx, void **sub, char *err, size_t len);
	/* Returns 1 with *m, 0 if nothing arrived (within wait_ms when > 0),
	 * -ESHUTDOWN when the publisher is gone, other -errno on failure.
	 * missed and laps grow by what the transport itself reports lost. */
	int (*sub_recv)(void *sub, struct bench_msg *m, int wait_ms, uint64_t *missed,
			uint64_t *laps);
	void (*sub_close)(void *sub);
};

extern const struct bench_transport bench_transport_mdbus;
extern const struct bench_transport bench_transport_uds;
extern const struct bench_transport bench_transport_zmq;
extern const struct bench_transport bench_transport_iox;

/* One run: the state of one transport for one configuration. */
struct bench_run {
	const struct bench_cfg *cfg;
	const struct bench_transport *t;
	struct bench_ctl *ctl;
	struct bench_proc *proc;
	char id[48]; /* unique per run: "bench-PID-N", names buses, sockets, services */
	int uds_fds[BENCH_MAX_CONSUMERS][2]; /* socket pairs: [0] publisher, [1] consumer */
	pid_t roudi_pid;		     /* iox-roudi we started, 0 = none */
	char roudi_log[128];
};

/* Unless --no-stalls: while a run is measured, its publisher and consumers
 * note every gap longer than BENCH_STALL_MIN_NS between two of their clock
 * reads (the CPU ran something else), and the parent replays the run's
 * schedule through a zero-cost transport over those stalls (floor.c). */
#define BENCH_STALL_MIN_NS 1000 /* above a tick's own read, below the p99 target */

struct bench_floor_cpu {
	int cpu;	     /* -1 when unpinned */
	int truncated;	     /* more stalls than the trace keeps: the floor is too low */
	double away_pct;     /* share of the run the process was away */
	double stalls_per_s; /* gaps > BENCH_STALL_MIN_NS */
	int64_t longest_ns;
};

struct bench_floor {
	int ok;		/* traced and replayed */
	char why[160];	/* why not */
	unsigned nrole; /* role[0] publisher, then each consumer */
	struct bench_floor_cpu role[BENCH_MAX_CONSUMERS + 1];
	struct bench_hist hist; /* zero-cost transport latency, every consumer merged */
};

/* Bytes of stall traces run needs after its bench_ctl; 0 (fl->why set)
 * when it is not traced. */
size_t bench_stalls_len(const struct bench_run *run, struct bench_floor *fl);
/* Points run->ctl at the traces that follow it (parent, before the forks). */
void bench_stalls_place(struct bench_run *run);
/* Parent, after the children exited: the floor from what they recorded. */
void bench_stalls_floor(const struct bench_run *run, struct bench_floor *fl);

/* What the parent reports for one run. */
struct bench_result {
	char transport[16];
	int skipped; /* transport could not run: see why */
	int failed;  /* ran but a child failed: see why */
	char why[BENCH_ERR_MAX * 2];
	char warning[BENCH_ERR_MAX * 2]; /* measured fine, but something else went wrong */
	struct bench_cfg cfg;
	int oversubscribed; /* more busy processes than cores */
	struct bench_pub_result pub;
	unsigned nsub;
	struct bench_sub_result *sub; /* nsub entries (malloc'd by bench_run_one) */
	struct bench_hist all;	      /* every consumer merged */
	struct bench_hist all_ready;  /* every consumer's `ready` merged */
	struct bench_floor floor;     /* the floor of this very run (floor.c) */
};

/* Runs one transport with cfg; fills res (free with bench_result_free).
 * index (unique within the process) names the run's bus, sockets and
 * services: "bench-PID-INDEX". Returns 0 (also when skipped or failed: see
 * res) or -errno for an internal error. */
int bench_run_one(const struct bench_cfg *cfg, const struct bench_transport *t, unsigned index,
		  struct bench_result *res);
void bench_result_free(struct bench_result *res);

/* ---- reports of fan-out latency runs (report_lat.c) ---------------------- */

struct bench_sysinfo;

/* Machine, clock and the run settings (pinning included). */
void bench_lat_header(FILE *f, const struct bench_sysinfo *si, const struct bench_cfg *cfg);
/* One run: per-consumer rows, "all", "ready" and floor rows. */
void bench_lat_run(FILE *f, const struct bench_result *r);
/* --compare / --repeat: medians per transport, ratios vs mdbus. */
void bench_lat_compare(FILE *f, const struct bench_result *r, size_t n);
/* --sweep: p50/p99 per (transport, consumers, rate). */
void bench_lat_sweep(FILE *f, const struct bench_result *r, size_t n);
/* Everything as one JSON document; mode "run", "compare" or "sweep". */
void bench_lat_json(FILE *f, const struct bench_sysinfo *si, const char *mode,
		    const struct bench_result *r, size_t n);
/* Percentile curves per (transport, consumers, rate). 0 or -errno, err set. */
int bench_lat_plot(const char *path, const struct bench_sysinfo *si, const struct bench_result *r,
		   size_t n, char *err, size_t len);

/* The modes besides fan-out latency: argv[0] is the mode's name; each
 * returns the process exit status. */
int bench_feed_main(int argc, char **argv);
int bench_noise_main(int argc, char **argv);
int bench_thru_main(int argc, char **argv);

#endif /* BENCH_H */
