/* SPDX-License-Identifier: MIT */
/*
 * test_tlsmem.c - the pools behind OpenSSL's allocator (tlsmem.h): which
 * sizes they serve, LIFO reuse, realloc across the pool/malloc boundary,
 * pass-through and its counter, exhaustion, and two threads at once.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "helpers.h"
#include "tlsmem.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

static struct feed_tlsmem_stats tm_last;

/* Counter deltas since the last call. */
static struct feed_tlsmem_stats tm_delta(void)
{
	struct feed_tlsmem_stats now, d;

	feed_tlsmem_stats(&now);
	d = now;
	d.hits -= tm_last.hits;
	d.frees -= tm_last.frees;
	d.pass -= tm_last.pass;
	d.full -= tm_last.full;
	tm_last = now;
	return d;
}

static void *tm_alloc(size_t n)
{
	return feed_tlsmem_malloc(n, __FILE__, __LINE__);
}

static void tm_free(void *p)
{
	feed_tlsmem_free(p, __FILE__, __LINE__);
}

static void *tm_realloc(void *p, size_t n)
{
	return feed_tlsmem_realloc(p, n, __FILE__, __LINE__);
}

/* Before install every call is malloc's, and nothing is a pool block. */
static void test_before_install(void)
{
	void *p = tm_alloc(16712);

	CHECK(p != NULL && !feed_tlsmem_owns(p));
	CHECK(!feed_tlsmem_installed());
	tm_free(p);
}

/* Which sizes each class serves; everything else passes through. */
static void test_sizes(void)
{
	static const struct {
		size_t n;
		int pooled;
	} cases[] = {
		{16712, 1}, {16584, 1}, {16384, 1}, {17408, 1}, {16383, 0}, {17409, 0}, {40, 1},
		{33, 1},    {48, 1},	{32, 0},    {49, 0},	{1, 0},	    {65536, 0}, {21848, 1},
		{20480, 1}, {24576, 1}, {20479, 0}, {24577, 0}, {4096, 0},
	};
	struct feed_tlsmem_stats d;

	tm_delta();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		void *p = tm_alloc(cases[i].n);
		CHECK(p != NULL);
		CHECK(feed_tlsmem_owns(p) == cases[i].pooled);
		if (p)
			memset(p, 0xa5, cases[i].n); /* all of it is ours to write */
		tm_free(p);
	}
	d = tm_delta();
	CHECK(d.hits == 10 && d.frees == 10 && d.pass == 9 && d.full == 0);
	/* Bad sizes: 0 and impossible ones reach malloc, which decides. */
	long bad = 1;
	void *z = tm_alloc(0);
	CHECK(!feed_tlsmem_owns(z));
	tm_free(z);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) /* they abort on it */
	CHECK(tm_alloc((size_t)1 << 62) == NULL); /* far beyond the address space */
	CHECK(tm_alloc(((size_t)1 << 62) + 40) == NULL);
	bad += 2;
#endif
	d = tm_delta();
	CHECK(d.pass == (uint64_t)bad && d.hits == 0);
	tm_free(NULL); /* a no-op */
}

/* The block freed last is handed out first; no new block is carved while one is free. */
static void test_lifo(void)
{
	struct feed_tlsmem_stats s0, s1;
	void *a, *b, *c, *d, *e;

	feed_tlsmem_stats(&s0);
	a = tm_alloc(16712);
	b = tm_alloc(16584);
	CHECK(a && b && a != b && feed_tlsmem_owns(a) && feed_tlsmem_owns(b));
	tm_free(a);
	tm_free(b);
	c = tm_alloc(16600);
	d = tm_alloc(16700);
	CHECK(c == b && d == a);
	tm_free(d);
	e = tm_alloc(16712);
	CHECK(e == d);
	tm_free(e);
	tm_free(c);
	feed_tlsmem_stats(&s1);
	CHECK(s1.rec_in_use == s0.rec_in_use);
	CHECK(s1.rec_touched <= s0.rec_touched + 2);
	/* The small class works the same way. */
	a = tm_alloc(40);
	tm_free(a);
	CHECK(tm_alloc(40) == a);
	tm_free(a);
}

static int tm_filled(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* Long: one realloc scenario after another, each on the result of the last. */
static void test_realloc(void)
{
	struct feed_tlsmem_stats d;
	uint8_t *p, *q, *r;

	tm_delta();
	p = tm_realloc(NULL, 16712); /* realloc(NULL) is malloc */
	CHECK(p && feed_tlsmem_owns(p));
	memset(p, 0x11, 16712);
	q = tm_realloc(p, 17000); /* same class: stays */
	CHECK(q == p);
	memset(q + 16712, 0x11, 17000 - 16712);
	r = tm_realloc(q, 100000); /* out of the pool, contents kept */
	CHECK(r && !feed_tlsmem_owns(r) && tm_filled(r, 17000, 0x11));
	d = tm_delta();
	CHECK(d.hits == 1 && d.frees == 1 && d.pass == 1);
	q = tm_realloc(r, 16712); /* a malloc'd pointer stays with realloc */
	CHECK(q && !feed_tlsmem_owns(q) && tm_filled(q, 16712, 0x11));
	tm_free(q);
	d = tm_delta();
	CHECK(d.pass == 1 && d.hits == 0);

	p = tm_alloc(40); /* small -> record: both pools, contents kept */
	memset(p, 0x22, 40);
	q = tm_realloc(p, 16600);
	CHECK(q && q != p && feed_tlsmem_owns(q) && tm_filled(q, 40, 0x22));
	p = tm_realloc(q, 44); /* record -> small: the first 44 bytes */
	CHECK(p && feed_tlsmem_owns(p) && tm_filled(p, 40, 0x22));
	q = tm_realloc(p, 0); /* 0: freed, as CRYPTO_realloc does */
	CHECK(q == NULL);
	d = tm_delta();
	CHECK(d.hits == 3 && d.frees == 3 && d.pass == 0);
}

/* Every record block in use: the next request passes through, counted as full. */
static void test_full(void)
{
	static void *blk[FEED_TLSMEM_REC_BLOCKS];
	struct feed_tlsmem_stats d, s;
	void *extra;
	size_t n = 0;

	feed_tlsmem_stats(&s);
	tm_delta();
	for (uint64_t i = s.rec_in_use; i < FEED_TLSMEM_REC_BLOCKS; i++) {
		blk[n] = tm_alloc(16712);
		CHECK(blk[n] && feed_tlsmem_owns(blk[n]));
		n++;
	}
	extra = tm_alloc(16712);
	CHECK(extra && !feed_tlsmem_owns(extra));
	d = tm_delta();
	CHECK(d.full == 1 && d.pass == 1 && d.hits == n);
	tm_free(extra);
	for (size_t i = 0; i < n; i++)
		tm_free(blk[i]);
	feed_tlsmem_stats(&s);
	CHECK(s.rec_in_use == 0 && s.rec_touched == FEED_TLSMEM_REC_BLOCKS);
}

/*
 * The handshake class keeps FEED_TLSMEM_HS_KEEP free blocks resident and
 * gives the pages of any block freed beyond them back to the kernel: such a
 * block reads as zeros when handed out again.
 */
static void test_trim(void)
{
	enum { N = FEED_TLSMEM_HS_KEEP + 8 };
	uint8_t *b[N];
	struct feed_tlsmem_stats s0, s1;
	int zeros = 0, kept = 0;

	feed_tlsmem_stats(&s0);
	CHECK(s0.hs_in_use == 0 && s0.hs_free == 0);
	for (int i = 0; i < N; i++) {
		b[i] = tm_alloc(21848);
		CHECK(b[i] && feed_tlsmem_owns(b[i]));
		if (b[i])
			memset(b[i], 0x5a, 21848);
	}
	for (int i = 0; i < N; i++)
		tm_free(b[i]);
	feed_tlsmem_stats(&s1);
	CHECK(s1.hs_in_use == 0 && s1.hs_free == N);
	CHECK(s1.trims - s0.trims == N - FEED_TLSMEM_HS_KEEP);
	/* LIFO: the last freed come back first, and they were freed beyond the kept ones. */
	for (int i = N - 1; i >= 0; i--) {
		uint8_t *p = tm_alloc(21848);
		CHECK(p == b[i]);
		if (p) /* what the block holds now: memcheck calls a fresh block undefined */
			VALGRIND_MAKE_MEM_DEFINED(p, 21848);
		zeros += p && tm_filled(p, 21848, 0);
		kept += p && tm_filled(p, 21848, 0x5a);
	}
	if (zeros != N - FEED_TLSMEM_HS_KEEP || kept != FEED_TLSMEM_HS_KEEP)
		fprintf(stderr, "test_tlsmem: %d blocks read as zeros, %d kept their bytes\n",
			zeros, kept);
	CHECK(zeros == N - FEED_TLSMEM_HS_KEEP && kept == FEED_TLSMEM_HS_KEEP);
	for (int i = 0; i < N; i++)
		tm_free(b[i]);
}

/* OpenSSL's own calls reach the pools once installed. */
static void test_openssl(void)
{
	void *p = OPENSSL_malloc(16712), *q = OPENSSL_zalloc(40), *r = OPENSSL_malloc(300);

	CHECK(p && q && r);
	CHECK(feed_tlsmem_owns(p) && feed_tlsmem_owns(q) && !feed_tlsmem_owns(r));
	CHECK(q && tm_filled(q, 40, 0));
	OPENSSL_free(p);
	OPENSSL_free(q);
	OPENSSL_free(r);
	CHECK(feed_tlsmem_install() == 0); /* again: nothing changes */
}

#define TM_ROUNDS 100000L

struct tm_arg {
	uint8_t id; /* the stamp: id in one block, id + 2 in the other */
	long bad;   /* blocks found with another stamp, or an allocation failure */
};

/* Each thread stamps its blocks and checks the stamp before freeing: two
 * threads handed the same block would see each other's stamp. */
static void *tm_thread(void *arg)
{
	struct tm_arg *a = arg;

	for (long i = 0; i < TM_ROUNDS; i++) {
		size_t n = i % 2 ? 40 : 16712;
		uint8_t *p = tm_alloc(n), *q = tm_alloc(n);
		if (!p || !q) {
			a->bad++;
			break;
		}
		memset(p, a->id, n);
		memset(q, a->id + 2, n);
		a->bad += !tm_filled(p, n, a->id) || !tm_filled(q, n, (uint8_t)(a->id + 2));
		tm_free(q);
		tm_free(p);
	}
	return NULL;
}

static void test_threads(void)
{
	struct feed_tlsmem_stats s0, s1;
	struct tm_arg other = {1, 0}, mine = {0x40, 0};
	pthread_t t;

	feed_tlsmem_stats(&s0);
	CHECK(pthread_create(&t, NULL, tm_thread, &other) == 0);
	tm_thread(&mine);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(mine.bad == 0 && other.bad == 0);
	feed_tlsmem_stats(&s1);
	CHECK(s1.rec_in_use == s0.rec_in_use && s1.small_in_use == s0.small_in_use);
	CHECK(s1.hits - s0.hits == 4 * (uint64_t)TM_ROUNDS);
	CHECK(s1.frees - s0.frees == 4 * (uint64_t)TM_ROUNDS);
	CHECK(s1.pass == s0.pass);
}

int main(void)
{
	test_before_install();
	if (feed_tlsmem_install() != 0) {
		fprintf(stderr, "test_tlsmem: install refused\n");
		return 1;
	}
	CHECK(feed_tlsmem_installed());
	test_trim(); /* first: no handshake block used before */
	test_sizes();
	test_lifo();
	test_realloc();
	test_full();
	test_openssl();
	test_threads();
	return th_result("test_tlsmem");
}
