/* SPDX-License-Identifier: MIT */
/*
 * mdbus-top: a live view of a bus's health region (feedd, sessions,
 * instruments) or a batch snapshot of it. Read-only: opens the bus with
 * mdbus_reader_open only.
 *
 * Exit status: 0 feed alive and every session healthy; 1 something is
 * degraded, down, dead or the health region is unreadable; 2 no bus;
 * 64 usage error. The full-screen view exits 0 on q.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools_cli.h"
#include "tools_run.h"
#include "top_out.h"

#define TOP_EX_USAGE	   64
#define TOP_RATE_WINDOW_NS 200000000LL /* batch: second sample for rates */

static void top_usage(FILE *f)
{
	fprintf(f,
		"usage: mdbus-top [options]\n"
		"Live health view of an mdbus bus: feedd, sessions, instruments.\n" TOOLS_BUS_USAGE
		"  -d, --delay SECONDS refresh period (default 1; \"0.5\", \"250ms\")\n"
		"      --once          print one plain-text snapshot and exit\n"
		"      --json          print one JSON document and exit\n"
		"  -n, --count N       with --once/--json: N snapshots, one per period\n"
		"      --max-age MS    heartbeat age still counted alive (default 1000)\n"
		"  -h, --help          this text\n"
		"      --version       print the version\n"
		"Keys: q quit, s cycle the sort column, i instruments, t sessions.\n"
		"Exit: 0 feed alive and all sessions healthy, 1 degraded/down/dead,\n"
		"      2 no bus, 64 usage error.\n");
}

int main(int argc, char **argv)
{
	enum { OPT_ONCE = 256, OPT_JSON, OPT_MAXAGE, OPT_VERSION };
	static const struct option opts[] = {
		{"bus", required_argument, NULL, 'b'},
		{"delay", required_argument, NULL, 'd'},
		{"once", no_argument, NULL, OPT_ONCE},
		{"json", no_argument, NULL, OPT_JSON},
		{"count", required_argument, NULL, 'n'},
		{"max-age", required_argument, NULL, OPT_MAXAGE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *bus_opt = NULL;
	int64_t delay_ns = 1000000000LL;
	uint64_t count = 1, max_age = 1000;
	int mode = 0, c, rc;
	char bus[MDBUS_BUS_NAME_MAX];

	while ((c = getopt_long(argc, argv, "b:d:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bus_opt = optarg;
			break;
		case 'd':
			if (tools_parse_duration(optarg, &delay_ns) < 0 || delay_ns < 10000000) {
				fprintf(stderr, "mdbus-top: -d %s: need a duration >= 10ms\n",
					optarg);
				return TOP_EX_USAGE;
			}
			break;
		case OPT_ONCE:
		case OPT_JSON:
			mode = c;
			break;
		case 'n':
			if (tools_parse_u64(optarg, 1000000, &count) < 0 || count == 0) {
				fprintf(stderr, "mdbus-top: --count %s: need 1..1000000\n", optarg);
				return TOP_EX_USAGE;
			}
			break;
		case OPT_MAXAGE:
			if (tools_parse_u64(optarg, 3600000, &max_age) < 0 || max_age == 0) {
				fprintf(stderr, "mdbus-top: --max-age %s: need 1..3600000 ms\n",
					optarg);
				return TOP_EX_USAGE;
			}
			break;
		case 'h':
			top_usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("mdbus-top %s\n", MDBUS_VERSION);
			return 0;
		default:
			top_usage(stderr);
			return TOP_EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mdbus-top: unexpected argument '%s'\n", argv[optind]);
		return TOP_EX_USAGE;
	}
	if ((rc = tools_bus_resolve(bus_opt, bus, sizeof(bus))) < 0) {
		fprintf(stderr, "mdbus-top: bad bus name: %s\n", mdbus_strerror(rc));
		return TOP_EX_USAGE;
	}
	tools_signals_init();

	struct top_state st;
	rc = top_state_open(&st, bus, (int)max_age);
	if (rc < 0) {
		fprintf(stderr, "mdbus-top: bus %s: %s\n", bus, mdbus_strerror(rc));
		if (mode == OPT_JSON)
			top_print_json(stdout, &st);
		top_state_close(&st);
		return 2;
	}

	int code = 0;
	if (mode == 0) {
		rc = top_tui_run(&st, delay_ns);
		if (rc == -ENOTTY)
			fprintf(stderr, "mdbus-top: not a terminal (use --once or --json)\n");
		else if (rc < 0)
			fprintf(stderr, "mdbus-top: %s\n", mdbus_strerror(rc));
		code = rc < 0 ? 1 : 0;
	} else {
		/* A first sample so the printed one has rates over a short window. */
		int64_t next = tools_now_ns(CLOCK_MONOTONIC) + TOP_RATE_WINDOW_NS;
		rc = top_state_sample(&st);
		for (uint64_t i = 0; i < count && rc >= 0; i++) {
			if (tools_sleep_until(CLOCK_MONOTONIC, next) == -EINTR)
				break;
			next += delay_ns;
			if ((rc = top_state_sample(&st)) < 0)
				break;
			rc = mode == OPT_JSON ? top_print_json(stdout, &st)
					      : top_print_text(stdout, &st);
			if (mode == OPT_ONCE && i + 1 < count)
				printf("\n");
			code = top_snap_exit_code(&st.cur);
		}
		if (rc < 0) {
			fprintf(stderr, "mdbus-top: %s\n", mdbus_strerror(rc));
			code = 1;
		}
	}
	top_state_close(&st);
	return code;
}
