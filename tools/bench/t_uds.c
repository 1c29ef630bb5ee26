/* SPDX-License-Identifier: MIT */
/*
 * t_uds.c: baseline 1, a Unix-domain SOCK_SEQPACKET socket pair per
 * consumer; the publisher writes every 64-byte message to each socket in
 * turn (one send syscall per consumer per tick). Sends are non-blocking so
 * a slow consumer loses messages (counted) instead of stalling the others:
 * the same lossy contract as the mdbus ring.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct bench_uds_pub {
	unsigned n;
	int fds[BENCH_MAX_CONSUMERS];
};

static int bench_uds_setup(struct bench_run *run, char *why, size_t len)
{
	for (unsigned i = 0; i < run->cfg->consumers; i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, run->uds_fds[i]) < 0) {
			int e = errno;
			snprintf(why, len, "socketpair: %s", strerror(e));
			for (unsigned j = 0; j < i; j++) {
				close(run->uds_fds[j][0]);
				close(run->uds_fds[j][1]);
				run->uds_fds[j][0] = run->uds_fds[j][1] = -1;
			}
			return -e;
		}
	}
	return 0;
}

/* Closes every socket end except `keep` (-1: all). */
static void bench_uds_close_all(struct bench_run *run, int keep)
{
	for (unsigned i = 0; i < run->cfg->consumers; i++)
		for (int s = 0; s < 2; s++)
			if (run->uds_fds[i][s] >= 0 && run->uds_fds[i][s] != keep) {
				close(run->uds_fds[i][s]);
				run->uds_fds[i][s] = -1;
			}
}

static void bench_uds_after_fork(struct bench_run *run)
{
	bench_uds_close_all(run, -1);
}

static int bench_uds_pub_open(struct bench_run *run, void **out, char *err, size_t len)
{
	struct bench_uds_pub *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	p->n = run->cfg->consumers;
	for (unsigned i = 0; i < p->n; i++) {
		p->fds[i] = run->uds_fds[i][0];
		close(run->uds_fds[i][1]); /* the consumer's end */
		run->uds_fds[i][1] = -1;
	}
	*out = p;
	return 0;
}

static int bench_uds_pub_send(void *pub, const struct bench_msg *m, uint64_t *dropped)
{
	struct bench_uds_pub *p = pub;
	for (unsigned i = 0; i < p->n; i++) {
		ssize_t r = send(p->fds[i], m, sizeof(*m), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EAGAIN || errno == EPIPE || errno == ECONNRESET)
				(*dropped)++; /* full, or that consumer is gone */
			else
				return -errno;
		}
	}
	return 0;
}

static void bench_uds_pub_close(void *pub)
{
	struct bench_uds_pub *p = pub;
	if (!p)
		return;
	for (unsigned i = 0; i < p->n; i++)
		close(p->fds[i]);
	free(p);
}

struct bench_uds_sub {
	int fd;
	int timeout_set;
};

static int bench_uds_sub_open(struct bench_run *run, unsigned idx, void **out, char *err,
			      size_t len)
{
	struct bench_uds_sub *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	s->fd = run->uds_fds[idx][1];
	run->uds_fds[idx][1] = -1;
	bench_uds_close_all(run, -1); /* everybody else's ends */
	*out = s;
	return 0;
}

/* The signature is bench_transport.sub_recv's; this transport has no loss count to report. */
/* NOLINTBEGIN(readability-non-const-parameter) */
static int bench_uds_sub_recv(void *sub, struct bench_msg *m, int wait_ms, uint64_t *missed,
			      uint64_t *laps)
/* NOLINTEND(readability-non-const-parameter) */
{
	struct bench_uds_sub *s = sub;
	(void)missed;
	(void)laps;
	if (wait_ms > 0 && !s->timeout_set) {
		struct timeval tv = {.tv_sec = wait_ms / 1000,
				     .tv_usec = (suseconds_t)(wait_ms % 1000) * 1000};
		if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
			return -errno;
		s->timeout_set = 1;
	}
	ssize_t r = recv(s->fd, m, sizeof(*m), wait_ms > 0 ? 0 : MSG_DONTWAIT);
	if (r == (ssize_t)sizeof(*m))
		return 1;
	if (r == 0)
		return -ESHUTDOWN; /* publisher closed its end */
	if (r > 0)
		return -EBADMSG;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return -errno;
}

static void bench_uds_sub_close(void *sub)
{
	struct bench_uds_sub *s = sub;
	if (!s)
		return;
	close(s->fd);
	free(s);
}

const struct bench_transport bench_transport_uds = {
	.name = "uds",
	.setup = bench_uds_setup,
	.after_fork = bench_uds_after_fork,
	.pub_open = bench_uds_pub_open,
	.pub_send = bench_uds_pub_send,
	.pub_close = bench_uds_pub_close,
	.sub_open = bench_uds_sub_open,
	.sub_recv = bench_uds_sub_recv,
	.sub_close = bench_uds_sub_close,
};
