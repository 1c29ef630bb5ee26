/* SPDX-License-Identifier: MIT */
/*
 * noise.c: the machine-noise probe and the ideal-transport floor (see
 * noise.h). Each probe process touches its whole trace before the start
 * barrier, so no page fault lands in the probed span.
 */
#include "noise.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { NZ_READY, NZ_GO }; /* where the probe processes meet */

#define BENCH_NOISE_TRACE (BENCH_NOISE_MAX_STALLS * sizeof(struct bench_stall))

/* The recorders, rounded up to a cache line: the traces follow. */
static size_t bench_noise_head(unsigned n)
{
	return (n * sizeof(struct bench_noise_cpu) + 63) & ~(size_t)63;
}

size_t bench_noise_size(unsigned n)
{
	return bench_noise_head(n) + n * BENCH_NOISE_TRACE;
}

struct bench_noise_cpu *bench_noise_place(void *mem, unsigned n)
{
	struct bench_noise_cpu *c = mem;
	for (unsigned i = 0; i < n; i++) /* each process touches only its own trace */
		c[i].trace = (struct bench_stall *)((char *)mem + bench_noise_head(n) +
						    i * BENCH_NOISE_TRACE);
	return c;
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

static int bench_noise_child(struct bench_proc *p, unsigned idx, int pin_rc)
{
	struct bench_noise *nz = p->arg;
	struct bench_noise_cpu *c = &nz->cpu[idx];
	if (pin_rc < 0)
		snprintf(c->err, sizeof(c->err), "pin to cpu %d: %s", c->cpu, strerror(-pin_rc));
	bench_noise_begin(c, 0);
	bench_proc_arrive(p, NZ_READY); /* the parent starts us all at once */
	while (!bench_proc_count(p, NZ_GO))
		;
	if (pin_rc < 0)
		return 1;
	const int64_t start = bench_now_ns(), end = start + nz->duration_ns;
	int64_t prev = start;
	c->start_ns = start;
	while (prev < end)
		bench_noise_note(c, BENCH_NOISE_MIN_NS, &prev, bench_now_ns());
	bench_noise_end(c, prev);
	return 0;
}

int bench_noise_probe(const int *cpus, unsigned ncpus, int64_t duration_ns, struct bench_noise *out)
{
	struct bench_proc *p = &out->proc;
	unsigned n = 0;
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < ncpus && n < BENCH_NOISE_MAX_CPUS; i++) { /* distinct CPUs */
		unsigned k = 0;
		while (k < n && p->cpu[k] != cpus[i])
			k++;
		if (k == n)
			p->cpu[n++] = cpus[i];
	}
	int rc = n && duration_ns > 0 ? bench_proc_map(p, bench_noise_size(n)) : -EINVAL;
	if (rc < 0)
		return rc;
	out->n = p->n = n;
	out->cpu = bench_noise_place(p->shared, n);
	out->duration_ns = duration_ns;
	p->child = bench_noise_child;
	p->arg = out;
	p->timeout_ns = duration_ns + 20LL * 1000000000;
	for (unsigned i = 0; i < n; i++) {
		out->cpu[i].cpu = p->cpu[i];
		snprintf(out->cpu[i].err, sizeof(out->cpu[i].err), "probe process died");
	}
	rc = bench_proc_start(p);
	/* a child that died early never arrives: the wait is bounded */
	int64_t deadline = bench_now_ns() + 10LL * 1000000000;
	while (rc == 0 && bench_proc_count(p, NZ_READY) < p->forked && bench_now_ns() < deadline)
		usleep(1000);
	bench_proc_arrive(p, NZ_GO); /* they start within a cache-line move */
	p->quiet_ns = duration_ns;   /* no parent wakeups on the probed CPUs */
	bench_proc_wait(p);
	for (unsigned i = 0; i < n; i++)
		if (out->cpu[i].ok)
			out->cpu[i].err[0] = '\0';
	if (rc < 0)
		bench_noise_free(out);
	return rc;
}

void bench_noise_free(struct bench_noise *nz)
{
	bench_proc_unmap(&nz->proc);
	memset(nz, 0, sizeof(*nz));
}

double bench_noise_away_pct(const struct bench_noise_cpu *c)
{
	int64_t span = c->end_ns - c->start_ns;
	return span > 0 ? 100.0 * (double)c->away_ns / (double)span : 0.0;
}

/* When c's CPU is back at or after t: t unless t falls in a stall. *k walks
 * the trace forward (the callers ask in time order). */
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
	if (pub && pub->start_ns > start)
		start = pub->start_ns;
	if (pub && pub->end_ns < end)
		end = pub->end_ns;
	uint64_t kp = 0, ks = 0, i = 0;
	for (;; i++) {
		int64_t due = bench_due(start, i, rate); /* the publisher's schedule */
		if (due >= end)
			break;
		int64_t sent = bench_noise_back_at(pub, &kp, due);
		bench_hist_record(out, (uint64_t)(bench_noise_back_at(sub, &ks, sent) - sent));
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
			both += (hi > e ? e : hi) > lo ? (hi > e ? e : hi) - lo : 0;
		}
	}
	return total ? 100.0 * (double)both / (double)total : 0.0;
}
