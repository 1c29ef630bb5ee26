/* SPDX-License-Identifier: MIT */
/*
 * instr.c: a reader's instrument cache: each instrument's venue and symbol
 * as Python strings made once, and its decimals, filled on first use from
 * the bus's table. Ticks (tick.c) and the reader (reader.c) share it.
 */
#include <stdlib.h>
#include <string.h>

#include "pymdbus.h"

void pymdbus_instr_forget(pymdbus_reader *rd)
{
	for (uint32_t i = 0; i < rd->ninstr; i++) {
		Py_XDECREF(rd->instr[i].venue);
		Py_XDECREF(rd->instr[i].symbol);
	}
	free(rd->instr);
	rd->instr = NULL;
	rd->ninstr = rd->instr_cap = 0;
}

/* Fills cache entry id from the bus's table (the writer adds instruments
 * before it publishes their ticks, so the id is there). */
static int instr_load(pymdbus_reader *rd, uint32_t id)
{
	struct mdbus_instrument in;
	struct pymdbus_instr *e;
	int rc = mdbus_reader_instrument(rd->r, id, &in);

	if (rc < 0)
		return pymdbus_raise(rc, "instrument of a tick");
	if (id >= rd->instr_cap) {
		uint32_t cap = rd->instr_cap ? rd->instr_cap : 64;
		while (cap <= id)
			cap *= 2;
		e = realloc(rd->instr, cap * sizeof(*e));
		if (!e)
			return PyErr_NoMemory(), -1;
		memset(e + rd->instr_cap, 0, (cap - rd->instr_cap) * sizeof(*e));
		rd->instr = e;
		rd->instr_cap = cap;
	}
	e = &rd->instr[id];
	e->venue = PyUnicode_InternFromString(in.venue);
	e->symbol = PyUnicode_InternFromString(in.symbol);
	if (!e->venue || !e->symbol) {
		Py_CLEAR(e->venue);
		Py_CLEAR(e->symbol);
		return -1;
	}
	e->price_decimals = in.price_decimals;
	e->qty_decimals = in.qty_decimals;
	if (id >= rd->ninstr)
		rd->ninstr = id + 1;
	return 0;
}

const struct pymdbus_instr *pymdbus_reader_instr(pymdbus_reader *rd, uint32_t id)
{
	if (id < rd->ninstr && rd->instr[id].venue)
		return &rd->instr[id];
	return instr_load(rd, id) < 0 ? NULL : &rd->instr[id];
}
