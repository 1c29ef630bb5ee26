/* SPDX-License-Identifier: MIT */
/* top_out.h: mdbus-top's batch renderers (--once text, --json) and its
 * full-screen view. Each only reads a top_state's current snapshot. */
#ifndef TOP_OUT_H
#define TOP_OUT_H

#include <stdio.h>

#include "top_snap.h"

/* Plain-text snapshot (--once). Returns 0 or -EIO. */
int top_print_text(FILE *out, const struct top_state *st);

/* One JSON document on one line (--json). Returns 0, -ENOMEM or -EIO. */
int top_print_json(FILE *out, const struct top_state *st);

/* The ncurses view: runs until q (returns 0) or a signal (returns 0 too:
 * the terminal is restored either way); refresh_ns between samples.
 * Returns -ENOTTY if stdout is not a terminal, -ENOMEM. */
int top_tui_run(struct top_state *st, int64_t refresh_ns);

#endif /* TOP_OUT_H */
