/* SPDX-License-Identifier: MIT */
/* core_resolve: numeric hosts skip c-ares; "localhost" resolves through
 * c-ares driven by the ring; a cancelled lookup never calls back; nothing
 * (fd, memory) is left behind. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "loop.h"
#include "resolve.h"

#define MS INT64_C(1000000)
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

struct answer {
	int calls;
	int err;
	struct sockaddr_storage ss;
	char why[160];
};

static void on_answer(void *ud, int err, const struct sockaddr *sa, socklen_t len,
		      const char *reason)
{
	struct answer *a = ud;

	a->calls++;
	a->err = err;
	if (sa && len <= sizeof(a->ss))
		memcpy(&a->ss, sa, len);
	snprintf(a->why, sizeof(a->why), "%s", reason ? reason : "");
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Runs the ring until the answer arrives or ms pass. */
static void drive(struct feed_loop *l, struct feed_resolve *r, struct answer *a, int64_t ms)
{
	int64_t end = feed_now_ns() + ms * MS;
	struct io_uring_cqe *cqe;

	while (!a->calls && feed_now_ns() < end) {
		int64_t dl = feed_resolve_deadline(r, feed_now_ns());

		feed_loop_set_timer(l, dl && dl < end ? dl : end);
		if (feed_loop_wait(l) < 0)
			return;
		while (io_uring_peek_cqe(&l->ring, &cqe) == 0) {
			uint64_t ud = io_uring_cqe_get_data64(cqe);
			int res = cqe->res;

			io_uring_cqe_seen(&l->ring, cqe);
			if (feed_ud_op(ud) == FEED_OP_DNS_POLL)
				feed_resolve_on_poll(r, ud, res);
			else if (feed_ud_op(ud) == FEED_OP_TIMER)
				feed_loop_on_timer(l, ud);
		}
		dl = feed_resolve_deadline(r, feed_now_ns());
		if (dl && feed_now_ns() >= dl)
			feed_resolve_on_timer(r);
	}
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	struct sockaddr_storage ss;
	struct feed_loop l;
	struct feed_resolve r;
	struct answer a;
	socklen_t len;
	int fds0, rc;

	/* Numeric parsing: v4, v6 with and without brackets, names rejected. */
	CHECK(feed_resolve_numeric("127.0.0.1", 443, &ss, &len) == 0);
	CHECK(ss.ss_family == AF_INET && len == sizeof(struct sockaddr_in));
	CHECK(ntohs(((struct sockaddr_in *)&ss)->sin_port) == 443);
	CHECK(feed_resolve_numeric("::1", 9443, &ss, &len) == 0 && ss.ss_family == AF_INET6);
	CHECK(feed_resolve_numeric("[::1]", 9443, &ss, &len) == 0 && ss.ss_family == AF_INET6);
	CHECK(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == 9443);
	CHECK(feed_resolve_numeric("localhost", 1, &ss, &len) == -EINVAL);
	CHECK(feed_resolve_numeric("1.2.3", 1, &ss, &len) == -EINVAL);

	fds0 = count_fds();
	CHECK(feed_resolve_library_init() == 0);
	rc = feed_loop_init(&l, 32, NULL);
	if (rc == -ENOSYS || rc == -EPERM) {
		printf("core_resolve: io_uring unavailable: skip\n");
		return 77;
	}
	CHECK(rc == 0);

	/* Numeric: answered synchronously, c-ares untouched. */
	memset(&a, 0, sizeof(a));
	feed_resolve_init(&r, &l, 5, on_answer, &a);
	CHECK(feed_resolve_start(&r, "127.0.0.1", 80) == 0);
	CHECK(a.calls == 1 && a.err == 0 && r.channel == NULL);
	CHECK(((struct sockaddr_in *)&a.ss)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));

	/* A name: c-ares (hosts file) through the ring. */
	memset(&a, 0, sizeof(a));
	CHECK(feed_resolve_start(&r, "localhost", 8080) == 0);
	drive(&l, &r, &a, 5000);
	CHECK(a.calls == 1);
	if (a.err != 0) {
		fprintf(stderr, "localhost: %s\n", a.why);
		return 1;
	}
	CHECK(a.ss.ss_family == AF_INET || a.ss.ss_family == AF_INET6);
	CHECK(ntohs(((struct sockaddr_in *)&a.ss)->sin_port) == 8080);
	CHECK(r.channel == NULL); /* released with its lookup (~80 KB each) */
	CHECK(feed_resolve_prepare(&r, "localhost") == 0 && r.channel == NULL);

	/* Cancelled lookup: never calls back, even if the ring runs on. */
	memset(&a, 0, sizeof(a));
	CHECK(feed_resolve_start(&r, "no-such-host.invalid", 1) == 0);
	if (a.calls == 0) {
		feed_resolve_cancel(&r);
		CHECK(!r.active);
		drive(&l, &r, &a, 300); /* nothing may come */
	}
	CHECK(a.calls == 0 || a.err != 0);

	feed_resolve_free(&r);
	feed_loop_free(&l);
	feed_resolve_library_cleanup();
	CHECK(count_fds() == fds0);
	printf("core_resolve: ok\n");
	return 0;
}
