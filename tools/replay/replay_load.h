/* SPDX-License-Identifier: MIT */
/*
 * replay_load.h: mdbus-replay's input side. Reads a JSON-lines file (the
 * mdbus-tail --json format) into memory before anything is published, so
 * bad lines are reported up front and --rate/--loop replay from memory.
 * Does no bus I/O: tests feed it scripted lines.
 */
#ifndef REPLAY_LOAD_H
#define REPLAY_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mdbus.h"

struct replay_data {
	struct mdbus_tick *ticks; /* t.instrument = index into instr[] */
	size_t nticks;
	size_t tick_cap;
	struct mdbus_instrument *instr; /* in order of first appearance */
	uint32_t ninstr;
	uint32_t instr_cap;
	uint32_t *hash;	   /* open addressing: instr index + 1, 0 = empty */
	uint32_t hash_cap; /* power of two, kept at most half full */
	uint64_t lines;	   /* lines read, blank ones included */
	uint64_t bad;	   /* lines rejected */
};

/*
 * Adds one line (len bytes, no newline needed). Blank lines are ignored.
 * Returns 1 added, 0 blank, -EINVAL malformed (reason in err, the line is
 * counted in bad), -ENOMEM. The same venue+symbol must keep the same
 * decimals and native name throughout the file.
 */
int replay_data_add_line(struct replay_data *d, const char *line, size_t len, char *err,
			 size_t errlen);

/*
 * Reads every line of f, reporting each bad one on errs as
 * "NAME:LINE: reason". Returns 0 (bad lines are counted, not fatal),
 * -ENOMEM, or -errno from reading.
 */
int replay_data_load(struct replay_data *d, FILE *f, const char *name, FILE *errs);

void replay_data_free(struct replay_data *d);

#endif /* REPLAY_LOAD_H */
