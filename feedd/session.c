/* SPDX-License-Identifier: MIT */
/* session.c: the life cycle of one connection of a session (struct
 * feed_sconn) over the io_uring loop: attempts, socket ops and completions,
 * closing, backoff, stop, and the per-instrument status it sends. The
 * live side (subscriptions, messages, keepalive, timers) is session_live.c. */
#include "session.h"
#include "session_int.h"
#include "subs.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pages.h"

#define MS FEED_MS

const char *feed_sess__name(const struct feed_sconn *s)
{
	return s->name;
}

/* ---- state changes and errors ------------------------------------------ */

/* Every state change goes through the table; one log line each. */
int feed_sess__to(struct feed_sconn *s, enum feed_state to, enum feed_err_class cls,
		  const char *why, int64_t now)
{
	enum feed_state from = s->fsm.state;
	int rc = feed_fsm_transition(&s->fsm, to, now);

	if (rc < 0) {
		feed_log(FEED_LOG_ERROR, FEED_SESS_KV(s), LOG_EV("bug_transition"),
			 LOG_S("from", feed_state_name(from)), LOG_S("to", feed_state_name(to)));
		return rc;
	}
	if ((from == FEED_ST_LIVE || from == FEED_ST_STALE) && to != FEED_ST_LIVE &&
	    to != FEED_ST_STALE)
		feed_sfb_down(s, now); /* the REST fallback arms (session_fb.c) */
	/* A change caused by an error is a warning; the way back to LIVE and a
	 * clean stop are news. */
	if (cls != FEED_ERR_NONE && why)
		feed_log(cls == FEED_ERR_SHUTDOWN ? FEED_LOG_INFO : FEED_LOG_WARN, FEED_SESS_KV(s),
			 LOG_EV("state"), LOG_S("from", feed_state_name(from)),
			 LOG_S("error", feed_err_class_name(cls)), LOG_S("reason", why));
	else
		feed_log(FEED_LOG_INFO, FEED_SESS_KV(s), LOG_EV("state"),
			 LOG_S("from", feed_state_name(from)));
	return 0;
}

static int sess_handshaking(enum feed_state st)
{
	return st >= FEED_ST_RESOLVING && st <= FEED_ST_SUBSCRIBING;
}

/* Records the error and ends the connection (see feed_sess__drop). */
void feed_sess__fail(struct feed_sconn *s, enum feed_err_class cls, int64_t now, const char *fmt,
		     ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->last_err, sizeof(s->last_err), fmt, ap);
	va_end(ap);
	s->last_cls = cls;
	s->st.last_error_ns = now;
	if (sess_handshaking(s->fsm.state) && (unsigned)cls < FEED_ERR__COUNT)
		s->st.hs_fail[cls]++;
	feed_sess__drop(s, cls, s->last_err, now);
}

/* ---- socket and ops ------------------------------------------------------- */

static uint64_t sess_ud(const struct feed_sconn *s, unsigned op)
{
	return feed_ud_make(op, s->slot, s->gen);
}

static void sess_clear_deadlines(struct feed_sconn *s)
{
	s->dl_handshake = s->dl_ping = s->dl_pong = s->dl_stale = 0;
	s->dl_lifetime = s->dl_close = s->dl_sub = 0;
	s->ping_sent_ns = 0;
}

/* Closes the socket: ops in flight are cancelled and, carrying the old
 * generation, ignored when they complete. Their buffers (rx, the conn's
 * output) stay allocated until the session is freed after the ring. */
static void sess_teardown(struct feed_sconn *s)
{
	struct feed_loop *l = s->host.loop;

	feed_resolve_cancel(&s->res);
	if (s->fd >= 0) {
		if (s->connect_inflight)
			feed_loop_cancel(l, sess_ud(s, FEED_OP_CONNECT));
		if (s->recv_inflight)
			feed_loop_cancel(l, sess_ud(s, FEED_OP_RECV));
		if (s->send_inflight)
			feed_loop_cancel(l, sess_ud(s, FEED_OP_SEND));
		close(s->fd);
		s->fd = -1;
	}
	s->gen = (s->gen + 1) & FEED_UD_GEN_MASK;
	sess_clear_deadlines(s);
	feed_sbook_closed(s); /* its REST snapshots are cancelled */
}

static void sess_recv(struct feed_sconn *s)
{
	struct io_uring_sqe *sqe;

	if (s->fd < 0 || s->recv_inflight)
		return;
	sqe = feed_loop_sqe(s->host.loop);
	if (!sqe)
		return; /* ring broken: the handshake/stale deadline ends it */
	/* The kernel rewrites msg_controllen and the control bytes: re-arm
	 * both (a stale header must never pass for this recv's stamp). */
	s->rx_iov.iov_base = s->rx;
	s->rx_iov.iov_len = FEED_RX_BUF;
	memset(&s->rx_msg, 0, sizeof(s->rx_msg));
	s->rx_msg.msg_iov = &s->rx_iov;
	s->rx_msg.msg_iovlen = 1;
	s->rx_msg.msg_control = s->rx_cmsg.buf;
	s->rx_msg.msg_controllen = sizeof(s->rx_cmsg.buf);
	s->rx_cmsg.align.cmsg_len = 0;
	io_uring_prep_recvmsg(sqe, s->fd, &s->rx_msg, 0);
	io_uring_sqe_set_data64(sqe, sess_ud(s, FEED_OP_RECV));
	s->recv_inflight = 1;
}

/* One send in flight: TLS records must leave in order. The conn keeps the
 * bytes behind the pointer unchanged until feed_conn_consume. */
void feed_sess__flush(struct feed_sconn *s)
{
	struct io_uring_sqe *sqe;
	const uint8_t *p;
	size_t n;

	if (s->fd < 0 || s->send_inflight || s->connect_inflight)
		return;
	n = feed_conn_output(&s->conn, &p);
	if (n == 0)
		return;
	sqe = feed_loop_sqe(s->host.loop);
	if (!sqe)
		return;
	io_uring_prep_send(sqe, s->fd, p, n, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, sess_ud(s, FEED_OP_SEND));
	s->send_inflight = 1;
}

/* ---- closing and backoff ---------------------------------------------------- */

/* BACKOFF -> FAILED: this connection stays down until shutdown (the
 * session's other connections carry on). */
static void sess_fail_for_good(struct feed_sconn *s, enum feed_err_class cls, const char *why,
			       int64_t now)
{
	feed_sess__to(s, FEED_ST_FAILED, cls, why, now);
	feed_log(FEED_LOG_ERROR, FEED_SESS_KV(s), LOG_EV("failed"),
		 LOG_S("error", feed_err_class_name(s->last_cls)), LOG_S("reason", s->last_err),
		 LOG_S("effect", "stays down"));
	feed_sess__status(s, MDBUS_STATUS_FAILED, s->last_cls, now);
}

/* The connection is gone: stop, rotate, back off or fail. `why` non-NULL
 * means the error was not logged yet (it goes on the transition line). */
static void sess_after_close(struct feed_sconn *s, enum feed_err_class cls, const char *why,
			     int64_t now)
{
	int64_t delay = 0;
	int rc;

	if (s->stopping) {
		feed_sess__to(s, FEED_ST_STOPPED, cls, why, now);
		return;
	}
	if (s->planned && s->fsm.state == FEED_ST_CLOSING) {
		/* A planned rotation reconnects at once, but through the loop
		 * (a deadline that is already due: the loop's absolute timer
		 * fires immediately) rather than by calling feed_sess__attempt
		 * here. An attempt that fails synchronously (socket, resolver,
		 * submission queue) comes back to this function through
		 * fail -> drop; the deferral keeps that a loop iteration, not
		 * a recursion. */
		feed_sess__to(s, FEED_ST_DISCONNECTED, FEED_ERR_NONE, NULL, now);
		s->dl_attempt = now;
		return;
	}
	if (feed_sess__to(s, FEED_ST_BACKOFF, cls, why, now) < 0)
		return;
	if (s->fatal) {
		/* A config error (every symbol rejected): reconnecting cannot
		 * fix it, so the session stays down. FAILED is only reachable
		 * from BACKOFF, hence the detour. */
		sess_fail_for_good(s, s->last_cls, s->last_err, now);
		return;
	}
	rc = feed_backoff_next(&s->backoff, s->host.rng, &delay);
	if (rc == -ETIMEDOUT) {
		char msg[96];

		snprintf(msg, sizeof(msg), "retries exhausted after %u attempts",
			 s->backoff.cfg.max_retries);
		sess_fail_for_good(s, s->last_cls != FEED_ERR_NONE ? s->last_cls : cls, msg, now);
		return;
	}
	if (rc < 0)
		delay = s->cfg->reconnect_max_ms;
	s->dl_attempt = now + delay * MS;
	s->st.next_reconnect_ns = s->dl_attempt;
	feed_log(FEED_LOG_WARN, FEED_SESS_KV(s), LOG_EV("reconnect"),
		 LOG_U("attempt", s->backoff.attempt), LOG_I("delay_ms", delay),
		 LOG_S("error", feed_err_class_name(s->last_cls)), LOG_S("reason", s->last_err));
}

void feed_sess__finish_close(struct feed_sconn *s, int64_t now)
{
	sess_teardown(s);
	sess_after_close(s, s->close_cls, NULL, now);
}

/* In CLOSING: done once the conn is CLOSED and its last bytes are sent. */
static void sess_check_closed(struct feed_sconn *s, int64_t now)
{
	const uint8_t *p;

	if (s->fsm.state != FEED_ST_CLOSING)
		return;
	if (feed_conn_phase(&s->conn) == FEED_CONN_CLOSED && !s->send_inflight &&
	    feed_conn_output(&s->conn, &p) == 0)
		feed_sess__finish_close(s, now);
}

/* Ends the current connection because of cls: status DOWN for readers if it
 * was up; a polite WebSocket close when the socket can still carry one,
 * else the socket is closed now. */
/* Enters CLOSING: what the conn still has to say goes out (one send at a
 * time through the ring), then sess_check_closed finishes; the close grace
 * (or the shutdown deadline) bounds the wait. */
static int sess_linger(struct feed_sconn *s, enum feed_err_class cls, const char *why, int64_t now)
{
	int64_t grace;

	s->close_cls = cls;
	if (feed_sess__to(s, FEED_ST_CLOSING, cls, why, now) < 0)
		return -EINVAL;
	sess_clear_deadlines(s);
	feed_sess__flush(s);
	grace = now + FEED_CLOSE_GRACE_MS * MS;
	if (s->stopping && s->stop_deadline && s->stop_deadline < grace)
		grace = s->stop_deadline;
	s->dl_close = grace;
	sess_check_closed(s, now);
	return 0;
}

void feed_sess__drop(struct feed_sconn *s, enum feed_err_class cls, const char *why, int64_t now)
{
	const uint8_t *p;

	if (s->fsm.state == FEED_ST_CLOSING) {
		/* Already closing: an error now just ends it. */
		feed_sess__finish_close(s, now);
		return;
	}
	feed_sconn_down(s, cls, now);
	feed_resolve_cancel(&s->res);
	/* Only a WebSocket that was opened has a close handshake to do; a
	 * refused upgrade or a failed TLS handshake just closes the socket. */
	if (s->fd >= 0 && cls != FEED_ERR_TCP && s->ws_open &&
	    feed_fsm_allowed(s->fsm.state, FEED_ST_CLOSING)) {
		feed_conn_close(&s->conn, cls == FEED_ERR_SHUTDOWN ? 1001 : 1000,
				feed_err_class_name(cls));
		if (sess_linger(s, cls, why, now) == 0)
			return;
		goto hard;
	}
	/* A failed TLS handshake left its alert (bad certificate, ...) in the
	 * conn; a refused upgrade gets our close_notify. Sent once, best
	 * effort, so the peer learns why instead of seeing a bare EOF. */
	if (s->fd >= 0 && (cls == FEED_ERR_TLS || cls == FEED_ERR_HTTP) &&
	    feed_fsm_allowed(s->fsm.state, FEED_ST_CLOSING)) {
		if (cls == FEED_ERR_HTTP)
			feed_conn_shutdown(&s->conn);
		if (feed_conn_output(&s->conn, &p) > 0 && sess_linger(s, cls, why, now) == 0)
			return;
	}
hard:
	sess_teardown(s);
	sess_after_close(s, cls, why, now);
}

/* ---- connecting ------------------------------------------------------------ */

/* Kernel software receive stamps on every recvmsg (a control message, no
 * extra syscall): SO_TIMESTAMPING, else SO_TIMESTAMPNS. Neither: recv_ts
 * falls back to the wall clock at the completion (counted as rx_unstamped,
 * ts_source in the health region). */
static void sess_stamp_on(int fd)
{
	int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
}

static int64_t sess_ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* The kernel's receive stamp of the completed recvmsg (CLOCK_REALTIME ns),
 * 0 if it carried none. */
static int64_t sess_rx_stamp(struct feed_sconn *s)
{
	struct msghdr *m = &s->rx_msg;
	struct scm_timestamping tss;
	struct timespec ts;

	FEED_KERNEL_WROTE(m, sizeof(*m));
	if (m->msg_controllen > sizeof(s->rx_cmsg))
		return 0;
	FEED_KERNEL_WROTE(s->rx_cmsg.buf, m->msg_controllen);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_TIMESTAMPING && c->cmsg_len >= CMSG_LEN(sizeof(tss))) {
			memcpy(&tss, CMSG_DATA(c), sizeof(tss));
			return sess_ts_ns(&tss.ts[0]); /* ts[0]: software */
		}
		if (c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(ts))) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return sess_ts_ns(&ts);
		}
	}
	return 0;
}

static void sess_connect(struct feed_sconn *s, int64_t now)
{
	struct io_uring_sqe *sqe;
	int one = 1;
	int fd;

	fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		feed_sess__fail(s, FEED_ERR_TCP, now, "socket: %s", strerror(errno));
		return;
	}
	/* Small frames (pongs, subscribes) must not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sess_stamp_on(fd);
	s->fd = fd;
	if (feed_sess__to(s, FEED_ST_CONNECTING, FEED_ERR_NONE, NULL, now) < 0)
		return;
	sqe = feed_loop_sqe(s->host.loop);
	if (!sqe) {
		feed_sess__fail(s, FEED_ERR_INTERNAL, now, "io_uring submission queue unavailable");
		return;
	}
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&s->addr, s->addrlen);
	io_uring_sqe_set_data64(sqe, sess_ud(s, FEED_OP_CONNECT));
	s->connect_inflight = 1;
}

void feed_sess__resolved(void *ud, int err, const struct sockaddr *sa, socklen_t salen,
			 const char *reason)
{
	struct feed_sconn *s = ud;
	int64_t now = feed_now_ns();

	if (s->fsm.state != FEED_ST_RESOLVING)
		return;
	if (err < 0) {
		feed_sess__fail(s, FEED_ERR_DNS, now, "%s: %s", s->cfg->url.host,
				reason ? reason : strerror(-err));
		return;
	}
	memcpy(&s->addr, sa, salen);
	s->addrlen = salen;
	sess_connect(s, now);
}

/* Starts an attempt from DISCONNECTED or BACKOFF, if the connect rate and
 * the previous connection's draining ops allow; otherwise arms dl_attempt. */
void feed_sess__attempt(struct feed_sconn *s, int64_t now)
{
	int64_t ready = 0;
	int rc;

	s->dl_attempt = 0;
	if (s->stopping)
		return;
	if (s->connect_inflight || s->recv_inflight || s->send_inflight) {
		/* The old recv may still write into rx: never share it. */
		s->dl_attempt = now + FEED_DRAIN_RETRY_MS * MS;
		return;
	}
	if (feed_rate_take_turn(s->host.rate, now, &ready) < 0) {
		if (s->fsm.state == FEED_ST_BACKOFF)
			feed_sess__to(s, FEED_ST_DISCONNECTED, FEED_ERR_NONE, NULL, now);
		feed_log(FEED_LOG_INFO, FEED_SESS_KV(s), LOG_EV("connect_rate"),
			 LOG_I("wait_ms", (ready - now + MS - 1) / MS));
		s->dl_attempt = ready;
		return;
	}
	s->attempts++;
	s->st.connects++;
	if (s->attempts > 1) {
		s->st.reconnects++;
		feed_conn_reset(&s->conn);
	}
	s->planned = 0;
	s->subs_sent = 0;
	s->ws_open = 0;
	s->st.next_reconnect_ns = 0;
	s->st.subscriptions = 0;
	s->gen = (s->gen + 1) & FEED_UD_GEN_MASK;
	s->dl_handshake = now + s->cfg->handshake_timeout_ms * MS;
	if (feed_sess__to(s, FEED_ST_RESOLVING, FEED_ERR_NONE, NULL, now) < 0)
		return;
	/* May answer synchronously (numeric host, hosts file). */
	rc = feed_resolve_start(&s->res, s->cfg->url.host, s->cfg->url.port);
	if (rc < 0)
		feed_sess__fail(s, FEED_ERR_DNS, now, "%s: %s", s->cfg->url.host, strerror(-rc));
}

/* ---- completions --------------------------------------------------------------- */

static void sess_conn_error(struct feed_sconn *s, int rc, int64_t now)
{
	enum feed_err_class cls = FEED_ERR_NONE;
	const char *e = feed_conn_error(&s->conn, &cls);
	int status = feed_conn_http_status(&s->conn);
	int64_t ra = feed_conn_retry_after_ms(&s->conn);

	if (cls == FEED_ERR_NONE)
		cls = FEED_ERR_INTERNAL;
	if (ra >= 0 && (status == 429 || status == 503)) {
		feed_backoff_retry_after(&s->backoff, ra);
		feed_log(FEED_LOG_WARN, FEED_SESS_KV(s), LOG_EV("retry_after"),
			 LOG_I("retry_after_ms", ra), LOG_I("http", status));
	}
	feed_sess__fail(s, cls, now, "%s", *e ? e : strerror(-rc));
}

static void sess_on_connect(struct feed_sconn *s, int res, int64_t now)
{
	int rc;

	if (res < 0) {
		feed_sess__fail(s, FEED_ERR_TCP, now, "connect %s:%u: %s", s->cfg->url.host,
				s->cfg->url.port, strerror(-res));
		return;
	}
	if (feed_sess__to(s, s->cfg->url.tls ? FEED_ST_TLS_HANDSHAKE : FEED_ST_WS_HANDSHAKE,
			  FEED_ERR_NONE, NULL, now) < 0)
		return;
	rc = feed_conn_start(&s->conn);
	if (rc < 0) {
		sess_conn_error(s, rc, now);
		return;
	}
	sess_recv(s);
	feed_sess__flush(s);
}

/* Gone LIVE: what only the start-up needed is released, one call per buffer
 * and connection (never per message): the handshake's and the first
 * answers' records in rx (a steady stream touches its first page again)
 * and the ticks held while subscribing. No recv is in flight here. */
static void sess_release(struct feed_sconn *s)
{
	s->release = 0;
	feed_pages_release(s->rx, FEED_RX_BUF);
	if (s->held_used) {
		s->held_used = 0;
		feed_pages_release(s->held, sizeof(s->held));
	}
}

static void sess_on_recv(struct feed_sconn *s, int res, int64_t now)
{
	uint64_t gen = s->gen;
	int rc;

	if (res < 0) {
		feed_sess__fail(s, FEED_ERR_TCP, now, "recv: %s", strerror(-res));
		return;
	}
	if (res == 0) {
		if (s->fsm.state == FEED_ST_CLOSING) {
			feed_sess__finish_close(s, now);
			return;
		}
		if (feed_conn_phase(&s->conn) >= FEED_CONN_CLOSING)
			feed_sess__fail(s, FEED_ERR_SERVER_CLOSE, now, "connection closed by peer");
		else
			feed_sess__fail(s, FEED_ERR_TCP, now, "connection closed by peer in %s",
					feed_state_name(s->fsm.state));
		return;
	}
	FEED_KERNEL_WROTE(s->rx, (size_t)res);
	s->st.bytes += (uint64_t)res;
	s->rx_mono = now;
	s->rx_wall = sess_rx_stamp(s);
	if (s->rx_wall)
		feed_lat_input(&s->sess->lat, s->rx_wall, 1);
	else
		feed_lat_input(&s->sess->lat, s->rx_wall = feed_wall_ns(), 0);
	rc = feed_conn_input(&s->conn, s->rx, (size_t)res);
	feed_lat_chunk_close(&s->sess->lat, s->host.sink->iter);
	if (s->release)
		sess_release(s); /* rx is parsed: plain ws:// parses it in place */
	if (s->gen != gen)
		return; /* a callback ended this connection */
	if (rc < 0) {
		if (s->fsm.state == FEED_ST_CLOSING) {
			feed_sess__finish_close(s, now);
			return;
		}
		sess_conn_error(s, rc, now);
		return;
	}
	if (s->fsm.state == FEED_ST_TLS_HANDSHAKE && feed_conn_phase(&s->conn) != FEED_CONN_TLS)
		feed_sess__to(s, FEED_ST_WS_HANDSHAKE, FEED_ERR_NONE, NULL, now);
	/* Answers (pongs, TLS records) go out after every input. */
	feed_sess__flush(s);
	sess_check_closed(s, now);
	if (s->gen == gen)
		sess_recv(s);
}

static void sess_on_send(struct feed_sconn *s, int res, int64_t now)
{
	if (res < 0) {
		if (s->fsm.state == FEED_ST_CLOSING) {
			feed_sess__finish_close(s, now);
			return;
		}
		feed_sess__fail(s, FEED_ERR_TCP, now, "send: %s", strerror(-res));
		return;
	}
	feed_conn_consume(&s->conn, (size_t)res);
	feed_sess__flush(s);
	sess_check_closed(s, now);
}

void feed_sconn_on_cqe(struct feed_sconn *s, uint64_t ud, int res, int64_t now)
{
	unsigned op = feed_ud_op(ud);
	int current = feed_ud_gen(ud) == s->gen && s->fd >= 0;

	switch (op) {
	case FEED_OP_CONNECT:
		s->connect_inflight = 0;
		if (current)
			sess_on_connect(s, res, now);
		break;
	case FEED_OP_RECV:
		s->recv_inflight = 0;
		if (current)
			sess_on_recv(s, res, now);
		break;
	case FEED_OP_SEND:
		s->send_inflight = 0;
		if (current)
			sess_on_send(s, res, now);
		break;
	case FEED_OP_DNS_POLL:
		feed_resolve_on_poll(&s->res, ud, res);
		break;
	default:
		break;
	}
}

/* ---- stop -------------------------------------------------------------------- */

void feed_sconn_stop(struct feed_sconn *s, int64_t now, int64_t deadline)
{
	enum feed_state st = s->fsm.state;

	if (s->stopping)
		return;
	s->stopping = 1;
	s->stop_deadline = deadline;
	feed_sfb_stop(s, now); /* no polls while shutting down */
	s->dl_attempt = 0;
	s->planned = 0;
	if (st == FEED_ST_STOPPED)
		return;
	if (st == FEED_ST_CLOSING) {
		if (!s->dl_close || s->dl_close > deadline)
			s->dl_close = deadline;
		return;
	}
	if (st == FEED_ST_LIVE || st == FEED_ST_STALE || st == FEED_ST_SUBSCRIBING ||
	    st == FEED_ST_WS_HANDSHAKE || st == FEED_ST_TLS_HANDSHAKE) {
		/* Polite if the WebSocket is open, immediate otherwise. */
		feed_sess__drop(s, FEED_ERR_SHUTDOWN, "shutting down", now);
		return;
	}
	feed_sconn_down(s, FEED_ERR_SHUTDOWN, now);
	sess_teardown(s);
	s->dl_attempt = 0;
	feed_sess__to(s, FEED_ST_STOPPED, FEED_ERR_NONE, NULL, now);
}

void feed_sconn_force(struct feed_sconn *s, int64_t now)
{
	s->stopping = 1;
	s->dl_attempt = 0;
	feed_sconn_down(s, FEED_ERR_SHUTDOWN, now);
	sess_teardown(s);
	if (s->fsm.state != FEED_ST_STOPPED)
		feed_sess__to(s, FEED_ST_STOPPED, FEED_ERR_NONE, NULL, now);
}

int feed_sconn_done(const struct feed_sconn *s)
{
	return s->fsm.state == FEED_ST_STOPPED && !s->connect_inflight && !s->recv_inflight &&
	       !s->send_inflight;
}

void feed_sconn_down(struct feed_sconn *s, enum feed_err_class cls, int64_t now)
{
	if (!s->up)
		return;
	s->up = 0;
	feed_sess__status(s, MDBUS_STATUS_DOWN, cls, now);
}

/* ---- status ------------------------------------------------------------------- */

/* what: instruments=N (the session's) or symbol=S (one symbol's). */
static void sess_log_status(const struct feed_sconn *s, struct feed_log_kv what, uint32_t code,
			    enum feed_err_class reason)
{
	if (reason != FEED_ERR_NONE)
		feed_log(FEED_LOG_INFO, FEED_SESS_KV(s), LOG_EV("status"),
			 LOG_S("status", feed_sink_status_name(code)), what,
			 LOG_S("error", feed_err_class_name(reason)));
	else
		feed_log(FEED_LOG_INFO, FEED_SESS_KV(s), LOG_EV("status"),
			 LOG_S("status", feed_sink_status_name(code)), what);
}

/* Symbol i of this connection is (no longer) UP here. Returns 1 when the
 * instrument's status changes with it: it is UP only while every
 * connection carrying one of its streams has it UP. */
static int sess_count_up(struct feed_sconn *s, uint32_t i, int up)
{
	struct feed_session *ss = s->sess;
	uint32_t g = s->plan->sym_first + i;

	if (up) {
		if (s->counted[i])
			return 0;
		s->counted[i] = 1;
		return ++ss->sym_up[g] == ss->sym_conns[g];
	}
	if (s->counted[i]) {
		s->counted[i] = 0;
		ss->sym_up[g]--;
	}
	return 1;
}

void feed_sess__status(struct feed_sconn *s, uint32_t code, enum feed_err_class reason, int64_t now)
{
	int64_t wall = feed_wall_ns();
	uint32_t n = 0;

	(void)now;
	for (uint32_t i = 0; i < s->venue.nsyms; i++) {
		if (!feed_subs_follows_session(&s->venue, i, code) ||
		    !sess_count_up(s, i, code == MDBUS_STATUS_UP))
			continue;
		feed_sink_status(s->host.sink, s->venue.syms[i].instrument, s->index, code, reason,
				 wall);
		n++;
	}
	feed_sbook_status(s, code);
	feed_sfb_status(s, code);
	sess_log_status(s, LOG_U("instruments", n), code, reason);
}

void feed_sess__sym_status(struct feed_sconn *s, uint32_t i, uint32_t code,
			   enum feed_err_class reason)
{
	if (!sess_count_up(s, i, code == MDBUS_STATUS_UP))
		return;
	feed_sink_status(s->host.sink, s->venue.syms[i].instrument, s->index, code, reason,
			 feed_wall_ns());
	sess_log_status(s, LOG_S("symbol", s->venue.syms[i].norm), code, reason);
}
