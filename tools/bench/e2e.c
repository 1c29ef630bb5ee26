/* SPDX-License-Identifier: MIT */
/*
 * e2e.c: `mdbus-bench e2e` (e2e.h): the options, the rates one after the
 * other, and the report: per rate one row per client (its total latency)
 * and per hop, the floor, and the ratios to mdbus.
 */
#include "e2e.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const e2e_names[E2E_NCLIENTS] = {"mdbus", "c", "python"};
static const char *const e2e_hop_names[E2E_NHOPS] = {"send->recv_ts", "recv->decrypt",
						     "decrypt->pub", "recv_ts->read"};

enum { F_RECV, F_SENT, F_P50, F_P90, F_P99, F_P999, F_MAX, F_CPU, F_NF };
static const struct bench_col e2e_cols[] = {
	{"received", "received", F_RECV, 'f', 9, 0},
	{"sent", "sent", F_SENT, 'f', 9, 0},
	{"p50", "p50_ns", F_P50, 'n', 8, 0},
	{"p90", "p90_ns", F_P90, 'n', 8, 0},
	{"p99", "p99_ns", F_P99, 'n', 8, 0},
	{"p99.9", "p99.9_ns", F_P999, 'n', 8, 0},
	{"max", "max_ns", F_MAX, 'n', 8, 0},
	{"cpu/msg", "cpu_ns_per_msg", F_CPU, 'n', 8, 0},
	BENCH_COL_END,
};

/* A row's figures: h's percentiles, counts and CPU per message (NAN: none). */
static void e2e_figs(const struct bench_hist *h, double recv, double sent, double cpu, double *v)
{
	v[F_RECV] = recv;
	v[F_SENT] = sent;
	v[F_P50] = h->count ? (double)bench_hist_percentile(h, 50) : NAN;
	v[F_P90] = h->count ? (double)bench_hist_percentile(h, 90) : NAN;
	v[F_P99] = h->count ? (double)bench_hist_percentile(h, 99) : NAN;
	v[F_P999] = h->count ? (double)bench_hist_percentile(h, 99.9) : NAN;
	v[F_MAX] = h->count ? (double)h->max : NAN;
	v[F_CPU] = cpu;
}

/* CPU ns per message handled in the window, NAN when unknown. */
static double e2e_cpu_per_msg(const struct e2e_reader *r)
{
	return r->handled && isfinite(r->cpu_s) ? r->cpu_s * 1e9 / (double)r->handled : NAN;
}

/* What a reader's row says besides its figures. TCP loses nothing: a
 * reader short of "sent" is behind, or lost ticks in the ring (laps), or
 * short by the sampling of the simulator's count (a few ms of messages). */
static const char *e2e_state(const struct e2e_reader *r)
{
	if (r->err[0])
		return r->err;
	if (!r->done)
		return "BEHIND: still reading the window at its deadline (backlog)";
	if (r->missed)
		return "lost ticks in the ring (a lap)";
	return "kept up";
}

static void e2e_row(struct bench_json *j, const char *client, const char *hop, const double *v,
		    const struct e2e_reader *rd)
{
	const char *state = rd ? e2e_state(rd) : NULL;
	if (!j) {
		printf("  %-7s %-14s", client, hop);
		bench_cols(stdout, e2e_cols, v, NULL);
		printf("  %s\n", state ? state : "");
		return;
	}
	bench_j_open(j, NULL, '{');
	bench_j(j, "client:s hop:s state:s", client, hop, state);
	if (rd)
		bench_j(j, "kept_up:b ok:b missed:u negative:u", rd->done, rd->ok, rd->missed,
			rd->negative);
	bench_cols_json(j, e2e_cols, v, NULL);
	bench_j_close(j);
}

/* Every row of one rate: each client's total, mdbus's hops, the floor. */
static void e2e_rows(struct bench_json *j, const struct e2e_result *r, double *p50, double *cpu)
{
	double v[F_NF];
	for (int c = 0; c < E2E_NCLIENTS; c++) {
		const struct e2e_reader *rd = &r->rd[c];
		p50[c] = cpu[c] = NAN;
		if (!rd->ran)
			continue;
		e2e_figs(&rd->total, (double)rd->received, (double)r->sent, e2e_cpu_per_msg(rd), v);
		p50[c] = v[F_P50];
		cpu[c] = v[F_CPU];
		e2e_row(j, e2e_names[c], "send->read", v, rd);
		for (int h = 0; c == E2E_MDBUS && h < E2E_NHOPS; h++) {
			e2e_figs(&rd->hop[h], NAN, NAN, NAN, v);
			e2e_row(j, j ? "mdbus" : "", e2e_hop_names[h], v, NULL);
		}
	}
	e2e_figs(&r->floor, NAN, NAN, NAN, v);
	if (!j)
		printf("  %-7s %-14s", "floor", "zero-cost");
	else
		bench_j_open(j, NULL, '{'); /* a row of its own */
	if (j)
		bench_j(j, "client:s hop:s", "floor", "zero-cost");
	if (!j)
		bench_cols(stdout, e2e_cols, v, NULL);
	else
		bench_cols_json(j, e2e_cols, v, NULL);
	if (!j)
		printf("  %s\n", r->floor_ok ? "a zero-cost reader over the stalls probed before"
					     : r->floor_why);
	else
		bench_j(j, "ok:b why:s", r->floor_ok, r->floor_ok ? NULL : r->floor_why);
	if (j)
		bench_j_close(j);
}

static double e2e_ratio(double a, double b)
{
	return b > 0 && isfinite(a) ? a / b : NAN;
}

static void e2e_rate_report(struct bench_json *j, const struct e2e_result *r)
{
	double p50[E2E_NCLIENTS], cpu[E2E_NCLIENTS];
	double ach = r->window_s > 0 ? (double)r->sent / r->window_s : 0;
	double sim_cpu = r->sent ? r->sim_cpu_s * 1e9 / (double)r->sent : NAN;
	if (!j) {
		printf("\nrate %llu/s: %llu symbol(s) x %llu/s, achieved %.0f/s (%llu sent in %.2f "
		       "s); "
		       "%s\n  %-7s %-14s",
		       (unsigned long long)r->rate, (unsigned long long)r->nsym,
		       (unsigned long long)(r->rate / r->nsym), ach, (unsigned long long)r->sent,
		       r->window_s, r->cpus_text, "client", "hop");
		bench_cols(stdout, e2e_cols, NULL, NULL);
		printf("\n");
	} else {
		bench_j_open(j, NULL, '{');
		bench_j(j,
			"rate:u symbols:u achieved_rate:f0 sent:u window_s:f3 cpus:s "
			"sim_cpu_ns_per_msg:f0",
			r->rate, r->nsym, ach, r->sent, r->window_s, r->cpus_text, sim_cpu);
		bench_j_open(j, "rows", '[');
	}
	e2e_rows(j, r, p50, cpu);
	double rt[4] = {
		e2e_ratio(p50[E2E_PY], p50[E2E_MDBUS]), e2e_ratio(p50[E2E_C], p50[E2E_MDBUS]),
		e2e_ratio(cpu[E2E_PY], cpu[E2E_MDBUS]), e2e_ratio(cpu[E2E_C], cpu[E2E_MDBUS])};
	if (!j) {
		char t[4][16];
		for (int k = 0; k < 4; k++)
			if (isfinite(rt[k]))
				snprintf(t[k], sizeof(t[k]), "%.1fx", rt[k]);
			else
				snprintf(t[k], sizeof(t[k]), "-");
		printf("  ratios: p50 python/mdbus %s, c/mdbus %s; cpu/msg python/mdbus %s, "
		       "c/mdbus %s (mdbus cpu = feedd + consumer 0; sim %.0f ns/msg)\n",
		       t[0], t[1], t[2], t[3], sim_cpu);
		return;
	}
	bench_j_close(j);
	bench_j_open(j, "ratios", '{');
	bench_j(j,
		"p50_python_over_mdbus:f2 p50_c_over_mdbus:f2 cpu_python_over_mdbus:f2 "
		"cpu_c_over_mdbus:f2",
		rt[0], rt[1], rt[2], rt[3]);
	bench_j_close(j);
	bench_j_close(j);
}

/* Empties and removes the run's directory (certificates, logs, results). */
static void e2e_rmdir(const char *dir)
{
	char path[512];
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void e2e_usage(FILE *f)
{
	fputs("usage: mdbus-bench e2e [options]   exchange -> TLS -> feedd -> ring -> consumer,\n"
	      "                                   against a Python and a plain C client\n"
	      "Latency = CLOCK_REALTIME at read - the simulator's send stamp (mdbus-sim --stamp).\n"
	      "options:\n"
	      "      --rates L           total trades/s, one run each (default 10k,100k,1M)\n"
	      "      --consumers N       mdbus consumers, 1..64 (default 1): latencies merged,\n"
	      "                          counts and CPU of consumer 0\n"
	      "  -d, --duration D        measured window per rate (default 5s)\n"
	      "      --clients L         of mdbus,c,python (default all three)\n"
	      "      --cpus LIST         the simulator's CPU, then the others' (default: ours)\n"
	      "      --busy              a latency deployment: feedd pinned with idle = busy, the\n"
	      "                          consumers spinning (no futex) on the next CPU, the\n"
	      "                          baselines on the rest (4 CPUs; fewer are shared)\n"
	      "  -j, --json              JSON on stdout\n"
	      "  -p, --plot PNG          latency percentile curves (gnuplot)\n"
	      "  -v, --verbose           keep the run's directory (logs, "
	      "configuration)\n" TOOLS_STD_USAGE,
	      f);
}

static const char *e2e_opt_rates(void *dst, const char *arg)
{
	struct e2e_cfg *c = dst;
	if (bench_parse_list(arg, 1, 10000000, c->rates, E2E_MAX_RATES, &c->nrates) < 0)
		return "expected up to 8 rates like 10k,100k,1M";
	return NULL;
}

static const char *e2e_opt_clients(void *dst, const char *arg)
{
	unsigned *m = dst;
	*m = 0;
	for (const char *s = arg; *s;) {
		size_t n = strcspn(s, ","), k = 0;
		while (k < E2E_NCLIENTS &&
		       (strlen(e2e_names[k]) != n || strncmp(s, e2e_names[k], n) != 0))
			k++;
		if (k == E2E_NCLIENTS)
			return "expected a list of mdbus, c, python";
		*m |= 1u << k;
		s += n + (s[n] == ',');
	}
	return *m ? NULL : "expected a list of mdbus, c, python";
}

/* Each client's total latency at each rate as percentile curves. */
static int e2e_plot(const struct e2e_cfg *cfg, const struct e2e_result *res)
{
	static struct bench_curve c[E2E_MAX_RATES * E2E_NCLIENTS];
	static const char *const color[E2E_NCLIENTS] = {"#0060c0", "#c08000", "#c00000"};
	static const char *const dash[3] = {"1", "2", "3"};
	char err[256];
	size_t n = 0;
	for (unsigned i = 0; i < cfg->nrates; i++)
		for (int k = 0; k < E2E_NCLIENTS; k++) {
			if (!res[i].rd[k].ran || !res[i].rd[k].total.count)
				continue;
			c[n].h = res[i].rd[k].total;
			snprintf(c[n].style, sizeof(c[n].style),
				 "with lines lw 2 lc rgb '%s' dt %s", color[k], dash[i % 3]);
			snprintf(c[n].title, sizeof(c[n].title), "%s %llu/s%s", e2e_names[k],
				 (unsigned long long)res[i].rate,
				 res[i].rd[k].done ? "" : " (behind)");
			n++;
		}
	if (bench_plot(cfg->plot, "mdbus-bench e2e: simulator send -> read", c, n, err,
		       sizeof(err)) < 0) {
		tools_error("mdbus-bench e2e", "--plot: %s", err);
		return 1;
	}
	if (!cfg->json)
		printf("plot: %s\n", cfg->plot);
	return 0;
}

/* Every rate, reported as it ends (tables) or at the end (JSON). */
static int e2e_execute(const struct e2e_cfg *cfg, const char *dir)
{
	static struct e2e_result res[E2E_MAX_RATES];
	struct bench_sysinfo si;
	struct bench_json j = {.f = stdout};
	int failed = 0;
	bench_sysinfo_get(&si);
	if (cfg->json) {
		bench_j_doc(&j, &si, "e2e");
		bench_j(&j, "consumers:u duration_s:f3 dir:s", (uint64_t)cfg->consumers,
			(double)cfg->duration_ns / 1e9, cfg->verbose ? dir : NULL);
		bench_j_open(&j, "rates", '[');
	} else {
		bench_report_machine(stdout, &si);
	}
	for (unsigned i = 0; i < cfg->nrates; i++) {
		if (e2e_run_rate(cfg, cfg->rates[i], dir, &res[i]) < 0) {
			tools_error("mdbus-bench e2e", "rate %llu: %s",
				    (unsigned long long)cfg->rates[i], res[i].why);
			failed = 1;
			continue;
		}
		for (int c = 0; c < E2E_NCLIENTS; c++)
			failed |= res[i].rd[c].ran && !res[i].rd[c].ok;
		e2e_rate_report(cfg->json ? &j : NULL, &res[i]);
		fflush(stdout);
	}
	if (cfg->json) {
		bench_j_close(&j);
		bench_j_close(&j);
	} else if (cfg->verbose) {
		printf("\nlogs: %s\n", dir);
	}
	if (cfg->plot)
		failed |= e2e_plot(cfg, res);
	return failed;
}

int bench_e2e_main(int argc, char **argv)
{
	static struct e2e_cfg cfg = {
		.rates = {10000, 100000, 1000000},
		.nrates = 3,
		.clients = (1u << E2E_NCLIENTS) - 1,
		.duration_ns = 5000000000LL,
		.warmup_ns = 3000000000LL,
	};
	uint64_t consumers = 1;
	const struct tools_opt opts[] = {
		BENCH_FN("rates", 0, &cfg, e2e_opt_rates),
		BENCH_NUM("consumers", 0, COUNT, &consumers, 1, BENCH_MAX_CONSUMERS,
			  "expected 1..64"),
		BENCH_NUM("duration", 'd', DURATION, &cfg.duration_ns, 100000000, 600000000000LL,
			  "expected 100ms..10m"),
		BENCH_FN("clients", 0, &cfg.clients, e2e_opt_clients),
		BENCH_FN("cpus", 0, &cfg.cpus, bench_opt_cpus),
		BENCH_FLAG("busy", 0, &cfg.busy, 1),
		BENCH_FLAG("json", 'j', &cfg.json, 1),
		BENCH_NUM("plot", 'p', STR, &cfg.plot, 0, 0, NULL),
		BENCH_FLAG("verbose", 'v', &cfg.verbose, 1),
		BENCH_HELP,
	};
	int rc = bench_opts("mdbus-bench e2e", e2e_usage, opts, sizeof(opts) / sizeof(opts[0]),
			    argc, argv);
	if (rc >= 0)
		return rc;
	cfg.consumers = (unsigned)consumers;
	char dir[] = "/tmp/mdbus-e2e-XXXXXX", err[300];
	if (!mkdtemp(dir)) {
		tools_error("mdbus-bench e2e", "mkdtemp: %s", strerror(errno));
		return 1;
	}
	if (e2e_make_certs(dir, err, sizeof(err)) < 0) {
		tools_error("mdbus-bench e2e", "%s", err);
		e2e_rmdir(dir);
		return 1;
	}
	rc = e2e_execute(&cfg, dir);
	if (!cfg.verbose)
		e2e_rmdir(dir);
	return rc;
}
