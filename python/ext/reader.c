/* SPDX-License-Identifier: MIT */
/*
 * reader.c: mdbus.Reader. One mdbus_reader; next() and iteration give Tick
 * objects, read_batch() a numpy array (batch.c).
 *
 * Waiting: mdbus_reader_wait (a futex on the shared mapping) with the GIL
 * released, in slices of at most PYR_SLICE_MS so that Ctrl-C raises
 * KeyboardInterrupt within a slice. A reader made with spin > 0 first
 * busy-polls that long, GIL released, for the lowest latency.
 * Following the writer: on -ESHUTDOWN, -ESTALE or -EOWNERDEAD the reader
 * re-attaches as soon as the bus name holds a segment of another epoch
 * (a restarted feedd), pausing PYR_FOLLOW_MS between tries, without spinning.
 * Reads themselves hold the GIL: a read is bounded work of tens of ns, less
 * than releasing the GIL costs (read_batch releases it for large batches).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pymdbus.h"

#define PYR_SLICE_MS  100 /* longest wait with no signal check */
#define PYR_FOLLOW_MS 50  /* pause between re-attach tries while no writer */

static int64_t pyr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Deadline in CLOCK_MONOTONIC ns from a timeout in seconds; -1 = none. */
static int64_t pyr_deadline(double timeout)
{
	if (timeout < 0)
		return -1;
	return pyr_now() + (int64_t)(timeout * 1e9);
}

/* Milliseconds left before the deadline, capped at cap (cap when none). */
static int pyr_left_ms(int64_t deadline, int cap)
{
	int64_t left;

	if (deadline < 0)
		return cap;
	left = (deadline - pyr_now() + 999999) / 1000000;
	return left <= 0 ? 0 : left < cap ? (int)left : cap;
}

PyObject *pymdbus_reader_new(PyObject *bus, const char *name, const char *start, double spin)
{
	char err[256] = "", what[MDBUS_BUS_NAME_MAX + 16];
	/* Listed in the bus's reader table (mdbus-top's Readers pane), as the
	 * tools are; a full table leaves the reader working, unlisted. */
	struct mdbus_reader_opts o = {
		.bus = name, .flags = MDBUS_READER_REGISTER, .errbuf = err, .errlen = sizeof(err)};
	pymdbus_reader *rd;
	int rc;

	if (strcmp(start, "latest") == 0)
		o.start = MDBUS_START_LATEST;
	else if (strcmp(start, "oldest") == 0)
		o.start = MDBUS_START_OLDEST;
	else
		return PyErr_Format(PyExc_ValueError,
				    "start must be \"latest\" or \"oldest\", not \"%s\"", start);
	rd = PyObject_New(pymdbus_reader, &pymdbus_reader_type);
	if (!rd)
		return NULL;
	rd->bus = Py_NewRef(bus);
	rd->instr = NULL;
	rd->ninstr = rd->instr_cap = 0;
	rd->scratch = NULL;
	rd->busy = 0;
	rd->spin_ns = spin > 0 ? (int64_t)(spin * 1e9) : 0;
	rc = mdbus_reader_open(&rd->r, &o);
	if (rc < 0) {
		rd->r = NULL;
		Py_DECREF(rd);
		snprintf(what, sizeof(what), "bus '%s'", name);
		pymdbus_raise_why(rc, what, err);
		return NULL;
	}
	rd->epoch = mdbus_reader_epoch(rd->r);
	return (PyObject *)rd;
}

static void pyr_dealloc(pymdbus_reader *rd)
{
	pymdbus_instr_forget(rd);
	mdbus_reader_close(rd->r);
	free(rd->scratch);
	Py_XDECREF(rd->bus);
	PyObject_Free(rd);
}

/* Sleeps ms with the GIL released, then handles pending signals. */
static int pyr_pause(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	PyThreadState *gil = PyEval_SaveThread();

	nanosleep(&ts, NULL);
	PyEval_RestoreThread(gil);
	return PyErr_CheckSignals();
}

int pymdbus_reader_wait(pymdbus_reader *rd, double timeout)
{
	int64_t deadline = pyr_deadline(timeout);

	for (;;) {
		int ms = pyr_left_ms(deadline, PYR_SLICE_MS), rc;

		if (ms == 0)
			return 0;
		PyThreadState *gil = PyEval_SaveThread();

		rc = mdbus_reader_wait(rd->r, ms);
		PyEval_RestoreThread(gil);
		if (PyErr_CheckSignals() < 0)
			return -1;
		if (rc == -ETIMEDOUT || rc == -EINTR)
			continue;
		/* 0: data may be ready; a stopped, replaced or cut segment is
		 * reported (and followed) by the next read. */
		if (rc == 0 || rc == -ESTALE || rc == -ESHUTDOWN || rc == -EBADMSG)
			return 1;
		return pymdbus_raise(rc, "wait");
	}
}

int pymdbus_reader_recover(pymdbus_reader *rd, int rc)
{
	int gone = rc == -ESHUTDOWN || rc == -ESTALE || rc == -EOWNERDEAD || rc == -EBADMSG;

	if (!gone)
		return pymdbus_raise(rc, "read");
	if (mdbus_reader_reattach(rd->r) == 0) {
		if (mdbus_reader_epoch(rd->r) != rd->epoch) {
			/* A new writer: new segment, new instrument table. */
			rd->epoch = mdbus_reader_epoch(rd->r);
			pymdbus_instr_forget(rd);
			return 1;
		}
		/* The same segment, and its ring breaks the protocol. */
		if (rc == -EBADMSG)
			return pymdbus_raise(rc, "read");
	}
	return 0;
}

/* Busy-polls up to spin_ns for one tick, GIL released. 1 read, else the
 * last mdbus_reader_next result (0 or an error). */
static int pyr_spin(pymdbus_reader *rd, struct mdbus_tick *t, uint64_t *seq)
{
	int64_t end;
	int rc;

	PyThreadState *gil = PyEval_SaveThread();

	end = pyr_now() + rd->spin_ns;
	do
		rc = mdbus_reader_next(rd->r, t, seq, NULL);
	while (rc == 0 && pyr_now() < end);
	PyEval_RestoreThread(gil);
	return rc;
}

/* What a read that found nothing (rc 0: wait for data) or failed (rc < 0:
 * follow a restarted writer, or raise) does before its deadline (-1:
 * none). 1: look again, 0: timed out, -1: exception. next() and
 * read_batch() share it. */
static int pyr_idle(pymdbus_reader *rd, int rc, int64_t deadline)
{
	if (rc == 0) {
		double left = deadline < 0 ? -1 : (double)(deadline - pyr_now()) / 1e9;
		if (deadline >= 0 && left <= 0)
			return 0;
		return pymdbus_reader_wait(rd, left);
	}
	if ((rc = pymdbus_reader_recover(rd, rc)) != 0)
		return rc; /* 1: a new writer, read it; -1 */
	/* No new writer yet: pause, then look again. */
	int ms = pyr_left_ms(deadline, PYR_FOLLOW_MS);
	if (ms == 0)
		return 0;
	return pyr_pause(ms) < 0 ? -1 : 1;
}

/* One tick by the deadline: 1, 0 timed out, -1 exception. */
static int pyr_read1(pymdbus_reader *rd, struct mdbus_tick *t, uint64_t *seq, double timeout)
{
	int64_t deadline = pyr_deadline(timeout);

	for (;;) {
		int rc = mdbus_reader_next(rd->r, t, seq, NULL);

		if (rc == 0 && rd->spin_ns > 0 && timeout != 0)
			rc = pyr_spin(rd, t, seq);
		if (rc == 1)
			return 1;
		if ((rc = pyr_idle(rd, rc, deadline)) <= 0)
			return rc;
	}
}

/* A reader is one cursor: calls that may drop the GIL must not overlap on
 * it (a second thread gets RuntimeError). Checked and set with the GIL. */
static int pyr_enter(pymdbus_reader *rd)
{
	if (rd->busy) {
		PyErr_SetString(PyExc_RuntimeError, "mdbus.Reader is in use by another thread");
		return -1;
	}
	rd->busy = 1;
	return 0;
}

/* One tick by the deadline, as pyr_read1, inside pyr_enter. */
static int pyr_read1_excl(pymdbus_reader *rd, struct mdbus_tick *t, uint64_t *seq, double timeout)
{
	int rc;

	if (pyr_enter(rd) < 0)
		return -1;
	rc = pyr_read1(rd, t, seq, timeout);
	rd->busy = 0;
	return rc;
}

static PyObject *pyr_next(pymdbus_reader *rd, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = {"timeout", NULL};
	PyObject *to = Py_None;
	double timeout = -1;
	struct mdbus_tick t;
	uint64_t seq;
	int rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:next", kwlist, &to))
		return NULL;
	if (to != Py_None) {
		timeout = PyFloat_AsDouble(to);
		if (timeout == -1 && PyErr_Occurred())
			return NULL;
		if (timeout < 0)
			timeout = 0;
	}
	rc = pyr_read1_excl(rd, &t, &seq, timeout);
	if (rc < 0)
		return NULL;
	if (rc == 0)
		Py_RETURN_NONE;
	return pymdbus_tick_new(rd, &t, seq);
}

/* Iteration: blocks for the next tick; ends only by an exception
 * (KeyboardInterrupt from Ctrl-C while waiting). */
static PyObject *pyr_iternext(pymdbus_reader *rd)
{
	struct mdbus_tick t;
	uint64_t seq;

	if (pyr_read1_excl(rd, &t, &seq, -1) <= 0)
		return NULL;
	return pymdbus_tick_new(rd, &t, seq);
}

/* Up to n ticks into arr by the deadline: count, or -1 with an exception. */
static Py_ssize_t pyr_batch(pymdbus_reader *rd, PyObject *arr, Py_ssize_t n, double timeout)
{
	int64_t deadline = pyr_deadline(timeout);

	for (;;) {
		int err = 0, rc;
		Py_ssize_t got = pymdbus_batch_fill(rd, arr, n, &err);

		if (got != 0 || n == 0)
			return got;
		if ((rc = pyr_idle(rd, err, deadline)) <= 0)
			return rc;
	}
}

static PyObject *pyr_read_batch(pymdbus_reader *rd, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = {"n", "timeout", NULL};
	Py_ssize_t n = 65536, got;
	double timeout = 0;
	PyObject *arr;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|n$d:read_batch", kwlist, &n, &timeout))
		return NULL;
	if (n < 0)
		return PyErr_Format(PyExc_ValueError, "n must be >= 0");
	if (!(arr = pymdbus_batch_new(n)))
		return NULL;
	if (pyr_enter(rd) < 0) {
		Py_DECREF(arr);
		return NULL;
	}
	got = pyr_batch(rd, arr, n, timeout < 0 ? 0 : timeout);
	rd->busy = 0;
	if (got < 0 || pymdbus_batch_finish(arr, got) < 0) {
		Py_DECREF(arr);
		return NULL;
	}
	return arr;
}

static PyObject *pyr_stat(pymdbus_reader *rd, void *which)
{
	struct mdbus_reader_stats s;
	const char *w = which;

	mdbus_reader_stats(rd->r, &s);
	return PyLong_FromUnsignedLongLong(w[0] == 'm'	 ? s.missed
					   : w[0] == 'l' ? s.laps
					   : w[0] == 'r' ? s.read
							 : s.torn);
}

static PyObject *pyr_epoch(pymdbus_reader *rd, void *unused)
{
	(void)unused;
	return PyLong_FromUnsignedLongLong(rd->epoch);
}

static PyObject *pyr_iter(PyObject *self)
{
	return Py_NewRef(self);
}

static PyMethodDef pyr_methods[] = {
	{"next", (PyCFunction)(void (*)(void))pyr_next, METH_VARARGS | METH_KEYWORDS,
	 "next(timeout=None) -> Tick or None: waits up to timeout seconds (None: forever); follows "
	 "a restarted writer"},
	{"read_batch", (PyCFunction)(void (*)(void))pyr_read_batch, METH_VARARGS | METH_KEYWORDS,
	 "read_batch(n=65536, *, timeout=0.0) -> numpy array of dtype mdbus.TICK_DTYPE: up to n "
	 "ticks ready now (waits up to timeout seconds for the first; < 0: as 0)"},
	{NULL, NULL, 0, NULL},
};

static PyGetSetDef pyr_getset[] = {
	{"missed", (getter)pyr_stat, NULL, "ticks lost because the writer lapped this reader",
	 "missed"},
	{"laps", (getter)pyr_stat, NULL, "how many times the writer lapped this reader", "laps"},
	{"read", (getter)pyr_stat, NULL, "ticks read", "read"},
	{"torn", (getter)pyr_stat, NULL, "ticks skipped because the writer died mid-publish",
	 "torn"},
	{"epoch", (getter)pyr_epoch, NULL, "epoch of the segment being read", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject pymdbus_reader_type = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "mdbus.Reader",
	.tp_basicsize = sizeof(pymdbus_reader),
	.tp_dealloc = (destructor)pyr_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A reader of a bus (Bus.reader()); iterate it for ticks.",
	.tp_iter = pyr_iter,
	.tp_iternext = (iternextfunc)pyr_iternext,
	.tp_methods = pyr_methods,
	.tp_getset = pyr_getset,
};
