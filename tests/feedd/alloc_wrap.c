/* SPDX-License-Identifier: MIT */
/* alloc_wrap.c: the counting wrappers of alloc_wrap.h. */
#include <stddef.h>

#include "alloc_wrap.h"

unsigned long test_allocs;

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
	test_allocs++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	test_allocs++;
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	test_allocs++;
	return __real_realloc(p, n);
}
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c) */
