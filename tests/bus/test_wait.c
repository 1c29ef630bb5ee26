/* SPDX-License-Identifier: MIT */
/* Blocking wait: immediate return with data, timeout, wake-up by a writer in
 * another process, and the end-of-segment errors (-ESHUTDOWN, -ESTALE). */
#include "helpers.h"

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "wait");
	pid_t pid = -1;
	int cmd = -1;
	CHECK_RC(th_spawn_writer(name, 64, 2, &pid, &cmd), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	struct mdbus_tick t;
	uint64_t seq;

	/* data already there: no sleep */
	int64_t t0 = th_now_ms();
	CHECK_RC(mdbus_reader_wait(r, 5000), 0);
	CHECK(th_now_ms() - t0 < 1000);
	CHECK_RC(mdbus_reader_read(r, (struct mdbus_tick[4]){0}, NULL, 4, NULL), 2);

	/* nothing: times out after about the timeout */
	t0 = th_now_ms();
	CHECK_RC(mdbus_reader_wait(r, 100), -ETIMEDOUT);
	int64_t dt = th_now_ms() - t0;
	CHECK(dt >= 90 && dt < 3000);
	CHECK_RC(mdbus_reader_wait(r, 0), -ETIMEDOUT);

	/* woken by the writer process: a helper process asks the writer to
	 * publish after 200 ms while we block with no timeout */
	pid_t poker = fork();
	CHECK(poker >= 0);
	if (poker == 0) {
		usleep(200 * 1000);
		_exit(write(cmd, "p", 1) == 1 ? 0 : 1);
	}
	t0 = th_now_ms();
	CHECK_RC(mdbus_reader_wait(r, -1), 0);
	dt = th_now_ms() - t0;
	CHECK(dt >= 150 && dt < 10000);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 1);
	CHECK(seq == 3 && th_tick_ok(&t, 3));
	int status;
	CHECK(waitpid(poker, &status, 0) == poker && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* several wake-ups in a row, each one seen */
	for (uint64_t i = 4; i <= 8; i++) {
		CHECK(write(cmd, "p", 1) == 1);
		CHECK_RC(mdbus_reader_wait(r, 5000), 0);
		/* the tick may not be complete yet if we woke on an earlier
		 * wake: wait until it is */
		int rc;
		while ((rc = mdbus_reader_next(r, &t, &seq, NULL)) == 0)
			CHECK_RC(mdbus_reader_wait(r, 5000), 0);
		CHECK_RC(rc, 1);
		CHECK(seq == i);
	}

	/* a clean close wakes a blocked reader with -ESHUTDOWN */
	pid_t closer = fork();
	CHECK(closer >= 0);
	if (closer == 0) {
		usleep(100 * 1000);
		close(cmd);
		_exit(0);
	}
	close(cmd);
	t0 = th_now_ms();
	CHECK_RC(mdbus_reader_wait(r, 10000), -ESHUTDOWN);
	CHECK(th_now_ms() - t0 < 9000);
	CHECK(waitpid(closer, &status, 0) == closer);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* a writer killed while a reader blocks: the new writer that takes
	 * over wakes the reader with -ESTALE (opened while we block) */
	CHECK_RC(th_spawn_writer(name, 64, 1, &pid, &cmd), 0);
	mdbus_reader *r2 = th_reader(name, MDBUS_START_LATEST);
	th_kill(pid, SIGKILL);
	close(cmd);
	pid_t w2 = fork();
	CHECK(w2 >= 0);
	if (w2 == 0) {
		usleep(100 * 1000);
		struct mdbus_writer_opts o = {.bus = name, .slots = 64};
		mdbus_writer *w = NULL;
		char err[256] = "";
		o.errbuf = err;
		o.errlen = sizeof(err);
		int rc = mdbus_writer_open(&w, &o);
		if (rc != 0) {
			fprintf(stderr, "takeover writer: %s: %s\n", mdbus_strerror(rc), err);
			_exit(1);
		}
		mdbus_writer_close(w, 0);
		_exit(0);
	}
	t0 = th_now_ms();
	CHECK_RC(mdbus_reader_wait(r2, 10000), -ESTALE);
	CHECK(th_now_ms() - t0 < 9000);
	CHECK(waitpid(w2, &status, 0) == w2 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_RC(mdbus_reader_next(r2, &t, &seq, NULL), -ESTALE);
	CHECK_RC(mdbus_reader_reattach(r2), 0);
	CHECK_RC(mdbus_reader_next(r2, &t, &seq, NULL), -ESHUTDOWN);
	mdbus_reader_close(r2);
	mdbus_reader_close(r);
	th_bus_cleanup(name);
	return 0;
}
