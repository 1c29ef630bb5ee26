// SPDX-License-Identifier: MIT
// mdbus.h compiles as C++ and its functions link and work from C++.
#include <cstdio>
#include <cstring>

#include "mdbus.h"

static_assert(sizeof(mdbus_tick) == 56, "tick is 56 bytes in C++ too");

int main()
{
	int64_t v = 0;
	if (mdbus_decimal_parse("1.25", 4, 2, &v) != 0 || v != 125)
		return 1;
	char buf[MDBUS_DECIMAL_STR_MAX];
	if (mdbus_decimal_format(-125, 2, buf, sizeof buf) != 5 || std::strcmp(buf, "-1.25") != 0)
		return 1;
	char name[MDBUS_BUS_NAME_MAX];
	if (mdbus_bus_name("cpp", name, sizeof name) != 0 || std::strcmp(name, "cpp") != 0)
		return 1;
	if (std::strcmp(mdbus_kind_name(MDBUS_KIND_BBO), "bbo") != 0)
		return 1;
	mdbus_reader *r = nullptr;
	mdbus_reader_opts o = {};
	o.bus = "cpp-no-such-bus";
	if (mdbus_reader_open(&r, &o) != -ENOENT || r != nullptr)
		return 1;
	std::printf("%s\n", mdbus_strerror(-ENOENT));
	mdbus_reader_close(nullptr);
	mdbus_writer_close(nullptr, 0);
	return 0;
}
