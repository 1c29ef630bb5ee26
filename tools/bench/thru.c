/* SPDX-License-Identifier: MIT */
/*
 * thru.c: `mdbus-bench throughput`: how many ticks per second one writer
 * publishes, and one reader reads, through the mdbus ring.
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
 *                    that keeps up reads every tick published;
 *   --before-after   every case also with libmdbus's writer and reader as
 *                    they were before the throughput changes (ref/), adjacent.
 * Every process works in its own forked child pinned with sched_setaffinity;
 * the parent only orchestrates and reads the results from a shared page
 * after waitpid() (which orders the children's writes before its reads).
 *
 * Honesty: every tick carries its bus sequence and a checksum word derived
 * from it, which the reader verifies; sequence holes must equal the misses
 * the ring reports, and read + missed must equal published exactly.
 */
#include "thru.h"

#include "bench.h"
#include "sysinfo.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define THRU_TARGET    50000000.0 /* ticks/s, from the bus issue */
#define THRU_MAX_REP   50
#define THRU_MAX_B     1024
#define THRU_TIMEOUT   (20ll * 1000000000ll) /* beyond --duration: give up */
#define THRU_MAX_RATES 8
#define THRU_MAX_CASES (7 + 2 * THRU_MAX_RATES)

/* The libmdbus entry points a run uses: the library itself, or (with
 * --before-after) the pre-change copy in ref/ renamed to mdbus_ref_*. Both
 * are called through this table, so both pay the same indirect call. */
struct thru_api {
	const char *name;
	int (*w_open)(mdbus_writer **, const struct mdbus_writer_opts *);
	int (*w_add)(mdbus_writer *, const struct mdbus_instrument *, uint32_t *);
	int (*w_pub)(mdbus_writer *, const struct mdbus_tick *, uint64_t *);
	int (*w_batch)(mdbus_writer *, const struct mdbus_tick *, size_t);
	void (*w_close)(mdbus_writer *, int);
	int (*r_open)(mdbus_reader **, const struct mdbus_reader_opts *);
	int (*r_next)(mdbus_reader *, struct mdbus_tick *, uint64_t *, uint64_t *);
	int (*r_read)(mdbus_reader *, struct mdbus_tick *, uint64_t *, int, uint64_t *);
	void (*r_stats)(const mdbus_reader *, struct mdbus_reader_stats *);
	void (*r_close)(mdbus_reader *);
};

int mdbus_ref_writer_open(mdbus_writer **, const struct mdbus_writer_opts *);
int mdbus_ref_writer_add_instrument(mdbus_writer *, const struct mdbus_instrument *, uint32_t *);
int mdbus_ref_writer_publish(mdbus_writer *, const struct mdbus_tick *, uint64_t *);
int mdbus_ref_writer_publish_batch(mdbus_writer *, const struct mdbus_tick *, size_t);
void mdbus_ref_writer_close(mdbus_writer *, int);
int mdbus_ref_reader_open(mdbus_reader **, const struct mdbus_reader_opts *);
int mdbus_ref_reader_next(mdbus_reader *, struct mdbus_tick *, uint64_t *, uint64_t *);
int mdbus_ref_reader_read(mdbus_reader *, struct mdbus_tick *, uint64_t *, int, uint64_t *);
void mdbus_ref_reader_stats(const mdbus_reader *, struct mdbus_reader_stats *);
void mdbus_ref_reader_close(mdbus_reader *);

static const struct thru_api thru_apis[2] = {
	{"after", mdbus_writer_open, mdbus_writer_add_instrument, mdbus_writer_publish,
	 mdbus_writer_publish_batch, mdbus_writer_close, mdbus_reader_open, mdbus_reader_next,
	 mdbus_reader_read, mdbus_reader_stats, mdbus_reader_close},
	{"before", mdbus_ref_writer_open, mdbus_ref_writer_add_instrument, mdbus_ref_writer_publish,
	 mdbus_ref_writer_publish_batch, mdbus_ref_writer_close, mdbus_ref_reader_open,
	 mdbus_ref_reader_next, mdbus_ref_reader_read, mdbus_ref_reader_stats,
	 mdbus_ref_reader_close},
};

enum thru_kind { THRU_PUB, THRU_LOCAL, THRU_FLAT, THRU_PACED };
enum thru_rapi { THRU_NONE, THRU_NEXT, THRU_READ };

struct thru_case {
	char name[32];
	const struct thru_api *api;
	enum thru_kind kind;
	unsigned wbatch; /* 1 = mdbus_writer_publish, else _publish_batch */
	enum thru_rapi rapi;
	unsigned rbatch; /* ticks per mdbus_reader_read */
	uint64_t rate;	 /* paced: ticks/s */
};

struct thru_opts {
	int64_t duration_ns;
	unsigned repeat;
	uint32_t slots;
	unsigned batch;
	uint64_t rates[THRU_MAX_RATES]; /* paced cases */
	unsigned nrates;
	int before_after;
	const char *only; /* run only the cases whose name starts with this */
	int cpus[2];
	int json;
};

/* One repetition of one case: the writer fills the w_ fields, the reader
 * the r_ fields; the parent reads both after waitpid. */
struct thru_res {
	int w_ok, r_ok;
	char w_err[BENCH_ERR_MAX], r_err[BENCH_ERR_MAX];
	uint64_t rate; /* paced rate used, 0 = flat out */
	uint64_t published;
	int64_t pub_ns;
	uint64_t w_preempt, r_preempt; /* involuntary context switches */
	uint64_t read, missed, laps, gaps, bad, order, last;
	int64_t read_ns;
};

struct thru_ctl {
	atomic_int bus_ready;	 /* writer: the bus exists */
	atomic_int reader_ready; /* reader: attached, writer may start */
	atomic_int stop;	 /* parent: give up */
	struct thru_res res;
};

/* The checksum word the reader verifies: any bit of the sequence changes it. */
static inline uint64_t thru_check(uint64_t seq)
{
	return (seq * 0x9e3779b97f4a7c15ull) ^ 0x5bd1e9955bd1e995ull;
}

static inline void thru_fill(struct mdbus_tick *t, uint64_t seq)
{
	t->exch_ts = (int64_t)seq;
	t->u.raw[0] = seq;
	t->u.raw[1] = thru_check(seq);
}

static inline void thru_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static uint64_t thru_preempted(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_nivcsw;
}

/* Spins until *flag is set; 0, or -ETIMEDOUT when the parent says stop. */
static int thru_await(atomic_int *flag, atomic_int *stop)
{
	/* acquire: pairs with the release store of the flag by the other child */
	while (!atomic_load_explicit(flag, memory_order_acquire)) {
		if (atomic_load_explicit(stop, memory_order_relaxed))
			return -ETIMEDOUT;
		thru_relax();
	}
	return 0;
}

static int thru_writer(struct thru_ctl *ctl, const struct thru_opts *o, const struct thru_case *c,
		       const char *bus, uint64_t rate)
{
	struct thru_res *r = &ctl->res;
	int rc;
	if ((rc = bench_pin(o->cpus[0])) < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "pin to cpu %d: %s", o->cpus[0],
			 strerror(-rc));
		return 1;
	}
	struct mdbus_writer_opts wo = {
		.bus = bus, .slots = o->slots, .errbuf = r->w_err, .errlen = sizeof(r->w_err)};
	mdbus_writer *w;
	const struct thru_api *api = c->api;
	if ((rc = api->w_open(&w, &wo)) < 0)
		return 1;
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
	snprintf(in.venue, sizeof(in.venue), "bench");
	snprintf(in.symbol, sizeof(in.symbol), "THRU-TEST");
	uint32_t id;
	if ((rc = api->w_add(w, &in, &id)) < 0 || id != 0) {
		snprintf(r->w_err, sizeof(r->w_err), "add instrument: %s", mdbus_strerror(rc));
		api->w_close(w, 1);
		return 1;
	}
	/* release: the bus is complete before the reader opens it */
	atomic_store_explicit(&ctl->bus_ready, 1, memory_order_release);
	if (c->rapi != THRU_NONE && thru_await(&ctl->reader_ready, &ctl->stop) < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "reader never attached");
		api->w_close(w, 1);
		return 1;
	}
	struct mdbus_tick tk[THRU_MAX_B];
	memset(tk, 0, sizeof(tk));
	for (unsigned i = 0; i < THRU_MAX_B; i++)
		tk[i].kind = MDBUS_KIND_TRADE;
	const unsigned b = c->wbatch;
	const unsigned check_every = b >= 4096 ? 1 : 4096 / b; /* batches per clock read */
	const double ns_per_tick = rate ? 1e9 / (double)rate : 0;
	uint64_t k = 0, pre0 = thru_preempted();
	int64_t t0 = bench_now_ns(), t1 = t0;
	for (unsigned it = 1;; it++) {
		for (unsigned i = 0; i < b; i++)
			thru_fill(&tk[i], k + 1 + i);
		rc = b == 1 ? api->w_pub(w, tk, NULL) : api->w_batch(w, tk, b);
		if (rc < 0) {
			snprintf(r->w_err, sizeof(r->w_err), "publish: %s", mdbus_strerror(rc));
			api->w_close(w, 1);
			return 1;
		}
		k += b;
		if (rate) {
			/* absolute schedule: batch j+1 is due at t0 + (j+1)*b/rate */
			int64_t due = t0 + (int64_t)((double)k * ns_per_tick);
			while ((t1 = bench_now_ns()) < due)
				thru_relax();
			if (t1 - t0 >= o->duration_ns)
				break;
		} else if (it % check_every == 0) {
			t1 = bench_now_ns();
			if (t1 - t0 >= o->duration_ns)
				break;
		}
	}
	r->published = k;
	r->pub_ns = t1 - t0;
	r->w_preempt = thru_preempted() - pre0;
	r->w_ok = 1;
	api->w_close(w, 1); /* STOPPED: the reader drains and sees -ESHUTDOWN */
	return 0;
}

struct thru_verify {
	uint64_t last, gaps, bad, order;
};

static inline void thru_verify1(struct thru_verify *v, const struct mdbus_tick *t, uint64_t seq)
{
	if (seq <= v->last)
		v->order++;
	else
		v->gaps += seq - v->last - 1;
	v->last = seq;
	if (t->u.raw[0] != seq || t->u.raw[1] != thru_check(seq) || t->exch_ts != (int64_t)seq ||
	    t->instrument != 0)
		v->bad++;
}

static int thru_reader(struct thru_ctl *ctl, const struct thru_opts *o, const struct thru_case *c,
		       const char *bus)
{
	struct thru_res *r = &ctl->res;
	int rc;
	if ((rc = bench_pin(o->cpus[1])) < 0) {
		snprintf(r->r_err, sizeof(r->r_err), "pin to cpu %d: %s", o->cpus[1],
			 strerror(-rc));
		return 1;
	}
	if (thru_await(&ctl->bus_ready, &ctl->stop) < 0) {
		snprintf(r->r_err, sizeof(r->r_err), "bus never appeared");
		return 1;
	}
	struct mdbus_reader_opts ro = {.bus = bus,
				       .start = MDBUS_START_OLDEST,
				       .errbuf = r->r_err,
				       .errlen = sizeof(r->r_err)};
	mdbus_reader *rd;
	const struct thru_api *api = c->api;
	if ((rc = api->r_open(&rd, &ro)) < 0)
		return 1;
	struct mdbus_tick *tk = calloc(THRU_MAX_B, sizeof(*tk));
	uint64_t *seqs = calloc(THRU_MAX_B, sizeof(*seqs));
	if (!tk || !seqs) {
		snprintf(r->r_err, sizeof(r->r_err), "out of memory");
		goto out;
	}
	/* release: we are attached before the writer publishes tick 1 */
	atomic_store_explicit(&ctl->reader_ready, 1, memory_order_release);
	struct thru_verify v = {0};
	uint64_t read = 0, missed = 0, idle = 0, pre0 = thru_preempted();
	int64_t t0 = 0, t1 = 0;
	const int rb = (int)c->rbatch;
	for (;;) {
		uint64_t m = 0;
		if (c->rapi == THRU_NEXT) {
			uint64_t seq;
			rc = api->r_next(rd, tk, &seq, &m);
			if (rc == 1)
				thru_verify1(&v, tk, seq);
		} else {
			rc = api->r_read(rd, tk, seqs, rb, &m);
			for (int i = 0; i < rc; i++)
				thru_verify1(&v, &tk[i], seqs[i]);
		}
		missed += m; /* also counted when nothing could be read */
		if (rc > 0) {
			if (read == 0)
				t0 = bench_now_ns();
			read += (uint64_t)rc;
			continue;
		}
		if (rc == 0) {
			if ((++idle & 0xffff) == 0 &&
			    atomic_load_explicit(&ctl->stop, memory_order_relaxed)) {
				snprintf(r->r_err, sizeof(r->r_err), "timed out (writer gone?)");
				goto out;
			}
			continue;
		}
		if (rc == -ESHUTDOWN) { /* the writer closed and everything was read */
			t1 = bench_now_ns();
			break;
		}
		snprintf(r->r_err, sizeof(r->r_err), "read: %s", mdbus_strerror(rc));
		goto out;
	}
	struct mdbus_reader_stats st;
	api->r_stats(rd, &st);
	r->read = read;
	r->missed = missed;
	r->laps = st.laps;
	r->gaps = v.gaps;
	r->bad = v.bad;
	r->order = v.order;
	r->last = v.last;
	r->read_ns = read ? t1 - t0 : 0;
	r->r_preempt = thru_preempted() - pre0;
	r->r_ok = 1;
out:
	free(tk);
	free(seqs);
	api->r_close(rd);
	return r->r_ok ? 0 : 1;
}

/*
 * Writer and reader in one process on the writer's CPU, taking turns: publish
 * a whole ring (batches of --batch), then read it all back. No second core, no
 * contention: the instruction-bound ceiling of each side (and the case to run
 * under callgrind for instructions per tick).
 */
static int thru_local(struct thru_ctl *ctl, const struct thru_opts *o, const struct thru_case *c,
		      const char *bus)
{
	struct thru_res *r = &ctl->res;
	const struct thru_api *api = c->api;
	int rc;
	if ((rc = bench_pin(o->cpus[0])) < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "pin to cpu %d: %s", o->cpus[0],
			 strerror(-rc));
		return 1;
	}
	struct mdbus_writer_opts wo = {
		.bus = bus, .slots = o->slots, .errbuf = r->w_err, .errlen = sizeof(r->w_err)};
	mdbus_writer *w;
	if ((rc = api->w_open(&w, &wo)) < 0)
		return 1;
	struct mdbus_instrument in = {.price_decimals = 2, .qty_decimals = 8};
	snprintf(in.venue, sizeof(in.venue), "bench");
	snprintf(in.symbol, sizeof(in.symbol), "THRU-TEST");
	uint32_t id;
	struct mdbus_reader_opts ro = {.bus = bus,
				       .start = MDBUS_START_OLDEST,
				       .errbuf = r->r_err,
				       .errlen = sizeof(r->r_err)};
	mdbus_reader *rd = NULL;
	struct mdbus_tick *tk = calloc(THRU_MAX_B, sizeof(*tk));
	uint64_t *seqs = calloc(THRU_MAX_B, sizeof(*seqs));
	if (!tk || !seqs || (rc = api->w_add(w, &in, &id)) < 0 || id != 0 ||
	    (rc = api->r_open(&rd, &ro)) < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "setup: %s", mdbus_strerror(rc));
		goto out;
	}
	struct thru_verify v = {0};
	uint64_t k = 0, read = 0, missed = 0, pre0 = thru_preempted();
	int64_t pub_ns = 0, read_ns = 0;
	const unsigned b = c->wbatch;
	while (pub_ns + read_ns < o->duration_ns) {
		int64_t t0 = bench_now_ns();
		for (uint64_t end = k + o->slots; k < end; k += b) {
			for (unsigned i = 0; i < b; i++) {
				tk[i].kind = MDBUS_KIND_TRADE;
				thru_fill(&tk[i], k + 1 + i);
			}
			if ((rc = api->w_batch(w, tk, b)) < 0) {
				snprintf(r->w_err, sizeof(r->w_err), "publish: %s",
					 mdbus_strerror(rc));
				goto out;
			}
		}
		int64_t t1 = bench_now_ns();
		for (;;) {
			uint64_t m = 0, seq;
			if (c->rapi == THRU_NEXT) {
				rc = api->r_next(rd, tk, &seq, &m);
				if (rc == 1)
					thru_verify1(&v, tk, seq);
			} else {
				rc = api->r_read(rd, tk, seqs, (int)c->rbatch, &m);
				for (int i = 0; i < rc; i++)
					thru_verify1(&v, &tk[i], seqs[i]);
			}
			missed += m;
			if (rc <= 0)
				break;
			read += (uint64_t)rc;
		}
		int64_t t2 = bench_now_ns();
		if (rc < 0) {
			snprintf(r->r_err, sizeof(r->r_err), "read: %s", mdbus_strerror(rc));
			goto out;
		}
		pub_ns += t1 - t0;
		read_ns += t2 - t1;
	}
	r->published = k;
	r->pub_ns = pub_ns;
	r->read = read;
	r->read_ns = read_ns;
	r->missed = missed;
	r->gaps = v.gaps;
	r->bad = v.bad;
	r->order = v.order;
	r->last = v.last;
	r->w_preempt = r->r_preempt = thru_preempted() - pre0;
	r->w_ok = r->r_ok = 1;
out:
	free(tk);
	free(seqs);
	if (rd)
		api->r_close(rd);
	api->w_close(w, 1);
	return r->w_ok ? 0 : 1;
}

/* Forks the writer (and the reader), waits for both; fills *out. */
static int thru_run(const struct thru_opts *o, const struct thru_case *c, uint64_t rate,
		    unsigned idx, struct thru_res *out)
{
	struct thru_ctl *ctl =
		mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED)
		return -errno;
	memset(ctl, 0, sizeof(*ctl));
	char bus[48];
	snprintf(bus, sizeof(bus), "thru-%ld-%u", (long)getpid(), idx);
	fflush(NULL);
	pid_t pids[2] = {-1, -1};
	const int nproc = c->kind == THRU_PUB || c->kind == THRU_LOCAL ? 1 : 2;
	for (int role = 0; role < nproc; role++) {
		pids[role] = fork();
		if (pids[role] < 0) {
			atomic_store(&ctl->stop, 1);
			break;
		}
		if (pids[role] == 0)
			_exit(c->kind == THRU_LOCAL ? thru_local(ctl, o, c, bus)
			      : role == 0	    ? thru_writer(ctl, o, c, bus, rate)
						    : thru_reader(ctl, o, c, bus));
	}
	int64_t start = bench_now_ns();
	int alive = (pids[0] > 0) + (pids[1] > 0), killed = 0;
	while (alive > 0) {
		for (int role = 0; role < 2; role++) {
			if (pids[role] <= 0)
				continue;
			int status;
			if (waitpid(pids[role], &status, WNOHANG) == pids[role]) {
				pids[role] = -1;
				alive--;
			}
		}
		int64_t el = bench_now_ns() - start;
		if (el > o->duration_ns + THRU_TIMEOUT)
			atomic_store(&ctl->stop, 1);
		if (el > o->duration_ns + THRU_TIMEOUT + 5000000000ll && !killed) {
			for (int role = 0; role < 2; role++)
				if (pids[role] > 0)
					kill(pids[role], SIGKILL);
			killed = 1;
		}
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	*out = ctl->res;
	out->rate = rate;
	if (!out->w_ok && !out->w_err[0])
		snprintf(out->w_err, sizeof(out->w_err), "writer died");
	if (c->rapi != THRU_NONE && !out->r_ok && !out->r_err[0])
		snprintf(out->r_err, sizeof(out->r_err), "reader died");
	munmap(ctl, sizeof(*ctl));
	/* a killed writer leaves its files behind */
	char path[128];
	if (mdbus_bus_path(bus, path, sizeof(path)) == 0) {
		unlink(path);
		strncat(path, ".lock", sizeof(path) - strlen(path) - 1);
		unlink(path);
	}
	return 0;
}

static int thru_ok(const struct thru_case *c, const struct thru_res *r)
{
	return r->w_ok && (c->rapi == THRU_NONE || r->r_ok);
}

/* read + missed == published, holes == reported misses, every tick intact. */
static int thru_accounted(const struct thru_res *r)
{
	return r->read + r->missed == r->published && r->gaps == r->missed && r->bad == 0 &&
	       r->order == 0 && r->last == r->published;
}

static double thru_rate(uint64_t n, int64_t ns)
{
	return ns > 0 ? (double)n * 1e9 / (double)ns : 0;
}

static int thru_cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double thru_median(double *v, unsigned n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), thru_cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct thru_summary {
	unsigned ok_runs;
	double pub_rate, read_rate, missed, lapped_frac;
	double pub_min, pub_max, read_min, read_max;
	int accounted; /* every run */
};

static void thru_summarize(const struct thru_case *c, const struct thru_res *rs, unsigned n,
			   struct thru_summary *s)
{
	double pr[THRU_MAX_REP], rr[THRU_MAX_REP], mi[THRU_MAX_REP], lf[THRU_MAX_REP];
	memset(s, 0, sizeof(*s));
	s->accounted = 1;
	for (unsigned i = 0; i < n; i++) {
		if (!thru_ok(c, &rs[i])) {
			s->accounted = 0;
			continue;
		}
		unsigned k = s->ok_runs++;
		pr[k] = thru_rate(rs[i].published, rs[i].pub_ns);
		rr[k] = thru_rate(rs[i].read, rs[i].read_ns);
		mi[k] = (double)rs[i].missed;
		lf[k] = rs[i].published ? (double)rs[i].missed / (double)rs[i].published : 0;
		if (c->rapi != THRU_NONE && !thru_accounted(&rs[i]))
			s->accounted = 0;
	}
	if (s->ok_runs == 0)
		return;
	s->pub_rate = thru_median(pr, s->ok_runs);
	s->pub_min = pr[0], s->pub_max = pr[s->ok_runs - 1];
	s->read_rate = thru_median(rr, s->ok_runs);
	s->read_min = rr[0], s->read_max = rr[s->ok_runs - 1];
	s->missed = thru_median(mi, s->ok_runs);
	s->lapped_frac = thru_median(lf, s->ok_runs);
}

static void thru_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned)(unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *thru_wapi(const struct thru_case *c)
{
	return c->wbatch == 1 ? "mdbus_writer_publish" : "mdbus_writer_publish_batch";
}

static const char *thru_rapi_name(const struct thru_case *c)
{
	return c->rapi == THRU_NEXT   ? "mdbus_reader_next"
	       : c->rapi == THRU_READ ? "mdbus_reader_read"
				      : NULL;
}

static int thru_met(const struct thru_case *c, const struct thru_summary *s)
{
	if (c->rapi == THRU_NONE)
		return s->pub_rate >= THRU_TARGET;
	return s->pub_rate >= THRU_TARGET && s->read_rate >= THRU_TARGET && s->missed == 0;
}

static void thru_report_json(FILE *f, const struct bench_sysinfo *si, const struct thru_opts *o,
			     const struct thru_case *cs, int ncases,
			     struct thru_res (*res)[THRU_MAX_REP], const struct thru_summary *sum)
{
	fprintf(f,
		"{\"mode\": \"throughput\",\n \"machine\": {\"cores\": %d, \"usable\": %d, "
		"\"cpu_model\": ",
		si->cores, si->allowed);
	thru_json_str(f, si->cpu_model);
	fprintf(f, ", \"kernel\": ");
	thru_json_str(f, si->kernel);
	fprintf(f, ", \"date\": ");
	thru_json_str(f, si->date);
	fprintf(f,
		"},\n \"config\": {\"duration_s\": %.3f, \"repeat\": %u, \"slots\": %u, "
		"\"batch\": %u, \"writer_cpu\": %d, \"reader_cpu\": %d, \"before_after\": %s, "
		"\"target_ticks_per_s\": %.0f},\n \"cases\": [",
		(double)o->duration_ns / 1e9, o->repeat, o->slots, o->batch, o->cpus[0], o->cpus[1],
		o->before_after ? "true" : "false", THRU_TARGET);
	for (int ci = 0; ci < ncases; ci++) {
		const struct thru_case *c = &cs[ci];
		const struct thru_summary *s = &sum[ci];
		fprintf(f,
			"%s\n  {\"name\": \"%s\", \"impl\": \"%s\", \"kind\": \"%s\", "
			"\"writer_api\": \"%s\", \"writer_batch\": %u, \"rate\": %llu, "
			"\"reader_api\": ",
			ci ? "," : "", c->name, c->api->name,
			c->kind == THRU_PUB	? "publish"
			: c->kind == THRU_LOCAL ? "local"
			: c->kind == THRU_FLAT	? "flat"
						: "paced",
			thru_wapi(c), c->wbatch, (unsigned long long)c->rate);
		if (thru_rapi_name(c))
			fprintf(f, "\"%s\", \"reader_batch\": %u", thru_rapi_name(c),
				c->rapi == THRU_READ ? c->rbatch : 1);
		else
			fprintf(f, "null, \"reader_batch\": null");
		fprintf(f, ",\n   \"runs\": [");
		for (unsigned k = 0; k < o->repeat; k++) {
			const struct thru_res *r = &res[ci][k];
			int ok = thru_ok(c, r);
			fprintf(f, "%s\n    {\"ok\": %s, \"error\": ", k ? "," : "",
				ok ? "true" : "false");
			if (ok)
				fprintf(f, "null");
			else
				thru_json_str(f, r->w_ok ? r->r_err : r->w_err);
			fprintf(f,
				", \"published\": %llu, \"publish_ns\": %lld, "
				"\"publish_per_s\": %.0f, \"writer_preempted\": %llu",
				(unsigned long long)r->published, (long long)r->pub_ns,
				thru_rate(r->published, r->pub_ns),
				(unsigned long long)r->w_preempt);
			if (c->rapi != THRU_NONE)
				fprintf(f,
					", \"read\": %llu, \"read_ns\": %lld, \"read_per_s\": "
					"%.0f, "
					"\"missed\": %llu, \"laps\": %llu, \"gaps\": %llu, "
					"\"bad\": %llu, \"out_of_order\": %llu, \"last_seq\": "
					"%llu, "
					"\"accounted\": %s, \"reader_preempted\": %llu",
					(unsigned long long)r->read, (long long)r->read_ns,
					thru_rate(r->read, r->read_ns),
					(unsigned long long)r->missed, (unsigned long long)r->laps,
					(unsigned long long)r->gaps, (unsigned long long)r->bad,
					(unsigned long long)r->order, (unsigned long long)r->last,
					thru_accounted(r) ? "true" : "false",
					(unsigned long long)r->r_preempt);
			fprintf(f, "}");
		}
		fprintf(f,
			"],\n   \"median\": {\"ok_runs\": %u, \"publish_per_s\": %.0f, "
			"\"publish_ns_per_tick\": %.3f, \"publish_min_per_s\": %.0f, "
			"\"publish_max_per_s\": %.0f",
			s->ok_runs, s->pub_rate, s->pub_rate > 0 ? 1e9 / s->pub_rate : 0,
			s->pub_min, s->pub_max);
		if (c->rapi != THRU_NONE)
			fprintf(f,
				", \"read_per_s\": %.0f, \"read_ns_per_tick\": %.3f, "
				"\"read_min_per_s\": %.0f, \"read_max_per_s\": %.0f, \"missed\": "
				"%.0f, "
				"\"missed_fraction\": %.6f",
				s->read_rate, s->read_rate > 0 ? 1e9 / s->read_rate : 0,
				s->read_min, s->read_max, s->missed, s->lapped_frac);
		fprintf(f, "},\n   \"accounted\": %s, \"target_met\": %s}",
			s->accounted ? "true" : "false", thru_met(c, s) ? "true" : "false");
	}
	fprintf(f, "\n ]\n}\n");
}

static void thru_report_table(FILE *f, const struct thru_opts *o, const struct thru_case *cs,
			      int ncases, const struct thru_summary *sum)
{
	fprintf(f,
		"\nmedians of %u run(s) of %.2f s; M ticks/s [min..max]; ns/tick of the median; "
		"target %.0f M/s published and read\n",
		o->repeat, (double)o->duration_ns / 1e9, THRU_TARGET / 1e6);
	fprintf(f, "%-18s %-6s %-14s %-22s %6s  %-22s %6s %7s %s\n", "case", "libmdbus", "writer",
		"published", "ns/t", "read", "ns/t", "missed", "verified");
	for (int ci = 0; ci < ncases; ci++) {
		const struct thru_case *c = &cs[ci];
		const struct thru_summary *s = &sum[ci];
		char wr[32], pub[40], rd[40];
		if (c->kind == THRU_PACED)
			snprintf(wr, sizeof(wr), "%.0fM/s x%u", (double)c->rate / 1e6, c->wbatch);
		else
			snprintf(wr, sizeof(wr), "%s x%u", c->wbatch == 1 ? "publish" : "batch",
				 c->wbatch);
		if (s->ok_runs == 0) {
			fprintf(f, "%-18s %-8s %-14s failed\n", c->name, c->api->name, wr);
			continue;
		}
		snprintf(pub, sizeof(pub), "%.1f [%.1f..%.1f]", s->pub_rate / 1e6, s->pub_min / 1e6,
			 s->pub_max / 1e6);
		fprintf(f, "%-18s %-8s %-14s %-22s %6.2f  ", c->name, c->api->name, wr, pub,
			s->pub_rate > 0 ? 1e9 / s->pub_rate : 0);
		if (c->rapi == THRU_NONE) {
			fprintf(f, "%-22s %6s %7s %s\n", "-", "-", "-", "-");
			continue;
		}
		snprintf(rd, sizeof(rd), "%.1f [%.1f..%.1f]", s->read_rate / 1e6, s->read_min / 1e6,
			 s->read_max / 1e6);
		fprintf(f, "%-22s %6.2f %6.2f%% %s\n", rd,
			s->read_rate > 0 ? 1e9 / s->read_rate : 0, 100.0 * s->lapped_frac,
			s->accounted ? "ok" : "FAILED");
	}
}

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
		"      --before-after  also run libmdbus's pre-change writer/reader "
		"(tools/bench/ref)\n"
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
		if (o->nrates >= THRU_MAX_RATES || thru_parse_u(tok, 1000000000ull, &v) < 0 ||
		    v == 0)
			return -EINVAL;
		o->rates[o->nrates++] = v;
	}
	return o->nrates ? 0 : -EINVAL;
}

/* The case list: publish-only x3, flat x2, paced x2 per rate; each once per
 * implementation (after, before) with --before-after, adjacent. */
static int thru_cases(const struct thru_opts *o, struct thru_case *cs)
{
	int n = 0;
	for (unsigned k = 0; k < 7 + 2 * o->nrates; k++) {
		for (int impl = 0; impl < (o->before_after ? 2 : 1); impl++) {
			struct thru_case *c = &cs[n++];
			memset(c, 0, sizeof(*c));
			c->api = &thru_apis[impl];
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
	}
	return n;
}

int bench_thru_main(int argc, char **argv)
{
	struct thru_opts o = {.duration_ns = 1000000000ll,
			      .repeat = 5,
			      .slots = 65536,
			      .batch = 64,
			      .rates = {50000000},
			      .nrates = 1,
			      .cpus = {-1, -1}};
	enum { OPT_REPEAT = 256, OPT_BA, OPT_ONLY };
	static const struct option lo[] = {
		{"duration", required_argument, NULL, 'd'},
		{"repeat", required_argument, NULL, OPT_REPEAT},
		{"batch", required_argument, NULL, 'b'},
		{"slots", required_argument, NULL, 's'},
		{"cpus", required_argument, NULL, 'c'},
		{"rates", required_argument, NULL, 'r'},
		{"rate", required_argument, NULL, 'r'},
		{"before-after", no_argument, NULL, OPT_BA},
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
			if (sscanf(optarg, "%d,%d", &o.cpus[0], &o.cpus[1]) != 2 || o.cpus[0] < 0 ||
			    o.cpus[1] < 0 || o.cpus[0] >= CPU_SETSIZE || o.cpus[1] >= CPU_SETSIZE)
				goto bad;
			break;
		case 'r':
			if (thru_parse_rates(optarg, &o) < 0)
				goto bad;
			break;
		case OPT_BA:
			o.before_after = 1;
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

	static struct thru_case cs[2 * THRU_MAX_CASES];
	static struct thru_res res[2 * THRU_MAX_CASES][THRU_MAX_REP];
	static struct thru_summary sum[2 * THRU_MAX_CASES];
	int ncases = thru_cases(&o, cs);
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
				fprintf(stderr, "run %u/%u: %s (%s)\n", k + 1, o.repeat, c->name,
					c->api->name);
			int rc = thru_run(&o, c, c->rate, idx++, &res[ci][k]);
			if (rc < 0) {
				fprintf(stderr, "mdbus-bench throughput: %s\n", strerror(-rc));
				return 1;
			}
			if (!thru_ok(c, &res[ci][k]))
				fprintf(stderr, "mdbus-bench throughput: %s: %s\n", c->name,
					res[ci][k].w_ok ? res[ci][k].r_err : res[ci][k].w_err);
		}
	}
	int failed = 0;
	for (int ci = 0; ci < ncases; ci++) {
		thru_summarize(&cs[ci], res[ci], o.repeat, &sum[ci]);
		if (sum[ci].ok_runs != o.repeat || !sum[ci].accounted)
			failed = 1;
	}
	if (o.json)
		thru_report_json(stdout, &si, &o, cs, ncases, res, sum);
	else
		thru_report_table(stdout, &o, cs, ncases, sum);
	return failed ? 1 : 0;
bad:
	fprintf(stderr, "mdbus-bench throughput: bad value '%s'\n", optarg);
	thru_usage(stderr);
	return 2;
}
