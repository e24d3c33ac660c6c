/*
 * tsblock.c — decoder of serialized TsBlocks, the V2 query result format
 * (one element of TSExecuteStatementResp/TSFetchResultsResp.queryResult).
 * All integers big-endian:
 *
 *   i32        C, number of value columns
 *   C bytes    physical type per value column: BOOLEAN 0, INT32 1, INT64 2,
 *              FLOAT 3, DOUBLE 4, TEXT 5 (DATE/TIMESTAMP/STRING/BLOB travel
 *              as INT32/INT64/TEXT; the logical type is in dataTypeList)
 *   i32        P, rows
 *   C+1 bytes  column encodings, the time column first
 *   the time column (INT64), then the C value columns
 *
 * A column: u8 mayHaveNull; if 1, ceil(P/8) bytes of null bits (MSB
 * first, row r = bit 0x80 >> r%8 of byte r/8, set = null); then by encoding
 *   0 BYTE_ARRAY   (BOOLEAN) ceil(P/8) bytes of value bits, all P rows
 *   1 INT32_ARRAY  (INT32, FLOAT) 4 bytes per non-null row
 *   2 INT64_ARRAY  (INT64, DOUBLE, time) 8 bytes per non-null row
 *   3 BINARY_ARRAY (TEXT) i32 length + bytes per non-null row
 *   4 RLE          u8 inner encoding (not RLE) + that column with P = 1,
 *                  the value repeated P times
 *
 * The bytes are untrusted: every read is bounds-checked, P is bounded by
 * 8 bytes per input byte (any non-RLE block needs at least one bit per
 * row), and the decoded size by a budget proportional to the input.
 */
#include "client/client_int.h"

enum { ENC_BYTE = 0, ENC_INT32 = 1, ENC_INT64 = 2, ENC_BINARY = 3, ENC_RLE = 4 };
enum { PT_BOOLEAN = 0, PT_INT32 = 1, PT_INT64 = 2, PT_FLOAT = 3, PT_DOUBLE = 4, PT_TEXT = 5 };

typedef struct dec {
	rd_t r;
	arena_t *a;
	size_t budget;     /* bytes the decoded arrays may still take */
	const char *why;   /* first failure */
} dec_t;

static void dec_fail(dec_t *d, const char *why)
{
	if (!d->why)
		d->why = why;
	d->r.bad = 1;
}

static void *dec_alloc(dec_t *d, size_t n, size_t size)
{
	void *p;
	if (d->r.bad)
		return NULL;
	if (n > d->budget / (size ? size : 1)) {
		dec_fail(d, "decoded size out of proportion to the input");
		return NULL;
	}
	p = arena_calloc(d->a, n ? n : 1, size);
	if (!p) {
		dec_fail(d, "out of memory");
		return NULL;
	}
	d->budget -= n * size;
	return p;
}

int cl_physical_type(tsfile_type_t t)
{
	switch (t) {
	case TSFILE_BOOLEAN: return PT_BOOLEAN;
	case TSFILE_INT32: case TSFILE_DATE: return PT_INT32;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: return PT_INT64;
	case TSFILE_FLOAT: return PT_FLOAT;
	case TSFILE_DOUBLE: return PT_DOUBLE;
	case TSFILE_TEXT: case TSFILE_STRING: case TSFILE_BLOB: return PT_TEXT;
	default: return -1;
	}
}

static size_t elem_size(int pt)
{
	switch (pt) {
	case PT_BOOLEAN: return 1;
	case PT_INT32: case PT_FLOAT: return 4;
	case PT_INT64: case PT_DOUBLE: return 8;
	default: return sizeof(tsfile_bytes_t);
	}
}

/* The encoding a physical type must use (RLE aside). */
static int plain_encoding(int pt)
{
	static const uint8_t enc[] = { ENC_BYTE, ENC_INT32, ENC_INT64, ENC_INT32, ENC_INT64,
				       ENC_BINARY };
	return enc[pt];
}

/* Expand P MSB-first bits into P bytes 0/1; returns the count of ones. */
static size_t unpack_bits(const uint8_t *bits, size_t p, uint8_t *out)
{
	size_t ones = 0;
	for (size_t i = 0; i < p; i++) {
		out[i] = (bits[i >> 3] >> (7 - (i & 7))) & 1;
		ones += out[i];
	}
	return ones;
}

/* Null section; *nulls stays NULL when the column has none.  Returns the
 * number of null rows. */
static size_t read_nulls(dec_t *d, size_t p, uint8_t **nulls)
{
	uint8_t may = rd_u8(&d->r);
	const uint8_t *bits;
	size_t n;

	*nulls = NULL;
	if (may > 1)
		dec_fail(d, "mayHaveNull is not 0 or 1");
	if (!may || d->r.bad)
		return 0;
	bits = rd_bytes(&d->r, (p + 7) / 8);
	if (!bits) {
		dec_fail(d, "null bitmap truncated");
		return 0;
	}
	*nulls = dec_alloc(d, p, 1);
	if (!*nulls)
		return 0;
	n = unpack_bits(bits, p, *nulls);
	if (!n)
		*nulls = NULL;
	return n;
}

/* Fixed-width values of the non-null rows into a host-order array of p. */
static void read_fixed(dec_t *d, size_t p, size_t width, const uint8_t *nulls, size_t n_null,
		       void *out)
{
	const uint8_t *src = rd_bytes(&d->r, (p - n_null) * width);
	if (!src) {
		dec_fail(d, "values truncated");
		return;
	}
	if (width == 4) {
		uint32_t *v = out;
		for (size_t i = 0; i < p; i++)
			if (!nulls || !nulls[i]) {
				v[i] = load_be32(src);
				src += 4;
			}
	} else {
		uint64_t *v = out;
		for (size_t i = 0; i < p; i++)
			if (!nulls || !nulls[i]) {
				v[i] = load_be64(src);
				src += 8;
			}
	}
}

static void read_binary(dec_t *d, size_t p, const uint8_t *nulls, tsfile_bytes_t *v)
{
	for (size_t i = 0; i < p && !d->r.bad; i++) {
		if (nulls && nulls[i])
			continue;
		uint32_t len = rd_be32(&d->r);
		const uint8_t *b = len > INT32_MAX ? NULL : rd_bytes(&d->r, len);
		if (!b && len) {
			dec_fail(d, "text value truncated or negative length");
			return;
		}
		v[i].ptr = b ? (const char *)b : "";
		v[i].len = len;
	}
}

/* Values of physical type pt, plain encoding enc, p rows. */
static void read_plain(dec_t *d, int pt, int enc, size_t p, larch_column_t *c)
{
	uint8_t *nulls;
	size_t n_null;
	void *v;

	if (enc != plain_encoding(pt)) {
		dec_fail(d, "encoding does not match the column type");
		return;
	}
	n_null = read_nulls(d, p, &nulls);
	v = dec_alloc(d, p, elem_size(pt));
	if (!v)
		return;
	c->values = v;
	c->nulls = nulls;
	if (enc == ENC_BYTE) {
		const uint8_t *bits = rd_bytes(&d->r, (p + 7) / 8);
		if (!bits)
			dec_fail(d, "boolean values truncated");
		else
			unpack_bits(bits, p, v);
		if (nulls)
			for (size_t i = 0; i < p; i++)
				((uint8_t *)v)[i] &= (uint8_t)!nulls[i];
	} else if (enc == ENC_BINARY) {
		read_binary(d, p, nulls, v);
	} else {
		read_fixed(d, p, enc == ENC_INT32 ? 4 : 8, nulls, n_null, v);
	}
}

/* Repeat the single row of `one` p times into c. */
static void repeat_row(dec_t *d, int pt, const larch_column_t *one, size_t p, larch_column_t *c)
{
	size_t w = elem_size(pt);
	uint8_t *v = dec_alloc(d, p, w);
	if (!v)
		return;
	c->values = v;
	if (one->nulls) {
		uint8_t *nulls = dec_alloc(d, p, 1);
		if (nulls)
			memset(nulls, 1, p);
		c->nulls = nulls;
		return;
	}
	for (size_t i = 0; i < p; i++)
		memcpy(v + i * w, one->values, w);
}

static void read_column(dec_t *d, int pt, int enc, size_t p, larch_column_t *c)
{
	c->type = (tsfile_type_t)pt;
	c->values = NULL;
	c->nulls = NULL;
	if (enc == ENC_RLE) {
		larch_column_t one;
		int inner = rd_u8(&d->r);
		if (inner == ENC_RLE) {
			dec_fail(d, "nested RLE column");
			return;
		}
		read_plain(d, pt, inner, 1, &one);
		if (!d->r.bad)
			repeat_row(d, pt, &one, p, c);
		return;
	}
	read_plain(d, pt, enc, p, c);
}

int cl_tsblock_decode(const uint8_t *p, size_t n, arena_t *a, cl_tsblock_t *out,
		      larch_error_t *err)
{
	dec_t d = { .a = a, .budget = 256 * n + (1u << 20), .why = NULL };
	const uint8_t *types, *encs;
	uint32_t nc, np;
	larch_column_t tc;
	size_t col = 0;

	memset(out, 0, sizeof *out);
	rd_init(&d.r, p, n, 0);
	nc = rd_be32(&d.r);
	if (nc > n / 3)
		dec_fail(&d, "value column count exceeds the block");
	types = rd_bytes(&d.r, nc);
	np = rd_be32(&d.r);
	if (np > 8 * n)
		dec_fail(&d, "row count exceeds the block");
	encs = rd_bytes(&d.r, (size_t)nc + 1);
	if (!d.r.bad && (!types || !encs))
		dec_fail(&d, "header truncated");
	for (size_t i = 0; !d.r.bad && i < nc; i++)
		if (types[i] > PT_TEXT)
			dec_fail(&d, "unknown column type");
	out->n_rows = np;
	out->n_cols = nc;
	if (!d.r.bad)
		out->cols = dec_alloc(&d, nc, sizeof *out->cols);
	if (!d.r.bad) {
		read_column(&d, PT_INT64, encs[0], np, &tc);
		out->times = (int64_t *)tc.values;
	}
	for (; !d.r.bad && col < nc; col++)
		read_column(&d, types[col], encs[col + 1], np, &out->cols[col]);
	if (d.r.bad) {
		memset(out, 0, sizeof *out);
		return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR,
			       "TsBlock: %s (column %zu, byte %zu of %zu)",
			       d.why ? d.why : "truncated", col, d.r.pos, n);
	}
	return LARCH_OK;
}
