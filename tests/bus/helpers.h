/* SPDX-License-Identifier: MIT */
/*
 * helpers.h: shared setup for the bus tests. Each test is one small program
 * exiting 0 (pass), 1 (fail) or 77 (skip: missing kernel feature only).
 * Bus names carry the pid and a counter so tests run concurrently.
 */
#ifndef MDBUS_TEST_HELPERS_H
#define MDBUS_TEST_HELPERS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdbus.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* Asserts that expr returns exactly want; prints both as mdbus errors. */
#define CHECK_RC(expr, want)                                                                       \
	do {                                                                                       \
		long long got_ = (long long)(expr);                                                \
		long long want_ = (long long)(want);                                               \
		if (got_ != want_) {                                                               \
			fprintf(stderr, "%s:%d: %s returned %lld (%s), want %lld (%s)\n",          \
				__FILE__, __LINE__, #expr, got_, mdbus_strerror((int)got_), want_, \
				mdbus_strerror((int)want_));                                       \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* Removes every file a bus may leave in /dev/shm. */
static inline void th_bus_cleanup(const char *name)
{
	static const char *const suffix[] = {"", ".lock", ".tmp", ".readers"};
	for (unsigned i = 0; i < 4; i++) {
		char p[256];
		snprintf(p, sizeof(p), "/dev/shm/mdbus-%.64s%s", name, suffix[i]);
		unlink(p);
	}
}

/* Buses named by this process, removed at exit even when a CHECK fails
 * (but not by forked children exiting: they share the names). */
static char th_names[32][64];
static int th_nnames;
static pid_t th_names_owner;

static inline void th_cleanup_all(void)
{
	if (getpid() != th_names_owner)
		return;
	for (int i = 0; i < th_nnames; i++)
		th_bus_cleanup(th_names[i]);
}

/* A fresh unique bus name "t-TAG-PID-N" (valid, < MDBUS_BUS_NAME_MAX). */
static inline void th_bus_name(char *buf, size_t len, const char *tag)
{
	static int counter;
	snprintf(buf, len, "t-%s-%ld-%d", tag, (long)getpid(), counter++);
	if (th_nnames == 0) {
		th_names_owner = getpid();
		atexit(th_cleanup_all);
	}
	if (th_nnames < 32)
		snprintf(th_names[th_nnames++], sizeof(th_names[0]), "%s", buf);
}

/* Opens a writer on `name` with `slots` slots and one instrument (id 0). */
static inline mdbus_writer *th_writer(const char *name, uint32_t slots)
{
	char err[256] = "";
	struct mdbus_writer_opts o = {.bus = name,
				      .slots = slots,
				      .max_instruments = 16,
				      .max_sessions = 4,
				      .group = (gid_t)-1,
				      .errbuf = err,
				      .errlen = sizeof(err)};
	mdbus_writer *w = NULL;
	int rc = mdbus_writer_open(&w, &o);
	if (rc < 0) {
		fprintf(stderr, "writer_open(%s): %s: %s\n", name, mdbus_strerror(rc), err);
		exit(1);
	}
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
	strcpy(in.venue, "test");
	strcpy(in.symbol, "BTC-USDT");
	strcpy(in.native, "BTCUSDT");
	uint32_t id = 99;
	CHECK_RC(mdbus_writer_add_instrument(w, &in, &id), 0);
	CHECK(id == 0);
	return w;
}

static inline mdbus_reader *th_reader(const char *name, enum mdbus_start start)
{
	char err[256] = "";
	struct mdbus_reader_opts o = {
		.bus = name, .start = start, .errbuf = err, .errlen = sizeof(err)};
	mdbus_reader *r = NULL;
	int rc = mdbus_reader_open(&r, &o);
	if (rc < 0) {
		fprintf(stderr, "reader_open(%s): %s: %s\n", name, mdbus_strerror(rc), err);
		exit(1);
	}
	return r;
}

/* A tick whose every payload word is derived from seq, so a reader can tell
 * which tick it got and whether it is intact. */
static inline uint64_t th_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static inline void th_tick(struct mdbus_tick *t, uint64_t seq)
{
	memset(t, 0, sizeof(*t));
	t->instrument = 0;
	t->kind = MDBUS_KIND_TRADE;
	t->exch_ts = (int64_t)seq;
	t->recv_ts = (int64_t)th_mix(seq);
	t->u.raw[0] = th_mix(seq + 1);
	t->u.raw[1] = th_mix(seq + 2);
	t->u.raw[2] = th_mix(seq + 3);
	/* checksum word over the others */
	t->u.raw[3] = th_mix((uint64_t)t->exch_ts ^ (uint64_t)t->recv_ts ^ t->u.raw[0] ^
			     t->u.raw[1] ^ t->u.raw[2]);
}

/* 1 if t is exactly the tick th_tick(seq) made. */
static inline int th_tick_ok(const struct mdbus_tick *t, uint64_t seq)
{
	struct mdbus_tick want;
	th_tick(&want, seq);
	return memcmp(t, &want, sizeof(want)) == 0;
}

#endif /* MDBUS_TEST_HELPERS_H */

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* A writer in a child process: it opens `name`, publishes `n` th_tick()s,
 * reports its status (0 or -errno, as an int) on a pipe, then waits until
 * the parent closes the command pipe (clean close, segment kept) or kills
 * it. Returns the child's status; *pid and *cmd_fd are set when it is 0. */
static inline int th_spawn_writer(const char *name, uint32_t slots, uint64_t n, pid_t *pid,
				  int *cmd_fd)
{
	int st[2], cmd[2];
	CHECK(pipe(st) == 0 && pipe(cmd) == 0);
	pid_t p = fork();
	CHECK(p >= 0);
	if (p == 0) {
		close(st[0]);
		close(cmd[1]);
		struct mdbus_writer_opts o = {
			.bus = name, .slots = slots, .max_instruments = 16, .max_sessions = 4};
		mdbus_writer *w = NULL;
		int rc = mdbus_writer_open(&w, &o);
		if (rc == 0) {
			struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
			strcpy(in.venue, "test");
			strcpy(in.symbol, "BTC-USDT");
			rc = mdbus_writer_add_instrument(w, &in, NULL);
			for (uint64_t i = 1; rc == 0 && i <= n; i++) {
				struct mdbus_tick t;
				th_tick(&t, i);
				rc = mdbus_writer_publish(w, &t, NULL);
			}
			mdbus_writer_wake(w);
		}
		if (write(st[1], &rc, sizeof(rc)) != sizeof(rc))
			_exit(2);
		if (rc < 0)
			_exit(1);
		char c;
		while (read(cmd[0], &c, 1) > 0) {
			/* 'p': publish one more tick and wake */
			struct mdbus_tick t;
			th_tick(&t, mdbus_writer_seq(w) + 1);
			if (mdbus_writer_publish(w, &t, NULL) != 0)
				_exit(3);
			mdbus_writer_wake(w);
		}
		mdbus_writer_close(w, 0);
		_exit(0);
	}
	close(st[1]);
	close(cmd[0]);
	int rc = -EPIPE;
	if (read(st[0], &rc, sizeof(rc)) != sizeof(rc))
		rc = -EPIPE;
	close(st[0]);
	if (rc < 0) {
		close(cmd[1]);
		waitpid(p, NULL, 0);
		return rc;
	}
	*pid = p;
	*cmd_fd = cmd[1];
	return 0;
}

/* Kills a child with sig and reaps it; returns its wait status. */
static inline int th_kill(pid_t pid, int sig)
{
	int status = 0;
	kill(pid, sig);
	CHECK(waitpid(pid, &status, 0) == pid);
	return status;
}

static inline int64_t th_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
