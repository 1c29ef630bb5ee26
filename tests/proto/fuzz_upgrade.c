/* SPDX-License-Identifier: MIT */
/*
 * fuzz_upgrade.c - libFuzzer driver for the HTTP upgrade response parser
 * (clang only, not in any suite).  Input is split at a byte chosen by the
 * first input byte to exercise the incremental path.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "upgrade.h"

static char fz_hdr[FEED_UPGRADE_HDR_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_upgrade u;
	char req[512];
	size_t n, used = 0, split;
	int r;

	if (size < 1)
		return 0;
	feed_upgrade_init(&u, fz_hdr, sizeof(fz_hdr));
	if (feed_upgrade_request(&u, "localhost", 443, 1, "/", req, sizeof(req), &n) != 0)
		return 0;
	split = 1 + data[0] % (size);
	if (split > size)
		split = size;
	r = feed_upgrade_parse(&u, data + 1, split - 1, &used);
	if (r == 0 && split < size)
		r = feed_upgrade_parse(&u, data + split, size - split, &used);
	if (r == 1 && used > size)
		__builtin_trap();
	if (r < 0 && u.err[0] == '\0')
		__builtin_trap(); /* every failure has a reason */
	return 0;
}
