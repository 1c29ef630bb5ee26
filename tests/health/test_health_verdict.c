/* SPDX-License-Identifier: MIT */
/* test_health_verdict: cases for the pure verdict function and the names. */
#include <stdio.h>
#include <string.h>

#include "mdbus.h"

#define SEC 1000000000LL

static int failures;

static void expect(const char *what, const struct mdbus_health_session *s, int64_t now, int want,
		   const char *want_reason)
{
	char reason[MDBUS_HEALTH_TEXT_MAX];
	int v = mdbus_health_session_verdict(s, now, reason, sizeof(reason));

	if (v != want || (want_reason && !strstr(reason, want_reason))) {
		fprintf(stderr, "FAIL %s: verdict %s (%s), want %s (%s)\n", what,
			mdbus_health_verdict_name((uint32_t)v), reason,
			mdbus_health_verdict_name((uint32_t)want), want_reason ? want_reason : "");
		failures++;
	}
}

static void base(struct mdbus_health_session *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->name, "binance-spot");
	s->state = MDBUS_HEALTH_ST_LIVE;
	s->state_since_ns = 100 * SEC;
	s->last_msg_ns = 110 * SEC;
	s->stale_timeout_ms = 5000;
	s->streams = 4;
	s->subscriptions = 4;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	struct mdbus_health_session s;

	base(&s);
	expect("live fresh", &s, 111 * SEC, MDBUS_HEALTH_HEALTHY, "live");
	expect("live at the limit", &s, 115 * SEC, MDBUS_HEALTH_HEALTHY, "live");
	expect("live old message", &s, 116 * SEC, MDBUS_HEALTH_DEGRADED, "no message for 6.0 s");

	base(&s);
	s.last_msg_ns = 0;
	expect("live no message yet", &s, 102 * SEC, MDBUS_HEALTH_HEALTHY, NULL);
	expect("live never a message", &s, 106 * SEC, MDBUS_HEALTH_DEGRADED, "no message");

	base(&s);
	s.stale_timeout_ms = 0; /* default 30 s */
	expect("default stale ok", &s, 139 * SEC, MDBUS_HEALTH_HEALTHY, NULL);
	expect("default stale hit", &s, 141 * SEC, MDBUS_HEALTH_DEGRADED, NULL);

	base(&s);
	s.subscriptions = 2;
	expect("partial subscription", &s, 111 * SEC, MDBUS_HEALTH_DEGRADED, "2/4 streams");

	base(&s);
	s.state = MDBUS_HEALTH_ST_STALE;
	expect("stale", &s, 120 * SEC, MDBUS_HEALTH_DEGRADED, "stale: no message for 10.0 s");

	base(&s);
	s.state = MDBUS_HEALTH_ST_BACKOFF;
	s.last_error_class = MDBUS_HEALTH_ERR_TLS;
	strcpy(s.last_error, "certificate verify failed");
	s.next_reconnect_ns = 125 * SEC;
	expect("backoff", &s, 120 * SEC, MDBUS_HEALTH_DOWN,
	       "backoff after tls: certificate verify failed, retry in 5.0 s");
	s.next_reconnect_ns = 0;
	expect("backoff no time", &s, 120 * SEC, MDBUS_HEALTH_DOWN, "retry in 0.0 s");

	base(&s);
	s.state = MDBUS_HEALTH_ST_FAILED;
	s.last_error_class = MDBUS_HEALTH_ERR_DNS;
	strcpy(s.last_error, "no such host");
	expect("failed", &s, 120 * SEC, MDBUS_HEALTH_DOWN, "failed after dns: no such host");

	base(&s);
	s.state = MDBUS_HEALTH_ST_STOPPED;
	s.last_error_class = MDBUS_HEALTH_ERR_SHUTDOWN;
	expect("stopped", &s, 120 * SEC, MDBUS_HEALTH_DOWN, "stopped");

	for (uint32_t st = 0; st < MDBUS_HEALTH_ST__COUNT; st++) {
		if (st == MDBUS_HEALTH_ST_LIVE || st == MDBUS_HEALTH_ST_STALE)
			continue;
		base(&s);
		s.state = st;
		expect(mdbus_health_state_name(st), &s, 111 * SEC, MDBUS_HEALTH_DOWN,
		       st == MDBUS_HEALTH_ST_BACKOFF ? "backoff" : mdbus_health_state_name(st));
	}
	base(&s);
	s.state = 99;
	expect("bad state", &s, 111 * SEC, MDBUS_HEALTH_DOWN, "unknown state 99");

	/* Unterminated error text from a hostile writer must stay bounded. */
	base(&s);
	s.state = MDBUS_HEALTH_ST_CONNECTING;
	s.last_error_class = MDBUS_HEALTH_ERR_TCP;
	memset(s.last_error, 'x', sizeof(s.last_error));
	expect("unterminated text", &s, 111 * SEC, MDBUS_HEALTH_DOWN, "connecting after tcp: xxx");

	/* NULL reason buffer is allowed. */
	base(&s);
	if (mdbus_health_session_verdict(&s, 111 * SEC, NULL, 0) != MDBUS_HEALTH_HEALTHY) {
		fprintf(stderr, "FAIL NULL reason\n");
		failures++;
	}

	/* Names mirror feedd's enums. */
	const char *names[] = {"disconnected", "resolving",   "connecting", "tls_handshake",
			       "ws_handshake", "subscribing", "live",	    "stale",
			       "closing",      "backoff",     "failed",	    "stopped"};
	for (uint32_t i = 0; i < MDBUS_HEALTH_ST__COUNT; i++)
		if (strcmp(mdbus_health_state_name(i), names[i]) != 0) {
			fprintf(stderr, "FAIL state name %u\n", i);
			failures++;
		}
	if (strcmp(mdbus_health_err_name(MDBUS_HEALTH_ERR_SERVER_CLOSE), "server_close") != 0 ||
	    strcmp(mdbus_health_err_name(1000), "unknown") != 0 ||
	    strcmp(mdbus_health_instr_status_name(MDBUS_HEALTH_INSTR_GAP), "gap") != 0 ||
	    strcmp(mdbus_health_verdict_name(MDBUS_HEALTH_DEGRADED), "degraded") != 0 ||
	    strcmp(mdbus_health_feed_state_name(MDBUS_HEALTH_FEED_STOPPING), "stopping") != 0) {
		fprintf(stderr, "FAIL names\n");
		failures++;
	}
	if (failures)
		return 1;
	printf("verdict: all cases pass\n");
	return 0;
}
