/*
 * hist.c — larch-bench's latency histogram: fixed log-linear buckets over
 * nanoseconds, so recording is a few instructions and memory does not grow
 * with the run.
 *
 * Bucket of a value v:
 *
 *   v < 64                     bucket v (exact)
 *   v >= 64, e = msb(v) - 5    bucket e * 32 + (v >> e)   (v >> e in 32..63)
 *
 * so each power of two above 63 is split into 32 equal buckets and the
 * buckets are contiguous (e = 1 starts at 64).
 */
#include <string.h>
#include <time.h>

#include "bench_int.h"

#define SUB (1u << HIST_SUB_BITS)

static size_t bucket_of(uint64_t v)
{
	if (v < 2 * SUB)
		return (size_t)v;
	unsigned e = (unsigned)(63 - __builtin_clzll(v)) - HIST_SUB_BITS;
	return (size_t)e * SUB + (size_t)(v >> e);
}

/* The middle of bucket b's value range. */
static uint64_t bucket_mid(size_t b)
{
	if (b < 2 * SUB)
		return b;
	unsigned e = (unsigned)(b / SUB) - 1;
	uint64_t low = (uint64_t)(b - (size_t)e * SUB) << e;
	return low + (((uint64_t)1 << e) >> 1);
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hist_init(hist_t *h)
{
	memset(h, 0, sizeof *h);
	h->min_ns = UINT64_MAX;
}

void hist_add(hist_t *h, uint64_t ns)
{
	h->count++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->buckets[bucket_of(ns)]++;
}

void hist_merge(hist_t *dst, const hist_t *src)
{
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

uint64_t hist_quantile(const hist_t *h, double q)
{
	if (h->count == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	uint64_t seen = 0;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			uint64_t v = bucket_mid(b);
			return v < h->min_ns ? h->min_ns : v > h->max_ns ? h->max_ns : v;
		}
	}
	return h->max_ns;
}
