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
#include "refdata.h"
#include "rest.h"
#include "restq.h"
#include "session.h"
#include "sink.h"
#include "tlsctx.h"
#include "watchdog.h"

#define FEED_DAEMON_REST_MAX 64u /* REST clients (< FEED_UD_LOOP - FEED_UD_REST_BASE) */

/* What an entry of the session array holds. */
enum feed_daemon_slot {
	FEED_DSLOT_FREE = 0, /* nothing (never used, or freed after a removal) */
	FEED_DSLOT_ACTIVE,   /* a running session */
	FEED_DSLOT_RETIRING, /* removed by a reload: closing, freed once done */
};

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
	struct feed_session *sess; /* cap entries; a free one is zeroed (cfg NULL) */
	unsigned nsess;		   /* entries ever used: [0, nsess) may hold free ones */
	unsigned cap;		   /* [feed] max_sessions: sess and health records */
	uint8_t *sess_st;	   /* per entry: enum feed_daemon_slot */
	int64_t *retire_dl;	   /* per RETIRING entry: forced after this */
	uint32_t *slots;	   /* user_data index -> (session << 12) | connection */
	unsigned nslots;	   /* connections of every session at start */
	unsigned slot_cap;	   /* entries of slots (FEED_UD_LOOP) */
	unsigned slot_next;	   /* first never-used connection slot: never reused */
	struct feed_config **cfgs; /* reloaded configs, kept until exit (sessions point in) */
	unsigned ncfgs;
	struct feed_rate rate;
	uint64_t rng; /* backoff jitter */
	/* Every connection's within-a-call buffers (session.h): one set. */
	struct feed_session_scratch scratch;
	/* REST clients (rest.h): user_data index FEED_UD_REST_BASE + i. */
	struct feed_rest *rest[FEED_DAEMON_REST_MAX];
	struct feed_refdata ref; /* start-up reference data (refdata.h) */
	unsigned nrest;
	/* l2 REST snapshots: one queue for every session (per-venue weight
	 * budgets), its requests' records by id (restq.cap entries). */
	struct feed_restq restq;
	struct feed_sbook_req *rreq;

	int stopping;	       /* a signal asked us to stop */
	int exit_code;	       /* 0 SIGTERM, 130 SIGINT */
	int64_t stop_deadline; /* monotonic: force after this */
	int64_t start_mono_ns, start_rt_ns;
	uint32_t pid;		  /* getpid() once: it is a real syscall */
	int fds_at_start;	  /* open descriptors before init (leak check at exit) */
	int started;		  /* init succeeded: the exit report is printed */
	int log_verbosity;	  /* -v minus -q on the command line (a reload keeps it) */
	const char *bus_override; /* -b on the command line, or NULL (a reload keeps it) */
	/* SIGHUP: the caller's reload (main sets feed_reload, reload.h, which
	 * drives the daemon's session add/remove; NULL: SIGHUP is ignored). */
	int (*on_reload)(struct feed_daemon *d);
};

/* Builds the daemon from a loaded config: ring + signalfd, bus, sessions,
 * instruments. Returns 0, or -errno after logging one level=error line,
 * the only line a failed start prints (the process exits 1). d is
 * freed with feed_daemon_free in both cases. */
int feed_daemon_init(struct feed_daemon *d, const struct feed_config *cfg);

/* A REST client on the daemon's ring, owned by the daemon (shut down at
 * stop, freed after the ring). Returns 0 with *out, -ENOSPC, or
 * feed_rest_init's error. */
int feed_daemon_rest_add(struct feed_daemon *d, const struct feed_rest_cfg *cfg,
			 struct feed_rest **out);

/* Reload: session cfg (which must outlive the daemon, or its removal)
 * takes a free entry, its instruments are registered and it starts at
 * now_ns. Returns the entry, or -errno (logged; nothing left behind but
 * registered instruments). */
int feed_daemon_session_add(struct feed_daemon *d, const struct feed_session_config *cfg,
			    int64_t now_ns);

/* Reload: entry i goes DOWN and closes like at shutdown (within
 * shutdown_timeout); the entry is freed once every connection is STOPPED
 * with nothing in flight. */
void feed_daemon_session_remove(struct feed_daemon *d, unsigned i, int64_t now_ns);

/* Free entries (neither active nor retiring). */
unsigned feed_daemon_free_entries(const struct feed_daemon *d);

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
