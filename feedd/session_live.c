/* SPDX-License-Identifier: MIT */
/* session_live.c: a connection of a session once its WebSocket is open: subscriptions,
 * messages to ticks, keepalive pings, status, and every deadline (stale,
 * pong, handshake, lifetime, close grace, backoff end).
 *
 * What a subscribe answer means and when the session may go LIVE is the
 * subscription policy's (venues/subs.h); this file sends the messages it
 * builds, at the venue's rate, logs the answers ("subscription rejected ...
 * symbol=X") and publishes the status it names. */
#include <stdio.h>
#include <string.h>

#include "session_int.h"
#include "subs.h"

#define MS FEED_MS

/* ---- going live -------------------------------------------------------------- */

static void sess_go_live(struct feed_sconn *s, int64_t now)
{
	uint32_t acked = feed_venue_streams_acked(&s->venue);
	uint32_t rejected = feed_venue_streams_rejected(&s->venue);

	if (feed_sess__to(s, FEED_ST_LIVE, FEED_ERR_NONE, NULL, now) < 0)
		return;
	s->dl_handshake = 0;
	s->live_since_ns = now;
	s->st.subscriptions = acked;
	feed_log(FEED_LOG_INFO, FEED_SESS_KV(s), LOG_EV("subscribed"), LOG_U("streams", acked),
		 LOG_U("rejected", rejected),
		 LOG_U("symbols_rejected", feed_venue_syms_dead(&s->venue)));
	s->up = 1;
	feed_sess__status(s, MDBUS_STATUS_UP, FEED_ERR_NONE, now);
	/* What arrived between the acks and now, after the status it belongs to
	 * (less the trades a REST poll published meanwhile, fallback.h). */
	s->nheld = feed_fb_live(&s->fb, s->held, s->nheld, now);
	if (s->nheld > 0 && feed_sink_publish(s->host.sink, s->held, s->nheld, now) == 0)
		s->st.ticks += s->nheld;
	s->nheld = 0;
	s->release = 1; /* sess_on_recv, once this input is parsed */
	feed_sbook_live(s);
	feed_sfb_live(s, now);
}

/* SUBSCRIBING: LIVE, wait, or give up, as the subscription policy says. */
static void sess_maybe_live(struct feed_sconn *s, int data_seen, int64_t now)
{
	if (s->fsm.state != FEED_ST_SUBSCRIBING || !s->subs_sent)
		return;
	switch (feed_subs_state(&s->venue, data_seen)) {
	case FEED_SUBS_READY:
		sess_go_live(s, now);
		break;
	case FEED_SUBS_FATAL:
		/* Each was rejected on its own: the config names no symbol the
		 * venue knows. Reconnecting would only repeat it. */
		s->fatal = 1;
		feed_sess__fail(s, FEED_ERR_PROTOCOL, now,
				"every symbol rejected by the venue (%u): check the symbols",
				s->venue.nsyms);
		break;
	case FEED_SUBS_REJECTED:
		feed_sess__fail(s, FEED_ERR_PROTOCOL, now, "all %u streams rejected",
				s->venue.nstreams);
		break;
	default: /* pending */
		break;
	}
}

/* Sends subscribe messages: all at once, or one per sub_interval_ms. */
static void sess_subscribe(struct feed_sconn *s, int64_t now)
{
	uint32_t interval = s->venue.ops->limits.req_interval_ms;
	char *buf = s->host.scratch->subbuf;
	size_t n = 0;
	int rc;

	s->dl_sub = 0;
	for (;;) {
		rc = feed_venue_subscribe_next(&s->venue, buf, FEED_SUB_BUF, &n);
		if (rc == 0) {
			s->subs_sent = 1;
			break;
		}
		if (rc < 0) {
			feed_sess__fail(s, FEED_ERR_INTERNAL, now, "subscribe: %s", strerror(-rc));
			return;
		}
		rc = feed_conn_send_text(&s->conn, buf, n); /* copies it */
		if (rc < 0) {
			enum feed_err_class cls = FEED_ERR_INTERNAL;
			const char *e = feed_conn_error(&s->conn, &cls);

			feed_sess__fail(s, cls != FEED_ERR_NONE ? cls : FEED_ERR_INTERNAL, now,
					"subscribe send: %s", *e ? e : strerror(-rc));
			return;
		}
		feed_log(FEED_LOG_DEBUG, FEED_SESS_KV(s), LOG_EV("subscribe_sent"),
			 LOG_U("bytes", n));
		s->sub_last_ns = now;
		if (!feed_venue_sub_pending(&s->venue)) {
			s->subs_sent = 1; /* that was the last one */
			break;
		}
		if (interval > 0) {
			s->dl_sub = now + (int64_t)interval * MS;
			break;
		}
	}
	feed_sess__flush(s);
	sess_maybe_live(s, 0, now);
}

/* ---- conn callbacks (run inside feed_conn_input) ------------------------------ */

static void sess_on_open(void *ud)
{
	struct feed_sconn *s = ud;
	int64_t now = s->rx_mono;

	/* TLS and the upgrade may finish within the same input. */
	if (s->fsm.state == FEED_ST_TLS_HANDSHAKE &&
	    feed_sess__to(s, FEED_ST_WS_HANDSHAKE, FEED_ERR_NONE, NULL, now) < 0)
		return;
	if (s->fsm.state != FEED_ST_WS_HANDSHAKE)
		return;
	s->ws_open = 1;
	s->nheld = 0;
	feed_venue_ctx_reset(&s->venue);
	if (feed_sess__to(s, FEED_ST_SUBSCRIBING, FEED_ERR_NONE, NULL, now) < 0)
		return;
	/* The stale clock starts with the subscriptions. */
	s->dl_stale = now + s->cfg->stale_timeout_ms * MS;
	s->dl_ping = now + s->cfg->ping_interval_ms * MS;
	if (s->cfg->max_lifetime_ms > 0)
		s->dl_lifetime = now + s->cfg->max_lifetime_ms * MS;
	feed_sbook_start(s); /* the depth streams are subscribed anew */
	sess_subscribe(s, now);
}

static void sess_pong(struct feed_sconn *s, int64_t now)
{
	if (!s->ping_sent_ns)
		return;
	s->st.rtt_ns = now - s->ping_sent_ns;
	s->ping_sent_ns = 0;
	s->dl_pong = 0;
}

/* Only the answer to our outstanding ping counts: it echoes the ping's
 * payload, the send time stamp (RFC 6455 5.5.3). An unsolicited pong (a
 * peer's one-way heartbeat) proves nothing about our pings reaching it. */
static void sess_on_pong(void *ud, const uint8_t *p, size_t n)
{
	struct feed_sconn *s = ud;

	if (!s->ping_sent_ns || n != sizeof(s->ping_sent_ns) ||
	    memcmp(p, &s->ping_sent_ns, sizeof(s->ping_sent_ns)) != 0)
		return;
	sess_pong(s, s->rx_mono);
}

static int64_t ts_max(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* A multi-symbol request was rejected: its symbols go again one request
 * each, at the venue's subscribe rate. The extra round trips extend the
 * handshake and stale clocks while still SUBSCRIBING. */
static void sess_resubscribe(struct feed_sconn *s, int64_t now)
{
	int64_t interval = (int64_t)s->venue.ops->limits.req_interval_ms * MS;
	int64_t extra = (int64_t)s->venue.alone_queued * interval;

	s->subs_sent = 0;
	if (!s->dl_sub)
		s->dl_sub = ts_max(now, s->sub_last_ns + interval);
	if (s->fsm.state != FEED_ST_SUBSCRIBING)
		return;
	if (s->dl_handshake)
		s->dl_handshake =
			ts_max(s->dl_handshake, now + extra + s->cfg->handshake_timeout_ms * MS);
	if (s->dl_stale)
		s->dl_stale = ts_max(s->dl_stale, now + extra + s->cfg->stale_timeout_ms * MS);
}

/* A subscribe answer, already applied by the policy (feed_venue_req_done):
 * a split request is subscribed again symbol by symbol; a symbol rejected
 * on its own gets its STATUS FAILED (health DOWN) while the others carry
 * on. Answers come while SUBSCRIBING: LIVE waits for all of them. */
static void sess_sub_answer(struct feed_sconn *s, const struct feed_venue_out *out, int64_t now)
{
	const char *reason = out->reason ? out->reason : "";
	uint32_t last = UINT32_MAX;

	if (out->cls == FEED_MSG_REJECT && out->split) {
		feed_log(FEED_LOG_WARN, FEED_SESS_KV(s), LOG_EV("subscribe_rejected"),
			 LOG_U("id", out->req_id), LOG_U("symbols", out->sym_count),
			 LOG_S("reason", reason), LOG_S("effect", "subscribing each symbol alone"));
		sess_resubscribe(s, now);
	} else if (out->cls == FEED_MSG_REJECT) {
		/* The streams answered, a symbol's adjacent: each rejected
		 * symbol once (an acked stream of the same message is not). */
		for (uint32_t k = 0; k < out->nstreams; k++) {
			uint32_t i = s->venue.streams[out->streams[k]].sym;

			if (i == last || i >= s->venue.nsyms ||
			    s->venue.streams[out->streams[k]].state != FEED_SS_REJECTED)
				continue;
			last = i;
			feed_log(FEED_LOG_WARN, FEED_SESS_KV(s), LOG_EV("symbol_rejected"),
				 LOG_U("id", out->req_id), LOG_S("symbol", s->venue.syms[i].norm),
				 LOG_S("reason", reason));
			if (s->venue.syms[i].dead)
				feed_sess__sym_status(s, i, MDBUS_STATUS_FAILED, FEED_ERR_PROTOCOL);
		}
	}
	s->st.subscriptions = feed_venue_streams_acked(&s->venue);
	sess_maybe_live(s, 0, now);
}

/* SUBSCRIBING: keeps the ticks of acked streams for sess_go_live (venues
 * send a snapshot right after an ack: OKX bbo-tbt, Kraken ticker). A tick
 * not kept is lost: the next tick of its kind carries the gap flag. Rare
 * (a connection's first messages), so the symbol is found by a scan. */
static void sess_hold(struct feed_sconn *s, const struct feed_venue_out *out)
{
	struct feed_venue_ctx *v = &s->venue;

	for (uint32_t k = 0; k < out->n; k++) {
		const struct mdbus_tick *t = &out->ticks[k];
		uint32_t ch = t->kind == MDBUS_KIND_TRADE ? FEED_CH_TRADES
			      : t->kind == MDBUS_KIND_BBO ? FEED_CH_BBO
							  : FEED_CH_L2;
		uint32_t i = 0;

		while (i < v->nsyms && v->syms[i].instrument != t->instrument)
			i++;
		if (i == v->nsyms)
			continue;
		if ((v->syms[i].acked & ch) && s->nheld < FEED_SESSION_TICKS) {
			s->held[s->nheld++] = *t;
			s->held_used = 1;
		} else
			v->syms[i].gap_pending |= (uint8_t)ch;
	}
}

/* Market data: publish what the message gave (every piece of it). */
static void sess_on_data(struct feed_sconn *s, struct feed_venue_out *out, int64_t now)
{
	/* Only market data proves the stream is alive. */
	s->dl_stale = now + s->cfg->stale_timeout_ms * MS;
	/* A venue without acks goes LIVE on it; for one that acks, data
	 * before the last answer waits for it (sess_hold). */
	sess_maybe_live(s, 1, now);
	if (out->n == 0)
		return;
	if (s->fsm.state == FEED_ST_LIVE) {
		/* after a REST period: trades REST published already go */
		out->n = feed_fb_live(&s->fb, out->ticks, out->n, now);
		feed_lat_ticks(&s->sess->lat, out->ticks, out->n);
		if (out->n > 0 && feed_sink_publish(s->host.sink, out->ticks, out->n, now) == 0)
			s->st.ticks += out->n;
	} else if (s->fsm.state == FEED_ST_SUBSCRIBING) {
		sess_hold(s, out);
	}
}

/* One classified message (or piece of one) and what the session does. */
static void sess_on_out(struct feed_sconn *s, struct feed_venue_out *out, int64_t now)
{
	switch (out->cls) {
	case FEED_MSG_DATA:
		sess_on_data(s, out, now);
		break;
	case FEED_MSG_BOOK:
		/* Market data too: keeps the stream fresh, LIVE without acks. */
		s->dl_stale = now + s->cfg->stale_timeout_ms * MS;
		sess_maybe_live(s, 1, now);
		feed_sbook_event(s, out->book);
		break;
	case FEED_MSG_ACK:
	case FEED_MSG_REJECT:
		sess_sub_answer(s, out, now);
		break;
	case FEED_MSG_HEARTBEAT:
		sess_pong(s, now); /* a venue-level pong; not market data */
		break;
	case FEED_MSG_REPLY:
		if (out->reply && out->reply_len)
			feed_conn_send_text(&s->conn, out->reply, out->reply_len);
		break;
	case FEED_MSG_ERROR:
		s->st.parse_errors++;
		if (s->err_logged < FEED_ERR_LOG_FIRST || s->st.parse_errors % 1000 == 0) {
			s->err_logged++;
			feed_log(FEED_LOG_WARN, FEED_SESS_KV(s), LOG_EV("bad_message"),
				 LOG_U("parse_errors", s->st.parse_errors),
				 LOG_S("reason", out->reason ? out->reason : "?"),
				 LOG_S("effect", "skipped"));
		}
		break;
	case FEED_MSG_RECONNECT:
		feed_sess__fail(s, FEED_ERR_SERVER_CLOSE, now, "venue asked to reconnect: %s",
				out->reason ? out->reason : "");
		break;
	default:
		break;
	}
}

/* recv_ns is the wall time the bytes arrived (s->rx_wall, from the
 * completion), the same for every piece of one message. */
static void sess_on_message(void *ud, const uint8_t *p, size_t n, int binary)
{
	struct feed_sconn *s = ud;
	int64_t now = s->rx_mono;
	struct feed_venue_out out;
	enum feed_state st;

	s->st.messages++;
	s->st.last_msg_ns = now;
	feed_lat_msg(&s->sess->lat);
	memset(&out, 0, sizeof(out));
	out.ticks = s->host.scratch->ticks; /* published or held before we return */
	out.cap = FEED_SESSION_TICKS;
	do {
		if (feed_venue_on_message(&s->venue, p, n, binary, s->rx_wall, &out) < 0) {
			out.cls = FEED_MSG_ERROR;
			out.more = 0;
		}
		st = s->fsm.state;
		/* Closing: nothing is published any more (the pieces left are
		 * still taken, so the next message starts clean). */
		if (st == FEED_ST_SUBSCRIBING || st == FEED_ST_LIVE || st == FEED_ST_STALE)
			sess_on_out(s, &out, now);
	} while (out.more);
}

/* A decrypted chunk opens (its messages follow) or was parsed. */
static void sess_on_chunk(void *ud, int done)
{
	struct feed_sconn *s = ud;

	if (done)
		feed_lat_chunk_close(&s->sess->lat, s->host.sink->iter);
	else
		feed_lat_chunk_open(&s->sess->lat);
}

static void sess_on_close(void *ud, uint16_t code, const char *reason)
{
	struct feed_sconn *s = ud;

	if (s->fsm.state == FEED_ST_CLOSING)
		return; /* the answer to our close: finished after the flush */
	feed_sess__fail(s, FEED_ERR_SERVER_CLOSE, s->rx_mono, "close code=%u reason=%s", code,
			reason ? reason : "");
}

/* ---- timers ---------------------------------------------------------------------- */

static int64_t dl_min(int64_t a, int64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

int64_t feed_sconn_deadline(struct feed_sconn *s, int64_t now)
{
	int64_t t = 0;

	t = dl_min(t, s->dl_attempt);
	t = dl_min(t, s->dl_handshake);
	t = dl_min(t, s->dl_ping);
	t = dl_min(t, s->dl_pong);
	t = dl_min(t, s->dl_stale);
	t = dl_min(t, s->dl_lifetime);
	t = dl_min(t, s->dl_close);
	t = dl_min(t, s->dl_sub);
	t = dl_min(t, feed_sbook_deadline(s));
	t = dl_min(t, feed_sfb_deadline(s));
	t = dl_min(t, feed_resolve_deadline(&s->res, now));
	return t;
}

static int due(int64_t dl, int64_t now)
{
	return dl && now >= dl;
}

static void sess_ping(struct feed_sconn *s, int64_t now)
{
	char *buf = s->host.scratch->subbuf;
	size_t n = 0;
	uint8_t stamp[8];
	int rc;

	s->dl_ping = now + s->cfg->ping_interval_ms * MS;
	if (s->ping_sent_ns)
		return; /* the previous one is still within pong_timeout */
	rc = feed_venue_ping(&s->venue, buf, FEED_SUB_BUF, &n, now);
	if (rc == 0 && n > 0) {
		rc = feed_conn_send_text(&s->conn, buf, n);
	} else {
		memcpy(stamp, &now, sizeof(stamp));
		rc = feed_conn_ping(&s->conn, stamp, sizeof(stamp));
	}
	if (rc < 0)
		return; /* not open (yet): nothing to time */
	s->ping_sent_ns = now;
	s->dl_pong = now + s->cfg->pong_timeout_ms * MS;
	feed_sess__flush(s);
}

void feed_sconn_on_timer(struct feed_sconn *s, int64_t now)
{
	enum feed_state st;

	if (due(s->dl_attempt, now)) {
		s->dl_attempt = 0;
		st = s->fsm.state;
		if (st == FEED_ST_BACKOFF || st == FEED_ST_DISCONNECTED)
			feed_sess__attempt(s, now);
	}
	if (s->res.active && due(feed_resolve_deadline(&s->res, now), now))
		feed_resolve_on_timer(&s->res);
	feed_sfb_on_timer(s, now);
	if (due(s->dl_close, now)) {
		s->dl_close = 0;
		if (s->fsm.state == FEED_ST_CLOSING) {
			feed_log(FEED_LOG_WARN, FEED_SESS_KV(s), LOG_EV("close_timeout"),
				 LOG_S("effect", "closing the socket"));
			feed_sess__finish_close(s, now);
		}
	}
	if (due(s->dl_handshake, now))
		feed_sess__fail(
			s, FEED_ERR_TIMEOUT, now, "handshake not complete within %lld ms (in %s)",
			(long long)s->cfg->handshake_timeout_ms, feed_state_name(s->fsm.state));
	if (due(s->dl_sub, now))
		sess_subscribe(s, now);
	if (due(s->dl_pong, now))
		feed_sess__fail(s, FEED_ERR_PONG, now, "no pong within %lld ms",
				(long long)s->cfg->pong_timeout_ms);
	if (due(s->dl_stale, now)) {
		char why[96];

		snprintf(why, sizeof(why), "no market data for %lld ms",
			 (long long)s->cfg->stale_timeout_ms);
		s->dl_stale = 0;
		if (s->fsm.state == FEED_ST_LIVE) {
			feed_sess__to(s, FEED_ST_STALE, FEED_ERR_STALE, why, now);
			feed_sess__status(s, MDBUS_STATUS_STALE, FEED_ERR_STALE, now);
		}
		feed_sess__fail(s, FEED_ERR_STALE, now, "%s", why);
	}
	if (due(s->dl_ping, now))
		sess_ping(s, now);
	feed_sbook_on_timer(s, now);
	feed_sess__flush(s); /* resubscribe texts it queued (a no-op when none) */
	if (due(s->dl_lifetime, now)) {
		s->dl_lifetime = 0;
		if (s->fsm.state == FEED_ST_LIVE) {
			s->planned = 1;
			s->last_cls = FEED_ERR_LIFETIME;
			snprintf(s->last_err, sizeof(s->last_err), "max_lifetime %lld ms reached",
				 (long long)s->cfg->max_lifetime_ms);
			s->st.last_error_ns = now;
			feed_sess__drop(s, FEED_ERR_LIFETIME, s->last_err, now);
		}
	}
	if (s->fsm.state == FEED_ST_LIVE)
		feed_backoff_live_for(&s->backoff, (now - s->live_since_ns) / MS);
}

const struct feed_conn_cb feed_sess__conn_cb = {
	.on_open = sess_on_open,
	.on_message = sess_on_message,
	.on_pong = sess_on_pong,
	.on_close = sess_on_close,
	.on_chunk = sess_on_chunk,
};
