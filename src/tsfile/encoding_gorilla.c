/*
 * encoding_gorilla.c — GORILLA (TSEncoding 8, "Gorilla v2"): XOR encoding
 * of consecutive values' bits, for INT32/DATE and FLOAT (32-bit form, FLOAT
 * as its raw bits) and INT64/TIMESTAMP and DOUBLE (64-bit form).
 *
 * One MSB-first bit stream per page; W = 32/64, L = 5/6, S = 5/6:
 *
 *   first value        W bits, raw
 *   each next value x  xor = prev ^ x
 *     xor == 0         '0'
 *     fits the stored window (lz >= storedLZ and tz >= storedTZ):
 *                      '10', then W - storedLZ - storedTZ bits of xor >> storedTZ
 *     otherwise        '11', L bits lz, S bits (W - lz - tz - 1), then the
 *                      W - lz - tz significant bits; they become the window
 *   end of page        the sentinel encoded as a next value, then zero
 *                      padding to a byte, plus one 0x00 byte when the
 *                      sentinel ended exactly on a byte boundary (Java
 *                      always writes its current byte at flush)
 *
 * Sentinels: INT32 0x80000000, FLOAT 0x7FC00000 (NaN), INT64
 * 0x8000000000000000, DOUBLE 0x7FF8000000000000 (NaN).  The window starts
 * "infinite" so the first non-zero xor takes the '11' form.  The decoder
 * always returns the first value and stops at the first later value equal
 * to the sentinel, as Java's does; a later value that equals the sentinel
 * (INT_MIN, LONG_MIN, that NaN) therefore truncates the page — a property
 * of the format.  Bytes after the sentinel are ignored.
 */
#include "bits.h"
#include "encoding_kernels.h"

#define GORILLA_NO_WINDOW 255u /* storedLZ before the first '11' */

static uint64_t gorilla_sentinel(tsfile_type_t type)
{
	switch (type) {
	case TSFILE_FLOAT: return 0x7fc00000u;
	case TSFILE_DOUBLE: return 0x7ff8000000000000ull;
	case TSFILE_INT32:
	case TSFILE_DATE: return 0x80000000u;
	default: return 0x8000000000000000ull;
	}
}

/* Raw bits of element i as a W-bit unsigned value (es = W / 8). */
KERNEL_INLINE uint64_t gorilla_bits(const void *values, size_t es, size_t i)
{
	uint64_t v = (uint64_t)elem_load(values, es, i);
	return es == 8 ? v : (uint32_t)v;
}

typedef struct gorilla_enc {
	msbw_t bw;
	uint64_t prev;
	unsigned lz, tz; /* the stored window */
} gorilla_enc_t;

/* Encode x as a next value (everything but the first). */
KERNEL_INLINE void gorilla_put(gorilla_enc_t *g, uint64_t x, unsigned W)
{
	const unsigned L = W == 64 ? 6 : 5;
	uint64_t xor = g->prev ^ x;
	g->prev = x;
	if (xor == 0) {
		msbw_put(&g->bw, 0, 1);
		return;
	}
	unsigned lz = (unsigned)__builtin_clzll(xor) - (64 - W);
	unsigned tz = (unsigned)__builtin_ctzll(xor);
	if (lz >= g->lz && tz >= g->tz) {
		msbw_put(&g->bw, 2, 2);
		msbw_put(&g->bw, xor >> g->tz, W - g->lz - g->tz);
		return;
	}
	unsigned sig = W - lz - tz;
	/* '11' + lz + (sig - 1) fit in 2 + 2L <= 14 bits: one put */
	msbw_put(&g->bw, (3ull << (2 * L)) | ((uint64_t)lz << L) | (sig - 1), 2 + 2 * L);
	msbw_put(&g->bw, xor >> tz, sig);
	g->lz = lz;
	g->tz = tz;
}

/* Reserve the worst case (first value, then at most 2 + 2L + W bits per
 * value and for the sentinel, plus the extra byte) and write the stream. */
KERNEL_INLINE void gorilla_encode_w(const void *values, size_t n, uint64_t sentinel, buf_t *out,
				    unsigned W)
{
	size_t es = W / 8, per = (2 + 12 + W + 7) / 8;
	if (n == 0 || buf_reserve(out, es + (n + 1) * per + 1) < 0)
		return;
	gorilla_enc_t g = {.lz = GORILLA_NO_WINDOW, .tz = 0};
	msbw_init(&g.bw, out->data + out->len);
	g.prev = gorilla_bits(values, es, 0);
	msbw_put(&g.bw, g.prev, W);
	for (size_t i = 1; i < n; i++)
		gorilla_put(&g, gorilla_bits(values, es, i), W);
	gorilla_put(&g, sentinel, W);
	int aligned = g.bw.used % 8 == 0;
	uint8_t *end = msbw_flush(&g.bw);
	if (aligned)
		*end++ = 0;
	out->len = (size_t)(end - out->data);
}

static int gorilla_truncated(size_t made, larch_error_t *err)
{
	return err_set(err, LARCH_CORRUPTED,
		       "GORILLA: stream ends after %zu values without the end marker", made);
}

/*
 * Decode with bits.h's 64-bit register reader.  Every value consumes at
 * least one bit and the reader flags reads past the end, so the loop ends
 * at the sentinel, at the end of the bits (corrupt: no sentinel) or at the
 * value budget.  Output grows in chunks bounded by the budget.
 */
KERNEL_INLINE int gorilla_decode_w(const uint8_t *in, size_t len, size_t max_values,
				   uint64_t sentinel, col_t *out, unsigned W, larch_error_t *err)
{
	const unsigned L = W == 64 ? 6 : 5;
	const size_t es = W / 8;
	if (len == 0)
		return LARCH_OK;
	if (max_values == 0)
		return err_set(err, LARCH_CORRUPTED, "GORILLA: stream holds values, none expected");
	bitr_t r;
	bitr_init(&r, in, len);
	uint64_t x = bitr_get(&r, W);
	if (r.bad)
		return err_set(err, LARCH_CORRUPTED, "GORILLA: %zu bytes cannot hold a first value",
			       len);
	unsigned lz = GORILLA_NO_WINDOW, tz = 0;
	size_t made = 0, room = 0;
	uint8_t *dst = NULL;
	for (;;) {
		if (room == 0) {
			size_t chunk = LR_MIN(max_values - made, (size_t)4096);
			if (chunk == 0)
				return err_set(err, LARCH_CORRUPTED,
					       "GORILLA: more than the %zu values expected",
					       max_values);
			if (col_reserve(out, chunk))
				return err_set(err, LARCH_NO_MEMORY, "GORILLA: out of memory");
			dst = (uint8_t *)out->data + out->n * es;
			room = chunk;
		}
		elem_store(dst, es, 0, x);
		dst += es;
		out->n++;
		made++;
		room--;
		/* Peek the control bits and a possible header at once (bits past
		 * the end read as zeros), then check they were really there. */
		if (r.n < 2 + 2 * L)
			bitr_refill(&r);
		uint64_t a = r.acc;
		unsigned used = 1;
		if (a >> 63) {
			used = 2;
			if ((a >> 62) & 1) {
				lz = (unsigned)(a >> (62 - L)) & ((1u << L) - 1);
				unsigned sig = ((unsigned)(a >> (62 - 2 * L)) & ((1u << L) - 1)) + 1;
				if (lz + sig > W)
					return err_set(err, LARCH_CORRUPTED,
						       "GORILLA: value %zu has %u leading zeros and "
						       "%u significant bits",
						       made, lz, sig);
				tz = W - lz - sig;
				used = 2 + 2 * L;
			} else if (lz == GORILLA_NO_WINDOW) {
				return err_set(err, LARCH_CORRUPTED,
					       "GORILLA: value %zu reuses a window never set", made);
			}
		}
		if (used > r.n)
			return gorilla_truncated(made, err);
		r.acc <<= used;
		r.n -= used;
		if (used > 1) {
			/* the significant bits: one shift unless they straddle a refill */
			unsigned sig = W - lz - tz;
			uint64_t v;
			if (r.n < sig)
				bitr_refill(&r);
			if (sig <= r.n && sig < 64) {
				v = r.acc >> (64 - sig);
				r.acc <<= sig;
				r.n -= sig;
			} else {
				v = bitr_get(&r, sig);
				if (r.bad)
					return gorilla_truncated(made, err);
			}
			x ^= v << tz;
		}
		if (x == sentinel)
			return LARCH_OK;
	}
}

int enc_gorilla_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
		       size_t n, buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_GORILLA, type, err);
	if (rc)
		return rc;
	if (col_elem_size(type) == 8)
		gorilla_encode_w(values, n, gorilla_sentinel(type), out, 64);
	else
		gorilla_encode_w(values, n, gorilla_sentinel(type), out, 32);
	return LARCH_OK;
}

int enc_gorilla_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		       col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_GORILLA, type, out, err);
	if (rc)
		return rc;
	size_t n0 = out->n;
	uint64_t sentinel = gorilla_sentinel(type);
	rc = col_elem_size(type) == 8
		     ? gorilla_decode_w(in, len, max_values, sentinel, out, 64, err)
		     : gorilla_decode_w(in, len, max_values, sentinel, out, 32, err);
	if (rc)
		out->n = n0;
	return rc;
}
