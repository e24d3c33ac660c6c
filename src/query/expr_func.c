/*
 * expr_func.c — IoTDB's built-in scalar functions and CAST.
 *
 * Math (sin ... sqrt, ceil, floor, round with 'places') give DOUBLE; ABS and
 * SIGN keep the input type.  String functions take their constant
 * arguments as attributes, as IoTDB does: LENGTH, UPPER, LOWER, TRIM,
 * STRCMP(a, b), STARTSWITH/ENDSWITH('target'), STRING_CONTAINS('s'),
 * STRING_MATCHES('regex'), LOCATE('target'[, 'reverse']), CONCAT(series...,
 * 'target1'.. [, 'series_behind']), SUBSTRING(s, from[, for]) (1-based),
 * REPLACE('from', 'to').  CAST follows IoTDB: floating to integer rounds
 * half up, out-of-range values and text that does not parse are errors,
 * numbers to text print as Java's toString does.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "query/expr_int.h"

typedef struct fn_desc {
	const char *name;
	x_fn_t fn;
	int kind;              /* 'm' math (numeric -> DOUBLE), 's' same type, 't' text */
} fn_desc_t;

static const fn_desc_t fns[] = {
	{ "sin", X_FN_SIN, 'm' }, { "cos", X_FN_COS, 'm' }, { "tan", X_FN_TAN, 'm' },
	{ "asin", X_FN_ASIN, 'm' }, { "acos", X_FN_ACOS, 'm' }, { "atan", X_FN_ATAN, 'm' },
	{ "sinh", X_FN_SINH, 'm' }, { "cosh", X_FN_COSH, 'm' }, { "tanh", X_FN_TANH, 'm' },
	{ "degrees", X_FN_DEGREES, 'm' }, { "radians", X_FN_RADIANS, 'm' },
	{ "ceil", X_FN_CEIL, 'm' }, { "floor", X_FN_FLOOR, 'm' }, { "round", X_FN_ROUND, 'm' },
	{ "exp", X_FN_EXP, 'm' }, { "ln", X_FN_LN, 'm' }, { "log10", X_FN_LOG10, 'm' },
	{ "sqrt", X_FN_SQRT, 'm' }, { "abs", X_FN_ABS, 's' }, { "sign", X_FN_SIGN, 's' },
	{ "length", X_FN_LENGTH, 't' }, { "upper", X_FN_UPPER, 't' }, { "lower", X_FN_LOWER, 't' },
	{ "trim", X_FN_TRIM, 't' }, { "strcmp", X_FN_STRCMP, 't' },
	{ "startswith", X_FN_STARTSWITH, 't' }, { "endswith", X_FN_ENDSWITH, 't' },
	{ "string_contains", X_FN_STRING_CONTAINS, 't' },
	{ "string_matches", X_FN_STRING_MATCHES, 't' }, { "locate", X_FN_LOCATE, 't' },
	{ "concat", X_FN_CONCAT, 't' }, { "substring", X_FN_SUBSTRING, 't' },
	{ "replace", X_FN_REPLACE, 't' },
};

static const char *attr(const ast_expr_t *e, const char *key)
{
	for (size_t i = 0; i < e->n_attrs; i++)
		if (!strcasecmp(e->attrs[i].key, key))
			return e->attrs[i].value;
	return NULL;
}

static int fn_error(const ast_expr_t *e, const char *what, larch_error_t *err)
{
	return err_set(err, LARCH_SEMANTIC_ERROR, "position %d: %s: %s", e->pos, e->sval, what);
}

/* Set sarg[i] from attribute `key` (required). */
static int need_attr(const ast_expr_t *e, expr_t *x, int i, const char *key, larch_error_t *err)
{
	const char *v = attr(e, key);

	if (!v) {
		char msg[96];
		snprintf(msg, sizeof(msg), "the attribute '%s' is required", key);
		return fn_error(e, msg, err);
	}
	x->sarg[i] = v;
	x->slen[i] = strlen(v);
	return LARCH_OK;
}

static int text_args(const ast_expr_t *e, const expr_t *x, size_t lo, size_t hi,
		     larch_error_t *err)
{
	if (x->n_args < lo || x->n_args > hi)
		return fn_error(e, "wrong number of arguments", err);
	return LARCH_OK;
}

static int compile_text_fn(const ast_expr_t *e, expr_t *x, larch_error_t *err)
{
	int rc;

	x->type = TSFILE_TEXT;
	switch (x->fn) {
	case X_FN_CONCAT:
		for (size_t i = 0; i < x->n_args; i++)
			if (!x_type_is_bytes(x->args[i]->type))
				return fn_error(e, "arguments must be text", err);
		x->flag = attr(e, "series_behind") && !strcasecmp(attr(e, "series_behind"), "true");
		return LARCH_OK;
	case X_FN_SUBSTRING:
		if (x->n_args < 2 || x->n_args > 3 || x->args[1]->kind != X_CONST ||
		    (x->n_args == 3 && x->args[2]->kind != X_CONST) ||
		    !x_type_is_int(x->args[1]->type))
			return fn_error(e, "expects (text, from[, length]) with integer constants", err);
		x->iarg[0] = x->args[1]->cval.v.i64;
		x->iarg[1] = x->n_args == 3 ? x->args[2]->cval.v.i64 : INT64_MAX;
		x->n_args = 1;
		break;
	default:
		rc = text_args(e, x, 1, x->fn == X_FN_STRCMP ? 2 : 1, err);
		if (rc)
			return rc;
		if (x->fn == X_FN_STRCMP && x->n_args != 2)
			return fn_error(e, "expects two arguments", err);
		break;
	}
	for (size_t i = 0; i < x->n_args; i++)
		if (!x_type_is_bytes(x->args[i]->type))
			return fn_error(e, "arguments must be text", err);
	switch (x->fn) {
	case X_FN_LENGTH: case X_FN_STRCMP:
		x->type = TSFILE_INT32;
		return LARCH_OK;
	case X_FN_LOCATE:
		x->type = TSFILE_INT32;
		x->flag = attr(e, "reverse") && !strcasecmp(attr(e, "reverse"), "true");
		return need_attr(e, x, 0, "target", err);
	case X_FN_STARTSWITH: case X_FN_ENDSWITH:
		x->type = TSFILE_BOOLEAN;
		return need_attr(e, x, 0, "target", err);
	case X_FN_STRING_CONTAINS:
		x->type = TSFILE_BOOLEAN;
		return need_attr(e, x, 0, "s", err);
	case X_FN_STRING_MATCHES:
		x->type = TSFILE_BOOLEAN;
		return need_attr(e, x, 0, "regex", err);
	case X_FN_REPLACE:
		rc = need_attr(e, x, 0, "from", err);
		return rc ? rc : need_attr(e, x, 1, "to", err);
	default:
		return LARCH_OK;
	}
}

int x_func_compile(const ast_expr_t *e, expr_t *x, larch_error_t *err)
{
	const fn_desc_t *d = NULL;

	for (size_t i = 0; i < LR_ARRAY_LEN(fns); i++)
		if (!strcasecmp(fns[i].name, e->sval))
			d = &fns[i];
	if (!d)
		return err_set(err, LARCH_SEMANTIC_ERROR, "position %d: unknown function %s", e->pos,
			       e->sval);
	x->fn = d->fn;
	if (d->kind == 't')
		return compile_text_fn(e, x, err);
	/* ROUND(x, places) also takes its places as a second, constant argument */
	if (x->fn == X_FN_ROUND && x->n_args == 2) {
		if (x->args[1]->kind != X_CONST || !x_type_is_int(x->args[1]->type))
			return fn_error(e, "places must be an integer constant", err);
		x->iarg[0] = x->args[1]->cval.v.i64;
		x->n_args = 1;
	} else if (x->fn == X_FN_ROUND) {
		const char *p = attr(e, "places");
		x->iarg[0] = p ? strtoll(p, NULL, 10) : 0;
	}
	if (x->n_args != 1 || !x_type_is_numeric(x->args[0]->type))
		return fn_error(e, "expects one numeric argument", err);
	if (x->iarg[0] < -20 || x->iarg[0] > 20)
		return fn_error(e, "places must be within [-20, 20]", err);
	x->type = d->kind == 's' ? x->args[0]->type : TSFILE_DOUBLE;
	return LARCH_OK;
}

static double math1(x_fn_t fn, double v, int64_t places)
{
	switch (fn) {
	case X_FN_SIN: return sin(v);
	case X_FN_COS: return cos(v);
	case X_FN_TAN: return tan(v);
	case X_FN_ASIN: return asin(v);
	case X_FN_ACOS: return acos(v);
	case X_FN_ATAN: return atan(v);
	case X_FN_SINH: return sinh(v);
	case X_FN_COSH: return cosh(v);
	case X_FN_TANH: return tanh(v);
	case X_FN_DEGREES: return v * (180.0 / M_PI);
	case X_FN_RADIANS: return v * (M_PI / 180.0);
	case X_FN_CEIL: return ceil(v);
	case X_FN_FLOOR: return floor(v);
	case X_FN_ROUND: {
		double f = pow(10.0, (double)places);
		return floor(v * f + 0.5) / f;
	}
	case X_FN_EXP: return exp(v);
	case X_FN_LN: return log(v);
	case X_FN_LOG10: return log10(v);
	default: return sqrt(v);
	}
}

/* ABS and SIGN in the input's own type. */
static void same_type_fn(x_fn_t fn, const larch_column_t *a, size_t n, larch_column_t *out)
{
	switch (a->type) {
	case TSFILE_INT32: case TSFILE_DATE: {
		const int32_t *v = a->values;
		int32_t *o = (int32_t *)out->values;
		for (size_t i = 0; i < n; i++)
			o[i] = fn == X_FN_ABS ? (v[i] < 0 ? (int32_t)(0u - (uint32_t)v[i]) : v[i])
					      : (v[i] > 0) - (v[i] < 0);
		break;
	}
	case TSFILE_INT64: case TSFILE_TIMESTAMP: {
		const int64_t *v = a->values;
		int64_t *o = (int64_t *)out->values;
		for (size_t i = 0; i < n; i++)
			o[i] = fn == X_FN_ABS ? (v[i] < 0 ? (int64_t)(0ull - (uint64_t)v[i]) : v[i])
					      : (v[i] > 0) - (v[i] < 0);
		break;
	}
	case TSFILE_FLOAT: {
		const float *v = a->values;
		float *o = (float *)out->values;
		for (size_t i = 0; i < n; i++)
			o[i] = fn == X_FN_ABS ? fabsf(v[i]) : (float)((v[i] > 0) - (v[i] < 0));
		break;
	}
	default: {
		const double *v = a->values;
		double *o = (double *)out->values;
		for (size_t i = 0; i < n; i++)
			o[i] = fn == X_FN_ABS ? fabs(v[i]) : (double)((v[i] > 0) - (v[i] < 0));
		break;
	}
	}
}

/* Byte-string search: first (or last) index of needle in hay, or -1. */
static long find_bytes(const char *hay, size_t hn, const char *needle, size_t nn, int last)
{
	long found = -1;

	if (nn > hn)
		return -1;
	for (size_t i = 0; i + nn <= hn; i++)
		if (!memcmp(hay + i, needle, nn)) {
			found = (long)i;
			if (!last)
				break;
		}
	return found;
}

static int put_bytes(arena_t *arena, tsfile_bytes_t *o, const char *p, size_t n)
{
	char *c = arena_alloc(arena, n ? n : 1);

	if (!c)
		return LARCH_NO_MEMORY;
	memcpy(c, p, n);
	o->ptr = c;
	o->len = (uint32_t)n;
	return LARCH_OK;
}

/* One row of a text function into out row i. */
static int text_row(const expr_t *x, const larch_column_t *args, size_t i, arena_t *arena,
		    larch_column_t *out)
{
	const tsfile_bytes_t *s = &((const tsfile_bytes_t *)args[0].values)[i];
	tsfile_bytes_t *ot = (tsfile_bytes_t *)out->values;
	int32_t *oi = (int32_t *)out->values;
	uint8_t *ob = (uint8_t *)out->values;
	buf_t b = { 0 };
	int rc = LARCH_OK;

	switch (x->fn) {
	case X_FN_LENGTH:
		oi[i] = (int32_t)s->len;
		return LARCH_OK;
	case X_FN_STRCMP: {
		const tsfile_bytes_t *t = &((const tsfile_bytes_t *)args[1].values)[i];
		size_t m = LR_MIN(s->len, t->len);
		int c = m ? memcmp(s->ptr, t->ptr, m) : 0;
		oi[i] = c ? c : (int32_t)s->len - (int32_t)t->len;
		return LARCH_OK;
	}
	case X_FN_STARTSWITH:
		ob[i] = s->len >= x->slen[0] && !memcmp(s->ptr, x->sarg[0], x->slen[0]);
		return LARCH_OK;
	case X_FN_ENDSWITH:
		ob[i] = s->len >= x->slen[0] &&
			!memcmp(s->ptr + s->len - x->slen[0], x->sarg[0], x->slen[0]);
		return LARCH_OK;
	case X_FN_STRING_CONTAINS:
		ob[i] = find_bytes(s->ptr, s->len, x->sarg[0], x->slen[0], 0) >= 0;
		return LARCH_OK;
	case X_FN_STRING_MATCHES: {
		regmatch_t m[1] = { { 0, (regoff_t)s->len } };
		ob[i] = regexec(x->re, s->ptr ? s->ptr : "", 1, m, REG_STARTEND) == 0;
		return LARCH_OK;
	}
	case X_FN_LOCATE:
		oi[i] = (int32_t)find_bytes(s->ptr, s->len, x->sarg[0], x->slen[0], x->flag);
		return LARCH_OK;
	case X_FN_SUBSTRING: {
		int64_t from = x->iarg[0] < 1 ? 0 : x->iarg[0] - 1;
		int64_t len = x->iarg[1];
		if (from > (int64_t)s->len)
			from = s->len;
		if (len < 0 || len > (int64_t)s->len - from)
			len = (int64_t)s->len - from;
		return put_bytes(arena, &ot[i], s->ptr + from, (size_t)len);
	}
	case X_FN_UPPER:
	case X_FN_LOWER:
		rc = put_bytes(arena, &ot[i], s->ptr, s->len);
		for (uint32_t k = 0; rc == LARCH_OK && k < s->len; k++)
			((char *)ot[i].ptr)[k] = (char)(x->fn == X_FN_UPPER
				? toupper((unsigned char)s->ptr[k]) : tolower((unsigned char)s->ptr[k]));
		return rc;
	case X_FN_TRIM: {
		size_t a = 0, z = s->len;
		while (a < z && (unsigned char)s->ptr[a] <= ' ')
			a++;
		while (z > a && (unsigned char)s->ptr[z - 1] <= ' ')
			z--;
		return put_bytes(arena, &ot[i], s->ptr + a, z - a);
	}
	case X_FN_REPLACE:
		for (size_t k = 0; k < s->len;) {
			if (x->slen[0] && k + x->slen[0] <= s->len &&
			    !memcmp(s->ptr + k, x->sarg[0], x->slen[0])) {
				buf_put(&b, x->sarg[1], x->slen[1]);
				k += x->slen[0];
			} else {
				buf_put(&b, s->ptr + k++, 1);
			}
		}
		break;
	default: /* CONCAT: targets in attribute order target1, target2, ... */
		if (x->flag)
			for (size_t k = 0; k < x->src->n_attrs; k++)
				if (!strncasecmp(x->src->attrs[k].key, "target", 6))
					buf_put(&b, x->src->attrs[k].value, strlen(x->src->attrs[k].value));
		for (size_t k = 0; k < x->n_args; k++) {
			const tsfile_bytes_t *v = &((const tsfile_bytes_t *)args[k].values)[i];
			if (!args[k].nulls[i])
				buf_put(&b, v->ptr, v->len);
		}
		if (!x->flag)
			for (size_t k = 0; k < x->src->n_attrs; k++)
				if (!strncasecmp(x->src->attrs[k].key, "target", 6))
					buf_put(&b, x->src->attrs[k].value, strlen(x->src->attrs[k].value));
		break;
	}
	rc = buf_ok(&b) ? put_bytes(arena, &ot[i], (const char *)b.data, b.len) : LARCH_NO_MEMORY;
	buf_free(&b);
	return rc;
}

int x_func_eval(const expr_t *x, size_t n, const larch_column_t *args, arena_t *arena,
		larch_column_t *out, larch_error_t *err)
{
	int rc = x_col_alloc(arena, x->type, n, out, err);
	uint8_t *on;

	if (rc)
		return rc;
	on = (uint8_t *)out->nulls;
	if (x->fn <= X_FN_SQRT) {
		double *v = x_as_f64(&args[0], n, arena), *o = (double *)out->values;
		if (!v)
			return err_set(err, LARCH_NO_MEMORY, "out of memory in %s", x->src->sval);
		for (size_t i = 0; i < n; i++)
			o[i] = math1(x->fn, v[i], x->iarg[0]);
		memcpy(on, args[0].nulls, n);
		return LARCH_OK;
	}
	if (x->fn == X_FN_ABS || x->fn == X_FN_SIGN) {
		same_type_fn(x->fn, &args[0], n, out);
		memcpy(on, args[0].nulls, n);
		return LARCH_OK;
	}
	for (size_t i = 0; i < n; i++) {
		int any_null = 0;
		for (size_t k = 0; k < x->n_args; k++)
			any_null |= args[k].nulls[i];
		/* CONCAT skips null arguments; a row with all of them null is null */
		if (x->fn == X_FN_CONCAT) {
			any_null = 1;
			for (size_t k = 0; k < x->n_args; k++)
				any_null &= args[k].nulls[i];
		}
		on[i] = (uint8_t)any_null;
		if (any_null)
			continue;
		if (text_row(x, args, i, arena, out))
			return err_set(err, LARCH_NO_MEMORY, "out of memory in %s", x->src->sval);
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * CAST
 *---------------------------------------------------------------------------*/

/* Java's Double.toString / Float.toString: the shortest digits that read
 * back to the same value; plain notation for 1e-3 <= |v| < 1e7 with at
 * least one fractional digit, else d.dddE[-]n.  Java picks, among the
 * shortest decimals, the closest to v, and when one digit would do, among
 * those of one or two digits: so the search starts at two (Double.MIN_VALUE
 * is 4.9E-324, not 5.0E-324; only subnormals differ from starting at one,
 * every other value's two-digit rounding ends in 0 and is trimmed). */
size_t x_format_java(double v, int is_float, char *out, size_t cap)
{
	char digits[40];
	int prec, exp10;

	if (isnan(v))
		return (size_t)snprintf(out, cap, "NaN");
	if (isinf(v))
		return (size_t)snprintf(out, cap, v > 0 ? "Infinity" : "-Infinity");
	if (v == 0)
		return (size_t)snprintf(out, cap, signbit(v) ? "-0.0" : "0.0");
	for (prec = 2; prec <= 17; prec++) {
		snprintf(digits, sizeof(digits), "%.*e", prec - 1, v);
		if (is_float ? strtof(digits, NULL) == (float)v : strtod(digits, NULL) == v)
			break;
	}
	/* digits = [-]d.ddde[+-]xx: split mantissa digits and exponent */
	char mant[24];
	size_t m = 0;
	const char *p = digits;
	int neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			mant[m++] = *p;
	mant[m] = 0;
	exp10 = atoi(p + 1);
	while (m > 1 && mant[m - 1] == '0')
		mant[--m] = 0;
	char res[64];
	size_t r = 0;
	if (neg)
		res[r++] = '-';
	if (exp10 >= -3 && exp10 < 7) {
		if (exp10 < 0) {
			res[r++] = '0';
			res[r++] = '.';
			for (int k = -1; k > exp10; k--)
				res[r++] = '0';
			for (size_t k = 0; k < m; k++)
				res[r++] = mant[k];
		} else {
			for (int k = 0; k <= exp10; k++)
				res[r++] = (size_t)k < m ? mant[k] : '0';
			res[r++] = '.';
			if ((size_t)exp10 + 1 < m)
				for (size_t k = (size_t)exp10 + 1; k < m; k++)
					res[r++] = mant[k];
			else
				res[r++] = '0';
		}
		res[r] = 0;
	} else {
		res[r++] = mant[0];
		res[r++] = '.';
		if (m > 1)
			for (size_t k = 1; k < m; k++)
				res[r++] = mant[k];
		else
			res[r++] = '0';
		r += (size_t)snprintf(res + r, sizeof(res) - r, "E%d", exp10);
	}
	return (size_t)snprintf(out, cap, "%s", res);
}

static int cast_error(const char *what, const tsfile_bytes_t *s, tsfile_type_t t,
		      larch_error_t *err)
{
	return err_set(err, LARCH_EXECUTE_ERROR, "cannot cast %s%.*s%s to %s", s ? "'" : "",
		       s ? (int)LR_MIN(s->len, 64u) : (int)strlen(what), s ? s->ptr : what,
		       s ? "'" : "", tsfile_type_name(t));
}

/* Parse a text cell as a number (the whole text, surrounding blanks
 * allowed); 0 on failure. */
static int parse_number(const tsfile_bytes_t *s, int integer, int64_t *iv, double *dv)
{
	char tmp[80], *end;

	if (s->len == 0 || s->len >= sizeof(tmp))
		return 0;
	memcpy(tmp, s->ptr, s->len);
	tmp[s->len] = 0;
	errno = 0;
	if (integer)
		*iv = strtoll(tmp, &end, 10);
	else
		*dv = strtod(tmp, &end);
	while (*end == ' ')
		end++;
	return *end == 0 && end != tmp && errno == 0;
}

/* One cell to an integer type with range [lo, hi]. */
static int cast_to_int(const larch_column_t *in, size_t i, tsfile_type_t t, int64_t lo, int64_t hi,
		       int64_t *v, larch_error_t *err)
{
	double d;

	switch (in->type) {
	case TSFILE_BOOLEAN: *v = ((const uint8_t *)in->values)[i]; return LARCH_OK;
	case TSFILE_INT32: case TSFILE_DATE: *v = ((const int32_t *)in->values)[i]; break;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: *v = ((const int64_t *)in->values)[i]; break;
	case TSFILE_FLOAT: case TSFILE_DOUBLE:
		d = in->type == TSFILE_FLOAT ? ((const float *)in->values)[i]
					     : ((const double *)in->values)[i];
		d = floor(d + 0.5);
		if (!(d >= (double)lo && d <= (double)hi))
			return cast_error("a value out of range", NULL, t, err);
		*v = (int64_t)d;
		return LARCH_OK;
	default: {
		const tsfile_bytes_t *s = &((const tsfile_bytes_t *)in->values)[i];
		if (!parse_number(s, 1, v, &d))
			return cast_error(NULL, s, t, err);
		break;
	}
	}
	if (*v < lo || *v > hi)
		return cast_error("a value out of range", NULL, t, err);
	return LARCH_OK;
}

static int cast_to_double(const larch_column_t *in, size_t i, tsfile_type_t t, double *v,
			  larch_error_t *err)
{
	int64_t iv;

	switch (in->type) {
	case TSFILE_BOOLEAN: *v = ((const uint8_t *)in->values)[i]; return LARCH_OK;
	case TSFILE_INT32: case TSFILE_DATE: *v = ((const int32_t *)in->values)[i]; return LARCH_OK;
	case TSFILE_INT64: case TSFILE_TIMESTAMP:
		*v = (double)((const int64_t *)in->values)[i];
		return LARCH_OK;
	case TSFILE_FLOAT: *v = ((const float *)in->values)[i]; return LARCH_OK;
	case TSFILE_DOUBLE: *v = ((const double *)in->values)[i]; return LARCH_OK;
	default: {
		const tsfile_bytes_t *s = &((const tsfile_bytes_t *)in->values)[i];
		if (!parse_number(s, 0, &iv, v))
			return cast_error(NULL, s, t, err);
		return LARCH_OK;
	}
	}
}

static int cast_to_text(const larch_column_t *in, size_t i, arena_t *arena, tsfile_bytes_t *o,
			larch_error_t *err)
{
	char tmp[64];
	size_t n;

	switch (in->type) {
	case TSFILE_BOOLEAN:
		n = (size_t)snprintf(tmp, sizeof(tmp), "%s",
				     ((const uint8_t *)in->values)[i] ? "true" : "false");
		break;
	case TSFILE_INT32: case TSFILE_DATE:
		n = (size_t)snprintf(tmp, sizeof(tmp), "%d", ((const int32_t *)in->values)[i]);
		break;
	case TSFILE_INT64: case TSFILE_TIMESTAMP:
		n = (size_t)snprintf(tmp, sizeof(tmp), "%lld",
				     (long long)((const int64_t *)in->values)[i]);
		break;
	case TSFILE_FLOAT:
		n = x_format_java(((const float *)in->values)[i], 1, tmp, sizeof(tmp));
		break;
	case TSFILE_DOUBLE:
		n = x_format_java(((const double *)in->values)[i], 0, tmp, sizeof(tmp));
		break;
	default:
		*o = ((const tsfile_bytes_t *)in->values)[i];
		return LARCH_OK;
	}
	if (put_bytes(arena, o, tmp, n))
		return err_set(err, LARCH_NO_MEMORY, "out of memory in CAST");
	return LARCH_OK;
}

static int cast_to_bool(const larch_column_t *in, size_t i, uint8_t *o, larch_error_t *err)
{
	double d;

	if (x_type_is_bytes(in->type)) {
		const tsfile_bytes_t *s = &((const tsfile_bytes_t *)in->values)[i];
		if (s->len == 4 && !strncasecmp(s->ptr, "true", 4))
			*o = 1;
		else if (s->len == 5 && !strncasecmp(s->ptr, "false", 5))
			*o = 0;
		else
			return cast_error(NULL, s, TSFILE_BOOLEAN, err);
		return LARCH_OK;
	}
	cast_to_double(in, i, TSFILE_BOOLEAN, &d, err);
	*o = d != 0;
	return LARCH_OK;
}

int x_cast(const larch_column_t *in, size_t n, tsfile_type_t t, arena_t *arena,
	   larch_column_t *out, larch_error_t *err)
{
	int rc;

	if (in->type == t) {
		*out = *in;
		return LARCH_OK;
	}
	rc = x_col_alloc(arena, t, n, out, err);
	if (rc)
		return rc;
	memcpy((uint8_t *)out->nulls, in->nulls, n);
	for (size_t i = 0; i < n && rc == LARCH_OK; i++) {
		int64_t iv;
		double dv;
		if (in->nulls[i])
			continue;
		switch (t) {
		case TSFILE_BOOLEAN:
			rc = cast_to_bool(in, i, &((uint8_t *)out->values)[i], err);
			break;
		case TSFILE_INT32: case TSFILE_DATE:
			rc = cast_to_int(in, i, t, INT32_MIN, INT32_MAX, &iv, err);
			((int32_t *)out->values)[i] = (int32_t)iv;
			break;
		case TSFILE_INT64: case TSFILE_TIMESTAMP:
			rc = cast_to_int(in, i, t, INT64_MIN, INT64_MAX, &iv, err);
			((int64_t *)out->values)[i] = iv;
			break;
		case TSFILE_FLOAT:
			rc = cast_to_double(in, i, t, &dv, err);
			if (rc == LARCH_OK && isfinite(dv) && fabs(dv) > 3.4028234663852886e38)
				rc = cast_error("a value out of range", NULL, t, err);
			((float *)out->values)[i] = (float)dv;
			break;
		case TSFILE_DOUBLE:
			rc = cast_to_double(in, i, t, &dv, err);
			((double *)out->values)[i] = dv;
			break;
		default:
			rc = cast_to_text(in, i, arena, &((tsfile_bytes_t *)out->values)[i], err);
			break;
		}
	}
	return rc;
}
