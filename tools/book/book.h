/* SPDX-License-Identifier: MIT */
/*
 * book.h: mdbus-book's pieces. book_out.c renders one book snapshot as the
 * JSON object of `mdbus-book --json` or as a text ladder; book.c reads the
 * bus and runs the command line and the live view.
 */
#ifndef BOOK_H
#define BOOK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mdbus.h"

/* "live", "resyncing", "stale", "down", "empty", "rest"; "unknown" else. */
const char *book_status_name(uint32_t status);

/*
 * One JSON object on one line (then '\n'):
 *   {"venue", "symbol", "status", "update_id", "exch_ts", "recv_ts",
 *    "bids": [["PRICE", "QTY"], ...], "asks": [...]}
 * best level first, at most `depth` levels per side (0: all the snapshot
 * holds), decimals exact at the instrument's scale; exch_ts is null when
 * the venue sends none. Returns 0, -ENOMEM or -EIO.
 */
int book_print_json(FILE *out, const struct mdbus_instrument *in,
		    const struct mdbus_book_snapshot *s, uint32_t depth);

/*
 * The text ladder: a header line (venue, symbol, status, update id, times,
 * resyncs, checksum), then the asks from the worst shown down to the best,
 * a spread line, and the bids from the best down; `depth` levels per side
 * at most (0: all). Returns 0 or -EIO.
 */
int book_print_text(FILE *out, const struct mdbus_instrument *in,
		    const struct mdbus_book_snapshot *s, uint32_t depth);

#endif /* BOOK_H */
