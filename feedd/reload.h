/* SPDX-License-Identifier: MIT */
/*
 * reload.h: SIGHUP. feedd re-reads its config file and checks it as
 * `feedd --check` would; a file that fails is refused (its FILE:LINE error
 * logged) and the running set keeps going untouched.
 *
 * What a reload changes today: [feed] log_level and log_format (with the
 * command line's -v/-q still applied). What it refuses, with a line naming
 * the key or the session: [bus] name and slots, [feed] shutdown_timeout and
 * connect_rate (fixed at start), and any added, removed or changed session
 * (each named in its own line): those need a restart. A refused reload
 * changes nothing: every session keeps streaming.
 */
#ifndef FEED_RELOAD_H
#define FEED_RELOAD_H

#include "daemon.h"

/* Re-reads d->cfg->path. Returns 0 (applied), -EINVAL (the file fails its
 * check), -EPERM (it changes what cannot change at run time) or -ENOMEM;
 * every outcome is logged (event=reload or event=reload_refused). */
int feed_reload(struct feed_daemon *d);

/* Sets the log from cfg's log_level (moved by verbosity: +1 per -v, -1
 * per -q, kept within error..debug) and log_format. */
void feed_reload_log_apply(const struct feed_config *cfg, int verbosity);

#endif /* FEED_RELOAD_H */
