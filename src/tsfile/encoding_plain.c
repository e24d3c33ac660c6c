/*
 * encoding_plain.c — PLAIN (TSEncoding 0), every data type.
 *
 *   type                           one value
 *   BOOLEAN                        u8 0 or 1 (any non-zero byte reads as 1)
 *   INT32, DATE                    svarint: zig-zag, then LEB128 (1..5 bytes)
 *   INT64, TIMESTAMP, VECTOR       i64 big-endian
 *   FLOAT                          u32 big-endian IEEE bits
 *   DOUBLE                         u64 big-endian IEEE bits
 *   TEXT, STRING, BLOB             svarint byte length, then the bytes
 *
 * Values follow each other until the stream ends.  FLOAT/DOUBLE NaNs are
 * written in canonical form (Java's floatToIntBits / doubleToLongBits).
 *
 * INT32 is Java's zig-zag form.  The C++ writer (Feb 2025 and earlier)
 * omitted the sign fold, so it wrote -2 as fc ff ff ff 0f; such a stream
 * decodes here, as in Java, to 2147483646.  The tsfile 2.5 wheel writes the
 * standard form.
 */
#include "encoding_kernels.h"

/*---------------------------------------------------------------------------
 * Encoder
 *---------------------------------------------------------------------------*/

/* Append byte strings; LARCH_ILLEGAL_PARAMETER for one whose length does
 * not fit the svarint32 length field. */
static int plain_encode_bytes(const tsfile_bytes_t *v, size_t n, buf_t *out, larch_error_t *err)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].len > INT32_MAX)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "PLAIN: value %zu is %u bytes, longer than a TsFile string",
				       i, v[i].len);
		total += 5 + (size_t)v[i].len;
	}
	if (buf_reserve(out, total) < 0)
		return LARCH_OK; /* out->oom reports it */
	uint8_t *p = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		p = uvarint_store(p, zigzag32((int32_t)v[i].len));
		if (v[i].len)
			memcpy(p, v[i].ptr, v[i].len);
		p += v[i].len;
	}
	out->len = (size_t)(p - out->data);
	return LARCH_OK;
}

int enc_plain_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
		     size_t n, buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_PLAIN, type, err);
	if (rc)
		return rc;
	if (type_is_binary(type))
		return plain_encode_bytes(values, n, out, err);
	size_t per = type_is_int32(type) ? 5 : col_elem_size(type); /* bytes per value, at most */
	if (n == 0)
		return LARCH_OK;
	if (buf_reserve(out, n * per) < 0)
		return LARCH_OK; /* out->oom reports it */
	uint8_t *p = out->data + out->len;
	if (type == TSFILE_BOOLEAN) {
		for (size_t i = 0; i < n; i++)
			p[i] = ((const uint8_t *)values)[i] != 0;
		p += n;
	} else if (type_is_int32(type)) {
		for (size_t i = 0; i < n; i++)
			p = uvarint_store(p, zigzag32(((const int32_t *)values)[i]));
	} else if (type == TSFILE_FLOAT) {
		for (size_t i = 0; i < n; i++, p += 4) {
			float f = ((const float *)values)[i];
			uint32_t u = 0x7fc00000u;
			if (f == f)
				memcpy(&u, &f, 4);
			store_be32(p, u);
		}
	} else if (type == TSFILE_DOUBLE) {
		for (size_t i = 0; i < n; i++, p += 8) {
			double d = ((const double *)values)[i];
			uint64_t u = 0x7ff8000000000000ull;
			if (d == d)
				memcpy(&u, &d, 8);
			store_be64(p, u);
		}
	} else {
		for (size_t i = 0; i < n; i++, p += 8)
			store_be64(p, (uint64_t)((const int64_t *)values)[i]);
	}
	out->len = (size_t)(p - out->data);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Decoder
 *---------------------------------------------------------------------------*/

/* Fixed-width forms: the stream must be a whole number of es-byte values. */
static int plain_decode_fixed(tsfile_type_t type, const uint8_t *in, size_t len,
			      size_t max_values, col_t *out, larch_error_t *err)
{
	size_t es = col_elem_size(type), n = len / es;
	if (len % es)
		return err_set(err, LARCH_CORRUPTED,
			       "PLAIN %s: %zu bytes is not a whole number of %zu-byte values",
			       tsfile_type_name(type), len, es);
	if (n > max_values)
		return err_set(err, LARCH_CORRUPTED, "PLAIN %s: %zu values, at most %zu expected",
			       tsfile_type_name(type), n, max_values);
	if (n == 0)
		return LARCH_OK;
	if (col_reserve(out, n))
		return err_set(err, LARCH_NO_MEMORY, "PLAIN: out of memory for %zu values", n);
	uint8_t *dst = (uint8_t *)out->data + out->n * es;
	if (es == 1)
		for (size_t i = 0; i < n; i++)
			dst[i] = in[i] != 0;
	else if (es == 4)
		for (size_t i = 0; i < n; i++)
			elem_store(dst, 4, i, load_be32(in + 4 * i));
	else
		for (size_t i = 0; i < n; i++)
			elem_store(dst, 8, i, load_be64(in + 8 * i));
	out->n += n;
	return LARCH_OK;
}

/* Variable-length forms (INT32 svarints, byte strings).  Every value takes
 * at least one byte, so min(len, max_values) elements are reserved once. */
static int plain_decode_varlen(tsfile_type_t type, const uint8_t *in, size_t len,
			       size_t max_values, col_t *out, larch_error_t *err)
{
	size_t cap = LR_MIN(len, max_values), pos = 0, n = 0;
	if (col_reserve(out, cap))
		return err_set(err, LARCH_NO_MEMORY, "PLAIN: out of memory for %zu values", cap);
	int binary = type_is_binary(type);
	while (pos < len) {
		size_t at = pos;
		uint64_t u;
		if (n == max_values)
			return err_set(err, LARCH_CORRUPTED,
				       "PLAIN %s: more than the %zu values expected at byte %zu",
				       tsfile_type_name(type), max_values, at);
		if (uvarint_load(in, len, &pos, 5, &u))
			return err_set(err, LARCH_CORRUPTED, "PLAIN %s: bad varint at byte %zu",
				       tsfile_type_name(type), at);
		int32_t v = unzigzag32((uint32_t)u);
		if (!binary) {
			COL_I32(out)[out->n + n++] = v;
			continue;
		}
		if (v < 0 || (size_t)v > len - pos)
			return err_set(err, LARCH_CORRUPTED,
				       "PLAIN %s: string at byte %zu has length %d, %zu bytes left",
				       tsfile_type_name(type), at, v, len - pos);
		tsfile_bytes_t *b = &COL_BYTES(out)[out->n + n++];
		b->ptr = (const char *)in + pos;
		b->len = (uint32_t)v;
		pos += (size_t)v;
	}
	out->n += n;
	return LARCH_OK;
}

int enc_plain_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		     col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_PLAIN, type, out, err);
	if (rc)
		return rc;
	if (type_is_int32(type) || type_is_binary(type))
		return plain_decode_varlen(type, in, len, max_values, out, err);
	return plain_decode_fixed(type, in, len, max_values, out, err);
}
