/* SPDX-License-Identifier: MIT */
/* errclass.c - names of the connection error classes (see errclass.h). */
#include "errclass.h"

static const char *const feed_err_class_names[FEED_ERR__COUNT] = {
	[FEED_ERR_NONE] = "none",
	[FEED_ERR_DNS] = "dns",
	[FEED_ERR_TCP] = "tcp",
	[FEED_ERR_TLS] = "tls",
	[FEED_ERR_HTTP] = "http",
	[FEED_ERR_WS] = "ws",
	[FEED_ERR_PROTOCOL] = "protocol",
	[FEED_ERR_STALE] = "stale",
	[FEED_ERR_SERVER_CLOSE] = "server_close",
	[FEED_ERR_PONG] = "pong",
	[FEED_ERR_TIMEOUT] = "timeout",
	[FEED_ERR_LIFETIME] = "lifetime",
	[FEED_ERR_SHUTDOWN] = "shutdown",
	[FEED_ERR_INTERNAL] = "internal",
};

const char *feed_err_class_name(enum feed_err_class cls)
{
	if ((unsigned)cls >= FEED_ERR__COUNT || !feed_err_class_names[cls])
		return "unknown";
	return feed_err_class_names[cls];
}
