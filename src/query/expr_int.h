/*
 * expr_int.h — the compiled expression tree shared by expr.c (compile,
 * constant folding, names), expr_eval.c (evaluation) and expr_func.c
 * (built-in scalar functions).  Public seam: expr.h.
 */
#ifndef LARCH_QUERY_EXPR_INT_H
#define LARCH_QUERY_EXPR_INT_H

#include <regex.h>

#include "query/expr.h"

typedef enum x_kind {
	X_INPUT,      /* a bound column */
	X_TIME,       /* the row time */
	X_CONST,      /* cval (null when cval.is_null) */
	X_NEG,        /* -a (same type) */
	X_NOT,        /* NOT a (BOOLEAN) */
	X_ARITH,      /* a op b, DOUBLE */
	X_CMP,        /* a op b, BOOLEAN; cmp_kind says how operands compare */
	X_LOGIC,      /* a AND/OR b, three-valued */
	X_BETWEEN,    /* lo <= a <= hi (negated) */
	X_IN,         /* a in args (negated) */
	X_MATCH,      /* LIKE / REGEXP through re (negated) */
	X_ISNULL,     /* a is null (negated) */
	X_CAST,       /* a as type */
	X_FUNC,       /* built-in scalar function fn over args */
	X_CASE        /* args: when, then, when, then ...; a = ELSE or NULL */
} x_kind_t;

typedef enum x_cmp_kind {
	X_CMP_I64,    /* both integer (INT32/INT64/TIMESTAMP/DATE) */
	X_CMP_F64,    /* numeric, at least one floating */
	X_CMP_BOOL,
	X_CMP_BYTES
} x_cmp_kind_t;

/* Built-in scalar functions (expr_func.c). */
typedef enum x_fn {
	X_FN_SIN, X_FN_COS, X_FN_TAN, X_FN_ASIN, X_FN_ACOS, X_FN_ATAN,
	X_FN_SINH, X_FN_COSH, X_FN_TANH, X_FN_DEGREES, X_FN_RADIANS,
	X_FN_CEIL, X_FN_FLOOR, X_FN_ROUND, X_FN_EXP, X_FN_LN, X_FN_LOG10,
	X_FN_SQRT, X_FN_ABS, X_FN_SIGN,
	X_FN_LENGTH, X_FN_UPPER, X_FN_LOWER, X_FN_TRIM, X_FN_STRCMP,
	X_FN_STARTSWITH, X_FN_ENDSWITH, X_FN_STRING_CONTAINS, X_FN_STRING_MATCHES,
	X_FN_LOCATE, X_FN_CONCAT, X_FN_SUBSTRING, X_FN_REPLACE
} x_fn_t;

struct expr {
	x_kind_t kind;
	tsfile_type_t type;
	size_t input;              /* X_INPUT */
	tsfile_value_t cval;       /* X_CONST */
	ast_op_t op;               /* X_ARITH, X_CMP, X_LOGIC */
	x_cmp_kind_t cmp;          /* X_CMP, X_BETWEEN, X_IN */
	int negated;
	expr_t *a, *b, *c;
	expr_t **args;
	size_t n_args;
	regex_t *re;               /* X_MATCH, STRING_MATCHES */
	x_fn_t fn;
	int64_t iarg[2];           /* function integer arguments (round places, substring from/for, locate reverse) */
	const char *sarg[2];       /* function string arguments (targets, replace from/to) */
	size_t slen[2];
	int flag;                  /* CONCAT: series_behind */
	const ast_expr_t *src;
};

/* A column of n rows of type t with arrays from arena (nulls zeroed). */
int x_col_alloc(arena_t *arena, tsfile_type_t t, size_t n, larch_column_t *out,
		larch_error_t *err);

/* Values of an evaluated numeric/boolean column as doubles / int64s
 * (arena arrays; null rows hold 0). */
double *x_as_f64(const larch_column_t *c, size_t n, arena_t *arena);
int64_t *x_as_i64(const larch_column_t *c, size_t n, arena_t *arena);

int x_type_is_int(tsfile_type_t t);
int x_type_is_numeric(tsfile_type_t t);
int x_type_is_bytes(tsfile_type_t t);

/* Evaluate a child (expr_eval without the public checks). */
int x_eval(const expr_t *x, size_t n, const int64_t *times, const larch_column_t *inputs,
	   arena_t *arena, larch_column_t *out, larch_error_t *err);

/* Built-in functions: resolve name + argument types (expr_func.c). */
int x_func_compile(const ast_expr_t *e, expr_t *x, larch_error_t *err);
int x_func_eval(const expr_t *x, size_t n, const larch_column_t *args, arena_t *arena,
		larch_column_t *out, larch_error_t *err);

/* Cast n values of column in to type t (CAST semantics); errors for text
 * that does not parse and out-of-range values. */
int x_cast(const larch_column_t *in, size_t n, tsfile_type_t t, arena_t *arena,
	   larch_column_t *out, larch_error_t *err);

#endif
