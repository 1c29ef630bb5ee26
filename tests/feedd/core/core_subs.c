/* SPDX-License-Identifier: MIT */
/*
 * core_subs: the subscription policy (venues/subs.h) on the Binance adapter
 * and on variants of it with the other venue facts: batch rejections split
 * into single-symbol retries, exact rejections, venues without acks, when
 * a session may go LIVE, which symbols follow the session's status.
 */
#include <stdio.h>
#include <string.h>

#include "mdbus.h"
#include "subs.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "NOPE-USDT", "ETH-USDT"};

static int open_ctx(struct feed_venue_ctx *v, const struct feed_venue_ops *ops, size_t n)
{
	struct feed_session_config sc;
	char err[256];

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "t");
	snprintf(sc.venue, sizeof(sc.venue), "%s", ops->name);
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES;
	sc.price_decimals = sc.qty_decimals = -1;
	if (feed_venue_ctx_init(v, ops, &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "ctx: %s\n", err);
		return -1;
	}
	feed_venue_ctx_reset(v);
	return 0;
}

/* Sends every message subscribe_next builds; returns how many. */
static int send_all(struct feed_venue_ctx *v)
{
	char buf[4096];
	size_t n;
	int k = 0;

	while (feed_venue_subscribe_next(v, buf, sizeof(buf), &n) == 1)
		k++;
	return k;
}

static int answer(struct feed_venue_ctx *v, uint64_t id, int ok, struct feed_venue_out *out)
{
	memset(out, 0, sizeof(*out));
	return feed_venue_req_done(v, id, ok, out);
}

/* Binance: one bad symbol sinks the batch; each goes again alone. */
static int test_batch_reject(const struct feed_venue_ops *bn)
{
	struct feed_venue_out out;
	struct feed_venue_ctx v;

	CHECK(open_ctx(&v, bn, 3) == 0);
	CHECK(send_all(&v) == 1);
	CHECK(feed_subs_state(&v, 1) == FEED_SUBS_PENDING); /* data does not replace acks */
	CHECK(answer(&v, 1, 0, &out) == 0 && out.split == 1 && out.sym_count == 3);
	CHECK(feed_venue_syms_dead(&v) == 0);
	CHECK(feed_subs_state(&v, 0) == FEED_SUBS_PENDING);
	CHECK(send_all(&v) == 3); /* ids 2, 3, 4: one per symbol */
	CHECK(answer(&v, 2, 1, &out) == 0 && out.alone == 1);
	CHECK(answer(&v, 3, 0, &out) == 0 && out.split == 0 && out.sym_first == 1);
	CHECK(feed_subs_state(&v, 0) == FEED_SUBS_PENDING);
	CHECK(answer(&v, 4, 1, &out) == 0);
	CHECK(feed_subs_state(&v, 0) == FEED_SUBS_READY);
	CHECK(feed_venue_syms_dead(&v) == 1 && v.syms[1].dead);
	/* UP for the acked symbols; the dead one keeps its own FAILED. */
	CHECK(feed_subs_follows_session(&v, 0, MDBUS_STATUS_UP));
	CHECK(!feed_subs_follows_session(&v, 1, MDBUS_STATUS_UP));
	CHECK(feed_subs_follows_session(&v, 2, MDBUS_STATUS_UP));
	CHECK(!feed_subs_follows_session(&v, 1, MDBUS_STATUS_DOWN));
	CHECK(feed_subs_follows_session(&v, 2, MDBUS_STATUS_DOWN));
	CHECK(!feed_subs_follows_session(&v, 3, MDBUS_STATUS_DOWN)); /* out of range */
	/* Next connection: the dead symbol is tried once more, alone, after
	 * a shared request of the others; nothing is acked yet. */
	feed_venue_ctx_reset(&v);
	CHECK(v.alone_queued == 1 && v.syms[1].alone == FEED_ALONE_QUEUED);
	CHECK(!feed_subs_follows_session(&v, 0, MDBUS_STATUS_UP));
	CHECK(send_all(&v) == 2); /* BTC + ETH shared, then NOPE alone */
	CHECK(v.reqs[0].alone == 0 && v.reqs[0].count == 2 && v.reqs[0].nsyms == 2);
	CHECK(v.reqs[1].alone == 1 && v.reqs[1].count == 1 &&
	      v.streams[v.req_streams[v.reqs[1].off]].sym == 1);
	CHECK(answer(&v, 5, 1, &out) == 0 && out.alone == 0 && out.sym_count == 2);
	CHECK(feed_subs_state(&v, 0) == FEED_SUBS_PENDING);
	CHECK(answer(&v, 6, 1, &out) == 0 && out.alone == 1);
	CHECK(feed_venue_syms_dead(&v) == 0); /* an ack revives it */
	CHECK(feed_subs_state(&v, 0) == FEED_SUBS_READY);
	feed_venue_ctx_free(&v);
	return 0;
}

/* Every symbol rejected on its own: fatal, whatever data said. */
static int test_all_rejected(const struct feed_venue_ops *bn)
{
	struct feed_venue_out out;
	struct feed_venue_ctx v;

	CHECK(open_ctx(&v, bn, 2) == 0);
	CHECK(send_all(&v) == 1);
	CHECK(answer(&v, 1, 0, &out) == 0 && out.split == 1);
	CHECK(send_all(&v) == 2);
	CHECK(answer(&v, 2, 0, &out) == 0 && answer(&v, 3, 0, &out) == 0);
	CHECK(feed_subs_state(&v, 1) == FEED_SUBS_FATAL);
	feed_venue_ctx_free(&v);
	return 0;
}

/* A venue whose rejections name only bad symbols: no split. */
static int test_reject_exact(const struct feed_venue_ops *bn)
{
	struct feed_venue_ops ops = *bn;
	struct feed_venue_out out;
	struct feed_venue_ctx v;

	ops.flags |= FEED_VENUE_F_REJECT_EXACT;
	CHECK(open_ctx(&v, &ops, 3) == 0);
	CHECK(send_all(&v) == 1);
	CHECK(answer(&v, 1, 0, &out) == 0 && out.split == 0 && out.sym_count == 3);
	CHECK(feed_venue_syms_dead(&v) == 3);
	CHECK(!feed_venue_sub_pending(&v));
	CHECK(feed_subs_state(&v, 0) == FEED_SUBS_FATAL);
	feed_venue_ctx_free(&v);
	return 0;
}

/* A venue without acks: LIVE on first data once everything is sent. */
static int test_no_acks(const struct feed_venue_ops *bn)
{
	struct feed_venue_ops ops = *bn;
	struct feed_venue_ctx v;

	ops.flags |= FEED_VENUE_F_NO_ACKS;
	CHECK(open_ctx(&v, &ops, 3) == 0);
	CHECK(!feed_subs_acks(&v));
	CHECK(feed_subs_state(&v, 1) == FEED_SUBS_PENDING); /* nothing sent yet */
	CHECK(send_all(&v) == 1);
	CHECK(v.reqs_pending == 0 && feed_venue_sub_complete(&v));
	CHECK(feed_subs_state(&v, 0) == FEED_SUBS_PENDING);
	CHECK(feed_subs_state(&v, 1) == FEED_SUBS_READY);
	for (uint32_t i = 0; i < 3; i++)
		CHECK(feed_subs_follows_session(&v, i, MDBUS_STATUS_UP));
	feed_venue_ctx_free(&v);
	return 0;
}

int main(void)
{
	const struct feed_venue_ops *bn = feed_venue_find("binance");

	CHECK(bn && (bn->flags & (FEED_VENUE_F_NO_ACKS | FEED_VENUE_F_REJECT_EXACT)) == 0);
	CHECK(test_batch_reject(bn) == 0);
	CHECK(test_all_rejected(bn) == 0);
	CHECK(test_reject_exact(bn) == 0);
	CHECK(test_no_acks(bn) == 0);
	printf("core_subs: ok\n");
	return 0;
}
