/* SPDX-License-Identifier: MIT */
/*
 * test_health_region: the region byte map (offsets as documented), init,
 * bounds, and refusal of corrupt or foreign regions by every reader entry.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdbus.h"
#include "layout.h"
#include "health_layout.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define NS 3u
#define NI 5u

static uint64_t rd64(const void *p, size_t off)
{
	uint64_t v;
	memcpy(&v, (const char *)p + off, 8);
	return v;
}

static uint32_t rd32(const void *p, size_t off)
{
	uint32_t v;
	memcpy(&v, (const char *)p + off, 4);
	return v;
}

static void wr32(void *p, size_t off, uint32_t v)
{
	memcpy((char *)p + off, &v, 4);
}

static void wr64(void *p, size_t off, uint64_t v)
{
	memcpy((char *)p + off, &v, 8);
}

/* Every reader entry point must refuse the region with `want`. */
static void expect_refused(void *r, size_t size, int want, const char *what)
{
	struct mdbus_health_feed f;
	struct mdbus_health_session s;
	struct mdbus_health_instr in;
	int got[5] = {
		mdbus_health_check(r, size, NULL),
		mdbus_health_read_feed(r, size, &f),
		mdbus_health_read_session(r, size, 0, &s),
		mdbus_health_read_instr(r, size, 0, &in),
		mdbus_health_read_instr_status(r, size, 0),
	};
	for (int i = 0; i < 5; i++)
		if (got[i] != want) {
			fprintf(stderr, "FAIL %s: entry %d returned %d, want %d\n", what, i, got[i],
				want);
			failures++;
		}
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	size_t size = MDBUS_HEALTH_SIZE(NS, NI);
	void *r = aligned_alloc(64, size + 4096);
	void *copy = aligned_alloc(64, size + 4096);
	struct mdbus_health_geom g;
	struct mdbus_health_feed f;
	struct mdbus_health_session s;
	struct mdbus_health_instr in;

	/* Strides agree with layout.h's reservation. */
	CHECK(MDBUS_HEALTH_SIZE(NS, NI) == 4096u + NS * 3072u + NI * 256u);
	CHECK(MDBUS_HEALTH_SIZE(0, 0) == MDBUS_HEALTH_REGION_HDR);

	memset(r, 0xa5, size + 4096);
	CHECK(mdbus_health_writer_init(NULL, size, NS, NI) == -EINVAL);
	CHECK(mdbus_health_writer_init(r, size - 1, NS, NI) == -EINVAL);
	/* Before init: not ready (magic garbage is "corrupt"), then zeroed. */
	memset(r, 0, size);
	expect_refused(r, size, -EAGAIN, "magic 0");
	CHECK(mdbus_health_publish_feed(r, &f) == -EINVAL);
	/* Sessions counted too early (0): the slice's spare records are used. */
	CHECK(mdbus_health_writer_init(r, size, 0, NI) == 0);
	CHECK(mdbus_health_check(r, size, &g) == 0 && g.max_sessions == NS && g.max_instr == NI);
	CHECK(mdbus_health_writer_init(r, size + 100, 1, NI) == 0); /* partial record unused */
	CHECK(mdbus_health_check(r, size + 100, &g) == 0 && g.max_sessions == NS &&
	      g.region_size == size);
	memset(r, 0xa5, size + 4096);
	CHECK(mdbus_health_writer_init(r, size, NS, NI) == 0);

	/* Header bytes at the documented offsets. */
	CHECK(rd64(r, 0) == MDBUS_HEALTH_MAGIC);
	CHECK(rd32(r, 8) == MDBUS_HEALTH_VERSION);
	CHECK(rd32(r, 12) == 4096);
	CHECK(rd32(r, 16) == 3072);
	CHECK(rd32(r, 20) == 256);
	CHECK(rd32(r, 24) == NS);
	CHECK(rd32(r, 28) == NI);
	CHECK(rd64(r, 32) == size);
	CHECK(rd32(r, 40) == 0);
	CHECK(rd32(r, 44) == sizeof(struct mdbus_health_feed));
	CHECK(rd32(r, 48) == sizeof(struct mdbus_health_session));
	CHECK(rd32(r, 52) == sizeof(struct mdbus_health_instr));
	CHECK(rd64(r, 128) == 0);		   /* feed seq: never published */
	CHECK(((unsigned char *)r)[size] == 0xa5); /* nothing written past the region */

	CHECK(mdbus_health_check(r, size, &g) == 0);
	CHECK(g.max_sessions == NS && g.max_instr == NI && g.session_count == 0);
	CHECK(g.region_size == size && g.version == MDBUS_HEALTH_VERSION);
	/* A larger segment slice is fine; a smaller one is not. */
	CHECK(mdbus_health_check(r, size + 4096, NULL) == 0);
	CHECK(mdbus_health_check(r, size - 1, NULL) == -ERANGE);
	CHECK(mdbus_health_check(r, 100, NULL) == -EINVAL);
	CHECK(mdbus_health_check(NULL, size, NULL) == -EINVAL);

	/* Never published. */
	CHECK(mdbus_health_read_feed(r, size, &f) == -ENODATA);
	CHECK(mdbus_health_read_session(r, size, 0, &s) == -ENOENT);
	CHECK(mdbus_health_read_instr(r, size, 0, &in) == -ENODATA);
	CHECK(mdbus_health_read_instr_status(r, size, 0) == MDBUS_HEALTH_INSTR_UNKNOWN);

	/* Publish and read back; record bytes land at the documented offsets. */
	memset(&f, 0, sizeof(f));
	f.pid = 4242;
	f.heartbeat_mono_ns = 77;
	strcpy(f.config, "feedd.ini");
	CHECK(mdbus_health_publish_feed(r, &f) == 0);
	CHECK(rd64(r, 128) == 2);
	CHECK(rd32(r, 136) == 4242);
	CHECK(rd64(r, 136 + 24) == 77);
	CHECK(strcmp((char *)r + 136 + 80, "feedd.ini") == 0);
	memset(&f, 0, sizeof(f));
	CHECK(mdbus_health_read_feed(r, size, &f) == 0 && f.pid == 4242 &&
	      strcmp(f.config, "feedd.ini") == 0);

	memset(&s, 0, sizeof(s));
	strcpy(s.name, "sess-b");
	s.state = MDBUS_HEALTH_ST_LIVE;
	s.messages = 99;
	CHECK(mdbus_health_publish_session(r, NS, &s) == -ERANGE);
	CHECK(mdbus_health_publish_session(r, 1, &s) == 0);
	CHECK(rd32(r, 40) == 2); /* session_count raised to idx + 1 */
	size_t s1 = 4096 + 3072;
	CHECK(rd64(r, s1) == 2);
	CHECK(strcmp((char *)r + s1 + 8, "sess-b") == 0);
	CHECK(rd32(r, s1 + 8 + 112) == MDBUS_HEALTH_ST_LIVE);
	CHECK(rd64(r, s1 + 8 + 408) == 99);
	CHECK(mdbus_health_read_session(r, size, 0, &s) == -ENODATA);
	CHECK(mdbus_health_read_session(r, size, 1, &s) == 0 && s.messages == 99);
	CHECK(mdbus_health_read_session(r, size, 2, &s) == -ENOENT);
	CHECK(mdbus_health_read_session(r, size, NS, &s) == -ERANGE);
	/* A head publish: the fields before the histograms change, the
	 * histograms keep what the last whole publish stored. */
	s.hop[MDBUS_HOP_KERNEL_DECRYPT].count = 7;
	s.hop[MDBUS_HOP_KERNEL_DECRYPT].bucket[10] = 7;
	CHECK(mdbus_health_publish_session(r, 1, &s) == 0);
	CHECK(rd64(r, s1) == 4);
	CHECK(rd64(r, s1 + 8 + 728 + 528) == 7); /* hop[1].count at its documented offset */
	s.messages = 100;
	s.hop[MDBUS_HOP_KERNEL_DECRYPT].count = 9;
	CHECK(mdbus_health_publish_session_head(r, 1, &s,
						offsetof(struct mdbus_health_session, hop)) == 0);
	CHECK(rd64(r, s1) == 6);
	CHECK(mdbus_health_read_session(r, size, 1, &s) == 0 && s.messages == 100);
	CHECK(s.hop[MDBUS_HOP_KERNEL_DECRYPT].count == 7 &&
	      s.hop[MDBUS_HOP_KERNEL_DECRYPT].bucket[10] == 7);
	/* A skip publish: every field but the histograms, the REST block
	 * after them included (at its documented offsets). */
	s.messages = 101;
	s.hop[MDBUS_HOP_KERNEL_DECRYPT].count = 11;
	s.rest.weight = 250;
	s.rest.limit = 6000;
	s.rest.queued = 3;
	s.rest.n429 = 2;
	s.rest.blocked_until_ns = 123456789;
	CHECK(mdbus_health_publish_session_skip(
		      r, 1, &s, offsetof(struct mdbus_health_session, hop), sizeof(s.hop)) == 0);
	CHECK(rd64(r, s1) == 8);
	CHECK(rd32(r, s1 + 8 + 2840) == 250);
	CHECK(rd32(r, s1 + 8 + 2840 + 4) == 6000);
	CHECK(rd32(r, s1 + 8 + 2840 + 12) == 3);
	CHECK(rd64(r, s1 + 8 + 2840 + 40) == 2);
	CHECK(rd64(r, s1 + 8 + 2840 + 56) == 123456789);
	CHECK(rd64(r, s1 + 8 + 2904) == 0); /* the record's reserved tail */
	memset(&s, 0, sizeof(s));
	CHECK(mdbus_health_read_session(r, size, 1, &s) == 0 && s.messages == 101);
	CHECK(s.hop[MDBUS_HOP_KERNEL_DECRYPT].count == 7 && s.rest.weight == 250 &&
	      s.rest.limit == 6000 && s.rest.n429 == 2 && s.rest.blocked_until_ns == 123456789);
	/* A range holding no whole word skips nothing. */
	s.hop[MDBUS_HOP_KERNEL_DECRYPT].count = 11;
	CHECK(mdbus_health_publish_session_skip(r, 1, &s, 1, 14) == 0);
	CHECK(rd64(r, s1 + 8 + 728 + 528) == 11);
	CHECK(mdbus_health_publish_session_skip(r, NS, &s, 0, 8) == -ERANGE);
	CHECK(mdbus_health_publish_session_head(r, NS, &s, 8) == -ERANGE);
	CHECK(mdbus_health_set_session_count(r, NS + 1) == -ERANGE);
	CHECK(mdbus_health_set_session_count(r, 1) == 0);
	CHECK(mdbus_health_read_session(r, size, 1, &s) == -ENOENT);
	CHECK(mdbus_health_set_session_count(r, 2) == 0);

	memset(&in, 0, sizeof(in));
	in.id = 12345; /* forced to the record index */
	in.last_price = 6500012;
	in.status = MDBUS_HEALTH_INSTR_LIVE;
	CHECK(mdbus_health_publish_instr(r, NI, &in) == -ERANGE);
	CHECK(mdbus_health_publish_instr(r, 4, &in) == 0);
	size_t i4 = 4096 + NS * 3072 + 4 * 256;
	CHECK(rd32(r, i4) == MDBUS_HEALTH_INSTR_LIVE);
	CHECK(rd64(r, i4 + 8) == 2);
	CHECK(rd32(r, i4 + 16) == 4);
	CHECK(rd64(r, i4 + 16 + 32) == 6500012);
	CHECK(mdbus_health_set_instr_status(r, 4, MDBUS_HEALTH_INSTR_GAP) == 0);
	CHECK(mdbus_health_set_instr_status(r, NI, MDBUS_HEALTH_INSTR_GAP) == -ERANGE);
	CHECK(mdbus_health_read_instr_status(r, size, 4) == MDBUS_HEALTH_INSTR_GAP);
	CHECK(mdbus_health_read_instr_status(r, size, NI) == -ERANGE);
	/* A publish with status 0 keeps the word; the snapshot shows it. */
	in.status = 0;
	in.last_price = 6500013;
	CHECK(mdbus_health_publish_instr(r, 4, &in) == 0);
	CHECK(mdbus_health_read_instr(r, size, 4, &in) == 0 && in.id == 4 &&
	      in.status == MDBUS_HEALTH_INSTR_GAP && in.last_price == 6500013);
	CHECK(rd64(r, i4 + 8) == 4);

	/* A writer that died in the middle of a copy: seq stays odd. */
	memcpy(copy, r, size);
	wr64(copy, 128, 3);
	CHECK(mdbus_health_read_feed(copy, size, &f) == -EAGAIN);

	/* Corruptions, each on a fresh copy. */
	memcpy(copy, r, size);
	wr64(copy, 0, 0x4141414141414141ull);
	expect_refused(copy, size, -EBADMSG, "bad magic");

	memcpy(copy, r, size);
	wr32(copy, 8, MDBUS_HEALTH_VERSION + 1);
	expect_refused(copy, size, -EPROTONOSUPPORT, "future version");

	static const size_t geom_fields[] = {12, 16, 20, 44, 48, 52};
	for (size_t i = 0; i < sizeof(geom_fields) / sizeof(geom_fields[0]); i++) {
		memcpy(copy, r, size);
		wr32(copy, geom_fields[i], rd32(copy, geom_fields[i]) + 8);
		expect_refused(copy, size, -ERANGE, "stride/payload");
	}

	memcpy(copy, r, size);
	wr32(copy, 24, 0x7fffffff); /* max_sessions beyond the region */
	expect_refused(copy, size, -ERANGE, "max_sessions");

	memcpy(copy, r, size);
	wr32(copy, 28, NI + 1); /* region_size no longer matches */
	expect_refused(copy, size, -ERANGE, "max_instr");

	memcpy(copy, r, size);
	wr32(copy, 28, NI + 16);
	wr64(copy, 32, MDBUS_HEALTH_SIZE(NS, NI + 16)); /* consistent but too big */
	expect_refused(copy, size, -ERANGE, "region bigger than the segment slice");

	/* A garbage session_count is clamped, never trusted. */
	memcpy(copy, r, size);
	wr32(copy, 40, 0xffffffffu);
	CHECK(mdbus_health_check(copy, size, &g) == 0 && g.session_count == NS);
	CHECK(mdbus_health_read_session(copy, size, NS, &s) == -ERANGE);

	free(r);
	free(copy);
	if (failures)
		return 1;
	printf("region: all checks pass\n");
	return 0;
}
