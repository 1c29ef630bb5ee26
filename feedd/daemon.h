/* SPDX-License-Identifier: MIT */
/*
 * daemon.h: the feedd process: the config, the io_uring loop, the bus
 * writer and its sink, the shared TLS contexts, the sessions, the
 * connect-rate bucket, the watchdog and the shutdown sequence. The top of
 * feedd's layers (docs/ARCHITECTURE.md): it drives everything below it and
 * nothing below it knows it. main.c parses the command line and calls
 * init / run / free.
 */
#ifndef FEED_DAEMON_H
#define FEED_DAEMON_H

#include <stdint.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "mdbus.h"
#include "notify.h"
#include "rate.h"
#include "session.h"
#include "sink.h"
#include "tlsctx.h"
#include "watchdog.h"

struct feed_daemon {
	const struct feed_config *cfg;
	struct feed_loop loop;
	int loop_ok;
	mdbus_writer *w;
	struct feed_sink sink;
	struct feed_tlsctx_cache tls;
	struct feed_watchdog wd;
	struct feed_notify notify; /* systemd: READY, STATUS, WATCHDOG, STOPPING */
	int health_rc;		   /* feed_watchdog_init's result (warned after the start) */
	struct feed_session *sess;
	unsigned nsess;
	uint32_t *slots; /* user_data index -> (session << 12) | connection */
	unsigned nslots; /* connections of every session */
	struct feed_rate rate;
	uint64_t rng; /* backoff jitter */

	int stopping;	       /* a signal asked us to stop */
	int exit_code;	       /* 0 SIGTERM, 130 SIGINT */
	int64_t stop_deadline; /* monotonic: force after this */
	int64_t start_mono_ns, start_rt_ns;
	uint32_t pid;		  /* getpid() once: it is a real syscall */
	int fds_at_start;	  /* open descriptors before init (leak check at exit) */
	int started;		  /* init succeeded: the exit report is printed */
	int log_verbosity;	  /* -v minus -q on the command line (a reload keeps it) */
	const char *bus_override; /* -b on the command line, or NULL (a reload keeps it) */
};

/* Builds the daemon from a loaded config: ring + signalfd, bus, sessions,
 * instruments. Returns 0, or -errno after logging one level=error line,
 * the only line a failed start prints (the process exits 1). d is
 * freed with feed_daemon_free in both cases. */
int feed_daemon_init(struct feed_daemon *d, const struct feed_config *cfg);

/* Runs until shut down; returns the exit code (0 SIGTERM, 130 SIGINT,
 * 1 fatal). Under systemd (notify.h): READY=1 once every session has
 * started, STATUS= and WATCHDOG=1 from the watchdog timer, STOPPING=1 at
 * the first shutdown signal. */
int feed_daemon_run(struct feed_daemon *d);

/* Releases everything: ring first (cancels what is in flight), then the
 * sessions, then the bus (marked STOPPED, the file kept for readers).
 * After a successful init it logs "event=exit_fds fds=N start_fds=M". */
void feed_daemon_free(struct feed_daemon *d);

#endif /* FEED_DAEMON_H */
