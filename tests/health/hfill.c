/* SPDX-License-Identifier: MIT */
/* hfill.c: generation-stamped health records (see hfill.h). */
#include <stdio.h>
#include <string.h>

#include "hfill.h"

/* A cheap mix so that neighbouring fields differ in every bit position. */
static uint64_t hmix(uint64_t k, uint64_t salt)
{
	uint64_t x = k * 0x9e3779b97f4a7c15ull + salt * 0xbf58476d1ce4e5b9ull;
	x ^= x >> 31;
	return x;
}

void hfill_feed(struct mdbus_health_feed *f, uint64_t k)
{
	memset(f, 0, sizeof(*f));
	f->pid = (uint32_t)k;
	f->state = MDBUS_HEALTH_FEED_RUNNING;
	f->start_rt_ns = (int64_t)(hmix(k, 1) >> 1);
	f->start_mono_ns = (int64_t)(hmix(k, 2) >> 1);
	f->heartbeat_mono_ns = (int64_t)(hmix(k, 3) >> 1);
	f->heartbeat_rt_ns = (int64_t)(hmix(k, 4) >> 1);
	f->heartbeat_count = k;
	f->ring_write_seq = hmix(k, 5);
	f->ring_rate = hmix(k, 6);
	f->ring_slots = (uint32_t)hmix(k, 7);
	snprintf(f->config, sizeof(f->config), "cfg-%llu", (unsigned long long)k);
	snprintf(f->version, sizeof(f->version), "v%llu", (unsigned long long)k);
	for (int i = 0; i < 8; i++)
		f->reserved[i] = hmix(k, 100 + (uint64_t)i);
	f->loop_ns.count = hmix(k, 120);
	f->loop_ns.max = hmix(k, 121);
	for (int i = 0; i < MDBUS_HIST_BUCKETS; i++)
		f->loop_ns.bucket[i] = (uint32_t)hmix(k, 130 + (uint64_t)i);
}

int hcheck_feed(const struct mdbus_health_feed *f, uint64_t *k)
{
	struct mdbus_health_feed want;

	hfill_feed(&want, f->heartbeat_count);
	if (memcmp(&want, f, sizeof(want)) != 0)
		return -1;
	*k = f->heartbeat_count;
	return 0;
}

void hfill_session(struct mdbus_health_session *s, uint32_t idx, uint64_t k)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "s%u-%llu", idx, (unsigned long long)k);
	snprintf(s->venue, sizeof(s->venue), "v%llu", (unsigned long long)(k % 1000));
	snprintf(s->host, sizeof(s->host), "h%llu.example", (unsigned long long)k);
	s->state = (uint32_t)(k % MDBUS_HEALTH_ST__COUNT);
	s->last_error_class = (uint32_t)(k % MDBUS_HEALTH_ERR__COUNT);
	s->state_since_ns = (int64_t)(hmix(k, 1) >> 1);
	s->last_error_ns = (int64_t)(hmix(k, 2) >> 1);
	memset(s->last_error, 'a' + (int)(k % 26), sizeof(s->last_error) - 1);
	s->connects = k;
	s->reconnects = hmix(k, 3);
	for (int i = 0; i < MDBUS_HEALTH_ERR_SLOTS; i++)
		s->handshake_failures[i] = hmix(k, 10 + (uint64_t)i);
	s->messages = hmix(k, 30);
	s->bytes = hmix(k, 31);
	s->ticks = hmix(k, 32);
	s->parse_errors = hmix(k, 33);
	s->gaps = hmix(k, 34);
	s->last_msg_ns = (int64_t)(hmix(k, 35) >> 1);
	s->rtt_ns = (int64_t)(hmix(k, 36) >> 1);
	s->next_reconnect_ns = (int64_t)(hmix(k, 37) >> 1);
	s->subscriptions = (uint32_t)hmix(k, 38);
	s->streams = (uint32_t)hmix(k, 39);
	s->stale_timeout_ms = (uint32_t)hmix(k, 40);
	s->backoff_attempt = (uint32_t)hmix(k, 41);
	s->verdict = (uint32_t)(k % 4);
	memset(s->verdict_reason, 'A' + (int)(k % 26), sizeof(s->verdict_reason) - 1);
	s->conns = (uint32_t)hmix(k, 42);
	s->conns_live = (uint32_t)hmix(k, 43);
	for (size_t i = 0; i < sizeof(s->conn_state); i++) {
		s->conn_state[i] = (uint8_t)hmix(k, 60 + (uint64_t)i);
		s->conn_error[i] = (uint8_t)hmix(k, 100 + (uint64_t)i);
	}
	s->rx_stamped = hmix(k, 50);
	s->rx_unstamped = hmix(k, 51);
	s->ts_source = (uint32_t)hmix(k, 52);
	s->exch_early = hmix(k, 53);
	for (int h = 0; h < MDBUS_HOP__COUNT; h++) {
		s->hop[h].count = hmix(k, 200 + (uint64_t)h);
		s->hop[h].max = hmix(k, 210 + (uint64_t)h);
		for (int i = 0; i < MDBUS_HIST_BUCKETS; i++)
			s->hop[h].bucket[i] = (uint32_t)hmix(k, 300 + (uint64_t)(h * 1000 + i));
	}
}

int hcheck_session(const struct mdbus_health_session *s, uint32_t idx, uint64_t *k)
{
	struct mdbus_health_session want;

	hfill_session(&want, idx, s->connects);
	if (memcmp(&want, s, sizeof(want)) != 0)
		return -1;
	*k = s->connects;
	return 0;
}

void hfill_instr(struct mdbus_health_instr *in, uint32_t id, uint64_t k)
{
	memset(in, 0, sizeof(*in));
	in->id = id;
	in->session = (uint32_t)hmix(k, 1);
	in->ticks = k;
	in->gaps = hmix(k, 2);
	in->last_price = (int64_t)hmix(k, 3);
	in->last_qty = (int64_t)hmix(k, 4);
	in->bid_px = (int64_t)hmix(k, 5);
	in->bid_qty = (int64_t)hmix(k, 6);
	in->ask_px = (int64_t)hmix(k, 7);
	in->ask_qty = (int64_t)hmix(k, 8);
	in->last_trade_ns = (int64_t)hmix(k, 9);
	in->last_update_ns = (int64_t)hmix(k, 10);
	in->last_exch_ts = (int64_t)hmix(k, 11);
	for (int i = 0; i < 4; i++)
		in->reserved[i] = hmix(k, 20 + (uint64_t)i);
}

/* The status field is the separate status word: not part of the check. */
int hcheck_instr(const struct mdbus_health_instr *in, uint32_t id, uint64_t *k)
{
	struct mdbus_health_instr want;

	hfill_instr(&want, id, in->ticks);
	want.status = in->status;
	if (memcmp(&want, in, sizeof(want)) != 0)
		return -1;
	*k = in->ticks;
	return 0;
}
