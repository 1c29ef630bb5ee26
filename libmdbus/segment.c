/* SPDX-License-Identifier: MIT */
/*
 * segment.c: the segment geometry (writer side), the header validation every
 * reader runs before trusting a mapped segment, and the two kernel helpers
 * both sides share (the name-lock probe and the shared futex).
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "book_layout.h"
#include "internal.h"

#define MDBUS_SLOTS_DEFAULT    65536u
#define MDBUS_SLOTS_MIN	       64u
#define MDBUS_SLOTS_MAX	       (1u << 26) /* 4 GiB of ring */
#define MDBUS_INSTR_DEFAULT    4096u
#define MDBUS_INSTR_MAX	       (1u << 20)
#define MDBUS_SESSIONS_DEFAULT 64u
#define MDBUS_SESSIONS_MAX     65536u
#define MDBUS_PAGE	       4096u

static uint64_t mdbus_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int mdbus__geom_compute(uint32_t slots, uint32_t max_instr, uint32_t max_sessions,
			struct mdbus__geom *g, char *errbuf, size_t errlen)
{
	if (slots == 0)
		slots = MDBUS_SLOTS_DEFAULT;
	if (max_instr == 0)
		max_instr = MDBUS_INSTR_DEFAULT;
	if (max_sessions == 0)
		max_sessions = MDBUS_SESSIONS_DEFAULT;
	if (slots < MDBUS_SLOTS_MIN || slots > MDBUS_SLOTS_MAX || (slots & (slots - 1)) != 0)
		return mdbus__errf(errbuf, errlen, -EINVAL,
				   "slots %u: must be a power of two in [%u, %u]", slots,
				   MDBUS_SLOTS_MIN, MDBUS_SLOTS_MAX);
	if (max_instr > MDBUS_INSTR_MAX)
		return mdbus__errf(errbuf, errlen, -EINVAL, "max_instruments %u: limit is %u",
				   max_instr, MDBUS_INSTR_MAX);
	if (max_sessions > MDBUS_SESSIONS_MAX)
		return mdbus__errf(errbuf, errlen, -EINVAL, "max_sessions %u: limit is %u",
				   max_sessions, MDBUS_SESSIONS_MAX);
	memset(g, 0, sizeof(*g));
	g->slots = slots;
	g->instr_capacity = max_instr;
	g->max_sessions = max_sessions;
	g->instr_off = MDBUS_HEADER_SIZE;
	g->instr_size = (uint64_t)max_instr * MDBUS_INSTR_ENTRY_SIZE;
	g->health_off = g->instr_off + g->instr_size;
	g->health_size = MDBUS_HEALTH_SIZE(max_sessions, max_instr);
	/* The ring starts on a page so its slots never share a page with the
	 * rarely written header/health data. */
	g->ring_off = mdbus_align_up(g->health_off + g->health_size, MDBUS_PAGE);
	g->ring_size = (uint64_t)slots * MDBUS_SLOT_SIZE;
	g->total_size = g->ring_off + g->ring_size;
	return 0;
}

int mdbus__geom_books(struct mdbus__geom *g, size_t book_bytes, char *errbuf, size_t errlen)
{
	if ((uint64_t)book_bytes > MDBUS_BOOK_BYTES_MAX)
		return mdbus__errf(errbuf, errlen, -EINVAL,
				   "book region of %zu bytes: limit is %llu", book_bytes,
				   (unsigned long long)MDBUS_BOOK_BYTES_MAX);
	g->book_dir_size = mdbus_book_dir_bytes(g->instr_capacity);
	g->book_off = mdbus_align_up(g->ring_off + g->ring_size, MDBUS_PAGE);
	g->book_size = mdbus_align_up(g->book_dir_size + (uint64_t)book_bytes, MDBUS_PAGE);
	g->total_size = g->book_off + g->book_size;
	return 0;
}

/* A region is sane if it lies inside [header_size, total) and is 64-byte
 * aligned; `what` names it in the error message. */
static int mdbus_region_check(const char *what, uint64_t off, uint64_t size, uint64_t total,
			      char *errbuf, size_t errlen)
{
	if (off % 64 != 0)
		return mdbus__errf(errbuf, errlen, -ERANGE, "%s offset %llu is not 64-byte aligned",
				   what, (unsigned long long)off);
	if (off < MDBUS_HEADER_SIZE)
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "%s region offset %llu overlaps the %u-byte header", what,
				   (unsigned long long)off, MDBUS_HEADER_SIZE);
	if (off > total || size > total - off)
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "%s region [%llu, +%llu) lies outside the %llu-byte segment",
				   what, (unsigned long long)off, (unsigned long long)size,
				   (unsigned long long)total);
	return 0;
}

static int mdbus_overlap(uint64_t a_off, uint64_t a_size, uint64_t b_off, uint64_t b_size)
{
	/* Both regions were checked to lie inside the file: no overflow. */
	return a_off < b_off + b_size && b_off < a_off + a_size;
}

/* Magic, ABI, header size and the file size the header claims. */
static int mdbus_seg_check_identity(const struct mdbus_seg_header *h, uint64_t file_size,
				    char *errbuf, size_t errlen)
{
	/* Acquire: pairs with the writer's release store of magic, which it
	 * makes last, so every other header field read below is complete. */
	uint64_t magic = atomic_load_explicit(&h->magic, memory_order_acquire);
	if (magic == 0)
		return mdbus__errf(errbuf, errlen, -EAGAIN,
				   "segment not initialised yet (magic is 0)");
	if (magic != MDBUS_MAGIC)
		return mdbus__errf(errbuf, errlen, -EBADMSG,
				   "bad magic 0x%016llx (want 0x%016llx): not an mdbus segment",
				   (unsigned long long)magic, (unsigned long long)MDBUS_MAGIC);
	if (h->abi_version != MDBUS_ABI_VERSION)
		return mdbus__errf(errbuf, errlen, -EPROTONOSUPPORT,
				   "segment ABI version %u, this library speaks %u", h->abi_version,
				   MDBUS_ABI_VERSION);
	if (h->header_size != MDBUS_HEADER_SIZE)
		return mdbus__errf(errbuf, errlen, -ERANGE, "header_size %u (want %u)",
				   h->header_size, MDBUS_HEADER_SIZE);
	uint64_t total = h->total_size;
	if (total > file_size)
		return mdbus__errf(errbuf, errlen, -EMSGSIZE,
				   "segment file is %llu bytes but its header says %llu: truncated",
				   (unsigned long long)file_size, (unsigned long long)total);
	if (total != file_size)
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "header total_size %llu differs from the file size %llu",
				   (unsigned long long)total, (unsigned long long)file_size);
	return 0;
}

/* Record sizes and the geometry they imply. */
static int mdbus_seg_check_geometry(const struct mdbus_seg_header *h, char *errbuf, size_t errlen)
{
	if (h->slot_size != MDBUS_SLOT_SIZE)
		return mdbus__errf(errbuf, errlen, -ERANGE, "slot_size %u (want %u)", h->slot_size,
				   MDBUS_SLOT_SIZE);
	if (h->instr_entry_size != MDBUS_INSTR_ENTRY_SIZE)
		return mdbus__errf(errbuf, errlen, -ERANGE, "instr_entry_size %u (want %u)",
				   h->instr_entry_size, MDBUS_INSTR_ENTRY_SIZE);
	if (h->slots == 0 || (h->slots & (h->slots - 1)) != 0)
		return mdbus__errf(errbuf, errlen, -ERANGE, "slots %u is not a power of two",
				   h->slots);
	if ((uint64_t)h->slots * MDBUS_SLOT_SIZE != h->ring_size)
		return mdbus__errf(errbuf, errlen, -ERANGE, "ring_size %llu != slots %u x %u",
				   (unsigned long long)h->ring_size, h->slots, MDBUS_SLOT_SIZE);
	if ((uint64_t)h->instr_capacity * MDBUS_INSTR_ENTRY_SIZE != h->instr_size)
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "instr_size %llu != instr_capacity %u x %u",
				   (unsigned long long)h->instr_size, h->instr_capacity,
				   MDBUS_INSTR_ENTRY_SIZE);
	if (h->health_size != MDBUS_HEALTH_SIZE(h->max_sessions, h->instr_capacity))
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "health_size %llu does not match %u sessions and %u instruments",
				   (unsigned long long)h->health_size, h->max_sessions,
				   h->instr_capacity);
	return 0;
}

/* Every region inside the file, none overlapping, instr_count in range. */
static int mdbus_seg_check_regions(const struct mdbus_seg_header *h, uint64_t total, char *errbuf,
				   size_t errlen)
{
	int rc;
	if ((rc = mdbus_region_check("instrument", h->instr_off, h->instr_size, total, errbuf,
				     errlen)) < 0 ||
	    (rc = mdbus_region_check("health", h->health_off, h->health_size, total, errbuf,
				     errlen)) < 0 ||
	    (rc = mdbus_region_check("ring", h->ring_off, h->ring_size, total, errbuf, errlen)) < 0)
		return rc;
	if (mdbus_overlap(h->instr_off, h->instr_size, h->health_off, h->health_size) ||
	    mdbus_overlap(h->instr_off, h->instr_size, h->ring_off, h->ring_size) ||
	    mdbus_overlap(h->health_off, h->health_size, h->ring_off, h->ring_size))
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "segment regions overlap (instr %llu, health %llu, ring %llu)",
				   (unsigned long long)h->instr_off,
				   (unsigned long long)h->health_off,
				   (unsigned long long)h->ring_off);
	uint32_t count = atomic_load_explicit(&h->instr_count, memory_order_acquire);
	if (count > h->instr_capacity)
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "instr_count %u exceeds instr_capacity %u", count,
				   h->instr_capacity);
	return 0;
}

/* The book region: none (all zero, as every segment before books), or
 * inside the file, apart from the other regions, with this format. */
static int mdbus_seg_check_books(const struct mdbus_seg_header *h, uint64_t total, char *errbuf,
				 size_t errlen)
{
	uint32_t count = atomic_load_explicit(&h->book_count, memory_order_acquire);
	if (h->book_off == 0 && h->book_size == 0) {
		if (count != 0 || h->book_dir_size != 0)
			return mdbus__errf(errbuf, errlen, -ERANGE,
					   "book_count %u without a book region", count);
		return 0;
	}
	int rc = mdbus_region_check("book", h->book_off, h->book_size, total, errbuf, errlen);
	if (rc < 0)
		return rc;
	if (mdbus_overlap(h->book_off, h->book_size, h->instr_off, h->instr_size) ||
	    mdbus_overlap(h->book_off, h->book_size, h->health_off, h->health_size) ||
	    mdbus_overlap(h->book_off, h->book_size, h->ring_off, h->ring_size))
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "book region at %llu overlaps another region",
				   (unsigned long long)h->book_off);
	if (h->book_rec_hdr != MDBUS_BOOK_REC_HDR || h->book_level_size != MDBUS_BOOK_LEVEL_SIZE)
		return mdbus__errf(errbuf, errlen, -ERANGE,
				   "book record header %u / level %u bytes (want %u / %u)",
				   h->book_rec_hdr, h->book_level_size, MDBUS_BOOK_REC_HDR,
				   MDBUS_BOOK_LEVEL_SIZE);
	if (h->book_dir_size != mdbus_book_dir_bytes(h->instr_capacity) ||
	    h->book_dir_size > h->book_size)
		return mdbus__errf(
			errbuf, errlen, -ERANGE,
			"book directory of %llu bytes does not fit %u instruments in %llu",
			(unsigned long long)h->book_dir_size, h->instr_capacity,
			(unsigned long long)h->book_size);
	if (count > h->instr_capacity)
		return mdbus__errf(errbuf, errlen, -ERANGE, "book_count %u exceeds %u instruments",
				   count, h->instr_capacity);
	return 0;
}

int mdbus__seg_validate(const void *base, uint64_t file_size, char *errbuf, size_t errlen)
{
	if (file_size < MDBUS_HEADER_SIZE)
		return mdbus__errf(errbuf, errlen, -EMSGSIZE,
				   "segment file is %llu bytes, shorter than its %u-byte header",
				   (unsigned long long)file_size, MDBUS_HEADER_SIZE);
	const struct mdbus_seg_header *h = base;
	int rc = mdbus_seg_check_identity(h, file_size, errbuf, errlen);
	if (rc == 0)
		rc = mdbus_seg_check_geometry(h, errbuf, errlen);
	if (rc == 0)
		rc = mdbus_seg_check_regions(h, h->total_size, errbuf, errlen);
	if (rc == 0)
		rc = mdbus_seg_check_books(h, h->total_size, errbuf, errlen);
	return rc;
}

int mdbus__lock_probe(int lock_fd)
{
	if (lock_fd < 0)
		return 0;
	if (flock(lock_fd, LOCK_SH | LOCK_NB) == 0) {
		/* Nobody holds LOCK_EX: no writer. Release at once so a writer
		 * starting right now is not kept out (it retries briefly). */
		flock(lock_fd, LOCK_UN);
		return 0;
	}
	if (errno == EWOULDBLOCK)
		return 1;
	return -errno;
}

int mdbus__futex_wait(const _Atomic uint32_t *addr, uint32_t expected, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	/* Shared futex (no FUTEX_PRIVATE_FLAG): the key is the page of the
	 * shared file, the same for the writer and every reader process. */
	long rc = syscall(SYS_futex, addr, FUTEX_WAIT, expected, tsp, NULL, 0);
	if (rc == 0)
		return 0;
	if (errno == EAGAIN) /* the word changed before we slept: not an error */
		return 0;
	return -errno;
}

void mdbus__futex_wake_all(_Atomic uint32_t *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

int64_t mdbus__realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
