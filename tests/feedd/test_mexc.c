/* SPDX-License-Identifier: MIT */
/*
 * test_mexc.c: the MEXC adapter driven by a script of messages and
 * expected results (data/mexc.txt, argv[1]; format in its header). MEXC
 * pushes protobuf: the script's D> (deals) and K> (book ticker) lines give
 * the documented field values, and the test encodes them with the pack
 * functions protoc-c generated from feedd/venues/mexc.proto, then feeds
 * them as binary frames through the decode stage. Acks and PONG are JSON
 * text (> lines). Plus: a deals batch larger than the tick array, the
 * subscribe requests and limits, the arena's size limit, set-up errors and
 * random mutations of encoded pushes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "jsonscan.h"
#include "mexc.pb-c.h"
#include "venue.h"

#define RECV_TS	  777
#define DEALS_MAX 64

static struct feed_venue_ctx spot, *ctx = &spot;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "mexc.txt:%d: ", lineno);                                          \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

/* Next "key=value" token; value may be "quoted" with \" escapes. */

/* One key of an expectation about the answer (not a tick field). Returns
 * 1 if it was one. */
static int check_out_key(const char *key, const char *val, int contains)
{
	if (!strcmp(key, "reason")) {
		const char *r = out.reason ? out.reason : "";
		if (contains ? !strstr(r, val) : strcmp(r, val) != 0)
			FAILF("reason \"%s\", expected %s\"%s\"", r, contains ? "~" : "", val);
	} else if (!strcmp(key, "reply")) {
		if (!out.reply || out.reply_len != strlen(val) ||
		    memcmp(out.reply, val, out.reply_len) != 0)
			FAILF("reply \"%.*s\", expected \"%s\"", (int)out.reply_len,
			      out.reply ? out.reply : "", val);
	} else if (!strcmp(key, "sym")) {
		const char *s = out.sym < ctx->nsyms ? ctx->syms[out.sym].native : "-";
		if (strcmp(s, val) != 0)
			FAILF("sym %s, expected %s", s, val);
	} else if (!strcmp(key, "req")) {
		if (out.req_id != strtoull(val, NULL, 10))
			FAILF("req %llu, expected %s", (unsigned long long)out.req_id, val);
	} else if (!strcmp(key, "first")) {
		if (out.sym_first != strtoul(val, NULL, 10))
			FAILF("first %u, expected %s", out.sym_first, val);
	} else if (!strcmp(key, "count")) {
		if (out.sym_count != strtoul(val, NULL, 10))
			FAILF("count %u, expected %s", out.sym_count, val);
	} else if (!strcmp(key, "n")) {
		if (out.n != strtoul(val, NULL, 10))
			FAILF("%u ticks, expected %s", out.n, val);
	} else {
		return 0;
	}
	return 1;
}

/* "= CLASS k=v ...": tick keys apply to tick i (i=K selects it, 0 first). */
static void check_expect(char *line)
{
	char cls[32], key[32], val[256], fb[32];
	char *p = line;
	size_t n = 0;
	unsigned ti = 0;
	int contains, ok, rc, want_n = 0;

	while (*p && *p != ' ' && n + 1 < sizeof(cls))
		cls[n++] = *p++;
	cls[n] = '\0';
	if (strcasecmp(cls, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", cls);
		return;
	}
	if (out.cls != FEED_MSG_DATA && out.n != 0)
		FAILF("%u ticks on a non-data message", out.n);
	while ((rc = next_kv(&p, key, sizeof(key), val, sizeof(val), &contains)) == 1) {
		const struct mdbus_tick *t = &ticks[ti];
		want_n |= !strcmp(key, "n");
		if (check_out_key(key, val, contains))
			continue;
		if (!strcmp(key, "i")) {
			ti = (unsigned)strtoul(val, NULL, 10);
			if (ti >= out.n) {
				FAILF("no tick %u", ti);
				return;
			}
		} else if (!strcmp(key, "kind")) {
			if (strcmp(mdbus_kind_name(t->kind) ? mdbus_kind_name(t->kind) : "?",
				   val) != 0)
				FAILF("kind %u, expected %s", t->kind, val);
			if (t->recv_ts != RECV_TS)
				FAILF("recv_ts %lld", (long long)t->recv_ts);
		} else if (!strcmp(key, "flags")) {
			if (strcmp(flags_str(t->flags, fb), val) != 0)
				FAILF("flags %s, expected %s", flags_str(t->flags, fb), val);
		} else {
			long long got = tick_field(t, key, &ok);
			if (!ok)
				FAILF("unknown expectation key %s", key);
			else if (got != strtoll(val, NULL, 10))
				FAILF("%s = %lld, expected %s", key, got, val);
		}
	}
	if (rc < 0)
		FAILF("bad expectation syntax");
	if (out.cls == FEED_MSG_DATA && !want_n && out.n != 1)
		FAILF("%u ticks, expected 1", out.n);
}

static void directive_symstat(char *p)
{
	char name[32], key[32], val[64];
	size_t n = strcspn(p, " ");
	uint32_t i;
	int contains;

	snprintf(name, sizeof(name), "%.*s", (int)n, p);
	p += n;
	if (feed_venue_lookup(ctx, name, strlen(name), &i) < 0) {
		FAILF("no symbol %s", name);
		return;
	}
	while (next_kv(&p, key, sizeof(key), val, sizeof(val), &contains) == 1) {
		unsigned long long want = strtoull(val, NULL, 10), got;
		if (!strcmp(key, "ticks"))
			got = ctx->syms[i].ticks;
		else if (!strcmp(key, "errors"))
			got = ctx->syms[i].errors;
		else if (!strcmp(key, "gaps"))
			got = ctx->syms[i].gaps;
		else {
			FAILF("bad symstat key %s", key);
			continue;
		}
		if (got != want)
			FAILF("%s %s = %llu, expected %llu", name, key, got, want);
	}
}

static void directive(char *d)
{
	char buf[4096];
	size_t n = 0;
	int rc;

	if (!strcmp(d, "reset")) {
		feed_venue_ctx_reset(ctx);
	} else if (!strncmp(d, "sub ", 4)) {
		rc = feed_venue_subscribe_next(ctx, buf, sizeof(buf), &n);
		if (!strcmp(d + 4, "-")) {
			if (rc != 0)
				FAILF("subscribe gave %d, expected nothing more", rc);
		} else if (rc != 1 || n != strlen(d + 4) || memcmp(buf, d + 4, n) != 0) {
			FAILF("subscribe rc %d: %.*s", rc, (int)n, buf);
		}
	} else if (!strncmp(d, "subdone ", 8)) {
		if (feed_venue_sub_complete(ctx) != (int)strtol(d + 8, NULL, 10))
			FAILF("sub_complete %d", feed_venue_sub_complete(ctx));
	} else if (!strncmp(d, "acked ", 6)) {
		if (feed_venue_streams_acked(ctx) != (uint32_t)strtol(d + 6, NULL, 10))
			FAILF("acked %u", feed_venue_streams_acked(ctx));
	} else if (!strncmp(d, "rejected ", 9)) {
		if (feed_venue_streams_rejected(ctx) != (uint32_t)strtol(d + 9, NULL, 10))
			FAILF("rejected %u", feed_venue_streams_rejected(ctx));
	} else if (!strncmp(d, "dead ", 5)) {
		if (feed_venue_syms_dead(ctx) != (uint32_t)strtol(d + 5, NULL, 10))
			FAILF("dead %u", feed_venue_syms_dead(ctx));
	} else if (!strncmp(d, "decode_errors ", 14)) {
		if (ctx->st.decode_errors != strtoull(d + 14, NULL, 10))
			FAILF("decode_errors %llu", (unsigned long long)ctx->st.decode_errors);
	} else if (!strncmp(d, "symstat ", 8)) {
		directive_symstat(d + 8);
	} else {
		FAILF("unknown directive %s", d);
	}
}

/* A push being built from a D>/K> line: the wrapper and its body. */
struct push {
	Mexc__PushDataV3ApiWrapper w;
	Mexc__PublicAggreDealsV3Api deals;
	Mexc__PublicAggreBookTickerV3Api book;
	Mexc__PublicAggreDealsV3ApiItem item[DEALS_MAX];
	Mexc__PublicAggreDealsV3ApiItem *items[DEALS_MAX];
	char text[DEALS_MAX][5][64]; /* a deal's fields as written */
	char chan[128], sym[32], ev[64], bp[32], bq[32], ap[32], aq[32];
};

static void push_init(struct push *m, int book)
{
	static const Mexc__PushDataV3ApiWrapper w0 = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	static const Mexc__PublicAggreDealsV3Api d0 = MEXC__PUBLIC_AGGRE_DEALS_V3_API__INIT;
	static const Mexc__PublicAggreBookTickerV3Api b0 =
		MEXC__PUBLIC_AGGRE_BOOK_TICKER_V3_API__INIT;

	memset(m, 0, sizeof(*m));
	m->w = w0;
	m->deals = d0;
	m->book = b0;
	if (book) {
		m->w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_BOOK_TICKER;
		m->w.publicaggrebookticker = &m->book;
	} else {
		m->w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS;
		m->w.publicaggredeals = &m->deals;
		m->deals.deals = m->items;
	}
}

/* deal=PRICE,QTY,TYPE,TIME[,TRADEID] */
static int push_deal(struct push *m, char *val)
{
	static const Mexc__PublicAggreDealsV3ApiItem i0 =
		MEXC__PUBLIC_AGGRE_DEALS_V3_API_ITEM__INIT;
	size_t k = m->deals.n_deals;
	Mexc__PublicAggreDealsV3ApiItem *it = &m->item[k];
	char *f[5] = {0}, *rest = val, *t;
	int nf = 0;

	if (k >= DEALS_MAX)
		return -1;
	while (nf < 5 && (t = strsep(&rest, ",")) != NULL) { /* empty fields kept */
		snprintf(m->text[k][nf], sizeof(m->text[k][nf]), "%s", t);
		f[nf] = m->text[k][nf];
		nf++;
	}
	if (nf < 4)
		return -1;
	*it = i0;
	it->price = f[0];
	it->quantity = f[1];
	it->tradetype = (int32_t)strtol(f[2], NULL, 10);
	it->time = strtoll(f[3], NULL, 10);
	if (nf == 5)
		it->tradeid = f[4];
	m->items[k] = it;
	m->deals.n_deals = k + 1;
	return 0;
}

static int push_kv(struct push *m, const char *key, char *val)
{
#define PUSH_STR(k, f)                                                                             \
	{                                                                                          \
		k, offsetof(struct push, f), sizeof(((struct push *)0)->f)                         \
	}
	static const struct {
		const char *key;
		size_t off, size;
	} strs[] = {
		PUSH_STR("channel", chan), PUSH_STR("symbol", sym), PUSH_STR("event", ev),
		PUSH_STR("bp", bp),	   PUSH_STR("bq", bq),	    PUSH_STR("ap", ap),
		PUSH_STR("aq", aq),
	};
#undef PUSH_STR

	if (!strcmp(key, "deal"))
		return push_deal(m, val);
	if (!strcmp(key, "send"))
		m->w.sendtime = strtoll(val, NULL, 10);
	else if (!strcmp(key, "create"))
		m->w.createtime = strtoll(val, NULL, 10);
	for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
		if (!strcmp(key, strs[k].key)) {
			/* cut to the field (a plain copy: -O3 flags snprintf's truncation) */
			size_t n = strnlen(val, strs[k].size - 1);

			memcpy((char *)m + strs[k].off, val, n);
			((char *)m + strs[k].off)[n] = '\0';
		}
	return 0;
}

/* "D> k=v ..." / "K> k=v ...": the push, packed into z. Returns its length. */
static size_t push_build(char kind, char *line, uint8_t *z, size_t zlen)
{
	static struct push m;
	char key[32], val[512];
	int contains;

	push_init(&m, kind == 'K');
	while (next_kv(&line, key, sizeof(key), val, sizeof(val), &contains) == 1)
		if (push_kv(&m, key, val) < 0)
			return 0;
	m.w.channel = m.chan;
	m.w.symbol = m.sym;
	m.deals.eventtype = m.ev;
	m.book.bidprice = m.bp;
	m.book.bidquantity = m.bq;
	m.book.askprice = m.ap;
	m.book.askquantity = m.aq;
	if (mexc__push_data_v3_api_wrapper__get_packed_size(&m.w) > zlen)
		return 0;
	return mexc__push_data_v3_api_wrapper__pack(&m.w, z);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "X> hex": raw bytes (lower-case hex) as a binary frame. */
static size_t hex_build(const char *s, uint8_t *z, size_t zlen)
{
	size_t n = 0;

	while (*s == ' ')
		s++;
	while (n < zlen && hex_digit(s[0]) >= 0 && hex_digit(s[1]) >= 0) {
		z[n++] = (uint8_t)(hex_digit(s[0]) << 4 | hex_digit(s[1]));
		s += 2;
	}
	return n;
}

/* One script message: '>' text, 'B' the text's bytes as a binary frame,
 * 'D'/'K' an encoded push, 'X' hex bytes as a binary frame. */
static void feed_line(char kind, char *m)
{
	static uint8_t z[65536];
	size_t len = strlen(m);
	uint8_t *copy;
	const void *src = m;
	int bin = kind != '>';

	if (kind == 'D' || kind == 'K') {
		len = push_build(kind, m, z, sizeof(z));
		if (len == 0 && kind == 'D' && strstr(m, "deal=")) {
			FAILF("cannot build the push");
			return;
		}
		src = z;
	} else if (kind == 'X') {
		len = hex_build(m, z, sizeof(z));
		src = z;
	}
	/* Exactly-sized copy: an over-read is an ASan error. */
	copy = malloc(len ? len : 1);
	memcpy(copy, src, len);
	if (feed_venue_on_message(ctx, copy, len, bin, RECV_TS, &out) != 0)
		FAILF("on_message failed");
	free(copy);
}

static int run_script(const char *path)
{
	FILE *f = fopen(path, "r");
	static char line[16384];
	int pending = 0, msgs = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (pending && line[0] != '=') {
			FAILF("message without expectation");
			pending = 0;
		}
		if (line[0] == '!' && line[1] == ' ') {
			directive(line + 2);
		} else if (line[0] == '>' || (line[1] == '>' && strchr("BDKX", line[0]))) {
			char *m = line[0] == '>' ? line + 1 : line + 2;
			if (*m == ' ')
				m++;
			feed_line(line[0], m);
			pending = 1;
			msgs++;
		} else if (line[0] == '=' && line[1] == ' ') {
			if (!pending)
				FAILF("expectation without a message");
			else
				check_expect(line + 2);
			pending = 0;
		} else {
			FAILF("bad script line");
		}
	}
	fclose(f);
	return msgs;
}

static struct feed_session_config session(char (*syms)[MDBUS_SYMBOL_MAX], size_t n)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "mexc");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1; /* venue defaults: 8/8 */
	sc.qty_decimals = -1;
	sc.qty_unit = -1;
	return sc;
}

/* n deals for ETHUSDT packed into z (deal k: qty 0.000(k+1), price
 * 3000.(k%10), time 1700000000000+k, sell when k is odd; bad: deal `bad`
 * has price "x"). Returns the length. */
static size_t deals_push(unsigned n, int bad, uint8_t *z, size_t zlen)
{
	static struct push m;
	char val[128];

	push_init(&m, 0);
	snprintf(m.chan, sizeof(m.chan), "spot@public.aggre.deals.v3.api.pb@100ms@ETHUSDT");
	snprintf(m.sym, sizeof(m.sym), "ETHUSDT");
	m.w.channel = m.chan;
	m.w.symbol = m.sym;
	m.w.sendtime = 1700000009999;
	for (unsigned k = 0; k < n; k++) {
		snprintf(val, sizeof(val), "%s,0.%04u,%u,%llu,%u", (int)k == bad ? "x" : "3000.5",
			 k + 1, k % 2 ? 2 : 1, 1700000000000ull + k, 5000 + k);
		if (push_deal(&m, val) < 0)
			return 0;
	}
	if (mexc__push_data_v3_api_wrapper__get_packed_size(&m.w) > zlen)
		return 0;
	return mexc__push_data_v3_api_wrapper__pack(&m.w, z);
}

/* A push of 40 deals (more than the 16-tick array): three calls, every
 * trade once, in order; exactly two arrays' worth: two calls; a bad deal
 * after a full array: that piece is an ERROR. */
static void test_batch(void)
{
	static uint8_t z[8192];
	size_t zn = deals_push(40, -1, z, sizeof(z));
	unsigned got = 0, calls = 0;

	CHECK(zn > 0);
	do {
		CHECK_EQ_INT(feed_venue_on_message(&spot, z, zn, 1, RECV_TS, &out), 0);
		CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
		for (unsigned k = 0; k < out.n; k++, got++) {
			CHECK_EQ_INT(ticks[k].u.trade.qty, (got + 1) * 10000);
			CHECK_EQ_INT(ticks[k].u.trade.price, 300050000000);
			CHECK_EQ_INT(ticks[k].exch_ts, (1700000000000LL + got) * 1000000);
			CHECK_EQ_INT(ticks[k].flags & ~MDBUS_FLAG_GAP,
				     got % 2 ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY);
			CHECK_EQ_INT(ticks[k].u.trade.trade_id, 5000 + got);
			CHECK_EQ_INT(ticks[k].instrument, 101);
		}
		calls++;
	} while (out.more && calls < 10);
	CHECK_EQ_INT(got, 40);
	CHECK_EQ_INT(calls, 3);
	CHECK_EQ_INT(spot.cur.active, 0);

	zn = deals_push(2 * FEED_VENUE_TICKS_MIN, -1, z, sizeof(z));
	got = calls = 0;
	do {
		CHECK_EQ_INT(feed_venue_on_message(&spot, z, zn, 1, RECV_TS, &out), 0);
		CHECK_EQ_INT(out.n, FEED_VENUE_TICKS_MIN);
		got += out.n;
	} while (out.more && ++calls < 10);
	CHECK_EQ_INT(got, 2 * FEED_VENUE_TICKS_MIN);
	CHECK_EQ_INT(calls, 1);

	zn = deals_push(20, 18, z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(&spot, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(out.n, 16);
	CHECK_EQ_INT(out.more, 1);
	CHECK_EQ_INT(feed_venue_on_message(&spot, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK_EQ_INT(out.n, 0);
	CHECK_EQ_INT(out.more, 0);
	CHECK(strstr(out.reason, "deal price") != NULL);
}

/* A push whose unpacked form does not fit the scratch arena is a counted
 * decode error, not a crash or a cut; the next push decodes again. */
static void test_arena(void)
{
	static uint8_t z[1 << 21];
	static struct push m;
	static Mexc__PublicAggreDealsV3ApiItem big[40000], *bigp[40000];
	static const Mexc__PublicAggreDealsV3ApiItem i0 =
		MEXC__PUBLIC_AGGRE_DEALS_V3_API_ITEM__INIT;
	size_t zn, n = 0;
	uint64_t before = spot.st.decode_errors;

	/* 40000 deals of one byte strings: ~0.4 MB on the wire, several MB
	 * unpacked (each item is a struct plus three strings). */
	push_init(&m, 0);
	for (size_t k = 0; k < 40000; k++) {
		big[k] = i0;
		big[k].price = "1";
		big[k].quantity = "1";
		big[k].tradetype = 1;
		bigp[k] = &big[k];
	}
	m.deals.deals = bigp;
	m.deals.n_deals = 40000;
	m.w.symbol = "ETHUSDT";
	zn = mexc__push_data_v3_api_wrapper__pack(&m.w, z);
	CHECK(zn > 100000);
	CHECK_EQ_INT(feed_venue_on_message(&spot, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "larger than the scratch") != NULL);
	CHECK_EQ_INT(spot.st.decode_errors, before + 1);
	zn = deals_push(3, -1, z, sizeof(z));
	do {
		CHECK_EQ_INT(feed_venue_on_message(&spot, z, zn, 1, RECV_TS, &out), 0);
		n += out.n;
	} while (out.more);
	CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
	CHECK_EQ_INT(n, 3);
}

/* Requests: one channel each, as the documented example; 15 symbols x 2
 * = 30 streams fit one connection, 16 do not. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_setup(void)
{
	static char syms[16][MDBUS_SYMBOL_MAX];
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("method"),
						    FEED_JSON_KEY("params"), FEED_JSON_KEY("id")};
	const struct feed_venue_ops *ops = feed_venue_find("mexc");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	struct feed_json_val f[3], e;
	struct feed_json_iter it;
	struct mdbus_instrument ins;
	char buf[4096], err[256], want[96], nat[32];
	size_t n;
	unsigned k = 0;
	uint64_t id;

	CHECK(ops != NULL);
	for (int i = 0; i < 16; i++)
		snprintf(syms[i], sizeof(syms[i]), "C%d-USDT", i);
	sc = session(syms, 15);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	while (feed_venue_subscribe_next(&v, buf, sizeof(buf), &n) == 1) {
		unsigned m = 0;

		CHECK_EQ_INT(feed_json_scan(buf, n, keys, 3, f), 3);
		CHECK(feed_json_str_eq(&f[0], "SUBSCRIPTION", 12));
		CHECK_EQ_INT(feed_json_u64(&f[2], &id), 0);
		CHECK_EQ_INT(id, k + 1);
		CHECK_EQ_INT(feed_json_iter_init(&it, f[1].p, f[1].n), 0);
		while (feed_json_iter_next(&it, NULL, &e) == 1) {
			snprintf(want, sizeof(want), "spot@public.aggre.%s.v3.api.pb@100ms@C%uUSDT",
				 k % 2 ? "bookTicker" : "deals", k / 2);
			CHECK(feed_json_str_eq(&e, want, strlen(want)));
			m++;
		}
		CHECK_EQ_INT(m, 1); /* one channel per request */
		k++;
	}
	CHECK_EQ_INT(k, 30);
	CHECK_EQ_INT(ops->limits.req_interval_ms, 100);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 40, &n), -ENOBUFS);
	/* our ping */
	CHECK_EQ_INT(feed_venue_ping(&v, buf, sizeof(buf), &n, 1), 0);
	CHECK_EQ_INT(n, 17);
	CHECK_EQ_INT(memcmp(buf, "{\"method\":\"PING\"}", 17), 0);
	feed_venue_ctx_free(&v);

	sc = session(syms, 16);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -E2BIG);
	CHECK_STR(err, "32 streams exceed mexc's limit of 30 per connection");
	snprintf(syms[0], sizeof(syms[0]), "BTC-USDT-PERP");
	sc = session(syms, 1);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "BTC-USDT-PERP") != NULL);
	snprintf(syms[0], sizeof(syms[0]), "BTC-USDT");
	sc = session(syms, 1);
	sc.channels = FEED_CH_L2;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK(v.lv_cap >= 2 * 5000); /* a whole limit=5000 snapshot fits */
	feed_venue_ctx_free(&v);

	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTCUSDT");
	CHECK_EQ_INT(ops->native_symbol("1000PEPE-USDT", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "1000PEPEUSDT");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-20261225", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("btc-usdt", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 7), -ENAMETOOLONG);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", nat, 8), 0);
	CHECK_STR(ops->default_url, "wss://wbs-api.mexc.com/ws");

	CHECK_EQ_INT(feed_venue_ctx_instrument(&spot, 2, &ins), 0);
	CHECK_STR(ins.venue, "mexc");
	CHECK_STR(ins.symbol, "MX-USDT");
	CHECK_STR(ins.native, "MXUSDT");
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_SPOT);
}

/* Seeded random mutations of good pushes (binary) and answers (text):
 * whatever the bytes, a DATA result carries ticks of known instruments
 * only, and every ERROR has a reason. */
static void test_mutations(void)
{
	static const char refused[] =
		"{\"id\":0,\"code\":0,\"msg\":\"Not Subscribed successfully! "
		"[spot@public.aggre.bookTicker.v3.api.pb@100ms@ETHUSDT].  Reason： Blocked! \"}";
	static const char *const text[] = {
		"{\"id\":0,\"code\":0,\"msg\":\"spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT\"}",
		"{\"id\":0,\"code\":0,\"msg\":\"PONG\"}",
		refused,
	};
	static uint8_t good[2][512];
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.@\x01\x08\x12\x1a\x22\xff\x80";
	size_t gn[2];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int round, data = 0;

	gn[0] = deals_push(3, -1, good[0], sizeof(good[0]));
	{
		char line[] = "channel=spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT "
			      "symbol=BTCUSDT send=1736412092433 bp=93387.28 bq=3.73485 "
			      "ap=93387.29 aq=7.669875";
		gn[1] = push_build('K', line, good[1], sizeof(good[1]));
	}
	CHECK(gn[0] > 0 && gn[1] > 0);
	for (round = 0; round < 30000; round++) {
		int bin = round % 5 < 2;
		const uint8_t *src = bin ? good[round % 2] : (const uint8_t *)text[round % 3];
		size_t n = bin ? gn[round % 2] : strlen(text[round % 3]), k;
		uint8_t *buf;

		if (n == 0 || (buf = malloc(n)) == NULL) {
			feed_test_failures++;
			break;
		}
		memcpy(buf, src, n);
		for (k = 0; k < 2; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % n] = (uint8_t)alphabet[(x >> 40) % (sizeof(alphabet) - 1)];
		}
		if (round % 7 == 0)
			n = (size_t)(x >> 20) % n;
		do {
			if (feed_venue_on_message(&spot, buf, n, bin, RECV_TS, &out) != 0)
				feed_test_failures++;
			if (out.cls == FEED_MSG_DATA) {
				data++;
				for (unsigned t = 0; t < out.n; t++)
					if (ticks[t].instrument < 100 || ticks[t].instrument > 102)
						feed_test_failures++;
			}
			if (out.cls == FEED_MSG_ERROR && (!out.reason || !out.reason[0]))
				feed_test_failures++;
		} while (out.more);
		free(buf);
	}
	CHECK(data > 0);
}

/* ---- depth (l2) --------------------------------------------------------------------- */

/* A publicAggreDepths push of BTCUSDT: bids/asks "price,qty;..." (NULL =
 * none), from/to versions as strings. Returns its packed length. */
static size_t depth_push(const char *bids, const char *asks, const char *from, const char *to,
			 uint8_t *z, size_t zlen)
{
	static Mexc__PublicAggreDepthV3ApiItem items[16], *pb[8], *pa[8];
	static char txt[16][2][32];
	Mexc__PushDataV3ApiWrapper w = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	Mexc__PublicAggreDepthsV3Api d = MEXC__PUBLIC_AGGRE_DEPTHS_V3_API__INIT;
	const char *sides[2] = {bids, asks};
	unsigned used = 0;

	for (int s = 0; s < 2; s++) {
		const char *p = sides[s];
		size_t *cnt = s ? &d.n_asks : &d.n_bids;
		Mexc__PublicAggreDepthV3ApiItem **arr = s ? pa : pb;

		while (p && *p && used < 16 && *cnt < 8) {
			Mexc__PublicAggreDepthV3ApiItem *it = &items[used];
			const char *c = strchr(p, ','), *e = strchr(p, ';');
			size_t pl = (size_t)(c - p), ql = e ? (size_t)(e - c - 1) : strlen(c + 1);

			mexc__public_aggre_depth_v3_api_item__init(it);
			snprintf(txt[used][0], 32, "%.*s", (int)pl, p);
			snprintf(txt[used][1], 32, "%.*s", (int)ql, c + 1);
			it->price = txt[used][0];
			it->quantity = txt[used][1];
			arr[(*cnt)++] = it;
			used++;
			p = e ? e + 1 : NULL;
		}
	}
	d.bids = pb;
	d.asks = pa;
	d.eventtype = "spot@public.aggre.depth.v3.api.pb@100ms";
	d.fromversion = (char *)from;
	d.toversion = (char *)to;
	w.channel = "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT";
	w.symbol = "BTCUSDT";
	w.sendtime = 1778075380657;
	w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEPTHS;
	w.publicaggredepths = &d;
	if (mexc__push_data_v3_api_wrapper__get_packed_size(&w) > zlen)
		return 0;
	return mexc__push_data_v3_api_wrapper__pack(&w, z);
}

/* The docs' depth samples (Diff.Depth Stream page), the subscribe text and
 * its ack, bad pushes, and the REST snapshot path and body. */
static void test_depth_stream(struct feed_venue_ctx *v)
{
	static uint8_t z[4096];
	const struct feed_book_ev *ev;
	size_t zn;

	/* {"bids":[{"price":"100","quantity":"4"}],"fromVersion":"10023","toVersion":"10023"} */
	zn = depth_push("100,4", NULL, "10023", "10023", z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(v, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	ev = out.book;
	CHECK(ev == &v->book);
	CHECK_EQ_INT(ev->kind, FEED_BOOK_DELTA);
	CHECK_EQ_INT(ev->first_id, 10023);
	CHECK_EQ_INT(ev->last_id, 10023);
	CHECK_EQ_INT(ev->nbids, 1);
	CHECK_EQ_INT(ev->nasks, 0);
	CHECK_EQ_INT(ev->bids[0].px, 10000000000);
	CHECK_EQ_INT(ev->bids[0].qty, 400000000);
	CHECK_EQ_INT(ev->bids[0].px_dp, 0);
	CHECK_EQ_INT(ev->exch_ts, 1778075380657000000LL);
	CHECK_EQ_INT(ev->recv_ts, RECV_TS);
	CHECK_EQ_INT(ev->has_ck, 0);
	/* {"price":"92877.58","quantity":"0.00000000"}: a removal; plus an ask. */
	zn = depth_push("92877.58,0.00000000", "92880.1,1.5", "10589632359", "10589632361", z,
			sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(v, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	ev = out.book;
	CHECK_EQ_INT(ev->first_id, 10589632359ULL);
	CHECK_EQ_INT(ev->last_id, 10589632361ULL);
	CHECK_EQ_INT(ev->bids[0].px, 9287758000000);
	CHECK_EQ_INT(ev->bids[0].qty, 0);
	CHECK_EQ_INT(ev->bids[0].px_dp, 2);
	CHECK_EQ_INT(ev->bids[0].qty_dp, 8);
	CHECK_EQ_INT(ev->nasks, 1);
	CHECK_EQ_INT(ev->asks[0].px, 9288010000000);
	CHECK_EQ_INT(ev->asks[0].qty_dp, 1);
}

/* Bad pushes: versions missing, reversed, not numbers; a bad price; too many. */
static void test_depth_bad(struct feed_venue_ctx *v)
{
	static uint8_t z[4096];
	size_t zn;

	zn = depth_push("100,4", NULL, "", "10023", z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(v, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "fromVersion") != NULL);
	zn = depth_push("100,4", NULL, "10024", "10023", z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(v, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	zn = depth_push("100,4", NULL, "1x", "10023", z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(v, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	zn = depth_push("abc,4", NULL, "1", "2", z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(v, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "depth price") != NULL);
	zn = depth_push("100,-4", NULL, "1", "2", z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(v, z, zn, 1, RECV_TS, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	{
		uint32_t cap = v->lv_cap;

		v->lv_cap = 2;
		zn = depth_push("1,1;2,2", "3,3", "1", "2", z, sizeof(z));
		CHECK_EQ_INT(feed_venue_on_message(v, z, zn, 1, RECV_TS, &out), 0);
		CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
		CHECK(strstr(out.reason, "more than 2") != NULL);
		v->lv_cap = cap;
	}
}

static void test_depth_rest(struct feed_venue_ctx *v, const struct feed_venue_ops *ops)
{
	static const char doc[] = "{\"lastUpdateId\":1027024,\"bids\":[[\"4.00000000\",\"431."
				  "00000000\"]],\"asks\":[[\"4.00000200\",\"12.00000000\"]]}";
	struct feed_book_ev ev;
	char buf[128];
	size_t n = 0;

	CHECK_EQ_INT(ops->book.rest_snapshot(v, 0, buf, sizeof(buf), &n), 0);
	CHECK_STR(buf, "/api/v3/depth?symbol=BTCUSDT&limit=5000");
	CHECK_EQ_INT(n, strlen(buf));
	CHECK_EQ_INT(ops->book.rest_snapshot(v, 0, buf, 10, &n), -ENOBUFS);
	CHECK_EQ_INT(ops->book.rest_parse(v, 0, (const uint8_t *)doc, sizeof(doc) - 1, &ev), 0);
	CHECK_EQ_INT(ev.kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(ev.last_id, 1027024);
	CHECK_EQ_INT(ev.nbids, 1);
	CHECK_EQ_INT(ev.nasks, 1);
	CHECK_EQ_INT(ev.bids[0].px, 400000000);
	CHECK_EQ_INT(ev.bids[0].qty, 43100000000);
	CHECK_EQ_INT(ev.asks[0].px, 400000200);
	CHECK_EQ_INT(ev.asks[0].qty_dp, 8);
#define BAD_REST(body, rc)                                                                         \
	CHECK_EQ_INT(ops->book.rest_parse(v, 0, (const uint8_t *)(body), strlen(body), &ev), rc)
	BAD_REST("{\"bids\":[],\"asks\":[]}", -EBADMSG);
	CHECK(strstr(v->reason, "lastUpdateId") != NULL);
	BAD_REST("{\"lastUpdateId\":\"7\",\"bids\":[],\"asks\":[]}", -EBADMSG);
	BAD_REST("{\"lastUpdateId\":7,\"bids\":[[\"x\",\"1\"]],\"asks\":[]}", -EBADMSG);
	BAD_REST("{\"lastUpdateId\":7,\"bids\":[[\"1\"]],\"asks\":[]}", -EBADMSG);
	BAD_REST("{\"lastUpdateId\":7,\"bids\":{},\"asks\":[]}", -EBADMSG);
	BAD_REST("{\"lastUpdateId\":7,\"bids\":[],\"asks\":[]", -EBADMSG);
	BAD_REST("<html>", -EBADMSG);
	{
		uint32_t cap = v->lv_cap;

		v->lv_cap = 1;
		BAD_REST("{\"lastUpdateId\":7,\"bids\":[[\"1\",\"1\"]],\"asks\":[[\"2\",\"1\"]]}",
			 -EMSGSIZE);
		v->lv_cap = cap;
	}
	BAD_REST("{\"lastUpdateId\":7,\"bids\":[],\"asks\":[]}", 0);
#undef BAD_REST
}

static void test_depth(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("mexc");
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"};
	struct feed_session_config sc = session(syms, 1);
	struct feed_venue_ctx v;
	char err[256], buf[512];
	size_t n;

	CHECK(ops->channels & FEED_CH_L2);
	CHECK_EQ_INT(ops->book.sync, FEED_SYNC_REST_UU);
	CHECK(ops->book.checksum == NULL);
	sc.channels = FEED_CH_L2;
	memset(&v, 0, sizeof(v));
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(buf), &n), 1);
	CHECK(strncmp(buf,
		      "{\"method\":\"SUBSCRIPTION\",\"params\":[\"spot@public.aggre.depth.v3."
		      "api.pb@100ms@BTCUSDT\"],\"id\":",
		      strlen("{\"method\":\"SUBSCRIPTION\",\"params\":[\"spot@public.aggre.depth."
			     "v3."
			     "api.pb@100ms@BTCUSDT\"],\"id\":")) == 0);
	snprintf(buf, sizeof(buf),
		 "{\"id\":0,\"code\":0,\"msg\":\"spot@public.aggre.depth.v3.api.pb@100ms@"
		 "BTCUSDT\"}");
	CHECK_EQ_INT(feed_venue_on_message(&v, (const uint8_t *)buf, strlen(buf), 0, RECV_TS, &out),
		     0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	test_depth_stream(&v);
	test_depth_bad(&v);
	test_depth_rest(&v, ops);
	feed_venue_ctx_free(&v);
}

int main(int argc, char **argv)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT", "MX-USDT"};
	struct feed_session_config sc = session(syms, 3);
	const struct feed_venue_ops *ops = feed_venue_find("mexc");
	char err[256];
	int msgs;

	if (argc < 2 || !ops) {
		fprintf(stderr, "usage: test_mexc data/mexc.txt\n");
		return 1;
	}
	CHECK_EQ_INT(feed_venue_ctx_init(&spot, ops, &sc, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < spot.nsyms; i++)
		spot.syms[i].instrument = 100 + i;
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;

	msgs = run_script(argv[1]);
	CHECK(msgs >= 40); /* the script really ran */
	CHECK_EQ_INT(spot.st.msgs, (uint64_t)msgs);
	CHECK(spot.st.decode_errors >= 2);
	test_batch();
	test_arena();
	test_setup();
	test_depth();
	test_mutations();
	feed_venue_ctx_free(&spot);
	return feed_test_done("test_mexc");
}
