/* SPDX-License-Identifier: MIT */
/*
 * t_zmq.c: baseline 2, ZeroMQ PUB/SUB over ipc:// (a Unix-domain socket
 * underneath, plus libzmq's I/O thread in every process). High-water marks
 * are raised so that loss only happens when a consumer really falls behind;
 * PUB drops silently then, and the sequence numbers count it.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef BENCH_HAVE_ZMQ
#include <zmq.h>

struct bench_zmq {
	void *ctx, *sock;
	char path[128]; /* the publisher's socket file, unlinked on close */
};

static void bench_zmq_close(void *h, int idx)
{
	struct bench_zmq *z = h;
	int linger = 0;
	(void)idx;
	if (z->sock) {
		zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof(linger));
		zmq_close(z->sock);
	}
	if (z->ctx)
		zmq_ctx_term(z->ctx);
	if (z->path[0])
		unlink(z->path);
	free(z);
}

static int bench_zmq_open(struct bench_run *run, int idx, void **h, char *err, size_t len)
{
	struct bench_zmq *z = calloc(1, sizeof(*z));
	int hwm = 100000, pub = idx < 0, rc = -1;
	char ep[128];
	snprintf(ep, sizeof(ep), "ipc:///tmp/mdbus-%s.zmq", run->id);
	if (z && (z->ctx = zmq_ctx_new()) &&
	    (z->sock = zmq_socket(z->ctx, pub ? ZMQ_PUB : ZMQ_SUB)) &&
	    zmq_setsockopt(z->sock, pub ? ZMQ_SNDHWM : ZMQ_RCVHWM, &hwm, sizeof(hwm)) == 0)
		rc = pub					     ? zmq_bind(z->sock, ep)
		     : zmq_setsockopt(z->sock, ZMQ_SUBSCRIBE, "", 0) ? -1
								     : zmq_connect(z->sock, ep);
	if (rc < 0) {
		int e = z ? zmq_errno() : ENOMEM;
		snprintf(err, len, "zmq %s %s: %s", pub ? "bind" : "connect", ep, zmq_strerror(e));
		if (z)
			bench_zmq_close(z, idx);
		return -e;
	}
	if (pub)
		snprintf(z->path, sizeof(z->path), "%s", ep + strlen("ipc://"));
	*h = z;
	return 0;
}

/* The signature is bench_transport.send's; PUB drops at the HWM without
 * telling: sequence holes show it. NOLINTNEXTLINE(readability-non-const-parameter) */
static int bench_zmq_send(void *pub, const struct bench_msg *m, uint64_t *dropped)
{
	(void)dropped;
	if (zmq_send(((struct bench_zmq *)pub)->sock, m, sizeof(*m), ZMQ_DONTWAIT) < 0 &&
	    zmq_errno() != EAGAIN)
		return -zmq_errno();
	return 0;
}

/* The signature is bench_transport.recv's; no loss count to report. */
/* NOLINTBEGIN(readability-non-const-parameter) */
static int bench_zmq_recv(void *sub, struct bench_msg *m, int wait_ms, uint64_t *missed,
			  uint64_t *laps)
/* NOLINTEND(readability-non-const-parameter) */
{
	struct bench_zmq *z = sub;
	(void)missed;
	(void)laps;
	if (wait_ms > 0) {
		zmq_pollitem_t it = {.socket = z->sock, .events = ZMQ_POLLIN};
		int r = zmq_poll(&it, 1, wait_ms);
		if (r <= 0)
			return r == 0 || zmq_errno() == EINTR ? 0 : -zmq_errno();
	}
	int r = zmq_recv(z->sock, m, sizeof(*m), ZMQ_DONTWAIT);
	if (r == (int)sizeof(*m))
		return 1;
	if (r >= 0)
		return -EBADMSG;
	return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? 0 : -zmq_errno();
}

const struct bench_transport bench_transport_zmq = {
	.name = "zmq",
	.open = bench_zmq_open,
	.close = bench_zmq_close,
	.send = bench_zmq_send,
	.recv = bench_zmq_recv,
};

#else /* !BENCH_HAVE_ZMQ */

static int bench_zmq_unavailable(struct bench_run *run, char *why, size_t len)
{
	(void)run;
	snprintf(why, len, "built without libzmq (pkg-config libzmq not found at configure time)");
	return -ENOTSUP;
}

const struct bench_transport bench_transport_zmq = {
	.name = "zmq",
	.setup = bench_zmq_unavailable,
};

#endif
