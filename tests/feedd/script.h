/* SPDX-License-Identifier: MIT */
/*
 * script.h: the pieces every venue's fixture-script test (test_<venue>.c
 * with data/<venue>.txt) reads its expectations with: `key=value`,
 * `key="quoted value"` and `key~"text"` (the value contains text) pairs,
 * a tick's flags as the scripts spell them ("BUY,GAP", "-" for none) and
 * its fields by name.
 */
#ifndef FEED_TEST_SCRIPT_H
#define FEED_TEST_SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mdbus.h"

/* The next pair at *s into key and val (cut to their sizes); *contains is
 * 1 for key~val. Returns 1, 0 at the end of the line, -1 on a pair without
 * '=' or '~'. */
static inline int next_kv(char **s, char *key, size_t klen, char *val, size_t vlen, int *contains)
{
	char *p = *s;
	size_t k = 0, v = 0;

	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	while (*p && *p != '=' && *p != '~' && k + 1 < klen)
		key[k++] = *p++;
	key[k] = '\0';
	*contains = *p == '~'; /* key~"text": the value contains text */
	if (*p != '=' && *p != '~')
		return -1;
	p++;
	if (*p == '"') {
		p++;
		while (*p && *p != '"' && v + 1 < vlen) {
			if (*p == '\\' && p[1])
				p++;
			val[v++] = *p++;
		}
		if (*p == '"')
			p++;
	} else {
		while (*p && *p != ' ' && v + 1 < vlen)
			val[v++] = *p++;
	}
	val[v] = '\0';
	*s = p;
	return 1;
}

/* The flags as "BUY,GAP" (buf: at least 64 bytes), "-" for none; a bit
 * without a name is OTHER. */
static inline const char *flags_str(uint8_t f, char *buf)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {{MDBUS_FLAG_BUY, "BUY"},	       {MDBUS_FLAG_SELL, "SELL"},
		     {MDBUS_FLAG_GAP, "GAP"},	       {MDBUS_FLAG_NO_EXCH_TS, "NOEXCH"},
		     {MDBUS_FLAG_TID_HASH, "TIDHASH"}, {MDBUS_FLAG_SNAPSHOT, "SNAPSHOT"}};
	uint8_t known = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		known |= names[i].bit;
		if (f & names[i].bit)
			strcat(strcat(buf, buf[0] ? "," : ""), names[i].name);
	}
	if (f & (uint8_t)~known)
		strcat(strcat(buf, buf[0] ? "," : ""), "OTHER");
	return buf[0] ? buf : "-";
}

/* A tick's field by its script name (inst, exch; trade px qty tid; bbo bp
 * bq ap aq); *ok = 0 for a name the tick does not have. */
static inline long long tick_field(const struct mdbus_tick *t, const char *k, int *ok)
{
	*ok = 1;
	if (!strcmp(k, "inst"))
		return t->instrument;
	if (!strcmp(k, "exch"))
		return t->exch_ts;
	if (t->kind == MDBUS_KIND_TRADE) {
		if (!strcmp(k, "px"))
			return t->u.trade.price;
		if (!strcmp(k, "qty"))
			return t->u.trade.qty;
		if (!strcmp(k, "tid"))
			return (long long)t->u.trade.trade_id;
	} else if (t->kind == MDBUS_KIND_BBO) {
		if (!strcmp(k, "bp"))
			return t->u.bbo.bid_px;
		if (!strcmp(k, "bq"))
			return t->u.bbo.bid_qty;
		if (!strcmp(k, "ap"))
			return t->u.bbo.ask_px;
		if (!strcmp(k, "aq"))
			return t->u.bbo.ask_qty;
	}
	*ok = 0;
	return 0;
}

#endif /* FEED_TEST_SCRIPT_H */
