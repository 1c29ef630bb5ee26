/* SPDX-License-Identifier: MIT */
/*
 * main.c: feedd's command line (tools/common's option table, like every
 * mdbus tool).
 *
 *   feedd [-v|-q]... -c CONFIG [-b BUS]
 *                                   run in the foreground (logs on stderr);
 *                                   each -v logs one level more (debug), each
 *                                   -q one less than the config's log_level
 *   feedd --check CONFIG [-b BUS]   validate the config (and every session's
 *                                   venue settings) and exit 0, or 1 with
 *                                   "FILE:LINE: reason"
 *   feedd -h | --help               usage
 *   feedd -V | --version            version
 *
 * -b/--bus overrides the config's [bus] name (and $MDBUS_BUS).
 * Exit codes: 0 after SIGTERM, 130 after SIGINT, 1 on a fatal error, 2 on a
 * usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "reload.h"
#include "resolve.h"
#include "tlsmem.h"
#include "tools_opt.h"
#include "venue.h"

static void feed_usage(FILE *f)
{
	fprintf(f, "usage: feedd [-v|-q]... -c CONFIG [-b BUS]  run the feed daemon (foreground)\n"
		   "       feedd --check CONFIG [-b BUS]         validate CONFIG and exit\n"
		   "  -c, --config FILE   the configuration to run\n"
		   "      --check FILE    validate FILE (syntax, keys, venues) and exit 0 or 1\n"
		   "  -b, --bus NAME      bus name, instead of the config's [bus] name\n"
		   "  -v, --verbose       log one level more than log_level (repeatable)\n"
		   "  -q, --quiet         log one level less than log_level (repeatable)\n"
		   "" TOOLS_STD_USAGE "venues:");
	for (unsigned i = 0; feed_venue_at(i); i++)
		fprintf(f, " %s", feed_venue_at(i)->name);
	fprintf(f, "\nsignals: SIGTERM -> exit 0, SIGINT -> exit 130 (graceful within "
		   "shutdown_timeout; a second signal exits at once); SIGHUP re-reads the config\n"
		   "exit: 0 stopped by SIGTERM, 130 by SIGINT, 1 fatal error or invalid config,\n"
		   "      2 usage error\n");
}

static const struct tools_cmd feed_cmd = {"feedd", MDBUS_VERSION, feed_usage, 2, ""};

struct feed_args {
	const char *config; /* -c */
	const char *check;  /* --check */
	const char *bus;    /* -b, or NULL: the config's */
	int verbosity;	    /* -v minus -q */
};

/* Loads path and validates it against the venues: everything that can be
 * checked without the network; -b replaces the [bus] name. 0, or 1 with
 * "feedd: error: FILE:LINE: reason" on stderr, the tools' error form (the
 * config's log_format is not known yet). */
static int feed_load(const char *path, const char *bus, struct feed_config *cfg)
{
	char err[512];

	err[0] = '\0';
	if (feed_config_load(path, cfg, err, sizeof(err)) == 0 &&
	    feed_venue_check(cfg, err, sizeof(err)) == 0) {
		if (bus)
			snprintf(cfg->bus, sizeof(cfg->bus), "%s", bus);
		return 0;
	}
	tools_error("feedd", "%s", err[0] ? err : path);
	return 1;
}

static int feed_check(const char *path, const char *bus)
{
	struct feed_config cfg;
	size_t ninstr = 0;
	int rc = feed_load(path, bus, &cfg);

	if (rc == 0) {
		for (size_t i = 0; i < cfg.nsessions; i++)
			ninstr += cfg.sessions[i].nsymbols;
		printf("%s: OK: bus %s, %zu sessions, %zu instruments\n", path, cfg.bus,
		       cfg.nsessions, ninstr);
	}
	feed_config_free(&cfg);
	return rc;
}

static int feed_run(const char *path, const char *bus, int verbosity)
{
	struct feed_config cfg;
	struct feed_daemon d;
	int code, started;

	/* Validate fully before touching the bus. */
	if (feed_load(path, bus, &cfg) != 0) {
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
		d.log_verbosity = verbosity; /* a SIGHUP reload applies them again */
		d.bus_override = bus;
		d.on_reload = feed_reload;
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

/* Returns 0 to go on, or 1 with the exit status in *status. */
static int feed_parse_args(int argc, char **argv, struct feed_args *a, int *status)
{
	char name[MDBUS_BUS_NAME_MAX];
	const struct tools_opt opts[] = {
		{.name = "config", .short_name = 'c', .kind = TOOLS_OPT_STR, .out = &a->config},
		{.name = "check", .kind = TOOLS_OPT_STR, .out = &a->check},
		{.name = "bus", .short_name = 'b', .kind = TOOLS_OPT_STR, .out = &a->bus},
		{.name = "verbose",
		 .short_name = 'v',
		 .kind = TOOLS_OPT_ADD,
		 .out = &a->verbosity,
		 .val = 1},
		{.name = "quiet",
		 .short_name = 'q',
		 .kind = TOOLS_OPT_ADD,
		 .out = &a->verbosity,
		 .val = -1},
		TOOLS_OPT_STD_ROWS,
	};

	if (tools_opt_parse(&feed_cmd, opts, sizeof(opts) / sizeof(opts[0]), argc, argv, status))
		return 1;
	if (optind < argc)
		*status = tools_usage_error(&feed_cmd, "unexpected argument '%s'", argv[optind]);
	else if (!a->config == !a->check)
		*status = tools_usage_error(&feed_cmd, "give one of -c CONFIG or --check CONFIG");
	else if (a->bus && mdbus_bus_name(a->bus, name, sizeof(name)) < 0)
		*status = tools_usage_error(&feed_cmd, "--bus %s: not a valid bus name", a->bus);
	else
		return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct feed_args a = {0};
	int status, r;

	/* First, before anything calls OpenSSL: its per-record buffers from the pools. */
	r = feed_tlsmem_install();
	if (r < 0)
		fprintf(stderr,
			"feedd: TLS record pool unavailable (%s): record buffers stay "
			"allocated per connection\n",
			strerror(-r));
	if (feed_parse_args(argc, argv, &a, &status))
		return status;
	return a.check ? feed_check(a.check, a.bus) : feed_run(a.config, a.bus, a.verbosity);
}
