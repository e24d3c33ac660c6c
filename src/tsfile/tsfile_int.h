/*
 * tsfile_int.h — private interfaces between the modules of src/tsfile.
 *
 * Public API: include/larch/tsfile.h.  This header is for src/tsfile itself,
 * its unit tests and benchmarks (and, later, src/storage, which decodes
 * pages straight into column blocks).
 *
 *   col_t           a growable typed column: the unit every encoder takes and
 *                   every decoder produces (encoding_*.c)
 *   encode/decode   one page stream of one encoding (encoding.c dispatches)
 *   codec_*         page compression (codec.c)
 *   stats_*         statistics: update, merge, serialize (stats.c)
 *   bloom_*         the file's bloom filter (bloom.c)
 */
#ifndef LARCH_TSFILE_INT_H
#define LARCH_TSFILE_INT_H

#include "base/base.h"
#include "larch/tsfile.h"

/* Magic; the markers and layouts are tabled in meta.h and meta.c. */
#define TSFILE_MAGIC "TsFile"
#define TSFILE_MAGIC_LEN 6
#define TSFILE_VERSION 4

/*---------------------------------------------------------------------------
 * Typed columns
 *
 * `data` is an array of n elements whose C type follows `type`:
 *   BOOLEAN uint8_t | INT32, DATE int32_t | INT64, TIMESTAMP, VECTOR (times)
 *   int64_t | FLOAT float | DOUBLE double | TEXT, STRING, BLOB tsfile_bytes_t
 * Byte strings point into memory the column does not own (a page buffer,
 * a tablet) unless copied into `heap` with col_push_bytes_copy.
 *---------------------------------------------------------------------------*/

typedef struct col {
	tsfile_type_t type;
	size_t n;
	size_t cap;
	void *data;
	arena_t *heap; /* owned copies of byte strings (col_push_bytes_copy); lazy */
} col_t;

void col_init(col_t *c, tsfile_type_t type);
void col_free(col_t *c);
void col_clear(col_t *c);                      /* n = 0, keeps memory */
size_t col_elem_size(tsfile_type_t type);     /* sizeof one element of data */
/* Ensure room for `extra` more elements; 0 ok (data is then non-NULL, even
 * for extra == 0), LARCH_NO_MEMORY otherwise. */
int col_reserve(col_t *c, size_t extra);
/* Append n elements from a typed array (same C type as data). */
int col_append(col_t *c, const void *values, size_t n);
/* Append one byte string, copying its bytes into memory the column owns. */
int col_push_bytes_copy(col_t *c, const char *p, uint32_t len);

/* Elements as typed pointers (no checks: the caller knows the type). */
#define COL_BOOL(c) ((uint8_t *)(c)->data)
#define COL_I32(c) ((int32_t *)(c)->data)
#define COL_I64(c) ((int64_t *)(c)->data)
#define COL_F32(c) ((float *)(c)->data)
#define COL_F64(c) ((double *)(c)->data)
#define COL_BYTES(c) ((tsfile_bytes_t *)(c)->data)

/* 1 for BOOLEAN..TIMESTAMP kinds that are stored as int32 / int64. */
static inline int type_is_int32(tsfile_type_t t) { return t == TSFILE_INT32 || t == TSFILE_DATE; }
static inline int type_is_int64(tsfile_type_t t)
{
	return t == TSFILE_INT64 || t == TSFILE_TIMESTAMP || t == TSFILE_VECTOR;
}
static inline int type_is_binary(tsfile_type_t t)
{
	return t == TSFILE_TEXT || t == TSFILE_STRING || t == TSFILE_BLOB;
}
/* 1 if t is a data type a value column may have (not VECTOR, not unknown). */
int type_is_valid(int t);

/*---------------------------------------------------------------------------
 * Encodings (encoding.c and encoding_<name>.c)
 *
 * A page holds one independent stream per column.  encode_stream appends the
 * stream for values[0..n) to out; decode_stream decodes a whole stream
 * (all of [in, in+len)) and appends the values to out (whose type must be
 * `type`).  Decoders treat the input as hostile: they never read past len,
 * never produce more than max_values values (LARCH_CORRUPTED if the stream
 * holds more), and never loop without consuming input.  Decoded byte strings
 * point into `in`, which must outlive the column.
 *
 * float_precision is the number of decimals kept by the lossy FLOAT/DOUBLE
 * forms of TS_2DIFF and RLE (Apache's max_point_number); other encodings
 * ignore it.  For the time column use type INT64.
 *---------------------------------------------------------------------------*/

typedef struct enc_params {
	int float_precision;
} enc_params_t;

int encode_stream(tsfile_encoding_t enc, tsfile_type_t type, const enc_params_t *params,
		  const void *values, size_t n, buf_t *out, larch_error_t *err);

int decode_stream(tsfile_encoding_t enc, tsfile_type_t type, const uint8_t *in, size_t len,
		  size_t max_values, col_t *out, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Codecs (codec.c)
 *---------------------------------------------------------------------------*/

/* 1 if the codec id is one this library reads and writes. */
int codec_is_valid(int codec);

/* Append the compressed form of in[0..n) to out. */
int codec_compress(tsfile_codec_t codec, const uint8_t *in, size_t n, buf_t *out,
		   larch_error_t *err);

/* Decompress in[0..n) into out[0..out_len); the result must be exactly
 * out_len bytes (the page's uncompressed size), else LARCH_CORRUPTED. */
int codec_decompress(tsfile_codec_t codec, const uint8_t *in, size_t n, uint8_t *out,
		     size_t out_len, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Statistics (stats.c)
 *
 * Layout on disk (after the common uvarint count, i64 start, i64 end):
 *   BOOLEAN   bool first, bool last, i64 sum
 *   INT32/DATE i32 min, max, first, last, i64 sum
 *   INT64/TIMESTAMP i64 min, max, first, last, f64 sum
 *   FLOAT     f32 min, max, first, last, f64 sum
 *   DOUBLE    f64 min, max, first, last, f64 sum
 *   TEXT      first, last (i32 len + bytes each)
 *   STRING    first, last, min, max (i32 len + bytes each)
 *   BLOB, VECTOR nothing more
 * The byte strings of a stats_t are owned copies (freed by stats_free).
 *---------------------------------------------------------------------------*/

typedef struct stats {
	tsfile_type_t type;
	tsfile_stats_t s; /* bytes values point into `own` copies below */
	char *own[4];     /* owned storage for first, last, min, max (binary types) */
	int64_t isum;     /* exact sum for BOOLEAN, INT32, DATE (s.sum mirrors it) */
} stats_t;

void stats_init(stats_t *st, tsfile_type_t type);
void stats_free(stats_t *st);
/* Add n points: times[i] with values[i] (typed array as in col_t).  Times
 * may arrive in any order (first/last follow the smallest/largest time).
 * values may be NULL for VECTOR (time-only statistics). */
int stats_update(stats_t *st, const int64_t *times, const void *values, size_t n);
/* Merge `from` into `into` (same type). */
int stats_merge(stats_t *into, const stats_t *from);
int stats_copy(stats_t *dst, const stats_t *src);
void stats_write(const stats_t *st, buf_t *out);
/* Read statistics of `type`; LARCH_CORRUPTED on malformed input. */
int stats_read(rd_t *r, tsfile_type_t type, stats_t *st, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Bloom filter (bloom.c): Apache TsFile's filter over "device.measurement".
 *---------------------------------------------------------------------------*/

typedef struct bloom {
	uint32_t size_bits;
	uint32_t hash_count;
	uint8_t *bits; /* size_bits/8 rounded up */
} bloom_t;

/* Size the filter for n entries at error rate p (clamped to [0.01, 0.1]). */
int bloom_init(bloom_t *b, uint64_t n, double p);
void bloom_free(bloom_t *b);
void bloom_add(bloom_t *b, const char *s, size_t len);
int bloom_may_contain(const bloom_t *b, const char *s, size_t len);
/* uvarint byteLen, bytes (trailing zero bytes dropped), uvarint size, uvarint k */
void bloom_write(const bloom_t *b, buf_t *out);
int bloom_read(rd_t *r, bloom_t *b, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Chunk and page reader (reader.c)
 *
 * Reads the chunks of a file opened with tsfile_reader_open one page at a
 * time, for queries and for the storage engine, which decodes pages
 * straight into its own column blocks:
 *
 *   chunk_reader_new(reader, &cr, err);              reusable for many chunks
 *   chunk_reader_open(cr, offset, err);              header read and checked
 *   while ((rc = chunk_reader_next_page(cr, err)) == LARCH_OK) {
 *       look at chunk_reader_page(cr) (statistics in multi-page chunks) and
 *       either decode it or simply go on to the next page
 *   }                                                LARCH_DONE after the last
 *   chunk_reader_free(cr);
 *
 * The caller picks the decode function (files of the C++ writer lack the
 * aligned marker bits, so the marker does not tell): a non-aligned chunk's
 * page with chunk_reader_read_page; an aligned device's page k with
 * chunk_reader_read_times on its time chunk and chunk_reader_read_values on
 * each value chunk.  Decoded values are appended to the caller's columns;
 * byte strings and the presence bitmap point into the reader's buffers and
 * stay valid until its next next_page, open or free.  struct chunk_header
 * and struct page_header are defined in meta.h.
 *---------------------------------------------------------------------------*/

/* Limits on one page, beyond which it is reported as corrupted. */
#define CHUNK_MAX_PAGE_POINTS (1u << 22)
#define CHUNK_MAX_PAGE_BYTES (1u << 28) /* uncompressed */

struct chunk_header;
struct page_header;
typedef struct chunk_reader chunk_reader_t;

int chunk_reader_new(const tsfile_reader_t *r, chunk_reader_t **out, larch_error_t *err);
void chunk_reader_free(chunk_reader_t *cr);

/* Read the chunk header at file offset `offset` (its marker byte) and the
 * chunk's pages; the chunk must lie inside the data area. */
int chunk_reader_open(chunk_reader_t *cr, uint64_t offset, larch_error_t *err);
const struct chunk_header *chunk_reader_header(const chunk_reader_t *cr);

/* Advance to the next page: LARCH_OK, LARCH_DONE, or LARCH_CORRUPTED. */
int chunk_reader_next_page(chunk_reader_t *cr, larch_error_t *err);
const struct page_header *chunk_reader_page(const chunk_reader_t *cr);
/* File offset of the current page's header. */
uint64_t chunk_reader_page_offset(const chunk_reader_t *cr);

/* Decode the current page of a non-aligned chunk: the times (TS_2DIFF, the
 * time encoding of non-aligned pages) and the values, appended to `times`
 * (INT64) and `values` (the chunk's type).  At most max_points points (0:
 * CHUNK_MAX_PAGE_POINTS; a multi-page chunk's page statistics bound it too);
 * time and value counts must agree. */
int chunk_reader_read_page(chunk_reader_t *cr, size_t max_points, col_t *times,
			   col_t *values, larch_error_t *err);

/* Decode the current page of an aligned time chunk into `times` (INT64). */
int chunk_reader_read_times(chunk_reader_t *cr, size_t max_points, col_t *times,
			    larch_error_t *err);

/* Decode the current page of an aligned value chunk whose time page has
 * `rows` rows: the non-null values are appended to `values` and *present is
 * the MSB-first bitmap of the rows that have one (bit i: byte i/8, mask
 * 0x80 >> i%8), or NULL for an empty page (every row null). */
int chunk_reader_read_values(chunk_reader_t *cr, size_t rows, col_t *values,
			     const uint8_t **present, larch_error_t *err);

#endif
