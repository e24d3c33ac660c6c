/*
 * tests/sql/sqltest.h — shared pieces of the SQL conformance runner
 * (sqltest.c), its value formatting (fmt.c) and its randomized differential
 * mode (random.c).  Everything here is independent of src/query: the runner
 * formats values itself, the way IoTDB's Java clients print them, so that a
 * wrong type or a wrong value in a result block shows up as a wrong string.
 */
#ifndef LARCH_TESTS_SQLTEST_H
#define LARCH_TESTS_SQLTEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "larch/larch.h"

/* Longest text fmt_* write for one scalar (digits, sign, exponent, zone). */
#define FMT_MAX 64

/* Java's Double.toString / Float.toString: the shortest decimal that reads
 * back to the same value; plain notation ("25.96", "1.0", "-0.0") for
 * 1e-3 <= |v| < 1e7, else computerized scientific ("1.0E-5", "1.23456792E8");
 * "NaN", "Infinity", "-Infinity".  out holds FMT_MAX bytes. */
void fmt_java_double(double v, char *out);
void fmt_java_float(float v, char *out);

/* A fixed zone offset parsed from "+08:00", "-05:30", "+0800", "Z" or "UTC"
 * into seconds east of UTC.  Returns 0, or -1 for any other text (named
 * zones such as Asia/Shanghai are not known to the runner). */
int fmt_parse_zone(const char *zone, int *offset_s);

/* ISO 8601 with the zone's offset, as IoTDB's clients print times:
 * 2017-11-01T00:00:00.000+08:00 (ms), .000000 for us, .000000000 for ns.
 * t is in `precision` units. out holds FMT_MAX bytes. */
void fmt_time_iso(int64_t t, larch_precision_t precision, int offset_s, char *out);

/* How one row-set is rendered to text. */
typedef struct fmt_opts {
	int iso;                        /* times as ISO 8601 instead of integers */
	int offset_s;                   /* zone for iso */
	larch_precision_t precision;
} fmt_opts_t;

/* Append value `row` of column c to b, as the test files write it: null,
 * true/false, integers, Java float/double text, TEXT with \\ \t \n \r
 * escaped and "" written (empty), BLOB as 0x + hex, DATE as yyyy-MM-dd,
 * TIMESTAMP like the time column. */
void fmt_value(buf_t *b, const larch_column_t *c, size_t row, const fmt_opts_t *o);

/* The time column's text (integer or ISO per o). */
void fmt_time(buf_t *b, int64_t t, const fmt_opts_t *o);

/* IoTDB's name of a data type ("INT32", "TEXT", ...). */

/* Check fmt_java_* against outputs of the Java runtime; prints mismatches,
 * returns their number. */
int fmt_selftest(void);

/* A rendered result: header line, optional types line and rows, each one
 * line of tab-separated cells in an arena. */
typedef struct rowset {
	char *header;
	char *types;
	char **rows;
	size_t n, cap;
} rowset_t;

/* Drain r into rs (strings in a).  Returns LARCH_OK, the error of
 * larch_result_next, or LARCH_INTERNAL_ERROR with a message when the blocks
 * contradict the declared shape (column count or type, time column present
 * without has_time or missing with it). */
int rowset_fill(rowset_t *rs, larch_result_t *r, arena_t *a, const fmt_opts_t *o,
		larch_error_t *err);
void rowset_free(rowset_t *rs);

/* `sqltest --random SEED N`: N random operations on a fresh database,
 * checked against an in-memory model; returns the process exit status. */
int random_main(uint64_t seed, long n_ops, int verbose);

/* Create a fresh temporary directory (path in out, PATH_MAX bytes) and
 * remove a directory tree; both return 0 or -1. */
int tmpdir_make(char *out, size_t cap);
int tmpdir_remove(const char *path);

#endif
