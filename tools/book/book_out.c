/* SPDX-License-Identifier: MIT */
/* book_out.c: mdbus-book's JSON object and text ladder (see book.h). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "book.h"

#define BOOK_COL 20 /* width of the price and quantity columns */

const char *book_status_name(uint32_t status)
{
	static const char *const names[] = {
		[MDBUS_BOOK_EMPTY] = "empty",	      [MDBUS_BOOK_LIVE] = "live",
		[MDBUS_BOOK_RESYNCING] = "resyncing", [MDBUS_BOOK_STALE] = "stale",
		[MDBUS_BOOK_DOWN] = "down",	      [MDBUS_BOOK_REST] = "rest",
	};

	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "unknown";
}

/* mantissa / 10^decimals exactly; a mantissa the formatter refuses (never
 * for an int64 at <= MDBUS_DECIMALS_MAX) is shown raw rather than lost. */
static const char *book_dec(char *buf, size_t len, int64_t m, unsigned decimals)
{
	if (mdbus_decimal_format(m, decimals, buf, len) < 0)
		snprintf(buf, len, "%" PRId64 "e-%u", m, decimals);
	return buf;
}

static uint32_t book_shown(uint32_t have, uint32_t depth)
{
	return depth && depth < have ? depth : have;
}

/* [["PRICE", "QTY"], ...] of one side, best first. */
static json_t *book_j_side(const struct mdbus_instrument *in, const struct mdbus_book_level *lv,
			   uint32_t n)
{
	char px[MDBUS_DECIMAL_STR_MAX + 8], qty[MDBUS_DECIMAL_STR_MAX + 8];
	json_t *a = json_array();

	for (uint32_t i = 0; a && i < n; i++) {
		json_t *pair = json_pack("[s, s]",
					 book_dec(px, sizeof(px), lv[i].price, in->price_decimals),
					 book_dec(qty, sizeof(qty), lv[i].qty, in->qty_decimals));
		if (!pair || json_array_append_new(a, pair) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int book_print_json(FILE *out, const struct mdbus_instrument *in,
		    const struct mdbus_book_snapshot *s, uint32_t depth)
{
	json_t *bids = book_j_side(in, s->bids, book_shown(s->nbids, depth));
	json_t *asks = book_j_side(in, s->asks, book_shown(s->nasks, depth));
	/* jansson keeps insertion order: the keys come out as documented. */
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:o, s:I, s:o, s:o}", "venue", in->venue,
			      "symbol", in->symbol, "status", book_status_name(s->status),
			      "update_id", (json_int_t)s->update_id, "exch_ts",
			      s->exch_ts ? json_integer(s->exch_ts) : json_null(), "recv_ts",
			      (json_int_t)s->recv_ts, "bids", bids, "asks", asks);
	int rc;

	if (!o)
		return -ENOMEM; /* json_pack released bids and asks ("o" steals) */
	rc = json_dumpf(o, out, JSON_COMPACT) == 0 && fputc('\n', out) != EOF ? 0 : -EIO;
	json_decref(o);
	if (rc == 0 && fflush(out) != 0)
		rc = -EIO;
	return rc;
}

/* "2026-12-07T11:40:00.123Z" for a CLOCK_REALTIME ns stamp, "-" for 0. */
static const char *book_time(char *buf, size_t len, int64_t ns)
{
	struct tm tm;
	time_t sec = (time_t)(ns / 1000000000);

	if (ns <= 0 || !gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "-");
		return buf;
	}
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(ns / 1000000 % 1000));
	return buf;
}

static const char *book_ck_name(uint32_t ck)
{
	return ck == MDBUS_BOOK_CK_OK ? "ok" : ck == MDBUS_BOOK_CK_MISMATCH ? "MISMATCH" : "none";
}

static void book_text_header(FILE *out, const struct mdbus_instrument *in,
			     const struct mdbus_book_snapshot *s)
{
	char exch[40], recv[40];

	fprintf(out, "%s %s  %s  update %" PRIu64 "  depth %" PRIu32 "\n", in->venue, in->symbol,
		book_status_name(s->status), s->update_id, s->depth);
	fprintf(out, "exch %s  recv %s\n", book_time(exch, sizeof(exch), s->exch_ts),
		book_time(recv, sizeof(recv), s->recv_ts));
	fprintf(out, "resyncs %" PRIu64 "  checksum %s  checksum fails %" PRIu64 "\n", s->resyncs,
		book_ck_name(s->checksum), s->checksum_fails);
	fprintf(out, "%-5s%*s%*s\n", "", BOOK_COL, "PRICE", BOOK_COL, "QTY");
}

static void book_text_level(FILE *out, const char *side, const struct mdbus_instrument *in,
			    const struct mdbus_book_level *lv)
{
	char px[MDBUS_DECIMAL_STR_MAX + 8], qty[MDBUS_DECIMAL_STR_MAX + 8];

	fprintf(out, "%-5s%*s%*s\n", side, BOOK_COL,
		book_dec(px, sizeof(px), lv->price, in->price_decimals), BOOK_COL,
		book_dec(qty, sizeof(qty), lv->qty, in->qty_decimals));
}

int book_print_text(FILE *out, const struct mdbus_instrument *in,
		    const struct mdbus_book_snapshot *s, uint32_t depth)
{
	uint32_t nb = book_shown(s->nbids, depth), na = book_shown(s->nasks, depth);
	char spread[MDBUS_DECIMAL_STR_MAX + 8];
	int64_t diff;

	book_text_header(out, in, s);
	for (uint32_t i = na; i > 0; i--)
		book_text_level(out, "ask", in, &s->asks[i - 1]);
	if (nb && na && !__builtin_sub_overflow(s->asks[0].price, s->bids[0].price, &diff))
		fprintf(out, "----- spread %s\n",
			book_dec(spread, sizeof(spread), diff, in->price_decimals));
	else
		fprintf(out, "----- %s\n",
			nb && na ? "spread out of range"
			: nb	 ? "no asks"
			: na	 ? "no bids"
				 : "no levels");
	for (uint32_t i = 0; i < nb; i++)
		book_text_level(out, "bid", in, &s->bids[i]);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
