/* SPDX-License-Identifier: MIT */
/*
 * book_pub: a test writer with order books for the mdbus-book, mdbus-top
 * and Python tests. Creates bus NAME with these instruments and books:
 *
 *   id 0 test/BTC-USDT (BTCUSDT; price 2, qty 8 decimals), depth 20, LIVE:
 *        bids 65000.12 x 0.5, 65000.1 x 1.25, 64999 x 3,
 *             64998.5 x 0.00000001
 *        asks 65000.13 x 0.00012345, 65001 x 2, 65010.5 x 10
 *        update_id 123456789, exch_ts 1765000000123000000,
 *        recv_ts 1765000000124500000, resyncs 2, checksum_fails 1, CK_OK
 *   id 1 test/ETH-USDT (price 2, qty 4), depth 10, RESYNCING:
 *        bid 3000.5 x 1.5, ask 3001 x 0.25, update_id 77, exch_ts 0
 *   id 2 test/SOL-USDT, depth 5: added, never published (EMPTY)
 *   id 3 test/XRP-USDT: no book
 *
 * prints "ready pid=PID" and then obeys one command per stdin line,
 * answering "ok" (or "error ...") on stdout:
 *   status N   sets BTC-USDT's status word (mdbus_writer_book_status)
 *   bump       publishes BTC-USDT again, best bid qty +1 unit, update_id +1
 * EOF on stdin: closes the bus and removes its files.
 *
 * Usage: book_pub NAME
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdbus.h"

#define PUB_DIE(what, rc)                                                                          \
	do {                                                                                       \
		fprintf(stderr, "book_pub: %s: %s\n", (what), mdbus_strerror(rc));                 \
		exit(1);                                                                           \
	} while (0)

static struct mdbus_book_level btc_bids[] = {
	{6500012, 50000000}, {6500010, 125000000}, {6499900, 300000000}, {6499850, 1}};
static struct mdbus_book_level btc_asks[] = {
	{6500013, 12345}, {6500100, 200000000}, {6501050, 1000000000}};
static struct mdbus_book_level eth_bid = {300050, 15000}, eth_ask = {300100, 2500};

static uint32_t pub_instr(mdbus_writer *w, const char *sym, const char *native, int pd, int qd)
{
	struct mdbus_instrument in = {.price_decimals = (uint8_t)pd, .qty_decimals = (uint8_t)qd};
	uint32_t id;
	int rc;

	snprintf(in.venue, sizeof(in.venue), "test");
	snprintf(in.symbol, sizeof(in.symbol), "%s", sym);
	snprintf(in.native, sizeof(in.native), "%s", native);
	if ((rc = mdbus_writer_add_instrument(w, &in, &id)) < 0)
		PUB_DIE(sym, rc);
	return id;
}

static void pub_btc(mdbus_writer *w, uint32_t book, uint64_t update_id)
{
	struct mdbus_book_update u = {
		.status = MDBUS_BOOK_LIVE,
		.checksum = MDBUS_BOOK_CK_OK,
		.update_id = update_id,
		.exch_ts = 1765000000123000000LL,
		.recv_ts = 1765000000124500000LL,
		.resyncs = 2,
		.checksum_fails = 1,
		.bids = {btc_bids, 1, sizeof(btc_bids) / sizeof(btc_bids[0])},
		.asks = {btc_asks, 1, sizeof(btc_asks) / sizeof(btc_asks[0])},
	};
	int rc = mdbus_writer_book_publish(w, book, &u);

	if (rc < 0)
		PUB_DIE("publish BTC-USDT", rc);
}

static void pub_eth(mdbus_writer *w, uint32_t book)
{
	struct mdbus_book_update u = {
		.status = MDBUS_BOOK_RESYNCING,
		.update_id = 77,
		.recv_ts = 1765000000000000000LL,
		.bids = {&eth_bid, 1, 1},
		.asks = {&eth_ask, 1, 1},
	};
	int rc = mdbus_writer_book_publish(w, book, &u);

	if (rc < 0)
		PUB_DIE("publish ETH-USDT", rc);
}

static mdbus_writer *pub_open(const char *name, uint32_t *btc_book)
{
	char err[256] = "";
	struct mdbus_writer_opts o = {.bus = name,
				      .slots = 64,
				      .max_instruments = 16,
				      .errbuf = err,
				      .errlen = sizeof(err)};
	mdbus_writer *w = NULL;
	uint32_t ids[4], books[3];
	int rc = mdbus_writer_open_books(&w, &o,
					 mdbus_book_record_size(20) + mdbus_book_record_size(10) +
						 mdbus_book_record_size(5));

	if (rc < 0) {
		fprintf(stderr, "book_pub: open %s: %s: %s\n", name, mdbus_strerror(rc), err);
		exit(1);
	}
	ids[0] = pub_instr(w, "BTC-USDT", "BTCUSDT", 2, 8);
	ids[1] = pub_instr(w, "ETH-USDT", "ETHUSDT", 2, 4);
	ids[2] = pub_instr(w, "SOL-USDT", "SOLUSDT", 3, 2);
	ids[3] = pub_instr(w, "XRP-USDT", "XRPUSDT", 4, 1);
	if ((rc = mdbus_writer_book_add(w, ids[0], 20, &books[0])) < 0 ||
	    (rc = mdbus_writer_book_add(w, ids[1], 10, &books[1])) < 0 ||
	    (rc = mdbus_writer_book_add(w, ids[2], 5, &books[2])) < 0)
		PUB_DIE("book_add", rc);
	pub_btc(w, books[0], 123456789);
	pub_eth(w, books[1]);
	*btc_book = books[0];
	(void)ids[3];
	return w;
}

int main(int argc, char **argv)
{
	char line[128];
	uint32_t book;
	uint64_t update_id = 123456789;

	if (argc != 2) {
		fprintf(stderr, "usage: book_pub NAME\n");
		return 2;
	}
	mdbus_writer *w = pub_open(argv[1], &book);
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int rc = 0;
		if (strncmp(line, "status ", 7) == 0) {
			rc = mdbus_writer_book_status(w, book,
						      (uint32_t)strtoul(line + 7, NULL, 10));
		} else if (strncmp(line, "bump", 4) == 0) {
			btc_bids[0].qty++;
			pub_btc(w, book, ++update_id);
		} else {
			rc = -EINVAL;
		}
		if (rc < 0)
			printf("error %s\n", mdbus_strerror(rc));
		else
			printf("ok\n");
		fflush(stdout);
	}
	mdbus_writer_close(w, 1);
	return 0;
}
