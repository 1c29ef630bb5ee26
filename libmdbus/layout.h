/* SPDX-License-Identifier: MIT */
/*
 * layout.h: the byte map of an mdbus segment (/dev/shm/mdbus-NAME).
 * Private to libmdbus and its tests: C11 only (uses _Atomic).
 *
 * Segment (all offsets from the start of the file, all regions 64-byte
 * aligned, every offset and size recorded in the header and validated by
 * readers against the file size before use):
 *
 *   0            +-------------------------------+
 *                | struct mdbus_seg_header  4096 |  magic written last
 *   instr_off    +-------------------------------+
 *                | instr_capacity x 128 B        |  struct mdbus_seg_instr
 *   health_off   +-------------------------------+
 *                | health region (health_size)   |  see mdbus_health.h
 *   ring_off     +-------------------------------+
 *                | slots x 64 B                  |  struct mdbus_slot
 *   book_off     +-------------------------------+  (only if book_size != 0)
 *                | book region (book_size)       |  see book_layout.h
 *   total_size   +-------------------------------+
 *
 * Header (struct mdbus_seg_header), one 4096-byte page:
 *
 *   off  size field
 *     0     8 magic            MDBUS_MAGIC, stored LAST with release order
 *     8     4 abi_version      MDBUS_ABI_VERSION
 *    12     4 header_size      4096
 *    16     8 total_size       file size in bytes
 *    24     8 epoch            random, new for every segment a writer makes
 *    32     8 created_ns       CLOCK_REALTIME at creation
 *    40     8 instr_off
 *    48     8 instr_size       instr_capacity * 128
 *    56     8 health_off
 *    64     8 health_size
 *    72     8 ring_off
 *    80     8 ring_size        slots * 64
 *    88     4 slots            power of two
 *    92     4 slot_size        64
 *    96     4 instr_capacity
 *   100     4 instr_entry_size 128
 *   104     4 max_sessions
 *   108     4 reserved0
 *   112    16 bus name (NUL-terminated, informational)
 *   128     4 writer_pid       atomic
 *   132     4 writer_state     atomic, enum mdbus_writer_state
 *   136     4 instr_count      atomic: entries [0, instr_count) are valid
 *   140     4 book_count       atomic: books added (book_layout.h)
 *   144     8 book_off         book region (0 with book_size 0: none)
 *   152     8 book_size
 *   160     8 book_dir_size    instr_capacity x 16, rounded up to 64
 *   168     4 book_rec_hdr     128 (a reader checks the record format)
 *   172     4 book_level_size  16
 *   176 .. 191 reserved        0
 *   192     8 write_seq        atomic: last fully published sequence (own line)
 *   200 .. 255 pad
 *   256     4 wake_seq         atomic futex word, bumped by mdbus_writer_wake
 *   260 .. 4095 reserved
 *
 * Ring slot (struct mdbus_slot), one cache line:
 *
 *   off  size field
 *     0     8 seq   atomic: (n << 1) = tick n complete; (n << 1) | 1 = tick n
 *                   being written; 0 = never written. n starts at 1.
 *     8    56 words tick payload as 7 relaxed-atomic uint64 words
 *
 * Seqlock protocol (Boehm 2012), writer publishing tick n into slot n&mask:
 *   slot.seq = (n<<1)|1          relaxed
 *   atomic_thread_fence(release) -- orders the odd marker before the words
 *   words[i] = ...               relaxed stores
 *   slot.seq = n<<1              release: pairs with the reader's acquire
 *   write_seq = n                release (once per publish/batch)
 * Reader wanting tick n:
 *   s0 = slot.seq                acquire
 *   copy words                   relaxed loads
 *   atomic_thread_fence(acquire) -- orders the copy before the re-check
 *   s1 = slot.seq                relaxed
 *   valid iff s0 == s1 == n<<1; s0 > n<<1 (or s1 != s0) means lapped.
 *   s0 < n<<1: not yet written. s0 == (n<<1)|1: being written (spin a
 *   little; if the writer is dead per its lock, the tick is torn: skip it).
 * Lap: tick n is lost; so is every tick below write_seq - slots + 1, so the
 * reader resumes at max(n + 1, write_seq - slots + 1) and reports the
 * difference as missed: read + missed (+ torn) == published, exactly.
 *
 * Files: /dev/shm/mdbus-NAME (this segment, built as mdbus-NAME.tmp and
 * renamed into place) and mdbus-NAME.lock (the writer holds flock LOCK_EX on
 * it for its life; readers probe it with LOCK_SH|LOCK_NB for liveness).
 * The ring starts on a 4096-byte boundary (writers align ring_off; readers
 * only require 64).
 *
 * Instrument entry (struct mdbus_seg_instr), 128 bytes, immutable once
 * published: the writer fills entry k, then stores instr_count = k + 1 with
 * release; readers load instr_count with acquire and read only entries below.
 *
 *   off  size field
 *     0     4 id
 *     4     1 price_decimals
 *     5     1 qty_decimals
 *     6     1 market            enum mdbus_market (0 spot: older entries read as spot)
 *     7     1 qty_unit          enum mdbus_qty_unit
 *     8    16 venue
 *    24    32 symbol (normalized: BTC-USDT, BTC-USDT-PERP, BTC-USD-20261225)
 *    56    32 native
 *    88     8 contract_size     int64 mantissa, 0 = none (spot)
 *    96     4 expiry            YYYYMMDD, 0 = none (not a dated future)
 *   100     1 contract_decimals contract size = contract_size / 10^this
 *   101    27 reserved          0
 */
#ifndef MDBUS_LAYOUT_H
#define MDBUS_LAYOUT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"

#include "seqlock.h" /* the slot protocol and its TSan strategy */

#define MDBUS_MAGIC	       0x5355424d444d0a31ull /* "1\nMDMBUS" little-endian-ish tag */
#define MDBUS_HEADER_SIZE      4096u
#define MDBUS_SLOT_SIZE	       64u
#define MDBUS_INSTR_ENTRY_SIZE 128u
#define MDBUS_TICK_WORDS       7u

/* Health region size: one definition, the public one (mdbus.h includes
 * mdbus_health.h, whose byte map and records it sizes). */
#define MDBUS_HEALTH_SIZE(max_sessions, max_instr)                                                 \
	MDBUS_HEALTH_REGION_BYTES(max_sessions, max_instr)

struct mdbus_seg_header {
	_Atomic uint64_t magic;
	uint32_t abi_version;
	uint32_t header_size;
	uint64_t total_size;
	uint64_t epoch;
	int64_t created_ns;
	uint64_t instr_off;
	uint64_t instr_size;
	uint64_t health_off;
	uint64_t health_size;
	uint64_t ring_off;
	uint64_t ring_size;
	uint32_t slots;
	uint32_t slot_size;
	uint32_t instr_capacity;
	uint32_t instr_entry_size;
	uint32_t max_sessions;
	uint32_t reserved0;
	char bus[16];
	_Atomic uint32_t writer_pid;
	_Atomic uint32_t writer_state;
	_Atomic uint32_t instr_count;
	_Atomic uint32_t book_count;
	uint64_t book_off;
	uint64_t book_size;
	uint64_t book_dir_size;
	uint32_t book_rec_hdr;
	uint32_t book_level_size;
	uint8_t reserved1[192 - 176];
	alignas(64) _Atomic uint64_t write_seq;
	uint8_t pad0[56];
	alignas(64) _Atomic uint32_t wake_seq;
	uint8_t reserved2[MDBUS_HEADER_SIZE - 260];
};

_Static_assert(offsetof(struct mdbus_seg_header, magic) == 0, "magic");
_Static_assert(offsetof(struct mdbus_seg_header, abi_version) == 8, "abi_version");
_Static_assert(offsetof(struct mdbus_seg_header, header_size) == 12, "header_size");
_Static_assert(offsetof(struct mdbus_seg_header, total_size) == 16, "total_size");
_Static_assert(offsetof(struct mdbus_seg_header, epoch) == 24, "epoch");
_Static_assert(offsetof(struct mdbus_seg_header, created_ns) == 32, "created_ns");
_Static_assert(offsetof(struct mdbus_seg_header, instr_off) == 40, "instr_off");
_Static_assert(offsetof(struct mdbus_seg_header, instr_size) == 48, "instr_size");
_Static_assert(offsetof(struct mdbus_seg_header, health_off) == 56, "health_off");
_Static_assert(offsetof(struct mdbus_seg_header, health_size) == 64, "health_size");
_Static_assert(offsetof(struct mdbus_seg_header, ring_off) == 72, "ring_off");
_Static_assert(offsetof(struct mdbus_seg_header, ring_size) == 80, "ring_size");
_Static_assert(offsetof(struct mdbus_seg_header, slots) == 88, "slots");
_Static_assert(offsetof(struct mdbus_seg_header, slot_size) == 92, "slot_size");
_Static_assert(offsetof(struct mdbus_seg_header, instr_capacity) == 96, "instr_capacity");
_Static_assert(offsetof(struct mdbus_seg_header, instr_entry_size) == 100, "instr_entry");
_Static_assert(offsetof(struct mdbus_seg_header, max_sessions) == 104, "max_sessions");
_Static_assert(offsetof(struct mdbus_seg_header, bus) == 112, "bus");
_Static_assert(offsetof(struct mdbus_seg_header, writer_pid) == 128, "writer_pid");
_Static_assert(offsetof(struct mdbus_seg_header, writer_state) == 132, "writer_state");
_Static_assert(offsetof(struct mdbus_seg_header, instr_count) == 136, "instr_count");
_Static_assert(offsetof(struct mdbus_seg_header, book_count) == 140, "book_count");
_Static_assert(offsetof(struct mdbus_seg_header, book_off) == 144, "book_off");
_Static_assert(offsetof(struct mdbus_seg_header, book_size) == 152, "book_size");
_Static_assert(offsetof(struct mdbus_seg_header, book_dir_size) == 160, "book_dir_size");
_Static_assert(offsetof(struct mdbus_seg_header, book_rec_hdr) == 168, "book_rec_hdr");
_Static_assert(offsetof(struct mdbus_seg_header, book_level_size) == 172, "book_level_size");
_Static_assert(offsetof(struct mdbus_seg_header, write_seq) == 192, "write_seq");
_Static_assert(offsetof(struct mdbus_seg_header, wake_seq) == 256, "wake_seq");
_Static_assert(sizeof(struct mdbus_seg_header) == MDBUS_HEADER_SIZE, "header size");

struct mdbus_slot {
	_Atomic uint64_t seq;
	_Atomic uint64_t words[MDBUS_TICK_WORDS];
};
_Static_assert(offsetof(struct mdbus_slot, seq) == 0, "slot seq");
_Static_assert(offsetof(struct mdbus_slot, words) == 8, "slot words");
_Static_assert(sizeof(struct mdbus_slot) == MDBUS_SLOT_SIZE, "slot size");
_Static_assert(sizeof(struct mdbus_tick) == (size_t)MDBUS_TICK_WORDS * 8, "tick fits a slot");
_Static_assert(offsetof(struct mdbus_tick, exch_ts) == 8, "tick exch_ts");
_Static_assert(offsetof(struct mdbus_tick, recv_ts) == 16, "tick recv_ts");
_Static_assert(offsetof(struct mdbus_tick, u) == 24, "tick payload");

struct mdbus_seg_instr {
	uint32_t id;
	uint8_t price_decimals;
	uint8_t qty_decimals;
	uint8_t market;
	uint8_t qty_unit;
	char venue[MDBUS_VENUE_MAX];
	char symbol[MDBUS_SYMBOL_MAX];
	char native[MDBUS_SYMBOL_MAX];
	int64_t contract_size;
	uint32_t expiry;
	uint8_t contract_decimals;
	uint8_t reserved2[27];
};
/* The numeric fields struct mdbus_instrument (mdbus.h) and this entry share
 * by name: the writer copies them in, the reader out, from this one list. */
#define MDBUS_INSTR_COPY(dst, src)                                                                 \
	do {                                                                                       \
		(dst)->price_decimals = (src)->price_decimals;                                     \
		(dst)->qty_decimals = (src)->qty_decimals;                                         \
		(dst)->market = (src)->market;                                                     \
		(dst)->qty_unit = (src)->qty_unit;                                                 \
		(dst)->contract_size = (src)->contract_size;                                       \
		(dst)->contract_decimals = (src)->contract_decimals;                               \
		(dst)->expiry = (src)->expiry;                                                     \
	} while (0)
_Static_assert(offsetof(struct mdbus_seg_instr, id) == 0, "instr id");
_Static_assert(offsetof(struct mdbus_seg_instr, price_decimals) == 4, "instr price_decimals");
_Static_assert(offsetof(struct mdbus_seg_instr, qty_decimals) == 5, "instr qty_decimals");
_Static_assert(offsetof(struct mdbus_seg_instr, market) == 6, "instr market");
_Static_assert(offsetof(struct mdbus_seg_instr, qty_unit) == 7, "instr qty_unit");
_Static_assert(offsetof(struct mdbus_seg_instr, venue) == 8, "instr venue");
_Static_assert(offsetof(struct mdbus_seg_instr, symbol) == 24, "instr symbol");
_Static_assert(offsetof(struct mdbus_seg_instr, native) == 56, "instr native");
_Static_assert(offsetof(struct mdbus_seg_instr, contract_size) == 88, "instr contract_size");
_Static_assert(offsetof(struct mdbus_seg_instr, expiry) == 96, "instr expiry");
_Static_assert(offsetof(struct mdbus_seg_instr, contract_decimals) == 100, "instr contract_dec");
_Static_assert(offsetof(struct mdbus_seg_instr, reserved2) == 101, "instr reserved");
_Static_assert(sizeof(struct mdbus_seg_instr) == MDBUS_INSTR_ENTRY_SIZE, "instr size");

#endif /* MDBUS_LAYOUT_H */
