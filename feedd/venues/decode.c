/* SPDX-License-Identifier: MIT */
/*
 * decode.c: the decode stage's gzip/deflate decoder (venue.h,
 * FEED_VENUE_F_GZIP). The inflate state is made once per ctx (at set-up)
 * and reset per message, so the hot path
 * neither allocates nor syscalls; the output goes into the ctx's scratch
 * buffer, and a message larger than the scratch is refused, not truncated.
 *
 * Also the protobuf decoder (feed_venue_pb_unpack, MEXC spot): protobuf-c
 * unpacks into an arena over the same scratch, reset per message, so a
 * protobuf frame costs no allocation either; a message whose unpacked form
 * does not fit is refused the same way.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <protobuf-c/protobuf-c.h>
#define ZLIB_CONST /* next_in is const: no cast */
#include <zlib.h>

#include "venue.h"

/* windowBits 15 + 32: zlib or gzip, detected from the header. Raw deflate
 * (no header: some venues send that) needs -15, chosen per message. */
#define DEC_WBITS_AUTO (15 + 32)
#define DEC_WBITS_RAW  (-15)

/* Two inflate states, made once per ctx (ctx_init for a GZIP venue): [0]
 * for zlib/gzip, [1] for raw deflate. Each keeps its window after the
 * first message: switching windowBits on one state would free and
 * re-allocate it, so the hot path only ever calls inflateReset. */
int feed_venue_decode_init(struct feed_venue_ctx *v)
{
	z_stream *zs;

	if (v->zs)
		return 0;
	zs = calloc(2, sizeof(*zs));
	if (!zs)
		return -ENOMEM;
	if (inflateInit2(&zs[0], DEC_WBITS_AUTO) != Z_OK) {
		free(zs);
		return -ENOMEM;
	}
	if (inflateInit2(&zs[1], DEC_WBITS_RAW) != Z_OK) {
		inflateEnd(&zs[0]);
		free(zs);
		return -ENOMEM;
	}
	v->zs = zs;
	return 0;
}

static z_stream *decode_stream(struct feed_venue_ctx *v, int raw)
{
	z_stream *zs = v->zs;

	if (!zs)
		return NULL; /* no decode_init: not a GZIP venue */
	return inflateReset(&zs[raw]) == Z_OK ? &zs[raw] : NULL;
}

/* gzip starts 1f 8b; a zlib header is CMF/FLG with CM 8 and a checksum;
 * anything else is taken as raw deflate. */
static int decode_is_raw(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return 0;
	if (n >= 2 && (p[0] & 0x0f) == 8 && ((p[0] << 8) | p[1]) % 31 == 0)
		return 0;
	return 1;
}

int feed_venue_gunzip(struct feed_venue_ctx *v, const uint8_t *p, size_t n, const uint8_t **out,
		      size_t *out_n)
{
	z_stream *zs;
	int rc;

	if (!v->scratch || n > UINT32_MAX)
		return -EMSGSIZE;
	zs = decode_stream(v, decode_is_raw(p, n));
	if (!zs)
		return -ENOMEM;
	zs->next_in = p;
	zs->avail_in = (uInt)n;
	zs->next_out = v->scratch;
	zs->avail_out = (uInt)(v->scratch_size > UINT32_MAX ? UINT32_MAX : v->scratch_size);
	rc = inflate(zs, Z_FINISH);
	if (rc == Z_STREAM_END) {
		*out = v->scratch;
		*out_n = (size_t)(zs->next_out - v->scratch);
		return 0;
	}
	/* Output full with input left: larger than the scratch. */
	if ((rc == Z_BUF_ERROR || rc == Z_OK) && zs->avail_out == 0)
		return -EMSGSIZE;
	if (rc == Z_MEM_ERROR)
		return -ENOMEM;
	return -EBADMSG; /* Z_DATA_ERROR, or input that ends mid-stream */
}

/* The two inflate states of feed_venue_decode_init; NULL does nothing. */
static void decode_zs_free(z_stream *zs)
{
	if (!zs)
		return;
	inflateEnd(&zs[0]);
	inflateEnd(&zs[1]);
	free(zs);
}

void feed_venue_decode_free(struct feed_venue_ctx *v)
{
	decode_zs_free(v->zs);
	v->zs = NULL;
}

void feed_venue_decoder_adopt(struct feed_venue_decoder *d, struct feed_venue_ctx *v)
{
	if (!v->scratch || v->dec)
		return;
	if (!d->scratch) { /* the first: its buffers become the shared ones */
		d->scratch = v->scratch;
		d->size = v->scratch_size;
	} else if (v->scratch_size <= d->size) {
		free(v->scratch);
		v->scratch = d->scratch;
		v->scratch_size = d->size;
	} else {
		return;
	}
	if (v->zs && !d->zs) {
		d->zs = v->zs;
	} else if (v->zs) {
		feed_venue_decode_free(v);
		v->zs = d->zs;
	}
	v->dec = d;
}

void feed_venue_decoder_free(struct feed_venue_decoder *d)
{
	decode_zs_free(d->zs);
	free(d->scratch);
	memset(d, 0, sizeof(*d));
}

/* ---- protobuf (protobuf-c) into a fixed arena -------------------------------- */

/* An arena over the ctx's scratch, emptied per message: protobuf-c's
 * allocations (the message, its strings, repeated arrays, unknown fields)
 * are cut from it in order, and nothing is ever freed one by one. */
struct pb_arena {
	uint8_t *base;
	size_t size, used;
	int overflow;
};

#define PB_ALIGN ((size_t) _Alignof(max_align_t))

static void *pb_alloc(void *data, size_t n)
{
	struct pb_arena *a = data;
	size_t need = (n + PB_ALIGN - 1) & ~(PB_ALIGN - 1);

	if (need < n || need > a->size - a->used) {
		a->overflow = 1;
		return NULL;
	}
	a->used += need;
	return a->base + a->used - need;
}

static void pb_free(void *data, void *p)
{
	(void)data, (void)p; /* the whole arena goes at the next message */
}

int feed_venue_pb_unpack(struct feed_venue_ctx *v, const struct ProtobufCMessageDescriptor *d,
			 const uint8_t *p, size_t n, struct ProtobufCMessage **msg)
{
	size_t skip = (PB_ALIGN - (uintptr_t)v->scratch % PB_ALIGN) % PB_ALIGN;
	struct pb_arena a = {.base = NULL};
	ProtobufCAllocator alloc = {.alloc = pb_alloc, .free = pb_free, .allocator_data = &a};

	if (!v->scratch || v->scratch_size < skip + PB_ALIGN)
		return -EMSGSIZE;
	a.base = v->scratch + skip;
	a.size = v->scratch_size - skip;
	*msg = protobuf_c_message_unpack(d, &alloc, n, p);
	if (*msg)
		return 0;
	return a.overflow ? -EMSGSIZE : -EBADMSG;
}
