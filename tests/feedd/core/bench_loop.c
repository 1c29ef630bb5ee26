/* SPDX-License-Identifier: MIT */
/*
 * bench_loop [MESSAGES [INTERVAL_US [ROUNDS]]] (4000, 500, 3): what each io_uring set-up
 * of feedd's loop (loop.h) costs and buys, side by side in one run.
 *
 * A writer thread sends an 8-byte CLOCK_MONOTONIC stamp over a UNIX stream
 * socket every INTERVAL_US (default 500); the loop thread receives it with
 * one IORING_OP_RECV per message, as a session does, and records
 * now - stamp: the wake-up latency from "bytes in the socket" to "the loop
 * holds them". Per set-up it prints that latency's p50/p99/max, the CPU
 * per message of the process less the writer thread (the loop thread plus
 * SQPOLL's kernel thread, which is one of the process's tasks) and the
 * loop thread's voluntary context switches per message. Rounds interleave the set-ups so a noisy
 * neighbour hits them alike; the summary is the median over rounds.
 * The multishot rows are the provided-buffer-ring experiment: one
 * multishot recv stays armed and each completion names a kernel-chosen
 * buffer, instead of one recv SQE per message.
 * With two or more CPUs the writer runs on the first one the process may
 * use and the loop is pinned to the next (the `cpu` option).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define MAX_ROUNDS 15

struct bench_setup {
	const char *name;
	unsigned deny; /* loop features left out */
	int busy, sqpoll;
	int pin;       /* the loop (and SQPOLL's thread) on the loop CPU */
	int multishot; /* one multishot recv into a provided buffer ring */
	int fixed;     /* the socket as a registered file (IOSQE_FIXED_FILE) */
};

static const unsigned deny_all = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
				 IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
				 FEED_LOOP_DENY_RING_FD;

static const struct bench_setup setups[] = {
	{"plain (none)", deny_all, 0, 0, 1, 0, 0},
	{"plain multishot+bufring", deny_all, 0, 0, 1, 1, 0},
	{"ring_fd", deny_all & ~FEED_LOOP_DENY_RING_FD, 0, 0, 1, 0, 0},
	{"coop_taskrun+ring_fd", IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER, 0, 0, 1,
	 0, 0},
	{"defer_taskrun+ring_fd", 0, 0, 0, 1, 0, 0},
	{"defer multishot+bufring", 0, 0, 0, 1, 1, 0},
	{"defer_taskrun+ring_fd+fixed", 0, 0, 0, 1, 0, 1},
	{"plain fixed_file", deny_all, 0, 0, 1, 0, 1},
	{"defer_taskrun idle=busy", 0, 1, 0, 1, 0, 0},
	{"sqpoll (same cpu)", 0, 0, 1, 1, 0, 0},
	/* Not pinned: feedd refuses sqpoll + busy + cpu (two spinners, one CPU).
	 * With the writer that is three spinning threads: run only with 3 CPUs. */
	{"sqpoll idle=busy (no cpu)", 0, 1, 1, 0, 0, 0},
};
#define NSETUPS (sizeof(setups) / sizeof(setups[0]))

struct bench_writer {
	int fd, cpu;
	unsigned n, interval_us;
	int64_t cpu_ns; /* the writer thread's CPU time (out) */
};

struct bench_result {
	double p50, p99, max, cpu_ns, vcsw;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void bench_pin(int cpu)
{
	cpu_set_t s;

	if (cpu < 0)
		return;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static int64_t thread_cpu_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sends a stamp every interval: asleep until the next one is due (the
 * stamp is read after the wake-up, right before the send, so the writer's
 * own wake-up delay is not counted against the loop). */
static void *bench_write(void *arg)
{
	struct bench_writer *w = arg;
	struct timespec due;
	int64_t c0, next = feed_now_ns() + 2000000;

	bench_pin(w->cpu);
	c0 = thread_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	for (unsigned i = 0; i < w->n; i++) {
		int64_t now;

		due.tv_sec = next / 1000000000;
		due.tv_nsec = next % 1000000000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
			;
		now = feed_now_ns();
		if (send(w->fd, &now, sizeof(now), 0) != (ssize_t)sizeof(now))
			break;
		next += (int64_t)w->interval_us * 1000;
		if (next < now)
			next = now; /* fell behind: no burst to catch up */
	}
	w->cpu_ns = thread_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

/* Receives n stamps through the loop; lat[] gets now - stamp. fixed: fd is
 * an index into the ring's registered files. */
static int bench_recv(struct feed_loop *l, int fd, int fixed, unsigned n, int64_t *lat)
{
	int64_t stamp;
	unsigned got = 0;
	size_t have = 0;

	while (got < n) {
		struct io_uring_sqe *sqe = feed_loop_sqe(l);
		struct io_uring_cqe *cqe;
		int res;

		if (!sqe)
			return -EBUSY;
		io_uring_prep_recv(sqe, fd, (char *)&stamp + have, sizeof(stamp) - have, 0);
		if (fixed)
			sqe->flags |= IOSQE_FIXED_FILE;
		io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_RECV, 0, 0));
		do {
			if (feed_loop_wait(l) < 0)
				return -EIO;
		} while (io_uring_peek_cqe(&l->ring, &cqe) != 0);
		res = cqe->res;
		io_uring_cqe_seen(&l->ring, cqe);
		if (res <= 0)
			return res < 0 ? res : -EPIPE;
		have += (size_t)res;
		if (have == sizeof(stamp)) {
			lat[got++] = feed_now_ns() - stamp;
			have = 0;
		}
	}
	return 0;
}

/* The multishot experiment: a provided buffer ring (built by hand, as
 * liburing 2.3 has no io_uring_setup_buf_ring) of BR_N buffers. */
#define BR_N	64u
#define BR_LEN	256u
#define BR_BGID 7

struct bench_br {
	struct io_uring_buf_ring *br;
	uint8_t *bufs;
	size_t map_len;
};

static int bench_br_init(struct feed_loop *l, struct bench_br *b)
{
	struct io_uring_buf_reg reg;

	b->map_len = BR_N * sizeof(struct io_uring_buf);
	b->br = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (b->br == MAP_FAILED)
		return -errno;
	b->bufs = malloc((size_t)BR_N * BR_LEN);
	if (!b->bufs)
		return -ENOMEM;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uint64_t)(uintptr_t)b->br;
	reg.ring_entries = BR_N;
	reg.bgid = BR_BGID;
	io_uring_buf_ring_init(b->br);
	for (unsigned i = 0; i < BR_N; i++)
		io_uring_buf_ring_add(b->br, b->bufs + (size_t)i * BR_LEN, BR_LEN,
				      (unsigned short)i, io_uring_buf_ring_mask(BR_N), (int)i);
	io_uring_buf_ring_advance(b->br, (int)BR_N);
	return io_uring_register_buf_ring(&l->ring, &reg, 0);
}

static void bench_br_free(struct bench_br *b)
{
	if (b->br && b->br != MAP_FAILED)
		munmap(b->br, b->map_len);
	free(b->bufs);
}

static int bench_arm_multishot(struct feed_loop *l, int fd)
{
	struct io_uring_sqe *sqe = feed_loop_sqe(l);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BR_BGID;
	io_uring_sqe_set_data64(sqe, feed_ud_make(FEED_OP_RECV, 0, 0));
	return 0;
}

/* Long: the multishot twin of bench_recv: one recv armed, completions
 * carry a buffer id, the buffer goes back to the ring once copied out. */
static int bench_recv_multishot(struct feed_loop *l, int fd, unsigned n, int64_t *lat)
{
	struct bench_br b = {0};
	uint8_t part[sizeof(int64_t)];
	unsigned got = 0;
	size_t have = 0;
	int rc = bench_br_init(l, &b);

	if (rc == 0)
		rc = bench_arm_multishot(l, fd);
	while (rc == 0 && b.bufs && got < n) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;

		if (feed_loop_wait(l) < 0) {
			rc = -EIO;
			break;
		}
		io_uring_for_each_cqe(&l->ring, head, cqe)
		{
			unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
			int res = cqe->res;

			seen++;
			if (res <= 0 && res != -ENOBUFS) {
				rc = res < 0 ? res : -EPIPE;
				break;
			}
			for (int k = 0; res > 0 && k < res; k++) {
				part[have++] = b.bufs[(size_t)bid * BR_LEN + (size_t)k];
				if (have == sizeof(part) && got < n) {
					int64_t stamp;

					memcpy(&stamp, part, sizeof(stamp));
					lat[got++] = feed_now_ns() - stamp;
					have = 0;
				}
			}
			if (cqe->flags & IORING_CQE_F_BUFFER) {
				io_uring_buf_ring_add(b.br, b.bufs + (size_t)bid * BR_LEN, BR_LEN,
						      (unsigned short)bid,
						      io_uring_buf_ring_mask(BR_N), 0);
				io_uring_buf_ring_advance(b.br, 1);
			}
			/* Ended (out of buffers, or the kernel's choice): armed again. */
			if (!(cqe->flags & IORING_CQE_F_MORE) && got < n)
				rc = bench_arm_multishot(l, fd);
		}
		io_uring_cq_advance(&l->ring, seen);
	}
	bench_br_free(&b);
	return rc;
}

/* Long: one measured run: socket pair, writer thread, loop, statistics. */
static int bench_one(const struct bench_setup *s, int loop_cpu, int writer_cpu, unsigned n,
		     unsigned interval_us, int64_t *lat, struct bench_result *r)
{
	struct feed_loop_opts o = {.entries = 64, .cpu = s->pin ? loop_cpu : -1};
	struct bench_writer w = {.cpu = writer_cpu, .n = n, .interval_us = interval_us};
	struct feed_loop l;
	struct rusage ru0, ru1;
	pthread_t th;
	int sv[2], rc;
	int64_t c0;

	o.deny = s->deny;
	o.busy = s->busy;
	o.sqpoll = s->sqpoll;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -errno;
	rc = feed_loop_init_opts(&l, &o);
	if (rc < 0) {
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	w.fd = sv[1];
	if (s->fixed && (rc = io_uring_register_files(&l.ring, &sv[0], 1)) < 0) {
		feed_loop_free(&l);
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	getrusage(RUSAGE_THREAD, &ru0);
	/* The whole process (the loop, SQPOLL's thread, io-wq) less the writer. */
	c0 = thread_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (pthread_create(&th, NULL, bench_write, &w) != 0) {
		rc = -EAGAIN;
	} else {
		rc = s->multishot ? bench_recv_multishot(&l, sv[0], n, lat)
				  : bench_recv(&l, s->fixed ? 0 : sv[0], s->fixed, n, lat);
		getrusage(RUSAGE_THREAD, &ru1);
		pthread_join(th, NULL);
		r->cpu_ns = (double)(thread_cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - c0 - w.cpu_ns) / n;
	}
	feed_loop_free(&l);
	close(sv[0]);
	close(sv[1]);
	if (rc < 0)
		return rc;
	r->vcsw = (double)(ru1.ru_nvcsw - ru0.ru_nvcsw) / n;
	qsort(lat, n, sizeof(*lat), cmp_i64);
	{
		size_t i50 = n / 2, i99 = (size_t)n * 99 / 100;

		r->p50 = (double)lat[i50];
		r->p99 = (double)lat[i99];
		r->max = (double)lat[n - 1];
	}
	return 0;
}

/* SQPOLL + busy beside the spinning writer: three threads that never
 * sleep; on fewer CPUs they take turns by time slice (milliseconds). */
static int bench_skip(const struct bench_setup *s)
{
	cpu_set_t set;

	return s->sqpoll && s->busy && sched_getaffinity(0, sizeof(set), &set) == 0 &&
	       CPU_COUNT(&set) < 3;
}

static double median_of(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Two CPUs this process may use: the writer's and the loop's (-1: none). */
static void bench_cpus(int *writer, int *loop)
{
	cpu_set_t s;

	*writer = *loop = -1;
	if (sched_getaffinity(0, sizeof(s), &s) < 0 || CPU_COUNT(&s) < 2)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &s))
			continue;
		if (*writer < 0) {
			*writer = c;
		} else {
			*loop = c;
			return;
		}
	}
}

/* Long: the table: rounds x set-ups, then medians per set-up. */
int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 4000;
	unsigned interval = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 500;
	unsigned rounds = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 3;
	static struct bench_result res[NSETUPS][MAX_ROUNDS];
	int wcpu, lcpu;
	int64_t *lat;

	if (n < 100 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench_loop [MESSAGES>=100 [INTERVAL_US [ROUNDS<=%d]]]\n",
			MAX_ROUNDS);
		return 2;
	}
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		return 1;
	bench_cpus(&wcpu, &lcpu);
	printf("bench_loop: %u messages every %u us, %u rounds, writer cpu %d, loop cpu %d\n", n,
	       interval, rounds, wcpu, lcpu);
	for (unsigned k = 0; k < rounds; k++) {
		for (unsigned i = 0; i < NSETUPS; i++) {
			int rc = bench_skip(&setups[i]) ? 0
							: bench_one(&setups[i], lcpu, wcpu, n,
								    interval, lat, &res[i][k]);

			if (rc < 0) {
				fprintf(stderr, "bench_loop: %s: %s\n", setups[i].name,
					strerror(-rc));
				free(lat);
				return 1;
			}
		}
	}
	printf("%-26s %10s %10s %10s %12s %10s\n", "set-up (median of rounds)", "p50 ns", "p99 ns",
	       "max ns", "cpu ns/msg", "vcsw/msg");
	for (unsigned i = 0; i < NSETUPS; i++) {
		double v[5][MAX_ROUNDS];

		if (bench_skip(&setups[i])) {
			printf("%-26s skipped: three spinning threads need 3 CPUs\n",
			       setups[i].name);
			continue;
		}
		for (unsigned k = 0; k < rounds; k++) {
			v[0][k] = res[i][k].p50;
			v[1][k] = res[i][k].p99;
			v[2][k] = res[i][k].max;
			v[3][k] = res[i][k].cpu_ns;
			v[4][k] = res[i][k].vcsw;
		}
		printf("%-26s %10.0f %10.0f %10.0f %12.0f %10.2f\n", setups[i].name,
		       median_of(v[0], rounds), median_of(v[1], rounds), median_of(v[2], rounds),
		       median_of(v[3], rounds), median_of(v[4], rounds));
	}
	free(lat);
	return 0;
}
