/* SPDX-License-Identifier: MIT */
/*
 * The waiter map (readers_layout.h): mdbus_writer_wake makes no syscall while
 * no reader sleeps and wakes one that does (counted in mdbus_writer_stats); a
 * reader killed asleep leaves a bit that the writer's audit clears; a reader
 * that cannot use the map (a table the writer does not read, an older table)
 * still gets every tick, and so does one whose bit somebody cleared; a state
 * change wakes an armed reader.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "helpers.h"
#include "readers_layout.h"

static void pub_wake(mdbus_writer *w, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct mdbus_tick t;
		th_tick(&t, mdbus_writer_seq(w) + 1);
		CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	}
	mdbus_writer_wake(w);
}

/* The reader table of bus, mapped read-write (the test looks at the bits). */
static struct mdbus_rtab_header *table(const char *bus)
{
	char p[128];
	snprintf(p, sizeof(p), "/dev/shm/mdbus-%s.readers", bus);
	int fd = open(p, O_RDWR);
	CHECK(fd >= 0);
	void *m = mmap(NULL, MDBUS_RTAB_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	close(fd);
	return m;
}

static int bits_set(struct mdbus_rtab_header *h)
{
	int n = 0;
	for (unsigned k = 0; k < MDBUS_RTAB_WAITERS / 64; k++)
		n += __builtin_popcountll(atomic_load(&h->waiters[k]));
	return n;
}

/* A child that blocks in mdbus_reader_wait(-1) and exits 0 once it read
 * tick `want`, 3 on -ESHUTDOWN, 2 on another wait error. */
static pid_t sleeper(const char *bus, uint64_t want)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid > 0)
		return pid;
	mdbus_reader *r = th_reader(bus, MDBUS_START_LATEST);
	struct mdbus_tick t;
	uint64_t seq = 0;
	for (;;) {
		int rc = mdbus_reader_next(r, &t, &seq, NULL);
		if (rc == 1 && seq >= want)
			_exit(th_tick_ok(&t, seq) ? 0 : 1);
		int wr = rc == 0 ? mdbus_reader_wait(r, -1) : 0;
		if (wr < 0)
			_exit(wr == -ESHUTDOWN ? 3 : 2);
	}
}

/* Waits until n waiter bits are set (the child is asleep, or about to be). */
static void until_bits(struct mdbus_rtab_header *h, int n)
{
	int64_t end = th_now_ms() + 20000;
	while (bits_set(h) != n && th_now_ms() < end)
		usleep(1000);
	CHECK(bits_set(h) == n);
}

static void reap(pid_t pid, int code)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == code);
}

static void reap_ok(pid_t pid)
{
	reap(pid, 0);
}

/* Long: one scripted sequence; each step reads the counters the last one left. */
static void test_counts(void)
{
	char bus[64];
	th_bus_name(bus, sizeof(bus), "wtr");
	mdbus_writer *w = th_writer(bus, 256);
	struct mdbus_writer_stats st;
	mdbus_writer_stats(w, &st);
	CHECK(st.waiter_map == 1 && st.wakes == 0 && st.wakes_skipped == 0);
	struct mdbus_rtab_header *h = table(bus);
	CHECK(atomic_load(&h->watch_epoch) == mdbus_writer_epoch(w));

	/* no reader at all, then a reader that never waits: no syscall */
	for (int i = 0; i < 100; i++)
		pub_wake(w, 3);
	mdbus_reader *r = th_reader(bus, MDBUS_START_LATEST);
	for (int i = 0; i < 100; i++)
		pub_wake(w, 3);
	mdbus_writer_wake(w); /* nothing new: not even counted */
	mdbus_writer_stats(w, &st);
	CHECK(st.wakes == 0 && st.wakes_skipped == 200);

	/* a reader asleep: one wake, and it gets the tick */
	pid_t c = sleeper(bus, mdbus_writer_seq(w) + 1);
	until_bits(h, 1);
	pub_wake(w, 1);
	reap_ok(c);
	mdbus_writer_stats(w, &st);
	CHECK(st.wakes == 1 && st.wakes_skipped == 200);
	until_bits(h, 0); /* it cleared its bit; its death dropped its waiter */
	pub_wake(w, 1);
	mdbus_writer_stats(w, &st);
	CHECK(st.wakes == 1 && st.wakes_skipped == 201);

	/* the same reader process waits twice: its waiter is reused */
	uint64_t n0 = mdbus_writer_seq(w);
	CHECK_RC(mdbus_reader_wait(r, 0), 0); /* ticks unread: no sleep */
	struct mdbus_tick t[64];
	while (mdbus_reader_read(r, t, NULL, 64, NULL) > 0)
		;
	CHECK_RC(mdbus_reader_wait(r, 50), -ETIMEDOUT);
	CHECK_RC(mdbus_reader_wait(r, 50), -ETIMEDOUT);
	CHECK(bits_set(h) == 0); /* cleared after each sleep */
	CHECK(mdbus_writer_seq(w) == n0);

	/* a reader killed asleep: its bit stays, the writer wakes on every
	 * batch until its audit finds the waiter's lock free and clears it */
	c = sleeper(bus, UINT64_MAX);
	until_bits(h, 1);
	CHECK(WIFSIGNALED(th_kill(c, SIGKILL)));
	CHECK(bits_set(h) == 1);
	for (unsigned i = 0; i < MDBUS_RTAB_AUDIT_EVERY; i++)
		pub_wake(w, 1);
	mdbus_writer_stats(w, &st);
	CHECK(st.waiters_repaired == 1 && bits_set(h) == 0);
	uint64_t wakes = st.wakes;
	CHECK(wakes >= 2 && wakes <= 1 + MDBUS_RTAB_AUDIT_EVERY);
	for (int i = 0; i < 10; i++)
		pub_wake(w, 1);
	mdbus_writer_stats(w, &st);
	CHECK(st.wakes == wakes);

	/* a bit cleared by somebody else (the table is group-writable): the
	 * sleeper raises it again and re-checks within MDBUS_RTAB_ARMED_MS */
	c = sleeper(bus, mdbus_writer_seq(w) + 1);
	until_bits(h, 1);
	for (unsigned k = 0; k < MDBUS_RTAB_WAITERS / 64; k++)
		atomic_store(&h->waiters[k], 0);
	int64_t t1 = th_now_ms();
	pub_wake(w, 1); /* no bit: no wake */
	reap_ok(c);
	CHECK(th_now_ms() - t1 < (int64_t)20 * MDBUS_RTAB_ARMED_MS);
	mdbus_writer_stats(w, &st);
	CHECK(st.wakes == wakes);

	/* a state change wakes an armed reader whatever the map says */
	c = sleeper(bus, UINT64_MAX);
	until_bits(h, 1);
	int64_t t0 = th_now_ms();
	mdbus_writer_close(w, 0);
	reap(c, 3);
	CHECK(th_now_ms() - t0 < 10000);
	mdbus_reader_close(r);
	munmap(h, MDBUS_RTAB_SIZE);
}

/* Readers that cannot use the map still see every tick, by slices. */
static void test_fallback(void)
{
	char bus[64];
	th_bus_name(bus, sizeof(bus), "wfb");
	mdbus_writer *w = th_writer(bus, 256);
	struct mdbus_rtab_header *h = table(bus);

	/* a table the writer does not read (watch_epoch is another epoch) */
	atomic_store(&h->watch_epoch, 1);
	pid_t c = sleeper(bus, 1);
	usleep(100 * 1000); /* asleep by now, polling */
	CHECK(bits_set(h) == 0);
	int64_t t0 = th_now_ms();
	pub_wake(w, 1);
	reap_ok(c);
	CHECK(th_now_ms() - t0 < 5000);
	struct mdbus_writer_stats st;
	mdbus_writer_stats(w, &st);
	CHECK(st.wakes == 0); /* no bit: the reader found the tick itself */

	/* an older table put at the name (the writer keeps reading its own
	 * inode): a reader there cannot claim a waiter and polls */
	char p[128];
	snprintf(p, sizeof(p), "/dev/shm/mdbus-%s.readers", bus);
	CHECK(unlink(p) == 0);
	int fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0660);
	CHECK(fd >= 0);
	struct mdbus_rtab_header old = {.version = 1,
					.slot_count = MDBUS_RTAB_SLOTS,
					.slot_size = MDBUS_RTAB_SLOT_SIZE,
					.header_size = MDBUS_RTAB_HEADER_SIZE};
	atomic_init(&old.magic, MDBUS_RTAB_MAGIC);
	CHECK(ftruncate(fd, MDBUS_RTAB_HEADER_SIZE + MDBUS_RTAB_SLOTS * MDBUS_RTAB_SLOT_SIZE) == 0);
	CHECK(pwrite(fd, &old, sizeof(old), 0) == (ssize_t)sizeof(old));
	close(fd);
	c = sleeper(bus, mdbus_writer_seq(w) + 1);
	usleep(100 * 1000);
	pub_wake(w, 1);
	reap_ok(c);

	/* a timed wait in the fallback still times out on time */
	mdbus_reader *r = th_reader(bus, MDBUS_START_LATEST);
	t0 = th_now_ms();
	CHECK_RC(mdbus_reader_wait(r, 100), -ETIMEDOUT);
	int64_t dt = th_now_ms() - t0;
	CHECK(dt >= 90 && dt < 5000);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 0); /* the older table stays at the name */
	munmap(h, MDBUS_RTAB_SIZE);

	/* the next writer of the name rebuilds an older table and reads it */
	w = th_writer(bus, 256);
	h = table(bus);
	CHECK(h->version == MDBUS_RTAB_VERSION);
	CHECK(atomic_load(&h->watch_epoch) == mdbus_writer_epoch(w));
	mdbus_writer_stats(w, &st);
	CHECK(st.waiter_map == 1);
	mdbus_writer_close(w, 1);
	munmap(h, MDBUS_RTAB_SIZE);
}

int main(void)
{
	test_counts();
	test_fallback();
	return 0;
}
