/* SPDX-License-Identifier: MIT */
/*
 * report.c: the one reporter of every mode: machine facts, formats,
 * medians, the JSON writer, columns of figures (a table cell and a JSON
 * member from one row of struct bench_col) and gnuplot curves; then what
 * fan-out latency runs print: tables (one run, --compare, --sweep), the
 * JSON document and the plot. Every figure of a latency run is computed by
 * bench_figure(); the comparison takes their medians over the runs of each
 * transport, and its tables and JSON summary are columns over those
 * figures.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_NPCT 5 /* the percentiles every report shows besides min and max */
static const double bench_pcts[BENCH_NPCT] = {50.0, 90.0, 99.0, 99.9, 99.99};
static const char *const bench_pct_names[BENCH_NPCT] = {"p50", "p90", "p99", "p99.9", "p99.99"};

/* The first line of path starting with prefix (all of it for ""), after
 * the prefix's ": " part; "unknown" if none. */
static void bench_read_field(const char *path, const char *prefix, char *out, size_t len)
{
	char line[256];
	FILE *f = fopen(path, "re");
	snprintf(out, len, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');
		if (strncmp(line, prefix, strlen(prefix)) != 0)
			continue;
		c = *prefix && c ? c + 1 + strspn(c + 1, " \t") : line;
		c[strcspn(c, "\n")] = 0;
		snprintf(out, len, "%.127s", c);
		break;
	}
	if (f)
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
	bench_read_field("/proc/cpuinfo", "model name", si->cpu_model, sizeof(si->cpu_model));
	snprintf(si->kernel, sizeof(si->kernel), "unknown");
	if (uname(&u) == 0)
		snprintf(si->kernel, sizeof(si->kernel), "%s %s %s", u.sysname, u.release,
			 u.machine);
	bench_read_field("/sys/devices/system/clocksource/clocksource0/current_clocksource", "",
			 si->clocksource, sizeof(si->clocksource));
	/* the cost of one stamp: part of every latency (once on each side) */
	enum { N = 200000 };
	volatile int64_t sink = 0; /* keeps the loop */
	int64_t t0 = bench_now_ns();
	for (int i = 0; i < N; i++)
		sink += bench_now_ns();
	si->clock_cost_ns = (double)(bench_now_ns() - t0) / N;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(si->date, sizeof(si->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void bench_report_machine(FILE *f, const struct bench_sysinfo *si)
{
	fprintf(f, "machine: %d cores online (%d usable), %s\n", si->cores, si->allowed,
		si->cpu_model);
	fprintf(f, "kernel:  %s; clocksource %s\n", si->kernel, si->clocksource);
}

static void bench_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns == UINT64_MAX)
		snprintf(buf, len, "lost");
	else if (ns < 10000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.2fus", (double)ns / 1e3);
	else if (ns < 10000000000ull)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
}

static void bench_fmt_rate(uint64_t rate, char *buf, size_t len)
{
	if (rate == 0)
		snprintf(buf, len, "max");
	else if (rate % 1000000 == 0)
		snprintf(buf, len, "%lluM/s", (unsigned long long)(rate / 1000000));
	else if (rate % 1000 == 0)
		snprintf(buf, len, "%lluk/s", (unsigned long long)(rate / 1000));
	else
		snprintf(buf, len, "%llu/s", (unsigned long long)rate);
}

static uint64_t bench_u(double v)
{
	return v >= 1.8e19 ? UINT64_MAX : (uint64_t)v; /* "lost" survives the median */
}

static int bench_cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double bench_median(double *v, unsigned n, int mean)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_d);
	if (mean && n % 2 == 0)
		return (v[n / 2 - 1] + v[n / 2]) / 2;
	return mean ? v[n / 2] : v[(n - 1) / 2];
}

/* v under key into the open object, or appended to the open array. */
static void bench_j_put(struct bench_json *j, const char *key, json_t *v)
{
	json_t *p = j->stack[j->depth - 1];
	if (!v)
		v = json_null();
	if (json_is_array(p))
		json_array_append_new(p, v);
	else
		json_object_set_new(p, key, v);
}

void bench_j_open(struct bench_json *j, const char *key, char brace)
{
	json_t *v = brace == '{' ? json_object() : json_array();
	if (j->depth > 0)
		bench_j_put(j, key, v); /* the parent holds it: the stack borrows */
	j->stack[j->depth++] = v;
}

void bench_j_close(struct bench_json *j)
{
	if (--j->depth > 0)
		return;
	json_dumpf(j->stack[0], j->f, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	fputc('\n', j->f);
	json_decref(j->stack[0]);
}

/* x rounded to dec decimals, an integer with none; NULL (null) if not finite. */
static json_t *bench_j_num(double x, int dec)
{
	double k = pow(10.0, dec);
	if (!isfinite(x))
		return NULL;
	return dec ? json_real(round(x * k) / k) : json_integer((json_int_t)llround(x));
}

void bench_j(struct bench_json *j, const char *spec, ...)
{
	va_list ap;
	char key[48];
	va_start(ap, spec);
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ":");
		char t = p[n + 1];
		const char *str = NULL;
		json_t *v = NULL;
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (t == 'u' || t == 'i' || t == 'd') /* u and i: one 64-bit va_arg type */
			v = json_integer(t == 'd' ? va_arg(ap, int) : va_arg(ap, int64_t));
		else if (t == 'b')
			v = json_boolean(va_arg(ap, int));
		else if (t == 's' && (str = va_arg(ap, const char *)))
			v = json_string(str);
		else if (t == 'f')
			v = bench_j_num(va_arg(ap, double), p[n + 2] - '0');
		bench_j_put(j, key, v);
		p += n + 2 + (t == 'f');
		p += strspn(p, " ");
	}
	va_end(ap);
}

void bench_j_hist(struct bench_json *j, const char *key, const struct bench_hist *h)
{
	bench_j_open(j, key, '{');
	_Static_assert(BENCH_NPCT == 5, "the spec below names every percentile");
	bench_j(j, "count:u min:u p50:u p90:u p99:u p99.9:u p99.99:u max:u mean:f1", h->count,
		h->count ? h->min : 0, bench_hist_percentile(h, 50), bench_hist_percentile(h, 90),
		bench_hist_percentile(h, 99), bench_hist_percentile(h, 99.9),
		bench_hist_percentile(h, 99.99), h->max, bench_hist_mean(h));
	bench_j_close(j);
}

/* One cell of column c: its heading (v NULL) or its figure. */
static void bench_cell(const struct bench_col *c, const double *v, const double *base, char *b,
		       size_t len)
{
	double x = v ? v[c->fig] : 0, y = base ? base[c->fig] : 0;
	if (!v)
		snprintf(b, len, "%s", c->head);
	else if (isnan(x) || (c->fmt == 'r' && !(y > 0)))
		snprintf(b, len, "-");
	else if (c->fmt == 'n')
		bench_fmt_ns(bench_u(x), b, len);
	else if (c->fmt == 'r') /* "7.8x", "0.05x": two significant digits below 1 */
		snprintf(b, len, x / y < 1.0 ? "%.2gx" : "%.1fx", x / y);
	else
		snprintf(b, len, c->fmt == '%' ? "%.*f%%" : "%.*f", c->dec, x);
}

void bench_cols(FILE *f, const struct bench_col *c, const double *v, const double *base)
{
	char b[48];
	for (; c->fmt; c++)
		if (c->head) {
			bench_cell(c, v, base, b, sizeof(b));
			fprintf(f, " %*s", c->width, b);
		}
}

void bench_cols_json(struct bench_json *j, const struct bench_col *c, const double *v,
		     const double *base)
{
	for (; c->fmt; c++) {
		if (!c->key)
			continue;
		double x = v[c->fig], y = c->fmt != 'r' ? 1 : base ? base[c->fig] : 0;
		x = y > 0 ? x / y : 0; /* a ratio without a base is 0 */
		if (c->fmt == 'n' && bench_u(x) == UINT64_MAX)
			x = NAN; /* a lost tick: null */
		bench_j_put(j, c->key, bench_j_num(x, c->fmt == 'n' ? 0 : c->dec));
	}
}

void bench_j_doc(struct bench_json *j, const struct bench_sysinfo *si, const char *mode)
{
	bench_j_open(j, NULL, '{');
	bench_j(j, "tool:s version:s mode:s", "mdbus-bench", MDBUS_VERSION, mode);
	bench_j_open(j, "machine", '{');
	bench_j(j, "cores:d usable:d cpu_model:s kernel:s clocksource:s date:s", si->cores,
		si->allowed, si->cpu_model, si->kernel, si->clocksource, si->date);
	bench_j_close(j);
}

int bench_plot(const char *path, const char *title, const struct bench_curve *c, size_t n,
	       char *err, size_t len)
{
	/* The shell finds gnuplot on PATH; the command is a constant, no input
	 * reaches it. NOLINTNEXTLINE(cert-env33-c) */
	FILE *g = n ? popen("gnuplot", "w") : NULL;
	if (!g) {
		snprintf(err, len, n ? "cannot run gnuplot: %s" : "nothing to plot",
			 strerror(errno));
		return n ? -errno : -ENODATA;
	}
	fprintf(g, "set terminal pngcairo size 1280,640 noenhanced\nset output '%s'\n", path);
	fprintf(g, "set title '%s'\nset logscale x\nset logscale y\nset grid\n", title);
	fprintf(g, "set xlabel 'percentile'\nset ylabel 'latency (ns)'\nset key outside\n");
	/* tic labels are gnuplot format strings: "%%%%" prints one percent sign */
	fprintf(g, "set xtics ('0%%%%' 1, '50%%%%' 2, '90%%%%' 10, '99%%%%' 100, '99.9%%%%' 1000, "
		   "'99.99%%%%' 10000, '99.999%%%%' 100000, '99.9999%%%%' 1000000)\n");
	for (size_t k = 0; k < n; k++) {
		fprintf(g, "$d%zu << EOD\n", k);
		/* 20 points per decade of 1/(1-p), up to the last value */
		for (int i = 0; i <= 120 && pow(10.0, i / 20.0) <= (double)c[k].h.count; i++) {
			double x = pow(10.0, i / 20.0);
			uint64_t v = bench_hist_percentile(&c[k].h, 100.0 * (1.0 - 1.0 / x));
			fprintf(g, "%.4f %llu\n", x, (unsigned long long)(v ? v : 1));
		}
		fprintf(g, "EOD\n");
	}
	for (size_t k = 0; k < n; k++)
		fprintf(g, "%s$d%zu using 1:2 %s title '%s'", k ? ", " : "plot ", k, c[k].style,
			c[k].title);
	fprintf(g, "\n");
	int st = pclose(g);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, len, "gnuplot failed (status %d) writing %s", st, path);
		return -EIO;
	}
	return 0;
}

#define BENCH_LAT_MAXRUNS 256

/* The figures of one run. L* count lost ticks as slower than any delivered
 * one; R* are the ready ticks; F* the floor (NaN when there is none). The
 * p50 range (P50LO, P50HI) is the comparison's. */
enum { P50, P99, P9999, L50, L99, LOST, R50, R99, RPCT, F50, F99, F9999, RATE, MISSED, NFIG };
enum { P50LO = NFIG, P50HI, NSUM };

static uint64_t bench_missed(const struct bench_result *r)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < r->nsub; i++)
		m += r->sub[i].gap_missed + r->sub[i].tail_missed;
	return m;
}

/* received + holes + tail == published for every consumer? */
static int bench_accounted(const struct bench_result *r)
{
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		if (!s->end_seen || s->received + s->gap_missed + s->tail_missed != s->published)
			return 0;
	}
	return 1;
}

/* Loss-adjusted percentile over every tick published, a lost one slower than
 * any delivered (a transport that drops what it cannot deliver quickly
 * otherwise looks fast); UINT64_MAX when it falls among the lost. */
static uint64_t bench_lossy(const struct bench_hist *h, uint64_t missed, double p)
{
	double rank = p / 100.0 * (double)(h->count + missed);
	if (h->count + missed == 0)
		return 0;
	if (rank > (double)h->count)
		return UINT64_MAX;
	return bench_hist_percentile(h, 100.0 * rank / (double)(h->count ? h->count : 1));
}

static double bench_cpu_pct(const struct bench_sub_result *s)
{
	return s->wall_s > 0 ? 100.0 * (s->cpu_user_s + s->cpu_sys_s) / s->wall_s : 0.0;
}

static double bench_pub_rate(const struct bench_pub_result *p)
{
	double secs = (double)(p->end_ns - p->start_ns) / 1e9;
	return secs > 0 ? (double)p->published / secs : 0.0;
}

static double bench_figure(const struct bench_result *r, int f)
{
	static const double pct[NFIG] = {50, 99, 99.99, 50, 99, 0, 50, 99, 0, 50, 99, 99.99};
	uint64_t m = bench_missed(r);
	switch (f) {
	case L50:
	case L99:
		return (double)bench_lossy(&r->all, m, pct[f]);
	case LOST:
		return 100.0 * (double)m / (double)(m + r->all.count);
	case R50:
	case R99:
		return (double)bench_hist_percentile(&r->all_ready, pct[f]);
	case RPCT:
		return 100.0 * (double)r->all_ready.count / (double)r->all.count;
	case F50:
	case F99:
	case F9999:
		return r->floor.ok ? (double)bench_hist_percentile(&r->floor.hist, pct[f]) : NAN;
	case RATE:
		return bench_pub_rate(&r->pub);
	case MISSED:
		return (double)m;
	}
	return (double)bench_hist_percentile(&r->all, pct[f]);
}

/* One transport over its runs: the median of every figure. */
struct bench_summary {
	const struct bench_transport *t;
	unsigned runs, floor_runs;   /* runs with latencies; those that traced a floor */
	char why[BENCH_ERR_MAX * 2]; /* every run skipped or failed (runs == 0): why */
	double med[NSUM];
};

/* Groups r by transport (first-seen order); returns the number of groups,
 * mdbus's in *base if it measured (what the ratios divide by). */
static size_t bench_summarize(const struct bench_result *r, size_t n, struct bench_summary *out,
			      size_t cap, const struct bench_summary **base)
{
	double v[BENCH_LAT_MAXRUNS], x;
	size_t ng = 0;
	for (size_t i = 0; i < n && ng < cap; i++) {
		size_t g = 0;
		while (g < ng && out[g].t != r[i].t)
			g++;
		if (g < ng)
			continue; /* seen */
		struct bench_summary *s = &out[ng++];
		memset(s, 0, sizeof(*s));
		s->t = r[i].t;
		for (size_t j = n; j-- > i;) /* the first run that did not measure */
			if (r[j].t == s->t && (r[j].skipped || !r[j].all.count))
				snprintf(s->why, sizeof(s->why), "%s%.*s",
					 r[j].skipped ? "skipped: " : "failed: ",
					 (int)sizeof(s->why) - 16, r[j].why);
		for (int f = 0; f < NFIG; f++) {
			unsigned m = 0;
			for (size_t j = i; j < n && m < BENCH_LAT_MAXRUNS; j++)
				if (r[j].t == s->t && !r[j].skipped && r[j].all.count &&
				    !isnan(x = bench_figure(&r[j], f)))
					v[m++] = x;
			s->med[f] = bench_median(v, m, 0);
			if (f == P50 && (s->runs = m))
				s->med[P50LO] = v[0], s->med[P50HI] = v[m - 1];
			if (f == F50)
				s->floor_runs = m;
		}
	}
	*base = NULL;
	for (size_t g = 0; g < ng; g++)
		if (out[g].t == &bench_transport_mdbus && out[g].runs)
			*base = &out[g];
	return ng;
}

void bench_lat_header(FILE *f, const struct bench_sysinfo *si, const struct bench_cfg *cfg)
{
	char rate[32];
	bench_fmt_rate(cfg->rate, rate, sizeof(rate));
	bench_report_machine(f, si);
	fprintf(f,
		"clock:   CLOCK_MONOTONIC (vDSO), %.1f ns per read; the publisher stamps right "
		"before publishing, the consumer reads it right after receiving\n",
		si->clock_cost_ns);
	fprintf(f, "run:     %u consumer(s), %.2f s, rate %s, consumers %s, 64-byte messages\n",
		cfg->consumers, (double)cfg->duration_ns / 1e9, rate,
		cfg->wait ? "block (--wait)" : "spin");
	if (cfg->ncpus == 0) {
		fprintf(f, "pinning: none (the scheduler places processes)\n");
		return;
	}
	fprintf(f, "pinning: publisher -> cpu %d", bench_cpu_for(cfg, -1));
	for (unsigned i = 0; i < cfg->consumers; i++)
		fprintf(f, ", consumer %u -> cpu %d", i, bench_cpu_for(cfg, (int)i));
	fprintf(f, " (sched_setaffinity)\n");
}

/* A row of the one-run table; cpu_pct < 0: none. */
static void bench_row(FILE *f, const char *label, const struct bench_hist *h, uint64_t received,
		      uint64_t missed, double cpu_pct)
{
	char b[24];
	fprintf(f, "  %-9s", label);
	for (int i = -1; i <= BENCH_NPCT; i++) {
		bench_fmt_ns(i < 0	       ? (h->count ? h->min : 0)
			     : i == BENCH_NPCT ? h->max
					       : bench_hist_percentile(h, bench_pcts[i]),
			     b, sizeof(b));
		fprintf(f, " %9s", b);
	}
	fprintf(f, " %11llu %9llu", (unsigned long long)received, (unsigned long long)missed);
	if (cpu_pct >= 0)
		fprintf(f, " %5.0f%%", cpu_pct);
	fputc('\n', f);
}

/* The floor row and the stalls behind it, or why there is none. */
static void bench_report_floor(FILE *f, const struct bench_floor *fl)
{
	if (!fl->ok) {
		fprintf(f, "  floor: %s\n", fl->why);
		return;
	}
	bench_row(f, "floor", &fl->hist, fl->hist.count, 0, -1);
	fprintf(f, "  (floor = a zero-cost transport over this run's stalls > %d ns:",
		BENCH_STALL_MIN_NS);
	for (unsigned i = 0; i < fl->nrole; i++) {
		const struct bench_floor_cpu *c = &fl->role[i];
		char who[32], lg[24];
		snprintf(who, sizeof(who), i ? "consumer %u" : "publisher", i - 1);
		bench_fmt_ns((uint64_t)c->longest_ns, lg, sizeof(lg));
		fprintf(f, "%s %s away %.2f%% in %.0f stalls/s, longest %s%s", i ? ";" : "", who,
			c->away_pct, c->stalls_per_s, lg, c->truncated ? " (truncated)" : "");
	}
	fprintf(f, ")\n");
}

/* The lines under a run's table: odd counters, busy CPUs, losses. */
static void bench_report_notes(FILE *f, const struct bench_result *r)
{
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		if (s->api_missed || s->laps || s->out_of_order || s->negative || !s->end_seen)
			fprintf(f,
				"  consumer %u: transport-reported missed %llu in %llu laps; out "
				"of "
				"order %llu; negative latencies %llu%s\n",
				i, (unsigned long long)s->api_missed, (unsigned long long)s->laps,
				(unsigned long long)s->out_of_order,
				(unsigned long long)s->negative,
				s->end_seen ? "" : "; END marker never arrived");
		if (s->ok && !r->cfg.wait && bench_cpu_pct(s) < 90.0)
			fprintf(f,
				"  warning: spinning consumer %u ran %.0f%% of the time (%llu "
				"involuntary context switches): the tail measures the scheduler\n",
				i, bench_cpu_pct(s), (unsigned long long)s->invol_switches);
	}
	if (bench_missed(r)) {
		char a[24], b[24];
		bench_fmt_ns(bench_u(bench_figure(r, L50)), a, sizeof(a));
		bench_fmt_ns(bench_u(bench_figure(r, L99)), b, sizeof(b));
		fprintf(f,
			"  lost %.1f%% of the ticks; a lost tick counted as slowest: p50 %s, p99 "
			"%s\n",
			bench_figure(r, LOST), a, b);
	}
	if (r->warning[0])
		fprintf(f, "  warning: %s\n", r->warning);
	fprintf(f, "  accounting: received + missed == published for every consumer: %s\n",
		bench_accounted(r) ? "yes" : "NO");
}

void bench_lat_run(FILE *f, const struct bench_result *r)
{
	const struct bench_pub_result *p = &r->pub;
	uint64_t rx = 0;
	char behind[24];
	fprintf(f, "\n[%s]", r->t->name);
	if (r->skipped) {
		fprintf(f, " skipped: %s\n", r->why);
		return;
	}
	if (r->failed)
		fprintf(f, " FAILED: %s", r->why);
	if (r->oversubscribed)
		fprintf(f, " (oversubscribed: %u spinning consumers + publisher > cores)", r->nsub);
	bench_fmt_ns((uint64_t)p->max_behind_ns, behind, sizeof(behind));
	fprintf(f,
		"\n  published %llu in %.2f s = %.0f ticks/s; publisher cpu %.2f s; worst lateness "
		"vs schedule %s; sends refused %llu\n",
		(unsigned long long)p->published, (double)(p->end_ns - p->start_ns) / 1e9,
		bench_pub_rate(p), p->cpu_user_s + p->cpu_sys_s, behind,
		(unsigned long long)p->dropped);
	fprintf(f, "  %-9s %9s %9s %9s %9s %9s %9s %9s %11s %9s %6s\n", "consumer", "min", "p50",
		"p90", "p99", "p99.9", "p99.99", "max", "received", "missed", "cpu");
	for (unsigned i = 0; i < r->nsub; i++) {
		const struct bench_sub_result *s = &r->sub[i];
		char label[16];
		snprintf(label, sizeof(label), "%u", i);
		if (!s->ok) {
			fprintf(f, "  %-9s failed: %s\n", label, s->err);
			continue;
		}
		bench_row(f, label, &s->hist, s->received, s->gap_missed + s->tail_missed,
			  bench_cpu_pct(s));
		rx += s->received;
	}
	if (r->nsub > 1)
		bench_row(f, "all", &r->all, rx, bench_missed(r), -1);
	bench_row(f, "ready", &r->all_ready, r->all_ready.count, 0, -1);
	fprintf(f, "  (ready = the %.1f%% of received ticks that found their consumer idle)\n",
		rx ? 100.0 * (double)r->all_ready.count / (double)rx : 0.0);
	bench_report_floor(f, &r->floor);
	bench_report_notes(f, r);
}

static const struct bench_col bench_cmp_cols[] = {{"p50", "p50_median", P50, 'n', 9, 0},
						  {"p99", "p99_median", P99, 'n', 9, 0},
						  {"p99.99", "p99.99_median", P9999, 'n', 9, 0},
						  {"p50 ratio", NULL, P50, 'r', 10, 0},
						  {"p99 ratio", NULL, P99, 'r', 10, 0},
						  {"lost", NULL, LOST, '%', 7, 1},
						  {NULL, "lost_pct", LOST, 'f', 0, 3},
						  {"p50*", NULL, L50, 'n', 9, 0},
						  {"p99*", NULL, L99, 'n', 9, 0},
						  {NULL, "ready_p50_median", R50, 'n', 0, 0},
						  {NULL, "ready_p99_median", R99, 'n', 0, 0},
						  {NULL, "ready_pct", RPCT, 'f', 0, 2},
						  BENCH_COL_END};
static const struct bench_col bench_ready_cols[] = {
	{"share", NULL, RPCT, '%', 7, 1},     {"p50", NULL, R50, 'n', 9, 0},
	{"p99", NULL, R99, 'n', 9, 0},	      {"p50 ratio", NULL, R50, 'r', 10, 0},
	{"p99 ratio", NULL, R99, 'r', 10, 0}, BENCH_COL_END};
static const struct bench_col bench_floor_cols[] = {
	{"p50", "floor_p50_median", F50, 'n', 9, 0},
	{"p99", "floor_p99_median", F99, 'n', 9, 0},
	{"p99.99", "floor_p99.99_median", F9999, 'n', 9, 0},
	BENCH_COL_END};
static const struct bench_col bench_ratio_cols[] = {{NULL, "p50", P50, 'r', 0, 2},
						    {NULL, "p99", P99, 'r', 0, 2},
						    {NULL, "ready_p50", R50, 'r', 0, 2},
						    {NULL, "ready_p99", R99, 'r', 0, 2},
						    BENCH_COL_END};
static const struct bench_col bench_sweep_cols[] = {
	{"p50", NULL, P50, 'n', 9, 0},	     {"p99", NULL, P99, 'n', 9, 0},
	{"p99.99", NULL, P9999, 'n', 9, 0},  {"ticks/s", NULL, RATE, 'f', 12, 0},
	{"missed", NULL, MISSED, 'f', 9, 0}, {"ready p50", NULL, R50, 'n', 9, 0},
	{"ready p99", NULL, R99, 'n', 9, 0}, BENCH_COL_END};

void bench_lat_compare(FILE *f, const struct bench_result *r, size_t n)
{
	struct bench_summary sum[8];
	const struct bench_summary *m;
	size_t ns = bench_summarize(r, n, sum, 8, &m);
	fprintf(f,
		"\ncomparison (all consumers merged; median over %u run(s) per transport, "
		"interleaved;\n  ratio = transport / mdbus, >1 = mdbus is faster; p50*/p99* count "
		"lost ticks as slower than any delivered one)\n",
		ns ? (unsigned)(n / ns) : 0);
	for (int part = 0; part < 2; part++) {
		const struct bench_col *cols = part ? bench_ready_cols : bench_cmp_cols;
		if (part)
			fprintf(f, "\n  ticks that found their consumer idle (the transport's own "
				   "hand-over cost, without backlog)\n");
		fprintf(f, "  %-9s", "transport");
		bench_cols(f, cols, NULL, NULL);
		fprintf(f, part ? "\n" : "  p50 range\n");
		for (size_t i = 0; i < ns; i++) {
			char lo[24], hi[24];
			if (!sum[i].runs && !part)
				fprintf(f, "  %-9s %s\n", sum[i].t->name, sum[i].why);
			if (!sum[i].runs)
				continue;
			fprintf(f, "  %-9s", sum[i].t->name);
			bench_cols(f, cols, sum[i].med, m ? m->med : NULL);
			bench_fmt_ns((uint64_t)sum[i].med[P50LO], lo, sizeof(lo));
			bench_fmt_ns((uint64_t)sum[i].med[P50HI], hi, sizeof(hi));
			fprintf(f, part ? "\n" : "  %s..%s\n", lo, hi);
		}
		if (!part && m && m->floor_runs) { /* only mdbus runs are traced (floor.c) */
			fprintf(f, "  %-9s", "floor");
			bench_cols(f, bench_floor_cols, m->med, NULL);
			fprintf(f,
				"  (zero-cost transport through the stalls of the %u traced mdbus "
				"run(s); nothing measures lower)\n",
				m->floor_runs);
		}
	}
}

void bench_lat_sweep(FILE *f, const struct bench_result *r, size_t n)
{
	fprintf(f,
		"\nsweep (all consumers merged; ready = ticks that found their consumer idle)\n");
	fprintf(f, "  %-9s %9s %8s", "transport", "consumers", "rate");
	bench_cols(f, bench_sweep_cols, NULL, NULL);
	fprintf(f, "  note\n");
	for (size_t i = 0; i < n; i++) {
		char rate[24];
		double v[NFIG];
		bench_fmt_rate(r[i].cfg.rate, rate, sizeof(rate));
		fprintf(f, "  %-9s %9u %8s", r[i].t->name, r[i].nsub, rate);
		if (r[i].skipped) {
			fprintf(f, " skipped: %s\n", r[i].why);
			continue;
		}
		for (int k = 0; k < NFIG; k++)
			v[k] = bench_figure(&r[i], k);
		bench_cols(f, bench_sweep_cols, v, NULL);
		fprintf(f, "  %s%s%s\n", r[i].oversubscribed ? "oversubscribed " : "",
			r[i].failed ? "FAILED: " : "", r[i].failed ? r[i].why : "");
	}
}

/* The stalls each process saw and the zero-cost transport's latency over
 * them, or why there is none. */
static void bench_json_floor(struct bench_json *j, const struct bench_floor *fl)
{
	bench_j_open(j, "floor", '{');
	bench_j(j, "ok:b reason:s", fl->ok, fl->ok ? NULL : fl->why);
	if (fl->ok) {
		bench_j(j, "stall_min_ns:d", BENCH_STALL_MIN_NS);
		bench_j_open(j, "roles", '[');
		for (unsigned i = 0; i < fl->nrole; i++) {
			const struct bench_floor_cpu *c = &fl->role[i];
			bench_j_open(j, NULL, '{');
			bench_j(j,
				"role:s cpu:d away_pct:f4 stalls_per_s:f1 longest_ns:i truncated:b",
				i ? "consumer" : "publisher", c->cpu, c->away_pct, c->stalls_per_s,
				c->longest_ns, c->truncated);
			bench_j_close(j);
		}
		bench_j_close(j);
		bench_j_hist(j, "latency_ns", &fl->hist);
	}
	bench_j_close(j);
}

static void bench_json_sub(struct bench_json *j, unsigned i, const struct bench_sub_result *s)
{
	double span = (double)(s->last_ns - s->first_ns) / 1e9;
	bench_j_open(j, NULL, '{');
	bench_j(j, "index:d ok:b error:s cpu:d end_seen:b published:u received:u missed:u", i,
		s->ok, s->ok ? NULL : s->err, s->cpu, s->end_seen, s->published, s->received,
		s->gap_missed + s->tail_missed);
	bench_j(j, "gap_missed:u tail_missed:u transport_missed:u laps:u out_of_order:u negative:u",
		s->gap_missed, s->tail_missed, s->api_missed, s->laps, s->out_of_order,
		s->negative);
	bench_j(j,
		"ticks_per_s:f0 cpu_user_s:f3 cpu_sys_s:f3 cpu_pct:f1 invol_switches:u "
		"vol_switches:u",
		span > 0 ? (double)s->received / span : 0.0, s->cpu_user_s, s->cpu_sys_s,
		bench_cpu_pct(s), s->invol_switches, s->vol_switches);
	bench_j_hist(j, "latency_ns", &s->hist);
	bench_j_hist(j, "latency_ready_ns", &s->ready);
	bench_j_close(j);
}

/* long: one run as JSON, its members in order */
static void bench_json_run(struct bench_json *j, const struct bench_result *r)
{
	const struct bench_pub_result *p = &r->pub;
	uint64_t missed = bench_missed(r);
	bench_j_open(j, NULL, '{');
	bench_j(j, "transport:s skipped:b failed:b reason:s warning:s", r->t->name, r->skipped,
		r->failed, r->skipped || r->failed ? r->why : NULL,
		r->warning[0] ? r->warning : NULL);
	bench_j_open(j, "config", '{');
	bench_j(j, "consumers:d duration_s:f3 rate:u wait:b oversubscribed:b pinned:b",
		r->cfg.consumers, (double)r->cfg.duration_ns / 1e9, r->cfg.rate, r->cfg.wait,
		r->oversubscribed, r->cfg.ncpus > 0);
	bench_j_close(j);
	if (r->skipped) {
		bench_j_close(j);
		return;
	}
	bench_j_open(j, "publisher", '{');
	bench_j(j, "cpu:d published:u seconds:f3 ticks_per_s:f0 refused:u max_behind_ns:i cpu_s:f3",
		p->cpu, p->published, (double)(p->end_ns - p->start_ns) / 1e9, bench_pub_rate(p),
		p->dropped, p->max_behind_ns, p->cpu_user_s + p->cpu_sys_s);
	bench_j_close(j);
	bench_j_open(j, "consumers", '[');
	for (unsigned i = 0; i < r->nsub; i++)
		bench_json_sub(j, i, &r->sub[i]);
	bench_j_close(j);
	bench_json_floor(j, &r->floor);
	bench_j(j, "accounted:b missed:u", bench_accounted(r), missed);
	bench_j_hist(j, "latency_ns", &r->all);
	bench_j_hist(j, "latency_ready_ns", &r->all_ready);
	bench_j_open(j, "latency_lossy_ns", '{'); /* null = among the lost ticks */
	for (int i = 0; i < BENCH_NPCT; i++) {
		char spec[16];
		uint64_t v = bench_lossy(&r->all, missed, bench_pcts[i]);
		snprintf(spec, sizeof(spec), "%s:%c", bench_pct_names[i],
			 v == UINT64_MAX ? 's' : 'u');
		if (v == UINT64_MAX)
			bench_j(j, spec, NULL);
		else
			bench_j(j, spec, v);
	}
	bench_j_close(j);
	bench_j_close(j);
}

/* --compare: the medians per transport and their ratios to mdbus. */
static void bench_json_summary(struct bench_json *j, const struct bench_result *r, size_t n)
{
	struct bench_summary sum[8];
	const struct bench_summary *m;
	size_t ns = bench_summarize(r, n, sum, 8, &m);
	static const struct bench_col range[] = {{NULL, "p50_min", P50LO, 'n', 0, 0},
						 {NULL, "p50_max", P50HI, 'n', 0, 0},
						 BENCH_COL_END};
	bench_j_open(j, "summary", '{');
	for (size_t i = 0; i < ns; i++) {
		bench_j_open(j, sum[i].t->name, '{');
		bench_j(j, "runs:d skipped:b", sum[i].runs, !sum[i].runs);
		if (sum[i].runs) {
			bench_cols_json(j, range, sum[i].med, NULL);
			bench_cols_json(j, bench_cmp_cols, sum[i].med, NULL);
		}
		if (sum[i].floor_runs) {
			bench_cols_json(j, bench_floor_cols, sum[i].med, NULL);
			bench_j(j, "floor_runs:d", sum[i].floor_runs);
		}
		bench_j_close(j);
	}
	bench_j_close(j);
	if (!m || m->med[P50] <= 0 || m->med[P99] <= 0)
		return;
	bench_j_open(j, "ratios_vs_mdbus", '{');
	for (size_t i = 0; i < ns; i++) {
		if (&sum[i] == m || !sum[i].runs)
			continue;
		bench_j_open(j, sum[i].t->name, '{');
		bench_cols_json(j, bench_ratio_cols, sum[i].med, m->med);
		bench_j_close(j);
	}
	bench_j_close(j);
}

void bench_lat_json(FILE *f, const struct bench_sysinfo *si, const char *mode,
		    const struct bench_result *r, size_t n)
{
	struct bench_json j = {.f = f};
	bench_j_doc(&j, si, mode);
	bench_j_open(&j, "clock", '{');
	bench_j(&j, "name:s read_ns:f1", "CLOCK_MONOTONIC", si->clock_cost_ns);
	bench_j_close(&j);
	bench_j_open(&j, "runs", '[');
	for (size_t i = 0; i < n; i++)
		bench_json_run(&j, &r[i]);
	bench_j_close(&j);
	if (strcmp(mode, "compare") == 0)
		bench_json_summary(&j, r, n);
	bench_j_close(&j);
}

int bench_lat_plot(const char *path, const struct bench_sysinfo *si, const struct bench_result *r,
		   size_t n, char *err, size_t len)
{
	/* Per (transport, consumers, rate), repeated runs merged: solid = every
	 * tick, dashed = ticks that found the consumer idle, dotted = the floor. */
	struct bench_curve *c = calloc(3 * n + 1, sizeof(*c));
	const struct bench_result *key[BENCH_LAT_MAXRUNS];
	size_t ng = 0, nc = 0;
	char t[256];
	if (!c) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < ng && (key[k]->t != r[i].t || key[k]->nsub != r[i].nsub ||
				  key[k]->cfg.rate != r[i].cfg.rate))
			k++;
		if (r[i].skipped || !r[i].all.count)
			continue;
		if (k == ng) {
			char rate[24];
			bench_fmt_rate(r[i].cfg.rate, rate, sizeof(rate));
			key[ng++] = &r[i];
			for (int q = 0; q < 3; q++) {
				struct bench_curve *cv = &c[3 * k + q];
				bench_hist_reset(&cv->h);
				snprintf(cv->style, sizeof(cv->style), "%s lc %zu dt %d",
					 q ? "with lines" : "with linespoints", k + 1, q + 1);
				snprintf(cv->title, sizeof(cv->title), "%s, %s", r[i].t->name,
					 q == 1 ? "idle consumer" : "floor (zero-cost transport)");
			}
			snprintf(c[3 * k].title, sizeof(c[3 * k].title), "%s, %u consumer(s), %s",
				 r[i].t->name, r[i].nsub, rate);
		}
		bench_hist_merge(&c[3 * k].h, &r[i].all);
		bench_hist_merge(&c[3 * k + 1].h, &r[i].all_ready);
		if (r[i].floor.ok)
			bench_hist_merge(&c[3 * k + 2].h, &r[i].floor.hist);
	}
	for (size_t k = 0; k < 3 * ng; k++) /* drop the empty curves */
		if (c[k].h.count)
			memmove(&c[nc++], &c[k], sizeof(*c));
	snprintf(t, sizeof(t), "mdbus-bench one-way latency, %d cores, %s", si->cores,
		 si->cpu_model);
	int rc = bench_plot(path, t, c, nc, err, len);
	free(c);
	return rc;
}
