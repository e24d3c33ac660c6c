/*
 * select.c — query_select: the checks of a SELECT's clauses that do not
 * need the schema (LIMIT/SLIMIT/OFFSET/SOFFSET ranges, what may be combined
 * with what), then the plan and the dispatch to the raw, aggregate, LAST,
 * DISABLE ALIGN and single time-point FILL executors.  Messages follow
 * IoTDB's where it has one; every refusal is LARCH_SEMANTIC_ERROR (701).
 */
#include <stdint.h>

#include "query/query_int.h"

/* 1 if e holds an aggregate function call (depth-bounded by the parser). */
static int has_aggregate(const ast_expr_t *e, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return 0;
	if (e->kind == AST_E_FUNC && expr_is_aggregate_name(e->sval))
		return 1;
	if (has_aggregate(e->a, depth + 1) || has_aggregate(e->b, depth + 1) ||
	    has_aggregate(e->c, depth + 1))
		return 1;
	for (size_t i = 0; i < e->n_list; i++)
		if (has_aggregate(e->list[i], depth + 1))
			return 1;
	return 0;
}

/* 1 if a path of e (or e itself) holds a wildcard node. */
static int path_has_wildcard(const ast_path_t *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->quoted[i] && strchr(p->nodes[i], '*'))
			return 1;
	return 0;
}

static int expr_has_wildcard(const ast_expr_t *e, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return 0;
	if (e->kind == AST_E_STAR || (e->kind == AST_E_PATH && path_has_wildcard(e->path)))
		return 1;
	if (expr_has_wildcard(e->a, depth + 1) || expr_has_wildcard(e->b, depth + 1) ||
	    expr_has_wildcard(e->c, depth + 1))
		return 1;
	for (size_t i = 0; i < e->n_list; i++)
		if (expr_has_wildcard(e->list[i], depth + 1))
			return 1;
	return 0;
}

/* The row and column limits (seed: N and SN are positive int32 values). */
static int check_limits(const ast_select_t *sel, larch_error_t *err)
{
	if (sel->limit == 0)
		return err_set(err, LARCH_SEMANTIC_ERROR, "LIMIT <N>: N should be greater than 0.");
	if (sel->limit > INT32_MAX)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Out of range. LIMIT <N>: N should be Int32.");
	if (sel->offset > INT32_MAX)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Out of range. OFFSET <OFFSETValue>: OFFSETValue should be Int32.");
	if (sel->slimit == 0)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "SLIMIT <SN>: SN should be greater than 0.");
	if (sel->slimit > INT32_MAX)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Out of range. SLIMIT <SN>: SN should be Int32.");
	if (sel->soffset > INT32_MAX)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Out of range. SOFFSET <SOFFSETValue>: SOFFSETValue should be Int32.");
	if (sel->slimit >= 0 || sel->soffset >= 0) {
		int wild = 0;
		for (size_t i = 0; i < sel->n_from && !wild; i++)
			wild = path_has_wildcard(sel->from[i]);
		for (size_t i = 0; i < sel->n_cols && !wild; i++)
			wild = expr_has_wildcard(sel->cols[i].expr, 0);
		if (!wild)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "SLIMIT and SOFFSET can only be used with a path holding * or ** "
				       "in the SELECT or FROM clause");
	}
	return LARCH_OK;
}

/* What may be combined: aggregates with raw columns, GROUP BY without
 * aggregates, HAVING without aggregates, ORDER BY keys. */
static int check_clauses(const ast_select_t *sel, int *is_agg, larch_error_t *err)
{
	size_t n_agg = 0;

	for (size_t i = 0; i < sel->n_cols; i++)
		n_agg += has_aggregate(sel->cols[i].expr, 0) != 0;
	*is_agg = n_agg > 0;
	if (sel->align == AST_ALIGN_DISABLE && !sel->last) {
		/* IoTDB 0.13's refusals; its grammar allows one of ALIGN BY
		 * DEVICE and DISABLE ALIGN (both: a parse error) */
		if (n_agg)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "AGGREGATION doesn't support disable align clause.");
		if (sel->fill.kind != AST_FILL_NONE)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "FILL doesn't support disable align clause.");
	}
	if (sel->last) {
		if (n_agg)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "aggregation functions are not supported in a last query");
		if (sel->group_time || sel->n_group_levels || sel->n_group_tags)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "GROUP BY is not supported in a last query");
		return LARCH_OK;
	}
	if (n_agg && n_agg < sel->n_cols)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Raw data and aggregation hybrid query is not supported.");
	if (!n_agg && (sel->group_time || sel->n_group_levels || sel->n_group_tags))
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Common queries and aggregated queries are not allowed to appear at "
			       "the same time: GROUP BY needs aggregation functions in SELECT");
	if (!n_agg && sel->having)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "Expression of HAVING clause must to be an Aggregation");
	for (size_t i = 0; !sel->last && i < sel->n_order; i++) {
		const ast_expr_t *k = sel->order[i].expr;
		int is_dev = k->kind == AST_E_PATH && k->path->n == 1 &&
			     !strcasecmp(k->path->nodes[0], "device");
		if (k->kind != AST_E_TIME && !(is_dev && sel->align == AST_ALIGN_DEVICE))
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "ORDER BY at position %d: only TIME%s can be ordered by here",
				       k->pos, sel->align == AST_ALIGN_DEVICE ? " and DEVICE" : "");
	}
	return LARCH_OK;
}

/* Whether the query is IoTDB 0.10's single time-point FILL: the old
 * per-type list (or 0.13's PREVIOUSUNTILLAST) on raw ALIGN BY TIME columns
 * with a WHERE that is exactly `time = T`.  The old form anywhere else
 * fills the rows of the result, rule by column type (IoTDB 2.0's FILL
 * works on any query). */
static int is_point_fill(const ast_select_t *sel, int is_agg)
{
	const ast_expr_t *w = sel->where;

	if ((sel->fill.kind != AST_FILL_OLD && sel->fill.kind != AST_FILL_PREVIOUSUNTILLAST) ||
	    is_agg || sel->last || sel->align != AST_ALIGN_TIME || !w)
		return 0;
	return w->kind == AST_E_BINARY && w->op == AST_OP_EQ &&
	       (w->a->kind == AST_E_TIME || w->b->kind == AST_E_TIME) && expr_is_time_only(w);
}

/* The single time-point FILL gives exactly one row: the seed refuses
 * LIMIT and OFFSET with it (0.10's grammar allows only SLIMIT/SOFFSET
 * after that FILL). */
static int point_fill(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	if (p->sel->limit >= 0 || p->sel->offset >= 0)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "LIMIT and OFFSET cannot be used with FILL at a single time point "
			       "(the result is one row)");
	return q_fill_point_select(p, out, err);
}

int query_select(const query_ctx_t *ctx, const ast_select_t *sel, query_result_t **out,
		 larch_error_t *err)
{
	q_plan_t *p = NULL;
	int is_agg, rc;

	*out = NULL;
	if ((rc = check_limits(sel, err)) || (rc = check_clauses(sel, &is_agg, err)))
		return rc;
	if (!sel->n_from)
		return err_set(err, LARCH_SEMANTIC_ERROR, "a SELECT needs a FROM clause");
	if ((rc = q_plan_new(ctx, sel, &p, err)))
		return rc;
	rc = expr_time_ranges(ctx, sel->where, p->arena, &p->ranges, &p->n_ranges, err);
	if (rc)
		goto fail;
	if (sel->last)
		rc = q_last_select(p, out, err);
	else if (is_point_fill(sel, is_agg) && p->n_ranges == 1 &&
		 p->ranges[0].start == p->ranges[0].end)
		rc = point_fill(p, out, err);
	else if (is_agg)
		rc = q_agg_select(p, out, err);
	else if (sel->align == AST_ALIGN_DISABLE)
		rc = q_disalign_select(p, out, err);
	else
		rc = q_raw_select(p, out, err);
	if (rc)
		goto fail;
	return LARCH_OK;           /* the result owns p */
fail:
	q_plan_free(p);
	return rc;
}
