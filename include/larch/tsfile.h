/*
 * larch/tsfile.h — the TsFile library: write and read Apache TsFile files.
 *
 * Files written here are byte-compatible with Apache TsFile (format version 4;
 * version 3 files can be read).  The API follows the TsFile API of IoTDB's
 * documentation, in C idiom:
 *
 *   writer:  tsfile_writer_open / _open_append -> tsfile_writer_register* ->
 *            tsfile_writer_write_record / _write_tablet -> tsfile_writer_close
 *   reader:  tsfile_reader_open -> list devices/series/tables ->
 *            tsfile_reader_query (paths + filter [+ byte range]) ->
 *            tsfile_result_next ... -> tsfile_result_free -> tsfile_reader_close
 *
 * Conventions: every fallible function returns LARCH_OK (0) or an error code
 * from larch/status.h and, when `err` is not NULL, fills it with a message.
 * Objects are opaque; whoever creates one frees it.  Strings passed in are
 * copied; strings handed out stay valid until the object that returned them
 * is freed (or, for result values, until the next tsfile_result_next).
 *
 * Paths: a tree-model series is named "device.measurement" where the device is
 * a dotted path such as "root.sg.d1"; the last dot-separated node is the
 * measurement.  Nodes may be back-quoted (`a.b`) to contain dots.
 */
#ifndef LARCH_TSFILE_H
#define LARCH_TSFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "larch/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*---------------------------------------------------------------------------
 * Types, encodings, codecs (numbers exactly as stored in files)
 *---------------------------------------------------------------------------*/

typedef enum tsfile_type {
	TSFILE_BOOLEAN = 0,
	TSFILE_INT32 = 1,
	TSFILE_INT64 = 2,
	TSFILE_FLOAT = 3,
	TSFILE_DOUBLE = 4,
	TSFILE_TEXT = 5,
	TSFILE_VECTOR = 6,     /* only the time column of an aligned device */
	TSFILE_TIMESTAMP = 8,  /* int64 */
	TSFILE_DATE = 9,       /* int32 yyyymmdd, e.g. 20240131 */
	TSFILE_BLOB = 10,
	TSFILE_STRING = 11
} tsfile_type_t;

typedef enum tsfile_encoding {
	TSFILE_PLAIN = 0,
	TSFILE_DICTIONARY = 1,
	TSFILE_RLE = 2,
	TSFILE_TS_2DIFF = 4,
	TSFILE_GORILLA = 8,
	TSFILE_ZIGZAG = 9,
	TSFILE_CHIMP = 11,
	TSFILE_SPRINTZ = 12,
	TSFILE_RLBE = 13
} tsfile_encoding_t;

typedef enum tsfile_codec {
	TSFILE_UNCOMPRESSED = 0,
	TSFILE_SNAPPY = 1,
	TSFILE_GZIP = 2,
	TSFILE_LZ4 = 7,
	TSFILE_ZSTD = 8,
	TSFILE_LZMA2 = 9
} tsfile_codec_t;

/* Names ("INT32", "TS_2DIFF", "LZ4") and their inverse; parse returns -1
 * for an unknown name (case-insensitive). */
const char *tsfile_type_name(tsfile_type_t t);
const char *tsfile_encoding_name(tsfile_encoding_t e);
const char *tsfile_codec_name(tsfile_codec_t c);
int tsfile_type_parse(const char *name);
int tsfile_encoding_parse(const char *name);
int tsfile_codec_parse(const char *name);

/* 1 if `enc` can encode values of type `t` (TsFile's rules), else 0. */
int tsfile_encoding_supports(tsfile_encoding_t enc, tsfile_type_t t);

/* Bytes of one element of a tablet column of type t (see tsfile_column_t):
 * 1 BOOLEAN, 4 INT32/DATE/FLOAT, 8 INT64/TIMESTAMP/DOUBLE,
 * sizeof(tsfile_bytes_t) TEXT/STRING/BLOB. */
size_t tsfile_type_size(tsfile_type_t t);

/*---------------------------------------------------------------------------
 * Values
 *---------------------------------------------------------------------------*/

/* A byte string (TEXT, STRING, BLOB); not NUL-terminated. */
typedef struct tsfile_bytes {
	const char *ptr;
	uint32_t len;
} tsfile_bytes_t;

/* One typed value.  BOOLEAN uses .b (0/1); INT32 and DATE .i32; INT64 and
 * TIMESTAMP .i64; FLOAT .f; DOUBLE .d; TEXT, STRING and BLOB .bytes. */
typedef struct tsfile_value {
	tsfile_type_t type;
	int is_null;
	union {
		int b;
		int32_t i32;
		int64_t i64;
		float f;
		double d;
		tsfile_bytes_t bytes;
	} v;
} tsfile_value_t;

/*---------------------------------------------------------------------------
 * Configuration
 *---------------------------------------------------------------------------*/

typedef struct tsfile_config {
	uint32_t page_max_points;       /* seal a page at this many points (10000) */
	uint32_t page_max_bytes;        /* ... or where its encoded size reaches
					 * about this many bytes (65536) */
	uint64_t chunk_group_max_bytes; /* flush buffered data at this size (128 MiB) */
	tsfile_encoding_t time_encoding;   /* TS_2DIFF */
	tsfile_codec_t time_codec;         /* LZ4 */
	tsfile_codec_t default_codec;      /* LZ4 */
	/* Default value encoding per data type, indexed by tsfile_type_t:
	 * BOOLEAN PLAIN, INT32/INT64/DATE/TIMESTAMP TS_2DIFF, FLOAT/DOUBLE
	 * GORILLA, TEXT/STRING/BLOB PLAIN.  (Java's default for BOOLEAN is
	 * RLE, which the C++ library behind the Python package cannot read;
	 * PLAIN booleans are read by both.) */
	tsfile_encoding_t default_encoding[12];
	int float_precision;            /* decimals kept by lossy float TS_2DIFF/RLE (2) */
	uint32_t max_index_degree;      /* children per metadata index node (256) */
	double bloom_error_rate;        /* 0.05, clamped to [0.01, 0.1] */
	uint32_t compress_threads;      /* helper threads compressing the pages of
					 * a tablet in parallel (1; 0: none; at
					 * most 16) */
} tsfile_config_t;

/* Fill *cfg with the defaults listed above (Apache TsFile's). */
void tsfile_config_default(tsfile_config_t *cfg);

/*---------------------------------------------------------------------------
 * Schemas
 *---------------------------------------------------------------------------*/

/* A measurement (sensor) of a device.  `encoding` and `codec` may be -1 for
 * the configured defaults; max_point_number is the number of decimals kept
 * when a FLOAT/DOUBLE uses TS_2DIFF or RLE (-1: config float_precision). */
typedef struct tsfile_measurement {
	const char *name;
	tsfile_type_t type;
	int encoding;
	int codec;
	int max_point_number;
} tsfile_measurement_t;

typedef enum tsfile_category {
	TSFILE_TAG = 0,
	TSFILE_FIELD = 1,
	TSFILE_ATTRIBUTE = 2
} tsfile_category_t;

/* A column of a table-model table.  TAG columns must be STRING. */
typedef struct tsfile_column_schema {
	const char *name;
	tsfile_type_t type;
	int encoding; /* -1: default */
	int codec;    /* -1: default */
	tsfile_category_t category;
} tsfile_column_schema_t;

typedef struct tsfile_table_schema {
	const char *name;
	size_t n_columns;
	const tsfile_column_schema_t *columns;
} tsfile_table_schema_t;

/*---------------------------------------------------------------------------
 * Writer
 *---------------------------------------------------------------------------*/

typedef struct tsfile_writer tsfile_writer_t;

/* Create (truncate) the file at `path` and start a TsFile in it.  cfg may be
 * NULL for the defaults.  On success *out is a writer that must be closed
 * with tsfile_writer_close. */
int tsfile_writer_open(const char *path, const tsfile_config_t *cfg,
		       tsfile_writer_t **out, larch_error_t *err);

/* Force-append: open a complete, closed TsFile, truncate its index (keeping
 * every chunk group) and continue writing.  An unfinished file (no tail
 * magic, e.g. after a crash) is also accepted: it is truncated after its last
 * complete chunk group.  Measurements must be registered again before data
 * is written; registering one with a type different from the data already
 * in the file fails with LARCH_METADATA_ERROR. */
int tsfile_writer_open_append(const char *path, const tsfile_config_t *cfg,
			      tsfile_writer_t **out, larch_error_t *err);

/* Register a non-aligned measurement of `device`.  device == NULL registers
 * it for every device of the file (the 0.x "Schema" of measurement
 * templates): any device written later may use it.  Registering the same
 * name again with the same type, encoding and codec is a no-op; with a
 * different one it fails with LARCH_METADATA_ERROR and changes nothing. */
int tsfile_writer_register(tsfile_writer_t *w, const char *device,
			   const tsfile_measurement_t *m, larch_error_t *err);

/* Register an aligned device with its measurements (time column shared).
 * Fails with LARCH_METADATA_ERROR if the device is already registered as
 * non-aligned, or if a measurement conflicts as above.  Calling it again
 * adds new measurements to the device. */
int tsfile_writer_register_aligned(tsfile_writer_t *w, const char *device,
				   const tsfile_measurement_t *ms, size_t n,
				   larch_error_t *err);

/* Register a table-model table (v4).  Its devices are [table, tag values...]
 * and are always aligned.  Names are lower-cased as Apache TsFile does. */
int tsfile_writer_register_table(tsfile_writer_t *w, const tsfile_table_schema_t *schema,
				 larch_error_t *err);

/* A data point of a record: a registered measurement name and its value
 * (value.type must match the registration; is_null points are skipped). */
typedef struct tsfile_point {
	const char *measurement;
	tsfile_value_t value;
} tsfile_point_t;

/* Write one row of `device` at `time`.  Every point's measurement must be
 * registered for the device (or file-wide) with the same type, else
 * LARCH_PATH_NOT_EXIST / LARCH_DATA_TYPE_MISMATCH and nothing of the row is
 * written.  Within one chunk group a series' times must increase; a time
 * not greater than the last written for that series fails with
 * LARCH_WRITE_ERROR (flush first to start a new chunk group). */
int tsfile_writer_write_record(tsfile_writer_t *w, const char *device, int64_t time,
			       const tsfile_point_t *points, size_t n, larch_error_t *err);

/* A column of a tablet: values[] is a typed array of n_rows entries:
 * uint8_t (BOOLEAN), int32_t (INT32, DATE), int64_t (INT64, TIMESTAMP),
 * float, double, or tsfile_bytes_t (TEXT, STRING, BLOB).  is_null is NULL
 * (no nulls) or n_rows bytes, non-zero = null. */
typedef struct tsfile_column {
	const char *name;
	tsfile_type_t type;
	const void *values;
	const uint8_t *is_null;
} tsfile_column_t;

/* Rows of one device (tree model) or of one table (table model: `target` is
 * the table name and the TAG columns among `columns` pick each row's
 * device).  times[] must be ascending within the tablet. */
typedef struct tsfile_tablet {
	const char *target;
	size_t n_rows;
	const int64_t *times;
	size_t n_columns;
	const tsfile_column_t *columns;
} tsfile_tablet_t;

/* Write a tree-model tablet to device tablet->target (aligned or not, as the
 * device was registered).  Checks every column before writing anything. */
int tsfile_writer_write_tablet(tsfile_writer_t *w, const tsfile_tablet_t *tablet,
			       larch_error_t *err);

/* Write a table-model tablet to table tablet->target. */
int tsfile_writer_write_table(tsfile_writer_t *w, const tsfile_tablet_t *tablet,
			      larch_error_t *err);

/* Seal buffered data as chunk groups and write them to the file. */
int tsfile_writer_flush(tsfile_writer_t *w, larch_error_t *err);

/* Flush, write the index and footer, fsync, close the file and free the
 * writer (also on failure). */
int tsfile_writer_close(tsfile_writer_t *w, larch_error_t *err);

/* Discard the writer without finishing the file (it is left unfinished). */
void tsfile_writer_abort(tsfile_writer_t *w);

/* Bytes written to the file so far. */
uint64_t tsfile_writer_file_size(const tsfile_writer_t *w);

/*---------------------------------------------------------------------------
 * Reader: metadata
 *---------------------------------------------------------------------------*/

typedef struct tsfile_reader tsfile_reader_t;

/* Open a closed TsFile (version 3 or 4).  Reads and checks the footer and
 * the whole metadata index; a malformed file fails with LARCH_CORRUPTED and
 * a message naming the structure and byte offset. */
int tsfile_reader_open(const char *path, tsfile_reader_t **out, larch_error_t *err);
void tsfile_reader_close(tsfile_reader_t *r);

int tsfile_reader_version(const tsfile_reader_t *r); /* 3 or 4 */

/* Statistics of a series (merged over its chunks). For BLOB and VECTOR only
 * count/start/end are meaningful; sum is the sum of values (BOOLEAN: number
 * of trues).  min/max are unset (type only) for BOOLEAN and TEXT. */
typedef struct tsfile_stats {
	uint64_t count;
	int64_t start_time;
	int64_t end_time;
	tsfile_value_t min, max, first, last;
	double sum;
} tsfile_stats_t;

typedef struct tsfile_series_info {
	const char *device;       /* dotted device path ("table.tag1.tag2" for table devices) */
	const char *measurement;
	tsfile_type_t type;
	tsfile_encoding_t encoding; /* of its first chunk */
	tsfile_codec_t codec;
	int aligned;
	uint32_t chunk_count;
	tsfile_stats_t stats;
} tsfile_series_info_t;

/* Devices in index order (dotted paths). */
size_t tsfile_reader_device_count(const tsfile_reader_t *r);
const char *tsfile_reader_device(const tsfile_reader_t *r, size_t i);

/* Every series (value columns; the aligned time column is not listed), in
 * index order: by device, then measurement. */
size_t tsfile_reader_series_count(const tsfile_reader_t *r);
const tsfile_series_info_t *tsfile_reader_series(const tsfile_reader_t *r, size_t i);

/* Look up one series by device and measurement; NULL if absent. */
const tsfile_series_info_t *tsfile_reader_find_series(const tsfile_reader_t *r,
						      const char *device,
						      const char *measurement);

/* Table-model schemas stored in the file (v4). */
size_t tsfile_reader_table_count(const tsfile_reader_t *r);
const tsfile_table_schema_t *tsfile_reader_table(const tsfile_reader_t *r, size_t i);

/*---------------------------------------------------------------------------
 * Filters
 *---------------------------------------------------------------------------*/

typedef enum tsfile_op {
	TSFILE_EQ, TSFILE_NE, TSFILE_LT, TSFILE_LE, TSFILE_GT, TSFILE_GE
} tsfile_op_t;

typedef struct tsfile_filter tsfile_filter_t;

/* Build filter expressions.  Each constructor returns a new filter (NULL on
 * out-of-memory).  The combinators take ownership of their arguments (and
 * free them if they fail).  A value filter compares the series `path`
 * ("device.measurement") with v, which must be of the series' type (numeric
 * values are converted between numeric types). */
tsfile_filter_t *tsfile_filter_time(tsfile_op_t op, int64_t t);
tsfile_filter_t *tsfile_filter_value(const char *path, tsfile_op_t op, const tsfile_value_t *v);
tsfile_filter_t *tsfile_filter_not(tsfile_filter_t *f);
tsfile_filter_t *tsfile_filter_and(tsfile_filter_t *a, tsfile_filter_t *b);
tsfile_filter_t *tsfile_filter_or(tsfile_filter_t *a, tsfile_filter_t *b);
void tsfile_filter_free(tsfile_filter_t *f);

/* Parse a filter from text, e.g.
 *   time >= 10 and time < 20 or not (root.sg.d1.s1 = 'x')
 * Operands: `time` or a series path; literals: integers, decimals, true,
 * false, 'quoted strings'.  Operators: = == != <> < <= > >=, and, or, not,
 * parentheses.  Errors are LARCH_PARSE_ERROR with the position. */
int tsfile_filter_parse(const char *text, tsfile_filter_t **out, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Reader: queries
 *---------------------------------------------------------------------------*/

typedef struct tsfile_result tsfile_result_t;

/* Query `paths` ("device.measurement"; a path naming a series absent from
 * the file gives an all-null column) with an optional filter (NULL: all
 * rows).  Rows are the union of the timestamps of the selected series, in
 * ascending time order; a row is returned when the filter holds for it
 * (a value filter on a null value is false).  The filter is not consumed. */
int tsfile_reader_query(tsfile_reader_t *r, const char *const *paths, size_t n_paths,
			const tsfile_filter_t *filter, tsfile_result_t **out,
			larch_error_t *err);

/* Partial query: as tsfile_reader_query, but only over the chunk groups
 * whose midpoint offset lies in [start_offset, end_offset).  Splitting a
 * file into consecutive ranges and querying each yields every row exactly
 * once. */
int tsfile_reader_query_range(tsfile_reader_t *r, const char *const *paths, size_t n_paths,
			      const tsfile_filter_t *filter, uint64_t start_offset,
			      uint64_t end_offset, tsfile_result_t **out, larch_error_t *err);

/* Table-model query: the rows of `table` with time in [start, end], with
 * the given columns (TAG and FIELD names; NULL / 0 for all).  The result has
 * one column per requested column, tags as STRING values. */
int tsfile_reader_query_table(tsfile_reader_t *r, const char *table,
			      const char *const *columns, size_t n_columns,
			      int64_t start_time, int64_t end_time,
			      tsfile_result_t **out, larch_error_t *err);

/* Advance to the next row: LARCH_OK if there is one, LARCH_DONE at the end,
 * or an error code (e.g. LARCH_CORRUPTED for a bad page). */
int tsfile_result_next(tsfile_result_t *rs, larch_error_t *err);

size_t tsfile_result_column_count(const tsfile_result_t *rs);
const char *tsfile_result_column_name(const tsfile_result_t *rs, size_t i);
tsfile_type_t tsfile_result_column_type(const tsfile_result_t *rs, size_t i);

/* Accessors for the current row; the value's bytes stay valid until the
 * next call to tsfile_result_next. */
int64_t tsfile_result_time(const tsfile_result_t *rs);
const tsfile_value_t *tsfile_result_value(const tsfile_result_t *rs, size_t i);

void tsfile_result_free(tsfile_result_t *rs);

/*---------------------------------------------------------------------------
 * Inspection
 *---------------------------------------------------------------------------*/

/* Print the file's structure to `out`: header, every chunk group, chunk and
 * page with its statistics, the index tree and the footer. */
int tsfile_dump(const char *path, FILE *out, larch_error_t *err);

/* Verify the whole file: magic, footer, every index offset and ordering,
 * every chunk and page header, decompression and decoding of every page,
 * and that stored statistics (page, chunk, series) equal the values
 * recomputed from the data.  Returns LARCH_OK, or LARCH_CORRUPTED with a
 * message naming the structure and the first bad byte offset.  When
 * `report` is not NULL a one-line summary is printed to it on success. */
int tsfile_check(const char *path, FILE *report, larch_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
