/* SPDX-License-Identifier: MIT */
/*
 * exp_readers.c: per-reader lag and loss, the exporter's families for the
 * reader table (issue 15 part 4: readers that opt in register their pid,
 * name, cursor, laps, missed ticks and last read time in
 * /dev/shm/mdbus-NAME.readers). That table is libmdbus's to define and
 * read; this file is where its families go, after the instrument families
 * of every bus, named like the others:
 *
 *   mdbus_reader_lag_ticks{bus,reader,pid}        gauge
 *   mdbus_reader_lag_seconds{bus,reader,pid}      gauge
 *   mdbus_reader_missed_ticks_total{bus,reader,pid} counter
 *   mdbus_reader_laps_total{bus,reader,pid}       counter
 *
 * Until libmdbus exposes the table no bus has one, and there is nothing to
 * write: an exposition without these families is complete and valid.
 */
#include "exporter.h"

void exp_write_readers(FILE *f, const struct exp_set *s)
{
	(void)f;
	(void)s;
}
