/* Unit tests for src/tsfile/bloom.c: Apache TsFile's footer bloom filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tsfile/tsfile_int.h"
#include "../helpers/hex.h"

/* Build a filter sized for n entries at the default p = 0.05 over strs and
 * check its serialization against the expected hex. */
static void check_filter(const char *const *strs, size_t n, const char *expect_hex)
{
	bloom_t b;
	assert_int_equal(bloom_init(&b, n, 0.05), LARCH_OK);
	assert_int_equal(b.size_bits, 256);
	assert_int_equal(b.hash_count, 5);
	for (size_t i = 0; i < n; i++)
		bloom_add(&b, strs[i], strlen(strs[i]));
	for (size_t i = 0; i < n; i++)
		assert_true(bloom_may_contain(&b, strs[i], strlen(strs[i])));
	buf_t out = BUF_INIT;
	bloom_write(&b, &out);
	size_t elen;
	uint8_t *expect = hex_decode(expect_hex, &elen);
	assert_true(buf_ok(&out));
	assert_int_equal(out.len, elen);
	assert_memory_equal(out.data, expect, elen);
	mem_free(expect);
	buf_free(&out);
	bloom_free(&b);
}

/* Reference §13: 256 bits, k = 5, four series (also what Apache's Java
 * Murmur128Hash gives under the driver described below). */
static void test_reference_vector(void **state)
{
	(void)state;
	const char *const s[] = {"root.sg.d1.s1", "root.sg.d1.s2", "root.sg.d1.s3", "root.sg.d2.a"};
	check_filter(s, 4,
		     "1f" "000002005094000001000040002100000000000080010044000640010000a0" "8002" "05");
}

/* Reference §13 fixture: the footer filter the official C++ writer emits for
 * root.sg.d1.{s1,s2} (re-checked: the installed tsfile 2.5 wheel writes the
 * same bytes). */
static const char fixture_filter[] =
	"1f" "00000200108000000000004000200000000000000000004000064000000080" "8002" "05";

static void test_fixture_filter(void **state)
{
	(void)state;
	const char *const s[] = {"root.sg.d1.s1", "root.sg.d1.s2"};
	check_filter(s, 2, fixture_filter);
}

/* Non-ASCII names exercise the sign-extended tail bytes (tails of 1, 1, 9
 * and 6 bytes; the 9-byte one reaches k2).  Expected bytes: Apache TsFile's
 * own Murmur128Hash.java (apache/tsfile @a9f54614) run on JDK 17 under a
 * driver doing what BloomFilter.java does (sizing, seeds, BitSet bytes). */
static const char *const non_ascii[] = {"root.sg.d1.温度", "root.sg.d1.tempé",
					"root.sg.d1.s_温度湿度", "root.sg.d1.ab温度湿"};

static void test_non_ascii_matches_java(void **state)
{
	(void)state;
	check_filter(non_ascii, 4,
		     "1d" "0000200c000801200040200401004000a2008000000000020400010050" "8002" "05");
}

/* 60 series (375 bits): a size above the minimum.  Expected bytes from the
 * same Java driver. */
static void test_sixty_series_matches_java(void **state)
{
	(void)state;
	char names[60][32];
	bloom_t b;
	assert_int_equal(bloom_init(&b, 60, 0.05), LARCH_OK);
	assert_int_equal(b.size_bits, 375);
	for (int i = 0; i < 60; i++) {
		int len = snprintf(names[i], sizeof names[i], "root.sg.d%d.s%d", i % 5, i);
		bloom_add(&b, names[i], (size_t)len);
	}
	buf_t out = BUF_INIT;
	bloom_write(&b, &out);
	size_t n;
	uint8_t *expect = hex_decode("2f"
				     "6bfeac0567b00e04fafa6e09f3aec04a74b7d271cae2d3db33b4759d2cd67f"
				     "5f59373f39f35d389857e9bf1de8d446"
				     "f702" "05",
				     &n);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, expect, n);
	mem_free(expect);
	buf_free(&out);
	bloom_free(&b);
}

/* The tsfile 2.5 wheel (C++ of late 2025) hashes tail bytes unsigned, so its
 * filter for the same names differs from Java's.  Expected: the footer
 * filter of a file that wheel wrote with these four measurements of
 * root.sg.d1.  A lookup must still find every one of them. */
static void test_reads_cpp_unsigned_tail_filter(void **state)
{
	(void)state;
	size_t n;
	uint8_t *bytes = hex_decode("20" "000000284040400000000c000000400040008000000020c00000000100600021"
				    "8002" "05",
				    &n);
	rd_t r;
	rd_init(&r, bytes, n, 0);
	bloom_t b;
	assert_int_equal(bloom_read(&r, &b, NULL), LARCH_OK);
	for (size_t i = 0; i < LR_ARRAY_LEN(non_ascii); i++)
		assert_true(bloom_may_contain(&b, non_ascii[i], strlen(non_ascii[i])));
	assert_false(bloom_may_contain(&b, "root.sg.d1.s1", 13));
	assert_false(bloom_may_contain(&b, "root.sg.d1.湿度", strlen("root.sg.d1.湿度")));
	bloom_free(&b);
	mem_free(bytes);
}

static void test_read_fixture(void **state)
{
	(void)state;
	size_t n;
	uint8_t *bytes = hex_decode(fixture_filter, &n);
	rd_t r;
	rd_init(&r, bytes, n, 0);
	bloom_t b;
	larch_error_t err = {0};
	assert_int_equal(bloom_read(&r, &b, &err), LARCH_OK);
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(b.size_bits, 256);
	assert_int_equal(b.hash_count, 5);
	assert_true(bloom_may_contain(&b, "root.sg.d1.s1", 13));
	assert_true(bloom_may_contain(&b, "root.sg.d1.s2", 13));
	assert_false(bloom_may_contain(&b, "root.sg.d1.s3", 13));
	assert_false(bloom_may_contain(&b, "root.sg.d2.a", 12));
	/* re-serializing gives the input back */
	buf_t out = BUF_INIT;
	bloom_write(&b, &out);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, bytes, n);
	buf_free(&out);
	bloom_free(&b);
	mem_free(bytes);
}

/* Sizes follow Java's getEmptyBloomFilter: values computed by hand from
 * size = (int)(n * -ln p / ln^2 2) + 1, k = (int)(-ln p / ln 2) + 1. */
static void test_sizing(void **state)
{
	(void)state;
	static const struct {
		uint64_t n;
		double p;
		uint32_t size, k;
	} cases[] = {
		{0, 0.05, 256, 5},       {4, 0.05, 256, 5},
		{41, 0.05, 256, 5},      /* 255.6 -> 256 */
		{42, 0.05, 262, 5},      /* 261.88 -> 262 */
		{1000, 0.05, 6236, 5},   /* 6235.22 -> 6236 */
		{1000, 0.01, 9586, 7},   /* 9585.06 -> 9586; 6.64 -> k 7 */
		{1000, 0.001, 9586, 7},  /* clamped to 0.01 */
		{1000, 0.1, 4793, 4},    /* 4792.53 -> 4793; 3.32 -> k 4 */
		{1000, 0.9, 4793, 4},    /* clamped to 0.1 */
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		bloom_t b;
		assert_int_equal(bloom_init(&b, cases[i].n, cases[i].p), LARCH_OK);
		assert_int_equal(b.size_bits, cases[i].size);
		assert_int_equal(b.hash_count, cases[i].k);
		bloom_free(&b);
	}
}

/* Many entries: no false negatives, a false-positive rate near p, and the
 * filter survives a write/read round trip unchanged. */
static void test_many_entries_roundtrip(void **state)
{
	(void)state;
	enum { N = 5000 };
	bloom_t b;
	char s[64];
	assert_int_equal(bloom_init(&b, N, 0.05), LARCH_OK);
	for (int i = 0; i < N; i++) {
		int len = snprintf(s, sizeof s, "root.sg%d.d%d.s%d", i % 7, i % 101, i);
		bloom_add(&b, s, (size_t)len);
	}
	buf_t out = BUF_INIT;
	bloom_write(&b, &out);
	rd_t r;
	rd_init(&r, out.data, out.len, 0);
	bloom_t back;
	assert_int_equal(bloom_read(&r, &back, NULL), LARCH_OK);
	assert_int_equal(back.size_bits, b.size_bits);
	assert_int_equal(back.hash_count, b.hash_count);
	int fp = 0;
	for (int i = 0; i < N; i++) {
		int len = snprintf(s, sizeof s, "root.sg%d.d%d.s%d", i % 7, i % 101, i);
		assert_true(bloom_may_contain(&back, s, (size_t)len));
		len = snprintf(s, sizeof s, "root.other.d%d.x%d", i, i);
		fp += bloom_may_contain(&back, s, (size_t)len);
	}
	assert_true(fp < N / 10); /* p = 0.05 */
	buf_t again = BUF_INIT;
	bloom_write(&back, &again);
	assert_int_equal(again.len, out.len);
	assert_memory_equal(again.data, out.data, out.len);
	buf_free(&again);
	buf_free(&out);
	bloom_free(&back);
	bloom_free(&b);
}

/* An all-zero filter is the single byte 00; reading 00 gives "no filter",
 * which may contain anything, and is written back as 00. */
static void test_empty_filter(void **state)
{
	(void)state;
	bloom_t b;
	assert_int_equal(bloom_init(&b, 0, 0.05), LARCH_OK);
	buf_t out = BUF_INIT;
	bloom_write(&b, &out);
	assert_int_equal(out.len, 1);
	assert_int_equal(out.data[0], 0);
	bloom_free(&b);

	const uint8_t in[] = {0x00, 0x06}; /* 00, then the next field */
	rd_t r;
	rd_init(&r, in, sizeof in, 0);
	assert_int_equal(bloom_read(&r, &b, NULL), LARCH_OK);
	assert_int_equal(rd_left(&r), 1); /* no size/k consumed */
	assert_int_equal(b.size_bits, 0);
	assert_true(bloom_may_contain(&b, "anything", 8));
	buf_reset(&out);
	bloom_write(&b, &out);
	assert_int_equal(out.len, 1);
	assert_int_equal(out.data[0], 0);
	bloom_free(&b);
	buf_free(&out);
}

/* A stored filter shorter than its size (trailing zero bytes dropped): the
 * bits past the stored bytes read as 0, writing it back drops them again,
 * and k above 8 is clamped as Java does. */
static void test_short_filter_and_clamp(void **state)
{
	(void)state;
	const uint8_t in[] = {0x01, 0xff, 0x80, 0x20, 0x0c}; /* 1 byte, 4096 bits, k 12 */
	rd_t r;
	rd_init(&r, in, sizeof in, 0);
	bloom_t b;
	assert_int_equal(bloom_read(&r, &b, NULL), LARCH_OK);
	assert_int_equal(b.size_bits, 4096);
	assert_int_equal(b.hash_count, 8);
	assert_int_equal(b.bits[0], 0xff);
	for (size_t i = 1; i < 512; i++)
		assert_int_equal(b.bits[i], 0);
	assert_false(bloom_may_contain(&b, "root.sg.d1.s1", 13));
	buf_t out = BUF_INIT;
	bloom_write(&b, &out);
	const uint8_t again[] = {0x01, 0xff, 0x80, 0x20, 0x08}; /* k written as used */
	assert_int_equal(out.len, sizeof again);
	assert_memory_equal(out.data, again, sizeof again);
	buf_free(&out);
	bloom_free(&b);

	/* a large filter backed by 1/64 of its bytes is accepted */
	enum { BIG = 1 << 23, STORED = BIG / 8 / 64 };
	buf_t big = BUF_INIT;
	buf_put_uvarint(&big, STORED);
	uint8_t *p = buf_extend(&big, STORED);
	assert_non_null(p);
	memset(p, 0xa5, STORED);
	buf_put_uvarint(&big, BIG);
	buf_put_uvarint(&big, 5);
	rd_init(&r, big.data, big.len, 0);
	assert_int_equal(bloom_read(&r, &b, NULL), LARCH_OK);
	assert_int_equal(b.size_bits, BIG);
	assert_int_equal(b.bits[STORED - 1], 0xa5);
	assert_int_equal(b.bits[STORED], 0);
	bloom_free(&b);
	buf_free(&big);
}

static void expect_corrupt(const uint8_t *in, size_t n)
{
	rd_t r;
	rd_init(&r, in, n, 1000);
	bloom_t b;
	larch_error_t err = {0};
	assert_int_equal(bloom_read(&r, &b, &err), LARCH_CORRUPTED);
	assert_int_equal(err.code, LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "offset 1000"));
	assert_null(b.bits);
	bloom_free(&b);
}

static void test_hostile(void **state)
{
	(void)state;
	size_t n;
	uint8_t *bytes = hex_decode(fixture_filter, &n);
	for (size_t cut = 0; cut < n; cut++)
		expect_corrupt(bytes, cut);
	mem_free(bytes);

	const uint8_t zero_size[] = {0x01, 0xff, 0x00, 0x05};
	expect_corrupt(zero_size, sizeof zero_size);
	const uint8_t huge_size[] = {0x01, 0xff, 0x80, 0x80, 0x80, 0x80, 0x08, 0x05}; /* 2^31 */
	expect_corrupt(huge_size, sizeof huge_size);
	/* 2^28 bits declared, one byte stored: would allocate 32 MiB */
	const uint8_t unbacked[] = {0x01, 0xff, 0x80, 0x80, 0x80, 0x80, 0x01, 0x05};
	expect_corrupt(unbacked, sizeof unbacked);
	const uint8_t long_len[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02}; /* 4 GiB claimed */
	expect_corrupt(long_len, sizeof long_len);
	const uint8_t bad_varint[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
	expect_corrupt(bad_varint, sizeof bad_varint);
}

static void test_oom(void **state)
{
	(void)state;
	bloom_t b;
	mem_fail_after(0);
	assert_int_equal(bloom_init(&b, 10, 0.05), LARCH_NO_MEMORY);
	mem_fail_after(-1);
	assert_null(b.bits);

	size_t n;
	uint8_t *bytes = hex_decode(fixture_filter, &n);
	rd_t r;
	rd_init(&r, bytes, n, 0);
	mem_fail_after(0);
	assert_int_equal(bloom_read(&r, &b, NULL), LARCH_NO_MEMORY);
	mem_fail_after(-1);
	bloom_free(&b);
	mem_free(bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_vector),
		cmocka_unit_test(test_fixture_filter),
		cmocka_unit_test(test_non_ascii_matches_java),
		cmocka_unit_test(test_sixty_series_matches_java),
		cmocka_unit_test(test_reads_cpp_unsigned_tail_filter),
		cmocka_unit_test(test_read_fixture),
		cmocka_unit_test(test_sizing),
		cmocka_unit_test(test_many_entries_roundtrip),
		cmocka_unit_test(test_empty_filter),
		cmocka_unit_test(test_short_filter_and_clamp),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
