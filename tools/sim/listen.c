/* SPDX-License-Identifier: MIT */
/*
 * listen.c: mdbus-sim's listening sockets, one per --listen ADDR --venue
 * NAME: binding (port 0 picks one, a restart binds the same port again),
 * accepting clients, and the restart fault (closes the listener and its
 * clients for a while).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"

/* Remembers the bound address (port included) for a restart. */
static int listen_addr(struct sim_listener *l, const struct sockaddr_storage *ss, const char *host)
{
	int v6 = ss->ss_family == AF_INET6;
	unsigned port = ntohs(v6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
				 : ((const struct sockaddr_in *)ss)->sin_port);
	int n = snprintf(l->listen_addr, sizeof(l->listen_addr), "%s%s%s:%u", v6 ? "[" : "", host,
			 v6 ? "]" : "", port);

	return n < 0 || (size_t)n >= sizeof(l->listen_addr) ? -ENAMETOOLONG : 0;
}

/* "HOST:PORT" or "[V6]:PORT" into a socket address. */
static int listen_parse(const struct sim_listener *l, char *host, struct sockaddr_storage *ss,
			socklen_t *sl, char *err, size_t errlen)
{
	char *colon = strrchr(host, ':'), *end;
	const char *port;
	long pnum;

	if (!colon) {
		snprintf(err, errlen, "--listen %s: expected HOST:PORT", l->addr);
		return -EINVAL;
	}
	*colon = '\0';
	port = colon + 1;
	errno = 0;
	pnum = strtol(port, &end, 10);
	if (end == port || *end != '\0' || errno != 0 || pnum < 0 || pnum > 65535) {
		snprintf(err, errlen, "--listen %s: bad port", l->addr);
		return -EINVAL;
	}
	if (host[0] == '[') { /* [::1]:PORT */
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)pnum);
		*sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)pnum);
		*sl = sizeof(struct sockaddr_in6);
	} else {
		snprintf(err, errlen, "--listen %s: not a numeric address", l->addr);
		return -EINVAL;
	}
	return 0;
}

int sim_server_listen(struct sim_listener *l, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char host[160];
	int one = 1, r;

	/* a restart binds the port chosen the first time (--listen HOST:0) */
	snprintf(host, sizeof(host), "%s", l->listen_addr[0] ? l->listen_addr : l->addr);
	r = listen_parse(l, host, &ss, &sl, err, errlen);
	if (r < 0)
		return r;
	l->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->lfd < 0)
		goto fail;
	setsockopt(l->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(l->lfd, 64) < 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(l->lfd, (struct sockaddr *)&ss, &sl) < 0 ||
	    (errno = -listen_addr(l, &ss, host)) != 0)
		goto fail;
	/* Tests read this line to learn the port chosen for --listen HOST:0
	 * (one line per listener, in --listen order). */
	printf("listening %s\n", l->listen_addr);
	fflush(stdout);
	return 0;
fail:
	snprintf(err, errlen, "--listen %s: %s", l->addr, strerror(errno));
	return -errno;
}

void sim_server_accept(struct sim_server *s, struct sim_listener *l)
{
	int fd;

	while ((fd = accept4(l->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct sim_conn *c = NULL;
		size_t i;

		for (i = 0; i < SIM_MAX_CONNS && s->conns[i]; i++)
			;
		if (i == SIM_MAX_CONNS || sim_conn_new(s, fd, &c) < 0) {
			fprintf(stderr, "mdbus-sim: connection refused: %s\n",
				i == SIM_MAX_CONNS ? "too many clients" : "out of memory");
			close(fd);
			continue;
		}
		c->l = l;
		s->conns[i] = c;
		s->stats.accepted++;
		l->accepted++;
		fprintf(stderr, "mdbus-sim: conn %" PRIu64 ": accepted (%s %s)\n", c->id,
			l->d->name, l->listen_addr);
	}
}

void sim_server_stop_all(struct sim_server *s)
{
	int64_t now = tools_now_ns(CLOCK_MONOTONIC);

	/* Best effort "going away" for open clients, then plain closes. */
	for (size_t i = 0; i < SIM_MAX_CONNS; i++) {
		struct sim_conn *c = s->conns[i];
		if (!c || !sim_server_selected(s, c))
			continue;
		if (c->state == SIM_CS_OPEN && !c->stalled) {
			sim_conn_send_close(c, 1001, "server shutting down", now);
			sim_conn_flush(c);
		}
		sim_conn_free(c, 0);
		s->conns[i] = NULL;
	}
}

void sim_server_restart(struct sim_server *s, int64_t delay_ms, int64_t now_ns)
{
	sim_server_stop_all(s);
	for (int k = 0; k < s->nlst; k++) {
		struct sim_listener *l = &s->lst[k];
		if (s->only && l != s->only)
			continue;
		if (l->lfd >= 0)
			close(l->lfd);
		l->lfd = -1;
		l->relisten_ns = now_ns + delay_ms * 1000000;
		fprintf(stderr, "mdbus-sim: restart: %s listening again in %" PRId64 " ms\n",
			l->listen_addr, delay_ms);
	}
}

void sim_server_relisten(struct sim_server *s, int64_t now)
{
	char err[256];

	for (int k = 0; k < s->nlst; k++) {
		struct sim_listener *l = &s->lst[k];

		if (l->lfd >= 0 || now < l->relisten_ns)
			continue;
		if (sim_server_listen(l, err, sizeof(err)) < 0) {
			fprintf(stderr, "mdbus-sim: restart: %s; retrying\n", err);
			if (l->lfd >= 0)
				close(l->lfd);
			l->lfd = -1;
			l->relisten_ns = now + 100000000;
		}
	}
}
