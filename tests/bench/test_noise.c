/* SPDX-License-Identifier: MIT */
/*
 * test_noise.c: the ideal-transport floor replayed over hand-made stall
 * traces whose latencies can be worked out on paper, then one real probe
 * of this machine checked for consistency (not for speed).
 */
#include "noise.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define NSTALL 100
static struct bench_stall pub_trace[NSTALL], sub_trace[NSTALL];

static void cpu_init(struct bench_noise_cpu *c, struct bench_stall *trace, uint64_t kept,
		     int64_t end_ns)
{
	memset(c, 0, sizeof(*c));
	c->ok = 1;
	c->start_ns = 0;
	c->end_ns = end_ns;
	c->trace = trace;
	c->kept = c->stalls = kept;
}

/* Consumer away 20 us of every 1 ms; ticks every 1 us at 1000*m ns; each
 * stall starts 500 ns after a tick, so the 20 ticks inside it wait 19.5,
 * 18.5, ... 0.5 us, and the rest wait 0. Over 100 periods: p99 is the
 * 99000th of 100000 values = the 10th nonzero value = 9.5 us. */
static void test_consumer_stalls(void)
{
	struct bench_noise_cpu sub;
	struct bench_hist h;
	for (int j = 0; j < NSTALL; j++)
		sub_trace[j] = (struct bench_stall){1000000LL * j + 500, 20000};
	cpu_init(&sub, sub_trace, NSTALL, 100000000);
	bench_hist_reset(&h);
	uint64_t n = bench_noise_floor(NULL, &sub, 1000000, &h);
	CHECK(n == 100000, "replayed %llu ticks, want 100000", (unsigned long long)n);
	CHECK(bench_hist_percentile(&h, 50) == 0, "p50 %llu, want 0",
	      (unsigned long long)bench_hist_percentile(&h, 50));
	uint64_t p99 = bench_hist_percentile(&h, 99);
	CHECK(p99 > 9500 * 0.99 && p99 < 9500 * 1.01, "p99 %llu, want 9500 +- 1%%",
	      (unsigned long long)p99);
	CHECK(h.max == 19500, "max %llu, want 19500", (unsigned long long)h.max);
	/* a ready figure the probe reports too */
	sub.away_ns = 20000LL * NSTALL;
	CHECK(bench_noise_away_pct(&sub) > 1.999 && bench_noise_away_pct(&sub) < 2.001,
	      "away %.3f%%, want 2%%", bench_noise_away_pct(&sub));
}

/* A publisher that is away only delays the send: the stamp is taken when it
 * sends, so an ideal transport still delivers in 0. The same stalls on both
 * CPUs at once (a host-wide pause) also cost nothing: both come back
 * together. */
static void test_publisher_and_shared_stalls(void)
{
	struct bench_noise_cpu pub, sub;
	struct bench_hist h;
	for (int j = 0; j < NSTALL; j++)
		pub_trace[j] = (struct bench_stall){1000000LL * j + 500, 50000};
	cpu_init(&pub, pub_trace, NSTALL, 100000000);
	cpu_init(&sub, sub_trace, 0, 100000000);
	bench_hist_reset(&h);
	bench_noise_floor(&pub, &sub, 1000000, &h);
	CHECK(h.count == 100000 && h.max == 0, "publisher stalls alone: count %llu max %llu",
	      (unsigned long long)h.count, (unsigned long long)h.max);

	memcpy(sub_trace, pub_trace, sizeof(sub_trace));
	cpu_init(&sub, sub_trace, NSTALL, 100000000);
	bench_hist_reset(&h);
	bench_noise_floor(&pub, &sub, 1000000, &h);
	CHECK(h.max == 0, "shared stalls: max %llu, want 0", (unsigned long long)h.max);
}

/* The consumer goes away 1 us before the publisher comes back from a 50 us
 * stall and stays away 6 us: the 50 ticks due during the publisher's stall
 * are all sent when it is back and all wait the same 5 us; the 5 ticks due
 * after that wait 4.5 .. 0.5 us. A replay that ignored the publisher would
 * not see the burst. */
static void test_burst_meets_consumer_stall(void)
{
	struct bench_noise_cpu pub, sub;
	struct bench_hist h;
	pub_trace[0] = (struct bench_stall){100500, 50000};	  /* back at 150500 */
	sub_trace[0] = (struct bench_stall){150500 - 1000, 6000}; /* back at 155500 */
	cpu_init(&pub, pub_trace, 1, 1000000);
	cpu_init(&sub, sub_trace, 1, 1000000);
	bench_hist_reset(&h);
	bench_noise_floor(&pub, &sub, 1000000, &h);
	CHECK(h.max == 5000, "max %llu, want 5000", (unsigned long long)h.max);
	uint64_t at5000 = h.counts[bench_hist_index(5000)];
	CHECK(at5000 == 50, "%llu ticks waited 5 us, want the 50 of the burst",
	      (unsigned long long)at5000);
	uint64_t nonzero = h.count - h.counts[0];
	CHECK(nonzero == 55, "%llu ticks waited, want 55", (unsigned long long)nonzero);
}

/* The recorder keeps gaps above the threshold, in order, and sums them. */
static void test_note_and_shared(void)
{
	struct bench_noise_cpu a, b;
	static struct bench_stall ta[BENCH_NOISE_MAX_STALLS], tb[BENCH_NOISE_MAX_STALLS];
	a.trace = ta;
	b.trace = tb;
	bench_noise_begin(&a, 0);
	bench_noise_begin(&b, 0);
	int64_t prev = 0;
	const int64_t reads[] = {100, 1100, 1150, 5150, 5200, 5300, 9300};
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		bench_noise_note(&a, 500, &prev, reads[i]);
	bench_noise_end(&a, 10000);
	CHECK(a.stalls == 3 && a.kept == 3, "stalls %llu, want 3", (unsigned long long)a.stalls);
	CHECK(ta[0].at_ns == 100 && ta[0].len_ns == 1000 && ta[1].at_ns == 1150 &&
		      ta[1].len_ns == 4000 && ta[2].at_ns == 5300 && ta[2].len_ns == 4000,
	      "trace [%lld+%lld, %lld+%lld, %lld+%lld]", (long long)ta[0].at_ns,
	      (long long)ta[0].len_ns, (long long)ta[1].at_ns, (long long)ta[1].len_ns,
	      (long long)ta[2].at_ns, (long long)ta[2].len_ns);
	CHECK(a.away_ns == 9000 && a.longest_ns == 4000 && a.len.count == 3,
	      "away %lld longest %lld", (long long)a.away_ns, (long long)a.longest_ns);
	CHECK(bench_noise_away_pct(&a) > 89.99 && bench_noise_away_pct(&a) < 90.01, "away %.2f%%",
	      bench_noise_away_pct(&a));
	/* b is away over [0, 2100) and [7300, 8300): of a's 9000 ns away,
	 * [100, 1100) and [1150, 2100) and [7300, 8300) are shared = 2950 */
	prev = 0;
	bench_noise_note(&b, 500, &prev, 2100);
	prev = 7300;
	bench_noise_note(&b, 500, &prev, 8300);
	bench_noise_end(&b, 10000);
	double sh = bench_noise_shared_pct(&a, &b);
	CHECK(sh > 100.0 * 2950 / 9000 - 0.01 && sh < 100.0 * 2950 / 9000 + 0.01,
	      "shared %.3f%%, want %.3f%%", sh, 100.0 * 2950 / 9000);
}

/* A real probe of CPU 0 for 100 ms: the figures must agree with each other. */
static void test_probe(void)
{
	struct bench_noise nz;
	int cpu = 0;
	int rc = bench_noise_probe(&cpu, 1, 100000000, &nz);
	CHECK(rc == 0, "probe: %d", rc);
	if (rc < 0)
		return;
	const struct bench_noise_cpu *c =
		nz.n == 1 && nz.cpu[0].cpu == 0 && nz.cpu[0].ok ? &nz.cpu[0] : NULL;
	CHECK(c != NULL, "no result for cpu 0: %s", nz.n ? nz.cpu[0].err : "none");
	if (c) {
		int64_t span = c->end_ns - c->start_ns;
		CHECK(span >= 100000000 && span < 2000000000, "span %lld ns", (long long)span);
		CHECK(c->len.count == c->stalls, "histogram %llu != stalls %llu",
		      (unsigned long long)c->len.count, (unsigned long long)c->stalls);
		CHECK(c->away_ns < span && c->longest_ns <= c->away_ns,
		      "away %lld longest %lld span %lld", (long long)c->away_ns,
		      (long long)c->longest_ns, (long long)span);
		int64_t sum = 0, prev = c->start_ns;
		int ordered = 1;
		for (uint64_t k = 0; k < c->kept; k++) {
			sum += c->trace[k].len_ns;
			if (c->trace[k].at_ns < prev || c->trace[k].len_ns <= BENCH_NOISE_MIN_NS)
				ordered = 0;
			prev = c->trace[k].at_ns + c->trace[k].len_ns;
		}
		CHECK(ordered, "trace not in time order or holds a gap <= %d ns",
		      BENCH_NOISE_MIN_NS);
		if (c->kept == c->stalls)
			CHECK(sum == c->away_ns, "trace sums to %lld, away %lld", (long long)sum,
			      (long long)c->away_ns);
		struct bench_hist h;
		bench_hist_reset(&h);
		uint64_t n = bench_noise_floor(NULL, c, 1000000, &h);
		CHECK(n > 0 && h.max <= (uint64_t)c->longest_ns, "floor max %llu > longest %lld",
		      (unsigned long long)h.max, (long long)c->longest_ns);
	}
	bench_noise_free(&nz);
	CHECK(nz.cpu == NULL && nz.proc.head == NULL, "not freed");
}

int main(void)
{
	test_consumer_stalls();
	test_publisher_and_shared_stalls();
	test_burst_meets_consumer_stall();
	test_note_and_shared();
	test_probe();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("noise floor: all checks passed\n");
	return 0;
}
