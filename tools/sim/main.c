/* SPDX-License-Identifier: MIT */
/*
 * main.c: mdbus-sim command line: serve (--listen), make test certificates
 * (--make-certs) or send one control command (--ctl).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: mdbus-sim --listen HOST:PORT [--cert FILE --key FILE | --plain]\n"
		"                 [--venue binance] [--rate N] [--symbols BTC-USDT,ETH-USDT]\n"
		"                 [--control PATH] [--replay FILE] [--ping-interval DUR] [--seed "
		"N]\n"
		"       mdbus-sim --make-certs DIR\n"
		"       mdbus-sim --ctl PATH COMMAND [ARGS...]\n"
		"\n"
		"A TLS WebSocket exchange simulator (Binance spot dialect) for tests and demos.\n"
		"  --listen HOST:PORT   port 0 picks one; prints \"listening HOST:PORT\" on "
		"stdout\n"
		"  --rate N             events/s per subscribed symbol-stream (default 10);\n"
		"                       with --replay: replay lines/s\n"
		"  --symbols LIST       the only valid symbols (default: any plausible one)\n"
		"  --control PATH       unix socket for fault injection (see --ctl PATH help)\n"
		"  --replay FILE        send these raw messages (one a line) in a loop\n"
		"  --ping-interval DUR  server WebSocket pings (default 20s; ms/s/m suffixes)\n"
		"  --plain              no TLS (ws://)\n"
		"  --make-certs DIR     ca.pem, server.{pem,key} (localhost, 127.0.0.1, ::1), and\n"
		"                       expired, wronghost, selfsigned .{pem,key} for fault tests\n"
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
		"  rate N | stats | normal (clears every fault) | help\n"
		"SIGTERM or SIGINT: closes every connection and exits 0.\n");
}

/* "250ms", "2s", "1m", "5" (seconds). Returns ms or -1. */
static int64_t main_duration_ms(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		return (int64_t)v;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return (int64_t)(v * 1000);
	if (strcmp(end, "m") == 0)
		return (int64_t)(v * 60000);
	return -1;
}

int main(int argc, char **argv)
{
	enum {
		O_CERT = 256,
		O_KEY,
		O_VENUE,
		O_SYMBOLS,
		O_REPLAY,
		O_PLAIN,
		O_PING,
		O_SEED,
		O_MAKE,
		O_CTL,
		O_VERSION
	};
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
					     {"cert", required_argument, NULL, O_CERT},
					     {"key", required_argument, NULL, O_KEY},
					     {"venue", required_argument, NULL, O_VENUE},
					     {"rate", required_argument, NULL, 'r'},
					     {"symbols", required_argument, NULL, O_SYMBOLS},
					     {"control", required_argument, NULL, 'c'},
					     {"replay", required_argument, NULL, O_REPLAY},
					     {"plain", no_argument, NULL, O_PLAIN},
					     {"ping-interval", required_argument, NULL, O_PING},
					     {"seed", required_argument, NULL, O_SEED},
					     {"make-certs", required_argument, NULL, O_MAKE},
					     {"ctl", required_argument, NULL, O_CTL},
					     {"help", no_argument, NULL, 'h'},
					     {"version", no_argument, NULL, O_VERSION},
					     {NULL, 0, NULL, 0}};
	struct sim_options o = {.venue = "binance", .rate = 10, .ping_interval_ms = 20000};
	static struct sim_server srv; /* large (buffers): not on the stack */
	const char *make = NULL, *ctl = NULL;
	char err[512];
	char *end;
	int c, r;

	o.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt_long(argc, argv, "+l:r:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.listen = optarg;
			break;
		case O_CERT:
			o.cert = optarg;
			break;
		case O_KEY:
			o.key = optarg;
			break;
		case O_VENUE:
			o.venue = optarg;
			break;
		case 'r':
			o.rate = strtod(optarg, &end);
			if (*end || o.rate < 0) {
				fprintf(stderr, "mdbus-sim: --rate %s: not a number >= 0\n",
					optarg);
				return 2;
			}
			break;
		case O_SYMBOLS:
			o.symbols = optarg;
			break;
		case 'c':
			o.control = optarg;
			break;
		case O_REPLAY:
			o.replay = optarg;
			break;
		case O_PLAIN:
			o.plain = 1;
			break;
		case O_PING:
			o.ping_interval_ms = main_duration_ms(optarg);
			if (o.ping_interval_ms <= 0) {
				fprintf(stderr, "mdbus-sim: --ping-interval %s: bad duration\n",
					optarg);
				return 2;
			}
			break;
		case O_SEED:
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case O_MAKE:
			make = optarg;
			break;
		case O_CTL:
			ctl = optarg;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case O_VERSION:
			printf("mdbus-sim %s\n", MDBUS_VERSION);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (ctl) {
		if (optind >= argc) {
			fprintf(stderr, "mdbus-sim: --ctl PATH needs a COMMAND\n");
			return 2;
		}
		return sim_control_client(ctl, argc - optind, argv + optind);
	}
	if (make) {
		r = sim_certs_make(make, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "mdbus-sim: --make-certs: %s\n", err);
			return 1;
		}
		printf("certificates written to %s\n", make);
		return 0;
	}
	if (optind < argc || !o.listen) {
		main_usage(stderr);
		return 2;
	}
	if (strcmp(o.venue, "binance") != 0) {
		fprintf(stderr, "mdbus-sim: --venue %s: only binance is simulated\n", o.venue);
		return 2;
	}
	if (!o.plain && (!o.cert || !o.key)) {
		fprintf(stderr, "mdbus-sim: --cert and --key are required (or --plain)\n");
		return 2;
	}
	r = sim_server_init(&srv, &o, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "mdbus-sim: %s\n", err);
		sim_server_free(&srv);
		return 1;
	}
	r = sim_server_run(&srv);
	sim_server_free(&srv);
	return r;
}
