/*
 * encoding_bench.c — throughput of the core encodings (PLAIN, TS_2DIFF,
 * RLE, GORILLA, ZIGZAG, DICTIONARY) on synthetic IoT data.
 *
 * Each data set has 2^20 points, cut into pages of 10 000 points (Java's
 * default page size); a run encodes every page (encode_stream) or decodes
 * every page into one column (decode_stream).  Each figure is the best of
 * several runs.  Printed per data set and encoding: bytes per point,
 * encode and decode throughput in millions of points per second.
 *
 *   make BUILD=build/rel build/rel/bench/encoding_bench && build/rel/bench/encoding_bench
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "tsfile/tsfile_int.h"

#define POINTS (1u << 20)
#define PAGE 10000u
#define RUNS 7

typedef struct dataset {
	const char *name;
	tsfile_type_t type;
	const tsfile_encoding_t *encodings; /* terminated by -1 */
	void *values;
} dataset_t;

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Values rounded to two decimals, as sensors report them. */
static double cents(double x)
{
	return round(x * 100.0) / 100.0;
}

static void *make_values(const char *name, tsfile_type_t type)
{
	static const char *const states[] = {"RUNNING", "IDLE", "OFF", "FAULT", "MAINTENANCE"};
	void *v = mem_alloc((size_t)POINTS * col_elem_size(type));
	if (!v)
		return NULL;
	double walk = 20.0;
	int64_t counter = 0;
	size_t state = 0;
	for (size_t i = 0; i < POINTS; i++) {
		if (!strcmp(name, "timestamps")) {
			((int64_t *)v)[i] = 1700000000000ll + 1000 * (int64_t)i;
		} else if (!strcmp(name, "sine")) {
			((double *)v)[i] = cents(20.0 + 5.0 * sin((double)i / 300.0));
		} else if (!strcmp(name, "random walk")) {
			walk += (double)(int)(rng() % 21 - 10) / 100.0;
			((double *)v)[i] = cents(walk);
		} else if (!strcmp(name, "constant")) {
			((double *)v)[i] = 42.0;
		} else if (!strcmp(name, "step")) {
			((int32_t *)v)[i] = (int32_t)(i / 1000 % 17) * 100;
		} else if (!strcmp(name, "counter")) {
			counter += (int64_t)(rng() % 11);
			((int64_t *)v)[i] = counter;
		} else if (!strcmp(name, "switch")) {
			((uint8_t *)v)[i] = (uint8_t)(i / 500 % 2);
		} else { /* text: few distinct values, in runs */
			if (rng() % 50 == 0)
				state = rng() % 5;
			tsfile_bytes_t *b = (tsfile_bytes_t *)v + i;
			b->ptr = states[state];
			b->len = (uint32_t)strlen(states[state]);
		}
	}
	return v;
}

/* Encode and decode one data set with one encoding; print a line. */
static int bench_one(const dataset_t *d, tsfile_encoding_t enc)
{
	size_t pages = (POINTS + PAGE - 1) / PAGE, es = col_elem_size(d->type);
	size_t *offs = mem_alloc((pages + 1) * sizeof *offs);
	buf_t s = BUF_INIT;
	col_t out;
	larch_error_t err = {0};
	enc_params_t params = {2};
	double best_enc = 1e30, best_dec = 1e30;
	int rc = offs ? LARCH_OK : LARCH_NO_MEMORY;
	col_init(&out, d->type);
	for (int run = 0; run < RUNS && rc == LARCH_OK; run++) {
		buf_reset(&s);
		double t0 = now();
		for (size_t p = 0; p < pages && rc == LARCH_OK; p++) {
			size_t first = p * PAGE, n = LR_MIN(PAGE, POINTS - first);
			offs[p] = s.len;
			rc = encode_stream(enc, d->type, &params, (const uint8_t *)d->values + first * es,
					   n, &s, &err);
		}
		offs[pages] = s.len;
		best_enc = LR_MIN(best_enc, now() - t0);
	}
	for (int run = 0; run < RUNS && rc == LARCH_OK; run++) {
		col_clear(&out);
		double t0 = now();
		for (size_t p = 0; p < pages && rc == LARCH_OK; p++)
			rc = decode_stream(enc, d->type, s.data + offs[p], offs[p + 1] - offs[p], PAGE,
					   &out, &err);
		best_dec = LR_MIN(best_dec, now() - t0);
		if (rc == LARCH_OK && out.n != POINTS)
			rc = err_set(&err, LARCH_INTERNAL_ERROR, "decoded %zu of %u points", out.n,
				     POINTS);
	}
	if (rc == LARCH_OK)
		printf("%-12s %-9s %-10s %8.3f %10.1f %10.1f\n", d->name, tsfile_type_name(d->type),
		       tsfile_encoding_name(enc), (double)s.len / POINTS, POINTS / best_enc / 1e6,
		       POINTS / best_dec / 1e6);
	else
		fprintf(stderr, "%s %s: %s\n", d->name, tsfile_encoding_name(enc), err.msg);
	col_free(&out);
	buf_free(&s);
	mem_free(offs);
	return rc;
}

int main(void)
{
	static const tsfile_encoding_t ints[] = {TSFILE_TS_2DIFF, TSFILE_GORILLA, TSFILE_RLE,
						 TSFILE_ZIGZAG, TSFILE_PLAIN, -1};
	static const tsfile_encoding_t floats[] = {TSFILE_GORILLA, TSFILE_TS_2DIFF, TSFILE_RLE,
						   TSFILE_PLAIN, -1};
	static const tsfile_encoding_t bools[] = {TSFILE_RLE, TSFILE_PLAIN, -1};
	static const tsfile_encoding_t texts[] = {TSFILE_DICTIONARY, TSFILE_PLAIN, -1};
	dataset_t sets[] = {
		{"timestamps", TSFILE_INT64, ints, NULL},   {"sine", TSFILE_DOUBLE, floats, NULL},
		{"random walk", TSFILE_DOUBLE, floats, NULL}, {"constant", TSFILE_DOUBLE, floats, NULL},
		{"step", TSFILE_INT32, ints, NULL},         {"counter", TSFILE_INT64, ints, NULL},
		{"switch", TSFILE_BOOLEAN, bools, NULL},    {"text", TSFILE_STRING, texts, NULL},
	};
	int rc = 0;
	printf("%u points, pages of %u, best of %d runs (lossy float forms keep 2 decimals)\n",
	       POINTS, PAGE, RUNS);
	printf("%-12s %-9s %-10s %8s %10s %10s\n", "data", "type", "encoding", "B/point",
	       "enc Mpt/s", "dec Mpt/s");
	for (size_t i = 0; i < LR_ARRAY_LEN(sets); i++) {
		sets[i].values = make_values(sets[i].name, sets[i].type);
		if (!sets[i].values)
			return 1;
		for (const tsfile_encoding_t *e = sets[i].encodings; (int)*e >= 0; e++)
			rc |= bench_one(&sets[i], *e);
		mem_free(sets[i].values);
	}
	return rc ? 1 : 0;
}
