/* SPDX-License-Identifier: MIT */
/*
 * restq.c: the snapshot queue and the weight limiter (restq.h).
 *
 * The FIFO is a singly linked list through the item array; next() walks it
 * from the head and takes the first request whose venue admits it, so one
 * blocked venue does not stall the others. Queues are short (one entry per
 * resyncing instrument) and walks are linear, without allocation.
 */
#include "restq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RESTQ_END UINT32_MAX
#define RESTQ_S	  INT64_C(1000000000)

int feed_restq_init(struct feed_restq *q, uint32_t cap, uint32_t per_sec, uint32_t max_inflight)
{
	memset(q, 0, sizeof(*q));
	if (cap == 0 || cap >= RESTQ_END)
		return -EINVAL;
	q->it = calloc(cap, sizeof(*q->it));
	if (!q->it)
		return -ENOMEM;
	q->cap = cap;
	q->per_sec = per_sec ? per_sec : FEED_RESTQ_PER_SEC;
	q->max_inflight = max_inflight ? max_inflight : FEED_RESTQ_MAX_INFLIGHT;
	q->head = q->tail = RESTQ_END;
	for (uint32_t i = 0; i < cap; i++)
		q->it[i].next = i + 1 < cap ? i + 1 : RESTQ_END;
	q->free = 0;
	return 0;
}

int feed_restq_venue_add(struct feed_restq *q, const char *name, uint32_t budget)
{
	struct feed_restq_venue *v;

	if (!name || !*name || strlen(name) >= FEED_RESTQ_NAME_MAX || budget == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < q->nvenues; i++) {
		if (strcmp(q->v[i].name, name) == 0) {
			q->v[i].st.budget = budget;
			return (int)i;
		}
	}
	if (q->nvenues == FEED_RESTQ_VENUES)
		return -ENOSPC;
	v = &q->v[q->nvenues];
	memset(v, 0, sizeof(*v));
	strcpy(v->name, name);
	for (unsigned i = 0; i < FEED_RESTQ_WINDOW; i++)
		v->bucket_sec[i] = INT64_MIN;
	v->server_sec = INT64_MIN;
	v->st.budget = budget;
	return (int)q->nvenues++;
}

/* Weight used in the 60 s ending at now: our charges, or the server's own
 * count when it reported more within the window. */
static uint32_t restq_used(struct feed_restq_venue *v, int64_t now)
{
	int64_t sec = now / RESTQ_S;
	uint32_t used = 0;

	for (unsigned i = 0; i < FEED_RESTQ_WINDOW; i++)
		if (v->bucket_sec[i] > sec - (int64_t)FEED_RESTQ_WINDOW)
			used += v->bucket[i];
	if (v->server_sec > sec - (int64_t)FEED_RESTQ_WINDOW && v->server_used > used)
		used = v->server_used;
	v->st.weight_window = used;
	return used;
}

/* When the venue can take weight w: now, or a later time (window slides,
 * block ends). */
static int64_t restq_venue_ready(struct feed_restq_venue *v, uint32_t w, int64_t now)
{
	int64_t sec = now / RESTQ_S, t;
	uint32_t used;

	if (v->st.blocked_until > now)
		return v->st.blocked_until;
	used = restq_used(v, now);
	if (used + w <= v->st.budget)
		return now;
	/* Over budget: the oldest charge of the window leaves first; the
	 * server's count (if that is what binds) at the end of its window. */
	t = INT64_MAX;
	for (unsigned i = 0; i < FEED_RESTQ_WINDOW; i++)
		if (v->bucket[i] && v->bucket_sec[i] > sec - (int64_t)FEED_RESTQ_WINDOW &&
		    (v->bucket_sec[i] + (int64_t)FEED_RESTQ_WINDOW) * RESTQ_S < t)
			t = (v->bucket_sec[i] + (int64_t)FEED_RESTQ_WINDOW) * RESTQ_S;
	if (v->server_used >= used && v->server_sec > sec - (int64_t)FEED_RESTQ_WINDOW &&
	    (v->server_sec + (int64_t)FEED_RESTQ_WINDOW) * RESTQ_S < t)
		t = (v->server_sec + (int64_t)FEED_RESTQ_WINDOW) * RESTQ_S;
	return t == INT64_MAX ? now + RESTQ_S : t;
}

static void restq_charge(struct feed_restq_venue *v, uint32_t w, int64_t now)
{
	int64_t sec = now / RESTQ_S;
	unsigned b = (unsigned)(sec % FEED_RESTQ_WINDOW);

	if (v->bucket_sec[b] != sec) {
		v->bucket_sec[b] = sec;
		v->bucket[b] = 0;
	}
	v->bucket[b] += w;
	v->st.weight_total += w;
	v->st.requests++;
}

static int restq_find(const struct feed_restq *q, uint32_t venue, uint32_t key)
{
	for (uint32_t i = 0; i < q->cap; i++) {
		const struct feed_restq_item *it = &q->it[i];
		if (it->state != FEED_RESTQ_FREE && !it->cancelled && it->venue == venue &&
		    it->key == key)
			return (int)i;
	}
	return -1;
}

int feed_restq_pending(const struct feed_restq *q, uint32_t venue, uint32_t key)
{
	return restq_find(q, venue, key) >= 0;
}

int feed_restq_push(struct feed_restq *q, uint32_t venue, uint32_t key, uint32_t weight,
		    uint32_t owner, int64_t now)
{
	struct feed_restq_item *it;
	uint32_t id;

	if (venue >= q->nvenues || weight == 0 || weight > q->v[venue].st.budget)
		return -EINVAL;
	if (restq_find(q, venue, key) >= 0) {
		q->st.dedup++;
		return -EALREADY;
	}
	if (q->free == RESTQ_END) {
		q->st.full++;
		return -ENOSPC;
	}
	id = q->free;
	it = &q->it[id];
	q->free = it->next;
	*it = (struct feed_restq_item){.venue = venue,
				       .key = key,
				       .weight = weight,
				       .owner = owner,
				       .state = FEED_RESTQ_QUEUED,
				       .next = RESTQ_END,
				       .queued_at = now};
	if (q->tail == RESTQ_END)
		q->head = id;
	else
		q->it[q->tail].next = id;
	q->tail = id;
	q->st.queued++;
	q->st.pushed++;
	q->v[venue].st.queued++;
	return (int)id;
}

/* Takes id (whose predecessor in the FIFO is prev) off the FIFO. */
static void restq_unlink(struct feed_restq *q, uint32_t id, uint32_t prev)
{
	uint32_t nx = q->it[id].next;

	if (prev == RESTQ_END)
		q->head = nx;
	else
		q->it[prev].next = nx;
	if (q->tail == id)
		q->tail = prev;
	q->it[id].next = RESTQ_END;
	q->st.queued--;
	q->v[q->it[id].venue].st.queued--;
}

static void restq_release(struct feed_restq *q, uint32_t id)
{
	q->it[id].state = FEED_RESTQ_FREE;
	q->it[id].cancelled = 0;
	q->it[id].next = q->free;
	q->free = id;
}

int feed_restq_next(struct feed_restq *q, int64_t now, int64_t *ready_at)
{
	int64_t soon = INT64_MAX;
	uint32_t prev = RESTQ_END;

	*ready_at = 0;
	if (q->head == RESTQ_END || q->st.inflight >= q->max_inflight)
		return -EAGAIN;
	if (now < q->next_issue) {
		*ready_at = q->next_issue;
		return -EAGAIN;
	}
	for (uint32_t id = q->head; id != RESTQ_END; prev = id, id = q->it[id].next) {
		struct feed_restq_item *it = &q->it[id];
		int64_t t = restq_venue_ready(&q->v[it->venue], it->weight, now);

		if (t > now) {
			if (t < soon)
				soon = t;
			continue;
		}
		restq_unlink(q, id, prev);
		it->state = FEED_RESTQ_INFLIGHT;
		restq_charge(&q->v[it->venue], it->weight, now);
		q->v[it->venue].st.inflight++;
		q->st.inflight++;
		q->st.issued++;
		/* Spread: the next one leaves 1/per_sec later, whatever the venue. */
		q->next_issue = now + RESTQ_S / q->per_sec;
		return (int)id;
	}
	*ready_at = soon == INT64_MAX ? 0 : soon;
	return -EAGAIN;
}

static void restq_block(struct feed_restq_venue *v, int64_t until)
{
	if (until > v->st.blocked_until)
		v->st.blocked_until = until;
}

int feed_restq_done(struct feed_restq *q, uint32_t id, int status, int64_t used_weight,
		    int64_t retry_after_s, int64_t now)
{
	struct feed_restq_item *it;
	struct feed_restq_venue *v;
	int retry, cancelled;

	if (id >= q->cap || q->it[id].state != FEED_RESTQ_INFLIGHT)
		return -EINVAL;
	it = &q->it[id];
	v = &q->v[it->venue];
	if (used_weight >= 0) {
		v->server_used = used_weight > UINT32_MAX ? UINT32_MAX : (uint32_t)used_weight;
		v->server_sec = now / RESTQ_S;
	}
	if (status == 429) {
		v->st.n429++;
		restq_block(v, now + (retry_after_s >= 0 ? retry_after_s : FEED_RESTQ_429_S) *
					       RESTQ_S);
	} else if (status == 418) {
		v->st.n418++;
		restq_block(v, now + (retry_after_s >= 0 ? retry_after_s : FEED_RESTQ_418_S) *
					       RESTQ_S);
	}
	retry = status < 0 || status == 429 || status == 418 || status >= 500;
	cancelled = it->cancelled;
	q->st.inflight--;
	v->st.inflight--;
	restq_release(q, id);
	return retry && !cancelled;
}

int feed_restq_cancel_owner(struct feed_restq *q, uint32_t owner)
{
	uint32_t prev = RESTQ_END, id = q->head;
	int n = 0;

	while (id != RESTQ_END) {
		uint32_t nx = q->it[id].next;
		if (q->it[id].owner == owner) {
			restq_unlink(q, id, prev);
			restq_release(q, id);
			n++;
		} else {
			prev = id;
		}
		id = nx;
	}
	for (uint32_t i = 0; i < q->cap; i++) {
		if (q->it[i].state == FEED_RESTQ_INFLIGHT && q->it[i].owner == owner &&
		    !q->it[i].cancelled) {
			q->it[i].cancelled = 1;
			n++;
		}
	}
	q->st.cancelled += (uint64_t)n;
	return n;
}

int feed_restq_cancel(struct feed_restq *q, uint32_t venue, uint32_t key)
{
	uint32_t prev = RESTQ_END;

	for (uint32_t id = q->head; id != RESTQ_END; prev = id, id = q->it[id].next) {
		if (q->it[id].venue == venue && q->it[id].key == key) {
			restq_unlink(q, id, prev);
			restq_release(q, id);
			q->st.cancelled++;
			return 0;
		}
	}
	return -ENOENT;
}

const struct feed_restq_venue_stats *feed_restq_venue_stats(struct feed_restq *q, uint32_t venue,
							    int64_t now)
{
	if (venue >= q->nvenues)
		return NULL;
	restq_used(&q->v[venue], now);
	return &q->v[venue].st;
}

const struct feed_restq_item *feed_restq_item(const struct feed_restq *q, uint32_t id)
{
	return id < q->cap ? &q->it[id] : NULL;
}

void feed_restq_free(struct feed_restq *q)
{
	if (!q)
		return;
	free(q->it);
	q->it = NULL;
	q->cap = 0;
}
