/* SPDX-License-Identifier: MIT */
/*
 * tick.c: mdbus.Tick, one tick as a Python object.
 *
 * A Tick holds the 56-byte tick as read and its instrument's cached names and
 * decimals; nothing else is built up front, so next() costs one object.
 * The kind's fields are looked up in the table mdbus-tail --json writes from
 * (tools/common/tick_fields.h), so the names are the same by construction:
 * prices and quantities are decimal.Decimal made from mdbus_decimal_format's
 * text (exact, the very string mdbus-tail prints), with "<name>_raw" beside
 * each for the int mantissa.
 */
#include <string.h>

#include "pymdbus.h"
#include "tick_fields.h"
#include "tools_cli.h"

PyObject *pymdbus_tick_new(pymdbus_reader *rd, const struct mdbus_tick *t, uint64_t seq)
{
	const struct pymdbus_instr *in = pymdbus_reader_instr(rd, t->instrument);
	pymdbus_tick *k;

	if (!in)
		return NULL;
	k = PyObject_New(pymdbus_tick, &pymdbus_tick_type);
	if (!k)
		return NULL;
	k->t = *t;
	k->seq = seq;
	k->venue = Py_NewRef(in->venue);
	k->symbol = Py_NewRef(in->symbol);
	k->price_decimals = in->price_decimals;
	k->qty_decimals = in->qty_decimals;
	return (PyObject *)k;
}

static void tick_dealloc(pymdbus_tick *k)
{
	Py_DECREF(k->venue);
	Py_DECREF(k->symbol);
	PyObject_Free(k);
}

/* One field of the kind's table as Python: raw = the stored integer. */
static PyObject *tick_field(const pymdbus_tick *k, const struct tools_field *f, int raw)
{
	uint64_t v = tools_field_get(&k->t, f);
	const char *name;

	switch (f->type) {
	case TOOLS_F_PRICE:
	case TOOLS_F_QTY:
		if (raw)
			return PyLong_FromLongLong((long long)(int64_t)v);
		return pymdbus_decimal((int64_t)v, f->type == TOOLS_F_PRICE ? k->price_decimals
									    : k->qty_decimals);
	case TOOLS_F_SIDE:
	case TOOLS_F_BOOK_SIDE:
		/* mdbus-tail --json: an L2 delta's book side as "buy"/"sell" too */
		return PyUnicode_FromString(tools_side_name(k->t.flags));
	case TOOLS_F_STATUS:
		name = tools_status_name((uint32_t)v);
		return name ? PyUnicode_FromString(name) : PyLong_FromUnsignedLongLong(v);
	default:
		return PyLong_FromUnsignedLongLong(v);
	}
}

/* The kind's fields first (price, qty, bid_px, ... and their _raw twins),
 * then the generic attributes (kind, venue, seq, ...). */
static PyObject *tick_getattro(pymdbus_tick *k, PyObject *name)
{
	const struct tools_field *f;
	size_t n = tools_tick_fields(k->t.kind, &f);
	Py_ssize_t len;
	const char *s = PyUnicode_AsUTF8AndSize(name, &len);

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t kl = strlen(f[i].key);
		int numeric = f[i].type == TOOLS_F_PRICE || f[i].type == TOOLS_F_QTY;

		if ((size_t)len == kl && memcmp(s, f[i].key, kl) == 0)
			return tick_field(k, &f[i], 0);
		if (numeric && (size_t)len == kl + 4 && memcmp(s, f[i].key, kl) == 0 &&
		    memcmp(s + kl, "_raw", 4) == 0)
			return tick_field(k, &f[i], 1);
	}
	return PyObject_GenericGetAttr((PyObject *)k, name);
}

static PyObject *tick_kind(pymdbus_tick *k, void *unused)
{
	const char *s = mdbus_kind_name(k->t.kind);

	(void)unused;
	return s ? PyUnicode_FromString(s) : PyLong_FromLong(k->t.kind);
}

static PyObject *tick_flags(pymdbus_tick *k, void *unused)
{
	static const char *const names[] = {"buy",	  "sell",     "snapshot", "gap",
					    "no_exch_ts", "tid_hash", "rest"};
	PyObject *l = PyList_New(0);

	(void)unused;
	for (unsigned b = 0; l && b < 8; b++) {
		PyObject *o;

		if (!(k->t.flags & (1u << b)))
			continue;
		o = b < 6 ? PyUnicode_FromString(names[b]) : PyUnicode_FromFormat("0x%x", 1u << b);
		if (!o || PyList_Append(l, o) < 0) {
			Py_XDECREF(o);
			Py_CLEAR(l);
			break;
		}
		Py_DECREF(o);
	}
	return l;
}

static PyObject *tick_fields(pymdbus_tick *k, void *unused)
{
	const struct tools_field *f;
	size_t n = tools_tick_fields(k->t.kind, &f);
	PyObject *t = PyTuple_New((Py_ssize_t)n);

	(void)unused;
	for (size_t i = 0; t && i < n; i++) {
		PyObject *s = PyUnicode_FromString(f[i].key);

		if (!s) {
			Py_CLEAR(t);
			break;
		}
		PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
	}
	return t;
}

#define TICK_GET(name, expr)                                                                       \
	static PyObject *tick_##name(pymdbus_tick *k, void *unused)                                \
	{                                                                                          \
		(void)unused;                                                                      \
		return expr;                                                                       \
	}
TICK_GET(venue, Py_NewRef(k->venue))
TICK_GET(symbol, Py_NewRef(k->symbol))
TICK_GET(seq, PyLong_FromUnsignedLongLong(k->seq))
TICK_GET(instrument, PyLong_FromUnsignedLong(k->t.instrument))
TICK_GET(exch_ts, PyLong_FromLongLong(k->t.exch_ts))
TICK_GET(recv_ts, PyLong_FromLongLong(k->t.recv_ts))
TICK_GET(flags_raw, PyLong_FromUnsignedLong(k->t.flags))
TICK_GET(raw, PyBytes_FromStringAndSize((const char *)&k->t, sizeof(k->t)))

#define TICK_GS(name, doc)                                                                         \
	{                                                                                          \
#name, (getter)tick_##name, NULL, doc, NULL                                        \
	}
static PyGetSetDef tick_getset[] = {
	TICK_GS(kind, "\"trade\", \"bbo\", \"l2\" or \"status\""),
	TICK_GS(venue, "the instrument's venue"),
	TICK_GS(symbol, "the instrument's normalized symbol"),
	TICK_GS(seq, "bus sequence number"),
	TICK_GS(instrument, "instrument id"),
	TICK_GS(exch_ts, "exchange time, ns since the Unix epoch (0: the venue sends none)"),
	TICK_GS(recv_ts, "local receive time, CLOCK_REALTIME ns"),
	TICK_GS(flags, "flag names, as mdbus-tail --json"),
	TICK_GS(flags_raw, "the flags byte"),
	TICK_GS(fields, "names of this kind's fields, in mdbus-tail --json order"),
	TICK_GS(raw, "the 56-byte struct mdbus_tick"),
	{NULL, NULL, NULL, NULL, NULL},
};

/* A field as text for repr: prices and quantities in mdbus-tail's form. */
static PyObject *tick_field_text(const pymdbus_tick *k, const struct tools_field *f)
{
	char b[MDBUS_DECIMAL_STR_MAX + 4];
	PyObject *v, *t;

	if (f->type == TOOLS_F_PRICE || f->type == TOOLS_F_QTY) {
		unsigned d = f->type == TOOLS_F_PRICE ? k->price_decimals : k->qty_decimals;
		int n = mdbus_decimal_format((int64_t)tools_field_get(&k->t, f), d, b, sizeof(b));
		return n < 0 ? PyUnicode_FromString("?") : PyUnicode_FromStringAndSize(b, n);
	}
	v = tick_field(k, f, 0);
	t = v ? PyObject_Str(v) : NULL;
	Py_XDECREF(v);
	return t;
}

/* <mdbus.Tick seq=12 trade binance BTC-USDT price=65000.1 qty=0.5 side=buy trade_id=991> */
static PyObject *tick_repr(pymdbus_tick *k)
{
	const struct tools_field *f;
	size_t n = tools_tick_fields(k->t.kind, &f);
	const char *kind = mdbus_kind_name(k->t.kind);
	PyObject *s =
		PyUnicode_FromFormat("<mdbus.Tick seq=%llu %s %U %U", (unsigned long long)k->seq,
				     kind ? kind : "?", k->venue, k->symbol);

	for (size_t i = 0; s && i < n; i++) {
		PyObject *v = tick_field_text(k, &f[i]);
		PyObject *part = v ? PyUnicode_FromFormat(" %s=%U", f[i].key, v) : NULL;

		Py_XDECREF(v);
		if (part)
			PyUnicode_Append(&s, part);
		else
			Py_CLEAR(s);
		Py_XDECREF(part);
	}
	if (s) {
		PyObject *end = PyUnicode_FromString(">");
		if (end)
			PyUnicode_Append(&s, end);
		else
			Py_CLEAR(s);
		Py_XDECREF(end);
	}
	return s;
}

/* Sets d[key] = v, taking v; -1 on failure. */
static int tick_put(PyObject *d, const char *key, PyObject *v)
{
	int rc = v ? PyDict_SetItemString(d, key, v) : -1;

	Py_XDECREF(v);
	return rc;
}

/* The keys of one mdbus-tail --json line (the instrument's own keys left
 * out: Bus.instruments() has them), prices and quantities as Decimals. */
static PyObject *tick_as_dict(pymdbus_tick *k, PyObject *unused)
{
	const struct tools_field *f;
	size_t n = tools_tick_fields(k->t.kind, &f);
	PyObject *d = PyDict_New();
	int bad = !d;

	(void)unused;
	bad = bad || tick_put(d, "seq", tick_seq(k, NULL)) < 0 ||
	      tick_put(d, "venue", tick_venue(k, NULL)) < 0 ||
	      tick_put(d, "symbol", tick_symbol(k, NULL)) < 0 ||
	      tick_put(d, "kind", tick_kind(k, NULL)) < 0 ||
	      tick_put(d, "exch_ts", tick_exch_ts(k, NULL)) < 0 ||
	      tick_put(d, "recv_ts", tick_recv_ts(k, NULL)) < 0 ||
	      tick_put(d, "flags", tick_flags(k, NULL)) < 0;
	for (size_t i = 0; !bad && i < n; i++)
		bad = tick_put(d, f[i].key, tick_field(k, &f[i], 0)) < 0;
	if (bad)
		Py_CLEAR(d);
	return d;
}

static PyMethodDef tick_methods[] = {
	{"as_dict", (PyCFunction)tick_as_dict, METH_NOARGS,
	 "as_dict() -> dict: the keys of an mdbus-tail --json line (prices as Decimal)"},
	{NULL, NULL, 0, NULL},
};

PyTypeObject pymdbus_tick_type = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "mdbus.Tick",
	.tp_basicsize = sizeof(pymdbus_tick),
	.tp_dealloc = (destructor)tick_dealloc,
	.tp_getattro = (getattrofunc)tick_getattro,
	.tp_repr = (reprfunc)tick_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "One tick read from the bus (mdbus-tail --json's fields by the same names).",
	.tp_getset = tick_getset,
	.tp_methods = tick_methods,
};
