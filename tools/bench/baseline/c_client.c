/* SPDX-License-Identifier: MIT */
/*
 * c_client.c: the "write it yourself" baseline of `mdbus-bench e2e`: what a
 * straightforward C client of a Binance-style stream looks like. A blocking
 * TCP socket, OpenSSL on it (SSL_read/SSL_write), the HTTP upgrade by hand,
 * wslay's event API for the frames and jansson for each message. No batching,
 * no tricks: one json_loadb per message.
 *
 * Latency = CLOCK_REALTIME when the message was parsed - its trade id (the
 * simulator's send stamp, mdbus-sim --stamp), for the trades stamped in
 * [--from, --to); messages parsed while the clock is in [--from, --to) are
 * "handled" (the bench divides this process's CPU time by them). The
 * latencies go to --out as native int64 values; one JSON line on stdout:
 * {"received":N,"handled":N,"done":B,"error":S}. done: a trade stamped at or
 * after --to arrived before --deadline (the client kept up to the end).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <wslay/wslay.h>

struct cc {
	SSL *ssl;
	int64_t from, to, deadline; /* CLOCK_REALTIME ns */
	uint64_t received, handled, parse_errors;
	int done, closed;
	int64_t *lat; /* latencies of the stamped trades in the window */
	size_t nlat, cap;
	char pre[4096]; /* bytes read after the upgrade response's head */
	size_t npre, offpre;
	char err[200];
};

static int64_t cc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cc_note(struct cc *c, const char *data, size_t len)
{
	json_error_t je;
	json_t *m = json_loadb(data, len, 0, &je);
	json_t *t = m ? json_object_get(m, "t") : NULL;
	int64_t now = cc_now();

	if (!json_is_integer(t)) {
		c->parse_errors += m == NULL;
		json_decref(m);
		return; /* the subscription's answer */
	}
	int64_t stamp = (int64_t)json_integer_value(t);
	/* what a client does with a trade: its price and size as numbers */
	double px = strtod(json_string_value(json_object_get(m, "p")) ?: "0", NULL);
	double qty = strtod(json_string_value(json_object_get(m, "q")) ?: "0", NULL);
	json_decref(m);
	if (px < 0 || qty < 0)
		c->parse_errors++;
	if (now >= c->from && now < c->to)
		c->handled++;
	if (stamp >= c->to) {
		c->done = 1;
		return;
	}
	if (stamp < c->from)
		return;
	c->received++;
	if (c->nlat == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		int64_t *p = realloc(c->lat, cap * sizeof(*p));
		if (!p)
			return;
		c->lat = p;
		c->cap = cap;
	}
	c->lat[c->nlat++] = now - stamp;
}

static ssize_t cc_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
	struct cc *c = user;
	(void)flags;
	if (c->done || c->closed || cc_now() >= c->deadline) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (c->offpre < c->npre) {
		size_t n = c->npre - c->offpre < len ? c->npre - c->offpre : len;
		memcpy(buf, c->pre + c->offpre, n);
		c->offpre += n;
		return (ssize_t)n;
	}
	ERR_clear_error();
	int r = SSL_read(c->ssl, buf, (int)len);
	if (r > 0)
		return r;
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || (e == SSL_ERROR_SYSCALL && errno == EAGAIN)) {
		wslay_event_set_error(ctx,
				      WSLAY_ERR_WOULDBLOCK); /* SO_RCVTIMEO: look at the clock */
		return -1;
	}
	snprintf(c->err, sizeof(c->err), "connection closed (SSL error %d)", e);
	c->closed = 1;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t cc_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
		       void *user)
{
	struct cc *c = user;
	(void)flags;
	ERR_clear_error();
	int r = SSL_write(c->ssl, data, (int)len);
	if (r > 0)
		return r;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static int cc_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
	(void)ctx;
	(void)user;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

static void cc_on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
		      void *user)
{
	struct cc *c = user;
	(void)ctx;
	if (a->opcode == WSLAY_TEXT_FRAME)
		cc_note(c, (const char *)a->msg, a->msg_length);
	else if (a->opcode == WSLAY_CONNECTION_CLOSE)
		c->closed = 1;
}

/* TCP + TLS to 127.0.0.1:port as "localhost", verified against ca. */
static int cc_connect(struct cc *c, int port, const char *ca)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {0, 200000};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || !ctx || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(c->err, sizeof(c->err), "connect: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 || !(c->ssl = SSL_new(ctx))) {
		snprintf(c->err, sizeof(c->err), "%s: cannot load", ca);
		return -1;
	}
	SSL_set_fd(c->ssl, fd);
	SSL_set_tlsext_host_name(c->ssl, "localhost");
	SSL_set1_host(c->ssl, "localhost");
	if (SSL_connect(c->ssl) != 1) {
		snprintf(c->err, sizeof(c->err), "TLS handshake failed");
		return -1;
	}
	return 0;
}

/* The HTTP upgrade and the subscription of every stream in symbols. */
static int cc_upgrade(struct cc *c, int port, const char *symbols, wslay_event_context_ptr ws)
{
	char req[512], sub[16384];
	unsigned char key[16];
	char key64[32];
	size_t o;
	RAND_bytes(key, sizeof(key));
	EVP_EncodeBlock((unsigned char *)key64, key, sizeof(key));
	int n = snprintf(req, sizeof(req),
			 "GET /ws HTTP/1.1\r\nHost: localhost:%d\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\n\r\n",
			 port, key64);
	if (SSL_write(c->ssl, req, n) != n)
		return -1;
	while (!memmem(c->pre, c->npre, "\r\n\r\n", 4)) {
		int r = SSL_read(c->ssl, c->pre + c->npre, (int)(sizeof(c->pre) - c->npre - 1));
		if (r <= 0 || c->npre + (size_t)r >= sizeof(c->pre) - 1)
			return -1;
		c->npre += (size_t)r;
	}
	char *end = (char *)memmem(c->pre, c->npre, "\r\n\r\n", 4) + 4;
	if (strncmp(c->pre, "HTTP/1.1 101", 12) != 0)
		return -1;
	c->offpre = (size_t)(end - c->pre);
	o = (size_t)snprintf(sub, sizeof(sub), "{\"method\":\"SUBSCRIBE\",\"params\":[");
	for (const char *s = symbols; *s && o < sizeof(sub) - 64;) {
		size_t k = strcspn(s, ",");
		o += (size_t)snprintf(sub + o, sizeof(sub) - o, "%s\"%.*s@trade\"",
				      s == symbols ? "" : ",", (int)k, s);
		s += k + (s[k] == ',');
	}
	o += (size_t)snprintf(sub + o, sizeof(sub) - o, "],\"id\":1}");
	struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)sub, o};
	return wslay_event_queue_msg(ws, &m) == 0 && wslay_event_send(ws) == 0 ? 0 : -1;
}

static int cc_write_out(const struct cc *c, const char *path)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(c->lat, sizeof(int64_t), c->nlat, f) == c->nlat;
	if (f)
		ok &= fclose(f) == 0;
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct cc c = {0};
	const char *ca = NULL, *symbols = NULL, *out = NULL;
	int port = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--port"))
			port = (int)strtol(v, NULL, 10);
		else if (!strcmp(k, "--ca"))
			ca = v;
		else if (!strcmp(k, "--symbols"))
			symbols = v;
		else if (!strcmp(k, "--out"))
			out = v;
		else if (!strcmp(k, "--from"))
			c.from = strtoll(v, NULL, 10);
		else if (!strcmp(k, "--to"))
			c.to = strtoll(v, NULL, 10);
		else if (!strcmp(k, "--deadline"))
			c.deadline = strtoll(v, NULL, 10);
	}
	if (!port || !ca || !symbols || !out || !c.to || !c.deadline) {
		fprintf(stderr,
			"usage: c_client --port P --ca FILE --symbols a,b --out FILE --from NS "
			"--to NS --deadline NS\n");
		return 2;
	}
	struct wslay_event_callbacks cb = {cc_recv, cc_send, cc_genmask, NULL,
					   NULL,    NULL,    cc_on_msg};
	wslay_event_context_ptr ws = NULL;
	if (cc_connect(&c, port, ca) < 0 || wslay_event_context_client_init(&ws, &cb, &c) != 0 ||
	    cc_upgrade(&c, port, symbols, ws) < 0) {
		if (!c.err[0])
			snprintf(c.err, sizeof(c.err), "WebSocket upgrade or subscribe failed");
	} else {
		wslay_event_config_set_max_recv_msg_length(ws, 1u << 20);
		while (!c.done && !c.closed && cc_now() < c.deadline) {
			if (wslay_event_recv(ws) != 0 && !c.closed)
				snprintf(c.err, sizeof(c.err), "WebSocket error");
			if (c.err[0])
				break;
			wslay_event_send(ws); /* the pongs wslay queued */
		}
	}
	if (cc_write_out(&c, out) < 0 && !c.err[0])
		snprintf(c.err, sizeof(c.err), "%s: cannot write", out);
	printf("{\"received\":%llu,\"handled\":%llu,\"done\":%s,\"parse_errors\":%llu,"
	       "\"error\":\"%s\"}\n",
	       (unsigned long long)c.received, (unsigned long long)c.handled,
	       c.done ? "true" : "false", (unsigned long long)c.parse_errors, c.err);
	wslay_event_context_free(ws);
	free(c.lat);
	return c.err[0] ? 1 : 0;
}
