/* SPDX-License-Identifier: MIT */
/*
 * seqlock.h: the one seqlock of libmdbus, used by the ring slots (writer.c,
 * reader.c) and the health records (health.c). One writer per sequence word;
 * the payload is a run of 64-bit words copied with atomic accesses, so there
 * is no data race under the C11 model (a plain memcpy would be one).
 *
 *   writer: mdbus_seq_begin(seq, odd)   odd marker (relaxed), release fence
 *           mdbus_seq_store(word, v)... payload words
 *           mdbus_seq_end(seq, even)    even marker (release)
 *   reader: s0 = mdbus_seq_load(seq)    acquire
 *           mdbus_seq_word(word)...     payload words
 *           mdbus_seq_recheck(seq)      acquire fence, then seq again (relaxed)
 *           valid iff s0 == recheck and s0 is the even value wanted
 *
 * TSan strategy (one for both users): ThreadSanitizer does not model
 * atomic_thread_fence (GCC 12 rejects it with -Wtsan under -Werror). Under
 * TSan each payload word is therefore stored with release and loaded with
 * acquire instead of the two fences: strictly stronger orderings that TSan
 * understands, so the TSan build checks the same protocol. Normal builds use
 * the fences (Boehm, HPL-2012-68) and relaxed word accesses.
 */
#ifndef MDBUS_SEQLOCK_H
#define MDBUS_SEQLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#if defined(__SANITIZE_THREAD__)
#define MDBUS_SEQ_WORD_STORE   memory_order_release
#define MDBUS_SEQ_WORD_LOAD    memory_order_acquire
#define MDBUS_SEQ_FENCE(order) ((void)0)
#else
#define MDBUS_SEQ_WORD_STORE   memory_order_relaxed
#define MDBUS_SEQ_WORD_LOAD    memory_order_relaxed
#define MDBUS_SEQ_FENCE(order) atomic_thread_fence(order)
#endif

/* Writer: the odd marker first. The release fence keeps every payload store
 * below after it: a reader that copied a new word re-reads a changed seq
 * (pairs with the acquire fence in mdbus_seq_recheck). */
static inline void mdbus_seq_begin(_Atomic uint64_t *seq, uint64_t odd)
{
	atomic_store_explicit(seq, odd, memory_order_relaxed);
	MDBUS_SEQ_FENCE(memory_order_release);
}

static inline void mdbus_seq_store(_Atomic uint64_t *word, uint64_t v)
{
	atomic_store_explicit(word, v, MDBUS_SEQ_WORD_STORE);
}

/* Writer: the even marker. Release: a reader that acquires it sees every
 * payload word stored before it (pairs with mdbus_seq_load). */
static inline void mdbus_seq_end(_Atomic uint64_t *seq, uint64_t even)
{
	atomic_store_explicit(seq, even, memory_order_release);
}

/* Reader: acquire, pairs with mdbus_seq_end: the words of that version (or
 * a newer one, which the recheck then catches) are visible below. */
static inline uint64_t mdbus_seq_load(const _Atomic uint64_t *seq)
{
	return atomic_load_explicit((_Atomic uint64_t *)seq, memory_order_acquire);
}

static inline uint64_t mdbus_seq_word(const _Atomic uint64_t *word)
{
	return atomic_load_explicit((_Atomic uint64_t *)word, MDBUS_SEQ_WORD_LOAD);
}

/* Reader: the acquire fence orders the word loads before this re-load of
 * seq (pairs with the release fence in mdbus_seq_begin); the copy is valid
 * only if the value equals the one mdbus_seq_load returned. */
static inline uint64_t mdbus_seq_recheck(const _Atomic uint64_t *seq)
{
	MDBUS_SEQ_FENCE(memory_order_acquire);
	return atomic_load_explicit((_Atomic uint64_t *)seq, memory_order_relaxed);
}

#endif /* MDBUS_SEQLOCK_H */
