/* SPDX-License-Identifier: MIT */
/*
 * tlsctx.h: the TLS client contexts feedd's sessions share. An SSL_CTX holds
 * the trust store and the verify mode, nothing per connection (conn.h), so
 * every session with the same (ca_file, tls_verify) uses one: loading a CA
 * bundle once instead of once per session. The cache owns the contexts and
 * frees them at exit, after the sessions.
 */
#ifndef FEED_TLSCTX_H
#define FEED_TLSCTX_H

#include <stddef.h>
#include <openssl/ssl.h>

struct feed_tlsctx_entry {
	const char *ca_file; /* NULL: the system store; points into the config */
	int verify;
	SSL_CTX *ctx;
};

struct feed_tlsctx_cache {
	struct feed_tlsctx_entry *e;
	unsigned n, cap;
};

/* Room for cap distinct contexts (one per session at most). Returns 0 or
 * -ENOMEM. */
int feed_tlsctx_init(struct feed_tlsctx_cache *c, unsigned cap);

/* The context for (ca_file, verify), built on first use. ca_file NULL or ""
 * means the system store. Returns 0 with *out, or -errno with a reason in
 * err (feed_tls_ctx_new), -ENOSPC when the cache is full. */
int feed_tlsctx_get(struct feed_tlsctx_cache *c, const char *ca_file, int verify, SSL_CTX **out,
		    char *err, size_t errlen);

/* Frees every context. Safe on a zeroed cache. */
void feed_tlsctx_free(struct feed_tlsctx_cache *c);

#endif /* FEED_TLSCTX_H */
