/* SPDX-License-Identifier: MIT */
/*
 * noise.c: the machine-noise probe and the ideal-transport latency floor
 * (see noise.h).
 *
 * The probe children share one MAP_SHARED|MAP_ANONYMOUS mapping with the
 * parent: a start barrier, then per CPU a result and its stall trace. Each
 * child touches its whole trace before the barrier, so no page fault lands
 * in the probed span; the parent reads after waitpid(), which orders the
 * children's writes before its reads.
 */
#include "noise.h"
#include "bench.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct bench_noise_ctl {
	atomic_uint ready; /* children pinned and pre-faulted */
	atomic_int go;	   /* parent: start spinning now */
};

/* Round up to a multiple of 64 so every part of the mapping is cache-line aligned. */
static size_t bench_noise_align(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static int bench_noise_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

void bench_noise_begin(struct bench_noise_cpu *c, int64_t start_ns)
{
	memset(c->trace, 0, BENCH_NOISE_MAX_STALLS * sizeof(*c->trace));
	bench_hist_reset(&c->len);
	c->stalls = c->kept = 0;
	c->away_ns = c->longest_ns = 0;
	c->start_ns = c->end_ns = start_ns;
}

void bench_noise_end(struct bench_noise_cpu *c, int64_t end_ns)
{
	c->end_ns = end_ns;
	c->kept = c->stalls < BENCH_NOISE_MAX_STALLS ? c->stalls : BENCH_NOISE_MAX_STALLS;
	c->ok = 1;
}

static void bench_noise_child(struct bench_noise_ctl *ctl, struct bench_noise_cpu *c,
			      int64_t duration_ns)
{
	int rc = bench_noise_pin(c->cpu);
	if (rc < 0)
		snprintf(c->err, sizeof(c->err), "pin to cpu %d: %s", c->cpu, strerror(-rc));
	bench_noise_begin(c, 0);
	/* release/acquire: the parent starts us all at once */
	atomic_fetch_add_explicit(&ctl->ready, 1, memory_order_release);
	while (!atomic_load_explicit(&ctl->go, memory_order_acquire))
		;
	if (rc < 0)
		_exit(1);

	const int64_t start = bench_now_ns(), end = start + duration_ns;
	int64_t prev = start;
	c->start_ns = start;
	while (prev < end)
		bench_noise_note(c, BENCH_NOISE_MIN_NS, &prev, bench_now_ns());
	bench_noise_end(c, prev);
	_exit(0);
}

/* The distinct CPUs of cpus[0..ncpus), in first-seen order. */
static unsigned bench_noise_distinct(const int *cpus, unsigned ncpus, int *out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ncpus && n < BENCH_NOISE_MAX_CPUS; i++) {
		unsigned k = 0;
		while (k < n && out[k] != cpus[i])
			k++;
		if (k == n)
			out[n++] = cpus[i];
	}
	return n;
}

int bench_noise_probe(const int *cpus, unsigned ncpus, int64_t duration_ns, struct bench_noise *out)
{
	int list[BENCH_NOISE_MAX_CPUS];
	pid_t pids[BENCH_NOISE_MAX_CPUS];
	unsigned n = bench_noise_distinct(cpus, ncpus, list);

	memset(out, 0, sizeof(*out));
	if (n == 0 || duration_ns <= 0)
		return -EINVAL;
	size_t head = bench_noise_align(sizeof(struct bench_noise_ctl));
	size_t res = bench_noise_align(n * sizeof(struct bench_noise_cpu));
	size_t trace = bench_noise_align(BENCH_NOISE_MAX_STALLS * sizeof(struct bench_stall));
	size_t len = head + res + n * trace;
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	struct bench_noise_ctl *ctl = map;
	out->map = map;
	out->map_len = len;
	out->n = n;
	out->cpu = (struct bench_noise_cpu *)((char *)map + head);
	for (unsigned i = 0; i < n; i++) {
		out->cpu[i].cpu = list[i];
		out->cpu[i].trace = (struct bench_stall *)((char *)map + head + res + i * trace);
		snprintf(out->cpu[i].err, sizeof(out->cpu[i].err), "probe process died");
	}

	unsigned started = 0;
	int rc = 0;
	for (; started < n; started++) {
		pid_t pid = fork();
		if (pid < 0) {
			rc = -errno;
			break;
		}
		if (pid == 0)
			bench_noise_child(ctl, &out->cpu[started], duration_ns);
		pids[started] = pid;
	}
	/* acquire: pairs with each child's release; a child that died early
	 * never counts, so the wait is bounded */
	int64_t deadline = bench_now_ns() + 10LL * 1000000000;
	while (rc == 0 && atomic_load_explicit(&ctl->ready, memory_order_acquire) < started &&
	       bench_now_ns() < deadline)
		usleep(1000);
	/* release: the children's acquire; they start within a cache-line move */
	atomic_store_explicit(&ctl->go, 1, memory_order_release);
	for (unsigned i = 0; i < started; i++) {
		int st;
		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
	}
	if (rc < 0) {
		bench_noise_free(out);
		return rc;
	}
	for (unsigned i = 0; i < n; i++)
		if (out->cpu[i].ok)
			out->cpu[i].err[0] = '\0';
	return 0;
}

void bench_noise_free(struct bench_noise *nz)
{
	if (nz->map)
		munmap(nz->map, nz->map_len);
	memset(nz, 0, sizeof(*nz));
}

const struct bench_noise_cpu *bench_noise_find(const struct bench_noise *nz, int cpu)
{
	for (unsigned i = 0; i < nz->n; i++)
		if (nz->cpu[i].cpu == cpu && nz->cpu[i].ok)
			return &nz->cpu[i];
	return NULL;
}

double bench_noise_away_pct(const struct bench_noise_cpu *c)
{
	int64_t span = c->end_ns - c->start_ns;
	return span > 0 ? 100.0 * (double)c->away_ns / (double)span : 0.0;
}

/* When the CPU traced by c is back at or after t: t itself unless t falls in
 * a stall. *k walks c->trace forward (the callers ask in time order). */
static int64_t bench_noise_back_at(const struct bench_noise_cpu *c, uint64_t *k, int64_t t)
{
	if (!c)
		return t;
	while (*k < c->kept && c->trace[*k].at_ns + c->trace[*k].len_ns <= t)
		(*k)++;
	if (*k < c->kept && c->trace[*k].at_ns < t)
		return c->trace[*k].at_ns + c->trace[*k].len_ns;
	return t;
}

uint64_t bench_noise_floor(const struct bench_noise_cpu *pub, const struct bench_noise_cpu *sub,
			   uint64_t rate, struct bench_hist *out)
{
	if (!sub || rate == 0)
		return 0;
	int64_t start = sub->start_ns, end = sub->end_ns;
	if (pub) {
		if (pub->start_ns > start)
			start = pub->start_ns;
		if (pub->end_ns < end)
			end = pub->end_ns;
	}
	uint64_t kp = 0, ks = 0, i = 0;
	for (;; i++) {
		/* exact integer schedule, as the publisher's (run.c) */
		int64_t due = start + (int64_t)((i / rate) * 1000000000ull +
						((i % rate) * 1000000000ull) / rate);
		if (due >= end)
			break;
		int64_t sent = bench_noise_back_at(pub, &kp, due);
		int64_t read = bench_noise_back_at(sub, &ks, sent);
		bench_hist_record(out, (uint64_t)(read - sent));
	}
	return i;
}

double bench_noise_shared_pct(const struct bench_noise_cpu *a, const struct bench_noise_cpu *b)
{
	int64_t both = 0, total = 0;
	uint64_t k = 0;
	for (uint64_t i = 0; i < a->kept; i++) {
		int64_t s = a->trace[i].at_ns, e = s + a->trace[i].len_ns;
		total += e - s;
		while (k < b->kept && b->trace[k].at_ns + b->trace[k].len_ns <= s)
			k++;
		/* b's stalls are disjoint and in order: walk those that overlap */
		for (uint64_t j = k; j < b->kept && b->trace[j].at_ns < e; j++) {
			int64_t lo = b->trace[j].at_ns > s ? b->trace[j].at_ns : s;
			int64_t hi = b->trace[j].at_ns + b->trace[j].len_ns;
			if (hi > e)
				hi = e;
			if (hi > lo)
				both += hi - lo;
		}
	}
	return total ? 100.0 * (double)both / (double)total : 0.0;
}
