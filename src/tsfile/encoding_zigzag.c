/*
 * encoding_zigzag.c — ZIGZAG (TSEncoding 9) for INT32/DATE and
 * INT64/TIMESTAMP.
 *
 * A page holds one package (a decoder reads packages until the stream
 * ends):
 *
 *   uvarint bytes    length of the values that follow
 *   uvarint count    number of values
 *   count values     each zig-zag folded ((v << 1) ^ (v >> 31 or 63)) and
 *                    written as LEB128 (1..5 or 1..10 bytes)
 *
 * An empty page writes nothing (Java writes nothing either).
 */
#include "encoding_kernels.h"

/* Zig-zag fold of element i at its width. */
KERNEL_INLINE uint64_t zz_fold(const void *values, size_t es, size_t i)
{
	return es == 8 ? zigzag64(((const int64_t *)values)[i])
		       : zigzag32(((const int32_t *)values)[i]);
}

/* Size the package first (a LEB128 of u takes ceil(bits/7) bytes, at least
 * one), then write it into reserved memory. */
KERNEL_INLINE int zz_encode_es(const void *values, size_t n, buf_t *out, size_t es,
			       larch_error_t *err)
{
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += (bit_length64(zz_fold(values, es, i) | 1) + 6) / 7;
	if (bytes > INT32_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "ZIGZAG: %zu values need %zu bytes, more than a page holds", n, bytes);
	if (n == 0 || buf_reserve(out, 10 + bytes) < 0)
		return LARCH_OK;
	uint8_t *p = out->data + out->len;
	p = uvarint_store(p, bytes);
	p = uvarint_store(p, n);
	for (size_t i = 0; i < n; i++)
		p = uvarint_store(p, zz_fold(values, es, i));
	out->len = (size_t)(p - out->data);
	return LARCH_OK;
}

/* Decode packages; each must hold exactly `count` varints in exactly
 * `bytes` bytes (so count <= bytes bounds the allocation by the input). */
KERNEL_INLINE int zz_decode_es(const uint8_t *in, size_t len, size_t max_values, col_t *out,
			       size_t es, larch_error_t *err)
{
	const unsigned maxb = es == 8 ? 10 : 5;
	size_t pos = 0, budget = max_values;
	while (pos < len) {
		size_t at = pos;
		uint64_t bytes, count;
		if (uvarint_load(in, len, &pos, 5, &bytes) ||
		    uvarint_load(in, len, &pos, 5, &count) || bytes > len - pos || count > bytes)
			return err_set(err, LARCH_CORRUPTED,
				       "ZIGZAG: package header at byte %zu is malformed or past the end",
				       at);
		if (count > budget)
			return err_set(err, LARCH_CORRUPTED,
				       "ZIGZAG: package at byte %zu holds more values than expected",
				       at);
		if (col_reserve(out, count))
			return err_set(err, LARCH_NO_MEMORY, "ZIGZAG: out of memory");
		size_t end = pos + bytes;
		for (size_t i = 0; i < count; i++) {
			uint64_t u;
			if (uvarint_load(in, end, &pos, maxb, &u))
				return err_set(err, LARCH_CORRUPTED,
					       "ZIGZAG: value %zu of the package at byte %zu is malformed",
					       i, at);
			elem_store(out->data, es, out->n + i,
				   es == 8 ? (uint64_t)unzigzag64(u)
					   : (uint64_t)(uint32_t)unzigzag32((uint32_t)u));
		}
		if (pos != end)
			return err_set(err, LARCH_CORRUPTED,
				       "ZIGZAG: package at byte %zu has %zu stray bytes", at, end - pos);
		out->n += count;
		budget -= count;
	}
	return LARCH_OK;
}

int enc_zigzag_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
		      size_t n, buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_ZIGZAG, type, err);
	if (rc)
		return rc;
	return col_elem_size(type) == 8 ? zz_encode_es(values, n, out, 8, err)
					: zz_encode_es(values, n, out, 4, err);
}

int enc_zigzag_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		      col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_ZIGZAG, type, out, err);
	if (rc)
		return rc;
	size_t n0 = out->n;
	rc = col_elem_size(type) == 8 ? zz_decode_es(in, len, max_values, out, 8, err)
				      : zz_decode_es(in, len, max_values, out, 4, err);
	if (rc)
		out->n = n0;
	return rc;
}
