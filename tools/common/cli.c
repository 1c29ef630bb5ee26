/* SPDX-License-Identifier: MIT */
/* cli.c: strict option-value parsing shared by the mdbus tools. */
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

/* Accumulates decimal digits from *p into *v; returns the digit count or
 * -ERANGE on uint64 overflow. */
static int tools_digits(const char **p, uint64_t *v)
{
	int n = 0;

	for (; **p >= '0' && **p <= '9'; (*p)++, n++) {
		unsigned d = (unsigned)(**p - '0');

		if (*v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		*v = *v * 10 + d;
	}
	return n;
}

int tools_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0, mult = 1;
	int n;

	if (!s)
		return -EINVAL;
	n = tools_digits(&p, &v);
	if (n < 0)
		return n;
	if (n == 0)
		return -EINVAL;
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1000;
		p++;
		break;
	case 'M':
		mult = 1000000;
		p++;
		break;
	case 'G':
		mult = 1000000000;
		p++;
		break;
	default:
		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	v *= mult;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int tools_parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{"ns", 1},	   {"us", 1000},	  {"ms", 1000000},
		{"s", 1000000000}, {"m", 60000000000ull}, {"h", 3600000000000ull},
		{"", 1000000000},
	};
	const char *p = s;
	uint64_t ip = 0, frac = 0, fscale = 1, unit = 0, v;
	int n, nf = 0;

	if (!s)
		return -EINVAL;
	n = tools_digits(&p, &ip);
	if (n < 0)
		return n;
	if (*p == '.') {
		p++;
		/* Keep at most 18 fractional digits: finer than any unit needs,
		 * and frac * unit below still fits after scaling down. */
		for (; *p >= '0' && *p <= '9'; p++, nf++) {
			if (nf < 18) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				fscale *= 10;
			}
		}
	}
	if (n == 0 && nf == 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].name) == 0) {
			unit = units[i].ns;
			break;
		}
	}
	if (unit == 0)
		return -EINVAL;
	if (ip > (uint64_t)INT64_MAX / unit)
		return -ERANGE;
	v = ip * unit;
	/* frac / fscale * unit without floats: split to avoid overflow
	 * (frac < fscale <= 10^18, unit <= 3.6e12). */
	{
		unsigned __int128 f = (unsigned __int128)frac * unit / fscale;

		if (f > (unsigned __int128)(INT64_MAX - v))
			return -ERANGE;
		v += (uint64_t)f;
	}
	*ns = (int64_t)v;
	return 0;
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

static const char *const tools_flag_names[8] = {"buy", "sell", "snapshot", "gap"};

const char *tools_flag_name(unsigned bit, char *buf, size_t len)
{
	for (unsigned b = 0; b < 8; b++)
		if (bit == 1u << b && tools_flag_names[b])
			return tools_flag_names[b];
	snprintf(buf, len, "0x%02x", bit & 0xffu);
	return buf;
}

int tools_flag_parse(const char *name, unsigned *bit)
{
	for (unsigned b = 0; b < 8; b++) {
		if (tools_flag_names[b] && strcmp(name, tools_flag_names[b]) == 0) {
			*bit = 1u << b;
			return 0;
		}
	}
	/* "0xNN": exactly one of the unnamed bits, as tools_flag_name writes */
	for (unsigned b = 0; b < 8; b++) {
		char hex[8];

		if (!tools_flag_names[b] &&
		    strcmp(name, tools_flag_name(1u << b, hex, sizeof(hex))) == 0) {
			*bit = 1u << b;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const tools_status_names[] = {
	[MDBUS_STATUS_UP] = "up",
	[MDBUS_STATUS_DOWN] = "down",
	[MDBUS_STATUS_STALE] = "stale",
	[MDBUS_STATUS_FAILED] = "failed",
};

const char *tools_status_name(uint32_t code)
{
	if (code >= sizeof(tools_status_names) / sizeof(tools_status_names[0]))
		return NULL;
	return tools_status_names[code];
}

int tools_status_parse(const char *name, uint32_t *code)
{
	for (uint32_t c = 0; c < sizeof(tools_status_names) / sizeof(tools_status_names[0]); c++) {
		if (tools_status_names[c] && strcmp(name, tools_status_names[c]) == 0) {
			*code = c;
			return 0;
		}
	}
	return -EINVAL;
}
