/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ws.c - libFuzzer driver for the WebSocket frame layer (clang only,
 * not in any suite):  clang -fsanitize=fuzzer,address,undefined ...
 * The first input byte picks max_message and the chunking, the rest are
 * server bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ws.h"

static uint8_t fz_msg[4096];

static void fz_message(void *ud, const uint8_t *p, size_t n, int binary)
{
	(void)ud, (void)binary;
	if (n > sizeof(fz_msg))
		__builtin_trap(); /* never more than max_message */
	if (n)
		fz_msg[0] ^= p[n - 1]; /* touch the bytes */
}

static void fz_pong(void *ud, const uint8_t *p, size_t n)
{
	(void)ud, (void)p;
	if (n > 125)
		__builtin_trap();
}

static void fz_close(void *ud, uint16_t code, const char *reason)
{
	(void)ud, (void)code;
	if (strlen(reason) > 123)
		__builtin_trap();
}

static int fz_sink(void *ud, const uint8_t *p, size_t n)
{
	(void)ud, (void)p, (void)n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct feed_ws_cb cb = {fz_message, fz_pong, fz_close, fz_sink};
	struct feed_ws w;
	size_t max, chunk;

	if (size < 1)
		return 0;
	max = 1 + (data[0] & 0x0f) * 256;
	chunk = (data[0] >> 4) ? (size_t)(data[0] >> 4) : size;
	if (feed_ws_init(&w, fz_msg, max, &cb, NULL) != 0)
		return 0;
	for (size_t off = 1; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (feed_ws_input(&w, data + off, n) < 0)
			break;
	}
	feed_ws_free(&w);
	return 0;
}
