/* SPDX-License-Identifier: MIT */
/* top_lat.c: mdbus-top's Latency pane: per session, where its receive
 * stamps come from and p50/p99 of each hop (enum mdbus_health_hop), from
 * the health region's histograms (mdbus_hist_quantile). */
#include <inttypes.h>
#include <stdio.h>

#include "top_rows.h"

/* "850ns", "12.3us", "4.5ms", "1.20s"; "-" for an empty histogram. */
static const char *top_fmt_ns(char *buf, size_t len, int64_t ns)
{
	if (ns < 0)
		snprintf(buf, len, "-");
	else if (ns < 1000)
		snprintf(buf, len, "%" PRId64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	return buf;
}

/* "p50/p99" of one histogram into buf (msgs: plain counts, not times). */
static const char *top_lat_cell(char *buf, size_t len, const struct mdbus_health_hist *h, int msgs)
{
	char a[16], b[16];
	int64_t p50 = mdbus_hist_quantile(h, 0.5), p99 = mdbus_hist_quantile(h, 0.99);

	if (p50 < 0) {
		snprintf(buf, len, "-");
	} else if (msgs) {
		snprintf(buf, len, "%" PRId64 "/%" PRId64, p50, p99);
	} else {
		top_fmt_ns(a, sizeof(a), p50);
		top_fmt_ns(b, sizeof(b), p99);
		snprintf(buf, len, "%s/%s", a, b);
	}
	return buf;
}

void top_lat_heading(char *buf, size_t len)
{
	snprintf(buf, len, "%-16s %-6s %17s %17s %17s %9s %6s", "SESSION", "STAMPS", "EXCH>KERN",
		 "KERN>DECRYPT", "DECRYPT>PUB", "MSG/ITER", "EARLY");
}

void top_lat_row(const struct top_session *t, char *buf, size_t len)
{
	const struct mdbus_health_session *h = &t->h;
	char c[MDBUS_HOP__COUNT][40];

	for (uint32_t k = 0; k < MDBUS_HOP__COUNT; k++)
		top_lat_cell(c[k], sizeof(c[k]), &h->hop[k], k == MDBUS_HOP_MSGS_PER_ITER);
	snprintf(buf, len, "%-16.16s %-6s %17s %17s %17s %9s %6llu", h->name,
		 mdbus_health_ts_source_name(h->ts_source), c[MDBUS_HOP_EXCH_KERNEL],
		 c[MDBUS_HOP_KERNEL_DECRYPT], c[MDBUS_HOP_DECRYPT_PUBLISH],
		 c[MDBUS_HOP_MSGS_PER_ITER], (unsigned long long)h->exch_early);
}

void top_lat_loop(const struct top_snap *s, char *buf, size_t len)
{
	char c[40], m[16];

	snprintf(buf, len, "loop iteration p50/p99 %s (max %s)",
		 top_lat_cell(c, sizeof(c), &s->feed.loop_ns, 0),
		 top_fmt_ns(m, sizeof(m),
			    s->feed.loop_ns.count ? (int64_t)s->feed.loop_ns.max : -1));
}
