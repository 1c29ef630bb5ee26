/* SPDX-License-Identifier: MIT */
/* proc.c: fork, pin, share, reap (see proc.h). */
#include "proc.h"

#include "mdbus.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_PROC_HEAD 256 /* the head, rounded up: the mode's part stays cache-aligned */
_Static_assert(sizeof(struct bench_proc_head) <= BENCH_PROC_HEAD, "head fits");

int bench_proc_map(struct bench_proc *p, size_t len)
{
	p->map_len = BENCH_PROC_HEAD + len;
	void *m = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	p->head = m; /* MAP_ANONYMOUS memory is zero: every flag starts at 0 */
	p->shared = (char *)m + BENCH_PROC_HEAD;
	return 0;
}

void bench_proc_unmap(struct bench_proc *p)
{
	if (p->head)
		munmap(p->head, p->map_len);
	p->head = NULL;
	p->shared = NULL;
}

static int bench_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

int bench_proc_start(struct bench_proc *p)
{
	fflush(NULL); /* children must not flush the parent's buffered output */
	p->deadline = bench_now_ns() + p->timeout_ns;
	for (p->forked = 0; p->forked < p->n; p->forked++) {
		unsigned i = p->forked;
		p->status[i] = 0;
		if ((p->pid[i] = fork()) < 0) {
			int rc = -errno;
			bench_proc_stop(p);
			return rc;
		}
		/* exit(), not _exit(): iceoryx unregisters from RouDi in a static
		 * destructor; stdio was flushed before the fork. */
		if (p->pid[i] == 0)
			exit(p->child(p, i, p->cpu[i] >= 0 ? bench_pin(p->cpu[i]) : 0));
	}
	return 0;
}

int bench_proc_wait(struct bench_proc *p)
{
	unsigned left = p->forked;
	int bad = 0, killed = 0;
	struct timespec quiet = {p->quiet_ns / 1000000000, p->quiet_ns % 1000000000};
	while (nanosleep(&quiet, &quiet) < 0 && errno == EINTR)
		;
	while (left) {
		for (unsigned i = 0; i < p->forked; i++)
			if (p->pid[i] > 0 &&
			    waitpid(p->pid[i], &p->status[i], WNOHANG) == p->pid[i]) {
				bad += !WIFEXITED(p->status[i]) || WEXITSTATUS(p->status[i]) != 0;
				p->pid[i] = 0;
				left--;
			}
		int64_t now = bench_now_ns();
		if (left && now > p->deadline)
			bench_proc_stop(p);
		if (left && !killed && now > p->deadline + 2000000000LL) {
			for (unsigned i = 0; i < p->forked; i++)
				if (p->pid[i] > 0)
					kill(p->pid[i], SIGKILL);
			killed = 1;
		}
		if (left)
			usleep(2000); /* the parent is idle: it must not steal a core */
	}
	return bad;
}

int bench_proc_await(struct bench_proc *p, unsigned stage, unsigned count)
{
	while (bench_proc_count(p, stage) < count) {
		if (bench_proc_stopped(p))
			return -ETIMEDOUT;
		bench_relax();
	}
	return 0;
}

void bench_usage(struct bench_usage *u)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	u->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	u->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	u->invol = (uint64_t)ru.ru_nivcsw;
	u->vol = (uint64_t)ru.ru_nvcsw;
}

int bench_bus_open(mdbus_writer **w, const char *bus, unsigned slots,
		   const struct mdbus_instrument *in, char *err, size_t len)
{
	char why[160] = "";
	uint32_t id = 0;
	struct mdbus_writer_opts o = {.bus = bus,
				      .slots = slots,
				      .max_instruments = 64,
				      .max_sessions = 4,
				      .mode = 0600,
				      .errbuf = why,
				      .errlen = sizeof(why)};
	int rc = mdbus_writer_open(w, &o); /* NULL on failure */
	if (rc == 0 && in && (rc = mdbus_writer_add_instrument(*w, in, &id)) == 0 && id != 0)
		rc = -EEXIST; /* not the bus's first instrument */
	if (rc < 0) {
		snprintf(err, len, "mdbus writer(%s): %s %s", bus, mdbus_strerror(rc), why);
		if (*w)
			mdbus_writer_close(*w, 1);
		*w = NULL;
	}
	return rc;
}

void bench_unlink_locked(const char *path)
{
	char side[272];
	unlink(path);
	/* The name lock, and the reader table a writer makes beside its bus. */
	snprintf(side, sizeof(side), "%s.lock", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s.readers", path);
	unlink(side);
}

void bench_bus_unlink(const char *bus)
{
	char path[256];
	if (mdbus_bus_path(bus, path, sizeof(path)) == 0)
		bench_unlink_locked(path);
}
