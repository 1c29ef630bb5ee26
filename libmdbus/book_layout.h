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
 * Why this scheme (measured 2026-12-07 on the 2-core build VM, -O2;
 * `build/tests/bus/bench_book`, medians of 7 runs of 200,000 calls, at a
 * load average of 3.7 (and of about 15, in brackets); `valgrind
 * --tool=callgrind bench_book --runs 1 --iters 1000 --mode M --depth D` for
 * instructions per call):
 *   - Reads: the top 10 of a depth-400 book cost 16.9 ns (44..88 ns), all 20
 *     of a depth-20 book 28.3 ns, all 400 of a depth-400 book 527 ns (351,
 *     511 and 6593 Ir per call): a top-10 read touches 1 + 2 + 5 + 5 cache
 *     lines, nothing else. A double
 *     buffer would make the writer bring the stale copy up to date too (two
 *     writes of every changed level) and versioned levels would add a
 *     version word per level to every read, for nothing a reader needs: a
 *     per-book seqlock already never blocks the writer.
 *   - Writes, three ways of storing a side (mdbus__book_rewrite), Ir per
 *     publish at depth 20 / 50 / 400:
 *       every level                 647 / 1427 / 10527
 *       from the first changed one  708 / 1518 / 10967
 *       only the changed ones       929 / 2129 / 16130
 *     and ns per publish likewise (top updates; one-level ones the same):
 *       every level                 24.6 / 53.1 / 402
 *       from the first changed one  26.1 / 56.4 / 427
 *       only the changed ones       31.4 / 75.6 / 574
 *     Comparing costs as much as storing, and an inserted or removed level
 *     shifts every level below it, so the writer rewrites every level (the
 *     default, mode 0). Since 2026-12-07 (branch fastbook) mode 0 stores
 *     four levels a turn, each loaded before it is stored: 425 / 769 /
 *     4605 Ir per publish at depth 20 / 50 / 400 against 563 / 1163 / 8163
 *     for the one-level-a-turn loop before it (kept as mode 3 for
 *     bench_book; `bench_book --runs 1 --iters 1000 --mode M --depth D`
 *     under callgrind, per call).
 *   - Retries: a reader is sent round again only when a publish overlaps
 *     its copy. test_book_stress (writer process publishing flat out, reader
 *     process) saw 1 to 3 % of reads give up with -EAGAIN on this shared
 *     2-core VM, where the writer is often preempted inside its window, and
 *     no torn book in 1e8 reads (`test_book_stress --reads 100000000`:
 *     0 torn, 97,641,060 ok, 2,358,940 -EAGAIN, 727,336 versions seen,
 *     167.7 s under a load average of about 15).
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
