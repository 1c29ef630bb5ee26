/* SPDX-License-Identifier: MIT */
/*
 * e2e_run.c: one rate of `mdbus-bench e2e` (e2e.h). The stall probe first
 * (the floor), then mdbus-sim --stamp, feedd over TLS, the mdbus consumers
 * (forked: they write into a shared mapping) and the baselines (executed:
 * one JSON line on stdout, latencies in a file). Everyone records the
 * trades stamped in one window [from, to) of CLOCK_REALTIME; the parent
 * samples every process's CPU time (/proc/PID/stat) and the simulator's
 * stamped count at both ends of it.
 */
#include "e2e.h"
#include "mdbus_health.h"
#include "noise.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define E2E_GRACE_NS 3000000000LL /* after the window: a reader still behind is reported so */
#define E2E_FLOOR_NS 1000000000LL /* the stall probe before each rate */

/* Processes: the simulator, feedd, the baselines, then the consumers. */
enum { P_SIM, P_FEEDD, P_C, P_PY, P_CONS, P_MAX = P_CONS + BENCH_MAX_CONSUMERS };

struct e2e_proc {
	pid_t pid[P_MAX];
	int sim_out; /* the simulator's stdout (its "listening" line) */
	int port;
	char bus[64], ctl[160], dir[128];
	cpu_set_t sim_set, rest_set; /* the simulator's; the baselines' */
	cpu_set_t feedd_set, cons_set;
	int feedd_cpu; /* --busy: feedd's [feed] cpu, else -1 */
	int busy;
	struct e2e_reader *cons; /* consumers' results, shared */
	size_t cons_len;
};

static int64_t e2e_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void e2e_sleep_until(int64_t real_ns)
{
	int64_t d = real_ns - e2e_real_ns();
	if (d > 0) {
		struct timespec ts = {d / 1000000000, d % 1000000000};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* utime + stime of pid in seconds (/proc/PID/stat fields 14 and 15), or NAN. */
static double e2e_proc_cpu(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long ut, st;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return NAN;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the name may hold spaces; the fields after it don't */
	for (int space = 0; p && space < 12; space++) /* the 12th space precedes utime */
		p = strchr(p + 1, ' ');
	if (!p)
		return NAN;
	ut = strtoul(p + 1, &p, 10);
	st = strtoul(p, NULL, 10);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* fork + exec argv pinned to set, stdout to out_fd (or a new pipe in
 * *pipe_rd), stderr appended to log. The pid or -errno. */
static pid_t e2e_spawn(char *const argv[], const cpu_set_t *set, int out_fd, int *pipe_rd,
		       const char *log)
{
	int pfd[2] = {-1, -1};
	if (pipe_rd && pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		sched_setaffinity(0, sizeof(*set), set);
		if (lfd >= 0)
			dup2(lfd, 2);
		dup2(pipe_rd ? pfd[1] : out_fd, 1);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pipe_rd) {
		close(pfd[1]);
		*pipe_rd = pid > 0 ? pfd[0] : (close(pfd[0]), -1);
	}
	return pid < 0 ? -errno : pid;
}

/* The port of the simulator's "listening 127.0.0.1:PORT" line, or -errno. */
static int e2e_sim_port(int fd)
{
	char buf[256];
	size_t n = 0;
	struct pollfd p = {fd, POLLIN, 0};
	while (n < sizeof(buf) - 1 && poll(&p, 1, 20000) == 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return -EPIPE;
		n += (size_t)r;
		buf[n] = '\0';
		const char *l = strstr(buf, "listening 127.0.0.1:");
		if (l && strchr(l, '\n'))
			return (int)strtol(l + 20, NULL, 10);
	}
	return -ETIMEDOUT;
}

/* The simulator's stamped-trade count (its control socket's stats), or -1. */
static int64_t e2e_sim_stamped(const char *ctl)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[8192];
	size_t n = 0;
	int64_t v = -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, "stats\n", 6) != 6) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct pollfd p = {fd, POLLIN, 0};
	while (n < sizeof(buf) - 1 && !memchr(buf, '\n', n) && poll(&p, 1, 5000) == 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	const char *k = strstr(buf, "\"trades_stamped\":");
	if (k)
		v = strtoll(k + 17, NULL, 10);
	return v;
}

/* Symbol k's native name, lower case ("e2e007usdt"), and normalized ("E2E007-USDT"). */
static void e2e_symbol(unsigned k, char *native, size_t nl, char *norm, size_t ml)
{
	snprintf(native, nl, "e2e%03uusdt", k);
	snprintf(norm, ml, "E2E%03u-USDT", k);
}

static int e2e_write_config(const struct e2e_proc *ep, unsigned nsym, char *path, size_t len)
{
	char native[32], norm[32];
	snprintf(path, len, "%s/feedd.ini", ep->dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	/* refdata = no: the run measures the data path, not the start-up fetch */
	fprintf(f, "[bus]\nname = %s\nslots = 65536\n\n[feed]\nca_file = %s/ca.pem\nrefdata = no\n",
		ep->bus, ep->dir);
	if (ep->feedd_cpu >= 0) /* --busy: feedd polls its completion queue on its own CPU */
		fprintf(f, "cpu = %d\nidle = busy\n", ep->feedd_cpu);
	fputc('\n', f);
	fprintf(f,
		"[session e2e]\nvenue = binance\nurl = wss://localhost:%d/ws\n"
		"channels = trades\nsymbols = ",
		ep->port);
	for (unsigned k = 0; k < nsym; k++) { /* a list goes on over indented lines */
		e2e_symbol(k, native, sizeof(native), norm, sizeof(norm));
		fprintf(f, "%s%s", k ? ",\n    " : "", norm);
	}
	fputc('\n', f);
	return fclose(f) == 0 ? 0 : -EIO;
}

/* Records one stamped trade read at now; age: mdbus_tick_age_ns at the
 * read (recv_ts -> read, the documented helper a strategy would use). */
static void e2e_note(struct e2e_reader *r, int64_t now, int64_t stamp, int64_t recv_ts, int64_t age)
{
	static const int hops[2] = {E2E_HOP_SEND_RECV, E2E_HOP_RECV_READ};
	int64_t v[2] = {recv_ts - stamp, age};
	r->received++;
	bench_hist_record(&r->total, (uint64_t)(now > stamp ? now - stamp : 0));
	for (int h = 0; h < 2 && recv_ts; h++) {
		r->negative += v[h] < 0;
		bench_hist_record(&r->hop[hops[h]], (uint64_t)(v[h] > 0 ? v[h] : 0));
	}
}

/* A consumer: blocks on the ring (mdbus_reader_wait), or with spin polls it
 * (no syscall while idle), and times every trade. */
static int e2e_consume(const char *bus, int spin, struct e2e_reader *r, int64_t from, int64_t to,
		       int64_t deadline)
{
	char why[160] = ""; /* a failure's reason (a warning is dropped) */
	struct mdbus_reader_opts o = {.bus = bus, .errbuf = why, .errlen = sizeof(why)};
	mdbus_reader *rd = NULL;
	struct mdbus_tick t;
	uint64_t missed;
	int rc = mdbus_reader_follow(&rd, &o, 20000);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "%s", why);
	while (rc == 0 && !r->done) {
		int64_t now = e2e_real_ns();
		if (now >= deadline)
			break;
		if ((rc = mdbus_reader_next(rd, &t, NULL, &missed)) == 0) {
			rc = spin ? 0 : mdbus_reader_wait(rd, 50);
			rc = rc == -ETIMEDOUT || rc == -EINTR ? 0 : rc;
			continue;
		}
		if (rc < 0)
			break;
		rc = 0;
		r->missed += missed;
		if (t.kind != MDBUS_KIND_TRADE)
			continue;
		int64_t age = mdbus_tick_age_ns(&t);
		now = e2e_real_ns();
		int64_t stamp = (int64_t)t.u.trade.trade_id;
		r->handled += now >= from && now < to;
		r->done = stamp >= to;
		if (stamp >= from && stamp < to)
			e2e_note(r, now, stamp, t.recv_ts, age);
	}
	if (rc < 0 && !r->err[0])
		snprintf(r->err, sizeof(r->err), "reader: %s", mdbus_strerror(rc));
	r->ok = rc == 0;
	mdbus_reader_close(rd);
	return r->ok ? 0 : 1;
}

static void e2e_reader_reset(struct e2e_reader *r)
{
	memset(r, 0, offsetof(struct e2e_reader, total));
	bench_hist_reset(&r->total);
	for (int h = 0; h < E2E_NHOPS; h++)
		bench_hist_reset(&r->hop[h]);
}

/* A baseline's results: its JSON line and its latency file. */
static void e2e_baseline_read(const char *dir, const char *name, struct e2e_reader *r)
{
	char path[256];
	json_error_t je;
	int64_t v[4096];
	size_t n;
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	json_t *j = json_load_file(path, 0, &je);
	const char *e = json_string_value(json_object_get(j, "error"));
	if (!j) {
		snprintf(r->err, sizeof(r->err), "no result line (see %s/%s.log)", dir, name);
		return;
	}
	r->handled = (uint64_t)json_integer_value(json_object_get(j, "handled"));
	r->done = json_is_true(json_object_get(j, "done"));
	snprintf(r->err, sizeof(r->err), "%s", e ? e : "");
	r->ok = !r->err[0];
	json_decref(j);
	snprintf(path, sizeof(path), "%s/%s.lat", dir, name);
	FILE *f = fopen(path, "rb");
	while (f && (n = fread(v, sizeof(v[0]), sizeof(v) / sizeof(v[0]), f)) > 0)
		for (size_t i = 0; i < n; i++) {
			r->received++;
			r->negative += v[i] < 0;
			bench_hist_record(&r->total, (uint64_t)(v[i] > 0 ? v[i] : 0));
		}
	if (f)
		fclose(f);
}

static pid_t e2e_baseline_start(struct e2e_proc *ep, const char *name, const char *exe,
				const char *script, const char *syms, const int64_t win[3])
{
	char port[16], out[256], json[256], log[256], from[24], to[24], dl[24];
	snprintf(port, sizeof(port), "%d", ep->port);
	snprintf(out, sizeof(out), "%s/%s.lat", ep->dir, name);
	snprintf(json, sizeof(json), "%s/%s.json", ep->dir, name);
	snprintf(log, sizeof(log), "%s/%s.log", ep->dir, name);
	snprintf(from, sizeof(from), "%" PRId64, win[0]);
	snprintf(to, sizeof(to), "%" PRId64, win[1]);
	snprintf(dl, sizeof(dl), "%" PRId64, win[2]);
	char ca[160];
	snprintf(ca, sizeof(ca), "%s/ca.pem", ep->dir);
	char *argv[20] = {(char *)exe}, **a = argv + 1;
	if (script)
		*a++ = (char *)script;
	char *rest[] = {"--port", port, "--ca", ca, "--symbols",  (char *)syms, "--out", out,
			"--from", from, "--to", to, "--deadline", dl,		NULL};
	memcpy(a, rest, sizeof(rest));
	int fd = open(json, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid_t pid = fd >= 0 ? e2e_spawn(argv, &ep->rest_set, fd, NULL, log) : -errno;
	if (fd >= 0)
		close(fd);
	return pid;
}

/* The stall probe on the simulator's CPU and the readers' first one: a
 * zero-cost reader at rate over those stalls is the floor. */
static void e2e_floor(const struct e2e_proc *ep, uint64_t rate, struct e2e_result *res)
{
	int cpus[2] = {-1, -1};
	unsigned n = 0;
	struct bench_noise nz;
	for (int c = 0; c < CPU_SETSIZE && n < 1; c++)
		if (CPU_ISSET(c, &ep->sim_set))
			cpus[n++] = c;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &ep->rest_set) && c != cpus[0])
			cpus[n++] = c;
	bench_hist_reset(&res->floor);
	int rc = bench_noise_probe(cpus, n, E2E_FLOOR_NS, &nz);
	if (rc < 0) {
		snprintf(res->floor_why, sizeof(res->floor_why), "probe: %s", strerror(-rc));
		return;
	}
	res->floor_ok = nz.cpu[0].ok && nz.cpu[nz.n - 1].ok;
	if (res->floor_ok)
		bench_noise_floor(nz.n > 1 ? &nz.cpu[0] : NULL, &nz.cpu[nz.n - 1], rate,
				  &res->floor);
	else
		snprintf(res->floor_why, sizeof(res->floor_why), "%s", nz.cpu[0].err);
	bench_noise_free(&nz);
}

/* The simulator alone on the first CPU of --cpus (or of our mask), the rest
 * on the others; with one CPU everything shares it. With --busy, feedd
 * (pinned, idle = busy) and the spinning consumers each get the next CPU
 * and the baselines the rest; with fewer than 4 the last CPU is shared. */
static void e2e_cpus(const struct e2e_cfg *cfg, struct e2e_proc *ep, struct e2e_result *res)
{
	int cpus[BENCH_MAX_CONSUMERS + 1], n = cfg->cpus.ncpus;
	if (n > 0)
		memcpy(cpus, cfg->cpus.cpus, sizeof(int) * (size_t)n);
	else
		n = bench_usable_cpus(cpus, BENCH_MAX_CONSUMERS + 1);
	int first = n > 1 ? 1 : 0, busy = cfg->busy ? 2 : 0; /* CPUs taken before the rest */
	int rest = first + busy < n ? first + busy : n - 1;
	int fcpu = cpus[first], ccpu = cpus[first + 1 < n ? first + 1 : n - 1];
	CPU_ZERO(&ep->sim_set);
	CPU_ZERO(&ep->rest_set);
	CPU_SET(cpus[0], &ep->sim_set);
	for (int i = rest; i < n; i++)
		CPU_SET(cpus[i], &ep->rest_set);
	ep->feedd_set = ep->cons_set = ep->rest_set;
	ep->feedd_cpu = -1;
	ep->busy = cfg->busy;
	if (cfg->busy) {
		CPU_ZERO(&ep->feedd_set);
		CPU_ZERO(&ep->cons_set);
		CPU_SET(fcpu, &ep->feedd_set);
		CPU_SET(ccpu, &ep->cons_set);
		ep->feedd_cpu = fcpu;
	}
	res->sim_cpu = cpus[0];
	res->shared = n < 2 + busy;
	size_t o = (size_t)snprintf(res->cpus_text, sizeof(res->cpus_text),
				    "mdbus-sim on cpu %d%s; ", cpus[0], n < 2 ? " (shared)" : "");
	if (cfg->busy)
		o += (size_t)snprintf(res->cpus_text + o, sizeof(res->cpus_text) - o,
				      "busy feedd on cpu %d, spinning consumers on cpu %d%s; ",
				      fcpu, ccpu, n < 4 ? " (too few CPUs: shared)" : "");
	o += (size_t)snprintf(res->cpus_text + o, sizeof(res->cpus_text) - o, "%s share cpu",
			      cfg->busy ? "C and Python clients"
					: "feedd, consumers, C and Python clients");
	for (int i = rest; i < n && o < sizeof(res->cpus_text) - 8; i++)
		o += (size_t)snprintf(res->cpus_text + o, sizeof(res->cpus_text) - o, "%s %d",
				      i > rest ? "," : "", cpus[i]);
}

/* The simulator (its port read) and feedd with a generated configuration. */
static int e2e_start_feed(struct e2e_proc *ep, uint64_t rate, unsigned nsym, char *why, size_t len)
{
	char cert[160], key[160], r[24], cfg[192], log[192];
	snprintf(cert, sizeof(cert), "%s/server.pem", ep->dir);
	snprintf(key, sizeof(key), "%s/server.key", ep->dir);
	snprintf(r, sizeof(r), "%" PRIu64, rate / nsym);
	snprintf(log, sizeof(log), "%s/sim.log", ep->dir);
	char *sim[] = {BENCH_E2E_SIM, "--listen", "127.0.0.1:0", "--cert",    cert,    "--key", key,
		       "--rate",      r,	  "--stamp",	 "--control", ep->ctl, NULL};
	pid_t pid = e2e_spawn(sim, &ep->sim_set, -1, &ep->sim_out, log);
	if (pid < 0 || (ep->pid[P_SIM] = pid, ep->port = e2e_sim_port(ep->sim_out)) < 0) {
		snprintf(why, len, "mdbus-sim did not start (see %s)", log);
		return -EIO;
	}
	if (e2e_write_config(ep, nsym, cfg, sizeof(cfg)) < 0) {
		snprintf(why, len, "%s: cannot write", cfg);
		return -EIO;
	}
	snprintf(log, sizeof(log), "%s/feedd.log", ep->dir);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	char *feedd[] = {BENCH_E2E_FEEDD, "-c", cfg, NULL};
	pid = fd >= 0 ? e2e_spawn(feedd, &ep->feedd_set, fd, NULL, log) : -errno;
	if (fd >= 0)
		close(fd);
	if (pid < 0) {
		snprintf(why, len, "feedd: %s", strerror((int)-pid));
		return (int)pid;
	}
	ep->pid[P_FEEDD] = pid;
	return 0;
}

/* The consumers (forked) and the baselines the configuration asks for. */
static int e2e_start_readers(const struct e2e_cfg *cfg, struct e2e_proc *ep, unsigned nsym,
			     const int64_t win[3], char *why, size_t len)
{
	char syms[E2E_MAX_SYMS * 16], norm[32];
	size_t o = 0;
	for (unsigned k = 0; k < nsym; k++) {
		syms[o++] = ',';
		e2e_symbol(k, syms + o, sizeof(syms) - o, norm, sizeof(norm));
		o += strlen(syms + o);
	}
	for (unsigned i = 0; cfg->clients & (1u << E2E_MDBUS) && i < cfg->consumers; i++) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			sched_setaffinity(0, sizeof(ep->cons_set), &ep->cons_set);
			_exit(e2e_consume(ep->bus, ep->busy, &ep->cons[i], win[0], win[1], win[2]));
		}
		if (pid < 0) {
			snprintf(why, len, "fork: %s", strerror(errno));
			return -errno;
		}
		ep->pid[P_CONS + i] = pid;
	}
	if (cfg->clients & (1u << E2E_C))
		ep->pid[P_C] = e2e_baseline_start(ep, "c", BENCH_E2E_CC, NULL, syms + 1, win);
	if (cfg->clients & (1u << E2E_PY))
		ep->pid[P_PY] = e2e_baseline_start(ep, "python", "/usr/bin/python3", BENCH_E2E_PY,
						   syms + 1, win);
	if (ep->pid[P_C] < 0 || ep->pid[P_PY] < 0) {
		snprintf(why, len, "cannot start a baseline client");
		return -ECHILD;
	}
	return 0;
}

/* Waits for pid until the realtime deadline, then kills it (sig first,
 * SIGKILL 2 s later). Returns its wait status or -1. */
static int e2e_reap(pid_t pid, int sig, int64_t deadline)
{
	int st = -1, sent = 0;
	while (pid > 0 && waitpid(pid, &st, WNOHANG) == 0) {
		int64_t now = e2e_real_ns();
		if (now >= deadline && sent == 0)
			kill(pid, sig), sent = 1;
		if (now >= deadline + 2000000000LL && sent == 1)
			kill(pid, SIGKILL), sent = 2;
		usleep(5000);
	}
	return st;
}

/* Everyone's CPU time and the stamped count at one end of the window. */
struct e2e_sample {
	double cpu[P_MAX];
	int64_t stamped;
	int hops_ok; /* feedd's session record was read */
	struct mdbus_health_session sess;
};

/* feedd's one session record, through a reader of its bus: 0 or -errno. */
static int e2e_feedd_hops(const char *bus, struct mdbus_health_session *out)
{
	struct mdbus_reader_opts o = {.bus = bus};
	mdbus_reader *rd = NULL;
	int rc = mdbus_reader_open(&rd, &o);
	if (rc == 0)
		rc = mdbus_health_snapshot_session(rd, 0, out);
	mdbus_reader_close(rd);
	return rc;
}

static void e2e_sample(const struct e2e_proc *ep, unsigned nproc, struct e2e_sample *s)
{
	s->stamped = e2e_sim_stamped(ep->ctl);
	for (unsigned i = 0; i < nproc; i++)
		s->cpu[i] = e2e_proc_cpu(ep->pid[i]);
	s->hops_ok = e2e_feedd_hops(ep->bus, &s->sess) == 0;
}

/* The window's share of a feedd histogram (end - start, bucket by bucket),
 * each count at its bucket's middle. A histogram halved in between (a
 * bucket past 2^31) gives nothing rather than a wrong shape. */
static void e2e_hist_delta(const struct mdbus_health_hist *a, const struct mdbus_health_hist *b,
			   struct bench_hist *out)
{
	for (uint32_t i = 0; i < MDBUS_HIST_BUCKETS; i++)
		if (b->bucket[i] < a->bucket[i])
			return;
	for (uint32_t i = 0; i < MDBUS_HIST_BUCKETS; i++) {
		uint64_t mid = (mdbus_hist_bucket_low(i) + mdbus_hist_bucket_high(i)) / 2;
		for (uint32_t k = a->bucket[i]; k < b->bucket[i]; k++)
			bench_hist_record(out, mid);
	}
}

/* After the run: the readers' results and CPU over the window. */
static void e2e_collect(const struct e2e_cfg *cfg, struct e2e_proc *ep,
			const struct e2e_sample s[2], struct e2e_result *res)
{
	double d[P_MAX];
	for (unsigned i = 0; i < P_MAX; i++)
		d[i] = s[1].cpu[i] - s[0].cpu[i];
	res->sent = s[0].stamped >= 0 && s[1].stamped >= 0 ? (uint64_t)(s[1].stamped - s[0].stamped)
							   : 0;
	res->sim_cpu_s = d[P_SIM];
	res->feedd_cpu_s = d[P_FEEDD];
	if (cfg->clients & (1u << E2E_MDBUS)) {
		struct e2e_reader *m = &res->rd[E2E_MDBUS];
		*m = ep->cons[0]; /* consumer 0's counts and CPU; everyone's latencies */
		for (unsigned i = 1; i < cfg->consumers; i++) {
			bench_hist_merge(&m->total, &ep->cons[i].total);
			for (int h = 0; h < E2E_NHOPS; h++)
				bench_hist_merge(&m->hop[h], &ep->cons[i].hop[h]);
			m->ok &= ep->cons[i].ok;
			m->done &= ep->cons[i].done;
			m->missed += ep->cons[i].missed;
			if (!m->err[0])
				snprintf(m->err, sizeof(m->err), "%s", ep->cons[i].err);
		}
		m->ran = 1;
		m->cpu_s = d[P_FEEDD] + d[P_CONS];
		if (s[0].hops_ok && s[1].hops_ok) {
			e2e_hist_delta(&s[0].sess.hop[MDBUS_HOP_KERNEL_DECRYPT],
				       &s[1].sess.hop[MDBUS_HOP_KERNEL_DECRYPT],
				       &m->hop[E2E_HOP_RECV_DECRYPT]);
			e2e_hist_delta(&s[0].sess.hop[MDBUS_HOP_DECRYPT_PUBLISH],
				       &s[1].sess.hop[MDBUS_HOP_DECRYPT_PUBLISH],
				       &m->hop[E2E_HOP_DECRYPT_PUB]);
		}
	}
	for (int c = E2E_C; c <= E2E_PY; c++)
		if (cfg->clients & (1u << c)) {
			res->rd[c].ran = 1;
			e2e_baseline_read(ep->dir, c == E2E_C ? "c" : "python", &res->rd[c]);
			res->rd[c].cpu_s = d[c == E2E_C ? P_C : P_PY];
		}
}

/* Stops everything still running: readers by their deadline, then feedd
 * and the simulator with SIGTERM. */
static void e2e_stop(struct e2e_proc *ep, int64_t deadline)
{
	for (unsigned i = P_C; i < P_MAX; i++)
		e2e_reap(ep->pid[i], SIGTERM, deadline);
	int64_t now = e2e_real_ns();
	e2e_reap(ep->pid[P_FEEDD], SIGTERM, now);
	e2e_reap(ep->pid[P_SIM], SIGTERM, now);
	if (ep->sim_out >= 0)
		close(ep->sim_out);
	bench_bus_unlink(ep->bus);
}

int e2e_run_rate(const struct e2e_cfg *cfg, uint64_t rate, const char *dir, struct e2e_result *res)
{
	static struct e2e_proc ep;
	static unsigned seq;
	struct e2e_sample s[2] = {{.stamped = -1}, {.stamped = -1}};
	char *why = res->why;
	size_t wl = sizeof(res->why);
	memset(&ep, 0, sizeof(ep));
	ep.sim_out = -1;
	snprintf(ep.dir, sizeof(ep.dir), "%s", dir);
	snprintf(ep.ctl, sizeof(ep.ctl), "%s/sim.ctl", dir);
	snprintf(ep.bus, sizeof(ep.bus), "e2e-%d-%u", (int)getpid(), seq++);
	res->rate = rate;
	res->nsym = (rate + E2E_SYM_RATE - 1) / E2E_SYM_RATE;
	res->nsym = res->nsym < 1 ? 1 : res->nsym > E2E_MAX_SYMS ? E2E_MAX_SYMS : res->nsym;
	for (int c = 0; c < E2E_NCLIENTS; c++)
		e2e_reader_reset(&res->rd[c]);
	e2e_cpus(cfg, &ep, res);
	e2e_floor(&ep, rate, res);
	ep.cons_len = sizeof(struct e2e_reader) * cfg->consumers;
	ep.cons =
		mmap(NULL, ep.cons_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ep.cons == MAP_FAILED)
		return -errno;
	for (unsigned i = 0; i < cfg->consumers; i++)
		e2e_reader_reset(&ep.cons[i]);
	int64_t win[3];
	int rc = e2e_start_feed(&ep, rate, (unsigned)res->nsym, why, wl);
	win[0] = e2e_real_ns() + cfg->warmup_ns;
	win[1] = win[0] + cfg->duration_ns;
	win[2] = win[1] + E2E_GRACE_NS;
	if (rc == 0)
		rc = e2e_start_readers(cfg, &ep, (unsigned)res->nsym, win, why, wl);
	if (rc == 0) {
		e2e_sleep_until(win[0]);
		e2e_sample(&ep, P_CONS + cfg->consumers, &s[0]);
		e2e_sleep_until(win[1]);
		e2e_sample(&ep, P_CONS + cfg->consumers, &s[1]);
		res->window_s = (double)(win[1] - win[0]) / 1e9;
	}
	e2e_stop(&ep, win[2] + 2000000000LL);
	if (rc == 0)
		e2e_collect(cfg, &ep, s, res);
	munmap(ep.cons, ep.cons_len);
	res->failed = rc < 0;
	return rc;
}

int e2e_make_certs(const char *dir, char *err, size_t len)
{
	char log[192];
	snprintf(log, sizeof(log), "%s/certs.log", dir);
	char *argv[] = {BENCH_E2E_SIM, "--make-certs", (char *)dir, NULL};
	cpu_set_t set;
	sched_getaffinity(0, sizeof(set), &set);
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid_t pid = e2e_spawn(argv, &set, fd, NULL, log);
	int st = e2e_reap(pid, SIGKILL, e2e_real_ns() + 30000000000LL);
	if (fd >= 0)
		close(fd);
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, len, "mdbus-sim --make-certs %s failed (see %s)", dir, log);
		return -EIO;
	}
	return 0;
}
