/* SPDX-License-Identifier: MIT */
/*
 * names.c: bus names and the paths derived from them.
 *
 * A bus NAME lives at /dev/shm/mdbus-NAME; its writer's lock file is
 * /dev/shm/mdbus-NAME.lock and the segment is built at /dev/shm/mdbus-NAME.tmp
 * before being renamed into place; its reader table is mdbus-NAME.readers.
 * Names therefore may not end in ".lock", ".tmp" or ".readers" (they would
 * collide with another bus's helper files) and may not
 * contain '/' (they must stay inside /dev/shm).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mdbus.h"

#define MDBUS_SHM_PREFIX "/dev/shm/mdbus-"

static int mdbus_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static int mdbus_name_has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Picks the name (argument, then $MDBUS_BUS, then the default) and validates
 * it; *out points into the argument, the environment or a literal. */
static int mdbus_name_resolve(const char *name, const char **out)
{
	if (name == NULL || name[0] == '\0') {
		name = getenv(MDBUS_BUS_ENV);
		if (name == NULL || name[0] == '\0')
			name = MDBUS_BUS_DEFAULT;
	}
	size_t n = strnlen(name, MDBUS_BUS_NAME_MAX);
	if (n >= MDBUS_BUS_NAME_MAX)
		return -ENAMETOOLONG;
	if (name[0] == '.')
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!mdbus_name_char_ok(name[i]))
			return -EINVAL;
	if (mdbus_name_has_suffix(name, n, ".lock") || mdbus_name_has_suffix(name, n, ".tmp") ||
	    mdbus_name_has_suffix(name, n, ".readers"))
		return -EINVAL;
	*out = name;
	return 0;
}

int mdbus_bus_name(const char *name, char *out, size_t len)
{
	const char *res;
	int rc = mdbus_name_resolve(name, &res);
	if (rc < 0)
		return rc;
	if (out == NULL || strlen(res) >= len)
		return -ENAMETOOLONG;
	memcpy(out, res, strlen(res) + 1);
	return 0;
}

int mdbus_bus_path(const char *name, char *path, size_t len)
{
	const char *res;
	int rc = mdbus_name_resolve(name, &res);
	if (rc < 0)
		return rc;
	if (path == NULL || len == 0)
		return -ENAMETOOLONG;
	int n = snprintf(path, len, MDBUS_SHM_PREFIX "%s", res);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int mdbus__bus_paths(const char *name, char *bus, char *path, char *lock_path)
{
	const char *res;
	int rc = mdbus_name_resolve(name, &res);
	if (rc < 0)
		return rc;
	/* MDBUS__PATH_MAX leaves room for prefix + 63-byte name + ".lock". */
	_Static_assert(sizeof(MDBUS_SHM_PREFIX) + MDBUS_BUS_NAME_MAX + 8 <= MDBUS__PATH_MAX,
		       "path buffers too small");
	snprintf(bus, MDBUS_BUS_NAME_MAX, "%s", res);
	snprintf(path, MDBUS__PATH_MAX, MDBUS_SHM_PREFIX "%s", res);
	snprintf(lock_path, MDBUS__PATH_MAX, MDBUS_SHM_PREFIX "%s.lock", res);
	return 0;
}
