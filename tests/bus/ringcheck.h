/* SPDX-License-Identifier: MIT */
/*
 * ringcheck.h: the validating reader and the flat-out writer shared by the
 * multi-process stress test and the ThreadSanitizer test.
 *
 * Every tick is th_tick(seq): payload words derived from seq by a hash plus
 * a checksum word, so a torn or misplaced tick cannot pass th_tick_ok. The
 * reader checks, for every tick: intact, seq strictly increasing, and
 * seq == previous + 1 + missed (exact lap accounting), so at the end
 * read + missed == the last seq seen, and zero torn ticks.
 */
#ifndef MDBUS_TEST_RINGCHECK_H
#define MDBUS_TEST_RINGCHECK_H

#include <stdatomic.h>

#include "helpers.h"

struct rc_result {
	uint64_t read, missed, last_seq, laps, retries, torn, idle_waits;
	uint64_t bad_tick, bad_order, bad_missed, errors; /* failures */
	int done;
};

/* Reads until `target` ticks were read or *stop is set. batch > 1 uses
 * mdbus_reader_read (checking per-batch accounting), 1 mdbus_reader_next.
 * use_wait: block in mdbus_reader_wait when idle instead of spinning. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static inline void rc_read(mdbus_reader *r, uint64_t target, int batch, int use_wait,
			   _Atomic int *stop, struct rc_result *res)
{
	struct mdbus_tick ticks[64];
	uint64_t seqs[64];
	uint64_t last = 0;
	if (batch > 64)
		batch = 64;
	while (res->read < target) {
		uint64_t missed = 0;
		int n, want = batch;
		if ((uint64_t)want > target - res->read)
			want = (int)(target - res->read);
		if (batch == 1)
			n = mdbus_reader_next(r, &ticks[0], &seqs[0], &missed);
		else
			n = mdbus_reader_read(r, ticks, seqs, want, &missed);
		if (n < 0) {
			res->errors++;
			fprintf(stderr, "reader: %s\n", mdbus_strerror(n));
			break;
		}
		if (n == 0) {
			if (atomic_load_explicit(stop, memory_order_relaxed))
				break;
			if (use_wait) {
				res->idle_waits++;
				int rc = mdbus_reader_wait(r, 10);
				if (rc < 0 && rc != -ETIMEDOUT) {
					res->errors++;
					break;
				}
			}
			continue;
		}
		/* within a batch: contiguous after the first, whose gap is
		 * exactly the batch's missed count (laps happen only before a
		 * tick is read, and each lap restarts contiguity) */
		uint64_t gap = seqs[0] - last - 1;
		for (int i = 0; i < n; i++) {
			if (seqs[i] <= last)
				res->bad_order++;
			if (i > 0)
				gap += seqs[i] - seqs[i - 1] - 1;
			if (!th_tick_ok(&ticks[i], seqs[i]))
				res->bad_tick++;
			last = seqs[i];
		}
		if (gap != missed)
			res->bad_missed++;
		res->read += (uint64_t)n;
		res->missed += missed;
	}
	struct mdbus_reader_stats st;
	mdbus_reader_stats(r, &st);
	res->last_seq = last;
	res->laps = st.laps;
	res->retries = st.retries;
	res->torn = st.torn;
	if (st.read != res->read || st.missed != res->missed)
		res->bad_missed++;
	if (res->read + res->missed != last)
		res->bad_missed++;
}

/* Publishes th_tick()s flat out until *stop; batches of `batch` (1 = single
 * publishes), a futex wake every 4096 ticks. Returns the last seq or 0. */
static inline uint64_t rc_write(mdbus_writer *w, int batch, _Atomic int *stop)
{
	struct mdbus_tick ticks[32];
	if (batch > 32)
		batch = 32;
	uint64_t next_wake = 4096;
	while (!atomic_load_explicit(stop, memory_order_relaxed)) {
		for (int k = 0; k < 256; k++) {
			uint64_t s = mdbus_writer_seq(w);
			if (batch == 1) {
				th_tick(&ticks[0], s + 1);
				if (mdbus_writer_publish(w, &ticks[0], NULL) != 0)
					return 0;
			} else {
				for (int i = 0; i < batch; i++)
					th_tick(&ticks[i], s + 1 + (uint64_t)i);
				if (mdbus_writer_publish_batch(w, ticks, (size_t)batch) != batch)
					return 0;
			}
		}
		if (mdbus_writer_seq(w) >= next_wake) {
			mdbus_writer_wake(w);
			next_wake = mdbus_writer_seq(w) + 4096;
		}
	}
	mdbus_writer_wake(w);
	return mdbus_writer_seq(w);
}

static inline int rc_report(const char *who, const struct rc_result *res)
{
	printf("%s: read %llu missed %llu laps %llu retries %llu torn %llu last %llu waits %llu"
	       " | bad tick %llu order %llu missed %llu errors %llu\n",
	       who, (unsigned long long)res->read, (unsigned long long)res->missed,
	       (unsigned long long)res->laps, (unsigned long long)res->retries,
	       (unsigned long long)res->torn, (unsigned long long)res->last_seq,
	       (unsigned long long)res->idle_waits, (unsigned long long)res->bad_tick,
	       (unsigned long long)res->bad_order, (unsigned long long)res->bad_missed,
	       (unsigned long long)res->errors);
	return res->bad_tick == 0 && res->bad_order == 0 && res->bad_missed == 0 &&
	       res->errors == 0 && res->torn == 0 && res->read > 0 &&
	       res->read + res->missed == res->last_seq;
}

#endif /* MDBUS_TEST_RINGCHECK_H */
