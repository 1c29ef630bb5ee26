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
	return bad;
}

static void reload_log_session(const char *file, const struct feed_session_config *s,
			       const char *change)
{
	feed_log(FEED_LOG_ERROR, LOG_EV("reload_refused"), LOG_S("file", file),
		 LOG_S("session", s->name), LOG_S("venue", s->venue), LOG_S("change", change),
		 LOG_S("reason", "sessions are fixed at start: restart feedd"),
		 LOG_S("effect", "the running sessions are untouched"));
}

/* Added, removed or changed sessions: one error line each. Returns how
 * many; unchanged ones are counted in *same. */
static int reload_sessions(const struct feed_config *o, const struct feed_config *n, unsigned *same)
{
	int bad = 0;

	*same = 0;
	for (size_t i = 0; i < n->nsessions; i++) {
		const struct feed_session_config *was = reload_find(o, n->sessions[i].name);

		if (!was) {
			reload_log_session(n->path, &n->sessions[i], "added");
			bad++;
		} else if (!reload_same_session(was, &n->sessions[i])) {
			reload_log_session(n->path, &n->sessions[i], "changed");
			bad++;
		} else {
			(*same)++;
		}
	}
	for (size_t i = 0; i < o->nsessions; i++) {
		if (!reload_find(n, o->sessions[i].name)) {
			reload_log_session(n->path, &o->sessions[i], "removed");
			bad++;
		}
	}
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

int feed_reload(struct feed_daemon *d)
{
	struct feed_config n;
	unsigned same = 0;
	char err[512];
	int rc, bad;

	err[0] = '\0';
	feed_log(FEED_LOG_INFO, LOG_EV("reload"), LOG_S("file", d->cfg->path),
		 LOG_S("signal", "SIGHUP"));
	rc = feed_config_load(d->cfg->path, &n, err, sizeof(err));
	if (rc == 0)
		rc = feed_venue_check(&n, err, sizeof(err));
	if (rc == 0 && d->bus_override) /* -b on the command line still wins */
		snprintf(n.bus, sizeof(n.bus), "%s", d->bus_override);
	if (rc < 0) {
		feed_log(FEED_LOG_ERROR, LOG_EV("reload_refused"), LOG_S("file", d->cfg->path),
			 LOG_S("reason", err[0] ? err : strerror(-rc)),
			 LOG_S("effect", "the running sessions are untouched"));
		feed_config_free(&n);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	bad = reload_fixed_keys(d->cfg, &n);
	bad += reload_sessions(d->cfg, &n, &same);
	if (bad == 0) {
		/* Said with the old settings: a quieter level would hide it. */
		feed_log(FEED_LOG_INFO, LOG_EV("reloaded"), LOG_S("file", n.path),
			 LOG_S("log_level", feed_log_level_name((enum feed_log_level)n.log_level)),
			 LOG_S("log_format", n.log_format == FEED_LOG_JSON ? "json" : "logfmt"),
			 LOG_I("verbosity", d->log_verbosity), LOG_U("sessions_unchanged", same));
		feed_reload_log_apply(&n, d->log_verbosity);
	}
	feed_config_free(&n);
	return bad ? -EPERM : 0;
}
