/* SPDX-License-Identifier: MIT */
/*
 * exporter.h: mdbus-exporter, the Prometheus exporter of one or more buses.
 *
 * Each bus is sampled with mdbus-top's model (tools/top/top_snap.h): a
 * read-only reader on the segment and consistent seqlock copies of its
 * health region, so a scrape costs feedd nothing and never waits for it.
 * exp_render turns one sample of every bus into the Prometheus text
 * exposition format (version 0.0.4), which the HTTP server (exp_http.c)
 * serves at /metrics and exp_textfile_write stores atomically for
 * node_exporter's textfile collector.
 */
#ifndef EXPORTER_H
#define EXPORTER_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "top_snap.h"

#define EXP_PROG      "mdbus-exporter"
#define EXP_MAX_BUSES 64

struct exp_bus {
	char name[MDBUS_BUS_NAME_MAX];
	struct top_state st; /* st.r NULL: not attached (no such bus yet) */
};

/* Every bus the exporter serves. One sample-and-render at a time: the HTTP
 * thread and the textfile loop share it through lock. */
struct exp_set {
	pthread_mutex_t lock;
	size_t n;
	struct exp_bus bus[EXP_MAX_BUSES];
};

/* ---- exp_metrics.c -------------------------------------------------------- */

/* Takes the n bus names (validated) and tries to attach to each; a bus that
 * does not exist yet is retried at every scrape. Returns 0 or -errno. */
int exp_set_init(struct exp_set *s, const char (*names)[MDBUS_BUS_NAME_MAX], size_t n);
void exp_set_close(struct exp_set *s);

/*
 * Samples every bus and writes one exposition into a malloc'd buffer
 * (*out, *len; the caller frees it). A missing, dead or corrupt bus is
 * rendered as such (mdbus_up 0), never an error. Returns 0 or -ENOMEM.
 * Takes s->lock.
 */
int exp_render(struct exp_set *s, char **out, size_t *len);

/* ---- exp_labels.c: the text format's pieces ------------------------------ */

/* "# HELP name help" and "# TYPE name type". */
void exp_head(FILE *f, const char *name, const char *type, const char *help);
/* Starts a sample: name{bus="B"; more labels with exp_label, then an exp_end_*. */
void exp_begin(FILE *f, const char *name, const struct exp_bus *b);
/* ,key="value" with the value escaped (\\, \", \n). */
void exp_label(FILE *f, const char *key, const char *value);
void exp_end_u64(FILE *f, uint64_t v);
/* A duration or a time in nanoseconds, written exactly in seconds. */
void exp_end_ns(FILE *f, int64_t ns);

/* ---- exp_readers.c -------------------------------------------------------- */

/* The per-reader families (lag, loss) of every bus, after the instrument
 * families. */
void exp_write_readers(FILE *f, const struct exp_set *s);

/* ---- exp_http.c ------------------------------------------------------------ */

struct exp_http;

/*
 * Checks a --listen value: "HOST:PORT", "[IPV6]:PORT" or ":PORT" (the
 * first wildcard address getaddrinfo gives, 0.0.0.0 on Debian; "[::]:PORT"
 * for IPv6 too), PORT 0..65535 (0: any free port). Returns NULL, or what is
 * wrong.
 */
const char *exp_listen_check(const char *spec);

/*
 * Binds spec, then serves GET/HEAD /metrics (and a pointer to it at /) from
 * libmicrohttpd's own thread until exp_http_stop. The bound address
 * ("127.0.0.1:9466", "[::1]:40123") goes to addr. Returns 0, or -errno with
 * a message in err.
 */
int exp_http_start(struct exp_http **h, const char *spec, struct exp_set *s, char *addr,
		   size_t addrlen, char *err, size_t errlen);
void exp_http_stop(struct exp_http *h); /* NULL: no-op */

/* ---- exp_textfile.c ------------------------------------------------------- */

/*
 * Renders once and replaces path atomically: a temporary file beside it
 * (not ending in .prom, so node_exporter never reads it half-written),
 * mode 0644, then rename(2). path "-" writes to stdout. Returns 0 or
 * -errno.
 */
int exp_textfile_write(struct exp_set *s, const char *path);

#endif /* EXPORTER_H */
