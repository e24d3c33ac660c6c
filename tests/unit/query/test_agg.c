/*
 * Unit tests for src/query/agg*.c: every aggregate against a brute-force
 * model on random data (nulls, every type each aggregate accepts), row
 * updates vs storage summaries built from the same rows, merge = union
 * (disjoint halves of one series, and two series as GROUP BY LEVEL does),
 * IoTDB's type rules and messages; GROUP BY windows against brute-force
 * enumeration (left-open, sliding, gaps, calendar months in a DST zone);
 * FILL methods, bounds, the constant type table, the old per-type form and
 * its errors, the single time-point form with the seed's example.
 *
 * Floating results are compared exactly where the library and the model
 * add in the same order (row-by-row SUM/AVG), and with a relative
 * tolerance of 1e-9 where the order differs: the variance family (the
 * model uses two passes, the library Welford's running form), and SUM/AVG
 * once summaries or merges regroup the additions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "query/agg.h"

/*---------------------------------------------------------------------------
 * Random data
 *---------------------------------------------------------------------------*/

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t rnd_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd() % n);
}

static const char *const words[] = {"", "a", "b", "ab", "ba", "abc", "b\xff", "zz"};

typedef struct tcol {
	tsfile_type_t type;
	void *v;
	uint8_t *nu;
} tcol_t;

static const tsfile_type_t all_types[] = {
	TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT, TSFILE_DOUBLE,
	TSFILE_TEXT, TSFILE_STRING, TSFILE_BLOB, TSFILE_DATE, TSFILE_TIMESTAMP,
};

static int cls_of(tsfile_type_t t)
{
	if (t == TSFILE_FLOAT || t == TSFILE_DOUBLE)
		return 1;
	if (t == TSFILE_TEXT || t == TSFILE_STRING || t == TSFILE_BLOB)
		return 2;
	return 0;
}

/* Fill row r of c with a random value (small domains make ties and
 * repeats; wide ones exercise magnitudes). */
static void rand_value(tcol_t *c, size_t r, int wide)
{
	switch (c->type) {
	case TSFILE_BOOLEAN: ((uint8_t *)c->v)[r] = rnd() & 1; break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		((int32_t *)c->v)[r] = wide ? (int32_t)rnd() : (int32_t)rnd_below(11) - 5;
		break;
	case TSFILE_FLOAT:
		((float *)c->v)[r] = wide ? (float)((int64_t)rnd_below(2000001) - 1000000) / 8.0f
					  : (float)((int)rnd_below(9) - 4) / 4.0f;
		break;
	case TSFILE_DOUBLE:
		((double *)c->v)[r] = wide ? ((double)(int64_t)rnd() / 1e9)
					   : (double)((int)rnd_below(9) - 4) / 2.0;
		break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: {
		const char *w = words[rnd_below(LR_ARRAY_LEN(words))];
		tsfile_bytes_t *b = &((tsfile_bytes_t *)c->v)[r];
		b->ptr = w;
		b->len = (uint32_t)strlen(w);
		break;
	}
	default:
		((int64_t *)c->v)[r] = wide ? (int64_t)(rnd() >> 12) - (1ll << 50)
					    : (int64_t)rnd_below(11) - 5;
		break;
	}
}

static void col_alloc(tcol_t *c, tsfile_type_t type, size_t n)
{
	c->type = type;
	c->v = mem_calloc(n ? n : 1, 16);
	c->nu = mem_calloc(n ? n : 1, 1);
	assert_non_null(c->v);
	assert_non_null(c->nu);
}

static void col_free(tcol_t *c)
{
	mem_free(c->v);
	mem_free(c->nu);
}

/* Random column rows [from, to): null with probability null_pct %. */
static void col_fill(tcol_t *c, size_t from, size_t to, int null_pct, int wide)
{
	for (size_t r = from; r < to; r++) {
		c->nu[r] = (int)rnd_below(100) < null_pct;
		rand_value(c, r, wide);
	}
}

/* Strictly ascending random times into t[from, to) starting after base. */
static void times_fill(int64_t *t, size_t from, size_t to, int64_t base)
{
	for (size_t r = from; r < to; r++) {
		base += 1 + (int64_t)rnd_below(5);
		t[r] = base;
	}
}

/*---------------------------------------------------------------------------
 * Model values
 *---------------------------------------------------------------------------*/

static double num(const tcol_t *c, size_t r)
{
	switch (c->type) {
	case TSFILE_BOOLEAN: return ((uint8_t *)c->v)[r];
	case TSFILE_INT32:
	case TSFILE_DATE: return ((int32_t *)c->v)[r];
	case TSFILE_FLOAT: return ((float *)c->v)[r];
	case TSFILE_DOUBLE: return ((double *)c->v)[r];
	default: return (double)((int64_t *)c->v)[r];
	}
}

static int64_t inum(const tcol_t *c, size_t r)
{
	switch (c->type) {
	case TSFILE_BOOLEAN: return ((uint8_t *)c->v)[r];
	case TSFILE_INT32:
	case TSFILE_DATE: return ((int32_t *)c->v)[r];
	default: return ((int64_t *)c->v)[r];
	}
}

static const tsfile_bytes_t *bytes_at(const tcol_t *c, size_t r)
{
	return &((const tsfile_bytes_t *)c->v)[r];
}

static int cmp_bytes(const tsfile_bytes_t *a, const tsfile_bytes_t *b)
{
	uint32_t n = a->len < b->len ? a->len : b->len;
	for (uint32_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a->ptr[i], y = (unsigned char)b->ptr[i];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->len < b->len ? -1 : a->len > b->len;
}

static int cmp_rows(const tcol_t *c, size_t a, size_t b)
{
	switch (cls_of(c->type)) {
	case 0: return inum(c, a) < inum(c, b) ? -1 : inum(c, a) > inum(c, b);
	case 1: return num(c, a) < num(c, b) ? -1 : num(c, a) > num(c, b);
	default: return cmp_bytes(bytes_at(c, a), bytes_at(c, b));
	}
}

static int same_value(const tcol_t *c, size_t a, size_t b)
{
	if (cls_of(c->type) == 1) {
		double x = num(c, a), y = num(c, b);
		return memcmp(&x, &y, sizeof x) == 0;
	}
	return cmp_rows(c, a, b) == 0;
}

static void value_at(const tcol_t *c, size_t r, tsfile_value_t *out)
{
	memset(out, 0, sizeof *out);
	out->type = c->type;
	switch (c->type) {
	case TSFILE_BOOLEAN: out->v.b = ((uint8_t *)c->v)[r]; break;
	case TSFILE_INT32:
	case TSFILE_DATE: out->v.i32 = ((int32_t *)c->v)[r]; break;
	case TSFILE_FLOAT: out->v.f = ((float *)c->v)[r]; break;
	case TSFILE_DOUBLE: out->v.d = ((double *)c->v)[r]; break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: out->v.bytes = *bytes_at(c, r); break;
	default: out->v.i64 = ((int64_t *)c->v)[r]; break;
	}
}

static void set_i64(tsfile_value_t *o, int64_t v)
{
	o->type = TSFILE_INT64;
	o->is_null = 0;
	o->v.i64 = v;
}

static void set_f64(tsfile_value_t *o, double v)
{
	o->type = TSFILE_DOUBLE;
	o->is_null = 0;
	o->v.d = v;
}

static int keep_holds(const agg_fn_t *f, int64_t len)
{
	switch (f->keep_op) {
	case AST_OP_EQ: return len == f->keep;
	case AST_OP_NE: return len != f->keep;
	case AST_OP_LT: return len < f->keep;
	case AST_OP_LE: return len <= f->keep;
	case AST_OP_GT: return len > f->keep;
	default: return len >= f->keep;
	}
}

/* The rows of a model: indices into the columns, in time order (ties in
 * the order given: the "dst" series first). */
typedef struct mrows {
	const int64_t *t;
	const tcol_t *x, *y;
	const size_t *ord;
	size_t n;
} mrows_t;

static void model_count_if(const agg_fn_t *f, const mrows_t *m, tsfile_value_t *out)
{
	int64_t runs = 0, len = 0;
	for (size_t k = 0; k <= m->n; k++) {
		size_t r = k < m->n ? m->ord[k] : 0;
		int end = k == m->n;
		if (!end && m->x->nu[r] && f->ignore_null)
			continue;
		if (!end && !m->x->nu[r] && ((uint8_t *)m->x->v)[r]) {
			len++;
			continue;
		}
		if (len > 0 && keep_holds(f, len))
			runs++;
		len = 0;
	}
	set_i64(out, runs);
}

/* MODE: count per distinct value in first-seen order; the largest count,
 * ties to the earliest first time, then to the first seen. */
static void model_mode(const mrows_t *m, tsfile_value_t *out)
{
	size_t best = SIZE_MAX;
	size_t best_count = 0;
	int64_t best_time = 0;
	for (size_t k = 0; k < m->n; k++) {
		size_t r = m->ord[k];
		if (m->x->nu[r])
			continue;
		int seen = 0;
		size_t cnt = 0;
		int64_t first = INT64_MAX;
		for (size_t j = 0; j < m->n; j++) {
			size_t q = m->ord[j];
			if (m->x->nu[q] || !same_value(m->x, r, q))
				continue;
			if (j < k)
				seen = 1;
			cnt++;
			if (m->t[q] < first)
				first = m->t[q];
		}
		if (seen)
			continue;
		if (best == SIZE_MAX || cnt > best_count ||
		    (cnt == best_count && first < best_time)) {
			best = r;
			best_count = cnt;
			best_time = first;
		}
	}
	if (best != SIZE_MAX)
		value_at(m->x, best, out);
}

static void model_by(const agg_fn_t *f, const mrows_t *m, tsfile_value_t *out)
{
	size_t best = SIZE_MAX;
	for (size_t k = 0; k < m->n; k++) {
		size_t r = m->ord[k];
		if (m->y->nu[r])
			continue;
		if (best == SIZE_MAX) {          /* the first candidate always counts */
			best = r;
			continue;
		}
		int c = cmp_rows(m->y, r, best);
		if (f->kind == AGG_MIN_BY)
			c = -c;
		if (c > 0 || (c == 0 && m->t[r] < m->t[best]))
			best = r;
	}
	if (best != SIZE_MAX && !m->x->nu[best])
		value_at(m->x, best, out);
}

static void model_variance(agg_kind_t k, const mrows_t *m, tsfile_value_t *out)
{
	double s = 0;
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (!m->x->nu[m->ord[i]]) {
			s += num(m->x, m->ord[i]);
			n++;
		}
	}
	int samp = k == AGG_STDDEV || k == AGG_STDDEV_SAMP || k == AGG_VARIANCE ||
		   k == AGG_VAR_SAMP;
	if (n < (samp ? 2u : 1u))
		return;
	double mean = s / (double)n, ss = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (!m->x->nu[m->ord[i]]) {
			double d = num(m->x, m->ord[i]) - mean;
			ss += d * d;
		}
	}
	double var = ss / (double)(samp ? n - 1 : n);
	int root = k == AGG_STDDEV || k == AGG_STDDEV_SAMP || k == AGG_STDDEV_POP;
	set_f64(out, root ? sqrt(var) : var);
}

/* The selector kinds: the winning row by a scan. */
static size_t model_select(const agg_fn_t *f, const mrows_t *m)
{
	size_t best = SIZE_MAX;
	for (size_t k = 0; k < m->n; k++) {
		size_t r = m->ord[k];
		if (m->x->nu[r])
			continue;
		if (best == SIZE_MAX) {
			best = r;
			continue;
		}
		int take;
		switch (f->kind) {
		case AGG_MAX_VALUE: take = cmp_rows(m->x, r, best) > 0; break;
		case AGG_MIN_VALUE: take = cmp_rows(m->x, r, best) < 0; break;
		case AGG_FIRST_VALUE: take = m->t[r] < m->t[best]; break;
		case AGG_LAST_VALUE: take = m->t[r] > m->t[best]; break;
		default: {                        /* EXTREME */
			double a = fabs(num(m->x, r)), b = fabs(num(m->x, best));
			if (cls_of(m->x->type) == 0) {
				int64_t x = inum(m->x, r), y = inum(m->x, best);
				uint64_t ux = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
				uint64_t uy = y < 0 ? 0 - (uint64_t)y : (uint64_t)y;
				take = ux > uy || (ux == uy && x > y);
			} else {
				take = a > b || (a == b && num(m->x, r) > num(m->x, best));
			}
		}
		}
		if (take)
			best = r;
	}
	return best;
}

static void model(const agg_fn_t *f, const mrows_t *m, tsfile_value_t *out)
{
	memset(out, 0, sizeof *out);
	out->type = f->out_type;
	out->is_null = 1;
	int64_t cnt = 0, tmin = INT64_MAX, tmax = INT64_MIN;
	double sum = 0;
	for (size_t k = 0; k < m->n; k++) {
		size_t r = m->ord[k];
		if (m->x->nu[r])
			continue;
		cnt++;
		if (f->kind == AGG_SUM || f->kind == AGG_AVG)
			sum += num(m->x, r);
		tmin = m->t[r] < tmin ? m->t[r] : tmin;
		tmax = m->t[r] > tmax ? m->t[r] : tmax;
	}
	switch (f->kind) {
	case AGG_COUNT: set_i64(out, cnt); return;
	case AGG_COUNT_TIME: set_i64(out, (int64_t)m->n); return;
	case AGG_SUM: if (cnt) set_f64(out, sum); return;
	case AGG_AVG: if (cnt) set_f64(out, sum / (double)cnt); return;
	case AGG_MAX_TIME: if (cnt) set_i64(out, tmax); return;
	case AGG_MIN_TIME: if (cnt) set_i64(out, tmin); return;
	case AGG_TIME_DURATION: if (cnt) set_i64(out, tmax - tmin); return;
	case AGG_COUNT_IF: model_count_if(f, m, out); return;
	case AGG_MODE: model_mode(m, out); return;
	case AGG_MAX_BY:
	case AGG_MIN_BY: model_by(f, m, out); return;
	case AGG_STDDEV: case AGG_STDDEV_POP: case AGG_STDDEV_SAMP:
	case AGG_VARIANCE: case AGG_VAR_POP: case AGG_VAR_SAMP:
		model_variance(f->kind, m, out);
		return;
	default: {
		size_t r = model_select(f, m);
		if (r != SIZE_MAX)
			value_at(m->x, r, out);
	}
	}
}

static int tolerant_kind(agg_kind_t k)
{
	return k >= AGG_STDDEV && k <= AGG_VAR_SAMP;
}

static void check_value(const tsfile_value_t *want, const tsfile_value_t *got, int tol,
			const char *what)
{
	if (want->is_null != got->is_null || want->type != got->type)
		fail_msg("%s: null/type %d/%d vs %d/%d", what, want->is_null, want->type,
			 got->is_null, got->type);
	if (want->is_null)
		return;
	switch (want->type) {
	case TSFILE_BOOLEAN: assert_int_equal(want->v.b, got->v.b); break;
	case TSFILE_INT32:
	case TSFILE_DATE: assert_int_equal(want->v.i32, got->v.i32); break;
	case TSFILE_FLOAT: assert_true(want->v.f == got->v.f); break;
	case TSFILE_DOUBLE:
		if (tol) {
			double d = fabs(want->v.d - got->v.d);
			if (d > 1e-9 * fmax(1.0, fabs(want->v.d)))
				fail_msg("%s: %.17g vs %.17g", what, want->v.d, got->v.d);
		} else if (!(want->v.d == got->v.d)) {
			fail_msg("%s: %.17g vs %.17g (exact)", what, want->v.d, got->v.d);
		}
		break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB:
		assert_int_equal(want->v.bytes.len, got->v.bytes.len);
		if (want->v.bytes.len)
			assert_memory_equal(want->v.bytes.ptr, got->v.bytes.ptr, want->v.bytes.len);
		break;
	default:
		if (want->v.i64 != got->v.i64)
			fail_msg("%s: %lld vs %lld", what, (long long)want->v.i64,
				 (long long)got->v.i64);
		break;
	}
}

/*---------------------------------------------------------------------------
 * Resolution rules (IoTDB's TypeInferenceUtils)
 *---------------------------------------------------------------------------*/

static int numeric(tsfile_type_t t)
{
	return t == TSFILE_INT32 || t == TSFILE_INT64 || t == TSFILE_FLOAT || t == TSFILE_DOUBLE;
}

static int allowed(agg_kind_t k, tsfile_type_t x, tsfile_type_t y)
{
	switch (k) {
	case AGG_SUM: case AGG_AVG: case AGG_EXTREME:
	case AGG_STDDEV: case AGG_STDDEV_POP: case AGG_STDDEV_SAMP:
	case AGG_VARIANCE: case AGG_VAR_POP: case AGG_VAR_SAMP:
		return numeric(x);
	case AGG_MAX_VALUE: case AGG_MIN_VALUE:
		return numeric(x) || x == TSFILE_STRING || x == TSFILE_DATE || x == TSFILE_TIMESTAMP;
	case AGG_COUNT_IF:
		return x == TSFILE_BOOLEAN;
	case AGG_MAX_BY: case AGG_MIN_BY:
		return y != TSFILE_TEXT && y != TSFILE_BLOB && y != TSFILE_BOOLEAN;
	default:
		return 1;
	}
}

static tsfile_type_t expected_out(agg_kind_t k, tsfile_type_t x)
{
	switch (k) {
	case AGG_COUNT: case AGG_COUNT_TIME: case AGG_COUNT_IF: case AGG_MAX_TIME:
	case AGG_MIN_TIME: case AGG_TIME_DURATION:
		return TSFILE_INT64;
	case AGG_SUM: case AGG_AVG: case AGG_STDDEV: case AGG_STDDEV_POP: case AGG_STDDEV_SAMP:
	case AGG_VARIANCE: case AGG_VAR_POP: case AGG_VAR_SAMP:
		return TSFILE_DOUBLE;
	default:
		return x;
	}
}

static const char *const kind_names[AGG_KIND_COUNT_] = {
	"COUNT", "sum", "Avg", "extreme", "max_value", "MIN_VALUE", "first_value",
	"last_value", "max_time", "min_time", "stddev", "stddev_pop", "stddev_samp",
	"variance", "var_pop", "var_samp", "count_if", "time_duration", "mode", "max_by",
	"min_by", "count_time",
};

/* Resolve kind over (x, y) with random COUNT_IF settings; 0 when refused
 * (then the code must be 701). */
static int resolve(agg_kind_t k, tsfile_type_t x, tsfile_type_t y, agg_fn_t *f)
{
	tsfile_type_t in[2] = {x, y};
	larch_error_t err = {0};
	ast_kv_t kv = {.key = "IGNORENULL", .value = (rnd() & 1) ? "true" : "False"};
	int rc = agg_resolve(kind_names[k], in, agg_kind_inputs(k), &kv, 1, f, &err);
	if (!allowed(k, x, y)) {
		assert_int_equal(rc, LARCH_SEMANTIC_ERROR);
		assert_int_equal(err.code, LARCH_SEMANTIC_ERROR);
		return 0;
	}
	assert_int_equal(rc, LARCH_OK);
	assert_int_equal(f->kind, k);
	assert_int_equal(f->out_type, expected_out(k, x));
	if (k == AGG_COUNT_IF) {
		assert_int_equal(f->ignore_null, strcmp(kv.value, "true") == 0);
		f->keep_op = (ast_op_t)(AST_OP_EQ + rnd_below(6));
		f->keep = (int64_t)rnd_below(4);
	}
	return 1;
}

/*---------------------------------------------------------------------------
 * Aggregates vs the model
 *---------------------------------------------------------------------------*/

/* Rows [from, to) into a state in random chunks. */
static void feed_rows(const agg_fn_t *f, void *st, const int64_t *t, const larch_column_t *in,
		      size_t from, size_t to)
{
	while (from < to) {
		size_t step = 1 + rnd_below(to - from);
		assert_int_equal(agg_update(f, st, t, in, from, from + step), LARCH_OK);
		from += step;
	}
}

/* The storage summary of the non-null rows [from, to) of c (as storage
 * builds them: min/max null for BOOLEAN, TEXT and BLOB; all values null
 * for BLOB); 0 when every row is null. */
static int make_summary(const int64_t *t, const tcol_t *c, size_t from, size_t to,
			storage_summary_t *s)
{
	memset(s, 0, sizeof *s);
	s->type = c->type;
	size_t first = SIZE_MAX, last = 0, mn = 0, mx = 0;
	for (size_t r = from; r < to; r++) {
		if (c->nu[r])
			continue;
		if (first == SIZE_MAX) {
			first = mn = mx = r;
		}
		last = r;
		s->count++;
		if (cls_of(c->type) != 2)
			s->sum += num(c, r);
		if (cmp_rows(c, r, mn) < 0)
			mn = r;
		if (cmp_rows(c, r, mx) > 0)
			mx = r;
	}
	if (first == SIZE_MAX)
		return 0;
	s->start = t[first];
	s->end = t[last];
	value_at(c, first, &s->first);
	value_at(c, last, &s->last);
	value_at(c, mn, &s->min);
	value_at(c, mx, &s->max);
	int no_minmax = c->type == TSFILE_BOOLEAN || c->type == TSFILE_TEXT ||
			c->type == TSFILE_BLOB;
	s->min.is_null = s->max.is_null = no_minmax;
	s->first.is_null = s->last.is_null = c->type == TSFILE_BLOB;
	return 1;
}

typedef struct fixture {
	size_t n;
	int64_t *t;
	tcol_t x, y;
	size_t *ord;
	larch_column_t in[2];
} fixture_t;

static void fixture_make(fixture_t *fx, size_t n, tsfile_type_t xt, tsfile_type_t yt)
{
	fx->n = n;
	fx->t = mem_calloc(n ? n : 1, sizeof *fx->t);
	fx->ord = mem_calloc(n ? n : 1, sizeof *fx->ord);
	col_alloc(&fx->x, xt, n);
	col_alloc(&fx->y, yt, n);
	int wide = rnd() & 1;
	times_fill(fx->t, 0, n, (int64_t)rnd_below(100) - 50);
	col_fill(&fx->x, 0, n, (int)rnd_below(40), wide);
	col_fill(&fx->y, 0, n, (int)rnd_below(40), wide);
	for (size_t i = 0; i < n; i++)
		fx->ord[i] = i;
	fx->in[0] = (larch_column_t){xt, fx->x.v, fx->x.nu};
	fx->in[1] = (larch_column_t){yt, fx->y.v, fx->y.nu};
}

static void fixture_free(fixture_t *fx)
{
	mem_free(fx->t);
	mem_free(fx->ord);
	col_free(&fx->x);
	col_free(&fx->y);
}

static void result_of(const agg_fn_t *f, const void *st, tsfile_value_t *v)
{
	agg_result(f, st, v);
}

/* One aggregate over one random fixture: rows; rows mixed with summaries;
 * merge of disjoint halves both ways. */
static void check_one(agg_kind_t k, tsfile_type_t xt, tsfile_type_t yt)
{
	agg_fn_t f;
	if (!resolve(k, xt, yt, &f))
		return;
	fixture_t fx;
	fixture_make(&fx, rnd_below(120), xt, yt);
	mrows_t m = {fx.t, &fx.x, &fx.y, fx.ord, fx.n};
	tsfile_value_t want, got;
	model(&f, &m, &want);
	char what[96];
	snprintf(what, sizeof what, "%s(%s, %s) n=%zu", f.name, tsfile_type_name(xt),
		 tsfile_type_name(yt), fx.n);

	size_t ssz = agg_state_size(&f);
	void *a = mem_alloc(ssz), *b = mem_alloc(ssz), *c = mem_alloc(ssz);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);

	/* rows */
	agg_init(&f, a);
	feed_rows(&f, a, fx.t, fx.in, 0, fx.n);
	result_of(&f, a, &got);
	check_value(&want, &got, tolerant_kind(k), what);
	agg_free(&f, a);

	/* rows and summaries of random segments */
	agg_init(&f, a);
	int used = 0;
	for (size_t from = 0; from < fx.n;) {
		size_t to = from + 1 + rnd_below(fx.n - from);
		storage_summary_t s;
		int has_null = 0;
		for (size_t r = from; r < to; r++)
			has_null |= fx.x.nu[r];
		/* a summary stands for a series' points: COUNT_TIME counts rows
		 * (nulls too), so it takes summaries only of rows without nulls */
		if ((rnd() & 3) != 0 && !(k == AGG_COUNT_TIME && has_null) &&
		    make_summary(fx.t, &fx.x, from, to, &s) &&
		    agg_summary_usable(&f, &s)) {
			assert_true(agg_can_use_summary(&f));
			assert_int_equal(agg_update_summary(&f, a, &s), LARCH_OK);
			used = 1;
		} else {
			feed_rows(&f, a, fx.t, fx.in, from, to);
		}
		from = to;
	}
	result_of(&f, a, &got);
	check_value(&want, &got, tolerant_kind(k) || (used && (k == AGG_SUM || k == AGG_AVG)),
		    what);
	agg_free(&f, a);

	/* merge of [0, h) and [h, n) both ways */
	size_t h = rnd_below(fx.n + 1);
	agg_init(&f, a);
	agg_init(&f, b);
	agg_init(&f, c);
	feed_rows(&f, a, fx.t, fx.in, 0, h);
	feed_rows(&f, b, fx.t, fx.in, h, fx.n);
	if (k == AGG_COUNT_IF) {      /* runs do not join across states */
		tsfile_value_t w1, w2;
		mrows_t m1 = {fx.t, &fx.x, &fx.y, fx.ord, h};
		mrows_t m2 = {fx.t, &fx.x, &fx.y, fx.ord + h, fx.n - h};
		model(&f, &m1, &w1);
		model(&f, &m2, &w2);
		want.v.i64 = w1.v.i64 + w2.v.i64;
	}
	int tol = tolerant_kind(k) || k == AGG_SUM || k == AGG_AVG;
	assert_int_equal(agg_merge(&f, c, b), LARCH_OK);
	assert_int_equal(agg_merge(&f, c, a), LARCH_OK);
	assert_int_equal(agg_merge(&f, a, b), LARCH_OK);
	result_of(&f, a, &got);
	check_value(&want, &got, tol, what);
	result_of(&f, c, &got);
	check_value(&want, &got, tol, what);
	agg_free(&f, a);
	agg_free(&f, b);
	agg_free(&f, c);
	mem_free(a);
	mem_free(b);
	mem_free(c);
	fixture_free(&fx);
}

static void test_aggregates_vs_model(void **state)
{
	(void)state;
	size_t before = mem_used();
	for (int round = 0; round < 40; round++) {
		for (int k = 0; k < AGG_KIND_COUNT_; k++) {
			for (size_t i = 0; i < LR_ARRAY_LEN(all_types); i++) {
				tsfile_type_t y = all_types[rnd_below(LR_ARRAY_LEN(all_types))];
				check_one((agg_kind_t)k, all_types[i], y);
			}
		}
	}
	assert_int_equal(mem_used(), before);
}

/* Two series with overlapping times merged as GROUP BY LEVEL does: the
 * union in time order, ties to the first series. */
static void check_union(agg_kind_t k, tsfile_type_t xt, tsfile_type_t yt)
{
	agg_fn_t f;
	if (!resolve(k, xt, yt, &f))
		return;
	size_t n1 = rnd_below(60), n2 = rnd_below(60), n = n1 + n2;
	fixture_t fx;
	fixture_make(&fx, n, xt, yt);
	times_fill(fx.t, n1, n, (int64_t)rnd_below(100) - 50);   /* series 2 restarts */
	/* stable merge of the two ascending runs */
	size_t i = 0, j = n1, o = 0;
	while (i < n1 || j < n)
		fx.ord[o++] = (j == n || (i < n1 && fx.t[i] <= fx.t[j])) ? i++ : j++;
	mrows_t m = {fx.t, &fx.x, &fx.y, fx.ord, n};
	tsfile_value_t want, got;
	model(&f, &m, &want);
	if (k == AGG_COUNT_IF) {
		size_t o1[64], o2[64];
		for (size_t q = 0; q < n1; q++)
			o1[q] = q;
		for (size_t q = 0; q < n2; q++)
			o2[q] = n1 + q;
		tsfile_value_t w1, w2;
		mrows_t m1 = {fx.t, &fx.x, &fx.y, o1, n1}, m2 = {fx.t, &fx.x, &fx.y, o2, n2};
		model(&f, &m1, &w1);
		model(&f, &m2, &w2);
		want.v.i64 = w1.v.i64 + w2.v.i64;
	}
	void *a = mem_alloc(agg_state_size(&f)), *b = mem_alloc(agg_state_size(&f));
	agg_init(&f, a);
	agg_init(&f, b);
	feed_rows(&f, a, fx.t, fx.in, 0, n1);
	feed_rows(&f, b, fx.t, fx.in, n1, n);
	assert_int_equal(agg_merge(&f, a, b), LARCH_OK);
	result_of(&f, a, &got);
	char what[96];
	snprintf(what, sizeof what, "union %s(%s)", f.name, tsfile_type_name(xt));
	check_value(&want, &got, tolerant_kind(k) || k == AGG_SUM || k == AGG_AVG, what);
	agg_free(&f, a);
	agg_free(&f, b);
	mem_free(a);
	mem_free(b);
	fixture_free(&fx);
}

static void test_merge_two_series(void **state)
{
	(void)state;
	size_t before = mem_used();
	for (int round = 0; round < 30; round++)
		for (int k = 0; k < AGG_KIND_COUNT_; k++)
			for (size_t i = 0; i < LR_ARRAY_LEN(all_types); i++)
				check_union((agg_kind_t)k, all_types[i],
					    all_types[rnd_below(LR_ARRAY_LEN(all_types))]);
	assert_int_equal(mem_used(), before);
}

/*---------------------------------------------------------------------------
 * Fixed cases: IoTDB's examples, rules and messages
 *---------------------------------------------------------------------------*/

static void expect_error(const char *name, tsfile_type_t t, const char *msg_part)
{
	agg_fn_t f;
	larch_error_t err = {0};
	tsfile_type_t in[2] = {t, t};
	agg_kind_t k;
	size_t n = agg_lookup(name, &k) ? agg_kind_inputs(k) : 1;
	assert_int_equal(agg_resolve(name, in, n, NULL, 0, &f, &err), LARCH_SEMANTIC_ERROR);
	if (strstr(err.msg, msg_part) == NULL)
		fail_msg("'%s' lacks '%s'", err.msg, msg_part);
}

static void test_resolve_errors(void **state)
{
	(void)state;
	expect_error("sum", TSFILE_TEXT,
		     "Aggregate functions [AVG, SUM, EXTREME, STDDEV, STDDEV_POP, STDDEV_SAMP, "
		     "VARIANCE, VAR_POP, VAR_SAMP] only support numeric data types [INT32, INT64, "
		     "FLOAT, DOUBLE]");
	expect_error("avg", TSFILE_BOOLEAN, "only support numeric data types");
	expect_error("STDDEV", TSFILE_TIMESTAMP, "only support numeric data types");
	expect_error("max_value", TSFILE_BOOLEAN,
		     "Aggregate functions [MIN_VALUE, MAX_VALUE] only support data types [INT32, "
		     "INT64, FLOAT, DOUBLE, STRING, DATE, TIMESTAMP]");
	expect_error("min_value", TSFILE_TEXT, "[MIN_VALUE, MAX_VALUE]");
	expect_error("count_if", TSFILE_INT32,
		     "Input series of Aggregation function [count_if] only supports data type "
		     "[BOOLEAN]");
	expect_error("max_by", TSFILE_TEXT, "Unsupported data type in MaxBy/MinBy: TEXT");
	expect_error("median", TSFILE_INT32, "Invalid Aggregation function: median");

	agg_fn_t f;
	larch_error_t err = {0};
	tsfile_type_t in[2] = {TSFILE_INT32, TSFILE_INT32};
	assert_int_equal(agg_resolve("count", in, 2, NULL, 0, &f, &err), LARCH_SEMANTIC_ERROR);
	assert_int_equal(agg_resolve("max_by", in, 1, NULL, 0, &f, &err), LARCH_SEMANTIC_ERROR);
	assert_int_equal(agg_resolve("MAX_BY", in, 2, NULL, 0, &f, &err), LARCH_OK);
	assert_string_equal(f.name, "max_by");
	agg_kind_t k;
	assert_false(agg_lookup("counts", &k));
	assert_true(agg_lookup("Count_If", &k));
	assert_int_equal(k, AGG_COUNT_IF);
}

static ast_expr_t int_expr(int64_t v)
{
	ast_expr_t e;
	memset(&e, 0, sizeof e);
	e.kind = AST_E_INT;
	e.ival = v;
	return e;
}

static void test_count_if_keep(void **state)
{
	(void)state;
	agg_fn_t f;
	larch_error_t err = {0};
	tsfile_type_t b = TSFILE_BOOLEAN;
	ast_kv_t kv = {.key = "ignoreNull", .value = "false"};
	assert_int_equal(agg_resolve("count_if", &b, 1, &kv, 1, &f, &err), LARCH_OK);
	assert_int_equal(f.ignore_null, 0);

	ast_expr_t three = int_expr(3);
	assert_int_equal(agg_set_keep(&f, &three, &err), LARCH_OK);
	assert_int_equal(f.keep_op, AST_OP_GE);
	assert_int_equal(f.keep, 3);

	char *node = "KEEP";
	uint8_t quoted = 0;
	ast_path_t p = {.nodes = &node, .quoted = &quoted, .n = 1, .text = "KEEP"};
	ast_expr_t path;
	memset(&path, 0, sizeof path);
	path.kind = AST_E_PATH;
	path.path = &p;
	ast_expr_t two = int_expr(2);
	ast_expr_t cmp;
	memset(&cmp, 0, sizeof cmp);
	cmp.kind = AST_E_BINARY;
	cmp.op = AST_OP_LT;
	cmp.a = &path;
	cmp.b = &two;
	assert_int_equal(agg_set_keep(&f, &cmp, &err), LARCH_OK);
	assert_int_equal(f.keep_op, AST_OP_LT);
	assert_int_equal(f.keep, 2);

	cmp.a = &two;                    /* 2 < 2: not keep OP n */
	assert_int_equal(agg_set_keep(&f, &cmp, &err), LARCH_SEMANTIC_ERROR);
	assert_non_null(strstr(err.msg, "Please check input keep condition of Aggregation "
					"function [count_if]"));
	cmp.op = AST_OP_ADD;
	assert_int_equal(agg_set_keep(&f, &cmp, &err), LARCH_SEMANTIC_ERROR);
	assert_non_null(strstr(err.msg, "need to be constant or compare expression"));

	/* runs of T: TT n T F TTT n(ignoreNull false ends a run) T; keep < 2 */
	uint8_t v[] = {1, 1, 0, 1, 0, 1, 1, 1, 0, 1};
	uint8_t nu[] = {0, 0, 1, 0, 0, 0, 0, 0, 1, 0};
	int64_t t[10];
	for (int i = 0; i < 10; i++)
		t[i] = i;
	larch_column_t c = {TSFILE_BOOLEAN, v, nu};
	agg_fn_t g = f;                  /* keep < 2 */
	char st[512];
	assert_true(agg_state_size(&g) <= sizeof st);
	agg_init(&g, st);
	assert_int_equal(agg_update(&g, st, t, &c, 0, 10), LARCH_OK);
	tsfile_value_t r;
	agg_result(&g, st, &r);
	/* ignoreNull false: runs 2,1,3,1 -> two runs of length < 2 */
	assert_int_equal(r.v.i64, 2);
	g.ignore_null = 1;               /* nulls skipped: runs 3 (TT_T), 4 (TTT_T) */
	g.keep_op = AST_OP_GE;
	g.keep = 3;
	agg_init(&g, st);
	assert_int_equal(agg_update(&g, st, t, &c, 0, 10), LARCH_OK);
	agg_result(&g, st, &r);
	assert_int_equal(r.v.i64, 2);
	g.keep = 4;
	agg_init(&g, st);
	assert_int_equal(agg_update(&g, st, t, &c, 0, 5), LARCH_OK);
	assert_int_equal(agg_update(&g, st, t, &c, 5, 10), LARCH_OK);
	agg_result(&g, st, &r);
	assert_int_equal(r.v.i64, 1);
	agg_init(&g, st);                /* no input: 0, not null */
	agg_result(&g, st, &r);
	assert_false(r.is_null);
	assert_int_equal(r.v.i64, 0);
}

static void test_empty_results(void **state)
{
	(void)state;
	for (int k = 0; k < AGG_KIND_COUNT_; k++) {
		tsfile_type_t in[2] = {k == AGG_COUNT_IF ? TSFILE_BOOLEAN : TSFILE_DOUBLE,
				       TSFILE_DOUBLE};
		agg_fn_t f;
		assert_int_equal(agg_resolve(kind_names[k], in, agg_kind_inputs((agg_kind_t)k),
					     NULL, 0, &f, NULL), LARCH_OK);
		char st[512];
		agg_init(&f, st);
		tsfile_value_t r;
		agg_result(&f, st, &r);
		int counts = k == AGG_COUNT || k == AGG_COUNT_IF || k == AGG_COUNT_TIME;
		assert_int_equal(r.is_null, !counts);
		if (counts)
			assert_int_equal(r.v.i64, 0);
	}
}

/* Samples with one value: STDDEV/VARIANCE (sample) are null, POP are 0. */
static void test_variance_small(void **state)
{
	(void)state;
	double v[] = {4.0, 7.0};
	int64_t t[] = {1, 2};
	larch_column_t c = {TSFILE_DOUBLE, v, NULL};
	tsfile_type_t d = TSFILE_DOUBLE;
	struct { const char *name; int null1; double v2; } cases[] = {
		{"stddev", 1, sqrt(4.5)}, {"stddev_samp", 1, sqrt(4.5)}, {"stddev_pop", 0, 1.5},
		{"variance", 1, 4.5}, {"var_samp", 1, 4.5}, {"var_pop", 0, 2.25},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		agg_fn_t f;
		char st[512];
		tsfile_value_t r;
		assert_int_equal(agg_resolve(cases[i].name, &d, 1, NULL, 0, &f, NULL), LARCH_OK);
		agg_init(&f, st);
		agg_update(&f, st, t, &c, 0, 1);
		agg_result(&f, st, &r);
		assert_int_equal(r.is_null, cases[i].null1);
		agg_update(&f, st, t, &c, 1, 2);
		agg_result(&f, st, &r);
		assert_false(r.is_null);
		assert_true(fabs(r.v.d - cases[i].v2) < 1e-12);
	}
}

/* EXTREME: the largest magnitude, ties to the positive value; INT64_MIN is
 * the largest magnitude of all. */
static void test_extreme_edges(void **state)
{
	(void)state;
	int64_t v[] = {5, -7, 7, -3, INT64_MIN, 9};
	int64_t t[] = {1, 2, 3, 4, 5, 6};
	larch_column_t c = {TSFILE_INT64, v, NULL};
	tsfile_type_t ty = TSFILE_INT64;
	agg_fn_t f;
	char st[512];
	tsfile_value_t r;
	assert_int_equal(agg_resolve("extreme", &ty, 1, NULL, 0, &f, NULL), LARCH_OK);
	agg_init(&f, st);
	agg_update(&f, st, t, &c, 0, 4);
	agg_result(&f, st, &r);
	assert_int_equal(r.v.i64, 7);
	agg_update(&f, st, t, &c, 4, 6);
	agg_result(&f, st, &r);
	assert_int_equal(r.v.i64, INT64_MIN);
}

/* MAX_BY / MIN_BY on fixed rows: x at the largest / smallest y, the first
 * row of y's extreme winning ties, and the first candidate of a state
 * (y smallest in the very first row) counted for MIN_BY too. */
static void test_max_min_by_fixed(void **state)
{
	(void)state;
	double x[] = {1.5, 2.5, 3.5, 4.5, 5.5};
	int64_t y[] = {4, 9, 7, 2, 9};
	int64_t t[] = {1, 2, 3, 4, 5};
	larch_column_t in[2] = {{TSFILE_DOUBLE, x, NULL}, {TSFILE_INT64, y, NULL}};
	tsfile_type_t ty[2] = {TSFILE_DOUBLE, TSFILE_INT64};
	struct { const char *name; size_t from, to, split; double want; } cases[] = {
		{"min_by", 0, 5, 5, 4.5},   /* y = 2 at t = 4 */
		{"min_by", 0, 3, 3, 1.5},   /* the first row holds the minimum */
		{"min_by", 0, 1, 1, 1.5},   /* a single row */
		{"min_by", 0, 5, 1, 4.5},   /* the first row alone, then the rest */
		{"max_by", 0, 5, 5, 2.5},   /* y = 9 twice: the earlier row */
		{"max_by", 0, 5, 2, 2.5},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		agg_fn_t f;
		char st[512];
		tsfile_value_t r;
		assert_int_equal(agg_resolve(cases[i].name, ty, 2, NULL, 0, &f, NULL), LARCH_OK);
		agg_init(&f, st);
		assert_int_equal(agg_update(&f, st, t, in, cases[i].from, cases[i].split), LARCH_OK);
		assert_int_equal(agg_update(&f, st, t, in, cases[i].split, cases[i].to), LARCH_OK);
		agg_result(&f, st, &r);
		if (r.is_null)
			fail_msg("case %zu %s: null", i, cases[i].name);
		assert_true(r.v.d == cases[i].want);
		agg_free(&f, st);
	}
}

static void test_mode_limit(void **state)
{
	(void)state;
	size_t before = mem_used();
	size_t n = AGG_MODE_MAX_DISTINCT + 1;
	int64_t *v = mem_alloc(n * sizeof *v), *t = mem_alloc(n * sizeof *t);
	for (size_t i = 0; i < n; i++) {
		v[i] = (int64_t)i;
		t[i] = (int64_t)i;
	}
	larch_column_t c = {TSFILE_INT64, v, NULL};
	tsfile_type_t ty = TSFILE_INT64;
	agg_fn_t f;
	char st[512];
	assert_int_equal(agg_resolve("mode", &ty, 1, NULL, 0, &f, NULL), LARCH_OK);
	assert_true(agg_needs_free(&f));
	agg_init(&f, st);
	assert_int_equal(agg_update(&f, st, t, &c, 0, n - 1), LARCH_OK);
	assert_int_equal(agg_update(&f, st, t, &c, n - 1, n), LARCH_EXECUTE_ERROR);
	agg_free(&f, st);
	mem_free(v);
	mem_free(t);
	assert_int_equal(mem_used(), before);
}

/* Allocation failure while copying a byte string is reported, not fatal. */
static void test_text_oom(void **state)
{
	(void)state;
	tsfile_bytes_t v[] = {{"hello", 5}, {"world", 5}};
	int64_t t[] = {1, 2};
	larch_column_t c = {TSFILE_TEXT, v, NULL};
	tsfile_type_t ty = TSFILE_TEXT;
	agg_fn_t f;
	char st[512];
	assert_int_equal(agg_resolve("last_value", &ty, 1, NULL, 0, &f, NULL), LARCH_OK);
	agg_init(&f, st);
	mem_fail_after(0);
	assert_int_equal(agg_update(&f, st, t, &c, 0, 2), LARCH_NO_MEMORY);
	mem_fail_after(-1);
	assert_int_equal(agg_update(&f, st, t, &c, 0, 2), LARCH_OK);
	tsfile_value_t r;
	agg_result(&f, st, &r);
	assert_int_equal(r.v.bytes.len, 5);
	assert_memory_equal(r.v.bytes.ptr, "world", 5);
	agg_free(&f, st);
}

/*---------------------------------------------------------------------------
 * Windows
 *---------------------------------------------------------------------------*/

typedef struct bw {
	int64_t lo[512], hi[512], out[512];
	size_t n;
} bw_t;

/* Brute-force windows without months. */
static void brute_windows(int64_t start, int64_t end, int64_t iv, int64_t st, int left_open,
			  bw_t *b)
{
	b->n = 0;
	for (int64_t s = start; s < end; s += st) {
		int64_t e = s + iv < end ? s + iv : end;
		b->lo[b->n] = left_open ? s + 1 : s;
		b->hi[b->n] = left_open ? e : e - 1;
		b->out[b->n] = left_open ? e : s;
		b->n++;
	}
}

static void test_windows_vs_brute_force(void **state)
{
	(void)state;
	static bw_t b;
	for (int round = 0; round < 3000; round++) {
		int64_t start = (int64_t)rnd_below(40) - 20;
		int64_t end = start + 1 + (int64_t)rnd_below(60);
		agg_duration_t iv = {0, 1 + (int64_t)rnd_below(12)};
		agg_duration_t st = {0, 1 + (int64_t)rnd_below(12)};
		int lo_open = rnd() & 1;
		agg_windows_t w;
		assert_int_equal(agg_windows_init(&w, start, end, &iv, &st, lo_open, TIME_MS, NULL,
						  NULL), LARCH_OK);
		brute_windows(start, end, iv.units, st.units, lo_open, &b);
		assert_int_equal(w.n, b.n);
		for (size_t k = 0; k < b.n; k++) {
			int64_t lo, hi;
			agg_window_bounds(&w, k, &lo, &hi);
			assert_int_equal(lo, b.lo[k]);
			assert_int_equal(hi, b.hi[k]);
			assert_int_equal(agg_window_time(&w, k), b.out[k]);
		}
		int64_t rlo, rhi;
		agg_windows_range(&w, &rlo, &rhi);
		assert_int_equal(rlo, b.lo[0]);
		assert_int_equal(rhi, b.hi[b.n - 1]);
		/* find, first ending, cover */
		for (int64_t t = start - 3; t <= end + 3; t++) {
			uint64_t k0, k1;
			agg_windows_find(&w, t, &k0, &k1);
			size_t want0 = b.n, want1 = b.n, firstend = b.n;
			for (size_t k = 0; k < b.n; k++) {
				if (b.lo[k] <= t && t <= b.hi[k]) {
					if (want0 == b.n)
						want0 = k;
					want1 = k + 1;
				}
				if (firstend == b.n && b.hi[k] >= t)
					firstend = k;
			}
			if (want0 == b.n) {
				assert_int_equal(k0, k1);
			} else {
				assert_int_equal(k0, want0);
				assert_int_equal(k1, want1);
			}
			assert_int_equal(agg_windows_first_ending_at_or_after(&w, t), firstend);
			int64_t hi2 = t + (int64_t)rnd_below(8);
			int ok = 1;
			size_t c0 = SIZE_MAX, c1 = 0;
			for (size_t k = 0; k < b.n; k++) {
				if (b.lo[k] <= hi2 && b.hi[k] >= t) {
					ok &= b.lo[k] <= t && b.hi[k] >= hi2;
					if (c0 == SIZE_MAX)
						c0 = k;
					c1 = k + 1;
				}
			}
			int got = agg_windows_cover(&w, t, hi2, &k0, &k1);
			assert_int_equal(got, ok);
			if (ok && c0 != SIZE_MAX) {
				assert_int_equal(k0, c0);
				assert_int_equal(k1, c1);
			} else if (ok) {
				assert_int_equal(k0, k1);
			}
		}
		/* rows of a sorted time column */
		int64_t times[80];
		size_t nt = rnd_below(80);
		int64_t base = start - 5;
		for (size_t i = 0; i < nt; i++) {
			base += (int64_t)rnd_below(3);
			times[i] = base;        /* non-decreasing is enough for the search */
		}
		for (size_t k = 0; k < b.n; k++) {
			size_t a1, b1, wa = 0, wb;
			agg_window_rows(&w, k, times, 0, nt, &a1, &b1);
			while (wa < nt && times[wa] < b.lo[k])
				wa++;
			wb = wa;
			while (wb < nt && times[wb] <= b.hi[k])
				wb++;
			assert_int_equal(a1, wa);
			assert_int_equal(b1, wb);
		}
	}
}

/* The seed's examples: ((5, 40], 5ms) outputs 10, 15, ..., 40;
 * ([0, 20), 3ms) and ([0, 20), 2ms, 3ms) output 0, 3, ..., 18. */
static void test_windows_seed_examples(void **state)
{
	(void)state;
	agg_windows_t w;
	agg_duration_t five = {0, 5}, three = {0, 3}, two = {0, 2};
	assert_int_equal(agg_windows_init(&w, 5, 40, &five, &five, 1, TIME_MS, NULL, NULL),
			 LARCH_OK);
	assert_int_equal(w.n, 7);
	for (uint64_t k = 0; k < 7; k++)
		assert_int_equal(agg_window_time(&w, k), 10 + 5 * (int64_t)k);
	uint64_t k0, k1;
	agg_windows_find(&w, 5, &k0, &k1);      /* 5 is excluded */
	assert_int_equal(k0, k1);
	agg_windows_find(&w, 40, &k0, &k1);     /* 40 is included */
	assert_int_equal(k0, 6);
	assert_int_equal(k1, 7);

	assert_int_equal(agg_windows_init(&w, 0, 20, &three, &three, 0, TIME_MS, NULL, NULL),
			 LARCH_OK);
	assert_int_equal(w.n, 7);
	assert_int_equal(agg_window_time(&w, 6), 18);
	assert_int_equal(agg_windows_init(&w, 0, 20, &two, &three, 0, TIME_MS, NULL, NULL),
			 LARCH_OK);
	assert_int_equal(w.n, 7);
	int64_t lo, hi;
	agg_window_bounds(&w, 6, &lo, &hi);
	assert_int_equal(lo, 18);
	assert_int_equal(hi, 19);
	agg_windows_find(&w, 2, &k0, &k1);      /* the gap [2, 3) */
	assert_int_equal(k0, k1);
	/* overlapping: ([0, 10), 4, 1): time 5 is in windows 2..5 */
	agg_duration_t four = {0, 4}, one = {0, 1};
	assert_int_equal(agg_windows_init(&w, 0, 10, &four, &one, 0, TIME_MS, NULL, NULL),
			 LARCH_OK);
	assert_int_equal(w.n, 10);
	agg_windows_find(&w, 5, &k0, &k1);
	assert_int_equal(k0, 2);
	assert_int_equal(k1, 6);
}

static void test_windows_errors(void **state)
{
	(void)state;
	agg_windows_t w;
	larch_error_t err = {0};
	agg_duration_t one = {0, 1}, zero = {0, 0}, month = {1, 0};
	assert_int_equal(agg_windows_init(&w, 5, 5, &one, &one, 0, TIME_MS, NULL, &err),
			 LARCH_SEMANTIC_ERROR);
	assert_string_equal(err.msg, "Start time should be smaller than endTime in GroupBy");
	assert_int_equal(agg_windows_init(&w, 0, 5, &zero, &one, 0, TIME_MS, NULL, &err),
			 LARCH_SEMANTIC_ERROR);
	assert_string_equal(err.msg,
			    "The second parameter time interval should be a positive integer.");
	assert_int_equal(agg_windows_init(&w, 0, 5, &one, &zero, 0, TIME_MS, NULL, &err),
			 LARCH_SEMANTIC_ERROR);
	assert_string_equal(err.msg,
			    "The third parameter time slidingStep should be a positive integer.");
	/* 10000 months of 28 days */
	time_zone_t *utc = NULL;
	assert_int_equal(time_zone_open("UTC", &utc, NULL), LARCH_OK);
	int64_t m28 = 28ll * 86400 * 1000;
	assert_int_equal(agg_windows_init(&w, 0, 10000 * m28, &month, &month, 0, TIME_MS, utc,
					  &err), LARCH_SEMANTIC_ERROR);
	assert_string_equal(err.msg, "The time windows may exceed 10000, please ensure your input.");
	assert_int_equal(agg_windows_init(&w, 0, 9999 * m28, &month, &month, 0, TIME_MS, utc,
					  &err), LARCH_OK);
	uint64_t want = 0;
	while (time_add_months(0, (int64_t)want, utc, TIME_MS) < 9999 * m28)
		want++;
	assert_int_equal(w.n, want);
	time_zone_free(utc);
}

static int64_t parse_time(const char *s, const time_zone_t *tz, time_precision_t p)
{
	int64_t t;
	larch_error_t err = {0};
	if (time_parse_datetime(s, strlen(s), tz, p, &t, &err) != LARCH_OK)
		fail_msg("parse %s: %s", s, err.msg);
	return t;
}

/* Calendar months in Europe/Berlin (DST from 2023-03-26): window starts are
 * start + k months from the original start (Jan 31 -> Feb 28 -> Mar 31),
 * at local midnight whatever the offset; with ns precision too. */
static void test_windows_months_dst(void **state)
{
	(void)state;
	time_zone_t *tz = NULL;
	assert_int_equal(time_zone_open("Europe/Berlin", &tz, NULL), LARCH_OK);
	static const char *const starts[] = {
		"2023-01-31T00:00:00", "2023-02-28T00:00:00", "2023-03-31T00:00:00",
		"2023-04-30T00:00:00", "2023-05-31T00:00:00",
	};
	time_precision_t precs[] = {TIME_MS, TIME_NS};
	for (size_t p = 0; p < 2; p++) {
		int64_t start = parse_time(starts[0], tz, precs[p]);
		int64_t end = parse_time("2023-06-15T00:00:00", tz, precs[p]);
		agg_duration_t month = {1, 0};
		agg_windows_t w;
		assert_int_equal(agg_windows_init(&w, start, end, &month, &month, 0, precs[p], tz,
						  NULL), LARCH_OK);
		assert_int_equal(w.n, 5);
		for (uint64_t k = 0; k < 5; k++) {
			int64_t lo, hi;
			agg_window_bounds(&w, k, &lo, &hi);
			assert_int_equal(lo, parse_time(starts[k], tz, precs[p]));
			int64_t next = k + 1 < 5 ? parse_time(starts[k + 1], tz, precs[p]) : end;
			assert_int_equal(hi, next - 1);
			uint64_t k0, k1;
			agg_windows_find(&w, lo, &k0, &k1);
			assert_int_equal(k0, k);
			assert_int_equal(k1, k + 1);
		}
		/* a day step with a month interval: windows overlap */
		agg_duration_t day = {0, 86400 * time_units_per_second(precs[p])};
		assert_int_equal(agg_windows_init(&w, start, end, &month, &day, 0, precs[p], tz,
						  NULL), LARCH_OK);
		uint64_t k0, k1;
		agg_windows_find(&w, parse_time("2023-03-01T12:00:00", tz, precs[p]), &k0, &k1);
		/* window k = [Jan 31 + k days, Feb 28 + k days): Mar 1 noon is in
		 * k = 2 (Feb 2 .. Mar 2) to k = 29 (Mar 1 .. Mar 28) */
		assert_int_equal(k0, 2);
		assert_int_equal(k1, 30);
	}
	time_zone_free(tz);
}

/*---------------------------------------------------------------------------
 * FILL
 *---------------------------------------------------------------------------*/

/* Brute-force fill of row i (1 when filled; *src the previous row or the
 * interpolated value). */
static void fill_model(const agg_fill_col_t *s, const int64_t *t, size_t n, const double *v,
		       const uint8_t *nu, double *out, uint8_t *out_nu)
{
	int64_t last = INT64_MIN;
	for (size_t i = 0; i < n; i++)
		if (!nu[i])
			last = t[i];
	if (s->has_last_time)
		last = s->last_time;
	for (size_t i = 0; i < n; i++) {
		out[i] = v[i];
		out_nu[i] = nu[i];
		if (!nu[i])
			continue;
		size_t p = SIZE_MAX, q = SIZE_MAX;
		for (size_t j = 0; j < i; j++)
			if (!nu[j])
				p = j;
		for (size_t j = n; j > i + 1; j--)
			if (!nu[j - 1])
				q = j - 1;
		switch (s->method) {
		case AGG_FILL_VALUE:
			out[i] = s->value.v.d;
			out_nu[i] = 0;
			break;
		case AGG_FILL_PREVIOUS:
		case AGG_FILL_PREVIOUS_UNTIL_LAST:
			if (p == SIZE_MAX || (s->has_before && t[i] - t[p] > s->before.units))
				break;
			if (s->method == AGG_FILL_PREVIOUS_UNTIL_LAST && t[i] > last)
				break;
			out[i] = v[p];
			out_nu[i] = 0;
			break;
		case AGG_FILL_LINEAR:
			if (p == SIZE_MAX || q == SIZE_MAX ||
			    (s->has_before && t[i] - t[p] > s->before.units) ||
			    (s->has_after && t[q] - t[i] > s->after.units))
				break;
			out[i] = v[p] + (v[q] - v[p]) * ((double)(t[i] - t[p]) /
							 (double)(t[q] - t[p]));
			out_nu[i] = 0;
			break;
		default:
			break;
		}
	}
}

static void test_fill_vs_model(void **state)
{
	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t n = rnd_below(40);
		int64_t t[40];
		double v[40], want[40];
		uint8_t nu[40], want_nu[40];
		times_fill(t, 0, n, 0);
		int null_pct = (int)rnd_below(90);
		for (size_t i = 0; i < n; i++) {
			nu[i] = (int)rnd_below(100) < null_pct;
			v[i] = nu[i] ? -999 : (double)rnd_below(1000) / 8.0;
		}
		agg_fill_col_t s;
		memset(&s, 0, sizeof s);
		s.method = (agg_fill_method_t)(1 + rnd_below(4));
		s.has_before = rnd() & 1;
		s.before.units = (int64_t)rnd_below(12);
		s.has_after = rnd() & 1;
		s.after.units = (int64_t)rnd_below(12);
		s.has_last_time = rnd() & 1;
		s.last_time = (int64_t)rnd_below(80);
		s.value.type = TSFILE_DOUBLE;
		s.value.v.d = 0.5;
		fill_model(&s, t, n, v, nu, want, want_nu);
		agg_fill_column(&s, t, n, TSFILE_DOUBLE, v, nu, TIME_MS, NULL);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(nu[i], want_nu[i]);
			if (!nu[i] && !(fabs(v[i] - want[i]) <= 1e-12 * fmax(1, fabs(want[i]))))
				fail_msg("row %zu: %.17g vs %.17g (method %d)", i, v[i], want[i],
					 s.method);
		}
	}
}

/* PREVIOUS on TEXT copies the earlier row's bytes; LINEAR leaves TEXT and
 * BOOLEAN alone; integer LINEAR truncates. */
static void test_fill_types(void **state)
{
	(void)state;
	int64_t t[] = {1, 2, 3, 4};
	tsfile_bytes_t s[4] = {{"x", 1}, {NULL, 0}, {"yz", 2}, {NULL, 0}};
	uint8_t nu[] = {0, 1, 0, 1};
	agg_fill_col_t sp;
	memset(&sp, 0, sizeof sp);
	sp.method = AGG_FILL_LINEAR;
	agg_fill_column(&sp, t, 4, TSFILE_TEXT, s, nu, TIME_MS, NULL);
	assert_int_equal(nu[1], 1);
	sp.method = AGG_FILL_PREVIOUS;
	agg_fill_column(&sp, t, 4, TSFILE_TEXT, s, nu, TIME_MS, NULL);
	assert_int_equal(nu[1] + nu[3], 0);
	assert_ptr_equal(s[1].ptr, s[0].ptr);
	assert_int_equal(s[3].len, 2);

	int32_t iv[] = {1, 0, 0, 4};
	uint8_t inu[] = {0, 1, 1, 0};
	int64_t t2[] = {0, 1, 2, 3};
	sp.method = AGG_FILL_LINEAR;
	agg_fill_column(&sp, t2, 4, TSFILE_INT32, iv, inu, TIME_MS, NULL);
	assert_int_equal(iv[1], 2);
	assert_int_equal(iv[2], 3);
	int32_t iv2[] = {0, 0, 1};
	uint8_t inu2[] = {0, 1, 0};
	agg_fill_column(&sp, t2, 3, TSFILE_INT32, iv2, inu2, TIME_MS, NULL);
	assert_int_equal(iv2[1], 0);      /* 0.5 truncates */
}

static ast_expr_t lit_expr(ast_expr_kind_t k, int64_t i, double d, char *s)
{
	ast_expr_t e;
	memset(&e, 0, sizeof e);
	e.kind = k;
	e.ival = i;
	e.fval = d;
	e.sval = s;
	return e;
}

/* IoTDB's constant table: boolean -> BOOLEAN, TEXT; int -> INT32 (in
 * range), INT64, FLOAT, DOUBLE, TEXT; decimal -> FLOAT, DOUBLE, TEXT;
 * string -> TEXT. */
static void test_fill_value_table(void **state)
{
	(void)state;
	tsfile_type_t types[] = {TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT,
				 TSFILE_DOUBLE, TSFILE_TEXT};
	struct {
		ast_expr_t e;
		int fills[6];
		const char *text;
	} cases[] = {
		{lit_expr(AST_E_BOOL, 1, 0, NULL), {1, 0, 0, 0, 0, 1}, "true"},
		{lit_expr(AST_E_INT, 7, 0, NULL), {0, 1, 1, 1, 1, 1}, "7"},
		{lit_expr(AST_E_INT, 2147483648ll, 0, NULL), {0, 0, 1, 1, 1, 1}, "2147483648"},
		{lit_expr(AST_E_FLOAT, 0, 2.0, NULL), {0, 0, 0, 1, 1, 1}, "2.0"},
		{lit_expr(AST_E_FLOAT, 0, 1e7, NULL), {0, 0, 0, 1, 1, 1}, "1.0E7"},
		{lit_expr(AST_E_FLOAT, 0, 0.00015, NULL), {0, 0, 0, 1, 1, 1}, "1.5E-4"},
		{lit_expr(AST_E_FLOAT, 0, 0.001, NULL), {0, 0, 0, 1, 1, 1}, "0.001"},
		{lit_expr(AST_E_FLOAT, 0, 123.456, NULL), {0, 0, 0, 1, 1, 1}, "123.456"},
		{lit_expr(AST_E_STRING, 0, 0, "abc"), {0, 0, 0, 0, 0, 1}, "abc"},
	};
	for (size_t c = 0; c < LR_ARRAY_LEN(cases); c++) {
		ast_fill_t fill;
		memset(&fill, 0, sizeof fill);
		fill.kind = AST_FILL_VALUE;
		fill.value = &cases[c].e;
		agg_fill_col_t out[6];
		assert_int_equal(agg_fill_plan(&fill, types, 6, TIME_MS, 0, out, NULL), LARCH_OK);
		for (size_t i = 0; i < 6; i++)
			assert_int_equal(out[i].method,
					 cases[c].fills[i] ? AGG_FILL_VALUE : AGG_FILL_NONE);
		/* fill a TEXT column and read the literal's spelling */
		tsfile_bytes_t col[2] = {{"q", 1}, {NULL, 0}};
		uint8_t nu[2] = {0, 1};
		int64_t t[2] = {1, 2};
		agg_fill_col_t copy = out[5];    /* the spec is plain data */
		agg_fill_column(&copy, t, 2, TSFILE_TEXT, col, nu, TIME_MS, NULL);
		assert_int_equal(nu[1], 0);
		assert_int_equal(col[1].len, strlen(cases[c].text));
		assert_memory_equal(col[1].ptr, cases[c].text, col[1].len);
	}
	/* a non-literal constant */
	ast_expr_t bad = lit_expr(AST_E_NULL, 0, 0, NULL);
	ast_fill_t fill;
	memset(&fill, 0, sizeof fill);
	fill.kind = AST_FILL_VALUE;
	fill.value = &bad;
	agg_fill_col_t out[1];
	larch_error_t err = {0};
	assert_int_equal(agg_fill_plan(&fill, types, 1, TIME_MS, 0, out, &err),
			 LARCH_SEMANTIC_ERROR);
	assert_non_null(strstr(err.msg, "Unsupported constant value in FILL"));
}

static ast_expr_t dur_expr(int64_t nanos)
{
	ast_expr_t e;
	memset(&e, 0, sizeof e);
	e.kind = AST_E_DURATION;
	e.dur.nanos = nanos;
	return e;
}

/* The old form: per-type items, -1 = infinite, defaults for unlisted types
 * at a single time point (Table 3-7), LINEAR on BOOLEAN/TEXT refused. */
static void test_fill_old_form(void **state)
{
	(void)state;
	ast_expr_t minute = dur_expr(60000000000ll), inf = int_expr(-1);
	ast_fill_item_t items[] = {
		{.type = TSFILE_INT32, .method = AST_FM_PREVIOUS, .before = &minute},
		{.type = TSFILE_DOUBLE, .method = AST_FM_LINEAR, .before = &minute, .after = &inf},
		{.type = TSFILE_TEXT, .method = AST_FM_PREVIOUSUNTILLAST},
	};
	ast_fill_t fill;
	memset(&fill, 0, sizeof fill);
	fill.kind = AST_FILL_OLD;
	fill.items = items;
	fill.n_items = 3;
	tsfile_type_t types[] = {TSFILE_INT32, TSFILE_DOUBLE, TSFILE_TEXT, TSFILE_BOOLEAN,
				 TSFILE_FLOAT};
	agg_fill_col_t out[5];
	assert_int_equal(agg_fill_plan(&fill, types, 5, TIME_US, 0, out, NULL), LARCH_OK);
	assert_int_equal(out[0].method, AGG_FILL_PREVIOUS);
	assert_true(out[0].has_before);
	assert_int_equal(out[0].before.units, 60000000);
	assert_int_equal(out[1].method, AGG_FILL_LINEAR);
	assert_true(out[1].has_before);
	assert_false(out[1].has_after);
	assert_int_equal(out[2].method, AGG_FILL_PREVIOUS_UNTIL_LAST);
	assert_false(out[2].has_before);
	assert_int_equal(out[3].method, AGG_FILL_NONE);
	assert_int_equal(out[4].method, AGG_FILL_NONE);
	/* single point: defaults for the unlisted BOOLEAN (previous, 600000 ms)
	 * and FLOAT (linear, 600000 ms, 600000 ms) */
	assert_int_equal(agg_fill_plan(&fill, types, 5, TIME_MS, 1, out, NULL), LARCH_OK);
	assert_int_equal(out[3].method, AGG_FILL_PREVIOUS);
	assert_int_equal(out[3].before.units, 600000);
	assert_int_equal(out[4].method, AGG_FILL_LINEAR);
	assert_int_equal(out[4].after.units, 600000);

	items[2].method = AST_FM_LINEAR;
	larch_error_t err = {0};
	assert_int_equal(agg_fill_plan(&fill, types, 5, TIME_MS, 0, out, &err),
			 LARCH_SEMANTIC_ERROR);
	assert_string_equal(err.msg, "type TEXT cannot use linear fill function");

	/* new forms: PREVIOUS with a bound; LINEAR leaves non-numbers alone */
	memset(&fill, 0, sizeof fill);
	fill.kind = AST_FILL_PREVIOUS;
	fill.before = &minute;
	assert_int_equal(agg_fill_plan(&fill, types, 5, TIME_NS, 0, out, NULL), LARCH_OK);
	assert_int_equal(out[2].method, AGG_FILL_PREVIOUS);
	assert_int_equal(out[2].before.units, 60000000000ll);
	fill.kind = AST_FILL_LINEAR;
	fill.before = NULL;
	assert_int_equal(agg_fill_plan(&fill, types, 5, TIME_NS, 0, out, NULL), LARCH_OK);
	assert_int_equal(out[1].method, AGG_FILL_LINEAR);
	assert_int_equal(out[2].method, AGG_FILL_NONE);
	assert_int_equal(out[3].method, AGG_FILL_NONE);
	/* 0.13's FILL(PREVIOUSUNTILLAST, d): every column, bounded */
	fill.kind = AST_FILL_PREVIOUSUNTILLAST;
	fill.before = &minute;
	assert_int_equal(agg_fill_plan(&fill, types, 5, TIME_MS, 0, out, NULL), LARCH_OK);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(out[i].method, AGG_FILL_PREVIOUS_UNTIL_LAST);
		assert_int_equal(out[i].before.units, 60000);
	}
}

/* ALL[...] items (IoTDB 0.13): every type, later items replacing earlier
 * ones for their types; ALL[linear] leaves BOOLEAN/TEXT to earlier items
 * (and is no error, unlike text[linear]). */
static void test_fill_old_all(void **state)
{
	(void)state;
	ast_expr_t minute = dur_expr(60000000000ll);
	ast_fill_item_t items[] = {
		{.all = 1, .method = AST_FM_PREVIOUS, .before = &minute},
		{.type = TSFILE_INT64, .method = AST_FM_PREVIOUSUNTILLAST},
		{.all = 1, .method = AST_FM_LINEAR},
		{.type = TSFILE_FLOAT, .method = AST_FM_PREVIOUS},
	};
	ast_fill_t fill;
	memset(&fill, 0, sizeof fill);
	fill.kind = AST_FILL_OLD;
	fill.items = items;
	fill.n_items = 4;
	tsfile_type_t types[] = {TSFILE_INT64, TSFILE_TEXT, TSFILE_FLOAT, TSFILE_BOOLEAN,
				 TSFILE_DOUBLE};
	agg_fill_col_t out[5];
	assert_int_equal(agg_fill_plan(&fill, types, 5, TIME_MS, 0, out, NULL), LARCH_OK);
	assert_int_equal(out[0].method, AGG_FILL_LINEAR);       /* ALL[linear] after int64[...] */
	assert_int_equal(out[1].method, AGG_FILL_PREVIOUS);     /* ALL[previous, 1m] */
	assert_true(out[1].has_before);
	assert_int_equal(out[1].before.units, 60000);
	assert_int_equal(out[2].method, AGG_FILL_PREVIOUS);     /* float[previous] last */
	assert_false(out[2].has_before);
	assert_int_equal(out[3].method, AGG_FILL_PREVIOUS);
	assert_int_equal(out[4].method, AGG_FILL_LINEAR);
	fill.n_items = 2;
	assert_int_equal(agg_fill_plan(&fill, types, 5, TIME_MS, 0, out, NULL), LARCH_OK);
	assert_int_equal(out[0].method, AGG_FILL_PREVIOUS_UNTIL_LAST);
	assert_int_equal(out[4].method, AGG_FILL_PREVIOUS);
}

/* The seed's time-point examples: temperature at 16:37:50 from 16:37:00
 * (21.927326) and 16:38:00 (25.311783): previous within 1m gives the first,
 * linear 24.747707; without a point in range nothing is filled. */
static void test_fill_point_seed(void **state)
{
	(void)state;
	int64_t min = 60000, t0 = 1509525420000, t = t0 + 50000, t1 = t0 + min;
	tsfile_value_t a = {.type = TSFILE_FLOAT, .v.f = 21.927326f};
	tsfile_value_t b = {.type = TSFILE_FLOAT, .v.f = 25.311783f};
	agg_fill_col_t s;
	memset(&s, 0, sizeof s);
	s.method = AGG_FILL_PREVIOUS;
	s.has_before = 1;
	s.before.units = min;
	int64_t lo, hi;
	agg_fill_point_range(&s, t, TIME_MS, NULL, &lo, &hi);
	assert_int_equal(lo, t - min);
	assert_int_equal(hi, t);
	tsfile_value_t out;
	agg_fill_point(&s, t, TSFILE_FLOAT, 1, t0, &a, 0, 0, NULL, &out);
	assert_false(out.is_null);
	assert_true(out.v.f == a.v.f);
	agg_fill_point(&s, t, TSFILE_FLOAT, 0, 0, NULL, 0, 0, NULL, &out);
	assert_true(out.is_null);

	s.method = AGG_FILL_LINEAR;
	s.has_after = 1;
	s.after.units = min;
	agg_fill_point_range(&s, t, TIME_MS, NULL, &lo, &hi);
	assert_int_equal(hi, t + min);
	agg_fill_point(&s, t, TSFILE_FLOAT, 1, t0, &a, 1, t1, &b, &out);
	assert_false(out.is_null);
	assert_true(fabs(out.v.f - 24.747707) < 1e-5);
	agg_fill_point(&s, t, TSFILE_FLOAT, 1, t0, &a, 0, 0, NULL, &out);
	assert_true(out.is_null);        /* no point after: linear gives null */
	agg_fill_point(&s, t0, TSFILE_FLOAT, 1, t0, &a, 1, t1, &b, &out);
	assert_true(out.v.f == a.v.f);   /* a value at T is the answer */

	/* PREVIOUSUNTILLAST: the range looks for any later point; T is filled
	 * from the previous value only when one exists */
	memset(&s, 0, sizeof s);
	s.method = AGG_FILL_PREVIOUS_UNTIL_LAST;
	agg_fill_point_range(&s, t, TIME_MS, NULL, &lo, &hi);
	assert_int_equal(lo, INT64_MIN);
	assert_int_equal(hi, INT64_MAX);
	agg_fill_point(&s, t, TSFILE_FLOAT, 1, t0, &a, 1, t1, &b, &out);
	assert_false(out.is_null);
	assert_true(out.v.f == a.v.f);
	agg_fill_point(&s, t, TSFILE_FLOAT, 1, t0, &a, 0, 0, NULL, &out);
	assert_true(out.is_null);        /* T after the series' last point */
	s.has_last_time = 1;
	s.last_time = t;
	agg_fill_point_range(&s, t, TIME_MS, NULL, &lo, &hi);
	assert_int_equal(hi, t);
	agg_fill_point(&s, t, TSFILE_FLOAT, 1, t0, &a, 0, 0, NULL, &out);
	assert_false(out.is_null);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aggregates_vs_model),
		cmocka_unit_test(test_merge_two_series),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_count_if_keep),
		cmocka_unit_test(test_empty_results),
		cmocka_unit_test(test_variance_small),
		cmocka_unit_test(test_extreme_edges),
		cmocka_unit_test(test_max_min_by_fixed),
		cmocka_unit_test(test_mode_limit),
		cmocka_unit_test(test_text_oom),
		cmocka_unit_test(test_windows_vs_brute_force),
		cmocka_unit_test(test_windows_seed_examples),
		cmocka_unit_test(test_windows_errors),
		cmocka_unit_test(test_windows_months_dst),
		cmocka_unit_test(test_fill_vs_model),
		cmocka_unit_test(test_fill_types),
		cmocka_unit_test(test_fill_value_table),
		cmocka_unit_test(test_fill_old_form),
		cmocka_unit_test(test_fill_old_all),
		cmocka_unit_test(test_fill_point_seed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
