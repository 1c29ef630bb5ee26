/* SPDX-License-Identifier: MIT */
/*
 * test_truncate: a reader whose segment is cut short or orphaned under it.
 *   - truncated: a writer (child) publishes and is SIGKILLed; the segment
 *     file is cut to its header and health region, so the page of the slot
 *     the reader waits on is gone. A re-attach notices (the name holds a
 *     file too short: refused) and the reader stops touching the mapping:
 *     next, read, wait, info, the health calls all return (-EBADMSG for the
 *     reads), none raises SIGBUS. A valid writer then re-attaches it.
 *   - orphaned: the writer is SIGKILLed and its segment unlinked; a wait
 *     that times out returns -ESTALE (the name no longer holds our file)
 *     although nobody marked the segment REPLACED.
 * Every step runs under alarm(): a hang fails the test. A SIGBUS kills it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mdbus.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static char bus[64], path[128];

static mdbus_writer *writer_open(void)
{
	struct mdbus_writer_opts o = {.bus = bus, .slots = 4096};
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
	mdbus_writer *w = NULL;
	uint32_t id;

	if (mdbus_writer_open(&w, &o) < 0)
		return NULL;
	strcpy(in.venue, "binance");
	strcpy(in.symbol, "BTC-USDT");
	mdbus_writer_add_instrument(w, &in, &id);
	return w;
}

static void writer_publish(mdbus_writer *w, int n)
{
	for (int i = 0; i < n; i++) {
		struct mdbus_tick t = {.kind = MDBUS_KIND_TRADE};
		t.u.trade.trade_id = (uint64_t)i + 1;
		mdbus_writer_publish(w, &t, NULL);
	}
	mdbus_writer_wake(w);
}

/* A writer child that publishes n ticks, says so on the pipe, then waits to
 * be killed; returns its pid once its ticks are there. */
static pid_t writer_child(int n)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		mdbus_writer *w = writer_open();
		if (!w)
			_exit(1);
		writer_publish(w, n);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static void kill_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static uint64_t header_u64(size_t off)
{
	uint64_t v = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || pread(fd, &v, sizeof(v), (off_t)off) != (ssize_t)sizeof(v))
		v = 0;
	if (fd >= 0)
		close(fd);
	return v;
}

static mdbus_reader *reader_open(void)
{
	struct mdbus_reader_opts o = {.bus = bus, .start = MDBUS_START_LATEST};
	mdbus_reader *r = NULL;

	CHECK(mdbus_reader_open(&r, &o) == 0);
	return r;
}

/* Every call on a reader whose mapping was cut returns; reads say -EBADMSG. */
static void check_cut_reader(mdbus_reader *r)
{
	struct mdbus_tick t[4];
	struct mdbus_info info;
	struct mdbus_reader_stats st;
	uint64_t seq, missed;

	CHECK(mdbus_reader_next(r, t, &seq, &missed) == -EBADMSG);
	CHECK(mdbus_reader_read(r, t, NULL, 4, &missed) == -EBADMSG);
	CHECK(mdbus_reader_wait(r, 10) == -EBADMSG);
	CHECK(mdbus_reader_info(r, &info) == 0);
	CHECK(mdbus_reader_writer_alive(r) == 0);
	CHECK(mdbus_health_instr_status(r, 0) != MDBUS_HEALTH_INSTR_LIVE);
	CHECK(mdbus_health_feed_alive(r, 0) <= 0);
	mdbus_reader_stats(r, &st);
	CHECK(st.corrupt >= 1);
}

static void test_truncated(void)
{
	mdbus_reader *r;
	mdbus_writer *w;
	struct mdbus_tick t;
	uint64_t seq, missed, epoch;
	pid_t pid = writer_child(10);

	CHECK(pid > 0);
	r = reader_open();
	if (!r)
		return;
	epoch = mdbus_reader_epoch(r);
	kill_child(pid);
	/* Cut the whole ring: the page of the slot the reader waits on too. */
	CHECK(truncate(path, (off_t)header_u64(72)) == 0);
	alarm(10);
	CHECK(mdbus_reader_reattach(r) < 0); /* the name holds the cut file */
	check_cut_reader(r);
	CHECK(mdbus_reader_reattach(r) < 0);
	check_cut_reader(r);
	w = writer_open(); /* a valid writer comes back */
	CHECK(w != NULL);
	CHECK(mdbus_reader_reattach(r) == 0);
	CHECK(mdbus_reader_epoch(r) != epoch);
	writer_publish(w, 3);
	CHECK(mdbus_reader_next(r, &t, &seq, &missed) == 1);
	alarm(0);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
}

static void test_orphaned(void)
{
	mdbus_reader *r;
	pid_t pid = writer_child(5);

	CHECK(pid > 0);
	r = reader_open();
	if (!r)
		return;
	kill_child(pid);
	alarm(10);
	/* our file is still at the name; its writer is dead and was read out */
	CHECK(mdbus_reader_wait(r, 10) == -EOWNERDEAD);
	CHECK(unlink(path) == 0);
	CHECK(mdbus_reader_wait(r, 10) == -ESTALE);
	CHECK(mdbus_reader_reattach(r) == -ENOENT); /* nothing there: keeps its own */
	CHECK(mdbus_reader_wait(r, 10) == -ESTALE);
	alarm(0);
	mdbus_reader_close(r);
}

int main(void)
{
	snprintf(bus, sizeof(bus), "rel-trunc-%d", (int)getpid());
	if (mdbus_bus_path(bus, path, sizeof(path)) < 0)
		return 1;
	test_truncated();
	test_orphaned();
	unlink(path);
	strcat(path, ".lock");
	unlink(path);
	strcpy(path + strlen(path) - strlen(".lock"), ".readers");
	unlink(path);
	if (failures) {
		fprintf(stderr, "test_truncate: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_truncate: ok\n");
	return 0;
}
