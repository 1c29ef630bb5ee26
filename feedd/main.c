/* SPDX-License-Identifier: MIT */
/*
 * main.c: feedd's command line.
 *
 *   feedd -c CONFIG        run in the foreground (logs on stderr)
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
#include "resolve.h"
#include "venue.h"

static void feed_usage(FILE *f)
{
	fprintf(f, "usage: feedd -c CONFIG       run the feed daemon (foreground)\n"
		   "       feedd --check CONFIG  validate CONFIG and exit\n"
		   "       feedd -h | --version\n"
		   "venues:");
	for (unsigned i = 0; feed_venue_at(i); i++)
		fprintf(f, " %s", feed_venue_at(i)->name);
	fprintf(f, "\nsignals: SIGTERM -> exit 0, SIGINT -> exit 130 (graceful within "
		   "shutdown_timeout; a second signal exits at once)\n");
}

/* Loads path and validates it against the venues: everything that can be
 * checked without the network. 0, or 1 with the error logged. */
static int feed_load(const char *path, struct feed_config *cfg)
{
	char err[512];

	err[0] = '\0';
	if (feed_config_load(path, cfg, err, sizeof(err)) == 0 &&
	    feed_venue_check(cfg, err, sizeof(err)) == 0)
		return 0;
	feed_log_error("%s", err[0] ? err : path);
	return 1;
}

static int feed_check(const char *path)
{
	struct feed_config cfg;
	size_t ninstr = 0;
	int rc = feed_load(path, &cfg);

	if (rc == 0) {
		for (size_t i = 0; i < cfg.nsessions; i++)
			ninstr += cfg.sessions[i].nsymbols;
		printf("%s: OK: bus %s, %zu sessions, %zu instruments\n", path, cfg.bus,
		       cfg.nsessions, ninstr);
	}
	feed_config_free(&cfg);
	return rc;
}

static int feed_run(const char *path)
{
	struct feed_config cfg;
	struct feed_daemon d;
	int code, started;

	/* Validate fully before touching the bus. */
	if (feed_load(path, &cfg) != 0) {
		feed_config_free(&cfg);
		return 1;
	}
	if (feed_resolve_library_init() < 0) {
		feed_log_error("c-ares initialisation failed");
		feed_config_free(&cfg);
		return 1;
	}
	code = feed_daemon_init(&d, &cfg) == 0 ? feed_daemon_run(&d) : 1;
	started = d.started;
	feed_daemon_free(&d);
	feed_resolve_library_cleanup();
	feed_config_free(&cfg);
	/* A fatal start-up error has printed its one "feedd: error:" line. */
	if (started)
		feed_log(NULL, "exit code=%d", code);
	return code;
}

int main(int argc, char **argv)
{
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
	if (argc == 3 && !strcmp(argv[1], "-c"))
		return feed_run(argv[2]);
	feed_usage(stderr);
	return 2;
}
