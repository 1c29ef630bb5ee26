/* SPDX-License-Identifier: MIT */
/* parse.c: the command-line values every mdbus-bench mode shares. */
#include "bench.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* "250k", "1M", "1000": unsigned with a 1000-based suffix. */
int bench_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	uint64_t mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1000, end++;
	else if (*end == 'M')
		mul = 1000000, end++;
	else if (*end == 'G')
		mul = 1000000000, end++;
	if (*end)
		return -EINVAL;
	if (v > max / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

/* "5", "2s", "500ms", "1.5s", "100us". */
int bench_parse_duration(const char *s, int64_t *ns)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0 || s[0] == '-')
		return -EINVAL;
	double mul = 1e9;
	if (strcmp(end, "ms") == 0)
		mul = 1e6;
	else if (strcmp(end, "us") == 0)
		mul = 1e3;
	else if (strcmp(end, "m") == 0)
		mul = 60e9;
	else if (*end && strcmp(end, "s") != 0)
		return -EINVAL;
	if (v * mul > 3600e9)
		return -ERANGE;
	*ns = (int64_t)(v * mul);
	return 0;
}

/* "0,1", "0-3", "2,4-5". Each CPU must be in our affinity mask. */
int bench_parse_cpus(const char *s, struct bench_cfg *cfg)
{
	const char *p = s;
	cfg->ncpus = 0;
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b;
		if (end == p || a < 0 || a >= CPU_SETSIZE)
			return -EINVAL;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a || b >= CPU_SETSIZE)
				return -EINVAL;
			p = end;
		}
		for (long c = a; c <= b; c++) {
			if (cfg->ncpus >= (int)(sizeof(cfg->cpus) / sizeof(cfg->cpus[0])))
				return -E2BIG;
			cfg->cpus[cfg->ncpus++] = (int)c;
		}
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < cfg->ncpus; i++)
			if (!CPU_ISSET(cfg->cpus[i], &set))
				return -ENODEV;
	return cfg->ncpus ? 0 : -EINVAL;
}
