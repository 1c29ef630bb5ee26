/* SPDX-License-Identifier: MIT */
/*
 * opt.c: what the option tables of every mode (tools_opt.h rows) read
 * beyond counts and durations: CPU lists, rate lists, ring sizes; and which
 * CPU each process of a run is pinned to. Below every mode: the modes call
 * it, never the reverse.
 */
#include "bench.h"

#include "mdbus_units.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

int bench_opts(const char *prog, void (*usage)(FILE *f), const struct tools_opt *o, size_t n,
	       int argc, char **argv)
{
	const struct tools_cmd cmd = {prog, MDBUS_VERSION, usage, 2, ""};
	int status;
	if (tools_opt_parse(&cmd, o, n, argc, argv, &status))
		return status;
	if (optind < argc)
		return tools_usage_error(&cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

const char *bench_opt_pow2(void *dst, const char *arg)
{
	uint64_t v;
	if (mdbus_units_parse_count(arg, 1u << 30, &v) < 0 || v < 64 || (v & (v - 1)))
		return "expected a power of two >= 64";
	*(unsigned *)dst = (unsigned)v;
	return NULL;
}

int bench_parse_cpus(const char *s, int *cpus, int cap, int *n)
{
	char buf[256], *sv = NULL, *end;
	cpu_set_t set;
	int known = sched_getaffinity(0, sizeof(set), &set) == 0;
	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (char *tok = strtok_r(buf, ",", &sv); tok; tok = strtok_r(NULL, ",", &sv)) {
		long a = strtol(tok, &end, 10), b = a;
		if (end != tok && *end == '-' && end[1]) /* "1-x": end stays on the x */
			b = strtol(end + 1, &end, 10);
		if (end == tok || *end || a < 0 || b < a || b >= CPU_SETSIZE)
			return -EINVAL;
		for (long c = a; c <= b; c++) {
			if (*n >= cap)
				return -E2BIG;
			if (known && !CPU_ISSET(c, &set))
				return -ENODEV;
			cpus[(*n)++] = (int)c;
		}
	}
	return *n ? 0 : -EINVAL;
}

int bench_parse_list(const char *s, uint64_t min, uint64_t max, uint64_t *v, unsigned cap,
		     unsigned *n)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (char *sv = NULL, *tok = strtok_r(buf, ",", &sv); tok; tok = strtok_r(NULL, ",", &sv))
		if (*n >= cap || mdbus_units_parse_count(tok, max, &v[*n]) < 0 || v[(*n)++] < min)
			return -EINVAL;
	return *n ? 0 : -EINVAL;
}

int bench_usable_cpus(int *cpus, int cap)
{
	cpu_set_t set;
	int n = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int k = 0; k < CPU_SETSIZE && n < cap; k++)
			if (CPU_ISSET(k, &set))
				cpus[n++] = k;
	return n;
}

const char *bench_opt_cpus(void *dst, const char *arg)
{
	struct bench_cfg *cfg = dst;
	if (bench_parse_cpus(arg, cfg->cpus, BENCH_MAX_CONSUMERS + 1, &cfg->ncpus) < 0)
		return "expected CPUs we may run on, e.g. 0,1 or 0-3";
	return NULL;
}

/* The CPU of a consumer (-1: the publisher): the publisher takes the first
 * of --cpus, consumers share the rest round-robin. */
int bench_cpu_for(const struct bench_cfg *cfg, int consumer)
{
	if (cfg->ncpus == 0)
		return -1;
	if (consumer < 0 || cfg->ncpus == 1)
		return cfg->cpus[0];
	return cfg->cpus[1 + consumer % (cfg->ncpus - 1)];
}
