/* SPDX-License-Identifier: MIT */
/* The byte map: offsets and sizes (beyond layout.h's static asserts, which
 * this file also compiles), and the geometry the writer computes. */
#include <stddef.h>

#include "helpers.h"
#include "internal.h"

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	CHECK(sizeof(struct mdbus_tick) == 56);
	CHECK(offsetof(struct mdbus_tick, instrument) == 0);
	CHECK(offsetof(struct mdbus_tick, kind) == 4);
	CHECK(offsetof(struct mdbus_tick, flags) == 5);
	CHECK(offsetof(struct mdbus_tick, exch_ts) == 8);
	CHECK(offsetof(struct mdbus_tick, recv_ts) == 16);
	CHECK(offsetof(struct mdbus_tick, u.trade.price) == 24);
	CHECK(offsetof(struct mdbus_tick, u.bbo.ask_qty) == 48);
	CHECK(sizeof(((struct mdbus_tick *)0)->u) == 32);
	CHECK(sizeof(struct mdbus_slot) == 64);
	CHECK(sizeof(struct mdbus_seg_header) == 4096);
	CHECK(offsetof(struct mdbus_seg_header, write_seq) % 64 == 0);
	CHECK(offsetof(struct mdbus_seg_header, wake_seq) % 64 == 0);
	CHECK(offsetof(struct mdbus_seg_header, write_seq) / 64 !=
	      offsetof(struct mdbus_seg_header, instr_count) / 64);
	CHECK(sizeof(struct mdbus_seg_instr) == 128);
	CHECK(MDBUS_HEALTH_SIZE(64, 4096) == 4096u + 64u * 3072u + 4096u * 256u);

	struct mdbus__geom g;
	char err[200];
	CHECK_RC(mdbus__geom_compute(0, 0, 0, &g, err, sizeof(err)), 0);
	CHECK(g.slots == 65536 && g.instr_capacity == 4096 && g.max_sessions == 64);
	CHECK(g.instr_off == 4096 && g.instr_size == 4096ULL * 128u);
	CHECK(g.health_off == g.instr_off + g.instr_size);
	CHECK(g.health_size == MDBUS_HEALTH_SIZE(64, 4096));
	CHECK(g.ring_off % 4096 == 0 && g.ring_off >= g.health_off + g.health_size);
	CHECK(g.ring_size == 65536ULL * 64u);
	CHECK(g.total_size == g.ring_off + g.ring_size);

	CHECK_RC(mdbus__geom_compute(100, 0, 0, &g, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "power of two") != NULL);
	CHECK_RC(mdbus__geom_compute(32, 0, 0, &g, err, sizeof(err)), -EINVAL);
	CHECK_RC(mdbus__geom_compute(64, 1, 1, &g, err, sizeof(err)), 0);
	CHECK(g.total_size % 4096 == 0);
	CHECK_RC(mdbus__geom_compute(1u << 27, 0, 0, &g, err, sizeof(err)), -EINVAL);
	CHECK_RC(mdbus__geom_compute(64, (1u << 20) + 1, 0, &g, err, sizeof(err)), -EINVAL);
	CHECK_RC(mdbus__geom_compute(64, 0, 65537, &g, err, sizeof(err)), -EINVAL);

	/* a real segment's header matches the computed geometry */
	char name[64];
	th_bus_name(name, sizeof(name), "layout");
	mdbus_writer *w = th_writer(name, 128);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	struct mdbus_info info;
	CHECK_RC(mdbus_reader_info(r, &info), 0);
	CHECK_RC(mdbus__geom_compute(128, 16, 4, &g, err, sizeof(err)), 0);
	CHECK(info.total_size == g.total_size && info.slots == 128);
	CHECK(info.max_instruments == 16 && info.max_sessions == 4);
	CHECK(info.writer_pid == (uint32_t)getpid());
	CHECK(info.writer_state == MDBUS_WRITER_RUNNING);
	CHECK(info.abi_version == MDBUS_ABI_VERSION);
	CHECK(info.epoch == mdbus_writer_epoch(w) && info.epoch != 0);
	CHECK(info.epoch == mdbus_reader_epoch(r));
	CHECK(info.created_ns > 1600000000000000000LL);
	size_t hs = 0, rs = 0;
	unsigned char *wh = mdbus_writer_health(w, &hs);
	const unsigned char *rh = mdbus_reader_health(r, &rs);
	CHECK(hs == MDBUS_HEALTH_SIZE(4, 16) && rs == hs);
	for (size_t i = 0; i < hs; i++)
		CHECK(rh[i] == 0); /* zeroed */
	wh[hs - 1] = 0x5a;	   /* the writer's region is what readers see */
	CHECK(rh[hs - 1] == 0x5a);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	th_bus_cleanup(name);
	return 0;
}
