/* SPDX-License-Identifier: MIT */
/*
 * alloc.h: allocation counter for `mdbus-bench feed`. The binary is linked
 * with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, so every call from
 * code linked statically into it (the bench, feedlib, libmdbus_internal)
 * goes through the counting wrappers in alloc.c. Calls made inside shared
 * libraries (libc itself, libwslay.so, OpenSSL) are not seen: the feed
 * benchmark does not run OpenSSL and wslay's frame API does not allocate
 * per message.
 */
#ifndef BENCH_ALLOC_H
#define BENCH_ALLOC_H

#include <stdint.h>

/* Allocation calls (malloc + calloc + realloc) since the process started. */
uint64_t bench_alloc_count(void);

#endif
