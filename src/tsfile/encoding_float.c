/*
 * encoding_float.c — the lossy FLOAT/DOUBLE wrapper (Java's FloatEncoder)
 * that TS_2DIFF and RLE put around their integer forms.
 *
 * Each value becomes an integer: scaled by p = 10^precision and rounded
 * (Java Math.round: nearest, ties toward +inf) when the scaled value fits
 * int32 (FLOAT) / int64 (DOUBLE); else rounded unscaled when the value
 * itself fits; else (too large, infinite, NaN) its raw IEEE bits, NaN in
 * canonical form.  The page stream is one of (uvarint = LEB128):
 *
 *   form 1, every value scaled:
 *     uvarint precision | integer stream
 *   form 2, some value unscaled, none raw:
 *     uvarint 2147483647 | uvarint count | scaled[count/8+1] |
 *     uvarint precision | integer stream
 *   form 3, some value raw:
 *     uvarint 2147483646 | uvarint count | scaled[count/8+1] | raw[count/8+1] |
 *     uvarint precision | integer stream
 *
 * Bitmaps are LSB-first: value i is bit (i % 8) of byte i / 8.  Decoding:
 * raw bit set -> reinterpret the bits; else scaled bit set (or form 1) ->
 * value / 10^precision; else the value as is.  A precision <= 0 (or one
 * read as negative) means a factor of 1.
 */
#include <math.h>

#include "encoding_kernels.h"

#define FLOAT_FORM_UNSCALED 2147483647u /* form 2 marker (Integer.MAX_VALUE) */
#define FLOAT_FORM_RAW 2147483646u      /* form 3 marker (Integer.MAX_VALUE - 1) */

enum { FLAG_UNSCALED, FLAG_SCALED, FLAG_RAW };

/* Java Math.round(double): the nearest integer, ties toward +infinity,
 * NaN -> 0, saturating at the int64 limits. */
static int64_t java_round(double x)
{
	if (x != x)
		return 0;
	double f = floor(x);
	if (x - f >= 0.5)
		f += 1.0;
	if (f >= 0x1p63)
		return INT64_MAX;
	if (f < -0x1p63)
		return INT64_MIN;
	return (int64_t)f;
}

static int32_t clamp32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* FLOAT -> int32 by Java's rules; sets *flag. */
static int32_t float_to_int(float v, double scale, int *flag)
{
	double s = (double)v * scale;
	if (s > 2147483647.0 || s < -2147483648.0) {
		if (v > 2147483648.0f || v < -2147483648.0f) {
			uint32_t bits;
			memcpy(&bits, &v, 4);
			*flag = FLAG_RAW;
			return (int32_t)bits;
		}
		*flag = FLAG_UNSCALED;
		return clamp32(java_round(v));
	}
	if (v != v) {
		*flag = FLAG_RAW;
		return 0x7fc00000; /* Float.floatToIntBits(NaN) */
	}
	*flag = FLAG_SCALED;
	return (int32_t)java_round(s);
}

/* DOUBLE -> int64 by Java's rules; sets *flag. */
static int64_t double_to_long(double v, double scale, int *flag)
{
	double s = v * scale;
	if (s > 0x1p63 || s < -0x1p63) {
		if (v > 0x1p63 || v < -0x1p63) {
			uint64_t bits;
			memcpy(&bits, &v, 8);
			*flag = FLAG_RAW;
			return (int64_t)bits;
		}
		*flag = FLAG_UNSCALED;
		return java_round(v);
	}
	if (v != v) {
		*flag = FLAG_RAW;
		return 0x7ff8000000000000ll; /* Double.doubleToLongBits(NaN) */
	}
	*flag = FLAG_SCALED;
	return java_round(s);
}

/* 10^precision as Java computes maxPointValue (1 for precision <= 0). */
static double float_scale(int32_t precision)
{
	return precision <= 0 ? 1.0 : pow(10.0, precision);
}

/*
 * Convert values[0..n) to integers in one scratch allocation (the integer
 * array, then the scaled and raw bitmaps), write the header of the form the
 * flags call for, and hand the integers to `enc`.  n = 0 writes nothing.
 */
int float_wrap_encode(int_encode_fn enc, tsfile_type_t type, int precision, const void *values,
		      size_t n, buf_t *out, larch_error_t *err)
{
	if (n == 0)
		return LARCH_OK;
	if (n > INT32_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "%zu values is too many for one lossy float page", n);
	size_t es = type == TSFILE_FLOAT ? 4 : 8, bm = n / 8 + 1;
	uint8_t *scratch = mem_calloc(1, n * es + 2 * bm);
	if (!scratch)
		return err_set(err, LARCH_NO_MEMORY, "out of memory encoding %zu floats", n);
	uint8_t *scaled = scratch + n * es, *raw = scaled + bm;
	int any_unscaled = 0, any_raw = 0;
	if (precision < 0)
		precision = 0;
	double scale = float_scale(precision);
	for (size_t i = 0; i < n; i++) {
		int flag;
		if (es == 4)
			((int32_t *)scratch)[i] = float_to_int(((const float *)values)[i], scale, &flag);
		else
			((int64_t *)scratch)[i] =
				double_to_long(((const double *)values)[i], scale, &flag);
		if (flag == FLAG_SCALED)
			scaled[i / 8] |= (uint8_t)(1u << (i % 8));
		else if (flag == FLAG_RAW)
			raw[i / 8] |= (uint8_t)(1u << (i % 8));
		any_unscaled |= flag == FLAG_UNSCALED;
		any_raw |= flag == FLAG_RAW;
	}
	if (any_unscaled || any_raw) {
		buf_put_uvarint(out, any_raw ? FLOAT_FORM_RAW : FLOAT_FORM_UNSCALED);
		buf_put_uvarint(out, n);
		buf_put(out, scaled, bm);
		if (any_raw)
			buf_put(out, raw, bm);
	}
	buf_put_uvarint(out, (uint32_t)precision);
	enc(scratch, es, n, out);
	mem_free(scratch);
	return LARCH_OK;
}

static int bit_lsb(const uint8_t *bm, size_t i)
{
	return (bm[i / 8] >> (i % 8)) & 1;
}

/*
 * Parse the header, decode the integer stream straight into out's memory
 * (a FLOAT column has int32-sized elements, DOUBLE int64-sized), then
 * convert those elements in place.  In forms 2 and 3 the stream must hold
 * exactly `count` values.  On failure out->n is restored.
 */
int float_wrap_decode(int_decode_fn dec, const uint8_t *in, size_t len, size_t max_values,
		      col_t *out, larch_error_t *err)
{
	if (len == 0)
		return LARCH_OK;
	rd_t r;
	rd_init(&r, in, len, 0);
	const uint8_t *scaled = NULL, *raw = NULL;
	size_t count = 0;
	uint32_t tag = rd_uvarint32(&r), precision = tag;
	if (tag == FLOAT_FORM_UNSCALED || tag == FLOAT_FORM_RAW) {
		count = rd_uvarint32(&r);
		if (rd_ok(&r) && (count == 0 || count > max_values))
			return err_set(err, LARCH_CORRUPTED,
				       "lossy float header declares %zu values (at most %zu expected)",
				       count, max_values);
		scaled = rd_bytes(&r, count / 8 + 1);
		if (tag == FLOAT_FORM_RAW)
			raw = rd_bytes(&r, count / 8 + 1);
		precision = rd_uvarint32(&r);
	}
	if (!rd_ok(&r))
		return err_set(err, LARCH_CORRUPTED, "lossy float header truncated or malformed");
	size_t n0 = out->n;
	int rc = dec(in + r.pos, len - r.pos, scaled ? count : max_values, out, err);
	if (rc) {
		err_prefix(err, "lossy float integers from byte %zu", r.pos);
		return rc;
	}
	size_t n = out->n - n0;
	if (scaled && n != count) {
		out->n = n0;
		return err_set(err, LARCH_CORRUPTED,
			       "lossy float header declares %zu values, the stream holds %zu", count,
			       n);
	}
	if (n == 0)
		return LARCH_OK;
	double scale = float_scale((int32_t)precision);
	uint8_t *base = (uint8_t *)out->data + n0 * col_elem_size(out->type);
	for (size_t i = 0; i < n; i++) {
		int is_raw = raw && bit_lsb(raw, i);
		double div = !scaled || bit_lsb(scaled, i) ? scale : 1.0;
		if (out->type == TSFILE_FLOAT) {
			int32_t v;
			float f;
			memcpy(&v, base + 4 * i, 4);
			if (is_raw)
				memcpy(&f, &v, 4);
			else
				f = (float)((double)v / div);
			memcpy(base + 4 * i, &f, 4);
		} else {
			int64_t v;
			double d;
			memcpy(&v, base + 8 * i, 8);
			if (is_raw)
				memcpy(&d, &v, 8);
			else
				d = (double)v / div;
			memcpy(base + 8 * i, &d, 8);
		}
	}
	return LARCH_OK;
}
