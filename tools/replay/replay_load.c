/* SPDX-License-Identifier: MIT */
/* replay_load.c: see replay_load.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_load.h"
#include "tools_tick.h"

/* FNV-1a over venue, a separator and symbol: the instrument's identity. */
static uint32_t replay_hash(const struct mdbus_instrument *in)
{
	uint32_t h = 2166136261u;

	for (const char *p = in->venue; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (const char *p = in->symbol; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static int replay_hash_grow(struct replay_data *d)
{
	uint32_t cap = d->hash_cap ? d->hash_cap * 2 : 64;
	uint32_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->ninstr; i++) {
		uint32_t k = replay_hash(&d->instr[i]) & (cap - 1);

		while (h[k])
			k = (k + 1) & (cap - 1);
		h[k] = i + 1;
	}
	free(d->hash);
	d->hash = h;
	d->hash_cap = cap;
	return 0;
}

/* Finds or adds the instrument; *idx is its index. Returns 0, -EEXIST if
 * the name is known with other decimals/native, -ENOMEM. */
static int replay_instr_intern(struct replay_data *d, const struct mdbus_instrument *in,
			       uint32_t *idx)
{
	uint32_t k;
	int rc;

	if ((d->ninstr + 1) * 2 > d->hash_cap) {
		rc = replay_hash_grow(d);
		if (rc < 0)
			return rc;
	}
	for (k = replay_hash(in) & (d->hash_cap - 1); d->hash[k]; k = (k + 1) & (d->hash_cap - 1)) {
		const struct mdbus_instrument *x = &d->instr[d->hash[k] - 1];

		if (strcmp(x->venue, in->venue) != 0 || strcmp(x->symbol, in->symbol) != 0)
			continue;
		if (x->price_decimals != in->price_decimals ||
		    x->qty_decimals != in->qty_decimals || strcmp(x->native, in->native) != 0)
			return -EEXIST;
		*idx = d->hash[k] - 1;
		return 0;
	}
	if (d->ninstr == d->instr_cap) {
		uint32_t cap = d->instr_cap ? d->instr_cap * 2 : 16;
		struct mdbus_instrument *v = realloc(d->instr, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->instr = v;
		d->instr_cap = cap;
	}
	d->instr[d->ninstr] = *in;
	d->hash[k] = d->ninstr + 1;
	*idx = d->ninstr++;
	return 0;
}

static int replay_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

int replay_data_add_line(struct replay_data *d, const char *line, size_t len, char *err,
			 size_t errlen)
{
	struct mdbus_instrument in;
	struct mdbus_tick t;
	uint32_t idx = 0;
	int rc;

	d->lines++;
	if (replay_blank(line, len))
		return 0;
	rc = tools_tick_parse_json(line, len, &t, &in, NULL, err, errlen);
	if (rc == 0) {
		rc = replay_instr_intern(d, &in, &idx);
		if (rc == -EEXIST) {
			const struct mdbus_instrument *x = NULL;

			for (uint32_t i = 0; i < d->ninstr && !x; i++)
				if (!strcmp(d->instr[i].venue, in.venue) &&
				    !strcmp(d->instr[i].symbol, in.symbol))
					x = &d->instr[i];
			if (x)
				snprintf(err, errlen,
					 "instrument %s/%s redefined: native \"%s\" decimals %u/%u "
					 "here, \"%s\" %u/%u on its first line",
					 in.venue, in.symbol, in.native, in.price_decimals,
					 in.qty_decimals, x->native, x->price_decimals,
					 x->qty_decimals);
			else /* not reached: -EEXIST means a same-named entry exists */
				snprintf(err, errlen, "instrument %s/%s redefined", in.venue,
					 in.symbol);
			rc = -EINVAL;
		}
	}
	if (rc == -EINVAL) {
		d->bad++;
		return rc;
	}
	if (rc < 0)
		return rc;
	if (d->nticks == d->tick_cap) {
		size_t cap = d->tick_cap ? d->tick_cap * 2 : 1024;
		struct mdbus_tick *v = realloc(d->ticks, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->ticks = v;
		d->tick_cap = cap;
	}
	t.instrument = idx;
	d->ticks[d->nticks++] = t;
	return 1;
}

int replay_data_load(struct replay_data *d, FILE *f, const char *name, FILE *errs)
{
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		rc = replay_data_add_line(d, line, (size_t)n, err, sizeof(err));
		if (rc == -EINVAL)
			fprintf(errs, "%s:%" PRIu64 ": %s\n", name, d->lines, err);
		else if (rc < 0)
			break;
		rc = 0;
	}
	if (rc == 0 && ferror(f))
		rc = errno ? -errno : -EIO;
	free(line);
	return rc;
}

void replay_data_free(struct replay_data *d)
{
	free(d->ticks);
	free(d->instr);
	free(d->hash);
	memset(d, 0, sizeof(*d));
}
