/* SPDX-License-Identifier: MIT */
/*
 * pages.h - zeroed memory by the page, for per-connection buffers.
 *
 * Mapped rather than calloc'd: only the pages written become resident,
 * whatever the heap held before (calloc on reused heap memory clears, so
 * makes resident, all of it), and pages whose bytes are dead can go back
 * to the kernel (they read as zeroes when next touched). One madvise per
 * release: callers release once per connection attempt, never per message
 * (docs/PERFORMANCE.md, "Issue 12: RSS, feedd's own per-connection memory").
 *
 * ASan builds take the memory from the heap, where ASan sees overflows and
 * leaks, and release nothing.
 */
#ifndef FEED_PAGES_H
#define FEED_PAGES_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define FEED_PAGES_ASAN 1
#elif defined(__has_feature) /* clang */
#if __has_feature(address_sanitizer)
#define FEED_PAGES_ASAN 1
#endif
#endif

/* n rounded up to whole pages. */
static inline size_t feed_pages_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

#ifdef FEED_PAGES_ASAN
static inline void *feed_pages_map(size_t len)
{
	return calloc(1, len);
}

static inline void feed_pages_unmap(void *p, size_t len)
{
	(void)len;
	free(p);
}

static inline void feed_pages_release(void *p, size_t n)
{
	(void)p;
	(void)n;
}
#else
/* len zeroed bytes, NULL on failure. */
static inline void *feed_pages_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* feed_pages_unmap(NULL, ...) does nothing. */
static inline void feed_pages_unmap(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

/* The whole pages inside [p, p + n) go back to the kernel. */
static inline void feed_pages_release(void *p, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t head = (pg - (uintptr_t)p % pg) % pg; /* to the first page boundary */

	if (n > head && (n - head) / pg > 0)
		madvise((uint8_t *)p + head, (n - head) / pg * pg, MADV_DONTNEED);
}
#endif

#endif /* FEED_PAGES_H */
