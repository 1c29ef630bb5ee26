/* SPDX-License-Identifier: MIT */
/* run.c: signals and clocks for the tools' main loops. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "tools_run.h"

/* The one piece of process-global state: a signal handler can reach nothing
 * else. Written only by the handler, read by the main loop. */
static volatile sig_atomic_t tools_stop_sig;

static void tools_on_signal(int sig)
{
	tools_stop_sig = sig;
}

int tools_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tools_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking waits must return EINTR */
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int tools_stop_requested(void)
{
	return tools_stop_sig;
}

int64_t tools_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int tools_sleep_until(clockid_t clk, int64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / 1000000000,
		.tv_nsec = deadline_ns % 1000000000,
	};
	int rc;

	for (;;) {
		if (tools_stop_sig)
			return -EINTR;
		/* clock_nanosleep returns the error, it does not set errno. */
		rc = clock_nanosleep(clk, TIMER_ABSTIME, &ts, NULL);
		if (rc == 0)
			return 0;
		if (rc != EINTR)
			return -rc;
	}
}
