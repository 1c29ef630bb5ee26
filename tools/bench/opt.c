/* SPDX-License-Identifier: MIT */
/*
 * opt.c: the option grammar every mode's table uses (bench.h struct
 * bench_opt: durations and counts in mdbus_units.h's one grammar, lists,
 * CPU sets), the usage text built from a table, and which CPU each process
 * of a run is pinned to. Below every mode: the modes call it, never the
 * reverse.
 */
#include "bench.h"

#include "mdbus_units.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_OPT_MAX 24

static int bench_opt_value(const struct bench_opt *o, const char *arg)
{
	uint64_t v;
	int64_t ns;
	switch (o->kind) {
	case BENCH_OPT_SET:
	case BENCH_OPT_CLEAR:
		*(int *)o->dst = o->kind == BENCH_OPT_SET;
		return 0;
	case BENCH_OPT_U64:
	case BENCH_OPT_UINT:
		if (mdbus_units_parse_count(arg, o->max, &v) < 0 || v < o->min)
			return -EINVAL;
		if (o->kind == BENCH_OPT_U64)
			*(uint64_t *)o->dst = v;
		else
			*(unsigned *)o->dst = (unsigned)v;
		return 0;
	case BENCH_OPT_DUR:
		if (mdbus_units_parse_duration(arg, &ns) < 0 || ns < (int64_t)o->min ||
		    ns > (int64_t)o->max)
			return -EINVAL;
		*(int64_t *)o->dst = ns;
		return 0;
	case BENCH_OPT_STR:
		*(const char **)o->dst = arg;
		return 0;
	case BENCH_OPT_FN:
		return o->fn(arg, o->dst);
	}
	return -EINVAL;
}

static void bench_opt_usage(FILE *f, const char *synopsis, const struct bench_opt *t)
{
	fprintf(f, "%soptions:\n", synopsis);
	for (; t->name; t++) {
		char left[40];
		const char *tab = strchr(t->help, '\t');
		snprintf(left, sizeof(left), "--%s %.*s", t->name, tab ? (int)(tab - t->help) : 0,
			 t->help);
		fprintf(f, "  %c%c%c %-19s %s\n", t->key ? '-' : ' ', t->key ? t->key : ' ',
			t->key ? ',' : ' ', left, tab ? tab + 1 : t->help);
	}
	fprintf(f, "  -h, --help\n");
}

int bench_opt_parse(const char *prog, const char *synopsis, const struct bench_opt *t, int argc,
		    char **argv)
{
	struct option lo[BENCH_OPT_MAX + 2];
	char shorts[2 * BENCH_OPT_MAX + 2] = "h", *sp = shorts + 1;
	int n = 0, c;
	for (; t[n].name && n < BENCH_OPT_MAX; n++) {
		int arg = t[n].kind != BENCH_OPT_SET && t[n].kind != BENCH_OPT_CLEAR;
		lo[n] = (struct option){t[n].name, arg ? required_argument : no_argument, NULL,
					t[n].key ? t[n].key : 256 + n};
		if (t[n].key) {
			*sp++ = t[n].key;
			if (arg)
				*sp++ = ':';
		}
	}
	*sp = 0;
	lo[n] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n + 1] = (struct option){NULL, 0, NULL, 0};
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		int k = 0;
		while (k < n && (t[k].key ? t[k].key : 256 + k) != c)
			k++;
		if (c == 'h' || k == n) {
			bench_opt_usage(c == 'h' ? stdout : stderr, synopsis, t);
			return c == 'h' ? 0 : 2;
		}
		if (bench_opt_value(&t[k], optarg) < 0) {
			fprintf(stderr, "%s: --%s: want %s, got '%s'\n", prog, t[k].name, t[k].want,
				optarg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return 2;
	}
	return -1;
}

int bench_opt_pow2(const char *arg, void *dst)
{
	uint64_t v;
	if (mdbus_units_parse_count(arg, 1u << 30, &v) < 0 || v < 64 || (v & (v - 1)))
		return -EINVAL;
	*(unsigned *)dst = (unsigned)v;
	return 0;
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

int bench_opt_cpus(const char *arg, void *dst)
{
	struct bench_cfg *cfg = dst;
	return bench_parse_cpus(arg, cfg->cpus, BENCH_MAX_CONSUMERS + 1, &cfg->ncpus);
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
