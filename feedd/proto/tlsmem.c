/* SPDX-License-Identifier: MIT */
/*
 * tlsmem.c - fixed-block pools for OpenSSL's per-record allocations and its
 * handshake message buffer (tlsmem.h).
 *
 * One anonymous MAP_NORESERVE mapping holds, in order: the record blocks,
 * the small blocks, the handshake blocks, then per class a stack of free
 * block indices and the size each allocated block was asked for.  Nothing is written into a free
 * block (the free list is the index stack), so memcheck and ASan can mark a
 * free block inaccessible.  A class hands out the most recently freed block
 * first, and carves a never-used one only when its stack is empty.
 */
#include "tlsmem.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TLSMEM_VG 1
#endif
#if defined(__SANITIZE_ADDRESS__) && __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>
#define TLSMEM_ASAN 1
#endif
#endif

#define TLSMEM_NCLASS 3

/* madvise trims whole pages: the handshake blocks must be pages, and start on one. */
#define TLSMEM_HS_OFFSET                                                                           \
	((size_t)FEED_TLSMEM_REC_MAX * FEED_TLSMEM_REC_BLOCKS +                                    \
	 (size_t)FEED_TLSMEM_SMALL_MAX * FEED_TLSMEM_SMALL_BLOCKS)
_Static_assert(FEED_TLSMEM_HS_MAX % 4096 == 0, "handshake block: whole pages");
_Static_assert(TLSMEM_HS_OFFSET % 4096 == 0, "handshake blocks start on a page");

struct tlsmem_class {
	uint8_t *base;	 /* first block */
	size_t block;	 /* bytes per block */
	size_t min, max; /* request sizes served */
	uint32_t cap;	 /* blocks reserved */
	uint32_t carved; /* blocks ever handed out: [0, carved) were used */
	uint32_t nfree;	 /* entries on stack */
	uint32_t *stack; /* free block indices, most recent last */
	uint32_t *len;	 /* size asked for, per allocated block */
	uint32_t keep;	 /* free blocks kept resident; one freed beyond them is trimmed */
	uint64_t in_use;
};

static struct {
	uint8_t *map;
	size_t map_len;
	struct tlsmem_class cls[TLSMEM_NCLASS]; /* record, small, handshake: in address order */
	uint64_t hits, frees, trims;
	atomic_uint_fast64_t pass, full;
	atomic_flag lock;
	atomic_int installed;
} tlsmem = {.lock = ATOMIC_FLAG_INIT};

static void tlsmem_lock(void)
{
	/* acquire: the free lists written by the last holder are visible to us */
	while (atomic_flag_test_and_set_explicit(&tlsmem.lock, memory_order_acquire))
		;
}

static void tlsmem_unlock(void)
{
	/* release: our free-list writes are visible before the next holder's reads */
	atomic_flag_clear_explicit(&tlsmem.lock, memory_order_release);
}

static void tlsmem_mark_alloc(void *p, size_t n)
{
#ifdef TLSMEM_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#ifdef TLSMEM_VG
	VALGRIND_MALLOCLIKE_BLOCK(p, n, 0, 0);
#endif
	(void)p, (void)n;
}

static void tlsmem_mark_free(void *p, size_t block)
{
#ifdef TLSMEM_ASAN
	ASAN_POISON_MEMORY_REGION(p, block);
#endif
#ifdef TLSMEM_VG
	VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
	(void)p, (void)block;
}

/* The class serving size n, or NULL (also before install). */
static struct tlsmem_class *tlsmem_class_for(size_t n)
{
	if (!tlsmem.map)
		return NULL;
	for (int i = 0; i < TLSMEM_NCLASS; i++)
		if (n >= tlsmem.cls[i].min && n <= tlsmem.cls[i].max)
			return &tlsmem.cls[i];
	return NULL;
}

/* The class whose blocks hold p, or NULL.  *idx: the block's index.  A
 * pointer inside a pool but not at a block's start is a caller's bug: abort,
 * as free() does with a pointer it never returned. */
static struct tlsmem_class *tlsmem_class_of(const void *p, uint32_t *idx)
{
	const uint8_t *q = p;

	if (!tlsmem.map || q < tlsmem.map || q >= tlsmem.map + tlsmem.map_len)
		return NULL;
	for (int i = 0; i < TLSMEM_NCLASS; i++) {
		struct tlsmem_class *c = &tlsmem.cls[i];
		if (q >= c->base && q < c->base + (size_t)c->cap * c->block) {
			size_t off = (size_t)(q - c->base);
			if (off % c->block)
				abort();
			*idx = (uint32_t)(off / c->block);
			return c;
		}
	}
	abort(); /* the index stacks are never handed out */
}

int feed_tlsmem_owns(const void *p)
{
	const struct tlsmem_class *s = &tlsmem.cls[TLSMEM_NCLASS - 1];
	const uint8_t *q = p;

	/* The blocks run from the map's start to the end of the last class. */
	return tlsmem.map && q >= tlsmem.map && q < s->base + (size_t)s->cap * s->block;
}

/* A block of class c for n bytes, or NULL when the class is exhausted. */
static void *tlsmem_take(struct tlsmem_class *c, size_t n)
{
	uint32_t i;

	tlsmem_lock();
	if (c->nfree)
		i = c->stack[--c->nfree];
	else if (c->carved < c->cap)
		i = c->carved++;
	else {
		tlsmem_unlock();
		return NULL;
	}
	c->len[i] = (uint32_t)n;
	c->in_use++;
	tlsmem.hits++;
	tlsmem_unlock();
	tlsmem_mark_alloc(c->base + (size_t)i * c->block, n);
	return c->base + (size_t)i * c->block;
}

/* Give the pages of a free block back to the kernel when its class keeps
 * enough free blocks already (handshake class only: a syscall at most per
 * handshake message, never per record).  The block is not on the stack yet,
 * so no other thread can be using it. */
static void tlsmem_trim(struct tlsmem_class *c, uint8_t *b)
{
	int trim;

	if (c->keep == UINT32_MAX)
		return;
	tlsmem_lock();
	trim = c->nfree >= c->keep;
	tlsmem_unlock();
	/* Whole pages (the class's blocks are); the pages read as zeros again. */
	if (!trim || madvise(b, c->block, MADV_DONTNEED) != 0)
		return;
	tlsmem_lock();
	tlsmem.trims++;
	tlsmem_unlock();
}

static void tlsmem_give(struct tlsmem_class *c, uint32_t i)
{
	tlsmem_mark_free(c->base + (size_t)i * c->block, c->block);
	tlsmem_trim(c, c->base + (size_t)i * c->block);
	tlsmem_lock();
	c->stack[c->nfree++] = i;
	c->in_use--;
	tlsmem.frees++;
	tlsmem_unlock();
}

void *feed_tlsmem_malloc(size_t n, const char *file, int line)
{
	struct tlsmem_class *c = tlsmem_class_for(n);
	void *p;

	(void)file, (void)line;
	if (c) {
		p = tlsmem_take(c, n);
		if (p)
			return p;
		atomic_fetch_add_explicit(&tlsmem.full, 1, memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&tlsmem.pass, 1, memory_order_relaxed);
	return malloc(n);
}

void feed_tlsmem_free(void *p, const char *file, int line)
{
	struct tlsmem_class *c;
	uint32_t i;

	(void)file, (void)line;
	if (!p)
		return;
	c = tlsmem_class_of(p, &i);
	if (c)
		tlsmem_give(c, i);
	else
		free(p);
}

/* realloc of a pool block: stays if the new size is served by the same
 * class, else moves (to the other pool or to malloc).  A malloc'd pointer
 * always stays with realloc: its old size is unknown here. */
void *feed_tlsmem_realloc(void *p, size_t n, const char *file, int line)
{
	struct tlsmem_class *c;
	uint32_t i;
	void *q;

	if (!p)
		return feed_tlsmem_malloc(n, file, line);
	c = tlsmem_class_of(p, &i);
	if (!c) {
		atomic_fetch_add_explicit(&tlsmem.pass, 1, memory_order_relaxed);
		return realloc(p, n);
	}
	if (n == 0) {
		tlsmem_give(c, i);
		return NULL;
	}
	if (tlsmem_class_for(n) == c) {
#ifdef TLSMEM_VG
		VALGRIND_RESIZEINPLACE_BLOCK(p, c->len[i], n, 0);
#endif
#ifdef TLSMEM_ASAN
		ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
		c->len[i] = (uint32_t)n; /* only the owner of p writes its entry */
		return p;
	}
	q = feed_tlsmem_malloc(n, file, line);
	if (!q)
		return NULL; /* p stays valid, as realloc's contract says */
	memcpy(q, p, c->len[i] < n ? c->len[i] : n);
	tlsmem_give(c, i);
	return q;
}

static void tlsmem_class_set(struct tlsmem_class *c, size_t min, size_t max, uint32_t cap,
			     uint32_t keep)
{
	c->min = min;
	c->max = max;
	c->block = max;
	c->cap = cap;
	c->keep = keep;
}

/* Lay the classes out in one reservation: blocks first (each class's block
 * size a multiple of 16), then the index stacks and size arrays. */
static int tlsmem_reserve(void)
{
	struct tlsmem_class *c = tlsmem.cls;
	size_t blocks = 0, meta = 0, off = 0;
	uint32_t *m32;
	uint8_t *m;

	tlsmem_class_set(&c[0], FEED_TLSMEM_REC_MIN, FEED_TLSMEM_REC_MAX, FEED_TLSMEM_REC_BLOCKS,
			 UINT32_MAX);
	tlsmem_class_set(&c[1], FEED_TLSMEM_SMALL_MIN, FEED_TLSMEM_SMALL_MAX,
			 FEED_TLSMEM_SMALL_BLOCKS, UINT32_MAX);
	tlsmem_class_set(&c[2], FEED_TLSMEM_HS_MIN, FEED_TLSMEM_HS_MAX, FEED_TLSMEM_HS_BLOCKS,
			 FEED_TLSMEM_HS_KEEP);
	for (int i = 0; i < TLSMEM_NCLASS; i++) {
		blocks += (size_t)c[i].cap * c[i].block;
		meta += 2 * sizeof(uint32_t) * c[i].cap;
	}
	m = mmap(NULL, blocks + meta, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -ENOMEM;
	m32 = (uint32_t *)(void *)(m + blocks);
	for (int i = 0; i < TLSMEM_NCLASS; i++) {
		c[i].base = m + off;
		off += (size_t)c[i].cap * c[i].block;
		c[i].stack = m32;
		c[i].len = m32 + c[i].cap;
		m32 += 2 * (size_t)c[i].cap;
	}
	tlsmem.map_len = blocks + meta;
	tlsmem.map = m;
	return 0;
}

int feed_tlsmem_install(void)
{
	int r;

	if (atomic_load_explicit(&tlsmem.installed, memory_order_acquire))
		return 0;
	r = tlsmem_reserve();
	if (r < 0)
		return r;
	if (!CRYPTO_set_mem_functions(feed_tlsmem_malloc, feed_tlsmem_realloc, feed_tlsmem_free)) {
		munmap(tlsmem.map, tlsmem.map_len);
		memset(tlsmem.cls, 0, sizeof(tlsmem.cls));
		tlsmem.map = NULL;
		tlsmem.map_len = 0;
		return -EBUSY;
	}
	atomic_store_explicit(&tlsmem.installed, 1, memory_order_release);
	return 0;
}

int feed_tlsmem_installed(void)
{
	return atomic_load_explicit(&tlsmem.installed, memory_order_acquire);
}

void feed_tlsmem_stats(struct feed_tlsmem_stats *out)
{
	memset(out, 0, sizeof(*out));
	tlsmem_lock();
	out->hits = tlsmem.hits;
	out->frees = tlsmem.frees;
	out->rec_touched = tlsmem.cls[0].carved;
	out->rec_in_use = tlsmem.cls[0].in_use;
	out->small_touched = tlsmem.cls[1].carved;
	out->small_in_use = tlsmem.cls[1].in_use;
	out->hs_touched = tlsmem.cls[2].carved;
	out->hs_in_use = tlsmem.cls[2].in_use;
	out->hs_free = tlsmem.cls[2].nfree;
	out->trims = tlsmem.trims;
	tlsmem_unlock();
	out->pass = atomic_load_explicit(&tlsmem.pass, memory_order_relaxed);
	out->full = atomic_load_explicit(&tlsmem.full, memory_order_relaxed);
}
