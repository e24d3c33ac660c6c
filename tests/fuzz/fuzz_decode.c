/*
 * fuzz_decode — libFuzzer target for every page-stream decoder and codec.
 *
 * Input: byte 0 picks the encoding, byte 1 the data type, byte 2 the codec;
 * the rest is a stream.  The stream is decoded as is (decode_stream with a
 * value cap), and also decompressed (codec_decompress into a buffer of a
 * size taken from byte 3) — each must succeed or fail cleanly, never read
 * out of bounds, loop or allocate without bound.  A decoded stream is
 * re-encoded and decoded again and must give the same values (for the
 * lossless encodings).
 */
#include <stdint.h>
#include <stdlib.h>

#include "tsfile/tsfile_int.h"

static const tsfile_encoding_t encodings[] = {TSFILE_PLAIN, TSFILE_DICTIONARY, TSFILE_RLE,
					      TSFILE_TS_2DIFF, TSFILE_GORILLA, TSFILE_ZIGZAG,
					      TSFILE_CHIMP, TSFILE_SPRINTZ, TSFILE_RLBE};
static const tsfile_type_t types[] = {TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT,
				      TSFILE_DOUBLE, TSFILE_TEXT, TSFILE_DATE, TSFILE_TIMESTAMP,
				      TSFILE_BLOB, TSFILE_STRING};
static const tsfile_codec_t codecs[] = {TSFILE_UNCOMPRESSED, TSFILE_SNAPPY, TSFILE_GZIP,
					TSFILE_LZ4, TSFILE_ZSTD, TSFILE_LZMA2};

static int lossy(tsfile_encoding_t e, tsfile_type_t t)
{
	return (e == TSFILE_TS_2DIFF || e == TSFILE_RLE) && (t == TSFILE_FLOAT || t == TSFILE_DOUBLE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	tsfile_encoding_t enc = encodings[data[0] % LR_ARRAY_LEN(encodings)];
	tsfile_type_t type = types[data[1] % LR_ARRAY_LEN(types)];
	tsfile_codec_t codec = codecs[data[2] % LR_ARRAY_LEN(codecs)];
	size_t out_len = (size_t)data[3] * 64;
	const uint8_t *in = data + 4;
	size_t len = size - 4;

	uint8_t *plain = malloc(out_len ? out_len : 1);
	if (plain) {
		codec_decompress(codec, in, len, plain, out_len, NULL);
		free(plain);
	}

	if (!tsfile_encoding_supports(enc, type))
		return 0;
	col_t a, b;
	col_init(&a, type);
	col_init(&b, type);
	buf_t again = BUF_INIT;
	if (decode_stream(enc, type, in, len, 1u << 16, &a, NULL) == LARCH_OK && !lossy(enc, type) &&
	    encode_stream(enc, type, NULL, a.data, a.n, &again, NULL) == LARCH_OK &&
	    decode_stream(enc, type, again.data, again.len, a.n + 1, &b, NULL) == LARCH_OK) {
		size_t es = col_elem_size(type);
		if (a.n != b.n)
			abort();
		for (size_t i = 0; i < a.n; i++) {
			if (type_is_binary(type)) {
				tsfile_bytes_t x = COL_BYTES(&a)[i], y = COL_BYTES(&b)[i];
				if (x.len != y.len || (x.len && memcmp(x.ptr, y.ptr, x.len)))
					abort();
			} else if (memcmp((char *)a.data + i * es, (char *)b.data + i * es, es) &&
				   type != TSFILE_FLOAT && type != TSFILE_DOUBLE &&
				   type != TSFILE_BOOLEAN) {
				abort(); /* NaN payloads and bool bytes may be canonicalised */
			}
		}
	}
	col_free(&a);
	col_free(&b);
	buf_free(&again);
	return 0;
}
