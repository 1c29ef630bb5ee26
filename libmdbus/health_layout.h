/* SPDX-License-Identifier: MIT */
/*
 * health_layout.h: the atomic view of the health region whose byte map is
 * documented in include/mdbus_health.h. Private to libmdbus and its tests:
 * C11 only (uses _Atomic). Every record is a seqlock word followed by the
 * public struct's bytes as relaxed-atomic uint64 words, so a reader never
 * memcpy()s memory the writer may be changing.
 */
#ifndef MDBUS_HEALTH_LAYOUT_H
#define MDBUS_HEALTH_LAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"

#define MDBUS_HEALTH_FEED_WORDS	   (sizeof(struct mdbus_health_feed) / 8)
#define MDBUS_HEALTH_SESSION_WORDS (sizeof(struct mdbus_health_session) / 8)
#define MDBUS_HEALTH_INSTR_WORDS   (sizeof(struct mdbus_health_instr) / 8)

_Static_assert(sizeof(struct mdbus_health_feed) % 8 == 0, "feed is whole words");
_Static_assert(sizeof(struct mdbus_health_session) % 8 == 0, "session is whole words");
_Static_assert(sizeof(struct mdbus_health_instr) % 8 == 0, "instr is whole words");

struct mdbus_health_hdr {
	_Atomic uint64_t magic; /* stored last (release) by the writer's init */
	uint32_t version;
	uint32_t header_size;
	uint32_t session_size;
	uint32_t instr_size;
	uint32_t max_sessions;
	uint32_t max_instr;
	uint64_t region_size;
	_Atomic uint32_t session_count;
	uint32_t feed_payload;
	uint32_t session_payload;
	uint32_t instr_payload;
	uint8_t reserved0[MDBUS_HEALTH_FEED_OFF - 56];
	_Atomic uint64_t feed_seq;
	_Atomic uint64_t feed_words[MDBUS_HEALTH_FEED_WORDS];
	uint8_t reserved1[MDBUS_HEALTH_REGION_HDR - MDBUS_HEALTH_FEED_OFF - 8 -
			  sizeof(struct mdbus_health_feed)];
};

_Static_assert(offsetof(struct mdbus_health_hdr, magic) == 0, "hdr magic");
_Static_assert(offsetof(struct mdbus_health_hdr, version) == 8, "hdr version");
_Static_assert(offsetof(struct mdbus_health_hdr, header_size) == 12, "hdr header_size");
_Static_assert(offsetof(struct mdbus_health_hdr, session_size) == 16, "hdr session_size");
_Static_assert(offsetof(struct mdbus_health_hdr, instr_size) == 20, "hdr instr_size");
_Static_assert(offsetof(struct mdbus_health_hdr, max_sessions) == 24, "hdr max_sessions");
_Static_assert(offsetof(struct mdbus_health_hdr, max_instr) == 28, "hdr max_instr");
_Static_assert(offsetof(struct mdbus_health_hdr, region_size) == 32, "hdr region_size");
_Static_assert(offsetof(struct mdbus_health_hdr, session_count) == 40, "hdr session_count");
_Static_assert(offsetof(struct mdbus_health_hdr, feed_payload) == 44, "hdr feed_payload");
_Static_assert(offsetof(struct mdbus_health_hdr, session_payload) == 48, "hdr sess_payload");
_Static_assert(offsetof(struct mdbus_health_hdr, instr_payload) == 52, "hdr instr_payload");
_Static_assert(offsetof(struct mdbus_health_hdr, feed_seq) == MDBUS_HEALTH_FEED_OFF, "feed seq");
_Static_assert(offsetof(struct mdbus_health_hdr, feed_words) == 136, "feed words");
_Static_assert(offsetof(struct mdbus_health_hdr, reserved1) == 968, "hdr reserved1");
_Static_assert(sizeof(struct mdbus_health_hdr) == MDBUS_HEALTH_REGION_HDR, "hdr size");

struct mdbus_health_srec {
	_Atomic uint64_t seq;
	_Atomic uint64_t words[MDBUS_HEALTH_SESSION_WORDS];
	uint8_t reserved[MDBUS_HEALTH_SESSION_REC - 8 - sizeof(struct mdbus_health_session)];
};
_Static_assert(offsetof(struct mdbus_health_srec, seq) == 0, "srec seq");
_Static_assert(offsetof(struct mdbus_health_srec, words) == 8, "srec words");
_Static_assert(offsetof(struct mdbus_health_srec, reserved) == 2912, "srec reserved");
_Static_assert(sizeof(struct mdbus_health_srec) == MDBUS_HEALTH_SESSION_REC, "srec size");

struct mdbus_health_irec {
	_Atomic uint32_t status; /* enum mdbus_health_instr_status, one load */
	uint32_t reserved0;
	_Atomic uint64_t seq;
	_Atomic uint64_t words[MDBUS_HEALTH_INSTR_WORDS];
	uint8_t reserved1[MDBUS_HEALTH_INSTR_REC - 16 - sizeof(struct mdbus_health_instr)];
};
_Static_assert(offsetof(struct mdbus_health_irec, status) == 0, "irec status");
_Static_assert(offsetof(struct mdbus_health_irec, seq) == 8, "irec seq");
_Static_assert(offsetof(struct mdbus_health_irec, words) == 16, "irec words");
_Static_assert(offsetof(struct mdbus_health_irec, reserved1) == 152, "irec reserved");
_Static_assert(sizeof(struct mdbus_health_irec) == MDBUS_HEALTH_INSTR_REC, "irec size");

/* The region's record strides must match what layout.h reserves. */
#ifdef MDBUS_LAYOUT_H
/* The two macros are meant to expand to the same value: that is what this asserts. */
/* NOLINTNEXTLINE(misc-redundant-expression) */
_Static_assert(MDBUS_HEALTH_REGION_BYTES(3, 5) == MDBUS_HEALTH_SIZE(3, 5), "size formulas agree");
#endif

/* Bytes a region with this geometry needs (same formula as layout.h). */
static inline uint64_t mdbus_health__region_size(uint32_t max_sessions, uint32_t max_instr)
{
	return (uint64_t)MDBUS_HEALTH_REGION_HDR +
	       (uint64_t)max_sessions * MDBUS_HEALTH_SESSION_REC +
	       (uint64_t)max_instr * MDBUS_HEALTH_INSTR_REC;
}

#endif /* MDBUS_HEALTH_LAYOUT_H */
