/* SPDX-License-Identifier: MIT */
/*
 * bench.h: what the files of mdbus-bench share: option rows (opt.c), the
 * reporter (report.c) and the fan-out latency runs (run.c, transport.c). The
 * parent only orchestrates: the children (proc.h) write their results into
 * a control block in the shared mapping, so a crash only takes a child down.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "hist.h"
#include "mdbus.h"
#include "proc.h"
#include "tools_opt.h"

#define BENCH_MAX_CONSUMERS 64
#define BENCH_ERR_MAX	    200

/* ---- options (opt.c): tools_opt.h rows ------------------------------------ */

/* tools_opt_parse, operands refused: -1 to go on, else the exit status. */
int bench_opts(const char *prog, void (*usage)(FILE *f), const struct tools_opt *o, size_t n,
	       int argc, char **argv);
// clang-format off
/* Rows: a flag storing v, a checked count or duration, a reader fn; one line each. */
#define BENCH_FLAG(name, key, dst, v) {name, key, TOOLS_OPT_SET, dst, 0, 0, v, NULL, NULL, NULL}
#define BENCH_NUM(name, key, kind, dst, min, max, bad) \
	{name, key, TOOLS_OPT_##kind, dst, min, max, 0, NULL, bad, NULL}
#define BENCH_FN(name, key, dst, fn) {name, key, TOOLS_OPT_FN, dst, 0, 0, 0, fn, NULL, NULL}
#define BENCH_HELP TOOLS_OPT_STD_ROWS
// clang-format on
/* Readers: a power of two >= 64 into an unsigned; a CPU list into a bench_cfg. */
const char *bench_opt_pow2(void *dst, const char *arg);
const char *bench_opt_cpus(void *dst, const char *arg);
/* "0,1", "0-3", "2,4-5" into cpus[0..*n); -ENODEV for a CPU outside our mask. */
int bench_parse_cpus(const char *s, int *cpus, int cap, int *n);
/* "10k,100k,1M" into v[0..*n), each min..max. */
int bench_parse_list(const char *s, uint64_t min, uint64_t max, uint64_t *v, unsigned cap,
		     unsigned *n);
/* The first cap CPUs of our affinity mask; returns how many. */
int bench_usable_cpus(int *cpus, int cap);

/* ---- the reporter (report.c) ------------------------------------------------ */

struct bench_sysinfo {
	int cores, allowed;   /* online CPUs; CPUs in our affinity mask */
	char cpu_model[128];  /* /proc/cpuinfo "model name" */
	char kernel[256];     /* uname -srm */
	char clocksource[32]; /* tsc = clock_gettime in the vDSO */
	double clock_cost_ns; /* one clock_gettime(CLOCK_MONOTONIC) */
	char date[32];	      /* UTC, ISO 8601 */
};
void bench_sysinfo_get(struct bench_sysinfo *si);
/* "machine: ..." and "kernel: ..." lines. */
void bench_report_machine(FILE *f, const struct bench_sysinfo *si);

/* Median of v[0..n), sorting v: the lower middle one, or the mean of both. */
double bench_median(double *v, unsigned n, int mean);

/* JSON, one value per line: bench_j_open(j, key, '{') .. bench_j_close (key
 * NULL in arrays); bench_j(j, "key:T ...", values) with T u (uint64_t), i
 * (int64_t), d (int), b (bool), s (string or NULL), f0..f9 (double, decimals). */
struct bench_json {
	FILE *f;
	int depth;
	json_t *stack[8]; /* the open objects and arrays; written out at the last close */
};
void bench_j_open(struct bench_json *j, const char *key, char brace);
void bench_j_close(struct bench_json *j);
void bench_j(struct bench_json *j, const char *spec, ...);
/* h as {count, min, p50 .. p99.99, max, mean}. */
void bench_j_hist(struct bench_json *j, const char *key, const struct bench_hist *h);
/* {"tool": "mdbus-bench", "mode": mode, "machine": {...}, opened. */
void bench_j_doc(struct bench_json *j, const struct bench_sysinfo *si, const char *mode);

/* A column over a row of figures v[]: a table cell (" %*s"), a JSON member,
 * or both. A NaN figure is "-" in a table and null in JSON. */
struct bench_col {
	const char *head; /* table heading; NULL: JSON only */
	const char *key;  /* JSON key; NULL: table only */
	int fig;	  /* v[fig] */
	char fmt;	/* 'n' ns (an integer in JSON), 'f' fixed, '%' percent, 'r' v / base[fig] */
	int width, dec; /* table width; decimals of 'f', '%' and of 'r' in JSON */
};
// clang-format off
#define BENCH_COL_END {NULL, NULL, 0, 0, 0, 0} /* clang-format would spread it over four lines */
// clang-format on
/* The headings (v NULL) or a row's cells, no newline. */
void bench_cols(FILE *f, const struct bench_col *c, const double *v, const double *base);
void bench_cols_json(struct bench_json *j, const struct bench_col *c, const double *v,
		     const double *base);

/* A percentile curve (x = 1/(1-p) on a log axis); style is gnuplot's. */
struct bench_curve {
	struct bench_hist h;
	char style[64];
	char title[128];
};
/* Curves into a PNG with gnuplot: 0 or -errno with err set. */
int bench_plot(const char *path, const char *title, const struct bench_curve *c, size_t n,
	       char *err, size_t len);

/* ---- fan-out latency runs ------------------------------------------------ */

/* 64 bytes: the tick mdbus publishes (its payload: stamp, sequence, type,
 * END's total) and the padding the other transports send too. */
struct bench_msg {
	struct mdbus_tick tick;
	uint64_t pad;
};
_Static_assert(sizeof(struct bench_msg) == 64, "bench messages are 64 bytes");

struct bench_cfg {
	int64_t duration_ns;
	uint64_t rate;			   /* ticks/s, 0 = flat out */
	unsigned consumers, slots;	   /* slots: of the mdbus ring */
	int wait, verbose, stalls;	   /* block; keep logs; trace stalls (floor.c) */
	int ncpus;			   /* 0 = no pinning */
	int cpus[BENCH_MAX_CONSUMERS + 1]; /* publisher, then consumers round robin */
};
/* CPU of consumer (-1 = the publisher); -1 if unpinned. */
int bench_cpu_for(const struct bench_cfg *cfg, int consumer);

struct bench_sub_result {
	int ok, cpu, end_seen; /* end_seen: got END (else stopped by deadline) */
	char err[BENCH_ERR_MAX];
	uint64_t received, published;	  /* DATA ticks read; the total from END */
	uint64_t gap_missed, tail_missed; /* holes seen; published after the last read */
	uint64_t api_missed, laps;	  /* as the transport reports them (mdbus laps) */
	uint64_t out_of_order, negative;  /* must be 0 */
	int64_t first_ns, last_ns;	  /* receive time of the first and last DATA tick */
	double cpu_user_s, cpu_sys_s, wall_s;
	uint64_t invol_switches, vol_switches;
	struct bench_hist hist;	 /* one-way latency, ns */
	struct bench_hist ready; /* only ticks that found the consumer idle */
};

struct bench_pub_result {
	int ok, cpu;
	char err[BENCH_ERR_MAX];
	uint64_t published, dropped; /* dropped: sends refused (full socket), all consumers */
	int64_t start_ns, end_ns, max_behind_ns; /* max_behind: worst lateness vs schedule */
	double cpu_user_s, cpu_sys_s;
};

/* One run: the state of one transport for one configuration. */
struct bench_run {
	const struct bench_cfg *cfg;
	const struct bench_transport *t;
	struct bench_ctl *ctl;
	struct bench_proc *proc;
	char id[48];			     /* "bench-PID-N", names buses, sockets, services */
	int uds_fds[BENCH_MAX_CONSUMERS][2]; /* socket pairs: [0] publisher, [1] consumer */
	pid_t roudi_pid;		     /* iox-roudi we started, 0 = none */
	char roudi_log[128];
};

struct bench_transport {
	const char *name;
	const char *missing; /* not built in: why (every run is skipped) */
	/* Parent, before the forks (may be NULL): -errno with why = skipped. */
	int (*setup)(struct bench_run *run, char *why, size_t len);
	void (*after_fork)(struct bench_run *run); /* parent: close what children use */
	void (*teardown)(struct bench_run *run);   /* parent, after every child exited */
	/* idx: the consumer, or -1 for the publisher. 0 or -errno with err. */
	int (*open)(struct bench_run *run, int idx, void **h, char *err, size_t len);
	void (*close)(void *h, int idx);
	/* To every consumer: how many refused it (full), or -errno. */
	int (*send)(void *pub, const struct bench_msg *m);
	void (*flush)(void *pub); /* once per batch in --wait mode; may be NULL */
	/* 1 with *m, 0 if nothing (within wait_ms when > 0), -ESHUTDOWN when the
	 * publisher is gone. */
	int (*recv)(void *sub, struct bench_msg *m, int wait_ms);
	/* What the transport itself counted as lost (may be NULL). */
	void (*lost)(void *sub, uint64_t *missed, uint64_t *laps);
};
extern const struct bench_transport bench_transport_mdbus, bench_transport_uds, bench_transport_zmq,
	bench_transport_iox;

/* Stalls noted by traced runs (run.c): above a tick's own read, below p99. */
#define BENCH_STALL_MIN_NS 1000

struct bench_floor_cpu {
	int cpu, truncated; /* truncated: more stalls than kept, the floor is too low */
	double away_pct, stalls_per_s;
	int64_t longest_ns;
};

struct bench_floor {
	int ok;		/* traced and replayed */
	char why[160];	/* why not */
	unsigned nrole; /* role[0] publisher, then each consumer */
	struct bench_floor_cpu role[BENCH_MAX_CONSUMERS + 1];
	struct bench_hist hist; /* zero-cost transport latency, consumers merged */
};

/* What the parent reports for one run. */
struct bench_result {
	const struct bench_transport *t;
	int skipped, failed, oversubscribed; /* see why; more busy processes than cores */
	unsigned nsub;
	char why[BENCH_ERR_MAX * 2];
	char warning[BENCH_ERR_MAX * 2]; /* measured fine, but a child's exit went wrong */
	struct bench_cfg cfg;
	struct bench_pub_result pub;
	struct bench_sub_result *sub; /* nsub entries, malloc'd */
	struct bench_hist all, all_ready;
	struct bench_floor floor;
};

/* Runs t with cfg into res (free with bench_result_free); index names the
 * run's bus, sockets, services. 0 (also skipped/failed) or -errno. */
int bench_run_one(const struct bench_cfg *cfg, const struct bench_transport *t, unsigned index,
		  struct bench_result *res);
void bench_result_free(struct bench_result *res);

/* report.c: the header; one run; --compare/--repeat medians; --sweep;
 * JSON (mode "run", "compare" or "sweep"); percentile curves. */
void bench_lat_header(FILE *f, const struct bench_sysinfo *si, const struct bench_cfg *cfg);
void bench_lat_run(FILE *f, const struct bench_result *r);
void bench_lat_compare(FILE *f, const struct bench_result *r, size_t n);
void bench_lat_sweep(FILE *f, const struct bench_result *r, size_t n);
void bench_lat_json(FILE *f, const struct bench_sysinfo *si, const char *mode,
		    const struct bench_result *r, size_t n);
int bench_lat_plot(const char *path, const struct bench_sysinfo *si, const struct bench_result *r,
		   size_t n, char *err, size_t len);

/* ---- the other modes: argv[0] is the mode; each returns the exit status -- */
int bench_feed_main(int argc, char **argv);
int bench_noise_main(int argc, char **argv);
int bench_thru_main(int argc, char **argv);
int bench_python_main(int argc, char **argv);
int bench_e2e_main(int argc, char **argv);
int bench_scale_main(int argc, char **argv);

#endif /* BENCH_H */
