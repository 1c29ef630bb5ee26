/* SPDX-License-Identifier: MIT */
/*
 * book.c: the order books of a segment (byte map and scheme in
 * book_layout.h). Writer side: adding a book's record at start-up and
 * publishing its top levels under its seqlock (no syscall, no allocation,
 * never waits). Reader side: a consistent copy of the top n levels with a
 * bounded number of attempts, and the helpers over a copy.
 */
#include <errno.h>
#include <string.h>

#include "book_layout.h"
#include "internal.h"
#include "mdbus.h"

int mdbus__book_rewrite; /* internal.h: 0 every level (the default), 1 from the first changed,
			  * 2 only changed, 3 every level one at a time (the loop before) */

static inline void mdbus_book_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

size_t mdbus_book_record_size(uint32_t depth)
{
	if (depth == 0 || depth > MDBUS_BOOK_LEVELS_MAX)
		return 0;
	return (size_t)mdbus_book_rec_bytes(depth);
}

static inline uint32_t mdbus_book_rec_depth(const struct mdbus_book_rec *rec)
{
	return (uint32_t)(rec->ident >> 32);
}

int mdbus_writer_book_add(mdbus_writer *w, uint32_t instrument, uint32_t depth, uint32_t *book)
{
	if (w == NULL)
		return -EINVAL;
	uint32_t ninstr;
	struct mdbus__wbooks *b = mdbus__writer_books(w, &ninstr);
	if (b->region == NULL || instrument >= ninstr || depth == 0 ||
	    depth > MDBUS_BOOK_LEVELS_MAX)
		return -EINVAL;
	if (b->rec[instrument] != NULL) {
		if (mdbus_book_rec_depth(b->rec[instrument]) != depth)
			return -EEXIST;
		if (book != NULL)
			*book = instrument;
		return 0;
	}
	uint64_t need = mdbus_book_rec_bytes(depth);
	if (need > b->size - b->used)
		return -ENOSPC;
	/* A fresh file reads as zeros: seq 0 (stable), status EMPTY, no levels. */
	struct mdbus_book_rec *rec = (struct mdbus_book_rec *)(b->region + b->used);
	rec->ident = mdbus_book_ident(instrument, depth);
	struct mdbus_book_dirent *d = (struct mdbus_book_dirent *)b->region + instrument;
	d->depth = depth;
	d->instrument = instrument;
	/* Release: a reader that loads rec_off with acquire sees the entry's
	 * depth and the record's ident above; neither ever changes again. */
	atomic_store_explicit(&d->rec_off, b->used, memory_order_release);
	b->used += need;
	b->rec[instrument] = rec;
	b->count++;
	atomic_store_explicit(mdbus__writer_book_count(w), b->count, memory_order_release);
	if (book != NULL)
		*book = instrument;
	return 0;
}

static struct mdbus_book_rec *mdbus_book_get(mdbus_writer *w, uint32_t book)
{
	if (w == NULL)
		return NULL;
	uint32_t ninstr;
	struct mdbus__wbooks *b = mdbus__writer_books(w, &ninstr);
	if (b->region == NULL || book >= b->cap)
		return NULL;
	return b->rec[book];
}

/* Levels of a side view to keep (n clamped to depth); -1 for a bad view. */
static int64_t mdbus_book_side_n(const struct mdbus_book_side_view *v, uint32_t depth)
{
	if (v->n == 0)
		return 0;
	if (v->best == NULL || (v->n > 1 && v->step != 1 && v->step != -1))
		return -1;
	return v->n < depth ? v->n : depth;
}

/* Index of the first of n levels of the view that differs from the stored
 * ones at lv (only this writer stores them: relaxed loads of our own words). */
static uint32_t mdbus_book_first_diff(const _Atomic uint64_t *lv,
				      const struct mdbus_book_side_view *v, uint32_t n)
{
	const struct mdbus_book_level *src = v->best;
	for (uint32_t i = 0; i < n; i++, src += v->step) {
		if (atomic_load_explicit(&lv[(size_t)2 * i], memory_order_relaxed) !=
			    (uint64_t)src->price ||
		    atomic_load_explicit(&lv[(size_t)2 * i + 1], memory_order_relaxed) !=
			    (uint64_t)src->qty)
			return i;
	}
	return n;
}

/* Stores levels [from, n) of the view: four levels a turn, each pair
 * loaded before it is stored (the atomic stores would otherwise make the
 * compiler reload the view between them), then the rest. */
static inline void mdbus_book_store_all(_Atomic uint64_t *lv, const struct mdbus_book_level *src,
					ptrdiff_t step, uint32_t from, uint32_t n)
{
	_Atomic uint64_t *d = lv + (size_t)2 * from, *end = lv + (size_t)2 * n;
	src += (ptrdiff_t)from * step;
	for (; end - d >= 8; d += 8, src += 4 * step) {
		int64_t p0 = src->price, q0 = src->qty, p1 = src[step].price, q1 = src[step].qty;
		int64_t p2 = src[2 * step].price, q2 = src[2 * step].qty;
		int64_t p3 = src[3 * step].price, q3 = src[3 * step].qty;
		mdbus_seq_store(&d[0], (uint64_t)p0);
		mdbus_seq_store(&d[1], (uint64_t)q0);
		mdbus_seq_store(&d[2], (uint64_t)p1);
		mdbus_seq_store(&d[3], (uint64_t)q1);
		mdbus_seq_store(&d[4], (uint64_t)p2);
		mdbus_seq_store(&d[5], (uint64_t)q2);
		mdbus_seq_store(&d[6], (uint64_t)p3);
		mdbus_seq_store(&d[7], (uint64_t)q3);
	}
	for (; d < end; d += 2, src += step) {
		int64_t p0 = src->price, q0 = src->qty;
		mdbus_seq_store(&d[0], (uint64_t)p0);
		mdbus_seq_store(&d[1], (uint64_t)q0);
	}
}

static inline void mdbus_book_store_side(_Atomic uint64_t *lv, const struct mdbus_book_side_view *v,
					 int mode, uint32_t from, uint32_t n)
{
	const struct mdbus_book_level *src = v->best + (ptrdiff_t)from * v->step;
	if (mode == 2) {
		for (uint32_t i = from; i < n; i++, src += v->step) {
			if (atomic_load_explicit(&lv[(size_t)2 * i], memory_order_relaxed) !=
			    (uint64_t)src->price)
				mdbus_seq_store(&lv[(size_t)2 * i], (uint64_t)src->price);
			if (atomic_load_explicit(&lv[(size_t)2 * i + 1], memory_order_relaxed) !=
			    (uint64_t)src->qty)
				mdbus_seq_store(&lv[(size_t)2 * i + 1], (uint64_t)src->qty);
		}
		return;
	}
	if (mode == 3) { /* the loop before the two-level one, for bench_book's baseline */
		for (uint32_t i = from; i < n; i++, src += v->step) {
			mdbus_seq_store(&lv[(size_t)2 * i], (uint64_t)src->price);
			mdbus_seq_store(&lv[(size_t)2 * i + 1], (uint64_t)src->qty);
		}
		return;
	}
	mdbus_book_store_all(lv, v->best, v->step, from, n);
}

int mdbus_writer_book_publish(mdbus_writer *w, uint32_t book, const struct mdbus_book_update *u)
{
	struct mdbus_book_rec *rec = mdbus_book_get(w, book);
	if (rec == NULL || u == NULL || u->status > MDBUS_BOOK_REST ||
	    u->checksum > MDBUS_BOOK_CK_MISMATCH)
		return -EINVAL;
	uint32_t depth = mdbus_book_rec_depth(rec);
	int64_t nb = mdbus_book_side_n(&u->bids, depth), na = mdbus_book_side_n(&u->asks, depth);
	if (nb < 0 || na < 0)
		return -EINVAL;
	_Atomic uint64_t *bids = rec->lv, *asks = rec->lv + (size_t)2 * depth;
	/* Every level is rewritten (book_layout.h: cheapest as measured); the
	 * alternatives stay for bench_book to measure. Found before the odd
	 * marker: the window readers retry in is only the stores. */
	int mode = mdbus__book_rewrite;
	uint32_t fb = mode == 1 ? mdbus_book_first_diff(bids, &u->bids, (uint32_t)nb) : 0;
	uint32_t fa = mode == 1 ? mdbus_book_first_diff(asks, &u->asks, (uint32_t)na) : 0;
	uint64_t s = atomic_load_explicit(&rec->seq, memory_order_relaxed);
	mdbus_seq_begin(&rec->seq, s + 1);
	mdbus_seq_store(&rec->words[MDBUS_BW_STATUS], u->status | (uint64_t)u->checksum << 32);
	mdbus_seq_store(&rec->words[MDBUS_BW_COUNTS], (uint64_t)nb | (uint64_t)na << 32);
	mdbus_seq_store(&rec->words[MDBUS_BW_UPDATE_ID], u->update_id);
	mdbus_seq_store(&rec->words[MDBUS_BW_EXCH_TS], (uint64_t)u->exch_ts);
	mdbus_seq_store(&rec->words[MDBUS_BW_RECV_TS], (uint64_t)u->recv_ts);
	mdbus_seq_store(&rec->words[MDBUS_BW_VERSION], (s + 2) >> 1);
	mdbus_seq_store(&rec->words[MDBUS_BW_RESYNCS], u->resyncs);
	mdbus_seq_store(&rec->words[MDBUS_BW_CK_FAILS], u->checksum_fails);
	mdbus_book_store_side(bids, &u->bids, mode, fb, (uint32_t)nb);
	mdbus_book_store_side(asks, &u->asks, mode, fa, (uint32_t)na);
	mdbus_seq_end(&rec->seq, s + 2);
	return 0;
}

int mdbus_writer_book_status(mdbus_writer *w, uint32_t book, uint32_t status)
{
	struct mdbus_book_rec *rec = mdbus_book_get(w, book);
	if (rec == NULL || status > MDBUS_BOOK_REST)
		return -EINVAL;
	uint64_t s = atomic_load_explicit(&rec->seq, memory_order_relaxed);
	uint64_t w0 = atomic_load_explicit(&rec->words[MDBUS_BW_STATUS], memory_order_relaxed);
	mdbus_seq_begin(&rec->seq, s + 1);
	mdbus_seq_store(&rec->words[MDBUS_BW_STATUS], (w0 & ~(uint64_t)UINT32_MAX) | status);
	mdbus_seq_store(&rec->words[MDBUS_BW_VERSION], (s + 2) >> 1);
	mdbus_seq_end(&rec->seq, s + 2);
	return 0;
}

/* ---- reader --------------------------------------------------------------------- */

static inline void mdbus_book_copy_side(const _Atomic uint64_t *lv, struct mdbus_book_level *dst,
					uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		dst[i].price = (int64_t)mdbus_seq_word(&lv[(size_t)2 * i]);
		dst[i].qty = (int64_t)mdbus_seq_word(&lv[(size_t)2 * i + 1]);
	}
}

/* Header fields of a stable copy of words into out. */
static void mdbus_book_fill(struct mdbus_book_snapshot *out, const uint64_t *wd, uint32_t nb,
			    uint32_t na)
{
	out->status = (uint32_t)wd[MDBUS_BW_STATUS];
	out->checksum = (uint32_t)(wd[MDBUS_BW_STATUS] >> 32);
	out->nbids = nb;
	out->nasks = na;
	out->update_id = wd[MDBUS_BW_UPDATE_ID];
	out->exch_ts = (int64_t)wd[MDBUS_BW_EXCH_TS];
	out->recv_ts = (int64_t)wd[MDBUS_BW_RECV_TS];
	out->version = wd[MDBUS_BW_VERSION];
	out->resyncs = wd[MDBUS_BW_RESYNCS];
	out->checksum_fails = wd[MDBUS_BW_CK_FAILS];
	memset(out->reserved, 0, sizeof(out->reserved));
}

/* One attempt: 0 a stable copy, -EAGAIN changed under us, -EBADMSG a
 * stable record that no writer produces. */
static int mdbus_book_try(const struct mdbus_book_rec *rec, uint32_t depth, uint32_t n,
			  struct mdbus_book_snapshot *out)
{
	uint64_t s0 = mdbus_seq_load(&rec->seq);
	if (s0 & 1u)
		return -EAGAIN;
	uint64_t wd[MDBUS_BOOK_HDR_WORDS];
	for (unsigned i = 0; i < MDBUS_BOOK_HDR_WORDS; i++)
		wd[i] = mdbus_seq_word(&rec->words[i]);
	uint32_t nb = (uint32_t)wd[MDBUS_BW_COUNTS], na = (uint32_t)(wd[MDBUS_BW_COUNTS] >> 32);
	uint32_t st = (uint32_t)wd[MDBUS_BW_STATUS], ck = (uint32_t)(wd[MDBUS_BW_STATUS] >> 32);
	int bad = nb > depth || na > depth || st > MDBUS_BOOK_REST || ck > MDBUS_BOOK_CK_MISMATCH;
	if (!bad) {
		nb = nb < n ? nb : n;
		na = na < n ? na : n;
		mdbus_book_copy_side(rec->lv, out->bids, nb);
		mdbus_book_copy_side(rec->lv + (size_t)2 * depth, out->asks, na);
	}
	if (mdbus_seq_recheck(&rec->seq) != s0)
		return -EAGAIN;
	if (bad)
		return -EBADMSG;
	mdbus_book_fill(out, wd, nb, na);
	return 0;
}

int mdbus_book_read(mdbus_reader *r, uint32_t instrument, uint32_t depth,
		    struct mdbus_book_snapshot *out)
{
	if (r == NULL || out == NULL)
		return -EINVAL;
	uint32_t dep = 0;
	int err;
	const struct mdbus_book_rec *rec = mdbus__reader_book(r, instrument, &dep, &err);
	if (rec == NULL)
		return err;
	uint32_t n = depth == 0 || depth > dep ? dep : depth;
	for (unsigned t = 0; t < MDBUS_BOOK_READ_TRIES; t++) {
		int rc = mdbus_book_try(rec, dep, n, out);
		if (rc != -EAGAIN) {
			out->instrument = instrument;
			out->depth = dep;
			return rc;
		}
		mdbus_book_relax();
	}
	return -EAGAIN;
}

/* ---- helpers over a snapshot ------------------------------------------------------ */

static uint32_t mdbus_book_count(const struct mdbus_book_snapshot *s, enum mdbus_book_side side)
{
	uint32_t n = side == MDBUS_BOOK_BID ? s->nbids : s->nasks;
	return n < MDBUS_BOOK_LEVELS_MAX ? n : MDBUS_BOOK_LEVELS_MAX;
}

int mdbus_book_best(const struct mdbus_book_snapshot *s, const struct mdbus_book_level **bid,
		    const struct mdbus_book_level **ask)
{
	if (s == NULL)
		return -EINVAL;
	const struct mdbus_book_level *b = mdbus_book_count(s, MDBUS_BOOK_BID) ? &s->bids[0] : NULL;
	const struct mdbus_book_level *a = mdbus_book_count(s, MDBUS_BOOK_ASK) ? &s->asks[0] : NULL;
	if (bid != NULL)
		*bid = b;
	if (ask != NULL)
		*ask = a;
	return b == NULL && a == NULL ? -ENOENT : 0;
}

/* Is level price lv at or better than the limit price on side? */
static inline int mdbus_book_within(enum mdbus_book_side side, int64_t lv, int64_t price)
{
	return side == MDBUS_BOOK_BID ? lv >= price : lv <= price;
}

int64_t mdbus_book_qty_at(const struct mdbus_book_snapshot *s, enum mdbus_book_side side,
			  int64_t price)
{
	if (s == NULL)
		return 0;
	const struct mdbus_book_level *lv = side == MDBUS_BOOK_BID ? s->bids : s->asks;
	uint32_t n = mdbus_book_count(s, side);
	for (uint32_t i = 0; i < n && mdbus_book_within(side, lv[i].price, price); i++)
		if (lv[i].price == price)
			return lv[i].qty;
	return 0;
}

int mdbus_book_volume_to(const struct mdbus_book_snapshot *s, enum mdbus_book_side side,
			 int64_t price, int64_t *qty, int64_t *notional)
{
	if (s == NULL)
		return -EINVAL;
	const struct mdbus_book_level *lv = side == MDBUS_BOOK_BID ? s->bids : s->asks;
	uint32_t n = mdbus_book_count(s, side), i;
	int64_t q = 0, v = 0, pq;
	for (i = 0; i < n && mdbus_book_within(side, lv[i].price, price); i++) {
		if (__builtin_add_overflow(q, lv[i].qty, &q))
			return -EOVERFLOW;
		if (notional != NULL && (__builtin_mul_overflow(lv[i].price, lv[i].qty, &pq) ||
					 __builtin_add_overflow(v, pq, &v)))
			return -EOVERFLOW;
	}
	if (qty != NULL)
		*qty = q;
	if (notional != NULL)
		*notional = v;
	return (int)i;
}
