/* SPDX-License-Identifier: MIT */
/*
 * tools_tick.h: one tick as one line of text, and back.
 *
 * JSON lines (mdbus-tail --json, read by mdbus-replay). One object per tick:
 *
 *   {"seq":12,"venue":"binance","symbol":"BTC-USDT","native":"BTCUSDT",
 *    "price_decimals":2,"qty_decimals":8,"market":"spot","kind":"trade",
 *    "exch_ts":1700000000123456789,"recv_ts":1700000000123500000,
 *    "flags":["buy"],"price":"65000.1","qty":"0.5","side":"buy",
 *    "trade_id":991}
 *
 *   - seq: the bus sequence number (informational; replay ignores it).
 *   - native, price_decimals, qty_decimals: what replay needs to recreate
 *     the instrument exactly.
 *   - market: "spot", "perp" or "future"; contracts add "contract_size"
 *     (a decimal string, when known), "qty_unit" ("contracts" or "base")
 *     and futures "expiry" (YYYYMMDD). Written, not read back by replay
 *     (a replayed instrument is spot).
 *   - exch_ts, recv_ts: integers, ns since the Unix epoch.
 *   - flags: ALWAYS an array of strings, in bit order: "buy", "sell",
 *     "snapshot", "gap", "no_exch_ts", "tid_hash"; a bit without a name is
 *     written as "0x40" etc. so
 *     the byte round-trips exactly. [] when no flag is set.
 *   - by kind:
 *       trade:  price, qty (decimal strings), side, trade_id
 *       bbo:    bid_px, bid_qty, ask_px, ask_qty (decimal strings)
 *       l2:     price, qty (decimal strings; qty "0" removes), side, update_id
 *       status: status ("up"/"down"/"stale"/"failed", or the integer code if
 *               unknown), session, reason (integers)
 *   - side: "buy"/"sell"/"unknown", derived from flags (for l2, buy = bid,
 *     sell = ask). On input "bid"/"ask" are accepted too; side sets the flag
 *     bit only when flags is absent, and must agree with flags otherwise.
 *   - trade_id/update_id: an integer, or a decimal string when above
 *     INT64_MAX (JSON parsers commonly stop at int64).
 *   - Prices and quantities are exact: mdbus_decimal_format at the
 *     instrument's decimals, parsed back with mdbus_decimal_parse.
 *
 * Text (mdbus-tail default): aligned columns, for humans, not parsed back:
 *   HH:MM:SS.nnnnnnnnn venue  symbol  kind  fields  [flags]
 * with the time of day (UTC) of exch_ts (recv_ts if exch_ts is 0).
 */
#ifndef TOOLS_TICK_H
#define TOOLS_TICK_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"

/* Large enough for any tick line in either format, NUL included. */
#define TOOLS_TICK_LINE_MAX 1024

/* Writes flags as a JSON array ("[\"buy\",\"gap\"]") to buf. Returns the
 * length or -ENOSPC. */
int tools_flags_json(unsigned flags, char *buf, size_t len);

/*
 * Formats one tick as a JSON object (no newline) into buf. `in` is the tick's
 * instrument (its decimals format the prices). Returns the length, -ENOSPC,
 * or -ERANGE if the instrument's decimals are out of range.
 */
int tools_tick_json(const struct mdbus_tick *t, uint64_t seq, const struct mdbus_instrument *in,
		    char *buf, size_t len);

/* Formats one tick as a line of aligned text columns (no newline).
 * Returns the length or -ENOSPC. */
int tools_tick_text(const struct mdbus_tick *t, uint64_t seq, const struct mdbus_instrument *in,
		    char *buf, size_t len);

/*
 * Parses one JSON line (len bytes, need not be NUL-terminated) in the format
 * above. On success fills *in (venue, symbol, native, decimals; id = 0:
 * the caller registers it) and *t (instrument = 0, reserved fields 0;
 * the caller sets the id), and *seq if non-NULL (0 if absent).
 * Defaults: native = symbol, decimals 8/8 when absent.
 * Returns 0, or -EINVAL with a one-line reason in err ("bad price: ...").
 * Allocates (jansson): not for the hot path.
 */
int tools_tick_parse_json(const char *line, size_t len, struct mdbus_tick *t,
			  struct mdbus_instrument *in, uint64_t *seq, char *err, size_t errlen);

#endif /* TOOLS_TICK_H */
