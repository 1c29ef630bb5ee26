/* SPDX-License-Identifier: MIT */
/*
 * thru.c: `mdbus-bench throughput`: how many ticks per second one writer
 * publishes, and one reader reads, through the mdbus ring. This file holds
 * the options, the case list and the order of the runs; thru_cases.c runs
 * one case, thru_report.c prints the medians.
 *
 * Cases (each repeated --repeat times, interleaved; medians reported):
 *   publish-only     mdbus_writer_publish, and mdbus_writer_publish_batch with
 *                    batches of 16 and --batch, no reader attached;
 *   local            writer and reader in one process taking turns (a whole
 *                    ring each): no second core, the instruction-bound ceiling;
 *   flat out         writer publishing batches flat out on one CPU, one reader
 *                    process on the other CPU draining with mdbus_reader_next
 *                    or mdbus_reader_read (--batch); the reader may be lapped;
 *   paced            the same writer on an absolute schedule at each --rates
 *                    value (default 50 M/s, the target), so that a reader
 *                    that keeps up reads every tick published.
 */
#include "thru.h"
#include "thru_int.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void thru_usage(FILE *f)
{
	fprintf(f,
		"usage: mdbus-bench throughput [options]\n"
		"  publish-only rate (mdbus_writer_publish, _publish_batch x16 and x--batch); "
		"then\n"
		"  one writer + one reader process pinned to two CPUs: writer flat out (the "
		"reader\n"
		"  may be lapped) and writer paced at each --rates value (nothing should be "
		"lost);\n"
		"  readers use mdbus_reader_next and mdbus_reader_read (x--batch)\n"
		"options:\n"
		"  -d, --duration D    per run: 1, 500ms (default 1s)\n"
		"      --repeat N      runs per case, medians reported (default 5)\n"
		"  -b, --batch N       writer batch and mdbus_reader_read batch, 2..%d (default "
		"64)\n"
		"  -s, --slots N       ring slots, power of two (default 65536)\n"
		"  -c, --cpus A,B      writer CPU, reader CPU (default: the first two usable)\n"
		"  -r, --rates LIST    paced writer rates, e.g. 20M,50M (default 50M, the target)\n"
		"      --only PREFIX   only the cases whose name starts with PREFIX (publish, "
		"local,\n"
		"                      flat, paced, flat_read...)\n"
		"  -j, --json          JSON on stdout\n",
		THRU_MAX_B);
}

static int thru_parse_u(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || end == s || d < 0)
		return -EINVAL;
	if (*end == 'k')
		d *= 1e3, end++;
	else if (*end == 'M')
		d *= 1e6, end++;
	if (*end || d > (double)max)
		return -EINVAL;
	*v = (unsigned long long)d;
	return 0;
}

static int thru_parse_rates(const char *s, struct thru_opts *o)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s);
	o->nrates = 0;
	for (char *sv = NULL, *tok = strtok_r(buf, ",", &sv); tok; tok = strtok_r(NULL, ",", &sv)) {
		unsigned long long v;
		if (o->nrates >= THRU_MAX_RATES || thru_parse_u(tok, 1000000000ULL, &v) < 0 ||
		    v == 0)
			return -EINVAL;
		o->rates[o->nrates++] = v;
	}
	return o->nrates ? 0 : -EINVAL;
}

/* "A,B": the writer's and the reader's CPU. */
static int thru_parse_cpus(const char *s, int cpus[2])
{
	char *end;
	errno = 0;
	long a = strtol(s, &end, 10);
	if (errno || end == s || *end != ',')
		return -EINVAL;
	const char *t = end + 1;
	long b = strtol(t, &end, 10);
	if (errno || end == t || *end || a < 0 || b < 0 || a >= CPU_SETSIZE || b >= CPU_SETSIZE)
		return -EINVAL;
	cpus[0] = (int)a;
	cpus[1] = (int)b;
	return 0;
}

/* The case list: publish-only x3, local x2, flat x2, paced x2 per rate. */
static int thru_case_list(const struct thru_opts *o, struct thru_case *cs)
{
	int n = 0;
	for (unsigned k = 0; k < 7 + 2 * o->nrates; k++) {
		struct thru_case *c = &cs[n++];
		memset(c, 0, sizeof(*c));
		c->wbatch = o->batch;
		if (k < 3) {
			c->kind = THRU_PUB;
			c->wbatch = k == 0 ? 1 : k == 1 ? 16 : o->batch;
			snprintf(c->name, sizeof(c->name), "%s",
				 k == 0	  ? "publish"
				 : k == 1 ? "publish_batch16"
					  : "publish_batch");
			if (o->only && strncmp(c->name, o->only, strlen(o->only)) != 0)
				n--;
			continue;
		}
		c->rapi = (k - 3) % 2 == 0 ? THRU_NEXT : THRU_READ;
		c->rbatch = c->rapi == THRU_READ ? o->batch : 1;
		if (k < 5) {
			c->kind = THRU_LOCAL;
			snprintf(c->name, sizeof(c->name), "local_%s",
				 c->rapi == THRU_NEXT ? "next" : "read");
		} else if (k < 7) {
			c->kind = THRU_FLAT;
			snprintf(c->name, sizeof(c->name), "flat_%s",
				 c->rapi == THRU_NEXT ? "next" : "read");
		} else {
			c->kind = THRU_PACED;
			c->rate = o->rates[(k - 7) / 2];
			snprintf(c->name, sizeof(c->name), "paced_%s",
				 c->rapi == THRU_NEXT ? "next" : "read");
		}
		if (o->only && strncmp(c->name, o->only, strlen(o->only)) != 0)
			n--; /* filtered out: the slot is reused */
	}
	return n;
}

int bench_thru_main(int argc, char **argv)
{
	struct thru_opts o = {.duration_ns = 1000000000LL,
			      .repeat = 5,
			      .slots = 65536,
			      .batch = 64,
			      .rates = {50000000},
			      .nrates = 1,
			      .cpus = {-1, -1}};
	enum { OPT_REPEAT = 256, OPT_ONLY };
	static const struct option lo[] = {
		{"duration", required_argument, NULL, 'd'},
		{"repeat", required_argument, NULL, OPT_REPEAT},
		{"batch", required_argument, NULL, 'b'},
		{"slots", required_argument, NULL, 's'},
		{"cpus", required_argument, NULL, 'c'},
		{"rates", required_argument, NULL, 'r'},
		{"rate", required_argument, NULL, 'r'},
		{"only", required_argument, NULL, OPT_ONLY},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	unsigned long long v;
	char *end;
	double d;
	while ((opt = getopt_long(argc, argv, "d:b:s:c:r:jh", lo, NULL)) != -1) {
		switch (opt) {
		case 'd':
			d = strtod(optarg, &end);
			if (end == optarg || d <= 0)
				goto bad;
			if (strcmp(end, "ms") == 0)
				d *= 1e6;
			else if (*end == '\0' || strcmp(end, "s") == 0)
				d *= 1e9;
			else
				goto bad;
			if (d < 1e6 || d > 600e9)
				goto bad;
			o.duration_ns = (int64_t)d;
			break;
		case OPT_REPEAT:
			if (thru_parse_u(optarg, THRU_MAX_REP, &v) < 0 || v == 0)
				goto bad;
			o.repeat = (unsigned)v;
			break;
		case 'b':
			if (thru_parse_u(optarg, THRU_MAX_B, &v) < 0 || v < 2)
				goto bad;
			o.batch = (unsigned)v;
			break;
		case 's':
			if (thru_parse_u(optarg, 1u << 30, &v) < 0 || v < 64 || (v & (v - 1)))
				goto bad;
			o.slots = (uint32_t)v;
			break;
		case 'c':
			if (thru_parse_cpus(optarg, o.cpus) < 0)
				goto bad;
			break;
		case 'r':
			if (thru_parse_rates(optarg, &o) < 0)
				goto bad;
			break;
		case OPT_ONLY:
			o.only = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			thru_usage(stdout);
			return 0;
		default:
			thru_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mdbus-bench throughput: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		CPU_ZERO(&set);
	if (o.cpus[0] < 0) { /* the first two usable CPUs (the same one if only one) */
		for (int c = 0, n = 0; c < CPU_SETSIZE && n < 2; c++)
			if (CPU_ISSET(c, &set))
				o.cpus[n++] = c;
		if (o.cpus[1] < 0)
			o.cpus[1] = o.cpus[0];
		if (o.cpus[0] < 0)
			o.cpus[0] = o.cpus[1] = 0;
	} else if (!CPU_ISSET(o.cpus[0], &set) || !CPU_ISSET(o.cpus[1], &set)) {
		fprintf(stderr, "mdbus-bench throughput: --cpus: a CPU we may not run on\n");
		return 2;
	}

	static struct thru_case cs[THRU_MAX_CASES];
	static struct thru_res res[THRU_MAX_CASES][THRU_MAX_REP];
	static struct thru_summary sum[THRU_MAX_CASES];
	int ncases = thru_case_list(&o, cs);
	if (ncases == 0) {
		fprintf(stderr, "mdbus-bench throughput: --only '%s' matches no case\n", o.only);
		return 2;
	}
	struct bench_sysinfo si;
	bench_sysinfo_get(&si);
	if (!o.json) {
		printf("machine: %d cores online (%d usable), %s; kernel %s; %s\n", si.cores,
		       si.allowed, si.cpu_model, si.kernel, si.date);
		printf("pinned (sched_setaffinity): writer on CPU %d, reader on CPU %d%s\n",
		       o.cpus[0], o.cpus[1],
		       o.cpus[0] == o.cpus[1] ? " (the SAME CPU: not a core pair)" : "");
		printf("ring %u slots; writer batch %u; mdbus_reader_read batch %u; every tick "
		       "verified (sequence + checksum word)\n",
		       o.slots, o.batch, o.batch);
		fflush(stdout);
	}
	/* Repetitions interleaved over all cases, so the machine's load drifts
	 * hit every case alike. */
	unsigned idx = 0;
	for (unsigned k = 0; k < o.repeat; k++) {
		for (int ci = 0; ci < ncases; ci++) {
			const struct thru_case *c = &cs[ci];
			if (!o.json)
				fprintf(stderr, "run %u/%u: %s\n", k + 1, o.repeat, c->name);
			int rc = bench_thru__run(&o, c, c->rate, idx++, &res[ci][k]);
			if (rc < 0) {
				fprintf(stderr, "mdbus-bench throughput: %s\n", strerror(-rc));
				return 1;
			}
			if (!bench_thru__ok(c, &res[ci][k]))
				fprintf(stderr, "mdbus-bench throughput: %s: %s\n", c->name,
					res[ci][k].w_ok ? res[ci][k].r_err : res[ci][k].w_err);
		}
	}
	int failed = 0;
	for (int ci = 0; ci < ncases; ci++) {
		bench_thru__summarize(&cs[ci], res[ci], o.repeat, &sum[ci]);
		if (sum[ci].ok_runs != o.repeat || !sum[ci].accounted)
			failed = 1;
	}
	if (o.json)
		bench_thru__report_json(stdout, &si, &o, cs, ncases, res, sum);
	else
		bench_thru__report_table(stdout, &o, cs, ncases, sum);
	return failed ? 1 : 0;
bad:
	fprintf(stderr, "mdbus-bench throughput: bad value '%s'\n", optarg);
	thru_usage(stderr);
	return 2;
}
