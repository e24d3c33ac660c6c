/*
 * encoding_rlbe.c — RLBE (TSEncoding 13): delta coding with run-length coded
 * bit lengths, for INT32/DATE and FLOAT (32-bit form) and INT64/TIMESTAMP
 * and DOUBLE (64-bit form).  FLOAT and DOUBLE are coded as their raw IEEE
 * bits, exactly like the integers of the same width (this is the current
 * Apache format, lossless; the Java encoder before TsFile PR #143/#484
 * subtracted floating-point values instead and is not supported).
 *
 * A page stream is a sequence of blocks of at most 10000 values, each block
 * starting on a byte boundary; all fields are MSB-first bit fields:
 *
 *   32 bits     count        values in the block, 1..10000
 *   runs, until count values are decoded:
 *     L bits    len          bit length shared by the run's deltas, 1..W
 *                            (L = 6 for the 32-bit form, 7 for the 64-bit)
 *     fib       run          run length as a Fibonacci code (below)
 *     len bits  delta        run times; a delta of bit length W is written
 *                            with its top bit as 0 (it is implied: 1)
 *   zero bits to the next byte boundary
 *
 * delta[0] is the block's first value itself, delta[i] = v[i] - v[i-1]
 * (wrapping); the bit length of 0 is 1 and of a negative delta W.  Runs are
 * maximal: consecutive deltas of equal bit length form one run.
 *
 * Fibonacci code of k >= 1: write k as a sum of non-consecutive terms of
 * 1, 2, 3, 5, 8, ... (greedy, largest first); emit one bit per term from the
 * smallest up to the largest one used (1 = used), then a closing 1 — so the
 * code ends with the only "11" in it.  E.g. 1 = "11", 2 = "011", 4 = "1011".
 *
 * An empty page is an empty stream.
 */
#include "bits.h"
#include "encoding_kernels.h"

#define RLBE_BLOCK 10000
#define RLBE_FIB_TERMS 20 /* the 20th term, 10946, exceeds any run */

static const uint16_t rlbe_fib[RLBE_FIB_TERMS] = {
	1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946};

/* Value width in bits of a column type: 32 or 64. */
static inline unsigned rlbe_width(tsfile_type_t type)
{
	return (unsigned)col_elem_size(type) * 8;
}

/* delta[i] of the block starting at `lo`, as the low w bits. */
static inline uint64_t rlbe_delta(const void *values, size_t lo, size_t i, unsigned w)
{
	uint64_t mask = w == 32 ? 0xffffffffu : ~0ull;
	uint64_t v = (uint64_t)elem_load(values, w / 8, i);
	return (i == lo ? v : v - (uint64_t)elem_load(values, w / 8, i - 1)) & mask;
}

/* Bit length of a delta (1 for zero). */
static inline unsigned rlbe_len(uint64_t d)
{
	return d ? bit_length64(d) : 1u;
}

/*---------------------------------------------------------------------------
 * Encoder
 *---------------------------------------------------------------------------*/

/* Write the Fibonacci code of k (1 <= k <= RLBE_BLOCK). */
static void rlbe_put_fib(msbw_t *bw, unsigned k)
{
	uint32_t used = 0;
	int top = -1;
	for (int j = RLBE_FIB_TERMS - 1; j >= 0 && k; j--) {
		if (rlbe_fib[j] <= k) {
			k -= rlbe_fib[j];
			used |= 1u << j;
			if (top < 0)
				top = j;
		}
	}
	uint32_t code = 0; /* smallest term first, then the closing 1 */
	for (int j = 0; j <= top; j++)
		code = (code << 1) | ((used >> j) & 1);
	msbw_put(bw, ((uint64_t)code << 1) | 1, (unsigned)top + 2);
}

/* Write the block of values [lo, hi) (1..RLBE_BLOCK values). */
static void rlbe_put_block(msbw_t *bw, const void *values, size_t lo, size_t hi, unsigned w)
{
	unsigned len_bits = w == 32 ? 6 : 7;
	uint64_t top = 1ull << (w - 1);

	msbw_put(bw, hi - lo, 32);
	for (size_t i = lo, j; i < hi; i = j) {
		unsigned len = rlbe_len(rlbe_delta(values, lo, i, w));
		for (j = i + 1; j < hi && rlbe_len(rlbe_delta(values, lo, j, w)) == len; j++)
			;
		msbw_put(bw, len, len_bits);
		rlbe_put_fib(bw, (unsigned)(j - i));
		for (size_t k = i; k < j; k++)
			msbw_put(bw, rlbe_delta(values, lo, k, w) & ~top, len);
	}
	msbw_flush(bw);
}

int enc_rlbe_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
		    size_t n, buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_RLBE, type, err);
	if (rc)
		return rc;
	unsigned w = rlbe_width(type);
	/* worst case per value: 7 + 2 bits of run header and 64 bits of delta;
	 * per block: the count and the padding */
	size_t blocks = n / RLBE_BLOCK + 1;
	if (n > (SIZE_MAX - 64) / 16 || buf_reserve(out, n * 10 + blocks * 5) < 0)
		return err_set(err, LARCH_NO_MEMORY, "rlbe: out of memory for %zu values", n);
	msbw_t bw;
	msbw_init(&bw, out->data + out->len);
	for (size_t lo = 0; lo < n; lo += RLBE_BLOCK)
		rlbe_put_block(&bw, values, lo, LR_MIN(n, lo + RLBE_BLOCK), w);
	out->len = (size_t)(bw.p - out->data);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Decoder
 *---------------------------------------------------------------------------*/

/* Read a Fibonacci code whose value must not exceed `limit`; 0 if it does
 * or the stream is malformed. */
static unsigned rlbe_get_fib(bitr_t *r, unsigned limit)
{
	unsigned run = 0;
	unsigned now = bitr_bit(r), next = bitr_bit(r);
	for (int j = 0;; j++) {
		if (r->bad || j == RLBE_FIB_TERMS || rlbe_fib[j] > limit - run)
			return 0; /* every later term is larger still */
		if (now)
			run += rlbe_fib[j];
		if (now && next)
			return run;
		now = next;
		next = bitr_bit(r);
	}
}

/* Decode one block (the cursor is at its count); append its values. */
static int rlbe_get_block(bitr_t *r, unsigned w, size_t budget, col_t *out, larch_error_t *err)
{
	unsigned len_bits = w == 32 ? 6 : 7, es = w / 8;
	uint64_t top = 1ull << (w - 1);
	uint64_t count = bitr_get(r, 32);
	if (r->bad || count == 0 || count > RLBE_BLOCK)
		return err_set(err, LARCH_CORRUPTED, "rlbe: bad block count %llu",
			       (unsigned long long)count);
	if (count > budget)
		return err_set(err, LARCH_CORRUPTED, "rlbe: block of %llu values, %zu expected",
			       (unsigned long long)count, budget);
	if (col_reserve(out, count))
		return err_set(err, LARCH_NO_MEMORY, "rlbe: out of memory");

	uint8_t *dst = (uint8_t *)out->data + out->n * es;
	uint64_t v = 0;
	unsigned got = 0;
	while (got < count) {
		unsigned len = (unsigned)bitr_get_small(r, len_bits);
		unsigned run = rlbe_get_fib(r, (unsigned)count - got);
		if (len == 0 || len > w || run == 0)
			return err_set(err, LARCH_CORRUPTED,
				       "rlbe: bad run (bit length %u) at value %u of a block", len,
				       got);
		for (unsigned k = 0; k < run; k++, got++) {
			uint64_t d = bitr_get(r, len);
			if (len == w)
				d ^= top;
			v = got ? v + d : d;
			elem_store(dst, es, got, v);
		}
		if (r->bad)
			return err_set(err, LARCH_CORRUPTED,
				       "rlbe: stream truncated inside a block at value %u", got);
	}
	out->n += count;
	return LARCH_OK;
}

int enc_rlbe_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
		    col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_RLBE, type, out, err);
	if (rc)
		return rc;
	unsigned w = rlbe_width(type);
	size_t n0 = out->n;
	bitr_t r;

	bitr_init(&r, in, len);
	for (;;) {
		bitr_get(&r, r.n % 8); /* blocks start on byte boundaries */
		if (bitr_left(&r) == 0)
			return LARCH_OK;
		rc = rlbe_get_block(&r, w, max_values - (out->n - n0), out, err);
		if (rc) {
			err_prefix(err, "after %zu values", out->n - n0);
			out->n = n0;
			return rc;
		}
	}
}
