/* SPDX-License-Identifier: MIT */
/*
 * readers_list.c: mdbus_readers_list, the live readers of a bus with their
 * lag against the segment the caller reads. It reads the reader table
 * (readers.c, byte map in readers_layout.h) and the caller's reader
 * (reader.c); neither of those needs this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "mdbus.h"
#include "readers_layout.h"

/* Copies one live slot; 0 if the slot is free or its owner is gone. */
static int mdbus_rtab_read_slot(int fd, const struct mdbus_rtab_slot *s, unsigned i,
				struct mdbus_reader_entry *e)
{
	/* Acquire: pairs with the claim's release store of the pid. */
	uint32_t pid = atomic_load_explicit(&s->pid, memory_order_acquire);
	if (pid == 0)
		return 0;
	struct flock fl = {.l_type = F_WRLCK,
			   .l_whence = SEEK_SET,
			   .l_start = mdbus__rtab_slot_off(i),
			   .l_len = MDBUS_RTAB_SLOT_SIZE};
	if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK)
		return 0; /* lock released: the reader died (kill -9) */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0; /* pid gone (the lock outlived it in a forked child) */
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->slot = i;
	memcpy(e->name, s->name, sizeof(e->name) - 1);
	mdbus__rtab_copy(s, e);
	return 1;
}

void mdbus__rtab_copy(const struct mdbus_rtab_slot *s, struct mdbus_reader_entry *e)
{
	for (int tries = 0; tries < 64; tries++) {
		/* The seqlock on gen (readers_layout.h): epoch and cursor of one
		 * segment. Acquire on the cursor: pairs with the per-batch
		 * release store, so the counters below are at least as new. */
		uint32_t g0 = atomic_load_explicit(&s->gen, memory_order_acquire);
		e->epoch = atomic_load_explicit(&s->epoch, MDBUS_SEQ_WORD_LOAD);
		e->cursor = atomic_load_explicit(&s->cursor, memory_order_acquire);
		/* The loads before the re-check (seqlock.h: acquire loads under TSan). */
		MDBUS_SEQ_FENCE(memory_order_acquire);
		if (!(g0 & 1u) && atomic_load_explicit(&s->gen, memory_order_relaxed) == g0)
			break;
	}
	e->read = atomic_load_explicit(&s->read, memory_order_relaxed);
	e->missed = atomic_load_explicit(&s->missed, memory_order_relaxed);
	e->laps = atomic_load_explicit(&s->laps, memory_order_relaxed);
	e->last_read_ns = atomic_load_explicit(&s->last_read_ns, memory_order_relaxed);
}

/* The lag of e against the segment r reads: ticks published and not yet
 * read, and how much older (recv_ts) the first unread tick is than the
 * newest one. -1 ns when a tick's time cannot be read. */
static void mdbus_rtab_lag(mdbus_reader *r, struct mdbus_reader_entry *e)
{
	struct mdbus_info in;
	mdbus_reader_info(r, &in);
	e->lag_ns = -1;
	if (e->epoch != in.epoch)
		return;
	e->same_epoch = 1;
	uint64_t next = e->cursor ? e->cursor : 1;
	if (next > in.write_seq) {
		e->lag_ns = 0; /* caught up */
		return;
	}
	e->lag_ticks = in.write_seq + 1 - next;
	uint64_t oldest = in.write_seq >= in.slots ? in.write_seq - in.slots + 1 : 1;
	struct mdbus_tick newest, first;
	if (mdbus__reader_tick_at(r, in.write_seq, &newest) != 1)
		return;
	if (mdbus__reader_tick_at(r, next < oldest ? oldest : next, &first) != 1)
		return;
	e->lag_ns = newest.recv_ts > first.recv_ts ? newest.recv_ts - first.recv_ts : 0;
}

int mdbus_readers_list(mdbus_reader *r, struct mdbus_reader_entry *out, int max)
{
	char path[MDBUS__PATH_MAX];
	if (r == NULL || max < 0 || (out == NULL && max > 0))
		return -EINVAL;
	int rc = mdbus__rtab_path(mdbus__reader_bus(r), path, sizeof(path));
	if (rc < 0)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* nobody ever registered */
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < MDBUS_RTAB_SIZE) {
		close(fd);
		return 0; /* not a table (yet) */
	}
	void *map = mmap(NULL, MDBUS_RTAB_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	int n = 0;
	if (mdbus__rtab_valid(map, MDBUS_RTAB_SIZE) == 0) {
		for (unsigned i = 0; i < MDBUS_RTAB_SLOTS && n < max; i++) {
			if (mdbus_rtab_read_slot(fd, mdbus__rtab_slot(map, i), i, &out[n]) == 1)
				mdbus_rtab_lag(r, &out[n++]);
		}
	}
	munmap(map, MDBUS_RTAB_SIZE);
	close(fd);
	return n;
}
