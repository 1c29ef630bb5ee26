/* SPDX-License-Identifier: MIT */
/*
 * noise.h: how often the machine takes a CPU away from a spinning process,
 * and the latency floor that implies for any transport.
 *
 * A probe pins one spinning process per CPU (all at once, as a benchmark
 * run keeps its publisher and consumers spinning) and records every gap
 * between two consecutive clock reads longer than BENCH_NOISE_MIN_NS: a
 * stall, when something else ran there (an interrupt, another task, or the
 * hypervisor, which the guest cannot see at all). From the publisher CPU's
 * and a consumer CPU's stalls, bench_noise_floor() replays the run's
 * schedule through an ideal transport, one that hands a tick over in zero
 * time, and gives its latency histogram: no real transport can beat it on
 * the same CPUs while the machine behaves as it did during the probe.
 */
#ifndef BENCH_NOISE_H
#define BENCH_NOISE_H

#include <stdint.h>
#include <string.h>

#include "hist.h"
#include "proc.h"

#define BENCH_NOISE_MIN_NS     200	  /* a shorter gap is just a slow loop turn */
#define BENCH_NOISE_MAX_STALLS (1u << 18) /* per CPU; more are counted, not kept */
#define BENCH_NOISE_MAX_CPUS   65	  /* publisher + BENCH_MAX_CONSUMERS */

/* The CPU did not run the probe between at_ns and at_ns + len_ns. */
struct bench_stall {
	int64_t at_ns;
	int64_t len_ns;
};

/* What one probe process saw on its CPU. */
struct bench_noise_cpu {
	int cpu;		   /* the CPU it was pinned to */
	int ok;			   /* 1 when the probe ran */
	char err[120];		   /* why not */
	int64_t start_ns;	   /* the probed span, CLOCK_MONOTONIC */
	int64_t end_ns;		   /* (the same clock as the benchmark's stamps) */
	uint64_t stalls;	   /* every stall seen */
	uint64_t kept;		   /* stalls[] entries: min(stalls, BENCH_NOISE_MAX_STALLS) */
	int64_t away_ns;	   /* the sum of every stall */
	int64_t longest_ns;	   /* the longest stall */
	struct bench_hist len;	   /* stall lengths, ns */
	struct bench_stall *trace; /* kept stalls in time order (probe-owned memory) */
};

/* Notes the gap from *prev to now in c when it is longer than min_ns (a
 * stall), then moves *prev to now. Inline: the benchmark's publisher and
 * consumer call it on every clock read of a traced run (unless --no-stalls). */
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

/* Readies c to record from start_ns on: empties it and touches its whole
 * trace (a page's first touch is itself a stall). */
void bench_noise_begin(struct bench_noise_cpu *c, int64_t start_ns);

/* Closes c's span at end_ns. */
void bench_noise_end(struct bench_noise_cpu *c, int64_t end_ns);

/* A probe of several CPUs at once. */
struct bench_noise {
	unsigned n;		     /* distinct CPUs probed */
	struct bench_noise_cpu *cpu; /* n entries, shared with the children */
	int64_t duration_ns;
	struct bench_proc proc; /* the probe processes and their mapping */
};

/*
 * Spins one pinned process on each distinct CPU of cpus[0..ncpus) for
 * duration_ns, all at the same time. Returns 0 (per-CPU failures are in
 * cpu[i].ok/err) or -errno. Free with bench_noise_free().
 */
int bench_noise_probe(const int *cpus, unsigned ncpus, int64_t duration_ns,
		      struct bench_noise *out);
void bench_noise_free(struct bench_noise *nz);

/* The probe entry of CPU cpu, or NULL. */
const struct bench_noise_cpu *bench_noise_find(const struct bench_noise *nz, int cpu);

/* Share of the probed time the CPU was away, in percent. */
double bench_noise_away_pct(const struct bench_noise_cpu *c);

/* Share of a's stall time during which b was away too, in percent: stalls
 * of the whole VM hit both CPUs at once. */
double bench_noise_shared_pct(const struct bench_noise_cpu *a, const struct bench_noise_cpu *b);

/*
 * The ideal transport: tick i is due at pub->start_ns + i/rate (rate > 0).
 * The publisher sends it when its CPU is back if due falls in a stall of
 * pub; the consumer reads it at once unless that instant falls in a stall of
 * sub, and then when sub comes back. Adds every tick's latency (0 when
 * neither CPU was away) into out, over the span both probes cover. pub may
 * be NULL (a publisher that is never away). Returns the ticks replayed.
 */
uint64_t bench_noise_floor(const struct bench_noise_cpu *pub, const struct bench_noise_cpu *sub,
			   uint64_t rate, struct bench_hist *out);

#endif /* BENCH_NOISE_H */
