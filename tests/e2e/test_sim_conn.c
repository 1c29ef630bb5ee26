/* SPDX-License-Identifier: MIT */
/*
 * test_sim_conn.c: the dialect hooks as mdbus-sim's connection code
 * (tools/sim/conn.c) calls them, over a socketpair with no TLS: a test
 * dialect that routes one path, answers a request with two replies, has an
 * app-level ping both ways and a frame hook that turns every message into a
 * binary frame (as a gzip or protobuf venue would); and Binance's WebSocket
 * ping frames for comparison.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static int echo_route(struct sim_venue *v, const char *target, uint8_t *subs, int *mode)
{
	(void)v;
	*mode = 7;
	if (strcmp(target, "/x") != 0)
		return 404;
	subs[1] = SIM_STREAM_BBO; /* a path that names a stream */
	return 0;
}

static int echo_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			struct sim_replies *out)
{
	(void)v;
	if (n == 4 && memcmp(msg, "ping", 4) == 0) {
		sim_reply_add(out, "pong");
		return SIM_REQ_PING;
	}
	if (n == 4 && memcmp(msg, "pong", 4) == 0)
		return SIM_REQ_PONG;
	subs[0] |= SIM_STREAM_TRADE;
	sim_reply_add(out, "ack1");
	sim_reply_add(out, "ack2");
	return 0;
}

static int echo_ping(int64_t now_ms, char *buf, size_t len)
{
	(void)now_ms;
	return snprintf(buf, len, "ping");
}

/* Every message as a binary frame "Z" + text, checking the mode routed. */
static int echo_frame(const struct sim_venue *v, int mode, int sym, uint8_t kind, const void *p,
		      size_t n, struct sim_buf *out, uint8_t *opcode)
{
	(void)v;
	(void)sym;
	(void)kind;
	if (mode != 7)
		return -EINVAL;
	*opcode = WSLAY_BINARY_FRAME;
	return sim_buf_append(out, "Z", 1) < 0 || sim_buf_append(out, p, n) < 0 ? -ENOMEM : 1;
}

static const struct sim_dialect echo = {
	.name = "echo",
	.paths = "/x",
	.route = echo_route,
	.request = echo_request,
	.ping = echo_ping,
	.frame = echo_frame,
};

/* A book dialect: "depth N" subscribes symbol 0's depth N; snapshots on
 * the stream; GET /r is a REST body. */
static int book_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			struct sim_replies *out)
{
	(void)v;
	if (n < 7 || memcmp(msg, "depth ", 6) != 0)
		return -EINVAL;
	subs[0] |= SIM_STREAM_DEPTH;
	out->depth[0] = 0;
	for (size_t k = 6; k < n && msg[k] >= '0' && msg[k] <= '9'; k++)
		out->depth[0] = (uint16_t)(out->depth[0] * 10 + (msg[k] - '0'));
	sim_reply_add(out, "subscribed");
	return 0;
}

static int book_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		      char *buf, size_t len)
{
	(void)v, (void)mode;
	return snprintf(buf, len, "D%u snap=%d nb=%u na=%u depth=%u", i, ev->snapshot, ev->nb,
			ev->na, ev->depth);
}

static int book_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
		     int *status)
{
	(void)v;
	if (strcmp(path_query, "/r") != 0)
		return -ENOENT;
	*status = 200;
	return snprintf(out, len, "{\"book\":\"rest body rest body rest body\"}");
}

static const struct sim_dialect bookd = {
	.name = "bookd",
	.paths = "/",
	.request = book_request,
	.depth = book_depth,
	.rest = book_rest,
	.book_flags = SIM_BOOK_STREAM_SNAPSHOT,
};

/* Everything the server wrote so far (the socketpair never blocks here). */
static size_t drain(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (got < cap && poll(&p, 1, 100) == 1) {
		ssize_t n = recv(fd, buf + got, cap - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* A masked client text frame (payload under 126 bytes). */
static void send_text(int fd, const char *text)
{
	uint8_t f[140];
	size_t n = strlen(text);

	f[0] = 0x81;
	f[1] = (uint8_t)(0x80 | n);
	f[2] = 0x11; /* the mask key */
	f[3] = 0x22;
	f[4] = 0x33;
	f[5] = 0x44;
	for (size_t i = 0; i < n; i++)
		f[6 + i] = (uint8_t)text[i] ^ f[2 + i % 4];
	CHECK(write(fd, f, 6 + n) == (ssize_t)(6 + n), "write");
}

/* Checks buf holds exactly the server frames (opcode, payload) listed. */
static void expect_frames(const uint8_t *buf, size_t n, uint8_t op, const char *const *payloads,
			  size_t count, const char *what)
{
	size_t off = 0, k;

	for (k = 0; k < count && off + 2 <= n; k++) {
		size_t len = buf[off + 1];
		CHECK(buf[off] == (0x80 | op) && len < 126 && off + 2 + len <= n &&
			      len == strlen(payloads[k]) &&
			      memcmp(buf + off + 2, payloads[k], len) == 0,
		      "%s: frame %zu (byte0 %02x, %zu bytes)", what, k, buf[off], len);
		off += 2 + len;
	}
	CHECK(k == count && off == n, "%s: %zu frames, %zu of %zu bytes", what, k, off, n);
}

/* One connection on listener l through the upgrade to path; returns it
 * (NULL if it was refused) and the peer's socket in *peer. */
static struct sim_conn *open_conn(struct sim_server *s, struct sim_listener *l, const char *path,
				  int *peer, char *resp, size_t resplen)
{
	struct sim_conn *c = NULL;
	char req[256];
	int sv[2], n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	CHECK(sim_conn_new(s, sv[0], &c) == 0, "sim_conn_new");
	c->l = l;
	*peer = sv[1];
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
		     "13\r\n\r\n",
		     path);
	CHECK(write(sv[1], req, (size_t)n) == n, "write upgrade");
	sim_conn_on_readable(c, 0);
	sim_conn_flush(c);
	n = (int)drain(sv[1], (uint8_t *)resp, resplen - 1);
	resp[n] = '\0';
	return c;
}

/* Long: one scripted conversation, each step checked against the last. */
static void test_hooks(struct sim_server *s)
{
	struct sim_listener *l = &s->lst[0];
	static const char *const acks[] = {"Zack1", "Zack2"}, *const pong[] = {"Zpong"},
				 *const ping[] = {"Zping"};
	char resp[1024];
	uint8_t buf[4096];
	size_t n;
	int peer;
	struct sim_conn *c = open_conn(s, l, "/x", &peer, resp, sizeof(resp));

	CHECK(strncmp(resp, "HTTP/1.1 101 ", 13) == 0 &&
		      strstr(resp, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
	      "upgrade: %s", resp);
	CHECK(c->state == SIM_CS_OPEN && c->mode == 7 && l->upgrades == 1 &&
		      sim_subs_count(c->subs) == 1,
	      "routed mode %d", c->mode);

	send_text(peer, "subscribe please");
	sim_conn_on_readable(c, 1);
	sim_conn_flush(c);
	n = drain(peer, buf, sizeof(buf));
	expect_frames(buf, n, WSLAY_BINARY_FRAME, acks, 2, "two replies");
	CHECK(s->stats.requests == 1 && sim_subs_count(c->subs) == 2, "requests %llu",
	      (unsigned long long)s->stats.requests);

	send_text(peer, "ping");
	sim_conn_on_readable(c, 2);
	sim_conn_flush(c);
	n = drain(peer, buf, sizeof(buf));
	expect_frames(buf, n, WSLAY_BINARY_FRAME, pong, 1, "app-level pong");
	CHECK(s->stats.pings_received == 1 && s->stats.pongs_sent == 1 && s->stats.requests == 1,
	      "ping stats");

	c->noping = 1; /* the fault holds the pong back */
	send_text(peer, "ping");
	send_text(peer, "pong");
	sim_conn_on_readable(c, 3);
	sim_conn_flush(c);
	n = drain(peer, buf, sizeof(buf));
	CHECK(n == 0 && s->stats.pings_received == 2 && s->stats.pongs_sent == 1 &&
		      s->stats.pongs_received == 1,
	      "noping: %zu bytes sent", n);

	sim_conn_on_timer(c, c->next_ping_ns);
	sim_conn_flush(c);
	n = drain(peer, buf, sizeof(buf));
	expect_frames(buf, n, WSLAY_BINARY_FRAME, ping, 1, "app-level ping");
	CHECK(s->stats.pings_sent == 1, "pings_sent");
	sim_conn_free(c, 0);
	close(peer);

	c = open_conn(s, l, "/y", &peer, resp, sizeof(resp));
	CHECK(strncmp(resp, "HTTP/1.1 404 ", 13) == 0 && c->state != SIM_CS_OPEN, "404: %s", resp);
	sim_conn_free(c, 0);
	close(peer);
}

/* Binance has no app-level ping: the timer sends a WebSocket ping frame. */
static void test_binance_ping(struct sim_server *s)
{
	char resp[1024];
	uint8_t buf[256];
	size_t n;
	int peer;
	struct sim_conn *c = open_conn(s, &s->lst[1], "/stream", &peer, resp, sizeof(resp));

	CHECK(c->state == SIM_CS_OPEN && c->mode != 0, "binance /stream: %s", resp);
	sim_conn_on_timer(c, c->next_ping_ns);
	sim_conn_flush(c);
	n = drain(peer, buf, sizeof(buf));
	CHECK(n > 2 && buf[0] == (0x80 | WSLAY_PING) && (size_t)buf[1] + 2 == n,
	      "binance ping frame (%zu bytes, byte0 %02x)", n, n ? buf[0] : 0);
	sim_conn_free(c, 0);
	close(peer);
}

/* A depth subscription on a stream-snapshot dialect: the ack, then the
 * snapshot at the depth asked; plain GETs on the same listener: pipelined,
 * gzip, 404, the rest_429 fault, Connection: close. */
static void test_book(struct sim_server *s)
{
	static const char *const got[] = {"subscribed", "D0 snap=1 nb=5 na=5 depth=5"};
	char resp[1024];
	uint8_t buf[8192];
	size_t n;
	int peer, sv[2];
	struct sim_conn *c = open_conn(s, &s->lst[2], "/", &peer, resp, sizeof(resp));
	static const char gets[] = "GET /r HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
				   "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char close_get[] = "GET /r HTTP/1.1\r\nConnection: close\r\n\r\n";

	CHECK(c->state == SIM_CS_OPEN, "bookd upgrade: %s", resp);
	send_text(peer, "depth 5");
	sim_conn_on_readable(c, 1);
	sim_conn_flush(c);
	n = drain(peer, buf, sizeof(buf));
	expect_frames(buf, n, WSLAY_TEXT_FRAME, got, 2, "ack then snapshot");
	CHECK(s->stats.depth_sent == 1 && c->book_depth[0] == 5, "depth_sent %llu",
	      (unsigned long long)s->stats.depth_sent);
	sim_conn_free(c, 0);
	close(peer);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	CHECK(sim_conn_new(s, sv[0], &c) == 0, "sim_conn_new");
	c->l = &s->lst[2];
	CHECK(write(sv[1], gets, sizeof(gets) - 1) == (ssize_t)sizeof(gets) - 1, "write GETs");
	sim_conn_on_readable(c, 2);
	sim_conn_flush(c);
	n = drain(sv[1], buf, sizeof(buf) - 1);
	buf[n] = '\0';
	CHECK(strncmp((char *)buf, "HTTP/1.1 200 OK\r\n", 17) == 0 &&
		      memmem(buf, n, "Content-Encoding: gzip\r\n", 24) &&
		      memmem(buf, n, "Connection: keep-alive\r\n", 24) &&
		      memmem(buf, n, "HTTP/1.1 404 Not Found\r\n", 24),
	      "pipelined GETs: %s", (char *)buf);
	CHECK(c->state == SIM_CS_HTTP && s->stats.rest_calls == 2, "kept alive");
	s->faults.rest_429 = 1;
	CHECK(write(sv[1], close_get, sizeof(close_get) - 1) == (ssize_t)sizeof(close_get) - 1,
	      "write");
	sim_conn_on_readable(c, 3);
	sim_conn_flush(c);
	n = drain(sv[1], buf, sizeof(buf) - 1);
	buf[n] = '\0';
	CHECK(strncmp((char *)buf, "HTTP/1.1 429 ", 13) == 0 &&
		      strstr((char *)buf, "Retry-After: 1\r\n") &&
		      strstr((char *)buf, "Connection: close\r\n") && c->close_after_out &&
		      s->stats.rest_429 == 1 && s->faults.rest_429 == 0,
	      "429: %s", (char *)buf);
	sim_conn_free(c, 0);
	close(sv[1]);
	sim_book_free_all(&s->lst[2].venue);
}

int main(void)
{
	static struct sim_server srv;
	char err[64];

	srv.opt.ping_interval_ms = 1000;
	srv.nlst = 3;
	srv.lst[0].d = &echo;
	srv.lst[1].d = &sim_dialect_binance;
	srv.lst[2].d = &bookd;
	sim_venue_init(&srv.lst[1].venue, NULL, 1, err, sizeof(err));
	sim_venue_init(&srv.lst[2].venue, "BTC-USDT", 1, err, sizeof(err));
	test_hooks(&srv);
	test_binance_ping(&srv);
	test_book(&srv);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	return 0;
}
