/* SPDX-License-Identifier: MIT */
/*
 * One version everywhere: MDBUS_VERSION_MAJOR/MINOR/PATCH and
 * MDBUS_VERSION_STRING of the header, mdbus_version() of the library, and
 * the project version of meson.build (argv[1]) agree.
 * Usage: test_version MESON_VERSION
 */
#include "helpers.h"

int main(int argc, char **argv)
{
	char parts[64];
	CHECK(argc == 2);
	snprintf(parts, sizeof(parts), "%d.%d.%d", MDBUS_VERSION_MAJOR, MDBUS_VERSION_MINOR,
		 MDBUS_VERSION_PATCH);
	printf("meson %s, header %s (%s), library %s\n", argv[1], MDBUS_VERSION_STRING, parts,
	       mdbus_version());
	CHECK(strcmp(parts, MDBUS_VERSION_STRING) == 0);
	CHECK(strcmp(MDBUS_VERSION_STRING, argv[1]) == 0);
	CHECK(mdbus_version() != NULL && strcmp(mdbus_version(), argv[1]) == 0);
	/* usable in the preprocessor, as a program gating on a feature would */
#if MDBUS_VERSION_MAJOR < 0 || MDBUS_VERSION_MINOR < 0 || MDBUS_VERSION_PATCH < 0
#error "version numbers are not integers"
#endif
	printf("test_version: ok\n");
	return 0;
}
