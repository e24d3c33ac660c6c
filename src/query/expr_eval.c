/*
 * expr_eval.c — vectorized evaluation of compiled expressions: every node
 * turns into a whole column (n rows, arena arrays, nulls always present),
 * children first.  Operators loop over plain arrays; the type dispatch is
 * outside the loops.
 */
#include <math.h>
#include <strings.h>

#include "query/expr_int.h"

int x_col_alloc(arena_t *arena, tsfile_type_t t, size_t n, larch_column_t *out,
		larch_error_t *err)
{
	size_t elem = tsfile_type_size(t);
	void *v = arena_alloc(arena, (n ? n : 1) * elem);
	uint8_t *nulls = arena_calloc(arena, n ? n : 1, 1);

	if (!v || !nulls)
		return err_set(err, LARCH_NO_MEMORY, "out of memory evaluating an expression");
	out->type = t;
	out->values = v;
	out->nulls = nulls;
	return LARCH_OK;
}

double *x_as_f64(const larch_column_t *c, size_t n, arena_t *arena)
{
	double *d = arena_alloc(arena, (n ? n : 1) * sizeof(double));

	if (!d)
		return NULL;
	switch (c->type) {
	case TSFILE_BOOLEAN:
		for (size_t i = 0; i < n; i++)
			d[i] = ((const uint8_t *)c->values)[i];
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		for (size_t i = 0; i < n; i++)
			d[i] = ((const int32_t *)c->values)[i];
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		for (size_t i = 0; i < n; i++)
			d[i] = (double)((const int64_t *)c->values)[i];
		break;
	case TSFILE_FLOAT:
		for (size_t i = 0; i < n; i++)
			d[i] = ((const float *)c->values)[i];
		break;
	case TSFILE_DOUBLE:
		memcpy(d, c->values, n * sizeof(double));
		break;
	default:
		memset(d, 0, n * sizeof(double));
		break;
	}
	return d;
}

int64_t *x_as_i64(const larch_column_t *c, size_t n, arena_t *arena)
{
	int64_t *v = arena_alloc(arena, (n ? n : 1) * sizeof(int64_t));

	if (!v)
		return NULL;
	switch (c->type) {
	case TSFILE_BOOLEAN:
		for (size_t i = 0; i < n; i++)
			v[i] = ((const uint8_t *)c->values)[i];
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		for (size_t i = 0; i < n; i++)
			v[i] = ((const int32_t *)c->values)[i];
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		memcpy(v, c->values, n * sizeof(int64_t));
		break;
	case TSFILE_FLOAT:
		for (size_t i = 0; i < n; i++)
			v[i] = (int64_t)((const float *)c->values)[i];
		break;
	case TSFILE_DOUBLE:
		for (size_t i = 0; i < n; i++)
			v[i] = (int64_t)((const double *)c->values)[i];
		break;
	default:
		memset(v, 0, n * sizeof(int64_t));
		break;
	}
	return v;
}

static int oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory evaluating an expression");
}

/* out->nulls[i] = a.nulls[i] | b.nulls[i] */
static void nulls_or(const larch_column_t *a, const larch_column_t *b, size_t n,
		     larch_column_t *out)
{
	uint8_t *o = (uint8_t *)out->nulls;

	for (size_t i = 0; i < n; i++)
		o[i] = a->nulls[i] | (b ? b->nulls[i] : 0);
}

static int eval_const(const expr_t *x, size_t n, arena_t *arena, larch_column_t *out,
		      larch_error_t *err)
{
	int rc = x_col_alloc(arena, x->type, n, out, err);
	size_t elem = tsfile_type_size(x->type);
	uint8_t *v = (uint8_t *)out->values;
	uint8_t one[16];

	if (rc)
		return rc;
	if (x->cval.is_null) {
		memset((uint8_t *)out->nulls, 1, n);
		memset(v, 0, n * elem);
		return LARCH_OK;
	}
	switch (x->type) {
	case TSFILE_BOOLEAN: one[0] = (uint8_t)x->cval.v.b; break;
	case TSFILE_INT32: case TSFILE_DATE: memcpy(one, &x->cval.v.i32, 4); break;
	case TSFILE_FLOAT: memcpy(one, &x->cval.v.f, 4); break;
	case TSFILE_DOUBLE: memcpy(one, &x->cval.v.d, 8); break;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: memcpy(one, &x->cval.v.i64, 8); break;
	default: memcpy(one, &x->cval.v.bytes, sizeof(tsfile_bytes_t)); break;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(v + i * elem, one, elem);
	return LARCH_OK;
}

static int eval_neg(const expr_t *x, size_t n, const larch_column_t *a, arena_t *arena,
		    larch_column_t *out, larch_error_t *err)
{
	int rc = x_col_alloc(arena, x->type, n, out, err);

	if (rc)
		return rc;
	nulls_or(a, NULL, n, out);
	switch (x->type) {
	case TSFILE_INT32:
	case TSFILE_DATE:
		for (size_t i = 0; i < n; i++)
			((int32_t *)out->values)[i] =
				(int32_t)(0u - (uint32_t)((const int32_t *)a->values)[i]);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		for (size_t i = 0; i < n; i++)
			((int64_t *)out->values)[i] =
				(int64_t)(0ull - (uint64_t)((const int64_t *)a->values)[i]);
		break;
	case TSFILE_FLOAT:
		for (size_t i = 0; i < n; i++)
			((float *)out->values)[i] = -((const float *)a->values)[i];
		break;
	default:
		for (size_t i = 0; i < n; i++)
			((double *)out->values)[i] = -((const double *)a->values)[i];
		break;
	}
	return LARCH_OK;
}

static int eval_arith(const expr_t *x, size_t n, const larch_column_t *a, const larch_column_t *b,
		      arena_t *arena, larch_column_t *out, larch_error_t *err)
{
	double *l = x_as_f64(a, n, arena), *r = x_as_f64(b, n, arena), *o;
	int rc = x_col_alloc(arena, TSFILE_DOUBLE, n, out, err);

	if (rc)
		return rc;
	if (!l || !r)
		return oom(err);
	o = (double *)out->values;
	nulls_or(a, b, n, out);
	switch (x->op) {
	case AST_OP_ADD: for (size_t i = 0; i < n; i++) o[i] = l[i] + r[i]; break;
	case AST_OP_SUB: for (size_t i = 0; i < n; i++) o[i] = l[i] - r[i]; break;
	case AST_OP_MUL: for (size_t i = 0; i < n; i++) o[i] = l[i] * r[i]; break;
	case AST_OP_DIV: for (size_t i = 0; i < n; i++) o[i] = l[i] / r[i]; break;
	default: for (size_t i = 0; i < n; i++) o[i] = fmod(l[i], r[i]); break;
	}
	return LARCH_OK;
}

static int bytes_cmp(const tsfile_bytes_t *a, const tsfile_bytes_t *b)
{
	size_t m = LR_MIN(a->len, b->len);
	int c = m ? memcmp(a->ptr, b->ptr, m) : 0;

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* cmp[i] = sign of (a[i] - b[i]) compared as `kind`. */
static int compare_cols(x_cmp_kind_t kind, size_t n, const larch_column_t *a,
			const larch_column_t *b, arena_t *arena, int8_t *cmp, larch_error_t *err)
{
	if (kind == X_CMP_BYTES) {
		const tsfile_bytes_t *l = a->values, *r = b->values;
		for (size_t i = 0; i < n; i++) {
			int c = bytes_cmp(&l[i], &r[i]);
			cmp[i] = (int8_t)((c > 0) - (c < 0));
		}
		return LARCH_OK;
	}
	if (kind == X_CMP_F64) {
		double *l = x_as_f64(a, n, arena), *r = x_as_f64(b, n, arena);
		if (!l || !r)
			return oom(err);
		for (size_t i = 0; i < n; i++)
			cmp[i] = (int8_t)((l[i] > r[i]) - (l[i] < r[i]));
		return LARCH_OK;
	}
	int64_t *l = x_as_i64(a, n, arena), *r = x_as_i64(b, n, arena);
	if (!l || !r)
		return oom(err);
	for (size_t i = 0; i < n; i++)
		cmp[i] = (int8_t)((l[i] > r[i]) - (l[i] < r[i]));
	return LARCH_OK;
}

/* o[i] = (cmp[i] op 0) */
static void cmp_apply(ast_op_t op, const int8_t *cmp, size_t n, uint8_t *o)
{
	switch (op) {
	case AST_OP_EQ: for (size_t i = 0; i < n; i++) o[i] = cmp[i] == 0; break;
	case AST_OP_NE: for (size_t i = 0; i < n; i++) o[i] = cmp[i] != 0; break;
	case AST_OP_LT: for (size_t i = 0; i < n; i++) o[i] = cmp[i] < 0; break;
	case AST_OP_LE: for (size_t i = 0; i < n; i++) o[i] = cmp[i] <= 0; break;
	case AST_OP_GT: for (size_t i = 0; i < n; i++) o[i] = cmp[i] > 0; break;
	default: for (size_t i = 0; i < n; i++) o[i] = cmp[i] >= 0; break;
	}
}

static int eval_cmp(const expr_t *x, size_t n, const larch_column_t *a, const larch_column_t *b,
		    arena_t *arena, larch_column_t *out, larch_error_t *err)
{
	int8_t *cmp = arena_alloc(arena, n ? n : 1);
	int rc = x_col_alloc(arena, TSFILE_BOOLEAN, n, out, err);

	if (rc)
		return rc;
	if (!cmp)
		return oom(err);
	rc = compare_cols(x->cmp, n, a, b, arena, cmp, err);
	if (rc)
		return rc;
	cmp_apply(x->op, cmp, n, (uint8_t *)out->values);
	nulls_or(a, b, n, out);
	return LARCH_OK;
}

/* SQL three-valued AND / OR. */
static int eval_logic(const expr_t *x, size_t n, const larch_column_t *a, const larch_column_t *b,
		      arena_t *arena, larch_column_t *out, larch_error_t *err)
{
	const uint8_t *l = a->values, *r = b->values;
	int rc = x_col_alloc(arena, TSFILE_BOOLEAN, n, out, err);
	uint8_t *o, *on;
	int dominant = x->op == AST_OP_OR;   /* the value that decides alone */

	if (rc)
		return rc;
	o = (uint8_t *)out->values;
	on = (uint8_t *)out->nulls;
	for (size_t i = 0; i < n; i++) {
		int ln = a->nulls[i], rn = b->nulls[i];
		if ((!ln && l[i] == dominant) || (!rn && r[i] == dominant)) {
			o[i] = (uint8_t)dominant;
			on[i] = 0;
		} else {
			o[i] = (uint8_t)!dominant;
			on[i] = (uint8_t)(ln | rn);
		}
	}
	return LARCH_OK;
}

static int eval_between_in(const expr_t *x, size_t n, const int64_t *times,
			   const larch_column_t *inputs, const larch_column_t *a, arena_t *arena,
			   larch_column_t *out, larch_error_t *err)
{
	int8_t *cmp = arena_alloc(arena, n ? n : 1);
	uint8_t *tmp = arena_alloc(arena, n ? n : 1);
	int rc = x_col_alloc(arena, TSFILE_BOOLEAN, n, out, err);
	uint8_t *o, *on;

	if (rc)
		return rc;
	if (!cmp || !tmp)
		return oom(err);
	o = (uint8_t *)out->values;
	on = (uint8_t *)out->nulls;
	memcpy(on, a->nulls, n);
	for (size_t i = 0; i < n; i++)
		o[i] = x->kind == X_BETWEEN;
	for (size_t k = 0; k < x->n_args; k++) {
		larch_column_t v;
		rc = x_eval(x->args[k], n, times, inputs, arena, &v, err);
		if (rc == LARCH_OK)
			rc = compare_cols(x->cmp, n, a, &v, arena, cmp, err);
		if (rc)
			return rc;
		if (x->kind == X_BETWEEN) {
			cmp_apply(k == 0 ? AST_OP_GE : AST_OP_LE, cmp, n, tmp);
			for (size_t i = 0; i < n; i++) {
				o[i] &= tmp[i];
				on[i] |= v.nulls[i];
			}
		} else {
			for (size_t i = 0; i < n; i++)
				o[i] |= !v.nulls[i] && cmp[i] == 0;
		}
	}
	if (x->negated)
		for (size_t i = 0; i < n; i++)
			o[i] = !o[i];
	return LARCH_OK;
}

/* LIKE: % matches any run, _ one byte, \ escapes the next pattern byte;
 * the whole value must match.  Greedy with one backtrack point (the last
 * %), so linear in practice and O(len * plen) at worst. */
static int like_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	while (si < sn) {
		if (pi < pn && p[pi] == '%') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < pn) {
			int esc = p[pi] == '\\' && pi + 1 < pn;
			char pc = p[pi + esc];
			if ((!esc && pc == '_') || pc == s[si]) {
				pi += 1 + esc;
				si++;
				continue;
			}
		}
		if (star_p == (size_t)-1)
			return 0;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < pn && p[pi] == '%')
		pi++;
	return pi == pn;
}

/* REGEXP: a match anywhere in the value (glibc's REG_STARTEND, no copy). */
static int regex_match(const regex_t *re, const tsfile_bytes_t *v)
{
	regmatch_t m[1];

	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)v->len;
	return regexec(re, v->ptr ? v->ptr : "", 1, m, REG_STARTEND) == 0;
}

static int eval_match(const expr_t *x, size_t n, const larch_column_t *a, arena_t *arena,
		      larch_column_t *out, larch_error_t *err)
{
	const tsfile_bytes_t *v = a->values;
	int rc = x_col_alloc(arena, TSFILE_BOOLEAN, n, out, err);
	uint8_t *o;

	if (rc)
		return rc;
	o = (uint8_t *)out->values;
	nulls_or(a, NULL, n, out);
	for (size_t i = 0; i < n; i++) {
		int m;
		if (a->nulls[i])
			continue;
		m = x->re ? regex_match(x->re, &v[i])
			  : like_match(x->sarg[0], x->slen[0], v[i].ptr, v[i].len);
		o[i] = (uint8_t)(m != x->negated);
	}
	return LARCH_OK;
}

static int eval_case(const expr_t *x, size_t n, const int64_t *times,
		     const larch_column_t *inputs, arena_t *arena, larch_column_t *out,
		     larch_error_t *err)
{
	size_t elem = tsfile_type_size(x->type);
	uint8_t *done = arena_calloc(arena, n ? n : 1, 1);
	int rc = x_col_alloc(arena, x->type, n, out, err);

	if (rc)
		return rc;
	if (!done)
		return oom(err);
	memset((uint8_t *)out->nulls, 1, n);
	for (size_t k = 0; k <= x->n_args / 2; k++) {
		const expr_t *then = k < x->n_args / 2 ? x->args[2 * k + 1] : x->b;
		larch_column_t cond, val, cv;
		if (!then)
			break;
		if (k < x->n_args / 2) {
			rc = x_eval(x->args[2 * k], n, times, inputs, arena, &cond, err);
			if (rc)
				return rc;
		}
		rc = x_eval(then, n, times, inputs, arena, &val, err);
		if (rc == LARCH_OK)
			rc = x_cast(&val, n, x->type, arena, &cv, err);
		if (rc)
			return rc;
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			if (k < x->n_args / 2 &&
			    (cond.nulls[i] || !((const uint8_t *)cond.values)[i]))
				continue;
			done[i] = 1;
			((uint8_t *)out->nulls)[i] = cv.nulls[i];
			memcpy((uint8_t *)out->values + i * elem, (const uint8_t *)cv.values + i * elem,
			       elem);
		}
	}
	return LARCH_OK;
}

static int eval_args(const expr_t *x, size_t n, const int64_t *times,
		     const larch_column_t *inputs, arena_t *arena, larch_column_t **args,
		     larch_error_t *err)
{
	*args = arena_calloc(arena, x->n_args ? x->n_args : 1, sizeof(**args));
	if (!*args)
		return oom(err);
	for (size_t i = 0; i < x->n_args; i++) {
		int rc = x_eval(x->args[i], n, times, inputs, arena, &(*args)[i], err);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

int x_eval(const expr_t *x, size_t n, const int64_t *times, const larch_column_t *inputs,
	   arena_t *arena, larch_column_t *out, larch_error_t *err)
{
	larch_column_t a, b, *args;
	int rc = LARCH_OK;

	switch (x->kind) {
	case X_INPUT:
		*out = inputs[x->input];
		if (!out->nulls) {
			out->nulls = arena_calloc(arena, n ? n : 1, 1);
			if (!out->nulls)
				return oom(err);
		}
		return LARCH_OK;
	case X_TIME:
		out->type = TSFILE_INT64;
		out->values = times;
		out->nulls = arena_calloc(arena, n ? n : 1, 1);
		return out->nulls ? LARCH_OK : oom(err);
	case X_CONST:
		return eval_const(x, n, arena, out, err);
	case X_FUNC:
		rc = eval_args(x, n, times, inputs, arena, &args, err);
		return rc ? rc : x_func_eval(x, n, args, arena, out, err);
	case X_CASE:
		return eval_case(x, n, times, inputs, arena, out, err);
	default:
		break;
	}
	rc = x_eval(x->a, n, times, inputs, arena, &a, err);
	if (rc == LARCH_OK && x->b && (x->kind == X_ARITH || x->kind == X_CMP || x->kind == X_LOGIC))
		rc = x_eval(x->b, n, times, inputs, arena, &b, err);
	if (rc)
		return rc;
	switch (x->kind) {
	case X_NEG:
		return eval_neg(x, n, &a, arena, out, err);
	case X_NOT:
		rc = x_col_alloc(arena, TSFILE_BOOLEAN, n, out, err);
		if (rc)
			return rc;
		nulls_or(&a, NULL, n, out);
		for (size_t i = 0; i < n; i++)
			((uint8_t *)out->values)[i] = !((const uint8_t *)a.values)[i];
		return LARCH_OK;
	case X_ARITH:
		return eval_arith(x, n, &a, &b, arena, out, err);
	case X_CMP:
		return eval_cmp(x, n, &a, &b, arena, out, err);
	case X_LOGIC:
		return eval_logic(x, n, &a, &b, arena, out, err);
	case X_BETWEEN:
	case X_IN:
		return eval_between_in(x, n, times, inputs, &a, arena, out, err);
	case X_MATCH:
		return eval_match(x, n, &a, arena, out, err);
	case X_ISNULL:
		rc = x_col_alloc(arena, TSFILE_BOOLEAN, n, out, err);
		if (rc)
			return rc;
		for (size_t i = 0; i < n; i++)
			((uint8_t *)out->values)[i] = (uint8_t)((a.nulls[i] != 0) != x->negated);
		return LARCH_OK;
	case X_CAST:
		return x_cast(&a, n, x->type, arena, out, err);
	default:
		return err_set(err, LARCH_INTERNAL_ERROR, "unknown expression node %d", x->kind);
	}
}

int expr_eval(const expr_t *x, size_t n, const int64_t *times, const larch_column_t *inputs,
	      arena_t *arena, larch_column_t *out, larch_error_t *err)
{
	return x_eval(x, n, times, inputs, arena, out, err);
}

int expr_eval_filter(const expr_t *x, size_t n, const int64_t *times,
		     const larch_column_t *inputs, arena_t *arena, uint8_t *sel,
		     larch_error_t *err)
{
	larch_column_t c;
	int rc;

	if (x->type != TSFILE_BOOLEAN)
		return err_set(err, LARCH_SEMANTIC_ERROR, "the WHERE clause must be a boolean expression");
	rc = x_eval(x, n, times, inputs, arena, &c, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		sel[i] = !c.nulls[i] && ((const uint8_t *)c.values)[i];
	return LARCH_OK;
}
