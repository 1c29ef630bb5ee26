/* SPDX-License-Identifier: MIT */
/*
 * tools_cli.h: command-line helpers shared by every mdbus tool (tail,
 * replay, top, sim): bus name resolution, kind lists, flag and status names.
 * Counts and durations are read with mdbus_units.h (the grammar feedd's
 * configuration uses too), through tools_opt.h's option tables.
 *
 * Conventions as in mdbus.h: functions return 0 or -errno, results come
 * back through out-parameters, nothing here prints or exits; callers say
 * which option was wrong ("mdbus-tail: --count: ...").
 */
#ifndef TOOLS_CLI_H
#define TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"

/* Usage text for the bus option, the same in every tool's --help. */
#define TOOLS_BUS_USAGE                                                                            \
	"  -b, --bus NAME      bus name (default: $" MDBUS_BUS_ENV " or \"" MDBUS_BUS_DEFAULT      \
	"\")\n"

/*
 * Resolves the bus option: `opt` (the -b/--bus argument, may be NULL) else
 * $MDBUS_BUS else "default"; validates it and writes the name to out
 * (at least MDBUS_BUS_NAME_MAX bytes). Returns 0, -EINVAL (bad characters),
 * -ENAMETOOLONG.
 */
int tools_bus_resolve(const char *opt, char *out, size_t len);

/*
 * Parses a comma-separated list of kind names ("trade,bbo") and ORs
 * (1u << kind) into *mask for each, so a repeatable option can call it once
 * per occurrence. Returns 0, or -EINVAL naming nothing (the caller prints
 * the list it passed).
 */
int tools_parse_kinds(const char *list, unsigned *mask);

/* Tick flag bits <-> names: "buy", "sell", "snapshot", "gap"; a bit
 * without a name is "0x10" etc. tools_flag_name writes into buf (at least 8
 * bytes) and returns it; tools_flag_parse returns 0 with the single bit in
 * *bit, or -EINVAL. */
const char *tools_flag_name(unsigned bit, char *buf, size_t len);
int tools_flag_parse(const char *name, unsigned *bit);

/* Status codes <-> names: "up", "down", "stale", "failed"; NULL / -EINVAL
 * for unknown. */
const char *tools_status_name(uint32_t code);
int tools_status_parse(const char *name, uint32_t *code);

#endif /* TOOLS_CLI_H */
