/* SPDX-License-Identifier: MIT */
/* tickfields.c: the per-kind field table of tick_fields.h. */
#include <stddef.h>
#include <string.h>

#include "tick_fields.h"

#define TOOLS_OFF(member) offsetof(struct mdbus_tick, u.member)

static const struct tools_field tools_trade_fields[] = {
	{"price", TOOLS_F_PRICE, 2, TOOLS_OFF(trade.price), " @ "},
	{"qty", TOOLS_F_QTY, 1, TOOLS_OFF(trade.qty), " "},
	{"side", TOOLS_F_SIDE, 0, 0, ""},
	{"trade_id", TOOLS_F_ID, 3, TOOLS_OFF(trade.trade_id), "  id="},
};

static const struct tools_field tools_bbo_fields[] = {
	{"bid_px", TOOLS_F_PRICE, 1, TOOLS_OFF(bbo.bid_px), " @ "},
	{"bid_qty", TOOLS_F_QTY, 0, TOOLS_OFF(bbo.bid_qty), "bid "},
	{"ask_px", TOOLS_F_PRICE, 3, TOOLS_OFF(bbo.ask_px), " @ "},
	{"ask_qty", TOOLS_F_QTY, 2, TOOLS_OFF(bbo.ask_qty), "  ask "},
};

static const struct tools_field tools_l2_fields[] = {
	{"price", TOOLS_F_PRICE, 2, TOOLS_OFF(l2.price), " @ "},
	{"qty", TOOLS_F_QTY, 1, TOOLS_OFF(l2.qty), " "},
	{"side", TOOLS_F_BOOK_SIDE, 0, 0, ""},
	{"update_id", TOOLS_F_ID, 3, TOOLS_OFF(l2.update_id), "  upd="},
};

static const struct tools_field tools_status_fields[] = {
	{"status", TOOLS_F_STATUS, 0, TOOLS_OFF(status.code), ""},
	{"session", TOOLS_F_U32, 1, TOOLS_OFF(status.session), " session="},
	{"reason", TOOLS_F_REASON, 2, TOOLS_OFF(status.reason), " reason="},
};

#define TOOLS_KIND(k, t) [k] = {(t), sizeof(t) / sizeof((t)[0])}

static const struct {
	const struct tools_field *f;
	size_t n;
} tools_kinds[] = {
	TOOLS_KIND(MDBUS_KIND_TRADE, tools_trade_fields),
	TOOLS_KIND(MDBUS_KIND_BBO, tools_bbo_fields),
	TOOLS_KIND(MDBUS_KIND_L2, tools_l2_fields),
	TOOLS_KIND(MDBUS_KIND_STATUS, tools_status_fields),
};

size_t tools_tick_fields(unsigned kind, const struct tools_field **f)
{
	*f = NULL;
	if (kind >= sizeof(tools_kinds) / sizeof(tools_kinds[0]))
		return 0;
	*f = tools_kinds[kind].f;
	return tools_kinds[kind].n;
}

/* 32-bit storage for the status fields, 64-bit for the rest. */
static size_t tools_field_width(const struct tools_field *f)
{
	return f->type == TOOLS_F_STATUS || f->type == TOOLS_F_U32 || f->type == TOOLS_F_REASON
		       ? sizeof(uint32_t)
		       : sizeof(uint64_t);
}

/* Through memcpy at the table's offsets: one reader and one writer for
 * every width, and the access stays type-clean. */
uint64_t tools_field_get(const struct mdbus_tick *t, const struct tools_field *f)
{
	uint32_t v32;
	uint64_t v64;

	if (tools_field_width(f) == sizeof(v32)) {
		memcpy(&v32, (const char *)t + f->off, sizeof(v32));
		return v32;
	}
	memcpy(&v64, (const char *)t + f->off, sizeof(v64));
	return v64;
}

void tools_field_set(struct mdbus_tick *t, const struct tools_field *f, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;

	if (tools_field_width(f) == sizeof(v32))
		memcpy((char *)t + f->off, &v32, sizeof(v32));
	else
		memcpy((char *)t + f->off, &v, sizeof(v));
}

const char *tools_side_name(unsigned flags)
{
	switch (flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL)) {
	case MDBUS_FLAG_BUY:
		return "buy";
	case MDBUS_FLAG_SELL:
		return "sell";
	default:
		/* both bits set is not a side either; flags keep the truth */
		return "unknown";
	}
}
