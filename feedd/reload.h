/* SPDX-License-Identifier: MIT */
/*
 * reload.h: SIGHUP. feedd re-reads its config file and checks it as
 * `feedd --check` would; a file that fails is refused (its FILE:LINE error
 * logged) and the running set keeps going untouched.
 *
 * What a reload changes: [feed] log_level and log_format (with the command
 * line's -v/-q still applied), and the sessions: an added one starts in a
 * free entry of the daemon's array (max_sessions), a removed one goes DOWN
 * and closes like at shutdown (its entry freed once nothing of it is in
 * flight), a changed one is both; an unchanged one keeps its connection
 * and its config (superseded configs are kept until exit). What it
 * refuses, with a line naming the key: [bus] name and slots, [feed]
 * shutdown_timeout, connect_rate and max_sessions (fixed at start); and a
 * reload needing more free entries than there are. A refused reload
 * changes nothing: every session keeps streaming.
 */
#ifndef FEED_RELOAD_H
#define FEED_RELOAD_H

#include "daemon.h"

/* Re-reads d->cfg->path. Returns 0 (applied), -EINVAL (the file fails its
 * check, or there is no room), -EPERM (it changes what cannot change at run
 * time), -EIO (applied, but a session failed to start) or -ENOMEM;
 * every outcome is logged (event=reload or event=reload_refused). */
int feed_reload(struct feed_daemon *d);

/* Sets the log from cfg's log_level (moved by verbosity: +1 per -v, -1
 * per -q, kept within error..debug) and log_format. */
void feed_reload_log_apply(const struct feed_config *cfg, int verbosity);

#endif /* FEED_RELOAD_H */
