/* SPDX-License-Identifier: MIT */
/*
 * module.c: the mdbus module: mdbus.Error, mdbus.open() and the Bus object.
 *
 * A Bus is a read-only view of one bus: its own mdbus_reader for the
 * instrument table, readers made on demand (Bus.reader) and, for health(),
 * mdbus-top's own model and JSON writer (tools/top/top_snap.c, top_json.c),
 * so Bus.health() is the document `mdbus-top --json` prints, parsed;
 * Bus.book() (book.c) reads an order book.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pymdbus.h"
#include "top_out.h"

static PyObject *pymdbus_json_loads;
static PyTypeObject *pymdbus_instr_type;

typedef struct {
	PyObject_HEAD mdbus_reader *r; /* instruments */
	char name[MDBUS_BUS_NAME_MAX];
	struct top_state *top; /* health(): opened on first use */
} pymdbus_bus;

static PyTypeObject pymdbus_bus_type;

static PyObject *mod_open(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = {"name", NULL};
	const char *name = NULL;
	char err[256] = "", what[MDBUS_BUS_NAME_MAX + 16];
	pymdbus_bus *b;
	int rc;

	(void)self;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|z:open", kwlist, &name))
		return NULL;
	b = PyObject_New(pymdbus_bus, &pymdbus_bus_type);
	if (!b)
		return NULL;
	b->r = NULL;
	b->top = NULL;
	rc = mdbus_bus_name(name, b->name, sizeof(b->name));
	if (rc == 0) {
		struct mdbus_reader_opts o = {.bus = b->name,
					      .start = MDBUS_START_LATEST,
					      .errbuf = err,
					      .errlen = sizeof(err)};
		rc = mdbus_reader_open(&b->r, &o);
	}
	if (rc < 0) {
		snprintf(what, sizeof(what), "bus '%s'", name ? name : b->name);
		Py_DECREF(b);
		pymdbus_raise_why(rc, what, err);
		return NULL;
	}
	return (PyObject *)b;
}

static void bus_dealloc(pymdbus_bus *b)
{
	mdbus_reader_close(b->r);
	if (b->top) {
		top_state_close(b->top);
		free(b->top);
	}
	PyObject_Free(b);
}

/* A stopped or replaced writer: look at the newest segment (the instrument
 * table is per segment). Errors keep the old one. */
static void bus_refresh(pymdbus_bus *b)
{
	struct mdbus_info i;

	if (mdbus_reader_info(b->r, &i) == 0 && i.writer_state != MDBUS_WRITER_RUNNING &&
	    i.writer_state != MDBUS_WRITER_STARTING)
		(void)mdbus_reader_reattach(b->r);
}

static PyObject *bus_instr(const struct mdbus_instrument *in)
{
	static const char *const market[] = {"spot", "perp", "future"};
	PyObject *o = PyStructSequence_New(pymdbus_instr_type);
	PyObject *cs = Py_NewRef(Py_None);

	if (!o)
		return NULL;
	if (in->contract_size > 0) {
		Py_DECREF(cs);
		if (!(cs = pymdbus_decimal(in->contract_size, in->contract_decimals))) {
			Py_DECREF(o);
			return NULL;
		}
	}
	PyStructSequence_SetItem(o, 0, PyLong_FromUnsignedLong(in->id));
	PyStructSequence_SetItem(o, 1, PyUnicode_FromString(in->venue));
	PyStructSequence_SetItem(o, 2, PyUnicode_FromString(in->symbol));
	PyStructSequence_SetItem(o, 3, PyLong_FromLong(in->price_decimals));
	PyStructSequence_SetItem(o, 4, PyLong_FromLong(in->qty_decimals));
	PyStructSequence_SetItem(o, 5, PyUnicode_FromString(in->native));
	PyStructSequence_SetItem(o, 6,
				 PyUnicode_FromString(in->market < 3 ? market[in->market] : "?"));
	PyStructSequence_SetItem(
		o, 7,
		PyUnicode_FromString(in->qty_unit == MDBUS_QTY_CONTRACTS ? "contracts" : "base"));
	PyStructSequence_SetItem(o, 8, cs);
	PyStructSequence_SetItem(
		o, 9, in->expiry ? PyLong_FromUnsignedLong(in->expiry) : Py_NewRef(Py_None));
	for (Py_ssize_t i = 0; i < 10; i++)
		if (!PyStructSequence_GetItem(o, i)) {
			Py_DECREF(o);
			return NULL;
		}
	return o;
}

static PyObject *bus_instruments(pymdbus_bus *b, PyObject *unused)
{
	uint32_t n;
	PyObject *l;

	(void)unused;
	bus_refresh(b);
	n = mdbus_reader_instrument_count(b->r);
	if (!(l = PyList_New(0)))
		return NULL;
	for (uint32_t id = 0; id < n; id++) {
		struct mdbus_instrument in;
		PyObject *o;

		if (mdbus_reader_instrument(b->r, id, &in) < 0)
			continue;
		o = bus_instr(&in);
		if (!o || PyList_Append(l, o) < 0) {
			Py_XDECREF(o);
			Py_DECREF(l);
			return NULL;
		}
		Py_DECREF(o);
	}
	return l;
}

static PyObject *bus_reader(pymdbus_bus *b, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = {"start", "spin", NULL};
	const char *start = "latest";
	double spin = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|$sd:reader", kwlist, &start, &spin))
		return NULL;
	return pymdbus_reader_new((PyObject *)b, b->name, start, spin);
}

/* One mdbus-top sample into a string (its JSON writer prints to a FILE). */
static PyObject *bus_health_json(pymdbus_bus *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return PyErr_NoMemory();
	rc = top_print_json(f, b->top);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0) {
		free(buf);
		pymdbus_raise(rc, "health");
		return NULL;
	}
	PyObject *s = PyUnicode_FromStringAndSize(buf, (Py_ssize_t)len);
	free(buf);
	PyObject *d = s ? PyObject_CallOneArg(pymdbus_json_loads, s) : NULL;
	Py_XDECREF(s);
	return d;
}

static PyObject *bus_health(pymdbus_bus *b, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = {"interval", NULL};
	double interval = 0.2;
	int rc = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|$d:health", kwlist, &interval))
		return NULL;
	if (b->top && !b->top->r) {
		/* The bus did not exist at the last call: try again. */
		top_state_close(b->top);
		free(b->top);
		b->top = NULL;
	}
	if (!b->top) {
		/* First call: a first sample, then the reported one `interval`
		 * later, as mdbus-top --json does, so rates are known. */
		if (!(b->top = calloc(1, sizeof(*b->top))))
			return PyErr_NoMemory();
		rc = top_state_open(b->top, b->name, 1000);
		if (rc == 0 && (rc = top_state_sample(b->top)) >= 0 && interval > 0) {
			struct timespec ts = {(time_t)interval,
					      (long)((interval - (double)(time_t)interval) * 1e9)};
			PyThreadState *gil = PyEval_SaveThread();
			nanosleep(&ts, NULL);
			PyEval_RestoreThread(gil);
		}
	}
	if (rc >= 0 && b->top->r)
		rc = top_state_sample(b->top);
	if (rc < 0 && rc != -ENOENT)
		return pymdbus_raise(rc, "health"), NULL;
	return bus_health_json(b);
}

static PyObject *bus_book(pymdbus_bus *b, PyObject *args, PyObject *kw)
{
	bus_refresh(b);
	return pymdbus_book(b->r, args, kw);
}

static PyObject *bus_get_name(pymdbus_bus *b, void *unused)
{
	(void)unused;
	return PyUnicode_FromString(b->name);
}

static PyObject *bus_get_epoch(pymdbus_bus *b, void *unused)
{
	(void)unused;
	return PyLong_FromUnsignedLongLong(mdbus_reader_epoch(b->r));
}

static PyMethodDef bus_methods[] = {
	{"instruments", (PyCFunction)bus_instruments, METH_NOARGS,
	 "instruments() -> [Instrument]: the bus's instrument table"},
	{"reader", (PyCFunction)(void (*)(void))bus_reader, METH_VARARGS | METH_KEYWORDS,
	 "reader(start=\"latest\"|\"oldest\", spin=0.0) -> Reader; spin: seconds to busy-poll "
	 "before sleeping"},
	{"health", (PyCFunction)(void (*)(void))bus_health, METH_VARARGS | METH_KEYWORDS,
	 "health(interval=0.2) -> dict: the document of mdbus-top --json; rates over the time "
	 "since the previous call (the first call samples twice, interval apart)"},
	{"book", (PyCFunction)(void (*)(void))bus_book, METH_VARARGS | METH_KEYWORDS,
	 "book(instrument, depth=10) -> dict: the instrument's order book as mdbus-book --json "
	 "prints it (prices and quantities as Decimal, best first; depth 0: all levels kept) "
	 "plus version, resyncs, checksum_fails and depth; instrument is an id, an Instrument "
	 "or (venue, symbol); mdbus.Error ENOENT when the bus keeps no book for it"},
	{NULL, NULL, 0, NULL},
};

static PyGetSetDef bus_getset[] = {
	{"name", (getter)bus_get_name, NULL, "the bus name", NULL},
	{"epoch", (getter)bus_get_epoch, NULL, "epoch of the segment read", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject pymdbus_bus_type = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "mdbus.Bus",
	.tp_basicsize = sizeof(pymdbus_bus),
	.tp_dealloc = (destructor)bus_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A bus opened read-only by mdbus.open().",
	.tp_methods = bus_methods,
	.tp_getset = bus_getset,
};

static PyStructSequence_Field instr_fields[] = {
	{"id", "instrument id"},
	{"venue", NULL},
	{"symbol", "normalized symbol"},
	{"price_scale", "decimals of prices: price = price_raw / 10**price_scale"},
	{"qty_scale", "decimals of quantities"},
	{"native", "the venue's own symbol"},
	{"market", "\"spot\", \"perp\" or \"future\""},
	{"qty_unit", "\"base\" or \"contracts\""},
	{"contract_size", "base units per contract (Decimal), or None"},
	{"expiry", "futures: YYYYMMDD, else None"},
	{NULL, NULL},
};

static PyStructSequence_Desc instr_desc = {"mdbus.Instrument", "One instrument of the bus.",
					   instr_fields, 10};

static PyMethodDef mod_methods[] = {
	{"open", (PyCFunction)(void (*)(void))mod_open, METH_VARARGS | METH_KEYWORDS,
	 "open(name=None) -> Bus: maps bus NAME read-only (None: $MDBUS_BUS or \"default\")"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef mod_def = {
	PyModuleDef_HEAD_INIT,
	"mdbus",
	"Read an mdbus market-data bus: ticks, instruments and health, from Python.",
	-1,
	mod_methods,
	NULL,
	NULL,
	NULL,
	NULL};

/* Imports attr from module (a new reference) or NULL. */
static PyObject *mod_import(const char *module, const char *attr)
{
	PyObject *m = PyImport_ImportModule(module);
	PyObject *a = m ? PyObject_GetAttrString(m, attr) : NULL;

	Py_XDECREF(m);
	return a;
}

static int mod_add_types(PyObject *m)
{
	pymdbus_instr_type = PyStructSequence_NewType(&instr_desc);
	if (!pymdbus_instr_type || PyType_Ready(&pymdbus_bus_type) < 0 ||
	    PyType_Ready(&pymdbus_reader_type) < 0 || PyType_Ready(&pymdbus_tick_type) < 0)
		return -1;
	if (PyModule_AddObjectRef(m, "Instrument", (PyObject *)pymdbus_instr_type) < 0 ||
	    PyModule_AddObjectRef(m, "Bus", (PyObject *)&pymdbus_bus_type) < 0 ||
	    PyModule_AddObjectRef(m, "Reader", (PyObject *)&pymdbus_reader_type) < 0 ||
	    PyModule_AddObjectRef(m, "Tick", (PyObject *)&pymdbus_tick_type) < 0)
		return -1;
	return 0;
}

PyMODINIT_FUNC PyInit_mdbus(void)
{
	PyObject *m = PyModule_Create(&mod_def);

	if (!m)
		return NULL;
	pymdbus_decimal_type = mod_import("decimal", "Decimal");
	pymdbus_json_loads = mod_import("json", "loads");
	pymdbus_error = PyErr_NewExceptionWithDoc(
		"mdbus.Error", "An mdbus call failed: .errno, .strerror (mdbus_strerror's text).",
		NULL, NULL);
	if (!pymdbus_decimal_type || !pymdbus_json_loads || !pymdbus_error ||
	    PyModule_AddObjectRef(m, "Error", pymdbus_error) < 0 || mod_add_types(m) < 0 ||
	    pymdbus_batch_init(m) < 0 ||
	    PyModule_AddStringConstant(m, "__version__", MDBUS_VERSION) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
