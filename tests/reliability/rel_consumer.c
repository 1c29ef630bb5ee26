/* SPDX-License-Identifier: MIT */
/*
 * rel_consumer: a strategy-like consumer for the reliability tests. Reads bus
 * NAME continuously with the public API only, gates on the health calls, and
 * re-attaches whenever the library says so or the feed is dead. Prints one
 * line per event on stdout, each with t=<CLOCK_MONOTONIC ns>:
 *
 *   attach t= epoch=E             opened / re-attached (new or same segment)
 *   tick t= epoch=E seq=S         first tick after each attach
 *   health t= healthy=0|1         the gate flipped (session_healthy, or the
 *                                 writer's lock when SESSION is "-")
 *   instr t= status=NAME          mdbus_health_instr_status changed
 *   err t= rc=N                   a read or wait error (-ESTALE, -EBADMSG...)
 *   stat t= cpu_ns= ticks= epoch= maxcall_ns=   every 100 ms
 *   end ...                       the same figures, on SIGTERM (exit 0)
 *
 * Every loop turn runs under alarm(GUARD_S): a library call that does not
 * return kills us (SIGALRM), as would a SIGBUS: the driver sees the signal.
 * maxcall_ns is the longest single library call seen.
 *
 * Usage: rel_consumer BUS SESSION SYMBOL   (venue binance; SESSION "-": none)
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdbus.h"

#define GUARD_S	      5	  /* one loop turn longer than this is a hang */
#define WAIT_MS	      20  /* idle wait per turn */
#define RETRY_MS      50  /* pause after a failed re-attach */
#define DEAD_RETRY_MS 200 /* re-attach attempts while the feed is dead */
#define STAT_MS	      100

struct cons {
	const char *bus, *session, *symbol;
	mdbus_reader *r;
	uint64_t epoch, ticks;
	int fresh;   /* no tick yet since the attach */
	int healthy; /* last gate value printed, -1 = none yet */
	int instr;   /* last instrument status printed, -100 = none yet */
	uint32_t id; /* instrument id, valid if have_id */
	int have_id;
	int64_t maxcall; /* longest library call, ns */
	int64_t next_stat, next_try;
};

static volatile sig_atomic_t cons_stop;

static void cons_on_term(int sig)
{
	(void)sig;
	cons_stop = 1;
}

static int64_t cons_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cons_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cons_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Records how long a library call that started at t0 took. */
static void cons_took(struct cons *c, int64_t t0)
{
	int64_t d = cons_now() - t0;

	if (d > c->maxcall)
		c->maxcall = d;
}

/* rc = expr, timed into c->maxcall. */
#define CONS_CALL(c, rc, expr)                                                                     \
	do {                                                                                       \
		int64_t t0_ = cons_now();                                                          \
		(rc) = (expr);                                                                     \
		cons_took((c), t0_);                                                               \
	} while (0)

static void cons_attached(struct cons *c)
{
	c->epoch = mdbus_reader_epoch(c->r);
	c->fresh = 1;
	int rc;

	CONS_CALL(c, rc, mdbus_reader_lookup(c->r, "binance", c->symbol, &c->id));
	c->have_id = rc == 0;
	printf("attach t=%" PRId64 " epoch=%" PRIu64 "\n", cons_now(), c->epoch);
}

/* The first open: the bus may not exist yet. */
static int cons_open(struct cons *c)
{
	struct mdbus_reader_opts o = {.bus = c->bus, .start = MDBUS_START_LATEST};
	int64_t deadline = cons_now() + 30 * 1000000000LL;
	int rc;

	while ((rc = mdbus_reader_open(&c->r, &o)) < 0) {
		if (cons_now() > deadline || cons_stop) {
			fprintf(stderr, "rel_consumer: open %s: %s\n", c->bus, mdbus_strerror(rc));
			return rc;
		}
		cons_sleep_ms(20);
	}
	cons_attached(c);
	return 0;
}

static void cons_reattach(struct cons *c)
{
	int rc;

	CONS_CALL(c, rc, mdbus_reader_reattach(c->r));
	c->next_try = cons_now() + (int64_t)DEAD_RETRY_MS * 1000000;
	if (rc == 0 && mdbus_reader_epoch(c->r) != c->epoch)
		cons_attached(c);
	else /* failed, or the same segment (no successor yet): pace, as the
	      * library returns at once */
		cons_sleep_ms(RETRY_MS);
}

/* The gate a strategy would use; prints its changes. */
static int cons_health(struct cons *c)
{
	int h, st;

	if (strcmp(c->session, "-") != 0)
		CONS_CALL(c, h, mdbus_health_session_healthy(c->r, c->session));
	else
		CONS_CALL(c, h, mdbus_reader_writer_alive(c->r));
	h = h == 1;
	if (h != c->healthy)
		printf("health t=%" PRId64 " healthy=%d\n", cons_now(), h);
	c->healthy = h;
	if (!c->have_id) { /* a new writer adds its instruments after the rename */
		CONS_CALL(c, st, mdbus_reader_lookup(c->r, "binance", c->symbol, &c->id));
		c->have_id = st == 0;
	}
	if (c->have_id) {
		CONS_CALL(c, st, mdbus_health_instr_status(c->r, c->id));
		if (st != c->instr)
			printf("instr t=%" PRId64 " status=%s\n", cons_now(),
			       st < 0 ? "error" : mdbus_health_instr_status_name((uint32_t)st));
		c->instr = st;
	}
	return h;
}

static void cons_stat(struct cons *c, const char *what)
{
	printf("%s t=%" PRId64 " cpu_ns=%" PRId64 " ticks=%" PRIu64 " epoch=%" PRIu64
	       " maxcall_ns=%" PRId64 "\n",
	       what, cons_now(), cons_cpu(), c->ticks, c->epoch, c->maxcall);
}

static void cons_error(struct cons *c, int rc)
{
	printf("err t=%" PRId64 " rc=%d\n", cons_now(), rc);
	if (rc != -EOWNERDEAD) /* a torn tick is skipped: reading goes on */
		cons_reattach(c);
}

/* One loop turn: a tick, or the idle path (gate, wait, dead-feed retry). */
static void cons_turn(struct cons *c)
{
	struct mdbus_tick t;
	uint64_t seq, missed;
	int n, rc;

	CONS_CALL(c, n, mdbus_reader_next(c->r, &t, &seq, &missed));
	if (n == 1) {
		c->ticks++;
		if (c->fresh)
			printf("tick t=%" PRId64 " epoch=%" PRIu64 " seq=%" PRIu64 "\n", cons_now(),
			       c->epoch, seq);
		c->fresh = 0;
		return;
	}
	if (n < 0) {
		cons_error(c, n);
		return;
	}
	if (!cons_health(c) && cons_now() >= c->next_try)
		cons_reattach(c); /* a dead feed: look for its successor */
	CONS_CALL(c, rc, mdbus_reader_wait(c->r, WAIT_MS));
	if (rc < 0 && rc != -ETIMEDOUT && rc != -EINTR)
		cons_error(c, rc);
}

int main(int argc, char **argv)
{
	struct cons c = {.healthy = -1, .instr = -100};

	if (argc != 4) {
		fprintf(stderr, "usage: rel_consumer BUS SESSION SYMBOL\n");
		return 2;
	}
	c.bus = argv[1];
	c.session = argv[2];
	c.symbol = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, cons_on_term);
	alarm(GUARD_S * 6); /* the open waits up to 30 s for the bus */
	if (cons_open(&c) < 0)
		return 1;
	while (!cons_stop) {
		alarm(GUARD_S);
		cons_turn(&c);
		if (cons_now() >= c.next_stat) {
			cons_stat(&c, "stat");
			c.next_stat = cons_now() + (int64_t)STAT_MS * 1000000;
		}
	}
	alarm(0);
	cons_stat(&c, "end");
	mdbus_reader_close(c.r);
	return 0;
}
