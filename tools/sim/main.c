/* SPDX-License-Identifier: MIT */
/*
 * main.c: mdbus-sim command line: serve (--listen), make test certificates
 * (--make-certs) or send one control command (--ctl).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdbus_units.h"
#include "sim.h"
#include "tools_opt.h"

/* The venues --venue knows, from the dialect table. */
static void main_usage_venues(FILE *f)
{
	fprintf(f, "\nVenues (--venue NAME: the upgrade paths it serves):\n");
	for (size_t i = 0; sim_dialect_get(i); i++)
		fprintf(f, "  %-10s %s\n", sim_dialect_get(i)->name, sim_dialect_get(i)->paths);
}

/* Long: one fprintf of the whole usage text, kept in the order --help prints it */
static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: mdbus-sim --listen HOST:PORT [--venue NAME] [--listen ... --venue ...]\n"
		"                 [--cert FILE --key FILE | --plain] [--rate N] [--symbols "
		"BTC-USDT,ETH-USDT]\n"
		"                 [--control PATH] [--replay FILE] [--ping-interval DUR] [--seed "
		"N]\n"
		"                 [--numbered | --stamp] [--record FILE]\n"
		"       mdbus-sim --make-certs DIR\n"
		"       mdbus-sim --ctl PATH COMMAND [ARGS...]\n"
		"\n"
		"A TLS WebSocket exchange simulator for tests and demos; one process serves\n"
		"several venues on several ports.\n"
		"  -l, --listen HOST:PORT   port 0 picks one; prints \"listening HOST:PORT\" on "
		"stdout\n"
		"                       (one line per --listen, in order); may repeat\n"
		"      --cert FILE          server certificate (PEM)\n"
		"      --key FILE           its private key (PEM)\n"
		"      --venue NAME         the dialect of the i-th --listen (default binance; "
		"Venues below)\n"
		"  -r, --rate N             events/s per subscribed symbol-stream (default 10; 1k "
		"ok);\n"
		"                       with --replay: replay lines/s\n"
		"      --symbols LIST       the only valid symbols (default: any plausible one)\n"
		"      --control PATH       unix socket for fault injection (see --ctl PATH help;\n"
		"                           -c is no longer a short name for it)\n"
		"      --replay FILE        send these raw messages (one a line) in a loop\n"
		"      --ping-interval DUR  server WebSocket pings (default 20s; 300ms, 1.5m...)\n"
		"      --plain              no TLS (ws://)\n"
		"      --seed N             random seed (default: time and pid)\n"
		"      --numbered           trade ids are (connection id << 32) | n, n = 1, 2, "
		"3...\n"
		"                       per connection and symbol (a reader checks order, loss)\n"
		"      --stamp              trade ids are the CLOCK_REALTIME ns of sending (the\n"
		"                       message's print, right before it is encrypted and sent)\n"
		"      --record FILE        one JSON line per trade/BBO/depth message sent to a "
		"client\n"
		"      --make-certs DIR     ca.pem, server.{pem,key} (localhost, 127.0.0.1, ::1), "
		"and\n"
		"                       expired, wronghost, selfsigned .{pem,key} for fault tests\n"
		"      --ctl PATH COMMAND   send COMMAND to a running simulator's --control "
		"socket\n"
		"  -h, --help               this text\n"
		"  -V, --version            print the version and exit\n"
		"\n"
		"Control commands (--ctl PATH CMD, or one line each on the --control socket):\n"
		"  close [CODE]   WebSocket close of every client (default 1000)\n"
		"  reset          TCP RST of every client (SO_LINGER 0)\n"
		"  stall          current clients: send nothing, read nothing (half-open)\n"
		"  noping         current clients: do not answer pings (data continues)\n"
		"  silent         current clients: answer pings but send no market data\n"
		"  refuse STATUS [RETRY_AFTER]   answer future upgrades with STATUS\n"
		"  badaccept      future upgrades get a wrong Sec-WebSocket-Accept\n"
		"  delay_handshake MS            hold future upgrade responses back MS\n"
		"  badjson | badprecision | oversize BYTES   send one bad message\n"
		"  blackhole      current clients: stalled, and their close is never noticed\n"
		"                 (no FIN, no RST: the socket is held 30 s)\n"
		"  badframe rsv|opcode|masked   one invalid frame to every client\n"
		"  hugeframe      a frame header claiming 2^63-1 bytes\n"
		"  badutf8        a text frame that is not UTF-8\n"
		"  fragments N    the next trade as one message in N frames\n"
		"  pingflood N    N pings to every client\n"
		"  endless_headers  future upgrades: header lines forever, never the end\n"
		"  restart MS     close every connection and the listener, listen again after MS\n"
		"  badcert expired|wronghost|selfsigned   future TLS handshakes use that\n"
		"                 certificate (from --cert's directory)\n"
		"  rate N | stats | normal (clears every fault) | help\n"
		"  on LISTENER CMD  CMD acts on one listener's clients only (LISTENER: its\n"
		"                 index in --listen order, or its venue name); handshake\n"
		"                 faults and rate act on every listener\n"
		"SIGTERM or SIGINT: closes every connection and exits 0.\n");
	main_usage_venues(f);
}

/* "+": the words after --ctl PATH are its command, not options */
static const struct tools_cmd main_cmd = {"mdbus-sim", MDBUS_VERSION, main_usage, 2, "+"};

struct main_args {
	struct sim_options o;
	int64_t ping_ns;
	const char *make; /* --make-certs DIR */
	const char *ctl;  /* --ctl PATH */
};

/* --listen and --venue may repeat: the i-th --venue goes with the i-th
 * --listen, whatever their order. */
static const char *main_opt_listen(void *out, const char *arg)
{
	struct sim_options *o = out;

	if (o->nlisten >= SIM_MAX_LISTENERS)
		return "too many listeners";
	o->listen[o->nlisten++] = arg;
	return NULL;
}

static const char *main_opt_venue(void *out, const char *arg)
{
	struct sim_options *o = out;

	if (!sim_dialect_find(arg))
		return "not a simulated venue (see --help)";
	if (o->nvenue >= SIM_MAX_LISTENERS)
		return "too many venues";
	o->venue[o->nvenue++] = arg;
	return NULL;
}

static const char *main_opt_rate(void *rate, const char *arg)
{
	uint64_t v;

	if (mdbus_units_parse_count(arg, 1000000000, &v) < 0)
		return "expected events/s from 0 to 1G";
	*(double *)rate = (double)v;
	return NULL;
}

/* Returns 0 to go on, or 1 with the exit status in *status. */
static int main_parse_args(int argc, char **argv, struct main_args *a, int *status)
{
	struct sim_options *o = &a->o;
	const struct tools_opt opts[] = {
		{.name = "listen",
		 .short_name = 'l',
		 .kind = TOOLS_OPT_FN,
		 .out = o,
		 .fn = main_opt_listen},
		{.name = "cert", .kind = TOOLS_OPT_STR, .out = &o->cert},
		{.name = "key", .kind = TOOLS_OPT_STR, .out = &o->key},
		{.name = "venue", .kind = TOOLS_OPT_FN, .out = o, .fn = main_opt_venue},
		{.name = "rate",
		 .short_name = 'r',
		 .kind = TOOLS_OPT_FN,
		 .out = &o->rate,
		 .fn = main_opt_rate},
		{.name = "symbols", .kind = TOOLS_OPT_STR, .out = &o->symbols},
		{.name = "control", .kind = TOOLS_OPT_STR, .out = &o->control},
		{.name = "replay", .kind = TOOLS_OPT_STR, .out = &o->replay},
		{.name = "record", .kind = TOOLS_OPT_STR, .out = &o->record},
		{.name = "plain", .kind = TOOLS_OPT_SET, .out = &o->plain, .val = 1},
		{.name = "numbered", .kind = TOOLS_OPT_SET, .out = &o->numbered, .val = 1},
		{.name = "stamp", .kind = TOOLS_OPT_SET, .out = &o->stamp, .val = 1},
		{.name = "ping-interval",
		 .kind = TOOLS_OPT_DURATION,
		 .out = &a->ping_ns,
		 .min = 1000000,
		 .bad = "bad duration"},
		{.name = "seed",
		 .kind = TOOLS_OPT_COUNT,
		 .out = &o->seed,
		 .bad = "expected an integer"},
		{.name = "make-certs", .kind = TOOLS_OPT_STR, .out = &a->make},
		{.name = "ctl", .kind = TOOLS_OPT_STR, .out = &a->ctl},
		TOOLS_OPT_STD_ROWS,
	};

	if (tools_opt_parse(&main_cmd, opts, sizeof(opts) / sizeof(opts[0]), argc, argv, status))
		return 1;
	o->ping_interval_ms = a->ping_ns / 1000000;
	return 0;
}

/* --listen: checks the options, then serves until a signal; exit status. */
static int main_serve(const struct sim_options *o)
{
	static struct sim_server srv; /* large (buffers): not on the stack */
	char err[512];
	int r;

	if (o->nvenue > o->nlisten)
		return tools_usage_error(&main_cmd,
					 "%d --venue for %d --listen: one each, in order",
					 o->nvenue, o->nlisten);
	if (o->numbered && o->stamp)
		return tools_usage_error(&main_cmd, "--numbered and --stamp both set the trade id");
	if (!o->plain && (!o->cert || !o->key))
		return tools_usage_error(&main_cmd, "--cert and --key are required (or --plain)");
	r = sim_server_init(&srv, o, err, sizeof(err));
	if (r < 0) {
		tools_error("mdbus-sim", "%s", err);
		sim_server_free(&srv);
		return 1;
	}
	r = sim_server_run(&srv);
	sim_server_free(&srv);
	return r;
}

static int main_make_certs(const char *dir)
{
	char err[512];

	if (sim_certs_make(dir, err, sizeof(err)) < 0) {
		tools_error("mdbus-sim", "--make-certs: %s", err);
		return 1;
	}
	printf("certificates written to %s\n", dir);
	return 0;
}

int main(int argc, char **argv)
{
	struct main_args a = {
		.o = {.rate = 10},
		.ping_ns = 20000000000LL,
	};
	int status;

	a.o.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (main_parse_args(argc, argv, &a, &status))
		return status;
	if (a.ctl) {
		if (optind >= argc)
			return tools_usage_error(&main_cmd, "--ctl PATH needs a COMMAND");
		return sim_control_client(a.ctl, argc - optind, argv + optind);
	}
	if (a.make)
		return main_make_certs(a.make);
	if (optind < argc)
		return tools_usage_error(&main_cmd, "unexpected argument '%s'", argv[optind]);
	if (a.o.nlisten == 0)
		return tools_usage_error(&main_cmd,
					 "nothing to do: --listen, --make-certs or --ctl");
	return main_serve(&a.o);
}
