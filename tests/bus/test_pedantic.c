/* SPDX-License-Identifier: MIT */
/* mdbus.h is strict ISO C11: this file is built with -std=c11
 * -pedantic-errors and without _GNU_SOURCE's help for the header. */
#include "mdbus.h"

_Static_assert(sizeof(struct mdbus_tick) == 56, "tick size");

int main(void)
{
	struct mdbus_tick t = {0};
	t.kind = MDBUS_KIND_TRADE;
	return mdbus_kind_name(t.kind) == 0;
}
