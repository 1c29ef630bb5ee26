/* SPDX-License-Identifier: MIT */
/* reload.c: SIGHUP re-reads the config (reload.h). */
#include "reload.h"

#include <errno.h>
#include <string.h>

#include "venue.h"

#define RELOAD_SAME(f)	   (a->f == b->f)
#define RELOAD_SAME_STR(f) (strcmp(a->f, b->f) == 0)

/* 1 when a and b configure the same session the same way: every field the
 * loader and the venue check set, member by member (not where in the file
 * it was written). */
static int reload_same_session(const struct feed_session_config *a,
			       const struct feed_session_config *b)
{
	if (!(RELOAD_SAME_STR(name) && RELOAD_SAME_STR(venue) && RELOAD_SAME(url.tls) &&
	      RELOAD_SAME(url.port) && RELOAD_SAME_STR(url.host) && RELOAD_SAME_STR(url.path) &&
	      RELOAD_SAME(nsymbols) && RELOAD_SAME(channels) && RELOAD_SAME(ping_interval_ms) &&
	      RELOAD_SAME(pong_timeout_ms) && RELOAD_SAME(stale_timeout_ms) &&
	      RELOAD_SAME(handshake_timeout_ms) && RELOAD_SAME(reconnect_initial_ms) &&
	      RELOAD_SAME(reconnect_max_ms) && RELOAD_SAME(reconnect_multiplier) &&
	      RELOAD_SAME(reconnect_jitter) && RELOAD_SAME(reconnect_max_retries) &&
	      RELOAD_SAME(reconnect_reset_ms) && RELOAD_SAME(max_lifetime_ms) &&
	      RELOAD_SAME(max_message) && RELOAD_SAME(streams_per_conn) &&
	      RELOAD_SAME_STR(ca_file) && RELOAD_SAME(tls_verify) && RELOAD_SAME(price_decimals) &&
	      RELOAD_SAME(qty_decimals) && RELOAD_SAME(contract_size) &&
	      RELOAD_SAME(contract_decimals) && RELOAD_SAME(qty_unit)))
		return 0;
	for (size_t i = 0; i < a->nsymbols; i++)
		if (strcmp(a->symbols[i], b->symbols[i]) != 0)
			return 0;
	return 1;
}

static const struct feed_session_config *reload_find(const struct feed_config *c, const char *name)
{
	for (size_t i = 0; i < c->nsessions; i++)
		if (!strcmp(c->sessions[i].name, name))
			return &c->sessions[i];
	return NULL;
}

static void reload_refuse_key(const char *file, const char *section, const char *key)
{
	feed_log(FEED_LOG_ERROR, LOG_EV("reload_refused"), LOG_S("file", file),
		 LOG_S("section", section), LOG_S("key", key),
		 LOG_S("reason", "this key cannot change at run time: restart feedd"),
		 LOG_S("effect", "the running sessions are untouched"));
}

/* Keys fixed at start: each change is one error line. Returns how many. */
static int reload_fixed_keys(const struct feed_config *o, const struct feed_config *n)
{
	int bad = 0;

	if (strcmp(o->bus, n->bus) != 0 && ++bad)
		reload_refuse_key(n->path, "bus", "name");
	if (o->slots != n->slots && ++bad)
		reload_refuse_key(n->path, "bus", "slots");
	if (o->shutdown_timeout_ms != n->shutdown_timeout_ms && ++bad)
		reload_refuse_key(n->path, "feed", "shutdown_timeout");
	if (o->connect_rate != n->connect_rate && ++bad)
		reload_refuse_key(n->path, "feed", "connect_rate");
	if (o->snapshot_rate != n->snapshot_rate && ++bad)
		reload_refuse_key(n->path, "feed", "snapshot_rate");
	if (o->max_sessions != n->max_sessions && ++bad)
		reload_refuse_key(n->path, "feed", "max_sessions");
	if (o->cpu != n->cpu && ++bad)
		reload_refuse_key(n->path, "feed", "cpu");
	if (o->idle != n->idle && ++bad)
		reload_refuse_key(n->path, "feed", "idle");
	if (o->sqpoll != n->sqpoll && ++bad)
		reload_refuse_key(n->path, "feed", "sqpoll");
	return bad;
}

/* What a reload does to the running sessions. */
struct reload_plan {
	unsigned remove[FEED_SESSIONS_MAX]; /* daemon entries: removed or changed */
	unsigned nremove;
	size_t add[FEED_SESSIONS_MAX]; /* new config's sessions: added or changed */
	unsigned nadd;
	unsigned same, changed;
	size_t conns; /* connections the added sessions plan */
};

static const struct feed_session_config *reload_running(const struct feed_daemon *d,
							const char *name, unsigned *entry)
{
	for (unsigned i = 0; i < d->nsess; i++)
		if (d->sess_st[i] == FEED_DSLOT_ACTIVE && !strcmp(d->sess[i].cfg->name, name)) {
			*entry = i;
			return d->sess[i].cfg;
		}
	return NULL;
}

/* Sorts every session of n (added, changed, unchanged) and every running
 * one n lacks (removed) into p. Returns 0 or -errno (a plan that fails). */
static int reload_diff(const struct feed_daemon *d, const struct feed_config *n,
		       struct reload_plan *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < n->nsessions; i++) {
		unsigned e = 0;
		const struct feed_session_config *was = reload_running(d, n->sessions[i].name, &e);
		int c;

		if (was && reload_same_session(was, &n->sessions[i])) {
			p->same++;
			continue;
		}
		if (was) {
			p->remove[p->nremove++] = e;
			p->changed++;
		}
		c = feed_session_plan_count(&n->sessions[i]);
		if (c < 0)
			return c;
		p->conns += (size_t)c;
		p->add[p->nadd++] = i;
	}
	for (unsigned i = 0; i < d->nsess; i++)
		if (d->sess_st[i] == FEED_DSLOT_ACTIVE && !reload_find(n, d->sess[i].cfg->name))
			p->remove[p->nremove++] = i;
	return 0;
}

/* Room for what p adds: free entries (a removed session's is free only
 * once it has closed) and never-used connection slots. Returns 0 or
 * -ENOSPC after its error line. */
static int reload_room(const struct feed_daemon *d, const struct feed_config *n,
		       const struct reload_plan *p)
{
	unsigned free_entries = feed_daemon_free_entries(d);
	char why[256];

	if (p->nadd > free_entries) {
		snprintf(why, sizeof(why),
			 "%u sessions to start but only %u of max_sessions = %u free "
			 "(removed ones free theirs once closed)",
			 p->nadd, free_entries, d->cap);
	} else if (d->slot_next + p->conns > d->slot_cap) {
		snprintf(why, sizeof(why),
			 "%zu connections to open but only %u connection ids left", p->conns,
			 d->slot_cap - d->slot_next);
	} else {
		return 0;
	}
	feed_log(FEED_LOG_ERROR, LOG_EV("reload_refused"), LOG_S("file", n->path),
		 LOG_S("reason", why), LOG_S("effect", "the running sessions are untouched"));
	return -ENOSPC;
}

/* Removes, then starts: a restarted session's DOWN goes out before its new
 * UP. Returns how many sessions failed to start. */
static int reload_apply(struct feed_daemon *d, const struct feed_config *n,
			const struct reload_plan *p)
{
	int64_t now = feed_now_ns();
	int bad = 0;

	for (unsigned i = 0; i < p->nremove; i++)
		feed_daemon_session_remove(d, p->remove[i], now);
	for (unsigned i = 0; i < p->nadd; i++)
		if (feed_daemon_session_add(d, &n->sessions[p->add[i]], now) < 0)
			bad++;
	return bad;
}

/* The config's log_level moved by the -v/-q count, within error..debug. */
void feed_reload_log_apply(const struct feed_config *cfg, int verbosity)
{
	int level = cfg->log_level + verbosity;

	if (level < FEED_LOG_ERROR)
		level = FEED_LOG_ERROR;
	if (level > FEED_LOG_DEBUG)
		level = FEED_LOG_DEBUG;
	feed_log_setup((enum feed_log_level)level, (enum feed_log_format)cfg->log_format);
}

static int reload_load(struct feed_daemon *d, struct feed_config *n)
{
	char err[512];
	int rc;

	err[0] = '\0';
	rc = feed_config_load(d->cfg->path, n, err, sizeof(err));
	if (rc == 0)
		rc = feed_venue_check(n, err, sizeof(err));
	if (rc == 0 && d->bus_override) /* -b on the command line still wins */
		snprintf(n->bus, sizeof(n->bus), "%s", d->bus_override);
	if (rc < 0)
		feed_log(FEED_LOG_ERROR, LOG_EV("reload_refused"), LOG_S("file", d->cfg->path),
			 LOG_S("reason", err[0] ? err : strerror(-rc)),
			 LOG_S("effect", "the running sessions are untouched"));
	return rc;
}

/* Keeps n until exit (unchanged sessions point into older ones, new ones
 * into it). Returns 0 or -ENOMEM. */
static int reload_keep(struct feed_daemon *d, struct feed_config *n)
{
	struct feed_config **v = realloc(d->cfgs, (d->ncfgs + 1) * sizeof(struct feed_config *));

	if (!v)
		return -ENOMEM;
	d->cfgs = v;
	d->cfgs[d->ncfgs++] = n;
	d->cfg = n;
	return 0;
}

int feed_reload(struct feed_daemon *d)
{
	struct feed_config *n = calloc(1, sizeof(*n));
	struct reload_plan *p = calloc(1, sizeof(*p));
	int rc, bad = 0;

	feed_log(FEED_LOG_INFO, LOG_EV("reload"), LOG_S("file", d->cfg->path),
		 LOG_S("signal", "SIGHUP"));
	if (!n || !p) {
		free(n);
		free(p);
		return -ENOMEM;
	}
	rc = reload_load(d, n);
	if (rc == 0 && reload_fixed_keys(d->cfg, n))
		rc = -EPERM;
	if (rc == 0)
		rc = reload_diff(d, n, p);
	if (rc == 0)
		rc = reload_room(d, n, p);
	if (rc == 0)
		rc = reload_keep(d, n);
	if (rc < 0) {
		feed_config_free(n);
		free(n);
		free(p);
		return rc == -ENOMEM || rc == -EPERM ? rc : -EINVAL;
	}
	bad = reload_apply(d, n, p);
	/* Said with the old settings: a quieter level would hide it. */
	feed_log(bad ? FEED_LOG_WARN : FEED_LOG_INFO, LOG_EV("reloaded"), LOG_S("file", n->path),
		 LOG_S("log_level", feed_log_level_name((enum feed_log_level)n->log_level)),
		 LOG_S("log_format", n->log_format == FEED_LOG_JSON ? "json" : "logfmt"),
		 LOG_I("verbosity", d->log_verbosity), LOG_U("sessions_unchanged", p->same),
		 LOG_U("sessions_added", p->nadd - p->changed),
		 LOG_U("sessions_removed", p->nremove - p->changed),
		 LOG_U("sessions_restarted", p->changed), LOG_I("start_failed", bad));
	feed_reload_log_apply(n, d->log_verbosity);
	free(p);
	return bad ? -EIO : 0;
}
