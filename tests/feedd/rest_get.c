/* SPDX-License-Identifier: MIT */
/*
 * rest_get.c: a loop and one REST client (feedd/rest.h) doing GETs, for
 * test_rest.py. All paths are queued at once (FIFO, one connection);
 * one line per answer on stdout:
 *
 *   PATH status=200 len=N weight=W retry=R close=C body=FIRST_BYTES
 *   PATH err=-110 reason
 *
 * then "connects=N reused=N requests=N errors=N timeouts=N" and, after the
 * shutdown, "fds_leaked=N" (descriptors open now minus at start).
 *
 * rest_get [-k] [-t TIMEOUT_MS] [-m BODY_MAX] -c CA HOST PORT PATH...
 *   -k  plain http (no TLS)
 */
#include "loop.h"
#include "resolve.h"
#include "rest.h"
#include "tls.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int answered;

struct get {
	struct feed_rest *r;
	const char *path;
};

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
	return n - 1; /* the directory's own */
}

static void on_answer(void *ud, int err, const struct feed_http_resp *resp)
{
	struct get *g = ud;

	answered++;
	printf("%s ", g->path);
	if (err) {
		printf("err=%d %s\n", err, feed_rest_error(g->r));
	} else {
		int n = resp->body_len > 40 ? 40 : (int)resp->body_len;
		printf("status=%d len=%zu weight=%lld retry=%lld close=%d body=%.*s\n",
		       resp->status, resp->body_len, (long long)resp->weight,
		       (long long)resp->retry_after_s, resp->close, n, (const char *)resp->body);
	}
	fflush(stdout);
}

static void reap(struct feed_loop *l, struct feed_rest *r)
{
	struct io_uring_cqe *cqe;
	unsigned head, count = 0;
	int64_t now = feed_now_ns();

	io_uring_for_each_cqe(&l->ring, head, cqe)
	{
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		unsigned op = feed_ud_op(ud);

		count++;
		if (op == FEED_OP_TIMER)
			feed_loop_on_timer(l, ud);
		else if (feed_ud_index(ud) == r->index &&
			 (op == FEED_OP_REST_CONNECT || op == FEED_OP_REST_RECV ||
			  op == FEED_OP_REST_SEND || op == FEED_OP_DNS_POLL))
			feed_rest_on_cqe(r, ud, cqe->res, now);
	}
	io_uring_cq_advance(&l->ring, count);
}

static int run(struct feed_loop *l, struct feed_rest *r, int want, int64_t until)
{
	while (answered < want || (want < 0 && !feed_rest_idle(r))) {
		int64_t now = feed_now_ns(), dl = feed_rest_deadline(r, now);

		if (now > until)
			return -ETIMEDOUT;
		if (dl && dl <= now) {
			feed_rest_on_timer(r, now);
			continue;
		}
		if (!dl || dl > until)
			dl = until;
		if (feed_loop_set_timer(l, dl) < 0 || feed_loop_wait(l) < 0)
			return -EIO;
		reap(l, r);
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct feed_rest_cfg *cfg, const char **ca)
{
	int opt;

	while ((opt = getopt(argc, argv, "kt:m:c:")) != -1) {
		if (opt == 'k')
			cfg->tls = 0;
		else if (opt == 't')
			cfg->timeout_ms = strtoll(optarg, NULL, 10);
		else if (opt == 'm')
			cfg->body_max = (size_t)strtoull(optarg, NULL, 10);
		else if (opt == 'c')
			*ca = optarg;
		else
			return -EINVAL;
	}
	return argc - optind < 3 ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	struct feed_rest_cfg cfg = {.tls = 1,
				    .verify = 1,
				    .body_max = 1 << 20,
				    .weight_hdr = "X-MBX-USED-WEIGHT-1M",
				    .queue_cap = 64,
				    .timeout_ms = 5000,
				    .deadline_ms = 60000};
	const char *ca = NULL;
	struct feed_loop loop;
	struct feed_rest r;
	SSL_CTX *ctx = NULL;
	char err[256];
	struct get *gets;
	int fds0, rc, n;

	if (parse_opts(argc, argv, &cfg, &ca) < 0)
		return 2;
	fds0 = count_fds();
	cfg.host = argv[optind];
	cfg.port = (uint16_t)strtoul(argv[optind + 1], NULL, 10);
	if (cfg.tls && feed_tls_ctx_new(&ctx, ca, 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "tls ctx: %s\n", err);
		return 1;
	}
	cfg.ssl_ctx = ctx;
	if (feed_resolve_library_init() < 0 || feed_loop_init(&loop, 64, NULL) < 0 ||
	    feed_rest_init(&r, &loop, FEED_UD_REST_BASE, &cfg) < 0)
		return 1;
	n = argc - optind - 2;
	gets = calloc((size_t)n, sizeof(*gets));
	for (int i = 0; gets && i < n; i++) {
		gets[i] = (struct get){&r, argv[optind + 2 + i]};
		if (feed_rest_get(&r, gets[i].path, on_answer, &gets[i], feed_now_ns()) < 0)
			return 1;
	}
	rc = run(&loop, &r, n, feed_now_ns() + INT64_C(60000000000));
	printf("connects=%llu reused=%llu requests=%llu errors=%llu timeouts=%llu\n",
	       (unsigned long long)r.st.connects, (unsigned long long)r.st.reused,
	       (unsigned long long)r.st.requests, (unsigned long long)r.st.errors,
	       (unsigned long long)r.st.timeouts);
	feed_rest_shutdown(&r);
	if (run(&loop, &r, -1, feed_now_ns() + INT64_C(5000000000)) < 0)
		rc = -1;
	feed_rest_free(&r);
	feed_loop_free(&loop);
	SSL_CTX_free(ctx);
	feed_resolve_library_cleanup();
	free(gets);
	printf("fds_leaked=%d\n", count_fds() - fds0);
	return rc < 0 ? 1 : 0;
}
