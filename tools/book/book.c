/* SPDX-License-Identifier: MIT */
/*
 * mdbus-book: one instrument's order book from the bus's book region
 * (mdbus_book_read). A live ladder on a terminal, redrawn when the book
 * changes (q or Ctrl-C exits); --once prints one text ladder, --json one
 * JSON object (book.h), both then exit.
 *
 * Exit status: 0 the book is live; 1 it is resyncing, stale, down, empty or
 * on REST fallback (or a runtime error); 2 no such bus, no such instrument,
 * no book for it, or a usage error. The live view exits 0 on q or a signal.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "book.h"
#include "tools_cli.h"
#include "tools_opt.h"
#include "tools_run.h"

#define BOOK_EX_USAGE 2
#define BOOK_RETRIES  10000 /* mdbus_book_read -EAGAIN retries before giving up */

struct book_opts {
	const char *bus;
	const char *venue;
	const char *symbol;
	uint64_t depth; /* 0 = every level the book keeps */
	int64_t interval_ns;
	int json, once;
};

struct book_state {
	struct book_opts o;
	char bus[MDBUS_BUS_NAME_MAX + 1];
	mdbus_reader *r;
	uint32_t id;
	struct mdbus_instrument in;
	struct mdbus_book_snapshot snap;
};

static void book_usage(FILE *f)
{
	fprintf(f, "usage: mdbus-book [options] --venue VENUE SYMBOL\n"
		   "Shows one instrument's order book from an mdbus bus.\n\n" TOOLS_BUS_USAGE
		   "      --venue VENUE   the instrument's venue (required)\n"
		   "  -j, --json          print one JSON object and exit\n"
		   "      --once          print one text ladder and exit\n"
		   "      --depth N       levels per side (default: all the bus keeps; the\n"
		   "                      live view also fits the terminal)\n"
		   "  -i, --interval DUR  live view: how often to look for a change (default "
		   "100ms)\n" TOOLS_STD_USAGE "\n"
		   "SYMBOL is the normalized symbol (BTC-USDT) or the venue's own (BTCUSDT).\n"
		   "Keys (live view): q quit.\n"
		   "Exit: 0 book live; 1 resyncing, stale, down, empty or REST fallback;\n"
		   "2 no such bus, instrument or book, or a usage error.\n");
}

/* Returns 0 to go on, or 1 with the exit status in *status. */
static int book_parse_args(int argc, char **argv, struct book_opts *o, int *status)
{
	static const struct tools_cmd cmd = {"mdbus-book", MDBUS_VERSION, book_usage, BOOK_EX_USAGE,
					     ""};
	const struct tools_opt opts[] = {
		{.name = "bus", .short_name = 'b', .kind = TOOLS_OPT_STR, .out = &o->bus},
		{.name = "venue", .kind = TOOLS_OPT_STR, .out = &o->venue},
		{.name = "json",
		 .short_name = 'j',
		 .kind = TOOLS_OPT_SET,
		 .out = &o->json,
		 .val = 1},
		{.name = "once", .kind = TOOLS_OPT_SET, .out = &o->once, .val = 1},
		{.name = "depth",
		 .kind = TOOLS_OPT_COUNT,
		 .out = &o->depth,
		 .min = 1,
		 .max = MDBUS_BOOK_LEVELS_MAX,
		 .bad = "need 1..1000"},
		{.name = "interval",
		 .short_name = 'i',
		 .kind = TOOLS_OPT_DURATION,
		 .out = &o->interval_ns,
		 .min = 10000000,
		 .bad = "need a duration >= 10ms"},
		TOOLS_OPT_STD_ROWS,
	};

	if (tools_opt_parse(&cmd, opts, sizeof(opts) / sizeof(opts[0]), argc, argv, status))
		return 1;
	if (optind >= argc) {
		*status = tools_usage_error(&cmd, "missing SYMBOL");
		return 1;
	}
	if (optind + 1 < argc) {
		*status = tools_usage_error(&cmd, "unexpected argument '%s'", argv[optind + 1]);
		return 1;
	}
	if (!o->venue || !o->venue[0]) {
		*status = tools_usage_error(&cmd, "--venue is required");
		return 1;
	}
	o->symbol = argv[optind];
	return 0;
}

/* The instrument by normalized symbol, else by the venue's own name.
 * Returns 0 with s->id and s->in, or -ENOENT. */
static int book_lookup(struct book_state *s)
{
	uint32_t n = mdbus_reader_instrument_count(s->r);

	if (mdbus_reader_lookup(s->r, s->o.venue, s->o.symbol, &s->id) == 0)
		return mdbus_reader_instrument(s->r, s->id, &s->in);
	for (uint32_t i = 0; i < n; i++) {
		if (mdbus_reader_instrument(s->r, i, &s->in) < 0)
			continue;
		if (strcmp(s->in.venue, s->o.venue) == 0 &&
		    strcmp(s->in.native, s->o.symbol) == 0) {
			s->id = i;
			return 0;
		}
	}
	return -ENOENT;
}

/* A consistent copy of the book; -EAGAIN only after many busy retries. */
static int book_read(struct book_state *s)
{
	int rc = -EAGAIN;

	for (int i = 0; i < BOOK_RETRIES && rc == -EAGAIN; i++) {
		rc = mdbus_book_read(s->r, s->id, (uint32_t)s->o.depth, &s->snap);
		if (rc == -EAGAIN)
			sched_yield();
	}
	return rc;
}

/* Opens the bus, finds the instrument and reads its book once. Returns 0,
 * or the exit status after printing why (2: no bus, instrument or book). */
static int book_open(struct book_state *s)
{
	char err[256] = "";
	struct mdbus_reader_opts ro = {.bus = s->bus, .errbuf = err, .errlen = sizeof(err)};
	int rc = mdbus_reader_open(&s->r, &ro);

	if (rc < 0) {
		tools_error("mdbus-book", "bus '%s': %s", s->bus,
			    err[0] ? err : mdbus_strerror(rc));
		return 2;
	}
	if (book_lookup(s) < 0) {
		tools_error("mdbus-book", "bus '%s' has no instrument %s %s", s->bus, s->o.venue,
			    s->o.symbol);
		return 2;
	}
	rc = book_read(s);
	if (rc == -ENOENT) {
		tools_error("mdbus-book", "bus '%s' keeps no book for %s %s", s->bus, s->o.venue,
			    s->o.symbol);
		return 2;
	}
	if (rc < 0) {
		tools_error("mdbus-book", "%s %s: %s", s->o.venue, s->o.symbol, mdbus_strerror(rc));
		return 1;
	}
	return 0;
}

static int book_exit_code(const struct mdbus_book_snapshot *snap)
{
	return snap->status == MDBUS_BOOK_LIVE ? 0 : 1;
}

/* Levels per side that fit the terminal under the header (6 lines). */
static uint32_t book_fit(uint64_t depth)
{
	struct winsize ws;
	uint32_t rows = 24, fit;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		rows = ws.ws_row;
	fit = rows > 10 ? (rows - 7) / 2 : 1;
	return depth && depth < fit ? (uint32_t)depth : fit;
}

/* One frame: home, clear, the ladder. Returns 0 or -EIO. */
static int book_frame(struct book_state *s, int rc)
{
	fputs("\033[H\033[2J", stdout);
	if (rc < 0) {
		printf("%s %s: %s\n", s->in.venue, s->in.symbol, mdbus_strerror(rc));
		return fflush(stdout) == 0 ? 0 : -EIO;
	}
	return book_print_text(stdout, &s->in, &s->snap, book_fit(s->o.depth));
}

/* Waits up to timeout_ms; 1 when a 'q' arrived on the terminal (or it
 * closed). Standard input that is not a terminal is not read: the view
 * then stops on a signal only. */
static int book_key_quit(int tty, int timeout_ms)
{
	struct pollfd p = {.fd = tty ? STDIN_FILENO : -1, .events = POLLIN};
	char c[16];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
		return 0;
	n = read(STDIN_FILENO, c, sizeof(c));
	if (n <= 0)
		return 1;
	return memchr(c, 'q', (size_t)n) != NULL || memchr(c, 'Q', (size_t)n) != NULL;
}

/* The writer is gone: follow its successor (the id may differ there). */
static void book_reattach(struct book_state *s)
{
	uint64_t old = mdbus_reader_epoch(s->r);

	if (mdbus_reader_reattach(s->r) == 0 && mdbus_reader_epoch(s->r) != old)
		if (book_lookup(s) < 0)
			s->id = UINT32_MAX; /* reads say -EINVAL until it is back */
}

/* The live view's loop: redraw when the version, status or error changes. */
static int book_loop(struct book_state *s, int tty)
{
	uint64_t shown_version = UINT64_MAX;
	uint32_t shown_status = UINT32_MAX;
	int shown_rc = 1, rc = 0;
	int wait_ms = (int)(s->o.interval_ns / 1000000);

	for (;;) {
		if (rc != shown_rc || (rc == 0 && (s->snap.version != shown_version ||
						   s->snap.status != shown_status))) {
			if (book_frame(s, rc) < 0)
				return 1;
			shown_rc = rc;
			shown_version = s->snap.version;
			shown_status = s->snap.status;
		}
		if (book_key_quit(tty, wait_ms) || tools_stop_requested())
			return 0;
		if (mdbus_reader_writer_alive(s->r) != 1)
			book_reattach(s);
		rc = s->id == UINT32_MAX && book_lookup(s) < 0 ? -ENOENT : book_read(s);
	}
}

/* The live view: the terminal in raw mode (keys without Enter, no echo),
 * restored on every exit path. */
static int book_live(struct book_state *s)
{
	struct termios old, raw;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	int rc;

	if (!isatty(STDOUT_FILENO)) {
		tools_error("mdbus-book", "not a terminal (use --once or --json)");
		return 1;
	}
	if (tty) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, no cursor */
	rc = book_loop(s, tty);
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
	return rc;
}

int main(int argc, char **argv)
{
	static struct book_state s; /* the snapshot is 32 KiB: off the stack */
	int rc;

	s.o.interval_ns = 100000000;
	if (book_parse_args(argc, argv, &s.o, &rc))
		return rc;
	rc = tools_bus_resolve(s.o.bus, s.bus, sizeof(s.bus));
	if (rc < 0) {
		tools_error("mdbus-book", "bad bus name '%s': %s",
			    s.o.bus ? s.o.bus : getenv(MDBUS_BUS_ENV), mdbus_strerror(rc));
		return 2;
	}
	tools_signals_init();
	rc = book_open(&s);
	if (rc == 0 && s.o.json)
		rc = book_print_json(stdout, &s.in, &s.snap, 0) < 0 ? 1 : book_exit_code(&s.snap);
	else if (rc == 0 && s.o.once)
		rc = book_print_text(stdout, &s.in, &s.snap, 0) < 0 ? 1 : book_exit_code(&s.snap);
	else if (rc == 0)
		rc = book_live(&s);
	mdbus_reader_close(s.r);
	return rc;
}
