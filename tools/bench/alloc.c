/* SPDX-License-Identifier: MIT */
/* alloc.c: the --wrap=malloc/calloc/realloc counters (see alloc.h). */
#include "alloc.h"

#include <stdatomic.h>
#include <stddef.h>

/* The one process-wide counter: a linker wrapper has no context to carry
 * it. Relaxed: it is only a count, read by the same thread that allocates
 * in the benchmark. */
static atomic_uint_fast64_t bench_allocs;

/* ld --wrap=malloc fixes these names; they cannot be renamed. */
/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c) */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	atomic_fetch_add_explicit(&bench_allocs, 1, memory_order_relaxed);
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	atomic_fetch_add_explicit(&bench_allocs, 1, memory_order_relaxed);
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	atomic_fetch_add_explicit(&bench_allocs, 1, memory_order_relaxed);
	return __real_realloc(p, n);
}
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c) */

uint64_t bench_alloc_count(void)
{
	return atomic_load_explicit(&bench_allocs, memory_order_relaxed);
}
