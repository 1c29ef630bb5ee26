/* SPDX-License-Identifier: MIT */
/*
 * t_iox.c: baseline 3, iceoryx (zero-copy shared memory with a central
 * RouDi daemon) through its C binding. The bench starts its own
 * /usr/bin/iox-roudi, waits for "RouDi is ready for clients" in its log,
 * and stops it after the run. Publisher and subscribers use the lossy
 * policies (DISCARD_OLDEST), the closest match to the mdbus ring.
 * iceoryx 2.0 allows one RouDi per machine: if another one runs, ours
 * exits and the transport is reported skipped with RouDi's reason.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_ROUDI	  "/usr/bin/iox-roudi"
#define BENCH_ROUDI_READY "RouDi is ready for clients"

#ifdef BENCH_HAVE_IOX
/* Reads the RouDi log; 1 if it says ready. Otherwise puts its most telling
 * line (the first "Fatal", else "Error", else the last line) in why,
 * without ANSI colour sequences. */
static int bench_roudi_log(const char *path, char *why, size_t len)
{
	char buf[8192], *best = NULL, *line, *save = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rank = -1;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (strstr(buf, BENCH_ROUDI_READY))
		return 1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int r = strstr(line, "Fatal") ? 2 : strstr(line, "Error") ? 1 : 0;
		if (r > rank || (r == 0 && rank == 0))
			best = line, rank = r;
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
#endif

static int bench_iox_setup(struct bench_run *run, char *why, size_t len)
{
#ifndef BENCH_HAVE_IOX
	(void)run;
	snprintf(why, len,
		 "built without the iceoryx C binding (cmake iceoryx_binding_c not found)");
	return -ENOTSUP;
#else
	char last[256] = "";
	if (access(BENCH_ROUDI, X_OK) < 0) {
		snprintf(why, len, "%s not installed (Debian package iceoryx)", BENCH_ROUDI);
		return -ENOENT;
	}
	snprintf(run->roudi_log, sizeof(run->roudi_log), "/tmp/mdbus-%s-roudi.log", run->id);
	pid_t p = fork();
	if (p < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -errno;
	}
	if (p == 0) {
		int fd = open(run->roudi_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execl(BENCH_ROUDI, BENCH_ROUDI, "-l", "info", "-m", "off", (char *)NULL);
		_exit(127);
	}
	run->roudi_pid = p;
	for (int i = 0; i < 1000; i++) { /* up to 10 s */
		int st;
		if (bench_roudi_log(run->roudi_log, last, sizeof(last)))
			return 0;
		if (waitpid(p, &st, WNOHANG) == p) {
			run->roudi_pid = 0;
			bench_roudi_log(run->roudi_log, last, sizeof(last));
			snprintf(why, len, "iox-roudi exited (%s): %s",
				 WIFEXITED(st) ? "status" : "signal", last[0] ? last : "no output");
			unlink(run->roudi_log);
			return -ECHILD;
		}
		usleep(10000);
	}
	snprintf(why, len, "iox-roudi not ready after 10 s: %s", last);
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	run->roudi_pid = 0;
	unlink(run->roudi_log);
	return -ETIMEDOUT;
#endif
}

static void bench_iox_teardown(struct bench_run *run)
{
	if (run->roudi_pid <= 0)
		return;
	kill(run->roudi_pid, SIGTERM);
	for (int i = 0; i < 500; i++) { /* RouDi cleans its shared memory on SIGTERM */
		if (waitpid(run->roudi_pid, NULL, WNOHANG) == run->roudi_pid) {
			run->roudi_pid = 0;
			break;
		}
		usleep(10000);
	}
	if (run->roudi_pid > 0) {
		kill(run->roudi_pid, SIGKILL);
		waitpid(run->roudi_pid, NULL, 0);
		run->roudi_pid = 0;
	}
	if (!run->cfg->verbose)
		unlink(run->roudi_log);
	/* iceoryx leaves a socket + lock per runtime name in /tmp when a
	 * process dies before its runtime's destructor ran; the names are ours */
	char path[160];
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

#ifdef BENCH_HAVE_IOX
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>

struct bench_iox_pub {
	iox_pub_storage_t storage;
	iox_pub_t pub;
};

static int bench_iox_pub_open(struct bench_run *run, void **out, char *err, size_t len)
{
	char name[64];
	struct bench_iox_pub *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "mdbus-%s-pub", run->id);
	iox_set_loglevel(run->cfg->verbose ? Iceoryx_LogLevel_Info : Iceoryx_LogLevel_Warn);
	iox_runtime_init(name); /* aborts the process if RouDi is gone: we are a child */
	iox_pub_options_t o;
	iox_pub_options_init(&o);
	o.historyCapacity = 0;
	o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_DISCARD_OLDEST_DATA;
	p->pub = iox_pub_init(&p->storage, "mdbus-bench", run->id, "ticks", &o);
	*out = p;
	return 0;
}

static int bench_iox_pub_send(void *pub, const struct bench_msg *m, uint64_t *dropped)
{
	struct bench_iox_pub *p = pub;
	void *chunk = NULL;
	enum iox_AllocationResult r = iox_pub_loan_chunk(p->pub, &chunk, sizeof(*m));
	if (r != AllocationResult_SUCCESS) {
		(*dropped)++; /* every chunk held by slow subscribers */
		return 0;
	}
	memcpy(chunk, m, sizeof(*m));
	iox_pub_publish_chunk(p->pub, chunk);
	return 0;
}

static void bench_iox_pub_close(void *pub)
{
	struct bench_iox_pub *p = pub;
	if (!p)
		return;
	iox_pub_deinit(p->pub);
	iox_runtime_shutdown();
	free(p);
}

struct bench_iox_sub {
	iox_sub_storage_t storage;
	iox_sub_t sub;
	iox_ws_storage_t ws_storage;
	iox_ws_t ws; /* NULL unless --wait */
};

static int bench_iox_sub_open(struct bench_run *run, unsigned idx, void **out, char *err,
			      size_t len)
{
	char name[64];
	struct bench_iox_sub *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "mdbus-%s-c%u", run->id, idx);
	iox_set_loglevel(run->cfg->verbose ? Iceoryx_LogLevel_Info : Iceoryx_LogLevel_Warn);
	iox_runtime_init(name);
	iox_sub_options_t o;
	iox_sub_options_init(&o);
	o.queueCapacity = 256; /* the binding's maximum */
	o.historyRequest = 0;
	o.queueFullPolicy = QueueFullPolicy_DISCARD_OLDEST_DATA;
	s->sub = iox_sub_init(&s->storage, "mdbus-bench", run->id, "ticks", &o);
	if (run->cfg->wait) {
		s->ws = iox_ws_init(&s->ws_storage);
		if (iox_ws_attach_subscriber_state(s->ws, s->sub, SubscriberState_HAS_DATA, 0,
						   NULL) != WaitSetResult_SUCCESS) {
			snprintf(err, len, "consumer %u: iox_ws_attach_subscriber_state failed",
				 idx);
			iox_ws_deinit(s->ws);
			iox_sub_deinit(s->sub);
			iox_runtime_shutdown();
			free(s);
			return -EIO;
		}
	}
	*out = s;
	return 0;
}

/* The signature is bench_transport.sub_recv's; this transport has no loss count to report. */
/* NOLINTBEGIN(readability-non-const-parameter) */
static int bench_iox_sub_recv(void *sub, struct bench_msg *m, int wait_ms, uint64_t *missed,
			      uint64_t *laps)
/* NOLINTEND(readability-non-const-parameter) */
{
	struct bench_iox_sub *s = sub;
	const void *chunk = NULL;
	(void)missed;
	(void)laps;
	enum iox_ChunkReceiveResult r = iox_sub_take_chunk(s->sub, &chunk);
	if (r == ChunkReceiveResult_NO_CHUNK_AVAILABLE && s->ws && wait_ms > 0) {
		iox_notification_info_t info[1];
		uint64_t lost = 0;
		struct timespec ts = {.tv_sec = wait_ms / 1000,
				      .tv_nsec = (long)(wait_ms % 1000) * 1000000};
		(void)iox_ws_timed_wait(s->ws, ts, info, 1, &lost);
		r = iox_sub_take_chunk(s->sub, &chunk);
	}
	if (r == ChunkReceiveResult_NO_CHUNK_AVAILABLE)
		return 0;
	if (r != ChunkReceiveResult_SUCCESS)
		return -EIO;
	memcpy(m, chunk, sizeof(*m));
	iox_sub_release_chunk(s->sub, chunk);
	return 1;
}

static void bench_iox_sub_close(void *sub)
{
	struct bench_iox_sub *s = sub;
	if (!s)
		return;
	if (s->ws) {
		iox_ws_detach_subscriber_state(s->ws, s->sub, SubscriberState_HAS_DATA);
		iox_ws_deinit(s->ws);
	}
	iox_sub_deinit(s->sub);
	iox_runtime_shutdown();
	free(s);
}
#endif

const struct bench_transport bench_transport_iox = {
	.name = "iceoryx",
	.setup = bench_iox_setup,
	.teardown = bench_iox_teardown,
#ifdef BENCH_HAVE_IOX
	.pub_open = bench_iox_pub_open,
	.pub_send = bench_iox_pub_send,
	.pub_close = bench_iox_pub_close,
	.sub_open = bench_iox_sub_open,
	.sub_recv = bench_iox_sub_recv,
	.sub_close = bench_iox_sub_close,
#endif
};
