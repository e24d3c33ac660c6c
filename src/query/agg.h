/*
 * agg.h — aggregate accumulators, GROUP BY time windows and FILL: the pure
 * computing pieces of IoTDB's aggregation queries, with no storage access.
 * The SELECT driver (select.c) reads blocks and summaries from storage and
 * feeds them here.
 *
 *   agg_*          aggregate functions: resolve a name and input types to an
 *                  agg_fn_t (result type, IoTDB's errors), then accumulate
 *                  rows, storage summaries or other states into plain state
 *                  memory, and read the result (agg.c).
 *   agg_windows_*  GROUP BY ([start, end), interval[, step]) and the
 *                  left-open ((start, end], ...) form: window bounds, output
 *                  times, rows of a sorted time column inside a window,
 *                  windows containing a time or a summary (window.c).
 *   agg_fill_*     FILL: PREVIOUS [bound], PREVIOUSUNTILLAST, LINEAR [before,
 *                  after], constant VALUE and the old per-type form, applied
 *                  in place to a materialized column, plus the single
 *                  time-point form `where time = T fill(...)` (fill.c).
 *
 * Times are int64 in the session's precision units; durations may hold
 * calendar months (agg_duration_t), added in the session's zone.
 */
#ifndef LARCH_QUERY_AGG_H
#define LARCH_QUERY_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "larch/block.h"
#include "query/ast.h"
#include "storage/storage.h"

struct time_zone;

/*---------------------------------------------------------------------------
 * Durations
 *---------------------------------------------------------------------------*/

/* months calendar months plus units precision units (both >= 0 for
 * intervals, steps and fill bounds). */
typedef struct agg_duration {
	int64_t months;
	int64_t units;
} agg_duration_t;

/* A duration expression of the AST to precision units: AST_E_DURATION
 * (nanoseconds scaled down to the precision, truncating; months kept) or
 * AST_E_INT (already in precision units).  A negative AST_E_INT -1 is
 * accepted only where allow_infinite (the old FILL ranges' "-1 = infinite":
 * then *infinite = 1).  Anything else -> LARCH_SEMANTIC_ERROR. */
int agg_duration_from_expr(const ast_expr_t *e, int precision, int allow_infinite,
			   agg_duration_t *out, int *infinite, larch_error_t *err);

/* t + mult * d (mult * months first, in zone tz, then mult * units),
 * saturating at INT64_MIN/MAX.  tz must not be NULL when d has months
 * (here and in every function below that takes a zone). */
int64_t agg_time_add(int64_t t, const agg_duration_t *d, int64_t mult, int precision,
		     const struct time_zone *tz);

/*---------------------------------------------------------------------------
 * Aggregate functions (agg.c)
 *---------------------------------------------------------------------------*/

typedef enum agg_kind {
	AGG_COUNT,
	AGG_SUM,
	AGG_AVG,
	AGG_EXTREME,
	AGG_MAX_VALUE,
	AGG_MIN_VALUE,
	AGG_FIRST_VALUE,
	AGG_LAST_VALUE,
	AGG_MAX_TIME,
	AGG_MIN_TIME,
	AGG_STDDEV,                  /* = STDDEV_SAMP */
	AGG_STDDEV_POP,
	AGG_STDDEV_SAMP,
	AGG_VARIANCE,                /* = VAR_SAMP */
	AGG_VAR_POP,
	AGG_VAR_SAMP,
	AGG_COUNT_IF,
	AGG_TIME_DURATION,
	AGG_MODE,
	AGG_MAX_BY,
	AGG_MIN_BY,
	AGG_COUNT_TIME,              /* count_time(*): rows given, nulls or not */
	AGG_KIND_COUNT_
} agg_kind_t;

/* MODE keeps at most this many distinct values per state (IoTDB's
 * mode_map_size_threshold default); one more is an error. */
#define AGG_MODE_MAX_DISTINCT 10000
#define AGG_MODE_LIMIT_MSG \
	"distinct values has exceeded the threshold 10000 when calculate Mode"

/* A resolved aggregate.  Plain data: copy freely. */
typedef struct agg_fn {
	agg_kind_t kind;
	const char *name;            /* canonical lower-case name: "count", "max_value" ... */
	tsfile_type_t in[2];         /* input types: in[0] (MAX_BY/MIN_BY: x, in[1] = y) */
	size_t n_in;                 /* 1, or 2 for MAX_BY/MIN_BY */
	tsfile_type_t out_type;      /* IoTDB's result type */
	/* COUNT_IF: count runs of consecutive true rows whose length L satisfies
	 * `L keep_op keep` (AST_OP_EQ..AST_OP_GE); ignore_null 1: null rows are
	 * skipped, 0: a null ends a run. */
	ast_op_t keep_op;
	int64_t keep;
	int ignore_null;
} agg_fn_t;

/* 1 and *kind when name (case-insensitive) is a built-in aggregate, else 0. */
int agg_lookup(const char *name, agg_kind_t *kind);

/* How many series (column) inputs the aggregate takes: 2 for MAX_BY/MIN_BY,
 * 1 otherwise.  COUNT_IF's second argument (the keep condition) is not a
 * column: pass it to agg_set_keep.  COUNT_TIME takes `*` (any one column
 * whose rows are the rows to count). */
size_t agg_kind_inputs(agg_kind_t kind);

/* Resolve name with n_in input types and 'k'='v' attributes.  Errors
 * (LARCH_SEMANTIC_ERROR, IoTDB's messages):
 *   - unknown name ("Invalid Aggregation function: x"),
 *   - wrong input count,
 *   - AVG/SUM/EXTREME/STDDEV.../VAR_... of a non-numeric type,
 *   - MAX_VALUE/MIN_VALUE outside INT32, INT64, FLOAT, DOUBLE, STRING,
 *     DATE, TIMESTAMP,
 *   - COUNT_IF of a non-BOOLEAN input,
 *   - MAX_BY/MIN_BY with y of TEXT, BLOB or BOOLEAN.
 * COUNT_IF reads 'ignoreNull' (key case-insensitive; value "true" in any
 * case is true, anything else false); other attributes are ignored, as
 * IoTDB does.  COUNT_IF starts with keep >= 1 and ignoreNull true. */
int agg_resolve(const char *name, const tsfile_type_t *in, size_t n_in, const ast_kv_t *attrs,
		size_t n_attrs, agg_fn_t *out, larch_error_t *err);

/* COUNT_IF's keep condition: an integer constant n (= keep >= n) or a
 * comparison `keep OP n` / `n OP keep` with OP one of = != < <= > >=
 * (flipped when keep is on the right).  Other shapes ->
 * LARCH_SEMANTIC_ERROR with IoTDB's message. */
int agg_set_keep(agg_fn_t *f, const ast_expr_t *keep, larch_error_t *err);

/* States are plain memory of agg_state_size bytes (8-byte aligned), many
 * per query (one per window x series).  agg_init makes an empty state.  A
 * state that holds byte strings (TEXT/STRING/BLOB values) or MODE's
 * counts owns heap memory: agg_free releases it (a no-op for the others,
 * see agg_needs_free) and leaves an empty state. */
size_t agg_state_size(const agg_fn_t *f);
void agg_init(const agg_fn_t *f, void *state);
int agg_needs_free(const agg_fn_t *f);
void agg_free(const agg_fn_t *f, void *state);

/* Accumulate rows [from, to) of the n_in columns `in` (types as resolved;
 * COUNT_IF: the BOOLEAN condition column) with times ascending and larger
 * than every time already accumulated into this state (FIRST_VALUE,
 * COUNT_IF and ties rely on the order).  Null rows are skipped (MAX_BY: a
 * null y is skipped, a null x at the extreme y gives a null result).
 * Errors (no message is set: the caller reports them): LARCH_NO_MEMORY
 * (copying byte strings, MODE's table), LARCH_EXECUTE_ERROR when MODE
 * exceeds AGG_MODE_MAX_DISTINCT values (message AGG_MODE_LIMIT_MSG). */
int agg_update(const agg_fn_t *f, void *state, const int64_t *times, const larch_column_t *in,
	       size_t from, size_t to);

/* Summaries: agg_can_use_summary says whether the aggregate can ever be
 * answered from a storage summary (COUNT, COUNT_TIME, SUM, AVG, EXTREME,
 * MAX_VALUE, MIN_VALUE, FIRST_VALUE, LAST_VALUE, MAX_TIME, MIN_TIME,
 * TIME_DURATION, for input types whose statistics hold what they need);
 * agg_summary_usable checks one summary (e.g. a null min/max of a STRING
 * chunk).  agg_update_summary accumulates a usable summary as if its rows
 * had been given (same ordering rule as agg_update); it returns
 * LARCH_ILLEGAL_PARAMETER and changes nothing for an unusable one, or
 * LARCH_NO_MEMORY. */
int agg_can_use_summary(const agg_fn_t *f);
int agg_summary_usable(const agg_fn_t *f, const storage_summary_t *s);
int agg_update_summary(const agg_fn_t *f, void *state, const storage_summary_t *s);

/* dst := dst ∪ src (src unchanged).  Exact for states of different series
 * over the same time range (GROUP BY LEVEL / TAGS) and for states of
 * disjoint time ranges of one series, except COUNT_IF, whose runs do not
 * join across the two states (each state's runs are counted apart).
 * FIRST/LAST ties keep dst's value.  LARCH_NO_MEMORY, or MODE's limit. */
int agg_merge(const agg_fn_t *f, void *dst, const void *src);

/* The result into *out (type f->out_type): is_null when there was no input
 * (COUNT, COUNT_TIME and COUNT_IF give 0; STDDEV/VAR_SAMP null below 2
 * values; MAX_BY/MIN_BY null also when x is null at the extreme).  Byte
 * strings point into the state: valid until its next update/merge/free. */
void agg_result(const agg_fn_t *f, const void *state, tsfile_value_t *out);

/*---------------------------------------------------------------------------
 * GROUP BY time windows (window.c)
 *
 * Window k (0 <= k < n) starts at s_k = start + k * step and ends at
 * e_k = min(s_k + interval, end), months added in the zone from `start`
 * (s_k = start + k*step.months months + k*step.units, so Jan 31 + 1mo is
 * the last day of February and + 2mo is Mar 31).  The left-closed form
 * holds times [s_k, e_k) and is output at s_k; the left-open form
 * ((start, end], ...) holds times (s_k, e_k] and is output at e_k.  Windows
 * overlap when step < interval (a row then belongs to several) and leave
 * gaps when step > interval.
 *---------------------------------------------------------------------------*/

typedef struct agg_windows {
	int64_t start, end;
	agg_duration_t interval, step;
	int left_open;
	int precision;
	const struct time_zone *tz;
	uint64_t n;                  /* number of windows (>= 1) */
} agg_windows_t;

/* Set up windows.  Errors (LARCH_SEMANTIC_ERROR, IoTDB's messages):
 * start >= end, an interval or step that is zero or negative, and a step
 * in months giving 10000 windows or more ("The time windows may exceed
 * 10000, please ensure your input."). */
int agg_windows_init(agg_windows_t *w, int64_t start, int64_t end, const agg_duration_t *interval,
		     const agg_duration_t *step, int left_open, int precision,
		     const struct time_zone *tz, larch_error_t *err);

/* The smallest and largest time any window holds (inclusive), for the
 * storage read. */
void agg_windows_range(const agg_windows_t *w, int64_t *lo, int64_t *hi);

/* Window k's times as an inclusive range [*lo, *hi] (lo > hi never happens
 * for a valid k) and its output time. */
void agg_window_bounds(const agg_windows_t *w, uint64_t k, int64_t *lo, int64_t *hi);
int64_t agg_window_time(const agg_windows_t *w, uint64_t k);

/* The windows holding time t: [*k0, *k1) (empty when t is in a gap or out
 * of range).  O(1) without months, O(log n) with. */
void agg_windows_find(const agg_windows_t *w, int64_t t, uint64_t *k0, uint64_t *k1);

/* The first window whose inclusive end is >= t (n when none): where a
 * driver starts for a block whose first time is t. */
uint64_t agg_windows_first_ending_at_or_after(const agg_windows_t *w, int64_t t);

/* The rows of times[from, to) (ascending) inside window k: [*a, *b)
 * (binary search, a == b when none). */
void agg_window_rows(const agg_windows_t *w, uint64_t k, const int64_t *times, size_t from,
		     size_t to, size_t *a, size_t *b);

/* Whether a summary covering times [lo, hi] may be used: 1 when every
 * window meeting [lo, hi] holds all of it; then [*k0, *k1) are those
 * windows (possibly none: the run lies in a gap or outside).  0 when some
 * window holds only part of it (decode the points instead). */
int agg_windows_cover(const agg_windows_t *w, int64_t lo, int64_t hi, uint64_t *k0,
		      uint64_t *k1);

/*---------------------------------------------------------------------------
 * FILL (fill.c)
 *---------------------------------------------------------------------------*/

typedef enum agg_fill_method {
	AGG_FILL_NONE,               /* leave nulls */
	AGG_FILL_PREVIOUS,
	AGG_FILL_PREVIOUS_UNTIL_LAST,
	AGG_FILL_LINEAR,             /* numeric columns only */
	AGG_FILL_VALUE
} agg_fill_method_t;

/* How one column is filled. */
typedef struct agg_fill_col {
	agg_fill_method_t method;
	int has_before;              /* PREVIOUS*: fill at t only if t <= t_prev + before */
	agg_duration_t before;       /* LINEAR: and t_prev >= t - before ... */
	int has_after;               /* LINEAR: ... and t_next <= t + after */
	agg_duration_t after;
	tsfile_value_t value;        /* VALUE: of the column's type (bytes not owned;
				      * bytes.ptr NULL: they are text[0 .. bytes.len)) */
	char text[40];               /* VALUE into TEXT/STRING: a number's spelling */
	int has_last_time;           /* PREVIOUS_UNTIL_LAST: fill only rows with time <= last_time; */
	int64_t last_time;           /* without it, the time of the column's last non-null row */
} agg_fill_col_t;

/* Turn the FILL clause into one agg_fill_col_t per result column (types[i]):
 *   FILL(PREVIOUS[, d])   every column previous, bounded by d when given;
 *   FILL(LINEAR)          numeric columns linear, others not filled;
 *   FILL(constant)        columns the constant fits (IoTDB's table: boolean
 *                         -> BOOLEAN, TEXT; integer -> INT32 (if in range),
 *                         INT64, FLOAT, DOUBLE, TEXT; decimal -> FLOAT,
 *                         DOUBLE, TEXT; string -> TEXT; TEXT gets the
 *                         literal's text), others not filled;
 *   FILL(PREVIOUSUNTILLAST[, d]) (0.13) every column previous until
 *                         the last value, bounded by d when given;
 *   old fill(type[method, ranges], ...): the last item of the column's
 *                         type or ALL (ALL[linear]: numeric types only);
 *                         when single_point (where time = T) a type with no
 *                         item gets IoTDB 0.10's default (BOOLEAN/TEXT
 *                         previous 10 min, numeric linear 10 min, 10 min),
 *                         else it is not filled; a range of -1 is infinite,
 *                         an omitted range is infinite.
 * FILL(LINEAR, before, after) keeps its bounds (IoTDB 0.13's form; 1.x
 * refuses it).  A later old-form item for the same type replaces an
 * earlier one (IoTDB keeps a map).  Errors (LARCH_SEMANTIC_ERROR): an
 * old-form LINEAR item on a non-numeric type ("type BOOLEAN cannot use
 * linear fill function"), a constant that is not a literal ("Unsupported
 * constant value in FILL: ..."), a bad duration.  Text values point into
 * the AST, static strings or the spec's own text[]. */
int agg_fill_plan(const ast_fill_t *fill, const tsfile_type_t *types, size_t n_cols,
		  int precision, int single_point, agg_fill_col_t *out, larch_error_t *err);

/* Fill the nulls of one column of n rows in place.  times ascending;
 * values is the column's typed array (as larch_column_t), nulls its null
 * flags (cleared where filled; NULL means no nulls: nothing to do).  TEXT
 * fills copy the tsfile_bytes_t (pointers to the earlier row's bytes or to
 * spec->value's bytes).  Months in bounds are added in tz. */
void agg_fill_column(const agg_fill_col_t *spec, const int64_t *times, size_t n,
		     tsfile_type_t type, void *values, uint8_t *nulls, int precision,
		     const struct time_zone *tz);

/* Single time-point fill (`select ... where time = T fill(...)`, IoTDB
 * 0.10): agg_fill_point_range gives the stored times a driver searches for
 * the latest point at or before T (in [*prev_lo, T]) and, for LINEAR, the
 * earliest at or after T (in [T, *next_hi]); agg_fill_point computes the
 * value at T from what it found (has_prev/has_next 0 for none; a point at
 * T itself is the answer).  Bounds are not checked again.  For
 * PREVIOUS_UNTIL_LAST either set spec->has_last_time/last_time to the
 * series' last time, or leave has_last_time 0: then the range asks for the
 * first point at or after T up to INT64_MAX, and T is filled only when
 * such a point exists (T is not after the series' last point).  *out is
 * null when nothing fills. */
void agg_fill_point_range(const agg_fill_col_t *spec, int64_t t, int precision,
			  const struct time_zone *tz, int64_t *prev_lo, int64_t *next_hi);
void agg_fill_point(const agg_fill_col_t *spec, int64_t t, tsfile_type_t type, int has_prev,
		    int64_t prev_t, const tsfile_value_t *prev, int has_next, int64_t next_t,
		    const tsfile_value_t *next, tsfile_value_t *out);

/* Row r of column c as a value (is_null from c's null flags; byte strings
 * point into c). */
void agg_cell_value(const larch_column_t *c, size_t r, tsfile_value_t *out);

#endif
