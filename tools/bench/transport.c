/* SPDX-License-Identifier: MIT */
/*
 * transport.c: what a latency run times, behind one vtable (bench.h): the
 * mdbus ring, and three baselines, Unix-domain sockets, ZeroMQ and iceoryx.
 * Each baseline is set up to be lossy like the ring: a consumer that falls
 * behind loses messages (counted) instead of stalling the publisher.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- mdbus: one writer, a reader per consumer ---------------------------- */

/* The publisher's handle is its writer, a consumer's its reader. The run's
 * one instrument gets id 0: the instrument of every bench_msg. */
static int bench_mdbus_open(struct bench_run *run, int idx, void **h, char *err, size_t len)
{
	static const struct mdbus_instrument in = {.price_decimals = 8,
						   .qty_decimals = 8,
						   .venue = "bench",
						   .symbol = "BENCH-TICK",
						   .native = "BENCHTICK"};
	char why[160] = "";
	struct mdbus_reader_opts ro = {
		.bus = run->id, .start = MDBUS_START_LATEST, .errbuf = why, .errlen = sizeof(why)};
	int rc;
	if (idx < 0)
		return bench_bus_open((mdbus_writer **)h, run->id, run->cfg->slots, &in, err, len);
	if ((rc = mdbus_reader_open((mdbus_reader **)h, &ro)) < 0)
		snprintf(err, len, "consumer: mdbus reader(%s): %s %s", run->id, mdbus_strerror(rc),
			 why);
	return rc;
}

static void bench_mdbus_close(void *h, int idx)
{
	if (idx >= 0)
		mdbus_reader_close(h);
	else
		mdbus_writer_close(h, 1); /* unlink: the bus is private to this run */
}

/* The ring never refuses: a slow reader laps instead. */
static int bench_mdbus_send(void *pub, const struct bench_msg *m)
{
	return mdbus_writer_publish(pub, &m->tick, NULL);
}

static void bench_mdbus_flush(void *pub)
{
	mdbus_writer_wake(pub);
}

static int bench_mdbus_recv(void *sub, struct bench_msg *m, int wait_ms)
{
	int rc = mdbus_reader_next(sub, &m->tick, NULL, NULL);
	if (rc == 0 && wait_ms > 0) {
		rc = mdbus_reader_wait(sub, wait_ms);
		if (rc == -ETIMEDOUT || rc == -EINTR || rc == 0)
			rc = mdbus_reader_next(sub, &m->tick, NULL, NULL);
	}
	return rc;
}

static void bench_mdbus_lost(void *sub, uint64_t *missed, uint64_t *laps)
{
	struct mdbus_reader_stats st;
	mdbus_reader_stats(sub, &st);
	*missed = st.missed;
	*laps = st.laps;
}

const struct bench_transport bench_transport_mdbus = {
	.name = "mdbus",
	.open = bench_mdbus_open,
	.close = bench_mdbus_close,
	.send = bench_mdbus_send,
	.flush = bench_mdbus_flush,
	.recv = bench_mdbus_recv,
	.lost = bench_mdbus_lost,
};

/* ---- uds: a SOCK_SEQPACKET socket pair per consumer ------------------------ */

/* The publisher sends every message to each socket in turn (one syscall per
 * consumer per tick), without blocking: a full socket drops it. */
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

static int bench_uds_send(void *pub, const struct bench_msg *m)
{
	struct bench_run *run = pub;
	int dropped = 0;
	for (unsigned i = 0; i < run->cfg->consumers; i++) {
		if (send(run->uds_fds[i][0], m, sizeof(*m), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			continue;
		if (errno != EAGAIN && errno != EPIPE && errno != ECONNRESET)
			return -errno;
		dropped++; /* full, or that consumer is gone */
	}
	return dropped;
}

static int bench_uds_recv(void *sub, struct bench_msg *m, int wait_ms)
{
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
	.after_fork = bench_uds_close_all, /* the parent keeps no end open */
	.open = bench_uds_open,
	.close = bench_uds_close,
	.send = bench_uds_send,
	.recv = bench_uds_recv,
};

/* ---- zmq: ZeroMQ PUB/SUB over ipc:// --------------------------------------- */

/* A Unix-domain socket underneath, plus libzmq's I/O thread in every
 * process. The high-water marks are raised so that only a consumer really
 * behind loses messages; PUB drops them silently, the sequence numbers
 * count them. */
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

static int bench_zmq_send(void *pub, const struct bench_msg *m)
{
	if (zmq_send(((struct bench_zmq *)pub)->sock, m, sizeof(*m), ZMQ_DONTWAIT) < 0 &&
	    zmq_errno() != EAGAIN)
		return -zmq_errno();
	return 0;
}

static int bench_zmq_recv(void *sub, struct bench_msg *m, int wait_ms)
{
	struct bench_zmq *z = sub;
	zmq_pollitem_t it = {.socket = z->sock, .events = ZMQ_POLLIN};
	int r = wait_ms > 0 ? zmq_poll(&it, 1, wait_ms) : 1;
	if (r <= 0)
		return r == 0 || zmq_errno() == EINTR ? 0 : -zmq_errno();
	r = zmq_recv(z->sock, m, sizeof(*m), ZMQ_DONTWAIT);
	if (r >= 0)
		return r == (int)sizeof(*m) ? 1 : -EBADMSG;
	return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? 0 : -zmq_errno();
}

const struct bench_transport bench_transport_zmq = {
	.name = "zmq",
	.open = bench_zmq_open,
	.close = bench_zmq_close,
	.send = bench_zmq_send,
	.recv = bench_zmq_recv,
};
#else
const struct bench_transport bench_transport_zmq = {
	.name = "zmq",
	.missing = "built without libzmq (pkg-config libzmq not found at configure time)",
};
#endif

/* ---- iceoryx: zero-copy shared memory with a central RouDi daemon ---------- */

/* Through the C binding. The bench starts its own /usr/bin/iox-roudi, waits
 * for "RouDi is ready for clients" in its log and stops it after the run.
 * Publisher and subscribers use the lossy policies (DISCARD_OLDEST), the
 * closest match to the ring. iceoryx 2.0 allows one RouDi per machine: if
 * another one runs, ours exits and the run is skipped with RouDi's reason. */
#ifdef BENCH_HAVE_IOX
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>

#define BENCH_ROUDI "/usr/bin/iox-roudi"

/* 1 if the RouDi log says ready; else its most telling line (the first
 * "Fatal", else "Error", else the last) into why, without ANSI colours. */
static int bench_roudi_log(const char *path, char *why, size_t len)
{
	char buf[8192], *best = NULL, *save = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rank = -1;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (n <= 0 || strstr(buf, "RouDi is ready for clients"))
		return n > 0;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int r = strstr(l, "Fatal") ? 2 : strstr(l, "Error") ? 1 : 0;
		if (r > rank || (r == 0 && rank == 0))
			best = l, rank = r;
	}
	size_t o = 0;
	for (const char *p = best; p && *p && o + 1 < len; p++) {
		if (*p == '\033') /* ESC [ ... m */
			while (p[1] && *p != 'm')
				p++;
		else
			why[o++] = *p;
	}
	if (best)
		why[o] = 0;
	return 0;
}

/* Stops our RouDi: sig (SIGTERM lets it clean its shared memory), SIGKILL
 * after 5 s. */
static void bench_roudi_stop(struct bench_run *run, int sig)
{
	for (int i = 0; run->roudi_pid > 0 && i < 500; i++, usleep(10000)) {
		if (i == 0)
			kill(run->roudi_pid, sig);
		if (waitpid(run->roudi_pid, NULL, WNOHANG) == run->roudi_pid)
			run->roudi_pid = 0;
	}
	if (run->roudi_pid > 0) {
		kill(run->roudi_pid, SIGKILL);
		waitpid(run->roudi_pid, NULL, 0);
	}
	run->roudi_pid = 0;
	if (!run->cfg->verbose)
		unlink(run->roudi_log);
}

static int bench_iox_setup(struct bench_run *run, char *why, size_t len)
{
	char last[256] = "";
	int st;
	if (access(BENCH_ROUDI, X_OK) < 0) {
		snprintf(why, len, "%s not installed (Debian package iceoryx)", BENCH_ROUDI);
		return -ENOENT;
	}
	snprintf(run->roudi_log, sizeof(run->roudi_log), "/tmp/mdbus-%s-roudi.log", run->id);
	if ((run->roudi_pid = fork()) < 0) {
		int e = errno;
		snprintf(why, len, "fork: %s", strerror(e));
		run->roudi_pid = 0;
		return -e;
	}
	if (run->roudi_pid == 0) {
		int fd = open(run->roudi_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(BENCH_ROUDI, BENCH_ROUDI, "-l", "info", "-m", "off", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++, usleep(10000)) { /* up to 10 s */
		if (bench_roudi_log(run->roudi_log, last, sizeof(last)))
			return 0;
		if (waitpid(run->roudi_pid, &st, WNOHANG) == run->roudi_pid) {
			run->roudi_pid = 0;
			bench_roudi_log(run->roudi_log, last, sizeof(last));
			snprintf(why, len, "iox-roudi exited (%s): %s",
				 WIFEXITED(st) ? "status" : "signal", last[0] ? last : "no output");
			unlink(run->roudi_log);
			return -ECHILD;
		}
	}
	snprintf(why, len, "iox-roudi not ready after 10 s: %s", last);
	bench_roudi_stop(run, SIGKILL);
	unlink(run->roudi_log);
	return -ETIMEDOUT;
}

/* The runtime name of a consumer (idx >= 0) or of the publisher. */
static void bench_iox_name(const struct bench_run *run, int idx, char *name, size_t len)
{
	if (idx < 0)
		snprintf(name, len, "mdbus-%s-pub", run->id);
	else
		snprintf(name, len, "mdbus-%s-c%d", run->id, idx);
}

static void bench_iox_teardown(struct bench_run *run)
{
	char name[80], path[96];
	if (run->roudi_pid <= 0)
		return;
	bench_roudi_stop(run, SIGTERM);
	/* iceoryx leaves a socket + lock per runtime name in /tmp when a process
	 * dies before its runtime's destructor ran; the names are ours */
	for (int i = -1; i < (int)run->cfg->consumers; i++) {
		bench_iox_name(run, i, name, sizeof(name));
		snprintf(path, sizeof(path), "/tmp/%s", name);
		bench_unlink_locked(path);
	}
}

struct bench_iox {
	iox_pub_storage_t pub_storage;
	iox_pub_t pub;
	iox_sub_storage_t sub_storage;
	iox_sub_t sub;
	iox_ws_storage_t ws_storage;
	iox_ws_t ws; /* NULL unless --wait */
};

static void bench_iox_close(void *h, int idx)
{
	struct bench_iox *x = h;
	if (idx < 0)
		iox_pub_deinit(x->pub);
	if (x->ws) {
		iox_ws_detach_subscriber_state(x->ws, x->sub, SubscriberState_HAS_DATA);
		iox_ws_deinit(x->ws);
	}
	if (idx >= 0)
		iox_sub_deinit(x->sub);
	iox_runtime_shutdown();
	free(x);
}

static int bench_iox_open(struct bench_run *run, int idx, void **h, char *err, size_t len)
{
	char name[80];
	struct bench_iox *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	bench_iox_name(run, idx, name, sizeof(name));
	iox_set_loglevel(run->cfg->verbose ? Iceoryx_LogLevel_Info : Iceoryx_LogLevel_Warn);
	iox_runtime_init(name); /* aborts the process if RouDi is gone: we are a child */
	*h = x;
	if (idx < 0) {
		iox_pub_options_t o;
		iox_pub_options_init(&o);
		o.historyCapacity = 0;
		o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_DISCARD_OLDEST_DATA;
		x->pub = iox_pub_init(&x->pub_storage, "mdbus-bench", run->id, "ticks", &o);
		return 0;
	}
	iox_sub_options_t o;
	iox_sub_options_init(&o);
	o.queueCapacity = 256; /* the binding's maximum */
	o.historyRequest = 0;
	o.queueFullPolicy = QueueFullPolicy_DISCARD_OLDEST_DATA;
	x->sub = iox_sub_init(&x->sub_storage, "mdbus-bench", run->id, "ticks", &o);
	if (run->cfg->wait && (x->ws = iox_ws_init(&x->ws_storage)) &&
	    iox_ws_attach_subscriber_state(x->ws, x->sub, SubscriberState_HAS_DATA, 0, NULL) !=
		    WaitSetResult_SUCCESS) {
		snprintf(err, len, "consumer %d: iox_ws_attach_subscriber_state failed", idx);
		iox_ws_deinit(x->ws);
		x->ws = NULL;
		return -EIO;
	}
	return 0;
}

static int bench_iox_send(void *pub, const struct bench_msg *m)
{
	struct bench_iox *x = pub;
	void *chunk = NULL;
	if (iox_pub_loan_chunk(x->pub, &chunk, sizeof(*m)) != AllocationResult_SUCCESS)
		return 1; /* every chunk is held by slow subscribers */
	memcpy(chunk, m, sizeof(*m));
	iox_pub_publish_chunk(x->pub, chunk);
	return 0;
}

static int bench_iox_recv(void *sub, struct bench_msg *m, int wait_ms)
{
	struct bench_iox *x = sub;
	const void *chunk = NULL;
	enum iox_ChunkReceiveResult r = iox_sub_take_chunk(x->sub, &chunk);
	if (r == ChunkReceiveResult_NO_CHUNK_AVAILABLE && x->ws && wait_ms > 0) {
		iox_notification_info_t info[1];
		uint64_t lost = 0;
		struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000};
		(void)iox_ws_timed_wait(x->ws, ts, info, 1, &lost);
		r = iox_sub_take_chunk(x->sub, &chunk);
	}
	if (r != ChunkReceiveResult_SUCCESS)
		return r == ChunkReceiveResult_NO_CHUNK_AVAILABLE ? 0 : -EIO;
	memcpy(m, chunk, sizeof(*m));
	iox_sub_release_chunk(x->sub, chunk);
	return 1;
}

const struct bench_transport bench_transport_iox = {
	.name = "iceoryx",
	.setup = bench_iox_setup,
	.teardown = bench_iox_teardown,
	.open = bench_iox_open,
	.close = bench_iox_close,
	.send = bench_iox_send,
	.recv = bench_iox_recv,
};
#else
const struct bench_transport bench_transport_iox = {
	.name = "iceoryx",
	.missing = "built without the iceoryx C binding (cmake iceoryx_binding_c not found)",
};
#endif
