/* SPDX-License-Identifier: MIT */
/*
 * subs.c: subscription requests and the rejection policy (subs.h): which
 * streams the next subscribe message carries (an explicit set, built within
 * the venue's grouping and limits; the adapter only formats it), what a
 * venue's answer does to the streams and symbols, and where subscribing
 * stands.
 */
#include "subs.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Stream index of symbol i, channel bit ch (symbol-major), or UINT32_MAX. */
uint32_t feed_venue_stream_of(const struct feed_venue_ctx *v, uint32_t i, uint32_t ch)
{
	uint32_t k = 0;

	if (i >= v->nsyms || !(v->channels & ch) || (ch & (ch - 1)))
		return UINT32_MAX;
	for (uint32_t bit = 1; bit < ch; bit <<= 1)
		k += (v->channels & bit) != 0;
	return i * v->nch + k;
}

int feed_venue_put_natives(const struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			   char *buf, size_t len, size_t *o, size_t tail)
{
	uint32_t sym, ch;
	size_t p = *o, w;

	for (uint32_t i = 0; i < n; i++) {
		feed_venue_stream(v, streams[i], &sym, &ch);
		w = strlen(v->syms[sym].native);
		if (p + w + 3 + tail >= len) /* comma, two quotes, the tail */
			return -ENOBUFS;
		if (i > 0)
			buf[p++] = ',';
		buf[p++] = '"';
		memcpy(buf + p, v->syms[sym].native, w);
		p += w;
		buf[p++] = '"';
	}
	*o = p;
	return 0;
}

/* The wall clock a request or a ping may carry (Gate's subscribe `time`):
 * the session's clock hook in tests, else CLOCK_REALTIME. Here, below the
 * registry, because the requests are built here. */
int64_t feed_venue_wall_now(struct feed_venue_ctx *v)
{
	struct timespec ts;

	if (v->clock) {
		v->wall_ns = v->clock();
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		v->wall_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	return v->wall_ns;
}

/* ---- requests ---------------------------------------------------------------- */

int feed_subs_acks(const struct feed_venue_ctx *v)
{
	return !(v->ops->flags & FEED_VENUE_F_NO_ACKS);
}

/* Registers the request for set[0..n) (already formatted with id). */
static int subs_req_add(struct feed_venue_ctx *v, const uint32_t *set, uint32_t n, uint64_t id,
			int alone)
{
	struct feed_venue_req *r;
	uint32_t nsyms = 0, last = UINT32_MAX;

	if (v->nreqs >= v->reqs_cap || v->req_streams_n + n > v->req_streams_cap)
		return -ENOSPC;
	r = &v->reqs[v->nreqs];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->off = v->req_streams_n;
	r->count = n;
	r->alone = (uint8_t)alone;
	r->state = FEED_REQ_SENT;
	r->conn = v->streams[set[0]].conn;
	for (uint32_t k = 0; k < n; k++) {
		struct feed_venue_stream *st = &v->streams[set[k]];

		v->req_streams[v->req_streams_n++] = set[k];
		st->state = FEED_SS_SENT;
		st->req = v->nreqs;
		/* Sets are built symbol- or channel-major: a symbol's streams
		 * are adjacent, or each symbol appears once. */
		nsyms += st->sym != last;
		last = st->sym;
	}
	r->nsyms = nsyms;
	/* A venue without acks never answers: nothing to wait for. */
	r->open = feed_subs_acks(v) ? n : 0;
	if (r->open)
		v->reqs_pending++;
	v->nreqs++;
	v->next_req_id++;
	return 0;
}

/* Formats the longest prefix of set[0..n) that fits the buffer (cut to
 * limits.req_bytes) and registers it. Returns the streams taken (>= 1) or
 * -ENOBUFS if not even one fits. The adapter has no side effects, so
 * trying a shorter set is safe: all of it first, then a binary search. */
static int subs_emit(struct feed_venue_ctx *v, uint32_t n, int alone, char *buf, size_t len,
		     size_t *out_len)
{
	uint32_t max_bytes = v->ops->limits.req_bytes, lo = 0, hi = n, k = n;
	uint64_t id = v->next_req_id;
	size_t w = 0;
	int rc;

	if (max_bytes && len > max_bytes)
		len = max_bytes;
	if (v->ops->subscribe(v, v->set, n, id, buf, len, &w) < 0) {
		/* Largest k in [1, n) that fits: lo fits (or 0), hi does not. */
		while (hi - lo > 1) {
			k = lo + (hi - lo) / 2;
			if (v->ops->subscribe(v, v->set, k, id, buf, len, &w) == 0)
				lo = k;
			else
				hi = k;
		}
		if (lo == 0)
			return -ENOBUFS;
		k = lo;
		if (v->ops->subscribe(v, v->set, k, id, buf, len, &w) < 0)
			return -ENOBUFS; /* an adapter that is not deterministic */
	}
	rc = subs_req_add(v, v->set, k, id, alone);
	if (rc < 0)
		return rc;
	*out_len = w;
	return (int)k;
}

/* May stream s join a set that starts with stream first (grouping,
 * connection)? */
static int subs_fits(const struct feed_venue_ctx *v, uint32_t first, uint32_t s)
{
	const struct feed_venue_stream *a = &v->streams[first], *b = &v->streams[s];

	if (a->conn != b->conn)
		return 0;
	switch (v->ops->limits.group) {
	case FEED_GROUP_SYMBOL:
		return a->sym == b->sym;
	case FEED_GROUP_CHANNEL:
		return a->ch == b->ch;
	case FEED_GROUP_STREAM:
		return 0;
	default:
		return 1;
	}
}

static uint32_t subs_per_req(const struct feed_venue_ctx *v)
{
	uint32_t max = v->ops->limits.streams_per_req;

	return max && max < v->nstreams ? max : v->nstreams;
}

/* The next shared request: streams in send order from sub_next, skipping
 * symbols that go alone, within the grouping and limits. */
static int subs_next_shared(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n)
{
	uint32_t max = subs_per_req(v), cnt = 0, pos, k;
	int rc;

	for (pos = v->sub_next; pos < v->nstreams && cnt < max; pos++) {
		uint32_t s = v->order[pos];

		if (v->syms[v->streams[s].sym].alone != FEED_ALONE_NO)
			continue;
		if (cnt > 0 && !subs_fits(v, v->set[0], s))
			break;
		v->set[cnt++] = s;
	}
	if (cnt == 0) {
		v->sub_next = v->nstreams;
		return 0;
	}
	rc = subs_emit(v, cnt, 0, buf, len, n);
	if (rc < 0)
		return rc;
	/* Resume after the last stream taken (skipped ones stay skipped). */
	for (k = 0, pos = v->sub_next; k < (uint32_t)rc; pos++)
		k += v->order[pos] == v->set[k];
	v->sub_next = pos;
	return 1;
}

/* The next request for one symbol queued to go alone: its streams not
 * sent yet on this connection, within the grouping and limits. A linear
 * scan: rare (after a rejection), and bounded by nsyms. */
static int subs_next_alone(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n)
{
	uint32_t max = subs_per_req(v), nch = v->nch;
	int rc;

	for (uint32_t i = 0; i < v->nsyms && v->alone_queued > 0; i++) {
		struct feed_venue_sym *y = &v->syms[i];
		uint32_t cnt = 0, left = 0;

		if (y->alone != FEED_ALONE_QUEUED)
			continue;
		for (uint32_t s = i * nch; s < (i + 1) * nch; s++) {
			if (v->streams[s].state != FEED_SS_NONE)
				continue;
			if (cnt < max && (cnt == 0 || subs_fits(v, v->set[0], s)))
				v->set[cnt++] = s;
			else
				left++;
		}
		if (cnt == 0) { /* nothing left to send for it */
			y->alone = FEED_ALONE_SENT;
			v->alone_queued--;
			continue;
		}
		rc = subs_emit(v, cnt, 1, buf, len, n);
		if (rc < 0)
			return rc;
		if ((uint32_t)rc == cnt && left == 0) {
			y->alone = FEED_ALONE_SENT;
			v->alone_queued--;
		}
		return 1;
	}
	return 0;
}

int feed_venue_subscribe_next(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n)
{
	int rc;

	*n = 0;
	(void)feed_venue_wall_now(v); /* a request may carry the time (Gate) */
	if (v->ops->open_msg && !v->open_sent) {
		v->open_sent = 1;
		rc = v->ops->open_msg(v, buf, len, n);
		if (rc < 0 || *n > 0)
			return rc < 0 ? rc : 1;
	}
	if (v->sub_next < v->nstreams) {
		rc = subs_next_shared(v, buf, len, n);
		if (rc != 0)
			return rc;
	}
	return subs_next_alone(v, buf, len, n);
}

/* ---- answers ------------------------------------------------------------------ */

static struct feed_venue_req *subs_req_find(struct feed_venue_ctx *v, uint64_t id)
{
	for (uint32_t i = 0; i < v->nreqs; i++)
		if (v->reqs[i].id == id && v->reqs[i].state == FEED_REQ_SENT)
			return &v->reqs[i];
	return NULL;
}

int feed_venue_req_oldest(const struct feed_venue_ctx *v, uint64_t *id)
{
	for (uint32_t i = 0; i < v->nreqs; i++)
		if (v->reqs[i].state == FEED_REQ_SENT && v->reqs[i].open > 0) {
			*id = v->reqs[i].id;
			return 0;
		}
	return -ENOENT;
}

/* Stream s answered: acked, rejected (exact: it is the stream's fault), or
 * (split) back to unsent, its symbol queued to go alone. */
static void subs_answer(struct feed_venue_ctx *v, uint32_t s, int ok, int split,
			struct feed_venue_out *out)
{
	struct feed_venue_stream *st = &v->streams[s];
	struct feed_venue_sym *y = &v->syms[st->sym];

	if (ok) {
		st->state = FEED_SS_ACKED;
		y->acked |= st->ch;
		y->rejected &= (uint8_t)~st->ch;
		y->dead = 0; /* an ack revives a symbol rejected before */
	} else if (split) {
		/* Back to unsent; queued again even if the symbol already went
		 * alone once (its other streams were in this shared request). */
		st->state = FEED_SS_NONE;
		if (y->alone != FEED_ALONE_QUEUED) {
			y->alone = FEED_ALONE_QUEUED;
			v->alone_queued++;
		}
	} else {
		st->state = FEED_SS_REJECTED;
		y->rejected |= st->ch;
		y->acked &= (uint8_t)~st->ch;
		y->dead = y->acked == 0;
	}
	/* A fresh out starts the list; answers of one message accumulate. */
	if (out->streams != v->answered)
		v->nanswered = 0;
	out->streams = v->answered;
	if (v->nanswered < v->nstreams)
		v->answered[v->nanswered++] = s;
}

/* Request r has one stream fewer waiting. */
static void subs_req_close(struct feed_venue_ctx *v, struct feed_venue_req *r, uint32_t k, int ok)
{
	if (!ok)
		r->rejected = 1;
	r->open -= k < r->open ? k : r->open;
	if (r->open == 0) {
		r->state = r->rejected ? FEED_REQ_REJECTED : FEED_REQ_ACKED;
		if (v->reqs_pending > 0)
			v->reqs_pending--;
	}
}

/* out for the answers of this message so far (v->answered). */
static void subs_out(struct feed_venue_ctx *v, const struct feed_venue_req *r, int ok,
		     struct feed_venue_out *out)
{
	uint32_t last = UINT32_MAX, nsyms = 0;

	if (!ok || out->cls != FEED_MSG_REJECT)
		out->cls = ok ? FEED_MSG_ACK : FEED_MSG_REJECT;
	out->req_id = r->id;
	out->alone = r->alone;
	out->streams = v->answered;
	out->nstreams = v->nanswered;
	for (uint32_t k = 0; k < v->nanswered; k++) {
		uint32_t sym = v->streams[v->answered[k]].sym;
		nsyms += sym != last;
		last = sym;
	}
	out->sym_first = v->nanswered ? v->streams[v->answered[0]].sym : 0;
	out->sym_count = nsyms;
}

int feed_venue_req_done(struct feed_venue_ctx *v, uint64_t id, int ok, struct feed_venue_out *out)
{
	struct feed_venue_req *r = subs_req_find(v, id);
	uint32_t ri;
	int split;

	if (!r)
		return -ENOENT;
	ri = (uint32_t)(r - v->reqs);
	/* A rejected request of several symbols says nothing about any one of
	 * them unless the venue's rejections are exact: each goes again in a
	 * request of its own (subscribe_next). */
	split = !ok && r->nsyms > 1 && !(v->ops->flags & FEED_VENUE_F_REJECT_EXACT);
	for (uint32_t k = 0; k < r->count; k++) {
		uint32_t s = v->req_streams[r->off + k];

		if (v->streams[s].state == FEED_SS_SENT && v->streams[s].req == ri)
			subs_answer(v, s, ok, split, out);
	}
	if (out->streams != v->answered) { /* nothing was open: an empty answer */
		v->nanswered = 0;
		out->streams = v->answered;
	}
	if (r->open > 0 && v->reqs_pending > 0)
		v->reqs_pending--;
	r->open = 0;
	r->rejected = (uint8_t)!ok;
	r->state = ok ? FEED_REQ_ACKED : FEED_REQ_REJECTED;
	subs_out(v, r, ok, out);
	out->split = (uint8_t)split;
	return 0;
}

int feed_venue_stream_done(struct feed_venue_ctx *v, uint64_t req_id, const char *native,
			   size_t len, uint32_t ch, int ok, struct feed_venue_out *out)
{
	struct feed_venue_req *r;
	uint32_t i, s;

	if (feed_venue_lookup(v, native, len, &i) < 0)
		return -ENOENT;
	s = feed_venue_stream_of(v, i, ch);
	if (s == UINT32_MAX)
		return -ENOENT;
	if (v->streams[s].state != FEED_SS_SENT)
		return -EALREADY;
	r = &v->reqs[v->streams[s].req];
	if (req_id && r->id != req_id)
		return -ENOENT;
	subs_answer(v, s, ok, 0, out);
	subs_req_close(v, r, 1, ok);
	subs_out(v, r, ok, out);
	return 0;
}

/* ---- where subscribing stands ------------------------------------------------------- */

int feed_venue_sub_pending(const struct feed_venue_ctx *v)
{
	return v->sub_next < v->nstreams || v->alone_queued > 0;
}

int feed_venue_sub_complete(const struct feed_venue_ctx *v)
{
	return v->sub_next >= v->nstreams && v->alone_queued == 0 && v->reqs_pending == 0;
}

uint32_t feed_venue_syms_dead(const struct feed_venue_ctx *v)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < v->nsyms; i++)
		c += v->syms[i].dead;
	return c;
}

uint32_t feed_venue_streams_acked(const struct feed_venue_ctx *v)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < v->nsyms; i++)
		c += (uint32_t)__builtin_popcount(v->syms[i].acked);
	return c;
}

uint32_t feed_venue_streams_rejected(const struct feed_venue_ctx *v)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < v->nsyms; i++)
		c += (uint32_t)__builtin_popcount(v->syms[i].rejected);
	return c;
}

enum feed_subs_state feed_subs_state(const struct feed_venue_ctx *v, int data_seen)
{
	if (!feed_venue_sub_complete(v))
		return FEED_SUBS_PENDING;
	if (v->nsyms > 0 && feed_venue_syms_dead(v) == v->nsyms)
		return FEED_SUBS_FATAL;
	if (!feed_subs_acks(v))
		return data_seen ? FEED_SUBS_READY : FEED_SUBS_PENDING;
	if (v->nstreams > 0 && feed_venue_streams_acked(v) == 0)
		return FEED_SUBS_REJECTED;
	return FEED_SUBS_READY;
}

int feed_subs_follows_session(const struct feed_venue_ctx *v, uint32_t i, uint32_t code)
{
	const struct feed_venue_sym *y;

	if (i >= v->nsyms)
		return 0;
	y = &v->syms[i];
	if (y->dead)
		return 0;
	if (code == MDBUS_STATUS_UP)
		return !feed_subs_acks(v) || y->acked != 0;
	return 1;
}

void feed_subs_reset(struct feed_venue_ctx *v)
{
	v->sub_next = 0;
	v->open_sent = 0;
	v->nreqs = 0;
	v->req_streams_n = 0;
	v->reqs_pending = 0;
	v->alone_queued = 0;
	v->nanswered = 0;
	for (uint32_t s = 0; s < v->nstreams; s++) {
		v->streams[s].state = FEED_SS_NONE;
		v->streams[s].req = UINT32_MAX;
	}
	for (uint32_t i = 0; i < v->nsyms; i++) {
		struct feed_venue_sym *s = &v->syms[i];

		s->acked = 0;
		s->rejected = 0;
		/* A symbol rejected before gets one more try per connection, in
		 * a request of its own so it cannot sink the others'. */
		s->alone = s->dead ? FEED_ALONE_QUEUED : FEED_ALONE_NO;
		if (s->dead)
			v->alone_queued++;
	}
}
