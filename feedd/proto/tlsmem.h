/* SPDX-License-Identifier: MIT */
/*
 * tlsmem.h - OpenSSL's allocator in feedd: the sizes OpenSSL allocates per
 * TLS record come from fixed-block pools, everything else from malloc.
 *
 * Why: with SSL_MODE_RELEASE_BUFFERS an idle connection holds no record
 * buffers (about 33 KB less per connection), but OpenSSL 3.0 then mallocs
 * and frees its read buffer (16,712 bytes) for every record it receives and
 * its write buffer (16,584 bytes) for every record it sends; TLS 1.3 also
 * mallocs a 40-byte WPACKET header per record in either direction.  The
 * pools serve those sizes from a LIFO free list of blocks carved from one
 * reserved mapping (MAP_NORESERVE: a page is resident once a block on it was
 * used), so receiving a record makes no malloc and no syscall, and the few
 * blocks in use at once stay hot in the cache.
 *
 *   class      sizes served        block   blocks reserved
 *   record     16,384 .. 17,408    17,408  4,096  (two per connection at most)
 *   small      33 .. 48            48      262,144
 *   handshake  20,480 .. 24,576    24,576  2,048
 *
 * Every other size, and a pool size when its class is exhausted, goes to
 * malloc/realloc (counted as pass-through).  free/realloc tell pool blocks by
 * their address.  The record and small classes never return memory to the
 * kernel: their resident size is the most blocks ever in use at once.
 *
 * The handshake class holds OpenSSL's handshake message buffer (a BUF_MEM
 * grown to 21,848 bytes and zeroed: all of it resident), alive from the
 * ClientHello to the Finished and again for each post-handshake message
 * (TLS 1.3 session tickets).  From malloc, the buffers of hundreds of
 * handshakes at once (feedd's start) left the heap as holes that stay
 * resident; here a freed block beyond the FEED_TLSMEM_HS_KEEP kept free goes
 * back to the kernel (madvise MADV_DONTNEED: one syscall per handshake
 * message at most, at connect time; none per record).
 *
 * Threads: feedd calls OpenSSL from one thread only, but OpenSSL may free
 * from any thread (a test's server thread, an atexit handler), so the free
 * lists are guarded by a spin lock (uncontended: one atomic exchange and one
 * store per call).  The counters are read under the same lock.
 *
 * Install once, at the very start of main, before anything calls OpenSSL:
 * CRYPTO_set_mem_functions is refused once OpenSSL allocated.
 */
#ifndef FEED_TLSMEM_H
#define FEED_TLSMEM_H

#include <stddef.h>
#include <stdint.h>

#define FEED_TLSMEM_REC_MIN	 16384u /* record class: sizes served */
#define FEED_TLSMEM_REC_MAX	 17408u
#define FEED_TLSMEM_REC_BLOCKS	 4096u
#define FEED_TLSMEM_SMALL_MIN	 33u /* small class (TLS 1.3 WPACKET headers) */
#define FEED_TLSMEM_SMALL_MAX	 48u
#define FEED_TLSMEM_SMALL_BLOCKS 262144u
#define FEED_TLSMEM_HS_MIN	 20480u /* handshake class (the handshake message buffer) */
#define FEED_TLSMEM_HS_MAX	 24576u /* a block of whole pages: madvise takes pages */
#define FEED_TLSMEM_HS_BLOCKS	 2048u
#define FEED_TLSMEM_HS_KEEP	 16u /* free handshake blocks kept resident */

struct feed_tlsmem_stats {
	uint64_t hits;	      /* allocations served by a pool */
	uint64_t frees;	      /* pool blocks given back */
	uint64_t pass;	      /* malloc/realloc calls passed to libc (any size, any reason) */
	uint64_t full;	      /* of those: a pool size whose class had no block left */
	uint64_t rec_touched; /* record blocks ever used (their pages may be resident) */
	uint64_t rec_in_use;  /* record blocks allocated now */
	uint64_t small_touched;
	uint64_t small_in_use;
	uint64_t hs_touched;
	uint64_t hs_in_use;
	uint64_t hs_free; /* handshake blocks free; beyond FEED_TLSMEM_HS_KEEP they are trimmed */
	uint64_t trims;	  /* handshake blocks whose pages went back to the kernel */
};

/*
 * Reserve the pools and make them OpenSSL's allocator.  0; -EBUSY when
 * OpenSSL allocated already (its allocator stays malloc, the pools unused);
 * -ENOMEM when the mapping failed.  A second call returns 0 and does nothing.
 */
int feed_tlsmem_install(void);

/* 1 once feed_tlsmem_install succeeded: OpenSSL's records come from the pools. */
int feed_tlsmem_installed(void);

/* The counters since install (all zero before). */
void feed_tlsmem_stats(struct feed_tlsmem_stats *out);

/* The functions installed with CRYPTO_set_mem_functions (file and line unused).
 * Before install every call passes through to libc. */
void *feed_tlsmem_malloc(size_t n, const char *file, int line);
void *feed_tlsmem_realloc(void *p, size_t n, const char *file, int line);
void feed_tlsmem_free(void *p, const char *file, int line);

/* 1 if p is a pool block (allocated or free), else 0. */
int feed_tlsmem_owns(const void *p);

#endif /* FEED_TLSMEM_H */
