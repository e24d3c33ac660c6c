/*
 * encoding_kernels.h — private to src/tsfile/encoding_*.c: the pieces that
 * several encodings share.
 *
 *   elem_load / elem_store  read and write one column element by its size
 *   msbw_t, msb_pack        MSB-first bit writer into reserved memory
 *   msb_unpack              the reverse: n values of w bits, MSB-first
 *   ts2diff_*_values        TS_2DIFF over int32/int64 arrays (encoding_ts2diff.c)
 *   rle_*_values            one RLE package over bool/int32/int64 arrays
 *                           (encoding_rle.c); DICTIONARY reuses the 32-bit form
 *   float_wrap_*            the lossy FLOAT/DOUBLE wrapper that TS_2DIFF and
 *                           RLE put around their integer forms (encoding_float.c)
 *
 * The kernels address elements by size (es = 1, 4 or 8 bytes) rather than by
 * type: es 1 is BOOLEAN, 4 is int32 (also the bits of a FLOAT), 8 is int64.
 * That lets the float wrapper run an integer kernel straight over the memory
 * of a FLOAT or DOUBLE column and convert the values in place.
 */
#ifndef LARCH_TSFILE_ENCODING_KERNELS_H
#define LARCH_TSFILE_ENCODING_KERNELS_H

#include "encoding.h"

/* Force inlining where a kernel is instantiated per element size, so each
 * size gets its own branch-free copy of the hot loop. */
#if defined(__GNUC__)
#define KERNEL_INLINE static inline __attribute__((always_inline))
#else
#define KERNEL_INLINE static inline
#endif

/*---------------------------------------------------------------------------
 * Elements by size
 *---------------------------------------------------------------------------*/

/* Element i of an array of es-byte elements, sign-extended (BOOLEAN: 0/1).
 * Loads and stores go through memcpy: FLOAT/DOUBLE memory is read and
 * written as integers of the same size without type punning. */
KERNEL_INLINE int64_t elem_load(const void *base, size_t es, size_t i)
{
	const uint8_t *p = (const uint8_t *)base + i * es;
	if (es == 8) {
		int64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	if (es == 4) {
		int32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	return *p != 0;
}

/* Store the low es*8 bits of v as element i (BOOLEAN: v != 0). */
KERNEL_INLINE void elem_store(void *base, size_t es, size_t i, uint64_t v)
{
	uint8_t *p = (uint8_t *)base + i * es;
	if (es == 8) {
		memcpy(p, &v, 8);
	} else if (es == 4) {
		uint32_t u = (uint32_t)v;
		memcpy(p, &u, 4);
	} else {
		*p = v != 0;
	}
}

/* Number of significant bits of v (0 for 0). */
static inline unsigned bit_length64(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

/* Store v as a LEB128 uvarint at p (room for 10 bytes); returns the end. */
static inline uint8_t *uvarint_store(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Read a LEB128 uvarint of at most maxbytes bytes (5 for 32-bit fields, 10
 * for 64-bit) from in[*pos..end) and advance *pos; -1 if it is cut short or
 * longer.  Bits beyond the field's width are dropped, as Java's readers do. */
static inline int uvarint_load(const uint8_t *in, size_t end, size_t *pos, unsigned maxbytes,
			       uint64_t *v)
{
	uint64_t x = 0;
	size_t p = *pos;
	for (unsigned i = 0; i < maxbytes && p < end; i++) {
		uint8_t b = in[p++];
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*pos = p;
			*v = maxbytes <= 5 ? (uint32_t)x : x;
			return 0;
		}
	}
	return -1;
}

/* LARCH_UNSUPPORTED unless `enc` handles `type` (TsFile's rules); the
 * entry points check it again for callers that bypass encoding.c. */
static inline int enc_check_type(tsfile_encoding_t enc, tsfile_type_t type, larch_error_t *err)
{
	if (!tsfile_encoding_supports(enc, type))
		return err_set(err, LARCH_UNSUPPORTED, "encoding %s does not support type %s",
			       tsfile_encoding_name(enc), tsfile_type_name(type));
	return LARCH_OK;
}

/* enc_check_type, and the decoder's output column must hold elements of
 * `type`'s size. */
static inline int enc_check_decode(tsfile_encoding_t enc, tsfile_type_t type, const col_t *out,
				   larch_error_t *err)
{
	if (col_elem_size(out->type) != col_elem_size(type))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "decoding %s into a %s column",
			       tsfile_type_name(type), tsfile_type_name(out->type));
	return enc_check_type(enc, type, err);
}

/*---------------------------------------------------------------------------
 * MSB-first bit writing into memory the caller has reserved
 *
 * Unlike bits.h's bitw_t (which appends to a buf_t byte by byte), this
 * writer stores whole big-endian 64-bit words through a raw pointer; the
 * caller reserves the worst case first.  It writes exactly ceil(bits/8)
 * bytes in total (msbw_flush writes the partial tail).
 *---------------------------------------------------------------------------*/

typedef struct msbw {
	uint8_t *p;     /* next byte to store */
	uint64_t acc;   /* pending bits, left-aligned */
	unsigned used;  /* pending bit count, < 64 */
} msbw_t;

static inline void msbw_init(msbw_t *w, uint8_t *p)
{
	w->p = p;
	w->acc = 0;
	w->used = 0;
}

/* Append the low `bits` bits of v (1..64); v must have no higher bits set. */
static inline void msbw_put(msbw_t *w, uint64_t v, unsigned bits)
{
	if (w->used + bits < 64) {
		w->acc |= v << (64 - w->used - bits);
		w->used += bits;
		return;
	}
	unsigned spill = w->used + bits - 64;
	w->acc |= v >> spill;
	store_be64(w->p, w->acc);
	w->p += 8;
	w->acc = spill ? v << (64 - spill) : 0;
	w->used = spill;
}

/* Store the pending bits, zero-padded to a whole byte; returns the end. */
static inline uint8_t *msbw_flush(msbw_t *w)
{
	for (; w->used > 0; w->used = w->used > 8 ? w->used - 8 : 0) {
		*w->p++ = (uint8_t)(w->acc >> 56);
		w->acc <<= 8;
	}
	w->acc = 0;
	return w->p;
}

/* Pack the low w bits (1..64) of src[0..count) MSB-first into dst, which
 * must have room for ceil(count*w/8) bytes; returns that byte count. */
static inline size_t msb_pack(const uint64_t *src, size_t count, unsigned w, uint8_t *dst)
{
	uint64_t mask = w == 64 ? ~0ull : (1ull << w) - 1;
	msbw_t bw;
	msbw_init(&bw, dst);
	for (size_t i = 0; i < count; i++)
		msbw_put(&bw, src[i] & mask, w);
	return (size_t)(msbw_flush(&bw) - dst);
}

/* The w-bit value (1..64) starting `bit` bits into p; reads the 9 bytes at
 * p + bit/8 (the ninth only when w > 57). */
static inline uint64_t msb_peek(const uint8_t *p, uint64_t bit, unsigned w)
{
	const uint8_t *q = p + (bit >> 3);
	unsigned s = (unsigned)(bit & 7);
	uint64_t v = load_be64(q) << s;
	if (s + w > 64)
		v |= (uint64_t)q[8] >> (8 - s);
	return v >> (64 - w);
}

/* Unpack count values of w bits (1..64), MSB-first, from src into dst.
 * The packed data (ceil(count*w/8) bytes) must lie within the `avail`
 * readable bytes at src; bytes past the data but within avail let the
 * fast path load whole words, and the last values are read from a
 * zero-padded copy so nothing beyond avail is touched. */
static inline void msb_unpack(const uint8_t *src, size_t avail, unsigned w, size_t count,
			      uint64_t *dst)
{
	size_t fast = 0;
	if (avail >= 9) {
		/* value i may use the word loads while (i*w)/8 + 9 <= avail */
		fast = (size_t)(((uint64_t)(avail - 9) * 8 + 7) / w) + 1;
		if (fast > count)
			fast = count;
	}
	for (size_t i = 0; i < fast; i++)
		dst[i] = msb_peek(src, (uint64_t)i * w, w);
	if (fast == count)
		return;
	uint64_t bit0 = (uint64_t)fast * w;
	size_t byte0 = (size_t)(bit0 >> 3), tail = avail - byte0; /* < 9 bytes */
	uint8_t pad[24] = {0};
	memcpy(pad, src + byte0, tail);
	for (size_t i = fast; i < count; i++)
		dst[i] = msb_peek(pad, (uint64_t)i * w - byte0 * 8, w);
}

/*---------------------------------------------------------------------------
 * Integer kernels (TS_2DIFF and RLE) and the float wrapper
 *
 * Encoders append the stream of values[0..n) (es-byte elements) to out; a
 * failed allocation shows as out->oom.  Decoders append to `out`, whose
 * element size selects the width (see the top of this file), at most
 * max_values values; they return LARCH_CORRUPTED for malformed input and
 * LARCH_NO_MEMORY if the column cannot grow.
 *---------------------------------------------------------------------------*/

typedef void (*int_encode_fn)(const void *values, size_t es, size_t n, buf_t *out);
typedef int (*int_decode_fn)(const uint8_t *in, size_t len, size_t max_values, col_t *out,
			     larch_error_t *err);

/* TS_2DIFF blocks for es = 4 (INT32/DATE) or 8 (INT64/TIMESTAMP). */
void ts2diff_encode_values(const void *values, size_t es, size_t n, buf_t *out);
int ts2diff_decode_values(const uint8_t *in, size_t len, size_t max_values, col_t *out,
			  larch_error_t *err);

/* One RLE package (uvarint length, bit width, runs) for es = 1, 4 or 8;
 * es 8 selects the 64-bit rules.  n = 0 writes nothing.  The decoder reads
 * packages until the input ends. */
void rle_encode_values(const void *values, size_t es, size_t n, buf_t *out);
int rle_decode_values(const uint8_t *in, size_t len, size_t max_values, col_t *out,
		      larch_error_t *err);

/* The lossy FLOAT/DOUBLE form of an integer encoding: values are scaled by
 * 10^precision and rounded as Java does, with the page header forms of
 * reference §7.2 for values that cannot be scaled.  `enc` is called once,
 * on an int32 (FLOAT) or int64 (DOUBLE) array. */
int float_wrap_encode(int_encode_fn enc, tsfile_type_t type, int precision, const void *values,
		      size_t n, buf_t *out, larch_error_t *err);
int float_wrap_decode(int_decode_fn dec, const uint8_t *in, size_t len, size_t max_values,
		      col_t *out, larch_error_t *err);

#endif
