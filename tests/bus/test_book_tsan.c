/* SPDX-License-Identifier: MIT */
/*
 * The book seqlock with threads in one process, for ThreadSanitizer: a
 * writer thread publishing two books flat out (book_check.h versions), and
 * adding a third book while readers already look for it (the directory's
 * release/acquire) and flipping its status word; two reader threads on the
 * writer's own mapping (so TSan sees every access at one address) verify
 * every copy they get: no torn book, versions never go back. Clean under
 * -Db_sanitize=thread; in the default build it is one more torn-book test.
 *
 * Usage: test_book_tsan [--reads N]   (per reader; default 100000)
 */
#include <pthread.h>

#include "book_check.h"
#include "helpers.h"
#include "internal.h"

#define BT_READERS 2

struct bt_arg {
	mdbus_reader *r;
	uint64_t target;
	_Atomic int *stop;
	uint64_t ok, again, torn, late_ok;
	int backwards;
};

struct bt_warg {
	mdbus_writer *w;
	_Atomic int *stop;
	uint64_t last;
};

static void *bt_writer_main(void *p)
{
	struct bt_warg *a = p;
	static struct mdbus_book_level bids[50], asks[50];
	uint64_t v = 1;
	for (; !atomic_load(a->stop); v++) {
		struct mdbus_book_update u;
		bc_make(v, 20, bids, asks, &u);
		CHECK_RC(mdbus_writer_book_publish(a->w, 0, &u), 0);
		bc_make(v, 50, bids, asks, &u);
		CHECK_RC(mdbus_writer_book_publish(a->w, 1, &u), 0);
		if (v == 500)
			CHECK_RC(mdbus_writer_book_add(a->w, 2, 5, NULL), 0);
		if (v > 500)
			CHECK_RC(mdbus_writer_book_status(
					 a->w, 2, v & 1 ? MDBUS_BOOK_LIVE : MDBUS_BOOK_STALE),
				 0);
	}
	a->last = v - 1;
	return NULL;
}

static void *bt_reader_main(void *p)
{
	struct bt_arg *a = p;
	static _Thread_local struct mdbus_book_snapshot s;
	uint64_t last[2] = {0, 0};
	for (uint64_t i = 0; a->ok < a->target && !atomic_load(a->stop); i++) {
		uint32_t b = (uint32_t)(i % 3), want = (i & 7) == 0 ? 0 : 10;
		int rc = mdbus_book_read(a->r, b, want, &s);
		if (b == 2) {
			CHECK(rc == 0 || rc == -ENOENT || rc == -EAGAIN);
			if (rc == 0) {
				CHECK(s.depth == 5 && s.nbids == 0);
				CHECK(s.status == MDBUS_BOOK_LIVE || s.status == MDBUS_BOOK_STALE ||
				      s.status == MDBUS_BOOK_EMPTY);
				a->late_ok++;
			}
			continue;
		}
		if (rc == -EAGAIN) {
			a->again++;
			continue;
		}
		CHECK_RC(rc, 0);
		a->ok++;
		if (bc_verify(&s, b == 0 ? 20 : 50, want) != 0)
			a->torn++;
		if (s.version < last[b])
			a->backwards = 1;
		last[b] = s.version;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t per = 100000;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--reads") == 0 && i + 1 < argc)
			per = strtoull(argv[++i], NULL, 10);
	char name[64], err[256];
	th_bus_name(name, sizeof(name), "btsan");
	struct mdbus_writer_opts o = {
		.bus = name, .slots = 64, .max_instruments = 4, .max_sessions = 4};
	mdbus_writer *w = NULL;
	CHECK_RC(mdbus_writer_open_books(&w, &o, 3 * mdbus_book_record_size(50)), 0);
	for (uint32_t i = 0; i < 3; i++) {
		struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
		strcpy(in.venue, "test");
		snprintf(in.symbol, sizeof(in.symbol), "S%u-USDT", i);
		CHECK_RC(mdbus_writer_add_instrument(w, &in, NULL), 0);
	}
	CHECK_RC(mdbus_writer_book_add(w, 0, 20, NULL), 0);
	CHECK_RC(mdbus_writer_book_add(w, 1, 50, NULL), 0);
	size_t size;
	void *base = mdbus__writer_map(w, &size);
	_Atomic int stop = 0, rstop = 0;
	struct bt_arg ra[BT_READERS];
	memset(ra, 0, sizeof(ra));
	pthread_t rt[BT_READERS], wt;
	struct bt_warg wa = {.w = w, .stop = &stop};
	for (int k = 0; k < BT_READERS; k++) {
		CHECK_RC(mdbus__reader_attach_mem(&ra[k].r, base, size, name, MDBUS_START_OLDEST,
						  err, sizeof(err)),
			 0);
		ra[k].target = per;
		ra[k].stop = &rstop;
	}
	CHECK(pthread_create(&wt, NULL, bt_writer_main, &wa) == 0);
	for (int k = 0; k < BT_READERS; k++)
		CHECK(pthread_create(&rt[k], NULL, bt_reader_main, &ra[k]) == 0);
	for (int k = 0; k < BT_READERS; k++)
		CHECK(pthread_join(rt[k], NULL) == 0);
	atomic_store(&stop, 1);
	CHECK(pthread_join(wt, NULL) == 0);
	for (int k = 0; k < BT_READERS; k++) {
		printf("reader %d: %llu ok, %llu -EAGAIN, %llu torn, %llu reads of the late book\n",
		       k, (unsigned long long)ra[k].ok, (unsigned long long)ra[k].again,
		       (unsigned long long)ra[k].torn, (unsigned long long)ra[k].late_ok);
		CHECK(ra[k].ok == per && ra[k].torn == 0 && !ra[k].backwards);
		mdbus_reader_close(ra[k].r);
	}
	printf("writer: %llu versions\n", (unsigned long long)wa.last);
	mdbus_writer_close(w, 1);
	return 0;
}
