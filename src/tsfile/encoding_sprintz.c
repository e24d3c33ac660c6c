/*
 * encoding_sprintz.c — SPRINTZ (TSEncoding 12) with Apache TsFile's default
 * "fire" predictor, for INT32/DATE, INT64/TIMESTAMP, FLOAT and DOUBLE.
 *
 * A page stream is a sequence of blocks of 9 values, then at most one tail
 * of the 1..8 values left over:
 *
 *   block   u8      width        1..W: bit width of the 8 residuals
 *           first   v[0]         INT32: uvarint of its 32 bits (1..5 bytes)
 *                                INT64, DOUBLE: 8 bytes big-endian (raw bits)
 *                                FLOAT: 4 bytes big-endian (raw bits)
 *           width bytes          m[1..8], `width` bits each, MSB-first
 *   tail    u8      0x80 | k     k values follow, 1 <= k <= 127 (writers: <= 8)
 *           INT32, INT64:        one RLE package (§7.3, encoding_rle.c) of
 *                                the k raw values; blocks may follow it
 *           FLOAT, DOUBLE:       a GORILLA stream (encoding_gorilla.c) of the
 *                                k values, to the end of the page; read by
 *                                count, since any of them may equal GORILLA's
 *                                end marker (the canonical NaN)
 *
 * Residuals.  Within a block the values are seen as W-bit integers p[i]
 * (FLOAT/DOUBLE: their IEEE bits with every NaN made the canonical one,
 * Java's floatToIntBits/doubleToLongBits; so NaN payloads survive only in
 * v[0] and in tails).  A predictor ("fire", below) restarted for each block
 * gives pred[i] from p[i-1]; e[i] = p[i] - pred[i] (wrapping) is mapped to
 * m[i] = -2e for e <= 0, 2e - 1 for e > 0 (wrapping), and back with
 * e = -(m >> 1) for even m, (m >> 1) + 1 for odd m (unsigned shifts).
 *
 *   Deviation from Apache, on purpose: for e = INT_MIN (LONG_MIN) the
 *   mapping above wraps to m = 0, the code of e = 0, so Apache's writers
 *   lose the value (e.g. FLOAT 0.0 followed by -0.0).  This encoder writes
 *   m = all ones instead, which the unsigned inverse above reads back as
 *   e = INT_MIN; Apache's readers decode either form to the same (wrong)
 *   value.  Apache's readers also invert with signed arithmetic, which
 *   breaks for m >= 2^(W-1) (|e| > 2^(W-2)); the inverse used here is exact
 *   for every m, so pages Apache cannot read back are read correctly here.
 *
 * Fire predictor (Apache IntFire / LongFire).  State: a 32-bit accumulator
 * `acc` and `delta`, both 0 at the start of a block; W-bit wrapping
 * arithmetic except where noted; >> is arithmetic.
 *   pred   = p[i-1] + ((acc >> S) * delta >> B)     32-bit: S 2, B 8, the
 *                                                   product wraps at 32 bits;
 *                                                   64-bit: S 3, B 16, the
 *                                                   product wraps at 64 bits
 *   train: acc   -= (e > 0 ? -delta : delta)        truncated to 32 bits
 *          delta  = p[i] - p[i-1]
 * (The C++ library computes the 64-bit product in 128 bits instead, so its
 * INT64/DOUBLE pages differ from Java's once the product overflows; this
 * file follows Java.)
 *
 * Apache's writers move their blocks from a cache to the page every 16
 * blocks; that changes no byte.  An empty page is an empty stream.
 *
 * Not read: the forms of Apache's development branch (a 0x00 0x01 "optimal
 * mode" marker with per-pack sizes, and 0x00 k tails for INT64); no released
 * writer produces them, and a width byte of 0 is rejected as corrupt.
 */
#include "bits.h"
#include "encoding_kernels.h"

#define SPRINTZ_BLOCK 8   /* residuals per block; a block holds 1 + 8 values */
#define SPRINTZ_TAIL 0x80 /* flag of a tail's header byte */

/* Shape of a column: value width and what the per-type fields are. */
typedef struct sprintz_kind {
	unsigned w;          /* 32 or 64 */
	int is_float;        /* FLOAT/DOUBLE: canonical NaN, raw first, GORILLA tail */
	tsfile_type_t tail;  /* type of the tail stream (RLE or GORILLA) */
} sprintz_kind_t;

static sprintz_kind_t sprintz_kind_of(tsfile_type_t type)
{
	sprintz_kind_t k;
	k.is_float = type == TSFILE_FLOAT || type == TSFILE_DOUBLE;
	k.w = (unsigned)col_elem_size(type) * 8;
	k.tail = k.is_float ? type : (k.w == 32 ? TSFILE_INT32 : TSFILE_INT64);
	return k;
}

static inline uint64_t sprintz_mask(unsigned w)
{
	return w == 32 ? 0xffffffffull : ~0ull;
}

/* The integer the predictor sees for raw bits v (canonical NaN for floats). */
static inline uint64_t sprintz_canon(const sprintz_kind_t *k, uint64_t v)
{
	if (!k->is_float)
		return v;
	if (k->w == 32)
		return (v & 0x7fffffffu) > 0x7f800000u ? 0x7fc00000u : v;
	return (v & 0x7fffffffffffffffull) > 0x7ff0000000000000ull ? 0x7ff8000000000000ull : v;
}

/* 1 if the W-bit value v is > 0 as a signed number. */
static inline int sprintz_positive(uint64_t v, unsigned w)
{
	return w == 32 ? (int32_t)(uint32_t)v > 0 : (int64_t)v > 0;
}

/*---------------------------------------------------------------------------
 * Fire predictor and residual mapping (see the top of the file)
 *---------------------------------------------------------------------------*/

typedef struct fire {
	unsigned w;
	int32_t acc;
	uint64_t delta; /* W bits */
} fire_t;

static inline uint64_t fire_predict(const fire_t *f, uint64_t prev)
{
	if (f->w == 32) {
		int32_t prod = (int32_t)((uint32_t)(f->acc >> 2) * (uint32_t)f->delta);
		return (uint32_t)((uint32_t)prev + (uint32_t)(prod >> 8));
	}
	int64_t prod = (int64_t)((uint64_t)(int64_t)(f->acc >> 3) * f->delta);
	return prev + (uint64_t)(prod >> 16);
}

static inline void fire_train(fire_t *f, uint64_t prev, uint64_t val, uint64_t e)
{
	uint64_t grad = sprintz_positive(e, f->w) ? 0 - f->delta : f->delta;
	f->acc = (int32_t)((uint32_t)f->acc - (uint32_t)grad);
	f->delta = (val - prev) & sprintz_mask(f->w);
}

static inline uint64_t sprintz_map(uint64_t e, unsigned w)
{
	uint64_t mask = sprintz_mask(w);
	if (e == (mask >> 1) + 1)
		return mask; /* INT_MIN / LONG_MIN: see the deviation note above */
	return (sprintz_positive(e, w) ? 2 * e - 1 : 0 - 2 * e) & mask;
}

static inline uint64_t sprintz_unmap(uint64_t m, unsigned w)
{
	return ((m & 1) ? (m >> 1) + 1 : 0 - (m >> 1)) & sprintz_mask(w);
}

/*---------------------------------------------------------------------------
 * Encoder
 *---------------------------------------------------------------------------*/

/* Write one block of the 9 values at `values`. */
static void sprintz_put_block(const sprintz_kind_t *k, const void *values, buf_t *out)
{
	uint64_t m[SPRINTZ_BLOCK], any = 0;
	uint64_t first = (uint64_t)elem_load(values, k->w / 8, 0) & sprintz_mask(k->w);
	uint64_t prev = sprintz_canon(k, first);
	fire_t f = {k->w, 0, 0};

	for (int i = 0; i < SPRINTZ_BLOCK; i++) {
		uint64_t raw = (uint64_t)elem_load(values, k->w / 8, (size_t)i + 1);
		uint64_t p = sprintz_canon(k, raw & sprintz_mask(k->w));
		uint64_t e = (p - fire_predict(&f, prev)) & sprintz_mask(k->w);
		fire_train(&f, prev, p, e);
		m[i] = sprintz_map(e, k->w);
		any |= m[i];
		prev = p;
	}
	unsigned width = any ? bit_length64(any) : 1u;
	buf_put_u8(out, (uint8_t)width);
	if (k->w == 64)
		buf_put_be64(out, first);
	else if (k->is_float)
		buf_put_be32(out, (uint32_t)first);
	else
		buf_put_uvarint(out, first);
	uint8_t *packed = buf_extend(out, width);
	if (packed)
		msb_pack(m, SPRINTZ_BLOCK, width, packed); /* 8 * width bits: width bytes */
}

int enc_sprintz_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
		       size_t n, buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_SPRINTZ, type, err);
	if (rc)
		return rc;
	sprintz_kind_t k = sprintz_kind_of(type);
	size_t es = k.w / 8, i = 0;

	/* worst case per block: width byte, 10-byte first value, 8 * 8 bytes */
	if (buf_reserve(out, (n / (SPRINTZ_BLOCK + 1)) * 75 + 1) < 0)
		return err_set(err, LARCH_NO_MEMORY, "sprintz: out of memory for %zu values", n);
	for (; n - i >= SPRINTZ_BLOCK + 1; i += SPRINTZ_BLOCK + 1)
		sprintz_put_block(&k, (const uint8_t *)values + i * es, out);
	if (i == n)
		return LARCH_OK;
	buf_put_u8(out, (uint8_t)(SPRINTZ_TAIL | (n - i)));
	const uint8_t *rest = (const uint8_t *)values + i * es;
	if (k.is_float)
		return enc_gorilla_encode(k.tail, params, rest, n - i, out, err);
	return enc_rle_encode(k.tail, params, rest, n - i, out, err);
}

/*---------------------------------------------------------------------------
 * Decoder
 *---------------------------------------------------------------------------*/

/* Decode one block whose width byte (already read) is `width`; append its
 * 9 values to out (room reserved by the caller). */
static int sprintz_get_block(const sprintz_kind_t *k, rd_t *rd, unsigned width, col_t *out,
			     larch_error_t *err)
{
	uint64_t first;
	if (k->w == 64)
		first = rd_be64(rd);
	else if (k->is_float)
		first = rd_be32(rd);
	else
		first = rd_uvarint32(rd);
	size_t avail = rd_left(rd);
	const uint8_t *packed = rd_bytes(rd, width);
	if (!rd_ok(rd))
		return err_set(err, LARCH_CORRUPTED, "sprintz: block truncated at byte %zu",
			       rd->pos);

	uint64_t m[SPRINTZ_BLOCK];
	msb_unpack(packed, avail, width, SPRINTZ_BLOCK, m);
	uint8_t *dst = (uint8_t *)out->data + out->n * (k->w / 8);
	uint64_t prev = sprintz_canon(k, first);
	fire_t f = {k->w, 0, 0};
	elem_store(dst, k->w / 8, 0, first);
	for (int i = 0; i < SPRINTZ_BLOCK; i++) {
		uint64_t e = sprintz_unmap(m[i], k->w);
		uint64_t p = (fire_predict(&f, prev) + e) & sprintz_mask(k->w);
		fire_train(&f, prev, p, e);
		elem_store(dst, k->w / 8, (size_t)i + 1, p);
		prev = p;
	}
	out->n += SPRINTZ_BLOCK + 1;
	return LARCH_OK;
}

/*
 * Read exactly `count` values of the GORILLA stream in[0..len) (grammar in
 * encoding_gorilla.c) into out, whose room the caller reserved.  Unlike
 * enc_gorilla_decode this does not stop at a value equal to GORILLA's end
 * marker: a SPRINTZ tail says how many values it holds, and Apache's
 * readers take that many.
 */
static int sprintz_get_gorilla(unsigned w, const uint8_t *in, size_t len, size_t count,
			       col_t *out, larch_error_t *err)
{
	const unsigned L = w == 64 ? 6 : 5;
	unsigned lz = 0, tz = 0;
	int window = 0;
	bitr_t r;
	bitr_init(&r, in, len);
	uint64_t x = bitr_get(&r, w);
	for (size_t i = 0;; i++) {
		if (r.bad)
			return err_set(err, LARCH_CORRUPTED,
				       "sprintz: GORILLA tail truncated at value %zu of %zu", i,
				       count);
		elem_store(out->data, w / 8, out->n++, x);
		if (i + 1 == count)
			return LARCH_OK;
		if (!bitr_bit(&r))
			continue;
		if (bitr_bit(&r)) {
			uint64_t h = bitr_get_small(&r, 2 * L);
			lz = (unsigned)(h >> L);
			unsigned sig = (unsigned)(h & ((1u << L) - 1)) + 1;
			if (lz + sig > w)
				return err_set(err, LARCH_CORRUPTED,
					       "sprintz: GORILLA tail value %zu has %u leading "
					       "zeros and %u significant bits", i + 1, lz, sig);
			tz = w - lz - sig;
			window = 1;
		} else if (!window) {
			return err_set(err, LARCH_CORRUPTED,
				       "sprintz: GORILLA tail value %zu reuses a window never set",
				       i + 1);
		}
		x ^= bitr_get(&r, w - lz - tz) << tz;
	}
}

/* Decode a tail of `count` values starting at the cursor: one RLE package
 * (the cursor moves past it) or a GORILLA stream (it takes the rest). */
static int sprintz_get_tail(const sprintz_kind_t *k, rd_t *rd, size_t count, col_t *out,
			    larch_error_t *err)
{
	size_t start = rd->pos, before = out->n;
	if (k->is_float) {
		rd->pos = rd->len;
		if (col_reserve(out, count))
			return err_set(err, LARCH_NO_MEMORY, "sprintz: out of memory");
		return sprintz_get_gorilla(k->w, rd->data + start, rd->len - start, count, out,
					   err);
	}
	uint64_t plen = rd_uvarint(rd);
	if (!rd_ok(rd) || plen > rd_left(rd))
		return err_set(err, LARCH_CORRUPTED,
			       "sprintz: tail RLE package truncated at byte %zu", start);
	rd->pos += (size_t)plen;
	int rc = enc_rle_decode(k->tail, rd->data + start, rd->pos - start, count, out, err);
	if (rc) {
		err_prefix(err, "sprintz: tail at byte %zu", start);
		return rc;
	}
	if (out->n - before != count)
		return err_set(err, LARCH_CORRUPTED,
			       "sprintz: tail at byte %zu holds %zu values, its header says %zu",
			       start, out->n - before, count);
	return LARCH_OK;
}

int enc_sprintz_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		       col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_SPRINTZ, type, out, err);
	if (rc)
		return rc;
	sprintz_kind_t k = sprintz_kind_of(type);
	size_t n0 = out->n;
	rd_t rd;

	rd_init(&rd, in, len, 0);
	while (rc == LARCH_OK && rd_left(&rd) > 0) {
		size_t at = rd.pos;
		unsigned head = rd_u8(&rd);
		size_t count = (head & SPRINTZ_TAIL) ? head & ~SPRINTZ_TAIL : SPRINTZ_BLOCK + 1;
		if (count > max_values - (out->n - n0))
			rc = err_set(err, LARCH_CORRUPTED,
				     "sprintz: more than %zu values in the stream", max_values);
		else if (head == SPRINTZ_TAIL)
			rc = err_set(err, LARCH_CORRUPTED, "sprintz: empty tail at byte %zu", at);
		else if (head & SPRINTZ_TAIL)
			rc = sprintz_get_tail(&k, &rd, count, out, err);
		else if (head == 0 || head > k.w)
			rc = err_set(err, LARCH_CORRUPTED, "sprintz: bit width %u at byte %zu",
				     head, at);
		else if (col_reserve(out, count))
			rc = err_set(err, LARCH_NO_MEMORY, "sprintz: out of memory");
		else
			rc = sprintz_get_block(&k, &rd, head, out, err);
	}
	if (rc)
		out->n = n0;
	return rc;
}
