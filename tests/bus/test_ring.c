/* SPDX-License-Identifier: MIT */
/* Ring edge cases in one process: empty ring, exactly full, lapped by one and
 * by many (exact missed counts), START_LATEST/OLDEST, batch publish/read. */
#include "helpers.h"

#define SLOTS 64u

static void publish_n(mdbus_writer *w, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct mdbus_tick t;
		uint64_t s = 0;
		th_tick(&t, mdbus_writer_seq(w) + 1);
		CHECK_RC(mdbus_writer_publish(w, &t, &s), 0);
		CHECK(s == mdbus_writer_seq(w));
	}
}

/* Reads everything available, checking contents; returns ticks read. */
static uint64_t drain(mdbus_reader *r, uint64_t *first, uint64_t *missed_total)
{
	uint64_t count = 0;
	for (;;) {
		struct mdbus_tick t;
		uint64_t seq = 0, missed = 7;
		int rc = mdbus_reader_next(r, &t, &seq, &missed);
		CHECK(rc >= 0);
		*missed_total += missed;
		if (rc == 0) {
			CHECK(missed == 0);
			return count;
		}
		CHECK(th_tick_ok(&t, seq));
		if (count == 0 && first != NULL)
			*first = seq;
		count++;
	}
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "ring");
	mdbus_writer *w = th_writer(name, SLOTS);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	struct mdbus_tick t;
	uint64_t seq, missed, first = 0, mt = 0;

	/* empty ring */
	CHECK_RC(mdbus_reader_next(r, &t, &seq, &missed), 0);
	CHECK_RC(mdbus_reader_read(r, &t, NULL, 1, &missed), 0);

	/* exactly full: SLOTS ticks, nothing missed */
	publish_n(w, SLOTS);
	CHECK(drain(r, &first, &mt) == SLOTS);
	CHECK(first == 1 && mt == 0);

	/* lapped by one: SLOTS + 1 ticks while we sleep -> missed exactly 1 */
	publish_n(w, SLOTS + 1);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, &missed), 1);
	CHECK(missed == 1);
	CHECK(seq == SLOTS + 2);
	CHECK(th_tick_ok(&t, seq));
	mt = 1;
	CHECK(drain(r, NULL, &mt) == SLOTS - 1);
	CHECK(mt == 1);

	/* lapped by many: 10 rings */
	uint64_t before = mdbus_writer_seq(w);
	publish_n(w, 10 * SLOTS + 5);
	mt = 0;
	uint64_t got = drain(r, &first, &mt);
	CHECK(got == SLOTS);
	CHECK(mt == 10 * SLOTS + 5 - SLOTS);
	CHECK(first == before + mt + 1);

	struct mdbus_reader_stats st;
	mdbus_reader_stats(r, &st);
	CHECK(st.read + st.missed == mdbus_writer_seq(w));
	CHECK(st.laps == 2);
	CHECK(st.torn == 0);

	/* START_LATEST sees only what follows; START_OLDEST the last SLOTS */
	mdbus_reader *rl = th_reader(name, MDBUS_START_LATEST);
	mdbus_reader *ro = th_reader(name, MDBUS_START_OLDEST);
	CHECK_RC(mdbus_reader_next(rl, &t, &seq, NULL), 0);
	publish_n(w, 3);
	mt = 0;
	CHECK(drain(rl, &first, &mt) == 3);
	CHECK(first == mdbus_writer_seq(w) - 2 && mt == 0);
	/* ro started at the oldest of the ring before the 3: lapped by 3 */
	CHECK(drain(ro, &first, &mt) == SLOTS);
	CHECK(first == mdbus_writer_seq(w) - SLOTS + 1 && mt == 3);

	/* batch publish + batch read with seqs, including a lap inside a batch */
	struct mdbus_tick batch[100];
	uint64_t base = mdbus_writer_seq(w);
	for (unsigned i = 0; i < 100; i++)
		th_tick(&batch[i], base + 1 + i);
	CHECK_RC(mdbus_writer_publish_batch(w, batch, 100), 100);
	CHECK(mdbus_writer_seq(w) == base + 100);
	struct mdbus_tick out[128];
	uint64_t seqs[128];
	int n = mdbus_reader_read(r, out, seqs, 128, &missed);
	CHECK(n == (int)SLOTS);
	CHECK(missed == 100 - SLOTS + 3);
	for (int i = 0; i < n; i++) {
		CHECK(seqs[i] == base + 100 - SLOTS + 1 + (uint64_t)i);
		CHECK(th_tick_ok(&out[i], seqs[i]));
	}
	mdbus_reader_stats(r, &st);
	CHECK(st.read + st.missed == mdbus_writer_seq(w));

	/* unknown instrument: -EINVAL, nothing published (batch too) */
	t.instrument = 5;
	before = mdbus_writer_seq(w);
	CHECK_RC(mdbus_writer_publish(w, &t, NULL), -EINVAL);
	batch[50].instrument = 1;
	CHECK_RC(mdbus_writer_publish_batch(w, batch, 100), -EINVAL);
	CHECK(mdbus_writer_seq(w) == before);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 0);

	mdbus_reader_close(rl);
	mdbus_reader_close(ro);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	th_bus_cleanup(name);
	return 0;
}
