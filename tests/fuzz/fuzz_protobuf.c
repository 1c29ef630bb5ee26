/* SPDX-License-Identifier: MIT */
/*
 * fuzz_protobuf.c: the decode stage's protobuf decoder
 * (feed_venue_pb_unpack, feedd/venues/decode.c) on arbitrary bytes, as
 * MEXC's PushDataV3ApiWrapper (feedd/venues/mexc.proto). The first input
 * byte picks a small scratch arena (64 B .. 16 KiB); the rest is the
 * frame. It is unpacked three ways: into the small arena, into a large one
 * (8 MiB: enough for any 64 KiB input) and with protobuf-c's own
 * allocator. Properties: the result is 0, -EMSGSIZE or -EBADMSG; the large
 * arena never runs out and agrees with protobuf-c's allocator (the arena
 * changes nothing but where the memory is); what fits the small arena
 * also decodes in the large one, to the same encoding; a decoded message
 * lies inside its arena (strings and arrays), and, when it holds no
 * unknown field, packing it, unpacking that and packing again gives the
 * same bytes. (protobuf-c keeps unknown fields as read, an over-long tag
 * 0 included, and writes that tag back in a form its reader refuses: a
 * protobuf-c quirk, not the arena's.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <protobuf-c/protobuf-c.h>

#include "config.h"
#include "fuzz.h"
#include "mexc.pb-c.h"
#include "venue.h"

#define FZ_BIG	 ((size_t)8 << 20)
#define FZ_INPUT ((size_t)64 << 10)

static uint8_t *fz_big, *fz_small, *fz_pack[2];

static void fz_cleanup(void)
{
	free(fz_big);
	free(fz_small);
	free(fz_pack[0]);
	free(fz_pack[1]);
}

/* libFuzzer's signature. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_big = malloc(FZ_BIG);
	fz_small = malloc(16 << 10);
	fz_pack[0] = malloc(FZ_BIG);
	fz_pack[1] = malloc(FZ_BIG);
	FUZZ_CHECK(fz_big && fz_small && fz_pack[0] && fz_pack[1]);
	atexit(fz_cleanup);
	return 0;
}

static int fz_inside(const void *p, const struct feed_venue_ctx *v)
{
	const uint8_t *q = p;

	return p == protobuf_c_empty_string ||
	       (q >= v->scratch && q < v->scratch + v->scratch_size);
}

/* One side of a depth body: the array and each level's strings. */
static void fz_check_levels(Mexc__PublicAggreDepthV3ApiItem *const *l, size_t n,
			    const struct feed_venue_ctx *v)
{
	FUZZ_CHECK(n == 0 || fz_inside(l, v));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(fz_inside(l[i], v) && fz_inside(l[i]->price, v) &&
			   fz_inside(l[i]->quantity, v));
}

static void fz_check_depths(const Mexc__PublicAggreDepthsV3Api *d, const struct feed_venue_ctx *v)
{
	FUZZ_CHECK(fz_inside(d, v) && fz_inside(d->eventtype, v) && fz_inside(d->fromversion, v) &&
		   fz_inside(d->toversion, v));
	fz_check_levels(d->asks, d->n_asks, v);
	fz_check_levels(d->bids, d->n_bids, v);
}

/* Every string and array of a decoded wrapper lies in the arena. */
static void fz_check_inside(const Mexc__PushDataV3ApiWrapper *w, const struct feed_venue_ctx *v)
{
	FUZZ_CHECK(fz_inside(w, v) && fz_inside(w->channel, v) && fz_inside(w->symbol, v) &&
		   fz_inside(w->symbolid, v));
	if (w->body_case == MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS) {
		const Mexc__PublicAggreDealsV3Api *d = w->publicaggredeals;

		FUZZ_CHECK(fz_inside(d, v) && fz_inside(d->eventtype, v));
		FUZZ_CHECK(d->n_deals == 0 || fz_inside(d->deals, v));
		for (size_t i = 0; i < d->n_deals; i++)
			FUZZ_CHECK(fz_inside(d->deals[i], v) && fz_inside(d->deals[i]->price, v) &&
				   fz_inside(d->deals[i]->quantity, v) &&
				   fz_inside(d->deals[i]->tradeid, v));
	} else if (w->body_case == MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_BOOK_TICKER) {
		const Mexc__PublicAggreBookTickerV3Api *b = w->publicaggrebookticker;

		FUZZ_CHECK(fz_inside(b, v) && fz_inside(b->bidprice, v) &&
			   fz_inside(b->askquantity, v));
	} else if (w->body_case == MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEPTHS) {
		fz_check_depths(w->publicaggredepths, v);
	} else {
		FUZZ_CHECK(w->body_case == MEXC__PUSH_DATA_V3_API_WRAPPER__BODY__NOT_SET);
	}
}

/* Any unknown field kept anywhere in the wrapper. */
static int fz_unknown(const Mexc__PushDataV3ApiWrapper *w)
{
	int u = w->base.n_unknown_fields != 0;

	if (w->body_case == MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS) {
		u |= w->publicaggredeals->base.n_unknown_fields != 0;
		for (size_t i = 0; i < w->publicaggredeals->n_deals; i++)
			u |= w->publicaggredeals->deals[i]->base.n_unknown_fields != 0;
	} else if (w->body_case == MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_BOOK_TICKER) {
		u |= w->publicaggrebookticker->base.n_unknown_fields != 0;
	} else if (w->body_case == MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEPTHS) {
		const Mexc__PublicAggreDepthsV3Api *d = w->publicaggredepths;

		u |= d->base.n_unknown_fields != 0;
		for (size_t i = 0; i < d->n_asks; i++)
			u |= d->asks[i]->base.n_unknown_fields != 0;
		for (size_t i = 0; i < d->n_bids; i++)
			u |= d->bids[i]->base.n_unknown_fields != 0;
	}
	return u;
}

/* pack(m) into fz_pack[k]; its length. */
static size_t fz_packed(const ProtobufCMessage *m, int k)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	FUZZ_CHECK(n <= FZ_BIG);
	FUZZ_CHECK(protobuf_c_message_pack(m, fz_pack[k]) == n);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCMessageDescriptor *d = &mexc__push_data_v3_api_wrapper__descriptor;
	struct feed_venue_ctx big, small;
	ProtobufCMessage *mb, *ms, *mm;
	const uint8_t *p = data + (size ? 1 : 0);
	size_t n = size ? size - 1 : 0, nb, k;
	int rb, rs;

	if (n > FZ_INPUT)
		return 0;
	memset(&big, 0, sizeof(big));
	memset(&small, 0, sizeof(small));
	big.scratch = fz_big;
	big.scratch_size = FZ_BIG;
	small.scratch = fz_small;
	small.scratch_size = (size_t)64 << ((size ? data[0] : 0) % 9);

	rs = feed_venue_pb_unpack(&small, d, p, n, &ms);
	rb = feed_venue_pb_unpack(&big, d, p, n, &mb);
	FUZZ_CHECK(rs == 0 || rs == -EMSGSIZE || rs == -EBADMSG);
	FUZZ_CHECK(rb == 0 || rb == -EBADMSG);
	mm = protobuf_c_message_unpack(d, NULL, n, p);
	FUZZ_CHECK((mm != NULL) == (rb == 0));
	if (rs == 0)
		FUZZ_CHECK(rb == 0);
	if (rb != 0) {
		FUZZ_CHECK(rs != 0);
		return 0;
	}
	fz_check_inside((const Mexc__PushDataV3ApiWrapper *)mb, &big);
	nb = fz_packed(mb, 0);
	k = fz_packed(mm, 1);
	FUZZ_CHECK(k == nb && memcmp(fz_pack[0], fz_pack[1], nb) == 0);
	protobuf_c_message_free_unpacked(mm, NULL);
	if (rs == 0) {
		fz_check_inside((const Mexc__PushDataV3ApiWrapper *)ms, &small);
		k = fz_packed(ms, 1);
		FUZZ_CHECK(k == nb && memcmp(fz_pack[0], fz_pack[1], nb) == 0);
	}
	/* pack, unpack, pack: the same bytes (fz_pack[0] is the first pack) */
	if (fz_unknown((const Mexc__PushDataV3ApiWrapper *)mb))
		return 0;
	FUZZ_CHECK(feed_venue_pb_unpack(&big, d, fz_pack[0], nb, &mb) == 0);
	k = fz_packed(mb, 1);
	FUZZ_CHECK(k == nb && memcmp(fz_pack[0], fz_pack[1], nb) == 0);
	return 0;
}
