/* SPDX-License-Identifier: MIT */
/*
 * reader.c: following a bus read-only.
 *
 * The segment is opened O_RDONLY and mapped PROT_READ: a reader cannot
 * corrupt the bus. Every header field is validated against the file size
 * once (mdbus__seg_validate) and the geometry is then cached here, so a
 * writer that later scribbles on its header cannot make us read out of
 * bounds; instr_count, the only growing field, is clamped on every use.
 *
 * Hot path (mdbus_reader_next): one acquire load of the slot's seq, seven
 * relaxed loads, an acquire fence and one relaxed re-load (mdbus_reader_fast,
 * inlined; anything unusual goes to mdbus_reader_next1), plus a software
 * prefetch of slots already known complete. No syscall unless the writer
 * looks stuck in the middle of a publish (liveness probe).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "book_layout.h"
#include "internal.h"
#include "mdbus.h"
#include "readers_layout.h"

/* Busy-wait iterations on a slot the writer is filling before asking the
 * kernel whether the writer is still alive. A publish takes ~20 ns. */
#define MDBUS_TORN_SPINS 4096

#define MDBUS_READER_BOOK_CACHE 16u /* a power of two */

struct mdbus_reader {
	const uint8_t *base; /* PROT_READ mapping of the whole file */
	size_t map_size;
	const struct mdbus_seg_header *hdr;
	const struct mdbus_seg_instr *instr;
	const struct mdbus_slot *ring;
	const void *health;
	size_t health_size;
	uint64_t mask; /* slots - 1 (cached, validated) */
	uint64_t slots;
	uint32_t instr_capacity; /* cached, validated */
	uint64_t pos;		 /* sequence of the next tick to read */
	uint64_t seen_ws;	 /* a write_seq we loaded: slots up to it are complete */
	uint64_t pf;		 /* next sequence to prefetch */
	uint64_t epoch;
	int lock_fd;	/* O_RDONLY on the writer's lock file, or -1 */
	int pending;	/* an error swallowed by mdbus_reader_read, reported next */
	int corrupt;	/* the ring was found corrupt: every read fails until reattach */
	unsigned flags; /* MDBUS_READER_* from the open options */
	int owns_map;	/* 0: mdbus__reader_attach_mem, the caller's memory */
	enum mdbus_start start;
	struct mdbus_reader_stats stats;
	struct mdbus_rtab_slot *rslot; /* our reader-table slot, or NULL */
	uint64_t pub_pos;	       /* the cursor last published there */
	char bus[MDBUS_BUS_NAME_MAX];
	/* Cold, kept after the fields the read path touches: */
	int seg_fd;		 /* O_RDONLY on the mapped segment (its size), or -1 */
	int cut;		 /* the file shrank: the mapping is zero pages now */
	dev_t seg_dev;		 /* the mapped segment's file, to notice another one */
	ino_t seg_ino;		 /* put at the bus path */
	int refused;		 /* mdbus_reader_follow reported this file as unusable: */
	dev_t refused_dev;	 /* it waits for another one rather than report it */
	ino_t refused_ino;	 /* again (a caller's retry loop would spin) */
	struct mdbus__rtab rtab; /* the reader table, while registered */
	struct mdbus__rtab wtab; /* our waiter in the table's waiter map, or map NULL */
	uint64_t wtab_epoch;	 /* the segment the waiter was last looked for */
	const uint8_t *books;	 /* the book region (validated at open), or NULL */
	uint64_t book_size;
	uint64_t book_dir_size;
	struct {
		uint32_t key; /* instrument + 1, 0 = empty */
		uint32_t depth;
		const struct mdbus_book_rec *rec;
	} bcache[MDBUS_READER_BOOK_CACHE]; /* checked records (immutable once published) */
};

static inline void mdbus_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void mdbus_reader_setup(struct mdbus_reader *r, const void *base, size_t size);

/*
 * /dev/shm is writable by every local user: a segment anyone may write, or
 * one owned by another user than the writer's name lock, may be a forgery.
 * Refused with -EPERM unless MDBUS_READER_INSECURE, which accepts it and
 * leaves the same text in the error buffer as a warning.
 */
static int mdbus_reader_trust(const struct mdbus_reader *r, const char *path, const char *lock_path,
			      const struct stat *st, char *eb, size_t el)
{
	struct stat ls;
	int rc = 0;
	if (st->st_mode & S_IWOTH)
		rc = mdbus__errf(eb, el, -EPERM, "%s is writable by others (mode %04o): refused",
				 path, (unsigned)(st->st_mode & 07777));
	else if (lstat(lock_path, &ls) == 0 && S_ISREG(ls.st_mode) && ls.st_uid != st->st_uid)
		rc = mdbus__errf(eb, el, -EPERM,
				 "%s is owned by uid %u but its writer's lock by uid %u: refused",
				 path, (unsigned)st->st_uid, (unsigned)ls.st_uid);
	return rc < 0 && (r->flags & MDBUS_READER_INSECURE) ? 0 : rc;
}

/* Maps and validates the bus into the mapping fields of r (not the cursor). */
static int mdbus_reader_map(struct mdbus_reader *r, const char *name, char *eb, size_t el)
{
	char path[MDBUS__PATH_MAX], lock_path[MDBUS__PATH_MAX];
	int rc = mdbus__bus_paths(name, r->bus, path, lock_path);
	if (rc < 0)
		return mdbus__errf(eb, el, rc, "bad bus name '%s': %s", name ? name : "(env)",
				   mdbus_strerror(rc));
	/* O_NONBLOCK: a FIFO planted at the name must not block us in open();
	 * O_NOFOLLOW: nor may a symlink redirect us. Both are refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			return mdbus__errf(eb, el, rc,
					   "no bus: %s does not exist (no writer for '%s')", path,
					   r->bus);
		return mdbus__errf(eb, el, rc, "open %s: %s", path, strerror(-rc));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		rc = mdbus__errf(eb, el, -errno, "fstat %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return mdbus__errf(eb, el, -EBADMSG, "%s is not a regular file", path);
	}
	rc = mdbus_reader_trust(r, path, lock_path, &st, eb, el);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	if ((uint64_t)st.st_size < MDBUS_HEADER_SIZE) {
		close(fd);
		return mdbus__errf(eb, el, -EMSGSIZE,
				   "%s is %lld bytes, shorter than the %u-byte header", path,
				   (long long)st.st_size, MDBUS_HEADER_SIZE);
	}
	void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		rc = mdbus__errf(eb, el, -errno, "mmap %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	char why[200];
	rc = mdbus__seg_validate(base, (uint64_t)st.st_size, why, sizeof(why));
	if (rc < 0) {
		munmap(base, (size_t)st.st_size);
		close(fd);
		return mdbus__errf(eb, el, rc, "%s: %s", path, why);
	}
	mdbus_reader_setup(r, base, (size_t)st.st_size);
	r->owns_map = 1;
	r->seg_fd = fd; /* kept: mdbus_reader_shrunk */
	r->seg_dev = st.st_dev;
	r->seg_ino = st.st_ino;
	/* The lock file may be missing (bus copied by hand): treat as no writer. */
	r->lock_fd = open(lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return 0;
}

/* Caches the geometry of a validated segment. */
static void mdbus_reader_setup(struct mdbus_reader *r, const void *base, size_t size)
{
	const struct mdbus_seg_header *h = base;
	r->base = base;
	r->map_size = size;
	r->hdr = h;
	r->instr = (const struct mdbus_seg_instr *)(r->base + h->instr_off);
	r->health = r->base + h->health_off;
	r->health_size = h->health_size;
	r->ring = (const struct mdbus_slot *)(r->base + h->ring_off);
	r->slots = h->slots;
	r->mask = h->slots - 1u;
	r->instr_capacity = h->instr_capacity;
	r->epoch = h->epoch;
	r->books = h->book_size != 0 ? r->base + h->book_off : NULL;
	r->book_size = h->book_size;
	r->book_dir_size = h->book_dir_size;
	memset(r->bcache, 0, sizeof(r->bcache));
}

/* Checks the directory entry and record of instrument's book (the region
 * itself was validated at open): a lying entry is -EBADMSG, never followed. */
static const struct mdbus_book_rec *mdbus_reader_book_check(const struct mdbus_reader *r,
							    uint32_t instrument, uint32_t *depth,
							    int *err)
{
	const struct mdbus_book_dirent *d = (const struct mdbus_book_dirent *)r->books + instrument;
	/* Acquire: pairs with the writer's release store of rec_off, made after
	 * the entry's depth and the record's ident: both are complete here. */
	uint64_t off = atomic_load_explicit(&d->rec_off, memory_order_acquire);
	*err = -ENOENT;
	if (off == 0)
		return NULL;
	*err = -EBADMSG;
	uint32_t dep = d->depth;
	if (d->instrument != instrument || dep == 0 || dep > MDBUS_BOOK_LEVELS_MAX ||
	    off % 64 != 0 || off < r->book_dir_size || off > r->book_size ||
	    mdbus_book_rec_bytes(dep) > r->book_size - off)
		return NULL;
	const struct mdbus_book_rec *rec = (const struct mdbus_book_rec *)(r->books + off);
	if (rec->ident != mdbus_book_ident(instrument, dep))
		return NULL;
	*depth = dep;
	return rec;
}

const struct mdbus_book_rec *mdbus__reader_book(mdbus_reader *r, uint32_t instrument,
						uint32_t *depth, int *err)
{
	*err = -ENOENT;
	if (r->books == NULL || instrument >= r->instr_capacity)
		return NULL;
	unsigned k = instrument & (MDBUS_READER_BOOK_CACHE - 1u);
	if (r->bcache[k].key == instrument + 1u) {
		*depth = r->bcache[k].depth;
		return r->bcache[k].rec;
	}
	const struct mdbus_book_rec *rec = mdbus_reader_book_check(r, instrument, depth, err);
	if (rec != NULL) {
		r->bcache[k].key = instrument + 1u;
		r->bcache[k].depth = *depth;
		r->bcache[k].rec = rec;
	}
	return rec;
}

static void mdbus_reader_unmap(struct mdbus_reader *r)
{
	if (r->base != NULL && r->owns_map)
		munmap((void *)r->base, r->map_size);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	if (r->seg_fd >= 0)
		close(r->seg_fd);
	r->base = NULL;
	r->lock_fd = -1;
	r->seg_fd = -1;
}

/*
 * Has our segment file shrunk under us? Only the writer's uid (or root) can
 * truncate it (0640, owned by the writer), and libmdbus never does, but a
 * page cut from a file raises SIGBUS in whoever touches it. Called where a
 * syscall is free (a wait that timed out, a dead writer, a re-attach): the
 * mapping is then replaced by zero pages at the same address, so no later
 * call (nor a pointer from mdbus_reader_health) can touch a cut page, and
 * every read returns -EBADMSG until a re-attach. A page cut while a call
 * is reading it cannot be caught without a signal handler, which a library
 * must not install: that SIGBUS is the limit.
 */
static int mdbus_reader_shrunk(struct mdbus_reader *r)
{
	struct stat st;
	if (r->cut)
		return 1;
	if (r->seg_fd < 0 || r->base == NULL || !r->owns_map)
		return 0;
	if (fstat(r->seg_fd, &st) < 0 || (uint64_t)st.st_size >= r->map_size)
		return 0;
	/* MAP_FIXED replaces the pages atomically: no window without a mapping. */
	(void)mmap((void *)r->base, r->map_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0);
	r->cut = 1;
	r->corrupt = 1;
	r->stats.corrupt++;
	return 1;
}

/* After a wait timed out: -EBADMSG if our file shrank; -ESTALE if the bus
 * path no longer names our file (unlinked, or another file put there without
 * marking ours REPLACED: re-attach, which keeps ours if nothing valid is
 * there); else 0. A successor writer holding the name lock does not make
 * ours alive: only the path tells that our segment was orphaned. */
static int mdbus_reader_check_file(struct mdbus_reader *r)
{
	char bus[MDBUS_BUS_NAME_MAX], path[MDBUS__PATH_MAX], lock_path[MDBUS__PATH_MAX];
	struct stat st;
	if (mdbus_reader_shrunk(r))
		return -EBADMSG;
	if (r->seg_fd < 0 || mdbus__bus_paths(r->bus, bus, path, lock_path) < 0)
		return 0;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? -ESTALE : 0;
	return st.st_dev != r->seg_dev || st.st_ino != r->seg_ino ? -ESTALE : 0;
}

static uint64_t mdbus_reader_oldest(const struct mdbus_reader *r, uint64_t ws)
{
	return ws >= r->slots ? ws - r->slots + 1 : 1;
}

static void mdbus_reader_set_start(struct mdbus_reader *r, enum mdbus_start start)
{
	/* Acquire: pairs with the writer's release of write_seq. */
	uint64_t ws = atomic_load_explicit(&r->hdr->write_seq, memory_order_acquire);
	r->pos = start == MDBUS_START_OLDEST ? mdbus_reader_oldest(r, ws) : ws + 1;
	r->pending = 0;
}

int mdbus_reader_open(mdbus_reader **out, const struct mdbus_reader_opts *opts)
{
	static const struct mdbus_reader_opts defaults = {0};
	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	struct mdbus_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return mdbus__errf(opts->errbuf, opts->errlen, -ENOMEM, "out of memory");
	r->lock_fd = -1;
	r->seg_fd = -1;
	r->rtab.fd = -1;
	r->wtab.fd = -1;
	r->flags = opts->flags;
	if (opts->errbuf && opts->errlen)
		opts->errbuf[0] = '\0';
	int rc = mdbus_reader_map(r, opts->bus, opts->errbuf, opts->errlen);
	if (rc < 0) {
		free(r);
		return rc;
	}
	r->start = opts->start;
	mdbus_reader_set_start(r, opts->start);
	if (opts->flags & MDBUS_READER_REGISTER) {
		/* Soft: the reader works unregistered, errbuf says why. */
		rc = mdbus_reader_register(r, NULL);
		if (rc < 0)
			mdbus__errf(opts->errbuf, opts->errlen, rc,
				    "not registered in the reader table of '%s': %s", r->bus,
				    mdbus_strerror(rc));
	}
	*out = r;
	return 0;
}

int mdbus__reader_attach_mem(mdbus_reader **out, const void *base, size_t size, const char *bus,
			     enum mdbus_start start, char *errbuf, size_t errlen)
{
	*out = NULL;
	int rc = mdbus__seg_validate(base, size, errbuf, errlen);
	if (rc < 0)
		return rc;
	struct mdbus_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->lock_fd = -1;
	r->seg_fd = -1;
	r->rtab.fd = -1;
	r->wtab.fd = -1;
	mdbus_reader_setup(r, base, size);
	if (bus != NULL) {
		char path[MDBUS__PATH_MAX], lock_path[MDBUS__PATH_MAX];
		if (mdbus__bus_paths(bus, r->bus, path, lock_path) == 0)
			r->lock_fd = open(lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	r->start = start;
	mdbus_reader_set_start(r, start);
	*out = r;
	return 0;
}

/* The cold half of the per-batch publish (readers_layout.h): counters
 * relaxed, then the cursor with release, so a lister that loads the cursor
 * with acquire sees counters at least as new. The time is the coarse clock
 * (a vDSO read of a few ns, jiffy resolution): enough for "last read". */
static void mdbus_reader_publish_now(struct mdbus_reader *r)
{
	struct mdbus_rtab_slot *s = r->rslot;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	atomic_store_explicit(&s->read, r->stats.read, memory_order_relaxed);
	atomic_store_explicit(&s->missed, r->stats.missed, memory_order_relaxed);
	atomic_store_explicit(&s->laps, r->stats.laps, memory_order_relaxed);
	atomic_store_explicit(&s->last_read_ns, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
			      memory_order_relaxed);
	atomic_store_explicit(&s->cursor, r->pos, memory_order_release);
	r->pub_pos = r->pos;
}

/* A new segment: epoch and cursor change together under the slot's gen
 * seqlock (readers_layout.h), then the counters are published as usual. */
static void mdbus_reader_publish_epoch(struct mdbus_reader *r)
{
	struct mdbus_rtab_slot *s = r->rslot;
	uint32_t g = atomic_load_explicit(&s->gen, memory_order_relaxed);
	atomic_store_explicit(&s->gen, g + 1, memory_order_relaxed);
	/* Release fence: the odd gen is visible before the new epoch/cursor
	 * (seqlock.h's TSan strategy: release stores instead under TSan). */
	MDBUS_SEQ_FENCE(memory_order_release);
	atomic_store_explicit(&s->epoch, r->epoch, MDBUS_SEQ_WORD_STORE);
	atomic_store_explicit(&s->cursor, r->pos, MDBUS_SEQ_WORD_STORE);
	/* Release: a lister that sees the even gen sees both stores. */
	atomic_store_explicit(&s->gen, g + 2, memory_order_release);
	mdbus_reader_publish_now(r);
}

void mdbus_reader_publish(mdbus_reader *r)
{
	if (r != NULL && r->rslot != NULL && r->pub_pos != r->pos)
		mdbus_reader_publish_now(r);
}

int mdbus_reader_register(mdbus_reader *r, const char *name)
{
	if (r == NULL || r->bus[0] == '\0')
		return -EINVAL;
	if (r->rslot != NULL)
		return -EALREADY;
	int rc = mdbus__rtab_claim(r->bus, name ? name : program_invocation_short_name, r->epoch,
				   &r->rtab);
	if (rc < 0)
		return rc;
	r->rslot = r->rtab.slot;
	mdbus_reader_publish_now(r);
	return 0;
}

int mdbus_reader_registered(const mdbus_reader *r)
{
	return r != NULL && r->rslot != NULL;
}

const struct mdbus_rtab_slot *mdbus__reader_rslot(const mdbus_reader *r)
{
	return r->rslot;
}

const char *mdbus__reader_bus(const mdbus_reader *r)
{
	return r->bus;
}

int mdbus__reader_tick_at(mdbus_reader *r, uint64_t seq, struct mdbus_tick *t)
{
	const struct mdbus_slot *s = &r->ring[seq & r->mask];
	uint64_t w[MDBUS_TICK_WORDS];
	uint64_t s0 = mdbus_seq_load(&s->seq); /* seqlock.h */
	if (seq == 0 || s0 != seq << 1)
		return 0;
	for (unsigned i = 0; i < MDBUS_TICK_WORDS; i++)
		w[i] = mdbus_seq_word(&s->words[i]);
	if (mdbus_seq_recheck(&s->seq) != s0)
		return 0;
	memcpy(t, w, sizeof(*t));
	return 1;
}

void mdbus_reader_close(mdbus_reader *r)
{
	if (r == NULL)
		return;
	mdbus__rtab_release(&r->rtab);
	mdbus__rtab_release(&r->wtab);
	mdbus_reader_unmap(r);
	free(r);
}

/* Replaces r's mapping by the freshly mapped segment n (another epoch) and
 * starts at its oldest tick; r's counters carry over. The old mapping and
 * its descriptors are released here, so no re-attach leaks either. */
static void mdbus_reader_adopt(struct mdbus_reader *r, struct mdbus_reader *n)
{
	mdbus_reader_unmap(r);
	n->stats = r->stats;
	n->start = r->start;
	n->refused = r->refused;
	n->refused_dev = r->refused_dev;
	n->refused_ino = r->refused_ino;
	n->rtab = r->rtab;
	n->rslot = r->rslot;
	n->wtab = r->wtab;
	n->wtab_epoch = r->wtab_epoch;
	*r = *n;
	mdbus_reader_set_start(r, MDBUS_START_OLDEST);
	if (r->rslot != NULL)
		mdbus_reader_publish_epoch(r);
}

/* The name still holds our segment (n maps it again): 0 if its writer is
 * alive, else why it is not a new writer: -ESHUTDOWN stopped, -ESTALE
 * marked REPLACED (its successor not yet renamed in), -EOWNERDEAD died. */
static int mdbus_reader_same_end(struct mdbus_reader *n)
{
	uint32_t st = atomic_load_explicit(&n->hdr->writer_state, memory_order_acquire);
	if (st == MDBUS_WRITER_STOPPED)
		return -ESHUTDOWN;
	if (st == MDBUS_WRITER_REPLACED)
		return -ESTALE;
	return mdbus_reader_writer_alive(n) == 0 ? -EOWNERDEAD : 0;
}

int mdbus_reader_reattach(mdbus_reader *r)
{
	/* Our own file cut short: stop touching it whatever happens next. */
	mdbus_reader_shrunk(r);
	/* Map the new segment first: on failure the old one stays usable. */
	struct mdbus_reader n = {.lock_fd = -1, .seg_fd = -1, .flags = r->flags};
	int rc = mdbus_reader_map(&n, r->bus, NULL, 0);
	if (rc < 0)
		return rc;
	if (n.epoch == r->epoch && !r->cut) {
		/* The same segment: keep our mapping and our place rather than
		 * deliver its ticks twice, and do not call a segment whose
		 * writer is gone a success (a caller would spin on it). */
		rc = mdbus_reader_same_end(&n);
		mdbus_reader_unmap(&n);
		return rc;
	}
	mdbus_reader_adopt(r, &n);
	return 0;
}

/*
 * One look for a new writer, for mdbus_reader_follow (follow.c): 1 when the
 * bus name holds another valid segment (r now reads it from its oldest
 * tick), 0 when there is nothing new (no file, a file still being set up,
 * our own segment, or a file already refused), or the open error of a new
 * file that cannot be used (reported once per file: later calls wait for
 * another). *wake gets the wake word to sleep on, loaded before the look,
 * so a wake sent after it is never lost. One lstat when nothing changed.
 */
int mdbus__reader_follow_try(mdbus_reader *r, uint32_t *wake, char *errbuf, size_t errlen)
{
	char bus[MDBUS_BUS_NAME_MAX], path[MDBUS__PATH_MAX], lock_path[MDBUS__PATH_MAX];
	struct stat st;
	/* Acquire: pairs with the release fetch_add of a retiring writer. */
	*wake = atomic_load_explicit(&r->hdr->wake_seq, memory_order_acquire);
	mdbus_reader_shrunk(r);
	if (r->bus[0] == '\0' || mdbus__bus_paths(r->bus, bus, path, lock_path) < 0)
		return -EINVAL; /* a reader on the caller's memory has no name */
	if (lstat(path, &st) < 0)
		return 0; /* no bus (yet): keep waiting */
	if (r->seg_fd >= 0 && !r->cut && st.st_dev == r->seg_dev && st.st_ino == r->seg_ino)
		return 0; /* still our segment: no new writer */
	if (r->refused && st.st_dev == r->refused_dev && st.st_ino == r->refused_ino)
		return 0;
	struct mdbus_reader n = {.lock_fd = -1, .seg_fd = -1, .flags = r->flags};
	int rc = mdbus_reader_map(&n, r->bus, errbuf, errlen);
	if (rc == -ENOENT || rc == -EAGAIN)
		return 0; /* gone again, or not initialised yet */
	if (rc < 0) {
		r->refused = 1;
		r->refused_dev = st.st_dev;
		r->refused_ino = st.st_ino;
		return rc;
	}
	if (n.epoch == r->epoch && !r->cut) {
		mdbus_reader_unmap(&n); /* another link to our own segment */
		return 0;
	}
	mdbus_reader_adopt(r, &n);
	return 1;
}

/* Sleeps up to ms for mdbus_reader_follow. A stopped or replaced segment is
 * woken by the writer that takes the name over (it marks the old segment
 * REPLACED and wakes it before it builds its own), so the futex on the wake
 * word answers at once; a live writer's segment (follow called early) or a
 * dead writer's wakes nobody useful, so a plain sleep. Returns 0 woken,
 * -ETIMEDOUT, -EINTR (a signal handler ran). */
int mdbus__reader_follow_nap(mdbus_reader *r, uint32_t wake, int ms)
{
	uint32_t st = atomic_load_explicit(&r->hdr->writer_state, memory_order_acquire);
	if (!r->cut && (st == MDBUS_WRITER_STOPPED || st == MDBUS_WRITER_REPLACED))
		return mdbus__futex_wait(&r->hdr->wake_seq, wake, ms);
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	int rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	return rc == 0 ? -ETIMEDOUT : -rc;
}

int mdbus_reader_writer_alive(mdbus_reader *r)
{
	uint32_t st = atomic_load_explicit(&r->hdr->writer_state, memory_order_acquire);
	if (st == MDBUS_WRITER_REPLACED || st == MDBUS_WRITER_STOPPED)
		return 0; /* our writer is gone even if a successor holds the lock */
	if (r->cut)
		return 0; /* our mapping is gone (truncated): no writer of ours */
	if (r->lock_fd < 0) {
		/* No readable lock file (permissions, or a segment copied by
		 * hand): fall back to the recorded pid, racy against pid reuse
		 * but never calling a live writer dead. */
		pid_t pid = (pid_t)atomic_load_explicit(&r->hdr->writer_pid, memory_order_relaxed);
		if (pid <= 0)
			return 0;
		return kill(pid, 0) == 0 || errno == EPERM ? 1 : 0;
	}
	int alive = mdbus__lock_probe(r->lock_fd);
	if (alive == 0)
		mdbus_reader_shrunk(r);
	return alive;
}

/* Nothing to read at r->pos: is that the end of this segment? */
static int mdbus_reader_idle(struct mdbus_reader *r, const struct mdbus_slot *s, uint64_t want)
{
	/* Acquire: pairs with the release store of STOPPED/REPLACED, which the
	 * writer makes after its last publish, so the re-check below sees it. */
	uint32_t st = atomic_load_explicit(&r->hdr->writer_state, memory_order_acquire);
	if (st != MDBUS_WRITER_STOPPED && st != MDBUS_WRITER_REPLACED)
		return 0;
	if (atomic_load_explicit(&s->seq, memory_order_relaxed) >= want)
		return 1; /* a last tick arrived: the caller retries */
	return st == MDBUS_WRITER_REPLACED ? -ESTALE : -ESHUTDOWN;
}

/*
 * Slot n holds (or is being filled with) a newer tick s0, so tick n is lost.
 * Every tick below write_seq - slots + 1 is lost too (overwritten by a
 * completed tick), so the cursor resumes at the oldest that may still be
 * there; a stale write_seq only makes us jump short and the next try sees
 * the lap again. What no sane writer produces is corruption, and it ends
 * the walk (-EBADMSG, sticky until mdbus_reader_reattach) instead of
 * looping for ever: a slot claiming a tick more than a ring ahead of
 * write_seq, a cursor that far ahead, or a tick in a slot that is not its
 * own (tick & mask). With a finite write_seq the walk is then at most
 * 2 x slots + 1 steps. (More laps in
 * one call are not corruption: a slow reader behind a fast writer may be
 * lapped again and again, and each step still lands inside the ring.)
 */
static int mdbus_reader_lap(struct mdbus_reader *r, uint64_t n, uint64_t s0, uint64_t *missed)
{
	uint64_t ws = atomic_load_explicit(&r->hdr->write_seq, memory_order_acquire);
	/* A writer in the middle of a batch marks up to `slots` slots before it
	 * stores write_seq (publish_batch stores it at least once per ring's
	 * worth), and we loaded write_seq after the slot: ws + slots is the
	 * limit for a slot and for the cursor. */
	uint64_t lim = ws + r->slots;
	if ((s0 >> 1) > lim || n > lim || ((s0 >> 1) & r->mask) != (n & r->mask)) {
		r->corrupt = 1;
		r->stats.corrupt++;
		return -EBADMSG;
	}
	uint64_t np = mdbus_reader_oldest(r, ws);
	if (np < n + 1)
		np = n + 1;
	*missed += np - n;
	r->stats.missed += np - n;
	r->stats.laps++;
	r->pos = np;
	return 0;
}

/* Copies tick r->pos or accounts for why it cannot: returns 1 (copied), 0
 * nothing yet, or -errno; *missed accumulates ticks lost to laps. */
static int mdbus_reader_next1(struct mdbus_reader *r, uint64_t words[MDBUS_TICK_WORDS],
			      uint64_t *missed)
{
	unsigned spins = 0;
	if (r->corrupt)
		return -EBADMSG;
	for (;;) {
		uint64_t n = r->pos;
		const struct mdbus_slot *s = &r->ring[n & r->mask];
		const uint64_t want = n << 1;
		/* The seqlock read (seqlock.h): tick n is valid if its even
		 * marker is there before and after the copy. */
		uint64_t s0 = mdbus_seq_load(&s->seq);
		if (s0 == want) {
			for (unsigned i = 0; i < MDBUS_TICK_WORDS; i++)
				words[i] = mdbus_seq_word(&s->words[i]);
			if (mdbus_seq_recheck(&s->seq) == s0) {
				r->pos = n + 1;
				r->stats.read++;
				return 1;
			}
			r->stats.retries++;
			/* The writer came round again while we copied: lapped. */
		} else if (s0 < want) {
			int rc = mdbus_reader_idle(r, s, want);
			if (rc == 1)
				continue;
			return rc;
		} else if (s0 == (want | 1u)) {
			/* The writer is filling tick n right now. */
			if (++spins < MDBUS_TORN_SPINS) {
				mdbus_cpu_relax();
				continue;
			}
			spins = 0;
			if (mdbus_reader_writer_alive(r) == 1)
				return 0; /* slow writer: try again later */
			if (atomic_load_explicit(&s->seq, memory_order_acquire) != s0)
				continue; /* it finished after all */
			/* The writer died mid-publish: this tick never completes. */
			r->pos = n + 1;
			r->stats.torn++;
			return -EOWNERDEAD;
		}
		int rc = mdbus_reader_lap(r, n, s0, missed);
		if (rc < 0)
			return rc;
		spins = 0;
	}
}

/*
 * The common case of mdbus_reader_next1, inlined into the read loops: tick
 * r->pos is complete and stays so while we copy it (same protocol, same
 * orderings as mdbus_reader_next1). Returns MDBUS_FAST_COPIED;
 * MDBUS_FAST_NOT_YET when the slow path must decide (not yet written, being
 * written, lapped); MDBUS_FAST_RACED when the writer overwrote the slot
 * during the copy (the slow path then sees the lap). Not errno values.
 */
enum { MDBUS_FAST_NOT_YET = 0, MDBUS_FAST_COPIED = 1, MDBUS_FAST_RACED = 2 };

static inline int mdbus_reader_fast(struct mdbus_reader *r, struct mdbus_tick *t)
{
	const uint64_t n = r->pos;
	const struct mdbus_slot *s = &r->ring[n & r->mask];
	uint64_t s0 = mdbus_seq_load(&s->seq); /* seqlock.h */
	if (s0 != n << 1)
		return MDBUS_FAST_NOT_YET;
	uint64_t w[MDBUS_TICK_WORDS];
	_Static_assert(MDBUS_TICK_WORDS == 7, "unrolled below");
	w[0] = mdbus_seq_word(&s->words[0]);
	w[1] = mdbus_seq_word(&s->words[1]);
	w[2] = mdbus_seq_word(&s->words[2]);
	w[3] = mdbus_seq_word(&s->words[3]);
	w[4] = mdbus_seq_word(&s->words[4]);
	w[5] = mdbus_seq_word(&s->words[5]);
	w[6] = mdbus_seq_word(&s->words[6]);
	if (mdbus_seq_recheck(&s->seq) != s0)
		return MDBUS_FAST_RACED;
	memcpy(t, w, sizeof(*t));
	r->pos = n + 1;
	return MDBUS_FAST_COPIED;
}

/*
 * After a tick was read: keeps the next MDBUS_PREFETCH_AHEAD slots in flight
 * (software prefetch), so the cache misses on lines the writer filled from
 * the other core overlap instead of costing one round trip per tick. Only
 * slots known complete (<= a write_seq we loaded) are prefetched, so we never
 * pull a line the writer is about to fill away from it; write_seq is loaded
 * again only when every known-complete slot has been prefetched. Runs every
 * MDBUS_PREFETCH_EVERY ticks (a power of two) to keep its cost per tick low.
 * A hint: it changes no result, and the seqlock checks are unchanged.
 */
#define MDBUS_PREFETCH_AHEAD 16u
#define MDBUS_PREFETCH_EVERY 8u
static inline void mdbus_reader_ahead(struct mdbus_reader *r)
{
	if ((r->pos & (MDBUS_PREFETCH_EVERY - 1)) != 0)
		return;
	const uint64_t want = r->pos + MDBUS_PREFETCH_AHEAD;
	if (r->pf < r->pos)
		r->pf = r->pos; /* first use, or we jumped ahead (lap, re-attach) */
	if (r->pf >= want)
		return;
	if (r->pf > r->seen_ws)
		/* Acquire: pairs with the writer's release of write_seq. Used only
		 * as a prefetch bound, never to decide what is valid. */
		r->seen_ws = atomic_load_explicit(&r->hdr->write_seq, memory_order_acquire);
	const uint64_t lim = r->seen_ws + 1 < want ? r->seen_ws + 1 : want;
	for (; r->pf < lim; r->pf++)
		__builtin_prefetch(&r->ring[r->pf & r->mask], 0, 3);
}

#define MDBUS_PUBLISH_EVERY 256u /* a power of two */

int mdbus_reader_next(mdbus_reader *r, struct mdbus_tick *t, uint64_t *seq, uint64_t *missed)
{
	uint64_t lost = 0;
	int rc;
	if (r->pending != 0) {
		rc = r->pending;
		r->pending = 0;
	} else {
		rc = mdbus_reader_fast(r, t);
		if (rc == MDBUS_FAST_COPIED) {
			r->stats.read++;
		} else {
			uint64_t words[MDBUS_TICK_WORDS];
			if (rc == MDBUS_FAST_RACED)
				r->stats.retries++;
			rc = mdbus_reader_next1(r, words, &lost);
			if (rc == 1)
				memcpy(t, words, sizeof(*t));
		}
		if (rc == 1) {
			if (seq != NULL)
				*seq = r->pos - 1;
			mdbus_reader_ahead(r);
		}
	}
	/* The table learns the cursor when the reader runs dry and every
	 * MDBUS_PUBLISH_EVERY ticks: one branch per tick otherwise. */
	if (r->rslot != NULL && (rc != 1 || (r->pos & (MDBUS_PUBLISH_EVERY - 1)) == 0))
		mdbus_reader_publish(r);
	if (missed != NULL)
		*missed = lost;
	return rc;
}

int mdbus_reader_read(mdbus_reader *r, struct mdbus_tick *t, uint64_t *seqs, int max,
		      uint64_t *missed)
{
	uint64_t lost = 0;
	int count = 0, rc = 0;
	if (r->pending != 0) {
		rc = r->pending;
		r->pending = 0;
	}
	uint64_t fast = 0;
	while (rc == 0 && count < max) {
		int f = mdbus_reader_fast(r, &t[count]);
		if (f == MDBUS_FAST_COPIED) {
			fast++;
		} else {
			uint64_t words[MDBUS_TICK_WORDS];
			if (f == MDBUS_FAST_RACED)
				r->stats.retries++;
			rc = mdbus_reader_next1(r, words, &lost);
			if (rc != 1)
				break;
			memcpy(&t[count], words, sizeof(*t));
			rc = 0;
		}
		if (seqs != NULL)
			seqs[count] = r->pos - 1;
		count++;
		mdbus_reader_ahead(r);
	}
	r->stats.read += fast;
	if (r->rslot != NULL)
		mdbus_reader_publish(r); /* once per batch */
	if (missed != NULL)
		*missed = lost;
	if (count > 0) {
		/* Keep a one-shot error (a torn tick) for the next call. */
		if (rc == -EOWNERDEAD)
			r->pending = rc;
		return count;
	}
	return rc;
}

/* After an idle wait timed out, with nothing at tick `want`: a writer killed
 * while idle never says so, so ask its name lock. -EOWNERDEAD if it is dead
 * and left nothing more to read; -ESHUTDOWN/-ESTALE if it stopped or was
 * replaced meanwhile; -EBADMSG if our file turned out cut; else 0. */
static int mdbus_reader_check_writer(struct mdbus_reader *r, const struct mdbus_slot *s,
				     uint64_t want)
{
	if (mdbus_reader_writer_alive(r) != 0)
		return 0; /* alive, or the probe failed: never call it dead */
	if (r->corrupt)
		return -EBADMSG;
	int rc = mdbus_reader_idle(r, s, want);
	if (rc < 0)
		return rc;
	/* Acquire: a tick (or a torn one) that arrived is for next() to report. */
	if (rc == 1 || atomic_load_explicit(&s->seq, memory_order_acquire) >= want)
		return 0;
	return -EOWNERDEAD;
}

/* Anything at r->pos? 1: a tick, a lap or a torn tick for next() to report
 * (a tick being written counts only if its writer is dead, or after a
 * wake-up); 0: nothing, sleep; -ESHUTDOWN/-ESTALE: the segment ended. */
static int mdbus_reader_ready(struct mdbus_reader *r, int woken)
{
	const struct mdbus_slot *s = &r->ring[r->pos & r->mask];
	uint64_t want = r->pos << 1;
	uint64_t sq = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (sq == (want | 1u)) {
		/* Being written: not data yet. A live writer wakes us when it
		 * finishes; a dead one never will, so let next() report the
		 * torn tick. (A syscall, but we are about to sleep.) */
		return woken || mdbus_reader_writer_alive(r) != 1;
	}
	if (sq >= want)
		return 1;
	int rc = mdbus_reader_idle(r, s, want);
	if (rc < 0)
		return rc;
	return rc == 1 || woken;
}

/* Our waiter map, if the writer of our segment reads it (watch_epoch is our
 * epoch); NULL: sleep in short slices (mdbus_reader_sleep). The waiter is claimed
 * at the first wait on each segment, at most once per segment (a reader
 * without write access to the table pays the attempt once). */
static struct mdbus_rtab_header *mdbus_reader_waitmap(struct mdbus_reader *r)
{
	struct mdbus_rtab_header *h = r->wtab.map;
	if (r->wtab_epoch != r->epoch) {
		r->wtab_epoch = r->epoch;
		/* A new writer may have rebuilt the table (an older version):
		 * ours then is not the one it reads. */
		if (h != NULL &&
		    atomic_load_explicit(&h->watch_epoch, memory_order_relaxed) != r->epoch)
			mdbus__rtab_release(&r->wtab);
		if (r->wtab.map == NULL && r->bus[0] != '\0')
			(void)mdbus__rtab_waiter_claim(r->bus, &r->wtab);
		h = r->wtab.map;
	}
	if (h == NULL || atomic_load_explicit(&h->watch_epoch, memory_order_relaxed) != r->epoch)
		return NULL;
	return h;
}

/* Raises our waiter bit: 1 raised, 0 no usable map. The reader's half of the
 * Dekker pairing (readers_layout.h): the seq_cst RMW, then a seq_cst fence
 * that orders it before the re-check of the ring (mdbus_reader_ready) and
 * pairs with the writer's fence in mdbus_writer_waiters: either the writer
 * sees our bit and wakes us, or our re-check sees its tick. Under TSan (no
 * fences, seqlock.h) the RMW alone pairs with the writer's acq_rel RMWs. */
static int mdbus_reader_arm(struct mdbus_reader *r)
{
	struct mdbus_rtab_header *h = mdbus_reader_waitmap(r);
	if (h == NULL)
		return 0;
	unsigned i = r->wtab.index;
	atomic_fetch_or_explicit(&h->waiters[i / 64], 1ull << (i % 64), memory_order_seq_cst);
#if !defined(__SANITIZE_THREAD__)
	atomic_thread_fence(memory_order_seq_cst);
#endif
	return 1;
}

/* Awake again: the writer may skip its wakes. Relaxed: a late clear only
 * costs the writer one wake. */
static void mdbus_reader_disarm(struct mdbus_reader *r)
{
	struct mdbus_rtab_header *h = r->wtab.map;
	unsigned i = r->wtab.index;
	atomic_fetch_and_explicit(&h->waiters[i / 64], ~(1ull << (i % 64)), memory_order_relaxed);
}

static int64_t mdbus_reader_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps on wake_seq (still w0 when we last looked) until woken or
 * timeout_ms (-1 forever, 0 a look only), in slices: each one raises our
 * waiter bit if we can, re-checks the ring (the Dekker re-check, see
 * mdbus_reader_arm), sleeps at most MDBUS_RTAB_ARMED_MS, and clears the bit.
 * Without a usable map the slices are MDBUS_RTAB_POLL_MS (a wake made for
 * anybody still ends them at once) and the ring is looked at between them.
 * The armed slice bounds what a bit cleared by somebody else can cost.
 * 0 woken, 1 something to read (no wake needed), -ETIMEDOUT, -EINTR. */
static int mdbus_reader_sleep(struct mdbus_reader *r, uint32_t w0, int timeout_ms)
{
	if (timeout_ms == 0)
		return mdbus__futex_wait(&r->hdr->wake_seq, w0, 0);
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : mdbus_reader_now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline == INT64_MAX ? INT_MAX : deadline - mdbus_reader_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		int armed = mdbus_reader_arm(r);
		int slice = armed ? MDBUS_RTAB_ARMED_MS : MDBUS_RTAB_POLL_MS;
		slice = left < slice ? (int)left : slice;
		int rc = armed ? mdbus_reader_ready(r, 0) : 0;
		/* The kernel sleeps only if wake_seq still equals w0, so a wake
		 * issued after our load of it is never lost. */
		rc = rc != 0 ? 1 : mdbus__futex_wait(&r->hdr->wake_seq, w0, slice);
		if (armed)
			mdbus_reader_disarm(r);
		if (rc != -ETIMEDOUT)
			return rc;
		if (mdbus_reader_ready(r, 0) != 0)
			return 1;
	}
}

int mdbus_reader_wait(mdbus_reader *r, int timeout_ms)
{
	/* Acquire: pairs with the release fetch_add in mdbus_writer_wake; a
	 * wake_seq value that hides no tick is what we sleep on. */
	uint32_t w0 = atomic_load_explicit(&r->hdr->wake_seq, memory_order_acquire);
	if (r->corrupt)
		return -EBADMSG;
	if (r->pending != 0)
		return 0;
	mdbus_reader_publish(r); /* about to sleep: the table sees where we are */
	int rc = mdbus_reader_ready(r, 0);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = mdbus_reader_sleep(r, w0, timeout_ms);
	if (rc == -ETIMEDOUT && timeout_ms != 0) {
		/* Idle for a while: a syscall or two is free here. */
		int frc = mdbus_reader_check_file(r);
		if (frc == 0)
			frc = mdbus_reader_check_writer(r, &r->ring[r->pos & r->mask], r->pos << 1);
		return frc < 0 ? frc : rc;
	}
	if (rc == -ETIMEDOUT || rc == -EINTR)
		return rc;
	/* Woken, or a re-check found something: report a state change if
	 * that is what it was. */
	rc = mdbus_reader_ready(r, 1);
	return rc < 0 ? rc : 0;
}

int mdbus_reader_instrument(mdbus_reader *r, uint32_t id, struct mdbus_instrument *out)
{
	if (id >= mdbus_reader_instrument_count(r))
		return -ENOENT;
	/* Entries below instr_count are immutable once published. */
	const struct mdbus_seg_instr *e = &r->instr[id];
	memset(out, 0, sizeof(*out));
	out->id = id;
	MDBUS_INSTR_COPY(out, e);
	/* Bounded copies: a scribbled entry cannot make us run off the end. */
	memcpy(out->venue, e->venue, sizeof(out->venue) - 1);
	memcpy(out->symbol, e->symbol, sizeof(out->symbol) - 1);
	memcpy(out->native, e->native, sizeof(out->native) - 1);
	return 0;
}

int mdbus_reader_lookup(mdbus_reader *r, const char *venue, const char *symbol, uint32_t *id)
{
	if (venue == NULL || symbol == NULL)
		return -EINVAL;
	uint32_t n = mdbus_reader_instrument_count(r);
	for (uint32_t i = 0; i < n; i++) {
		const struct mdbus_seg_instr *e = &r->instr[i];
		if (strncmp(e->venue, venue, sizeof(e->venue)) == 0 &&
		    strncmp(e->symbol, symbol, sizeof(e->symbol)) == 0 &&
		    strnlen(venue, sizeof(e->venue)) < sizeof(e->venue) &&
		    strnlen(symbol, sizeof(e->symbol)) < sizeof(e->symbol)) {
			if (id != NULL)
				*id = i;
			return 0;
		}
	}
	return -ENOENT;
}

uint32_t mdbus_reader_instrument_count(mdbus_reader *r)
{
	/* Acquire: pairs with the writer's release after filling the entry.
	 * Clamped: the header is not trusted after open. */
	uint32_t n = atomic_load_explicit(&r->hdr->instr_count, memory_order_acquire);
	return n < r->instr_capacity ? n : r->instr_capacity;
}

int mdbus_reader_info(mdbus_reader *r, struct mdbus_info *out)
{
	const struct mdbus_seg_header *h = r->hdr;
	memset(out, 0, sizeof(*out));
	out->epoch = r->epoch;
	out->total_size = r->map_size;
	out->write_seq = atomic_load_explicit(&h->write_seq, memory_order_acquire);
	out->slots = (uint32_t)r->slots;
	out->max_instruments = r->instr_capacity;
	out->max_sessions = h->max_sessions;
	out->writer_pid = atomic_load_explicit(&h->writer_pid, memory_order_relaxed);
	out->writer_state = atomic_load_explicit(&h->writer_state, memory_order_acquire);
	out->abi_version = h->abi_version;
	out->created_ns = h->created_ns;
	return 0;
}

const void *mdbus_reader_health(mdbus_reader *r, size_t *size)
{
	if (size != NULL)
		*size = r->health_size;
	return r->health;
}

void mdbus_reader_stats(const mdbus_reader *r, struct mdbus_reader_stats *out)
{
	*out = r->stats;
}

uint64_t mdbus_reader_epoch(const mdbus_reader *r)
{
	return r->epoch;
}
