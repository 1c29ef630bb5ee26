/* SPDX-License-Identifier: MIT */
/* errors.c: texts for the values mdbus functions return, kind names, the version. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "mdbus.h"

const char *mdbus_version(void)
{
	return MDBUS_VERSION_STRING;
}

const char *mdbus_strerror(int err)
{
	if (err > 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case -ENOENT:
		return "no bus: no segment or entry with that name (is the writer running?)";
	case -EAGAIN:
		return "bus not ready: the segment is still being initialised";
	case -EBADMSG:
		return "corrupt or foreign segment: not an mdbus segment, or its ring breaks the "
		       "protocol";
	case -EPROTONOSUPPORT:
		return "bus segment has an unsupported ABI version";
	case -EMSGSIZE:
		return "bus segment is truncated (file shorter than its header says)";
	case -ERANGE:
		return "value out of range (corrupt segment geometry, or decimal overflow)";
	case -EBUSY:
		return "bus already has a live writer";
	case -ESTALE:
		return "bus writer was replaced: follow it to the new segment";
	case -ESHUTDOWN:
		return "bus writer closed and every tick was read";
	case -EOWNERDEAD:
		return "bus writer died (a tick it was publishing, if any, was skipped)";
	case -EDOM:
		return "decimal has more significant digits than the scale allows";
	case -ENOSPC:
		return "no space (instrument table full, or output buffer too small)";
	case -EEXIST:
		return "instrument exists with different decimals";
	case -ETIMEDOUT:
		return "timed out";
	case -EINVAL:
		return "invalid argument";
	case -ENAMETOOLONG:
		return "bus name too long";
	case -EINTR:
		return "interrupted by a signal";
	default:
		/* glibc returns static text for every known errno. */
		return strerror(-err);
	}
}

static const char *const mdbus_kind_names[] = {
	[MDBUS_KIND_TRADE] = "trade",
	[MDBUS_KIND_BBO] = "bbo",
	[MDBUS_KIND_L2] = "l2",
	[MDBUS_KIND_STATUS] = "status",
};

const char *mdbus_kind_name(unsigned kind)
{
	if (kind >= sizeof(mdbus_kind_names) / sizeof(mdbus_kind_names[0]))
		return NULL;
	return mdbus_kind_names[kind];
}

int mdbus_kind_parse(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	for (unsigned k = 1; k < sizeof(mdbus_kind_names) / sizeof(mdbus_kind_names[0]); k++)
		if (mdbus_kind_names[k] != NULL && strcmp(name, mdbus_kind_names[k]) == 0)
			return (int)k;
	return -EINVAL;
}

int mdbus__errf(char *errbuf, size_t errlen, int err, const char *fmt, ...)
{
	if (errbuf != NULL && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return err;
}
