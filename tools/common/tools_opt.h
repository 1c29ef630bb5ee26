/* SPDX-License-Identifier: MIT */
/*
 * tools_opt.h: table-driven command lines for the mdbus tools. One row per
 * option says how it is spelled, where its value goes and how the value is
 * read: counts and durations always through the one grammar of
 * mdbus_units.h ("1k", "64Ki", "250ms", "2" = 2 s), so every tool accepts
 * the same spellings and rejects a bad value the same way:
 *
 *     mdbus-tail: error: --count 0: expected an integer >= 1 (try 'mdbus-tail --help')
 *
 * one line on stderr, then the tool's usage-error exit status (2 in every
 * tool). The conventions every tool follows (tools/common/README.md has the
 * table of every tool's flags):
 *
 *   -h/--help     usage on stdout, exit 0
 *   -V/--version  "TOOL VERSION" (meson's project version), exit 0
 *   -b/--bus      the bus, in every tool that reads or writes a named bus
 *   a short flag means the same thing in every tool that has it
 *   usage errors: one line with "try 'TOOL --help'", exit 2
 *   other errors: "TOOL: error: what went wrong"
 */
#ifndef TOOLS_OPT_H
#define TOOLS_OPT_H

#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

enum tools_opt_kind {
	TOOLS_OPT_SET,	    /* no argument: *(int *)out = val */
	TOOLS_OPT_ADD,	    /* no argument, repeatable: *(int *)out += val (-v -v) */
	TOOLS_OPT_STR,	    /* *(const char **)out = the argument */
	TOOLS_OPT_COUNT,    /* *(uint64_t *)out: a count in [min, max] */
	TOOLS_OPT_DURATION, /* *(int64_t *)out: a duration in ns, in [min, max] */
	TOOLS_OPT_FN,	    /* fn(out, argument): NULL, or what was wrong */
	TOOLS_OPT_HELP,	    /* usage on stdout, exit 0 */
	TOOLS_OPT_VERSION,  /* "PROG VERSION" on stdout, exit 0 */
};

/* The two rows every table ends with: -h/--help and -V/--version. */
#define TOOLS_OPT_STD_ROWS                                                                         \
	{.name = "help", .short_name = 'h', .kind = TOOLS_OPT_HELP},                               \
	{                                                                                          \
		.name = "version", .short_name = 'V', .kind = TOOLS_OPT_VERSION                    \
	}

/* Usage text for the two standard rows, the same in every tool's --help. */
#define TOOLS_STD_USAGE                                                                            \
	"  -h, --help          this text\n"                                                        \
	"  -V, --version       print the version and exit\n"

struct tools_opt {
	const char *name; /* long name without "--" */
	int short_name;	  /* 'b', or 0 for none */
	enum tools_opt_kind kind;
	void *out;
	uint64_t min, max; /* COUNT, DURATION (ns); max 0 = the type's limit */
	int val;	   /* SET */
	const char *(*fn)(void *out, const char *arg);
	const char *bad;   /* the complaint after "PROG: --NAME ARG: " */
	const char *spell; /* how the complaint names the option, if not "--NAME" */
};

struct tools_cmd {
	const char *prog;	 /* "mdbus-tail": prefixes every complaint */
	const char *version;	 /* for TOOLS_OPT_VERSION */
	void (*usage)(FILE *f);	 /* --help on stdout */
	int usage_rc;		 /* exit status of a usage error */
	const char *getopt_mode; /* "" or "+" (stop at the first operand) */
};

/* The most rows one table may have. */
#define TOOLS_OPT_MAX 32

/*
 * Parses argv against the n rows of opts with getopt_long, leaving optind at
 * the first operand (the caller checks operands). Returns 0 to go on, or 1
 * when the tool must exit now with *status: 0 after --help or --version, or
 * cmd->usage_rc after a usage error (already reported on stderr).
 */
int tools_opt_parse(const struct tools_cmd *cmd, const struct tools_opt *opts, size_t n, int argc,
		    char **argv, int *status);

/*
 * A usage error: prints "PROG: error: MESSAGE (try 'PROG --help')" as one
 * line on stderr and returns cmd->usage_rc, the status to exit with.
 */
int tools_usage_error(const struct tools_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Any other error: "PROG: error: MESSAGE" on stderr. */
void tools_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tools_verror(const char *prog, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif /* TOOLS_OPT_H */
