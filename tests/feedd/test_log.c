/* SPDX-License-Identifier: MIT */
/*
 * test_log.c: feedd's log line formatter (feedd/log.c): logfmt quoting,
 * JSON escaping, the time stamp, the journald priority prefix, the level
 * filter, cutting a line that does not fit, and one write per line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "log.h"

static const struct timespec ts0 = {1796611690, 123456789}; /* 2026-12-07T02:48:10.123456Z */

static const char *fmt(const struct feed_log_opts *o, enum feed_log_level lvl,
		       const struct feed_log_kv *kv)
{
	static char buf[FEED_LOG_LINE_MAX];
	size_t n = feed_log_format_line(buf, sizeof(buf), o, lvl, kv, &ts0);

	CHECK(n > 0 && n < sizeof(buf) && buf[n - 1] == '\n');
	buf[n] = '\0';
	return buf;
}

#define KV(...) ((const struct feed_log_kv[]){__VA_ARGS__, {.key = NULL}})

static void test_logfmt(void)
{
	struct feed_log_opts o = {FEED_LOG_DEBUG, FEED_LOG_LOGFMT, 0};

	CHECK_STR(fmt(&o, FEED_LOG_WARN,
		      KV(LOG_S("session", "binance-1"), LOG_S("venue", "binance"),
			 LOG_S("state", "backoff"), LOG_EV("reconnect"), LOG_U("attempt", 3),
			 LOG_I("delay_ms", 812), LOG_S("reason", "pong timeout"))),
		  "time=2026-12-07T02:48:10.123456Z level=warn session=binance-1 venue=binance "
		  "state=backoff event=reconnect attempt=3 delay_ms=812 reason=\"pong timeout\"\n");
	/* quotes for empty, '=', '"', '\\', controls and non-ASCII; escapes inside */
	CHECK_STR(
		fmt(&o, FEED_LOG_INFO,
		    KV(LOG_S("a", ""), LOG_S("b", "x=y"), LOG_S("c", "say \"hi\""),
		       LOG_S("d", "back\\slash"), LOG_S("e", "two\nlines\t\r"),
		       LOG_S("f", "bell\a"), LOG_S("g", NULL), LOG_I("h", -5))),
		"time=2026-12-07T02:48:10.123456Z level=info a=\"\" b=\"x=y\" c=\"say \\\"hi\\\"\" "
		"d=\"back\\\\slash\" e=\"two\\nlines\\t\\r\" f=\"bell\\x07\" g=\"\" h=-5\n");
	/* UTF-8 passes through (quoted), a bad byte is shown as \xNN */
	CHECK_STR(fmt(&o, FEED_LOG_ERROR, KV(LOG_S("s", "caf\xc3\xa9"), LOG_S("t", "a\xff"))),
		  "time=2026-12-07T02:48:10.123456Z level=error s=\"caf\xc3\xa9\" t=\"a\\xff\"\n");
}

static void test_json(void)
{
	struct feed_log_opts o = {FEED_LOG_DEBUG, FEED_LOG_JSON, 0};

	CHECK_STR(
		fmt(&o, FEED_LOG_WARN,
		    KV(LOG_S("session", "b-1"), LOG_EV("reconnect"), LOG_U("attempt", 3),
		       LOG_I("delay_ms", -1), LOG_S("reason", "pong \"timeout\"\\\n\x01"),
		       LOG_S("u", "\xe2\x82\xac"), LOG_S("bad", "\xc3("))),
		"{\"time\":\"2026-12-07T02:48:10.123456Z\",\"level\":\"warn\",\"session\":\"b-1\","
		"\"event\":\"reconnect\",\"attempt\":3,\"delay_ms\":-1,"
		"\"reason\":\"pong \\\"timeout\\\"\\\\\\n\\u0001\",\"u\":\"\xe2\x82\xac\","
		"\"bad\":\"\\ufffd(\"}\n");
}

static void test_journal(void)
{
	struct feed_log_opts o = {FEED_LOG_DEBUG, FEED_LOG_LOGFMT, 1};
	static const char *const want[] = {"<3>level=error x=1\n", "<4>level=warn x=1\n",
					   "<6>level=info x=1\n", "<7>level=debug x=1\n"};

	for (int l = FEED_LOG_ERROR; l <= FEED_LOG_DEBUG; l++)
		CHECK_STR(fmt(&o, (enum feed_log_level)l, KV(LOG_I("x", 1))), want[l]);
	o.format = FEED_LOG_JSON;
	CHECK_STR(fmt(&o, FEED_LOG_WARN, KV(LOG_I("x", 1))), "<4>{\"level\":\"warn\",\"x\":1}\n");
	/* the environment decides, as journald's JOURNAL_STREAM says */
	setenv("JOURNAL_STREAM", "8:1234", 1);
	feed_log_setup(FEED_LOG_INFO, FEED_LOG_LOGFMT);
	CHECK_EQ_INT(feed_log_options()->journal, 1);
	unsetenv("JOURNAL_STREAM");
	feed_log_setup(FEED_LOG_INFO, FEED_LOG_LOGFMT);
	CHECK_EQ_INT(feed_log_options()->journal, 0);
}

static void test_cut(void)
{
	struct feed_log_opts o = {FEED_LOG_DEBUG, FEED_LOG_LOGFMT, 0};
	char big[3000], buf[256];
	size_t n;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = feed_log_format_line(buf, sizeof(buf), &o, FEED_LOG_INFO, KV(LOG_S("v", big)), &ts0);
	CHECK(n < sizeof(buf));
	CHECK(n > 200 && memcmp(buf + n - 4, "...\n", 4) == 0);
	o.format = FEED_LOG_JSON;
	n = feed_log_format_line(buf, sizeof(buf), &o, FEED_LOG_INFO, KV(LOG_S("v", big)), &ts0);
	CHECK(n < sizeof(buf));
	CHECK(n > 200 && memcmp(buf + n - 6, "...\"}\n", 6) == 0);
}

static void test_levels(void)
{
	CHECK_EQ_INT(feed_log_level_parse("error"), FEED_LOG_ERROR);
	CHECK_EQ_INT(feed_log_level_parse("warn"), FEED_LOG_WARN);
	CHECK_EQ_INT(feed_log_level_parse("info"), FEED_LOG_INFO);
	CHECK_EQ_INT(feed_log_level_parse("debug"), FEED_LOG_DEBUG);
	CHECK_EQ_INT(feed_log_level_parse("verbose"), -EINVAL);
	CHECK_STR(feed_log_level_name(FEED_LOG_WARN), "warn");
	feed_log_setup(FEED_LOG_WARN, FEED_LOG_LOGFMT);
	CHECK(feed_log_enabled(FEED_LOG_ERROR) && feed_log_enabled(FEED_LOG_WARN));
	CHECK(!feed_log_enabled(FEED_LOG_INFO) && !feed_log_enabled(FEED_LOG_DEBUG));
}

/* Lines really leave on stderr, one per call, filtered by level. */
static void test_stderr(void)
{
	char out[4096];
	int p[2] = {-1, -1}, saved = dup(STDERR_FILENO);
	ssize_t n;

	if (saved < 0 || pipe(p) != 0) {
		CHECK(!"dup or pipe failed");
		return;
	}
	dup2(p[1], STDERR_FILENO);
	feed_log_setup(FEED_LOG_WARN, FEED_LOG_LOGFMT);
	feed_log(FEED_LOG_INFO, LOG_EV("hidden"));
	feed_log(FEED_LOG_WARN, LOG_EV("shown"), LOG_S("reason", "a b"));
	feed_log(FEED_LOG_DEBUG, LOG_EV("hidden"));
	feed_log_setup(FEED_LOG_DEBUG, FEED_LOG_JSON);
	feed_log(FEED_LOG_DEBUG, LOG_EV("also"));
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	CHECK(n > 0);
	out[n > 0 ? n : 0] = '\0';
	CHECK(strstr(out, "hidden") == NULL);
	CHECK(strstr(out, " level=warn event=shown reason=\"a b\"\n") != NULL);
	CHECK(strstr(out, ",\"level\":\"debug\",\"event\":\"also\"}\n") != NULL);
	CHECK(strncmp(out, "time=20", 7) == 0);
}

int main(void)
{
	test_logfmt();
	test_json();
	test_journal();
	test_cut();
	test_levels();
	test_stderr();
	return feed_test_done("feed_log");
}
