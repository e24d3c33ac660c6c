/*
 * agg_int.h — the seams between agg.c (resolution, merge, results),
 * agg_update.c (rows and summaries into states) and agg_mode.c (MODE's
 * value -> count table): the state layout and value helpers.
 */
#ifndef LARCH_QUERY_AGG_INT_H
#define LARCH_QUERY_AGG_INT_H

#include "query/agg.h"

/* Value classes: how a state holds a value of a type. */
enum {
	AGG_CL_INT,      /* BOOLEAN, INT32, DATE, INT64, TIMESTAMP: n.i */
	AGG_CL_FLT,      /* FLOAT, DOUBLE: n.d (a float widens exactly) */
	AGG_CL_BYTES     /* TEXT, STRING, BLOB: s (owned copy) */
};

/* Owned bytes: grows, never shrinks; freed by agg_free. */
typedef struct agg_bytes {
	char *p;
	uint32_t len, cap;
} agg_bytes_t;

/* A value held by a state. */
typedef struct agg_sv {
	union {
		int64_t i;
		double d;
	} n;
	agg_bytes_t s;
} agg_sv_t;

/* A value read from a column or a summary (bytes not owned). */
typedef struct agg_lv {
	union {
		int64_t i;
		double d;
	} n;
	const char *p;
	uint32_t len;
} agg_lv_t;

typedef struct agg_mode_tab agg_mode_tab_t;

/* Every aggregate's state (one layout; fields unused by a kind stay 0):
 *
 *   field   COUNT SUM AVG VAR   EXTREME/MAX/MIN  FIRST/LAST  X_TIME  COUNT_IF   MAX_BY/MIN_BY
 *   count   rows (non-null)     -                -           -       runs       -
 *   has     -                   any value        any value   any     in a run   any y
 *   flag    -                   -                -           -       -          x is null
 *   t0, t1  -                   -                time of v   min/max run length time of y
 *   sum     sum (SUM, AVG)
 *   mean,m2 Welford (VAR/STDDEV)
 *   v       -                   extreme          value       -       -          y
 *   x       -                                                                   x
 *   mode    MODE's table (agg_mode.c), NULL until the first value
 */
typedef struct agg_state {
	int64_t count;
	int has;
	int flag;
	int64_t t0, t1;
	double sum, mean, m2;
	agg_sv_t v, x;
	agg_mode_tab_t *mode;
} agg_state_t;

int agg_type_class(tsfile_type_t t);

/* Read row r of a typed column array. */
void agg_load(tsfile_type_t type, const void *values, size_t r, agg_lv_t *out);
/* A summary / tsfile value as a loaded value (is_null not checked). */
void agg_load_tsv(const tsfile_value_t *v, agg_lv_t *out);
/* Store a loaded value of class cl into a state value (copies bytes). */
int agg_store(int cl, agg_sv_t *dst, const agg_lv_t *src);
/* Copy a state value (class cl). */
int agg_copy_sv(int cl, agg_sv_t *dst, const agg_sv_t *src);
/* <0, 0, >0 comparing a and b of class cl (bytes: unsigned lexicographic). */
int agg_cmp(int cl, const agg_lv_t *a, const agg_lv_t *b);
/* A state value viewed as a loaded value. */
void agg_view(const agg_sv_t *sv, agg_lv_t *out);
/* Whether a should replace the current EXTREME b (larger magnitude; ties
 * to the positive value). */
int agg_extreme_better(int cl, const agg_lv_t *a, const agg_lv_t *b);
/* Whether COUNT_IF's run length len satisfies f's keep condition. */
int agg_keep_ok(const agg_fn_t *f, int64_t len);
/* Welford merge of (count, mean, m2) partials. */
void agg_var_merge(agg_state_t *dst, int64_t n, double mean, double m2);

/* MODE (agg_mode.c). */
int agg_mode_add(agg_state_t *st, int cl, const agg_lv_t *v, int64_t count, int64_t t);
int agg_mode_merge(agg_state_t *dst, int cl, const agg_state_t *src);
/* The most frequent value (ties: the earliest first-seen time, then the
 * first inserted); 0 when the table is empty. */
int agg_mode_best(const agg_state_t *st, agg_lv_t *out);
void agg_mode_free(agg_state_t *st);

#endif
