/* SPDX-License-Identifier: MIT */
/*
 * mdbus-top: a live view of a bus's health region (feedd, sessions,
 * instruments) or a batch snapshot of it. Read-only: opens the bus with
 * mdbus_reader_open only.
 *
 * Exit status: 0 feed alive and every session healthy; 1 something is
 * degraded, down, dead or the health region is unreadable; 2 no bus or a
 * usage error. The full-screen view exits 0 on q.
 *
 * Rates are the change between two samples one --interval apart (default
 * 1 s): --once and --json take a first sample, wait one interval, then
 * print, so a quiet market (a few ticks a second) is not shown as 0/s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools_cli.h"
#include "tools_opt.h"
#include "tools_run.h"
#include "top_out.h"

#define TOP_EX_USAGE 2

static void top_usage(FILE *f)
{
	fprintf(f,
		"usage: mdbus-top [options]\n"
		"Live health view of an mdbus bus: feedd, sessions, instruments.\n" TOOLS_BUS_USAGE
		"  -i, --interval DUR  refresh period and rate window (default 1s; \"0.5\", "
		"\"250ms\")\n"
		"      --delay DUR     old name of --interval (-d is now -i)\n"
		"      --once          print one plain-text snapshot and exit\n"
		"  -j, --json          print one JSON document and exit\n"
		"  -n, --count N       with --once/--json: N snapshots, one per interval\n"
		"      --max-age MS    heartbeat age still counted alive (default "
		"1000)\n" TOOLS_STD_USAGE
		"--once and --json wait one interval first: rates are measured over it.\n"
		"Keys: q quit, s cycle the sort column, i instruments, t sessions.\n"
		"Exit: 0 feed alive and all sessions healthy, 1 degraded/down/dead,\n"
		"      2 no bus or usage error.\n");
}

enum { TOP_MODE_TUI, TOP_MODE_ONCE, TOP_MODE_JSON };

struct top_opts {
	const char *bus;
	int64_t interval_ns;
	uint64_t count;
	uint64_t max_age; /* ms */
	int mode;	  /* TOP_MODE_... */
};

/* Returns 0 to go on, or 1 with the exit status in *status. */
static int top_parse_args(int argc, char **argv, struct top_opts *o, int *status)
{
	static const struct tools_cmd cmd = {"mdbus-top", MDBUS_VERSION, top_usage, TOP_EX_USAGE,
					     ""};
	const struct tools_opt opts[] = {
		{.name = "bus", .short_name = 'b', .kind = TOOLS_OPT_STR, .out = &o->bus},
		{.name = "interval",
		 .short_name = 'i',
		 .kind = TOOLS_OPT_DURATION,
		 .out = &o->interval_ns,
		 .min = 10000000,
		 .bad = "need a duration >= 10ms"},
		{.name = "delay",
		 .kind = TOOLS_OPT_DURATION,
		 .out = &o->interval_ns,
		 .min = 10000000,
		 .bad = "need a duration >= 10ms"},
		{.name = "once", .kind = TOOLS_OPT_SET, .out = &o->mode, .val = TOP_MODE_ONCE},
		{.name = "json",
		 .short_name = 'j',
		 .kind = TOOLS_OPT_SET,
		 .out = &o->mode,
		 .val = TOP_MODE_JSON},
		{.name = "count",
		 .short_name = 'n',
		 .kind = TOOLS_OPT_COUNT,
		 .out = &o->count,
		 .min = 1,
		 .max = 1000000,
		 .bad = "need 1..1000000"},
		{.name = "max-age",
		 .kind = TOOLS_OPT_COUNT,
		 .out = &o->max_age,
		 .min = 1,
		 .max = 3600000,
		 .bad = "need 1..3600000 ms"},
		TOOLS_OPT_STD_ROWS,
	};

	if (tools_opt_parse(&cmd, opts, sizeof(opts) / sizeof(opts[0]), argc, argv, status))
		return 1;
	if (optind < argc) {
		*status = tools_usage_error(&cmd, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	return 0;
}

/* The full-screen view; its exit status. */
static int top_run_tui(struct top_state *st, const struct top_opts *o)
{
	int rc = top_tui_run(st, o->interval_ns);

	if (rc == -ENOTTY)
		tools_error("mdbus-top", "not a terminal (use --once or --json)");
	else if (rc < 0)
		tools_error("mdbus-top", "%s", mdbus_strerror(rc));
	return rc < 0 ? 1 : 0;
}

/* --once / --json: count snapshots, one per interval; the last one's status. */
static int top_run_batch(struct top_state *st, const struct top_opts *o)
{
	/* A first sample, so the printed one has rates over a whole interval. */
	int64_t next = tools_now_ns(CLOCK_MONOTONIC) + o->interval_ns;
	int rc = top_state_sample(st), code = 0;

	for (uint64_t i = 0; i < o->count && rc >= 0; i++) {
		if (tools_sleep_until(CLOCK_MONOTONIC, next) == -EINTR)
			break;
		next += o->interval_ns;
		if ((rc = top_state_sample(st)) < 0)
			break;
		rc = o->mode == TOP_MODE_JSON ? top_print_json(stdout, st)
					      : top_print_text(stdout, st);
		if (o->mode == TOP_MODE_ONCE && i + 1 < o->count)
			printf("\n");
		code = top_snap_exit_code(&st->cur);
	}
	if (rc < 0) {
		tools_error("mdbus-top", "%s", mdbus_strerror(rc));
		code = 1;
	}
	return code;
}

int main(int argc, char **argv)
{
	struct top_opts o = {.interval_ns = 1000000000LL, .count = 1, .max_age = 1000};
	struct top_state st;
	char bus[MDBUS_BUS_NAME_MAX];
	int rc, code;

	if (top_parse_args(argc, argv, &o, &code))
		return code;
	if ((rc = tools_bus_resolve(o.bus, bus, sizeof(bus))) < 0) {
		tools_error("mdbus-top", "bad bus name: %s", mdbus_strerror(rc));
		return TOP_EX_USAGE;
	}
	tools_signals_init();
	rc = top_state_open(&st, bus, (int)o.max_age);
	if (rc < 0) {
		tools_error("mdbus-top", "bus %s: %s", bus, mdbus_strerror(rc));
		if (o.mode == TOP_MODE_JSON)
			top_print_json(stdout, &st);
		top_state_close(&st);
		return 2;
	}
	code = o.mode == TOP_MODE_TUI ? top_run_tui(&st, &o) : top_run_batch(&st, &o);
	top_state_close(&st);
	return code;
}
