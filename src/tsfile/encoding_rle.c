/*
 * encoding_rle.c — RLE (TSEncoding 2): the hybrid run-length / bit-packing
 * encoding, for BOOLEAN, INT32/DATE, INT64/TIMESTAMP and, through the float
 * wrapper (encoding_float.c), lossy FLOAT/DOUBLE.  DICTIONARY reuses the
 * 32-bit form for its index stream (rle_encode_values / rle_decode_values).
 *
 * A page holds one package:
 *
 *   uvarint length     bytes that follow
 *   u8      w          bit width: max bit length of the values, at least 1;
 *                      a negative value counts as 32 (64 in the 64-bit form)
 *   runs ...           until the package ends, each starting with a uvarint
 *                      header h:
 *     h even: RLE run      h/2 copies of one value stored in ceil(w/8)
 *                          bytes, little-endian in the 32-bit form but
 *                          big-endian in the 64-bit form (a Java quirk)
 *     h odd:  bit-packed   g = h/2 groups (1..63 from Java), then a byte
 *                          `last` (values in the final group, 1..8), then
 *                          g*w bytes: groups of 8 w-bit values, MSB-first,
 *                          the final group zero-padded; (g-1)*8 + last values
 *
 * The encoder reproduces Java's RleEncoder byte for byte (reference §7.3),
 * including when it abandons buffered values for an RLE run.  The C++
 * writer emits only bit-packed runs; both forms decode the same.
 */
#include "encoding_kernels.h"

#define RLE_MIN_REPEAT 8     /* a run this long becomes an RLE run */
#define RLE_MAX_REPEAT 32767 /* longest RLE run Java writes */
#define RLE_MAX_GROUPS 63    /* groups per bit-packed run */

/*---------------------------------------------------------------------------
 * Encoder: Java's state machine, writing into reserved memory
 *---------------------------------------------------------------------------*/

typedef struct rle_enc {
	uint8_t *p;        /* write cursor */
	unsigned w;        /* bit width */
	int wide;          /* 64-bit form: big-endian run values */
	int64_t prev;      /* value of the current repeat (0 initially, as Java) */
	uint32_t repeat;   /* length of the current repeat */
	unsigned nbuf;     /* values buffered for the next group */
	int64_t buf[8];
	uint8_t *run;      /* header slot of the open bit-packed run, or NULL */
	unsigned groups;   /* groups in the open bit-packed run */
} rle_enc_t;

/* Close the open bit-packed run, if any: fill in its two header bytes. */
static void rle_end_packed(rle_enc_t *e, unsigned last)
{
	if (!e->run)
		return;
	e->run[0] = (uint8_t)((e->groups << 1) | 1);
	e->run[1] = (uint8_t)last;
	e->run = NULL;
	e->groups = 0;
}

/* Pack the 8 buffered values as a group of the open bit-packed run
 * (opening one, after closing a full one, as needed). */
static void rle_put_group(rle_enc_t *e)
{
	uint64_t v[8];
	if (e->groups >= RLE_MAX_GROUPS)
		rle_end_packed(e, 8);
	if (!e->run) {
		e->run = e->p;
		e->p += 2;
	}
	for (int i = 0; i < 8; i++)
		v[i] = (uint64_t)e->buf[i];
	e->p += msb_pack(v, 8, e->w, e->p);
	e->nbuf = 0;
	e->repeat = 0;
	e->groups++;
}

/* Emit the current repeat as an RLE run (closing any bit-packed run). */
static void rle_put_run(rle_enc_t *e)
{
	rle_end_packed(e, 8);
	e->p = uvarint_store(e->p, (uint64_t)e->repeat << 1);
	unsigned nb = (e->w + 7) / 8;
	for (unsigned i = 0; i < nb; i++) {
		unsigned shift = e->wide ? 8 * (nb - 1 - i) : 8 * i;
		*e->p++ = (uint8_t)((uint64_t)e->prev >> shift);
	}
	e->repeat = 0;
	e->nbuf = 0;
}

/* Java's encodeValue: count repeats, leave the 8th..32767th copy of a value
 * unbuffered (it will become an RLE run), and pack every 8 buffered values. */
static void rle_add(rle_enc_t *e, int64_t v)
{
	if (v == e->prev) {
		e->repeat++;
		if (e->repeat >= RLE_MIN_REPEAT && e->repeat <= RLE_MAX_REPEAT)
			return;
		if (e->repeat == RLE_MAX_REPEAT + 1) {
			e->repeat = RLE_MAX_REPEAT;
			rle_put_run(e);
			e->repeat = 1;
		}
	} else {
		if (e->repeat >= RLE_MIN_REPEAT)
			rle_put_run(e);
		e->repeat = 1;
		e->prev = v;
	}
	e->buf[e->nbuf++] = v;
	if (e->nbuf == 8)
		rle_put_group(e);
}

/* Java's flush: a pending repeat becomes a run; else pad and pack the
 * buffered values and close the run with their count. */
static void rle_finish(rle_enc_t *e)
{
	unsigned last = e->nbuf;
	if (e->repeat >= RLE_MIN_REPEAT) {
		rle_put_run(e);
	} else if (e->nbuf > 0) {
		for (unsigned i = e->nbuf; i < 8; i++)
			e->buf[i] = 0;
		rle_put_group(e);
		rle_end_packed(e, last);
	} else {
		rle_end_packed(e, 8);
	}
}

/* Bit width of values[0..n): the bit length of their OR taken at the
 * form's width (so negatives give 32 or 64), at least 1. */
static unsigned rle_width(const void *values, size_t es, size_t n)
{
	uint64_t any = 0;
	if (es == 8)
		for (size_t i = 0; i < n; i++)
			any |= (uint64_t)((const int64_t *)values)[i];
	else if (es == 4)
		for (size_t i = 0; i < n; i++)
			any |= (uint32_t)((const int32_t *)values)[i];
	else
		for (size_t i = 0; i < n; i++)
			any |= ((const uint8_t *)values)[i] != 0;
	return LR_MAX(bit_length64(any), 1u);
}

/*
 * Reserve the worst case, write the package body 5 bytes in (room for the
 * longest length prefix), then write the prefix and close the gap.  Per 8
 * values the body needs at most w bytes of group plus 2 of bit-packed
 * header, or, as an RLE run, 3 header and w/8 value bytes plus 2 for the
 * bit-packed run it closed: bounded by w + 16.
 */
void rle_encode_values(const void *values, size_t es, size_t n, buf_t *out)
{
	if (n == 0)
		return;
	unsigned w = rle_width(values, es, n);
	size_t bound = 1 + (n / 8 + 2) * (w + 16);
	if (buf_reserve(out, 5 + bound) < 0)
		return;
	uint8_t *start = out->data + out->len;
	rle_enc_t e = {.p = start + 5, .w = w, .wide = es == 8};
	*e.p++ = (uint8_t)w;
	for (size_t i = 0; i < n; i++)
		rle_add(&e, elem_load(values, es, i));
	rle_finish(&e);
	size_t body = (size_t)(e.p - (start + 5));
	uint8_t *p = uvarint_store(start, body);
	memmove(p, start + 5, body);
	out->len += (size_t)(p - start) + body;
}

/*---------------------------------------------------------------------------
 * Decoder
 *---------------------------------------------------------------------------*/

/* Check a run of `count` values against the remaining budget and make room
 * for it in out. */
static int rle_make_room(col_t *out, size_t count, size_t budget, size_t at, larch_error_t *err)
{
	if (count > budget)
		return err_set(err, LARCH_CORRUPTED,
			       "RLE: run at byte %zu holds more values than expected", at);
	if (col_reserve(out, count))
		return err_set(err, LARCH_NO_MEMORY, "RLE: out of memory for %zu values", count);
	return LARCH_OK;
}

/* Decode the runs of one package body in[pos..end) with bit width w into
 * es-byte elements appended to out.  Each run is bounded (count against the
 * value budget, bytes against the package) before it is written. */
KERNEL_INLINE int rle_decode_package(const uint8_t *in, size_t len, size_t pos, size_t end,
				     unsigned w, size_t *budget, col_t *out, size_t es,
				     larch_error_t *err)
{
	uint64_t s[64];
	while (pos < end) {
		size_t at = pos;
		uint64_t h;
		if (uvarint_load(in, end, &pos, 5, &h))
			return err_set(err, LARCH_CORRUPTED, "RLE: bad run header at byte %zu", at);
		size_t count;
		if (!(h & 1)) {
			count = h >> 1;
			unsigned nb = (w + 7) / 8;
			if (count == 0 || end - pos < nb)
				return err_set(err, LARCH_CORRUPTED,
					       "RLE: run at byte %zu is empty or cut short", at);
			uint64_t v = 0;
			for (unsigned i = 0; i < nb; i++) {
				unsigned shift = es == 8 ? 8 * (nb - 1 - i) : 8 * i;
				v |= (uint64_t)in[pos + i] << shift;
			}
			pos += nb;
			int rc = rle_make_room(out, count, *budget, at, err);
			if (rc)
				return rc;
			uint8_t *dst = (uint8_t *)out->data + out->n * es;
			for (size_t i = 0; i < count; i++)
				elem_store(dst, es, i, v);
		} else {
			size_t groups = h >> 1;
			if (groups == 0 || end - pos < 1)
				return err_set(err, LARCH_CORRUPTED,
					       "RLE: bit-packed run at byte %zu has no groups", at);
			unsigned last = in[pos++];
			if (last < 1 || last > 8 || (uint64_t)groups * w > end - pos)
				return err_set(err, LARCH_CORRUPTED,
					       "RLE: bit-packed run at byte %zu (%zu groups, last %u) "
					       "does not fit its package",
					       at, groups, last);
			count = (groups - 1) * 8 + last;
			int rc = rle_make_room(out, count, *budget, at, err);
			if (rc)
				return rc;
			uint8_t *dst = (uint8_t *)out->data + out->n * es;
			for (size_t j = 0; j < count; j += 64) {
				size_t k = LR_MIN((size_t)64, count - j);
				size_t skip = j / 8 * w; /* j is a multiple of 64 */
				msb_unpack(in + pos + skip, len - pos - skip, w, k, s);
				for (size_t i = 0; i < k; i++)
					elem_store(dst, es, j + i, s[i]);
			}
			pos += groups * w;
		}
		out->n += count;
		*budget -= count;
	}
	return LARCH_OK;
}

/* Decode every package of in[0..len).  An empty package (length 0, what
 * Java writes for a page without values) holds no values. */
KERNEL_INLINE int rle_decode_es(const uint8_t *in, size_t len, size_t max_values, col_t *out,
				size_t es, larch_error_t *err)
{
	const unsigned max_w = es == 8 ? 64 : 32;
	size_t pos = 0, budget = max_values;
	while (pos < len) {
		size_t at = pos;
		uint64_t plen;
		if (uvarint_load(in, len, &pos, 5, &plen) || plen > len - pos)
			return err_set(err, LARCH_CORRUPTED,
				       "RLE: package length at byte %zu is malformed or past the end",
				       at);
		if (plen == 0)
			continue;
		unsigned w = in[pos];
		if (w < 1 || w > max_w)
			return err_set(err, LARCH_CORRUPTED,
				       "RLE: package at byte %zu has bit width %u", at, w);
		int rc = rle_decode_package(in, len, pos + 1, pos + plen, w, &budget, out, es, err);
		if (rc)
			return rc;
		pos += plen;
	}
	return LARCH_OK;
}

int rle_decode_values(const uint8_t *in, size_t len, size_t max_values, col_t *out,
		      larch_error_t *err)
{
	size_t n0 = out->n, es = col_elem_size(out->type);
	int rc = es == 8   ? rle_decode_es(in, len, max_values, out, 8, err)
		 : es == 4 ? rle_decode_es(in, len, max_values, out, 4, err)
			   : rle_decode_es(in, len, max_values, out, 1, err);
	if (rc)
		out->n = n0;
	return rc;
}

/*---------------------------------------------------------------------------
 * Entry points
 *---------------------------------------------------------------------------*/

int enc_rle_encode(tsfile_type_t type, const enc_params_t *params, const void *values, size_t n,
		   buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_RLE, type, err);
	if (rc)
		return rc;
	if (type == TSFILE_FLOAT || type == TSFILE_DOUBLE)
		return float_wrap_encode(rle_encode_values, type, params->float_precision, values,
					 n, out, err);
	rle_encode_values(values, col_elem_size(type), n, out);
	return LARCH_OK;
}

int enc_rle_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		   col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_RLE, type, out, err);
	if (rc)
		return rc;
	if (type == TSFILE_FLOAT || type == TSFILE_DOUBLE)
		return float_wrap_decode(rle_decode_values, in, len, max_values, out, err);
	return rle_decode_values(in, len, max_values, out, err);
}
