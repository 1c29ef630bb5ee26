/* SPDX-License-Identifier: MIT */
/* resolve.c: c-ares lookups whose sockets and timeouts run through the ring. */
#include "resolve.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

int feed_resolve_library_init(void)
{
	return ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS ? 0 : -ENOMEM;
}

void feed_resolve_library_cleanup(void)
{
	ares_library_cleanup();
}

int feed_resolve_numeric(const char *host, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *salen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char buf[64];
	size_t n = strlen(host);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*salen = sizeof(*in4);
		return 0;
	}
	/* Accept "[::1]" as well as "::1" (URL hosts keep the brackets). */
	if (n >= 2 && n < sizeof(buf) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*salen = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

void feed_resolve_init(struct feed_resolve *r, struct feed_loop *loop, unsigned index,
		       feed_resolve_cb cb, void *ud)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->index = index;
	r->cb = cb;
	r->ud = ud;
	for (int i = 0; i < FEED_RESOLVE_SLOTS; i++)
		r->slot[i].fd = -1;
}

static uint64_t feed_resolve_ud(const struct feed_resolve *r, int i)
{
	return feed_ud_make(FEED_OP_DNS_POLL, r->index, ((uint64_t)i << 32) | r->slot[i].gen);
}

static void feed_resolve_unarm(struct feed_resolve *r, int i)
{
	struct feed_resolve_slot *s = &r->slot[i];
	struct io_uring_sqe *sqe;

	if (!s->armed)
		return;
	/* After the ring is gone (final free) there is nothing to remove. */
	sqe = r->loop->ring_ok ? feed_loop_sqe(r->loop) : NULL;
	if (sqe) {
		io_uring_prep_poll_remove(sqe, feed_resolve_ud(r, i));
		io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_DNS_POLL_DEL, r->index, 0));
	}
	/* Whatever the removed poll reports later carries the old generation. */
	s->armed = 0;
	s->gen++;
}

static void feed_resolve_arm(struct feed_resolve *r, int i)
{
	struct feed_resolve_slot *s = &r->slot[i];
	struct io_uring_sqe *sqe;

	if (s->fd < 0 || !s->want || s->armed == s->want || !r->loop->ring_ok)
		return;
	feed_resolve_unarm(r, i);
	sqe = feed_loop_sqe(r->loop);
	if (!sqe)
		return; /* c-ares still times the query out through the deadline */
	io_uring_prep_poll_add(sqe, s->fd, s->want);
	io_uring_sqe_set_data64(sqe, feed_resolve_ud(r, i));
	s->armed = s->want;
}

/* c-ares tells us which of its sockets to watch; (0, 0) = it is closing. */
static void feed_resolve_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct feed_resolve *r = data;
	int i, freei = -1;

	for (i = 0; i < FEED_RESOLVE_SLOTS; i++) {
		if (r->slot[i].fd == fd)
			break;
		if (r->slot[i].fd < 0 && freei < 0)
			freei = i;
	}
	if (i == FEED_RESOLVE_SLOTS) {
		if (!readable && !writable)
			return;
		if (freei < 0)
			return; /* more sockets than slots: that query times out */
		i = freei;
		r->slot[i].fd = fd;
		r->slot[i].armed = 0;
	}
	r->slot[i].want = (readable ? POLLIN : 0) | (writable ? POLLOUT : 0);
	if (!r->slot[i].want) {
		/* The poll holds a file reference: remove it before c-ares
		 * closes the descriptor so the socket really goes away. */
		feed_resolve_unarm(r, i);
		r->slot[i].fd = -1;
		return;
	}
	feed_resolve_arm(r, i);
}

static void feed_resolve_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct feed_resolve *r = arg;
	struct sockaddr_storage ss;
	struct ares_addrinfo_node *n;
	socklen_t len = 0;
	char why[160];

	(void)timeouts;
	if (!r->active) {
		/* Cancelled or destroyed: nobody wants this answer. */
		ares_freeaddrinfo(res);
		return;
	}
	r->active = 0;
	memset(&ss, 0, sizeof(ss));
	if (status == ARES_SUCCESS && res) {
		for (n = res->nodes; n; n = n->ai_next) {
			if ((n->ai_family == AF_INET || n->ai_family == AF_INET6) &&
			    n->ai_addrlen <= sizeof(ss)) {
				memcpy(&ss, n->ai_addr, n->ai_addrlen);
				len = n->ai_addrlen;
				break;
			}
		}
	}
	ares_freeaddrinfo(res);
	if (len == 0) {
		snprintf(why, sizeof(why), "%s",
			 status == ARES_SUCCESS ? "no address" : ares_strerror(status));
		r->cb(r->ud, -EHOSTUNREACH, NULL, 0, why);
		return;
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(r->port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(r->port);
	r->cb(r->ud, 0, (struct sockaddr *)&ss, len, NULL);
}

static int feed_resolve_channel(struct feed_resolve *r)
{
	struct ares_options o;
	ares_channel ch;
	int rc;

	if (r->channel)
		return 0;
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = feed_resolve_sock_state;
	o.sock_state_cb_data = r;
	o.timeout = 2000; /* ms per try; handshake_timeout bounds the whole thing */
	o.tries = 2;
	rc = ares_init_options(&ch, &o,
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS)
		return -ENOMEM;
	r->channel = ch;
	return 0;
}

/* Destroys the channel once no lookup is outstanding and no c-ares call is
 * on the stack (never from inside one of its callbacks). Its sockets close
 * (sock_state_cb(0, 0) removes their polls first). */
static void feed_resolve_release(struct feed_resolve *r)
{
	if (r->busy || r->active || !r->channel)
		return;
	ares_destroy(r->channel);
	r->channel = NULL;
}

int feed_resolve_prepare(struct feed_resolve *r, const char *host)
{
	/* Once per process: a channel made and freed per session at start-up
	 * leaves its 80 KB hole touched under the next session's buffers. */
	static int checked;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	if (checked || !host || feed_resolve_numeric(host, 0, &ss, &len) == 0)
		return 0;
	rc = feed_resolve_channel(r);
	feed_resolve_release(r);
	checked = rc == 0;
	return rc;
}

int feed_resolve_start(struct feed_resolve *r, const char *host, uint16_t port)
{
	struct sockaddr_storage ss;
	struct ares_addrinfo_hints hints;
	socklen_t len;
	int rc;

	if (!host || !*host)
		return -EINVAL;
	if (feed_resolve_numeric(host, port, &ss, &len) == 0) {
		r->cb(r->ud, 0, (struct sockaddr *)&ss, len, NULL);
		return 0;
	}
	rc = feed_resolve_channel(r);
	if (rc < 0)
		return rc;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r->port = port;
	r->active = 1;
	/* May call feed_resolve_answer before returning (hosts file). */
	r->busy++;
	ares_getaddrinfo(r->channel, host, NULL, &hints, feed_resolve_answer, r);
	r->busy--;
	feed_resolve_release(r);
	return 0;
}

void feed_resolve_cancel(struct feed_resolve *r)
{
	if (!r->active)
		return;
	r->active = 0;
	if (r->channel) {
		r->busy++;
		ares_cancel(r->channel); /* answers ARES_ECANCELLED, ignored */
		r->busy--;
	}
	feed_resolve_release(r);
}

int64_t feed_resolve_deadline(struct feed_resolve *r, int64_t now_ns)
{
	struct timeval tv, *t;

	if (!r->channel || !r->active)
		return 0;
	t = ares_timeout(r->channel, NULL, &tv);
	if (!t)
		return 0;
	return now_ns + (int64_t)t->tv_sec * 1000000000 + (int64_t)t->tv_usec * 1000 + 1;
}

void feed_resolve_on_timer(struct feed_resolve *r)
{
	if (!r->channel)
		return;
	r->busy++;
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	r->busy--;
	feed_resolve_release(r);
}

void feed_resolve_on_poll(struct feed_resolve *r, uint64_t ud, int res)
{
	uint64_t gen = feed_ud_gen(ud);
	int i = (int)(gen >> 32);
	struct feed_resolve_slot *s;
	int fd;

	if (i < 0 || i >= FEED_RESOLVE_SLOTS)
		return;
	s = &r->slot[i];
	if (s->fd < 0 || !s->armed || (uint32_t)gen != s->gen)
		return; /* removed or superseded poll */
	s->armed = 0;
	s->gen++;
	fd = s->fd;
	if (res < 0) /* e.g. -ECANCELED: let c-ares retry through its timeout */
		res = POLLIN | POLLOUT;
	if (r->channel) {
		r->busy++;
		ares_process_fd(r->channel,
				(res & (POLLIN | POLLERR | POLLHUP)) ? fd : ARES_SOCKET_BAD,
				(res & (POLLOUT | POLLERR | POLLHUP)) ? fd : ARES_SOCKET_BAD);
		r->busy--;
	}
	feed_resolve_release(r); /* answered: its sockets close, s->fd = -1 */
	/* Still wanted (same socket): watch it again. */
	if (s->fd == fd)
		feed_resolve_arm(r, i);
}

void feed_resolve_free(struct feed_resolve *r)
{
	r->active = 0;
	if (r->channel) {
		/* Closes its sockets; sock_state_cb(0,0) removes the polls. */
		ares_destroy(r->channel);
		r->channel = NULL;
	}
	for (int i = 0; i < FEED_RESOLVE_SLOTS; i++) {
		feed_resolve_unarm(r, i);
		r->slot[i].fd = -1;
	}
}
