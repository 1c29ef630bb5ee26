/* SPDX-License-Identifier: MIT */
/* tickfmt.c: a tick as a JSON line or as aligned text (see tools_tick.h).
 * No allocation: mdbus-tail formats every tick through here. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tick_fields.h"
#include "tools_cli.h"
#include "tools_tick.h"

/* An output cursor: appends never overrun; the first failure sticks. */
struct tools_out {
	char *buf;
	size_t len;
	size_t pos;
	int err;
};

static void tools_out_printf(struct tools_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tools_out_printf(struct tools_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->err = -ENOSPC;
		return;
	}
	o->pos += (size_t)n;
}

static void tools_out_char(struct tools_out *o, char c)
{
	if (o->err)
		return;
	if (o->pos + 1 >= o->len) {
		o->err = -ENOSPC;
		return;
	}
	o->buf[o->pos++] = c;
	o->buf[o->pos] = '\0';
}

/* A JSON string from a fixed-size C string field (which may lack its NUL if
 * a writer filled it to the brim). Control characters, quotes and
 * backslashes are escaped; other bytes pass through. */
static void tools_out_jstr(struct tools_out *o, const char *s, size_t max)
{
	tools_out_char(o, '"');
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			tools_out_char(o, '\\');
			tools_out_char(o, (char)c);
		} else if (c < 0x20) {
			tools_out_printf(o, "\\u%04x", c);
		} else {
			tools_out_char(o, (char)c);
		}
	}
	tools_out_char(o, '"');
}

/* An exact decimal, as a JSON string or bare for text. */
static void tools_out_dec(struct tools_out *o, int64_t m, unsigned decimals, int quoted)
{
	char d[MDBUS_DECIMAL_STR_MAX + 8];
	int n = mdbus_decimal_format(m, decimals, d, sizeof(d));

	if (n < 0) {
		if (!o->err)
			o->err = n;
		return;
	}
	tools_out_printf(o, quoted ? "\"%s\"" : "%s", d);
}

/* uint64 ids: bare integers up to INT64_MAX, strings above (tools_tick.h). */
static void tools_out_id(struct tools_out *o, uint64_t id)
{
	tools_out_printf(o, id > (uint64_t)INT64_MAX ? "\"%" PRIu64 "\"" : "%" PRIu64, id);
}

int tools_flags_json(unsigned flags, char *buf, size_t len)
{
	struct tools_out o = {buf, len, 0, 0};
	char hex[8];
	int first = 1;

	if (len)
		buf[0] = '\0';
	tools_out_char(&o, '[');
	for (unsigned b = 0; b < 8; b++) {
		if (!(flags & (1u << b)))
			continue;
		if (!first)
			tools_out_char(&o, ',');
		first = 0;
		tools_out_printf(&o, "\"%s\"", tools_flag_name(1u << b, hex, sizeof(hex)));
	}
	tools_out_char(&o, ']');
	return o.err ? o.err : (int)o.pos;
}

/* For text only: an L2 delta's side is the book side (mdbus.h). */
static const char *tools_book_side_name(unsigned flags)
{
	const char *s = tools_side_name(flags);

	return s[0] == 'b' ? "bid" : s[0] == 's' ? "ask" : s;
}

/* A field shown as a name, or NULL to show its integer. JSON keeps the
 * trade-side words for an L2 delta and the reason as its integer. */
static const char *tools_field_name(const struct mdbus_tick *t, const struct tools_field *f,
				    uint64_t v, int json)
{
	switch (f->type) {
	case TOOLS_F_SIDE:
		return tools_side_name(t->flags);
	case TOOLS_F_BOOK_SIDE:
		return json ? tools_side_name(t->flags) : tools_book_side_name(t->flags);
	case TOOLS_F_STATUS:
		return tools_status_name((uint32_t)v);
	case TOOLS_F_REASON:
		/* feedd's error class: its names are the health region's
		 * (mdbus_health.h), shared by every tool. */
		return json ? NULL : mdbus_health_err_name((uint32_t)v);
	default:
		return NULL;
	}
}

/* The instrument's market; for contracts their size, unit and expiry. */
static void tools_fmt_market(struct tools_out *o, const struct mdbus_instrument *in)
{
	static const char *const market[3] = {"spot", "perp", "future"};
	char cs[MDBUS_DECIMAL_STR_MAX];

	tools_out_printf(o, "\"market\":\"%s\",", in->market < 3 ? market[in->market] : "?");
	if (in->market == MDBUS_MARKET_SPOT)
		return;
	if (in->contract_size > 0 &&
	    mdbus_decimal_format(in->contract_size, in->contract_decimals, cs, sizeof(cs)) > 0)
		tools_out_printf(o, "\"contract_size\":\"%s\",", cs);
	tools_out_printf(o, "\"qty_unit\":\"%s\",",
			 in->qty_unit == MDBUS_QTY_CONTRACTS ? "contracts" : "base");
	if (in->expiry)
		tools_out_printf(o, "\"expiry\":%u,", (unsigned)in->expiry);
}

/* One field's value, as JSON (decimals quoted, names quoted) or as text
 * (sides and statuses padded to a column). */
static void tools_field_value(struct tools_out *o, const struct mdbus_tick *t,
			      const struct tools_field *f, const struct mdbus_instrument *in,
			      int json)
{
	int side = f->type == TOOLS_F_SIDE || f->type == TOOLS_F_BOOK_SIDE;
	uint64_t v = side ? 0 : tools_field_get(t, f);
	const char *name = tools_field_name(t, f, v, json);

	if (f->type == TOOLS_F_PRICE || f->type == TOOLS_F_QTY) {
		unsigned dec = f->type == TOOLS_F_PRICE ? in->price_decimals : in->qty_decimals;
		tools_out_dec(o, (int64_t)v, dec, json);
	} else if (name && json) {
		tools_out_printf(o, "\"%s\"", name);
	} else if (name) {
		tools_out_printf(o, f->type == TOOLS_F_REASON ? "%s" : "%-7s", name);
	} else if (json && f->type == TOOLS_F_ID) {
		tools_out_id(o, v);
	} else if (!json && f->type == TOOLS_F_STATUS) {
		tools_out_printf(o, "code=%-2" PRIu64, v); /* unknown code */
	} else {
		tools_out_printf(o, "%" PRIu64, v);
	}
}

int tools_tick_json(const struct mdbus_tick *t, uint64_t seq, const struct mdbus_instrument *in,
		    char *buf, size_t len)
{
	struct tools_out o = {buf, len, 0, 0};
	const char *kind = mdbus_kind_name(t->kind);
	const struct tools_field *f;
	size_t nf = tools_tick_fields(t->kind, &f);
	char flags[128];
	int n;

	if (len)
		buf[0] = '\0';
	if (in->price_decimals > MDBUS_DECIMALS_MAX || in->qty_decimals > MDBUS_DECIMALS_MAX)
		return -ERANGE;
	n = tools_flags_json(t->flags, flags, sizeof(flags));
	if (n < 0)
		return n;
	tools_out_printf(&o, "{\"seq\":%" PRIu64 ",\"venue\":", seq);
	tools_out_jstr(&o, in->venue, sizeof(in->venue));
	tools_out_printf(&o, ",\"symbol\":");
	tools_out_jstr(&o, in->symbol, sizeof(in->symbol));
	tools_out_printf(&o, ",\"native\":");
	tools_out_jstr(&o, in->native, sizeof(in->native));
	tools_out_printf(&o, ",\"price_decimals\":%u,\"qty_decimals\":%u,",
			 (unsigned)in->price_decimals, (unsigned)in->qty_decimals);
	tools_fmt_market(&o, in);
	if (kind)
		tools_out_printf(&o, "\"kind\":\"%s\"", kind);
	else
		tools_out_printf(&o, "\"kind\":%u", t->kind);
	tools_out_printf(&o, ",\"exch_ts\":%" PRId64 ",\"recv_ts\":%" PRId64 ",\"flags\":%s",
			 t->exch_ts, t->recv_ts, flags);
	/* an unknown kind has no fields: the header is all we can say */
	for (size_t i = 0; i < nf; i++) {
		tools_out_printf(&o, ",\"%s\":", f[i].key);
		tools_field_value(&o, t, &f[i], in, 1);
	}
	tools_out_char(&o, '}');
	return o.err ? o.err : (int)o.pos;
}

/* Venue and symbol columns: wide enough for common names, never truncated
 * (a longer name just shifts the rest of that line). */
#define TOOLS_TEXT_VENUE_W  10
#define TOOLS_TEXT_SYMBOL_W 14

int tools_tick_text(const struct mdbus_tick *t, uint64_t seq, const struct mdbus_instrument *in,
		    char *buf, size_t len)
{
	struct tools_out o = {buf, len, 0, 0};
	int64_t ts = t->exch_ts ? t->exch_ts : t->recv_ts;
	int64_t day_ns = ts % (86400LL * 1000000000);
	const char *kind = mdbus_kind_name(t->kind);
	const struct tools_field *f;
	size_t nf = tools_tick_fields(t->kind, &f);

	(void)seq; /* text is for humans; --json carries seq */
	if (len)
		buf[0] = '\0';
	if (day_ns < 0)
		day_ns += 86400LL * 1000000000;
	tools_out_printf(&o, "%02d:%02d:%02d.%09d %-*.*s %-*.*s %-6s ",
			 (int)(day_ns / 3600000000000LL), (int)(day_ns / 60000000000LL % 60),
			 (int)(day_ns / 1000000000 % 60), (int)(day_ns % 1000000000),
			 TOOLS_TEXT_VENUE_W, (int)strnlen(in->venue, sizeof(in->venue)), in->venue,
			 TOOLS_TEXT_SYMBOL_W, (int)strnlen(in->symbol, sizeof(in->symbol)),
			 in->symbol, kind ? kind : "?");
	if (nf == 0)
		tools_out_printf(&o, "kind=%u", t->kind);
	for (unsigned rank = 0; rank < nf; rank++) /* the text's own order */
		for (size_t i = 0; i < nf; i++)
			if (f[i].rank == rank) {
				tools_out_printf(&o, "%s", f[i].text);
				tools_field_value(&o, t, &f[i], in, 0);
			}
	if (t->flags & (MDBUS_FLAG_SNAPSHOT | MDBUS_FLAG_GAP | 0xf0u)) {
		char flags[128];

		if (tools_flags_json(t->flags, flags, sizeof(flags)) > 0)
			tools_out_printf(&o, "  %s", flags);
	}
	return o.err ? o.err : (int)o.pos;
}
