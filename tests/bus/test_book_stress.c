/* SPDX-License-Identifier: MIT */
/*
 * test_book_stress.c: torn books across processes. A writer process
 * publishes two books (depth 20 and 100) as fast as it can, every version
 * following the scheme of book_check.h; this process reads them (top 10 of
 * both, and the whole deep one every 16th read) and counts the reads whose
 * levels do not form exactly one version of the scheme: torn books. Also
 * checked: versions never go back, the writer made progress during the
 * reads, and every read either succeeds or is -EAGAIN.
 *
 * Usage: test_book_stress [--reads N] (default 2,000,000: a few seconds;
 * the acceptance figure is --reads 100000000). Prints reads, torn, retries
 * given up (-EAGAIN), versions seen and the time taken.
 */
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "book_check.h"
#include "helpers.h"

#define BS_DEEP 100u

static struct mdbus_book_level bs_bids[BS_DEEP], bs_asks[BS_DEEP];
static struct mdbus_book_snapshot bs_snap;

static _Noreturn void bs_writer(const char *name, _Atomic int *stop)
{
	struct mdbus_writer_opts o = {
		.bus = name, .slots = 64, .max_instruments = 4, .max_sessions = 4};
	mdbus_writer *w = NULL;
	if (mdbus_writer_open_books(&w, &o, 2 * mdbus_book_record_size(BS_DEEP)) < 0)
		_exit(2);
	for (uint32_t i = 0; i < 2; i++) {
		struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
		strcpy(in.venue, "test");
		snprintf(in.symbol, sizeof(in.symbol), "S%u-USDT", i);
		if (mdbus_writer_add_instrument(w, &in, NULL) < 0 ||
		    mdbus_writer_book_add(w, i, i == 0 ? 20 : BS_DEEP, NULL) < 0)
			_exit(3);
	}
	pid_t parent = getppid();
	for (uint64_t v = 1; !atomic_load_explicit(stop, memory_order_relaxed); v++) {
		struct mdbus_book_update u;
		for (uint32_t b = 0; b < 2; b++) {
			bc_make(v, b == 0 ? 20 : BS_DEEP, bs_bids, bs_asks, &u);
			if (mdbus_writer_book_publish(w, b, &u) < 0)
				_exit(4);
		}
		if ((v & 1023) == 0 && getppid() != parent)
			break;
	}
	mdbus_writer_close(w, 0);
	_exit(0);
}

static double bs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for the writer's bus and both books' first version. */
static mdbus_reader *bs_attach(const char *name)
{
	for (int i = 0; i < 3000; i++) {
		struct mdbus_reader_opts o = {.bus = name};
		mdbus_reader *r = NULL;
		if (mdbus_reader_open(&r, &o) == 0) {
			if (mdbus_book_read(r, 1, 1, &bs_snap) == 0 && bs_snap.version > 0)
				return r;
			mdbus_reader_close(r);
		}
		usleep(10000);
	}
	fprintf(stderr, "test_book_stress: the writer's books never appeared\n");
	exit(1);
}

int main(int argc, char **argv)
{
	uint64_t reads = 2000000;
	if (argc == 3 && strcmp(argv[1], "--reads") == 0)
		reads = strtoull(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: test_book_stress [--reads N]\n");
		return 2;
	}
	char name[64];
	th_bus_name(name, sizeof(name), "bstress");
	th_bus_cleanup(name);
	_Atomic int *stop =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(stop != MAP_FAILED);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		bs_writer(name, stop);
	mdbus_reader *r = bs_attach(name);
	uint64_t torn = 0, again = 0, ok = 0, last[2] = {0, 0}, distinct = 0;
	double t0 = bs_now();
	for (uint64_t i = 0; i < reads; i++) {
		uint32_t b = (uint32_t)(i & 1), want = (i & 31) == 1 ? 0 : 10;
		int rc = mdbus_book_read(r, b, want, &bs_snap);
		if (rc == -EAGAIN) {
			again++;
			continue;
		}
		CHECK_RC(rc, 0);
		ok++;
		int why = bc_verify(&bs_snap, b == 0 ? 20 : BS_DEEP, want);
		if (why != 0 && torn++ < 10)
			fprintf(stderr, "torn: book %u version %llu rule %d\n", b,
				(unsigned long long)bs_snap.update_id, why);
		CHECK(bs_snap.version >= last[b]);
		distinct += bs_snap.version != last[b];
		last[b] = bs_snap.version;
	}
	double dt = bs_now() - t0;
	atomic_store(stop, 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("test_book_stress: %llu reads (%llu ok, %llu -EAGAIN), %llu torn, %llu versions "
	       "seen (last %llu / %llu), %.2f s, %.0f ns/read\n",
	       (unsigned long long)reads, (unsigned long long)ok, (unsigned long long)again,
	       (unsigned long long)torn, (unsigned long long)distinct, (unsigned long long)last[0],
	       (unsigned long long)last[1], dt, dt * 1e9 / (double)reads);
	mdbus_reader_close(r);
	th_bus_cleanup(name);
	CHECK(torn == 0);
	CHECK(ok > 0);
	/* The writer ran during the reads: many versions were seen. */
	CHECK(distinct >= 10 || reads < 10000);
	return 0;
}
