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
#include "tick_fields.h"
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

/* Looks key up: 0 with *v, 1 when absent and optional, -EINVAL (with the
 * reason) when absent and required. */
static int tools_get_key(json_t *o, const char *key, int required, json_t **v, struct tools_perr *e)
{
	*v = json_object_get(o, key);
	if (*v)
		return 0;
	return required ? tools_fail(e, "missing %s", key) : 1;
}

/* A string field copied into a fixed buffer; `required` decides whether a
 * missing key is an error (returns 1 when absent and optional). */
static int tools_get_name(json_t *o, const char *key, char *out, size_t max, int required,
			  struct tools_perr *e)
{
	json_t *v;
	const char *s;
	size_t n;
	int rc = tools_get_key(o, key, required, &v, e);

	if (rc)
		return rc;
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
	json_t *v;
	json_int_t x;
	int rc = tools_get_key(o, key, required, &v, e);

	if (rc) {
		*out = def;
		return rc < 0 ? rc : 0;
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
	json_t *v;

	*out = 0;
	if (tools_get_key(o, key, 0, &v, e))
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
	json_t *v;
	char tmp[32];
	const char *s;
	size_t n;
	int rc;

	if (tools_get_key(o, key, 1, &v, e) < 0)
		return -EINVAL;
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

/* A status code: its name, or the integer. */
static int tools_get_status(json_t *o, const char *key, uint32_t *code, struct tools_perr *e)
{
	json_t *v;
	int64_t x = 0; /* tools_fail is variadic: the analyzer cannot see it returns < 0 */

	if (tools_get_key(o, key, 1, &v, e) < 0)
		return -EINVAL;
	if (json_is_string(v)) {
		if (tools_status_parse(json_string_value(v), code) < 0)
			return tools_fail(e, "bad status \"%s\" (up, down, stale, failed)",
					  json_string_value(v));
		return 0;
	}
	if (tools_get_int(o, key, 0, UINT32_MAX, 1, 0, &x, e) < 0)
		return -EINVAL;
	*code = (uint32_t)x;
	return 0;
}

/* One field of the kind's table into the tick; sides come with the flags. */
static int tools_get_field(json_t *o, const struct tools_field *f,
			   const struct mdbus_instrument *in, struct mdbus_tick *t,
			   struct tools_perr *e)
{
	int64_t x = 0;
	uint64_t id = 0;
	uint32_t code = 0;

	switch (f->type) {
	case TOOLS_F_PRICE:
	case TOOLS_F_QTY:
		if (tools_get_dec(o, f->key,
				  f->type == TOOLS_F_PRICE ? in->price_decimals : in->qty_decimals,
				  &x, e) < 0)
			return -EINVAL;
		tools_field_set(t, f, (uint64_t)x);
		return 0;
	case TOOLS_F_ID:
		if (tools_get_id(o, f->key, &id, e) < 0)
			return -EINVAL;
		tools_field_set(t, f, id);
		return 0;
	case TOOLS_F_STATUS:
		if (tools_get_status(o, f->key, &code, e) < 0)
			return -EINVAL;
		tools_field_set(t, f, code);
		return 0;
	case TOOLS_F_U32:
	case TOOLS_F_REASON:
		if (tools_get_int(o, f->key, 0, UINT32_MAX, 0, 0, &x, e) < 0)
			return -EINVAL;
		tools_field_set(t, f, (uint64_t)x);
		return 0;
	default:
		return 0;
	}
}

/* venue, symbol, native (default: the symbol) and the decimals (default 8). */
static int tools_parse_instr(json_t *o, struct mdbus_instrument *in, struct tools_perr *e)
{
	int64_t pd = 0, qd = 0; /* tools_fail is variadic: see tools_get_status */
	int rc;

	if (tools_get_name(o, "venue", in->venue, sizeof(in->venue), 1, e) < 0 ||
	    tools_get_name(o, "symbol", in->symbol, sizeof(in->symbol), 1, e) < 0)
		return -EINVAL;
	rc = tools_get_name(o, "native", in->native, sizeof(in->native), 0, e);
	if (rc < 0)
		return rc;
	if (rc == 1)
		memcpy(in->native, in->symbol, sizeof(in->native));
	if (tools_get_int(o, "price_decimals", 0, MDBUS_DECIMALS_MAX, 0, 8, &pd, e) < 0 ||
	    tools_get_int(o, "qty_decimals", 0, MDBUS_DECIMALS_MAX, 0, 8, &qd, e) < 0)
		return -EINVAL;
	in->price_decimals = (uint8_t)pd;
	in->qty_decimals = (uint8_t)qd;
	return 0;
}

/* Does the kind's table carry a side (trade, l2)? */
static int tools_kind_has_side(const struct tools_field *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++)
		if (f[i].type == TOOLS_F_SIDE || f[i].type == TOOLS_F_BOOK_SIDE)
			return 1;
	return 0;
}

/* seq, kind, timestamps, flags and side: everything but the kind's fields. */
static int tools_parse_head(json_t *o, struct mdbus_tick *t, uint64_t *seq, struct tools_perr *e)
{
	const struct tools_field *f;
	json_t *kv;
	int64_t x = 0; /* tools_fail is variadic: see tools_get_status */
	unsigned flags;
	size_t nf;
	int k, flags_present;

	if (tools_get_int(o, "seq", 0, INT64_MAX, 0, 0, &x, e) < 0)
		return -EINVAL;
	if (seq)
		*seq = (uint64_t)x;
	if (tools_get_key(o, "kind", 1, &kv, e) < 0)
		return -EINVAL;
	if (!json_is_string(kv))
		return tools_fail(e, "kind must be a string (trade, bbo, l2, status)");
	k = mdbus_kind_parse(json_string_value(kv));
	if (k < 0)
		return tools_fail(e, "unknown kind \"%s\" (trade, bbo, l2, status)",
				  json_string_value(kv));
	t->kind = (uint8_t)k;
	if (tools_get_int(o, "exch_ts", INT64_MIN, INT64_MAX, 1, 0, &t->exch_ts, e) < 0 ||
	    tools_get_int(o, "recv_ts", INT64_MIN, INT64_MAX, 1, 0, &t->recv_ts, e) < 0 ||
	    tools_get_flags(o, &flags, &flags_present, e) < 0)
		return -EINVAL;
	nf = tools_tick_fields((unsigned)k, &f);
	if (tools_kind_has_side(f, nf) && tools_get_side(o, &flags, flags_present, e) < 0)
		return -EINVAL;
	t->flags = (uint8_t)flags;
	return 0;
}

static int tools_parse_obj(json_t *o, struct mdbus_tick *t, struct mdbus_instrument *in,
			   uint64_t *seq, struct tools_perr *e)
{
	const struct tools_field *f;
	size_t nf;

	if (!json_is_object(o))
		return tools_fail(e, "not a JSON object");
	if (tools_parse_instr(o, in, e) < 0 || tools_parse_head(o, t, seq, e) < 0)
		return -EINVAL;
	nf = tools_tick_fields(t->kind, &f);
	if (nf == 0)
		return tools_fail(e, "unknown kind %d", t->kind);
	for (size_t i = 0; i < nf; i++)
		if (tools_get_field(o, &f[i], in, t, e) < 0)
			return -EINVAL;
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
