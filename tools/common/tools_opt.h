/* SPDX-License-Identifier: MIT */
/*
 * tools_opt.h: table-driven command lines for the mdbus tools. One row per
 * option says how it is spelled, where its value goes and how the value is
 * read: counts and durations always through the one grammar of
 * mdbus_units.h ("1k", "64Ki", "250ms", "2" = 2 s), so every tool accepts
 * the same spellings and rejects a bad value the same way:
 *
 *     mdbus-tail: --count 0: expected an integer >= 1
 *
 * followed by the tool's usage-error exit status.
 */
#ifndef TOOLS_OPT_H
#define TOOLS_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum tools_opt_kind {
	TOOLS_OPT_SET,	    /* no argument: *(int *)out = val */
	TOOLS_OPT_STR,	    /* *(const char **)out = the argument */
	TOOLS_OPT_COUNT,    /* *(uint64_t *)out: a count in [min, max] */
	TOOLS_OPT_DURATION, /* *(int64_t *)out: a duration in ns, in [min, max] */
	TOOLS_OPT_FN,	    /* fn(out, argument): NULL, or what was wrong */
	TOOLS_OPT_HELP,	    /* usage on stdout, exit 0 */
	TOOLS_OPT_VERSION,  /* "PROG VERSION" on stdout, exit 0 */
};

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
	void (*usage)(FILE *f);	 /* --help on stdout, after a bad option on stderr */
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

#endif /* TOOLS_OPT_H */
