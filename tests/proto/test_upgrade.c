/* SPDX-License-Identifier: MIT */
/*
 * test_upgrade.c - HTTP upgrade request and incremental response parser:
 * good 101 (whole, byte by byte, with WebSocket data after it), refusals with
 * status and Retry-After, wrong/missing headers, oversized header block.
 */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "upgrade.h"

static char hdrbuf[FEED_UPGRADE_HDR_MAX];

/* A fresh parser with a request sent (so it knows the key). */
static void fresh(struct feed_upgrade *u)
{
	char req[1024];
	size_t n;

	feed_upgrade_init(u, hdrbuf, sizeof(hdrbuf));
	CHECK(feed_upgrade_request(u, "localhost", 443, 1, "/ws", req, sizeof(req), &n) == 0);
}

static int parse_all(struct feed_upgrade *u, const char *resp, size_t *used)
{
	return feed_upgrade_parse(u, (const uint8_t *)resp, strlen(resp), used);
}

static void good_101(char *out, size_t cap, const struct feed_upgrade *u, const char *tail)
{
	snprintf(out, cap,
		 "HTTP/1.1 101 Switching Protocols\r\n"
		 "upgrade: WebSocket\r\n"
		 "CONNECTION: keep-alive, Upgrade\r\n"
		 "Sec-WebSocket-Accept:   %s  \r\n"
		 "Date: Wed, 25 Nov 2026 17:00:00 GMT\r\n"
		 "\r\n%s",
		 u->accept, tail);
}

static void test_request(void)
{
	struct feed_upgrade u;
	char req[1024], key1[32], acc[32];
	size_t n;

	feed_upgrade_init(&u, hdrbuf, sizeof(hdrbuf));
	CHECK(feed_upgrade_request(&u, "stream.example.com", 9443, 1, "/ws/btcusdt@trade", req,
				   sizeof(req), &n) == 0);
	CHECK(n == strlen(req));
	CHECK(strncmp(req, "GET /ws/btcusdt@trade HTTP/1.1\r\n", 32) == 0);
	CHECK_STR_HAS(req, "\r\nHost: stream.example.com:9443\r\n");
	CHECK_STR_HAS(req, "\r\nUpgrade: websocket\r\n");
	CHECK_STR_HAS(req, "\r\nConnection: Upgrade\r\n");
	CHECK_STR_HAS(req, "\r\nSec-WebSocket-Version: 13\r\n");
	CHECK_STR_HAS(req, "\r\nUser-Agent: mdbus");
	CHECK(n >= 4 && memcmp(req + n - 4, "\r\n\r\n", 4) == 0);
	CHECK(th_request_key(req, key1, sizeof(key1)) == 0);
	CHECK(strlen(key1) == 24 && strcmp(key1, u.key) == 0);
	/* RFC 6455 section 1.3 example */
	CHECK(feed_upgrade_accept_for("dGhlIHNhbXBsZSBub25jZQ==", acc, sizeof(acc)) == 0);
	CHECK(strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);

	/* default ports are left out of Host; keys differ per request */
	CHECK(feed_upgrade_request(&u, "h.example", 443, 1, "/", req, sizeof(req), &n) == 0);
	CHECK_STR_HAS(req, "\r\nHost: h.example\r\n");
	CHECK(strcmp(key1, u.key) != 0);
	CHECK(feed_upgrade_request(&u, "h.example", 80, 0, "/", req, sizeof(req), &n) == 0);
	CHECK_STR_HAS(req, "\r\nHost: h.example\r\n");
	CHECK(feed_upgrade_request(&u, "::1", 8080, 0, "/", req, sizeof(req), &n) == 0);
	CHECK_STR_HAS(req, "\r\nHost: [::1]:8080\r\n");
	CHECK(feed_upgrade_request(&u, "h.example", 80, 0, "/", req, 40, &n) == -ENOSPC);
}

static void test_good(void)
{
	struct feed_upgrade u;
	char resp[1024];
	size_t used;

	fresh(&u);
	good_101(resp, sizeof(resp), &u, "");
	CHECK(parse_all(&u, resp, &used) == 1);
	CHECK(used == strlen(resp));
	CHECK(u.status == 101 && u.done);

	/* byte by byte: 0 until the last byte of the blank line */
	fresh(&u);
	good_101(resp, sizeof(resp), &u, "");
	size_t len = strlen(resp);
	for (size_t i = 0; i < len; i++) {
		int r = feed_upgrade_parse(&u, (const uint8_t *)resp + i, 1, &used);
		CHECK(r == (i + 1 == len ? 1 : 0));
		CHECK(used == 1);
	}

	/* data right after the headers is left for the WebSocket layer */
	fresh(&u);
	good_101(resp, sizeof(resp), &u, "\x81\x02hi");
	CHECK(parse_all(&u, resp, &used) == 1);
	CHECK(used == strlen(resp) - 4);
	CHECK(memcmp(resp + used, "\x81\x02hi", 4) == 0);

	/* and when the headers end in an earlier chunk than the data... split at odd places */
	for (size_t cut = 1; cut < 40; cut += 7) {
		fresh(&u);
		good_101(resp, sizeof(resp), &u, "\x81\x02hi");
		len = strlen(resp);
		size_t split = len - 4 - (cut % 3 + 1); /* inside the CRLF CRLF */
		CHECK(feed_upgrade_parse(&u, (const uint8_t *)resp, split, &used) == 0);
		CHECK(used == split);
		CHECK(feed_upgrade_parse(&u, (const uint8_t *)resp + split, len - split, &used) ==
		      1);
		CHECK(split + used == len - 4);
	}
}

static void expect_fail(const char *resp, const char *why)
{
	struct feed_upgrade u;
	size_t used;

	fresh(&u);
	CHECK(parse_all(&u, resp, &used) == -EPROTO);
	CHECK_STR_HAS(u.err, why);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_refusals(void)
{
	struct feed_upgrade u;
	char resp[1024];
	size_t used;

	fresh(&u);
	CHECK(parse_all(&u,
			"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
			"Content-Length: 0\r\n\r\n",
			&used) == -EPROTO);
	CHECK(u.status == 503 && u.retry_after_ms == 5000);
	CHECK(strcmp(u.err, "upgrade refused: HTTP 503 Service Unavailable (Retry-After 5)") == 0);

	fresh(&u);
	CHECK(parse_all(&u, "HTTP/1.1 429 Too Many Requests\r\nretry-after:120\r\n\r\n", &used) ==
	      -EPROTO);
	CHECK(u.status == 429 && u.retry_after_ms == 120000);

	fresh(&u);
	CHECK(parse_all(&u, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>", &used) ==
	      -EPROTO);
	CHECK(u.status == 200 && u.retry_after_ms == -1);
	CHECK(strcmp(u.err, "upgrade refused: HTTP 200 OK") == 0);

	fresh(&u);
	CHECK(parse_all(&u, "HTTP/1.1 404 Not Found\r\n\r\n", &used) == -EPROTO);
	CHECK(u.status == 404);
	CHECK_STR_HAS(u.err, "HTTP 404 Not Found");

	/* a date-form Retry-After is not a number of seconds: ignored */
	fresh(&u);
	CHECK(parse_all(&u,
			"HTTP/1.1 503 Busy\r\nRetry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\n\r\n",
			&used) == -EPROTO);
	CHECK(u.status == 503 && u.retry_after_ms == -1);

	fresh(&u);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Accept: %s\r\n\r\n",
		 u.accept);
	CHECK(parse_all(&u, resp, &used) == -EPROTO);
	CHECK_STR_HAS(u.err, "lacks \"Upgrade: websocket\"");

	expect_fail(
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
		"bad Sec-WebSocket-Accept");
	expect_fail("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		    "Connection: Upgrade\r\n\r\n",
		    "lacks Sec-WebSocket-Accept");
	expect_fail("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
		    "Upgrade other than websocket");
	expect_fail("SSH-2.0-OpenSSH_9.2\r\n\r\n", "bad HTTP status line");
	expect_fail("HTTP/1.1 1O1 Switching\r\n\r\n", "bad HTTP status line");

	/* accept of the right length but different case: base64 is case-sensitive */
	fresh(&u);
	char lower[32];
	snprintf(lower, sizeof(lower), "%s", u.accept);
	for (char *c = lower; *c; c++)
		if (*c >= 'A' && *c <= 'Z') {
			*c = (char)(*c - 'A' + 'a');
			break;
		}
	if (strcmp(lower, u.accept) != 0) {
		snprintf(resp, sizeof(resp),
			 "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
			 "Sec-WebSocket-Accept: %s\r\n\r\n",
			 lower);
		CHECK(parse_all(&u, resp, &used) == -EPROTO);
		CHECK_STR_HAS(u.err, "bad Sec-WebSocket-Accept");
	}

	/* an extension we never asked for */
	fresh(&u);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
		 "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
		 u.accept);
	CHECK(parse_all(&u, resp, &used) == -EPROTO);
	CHECK_STR_HAS(u.err, "Sec-WebSocket-Extensions not requested");

	/* after an error, further bytes keep failing */
	CHECK(parse_all(&u, "more", &used) == -EPROTO);
}

static void test_too_large(void)
{
	struct feed_upgrade u;
	char line[128];
	size_t used;
	int r = 0, i;

	fresh(&u);
	CHECK(parse_all(&u, "HTTP/1.1 101 Switching Protocols\r\n", &used) == 0);
	for (i = 0; i < 200 && r == 0; i++) {
		snprintf(line, sizeof(line), "X-Filler-%03d: %060d\r\n", i, i);
		r = parse_all(&u, line, &used);
	}
	CHECK(r == -EPROTO);
	CHECK(i * 77 > FEED_UPGRADE_HDR_MAX - 200); /* it did take ~8 KiB before failing */
	CHECK_STR_HAS(u.err, "larger than");
}

int main(void)
{
	test_request();
	test_good();
	test_refusals();
	test_too_large();
	return th_result("test_upgrade");
}
