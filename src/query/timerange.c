/*
 * timerange.c — the time ranges a WHERE clause can be true in, for pushing
 * time filters into storage reads (expr_time_ranges in expr.h).
 *
 * A range set is a sorted array of disjoint inclusive [start, end]
 * intervals.  Time comparisons with constants give exact sets; AND
 * intersects, OR unions, NOT complements (only for subtrees that mention
 * nothing but time, where the set is exact); anything else — value
 * predicates — gives the full line, so the result is always a superset of
 * the rows the predicate accepts.
 */
#include "query/expr_int.h"

typedef struct rset {
	time_range_t *r;
	size_t n;
} rset_t;

typedef struct ranger {
	const query_ctx_t *ctx;
	arena_t *arena;
	larch_error_t *err;
} ranger_t;

static int rs_alloc(ranger_t *g, rset_t *s, size_t n)
{
	s->r = arena_alloc(g->arena, (n ? n : 1) * sizeof(*s->r));
	s->n = 0;
	if (!s->r)
		return err_set(g->err, LARCH_NO_MEMORY, "out of memory analysing WHERE");
	return LARCH_OK;
}

static int rs_one(ranger_t *g, rset_t *s, int64_t a, int64_t b)
{
	int rc = rs_alloc(g, s, 1);

	if (rc == LARCH_OK && a <= b)
		s->r[s->n++] = (time_range_t){ a, b };
	return rc;
}

static int rs_full(ranger_t *g, rset_t *s)
{
	return rs_one(g, s, INT64_MIN, INT64_MAX);
}

static int rs_intersect(ranger_t *g, const rset_t *a, const rset_t *b, rset_t *out)
{
	size_t i = 0, j = 0;
	int rc = rs_alloc(g, out, a->n + b->n);

	while (rc == LARCH_OK && i < a->n && j < b->n) {
		int64_t lo = LR_MAX(a->r[i].start, b->r[j].start);
		int64_t hi = LR_MIN(a->r[i].end, b->r[j].end);
		if (lo <= hi)
			out->r[out->n++] = (time_range_t){ lo, hi };
		if (a->r[i].end < b->r[j].end)
			i++;
		else
			j++;
	}
	return rc;
}

static int rs_union(ranger_t *g, const rset_t *a, const rset_t *b, rset_t *out)
{
	size_t i = 0, j = 0;
	int rc = rs_alloc(g, out, a->n + b->n);

	while (rc == LARCH_OK && (i < a->n || j < b->n)) {
		time_range_t next = (j >= b->n || (i < a->n && a->r[i].start <= b->r[j].start))
			? a->r[i++] : b->r[j++];
		time_range_t *last = out->n ? &out->r[out->n - 1] : NULL;
		if (last && (next.start <= last->end ||
			     (last->end != INT64_MAX && next.start == last->end + 1)))
			last->end = LR_MAX(last->end, next.end);
		else
			out->r[out->n++] = next;
	}
	return rc;
}

static int rs_complement(ranger_t *g, const rset_t *a, rset_t *out)
{
	int64_t from = INT64_MIN;
	int open = 1;
	int rc = rs_alloc(g, out, a->n + 1);

	for (size_t i = 0; rc == LARCH_OK && i < a->n; i++) {
		if (a->r[i].start > from)
			out->r[out->n++] = (time_range_t){ from, a->r[i].start - 1 };
		if (a->r[i].end == INT64_MAX) {
			open = 0;
			break;
		}
		from = a->r[i].end + 1;
	}
	if (rc == LARCH_OK && open)
		out->r[out->n++] = (time_range_t){ from, INT64_MAX };
	return rc;
}

/* time OP c as a range set (c on the right; `flip` when time is on the
 * right, so `c < time` is `time > c`). */
static int rs_cmp(ranger_t *g, ast_op_t op, int64_t c, rset_t *s)
{
	rset_t eq;
	int rc;

	switch (op) {
	case AST_OP_EQ: return rs_one(g, s, c, c);
	case AST_OP_LT: return c == INT64_MIN ? rs_alloc(g, s, 0) : rs_one(g, s, INT64_MIN, c - 1);
	case AST_OP_LE: return rs_one(g, s, INT64_MIN, c);
	case AST_OP_GT: return c == INT64_MAX ? rs_alloc(g, s, 0) : rs_one(g, s, c + 1, INT64_MAX);
	case AST_OP_GE: return rs_one(g, s, c, INT64_MAX);
	default: /* NE */
		rc = rs_one(g, &eq, c, c);
		return rc ? rc : rs_complement(g, &eq, s);
	}
}

static ast_op_t flip_op(ast_op_t op)
{
	switch (op) {
	case AST_OP_LT: return AST_OP_GT;
	case AST_OP_LE: return AST_OP_GE;
	case AST_OP_GT: return AST_OP_LT;
	case AST_OP_GE: return AST_OP_LE;
	default: return op;
	}
}

static int is_cmp(ast_op_t op)
{
	return op == AST_OP_EQ || op == AST_OP_NE || op == AST_OP_LT || op == AST_OP_LE ||
	       op == AST_OP_GT || op == AST_OP_GE;
}

static int ranges(ranger_t *g, const ast_expr_t *e, int depth, rset_t *s);

static int ranges_between_in(ranger_t *g, const ast_expr_t *e, rset_t *s)
{
	rset_t acc, one, tmp;
	int64_t lo, hi;
	int rc;

	if (e->kind == AST_E_BETWEEN) {
		rc = query_eval_time(g->ctx, e->b, &lo, g->err);
		if (rc == LARCH_OK)
			rc = query_eval_time(g->ctx, e->c, &hi, g->err);
		if (rc == LARCH_OK)
			rc = rs_one(g, &acc, lo, hi);
	} else {
		rc = rs_alloc(g, &acc, 0);
		for (size_t i = 0; rc == LARCH_OK && i < e->n_list; i++) {
			rc = query_eval_time(g->ctx, e->list[i], &lo, g->err);
			if (rc == LARCH_OK)
				rc = rs_one(g, &one, lo, lo);
			if (rc == LARCH_OK)
				rc = rs_union(g, &acc, &one, &tmp);
			acc = tmp;
		}
	}
	if (rc)
		return rc;
	if (!e->negated) {
		*s = acc;
		return LARCH_OK;
	}
	return rs_complement(g, &acc, s);
}

static int ranges(ranger_t *g, const ast_expr_t *e, int depth, rset_t *s)
{
	rset_t a, b;
	int64_t c;
	int rc;

	if (depth > AST_MAX_DEPTH)
		return rs_full(g, s);
	switch (e->kind) {
	case AST_E_BINARY:
		if (e->op == AST_OP_AND || e->op == AST_OP_OR) {
			rc = ranges(g, e->a, depth + 1, &a);
			if (rc == LARCH_OK)
				rc = ranges(g, e->b, depth + 1, &b);
			if (rc)
				return rc;
			return e->op == AST_OP_AND ? rs_intersect(g, &a, &b, s) : rs_union(g, &a, &b, s);
		}
		if (!is_cmp(e->op))
			break;
		if (e->a->kind == AST_E_TIME && expr_is_time_only(e->b)) {
			rc = query_eval_time(g->ctx, e->b, &c, g->err);
			return rc ? rc : rs_cmp(g, e->op, c, s);
		}
		if (e->b->kind == AST_E_TIME && expr_is_time_only(e->a)) {
			rc = query_eval_time(g->ctx, e->a, &c, g->err);
			return rc ? rc : rs_cmp(g, flip_op(e->op), c, s);
		}
		break;
	case AST_E_BETWEEN:
	case AST_E_IN:
		if (e->a->kind == AST_E_TIME && expr_is_time_only(e))
			return ranges_between_in(g, e, s);
		break;
	case AST_E_UNARY:
		if (e->op == AST_OP_NOT && expr_is_time_only(e->a)) {
			rc = ranges(g, e->a, depth + 1, &a);
			return rc ? rc : rs_complement(g, &a, s);
		}
		break;
	default:
		break;
	}
	return rs_full(g, s);
}

int expr_time_ranges(const query_ctx_t *ctx, const ast_expr_t *where, arena_t *arena,
		     time_range_t **out, size_t *n, larch_error_t *err)
{
	ranger_t g = { ctx, arena, err };
	rset_t s;
	int rc = where ? ranges(&g, where, 0, &s) : rs_full(&g, &s);

	if (rc)
		return rc;
	*out = s.r;
	*n = s.n;
	return LARCH_OK;
}
