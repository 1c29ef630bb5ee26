/* SPDX-License-Identifier: MIT */
/* report.c: machine facts, formats, medians, JSON and plots for every mode. */
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

const double bench_pcts[BENCH_NPCT] = {50.0, 90.0, 99.0, 99.9, 99.99};
const char *const bench_pct_names[BENCH_NPCT] = {"p50", "p90", "p99", "p99.9", "p99.99"};

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

void bench_fmt_ns(uint64_t ns, char *buf, size_t len)
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

void bench_fmt_rate(uint64_t rate, char *buf, size_t len)
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

uint64_t bench_u(double v)
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

static void bench_j_key(struct bench_json *j, const char *key)
{
	if (j->depth > 0 && j->items[j->depth - 1]++)
		fputc(',', j->f);
	if (j->depth > 0)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	if (key)
		fprintf(j->f, "\"%s\": ", key);
}

void bench_j_open(struct bench_json *j, const char *key, char brace)
{
	bench_j_key(j, key);
	fputc(brace, j->f);
	j->close[j->depth] = brace == '{' ? '}' : ']';
	j->items[j->depth++] = 0;
}

void bench_j_close(struct bench_json *j)
{
	j->depth--;
	fprintf(j->f, "\n%*s%c", 2 * j->depth, "", j->close[j->depth]);
	if (j->depth == 0)
		fputc('\n', j->f);
}

static void bench_j_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void bench_j(struct bench_json *j, const char *spec, ...)
{
	va_list ap;
	char key[48];
	va_start(ap, spec);
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ":");
		char t = p[n + 1];
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		bench_j_key(j, key);
		if (t == 'u')
			fprintf(j->f, "%llu", (unsigned long long)va_arg(ap, uint64_t));
		else if (t == 'i')
			fprintf(j->f, "%lld", (long long)va_arg(ap, int64_t));
		else if (t == 'd')
			fprintf(j->f, "%d", va_arg(ap, int));
		else if (t == 'b')
			fputs(va_arg(ap, int) ? "true" : "false", j->f);
		else if (t == 's')
			bench_j_str(j->f, va_arg(ap, const char *));
		else if (t == 'f')
			fprintf(j->f, "%.*f", p[n + 2] - '0', va_arg(ap, double));
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
		double x = v[c->fig], y = c->fmt == 'r' ? base[c->fig] : 1;
		x = y > 0 ? x / y : 0;
		bench_j_key(j, c->key);
		if (isnan(x))
			fputs("null", j->f);
		else if (c->fmt == 'n')
			fprintf(j->f, "%llu", (unsigned long long)bench_u(x));
		else
			fprintf(j->f, "%.*f", c->dec, x);
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
