/* SPDX-License-Identifier: MIT */
/*
 * feed.c: `mdbus-bench feed`: what feedd spends per venue message, from
 * decrypted bytes to a published tick, with no network and no TLS.
 *
 * Each venue's trades, printed by the simulator's dialect of that venue
 * (tools/sim: several symbols, random walks from a fixed seed, a fixed time
 * base) and framed as on the connection feedd would open (gzip, protobuf),
 * go as server WebSocket frames through the code feedd runs after
 * SSL_read: feed_ws_input (wslay framing) in 16 KiB pieces (one TLS record,
 * one recv timestamp each, with feedd's hop recording around it: lat.h),
 * the venue adapter's on_message (JSON scan,
 * exact decimals, normalization) and mdbus_writer_publish_batch into a
 * private bus. A second figure times the adapter + publish alone. The
 * binary is linked with --wrap=malloc,calloc,realloc: every allocation by
 * code linked into it (not inside shared libraries such as libwslay.so) is
 * counted, and after a warm-up pass the steady state must allocate nothing.
 * Instructions per message: callgrind on bench_feed_measured (docs/PERFORMANCE.md, H).
 */
#include "bench.h"
#include "lat.h"
#include "sim.h"
#include "tools_run.h"
#include "venue.h"
#include "ws.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_FEED_DISTINCT 4096  /* distinct messages, replayed to reach --messages */
#define BENCH_FEED_CHUNK    16384 /* one TLS record of plaintext */
#define BENCH_FEED_MAX_MSG  65536
#define BENCH_FEED_FRAMES   ((size_t)BENCH_FEED_DISTINCT * 512) /* room for the frames */

/* The mix: trades of these pairs (the simulator's --symbols) in turn, their
 * walks from a fixed seed (--seed), trade k at BENCH_FEED_T0_MS + k ms. */
#define BENCH_FEED_PAIRS "BTC-USDT,ETH-USDT,SOL-USDT,XRP-USDT"
#define BENCH_FEED_NSYM	 4
#define BENCH_FEED_SEED	 1
#define BENCH_FEED_T0_MS 1732550400000LL /* 2024-11-25 16:00 UTC */

/* The one process-wide counter: a linker wrapper has no context to carry
 * it. Relaxed: a count read by the thread that allocates. */
static atomic_uint_fast64_t bench_allocs;

/* ld --wrap=NAME sends every call to NAME in code linked into the binary to
 * __wrap_NAME, which counts it and calls the real one; ld fixes the names.
 * NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,bugprone-macro-parentheses) */
#define BENCH_WRAP(name, params, args)                                                             \
	void *__real_##name params;                                                                \
	void *__wrap_##name params;                                                                \
	void *__wrap_##name params                                                                 \
	{                                                                                          \
		atomic_fetch_add_explicit(&bench_allocs, 1, memory_order_relaxed);                 \
		return __real_##name args;                                                         \
	}
BENCH_WRAP(malloc, (size_t n), (n))
BENCH_WRAP(calloc, (size_t n, size_t m), (n, m))
BENCH_WRAP(realloc, (void *p, size_t n), (p, n))
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,bugprone-macro-parentheses) */

static uint64_t bench_alloc_count(void)
{
	return atomic_load_explicit(&bench_allocs, memory_order_relaxed);
}

struct bench_feed {
	struct feed_venue_ctx v;
	mdbus_writer *w;
	struct feed_ws ws;
	uint8_t *wsbuf;
	struct sim_venue sim;			      /* the dialect's symbols and walks */
	char syms[BENCH_FEED_NSYM][MDBUS_SYMBOL_MAX]; /* the session config's symbol list */
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	int64_t recv_ns;
	struct feed_lat lat; /* feedd's per-session hop histograms, recorded as feedd does */
	uint64_t iter;	     /* one "loop iteration" per received record */
	uint64_t msgs, ticks_n, published, errors, other;
	int pub_err;
	uint8_t *frames; /* BENCH_FEED_DISTINCT server frames back to back */
	size_t frames_len;
	const uint8_t *payload[BENCH_FEED_DISTINCT]; /* message bodies inside frames */
	uint8_t payload_bin[BENCH_FEED_DISTINCT]; /* ... sent as binary frames (gzip, protobuf) */
	size_t payload_len[BENCH_FEED_DISTINCT];
};

/* The figures of one venue; FN: messages through bench_feed_measured,
 * warm-up included (divide callgrind's Ir by it). */
enum { MSGS, TICKS, PUB, BYTES, NS, BEST, VONLY, ERRS, OTHER, STEADY, SETUP, PERMSG, FN, NFD };
static const struct bench_col bench_feed_cols[] = {
	{"messages", "messages", MSGS, 'f', 10, 0},
	{NULL, "ticks", TICKS, 'f', 0, 0},
	{NULL, "published", PUB, 'f', 0, 0},
	{"bytes", "bytes_per_msg", BYTES, 'f', 9, 1},
	{"ns/msg", "ns_per_msg", NS, 'f', 11, 1},
	{"best ns/msg", "best_pass_ns_per_msg", BEST, 'f', 12, 1},
	{"venue-only ns", "venue_only_ns_per_msg", VONLY, 'f', 13, 1},
	{"errors", "errors", ERRS, 'f', 8, 0},
	{NULL, "other", OTHER, 'f', 0, 0},
	{"allocs steady", "allocs_steady", STEADY, 'f', 13, 0},
	{"allocs setup", "allocs_setup", SETUP, 'f', 12, 0},
	{NULL, "allocs_per_msg", PERMSG, 'f', 0, 6},
	{"measured fn", "measured_fn_messages", FN, 'f', 12, 0},
	BENCH_COL_END,
};

struct bench_feed_result {
	const char *venue, *skip; /* skip: why not measured */
	char err[256];
	double v[NFD];
};

/* One message into the venue adapter and, for data, onto the bus. */
static void bench_feed_on_message(void *ud, const uint8_t *p, size_t n, int binary)
{
	struct bench_feed *b = ud;
	struct feed_venue_out out = {.ticks = b->ticks, .cap = FEED_VENUE_TICKS_MIN};
	b->msgs++;
	feed_lat_msg(&b->lat);
	if (feed_venue_on_message(&b->v, p, n, binary, b->recv_ns, &out) < 0 ||
	    out.cls == FEED_MSG_ERROR) {
		b->errors++;
		return;
	}
	if (out.cls != FEED_MSG_DATA) {
		b->other++;
		return;
	}
	b->ticks_n += out.n;
	if (out.n) {
		feed_lat_ticks(&b->lat, b->ticks, out.n);
		int rc = mdbus_writer_publish_batch(b->w, b->ticks, out.n);
		if (rc < 0)
			b->pub_err = rc;
		else
			b->published += (uint64_t)rc;
	}
}

static void bench_feed_on_close(void *ud, uint16_t code, const char *reason)
{
	(void)code;
	(void)reason;
	((struct bench_feed *)ud)->errors++;
}

static int bench_feed_sink(void *ud, const uint8_t *p, size_t n)
{
	(void)ud;
	(void)p;
	(void)n;
	return 0; /* nothing is sent in this benchmark (no pings arrive) */
}

/* Appends trade k of the mix (symbol k % BENCH_FEED_NSYM) as the venue
 * sends it on a connection of route mode: printed by dialect d, through its
 * frame hook (gzip, protobuf; into out), as an unmasked server frame.
 * 0 or -errno (-EPROTO: the route does not carry trades). */
static int bench_feed_append(struct bench_feed *b, const struct sim_dialect *d, int mode,
			     unsigned k, struct sim_buf *out)
{
	uint32_t s = k % BENCH_FEED_NSYM;
	uint8_t op = WSLAY_TEXT_FRAME, *f = b->frames + b->frames_len;
	char msg[2048];
	int n = d->trade(&b->sim, s, BENCH_FEED_T0_MS + k, 0, 0, msg, sizeof(msg)), rc = 0;
	const uint8_t *p = (const uint8_t *)msg;

	if (n < 0)
		return n;
	sim_buf_consume(out, out->len);
	if (d->frame && (rc = d->frame(&b->sim, mode, (int)s, SIM_STREAM_TRADE, msg, (size_t)n, out,
				       &op)) == 1) {
		p = out->p + out->off;
		n = (int)out->len;
	}
	if (rc < 0 || rc == SIM_FRAME_DROP)
		return rc < 0 ? rc : -EPROTO;
	if (n >= BENCH_FEED_MAX_MSG || b->frames_len + (size_t)n + 4 > BENCH_FEED_FRAMES)
		return -EOVERFLOW;
	*f++ = (uint8_t)(0x80 | op); /* FIN + text / binary */
	if (n >= 126) {
		*f++ = 126;
		*f++ = (uint8_t)(n >> 8);
	}
	*f++ = (uint8_t)n;
	memcpy(f, p, (size_t)n);
	b->payload[k] = f;
	b->payload_bin[k] = op == WSLAY_BINARY_FRAME;
	b->payload_len[k] = (size_t)n;
	b->frames_len = (size_t)(f - b->frames) + (size_t)n;
	return 0;
}

/* The measured work: `passes` replays of the frames through the WebSocket
 * layer, the venue adapter and the bus. Not inlined: callgrind's
 * --toggle-collect names it. */
__attribute__((noinline)) int bench_feed_measured(struct bench_feed *b, uint64_t passes);
__attribute__((noinline)) int bench_feed_measured(struct bench_feed *b, uint64_t passes)
{
	for (uint64_t i = 0; i < passes; i++) {
		for (size_t off = 0; off < b->frames_len; off += BENCH_FEED_CHUNK) {
			size_t n = b->frames_len - off;
			if (n > BENCH_FEED_CHUNK)
				n = BENCH_FEED_CHUNK;
			b->recv_ns = tools_now_ns(
				CLOCK_REALTIME); /* once per received record, as feedd */
			/* feedd's latency recording around one decrypted record
			 * (session.c, session_live.c: lat.h) */
			feed_lat_input(&b->lat, b->recv_ns, 1);
			feed_lat_chunk_open(&b->lat);
			int rc = feed_ws_input(&b->ws, b->frames + off, n);
			feed_lat_chunk_close(&b->lat, ++b->iter);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Venue adapter + publish only, on pre-split message bodies. */
__attribute__((noinline)) static void bench_feed_venue_only(struct bench_feed *b, uint64_t passes)
{
	for (uint64_t i = 0; i < passes; i++) {
		b->recv_ns = tools_now_ns(CLOCK_REALTIME);
		for (unsigned k = 0; k < BENCH_FEED_DISTINCT; k++)
			bench_feed_on_message(b, b->payload[k], b->payload_len[k],
					      b->payload_bin[k]);
	}
}

/* The path of feedd's trades connection: the channel's own route
 * (binance-futures: /market/ws), else the default URL's path. */
static const char *bench_feed_path(const struct feed_venue_ops *ops)
{
	const char *p = ops->channel_path[0]; /* bit 0 of FEED_CH_*: trades */

	if (p)
		return p;
	p = strstr(ops->default_url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	return p ? p : "/";
}

/* The simulator's side: dialect d's symbols (BENCH_FEED_PAIRS), the
 * session's names for them (perpetuals' where the venue lists no spot
 * market), the route of feedd's trades path and BENCH_FEED_DISTINCT
 * frames. 0 or -errno with err. */
static int bench_feed_messages(struct bench_feed *b, const struct feed_venue_ops *ops,
			       const struct sim_dialect *d, char *err, size_t len)
{
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	const char *path = bench_feed_path(ops);
	int perp = !(ops->markets & (1u << MDBUS_MARKET_SPOT)), mode = 0;
	int rc = sim_venue_init(&b->sim, BENCH_FEED_PAIRS, BENCH_FEED_SEED, err, len);
	struct sim_buf out = {0};

	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < BENCH_FEED_NSYM; i++)
		snprintf(b->syms[i], sizeof(b->syms[i]), "%s%s", b->sim.sym[i].norm,
			 perp ? "-PERP" : "");
	if ((rc = sim_dialect_route(d, &b->sim, path, subs, &mode)) != 0) {
		snprintf(err, len, "the %s dialect does not serve %s (HTTP %d)", d->name, path, rc);
		return -EPROTO;
	}
	if (!(b->frames = malloc(BENCH_FEED_FRAMES)))
		return -ENOMEM;
	for (unsigned k = 0; rc == 0 && k < BENCH_FEED_DISTINCT; k++)
		rc = bench_feed_append(b, d, mode, k, &out);
	sim_buf_free(&out);
	if (rc < 0)
		snprintf(err, len, "cannot build the %s messages: %s", d->name, strerror(-rc));
	return rc;
}

/* The messages, the venue context, the private bus with its instruments
 * and the WebSocket layer. 0 or -errno with err. */
static int bench_feed_setup(struct bench_feed *b, const struct feed_venue_ops *ops,
			    const struct sim_dialect *d, char *err, size_t len)
{
	struct feed_session_config sc = {.symbols = b->syms,
					 .nsymbols = BENCH_FEED_NSYM,
					 .channels = FEED_CH_TRADES,
					 .price_decimals = -1, /* the venue's default */
					 .qty_decimals = -1,
					 .max_message = BENCH_FEED_MAX_MSG};
	struct feed_ws_cb cb = {.on_message = bench_feed_on_message,
				.on_close = bench_feed_on_close,
				.sink = bench_feed_sink};
	char bus[64];
	snprintf(bus, sizeof(bus), "bench-feed-%d", (int)getpid());
	snprintf(sc.name, sizeof(sc.name), "bench");
	snprintf(sc.venue, sizeof(sc.venue), "%s", ops->name);
	int rc = bench_feed_messages(b, ops, d, err, len);
	if (rc == 0)
		rc = feed_venue_ctx_init(&b->v, ops, &sc, err, len);
	if (rc == 0)
		rc = bench_bus_open(&b->w, bus, 65536, NULL, err, len);
	for (uint32_t i = 0; rc == 0 && i < b->v.nsyms; i++) {
		struct mdbus_instrument in;
		if ((rc = feed_venue_ctx_instrument(&b->v, i, &in)) < 0 ||
		    (rc = mdbus_writer_add_instrument(b->w, &in, &b->v.syms[i].instrument)) < 0)
			snprintf(err, len, "instrument %u: %s", i, mdbus_strerror(rc));
	}
	if (rc < 0)
		return rc;
	feed_venue_ctx_reset(&b->v);
	if (!(b->wsbuf = malloc(BENCH_FEED_MAX_MSG)))
		return -ENOMEM;
	if ((rc = feed_ws_init(&b->ws, b->wsbuf, BENCH_FEED_MAX_MSG, &cb, b)) < 0) {
		snprintf(err, len, "feed_ws_init: %s", strerror(-rc));
		b->ws.fctx = NULL;
	}
	return rc;
}

static void bench_feed_zero_counts(struct bench_feed *b)
{
	b->msgs = b->ticks_n = b->published = b->errors = b->other = 0;
}

/* The timed passes, after a warm-up pass of each path (caches, branch
 * predictors, the ring's page faults). 0 or the error of feed_ws_input. */
static int bench_feed_time(struct bench_feed *b, uint64_t passes, double *v)
{
	int64_t best = INT64_MAX, total = 0;
	int rc = bench_feed_measured(b, 1);
	if (rc < 0)
		return rc;
	bench_feed_venue_only(b, 1);
	bench_feed_zero_counts(b);
	uint64_t a = bench_alloc_count();
	for (uint64_t i = 0; i < passes; i++) {
		int64_t t0 = bench_now_ns();
		if ((rc = bench_feed_measured(b, 1)) < 0)
			return rc;
		int64_t dt = bench_now_ns() - t0;
		total += dt;
		best = dt < best ? dt : best;
	}
	v[STEADY] = (double)(bench_alloc_count() - a);
	v[FN] = (double)(b->msgs + BENCH_FEED_DISTINCT);
	v[MSGS] = (double)b->msgs;
	v[TICKS] = (double)b->ticks_n;
	v[PUB] = (double)b->published;
	v[ERRS] = (double)b->errors;
	v[OTHER] = (double)b->other;
	v[NS] = b->msgs ? (double)total / (double)b->msgs : 0;
	v[BEST] = (double)best / BENCH_FEED_DISTINCT;
	v[BYTES] = (double)b->frames_len / BENCH_FEED_DISTINCT;
	a = bench_alloc_count();
	bench_feed_zero_counts(b);
	int64_t t0 = bench_now_ns();
	bench_feed_venue_only(b, passes);
	v[VONLY] = b->msgs ? (double)(bench_now_ns() - t0) / (double)b->msgs : 0;
	v[STEADY] += (double)(bench_alloc_count() - a);
	v[PERMSG] = v[MSGS] > 0 ? v[STEADY] / v[MSGS] : 0.0;
	if (b->errors && !v[ERRS])
		v[ERRS] = (double)b->errors;
	return 0;
}

static int bench_feed_run(const struct feed_venue_ops *ops, uint64_t messages,
			  struct bench_feed_result *r)
{
	memset(r, 0, sizeof(*r));
	r->venue = ops->name;
	const struct sim_dialect *d = sim_dialect_find(ops->name);
	if (!d) {
		r->skip = "no simulator dialect of this venue (tools/sim)";
		return 0;
	}
	struct bench_feed *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	uint64_t a0 = bench_alloc_count();
	int rc = bench_feed_setup(b, ops, d, r->err, sizeof(r->err));
	r->v[SETUP] = (double)(bench_alloc_count() - a0);
	if (rc == 0 &&
	    (rc = bench_feed_time(b, (messages + BENCH_FEED_DISTINCT - 1) / BENCH_FEED_DISTINCT,
				  r->v)) < 0)
		snprintf(r->err, sizeof(r->err), "feed_ws_input: %s (%s)", strerror(-rc),
			 b->ws.err);
	if (rc == 0 && b->pub_err) {
		snprintf(r->err, sizeof(r->err), "publish: %s", mdbus_strerror(b->pub_err));
		rc = b->pub_err;
	}
	if (b->ws.fctx)
		feed_ws_free(&b->ws);
	free(b->wsbuf);
	free(b->frames);
	if (b->w)
		mdbus_writer_close(b->w, 1);
	feed_venue_ctx_free(&b->v);
	free(b);
	return rc;
}

static void bench_feed_print(const struct bench_sysinfo *si, const struct bench_feed_result *res,
			     unsigned n, int json)
{
	struct bench_json j = {.f = stdout};
	if (json) {
		bench_j_doc(&j, si, "feed");
		bench_j(&j, "method:s",
			"16 KiB chunks of server WebSocket frames -> feed_ws_input -> venue "
			"on_message -> mdbus_writer_publish_batch; clock CLOCK_MONOTONIC around "
			"each pass of 4096 messages");
		bench_j_open(&j, "venues", '[');
	} else {
		bench_report_machine(stdout, si);
		printf("feed: WebSocket frames (16 KiB records) -> venue adapter -> mdbus publish, "
		       "%d distinct messages replayed\n  %-15s",
		       BENCH_FEED_DISTINCT, "venue");
		bench_cols(stdout, bench_feed_cols, NULL, NULL);
		printf("\n");
	}
	for (const struct bench_feed_result *r = res; r < res + n; r++) {
		if (json) {
			bench_j_open(&j, NULL, '{');
			bench_j(&j, "venue:s skipped:b", r->venue, r->skip != NULL);
			bench_j(&j, r->skip ? "reason:s" : "error:s",
				r->skip	    ? r->skip
				: r->err[0] ? r->err
					    : NULL);
			if (!r->skip)
				bench_cols_json(&j, bench_feed_cols, r->v, NULL);
			bench_j_close(&j);
		} else if (r->skip) {
			printf("  %-15s skipped: %s\n", r->venue, r->skip);
		} else {
			printf("  %-15s", r->venue);
			bench_cols(stdout, bench_feed_cols, r->v, NULL);
			printf("%s%s\n", r->err[0] ? "  error: " : "", r->err);
		}
	}
	if (json) {
		bench_j_close(&j);
		bench_j_close(&j);
	} else {
		printf("  (measured fn: messages through bench_feed_measured, warm-up included: "
		       "divide callgrind's Ir by it)\n");
	}
}

static const char *bench_feed_venue(void *dst, const char *arg)
{
	*(const char **)dst = arg;
	return feed_venue_find(arg) ? NULL : "expected a registered venue";
}

static void bench_feed_usage(FILE *f)
{
	fputs("usage: mdbus-bench feed [--messages N] [--venue NAME] [--json]\n"
	      "  feedd's cost per message: WebSocket frames -> venue adapter -> mdbus publish\n"
	      "options:\n"
	      "  -m, --messages N        messages to measure (default 1000000)\n"
	      "      --venue NAME        only this venue adapter (default: every registered one;\n"
	      "                          formerly -V)\n"
	      "  -j, --json              JSON output\n" TOOLS_STD_USAGE,
	      f);
}

int bench_feed_main(int argc, char **argv)
{
	uint64_t messages = 1000000;
	const char *only = NULL;
	int json = 0, failed = 0;
	const struct tools_opt opts[] = {
		BENCH_NUM("messages", 'm', COUNT, &messages, 1, 1000000000, "expected 1..1e9"),
		BENCH_FN("venue", 0, &only, bench_feed_venue),
		BENCH_FLAG("json", 'j', &json, 1),
		BENCH_HELP,
	};
	int rc = bench_opts("mdbus-bench feed", bench_feed_usage, opts,
			    sizeof(opts) / sizeof(opts[0]), argc, argv);
	if (rc >= 0)
		return rc;
	struct bench_sysinfo si;
	struct bench_feed_result res[16];
	unsigned n = 0;
	bench_sysinfo_get(&si);
	for (unsigned i = 0; n < 16 && feed_venue_at(i); i++) {
		if (only && strcmp(only, feed_venue_at(i)->name) != 0)
			continue;
		rc = bench_feed_run(feed_venue_at(i), messages, &res[n]);
		if (rc < 0 && !res[n].err[0])
			snprintf(res[n].err, sizeof(res[n].err), "%s", strerror(-rc));
		failed |= rc < 0 || res[n].v[ERRS] > 0 || res[n].v[STEADY] > 0;
		n++;
	}
	bench_feed_print(&si, res, n, json);
	return failed;
}
