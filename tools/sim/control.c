/* SPDX-License-Identifier: MIT */
/*
 * control.c: fault injection commands of mdbus-sim, one line each on the
 * control socket, answered "ok ..." or "error ...".
 *
 * Connection faults (stall, noping, silent, close, reset) act on the clients
 * connected now; a client that reconnects afterwards is served normally,
 * which is what a reconnection test needs. Handshake faults (refuse,
 * badaccept, delay_handshake) act on future upgrades until `normal`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mdbus_units.h"
#include "sim.h"

#define CONTROL_HELP                                                                               \
	"commands: close [CODE] | reset [SYMBOL] | stall | noping | silent | refuse STATUS "       \
	"[RETRY_AFTER] "                                                                           \
	"| badaccept | delay_handshake MS | badjson | badprecision | oversize BYTES | normal | "   \
	"stats | rate N | blackhole | badframe rsv|opcode|masked | hugeframe | badutf8 | "         \
	"fragments N | pingflood N | endless_headers | restart MS | "                              \
	"badcert expired|wronghost|selfsigned | drop_delta SYMBOL [N] | "                          \
	"bad_checksum SYMBOL [N] | crossed SYMBOL [N] | stale_snapshot SYMBOL [N] | rest_429 N | " \
	"full_book SYMBOL [N] | "                                                                  \
	"book SYMBOL [N] | on LISTENER COMMAND | help"

/* A whole number in [lo, hi], in the tools' count grammar (mdbus_units.h). */
int sim_control_int(const char *s, long lo, long hi, long *out)
{
	uint64_t v;

	if (!s || mdbus_units_parse_count(s, (uint64_t)hi, &v) < 0 || v < (uint64_t)lo)
		return -EINVAL;
	*out = (long)v;
	return 0;
}

int sim_control_arg(const struct sim_cmd_args *c, long lo, long hi, long *out, char *reply,
		    size_t len, const char *usage, ...)
{
	va_list ap;
	int n;

	if (c->nargs >= 2 && sim_control_int(c->a1, lo, hi, out) == 0)
		return 0;
	n = snprintf(reply, len, "error ");
	va_start(ap, usage);
	if (n > 0 && (size_t)n < len)
		vsnprintf(reply + n, len - (size_t)n, usage, ap);
	va_end(ap);
	return -EINVAL;
}

/* Sets one per-connection fault flag on every open client; returns how many. */
static int control_flag(struct sim_server *s, size_t field)
{
	int n = 0;
	size_t i;

	for (i = 0; i < SIM_MAX_CONNS; i++) {
		struct sim_conn *c = s->conns[i];
		if (c && c->state == SIM_CS_OPEN && sim_server_selected(s, c)) {
			*(int *)((char *)c + field) = 1;
			n++;
		}
	}
	return n;
}

/* Replaces the closing brace of the stats object in reply with
 * ,"listeners":[{...},...]} (one object per --listen, in order). */
static void control_stats_listeners(const struct sim_server *s, char *reply, size_t len)
{
	size_t off = strlen(reply);

	if (off == 0 || off + 16 >= len)
		return;
	off += (size_t)snprintf(reply + off - 1, len - off + 1, ",\"listeners\":[") - 1;
	for (int k = 0; k < s->nlst && off < len; k++) {
		const struct sim_listener *l = &s->lst[k];
		uint64_t open = 0, subs = 0;

		for (size_t i = 0; i < SIM_MAX_CONNS; i++) {
			const struct sim_conn *c = s->conns[i];
			if (c && c->l == l && c->state == SIM_CS_OPEN) {
				open++;
				subs += sim_subs_count(c->subs);
			}
		}
		off += (size_t)snprintf(
			reply + off, len - off,
			"%s{\"venue\":\"%s\",\"listen\":\"%s\",\"accepted\":%" PRIu64
			",\"upgrades\":%" PRIu64 ",\"open\":%" PRIu64 ",\"subscriptions\":%" PRIu64
			",\"messages_sent\":%" PRIu64 "}",
			k ? "," : "", l->d->name, l->listen_addr, l->accepted, l->upgrades, open,
			subs, l->messages_sent);
	}
	if (off < len)
		snprintf(reply + off, len - off, "]}");
}

static void control_stats(struct sim_server *s, char *reply, size_t len)
{
	const struct sim_stats *st = &s->stats;
	uint64_t clients = 0, open = 0, subs = 0;
	size_t i, k;

	for (i = 0; i < SIM_MAX_CONNS; i++) {
		const struct sim_conn *c = s->conns[i];
		if (!c)
			continue;
		clients++;
		if (c->state != SIM_CS_OPEN)
			continue;
		open++;
		for (k = 0; k < SIM_MAX_SYMBOLS; k++)
			subs += (uint64_t)__builtin_popcount(c->subs[k] & SIM_STREAM_DATA);
	}
	snprintf(reply, len,
		 "{\"accepted\":%" PRIu64 ",\"clients\":%" PRIu64 ",\"open\":%" PRIu64
		 ",\"subscriptions\":%" PRIu64 ",\"messages_sent\":%" PRIu64
		 ",\"trades_sent\":%" PRIu64 ",\"trades_stamped\":%" PRIu64 ",\"bbo_sent\":%" PRIu64
		 ",\"pings_sent\":%" PRIu64 ",\"pongs_received\":%" PRIu64
		 ",\"pings_received\":%" PRIu64 ",\"pongs_sent\":%" PRIu64 ",\"requests\":%" PRIu64
		 ",\"closes_received\":%" PRIu64 ",\"upgrades\":%" PRIu64 ",\"refused\":%" PRIu64
		 ",\"tls_failed\":%" PRIu64 ",\"resets\":%" PRIu64 ",\"depth_sent\":%" PRIu64
		 ",\"rest_calls\":%" PRIu64 ",\"rest_429\":%" PRIu64 ",\"rate\":%g}",
		 st->accepted, clients, open, subs, st->messages_sent, st->trades_sent,
		 st->trades_stamped, st->bbo_sent, st->pings_sent, st->pongs_received,
		 st->pings_received, st->pongs_sent, st->requests, st->closes_received,
		 st->upgrades, st->refused, st->tls_failed, st->resets, st->depth_sent,
		 st->rest_calls, st->rest_429, s->rate);
	control_stats_listeners(s, reply, len);
}

/* One trade with 4 digits more than the venue's 8, for each symbol someone
 * follows trades of: the feed must count it as a parse error, not round it. */
static int control_badprecision_on(struct sim_server *s, struct sim_listener *l)
{
	int sent = 0;

	for (uint32_t i = 0; i < l->venue.nsym; i++) {
		int n, any = 0;

		for (size_t k = 0; k < SIM_MAX_CONNS; k++) {
			const struct sim_conn *c = s->conns[k];
			if (c && c->l == l && c->state == SIM_CS_OPEN &&
			    c->subs[i] & SIM_STREAM_TRADE)
				any = 1;
		}
		if (!any)
			continue;
		n = l->d->trade(&l->venue, i, tools_now_ns(CLOCK_REALTIME) / 1000000, 4, 0,
				s->scratch, sizeof(s->scratch));
		l->venue.last.kind = 0; /* a trade the feed must reject: not recorded */
		/* tests look for this trade id, which must never reach the bus */
		fprintf(stderr, "mdbus-sim: badprecision %s t=%" PRIu64 "\n",
			l->venue.sym[i].native, l->venue.sym[i].trade_id);
		if (n > 0)
			sent += sim_server_broadcast(s, l, (int)i, SIM_STREAM_TRADE, s->scratch,
						     (size_t)n);
	}
	return sent;
}

static int control_badprecision(struct sim_server *s)
{
	int sent = 0;

	for (int k = 0; k < s->nlst; k++)
		if (!s->only || s->only == &s->lst[k])
			sent += control_badprecision_on(s, &s->lst[k]);
	return sent;
}

/* A syntactically valid JSON object of exactly `bytes` bytes. */
static int control_oversize(struct sim_server *s, long bytes)
{
	static const char head[] = "{\"e\":\"oversize\",\"pad\":\"";
	size_t hl = sizeof(head) - 1, n = (size_t)bytes;
	char *m = malloc(n);
	int sent;

	if (!m)
		return -ENOMEM;
	memcpy(m, head, hl);
	memset(m + hl, 'x', n - hl - 2);
	/* m is a length-delimited frame payload, not a C string. */
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
	memcpy(m + n - 2, "\"}", 2);
	sent = sim_server_broadcast(s, NULL, -1, 0, m, n);
	free(m);
	return sent;
}

static void control_close(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			  size_t len)
{
	long code = 1000;
	int n = 0;

	if (c->nargs >= 2 && sim_control_int(c->a1, 1000, 4999, &code) < 0) {
		snprintf(reply, len, "error close: CODE must be 1000..4999");
		return;
	}
	for (size_t i = 0; i < SIM_MAX_CONNS; i++) {
		struct sim_conn *k = s->conns[i];
		if (k && k->state == SIM_CS_OPEN && sim_server_selected(s, k)) {
			sim_conn_send_close(k, (uint16_t)code, "closed by mdbus-sim", c->now);
			n++;
		}
	}
	snprintf(reply, len, "ok closed %d", n);
}

/* Is connection k subscribed to a stream of the symbol called name
 * (normalized or native, any case)? */
static int control_conn_has(const struct sim_conn *k, const char *name)
{
	const struct sim_venue *v = &k->l->venue;

	for (uint32_t i = 0; i < v->nsym && i < SIM_MAX_SYMBOLS; i++)
		if (k->subs[i] &&
		    (!strcasecmp(v->sym[i].native, name) || !strcasecmp(v->sym[i].norm, name)))
			return 1;
	return 0;
}

/* reset [SYMBOL]: every connection, or only those subscribed to SYMBOL (a
 * client that spreads its symbols over several connections loses one). */
static void control_reset(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			  size_t len)
{
	int n = 0;

	for (size_t i = 0; i < SIM_MAX_CONNS; i++) {
		if (s->conns[i] && sim_server_selected(s, s->conns[i]) &&
		    (c->nargs < 2 || control_conn_has(s->conns[i], c->a1))) {
			sim_conn_free(s->conns[i], 1);
			s->conns[i] = NULL;
			n++;
		}
	}
	s->stats.resets += (uint64_t)n;
	snprintf(reply, len, "ok reset %d", n);
}

/* stall, noping, silent: one per-connection flag each, named by the reply. */
static void control_conn_flag(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			      size_t len, size_t field, const char *done)
{
	(void)c;
	snprintf(reply, len, "ok %s %d", done, control_flag(s, field));
}

static void control_stall(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			  size_t len)
{
	control_conn_flag(s, c, reply, len, offsetof(struct sim_conn, stalled), "stalled");
}

static void control_noping(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			   size_t len)
{
	control_conn_flag(s, c, reply, len, offsetof(struct sim_conn, noping), "noping");
}

static void control_silent(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			   size_t len)
{
	control_conn_flag(s, c, reply, len, offsetof(struct sim_conn, silent), "silent");
}

static void control_refuse(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			   size_t len)
{
	long v = 0, v2 = 0;

	if (sim_control_int(c->a1, 200, 599, &v) < 0 ||
	    (c->nargs >= 3 && sim_control_int(c->a2, 0, 86400, &v2) < 0)) {
		snprintf(reply, len, "error refuse: STATUS 200..599 [RETRY_AFTER seconds]");
		return;
	}
	s->faults.refuse_status = (int)v;
	s->faults.refuse_retry_after = (int)v2;
	snprintf(reply, len, "ok refusing upgrades with %ld", v);
}

static void control_badaccept(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			      size_t len)
{
	(void)c;
	s->faults.badaccept = 1;
	snprintf(reply, len, "ok badaccept");
}

static void control_delay(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			  size_t len)
{
	long v = 0;

	if (sim_control_arg(c, 0, 3600000, &v, reply, len, "delay_handshake: MS 0..3600000") < 0)
		return;
	s->faults.delay_handshake_ms = v;
	snprintf(reply, len, "ok delay_handshake %ld", v);
}

static void control_badjson(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			    size_t len)
{
	static const char bad[] = "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"p\":\"1.0\",";

	(void)c;
	snprintf(reply, len, "ok sent %d",
		 sim_server_broadcast(s, NULL, -1, 0, bad, sizeof(bad) - 1));
}

static void control_badprec(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			    size_t len)
{
	(void)c;
	snprintf(reply, len, "ok sent %d", control_badprecision(s));
}

static void control_oversize_cmd(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
				 size_t len)
{
	long v = 0;
	int n;

	if (sim_control_arg(c, 64, (long)SIM_OUT_MAX / 2, &v, reply, len, "oversize: BYTES 64..%u",
			    SIM_OUT_MAX / 2) < 0)
		return;
	n = control_oversize(s, v);
	if (n < 0)
		snprintf(reply, len, "error oversize: out of memory");
	else
		snprintf(reply, len, "ok sent %d", n);
}

static void control_normal(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			   size_t len)
{
	(void)c;
	memset(&s->faults, 0, sizeof(s->faults));
	for (int k = 0; k < s->nlst; k++)
		for (uint32_t i = 0; i < SIM_MAX_SYMBOLS; i++) {
			struct sim_book *b = s->lst[k].venue.book[i];
			if (b && (!s->only || s->only == &s->lst[k]))
				b->drop = b->bad_checksum = b->crossed = b->stale = 0;
		}
	for (size_t i = 0; i < SIM_MAX_CONNS; i++) {
		struct sim_conn *k = s->conns[i];
		if (k && !k->blackhole && sim_server_selected(s, k)) /* a black hole stays one */
			k->stalled = k->noping = k->silent = 0;
	}
	snprintf(reply, len, "ok normal");
}

static void control_stats_cmd(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			      size_t len)
{
	(void)c;
	control_stats(s, reply, len);
}

static void control_rate(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			 size_t len)
{
	long r = 0;

	if (sim_control_arg(c, 0, 1000000, &r, reply, len,
			    "rate: N ticks/s per stream, 0..1000000") < 0)
		return;
	sim_server_set_rate(s, (double)r, c->now);
	snprintf(reply, len, "ok rate %g", (double)r);
}

/* One side's top n levels as [price, qty] mantissas (8 decimals). */
static size_t control_book_side(char *p, size_t len, const struct sim_book_side *sd, long n)
{
	size_t o = 0;

	for (long i = 0; i < n && i < (long)sd->n && o < len; i++)
		o += (size_t)snprintf(p + o, len - o, "%s[%lld,%lld]", i ? "," : "",
				      (long long)sd->lv[i].px, (long long)sd->lv[i].qty);
	return o < len ? o : len;
}

/* "book SYMBOL [N]": the top N (default 20, at most 40: the reply fits 4 KiB) levels of SYMBOL's
 * book on the first (selected) listener that keeps one, as one JSON line
 * (prices and quantities as mantissas at 8 decimals). */
static void control_book(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			 size_t len)
{
	long n = 20;
	size_t o;

	if (c->nargs < 2 || (c->nargs >= 3 && sim_control_int(c->a2, 1, 40, &n) < 0)) {
		snprintf(reply, len, "error book SYMBOL [N 1..40]");
		return;
	}
	for (int k = 0; k < s->nlst; k++) {
		struct sim_venue *v = &s->lst[k].venue;
		int i = sim_venue_symbol(v, c->a1, strlen(c->a1));
		const struct sim_book *b;

		if ((s->only && s->only != &s->lst[k]) || i < 0 || !(b = v->book[i]))
			continue;
		o = (size_t)snprintf(reply, len,
				     "{\"symbol\":\"%s\",\"listener\":%d,\"update_id\":%llu,"
				     "\"crossed\":%d,\"bids\":[",
				     c->a1, k, (unsigned long long)b->cur.update_id, b->is_crossed);
		o += control_book_side(reply + o, len - o, &b->cur.bid, n);
		o += (size_t)snprintf(reply + o, len - o, "],\"asks\":[");
		o += control_book_side(reply + o, len - o, &b->cur.ask, n);
		snprintf(reply + o, len - o, "]}");
		return;
	}
	snprintf(reply, len, "error book: no listener keeps a book of %s", c->a1);
}

static void control_help(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			 size_t len)
{
	(void)s;
	(void)c;
	snprintf(reply, len, "ok %s", CONTROL_HELP);
}

static const struct sim_cmd control_cmds[] = {
	{"close", control_close},
	{"reset", control_reset},
	{"stall", control_stall},
	{"noping", control_noping},
	{"silent", control_silent},
	{"refuse", control_refuse},
	{"badaccept", control_badaccept},
	{"delay_handshake", control_delay},
	{"badjson", control_badjson},
	{"badprecision", control_badprec},
	{"oversize", control_oversize_cmd},
	{"normal", control_normal},
	{"stats", control_stats_cmd},
	{"rate", control_rate},
	{"book", control_book},
	{"help", control_help},
};

/* "on L CMD...": CMD acts on listener L's clients only; L is its index in
 * --listen order or its venue name (the first listener of that venue).
 * Sets s->only and returns where CMD starts, or NULL with an error reply. */
static const char *control_on(struct sim_server *s, const char *line, char *reply, size_t len)
{
	char sel[64] = "";
	int used = 0, k;
	long idx = -1;

	if (sscanf(line, "on %63s %n", sel, &used) < 1 || used == 0 || !line[used]) {
		snprintf(reply, len, "error on: LISTENER COMMAND...");
		return NULL;
	}
	if (sim_control_int(sel, 0, s->nlst - 1, &idx) < 0) {
		for (k = 0; k < s->nlst && strcmp(s->lst[k].d->name, sel) != 0; k++)
			;
		idx = k < s->nlst ? k : -1;
	}
	if (idx < 0 || idx >= s->nlst) {
		snprintf(reply, len, "error on %s: no such listener (0..%d or a venue name)", sel,
			 s->nlst - 1);
		return NULL;
	}
	s->only = &s->lst[idx];
	return line + used;
}

static void control_run(struct sim_server *s, const char *line, char *reply, size_t len)
{
	char cmd[64] = "", a1[64] = "", a2[64] = "";
	struct sim_cmd_args c = {.a1 = a1, .a2 = a2, .now = tools_now_ns(CLOCK_MONOTONIC)};

	c.nargs = sscanf(line, "%63s %63s %63s", cmd, a1, a2);
	if (c.nargs < 1) {
		snprintf(reply, len, "error empty command; %s", CONTROL_HELP);
		return;
	}
	for (size_t i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++) {
		if (strcmp(cmd, control_cmds[i].name) == 0) {
			control_cmds[i].run(s, &c, reply, len);
			return;
		}
	}
	for (size_t i = 0; i < sim_fault_ncmds; i++) {
		if (strcmp(cmd, sim_fault_cmds[i].name) == 0) {
			sim_fault_cmds[i].run(s, &c, reply, len);
			return;
		}
	}
	snprintf(reply, len, "error unknown command '%s'; %s", cmd, CONTROL_HELP);
}

void sim_control_exec(struct sim_server *s, const char *line, char *reply, size_t len)
{
	if (strncmp(line, "on ", 3) == 0 && !(line = control_on(s, line, reply, len)))
		return;
	control_run(s, line, reply, len);
	s->only = NULL;
}

int sim_control_client(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char line[1024], reply[4096];
	size_t off = 0, got = 0;
	int fd, i;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		tools_error("mdbus-sim", "%s: path too long", path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	for (i = 0; i < argc && off < sizeof(line) - 2; i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off - 1, "%s%s", i ? " " : "",
					argv[i]);
	line[off++] = '\n';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		tools_error("mdbus-sim", "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, line, off) != (ssize_t)off) {
		tools_error("mdbus-sim", "%s: %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	while (got < sizeof(reply) - 1) {
		ssize_t n = read(fd, reply + got, sizeof(reply) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = '\0';
	fputs(reply, stdout);
	return strncmp(reply, "ok", 2) == 0 || reply[0] == '{' ? 0 : 1;
}
