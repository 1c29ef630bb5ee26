/* SPDX-License-Identifier: MIT */
/*
 * book.c: Bus.book(), one instrument's order book (mdbus_book_read) as the
 * dict of `mdbus-book --json`, prices and quantities as exact Decimals, plus
 * the book's counters.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "pymdbus.h"

#define BOOK_RETRIES 10000 /* mdbus_book_read -EAGAIN retries, as mdbus-book */

static const char *book_status_name(uint32_t status)
{
	static const char *const names[] = {
		[MDBUS_BOOK_EMPTY] = "empty",	      [MDBUS_BOOK_LIVE] = "live",
		[MDBUS_BOOK_RESYNCING] = "resyncing", [MDBUS_BOOK_STALE] = "stale",
		[MDBUS_BOOK_DOWN] = "down",	      [MDBUS_BOOK_REST] = "rest",
	};

	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "unknown";
}

/* An int as an instrument id. 0, or -1 with an exception. */
static int book_id(PyObject *arg, uint32_t *id)
{
	unsigned long v = PyLong_AsUnsignedLong(arg);

	if (PyErr_Occurred() || v > UINT32_MAX) {
		PyErr_Clear();
		PyErr_SetString(PyExc_ValueError, "bad instrument id");
		return -1;
	}
	*id = (uint32_t)v;
	return 0;
}

/* The instrument id of an int, an Instrument (its id) or a (venue, symbol)
 * pair (normalized or native symbol). 0, or -1 with an exception. */
static int book_instrument(mdbus_reader *r, PyObject *arg, uint32_t *id)
{
	const char *venue, *symbol;
	struct mdbus_instrument in;

	if (PyLong_Check(arg))
		return book_id(arg, id);
	if (!PyTuple_Check(arg) || PyTuple_Size(arg) < 2) {
		PyErr_SetString(PyExc_TypeError,
				"instrument: an id, an Instrument or (venue, symbol)");
		return -1;
	}
	if (PyTuple_Size(arg) > 2) /* an Instrument: (id, venue, symbol, ...) */
		return PyLong_Check(PyTuple_GET_ITEM(arg, 0))
			       ? book_id(PyTuple_GET_ITEM(arg, 0), id)
			       : (PyErr_SetString(PyExc_TypeError, "instrument: bad Instrument"),
				  -1);
	venue = PyUnicode_AsUTF8(PyTuple_GET_ITEM(arg, 0));
	symbol = venue ? PyUnicode_AsUTF8(PyTuple_GET_ITEM(arg, 1)) : NULL;
	if (!symbol)
		return -1;
	if (mdbus_reader_lookup(r, venue, symbol, id) == 0)
		return 0;
	for (uint32_t i = 0, n = mdbus_reader_instrument_count(r); i < n; i++)
		if (mdbus_reader_instrument(r, i, &in) == 0 && strcmp(in.venue, venue) == 0 &&
		    strcmp(in.native, symbol) == 0) {
			*id = i;
			return 0;
		}
	return pymdbus_raise_why(-ENOENT, "book", "no such instrument on this bus");
}

/* [[Decimal price, Decimal qty], ...] of one side, best first. */
static PyObject *book_side(const struct mdbus_book_level *lv, uint32_t n,
			   const struct mdbus_instrument *in)
{
	PyObject *l = PyList_New(n);

	for (uint32_t i = 0; l && i < n; i++) {
		PyObject *px = pymdbus_decimal(lv[i].price, in->price_decimals);
		PyObject *qty = px ? pymdbus_decimal(lv[i].qty, in->qty_decimals) : NULL;
		PyObject *pair = qty ? PyList_New(2) : NULL;
		if (!pair) {
			Py_XDECREF(px);
			Py_XDECREF(qty);
			Py_CLEAR(l);
			break;
		}
		PyList_SET_ITEM(pair, 0, px);
		PyList_SET_ITEM(pair, 1, qty);
		PyList_SET_ITEM(l, i, pair);
	}
	return l;
}

static PyObject *book_dict(const struct mdbus_book_snapshot *s, const struct mdbus_instrument *in)
{
	PyObject *bids = book_side(s->bids, s->nbids, in);
	PyObject *asks = bids ? book_side(s->asks, s->nasks, in) : NULL;

	if (!asks) {
		Py_XDECREF(bids);
		return NULL;
	}
	return Py_BuildValue(
		"{s:s, s:s, s:s, s:K, s:N, s:L, s:N, s:N, s:K, s:K, s:K, s:I}", "venue", in->venue,
		"symbol", in->symbol, "status", book_status_name(s->status), "update_id",
		(unsigned long long)s->update_id, "exch_ts",
		s->exch_ts ? PyLong_FromLongLong(s->exch_ts) : Py_NewRef(Py_None), "recv_ts",
		(long long)s->recv_ts, "bids", bids, "asks", asks, "version",
		(unsigned long long)s->version, "resyncs", (unsigned long long)s->resyncs,
		"checksum_fails", (unsigned long long)s->checksum_fails, "depth",
		(unsigned int)s->depth);
}

PyObject *pymdbus_book(mdbus_reader *r, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = {"instrument", "depth", NULL};
	PyObject *arg, *d = NULL;
	unsigned int depth = 10;
	struct mdbus_instrument in;
	uint32_t id;
	int rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|I:book", kwlist, &arg, &depth))
		return NULL;
	if (depth > MDBUS_BOOK_LEVELS_MAX)
		return PyErr_SetString(PyExc_ValueError, "depth: 0..1000 (0: all)"), NULL;
	if (book_instrument(r, arg, &id) < 0)
		return NULL;
	if ((rc = mdbus_reader_instrument(r, id, &in)) < 0)
		return pymdbus_raise(rc, "instrument"), NULL;
	struct mdbus_book_snapshot *s = malloc(sizeof(*s));
	if (!s)
		return PyErr_NoMemory();
	rc = -EAGAIN;
	for (int i = 0; i < BOOK_RETRIES && rc == -EAGAIN; i++)
		if ((rc = mdbus_book_read(r, id, depth, s)) == -EAGAIN)
			sched_yield();
	if (rc < 0)
		pymdbus_raise(rc, "book");
	else
		d = book_dict(s, &in);
	free(s);
	return d;
}
