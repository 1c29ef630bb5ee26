/* SPDX-License-Identifier: MIT */
/* daemon.c: start-up, the event loop's dispatch, publishing, shutdown. */
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watchdog.h"

#define MS (INT64_C(1000000))

/* ---- logging -------------------------------------------------------------- */

/* One fprintf per line: stderr is unbuffered, glibc formats the whole call
 * into one write, so lines from one process never interleave. */
void feed_log(const char *session, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (session)
		fprintf(stderr, "feedd: %s: %s\n", session, line);
	else
		fprintf(stderr, "feedd: %s\n", line);
}

void feed_log_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "feedd: error: %s\n", line);
}

/* ---- publishing (hot path) ---------------------------------------------------- */

int feed_daemon_connect_token(struct feed_daemon *d, int64_t now_ns, int64_t *ready_ns)
{
	return feed_rate_take(&d->rate, now_ns, ready_ns);
}

int feed_daemon_publish(struct feed_daemon *d, struct feed_session *s, const struct mdbus_tick *t,
			uint32_t n, int64_t mono_ns)
{
	int rc = mdbus_writer_publish_batch(d->w, t, n);

	(void)s;
	if (rc < 0)
		return rc;
	d->published = 1;
	for (uint32_t i = 0; i < n; i++) {
		struct feed_instr_stats *is;

		if (t[i].instrument >= d->ninstr)
			continue;
		is = &d->istats[t[i].instrument];
		is->ticks++;
		is->last_update_ns = mono_ns;
		if (t[i].exch_ts)
			is->last_exch_ts = t[i].exch_ts;
		if (t[i].flags & MDBUS_FLAG_GAP)
			is->gaps++;
		if (t[i].kind == MDBUS_KIND_TRADE) {
			is->last_price = t[i].u.trade.price;
			is->last_qty = t[i].u.trade.qty;
			is->last_trade_ns = mono_ns;
		} else if (t[i].kind == MDBUS_KIND_BBO) {
			is->bid_px = t[i].u.bbo.bid_px;
			is->bid_qty = t[i].u.bbo.bid_qty;
			is->ask_px = t[i].u.bbo.ask_px;
			is->ask_qty = t[i].u.bbo.ask_qty;
		}
	}
	return 0;
}

static uint32_t feed_daemon_health_word(uint32_t code)
{
	switch (code) {
	case MDBUS_STATUS_UP:
		return MDBUS_HEALTH_INSTR_LIVE;
	case MDBUS_STATUS_STALE:
		return MDBUS_HEALTH_INSTR_STALE;
	default:
		return MDBUS_HEALTH_INSTR_DOWN; /* down, failed, rejected */
	}
}

static const char *feed_daemon_status_name(uint32_t code)
{
	return code == MDBUS_STATUS_UP	    ? "up"
	       : code == MDBUS_STATUS_DOWN  ? "down"
	       : code == MDBUS_STATUS_STALE ? "stale"
					    : "failed";
}

static void feed_daemon_publish_status(struct feed_daemon *d, struct feed_session *s, uint32_t i,
				       uint32_t code, enum feed_err_class reason, int64_t wall)
{
	struct mdbus_tick t;

	memset(&t, 0, sizeof(t));
	t.instrument = s->venue.syms[i].instrument;
	t.kind = MDBUS_KIND_STATUS;
	t.recv_ts = wall;
	t.u.status.code = code;
	t.u.status.session = s->index;
	t.u.status.reason = (uint32_t)reason;
	if (mdbus_writer_publish(d->w, &t, NULL) == 0)
		d->published = 1;
	feed_watchdog_instr_status(d, t.instrument, feed_daemon_health_word(code));
}

void feed_daemon_status(struct feed_daemon *d, struct feed_session *s, uint32_t code,
			enum feed_err_class reason, int64_t mono_ns)
{
	int64_t wall = feed_wall_ns();
	uint32_t n = 0;

	(void)mono_ns;
	for (uint32_t i = 0; i < s->venue.nsyms; i++) {
		const struct feed_venue_sym *y = &s->venue.syms[i];

		/* A rejected symbol has its own FAILED status already: the
		 * session's ups and downs are not its. One still waiting for
		 * the answer to its own request is up when that ack comes. */
		if (y->dead || (code == MDBUS_STATUS_UP && y->alone != FEED_ALONE_NO && !y->acked))
			continue;
		feed_daemon_publish_status(d, s, i, code, reason, wall);
		n++;
	}
	feed_log(s->cfg->name, "status %s instruments=%u%s%s", feed_daemon_status_name(code), n,
		 reason != FEED_ERR_NONE ? " reason=" : "",
		 reason != FEED_ERR_NONE ? feed_err_class_name(reason) : "");
}

void feed_daemon_sym_status(struct feed_daemon *d, struct feed_session *s, uint32_t i,
			    uint32_t code, enum feed_err_class reason, int64_t mono_ns)
{
	(void)mono_ns;
	if (i >= s->venue.nsyms)
		return;
	feed_daemon_publish_status(d, s, i, code, reason, feed_wall_ns());
	feed_log(s->cfg->name, "status %s symbol=%s%s%s", feed_daemon_status_name(code),
		 s->venue.syms[i].norm, reason != FEED_ERR_NONE ? " reason=" : "",
		 reason != FEED_ERR_NONE ? feed_err_class_name(reason) : "");
}

uint32_t feed_daemon_sym_health(const struct feed_daemon *d, const struct feed_session *s,
				uint32_t i)
{
	uint32_t id = i < s->venue.nsyms ? s->venue.syms[i].instrument : UINT32_MAX;

	return id < d->ninstr ? d->istats[id].status : MDBUS_HEALTH_INSTR_UNKNOWN;
}

/* ---- start-up ------------------------------------------------------------------- */

static int feed_daemon_count_fds(void);

static void feed_daemon_busy(const struct feed_config *cfg)
{
	struct mdbus_reader_opts ro;
	struct mdbus_info info;
	mdbus_reader *r = NULL;
	long pid = -1;

	memset(&ro, 0, sizeof(ro));
	ro.bus = cfg->bus;
	if (mdbus_reader_open(&r, &ro) == 0) {
		if (mdbus_reader_info(r, &info) == 0)
			pid = (long)info.writer_pid;
		mdbus_reader_close(r);
	}
	feed_log_error("bus '%s' is owned by live writer pid %ld", cfg->bus, pid);
}

int feed_daemon_init(struct feed_daemon *d, const struct feed_config *cfg)
{
	struct mdbus_writer_opts wo;
	char err[512];
	sigset_t sigs;
	size_t total = 0;
	unsigned entries;
	int rc, hrc;

	memset(d, 0, sizeof(*d));
	d->fds_at_start = feed_daemon_count_fds();
	d->cfg = cfg;
	d->pid = (uint32_t)getpid();
	d->start_mono_ns = feed_now_ns();
	d->start_rt_ns = feed_wall_ns();
	feed_rate_init(&d->rate, cfg->connect_rate, d->start_mono_ns);
	feed_rng_seed(&d->rng, (uint64_t)d->start_rt_ns ^ ((uint64_t)d->pid << 32));

	/* Never killed by a peer's reset while sending (MSG_NOSIGNAL too). */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	/* Room for ~4 ops per session plus DNS polls, cancels and the timer. */
	entries = 64;
	while (entries < 8u * (unsigned)cfg->nsessions + 32u && entries < 4096)
		entries *= 2;
	rc = feed_loop_init(&d->loop, entries, &sigs);
	if (rc < 0) {
		feed_log_error("io_uring: %s", strerror(-rc));
		return 1;
	}
	d->loop_ok = 1;

	for (size_t i = 0; i < cfg->nsessions; i++)
		total += cfg->sessions[i].nsymbols;
	d->max_instr = total > 4096 ? (uint32_t)total : 4096;
	memset(&wo, 0, sizeof(wo));
	wo.bus = cfg->bus;
	wo.slots = cfg->slots;
	wo.max_instruments = d->max_instr;
	wo.max_sessions = (uint32_t)cfg->nsessions;
	wo.group = (gid_t)-1;
	err[0] = '\0';
	wo.errbuf = err;
	wo.errlen = sizeof(err);
	rc = mdbus_writer_open(&d->w, &wo);
	if (rc == -EBUSY) {
		feed_daemon_busy(cfg);
		return 1;
	}
	if (rc < 0) {
		feed_log_error("bus '%s': %s%s%s", cfg->bus, mdbus_strerror(rc), err[0] ? ": " : "",
			       err);
		return 1;
	}
	d->health = mdbus_writer_health(d->w, &d->health_size);
	hrc = feed_watchdog_init(d);
	if (hrc < 0)
		d->health = NULL; /* warned once the start succeeded */
	d->istats = calloc(d->max_instr, sizeof(*d->istats));
	d->sess = calloc(cfg->nsessions, sizeof(*d->sess));
	if (!d->istats || !d->sess) {
		feed_log_error("out of memory");
		return 1;
	}
	for (size_t i = 0; i < cfg->nsessions; i++) {
		const struct feed_session_config *sc = &cfg->sessions[i];

		err[0] = '\0';
		rc = feed_session_init(&d->sess[i], d, (unsigned)i, sc, err, sizeof(err));
		if (rc < 0) {
			feed_log_error("session %s: %s", sc->name, err[0] ? err : strerror(-rc));
			return 1;
		}
		d->nsess++;
		rc = feed_session_add_instruments(&d->sess[i]);
		if (rc < 0) {
			feed_log_error("session %s: adding instruments: %s", sc->name,
				       mdbus_strerror(rc));
			return 1;
		}
		for (uint32_t k = 0; k < d->sess[i].venue.nsyms; k++) {
			uint32_t id = d->sess[i].venue.syms[k].instrument;

			if (id < d->max_instr) {
				d->istats[id].session = (uint32_t)i;
				if (id + 1 > d->ninstr)
					d->ninstr = id + 1;
			}
		}
	}
	/* Warnings only now: a failed start prints its one error line alone. */
	if (hrc < 0)
		feed_log(NULL, "warning: health region unavailable (%s): no watchdog records",
			 strerror(-hrc));
	for (size_t i = 0; i < cfg->nsessions; i++)
		if (cfg->sessions[i].url.tls && !cfg->sessions[i].tls_verify)
			feed_log(cfg->sessions[i].name,
				 "WARNING: tls_verify = no: the server certificate and "
				 "host name are NOT verified");
	if (d->health)
		feed_watchdog_run(d, feed_now_ns(), MDBUS_HEALTH_FEED_STARTING);
	mdbus_writer_set_state(d->w, MDBUS_WRITER_RUNNING);
	d->started = 1;
	feed_log(NULL, "started bus=%s sessions=%u instruments=%u pid=%u", cfg->bus, d->nsess,
		 d->ninstr, d->pid);
	return 0;
}

/* ---- run ---------------------------------------------------------------------------- */

static void feed_daemon_stop(struct feed_daemon *d, int sig, int64_t now)
{
	d->stopping = 1;
	d->exit_code = sig == SIGINT ? 130 : 0;
	d->stop_deadline = now + d->cfg->shutdown_timeout_ms * MS;
	feed_log(NULL, "shutdown signal=%s timeout_ms=%lld", sig == SIGINT ? "SIGINT" : "SIGTERM",
		 (long long)d->cfg->shutdown_timeout_ms);
	for (unsigned i = 0; i < d->nsess; i++)
		feed_session_stop(&d->sess[i], now);
}

static void feed_daemon_force(struct feed_daemon *d, int64_t now)
{
	for (unsigned i = 0; i < d->nsess; i++)
		if (d->sess[i].fsm.state != FEED_ST_STOPPED)
			feed_session_force(&d->sess[i], now);
}

/* Returns 1 when the loop must end now (second signal). */
static int feed_daemon_signal(struct feed_daemon *d, int sig, int64_t now)
{
	if (sig != SIGINT && sig != SIGTERM) {
		if (sig > 0)
			feed_log(NULL, "ignoring signal %d", sig);
		return 0;
	}
	if (!d->stopping) {
		feed_daemon_stop(d, sig, now);
		return 0;
	}
	feed_log(NULL, "second signal %s: exiting now", sig == SIGINT ? "SIGINT" : "SIGTERM");
	feed_daemon_force(d, now);
	return 1;
}

static int feed_daemon_all_done(const struct feed_daemon *d)
{
	for (unsigned i = 0; i < d->nsess; i++)
		if (!feed_session_done(&d->sess[i]))
			return 0;
	return 1;
}

/* Drains the completion queue; returns 1 if the loop must end now. */
static int feed_daemon_reap(struct feed_daemon *d)
{
	struct io_uring_cqe *cqe;
	unsigned head, count = 0;
	int64_t now = feed_now_ns();
	int quit = 0;

	io_uring_for_each_cqe(&d->loop.ring, head, cqe)
	{
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		unsigned op = feed_ud_op(ud), idx = feed_ud_index(ud);
		int res = cqe->res;

		count++;
		switch (op) {
		case FEED_OP_SIGNAL:
			quit |= feed_daemon_signal(d, feed_loop_on_signal(&d->loop, res), now);
			break;
		case FEED_OP_TIMER:
			feed_loop_on_timer(&d->loop, ud);
			break;
		case FEED_OP_CONNECT:
		case FEED_OP_RECV:
		case FEED_OP_SEND:
		case FEED_OP_DNS_POLL:
			if (idx < d->nsess)
				feed_session_on_cqe(&d->sess[idx], ud, res, now);
			break;
		default: /* cancels, removes: nothing to do */
			break;
		}
	}
	io_uring_cq_advance(&d->loop.ring, count);
	return quit;
}

int feed_daemon_run(struct feed_daemon *d)
{
	int64_t now = feed_now_ns(), next;
	int rc;

	rc = feed_loop_arm_signal(&d->loop);
	if (rc < 0) {
		feed_log_error("io_uring: %s", strerror(-rc));
		return 1;
	}
	for (unsigned i = 0; i < d->nsess; i++)
		feed_session_start(&d->sess[i], now);
	d->wd_next = now;
	for (;;) {
		now = feed_now_ns();
		for (unsigned i = 0; i < d->nsess; i++)
			feed_session_on_timer(&d->sess[i], now);
		if (d->stopping && now >= d->stop_deadline) {
			feed_log(NULL, "shutdown deadline passed: forcing");
			feed_daemon_force(d, now);
			d->stop_deadline = INT64_MAX;
		}
		if (now >= d->wd_next) {
			feed_watchdog_run(d, now,
					  d->stopping ? MDBUS_HEALTH_FEED_STOPPING
						      : MDBUS_HEALTH_FEED_RUNNING);
			d->wd_next = now + FEED_WATCHDOG_MS * MS;
		}
		/* One futex wake per iteration at most, none if idle. */
		if (d->published) {
			mdbus_writer_wake(d->w);
			d->published = 0;
		}
		if (d->stopping && feed_daemon_all_done(d))
			break;
		next = d->wd_next;
		for (unsigned i = 0; i < d->nsess; i++) {
			int64_t t = feed_session_deadline(&d->sess[i], now);

			if (t && t < next)
				next = t;
		}
		if (d->stopping && d->stop_deadline < next)
			next = d->stop_deadline;
		rc = feed_loop_set_timer(&d->loop, next);
		if (rc == 0)
			rc = feed_loop_wait(&d->loop);
		if (rc < 0) {
			feed_log_error("io_uring: %s", strerror(-rc));
			feed_daemon_force(d, now);
			return 1;
		}
		if (feed_daemon_reap(d))
			break;
	}
	return d->exit_code;
}

/* ---- teardown ---------------------------------------------------------------------------- */

static int feed_daemon_count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -1;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1; /* the directory's own descriptor */
}

void feed_daemon_free(struct feed_daemon *d)
{
	if (d->w && d->health && d->sess) {
		for (unsigned i = 0; i < d->nsess; i++)
			if (d->sess[i].up)
				feed_daemon_status(d, &d->sess[i], MDBUS_STATUS_DOWN,
						   FEED_ERR_SHUTDOWN, feed_now_ns());
		feed_watchdog_run(d, feed_now_ns(), MDBUS_HEALTH_FEED_STOPPED);
	}
	if (d->w && d->published)
		mdbus_writer_wake(d->w);
	/* Ring first: the kernel drops every op still in flight, so the
	 * buffers below are no longer referenced when they are freed. */
	if (d->loop_ok) {
		feed_loop_free(&d->loop);
		d->loop_ok = 0;
	}
	for (unsigned i = 0; i < d->nsess; i++)
		feed_session_free(&d->sess[i]);
	free(d->sess);
	d->sess = NULL;
	d->nsess = 0;
	free(d->istats);
	d->istats = NULL;
	if (d->w) {
		/* The segment stays (STOPPED) so readers can drain what is left;
		 * the next feedd takes the name over. */
		mdbus_writer_close(d->w, 0);
		d->w = NULL;
	}
	/* Debug aid for the "no fd left" rule: both numbers must match. Not
	 * after a failed start, whose one line is its error. */
	if (d->started)
		feed_log(NULL, "exit fds=%d start_fds=%d", feed_daemon_count_fds(),
			 d->fds_at_start);
}
