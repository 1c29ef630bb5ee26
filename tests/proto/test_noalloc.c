/* SPDX-License-Identifier: MIT */
/*
 * test_noalloc.c - steady state receives allocate nothing.
 *
 * Counts allocations two ways during 10,000 received messages (after a
 * warm-up): our code's malloc/calloc/realloc through -Wl,--wrap (this
 * binary is linked with it, the pool module included), and OpenSSL's as
 * feedd runs it: tlsmem.h's pools installed as OpenSSL's allocator, so
 * SSL_MODE_RELEASE_BUFFERS is on and OpenSSL asks for a record buffer per
 * record; what the pools pass on to malloc is their pass-through counter.
 * The server's ciphertext is produced before counting starts, so only the
 * client side (TLS read, frame parse, reassembly, the pongs it answers with)
 * is measured.  wslay's frame layer has no allocation outside
 * wslay_frame_context_init (it is called once per connection attempt).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "conn.h"
#include "helpers.h"
#include "tlsmem.h"

/* ld --wrap=malloc fixes these names; they cannot be renamed. */
/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c) */
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c) */

static int counting;
static long our_allocs, ssl_allocs;

/* The in-memory server's OpenSSL allocations go through the pools too. */
static struct feed_tlsmem_stats server_last;
static long server_pass;

/* OpenSSL allocations the pools passed to malloc since the last call. */
static long pass_since(struct feed_tlsmem_stats *last)
{
	struct feed_tlsmem_stats now;
	long d;

	feed_tlsmem_stats(&now);
	d = (long)(now.pass - last->pass);
	*last = now;
	return d;
}

/* The --wrap side of the same names. */
/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c) */
void *__wrap_malloc(size_t n)
{
	if (counting)
		our_allocs++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t a, size_t b)
{
	if (counting)
		our_allocs++;
	return __real_calloc(a, b);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (counting)
		our_allocs++;
	return __real_realloc(p, n);
}
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c) */

struct st {
	long msgs, bytes, pongs;
	struct feed_conn *c;
};

static void on_open(void *ud)
{
	(void)ud;
}

static void on_message(void *ud, const uint8_t *p, size_t n, int binary)
{
	struct st *s = ud;

	(void)binary;
	s->msgs++;
	s->bytes += (long)n;
	if (n < 10 || p[0] != '{' || p[n - 1] != '}')
		s->msgs = -1000000; /* corrupted message: fails the count check */
}

static void on_pong(void *ud, const uint8_t *p, size_t n)
{
	(void)ud, (void)p, (void)n;
}

static void on_close(void *ud, uint16_t code, const char *reason)
{
	(void)ud, (void)code, (void)reason;
}

static uint8_t scratch[1 << 16];

/* Server: n messages, each in its own TLS record; every 10th fragmented, every 100th with a ping.
 */
static uint8_t *make_stream(struct th_server *s, int n, int seq0, size_t *len)
{
	size_t cap = (size_t)n * 400 + 65536, off = 0;
	uint8_t *buf = malloc(cap);
	char js[256];
	uint8_t fr[1024];

	for (int i = 0; i < n && buf; i++) {
		int seq = seq0 + i;
		int jl = snprintf(
			js, sizeof(js),
			"{\"e\":\"trade\",\"E\":%d,\"s\":\"BTCUSDT\",\"t\":%d,\"p\":\"97123.%02d"
			"000000\",\"q\":\"0.00120000\",\"T\":%d,\"m\":%s,\"M\":true}",
			1700000000 + seq, seq, seq % 100, 1700000000 + seq,
			seq % 2 ? "true" : "false");
		size_t fl;
		if (seq % 10 == 0) {
			fl = th_frame(fr, 0, 0x1, 0, js, 20);
			if (seq % 100 == 0)
				fl += th_frame(fr + fl, 1, 0x9, 0, "hb", 2);
			fl += th_frame(fr + fl, 0, 0x0, 0, js + 20, 20);
			fl += th_frame(fr + fl, 1, 0x0, 0, js + 40, (size_t)jl - 40);
		} else {
			fl = th_frame(fr, 1, 0x1, 0, js, (size_t)jl);
		}
		th_server_write(s, fr, fl);
		size_t k;
		while ((k = th_server_take(s, buf + off, cap - off)) > 0)
			off += k;
	}
	*len = off;
	return buf;
}

/* Deliver a stream to the client in 1400-byte pieces, draining its output as a loop would. */
static int deliver(struct feed_conn *c, struct th_server *srv, const uint8_t *p, size_t n)
{
	for (size_t off = 0; off < n;) {
		size_t k = n - off < 1400 ? n - off : 1400;
		const uint8_t *o;
		size_t on;
		int r = feed_conn_input(c, p + off, k);
		if (r < 0)
			return r;
		off += k;
		on = feed_conn_output(c, &o);
		if (on) {
			if (srv) {
				int was = counting; /* the server's buffers are not under test */
				counting = 0;
				pass_since(&server_last);
				th_server_push(srv, o, on);
				server_pass += pass_since(&server_last);
				counting = was;
			}
			feed_conn_consume(c, on);
		}
	}
	return 0;
}

/*
 * Control: the counting is live.  An OpenSSL allocation of a size no pool
 * serves reaches malloc (the pass-through counter and this binary's malloc
 * wrap both see it); a record-sized one is a pool hit and reaches neither.
 */
static void control(const char *name)
{
	struct feed_tlsmem_stats a, b;
	void *small, *rec;
	long ours;
	int fails = th_failures;

	feed_tlsmem_stats(&a);
	ours = our_allocs;
	counting = 1;
	small = OPENSSL_malloc(100);
	rec = OPENSSL_malloc(16712);
	counting = 0;
	feed_tlsmem_stats(&b);
	CHECK(small != NULL && rec != NULL);
	CHECK(b.pass - a.pass == 1);
	CHECK(our_allocs - ours == 1);
	CHECK(b.hits - a.hits == 1);
	CHECK(feed_tlsmem_owns(rec) && !feed_tlsmem_owns(small));
	OPENSSL_free(small);
	OPENSSL_free(rec);
	if (th_failures != fails)
		fprintf(stderr, "test_noalloc: %s: control failed: counting is not live\n", name);
}

/* One connection at the given TLS version; prints and checks the counts. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void run(int tls_version, const char *name)
{
	struct th_pki pki;
	SSL_CTX *cctx = NULL, *sctx;
	struct th_server srv;
	struct feed_conn c;
	struct st st = {0};
	static const struct feed_conn_cb cbs = {on_open, on_message, on_pong, on_close, NULL};
	char err[256], key[64], acc[32], resp[256];
	const uint8_t *o;
	size_t on, k, len;
	uint8_t *stream;
	int r;

	if (th_pki_make(&pki, -3600, 86400)) {
		th_failures++;
		return;
	}
	CHECK(feed_tls_ctx_new(&cctx, pki.ca_path, 1, err, sizeof(err)) == 0);
	sctx = th_server_ctx(&pki, 0);
	CHECK(sctx != NULL);
	if (!sctx || !cctx)
		return;
	SSL_CTX_set_min_proto_version(sctx, tls_version);
	SSL_CTX_set_max_proto_version(sctx, tls_version);
	CHECK(th_server_new(&srv, sctx) == 0);
	struct feed_conn_cfg cfg = {"localhost", 443, "/ws", 1, cctx, 1, 1 << 20, 0, NULL};
	CHECK(feed_conn_init(&c, &cfg, &cbs, &st) == 0);
	CHECK(feed_conn_start(&c) == 0);

	/* handshake + upgrade */
	for (int i = 0; i < 20; i++) {
		on = feed_conn_output(&c, &o);
		th_server_push(&srv, o, on);
		feed_conn_consume(&c, on);
		r = th_server_step(&srv, scratch, sizeof(scratch));
		if (r > 0) {
			scratch[r] = 0;
			CHECK(th_request_key((char *)scratch, key, sizeof(key)) == 0);
			CHECK(feed_upgrade_accept_for(key, acc, sizeof(acc)) == 0);
			int rl = snprintf(
				resp, sizeof(resp),
				"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
				acc);
			th_server_write(&srv, resp, (size_t)rl);
		}
		while ((k = th_server_take(&srv, scratch, sizeof(scratch))) > 0)
			CHECK(feed_conn_input(&c, scratch, k) == 0);
		if (feed_conn_phase(&c) == FEED_CONN_OPEN)
			break;
	}
	CHECK(feed_conn_phase(&c) == FEED_CONN_OPEN);

	/* warm-up: 1,000 messages (buffers reach their working size) */
	stream = make_stream(&srv, 1000, 0, &len);
	CHECK(stream && deliver(&c, &srv, stream, len) == 0);
	free(stream);
	CHECK(st.msgs == 1000);

	/* measured: 10,000 messages */
	stream = make_stream(&srv, 10000, 1000, &len);
	CHECK(stream != NULL);
	struct feed_tlsmem_stats st0, st1;
	struct timespec t0, t1;
	our_allocs = server_pass = 0;
	feed_tlsmem_stats(&st0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	counting = 1;
	r = deliver(&c, &srv, stream, len);
	counting = 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	feed_tlsmem_stats(&st1);
	ssl_allocs = (long)(st1.pass - st0.pass) - server_pass;
	free(stream);
	CHECK(r == 0);
	CHECK(st.msgs == 11000);
	/* the pongs for the 100 pings in the measured part reached the server */
	{
		struct th_cframe *cf = calloc(256, sizeof(*cf));
		int got = 0, n;
		while ((n = th_server_step(&srv, scratch + got, sizeof(scratch) - (size_t)got)) > 0)
			got += n;
		n = th_parse_client_frames(scratch, (size_t)got, cf, 256);
		CHECK(n == 110); /* 10 in warm-up + 100 measured */
		if (n > 0)
			CHECK(cf[n - 1].opcode == 0xA && cf[n - 1].mask == 1);
		free(cf);
	}
	printf("test_noalloc: %s: 10000 messages (%ld bytes of payload, 100 pongs sent): proto "
	       "allocations %ld, OpenSSL allocations %ld, %.0f ns/message (decrypt+parse, "
	       "informational)\n",
	       name, st.bytes, our_allocs, ssl_allocs,
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e4);
	CHECK(our_allocs == 0);
	/*
	 * OpenSSL 3.0 with SSL_MODE_RELEASE_BUFFERS takes a read buffer per
	 * record it decrypts (and a write buffer per pong), and in TLS 1.3 a
	 * 40-byte WPACKET header per record: all from the pools, so the pools
	 * served at least one block per record and passed nothing on.  An idle
	 * connection holds no record buffer.
	 */
	CHECK(ssl_allocs == 0);
	CHECK(st1.hits - st0.hits >= 10000);
	printf("test_noalloc: %s: pool blocks served %llu, record blocks ever touched %llu\n", name,
	       (unsigned long long)(st1.hits - st0.hits), (unsigned long long)st1.rec_touched);
	control(name);

	/* The client held no record buffer while idle: freeing it returns none. */
	feed_tlsmem_stats(&st0);
	feed_conn_free(&c);
	feed_tlsmem_stats(&st1);
	CHECK(st1.rec_in_use == st0.rec_in_use);
	th_server_free(&srv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	th_pki_free(&pki);
}

/* ws:// : the same traffic without TLS, so the frame layer alone is measured. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void run_plain(void)
{
	static const struct feed_conn_cb cbs = {on_open, on_message, on_pong, on_close, NULL};
	struct feed_conn_cfg cfg = {"localhost", 80, "/ws", 0, NULL, 0, 1 << 20, 0, NULL};
	struct feed_conn c;
	struct st st = {0};
	char key[64], acc[32], resp[256];
	const uint8_t *o;
	size_t on, len = 0, cap = (size_t)10000 * 400;
	uint8_t *stream = malloc(cap), fr[1024];
	char js[256];
	struct timespec t0, t1;
	int rl;

	CHECK(stream != NULL && feed_conn_init(&c, &cfg, &cbs, &st) == 0 &&
	      feed_conn_start(&c) == 0);
	if (th_failures) {
		free(stream);
		return;
	}
	on = feed_conn_output(&c, &o);
	memcpy(scratch, o, on);
	scratch[on] = 0;
	feed_conn_consume(&c, on);
	CHECK(th_request_key((char *)scratch, key, sizeof(key)) == 0);
	CHECK(feed_upgrade_accept_for(key, acc, sizeof(acc)) == 0);
	rl = snprintf(resp, sizeof(resp),
		      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		      "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		      acc);
	CHECK(feed_conn_input(&c, (const uint8_t *)resp, (size_t)rl) == 0);
	CHECK(feed_conn_phase(&c) == FEED_CONN_OPEN);
	for (int seq = 0; seq < 11000; seq++) {
		int jl = snprintf(
			js, sizeof(js),
			"{\"e\":\"trade\",\"E\":%d,\"s\":\"BTCUSDT\",\"t\":%d,\"p\":\"97123.%02d"
			"000000\",\"q\":\"0.00120000\",\"m\":true}",
			1700000000 + seq, seq, seq % 100);
		size_t fl = th_frame(fr, 1, 0x1, 0, js, (size_t)jl);
		if (seq % 100 == 0)
			fl += th_frame(fr + fl, 1, 0x9, 0, "hb", 2);
		if (seq == 1000) { /* warm-up part delivered first */
			CHECK(deliver(&c, NULL, stream, len) == 0);
			len = 0;
		}
		memcpy(stream + len, fr, fl);
		len += fl;
	}
	struct feed_tlsmem_stats last;
	our_allocs = 0;
	pass_since(&last);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	counting = 1;
	CHECK(deliver(&c, NULL, stream, len) == 0);
	counting = 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ssl_allocs = pass_since(&last);
	CHECK(st.msgs == 11000);
	printf("test_noalloc: plain ws://: 10000 messages, 100 pongs: proto allocations %ld, "
	       "OpenSSL "
	       "allocations %ld (mask RNG), %.0f ns/message (informational)\n",
	       our_allocs, ssl_allocs,
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e4);
	CHECK(our_allocs == 0);
	CHECK(ssl_allocs == 0);
	feed_conn_free(&c);
	free(stream);
}

int main(void)
{
	/* As feedd does: before anything calls OpenSSL. */
	int r = feed_tlsmem_install();
	if (r < 0) {
		fprintf(stderr, "feed_tlsmem_install: %s\n", strerror(-r));
		return 1;
	}
	run(TLS1_3_VERSION, "TLS 1.3");
	run(TLS1_2_VERSION, "TLS 1.2");
	run_plain();
	return th_result("test_noalloc");
}
