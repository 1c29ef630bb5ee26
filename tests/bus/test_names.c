/* SPDX-License-Identifier: MIT */
/* Bus names, $MDBUS_BUS, error texts and kind names. */
#include "helpers.h"

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	char p[256], n[128];
	unsetenv(MDBUS_BUS_ENV);
	CHECK_RC(mdbus_bus_path(NULL, p, sizeof(p)), 0);
	CHECK(strcmp(p, "/dev/shm/mdbus-default") == 0);
	CHECK_RC(mdbus_bus_path("", p, sizeof(p)), 0);
	CHECK(strcmp(p, "/dev/shm/mdbus-default") == 0);
	CHECK_RC(mdbus_bus_name(NULL, n, sizeof(n)), 0);
	CHECK(strcmp(n, "default") == 0);

	/* the environment overrides the default, not an explicit name */
	setenv(MDBUS_BUS_ENV, "from-env", 1);
	CHECK_RC(mdbus_bus_path(NULL, p, sizeof(p)), 0);
	CHECK(strcmp(p, "/dev/shm/mdbus-from-env") == 0);
	CHECK_RC(mdbus_bus_name("explicit_1.x", n, sizeof(n)), 0);
	CHECK(strcmp(n, "explicit_1.x") == 0);
	setenv(MDBUS_BUS_ENV, "", 1); /* empty = unset */
	CHECK_RC(mdbus_bus_name(NULL, n, sizeof(n)), 0);
	CHECK(strcmp(n, "default") == 0);
	setenv(MDBUS_BUS_ENV, "bad/name", 1);
	CHECK_RC(mdbus_bus_name(NULL, n, sizeof(n)), -EINVAL);
	unsetenv(MDBUS_BUS_ENV);

	/* invalid names */
	const char *bad[] = {".hidden", "a/b", "a b", "ä", "x.lock", "x.tmp", "..", "a\nb", "a*"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RC(mdbus_bus_path(bad[i], p, sizeof(p)), -EINVAL);
	/* length: 63 characters fit, 64 do not */
	char longname[80];
	memset(longname, 'a', sizeof(longname));
	longname[MDBUS_BUS_NAME_MAX - 1] = '\0';
	CHECK_RC(mdbus_bus_path(longname, p, sizeof(p)), 0);
	longname[MDBUS_BUS_NAME_MAX - 1] = 'a';
	longname[MDBUS_BUS_NAME_MAX] = '\0';
	CHECK_RC(mdbus_bus_path(longname, p, sizeof(p)), -ENAMETOOLONG);
	/* output buffer too small */
	CHECK_RC(mdbus_bus_path("abc", p, 10), -ENAMETOOLONG);
	CHECK_RC(mdbus_bus_name("abc", n, 3), -ENAMETOOLONG);
	CHECK_RC(mdbus_bus_name("abc", n, 4), 0);

	/* every code the library returns has its own text */
	const int codes[] = {0,	      -ENOENT, -EAGAIN,	   -EBADMSG,   -EPROTONOSUPPORT, -EMSGSIZE,
			     -ERANGE, -EBUSY,  -ESTALE,	   -ESHUTDOWN, -EOWNERDEAD,	 -EDOM,
			     -ENOSPC, -EEXIST, -ETIMEDOUT, -EINVAL,    -ENAMETOOLONG,	 -EINTR};
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = mdbus_strerror(codes[i]);
		CHECK(s != NULL && s[0] != '\0');
		for (unsigned j = 0; j < i; j++)
			CHECK(strcmp(s, mdbus_strerror(codes[j])) != 0);
	}
	CHECK(strncmp(mdbus_strerror(-ENOENT), "no bus", 6) == 0);
	CHECK(strcmp(mdbus_strerror(ENOENT), mdbus_strerror(-ENOENT)) == 0);
	CHECK(strcmp(mdbus_strerror(-EACCES), strerror(EACCES)) == 0);

	/* kind names */
	CHECK(strcmp(mdbus_kind_name(MDBUS_KIND_TRADE), "trade") == 0);
	CHECK(strcmp(mdbus_kind_name(MDBUS_KIND_BBO), "bbo") == 0);
	CHECK(strcmp(mdbus_kind_name(MDBUS_KIND_L2), "l2") == 0);
	CHECK(strcmp(mdbus_kind_name(MDBUS_KIND_STATUS), "status") == 0);
	CHECK(mdbus_kind_name(0) == NULL && mdbus_kind_name(5) == NULL);
	CHECK(mdbus_kind_name(1000) == NULL);
	for (unsigned k = 1; k <= 4; k++)
		CHECK_RC(mdbus_kind_parse(mdbus_kind_name(k)), k);
	CHECK_RC(mdbus_kind_parse("quote"), -EINVAL);
	CHECK_RC(mdbus_kind_parse(NULL), -EINVAL);
	return 0;
}
