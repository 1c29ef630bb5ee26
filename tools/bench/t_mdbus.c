/* SPDX-License-Identifier: MIT */
/* t_mdbus.c: the transport under test: one mdbus writer, a reader per consumer. */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The publisher's handle; a consumer's is its mdbus_reader itself. */
struct bench_mdbus_pub {
	mdbus_writer *w;
	uint32_t instrument;
};

static int bench_mdbus_open(struct bench_run *run, int idx, void **h, char *err, size_t len)
{
	struct mdbus_instrument in = {.price_decimals = 8,
				      .qty_decimals = 8,
				      .venue = "bench",
				      .symbol = "BENCH-TICK",
				      .native = "BENCHTICK"};
	char why[160] = "";
	struct mdbus_writer_opts wo = {.bus = run->id,
				       .slots = run->cfg->slots,
				       .max_instruments = 64,
				       .max_sessions = 4,
				       .mode = 0600,
				       .group = (gid_t)-1,
				       .errbuf = why,
				       .errlen = sizeof(why)};
	struct mdbus_reader_opts ro = {
		.bus = run->id, .start = MDBUS_START_LATEST, .errbuf = why, .errlen = sizeof(why)};
	struct bench_mdbus_pub *p = idx < 0 ? calloc(1, sizeof(*p)) : NULL;
	int rc = idx >= 0 ? mdbus_reader_open((mdbus_reader **)h, &ro)
		 : p	  ? mdbus_writer_open(&p->w, &wo)
			  : -ENOMEM;
	if (p && rc == 0 && (rc = mdbus_writer_add_instrument(p->w, &in, &p->instrument)) < 0)
		snprintf(why, sizeof(why), "(adding the instrument)");
	if (p && rc == 0)
		mdbus_writer_set_state(p->w, MDBUS_WRITER_RUNNING);
	if (idx < 0)
		*h = p; /* closed by the caller even when rc < 0 */
	if (rc < 0)
		snprintf(err, len, "%s: mdbus %s(%s): %s %s", idx < 0 ? "publisher" : "consumer",
			 idx < 0 ? "writer" : "reader", run->id, mdbus_strerror(rc), why);
	return rc;
}

static void bench_mdbus_close(void *h, int idx)
{
	struct bench_mdbus_pub *p = h;
	if (idx >= 0) {
		mdbus_reader_close(h);
		return;
	}
	if (p && p->w)
		mdbus_writer_close(p->w, 1); /* unlink: the bus is private to this run */
	free(p);
}

/* The signature is bench_transport.send's; the ring never refuses: slow
 * readers lap instead. NOLINTNEXTLINE(readability-non-const-parameter) */
static int bench_mdbus_send(void *pub, const struct bench_msg *m, uint64_t *dropped)
{
	struct bench_mdbus_pub *p = pub;
	(void)dropped;
	struct mdbus_tick t = m->tick;
	t.instrument = p->instrument;
	return mdbus_writer_publish(p->w, &t, NULL);
}

static void bench_mdbus_flush(void *pub)
{
	mdbus_writer_wake(((struct bench_mdbus_pub *)pub)->w);
}

static int bench_mdbus_recv(void *sub, struct bench_msg *m, int wait_ms, uint64_t *missed,
			    uint64_t *laps)
{
	mdbus_reader *r = sub;
	uint64_t lost = 0;
	int rc = mdbus_reader_next(r, &m->tick, NULL, &lost);
	if (rc == 0 && wait_ms > 0) {
		rc = mdbus_reader_wait(r, wait_ms);
		if (rc == -ETIMEDOUT || rc == -EINTR || rc == 0)
			rc = mdbus_reader_next(r, &m->tick, NULL, &lost);
	}
	if (lost) {
		*missed += lost;
		(*laps)++;
	}
	return rc;
}

/* A publisher killed at the deadline leaves the run's private bus behind. */
static void bench_mdbus_teardown(struct bench_run *run)
{
	bench_bus_unlink(run->id);
}

const struct bench_transport bench_transport_mdbus = {
	.name = "mdbus",
	.teardown = bench_mdbus_teardown,
	.open = bench_mdbus_open,
	.close = bench_mdbus_close,
	.send = bench_mdbus_send,
	.flush = bench_mdbus_flush,
	.recv = bench_mdbus_recv,
};
