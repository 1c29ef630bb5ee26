/* SPDX-License-Identifier: MIT */
/* tlsctx.c: one SSL_CTX per distinct (ca_file, tls_verify). */
#include "tlsctx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

int feed_tlsctx_init(struct feed_tlsctx_cache *c, unsigned cap)
{
	memset(c, 0, sizeof(*c));
	c->e = calloc(cap ? cap : 1, sizeof(*c->e));
	if (!c->e)
		return -ENOMEM;
	c->cap = cap ? cap : 1;
	return 0;
}

static int tlsctx_same(const struct feed_tlsctx_entry *e, const char *ca_file, int verify)
{
	if (e->verify != verify)
		return 0;
	if (!e->ca_file || !ca_file)
		return e->ca_file == ca_file;
	return strcmp(e->ca_file, ca_file) == 0;
}

int feed_tlsctx_get(struct feed_tlsctx_cache *c, const char *ca_file, int verify, SSL_CTX **out,
		    char *err, size_t errlen)
{
	struct feed_tlsctx_entry *e;
	int rc;

	if (ca_file && !ca_file[0])
		ca_file = NULL;
	verify = verify != 0;
	/* A handful of distinct settings at most: a linear scan. */
	for (unsigned i = 0; i < c->n; i++) {
		if (tlsctx_same(&c->e[i], ca_file, verify)) {
			*out = c->e[i].ctx;
			return 0;
		}
	}
	if (c->n >= c->cap) {
		snprintf(err, errlen, "too many TLS settings");
		return -ENOSPC;
	}
	e = &c->e[c->n];
	rc = feed_tls_ctx_new(&e->ctx, ca_file, verify, err, errlen);
	if (rc < 0)
		return rc;
	e->ca_file = ca_file;
	e->verify = verify;
	c->n++;
	*out = e->ctx;
	return 0;
}

void feed_tlsctx_free(struct feed_tlsctx_cache *c)
{
	for (unsigned i = 0; i < c->n; i++)
		SSL_CTX_free(c->e[i].ctx);
	free(c->e);
	memset(c, 0, sizeof(*c));
}
