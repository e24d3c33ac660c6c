/*
 * agg_update.c — rows and storage summaries into aggregate states.
 *
 * The hot aggregates (COUNT, SUM, AVG, the variance family, MAX/MIN_VALUE,
 * EXTREME) run typed loops over a whole row range, generated once per C
 * type by NUM_LOOPS; the value selectors reduce a range (or a summary) to
 * one candidate and offer it to the state (offer_value), so rows and
 * summaries share one rule.  COUNT_IF, MODE and MAX_BY/MIN_BY look at each
 * row in order.
 */
#include <math.h>

#include "query/agg_int.h"

static inline int is_null(const uint8_t *nulls, size_t r)
{
	return nulls != NULL && nulls[r] != 0;
}

/* Typed loops over rows [from, to) of a column of C type CT skipping
 * nulls: sum in row order (as IoTDB, in double), Welford's running
 * variance (IoTDB's order of operations), and the min/max pair (strict
 * comparisons: the first of equal values stays). */
#define NUM_LOOPS(SFX, CT)                                                              \
	static void sum_##SFX(agg_state_t *st, const CT *v, const uint8_t *nu, size_t from, \
			      size_t to)                                                    \
	{                                                                               \
		double s = st->sum;                                                     \
		int64_t c = 0;                                                          \
		for (size_t r = from; r < to; r++) {                                    \
			if (!is_null(nu, r)) {                                          \
				s += (double)v[r];                                      \
				c++;                                                    \
			}                                                               \
		}                                                                       \
		st->sum = s;                                                            \
		st->count += c;                                                         \
	}                                                                               \
	static void var_##SFX(agg_state_t *st, const CT *v, const uint8_t *nu, size_t from, \
			      size_t to)                                                    \
	{                                                                               \
		int64_t c = st->count;                                                  \
		double mean = st->mean, m2 = st->m2;                                    \
		for (size_t r = from; r < to; r++) {                                    \
			if (!is_null(nu, r)) {                                          \
				double x = (double)v[r];                                \
				c++;                                                    \
				double delta = x - mean;                                \
				mean += delta / (double)c;                              \
				m2 += delta * (x - mean);                               \
			}                                                               \
		}                                                                       \
		st->count = c;                                                          \
		st->mean = mean;                                                        \
		st->m2 = m2;                                                            \
	}                                                                               \
	static int minmax_##SFX(const CT *v, const uint8_t *nu, size_t from, size_t to,    \
				CT *mn, CT *mx)                                             \
	{                                                                               \
		size_t r = from;                                                        \
		while (r < to && is_null(nu, r))                                        \
			r++;                                                            \
		if (r == to)                                                            \
			return 0;                                                       \
		CT lo = v[r], hi = v[r];                                                \
		for (r++; r < to; r++) {                                                \
			if (is_null(nu, r))                                             \
				continue;                                               \
			if (v[r] < lo)                                                  \
				lo = v[r];                                              \
			if (v[r] > hi)                                                  \
				hi = v[r];                                              \
		}                                                                       \
		*mn = lo;                                                               \
		*mx = hi;                                                               \
		return 1;                                                               \
	}

NUM_LOOPS(i32, int32_t)
NUM_LOOPS(i64, int64_t)
NUM_LOOPS(f32, float)
NUM_LOOPS(f64, double)

/* Call FN_<sfx>(st, typed values, ...) for a numeric column type. */
#define NUM_DISPATCH(type, FN, st, col, from, to)                                        \
	do {                                                                             \
		switch (type) {                                                          \
		case TSFILE_INT32:                                                       \
		case TSFILE_DATE:                                                        \
			FN##_i32(st, (const int32_t *)(col)->values, (col)->nulls, from, to); \
			break;                                                           \
		case TSFILE_FLOAT:                                                       \
			FN##_f32(st, (const float *)(col)->values, (col)->nulls, from, to); \
			break;                                                           \
		case TSFILE_DOUBLE:                                                      \
			FN##_f64(st, (const double *)(col)->values, (col)->nulls, from, to); \
			break;                                                           \
		default:                                                                 \
			FN##_i64(st, (const int64_t *)(col)->values, (col)->nulls, from, to); \
			break;                                                           \
		}                                                                        \
	} while (0)

/* First / last non-null row of [from, to), or `to` when none. */
static size_t first_row(const uint8_t *nu, size_t from, size_t to)
{
	size_t r = from;
	while (r < to && is_null(nu, r))
		r++;
	return r;
}

static size_t last_row(const uint8_t *nu, size_t from, size_t to)
{
	for (size_t r = to; r > from; r--) {
		if (!is_null(nu, r - 1))
			return r - 1;
	}
	return to;
}

/* Offer a candidate value v at time t to a value selector (EXTREME,
 * MAX/MIN_VALUE, FIRST/LAST_VALUE); stores it when it wins. */
static int offer_value(const agg_fn_t *f, agg_state_t *st, const agg_lv_t *v, int64_t t)
{
	int cl = agg_type_class(f->in[0]);
	int take = !st->has;
	if (!take) {
		agg_lv_t cur;
		agg_view(&st->v, &cur);
		switch (f->kind) {
		case AGG_EXTREME: take = agg_extreme_better(cl, v, &cur); break;
		case AGG_MAX_VALUE: take = agg_cmp(cl, v, &cur) > 0; break;
		case AGG_MIN_VALUE: take = agg_cmp(cl, v, &cur) < 0; break;
		case AGG_FIRST_VALUE: take = t < st->t0; break;
		default: take = t > st->t0; break;
		}
	}
	if (!take)
		return LARCH_OK;
	int rc = agg_store(cl, &st->v, v);
	if (rc != LARCH_OK)
		return rc;
	st->has = 1;
	st->t0 = t;
	return LARCH_OK;
}

static void offer_times(agg_state_t *st, int64_t lo, int64_t hi)
{
	st->t0 = st->has ? LR_MIN(st->t0, lo) : lo;
	st->t1 = st->has ? LR_MAX(st->t1, hi) : hi;
	st->has = 1;
}

/* EXTREME's candidate of a (min, max) pair: the larger magnitude, ties to
 * the positive (max). */
static const agg_lv_t *extreme_of(int cl, const agg_lv_t *mn, const agg_lv_t *mx)
{
	return agg_extreme_better(cl, mn, mx) ? mn : mx;
}

/* Reduce numeric rows to (min, max) loaded values; 0 when all null. */
static int range_minmax(const larch_column_t *c, size_t from, size_t to, agg_lv_t *mn,
			agg_lv_t *mx)
{
	switch (c->type) {
	case TSFILE_INT32:
	case TSFILE_DATE: {
		int32_t a, b;
		if (!minmax_i32(c->values, c->nulls, from, to, &a, &b))
			return 0;
		mn->n.i = a;
		mx->n.i = b;
		return 1;
	}
	case TSFILE_FLOAT: {
		float a, b;
		if (!minmax_f32(c->values, c->nulls, from, to, &a, &b))
			return 0;
		mn->n.d = a;
		mx->n.d = b;
		return 1;
	}
	case TSFILE_DOUBLE: {
		double a, b;
		if (!minmax_f64(c->values, c->nulls, from, to, &a, &b))
			return 0;
		mn->n.d = a;
		mx->n.d = b;
		return 1;
	}
	default: {
		int64_t a, b;
		if (!minmax_i64(c->values, c->nulls, from, to, &a, &b))
			return 0;
		mn->n.i = a;
		mx->n.i = b;
		return 1;
	}
	}
}

/* Byte strings (STRING): min and max by unsigned lexicographic order. */
static int range_minmax_bytes(const larch_column_t *c, size_t from, size_t to, agg_lv_t *mn,
			      agg_lv_t *mx)
{
	size_t r = first_row(c->nulls, from, to);
	if (r == to)
		return 0;
	agg_load(c->type, c->values, r, mn);
	*mx = *mn;
	for (r++; r < to; r++) {
		if (is_null(c->nulls, r))
			continue;
		agg_lv_t v;
		agg_load(c->type, c->values, r, &v);
		if (agg_cmp(AGG_CL_BYTES, &v, mn) < 0)
			*mn = v;
		if (agg_cmp(AGG_CL_BYTES, &v, mx) > 0)
			*mx = v;
	}
	return 1;
}

/* MAX_VALUE, MIN_VALUE, EXTREME over rows. */
static int update_ordered(const agg_fn_t *f, agg_state_t *st, const larch_column_t *c,
			  size_t from, size_t to)
{
	int cl = agg_type_class(c->type);
	agg_lv_t mn, mx;
	int found = cl == AGG_CL_BYTES ? range_minmax_bytes(c, from, to, &mn, &mx)
				       : range_minmax(c, from, to, &mn, &mx);
	if (!found)
		return LARCH_OK;
	const agg_lv_t *cand = f->kind == AGG_MAX_VALUE ? &mx
			     : f->kind == AGG_MIN_VALUE ? &mn : extreme_of(cl, &mn, &mx);
	return offer_value(f, st, cand, 0);
}

/* FIRST_VALUE / LAST_VALUE over rows. */
static int update_first_last(const agg_fn_t *f, agg_state_t *st, const int64_t *times,
			     const larch_column_t *c, size_t from, size_t to)
{
	size_t r = f->kind == AGG_FIRST_VALUE ? first_row(c->nulls, from, to)
					      : last_row(c->nulls, from, to);
	if (r == to)
		return LARCH_OK;
	agg_lv_t v;
	agg_load(c->type, c->values, r, &v);
	return offer_value(f, st, &v, times[r]);
}

static void update_count(agg_state_t *st, const uint8_t *nu, size_t from, size_t to)
{
	if (nu == NULL) {
		st->count += (int64_t)(to - from);
		return;
	}
	int64_t c = 0;
	for (size_t r = from; r < to; r++)
		c += nu[r] == 0;
	st->count += c;
}

/* COUNT_IF: runs of consecutive true rows; has = inside a run, t0 = its
 * length; a false row (or a null row without ignoreNull) closes it. */
static void update_count_if(const agg_fn_t *f, agg_state_t *st, const larch_column_t *c,
			    size_t from, size_t to)
{
	const uint8_t *v = c->values;
	for (size_t r = from; r < to; r++) {
		if (is_null(c->nulls, r) && f->ignore_null)
			continue;
		if (!is_null(c->nulls, r) && v[r]) {
			st->t0++;
			st->has = 1;
			continue;
		}
		if (st->has && agg_keep_ok(f, st->t0))
			st->count++;
		st->has = 0;
		st->t0 = 0;
	}
}

static int update_mode(const agg_fn_t *f, agg_state_t *st, const int64_t *times,
		       const larch_column_t *c, size_t from, size_t to)
{
	int cl = agg_type_class(c->type);
	for (size_t r = from; r < to; r++) {
		if (is_null(c->nulls, r))
			continue;
		agg_lv_t v;
		agg_load(c->type, c->values, r, &v);
		int rc = agg_mode_add(st, cl, &v, 1, times[r]);
		if (rc != LARCH_OK)
			return rc;
	}
	return LARCH_OK;
}

/* MAX_BY / MIN_BY: x = in[0], y = in[1]; rows with a null y are skipped;
 * the first row (earliest time) of the extreme y wins. */
static int update_by(const agg_fn_t *f, agg_state_t *st, const int64_t *times,
		     const larch_column_t *in, size_t from, size_t to)
{
	const larch_column_t *x = &in[0], *y = &in[1];
	int ycl = agg_type_class(y->type);
	size_t best = to;
	agg_lv_t by;
	if (st->has)
		agg_view(&st->v, &by);
	for (size_t r = from; r < to; r++) {
		if (is_null(y->nulls, r))
			continue;
		agg_lv_t v;
		agg_load(y->type, y->values, r, &v);
		/* the first candidate of the state is taken as is; later ones
		 * must be strictly better (earlier rows win ties) */
		int first = !st->has && best == to;
		int c = first ? 0 : agg_cmp(ycl, &v, &by);
		if (first || (f->kind == AGG_MIN_BY ? c < 0 : c > 0)) {
			by = v;
			best = r;
		}
	}
	if (best == to)
		return LARCH_OK;
	int rc = agg_store(ycl, &st->v, &by);
	if (rc != LARCH_OK)
		return rc;
	st->has = 1;
	st->t0 = times[best];
	st->flag = is_null(x->nulls, best);
	if (st->flag)
		return LARCH_OK;
	agg_lv_t xv;
	agg_load(x->type, x->values, best, &xv);
	return agg_store(agg_type_class(x->type), &st->x, &xv);
}

int agg_update(const agg_fn_t *f, void *state, const int64_t *times, const larch_column_t *in,
	       size_t from, size_t to)
{
	agg_state_t *st = state;
	const larch_column_t *c = &in[0];
	if (from >= to)
		return LARCH_OK;
	switch (f->kind) {
	case AGG_COUNT:
		update_count(st, c->nulls, from, to);
		return LARCH_OK;
	case AGG_COUNT_TIME:
		st->count += (int64_t)(to - from);
		return LARCH_OK;
	case AGG_SUM:
	case AGG_AVG:
		NUM_DISPATCH(c->type, sum, st, c, from, to);
		return LARCH_OK;
	case AGG_STDDEV: case AGG_STDDEV_POP: case AGG_STDDEV_SAMP:
	case AGG_VARIANCE: case AGG_VAR_POP: case AGG_VAR_SAMP:
		NUM_DISPATCH(c->type, var, st, c, from, to);
		return LARCH_OK;
	case AGG_EXTREME:
	case AGG_MAX_VALUE:
	case AGG_MIN_VALUE:
		return update_ordered(f, st, c, from, to);
	case AGG_FIRST_VALUE:
	case AGG_LAST_VALUE:
		return update_first_last(f, st, times, c, from, to);
	case AGG_MAX_TIME:
	case AGG_MIN_TIME:
	case AGG_TIME_DURATION: {
		size_t a = first_row(c->nulls, from, to);
		if (a < to)
			offer_times(st, times[a], times[last_row(c->nulls, from, to)]);
		return LARCH_OK;
	}
	case AGG_COUNT_IF:
		update_count_if(f, st, c, from, to);
		return LARCH_OK;
	case AGG_MODE:
		return update_mode(f, st, times, c, from, to);
	default:
		return update_by(f, st, times, in, from, to);
	}
}

/*---------------------------------------------------------------------------
 * Summaries
 *---------------------------------------------------------------------------*/

int agg_summary_usable(const agg_fn_t *f, const storage_summary_t *s)
{
	if (!agg_can_use_summary(f) || s->count == 0)
		return 0;
	switch (f->kind) {
	case AGG_EXTREME:
		return !s->min.is_null && !s->max.is_null;
	case AGG_MAX_VALUE:
		return !s->max.is_null;
	case AGG_MIN_VALUE:
		return !s->min.is_null;
	case AGG_FIRST_VALUE:
		return !s->first.is_null;
	case AGG_LAST_VALUE:
		return !s->last.is_null;
	default:
		return 1;
	}
}

/* A summary value, read as the series' type whatever its tag says. */
static void load_summary_value(const agg_fn_t *f, const tsfile_value_t *v, agg_lv_t *out)
{
	tsfile_value_t t = *v;
	t.type = f->in[0];
	agg_load_tsv(&t, out);
}

int agg_update_summary(const agg_fn_t *f, void *state, const storage_summary_t *s)
{
	agg_state_t *st = state;
	agg_lv_t mn, mx;
	if (!agg_summary_usable(f, s))
		return LARCH_ILLEGAL_PARAMETER;
	switch (f->kind) {
	case AGG_COUNT:
	case AGG_COUNT_TIME:
		st->count += (int64_t)s->count;
		return LARCH_OK;
	case AGG_SUM:
	case AGG_AVG:
		st->count += (int64_t)s->count;
		st->sum += s->sum;
		return LARCH_OK;
	case AGG_MAX_TIME:
	case AGG_MIN_TIME:
	case AGG_TIME_DURATION:
		offer_times(st, s->start, s->end);
		return LARCH_OK;
	case AGG_FIRST_VALUE:
		load_summary_value(f, &s->first, &mx);
		return offer_value(f, st, &mx, s->start);
	case AGG_LAST_VALUE:
		load_summary_value(f, &s->last, &mx);
		return offer_value(f, st, &mx, s->end);
	default:             /* EXTREME, MAX_VALUE, MIN_VALUE */
		load_summary_value(f, &s->min, &mn);
		load_summary_value(f, &s->max, &mx);
		return offer_value(f, st,
				   f->kind == AGG_MAX_VALUE ? &mx
				   : f->kind == AGG_MIN_VALUE ? &mn
				   : extreme_of(agg_type_class(f->in[0]), &mn, &mx), 0);
	}
}
