/* SPDX-License-Identifier: MIT */
/*
 * test_ws.c - the WebSocket frame layer against scripted server frames:
 * text/binary, fragmentation (with a ping in the middle), oversize => 1009,
 * close handshake both ways, protocol violations => 1002, client masking,
 * and everything again fed one byte at a time.
 */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "ws.h"

#define MAXMSG 65536
#define MSGBUF 131072

struct cap {
	uint8_t out[1 << 18]; /* what the client sent */
	size_t out_len;
	int msgs;
	uint8_t last[1 << 18];
	size_t last_len;
	int last_binary;
	int pongs;
	uint8_t pong[128];
	size_t pong_len;
	int closes;
	uint16_t close_code;
	char close_reason[128];
};

static void on_message(void *ud, const uint8_t *p, size_t n, int binary)
{
	struct cap *c = ud;

	c->msgs++;
	memcpy(c->last, p, n);
	c->last_len = n;
	c->last_binary = binary;
}

static void on_pong(void *ud, const uint8_t *p, size_t n)
{
	struct cap *c = ud;

	c->pongs++;
	memcpy(c->pong, p, n);
	c->pong_len = n;
}

static void on_close(void *ud, uint16_t code, const char *reason)
{
	struct cap *c = ud;

	c->closes++;
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
}

static int sink(void *ud, const uint8_t *p, size_t n)
{
	struct cap *c = ud;

	if (c->out_len + n > sizeof(c->out))
		return -ENOBUFS;
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

static struct cap cap;
static struct th_cframe cframes[16];
static uint8_t msgbuf[MSGBUF];

static void setup(struct feed_ws *w, size_t max)
{
	static const struct feed_ws_cb cb = {on_message, on_pong, on_close, sink};

	memset(&cap, 0, sizeof(cap));
	CHECK(feed_ws_init(w, msgbuf, max, &cb, &cap) == 0);
}

/* Feed all at once or byte by byte; returns the first error (or 0). */
static int feed(struct feed_ws *w, const uint8_t *p, size_t n, int bytewise)
{
	if (!bytewise)
		return feed_ws_input(w, p, n);
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		int r = feed_ws_input(w, p + i, 1);
		if (r < 0 && !first)
			first = r; /* keep feeding: after -EMSGSIZE the layer drains */
	}
	return first;
}

/* The client's output must be exactly one close frame with this code. */
static void expect_close_out(uint16_t code)
{
	int nf = th_parse_client_frames(cap.out, cap.out_len, cframes, 16);

	CHECK(nf == 1);
	if (nf != 1)
		return;
	CHECK(cframes[0].opcode == 0x8 && cframes[0].mask == 1 && cframes[0].fin == 1);
	CHECK(cframes[0].len >= 2);
	CHECK((cframes[0].data[0] << 8 | cframes[0].data[1]) == code);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_messages(int bytewise)
{
	struct feed_ws w;
	uint8_t in[200000];
	size_t n = 0;
	static uint8_t big[70000];

	setup(&w, MAXMSG);
	n += th_frame(in + n, 1, 0x1, 0, "{\"a\":1}", 7);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.msgs == 1 && cap.last_len == 7 && !cap.last_binary);
	CHECK(memcmp(cap.last, "{\"a\":1}", 7) == 0);

	n = th_frame(in, 1, 0x2, 0, "\x00\x01\x02", 3);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.msgs == 2 && cap.last_len == 3 && cap.last_binary);
	CHECK(memcmp(cap.last, "\x00\x01\x02", 3) == 0);

	/* empty text message */
	n = th_frame(in, 1, 0x1, 0, "", 0);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.msgs == 3 && cap.last_len == 0);

	/* fragmented in 3 parts with a ping between parts 1 and 2 */
	n = th_frame(in, 0, 0x1, 0, "hello ", 6);
	n += th_frame(in + n, 1, 0x9, 0, "p1", 2);
	n += th_frame(in + n, 0, 0x0, 0, "fragmented ", 11);
	n += th_frame(in + n, 1, 0x0, 0, "world", 5);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.msgs == 4 && cap.last_len == 22 && !cap.last_binary);
	CHECK(memcmp(cap.last, "hello fragmented world", 22) == 0);
	{
		int nf = th_parse_client_frames(cap.out, cap.out_len, cframes, 16);
		CHECK(nf == 1);
		CHECK(cframes[0].opcode == 0xA && cframes[0].mask == 1 && cframes[0].len == 2);
		CHECK(memcmp(cframes[0].data, "p1", 2) == 0);
		cap.out_len = 0;
	}

	/* pong goes to on_pong */
	n = th_frame(in, 1, 0xA, 0, "12345678", 8);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.pongs == 1 && cap.pong_len == 8 && memcmp(cap.pong, "12345678", 8) == 0);

	/* 64-bit length encoding; crosses wslay's 4 KiB buffer many times */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	feed_ws_free(&w);
	setup(&w, sizeof(msgbuf) < sizeof(big) ? sizeof(msgbuf) : sizeof(big));
	if (sizeof(msgbuf) >= sizeof(big)) {
		n = th_frame(in, 1, 0x2, 0, big, sizeof(big));
		CHECK(feed(&w, in, n, bytewise) == 0);
		CHECK(cap.msgs == 1 && cap.last_len == sizeof(big));
		CHECK(memcmp(cap.last, big, sizeof(big)) == 0);
	}
	/* 16-bit length, exactly max_message: accepted */
	feed_ws_free(&w);
	setup(&w, 1000);
	n = th_frame(in, 1, 0x1, 0, big, 1000);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.msgs == 1 && cap.last_len == 1000 && memcmp(cap.last, big, 1000) == 0);
	CHECK(cap.out_len == 0);
	feed_ws_free(&w);
}

static void test_oversize(int bytewise)
{
	struct feed_ws w;
	uint8_t in[4096], body[300];
	size_t n;

	memset(body, 'x', sizeof(body));
	setup(&w, 256);
	n = th_frame(in, 1, 0x1, 0, body, 257);
	CHECK(feed(&w, in, n, bytewise) == -EMSGSIZE);
	CHECK_STR_HAS(w.err, "message too big");
	CHECK(cap.msgs == 0);
	expect_close_out(FEED_WS_CLOSE_TOO_BIG);
	/* discard mode: more data, a ping and a pong are dropped; the close is seen */
	n = th_frame(in, 1, 0x1, 0, body, 257);
	n += th_frame(in + n, 1, 0x1, 0, "small", 5);
	n += th_frame(in + n, 1, 0x9, 0, "p", 1);
	n += th_frame(in + n, 1, 0xA, 0, "q", 1);
	n += th_frame(in + n, 1, 0x8, 0, "\x03\xf1", 2);
	CHECK(feed(&w, in, n, bytewise) == 0); /* -EMSGSIZE is reported once */
	CHECK(cap.msgs == 0 && cap.pongs == 0);
	CHECK(cap.closes == 1 && cap.close_code == 1009);
	expect_close_out(FEED_WS_CLOSE_TOO_BIG); /* still exactly one close, no pong */
	feed_ws_free(&w);

	/* fragments that add up to too much: the third part trips it */
	setup(&w, 256);
	n = th_frame(in, 0, 0x1, 0, body, 100);
	n += th_frame(in + n, 0, 0x0, 0, body, 100);
	n += th_frame(in + n, 1, 0x0, 0, body, 100);
	n += th_frame(in + n, 1, 0x1, 0, "after", 5);
	CHECK(feed(&w, in, n, bytewise) == -EMSGSIZE);
	CHECK(cap.msgs == 0);
	expect_close_out(FEED_WS_CLOSE_TOO_BIG);
	/* a protocol violation while discarding still stops everything */
	n = th_frame(in, 1, 0x1, 1, "masked", 6);
	CHECK(feed(&w, in, n, bytewise) == -EPROTO);
	expect_close_out(FEED_WS_CLOSE_TOO_BIG);
	feed_ws_free(&w);
}

static void test_close(int bytewise)
{
	struct feed_ws w;
	uint8_t in[256];
	size_t n;

	/* server-initiated: echo the code, report it */
	setup(&w, 1024);
	n = th_frame(in, 1, 0x8, 0, "\x03\xe9going away", 12);
	n += th_frame(in + n, 1, 0x1, 0, "late", 4); /* ignored after close */
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.closes == 1 && cap.close_code == 1001);
	CHECK(strcmp(cap.close_reason, "going away") == 0);
	CHECK(cap.msgs == 0);
	expect_close_out(1001);
	CHECK(w.close_sent && w.close_received);
	CHECK(feed_ws_send(&w, WSLAY_TEXT_FRAME, (const uint8_t *)"x", 1) == -EPIPE);
	feed_ws_free(&w);

	/* control characters in the reason are neutralised (it goes to logs) */
	setup(&w, 1024);
	n = th_frame(in, 1, 0x8, 0,
		     "\x0f\xa0"
		     "bad\nline\x1b"
		     "[31m",
		     15);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.closes == 1 && cap.close_code == 4000);
	CHECK(strcmp(cap.close_reason, "bad?line?[31m") == 0);
	feed_ws_free(&w);

	/* no status code: report 1005, answer 1000 */
	setup(&w, 1024);
	n = th_frame(in, 1, 0x8, 0, "", 0);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.closes == 1 && cap.close_code == 1005);
	expect_close_out(1000);
	feed_ws_free(&w);

	/* client-initiated: our close goes out once; the echo is reported, not answered */
	setup(&w, 1024);
	CHECK(feed_ws_close(&w, 1000, "bye") == 0);
	CHECK(feed_ws_close(&w, 1000, "bye") == -EALREADY);
	expect_close_out(1000);
	CHECK(cframes[0].len == 5 && memcmp(cframes[0].data + 2, "bye", 3) == 0);
	cap.out_len = 0;
	n = th_frame(in, 1, 0x1, 0, "in flight", 9); /* data may still arrive */
	n += th_frame(in + n, 1, 0x8, 0, "\x03\xe8", 2);
	CHECK(feed(&w, in, n, bytewise) == 0);
	CHECK(cap.msgs == 1 && cap.closes == 1 && cap.close_code == 1000);
	CHECK(cap.out_len == 0);
	feed_ws_free(&w);
}

static void expect_violation(const uint8_t *in, size_t n, const char *why, int bytewise)
{
	struct feed_ws w;

	setup(&w, 1024);
	CHECK(feed(&w, in, n, bytewise) == -EPROTO);
	CHECK_STR_HAS(w.err, why);
	expect_close_out(FEED_WS_CLOSE_PROTOCOL);
	CHECK(cap.msgs == 0);
	feed_ws_free(&w);
}

static void test_violations(int bytewise)
{
	uint8_t in[512], body[200];
	size_t n;

	memset(body, 'p', sizeof(body));
	n = th_frame(in, 1, 0x1, 1, "masked", 6);
	expect_violation(in, n, "masked frame from server", bytewise);
	n = th_frame(in, 1, 0x3, 0, "x", 1);
	expect_violation(in, n, "reserved opcode", bytewise);
	n = th_frame(in, 1, 0x0, 0, "x", 1);
	expect_violation(in, n, "continuation frame without", bytewise);
	n = th_frame(in, 0, 0x1, 0, "a", 1);
	n += th_frame(in + n, 1, 0x1, 0, "b", 1);
	expect_violation(in, n, "new message inside", bytewise);
	n = th_frame(in, 1, 0x9, 0, body, 126);
	expect_violation(in, n, "bad frame header", bytewise);
	n = th_frame(in, 0, 0x9, 0, "x", 1);
	expect_violation(in, n, "bad frame header", bytewise);
	n = th_frame(in, 1, 0x8, 0, "\x03\xed", 2); /* 1005 may not be sent */
	expect_violation(in, n, "invalid close code 1005", bytewise);
	n = th_frame(in, 1, 0x8, 0, "\x03", 1);
	expect_violation(in, n, "1-byte", bytewise);
	n = th_frame(in, 1, 0x1, 0, "x", 1);
	in[0] |= 0x40; /* RSV1 without permessage-deflate */
	expect_violation(in, n, "reserved bits", bytewise);
	/* non-minimal length: 5 bytes encoded with the 16-bit form */
	in[0] = 0x81;
	in[1] = 126;
	in[2] = 0;
	in[3] = 5;
	memcpy(in + 4, "hello", 5);
	expect_violation(in, 9, "bad frame header", bytewise);
}

static void test_client_frames(void)
{
	struct feed_ws w;
	static uint8_t big[20000];
	int nf;

	setup(&w, 1024);
	CHECK(feed_ws_send(&w, WSLAY_TEXT_FRAME, (const uint8_t *)"{\"method\":\"SUBSCRIBE\"}",
			   22) == 0);
	CHECK(feed_ws_send(&w, WSLAY_PING, (const uint8_t *)"hb", 2) == 0);
	CHECK(feed_ws_send(&w, WSLAY_PING, big, 126) == -EINVAL);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	CHECK(feed_ws_send(&w, WSLAY_BINARY_FRAME, big, sizeof(big)) == 0);
	nf = th_parse_client_frames(cap.out, cap.out_len, cframes, 16);
	CHECK(nf == 3);
	if (nf == 3) {
		CHECK(cframes[0].opcode == 0x1 && cframes[0].mask == 1 && cframes[0].fin == 1);
		CHECK(cframes[0].len == 22 &&
		      memcmp(cframes[0].data, "{\"method\":\"SUBSCRIBE\"}", 22) == 0);
		CHECK(cframes[1].opcode == 0x9 && cframes[1].mask == 1 && cframes[1].len == 2);
		CHECK(cframes[2].opcode == 0x2 && cframes[2].mask == 1 &&
		      cframes[2].len == sizeof(big));
		CHECK(memcmp(cframes[2].data, big, sizeof(big)) == 0);
	}
	/* the payload on the wire is masked: the plain text must not appear */
	CHECK(memmem(cap.out, cap.out_len, "SUBSCRIBE", 9) == NULL);
	feed_ws_free(&w);
}

int main(void)
{
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		test_messages(bytewise);
		test_oversize(bytewise);
		test_close(bytewise);
		test_violations(bytewise);
	}
	test_client_frames();
	return th_result("test_ws");
}
