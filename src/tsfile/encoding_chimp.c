/*
 * encoding_chimp.c — CHIMP (TSEncoding 11), the Chimp128 variant of Apache
 * TsFile, for INT32/DATE and FLOAT (32-bit form) and INT64/TIMESTAMP and
 * DOUBLE (64-bit form).  FLOAT and DOUBLE are coded as their raw IEEE bits.
 *
 * A page stream is one MSB-first bit stream:
 *
 *   first value      W raw bits
 *   every next value one of four codes, chosen against a window of the last
 *                    N values (the "ring", slot k holds value number k mod N):
 *     00 r                      value equals ring[r]
 *     01 r code sig  bits       xor with ring[r] has > T trailing zeros:
 *                               value = ring[r] ^ (bits << tz), where
 *                               lz = LEAD[code], tz = W - lz - sig and
 *                               `bits` is sig bits long (sig 0 means W)
 *     10 bits                   xor with the previous value, same leading-
 *                               zero class as last time: W - lz bits
 *     11 code bits              xor with the previous value, new class
 *                               lz = LEAD[code]: W - lz bits
 *   end marker       the value END coded like any other value
 *   padding          the current byte is always written out: if the marker
 *                    ends on a byte boundary a whole 0x00 byte follows
 *
 *   form      W   N    r bits  T   sig bits  END
 *   32-bit    32  64   6       11  5         INT32: 0x80000000, FLOAT: 0x7fc00000
 *   64-bit    64  128  7       13  6         INT64: 1 << 63, DOUBLE: 0x7ff8 << 48
 *   LEAD = {0, 8, 12, 16, 18, 20, 22, 24}; the encoder rounds a leading-zero
 *   count down to the nearest class.  "Last time" is the class of the last
 *   code 11 or 01 (code 00 keeps it), as Apache's decoder has it; Apache's
 *   encoder forgets the class after codes 00 and 01, so it never writes a
 *   10 right after them.
 *
 * The encoder finds its window candidate through a table indexed by the low
 * T+1 bits of a value, holding the number of the last value with those bits
 * (0 for keys never seen, exactly as Apache's encoder does, which matters for
 * byte-identical output).
 *
 * A later value equal to END would end the stream early (Apache's decoders
 * check every value but the first).  Apache's writers let that truncate the
 * page; this one refuses INT32/INT64 pages holding INT_MIN/LONG_MIN after
 * the first value (LARCH_UNSUPPORTED), and writes an END-valued FLOAT or
 * DOUBLE NaN as the NaN with payload bit 0 set instead (still a NaN, and
 * every reader gets all the values back).
 *
 * An empty page (n = 0) is written as END in the first-value slot plus the
 * padding byte; no non-empty stream is that short, so the decoder reads it
 * back as zero values (as it does a stream of no bytes at all).
 */
#include "bits.h"
#include "encoding_kernels.h"

typedef struct chimp_shape {
	unsigned w;         /* value width in bits: 32 or 64 */
	unsigned log2n;     /* log2 of the window size N */
	unsigned threshold; /* trailing zeros a window match needs (T) */
	unsigned sig_bits;  /* width of the `sig` field of code 01 */
	uint64_t end;       /* the end-of-stream value */
	int is_float;       /* an END-valued NaN may be rewritten (see above) */
} chimp_shape_t;

static const chimp_shape_t chimp_int32 = {32, 6, 11, 5, 0x80000000u, 0};
static const chimp_shape_t chimp_float = {32, 6, 11, 5, 0x7fc00000u, 1};
static const chimp_shape_t chimp_int64 = {64, 7, 13, 6, 0x8000000000000000ull, 0};
static const chimp_shape_t chimp_double = {64, 7, 13, 6, 0x7ff8000000000000ull, 1};

/* Leading-zero classes: the code of each count 0..63, and code -> count. */
static const uint8_t chimp_lead_code[64] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 5, 5,
	6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
static const uint8_t chimp_lead_count[8] = {0, 8, 12, 16, 18, 20, 22, 24};

#define CHIMP_MAX_WINDOW 128
#define CHIMP_NO_CLASS 0xffu  /* "no leading-zero class remembered" */
#define CHIMP_MAX_CODE_BYTES 9 /* a value's code is at most 5 + 64 bits */

static const chimp_shape_t *chimp_shape_of(tsfile_type_t type)
{
	if (type == TSFILE_FLOAT)
		return &chimp_float;
	if (type == TSFILE_DOUBLE)
		return &chimp_double;
	return col_elem_size(type) == 4 ? &chimp_int32 : &chimp_int64;
}

/* Raw bits of element i of a 32- or 64-bit array, zero-extended. */
static inline uint64_t chimp_load(const void *values, size_t i, unsigned w)
{
	uint64_t v = (uint64_t)elem_load(values, w / 8, i);
	return w == 32 ? (uint32_t)v : v;
}

/*---------------------------------------------------------------------------
 * Encoder
 *---------------------------------------------------------------------------*/

typedef struct chimp_enc {
	const chimp_shape_t *s;
	msbw_t bw;
	uint32_t *last;    /* last[key]: number of the last value with that key */
	uint32_t index;    /* number of the previous value */
	unsigned cur;      /* ring slot of the previous value */
	unsigned lead;     /* remembered leading-zero count, or CHIMP_NO_CLASS */
	uint64_t ring[CHIMP_MAX_WINDOW];
} chimp_enc_t;

/* Code one value after the first (see the table at the top of the file). */
static void chimp_put(chimp_enc_t *e, uint64_t v)
{
	const chimp_shape_t *s = e->s;
	unsigned w = s->w, n = 1u << s->log2n;
	uint32_t key = (uint32_t)v & ((1u << (s->threshold + 1)) - 1);
	uint32_t cand = e->last[key];
	unsigned tz = 0, r = e->index & (n - 1);
	uint64_t x = e->ring[r] ^ v;

	if (e->index - cand < n) {
		uint64_t cx = v ^ e->ring[cand & (n - 1)];
		tz = cx ? (unsigned)__builtin_ctzll(cx) : w;
		if (tz > s->threshold) {
			r = cand & (n - 1);
			x = cx;
		}
	}
	if (x == 0) {
		msbw_put(&e->bw, r, s->log2n + 2);
		e->lead = CHIMP_NO_CLASS;
	} else {
		unsigned code = chimp_lead_code[__builtin_clzll(x) - (64 - w)];
		unsigned lz = chimp_lead_count[code];
		if (tz > s->threshold) {
			unsigned sig = w - lz - tz;
			uint64_t head = ((uint64_t)(n + r) << (3 + s->sig_bits)) |
					((uint64_t)code << s->sig_bits) | sig;
			msbw_put(&e->bw, head, s->log2n + 5 + s->sig_bits);
			msbw_put(&e->bw, x >> tz, sig);
			e->lead = CHIMP_NO_CLASS;
		} else if (lz == e->lead) {
			msbw_put(&e->bw, 2, 2);
			msbw_put(&e->bw, x, w - lz);
		} else {
			e->lead = lz;
			msbw_put(&e->bw, 24 + code, 5);
			msbw_put(&e->bw, x, w - lz);
		}
	}
	e->cur = (e->cur + 1) & (n - 1);
	e->ring[e->cur] = v;
	e->index++;
	e->last[key] = e->index;
}

int enc_chimp_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
		     size_t n, buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_CHIMP, type, err);
	if (rc)
		return rc;
	const chimp_shape_t *s = chimp_shape_of(type);
	if (n > (SIZE_MAX - 64) / CHIMP_MAX_CODE_BYTES - 1 ||
	    buf_reserve(out, (n + 1) * CHIMP_MAX_CODE_BYTES + 1) < 0)
		return err_set(err, LARCH_NO_MEMORY, "chimp: out of memory for %zu values", n);
	chimp_enc_t e = {.s = s, .lead = CHIMP_NO_CLASS};
	e.last = mem_calloc((size_t)1 << (s->threshold + 1), sizeof(uint32_t));
	if (!e.last)
		return err_set(err, LARCH_NO_MEMORY, "chimp: out of memory for the key table");
	msbw_init(&e.bw, out->data + out->len);

	/* The first value (or END for an empty page) goes out raw; its key
	 * table entry stays 0, which is its number. */
	e.ring[0] = n ? chimp_load(values, 0, s->w) : s->end;
	msbw_put(&e.bw, e.ring[0], s->w);
	for (size_t i = 1; i < n; i++) {
		uint64_t v = chimp_load(values, i, s->w);
		if (v == s->end && !s->is_float) {
			rc = err_set(err, LARCH_UNSUPPORTED,
				     "chimp: %s value %zu is the end marker %s_MIN, which CHIMP "
				     "cannot store after the first value",
				     tsfile_type_name(type), i, s->w == 32 ? "INT" : "LONG");
			goto done; /* out->len is untouched */
		}
		chimp_put(&e, v == s->end ? v ^ 1 : v); /* NaN: the same with a payload bit */
	}
	if (n)
		chimp_put(&e, s->end);
	/* Apache always emits the byte in progress, even an empty one. */
	int aligned = e.bw.used % 8 == 0;
	uint8_t *end = msbw_flush(&e.bw);
	if (aligned)
		*end++ = 0;
	out->len = (size_t)(end - out->data);
done:
	mem_free(e.last);
	return rc;
}

/*---------------------------------------------------------------------------
 * Decoder
 *---------------------------------------------------------------------------*/

int enc_chimp_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		     col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_CHIMP, type, out, err);
	if (rc)
		return rc;
	const chimp_shape_t *s = chimp_shape_of(type);
	unsigned w = s->w, n = 1u << s->log2n, es = w / 8;
	uint64_t ring[CHIMP_MAX_WINDOW] = {0};
	unsigned pos = 0, lz = CHIMP_NO_CLASS;
	size_t n0 = out->n, produced = 0;
	bitr_t r;

	if (len == 0)
		return LARCH_OK; /* no page bytes, no values */
	bitr_init(&r, in, len);
	uint64_t v = bitr_get(&r, w);
	if (r.bad)
		return err_set(err, LARCH_CORRUPTED, "chimp: stream of %zu bytes too short", len);
	if (v == s->end && bitr_left(&r) <= 8)
		return LARCH_OK; /* the empty-page form */
	ring[0] = v;
	for (;;) {
		if (produced == max_values) {
			rc = err_set(err, LARCH_CORRUPTED,
				     "chimp: more than %zu values in the stream", max_values);
			break;
		}
		if (out->n == out->cap && col_reserve(out, 1)) {
			rc = err_set(err, LARCH_NO_MEMORY, "chimp: out of memory");
			break;
		}
		elem_store(out->data, es, out->n++, v);
		produced++;

		unsigned ctl = (unsigned)bitr_get_small(&r, 2);
		if (ctl == 3) {
			lz = chimp_lead_count[bitr_get_small(&r, 3)];
			v ^= bitr_get(&r, w - lz);
		} else if (ctl == 2) {
			if (lz == CHIMP_NO_CLASS) {
				rc = err_set(err, LARCH_CORRUPTED,
					     "chimp: code 10 before any leading-zero class "
					     "(value %zu)", produced);
				break;
			}
			v ^= bitr_get(&r, w - lz);
		} else if (ctl == 1) {
			uint64_t f = bitr_get_small(&r, s->log2n + 3 + s->sig_bits);
			unsigned sig = (unsigned)(f & ((1u << s->sig_bits) - 1));
			lz = chimp_lead_count[(f >> s->sig_bits) & 7];
			if (sig == 0)
				sig = w;
			if (sig + lz > w) {
				rc = err_set(err, LARCH_CORRUPTED,
					     "chimp: %u significant bits after %u leading zeros "
					     "(value %zu)", sig, lz, produced);
				break;
			}
			v = ring[f >> (3 + s->sig_bits)] ^ (bitr_get(&r, sig) << (w - lz - sig));
		} else {
			v = ring[bitr_get_small(&r, s->log2n)];
		}
		if (r.bad) {
			rc = err_set(err, LARCH_CORRUPTED,
				     "chimp: stream ends without its end marker after %zu values",
				     produced);
			break;
		}
		pos = (pos + 1) & (n - 1);
		ring[pos] = v;
		if (v == s->end)
			return LARCH_OK;
	}
	out->n = n0;
	return rc;
}
