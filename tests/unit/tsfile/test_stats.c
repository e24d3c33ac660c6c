/* Unit tests for src/tsfile/stats.c: statistics update, merge, copy and
 * their on-disk form. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "tsfile/tsfile_int.h"
#include "../helpers/hex.h"

/* stats_write(st) must give exactly the bytes of `hex`. */
static void assert_written(const stats_t *st, const char *hex)
{
	size_t n;
	uint8_t *expect = hex_decode(hex, &n);
	buf_t out = BUF_INIT;
	stats_write(st, &out);
	assert_true(buf_ok(&out));
	if (out.len != n || memcmp(out.data, expect, n) != 0) {
		fprintf(stderr, "written:  ");
		for (size_t i = 0; i < out.len; i++)
			fprintf(stderr, "%02x", out.data[i]);
		fprintf(stderr, "\nexpected: %s\n", hex);
		fail();
	}
	buf_free(&out);
	mem_free(expect);
}

/* Parse `hex` as statistics of `type`, expecting it to use every byte. */
static void read_hex(const char *hex, tsfile_type_t type, stats_t *st)
{
	size_t n;
	uint8_t *bytes = hex_decode(hex, &n);
	rd_t r;
	rd_init(&r, bytes, n, 0);
	larch_error_t err = {0};
	assert_int_equal(stats_read(&r, type, st, &err), LARCH_OK);
	assert_int_equal(rd_left(&r), 0);
	mem_free(bytes);
}

static tsfile_bytes_t B(const char *s)
{
	tsfile_bytes_t b = {s, (uint32_t)strlen(s)};
	return b;
}

static void assert_bytes(const tsfile_value_t *v, const char *s)
{
	assert_false(v->is_null);
	assert_int_equal(v->v.bytes.len, strlen(s));
	assert_memory_equal(v->v.bytes.ptr, s, strlen(s));
}

static const int64_t T3[] = {1000, 1010, 1020};

/*---------------------------------------------------------------------------
 * Official bytes: the tsfile 2.5 Python wheel (C++ writer) wrote one series
 * per type, values below at times 1000, 1010, 1020, PLAIN, UNCOMPRESSED;
 * each hex string is that series' TimeseriesMetadata statistics, cut out of
 * the file (the INT32 and DOUBLE ones are also the reference §13 fixture's
 * s1 = [1,2,3] and s2 = [1.5,2.5,2.5]).
 *---------------------------------------------------------------------------*/

#define PREFIX3 "03" "00000000000003e8" "00000000000003fc"

static const char fx_int32[] = PREFIX3 "00000001" "00000003" "00000001" "00000003"
				     "0000000000000006";
static const char fx_double[] = PREFIX3 "3ff8000000000000" "4004000000000000"
				      "3ff8000000000000" "4004000000000000" "401a000000000000";
static const char off_bool[] = PREFIX3 "01" "01" "0000000000000002";
static const char off_int32[] = PREFIX3 "fffffffd" "00000007" "00000007" "00000005"
				      "0000000000000009";
static const char off_int64[] = PREFIX3 "fffffffffffffffb" "000000000000000a"
				      "fffffffffffffffb" "0000000000000007" "4028000000000000";
static const char off_float[] = PREFIX3 "bfa00000" "40400000" "3f000000" "40400000"
				      "4002000000000000";
static const char off_text[] = PREFIX3 "00000001" "62" "00000003" "616263";
static const char off_string[] = PREFIX3 "00000001" "62" "00000003" "61c3bf" "00000002" "6162"
				       "00000001" "62";
static const char off_date[] = PREFIX3 "0134b421" "0134d765" "0134d703" "0134d765"
				     "00000000039e6289";
static const char off_timestamp[] = PREFIX3 "0000000000000005" "0000018bcfe56801"
					  "0000018bcfe56800" "0000018bcfe56801"
					  "4288bcfe56803000";
static const char off_blob[] = PREFIX3;

static void test_fixture_int32_double(void **state)
{
	(void)state;
	stats_t st;
	const int32_t iv[] = {1, 2, 3};
	stats_init(&st, TSFILE_INT32);
	assert_int_equal(stats_update(&st, T3, iv, 3), LARCH_OK);
	assert_written(&st, fx_int32);
	stats_free(&st);

	const double dv[] = {1.5, 2.5, 2.5};
	stats_init(&st, TSFILE_DOUBLE);
	assert_int_equal(stats_update(&st, T3, dv, 3), LARCH_OK);
	assert_written(&st, fx_double);
	assert_true(st.s.min.v.d == 1.5 && st.s.max.v.d == 2.5 && st.s.sum == 6.5);
	stats_free(&st);
}

static void test_official_every_type(void **state)
{
	(void)state;
	const uint8_t bv[] = {1, 0, 1};
	const int32_t iv[] = {7, -3, 5};
	const int64_t lv[] = {-5, 10, 7};
	const float fv[] = {0.5f, -1.25f, 3.0f};
	const tsfile_bytes_t tv[] = {B("b"), B(""), B("abc")};
	const tsfile_bytes_t sv[] = {B("b"), B("ab"), B("a\xc3\xbf")};
	const int32_t dv[] = {20240131, 20231201, 20240229};
	const int64_t tsv[] = {1700000000000, 5, 1700000000001};
	const tsfile_bytes_t blv[] = {{"\x00\x01", 2}, B(""), B("\xff")};
	const struct {
		tsfile_type_t type;
		const void *values;
		const char *hex;
	} cases[] = {
		{TSFILE_BOOLEAN, bv, off_bool},      {TSFILE_INT32, iv, off_int32},
		{TSFILE_INT64, lv, off_int64},       {TSFILE_FLOAT, fv, off_float},
		{TSFILE_TEXT, tv, off_text},         {TSFILE_STRING, sv, off_string},
		{TSFILE_DATE, dv, off_date},         {TSFILE_TIMESTAMP, tsv, off_timestamp},
		{TSFILE_BLOB, blv, off_blob},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		stats_t st, back;
		stats_init(&st, cases[i].type);
		assert_int_equal(stats_update(&st, T3, cases[i].values, 3), LARCH_OK);
		assert_written(&st, cases[i].hex);
		/* and the official bytes read back and re-serialize unchanged */
		read_hex(cases[i].hex, cases[i].type, &back);
		assert_written(&back, cases[i].hex);
		assert_int_equal(back.s.count, 3);
		assert_int_equal(back.s.start_time, 1000);
		assert_int_equal(back.s.end_time, 1020);
		stats_free(&back);
		stats_free(&st);
	}
}

/* Hand-computed fields and the is_null convention of the public struct. */
static void test_fields_by_type(void **state)
{
	(void)state;
	stats_t st;
	read_hex(off_bool, TSFILE_BOOLEAN, &st);
	assert_true(st.s.first.v.b && st.s.last.v.b);
	assert_true(st.s.sum == 2.0);
	assert_true(st.s.min.is_null && st.s.max.is_null);
	assert_false(st.s.first.is_null || st.s.last.is_null);
	stats_free(&st);

	read_hex(off_int32, TSFILE_INT32, &st);
	assert_int_equal(st.s.min.v.i32, -3);
	assert_int_equal(st.s.max.v.i32, 7);
	assert_int_equal(st.s.first.v.i32, 7);
	assert_int_equal(st.s.last.v.i32, 5);
	assert_int_equal(st.isum, 9);
	assert_true(st.s.sum == 9.0);
	assert_int_equal(st.s.min.type, TSFILE_INT32);
	stats_free(&st);

	read_hex(off_float, TSFILE_FLOAT, &st);
	assert_true(st.s.min.v.f == -1.25f && st.s.max.v.f == 3.0f);
	assert_true(st.s.first.v.f == 0.5f && st.s.last.v.f == 3.0f);
	assert_true(st.s.sum == 2.25);
	stats_free(&st);

	read_hex(off_string, TSFILE_STRING, &st);
	assert_bytes(&st.s.first, "b");
	assert_bytes(&st.s.last, "a\xc3\xbf");
	assert_bytes(&st.s.min, "ab");
	assert_bytes(&st.s.max, "b");
	stats_free(&st);

	read_hex(off_text, TSFILE_TEXT, &st);
	assert_bytes(&st.s.first, "b");
	assert_bytes(&st.s.last, "abc");
	assert_true(st.s.min.is_null && st.s.max.is_null);
	stats_free(&st);

	read_hex(off_blob, TSFILE_BLOB, &st);
	assert_true(st.s.first.is_null && st.s.min.is_null);
	stats_free(&st);

	/* VECTOR: time only, values may be NULL */
	const int64_t t[] = {30, 10, 20};
	stats_init(&st, TSFILE_VECTOR);
	assert_int_equal(stats_update(&st, t, NULL, 3), LARCH_OK);
	assert_written(&st, "03" "000000000000000a" "000000000000001e");
	assert_true(st.s.first.is_null && st.s.last.is_null);
	stats_free(&st);
}

/* Empty statistics carry Java's initial values: start INT64_MAX, end
 * INT64_MIN, zero fields, empty strings. */
static void test_empty(void **state)
{
	(void)state;
	stats_t st;
	stats_init(&st, TSFILE_INT32);
	assert_written(&st, "00" "7fffffffffffffff" "8000000000000000"
			    "00000000000000000000000000000000" "0000000000000000");
	assert_true(st.s.min.is_null && st.s.first.is_null);
	assert_int_equal(stats_update(&st, T3, NULL, 0), LARCH_OK);
	assert_int_equal(st.s.count, 0);
	stats_free(&st);
	stats_init(&st, TSFILE_STRING);
	assert_written(&st, "00" "7fffffffffffffff" "8000000000000000"
			    "00000000" "00000000" "00000000" "00000000");
	stats_free(&st);
}

/*---------------------------------------------------------------------------
 * Update order and ties
 *---------------------------------------------------------------------------*/

static void test_out_of_order(void **state)
{
	(void)state;
	const int64_t t[] = {30, 10, 20};
	const int32_t v[] = {3, 1, 2};
	stats_t st;
	stats_init(&st, TSFILE_INT32);
	assert_int_equal(stats_update(&st, t, v, 3), LARCH_OK);
	assert_int_equal(st.s.start_time, 10);
	assert_int_equal(st.s.end_time, 30);
	assert_int_equal(st.s.first.v.i32, 1);
	assert_int_equal(st.s.last.v.i32, 3);
	stats_free(&st);

	/* the same points in three updates, out of order across updates */
	stats_init(&st, TSFILE_INT32);
	assert_int_equal(stats_update(&st, t + 2, v + 2, 1), LARCH_OK); /* t=20 */
	assert_int_equal(stats_update(&st, t + 1, v + 1, 1), LARCH_OK); /* t=10 */
	assert_int_equal(stats_update(&st, t, v, 1), LARCH_OK);         /* t=30 */
	assert_int_equal(st.s.first.v.i32, 1);
	assert_int_equal(st.s.last.v.i32, 3);
	assert_int_equal(st.s.min.v.i32, 1);
	assert_int_equal(st.s.max.v.i32, 3);
	assert_int_equal(st.isum, 6);
	assert_int_equal(st.s.count, 3);
	stats_free(&st);

	/* strings: first/last by time, min/max by bytes */
	const int64_t ts[] = {5, 2, 9, 7};
	const tsfile_bytes_t sv[] = {B("m"), B("z"), B("a"), B("\x80")};
	stats_init(&st, TSFILE_STRING);
	assert_int_equal(stats_update(&st, ts, sv, 4), LARCH_OK);
	assert_bytes(&st.s.first, "z");
	assert_bytes(&st.s.last, "a");
	assert_bytes(&st.s.min, "a");
	assert_bytes(&st.s.max, "\x80"); /* unsigned: 0x80 > 'z' */
	stats_free(&st);
}

/* Equal timestamps: an update keeps the first value it saw and takes the
 * latest value as last, within one call and across calls. */
static void test_equal_times(void **state)
{
	(void)state;
	const int64_t t[] = {5, 5};
	const double v[] = {7, 8};
	stats_t st;
	stats_init(&st, TSFILE_DOUBLE);
	assert_int_equal(stats_update(&st, t, v, 2), LARCH_OK);
	assert_true(st.s.first.v.d == 7 && st.s.last.v.d == 8);
	const double nine = 9;
	assert_int_equal(stats_update(&st, t, &nine, 1), LARCH_OK);
	assert_true(st.s.first.v.d == 7 && st.s.last.v.d == 9);
	stats_free(&st);

	const tsfile_bytes_t sv[] = {B("x"), B("y")};
	stats_init(&st, TSFILE_TEXT);
	assert_int_equal(stats_update(&st, t, sv, 2), LARCH_OK);
	assert_bytes(&st.s.first, "x");
	assert_bytes(&st.s.last, "y");
	const tsfile_bytes_t w = B("w");
	assert_int_equal(stats_update(&st, t, &w, 1), LARCH_OK);
	assert_bytes(&st.s.first, "x");
	assert_bytes(&st.s.last, "w");
	stats_free(&st);
}

/* NaN follows Java's `<`/`>` comparisons: ignored by min/max unless it is
 * the first value seen; it does propagate into the sum. */
static void test_nan(void **state)
{
	(void)state;
	const int64_t t[] = {1, 2, 3};
	const double a[] = {1.0, NAN, -2.0};
	stats_t st;
	stats_init(&st, TSFILE_DOUBLE);
	assert_int_equal(stats_update(&st, t, a, 3), LARCH_OK);
	assert_true(st.s.min.v.d == -2.0 && st.s.max.v.d == 1.0);
	assert_true(isnan(st.s.sum));
	stats_free(&st);

	const float b[] = {NAN, 1.0f, -2.0f};
	stats_init(&st, TSFILE_FLOAT);
	assert_int_equal(stats_update(&st, t, b, 3), LARCH_OK);
	assert_true(isnan(st.s.min.v.f) && isnan(st.s.max.v.f));
	assert_true(st.s.last.v.f == -2.0f);
	stats_free(&st);

	/* a NaN min in merged statistics is not taken either */
	stats_t x, y;
	stats_init(&x, TSFILE_DOUBLE);
	stats_init(&y, TSFILE_DOUBLE);
	const int64_t t4 = 4;
	const double nan = NAN;
	assert_int_equal(stats_update(&x, t, a, 1), LARCH_OK);
	assert_int_equal(stats_update(&y, &t4, &nan, 1), LARCH_OK);
	assert_int_equal(stats_merge(&x, &y), LARCH_OK);
	assert_true(x.s.min.v.d == 1.0 && x.s.max.v.d == 1.0);
	assert_true(isnan(x.s.last.v.d));
	stats_free(&x);
	stats_free(&y);
}

/* A first value of -0.0 keeps its sign in the sum (Java initialises the
 * sum with the value rather than adding it to 0.0). */
static void test_negative_zero_sum(void **state)
{
	(void)state;
	const double v = -0.0;
	stats_t st;
	stats_init(&st, TSFILE_DOUBLE);
	assert_int_equal(stats_update(&st, T3, &v, 1), LARCH_OK);
	assert_written(&st, "01" "00000000000003e8" "00000000000003e8" "8000000000000000"
			    "8000000000000000" "8000000000000000" "8000000000000000"
			    "8000000000000000");
	stats_free(&st);
}

/* INT32 sums are exact 64-bit integers, also past 2^53. */
static void test_int32_sum_exact(void **state)
{
	(void)state;
	stats_t st;
	stats_init(&st, TSFILE_INT32);
	const int32_t big = INT32_MAX;
	const int64_t t0 = 0;
	assert_int_equal(stats_update(&st, &t0, &big, 1), LARCH_OK);
	for (int i = 0; i < 23; i++)
		assert_int_equal(stats_merge(&st, &st), LARCH_OK); /* doubles everything */
	const int32_t one = 1;
	const int64_t t1 = 1;
	assert_int_equal(stats_update(&st, &t1, &one, 1), LARCH_OK);
	assert_int_equal(st.s.count, (1u << 23) + 1);
	assert_int_equal(st.isum, 18014398501093377LL); /* (2^31-1) * 2^23 + 1 */
	assert_written(&st, "81808004" "0000000000000000" "0000000000000001" "00000001"
			    "7fffffff" "7fffffff" "00000001" "003fffffff800001");
	stats_free(&st);
}

/*---------------------------------------------------------------------------
 * Merge
 *---------------------------------------------------------------------------*/

/* Deterministic pseudo-random numbers (xorshift). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void assert_same_stats(const stats_t *a, const stats_t *b)
{
	buf_t x = BUF_INIT, y = BUF_INIT;
	stats_write(a, &x);
	stats_write(b, &y);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
	buf_free(&x);
	buf_free(&y);
}

/* For every type: statistics of all points equal the merge of statistics of
 * random slices, merged in random order; times are distinct and shuffled.
 * Values are small integers so that floating sums are exact in any order. */
static void test_merge_equals_whole(void **state)
{
	(void)state;
	enum { N = 500 };
	static const tsfile_type_t types[] = {TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_DATE,
					      TSFILE_INT64, TSFILE_TIMESTAMP, TSFILE_FLOAT,
					      TSFILE_DOUBLE, TSFILE_TEXT, TSFILE_STRING,
					      TSFILE_BLOB, TSFILE_VECTOR};
	static int64_t times[N];
	static uint8_t vb[N];
	static int32_t vi[N];
	static int64_t vl[N];
	static float vf[N];
	static double vd[N];
	static tsfile_bytes_t vs[N];
	static char text[N][8];
	for (int i = 0; i < N; i++)
		times[i] = i * 3;
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(rng() % (uint64_t)(i + 1));
		int64_t tmp = times[i];
		times[i] = times[j];
		times[j] = tmp;
	}
	for (int i = 0; i < N; i++) {
		int64_t r = (int64_t)(rng() % 2001) - 1000;
		vb[i] = (uint8_t)(r & 1);
		vi[i] = (int32_t)r;
		vl[i] = r * 1000003;
		vf[i] = (float)r;
		vd[i] = (double)r;
		int len = (int)(rng() % 5);
		for (int k = 0; k < len; k++)
			text[i][k] = (char)(rng() % 256);
		vs[i].ptr = text[i];
		vs[i].len = (uint32_t)len;
	}
	for (size_t ti = 0; ti < LR_ARRAY_LEN(types); ti++) {
		tsfile_type_t type = types[ti];
		const void *vals;
		switch (type) {
		case TSFILE_BOOLEAN: vals = vb; break;
		case TSFILE_INT32:
		case TSFILE_DATE: vals = vi; break;
		case TSFILE_INT64:
		case TSFILE_TIMESTAMP: vals = vl; break;
		case TSFILE_FLOAT: vals = vf; break;
		case TSFILE_DOUBLE: vals = vd; break;
		case TSFILE_VECTOR: vals = NULL; break;
		default: vals = vs; break;
		}
		size_t es = col_elem_size(type);
		stats_t whole;
		stats_init(&whole, type);
		assert_int_equal(stats_update(&whole, times, vals, N), LARCH_OK);
		assert_int_equal(whole.s.count, N);
		assert_int_equal(whole.s.start_time, 0);
		assert_int_equal(whole.s.end_time, (N - 1) * 3);

		/* slices [cut[k], cut[k+1]), merged in reverse order */
		enum { PARTS = 7 };
		size_t cut[PARTS + 1] = {0};
		for (int k = 1; k < PARTS; k++)
			cut[k] = (size_t)(rng() % N);
		cut[PARTS] = N;
		for (int k = 1; k < PARTS; k++) /* sort cuts */
			for (int j = k; j > 1 && cut[j] < cut[j - 1]; j--) {
				size_t tmp = cut[j];
				cut[j] = cut[j - 1];
				cut[j - 1] = tmp;
			}
		stats_t merged;
		stats_init(&merged, type);
		for (int k = PARTS - 1; k >= 0; k--) {
			stats_t part;
			stats_init(&part, type);
			const void *pv = vals ? (const uint8_t *)vals + cut[k] * es : NULL;
			assert_int_equal(stats_update(&part, times + cut[k], pv, cut[k + 1] - cut[k]),
					 LARCH_OK);
			assert_int_equal(stats_merge(&merged, &part), LARCH_OK);
			stats_free(&part);
		}
		assert_same_stats(&whole, &merged);
		stats_free(&merged);
		stats_free(&whole);
	}
}

/* Merge ties follow Java: from's first wins on an equal start time, from's
 * last on an equal end time. */
static void test_merge_ties_and_empty(void **state)
{
	(void)state;
	const int64_t ta[] = {10, 20}, tb[] = {10, 20};
	const int64_t va[] = {1, 2}, vb[] = {3, 4};
	stats_t a, b, e;
	stats_init(&a, TSFILE_INT64);
	stats_init(&b, TSFILE_INT64);
	stats_init(&e, TSFILE_INT64);
	assert_int_equal(stats_update(&a, ta, va, 2), LARCH_OK);
	assert_int_equal(stats_update(&b, tb, vb, 2), LARCH_OK);

	/* empty operands */
	assert_int_equal(stats_merge(&a, &e), LARCH_OK);
	assert_int_equal(a.s.count, 2);
	assert_int_equal(stats_merge(&e, &a), LARCH_OK);
	assert_same_stats(&e, &a);

	assert_int_equal(stats_merge(&a, &b), LARCH_OK);
	assert_int_equal(a.s.first.v.i64, 3);
	assert_int_equal(a.s.last.v.i64, 4);
	assert_int_equal(a.s.min.v.i64, 1);
	assert_int_equal(a.s.max.v.i64, 4);
	assert_true(a.s.sum == 10.0);
	assert_int_equal(a.s.count, 4);

	/* an earlier chunk merged later still provides first */
	const int64_t tc = 5, vc = -7;
	stats_t c;
	stats_init(&c, TSFILE_INT64);
	assert_int_equal(stats_update(&c, &tc, &vc, 1), LARCH_OK);
	assert_int_equal(stats_merge(&a, &c), LARCH_OK);
	assert_int_equal(a.s.first.v.i64, -7);
	assert_int_equal(a.s.last.v.i64, 4);
	assert_int_equal(a.s.start_time, 5);

	stats_t s;
	stats_init(&s, TSFILE_STRING);
	assert_int_equal(stats_merge(&a, &s), LARCH_DATA_TYPE_MISMATCH);
	stats_free(&s);
	stats_free(&a);
	stats_free(&b);
	stats_free(&c);
	stats_free(&e);
}

static void test_copy(void **state)
{
	(void)state;
	const int64_t t[] = {1, 2, 3};
	char buf[3][4] = {"bb", "a", "ccc"};
	tsfile_bytes_t v[3];
	for (int i = 0; i < 3; i++)
		v[i] = B(buf[i]);
	stats_t src, dst;
	stats_init(&src, TSFILE_STRING);
	assert_int_equal(stats_update(&src, t, v, 3), LARCH_OK);
	memset(buf, 'X', sizeof buf); /* the statistics own copies */
	assert_bytes(&src.s.first, "bb");
	assert_int_equal(stats_copy(&dst, &src), LARCH_OK);
	stats_free(&src);
	assert_bytes(&dst.s.first, "bb");
	assert_bytes(&dst.s.last, "ccc");
	assert_bytes(&dst.s.min, "a");
	assert_bytes(&dst.s.max, "ccc");
	assert_int_equal(dst.s.count, 3);
	stats_free(&dst);

	stats_t n1, n2;
	const double d[] = {4, 5, 6};
	stats_init(&n1, TSFILE_DOUBLE);
	assert_int_equal(stats_update(&n1, t, d, 3), LARCH_OK);
	assert_int_equal(stats_copy(&n2, &n1), LARCH_OK);
	assert_same_stats(&n1, &n2);
	stats_free(&n1);
	stats_free(&n2);
}

/*---------------------------------------------------------------------------
 * Hostile input and allocation failure
 *---------------------------------------------------------------------------*/

static void expect_corrupt(const uint8_t *p, size_t n, tsfile_type_t type)
{
	rd_t r;
	rd_init(&r, p, n, 500);
	stats_t st;
	larch_error_t err = {0};
	assert_int_equal(stats_read(&r, type, &st, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "offset 500"));
	assert_int_equal(st.s.count, 0);
	stats_free(&st); /* safe after failure */
}

static void test_read_hostile(void **state)
{
	(void)state;
	const struct {
		tsfile_type_t type;
		const char *hex;
	} ok[] = {{TSFILE_BOOLEAN, off_bool}, {TSFILE_INT32, off_int32},
		  {TSFILE_INT64, off_int64},   {TSFILE_FLOAT, off_float},
		  {TSFILE_DOUBLE, fx_double},  {TSFILE_TEXT, off_text},
		  {TSFILE_STRING, off_string}, {TSFILE_BLOB, off_blob}};
	for (size_t i = 0; i < LR_ARRAY_LEN(ok); i++) {
		size_t n;
		uint8_t *bytes = hex_decode(ok[i].hex, &n);
		for (size_t cut = 0; cut < n; cut++)
			expect_corrupt(bytes, cut, ok[i].type);
		mem_free(bytes);
	}
	size_t n;
	uint8_t *neg = hex_decode(PREFIX3 "ffffffff" "00000000", &n); /* TEXT length -1 */
	expect_corrupt(neg, n, TSFILE_TEXT);
	mem_free(neg);
	uint8_t *huge = hex_decode(PREFIX3 "7fffffff" "00", &n); /* 2 GiB string, 1 byte */
	expect_corrupt(huge, n, TSFILE_STRING);
	mem_free(huge);
	uint8_t *badcount = hex_decode("ffffffffff01", &n); /* varint count > 5 bytes */
	expect_corrupt(badcount, n, TSFILE_BLOB);
	mem_free(badcount);
	uint8_t *any = hex_decode(off_blob, &n);
	expect_corrupt(any, n, (tsfile_type_t)7); /* no such type */
	mem_free(any);

	/* BOOLEAN bytes other than 1 read as false, as Java's readBool */
	stats_t st;
	read_hex(PREFIX3 "02" "01" "0000000000000001", TSFILE_BOOLEAN, &st);
	assert_false(st.s.first.v.b);
	assert_true(st.s.last.v.b);
	stats_free(&st);
}

static void test_oom(void **state)
{
	(void)state;
	const int64_t t[] = {1, 2};
	const tsfile_bytes_t v[] = {B("first"), B("second")};
	stats_t st, other;
	stats_init(&st, TSFILE_STRING);
	assert_int_equal(stats_update(&st, t, v, 1), LARCH_OK);
	buf_t before = BUF_INIT;
	stats_write(&st, &before);

	mem_fail_after(1); /* the second copy fails: all or nothing */
	assert_int_equal(stats_update(&st, t + 1, v + 1, 1), LARCH_NO_MEMORY);
	mem_fail_after(-1);
	buf_t after = BUF_INIT;
	stats_write(&st, &after);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.data, after.data, before.len);

	stats_init(&other, TSFILE_STRING);
	mem_fail_after(0);
	assert_int_equal(stats_merge(&other, &st), LARCH_NO_MEMORY);
	mem_fail_after(0);
	assert_int_equal(stats_copy(&other, &st), LARCH_NO_MEMORY);
	mem_fail_after(-1);
	assert_int_equal(other.s.count, 0);
	stats_free(&other);

	rd_t r;
	rd_init(&r, before.data, before.len, 0);
	mem_fail_after(0);
	assert_int_equal(stats_read(&r, TSFILE_STRING, &other, NULL), LARCH_NO_MEMORY);
	mem_fail_after(-1);
	stats_free(&other);

	buf_free(&before);
	buf_free(&after);
	stats_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_int32_double),
		cmocka_unit_test(test_official_every_type),
		cmocka_unit_test(test_fields_by_type),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_equal_times),
		cmocka_unit_test(test_nan),
		cmocka_unit_test(test_negative_zero_sum),
		cmocka_unit_test(test_int32_sum_exact),
		cmocka_unit_test(test_merge_equals_whole),
		cmocka_unit_test(test_merge_ties_and_empty),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_read_hostile),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
