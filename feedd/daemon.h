/* SPDX-License-Identifier: MIT */
/*
 * daemon.h: the feedd process state: the config, the io_uring loop, the bus
 * writer, the sessions, the connect-rate bucket and the shutdown sequence.
 * main.c parses the command line and calls init / run / free.
 */
#ifndef FEED_DAEMON_H
#define FEED_DAEMON_H

#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "mdbus.h"
#include "rate.h"
#include "session.h"

/* Per-instrument counters (index = bus instrument id): plain fields updated
 * on the hot path, copied to the health region by the watchdog. */
struct feed_instr_stats {
	uint32_t session;
	uint32_t status; /* enum mdbus_health_instr_status */
	uint64_t ticks;
	uint64_t gaps;
	int64_t last_price, last_qty;
	int64_t bid_px, bid_qty, ask_px, ask_qty;
	int64_t last_trade_ns;	/* monotonic */
	int64_t last_update_ns; /* monotonic */
	int64_t last_exch_ts;
};

struct feed_daemon {
	const struct feed_config *cfg;
	struct feed_loop loop;
	int loop_ok;
	mdbus_writer *w;
	void *health; /* health region (NULL if unavailable) */
	size_t health_size;
	struct feed_session *sess;
	unsigned nsess;
	struct feed_instr_stats *istats;
	uint32_t ninstr;    /* instruments registered (ids < ninstr) */
	uint32_t max_instr; /* capacity given to mdbus_writer_open */
	struct feed_rate rate;
	uint64_t rng;  /* backoff jitter */
	int published; /* ticks published since the last wake */

	int stopping;	       /* a signal asked us to stop */
	int exit_code;	       /* 0 SIGTERM, 130 SIGINT */
	int64_t stop_deadline; /* monotonic: force after this */
	int64_t start_mono_ns, start_rt_ns;
	uint32_t pid;		    /* getpid() once: it is a real syscall */
	int fds_at_start;	    /* open descriptors before init (leak check at exit) */
	int started;		    /* init succeeded: the exit report is printed */
	int64_t wd_next;	    /* next watchdog run */
	uint64_t wd_count;	    /* watchdog runs */
	uint64_t rate_seq;	    /* ring seq at the last rate sample */
	int64_t rate_at;	    /* time of that sample */
	uint64_t ring_rate;	    /* ticks/s */
	unsigned health_instr_next; /* round-robin cursor for instrument records */
};

/* Builds the daemon from a loaded config: ring + signalfd, bus, sessions,
 * instruments. Returns 0, or 1 after logging one "feedd: error: ..." line,
 * the only line a failed start prints (the process exit code). d is freed
 * with feed_daemon_free in both cases. */
int feed_daemon_init(struct feed_daemon *d, const struct feed_config *cfg);

/* Runs until shut down; returns the exit code (0 SIGTERM, 130 SIGINT,
 * 1 fatal). */
int feed_daemon_run(struct feed_daemon *d);

/* Releases everything: ring first (cancels what is in flight), then the
 * sessions, then the bus (marked STOPPED, the file kept for readers).
 * After a successful init it reports "exit fds=N start_fds=M". */
void feed_daemon_free(struct feed_daemon *d);

/* Takes a connect token: 0, or -EAGAIN with *ready_ns. */
int feed_daemon_connect_token(struct feed_daemon *d, int64_t now_ns, int64_t *ready_ns);

/* Hot path: publishes n ticks from session s (their instruments' stats
 * updated); never allocates, never calls the kernel. Returns 0 or -errno. */
int feed_daemon_publish(struct feed_daemon *d, struct feed_session *s, const struct mdbus_tick *t,
			uint32_t n, int64_t mono_ns);

/* A STATUS tick (enum mdbus_status_code) for every instrument of s, and
 * the instruments' health status word. Symbols rejected by the venue
 * (venue sym.dead) are left alone: their status is their own. */
void feed_daemon_status(struct feed_daemon *d, struct feed_session *s, uint32_t code,
			enum feed_err_class reason, int64_t mono_ns);

/* The same for symbol i of s only (a rejected or late-acked subscription). */
void feed_daemon_sym_status(struct feed_daemon *d, struct feed_session *s, uint32_t i,
			    uint32_t code, enum feed_err_class reason, int64_t mono_ns);

/* Symbol i's health status word (enum mdbus_health_instr_status). */
uint32_t feed_daemon_sym_health(const struct feed_daemon *d, const struct feed_session *s,
				uint32_t i);

/* Logging (stderr, one line per call): "feedd: <session>: <text>". */
void feed_log(const char *session, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "feedd: error: <text>" */
void feed_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* FEED_DAEMON_H */
