/* SPDX-License-Identifier: MIT */
/* fuzz_session.c: see fuzz_session.h. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fuzz_session.h"
#include "symbol.h"

int fuzz_session_open(struct feed_venue_ctx *v, const struct feed_venue_ops *ops,
		      const char *const *cand, size_t ncand, size_t max, unsigned channels,
		      uint32_t book_depth, const char *who)
{
	char syms[FUZZ_SESSION_SYMS][MDBUS_SYMBOL_MAX];
	struct feed_session_config sc;
	struct feed_symbol_info info, first;
	char native[MDBUS_SYMBOL_MAX], err[256];
	size_t n = 0;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "fuzz");
	snprintf(sc.venue, sizeof(sc.venue), "%s", ops->name);
	max = max < FUZZ_SESSION_SYMS ? max : FUZZ_SESSION_SYMS;
	for (size_t i = 0; i < ncand && n < max; i++) {
		if (feed_symbol_parse(cand[i], &info) < 0 ||
		    !(ops->markets & (1u << info.market)) ||
		    ops->native_symbol(cand[i], native, sizeof(native)) < 0 ||
		    (n > 0 && info.market != first.market))
			continue; /* one endpoint per session */
		first = n == 0 ? info : first;
		snprintf(syms[n++], MDBUS_SYMBOL_MAX, "%s", cand[i]);
	}
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = channels;
	sc.price_decimals = -1;
	sc.qty_decimals = -1;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	sc.book_depth = book_depth;
	if (n == 0 || feed_venue_ctx_init(v, ops, &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s: no session (%s)\n", who, ops->name,
			n ? err : "no candidate symbol");
		return -1;
	}
	return 0;
}
