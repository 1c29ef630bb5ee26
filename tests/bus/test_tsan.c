/* SPDX-License-Identifier: MIT */
/*
 * The ring logic with threads in one process, for ThreadSanitizer: a writer
 * thread publishing flat out and reader threads validating every tick (see
 * ringcheck.h). Two readers work on the writer's own mapping (so TSan sees
 * every access of the seqlock protocol at one address), one through its own
 * read-only mapping (the normal path), registered in the reader table while
 * a lister thread reads its slot (the per-batch cursor publish, at one
 * address too). Clean under -Db_sanitize=thread.
 *
 * Usage: test_tsan [--reads N]   (per reader; default 200000)
 */
#include <pthread.h>

#include "internal.h"
#include "ringcheck.h"

#define READERS 3

struct rarg {
	mdbus_reader *r;
	uint64_t target;
	int batch, use_wait;
	_Atomic int *stop;
	struct rc_result res;
};

struct warg {
	mdbus_writer *w;
	int batch;
	_Atomic int *stop;
	uint64_t last;
};

static void *reader_main(void *p)
{
	struct rarg *a = p;
	rc_read(a->r, a->target, a->batch, a->use_wait, a->stop, &a->res);
	return NULL;
}

static void *writer_main(void *p)
{
	struct warg *a = p;
	a->last = rc_write(a->w, a->batch, a->stop);
	return NULL;
}

struct larg {
	const struct mdbus_rtab_slot *slot;
	_Atomic int *stop;
	uint64_t looks, bad;
};

/* Reads a registered reader's slot while it publishes: the cursor never
 * goes back, and the counters are at least as new as the cursor
 * (read + missed covers every tick before it: the reader starts at 1). */
static void *lister_main(void *p)
{
	struct larg *a = p;
	uint64_t last = 0;
	while (!atomic_load(a->stop)) {
		struct mdbus_reader_entry e;
		mdbus__rtab_copy(a->slot, &e);
		if (e.cursor < last || (e.cursor > 0 && e.read + e.missed + 1 < e.cursor))
			a->bad++;
		last = e.cursor;
		a->looks++;
	}
	return NULL;
}

/* Adds instruments 1..15 (0 exists) while the main thread reads them. */
static void *adder_main(void *p)
{
	mdbus_writer *w = p;
	for (uint32_t i = 1; i < 16; i++) {
		struct mdbus_instrument in = {.price_decimals = (uint8_t)(i % 19)};
		snprintf(in.venue, sizeof(in.venue), "v%u", i);
		snprintf(in.symbol, sizeof(in.symbol), "S%u-USD", i);
		uint32_t id;
		if (mdbus_writer_add_instrument(w, &in, &id) != 0 || id != i)
			abort();
	}
	return NULL;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(int argc, char **argv)
{
	uint64_t per = 200000;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--reads") == 0 && i + 1 < argc)
			per = strtoull(argv[++i], NULL, 10);
	char name[64], err[256];
	th_bus_name(name, sizeof(name), "tsan");
	mdbus_writer *w = th_writer(name, 256);
	size_t size;
	void *base = mdbus__writer_map(w, &size);
	_Atomic int stop = 0, rstop = 0;
	struct rarg ra[READERS];
	memset(ra, 0, sizeof(ra));
	for (int k = 0; k < READERS; k++) {
		if (k < 2)
			CHECK_RC(mdbus__reader_attach_mem(&ra[k].r, base, size, name,
							  MDBUS_START_OLDEST, err, sizeof(err)),
				 0);
		else
			ra[k].r = th_reader(name, MDBUS_START_OLDEST);
		ra[k].target = per;
		ra[k].batch = k == 0 ? 1 : 8;
		ra[k].use_wait = k == 1;
		ra[k].stop = &rstop;
	}
	/* the instrument table also grows while readers run */
	struct warg wa = {.w = w, .batch = 4, .stop = &stop};
	CHECK_RC(mdbus_reader_register(ra[READERS - 1].r, "tsan"), 0);
	_Atomic int lstop = 0;
	struct larg la = {.slot = mdbus__reader_rslot(ra[READERS - 1].r), .stop = &lstop};
	pthread_t rt[READERS], wt, lt;
	CHECK(la.slot != NULL && pthread_create(&lt, NULL, lister_main, &la) == 0);
	for (int k = 0; k < READERS; k++)
		CHECK(pthread_create(&rt[k], NULL, reader_main, &ra[k]) == 0);
	CHECK(pthread_create(&wt, NULL, writer_main, &wa) == 0);
	for (int k = 0; k < READERS; k++)
		CHECK(pthread_join(rt[k], NULL) == 0);
	atomic_store(&stop, 1);
	CHECK(pthread_join(wt, NULL) == 0);
	atomic_store(&lstop, 1);
	CHECK(pthread_join(lt, NULL) == 0);
	printf("lister: %llu looks, %llu inconsistent\n", (unsigned long long)la.looks,
	       (unsigned long long)la.bad);
	int ok = wa.last > 0 && la.looks > 0 && la.bad == 0;
	for (int k = 0; k < READERS; k++) {
		char who[32];
		snprintf(who, sizeof(who), "reader %d", k);
		if (!rc_report(who, &ra[k].res) || ra[k].res.read != per ||
		    ra[k].res.last_seq > wa.last)
			ok = 0;
		mdbus_reader_close(ra[k].r);
	}
	printf("writer published %llu\n", (unsigned long long)wa.last);

	/* instruments added by one thread while another looks them up */
	mdbus_reader *r = NULL;
	CHECK_RC(mdbus__reader_attach_mem(&r, base, size, name, MDBUS_START_LATEST, err,
					  sizeof(err)),
		 0);
	pthread_t it;
	CHECK(pthread_create(&it, NULL, adder_main, w) == 0);
	uint32_t seen = 0;
	while (seen < 16) {
		uint32_t n = mdbus_reader_instrument_count(r);
		CHECK(n >= seen && n <= 16);
		for (uint32_t id = seen; id < n; id++) {
			struct mdbus_instrument in;
			CHECK_RC(mdbus_reader_instrument(r, id, &in), 0);
			uint32_t back = 99;
			CHECK_RC(mdbus_reader_lookup(r, in.venue, in.symbol, &back), 0);
			CHECK(back == id && (id == 0 || in.price_decimals == id % 19));
		}
		seen = n;
	}
	CHECK(pthread_join(it, NULL) == 0);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	th_bus_cleanup(name);
	return ok ? 0 : 1;
}
