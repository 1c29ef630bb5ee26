/* SPDX-License-Identifier: MIT */
/*
 * mdbus-exporter: Prometheus metrics of one or more buses (feedd's health,
 * sessions, instruments, ring), over HTTP at /metrics and/or as a file for
 * node_exporter's textfile collector. A consumer like any other: it maps
 * each bus read-only and never writes to it, so feedd pays nothing for it.
 *
 *   HTTP (default): serves --listen (127.0.0.1:9466) until SIGINT/SIGTERM.
 *   --textfile PATH: rewrites PATH every --interval (10 s); HTTP as well
 *     only if --listen is given.
 *   --once: one exposition, to PATH with --textfile, else to stdout; exit.
 *
 * A missing, stopped or dead bus is a metric (mdbus_up 0), not an error.
 * Exit: 0 stopped by a signal or --once written; 1 runtime error (cannot
 * listen, cannot write the textfile the first time); 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exporter.h"
#include "tools_cli.h"
#include "tools_opt.h"
#include "tools_run.h"

#define EXP_EX_USAGE	   2
#define EXP_LISTEN_DEFAULT "127.0.0.1:9466"

static void exp_usage(FILE *f)
{
	fprintf(f,
		"usage: mdbus-exporter [options]\n"
		"Prometheus metrics of mdbus buses at http://HOST:PORT/metrics.\n"
		"  -b, --bus NAME      a bus to export; repeat for more (default: $" MDBUS_BUS_ENV
		" or \"" MDBUS_BUS_DEFAULT "\")\n"
		"  -l, --listen HOST:PORT  serve /metrics there (default " EXP_LISTEN_DEFAULT
		"; port 0: any free one)\n"
		"      --textfile PATH write the metrics to PATH atomically, for node_exporter's\n"
		"                      textfile collector (HTTP too only with --listen)\n"
		"  -i, --interval DUR  how often --textfile rewrites PATH (default 10s)\n"
		"      --once          write once (to PATH, or stdout without --textfile), "
		"exit\n" TOOLS_STD_USAGE
		"A missing or dead bus is exported as mdbus_up 0, not an error.\n"
		"Exit: 0 stopped by SIGINT/SIGTERM or --once written, 1 runtime error,\n"
		"      2 usage error.\n");
}

struct exp_opts {
	char bus[EXP_MAX_BUSES][MDBUS_BUS_NAME_MAX];
	size_t nbus;
	const char *bus_err; /* a -b value that was refused, for the complaint */
	const char *listen;
	const char *textfile;
	int64_t interval_ns;
	int once;
};

/* -b NAME, repeatable: each resolved and checked now, duplicates refused. */
static const char *exp_opt_bus(void *out, const char *arg)
{
	struct exp_opts *o = out;

	if (o->nbus == EXP_MAX_BUSES)
		return "too many buses (at most 64)";
	if (tools_bus_resolve(arg, o->bus[o->nbus], sizeof(o->bus[0])) < 0)
		return "not a bus name (letters, digits, '.', '_', '-')";
	for (size_t k = 0; k < o->nbus; k++)
		if (strcmp(o->bus[k], o->bus[o->nbus]) == 0)
			return "given twice";
	o->nbus++;
	return NULL;
}

static const char *exp_opt_listen(void *out, const char *arg)
{
	const char *bad = exp_listen_check(arg);

	if (!bad)
		*(const char **)out = arg;
	return bad;
}

/* Returns 0 to go on, or 1 with the exit status in *status. */
static int exp_parse_args(int argc, char **argv, struct exp_opts *o, int *status)
{
	static const struct tools_cmd cmd = {EXP_PROG, MDBUS_VERSION, exp_usage, EXP_EX_USAGE, ""};
	const struct tools_opt opts[] = {
		{.name = "bus",
		 .short_name = 'b',
		 .kind = TOOLS_OPT_FN,
		 .out = o,
		 .fn = exp_opt_bus},
		{.name = "listen",
		 .short_name = 'l',
		 .kind = TOOLS_OPT_FN,
		 .out = &o->listen,
		 .fn = exp_opt_listen},
		{.name = "textfile", .kind = TOOLS_OPT_STR, .out = &o->textfile},
		{.name = "interval",
		 .short_name = 'i',
		 .kind = TOOLS_OPT_DURATION,
		 .out = &o->interval_ns,
		 .min = 100000000,
		 .bad = "need a duration >= 100ms"},
		{.name = "once", .kind = TOOLS_OPT_SET, .out = &o->once, .val = 1},
		TOOLS_OPT_STD_ROWS,
	};

	if (tools_opt_parse(&cmd, opts, sizeof(opts) / sizeof(opts[0]), argc, argv, status))
		return 1;
	if (optind < argc) {
		*status = tools_usage_error(&cmd, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	if (o->once && o->listen) {
		*status = tools_usage_error(&cmd, "--once writes a file or stdout: no --listen");
		return 1;
	}
	if (o->textfile && !o->textfile[0]) {
		*status = tools_usage_error(&cmd, "--textfile needs a path");
		return 1;
	}
	if (!o->nbus && tools_bus_resolve(NULL, o->bus[0], sizeof(o->bus[0])) < 0) {
		*status = tools_usage_error(&cmd, "bad bus name in $" MDBUS_BUS_ENV);
		return 1;
	}
	o->nbus += !o->nbus;
	if (!o->textfile && !o->once && !o->listen)
		o->listen = EXP_LISTEN_DEFAULT;
	return 0;
}

/* Sleeps until deadline (monotonic) in steps of at most a second, so a
 * signal that lands just before a step still ends the wait soon. Returns 0,
 * or -EINTR once a stop was requested. */
static int exp_sleep_until(int64_t deadline)
{
	for (;;) {
		int64_t now = tools_now_ns(CLOCK_MONOTONIC);
		if (tools_stop_requested())
			return -EINTR;
		if (now >= deadline)
			return 0;
		int64_t step = deadline - now < 1000000000 ? deadline : now + 1000000000;
		if (tools_sleep_until(CLOCK_MONOTONIC, step) == -EINTR)
			return -EINTR;
	}
}

/* Serves (HTTP and/or textfile) until a signal. Returns the exit status. */
static int exp_serve(const struct exp_opts *o, struct exp_set *set)
{
	struct exp_http *h = NULL;
	char addr[128], err[512];
	int rc, last = 0;

	if (o->textfile && (rc = exp_textfile_write(set, o->textfile)) < 0) {
		tools_error(EXP_PROG, "%s: %s", o->textfile, strerror(-rc));
		return 1;
	}
	if (o->listen) {
		if (exp_http_start(&h, o->listen, set, addr, sizeof(addr), err, sizeof(err)) < 0) {
			tools_error(EXP_PROG, "%s", err);
			return 1;
		}
		fprintf(stderr, EXP_PROG ": listening on http://%s/metrics\n", addr);
	}
	int64_t next = tools_now_ns(CLOCK_MONOTONIC);
	for (;;) {
		next += o->textfile ? o->interval_ns : 1000000000;
		if (exp_sleep_until(next) < 0)
			break;
		if (!o->textfile)
			continue;
		rc = exp_textfile_write(set, o->textfile);
		if (rc < 0 && rc != last) /* said once per new error, retried every time */
			tools_error(EXP_PROG, "%s: %s", o->textfile, strerror(-rc));
		last = rc;
	}
	exp_http_stop(h);
	return 0;
}

int main(int argc, char **argv)
{
	static struct exp_opts o = {.interval_ns = 10000000000LL};
	static struct exp_set set;
	int rc, code;

	if (exp_parse_args(argc, argv, &o, &code))
		return code;
	tools_signals_init();
	if ((rc = exp_set_init(&set, (const char(*)[MDBUS_BUS_NAME_MAX])o.bus, o.nbus)) < 0) {
		tools_error(EXP_PROG, "%s", strerror(-rc));
		return 1;
	}
	if (o.once) {
		const char *path = o.textfile ? o.textfile : "-";
		code = 0;
		if ((rc = exp_textfile_write(&set, path)) < 0) {
			tools_error(EXP_PROG, "%s: %s", o.textfile ? path : "stdout",
				    strerror(-rc));
			code = 1;
		}
	} else {
		code = exp_serve(&o, &set);
	}
	exp_set_close(&set);
	return code;
}
