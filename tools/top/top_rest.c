/* SPDX-License-Identifier: MIT */
/* top_rest.c: mdbus-top's REST table (under the sessions): per venue with a
 * REST client, the request weight used in its window against its limit,
 * requests sent, 429/418 answers, the time left of a Retry-After pause,
 * requests queued and in flight, and the sessions that share it. feedd
 * keeps one weight window per venue, so every session of a venue carries
 * the same figures (struct mdbus_health_rest): one row per venue. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "top_rows.h"

/* Session t has a REST block worth showing. */
static int top_rest_has(const struct top_session *t)
{
	return t->err == 0 && t->h.rest.limit > 0;
}

uint32_t top_rest_venues(const struct top_snap *s, uint32_t *first)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->nsess; i++) {
		uint32_t k = 0;

		if (!top_rest_has(&s->sess[i]))
			continue;
		while (k < n && strcmp(s->sess[first[k]].h.venue, s->sess[i].h.venue) != 0)
			k++;
		if (k == n)
			first[n++] = i;
	}
	return n;
}

/* "250/6000 w/min" (or "w/30s" for another window). */
static const char *top_rest_weight(char *buf, size_t len, const struct mdbus_health_rest *r)
{
	if (r->window_s == 60)
		snprintf(buf, len, "%u/%u w/min", r->weight, r->limit);
	else
		snprintf(buf, len, "%u/%u w/%us", r->weight, r->limit, r->window_s);
	return buf;
}

/* Column layout: VENUE 12 WEIGHT 16 REQS 6 429 4 418 4 QUEUED 6 INFL 4 BLOCKED 7 SESSIONS *. */
void top_rest_heading(char *buf, size_t len)
{
	snprintf(buf, len, "%-12s %-16s %6s %4s %4s %6s %4s %7s %s", "REST VENUE", "WEIGHT", "REQS",
		 "429", "418", "QUEUED", "INFL", "BLOCKED", "SESSIONS");
}

void top_rest_row(const struct top_snap *s, uint32_t first, char *buf, size_t len)
{
	const struct top_session *t = &s->sess[first];
	const struct mdbus_health_rest *r = &t->h.rest;
	char w[48], blocked[16];
	int n;

	top_fmt_age(blocked, sizeof(blocked),
		    r->blocked_until_ns > s->now_mono_ns ? r->blocked_until_ns - s->now_mono_ns
							 : -1);
	n = snprintf(buf, len,
		     "%-12.12s %-16.16s %6" PRIu64 " %4" PRIu64 " %4" PRIu64 " %6u %4u %7s",
		     t->h.venue, top_rest_weight(w, sizeof(w), r), r->requests, r->n429, r->n418,
		     r->queued, r->inflight, blocked);
	/* The sessions of the venue, by record order. */
	for (uint32_t i = first; i < s->nsess && n > 0 && (size_t)n < len; i++) {
		if (!top_rest_has(&s->sess[i]) || strcmp(s->sess[i].h.venue, t->h.venue) != 0)
			continue;
		int m = snprintf(buf + n, len - (size_t)n, " %s", s->sess[i].h.name);
		if (m < 0)
			break;
		n += m;
	}
}
