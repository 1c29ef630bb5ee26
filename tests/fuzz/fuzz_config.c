/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c: feedd's configuration loader (feedd/config.c) and the venue
 * checks that follow it at start-up (feed_venue_check, feed_venue_ctx_init),
 * on arbitrary INI text. The input is loaded from a string (up to its first
 * NUL) and, when it holds a NUL, also as a file (all bytes, through a memfd's
 * /proc path), as `feedd -c FILE` reads it. Properties: only the documented codes, every
 * content error names the file and a line that exists ("NAME:LINE: reason",
 * one line of text), and a loaded config holds what the loader promises
 * (sessions with unique names and symbols, a valid ring size, durations >= 0).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "venue.h"

#define FZ_TEXT_MAX ((size_t)64 * 1024)

static char fz_text[FZ_TEXT_MAX + 1];

/* err must read "<name>:<line>: <reason>" with 1 <= line <= lines. */
static void fz_err_at(const char *err, const char *name, unsigned lines)
{
	size_t nl = strlen(name);
	char *end;

	FUZZ_CHECK(strncmp(err, name, nl) == 0 && err[nl] == ':');
	unsigned long line = strtoul(err + nl + 1, &end, 10);
	if (!(end > err + nl + 1 && end[0] == ':' && end[1] == ' ' && line >= 1 && line <= lines))
		fprintf(stderr, "config: bad error \"%s\" (%u lines)\n", err, lines);
	FUZZ_CHECK(end > err + nl + 1 && end[0] == ':' && end[1] == ' ');
	FUZZ_CHECK(line >= 1 && line <= lines);
	FUZZ_CHECK(end[2] != '\0' && strchr(err, '\n') == NULL);
}

static void fz_session_ok(const struct feed_session_config *s, unsigned lines)
{
	FUZZ_CHECK(s->name[0] != '\0' && strlen(s->name) < sizeof(s->name));
	FUZZ_CHECK(s->nsymbols >= 1 && s->symbols != NULL);
	for (size_t i = 0; i < s->nsymbols; i++) {
		FUZZ_CHECK(strnlen(s->symbols[i], MDBUS_SYMBOL_MAX) < MDBUS_SYMBOL_MAX);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(s->symbols[i], s->symbols[j]) != 0);
	}
	FUZZ_CHECK(s->channels != 0 && (s->channels & ~FEED_CH_ALL) == 0);
	FUZZ_CHECK(s->ping_interval_ms >= 0 && s->pong_timeout_ms >= 0 && s->stale_timeout_ms >= 0);
	FUZZ_CHECK(s->handshake_timeout_ms >= 0 && s->reconnect_initial_ms >= 0);
	FUZZ_CHECK(s->reconnect_max_ms >= 0 && s->max_lifetime_ms >= 0);
	FUZZ_CHECK(s->reconnect_multiplier >= 1.0);
	FUZZ_CHECK(s->reconnect_jitter >= 0.0 && s->reconnect_jitter < 1.0);
	FUZZ_CHECK(s->line >= 1 && (unsigned)s->line <= lines);
}

/* The start-up steps after a successful load: venue checks, then one venue
 * context per session (symbol table, native names). */
static void fz_startup(struct feed_config *c, const char *name, unsigned lines)
{
	char err[512];
	int rc;

	FUZZ_CHECK(c->nsessions >= 1 && c->nsessions <= FEED_SESSIONS_MAX);
	FUZZ_CHECK(c->slots >= 64 && (c->slots & (c->slots - 1)) == 0);
	FUZZ_CHECK(c->shutdown_timeout_ms >= 0 && c->connect_rate > 0);
	for (size_t i = 0; i < c->nsessions; i++) {
		fz_session_ok(&c->sessions[i], lines);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(c->sessions[i].name, c->sessions[j].name) != 0);
	}
	err[0] = '\0';
	rc = feed_venue_check(c, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc < 0) {
		fz_err_at(err, name, lines);
		return;
	}
	for (size_t i = 0; i < c->nsessions; i++) {
		struct feed_venue_ctx v;
		const struct feed_venue_ops *ops = feed_venue_find(c->sessions[i].venue);
		FUZZ_CHECK(ops != NULL);
		memset(&v, 0, sizeof(v));
		err[0] = '\0';
		rc = feed_venue_ctx_init(&v, ops, &c->sessions[i], err, sizeof(err));
		FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG);
		if (rc < 0)
			FUZZ_CHECK(err[0] != '\0');
		else
			feed_venue_ctx_free(&v);
	}
}

static unsigned fz_lines(const char *p, size_t n)
{
	unsigned lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return lines;
}

static void fz_load_string(size_t len)
{
	struct feed_config c;
	char err[512];
	int rc;

	err[0] = '\0';
	rc = feed_config_load_string(fz_text, "fuzz.ini", &c, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc < 0)
		fz_err_at(err, "fuzz.ini", fz_lines(fz_text, len));
	else
		fz_startup(&c, "fuzz.ini", fz_lines(fz_text, len));
	feed_config_free(&c);
}

static void fz_load_file(const uint8_t *data, size_t size)
{
	struct feed_config c;
	char path[64], err[512];
	int fd, rc;

	fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	rc = feed_config_load(path, &c, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc < 0)
		fz_err_at(err, path, fz_lines((const char *)data, size));
	else
		fz_startup(&c, path, fz_lines((const char *)data, size));
	feed_config_free(&c);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;

	if (size > FZ_TEXT_MAX)
		return 0;
	memcpy(fz_text, data, size);
	fz_text[size] = '\0';
	len = strlen(fz_text);
	fz_load_string(len);
	/* The file path adds reading and the NUL check to what the string
	 * path does; a 1 MiB read buffer per call makes it slow under ASan,
	 * so only inputs with a NUL take it. */
	if (len < size)
		fz_load_file(data, size);
	return 0;
}
