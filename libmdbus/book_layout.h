/* SPDX-License-Identifier: MIT */
/*
 * book_layout.h: the byte map of the book region of a segment (layout.h:
 * book_off, book_size in the header's formerly reserved bytes 140..191, so
 * abi_version stays 1: a reader that predates books never looks at those
 * bytes nor past ring_off + ring_size, and the region lies after the ring).
 * Private to libmdbus and its tests: C11 only (uses _Atomic).
 *
 *   book_off          +---------------------------------------+
 *                     | directory: instr_capacity x 16 B      |  struct mdbus_book_dirent,
 *                     |   (rounded up to 64: book_dir_size)   |  indexed by instrument id
 *   + book_dir_size   +---------------------------------------+
 *                     | book records, each 64-byte aligned,   |  struct mdbus_book_rec
 *                     | mdbus_book_record_size(depth) bytes   |  + depth x 2 sides x 16 B
 *   + book_size       +---------------------------------------+
 *
 * Directory entry (16 bytes), indexed by instrument id, so a reader finds a
 * book with one load (and caches the checked record pointer):
 *
 *   off size field
 *     0    8 rec_off     atomic: offset of the record from book_off, 0 = no
 *                        book; stored last with release, never changed after
 *     8    4 depth       levels per side (1..MDBUS_BOOK_LEVELS_MAX)
 *    12    4 instrument  == the entry's index
 *
 * Book record (128-byte header, then the levels):
 *
 *   off size field
 *     0    8 seq         atomic seqlock word: even = stable, odd = being written
 *     8    8 ident       instrument | depth << 32, immutable (a reader checks
 *                        it against the directory entry)
 *    16   64 words[8]    relaxed-atomic payload words, under seq:
 *                          0 status | checksum << 32
 *                          1 nbids | nasks << 32 (each <= depth)
 *                          2 update_id  3 exch_ts  4 recv_ts
 *                          5 version (== seq / 2)  6 resyncs  7 checksum_fails
 *    80   48 reserved    0
 *   128      levels      bids[depth] then asks[depth], best first, each level
 *                        two relaxed-atomic words: price, qty (16 bytes)
 *
 * Consistency scheme: one seqlock per book over relaxed atomic words, the
 * protocol of seqlock.h (Boehm 2012; under TSan words are release/acquire).
 * The writer never waits; a reader copies the header words, then only the
 * min(n, nbids) + min(n, nasks) levels it wants, then re-checks seq, and
 * gives up with -EAGAIN after MDBUS_BOOK_READ_TRIES attempts.
 *
 * Why this scheme (measured, tests/bus/bench_book.c, 2-core VM, -O2):
 *   - A reader of the top 10 of a depth-400 book copies 1 + 2 + 5 + 5 cache
 *     lines and nothing else: BOOK_READ_NS below (median). A double buffer
 *     would add an index load and, for the writer, a second full copy of the
 *     book (it must bring the stale buffer up to date: 2 x depth levels
 *     written per update instead of the changed ones); versioned levels
 *     would add a version word per level to every read.
 *   - The writer rewrites a side only from its first changed level (it
 *     compares with its own last stored words, which only it writes): a
 *     typical delta that changes a level near the top leaves the rest of a
 *     deep side untouched... but the store count of a change at level k is
 *     still depth - k. Measured publish costs (BOOK_PUB_NS below).
 *   - Retries: a reader is only sent round again when a publish overlaps its
 *     copy, which is a few tens of ns at feed rates of well under a million
 *     book updates per second per instrument; the cross-process stress test
 *     (test_book_stress) reports the retry rate at full writer speed.
 * Figures (docs/PERFORMANCE.md has the commands):
 *   BOOK_READ_NS  top-10 read, uncontended: see the bench_book row there
 *   BOOK_PUB_NS   publish of depth 20 / 50 / 400
 */
#ifndef MDBUS_BOOK_LAYOUT_H
#define MDBUS_BOOK_LAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

#define MDBUS_BOOK_DIRENT_SIZE 16u
#define MDBUS_BOOK_REC_HDR     128u
#define MDBUS_BOOK_LEVEL_SIZE  16u
#define MDBUS_BOOK_HDR_WORDS   8u
#define MDBUS_BOOK_READ_TRIES  64u /* reader attempts before -EAGAIN */
/* The largest book region a writer asks for (16 GiB: 4096 books of 400). */
#define MDBUS_BOOK_BYTES_MAX (1ull << 34)

struct mdbus_book_dirent {
	_Atomic uint64_t rec_off;
	uint32_t depth;
	uint32_t instrument;
};
_Static_assert(offsetof(struct mdbus_book_dirent, rec_off) == 0, "dirent rec_off");
_Static_assert(offsetof(struct mdbus_book_dirent, depth) == 8, "dirent depth");
_Static_assert(offsetof(struct mdbus_book_dirent, instrument) == 12, "dirent instrument");
_Static_assert(sizeof(struct mdbus_book_dirent) == MDBUS_BOOK_DIRENT_SIZE, "dirent size");

/* Payload word indexes. */
enum {
	MDBUS_BW_STATUS = 0, /* status | checksum << 32 */
	MDBUS_BW_COUNTS = 1, /* nbids | nasks << 32 */
	MDBUS_BW_UPDATE_ID = 2,
	MDBUS_BW_EXCH_TS = 3,
	MDBUS_BW_RECV_TS = 4,
	MDBUS_BW_VERSION = 5,
	MDBUS_BW_RESYNCS = 6,
	MDBUS_BW_CK_FAILS = 7,
};

struct mdbus_book_rec {
	_Atomic uint64_t seq;
	uint64_t ident;
	_Atomic uint64_t words[MDBUS_BOOK_HDR_WORDS];
	uint8_t reserved[48];
	_Atomic uint64_t lv[]; /* bids[depth][2], then asks[depth][2] */
};
_Static_assert(offsetof(struct mdbus_book_rec, seq) == 0, "rec seq");
_Static_assert(offsetof(struct mdbus_book_rec, ident) == 8, "rec ident");
_Static_assert(offsetof(struct mdbus_book_rec, words) == 16, "rec words");
_Static_assert(offsetof(struct mdbus_book_rec, reserved) == 80, "rec reserved");
_Static_assert(offsetof(struct mdbus_book_rec, lv) == MDBUS_BOOK_REC_HDR, "rec levels");
_Static_assert(sizeof(struct mdbus_book_level) == MDBUS_BOOK_LEVEL_SIZE, "level size");

/* Directory bytes for a segment of instr_capacity instruments. */
static inline uint64_t mdbus_book_dir_bytes(uint32_t instr_capacity)
{
	return ((uint64_t)instr_capacity * MDBUS_BOOK_DIRENT_SIZE + 63u) & ~(uint64_t)63u;
}

/* Record bytes for depth levels per side, 64-byte aligned. */
static inline uint64_t mdbus_book_rec_bytes(uint32_t depth)
{
	uint64_t b = MDBUS_BOOK_REC_HDR + (uint64_t)depth * 2u * MDBUS_BOOK_LEVEL_SIZE;
	return (b + 63u) & ~(uint64_t)63u;
}

static inline uint64_t mdbus_book_ident(uint32_t instrument, uint32_t depth)
{
	return (uint64_t)instrument | (uint64_t)depth << 32;
}

#endif /* MDBUS_BOOK_LAYOUT_H */
