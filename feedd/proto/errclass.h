/* SPDX-License-Identifier: MIT */
/*
 * errclass.h - why a feed connection failed, as a small closed set.
 *
 * Every error that ends a connection attempt carries one class (for the
 * state log line, the health counters and the backoff policy) plus a text
 * reason.  The class name is what appears in the log:
 *   ... session=S venue=V state=TO event=state from=FROM error=<class name>
 *   reason="<reason>"
 */
#ifndef FEED_ERRCLASS_H
#define FEED_ERRCLASS_H

enum feed_err_class {
	FEED_ERR_NONE = 0,     /* no error */
	FEED_ERR_DNS,	       /* name resolution failed */
	FEED_ERR_TCP,	       /* connect/recv/send failed, peer reset, EOF without close */
	FEED_ERR_TLS,	       /* handshake, certificate verification, TLS alert, bad record */
	FEED_ERR_HTTP,	       /* upgrade refused (non-101) or bad upgrade response */
	FEED_ERR_WS,	       /* WebSocket protocol violation or message too big */
	FEED_ERR_PROTOCOL,     /* venue-level protocol error (bad JSON, subscribe rejected) */
	FEED_ERR_STALE,	       /* no data for stale_timeout */
	FEED_ERR_SERVER_CLOSE, /* peer sent a WebSocket close frame / TLS close_notify */
	FEED_ERR_PONG,	       /* ping sent, no pong within pong_timeout */
	FEED_ERR_TIMEOUT,      /* connect or handshake took longer than handshake_timeout */
	FEED_ERR_LIFETIME,     /* planned rotation: connection reached max_lifetime */
	FEED_ERR_SHUTDOWN,     /* we are shutting down */
	FEED_ERR_INTERNAL,     /* bug or resource exhaustion (ENOMEM, buffer full) */
	FEED_ERR__COUNT
};

/* Short lowercase name, e.g. "tls", "server_close"; "unknown" when out of range. */
const char *feed_err_class_name(enum feed_err_class cls);

#endif /* FEED_ERRCLASS_H */
