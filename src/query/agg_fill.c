/*
 * agg_fill.c — FILL: planning one fill rule per result column from the
 * FILL clause (new and old per-type forms, IoTDB's constant type table and
 * defaults) and filling the nulls of a materialized column in place
 * (PREVIOUS with an optional bound, PREVIOUSUNTILLAST, LINEAR with
 * optional before/after bounds, constant VALUE), plus the single
 * time-point form of IoTDB 0.10.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "query/agg_int.h"

static int is_linear_type(tsfile_type_t t)
{
	return t == TSFILE_INT32 || t == TSFILE_INT64 || t == TSFILE_FLOAT || t == TSFILE_DOUBLE;
}

static int is_text_type(tsfile_type_t t)
{
	return t == TSFILE_TEXT || t == TSFILE_STRING;
}

/*---------------------------------------------------------------------------
 * Constants
 *---------------------------------------------------------------------------*/

/* A FILL constant: its literal class and value. */
enum { LIT_BOOL, LIT_INT, LIT_FLOAT, LIT_STRING };

typedef struct lit {
	int cls;
	int64_t i;
	double d;
	const char *s;
} lit_t;

static int read_literal(const ast_expr_t *e, lit_t *out, larch_error_t *err)
{
	int neg = 0;
	if (e->kind == AST_E_UNARY && (e->op == AST_OP_NEG || e->op == AST_OP_POS) &&
	    e->a != NULL && (e->a->kind == AST_E_INT || e->a->kind == AST_E_FLOAT)) {
		neg = e->op == AST_OP_NEG;
		e = e->a;
	}
	switch (e->kind) {
	case AST_E_BOOL:
		out->cls = LIT_BOOL;
		out->i = e->ival != 0;
		return LARCH_OK;
	case AST_E_INT:
		if (neg && e->ival == INT64_MIN)
			break;
		out->cls = LIT_INT;
		out->i = neg ? -e->ival : e->ival;
		return LARCH_OK;
	case AST_E_FLOAT:
		out->cls = LIT_FLOAT;
		out->d = neg ? -e->fval : e->fval;
		return LARCH_OK;
	case AST_E_STRING:
		out->cls = LIT_STRING;
		out->s = e->sval != NULL ? e->sval : "";
		return LARCH_OK;
	default:
		break;
	}
	return err_set(err, LARCH_SEMANTIC_ERROR,
		       "Unsupported constant value in FILL: the expression at position %d", e->pos);
}

/* A double as Java's Double.toString spells it: the shortest digits that
 * read back, plain for 1e-3 <= |d| < 1e7 ("2.0", "0.001"), else
 * computerized scientific ("1.0E7", "1.5E-4"). */
static void java_double_text(double d, char *out, size_t n)
{
	if (isnan(d) || isinf(d)) {
		snprintf(out, n, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (d == 0) {
		snprintf(out, n, "%s", signbit(d) ? "-0.0" : "0.0");
		return;
	}
	char buf[40];
	for (int p = 0; p < 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* buf: [-]D[.DDD]e[+-]XX -> sign, digits, exponent */
	char digits[24];
	size_t nd = 0;
	const char *q = buf;
	int neg = *q == '-';
	if (neg)
		q++;
	for (; *q != 'e' && nd < sizeof digits - 1; q++) {
		if (*q != '.')
			digits[nd++] = *q;
	}
	digits[nd] = 0;
	int exp = atoi(q + 1);
	size_t o = 0;
	if (neg && o + 1 < n)
		out[o++] = '-';
	if (exp >= -3 && exp < 7) {
		if (exp < 0) {
			o += (size_t)snprintf(out + o, n - o, "0.%.*s%s", -exp - 1, "000",
					      digits);
			return;
		}
		for (int i = 0; i <= exp; i++) {
			if (o + 1 < n)
				out[o++] = (size_t)i < nd ? digits[i] : '0';
		}
		snprintf(out + o, n - o, ".%s", (size_t)exp + 1 < nd ? digits + exp + 1 : "0");
		return;
	}
	snprintf(out + o, n - o, "%c.%sE%d", digits[0], nd > 1 ? digits + 1 : "0", exp);
}

/* IoTDB's constant type table: set out to VALUE with the constant in the
 * column's type, or leave it NONE when the constant does not fit. */
static void plan_value(const lit_t *l, tsfile_type_t type, agg_fill_col_t *out)
{
	tsfile_value_t *v = &out->value;
	memset(v, 0, sizeof *v);
	v->type = type;
	int ok = 0;
	switch (type) {
	case TSFILE_BOOLEAN:
		ok = l->cls == LIT_BOOL;
		v->v.b = (int)l->i;
		break;
	case TSFILE_INT32:
		ok = l->cls == LIT_INT && l->i >= INT32_MIN && l->i <= INT32_MAX;
		v->v.i32 = ok ? (int32_t)l->i : 0;
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		ok = l->cls == LIT_INT;
		v->v.i64 = l->i;
		break;
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE:
		ok = l->cls == LIT_INT || l->cls == LIT_FLOAT;
		if (type == TSFILE_FLOAT)
			v->v.f = l->cls == LIT_INT ? (float)l->i : (float)l->d;
		else
			v->v.d = l->cls == LIT_INT ? (double)l->i : l->d;
		break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
		ok = 1;
		if (l->cls == LIT_STRING) {
			v->v.bytes.ptr = l->s;
			v->v.bytes.len = (uint32_t)strlen(l->s);
			break;
		}
		if (l->cls == LIT_BOOL)
			snprintf(out->text, sizeof out->text, "%s", l->i ? "true" : "false");
		else if (l->cls == LIT_INT)
			snprintf(out->text, sizeof out->text, "%" PRId64, l->i);
		else
			java_double_text(l->d, out->text, sizeof out->text);
		v->v.bytes.ptr = NULL;
		v->v.bytes.len = (uint32_t)strlen(out->text);
		break;
	default:
		break;
	}
	out->method = ok ? AGG_FILL_VALUE : AGG_FILL_NONE;
}

/*---------------------------------------------------------------------------
 * Planning
 *---------------------------------------------------------------------------*/

/* An optional bound expression into (has, d); -1 and absence mean
 * infinite (has = 0). */
static int plan_bound(const ast_expr_t *e, int precision, int *has, agg_duration_t *d,
		      larch_error_t *err)
{
	int inf = 0;
	*has = 0;
	if (e == NULL)
		return LARCH_OK;
	int rc = agg_duration_from_expr(e, precision, 1, d, &inf, err);
	if (rc == LARCH_OK)
		*has = !inf;
	return rc;
}

/* Method m with bounds for a column of type t (LINEAR only on numbers). */
static int plan_method(agg_fill_method_t m, const ast_expr_t *before, const ast_expr_t *after,
		       tsfile_type_t t, int precision, agg_fill_col_t *out, larch_error_t *err)
{
	memset(out, 0, sizeof *out);
	if (m == AGG_FILL_LINEAR && !is_linear_type(t))
		return LARCH_OK;
	out->method = m;
	int rc = plan_bound(before, precision, &out->has_before, &out->before, err);
	if (rc == LARCH_OK && m == AGG_FILL_LINEAR)
		rc = plan_bound(after, precision, &out->has_after, &out->after, err);
	return rc;
}

static agg_fill_method_t old_method(ast_fill_method_t m)
{
	switch (m) {
	case AST_FM_PREVIOUS: return AGG_FILL_PREVIOUS;
	case AST_FM_PREVIOUSUNTILLAST: return AGG_FILL_PREVIOUS_UNTIL_LAST;
	case AST_FM_LINEAR: return AGG_FILL_LINEAR;
	default: return AGG_FILL_VALUE;
	}
}

/* IoTDB 0.10's default for a type the old form does not list (single
 * time-point queries): BOOLEAN and TEXT previous, numbers linear, each
 * bound 600000 ms. */
static void plan_default(tsfile_type_t t, int precision, agg_fill_col_t *out)
{
	memset(out, 0, sizeof *out);
	int64_t ten_min = 600 * time_units_per_second((time_precision_t)precision);
	out->method = is_linear_type(t) ? AGG_FILL_LINEAR : AGG_FILL_PREVIOUS;
	out->has_before = 1;
	out->before.units = ten_min;
	out->has_after = out->method == AGG_FILL_LINEAR;
	out->after.units = out->has_after ? ten_min : 0;
}

/* LINEAR on a type that cannot interpolate is an error when the item names
 * the type (IoTDB 0.10-0.13's message); ALL[linear] skips such types. */
static int check_old_items(const ast_fill_t *fill, larch_error_t *err)
{
	for (size_t i = 0; i < fill->n_items; i++) {
		const ast_fill_item_t *it = &fill->items[i];
		if (!it->all && it->method == AST_FM_LINEAR && !is_linear_type(it->type))
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "type %s cannot use linear fill function",
				       tsfile_type_name(it->type));
	}
	return LARCH_OK;
}

/* Whether old-form item it applies to a column of type t: its own type, or
 * ALL (every type, but ALL[linear] only the numeric ones, as IoTDB 0.13). */
static int item_applies(const ast_fill_item_t *it, tsfile_type_t t)
{
	if (!it->all)
		return it->type == t;
	return it->method != AST_FM_LINEAR || is_linear_type(t);
}

/* One column under the old per-type form: the last item applying to its
 * type (IoTDB keeps a type -> fill map, later entries replacing earlier). */
static int plan_old(const ast_fill_t *fill, tsfile_type_t t, int precision, int single_point,
		    agg_fill_col_t *out, larch_error_t *err)
{
	const ast_fill_item_t *it = NULL;
	for (size_t i = 0; i < fill->n_items; i++) {
		if (item_applies(&fill->items[i], t))
			it = &fill->items[i];
	}
	if (it == NULL) {
		if (single_point)
			plan_default(t, precision, out);
		else
			memset(out, 0, sizeof *out);
		return LARCH_OK;
	}
	if (it->method == AST_FM_VALUE) {
		lit_t l;
		memset(out, 0, sizeof *out);
		int rc = it->value != NULL ? read_literal(it->value, &l, err)
					   : err_set(err, LARCH_SEMANTIC_ERROR,
						     "FILL value missing at position %d", it->pos);
		if (rc == LARCH_OK)
			plan_value(&l, t, out);
		return rc;
	}
	return plan_method(old_method(it->method), it->before, it->after, t, precision, out, err);
}

int agg_fill_plan(const ast_fill_t *fill, const tsfile_type_t *types, size_t n_cols,
		  int precision, int single_point, agg_fill_col_t *out, larch_error_t *err)
{
	lit_t lit;
	int rc = LARCH_OK;
	if (fill->kind == AST_FILL_VALUE)
		rc = fill->value != NULL ? read_literal(fill->value, &lit, err)
					 : err_set(err, LARCH_SEMANTIC_ERROR, "FILL value missing");
	else if (fill->kind == AST_FILL_OLD)
		rc = check_old_items(fill, err);
	for (size_t c = 0; rc == LARCH_OK && c < n_cols; c++) {
		agg_fill_col_t *o = &out[c];
		memset(o, 0, sizeof *o);
		switch (fill->kind) {
		case AST_FILL_PREVIOUS:
			rc = plan_method(AGG_FILL_PREVIOUS, fill->before, NULL, types[c], precision,
					 o, err);
			break;
		case AST_FILL_PREVIOUSUNTILLAST:
			rc = plan_method(AGG_FILL_PREVIOUS_UNTIL_LAST, fill->before, NULL, types[c],
					 precision, o, err);
			break;
		case AST_FILL_LINEAR:
			rc = plan_method(AGG_FILL_LINEAR, fill->before, fill->after, types[c],
					 precision, o, err);
			break;
		case AST_FILL_VALUE:
			plan_value(&lit, types[c], o);
			break;
		case AST_FILL_OLD:
			rc = plan_old(fill, types[c], precision, single_point, o, err);
			break;
		default:
			break;
		}
	}
	return rc;
}

/*---------------------------------------------------------------------------
 * Filling
 *---------------------------------------------------------------------------*/

/* Whether a previous value at time tp may fill time t. */
static int prev_ok(const agg_fill_col_t *s, int64_t tp, int64_t t, int precision,
		   const struct time_zone *tz)
{
	return !s->has_before || t <= agg_time_add(tp, &s->before, 1, precision, tz);
}

/* Whether a next value at time tn may fill time t (LINEAR's after bound). */
static int next_ok(const agg_fill_col_t *s, int64_t tn, int64_t t, int precision,
		   const struct time_zone *tz)
{
	return !s->has_after || tn <= agg_time_add(t, &s->after, 1, precision, tz);
}

/* Row i := linear interpolation of rows p and q at times[i] (computed in
 * double; integers truncate toward zero). */
static void interpolate(tsfile_type_t type, void *values, const int64_t *times, size_t p,
			size_t q, size_t i)
{
	agg_lv_t a, b;
	agg_load(type, values, p, &a);
	agg_load(type, values, q, &b);
	double frac = (double)(times[i] - times[p]) / (double)(times[q] - times[p]);
	if (type == TSFILE_FLOAT || type == TSFILE_DOUBLE) {
		double v = a.n.d + (b.n.d - a.n.d) * frac;
		if (type == TSFILE_FLOAT)
			((float *)values)[i] = (float)v;
		else
			((double *)values)[i] = v;
		return;
	}
	double v = (double)a.n.i + ((double)b.n.i - (double)a.n.i) * frac;
	if (type == TSFILE_INT32)
		((int32_t *)values)[i] = (int32_t)v;
	else
		((int64_t *)values)[i] = (int64_t)v;
}

static void fill_linear(const agg_fill_col_t *s, const int64_t *times, size_t n,
			tsfile_type_t type, void *values, uint8_t *nulls, int precision,
			const struct time_zone *tz)
{
	size_t p = n;                    /* last non-null row before i */
	for (size_t i = 0; i < n; i++) {
		if (!nulls[i]) {
			p = i;
			continue;
		}
		if (p == n)
			continue;
		size_t q = i + 1;        /* next non-null row */
		while (q < n && nulls[q])
			q++;
		if (q == n)
			return;
		for (size_t j = i; j < q; j++) {
			if (prev_ok(s, times[p], times[j], precision, tz) &&
			    next_ok(s, times[q], times[j], precision, tz)) {
				interpolate(type, values, times, p, q, j);
				nulls[j] = 0;
			}
		}
		p = q;
		i = q;
	}
}

static void fill_previous(const agg_fill_col_t *s, const int64_t *times, size_t n,
			  tsfile_type_t type, void *values, uint8_t *nulls, int precision,
			  const struct time_zone *tz)
{
	size_t sz = tsfile_type_size(type);
	int64_t until = INT64_MAX;
	if (s->method == AGG_FILL_PREVIOUS_UNTIL_LAST) {
		until = INT64_MIN;
		if (s->has_last_time)
			until = s->last_time;
		else
			for (size_t i = n; i > 0; i--)
				if (!nulls[i - 1]) {
					until = times[i - 1];
					break;
				}
	}
	size_t p = n;
	for (size_t i = 0; i < n; i++) {
		if (!nulls[i]) {
			p = i;
			continue;
		}
		if (p == n || times[i] > until || !prev_ok(s, times[p], times[i], precision, tz))
			continue;
		memcpy((char *)values + i * sz, (const char *)values + p * sz, sz);
		nulls[i] = 0;
	}
}

static void fill_value(const agg_fill_col_t *s, size_t n, tsfile_type_t type, void *values,
		       uint8_t *nulls)
{
	tsfile_value_t v = s->value;
	if (is_text_type(type) && v.v.bytes.ptr == NULL)
		v.v.bytes.ptr = s->text;
	union {                          /* the value as one typed array element */
		uint8_t b;
		int32_t i32;
		int64_t i64;
		float f;
		double d;
		tsfile_bytes_t bytes;
	} cell;
	size_t sz = tsfile_type_size(type);
	memset(&cell, 0, sizeof cell);
	switch (type) {
	case TSFILE_BOOLEAN: cell.b = (uint8_t)(v.v.b != 0); break;
	case TSFILE_INT32:
	case TSFILE_DATE: cell.i32 = v.v.i32; break;
	case TSFILE_FLOAT: cell.f = v.v.f; break;
	case TSFILE_DOUBLE: cell.d = v.v.d; break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: cell.bytes = v.v.bytes; break;
	default: cell.i64 = v.v.i64; break;
	}
	for (size_t i = 0; i < n; i++) {
		if (nulls[i]) {
			memcpy((char *)values + i * sz, &cell, sz);
			nulls[i] = 0;
		}
	}
}

void agg_fill_column(const agg_fill_col_t *spec, const int64_t *times, size_t n,
		     tsfile_type_t type, void *values, uint8_t *nulls, int precision,
		     const struct time_zone *tz)
{
	if (nulls == NULL)
		return;
	switch (spec->method) {
	case AGG_FILL_PREVIOUS:
	case AGG_FILL_PREVIOUS_UNTIL_LAST:
		fill_previous(spec, times, n, type, values, nulls, precision, tz);
		break;
	case AGG_FILL_LINEAR:
		if (is_linear_type(type))
			fill_linear(spec, times, n, type, values, nulls, precision, tz);
		break;
	case AGG_FILL_VALUE:
		fill_value(spec, n, type, values, nulls);
		break;
	default:
		break;
	}
}

/*---------------------------------------------------------------------------
 * Single time point
 *---------------------------------------------------------------------------*/

void agg_fill_point_range(const agg_fill_col_t *spec, int64_t t, int precision,
			  const struct time_zone *tz, int64_t *prev_lo, int64_t *next_hi)
{
	*prev_lo = spec->has_before ? agg_time_add(t, &spec->before, -1, precision, tz)
				    : INT64_MIN;
	*next_hi = t;
	if (spec->method == AGG_FILL_LINEAR)
		*next_hi = spec->has_after ? agg_time_add(t, &spec->after, 1, precision, tz)
					   : INT64_MAX;
	else if (spec->method == AGG_FILL_PREVIOUS_UNTIL_LAST && !spec->has_last_time)
		*next_hi = INT64_MAX;        /* any later point: t is not after the last */
}

/* A tsfile value into element r of a typed array. */
static void store_cell(tsfile_type_t type, void *values, size_t r, const tsfile_value_t *v)
{
	agg_fill_col_t one;
	memset(&one, 0, sizeof one);
	one.method = AGG_FILL_VALUE;
	one.value = *v;
	uint8_t null = 1;
	fill_value(&one, 1, type, (char *)values + r * tsfile_type_size(type), &null);
}

void agg_fill_point(const agg_fill_col_t *spec, int64_t t, tsfile_type_t type, int has_prev,
		    int64_t prev_t, const tsfile_value_t *prev, int has_next, int64_t next_t,
		    const tsfile_value_t *next, tsfile_value_t *out)
{
	/* a three-row column [prev, t, next] filled by the column rules */
	uint64_t cells[3][2];
	int64_t times[3];
	uint8_t nulls[3] = {1, 1, 1};
	size_t n = 0, at;
	memset(cells, 0, sizeof cells);
	if (has_prev && prev_t < t) {
		store_cell(type, cells, n, prev);
		times[n] = prev_t;
		nulls[n++] = 0;
	}
	at = n;
	times[n++] = t;
	if (has_prev && prev_t == t) {
		store_cell(type, cells, at, prev);
		nulls[at] = 0;
	}
	if (has_next && next_t > t) {
		store_cell(type, cells, n, next);
		times[n] = next_t;
		nulls[n++] = 0;
	}
	/* the driver searched within the bounds already (agg_fill_point_range) */
	agg_fill_col_t unbounded = *spec;
	unbounded.has_before = 0;
	unbounded.has_after = 0;
	if (spec->method == AGG_FILL_PREVIOUS_UNTIL_LAST && !spec->has_last_time) {
		/* a point at or after t proves t is not after the series' last */
		unbounded.has_last_time = 1;
		unbounded.last_time = has_next && next_t >= t ? next_t : INT64_MIN;
	}
	agg_fill_column(&unbounded, times, n, type, cells, nulls, 0, NULL);
	memset(out, 0, sizeof *out);
	out->type = type;
	out->is_null = nulls[at];
	if (out->is_null)
		return;
	agg_lv_t lv;
	agg_load(type, cells, at, &lv);
	switch (type) {
	case TSFILE_BOOLEAN: out->v.b = (int)lv.n.i; break;
	case TSFILE_INT32:
	case TSFILE_DATE: out->v.i32 = (int32_t)lv.n.i; break;
	case TSFILE_FLOAT: out->v.f = (float)lv.n.d; break;
	case TSFILE_DOUBLE: out->v.d = lv.n.d; break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB:
		out->v.bytes.ptr = lv.p;
		out->v.bytes.len = lv.len;
		break;
	default: out->v.i64 = lv.n.i; break;
	}
}

void agg_cell_value(const larch_column_t *c, size_t r, tsfile_value_t *out)
{
	size_t sz = tsfile_type_size(c->type);

	memset(out, 0, sizeof *out);
	out->type = c->type;
	out->is_null = c->nulls && c->nulls[r];
	if (out->is_null)
		return;
	if (c->type == TSFILE_BOOLEAN)
		out->v.b = ((const uint8_t *)c->values)[r];
	else
		memcpy(&out->v, (const uint8_t *)c->values + r * sz, sz);
}
