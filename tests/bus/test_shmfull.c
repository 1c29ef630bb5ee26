/* SPDX-License-Identifier: MIT */
/*
 * Regression: a /dev/shm too small for the segment. The writer must refuse
 * at open with a message that says how much is free and how much is needed,
 * instead of starting and dying from SIGBUS (and killing every reader) when
 * the ring reaches a page tmpfs cannot back. Runs in a private mount
 * namespace with a 16 MiB tmpfs over /dev/shm, so the machine's /dev/shm is
 * untouched. Needs CAP_SYS_ADMIN: exit 77 (skip) without it.
 */
#include <sched.h>
#include <sys/mount.h>

#include "helpers.h"

int main(void)
{
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=16m,mode=1777") != 0) {
		fprintf(stderr, "no private mount namespace (%s): skipped\n", strerror(errno));
		return 77;
	}
	char name[64], err[256] = "";
	th_bus_name(name, sizeof(name), "shmfull");
	/* 1 Mi slots x 64 B = 64 MiB of ring: four times what the tmpfs holds. */
	struct mdbus_writer_opts o = {.bus = name,
				      .slots = 1u << 20,
				      .group = (gid_t)-1,
				      .errbuf = err,
				      .errlen = sizeof(err)};
	mdbus_writer *w = NULL;
	CHECK_RC(mdbus_writer_open(&w, &o), -ENOSPC);
	CHECK(w == NULL);
	fprintf(stderr, "refused as wanted: %s\n", err);
	CHECK(strstr(err, "/dev/shm has ") != NULL);
	CHECK(strstr(err, " MiB free, the segment needs ") != NULL);
	CHECK(strstr(err, "lower slots or enlarge /dev/shm") != NULL);
	/* Nothing half-built is left behind for a reader to trip on. */
	char p[256];
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);
	CHECK(access(p, F_OK) != 0);
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	CHECK(access(tmp, F_OK) != 0);

	/* A segment that fits is reserved whole and works to its last slot. */
	o.slots = 1u << 16; /* 4 MiB */
	CHECK_RC(mdbus_writer_open(&w, &o), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
	strcpy(in.venue, "test");
	strcpy(in.symbol, "BTC-USDT");
	CHECK_RC(mdbus_writer_add_instrument(w, &in, NULL), 0);
	for (uint64_t i = 1; i <= (1u << 16); i++) {
		struct mdbus_tick t;
		th_tick(&t, i);
		CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	}
	struct mdbus_tick t;
	CHECK_RC(mdbus_reader_next(r, &t, NULL, NULL), 1);
	CHECK(th_tick_ok(&t, 1));
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	return 0;
}
