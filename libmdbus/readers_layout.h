/* SPDX-License-Identifier: MIT */
/*
 * readers_layout.h: the byte map of a bus's reader table
 * (/dev/shm/mdbus-NAME.readers). Private to libmdbus and its tests: C11 only.
 *
 * Readers map the bus read-only, so a reader that opts in
 * (MDBUS_READER_REGISTER, mdbus_reader_register) says where it is in this
 * separate, small, group-writable file: created 0660 by the writer (with the
 * segment's group) or by the first reader that registers.
 *
 *   0                 +------------------------------------+
 *                     | struct mdbus_rtab_header    128 B  |  magic written last
 *   128               +------------------------------------+
 *                     | slot_count x 128 B                 |  struct mdbus_rtab_slot
 *   8320              +------------------------------------+
 *                     | waiter_count x 1 B  (lock bytes)   |  only OFD-locked, never
 *   8576              +------------------------------------+  read or written
 *
 * Header (line 0 written once; line 1 is the waiter map, the only hot line):
 *   off size field
 *     0    8 magic           MDBUS_RTAB_MAGIC, stored last with release order
 *     8    4 version         MDBUS_RTAB_VERSION (2: the waiter map)
 *    12    4 slot_count      MDBUS_RTAB_SLOTS
 *    16    4 slot_size       128
 *    20    4 header_size     128
 *    24    4 waiter_count    MDBUS_RTAB_WAITERS (bits in waiters[])
 *    28    4 waiter_lock_off MDBUS_RTAB_WAITER_LOCK_OFF
 *    32    8 watch_epoch     atomic: epoch of the writer that reads waiters[]
 *                            (0 = none: every waiter polls)
 *    40   24 reserved
 *    64   32 waiters[4]      atomic bitmap: bit i set = waiter i is (about
 *                            to be) asleep on the segment's wake_seq
 *    96   32 reserved
 *
 * Slot (two cache lines: the identity, written once per registration, and
 * the counters, written by the reader once per batch):
 *   off size field
 *     0    4 pid           atomic; 0 = free. Stored last (release) on claim.
 *     4    4 gen           atomic: odd while epoch and cursor change together
 *     8    8 epoch         atomic: the segment (writer epoch) the cursor is in
 *    16   32 name          NUL-terminated
 *    48    8 registered_ns CLOCK_REALTIME
 *    56    8 reserved
 *    64    8 cursor        atomic: sequence of the next tick the reader reads
 *    72    8 read          atomic: ticks read
 *    80    8 missed        atomic: ticks lost to laps
 *    88    8 laps          atomic: lap events
 *    96    8 last_read_ns  atomic: CLOCK_REALTIME_COARSE at the last publish
 *   104   24 reserved
 *
 * Ownership: a slot belongs to whoever holds an OFD write lock
 * (fcntl F_OFD_SETLK) on its 128 bytes. The kernel drops the lock when the
 * owner's descriptor is closed, so a reader killed with -9 leaves a slot
 * whose lock is free: listers skip it (F_OFD_GETLK) and the next reader to
 * register takes it over. Initialisation runs under an OFD lock on the
 * header's bytes, so two first readers cannot both build the header.
 *
 * Waiters (version 2). Readers map the segment read-only, so a reader about
 * to sleep in mdbus_reader_wait says so here: it owns waiter i while it holds
 * an OFD write lock on byte waiter_lock_off + i (taken at its first wait,
 * dropped by mdbus_reader_close or by the kernel when it dies), raises bit i
 * of waiters[] before it sleeps and clears it when it wakes. The writer
 * bumps wake_seq and makes the futex syscall only when some bit is set
 * (writer.c, mdbus_writer_wake). Pairing (Dekker): the reader raises its bit
 * with a seq_cst RMW, then a seq_cst fence, then re-checks the ring and the
 * writer state; the writer stores write_seq (release), a seq_cst fence, then
 * loads waiters[]. One of the two sees the other's store: the writer wakes,
 * or the reader finds the tick and does not sleep. A reader that dies asleep
 * leaves its bit set (the writer then wakes each batch, as before version
 * 2) until the bit is repaired: whoever next takes that waiter's lock (a new
 * waiter, or the writer's audit, which try-locks every set bit's byte every
 * MDBUS_RTAB_AUDIT_EVERY wakes) clears it. Holding the lock while clearing
 * means a live waiter's bit is never cleared by somebody else. A writer that
 * found no usable table leaves watch_epoch alone and wakes on every batch;
 * a reader that cannot use the map (no write access, an old table, no free
 * waiter, watch_epoch not its segment's epoch) sleeps in bounded slices of
 * MDBUS_RTAB_POLL_MS and re-checks between them, so it is never stranded;
 * an armed waiter's slices are MDBUS_RTAB_ARMED_MS, for the same reason.
 *
 * Publication (per batch, never per tick): the reader stores read, missed,
 * laps, last_read_ns relaxed and the cursor last with release; a lister
 * loads the cursor with acquire, then the counters (at least as new as the
 * cursor). On a new segment the reader changes epoch and cursor together
 * under a seqlock on gen (gen odd, release fence, epoch and cursor relaxed,
 * gen even with release); a lister loads gen (acquire), epoch and cursor,
 * an acquire fence, gen again, and retries on an odd or changed gen, so it
 * never pairs a cursor with the wrong segment. Per-batch publishes do not
 * touch gen: they change the cursor only, within one epoch.
 */
#ifndef MDBUS_READERS_LAYOUT_H
#define MDBUS_READERS_LAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MDBUS_RTAB_MAGIC       0x5244524d444d0a31ull /* "1\nMDMRDR" */
#define MDBUS_RTAB_VERSION     2u
#define MDBUS_RTAB_SLOTS       64u
#define MDBUS_RTAB_SLOT_SIZE   128u
#define MDBUS_RTAB_HEADER_SIZE 128u
#define MDBUS_RTAB_NAME_MAX    32u
#define MDBUS_RTAB_WAITERS     256u
#define MDBUS_RTAB_WAITER_LOCK_OFF                                                                 \
	(MDBUS_RTAB_HEADER_SIZE + MDBUS_RTAB_SLOTS * MDBUS_RTAB_SLOT_SIZE)
#define MDBUS_RTAB_SIZE (MDBUS_RTAB_WAITER_LOCK_OFF + MDBUS_RTAB_WAITERS)
/* A waiter that cannot use the waiter map sleeps at most this long at once. */
#define MDBUS_RTAB_POLL_MS 2
/* One that can raises its bit again and re-checks at least this often (a
 * bit cleared by another member of the group strands nobody for longer). */
#define MDBUS_RTAB_ARMED_MS 1000
/* The writer audits the set bits (a try-lock each) once per this many wakes. */
#define MDBUS_RTAB_AUDIT_EVERY 4096u

struct mdbus_rtab_header {
	_Atomic uint64_t magic;
	uint32_t version;
	uint32_t slot_count;
	uint32_t slot_size;
	uint32_t header_size;
	uint32_t waiter_count;
	uint32_t waiter_lock_off;
	_Atomic uint64_t watch_epoch;
	uint8_t reserved1[24];
	_Atomic uint64_t waiters[MDBUS_RTAB_WAITERS / 64];
	uint8_t reserved2[32];
};
_Static_assert(offsetof(struct mdbus_rtab_header, magic) == 0, "rtab magic");
_Static_assert(offsetof(struct mdbus_rtab_header, version) == 8, "rtab version");
_Static_assert(offsetof(struct mdbus_rtab_header, slot_count) == 12, "rtab slot_count");
_Static_assert(offsetof(struct mdbus_rtab_header, slot_size) == 16, "rtab slot_size");
_Static_assert(offsetof(struct mdbus_rtab_header, header_size) == 20, "rtab header_size");
_Static_assert(offsetof(struct mdbus_rtab_header, waiter_count) == 24, "rtab waiter_count");
_Static_assert(offsetof(struct mdbus_rtab_header, waiter_lock_off) == 28, "rtab waiter_lock_off");
_Static_assert(offsetof(struct mdbus_rtab_header, watch_epoch) == 32, "rtab watch_epoch");
_Static_assert(offsetof(struct mdbus_rtab_header, waiters) == 64, "rtab waiters (own line)");
_Static_assert(sizeof(((struct mdbus_rtab_header *)0)->waiters) == 32, "rtab waiters size");
_Static_assert(MDBUS_RTAB_WAITER_LOCK_OFF == 8320, "rtab waiter lock bytes");
_Static_assert(MDBUS_RTAB_SIZE == 8576, "rtab size");
_Static_assert(sizeof(struct mdbus_rtab_header) == MDBUS_RTAB_HEADER_SIZE, "rtab header size");

struct mdbus_rtab_slot {
	_Atomic uint32_t pid;
	_Atomic uint32_t gen;
	_Atomic uint64_t epoch;
	char name[MDBUS_RTAB_NAME_MAX];
	int64_t registered_ns;
	uint64_t reserved1;
	_Atomic uint64_t cursor;
	_Atomic uint64_t read;
	_Atomic uint64_t missed;
	_Atomic uint64_t laps;
	_Atomic int64_t last_read_ns;
	uint8_t reserved2[24];
};
_Static_assert(offsetof(struct mdbus_rtab_slot, pid) == 0, "rslot pid");
_Static_assert(offsetof(struct mdbus_rtab_slot, gen) == 4, "rslot gen");
_Static_assert(offsetof(struct mdbus_rtab_slot, epoch) == 8, "rslot epoch");
_Static_assert(offsetof(struct mdbus_rtab_slot, name) == 16, "rslot name");
_Static_assert(offsetof(struct mdbus_rtab_slot, registered_ns) == 48, "rslot registered_ns");
_Static_assert(offsetof(struct mdbus_rtab_slot, cursor) == 64, "rslot cursor");
_Static_assert(offsetof(struct mdbus_rtab_slot, read) == 72, "rslot read");
_Static_assert(offsetof(struct mdbus_rtab_slot, missed) == 80, "rslot missed");
_Static_assert(offsetof(struct mdbus_rtab_slot, laps) == 88, "rslot laps");
_Static_assert(offsetof(struct mdbus_rtab_slot, last_read_ns) == 96, "rslot last_read_ns");
_Static_assert(sizeof(struct mdbus_rtab_slot) == MDBUS_RTAB_SLOT_SIZE, "rslot size");

/* Slot i of a mapped table, and its byte offset in the file (the OFD lock
 * that says its reader is alive covers exactly those bytes). */
static inline struct mdbus_rtab_slot *mdbus__rtab_slot(void *map, unsigned i)
{
	return (struct mdbus_rtab_slot *)((char *)map + MDBUS_RTAB_HEADER_SIZE +
					  (size_t)i * MDBUS_RTAB_SLOT_SIZE);
}

static inline off_t mdbus__rtab_slot_off(unsigned i)
{
	return (off_t)MDBUS_RTAB_HEADER_SIZE + (off_t)i * MDBUS_RTAB_SLOT_SIZE;
}

#endif /* MDBUS_READERS_LAYOUT_H */
