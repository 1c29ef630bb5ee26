/* SPDX-License-Identifier: MIT */
/*
 * readers.c: the reader table (/dev/shm/mdbus-NAME.readers, byte map in
 * readers_layout.h): creating it, claiming and releasing a slot, listing
 * the live readers with their lag, and the waiter map's slow paths (the
 * writer's watch and audit, a reader's waiter claim). The per-batch publish
 * of a reader's cursor lives in reader.c, next to the read loops; raising
 * and reading the waiter bits live in reader.c and writer.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "mdbus.h"
#include "readers_layout.h"

int mdbus__rtab_path(const char *bus, char *path, size_t len)
{
	char res[MDBUS_BUS_NAME_MAX];
	int rc = mdbus_bus_name(bus, res, sizeof(res));
	if (rc < 0)
		return rc;
	int n = snprintf(path, len, "/dev/shm/mdbus-%s.readers", res);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* An OFD lock operation on [start, start + len): 0 or -errno. */
static int mdbus_rtab_lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl) < 0 ? -errno : 0;
}

/* Is the table header sane for a file of `size` bytes? */
int mdbus__rtab_valid(const struct mdbus_rtab_header *h, uint64_t size)
{
	/* Acquire: pairs with the release store of magic after the fields. */
	if (atomic_load_explicit(&h->magic, memory_order_acquire) != MDBUS_RTAB_MAGIC)
		return -EAGAIN;
	if (h->version != MDBUS_RTAB_VERSION || h->slot_count != MDBUS_RTAB_SLOTS ||
	    h->slot_size != MDBUS_RTAB_SLOT_SIZE || h->header_size != MDBUS_RTAB_HEADER_SIZE ||
	    h->waiter_count != MDBUS_RTAB_WAITERS ||
	    h->waiter_lock_off != MDBUS_RTAB_WAITER_LOCK_OFF || size < MDBUS_RTAB_SIZE)
		return -EPROTONOSUPPORT;
	return 0;
}

/* Sizes the table and writes its header fields if the magic is still 0,
 * then the magic: the fields go through the page cache before it, and a
 * lister validates the magic with acquire before any field. */
static int mdbus_rtab_build(int fd)
{
	struct mdbus_rtab_header h = {.version = MDBUS_RTAB_VERSION,
				      .slot_count = MDBUS_RTAB_SLOTS,
				      .slot_size = MDBUS_RTAB_SLOT_SIZE,
				      .header_size = MDBUS_RTAB_HEADER_SIZE,
				      .waiter_count = MDBUS_RTAB_WAITERS,
				      .waiter_lock_off = MDBUS_RTAB_WAITER_LOCK_OFF};
	const size_t rest = sizeof(h) - sizeof(uint64_t);
	struct stat st;
	uint64_t magic = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < MDBUS_RTAB_SIZE && ftruncate(fd, MDBUS_RTAB_SIZE) < 0)
		return -errno;
	if (pread(fd, &magic, sizeof(magic), 0) != (ssize_t)sizeof(magic))
		return -EIO;
	if (magic == MDBUS_RTAB_MAGIC)
		return 0;
	if (pwrite(fd, (const char *)&h + sizeof(uint64_t), rest, sizeof(uint64_t)) !=
	    (ssize_t)rest)
		return -EIO;
	magic = MDBUS_RTAB_MAGIC;
	return pwrite(fd, &magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) ? 0 : -EIO;
}

/* Builds the header of a new (or cut) table under the OFD lock on the
 * header's bytes, so that two first openers cannot race. */
static int mdbus_rtab_init(int fd)
{
	int rc = mdbus_rtab_lock(fd, F_OFD_SETLKW, F_WRLCK, 0, MDBUS_RTAB_HEADER_SIZE);
	if (rc < 0)
		return rc;
	rc = mdbus_rtab_build(fd);
	mdbus_rtab_lock(fd, F_OFD_SETLK, F_UNLCK, 0, MDBUS_RTAB_HEADER_SIZE);
	return rc;
}

int mdbus__rtab_create(const char *bus, gid_t group)
{
	char path[MDBUS__PATH_MAX];
	int rc = mdbus__rtab_path(bus, path, sizeof(path));
	if (rc < 0)
		return rc;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & S_IWOTH)) {
		close(fd);
		return -EPERM; /* a FIFO, a device or a world-writable file: not ours */
	}
	if (created) {
		/* 0660 whatever the umask: readers of the bus's group register
		 * here (the writer gave its segment that group already). */
		if (fchmod(fd, 0660) < 0 || (group != (gid_t)-1 && group != getegid() &&
					     fchown(fd, (uid_t)-1, group) < 0)) {
			rc = -errno;
			close(fd);
			unlink(path);
			return rc;
		}
	}
	rc = mdbus_rtab_init(fd);
	close(fd);
	return rc;
}

void mdbus__rtab_unlink(const char *bus)
{
	char path[MDBUS__PATH_MAX];
	if (mdbus__rtab_path(bus, path, sizeof(path)) == 0)
		unlink(path);
}

/* Opens and maps the table (creating it if missing): 0 with *fd and *map. */
static int mdbus_rtab_map(const char *bus, int *fd, struct mdbus_rtab_header **map)
{
	char path[MDBUS__PATH_MAX];
	int rc = mdbus__rtab_path(bus, path, sizeof(path));
	if (rc < 0)
		return rc;
	int f = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (f < 0 && errno == ENOENT) {
		rc = mdbus__rtab_create(bus, (gid_t)-1);
		if (rc < 0)
			return rc;
		f = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	}
	if (f < 0)
		return -errno;
	struct stat st;
	if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & S_IWOTH)) {
		close(f);
		return -EPERM;
	}
	if ((uint64_t)st.st_size < MDBUS_RTAB_SIZE && (rc = mdbus_rtab_init(f)) < 0) {
		close(f);
		return rc;
	}
	void *m = mmap(NULL, MDBUS_RTAB_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	if (m == MAP_FAILED) {
		rc = -errno;
		close(f);
		return rc;
	}
	if ((rc = mdbus__rtab_valid(m, MDBUS_RTAB_SIZE)) < 0) {
		munmap(m, MDBUS_RTAB_SIZE);
		close(f);
		return rc;
	}
	*fd = f;
	*map = m;
	return 0;
}

int mdbus__rtab_claim(const char *bus, const char *name, uint64_t epoch, struct mdbus__rtab *t)
{
	struct mdbus_rtab_header *map = NULL;
	int fd = -1, rc = mdbus_rtab_map(bus, &fd, &map);
	if (rc < 0 || map == NULL)
		return rc < 0 ? rc : -EIO;
	for (unsigned i = 0; i < MDBUS_RTAB_SLOTS; i++) {
		/* The lock is the ownership: a dead owner's lock is gone, so
		 * its slot is taken over here. */
		if (mdbus_rtab_lock(fd, F_OFD_SETLK, F_WRLCK, mdbus__rtab_slot_off(i),
				    MDBUS_RTAB_SLOT_SIZE) < 0)
			continue;
		struct mdbus_rtab_slot *s = mdbus__rtab_slot(map, i);
		atomic_store_explicit(&s->pid, 0, memory_order_relaxed);
		atomic_store_explicit(&s->gen, 0,
				      memory_order_relaxed); /* a dead owner's odd gen */
		memset(s->name, 0, sizeof(s->name));
		snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
		s->registered_ns = mdbus__realtime_ns();
		atomic_store_explicit(&s->epoch, epoch, memory_order_relaxed);
		atomic_store_explicit(&s->cursor, 0, memory_order_relaxed);
		atomic_store_explicit(&s->read, 0, memory_order_relaxed);
		atomic_store_explicit(&s->missed, 0, memory_order_relaxed);
		atomic_store_explicit(&s->laps, 0, memory_order_relaxed);
		atomic_store_explicit(&s->last_read_ns, 0, memory_order_relaxed);
		/* Release: a lister that sees the pid sees the name and zeros. */
		atomic_store_explicit(&s->pid, (uint32_t)getpid(), memory_order_release);
		t->fd = fd;
		t->map = map;
		t->slot = s;
		t->index = i;
		return 0;
	}
	munmap(map, MDBUS_RTAB_SIZE);
	close(fd);
	return -ENOSPC;
}

void mdbus__rtab_release(struct mdbus__rtab *t)
{
	if (t->map == NULL)
		return;
	/* Release: the slot reads as free before the lock lets another in. */
	if (t->slot != NULL)
		atomic_store_explicit(&t->slot->pid, 0, memory_order_release);
	munmap(t->map, MDBUS_RTAB_SIZE);
	close(t->fd); /* drops the OFD locks (slot or waiter byte) */
	t->slot = NULL;
	t->map = NULL;
	t->fd = -1;
}

int mdbus__rtab_watch(const char *bus, gid_t group, uint64_t epoch, struct mdbus__rtab *t)
{
	struct mdbus_rtab_header *map = NULL;
	int rc = mdbus__rtab_create(bus, group);
	if (rc == 0 || rc == -EPROTONOSUPPORT)
		rc = mdbus_rtab_map(bus, &t->fd, &map);
	if (rc == -EPROTONOSUPPORT) {
		/* An older table: we hold the bus's name lock, so the files of
		 * the name are ours to rebuild. Readers still registered in
		 * the old inode keep their mapping of it. */
		mdbus__rtab_unlink(bus);
		rc = mdbus__rtab_create(bus, group);
		if (rc == 0)
			rc = mdbus_rtab_map(bus, &t->fd, &map);
	}
	if (rc < 0)
		return rc;
	/* Release: a reader that sees our epoch (it compares the value only)
	 * finds the table's header complete; the waiter bits it raises from
	 * then on are read by mdbus_writer_wake. */
	atomic_store_explicit(&map->watch_epoch, epoch, memory_order_release);
	t->map = map;
	t->slot = NULL;
	t->index = 0;
	return 0;
}

int mdbus__rtab_audit(struct mdbus__rtab *t)
{
	struct mdbus_rtab_header *h = t->map;
	int cleared = 0;
	for (unsigned k = 0; k < MDBUS_RTAB_WAITERS / 64; k++) {
		uint64_t bits = atomic_load_explicit(&h->waiters[k], memory_order_relaxed);
		while (bits != 0) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			off_t off = (off_t)MDBUS_RTAB_WAITER_LOCK_OFF + (off_t)(k * 64u + b);
			/* A live waiter holds its byte: only a dead one's bit is
			 * cleared, and nobody can raise it while we hold the lock. */
			if (mdbus_rtab_lock(t->fd, F_OFD_SETLK, F_WRLCK, off, 1) < 0)
				continue;
			atomic_fetch_and_explicit(&h->waiters[k], ~(1ull << b),
						  memory_order_relaxed);
			mdbus_rtab_lock(t->fd, F_OFD_SETLK, F_UNLCK, off, 1);
			cleared++;
		}
	}
	return cleared;
}

int mdbus__rtab_waiter_claim(const char *bus, struct mdbus__rtab *t)
{
	struct mdbus_rtab_header *map = NULL;
	int fd = -1, rc = mdbus_rtab_map(bus, &fd, &map);
	if (rc < 0 || map == NULL)
		return rc < 0 ? rc : -EIO;
	for (unsigned i = 0; i < MDBUS_RTAB_WAITERS; i++) {
		if (mdbus_rtab_lock(fd, F_OFD_SETLK, F_WRLCK, (off_t)MDBUS_RTAB_WAITER_LOCK_OFF + i,
				    1) < 0)
			continue;
		/* Ours now: a bit left by a waiter that died asleep is cleared
		 * (the writer would otherwise wake on every batch). */
		atomic_fetch_and_explicit(&map->waiters[i / 64], ~(1ull << (i % 64)),
					  memory_order_relaxed);
		t->fd = fd;
		t->map = map;
		t->slot = NULL;
		t->index = i;
		return 0;
	}
	munmap(map, MDBUS_RTAB_SIZE);
	close(fd);
	return -ENOSPC;
}
