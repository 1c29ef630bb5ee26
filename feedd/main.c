/* SPDX-License-Identifier: MIT */
/*
 * main.c: feedd's command line.
 *
 *   feedd [-v|-q]... -c CONFIG
 *                          run in the foreground (logs on stderr); each -v
 *                          logs one level more (debug), each -q one less
 *                          than the config's log_level (warn, error)
 *   feedd --check CONFIG   validate the config (and every session's venue
 *                          settings) and exit 0, or 1 with "FILE:LINE: reason"
 *   feedd -h | --help      usage
 *   feedd --version        version
 *
 * Exit codes: 0 after SIGTERM, 130 after SIGINT, 1 on a fatal error, 2 on a
 * usage error.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "reload.h"
#include "resolve.h"
#include "venue.h"

static void feed_usage(FILE *f)
{
	fprintf(f, "usage: feedd [-v|-q]... -c CONFIG  run the feed daemon (foreground)\n"
		   "       feedd --check CONFIG          validate CONFIG and exit\n"
		   "       feedd -h | --version\n"
		   "  -v  log one level more than log_level (repeatable)\n"
		   "  -q  log one level less than log_level (repeatable)\n"
		   "venues:");
	for (unsigned i = 0; feed_venue_at(i); i++)
		fprintf(f, " %s", feed_venue_at(i)->name);
	fprintf(f, "\nsignals: SIGTERM -> exit 0, SIGINT -> exit 130 (graceful within "
		   "shutdown_timeout; a second signal exits at once)\n");
}

/* Loads path and validates it against the venues: everything that can be
 * checked without the network. 0, or 1 with the error printed (--check:
 * "feedd: error: FILE:LINE: reason") or logged (a run: event=config). */
static int feed_load(const char *path, struct feed_config *cfg, int check)
{
	char err[512];

	err[0] = '\0';
	if (feed_config_load(path, cfg, err, sizeof(err)) == 0 &&
	    feed_venue_check(cfg, err, sizeof(err)) == 0)
		return 0;
	if (check)
		fprintf(stderr, "feedd: error: %s\n", err[0] ? err : path);
	else
		feed_log(FEED_LOG_ERROR, LOG_EV("config"), LOG_S("file", path),
			 LOG_S("reason", err[0] ? err : path));
	return 1;
}

static int feed_check(const char *path)
{
	struct feed_config cfg;
	size_t ninstr = 0;
	int rc = feed_load(path, &cfg, 1);

	if (rc == 0) {
		for (size_t i = 0; i < cfg.nsessions; i++)
			ninstr += cfg.sessions[i].nsymbols;
		printf("%s: OK: bus %s, %zu sessions, %zu instruments\n", path, cfg.bus,
		       cfg.nsessions, ninstr);
	}
	feed_config_free(&cfg);
	return rc;
}

static int feed_run(const char *path, int verbosity)
{
	struct feed_config cfg;
	struct feed_daemon d;
	int code, started;

	/* Validate fully before touching the bus. */
	if (feed_load(path, &cfg, 0) != 0) {
		feed_config_free(&cfg);
		return 1;
	}
	feed_reload_log_apply(&cfg, verbosity);
	if (feed_resolve_library_init() < 0) {
		feed_log(FEED_LOG_ERROR, LOG_EV("start"),
			 LOG_S("reason", "c-ares initialisation failed"));
		feed_config_free(&cfg);
		return 1;
	}
	code = 1;
	if (feed_daemon_init(&d, &cfg) == 0) {
		d.log_verbosity = verbosity; /* a SIGHUP reload applies it again */
		code = feed_daemon_run(&d);
	}
	started = d.started;
	feed_daemon_free(&d);
	feed_resolve_library_cleanup();
	feed_config_free(&cfg);
	/* A fatal start-up error has logged its one level=error line. */
	if (started)
		feed_log(FEED_LOG_INFO, LOG_EV("exit"), LOG_I("code", code));
	return code;
}

int main(int argc, char **argv)
{
	int verbosity = 0, i = 1;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		feed_usage(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("feedd %s\n", MDBUS_VERSION);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--check"))
		return feed_check(argv[2]);
	for (; i < argc && (!strcmp(argv[i], "-v") || !strcmp(argv[i], "-q")); i++)
		verbosity += argv[i][1] == 'v' ? 1 : -1;
	if (argc == i + 2 && !strcmp(argv[i], "-c"))
		return feed_run(argv[i + 1], verbosity);
	feed_usage(stderr);
	return 2;
}
