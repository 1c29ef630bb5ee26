/* SPDX-License-Identifier: MIT */
/*
 * The reader table (/dev/shm/mdbus-NAME.readers): registration and
 * unregistration, the lag computed from cursor and recv_ts, laps and missed
 * as published, a full table that never blocks a reader, a slot reclaimed
 * after kill -9 of its reader, and slots that carry their writer's epoch.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "helpers.h"

#define MAXR MDBUS_READERS_MAX

/* Publishes n ticks with recv_ts = 1000 * seq. */
static void pub_n(mdbus_writer *w, int n)
{
	for (int i = 0; i < n; i++) {
		struct mdbus_tick t = {.kind = MDBUS_KIND_TRADE};
		uint64_t next = mdbus_writer_seq(w) + 1;
		t.recv_ts = (int64_t)next * 1000;
		CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	}
}

static mdbus_reader *reg_reader(const char *bus, enum mdbus_start start, char *err, size_t len)
{
	struct mdbus_reader_opts o = {.bus = bus,
				      .start = start,
				      .errbuf = err,
				      .errlen = len,
				      .flags = MDBUS_READER_REGISTER};
	mdbus_reader *r = NULL;
	err[0] = '\0';
	CHECK_RC(mdbus_reader_open(&r, &o), 0);
	return r;
}

/* The entry of the reader called name, or NULL. */
static const struct mdbus_reader_entry *find(const struct mdbus_reader_entry *e, int n,
					     const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(e[i].name, name) == 0)
			return &e[i];
	return NULL;
}

/* a (at tick 21 of 50) is lapped: 200 more into 64 slots; the table
 * shows the library's own missed and laps. */
static void check_lapped(mdbus_writer *w, mdbus_reader *a, mdbus_reader *mon)
{
	struct mdbus_reader_entry e[MAXR];
	const struct mdbus_reader_entry *ea;
	struct mdbus_tick t[20];
	uint64_t missed = 0;
	pub_n(w, 200);
	int got = 0;
	uint64_t lost = 0;
	for (int rc; (rc = mdbus_reader_read(a, t, NULL, 20, &missed)) > 0;) {
		got += rc;
		lost += missed;
	}
	struct mdbus_reader_stats sa;
	mdbus_reader_stats(a, &sa);
	CHECK(lost > 0 && sa.laps > 0 && (uint64_t)got + lost == 230);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 2);
	ea = find(e, 2, "test_readers");
	CHECK(ea->missed == sa.missed && ea->laps == sa.laps && ea->read == sa.read);
	CHECK(ea->cursor == 251 && ea->lag_ticks == 0);
}

/* Registration, lag, laps, unregistration. */
static void test_basic(const char *bus)
{
	mdbus_writer *w = th_writer(bus, 64);
	char path[128], err[256] = "";
	struct stat st;
	snprintf(path, sizeof(path), "/dev/shm/mdbus-%s.readers", bus);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0060) == 0060 && !(st.st_mode & 0002));
	struct mdbus_reader_entry e[MAXR];
	mdbus_reader *mon = th_reader(bus, MDBUS_START_LATEST); /* lists, unregistered */
	CHECK(mdbus_reader_registered(mon) == 0);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 0);

	mdbus_reader *a = reg_reader(bus, MDBUS_START_OLDEST, err, sizeof(err));
	CHECK(mdbus_reader_registered(a) == 1 && err[0] == '\0');
	mdbus_reader *b = th_reader(bus, MDBUS_START_LATEST);
	CHECK_RC(mdbus_reader_register(b, "strat-b"), 0);
	CHECK_RC(mdbus_reader_register(b, "again"), -EALREADY);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 2);
	const struct mdbus_reader_entry *ea = find(e, 2, "test_readers");
	const struct mdbus_reader_entry *eb = find(e, 2, "strat-b");
	CHECK(ea != NULL && eb != NULL && ea->pid == (uint32_t)getpid() && ea->same_epoch == 1);
	CHECK(ea->lag_ticks == 0 && ea->lag_ns == 0 && ea->epoch == mdbus_reader_epoch(mon));

	/* 50 published; a reads 20 in one batch, b 10 one by one. */
	pub_n(w, 50);
	struct mdbus_tick t[20];
	uint64_t missed = 0;
	CHECK_RC(mdbus_reader_read(a, t, NULL, 20, &missed), 20);
	for (int i = 0; i < 10; i++)
		CHECK_RC(mdbus_reader_next(b, t, NULL, NULL), 1);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 2);
	ea = find(e, 2, "test_readers");
	eb = find(e, 2, "strat-b");
	CHECK(ea->cursor == 21 && ea->read == 20 && ea->lag_ticks == 30);
	CHECK(ea->lag_ns == 29000 && ea->last_read_ns > 0);
	/* next() publishes per 256 ticks or when it runs dry, not per tick */
	CHECK(eb->cursor == 1 && eb->lag_ticks == 50 && eb->lag_ns == 49000);
	mdbus_reader_publish(b);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 2);
	eb = find(e, 2, "strat-b");
	CHECK(eb->cursor == 11 && eb->lag_ticks == 40 && eb->read == 10);
	while (mdbus_reader_next(b, t, NULL, NULL) == 1)
		;
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 2);
	eb = find(e, 2, "strat-b");
	CHECK(eb->cursor == 51 && eb->lag_ticks == 0 && eb->lag_ns == 0);

	check_lapped(w, a, mon);

	/* unregistration */
	mdbus_reader_close(b);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 1);
	CHECK(find(e, 1, "strat-b") == NULL);
	mdbus_reader_close(a);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 0);
	mdbus_reader_close(mon);
	mdbus_writer_close(w, 1);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
}

/* A full table: the reader works unregistered and says so; a freed slot
 * (a closed reader, a reader killed with -9) is taken by the next one. */
static void test_full_and_reclaim(const char *bus)
{
	mdbus_writer *w = th_writer(bus, 64);
	static mdbus_reader *rs[MAXR];
	char err[256];
	for (int i = 0; i < MAXR - 1; i++)
		rs[i] = reg_reader(bus, MDBUS_START_LATEST, err, sizeof(err));
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char cerr[256] = "";
		mdbus_reader *c = reg_reader(bus, MDBUS_START_LATEST, cerr, sizeof(cerr));
		char ok = mdbus_reader_registered(c) ? 'y' : 'n';
		if (write(pfd[1], &ok, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char ok = 0;
	CHECK(read(pfd[0], &ok, 1) == 1 && ok == 'y');
	struct mdbus_reader_entry e[MAXR];
	mdbus_reader *mon = th_reader(bus, MDBUS_START_LATEST);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), MAXR);

	/* full: the open succeeds, unregistered, with the reason */
	err[0] = '\0';
	mdbus_reader *x = reg_reader(bus, MDBUS_START_LATEST, err, sizeof(err));
	CHECK(mdbus_reader_registered(x) == 0 && strstr(err, "reader table") != NULL);
	CHECK_RC(mdbus_reader_register(x, "x"), -ENOSPC);
	pub_n(w, 3);
	struct mdbus_tick t;
	CHECK_RC(mdbus_reader_next(x, &t, NULL, NULL), 1);

	/* kill -9 the child: its slot is skipped and then reclaimed */
	CHECK(kill(child, SIGKILL) == 0);
	CHECK(waitpid(child, NULL, 0) == child);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), MAXR - 1);
	for (int i = 0; i < MAXR - 1; i++)
		CHECK(e[i].pid == (uint32_t)getpid());
	CHECK_RC(mdbus_reader_register(x, "x"), 0);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), MAXR);
	CHECK(find(e, MAXR, "x") != NULL);

	/* a closed reader's slot is free for the next */
	mdbus_reader_close(rs[0]);
	rs[0] = reg_reader(bus, MDBUS_START_LATEST, err, sizeof(err));
	CHECK(mdbus_reader_registered(rs[0]) == 1);
	for (int i = 0; i < MAXR - 1; i++)
		mdbus_reader_close(rs[i]);
	mdbus_reader_close(x);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 0);
	mdbus_reader_close(mon);
	close(pfd[0]);
	close(pfd[1]);
	mdbus_writer_close(w, 1);
}

/* A new writer (new epoch): slots say which segment their cursor is in. */
static void test_epoch(const char *bus)
{
	mdbus_writer *w = th_writer(bus, 64);
	char err[256];
	mdbus_reader *a = reg_reader(bus, MDBUS_START_OLDEST, err, sizeof(err));
	pub_n(w, 10);
	struct mdbus_tick t[16];
	CHECK_RC(mdbus_reader_read(a, t, NULL, 16, NULL), 10);
	mdbus_writer_close(w, 0);
	w = th_writer(bus, 128);
	pub_n(w, 5);
	mdbus_reader *mon = th_reader(bus, MDBUS_START_LATEST);
	struct mdbus_reader_entry e[MAXR];
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 1);
	CHECK(e[0].same_epoch == 0 && e[0].lag_ns == -1 && e[0].lag_ticks == 0);
	CHECK(e[0].cursor == 11 && e[0].epoch != mdbus_reader_epoch(mon));
	int rc = mdbus_reader_next(a, t, NULL, NULL);
	CHECK(rc == -ESHUTDOWN || rc == -ESTALE);
	CHECK_RC(mdbus_reader_follow(&a, NULL, 1000), 0);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 1);
	CHECK(e[0].same_epoch == 1 && e[0].epoch == mdbus_reader_epoch(mon));
	CHECK(e[0].cursor == 1 && e[0].lag_ticks == 5 && e[0].lag_ns == 4000);
	CHECK_RC(mdbus_reader_read(a, t, NULL, 16, NULL), 5);
	CHECK_RC(mdbus_readers_list(mon, e, MAXR), 1);
	CHECK(e[0].cursor == 6 && e[0].lag_ticks == 0 && e[0].read == 15);
	mdbus_reader_close(a);
	mdbus_reader_close(mon);
	mdbus_writer_close(w, 1);
}

int main(void)
{
	char bus[64];
	th_bus_name(bus, sizeof(bus), "rtab");
	test_basic(bus);
	th_bus_name(bus, sizeof(bus), "rtab");
	test_full_and_reclaim(bus);
	th_bus_name(bus, sizeof(bus), "rtab");
	test_epoch(bus);
	/* names that would collide with a table are refused */
	char p[128];
	CHECK_RC(mdbus_bus_path("x.readers", p, sizeof(p)), -EINVAL);
	printf("reader table: ok\n");
	return 0;
}
