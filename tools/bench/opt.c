/* SPDX-License-Identifier: MIT */
/* opt.c: the option tables of every mode into getopt_long (see bench.h). */
#include "bench.h"

#include "mdbus_units.h"
#include "tools_cli.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
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
			return c == 'h' ? 1 : -1;
		}
		if (bench_opt_value(&t[k], optarg) < 0) {
			fprintf(stderr, "%s: --%s: want %s, got '%s'\n", prog, t[k].name, t[k].want,
				optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return -1;
	}
	return 0;
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
	const char *p = s;
	*n = 0;
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
			if (*n >= cap)
				return -E2BIG;
			cpus[(*n)++] = (int)c;
		}
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < *n; i++)
			if (!CPU_ISSET(cpus[i], &set))
				return -ENODEV;
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
