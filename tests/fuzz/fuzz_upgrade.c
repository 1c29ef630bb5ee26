/* SPDX-License-Identifier: MIT */
/*
 * fuzz_upgrade.c: the HTTP upgrade response parser (feedd/proto/upgrade.c).
 * The first input byte picks where the rest is split in two; the response is
 * parsed once whole and once in those two pieces, with the RFC 6455 sample
 * key so that a well-formed 101 can be accepted. Properties: the two ways
 * agree (result, status, Retry-After, reason, end of the header), an accepted
 * upgrade consumed no more than it was given, every failure has a reason.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "upgrade.h"

static char fz_hdr_a[FEED_UPGRADE_HDR_MAX], fz_hdr_b[FEED_UPGRADE_HDR_MAX];

/* A parser expecting the RFC 6455 section 1.3 sample key. */
static void fz_upgrade_init(struct feed_upgrade *u, char *hdr)
{
	char req[512];
	size_t n;

	feed_upgrade_init(u, hdr, FEED_UPGRADE_HDR_MAX);
	FUZZ_CHECK(feed_upgrade_request(u, "localhost", 443, 1, "/", req, sizeof(req), &n) == 0);
	FUZZ_CHECK(n < sizeof(req));
	snprintf(u->key, sizeof(u->key), "dGhlIHNhbXBsZSBub25jZQ==");
	FUZZ_CHECK(feed_upgrade_accept_for(u->key, u->accept, sizeof(u->accept)) == 0);
	FUZZ_CHECK(strcmp(u->accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
}

static void fz_upgrade_result(const struct feed_upgrade *u, int r, size_t fed)
{
	FUZZ_CHECK(r == 0 || r == 1 || r == -EPROTO);
	if (r == 1)
		FUZZ_CHECK(u->done == 1 && u->status == 101 && fed == u->hdr_len);
	if (r < 0)
		FUZZ_CHECK(u->err[0] != '\0' && strlen(u->err) < sizeof(u->err));
	FUZZ_CHECK(u->hdr_len < u->hdr_cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_upgrade a, b;
	size_t used_a = 0, used_b = 0, split, end_b;
	int ra, rb;

	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	split = n ? data[0] % (n + 1) : 0;

	fz_upgrade_init(&a, fz_hdr_a);
	ra = feed_upgrade_parse(&a, p, n, &used_a);
	fz_upgrade_result(&a, ra, used_a);

	fz_upgrade_init(&b, fz_hdr_b);
	rb = feed_upgrade_parse(&b, p, split, &used_b);
	end_b = used_b;
	if (rb == 0) {
		FUZZ_CHECK(used_b == split);
		rb = feed_upgrade_parse(&b, p + split, n - split, &used_b);
		end_b = split + used_b;
	}
	fz_upgrade_result(&b, rb, end_b);

	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(a.status == b.status && a.retry_after_ms == b.retry_after_ms);
	FUZZ_CHECK(strcmp(a.err, b.err) == 0);
	if (ra == 1)
		FUZZ_CHECK(used_a == end_b);
	/* Once decided, more bytes change nothing. */
	if (ra != 0) {
		size_t u2 = 7;
		FUZZ_CHECK(feed_upgrade_parse(&a, p, n, &u2) == ra && u2 == 0);
	}
	return 0;
}
