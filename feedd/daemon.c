/* SPDX-License-Identifier: MIT */
/* daemon.c: start-up, the event loop's dispatch, shutdown. */
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mdbus_health.h"
#include "tlsmem.h"

#define MS (INT64_C(1000000))

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
	feed_log(FEED_LOG_ERROR, LOG_EV("bus_busy"), LOG_S("bus", cfg->bus),
		 LOG_I("writer_pid", pid), LOG_S("reason", "the bus is owned by a live writer"));
}

/* The ring's features, once, as it runs with them; SQPOLL asked for but
 * refused is a warning (the loop works without it). */
static void daemon_log_loop(const struct feed_daemon *d)
{
	const struct feed_loop *l = &d->loop;
	char feat[160], cpu[16] = "none";

	if (l->cpu >= 0)
		snprintf(cpu, sizeof(cpu), "%d", l->cpu);
	feed_log(FEED_LOG_INFO, LOG_EV("io_uring"),
		 LOG_S("features", feed_loop_features(l, feat, sizeof(feat))), LOG_S("cpu", cpu),
		 LOG_S("idle", l->busy ? "busy" : "sleep"));
	if (d->cfg->sqpoll && !(l->setup & IORING_SETUP_SQPOLL))
		feed_log(FEED_LOG_WARN, LOG_EV("sqpoll_unavailable"),
			 LOG_S("reason", "the kernel refused IORING_SETUP_SQPOLL"),
			 LOG_S("effect", "the loop submits itself"));
}

/* The ring and the signalfd read through it. FEEDD_URING_OFF (a comma list
 * of feature names) leaves features out, to measure what each one buys. */
static int daemon_init_loop(struct feed_daemon *d)
{
	/* The start's connections and one per session a reload may add. */
	unsigned conns = d->nslots + d->cap - (unsigned)d->cfg->nsessions, entries = 64;
	struct feed_loop_opts o;
	sigset_t sigs;
	int rc;

	/* Never killed by a peer's reset while sending (MSG_NOSIGNAL too). */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	/* Room for ~4 ops per connection plus DNS polls, cancels and the timer,
	 * twice: the completion queue is sized to it (1,000 sessions: 8192 CQ
	 * entries, 4096 SQ), up to the kernel's largest CQ. */
	while (entries < 8u * conns + 32u && entries < 65536)
		entries *= 2;
	memset(&o, 0, sizeof(o));
	o.entries = entries;
	o.sigs = &sigs;
	o.cpu = d->cfg->cpu;
	o.sqpoll = d->cfg->sqpoll;
	o.busy = d->cfg->idle == FEED_IDLE_BUSY;
	o.deny = feed_loop_deny_parse(getenv("FEEDD_URING_OFF"));
	rc = feed_loop_init_opts(&d->loop, &o);
	if (rc < 0) {
		feed_log(FEED_LOG_ERROR, LOG_EV("io_uring"), LOG_S("reason", strerror(-rc)),
			 LOG_I("cpu", d->cfg->cpu));
		return rc;
	}
	d->loop_ok = 1;
	return 0;
}

/* The book region: every l2 symbol's book at its session's book_depth,
 * twice over (reloads add books); 0 without l2. */
static size_t daemon_book_bytes(const struct feed_config *cfg)
{
	size_t bytes = 0;

	for (size_t i = 0; i < cfg->nsessions; i++) {
		const struct feed_session_config *sc = &cfg->sessions[i];
		uint32_t depth = sc->book_depth ? sc->book_depth : FEED_BOOK_DEPTH_DEFAULT;

		if (sc->channels & FEED_CH_L2)
			bytes += sc->nsymbols * mdbus_book_record_size(depth);
	}
	return 2 * bytes;
}

/* The bus writer, its sink and the health region's watchdog. */
static int daemon_open_bus(struct feed_daemon *d)
{
	const struct feed_config *cfg = d->cfg;
	struct mdbus_writer_opts wo;
	struct feed_watchdog_cfg wc;
	uint32_t max_instr;
	size_t total = 0, book_bytes = daemon_book_bytes(cfg);
	char err[512];
	int rc;

	for (size_t i = 0; i < cfg->nsessions; i++)
		total += cfg->sessions[i].nsymbols;
	max_instr = total > 4096 ? (uint32_t)total : 4096;
	memset(&wo, 0, sizeof(wo));
	wo.bus = cfg->bus;
	wo.slots = cfg->slots;
	wo.max_instruments = max_instr;
	wo.max_sessions = d->cap;
	wo.group = (gid_t)-1;
	err[0] = '\0';
	wo.errbuf = err;
	wo.errlen = sizeof(err);
	rc = book_bytes ? mdbus_writer_open_books(&d->w, &wo, book_bytes)
			: mdbus_writer_open(&d->w, &wo);
	if (rc == -EBUSY) {
		feed_daemon_busy(cfg);
		return rc;
	}
	if (rc < 0) {
		feed_log(FEED_LOG_ERROR, LOG_EV("bus_open"), LOG_S("bus", cfg->bus),
			 LOG_S("error", mdbus_strerror(rc)), LOG_S("reason", err));
		return rc;
	}
	rc = feed_sink_init(&d->sink, d->w, max_instr);
	if (rc < 0) {
		feed_log(FEED_LOG_ERROR, LOG_EV("start"), LOG_S("reason", "out of memory"));
		return rc;
	}
	memset(&wc, 0, sizeof(wc));
	wc.health = mdbus_writer_health(d->w, &wc.health_size);
	wc.w = d->w;
	wc.sink = &d->sink;
	wc.max_sessions = d->cap;
	wc.max_instr = max_instr;
	wc.pid = d->pid;
	wc.start_mono_ns = d->start_mono_ns;
	wc.start_rt_ns = d->start_rt_ns;
	wc.ring_slots = cfg->slots;
	wc.config_path = cfg->path;
	d->health_rc = feed_watchdog_init(&d->wd, &wc);
	if (d->health_rc == 0)
		feed_sink_set_health(&d->sink, wc.health);
	return 0;
}

/* Entry i back to FREE: the session freed (nothing of it in flight), its
 * connection slots dropped (never handed out again). */
static void daemon_drop_entry(struct feed_daemon *d, unsigned i)
{
	for (unsigned j = 0; j < d->slot_next; j++)
		if ((d->slots[j] >> 12) == i)
			d->slots[j] = UINT32_MAX;
	/* Its REST client ends (answers pending are cancelled); the client's
	 * entry stays in d->rest until exit. */
	if (d->sess[i].host.rest)
		feed_rest_shutdown(d->sess[i].host.rest);
	feed_session_free(&d->sess[i]);
	memset(&d->sess[i], 0, sizeof(d->sess[i]));
	d->sess_st[i] = FEED_DSLOT_FREE;
	d->retire_dl[i] = 0;
}

static void daemon_log_conns(const struct feed_session *s)
{
	if (s->nconns > 1)
		feed_log(FEED_LOG_INFO, LOG_S("session", s->cfg->name),
			 LOG_S("venue", s->cfg->venue), LOG_EV("connections"),
			 LOG_U("connections", s->nconns),
			 LOG_U("streams_per_conn",
			       feed_venue_conn_limit(s->conns[0].venue.ops, s->cfg)));
}

/* REST weight budget per minute of a venue's snapshots and the header
 * that reports the weight used (restq.h). Binance publishes its request
 * weight limits (6000 spot, 2400 USD-M futures a minute, used weight in
 * X-MBX-USED-WEIGHT-1M); the other venues' snapshot weights are 1 per
 * request against a conservative 600 a minute. */
static uint32_t daemon_rest_budget(const char *venue, const char **hdr)
{
	*hdr = NULL;
	if (!strcmp(venue, "binance") || !strcmp(venue, "binance_futures")) {
		*hdr = "x-mbx-used-weight-1m";
		return venue[7] ? 2400 : 6000;
	}
	return 600;
}

/* l2 with REST snapshots, or a REST fallback (rest_fallback_after on a
 * venue with REST ticker/trades): the session's REST client and its venue
 * in the daemon's queue, in host. */
static int daemon_session_rest(struct feed_daemon *d, const struct feed_session_config *sc,
			       struct feed_session_host *host, char *err, size_t errlen)
{
	const struct feed_venue_ops *ops = feed_venue_find(sc->venue);
	struct feed_rest_cfg rc = {.body_max = (size_t)4 << 20,
				   .queue_cap = 64,
				   .timeout_ms = 10000,
				   .deadline_ms = 60000};
	struct feed_url u;
	int vid, r;

	if (!ops || !d->rreq)
		return 0;
	if (!((sc->channels & FEED_CH_L2) && ops->book.rest_snapshot) &&
	    !(sc->rest_fallback_after_ms > 0 && ops->rest.ticker_path))
		return 0;
	memset(&u, 0, sizeof(u));
	r = feed_refdata_rest_base(sc, ops, &u, err, errlen);
	if (r == 0 && u.tls)
		r = feed_tlsctx_get(&d->tls, sc->ca_file, sc->tls_verify, &rc.ssl_ctx, err, errlen);
	vid = feed_restq_venue_add(&d->restq, ops->name,
				   daemon_rest_budget(ops->name, &rc.weight_hdr));
	if (r == 0 && vid < 0)
		r = vid;
	rc.host = u.host;
	rc.port = u.port;
	rc.tls = u.tls;
	rc.verify = sc->tls_verify;
	if (r == 0)
		r = feed_daemon_rest_add(d, &rc, &host->rest);
	if (r < 0)
		return r;
	host->restq = &d->restq;
	host->rreq = d->rreq;
	host->rest_venue = (uint32_t)vid;
	feed_log(FEED_LOG_INFO, LOG_S("session", sc->name), LOG_S("venue", sc->venue),
		 LOG_EV("book_rest_client"), LOG_S("host", u.host), LOG_U("port", u.port),
		 LOG_S("scheme", u.tls ? "https" : "http"));
	return 0;
}

/* Session sc in entry i with its host interface (the shared TLS context
 * for its settings) and its instruments; its connections take the next
 * never-used user_data slots. */
static int daemon_add_session(struct feed_daemon *d, unsigned i,
			      const struct feed_session_config *sc)
{
	struct feed_session_host host = {.loop = &d->loop,
					 .rng = &d->rng,
					 .rate = &d->rate,
					 .sink = &d->sink,
					 .scratch = &d->scratch};
	const char *ev = "tls_context";
	char err[512];
	int rc = 0;

	err[0] = '\0';
	if (sc->url.tls)
		rc = feed_tlsctx_get(&d->tls, sc->ca_file, sc->tls_verify, &host.ssl_ctx, err,
				     sizeof(err));
	if (rc == 0) {
		ev = "rest_client";
		rc = daemon_session_rest(d, sc, &host, err, sizeof(err));
	}
	if (rc == 0) {
		ev = "session_init";
		rc = feed_session_init(&d->sess[i], &host, i, d->slot_next, sc, err, sizeof(err));
	}
	/* Before its instruments are written: the scales of the reference data. */
	for (unsigned k = 0; rc == 0 && k < d->sess[i].nconns; k++) {
		feed_refdata_apply(feed_refdata_find(&d->ref, sc), &d->sess[i].conns[k].venue);
		ev = "refdata_contract";
		rc = feed_venue_contracts_ok(&d->sess[i].conns[k].venue, err, sizeof(err));
	}
	if (rc == 0 && d->slot_next + d->sess[i].nconns > d->slot_cap)
		rc = -E2BIG;
	if (rc < 0) {
		feed_log(FEED_LOG_ERROR, LOG_S("session", sc->name), LOG_S("venue", sc->venue),
			 LOG_EV(ev), LOG_S("reason", err[0] ? err : strerror(-rc)));
		daemon_drop_entry(d, i);
		return rc;
	}
	d->sess_st[i] = FEED_DSLOT_ACTIVE;
	if (i >= d->nsess)
		d->nsess = i + 1;
	for (unsigned k = 0; k < d->sess[i].nconns; k++)
		d->slots[d->slot_next++] = (i << 12) | k;
	daemon_log_conns(&d->sess[i]);
	rc = feed_session_add_instruments(&d->sess[i]);
	if (rc < 0)
		feed_log(FEED_LOG_ERROR, LOG_S("session", sc->name), LOG_S("venue", sc->venue),
			 LOG_EV("add_instruments"), LOG_S("reason", mdbus_strerror(rc)));
	return rc;
}

unsigned feed_daemon_free_entries(const struct feed_daemon *d)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->cap; i++)
		n += d->sess_st[i] == FEED_DSLOT_FREE;
	return n;
}

int feed_daemon_session_add(struct feed_daemon *d, const struct feed_session_config *cfg,
			    int64_t now_ns)
{
	unsigned i = 0;
	int rc;

	while (i < d->cap && d->sess_st[i] != FEED_DSLOT_FREE)
		i++;
	if (i == d->cap)
		return -ENOSPC;
	rc = daemon_add_session(d, i, cfg);
	if (rc < 0) {
		if (d->sess_st[i] == FEED_DSLOT_ACTIVE)
			daemon_drop_entry(d, i);
		return rc;
	}
	feed_log(FEED_LOG_INFO, LOG_S("session", cfg->name), LOG_S("venue", cfg->venue),
		 LOG_EV("session_added"), LOG_U("index", i),
		 LOG_U("connections", d->sess[i].nconns));
	feed_session_start(&d->sess[i], now_ns);
	return (int)i;
}

void feed_daemon_session_remove(struct feed_daemon *d, unsigned i, int64_t now_ns)
{
	struct feed_session *s = &d->sess[i];

	if (i >= d->cap || d->sess_st[i] != FEED_DSLOT_ACTIVE)
		return;
	feed_log(FEED_LOG_INFO, LOG_S("session", s->cfg->name), LOG_S("venue", s->cfg->venue),
		 LOG_EV("session_removing"), LOG_U("index", i),
		 LOG_I("timeout_ms", d->cfg->shutdown_timeout_ms));
	/* DOWN first: a restarted session's UP on the same instruments must
	 * come after this one's DOWN. */
	feed_session_down(s, FEED_ERR_SHUTDOWN, now_ns);
	d->sess_st[i] = FEED_DSLOT_RETIRING;
	d->retire_dl[i] = now_ns + d->cfg->shutdown_timeout_ms * MS;
	feed_session_stop(s, now_ns, d->retire_dl[i]);
}

/* Removed sessions: forced past their deadline; freed once done, their
 * health record left saying STOPPED. */
static void daemon_retire(struct feed_daemon *d, int64_t now)
{
	for (unsigned i = 0; i < d->nsess; i++) {
		struct feed_session *s = &d->sess[i];

		if (d->sess_st[i] != FEED_DSLOT_RETIRING)
			continue;
		if (now >= d->retire_dl[i])
			feed_session_force(s, now);
		if (!feed_session_done(s))
			continue;
		feed_watchdog_session(&d->wd, s, now);
		feed_log(FEED_LOG_INFO, LOG_S("session", s->cfg->name),
			 LOG_S("venue", s->cfg->venue), LOG_EV("session_removed"),
			 LOG_U("index", i));
		daemon_drop_entry(d, i);
	}
}

/* Active sessions (the systemd STATUS= count). */
static unsigned daemon_active(const struct feed_daemon *d)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->nsess; i++)
		n += d->sess_st[i] == FEED_DSLOT_ACTIVE;
	return n;
}

/* Warnings only once the start succeeded: a failed start prints its one
 * error line alone. */
static void daemon_warn(const struct feed_daemon *d)
{
	const struct feed_config *cfg = d->cfg;

	if (d->health_rc < 0)
		feed_log(FEED_LOG_WARN, LOG_EV("health_unavailable"),
			 LOG_S("reason", strerror(-d->health_rc)),
			 LOG_S("effect", "no watchdog records"));
	for (size_t i = 0; i < cfg->nsessions; i++)
		if (cfg->sessions[i].url.tls && !cfg->sessions[i].tls_verify)
			feed_log(FEED_LOG_WARN, LOG_S("session", cfg->sessions[i].name),
				 LOG_S("venue", cfg->sessions[i].venue), LOG_EV("tls_verify_off"),
				 LOG_S("reason", "tls_verify = no: the server certificate and "
						 "host name are NOT verified"));
}

/* A socket per connection plus the ring, signalfd, bus, DNS and stdio: raise
 * the soft descriptor limit toward the hard one when the sessions need more
 * than it allows (1024 by default on most systems). feedd never calls
 * select(), so a limit above FD_SETSIZE is safe. */
static void daemon_raise_nofile(size_t nconns)
{
	rlim_t need = (rlim_t)nconns * 2 + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < need)
		feed_log(FEED_LOG_WARN, LOG_EV("fd_limit"), LOG_U("connections", nconns),
			 LOG_U("want", need), LOG_U("limit", rl.rlim_cur));
}

/* Every session's planned connections: one user_data slot each. */
static int daemon_count_slots(struct feed_daemon *d)
{
	const struct feed_config *cfg = d->cfg;
	size_t total = 0;

	for (size_t i = 0; i < cfg->nsessions; i++) {
		int n = feed_session_plan_count(&cfg->sessions[i]);

		if (n < 0) {
			feed_log(FEED_LOG_ERROR, LOG_S("session", cfg->sessions[i].name),
				 LOG_S("venue", cfg->sessions[i].venue), LOG_EV("no_plan"),
				 LOG_S("reason", strerror(-n)));
			return n;
		}
		total += (size_t)n;
	}
	if (total >= FEED_UD_REST_BASE || cfg->nsessions > (FEED_UD_LOOP >> 4)) {
		feed_log(FEED_LOG_ERROR, LOG_EV("too_many_connections"),
			 LOG_U("connections", total), LOG_U("max", FEED_UD_REST_BASE - 1));
		return -E2BIG;
	}
	d->nslots = (unsigned)total;
	d->slot_cap = FEED_UD_REST_BASE; /* above: REST clients */
	d->slots = malloc(d->slot_cap * sizeof(*d->slots));
	d->cap = feed_config_max_sessions(cfg);
	d->sess_st = calloc(d->cap, sizeof(*d->sess_st));
	d->retire_dl = calloc(d->cap, sizeof(*d->retire_dl));
	if (!d->slots || !d->sess_st || !d->retire_dl) {
		feed_log(FEED_LOG_ERROR, LOG_EV("start"), LOG_S("reason", "out of memory"));
		return -ENOMEM;
	}
	memset(d->slots, 0xff, d->slot_cap * sizeof(*d->slots));
	return 0;
}

/* The REST queue when any session keeps books or has a REST fallback
 * (room for every l2 symbol twice over, two polls per fallback symbol,
 * and what a reload may add). */
static int daemon_init_restq(struct feed_daemon *d)
{
	const struct feed_config *cfg = d->cfg;
	size_t n = 0;

	for (size_t i = 0; i < cfg->nsessions; i++) {
		if (cfg->sessions[i].channels & FEED_CH_L2)
			n += cfg->sessions[i].nsymbols;
		if (cfg->sessions[i].rest_fallback_after_ms > 0)
			n += 2 * cfg->sessions[i].nsymbols; /* a ticker and a trades poll each */
	}
	if (n == 0)
		return 0;
	/* snapshot_rate: at least one a second (the queue counts whole
	 * requests per second). */
	if (feed_restq_init(&d->restq, (uint32_t)(2 * n + 1024),
			    cfg->snapshot_rate >= 1 ? (uint32_t)cfg->snapshot_rate : 1, 0) < 0)
		return -ENOMEM;
	d->rreq = calloc(d->restq.cap, sizeof(*d->rreq));
	return d->rreq ? 0 : -ENOMEM;
}

/* The reference-data phase (refdata.h), before any instrument is written;
 * its clients are freed here once idle (else with the ring, at exit). */
static int daemon_refdata(struct feed_daemon *d)
{
	char bus[MDBUS_BUS_NAME_MAX];
	int rc;

	if (mdbus_bus_name(d->cfg->bus, bus, sizeof(bus)) < 0)
		snprintf(bus, sizeof(bus), "default");
	rc = feed_refdata_run(&d->ref, &d->loop, d->cfg, &d->tls, bus);
	if (rc < 0) {
		feed_log(FEED_LOG_ERROR, LOG_EV("start"), LOG_S("reason", "out of memory"));
		return rc;
	}
	if (d->ref.rest_idle) {
		for (unsigned i = 0; i < d->ref.nrest; i++) {
			feed_rest_free(d->ref.rest[i]);
			free(d->ref.rest[i]);
		}
		d->ref.nrest = 0;
	}
	return 0;
}

int feed_daemon_init(struct feed_daemon *d, const struct feed_config *cfg)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->fds_at_start = feed_daemon_count_fds();
	d->cfg = cfg;
	rc = daemon_count_slots(d);
	if (rc < 0)
		return rc;
	daemon_raise_nofile(d->nslots);
	d->pid = (uint32_t)getpid();
	feed_notify_init(&d->notify);
	d->start_mono_ns = feed_now_ns();
	d->start_rt_ns = feed_wall_ns();
	feed_rate_init(&d->rate, cfg->connect_rate, d->start_mono_ns);
	feed_rng_seed(&d->rng, (uint64_t)d->start_rt_ns ^ ((uint64_t)d->pid << 32));
	rc = daemon_init_loop(d);
	if (rc == 0)
		rc = daemon_open_bus(d);
	if (rc < 0)
		return rc;
	d->sess = calloc(d->cap, sizeof(*d->sess));
	if (!d->sess || feed_tlsctx_init(&d->tls, d->cap) < 0 || daemon_init_restq(d) < 0) {
		feed_log(FEED_LOG_ERROR, LOG_EV("start"), LOG_S("reason", "out of memory"));
		return -ENOMEM;
	}
	rc = daemon_refdata(d);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < cfg->nsessions; i++) {
		rc = daemon_add_session(d, i, &cfg->sessions[i]);
		if (rc < 0)
			return rc;
	}
	daemon_log_loop(d);
	daemon_warn(d);
	feed_watchdog_run(&d->wd, d->sess, d->nsess, feed_now_ns(), MDBUS_HEALTH_FEED_STARTING);
	mdbus_writer_set_state(d->w, MDBUS_WRITER_RUNNING);
	d->started = 1;
	feed_log(FEED_LOG_INFO, LOG_EV("started"), LOG_S("bus", cfg->bus),
		 LOG_U("sessions", d->nsess), LOG_U("instruments", d->sink.ninstr),
		 LOG_U("pid", d->pid));
	return 0;
}

/* ---- run ---------------------------------------------------------------------------- */

static void feed_daemon_stop(struct feed_daemon *d, int sig, int64_t now)
{
	d->stopping = 1;
	d->exit_code = sig == SIGINT ? 130 : 0;
	d->stop_deadline = now + d->cfg->shutdown_timeout_ms * MS;
	feed_notify_stopping(&d->notify);
	feed_log(FEED_LOG_INFO, LOG_EV("shutdown"),
		 LOG_S("signal", sig == SIGINT ? "SIGINT" : "SIGTERM"),
		 LOG_I("timeout_ms", d->cfg->shutdown_timeout_ms));
	for (unsigned i = 0; i < d->nsess; i++)
		feed_session_stop(&d->sess[i], now, d->stop_deadline);
	for (unsigned i = 0; i < d->nrest; i++)
		feed_rest_shutdown(d->rest[i]);
}

static void feed_daemon_force(struct feed_daemon *d, int64_t now)
{
	for (unsigned i = 0; i < d->nsess; i++)
		feed_session_force(&d->sess[i], now);
}

/* Returns 1 when the loop must end now (second signal). */
static int feed_daemon_signal(struct feed_daemon *d, int sig, int64_t now)
{
	if (sig == SIGHUP && !d->stopping) {
		if (d->on_reload)
			d->on_reload(d);
		return 0;
	}
	if (sig != SIGINT && sig != SIGTERM) {
		if (sig > 0)
			feed_log(FEED_LOG_INFO, LOG_EV("signal_ignored"), LOG_I("signal", sig));
		return 0;
	}
	if (!d->stopping) {
		feed_daemon_stop(d, sig, now);
		return 0;
	}
	feed_log(FEED_LOG_WARN, LOG_EV("second_signal"),
		 LOG_S("signal", sig == SIGINT ? "SIGINT" : "SIGTERM"),
		 LOG_S("effect", "exiting now"));
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

/* ---- REST clients ---------------------------------------------------------- */

int feed_daemon_rest_add(struct feed_daemon *d, const struct feed_rest_cfg *cfg,
			 struct feed_rest **out)
{
	struct feed_rest *r;
	int rc;

	if (d->nrest == FEED_DAEMON_REST_MAX)
		return -ENOSPC;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = feed_rest_init(r, &d->loop, FEED_UD_REST_BASE + d->nrest, cfg);
	if (rc < 0) {
		feed_rest_free(r);
		free(r);
		return rc;
	}
	d->rest[d->nrest++] = r;
	*out = r;
	return 0;
}

static void daemon_rest_cqe(struct feed_daemon *d, uint64_t ud, int res, int64_t now)
{
	unsigned i = feed_ud_index(ud) - FEED_UD_REST_BASE;

	if (feed_ud_index(ud) >= FEED_UD_REST_BASE && i < d->nrest)
		feed_rest_on_cqe(d->rest[i], ud, res, now);
}

/* Runs what is due; lowers *next to the earliest REST deadline. */
static void daemon_rest_timers(struct feed_daemon *d, int64_t now, int64_t *next)
{
	for (unsigned i = 0; i < d->nrest; i++) {
		int64_t t = feed_rest_deadline(d->rest[i], now);

		if (t && t <= now) {
			feed_rest_on_timer(d->rest[i], now);
			t = feed_rest_deadline(d->rest[i], now);
		}
		if (t && t < *next)
			*next = t;
	}
}

/* The snapshot requests the queue lets go now leave on their sessions'
 * REST clients; one whose connection is gone ends at once. Lowers *next
 * to the time the next one may leave. */
static void daemon_restq_drain(struct feed_daemon *d, int64_t now, int64_t *next)
{
	int64_t ready = 0;
	int id;

	if (!d->rreq)
		return;
	while ((id = feed_restq_next(&d->restq, now, &ready)) >= 0) {
		const struct feed_restq_item *it = feed_restq_item(&d->restq, (uint32_t)id);
		uint32_t owner = it->owner & ~FEED_SFB_OWNER_BIT; /* fallback polls: flagged */
		uint32_t slot = owner < d->slot_cap ? d->slots[owner] : UINT32_MAX;
		unsigned i = slot >> 12;
		int rc = -ENOENT;

		if (slot != UINT32_MAX && i < d->nsess && d->sess_st[i] == FEED_DSLOT_ACTIVE)
			rc = feed_session_book_fetch(&d->sess[i], slot & 0xfffu, (uint32_t)id,
						     it->key, now);
		if (rc < 0)
			feed_restq_done(&d->restq, (uint32_t)id, rc, -1, -1, now);
	}
	if (ready && ready < *next)
		*next = ready;
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
		case FEED_OP_REST_CONNECT:
		case FEED_OP_REST_RECV:
		case FEED_OP_REST_SEND:
			daemon_rest_cqe(d, ud, res, now);
			break;
		case FEED_OP_DNS_POLL:
			if (idx >= FEED_UD_REST_BASE) {
				daemon_rest_cqe(d, ud, res, now);
				break;
			}
			/* fall through */
		case FEED_OP_CONNECT:
		case FEED_OP_RECV:
		case FEED_OP_SEND:
			if (idx < d->slot_cap && (d->slots[idx] >> 12) < d->nsess)
				feed_session_on_cqe(&d->sess[d->slots[idx] >> 12],
						    d->slots[idx] & 0xfffu, ud, res, now);
			break;
		default: /* cancels, removes: nothing to do */
			break;
		}
	}
	io_uring_cq_advance(&d->loop.ring, count);
	return quit;
}

/* The watchdog timer: health records, then systemd's STATUS= (on change)
 * and WATCHDOG=1 (when due). Reached only through the loop, so a wedged
 * loop stops the pings. */
static void feed_daemon_watchdog(struct feed_daemon *d, int64_t now)
{
	feed_watchdog_run(&d->wd, d->sess, d->nsess, now,
			  d->stopping ? MDBUS_HEALTH_FEED_STOPPING : MDBUS_HEALTH_FEED_RUNNING);
	feed_notify_status(&d->notify, feed_watchdog_live(&d->wd), daemon_active(d));
	feed_notify_watchdog(&d->notify, now);
}

/* REST requests and snapshots due, then the loop timer's next deadline:
 * the earliest of the watchdog, REST, sessions, shutdown and retiring. */
static int64_t daemon_next(struct feed_daemon *d, int64_t now)
{
	int64_t next = feed_watchdog_deadline(&d->wd);

	daemon_rest_timers(d, now, &next);
	daemon_restq_drain(d, now, &next);
	for (unsigned i = 0; i < d->nsess; i++) {
		int64_t t = feed_session_deadline(&d->sess[i], now);

		if (t && t < next)
			next = t;
	}
	if (d->stopping && d->stop_deadline < next)
		next = d->stop_deadline;
	for (unsigned i = 0; i < d->nsess; i++)
		if (d->sess_st[i] == FEED_DSLOT_RETIRING && d->retire_dl[i] < next)
			next = d->retire_dl[i];
	return next;
}

int feed_daemon_run(struct feed_daemon *d)
{
	int64_t now = feed_now_ns(), next, woke = 0;
	int rc;

	rc = feed_loop_arm_signal(&d->loop);
	if (rc < 0) {
		feed_log(FEED_LOG_ERROR, LOG_EV("io_uring"), LOG_S("reason", strerror(-rc)));
		return 1;
	}
	for (unsigned i = 0; i < d->nsess; i++)
		feed_session_start(&d->sess[i], now);
	/* A stop asked for during the reference-data phase. */
	if (d->ref.signal)
		feed_daemon_signal(d, d->ref.signal, now);
	/* The segment exists (init) and every session has started. */
	feed_notify_ready(&d->notify, feed_watchdog_live(&d->wd), d->nsess, now);
	for (;;) {
		now = feed_now_ns();
		for (unsigned i = 0; i < d->nsess; i++)
			feed_session_on_timer(&d->sess[i], now);
		if (d->stopping && now >= d->stop_deadline) {
			feed_log(FEED_LOG_WARN, LOG_EV("shutdown_deadline"),
				 LOG_S("effect", "forcing"));
			feed_daemon_force(d, now);
			d->stop_deadline = INT64_MAX;
		}
		daemon_retire(d, now);
		if (feed_watchdog_due(&d->wd, now))
			feed_daemon_watchdog(d, now);
		/* One futex wake per iteration at most, none if idle. */
		feed_sink_wake(&d->sink);
		if (d->stopping && feed_daemon_all_done(d))
			break;
		next = daemon_next(d, now);
		rc = feed_loop_set_timer(&d->loop, next);
		if (woke) /* loop iteration time: wake-up to the next wait */
			feed_sink_loop_end(&d->sink, feed_now_ns() - woke);
		if (rc == 0)
			rc = feed_loop_wait(&d->loop);
		woke = feed_now_ns();
		if (rc < 0) {
			feed_log(FEED_LOG_ERROR, LOG_EV("io_uring"),
				 LOG_S("reason", strerror(-rc)));
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

/* How OpenSSL's pools did (tlsmem.h): full > 0 means a pool ran out and
 * records were malloc'd on the hot path; record_blocks is the most record
 * buffers in use at once (their pages are what the pool keeps resident). */
static void feed_daemon_log_tls_pool(void)
{
	struct feed_tlsmem_stats ts;

	feed_tlsmem_stats(&ts);
	feed_log(FEED_LOG_INFO, LOG_EV("exit_tls_pool"), LOG_U("hits", ts.hits),
		 LOG_U("full", ts.full), LOG_U("record_blocks", ts.rec_touched),
		 LOG_U("handshake_blocks", ts.hs_touched), LOG_U("handshake_trims", ts.trims));
}

/* The REST clients (after the ring), the snapshot queue, its records. */
static void daemon_free_rest(struct feed_daemon *d)
{
	for (unsigned i = 0; i < d->nrest; i++) {
		feed_rest_free(d->rest[i]);
		free(d->rest[i]);
	}
	d->nrest = 0;
	feed_restq_free(&d->restq);
	free(d->rreq);
	d->rreq = NULL;
}

void feed_daemon_free(struct feed_daemon *d)
{
	uint64_t iterations = d->loop.iterations;

	if (d->w && d->sess) {
		for (unsigned i = 0; i < d->nsess; i++)
			feed_session_down(&d->sess[i], FEED_ERR_SHUTDOWN, feed_now_ns());
		feed_watchdog_run(&d->wd, d->sess, d->nsess, feed_now_ns(),
				  MDBUS_HEALTH_FEED_STOPPED);
	}
	feed_sink_wake(&d->sink);
	/* Ring first: the kernel drops every op still in flight, so the
	 * buffers below are no longer referenced when they are freed. */
	if (d->loop_ok) {
		feed_loop_free(&d->loop);
		d->loop_ok = 0;
	}
	for (unsigned i = 0; i < d->nsess; i++)
		feed_session_free(&d->sess[i]);
	daemon_free_rest(d);
	feed_refdata_free(&d->ref);
	feed_venue_decoder_free(&d->scratch.dec); /* after every context using it */
	free(d->sess);
	d->sess = NULL;
	d->nsess = 0;
	free(d->sess_st);
	d->sess_st = NULL;
	free(d->retire_dl);
	d->retire_dl = NULL;
	free(d->slots);
	d->slots = NULL;
	d->nslots = 0;
	/* After the sessions: their connections referenced these. */
	feed_tlsctx_free(&d->tls);
	feed_sink_free(&d->sink);
	for (unsigned i = 0; i < d->ncfgs; i++) {
		feed_config_free(d->cfgs[i]);
		free(d->cfgs[i]);
	}
	free(d->cfgs);
	d->cfgs = NULL;
	d->ncfgs = 0;
	if (d->w) {
		/* The segment stays (STOPPED) so readers can drain what is left;
		 * the next feedd takes the name over. */
		mdbus_writer_close(d->w, 0);
		d->w = NULL;
	}
	/* Debug aid for the "no fd left" rule: both numbers must match. Not
	 * after a failed start, whose one line is its error. */
	if (d->started)
		feed_log(FEED_LOG_INFO, LOG_EV("exit_fds"), LOG_I("fds", feed_daemon_count_fds()),
			 LOG_I("start_fds", d->fds_at_start), LOG_U("loop_iterations", iterations));
	if (d->started && feed_tlsmem_installed())
		feed_daemon_log_tls_pool();
}
