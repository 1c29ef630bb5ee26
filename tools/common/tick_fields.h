/* SPDX-License-Identifier: MIT */
/*
 * tick_fields.h: the per-kind fields of a tick, as one table that the JSON
 * writer, the text writer and the JSON reader all walk (tools_tick.h has
 * the formats). Internal to tools/common.
 */
#ifndef TOOLS_TICK_FIELDS_H
#define TOOLS_TICK_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"

enum tools_field_type {
	TOOLS_F_PRICE,	   /* int64 mantissa at the instrument's price decimals */
	TOOLS_F_QTY,	   /* int64 mantissa at its qty decimals */
	TOOLS_F_SIDE,	   /* no storage: the flags' side; text "buy"/"sell" */
	TOOLS_F_BOOK_SIDE, /* the same; text "bid"/"ask" (an L2 delta's book side) */
	TOOLS_F_ID,	   /* uint64; JSON: integer, or a string above INT64_MAX */
	TOOLS_F_STATUS,	   /* uint32 status code: its name, or the integer */
	TOOLS_F_U32,	   /* uint32 */
	TOOLS_F_REASON,	   /* uint32 error class; text shows its name */
};

struct tools_field {
	const char *key; /* JSON key */
	enum tools_field_type type;
	unsigned rank;	  /* position in the text line, 0 first */
	size_t off;	  /* offset in struct mdbus_tick (unused for sides) */
	const char *text; /* printed before the value in the text line */
};

/* The fields of `kind` in JSON order; returns their count (0 for a kind
 * without a table) and the table in *f. */
size_t tools_tick_fields(unsigned kind, const struct tools_field **f);

/* A field's storage in the tick (not for sides): 32-bit fields widen,
 * prices and quantities are int64 bit patterns. */
uint64_t tools_field_get(const struct mdbus_tick *t, const struct tools_field *f);
void tools_field_set(struct mdbus_tick *t, const struct tools_field *f, uint64_t v);

/* "buy", "sell" or "unknown" from the flags' side bits. */
const char *tools_side_name(unsigned flags);

#endif /* TOOLS_TICK_FIELDS_H */
