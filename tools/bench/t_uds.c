/* SPDX-License-Identifier: MIT */
/*
 * t_uds.c: baseline 1, a Unix-domain SOCK_SEQPACKET socket pair per
 * consumer; the publisher writes every message to each socket in turn (one
 * send syscall per consumer per tick). Sends do not block, so a slow
 * consumer loses messages (counted) instead of stalling the others: the
 * lossy contract of the mdbus ring.
 */
#include "bench.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void bench_uds_close_all(struct bench_run *run)
{
	for (unsigned i = 0; i < run->cfg->consumers; i++)
		for (int s = 0; s < 2; s++)
			if (run->uds_fds[i][s] >= 0) {
				close(run->uds_fds[i][s]);
				run->uds_fds[i][s] = -1;
			}
}

static int bench_uds_setup(struct bench_run *run, char *why, size_t len)
{
	for (unsigned i = 0; i < run->cfg->consumers; i++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, run->uds_fds[i]) < 0) {
			int e = errno;
			snprintf(why, len, "socketpair: %s", strerror(e));
			bench_uds_close_all(run);
			return -e;
		}
	return 0;
}

static void bench_uds_after_fork(struct bench_run *run)
{
	bench_uds_close_all(run);
}

/* The publisher's handle is the run (its ends in uds_fds[i][0]); a
 * consumer's is its socket, in the pointer itself (fd + 1). */
static int bench_uds_open(struct bench_run *run, int idx, void **h, char *err, size_t len)
{
	struct timeval tv = {.tv_usec = 100000}; /* --wait blocks at most 100 ms */
	for (unsigned i = 0; idx < 0 && i < run->cfg->consumers; i++) {
		close(run->uds_fds[i][1]); /* the consumers' ends */
		run->uds_fds[i][1] = -1;
	}
	if (idx < 0) {
		*h = run;
		return 0;
	}
	int fd = run->uds_fds[idx][1];
	if (run->cfg->wait && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		snprintf(err, len, "consumer %d: SO_RCVTIMEO: %s", idx, strerror(errno));
		return -errno;
	}
	run->uds_fds[idx][1] = -1;
	bench_uds_close_all(run); /* everybody else's ends */
	/* the fd in the pointer: no allocation NOLINTNEXTLINE(performance-no-int-to-ptr) */
	*h = (void *)(intptr_t)(fd + 1);
	return 0;
}

static void bench_uds_close(void *h, int idx)
{
	if (idx < 0)
		bench_uds_close_all(h);
	else
		close((int)(intptr_t)h - 1);
}

static int bench_uds_send(void *pub, const struct bench_msg *m, uint64_t *dropped)
{
	struct bench_run *run = pub;
	for (unsigned i = 0; i < run->cfg->consumers; i++) {
		if (send(run->uds_fds[i][0], m, sizeof(*m), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			continue;
		if (errno != EAGAIN && errno != EPIPE && errno != ECONNRESET)
			return -errno;
		(*dropped)++; /* full, or that consumer is gone */
	}
	return 0;
}

/* The signature is bench_transport.recv's; no loss count to report. */
/* NOLINTBEGIN(readability-non-const-parameter) */
static int bench_uds_recv(void *sub, struct bench_msg *m, int wait_ms, uint64_t *missed,
			  uint64_t *laps)
/* NOLINTEND(readability-non-const-parameter) */
{
	(void)missed;
	(void)laps;
	ssize_t r = recv((int)(intptr_t)sub - 1, m, sizeof(*m), wait_ms > 0 ? 0 : MSG_DONTWAIT);
	if (r == (ssize_t)sizeof(*m))
		return 1;
	if (r >= 0)
		return r == 0 ? -ESHUTDOWN : -EBADMSG; /* 0: the publisher closed its end */
	return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

const struct bench_transport bench_transport_uds = {
	.name = "uds",
	.setup = bench_uds_setup,
	.after_fork = bench_uds_after_fork,
	.open = bench_uds_open,
	.close = bench_uds_close,
	.send = bench_uds_send,
	.recv = bench_uds_recv,
};
