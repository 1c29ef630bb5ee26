/* SPDX-License-Identifier: MIT */
/* t_mdbus.c: the transport under test: one mdbus writer, a reader per consumer. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bench_mdbus_pub {
	mdbus_writer *w;
	uint32_t instrument;
};

static int bench_mdbus_pub_open(struct bench_run *run, void **out, char *err, size_t len)
{
	struct bench_mdbus_pub *p = calloc(1, sizeof(*p));
	struct mdbus_instrument in = {.price_decimals = 8, .qty_decimals = 8};
	char why[160] = "";
	struct mdbus_writer_opts o = {.bus = run->id,
				      .slots = run->cfg->slots,
				      .max_instruments = 64,
				      .max_sessions = 4,
				      .mode = 0600,
				      .group = (gid_t)-1,
				      .errbuf = why,
				      .errlen = sizeof(why)};
	int rc = p ? mdbus_writer_open(&p->w, &o) : -ENOMEM;
	if (rc < 0) {
		snprintf(err, len, "mdbus_writer_open(%s): %s %s", run->id, mdbus_strerror(rc),
			 why);
		free(p);
		return rc;
	}
	snprintf(in.venue, sizeof(in.venue), "bench");
	snprintf(in.symbol, sizeof(in.symbol), "BENCH-TICK");
	snprintf(in.native, sizeof(in.native), "BENCHTICK");
	if ((rc = mdbus_writer_add_instrument(p->w, &in, &p->instrument)) < 0) {
		snprintf(err, len, "mdbus_writer_add_instrument: %s", mdbus_strerror(rc));
		mdbus_writer_close(p->w, 1);
		free(p);
		return rc;
	}
	mdbus_writer_set_state(p->w, MDBUS_WRITER_RUNNING);
	*out = p;
	return 0;
}

/* The signature is bench_transport.pub_send's; this transport has no drop count to report. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
static int bench_mdbus_pub_send(void *pub, const struct bench_msg *m, uint64_t *dropped)
{
	struct bench_mdbus_pub *p = pub;
	(void)dropped; /* the ring never refuses: slow readers lap instead */
	struct mdbus_tick t = m->tick;
	t.instrument = p->instrument;
	return mdbus_writer_publish(p->w, &t, NULL);
}

static void bench_mdbus_pub_flush(void *pub)
{
	mdbus_writer_wake(((struct bench_mdbus_pub *)pub)->w);
}

static void bench_mdbus_pub_close(void *pub)
{
	struct bench_mdbus_pub *p = pub;
	if (p)
		mdbus_writer_close(p->w, 1); /* unlink: the bus is private to this run */
	free(p);
}

static int bench_mdbus_sub_open(struct bench_run *run, unsigned idx, void **out, char *err,
				size_t len)
{
	char why[160] = "";
	struct mdbus_reader_opts o = {
		.bus = run->id, .start = MDBUS_START_LATEST, .errbuf = why, .errlen = sizeof(why)};
	int rc = mdbus_reader_open((mdbus_reader **)out, &o);
	if (rc < 0)
		snprintf(err, len, "consumer %u: mdbus_reader_open(%s): %s %s", idx, run->id,
			 mdbus_strerror(rc), why);
	return rc;
}

static int bench_mdbus_sub_recv(void *sub, struct bench_msg *m, int wait_ms, uint64_t *missed,
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

static void bench_mdbus_sub_close(void *sub)
{
	mdbus_reader_close(sub);
}

/* Parent, after every child exited: a publisher that died (killed at the
 * deadline) leaves the run's private bus behind; the name is ours alone. */
static void bench_mdbus_teardown(struct bench_run *run)
{
	char path[256];
	if (mdbus_bus_path(run->id, path, sizeof(path)) < 0)
		return;
	unlink(path);
	strncat(path, ".lock", sizeof(path) - strlen(path) - 1);
	unlink(path);
}

const struct bench_transport bench_transport_mdbus = {
	.name = "mdbus",
	.teardown = bench_mdbus_teardown,
	.pub_open = bench_mdbus_pub_open,
	.pub_send = bench_mdbus_pub_send,
	.pub_flush = bench_mdbus_pub_flush,
	.pub_close = bench_mdbus_pub_close,
	.sub_open = bench_mdbus_sub_open,
	.sub_recv = bench_mdbus_sub_recv,
	.sub_close = bench_mdbus_sub_close,
};
