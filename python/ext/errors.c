/* SPDX-License-Identifier: MIT */
/*
 * errors.c: what every file of the module raises and builds: mdbus.Error
 * from a libmdbus -errno, and exact Decimals. The module's init (module.c)
 * sets the two types below; everything else only uses them.
 */
#include "pymdbus.h"

PyObject *pymdbus_error;
PyObject *pymdbus_decimal_type;

int pymdbus_raise(int rc, const char *what)
{
	return pymdbus_raise_why(rc, what, NULL);
}

int pymdbus_raise_why(int rc, const char *what, const char *why)
{
	/* str(e) is "what: why" (why: libmdbus's one-line reason, else
	 * mdbus_strerror); e.errno and e.strerror are the bare values. */
	PyObject *e = PyObject_CallFunction(
		pymdbus_error, "N",
		PyUnicode_FromFormat("%s: %s", what, why && why[0] ? why : mdbus_strerror(rc)));
	PyObject *no = PyLong_FromLong(-rc), *text = PyUnicode_FromString(mdbus_strerror(rc));

	if (e && no && text && PyObject_SetAttrString(e, "errno", no) == 0 &&
	    PyObject_SetAttrString(e, "strerror", text) == 0)
		PyErr_SetObject(pymdbus_error, e);
	Py_XDECREF(e);
	Py_XDECREF(no);
	Py_XDECREF(text);
	return -1;
}

PyObject *pymdbus_decimal(int64_t mantissa, unsigned decimals)
{
	char b[MDBUS_DECIMAL_STR_MAX + 4];
	int n = mdbus_decimal_format(mantissa, decimals, b, sizeof(b));

	if (n < 0) {
		pymdbus_raise(n, "decimal");
		return NULL;
	}
	PyObject *s = PyUnicode_FromStringAndSize(b, n);
	PyObject *d = s ? PyObject_CallOneArg(pymdbus_decimal_type, s) : NULL;
	Py_XDECREF(s);
	return d;
}
