/* SPDX-License-Identifier: MIT */
/* refdata.c: instrument reference data at start-up (refdata.h). */
#include "refdata.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define MS	     (INT64_C(1000000))
#define REF_BODY_MAX ((size_t)16 << 20) /* exchangeInfo of many symbols */
#define REF_DRAIN_MS 2000		/* after the phase: cancels complete */
#define REF_LINE_MAX 256
#define REF_MAGIC    "mdbus-refdata"
/* A session's log pairs: the phase runs before its connection's first
 * state change, so its state is the initial one. */
#define REF_WHO(n, v) LOG_S("session", (n)), LOG_S("venue", (v)), LOG_S("state", "DISCONNECTED")

/* ---- the rules ------------------------------------------------------------------------- */

static void ref_warn(const char *path, const struct feed_session_config *sc,
		     const struct feed_venue_sym *s, const char *what, const char *val, int line,
		     const char *reason)
{
	char at[FEED_FILE_MAX + 16];

	snprintf(at, sizeof(at), "%s:%d", path ? path : "-", line);
	feed_log(FEED_LOG_WARN, REF_WHO(sc->name, sc->venue), LOG_EV("refdata_mismatch"),
		 LOG_S("symbol", s->norm), LOG_S(what, val), LOG_S("config", at),
		 LOG_S("reason", reason));
}

/* m at dp decimals as text ("0.01"). */
static const char *ref_dec(int64_t m, uint8_t dp, char *buf, size_t len)
{
	if (mdbus_decimal_format(m, dp, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* One scale: kept when the file set it (warned if the step is finer),
 * else the step's decimals. Returns 1 for a warning. */
static int ref_scale(const char *path, const struct feed_session_config *sc,
		     const struct feed_venue_sym *s, int line, uint8_t cur, int64_t step,
		     uint8_t step_dp, int qty, uint8_t *out)
{
	char buf[48];

	*out = cur;
	if (step <= 0)
		return 0;
	if (!line) {
		*out = step_dp;
		return 0;
	}
	if (step_dp <= cur)
		return 0;
	ref_warn(path, sc, s, qty ? "lot" : "tick", ref_dec(step, step_dp, buf, sizeof(buf)), line,
		 qty ? "the lot size has more decimals than qty_decimals: such quantities "
		       "would be refused"
		     : "the tick size has more decimals than price_decimals: such prices "
		       "would be refused");
	return 1;
}

/* The contract size: the file's when set (warned if the venue differs). */
static int ref_contract(const char *path, const struct feed_session_config *sc,
			const struct feed_venue_sym *s, const struct feed_ref_instr *r,
			struct feed_refdata_sym *o)
{
	char buf[48];

	if (r->contract <= 0 || s->market == MDBUS_MARKET_SPOT)
		return 0;
	if (!sc->contract_line) {
		o->contract = r->contract;
		o->contract_dp = r->contract_dp;
		return 0;
	}
	if (r->contract == sc->contract_size && r->contract_dp == sc->contract_decimals)
		return 0;
	ref_warn(path, sc, s, "contract", ref_dec(r->contract, r->contract_dp, buf, sizeof(buf)),
		 sc->contract_line, "contract_size differs from the venue's: the file's is kept");
	return 1;
}

/* The quantity scale a lot needs: contracts published in base units
 * (feed_venue_qty multiplies by the contract size) need the contract
 * size's decimals on top of the lot's. */
static uint8_t ref_lot_dp(const struct feed_venue_sym *s, const struct feed_ref_instr *r,
			  const struct feed_refdata_sym *o)
{
	unsigned dp = r->lot_dp;

	if (s->market != MDBUS_MARKET_SPOT && s->qty_unit == MDBUS_QTY_BASE)
		dp += o->contract ? o->contract_dp : s->contract_decimals;
	return (uint8_t)(dp > MDBUS_DECIMALS_MAX ? MDBUS_DECIMALS_MAX : dp);
}

uint32_t feed_refdata_resolve(const char *path, const struct feed_session_config *sc,
			      const struct feed_venue_ctx *v, const struct feed_ref_instr *ref,
			      struct feed_refdata_sym *out)
{
	uint32_t warnings = 0;

	for (uint32_t i = 0; i < v->nsyms; i++) {
		const struct feed_venue_sym *s = &v->syms[i];
		struct feed_refdata_sym *o = &out[i];

		memset(o, 0, sizeof(*o));
		o->price_dp = s->price_decimals;
		o->qty_dp = s->qty_decimals;
		if (!ref)
			continue;
		if (!ref[i].found) {
			feed_log(FEED_LOG_WARN, REF_WHO(sc->name, sc->venue),
				 LOG_EV("refdata_unlisted"), LOG_S("symbol", s->norm),
				 LOG_S("native", s->native),
				 LOG_S("reason", "the venue did not list this symbol"),
				 LOG_S("effect", "the config's scales; its data may be refused"));
			warnings++;
			continue;
		}
		warnings += (uint32_t)ref_contract(path, sc, s, &ref[i], o);
		warnings += (uint32_t)ref_scale(path, sc, s, sc->pdec_line, s->price_decimals,
						ref[i].tick, ref[i].tick_dp, 0, &o->price_dp);
		warnings +=
			(uint32_t)ref_scale(path, sc, s, sc->qdec_line, s->qty_decimals, ref[i].lot,
					    ref_lot_dp(s, &ref[i], o), 1, &o->qty_dp);
	}
	return warnings;
}

void feed_refdata_apply(const struct feed_refdata_sess *rs, struct feed_venue_ctx *v)
{
	if (!rs || !rs->out)
		return;
	for (uint32_t i = 0; i < v->nsyms; i++) {
		struct feed_venue_sym *s = &v->syms[i];
		uint32_t j = 0;

		while (j < rs->v.nsyms && strcmp(rs->v.syms[j].norm, s->norm) != 0)
			j++;
		if (j == rs->v.nsyms)
			continue;
		s->price_decimals = rs->out[j].price_dp;
		s->qty_decimals = rs->out[j].qty_dp;
		if (rs->out[j].contract > 0) {
			s->contract_size = rs->out[j].contract;
			s->contract_decimals = rs->out[j].contract_dp;
		}
	}
}

/* ---- where things are ---------------------------------------------------------------- */

int feed_refdata_rest_base(const struct feed_session_config *sc, const struct feed_venue_ops *ops,
			   struct feed_url *u, char *err, size_t errlen)
{
	if (sc->rest_url.host[0]) {
		*u = sc->rest_url;
		return 0;
	}
	if (sc->url_line) {
		memset(u, 0, sizeof(*u));
		u->tls = sc->url.tls;
		u->port = sc->url.port;
		snprintf(u->host, sizeof(u->host), "%s", sc->url.host);
		return 0;
	}
	if (!ops->default_rest_url) {
		snprintf(err, errlen, "venue %s has no REST host: set rest_url", ops->name);
		return -EINVAL;
	}
	return feed_url_parse_http(ops->default_rest_url, u, err, errlen);
}

static int ref_join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s%s", a, b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int feed_refdata_cache_dir(const char *cfg_dir, char *out, size_t len)
{
	const char *e;

	if (cfg_dir && cfg_dir[0])
		return ref_join(out, len, cfg_dir, "");
	e = getenv("CACHE_DIRECTORY"); /* systemd CacheDirectory=: a colon list */
	if (e && e[0]) {
		size_t n = strcspn(e, ":");

		if (n >= len)
			return -ENAMETOOLONG;
		memcpy(out, e, n);
		out[n] = '\0';
		return 0;
	}
	e = getenv("XDG_CACHE_HOME");
	if (e && e[0] == '/')
		return ref_join(out, len, e, "/mdbus");
	e = getenv("HOME");
	if (e && e[0])
		return ref_join(out, len, e, "/.cache/mdbus");
	return -ENOENT;
}

int feed_refdata_cache_file(const char *dir, const char *bus, const char *session, char *out,
			    size_t len)
{
	int n = snprintf(out, len, "%s/refdata-%s-%s.txt", dir, bus, session);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* mkdir -p (0755). 0 or -errno. */
static int ref_mkdirs(const char *dir)
{
	char p[FEED_FILE_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		p[i] = i < n ? '/' : '\0';
	}
	return 0;
}

/* ---- the cache file ------------------------------------------------------------------ */

/*
 *   mdbus-refdata 1
 *   venue binance
 *   base api.binance.com:443
 *   symbols 2
 *   sym BTC-USDT BTCUSDT 1 1 2 1 5 0 0      found tick tick_dp lot lot_dp contract dp
 *   sym ETH-USDT ETHUSDT 1 1 2 1 4 0 0
 *   end 2
 */
static int ref_cache_body(FILE *f, const char *venue, const char *base,
			  const struct feed_venue_ctx *v, const struct feed_ref_instr *ref)
{
	fprintf(f, "%s %d\nvenue %s\nbase %s\nsymbols %u\n", REF_MAGIC, FEED_REFDATA_CACHE_VERSION,
		venue, base, v->nsyms);
	for (uint32_t i = 0; i < v->nsyms; i++) {
		const struct feed_ref_instr *r = &ref[i];

		fprintf(f, "sym %s %s %u %lld %u %lld %u %lld %u\n", v->syms[i].norm,
			v->syms[i].native, r->found, (long long)r->tick, r->tick_dp,
			(long long)r->lot, r->lot_dp, (long long)r->contract, r->contract_dp);
	}
	fprintf(f, "end %u\n", v->nsyms);
	return ferror(f) ? -EIO : 0;
}

int feed_refdata_cache_write(const char *file, const char *venue, const char *base,
			     const struct feed_venue_ctx *v, const struct feed_ref_instr *ref)
{
	char tmp[FEED_FILE_MAX + 32], dir[FEED_FILE_MAX];
	const char *slash = strrchr(file, '/');
	FILE *f;
	int fd, rc;

	if (slash && (size_t)(slash - file) < sizeof(dir) && slash > file) {
		memcpy(dir, file, (size_t)(slash - file));
		dir[slash - file] = '\0';
		rc = ref_mkdirs(dir);
		if (rc < 0)
			return rc;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", file, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	rc = ref_cache_body(f, venue, base, v, ref);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		rc = rc ? rc : -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, file) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* The next line of f without its '\n'; -EBADMSG at the end or for a line
 * without one (truncated). */
static int ref_line(FILE *f, char *buf, size_t len)
{
	size_t n;

	if (!fgets(buf, (int)len, f))
		return -EBADMSG;
	n = strlen(buf);
	if (n == 0 || buf[n - 1] != '\n')
		return -EBADMSG;
	buf[n - 1] = '\0';
	return 0;
}

static int ref_bad(char *why, size_t wl, int rc, const char *fmt, const char *arg)
{
	snprintf(why, wl, fmt, arg);
	return rc;
}

/* The next space-separated word of *p into out (len bytes, NUL): 0 with *p
 * past it and one space, -EBADMSG for none or a longer one. */
static int ref_word(const char **p, char *out, size_t len)
{
	size_t n = strcspn(*p, " ");

	if (n == 0 || n >= len)
		return -EBADMSG;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n + ((*p)[n] == ' ');
	return 0;
}

/* The next word as a whole number in [0, max]. */
static int ref_num(const char **p, long long max, long long *v)
{
	char w[24], *end;

	if (ref_word(p, w, sizeof(w)) < 0 || w[0] < '0' || w[0] > '9')
		return -EBADMSG;
	errno = 0;
	*v = strtoll(w, &end, 10);
	return errno || *end || *v > max ? -EBADMSG : 0;
}

/* "KEY N" (the whole line) into *v. */
static int ref_keynum(const char *l, const char *key, long long max, long long *v)
{
	char w[32];

	if (ref_word(&l, w, sizeof(w)) < 0 || strcmp(w, key) != 0 || ref_num(&l, max, v) < 0)
		return -EBADMSG;
	return *l ? -EBADMSG : 0;
}

/* The four header lines. */
static int ref_cache_head(FILE *f, const char *venue, const char *base,
			  const struct feed_venue_ctx *v, char *why, size_t wl)
{
	char l[REF_LINE_MAX], want[REF_LINE_MAX];
	long long x;

	if (ref_line(f, l, sizeof(l)) < 0 || ref_keynum(l, REF_MAGIC, INT32_MAX, &x) < 0)
		return ref_bad(why, wl, -EBADMSG, "%snot a reference-data cache file", "");
	if (x != FEED_REFDATA_CACHE_VERSION)
		return ref_bad(why, wl, -EBADMSG, "%sanother format version", "");
	snprintf(want, sizeof(want), "venue %s", venue);
	if (ref_line(f, l, sizeof(l)) < 0 || strncmp(l, "venue ", 6) != 0)
		return ref_bad(why, wl, -EBADMSG, "%struncated or corrupt (venue line)", "");
	if (strcmp(l, want) != 0)
		return ref_bad(why, wl, -ESTALE, "written for another venue (%s)", l + 6);
	snprintf(want, sizeof(want), "base %s", base);
	if (ref_line(f, l, sizeof(l)) < 0 || strncmp(l, "base ", 5) != 0)
		return ref_bad(why, wl, -EBADMSG, "%struncated or corrupt (base line)", "");
	if (strcmp(l, want) != 0)
		return ref_bad(why, wl, -ESTALE, "written for another REST host (%s)", l + 5);
	if (ref_line(f, l, sizeof(l)) < 0 || ref_keynum(l, "symbols", INT32_MAX, &x) < 0)
		return ref_bad(why, wl, -EBADMSG, "%struncated or corrupt (symbols line)", "");
	if (x != v->nsyms)
		return ref_bad(why, wl, -ESTALE, "%sanother symbol set (count)", "");
	return 0;
}

/* "sym NORM NATIVE found tick tick_dp lot lot_dp contract contract_dp". */
static int ref_cache_sym(const char *l, const struct feed_venue_sym *s, struct feed_ref_instr *r,
			 char *why, size_t wl)
{
	static const long long max[7] = {
		1,	   INT64_MAX,	      MDBUS_DECIMALS_MAX, INT64_MAX, MDBUS_DECIMALS_MAX,
		INT64_MAX, MDBUS_DECIMALS_MAX};
	char w[8], norm[MDBUS_SYMBOL_MAX], native[MDBUS_SYMBOL_MAX];
	long long x[7];
	int bad = ref_word(&l, w, sizeof(w)) < 0 || strcmp(w, "sym") != 0 ||
		  ref_word(&l, norm, sizeof(norm)) < 0 || ref_word(&l, native, sizeof(native)) < 0;

	for (int k = 0; !bad && k < 7; k++)
		bad = ref_num(&l, max[k], &x[k]) < 0;
	if (bad || *l)
		return ref_bad(why, wl, -EBADMSG, "%struncated or corrupt (a symbol line)", "");
	if (strcmp(norm, s->norm) != 0 || strcmp(native, s->native) != 0)
		return ref_bad(why, wl, -ESTALE, "another symbol set (%s)", norm);
	r->found = (uint8_t)x[0];
	r->tick = x[1];
	r->tick_dp = (uint8_t)x[2];
	r->lot = x[3];
	r->lot_dp = (uint8_t)x[4];
	r->contract = x[5];
	r->contract_dp = (uint8_t)x[6];
	return 0;
}

int feed_refdata_cache_read(const char *file, const char *venue, const char *base,
			    const struct feed_venue_ctx *v, struct feed_ref_instr *ref, char *why,
			    size_t wl)
{
	char l[REF_LINE_MAX];
	FILE *f = fopen(file, "re");
	long long n;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(why, wl, "%s", strerror(errno));
		return rc;
	}
	rc = ref_cache_head(f, venue, base, v, why, wl);
	for (uint32_t i = 0; rc == 0 && i < v->nsyms; i++) {
		rc = ref_line(f, l, sizeof(l));
		if (rc < 0)
			ref_bad(why, wl, rc, "%struncated (a symbol line is missing)", "");
		else
			rc = ref_cache_sym(l, &v->syms[i], &ref[i], why, wl);
	}
	if (rc == 0 && (ref_line(f, l, sizeof(l)) < 0 || ref_keynum(l, "end", INT32_MAX, &n) < 0 ||
			n != v->nsyms || fgetc(f) != EOF))
		rc = ref_bad(why, wl, -EBADMSG, "%struncated or corrupt (end line)", "");
	fclose(f);
	if (rc < 0)
		memset(ref, 0, v->nsyms * sizeof(*ref));
	return rc;
}

/* ---- the fetch -------------------------------------------------------------------------- */

static void ref_fail(struct feed_refdata_sess *rs, const char *why)
{
	if (rs->state != FEED_REFDATA_FETCHING)
		return;
	rs->state = FEED_REFDATA_FAILED;
	snprintf(rs->why, sizeof(rs->why), "%s", why);
}

static void ref_on_answer(void *ud, int err, const struct feed_http_resp *resp);

/* Request rs->k on its client; past the last one the session is done. */
static void ref_send(struct feed_refdata_sess *rs, int64_t now)
{
	char path[FEED_REST_PATH_MAX];
	size_t n = 0;
	int rc = rs->v.ops->ref.request(&rs->v, rs->k, path, sizeof(path), &n);

	if (rc == 0) {
		rs->state = rs->k ? FEED_REFDATA_OK : FEED_REFDATA_FAILED;
		if (!rs->k)
			snprintf(rs->why, sizeof(rs->why), "the venue formed no request");
		return;
	}
	if (rc < 0 || n >= sizeof(path)) {
		ref_fail(rs, "the request does not fit a path");
		return;
	}
	path[n] = '\0';
	rc = feed_rest_get(rs->rest, path, ref_on_answer, rs, now);
	if (rc < 0)
		ref_fail(rs, strerror(-rc));
}

static void ref_on_answer(void *ud, int err, const struct feed_http_resp *resp)
{
	struct feed_refdata_sess *rs = ud;
	char why[sizeof(rs->why)];

	if (rs->state != FEED_REFDATA_FETCHING)
		return;
	if (err < 0) {
		snprintf(why, sizeof(why), "%s (%s)", strerror(-err), feed_rest_error(rs->rest));
		ref_fail(rs, why);
		return;
	}
	if (resp->status != 200) {
		snprintf(why, sizeof(why), "HTTP %d: %.*s", resp->status,
			 (int)(resp->body_len > 120 ? 120 : resp->body_len),
			 resp->body ? (const char *)resp->body : "");
		ref_fail(rs, why);
		return;
	}
	rs->v.reason[0] = '\0';
	if (rs->v.ops->ref.parse(&rs->v, rs->k, resp->body, resp->body_len, rs->ref) < 0) {
		snprintf(why, sizeof(why), "bad answer: %s", rs->v.reason);
		ref_fail(rs, why);
		return;
	}
	rs->k++;
	ref_send(rs, feed_now_ns());
}

/* The client for rs's REST base (one per distinct base and TLS setting). */
static int ref_client(struct feed_refdata *rd, struct feed_refdata_sess *rs, struct feed_loop *loop,
		      struct feed_tlsctx_cache *tls, int64_t timeout_ms)
{
	const struct feed_session_config *sc = rs->sc;
	struct feed_rest_cfg rc = {.body_max = REF_BODY_MAX,
				   .queue_cap = (unsigned)rd->n + 1,
				   .timeout_ms = timeout_ms,
				   .deadline_ms = timeout_ms};
	struct feed_url u;
	int r;

	r = feed_refdata_rest_base(sc, rs->v.ops, &u, rs->why, sizeof(rs->why));
	if (r == 0 && u.tls)
		r = feed_tlsctx_get(tls, sc->ca_file, sc->tls_verify, &rc.ssl_ctx, rs->why,
				    sizeof(rs->why));
	if (r < 0)
		return r;
	snprintf(rs->base, sizeof(rs->base), "%s:%u", u.host, u.port);
	for (unsigned i = 0; i < rd->nrest; i++) {
		const struct feed_rest_cfg *c = &rd->rest[i]->cfg;

		if (!strcmp(c->host, u.host) && c->port == u.port && c->tls == u.tls &&
		    c->ssl_ctx == rc.ssl_ctx && c->verify == sc->tls_verify) {
			rs->rest = rd->rest[i];
			return 0;
		}
	}
	if (rd->nrest == FEED_REFDATA_CLIENTS) {
		snprintf(rs->why, sizeof(rs->why), "more than %u REST hosts", FEED_REFDATA_CLIENTS);
		return -ENOSPC;
	}
	rc.host = u.host;
	rc.port = u.port;
	rc.tls = u.tls;
	rc.verify = sc->tls_verify;
	rs->rest = calloc(1, sizeof(*rs->rest));
	if (!rs->rest)
		return -ENOMEM;
	r = feed_rest_init(rs->rest, loop, FEED_REFDATA_UD_TOP - rd->nrest, &rc);
	if (r < 0) {
		feed_rest_free(rs->rest);
		free(rs->rest);
		rs->rest = NULL;
		snprintf(rs->why, sizeof(rs->why), "REST client: %s", strerror(-r));
		return r;
	}
	rd->rest[rd->nrest++] = rs->rest;
	return 0;
}

/* Session i of cfg into the phase when its venue has reference data. */
static int ref_sess_init(struct feed_refdata *rd, struct feed_refdata_sess *rs,
			 const struct feed_session_config *sc)
{
	const struct feed_venue_ops *ops = feed_venue_find(sc->venue);
	char err[256];

	rs->sc = sc;
	snprintf(rs->name, sizeof(rs->name), "%s", sc->name);
	snprintf(rs->venue, sizeof(rs->venue), "%s", sc->venue);
	if (!ops || !ops->ref.request || !ops->ref.parse || !sc->refdata)
		return 0;
	err[0] = '\0';
	if (feed_venue_ctx_init(&rs->v, ops, sc, err, sizeof(err)) < 0) {
		feed_log(FEED_LOG_WARN, REF_WHO(sc->name, sc->venue), LOG_EV("refdata_skipped"),
			 LOG_S("reason", err));
		return 0;
	}
	rs->v_ok = 1;
	rs->ref = calloc(rs->v.nsyms, sizeof(*rs->ref));
	rs->out = calloc(rs->v.nsyms, sizeof(*rs->out));
	if (!rs->ref || !rs->out)
		return -ENOMEM;
	rs->state = FEED_REFDATA_FETCHING;
	(void)rd;
	return 0;
}

/* Dispatches the completions of the phase's clients. */
static void ref_reap(struct feed_refdata *rd, struct feed_loop *loop)
{
	struct io_uring_cqe *cqe;
	unsigned head, count = 0;
	int64_t now = feed_now_ns();

	io_uring_for_each_cqe(&loop->ring, head, cqe)
	{
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		unsigned op = feed_ud_op(ud), idx = feed_ud_index(ud);

		count++;
		if (op == FEED_OP_TIMER) {
			feed_loop_on_timer(loop, ud);
			continue;
		}
		if (op == FEED_OP_SIGNAL) {
			int sig = feed_loop_on_signal(loop, cqe->res);

			/* SIGTERM/SIGINT end the phase; the daemon stops once
			 * started. SIGHUP: nothing to reload yet. */
			if (sig == SIGTERM || sig == SIGINT)
				rd->signal = sig;
			continue;
		}
		if (op != FEED_OP_REST_CONNECT && op != FEED_OP_REST_RECV &&
		    op != FEED_OP_REST_SEND && op != FEED_OP_DNS_POLL)
			continue;
		for (unsigned i = 0; i < rd->nrest; i++)
			if (rd->rest[i]->index == idx)
				feed_rest_on_cqe(rd->rest[i], ud, cqe->res, now);
	}
	io_uring_cq_advance(&loop->ring, count);
}

/* Runs the clients' timers; the earliest next deadline, at most limit. */
static int64_t ref_timers(struct feed_refdata *rd, int64_t now, int64_t limit)
{
	for (unsigned i = 0; i < rd->nrest; i++) {
		int64_t t = feed_rest_deadline(rd->rest[i], now);

		if (t && t <= now) {
			feed_rest_on_timer(rd->rest[i], now);
			t = feed_rest_deadline(rd->rest[i], now);
		}
		if (t && t < limit)
			limit = t;
	}
	return limit;
}

static unsigned ref_fetching(const struct feed_refdata *rd)
{
	unsigned n = 0;

	for (size_t i = 0; i < rd->n; i++)
		n += rd->s[i].state == FEED_REFDATA_FETCHING;
	return n;
}

static int ref_idle(const struct feed_refdata *rd)
{
	for (unsigned i = 0; i < rd->nrest; i++)
		if (!feed_rest_idle(rd->rest[i]))
			return 0;
	return 1;
}

/* The loop until done (fetching: every session answered; else: every
 * client idle) or the deadline. */
static void ref_spin(struct feed_refdata *rd, struct feed_loop *loop, int64_t deadline,
		     int fetching)
{
	for (;;) {
		int64_t now = feed_now_ns(), next;

		if (fetching ? ref_fetching(rd) == 0 : ref_idle(rd))
			return;
		if (now >= deadline || (fetching && rd->signal))
			return;
		next = ref_timers(rd, now, deadline);
		if (fetching && ref_fetching(rd) == 0)
			return;
		if (feed_loop_set_timer(loop, next) < 0 || feed_loop_wait(loop) < 0)
			return;
		ref_reap(rd, loop);
	}
}

/* ---- after the fetch -------------------------------------------------------------------- */

static const char *const ref_source_name[] = {
	[FEED_REFDATA_NONE] = "none",
	[FEED_REFDATA_REST] = "rest",
	[FEED_REFDATA_CACHE] = "cache",
	[FEED_REFDATA_DEFAULT] = "default",
};

/* A fetched answer goes to the cache (a failure there is logged only). */
static void ref_store(const struct feed_refdata *rd, const struct feed_refdata_sess *rs,
		      const char *file)
{
	int rc;

	if (!rd->dir[0])
		return;
	rc = file[0] ? feed_refdata_cache_write(file, rs->venue, rs->base, &rs->v, rs->ref)
		     : -ENAMETOOLONG;
	if (rc < 0)
		feed_log(FEED_LOG_WARN, REF_WHO(rs->name, rs->venue), LOG_EV("refdata_cache_write"),
			 LOG_S("file", file), LOG_S("reason", strerror(-rc)),
			 LOG_S("effect", "a restart without network takes the defaults"));
}

/* The fetch failed: the cache, else the defaults. */
static int ref_fallback(const struct feed_refdata *rd, struct feed_refdata_sess *rs,
			const char *file)
{
	char why[256] = "no cache directory";
	int rc = -ENOENT;

	feed_log(FEED_LOG_WARN, REF_WHO(rs->name, rs->venue), LOG_EV("refdata_fetch_failed"),
		 LOG_S("host", rs->base), LOG_S("reason", rs->why[0] ? rs->why : "no answer"));
	if (rd->dir[0] && file[0])
		rc = feed_refdata_cache_read(file, rs->venue, rs->base, &rs->v, rs->ref, why,
					     sizeof(why));
	if (rc == 0)
		return FEED_REFDATA_CACHE;
	if (rc != -ENOENT)
		feed_log(FEED_LOG_WARN, REF_WHO(rs->name, rs->venue),
			 LOG_EV("refdata_cache_refused"), LOG_S("file", file), LOG_S("reason", why),
			 LOG_S("effect", "not used"));
	feed_log(FEED_LOG_WARN, REF_WHO(rs->name, rs->venue), LOG_EV("refdata_defaults"),
		 LOG_S("reason",
		       rc == -ENOENT ? "no answer and no cache" : "no answer, cache refused"),
		 LOG_S("effect", "the config's and the venue's default scales"));
	return FEED_REFDATA_DEFAULT;
}

static void ref_finish(const struct feed_refdata *rd, struct feed_refdata_sess *rs)
{
	char file[FEED_FILE_MAX + 64] = "";

	if (!rs->v_ok)
		return;
	if (rd->dir[0] &&
	    feed_refdata_cache_file(rd->dir, rd->bus, rs->name, file, sizeof(file)) < 0)
		file[0] = '\0';
	if (rs->state == FEED_REFDATA_OK) {
		rs->source = FEED_REFDATA_REST;
		ref_store(rd, rs, file);
	} else {
		rs->source = ref_fallback(rd, rs, file);
		rs->warnings++;
	}
	rs->warnings +=
		feed_refdata_resolve(rd->path, rs->sc, &rs->v,
				     rs->source == FEED_REFDATA_DEFAULT ? NULL : rs->ref, rs->out);
	feed_log(rs->warnings ? FEED_LOG_WARN : FEED_LOG_INFO, REF_WHO(rs->name, rs->venue),
		 LOG_EV("refdata"), LOG_S("source", ref_source_name[rs->source]),
		 LOG_U("symbols", rs->v.nsyms), LOG_U("warnings", rs->warnings));
}

/* The cache directory, or none (logged). */
static void ref_dir(struct feed_refdata *rd, const struct feed_config *cfg)
{
	int rc = feed_refdata_cache_dir(cfg->cache_dir, rd->dir, sizeof(rd->dir));

	if (rc < 0) {
		rd->dir[0] = '\0';
		feed_log(FEED_LOG_WARN, LOG_EV("refdata_no_cache"),
			 LOG_S("reason", rc == -ENOENT ? "no cache_dir, $CACHE_DIRECTORY, "
							 "$XDG_CACHE_HOME or $HOME"
						       : strerror(-rc)),
			 LOG_S("effect", "reference data is not cached"));
		return;
	}
	rc = ref_mkdirs(rd->dir);
	if (rc < 0) {
		feed_log(FEED_LOG_WARN, LOG_EV("refdata_no_cache"), LOG_S("dir", rd->dir),
			 LOG_S("reason", strerror(-rc)),
			 LOG_S("effect", "reference data is not cached"));
		rd->dir[0] = '\0';
	}
}

int feed_refdata_run(struct feed_refdata *rd, struct feed_loop *loop, const struct feed_config *cfg,
		     struct feed_tlsctx_cache *tls, const char *bus)
{
	int64_t start = feed_now_ns(), deadline = start + cfg->refdata_timeout_ms * MS;
	unsigned any = 0;
	int rc = 0;

	memset(rd, 0, sizeof(*rd));
	rd->path = cfg->path;
	snprintf(rd->bus, sizeof(rd->bus), "%s", bus);
	rd->s = calloc(cfg->nsessions, sizeof(*rd->s));
	if (!rd->s)
		return -ENOMEM;
	rd->n = cfg->nsessions;
	for (size_t i = 0; rc == 0 && i < rd->n; i++)
		rc = ref_sess_init(rd, &rd->s[i], &cfg->sessions[i]);
	for (size_t i = 0; rc == 0 && i < rd->n; i++) {
		struct feed_refdata_sess *rs = &rd->s[i];

		if (rs->state != FEED_REFDATA_FETCHING)
			continue;
		any++;
		if (ref_client(rd, rs, loop, tls, cfg->refdata_timeout_ms) < 0)
			rs->state = FEED_REFDATA_FAILED;
		else
			ref_send(rs, start);
	}
	if (rc < 0 || !any) {
		rd->rest_idle = 1;
		return rc;
	}
	ref_dir(rd, cfg);
	/* A signal ends the phase early (the signalfd read stays armed for
	 * the daemon's loop). */
	(void)feed_loop_arm_signal(loop);
	ref_spin(rd, loop, deadline, 1);
	for (size_t i = 0; i < rd->n; i++)
		ref_fail(&rd->s[i],
			 rd->signal ? "stopped by a signal" : "no answer within refdata_timeout");
	for (unsigned i = 0; i < rd->nrest; i++)
		feed_rest_shutdown(rd->rest[i]);
	ref_spin(rd, loop, feed_now_ns() + REF_DRAIN_MS * MS, 0);
	rd->rest_idle = ref_idle(rd);
	for (size_t i = 0; i < rd->n; i++)
		ref_finish(rd, &rd->s[i]);
	return 0;
}

const struct feed_refdata_sess *feed_refdata_find(const struct feed_refdata *rd,
						  const struct feed_session_config *sc)
{
	for (size_t i = 0; rd && i < rd->n; i++)
		if (rd->s[i].out && rd->s[i].source != FEED_REFDATA_NONE &&
		    !strcmp(rd->s[i].name, sc->name) && !strcmp(rd->s[i].venue, sc->venue))
			return &rd->s[i];
	return NULL;
}

void feed_refdata_free(struct feed_refdata *rd)
{
	for (size_t i = 0; rd->s && i < rd->n; i++) {
		if (rd->s[i].v_ok)
			feed_venue_ctx_free(&rd->s[i].v);
		free(rd->s[i].ref);
		free(rd->s[i].out);
	}
	free(rd->s);
	rd->s = NULL;
	rd->n = 0;
	for (unsigned i = 0; i < rd->nrest; i++) {
		feed_rest_free(rd->rest[i]);
		free(rd->rest[i]);
	}
	rd->nrest = 0;
}
