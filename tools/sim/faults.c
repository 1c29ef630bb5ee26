/* SPDX-License-Identifier: MIT */
/*
 * faults.c: the protocol-level faults of mdbus-sim's control socket, the
 * ones a well-behaved WebSocket library would never produce: raw frames
 * written straight into a connection's output (bad bits, masked, a length
 * of 2^63 - 1, invalid UTF-8, a message in N fragments, a ping flood), a
 * black hole, header lines without an end, a server restart and a bad
 * certificate. control.c looks commands up here after its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "sim.h"

/* Appends one raw frame header (byte 0 as given, payload length n, masked
 * with key 0x5a5a5a5a when masked) and, if p, the payload. */
static int faults_raw(struct sim_conn *c, uint8_t b0, uint64_t n, const void *p, int masked)
{
	uint8_t h[14];
	size_t hl = 2, k;

	h[0] = b0;
	if (n < 126) {
		h[1] = (uint8_t)n;
	} else if (n < 65536) {
		h[1] = 126;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	} else {
		h[1] = 127;
		for (k = 0; k < 8; k++)
			h[2 + k] = (uint8_t)(n >> (56 - 8 * k));
		hl = 10;
	}
	if (masked) {
		h[1] |= 0x80;
		memset(h + hl, 0x5a, 4);
		hl += 4;
	}
	if (sim_buf_append(&c->out, h, hl) < 0)
		return -ENOMEM;
	for (k = 0; p && k < n; k++) {
		uint8_t b = ((const uint8_t *)p)[k] ^ (masked ? 0x5a : 0);
		if (sim_buf_append(&c->out, &b, 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Runs fn on every open connection (not stalled); returns how many. */
static int faults_each(struct sim_server *s, int (*fn)(struct sim_conn *c, long arg), long arg)
{
	int n = 0;

	for (size_t i = 0; i < SIM_MAX_CONNS; i++) {
		struct sim_conn *c = s->conns[i];
		if (c && c->state == SIM_CS_OPEN && !c->stalled && sim_server_selected(s, c) &&
		    fn(c, arg) == 0)
			n++;
	}
	return n;
}

static int faults_hole(struct sim_conn *c, long arg)
{
	(void)arg;
	c->stalled = c->blackhole = 1;
	c->deadline_ns = tools_now_ns(CLOCK_MONOTONIC) + SIM_HOLE_NS;
	return 0;
}

static void faults_blackhole(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			     size_t len)
{
	(void)c;
	snprintf(reply, len, "ok blackhole %d", faults_each(s, faults_hole, 0));
}

/* badframe KIND: rsv (RSV1 set, no extension agreed), opcode (reserved
 * opcode 3) or masked (a server frame must not be masked). */
static int faults_frame(struct sim_conn *c, long kind)
{
	static const char p[] = "{}";
	static const uint8_t b0[] = {0xc1, 0x83, 0x81};

	return faults_raw(c, b0[kind], 2, p, kind == 2);
}

static void faults_badframe(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			    size_t len)
{
	static const char *const kinds[] = {"rsv", "opcode", "masked"};

	for (long k = 0; k < 3; k++) {
		if (c->nargs >= 2 && strcmp(c->a1, kinds[k]) == 0) {
			snprintf(reply, len, "ok badframe %s %d", kinds[k],
				 faults_each(s, faults_frame, k));
			return;
		}
	}
	snprintf(reply, len, "error badframe: rsv|opcode|masked");
}

/* A binary frame header claiming 2^63 - 1 payload bytes, then nothing. */
static int faults_huge(struct sim_conn *c, long arg)
{
	(void)arg;
	return faults_raw(c, 0x82, INT64_MAX, NULL, 0);
}

static void faults_hugeframe(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			     size_t len)
{
	(void)c;
	snprintf(reply, len, "ok hugeframe %d", faults_each(s, faults_huge, 0));
}

/* A text frame whose JSON string holds bytes that are not UTF-8. */
static int faults_utf8(struct sim_conn *c, long arg)
{
	static const char p[] = "{\"e\":\"trade\",\"s\":\"\xff\xfe\xc0\xaf\"}";

	(void)arg;
	return faults_raw(c, 0x81, sizeof(p) - 1, p, 0);
}

static void faults_badutf8(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			   size_t len)
{
	(void)c;
	snprintf(reply, len, "ok badutf8 %d", faults_each(s, faults_utf8, 0));
}

/* The connection's next trade (of its first trade stream; else an unknown
 * event) as one message in n frames, framed as the dialect frames it
 * (gzip, protobuf: the payload and opcode of its frame hook): the bytes
 * spread evenly, so with more frames than bytes most continuation frames
 * are empty. */
static int faults_frag(struct sim_conn *c, long n)
{
	struct sim_server *s = c->srv;
	const struct sim_dialect *d = c->l->d;
	const char *p = "{\"e\":\"fragmented\"}";
	int len = (int)strlen(p), r = 0;
	struct sim_buf fb = {0};
	uint8_t opcode = 0x1;
	uint32_t i;

	for (i = 0; i < c->l->venue.nsym && !(c->subs[i] & SIM_STREAM_TRADE); i++)
		;
	if (i < c->l->venue.nsym && (len = sim_server_trade(s, c, i)) > 0)
		p = s->scratch;
	if (len <= 0)
		return -ENOSPC;
	if (p == s->scratch && d->frame)
		r = d->frame(&c->l->venue, c->mode, (int)i, SIM_STREAM_TRADE, p, (size_t)len, &fb,
			     &opcode);
	if (r == SIM_FRAME_DROP || r < 0) {
		sim_buf_free(&fb);
		return r < 0 ? r : 0; /* dropped: this connection does not carry it */
	}
	if (r > 0) {
		p = (const char *)fb.p + fb.off;
		len = (int)fb.len;
	}
	for (long k = 0; k < n && r >= 0; k++) {
		size_t a = (size_t)((uint64_t)len * (uint64_t)k / (uint64_t)n);
		size_t b = (size_t)((uint64_t)len * (uint64_t)(k + 1) / (uint64_t)n);
		uint8_t b0 = (uint8_t)((k == n - 1 ? 0x80 : 0) | (k == 0 ? opcode : 0x0));

		if (faults_raw(c, b0, b - a, p + a, 0) < 0)
			r = -ENOMEM;
	}
	sim_buf_free(&fb);
	if (r < 0)
		return r;
	if (i < c->l->venue.nsym) /* a real trade: --record has it */
		sim_conn_record(c, &c->l->venue.last);
	s->stats.messages_sent++;
	return 0;
}

static void faults_fragments(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			     size_t len)
{
	long n = 0;

	if (sim_control_arg(c, 1, 10000000, &n, reply, len, "fragments: N 1..10M") < 0)
		return;
	snprintf(reply, len, "ok fragments %ld %d", n, faults_each(s, faults_frag, n));
}

static int faults_pings(struct sim_conn *c, long n)
{
	for (long k = 0; k < n; k++)
		if (faults_raw(c, 0x89, 8, "pingpong", 0) < 0)
			return -ENOMEM;
	c->srv->stats.pings_sent += (uint64_t)n;
	return 0;
}

static void faults_pingflood(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			     size_t len)
{
	long n = 0;

	if (sim_control_arg(c, 1, 1000000, &n, reply, len, "pingflood: N 1..1M") < 0)
		return;
	snprintf(reply, len, "ok pingflood %ld %d", n, faults_each(s, faults_pings, n));
}

static void faults_endless(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			   size_t len)
{
	(void)c;
	s->faults.endless_headers = 1;
	snprintf(reply, len, "ok endless_headers");
}

static void faults_restart(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			   size_t len)
{
	long ms = 0;

	if (sim_control_arg(c, 0, 3600000, &ms, reply, len, "restart: MS 0..3600000") < 0)
		return;
	sim_server_restart(s, ms, c->now);
	snprintf(reply, len, "ok restart %ld", ms);
}

/* Loads NAME.pem/NAME.key from --cert's directory (mdbus-sim --make-certs
 * writes them side by side). Returns 0 or -EINVAL with a reason. */
static int faults_load_cert(struct sim_server *s, const char *name, char *why, size_t len)
{
	char dir[512], cert[600], key[600];
	const char *d;
	SSL_CTX *ctx;

	snprintf(dir, sizeof(dir), "%s", s->opt.cert ? s->opt.cert : ".");
	d = dirname(dir);
	snprintf(cert, sizeof(cert), "%s/%s.pem", d, name);
	snprintf(key, sizeof(key), "%s/%s.key", d, name);
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_clear_error();
		SSL_CTX_free(ctx);
		snprintf(why, len, "cannot load %s", cert);
		return -EINVAL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_free(s->bad_ctx);
	s->bad_ctx = ctx;
	return 0;
}

static void faults_badcert(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			   size_t len)
{
	static const char *const names[] = {"expired", "wronghost", "selfsigned"};
	char why[700];

	if (!s->ssl_ctx) {
		snprintf(reply, len, "error badcert: --plain has no certificate");
		return;
	}
	for (size_t k = 0; k < 3; k++) {
		if (c->nargs >= 2 && strcmp(c->a1, names[k]) == 0) {
			if (faults_load_cert(s, names[k], why, sizeof(why)) < 0) {
				snprintf(reply, len, "error badcert: %s", why);
				return;
			}
			s->faults.badcert = 1;
			snprintf(reply, len, "ok badcert %s", names[k]);
			return;
		}
	}
	snprintf(reply, len, "error badcert: expired|wronghost|selfsigned");
}

/* ---- book faults -------------------------------------------------------------------- */

/* Arms one book fault (field of struct sim_book) for SYMBOL on every
 * (selected) listener that knows it. */
static void rest_book_fault(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			    size_t len, const char *name, size_t off)
{
	long count = 1;
	int n = 0;

	if (c->nargs < 2 || (c->nargs >= 3 && sim_control_int(c->a2, 1, 1000000, &count) < 0)) {
		snprintf(reply, len, "error %s SYMBOL [N]", name);
		return;
	}
	for (int k = 0; k < s->nlst; k++) {
		struct sim_venue *v = &s->lst[k].venue;
		int i, err;
		struct sim_book *b;

		if (s->only && s->only != &s->lst[k])
			continue;
		i = sim_venue_symbol(v, c->a1, strlen(c->a1));
		if (i < 0 || !(b = sim_book_get(v, (uint32_t)i, &err)))
			continue;
		*(uint32_t *)((char *)b + off) += (uint32_t)count;
		n++;
	}
	if (n == 0)
		snprintf(reply, len, "error %s: no listener knows %s", name, c->a1);
	else
		snprintf(reply, len, "ok %s %s x%ld on %d listener(s)", name, c->a1, count, n);
}

void sim_fault_drop_delta(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			  size_t len)
{
	rest_book_fault(s, c, reply, len, "drop_delta", offsetof(struct sim_book, drop));
}

void sim_fault_bad_checksum(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			    size_t len)
{
	rest_book_fault(s, c, reply, len, "bad_checksum", offsetof(struct sim_book, bad_checksum));
}

void sim_fault_crossed(struct sim_server *s, const struct sim_cmd_args *c, char *reply, size_t len)
{
	rest_book_fault(s, c, reply, len, "crossed", offsetof(struct sim_book, crossed));
}

void sim_fault_stale_snapshot(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			      size_t len)
{
	rest_book_fault(s, c, reply, len, "stale_snapshot", offsetof(struct sim_book, stale));
}

void sim_fault_full_book(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			 size_t len)
{
	rest_book_fault(s, c, reply, len, "full_book", offsetof(struct sim_book, full));
}

void sim_fault_rest_429(struct sim_server *s, const struct sim_cmd_args *c, char *reply, size_t len)
{
	long v;

	if (sim_control_arg(c, 0, 1000000, &v, reply, len, "rest_429 N") < 0)
		return;
	s->faults.rest_429 = (int)v;
	snprintf(reply, len, "ok rest_429 %ld", v);
}

const struct sim_cmd sim_fault_cmds[] = {
	{"blackhole", faults_blackhole},
	{"badframe", faults_badframe},
	{"hugeframe", faults_hugeframe},
	{"badutf8", faults_badutf8},
	{"fragments", faults_fragments},
	{"pingflood", faults_pingflood},
	{"endless_headers", faults_endless},
	{"restart", faults_restart},
	{"badcert", faults_badcert},
	{"drop_delta", sim_fault_drop_delta},
	{"bad_checksum", sim_fault_bad_checksum},
	{"crossed", sim_fault_crossed},
	{"stale_snapshot", sim_fault_stale_snapshot},
	{"full_book", sim_fault_full_book},
	{"rest_429", sim_fault_rest_429},
};
const size_t sim_fault_ncmds = sizeof(sim_fault_cmds) / sizeof(sim_fault_cmds[0]);
