/* SPDX-License-Identifier: MIT */
/*
 * e2e.h: `mdbus-bench e2e`, the whole path from an exchange to a strategy.
 * mdbus-sim --stamp writes its send time into every trade id; feedd reads
 * it over TLS into a bus that N consumers read (e2e_run.c); in the same run
 * the same stream goes straight to two baselines (baseline/: a plain C
 * client, a Python one built like cryptofeed's). Each reader times now -
 * stamp; e2e.c reports the rows (a client's total, or one hop of it).
 */
#ifndef BENCH_E2E_H
#define BENCH_E2E_H

#include "bench.h"

#define E2E_MAX_RATES 8
#define E2E_MAX_SYMS  100   /* the simulator's per-symbol rate grows past this */
#define E2E_SYM_RATE  10000 /* trades/s per symbol up to E2E_MAX_SYMS symbols */

enum e2e_client { E2E_MDBUS, E2E_C, E2E_PY, E2E_NCLIENTS };
/* mdbus's hops: the total is the client's row. The consumers time the first
 * and the last; feedd's internal two (kernel receive -> TLS record decrypted
 * -> ticks published) are the window's share of its health-region
 * histograms (mdbus_health_hist: buckets 12.5 % wide, so coarser). */
enum e2e_hop {
	E2E_HOP_SEND_RECV,
	E2E_HOP_RECV_DECRYPT,
	E2E_HOP_DECRYPT_PUB,
	E2E_HOP_RECV_READ,
	E2E_NHOPS
};

struct e2e_cfg {
	uint64_t rates[E2E_MAX_RATES];
	unsigned nrates, consumers;
	unsigned clients; /* 1 << enum e2e_client */
	int64_t duration_ns, warmup_ns;
	int json, verbose;
	int busy;	  /* --busy: feedd idle = busy on its own CPU, consumers spin on theirs */
	const char *plot; /* --plot PNG */
	struct bench_cfg cpus; /* --cpus: the simulator's, then the rest */
};

/* What one reader (an mdbus consumer or a baseline) saw in the window. */
struct e2e_reader {
	int ran, ok, done; /* done: read a trade stamped past the window (kept up) */
	char err[200];
	uint64_t received;	   /* trades stamped in the window */
	uint64_t handled;	   /* messages read while the clock was in the window */
	uint64_t missed, negative; /* mdbus laps; hop values below 0 (clock steps) */
	double cpu_s;		   /* CPU seconds over the window (mdbus: feedd + consumer 0) */
	struct bench_hist total;
	struct bench_hist hop[E2E_NHOPS]; /* mdbus only */
};

struct e2e_result {
	uint64_t rate, nsym, sent; /* sent: trades stamped in the window */
	double window_s, sim_cpu_s, feedd_cpu_s;
	int failed, sim_cpu, shared; /* shared: the simulator had no core of its own */
	int floor_ok;
	char why[400];
	char cpus_text[200]; /* what ran where */
	struct e2e_reader rd[E2E_NCLIENTS];
	char floor_why[160];
	struct bench_hist floor; /* a zero-cost reader over the stalls probed before */
};

/* One rate: starts everything, measures, stops everything. 0 or -errno
 * (res->why says; a reader's own failure is in its err). */
int e2e_run_rate(const struct e2e_cfg *cfg, uint64_t rate, const char *dir, struct e2e_result *res);
/* Makes the simulator's certificates in dir: 0 or -errno. */
int e2e_make_certs(const char *dir, char *err, size_t len);

#endif
