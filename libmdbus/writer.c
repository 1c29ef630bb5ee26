/* SPDX-License-Identifier: MIT */
/*
 * writer.c: creating a bus and publishing into it.
 *
 * Start-up (slow path, syscalls allowed):
 *   1. take LOCK_EX|LOCK_NB on /dev/shm/mdbus-NAME.lock for the writer's life
 *      (a dead writer's lock is free: the kernel drops it with the process);
 *   2. mark a previous segment of the name REPLACED so its readers re-attach;
 *   3. build the new segment at mdbus-NAME.tmp (ftruncate, MAP_POPULATE so
 *      publishing never page-faults, header, empty tables, zeroed ring),
 *      store magic last with release, chmod/chown, rename() over the name.
 * Publishing (hot path): no syscall, no allocation, only stores to the ring.
 * Waking (once per batch): a fence and a read of the reader table's waiter
 * map; the futex syscall only when a reader said it sleeps (readers_layout.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "book_layout.h"
#include "internal.h"
#include "mdbus.h"
#include "readers_layout.h"

struct mdbus_writer {
	struct mdbus_seg_header *hdr; /* start of the RW mapping */
	struct mdbus_seg_instr *instr;
	struct mdbus_slot *ring;
	void *health;
	size_t health_size;
	size_t map_size;
	uint64_t mask;	    /* slots - 1 */
	uint64_t seq;	    /* last published sequence (only this writer stores it) */
	uint64_t woken_seq; /* write_seq at the last wake (or skipped wake) */
	struct mdbus_rtab_header *waitmap; /* the reader table we watch, or NULL: always wake */
	unsigned audit_left;		   /* wakes until the next audit of dead waiters */
	struct mdbus_writer_stats stats;
	struct mdbus__rtab wtab; /* the reader table's mapping (waitmap) */
	struct mdbus__wbooks books;
	uint32_t instr_count; /* private copy of hdr->instr_count */
	uint32_t instr_capacity;
	uint64_t epoch;
	int lock_fd;
	char bus[MDBUS_BUS_NAME_MAX];
	char path[MDBUS__PATH_MAX];
	char lock_path[MDBUS__PATH_MAX];
};

/* Takes the name lock. A reader's liveness probe holds LOCK_SH for a few
 * microseconds, so a failed LOCK_EX is retried briefly before we conclude a
 * live writer owns the name. The lock file may be unlinked by a writer that
 * closes with unlink_bus between our open() and flock(): then we hold a lock
 * on an orphan inode, so we check the path still names our inode. */
static int mdbus_writer_lock(struct mdbus_writer *w, mode_t mode, char *errbuf, size_t errlen)
{
	for (int attempt = 0; attempt < 200; attempt++) {
		int fd = open(w->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd < 0)
			return mdbus__errf(errbuf, errlen, -errno, "open %s: %s", w->lock_path,
					   strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			if (e != EWOULDBLOCK) {
				close(fd);
				return mdbus__errf(errbuf, errlen, -e, "flock %s: %s", w->lock_path,
						   strerror(e));
			}
			if (attempt >= 20) { /* ~20 ms of retries: a real owner */
				char pid[32] = "?";
				ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
				if (n > 0) {
					pid[n] = '\0';
					pid[strcspn(pid, "\n")] = '\0';
				}
				close(fd);
				return mdbus__errf(errbuf, errlen, -EBUSY,
						   "bus '%s' already has a live writer (pid %s)",
						   w->bus, pid);
			}
			close(fd);
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
			continue;
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(w->lock_path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			char pid[32];
			int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
			/* The pid is informational (for the -EBUSY message). */
			if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n) {
				/* ignore: the lock itself is what matters */
			}
			w->lock_fd = fd;
			return 0;
		}
		close(fd); /* lost a race with an unlink: try the new file */
	}
	return mdbus__errf(errbuf, errlen, -EBUSY, "could not take the lock %s", w->lock_path);
}

/* Marks the previous segment of this name (if it is a valid one) REPLACED and
 * wakes its blocked readers, so they drain it and re-attach to ours. */
static void mdbus_writer_retire_old(struct mdbus_writer *w)
{
	int fd = open(w->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= MDBUS_HEADER_SIZE) {
		struct mdbus_seg_header *h =
			mmap(NULL, MDBUS_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (h != MAP_FAILED) {
			if (atomic_load_explicit(&h->magic, memory_order_acquire) == MDBUS_MAGIC &&
			    h->abi_version == MDBUS_ABI_VERSION) {
				/* Release: readers that see REPLACED (acquire) also
				 * see every tick the dead writer completed. */
				atomic_store_explicit(&h->writer_state, MDBUS_WRITER_REPLACED,
						      memory_order_release);
				/* Release: pairs with the acquire load of wake_seq
				 * in mdbus_reader_wait. */
				atomic_fetch_add_explicit(&h->wake_seq, 1, memory_order_release);
				mdbus__futex_wake_all(&h->wake_seq);
			}
			munmap(h, MDBUS_HEADER_SIZE);
		}
	}
	close(fd);
}

/*
 * Reserves every byte of the segment now. tmpfs hands out pages lazily, so a
 * plain ftruncate on a /dev/shm that is full or small (a container's 64 MiB
 * default) would only fail later, as SIGBUS in the writer and every reader
 * when the ring reaches a page that cannot be backed.
 */
static int mdbus_writer_reserve(const struct mdbus_writer *w, int fd, const char *tmp,
				uint64_t size, char *errbuf, size_t errlen)
{
	if (ftruncate(fd, (off_t)size) < 0)
		return mdbus__errf(errbuf, errlen, -errno, "ftruncate %s to %llu: %s", tmp,
				   (unsigned long long)size, strerror(errno));
	int e = posix_fallocate(fd, 0, (off_t)size);
	if (e == 0)
		return 0;
	if (e == ENOSPC) {
		struct statvfs sv;
		unsigned long long free_mib = 0;
		if (fstatvfs(fd, &sv) == 0)
			free_mib = (unsigned long long)sv.f_bavail * sv.f_frsize >> 20;
		return mdbus__errf(errbuf, errlen, -ENOSPC,
				   "bus %s: /dev/shm has %llu MiB free, the segment needs %llu MiB "
				   "(lower slots or enlarge /dev/shm)",
				   w->bus, free_mib,
				   (unsigned long long)((size + (1u << 20) - 1) >> 20));
	}
	return mdbus__errf(errbuf, errlen, -e, "reserve %llu bytes for %s: %s",
			   (unsigned long long)size, tmp, strerror(e));
}

/* The header of a new segment, its magic stored last (release). */
static void mdbus_writer_fill_header(struct mdbus_seg_header *h, const struct mdbus__geom *g,
				     const char *bus, uint64_t epoch)
{
	h->abi_version = MDBUS_ABI_VERSION;
	h->header_size = MDBUS_HEADER_SIZE;
	h->total_size = g->total_size;
	h->epoch = epoch;
	h->created_ns = mdbus__realtime_ns();
	h->instr_off = g->instr_off;
	h->instr_size = g->instr_size;
	h->health_off = g->health_off;
	h->health_size = g->health_size;
	h->ring_off = g->ring_off;
	h->ring_size = g->ring_size;
	h->slots = g->slots;
	h->slot_size = MDBUS_SLOT_SIZE;
	h->instr_capacity = g->instr_capacity;
	h->instr_entry_size = MDBUS_INSTR_ENTRY_SIZE;
	h->max_sessions = g->max_sessions;
	if (g->book_size != 0) {
		h->book_off = g->book_off;
		h->book_size = g->book_size;
		h->book_dir_size = g->book_dir_size;
		h->book_rec_hdr = MDBUS_BOOK_REC_HDR;
		h->book_level_size = MDBUS_BOOK_LEVEL_SIZE;
	}
	/* Informational and truncated to its 15 characters. */
	memcpy(h->bus, bus, strnlen(bus, sizeof(h->bus) - 1));
	atomic_store_explicit(&h->writer_pid, (uint32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&h->writer_state, MDBUS_WRITER_STARTING, memory_order_relaxed);
	atomic_store_explicit(&h->instr_count, 0, memory_order_relaxed);
	atomic_store_explicit(&h->write_seq, 0, memory_order_relaxed);
	/* Release: a reader that loads the magic with acquire sees every header
	 * field above; before this store it sees 0 = "not ready". */
	atomic_store_explicit(&h->magic, MDBUS_MAGIC, memory_order_release);
}

/* Mode and group of the new segment and of the lock file. */
static int mdbus_writer_set_perms(struct mdbus_writer *w, int fd, const char *tmp, mode_t mode,
				  gid_t group, char *errbuf, size_t errlen)
{
	if (fchmod(fd, mode) < 0) {
		return mdbus__errf(errbuf, errlen, -errno, "chmod %s %o: %s", tmp, (unsigned)mode,
				   strerror(errno));
	}
	/* Readers must be able to open the lock file for their liveness probe:
	 * it gets the segment's mode even if an older writer created it. Best
	 * effort: a lock file owned by another user keeps its mode. */
	if (fchmod(w->lock_fd, mode) < 0) {
		/* readers without access fall back to the writer_pid check */
	}
	if (group != (gid_t)-1 && group != getegid()) {
		if (fchown(fd, (uid_t)-1, group) < 0 || fchown(w->lock_fd, (uid_t)-1, group) < 0) {
			return mdbus__errf(errbuf, errlen, -errno, "chown %s to group %u: %s", tmp,
					   (unsigned)group, strerror(errno));
		}
	}
	return 0;
}

/* Maps the reader table's waiter map and marks it watched by this epoch.
 * Best effort: without it (no table, no access) every batch wakes, and so
 * it does with MDBUS_WAKE_ALL=1 in the environment (for readers linked
 * against a libmdbus without the waiter map, which never raise a bit). */
static void mdbus_writer_watch(struct mdbus_writer *w, gid_t group, uint64_t epoch)
{
	const char *all = getenv("MDBUS_WAKE_ALL");
	if (mdbus__rtab_watch(w->bus, group, epoch, &w->wtab) == 0 &&
	    (all == NULL || strcmp(all, "1") != 0))
		w->waitmap = w->wtab.map;
	w->stats.waiter_map = w->waitmap != NULL;
	w->audit_left = MDBUS_RTAB_AUDIT_EVERY;
}

/* The writer's pointers into its new mapping. */
static void mdbus_writer_adopt(struct mdbus_writer *w, const struct mdbus__geom *g, void *base,
			       uint64_t epoch)
{
	w->hdr = base;
	w->map_size = g->total_size;
	w->instr = (struct mdbus_seg_instr *)((char *)base + g->instr_off);
	w->health = (char *)base + g->health_off;
	w->health_size = g->health_size;
	w->ring = (struct mdbus_slot *)((char *)base + g->ring_off);
	w->mask = g->slots - 1u;
	w->instr_capacity = g->instr_capacity;
	w->epoch = epoch;
	if (g->book_size != 0) {
		w->books.region = (uint8_t *)base + g->book_off;
		w->books.size = g->book_size;
		w->books.used = g->book_dir_size;
		w->books.cap = g->instr_capacity;
	}
}

static int mdbus_writer_build(struct mdbus_writer *w, const struct mdbus__geom *g, mode_t mode,
			      gid_t group, char *errbuf, size_t errlen)
{
	char tmp[MDBUS__PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", w->path);
	/* We hold the name lock, so a leftover .tmp is from a dead writer. */
	unlink(tmp);
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return mdbus__errf(errbuf, errlen, -errno, "create %s: %s", tmp, strerror(errno));
	int rc;
	void *base = MAP_FAILED;
	rc = mdbus_writer_reserve(w, fd, tmp, g->total_size, errbuf, errlen);
	if (rc < 0)
		goto err;
	base = mmap(NULL, g->total_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED) {
		rc = mdbus__errf(errbuf, errlen, -errno, "mmap %s (%llu bytes): %s", tmp,
				 (unsigned long long)g->total_size, strerror(errno));
		goto err;
	}
	uint64_t epoch = 0;
	while (epoch == 0) { /* 0 is never a valid epoch */
		if (getrandom(&epoch, sizeof(epoch), 0) != (ssize_t)sizeof(epoch)) {
			rc = mdbus__errf(errbuf, errlen, -errno, "getrandom: %s", strerror(errno));
			goto err;
		}
	}
	/* A fresh file reads as zeros: ring, tables and health region are
	 * already empty. Only the header needs filling, magic last. */
	struct mdbus_seg_header *h = base;
	mdbus_writer_fill_header(h, g, w->bus, epoch);
	rc = mdbus_writer_set_perms(w, fd, tmp, mode, group, errbuf, errlen);
	if (rc < 0)
		goto err;
	/* Before the rename: a reader of this segment never sees the table
	 * watched by another epoch and so never takes the polling path. */
	mdbus_writer_watch(w, group, epoch);
	if (rename(tmp, w->path) < 0) {
		rc = mdbus__errf(errbuf, errlen, -errno, "rename %s -> %s: %s", tmp, w->path,
				 strerror(errno));
		goto err;
	}
	close(fd); /* the mapping keeps the segment alive */
	mdbus_writer_adopt(w, g, base, epoch);
	return 0;
err:
	if (base != MAP_FAILED)
		munmap(base, g->total_size);
	close(fd);
	unlink(tmp);
	return rc;
}

/* Long: mdbus_writer_open's steps in order, each with its own error path. */
static int mdbus_writer_open_geom(mdbus_writer **out, const struct mdbus_writer_opts *opts,
				  int books, size_t book_bytes)
{
	static const struct mdbus_writer_opts defaults = {.group = (gid_t)-1};
	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	char *eb = opts->errbuf;
	size_t el = opts->errlen;
	struct mdbus__geom g;
	int rc = mdbus__geom_compute(opts->slots, opts->max_instruments, opts->max_sessions, &g, eb,
				     el);
	if (rc == 0 && books)
		rc = mdbus__geom_books(&g, book_bytes, eb, el);
	if (rc < 0)
		return rc;
	mode_t mode = opts->mode ? opts->mode : 0640;
	/* 0 and -1 both mean "the writer's group": a zero-initialised opts
	 * struct must not silently ask for the root group. */
	gid_t group = opts->group == 0 ? (gid_t)-1 : opts->group;

	struct mdbus_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return mdbus__errf(eb, el, -ENOMEM, "out of memory");
	w->lock_fd = -1;
	w->wtab.fd = -1;
	if (books &&
	    (w->books.rec = calloc(g.instr_capacity, sizeof(struct mdbus_book_rec *))) == NULL) {
		rc = mdbus__errf(eb, el, -ENOMEM, "out of memory");
		goto err;
	}
	rc = mdbus__bus_paths(opts->bus, w->bus, w->path, w->lock_path);
	if (rc < 0) {
		mdbus__errf(eb, el, rc, "bad bus name '%s': %s", opts->bus ? opts->bus : "(env)",
			    mdbus_strerror(rc));
		goto err;
	}
	if ((rc = mdbus_writer_lock(w, mode, eb, el)) < 0)
		goto err;
	mdbus_writer_retire_old(w);
	if ((rc = mdbus_writer_build(w, &g, mode, group, eb, el)) < 0)
		goto err;
	/* The segment is in place and consistent: readers may now follow it. */
	atomic_store_explicit(&w->hdr->writer_state, MDBUS_WRITER_RUNNING, memory_order_release);
	/* The reader table was created (group-writable with the segment's
	 * group, so that readers of that group may register and say they
	 * wait) by mdbus_writer_watch. Best effort: a reader that finds none
	 * creates it, and a bus works without one. */
	*out = w;
	return 0;
err:
	mdbus__rtab_release(&w->wtab);
	if (w->lock_fd >= 0) {
		/* Still under the lock: do not leave a lock file for a bus
		 * that does not exist. */
		if (access(w->path, F_OK) < 0 && errno == ENOENT)
			unlink(w->lock_path);
		close(w->lock_fd);
	}
	free(w->books.rec);
	free(w);
	return rc;
}

int mdbus_writer_open(mdbus_writer **out, const struct mdbus_writer_opts *opts)
{
	return mdbus_writer_open_geom(out, opts, 0, 0);
}

int mdbus_writer_open_books(mdbus_writer **out, const struct mdbus_writer_opts *opts,
			    size_t book_bytes)
{
	return mdbus_writer_open_geom(out, opts, 1, book_bytes);
}

struct mdbus__wbooks *mdbus__writer_books(mdbus_writer *w, uint32_t *instr_count)
{
	*instr_count = w->instr_count;
	return &w->books;
}

_Atomic uint32_t *mdbus__writer_book_count(mdbus_writer *w)
{
	return &w->hdr->book_count;
}

static int mdbus_copy_name(char *dst, const char *src, size_t max, int allow_empty)
{
	size_t n = strnlen(src, max);
	if (n >= max || (n == 0 && !allow_empty))
		return -EINVAL;
	memset(dst, 0, max);
	memcpy(dst, src, n);
	return 0;
}

int mdbus_writer_add_instrument(mdbus_writer *w, const struct mdbus_instrument *in, uint32_t *id)
{
	if (w == NULL || in == NULL)
		return -EINVAL;
	if (in->price_decimals > MDBUS_DECIMALS_MAX || in->qty_decimals > MDBUS_DECIMALS_MAX ||
	    in->market > MDBUS_MARKET_FUTURE || in->qty_unit > MDBUS_QTY_CONTRACTS ||
	    in->contract_decimals > MDBUS_DECIMALS_MAX || in->contract_size < 0)
		return -EINVAL;
	struct mdbus_seg_instr e;
	memset(&e, 0, sizeof(e));
	if (mdbus_copy_name(e.venue, in->venue, sizeof(e.venue), 0) < 0 ||
	    mdbus_copy_name(e.symbol, in->symbol, sizeof(e.symbol), 0) < 0 ||
	    mdbus_copy_name(e.native, in->native, sizeof(e.native), 1) < 0)
		return -EINVAL;
	/* Start-up path: a linear scan of our own table is fine. */
	for (uint32_t i = 0; i < w->instr_count; i++) {
		const struct mdbus_seg_instr *x = &w->instr[i];
		if (strcmp(x->venue, e.venue) != 0 || strcmp(x->symbol, e.symbol) != 0)
			continue;
		if (id != NULL)
			*id = i;
		if (x->price_decimals != in->price_decimals || x->qty_decimals != in->qty_decimals)
			return -EEXIST;
		return 0;
	}
	if (w->instr_count >= w->instr_capacity)
		return -ENOSPC;
	uint32_t k = w->instr_count;
	e.id = k;
	MDBUS_INSTR_COPY(&e, in);
	w->instr[k] = e;
	w->instr_count = k + 1;
	/* Release: a reader that loads instr_count with acquire sees entry k
	 * complete; entries are never modified after this. */
	atomic_store_explicit(&w->hdr->instr_count, k + 1, memory_order_release);
	if (id != NULL)
		*id = k;
	return 0;
}

/* Word i of a tick (memcpy: no aliasing or alignment assumption). */
static inline uint64_t mdbus_tick_word(const struct mdbus_tick *t, unsigned i)
{
	uint64_t v;
	memcpy(&v, (const unsigned char *)t + (size_t)8 * i, sizeof(v));
	return v;
}

/* The seqlock writer (seqlock.h). The ring and mask are passed in: loaded
 * once per batch, because the compiler must assume that an atomic store into
 * the ring may alias *w and would reload them per tick. */
static inline void mdbus_writer_put(struct mdbus_slot *ring, uint64_t mask, uint64_t n,
				    const struct mdbus_tick *t)
{
	struct mdbus_slot *s = &ring[n & mask];
	mdbus_seq_begin(&s->seq, (n << 1) | 1u);
	/* Seven word moves written out: with a loop over a stack copy of the
	 * tick, GCC -O2 spent about 70 instructions per tick here instead of
	 * about 25 (callgrind, `mdbus-bench throughput`, docs/PERFORMANCE.md). */
	_Static_assert(MDBUS_TICK_WORDS == 7, "unrolled below");
	mdbus_seq_store(&s->words[0], mdbus_tick_word(t, 0));
	mdbus_seq_store(&s->words[1], mdbus_tick_word(t, 1));
	mdbus_seq_store(&s->words[2], mdbus_tick_word(t, 2));
	mdbus_seq_store(&s->words[3], mdbus_tick_word(t, 3));
	mdbus_seq_store(&s->words[4], mdbus_tick_word(t, 4));
	mdbus_seq_store(&s->words[5], mdbus_tick_word(t, 5));
	mdbus_seq_store(&s->words[6], mdbus_tick_word(t, 6));
	mdbus_seq_end(&s->seq, n << 1);
}

int mdbus_writer_publish(mdbus_writer *w, const struct mdbus_tick *t, uint64_t *seq)
{
	if (t->instrument >= w->instr_count)
		return -EINVAL;
	uint64_t n = w->seq + 1;
	mdbus_writer_put(w->ring, w->mask, n, t);
	w->seq = n;
	/* Release: pairs with acquire loads of write_seq (START_LATEST, lap
	 * recovery): slots up to n are complete when n is seen. */
	atomic_store_explicit(&w->hdr->write_seq, n, memory_order_release);
	if (seq != NULL)
		*seq = n;
	return 0;
}

int mdbus_writer_publish_batch(mdbus_writer *w, const struct mdbus_tick *t, size_t n)
{
	if (n > (size_t)INT32_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (t[i].instrument >= w->instr_count)
			return -EINVAL;
	uint64_t s = w->seq;
	struct mdbus_slot *ring = w->ring;
	const uint64_t mask = w->mask;
	/* Release, once per batch (see mdbus_writer_publish), and at least once
	 * per ring's worth of ticks: no slot ever runs more than `slots` ticks
	 * ahead of write_seq, which is how readers tell a corrupt ring from a
	 * writer mid-batch (reader.c, mdbus_reader_lap). */
	for (size_t i = 0; i < n;) {
		size_t end = n - i > mask + 1 ? i + mask + 1 : n;
		for (; i < end; i++)
			mdbus_writer_put(ring, mask, ++s, &t[i]);
		atomic_store_explicit(&w->hdr->write_seq, s, memory_order_release);
	}
	w->seq = s;
	return (int)n;
}

/* Is any reader asleep (or about to be) on wake_seq? The writer's half of
 * the Dekker pairing (readers_layout.h): write_seq was stored (release) by
 * the publish; the seq_cst fence orders that store before the loads of the
 * waiter bits, and pairs with the seq_cst fence a reader makes after raising
 * its bit (reader.c, mdbus_reader_arm): either we see the bit, or the
 * reader's re-check sees the tick. Under TSan, which does not model fences
 * (seqlock.h), each word is read with an acq_rel RMW instead: RMWs of one
 * word are totally ordered, so either ours reads the reader's bit, or the
 * reader's acquire RMW reads ours and so sees write_seq. */
static inline int mdbus_writer_waiters(struct mdbus_rtab_header *h)
{
	uint64_t any = 0;
#if defined(__SANITIZE_THREAD__)
	for (unsigned k = 0; k < MDBUS_RTAB_WAITERS / 64; k++)
		any |= atomic_fetch_or_explicit(&h->waiters[k], 0, memory_order_acq_rel);
#else
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned k = 0; k < MDBUS_RTAB_WAITERS / 64; k++)
		any |= atomic_load_explicit(&h->waiters[k], memory_order_relaxed);
#endif
	return any != 0;
}

void mdbus_writer_wake(mdbus_writer *w)
{
	if (w->seq == w->woken_seq)
		return;
	w->woken_seq = w->seq;
	if (w->waitmap != NULL) {
		if (!mdbus_writer_waiters(w->waitmap)) {
			w->stats.wakes_skipped++; /* nobody asleep: no syscall */
			return;
		}
		if (--w->audit_left == 0) {
			/* A bit that stays set may be a waiter that died asleep. */
			w->audit_left = MDBUS_RTAB_AUDIT_EVERY;
			w->stats.waiters_repaired += (uint64_t)mdbus__rtab_audit(&w->wtab);
		}
	}
	w->stats.wakes++;
	/* Release: a reader whose acquire load of wake_seq sees this value also
	 * sees the ticks published before it, so it cannot go to sleep on a
	 * value that hides them. */
	atomic_fetch_add_explicit(&w->hdr->wake_seq, 1, memory_order_release);
	mdbus__futex_wake_all(&w->hdr->wake_seq);
}

void mdbus_writer_stats(const mdbus_writer *w, struct mdbus_writer_stats *out)
{
	*out = w->stats;
}

void mdbus_writer_set_state(mdbus_writer *w, enum mdbus_writer_state s)
{
	/* Release: readers that see the new state see all earlier ticks. */
	atomic_store_explicit(&w->hdr->writer_state, (uint32_t)s, memory_order_release);
	atomic_fetch_add_explicit(&w->hdr->wake_seq, 1, memory_order_release);
	mdbus__futex_wake_all(&w->hdr->wake_seq);
}

void *mdbus_writer_health(mdbus_writer *w, size_t *size)
{
	if (size != NULL)
		*size = w->health_size;
	return w->health;
}

void *mdbus__writer_map(mdbus_writer *w, size_t *size)
{
	*size = w->map_size;
	return w->hdr;
}

uint64_t mdbus_writer_epoch(const mdbus_writer *w)
{
	return w->epoch;
}

uint64_t mdbus_writer_seq(const mdbus_writer *w)
{
	return w->seq;
}

void mdbus_writer_close(mdbus_writer *w, int unlink_bus)
{
	if (w == NULL)
		return;
	mdbus_writer_set_state(w, MDBUS_WRITER_STOPPED);
	if (unlink_bus) {
		/* Still under the lock: the names are ours to remove. */
		unlink(w->path);
		unlink(w->lock_path);
		mdbus__rtab_unlink(w->bus);
	}
	mdbus__rtab_release(&w->wtab);
	munmap(w->hdr, w->map_size);
	close(w->lock_fd); /* releases the name lock */
	free(w->books.rec);
	free(w);
}
