/* SPDX-License-Identifier: MIT */
/* tickparse.c: one JSON line (mdbus-tail --json format, tools_tick.h) back
 * into a tick and its instrument, for mdbus-replay. Uses jansson: replay is
 * not the hot path. Every rejection says which field and why. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mdbus_units.h"
#include "tools_cli.h"
#include "tools_tick.h"

struct tools_perr {
	char *buf;
	size_t len;
};

static int tools_fail(struct tools_perr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int tools_fail(struct tools_perr *e, const char *fmt, ...)
{
	va_list ap;

	if (e->buf && e->len) {
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A string field copied into a fixed buffer; `required` decides whether a
 * missing key is an error (returns 1 when absent and optional). */
static int tools_get_name(json_t *o, const char *key, char *out, size_t max, int required,
			  struct tools_perr *e)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t n;

	if (!v) {
		if (required)
			return tools_fail(e, "missing %s", key);
		return 1;
	}
	if (!json_is_string(v))
		return tools_fail(e, "%s must be a string", key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n >= max || strlen(s) != n)
		return tools_fail(e, "bad %s \"%s\": empty, too long (max %zu) or has NUL", key, s,
				  max - 1);
	memcpy(out, s, n + 1);
	return 0;
}

/* A signed integer field in [min, max]; def when absent and optional. */
static int tools_get_int(json_t *o, const char *key, int64_t min, int64_t max, int required,
			 int64_t def, int64_t *out, struct tools_perr *e)
{
	json_t *v = json_object_get(o, key);
	json_int_t x;

	if (!v) {
		if (required)
			return tools_fail(e, "missing %s", key);
		*out = def;
		return 0;
	}
	if (!json_is_integer(v))
		return tools_fail(e, "%s must be an integer", key);
	x = json_integer_value(v);
	if (x < min || x > max)
		return tools_fail(e, "%s %" PRId64 " out of range [%" PRId64 ", %" PRId64 "]", key,
				  (int64_t)x, min, max);
	*out = (int64_t)x;
	return 0;
}

/* A uint64 id: integer, or decimal string above INT64_MAX; 0 when absent. */
static int tools_get_id(json_t *o, const char *key, uint64_t *out, struct tools_perr *e)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return tools_fail(e, "%s must not be negative", key);
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		/* digits only: the count grammar alone would take "5k" */
		if (strspn(json_string_value(v), "0123456789") != json_string_length(v) ||
		    mdbus_units_parse_count(json_string_value(v), UINT64_MAX, out) < 0)
			return tools_fail(e, "bad %s \"%s\": not an unsigned integer", key,
					  json_string_value(v));
		return 0;
	}
	return tools_fail(e, "%s must be an integer or a decimal string", key);
}

/* An exact decimal at `decimals` places: a string (the format tail writes) or
 * a JSON integer. A JSON real is refused: it may already be rounded. */
static int tools_get_dec(json_t *o, const char *key, unsigned decimals, int64_t *out,
			 struct tools_perr *e)
{
	json_t *v = json_object_get(o, key);
	char tmp[32];
	const char *s;
	size_t n;
	int rc;

	if (!v)
		return tools_fail(e, "missing %s", key);
	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
	} else if (json_is_integer(v)) {
		n = (size_t)snprintf(tmp, sizeof(tmp), "%" PRId64, (int64_t)json_integer_value(v));
		s = tmp;
	} else if (json_is_real(v)) {
		return tools_fail(e, "%s must be a decimal string, not a JSON float", key);
	} else {
		return tools_fail(e, "%s must be a decimal string", key);
	}
	rc = mdbus_decimal_parse(s, n, decimals, out);
	switch (rc) {
	case 0:
		return 0;
	case -EDOM:
		return tools_fail(e, "bad %s \"%s\": more than %u decimal places", key, s,
				  decimals);
	case -ERANGE:
		return tools_fail(e, "bad %s \"%s\": out of range at %u decimals", key, s,
				  decimals);
	default:
		return tools_fail(e, "bad %s \"%s\": not a decimal number", key, s);
	}
}

static int tools_get_flags(json_t *o, unsigned *flags, int *present, struct tools_perr *e)
{
	json_t *v = json_object_get(o, "flags"), *f;
	size_t i;

	*flags = 0;
	*present = v != NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return tools_fail(e, "flags must be an array of strings");
	json_array_foreach(v, i, f)
	{
		const char *s = json_string_value(f);
		unsigned bit;

		if (!s)
			return tools_fail(e, "flags must be an array of strings");
		if (tools_flag_parse(s, &bit) < 0)
			return tools_fail(e, "unknown flag \"%s\"", s);
		*flags |= bit;
	}
	return 0;
}

/* side: applied when flags is absent, checked against flags otherwise. */
static int tools_get_side(json_t *o, unsigned *flags, int flags_present, struct tools_perr *e)
{
	json_t *v = json_object_get(o, "side");
	const char *s;
	unsigned side;

	if (!v)
		return 0;
	s = json_string_value(v);
	if (!s)
		return tools_fail(e, "side must be a string");
	if (strcmp(s, "buy") == 0 || strcmp(s, "bid") == 0)
		side = MDBUS_FLAG_BUY;
	else if (strcmp(s, "sell") == 0 || strcmp(s, "ask") == 0)
		side = MDBUS_FLAG_SELL;
	else if (strcmp(s, "unknown") == 0)
		side = 0;
	else
		return tools_fail(e, "bad side \"%s\" (buy, sell, bid, ask, unknown)", s);
	if (!flags_present) {
		*flags |= side;
		return 0;
	}
	if (side != (*flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL)) &&
	    !(side == 0 && (*flags & MDBUS_FLAG_BUY) && (*flags & MDBUS_FLAG_SELL)))
		return tools_fail(e, "side \"%s\" contradicts flags", s);
	return 0;
}

static int tools_get_status(json_t *o, struct mdbus_status *st, struct tools_perr *e)
{
	json_t *v = json_object_get(o, "status");
	int64_t x = 0; /* tools_fail is variadic: the analyzer cannot see it returns < 0 */

	if (!v)
		return tools_fail(e, "missing status");
	if (json_is_string(v)) {
		if (tools_status_parse(json_string_value(v), &st->code) < 0)
			return tools_fail(e, "bad status \"%s\" (up, down, stale, failed)",
					  json_string_value(v));
	} else {
		if (tools_get_int(o, "status", 0, UINT32_MAX, 1, 0, &x, e) < 0)
			return -EINVAL;
		st->code = (uint32_t)x;
	}
	if (tools_get_int(o, "session", 0, UINT32_MAX, 0, 0, &x, e) < 0)
		return -EINVAL;
	st->session = (uint32_t)x;
	if (tools_get_int(o, "reason", 0, UINT32_MAX, 0, 0, &x, e) < 0)
		return -EINVAL;
	st->reason = (uint32_t)x;
	return 0;
}

static int tools_parse_obj(json_t *o, struct mdbus_tick *t, struct mdbus_instrument *in,
			   uint64_t *seq, struct tools_perr *e)
{
	json_t *kv;
	int64_t x = 0; /* tools_fail is variadic: the analyzer cannot see it returns < 0 */
	unsigned pd, qd, flags;
	int k, rc, flags_present;

	if (!json_is_object(o))
		return tools_fail(e, "not a JSON object");
	if (tools_get_name(o, "venue", in->venue, sizeof(in->venue), 1, e) < 0 ||
	    tools_get_name(o, "symbol", in->symbol, sizeof(in->symbol), 1, e) < 0)
		return -EINVAL;
	rc = tools_get_name(o, "native", in->native, sizeof(in->native), 0, e);
	if (rc < 0)
		return rc;
	if (rc == 1)
		memcpy(in->native, in->symbol, sizeof(in->native));
	if (tools_get_int(o, "price_decimals", 0, MDBUS_DECIMALS_MAX, 0, 8, &x, e) < 0)
		return -EINVAL;
	pd = (unsigned)x;
	if (tools_get_int(o, "qty_decimals", 0, MDBUS_DECIMALS_MAX, 0, 8, &x, e) < 0)
		return -EINVAL;
	qd = (unsigned)x;
	in->price_decimals = (uint8_t)pd;
	in->qty_decimals = (uint8_t)qd;

	if (tools_get_int(o, "seq", 0, INT64_MAX, 0, 0, &x, e) < 0)
		return -EINVAL;
	if (seq)
		*seq = (uint64_t)x;

	kv = json_object_get(o, "kind");
	if (!kv)
		return tools_fail(e, "missing kind");
	if (!json_is_string(kv))
		return tools_fail(e, "kind must be a string (trade, bbo, l2, status)");
	k = mdbus_kind_parse(json_string_value(kv));
	if (k < 0)
		return tools_fail(e, "unknown kind \"%s\" (trade, bbo, l2, status)",
				  json_string_value(kv));
	t->kind = (uint8_t)k;

	if (tools_get_int(o, "exch_ts", INT64_MIN, INT64_MAX, 1, 0, &t->exch_ts, e) < 0 ||
	    tools_get_int(o, "recv_ts", INT64_MIN, INT64_MAX, 1, 0, &t->recv_ts, e) < 0)
		return -EINVAL;

	if (tools_get_flags(o, &flags, &flags_present, e) < 0)
		return -EINVAL;
	if (k == MDBUS_KIND_TRADE || k == MDBUS_KIND_L2) {
		if (tools_get_side(o, &flags, flags_present, e) < 0)
			return -EINVAL;
	}
	t->flags = (uint8_t)flags;

	switch (k) {
	case MDBUS_KIND_TRADE:
		if (tools_get_dec(o, "price", pd, &t->u.trade.price, e) < 0 ||
		    tools_get_dec(o, "qty", qd, &t->u.trade.qty, e) < 0 ||
		    tools_get_id(o, "trade_id", &t->u.trade.trade_id, e) < 0)
			return -EINVAL;
		break;
	case MDBUS_KIND_BBO:
		if (tools_get_dec(o, "bid_px", pd, &t->u.bbo.bid_px, e) < 0 ||
		    tools_get_dec(o, "bid_qty", qd, &t->u.bbo.bid_qty, e) < 0 ||
		    tools_get_dec(o, "ask_px", pd, &t->u.bbo.ask_px, e) < 0 ||
		    tools_get_dec(o, "ask_qty", qd, &t->u.bbo.ask_qty, e) < 0)
			return -EINVAL;
		break;
	case MDBUS_KIND_L2:
		if (tools_get_dec(o, "price", pd, &t->u.l2.price, e) < 0 ||
		    tools_get_dec(o, "qty", qd, &t->u.l2.qty, e) < 0 ||
		    tools_get_id(o, "update_id", &t->u.l2.update_id, e) < 0)
			return -EINVAL;
		break;
	case MDBUS_KIND_STATUS:
		if (tools_get_status(o, &t->u.status, e) < 0)
			return -EINVAL;
		break;
	default:
		return tools_fail(e, "unknown kind %d", k);
	}
	return 0;
}

int tools_tick_parse_json(const char *line, size_t len, struct mdbus_tick *t,
			  struct mdbus_instrument *in, uint64_t *seq, char *err, size_t errlen)
{
	struct tools_perr e = {err, errlen};
	json_error_t je;
	json_t *o;
	int rc;

	memset(t, 0, sizeof(*t));
	memset(in, 0, sizeof(*in));
	if (err && errlen)
		err[0] = '\0';
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return tools_fail(&e, "invalid JSON at column %d: %s", je.column, je.text);
	rc = tools_parse_obj(o, t, in, seq, &e);
	json_decref(o);
	return rc;
}
