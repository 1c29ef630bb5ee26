/* SPDX-License-Identifier: MIT */
/*
 * test_conn.c - feed_conn end to end in memory: an OpenSSL server over
 * memory BIOs answers the upgrade by hand and speaks WebSocket frames.
 * Covers open, messages both ways, pings both ways, close both ways,
 * refused upgrade, certificate failure, oversize, early close_notify,
 * reset + reuse without reallocation, and plain ws://.
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "helpers.h"

struct ev {
	int opens, msgs, pongs, closes;
	uint8_t last[1 << 17];
	size_t last_len;
	uint16_t close_code;
	char close_reason[128];
	int send_on_open; /* reply from inside the callback */
	struct feed_conn *c;
};

static void on_open(void *ud)
{
	struct ev *e = ud;

	e->opens++;
	if (e->send_on_open)
		CHECK(feed_conn_send_text(e->c, "{\"sub\":1}", 9) == 0);
}

static void on_message(void *ud, const uint8_t *p, size_t n, int binary)
{
	struct ev *e = ud;

	(void)binary;
	e->msgs++;
	memcpy(e->last, p, n);
	e->last_len = n;
}

static void on_pong(void *ud, const uint8_t *p, size_t n)
{
	struct ev *e = ud;

	(void)p;
	(void)n;
	e->pongs++;
}

static void on_close(void *ud, uint16_t code, const char *reason)
{
	struct ev *e = ud;

	e->closes++;
	e->close_code = code;
	snprintf(e->close_reason, sizeof(e->close_reason), "%s", reason);
}

static const struct feed_conn_cb cbs = {on_open, on_message, on_pong, on_close, NULL};

/* The far end: TLS server (or nothing in plain mode) + what it received in plaintext. */
struct far {
	int tls;
	struct th_server s;
	uint8_t rx[1 << 18];
	size_t rx_len;
	uint8_t tx[1 << 18]; /* plain mode: bytes for the client */
	size_t tx_len;
	int eof; /* server saw close_notify */
};

static struct far far;
static struct ev ev;
static uint8_t wire[1 << 18];

static void far_send(const void *p, size_t n)
{
	if (far.tls) {
		CHECK(th_server_write(&far.s, p, n) == 0);
	} else {
		memcpy(far.tx + far.tx_len, p, n);
		far.tx_len += n;
	}
}

/*
 * Move bytes both ways until quiet.  bytewise feeds the client one byte at a
 * time.  Returns the first feed_conn_input error (or 0).
 */
static int pump(struct feed_conn *c, int bytewise)
{
	int err = 0;

	for (int round = 0; round < 100; round++) {
		const uint8_t *p;
		size_t n = feed_conn_output(c, &p), k;
		int progress = n > 0;

		if (n) {
			if (far.tls) {
				th_server_push(&far.s, p, n);
			} else {
				memcpy(far.rx + far.rx_len, p, n);
				far.rx_len += n;
			}
			feed_conn_consume(c, n);
		}
		if (far.tls) {
			int r;
			while ((r = th_server_step(&far.s, far.rx + far.rx_len,
						   sizeof(far.rx) - far.rx_len)) > 0) {
				far.rx_len += (size_t)r;
				progress = 1;
			}
			if (r < 0 && SSL_get_shutdown(far.s.ssl) & SSL_RECEIVED_SHUTDOWN)
				far.eof = 1;
			k = th_server_take(&far.s, wire, sizeof(wire));
		} else {
			k = far.tx_len;
			memcpy(wire, far.tx, k);
			far.tx_len = 0;
		}
		if (k) {
			progress = 1;
			if (bytewise) {
				/* all bytes go in even after an error: WS errors drain */
				for (size_t i = 0; i < k; i++) {
					int r = feed_conn_input(c, wire + i, 1);
					if (r < 0 && !err)
						err = r;
				}
			} else {
				err = feed_conn_input(c, wire, k);
			}
			if (err)
				return err;
		}
		if (!progress)
			break;
	}
	return err;
}

/* Server side: read the request, answer 101 (+ extra bytes in the same write). */
static void far_accept(const void *extra, size_t extra_len)
{
	char key[64], acc[32], resp[512];
	char *end;
	int n;

	far.rx[far.rx_len] = 0;
	end = strstr((char *)far.rx, "\r\n\r\n");
	CHECK(end != NULL);
	CHECK(th_request_key((char *)far.rx, key, sizeof(key)) == 0);
	CHECK(feed_upgrade_accept_for(key, acc, sizeof(acc)) == 0);
	n = snprintf(resp, sizeof(resp),
		     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		     acc);
	memcpy(resp + n, extra, extra_len);
	far_send(resp, (size_t)n + extra_len);
	far.rx_len = 0;
}

static void far_init(SSL_CTX *sctx)
{
	if (far.tls)
		th_server_free(&far.s);
	memset(&far, 0, sizeof(far));
	if (sctx) {
		far.tls = 1;
		CHECK(th_server_new(&far.s, sctx) == 0);
	}
	memset(&ev, 0, sizeof(ev));
}

static int conn_up(struct feed_conn *c, SSL_CTX *sctx, int bytewise)
{
	uint8_t fr[64];
	size_t fl;

	far_init(sctx);
	ev.c = c;
	CHECK(feed_conn_start(c) == 0);
	CHECK(feed_conn_phase(c) == (sctx ? FEED_CONN_TLS : FEED_CONN_UPGRADE));
	CHECK(pump(c, bytewise) == 0);
	CHECK(feed_conn_phase(c) == FEED_CONN_UPGRADE);
	CHECK(ev.opens == 0);
	far.rx[far.rx_len] = 0;
	CHECK(strncmp((char *)far.rx, "GET /ws HTTP/1.1\r\n", 18) == 0);
	CHECK_STR_HAS((char *)far.rx, "\r\nHost: localhost:9443\r\n");
	/* 101 and the first message in one record: on_open, then on_message */
	fl = th_frame(fr, 1, 0x1, 0, "first", 5);
	far_accept(fr, fl);
	CHECK(pump(c, bytewise) == 0);
	CHECK(ev.opens == 1 && ev.msgs == 1 && ev.last_len == 5);
	CHECK(feed_conn_phase(c) == FEED_CONN_OPEN);
	return 0;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_session(SSL_CTX *cctx, SSL_CTX *sctx, int bytewise)
{
	struct feed_conn c;
	struct feed_conn_cfg cfg = {"localhost", 9443, "/ws", sctx != NULL, cctx, 1, 4096, 1, NULL};
	struct th_cframe *cf = calloc(8, sizeof(*cf));
	uint8_t fr[8192];
	size_t fl;
	uint8_t *block;

	CHECK(feed_conn_init(&c, &cfg, &cbs, &ev) == 0);
	block = c.block;
	conn_up(&c, sctx, bytewise);

	/* client text + ping reach the server masked */
	CHECK(feed_conn_send_text(&c, "{\"method\":\"SUBSCRIBE\",\"id\":1}", 29) == 0);
	CHECK(feed_conn_ping(&c, (const uint8_t *)"t1", 2) == 0);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(th_parse_client_frames(far.rx, far.rx_len, cf, 8) == 2);
	CHECK(cf[0].opcode == 0x1 && cf[0].mask && cf[0].len == 29);
	CHECK(memcmp(cf[0].data, "{\"method\":\"SUBSCRIBE\",\"id\":1}", 29) == 0);
	CHECK(cf[1].opcode == 0x9 && cf[1].mask && cf[1].len == 2);
	far.rx_len = 0;

	/* server: pong, ping, fragmented message split over several records */
	fl = th_frame(fr, 1, 0xA, 0, "t1", 2);
	far_send(fr, fl);
	fl = th_frame(fr, 1, 0x9, 0, "srv", 3);
	far_send(fr, fl);
	fl = th_frame(fr, 0, 0x1, 0, "{\"e\":\"trade\",", 13);
	far_send(fr, fl);
	fl = th_frame(fr, 0, 0x0, 0, "\"p\":\"1.5\"", 9);
	far_send(fr, fl);
	fl = th_frame(fr, 1, 0x0, 0, "}", 1);
	far_send(fr, fl);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(ev.pongs == 1);
	CHECK(ev.msgs == 2 && ev.last_len == 23);
	CHECK(memcmp(ev.last, "{\"e\":\"trade\",\"p\":\"1.5\"}", 23) == 0);
	CHECK(th_parse_client_frames(far.rx, far.rx_len, cf, 8) == 1);
	CHECK(cf[0].opcode == 0xA && cf[0].len == 3 && memcmp(cf[0].data, "srv", 3) == 0);
	far.rx_len = 0;

	/* client-initiated close: CLOSING until the echo, then CLOSED + close_notify */
	CHECK(feed_conn_close(&c, 1000, "shutdown") == 0);
	CHECK(feed_conn_phase(&c) == FEED_CONN_CLOSING);
	CHECK(feed_conn_send_text(&c, "x", 1) == -ENOTCONN);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(th_parse_client_frames(far.rx, far.rx_len, cf, 8) == 1);
	CHECK(cf[0].opcode == 0x8 && cf[0].len == 10 && cf[0].data[0] == 0x03 &&
	      cf[0].data[1] == 0xe8);
	far.rx_len = 0;
	fl = th_frame(fr, 1, 0x8, 0, "\x03\xe8", 2);
	far_send(fr, fl);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(ev.closes == 1 && ev.close_code == 1000);
	CHECK(feed_conn_phase(&c) == FEED_CONN_CLOSED);
	if (sctx)
		CHECK(far.eof == 1); /* close_notify arrived */
	CHECK(far.rx_len == 0);	     /* and no second close frame */
	{
		enum feed_err_class cls;
		feed_conn_error(&c, &cls);
		CHECK(cls == FEED_ERR_NONE); /* we closed: not a server close */
	}

	/* reuse: server-initiated close this time */
	feed_conn_reset(&c);
	CHECK(c.block == block);
	conn_up(&c, sctx, bytewise);
	fl = th_frame(fr, 1, 0x8, 0, "\x03\xe9maintenance", 13);
	far_send(fr, fl);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(ev.closes == 1 && ev.close_code == 1001);
	CHECK(strcmp(ev.close_reason, "maintenance") == 0);
	CHECK(feed_conn_phase(&c) == FEED_CONN_CLOSED);
	CHECK(th_parse_client_frames(far.rx, far.rx_len, cf, 8) == 1);
	CHECK(cf[0].opcode == 0x8 && cf[0].len == 2 && cf[0].data[1] == 0xe9);
	{
		enum feed_err_class cls;
		const char *why = feed_conn_error(&c, &cls);
		CHECK(cls == FEED_ERR_SERVER_CLOSE);
		CHECK_STR_HAS(why, "1001 maintenance");
	}
	if (sctx) {
		/* the server's close_notify after the handshake is fine */
		SSL_shutdown(far.s.ssl);
		CHECK(pump(&c, bytewise) == 0);
	}

	/* reuse: message too big */
	feed_conn_reset(&c);
	conn_up(&c, sctx, bytewise);
	memset(fr, 'z', sizeof(fr));
	fl = th_frame(fr, 1, 0x1, 0, fr + 100, 5000);
	far.rx_len = 0;
	far_send(fr, fl);
	CHECK(pump(&c, bytewise) == -EMSGSIZE);
	{
		enum feed_err_class cls;
		const char *why = feed_conn_error(&c, &cls);
		CHECK(cls == FEED_ERR_WS);
		CHECK_STR_HAS(why, "message too big");
	}
	CHECK(feed_conn_phase(&c) == FEED_CONN_CLOSING); /* draining, not hung up */
	CHECK(pump(&c, bytewise) == 0);			 /* flush our 1009 */
	CHECK(th_parse_client_frames(far.rx, far.rx_len, cf, 8) == 1);
	CHECK(cf[0].opcode == 0x8 && cf[0].data[0] == 0x03 && cf[0].data[1] == 0xf1);
	far.rx_len = 0;
	/* the server, still sending, then answers the close: only the close counts */
	fl = th_frame(fr, 1, 0x1, 0, "late", 4);
	fl += th_frame(fr + fl, 1, 0x8, 0, "\x03\xf1", 2);
	far_send(fr, fl);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(ev.msgs == 1 && ev.closes == 1 && ev.close_code == 1009);
	CHECK(feed_conn_phase(&c) == FEED_CONN_CLOSED);
	if (sctx)
		CHECK(far.eof == 1);
	{
		enum feed_err_class cls;
		feed_conn_error(&c, &cls);
		CHECK(cls == FEED_ERR_WS); /* still the reason, not a server close */
	}

	/* reuse: protocol violation (masked frame): 1002, then drained until close_notify */
	feed_conn_reset(&c);
	conn_up(&c, sctx, bytewise);
	far.rx_len = 0;
	fl = th_frame(fr, 1, 0x1, 1, "masked", 6);
	far_send(fr, fl);
	CHECK(pump(&c, bytewise) == -EPROTO);
	CHECK(feed_conn_phase(&c) == FEED_CONN_CLOSING);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(th_parse_client_frames(far.rx, far.rx_len, cf, 8) == 1);
	CHECK(cf[0].opcode == 0x8 && cf[0].data[0] == 0x03 && cf[0].data[1] == 0xea);
	fl = th_frame(fr, 1, 0x1, 0, "ignored", 7);
	far_send(fr, fl);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(ev.msgs == 1);
	if (sctx) {
		SSL_shutdown(far.s.ssl);
		CHECK(pump(&c, bytewise) == 0);
		CHECK(feed_conn_phase(&c) == FEED_CONN_CLOSED);
		CHECK(far.eof == 1);
	}

	/* reuse: refused upgrade keeps status and Retry-After */
	feed_conn_reset(&c);
	far_init(sctx);
	CHECK(feed_conn_start(&c) == 0);
	CHECK(pump(&c, bytewise) == 0);
	{
		static const char r503[] =
			"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\n\r\n";
		enum feed_err_class cls;
		far_send(r503, sizeof(r503) - 1);
		CHECK(pump(&c, bytewise) == -EPROTO);
		CHECK(feed_conn_http_status(&c) == 503);
		CHECK(feed_conn_retry_after_ms(&c) == 7000);
		CHECK(strcmp(feed_conn_error(&c, &cls),
			     "upgrade refused: HTTP 503 Service Unavailable (Retry-After 7)") == 0);
		CHECK(cls == FEED_ERR_HTTP);
		CHECK(ev.opens == 0);
	}

	/* reuse: callback sends from on_open; close_notify before the WS close */
	feed_conn_reset(&c);
	CHECK(feed_conn_http_status(&c) == 0 && feed_conn_retry_after_ms(&c) == -1);
	ev.send_on_open = 1;
	far_init(sctx);
	ev.send_on_open = 1;
	ev.c = &c;
	CHECK(feed_conn_start(&c) == 0);
	CHECK(pump(&c, bytewise) == 0);
	far_accept("", 0);
	CHECK(pump(&c, bytewise) == 0);
	CHECK(ev.opens == 1);
	CHECK(th_parse_client_frames(far.rx, far.rx_len, cf, 8) == 1);
	CHECK(cf[0].opcode == 1 && cf[0].len == 9 && memcmp(cf[0].data, "{\"sub\":1}", 9) == 0);
	if (sctx) {
		enum feed_err_class cls;
		SSL_shutdown(far.s.ssl);
		CHECK(pump(&c, bytewise) == -ECONNRESET);
		feed_conn_error(&c, &cls);
		CHECK(cls == FEED_ERR_SERVER_CLOSE);
	}
	CHECK(c.block == block);
	feed_conn_free(&c);
	feed_conn_free(&c); /* twice is harmless */
	free(cf);
}

static void test_tls_failure(SSL_CTX *cctx, SSL_CTX *sctx)
{
	struct feed_conn c;
	struct feed_conn_cfg cfg = {"example.com", 443, "/", 1, cctx, 1, 4096, 0, NULL};
	enum feed_err_class cls;

	CHECK(feed_conn_init(&c, &cfg, &cbs, &ev) == 0);
	far_init(sctx);
	CHECK(feed_conn_start(&c) == 0);
	CHECK(pump(&c, 0) == -EPROTO);
	CHECK(strcmp(feed_conn_error(&c, &cls), "certificate verify failed: hostname mismatch") ==
	      0);
	CHECK(cls == FEED_ERR_TLS);
	CHECK(feed_conn_phase(&c) == FEED_CONN_CLOSED);
	CHECK(strcmp(feed_err_class_name(cls), "tls") == 0);
	feed_conn_free(&c);

	/* bad arguments */
	cfg.max_message = 0;
	CHECK(feed_conn_init(&c, &cfg, &cbs, &ev) == -EINVAL);
	cfg.max_message = 10;
	cfg.ssl_ctx = NULL;
	CHECK(feed_conn_init(&c, &cfg, &cbs, &ev) == -EINVAL);
	feed_conn_free(&c);
}

int main(void)
{
	struct th_pki pki;
	SSL_CTX *cctx = NULL, *sctx;
	char err[256];

	if (th_pki_make(&pki, -3600, 86400)) {
		fprintf(stderr, "cannot build the test PKI\n");
		return 1;
	}
	CHECK(feed_tls_ctx_new(&cctx, pki.ca_path, 1, err, sizeof(err)) == 0);
	sctx = th_server_ctx(&pki, 0);
	CHECK(sctx != NULL);
	if (th_failures)
		return th_result("test_conn");

	test_session(cctx, sctx, 0);
	test_session(cctx, sctx, 1);
	test_session(NULL, NULL, 0);
	test_session(NULL, NULL, 1);
	test_tls_failure(cctx, sctx);
	CHECK(strcmp(feed_err_class_name(FEED_ERR_SERVER_CLOSE), "server_close") == 0);
	CHECK(strcmp(feed_err_class_name((enum feed_err_class)999), "unknown") == 0);

	if (far.tls)
		th_server_free(&far.s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	th_pki_free(&pki);
	return th_result("test_conn");
}
