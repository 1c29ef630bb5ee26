/* SPDX-License-Identifier: MIT */
/*
 * Hostile segments (regressions): a reader never hangs, spins or crashes
 * whatever lies at /dev/shm/mdbus-NAME.
 *   - ring slots full of random bytes, or of sequence numbers no sane writer
 *     makes (beyond write_seq), with an intact header: every read call
 *     returns, with -EBADMSG, counted in the reader's stats;
 *   - a FIFO or a symlink planted at the bus path: open refuses at once;
 *   - a segment writable by others, or owned by another user than the
 *     writer's lock file: refused with -EPERM, accepted with a warning only
 *     with MDBUS_READER_INSECURE.
 * Every call runs under alarm(): a hang kills the test (a failure), it
 * cannot pass by waiting.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "helpers.h"

#define GUARD_S 10 /* any single step longer than this is a hang */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Maps the bus file read-write behind the writer's back (an attacker, or a
 * bit flip: the reader must not care which). */
static uint8_t *map_rw(const char *name, size_t *size)
{
	char p[256];
	struct stat st;
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);
	int fd = open(p, O_RDWR);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0);
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	close(fd);
	*size = (size_t)st.st_size;
	return m;
}

/* Header fields by offset (docs/ARCHITECTURE.md byte map). */
static uint64_t hdr_u64(const uint8_t *base, size_t off)
{
	uint64_t v;
	memcpy(&v, base + off, sizeof(v));
	return v;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state += 0x9e3779b97f4a7c15ull;
	return th_mix(rng_state);
}

enum scribble { SCR_RANDOM, SCR_FUTURE, SCR_FUTURE_ODD };

/* Overwrites every ring slot. The header stays intact. */
static void scribble_ring(uint8_t *base, enum scribble how)
{
	uint64_t ring_off = hdr_u64(base, 72), ring_size = hdr_u64(base, 80);
	uint64_t ws = hdr_u64(base, 192);
	for (uint64_t off = 0; off + 64 <= ring_size; off += 8) {
		uint64_t v = rnd();
		if (off % 64 == 0 && how != SCR_RANDOM)
			/* a sequence far beyond write_seq: "lapped" forever */
			v = ((ws + 1000000 + off) << 1) | (how == SCR_FUTURE_ODD);
		memcpy(base + ring_off + off, &v, sizeof(v));
	}
}

/* Reads until the reader gives up with an error; every call must return
 * quickly and the error must be -EBADMSG, counted. */
static void expect_corrupt(mdbus_reader *r, const char *what)
{
	struct mdbus_tick t[64];
	int rc = 0, calls = 0;
	for (; calls < 1000; calls++) {
		uint64_t missed = 0;
		int64_t t0 = now_ns();
		alarm(GUARD_S);
		rc = calls % 2 ? mdbus_reader_read(r, t, NULL, 64, &missed)
			       : mdbus_reader_next(r, t, NULL, &missed);
		alarm(0);
		CHECK(now_ns() - t0 < INT64_C(1000000000)); /* bounded work per call */
		if (rc < 0)
			break;
	}
	struct mdbus_reader_stats st;
	mdbus_reader_stats(r, &st);
	if (rc != -EBADMSG || st.corrupt == 0) {
		fprintf(stderr, "%s: rc %d (%s) after %d calls, corrupt %llu\n", what, rc,
			mdbus_strerror(rc), calls, (unsigned long long)st.corrupt);
		exit(1);
	}
	/* It stays refused: a later call does not walk on either. */
	alarm(GUARD_S);
	rc = mdbus_reader_next(r, t, NULL, NULL);
	alarm(0);
	CHECK(rc == -EBADMSG || rc == 0);
	/* A wait on a corrupt slot returns too (it must not sleep forever on
	 * a futex nobody will wake, nor spin). */
	alarm(GUARD_S);
	rc = mdbus_reader_wait(r, 100);
	alarm(0);
	CHECK(rc <= 0);
}

static void test_ring(enum scribble how, const char *what)
{
	char name[64];
	th_bus_name(name, sizeof(name), "hring");
	mdbus_writer *w = th_writer(name, 1024);
	for (uint64_t i = 1; i <= 10; i++) {
		struct mdbus_tick t;
		th_tick(&t, i);
		CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	}
	mdbus_reader *before = th_reader(name, MDBUS_START_OLDEST);
	size_t size;
	uint8_t *base = map_rw(name, &size);
	scribble_ring(base, how);
	mdbus_reader *after = th_reader(name, MDBUS_START_OLDEST);
	expect_corrupt(before, what);
	expect_corrupt(after, what);
	mdbus_reader_close(before);
	mdbus_reader_close(after);
	munmap(base, size);
	mdbus_writer_close(w, 1);
}

static int open_err(const char *name, unsigned flags, char *err, size_t len)
{
	struct mdbus_reader_opts o = {.bus = name, .errbuf = err, .errlen = len, .flags = flags};
	mdbus_reader *r = NULL;
	err[0] = '\0';
	alarm(GUARD_S);
	int rc = mdbus_reader_open(&r, &o);
	alarm(0);
	mdbus_reader_close(r);
	return rc;
}

static void test_planted(void)
{
	char name[64], p[256], err[256];
	th_bus_name(name, sizeof(name), "hfifo");
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);
	CHECK(mkfifo(p, 0644) == 0);
	int rc = open_err(name, 0, err, sizeof(err));
	CHECK(rc < 0);
	CHECK(strstr(err, "not a regular file") != NULL);
	unlink(p);

	CHECK(symlink("/etc/passwd", p) == 0);
	rc = open_err(name, 0, err, sizeof(err));
	CHECK(rc < 0);
	CHECK(err[0] != '\0');
	unlink(p);
}

static void test_permissions(void)
{
	char name[64], p[256], err[256];
	th_bus_name(name, sizeof(name), "hperm");
	mdbus_writer *w = th_writer(name, 64);
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);

	CHECK(chmod(p, 0666) == 0);
	CHECK_RC(open_err(name, 0, err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "writable by others") != NULL);
	CHECK_RC(open_err(name, MDBUS_READER_INSECURE, err, sizeof(err)), 0);
	CHECK(strstr(err, "writable by others") != NULL); /* the warning */
	CHECK(chmod(p, 0640) == 0);
	CHECK_RC(open_err(name, 0, err, sizeof(err)), 0);
	CHECK(err[0] == '\0');

	/* Another owner than the writer's lock file: only root can stage it. */
	if (geteuid() == 0) {
		CHECK(chown(p, 65534, (gid_t)-1) == 0);
		CHECK_RC(open_err(name, 0, err, sizeof(err)), -EPERM);
		CHECK(strstr(err, "owned by uid 65534") != NULL);
		CHECK_RC(open_err(name, MDBUS_READER_INSECURE, err, sizeof(err)), 0);
		CHECK(chown(p, 0, (gid_t)-1) == 0);
	}
	mdbus_writer_close(w, 1);
}

int main(void)
{
	test_ring(SCR_RANDOM, "random slots");
	test_ring(SCR_FUTURE, "slots beyond write_seq");
	test_ring(SCR_FUTURE_ODD, "odd slots beyond write_seq");
	test_planted();
	test_permissions();
	return 0;
}
