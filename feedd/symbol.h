/* SPDX-License-Identifier: MIT */
/*
 * symbol.h: the normalized symbol syntax, "BASE-QUOTE" ("BTC-USDT"). The
 * bottom layer both the config (syntax of what the user wrote) and the venue
 * adapters (turning it into a native name) check against, so neither has to
 * reach into the other.
 */
#ifndef FEED_SYMBOL_H
#define FEED_SYMBOL_H

/* Is s a normalized symbol: [A-Z0-9]+ "-" [A-Z0-9]+, shorter than
 * MDBUS_SYMBOL_MAX? 1/0. */
int feed_symbol_valid(const char *s);

#endif /* FEED_SYMBOL_H */
