/* SPDX-License-Identifier: MIT */
/*
 * mdbus-tail: prints the ticks of a bus, one per line, as aligned text or
 * JSON lines (the format mdbus-replay reads back; see tools_common's
 * tools_tick.h). Blocks in mdbus_reader_wait when idle (no busy spin),
 * reports laps on stderr with their size, and follows the bus across writer
 * restarts: when the writer stops, is replaced or dies, it says so and
 * attaches to the next writer's segment (new epoch) as soon as one appears
 * (mdbus_reader_follow: it sleeps meanwhile).
 *
 * Exit status: 0 after --count ticks, after --timeout, on SIGINT/SIGTERM, or
 * when stdout is closed (EPIPE); 1 on a runtime error; 2 on a usage error or
 * a bus that does not exist (unless --wait-bus).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tail_filter.h"
#include "tail_out.h"
#include "tools_cli.h"
#include "tools_opt.h"
#include "tools_run.h"
#include "tools_tick.h"

#define TAIL_BATCH   256
#define TAIL_IDLE_MS 1000 /* longest wait: liveness and signals are checked this often */

struct tail_opts {
	const char *bus;
	struct tail_filter filter;
	int json;
	int from_start;
	int wait_bus;
	uint64_t count;	    /* 0 = unlimited */
	int64_t timeout_ns; /* -1 = none */
};

struct tail_state {
	struct tail_opts o;
	char bus[MDBUS_BUS_NAME_MAX + 1];
	mdbus_reader *r;
	uint64_t epoch;
	int64_t deadline; /* CLOCK_MONOTONIC ns, INT64_MAX = none */
	uint64_t printed;
	uint64_t next_seq; /* the sequence we expect next; 0 = unknown (LATEST) */
	struct tail_cache cache;
	struct mdbus_tick ticks[TAIL_BATCH]; /* one read batch */
	uint64_t seqs[TAIL_BATCH];
	struct tail_out out; /* stdout */
};

static void tail_usage(FILE *f)
{
	fprintf(f, "usage: mdbus-tail [options]\n"
		   "Prints the ticks of an mdbus bus, one per line.\n\n" TOOLS_BUS_USAGE
		   "  -j, --json          JSON lines (the format mdbus-replay reads)\n"
		   "      --venue V[,V]   only these venues (repeatable)\n"
		   "      --symbol S[,S]  only these symbols, normalized or native (repeatable)\n"
		   "      --kind K[,K]    only these kinds: trade, bbo, l2, status (repeatable)\n"
		   "      --from-start    start at the oldest tick still in the ring\n"
		   "  -n, --count N       exit 0 after printing N ticks\n"
		   "      --timeout DUR   exit 0 after DUR (seconds, fractional ok, or 250ms...)\n"
		   "      --wait-bus      wait for the bus to appear instead of "
		   "failing\n" TOOLS_STD_USAGE "\n"
		   "Laps (ticks overwritten before they were read) and writer restarts are\n"
		   "reported on stderr; tail follows the bus to the next writer.\n"
		   "Exit: 0 done (count, timeout, signal, closed stdout); 1 runtime error;\n"
		   "2 usage error or no such bus (without --wait-bus).\n");
}

static const char *tail_opt_venue(void *filter, const char *arg)
{
	int rc = tail_filter_add_names(filter, 1, arg);

	return rc == 0 ? NULL : rc == -E2BIG ? "too many names" : "bad name list";
}

static const char *tail_opt_symbol(void *filter, const char *arg)
{
	int rc = tail_filter_add_names(filter, 0, arg);

	return rc == 0 ? NULL : rc == -E2BIG ? "too many names" : "bad name list";
}

static const char *tail_opt_kind(void *mask, const char *arg)
{
	return tools_parse_kinds(arg, mask) == 0 ? NULL
						 : "expected a list of trade, bbo, l2, status";
}

/* Returns 0 to go on, or 1 with the exit status in *status. */
static int tail_parse_args(int argc, char **argv, struct tail_opts *o, int *status)
{
	static const struct tools_cmd cmd = {"mdbus-tail", MDBUS_VERSION, tail_usage, 2, ""};
	const struct tools_opt opts[] = {
		{.name = "bus", .short_name = 'b', .kind = TOOLS_OPT_STR, .out = &o->bus},
		{.name = "json",
		 .short_name = 'j',
		 .kind = TOOLS_OPT_SET,
		 .out = &o->json,
		 .val = 1},
		{.name = "venue", .kind = TOOLS_OPT_FN, .out = &o->filter, .fn = tail_opt_venue},
		{.name = "symbol", .kind = TOOLS_OPT_FN, .out = &o->filter, .fn = tail_opt_symbol},
		{.name = "kind",
		 .kind = TOOLS_OPT_FN,
		 .out = &o->filter.kinds,
		 .fn = tail_opt_kind},
		{.name = "from-start", .kind = TOOLS_OPT_SET, .out = &o->from_start, .val = 1},
		{.name = "count",
		 .short_name = 'n',
		 .kind = TOOLS_OPT_COUNT,
		 .out = &o->count,
		 .min = 1,
		 .bad = "expected an integer >= 1"},
		{.name = "timeout",
		 .kind = TOOLS_OPT_DURATION,
		 .out = &o->timeout_ns,
		 .bad = "expected seconds (e.g. 2.5) or a duration (e.g. 500ms)"},
		{.name = "wait-bus", .kind = TOOLS_OPT_SET, .out = &o->wait_bus, .val = 1},
		TOOLS_OPT_STD_ROWS,
	};

	o->timeout_ns = -1;
	if (tools_opt_parse(&cmd, opts, sizeof(opts) / sizeof(opts[0]), argc, argv, status))
		return 1;
	if (optind < argc) {
		*status = tools_usage_error(&cmd, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	return 0;
}

/* Milliseconds to wait: at most `cap`, never past the deadline. */
static int tail_wait_ms(const struct tail_state *s, int cap)
{
	int64_t left;

	if (s->deadline == INT64_MAX)
		return cap;
	left = s->deadline - tools_now_ns(CLOCK_MONOTONIC);
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left < cap ? (int)left : cap;
}

static int tail_done(const struct tail_state *s)
{
	return tools_stop_requested() || tools_now_ns(CLOCK_MONOTONIC) >= s->deadline;
}

/* Per-segment state after (re-)attaching: instrument ids and sequence
 * numbers start over with every segment. Returns 0 or -errno (printed). */
static int tail_attached(struct tail_state *s, enum mdbus_start start)
{
	int rc = tail_cache_reset(&s->cache, s->r);

	if (rc < 0) {
		tools_error("mdbus-tail", "%s", mdbus_strerror(rc));
		return rc;
	}
	s->epoch = mdbus_reader_epoch(s->r);
	/* From the oldest tick, the stream should start at sequence 1: what
	 * the ring already overwrote before we attached is a gap too. */
	s->next_seq = start == MDBUS_START_OLDEST ? 1 : 0;
	return 0;
}

/*
 * Opens the reader. With --wait-bus a bus that does not exist yet (or is not
 * initialised yet) is waited for (mdbus_reader_follow, which sleeps).
 * Returns 0 attached, 1 gave up (deadline or signal), 2 fatal (printed).
 */
static int tail_open(struct tail_state *s)
{
	char err[256] = "";
	struct mdbus_reader_opts ro = {
		.bus = s->bus,
		.start = s->o.from_start ? MDBUS_START_OLDEST : MDBUS_START_LATEST,
		.errbuf = err,
		.errlen = sizeof(err),
		.flags = MDBUS_READER_REGISTER, /* mdbus-top shows our lag */
	};
	int rc;

	do {
		if (tail_done(s))
			return 1;
		rc = s->o.wait_bus ? mdbus_reader_follow(&s->r, &ro, tail_wait_ms(s, TAIL_IDLE_MS))
				   : mdbus_reader_open(&s->r, &ro);
	} while (rc == -ETIMEDOUT || rc == -EINTR);
	if (rc == 0 && !mdbus_reader_registered(s->r) && err[0])
		fprintf(stderr, "mdbus-tail: warning: %s\n", err); /* reads on, unlisted */
	if (rc == 0)
		return tail_attached(s, ro.start) < 0 ? 2 : 0;
	/* errbuf says it all when set; strerror otherwise */
	tools_error("mdbus-tail", "bus '%s': %s", s->bus, err[0] ? err : mdbus_strerror(rc));
	if (rc == -ENOENT)
		fprintf(stderr, "mdbus-tail: (start a writer such as feedd or "
				"mdbus-replay, or pass --wait-bus)\n");
	return 2;
}

/*
 * Explains why the stream stopped and waits for the next writer (a new
 * epoch) in mdbus_reader_follow, which sleeps until one takes the bus.
 * Returns 0 attached, 1 gave up (deadline or signal), 2 fatal.
 */
static int tail_follow(struct tail_state *s, int why)
{
	const char *what = why == -ESTALE	? "writer replaced"
			   : why == -ESHUTDOWN	? "writer stopped"
			   : why == -EOWNERDEAD ? "writer died"
						: mdbus_strerror(why);
	char err[256] = "";
	struct mdbus_reader_opts ro = {.errbuf = err, .errlen = sizeof(err)};
	int rc;

	fprintf(stderr, "mdbus-tail: bus '%s': %s; waiting for a new writer\n", s->bus, what);
	for (;;) {
		if (tail_done(s))
			return 1;
		rc = mdbus_reader_follow(&s->r, &ro, tail_wait_ms(s, TAIL_IDLE_MS));
		if (rc == 0)
			break;
		if (rc != -ETIMEDOUT && rc != -EINTR) /* a new segment we cannot use */
			fprintf(stderr, "mdbus-tail: bus '%s': %s; still waiting\n", s->bus,
				err[0] ? err : mdbus_strerror(rc));
	}
	if (tail_attached(s, MDBUS_START_OLDEST) < 0)
		return 2;
	fprintf(stderr, "mdbus-tail: bus '%s': attached to a new writer (epoch %016" PRIx64 ")\n",
		s->bus, s->epoch);
	return 0;
}

/* Reports ticks lost before and inside this batch, one line per jump in
 * the sequence: one read may be lapped more than once (a slow reader
 * behind a fast writer), and the library's count is their sum. The jumps
 * also count what the ring overwrote before we attached. A batch that
 * read nothing reports the library's count (the cursor moved past it). */
static void tail_account(struct tail_state *s, const uint64_t *seqs, int n, uint64_t missed)
{
	if (n <= 0) {
		if (missed) {
			fprintf(stderr, "mdbus-tail: gap: %" PRIu64 " ticks missed\n", missed);
			if (s->next_seq)
				s->next_seq += missed;
		}
		return;
	}
	uint64_t want = s->next_seq ? s->next_seq : seqs[0]; /* 0: started at LATEST */
	for (int i = 0; i < n; i++) {
		if (seqs[i] > want)
			fprintf(stderr, "mdbus-tail: gap: %" PRIu64 " ticks missed\n",
				seqs[i] - want);
		want = seqs[i] + 1;
	}
	s->next_seq = want;
}

/* Formats and writes one batch. Returns 0 to go on, 1 when --count was
 * reached or stdout is gone, -errno on a write error. */
static int tail_print(struct tail_state *s, const struct mdbus_tick *t, const uint64_t *seqs, int n)
{
	char line[TOOLS_TICK_LINE_MAX];
	const struct mdbus_instrument *in;
	int len, rc, done = 0;

	for (int i = 0; i < n; i++) {
		rc = tail_cache_match(&s->cache, s->r, &s->o.filter, &t[i], &in);
		if (rc == 0)
			continue;
		if (rc < 0) {
			fprintf(stderr,
				"mdbus-tail: tick %" PRIu64 ": unknown instrument %" PRIu32
				", skipped\n",
				seqs[i], t[i].instrument);
			continue;
		}
		len = s->o.json ? tools_tick_json(&t[i], seqs[i], in, line, sizeof(line))
				: tools_tick_text(&t[i], seqs[i], in, line, sizeof(line));
		if (len < 0) {
			fprintf(stderr, "mdbus-tail: tick %" PRIu64 ": %s, skipped\n", seqs[i],
				mdbus_strerror(len));
			continue;
		}
		line[len++] = '\n';
		rc = tail_out_line(&s->out, line, (size_t)len);
		if (rc)
			return rc;
		if (s->o.count && ++s->printed >= s->o.count) {
			done = 1;
			break;
		}
	}
	/* One flush per batch: pipes see ticks promptly without a write per
	 * line when the bus is busy. */
	rc = tail_out_flush(&s->out);
	if (rc)
		return rc;
	return done;
}

static int tail_run(struct tail_state *s)
{
	uint64_t missed;
	int n, rc, ended = 0; /* why the writer is gone, once we know */

	for (;;) {
		if (tail_done(s))
			return 0;
		missed = 0;
		n = mdbus_reader_read(s->r, s->ticks, s->seqs, TAIL_BATCH, &missed);
		if (n >= 0)
			tail_account(s, s->seqs, n, missed);
		if (n > 0) {
			rc = tail_print(s, s->ticks, s->seqs, n);
			if (rc < 0)
				tools_error("mdbus-tail", "stdout: %s", strerror(-rc));
			if (rc != 0)
				return rc > 0 ? 0 : 1;
			continue;
		}
		if (n == 0 && ended)
			n = ended; /* the writer is gone and its last tick was read */
		if (n == 0) {
			/* A writer killed while idle is noticed here too: the
			 * wait asks its name lock when it times out. */
			rc = mdbus_reader_wait(s->r, tail_wait_ms(s, TAIL_IDLE_MS));
			if (rc == -ESTALE || rc == -ESHUTDOWN || rc == -EOWNERDEAD) {
				/* Read once more before following: ticks published
				 * just before the writer went are still ours. */
				ended = rc;
				continue;
			}
			if (rc == 0 || rc == -EINTR || rc == -ETIMEDOUT)
				continue;
			n = rc;
		}
		if (n == -ESTALE || n == -ESHUTDOWN || n == -EOWNERDEAD) {
			ended = 0;
			rc = tail_follow(s, n);
			if (rc == 0)
				continue;
			return rc == 1 ? 0 : 1;
		}
		tools_error("mdbus-tail", "bus '%s': %s", s->bus, mdbus_strerror(n));
		return 1;
	}
}

int main(int argc, char **argv)
{
	static struct tail_state s; /* zeroed; big enough to keep off the stack */
	int rc;

	if (tail_parse_args(argc, argv, &s.o, &rc))
		return rc;
	rc = tools_bus_resolve(s.o.bus, s.bus, sizeof(s.bus));
	if (rc < 0) {
		tools_error("mdbus-tail", "bad bus name '%s': %s",
			    s.o.bus ? s.o.bus : getenv(MDBUS_BUS_ENV), mdbus_strerror(rc));
		return 2;
	}
	rc = tools_signals_init();
	if (rc < 0) {
		tools_error("mdbus-tail", "signals: %s", mdbus_strerror(rc));
		return 1;
	}
	s.out.fd = STDOUT_FILENO;
	s.deadline =
		s.o.timeout_ns < 0 ? INT64_MAX : tools_now_ns(CLOCK_MONOTONIC) + s.o.timeout_ns;
	rc = tail_open(&s);
	if (rc == 0)
		rc = tail_run(&s);
	else if (rc == 1)
		rc = 0; /* --wait-bus ran into --timeout or a signal */
	mdbus_reader_close(s.r);
	tail_cache_free(&s.cache);
	return rc;
}
