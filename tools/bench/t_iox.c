/* SPDX-License-Identifier: MIT */
/*
 * t_iox.c: baseline 3, iceoryx (zero-copy shared memory with a central
 * RouDi daemon) through its C binding. The bench starts its own
 * /usr/bin/iox-roudi, waits for "RouDi is ready for clients" in its log and
 * stops it after the run. Publisher and subscribers use the lossy policies
 * (DISCARD_OLDEST), the closest match to the mdbus ring. iceoryx 2.0 allows
 * one RouDi per machine: if another one runs, ours exits and the transport
 * is reported skipped with RouDi's reason.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_ROUDI "/usr/bin/iox-roudi"

#ifdef BENCH_HAVE_IOX
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>

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

/* Stops our RouDi: SIGTERM (it cleans its shared memory), SIGKILL after 5 s. */
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

static void bench_iox_teardown(struct bench_run *run)
{
	char path[160];
	if (run->roudi_pid <= 0)
		return;
	bench_roudi_stop(run, SIGTERM);
	/* iceoryx leaves a socket + lock per runtime name in /tmp when a process
	 * dies before its runtime's destructor ran; the names are ours */
	for (unsigned i = 0; i <= run->cfg->consumers; i++) {
		if (i < run->cfg->consumers)
			snprintf(path, sizeof(path), "/tmp/mdbus-%s-c%u", run->id, i);
		else
			snprintf(path, sizeof(path), "/tmp/mdbus-%s-pub", run->id);
		unlink(path);
		strncat(path, ".lock", sizeof(path) - strlen(path) - 1);
		unlink(path);
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
	if (idx < 0)
		snprintf(name, sizeof(name), "mdbus-%s-pub", run->id);
	else
		snprintf(name, sizeof(name), "mdbus-%s-c%d", run->id, idx);
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

static int bench_iox_send(void *pub, const struct bench_msg *m, uint64_t *dropped)
{
	struct bench_iox *x = pub;
	void *chunk = NULL;
	if (iox_pub_loan_chunk(x->pub, &chunk, sizeof(*m)) != AllocationResult_SUCCESS) {
		(*dropped)++; /* every chunk held by slow subscribers */
		return 0;
	}
	memcpy(chunk, m, sizeof(*m));
	iox_pub_publish_chunk(x->pub, chunk);
	return 0;
}

/* The signature is bench_transport.recv's; no loss count to report. */
/* NOLINTBEGIN(readability-non-const-parameter) */
static int bench_iox_recv(void *sub, struct bench_msg *m, int wait_ms, uint64_t *missed,
			  uint64_t *laps)
/* NOLINTEND(readability-non-const-parameter) */
{
	struct bench_iox *x = sub;
	const void *chunk = NULL;
	(void)missed;
	(void)laps;
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

#else /* !BENCH_HAVE_IOX */

static int bench_iox_unavailable(struct bench_run *run, char *why, size_t len)
{
	(void)run;
	snprintf(why, len,
		 "built without the iceoryx C binding (cmake iceoryx_binding_c not found)");
	return -ENOTSUP;
}

const struct bench_transport bench_transport_iox = {
	.name = "iceoryx",
	.setup = bench_iox_unavailable,
};

#endif
