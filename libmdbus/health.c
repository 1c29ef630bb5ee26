/* SPDX-License-Identifier: MIT */
/*
 * health.c: the watchdog health region (byte map in include/mdbus_health.h,
 * atomic view in health_layout.h). One writer (feedd's watchdog) publishes
 * whole records under a per-record seqlock; readers copy them with relaxed
 * atomic word loads and re-validate, giving up with -EAGAIN after a bounded
 * number of attempts. Nothing here allocates; only the mdbus_reader helpers
 * make a syscall (mdbus_reader_writer_alive).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mdbus.h"
#include "layout.h"
#include "health_layout.h"

/* ---- seqlock copies ------------------------------------------------------- */

/* Writer half (seqlock.h) over words [0, nwords) except [skip_from,
 * skip_to), which keep their stored values: still one consistent record
 * under the same round. seq must be even on entry (single writer). */
static void health_seq_write_skip(_Atomic uint64_t *seq, _Atomic uint64_t *words, const void *src,
				  size_t nwords, size_t skip_from, size_t skip_to)
{
	uint64_t s = atomic_load_explicit(seq, memory_order_relaxed);
	uint64_t w;

	mdbus_seq_begin(seq, s + 1);
	for (size_t i = 0; i < nwords; i++) {
		if (i == skip_from && skip_to > skip_from) {
			i = skip_to - 1;
			continue;
		}
		memcpy(&w, (const char *)src + i * 8, 8);
		mdbus_seq_store(&words[i], w);
	}
	mdbus_seq_end(seq, s + 2);
}

static void health_seq_write(_Atomic uint64_t *seq, _Atomic uint64_t *words, const void *src,
			     size_t nwords)
{
	health_seq_write_skip(seq, words, src, nwords, 0, 0);
}

/* Reader half (seqlock.h): 0, -ENODATA (never written), -EAGAIN (kept
 * changing: a writer that died mid-copy leaves seq odd, so retries are
 * bounded). */
static int health_seq_read(const _Atomic uint64_t *seq, const _Atomic uint64_t *words, void *dst,
			   size_t nwords)
{
	for (int attempt = 0; attempt < MDBUS_HEALTH_RETRIES; attempt++) {
		uint64_t s0 = mdbus_seq_load(seq);
		if (s0 == 0)
			return -ENODATA;
		if (s0 & 1)
			continue;
		for (size_t i = 0; i < nwords; i++) {
			uint64_t w = mdbus_seq_word(&words[i]);
			memcpy((char *)dst + i * 8, &w, 8);
		}
		if (mdbus_seq_recheck(seq) == s0)
			return 0;
	}
	return -EAGAIN;
}

/* ---- geometry --------------------------------------------------------------- */

static struct mdbus_health_srec *health_srec(struct mdbus_health_hdr *h, uint32_t idx)
{
	return (struct mdbus_health_srec *)((char *)h + MDBUS_HEALTH_REGION_HDR +
					    (size_t)idx * MDBUS_HEALTH_SESSION_REC);
}

static struct mdbus_health_irec *health_irec(struct mdbus_health_hdr *h, uint32_t id)
{
	return (struct mdbus_health_irec *)((char *)h + MDBUS_HEALTH_REGION_HDR +
					    (size_t)h->max_sessions * MDBUS_HEALTH_SESSION_REC +
					    (size_t)id * MDBUS_HEALTH_INSTR_REC);
}

int mdbus_health_check(const void *region, size_t size, struct mdbus_health_geom *g)
{
	const struct mdbus_health_hdr *h = region;

	if (!region || size < MDBUS_HEALTH_REGION_HDR)
		return -EINVAL;
	/* Acquire: pairs with the release store of the magic in
	 * mdbus_health_writer_init, so the geometry below is complete. */
	uint64_t magic = atomic_load_explicit((_Atomic uint64_t *)&h->magic, memory_order_acquire);
	if (magic == 0)
		return -EAGAIN;
	if (magic != MDBUS_HEALTH_MAGIC)
		return -EBADMSG;
	if (h->version != MDBUS_HEALTH_VERSION)
		return -EPROTONOSUPPORT;
	if (h->header_size != MDBUS_HEALTH_REGION_HDR ||
	    h->session_size != MDBUS_HEALTH_SESSION_REC ||
	    h->instr_size != MDBUS_HEALTH_INSTR_REC ||
	    h->feed_payload != sizeof(struct mdbus_health_feed) ||
	    h->session_payload != sizeof(struct mdbus_health_session) ||
	    h->instr_payload != sizeof(struct mdbus_health_instr))
		return -ERANGE;
	/* 32-bit counts times small strides cannot overflow 64 bits. */
	if (h->region_size != mdbus_health__region_size(h->max_sessions, h->max_instr) ||
	    h->region_size > size)
		return -ERANGE;
	if (g) {
		uint32_t n = atomic_load_explicit((_Atomic uint32_t *)&h->session_count,
						  memory_order_acquire);
		g->version = h->version;
		g->max_sessions = h->max_sessions;
		g->max_instr = h->max_instr;
		g->session_count = n < h->max_sessions ? n : h->max_sessions;
		g->region_size = h->region_size;
	}
	return 0;
}

/* The writer trusts its own region but still refuses one never initialised. */
static struct mdbus_health_hdr *health_writer_hdr(void *region)
{
	struct mdbus_health_hdr *h = region;

	if (!h || atomic_load_explicit(&h->magic, memory_order_relaxed) != MDBUS_HEALTH_MAGIC)
		return NULL;
	return h;
}

/* ---- writer ----------------------------------------------------------------- */

int mdbus_health_writer_init(void *region, size_t size, uint32_t max_sessions, uint32_t max_instr)
{
	struct mdbus_health_hdr *h = region;
	uint64_t need = mdbus_health__region_size(max_sessions, max_instr);

	if (!region || need > size)
		return -EINVAL;
	/* max_sessions is a minimum: whole session records left in the slice
	 * become usable too, so a caller that counted its sessions too early
	 * still gets the reservation layout.h made (size is exact there). */
	uint64_t spare = (size - need) / MDBUS_HEALTH_SESSION_REC;
	if (spare > UINT32_MAX - max_sessions)
		spare = UINT32_MAX - max_sessions;
	max_sessions += (uint32_t)spare;
	need += spare * MDBUS_HEALTH_SESSION_REC;
	/* Readers that see magic 0 treat the region as "not ready" and touch
	 * nothing else, so the reset below is invisible to them. */
	atomic_store_explicit(&h->magic, 0, memory_order_seq_cst);
	memset((char *)region + 8, 0, need - 8);
	h->version = MDBUS_HEALTH_VERSION;
	h->header_size = MDBUS_HEALTH_REGION_HDR;
	h->session_size = MDBUS_HEALTH_SESSION_REC;
	h->instr_size = MDBUS_HEALTH_INSTR_REC;
	h->max_sessions = max_sessions;
	h->max_instr = max_instr;
	h->region_size = need;
	h->feed_payload = sizeof(struct mdbus_health_feed);
	h->session_payload = sizeof(struct mdbus_health_session);
	h->instr_payload = sizeof(struct mdbus_health_instr);
	/* Release: the geometry above is visible to any reader that acquires
	 * the magic (mdbus_health_check). */
	atomic_store_explicit(&h->magic, MDBUS_HEALTH_MAGIC, memory_order_release);
	return 0;
}

int mdbus_health_publish_feed(void *region, const struct mdbus_health_feed *f)
{
	struct mdbus_health_hdr *h = health_writer_hdr(region);

	if (!h || !f)
		return -EINVAL;
	health_seq_write(&h->feed_seq, h->feed_words, f, MDBUS_HEALTH_FEED_WORDS);
	return 0;
}

int mdbus_health_set_session_count(void *region, uint32_t n)
{
	struct mdbus_health_hdr *h = health_writer_hdr(region);

	if (!h)
		return -EINVAL;
	if (n > h->max_sessions)
		return -ERANGE;
	/* Release: records below n were published before the count. */
	atomic_store_explicit(&h->session_count, n, memory_order_release);
	return 0;
}

int mdbus_health_publish_session(void *region, uint32_t idx, const struct mdbus_health_session *s)
{
	return mdbus_health_publish_session_head(region, idx, s, sizeof(*s));
}

/* Publishes words [0, words) of session record idx but [skip_from, skip_to). */
static int health_publish_session(void *region, uint32_t idx, const struct mdbus_health_session *s,
				  size_t words, size_t skip_from, size_t skip_to)
{
	struct mdbus_health_hdr *h = health_writer_hdr(region);

	if (!h || !s)
		return -EINVAL;
	if (idx >= h->max_sessions)
		return -ERANGE;
	struct mdbus_health_srec *r = health_srec(h, idx);
	/* The words not stored keep their last published values: still one
	 * consistent record under the same seqlock round. */
	health_seq_write_skip(&r->seq, r->words, s, words, skip_from, skip_to);
	if (atomic_load_explicit(&h->session_count, memory_order_relaxed) <= idx)
		/* Release: pairs with the reader's acquire of session_count. */
		atomic_store_explicit(&h->session_count, idx + 1, memory_order_release);
	return 0;
}

int mdbus_health_publish_session_head(void *region, uint32_t idx,
				      const struct mdbus_health_session *s, size_t bytes)
{
	size_t words = (bytes + 7) / 8;

	if (words > MDBUS_HEALTH_SESSION_WORDS)
		words = MDBUS_HEALTH_SESSION_WORDS;
	return health_publish_session(region, idx, s, words, 0, 0);
}

int mdbus_health_publish_session_skip(void *region, uint32_t idx,
				      const struct mdbus_health_session *s, size_t skip_off,
				      size_t skip_len)
{
	/* Inwards: only words wholly inside the range are skipped. */
	size_t from = (skip_off + 7) / 8;
	size_t to = skip_len > SIZE_MAX - skip_off ? MDBUS_HEALTH_SESSION_WORDS
						   : (skip_off + skip_len) / 8;

	if (to > MDBUS_HEALTH_SESSION_WORDS)
		to = MDBUS_HEALTH_SESSION_WORDS;
	if (from >= to)
		from = to = 0;
	return health_publish_session(region, idx, s, MDBUS_HEALTH_SESSION_WORDS, from, to);
}

int mdbus_health_publish_instr(void *region, uint32_t id, const struct mdbus_health_instr *in)
{
	struct mdbus_health_hdr *h = health_writer_hdr(region);
	struct mdbus_health_instr copy;

	if (!h || !in)
		return -EINVAL;
	if (id >= h->max_instr)
		return -ERANGE;
	struct mdbus_health_irec *r = health_irec(h, id);
	copy = *in;
	copy.id = id;
	if (in->status != MDBUS_HEALTH_INSTR_UNKNOWN)
		/* Release: pairs with the acquire in mdbus_health_read_instr_status. */
		atomic_store_explicit(&r->status, in->status, memory_order_release);
	copy.status = atomic_load_explicit(&r->status, memory_order_relaxed);
	health_seq_write(&r->seq, r->words, &copy, MDBUS_HEALTH_INSTR_WORDS);
	return 0;
}

int mdbus_health_set_instr_status(void *region, uint32_t id, uint32_t status)
{
	struct mdbus_health_hdr *h = health_writer_hdr(region);

	if (!h)
		return -EINVAL;
	if (id >= h->max_instr)
		return -ERANGE;
	/* Release: pairs with the acquire in mdbus_health_read_instr_status
	 * (nothing else is ordered by it; it is a standalone word). */
	atomic_store_explicit(&health_irec(h, id)->status, status, memory_order_release);
	return 0;
}

/* ---- readers on a raw region ------------------------------------------------- */

/* The texts of a copied record are NUL-terminated whatever the region holds:
 * another process writes it, and a reader prints them with %s. */
#define HEALTH_TERMINATE(a) ((a)[sizeof(a) - 1] = '\0')

int mdbus_health_read_feed(const void *region, size_t size, struct mdbus_health_feed *out)
{
	int err = mdbus_health_check(region, size, NULL);
	const struct mdbus_health_hdr *h = region;

	if (err)
		return err;
	if (!out)
		return -EINVAL;
	err = health_seq_read(&h->feed_seq, h->feed_words, out, MDBUS_HEALTH_FEED_WORDS);
	if (err == 0) {
		HEALTH_TERMINATE(out->config);
		HEALTH_TERMINATE(out->version);
	}
	return err;
}

/* A readable region and somewhere to copy to. */
static int health_check_out(const void *region, size_t size, struct mdbus_health_geom *g,
			    const void *out)
{
	int err = mdbus_health_check(region, size, g);

	return err ? err : out ? 0 : -EINVAL;
}

int mdbus_health_read_session(const void *region, size_t size, uint32_t idx,
			      struct mdbus_health_session *out)
{
	struct mdbus_health_geom g;
	int err = health_check_out(region, size, &g, out);

	if (err)
		return err;
	if (idx >= g.max_sessions)
		return -ERANGE;
	if (idx >= g.session_count)
		return -ENOENT;
	const struct mdbus_health_srec *r = health_srec((struct mdbus_health_hdr *)region, idx);
	err = health_seq_read(&r->seq, r->words, out, MDBUS_HEALTH_SESSION_WORDS);
	if (err == 0) {
		HEALTH_TERMINATE(out->name);
		HEALTH_TERMINATE(out->venue);
		HEALTH_TERMINATE(out->host);
		HEALTH_TERMINATE(out->last_error);
		HEALTH_TERMINATE(out->verdict_reason);
	}
	return err;
}

int mdbus_health_read_instr(const void *region, size_t size, uint32_t id,
			    struct mdbus_health_instr *out)
{
	struct mdbus_health_geom g;
	int err = health_check_out(region, size, &g, out);

	if (err)
		return err;
	if (id >= g.max_instr)
		return -ERANGE;
	const struct mdbus_health_irec *r = health_irec((struct mdbus_health_hdr *)region, id);
	err = health_seq_read(&r->seq, r->words, out, MDBUS_HEALTH_INSTR_WORDS);
	if (err)
		return err;
	/* The word may be newer than the record: report the current status. */
	out->status = atomic_load_explicit((_Atomic uint32_t *)&r->status, memory_order_acquire);
	return 0;
}

int mdbus_health_read_instr_status(const void *region, size_t size, uint32_t id)
{
	struct mdbus_health_geom g;
	int err = mdbus_health_check(region, size, &g);

	if (err)
		return err;
	if (id >= g.max_instr)
		return -ERANGE;
	const struct mdbus_health_irec *r = health_irec((struct mdbus_health_hdr *)region, id);
	/* Acquire: pairs with the writer's release store of the word. */
	uint32_t st = atomic_load_explicit((_Atomic uint32_t *)&r->status, memory_order_acquire);
	return st > 0x7fffffffu ? -ERANGE : (int)st;
}

/* ---- verdict ------------------------------------------------------------------ */

#define HEALTH_DEFAULT_STALE_MS 30000

/* a - b for two times, saturated: the times come from shared memory another
 * process writes, and a scribbled one must not overflow (undefined in C). */
static int64_t health_diff(int64_t a, int64_t b)
{
	int64_t d;

	if (!__builtin_sub_overflow(a, b, &d))
		return d;
	return a < b ? INT64_MIN : INT64_MAX;
}

/* LIVE: degraded when silent past stale_timeout or not fully subscribed. */
static int health_verdict_live(const struct mdbus_health_session *s, int64_t now_ns, char *reason,
			       size_t len)
{
	int64_t stale_ns =
		(int64_t)(s->stale_timeout_ms ? s->stale_timeout_ms : HEALTH_DEFAULT_STALE_MS) *
		1000000;
	int64_t ref = s->last_msg_ns ? s->last_msg_ns : s->state_since_ns;

	if (ref && health_diff(now_ns, ref) > stale_ns) {
		snprintf(reason, len, "no message for %.1f s",
			 (double)health_diff(now_ns, ref) / 1e9);
		return MDBUS_HEALTH_DEGRADED;
	}
	if (s->streams && s->subscriptions < s->streams) {
		snprintf(reason, len, "%u/%u streams subscribed", s->subscriptions, s->streams);
		return MDBUS_HEALTH_DEGRADED;
	}
	snprintf(reason, len, "live");
	return MDBUS_HEALTH_HEALTHY;
}

static int health_verdict_stale(const struct mdbus_health_session *s, int64_t now_ns, char *reason,
				size_t len)
{
	int64_t ref = s->last_msg_ns ? s->last_msg_ns : s->state_since_ns;

	if (ref)
		snprintf(reason, len, "stale: no message for %.1f s",
			 (double)health_diff(now_ns, ref) / 1e9);
	else
		snprintf(reason, len, "stale");
	return MDBUS_HEALTH_DEGRADED;
}

/* Every other state is down; the reason names the last error if any. The
 * text is in shared memory written by another process: bounded. */
static int health_verdict_down(const struct mdbus_health_session *s, int64_t now_ns, char *reason,
			       size_t len)
{
	const char *err = mdbus_health_err_name(s->last_error_class);
	int has_err = s->last_error_class != MDBUS_HEALTH_ERR_NONE;
	int tlen = (int)strnlen(s->last_error, sizeof(s->last_error));

	if (s->state == MDBUS_HEALTH_ST_BACKOFF) {
		int64_t in = s->next_reconnect_ns ? health_diff(s->next_reconnect_ns, now_ns) : 0;
		double in_s = (double)(in < 0 ? 0 : in) / 1e9;
		if (has_err)
			snprintf(reason, len, "backoff after %s: %.*s, retry in %.1f s", err, tlen,
				 s->last_error, in_s);
		else
			snprintf(reason, len, "backoff, retry in %.1f s", in_s);
	} else if (s->state >= MDBUS_HEALTH_ST__COUNT) {
		snprintf(reason, len, "unknown state %u", s->state);
	} else if (has_err && s->state != MDBUS_HEALTH_ST_STOPPED) {
		snprintf(reason, len, "%s after %s: %.*s", mdbus_health_state_name(s->state), err,
			 tlen, s->last_error);
	} else {
		snprintf(reason, len, "%s", mdbus_health_state_name(s->state));
	}
	return MDBUS_HEALTH_DOWN;
}

int mdbus_health_session_verdict(const struct mdbus_health_session *s, int64_t now_ns, char *reason,
				 size_t len)
{
	char dummy[1];

	if (!reason || len == 0) {
		reason = dummy;
		len = sizeof(dummy);
	}
	if (!s) {
		snprintf(reason, len, "no record");
		return MDBUS_HEALTH_DOWN;
	}
	if (s->state == MDBUS_HEALTH_ST_LIVE)
		return health_verdict_live(s, now_ns, reason, len);
	if (s->state == MDBUS_HEALTH_ST_STALE)
		return health_verdict_stale(s, now_ns, reason, len);
	return health_verdict_down(s, now_ns, reason, len);
}

/* ---- readers on an mdbus_reader ------------------------------------------------ */

static const void *health_region(mdbus_reader *r, size_t *size)
{
	*size = 0;
	return r ? mdbus_reader_health(r, size) : NULL;
}

int mdbus_health_geometry(mdbus_reader *r, struct mdbus_health_geom *g)
{
	size_t size;
	const void *p = health_region(r, &size);

	return mdbus_health_check(p, size, g);
}

int mdbus_health_session_count(mdbus_reader *r)
{
	struct mdbus_health_geom g;
	int err = mdbus_health_geometry(r, &g);

	return err ? err : (int)g.session_count;
}

int mdbus_health_snapshot_feed(mdbus_reader *r, struct mdbus_health_feed *out)
{
	size_t size;
	const void *p = health_region(r, &size);

	return mdbus_health_read_feed(p, size, out);
}

static int health_feed_live(mdbus_reader *r);

int mdbus_health_snapshot_session(mdbus_reader *r, uint32_t idx, struct mdbus_health_session *out)
{
	size_t size;
	const void *p = health_region(r, &size);
	int err = mdbus_health_read_session(p, size, idx, out);

	if (err == 0 && !health_feed_live(r)) {
		out->verdict = MDBUS_HEALTH_DOWN;
		snprintf(out->verdict_reason, sizeof(out->verdict_reason), "feed dead");
	}
	return err;
}

static int health_feed_fresh(const struct mdbus_health_hdr *h);

int mdbus_health_snapshot_instr(mdbus_reader *r, uint32_t id, struct mdbus_health_instr *out)
{
	size_t size;
	const void *p = health_region(r, &size);
	int err = mdbus_health_read_instr(p, size, id, out);

	/* The same fold as mdbus_health_instr_status. */
	if (err == 0 && out->status != MDBUS_HEALTH_INSTR_UNKNOWN && !health_feed_fresh(p))
		out->status = MDBUS_HEALTH_INSTR_DOWN;
	return err;
}

/* A 4-byte field of the feed payload, read from its word (the payload was
 * stored as bytes in words, so this is endian-neutral). */
static uint32_t health_feed_u32(const struct mdbus_health_hdr *h, size_t off)
{
	uint64_t w = atomic_load_explicit((_Atomic uint64_t *)&h->feed_words[off / 8],
					  memory_order_relaxed);
	uint32_t v;

	memcpy(&v, (const char *)&w + off % 8, sizeof(v));
	return v;
}

/*
 * The feed's heartbeat is fresh: no syscall (the coarse monotonic clock is
 * a vDSO read; it lags by at most one tick, which only delays the verdict by
 * that much). Single word loads, no seqlock: the heartbeat only grows, so a
 * word from a record being rewritten is either the old or the new beat.
 */
static int health_feed_fresh(const struct mdbus_health_hdr *h)
{
	struct timespec ts;
	int64_t hb = (int64_t)atomic_load_explicit(
		(_Atomic uint64_t *)&h
			->feed_words[offsetof(struct mdbus_health_feed, heartbeat_mono_ns) / 8],
		memory_order_relaxed);
	uint32_t period =
		health_feed_u32(h, offsetof(struct mdbus_health_feed, heartbeat_period_ms));
	uint32_t state = health_feed_u32(h, offsetof(struct mdbus_health_feed, state));

	if (hb == 0 || state == MDBUS_HEALTH_FEED_STOPPED)
		return 0;
	if (period == 0)
		period = MDBUS_HEALTH_PERIOD_DEFAULT_MS;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return health_diff(now, hb) <= (int64_t)period * MDBUS_HEALTH_DEAD_PERIODS * 1000000;
}

int mdbus_health_instr_status(mdbus_reader *r, uint32_t id)
{
	size_t size;
	const void *p = health_region(r, &size);
	int st = mdbus_health_read_instr_status(p, size, id);

	/* A dead writer can never clear its words: the reader does. */
	if (st > MDBUS_HEALTH_INSTR_UNKNOWN && st != MDBUS_HEALTH_INSTR_DOWN &&
	    !health_feed_fresh(p))
		return MDBUS_HEALTH_INSTR_DOWN;
	return st;
}

/* Fresh heartbeat and a held writer lock (a syscall: not the fast path). */
static int health_feed_live(mdbus_reader *r)
{
	size_t size;
	const void *p = health_region(r, &size);

	return mdbus_health_check(p, size, NULL) == 0 && health_feed_fresh(p) &&
	       mdbus_reader_writer_alive(r) == 1;
}

int mdbus_health_find_session(mdbus_reader *r, const char *name, uint32_t *idx)
{
	struct mdbus_health_session s;
	int n = mdbus_health_session_count(r);

	if (!name)
		return -EINVAL;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int err = mdbus_health_snapshot_session(r, (uint32_t)i, &s);
		if (err == -ENODATA)
			continue;
		if (err)
			return err;
		if (strncmp(s.name, name, sizeof(s.name)) == 0) {
			if (idx)
				*idx = (uint32_t)i;
			return 0;
		}
	}
	return -ENOENT;
}

int mdbus_health_feed_alive(mdbus_reader *r, int max_age_ms)
{
	struct mdbus_health_feed f;
	int alive = r ? mdbus_reader_writer_alive(r) : -EINVAL;

	if (alive <= 0)
		return alive;
	int err = mdbus_health_snapshot_feed(r, &f);
	if (err == -ENODATA)
		return 0;
	if (err)
		return err;
	if (f.state == MDBUS_HEALTH_FEED_STOPPED)
		return 0;
	/* 64 bits: the period is a uint32 from shared memory. */
	int64_t max_ns = (int64_t)max_age_ms * 1000000;
	if (max_age_ms <= 0)
		max_ns = (int64_t)(f.heartbeat_period_ms ? f.heartbeat_period_ms
							 : MDBUS_HEALTH_PERIOD_DEFAULT_MS) *
			 MDBUS_HEALTH_DEAD_PERIODS * 1000000;
	return health_diff(mdbus_health_mono_ns(), f.heartbeat_mono_ns) <= max_ns ? 1 : 0;
}

int mdbus_health_session_healthy(mdbus_reader *r, const char *name)
{
	struct mdbus_health_session s;
	uint32_t idx;
	int err = mdbus_health_find_session(r, name, &idx);

	if (err)
		return err;
	err = mdbus_health_snapshot_session(r, idx, &s);
	if (err)
		return err;
	if (s.verdict == MDBUS_HEALTH_DOWN && strcmp(s.verdict_reason, "feed dead") == 0)
		return 0;
	return mdbus_health_session_verdict(&s, mdbus_health_mono_ns(), NULL, 0) ==
	       MDBUS_HEALTH_HEALTHY;
}

/* ---- names and clocks ------------------------------------------------------------ */

static const char *const health_state_names[MDBUS_HEALTH_ST__COUNT] = {
	"disconnected", "resolving", "connecting", "tls_handshake", "ws_handshake", "subscribing",
	"live",		"stale",     "closing",	   "backoff",	    "failed",	    "stopped",
};

static const char *const health_err_names[MDBUS_HEALTH_ERR__COUNT] = {
	"none",	 "dns",		 "tcp",	 "tls",	    "http",	"ws",	    "protocol",
	"stale", "server_close", "pong", "timeout", "lifetime", "shutdown", "internal",
};

static const char *const health_verdict_names[] = {"unknown", "healthy", "degraded", "down"};
static const char *const health_instr_names[] = {"unknown", "live",	 "stale", "gap",
						 "down",    "resyncing", "rest"};
static const char *const health_feed_names[] = {"unknown", "starting", "running", "stopping",
						"stopped"};

#define HEALTH_NAME(tab, v) ((v) < sizeof(tab) / sizeof((tab)[0]) ? (tab)[v] : "unknown")

const char *mdbus_health_state_name(uint32_t state)
{
	return HEALTH_NAME(health_state_names, state);
}

const char *mdbus_health_err_name(uint32_t cls)
{
	return HEALTH_NAME(health_err_names, cls);
}

const char *mdbus_health_verdict_name(uint32_t verdict)
{
	return HEALTH_NAME(health_verdict_names, verdict);
}

const char *mdbus_health_instr_status_name(uint32_t status)
{
	return HEALTH_NAME(health_instr_names, status);
}

const char *mdbus_health_feed_state_name(uint32_t state)
{
	return HEALTH_NAME(health_feed_names, state);
}

static int64_t health_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mdbus_health_mono_ns(void)
{
	return health_clock(CLOCK_MONOTONIC);
}

int64_t mdbus_health_rt_ns(void)
{
	return health_clock(CLOCK_REALTIME);
}
