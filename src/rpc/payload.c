/*
 * payload.c — the binary payloads inside IoTDB write requests, parsed into
 * the engine's structures: insertRecord value blobs (tsfile_point_t),
 * tablets (tsfile_tablet_t, with the null-bitmap trailer) and schema
 * template blobs.  All integers big-endian; every count is checked against
 * the bytes that are really there before anything is allocated.
 */
#include "rpc/rpc.h"
#include "tsfile/bits.h"
#include "tsfile/tsfile_int.h"

/*---------------------------------------------------------------------------
 * insertRecord values: per measurement [type u8][value]
 *
 *   type            value
 *   0 BOOLEAN       u8 (0/1)
 *   1 INT32, 9 DATE i32 (DATE = yyyymmdd)
 *   2 INT64, 8 TS   i64
 *   3 FLOAT         f32 bits
 *   4 DOUBLE        f64 bits
 *   5 TEXT, 10 BLOB, 11 STRING   i32 length + bytes
 *   0xFF raw string i32 length + bytes (type inferred by the server)
 *   0xFE null       nothing
 *---------------------------------------------------------------------------*/

/* i32 length + bytes, the length checked against what is left. */
static tsfile_bytes_t read_sized(rd_t *r)
{
	tsfile_bytes_t b = {NULL, 0};
	int32_t n = (int32_t)rd_be32(r);
	if (n < 0 || (size_t)n > rd_left(r)) {
		r->bad = 1;
		return b;
	}
	b.ptr = (const char *)rd_bytes(r, (size_t)n);
	b.len = (uint32_t)n;
	return b;
}

int rpc_parse_record_values(rpc_bin_t blob, const char *const *names, size_t n,
			    tsfile_point_t *points, uint8_t *infer, larch_error_t *err)
{
	rd_t r;
	rd_init(&r, blob.ptr, blob.len, 0);
	for (size_t i = 0; i < n; i++) {
		tsfile_value_t *v = &points[i].value;
		size_t at = r.pos;
		uint8_t t = rd_u8(&r);
		memset(v, 0, sizeof *v);
		points[i].measurement = names[i];
		if (infer)
			infer[i] = 0;
		v->type = (tsfile_type_t)t;
		switch (t) {
		case TSFILE_BOOLEAN: v->v.b = rd_u8(&r) != 0; break;
		case TSFILE_INT32:
		case TSFILE_DATE: v->v.i32 = (int32_t)rd_be32(&r); break;
		case TSFILE_INT64:
		case TSFILE_TIMESTAMP: v->v.i64 = (int64_t)rd_be64(&r); break;
		case TSFILE_FLOAT: v->v.f = rd_f32(&r); break;
		case TSFILE_DOUBLE: v->v.d = rd_f64(&r); break;
		case TSFILE_TEXT:
		case TSFILE_BLOB:
		case TSFILE_STRING: v->v.bytes = read_sized(&r); break;
		case RPC_VALUE_RAW_STRING:
			if (!infer)
				return err_set(err, LARCH_ILLEGAL_PARAMETER,
					       "record values: untyped value for '%s' at byte %zu",
					       names[i], at);
			v->type = TSFILE_TEXT;
			v->v.bytes = read_sized(&r);
			infer[i] = 1;
			break;
		case RPC_VALUE_NULL:
			v->type = TSFILE_TEXT;
			v->is_null = 1;
			break;
		default:
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "record values: unknown type byte %u for '%s' at byte %zu",
				       t, names[i], at);
		}
		if (!rd_ok(&r))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "record values: value of '%s' truncated at byte %zu", names[i],
				       at);
	}
	if (rd_left(&r))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "record values: %zu bytes left after %zu values", rd_left(&r), n);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Tablets
 *
 *   timestamps  rows x i64
 *   values      column after column, rows entries each (nulls hold a dummy):
 *               BOOLEAN u8 | INT32, DATE i32 | INT64, TIMESTAMP i64 |
 *               FLOAT f32 | DOUBLE f64 | TEXT, STRING, BLOB i32 len + bytes
 *   trailer     optional (present iff bytes remain): per column
 *               u8 flag (1: bitmap follows) + rows/8+1 bytes, row r is bit
 *               (r % 8) of byte r / 8 (LSB first), bit set = null
 *---------------------------------------------------------------------------*/

static int type_supported(int32_t t)
{
	return (t >= TSFILE_BOOLEAN && t <= TSFILE_TEXT) ||
	       (t >= TSFILE_TIMESTAMP && t <= TSFILE_STRING);
}

static void load32_column(uint32_t *dst, const uint8_t *src, size_t rows)
{
	for (size_t i = 0; i < rows; i++)
		dst[i] = load_be32(src + 4 * i);
}

static void load64_column(uint64_t *dst, const uint8_t *src, size_t rows)
{
	for (size_t i = 0; i < rows; i++)
		dst[i] = load_be64(src + 8 * i);
}

/* Parse one column's `rows` values from r into a new arena array. */
static void *parse_column(rd_t *r, tsfile_type_t t, size_t rows, arena_t *a)
{
	size_t width = tsfile_type_size(t);
	if (t != TSFILE_TEXT && t != TSFILE_STRING && t != TSFILE_BLOB) {
		/* fixed width: the whole column must be there */
		const uint8_t *src = rows <= rd_left(r) / width ? rd_bytes(r, rows * width) : NULL;
		void *dst = src ? arena_alloc(a, rows * width + 1) : NULL;
		if (!dst) {
			r->bad = 1;
			return NULL;
		}
		if (width == 1) {
			uint8_t *b = dst;
			for (size_t i = 0; i < rows; i++)
				b[i] = src[i] != 0;
		} else if (width == 4) {
			load32_column(dst, src, rows);
		} else {
			load64_column(dst, src, rows);
		}
		return dst;
	}
	/* each text entry takes at least 4 bytes */
	tsfile_bytes_t *v = rows <= rd_left(r) / 4 ? arena_alloc(a, rows * sizeof *v + 1) : NULL;
	if (!v) {
		r->bad = 1;
		return NULL;
	}
	for (size_t i = 0; i < rows && rd_ok(r); i++)
		v[i] = read_sized(r);
	return v;
}

/* The bitmap trailer: fills columns' is_null (NULL where the flag is 0). */
static int parse_bitmaps(rd_t *r, tsfile_column_t *cols, size_t n_cols, size_t rows,
			 arena_t *a, larch_error_t *err)
{
	size_t nbytes = rows / 8 + 1;
	for (size_t c = 0; c < n_cols; c++) {
		size_t at = r->pos;
		uint8_t flag = rd_u8(r);
		if (flag > 1 || !rd_ok(r))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet: bad bitmap flag of column '%s' at byte %zu",
				       cols[c].name, at);
		if (!flag)
			continue;
		const uint8_t *bm = rd_bytes(r, nbytes);
		uint8_t *nulls = bm ? arena_alloc(a, rows + 1) : NULL;
		if (!nulls)
			return err_set(err, bm ? LARCH_NO_MEMORY : LARCH_ILLEGAL_PARAMETER,
				       "tablet: bitmap of column '%s' truncated at byte %zu",
				       cols[c].name, at);
		for (size_t i = 0; i < rows; i++)
			nulls[i] = (bm[i >> 3] >> (i & 7)) & 1;
		cols[c].is_null = nulls;
	}
	if (rd_left(r))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet: %zu bytes after the bitmap trailer", rd_left(r));
	return LARCH_OK;
}

/* One column-encoded stream (below). */
static int decode_encoded(rd_t *r, tsfile_encoding_t enc, tsfile_type_t t, size_t rows,
			  const char *target, const char *name, arena_t *a, void **values,
			  larch_error_t *err);

/*
 * Parse the value columns of a tablet from r into new arena columns: plain
 * layout when enc is NULL, else column c in the encoding enc[c] (see
 * "Column-encoded tablets" below).  Whatever is left of r afterwards is the
 * bitmap trailer.  *out receives the columns.
 */
static int parse_columns(const char *target, const rpc_strs_t *measurements,
			 const rpc_i32s_t *types, size_t rows, rd_t *r, const uint8_t *enc,
			 arena_t *a, tsfile_column_t **out, larch_error_t *err)
{
	size_t n_cols = measurements->n;
	if (types->n != n_cols)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': %zu measurements but %zu types", target, n_cols,
			       types->n);
	tsfile_column_t *cols = arena_calloc(a, n_cols + 1, sizeof *cols);
	if (!cols)
		return err_set(err, LARCH_NO_MEMORY, "tablet '%s': out of memory", target);
	for (size_t c = 0; c < n_cols; c++) {
		cols[c].name = measurements->v[c];
		if (!type_supported(types->v[c]))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet '%s': column '%s' has unknown type %d", target,
				       cols[c].name, types->v[c]);
		cols[c].type = (tsfile_type_t)types->v[c];
		size_t at = r->pos;
		if (enc) {
			void *v;
			int rc = decode_encoded(r, (tsfile_encoding_t)enc[c], cols[c].type, rows,
						target, cols[c].name, a, &v, err);
			if (rc)
				return rc;
			cols[c].values = v;
			continue;
		}
		cols[c].values = parse_column(r, cols[c].type, rows, a);
		if (!rd_ok(r))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet '%s': values of column '%s' truncated at byte %zu",
				       target, cols[c].name, at);
	}
	if (rd_left(r)) {
		int rc = parse_bitmaps(r, cols, n_cols, rows, a, err);
		if (rc)
			return rc;
	}
	*out = cols;
	return LARCH_OK;
}

static void tablet_fill(rpc_tablet_t *out, const char *target, size_t rows, int64_t *times,
			size_t n_cols, tsfile_column_t *cols)
{
	out->tablet.target = target;
	out->tablet.n_rows = rows;
	out->tablet.times = times;
	out->tablet.n_columns = n_cols;
	out->tablet.columns = cols;
}

int rpc_parse_tablet(const char *target, const rpc_strs_t *measurements,
		     const rpc_i32s_t *types, int32_t rows, rpc_bin_t times, rpc_bin_t values,
		     arena_t *a, rpc_tablet_t *out, larch_error_t *err)
{
	memset(out, 0, sizeof *out);
	if (rows < 0 || (size_t)rows > times.len / 8)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': %d rows but %zu bytes of timestamps", target, rows,
			       times.len);
	size_t n = (size_t)rows;
	int64_t *ts = arena_alloc(a, n * 8 + 1);
	if (!ts)
		return err_set(err, LARCH_NO_MEMORY, "tablet '%s': out of memory", target);
	load64_column((uint64_t *)ts, times.ptr, n);

	rd_t r;
	tsfile_column_t *cols;
	rd_init(&r, values.ptr, values.len, 0);
	int rc = parse_columns(target, measurements, types, n, &r, NULL, a, &cols, err);
	if (rc)
		return rc;
	tablet_fill(out, target, n, ts, measurements->n, cols);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Column-encoded tablets: insertTablet with isCompressed = true
 *
 * What the Java session sends for a tablet of >= 10 rows by default
 * (TabletEncoder; IoTDB reads it with TabletDecoder):
 *
 *   field 12 encodingTypes  list<byte>, one TSEncoding per column, the time
 *                           column first, then one per measurement
 *   field 13 compressType   CompressionType of both buffers (0: none)
 *   field 5  timestamps     the time stream (rows INT64 values)
 *   field 4  values         one stream per measurement, in order, then the
 *                           bitmap trailer of plain tablets (if any)
 *   each buffer when compressType != 0:
 *                           codec(bytes) | u32 BE uncompressed length
 *
 * Every stream holds exactly `rows` values (null rows carry a placeholder)
 * written by one TsFile encoder and one flush, as in a TsFile page, except
 * PLAIN, which is the plain tablet layout above for every type (INT32/DATE
 * as i32, binary as i32 length + bytes).  A stream does not say how long it
 * is, so each is first measured from its own framing, then decoded by the
 * TsFile decoders of src/tsfile (decode_stream), which must give exactly
 * `rows` values from exactly those bytes:
 *
 *   encoding    framing                                   types
 *   TS_2DIFF    blocks [i32 n][i32 w][T min][T first]     INT32, DATE, INT64,
 *               [ceil(n*w/8) bytes] of n+1 values each,   TIMESTAMP, time
 *               until rows values
 *   RLE         uvarint length, length bytes              BOOLEAN + the above
 *   ZIGZAG      uvarint length, uvarint count, length     integers
 *               bytes
 *   DICTIONARY  svarint count, count x (svarint len +     TEXT, STRING
 *               bytes), then an RLE package of indexes
 *   TS_2DIFF,   the lossy header (encoding_float.c:       FLOAT, DOUBLE
 *   RLE         uvarint precision, or a form marker,
 *               count, bitmaps, precision) before the
 *               integer stream
 *   GORILLA     bit stream: first value, rows codes       INT32, DATE, INT64,
 *               (rows - 1 values and the end marker);     TIMESTAMP, FLOAT,
 *               the reader has taken floor(bits/8) + 1    DOUBLE, time
 *               bytes (Java fetches its next byte as soon
 *               as a byte is used up, and its encoder
 *               always writes that byte)
 *
 * GORILLA is decoded here by count, not by src/tsfile's page decoder, which
 * stops at the first value equal to the end marker (NaN, INT_MIN): in a
 * tablet such a value is data, and IoTDB reads exactly `rows` values.
 * CHIMP, SPRINTZ and RLBE are refused (LARCH_UNSUPPORTED).
 *
 * Bounds: the decoded columns (8 bytes of time plus each column's element
 * per row) must fit TABLET_DECODED_MAX; a declared uncompressed length may
 * not exceed what `rows` values of the columns' types can take in their
 * worst encoding (ENC_VALUE_MAX bytes a value and a bitmap byte's share,
 * ENC_STREAM_SLACK a stream), plus one frame's worth (what a plain request
 * can carry) when there are binary columns, nor TABLET_DECODED_MAX.
 *---------------------------------------------------------------------------*/

#define TABLET_DECODED_MAX ((size_t)4 * RPC_DEFAULT_MAX_FRAME) /* 256 MiB */
#define ENC_VALUE_MAX 12    /* GORILLA: 78 bits; ZIGZAG: 10 bytes; + lossy bitmaps */
#define ENC_STREAM_SLACK 64 /* headers of one stream */
#define GORILLA_NO_WINDOW 255u

/* Prefix err with the tablet and column; every decoding error reaches the
 * client as ILLEGAL_PARAMETER (out of memory and unsupported encodings
 * keep their codes).  Returns the code. */
static int refuse(larch_error_t *err, int rc, const char *target, const char *name)
{
	err_prefix(err, "tablet '%s': column '%s'", target, name);
	if (rc == LARCH_NO_MEMORY || rc == LARCH_UNSUPPORTED)
		return rc;
	if (err)
		err->code = LARCH_ILLEGAL_PARAMETER;
	return LARCH_ILLEGAL_PARAMETER;
}

/* TS_2DIFF blocks holding `rows` values; es = 4 or 8. */
static void skip_ts2diff(rd_t *r, size_t rows, size_t es)
{
	size_t made = 0;
	while (made < rows && rd_ok(r)) {
		uint32_t n = rd_be32(r), w = rd_be32(r);
		rd_bytes(r, 2 * es);
		if (n >= rows - made || w > 8 * es) {
			r->bad = 1;
			return;
		}
		rd_bytes(r, ((size_t)n * w + 7) / 8);
		made += (size_t)n + 1;
	}
}

/* uvarint length + that many bytes (an RLE package). */
static void skip_package(rd_t *r)
{
	uint32_t n = rd_uvarint32(r);
	rd_bytes(r, n);
}

static void skip_zigzag(rd_t *r)
{
	uint32_t n = rd_uvarint32(r);
	rd_uvarint32(r);
	rd_bytes(r, n);
}

static void skip_dictionary(rd_t *r)
{
	int32_t count = rd_svarint32(r);
	if (count < 0 || (size_t)count > rd_left(r)) {
		r->bad = 1;
		return;
	}
	for (int32_t i = 0; i < count && rd_ok(r); i++) {
		int32_t len = rd_svarint32(r);
		if (len < 0) {
			r->bad = 1;
			return;
		}
		rd_bytes(r, (size_t)len);
	}
	skip_package(r);
}

/* The lossy FLOAT/DOUBLE header of TS_2DIFF and RLE (encoding_float.c). */
static void skip_lossy_header(rd_t *r)
{
	uint32_t tag = rd_uvarint32(r);
	if (tag != 2147483647u && tag != 2147483646u)
		return;
	uint32_t count = rd_uvarint32(r);
	rd_bytes(r, ((size_t)count / 8 + 1) * (tag == 2147483646u ? 2 : 1));
	rd_uvarint32(r);
}

/* Bytes of the stream of `rows` values at the start of in[0..len), by its
 * framing (the table above); 0 with r.bad when it does not fit. */
static size_t stream_span(tsfile_encoding_t enc, tsfile_type_t t, const uint8_t *in, size_t len,
			  size_t rows)
{
	rd_t r;
	rd_init(&r, in, len, 0);
	if (t == TSFILE_FLOAT || t == TSFILE_DOUBLE)
		skip_lossy_header(&r);
	switch (enc) {
	case TSFILE_TS_2DIFF: skip_ts2diff(&r, rows, col_elem_size(t)); break;
	case TSFILE_RLE: skip_package(&r); break;
	case TSFILE_ZIGZAG: skip_zigzag(&r); break;
	default: skip_dictionary(&r); break;
	}
	return rd_ok(&r) ? r.pos : 0;
}

/*
 * GORILLA by count (format: encoding_gorilla.c): the first value and then
 * `rows` codes, the last of which must give the end marker.  Values go to
 * dst as es-byte elements (their raw bits); returns the bytes the stream
 * takes, or 0 when it is malformed or does not fit in[0..len).
 */
static size_t gorilla_by_count(const uint8_t *in, size_t len, size_t rows, size_t es,
			       uint64_t end_marker, void *dst)
{
	const unsigned W = (unsigned)es * 8, L = W == 64 ? 6 : 5;
	bitr_t br;
	bitr_init(&br, in, len);
	uint64_t x = bitr_get(&br, W);
	unsigned lz = GORILLA_NO_WINDOW, tz = 0;
	for (size_t i = 1; i <= rows && !br.bad; i++) {
		if (es == 8)
			((uint64_t *)dst)[i - 1] = x;
		else
			((uint32_t *)dst)[i - 1] = (uint32_t)x;
		if (!bitr_bit(&br))
			continue; /* same as the previous value */
		if (bitr_bit(&br)) {
			lz = (unsigned)bitr_get(&br, L);
			unsigned sig = (unsigned)bitr_get(&br, L) + 1;
			if (lz + sig > W)
				return 0;
			tz = W - lz - sig;
		} else if (lz == GORILLA_NO_WINDOW) {
			return 0; /* reuses a window never set */
		}
		x ^= bitr_get(&br, W - lz - tz) << tz;
	}
	size_t used = (size_t)(len * 8 - bitr_left(&br)) / 8 + 1;
	return br.bad || x != end_marker || used > len ? 0 : used;
}

static uint64_t gorilla_end_marker(tsfile_type_t t)
{
	switch (t) {
	case TSFILE_FLOAT: return 0x7fc00000u;
	case TSFILE_DOUBLE: return 0x7ff8000000000000ull;
	case TSFILE_INT32:
	case TSFILE_DATE: return 0x80000000u;
	default: return 0x8000000000000000ull;
	}
}

/* Decode exactly in[0..len) with src/tsfile's decoder into a new arena
 * array of `rows` elements (BOOLEAN normalized to 0/1). */
static int decode_span(tsfile_encoding_t enc, tsfile_type_t t, const uint8_t *in, size_t len,
		       size_t rows, arena_t *a, void **out, larch_error_t *err)
{
	col_t c;
	col_init(&c, t);
	int rc = decode_stream(enc, t, in, len, rows, &c, err);
	if (rc == LARCH_OK && c.n != rows)
		rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "%s stream holds %zu values, not %zu",
			     tsfile_encoding_name(enc), c.n, rows);
	size_t es = col_elem_size(t);
	void *dst = rc ? NULL : arena_alloc(a, rows * es + 1);
	if (!rc && !dst)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
	if (!rc && rows)
		memcpy(dst, c.data, rows * es);
	if (!rc && t == TSFILE_BOOLEAN)
		for (size_t i = 0; i < rows; i++)
			((uint8_t *)dst)[i] = ((uint8_t *)dst)[i] != 0;
	col_free(&c);
	*out = dst;
	return rc;
}

/*
 * Decode one column stream of `rows` values of type t in encoding enc from
 * r (advanced past it) into a new arena array laid out as plain tablets'
 * columns (tsfile_column_t).  Errors name the column.
 */
static int decode_encoded(rd_t *r, tsfile_encoding_t enc, tsfile_type_t t, size_t rows,
			  const char *target, const char *name, arena_t *a, void **values,
			  larch_error_t *err)
{
	size_t at = r->pos;
	const uint8_t *in = (const uint8_t *)r->data + at;
	size_t left = rd_left(r), span = 0;
	int rc = LARCH_OK;
	*values = NULL;
	if (enc == TSFILE_PLAIN) {
		*values = parse_column(r, t, rows, a);
		if (rd_ok(r))
			return LARCH_OK;
		return refuse(err, err_set(err, LARCH_ILLEGAL_PARAMETER,
					   "PLAIN values truncated at byte %zu", at),
			      target, name);
	}
	if (!tsfile_encoding_supports(enc, t))
		return refuse(err, err_set(err, LARCH_ILLEGAL_PARAMETER,
					   "encoding %d cannot hold %s values", (int)enc,
					   tsfile_type_name(t)),
			      target, name);
	switch (enc) {
	case TSFILE_GORILLA:
		*values = arena_alloc(a, rows * col_elem_size(t) + 1);
		if (!*values)
			return refuse(err, err_set(err, LARCH_NO_MEMORY, "out of memory"), target,
				      name);
		span = rows ? gorilla_by_count(in, left, rows, col_elem_size(t),
					       gorilla_end_marker(t), *values)
			    : 0;
		if (rows && !span)
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER,
				     "GORILLA stream at byte %zu malformed or truncated", at);
		break;
	case TSFILE_TS_2DIFF:
	case TSFILE_RLE:
	case TSFILE_ZIGZAG:
	case TSFILE_DICTIONARY:
		span = rows ? stream_span(enc, t, in, left, rows) : 0;
		if (rows && !span)
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER,
				     "%s stream at byte %zu malformed or truncated",
				     tsfile_encoding_name(enc), at);
		else
			rc = decode_span(enc, t, in, span, rows, a, values, err);
		break;
	default:
		rc = err_set(err, LARCH_UNSUPPORTED,
			     "encoding %s is not supported in column-encoded tablets",
			     tsfile_encoding_name(enc));
	}
	if (rc)
		return refuse(err, rc, target, name);
	rd_bytes(r, span);
	return LARCH_OK;
}

/*
 * One buffer of the request as its uncompressed bytes: itself for codec 0,
 * else a new arena buffer of the length in its last 4 bytes, which may not
 * exceed `bound`.
 */
static int tablet_inflate(rpc_bin_t in, tsfile_codec_t codec, size_t bound,
			  const char *target, const char *what, arena_t *a, rpc_bin_t *out,
			  larch_error_t *err)
{
	*out = in;
	if (codec == TSFILE_UNCOMPRESSED)
		return LARCH_OK;
	if (in.len < 4)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': compressed %s of %zu bytes lack their length", target,
			       what, in.len);
	int32_t n = (int32_t)load_be32(in.ptr + in.len - 4);
	if (n < 0 || (size_t)n > bound)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': %s declare %d uncompressed bytes, at most %zu",
			       target, what, n, bound);
	uint8_t *buf = arena_alloc(a, (size_t)n + 1);
	if (!buf)
		return err_set(err, LARCH_NO_MEMORY, "tablet '%s': out of memory for %s", target,
			       what);
	int rc = codec_decompress(codec, in.ptr, in.len - 4, buf, (size_t)n, err);
	if (rc) {
		err_prefix(err, "tablet '%s': %s", target, what);
		if (rc != LARCH_NO_MEMORY && err)
			err->code = rc = LARCH_ILLEGAL_PARAMETER;
		return rc;
	}
	out->ptr = buf;
	out->len = (size_t)n;
	return LARCH_OK;
}

/*
 * The row count and buffer bounds (see the section comment): fills
 * *times_max and *values_max with the largest uncompressed sizes accepted.
 */
static int encoded_bounds(const rpc_insert_tablet_req_t *q, size_t *times_max,
			  size_t *values_max, larch_error_t *err)
{
	size_t rows = (size_t)q->size, per_row = 8, per_value = 0, n_cols = q->types.n;
	int binary = 0;
	for (size_t c = 0; c < n_cols; c++) {
		tsfile_type_t t = (tsfile_type_t)q->types.v[c];
		if (!type_supported(q->types.v[c]))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet '%s': column '%s' has unknown type %d",
				       q->prefix_path, q->measurements.v[c], q->types.v[c]);
		per_row += tsfile_type_size(t);
		binary |= type_is_binary(t);
		per_value += ENC_VALUE_MAX + 1; /* + the bitmap bit, rounded up */
	}
	if (rows > TABLET_DECODED_MAX / per_row)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': %zu rows of %zu columns exceed the %zu-byte limit",
			       q->prefix_path, rows, n_cols, TABLET_DECODED_MAX);
	*times_max = rows * ENC_VALUE_MAX + ENC_STREAM_SLACK;
	*values_max = LR_MIN(TABLET_DECODED_MAX,
			     rows * per_value + n_cols * (ENC_STREAM_SLACK + 2) +
				     (binary ? RPC_DEFAULT_MAX_FRAME : 0));
	return LARCH_OK;
}

static int parse_encoded_tablet(const rpc_insert_tablet_req_t *q, arena_t *a, rpc_tablet_t *out,
				larch_error_t *err)
{
	const char *target = q->prefix_path;
	size_t n_cols = q->measurements.n;
	uint8_t codec = (uint8_t)q->compress_type;
	memset(out, 0, sizeof *out);
	if (q->size < 0 || q->types.n != n_cols)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': %d rows, %zu measurements, %zu types", target, q->size,
			       n_cols, q->types.n);
	if (!rpc_has(q, 12) || q->encoding_types.n != n_cols + 1)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': column-encoded with %zu encodings for %zu columns and "
			       "the time",
			       target, q->encoding_types.n, n_cols);
	if (codec != TSFILE_UNCOMPRESSED && !codec_is_valid(codec))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "tablet '%s': unknown compressType %u",
			       target, codec);
	size_t rows = (size_t)q->size, times_max = 0, values_max = 0;
	int rc = encoded_bounds(q, &times_max, &values_max, err);
	rpc_bin_t times, values;
	if (!rc)
		rc = tablet_inflate(q->timestamps, (tsfile_codec_t)codec, times_max, target,
				    "timestamps", a, &times, err);
	if (!rc)
		rc = tablet_inflate(q->values, (tsfile_codec_t)codec, values_max, target,
				    "values", a, &values, err);
	if (rc)
		return rc;

	rd_t r;
	void *ts;
	rd_init(&r, times.ptr, times.len, 0);
	rc = decode_encoded(&r, (tsfile_encoding_t)q->encoding_types.v[0], TSFILE_INT64, rows,
			    target, "time", a, &ts, err);
	if (rc)
		return rc;
	if (rd_left(&r))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': %zu bytes after the time column", target, rd_left(&r));
	tsfile_column_t *cols;
	rd_init(&r, values.ptr, values.len, 0);
	rc = parse_columns(target, &q->measurements, &q->types, rows, &r, q->encoding_types.v + 1,
			   a, &cols, err);
	if (rc)
		return rc;
	tablet_fill(out, target, rows, ts, n_cols, cols);
	return LARCH_OK;
}

int rpc_parse_insert_tablet(const rpc_insert_tablet_req_t *q, arena_t *a, rpc_tablet_t *out,
			    larch_error_t *err)
{
	int rc = q->is_compressed
			 ? parse_encoded_tablet(q, a, out, err)
			 : rpc_parse_tablet(q->prefix_path, &q->measurements, &q->types, q->size,
					    q->timestamps, q->values, a, out, err);
	if (rc)
		return rc;
	out->aligned = q->is_aligned;
	out->to_table = q->write_to_table;
	if (!q->write_to_table)
		return LARCH_OK;
	if (!rpc_has(q, 10) || q->column_categories.n != q->measurements.n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': missing or invalid column categories", q->prefix_path);
	for (size_t i = 0; i < q->column_categories.n; i++)
		if (q->column_categories.v[i] > 2)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet '%s': column '%s' has unknown category %u",
				       q->prefix_path, q->measurements.v[i],
				       q->column_categories.v[i]);
	out->categories = q->column_categories.v;
	return LARCH_OK;
}

int rpc_parse_insert_tablets_item(const rpc_insert_tablets_req_t *q, size_t i, arena_t *a,
				  rpc_tablet_t *out, larch_error_t *err)
{
	size_t n = q->prefix_paths.n;
	if (q->measurements_list.n != n || q->values_list.n != n || q->timestamps_list.n != n ||
	    q->types_list.n != n || q->size_list.n != n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "insertTablets: lists of different lengths (%zu devices)", n);
	if (i >= n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "insertTablets: no tablet %zu", i);
	int rc = rpc_parse_tablet(q->prefix_paths.v[i], &q->measurements_list.v[i],
				  &q->types_list.v[i], q->size_list.v[i], q->timestamps_list.v[i],
				  q->values_list.v[i], a, out, err);
	if (rc == LARCH_OK)
		out->aligned = q->is_aligned;
	return rc;
}

/*---------------------------------------------------------------------------
 * Schema template blob
 *
 *   name        i32 len + UTF-8
 *   shareTime   u8
 *   then until the end, per measurement:
 *   prefix      i32 len + UTF-8 ("" at top level)
 *   isAligned   u8
 *   name        i32 len + UTF-8
 *   dataType u8, encoding u8, compressor u8
 *---------------------------------------------------------------------------*/

#define TEMPLATE_RECORD_MIN 12  /* 4 + 1 + 4 + 3 bytes */

/* A NUL-terminated arena copy of an i32-sized string; NULL if malformed
 * (then r is bad or *oom is set). */
static const char *template_string(rd_t *r, arena_t *a, int *oom)
{
	tsfile_bytes_t b = read_sized(r);
	if (!rd_ok(r) || (b.len && memchr(b.ptr, 0, b.len))) {
		r->bad = 1;
		return NULL;
	}
	char *s = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
	if (!s)
		*oom = 1;
	return s;
}

int rpc_parse_template(rpc_bin_t blob, arena_t *a, rpc_template_t *out, larch_error_t *err)
{
	rd_t r;
	int oom = 0;
	rd_init(&r, blob.ptr, blob.len, 0);
	memset(out, 0, sizeof *out);
	out->name = template_string(&r, a, &oom);
	out->share_time = rd_u8(&r);
	size_t cap = rd_left(&r) / TEMPLATE_RECORD_MIN;
	out->m = arena_calloc(a, cap + 1, sizeof *out->m);
	if (!out->m)
		oom = 1;
	while (rd_ok(&r) && !oom && rd_left(&r) > 0 && out->n < cap) {
		rpc_template_measurement_t *m = &out->m[out->n];
		m->prefix = template_string(&r, a, &oom);
		m->aligned = rd_u8(&r);
		m->name = template_string(&r, a, &oom);
		m->data_type = rd_u8(&r);
		m->encoding = rd_u8(&r);
		m->compressor = rd_u8(&r);
		out->n++;
	}
	if (oom)
		return err_set(err, LARCH_NO_MEMORY, "template: out of memory");
	if (!rd_ok(&r) || rd_left(&r))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "template: malformed measurement record at byte %zu", r.pos);
	return LARCH_OK;
}
