/* SPDX-License-Identifier: MIT */
/*
 * server.c: mdbus-sim's poll() loop: accepts clients and control
 * connections, drives each connection's I/O and timers, and emits market
 * data on a fixed schedule (rate steps per second, each step one event per
 * subscribed symbol-stream, or one replay line).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "sim.h"

#define SERVER_MAX_STEPS 100 /* emission steps caught up per wake-up */

/* ---- set-up ------------------------------------------------------------------------- */

static int server_control(struct sim_server *s, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(s->opt.control) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--control %s: path too long", s->opt.control);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, s->opt.control);
	unlink(s->opt.control); /* a stale socket of a previous run */
	s->cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->cfd < 0 || bind(s->cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->cfd, 8) < 0) {
		snprintf(err, errlen, "--control %s: %s", s->opt.control, strerror(errno));
		return -errno;
	}
	return 0;
}

static int server_tls(struct sim_server *s, char *err, size_t errlen)
{
	s->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ssl_ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION);
	/* SSL_write may return after part of the buffer and be retried with
	 * the (moved) rest: our out buffer compacts between calls. */
	SSL_CTX_set_mode(s->ssl_ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(s->ssl_ctx, s->opt.cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(s->ssl_ctx, s->opt.key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(s->ssl_ctx) != 1)
		goto fail;
	return 0;
fail : {
	char buf[256];
	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	snprintf(err, errlen, "TLS set-up (%s, %s): %s", s->opt.cert, s->opt.key, buf);
	return -EINVAL;
}
}

static int server_load_replay(struct sim_server *s, char *err, size_t errlen)
{
	FILE *f = fopen(s->opt.replay, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		snprintf(err, errlen, "--replay %s: %s", s->opt.replay, strerror(errno));
		return -errno;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		char **l;
		size_t *ll;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		l = realloc(s->replay, (s->nreplay + 1) * sizeof(*l));
		if (!l)
			break;
		s->replay = l;
		ll = realloc(s->replay_len, (s->nreplay + 1) * sizeof(*ll));
		if (!ll)
			break;
		s->replay_len = ll;
		s->replay[s->nreplay] = strdup(line);
		if (!s->replay[s->nreplay])
			break;
		s->replay_len[s->nreplay++] = (size_t)n;
	}
	free(line);
	fclose(f);
	if (s->nreplay == 0) {
		snprintf(err, errlen, "--replay %s: no messages", s->opt.replay);
		return -EINVAL;
	}
	return 0;
}

/* One listener per --listen, with the i-th --venue's dialect (binance when
 * there are fewer), and its own symbols and walks. */
static int server_listeners(struct sim_server *s, char *err, size_t errlen)
{
	const struct sim_options *o = &s->opt;

	if (o->nlisten < 1 || o->nlisten > SIM_MAX_LISTENERS || o->nvenue > o->nlisten) {
		snprintf(err, errlen, "expected 1..%d --listen, and no more --venue than --listen",
			 SIM_MAX_LISTENERS);
		return -EINVAL;
	}
	for (int k = 0; k < o->nlisten; k++) {
		struct sim_listener *l = &s->lst[k];
		const char *name = k < o->nvenue ? o->venue[k] : "binance";
		int r;

		l->addr = o->listen[k];
		l->lfd = -1;
		l->d = sim_dialect_find(name);
		if (!l->d) {
			char names[256];
			sim_dialect_names(names, sizeof(names));
			snprintf(err, errlen, "--venue %s: not simulated (known: %s)", name, names);
			return -EINVAL;
		}
		r = sim_venue_init(&l->venue, o->symbols, o->seed + (uint64_t)k, err, errlen);
		if (r < 0)
			return r;
		s->nlst = k + 1;
	}
	return 0;
}

int sim_server_init(struct sim_server *s, const struct sim_options *opt, char *err, size_t errlen)
{
	sigset_t mask;
	int r;

	memset(s, 0, sizeof(*s));
	s->opt = *opt;
	s->cfd = s->sigfd = -1;
	for (r = 0; r < SIM_MAX_CTL; r++)
		s->ctl[r] = -1;
	r = server_listeners(s, err, errlen);
	if (r < 0)
		return r;
	if (opt->replay && (r = server_load_replay(s, err, errlen)) < 0)
		return r;
	if (!opt->plain && (r = server_tls(s, err, errlen)) < 0)
		return r;
	if (opt->record && !(s->rec = fopen(opt->record, "we"))) {
		snprintf(err, errlen, "--record %s: %s", opt->record, strerror(errno));
		return -errno;
	}
	/* Signals arrive as readable data in the loop: no handler races. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -errno;
	}
	if (opt->control && (r = server_control(s, err, errlen)) < 0)
		return r;
	for (int k = 0; k < s->nlst; k++)
		if ((r = sim_server_listen(&s->lst[k], err, errlen)) < 0)
			return r;
	sim_server_set_rate(s, opt->rate, tools_now_ns(CLOCK_MONOTONIC));
	return 0;
}

void sim_server_free(struct sim_server *s)
{
	size_t i;

	for (i = 0; i < SIM_MAX_CONNS; i++) {
		sim_conn_free(s->conns[i], 0);
		s->conns[i] = NULL;
	}
	for (i = 0; i < SIM_MAX_CTL; i++) {
		if (s->ctl[i] >= 0)
			close(s->ctl[i]);
		sim_buf_free(&s->ctl_in[i]);
	}
	if (s->cfd >= 0) {
		close(s->cfd);
		unlink(s->opt.control);
	}
	for (int k = 0; k < s->nlst; k++) {
		if (s->lst[k].lfd >= 0)
			close(s->lst[k].lfd);
		sim_book_free_all(&s->lst[k].venue);
		sim_rest_free(&s->lst[k].venue);
	}
	if (s->sigfd >= 0)
		close(s->sigfd);
	for (i = 0; i < s->nreplay; i++)
		free(s->replay[i]);
	free(s->replay);
	free(s->replay_len);
	if (s->rec)
		fclose(s->rec);
	s->rec = NULL;
	SSL_CTX_free(s->ssl_ctx);
	SSL_CTX_free(s->bad_ctx);
	s->ssl_ctx = s->bad_ctx = NULL;
}

/* ---- market data -------------------------------------------------------------------- */

/* --numbered: every connection gets its own trade (its own numbering). */
static void server_emit_numbered(struct sim_server *s, struct sim_listener *l, uint32_t i)
{
	for (size_t k = 0; k < SIM_MAX_CONNS; k++) {
		struct sim_conn *c = s->conns[k];
		int n;

		if (!sim_server_wants(c, (int)i, SIM_STREAM_TRADE) || c->l != l)
			continue;
		n = sim_server_trade(s, c, i);
		if (n > 0)
			sim_server_send_event(s, c, (int)i, SIM_STREAM_TRADE, s->scratch,
					      (size_t)n);
	}
}

/* One replay line to every listener, routed by that listener's dialect. */
static void server_emit_replay(struct sim_server *s)
{
	const char *m = s->replay[s->replay_pos];
	size_t n = s->replay_len[s->replay_pos];

	for (int k = 0; k < s->nlst; k++) {
		struct sim_listener *l = &s->lst[k];
		uint8_t kind = 0;
		int sym = l->d->classify(&l->venue, m, n, &kind);

		sim_server_broadcast(s, l, sym < 0 ? -1 : sym, sym < 0 ? 0 : kind, m, n);
	}
	s->replay_pos = (s->replay_pos + 1) % s->nreplay;
}

static void server_emit_depth(struct sim_server *s, struct sim_listener *l, uint32_t i);

/* One event per subscribed symbol-stream of listener l. */
static void server_emit_listener(struct sim_server *s, struct sim_listener *l)
{
	for (uint32_t i = 0; i < l->venue.nsym; i++) {
		uint8_t want = 0;
		int n;

		for (size_t k = 0; k < SIM_MAX_CONNS; k++)
			if (sim_server_wants(s->conns[k], (int)i, 0) && s->conns[k]->l == l)
				want |= s->conns[k]->subs[i];
		if (want & SIM_STREAM_TRADE && s->opt.numbered) {
			server_emit_numbered(s, l, i);
		} else if (want & SIM_STREAM_TRADE) {
			n = sim_server_step(s, l, i, SIM_STREAM_TRADE);
			if (n > 0)
				sim_server_broadcast(s, l, (int)i, SIM_STREAM_TRADE, s->scratch,
						     (size_t)n);
		}
		if (want & SIM_STREAM_BBO) {
			n = sim_server_step(s, l, i, SIM_STREAM_BBO);
			if (n > 0)
				sim_server_broadcast(s, l, (int)i, SIM_STREAM_BBO, s->scratch,
						     (size_t)n);
		}
		if (want & SIM_STREAM_DEPTH)
			server_emit_depth(s, l, i);
	}
}

/* The message connection c gets for symbol i's step ev: the delta, or with
 * the full_book fault (SIM_BOOK_FULL) the whole book after it at c's depth,
 * first_id the step's (Gate's full push carries U..u of its changes). The
 * event printed goes to *out. Returns the length, 0 (nothing) or -errno. */
static int server_depth_text(struct sim_server *s, struct sim_listener *l, struct sim_conn *c,
			     uint32_t i, struct sim_book_ev *ev, struct sim_book_ev *full,
			     const struct sim_book_ev **out)
{
	*out = ev;
	ev->depth = c->book_depth[i];
	if (ev->full && !ev->dropped && (l->d->book_flags & SIM_BOOK_FULL)) {
		if (sim_book_snapshot(&l->venue, i, c->book_depth[i], full) < 0)
			return -ENOMEM;
		full->first_id = ev->first_id;
		full->prev_id = ev->prev_id;
		full->prev_seq = ev->prev_seq;
		*out = full;
	}
	return l->d->depth(&l->venue, i, *out, c->mode, s->scratch, sizeof(s->scratch));
}

/* One book step of symbol i, printed for each connection of l subscribed
 * to its depth (their depth and route mode may differ); a dropped step
 * (drop_delta) goes to nobody: a dialect that numbers a connection's
 * messages (SIM_BOOK_SEQ_CONN) still sees it, to skip its number. */
static void server_emit_depth(struct sim_server *s, struct sim_listener *l, uint32_t i)
{
	struct sim_book_ev ev, full;

	if (!l->d->depth || sim_book_step(&l->venue, i, &ev) < 0 ||
	    (ev.dropped && !(l->d->book_flags & SIM_BOOK_SEQ_CONN)))
		return;
	for (size_t k = 0; k < SIM_MAX_CONNS; k++) {
		struct sim_conn *c = s->conns[k];
		const struct sim_book_ev *sent;
		int n;

		if (!sim_server_wants(c, (int)i, SIM_STREAM_DEPTH) || c->l != l)
			continue;
		n = server_depth_text(s, l, c, i, &ev, &full, &sent);
		if (n > 0 && !ev.dropped) {
			sim_server_send_event(s, c, (int)i, SIM_STREAM_DEPTH, s->scratch,
					      (size_t)n);
			sim_conn_record_depth(c, i, sent);
		}
	}
}

static void server_emit_step(struct sim_server *s)
{
	if (s->nreplay) {
		server_emit_replay(s);
		return;
	}
	for (int k = 0; k < s->nlst; k++)
		server_emit_listener(s, &s->lst[k]);
}

/* Runs the emission steps that are due; returns ns until the next one. */
static int64_t server_emit(struct sim_server *s, int64_t now_ns)
{
	uint64_t due;
	int64_t next;

	if (s->rate <= 0)
		return INT64_MAX;
	due = (uint64_t)((double)(now_ns - s->emit_start_ns) * s->rate / 1e9);
	if (due > s->emitted + SERVER_MAX_STEPS)
		s->emitted = due - SERVER_MAX_STEPS; /* fell behind: skip, never burst */
	while (s->emitted < due) {
		server_emit_step(s);
		s->emitted++;
	}
	next = s->emit_start_ns + (int64_t)((double)(s->emitted + 1) * 1e9 / s->rate);
	return next > now_ns ? next - now_ns : 0;
}

/* ---- control connections ------------------------------------------------------------ */

static void server_ctl_accept(struct sim_server *s)
{
	int fd, i;

	while ((fd = accept4(s->cfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < SIM_MAX_CTL && s->ctl[i] >= 0; i++)
			;
		if (i == SIM_MAX_CTL) {
			close(fd);
			continue;
		}
		s->ctl[i] = fd;
	}
}

static void server_ctl_read(struct sim_server *s, int i)
{
	char buf[1024], reply[4096];
	struct sim_buf *b = &s->ctl_in[i];
	ssize_t n = recv(s->ctl[i], buf, sizeof(buf), 0);
	uint8_t *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || sim_buf_append(b, buf, (size_t)n) < 0 || b->len > 4096) {
		close(s->ctl[i]);
		s->ctl[i] = -1;
		sim_buf_free(b);
		return;
	}
	while ((nl = memchr(b->p + b->off, '\n', b->len)) != NULL) {
		size_t len = (size_t)(nl - (b->p + b->off));
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)len, (const char *)b->p + b->off);
		sim_buf_consume(b, len + 1);
		sim_control_exec(s, line, reply, sizeof(reply) - 1);
		fprintf(stderr, "mdbus-sim: control: %s -> %s\n", line, reply);
		strcat(reply, "\n");
		/* replies are short; a client that does not read them loses them */
		if (send(s->ctl[i], reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			close(s->ctl[i]);
			s->ctl[i] = -1;
			sim_buf_free(b);
			return;
		}
	}
}

/* ---- loop --------------------------------------------------------------------------- */

/* One poll() round's descriptors and where each connection landed. */
struct server_pollset {
	struct pollfd pfd[2 + SIM_MAX_LISTENERS + SIM_MAX_CTL + SIM_MAX_CONNS];
	int cidx[SIM_MAX_CONNS], tidx[SIM_MAX_CTL]; /* index in pfd, -1 = none */
	size_t n;
};

/* poll()'s timeout in ms: the next emission step (wait_ns), handshake
 * delay, close grace or ping, whichever is first; at most a second. */
static int server_timeout_ms(const struct sim_server *s, int64_t now, int64_t wait_ns)
{
	int64_t t;
	int ms;

	for (size_t i = 0; i < SIM_MAX_CONNS; i++) {
		const struct sim_conn *c = s->conns[i];
		if (!c)
			continue;
		if (c->state == SIM_CS_DELAY || c->state == SIM_CS_CLOSING ||
		    c->state == SIM_CS_DRIBBLE || c->blackhole)
			t = c->deadline_ns - now;
		else if (c->state == SIM_CS_OPEN && !c->stalled)
			t = c->next_ping_ns - now;
		else
			continue;
		if (t < wait_ns)
			wait_ns = t < 0 ? 0 : t;
	}
	for (int k = 0; k < s->nlst; k++) {
		const struct sim_listener *l = &s->lst[k];
		if (l->lfd < 0 && l->relisten_ns - now < wait_ns)
			wait_ns = l->relisten_ns > now ? l->relisten_ns - now : 0;
	}
	ms = wait_ns == INT64_MAX ? 1000 : (int)((wait_ns + 999999) / 1000000);
	return ms > 1000 ? 1000 : ms;
}

/* Signal, control listener, listeners, control clients, connections. */
static void server_pollset_fill(const struct sim_server *s, struct server_pollset *ps)
{
	size_t i, n = 0;

	ps->pfd[n++] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
	ps->pfd[n++] = (struct pollfd){.fd = s->cfd, .events = POLLIN}; /* -1 is ignored */
	for (int k = 0; k < s->nlst; k++)				/* pfd[2 + k] */
		ps->pfd[n++] = (struct pollfd){.fd = s->lst[k].lfd, .events = POLLIN};
	for (i = 0; i < SIM_MAX_CTL; i++) {
		ps->tidx[i] = -1;
		if (s->ctl[i] >= 0) {
			ps->tidx[i] = (int)n;
			ps->pfd[n++] = (struct pollfd){.fd = s->ctl[i], .events = POLLIN};
		}
	}
	for (i = 0; i < SIM_MAX_CONNS; i++) {
		const struct sim_conn *c = s->conns[i];
		short ev;

		ps->cidx[i] = -1;
		if (!c || c->blackhole)
			continue; /* a black hole does not even notice a close */
		/* A stalled connection is not read at all (the peer's window
		 * fills, as behind a dead middlebox); only its full close is
		 * noticed, to free it. */
		ev = (short)(c->stalled ? POLLRDHUP
					: (POLLIN | (c->out.len || c->want_write ? POLLOUT : 0)));
		ps->cidx[i] = (int)n;
		ps->pfd[n++] = (struct pollfd){.fd = c->fd, .events = ev};
	}
	ps->n = n;
}

static void server_on_signal(struct sim_server *s)
{
	struct signalfd_siginfo si;

	if (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		fprintf(stderr, "mdbus-sim: signal %u: stopping\n", si.ssi_signo);
		s->stop = 1;
	}
}

/* Acts on what poll() reported. */
static void server_on_events(struct sim_server *s, const struct server_pollset *ps, int64_t now)
{
	size_t i;

	if (ps->pfd[0].revents & POLLIN)
		server_on_signal(s);
	if (s->cfd >= 0 && ps->pfd[1].revents & POLLIN)
		server_ctl_accept(s);
	for (int k = 0; k < s->nlst; k++)
		if (s->lst[k].lfd >= 0 && ps->pfd[2 + k].revents & POLLIN)
			sim_server_accept(s, &s->lst[k]);
	for (i = 0; i < SIM_MAX_CTL; i++)
		if (ps->tidx[i] >= 0 && s->ctl[i] >= 0 && ps->pfd[ps->tidx[i]].revents)
			server_ctl_read(s, (int)i);
	for (i = 0; i < SIM_MAX_CONNS; i++) {
		struct sim_conn *c = s->conns[i];
		short re;

		if (!c || ps->cidx[i] < 0)
			continue;
		re = ps->pfd[ps->cidx[i]].revents;
		if (c->stalled) {
			if (re & (POLLRDHUP | POLLHUP | POLLERR))
				c->state = SIM_CS_DEAD;
		} else if (re & (POLLIN | POLLHUP | POLLERR) ||
			   (re & POLLOUT && c->state == SIM_CS_TLS)) {
			sim_conn_on_readable(c, now);
		}
	}
}

/* Timers and output of every connection; frees the dead ones. */
static void server_tend(struct sim_server *s, int64_t now)
{
	for (size_t i = 0; i < SIM_MAX_CONNS; i++) {
		struct sim_conn *c = s->conns[i];
		if (!c)
			continue;
		if (c->state != SIM_CS_DEAD)
			sim_conn_on_timer(c, now);
		if (c->state != SIM_CS_DEAD && !c->stalled)
			sim_conn_flush(c);
		if (c->blackhole && now >= c->deadline_ns)
			c->state = SIM_CS_DEAD;
		if (c->state == SIM_CS_DEAD) {
			fprintf(stderr, "mdbus-sim: conn %" PRIu64 ": closed\n", c->id);
			sim_conn_free(c, 0);
			s->conns[i] = NULL;
		}
	}
}

int sim_server_run(struct sim_server *s)
{
	struct server_pollset ps;

	while (!s->stop) {
		int64_t now = tools_now_ns(CLOCK_MONOTONIC);
		int timeout = server_timeout_ms(s, now, server_emit(s, now));

		server_pollset_fill(s, &ps);
		if (poll(ps.pfd, ps.n, timeout) < 0 && errno != EINTR) {
			tools_error("mdbus-sim", "poll: %s", strerror(errno));
			return 1;
		}
		now = tools_now_ns(CLOCK_MONOTONIC);
		server_on_events(s, &ps, now);
		server_emit(s, now);
		server_tend(s, now);
		sim_server_relisten(s, now);
	}
	sim_server_stop_all(s);
	return 0;
}
