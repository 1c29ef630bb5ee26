/* SPDX-License-Identifier: MIT */
/*
 * top_snap.h: mdbus-top's model. A top_state owns one read-only reader on
 * the bus and turns it, once per refresh, into a top_snap: consistent copies
 * of the feed, session and instrument health records (mdbus_health_*), the
 * instrument table, and rates computed against the previous sample. It
 * re-attaches by itself when the writer is replaced or dies and a new one
 * appears (new epoch). No curses or output here: the renderers only read a
 * top_snap.
 */
#ifndef TOP_SNAP_H
#define TOP_SNAP_H

#include <stdint.h>

#include "mdbus.h"

struct top_session {
	struct mdbus_health_session h; /* strings NUL-terminated and printable */
	int err;		       /* snapshot result: 0, -ENODATA, -EAGAIN */
	int verdict;		       /* enum mdbus_health_verdict at sample time */
	char reason[MDBUS_HEALTH_TEXT_MAX];
	double msg_rate;  /* messages/s since the previous sample, -1 unknown */
	double tick_rate; /* ticks/s since the previous sample, -1 unknown */
};

/* The top of an instrument's book (mdbus_book_read), when the bus keeps one. */
#define TOP_BOOK_LEVELS 10

struct top_book {
	int err; /* 0; -ENOENT: the bus keeps no book for it; -EAGAIN, -EBADMSG */
	uint32_t status, checksum, depth, nbids, nasks;
	uint64_t update_id, version, resyncs, checksum_fails;
	int64_t exch_ts, recv_ts;
	struct mdbus_book_level bids[TOP_BOOK_LEVELS], asks[TOP_BOOK_LEVELS]; /* best first */
};

struct top_instr {
	struct mdbus_instrument meta; /* from the bus's instrument table */
	struct mdbus_health_instr h;
	int err;	  /* 0, -ENODATA (never published), -EAGAIN */
	double tick_rate; /* -1 unknown */
	struct top_book book;
};

struct top_totals {
	uint64_t messages, bytes, ticks, parse_errors, gaps, reconnects;
	uint32_t healthy, degraded, down;
};

struct top_snap {
	int attached; /* a reader is open (the bus existed once) */
	int open_err; /* last open/re-attach error, 0 if none */
	struct mdbus_info info;
	int health_err; /* mdbus_health_check result */
	int feed_err;	/* 0, -ENODATA (never published), -EAGAIN, ... */
	struct mdbus_health_feed feed;
	int alive; /* mdbus_health_feed_alive: 1, 0, -errno */
	int64_t now_mono_ns, now_rt_ns;
	double ring_rate; /* ticks/s from write_seq deltas, -1 unknown */
	uint32_t nsess;
	struct top_session *sess;
	uint32_t ninstr;
	struct top_instr *instr;
	struct top_totals tot;
	int readers_err; /* mdbus_readers_list result if < 0, else 0 */
	int nreaders;	 /* registered readers of the bus (reader table) */
	struct mdbus_reader_entry readers[MDBUS_READERS_MAX];
};

struct top_state {
	char bus[MDBUS_BUS_NAME_MAX];
	mdbus_reader *r;
	int max_age_ms; /* heartbeat age that still counts as alive */
	struct top_snap cur, prev;
	uint32_t sess_cap, instr_cap; /* capacity of cur's arrays (prev has its own) */
	uint32_t prev_sess_cap, prev_instr_cap;
	struct mdbus_book_snapshot *book_scratch; /* one mdbus_book_read at a time */
	uint64_t reattaches;			  /* how many times a new epoch was picked up */
	int64_t reattach_mono_ns;		  /* when the last re-attach happened */
};

/* Opens the bus read-only. Returns 0, or the mdbus_reader_open error
 * (-ENOENT: no such bus) with st still valid for top_state_close. */
int top_state_open(struct top_state *st, const char *bus, int max_age_ms);

/* Takes a new sample into st->cur (the old one moves to st->prev). Never
 * fails once open: problems are recorded in the snapshot's *_err fields.
 * Returns 1 if it re-attached to a new epoch during this sample, else 0, or
 * -ENOMEM. */
int top_state_sample(struct top_state *st);

void top_state_close(struct top_state *st);

/* 0 when the feed is alive and every session healthy, 1 otherwise. */
int top_snap_exit_code(const struct top_snap *s);

/* "live", "resyncing", "stale", "down", "empty", "rest" (mdbus-book's
 * names); "unknown" else. */
const char *top_book_status_name(uint32_t status);

/* Formats mantissa / 10^decimals exactly into buf; returns buf. */
const char *top_fmt_dec(char *buf, size_t len, int64_t mantissa, unsigned decimals);

/* "12ms", "3.4s", "5m02s", "1h03m", "2d04h"; "-" for a negative age. */
const char *top_fmt_age(char *buf, size_t len, int64_t ns);

/* "12.3k" style compact rate/count. "-" for a negative value. */
const char *top_fmt_rate(char *buf, size_t len, double v);

#endif /* TOP_SNAP_H */
