/* SPDX-License-Identifier: MIT */
/* tail_filter.c: see tail_filter.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tail_filter.h"

enum {
	TAIL_CACHE_UNSEEN = 0, /* not looked up yet */
	TAIL_CACHE_PRINT = 1,
	TAIL_CACHE_SKIP = 2,
};

int tail_filter_add_names(struct tail_filter *f, int venue, const char *list)
{
	size_t max = venue ? MDBUS_VENUE_MAX : MDBUS_SYMBOL_MAX;
	unsigned *count = venue ? &f->nvenues : &f->nsymbols;
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		char *dst;

		if (n == 0 || n >= max)
			return -EINVAL;
		if (*count >= TAIL_NAMES_MAX)
			return -E2BIG;
		dst = venue ? f->venues[*count] : f->symbols[*count];
		memcpy(dst, p, n);
		dst[n] = '\0';
		(*count)++;
		p += n;
		if (*p == '\0')
			return 0;
		p++; /* the comma; an empty name after it is rejected above */
	}
}

int tail_filter_instrument(const struct tail_filter *f, const struct mdbus_instrument *in)
{
	unsigned i;

	if (f->nvenues) {
		for (i = 0; i < f->nvenues; i++)
			if (strncmp(f->venues[i], in->venue, sizeof(in->venue)) == 0)
				break;
		if (i == f->nvenues)
			return 0;
	}
	if (f->nsymbols) {
		for (i = 0; i < f->nsymbols; i++)
			if (strncmp(f->symbols[i], in->symbol, sizeof(in->symbol)) == 0 ||
			    strncmp(f->symbols[i], in->native, sizeof(in->native)) == 0)
				break;
		if (i == f->nsymbols)
			return 0;
	}
	return 1;
}

int tail_cache_reset(struct tail_cache *c, mdbus_reader *r)
{
	struct mdbus_info info;
	struct tail_cache_entry *e;
	int rc = mdbus_reader_info(r, &info);

	if (rc < 0)
		return rc;
	if (info.max_instruments > c->cap) {
		e = realloc(c->e, (size_t)info.max_instruments * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->e = e;
		c->cap = info.max_instruments;
	}
	if (c->cap)
		memset(c->e, 0, (size_t)c->cap * sizeof(*c->e));
	return 0;
}

int tail_cache_match(struct tail_cache *c, mdbus_reader *r, const struct tail_filter *f,
		     const struct mdbus_tick *t, const struct mdbus_instrument **in)
{
	struct tail_cache_entry *e;

	if (f->kinds && (t->kind >= 32 || !(f->kinds & (1u << t->kind))))
		return 0;
	if (t->instrument >= c->cap)
		return -ENOENT;
	e = &c->e[t->instrument];
	if (e->state == TAIL_CACHE_UNSEEN) {
		/* Instruments are immutable once published, so one lookup per
		 * id per segment is enough; a miss is retried next time. */
		if (mdbus_reader_instrument(r, t->instrument, &e->in) < 0)
			return -ENOENT;
		e->state = tail_filter_instrument(f, &e->in) ? TAIL_CACHE_PRINT : TAIL_CACHE_SKIP;
	}
	if (e->state == TAIL_CACHE_SKIP)
		return 0;
	*in = &e->in;
	return 1;
}

void tail_cache_free(struct tail_cache *c)
{
	free(c->e);
	c->e = NULL;
	c->cap = 0;
}
