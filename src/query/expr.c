/*
 * expr.c — compiling AST expressions into typed expression trees (type
 * checking, binding paths and aggregate calls to input columns, folding
 * time constants), constant time evaluation (query_eval_time), display
 * names (expr_format) and small predicates over ASTs.
 *
 * Evaluation is in expr_eval.c, built-in functions in expr_func.c, WHERE
 * time ranges in timerange.c.
 */
#include <ctype.h>
#include <strings.h>

#include "query/expr_int.h"

int x_type_is_int(tsfile_type_t t)
{
	return t == TSFILE_INT32 || t == TSFILE_INT64 || t == TSFILE_TIMESTAMP || t == TSFILE_DATE;
}

int x_type_is_numeric(tsfile_type_t t)
{
	return x_type_is_int(t) || t == TSFILE_FLOAT || t == TSFILE_DOUBLE;
}

int x_type_is_bytes(tsfile_type_t t)
{
	return t == TSFILE_TEXT || t == TSFILE_STRING || t == TSFILE_BLOB;
}

/*---------------------------------------------------------------------------
 * Constant time expressions
 *---------------------------------------------------------------------------*/

/* A folded time value: a plain number, or a duration (months + nanos). */
typedef struct tval {
	int is_dur;
	int64_t v;
	ast_duration_t dur;
} tval_t;

static int64_t nanos_to_units(const query_ctx_t *ctx, int64_t nanos)
{
	return nanos / (1000000000LL / time_units_per_second(ctx->precision));
}

static int tval_add(const query_ctx_t *ctx, tval_t *a, const tval_t *b, int sign, int pos,
		    larch_error_t *err)
{
	if (a->is_dur && b->is_dur) {
		a->dur.months += sign * b->dur.months;
		a->dur.nanos += sign * b->dur.nanos;
		return LARCH_OK;
	}
	if (a->is_dur) {
		tval_t d = *a;
		if (sign < 0)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "position %d: a duration minus a time is not a time", pos);
		*a = *b;
		return tval_add(ctx, a, &d, 1, pos, err);
	}
	if (b->is_dur) {
		int64_t v = a->v;
		if (b->dur.months)
			v = time_add_months(v, sign * b->dur.months, ctx->tz, ctx->precision);
		a->v = v + sign * nanos_to_units(ctx, b->dur.nanos);
		return LARCH_OK;
	}
	a->v = sign > 0 ? a->v + b->v : a->v - b->v;
	return LARCH_OK;
}

static int eval_tval(const query_ctx_t *ctx, const ast_expr_t *e, tval_t *out, int depth,
		     larch_error_t *err)
{
	tval_t b;
	int rc;

	if (depth > AST_MAX_DEPTH)
		return err_set(err, LARCH_SEMANTIC_ERROR, "time expression nested too deeply");
	*out = (tval_t){ 0 };
	switch (e->kind) {
	case AST_E_INT:
		out->v = e->ival;
		return LARCH_OK;
	case AST_E_NOW:
		out->v = ctx->now;
		return LARCH_OK;
	case AST_E_DATETIME:
		return time_parse_datetime(e->sval, strlen(e->sval), ctx->tz, ctx->precision,
					   &out->v, err);
	case AST_E_DURATION:
		out->is_dur = 1;
		out->dur = e->dur;
		return LARCH_OK;
	case AST_E_UNARY:
		if (e->op == AST_OP_NOT)
			break;
		rc = eval_tval(ctx, e->a, out, depth + 1, err);
		if (rc == LARCH_OK && e->op == AST_OP_NEG) {
			out->v = -out->v;
			out->dur.months = -out->dur.months;
			out->dur.nanos = -out->dur.nanos;
		}
		return rc;
	case AST_E_BINARY:
		if (e->op != AST_OP_ADD && e->op != AST_OP_SUB)
			break;
		rc = eval_tval(ctx, e->a, out, depth + 1, err);
		if (rc == LARCH_OK)
			rc = eval_tval(ctx, e->b, &b, depth + 1, err);
		if (rc == LARCH_OK)
			rc = tval_add(ctx, out, &b, e->op == AST_OP_ADD ? 1 : -1, e->pos, err);
		return rc;
	default:
		break;
	}
	return err_set(err, LARCH_SEMANTIC_ERROR,
		       "position %d: expected a time (an integer, a datetime, now() or a duration)",
		       e->pos);
}

int query_eval_time(const query_ctx_t *ctx, const ast_expr_t *e, int64_t *out,
		    larch_error_t *err)
{
	tval_t t;
	int rc = eval_tval(ctx, e, &t, 0, err);

	if (rc)
		return rc;
	if (t.is_dur) {
		if (t.dur.months)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "position %d: a duration in months is not a time", e->pos);
		*out = nanos_to_units(ctx, t.dur.nanos);
		return LARCH_OK;
	}
	*out = t.v;
	return LARCH_OK;
}

/* 1 if e is built only of time literals (datetime, now(), durations) with
 * at least one of them, combined by + and - with integers: such subtrees
 * fold to an INT64 time. */
static int is_time_const(const ast_expr_t *e, int *has_time_lit)
{
	switch (e->kind) {
	case AST_E_DATETIME:
	case AST_E_NOW:
	case AST_E_DURATION:
		*has_time_lit = 1;
		return 1;
	case AST_E_INT:
		return 1;
	case AST_E_UNARY:
		return e->op != AST_OP_NOT && is_time_const(e->a, has_time_lit);
	case AST_E_BINARY:
		return (e->op == AST_OP_ADD || e->op == AST_OP_SUB) &&
		       is_time_const(e->a, has_time_lit) && is_time_const(e->b, has_time_lit);
	default:
		return 0;
	}
}

/*---------------------------------------------------------------------------
 * Compilation
 *---------------------------------------------------------------------------*/

static const char *const agg_names[] = {
	"count", "sum", "avg", "extreme", "max_value", "min_value", "first_value",
	"last_value", "max_time", "min_time", "stddev", "stddev_pop", "stddev_samp",
	"variance", "var_pop", "var_samp", "count_if", "time_duration", "mode",
	"max_by", "min_by", "count_time"
};

int expr_is_aggregate_name(const char *name)
{
	for (size_t i = 0; i < LR_ARRAY_LEN(agg_names); i++)
		if (!strcasecmp(name, agg_names[i]))
			return 1;
	return 0;
}

typedef struct regex_link {
	regex_t *re;
	struct regex_link *next;
} regex_link_t;

typedef struct compiler {
	regex_link_t *regexes;     /* every regex compiled, freed if compilation fails */
	const query_ctx_t *ctx;
	expr_bind_fn bind;
	expr_bind_agg_fn bind_agg;
	void *arg;
	arena_t *arena;
	larch_error_t *err;
} compiler_t;

static int compile(compiler_t *c, const ast_expr_t *e, int depth, expr_t **out);

static expr_t *x_new(compiler_t *c, x_kind_t kind, tsfile_type_t type, const ast_expr_t *src)
{
	expr_t *x = arena_calloc(c->arena, 1, sizeof(*x));

	if (x) {
		x->kind = kind;
		x->type = type;
		x->src = src;
	}
	return x;
}

static int x_oom(compiler_t *c)
{
	return err_set(c->err, LARCH_NO_MEMORY, "out of memory compiling an expression");
}

static int type_error(compiler_t *c, const ast_expr_t *e, const char *what)
{
	return err_set(c->err, LARCH_SEMANTIC_ERROR, "position %d: %s", e->pos, what);
}

static int compile_const(compiler_t *c, const ast_expr_t *e, expr_t **out)
{
	expr_t *x = x_new(c, X_CONST, TSFILE_INT64, e);

	if (!x)
		return x_oom(c);
	x->cval.type = TSFILE_INT64;
	switch (e->kind) {
	case AST_E_INT:
		x->cval.v.i64 = e->ival;
		break;
	case AST_E_FLOAT:
		x->type = x->cval.type = TSFILE_DOUBLE;
		x->cval.v.d = e->fval;
		break;
	case AST_E_BOOL:
		x->type = x->cval.type = TSFILE_BOOLEAN;
		x->cval.v.b = e->ival != 0;
		break;
	case AST_E_STRING:
		x->type = x->cval.type = TSFILE_TEXT;
		x->cval.v.bytes.ptr = e->sval;
		x->cval.v.bytes.len = (uint32_t)strlen(e->sval);
		break;
	case AST_E_BLOB: /* compares bytewise with TEXT/STRING/BLOB (X_CMP_BYTES) */
		x->type = x->cval.type = TSFILE_BLOB;
		x->cval.v.bytes.ptr = e->n_bytes ? (const char *)e->bytes : "";
		x->cval.v.bytes.len = (uint32_t)e->n_bytes;
		break;
	default: /* AST_E_NULL */
		x->cval.is_null = 1;
		break;
	}
	*out = x;
	return LARCH_OK;
}

static int compile_time_const(compiler_t *c, const ast_expr_t *e, expr_t **out)
{
	expr_t *x = x_new(c, X_CONST, TSFILE_INT64, e);

	if (!x)
		return x_oom(c);
	x->cval.type = TSFILE_INT64;
	*out = x;
	return query_eval_time(c->ctx, e, &x->cval.v.i64, c->err);
}

/* How two operand types compare, or -1 when they can't. */
static int cmp_kind_of(tsfile_type_t a, tsfile_type_t b)
{
	if (x_type_is_int(a) && x_type_is_int(b))
		return X_CMP_I64;
	if (x_type_is_numeric(a) && x_type_is_numeric(b))
		return X_CMP_F64;
	if (a == TSFILE_BOOLEAN && b == TSFILE_BOOLEAN)
		return X_CMP_BOOL;
	if (x_type_is_bytes(a) && x_type_is_bytes(b))
		return X_CMP_BYTES;
	return -1;
}

/* Comparisons between a BOOLEAN and a 'true'/'false' string literal, as
 * IoTDB accepts them: turn the literal into a BOOLEAN constant. */
static void coerce_bool_literal(expr_t *col, expr_t *lit)
{
	if (col->type != TSFILE_BOOLEAN || lit->kind != X_CONST || !x_type_is_bytes(lit->type))
		return;
	const tsfile_bytes_t *s = &lit->cval.v.bytes;
	if (s->len == 4 && !strncasecmp(s->ptr, "true", 4))
		lit->cval.v.b = 1;
	else if (s->len == 5 && !strncasecmp(s->ptr, "false", 5))
		lit->cval.v.b = 0;
	else
		return;
	lit->type = lit->cval.type = TSFILE_BOOLEAN;
}

static int compile_pair(compiler_t *c, const ast_expr_t *e, int depth, expr_t **a, expr_t **b)
{
	int rc = compile(c, e->a, depth + 1, a);

	return rc ? rc : compile(c, e->b, depth + 1, b);
}

static int compile_binary(compiler_t *c, const ast_expr_t *e, int depth, expr_t **out)
{
	expr_t *a, *b, *x;
	int rc = compile_pair(c, e, depth, &a, &b), k;

	if (rc)
		return rc;
	switch (e->op) {
	case AST_OP_ADD: case AST_OP_SUB: case AST_OP_MUL: case AST_OP_DIV: case AST_OP_MOD:
		if (!x_type_is_numeric(a->type) || !x_type_is_numeric(b->type))
			return type_error(c, e, "arithmetic needs numeric operands");
		x = x_new(c, X_ARITH, TSFILE_DOUBLE, e);
		break;
	case AST_OP_AND: case AST_OP_OR:
		if (a->type != TSFILE_BOOLEAN || b->type != TSFILE_BOOLEAN)
			return type_error(c, e, "AND/OR need boolean operands");
		x = x_new(c, X_LOGIC, TSFILE_BOOLEAN, e);
		break;
	default:
		coerce_bool_literal(a, b);
		coerce_bool_literal(b, a);
		k = cmp_kind_of(a->type, b->type);
		if (k < 0 && !(a->kind == X_CONST && a->cval.is_null) &&
		    !(b->kind == X_CONST && b->cval.is_null))
			return type_error(c, e, "cannot compare values of these types");
		x = x_new(c, X_CMP, TSFILE_BOOLEAN, e);
		if (x)
			x->cmp = k < 0 ? X_CMP_F64 : (x_cmp_kind_t)k;
		break;
	}
	if (!x)
		return x_oom(c);
	x->op = e->op;
	x->a = a;
	x->b = b;
	*out = x;
	return LARCH_OK;
}

static int compile_unary(compiler_t *c, const ast_expr_t *e, int depth, expr_t **out)
{
	expr_t *a, *x;
	int rc = compile(c, e->a, depth + 1, &a);

	if (rc)
		return rc;
	if (e->op == AST_OP_NOT) {
		if (a->type != TSFILE_BOOLEAN)
			return type_error(c, e, "NOT needs a boolean operand");
		x = x_new(c, X_NOT, TSFILE_BOOLEAN, e);
	} else {
		if (!x_type_is_numeric(a->type))
			return type_error(c, e, "unary + and - need a numeric operand");
		if (e->op == AST_OP_POS) {
			*out = a;
			return LARCH_OK;
		}
		x = x_new(c, X_NEG, a->type, e);
	}
	if (!x)
		return x_oom(c);
	x->a = a;
	*out = x;
	return LARCH_OK;
}

/* Compile a list of expressions into x->args. */
static int compile_list(compiler_t *c, ast_expr_t *const *list, size_t n, int depth, expr_t *x)
{
	x->args = arena_calloc(c->arena, n ? n : 1, sizeof(*x->args));
	if (!x->args)
		return x_oom(c);
	x->n_args = n;
	for (size_t i = 0; i < n; i++) {
		int rc = compile(c, list[i], depth + 1, &x->args[i]);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

static int compile_between_in(compiler_t *c, const ast_expr_t *e, int depth, expr_t **out)
{
	expr_t *x = x_new(c, e->kind == AST_E_IN ? X_IN : X_BETWEEN, TSFILE_BOOLEAN, e);
	int rc;

	if (!x)
		return x_oom(c);
	x->negated = e->negated;
	rc = compile(c, e->a, depth + 1, &x->a);
	if (rc)
		return rc;
	if (e->kind == AST_E_IN) {
		rc = compile_list(c, e->list, e->n_list, depth, x);
	} else {
		x->n_args = 2;
		x->args = arena_calloc(c->arena, 2, sizeof(*x->args));
		if (!x->args)
			return x_oom(c);
		rc = compile(c, e->b, depth + 1, &x->args[0]);
		if (!rc)
			rc = compile(c, e->c, depth + 1, &x->args[1]);
	}
	if (rc)
		return rc;
	x->cmp = X_CMP_I64;
	for (size_t i = 0; i < x->n_args; i++) {
		coerce_bool_literal(x->a, x->args[i]);
		int k = cmp_kind_of(x->a->type, x->args[i]->type);
		if (k < 0)
			return type_error(c, e, "cannot compare values of these types");
		if (k != X_CMP_I64)
			x->cmp = (x_cmp_kind_t)k;
	}
	*out = x;
	return LARCH_OK;
}

/* Compile a POSIX extended regular expression into *out (freed by
 * expr_free; regcomp's own memory is libc's, outside the counted
 * allocator). */
static int regex_compile(compiler_t *c, const ast_expr_t *e, const char *pattern, regex_t **out)
{
	regex_link_t *link = arena_alloc(c->arena, sizeof(*link));
	regex_t *re = mem_alloc(sizeof(*re));
	char msg[128];
	int rc;

	if (!re || !link) {
		mem_free(re);
		return x_oom(c);
	}
	rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, re, msg, sizeof(msg));
		mem_free(re);
		return err_set(c->err, LARCH_SEMANTIC_ERROR, "position %d: bad regular expression '%s': %s",
			       e->pos, pattern, msg);
	}
	link->re = re;
	link->next = c->regexes;
	c->regexes = link;
	*out = re;
	return LARCH_OK;
}

/* LIKE keeps its pattern (matched by hand in expr_eval.c: % any run, _ one
 * character, \ escapes the next); REGEXP compiles a regex, matched
 * anywhere in the value. */
static int compile_match(compiler_t *c, const ast_expr_t *e, int depth, expr_t **out)
{
	expr_t *x = x_new(c, X_MATCH, TSFILE_BOOLEAN, e);
	int rc;

	if (!x)
		return x_oom(c);
	x->negated = e->negated;
	rc = compile(c, e->a, depth + 1, &x->a);
	if (rc)
		return rc;
	if (!x_type_is_bytes(x->a->type))
		return type_error(c, e, "LIKE and REGEXP need a text operand");
	if (!e->b || e->b->kind != AST_E_STRING)
		return type_error(c, e, "LIKE and REGEXP need a string pattern");
	x->sarg[0] = e->b->sval;
	x->slen[0] = strlen(e->b->sval);
	*out = x;
	if (e->kind == AST_E_LIKE)
		return LARCH_OK;
	return regex_compile(c, e, e->b->sval, &x->re);
}

static int compile_case(compiler_t *c, const ast_expr_t *e, int depth, expr_t **out)
{
	expr_t *x = x_new(c, X_CASE, TSFILE_BOOLEAN, e);
	int rc;

	if (!x)
		return x_oom(c);
	if (e->a)
		return type_error(c, e, "CASE with an operand is not supported; use CASE WHEN");
	rc = compile_list(c, e->list, e->n_list, depth, x);
	if (!rc && e->b)
		rc = compile(c, e->b, depth + 1, &x->b);
	if (rc)
		return rc;
	/* Result type: the THEN/ELSE branches' common type (numeric mixes to DOUBLE). */
	int have = 0;
	for (size_t i = 0; i <= x->n_args / 2; i++) {
		expr_t *v = i < x->n_args / 2 ? x->args[2 * i + 1] : x->b;
		if (i < x->n_args / 2 && x->args[2 * i]->type != TSFILE_BOOLEAN)
			return type_error(c, e, "CASE WHEN needs a boolean condition");
		if (!v || (v->kind == X_CONST && v->cval.is_null))
			continue;
		if (!have)
			x->type = v->type;
		else if (x->type != v->type) {
			if (x_type_is_numeric(x->type) && x_type_is_numeric(v->type))
				x->type = TSFILE_DOUBLE;
			else
				return type_error(c, e, "CASE branches have incompatible types");
		}
		have = 1;
	}
	if (!have)
		x->type = TSFILE_INT32;
	*out = x;
	return LARCH_OK;
}

static int compile_func(compiler_t *c, const ast_expr_t *e, int depth, expr_t **out)
{
	expr_t *x;
	int rc;

	if (expr_is_aggregate_name(e->sval)) {
		size_t input;
		tsfile_type_t type;
		if (!c->bind_agg)
			return type_error(c, e, "aggregate functions are not allowed here");
		rc = c->bind_agg(c->arg, e, &input, &type, c->err);
		if (rc)
			return rc;
		x = x_new(c, X_INPUT, type, e);
		if (!x)
			return x_oom(c);
		x->input = input;
		*out = x;
		return LARCH_OK;
	}
	x = x_new(c, X_FUNC, TSFILE_DOUBLE, e);
	if (!x)
		return x_oom(c);
	rc = compile_list(c, e->list, e->n_list, depth, x);
	if (rc)
		return rc;
	if (!strcasecmp(e->sval, "cast")) {
		if (x->n_args != 1)
			return type_error(c, e, "CAST takes one argument");
		x->kind = X_CAST;
		x->a = x->args[0];
		x->type = e->cast_type;
		*out = x;
		return LARCH_OK;
	}
	rc = x_func_compile(e, x, c->err);
	if (rc == LARCH_OK && x->fn == X_FN_STRING_MATCHES)
		rc = regex_compile(c, e, x->sarg[0], &x->re);
	if (rc)
		return rc;
	*out = x;
	return LARCH_OK;
}

static int compile(compiler_t *c, const ast_expr_t *e, int depth, expr_t **out)
{
	expr_t *x;
	int has_time_lit = 0;
	int rc;

	if (depth > AST_MAX_DEPTH)
		return type_error(c, e, "expression nested too deeply");
	if (is_time_const(e, &has_time_lit) && has_time_lit)
		return compile_time_const(c, e, out);
	switch (e->kind) {
	case AST_E_PATH:
		x = x_new(c, X_INPUT, TSFILE_INT64, e);
		if (!x)
			return x_oom(c);
		rc = c->bind(c->arg, e->path, &x->input, &x->type, c->err);
		if (rc)
			return rc;
		*out = x;
		return LARCH_OK;
	case AST_E_TIME:
		x = x_new(c, X_TIME, TSFILE_INT64, e);
		if (!x)
			return x_oom(c);
		*out = x;
		return LARCH_OK;
	case AST_E_INT: case AST_E_FLOAT: case AST_E_STRING: case AST_E_BOOL: case AST_E_NULL:
	case AST_E_BLOB:
		return compile_const(c, e, out);
	case AST_E_UNARY:
		return compile_unary(c, e, depth, out);
	case AST_E_BINARY:
		return compile_binary(c, e, depth, out);
	case AST_E_BETWEEN:
	case AST_E_IN:
		return compile_between_in(c, e, depth, out);
	case AST_E_LIKE:
	case AST_E_REGEXP:
		return compile_match(c, e, depth, out);
	case AST_E_IS_NULL:
		x = x_new(c, X_ISNULL, TSFILE_BOOLEAN, e);
		if (!x)
			return x_oom(c);
		x->negated = e->negated;
		*out = x;
		return compile(c, e->a, depth + 1, &x->a);
	case AST_E_FUNC:
		return compile_func(c, e, depth, out);
	case AST_E_CASE:
		return compile_case(c, e, depth, out);
	default:
		return type_error(c, e, "this expression is not allowed here");
	}
}

int expr_compile(const query_ctx_t *ctx, const ast_expr_t *e, expr_bind_fn bind,
		 expr_bind_agg_fn bind_agg, void *arg, arena_t *arena, expr_t **out,
		 larch_error_t *err)
{
	compiler_t c = { NULL, ctx, bind, bind_agg, arg, arena, err };
	int rc;

	*out = NULL;
	rc = compile(&c, e, 0, out);
	if (rc) {
		for (regex_link_t *l = c.regexes; l; l = l->next) {
			regfree(l->re);
			mem_free(l->re);
		}
		*out = NULL;
	}
	return rc;
}

static void free_rec(expr_t *x, int depth)
{
	if (!x || depth > AST_MAX_DEPTH + 1)
		return;
	if (x->re) {
		regfree(x->re);
		mem_free(x->re);
		x->re = NULL;
	}
	free_rec(x->a, depth + 1);
	free_rec(x->b, depth + 1);
	free_rec(x->c, depth + 1);
	for (size_t i = 0; i < x->n_args; i++)
		free_rec(x->args[i], depth + 1);
}

void expr_free(expr_t *x)
{
	free_rec(x, 0);
}

tsfile_type_t expr_type(const expr_t *x)
{
	return x->type;
}

/*---------------------------------------------------------------------------
 * Predicates over ASTs
 *---------------------------------------------------------------------------*/

static int time_only(const ast_expr_t *e, int depth)
{
	if (!e)
		return 1;
	if (depth > AST_MAX_DEPTH || e->kind == AST_E_PATH || e->kind == AST_E_FUNC ||
	    e->kind == AST_E_STAR)
		return 0;
	if (!time_only(e->a, depth + 1) || !time_only(e->b, depth + 1) ||
	    !time_only(e->c, depth + 1))
		return 0;
	for (size_t i = 0; i < e->n_list; i++)
		if (!time_only(e->list[i], depth + 1))
			return 0;
	return 1;
}

int expr_is_time_only(const ast_expr_t *where)
{
	return time_only(where, 0);
}

/*---------------------------------------------------------------------------
 * Display names
 *---------------------------------------------------------------------------*/

static int op_prec(const ast_expr_t *e)
{
	if (e->kind == AST_E_BINARY) {
		switch (e->op) {
		case AST_OP_OR: return 1;
		case AST_OP_AND: return 2;
		case AST_OP_ADD: case AST_OP_SUB: return 5;
		case AST_OP_MUL: case AST_OP_DIV: case AST_OP_MOD: return 6;
		default: return 4;
		}
	}
	if (e->kind == AST_E_BETWEEN || e->kind == AST_E_IN || e->kind == AST_E_LIKE ||
	    e->kind == AST_E_REGEXP || e->kind == AST_E_IS_NULL)
		return 4;
	if (e->kind == AST_E_UNARY && e->op == AST_OP_NOT)
		return 3;
	return 9;
}

static const char *op_text(ast_op_t op)
{
	static const char *const t[] = {
		[AST_OP_NEG] = "-", [AST_OP_POS] = "+", [AST_OP_NOT] = "!",
		[AST_OP_ADD] = "+", [AST_OP_SUB] = "-", [AST_OP_MUL] = "*", [AST_OP_DIV] = "/",
		[AST_OP_MOD] = "%", [AST_OP_EQ] = "=", [AST_OP_NE] = "!=", [AST_OP_LT] = "<",
		[AST_OP_LE] = "<=", [AST_OP_GT] = ">", [AST_OP_GE] = ">=", [AST_OP_AND] = "&",
		[AST_OP_OR] = "|"
	};
	return t[op];
}

static void put_str(buf_t *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void format_rec(const ast_expr_t *e, expr_path_name_fn path_name, void *arg, buf_t *b,
		       int depth);

/* A child, parenthesized when it binds more loosely than its parent. */
static void format_child(const ast_expr_t *parent, const ast_expr_t *child,
			 expr_path_name_fn path_name, void *arg, buf_t *b, int depth)
{
	int paren = op_prec(child) < op_prec(parent) ||
		    (op_prec(child) == op_prec(parent) && child->kind == AST_E_BINARY &&
		     child != parent->a);
	if (paren)
		put_str(b, "(");
	format_rec(child, path_name, arg, b, depth + 1);
	if (paren)
		put_str(b, ")");
}

static void format_literal(const ast_expr_t *e, buf_t *b)
{
	char tmp[64];

	switch (e->kind) {
	case AST_E_INT:
		if (e->sval)
			put_str(b, e->sval);
		else {
			snprintf(tmp, sizeof(tmp), "%lld", (long long)e->ival);
			put_str(b, tmp);
		}
		break;
	case AST_E_FLOAT:
		if (e->sval)
			put_str(b, e->sval);
		else {
			snprintf(tmp, sizeof(tmp), "%.17g", e->fval);
			put_str(b, tmp);
		}
		break;
	case AST_E_STRING:
		put_str(b, "'");
		put_str(b, e->sval);
		put_str(b, "'");
		break;
	case AST_E_BOOL:
		put_str(b, e->ival ? "true" : "false");
		break;
	case AST_E_BLOB: /* IoTDB shows the bytes as upper-case hex, without X'' */
		for (size_t i = 0; i < e->n_bytes; i++) {
			snprintf(tmp, sizeof(tmp), "%02X", e->bytes[i]);
			put_str(b, tmp);
		}
		break;
	case AST_E_NULL:
		put_str(b, "null");
		break;
	case AST_E_DATETIME:
		put_str(b, e->sval);
		break;
	case AST_E_NOW:
		put_str(b, "now()");
		break;
	default:
		put_str(b, "?");
		break;
	}
}

static void format_func(const ast_expr_t *e, expr_path_name_fn path_name, void *arg, buf_t *b,
			int depth)
{
	char name[64];
	size_t n = 0;

	for (const char *p = e->sval; *p && n + 1 < sizeof(name); p++)
		name[n++] = expr_is_aggregate_name(e->sval) ? (char)tolower((unsigned char)*p) : *p;
	name[n] = 0;
	put_str(b, name);
	put_str(b, "(");
	if (e->distinct)
		put_str(b, "DISTINCT ");
	for (size_t i = 0; i < e->n_list; i++) {
		if (i)
			put_str(b, ", ");
		format_rec(e->list[i], path_name, arg, b, depth + 1);
	}
	if (!strcasecmp(e->sval, "cast")) {
		put_str(b, " AS ");
		put_str(b, tsfile_type_name(e->cast_type));
	}
	for (size_t i = 0; i < e->n_attrs; i++) {
		put_str(b, i || e->n_list ? ", \"" : "\"");
		put_str(b, e->attrs[i].key);
		put_str(b, "\"=\"");
		put_str(b, e->attrs[i].value);
		put_str(b, "\"");
	}
	put_str(b, ")");
}

static void format_rec(const ast_expr_t *e, expr_path_name_fn path_name, void *arg, buf_t *b,
		       int depth)
{
	if (depth > AST_MAX_DEPTH)
		return;
	switch (e->kind) {
	case AST_E_PATH:
		path_name(arg, e->path, b);
		return;
	case AST_E_TIME:
		put_str(b, "Time");
		return;
	case AST_E_STAR:
		put_str(b, "*");
		return;
	case AST_E_UNARY:
		put_str(b, op_text(e->op));
		format_child(e, e->a, path_name, arg, b, depth);
		return;
	case AST_E_BINARY:
		format_child(e, e->a, path_name, arg, b, depth);
		put_str(b, " ");
		put_str(b, op_text(e->op));
		put_str(b, " ");
		format_child(e, e->b, path_name, arg, b, depth);
		return;
	case AST_E_BETWEEN:
		format_child(e, e->a, path_name, arg, b, depth);
		put_str(b, e->negated ? " NOT BETWEEN " : " BETWEEN ");
		format_child(e, e->b, path_name, arg, b, depth);
		put_str(b, " AND ");
		format_child(e, e->c, path_name, arg, b, depth);
		return;
	case AST_E_IN:
		format_child(e, e->a, path_name, arg, b, depth);
		put_str(b, e->negated ? " NOT IN (" : " IN (");
		for (size_t i = 0; i < e->n_list; i++) {
			if (i)
				put_str(b, ",");
			format_rec(e->list[i], path_name, arg, b, depth + 1);
		}
		put_str(b, ")");
		return;
	case AST_E_LIKE:
	case AST_E_REGEXP:
		format_child(e, e->a, path_name, arg, b, depth);
		put_str(b, e->negated ? " NOT " : " ");
		put_str(b, e->kind == AST_E_LIKE ? "LIKE " : "REGEXP ");
		format_rec(e->b, path_name, arg, b, depth + 1);
		return;
	case AST_E_IS_NULL:
		format_child(e, e->a, path_name, arg, b, depth);
		put_str(b, e->negated ? " IS NOT NULL" : " IS NULL");
		return;
	case AST_E_FUNC:
		format_func(e, path_name, arg, b, depth);
		return;
	case AST_E_CASE:
		put_str(b, "CASE");
		for (size_t i = 0; i + 1 < e->n_list; i += 2) {
			put_str(b, " WHEN ");
			format_rec(e->list[i], path_name, arg, b, depth + 1);
			put_str(b, " THEN ");
			format_rec(e->list[i + 1], path_name, arg, b, depth + 1);
		}
		if (e->b) {
			put_str(b, " ELSE ");
			format_rec(e->b, path_name, arg, b, depth + 1);
		}
		put_str(b, " END");
		return;
	default:
		format_literal(e, b);
		return;
	}
}

void expr_format(const ast_expr_t *e, expr_path_name_fn path_name, void *arg, buf_t *b)
{
	format_rec(e, path_name, arg, b, 0);
}
