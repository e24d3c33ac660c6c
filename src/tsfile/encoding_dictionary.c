/*
 * encoding_dictionary.c — DICTIONARY (TSEncoding 1) for TEXT and STRING.
 *
 * A page:
 *
 *   svarint count            distinct values in the page
 *   count x { svarint len, len bytes }   in first-seen order
 *   RLE package (32-bit form, encoding_rle.c) of each value's 0-based
 *   index into that list
 *
 * Java assigns indexes in first-seen order and writes the RLE package with
 * its usual state machine, which rle_encode_values reproduces, so pages
 * match Java's byte for byte.  An empty page writes nothing.
 */
#include "encoding_kernels.h"

/*---------------------------------------------------------------------------
 * Encoder: an open-addressing hash of the distinct values
 *---------------------------------------------------------------------------*/

typedef struct dict {
	const tsfile_bytes_t *vals; /* the values being encoded */
	uint32_t *first;            /* entry -> index of its first occurrence */
	uint32_t *slots;            /* entry + 1, or 0 for an empty slot */
	size_t mask;                /* slots - 1 (a power of two minus one) */
	size_t count;               /* entries */
} dict_t;

/* FNV-1a, 64-bit. */
static uint64_t dict_hash(const tsfile_bytes_t *b)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < b->len; i++)
		h = (h ^ (uint8_t)b->ptr[i]) * 0x100000001b3ull;
	return h;
}

static int bytes_equal(const tsfile_bytes_t *a, const tsfile_bytes_t *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* Double the slot array and re-insert every entry; -1 on oom. */
static int dict_grow(dict_t *d)
{
	size_t size = (d->mask + 1) * 2;
	uint32_t *slots = mem_calloc(size, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t e = 0; e < d->count; e++) {
		size_t s = dict_hash(&d->vals[d->first[e]]) & (size - 1);
		while (slots[s])
			s = (s + 1) & (size - 1);
		slots[s] = (uint32_t)e + 1;
	}
	mem_free(d->slots);
	d->slots = slots;
	d->mask = size - 1;
	return 0;
}

/* The entry of value i, adding it if new; the table is kept at most half
 * full.  -1 on oom. */
static int64_t dict_lookup(dict_t *d, size_t i)
{
	if (2 * (d->count + 1) > d->mask + 1 && dict_grow(d))
		return -1;
	const tsfile_bytes_t *v = &d->vals[i];
	size_t s = dict_hash(v) & d->mask;
	for (; d->slots[s]; s = (s + 1) & d->mask) {
		uint32_t e = d->slots[s] - 1;
		if (bytes_equal(&d->vals[d->first[e]], v))
			return e;
	}
	d->slots[s] = (uint32_t)d->count + 1;
	d->first[d->count] = (uint32_t)i;
	return (int64_t)d->count++;
}

int enc_dictionary_encode(tsfile_type_t type, const enc_params_t *params, const void *values,
			  size_t n, buf_t *out, larch_error_t *err)
{
	int rc = enc_check_type(TSFILE_DICTIONARY, type, err);
	if (rc || n == 0)
		return rc;
	if (n > INT32_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "DICTIONARY: %zu values is too many for one page", n);
	dict_t d = {.vals = values, .mask = 63};
	int32_t *idx = mem_alloc(n * sizeof *idx);
	d.first = mem_alloc(n * sizeof *d.first);
	d.slots = mem_calloc(d.mask + 1, sizeof *d.slots);
	if (!idx || !d.first || !d.slots) {
		rc = err_set(err, LARCH_NO_MEMORY, "DICTIONARY: out of memory for %zu values", n);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t e = dict_lookup(&d, i);
		if (e < 0) {
			rc = err_set(err, LARCH_NO_MEMORY, "DICTIONARY: out of memory");
			goto done;
		}
		idx[i] = (int32_t)e;
	}
	buf_put_svarint32(out, (int32_t)d.count);
	for (size_t e = 0; e < d.count; e++) {
		const tsfile_bytes_t *v = &d.vals[d.first[e]];
		if (v->len > INT32_MAX) {
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER,
				     "DICTIONARY: a %u-byte value is longer than a TsFile string",
				     v->len);
			goto done;
		}
		buf_put_vstr(out, v->ptr, v->len);
	}
	rle_encode_values(idx, 4, n, out);
done:
	mem_free(idx);
	mem_free(d.first);
	mem_free(d.slots);
	return rc;
}

/*---------------------------------------------------------------------------
 * Decoder
 *---------------------------------------------------------------------------*/

/*
 * Parse the entry list (each entry takes at least one byte, so its array
 * is bounded by the input size), decode the index package into a scratch
 * column, then map indexes to entries.  Decoded values point into `in`.
 */
int enc_dictionary_decode(tsfile_type_t type, const uint8_t *in, size_t len, size_t max_values,
			  col_t *out, larch_error_t *err)
{
	int rc = enc_check_decode(TSFILE_DICTIONARY, type, out, err);
	if (rc || len == 0)
		return rc;
	tsfile_bytes_t *entries = NULL;
	col_t idx;
	col_init(&idx, TSFILE_INT32);
	size_t pos = 0;
	uint64_t u;
	if (uvarint_load(in, len, &pos, 5, &u) || unzigzag32((uint32_t)u) < 0 ||
	    (size_t)unzigzag32((uint32_t)u) > len - pos) {
		rc = err_set(err, LARCH_CORRUPTED, "DICTIONARY: bad entry count");
		goto done;
	}
	size_t count = (size_t)unzigzag32((uint32_t)u);
	entries = mem_alloc((count ? count : 1) * sizeof *entries);
	if (!entries) {
		rc = err_set(err, LARCH_NO_MEMORY, "DICTIONARY: out of memory for %zu entries",
			     count);
		goto done;
	}
	for (size_t e = 0; e < count; e++) {
		size_t at = pos;
		int32_t n = 0;
		if (uvarint_load(in, len, &pos, 5, &u) || (n = unzigzag32((uint32_t)u)) < 0 ||
		    (size_t)n > len - pos) {
			rc = err_set(err, LARCH_CORRUPTED,
				     "DICTIONARY: entry %zu at byte %zu is malformed", e, at);
			goto done;
		}
		entries[e].ptr = (const char *)in + pos;
		entries[e].len = (uint32_t)n;
		pos += (size_t)n;
	}
	rc = rle_decode_values(in + pos, len - pos, max_values, &idx, err);
	if (rc) {
		err_prefix(err, "DICTIONARY indexes from byte %zu", pos);
		goto done;
	}
	if (col_reserve(out, idx.n)) {
		rc = err_set(err, LARCH_NO_MEMORY, "DICTIONARY: out of memory for %zu values",
			     idx.n);
		goto done;
	}
	for (size_t i = 0; i < idx.n; i++) {
		uint32_t k = (uint32_t)COL_I32(&idx)[i];
		if (k >= count) {
			rc = err_set(err, LARCH_CORRUPTED,
				     "DICTIONARY: value %zu refers to entry %d of %zu", i,
				     (int32_t)k, count);
			goto done;
		}
		COL_BYTES(out)[out->n + i] = entries[k];
	}
	out->n += idx.n;
done:
	mem_free(entries);
	col_free(&idx);
	return rc;
}
