/* SPDX-License-Identifier: MIT */
/*
 * pymdbus.h: the `mdbus` CPython extension module, a thin read-only layer
 * over libmdbus's public API (include/mdbus.h). Shared by its seven files:
 *   module.c  the module, mdbus.open, Bus (instruments, health)
 *   errors.c  mdbus.Error from a libmdbus -errno, exact Decimals
 *   reader.c  Reader: next(), iteration, read_batch(), following the writer
 *   instr.c   a reader's instrument cache
 *   tick.c    Tick: one tick as a Python object, exact Decimals on demand
 *   batch.c   read_batch()'s numpy records and dtypes
 *   book.c    Bus.book(): an order book as mdbus-book --json's dict
 * Failures follow the CPython convention: -1 (or NULL) with a Python
 * exception set; libmdbus's -errno values become mdbus.Error.
 */
#ifndef PYMDBUS_H
#define PYMDBUS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "mdbus.h"

/* One instrument, cached per reader: its Python strings are made once, so a
 * Tick's venue and symbol are shared references, not new objects. */
struct pymdbus_instr {
	PyObject *venue;  /* str */
	PyObject *symbol; /* str */
	unsigned price_decimals, qty_decimals;
};

typedef struct {
	PyObject_HEAD mdbus_reader *r;
	PyObject *bus;		     /* the Bus this reader came from */
	struct pymdbus_instr *instr; /* by instrument id, grown on demand */
	uint32_t ninstr;	     /* entries of instr filled */
	uint32_t instr_cap;
	uint64_t epoch;	 /* of the segment being read */
	int64_t spin_ns; /* busy-poll this long before sleeping on the futex */
	int busy;	 /* a call is using r (maybe without the GIL): others refuse */
	void *scratch;	 /* read_batch's chunk of ticks and seqs */
} pymdbus_reader;

typedef struct {
	PyObject_HEAD struct mdbus_tick t;
	uint64_t seq;
	PyObject *venue, *symbol; /* borrowed from the reader's cache, held */
	unsigned price_decimals, qty_decimals;
} pymdbus_tick;

extern PyObject *pymdbus_error;	       /* mdbus.Error */
extern PyObject *pymdbus_decimal_type; /* decimal.Decimal */
extern PyTypeObject pymdbus_reader_type;
extern PyTypeObject pymdbus_tick_type;

/* Raises mdbus.Error(errno, "what: mdbus_strerror(rc)"); returns -1. */
int pymdbus_raise(int rc, const char *what);
/* The same with libmdbus's one-line reason (an errbuf) instead of the
 * mdbus_strerror text in the message, when why is not empty. */
int pymdbus_raise_why(int rc, const char *what, const char *why);

/* Decimal(mdbus_decimal_format(m, decimals)): the same text as mdbus-tail. */
PyObject *pymdbus_decimal(int64_t mantissa, unsigned decimals);

/* Opens a reader on `bus` (a Bus object) by name; start "latest"|"oldest". */
PyObject *pymdbus_reader_new(PyObject *bus, const char *name, const char *start, double spin);

/* A Tick for t read at seq; the reader resolves its instrument. */
PyObject *pymdbus_tick_new(pymdbus_reader *rd, const struct mdbus_tick *t, uint64_t seq);

/* Looks up (and caches) instrument id on the reader; NULL with an exception
 * (instr.c). Forgetting drops the whole cache (a new segment, or the end). */
const struct pymdbus_instr *pymdbus_reader_instr(pymdbus_reader *rd, uint32_t id);
void pymdbus_instr_forget(pymdbus_reader *rd);

/* numpy: the module's TICK_DTYPE and import_array (0 or -1); a new array of
 * n records; filling it from the reader (count, 0 with *err the read error
 * when none was read); shrinking it to count records (0 or -1). */
int pymdbus_batch_init(PyObject *module);
PyObject *pymdbus_batch_new(Py_ssize_t n);
Py_ssize_t pymdbus_batch_fill(pymdbus_reader *rd, PyObject *arr, Py_ssize_t n, int *err);
int pymdbus_batch_finish(PyObject *arr, Py_ssize_t count);

/* Bus.book(instrument, depth=10) on the Bus's reader r (book.c). */
PyObject *pymdbus_book(mdbus_reader *r, PyObject *args, PyObject *kw);

/* Waits on the reader up to timeout seconds (< 0 forever) with the GIL
 * released, in slices so that signals are handled between them; follows a
 * restarted writer. 1: data may be ready, 0: timed out, -1: exception. */
int pymdbus_reader_wait(pymdbus_reader *rd, double timeout);

/* After an error from mdbus_reader_next/read: for -ESHUTDOWN, -ESTALE,
 * -EOWNERDEAD (and -EBADMSG, a segment cut under us) re-attaches if a new
 * writer holds the bus (1) or not yet (0); raises for the rest (-1). */
int pymdbus_reader_recover(pymdbus_reader *rd, int rc);

#endif /* PYMDBUS_H */
