/*
 * agg.c — aggregate functions: the table of built-in aggregates, name and
 * type resolution with IoTDB's result types and errors, COUNT_IF's keep
 * condition, state life cycle, value helpers, merge and results.  Rows and
 * summaries enter states in agg_update.c; MODE's table is agg_mode.c.
 */
#include <math.h>
#include <strings.h>

#include "query/agg_int.h"

/* Result type rules (IoTDB's TypeInferenceUtils). */
enum { OUT_INT64, OUT_DOUBLE, OUT_SAME };

/* Input type rules. */
enum {
	IN_ANY,          /* every type */
	IN_NUMERIC,      /* INT32, INT64, FLOAT, DOUBLE */
	IN_ORDERED,      /* numeric, STRING, DATE, TIMESTAMP */
	IN_BOOLEAN
};

typedef struct kind_info {
	const char *name;
	int in_rule;
	int out_rule;
	int summary;     /* can be answered from a storage summary */
} kind_info_t;

static const kind_info_t kinds[AGG_KIND_COUNT_] = {
	[AGG_COUNT]         = {"count", IN_ANY, OUT_INT64, 1},
	[AGG_SUM]           = {"sum", IN_NUMERIC, OUT_DOUBLE, 1},
	[AGG_AVG]           = {"avg", IN_NUMERIC, OUT_DOUBLE, 1},
	[AGG_EXTREME]       = {"extreme", IN_NUMERIC, OUT_SAME, 1},
	[AGG_MAX_VALUE]     = {"max_value", IN_ORDERED, OUT_SAME, 1},
	[AGG_MIN_VALUE]     = {"min_value", IN_ORDERED, OUT_SAME, 1},
	[AGG_FIRST_VALUE]   = {"first_value", IN_ANY, OUT_SAME, 1},
	[AGG_LAST_VALUE]    = {"last_value", IN_ANY, OUT_SAME, 1},
	[AGG_MAX_TIME]      = {"max_time", IN_ANY, OUT_INT64, 1},
	[AGG_MIN_TIME]      = {"min_time", IN_ANY, OUT_INT64, 1},
	[AGG_STDDEV]        = {"stddev", IN_NUMERIC, OUT_DOUBLE, 0},
	[AGG_STDDEV_POP]    = {"stddev_pop", IN_NUMERIC, OUT_DOUBLE, 0},
	[AGG_STDDEV_SAMP]   = {"stddev_samp", IN_NUMERIC, OUT_DOUBLE, 0},
	[AGG_VARIANCE]      = {"variance", IN_NUMERIC, OUT_DOUBLE, 0},
	[AGG_VAR_POP]       = {"var_pop", IN_NUMERIC, OUT_DOUBLE, 0},
	[AGG_VAR_SAMP]      = {"var_samp", IN_NUMERIC, OUT_DOUBLE, 0},
	[AGG_COUNT_IF]      = {"count_if", IN_BOOLEAN, OUT_INT64, 0},
	[AGG_TIME_DURATION] = {"time_duration", IN_ANY, OUT_INT64, 1},
	[AGG_MODE]          = {"mode", IN_ANY, OUT_SAME, 0},
	[AGG_MAX_BY]        = {"max_by", IN_ANY, OUT_SAME, 0},
	[AGG_MIN_BY]        = {"min_by", IN_ANY, OUT_SAME, 0},
	[AGG_COUNT_TIME]    = {"count_time", IN_ANY, OUT_INT64, 1},
};

static const char MSG_NUMERIC[] =
	"Aggregate functions [AVG, SUM, EXTREME, STDDEV, STDDEV_POP, STDDEV_SAMP, VARIANCE, "
	"VAR_POP, VAR_SAMP] only support numeric data types [INT32, INT64, FLOAT, DOUBLE]";
static const char MSG_ORDERED[] =
	"Aggregate functions [MIN_VALUE, MAX_VALUE] only support data types [INT32, INT64, "
	"FLOAT, DOUBLE, STRING, DATE, TIMESTAMP]";

int agg_lookup(const char *name, agg_kind_t *kind)
{
	for (int k = 0; k < AGG_KIND_COUNT_; k++) {
		if (strcasecmp(name, kinds[k].name) == 0) {
			*kind = (agg_kind_t)k;
			return 1;
		}
	}
	return 0;
}

size_t agg_kind_inputs(agg_kind_t kind)
{
	return kind == AGG_MAX_BY || kind == AGG_MIN_BY ? 2 : 1;
}

static int is_numeric(tsfile_type_t t)
{
	return t == TSFILE_INT32 || t == TSFILE_INT64 || t == TSFILE_FLOAT || t == TSFILE_DOUBLE;
}

/* Check input type t against rule; 0 ok, else the error. */
static int check_input(const char *name, int rule, tsfile_type_t t, larch_error_t *err)
{
	switch (rule) {
	case IN_NUMERIC:
		if (!is_numeric(t))
			return err_set(err, LARCH_SEMANTIC_ERROR, "%s", MSG_NUMERIC);
		break;
	case IN_ORDERED:
		if (!is_numeric(t) && t != TSFILE_STRING && t != TSFILE_DATE &&
		    t != TSFILE_TIMESTAMP)
			return err_set(err, LARCH_SEMANTIC_ERROR, "%s", MSG_ORDERED);
		break;
	case IN_BOOLEAN:
		if (t != TSFILE_BOOLEAN)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "Input series of Aggregation function [%s] only supports data "
				       "type [BOOLEAN]", name);
		break;
	default:
		break;
	}
	if (t == TSFILE_VECTOR)
		return err_set(err, LARCH_SEMANTIC_ERROR, "Aggregation function [%s] cannot take a "
			       "VECTOR column", name);
	return LARCH_OK;
}

/* MAX_BY/MIN_BY compare y: numbers, DATE, TIMESTAMP and STRING only. */
static int check_by_y(tsfile_type_t y, larch_error_t *err)
{
	if (y == TSFILE_TEXT || y == TSFILE_BLOB || y == TSFILE_BOOLEAN)
		return err_set(err, LARCH_SEMANTIC_ERROR, "Unsupported data type in MaxBy/MinBy: %s",
			       tsfile_type_name(y));
	return LARCH_OK;
}

/* COUNT_IF's 'ignoreNull' attribute (case-insensitive key; value "true"
 * in any case is true, anything else false, as Java's parseBoolean).
 * Other attributes are ignored, as IoTDB does. */
static void apply_attrs(agg_fn_t *f, const ast_kv_t *attrs, size_t n_attrs)
{
	for (size_t i = 0; i < n_attrs; i++) {
		if (f->kind == AGG_COUNT_IF && attrs[i].key != NULL &&
		    strcasecmp(attrs[i].key, "ignoreNull") == 0)
			f->ignore_null = attrs[i].value != NULL &&
					 strcasecmp(attrs[i].value, "true") == 0;
	}
}

int agg_resolve(const char *name, const tsfile_type_t *in, size_t n_in, const ast_kv_t *attrs,
		size_t n_attrs, agg_fn_t *out, larch_error_t *err)
{
	agg_kind_t kind;
	if (!agg_lookup(name, &kind))
		return err_set(err, LARCH_SEMANTIC_ERROR, "Invalid Aggregation function: %s", name);
	const kind_info_t *ki = &kinds[kind];
	size_t want = agg_kind_inputs(kind);
	if (n_in != want)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Error size of input expressions of aggregation function [%s]: "
			       "actual size: %zu, expected size: %zu", ki->name, n_in, want);
	int rc = check_input(ki->name, ki->in_rule, in[0], err);
	if (rc == LARCH_OK && want == 2)
		rc = check_by_y(in[1], err);
	if (rc != LARCH_OK)
		return rc;
	memset(out, 0, sizeof *out);
	out->kind = kind;
	out->name = ki->name;
	out->n_in = n_in;
	out->in[0] = in[0];
	out->in[1] = n_in == 2 ? in[1] : in[0];
	out->out_type = ki->out_rule == OUT_INT64 ? TSFILE_INT64
		      : ki->out_rule == OUT_DOUBLE ? TSFILE_DOUBLE : in[0];
	out->keep_op = AST_OP_GE;
	out->keep = 1;
	out->ignore_null = 1;
	apply_attrs(out, attrs, n_attrs);
	return LARCH_OK;
}

/* An integer constant of the keep condition (a signed AST_E_INT). */
static int keep_constant(const ast_expr_t *e, int64_t *v)
{
	if (e->kind == AST_E_INT) {
		*v = e->ival;
		return 1;
	}
	if (e->kind == AST_E_UNARY && e->op == AST_OP_NEG && e->a != NULL &&
	    e->a->kind == AST_E_INT && e->a->ival != INT64_MIN) {
		*v = -e->a->ival;
		return 1;
	}
	return 0;
}

int agg_set_keep(agg_fn_t *f, const ast_expr_t *keep, larch_error_t *err)
{
	int64_t n;
	if (keep_constant(keep, &n)) {
		f->keep_op = AST_OP_GE;
		f->keep = n;
		return LARCH_OK;
	}
	if (keep->kind != AST_E_BINARY || keep->op < AST_OP_EQ || keep->op > AST_OP_GE)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Keep condition of Aggregation function [%s] need to be constant or "
			       "compare expression constructed by keep and a long number", f->name);
	const ast_expr_t *l = keep->a;
	if (l == NULL || l->kind != AST_E_PATH || l->path == NULL || l->path->n != 1 ||
	    strcasecmp(l->path->nodes[0], "keep") != 0 || keep->b == NULL ||
	    !keep_constant(keep->b, &n))
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Please check input keep condition of Aggregation function [%s]",
			       f->name);
	f->keep_op = keep->op;
	f->keep = n;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * States
 *---------------------------------------------------------------------------*/

size_t agg_state_size(const agg_fn_t *f)
{
	(void)f;
	return sizeof(agg_state_t);
}

void agg_init(const agg_fn_t *f, void *state)
{
	(void)f;
	memset(state, 0, sizeof(agg_state_t));
}

int agg_needs_free(const agg_fn_t *f)
{
	return f->kind == AGG_MODE || agg_type_class(f->in[0]) == AGG_CL_BYTES ||
	       agg_type_class(f->in[1]) == AGG_CL_BYTES;
}

void agg_free(const agg_fn_t *f, void *state)
{
	agg_state_t *st = state;
	mem_free(st->v.s.p);
	mem_free(st->x.s.p);
	agg_mode_free(st);
	agg_init(f, st);
}

int agg_can_use_summary(const agg_fn_t *f)
{
	if (!kinds[f->kind].summary)
		return 0;
	/* BLOB statistics keep no values; TEXT keeps no min/max (and
	 * MIN/MAX_VALUE refuse TEXT anyway). */
	if (f->in[0] == TSFILE_BLOB)
		return f->kind != AGG_FIRST_VALUE && f->kind != AGG_LAST_VALUE;
	return 1;
}

/*---------------------------------------------------------------------------
 * Value helpers
 *---------------------------------------------------------------------------*/

int agg_type_class(tsfile_type_t t)
{
	switch (t) {
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE:
		return AGG_CL_FLT;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB:
		return AGG_CL_BYTES;
	default:
		return AGG_CL_INT;
	}
}

void agg_load(tsfile_type_t type, const void *values, size_t r, agg_lv_t *out)
{
	switch (type) {
	case TSFILE_BOOLEAN:
		out->n.i = ((const uint8_t *)values)[r] != 0;
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		out->n.i = ((const int32_t *)values)[r];
		break;
	case TSFILE_FLOAT:
		out->n.d = ((const float *)values)[r];
		break;
	case TSFILE_DOUBLE:
		out->n.d = ((const double *)values)[r];
		break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: {
		const tsfile_bytes_t *b = &((const tsfile_bytes_t *)values)[r];
		out->p = b->ptr;
		out->len = b->len;
		break;
	}
	default:
		out->n.i = ((const int64_t *)values)[r];
		break;
	}
}

void agg_load_tsv(const tsfile_value_t *v, agg_lv_t *out)
{
	switch (v->type) {
	case TSFILE_BOOLEAN:
		out->n.i = v->v.b != 0;
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		out->n.i = v->v.i32;
		break;
	case TSFILE_FLOAT:
		out->n.d = v->v.f;
		break;
	case TSFILE_DOUBLE:
		out->n.d = v->v.d;
		break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB:
		out->p = v->v.bytes.ptr;
		out->len = v->v.bytes.len;
		break;
	default:
		out->n.i = v->v.i64;
		break;
	}
}

/* Copy n bytes into owned storage (grows to at least 16 bytes). */
static int bytes_set(agg_bytes_t *b, const char *p, uint32_t n)
{
	if (n > b->cap || b->p == NULL) {
		uint32_t cap = n < 16 ? 16 : n;
		char *q = mem_realloc(b->p, cap);
		if (q == NULL)
			return LARCH_NO_MEMORY;
		b->p = q;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p, p, n);
	b->len = n;
	return LARCH_OK;
}

int agg_store(int cl, agg_sv_t *dst, const agg_lv_t *src)
{
	if (cl == AGG_CL_BYTES)
		return bytes_set(&dst->s, src->p, src->len);
	dst->n.i = src->n.i;     /* both members are 8 bytes: copies the double too */
	return LARCH_OK;
}

int agg_copy_sv(int cl, agg_sv_t *dst, const agg_sv_t *src)
{
	agg_lv_t lv;
	agg_view(src, &lv);
	return agg_store(cl, dst, &lv);
}

void agg_view(const agg_sv_t *sv, agg_lv_t *out)
{
	out->n.i = sv->n.i;
	out->p = sv->s.p;
	out->len = sv->s.len;
}

int agg_cmp(int cl, const agg_lv_t *a, const agg_lv_t *b)
{
	if (cl == AGG_CL_INT)
		return (a->n.i > b->n.i) - (a->n.i < b->n.i);
	if (cl == AGG_CL_FLT)
		return (a->n.d > b->n.d) - (a->n.d < b->n.d);
	uint32_t n = LR_MIN(a->len, b->len);
	int c = n > 0 ? memcmp(a->p, b->p, n) : 0;
	if (c != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/* |a| compared with |b| for int64 without overflow: INT64_MIN is the
 * largest magnitude. */
static int cmp_abs_i64(int64_t a, int64_t b)
{
	uint64_t ua = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
	uint64_t ub = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
	return (ua > ub) - (ua < ub);
}

int agg_extreme_better(int cl, const agg_lv_t *a, const agg_lv_t *b)
{
	if (cl == AGG_CL_INT) {
		int c = cmp_abs_i64(a->n.i, b->n.i);
		return c > 0 || (c == 0 && a->n.i > b->n.i);
	}
	double fa = fabs(a->n.d), fb = fabs(b->n.d);
	return fa > fb || (fa == fb && a->n.d > b->n.d);
}

void agg_var_merge(agg_state_t *dst, int64_t n, double mean, double m2)
{
	if (n == 0)
		return;
	if (dst->count == 0) {
		dst->count = n;
		dst->mean = mean;
		dst->m2 = m2;
		return;
	}
	int64_t total = dst->count + n;
	double delta = mean - dst->mean;
	dst->m2 += m2 + delta * delta * (double)n * (double)dst->count / (double)total;
	dst->mean = ((double)n * mean + (double)dst->count * dst->mean) / (double)total;
	dst->count = total;
}

/*---------------------------------------------------------------------------
 * Merge
 *---------------------------------------------------------------------------*/

int agg_keep_ok(const agg_fn_t *f, int64_t len)
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

/* COUNT_IF's count including the open run at the end. */
static int64_t count_if_total(const agg_fn_t *f, const agg_state_t *st)
{
	return st->count + (st->has && agg_keep_ok(f, st->t0) ? 1 : 0);
}

/* MAX_BY/MIN_BY: whether src's (y, time) beats dst's. */
static int by_better(const agg_fn_t *f, const agg_state_t *src, const agg_state_t *dst)
{
	if (!dst->has)
		return 1;
	agg_lv_t a, b;
	agg_view(&src->v, &a);
	agg_view(&dst->v, &b);
	int c = agg_cmp(agg_type_class(f->in[1]), &a, &b);
	if (f->kind == AGG_MIN_BY)
		c = -c;
	return c > 0 || (c == 0 && src->t0 < dst->t0);
}

/* Merge value-carrying states: take src's v (and x, t0, flag) when better. */
static int merge_take(const agg_fn_t *f, agg_state_t *dst, const agg_state_t *src)
{
	int rc = agg_copy_sv(agg_type_class(f->kind == AGG_MAX_BY || f->kind == AGG_MIN_BY ?
					    f->in[1] : f->in[0]), &dst->v, &src->v);
	if (rc == LARCH_OK && (f->kind == AGG_MAX_BY || f->kind == AGG_MIN_BY) && !src->flag)
		rc = agg_copy_sv(agg_type_class(f->in[0]), &dst->x, &src->x);
	if (rc != LARCH_OK)
		return rc;
	dst->has = 1;
	dst->flag = src->flag;
	dst->t0 = src->t0;
	dst->t1 = src->t1;
	return LARCH_OK;
}

/* Whether src's value should replace dst's for the value selectors. */
static int value_better(const agg_fn_t *f, const agg_state_t *dst, const agg_state_t *src)
{
	if (!src->has)
		return 0;
	if (!dst->has)
		return 1;
	int cl = agg_type_class(f->in[0]);
	agg_lv_t a, b;
	agg_view(&src->v, &a);
	agg_view(&dst->v, &b);
	switch (f->kind) {
	case AGG_EXTREME: return agg_extreme_better(cl, &a, &b);
	case AGG_MAX_VALUE: return agg_cmp(cl, &a, &b) > 0;
	case AGG_MIN_VALUE: return agg_cmp(cl, &a, &b) < 0;
	case AGG_FIRST_VALUE: return src->t0 < dst->t0;
	case AGG_LAST_VALUE: return src->t0 > dst->t0;
	default: return by_better(f, src, dst);
	}
}

int agg_merge(const agg_fn_t *f, void *dstp, const void *srcp)
{
	agg_state_t *dst = dstp;
	const agg_state_t *src = srcp;
	switch (f->kind) {
	case AGG_COUNT:
	case AGG_COUNT_TIME:
	case AGG_SUM:
	case AGG_AVG:
		dst->count += src->count;
		dst->sum += src->sum;
		return LARCH_OK;
	case AGG_STDDEV: case AGG_STDDEV_POP: case AGG_STDDEV_SAMP:
	case AGG_VARIANCE: case AGG_VAR_POP: case AGG_VAR_SAMP:
		agg_var_merge(dst, src->count, src->mean, src->m2);
		return LARCH_OK;
	case AGG_MAX_TIME: case AGG_MIN_TIME: case AGG_TIME_DURATION:
		if (src->has) {
			dst->t0 = dst->has ? LR_MIN(dst->t0, src->t0) : src->t0;
			dst->t1 = dst->has ? LR_MAX(dst->t1, src->t1) : src->t1;
			dst->has = 1;
		}
		return LARCH_OK;
	case AGG_COUNT_IF:
		/* close both open runs: runs never join across states */
		dst->count = count_if_total(f, dst) + count_if_total(f, src);
		dst->has = 0;
		dst->t0 = 0;
		return LARCH_OK;
	case AGG_MODE:
		return agg_mode_merge(dst, agg_type_class(f->in[0]), src);
	default:
		return value_better(f, dst, src) ? merge_take(f, dst, src) : LARCH_OK;
	}
}

/*---------------------------------------------------------------------------
 * Results
 *---------------------------------------------------------------------------*/

/* A loaded value of type t into a tsfile value. */
static void put_value(tsfile_type_t t, const agg_lv_t *v, tsfile_value_t *out)
{
	out->type = t;
	out->is_null = 0;
	switch (t) {
	case TSFILE_BOOLEAN: out->v.b = v->n.i != 0; break;
	case TSFILE_INT32:
	case TSFILE_DATE: out->v.i32 = (int32_t)v->n.i; break;
	case TSFILE_FLOAT: out->v.f = (float)v->n.d; break;
	case TSFILE_DOUBLE: out->v.d = v->n.d; break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB:
		out->v.bytes.ptr = v->p;
		out->v.bytes.len = v->len;
		break;
	default: out->v.i64 = v->n.i; break;
	}
}

static void put_i64(int64_t v, tsfile_value_t *out)
{
	out->type = TSFILE_INT64;
	out->is_null = 0;
	out->v.i64 = v;
}

static void put_f64(double v, tsfile_value_t *out)
{
	out->type = TSFILE_DOUBLE;
	out->is_null = 0;
	out->v.d = v;
}

/* STDDEV/VARIANCE families from the Welford state. */
static void variance_result(agg_kind_t k, const agg_state_t *st, tsfile_value_t *out)
{
	int samp = k == AGG_STDDEV || k == AGG_STDDEV_SAMP || k == AGG_VARIANCE ||
		   k == AGG_VAR_SAMP;
	int root = k == AGG_STDDEV || k == AGG_STDDEV_SAMP || k == AGG_STDDEV_POP;
	if (st->count < (samp ? 2 : 1))
		return;
	double var = st->m2 / (double)(samp ? st->count - 1 : st->count);
	put_f64(root ? sqrt(var) : var, out);
}

void agg_result(const agg_fn_t *f, const void *state, tsfile_value_t *out)
{
	const agg_state_t *st = state;
	agg_lv_t lv;
	memset(out, 0, sizeof *out);
	out->type = f->out_type;
	out->is_null = 1;
	switch (f->kind) {
	case AGG_COUNT:
	case AGG_COUNT_TIME:
		put_i64(st->count, out);
		break;
	case AGG_COUNT_IF:
		put_i64(count_if_total(f, st), out);
		break;
	case AGG_SUM:
		if (st->count > 0)
			put_f64(st->sum, out);
		break;
	case AGG_AVG:
		if (st->count > 0)
			put_f64(st->sum / (double)st->count, out);
		break;
	case AGG_STDDEV: case AGG_STDDEV_POP: case AGG_STDDEV_SAMP:
	case AGG_VARIANCE: case AGG_VAR_POP: case AGG_VAR_SAMP:
		variance_result(f->kind, st, out);
		break;
	case AGG_MAX_TIME:
		if (st->has)
			put_i64(st->t1, out);
		break;
	case AGG_MIN_TIME:
		if (st->has)
			put_i64(st->t0, out);
		break;
	case AGG_TIME_DURATION:
		if (st->has)
			put_i64(st->t1 - st->t0, out);
		break;
	case AGG_MODE:
		if (agg_mode_best(st, &lv))
			put_value(f->out_type, &lv, out);
		break;
	case AGG_MAX_BY:
	case AGG_MIN_BY:
		if (st->has && !st->flag) {
			agg_view(&st->x, &lv);
			put_value(f->out_type, &lv, out);
		}
		break;
	default:             /* EXTREME, MAX/MIN_VALUE, FIRST/LAST_VALUE */
		if (st->has) {
			agg_view(&st->v, &lv);
			put_value(f->out_type, &lv, out);
		}
		break;
	}
}
