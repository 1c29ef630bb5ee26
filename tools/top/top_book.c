/* SPDX-License-Identifier: MIT */
/* top_book.c: mdbus-top's book lines (the Books table of --once and the
 * book pane of key b), from a top_instr's top_book. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "top_rows.h"

static const char *top_ck_name(uint32_t ck)
{
	return ck == MDBUS_BOOK_CK_OK ? "ok" : ck == MDBUS_BOOK_CK_MISMATCH ? "MISMATCH" : "none";
}

void top_book_heading(char *buf, size_t len)
{
	snprintf(buf, len, "%4s %-12s %-9s %12s %7s %6s %11s %11s", "ID", "SYMBOL", "BOOK",
		 "UPDATE", "RESYNCS", "CKFAIL", "BID", "ASK");
}

void top_book_row(const struct top_instr *t, char *buf, size_t len)
{
	const struct top_book *b = &t->book;
	char bid[40], ask[40];
	unsigned pd = t->meta.price_decimals;

	snprintf(buf, len,
		 "%4u %-12.12s %-9.9s %12" PRIu64 " %7" PRIu64 " %6" PRIu64 " %11.11s %11.11s",
		 t->meta.id, t->meta.symbol, top_book_status_name(b->status), b->update_id,
		 b->resyncs, b->checksum_fails,
		 b->nbids ? top_fmt_dec(bid, sizeof(bid), b->bids[0].price, pd) : "-",
		 b->nasks ? top_fmt_dec(ask, sizeof(ask), b->asks[0].price, pd) : "-");
}

void top_book_title(const struct top_instr *t, char *buf, size_t len)
{
	const struct top_book *b = &t->book;

	if (b->err) {
		snprintf(buf, len, "%s %s: no book (%s)", t->meta.venue, t->meta.symbol,
			 b->err == -ENOENT ? "not kept on this bus" : mdbus_strerror(b->err));
		return;
	}
	snprintf(buf, len,
		 "%s %s  book %s  update %" PRIu64 "  resyncs %" PRIu64
		 "  checksum %s  fails %" PRIu64,
		 t->meta.venue, t->meta.symbol, top_book_status_name(b->status), b->update_id,
		 b->resyncs, top_ck_name(b->checksum), b->checksum_fails);
}

void top_book_ladder_heading(char *buf, size_t len)
{
	snprintf(buf, len, "%14s %14s | %-14s %-14s", "BID QTY", "BID", "ASK", "ASK QTY");
}

/* Level i of both sides side by side ("" for a side without it). */
void top_book_ladder_row(const struct top_instr *t, uint32_t i, char *buf, size_t len)
{
	const struct top_book *b = &t->book;
	unsigned pd = t->meta.price_decimals, qd = t->meta.qty_decimals;
	char bq[40] = "", bp[40] = "", ap[40] = "", aq[40] = "";

	if (i < b->nbids) {
		top_fmt_dec(bq, sizeof(bq), b->bids[i].qty, qd);
		top_fmt_dec(bp, sizeof(bp), b->bids[i].price, pd);
	}
	if (i < b->nasks) {
		top_fmt_dec(ap, sizeof(ap), b->asks[i].price, pd);
		top_fmt_dec(aq, sizeof(aq), b->asks[i].qty, qd);
	}
	snprintf(buf, len, "%14.14s %14.14s | %-14.14s %-14.14s", bq, bp, ap, aq);
}
