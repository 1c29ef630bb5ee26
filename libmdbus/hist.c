/* SPDX-License-Identifier: MIT */
/*
 * hist.c: the log-linear latency histograms of the health region (layout
 * and bucket index in include/mdbus_health.h): bucket edges, quantiles,
 * halving, the names of the hops and timestamp sources, and a consumer's
 * own hop (mdbus_tick_age_ns). No allocation, no syscall.
 */
#include <errno.h>
#include <time.h>

#include "mdbus.h"

uint64_t mdbus_hist_bucket_low(uint32_t i)
{
	uint32_t e, sub;

	if (i >= MDBUS_HIST_BUCKETS)
		return 0;
	if (i < 8)
		return i;
	e = MDBUS_HIST_SUB_BITS + ((i - 4) >> MDBUS_HIST_SUB_BITS);
	sub = (i - 4) & 3u;
	return (uint64_t)(4u + sub) << (e - MDBUS_HIST_SUB_BITS);
}

uint64_t mdbus_hist_bucket_high(uint32_t i)
{
	if (i >= MDBUS_HIST_BUCKETS)
		return 0;
	if (i < 8)
		return (uint64_t)i + 1;
	/* width 2^(e - SUB_BITS), e = SUB_BITS + (i - 4) / 4 */
	return mdbus_hist_bucket_low(i) + ((uint64_t)1 << ((i - 4) >> MDBUS_HIST_SUB_BITS));
}

int64_t mdbus_hist_quantile(const struct mdbus_health_hist *h, double q)
{
	uint64_t total = 0, rank, seen = 0, mid;
	uint32_t i;

	if (!h || !(q > 0.0))
		return -EINVAL;
	for (i = 0; i < MDBUS_HIST_BUCKETS; i++)
		total += h->bucket[i];
	if (total == 0)
		return -ENODATA;
	if (q >= 1.0)
		return (int64_t)h->max;
	rank = (uint64_t)(q * (double)total); /* ceil, without libm */
	if ((double)rank < q * (double)total || rank == 0)
		rank++;
	for (i = 0; i < MDBUS_HIST_BUCKETS - 1; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	if (i == MDBUS_HIST_BUCKETS - 1)
		return (int64_t)h->max; /* the overflow bucket: no upper edge */
	mid = mdbus_hist_bucket_low(i) + (mdbus_hist_bucket_high(i) - mdbus_hist_bucket_low(i)) / 2;
	return (int64_t)(mid < h->max ? mid : h->max);
}

void mdbus_hist_halve(struct mdbus_health_hist *h)
{
	for (uint32_t i = 0; i < MDBUS_HIST_BUCKETS; i++)
		h->bucket[i] = (h->bucket[i] + 1) / 2;
}

static const char *const hist_hop_names[MDBUS_HOP__COUNT] = {
	"exch_kernel",
	"kernel_decrypt",
	"decrypt_publish",
	"msgs_per_iter",
};
static const char *const hist_ts_names[] = {"none", "kernel", "user", "mixed"};

const char *mdbus_health_hop_name(uint32_t hop)
{
	return hop < MDBUS_HOP__COUNT ? hist_hop_names[hop] : "unknown";
}

const char *mdbus_health_ts_source_name(uint32_t src)
{
	return src < sizeof(hist_ts_names) / sizeof(hist_ts_names[0]) ? hist_ts_names[src]
								      : "unknown";
}

int64_t mdbus_tick_age_ns(const struct mdbus_tick *t)
{
	struct timespec ts;

	if (!t->recv_ts)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - t->recv_ts;
}
