/* SPDX-License-Identifier: MIT */
/*
 * noise.h: how often the machine takes a CPU away from a spinning process,
 * and the latency floor that implies. A recorder notes every gap between two
 * clock reads longer than a threshold: a stall (an interrupt, another task,
 * the hypervisor). bench_noise_floor() replays a schedule over a publisher's
 * and a consumer's stalls through a transport that costs nothing: no real
 * transport beats it on the same CPUs at that time.
 */
#ifndef BENCH_NOISE_H
#define BENCH_NOISE_H

#include <stdint.h>

#include "hist.h"
#include "proc.h"

#define BENCH_NOISE_MIN_NS     200	  /* a shorter gap is just a slow loop turn */
#define BENCH_NOISE_MAX_STALLS (1u << 18) /* per CPU; more are counted, not kept */
#define BENCH_NOISE_MAX_CPUS   65	  /* publisher + 64 consumers */

/* The CPU did not run the recorder between at_ns and at_ns + len_ns. */
struct bench_stall {
	int64_t at_ns, len_ns;
};

struct bench_noise_cpu {
	int cpu, ok;		   /* ok: the span was recorded to its end */
	char err[120];		   /* why not */
	int64_t start_ns, end_ns;  /* the recorded span, CLOCK_MONOTONIC */
	uint64_t stalls, kept;	   /* every stall seen; those in trace[] */
	int64_t away_ns;	   /* the sum of every stall */
	int64_t longest_ns;	   /* the longest stall */
	struct bench_hist len;	   /* stall lengths, ns */
	struct bench_stall *trace; /* kept stalls in time order (memory of the caller) */
};

/* Notes the gap from *prev to now if longer than min_ns; *prev = now. */
static inline void bench_noise_note(struct bench_noise_cpu *c, int64_t min_ns, int64_t *prev,
				    int64_t now)
{
	int64_t gap = now - *prev;
	if (gap > min_ns) {
		if (c->stalls < BENCH_NOISE_MAX_STALLS)
			c->trace[c->stalls] = (struct bench_stall){*prev, gap};
		c->stalls++;
		c->away_ns += gap;
		if (gap > c->longest_ns)
			c->longest_ns = gap;
		bench_hist_record(&c->len, (uint64_t)gap);
	}
	*prev = now;
}

/* Bytes of n recorders and their traces; the recorders placed in such memory. */
size_t bench_noise_size(unsigned n);
struct bench_noise_cpu *bench_noise_place(void *mem, unsigned n);

/* Empties c, touching its trace (a first touch is a stall); starts the span. */
void bench_noise_begin(struct bench_noise_cpu *c, int64_t start_ns);
/* Closes c's span at end_ns. */
void bench_noise_end(struct bench_noise_cpu *c, int64_t end_ns);

/* A probe of several CPUs at once. */
struct bench_noise {
	unsigned n;		     /* distinct CPUs probed */
	struct bench_noise_cpu *cpu; /* n entries, shared with the children */
	int64_t duration_ns;
	struct bench_proc proc;
};

/* A pinned spinning recorder on each distinct CPU of cpus for duration_ns:
 * 0 (failures in cpu[i].ok/err) or -errno. Free with bench_noise_free(). */
int bench_noise_probe(const int *cpus, unsigned ncpus, int64_t duration_ns,
		      struct bench_noise *out);
void bench_noise_free(struct bench_noise *nz);

/* Percent of the span c was away; of a's stall time that b was away too. */
double bench_noise_away_pct(const struct bench_noise_cpu *c);
double bench_noise_shared_pct(const struct bench_noise_cpu *a, const struct bench_noise_cpu *b);

/* Tick i due at start + i/rate over the span both cover is sent when pub
 * (NULL: never away) is back, read when sub is back: each latency into out.
 * Returns the ticks replayed. */
uint64_t bench_noise_floor(const struct bench_noise_cpu *pub, const struct bench_noise_cpu *sub,
			   uint64_t rate, struct bench_hist *out);

#endif /* BENCH_NOISE_H */
