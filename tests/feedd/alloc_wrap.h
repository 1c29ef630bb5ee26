/* SPDX-License-Identifier: MIT */
/*
 * alloc_wrap.h: counts the test's heap allocations. A test linked with
 * alloc_wrap.c and -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * (alloc_wrap_args in tests/feedd/meson.build) reads test_allocs before
 * and after a hot-path call: an equal count means the call allocated
 * nothing.
 */
#ifndef TEST_ALLOC_WRAP_H
#define TEST_ALLOC_WRAP_H

extern unsigned long test_allocs; /* malloc + calloc + realloc calls so far */

#endif /* TEST_ALLOC_WRAP_H */
