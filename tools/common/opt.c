/* SPDX-License-Identifier: MIT */
/* opt.c: the tools' table-driven option parsing (tools_opt.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mdbus_units.h"
#include "tools_opt.h"

/* getopt_long's value for row i: its short letter, else past any char. */
static int tools_opt_val(const struct tools_opt *o, size_t i)
{
	return o->short_name ? o->short_name : 256 + (int)i;
}

static int tools_opt_has_arg(const struct tools_opt *o)
{
	return o->kind == TOOLS_OPT_STR || o->kind == TOOLS_OPT_COUNT ||
	       o->kind == TOOLS_OPT_DURATION || o->kind == TOOLS_OPT_FN;
}

/* Fills getopt_long's tables from the rows. Returns 0 or -E2BIG. */
static int tools_opt_tables(const char *mode, const struct tools_opt *opts, size_t n,
			    struct option *lo, char *so, size_t solen)
{
	size_t k = 0;

	if (n > TOOLS_OPT_MAX)
		return -E2BIG;
	for (; mode && *mode && k + 1 < solen; mode++)
		so[k++] = *mode;
	so[k++] = ':'; /* a missing argument is ':', not '?': we say which */
	for (size_t i = 0; i < n; i++) {
		lo[i] = (struct option){
			opts[i].name, tools_opt_has_arg(&opts[i]) ? required_argument : no_argument,
			NULL, tools_opt_val(&opts[i], i)};
		if (opts[i].short_name && k + 3 < solen) {
			so[k++] = (char)opts[i].short_name;
			if (tools_opt_has_arg(&opts[i]))
				so[k++] = ':';
		}
	}
	lo[n] = (struct option){NULL, 0, NULL, 0};
	so[k] = '\0';
	return 0;
}

/* Reads one value; returns NULL or the complaint. */
static const char *tools_opt_value(const struct tools_opt *o, const char *arg)
{
	uint64_t max = o->max, v;
	int64_t ns;

	switch (o->kind) {
	case TOOLS_OPT_STR:
		*(const char **)o->out = arg;
		return NULL;
	case TOOLS_OPT_COUNT:
		if (mdbus_units_parse_count(arg, max ? max : UINT64_MAX, &v) < 0 || v < o->min)
			return o->bad;
		*(uint64_t *)o->out = v;
		return NULL;
	case TOOLS_OPT_DURATION:
		if (mdbus_units_parse_duration(arg, &ns) < 0 || (uint64_t)ns < o->min ||
		    (max && (uint64_t)ns > max))
			return o->bad;
		*(int64_t *)o->out = ns;
		return NULL;
	case TOOLS_OPT_FN:
		return o->fn(o->out, arg);
	default:
		return NULL;
	}
}

/* Acts on one recognized row. Returns 0 to go on, 1 to exit with *status. */
static int tools_opt_apply(const struct tools_cmd *cmd, const struct tools_opt *o, const char *arg,
			   int *status)
{
	const char *why;

	switch (o->kind) {
	case TOOLS_OPT_SET:
		*(int *)o->out = o->val;
		return 0;
	case TOOLS_OPT_ADD:
		*(int *)o->out += o->val;
		return 0;
	case TOOLS_OPT_HELP:
		cmd->usage(stdout);
		*status = 0;
		return 1;
	case TOOLS_OPT_VERSION:
		/* "mdbus-bench feed" is still mdbus-bench */
		printf("%.*s %s\n", (int)strcspn(cmd->prog, " "), cmd->prog, cmd->version);
		*status = 0;
		return 1;
	default:
		why = tools_opt_value(o, arg);
		if (!why)
			return 0;
		if (o->spell)
			*status = tools_usage_error(cmd, "%s %s: %s", o->spell, arg, why);
		else
			*status = tools_usage_error(cmd, "--%s %s: %s", o->name, arg, why);
		return 1;
	}
}

/* getopt_long found no row for argv[optind - 1] (c == '?') or no argument
 * for it (c == ':'): says which, as a usage error. */
static int tools_opt_unknown(const struct tools_cmd *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];
	int len = (int)strcspn(arg, "=");

	if (strncmp(arg, "--", 2) != 0 && optopt > 0 && optopt < 256)
		return tools_usage_error(cmd, "%s '-%c'",
					 c == ':' ? "missing argument for" : "unknown option",
					 optopt);
	if (c == ':')
		return tools_usage_error(cmd, "missing argument for '%.*s'", len, arg);
	if (arg[len] == '=' && optopt)
		return tools_usage_error(cmd, "'%.*s' takes no argument", len, arg);
	return tools_usage_error(cmd, "unknown option '%.*s'", len, arg);
}

int tools_opt_parse(const struct tools_cmd *cmd, const struct tools_opt *opts, size_t n, int argc,
		    char **argv, int *status)
{
	struct option lo[TOOLS_OPT_MAX + 1];
	char so[2 * TOOLS_OPT_MAX + 4];
	int c;

	if (tools_opt_tables(cmd->getopt_mode, opts, n, lo, so, sizeof(so)) < 0) {
		tools_error(cmd->prog, "too many options");
		*status = cmd->usage_rc;
		return 1;
	}
	opterr = 0; /* tools_opt_unknown says it, on one line */
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		size_t i = 0;

		while (i < n && tools_opt_val(&opts[i], i) != c)
			i++;
		if (i == n) {
			*status = tools_opt_unknown(cmd, c, argv);
			return 1;
		}
		if (tools_opt_apply(cmd, &opts[i], optarg, status))
			return 1;
	}
	return 0;
}

void tools_verror(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: error: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void tools_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tools_verror(prog, fmt, ap);
	va_end(ap);
}

int tools_usage_error(const struct tools_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", cmd->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s --help')\n", cmd->prog);
	return cmd->usage_rc;
}
