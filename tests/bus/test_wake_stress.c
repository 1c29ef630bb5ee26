/* SPDX-License-Identifier: MIT */
/*
 * No lost wake-up: a writer thread publishes bursts (1 to 40 ticks, one
 * mdbus_writer_wake each, at random short intervals) while reader threads
 * block in mdbus_reader_wait(-1) whenever they are caught up, so every
 * burst races readers that are raising their waiter bit, re-checking or
 * asleep. After each burst the writer gives every reader a generous bound
 * to have read the burst's last tick; a reader asleep through a tick it
 * was owed (a lost wake-up) stays asleep forever and fails the run. Every
 * RESTART_EVERY bursts the writer closes (STOPPED) and a new one opens:
 * the readers, woken by the state change, follow it (mdbus_reader_follow).
 * Built in the TSan tree too (suite tsan). Usage: test_wake_stress [bursts].
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "helpers.h"

#define READERS	      2
#define RESTART_EVERY 700
#define BOUND_MS      20000

static char bus[64];
static _Atomic uint64_t published;     /* ticks published, over every writer */
static _Atomic uint64_t seen[READERS]; /* ticks read (+ missed) by each reader */
static _Atomic int stop;

static void *reader_main(void *arg)
{
	int id = *(const int *)arg;
	mdbus_reader *r = th_reader(bus, MDBUS_START_OLDEST);
	struct mdbus_tick t[64];
	uint64_t missed = 0, total = 0;
	while (!atomic_load(&stop)) {
		int n = mdbus_reader_read(r, t, NULL, 64, &missed);
		if (n > 0) {
			total += (uint64_t)n + missed;
			atomic_store(&seen[id], total);
			continue;
		}
		if (n == 0)
			n = mdbus_reader_wait(r, -1);
		if (n == -ESHUTDOWN && atomic_load(&stop))
			break;
		/* Stopped, or already marked REPLACED by the next writer. */
		if (n == -ESHUTDOWN || n == -ESTALE) {
			CHECK_RC(mdbus_reader_follow(&r, NULL, BOUND_MS), 0);
			continue;
		}
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "reader %d: %s\n", id, mdbus_strerror(n));
			exit(1);
		}
	}
	mdbus_reader_close(r);
	return NULL;
}

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Every reader has read everything published, within the bound. */
static void caught_up(uint64_t burst)
{
	uint64_t want = atomic_load(&published);
	int64_t end = th_now_ms() + BOUND_MS;
	for (int i = 0; i < READERS; i++) {
		/* Yield first: the next burst then follows a reader's last read
		 * by a few hundred ns, right while it re-checks and arms. */
		for (int spin = 0; spin < 2000 && atomic_load(&seen[i]) < want; spin++)
			sched_yield();
		while (atomic_load(&seen[i]) < want) {
			if (th_now_ms() > end) {
				fprintf(stderr,
					"lost wake-up: reader %d at %llu of %llu after burst "
					"%llu\n",
					i, (unsigned long long)atomic_load(&seen[i]),
					(unsigned long long)want, (unsigned long long)burst);
				exit(1);
			}
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
		}
	}
}

static void burst(mdbus_writer *w, uint64_t *s)
{
	uint64_t n = 1 + rnd(s) % 40;
	for (uint64_t i = 0; i < n; i++) {
		struct mdbus_tick t;
		th_tick(&t, mdbus_writer_seq(w) + 1);
		CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	}
	atomic_fetch_add(&published, n);
	mdbus_writer_wake(w);
}

int main(int argc, char **argv)
{
	uint64_t bursts = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000;
	th_bus_name(bus, sizeof(bus), "wks");
	mdbus_writer *w = th_writer(bus, 4096);
	pthread_t th[READERS];
	static int ids[READERS];
	for (int i = 0; i < READERS; i++) {
		ids[i] = i;
		CHECK(pthread_create(&th[i], NULL, reader_main, &ids[i]) == 0);
	}
	usleep(100 * 1000); /* the readers open the bus (START_OLDEST: nothing lost) */
	uint64_t s = 12345, wakes = 0, skipped = 0;
	for (uint64_t b = 1; b <= bursts; b++) {
		burst(w, &s);
		/* Mostly wait for the readers (so they go back to sleep), sometimes
		 * publish again at once or after a few microseconds: the next
		 * burst then lands while a reader raises its bit or re-checks. */
		uint64_t how = rnd(&s) % 4;
		if (how == 1) {
			struct timespec ts = {0, (long)(rnd(&s) % 50000)};
			nanosleep(&ts, NULL);
		}
		if (how >= 2) {
			caught_up(b);
			/* 0 to a few hundred ns more: the next publish lands at a
			 * random point of a reader's way into the futex. */
			for (volatile uint64_t d = rnd(&s) % 256; d > 0; d--)
				;
		}
		if (b % RESTART_EVERY == 0) {
			caught_up(b);
			struct mdbus_writer_stats st;
			mdbus_writer_stats(w, &st);
			CHECK(st.waiter_map == 1);
			wakes += st.wakes;
			skipped += st.wakes_skipped;
			mdbus_writer_close(w, 0); /* STOPPED: wakes every reader */
			w = th_writer(bus, 4096);
		}
	}
	caught_up(bursts);
	struct mdbus_writer_stats st;
	mdbus_writer_stats(w, &st);
	wakes += st.wakes;
	skipped += st.wakes_skipped;
	printf("%llu bursts, %llu ticks, %llu futex wakes, %llu skipped\n",
	       (unsigned long long)bursts, (unsigned long long)atomic_load(&published),
	       (unsigned long long)wakes, (unsigned long long)skipped);
	CHECK(wakes + skipped == bursts); /* every burst published something */
	CHECK(wakes > 0);		  /* readers did sleep and were woken */
	atomic_store(&stop, 1);
	mdbus_writer_close(w, 1); /* -ESHUTDOWN wakes them; they see stop */
	for (int i = 0; i < READERS; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	return 0;
}
