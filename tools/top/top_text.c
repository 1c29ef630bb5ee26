/* SPDX-License-Identifier: MIT */
/* top_text.c: mdbus-top --once, the same lines as the full-screen view as
 * plain text, both tables, in id / name order, without truncation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "top_out.h"
#include "top_rows.h"

#define TOP_TEXT_WIDTH 200

/* The Books table: one row per instrument whose book the bus keeps
 * (nothing at all on a bus without books). */
static void top_print_books(FILE *out, const struct top_snap *s, char *line, size_t len)
{
	int head = 0;

	for (uint32_t i = 0; i < s->ninstr; i++) {
		if (s->instr[i].book.err == -ENOENT)
			continue;
		if (!head++) {
			top_book_heading(line, len);
			fprintf(out, "\n%s\n", line);
		}
		top_book_row(&s->instr[i], line, len);
		fprintf(out, "%s\n", line);
	}
}

/* The REST table, under the sessions (nothing when no session has a REST
 * client); first has room for s->nsess entries. */
static void top_print_rest(FILE *out, const struct top_snap *s, uint32_t *first, char *line,
			   size_t len)
{
	uint32_t n = top_rest_venues(s, first);

	if (!n)
		return;
	top_rest_heading(line, len);
	fprintf(out, "\n%s\n", line);
	for (uint32_t i = 0; i < n; i++) {
		top_rest_row(s, first[i], line, len);
		fprintf(out, "%s\n", line);
	}
}

int top_print_text(FILE *out, const struct top_state *st)
{
	const struct top_snap *s = &st->cur;
	char line[512];

	for (int n = 0; n < 3; n++) {
		top_hdr_line(st, n, line, sizeof(line));
		if (line[0])
			fprintf(out, "%s\n", line);
	}
	if (s->attached) {
		/* Sessions in order, then the REST table's venues. */
		uint32_t *idx = malloc((2 * (size_t)s->nsess + s->ninstr + 1) * sizeof(*idx));
		if (!idx)
			return -ENOMEM;
		fprintf(out, "\n");
		top_sess_heading(line, sizeof(line), TOP_TEXT_WIDTH);
		fprintf(out, "%s\n", line);
		top_sort_sessions(s, TOP_SS_NAME, idx);
		for (uint32_t i = 0; i < s->nsess; i++) {
			top_sess_row(s, &s->sess[idx[i]], line, sizeof(line), TOP_TEXT_WIDTH);
			fprintf(out, "%s\n", line);
		}
		top_print_rest(out, s, idx + s->nsess, line, sizeof(line));
		fprintf(out, "\n");
		top_lat_heading(line, sizeof(line));
		fprintf(out, "%s\n", line);
		for (uint32_t i = 0; i < s->nsess; i++) {
			top_lat_row(&s->sess[idx[i]], line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
		top_lat_loop(s, line, sizeof(line));
		fprintf(out, "%s\n", line);
		fprintf(out, "\n");
		top_instr_heading(line, sizeof(line), TOP_TEXT_WIDTH);
		fprintf(out, "%s\n", line);
		for (uint32_t i = 0; i < s->ninstr; i++) {
			top_instr_row(s, &s->instr[i], line, sizeof(line), TOP_TEXT_WIDTH);
			fprintf(out, "%s\n", line);
		}
		top_print_books(out, s, line, sizeof(line));
		fprintf(out, "\n");
		top_reader_heading(line, sizeof(line));
		fprintf(out, "%s\n", line);
		for (int i = 0; i < s->nreaders; i++) {
			top_reader_row(s, &s->readers[i], line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
		free(idx);
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
