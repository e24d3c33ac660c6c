/*
 * encoding_ts2diff.c — TS_2DIFF (TSEncoding 4): delta-of-delta blocks for
 * INT32/DATE (32-bit form) and INT64/TIMESTAMP/time columns (64-bit form),
 * and, through the float wrapper (encoding_float.c), lossy FLOAT/DOUBLE.
 *
 * A stream is a sequence of blocks, each holding one value plus up to 128
 * deltas (big-endian; T is i32 in the 32-bit form, i64 in the 64-bit form):
 *
 *   offset        field      meaning
 *   0             i32 n      deltas in the block (0..128 from Java)
 *   4             i32 w      bit width of the packed deltas (0..32 / 0..64)
 *   8             T   min    smallest delta d_j = v_j - v_{j-1} (wrapping)
 *   8+|T|         T   first  the block's first value
 *   8+2|T|        bits       n values d_j - min, w bits each, MSB-first,
 *                            ceil(n*w/8) bytes
 *
 * A block with no deltas carries min = INT_MAX / LONG_MAX, Java's untouched
 * initial value (the C++ writer leaves whatever the previous block had; the
 * decoder ignores it either way).  Regular timestamps give w = 0 and no
 * packed bytes, which the decoder turns into an arithmetic sequence.
 */
#include "encoding_kernels.h"

#define TS2DIFF_BLOCK 128 /* deltas per block */

/*---------------------------------------------------------------------------
 * Encoder
 *---------------------------------------------------------------------------*/

/* Write blocks for values[0..n) of es (4 or 8) bytes into out, reserving
 * the worst case up front: per block a header, per value at most es
 * packed bytes (w <= 8*es). */
KERNEL_INLINE void ts2diff_encode_es(const void *values, size_t n, buf_t *out, size_t es)
{
	const size_t hdr = 8 + 2 * es;
	const uint64_t mask = es == 8 ? ~0ull : 0xffffffffull;
	size_t blocks = n / (TS2DIFF_BLOCK + 1) + 1;
	if (n == 0 || buf_reserve(out, blocks * hdr + n * es) < 0)
		return;
	uint8_t *p = out->data + out->len;
	uint64_t rebased[TS2DIFF_BLOCK];
	size_t i = 0;
	while (i < n) {
		size_t k = LR_MIN((size_t)TS2DIFF_BLOCK, n - i - 1);
		int64_t first = elem_load(values, es, i);
		int64_t min = es == 8 ? INT64_MAX : INT32_MAX;
		uint64_t prev = (uint64_t)first;
		/* deltas wrap at the type's width: sign-extend the low bits */
		for (size_t j = 0; j < k; j++) {
			uint64_t cur = (uint64_t)elem_load(values, es, i + 1 + j);
			uint64_t d = cur - prev;
			int64_t ds = es == 8 ? (int64_t)d : (int64_t)(int32_t)(uint32_t)d;
			rebased[j] = (uint64_t)ds;
			min = ds < min ? ds : min;
			prev = cur;
		}
		uint64_t any = 0;
		for (size_t j = 0; j < k; j++) {
			rebased[j] = (rebased[j] - (uint64_t)min) & mask;
			any |= rebased[j];
		}
		unsigned w = bit_length64(any);
		store_be32(p, (uint32_t)k);
		store_be32(p + 4, w);
		if (es == 8) {
			store_be64(p + 8, (uint64_t)min);
			store_be64(p + 16, (uint64_t)first);
		} else {
			store_be32(p + 8, (uint32_t)min);
			store_be32(p + 12, (uint32_t)first);
		}
		p += hdr;
		if (w)
			p += msb_pack(rebased, k, w, p);
		i += k + 1;
	}
	out->len = (size_t)(p - out->data);
}

void ts2diff_encode_values(const void *values, size_t es, size_t n, buf_t *out)
{
	if (es == 8)
		ts2diff_encode_es(values, n, out, 8);
	else
		ts2diff_encode_es(values, n, out, 4);
}

/*---------------------------------------------------------------------------
 * Decoder
 *---------------------------------------------------------------------------*/

/* Decode every block of in[0..len) as es-byte (4 or 8) values appended to
 * out.  Arithmetic runs in 64 bits; storing the low es*8 bits gives the
 * 32-bit form's wrap-around for free.  Each block is checked whole (header
 * present, packed bits inside the stream, value budget) before any of its
 * values is written, and every block consumes its header, so the loop
 * always advances. */
KERNEL_INLINE int ts2diff_decode_es(const uint8_t *in, size_t len, size_t max_values, col_t *out,
				    size_t es, larch_error_t *err)
{
	const size_t hdr = 8 + 2 * es;
	const unsigned max_w = (unsigned)es * 8;
	uint64_t s[TS2DIFF_BLOCK];
	size_t pos = 0, made = 0;
	while (pos < len) {
		const uint8_t *p = in + pos;
		if (len - pos < hdr)
			return err_set(err, LARCH_CORRUPTED,
				       "TS_2DIFF: block header at byte %zu cut short (%zu of %zu bytes)",
				       pos, len - pos, hdr);
		uint32_t n = load_be32(p), w = load_be32(p + 4);
		uint64_t min = es == 8 ? load_be64(p + 8) : load_be32(p + 8);
		uint64_t x = es == 8 ? load_be64(p + 16) : load_be32(p + 12);
		if (n > INT32_MAX || w > max_w)
			return err_set(err, LARCH_CORRUPTED,
				       "TS_2DIFF: block at byte %zu has %d deltas of width %u",
				       pos, (int32_t)n, w);
		size_t avail = len - pos - hdr;
		uint64_t nbytes = ((uint64_t)n * w + 7) / 8;
		if (nbytes > avail)
			return err_set(err, LARCH_CORRUPTED,
				       "TS_2DIFF: block at byte %zu needs %llu packed bytes, %zu left",
				       pos, (unsigned long long)nbytes, avail);
		if ((uint64_t)n + 1 > max_values - made)
			return err_set(err, LARCH_CORRUPTED,
				       "TS_2DIFF: block at byte %zu exceeds the %zu values expected",
				       pos, max_values);
		if (col_reserve(out, (size_t)n + 1))
			return err_set(err, LARCH_NO_MEMORY, "TS_2DIFF: out of memory");
		uint8_t *dst = (uint8_t *)out->data + out->n * es;
		elem_store(dst, es, 0, x);
		if (w == 0) {
			for (size_t j = 1; j <= n; j++) {
				x += min;
				elem_store(dst, es, j, x);
			}
		} else {
			const uint8_t *src = p + hdr;
			for (size_t j = 0; j < n; j += TS2DIFF_BLOCK) {
				size_t k = LR_MIN((size_t)TS2DIFF_BLOCK, n - j);
				size_t skip = j / 8 * w; /* j is a multiple of 128 */
				msb_unpack(src + skip, avail - skip, w, k, s);
				for (size_t i = 0; i < k; i++) {
					x += min + s[i];
					elem_store(dst, es, 1 + j + i, x);
				}
			}
		}
		out->n += (size_t)n + 1;
		made += (size_t)n + 1;
		pos += hdr + (size_t)nbytes;
	}
	return LARCH_OK;
}

int ts2diff_decode_values(const uint8_t *in, size_t len, size_t max_values, col_t *out,
			  larch_error_t *err)
{
	size_t n0 = out->n;
	int rc = col_elem_size(out->type) == 8
			 ? ts2diff_decode_es(in, len, max_values, out, 8, err)
			 : ts2diff_decode_es(in, len, max_values, out, 4, err);
	if (rc)
		out->n = n0;
	return rc;
}

/*---------------------------------------------------------------------------
 * Entry points
 *---------------------------------------------------------------------------*/

int enc_ts2diff_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
		       size_t n, buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_TS_2DIFF, type, err);
	if (rc)
		return rc;
	if (type == TSFILE_FLOAT || type == TSFILE_DOUBLE)
		return float_wrap_encode(ts2diff_encode_values, type, params->float_precision,
					 values, n, out, err);
	ts2diff_encode_values(values, col_elem_size(type), n, out);
	return LARCH_OK;
}

int enc_ts2diff_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		       col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_TS_2DIFF, type, out, err);
	if (rc)
		return rc;
	if (type == TSFILE_FLOAT || type == TSFILE_DOUBLE)
		return float_wrap_decode(ts2diff_decode_values, in, len, max_values, out, err);
	return ts2diff_decode_values(in, len, max_values, out, err);
}
