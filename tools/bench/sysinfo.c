/* SPDX-License-Identifier: MIT */
/* sysinfo.c: machine, kernel and clock facts for the report. */
#include "sysinfo.h"

#include "bench.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void bench_read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	snprintf(out, len, "unknown");
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

static void bench_cpu_model(char *out, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "re");
	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');
			if (c) {
				c++;
				while (*c == ' ' || *c == '\t')
					c++;
				c[strcspn(c, "\n")] = 0;
				snprintf(out, len, "%s", c);
			}
			break;
		}
	}
	fclose(f);
}

void bench_sysinfo_get(struct bench_sysinfo *si)
{
	struct utsname u;
	cpu_set_t set;
	memset(si, 0, sizeof(*si));
	si->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		si->allowed = CPU_COUNT(&set);
	bench_cpu_model(si->cpu_model, sizeof(si->cpu_model));
	if (uname(&u) == 0)
		snprintf(si->kernel, sizeof(si->kernel), "%s %s %s", u.sysname, u.release,
			 u.machine);
	else
		snprintf(si->kernel, sizeof(si->kernel), "unknown");
	bench_read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			si->clocksource, sizeof(si->clocksource));
	/* Cost of one stamp: part of every measured latency (once on each side). */
	enum { N = 200000 };
	int64_t t0 = bench_now_ns(), x = 0;
	for (int i = 0; i < N; i++)
		x += bench_now_ns();
	int64_t t1 = bench_now_ns();
	si->clock_cost_ns = (double)(t1 - t0) / N;
	if (x == 42) /* never: only keeps the loop from being optimised away */
		si->clock_cost_ns += 1e-9;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(si->date, sizeof(si->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
}
