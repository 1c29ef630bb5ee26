/* SPDX-License-Identifier: MIT */
/*
 * test_health_torn: one writer publishes generation-stamped feed, session
 * and instrument records as fast as it can while this process snapshots
 * them in a loop; every snapshot must be a whole generation (never torn)
 * and generations must never go backwards.
 *
 *   test_health_torn fork [ms]     writer is a child process (shared mmap)
 *   test_health_torn threads [ms]  writer is a thread (for ThreadSanitizer)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mdbus.h"
#include "hfill.h"

#define NSESS  4u
#define NINSTR 16u

struct shared {
	_Atomic int stop; /* reader -> writer: finish (seq_cst, no data ordered) */
};

static void *region;
static size_t region_size;
static struct shared *ctl;

static void *writer_main(void *arg)
{
	struct mdbus_health_feed f;
	struct mdbus_health_session s;
	struct mdbus_health_instr in;
	(void)arg;

	for (uint64_t k = 1; !atomic_load(&ctl->stop); k++) {
		hfill_feed(&f, k);
		if (mdbus_health_publish_feed(region, &f))
			abort();
		for (uint32_t i = 0; i < NSESS; i++) {
			hfill_session(&s, i, k);
			if (mdbus_health_publish_session(region, i, &s))
				abort();
		}
		for (uint32_t i = 0; i < NINSTR; i++) {
			hfill_instr(&in, i, k);
			in.status = 1 + (uint32_t)(k % 4);
			if (mdbus_health_publish_instr(region, i, &in))
				abort();
		}
	}
	return NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(int argc, char **argv)
{
	int use_threads = argc > 1 && strcmp(argv[1], "threads") == 0;
	int64_t dur = argc > 2 ? strtoll(argv[2], NULL, 10) : 1000;
	uint64_t last_feed = 0, last_sess[NSESS] = {0}, last_instr[NINSTR] = {0};
	uint64_t ok = 0, busy = 0, torn = 0, back = 0, nodata = 0, badstatus = 0;
	pthread_t th;
	pid_t pid = -1;

	region_size = MDBUS_HEALTH_REGION_HDR + NSESS * MDBUS_HEALTH_SESSION_REC +
		      NINSTR * MDBUS_HEALTH_INSTR_REC;
	region = mmap(NULL, region_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ctl = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || ctl == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (mdbus_health_writer_init(region, region_size, NSESS, NINSTR) != 0) {
		fprintf(stderr, "init failed\n");
		return 1;
	}
	if (use_threads) {
		if (pthread_create(&th, NULL, writer_main, NULL) != 0)
			return 1;
	} else {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			writer_main(NULL);
			_exit(0);
		}
	}

	int64_t end = now_ms() + dur;
	while (now_ms() < end) {
		struct mdbus_health_feed f;
		struct mdbus_health_session s;
		struct mdbus_health_instr in;
		uint64_t k;
		int err;

		err = mdbus_health_read_feed(region, region_size, &f);
		if (err == 0) {
			if (hcheck_feed(&f, &k))
				torn++;
			else if (k < last_feed)
				back++;
			else
				last_feed = k, ok++;
		} else if (err == -EAGAIN) {
			busy++;
		} else if (err == -ENODATA || err == -ENOENT) {
			nodata++;
		} else {
			fprintf(stderr, "read_feed: %s\n", strerror(-err));
			torn++;
		}
		for (uint32_t i = 0; i < NSESS; i++) {
			err = mdbus_health_read_session(region, region_size, i, &s);
			if (err == 0) {
				if (hcheck_session(&s, i, &k))
					torn++;
				else if (k < last_sess[i])
					back++;
				else
					last_sess[i] = k, ok++;
			} else if (err == -EAGAIN) {
				busy++;
			} else if (err == -ENODATA || err == -ENOENT) {
				nodata++;
			} else {
				torn++;
			}
		}
		for (uint32_t i = 0; i < NINSTR; i++) {
			err = mdbus_health_read_instr(region, region_size, i, &in);
			if (err == 0) {
				if (hcheck_instr(&in, i, &k))
					torn++;
				else if (k < last_instr[i])
					back++;
				else
					last_instr[i] = k, ok++;
				if (in.status < 1 || in.status > 4)
					badstatus++;
			} else if (err == -EAGAIN) {
				busy++;
			} else if (err == -ENODATA) {
				nodata++;
			} else {
				torn++;
			}
			int st = mdbus_health_read_instr_status(region, region_size, i);
			if (last_instr[i] && (st < 1 || st > 4))
				badstatus++;
		}
	}
	atomic_store(&ctl->stop, 1);
	if (use_threads) {
		pthread_join(th, NULL);
	} else {
		int status;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "writer failed\n");
			return 1;
		}
	}
	printf("ok=%llu busy=%llu nodata=%llu torn=%llu backwards=%llu badstatus=%llu "
	       "last_feed_gen=%llu\n",
	       (unsigned long long)ok, (unsigned long long)busy, (unsigned long long)nodata,
	       (unsigned long long)torn, (unsigned long long)back, (unsigned long long)badstatus,
	       (unsigned long long)last_feed);
	/* The writer must have made progress while we read, or the test
	 * proves nothing about concurrent copies. */
	int fail = torn || back || badstatus || ok < 100 || last_feed < 10;
	munmap(region, region_size);
	munmap(ctl, 4096);
	return fail ? 1 : 0;
}
