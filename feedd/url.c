/* SPDX-License-Identifier: MIT */
/* url.c: ws:// and wss:// URLs for the config (feed_url_parse in config.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

/* Writes the reason (if wanted) and returns rc: the one error path. */
static int url_fail(int rc, char *err, size_t errlen, const char *what, const char *s)
{
	if (err && errlen)
		snprintf(err, errlen, what, s);
	return rc;
}

static int url_ipv6_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == ':' || c == '.';
}

static int url_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/* Host from h on ("[v6]" or a name) into out->host; *rest gets what follows. */
static int url_host(const char *s, const char *h, struct feed_url *out, const char **rest,
		    char *err, size_t errlen)
{
	const char *p, *he;
	size_t hl;

	if (*h == '[') {
		he = strchr(h, ']');
		if (!he || he == h + 1)
			return url_fail(-EINVAL, err, errlen, "bad IPv6 literal in url '%s'", s);
		for (p = h + 1; p < he; p++)
			if (!url_ipv6_char(*p))
				return url_fail(-EINVAL, err, errlen,
						"bad IPv6 literal in url '%s'", s);
		hl = (size_t)(he - h - 1);
		h++;
		p = he + 1;
	} else {
		for (p = h; *p && *p != ':' && *p != '/' && *p != '?'; p++)
			if (!url_host_char(*p))
				return url_fail(-EINVAL, err, errlen,
						"bad character in url host '%s'", s);
		hl = (size_t)(p - h);
		if (hl == 0)
			return url_fail(-EINVAL, err, errlen, "url '%s' has no host", s);
	}
	if (hl >= sizeof(out->host))
		return url_fail(-ENAMETOOLONG, err, errlen, "url host too long%s", "");
	memcpy(out->host, h, hl);
	out->host[hl] = '\0';
	*rest = p;
	return 0;
}

/* ":PORT" (1..65535), then the path or the end. */
static int url_port(const char *s, const char *p, struct feed_url *out, const char **rest,
		    char *err, size_t errlen)
{
	unsigned long port = 0;

	if (*p != ':') {
		if (*p && *p != '/' && *p != '?')
			return url_fail(-EINVAL, err, errlen, "bad url '%s'", s);
		*rest = p;
		return 0;
	}
	for (p++; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (unsigned long)(*p - '0');
	if (port == 0 || port > 65535 || (*p && *p != '/' && *p != '?'))
		return url_fail(-EINVAL, err, errlen, "bad port in url '%s'", s);
	out->port = (uint16_t)port;
	*rest = p;
	return 0;
}

/* The path with its query; "" -> "/", "?x" -> "/?x". */
static int url_path(const char *s, const char *p, struct feed_url *out, char *err, size_t errlen)
{
	size_t lead = *p != '/', n = strlen(p);

	if (lead + n >= sizeof(out->path))
		return url_fail(-ENAMETOOLONG, err, errlen, "url path too long%s", "");
	out->path[0] = '/';
	memcpy(out->path + lead, p, n + 1);
	for (p = out->path; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '#')
			return url_fail(-EINVAL, err, errlen, "bad character in url path '%s'", s);
	return 0;
}

/* https://host[:port][/path] (http:// for tests and local proxies). */
int feed_url_parse_http(const char *s, struct feed_url *out, char *err, size_t errlen)
{
	char ws[8 + FEED_HOST_MAX + FEED_PATH_MAX];
	int tls = !strncmp(s, "https://", 8);
	int rc;

	if (!tls && strncmp(s, "http://", 7) != 0)
		return url_fail(-EINVAL, err, errlen,
				"bad url '%s' (use https://host[:port][/path] or http://...)", s);
	if (snprintf(ws, sizeof(ws), "%s%s", tls ? "wss://" : "ws://", s + (tls ? 8 : 7)) >=
	    (int)sizeof(ws))
		return url_fail(-ENAMETOOLONG, err, errlen, "url too long%s", "");
	rc = feed_url_parse(ws, out, err, errlen);
	if (rc < 0 && err && errlen)
		snprintf(err, errlen, "bad url '%s'", s);
	return rc;
}

int feed_url_parse(const char *s, struct feed_url *out, char *err, size_t errlen)
{
	const char *p;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!strncmp(s, "wss://", 6)) {
		out->tls = 1;
		out->port = 443;
		p = s + 6;
	} else if (!strncmp(s, "ws://", 5)) {
		out->port = 80;
		p = s + 5;
	} else {
		return url_fail(-EINVAL, err, errlen,
				"bad url '%s' (use wss://host[:port]/path or ws://...)", s);
	}
	rc = url_host(s, p, out, &p, err, errlen);
	if (rc == 0)
		rc = url_port(s, p, out, &p, err, errlen);
	if (rc == 0)
		rc = url_path(s, p, out, err, errlen);
	return rc;
}
