/* SPDX-License-Identifier: MIT */
/*
 * top_json.c: mdbus-top --json. One document per sample:
 *   {"bus", "attached", "epoch", "alive", "exit", "error"?, "feed": {...},
 *    "ring": {...}, "totals": {...}, "sessions": [...], "instruments": [...]}
 * Ages are milliseconds (null when unknown), rates per second (null when
 * there is no previous sample), prices exact decimal strings. Histograms
 * (feed.loop_ns, sessions[].latency.HOP) are {"count", "p50", "p90", "p99",
 * "max"} in ns (msgs_per_iter: messages), null quantiles while empty.
 * sessions[].rest: the REST request weight of the session's venue (null
 * without a REST client).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>

#include "top_out.h"

static json_t *top_j_rate(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

static json_t *top_j_age_ms(int64_t now, int64_t then)
{
	return then ? json_integer((now - then) / 1000000) : json_null();
}

static json_t *top_j_dec(int64_t m, unsigned decimals)
{
	char b[MDBUS_DECIMAL_STR_MAX + 8];
	return json_string(top_fmt_dec(b, sizeof(b), m, decimals));
}

/* A histogram as {"count", "p50", "p90", "p99", "max"} (null quantiles
 * while empty); values in the histogram's unit (ns, or messages). */
static json_t *top_j_hist(const struct mdbus_health_hist *h)
{
	const double qs[] = {0.5, 0.9, 0.99};
	const char *keys[] = {"p50", "p90", "p99"};
	json_t *o = json_object();

	json_object_set_new(o, "count", json_integer((json_int_t)h->count));
	for (int i = 0; i < 3; i++) {
		int64_t v = mdbus_hist_quantile(h, qs[i]);
		json_object_set_new(o, keys[i], v >= 0 ? json_integer(v) : json_null());
	}
	json_object_set_new(o, "max", h->count ? json_integer((json_int_t)h->max) : json_null());
	return o;
}

/* The session's hops (enum mdbus_health_hop, by name) and where its
 * receive stamps come from. */
static void top_j_latency(json_t *o, const struct mdbus_health_session *h)
{
	json_t *lat = json_object();

	for (uint32_t k = 0; k < MDBUS_HOP__COUNT; k++)
		json_object_set_new(lat, mdbus_health_hop_name(k), top_j_hist(&h->hop[k]));
	json_object_set_new(o, "latency", lat);
	json_object_set_new(o, "exch_early", json_integer((json_int_t)h->exch_early));
	json_object_set_new(o, "ts_source", json_string(mdbus_health_ts_source_name(h->ts_source)));
	json_object_set_new(o, "rx_stamped", json_integer((json_int_t)h->rx_stamped));
	json_object_set_new(o, "rx_unstamped", json_integer((json_int_t)h->rx_unstamped));
}

static json_t *top_j_feed(const struct top_snap *s)
{
	const struct mdbus_health_feed *f = &s->feed;

	if (s->feed_err)
		return json_pack("{s:s}", "error", mdbus_strerror(s->feed_err));
	/* A feed that did not say STOPPED but is not alive was killed or hangs:
	 * its record still says "running", which must not be shown as such. */
	const char *state = s->alive != 1 && f->state != MDBUS_HEALTH_FEED_STOPPED
				    ? "dead"
				    : mdbus_health_feed_state_name(f->state);
	return json_pack(
		"{s:I, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:o}", "pid", (json_int_t)f->pid, "state",
		state, "uptime_ms", (json_int_t)((s->now_rt_ns - f->start_rt_ns) / 1000000),
		"heartbeat_age_ms", (json_int_t)((s->now_mono_ns - f->heartbeat_mono_ns) / 1000000),
		"heartbeat_count", (json_int_t)f->heartbeat_count, "start_rt_ns",
		(json_int_t)f->start_rt_ns, "config", f->config, "version", f->version, "loop_ns",
		top_j_hist(&f->loop_ns));
}

/* The session's connections: how many, how many LIVE, and the first
 * MDBUS_HEALTH_CONNS one by one (state, last error class). A record from a
 * writer without them (conns 0) had one connection. */
static void top_j_conns(json_t *o, const struct mdbus_health_session *h)
{
	uint32_t n = h->conns ? h->conns : 1;
	json_t *a = json_array();

	for (uint32_t k = 0; h->conns && k < n && k < MDBUS_HEALTH_CONNS; k++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "state",
						   mdbus_health_state_name(h->conn_state[k]),
						   "last_error_class",
						   mdbus_health_err_name(h->conn_error[k])));
	json_object_set_new(o, "conns", json_integer(n));
	json_object_set_new(
		o, "conns_live",
		json_integer(h->conns ? h->conns_live : h->state == MDBUS_HEALTH_ST_LIVE));
	json_object_set_new(o, "connections", a);
}

/* The session's REST block: its venue's request weight (feedd keeps one
 * window per venue, so the sessions of a venue show the same figures);
 * null for a session without a REST client. blocked_ms: time left of a
 * 429/418 pause (Retry-After), null when the venue is not blocked. */
static json_t *top_j_rest(const struct top_snap *s, const struct mdbus_health_rest *r)
{
	if (!r->limit)
		return json_null();
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "weight",
			      (json_int_t)r->weight, "limit", (json_int_t)r->limit, "window_s",
			      (json_int_t)r->window_s, "weight_total", (json_int_t)r->weight_total,
			      "requests", (json_int_t)r->requests, "n429", (json_int_t)r->n429,
			      "n418", (json_int_t)r->n418, "queued", (json_int_t)r->queued,
			      "inflight", (json_int_t)r->inflight);
	if (o)
		json_object_set_new(
			o, "blocked_ms",
			r->blocked_until_ns > s->now_mono_ns
				? json_integer((r->blocked_until_ns - s->now_mono_ns) / 1000000)
				: json_null());
	return o ? o : json_null();
}

static json_t *top_j_session(const struct top_snap *s, const struct top_session *t)
{
	const struct mdbus_health_session *h = &t->h;

	if (t->err)
		return json_pack("{s:s, s:s}", "error", mdbus_strerror(t->err), "verdict",
				 mdbus_health_verdict_name((uint32_t)t->verdict));
	json_t *hs = json_object();
	for (uint32_t c = 1; c < MDBUS_HEALTH_ERR__COUNT; c++)
		if (h->handshake_failures[c])
			json_object_set_new(hs, mdbus_health_err_name(c),
					    json_integer((json_int_t)h->handshake_failures[c]));
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "name", h->name, "venue",
		h->venue, "host", h->host, "state", mdbus_health_state_name(h->state),
		"state_age_ms",
		(json_int_t)(h->state_since_ns ? (s->now_mono_ns - h->state_since_ns) / 1000000
					       : 0),
		"verdict", mdbus_health_verdict_name((uint32_t)t->verdict), "reason", t->reason,
		"writer_verdict_reason", h->verdict_reason, "last_error_class",
		mdbus_health_err_name(h->last_error_class), "last_error", h->last_error);
	if (!o) {
		json_decref(hs);
		return NULL;
	}
	json_object_set_new(o, "writer_verdict",
			    json_string(mdbus_health_verdict_name(h->verdict)));
	json_object_set_new(o, "last_error_age_ms", top_j_age_ms(s->now_mono_ns, h->last_error_ns));
	json_object_set_new(o, "connects", json_integer((json_int_t)h->connects));
	json_object_set_new(o, "reconnects", json_integer((json_int_t)h->reconnects));
	json_object_set_new(o, "handshake_failures", hs);
	json_object_set_new(o, "messages", json_integer((json_int_t)h->messages));
	json_object_set_new(o, "bytes", json_integer((json_int_t)h->bytes));
	json_object_set_new(o, "ticks", json_integer((json_int_t)h->ticks));
	json_object_set_new(o, "parse_errors", json_integer((json_int_t)h->parse_errors));
	json_object_set_new(o, "gaps", json_integer((json_int_t)h->gaps));
	json_object_set_new(o, "last_msg_age_ms", top_j_age_ms(s->now_mono_ns, h->last_msg_ns));
	json_object_set_new(o, "rtt_ms",
			    h->rtt_ns ? json_real((double)h->rtt_ns / 1e6) : json_null());
	json_object_set_new(
		o, "next_reconnect_ms",
		h->next_reconnect_ns
			? json_integer((h->next_reconnect_ns - s->now_mono_ns) / 1000000)
			: json_null());
	json_object_set_new(o, "backoff_attempt", json_integer(h->backoff_attempt));
	json_object_set_new(o, "subscriptions", json_integer(h->subscriptions));
	json_object_set_new(o, "streams", json_integer(h->streams));
	top_j_conns(o, h);
	top_j_latency(o, h);
	json_object_set_new(o, "rest", top_j_rest(s, &h->rest));
	json_object_set_new(o, "msgs_per_s", top_j_rate(t->msg_rate));
	json_object_set_new(o, "ticks_per_s", top_j_rate(t->tick_rate));
	return o;
}

/* ["PRICE", "QTY"] of a book level, or null for an empty side. */
static json_t *top_j_level(const struct top_instr *t, const struct mdbus_book_level *lv, uint32_t n)
{
	if (!n)
		return json_null();
	return json_pack("[o, o]", top_j_dec(lv->price, t->meta.price_decimals),
			 top_j_dec(lv->qty, t->meta.qty_decimals));
}

/* The instrument's book ("book" only when the bus keeps one for it):
 * status as mdbus-book names it, the venue's update id, the counters and
 * the best level of each side. */
static void top_j_book(json_t *o, const struct top_instr *t)
{
	const struct top_book *b = &t->book;

	if (b->err == -ENOENT)
		return;
	if (b->err) {
		json_object_set_new(o, "book", json_pack("{s:s}", "error", mdbus_strerror(b->err)));
		return;
	}
	json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:s, s:I}", "status",
			      top_book_status_name(b->status), "update_id",
			      (json_int_t)b->update_id, "resyncs", (json_int_t)b->resyncs,
			      "checksum_fails", (json_int_t)b->checksum_fails, "checksum",
			      b->checksum == MDBUS_BOOK_CK_OK	      ? "ok"
			      : b->checksum == MDBUS_BOOK_CK_MISMATCH ? "mismatch"
								      : "none",
			      "depth", (json_int_t)b->depth);
	if (!j)
		return;
	json_object_set_new(j, "bid", top_j_level(t, b->bids, b->nbids));
	json_object_set_new(j, "ask", top_j_level(t, b->asks, b->nasks));
	json_object_set_new(o, "book", j);
}

static json_t *top_j_instr(const struct top_snap *s, const struct top_instr *t)
{
	const struct mdbus_health_instr *h = &t->h;
	unsigned pd = t->meta.price_decimals, qd = t->meta.qty_decimals;
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)t->meta.id, "venue",
			      t->meta.venue, "symbol", t->meta.symbol, "native", t->meta.native);
	if (!o)
		return NULL;
	top_j_book(o, t);
	if (t->err) {
		/* No record yet (or unreadable): the status word may still be set. */
		json_object_set_new(o, "status",
				    json_string(mdbus_health_instr_status_name(h->status)));
		json_object_set_new(o, "error", json_string(mdbus_strerror(t->err)));
		return o;
	}
	json_object_set_new(o, "status", json_string(mdbus_health_instr_status_name(h->status)));
	json_object_set_new(o, "session", json_integer(h->session));
	json_object_set_new(o, "ticks", json_integer((json_int_t)h->ticks));
	json_object_set_new(o, "gaps", json_integer((json_int_t)h->gaps));
	json_object_set_new(o, "last_price", top_j_dec(h->last_price, pd));
	json_object_set_new(o, "last_qty", top_j_dec(h->last_qty, qd));
	json_object_set_new(o, "bid_px", top_j_dec(h->bid_px, pd));
	json_object_set_new(o, "bid_qty", top_j_dec(h->bid_qty, qd));
	json_object_set_new(o, "ask_px", top_j_dec(h->ask_px, pd));
	json_object_set_new(o, "ask_qty", top_j_dec(h->ask_qty, qd));
	json_object_set_new(o, "age_ms", top_j_age_ms(s->now_mono_ns, h->last_update_ns));
	json_object_set_new(o, "ticks_per_s", top_j_rate(t->tick_rate));
	return o;
}

/* One registered reader; lag_ticks/lag_ms are null for a reader still on
 * an older writer's segment (its cursor means nothing in this one). */
static json_t *top_j_reader(const struct top_snap *s, const struct mdbus_reader_entry *e)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b}", "name", e->name, "pid",
			      (json_int_t)e->pid, "cursor", (json_int_t)e->cursor, "read",
			      (json_int_t)e->read, "missed", (json_int_t)e->missed, "laps",
			      (json_int_t)e->laps, "same_epoch", (int)e->same_epoch);
	if (!o)
		return NULL;
	json_object_set_new(o, "lag_ticks",
			    e->same_epoch ? json_integer((json_int_t)e->lag_ticks) : json_null());
	json_object_set_new(o, "lag_ms",
			    e->lag_ns >= 0 ? json_real((double)e->lag_ns / 1e6) : json_null());
	json_object_set_new(o, "last_read_age_ms",
			    e->last_read_ns > 0 && s->now_rt_ns >= e->last_read_ns
				    ? json_integer((s->now_rt_ns - e->last_read_ns) / 1000000)
				    : json_null());
	return o;
}

int top_print_json(FILE *out, const struct top_state *st)
{
	const struct top_snap *s = &st->cur;
	char epoch[24];
	json_t *root = json_object();

	if (!root)
		return -ENOMEM;
	snprintf(epoch, sizeof(epoch), "%016" PRIx64, s->info.epoch);
	json_object_set_new(root, "bus", json_string(st->bus));
	json_object_set_new(root, "attached", json_boolean(s->attached));
	json_object_set_new(root, "exit", json_integer(top_snap_exit_code(s)));
	if (!s->attached) {
		json_object_set_new(root, "error", json_string(mdbus_strerror(s->open_err)));
		goto dump;
	}
	json_object_set_new(root, "epoch", json_string(epoch));
	json_object_set_new(root, "reattaches", json_integer((json_int_t)st->reattaches));
	json_object_set_new(root, "alive", json_boolean(s->alive == 1));
	json_object_set_new(root, "writer_pid", json_integer(s->info.writer_pid));
	json_object_set_new(root, "writer_state", json_integer(s->info.writer_state));
	if (s->health_err)
		json_object_set_new(root, "health_error",
				    json_string(mdbus_strerror(s->health_err)));
	json_object_set_new(root, "feed", top_j_feed(s));
	json_object_set_new(root, "ring",
			    json_pack("{s:I, s:I, s:o}", "write_seq", (json_int_t)s->info.write_seq,
				      "slots", (json_int_t)s->info.slots, "rate",
				      top_j_rate(s->ring_rate)));
	json_object_set_new(
		root, "totals",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "messages",
			  (json_int_t)s->tot.messages, "bytes", (json_int_t)s->tot.bytes, "ticks",
			  (json_int_t)s->tot.ticks, "parse_errors", (json_int_t)s->tot.parse_errors,
			  "gaps", (json_int_t)s->tot.gaps, "reconnects",
			  (json_int_t)s->tot.reconnects, "healthy", (json_int_t)s->tot.healthy,
			  "degraded", (json_int_t)s->tot.degraded, "down",
			  (json_int_t)s->tot.down));
	json_t *arr = json_array();
	for (uint32_t i = 0; i < s->nsess; i++)
		json_array_append_new(arr, top_j_session(s, &s->sess[i]));
	json_object_set_new(root, "sessions", arr);
	arr = json_array();
	for (uint32_t i = 0; i < s->ninstr; i++)
		json_array_append_new(arr, top_j_instr(s, &s->instr[i]));
	json_object_set_new(root, "instruments", arr);
	arr = json_array();
	for (int i = 0; i < s->nreaders; i++)
		json_array_append_new(arr, top_j_reader(s, &s->readers[i]));
	json_object_set_new(root, "readers", arr);
dump:;
	int rc = json_dumpf(root, out, JSON_COMPACT) == 0 && fputc('\n', out) != EOF ? 0 : -EIO;
	json_decref(root);
	if (rc == 0 && fflush(out) != 0)
		rc = -EIO;
	return rc;
}
