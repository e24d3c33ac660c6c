/* Unit tests for src/tsfile/codec.c: page compression round trips, the
 * on-disk framing of each codec, pages written by the official library, and
 * hostile input. */
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <setjmp.h>
#include <snappy-c.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <cmocka.h>

#include "tsfile/tsfile_int.h"
#include "../helpers/hex.h"

static const tsfile_codec_t all_codecs[] = {TSFILE_UNCOMPRESSED, TSFILE_SNAPPY, TSFILE_GZIP,
					    TSFILE_LZ4,          TSFILE_ZSTD,   TSFILE_LZMA2};
static const tsfile_codec_t real_codecs[] = {TSFILE_SNAPPY, TSFILE_GZIP, TSFILE_LZ4,
					     TSFILE_ZSTD, TSFILE_LZMA2};

/* Deterministic pseudo-random numbers (xorshift). */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint8_t *random_bytes(size_t n)
{
	uint8_t *p = mem_alloc(n ? n : 1);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
	return p;
}

/* Compressible: a page-like body of big-endian int64s with small deltas and
 * some repeated text. */
static uint8_t *compressible_bytes(size_t n)
{
	uint8_t *p = mem_alloc(n ? n : 1);
	assert_non_null(p);
	int64_t v = 1700000000000;
	size_t i = 0;
	while (i + 8 <= n / 2) {
		v += 1000 + (int64_t)(rng() % 3);
		store_be64(p + i, (uint64_t)v);
		i += 8;
	}
	static const char text[] = "root.sg.d1.temperature=21.5;";
	for (; i < n; i++)
		p[i] = (uint8_t)text[i % (sizeof text - 1)];
	return p;
}

/* Decompress into a heap buffer of exactly out_len bytes (so ASan reports
 * any write past it) and return the status. */
static int decompress_exact(tsfile_codec_t c, const uint8_t *in, size_t n, size_t out_len,
			    uint8_t **out, larch_error_t *err)
{
	*out = mem_alloc(out_len ? out_len : 1);
	assert_non_null(*out);
	return codec_decompress(c, in, n, *out, out_len, err);
}

static void roundtrip(tsfile_codec_t c, const uint8_t *data, size_t n)
{
	buf_t out = BUF_INIT;
	buf_put(&out, "prefix", 6); /* compress appends */
	larch_error_t err = {0};
	assert_int_equal(codec_compress(c, data, n, &out, &err), LARCH_OK);
	assert_memory_equal(out.data, "prefix", 6);
	uint8_t *back;
	int rc = decompress_exact(c, out.data + 6, out.len - 6, n, &back, &err);
	if (rc)
		fail_msg("%s, %zu bytes: %s", tsfile_codec_name(c), n, err.msg);
	if (n)
		assert_memory_equal(back, data, n);
	mem_free(back);
	buf_free(&out);
}

static void test_roundtrip_all(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 7, 100, 4096, 65536, 1 << 20};
	for (size_t s = 0; s < LR_ARRAY_LEN(sizes); s++) {
		uint8_t *rnd = random_bytes(sizes[s]);
		uint8_t *cmp = compressible_bytes(sizes[s]);
		for (size_t c = 0; c < LR_ARRAY_LEN(all_codecs); c++) {
			roundtrip(all_codecs[c], rnd, sizes[s]);
			roundtrip(all_codecs[c], cmp, sizes[s]);
		}
		mem_free(rnd);
		mem_free(cmp);
	}
}

/* Compressible data must actually shrink with every real codec. */
static void test_compresses(void **state)
{
	(void)state;
	enum { N = 65536 };
	uint8_t *cmp = compressible_bytes(N);
	for (size_t c = 0; c < LR_ARRAY_LEN(real_codecs); c++) {
		buf_t out = BUF_INIT;
		assert_int_equal(codec_compress(real_codecs[c], cmp, N, &out, NULL), LARCH_OK);
		assert_true(out.len < N / 2);
		buf_free(&out);
	}
	mem_free(cmp);
}

/*---------------------------------------------------------------------------
 * Our output is the standard format, read back by each library's own
 * decoder (not through codec.c)
 *---------------------------------------------------------------------------*/

static void compress_sample(tsfile_codec_t c, const uint8_t *data, size_t n, buf_t *out)
{
	buf_init(out);
	assert_int_equal(codec_compress(c, data, n, out, NULL), LARCH_OK);
}

static void test_gzip_is_gzip(void **state)
{
	(void)state;
	enum { N = 10000 };
	uint8_t *data = compressible_bytes(N);
	buf_t z;
	compress_sample(TSFILE_GZIP, data, N, &z);
	assert_true(z.len > 18);
	assert_int_equal(z.data[0], 0x1f); /* gzip magic, deflate */
	assert_int_equal(z.data[1], 0x8b);
	assert_int_equal(z.data[2], 8);
	/* ISIZE trailer = uncompressed length, little-endian */
	const uint8_t *t = z.data + z.len - 4;
	assert_int_equal(t[0] | t[1] << 8 | t[2] << 16 | (uint32_t)t[3] << 24, N);

	/* zlib's gzip file reader */
	char path[] = "/tmp/larch_test_codec_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, z.data, z.len), (ssize_t)z.len);
	close(fd);
	gzFile gz = gzopen(path, "rb");
	assert_non_null(gz);
	uint8_t *back = mem_alloc(N + 1);
	assert_int_equal(gzread(gz, back, N + 1), N);
	assert_int_equal(gzdirect(gz), 0); /* it was really decompressed */
	gzclose(gz);
	unlink(path);
	assert_memory_equal(back, data, N);
	mem_free(back);
	buf_free(&z);
	mem_free(data);
}

static void test_lz4_is_raw_block(void **state)
{
	(void)state;
	enum { N = 10000 };
	uint8_t *data = compressible_bytes(N);
	buf_t z;
	compress_sample(TSFILE_LZ4, data, N, &z);
	assert_false(z.len >= 4 && load_be32(z.data) == 0x04224d18); /* no frame magic */
	char *back = mem_alloc(N);
	assert_int_equal(LZ4_decompress_safe((const char *)z.data, back, (int)z.len, N), N);
	assert_memory_equal(back, data, N);
	mem_free(back);
	buf_free(&z);
	mem_free(data);
}

static void test_snappy_is_raw_block(void **state)
{
	(void)state;
	enum { N = 10000 };
	uint8_t *data = compressible_bytes(N);
	buf_t z;
	compress_sample(TSFILE_SNAPPY, data, N, &z);
	assert_int_equal(snappy_validate_compressed_buffer((const char *)z.data, z.len), SNAPPY_OK);
	size_t len = 0;
	assert_int_equal(snappy_uncompressed_length((const char *)z.data, z.len, &len), SNAPPY_OK);
	assert_int_equal(len, N);
	char *back = mem_alloc(N);
	assert_int_equal(snappy_uncompress((const char *)z.data, z.len, back, &len), SNAPPY_OK);
	assert_memory_equal(back, data, N);
	mem_free(back);
	buf_free(&z);
	mem_free(data);
}

static void test_zstd_is_frame(void **state)
{
	(void)state;
	enum { N = 10000 };
	uint8_t *data = compressible_bytes(N);
	buf_t z;
	compress_sample(TSFILE_ZSTD, data, N, &z);
	assert_int_equal(load_be32(z.data), 0x28b52ffd); /* frame magic (LE 0xFD2FB528) */
	assert_int_equal(ZSTD_getFrameContentSize(z.data, z.len), N);
	assert_int_equal(ZSTD_findFrameCompressedSize(z.data, z.len), z.len); /* one frame */
	uint8_t *back = mem_alloc(N);
	assert_int_equal(ZSTD_decompress(back, N, z.data, z.len), N);
	assert_memory_equal(back, data, N);
	mem_free(back);
	buf_free(&z);
	mem_free(data);
}

/* Offset of the LZMA2 filter properties byte in the block header of an .xz
 * stream written by liblzma's buffer encoder (which records both sizes). */
static size_t xz_dict_prop_offset(const uint8_t *x, size_t n)
{
	size_t p = 12; /* after the stream header */
	assert_true(n > p + 8);
	uint8_t flags = x[p + 1];
	p += 2;
	for (int f = 0x40; f <= 0x80; f <<= 1) /* compressed, uncompressed size */
		if (flags & f)
			while (x[p++] & 0x80)
				;
	assert_int_equal(x[p], 0x21); /* LZMA2 filter id */
	assert_int_equal(x[p + 1], 1); /* one property byte */
	return p + 2;
}

static void test_xz_is_xz_crc64(void **state)
{
	(void)state;
	enum { N = 10000 };
	uint8_t *data = compressible_bytes(N);
	buf_t z;
	compress_sample(TSFILE_LZMA2, data, N, &z);
	assert_memory_equal(z.data, "\xfd" "7zXZ\0", 6); /* stream magic */
	assert_int_equal(z.data[6], 0);
	assert_int_equal(z.data[7], LZMA_CHECK_CRC64);
	assert_memory_equal(z.data + z.len - 2, "YZ", 2); /* footer magic */
	uint64_t memlimit = UINT64_MAX;
	size_t in_pos = 0, out_pos = 0;
	uint8_t *back = mem_alloc(N);
	assert_int_equal(lzma_stream_buffer_decode(&memlimit, 0, NULL, z.data, &in_pos, z.len, back,
						   &out_pos, N),
			 LZMA_OK);
	assert_int_equal(in_pos, z.len);
	assert_int_equal(out_pos, N);
	assert_memory_equal(back, data, N);
	/* the dictionary is trimmed to the input: 10000 bytes -> code 4 (12 KiB)
	 * rather than the preset's 8 MiB (code 22) */
	size_t prop = xz_dict_prop_offset(z.data, z.len);
	assert_true(z.data[prop] <= 4);
	mem_free(back);
	buf_free(&z);
	mem_free(data);
}

/*---------------------------------------------------------------------------
 * Pages written by the official library
 *---------------------------------------------------------------------------*/

/* Reference §13 fixture: the LZ4 page of s2 (DOUBLE GORILLA, times
 * 1000/1010/1020, values 1.5/2.5/2.5), 27 bytes stored, 39 uncompressed:
 * uvarint 24, the TS_2DIFF time stream, the GORILLA value stream (both
 * spelled out in the reference). */
static void test_fixture_lz4_page(void **state)
{
	(void)state;
	size_t n, en;
	uint8_t *page = hex_decode("661800000002000100120a0b004203e83ff80a0060c133ffe9ffe0", &n);
	uint8_t *expect = hex_decode("18" "00000002" "00000000" "000000000000000a" "00000000000003e8"
				     "3ff8000000000000" "c133ffe9ffe0",
				     &en);
	assert_int_equal(n, 27);
	assert_int_equal(en, 39);
	uint8_t *out;
	larch_error_t err = {0};
	assert_int_equal(decompress_exact(TSFILE_LZ4, page, n, 39, &out, &err), LARCH_OK);
	assert_memory_equal(out, expect, 39);
	mem_free(out);
	/* the same block against a wrong size fails */
	assert_int_equal(decompress_exact(TSFILE_LZ4, page, n, 38, &out, &err), LARCH_CORRUPTED);
	mem_free(out);
	assert_int_equal(decompress_exact(TSFILE_LZ4, page, n, 40, &out, &err), LARCH_CORRUPTED);
	mem_free(out);
	mem_free(expect);
	mem_free(page);
}

/* One page per codec from the tsfile 2.5 Python wheel (C++ writer): series
 * root.sg.d1.s1 INT64 PLAIN, 40 rows at times 1000 + 10 i with values i*i;
 * each hex is the stored page body cut out of the written file.  All decode
 * to the same 345-byte body: uvarint 24, the TS_2DIFF time block (39 deltas
 * of 10 from 1000), then 40 big-endian int64 values i*i. */
static const char official_snappy[] =
	"d902141800000027001901000a090b0403e80908150100010d0a00040d080009"
	"0d0800100d0800190d0800240d0800310d0800400d0800510d0800640d080079"
	"0d0800900d0800a90d0800c40d0800e1090811770401210d1000440d08046900"
	"050100010d400401b9050f080001e409080402110d080d800402710d1000a40d"
	"0800d9090800030dc00403490d1000840d0800c1090811ef0404410d100d2004"
	"04c9091000050d400405590d1020a400000000000005f1";
static const char official_gzip[] =
	"1f8b080000000000000355cf2b0e83501085e1b92f018aba56362141770725c1"
	"2091780cb2b2be0be8226aba844a921a968024a9c0b2838af909b9c77c6232af"
	"a38814b22755dc22710c7a4c30c313e678c12b36d8e11d9ff8c62fcef15a73c6"
	"0a7ba4df7cf0a7da03b2dfdef08593eab8dfd5f8c041dddef52552f7a31ae80f"
	"2d323fac7fb514436459010000";
static const char official_lz4[] =
	"661800000027000100120a0b002203e8080005020013010a0013040800130908"
	"0013100800131908001324080013310800134008001351080013640800137908"
	"001390080013a9080013c4080012e10800047700230121100013440800136908"
	"000340002301b9100012e408002302110800038000230271100013a4080012d9"
	"08001303c00023034910001384080012c1080004ef0023044110000320002204"
	"c9100013054000230559100090a400000000000005f1";
static const char official_zstd[] =
	"28b52ffd605900a5040064051800000027000a0003e800010004000900100019"
	"002400310040005100640079009000a900c400e100012101440169019001b901"
	"e402110240027102a402d90310034903840003c10441048404c90510055905a4"
	"05f12920f0750e030f3cf0c003af81f20a371ac678e0810f3cf0c0030f3cf0c0"
	"030f8c07ea142e1ed8c0030f3cf0c0030f3cf0c0031b78e001cb21f0868a";
static const char official_lzma2[] =
	"fd377a585a000004e6d6b44603c05fd902210116000000009a964a52e0015800"
	"575d000c0033438de75c0221752e9e1918f791fb609961518f249acb5582d2b8"
	"e881d5bbdfb52ce5a269113af218a63e029583b6518eb132a449552bf0f07449"
	"54c1843c574108968c50ed536b051db0f1a154f0fe4bd21353000000e7f94a9a"
	"98619790000177d902000000073c9efbb1c467fb020000000004595a";

static const struct {
	tsfile_codec_t codec;
	const char *hex;
} official[] = {
	{TSFILE_SNAPPY, official_snappy}, {TSFILE_GZIP, official_gzip},
	{TSFILE_LZ4, official_lz4},       {TSFILE_ZSTD, official_zstd},
	{TSFILE_LZMA2, official_lzma2},
};

enum { OFFICIAL_LEN = 345 };

static void official_body(uint8_t *p)
{
	static const uint8_t head[] = {0x18, 0, 0, 0, 39, 0, 0, 0, 0};
	memcpy(p, head, sizeof head);
	store_be64(p + 9, 10);   /* minDelta */
	store_be64(p + 17, 1000); /* first time */
	for (int i = 0; i < 40; i++)
		store_be64(p + 25 + 8 * i, (uint64_t)(i * i));
}

static void test_official_pages(void **state)
{
	(void)state;
	uint8_t expect[OFFICIAL_LEN];
	official_body(expect);
	for (size_t i = 0; i < LR_ARRAY_LEN(official); i++) {
		size_t n;
		uint8_t *page = hex_decode(official[i].hex, &n);
		uint8_t *out;
		larch_error_t err = {0};
		int rc = decompress_exact(official[i].codec, page, n, OFFICIAL_LEN, &out, &err);
		if (rc)
			fail_msg("%s: %s", tsfile_codec_name(official[i].codec), err.msg);
		assert_memory_equal(out, expect, OFFICIAL_LEN);
		mem_free(out);
		mem_free(page);
	}
}

/*---------------------------------------------------------------------------
 * Hostile input
 *---------------------------------------------------------------------------*/

static void expect_corrupt(tsfile_codec_t c, const uint8_t *in, size_t n, size_t out_len)
{
	uint8_t *out;
	larch_error_t err = {0};
	int rc = decompress_exact(c, in, n, out_len, &out, &err);
	if (rc != LARCH_CORRUPTED)
		fail_msg("%s: %zu bytes -> %zu: rc %d (%s)", tsfile_codec_name(c), n, out_len, rc,
			 err.msg);
	assert_int_equal(err.code, LARCH_CORRUPTED);
	assert_true(strlen(err.msg) > 0);
	mem_free(out);
}

/* Every proper prefix of a valid page and every wrong size fails cleanly
 * (decoding into a buffer of exactly the claimed size, under ASan). */
static void test_truncated_and_size_lies(void **state)
{
	(void)state;
	enum { N = 3000 };
	uint8_t *data = compressible_bytes(N);
	for (size_t c = 0; c < LR_ARRAY_LEN(all_codecs); c++) {
		buf_t z = BUF_INIT;
		assert_int_equal(codec_compress(all_codecs[c], data, N, &z, NULL), LARCH_OK);
		for (size_t cut = 0; cut < z.len; cut++)
			expect_corrupt(all_codecs[c], z.data, cut, N);
		static const size_t lies[] = {0, 1, N - 1, N + 1, 2 * N};
		for (size_t l = 0; l < LR_ARRAY_LEN(lies); l++)
			expect_corrupt(all_codecs[c], z.data, z.len, lies[l]);
		buf_free(&z);
	}
	mem_free(data);
}

/* Random garbage never decodes to a 1000-byte page. */
static void test_garbage(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t n = 1 + (size_t)(rng() % 300);
		uint8_t *g = random_bytes(n);
		for (size_t c = 0; c < LR_ARRAY_LEN(real_codecs); c++)
			expect_corrupt(real_codecs[c], g, n, 1000);
		mem_free(g);
	}
}

/* Single bit flips in valid pages: never a crash or an overrun; codecs with
 * a checksum over the data (xz's CRC64 plus header CRCs) detect every one. */
static void test_bit_flips(void **state)
{
	(void)state;
	enum { N = 600 };
	uint8_t *data = compressible_bytes(N);
	for (size_t c = 0; c < LR_ARRAY_LEN(real_codecs); c++) {
		buf_t z = BUF_INIT;
		assert_int_equal(codec_compress(real_codecs[c], data, N, &z, NULL), LARCH_OK);
		for (size_t bit = 0; bit < z.len * 8; bit++) {
			z.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			uint8_t *out;
			int rc = decompress_exact(real_codecs[c], z.data, z.len, N, &out, NULL);
			assert_true(rc == LARCH_OK || rc == LARCH_CORRUPTED);
			if (real_codecs[c] == TSFILE_LZMA2)
				assert_int_equal(rc, LARCH_CORRUPTED);
			mem_free(out);
			z.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		buf_free(&z);
	}
	mem_free(data);
}

static void test_wrong_framing(void **state)
{
	(void)state;
	enum { N = 2000 };
	uint8_t *data = compressible_bytes(N);

	/* bytes after a gzip member or an xz stream */
	static const tsfile_codec_t trailing[] = {TSFILE_GZIP, TSFILE_LZMA2};
	for (size_t i = 0; i < LR_ARRAY_LEN(trailing); i++) {
		buf_t z = BUF_INIT;
		assert_int_equal(codec_compress(trailing[i], data, N, &z, NULL), LARCH_OK);
		buf_put_u8(&z, 0);
		expect_corrupt(trailing[i], z.data, z.len, N);
		buf_free(&z);
	}

	/* a zlib stream (not gzip) is rejected by GZIP */
	uLongf zlen = compressBound(N);
	uint8_t *zl = mem_alloc(zlen);
	assert_int_equal(compress2(zl, &zlen, data, N, 6), Z_OK);
	expect_corrupt(TSFILE_GZIP, zl, zlen, N);
	mem_free(zl);

	/* an LZ4 frame (not a raw block) is rejected by LZ4 */
	size_t flen = LZ4F_compressFrameBound(N, NULL);
	uint8_t *fr = mem_alloc(flen);
	flen = LZ4F_compressFrame(fr, flen, data, N, NULL);
	assert_false(LZ4F_isError(flen));
	expect_corrupt(TSFILE_LZ4, fr, flen, N);
	mem_free(fr);

	/* unknown codec ids and sizes beyond the format's int32 limit */
	const tsfile_codec_t lzo = (tsfile_codec_t)3;
	uint8_t *out;
	assert_int_equal(decompress_exact(lzo, data, 10, 10, &out, NULL), LARCH_CORRUPTED);
	mem_free(out);
	buf_t z = BUF_INIT;
	larch_error_t err = {0};
	assert_int_equal(codec_compress(lzo, data, 10, &z, &err), LARCH_UNSUPPORTED);
	assert_int_equal(z.len, 0);
	assert_int_equal(codec_compress(TSFILE_LZ4, data, (size_t)INT32_MAX + 1, &z, &err),
			 LARCH_ILLEGAL_PARAMETER);
	uint8_t one;
	assert_int_equal(codec_decompress(TSFILE_LZ4, data, (size_t)INT32_MAX + 1, &one, 1, &err),
			 LARCH_CORRUPTED);
	assert_int_equal(codec_decompress(TSFILE_ZSTD, data, 10, &one, (size_t)INT32_MAX + 1, &err),
			 LARCH_CORRUPTED);
	buf_free(&z);
	mem_free(data);
}

/* An xz stream declaring a 4 GiB dictionary (code 40, block header CRC
 * fixed up) exceeds the decoder's memory limit: rejected, nothing huge
 * allocated. */
static void test_xz_memlimit(void **state)
{
	(void)state;
	enum { N = 1000 };
	uint8_t *data = compressible_bytes(N);
	buf_t z = BUF_INIT;
	assert_int_equal(codec_compress(TSFILE_LZMA2, data, N, &z, NULL), LARCH_OK);
	size_t prop = xz_dict_prop_offset(z.data, z.len);
	z.data[prop] = 40;
	size_t hsize = ((size_t)z.data[12] + 1) * 4;
	uint32_t crc = lzma_crc32(z.data + 12, hsize - 4, 0);
	for (int i = 0; i < 4; i++)
		z.data[12 + hsize - 4 + i] = (uint8_t)(crc >> (8 * i));
	/* liblzma itself now demands more than our limit */
	uint64_t memlimit = 80u << 20;
	size_t in_pos = 0, out_pos = 0;
	uint8_t *tmp = mem_alloc(N);
	assert_int_equal(lzma_stream_buffer_decode(&memlimit, 0, NULL, z.data, &in_pos, z.len, tmp,
						   &out_pos, N),
			 LZMA_MEMLIMIT_ERROR);
	mem_free(tmp);
	uint8_t *out;
	larch_error_t err = {0};
	size_t before = mem_used();
	assert_int_equal(decompress_exact(TSFILE_LZMA2, z.data, z.len, N, &out, &err),
			 LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "memory"));
	assert_true(mem_used() - before < (1u << 20));
	mem_free(out);
	buf_free(&z);
	mem_free(data);
}

/* zlib and liblzma allocate through mem_*: an injected failure surfaces as
 * LARCH_NO_MEMORY and leaves the output buffer's length unchanged. */
static void test_oom(void **state)
{
	(void)state;
	enum { N = 5000 };
	uint8_t *data = compressible_bytes(N);
	static const tsfile_codec_t hooked[] = {TSFILE_GZIP, TSFILE_LZMA2};
	for (size_t i = 0; i < LR_ARRAY_LEN(hooked); i++) {
		buf_t z = BUF_INIT;
		assert_int_equal(codec_compress(hooked[i], data, N, &z, NULL), LARCH_OK);
		buf_t again = BUF_INIT;
		assert_int_equal(buf_reserve(&again, 2 * N), 0); /* the buffer itself is fine */
		mem_fail_after(0);
		larch_error_t err = {0};
		assert_int_equal(codec_compress(hooked[i], data, N, &again, &err), LARCH_NO_MEMORY);
		mem_fail_after(-1);
		assert_int_equal(again.len, 0);

		uint8_t *out = mem_alloc(N);
		mem_fail_after(0);
		assert_int_equal(codec_decompress(hooked[i], z.data, z.len, out, N, &err),
				 LARCH_NO_MEMORY);
		mem_fail_after(-1);
		mem_free(out);
		buf_free(&again);
		buf_free(&z);
	}
	/* the output buffer cannot grow */
	buf_t z = BUF_INIT;
	mem_fail_after(0);
	assert_int_equal(codec_compress(TSFILE_LZ4, data, N, &z, NULL), LARCH_NO_MEMORY);
	mem_fail_after(-1);
	buf_free(&z);
	mem_free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_compresses),
		cmocka_unit_test(test_gzip_is_gzip),
		cmocka_unit_test(test_lz4_is_raw_block),
		cmocka_unit_test(test_snappy_is_raw_block),
		cmocka_unit_test(test_zstd_is_frame),
		cmocka_unit_test(test_xz_is_xz_crc64),
		cmocka_unit_test(test_fixture_lz4_page),
		cmocka_unit_test(test_official_pages),
		cmocka_unit_test(test_truncated_and_size_lies),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_wrong_framing),
		cmocka_unit_test(test_xz_memlimit),
		cmocka_unit_test(test_oom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
