/* SPDX-License-Identifier: MIT */
/*
 * fuzz_session.h: the venue session a fuzz target drives an adapter with
 * (fuzz_venues, fuzz_rest_parse, fuzz_refdata): named "fuzz", up to a few
 * symbols of one market that the adapter takes, the venue's own scales.
 */
#ifndef FUZZ_SESSION_H
#define FUZZ_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "venue.h"

#define FUZZ_SESSION_SYMS 4 /* symbols at most */

/* Opens *v for adapter ops with up to max (<= FUZZ_SESSION_SYMS) of the
 * ncand candidate symbols: those whose market the adapter serves and that
 * its native_symbol takes, all of the first one's market; channels as
 * given; book_depth (0: none). Returns 0, or -1 after printing why on
 * stderr, prefixed with who (the target's name). */
int fuzz_session_open(struct feed_venue_ctx *v, const struct feed_venue_ops *ops,
		      const char *const *cand, size_t ncand, size_t max, unsigned channels,
		      uint32_t book_depth, const char *who);

#endif /* FUZZ_SESSION_H */
