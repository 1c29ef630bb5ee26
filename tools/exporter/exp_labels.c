/* SPDX-License-Identifier: MIT */
/* exp_labels.c: the pieces of the Prometheus text format (see exporter.h). */
#include <inttypes.h>
#include <stdio.h>

#include "exporter.h"

void exp_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values: backslash, double quote and newline are escaped; the text
 * comes from the health region, already made printable ASCII by top_snap. */
static void exp_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		fputc(*s, f);
	}
}

void exp_begin(FILE *f, const char *name, const struct exp_bus *b)
{
	fprintf(f, "%s{bus=\"", name);
	exp_value(f, b->name);
	fputc('"', f);
}

void exp_label(FILE *f, const char *key, const char *value)
{
	fprintf(f, ",%s=\"", key);
	exp_value(f, value);
	fputc('"', f);
}

void exp_end_u64(FILE *f, uint64_t v)
{
	fprintf(f, "} %" PRIu64 "\n", v);
}

void exp_end_ns(FILE *f, int64_t ns)
{
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	fprintf(f, "} %s%" PRIu64 ".%09" PRIu64 "\n", ns < 0 ? "-" : "", a / 1000000000u,
		a % 1000000000u);
}
