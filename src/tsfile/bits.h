/*
 * bits.h — MSB-first bit streams, as TsFile's encoders pack them
 * (TS_2DIFF, RLE groups, GORILLA, CHIMP, SPRINTZ, RLBE).
 *
 * The writer keeps up to 64 pending bits in a register and spills whole
 * bytes to a buf_t; the reader refills a 64-bit register from a byte array
 * and never reads past its end (reads beyond it return zeros and set `bad`).
 */
#ifndef LARCH_TSFILE_BITS_H
#define LARCH_TSFILE_BITS_H

#include "base/base.h"

typedef struct bitw {
	buf_t *out;
	uint64_t acc;  /* pending bits, right-aligned */
	unsigned n;    /* number of pending bits (< 8 after each put) */
} bitw_t;

static inline void bitw_init(bitw_t *w, buf_t *out)
{
	w->out = out;
	w->acc = 0;
	w->n = 0;
}

/* Append the low `bits` bits of v (bits <= 57 per call). */
static inline void bitw_put_small(bitw_t *w, uint64_t v, unsigned bits)
{
	if (bits == 0)
		return;
	w->acc = (w->acc << bits) | (v & ((~0ull) >> (64 - bits)));
	w->n += bits;
	while (w->n >= 8) {
		w->n -= 8;
		buf_put_u8(w->out, (uint8_t)(w->acc >> w->n));
	}
}

/* Append the low `bits` bits of v (0 <= bits <= 64). */
static inline void bitw_put(bitw_t *w, uint64_t v, unsigned bits)
{
	if (bits > 32) {
		bitw_put_small(w, v >> 32, bits - 32);
		bitw_put_small(w, v, 32);
	} else {
		bitw_put_small(w, v, bits);
	}
}

/* Pad the last partial byte with zeros and write it (no-op if aligned). */
static inline void bitw_flush(bitw_t *w)
{
	if (w->n) {
		buf_put_u8(w->out, (uint8_t)(w->acc << (8 - w->n)));
		w->n = 0;
	}
	w->acc = 0;
}

typedef struct bitr {
	const uint8_t *p;
	const uint8_t *end;
	uint64_t acc;   /* buffered bits, left-aligned (MSB = next bit) */
	unsigned n;     /* number of valid bits in acc */
	int bad;        /* a read went past the end */
} bitr_t;

static inline void bitr_init(bitr_t *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->end = len ? p + len : p; /* p may be NULL for an empty stream */
	r->acc = 0;
	r->n = 0;
	r->bad = 0;
}

static inline void bitr_refill(bitr_t *r)
{
	if (r->end - r->p >= 8 && r->n <= 56) {
		/* fast path: load 8 bytes big-endian, keep what fits */
		uint64_t v = load_be64(r->p);
		unsigned take = (64 - r->n) >> 3; /* whole bytes that fit */
		r->acc |= (take == 8 ? v : (v >> (64 - take * 8))) << (64 - r->n - take * 8);
		r->p += take;
		r->n += take * 8;
		return;
	}
	while (r->n <= 56 && r->p < r->end) {
		r->acc |= (uint64_t)*r->p++ << (56 - r->n);
		r->n += 8;
	}
}

/* Bits left in the stream (buffered + unread bytes). */
static inline uint64_t bitr_left(const bitr_t *r)
{
	return (uint64_t)r->n + (uint64_t)(r->end - r->p) * 8;
}

/* Read `bits` bits (1..57) as an unsigned value. */
static inline uint64_t bitr_get_small(bitr_t *r, unsigned bits)
{
	if (r->n < bits) {
		bitr_refill(r);
		if (r->n < bits) {
			r->bad = 1;
			r->acc = 0;
			r->n = 0;
			return 0;
		}
	}
	uint64_t v = r->acc >> (64 - bits);
	r->acc <<= bits;
	r->n -= bits;
	return v;
}

/* Read `bits` bits (0..64). */
static inline uint64_t bitr_get(bitr_t *r, unsigned bits)
{
	if (bits == 0)
		return 0;
	if (bits > 32) {
		uint64_t hi = bitr_get_small(r, bits - 32);
		return (hi << 32) | bitr_get_small(r, 32);
	}
	return bitr_get_small(r, bits);
}

static inline unsigned bitr_bit(bitr_t *r)
{
	return (unsigned)bitr_get_small(r, 1);
}

#endif
