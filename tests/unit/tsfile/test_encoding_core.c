/*
 * Unit tests for the core TsFile encodings (src/tsfile/encoding_plain.c,
 * _ts2diff.c, _rle.c, _float.c, _gorilla.c, _zigzag.c, _dictionary.c):
 *
 *   - the test vectors of the format reference (§13) and vectors derived by
 *     hand from Java's algorithms as the reference states them (§7);
 *   - streams written by the official implementation (the `tsfile` 2.5.0
 *     Python wheel, i.e. the C++ library), see "Reference streams" below;
 *   - randomized round trips for every type x encoding, with edge values;
 *   - hostile input: truncation, garbage, absurd counts and lengths, value
 *     budgets exceeded -> LARCH_CORRUPTED, never a crash (run under ASan).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "tsfile/tsfile_int.h"

/*---------------------------------------------------------------------------
 * Helpers
 *---------------------------------------------------------------------------*/

/* Decode a hex string into a buffer (test input only). */
static void hex_to_buf(const char *hex, buf_t *b)
{
	size_t len = strlen(hex) / 2;
	buf_reset(b);
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		buf_put_u8(b, (uint8_t)v);
	}
	assert_true(buf_ok(b));
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "%s", label);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x", p[i]);
	fprintf(stderr, "\n");
}

/* Encoding values[0..n) must give exactly the bytes of `hex`. */
static void assert_encodes(tsfile_encoding_t enc, tsfile_type_t type, int precision,
			   const void *values, size_t n, const char *hex, const char *what)
{
	buf_t want = BUF_INIT, got = BUF_INIT;
	larch_error_t err = {0};
	enc_params_t params = {precision};
	hex_to_buf(hex, &want);
	assert_int_equal(encode_stream(enc, type, &params, values, n, &got, &err), LARCH_OK);
	if (got.len != want.len || (want.len && memcmp(got.data, want.data, want.len) != 0)) {
		fprintf(stderr, "%s (%s %s):\n", what, tsfile_encoding_name(enc),
			tsfile_type_name(type));
		print_hex("  encoded:  ", got.data, got.len);
		print_hex("  expected: ", want.data, want.len);
		fail();
	}
	buf_free(&want);
	buf_free(&got);
}

/* Element i of a typed array equals element j of another; NaNs are equal
 * to NaNs when nan_any (PLAIN canonicalises NaN payloads), else bitwise. */
static int same_value(tsfile_type_t type, const void *a, size_t i, const void *b, size_t j,
		      int nan_any)
{
	if (type_is_binary(type)) {
		const tsfile_bytes_t *x = (const tsfile_bytes_t *)a + i;
		const tsfile_bytes_t *y = (const tsfile_bytes_t *)b + j;
		return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
	}
	if (nan_any && type == TSFILE_FLOAT && isnan(((const float *)a)[i]))
		return isnan(((const float *)b)[j]);
	if (nan_any && type == TSFILE_DOUBLE && isnan(((const double *)a)[i]))
		return isnan(((const double *)b)[j]);
	size_t es = col_elem_size(type);
	return memcmp((const uint8_t *)a + i * es, (const uint8_t *)b + j * es, es) == 0;
}

/* Decoding `hex` must give exactly expect[0..n) (NaN matches any NaN). */
static void assert_decodes(tsfile_encoding_t enc, tsfile_type_t type, const char *hex,
			   const void *expect, size_t n, const char *what)
{
	buf_t in = BUF_INIT;
	col_t out;
	larch_error_t err = {0};
	hex_to_buf(hex, &in);
	col_init(&out, type);
	int rc = decode_stream(enc, type, in.data, in.len, n, &out, &err);
	if (rc != LARCH_OK || out.n != n) {
		fprintf(stderr, "%s: rc %d (%s), %zu values, %zu expected\n", what, rc, err.msg,
			out.n, n);
		fail();
	}
	for (size_t i = 0; i < n; i++)
		if (!same_value(type, expect, i, out.data, i, 1)) {
			fprintf(stderr, "%s: value %zu differs\n", what, i);
			fail();
		}
	col_free(&out);
	buf_free(&in);
}

/* Deterministic xorshift64* generator. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

/*---------------------------------------------------------------------------
 * Vectors from the format reference (§13) and from Java's algorithms
 *---------------------------------------------------------------------------*/

static void test_spec_vectors(void **state)
{
	(void)state;
	/* §13: TS_2DIFF INT64 [100, 200, 250] */
	const int64_t t2d[] = {100, 200, 250};
	const char *t2d_hex = "00000002000000060000000000000032" "0000000000000064c800";
	assert_encodes(TSFILE_TS_2DIFF, TSFILE_INT64, 2, t2d, 3, t2d_hex, "spec TS_2DIFF");
	assert_decodes(TSFILE_TS_2DIFF, TSFILE_INT64, t2d_hex, t2d, 3, "spec TS_2DIFF");

	/* §13: GORILLA DOUBLE [1.5, 2.5, 2.5], 107 bits including the end marker */
	const double gor[] = {1.5, 2.5, 2.5};
	assert_encodes(TSFILE_GORILLA, TSFILE_DOUBLE, 2, gor, 3, "3ff8000000000000c133ffe9ffe0",
		       "spec GORILLA");
	assert_decodes(TSFILE_GORILLA, TSFILE_DOUBLE, "3ff8000000000000c133ffe9ffe0", gor, 3,
		       "spec GORILLA");

	/* §13: PLAIN INT32 [1, -2, 3] is Java's zig-zag form ... */
	const int32_t plain[] = {1, -2, 3};
	assert_encodes(TSFILE_PLAIN, TSFILE_INT32, 2, plain, 3, "020306", "spec PLAIN");
	assert_decodes(TSFILE_PLAIN, TSFILE_INT32, "020306", plain, 3, "spec PLAIN");
	/* ... the Feb-2025 C++ writer's non-zig-zag form decodes as Java reads it */
	const int32_t cpp[] = {1, 2147483646, 3};
	assert_decodes(TSFILE_PLAIN, TSFILE_INT32, "02fcffffff0f06", cpp, 3, "C++ PLAIN INT32");

	/* §13: RLE INT32 */
	int32_t sevens[10];
	for (int i = 0; i < 10; i++)
		sevens[i] = 7;
	assert_encodes(TSFILE_RLE, TSFILE_INT32, 2, sevens, 10, "03031407", "spec RLE [7]x10");
	assert_decodes(TSFILE_RLE, TSFILE_INT32, "03031407", sevens, 10, "spec RLE [7]x10");
	const int32_t fives[] = {5, 5, 5};
	assert_encodes(TSFILE_RLE, TSFILE_INT32, 2, fives, 3, "06030303b68000", "spec RLE [5]x3");
	assert_decodes(TSFILE_RLE, TSFILE_INT32, "06030303b68000", fives, 3, "spec RLE [5]x3");
	const int32_t bits[] = {1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	assert_encodes(TSFILE_RLE, TSFILE_INT32, 2, bits, 16, "05010508b001", "spec RLE bits");
	assert_decodes(TSFILE_RLE, TSFILE_INT32, "05010508b001", bits, 16, "spec RLE bits");
}

/*
 * Expected bytes worked out by hand from Java's encoders as reference §7
 * describes them, for the cases where the C++ writer (the wheel) differs or
 * cannot write the type.
 */
static void test_java_forms(void **state)
{
	(void)state;
	/* TS_2DIFF: a block with a single value carries minDelta = INT_MAX /
	 * LONG_MAX (the C++ writer repeats the previous block's minDelta). */
	const int32_t one[] = {5};
	assert_encodes(TSFILE_TS_2DIFF, TSFILE_INT32, 2, one, 1, "00000000000000007fffffff00000005",
		       "TS_2DIFF one value");
	int64_t ts[130];
	for (int i = 0; i < 130; i++)
		ts[i] = 1000 * i;
	assert_encodes(TSFILE_TS_2DIFF, TSFILE_TIMESTAMP, 2, ts, 130,
		       "000000800000000000000000000003e80000000000000000"
		       "00000000000000007fffffffffffffff000000000001f7e8",
		       "TS_2DIFF 129 + 1 values");

	/* RLE: groups [1..8], then ten 9s: the 7 buffered 9s are dropped for a
	 * run of 10 (closing the bit-packed run with 8), then [3] as a group. */
	const int32_t mixed[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 3};
	const char *mixed_hex = "0f0403081234567814090301" "30000000";
	assert_encodes(TSFILE_RLE, TSFILE_INT32, 2, mixed, 19, mixed_hex, "RLE group-run-group");
	assert_decodes(TSFILE_RLE, TSFILE_INT32, mixed_hex, mixed, 19, "RLE group-run-group");
	/* RLE: eight 1s after a 5 do not form a run: the first group fills
	 * (and resets the repeat count) before the 8th copy arrives. */
	const int32_t late[] = {5, 1, 1, 1, 1, 1, 1, 1, 1};
	assert_encodes(TSFILE_RLE, TSFILE_INT32, 2, late, 9, "09030501a4924920" "0000",
		       "RLE repeat reset by a group");
	/* RLE: 40000 copies -> a run of 32767 (header fe ff 03), then 7233. */
	int32_t *many = mem_alloc(40000 * sizeof *many);
	assert_non_null(many);
	for (int i = 0; i < 40000; i++)
		many[i] = 3;
	assert_encodes(TSFILE_RLE, TSFILE_INT32, 2, many, 40000, "0802feff0303827103",
		       "RLE longest run");
	assert_decodes(TSFILE_RLE, TSFILE_INT32, "0802feff0303827103", many, 40000,
		       "RLE longest run");
	mem_free(many);
	/* RLE 64-bit: run values are big-endian (w = 41 -> 6 bytes), then [3]
	 * as one 41-byte group. */
	int64_t wide[21];
	for (int i = 0; i < 20; i++)
		wide[i] = 1ll << 40;
	wide[20] = 3;
	char wide_hex[2 * 52 + 1] = "33292801000000000003010000000001" "80";
	for (int i = 0; i < 35; i++)
		strcat(wide_hex, "00");
	assert_encodes(TSFILE_RLE, TSFILE_TIMESTAMP, 2, wide, 21, wide_hex, "RLE 64-bit run");
	assert_decodes(TSFILE_RLE, TSFILE_TIMESTAMP, wide_hex, wide, 21, "RLE 64-bit run");
	/* RLE BOOLEAN (Java's default for BOOLEAN; the wheel has no RLE for it) */
	const uint8_t b3[] = {1, 0, 1};
	assert_encodes(TSFILE_RLE, TSFILE_BOOLEAN, 2, b3, 3, "04010303a0", "RLE BOOLEAN");
	assert_decodes(TSFILE_RLE, TSFILE_BOOLEAN, "04010303a0", b3, 3, "RLE BOOLEAN");
	const uint8_t b10[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	assert_encodes(TSFILE_RLE, TSFILE_BOOLEAN, 2, b10, 10, "03011401", "RLE BOOLEAN run");
	/* Lossy RLE: 300.25 -> 30025 (w = 15): the run value is big-endian for
	 * DOUBLE (64-bit form), little-endian for FLOAT (32-bit form). */
	double d10[10];
	float f10[10];
	for (int i = 0; i < 10; i++) {
		d10[i] = 300.25;
		f10[i] = 300.25f;
	}
	assert_encodes(TSFILE_RLE, TSFILE_DOUBLE, 2, d10, 10, "02040f147549", "RLE DOUBLE run");
	assert_decodes(TSFILE_RLE, TSFILE_DOUBLE, "02040f147549", d10, 10, "RLE DOUBLE run");
	assert_encodes(TSFILE_RLE, TSFILE_FLOAT, 2, f10, 10, "02040f144975", "RLE FLOAT run");
	assert_decodes(TSFILE_RLE, TSFILE_FLOAT, "02040f144975", f10, 10, "RLE FLOAT run");
	/* Lossy precision 0: Math.round ties go up (2.5 -> 3, -2.5 -> -2,
	 * 0.5 -> 1, -0.5 -> 0); deltas -5, 3, -1 rebased to 0, 8, 4 (w = 4) */
	const double halves[] = {2.5, -2.5, 0.5, -0.5};
	const double rounded[] = {3.0, -2.0, 1.0, 0.0};
	const char *halves_hex = "00" "00000003" "00000004" "fffffffffffffffb"
				 "0000000000000003" "0840";
	assert_encodes(TSFILE_TS_2DIFF, TSFILE_DOUBLE, 0, halves, 4, halves_hex,
		       "TS_2DIFF precision 0");
	assert_decodes(TSFILE_TS_2DIFF, TSFILE_DOUBLE, halves_hex, rounded, 4,
		       "TS_2DIFF precision 0");

	/* Lossy FLOAT 2^31: scaled it overflows, but the value itself is not
	 * above Integer.MAX_VALUE as Java compares it (as a float, 2^31), so it
	 * is stored unscaled, Math.round saturating to INT_MAX: form 2. */
	const float two31[] = {2147483648.0f};
	const char *two31_hex = "ffffffff07" "01" "00" "02" "00000000" "00000000" "7fffffff"
				"7fffffff";
	assert_encodes(TSFILE_TS_2DIFF, TSFILE_FLOAT, 2, two31, 1, two31_hex, "lossy 2^31");
	assert_decodes(TSFILE_TS_2DIFF, TSFILE_FLOAT, two31_hex, two31, 1, "lossy 2^31");

	/* PLAIN writes NaN in canonical form (floatToIntBits/doubleToLongBits) */
	uint32_t fbits[2] = {0x7fc00001u, 0xffc00000u};
	uint64_t dbits[1] = {0xfff8000000000001ull};
	float fnan[2];
	double dnan[1];
	memcpy(fnan, fbits, sizeof fnan);
	memcpy(dnan, dbits, sizeof dnan);
	assert_encodes(TSFILE_PLAIN, TSFILE_FLOAT, 2, fnan, 2, "7fc000007fc00000", "PLAIN NaN");
	assert_encodes(TSFILE_PLAIN, TSFILE_DOUBLE, 2, dnan, 1, "7ff8000000000000", "PLAIN NaN");

	/* DICTIONARY: Java's index package uses an RLE run for the 12 "on"s */
	const tsfile_bytes_t words[] = {{"on", 2}, {"on", 2}, {"on", 2}, {"on", 2}, {"on", 2},
					{"on", 2}, {"on", 2}, {"on", 2}, {"on", 2}, {"on", 2},
					{"on", 2}, {"on", 2}, {"off", 3}, {"off", 3}, {"off", 3},
					{"on", 2}};
	assert_encodes(TSFILE_DICTIONARY, TSFILE_STRING, 2, words, 16,
		       "04046f6e066f666606011800" "0304e0", "DICTIONARY Java RLE");
	assert_decodes(TSFILE_DICTIONARY, TSFILE_STRING, "04046f6e066f666606011800" "0304e0",
		       words, 16, "DICTIONARY Java RLE");
}

/*---------------------------------------------------------------------------
 * Reference streams from the official implementation
 *
 * Origin: the `tsfile` 2.5.0 Python wheel (Cython over Apache TsFile's C++
 * library).  A throwaway script (kept outside the repository) wrote each
 * case as a single-page UNCOMPRESSED tree-model file with TsFileWriter,
 * register_timeseries(TimeseriesSchema("s1", type, encoding, UNCOMPRESSED))
 * and write_tablet, took the value stream out of the page body by parsing
 * the chunk and page headers (reference §4: chunk header, page sizes,
 * uvarint time-stream length, time stream, value stream), and read the
 * values back with the wheel's TsFileReader.  For the lossy FLOAT/DOUBLE
 * forms (precision 2, the wheel's default) the d_ arrays hold what the
 * wheel decodes.
 *
 * `exact` = 1: Larch must write these very bytes.  `exact` = 0: the C++
 * writer departs from Java's algorithm, which Larch follows, so the stream
 * is only decoded here (Java's bytes for those cases are in
 * test_java_forms): C++ RLE writes bit-packed runs only, and C++ TS_2DIFF
 * gives a block holding a single value the previous block's minDelta
 * rather than Java's LONG_MAX.
 *---------------------------------------------------------------------------*/

typedef struct ref_vec {
	const char *name;
	tsfile_encoding_t enc;
	tsfile_type_t type;
	const void *values;                  /* input values, or NULL: see fill */
	void (*fill)(void *values, size_t n); /* builds long inputs */
	const void *decoded;                 /* the wheel's decoding (lossy forms) */
	size_t n;
	int exact;
	const char *hex;
} ref_vec_t;

/* 1700000000000 + 1000 i + (i*i) % 7: three TS_2DIFF blocks with w = 3 */
static void fill_3blk(void *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((int64_t *)values)[i] = 1700000000000ll + 1000 * (int64_t)i + (int64_t)(i * i % 7);
}

/* 0, 1000, ..., 129000: one full block and a block of one value */
static void fill_ts_130(void *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((int64_t *)values)[i] = 1000 * (int64_t)i;
}

/* [7] x 10, [5] x 3, then 0..599 */
static void fill_rle_long(void *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((int32_t *)values)[i] = i < 10 ? 7 : i < 13 ? 5 : (int32_t)(i - 13);
}

static const uint8_t v_plain_bool[] = {
	1, 0, 1, 1
};
static const int32_t v_plain_i32[] = {
	1, -2, 3, 2147483647, INT32_MIN, 0, 300
};
static const int32_t v_plain_date[] = {
	20240131, 19991201
};
static const int64_t v_plain_i64[] = {
	1ll, -2ll, 9223372036854775807ll, INT64_MIN, 0ll
};
static const int64_t v_plain_ts[] = {
	1700000000000ll, -1ll
};
static const float v_plain_f32[] = {
	0x1.8000000000000p+0f, -0x1.2000000000000p+1f, INFINITY, -0x0.0p+0f, NAN,
	0x1.16c2000000000p-133f
};
static const double v_plain_f64[] = {
	0x1.8000000000000p+0, -0x1.2000000000000p+1, 0x1.7e43c8800759cp+996, -INFINITY, NAN,
	0x0.0000000000001p-1022
};
static const tsfile_bytes_t v_plain_text[] = {
	{"", 0}, {"\x61", 1}, {"\x68" "\xc3" "\xa9" "\x6c" "\x6c" "\x6f", 6}
};
static const tsfile_bytes_t v_plain_str[] = {
	{"\x78" "\x79" "\x7a", 3}, {"", 0}
};
static const tsfile_bytes_t v_plain_blob[] = {
	{"", 0}, {"\x00" "\xff", 2}, {"\x61" "\x62" "\x63", 3}
};
static const int32_t v_t2d_i32[] = {
	100, 200, 250, -5, 2147483647, INT32_MIN, 7
};
static const int32_t v_t2d_date[] = {
	20240101, 20240102, 20240103, 20240104, 20240105, 20240106, 20240107, 20240108, 20240109,
	20240110
};
static const int64_t v_t2d_i64_wrap[] = {
	0ll, 9223372036854775807ll, INT64_MIN, 5ll, -7ll
};
static const float v_t2d_f32_form1[] = {
	0x1.8000000000000p+0f, 0x1.2000000000000p+1f, -0x1.9000000000000p+1f,
	0x1.47ae140000000p-7f, 0x0.0p+0f
};
static const float d_t2d_f32_form1[] = {
	0x1.8000000000000p+0f, 0x1.2000000000000p+1f, -0x1.8f5c280000000p+1f,
	0x1.47ae140000000p-7f, 0x0.0p+0f
};
static const float v_t2d_f32_form2[] = {
	0x1.8000000000000p+0f, 0x1.7d78400000000p+26f, -0x1.4000000000000p+1f
};
static const float d_t2d_f32_form2[] = {
	0x1.8000000000000p+0f, 0x1.7d78400000000p+26f, -0x1.4000000000000p+1f
};
static const float v_t2d_f32_form3[] = {
	0x1.8000000000000p+0f, NAN, 0x1.7d78400000000p+26f, INFINITY, 0x1.2a05f20000000p+33f,
	-0x1.4000000000000p+1f
};
static const float d_t2d_f32_form3[] = {
	0x1.8000000000000p+0f, NAN, 0x1.7d78400000000p+26f, INFINITY, 0x1.2a05f20000000p+33f,
	-0x1.4000000000000p+1f
};
static const double v_t2d_f64_form1[] = {
	0x1.8000000000000p+0, 0x1.2000000000000p+1, -0x1.9000000000000p+1, 0x1.0624dd2f1a9fcp-10,
	0x1.81cd6c8b43958p+13
};
static const double d_t2d_f64_form1[] = {
	0x1.8000000000000p+0, 0x1.2000000000000p+1, -0x1.8f5c28f5c28f6p+1, 0x0.0p+0,
	0x1.81cd70a3d70a4p+13
};
static const double v_t2d_f64_form2[] = {
	0x1.8000000000000p+0, 0x1.6345785d8a000p+56, -0x1.4000000000000p+1
};
static const double d_t2d_f64_form2[] = {
	0x1.8000000000000p+0, 0x1.6345785d8a000p+56, -0x1.4000000000000p+1
};
static const double v_t2d_f64_form3[] = {
	0x1.8000000000000p+0, NAN, 0x1.6345785d8a000p+56, -INFINITY, 0x1.5af1d78b58c40p+66,
	0x1.4000000000000p+1
};
static const double d_t2d_f64_form3[] = {
	0x1.8000000000000p+0, NAN, 0x1.6345785d8a000p+56, -INFINITY, 0x1.5af1d78b58c40p+66,
	0x1.4000000000000p+1
};
static const int32_t v_rle_i32[] = {
	1, 2, 3, 0, 5, 6, 7, 1, 2
};
static const int32_t v_rle_i32_neg[] = {
	-1, 5, INT32_MIN
};
static const int32_t v_rle_date[] = {
	20240131, 20240131, 20240131
};
static const int64_t v_rle_i64[] = {
	1ll, 2ll, 3ll, 1099511627776ll, 5ll
};
static const int64_t v_rle_i64_neg[] = {
	-1ll, 5ll, 9ll
};
static const int64_t v_rle_ts_long[] = {
	1099511627776ll, 1099511627776ll, 1099511627776ll, 1099511627776ll, 1099511627776ll,
	1099511627776ll, 1099511627776ll, 1099511627776ll, 1099511627776ll, 1099511627776ll,
	1099511627776ll, 1099511627776ll, 1099511627776ll, 1099511627776ll, 1099511627776ll,
	1099511627776ll, 1099511627776ll, 1099511627776ll, 1099511627776ll, 1099511627776ll, 3ll
};
static const int32_t v_gor_i32[] = {
	1, 2, 2, -5, 1000000, 7, 2147483647
};
static const int32_t v_gor_i32_aligned[] = {
	-942, 829, 711
};
static const int32_t v_gor_date[] = {
	20240131, 20240201
};
static const int64_t v_gor_i64[] = {
	1ll, 2ll, 2ll, -5ll, 1000000000000000ll, 7ll, 9223372036854775807ll
};
static const int64_t v_gor_i64_aligned[] = {
	425ll, -88ll
};
static const int64_t v_gor_ts[] = {
	1700000000000ll, 1700000001000ll, 1700000002000ll, 1700000003000ll, 1700000004000ll,
	1700000005000ll, 1700000006000ll, 1700000007000ll, 1700000008000ll, 1700000009000ll,
	1700000010000ll, 1700000011000ll, 1700000012000ll, 1700000013000ll, 1700000014000ll,
	1700000015000ll, 1700000016000ll, 1700000017000ll, 1700000018000ll, 1700000019000ll
};
static const float v_gor_f32[] = {
	0x1.8000000000000p+0f, 0x1.4000000000000p+1f, 0x1.4000000000000p+1f,
	-0x1.99999a0000000p-4f, INFINITY, 0x1.c363cc0000000p+127f, 0x1.16c2000000000p-133f
};
static const double v_gor_f64[] = {
	0x1.8000000000000p+0, 0x1.4000000000000p+1, 0x1.4000000000000p+1
};
static const double v_gor_f64_b[] = {
	0x1.921f9f01b866ep+1, -0x1.7e43c8800759cp+996, 0x0.0p+0, -0x0.0p+0, INFINITY,
	0x1.4800000000000p+4, 0x1.4400000000000p+4, 0x1.4200000000000p+4
};
static const int32_t v_zz_i32[] = {
	0, -1, 1, 2147483647, INT32_MIN, 300
};
static const int64_t v_zz_i64[] = {
	0ll, -1ll, 1ll, 9223372036854775807ll, INT64_MIN, 300ll
};
static const tsfile_bytes_t v_dict_text[] = {
	{"\x61", 1}, {"\x62" "\x62", 2}, {"\x61", 1}, {"", 0}, {"\x62" "\x62", 2}, {"\x61", 1}
};
static const tsfile_bytes_t v_dict_str[] = {
	{"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2},
	{"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2},
	{"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2}, {"\x6f" "\x6e", 2},
	{"\x6f" "\x66" "\x66", 3}, {"\x6f" "\x66" "\x66", 3}, {"\x6f" "\x66" "\x66", 3},
	{"\x6f" "\x6e", 2}
};

static const ref_vec_t wheel_vectors[] = {
	{"plain_bool", TSFILE_PLAIN, TSFILE_BOOLEAN, v_plain_bool, NULL, NULL, 4, 1,
	 "01000101"},
	{"plain_i32", TSFILE_PLAIN, TSFILE_INT32, v_plain_i32, NULL, NULL, 7, 1,
	 "020306feffffff0fffffffff0f00d804"},
	{"plain_date", TSFILE_PLAIN, TSFILE_DATE, v_plain_date, NULL, NULL, 2, 1,
	 "86dca613c2aa8813"},
	{"plain_i64", TSFILE_PLAIN, TSFILE_INT64, v_plain_i64, NULL, NULL, 5, 1,
	 "0000000000000001fffffffffffffffe7fffffffffffffff80000000000000000000000000000000"},
	{"plain_ts", TSFILE_PLAIN, TSFILE_TIMESTAMP, v_plain_ts, NULL, NULL, 2, 1,
	 "0000018bcfe56800ffffffffffffffff"},
	{"plain_f32", TSFILE_PLAIN, TSFILE_FLOAT, v_plain_f32, NULL, NULL, 6, 1,
	 "3fc00000c01000007f800000800000007fc00000000116c2"},
	{"plain_f64", TSFILE_PLAIN, TSFILE_DOUBLE, v_plain_f64, NULL, NULL, 6, 1,
	 "3ff8000000000000c0020000000000007e37e43c8800759cfff00000000000007ff8000000000000"
	 "0000000000000001"},
	{"plain_text", TSFILE_PLAIN, TSFILE_TEXT, v_plain_text, NULL, NULL, 3, 1,
	 "0002610c68c3a96c6c6f"},
	{"plain_str", TSFILE_PLAIN, TSFILE_STRING, v_plain_str, NULL, NULL, 2, 1,
	 "0678797a00"},
	{"plain_blob", TSFILE_PLAIN, TSFILE_BLOB, v_plain_blob, NULL, NULL, 3, 1,
	 "000400ff06616263"},
	{"t2d_i32", TSFILE_TS_2DIFF, TSFILE_INT32, v_t2d_i32, NULL, NULL, 7, 1,
	 "00000006000000208000000400000064800000608000002e7ffffefd000000007ffffffd00000003"},
	{"t2d_date", TSFILE_TS_2DIFF, TSFILE_DATE, v_t2d_date, NULL, NULL, 10, 1,
	 "0000000900000000000000010134d6e5"},
	{"t2d_i64_3blk", TSFILE_TS_2DIFF, TSFILE_INT64, NULL, fill_3blk, NULL, 300, 1,
	 "000000800000000300000000000003e50000018bcfe5680098ba14c5d0a62e853174298ba14c5d0a"
	 "62e853174298ba14c5d0a62e853174298ba14c5d0a62e853174298ba14c5d0a60000008000000003"
	 "00000000000003e50000018bcfe75fea74298ba14c5d0a62e853174298ba14c5d0a62e853174298b"
	 "a14c5d0a62e853174298ba14c5d0a62e853174298ba14c5d000000290000000300000000000003e5"
	 "0000018bcfe957d153174298ba14c5d0a62e853174298ba0"},
	{"t2d_ts_130", TSFILE_TS_2DIFF, TSFILE_TIMESTAMP, NULL, fill_ts_130, NULL, 130, 0,
	 "000000800000000000000000000003e80000000000000000000000000000000000000000000003e8"
	 "000000000001f7e8"},
	{"t2d_i64_wrap", TSFILE_TS_2DIFF, TSFILE_INT64, v_t2d_i64_wrap, NULL, NULL, 5, 1,
	 "000000040000004080000000000000050000000000000000fffffffffffffffa7ffffffffffffffc"
	 "00000000000000007fffffffffffffef"},
	{"t2d_f32_form1", TSFILE_TS_2DIFF, TSFILE_FLOAT, v_t2d_f32_form1, NULL, d_t2d_f32_form1, 5, 1,
	 "02000000040000000afffffde70000009699000d4a18"},
	{"t2d_f32_form2", TSFILE_TS_2DIFF, TSFILE_FLOAT, v_t2d_f32_form2, NULL, d_t2d_f32_form2, 3, 1,
	 "ffffffff07030502000000020000001cfa0a1e0600000096bebc2640000000"},
	{"t2d_f32_form3", TSFILE_TS_2DIFF, TSFILE_FLOAT, v_t2d_f32_form3, NULL, d_t2d_f32_form3, 6, 1,
	 "feffffff0706211a0200000005000000208635e10000000096f98a1e6a00000000f3543e004a5f21"
	 "f929b51b0d"},
	{"t2d_f64_form1", TSFILE_TS_2DIFF, TSFILE_DOUBLE, v_t2d_f64_form1, NULL, d_t2d_f64_form1, 5, 1,
	 "020000000400000015fffffffffffffde7000000000000009600132000000006a32d8a10"},
	{"t2d_f64_form2", TSFILE_TS_2DIFF, TSFILE_DOUBLE, v_t2d_f64_form2, NULL, d_t2d_f64_form2, 3, 1,
	 "ffffffff07030502000000020000003afe9cba87a275ff060000000000000096b1a2bc2ec5001900"
	 "00000000000000"},
	{"t2d_f64_form3", TSFILE_TS_2DIFF, TSFILE_DOUBLE, v_t2d_f64_form3, NULL, d_t2d_f64_form3, 6, 1,
	 "feffffff0706211a020000000500000040816b45785d8a00000000000000000096fe8cba87a275ff"
	 "6a00000000000000007d21750f44ec0000c2ba69a51b2b8c403a7f0b6a29c074ba"},
	{"rle_i32", TSFILE_RLE, TSFILE_INT32, v_rle_i32, NULL, NULL, 9, 1,
	 "09030501298bb9400000"},
	{"rle_i32_neg", TSFILE_RLE, TSFILE_INT32, v_rle_i32_neg, NULL, NULL, 3, 1,
	 "23200303ffffffff00000005800000000000000000000000000000000000000000000000"},
	{"rle_i32_long", TSFILE_RLE, TSFILE_INT32, NULL, fill_rle_long, NULL, 613, 0,
	 "87060a7f0801c0701c0701c0701c0701c0701405014000040200c040140601c080240a02c0c0340e"
	 "03c100441204c140541605c180641a06c1c0741e07c200842208c240942609c280a42a0ac2c0b42e"
	 "0bc300c4320cc340d4360dc380e43a0ec3c0f43e0fc401044210c441144611c481244a12c4c1344e"
	 "13c501445214c541545615c581645a16c5c1745e17c601846218c641946619c681a46a1ac6c1b46e"
	 "1bc701c4721cc741d4761dc781e47a1ec7c1f47e1fc802048220c842148621c882248a22c8c2348e"
	 "23c902449224c942549625c982649a26c9c2749e27ca0284a228ca4294a629ca82a4aa2acac2b4ae"
	 "2bcb02c4b22ccb42d4b62dcb82e4ba2ecbc2f4be2fcc0304c230cc4314c631cc8324ca32ccc334ce"
	 "33cd0344d234cd4354d635cd8364da36cdc374de37ce0384e238ce4394e639ce83a4ea3acec3b4ee"
	 "3bcf03c4f23ccf43d4f63dcf83e4fa3ecfc3f4fe3fd004050240d044150641d084250a42d0c4350e"
	 "43d104451244d144551645d184651a46d1c4751e47d204852248d244952649d284a52a4ad2c4b52e"
	 "4bd304c5324cd344d5364dd384e53a4ed3c4f53e4fd405054250d445154651d485254a52d4c5354e"
	 "53d505455254d545555655d585655a56d5c5755e57d605856258d645956659d685a56a5ad6c5b56e"
	 "5bd705c5725cd745d5765dd785e57a5ed7c5f57e5fd806058260d846158661d886258a62d8c6358e"
	 "63d906459264d946559665d986659a66d9c6759e67da0685a268da4695a669da86a5aa6adac6b5ae"
	 "6bdb06c5b26cdb46d5b66ddb86e5ba6edbc6f5be6fdc0705c270dc4715c671dc8725ca72dcc735ce"
	 "73dd0745d274dd4755d675dd8765da76ddc775de77de0785e278de4795e679de87a5ea1d057adec7"
	 "b5ee7bdf07c5f27cdf47d5f67ddf87e5fa7edfc7f5fe7fe008060280e048160681e088260a82e0c8"
	 "360e83e108461284e148561685e188661a86e1c8761e87e208862288e248962689e288a62a8ae2c8"
	 "b62e8be308c6328ce348d6368de388e63a8ee3c8f63e8fe409064290e449164691e489264a92e4c9"
	 "364e93e509465294e549565695c0000000"},
	{"rle_date", TSFILE_RLE, TSFILE_DATE, v_rle_date, NULL, NULL, 3, 1,
	 "1c1903039a6b81cd35c0e69ae060000000000000000000000000000000"},
	{"rle_i64", TSFILE_RLE, TSFILE_INT64, v_rle_i64, NULL, NULL, 5, 1,
	 "2c290305000000000080000000008000000000700000000000000000002800000000000000000000"
	 "0000000000"},
	{"rle_i64_neg", TSFILE_RLE, TSFILE_INT64, v_rle_i64_neg, NULL, NULL, 3, 1,
	 "43400303ffffffffffffffff00000000000000050000000000000009000000000000000000000000"
	 "00000000000000000000000000000000000000000000000000000000"},
	{"rle_ts_long", TSFILE_RLE, TSFILE_TIMESTAMP, v_rle_ts_long, NULL, NULL, 21, 0,
	 "7e290705800000000040000000002000000000100000000008000000000400000000020000000001"
	 "00000000008000000000400000000020000000001000000000080000000004000000000200000000"
	 "01000000000080000000004000000000200000000010000000000000000000180000000000000000"
	 "00000000000000"},
	{"gor_i32", TSFILE_GORILLA, TSFILE_INT32, v_gor_i32, NULL, NULL, 7, 1,
	 "00000001fc1d83ffffffff37ff85eddc001e848f3ffffffc5fffffffe0"},
	{"gor_i32_aligned", TSFILE_GORILLA, TSFILE_INT32, v_gor_i32_aligned, NULL, NULL, 3, 1,
	 "fffffc52c1fffffff6f8000007ea800002c700"},
	{"gor_date", TSFILE_GORILLA, TSFILE_DATE, v_gor_date, NULL, NULL, 2, 1,
	 "0134d703f259707e04d35d24"},
	{"gor_i64", TSFILE_GORILLA, TSFILE_INT64, v_gor_i64, NULL, NULL, 7, 1,
	 "0000000000000001fe07607ffffffffffffffff37ffe3940ad9cbffdc00071afd498d000f3ffffff"
	 "ffffffffc5fffffffffffffffe"},
	{"gor_i64_aligned", TSFILE_GORILLA, TSFILE_INT64, v_gor_i64_aligned, NULL, NULL, 2, 1,
	 "00000000000001a9c0fffffffffffffff8067fffffffffffffa800"},
	{"gor_ts", TSFILE_GORILLA, TSFILE_TIMESTAMP, v_gor_ts, NULL, NULL, 20, 1,
	 "0000018bcfe56800f61befa8f0fe64f1b10730b13fe067e16041c18d810f0ef6041c185811f1e160"
	 "41c19d810f0e3703c8000018bcfe5b2380"},
	{"gor_f32", TSFILE_GORILLA, TSFILE_FLOAT, v_gor_f32, NULL, NULL, 7, 1,
	 "3fc00000c29ffd83ffbd9999b61266666c01c363cd3fb053924ff822d840"},
	{"gor_f64", TSFILE_GORILLA, TSFILE_DOUBLE, v_gor_f64, NULL, NULL, 3, 1,
	 "3ff8000000000000c133ffe9ffe0"},
	{"gor_f64_b", TSFILE_GORILLA, TSFILE_DOUBLE, v_gor_f64_b, NULL, NULL, 8, 1,
	 "400921f9f01b866ec0faf8fb1715e06fcfcdfc6fc8791000eb3a80000000000000017ff800000000"
	 "00008ff12000000000004000180000000000200006000000000011fe61000000000000"},
	{"zz_i32", TSFILE_ZIGZAG, TSFILE_INT32, v_zz_i32, NULL, NULL, 6, 1,
	 "0f06000102feffffff0fffffffff0fd804"},
	{"zz_i64", TSFILE_ZIGZAG, TSFILE_INT64, v_zz_i64, NULL, NULL, 6, 1,
	 "1906000102feffffffffffffffff01ffffffffffffffffff01d804"},
	{"dict_text", TSFILE_DICTIONARY, TSFILE_TEXT, v_dict_text, NULL, NULL, 6, 1,
	 "06026104626200050203061240"},
	{"dict_str", TSFILE_DICTIONARY, TSFILE_STRING, v_dict_str, NULL, NULL, 16, 0,
	 "04046f6e066f666605010508000e"},
};

static void test_wheel_vectors(void **state)
{
	(void)state;
	for (size_t k = 0; k < LR_ARRAY_LEN(wheel_vectors); k++) {
		const ref_vec_t *v = &wheel_vectors[k];
		void *filled = NULL;
		const void *values = v->values;
		if (!values) {
			filled = mem_alloc(v->n * col_elem_size(v->type));
			assert_non_null(filled);
			v->fill(filled, v->n);
			values = filled;
		}
		assert_decodes(v->enc, v->type, v->hex, v->decoded ? v->decoded : values, v->n,
			       v->name);
		if (v->exact)
			assert_encodes(v->enc, v->type, 2, values, v->n, v->hex, v->name);
		mem_free(filled);
	}
}

/*---------------------------------------------------------------------------
 * Randomized round trips
 *---------------------------------------------------------------------------*/

static const tsfile_encoding_t core_encodings[] = {
	TSFILE_PLAIN, TSFILE_DICTIONARY, TSFILE_RLE, TSFILE_TS_2DIFF, TSFILE_GORILLA, TSFILE_ZIGZAG,
};

static const tsfile_type_t all_types[] = {
	TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT, TSFILE_DOUBLE, TSFILE_TEXT,
	TSFILE_VECTOR,  TSFILE_TIMESTAMP, TSFILE_DATE, TSFILE_BLOB, TSFILE_STRING,
};

enum { SHAPE_RANDOM, SHAPE_EDGES, SHAPE_WALK, SHAPE_CONST, SHAPE_RUNS, SHAPE_TIMES, SHAPE_COUNT };

static const size_t sizes[] = {0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 127, 128, 129, 130, 257, 1000, 4097};

/* A raw 64-bit pattern for value i of a shape (`prev` is value i-1's). */
static uint64_t shape_bits(int shape, size_t i, uint64_t prev, int is_float)
{
	static const uint64_t edges[] = {
		0, 1, ~0ull, 0x7fffffffull, 0x80000000ull, 0xffffffff80000000ull,
		0x7fffffffffffffffull, 0x8000000000000000ull, 0x7fc00000ull, 0x7f800000ull,
		0xff800000ull, 0x7ff8000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
		0x7ff8000000000001ull, 0x00000001ull, 0x80000000ull, 0x8000000000000000ull,
		0x7f7fffffull, 0x7fefffffffffffffull,
	};
	switch (shape) {
	case SHAPE_RANDOM:
		return rng() >> rng_below(64);
	case SHAPE_EDGES:
		return rng_below(3) ? edges[rng_below(LR_ARRAY_LEN(edges))] : rng();
	case SHAPE_WALK:
		return i == 0 ? rng() >> 20 : prev + rng_below(9) - 4;
	case SHAPE_CONST:
		return is_float ? 0x4059000000000000ull : 42;
	case SHAPE_RUNS:
		return i == 0 || rng_below(500) == 0 ? rng_below(6) : prev;
	default: /* SHAPE_TIMES */
		return i == 0 ? 1700000000000ull : prev + 1000 + (rng_below(20) == 0 ? rng_below(7) : 0);
	}
}

/* Fill values[0..n) of `type` for a shape.  Floats take the pattern's bits
 * for RANDOM/EDGES and a number otherwise; byte strings come from a pool of
 * `distinct` strings (some empty, some with zero bytes) kept in `pool`. */
static void gen_values(tsfile_type_t type, int shape, size_t n, void *values, char *pool)
{
	size_t distinct = shape == SHAPE_CONST ? 1 : shape == SHAPE_RUNS ? 3 : 1 + rng_below(40);
	uint64_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		int is_float = type == TSFILE_FLOAT || type == TSFILE_DOUBLE;
		uint64_t b = shape_bits(shape, i, prev, is_float);
		prev = b;
		int raw = shape == SHAPE_RANDOM || shape == SHAPE_EDGES;
		switch (type) {
		case TSFILE_BOOLEAN:
			((uint8_t *)values)[i] = (uint8_t)(b & 1);
			break;
		case TSFILE_INT32:
		case TSFILE_DATE:
			((int32_t *)values)[i] = (int32_t)(uint32_t)b;
			break;
		case TSFILE_FLOAT: {
			float f;
			uint32_t u = (uint32_t)b;
			if (raw)
				memcpy(&f, &u, 4);
			else
				f = (float)((double)(int64_t)(b % 2000000) / 64.0 - 1000.0);
			((float *)values)[i] = f;
			break;
		}
		case TSFILE_DOUBLE: {
			double d;
			if (raw)
				memcpy(&d, &b, 8);
			else
				d = shape == SHAPE_CONST ? 100.0 : sin((double)i / 50.0) * (double)(b % 1000);
			((double *)values)[i] = d;
			break;
		}
		case TSFILE_TEXT:
		case TSFILE_STRING:
		case TSFILE_BLOB: {
			size_t k = (size_t)(b % distinct); /* string k = pool[64k..], length k % 23 */
			tsfile_bytes_t *s = (tsfile_bytes_t *)values + i;
			s->ptr = pool + 64 * k;
			s->len = (uint32_t)(k % 23);
			break;
		}
		default:
			((int64_t *)values)[i] = (int64_t)b;
		}
	}
}

/* GORILLA stops at the first later value equal to its end marker; keep
 * such values out of positions >= 1 (the first value is always kept). */
static void avoid_sentinel(tsfile_type_t type, void *values, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (type == TSFILE_DOUBLE || type_is_int64(type)) {
			uint64_t u, s = type == TSFILE_DOUBLE ? 0x7ff8000000000000ull
							    : 0x8000000000000000ull;
			memcpy(&u, (uint64_t *)values + i, 8);
			if (u == s)
				((uint64_t *)values)[i] = s + 1;
		} else if (type == TSFILE_FLOAT || type_is_int32(type)) {
			uint32_t s = type == TSFILE_FLOAT ? 0x7fc00000u : 0x80000000u;
			if (((uint32_t *)values)[i] == s)
				((uint32_t *)values)[i] = s + 1;
		}
	}
}

/* Lossy FLOAT/DOUBLE: a decoded value is within half a unit of the last
 * kept decimal of the input when it could be scaled, within 0.5 when only
 * the value itself fits the integer type, and identical (bits, or NaN)
 * when neither fits; plus the rounding of the final float/double. */
static void assert_lossy_close(tsfile_type_t type, int precision, const void *in,
			       const void *out, size_t n)
{
	int is_f = type == TSFILE_FLOAT;
	double scale = precision <= 0 ? 1.0 : pow(10.0, precision);
	double limit = is_f ? 0x1p31 : 0x1p63, eps = is_f ? 0x1p-22 : 0x1p-51;
	for (size_t i = 0; i < n; i++) {
		double v = is_f ? ((const float *)in)[i] : ((const double *)in)[i];
		double d = is_f ? ((const float *)out)[i] : ((const double *)out)[i];
		if (isnan(v)) {
			assert_true(isnan(d));
			continue;
		}
		double s = fabs(v * scale), tol = fabs(v) * eps + 1e-300;
		if (s < limit * 0.999)
			tol += 0.5 / scale;
		else if (fabs(v) < limit * 1.001)
			tol += 0.5 + (s < limit * 1.001 ? 0.5 / scale : 0);
		if (!(fabs(d - v) <= tol || d == v)) {
			fprintf(stderr, "lossy %s p=%d: value %zu %.17g decoded as %.17g\n",
				tsfile_type_name(type), precision, i, v, d);
			fail();
		}
	}
}

/* Decoded values `got` match the encoded `values`: exactly (PLAIN: any NaN
 * for a NaN), or within the lossy bounds for float TS_2DIFF/RLE. */
static void assert_decoded(tsfile_encoding_t enc, tsfile_type_t type, int precision,
			   const void *values, const void *got, size_t n)
{
	if ((enc == TSFILE_TS_2DIFF || enc == TSFILE_RLE) &&
	    (type == TSFILE_FLOAT || type == TSFILE_DOUBLE)) {
		assert_lossy_close(type, precision, values, got, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!same_value(type, values, i, got, i, enc == TSFILE_PLAIN)) {
			fprintf(stderr, "%s %s n=%zu: value %zu differs\n", tsfile_encoding_name(enc),
				tsfile_type_name(type), n, i);
			fail();
		}
}

/*
 * Encode values, decode the stream twice into one column (so the second
 * decode appends), and compare; then check that a budget one value short
 * is refused and leaves the column as it was.
 */
static void roundtrip(tsfile_encoding_t enc, tsfile_type_t type, int precision,
		      const void *values, size_t n)
{
	enc_params_t params = {precision};
	buf_t s = BUF_INIT;
	larch_error_t err = {0};
	col_t out;
	assert_int_equal(encode_stream(enc, type, &params, values, n, &s, &err), LARCH_OK);
	if (n == 0)
		assert_int_equal(s.len, 0);
	/* decode from an allocation of exactly the stream's size (for ASan) */
	uint8_t *in = mem_alloc(s.len ? s.len : 1);
	assert_non_null(in);
	if (s.len)
		memcpy(in, s.data, s.len);
	col_init(&out, type);
	for (int pass = 0; pass < 2; pass++) {
		int rc = decode_stream(enc, type, in, s.len, n, &out, &err);
		if (rc != LARCH_OK || out.n != (pass + 1) * n) {
			fprintf(stderr, "%s %s n=%zu: rc %d (%s), %zu values\n",
				tsfile_encoding_name(enc), tsfile_type_name(type), n, rc, err.msg,
				out.n);
			fail();
		}
	}
	for (size_t pass = 0; pass < 2; pass++)
		assert_decoded(enc, type, precision, values,
			       (const uint8_t *)out.data + pass * n * col_elem_size(type), n);
	if (n > 0) {
		assert_int_equal(decode_stream(enc, type, in, s.len, n - 1, &out, &err),
				 LARCH_CORRUPTED);
		assert_int_equal(out.n, 2 * n);
	}
	col_free(&out);
	mem_free(in);
	buf_free(&s);
}

static void test_roundtrip_random(void **state)
{
	(void)state;
	char *pool = mem_alloc(64 * 40);
	void *values = mem_alloc(4097 * sizeof(tsfile_bytes_t));
	assert_non_null(pool);
	assert_non_null(values);
	for (size_t i = 0; i < 64 * 40; i++)
		pool[i] = (char)(i % 7 == 3 ? 0 : rng());
	for (size_t e = 0; e < LR_ARRAY_LEN(core_encodings); e++)
		for (size_t t = 0; t < LR_ARRAY_LEN(all_types); t++) {
			tsfile_encoding_t enc = core_encodings[e];
			tsfile_type_t type = all_types[t];
			if (!tsfile_encoding_supports(enc, type))
				continue;
			for (int shape = 0; shape < SHAPE_COUNT; shape++)
				for (size_t k = 0; k < LR_ARRAY_LEN(sizes); k++) {
					size_t n = sizes[k];
					gen_values(type, shape, n, values, pool);
					if (enc == TSFILE_GORILLA)
						avoid_sentinel(type, values, n);
					int precision = (int)rng_below(8) - 1; /* -1 .. 6 */
					roundtrip(enc, type, precision, values, n);
				}
		}
	mem_free(values);
	mem_free(pool);
}

/* Long runs (RLE runs of 32767 and more), GORILLA's first value equal to
 * the end marker, one-value and two-value pages. */
static void test_roundtrip_edges(void **state)
{
	(void)state;
	size_t n = 100000;
	int64_t *v = mem_alloc(n * sizeof *v);
	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = i < 70000 ? -1 : (int64_t)(i / 1000);
	roundtrip(TSFILE_RLE, TSFILE_INT64, 2, v, n);
	roundtrip(TSFILE_TS_2DIFF, TSFILE_INT64, 2, v, n);
	roundtrip(TSFILE_ZIGZAG, TSFILE_INT64, 2, v, n);
	roundtrip(TSFILE_GORILLA, TSFILE_INT64, 2, v, n);
	int32_t *w = (int32_t *)v;
	for (size_t i = 0; i < n; i++)
		w[i] = i % 40000 < 33000 ? INT32_MAX : INT32_MIN;
	roundtrip(TSFILE_RLE, TSFILE_INT32, 2, w, n);
	roundtrip(TSFILE_TS_2DIFF, TSFILE_INT32, 2, w, n);
	mem_free(v);

	/* the first value is always returned, even when it is the end marker */
	const double nan1[] = {NAN};
	const int64_t lmin[] = {INT64_MIN, 5};
	const int32_t imin[] = {INT32_MIN};
	const float fnan[] = {NAN, 1.0f};
	roundtrip(TSFILE_GORILLA, TSFILE_DOUBLE, 2, nan1, 1);
	roundtrip(TSFILE_GORILLA, TSFILE_INT64, 2, lmin, 2);
	roundtrip(TSFILE_GORILLA, TSFILE_INT32, 2, imin, 1);
	roundtrip(TSFILE_GORILLA, TSFILE_FLOAT, 2, fnan, 2);
	/* a later canonical NaN ends a GORILLA page: a property of the format */
	const double later[] = {1.0, NAN, 2.0};
	buf_t s = BUF_INIT;
	col_t out;
	larch_error_t err = {0};
	col_init(&out, TSFILE_DOUBLE);
	assert_int_equal(encode_stream(TSFILE_GORILLA, TSFILE_DOUBLE, NULL, later, 3, &s, &err),
			 LARCH_OK);
	assert_int_equal(decode_stream(TSFILE_GORILLA, TSFILE_DOUBLE, s.data, s.len, 3, &out, &err),
			 LARCH_OK);
	assert_int_equal(out.n, 1);
	col_free(&out);
	buf_free(&s);
}

/* Fail each allocation of an encode and of a decode in turn: the result is
 * LARCH_NO_MEMORY (decode: column untouched) or a correct stream/column,
 * and nothing leaks. */
static void test_oom(void **state)
{
	(void)state;
	char pool[64 * 40];
	tsfile_bytes_t values[300];
	for (size_t i = 0; i < sizeof pool; i++)
		pool[i] = (char)rng();
	size_t live = mem_used();
	for (size_t e = 0; e < LR_ARRAY_LEN(core_encodings); e++)
		for (size_t t = 0; t < LR_ARRAY_LEN(all_types); t++) {
			tsfile_encoding_t enc = core_encodings[e];
			tsfile_type_t type = all_types[t];
			if (!tsfile_encoding_supports(enc, type))
				continue;
			size_t n = LR_ARRAY_LEN(values);
			gen_values(type, SHAPE_EDGES, n, values, pool);
			if (enc == TSFILE_GORILLA)
				avoid_sentinel(type, values, n);
			larch_error_t err = {0};
			enc_params_t params = {2};
			buf_t good = BUF_INIT;
			assert_int_equal(encode_stream(enc, type, &params, values, n, &good, &err),
					 LARCH_OK);
			for (long k = 0; k < 8; k++) {
				buf_t s = BUF_INIT;
				col_t out;
				col_init(&out, type);
				mem_fail_after(k);
				int rc = encode_stream(enc, type, &params, values, n, &s, &err);
				mem_fail_after(-1);
				assert_true(rc == LARCH_OK || rc == LARCH_NO_MEMORY);
				if (rc == LARCH_OK) {
					assert_int_equal(s.len, good.len);
					assert_memory_equal(s.data, good.data, good.len);
				}
				mem_fail_after(k);
				rc = decode_stream(enc, type, good.data, good.len, n, &out, &err);
				mem_fail_after(-1);
				assert_true(rc == LARCH_OK || rc == LARCH_NO_MEMORY);
				if (rc == LARCH_OK) {
					assert_int_equal(out.n, n);
					assert_decoded(enc, type, 2, values, out.data, n);
				} else {
					assert_int_equal(out.n, 0);
				}
				col_free(&out);
				buf_free(&s);
			}
			buf_free(&good);
		}
	assert_int_equal(mem_used(), live);
}

/*---------------------------------------------------------------------------
 * Empty pages, wrong types
 *---------------------------------------------------------------------------*/

static void test_empty_and_types(void **state)
{
	(void)state;
	larch_error_t err = {0};
	col_t out;
	for (size_t e = 0; e < LR_ARRAY_LEN(core_encodings); e++)
		for (size_t t = 0; t < LR_ARRAY_LEN(all_types); t++) {
			if (!tsfile_encoding_supports(core_encodings[e], all_types[t]))
				continue;
			col_init(&out, all_types[t]);
			assert_int_equal(decode_stream(core_encodings[e], all_types[t],
						       (const uint8_t *)"", 0, 0, &out, &err),
					 LARCH_OK);
			assert_int_equal(out.n, 0);
			col_free(&out);
		}
	/* Java's RLE package for a page without values */
	col_init(&out, TSFILE_INT32);
	assert_int_equal(decode_stream(TSFILE_RLE, TSFILE_INT32, (const uint8_t *)"\0", 1, 0,
				       &out, &err),
			 LARCH_OK);
	assert_int_equal(out.n, 0);
	/* a decoder checks the column it appends to */
	const uint8_t plain8[8] = {0};
	assert_int_equal(decode_stream(TSFILE_PLAIN, TSFILE_INT64, plain8, 8, 1, &out, &err),
			 LARCH_ILLEGAL_PARAMETER);
	col_free(&out);
	buf_t s = BUF_INIT;
	const tsfile_bytes_t text[] = {{"a", 1}};
	assert_int_equal(encode_stream(TSFILE_GORILLA, TSFILE_TEXT, NULL, text, 1, &s, &err),
			 LARCH_UNSUPPORTED);
	assert_int_equal(encode_stream(TSFILE_ZIGZAG, TSFILE_FLOAT, NULL, text, 1, &s, &err),
			 LARCH_UNSUPPORTED);
	assert_int_equal(encode_stream(TSFILE_DICTIONARY, TSFILE_BLOB, NULL, text, 1, &s, &err),
			 LARCH_UNSUPPORTED);
	buf_free(&s);
}

/* Several packages in one stream (decoders read until the input ends). */
static void test_multiple_packages(void **state)
{
	(void)state;
	const int32_t rle[] = {1, 0, 1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
	assert_decodes(TSFILE_RLE, TSFILE_INT32, "04010303a0" "03031407", rle, 13, "RLE x2");
	const int64_t zz[] = {0, -1, 1, 300};
	assert_decodes(TSFILE_ZIGZAG, TSFILE_INT64, "0303000102" "0201d804", zz, 4, "ZIGZAG x2");
}

/*---------------------------------------------------------------------------
 * Hostile input
 *---------------------------------------------------------------------------*/

/* Decoding must give LARCH_OK (with at most max_values values) or
 * LARCH_CORRUPTED (with the column untouched). */
static int decode_hostile(tsfile_encoding_t enc, tsfile_type_t type, const uint8_t *in,
			  size_t len, size_t max_values)
{
	col_t out;
	larch_error_t err = {0};
	col_init(&out, type);
	int rc = decode_stream(enc, type, in, len, max_values, &out, &err);
	if (rc == LARCH_OK) {
		assert_true(out.n <= max_values);
	} else {
		if (rc != LARCH_CORRUPTED)
			fprintf(stderr, "%s %s: rc %d (%s)\n", tsfile_encoding_name(enc),
				tsfile_type_name(type), rc, err.msg);
		assert_int_equal(rc, LARCH_CORRUPTED);
		assert_int_equal(out.n, 0);
		assert_true(err.msg[0] != '\0');
	}
	col_free(&out);
	return rc;
}

/* Every prefix of every reference stream (and the whole stream), in a
 * buffer of exactly that size so ASan catches any read past it. */
static void test_truncated(void **state)
{
	(void)state;
	buf_t in = BUF_INIT;
	for (size_t k = 0; k < LR_ARRAY_LEN(wheel_vectors); k++) {
		const ref_vec_t *v = &wheel_vectors[k];
		hex_to_buf(v->hex, &in);
		for (size_t len = 0; len <= in.len; len++) {
			uint8_t *copy = mem_alloc(len ? len : 1);
			assert_non_null(copy);
			memcpy(copy, in.data, len);
			decode_hostile(v->enc, v->type, copy, len, v->n);
			mem_free(copy);
		}
		/* a budget one short of the values present */
		assert_int_equal(decode_hostile(v->enc, v->type, in.data, in.len, v->n - 1),
				 LARCH_CORRUPTED);
	}
	buf_free(&in);
}

/* Random bytes and single-byte corruptions of valid streams. */
static void test_garbage(void **state)
{
	(void)state;
	uint8_t junk[96];
	buf_t in = BUF_INIT;
	for (int round = 0; round < 300; round++)
		for (size_t e = 0; e < LR_ARRAY_LEN(core_encodings); e++)
			for (size_t t = 0; t < LR_ARRAY_LEN(all_types); t++) {
				tsfile_encoding_t enc = core_encodings[e];
				tsfile_type_t type = all_types[t];
				if (!tsfile_encoding_supports(enc, type))
					continue;
				size_t len = rng_below(sizeof junk + 1);
				for (size_t i = 0; i < len; i++)
					junk[i] = (uint8_t)(rng_below(4) ? rng() : rng_below(3));
				uint8_t *copy = mem_alloc(len ? len : 1);
				assert_non_null(copy);
				memcpy(copy, junk, len);
				decode_hostile(enc, type, copy, len, 1 + rng_below(2000));
				mem_free(copy);
			}
	for (size_t k = 0; k < LR_ARRAY_LEN(wheel_vectors); k++) {
		const ref_vec_t *v = &wheel_vectors[k];
		hex_to_buf(v->hex, &in);
		for (int round = 0; round < 40; round++) {
			size_t at = rng_below(in.len);
			uint8_t old = in.data[at];
			in.data[at] ^= (uint8_t)(1u << rng_below(8));
			decode_hostile(v->enc, v->type, in.data, in.len, v->n + 8);
			in.data[at] = old;
		}
	}
	buf_free(&in);
}

/* One crafted stream that must be refused. */
typedef struct bad_stream {
	tsfile_encoding_t enc;
	tsfile_type_t type;
	size_t max_values;
	const char *hex;
	const char *why;
} bad_stream_t;

static const bad_stream_t bad_streams[] = {
	/* TS_2DIFF */
	{TSFILE_TS_2DIFF, TSFILE_INT64, 1000,
	 "7fffffff" "00000040" "0000000000000000" "0000000000000000",
	 "2^31-1 deltas of 64 bits in 24 bytes"},
	{TSFILE_TS_2DIFF, TSFILE_INT64, 1000,
	 "7fffffff" "00000000" "0000000000000001" "0000000000000000",
	 "2^31-1 zero-width deltas, budget 1000"},
	{TSFILE_TS_2DIFF, TSFILE_INT32, 1000, "ffffffff" "00000000" "00000001" "00000000",
	 "negative delta count"},
	{TSFILE_TS_2DIFF, TSFILE_INT32, 1000, "00000001" "00000021" "00000001" "00000000" "ffffffffff",
	 "width 33 in the 32-bit form"},
	{TSFILE_TS_2DIFF, TSFILE_INT64, 1000,
	 "00000001" "00000041" "0000000000000001" "0000000000000000" "ffffffffffffffffff",
	 "width 65"},
	{TSFILE_TS_2DIFF, TSFILE_INT64, 1000, "000000000000000000000000", "header cut short"},
	/* RLE */
	{TSFILE_RLE, TSFILE_INT32, 1000, "ffffffff0f01", "package length 2^32-1"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "0200" "02", "bit width 0"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "032114" "07", "bit width 33"},
	{TSFILE_RLE, TSFILE_INT64, 1000, "024114", "bit width 65"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "0701feffffff0f01", "run of 2^31 values, budget 1000"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "03010001", "run of 0 values"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "030101" "08", "bit-packed run of 0 groups"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "0401030900", "last group of 9 values"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "0401030000", "last group of 0 values"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "0508ff0108ff", "bit-packed groups past the package"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "0201ff", "run header cut short"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "0210" "02", "run value missing"},
	{TSFILE_RLE, TSFILE_INT32, 1000, "0808" "ffffffffffffff", "run header longer than 5 bytes"},
	/* lossy float wrapper */
	{TSFILE_TS_2DIFF, TSFILE_FLOAT, 1000, "ffffffff070001" "02", "form 2 with count 0"},
	{TSFILE_TS_2DIFF, TSFILE_FLOAT, 1000, "ffffffff07ffffffff07", "form 2 count over budget"},
	{TSFILE_TS_2DIFF, TSFILE_DOUBLE, 1000, "feffffff071001", "form 3 bitmaps cut short"},
	{TSFILE_TS_2DIFF, TSFILE_DOUBLE, 1000,
	 "ffffffff070203" "02" "00000000" "00000000" "7fffffffffffffff" "0000000000000001",
	 "form 2 count 2, stream holds 1"},
	{TSFILE_RLE, TSFILE_FLOAT, 1000, "ffffffffff", "precision varint unterminated"},
	/* GORILLA */
	{TSFILE_GORILLA, TSFILE_DOUBLE, 1000, "3ff8000000000000", "no end marker"},
	{TSFILE_GORILLA, TSFILE_DOUBLE, 1000, "3ff80000", "first value cut short"},
	{TSFILE_GORILLA, TSFILE_INT32, 1000, "00000001" "80", "'10' before any window"},
	{TSFILE_GORILLA, TSFILE_INT64, 1000, "0000000000000001" "ffff" "00000000000000000000",
	 "lz 63 + 64 bits"},
	{TSFILE_GORILLA, TSFILE_INT32, 5, "00000001" "00" "00", "16 repeats, budget 5"},
	/* ZIGZAG */
	{TSFILE_ZIGZAG, TSFILE_INT32, 1000, "0205" "0000", "5 values in 2 bytes"},
	{TSFILE_ZIGZAG, TSFILE_INT32, 1000, "0501" "00", "5 bytes declared, 1 present"},
	{TSFILE_ZIGZAG, TSFILE_INT32, 1000, "0301" "000000", "stray bytes in a package"},
	{TSFILE_ZIGZAG, TSFILE_INT32, 1000, "0601" "ffffffffff01", "6-byte int32 varint"},
	{TSFILE_ZIGZAG, TSFILE_INT64, 1000, "0201" "8080", "varint cut by the package end"},
	{TSFILE_ZIGZAG, TSFILE_INT64, 2, "030300" "0102", "3 values, budget 2"},
	/* DICTIONARY */
	{TSFILE_DICTIONARY, TSFILE_TEXT, 1000, "feffffff07", "2^30 entries in 5 bytes"},
	{TSFILE_DICTIONARY, TSFILE_TEXT, 1000, "03", "negative entry count"},
	{TSFILE_DICTIONARY, TSFILE_TEXT, 1000, "0203" "61", "negative entry length"},
	{TSFILE_DICTIONARY, TSFILE_TEXT, 1000, "020a" "61", "entry past the end"},
	{TSFILE_DICTIONARY, TSFILE_TEXT, 1000, "020261" "050203032000", "index 2 of 1 entry"},
	{TSFILE_DICTIONARY, TSFILE_TEXT, 1000, "00" "03011400", "indexes with no entries"},
	/* PLAIN */
	{TSFILE_PLAIN, TSFILE_TEXT, 1000, "0a6162", "string past the end"},
	{TSFILE_PLAIN, TSFILE_STRING, 1000, "03", "negative string length"},
	{TSFILE_PLAIN, TSFILE_INT64, 1000, "00000000000000", "7 bytes of INT64"},
	{TSFILE_PLAIN, TSFILE_DOUBLE, 1000, "0000000000000000" "00", "9 bytes of DOUBLE"},
	{TSFILE_PLAIN, TSFILE_FLOAT, 1, "0000000000000000", "2 floats, budget 1"},
	{TSFILE_PLAIN, TSFILE_BOOLEAN, 3, "01000101", "4 booleans, budget 3"},
	{TSFILE_PLAIN, TSFILE_INT32, 2, "020406", "3 int32s, budget 2"},
	{TSFILE_PLAIN, TSFILE_INT32, 1000, "0280", "varint cut short"},
	{TSFILE_PLAIN, TSFILE_DATE, 1000, "ffffffffff01", "6-byte varint"},
};

static void test_absurd(void **state)
{
	(void)state;
	buf_t in = BUF_INIT;
	for (size_t k = 0; k < LR_ARRAY_LEN(bad_streams); k++) {
		const bad_stream_t *b = &bad_streams[k];
		hex_to_buf(b->hex, &in);
		uint8_t *copy = mem_alloc(in.len);
		assert_non_null(copy);
		memcpy(copy, in.data, in.len);
		if (decode_hostile(b->enc, b->type, copy, in.len, b->max_values) != LARCH_CORRUPTED) {
			fprintf(stderr, "accepted: %s\n", b->why);
			fail();
		}
		mem_free(copy);
	}
	buf_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_java_forms),
		cmocka_unit_test(test_wheel_vectors),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_roundtrip_edges),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_empty_and_types),
		cmocka_unit_test(test_multiple_packages),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_absurd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
