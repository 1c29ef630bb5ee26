/* SPDX-License-Identifier: MIT */
/*
 * core_loop_cq: the loop's completion queue holds every op in flight. A
 * ring asked for 16384 ops gets at most FEED_LOOP_SQ_MAX submission entries
 * and at least 16384 completion entries; 12,000 operations submitted
 * through feed_loop_sqe (which submits when the SQ fills) before any is
 * reaped all complete, none through the kernel's overflow list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "loop.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define INFLIGHT 12000u

int main(void)
{
	struct io_uring_cqe *cqe;
	struct feed_loop l;
	unsigned head, n = 0, seen = 0;
	int rc = feed_loop_init(&l, 16384, NULL);

	if (rc == -ENOSYS || rc == -EPERM) {
		printf("core_loop_cq: io_uring unavailable (%d): skip\n", rc);
		return 77;
	}
	CHECK(rc == 0);
	printf("core_loop_cq: SQ %u, CQ %u entries\n", l.ring.sq.ring_entries,
	       l.ring.cq.ring_entries);
	CHECK(l.ring.sq.ring_entries <= FEED_LOOP_SQ_MAX);
	CHECK(l.ring.cq.ring_entries >= 16384);
	for (unsigned i = 0; i < INFLIGHT; i++) {
		struct io_uring_sqe *sqe = feed_loop_sqe(&l);

		CHECK(sqe != NULL);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, i);
	}
	CHECK(io_uring_submit(&l.ring) >= 0);
	CHECK(!(IO_URING_READ_ONCE(*l.ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW));
	CHECK(io_uring_cq_ready(&l.ring) == INFLIGHT);
	io_uring_for_each_cqe(&l.ring, head, cqe)
	{
		CHECK(cqe->res == 0 && cqe->user_data == seen);
		seen++;
		n++;
	}
	io_uring_cq_advance(&l.ring, n);
	CHECK(seen == INFLIGHT);
	feed_loop_free(&l);
	printf("core_loop_cq: %u completions, none overflowed\n", seen);
	return 0;
}
