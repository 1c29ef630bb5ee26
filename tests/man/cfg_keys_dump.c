/* SPDX-License-Identifier: MIT */
/*
 * cfg_keys_dump: prints feedd's configuration key table (feedd/config_keys.c),
 * the keys its parser accepts, one per line: NAME<TAB>WHERE<TAB>DEFAULT, with
 * WHERE bus, feed or session and DEFAULT "-" when the key has none. Read by
 * test_man.py to hold feedd.conf(5) to the code.
 */
#include <stdio.h>

#include "config_keys.h"

int main(void)
{
	static const char *const where[] = {
		[CW_BUS] = "bus", [CW_FEED] = "feed", [CW_SESSION] = "session"};
	size_t i;

	for (i = 0; i < CFG_NKEYS; i++) {
		const struct feed_cfg_key *k = &feed_cfg_keys[i];

		if (printf("%s\t%s\t%s\n", k->name, where[k->where], k->def ? k->def : "-") < 0)
			return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
