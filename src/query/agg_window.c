/*
 * agg_window.c — durations and GROUP BY time windows.
 *
 * Window k of [start, end) with interval I and step S (each months + units):
 *
 *   s_k = start (+) k*S.months months + k*S.units
 *   e_k = min(start (+) (k*S.months + I.months) months + k*S.units + I.units, end)
 *
 * where (+) adds calendar months in the session's zone from `start` (as
 * IoTDB computes them, so month ends clamp per window, not cumulatively).
 * Left-closed windows hold [s_k, e_k), left-open ones (s_k, e_k].  Inside
 * this file a window is its inclusive time range [lo_k, hi_k]; both bounds
 * never decrease with k, so every lookup is a binary search over k.
 */
#include "query/agg_int.h"

/* a * b saturating at INT64_MIN/MAX. */
static int64_t mul_sat(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

static int64_t add_sat(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b < 0 ? INT64_MIN : INT64_MAX;
	return r;
}

int64_t agg_time_add(int64_t t, const agg_duration_t *d, int64_t mult, int precision,
		     const struct time_zone *tz)
{
	if (d->months != 0)
		t = time_add_months(t, mul_sat(mult, d->months), tz, (time_precision_t)precision);
	return add_sat(t, mul_sat(mult, d->units));
}

int agg_duration_from_expr(const ast_expr_t *e, int precision, int allow_infinite,
			   agg_duration_t *out, int *infinite, larch_error_t *err)
{
	int64_t v = 0;
	if (infinite != NULL)
		*infinite = 0;
	memset(out, 0, sizeof *out);
	if (e->kind == AST_E_DURATION) {
		int rc = time_duration_units(e->dur.nanos, (time_precision_t)precision, &v, err);
		if (rc != LARCH_OK)
			return rc;
		out->months = e->dur.months;
		out->units = v;
		return LARCH_OK;
	}
	if (e->kind == AST_E_INT)
		v = e->ival;
	else if (e->kind == AST_E_UNARY && e->op == AST_OP_NEG && e->a != NULL &&
		 e->a->kind == AST_E_INT && e->a->ival == 1)
		v = -1;
	else
		return err_set(err, LARCH_SEMANTIC_ERROR, "expected a time duration at position %d",
			       e->pos);
	if (v == -1 && allow_infinite && infinite != NULL) {
		*infinite = 1;
		return LARCH_OK;
	}
	if (v < 0)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "a time duration must not be negative (position %d)", e->pos);
	out->units = v;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Windows
 *---------------------------------------------------------------------------*/

static int64_t win_start(const agg_windows_t *w, uint64_t k)
{
	return agg_time_add(w->start, &w->step, (int64_t)k, w->precision, w->tz);
}

static int64_t win_end(const agg_windows_t *w, uint64_t k)
{
	agg_duration_t d = {
		.months = add_sat(mul_sat((int64_t)k, w->step.months), w->interval.months),
		.units = add_sat(mul_sat((int64_t)k, w->step.units), w->interval.units),
	};
	return LR_MIN(agg_time_add(w->start, &d, 1, w->precision, w->tz), w->end);
}

/* Inclusive time range of window k. */
static void win_range(const agg_windows_t *w, uint64_t k, int64_t *lo, int64_t *hi)
{
	int64_t s = win_start(w, k), e = win_end(w, k);
	if (w->left_open) {
		*lo = s + 1;
		*hi = e;
	} else {
		*lo = s;
		*hi = e - 1;
	}
}

/* The first k in [0, n) whose bound (hi side or lo side) is > t, or >= t
 * when !strict; n when none. */
static uint64_t first_k(const agg_windows_t *w, int hi_side, int64_t t, int strict)
{
	uint64_t a = 0, b = w->n;
	while (a < b) {
		uint64_t m = a + (b - a) / 2;
		int64_t lo, hi;
		win_range(w, m, &lo, &hi);
		int64_t v = hi_side ? hi : lo;
		if (strict ? v > t : v >= t)
			b = m;
		else
			a = m + 1;
	}
	return a;
}

/* Number of windows: the first k with s_k >= end.  Without months it is a
 * division; with months a binary search bounded by the shortest possible
 * step (27 days a month: a local month never lasts less). */
static uint64_t count_windows(const agg_windows_t *w)
{
	uint64_t span = (uint64_t)w->end - (uint64_t)w->start;
	if (w->step.months == 0) {
		uint64_t st = (uint64_t)w->step.units;
		return span / st + (span % st != 0);
	}
	int64_t day = 86400 * time_units_per_second((time_precision_t)w->precision);
	int64_t min_step = add_sat(mul_sat(w->step.months, 27 * day), w->step.units);
	uint64_t a = 0, b = span / (uint64_t)min_step + 2;
	while (a < b) {
		uint64_t m = a + (b - a) / 2;
		if (win_start(w, m) >= w->end)
			b = m;
		else
			a = m + 1;
	}
	return a;
}

int agg_windows_init(agg_windows_t *w, int64_t start, int64_t end, const agg_duration_t *interval,
		     const agg_duration_t *step, int left_open, int precision,
		     const struct time_zone *tz, larch_error_t *err)
{
	if (start >= end)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Start time should be smaller than endTime in GroupBy");
	if (interval->months < 0 || interval->units < 0 ||
	    (interval->months == 0 && interval->units == 0))
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "The second parameter time interval should be a positive integer.");
	if (step->months < 0 || step->units < 0 || (step->months == 0 && step->units == 0))
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "The third parameter time slidingStep should be a positive integer.");
	if (step->months > 0) {
		/* IoTDB's bound: a month counted as 28 days */
		int64_t day = 86400 * time_units_per_second((time_precision_t)precision);
		double min_step = (double)step->months * 28.0 * (double)day + (double)step->units;
		if (((double)end - (double)start) / min_step > 9999.0)   /* ceil(x) >= 10000 */
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "The time windows may exceed 10000, please ensure your input.");
	}
	memset(w, 0, sizeof *w);
	w->start = start;
	w->end = end;
	w->interval = *interval;
	w->step = *step;
	w->left_open = left_open;
	w->precision = precision;
	w->tz = tz;
	w->n = count_windows(w);
	return LARCH_OK;
}

void agg_windows_range(const agg_windows_t *w, int64_t *lo, int64_t *hi)
{
	int64_t l, h;
	win_range(w, 0, lo, &h);
	win_range(w, w->n - 1, &l, hi);
}

void agg_window_bounds(const agg_windows_t *w, uint64_t k, int64_t *lo, int64_t *hi)
{
	win_range(w, k, lo, hi);
}

int64_t agg_window_time(const agg_windows_t *w, uint64_t k)
{
	return w->left_open ? win_end(w, k) : win_start(w, k);
}

void agg_windows_find(const agg_windows_t *w, int64_t t, uint64_t *k0, uint64_t *k1)
{
	*k0 = first_k(w, 1, t, 0);        /* first window with hi >= t */
	*k1 = first_k(w, 0, t, 1);        /* first window with lo > t */
	if (*k1 < *k0)
		*k1 = *k0;
}

uint64_t agg_windows_first_ending_at_or_after(const agg_windows_t *w, int64_t t)
{
	return first_k(w, 1, t, 0);
}

/* First index in [a, b) with times[i] >= t (strict: > t). */
static size_t time_search(const int64_t *times, size_t a, size_t b, int64_t t, int strict)
{
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (strict ? times[m] > t : times[m] >= t)
			b = m;
		else
			a = m + 1;
	}
	return a;
}

void agg_window_rows(const agg_windows_t *w, uint64_t k, const int64_t *times, size_t from,
		     size_t to, size_t *a, size_t *b)
{
	int64_t lo, hi;
	win_range(w, k, &lo, &hi);
	*a = time_search(times, from, to, lo, 0);
	*b = time_search(times, *a, to, hi, 1);
}

int agg_windows_cover(const agg_windows_t *w, int64_t lo, int64_t hi, uint64_t *k0,
		      uint64_t *k1)
{
	*k0 = first_k(w, 1, lo, 0);       /* windows meeting [lo, hi]: hi_k >= lo ... */
	*k1 = first_k(w, 0, hi, 1);       /* ... and lo_k <= hi */
	if (*k1 <= *k0) {
		*k1 = *k0;
		return 1;
	}
	int64_t l0, h0, l1, h1;
	win_range(w, *k0, &l0, &h0);
	win_range(w, *k1 - 1, &l1, &h1);
	/* bounds grow with k: the first window has the smallest hi, the last
	 * the largest lo */
	return h0 >= hi && l1 <= lo;
}
