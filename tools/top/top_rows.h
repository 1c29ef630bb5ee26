/* SPDX-License-Identifier: MIT */
/*
 * top_rows.h: the text of mdbus-top's header lines and table rows, shared
 * by the --once printer and the ncurses view so both show the same columns.
 * Rows are plain text; the curses view colours the state cell afterwards at
 * the column given here.
 */
#ifndef TOP_ROWS_H
#define TOP_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "top_snap.h"

#define TOP_SESS_STATE_COL   15 /* the STATE cell: column and width */
#define TOP_SESS_STATE_W     13
#define TOP_INSTR_STATUS_COL 18
#define TOP_INSTR_STATUS_W   7

enum top_sess_sort {
	TOP_SS_NAME,
	TOP_SS_STATE,
	TOP_SS_MSGS,
	TOP_SS_TICKS,
	TOP_SS_RECON,
	TOP_SS_AGE,
	TOP_SS__COUNT
};
enum top_instr_sort {
	TOP_IS_ID,
	TOP_IS_SYMBOL,
	TOP_IS_STATUS,
	TOP_IS_TICKS,
	TOP_IS_AGE,
	TOP_IS__COUNT
};

const char *top_sess_sort_name(int col);
const char *top_instr_sort_name(int col);

/* Header line n (0..2) into buf: bus/feed/liveness, ring, totals. */
void top_hdr_line(const struct top_state *st, int n, char *buf, size_t len);

/* "DEAD", "ALIVE", "NO HEALTH", "STOPPED", "NOT READY": the liveness word of
 * line 0 and whether it is bad (for red). */
const char *top_liveness(const struct top_snap *s, int *bad);

void top_sess_heading(char *buf, size_t len, int width);
void top_sess_row(const struct top_snap *s, const struct top_session *t, char *buf, size_t len,
		  int width);
void top_instr_heading(char *buf, size_t len, int width);
void top_instr_row(const struct top_snap *s, const struct top_instr *t, char *buf, size_t len,
		   int width);

/* The Readers pane: name, pid, lag in ticks and time, missed, laps. */
void top_reader_heading(char *buf, size_t len);
void top_reader_row(const struct top_snap *s, const struct mdbus_reader_entry *e, char *buf,
		    size_t len);

/* The Latency pane (top_lat.c): per session the receive stamps' source
 * and p50/p99 of each hop; top_lat_loop: the feed's loop iteration time. */
void top_lat_heading(char *buf, size_t len);
void top_lat_row(const struct top_session *t, char *buf, size_t len);
void top_lat_loop(const struct top_snap *s, char *buf, size_t len);

/* The book lines (top_book.c): the Books table of --once (one row per
 * instrument whose book the bus keeps), and the book pane of key b: a
 * title (status, update id, resyncs, checksum fails) and a ladder of the
 * top levels, bids and asks side by side. */
void top_book_heading(char *buf, size_t len);
void top_book_row(const struct top_instr *t, char *buf, size_t len);
void top_book_title(const struct top_instr *t, char *buf, size_t len);
void top_book_ladder_heading(char *buf, size_t len);
void top_book_ladder_row(const struct top_instr *t, uint32_t i, char *buf, size_t len);

/* The REST table (top_rest.c), under the sessions: one row per venue with
 * a REST client (its weight used / limit per window, requests, 429s, 418s,
 * queued, in flight, the time left of a Retry-After pause, its sessions).
 * top_rest_venues fills first[] (room for s->nsess) with the first session
 * of each such venue, in record order, and returns how many. */
uint32_t top_rest_venues(const struct top_snap *s, uint32_t *first);
void top_rest_heading(char *buf, size_t len);
void top_rest_row(const struct top_snap *s, uint32_t first, char *buf, size_t len);

/* Fills idx[0..n) with the display order for a sort column. */
void top_sort_sessions(const struct top_snap *s, int col, uint32_t *idx);
void top_sort_instruments(const struct top_snap *s, int col, uint32_t *idx);

#endif /* TOP_ROWS_H */
