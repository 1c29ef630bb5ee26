/* SPDX-License-Identifier: MIT */
/*
 * internal.h: helpers shared by the libmdbus core files (names, segment,
 * writer, reader). Not installed. Exported-but-internal names carry a double
 * underscore (mdbus__*), so tests may call them through mdbus_dep.
 */
#ifndef MDBUS_INTERNAL_H
#define MDBUS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "layout.h"

/* "/dev/shm/mdbus-" + name + ".lock" + NUL, with room to spare. */
#define MDBUS__PATH_MAX 128

/* Formats a one-line reason into errbuf (if any); returns err unchanged so
 * callers can write `return mdbus__errf(buf, len, -EINVAL, "...")`. */
int mdbus__errf(char *errbuf, size_t errlen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Resolves and validates the bus name and builds the segment path and the
 * writer's lock-file path ("<path>.lock"). Returns 0 or -EINVAL/-ENAMETOOLONG. */
int mdbus__bus_paths(const char *name, char *bus, char *path, char *lock_path);

/* Segment geometry computed by the writer from its options. */
struct mdbus__geom {
	uint64_t instr_off, instr_size;
	uint64_t health_off, health_size;
	uint64_t ring_off, ring_size;
	uint64_t book_off, book_size, book_dir_size; /* 0, 0, 0: no book region */
	uint64_t total_size;
	uint32_t slots, instr_capacity, max_sessions;
};

/* Checks the writer's requested geometry and computes the offsets.
 * Returns 0 or -EINVAL (reason in errbuf). */
int mdbus__geom_compute(uint32_t slots, uint32_t max_instr, uint32_t max_sessions,
			struct mdbus__geom *g, char *errbuf, size_t errlen);

/* Adds a book region of book_bytes (plus its directory) after the ring of
 * a computed geometry. Returns 0 or -EINVAL (reason in errbuf). */
int mdbus__geom_books(struct mdbus__geom *g, size_t book_bytes, char *errbuf, size_t errlen);

/* Validates a mapped segment of file_size bytes before a reader trusts any
 * field of it. Pure (no I/O): the tests drive it with scripted bytes.
 * Returns 0; -EMSGSIZE file shorter than the header or than total_size;
 * -EAGAIN magic still 0; -EBADMSG wrong magic; -EPROTONOSUPPORT other ABI;
 * -ERANGE an inconsistent size, offset, alignment, overlap or count. */
int mdbus__seg_validate(const void *base, uint64_t file_size, char *errbuf, size_t errlen);

/* Is somebody holding the writer lock (LOCK_EX) on this open lock file?
 * Takes LOCK_SH|LOCK_NB and drops it at once. 1 held, 0 free, -errno. */
int mdbus__lock_probe(int lock_fd);

/* Shared (non-PRIVATE) futex operations on a word of a MAP_SHARED mapping:
 * FUTEX_WAIT only reads the word, so it works on a read-only mapping. */
int mdbus__futex_wait(const _Atomic uint32_t *addr, uint32_t expected, int timeout_ms);
void mdbus__futex_wake_all(_Atomic uint32_t *addr);

/* Test hooks. A reader on memory the caller mapped (or scripted bytes):
 * validated like mdbus_reader_open, never unmapped by close; bus (may be
 * NULL) names the lock file used for the writer liveness probe. Lets the
 * ThreadSanitizer test run reader threads on the writer's own mapping, so
 * every access of the protocol is seen on one address. */
int mdbus__reader_attach_mem(mdbus_reader **out, const void *base, size_t size, const char *bus,
			     enum mdbus_start start, char *errbuf, size_t errlen);
/* The writer's whole mapping (test-only). */
void *mdbus__writer_map(mdbus_writer *w, size_t *size);

/* mdbus_reader_follow's two steps on a reader (reader.c, used by
 * follow.c): one look at the bus name (1 re-attached to a new segment, 0
 * nothing new, -errno a file that cannot be used; *wake is the word to
 * sleep on) and one nap of up to ms (0 woken, -ETIMEDOUT, -EINTR). */
int mdbus__reader_follow_try(mdbus_reader *r, uint32_t *wake, char *errbuf, size_t errlen);
int mdbus__reader_follow_nap(mdbus_reader *r, uint32_t wake, int ms);

/* The reader table (readers.c, byte map in readers_layout.h). A claimed
 * slot: the open table (its OFD lock on the slot is the ownership) and the
 * slot in its mapping. */
struct mdbus_rtab_slot;
struct mdbus__rtab {
	int fd;			      /* read-write, holds the slot's OFD lock; -1 */
	void *map;		      /* the table's mapping */
	struct mdbus_rtab_slot *slot; /* ours, or NULL: not registered */
	unsigned index;
};
/* Creates the table of bus if missing (0660, in group if not -1) and
 * initialises its header. 0 or -errno. */
int mdbus__rtab_create(const char *bus, gid_t group);
/* Removes the table file of bus (mdbus_writer_close with unlink_bus). */
void mdbus__rtab_unlink(const char *bus);
/* Claims a free (or dead reader's) slot: 0, -ENOSPC full, or -errno. */
int mdbus__rtab_claim(const char *bus, const char *name, uint64_t epoch, struct mdbus__rtab *t);
/* Frees the slot or waiter and closes the table (no-op if t holds none). */
void mdbus__rtab_release(struct mdbus__rtab *t);
/* The writer's side of the waiter map (readers_layout.h): creates or maps
 * the table (rebuilding one of an older version: the caller holds the name
 * lock), stores epoch as watch_epoch and keeps the mapping in t (slot NULL).
 * 0 or -errno: the writer then wakes on every batch. */
int mdbus__rtab_watch(const char *bus, gid_t group, uint64_t epoch, struct mdbus__rtab *t);
/* Clears the bits of waiters nobody holds any more (died asleep): one
 * try-lock per set bit. Returns how many were cleared. */
int mdbus__rtab_audit(struct mdbus__rtab *t);
/* A reader's waiter: locks a free waiter byte (t->index), clearing a bit a
 * dead owner left. 0, -ENOSPC (all taken) or -errno (no write access...). */
int mdbus__rtab_waiter_claim(const char *bus, struct mdbus__rtab *t);
/* The published part of a slot (epoch, cursor, counters) into e, with the
 * lister's orderings; and the slot a reader publishes to (NULL if none).
 * Test hooks too: the ThreadSanitizer test runs both on one address. */
void mdbus__rtab_copy(const struct mdbus_rtab_slot *s, struct mdbus_reader_entry *e);
/* The table's path for a bus name, and whether a mapped header is a valid
 * table of this version for a file of size bytes (readers.c): 0 or -errno. */
struct mdbus_rtab_header;
int mdbus__rtab_path(const char *bus, char *path, size_t len);
int mdbus__rtab_valid(const struct mdbus_rtab_header *h, uint64_t size);
const struct mdbus_rtab_slot *mdbus__reader_rslot(const mdbus_reader *r);
/* For mdbus_readers_list: the reader's resolved bus name, and tick seq of
 * its segment if it is still in the ring (1) or not (0). */
const char *mdbus__reader_bus(const mdbus_reader *r);
int mdbus__reader_tick_at(mdbus_reader *r, uint64_t seq, struct mdbus_tick *t);

/* The reader's side of the book region (reader.c, book.c): the checked
 * record of instrument's book, or NULL with *err -ENOENT / -EBADMSG. */
struct mdbus_book_rec;
const struct mdbus_book_rec *mdbus__reader_book(mdbus_reader *r, uint32_t instrument,
						uint32_t *depth, int *err);

/* The writer's side of the book region (writer.c keeps it, book.c uses it). */
struct mdbus__wbooks {
	uint8_t *region;	     /* book_off in the mapping, or NULL: no region */
	uint64_t size;		     /* book_size */
	uint64_t used;		     /* bytes given to the directory and records */
	struct mdbus_book_rec **rec; /* per instrument id: its record or NULL */
	uint32_t cap;		     /* instr_capacity */
	uint32_t count;		     /* books added (private copy of book_count) */
};
struct mdbus__wbooks *mdbus__writer_books(mdbus_writer *w, uint32_t *instr_count);
_Atomic uint32_t *mdbus__writer_book_count(mdbus_writer *w);
/* Test hook (bench_book, bench_feed_book_delta): how a publish rewrites a
 * side's levels: 0 all of them (the default, measured cheapest:
 * book_layout.h), 1 from the first that changed, 2 only those that changed,
 * 3 all of them one level a turn (the loop before, kept as a baseline). */
extern int mdbus__book_rewrite;

/* Realtime clock in ns. */
int64_t mdbus__realtime_ns(void);

#endif /* MDBUS_INTERNAL_H */
