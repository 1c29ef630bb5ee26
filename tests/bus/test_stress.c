/* SPDX-License-Identifier: MIT */
/*
 * Multi-process stress: one writer process publishing checksummed ticks flat
 * out into a small ring (laps are frequent), >= 2 reader processes validating
 * every tick (see ringcheck.h), zero torn reads allowed.
 *
 * Usage: test_stress [--reads N] [--readers K]   (env MDBUS_STRESS_READS)
 * Default: 50 million reads in total.
 */
#include "ringcheck.h"

#define MAX_READERS 8
#define SLOTS	    65536u /* laps still happen when a reader is descheduled */

struct shared {
	_Atomic int stop;	    /* set by the parent when every reader is done */
	_Atomic int ready;	    /* readers attached */
	_Atomic int go;		    /* the writer may start */
	_Atomic uint64_t published; /* the writer's final seq */
	struct rc_result res[MAX_READERS];
};

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(int argc, char **argv)
{
	uint64_t reads = 50000000ull;
	int readers = 2;
	const char *env = getenv("MDBUS_STRESS_READS");
	if (env != NULL && env[0] != '\0')
		reads = strtoull(env, NULL, 10);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reads") == 0 && i + 1 < argc)
			reads = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--readers") == 0 && i + 1 < argc)
			readers = (int)strtol(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: %s [--reads N] [--readers K]\n", argv[0]);
			return 1;
		}
	}
	CHECK(readers >= 2 && readers <= MAX_READERS && reads >= (uint64_t)readers);
	struct shared *sh =
		mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	char name[64];
	th_bus_name(name, sizeof(name), "stress");
	int64_t t0 = th_now_ms();

	/* the writer process creates the bus first */
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t wpid = fork();
	CHECK(wpid >= 0);
	if (wpid == 0) {
		close(ready[0]);
		mdbus_writer *w = th_writer(name, SLOTS);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (!atomic_load(&sh->go))
			usleep(1000);
		uint64_t last = rc_write(w, 1 + (int)(reads % 2) * 7, &sh->stop);
		atomic_store(&sh->published, last);
		mdbus_writer_close(w, 0);
		_exit(last == 0);
	}
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);

	uint64_t per = reads / (uint64_t)readers;
	pid_t rpid[MAX_READERS];
	for (int k = 0; k < readers; k++) {
		rpid[k] = fork();
		CHECK(rpid[k] >= 0);
		if (rpid[k] == 0) {
			/* OLDEST before the first publish: every seq from 1 is
			 * either read or counted missed */
			mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
			atomic_fetch_add(&sh->ready, 1);
			/* reader 0: single next(); others: batches; the last one
			 * sleeps in mdbus_reader_wait when idle */
			int batch = k == 0 ? 1 : 16 * k;
			int use_wait = k == readers - 1;
			rc_read(r, per, batch, use_wait, &sh->stop, &sh->res[k]);
			sh->res[k].done = 1;
			mdbus_reader_close(r);
			_exit(0);
		}
	}
	while (atomic_load(&sh->ready) < readers)
		usleep(1000);
	atomic_store(&sh->go, 1);

	int ok = 1, status;
	for (int k = 0; k < readers; k++) {
		CHECK(waitpid(rpid[k], &status, 0) == rpid[k]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ok = 0;
	}
	atomic_store(&sh->stop, 1);
	CHECK(waitpid(wpid, &status, 0) == wpid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ok = 0;
	int64_t ms = th_now_ms() - t0;
	uint64_t total = 0;
	for (int k = 0; k < readers; k++) {
		char who[32];
		snprintf(who, sizeof(who), "reader %d", k);
		if (!rc_report(who, &sh->res[k]) || sh->res[k].read != per ||
		    sh->res[k].last_seq > atomic_load(&sh->published))
			ok = 0;
		total += sh->res[k].read;
	}
	printf("writer published %llu; %llu reads validated in %lld ms (%.1f M reads/s)\n",
	       (unsigned long long)atomic_load(&sh->published), (unsigned long long)total,
	       (long long)ms, ms > 0 ? (double)total / (double)ms / 1000.0 : 0.0);
	th_bus_cleanup(name);
	munmap(sh, sizeof(*sh));
	if (!ok)
		fprintf(stderr, "FAIL\n");
	return ok ? 0 : 1;
}
