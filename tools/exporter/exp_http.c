/* SPDX-License-Identifier: MIT */
/*
 * exp_http.c: /metrics over HTTP with libmicrohttpd. The exporter binds the
 * listening socket itself (exact errors, port 0 for "any free port") and
 * hands it to libmicrohttpd, whose one internal thread serves every
 * connection: a scrape samples every bus (exp_render), so scrapes never run
 * side by side, and a slow client is dropped after 10 s of silence.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>

#include "exporter.h"

#define EXP_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct exp_http {
	struct MHD_Daemon *d;
	struct exp_set *set;
};

/* ---- the listening socket --------------------------------------------------- */

/* Splits spec into host ("" = every address) and port. Returns NULL or what
 * is wrong. */
static const char *exp_listen_split(const char *spec, char *host, size_t hlen, char *port,
				    size_t plen)
{
	const char *colon = strrchr(spec, ':'), *h = spec;
	size_t n;

	if (!colon)
		return "expected HOST:PORT";
	n = (size_t)(colon - spec);
	if (n && spec[0] == '[') { /* [::1]:9466 */
		if (spec[n - 1] != ']')
			return "expected [IPV6]:PORT";
		h = spec + 1;
		n -= 2;
	}
	if (n >= hlen || strlen(colon + 1) >= plen)
		return "too long";
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, plen, "%s", colon + 1);
	char *end;
	long p = strtol(port, &end, 10);
	if (!port[0] || *end || p < 0 || p > 65535)
		return "expected a port 0..65535";
	return NULL;
}

const char *exp_listen_check(const char *spec)
{
	char host[256], port[16];

	return exp_listen_split(spec, host, sizeof(host), port, sizeof(port));
}

static void exp_addr_str(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, ntohs(a->sin_port));
	}
}

/* A socket bound to ai and listening. Returns the fd or -errno. */
static int exp_bind_one(const struct addrinfo *ai)
{
	int one = 1, fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* Binds spec: the first address it resolves to that binds. Returns the
 * listening fd (its address in addr) or -errno (message in err). */
static int exp_listen_open(const char *spec, char *addr, size_t alen, char *err, size_t elen)
{
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				 .ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM},
			*res, *ai;
	char host[256], port[16];
	int rc, fd = -EADDRNOTAVAIL;

	if (exp_listen_split(spec, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, elen, "listen %s: bad address", spec);
		return -EINVAL;
	}
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, elen, "listen %s: %s", spec, gai_strerror(rc));
		return -EADDRNOTAVAIL;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = exp_bind_one(ai);
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, elen, "listen %s: %s", spec, strerror(-fd));
		return fd;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		memset(&ss, 0, sizeof(ss));
	exp_addr_str(&ss, addr, alen);
	return fd;
}

/* ---- requests ----------------------------------------------------------------- */

static enum MHD_Result exp_http_send(struct MHD_Connection *c, unsigned status,
				     struct MHD_Response *r, const char *ctype)
{
	enum MHD_Result ret = MHD_NO;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result exp_http_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);

	return exp_http_send(c, status, r, "text/plain; charset=utf-8");
}

static enum MHD_Result exp_http_metrics(struct exp_set *s, struct MHD_Connection *c)
{
	char *buf;
	size_t len;

	if (exp_render(s, &buf, &len) < 0)
		return exp_http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(buf);
	return exp_http_send(c, MHD_HTTP_OK, r, EXP_CONTENT_TYPE);
}

static enum MHD_Result exp_http_handle(void *cls, struct MHD_Connection *c, const char *url,
				       const char *method, const char *version, const char *upload,
				       size_t *upload_size, void **req)
{
	static int exp_seen; /* marks a request whose headers were seen */

	(void)version;
	(void)upload;
	if (!*req) { /* headers only: answer once the (empty) body is in */
		*req = &exp_seen;
		return MHD_YES;
	}
	if (*upload_size) { /* a body nobody asked for: drop it */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return exp_http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/metrics") == 0)
		return exp_http_metrics(cls, c);
	if (strcmp(url, "/") == 0)
		return exp_http_text(c, MHD_HTTP_OK,
				     "mdbus-exporter: the metrics are at /metrics\n");
	return exp_http_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
}

static void exp_http_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fprintf(stderr, EXP_PROG ": http: ");
	vfprintf(stderr, fmt, ap);
}

/* ---- the server ----------------------------------------------------------------- */

/* libmicrohttpd's thread inherits the signal mask: SIGINT and SIGTERM stay
 * with the main thread, whose sleep they must interrupt. */
static struct MHD_Daemon *exp_http_daemon(int fd, int v6, struct exp_set *s)
{
	sigset_t block, old;
	struct MHD_Daemon *d;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	d = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0), 0, NULL,
		NULL, exp_http_handle, s, MHD_OPTION_EXTERNAL_LOGGER, exp_http_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return d;
}

int exp_http_start(struct exp_http **hp, const char *spec, struct exp_set *s, char *addr,
		   size_t addrlen, char *err, size_t errlen)
{
	struct exp_http *h = calloc(1, sizeof(*h));
	int fd;

	*hp = NULL;
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((fd = exp_listen_open(spec, addr, addrlen, err, errlen)) < 0) {
		free(h);
		return fd;
	}
	h->set = s;
	h->d = exp_http_daemon(fd, addr[0] == '[', s);
	if (!h->d) {
		snprintf(err, errlen, "listen %s: the HTTP server did not start", spec);
		close(fd);
		free(h);
		return -EIO;
	}
	*hp = h;
	return 0;
}

void exp_http_stop(struct exp_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d); /* closes the listening socket too */
	free(h);
}
