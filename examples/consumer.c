/* SPDX-License-Identifier: MIT */
/*
 * consumer: prints the ticks of a bus and follows it across writer restarts:
 * the whole loop a consumer needs (include/mdbus.h). Usage:
 *   consumer [BUS] [COUNT]
 * BUS: default $MDBUS_BUS or "default"; COUNT: exit 0 after that many ticks
 * (default: never). It waits for a bus that does not exist yet, sleeps
 * while idle and while no writer runs (no busy loop), reads every tick of
 * each new writer from its first, and says on stderr when a writer goes
 * and the next one comes.
 * Build: cc consumer.c $(pkg-config --cflags --libs mdbus)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <mdbus.h>

static const char *consumer_status(uint32_t code)
{
	switch (code) {
	case MDBUS_STATUS_UP:
		return "up";
	case MDBUS_STATUS_DOWN:
		return "down";
	case MDBUS_STATUS_STALE:
		return "stale";
	case MDBUS_STATUS_FAILED:
		return "failed";
	default:
		return "?";
	}
}

/* One line per tick: "SEQ VENUE SYMBOL KIND fields... missed=N". Prices and
 * quantities are exact decimals at the instrument's scale. */
static void consumer_print(const struct mdbus_tick *t, uint64_t seq, uint64_t missed,
			   const struct mdbus_instrument *in)
{
	char a[MDBUS_DECIMAL_STR_MAX], b[MDBUS_DECIMAL_STR_MAX];
	char c[MDBUS_DECIMAL_STR_MAX], d[MDBUS_DECIMAL_STR_MAX];
	unsigned px = in->price_decimals, qty = in->qty_decimals;

	printf("%" PRIu64 " %s %s %s ", seq, in->venue, in->symbol, mdbus_kind_name(t->kind));
	switch (t->kind) {
	case MDBUS_KIND_TRADE:
		mdbus_decimal_format(t->u.trade.price, px, a, sizeof(a));
		mdbus_decimal_format(t->u.trade.qty, qty, b, sizeof(b));
		printf("%s %s", a, b);
		break;
	case MDBUS_KIND_BBO:
		mdbus_decimal_format(t->u.bbo.bid_px, px, a, sizeof(a));
		mdbus_decimal_format(t->u.bbo.bid_qty, qty, b, sizeof(b));
		mdbus_decimal_format(t->u.bbo.ask_px, px, c, sizeof(c));
		mdbus_decimal_format(t->u.bbo.ask_qty, qty, d, sizeof(d));
		printf("%s %s %s %s", a, b, c, d);
		break;
	case MDBUS_KIND_L2: /* the side bit says which book side; qty 0 removes */
		mdbus_decimal_format(t->u.l2.price, px, a, sizeof(a));
		mdbus_decimal_format(t->u.l2.qty, qty, b, sizeof(b));
		printf("%s %s %s", t->flags & MDBUS_FLAG_SELL ? "ask" : "bid", a, b);
		break;
	case MDBUS_KIND_STATUS:
		printf("%s", consumer_status(t->u.status.code));
		break;
	default:
		break;
	}
	printf(" missed=%" PRIu64 "\n", missed);
}

/* The writer is gone (why: -ESHUTDOWN stopped, -ESTALE replaced,
 * -EOWNERDEAD died) and everything it published was read: sleep until the
 * next writer takes the bus, then read it from its first tick. */
static int consumer_follow(mdbus_reader **r, const struct mdbus_reader_opts *o, int why)
{
	const char *what = why == -ESHUTDOWN ? "writer stopped"
			   : why == -ESTALE  ? "writer replaced"
					     : "writer died";
	fprintf(stderr, "consumer: %s; waiting for the next one\n", what);
	int rc = mdbus_reader_follow(r, o, -1);
	if (rc == 0)
		fprintf(stderr, "consumer: following epoch %016" PRIx64 "\n",
			mdbus_reader_epoch(*r));
	return rc;
}

int main(int argc, char **argv)
{
	char err[256] = "";
	struct mdbus_reader_opts o = {.bus = argc > 1 ? argv[1] : NULL,
				      .start = MDBUS_START_OLDEST,
				      .errbuf = err,
				      .errlen = sizeof(err)};
	long count = argc > 2 ? strtol(argv[2], NULL, 10) : -1;
	mdbus_reader *r = NULL;
	/* Opens the bus, waiting (asleep) until it exists. */
	int rc = mdbus_reader_follow(&r, &o, -1);

	while (rc == 0 && count != 0) {
		struct mdbus_tick t;
		struct mdbus_instrument in;
		uint64_t seq, missed;

		rc = mdbus_reader_next(r, &t, &seq, &missed);
		if (rc == 1) {
			rc = 0;
			/* missed > 0: the ring lapped us; that many ticks are lost.
			 * A real consumer caches instruments, and drops its cache
			 * whenever it follows a new writer (ids start over). */
			if (mdbus_reader_instrument(r, t.instrument, &in) == 0) {
				consumer_print(&t, seq, missed, &in);
				count--;
			}
			continue;
		}
		if (rc == -EOWNERDEAD) {
			/* The writer died while publishing this tick: it is
			 * skipped; the wait below reports the death once the
			 * rest was read. */
			fprintf(stderr, "consumer: writer died mid-publish: a torn tick skipped\n");
			rc = 0;
			continue;
		}
		if (rc == 0) { /* nothing new: sleep until a tick or a change */
			fflush(stdout);
			rc = mdbus_reader_wait(r, 1000);
		}
		if (rc == -ETIMEDOUT || rc == -EINTR)
			rc = 0;
		if (rc == 0)
			continue;
		if (rc == -ESHUTDOWN || rc == -ESTALE || rc == -EOWNERDEAD)
			rc = consumer_follow(&r, &o, rc);
	}
	if (rc < 0)
		fprintf(stderr, "consumer: %s%s%s\n", mdbus_strerror(rc), err[0] ? ": " : "", err);
	mdbus_reader_close(r);
	return rc < 0;
}
