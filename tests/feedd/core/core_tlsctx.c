/* SPDX-License-Identifier: MIT */
/*
 * core_tlsctx: sessions with the same (ca_file, tls_verify) share one
 * SSL_CTX; a different setting gets its own; the cache is bounded and a
 * failed context is not cached.
 */
#include <errno.h>
#include <stdio.h>

#include "tlsctx.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

int main(void)
{
	struct feed_tlsctx_cache c;
	SSL_CTX *a = NULL, *b = NULL, *n = NULL, *x = NULL;
	char err[256];

	CHECK(feed_tlsctx_init(&c, 2) == 0);
	CHECK(feed_tlsctx_get(&c, "/nonexistent/ca.pem", 1, &x, err, sizeof(err)) < 0);
	CHECK(c.n == 0); /* a failed context is not cached */
	CHECK(feed_tlsctx_get(&c, NULL, 1, &a, err, sizeof(err)) == 0 && a);
	CHECK(feed_tlsctx_get(&c, "", 1, &b, err, sizeof(err)) == 0 && b == a); /* "" = system */
	CHECK(feed_tlsctx_get(&c, NULL, 0, &n, err, sizeof(err)) == 0 && n && n != a);
	CHECK(feed_tlsctx_get(&c, NULL, 0, &b, err, sizeof(err)) == 0 && b == n);
	CHECK(feed_tlsctx_get(&c, NULL, 1, &b, err, sizeof(err)) == 0 && b == a);
	CHECK(c.n == 2);
	/* Full: a third setting is refused, the shared ones still served. */
	CHECK(feed_tlsctx_get(&c, "/nonexistent/ca.pem", 0, &x, err, sizeof(err)) == -ENOSPC);
	CHECK(feed_tlsctx_get(&c, NULL, 0, &b, err, sizeof(err)) == 0 && b == n);
	feed_tlsctx_free(&c);
	CHECK(c.n == 0 && c.e == NULL);
	feed_tlsctx_free(&c); /* twice: no-op */
	printf("core_tlsctx: ok\n");
	return 0;
}
