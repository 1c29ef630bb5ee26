/* SPDX-License-Identifier: MIT */
/*
 * subs.c: subscription requests and the rejection policy (subs.h): which
 * streams the next subscribe message carries, what a venue's answer does to
 * the symbols, and where subscribing stands.
 */
#include "subs.h"

#include <errno.h>
#include <string.h>

/* ---- requests ---------------------------------------------------------------- */

int feed_subs_acks(const struct feed_venue_ctx *v)
{
	return !(v->ops->flags & FEED_VENUE_F_NO_ACKS);
}

/* Stream s is symbol-major: (s / channels, the (s % channels)-th channel). */
void feed_venue_stream(const struct feed_venue_ctx *v, uint32_t s, uint32_t *sym, uint32_t *ch)
{
	uint32_t k = s % v->nch, bit;

	*sym = s / v->nch;
	/* k-th set bit of channels */
	for (bit = 0; bit < FEED_CH_COUNT; bit++) {
		if (!(v->channels & (1u << bit)))
			continue;
		if (k-- == 0)
			break;
	}
	*ch = 1u << bit;
}

int feed_venue_req_add(struct feed_venue_ctx *v, uint32_t first, uint32_t count, uint64_t *id)
{
	struct feed_venue_req *r;

	if (v->nreqs >= v->reqs_cap)
		return -ENOSPC;
	r = &v->reqs[v->nreqs++];
	r->id = v->next_req_id++;
	r->first = first;
	r->count = count;
	r->state = FEED_REQ_SENT;
	r->alone = 0;
	/* A venue without acks never answers: nothing to wait for. */
	if (feed_subs_acks(v))
		v->reqs_pending++;
	*id = r->id;
	return 0;
}

static struct feed_venue_req *subs_req_find(struct feed_venue_ctx *v, uint64_t id)
{
	for (uint32_t i = 0; i < v->nreqs; i++)
		if (v->reqs[i].id == id && v->reqs[i].state == FEED_REQ_SENT)
			return &v->reqs[i];
	return NULL;
}

/* The symbols [*first, *last] request r covers; 0 if none. */
static int subs_req_syms(const struct feed_venue_ctx *v, const struct feed_venue_req *r,
			 uint32_t *first, uint32_t *last)
{
	uint32_t end = r->first + r->count, sym, ch;

	if (end > v->nstreams)
		end = v->nstreams;
	if (r->count == 0 || r->first >= end)
		return 0;
	feed_venue_stream(v, r->first, first, &ch);
	feed_venue_stream(v, end - 1, &sym, &ch);
	*last = sym;
	return 1;
}

/* The streams of r: acked, or rejected unless the rejection is split. */
static void subs_mark_streams(struct feed_venue_ctx *v, const struct feed_venue_req *r, int ok,
			      int split)
{
	uint32_t sym, ch;

	for (uint32_t s = r->first; s < r->first + r->count && s < v->nstreams; s++) {
		feed_venue_stream(v, s, &sym, &ch);
		if (ok) {
			v->syms[sym].acked |= (uint8_t)ch;
			v->syms[sym].rejected &= (uint8_t)~ch;
		} else if (!split) {
			v->syms[sym].rejected |= (uint8_t)ch;
			v->syms[sym].acked &= (uint8_t)~ch;
		}
	}
}

int feed_venue_req_done(struct feed_venue_ctx *v, uint64_t id, int ok, struct feed_venue_out *out)
{
	struct feed_venue_req *r = subs_req_find(v, id);
	uint32_t first = 0, last = 0;
	int any, split;

	if (!r)
		return -ENOENT;
	r->state = ok ? FEED_REQ_ACKED : FEED_REQ_REJECTED;
	if (v->reqs_pending > 0)
		v->reqs_pending--;
	any = subs_req_syms(v, r, &first, &last);
	/* A rejected request of several symbols says nothing about any one of
	 * them unless the venue's rejections are exact: each goes again in a
	 * request of its own (subscribe_next). */
	split = !ok && any && last > first && !(v->ops->flags & FEED_VENUE_F_REJECT_EXACT);
	subs_mark_streams(v, r, ok, split);
	for (uint32_t sym = first; any && sym <= last; sym++) {
		struct feed_venue_sym *y = &v->syms[sym];

		if (!split) {
			y->dead = (uint8_t)!ok; /* an ack revives a symbol rejected before */
		} else if (y->alone == FEED_ALONE_NO) {
			y->alone = FEED_ALONE_QUEUED;
			v->alone_queued++;
		}
	}
	out->cls = ok ? FEED_MSG_ACK : FEED_MSG_REJECT;
	out->req_id = id;
	out->sym_first = any ? first : 0;
	out->sym_count = any ? last - first + 1 : 0;
	out->split = (uint8_t)split;
	out->alone = r->alone;
	return 0;
}

/* ---- building messages --------------------------------------------------------- */

/* One adapter message for streams [first, end): the adapter builds from
 * v->sub_next up to v->nstreams, so both are narrowed for the call; *next
 * is where it stopped. */
static int subs_window(struct feed_venue_ctx *v, uint32_t first, uint32_t end, char *buf,
		       size_t len, size_t *n, uint32_t *next)
{
	uint32_t saved_next = v->sub_next, saved_total = v->nstreams;
	int rc;

	v->sub_next = first;
	v->nstreams = end;
	rc = v->ops->subscribe(v, buf, len, n);
	*next = v->sub_next;
	v->sub_next = saved_next;
	v->nstreams = saved_total;
	return rc;
}

/* The next message for one symbol queued to go alone; 0 if none is. A
 * linear scan: rare (after a rejection), and bounded by nsyms. */
static int subs_next_alone(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n)
{
	uint32_t nch = v->nch, next;
	int rc;

	for (uint32_t i = 0; i < v->nsyms && v->alone_queued > 0; i++) {
		struct feed_venue_sym *s = &v->syms[i];
		uint32_t first = i * nch;

		if (s->alone != FEED_ALONE_QUEUED)
			continue;
		if (v->alone_pos > first && v->alone_pos < first + nch)
			first = v->alone_pos; /* the buffer cut this symbol's streams */
		rc = subs_window(v, first, (i + 1) * nch, buf, len, n, &next);
		if (rc != 1)
			return rc;
		v->reqs[v->nreqs - 1].alone = 1;
		if (next >= (i + 1) * nch) {
			s->alone = FEED_ALONE_SENT;
			v->alone_queued--;
			v->alone_pos = 0;
		} else {
			v->alone_pos = next;
		}
		return 1;
	}
	return 0;
}

int feed_venue_subscribe_next(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n)
{
	uint32_t nch = v->nch, sym, end, next;
	int rc;

	*n = 0;
	/* Shared messages: runs of symbols, cut where a symbol goes alone. */
	while (v->sub_next < v->nstreams) {
		sym = v->sub_next / nch;
		if (v->syms[sym].alone != FEED_ALONE_NO) {
			v->sub_next = (sym + 1) * nch;
			continue;
		}
		for (end = sym + 1; end < v->nsyms && v->syms[end].alone == FEED_ALONE_NO; end++)
			;
		rc = subs_window(v, v->sub_next, end * nch, buf, len, n, &next);
		if (rc == 1)
			v->sub_next = next;
		return rc;
	}
	return subs_next_alone(v, buf, len, n);
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
	v->nreqs = 0;
	v->reqs_pending = 0;
	v->alone_queued = 0;
	v->alone_pos = 0;
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
