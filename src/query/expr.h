/*
 * expr.h — (internal to src/query) compiled scalar expressions over column
 * blocks: arithmetic, comparison, logic, BETWEEN, IN, LIKE, REGEXP,
 * IS NULL, CASE, the math/string/CAST functions; and the analysis of a
 * WHERE clause into time ranges for pushdown.  Implemented in expr.c
 * (compile, types), expr_eval.c (vectorized evaluation), expr_func.c
 * (built-in scalar functions), timerange.c (time ranges).
 *
 * Type rules follow IoTDB's tree model: unary + and - keep the input type,
 * binary arithmetic gives DOUBLE (constant time arithmetic such as
 * now() - 1d is folded at compile time and stays INT64); comparison and
 * logic give BOOLEAN; a null operand gives null; in a WHERE clause a null
 * predicate drops the row.
 */
#ifndef LARCH_QUERY_EXPR_H
#define LARCH_QUERY_EXPR_H

#include "query/query.h"

typedef struct expr expr_t;

/* Resolves a path of the expression to an input column.  Returns LARCH_OK
 * with *input (the index into the inputs array passed to expr_eval) and
 * *type, or an error (e.g. LARCH_SEMANTIC_ERROR / LARCH_PATH_NOT_EXIST).
 * Paths are resolved by the caller (it knows FROM prefixes, devices,
 * aliases); a path must denote exactly one series here. */
typedef int (*expr_bind_fn)(void *arg, const ast_path_t *path, size_t *input,
			    tsfile_type_t *type, larch_error_t *err);

/* Compile e.  `time` refers to the row time.  Aggregate function calls are
 * refused (LARCH_SEMANTIC_ERROR): callers evaluate those first and bind
 * them as inputs through `bind_agg` (may be NULL: then refused), which gets
 * the FUNC node.  Memory from arena. */
typedef int (*expr_bind_agg_fn)(void *arg, const ast_expr_t *call, size_t *input,
				tsfile_type_t *type, larch_error_t *err);
int expr_compile(const query_ctx_t *ctx, const ast_expr_t *e, expr_bind_fn bind,
		 expr_bind_agg_fn bind_agg, void *arg, arena_t *arena, expr_t **out,
		 larch_error_t *err);

/* Release what a compiled expression holds outside its arena (compiled
 * regular expressions).  Call before freeing the arena; NULL is a no-op.
 * A failed expr_compile releases everything itself and leaves *out NULL. */
void expr_free(expr_t *x);

tsfile_type_t expr_type(const expr_t *x);

/* Evaluate over n rows.  inputs[i] are the bound columns (n rows each),
 * times the row times.  *out gets a column of expr_type(x) whose arrays
 * come from arena.  Errors only for allocation failure or a runtime error
 * IoTDB reports (e.g. CAST of 'abc' to INT32: LARCH_SEMANTIC_ERROR? see
 * expr.c). */
int expr_eval(const expr_t *x, size_t n, const int64_t *times, const larch_column_t *inputs,
	      arena_t *arena, larch_column_t *out, larch_error_t *err);

/* Evaluate a predicate: sel[i] = 1 where it is true (null and false -> 0). */
int expr_eval_filter(const expr_t *x, size_t n, const int64_t *times,
		     const larch_column_t *inputs, arena_t *arena, uint8_t *sel,
		     larch_error_t *err);

/* 1 if e is an aggregate function call (count, sum, avg, ...; by name). */
int expr_is_aggregate_name(const char *name);

/* Append IoTDB's display name of e to b: paths through `path_name` (which
 * writes the full path or the measurement, as the caller's alignment
 * wants), literals as written, operators with spaces ("root.sg.d1.s1 + 1"),
 * functions as name(args) with lower-case aggregate names. */
typedef void (*expr_path_name_fn)(void *arg, const ast_path_t *path, buf_t *b);
void expr_format(const ast_expr_t *e, expr_path_name_fn path_name, void *arg, buf_t *b);

/* Time ranges of a WHERE clause: a sorted list of disjoint inclusive
 * [start, end] intervals that contains every time for which the predicate
 * can be true (a superset: value predicates are ignored, OR unions, AND
 * intersects, NOT of a time predicate complements).  No WHERE or no time
 * predicate gives [INT64_MIN, INT64_MAX].  *n may be 0 (nothing matches). */
typedef struct time_range {
	int64_t start, end;
} time_range_t;
int expr_time_ranges(const query_ctx_t *ctx, const ast_expr_t *where, arena_t *arena,
		     time_range_t **out, size_t *n, larch_error_t *err);

/* Print v as Java's Double.toString (is_float: Float.toString) does — the
 * way IoTDB renders numbers in text: shortest round-trip digits, "1.0",
 * "1.0E-5", "NaN", "Infinity".  snprintf semantics. */
size_t x_format_java(double v, int is_float, char *out, size_t cap);

/* 1 if the predicate mentions only time (then the ranges are exact and the
 * filter need not be evaluated per row). */
int expr_is_time_only(const ast_expr_t *where);

#endif
