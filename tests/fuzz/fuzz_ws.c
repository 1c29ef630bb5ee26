/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ws.c: the WebSocket frame layer (feedd/proto/ws.c) on server bytes.
 * The first input byte picks max_message and a chunk size; the rest is fed
 * once whole and once in chunks. Properties: no message above max_message,
 * control payloads within RFC 6455's 125 bytes, a NUL-terminated close reason,
 * and the same messages, pongs and close whatever the chunking.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "ws.h"

static uint8_t fz_msg[4096];

/* What the callbacks saw: counts and an FNV-1a hash over every byte. */
struct fz_seen {
	size_t max;
	uint64_t hash;
	unsigned messages, pongs, closes;
	uint16_t close_code;
};

static void fz_mix(struct fz_seen *s, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		s->hash = (s->hash ^ b[i]) * 0x100000001b3ull;
}

static void fz_message(void *ud, const uint8_t *p, size_t n, int binary)
{
	struct fz_seen *s = ud;
	FUZZ_CHECK(n <= s->max);
	s->messages++;
	fz_mix(s, &binary, sizeof(binary));
	fz_mix(s, &n, sizeof(n));
	fz_mix(s, p, n);
}

static void fz_pong(void *ud, const uint8_t *p, size_t n)
{
	struct fz_seen *s = ud;
	FUZZ_CHECK(n <= 125);
	s->pongs++;
	fz_mix(s, &n, sizeof(n));
	fz_mix(s, p, n);
}

static void fz_close(void *ud, uint16_t code, const char *reason)
{
	struct fz_seen *s = ud;
	FUZZ_CHECK(strlen(reason) <= 123);
	s->closes++;
	s->close_code = code;
	fz_mix(s, reason, strlen(reason));
}

static int fz_sink(void *ud, const uint8_t *p, size_t n)
{
	(void)ud;
	FUZZ_CHECK(n > 0 && p != NULL);
	return 0;
}

static void fz_ws_run(const uint8_t *p, size_t n, size_t max, size_t chunk, struct fz_seen *s)
{
	static const struct feed_ws_cb cb = {fz_message, fz_pong, fz_close, fz_sink};
	struct feed_ws w;

	memset(s, 0, sizeof(*s));
	s->max = max;
	s->hash = 0xcbf29ce484222325ull;
	FUZZ_CHECK(feed_ws_init(&w, fz_msg, max, &cb, s) == 0);
	for (size_t off = 0; off < n; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;
		int rc = feed_ws_input(&w, p + off, k);
		FUZZ_CHECK(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
		if (rc == -EPROTO)
			break; /* later input is ignored */
	}
	FUZZ_CHECK(strlen(w.close_reason) < sizeof(w.close_reason));
	feed_ws_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_seen whole, chunked;
	size_t max, chunk;

	if (size < 1)
		return 0;
	max = 1 + (data[0] & 0x0f) * 256;
	chunk = (data[0] >> 4) ? (size_t)(data[0] >> 4) : 1;
	fz_ws_run(data + 1, size - 1, max, size, &whole);
	fz_ws_run(data + 1, size - 1, max, chunk, &chunked);
	FUZZ_CHECK(whole.messages == chunked.messages && whole.pongs == chunked.pongs);
	FUZZ_CHECK(whole.closes == chunked.closes && whole.close_code == chunked.close_code);
	FUZZ_CHECK(whole.hash == chunked.hash);
	return 0;
}
