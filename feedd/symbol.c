/* SPDX-License-Identifier: MIT */
/* symbol.c: the normalized "BASE-QUOTE" syntax (symbol.h). */
#include <string.h>

#include "mdbus.h"
#include "symbol.h"

static int symbol_part_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int feed_symbol_valid(const char *s)
{
	size_t i, dash = 0, n = strlen(s);

	if (n < 3 || n >= MDBUS_SYMBOL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-') {
			if (dash || i == 0 || i == n - 1)
				return 0;
			dash = i;
		} else if (!symbol_part_char(s[i])) {
			return 0;
		}
	}
	return dash != 0;
}
