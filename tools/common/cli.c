/* SPDX-License-Identifier: MIT */
/* cli.c: bus names, kind lists, flag and status names for the mdbus tools. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tools_cli.h"

int tools_bus_resolve(const char *opt, char *out, size_t len)
{
	/* libmdbus owns the naming rules; the tools must never disagree. */
	return mdbus_bus_name(opt, out, len);
}

int tools_parse_kinds(const char *list, unsigned *mask)
{
	const char *p = list;
	unsigned m = 0;

	if (!list || !*list)
		return -EINVAL;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char name[16];
		int k;

		if (n == 0 || n >= sizeof(name))
			return -EINVAL;
		memcpy(name, p, n);
		name[n] = '\0';
		k = mdbus_kind_parse(name);
		if (k < 0 || k >= 32)
			return -EINVAL;
		m |= 1u << k;
		p += n;
		if (*p == ',') {
			p++;
			if (!*p)
				return -EINVAL; /* trailing comma: probably a typo */
		}
	}
	*mask |= m;
	return 0;
}

/* Names indexed by code, with holes (NULL): flags by bit number, statuses
 * by code. Returns the name or NULL. */
static const char *tools_name_of(const char *const *names, size_t n, size_t code)
{
	return code < n ? names[code] : NULL;
}

/* The code whose name is `name`; 0 or -EINVAL. */
static int tools_name_find(const char *const *names, size_t n, const char *name, size_t *code)
{
	for (size_t c = 0; c < n; c++) {
		if (names[c] && strcmp(name, names[c]) == 0) {
			*code = c;
			return 0;
		}
	}
	return -EINVAL;
}

#define TOOLS_NFLAGS 8
static const char *const tools_flag_names[TOOLS_NFLAGS] = {
	"buy", "sell", "snapshot", "gap", "no_exch_ts", "tid_hash", "rest"};

const char *tools_flag_name(unsigned bit, char *buf, size_t len)
{
	for (unsigned b = 0; b < TOOLS_NFLAGS; b++)
		if (bit == 1u << b && tools_flag_names[b])
			return tools_flag_names[b];
	snprintf(buf, len, "0x%02x", bit & 0xffu);
	return buf;
}

int tools_flag_parse(const char *name, unsigned *bit)
{
	size_t b;

	if (tools_name_find(tools_flag_names, TOOLS_NFLAGS, name, &b) == 0) {
		*bit = 1u << b;
		return 0;
	}
	/* "0xNN": exactly one of the unnamed bits, as tools_flag_name writes */
	for (b = 0; b < TOOLS_NFLAGS; b++) {
		char hex[8];

		if (!tools_flag_names[b] &&
		    strcmp(name, tools_flag_name(1u << b, hex, sizeof(hex))) == 0) {
			*bit = 1u << b;
			return 0;
		}
	}
	return -EINVAL;
}

/* libmdbus has no status names of its own (yet): the tools keep them. */
static const char *const tools_status_names[] = {
	[MDBUS_STATUS_UP] = "up",
	[MDBUS_STATUS_DOWN] = "down",
	[MDBUS_STATUS_STALE] = "stale",
	[MDBUS_STATUS_FAILED] = "failed",
};
#define TOOLS_NSTATUS (sizeof(tools_status_names) / sizeof(tools_status_names[0]))

const char *tools_status_name(uint32_t code)
{
	return tools_name_of(tools_status_names, TOOLS_NSTATUS, code);
}

int tools_status_parse(const char *name, uint32_t *code)
{
	size_t c;

	if (tools_name_find(tools_status_names, TOOLS_NSTATUS, name, &c) < 0)
		return -EINVAL;
	*code = (uint32_t)c;
	return 0;
}
