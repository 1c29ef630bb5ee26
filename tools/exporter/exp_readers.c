/* SPDX-License-Identifier: MIT */
/*
 * exp_readers.c: per-reader lag and loss from the bus's reader table
 * (readers that opt in register their pid, name, cursor, laps, missed ticks
 * and last read time in /dev/shm/mdbus-NAME.readers; mdbus_readers_list
 * reads it, top_snap.c samples it with the rest of the bus):
 *
 *   mdbus_reader_lag_ticks{bus,reader,pid}          gauge
 *   mdbus_reader_lag_seconds{bus,reader,pid}        gauge (absent: unknown)
 *   mdbus_reader_missed_ticks_total{bus,reader,pid} counter
 *   mdbus_reader_laps_total{bus,reader,pid}         counter
 *   mdbus_reader_read_ticks_total{bus,reader,pid}   counter
 *
 * A reader still on an older segment (the writer restarted) has no lag in
 * this segment's terms: its lag families are left out, its counters stay.
 */
#include <inttypes.h>

#include "exporter.h"

enum { R_LAG, R_LAG_S, R_MISSED, R_LAPS, R_READ, R_N };

static const struct {
	const char *name, *type, *help;
} exp_rfam[R_N] = {
	{"mdbus_reader_lag_ticks", "gauge", "Ticks published but not yet read by the reader."},
	{"mdbus_reader_lag_seconds", "gauge",
	 "Receive time of the newest tick minus that of the reader's first unread one."},
	{"mdbus_reader_missed_ticks_total", "counter", "Ticks the reader lost to laps."},
	{"mdbus_reader_laps_total", "counter", "Times the writer lapped the reader."},
	{"mdbus_reader_read_ticks_total", "counter", "Ticks the reader has read."},
};

static void exp_reader_sample(FILE *f, int fam, const struct exp_bus *b,
			      const struct mdbus_reader_entry *e)
{
	char pid[16];

	if ((fam == R_LAG || fam == R_LAG_S) && !e->same_epoch)
		return;
	if (fam == R_LAG_S && e->lag_ns < 0)
		return;
	snprintf(pid, sizeof(pid), "%" PRIu32, e->pid);
	exp_begin(f, exp_rfam[fam].name, b);
	exp_label(f, "reader", e->name);
	exp_label(f, "pid", pid);
	switch (fam) {
	case R_LAG:
		exp_end_u64(f, e->lag_ticks);
		break;
	case R_LAG_S:
		exp_end_ns(f, e->lag_ns);
		break;
	case R_MISSED:
		exp_end_u64(f, e->missed);
		break;
	case R_LAPS:
		exp_end_u64(f, e->laps);
		break;
	default:
		exp_end_u64(f, e->read);
	}
}

void exp_write_readers(FILE *f, const struct exp_set *s)
{
	for (int fam = 0; fam < R_N; fam++) {
		exp_head(f, exp_rfam[fam].name, exp_rfam[fam].type, exp_rfam[fam].help);
		for (size_t i = 0; i < s->n; i++) {
			const struct exp_bus *b = &s->bus[i];

			if (!b->st.cur.attached)
				continue;
			for (int k = 0; k < b->st.cur.nreaders; k++)
				exp_reader_sample(f, fam, b, &b->st.cur.readers[k]);
		}
	}
}
