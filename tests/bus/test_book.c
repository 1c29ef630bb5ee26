/* SPDX-License-Identifier: MIT */
/*
 * test_book.c: the book region (libmdbus/book.c, book_layout.h): adding
 * books, publishing, reading with and without a depth limit, the clamp to a
 * book's depth, every way of storing a side, -ENOENT, the status word, the helpers (overflow
 * included), corrupt records and lying region headers refused, and the ring readers of a segment
 * with books unchanged.
 */
#include <sys/mman.h>

#include "book_check.h"
#include "book_layout.h"
#include "helpers.h"
#include "internal.h"

static struct mdbus_book_snapshot snap; /* 32 KiB: not on the stack */

static mdbus_writer *tb_writer(const char *name, size_t book_bytes, uint32_t ninstr)
{
	char err[256] = "";
	struct mdbus_writer_opts o = {.bus = name,
				      .slots = 64,
				      .max_instruments = 16,
				      .max_sessions = 4,
				      .errbuf = err,
				      .errlen = sizeof(err)};
	mdbus_writer *w = NULL;
	int rc = mdbus_writer_open_books(&w, &o, book_bytes);
	if (rc < 0) {
		fprintf(stderr, "open_books: %s: %s\n", mdbus_strerror(rc), err);
		exit(1);
	}
	for (uint32_t i = 0; i < ninstr; i++) {
		struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
		strcpy(in.venue, "test");
		snprintf(in.symbol, sizeof(in.symbol), "S%u-USDT", i);
		uint32_t id;
		CHECK_RC(mdbus_writer_add_instrument(w, &in, &id), 0);
		CHECK(id == i);
	}
	return w;
}

static void test_sizes(void)
{
	CHECK(mdbus_book_record_size(0) == 0);
	CHECK(mdbus_book_record_size(MDBUS_BOOK_LEVELS_MAX + 1) == 0);
	CHECK(mdbus_book_record_size(1) == 192);
	CHECK(mdbus_book_record_size(20) == 768);
	CHECK(mdbus_book_record_size(MDBUS_BOOK_LEVELS_MAX) == 128 + 32000);
}

/* A bus without a book region: nothing to add, nothing to read. */
static void test_no_region(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "nobook");
	mdbus_writer *w = th_writer(name, 64);
	uint32_t b;
	CHECK_RC(mdbus_writer_book_add(w, 0, 20, &b), -EINVAL);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	CHECK_RC(mdbus_book_read(r, 0, 10, &snap), -ENOENT);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
}

static void test_add(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "badd");
	mdbus_writer *w = tb_writer(name, 2 * mdbus_book_record_size(20), 4);
	uint32_t b = 99, b2 = 98;
	CHECK_RC(mdbus_writer_book_add(w, 0, 20, &b), 0);
	CHECK(b == 0);
	CHECK_RC(mdbus_writer_book_add(w, 0, 20, &b2), 0);
	CHECK(b2 == b);
	CHECK_RC(mdbus_writer_book_add(w, 0, 21, &b2), -EEXIST);
	CHECK_RC(mdbus_writer_book_add(w, 4, 20, &b2), -EINVAL); /* unknown instrument */
	CHECK_RC(mdbus_writer_book_add(w, 1, 0, &b2), -EINVAL);
	CHECK_RC(mdbus_writer_book_add(w, 1, MDBUS_BOOK_LEVELS_MAX + 1, &b2), -EINVAL);
	CHECK_RC(mdbus_writer_book_add(w, 1, 20, &b2), 0);
	CHECK(b2 == 1);
	/* The region rounds up to a page: fill what is left, then -ENOSPC. */
	int rc = mdbus_writer_book_add(w, 2, 20, NULL);
	CHECK(rc == 0 || rc == -ENOSPC);
	CHECK_RC(mdbus_writer_book_add(w, 3, MDBUS_BOOK_LEVELS_MAX, NULL), -ENOSPC);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	CHECK_RC(mdbus_book_read(r, 3, 0, &snap), -ENOENT);
	CHECK_RC(mdbus_book_read(r, 15, 0, &snap), -ENOENT);
	CHECK_RC(mdbus_book_read(r, UINT32_MAX, 0, &snap), -ENOENT);
	/* Added but never published: EMPTY, no levels. */
	CHECK_RC(mdbus_book_read(r, 1, 0, &snap), 0);
	CHECK(snap.instrument == 1 && snap.depth == 20 && snap.status == MDBUS_BOOK_EMPTY);
	CHECK(snap.nbids == 0 && snap.nasks == 0 && snap.version == 0);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
}

static void test_refused(mdbus_writer *w, mdbus_reader *r, struct mdbus_book_update *up,
			 uint64_t ver);

static void test_publish_read(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "bpub");
	mdbus_writer *w = tb_writer(name, 65536, 2);
	uint32_t b;
	CHECK_RC(mdbus_writer_book_add(w, 1, 20, &b), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	struct mdbus_book_level bids[40], asks[40];
	struct mdbus_book_update u;
	for (uint64_t v = 1; v <= 200; v++) {
		bc_make(v, 20, bids, asks, &u);
		CHECK_RC(mdbus_writer_book_publish(w, b, &u), 0);
		static const uint32_t want[] = {0, 1, 5, 10, 20, 100};
		for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			CHECK_RC(mdbus_book_read(r, 1, want[i], &snap), 0);
			CHECK(snap.update_id == v);
			CHECK_RC(bc_verify(&snap, 20, want[i]), 0);
		}
	}
	/* Depth clamp: 40 levels offered, 20 kept. */
	bc_make(201, 40, bids, asks, &u);
	u.bids.n = u.asks.n = 40;
	CHECK_RC(mdbus_writer_book_publish(w, b, &u), 0);
	CHECK_RC(mdbus_book_read(r, 1, 0, &snap), 0);
	CHECK(snap.nbids == 20 && snap.nasks == 20);
	CHECK(snap.bids[19].price == bids[19].price && snap.asks[19].qty == asks[19].qty);
	/* A side kept best last (step -1), as feedd keeps its sides. */
	struct mdbus_book_level rev[3] = {{90, 3}, {95, 2}, {99, 1}};
	u.bids = (struct mdbus_book_side_view){.best = &rev[2], .step = -1, .n = 3};
	u.asks = (struct mdbus_book_side_view){.best = NULL, .step = 1, .n = 0};
	CHECK_RC(mdbus_writer_book_publish(w, b, &u), 0);
	CHECK_RC(mdbus_book_read(r, 1, 0, &snap), 0);
	CHECK(snap.nbids == 3 && snap.nasks == 0);
	CHECK(snap.bids[0].price == 99 && snap.bids[1].price == 95 && snap.bids[2].qty == 3);
	uint64_t ver = snap.version;
	CHECK(ver == 202);
	/* The status word alone. */
	CHECK_RC(mdbus_writer_book_status(w, b, MDBUS_BOOK_RESYNCING), 0);
	CHECK_RC(mdbus_book_read(r, 1, 0, &snap), 0);
	CHECK(snap.status == MDBUS_BOOK_RESYNCING && snap.version == ver + 1);
	CHECK(snap.nbids == 3 && snap.bids[0].price == 99 && snap.update_id == 201);
	CHECK(snap.checksum == 201 % 3);
	test_refused(w, r, &u, ver + 1);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
}

/* Publishes levels src (view of n, step) and checks the record holds the
 * first min(n, depth) of them, best first. */
static void tb_store_check(mdbus_writer *w, mdbus_reader *r, uint32_t b, uint32_t depth,
			   const struct mdbus_book_level *src, uint32_t n, int step, uint64_t id)
{
	struct mdbus_book_update u = {.status = MDBUS_BOOK_LIVE, .update_id = id};
	const struct mdbus_book_level *best = step > 0 ? src : src + n - 1;
	uint32_t k = n < depth ? n : depth;
	u.bids = (struct mdbus_book_side_view){.best = n ? best : NULL, .step = step, .n = n};
	u.asks = (struct mdbus_book_side_view){.best = n ? best : NULL, .step = step, .n = n};
	CHECK_RC(mdbus_writer_book_publish(w, b, &u), 0);
	CHECK_RC(mdbus_book_read(r, 0, 0, &snap), 0);
	CHECK(snap.update_id == id && snap.nbids == k && snap.nasks == k);
	for (uint32_t i = 0; i < k; i++) {
		const struct mdbus_book_level *l = best + (ptrdiff_t)i * step;
		CHECK(snap.bids[i].price == l->price && snap.bids[i].qty == l->qty);
		CHECK(snap.asks[i].price == l->price && snap.asks[i].qty == l->qty);
	}
}

/* Every way of storing a side (mdbus__book_rewrite 0: two levels a turn, the
 * default; 1, 2, 3) stores the same record: views of 0..9 levels into an
 * odd depth (7), both directions, after one level changed at the top, in
 * the middle and at the bottom of the view. */
static void test_store_shapes(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "bstore");
	mdbus_writer *w = tb_writer(name, 65536, 1);
	uint32_t b;
	CHECK_RC(mdbus_writer_book_add(w, 0, 7, &b), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	struct mdbus_book_level src[9];
	uint64_t id = 1;
	for (int mode = 0; mode <= 3; mode++) {
		mdbus__book_rewrite = mode;
		for (uint32_t n = 0; n <= 9; n++)
			for (int step = -1; step <= 1; step += 2) {
				for (uint32_t i = 0; i < 9; i++)
					src[i] = (struct mdbus_book_level){1000 + (int64_t)i,
									   (int64_t)(id + i)};
				tb_store_check(w, r, b, 7, src, n, step, id++);
				for (uint32_t at = 0; n && at<n; at += n> 2 ? n / 2 : 1) {
					/* at-th best: the top (0), the middle, the bottom */
					uint32_t j = step > 0 ? at : n - 1 - at;
					src[j].qty += 1000;
					tb_store_check(w, r, b, 7, src, n, step, id++);
				}
			}
	}
	mdbus__book_rewrite = 0;
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
}

/* Refused updates change nothing (book 1 at version ver). */
static void test_refused(mdbus_writer *w, mdbus_reader *r, struct mdbus_book_update *up,
			 uint64_t ver)
{
	struct mdbus_book_update u = *up;
	uint32_t b = 1;
	CHECK_RC(mdbus_writer_book_status(w, b, 6), -EINVAL);
	CHECK_RC(mdbus_writer_book_status(w, 0, MDBUS_BOOK_LIVE), -EINVAL); /* no book */
	u.status = 6;
	CHECK_RC(mdbus_writer_book_publish(w, b, &u), -EINVAL);
	u.status = MDBUS_BOOK_LIVE;
	u.checksum = 3;
	CHECK_RC(mdbus_writer_book_publish(w, b, &u), -EINVAL);
	u.checksum = 0;
	u.bids.step = 0;
	CHECK_RC(mdbus_writer_book_publish(w, b, &u), -EINVAL);
	u.bids.step = -1;
	u.bids.best = NULL;
	CHECK_RC(mdbus_writer_book_publish(w, b, &u), -EINVAL);
	CHECK_RC(mdbus_writer_book_publish(w, 99, &u), -EINVAL);
	CHECK_RC(mdbus_book_read(r, 1, 0, &snap), 0);
	CHECK(snap.version == ver);
}

static void test_helpers(void)
{
	memset(&snap, 0, sizeof(snap));
	const struct mdbus_book_level *bb, *ba;
	CHECK_RC(mdbus_book_best(&snap, &bb, &ba), -ENOENT);
	CHECK(bb == NULL && ba == NULL);
	snap.nbids = 3;
	snap.bids[0] = (struct mdbus_book_level){100, 5};
	snap.bids[1] = (struct mdbus_book_level){99, 7};
	snap.bids[2] = (struct mdbus_book_level){97, 1};
	snap.nasks = 2;
	snap.asks[0] = (struct mdbus_book_level){101, 2};
	snap.asks[1] = (struct mdbus_book_level){103, 4};
	CHECK_RC(mdbus_book_best(&snap, &bb, &ba), 0);
	CHECK(bb->price == 100 && ba->price == 101);
	CHECK(mdbus_book_qty_at(&snap, MDBUS_BOOK_BID, 99) == 7);
	CHECK(mdbus_book_qty_at(&snap, MDBUS_BOOK_BID, 98) == 0);
	CHECK(mdbus_book_qty_at(&snap, MDBUS_BOOK_ASK, 103) == 4);
	CHECK(mdbus_book_qty_at(&snap, MDBUS_BOOK_ASK, 100) == 0);
	int64_t q = -1, n = -1;
	CHECK_RC(mdbus_book_volume_to(&snap, MDBUS_BOOK_BID, 98, &q, &n), 2);
	CHECK(q == 12 && n == 100 * 5 + 99 * 7);
	CHECK_RC(mdbus_book_volume_to(&snap, MDBUS_BOOK_BID, 101, &q, &n), 0);
	CHECK(q == 0 && n == 0);
	CHECK_RC(mdbus_book_volume_to(&snap, MDBUS_BOOK_ASK, 1000, &q, NULL), 2);
	CHECK(q == 6);
	snap.nbids = 0;
	CHECK_RC(mdbus_book_best(&snap, &bb, &ba), 0);
	CHECK(bb == NULL && ba->price == 101);
	/* Notional and quantity overflow. */
	snap.asks[0] = (struct mdbus_book_level){INT64_MAX / 2, 3};
	CHECK_RC(mdbus_book_volume_to(&snap, MDBUS_BOOK_ASK, INT64_MAX, &q, &n), -EOVERFLOW);
	CHECK_RC(mdbus_book_volume_to(&snap, MDBUS_BOOK_ASK, INT64_MAX, &q, NULL), 2);
	snap.asks[0] = (struct mdbus_book_level){1, INT64_MAX};
	snap.asks[1] = (struct mdbus_book_level){2, 1};
	CHECK_RC(mdbus_book_volume_to(&snap, MDBUS_BOOK_ASK, 2, &q, NULL), -EOVERFLOW);
	/* A count beyond the snapshot's arrays is clamped, never followed. */
	snap.nasks = UINT32_MAX;
	CHECK(mdbus_book_qty_at(&snap, MDBUS_BOOK_ASK, 5) == 0);
}

/* Scribbles on a record through the writer's mapping: every read of it
 * (from a reader that had not cached it, for the directory) is -EBADMSG. */
static void test_dir_lies(const char *name, struct mdbus_book_dirent *d, uint64_t book_size);

static void test_corrupt_record(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "bbad");
	mdbus_writer *w = tb_writer(name, 65536, 3);
	CHECK_RC(mdbus_writer_book_add(w, 0, 10, NULL), 0);
	CHECK_RC(mdbus_writer_book_add(w, 1, 10, NULL), 0);
	struct mdbus_book_level bids[10], asks[10];
	struct mdbus_book_update u;
	bc_make(1, 10, bids, asks, &u);
	CHECK_RC(mdbus_writer_book_publish(w, 0, &u), 0);
	CHECK_RC(mdbus_writer_book_publish(w, 1, &u), 0);
	size_t size;
	uint8_t *base = mdbus__writer_map(w, &size);
	struct mdbus_seg_header *h = (struct mdbus_seg_header *)base;
	uint8_t *region = base + h->book_off;
	struct mdbus_book_dirent *d = (struct mdbus_book_dirent *)region;
	struct mdbus_book_rec *rec = (struct mdbus_book_rec *)(region + d[0].rec_off);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	CHECK_RC(mdbus_book_read(r, 0, 0, &snap), 0);
	uint64_t good = atomic_load(&rec->words[MDBUS_BW_COUNTS]);
	atomic_store(&rec->words[MDBUS_BW_COUNTS], 11); /* nbids > depth */
	CHECK_RC(mdbus_book_read(r, 0, 0, &snap), -EBADMSG);
	atomic_store(&rec->words[MDBUS_BW_COUNTS], (uint64_t)11 << 32);
	CHECK_RC(mdbus_book_read(r, 0, 0, &snap), -EBADMSG);
	atomic_store(&rec->words[MDBUS_BW_COUNTS], good);
	atomic_store(&rec->words[MDBUS_BW_STATUS], 9);
	CHECK_RC(mdbus_book_read(r, 0, 0, &snap), -EBADMSG);
	atomic_store(&rec->words[MDBUS_BW_STATUS], (uint64_t)7 << 32);
	CHECK_RC(mdbus_book_read(r, 0, 0, &snap), -EBADMSG);
	/* A writer that died mid-publish: seq stays odd, the read gives up. */
	atomic_store(&rec->words[MDBUS_BW_STATUS], MDBUS_BOOK_LIVE | (uint64_t)1 << 32);
	atomic_fetch_add(&rec->seq, 1);
	CHECK_RC(mdbus_book_read(r, 0, 0, &snap), -EAGAIN);
	atomic_fetch_add(&rec->seq, 1);
	CHECK_RC(mdbus_book_read(r, 0, 0, &snap), 0);
	CHECK_RC(bc_verify(&snap, 10, 0), 0);
	mdbus_reader_close(r);
	test_dir_lies(name, d, h->book_size);
	mdbus_writer_close(w, 1);
}

/* Directory lies about book 1, each seen by a fresh reader (no cached
 * record); then the entry restored reads again. */
static void test_dir_lies(const char *name, struct mdbus_book_dirent *d, uint64_t book_size)
{
	mdbus_reader *r;
	struct mdbus_book_dirent saved = {.depth = d[1].depth, .instrument = d[1].instrument};
	uint64_t off = d[1].rec_off;
	struct {
		uint64_t off;
		uint32_t depth, instrument;
	} lies[] = {
		{off + 8, 10, 1},		     /* misaligned */
		{8, 10, 1},			     /* inside the directory */
		{book_size - 64, 10, 1},	     /* record past the region */
		{UINT64_MAX - 63, 10, 1},	     /* far outside */
		{off, 11, 1},			     /* depth differs from the record's */
		{off, 0, 1},			     /* depth 0 */
		{off, MDBUS_BOOK_LEVELS_MAX + 1, 1}, /* depth too deep */
		{off, 10, 2},			     /* another instrument's entry */
		{d[0].rec_off, 10, 1},		     /* instrument 0's record */
	};
	for (unsigned i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		atomic_store(&d[1].rec_off, lies[i].off);
		d[1].depth = lies[i].depth;
		d[1].instrument = lies[i].instrument;
		r = th_reader(name, MDBUS_START_OLDEST);
		int rc = mdbus_book_read(r, 1, 0, &snap);
		if (rc != -EBADMSG) {
			fprintf(stderr, "lie %u: %s\n", i, mdbus_strerror(rc));
			exit(1);
		}
		mdbus_reader_close(r);
	}
	atomic_store(&d[1].rec_off, off);
	d[1].depth = saved.depth;
	d[1].instrument = saved.instrument;
	r = th_reader(name, MDBUS_START_OLDEST);
	CHECK_RC(mdbus_book_read(r, 1, 0, &snap), 0);
	CHECK_RC(bc_verify(&snap, 10, 0), 0);
	mdbus_reader_close(r);
}

/* Lying region headers: refused by the validation every reader runs. */
static void test_region_header(void)
{
	char name[64], err[256];
	th_bus_name(name, sizeof(name), "breg");
	mdbus_writer *w = tb_writer(name, 8192, 1);
	size_t size;
	const uint8_t *base = mdbus__writer_map(w, &size);
	uint8_t *copy = malloc(size);
	CHECK(copy != NULL);
	struct mdbus_seg_header *h = (struct mdbus_seg_header *)copy;
	memcpy(copy, base, size);
	CHECK_RC(mdbus__seg_validate(copy, size, err, sizeof(err)), 0);
	CHECK(h->book_off >= h->ring_off + h->ring_size && h->book_off + h->book_size == size);
	for (int m = 0; m < 9; m++) {
		memcpy(copy, base, size);
		switch (m) {
		case 0:
			h->book_off = size;
			break;
		case 1:
			h->book_off += 8;
			break;
		case 2:
			h->book_size += 4096;
			break;
		case 3:
			h->book_off = h->ring_off;
			break;
		case 4:
			h->book_rec_hdr = 64;
			break;
		case 5:
			h->book_level_size = 32;
			break;
		case 6:
			h->book_dir_size = h->book_size + 64;
			break;
		case 7:
			atomic_store(&h->book_count, h->instr_capacity + 1);
			break;
		case 8: /* no region but a count */
			h->book_off = h->book_size = h->book_dir_size = 0;
			atomic_store(&h->book_count, 1);
			break;
		}
		int rc = mdbus__seg_validate(copy, size, err, sizeof(err));
		if (rc != -ERANGE) {
			fprintf(stderr, "mutation %d: %s\n", m, mdbus_strerror(rc));
			exit(1);
		}
		CHECK(err[0] != '\0');
	}
	free(copy);
	mdbus_writer_close(w, 1);
}

/* The ring, instruments and health of a segment with books read as before:
 * the book fields sit in bytes 140..191 that readers of ABI 1 never read,
 * and the region after the ring. */
static void test_ring_unchanged(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "bring");
	mdbus_writer *w = tb_writer(name, 65536, 1);
	CHECK_RC(mdbus_writer_book_add(w, 0, 50, NULL), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	for (uint64_t i = 1; i <= 100; i++) {
		struct mdbus_tick t;
		th_tick(&t, i);
		CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	}
	struct mdbus_tick t;
	uint64_t seq, missed, got = 0;
	int rc;
	while ((rc = mdbus_reader_next(r, &t, &seq, &missed)) == 1) {
		CHECK(missed == 0 || got == 0);
		got++;
		CHECK(th_tick_ok(&t, seq));
	}
	CHECK_RC(rc, 0);
	CHECK(got == 64 || got == 100);
	struct mdbus_instrument in;
	CHECK_RC(mdbus_reader_instrument(r, 0, &in), 0);
	CHECK(strcmp(in.symbol, "S0-USDT") == 0);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
}

int main(void)
{
	test_sizes();
	test_no_region();
	test_add();
	test_publish_read();
	test_store_shapes();
	test_helpers();
	test_corrupt_record();
	test_region_header();
	test_ring_unchanged();
	printf("test_book: ok\n");
	return 0;
}
