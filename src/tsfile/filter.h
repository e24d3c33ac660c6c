/*
 * filter.h — private side of the query filters (filter.c): what the query
 * engine needs beyond the public constructors and parser of larch/tsfile.h.
 *
 * A filter is a tree of comparisons ("leaves") joined by not/and/or.  Time
 * leaves compare the row time; value leaves compare one series.  Value
 * leaves are numbered 0..filter_leaf_count()-1 in depth-first, left-to-right
 * order; evaluation and pruning take per-leaf inputs in that order, so a
 * query resolves each leaf's path to one of its columns once, up front.
 *
 * Logic is Kleene's three-valued one: a comparison with a null (absent)
 * value, or with a NaN, is UNKNOWN; not UNKNOWN is UNKNOWN; a row is
 * returned only when the whole filter is TRUE.  So a value filter on a null
 * never selects a row, even under `not`.  Because this logic is monotone
 * (an UNKNOWN input never turns a FALSE result into TRUE), skipping data
 * whose statistics prove the filter FALSE is safe even though the skipped
 * values then read as null.
 */
#ifndef LARCH_TSFILE_FILTER_H
#define LARCH_TSFILE_FILTER_H

#include "tsfile_int.h"

/* Deepest filter tree the constructors build (they return NULL beyond). */
#define FILTER_MAX_DEPTH 1000

/* Truth values and pruning verdicts share one ordered encoding so that
 * not = 2 - x, and = min, or = max in both. */
typedef enum filter_truth {
	FILTER_FALSE = 0,
	FILTER_UNKNOWN = 1,
	FILTER_TRUE = 2
} filter_truth_t;

typedef enum filter_verdict {
	FILTER_NONE = 0,  /* no row in the range can satisfy the filter */
	FILTER_MAYBE = 1, /* some rows may */
	FILTER_ALL = 2    /* every row does, provided its values are non-null */
} filter_verdict_t;

/* A deep copy of f (NULL on out of memory). */
tsfile_filter_t *filter_copy(const tsfile_filter_t *f);

/* Number of value leaves in the tree. */
size_t filter_leaf_count(const tsfile_filter_t *f);

/* Path and literal of value leaf i (i < filter_leaf_count(f)). */
const char *filter_leaf_path(const tsfile_filter_t *f, size_t i);
const tsfile_value_t *filter_leaf_literal(const tsfile_filter_t *f, size_t i);

/* 1 if a literal of type `lit` can be compared with values of series type
 * `t`: numeric with numeric, BOOLEAN with BOOLEAN, byte strings with byte
 * strings; 0 otherwise. */
int filter_types_comparable(tsfile_type_t lit, tsfile_type_t t);

/* Evaluate the filter on one row: `time`, and leaf_vals[i] the value that
 * value leaf i compares (NULL or is_null: the series has no value in this
 * row).  Returns a filter_truth_t. */
filter_truth_t filter_eval(const tsfile_filter_t *f, int64_t time,
			   const tsfile_value_t *const *leaf_vals);

/* Decide from statistics whether rows with time in [t_lo, t_hi] can satisfy
 * the filter.  leaf_stats[i] is the statistics of the values leaf i
 * compares in those rows (NULL: unknown); leaf_stats itself may be NULL
 * (only time is known).  BOOLEAN ranges come from count and sum; TEXT,
 * BLOB and empty (count 0) statistics give no range. */
filter_verdict_t filter_prune(const tsfile_filter_t *f, int64_t t_lo, int64_t t_hi,
			      const stats_t *const *leaf_stats);

/* Split a series path "device.measurement" at its last dot outside
 * back-quotes.  *device is the text before that dot as written (quotes
 * kept: the caller normalises it the way device IDs are built);
 * *measurement is the last node with its back-quotes removed (a doubled ``
 * inside quotes stands for one `).  Both are new strings (mem_free).
 * LARCH_ILLEGAL_PATH if there is no such dot, a node is empty or a quote is
 * unterminated; LARCH_NO_MEMORY. */
int filter_path_split(const char *path, char **device, char **measurement,
		      larch_error_t *err);

#endif
