/* SPDX-License-Identifier: MIT */
/*
 * book_dump: one order book of a bus as a JSON line (test_books.py).
 *
 *   book_dump BUS VENUE SYMBOL [DEPTH]
 *
 * {"status":1,"checksum":0,"depth":20,"update_id":..,"version":..,
 *  "resyncs":0,"checksum_fails":0,"bids":[[px,qty],...],"asks":[...]}
 * prices and quantities as the bus's mantissas. Exit 0, or 1 with a reason
 * on stderr (no such bus, instrument or book; the book stayed busy).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdbus.h"

static struct mdbus_book_snapshot snap;

static void dump_side(const char *name, const struct mdbus_book_level *lv, uint32_t n)
{
	printf(",\"%s\":[", name);
	for (uint32_t i = 0; i < n; i++)
		printf("%s[%" PRId64 ",%" PRId64 "]", i ? "," : "", lv[i].price, lv[i].qty);
	printf("]");
}

static int dump_read(mdbus_reader *r, uint32_t id, uint32_t depth)
{
	int rc = -EAGAIN;

	for (int tries = 0; tries < 100 && rc == -EAGAIN; tries++)
		rc = mdbus_book_read(r, id, depth, &snap);
	if (rc < 0)
		return rc;
	printf("{\"instrument\":%" PRIu32 ",\"status\":%" PRIu32 ",\"checksum\":%" PRIu32
	       ",\"depth\":%" PRIu32 ",\"update_id\":%" PRIu64 ",\"version\":%" PRIu64
	       ",\"resyncs\":%" PRIu64 ",\"checksum_fails\":%" PRIu64,
	       snap.instrument, snap.status, snap.checksum, snap.depth, snap.update_id,
	       snap.version, snap.resyncs, snap.checksum_fails);
	dump_side("bids", snap.bids, snap.nbids);
	dump_side("asks", snap.asks, snap.nasks);
	printf("}\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct mdbus_reader_opts ro;
	mdbus_reader *r = NULL;
	uint32_t id = 0, depth = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 0;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: book_dump BUS VENUE SYMBOL [DEPTH]\n");
		return 2;
	}
	memset(&ro, 0, sizeof(ro));
	ro.bus = argv[1];
	rc = mdbus_reader_open(&r, &ro);
	if (rc == 0)
		rc = mdbus_reader_lookup(r, argv[2], argv[3], &id);
	if (rc == 0)
		rc = dump_read(r, id, depth);
	if (r)
		mdbus_reader_close(r);
	if (rc < 0) {
		fprintf(stderr, "book_dump %s %s %s: %s\n", argv[1], argv[2], argv[3],
			mdbus_strerror(rc));
		return 1;
	}
	return 0;
}
