/* SPDX-License-Identifier: MIT */
/*
 * batch.c: Reader.read_batch's numpy side.
 *
 * A record is 64 bytes: the tick's bus sequence number, then the 56-byte
 * struct mdbus_tick as it is in the ring. mdbus.TICK_DTYPE names the common
 * part and the payload's four 64-bit words p0..p3 (numpy mishandles
 * overlapping fields: concatenation cannot keep them), and
 * mdbus.KIND_DTYPES[kind] names the payload of one kind, for a .view() of
 * the records of that kind (mdbus.KINDS[kind] is its code):
 *
 *   off  TICK_DTYPE       trade      bbo          l2         status
 *     0  seq         u8
 *     8  instrument  u4
 *    12  kind        u1
 *    13  flags       u1
 *    14  reserved    u2   (every dtype fills its 64 bytes, gaps named _pad,
 *                          so numpy keeps it as is through concatenation)
 *    16  exch_ts     i8
 *    24  recv_ts     i8
 *    32  p0          i8   price_raw  bid_px_raw   price_raw  status_code u4, session u4
 *    40  p1          i8   qty_raw    bid_qty_raw  qty_raw    reason u4
 *    48  p2          i8   trade_id   ask_px_raw   update_id
 *    56  p3          i8              ask_qty_raw
 *
 * Prices and quantities are the int64 mantissas: value = raw / 10**scale,
 * with the instrument's price_scale / qty_scale (Bus.instruments()); ids
 * are u8. Ticks come out of the ring by mdbus_reader_read (the one copy out
 * of the seqlock) in chunks of PYB_CHUNK into a per-reader scratch that
 * stays in cache, and are laid out into the array from there; no per-tick
 * object.
 */
#define PY_ARRAY_UNIQUE_SYMBOL pymdbus_ARRAY_API
#include "pymdbus.h"

#include <numpy/arrayobject.h>
#include <stdlib.h>
#include <string.h>

#define PYB_CHUNK   256 /* ticks per mdbus_reader_read: the scratch (16 KiB) stays in L1 */
#define PYB_NOGIL   256 /* batches at least this large drop the GIL */
#define PYB_RECSIZE 64

struct pyb_scratch {
	struct mdbus_tick t[PYB_CHUNK];
	uint64_t seq[PYB_CHUNK];
};

static PyArray_Descr *pyb_descr;

#define PYB_TICK(f) (8 + (int)offsetof(struct mdbus_tick, f))

struct pyb_field {
	const char *name, *fmt;
	int off;
};

#define PYB_COMMON                                                                                 \
	{"seq", "<u8", 0}, {"instrument", "<u4", PYB_TICK(instrument)},                            \
		{"kind", "u1", PYB_TICK(kind)}, {"flags", "u1", PYB_TICK(flags)},                  \
		{"reserved", "<u2", PYB_TICK(reserved)}, {"exch_ts", "<i8", PYB_TICK(exch_ts)},    \
	{                                                                                          \
		"recv_ts", "<i8", PYB_TICK(recv_ts)                                                \
	}

static const struct pyb_field pyb_any[] = {
	PYB_COMMON,
	{"p0", "<i8", PYB_TICK(u.raw[0])},
	{"p1", "<i8", PYB_TICK(u.raw[1])},
	{"p2", "<i8", PYB_TICK(u.raw[2])},
	{"p3", "<i8", PYB_TICK(u.raw[3])},
	{NULL, NULL, 0},
};
static const struct pyb_field pyb_trade[] = {
	PYB_COMMON,
	{"price_raw", "<i8", PYB_TICK(u.trade.price)},
	{"qty_raw", "<i8", PYB_TICK(u.trade.qty)},
	{"trade_id", "<u8", PYB_TICK(u.trade.trade_id)},
	{"_pad", "<u8", PYB_TICK(u.trade.reserved)},
	{NULL, NULL, 0},
};
static const struct pyb_field pyb_bbo[] = {
	PYB_COMMON,
	{"bid_px_raw", "<i8", PYB_TICK(u.bbo.bid_px)},
	{"bid_qty_raw", "<i8", PYB_TICK(u.bbo.bid_qty)},
	{"ask_px_raw", "<i8", PYB_TICK(u.bbo.ask_px)},
	{"ask_qty_raw", "<i8", PYB_TICK(u.bbo.ask_qty)},
	{NULL, NULL, 0},
};
static const struct pyb_field pyb_l2[] = {
	PYB_COMMON,
	{"price_raw", "<i8", PYB_TICK(u.l2.price)},
	{"qty_raw", "<i8", PYB_TICK(u.l2.qty)},
	{"update_id", "<u8", PYB_TICK(u.l2.update_id)},
	{"_pad", "<u8", PYB_TICK(u.l2.reserved)},
	{NULL, NULL, 0},
};
static const struct pyb_field pyb_status[] = {
	PYB_COMMON,
	{"status_code", "<u4", PYB_TICK(u.status.code)},
	{"session", "<u4", PYB_TICK(u.status.session)},
	{"reason", "<u4", PYB_TICK(u.status.reason)},
	{"_pad", "<u4", PYB_TICK(u.status.reserved)},
	{"_pad2", "(2,)<u8", PYB_TICK(u.status.reserved2)},
	{NULL, NULL, 0},
};

static PyArray_Descr *pyb_descr;

/* A 64-byte record dtype from (name, format, offset) triples. */
static PyArray_Descr *pyb_dtype(const struct pyb_field *f)
{
	PyObject *names = PyList_New(0), *fmts = PyList_New(0), *offs = PyList_New(0), *spec;
	PyArray_Descr *d = NULL;
	int bad = !names || !fmts || !offs;

	for (; !bad && f->name; f++) {
		PyObject *n = PyUnicode_FromString(f->name), *t = PyUnicode_FromString(f->fmt);
		PyObject *o = PyLong_FromLong(f->off);
		bad = !n || !t || !o || PyList_Append(names, n) < 0 || PyList_Append(fmts, t) < 0 ||
		      PyList_Append(offs, o) < 0;
		Py_XDECREF(n);
		Py_XDECREF(t);
		Py_XDECREF(o);
	}
	spec = bad ? NULL
		   : Py_BuildValue("{s:O, s:O, s:O, s:i}", "names", names, "formats", fmts,
				   "offsets", offs, "itemsize", PYB_RECSIZE);
	if (spec && !PyArray_DescrConverter(spec, &d))
		d = NULL;
	Py_XDECREF(spec);
	Py_XDECREF(names);
	Py_XDECREF(fmts);
	Py_XDECREF(offs);
	return d;
}

/* mdbus.KIND_DTYPES and mdbus.KINDS: name -> dtype, name -> code. */
static int pyb_kinds(PyObject *module)
{
	static const struct pyb_field *const tables[] = {
		[MDBUS_KIND_TRADE] = pyb_trade,
		[MDBUS_KIND_BBO] = pyb_bbo,
		[MDBUS_KIND_L2] = pyb_l2,
		[MDBUS_KIND_STATUS] = pyb_status,
	};
	PyObject *dt = PyDict_New(), *codes = PyDict_New();
	int bad = !dt || !codes;

	for (unsigned k = MDBUS_KIND_TRADE; !bad && k <= MDBUS_KIND_STATUS; k++) {
		PyArray_Descr *d = pyb_dtype(tables[k]);
		PyObject *c = PyLong_FromLong((long)k);
		bad = !d || !c || PyDict_SetItemString(dt, mdbus_kind_name(k), (PyObject *)d) < 0 ||
		      PyDict_SetItemString(codes, mdbus_kind_name(k), c) < 0;
		Py_XDECREF(d);
		Py_XDECREF(c);
	}
	if (!bad)
		bad = PyModule_AddObjectRef(module, "KIND_DTYPES", dt) < 0 ||
		      PyModule_AddObjectRef(module, "KINDS", codes) < 0;
	Py_XDECREF(dt);
	Py_XDECREF(codes);
	return bad ? -1 : 0;
}

int pymdbus_batch_init(PyObject *module)
{
	_Static_assert(sizeof(struct mdbus_tick) + 8 == PYB_RECSIZE, "record = seq + tick");
	if (_import_array() < 0)
		return -1;
	if (!(pyb_descr = pyb_dtype(pyb_any)) || pyb_kinds(module) < 0)
		return -1;
	return PyModule_AddObjectRef(module, "TICK_DTYPE", (PyObject *)pyb_descr);
}

PyObject *pymdbus_batch_new(Py_ssize_t n)
{
	npy_intp dims[1] = {n};

	Py_INCREF(pyb_descr); /* stolen by the constructor */
	return PyArray_NewFromDescr(&PyArray_Type, pyb_descr, 1, dims, NULL, NULL, 0, NULL);
}

/* Reads up to n ticks into out (records); no Python calls (runs without
 * the GIL). Returns the count; *err the read error if none was read. */
static Py_ssize_t pyb_fill(mdbus_reader *r, struct pyb_scratch *s, char *out, Py_ssize_t n,
			   int *err)
{
	Py_ssize_t filled = 0;

	while (filled < n) {
		int want = n - filled < PYB_CHUNK ? (int)(n - filled) : PYB_CHUNK;
		uint64_t missed;
		int got = mdbus_reader_read(r, s->t, s->seq, want, &missed);

		if (got <= 0) {
			if (filled == 0)
				*err = got;
			break;
		}
		for (int i = 0; i < got; i++) {
			char *rec = out + (filled + i) * PYB_RECSIZE;
			memcpy(rec, &s->seq[i], 8);
			memcpy(rec + 8, &s->t[i], sizeof(s->t[i]));
		}
		filled += got;
		if (got < want)
			break;
	}
	return filled;
}

Py_ssize_t pymdbus_batch_fill(pymdbus_reader *rd, PyObject *arr, Py_ssize_t n, int *err)
{
	char *out = PyArray_BYTES((PyArrayObject *)arr);
	Py_ssize_t got;

	*err = 0;
	if (!rd->scratch && !(rd->scratch = malloc(sizeof(struct pyb_scratch)))) {
		PyErr_NoMemory();
		return -1;
	}
	if (n < PYB_NOGIL)
		return pyb_fill(rd->r, rd->scratch, out, n, err);
	PyThreadState *gil = PyEval_SaveThread(); /* no Python inside */
	got = pyb_fill(rd->r, rd->scratch, out, n, err);
	PyEval_RestoreThread(gil);
	return got;
}

int pymdbus_batch_finish(PyObject *arr, Py_ssize_t count)
{
	npy_intp dims[1] = {count};
	PyArray_Dims shape = {dims, 1};
	PyObject *r;

	if (count == PyArray_DIM((PyArrayObject *)arr, 0))
		return 0;
	r = PyArray_Resize((PyArrayObject *)arr, &shape, 0, NPY_CORDER);
	if (!r)
		return -1;
	Py_DECREF(r);
	return 0;
}
