/*
 * bloom.c — the bloom filter of a TsFile footer (format reference §6.4):
 * sizing, insertion, lookup and (de)serialization, bit-compatible with
 * Apache TsFile's Java BloomFilter.
 *
 * Entries are series paths "device.measurement".  For each of the first k
 * seeds of {5, 7, 11, 19, 31, 37, 43, 59} the entry's bytes are hashed with
 * MurmurHash3 x64_128 (both halves seeded with the seed), h1 + h2 of the
 * final state is truncated to a signed 32-bit h, INT32_MIN maps to 0, and
 * bit |h| % size is set.
 *
 * Tail bytes: Java's Murmur128Hash (and the C++ library up to early 2025)
 * widen the last len % 16 bytes as signed bytes; the C++ library of late
 * 2025 (tsfile 2.5 wheels) widens them unsigned.  The two agree for ASCII
 * and differ for names with non-ASCII bytes in the tail.  We write Java's
 * form (the canonical one); bloom_may_contain accepts either, so series
 * with non-ASCII names in files from either writer are never missed.
 *
 * On disk (bits LSB-first within each byte, as Java's BitSet.toByteArray):
 *
 *   uvarint byteLen    bytes of the bit set, trailing zero bytes dropped
 *   bytes[byteLen]     bit j is byte[j/8] & (1 << j%8)
 *   uvarint size       number of bits     } present only if
 *   uvarint k          number of hashes   } byteLen > 0
 *
 * An all-zero filter is written as the single byte 0x00; a filter read with
 * byteLen 0 has size 0 and answers "may contain" for everything (Java then
 * has no filter and does not prune).
 */
#include <math.h>

#include "tsfile_int.h"

#define BLOOM_MIN_BITS 256
#define BLOOM_MAX_HASHES 8

/* bloom_read allocates the declared size, which may exceed the stored
 * bytes (trailing zero bytes are dropped).  To keep that allocation bounded
 * by the input, a filter above BLOOM_READ_FREE_BITS must store at least
 * 1/BLOOM_READ_RATIO of its bytes.  A real filter sets k >= 4 uniformly
 * placed bits per entry, so all of them land in its first 1/64 with
 * probability at most 64^-4 (6e-8, a file of one series but > 84 000
 * chunks), and astronomically less with more series. */
#define BLOOM_READ_FREE_BITS (64u * 1024 * 8)
#define BLOOM_READ_RATIO 64u

static const uint32_t bloom_seeds[BLOOM_MAX_HASHES] = {5, 7, 11, 19, 31, 37, 43, 59};

/*---------------------------------------------------------------------------
 * MurmurHash3 x64_128, as Apache TsFile's Murmur128Hash computes it
 *---------------------------------------------------------------------------*/

static inline uint64_t rotl64(uint64_t v, int n) { return (v << n) | (v >> (64 - n)); }

static inline uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define MURMUR_C1 0x87c37b91114253d5ull
#define MURMUR_C2 0x4cf5ad432745937full

static inline uint64_t mix_k1(uint64_t k) { return rotl64(k * MURMUR_C1, 31) * MURMUR_C2; }
static inline uint64_t mix_k2(uint64_t k) { return rotl64(k * MURMUR_C2, 33) * MURMUR_C1; }

/* h1 + h2 of Murmur3 x64_128 over p[0..len) with both halves seeded.
 * Blocks are read as unsigned little-endian 64-bit words; tail bytes enter
 * sign-extended (Java) if signed_tail, else unsigned (C++ 2025+). */
static uint64_t murmur3_sum(const uint8_t *p, size_t len, uint64_t seed, int signed_tail)
{
	uint64_t h1 = seed, h2 = seed;
	size_t nblocks = len / 16;
	for (size_t i = 0; i < nblocks; i++, p += 16) {
		h1 ^= mix_k1(load_le64(p));
		h1 = rotl64(h1, 27) + h2;
		h1 = h1 * 5 + 0x52dce729;
		h2 ^= mix_k2(load_le64(p + 8));
		h2 = rotl64(h2, 31) + h1;
		h2 = h2 * 5 + 0x38495ab5;
	}
	size_t tail = len & 15;
	uint64_t k1 = 0, k2 = 0;
	for (size_t i = 0; i < tail; i++) {
		uint64_t w = signed_tail ? (uint64_t)(int64_t)(int8_t)p[i] : p[i];
		if (i < 8)
			k1 ^= w << (8 * i);
		else
			k2 ^= w << (8 * (i - 8));
	}
	if (tail > 8)
		h2 ^= mix_k2(k2);
	if (tail > 0)
		h1 ^= mix_k1(k1);
	h1 ^= (uint64_t)len;
	h2 ^= (uint64_t)len;
	h1 += h2;
	h2 += h1;
	h1 = fmix64(h1);
	h2 = fmix64(h2);
	h1 += h2;
	h2 += h1;
	return h1 + h2;
}

/* The bit that seed selects for s in a filter of `size` (> 0) bits. */
static uint32_t bloom_bit(const char *s, size_t len, uint32_t seed, uint32_t size,
			  int signed_tail)
{
	uint64_t sum = murmur3_sum((const uint8_t *)s, len, seed, signed_tail);
	int32_t h = (int32_t)(uint32_t)sum;
	uint32_t mag = h == INT32_MIN ? 0 : (uint32_t)(h < 0 ? -h : h);
	return mag % size;
}

/* 1 if the tail bytes of s (the last len % 16) include one >= 0x80, i.e.
 * the two tail conventions hash s differently. */
static int tail_has_high_byte(const char *s, size_t len)
{
	for (size_t i = len - (len & 15); i < len; i++)
		if ((uint8_t)s[i] & 0x80)
			return 1;
	return 0;
}

/*---------------------------------------------------------------------------
 * Filter
 *---------------------------------------------------------------------------*/

static inline size_t bloom_nbytes(uint32_t size_bits) { return ((size_t)size_bits + 7) / 8; }

/* Sizes the filter as Java's getEmptyBloomFilter: p clamped to [0.01, 0.1]
 * (NaN counts as 0.01), size = max(256, (int)(n * -ln p / ln²2) + 1) bits,
 * k = min(8, (int)(-ln p / ln 2) + 1).  Sizes beyond INT32_MAX bits (n in
 * the hundreds of millions) are capped there; Java's int arithmetic would
 * overflow instead.  LARCH_NO_MEMORY if the bits cannot be allocated. */
int bloom_init(bloom_t *b, uint64_t n, double p)
{
	memset(b, 0, sizeof *b);
	if (!(p >= 0.01))
		p = 0.01;
	if (p > 0.1)
		p = 0.1;
	double ln2 = log(2.0);
	double bits = -(double)n * log(p) / ln2 / ln2; /* Java's operation order */
	uint32_t size = bits >= (double)INT32_MAX - 1 ? (uint32_t)INT32_MAX : (uint32_t)bits + 1;
	uint32_t k = (uint32_t)(-log(p) / ln2) + 1;
	b->size_bits = LR_MAX(size, (uint32_t)BLOOM_MIN_BITS);
	b->hash_count = LR_MIN(k, (uint32_t)BLOOM_MAX_HASHES);
	b->bits = mem_calloc(bloom_nbytes(b->size_bits), 1);
	if (!b->bits) {
		memset(b, 0, sizeof *b);
		return LARCH_NO_MEMORY;
	}
	return LARCH_OK;
}

void bloom_free(bloom_t *b)
{
	mem_free(b->bits);
	memset(b, 0, sizeof *b);
}

/* Inserts s[0..len) (b must have a size: from bloom_init, or read with one). */
void bloom_add(bloom_t *b, const char *s, size_t len)
{
	for (uint32_t i = 0; i < b->hash_count; i++) {
		uint32_t j = bloom_bit(s, len, bloom_seeds[i], b->size_bits, 1);
		b->bits[j / 8] |= (uint8_t)(1u << (j % 8));
	}
}

/* 1 if all k bits of s under one tail convention are set. */
static int bloom_has_bits(const bloom_t *b, const char *s, size_t len, int signed_tail)
{
	for (uint32_t i = 0; i < b->hash_count; i++) {
		uint32_t j = bloom_bit(s, len, bloom_seeds[i], b->size_bits, signed_tail);
		if (!(b->bits[j / 8] & (1u << (j % 8))))
			return 0;
	}
	return 1;
}

/* 0 if s[0..len) was certainly never added, 1 if it may have been, under
 * Java's or the newer C++ tail convention (see the top of the file).  A
 * filter of size 0 (none stored) may contain anything. */
int bloom_may_contain(const bloom_t *b, const char *s, size_t len)
{
	if (b->size_bits == 0)
		return 1;
	return bloom_has_bits(b, s, len, 1) ||
	       (tail_has_high_byte(s, len) && bloom_has_bits(b, s, len, 0));
}

/* Appends the on-disk form (table at the top). */
void bloom_write(const bloom_t *b, buf_t *out)
{
	uint32_t len = b->size_bits ? bloom_nbytes(b->size_bits) : 0;
	while (len > 0 && b->bits[len - 1] == 0)
		len--;
	buf_put_uvarint(out, len);
	if (len == 0)
		return;
	buf_put(out, b->bits, len);
	buf_put_uvarint(out, b->size_bits);
	buf_put_uvarint(out, b->hash_count);
}

/* Parses a filter at r into *b (treated as uninitialised; on failure it is
 * left empty, so bloom_free is always safe).  byteLen 0 is the "no filter"
 * form official writers emit: no size or k follow, and *b gets size 0.
 * Otherwise bits gets the declared size (size_bits/8 rounded up), the
 * stored bytes at its start and zeros after; stored bytes beyond the size
 * are ignored.  k above 8 is clamped to 8 as Java does.  LARCH_CORRUPTED for
 * a truncated filter, a size of 0 or above INT32_MAX bits, or a size that
 * the stored bytes do not back (BLOOM_READ_RATIO); LARCH_NO_MEMORY if the
 * bits cannot be allocated. */
int bloom_read(rd_t *r, bloom_t *b, larch_error_t *err)
{
	uint64_t at = rd_offset(r);
	memset(b, 0, sizeof *b);
	uint32_t len = rd_uvarint32(r);
	if (rd_ok(r) && len == 0)
		return LARCH_OK;
	const uint8_t *bytes = rd_bytes(r, len);
	uint32_t size = rd_uvarint32(r);
	uint32_t k = rd_uvarint32(r);
	if (!rd_ok(r))
		return err_set(err, LARCH_CORRUPTED, "bloom filter at offset %llu: truncated",
			       (unsigned long long)at);
	if (size == 0 || size > INT32_MAX ||
	    (size > BLOOM_READ_FREE_BITS && bloom_nbytes(size) / BLOOM_READ_RATIO > len))
		return err_set(err, LARCH_CORRUPTED,
			       "bloom filter at offset %llu: size %u bits with %u bytes stored",
			       (unsigned long long)at, size, len);
	size_t nbytes = bloom_nbytes(size);
	if (!(b->bits = mem_calloc(nbytes, 1)))
		return err_set(err, LARCH_NO_MEMORY, "bloom filter at offset %llu: no memory",
			       (unsigned long long)at);
	memcpy(b->bits, bytes, LR_MIN((size_t)len, nbytes));
	b->size_bits = size;
	b->hash_count = LR_MIN(k, (uint32_t)BLOOM_MAX_HASHES);
	return LARCH_OK;
}
