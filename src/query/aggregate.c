/*
 * aggregate.c — aggregation queries: aggregates over the whole time range
 * or per GROUP BY time window, GROUP BY LEVEL, HAVING, FILL, LIMIT/OFFSET,
 * SLIMIT/SOFFSET.  The arithmetic lives in agg.h; this file drives it.
 *
 * Each select item is instantiated per match of its paths (analyze.c).
 * Every aggregate call of an instance becomes a call (deduplicated by its
 * display name) with one accumulator state per window; result columns are
 * either a call or an expression over calls.
 *
 * Feeding the states:
 *   - without a value filter, when every call takes bare series, each
 *     series is read alone with summaries: a page or chunk lying whole
 *     inside one window (and usable by every call of the series) is
 *     accumulated from its statistics without decoding;
 *   - otherwise one time-merged stream (raw.c) of every input, filtered by
 *     WHERE, with non-path inputs (sum(s1 + 1), count_if(s1 > 0, 2))
 *     evaluated per block.
 *
 * GROUP BY LEVEL merges the states of calls with the same function and
 * level name (count(root.ln.*.*.status): nodes above the levels kept, the
 * others but the measurement replaced by *); GROUP BY TAGS those with the
 * same tag values and aggregate over the measurement.  A window holding
 * no row of a block is skipped by binary search to the next window that
 * can.  ALIGN BY DEVICE takes its layout from device.c and feeds each
 * device's calls from its own stream (its WHERE).  COUNT_TIME(*) counts
 * the rows of one stream of every matched series.  Results are
 * materialized (one row per window, per device or tag group; windows are
 * bounded) in a query_table_t, after HAVING, FILL (in result order),
 * OFFSET and LIMIT.
 */
#include <stdio.h>
#include <strings.h>

#include "query/agg.h"
#include "query/query_int.h"

/* Bytes of accumulator states one query may hold. */
#define AGG_MAX_STATE_BYTES ((size_t)1 << 30)

typedef struct agg_call {
	char *name;                /* display name: count(root.sg.d1.s1) */
	agg_fn_t fn;
	ast_expr_t *in[2];         /* input expressions (instantiated) */
	size_t n_in;
	int bare;                  /* every input is a bare path */
	size_t stream_col[2];      /* stream columns of the inputs (stream feeding) */
	size_t state_off;          /* offset of its window-0 state in a row of states */
	size_t group;              /* output group (GROUP BY LEVEL), else itself */
} agg_call_t;

typedef struct agg_out {
	char *name;
	size_t call;               /* a bare call (or group), or (size_t)-1 */
	ast_expr_t *expr;          /* expression over calls */
	expr_t *x;
	tsfile_type_t type;
} agg_out_t;

typedef struct agg_q {
	q_plan_t *p;
	larch_error_t *err;
	agg_call_t *calls;
	size_t n_calls, cap_calls;
	q_map_t call_of_node;      /* FUNC instance node -> call */
	q_map_t call_of_name;      /* hash of name -> call (verified by strcmp) */
	agg_out_t *outs;
	size_t n_outs, cap_outs;
	ast_expr_t *having;        /* instantiated HAVING, or NULL */
	int windowed;
	agg_windows_t w;
	uint64_t n_win;
	size_t row_bytes;          /* states of all calls for one window */
	uint8_t *states;           /* n_win * row_bytes */
	int inited;
} agg_q_t;

static int agg_oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory in an aggregation query");
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static char *format_name(q_plan_t *p, const ast_expr_t *e)
{
	buf_t b = BUF_INIT;
	char *s = NULL;

	expr_format(e, q_name_full, p, &b);
	buf_put_u8(&b, 0);
	if (buf_ok(&b))
		s = arena_strndup(p->arena, (const char *)b.data, b.len - 1);
	buf_free(&b);
	return s;
}

/*---------------------------------------------------------------------------
 * Calls
 *---------------------------------------------------------------------------*/

/* Type of an input expression: a bare path's series type, else compiled. */
static int input_type(agg_q_t *q, ast_expr_t *e, tsfile_type_t *t)
{
	q_plan_t *p = q->p;
	expr_t *x;

	if (e->kind == AST_E_PATH) {
		*t = p->series[q_leaf_series(e->path)].type;
		return LARCH_OK;
	}
	int rc = expr_compile(p->ctx, e, q_bind_series, NULL, p, p->arena, &x, q->err);
	if (rc)
		return rc;
	*t = expr_type(x);
	expr_free(x);
	return LARCH_OK;
}

/* Register the aggregate call node e (an instance), deduplicated. */
static int add_call(agg_q_t *q, const ast_expr_t *e, size_t *idx)
{
	q_plan_t *p = q->p;
	agg_kind_t kind;
	tsfile_type_t types[2];
	agg_fn_t fn;
	int rc;

	if (!agg_lookup(e->sval, &kind))
		return err_set(q->err, LARCH_SEMANTIC_ERROR, "Invalid Aggregation function: %s",
			       e->sval);
	size_t n_in = agg_kind_inputs(kind);
	if (e->n_list < n_in || (e->n_list > n_in && kind != AGG_COUNT_IF))
		return err_set(q->err, LARCH_SEMANTIC_ERROR,
			       "aggregation function %s at position %d takes %zu input%s",
			       e->sval, e->pos, n_in, n_in > 1 ? "s" : "");
	for (size_t i = 0; i < n_in; i++)
		if ((rc = input_type(q, e->list[i], &types[i])))
			return rc;
	if ((rc = agg_resolve(e->sval, types, n_in, e->attrs, e->n_attrs, &fn, q->err)))
		return rc;
	if (kind == AGG_COUNT_IF && e->n_list > 1 &&
	    (rc = agg_set_keep(&fn, e->list[1], q->err)))
		return rc;
	char *name = format_name(p, e);
	if (!name)
		return agg_oom(q->err);
	uint64_t h = name_hash(name);
	if (q_map_get(&q->call_of_name, h, idx) && !strcmp(q->calls[*idx].name, name))
		return q_map_put(&q->call_of_node, (uintptr_t)e, *idx) ? agg_oom(q->err) : 0;
	if (q_arena_grow(p->arena, (void **)&q->calls, &q->cap_calls, q->n_calls + 1, sizeof(agg_call_t)))
		return agg_oom(q->err);
	agg_call_t *c = &q->calls[q->n_calls];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->fn = fn;
	c->n_in = n_in;
	c->bare = 1;
	for (size_t i = 0; i < n_in; i++) {
		c->in[i] = e->list[i];
		c->bare &= e->list[i]->kind == AST_E_PATH;
	}
	c->group = q->n_calls;
	*idx = q->n_calls++;
	if (q_map_put(&q->call_of_name, h, *idx) ||
	    q_map_put(&q->call_of_node, (uintptr_t)e, *idx))
		return agg_oom(q->err);
	return LARCH_OK;
}

/* Register every aggregate call in e (not descending into them). */
static int add_calls(agg_q_t *q, const ast_expr_t *e, int depth)
{
	size_t idx;
	int rc;

	if (!e || depth > AST_MAX_DEPTH)
		return LARCH_OK;
	if (e->kind == AST_E_FUNC && expr_is_aggregate_name(e->sval))
		return add_call(q, e, &idx);
	if (e->kind == AST_E_PATH)
		return err_set(q->err, LARCH_SEMANTIC_ERROR,
			       "Raw data and aggregation hybrid query is not supported: %s",
			       e->path->text);
	if ((rc = add_calls(q, e->a, depth + 1)) || (rc = add_calls(q, e->b, depth + 1)) ||
	    (rc = add_calls(q, e->c, depth + 1)))
		return rc;
	for (size_t i = 0; i < e->n_list; i++)
		if ((rc = add_calls(q, e->list[i], depth + 1)))
			return rc;
	return LARCH_OK;
}

/* expr_bind_agg_fn: an aggregate node of an instance -> its call's column. */
static int bind_call(void *arg, const ast_expr_t *call, size_t *input, tsfile_type_t *type,
		     larch_error_t *err)
{
	agg_q_t *q = arg;

	if (!q_map_get(&q->call_of_node, (uintptr_t)call, input))
		return err_set(err, LARCH_INTERNAL_ERROR, "aggregate at position %d not bound",
			       call->pos);
	*type = q->calls[*input].fn.out_type;
	return LARCH_OK;
}

static int no_path(void *arg, const ast_path_t *path, size_t *input, tsfile_type_t *type,
		   larch_error_t *err)
{
	(void)arg;
	(void)input;
	(void)type;
	return err_set(err, LARCH_SEMANTIC_ERROR,
		       "Raw data and aggregation hybrid query is not supported: %s", path->text);
}

typedef struct out_arg {
	agg_q_t *q;
	const ast_result_col_t *rc;
	size_t made;
} out_arg_t;

static int emit_out(q_plan_t *p, void *arg, ast_expr_t *inst, larch_error_t *err)
{
	out_arg_t *a = arg;
	agg_q_t *q = a->q;
	int rc;

	if (a->rc->alias && a->made)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "alias '%s' can only be matched with one time series", a->rc->alias);
	if ((rc = add_calls(q, inst, 0)))
		return rc;
	if (q_arena_grow(p->arena, (void **)&q->outs, &q->cap_outs, q->n_outs + 1, sizeof(agg_out_t)))
		return agg_oom(err);
	agg_out_t *o = &q->outs[q->n_outs];
	memset(o, 0, sizeof(*o));
	o->expr = inst;
	o->call = (size_t)-1;
	if (inst->kind == AST_E_FUNC && expr_is_aggregate_name(inst->sval)) {
		q_map_get(&q->call_of_node, (uintptr_t)inst, &o->call);
		o->type = q->calls[o->call].fn.out_type;
		o->name = q->calls[o->call].name;
	} else {
		if ((rc = expr_compile(p->ctx, inst, no_path, bind_call, q, p->arena, &o->x, err)))
			return rc;
		o->type = expr_type(o->x);
		o->name = format_name(p, inst);
		if (!o->name)
			return agg_oom(err);
	}
	if (a->rc->alias)
		o->name = a->rc->alias;
	q->n_outs++;
	a->made++;
	return LARCH_OK;
}

static int emit_having(q_plan_t *p, void *arg, ast_expr_t *inst, larch_error_t *err)
{
	agg_q_t *q = arg;
	int rc = add_calls(q, inst, 0);

	if (rc)
		return rc;
	if (!q->having) {
		q->having = inst;
		return LARCH_OK;
	}
	ast_expr_t *and = arena_calloc(p->arena, 1, sizeof(*and));
	if (!and)
		return agg_oom(err);
	and->kind = AST_E_BINARY;
	and->op = AST_OP_AND;
	and->a = q->having;
	and->b = inst;
	q->having = and;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * GROUP BY LEVEL
 *---------------------------------------------------------------------------*/

/* The level name of a series path: nodes at the given levels (root is 0)
 * and (keep_last) the last node kept, every other node (but root)
 * replaced by *. */
static int level_path(q_plan_t *p, const char *path, int keep_last, buf_t *b)
{
	const ast_select_t *sel = p->sel;
	size_t len = strlen(path), prev = 0;
	int level = 0;

	for (size_t end = 0;; level++) {
		size_t cut = schema_path_level_len(path, len, level);
		if (!cut)
			break;
		end = cut;
		int keep = level == 0 || (end == len && keep_last);
		for (size_t i = 0; i < sel->n_group_levels; i++)
			keep |= sel->group_levels[i] == level;
		if (level)
			buf_put_u8(b, '.');
		if (keep)
			buf_put(b, path + prev + (level ? 1 : 0), end - prev - (level ? 1 : 0));
		else
			buf_put_u8(b, '*');
		prev = end;
	}
	return buf_ok(b) ? 0 : -1;
}

/* Whether call c may be merged into group call g (GROUP BY LEVEL / TAGS):
 * IoTDB 2.0 requires one result type per output column ("GROUP BY LEVEL:
 * the data types of the same output column[...] should be the same"):
 * sum or count of FLOAT and DOUBLE series merge, max_value of them does
 * not.  MAX_BY/MIN_BY states also need one comparison type. */
static int join_check(agg_q_t *q, size_t g, size_t c, const char *what, const char *name)
{
	const agg_fn_t *a = &q->calls[g].fn, *b = &q->calls[c].fn;
	int by = a->kind == AGG_MAX_BY || a->kind == AGG_MIN_BY;

	if (a->out_type == b->out_type && (!by || a->in[1] == b->in[1]))
		return LARCH_OK;
	return err_set(q->err, LARCH_SEMANTIC_ERROR,
		       "%s: the data types of the same output column[%s] should be the same.",
		       what, name);
}

/* Group the bare single-input calls by (function, level name); outputs
 * become the groups in order of first appearance. */
static int level_group(agg_q_t *q)
{
	q_plan_t *p = q->p;
	q_map_t seen = { 0 };
	size_t n_groups = 0;
	int rc = LARCH_OK;

	for (size_t i = 0; i < q->n_outs && !rc; i++) {
		agg_out_t *o = &q->outs[i];
		if (o->call == (size_t)-1 || q->calls[o->call].n_in != 1 || !q->calls[o->call].bare) {
			rc = err_set(q->err, LARCH_SEMANTIC_ERROR,
				     "GROUP BY LEVEL supports aggregation functions of one series only");
			break;
		}
		agg_call_t *c = &q->calls[o->call];
		buf_t b = BUF_INIT;
		buf_put(&b, c->fn.name, strlen(c->fn.name));
		buf_put_u8(&b, '(');
		/* the measurement stays unless the select path had a wildcard there */
		const ast_path_t *lp = c->in[0]->path;
		int keep_last = lp->n && !strchr(lp->nodes[lp->n - 1], '*');
		if (level_path(p, p->series[q_leaf_series(lp)].path, keep_last, &b)) {
			buf_free(&b);
			rc = agg_oom(q->err);
			break;
		}
		buf_put(&b, ")", 2);
		char *name = buf_ok(&b) ? arena_strndup(p->arena, (char *)b.data, b.len - 1) : NULL;
		buf_free(&b);
		if (!name) {
			rc = agg_oom(q->err);
			break;
		}
		size_t g;
		uint64_t h = name_hash(name);
		if (q_map_get(&seen, h, &g) && !strcmp(q->outs[g].name, name)) {
			if ((rc = join_check(q, q->outs[g].call, o->call, "GROUP BY LEVEL", name)))
				break;
			c->group = q->outs[g].call;
			continue;
		}
		c->group = o->call;
		o->name = name;
		q->outs[n_groups] = *o;
		if (q_map_put(&seen, h, n_groups++))
			rc = agg_oom(q->err);
	}
	/* calls appearing twice in the select list keep their first group */
	q->n_outs = rc ? q->n_outs : n_groups;
	q_map_free(&seen);
	return rc;
}

/*---------------------------------------------------------------------------
 * Windows and states
 *---------------------------------------------------------------------------*/

static int windows_setup(agg_q_t *q)
{
	q_plan_t *p = q->p;
	const ast_group_time_t *g = p->sel->group_time;
	agg_duration_t interval, step;
	int64_t start, end, lo, hi;
	int inf, rc;

	q->n_win = 1;
	if (!g)
		return LARCH_OK;
	if ((rc = query_eval_time(p->ctx, g->start, &start, q->err)) ||
	    (rc = query_eval_time(p->ctx, g->end, &end, q->err)) ||
	    (rc = agg_duration_from_expr(g->interval, p->ctx->precision, 0, &interval, &inf,
					 q->err)))
		return rc;
	step = interval;
	if (g->step && (rc = agg_duration_from_expr(g->step, p->ctx->precision, 0, &step, &inf,
						    q->err)))
		return rc;
	if ((rc = agg_windows_init(&q->w, start, end, &interval, &step, g->left_open,
				   p->ctx->precision, p->ctx->tz, q->err)))
		return rc;
	q->windowed = 1;
	q->n_win = q->w.n;
	/* read only what the windows hold: intersect the WHERE ranges */
	agg_windows_range(&q->w, &lo, &hi);
	size_t k = 0;
	for (size_t i = 0; i < p->n_ranges; i++) {
		time_range_t r = p->ranges[i];
		r.start = LR_MAX(r.start, lo);
		r.end = LR_MIN(r.end, hi);
		if (r.start <= r.end)
			p->ranges[k++] = r;
	}
	p->n_ranges = k;
	return LARCH_OK;
}

static int states_setup(agg_q_t *q)
{
	size_t off = 0;

	for (size_t i = 0; i < q->n_calls; i++) {
		q->calls[i].state_off = off;
		off += (agg_state_size(&q->calls[i].fn) + 7) & ~(size_t)7;
	}
	q->row_bytes = off ? off : 8;
	if (q->n_win > AGG_MAX_STATE_BYTES / q->row_bytes)
		return err_set(q->err, LARCH_SEMANTIC_ERROR,
			       "GROUP BY gives %llu windows: too many to aggregate at once",
			       (unsigned long long)q->n_win);
	q->states = mem_alloc((size_t)q->n_win * q->row_bytes);
	if (!q->states)
		return agg_oom(q->err);
	for (uint64_t k = 0; k < q->n_win; k++)
		for (size_t i = 0; i < q->n_calls; i++)
			agg_init(&q->calls[i].fn, q->states + k * q->row_bytes + q->calls[i].state_off);
	q->inited = 1;
	return LARCH_OK;
}

static void states_free(agg_q_t *q)
{
	if (!q->inited) {
		mem_free(q->states);
		return;
	}
	for (size_t i = 0; i < q->n_calls; i++) {
		if (!agg_needs_free(&q->calls[i].fn))
			continue;
		for (uint64_t k = 0; k < q->n_win; k++)
			agg_free(&q->calls[i].fn, q->states + k * q->row_bytes + q->calls[i].state_off);
	}
	mem_free(q->states);
}

static void *state_of(agg_q_t *q, size_t call, uint64_t k)
{
	return q->states + k * q->row_bytes + q->calls[call].state_off;
}

/* Accumulate rows [0, n) (ascending times) into the calls ci[0..nc), with
 * inputs columns cols[slot[j][..]] per call. */
typedef struct feed {
	const size_t *calls;
	size_t n_calls;
	larch_column_t (*in)[2];   /* per call: its input columns */
} feed_t;

static int feed_rows(agg_q_t *q, const feed_t *f, const int64_t *times, size_t n)
{
	int rc;

	if (!n)
		return LARCH_OK;
	if (!q->windowed) {
		for (size_t j = 0; j < f->n_calls; j++)
			if ((rc = agg_update(&q->calls[f->calls[j]].fn, state_of(q, f->calls[j], 0),
					     times, f->in[j], 0, n)))
				return rc;
		return LARCH_OK;
	}
	for (uint64_t k = agg_windows_first_ending_at_or_after(&q->w, times[0]); k < q->n_win;
	     k++) {
		int64_t lo, hi;
		size_t a, b;
		agg_window_bounds(&q->w, k, &lo, &hi);
		if (lo > times[n - 1])
			break;
		agg_window_rows(&q->w, k, times, 0, n, &a, &b);
		if (a == b) {
			/* an empty window: every row from a on lies after it, so
			 * jump to the first window that can hold row a */
			if (a == n)
				break;
			uint64_t next = agg_windows_first_ending_at_or_after(&q->w, times[a]);
			k = LR_MAX(next, k + 1) - 1;
			continue;
		}
		for (size_t j = 0; j < f->n_calls; j++)
			if ((rc = agg_update(&q->calls[f->calls[j]].fn, state_of(q, f->calls[j], k),
					     times, f->in[j], a, b)))
				return rc;
	}
	return LARCH_OK;
}

static int agg_update_err(agg_q_t *q, int rc)
{
	if (rc == LARCH_NO_MEMORY)
		return agg_oom(q->err);
	return err_set(q->err, rc, "aggregation failed (MODE keeps at most %d distinct values)",
		       AGG_MODE_MAX_DISTINCT);
}

/* Try to accumulate a summary into every call of the series: 1 if used. */
static int feed_summary(agg_q_t *q, const feed_t *f, const storage_summary_t *s, int *used)
{
	uint64_t k0 = 0, k1 = 1;

	*used = 0;
	for (size_t j = 0; j < f->n_calls; j++)
		if (!agg_summary_usable(&q->calls[f->calls[j]].fn, s))
			return LARCH_OK;
	if (q->windowed && !agg_windows_cover(&q->w, s->start, s->end, &k0, &k1))
		return LARCH_OK;
	for (uint64_t k = k0; k < k1; k++)
		for (size_t j = 0; j < f->n_calls; j++) {
			int rc = agg_update_summary(&q->calls[f->calls[j]].fn,
						    state_of(q, f->calls[j], k), s);
			if (rc)
				return agg_update_err(q, rc);
		}
	*used = 1;
	return LARCH_OK;
}

/* Read one series (plan index s) over the ranges and feed calls ci. */
static int feed_series(agg_q_t *q, size_t s, const size_t *ci, size_t nc)
{
	q_plan_t *p = q->p;
	const q_series_t *ser = &p->series[s];
	const q_device_t *d = &p->devs[ser->dev];
	storage_series_ref_t ref = { d->path, ser->sid, ser->measurement, ser->type };
	larch_column_t (*in)[2] = arena_calloc(p->arena, nc, sizeof(*in));
	feed_t f = { ci, nc, in };
	int use_sum = 1, rc = LARCH_OK;

	if (!in)
		return agg_oom(q->err);
	for (size_t j = 0; j < nc; j++)
		use_sum &= agg_can_use_summary(&q->calls[ci[j]].fn);
	for (size_t r = 0; r < p->n_ranges && !rc; r++) {
		storage_read_t req = { d->database, d->path, &ref, 1, d->aligned,
				       p->ranges[r].start, p->ranges[r].end };
		storage_cursor_t *c;
		if ((rc = storage_read_flags(p->ctx->storage, &req,
					     use_sum ? STORAGE_READ_SUMMARIES : 0, &c, q->err)))
			return rc;
		for (;;) {
			storage_summary_t sum;
			const storage_block_t *b;
			int used = 0;
			if (use_sum) {
				rc = storage_cursor_peek_summary(c, &sum, q->err);
				if (rc == LARCH_OK && !(rc = feed_summary(q, &f, &sum, &used)) && used)
					rc = storage_cursor_skip(c, q->err);
				if (rc == LARCH_DONE)
					rc = LARCH_OK;
				if (rc)
					break;
				if (used)
					continue;
			}
			rc = storage_cursor_next(c, &b, q->err);
			if (rc) {
				rc = rc == LARCH_DONE ? LARCH_OK : rc;
				break;
			}
			for (size_t j = 0; j < nc; j++)
				in[j][0] = (larch_column_t){ b->columns[0].type, b->columns[0].values,
							     b->columns[0].nulls };
			if ((rc = feed_rows(q, &f, b->times, b->n_rows)))
				rc = agg_update_err(q, rc);
			if (rc)
				break;
		}
		storage_cursor_free(c);
	}
	return rc;
}

/* Every call takes bare series and there is no value filter: feed series
 * by series. */
static int feed_by_series(agg_q_t *q)
{
	q_plan_t *p = q->p;
	size_t *ci = arena_alloc(p->arena, (q->n_calls ? q->n_calls : 1) * sizeof(size_t));
	uint8_t *done = arena_calloc(p->arena, q->n_calls ? q->n_calls : 1, 1);
	int rc = LARCH_OK;

	if (!ci || !done)
		return agg_oom(q->err);
	for (size_t i = 0; i < q->n_calls && !rc; i++) {
		if (done[i])
			continue;
		size_t s = q_leaf_series(q->calls[i].in[0]->path), nc = 0;
		for (size_t j = i; j < q->n_calls; j++)
			if (!done[j] && q_leaf_series(q->calls[j].in[0]->path) == s) {
				ci[nc++] = j;
				done[j] = 1;
			}
		rc = feed_series(q, s, ci, nc);
	}
	return rc;
}

/* Feed the calls ci[0..nc) from one merged stream of their inputs and
 * extra[0..n_extra) (more series whose rows count: COUNT_TIME(*)),
 * filtered by where (or NULL). */
static int feed_by_stream(agg_q_t *q, const size_t *ci, size_t nc, ast_expr_t *const *extra,
			  size_t n_extra, const ast_expr_t *where)
{
	q_plan_t *p = q->p;
	size_t n_in = 0;
	ast_expr_t **exprs = arena_alloc(p->arena, (2 * nc + n_extra + 1) * sizeof(*exprs));
	larch_column_t (*in)[2] = arena_calloc(p->arena, nc + 1, sizeof(*in));
	q_stream_t *st = NULL;
	int rc;

	if (!exprs || !in)
		return agg_oom(q->err);
	for (size_t j = 0; j < nc; j++) {
		agg_call_t *c = &q->calls[ci[j]];
		for (size_t k = 0; k < c->n_in; k++) {
			c->stream_col[k] = n_in;
			exprs[n_in++] = c->in[k];
		}
	}
	for (size_t j = 0; j < n_extra; j++)
		exprs[n_in++] = extra[j];
	if ((rc = q_stream_open(p, exprs, n_in, where, 0, &st, q->err)))
		return rc;
	feed_t f = { ci, nc, in };
	for (;;) {
		const int64_t *times;
		const larch_column_t *cols;
		size_t n;
		rc = q_stream_next(st, &times, &n, &cols, q->err);
		if (rc) {
			rc = rc == LARCH_DONE ? LARCH_OK : rc;
			break;
		}
		for (size_t j = 0; j < nc; j++)
			for (size_t k = 0; k < q->calls[ci[j]].n_in; k++)
				in[j][k] = cols[q->calls[ci[j]].stream_col[k]];
		if ((rc = feed_rows(q, &f, times, n))) {
			rc = agg_update_err(q, rc);
			break;
		}
	}
	q_stream_close(st);
	return rc;
}

/* Every call, from one stream filtered by the plan's WHERE. */
static int feed_all_by_stream(agg_q_t *q)
{
	size_t *ci = arena_alloc(q->p->arena, (q->n_calls + 1) * sizeof(size_t));

	if (!ci)
		return agg_oom(q->err);
	for (size_t i = 0; i < q->n_calls; i++)
		ci[i] = i;
	return feed_by_stream(q, ci, q->n_calls, NULL, 0, q->p->where);
}

/*---------------------------------------------------------------------------
 * Results
 *---------------------------------------------------------------------------*/

/* Merge the states of each level group into the group's call state. */
static int merge_groups(agg_q_t *q)
{
	for (uint64_t k = 0; k < q->n_win; k++)
		for (size_t i = 0; i < q->n_calls; i++) {
			size_t g = q->calls[i].group;
			if (g == i)
				continue;
			int rc = agg_merge(&q->calls[g].fn, state_of(q, g, k), state_of(q, i, k));
			if (rc)
				return agg_update_err(q, rc);
		}
	return LARCH_OK;
}

/* Typed columns of n rows in arena memory. */
static int col_alloc(arena_t *a, tsfile_type_t t, size_t n, larch_column_t *c)
{
	c->type = t;
	c->values = arena_calloc(a, n ? n : 1, tsfile_type_size(t));
	c->nulls = arena_calloc(a, n ? n : 1, 1);
	return c->values && c->nulls ? 0 : -1;
}

static void col_put(larch_column_t *c, size_t row, const tsfile_value_t *v)
{
	uint8_t *nulls = (uint8_t *)c->nulls;
	size_t sz = tsfile_type_size(c->type);

	nulls[row] = v->is_null != 0;
	if (v->is_null)
		return;
	uint8_t *dst = (uint8_t *)c->values + row * sz;
	switch (c->type) {
	case TSFILE_BOOLEAN:
		*dst = v->v.b != 0;
		break;
	default:
		memcpy(dst, &v->v, sz);
		break;
	}
}

/* Results of every call for every window: columns of n_win rows. */
static int call_columns(agg_q_t *q, larch_column_t *cc)
{
	for (size_t i = 0; i < q->n_calls; i++) {
		if (col_alloc(q->p->arena, q->calls[i].fn.out_type, q->n_win, &cc[i]))
			return agg_oom(q->err);
		for (uint64_t k = 0; k < q->n_win; k++) {
			tsfile_value_t v;
			agg_result(&q->calls[i].fn, state_of(q, i, k), &v);
			if (!v.is_null && tsfile_type_size(v.type) == sizeof(tsfile_bytes_t)) {
				char *copy = arena_strndup(q->p->arena, v.v.bytes.ptr, v.v.bytes.len);
				if (!copy)
					return agg_oom(q->err);
				v.v.bytes.ptr = copy;
			}
			col_put(&cc[i], k, &v);
		}
	}
	return LARCH_OK;
}

/* The row times (window output times; 0 without windows). */
static int64_t *window_times(agg_q_t *q)
{
	int64_t *t = arena_alloc(q->p->arena, (size_t)q->n_win * sizeof(int64_t));

	for (uint64_t k = 0; t && k < q->n_win; k++)
		t[k] = q->windowed ? agg_window_time(&q->w, k) : 0;
	return t;
}

/* Output columns (n_win rows) of outs[0..n) from the call columns. */
static int out_columns(agg_q_t *q, const agg_out_t *outs, size_t n, const int64_t *times,
		       const larch_column_t *cc, larch_column_t *oc)
{
	for (size_t i = 0; i < n; i++) {
		const agg_out_t *o = &outs[i];
		if (!o->x) {
			oc[i] = cc[o->call];
			continue;
		}
		int rc = expr_eval(o->x, (size_t)q->n_win, times, cc, q->p->arena, &oc[i], q->err);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

/* keep[k]: window k is a result row (HAVING having; all rows when NULL). */
static int having_rows(agg_q_t *q, const ast_expr_t *having, const int64_t *times,
		       const larch_column_t *cc, uint8_t *keep)
{
	expr_t *x;
	int rc;

	if (!having) {
		memset(keep, 1, (size_t)q->n_win);
		return LARCH_OK;
	}
	rc = expr_compile(q->p->ctx, having, no_path, bind_call, q, q->p->arena, &x, q->err);
	if (rc)
		return rc;
	rc = expr_eval_filter(x, (size_t)q->n_win, times, cc, q->p->arena, keep, q->err);
	expr_free(x);
	return rc;
}

/* A result before FILL, OFFSET and LIMIT: columns oc[0..n_cols) and
 * times, rows[0..n) indexing them in result order. */
typedef struct agg_res {
	size_t n_cols;
	char **names;
	tsfile_type_t *types;
	larch_column_t *oc;
	int64_t *times;
	size_t *rows;
	size_t n;
} agg_res_t;

static int res_alloc(agg_q_t *q, agg_res_t *r, size_t n_cols, size_t n_rows)
{
	arena_t *a = q->p->arena;

	r->n_cols = n_cols;
	r->n = 0;
	r->names = arena_calloc(a, n_cols + 1, sizeof(*r->names));
	r->types = arena_calloc(a, n_cols + 1, sizeof(*r->types));
	r->oc = arena_calloc(a, n_cols + 1, sizeof(*r->oc));
	r->times = arena_calloc(a, n_rows + 1, sizeof(*r->times));
	r->rows = arena_calloc(a, n_rows + 1, sizeof(*r->rows));
	return r->names && r->types && r->oc && r->times && r->rows ? LARCH_OK : agg_oom(q->err);
}

/* Cell (src, sr) into (dst, dr); both columns of one type. */
static void cell_copy(larch_column_t *dst, size_t dr, const larch_column_t *src, size_t sr)
{
	size_t sz = tsfile_type_size(dst->type);
	int null = !src || (src->nulls && src->nulls[sr]);

	((uint8_t *)dst->nulls)[dr] = (uint8_t)null;
	if (!null)
		memcpy((uint8_t *)dst->values + dr * sz, (const uint8_t *)src->values + sr * sz, sz);
}

/* FILL in result order (IoTDB fills after ORDER BY): the rows become
 * compacted copies, rows[r] = r.  With ORDER BY TIME DESC the fill sees
 * the times complemented (ascending, same distances). */
static int apply_fill(agg_q_t *q, agg_res_t *r)
{
	q_plan_t *p = q->p;
	agg_fill_col_t *spec = arena_calloc(p->arena, r->n_cols + 1, sizeof(*spec));
	int64_t *rt = arena_alloc(p->arena, (r->n + 1) * sizeof(int64_t));
	int64_t *ft = arena_alloc(p->arena, (r->n + 1) * sizeof(int64_t));
	int desc = q_order_desc(p->sel), rc;

	if (!spec || !rt || !ft)
		return agg_oom(q->err);
	if ((rc = agg_fill_plan(&p->sel->fill, r->types, r->n_cols, p->ctx->precision, 0, spec,
				q->err)))
		return rc;
	for (size_t j = 0; j < r->n; j++) {
		rt[j] = r->times[r->rows[j]];
		ft[j] = desc ? ~rt[j] : rt[j];
	}
	for (size_t i = 0; i < r->n_cols; i++) {
		larch_column_t g;
		if (col_alloc(p->arena, r->types[i], r->n, &g))
			return agg_oom(q->err);
		for (size_t j = 0; j < r->n; j++)
			cell_copy(&g, j, &r->oc[i], r->rows[j]);
		agg_fill_column(&spec[i], ft, r->n, r->types[i], (void *)g.values, (uint8_t *)g.nulls,
				p->ctx->precision, p->ctx->tz);
		r->oc[i] = g;
	}
	for (size_t j = 0; j < r->n; j++)
		r->rows[j] = j;
	r->times = rt;
	return LARCH_OK;
}

static int put_cell(query_table_t *t, size_t col, const larch_column_t *c, size_t row)
{
	tsfile_value_t v;

	agg_cell_value(c, row, &v);
	return v.is_null ? LARCH_OK : query_table_set_value(t, col, &v);
}

/* FILL, OFFSET, LIMIT, then the result table. */
static int build_table(agg_q_t *q, agg_res_t *r, query_result_t **out)
{
	const ast_select_t *sel = q->p->sel;
	int rc = sel->fill.kind != AST_FILL_NONE ? apply_fill(q, r) : LARCH_OK;

	if (rc)
		return rc;
	query_table_t *t = query_table_new(r->n_cols, q->windowed);
	size_t from = sel->offset > 0 ? (size_t)LR_MIN((uint64_t)sel->offset, (uint64_t)r->n) : 0;
	size_t count = r->n_cols ? r->n - from : 0;

	if (!t)
		return agg_oom(q->err);
	if (sel->limit >= 0 && (uint64_t)sel->limit < count)
		count = (size_t)sel->limit;
	for (size_t i = 0; i < r->n_cols && !rc; i++)
		rc = query_table_set_column(t, i, r->names[i], r->types[i]);
	for (size_t j = from; j < from + count && !rc; j++) {
		size_t row = r->rows[j];
		rc = query_table_add_row(t, r->times[row]);
		for (size_t i = 0; i < r->n_cols && !rc; i++)
			rc = put_cell(t, i, &r->oc[i], row);
	}
	if (rc) {
		query_table_free(t);
		return err_set(q->err, rc, "building the aggregation result failed");
	}
	return query_table_finish(t, out, q->err);
}

/* Feed every call: series by series from summaries when nothing but bare
 * series and time ranges are involved, else through streams. */
static int feed_calls(agg_q_t *q)
{
	q_plan_t *p = q->p;
	int bare = !p->where && !p->where_false;

	for (size_t i = 0; i < q->n_calls; i++)
		bare &= q->calls[i].bare && q->calls[i].n_in == 1;
	if (p->where_false || !q->n_calls)
		return LARCH_OK;
	return bare ? feed_by_series(q) : feed_all_by_stream(q);
}

/* One row per window of the outputs (HAVING applied), in result order. */
static int window_result(agg_q_t *q, query_result_t **out)
{
	q_plan_t *p = q->p;
	agg_res_t r;
	larch_column_t *cc = arena_calloc(p->arena, q->n_calls + 1, sizeof(*cc));
	uint8_t *keep = arena_alloc(p->arena, (size_t)q->n_win);
	int64_t *times = window_times(q);
	int rc = LARCH_OK, desc = q_order_desc(p->sel);

	if (!cc || !keep || !times || (rc = res_alloc(q, &r, q->n_outs, (size_t)q->n_win)))
		return rc ? rc : agg_oom(q->err);
	if ((rc = call_columns(q, cc)) || (rc = out_columns(q, q->outs, q->n_outs, times, cc, r.oc)) ||
	    (rc = having_rows(q, q->having, times, cc, keep)))
		return rc;
	for (size_t i = 0; i < q->n_outs; i++) {
		r.names[i] = q->outs[i].name;
		r.types[i] = q->outs[i].type;
	}
	for (uint64_t j = 0; j < q->n_win; j++) {
		uint64_t k = desc ? q->n_win - 1 - j : j;
		if (keep[k])
			r.rows[r.n++] = (size_t)k;
	}
	memcpy(r.times, times, (size_t)q->n_win * sizeof(int64_t));
	return build_table(q, &r, out);
}

static int tags_run(agg_q_t *q, query_result_t **out);

/* Plain aggregation, GROUP BY time / LEVEL / TAGS. */
static int agg_run(agg_q_t *q, query_result_t **out)
{
	q_plan_t *p = q->p;
	const ast_select_t *sel = p->sel;
	int rc;

	for (size_t i = 0; i < sel->n_cols; i++) {
		out_arg_t a = { q, &sel->cols[i], 0 };
		if ((rc = q_analyze_instances(p, sel->cols[i].expr, emit_out, &a, q->err)))
			return rc;
	}
	if (sel->n_group_levels && (rc = level_group(q)))
		return rc;
	size_t first, count;
	if ((rc = q_slimit(sel, q->n_outs, &first, &count, q->err)))
		return rc;
	for (size_t i = 0; i < q->n_outs; i++)
		if (i < first || i >= first + count) {
			expr_free(q->outs[i].x);
			q->outs[i].x = NULL;
		}
	q->outs += first;
	q->n_outs = count;
	if (sel->having && (rc = q_analyze_instances(p, sel->having, emit_having, q, q->err)))
		return rc;
	if (sel->where && !expr_is_time_only(sel->where) &&
	    (rc = q_analyze_where(p, q->err)))
		return rc;
	if (sel->n_group_tags)
		return tags_run(q, out);
	if ((rc = windows_setup(q)) || (rc = states_setup(q)) || (rc = feed_calls(q)) ||
	    (rc = merge_groups(q)))
		return rc;
	return window_result(q, out);
}

/*---------------------------------------------------------------------------
 * COUNT_TIME(*)
 *---------------------------------------------------------------------------*/

static int is_count_time(const ast_expr_t *e)
{
	return e->kind == AST_E_FUNC && !strcasecmp(e->sval, "count_time");
}

typedef struct ct_arg {
	ast_expr_t **leaves;
	size_t n, cap;
} ct_arg_t;

static int emit_ct(q_plan_t *p, void *arg, ast_expr_t *inst, larch_error_t *err)
{
	ct_arg_t *a = arg;

	if (inst->n_list != 1 || inst->list[0]->kind != AST_E_PATH)
		return err_set(err, LARCH_SEMANTIC_ERROR, "COUNT_TIME takes only * as its input");
	if (q_arena_grow(p->arena, (void **)&a->leaves, &a->cap, a->n + 1, sizeof(*a->leaves)))
		return agg_oom(err);
	a->leaves[a->n++] = inst->list[0];
	return LARCH_OK;
}

/* COUNT_TIME(*) (IoTDB 1.3+): one column, count_time(*), the number of
 * distinct times at which any series the * matches has a value (per
 * window), read as the rows of one merged stream of them all.  It must be
 * the only select item (IoTDB keeps one count_time(*) column). */
static int agg_run_count_time(agg_q_t *q, query_result_t **out)
{
	q_plan_t *p = q->p;
	const ast_select_t *sel = p->sel;
	ct_arg_t a = { 0 };
	tsfile_type_t any = TSFILE_INT64;
	int rc;

	if (sel->n_cols != 1 || sel->having || sel->n_group_levels || sel->n_group_tags ||
	    sel->align == AST_ALIGN_DEVICE)
		return err_set(q->err, LARCH_SEMANTIC_ERROR,
			       "COUNT_TIME(*) must be the only select item, without HAVING, GROUP BY "
			       "LEVEL/TAGS or ALIGN BY DEVICE");
	if ((rc = q_analyze_instances(p, sel->cols[0].expr, emit_ct, &a, q->err)))
		return rc;
	if (sel->where && !expr_is_time_only(sel->where) && (rc = q_analyze_where(p, q->err)))
		return rc;
	if (q_arena_grow(p->arena, (void **)&q->calls, &q->cap_calls, 1, sizeof(agg_call_t)) ||
	    q_arena_grow(p->arena, (void **)&q->outs, &q->cap_outs, 1, sizeof(agg_out_t)))
		return agg_oom(q->err);
	agg_call_t *c = &q->calls[0];
	memset(c, 0, sizeof(*c));
	if ((rc = agg_resolve("count_time", &any, 1, NULL, 0, &c->fn, q->err)))
		return rc;
	c->name = "count_time(*)";
	c->n_in = 1;
	c->in[0] = a.n ? a.leaves[0] : NULL;
	q->n_calls = 1;
	memset(&q->outs[0], 0, sizeof(q->outs[0]));
	q->outs[0] = (agg_out_t){ sel->cols[0].alias ? sel->cols[0].alias : c->name, 0, NULL,
				  NULL, c->fn.out_type };
	q->n_outs = 1;
	size_t ci = 0;
	if ((rc = windows_setup(q)) || (rc = states_setup(q)))
		return rc;
	if (a.n && !p->where_false &&
	    (rc = feed_by_stream(q, &ci, 1, a.leaves + 1, a.n - 1, p->where)))
		return rc;
	return window_result(q, out);
}

/*---------------------------------------------------------------------------
 * GROUP BY TAGS
 *---------------------------------------------------------------------------*/

/* The value of tag key of series s, or NULL. */
static const char *series_tag(const q_series_t *s, const char *key)
{
	for (size_t i = 0; i < s->ntags; i++)
		if (!strcmp(s->tags[i].key, key))
			return s->tags[i].value;
	return NULL;
}

/* The GROUP BY TAGS rows: per window (in result order), per group, the
 * tag values then each column's merged call (null where the group has no
 * series for it). */
static int tags_table(agg_q_t *q, const q_map_t *cell, const char **tuples, size_t n_groups,
		      char **names, const tsfile_type_t *types, size_t n_cols,
		      query_result_t **out)
{
	q_plan_t *p = q->p;
	size_t nk = p->sel->n_group_tags, nw = (size_t)q->n_win;
	larch_column_t *cc = arena_calloc(p->arena, q->n_calls + 1, sizeof(*cc));
	int64_t *times = window_times(q);
	int desc = q_order_desc(p->sel), rc = LARCH_OK;
	agg_res_t r;

	if (!cc || !times || (rc = res_alloc(q, &r, nk + n_cols, nw * n_groups)))
		return rc ? rc : agg_oom(q->err);
	if ((rc = call_columns(q, cc)))
		return rc;
	for (size_t c = 0; c < nk + n_cols; c++) {
		r.names[c] = c < nk ? p->sel->group_tags[c] : names[c - nk];
		r.types[c] = c < nk ? TSFILE_TEXT : types[c - nk];
		if (col_alloc(p->arena, r.types[c], nw * n_groups, &r.oc[c]))
			return agg_oom(q->err);
	}
	for (size_t j = 0; j < nw; j++) {
		size_t k = desc ? nw - 1 - j : j;
		for (size_t g = 0; g < n_groups; g++) {
			size_t row = r.n++, call;
			r.times[row] = times[k];
			r.rows[row] = row;
			for (size_t t = 0; t < nk; t++) {
				const char *v = tuples[g * nk + t] ? tuples[g * nk + t] : "NULL";
				((tsfile_bytes_t *)(void *)r.oc[t].values)[row] =
					(tsfile_bytes_t){ v, (uint32_t)strlen(v) };
			}
			for (size_t m = 0; m < n_cols; m++) {
				int has = q_map_get(cell, (uint64_t)g << 32 | m, &call);
				cell_copy(&r.oc[nk + m], row, has ? &cc[call] : NULL, k);
			}
		}
	}
	return build_table(q, &r, out);
}

/* GROUP BY TAGS(k1, ...) (IoTDB's shape): columns the tag keys (TEXT,
 * "NULL" for series without the tag), then one per aggregate over the
 * measurement (avg(s)); one row per distinct tuple of tag values (in
 * order of first appearance), per window with GROUP BY time (windows
 * outer).  The calls of one (tuple, column) cell merge like GROUP BY
 * LEVEL.  Only time filters, aggregates of one series. */
static int tags_run(agg_q_t *q, query_result_t **out)
{
	q_plan_t *p = q->p;
	const ast_select_t *sel = p->sel;
	size_t nk = sel->n_group_tags, n_groups = 0, n_cols = 0;
	const char **tuples = arena_alloc(p->arena, (q->n_outs + 1) * nk * sizeof(char *));
	char **names = arena_alloc(p->arena, (q->n_outs + 1) * sizeof(char *));
	tsfile_type_t *types = arena_alloc(p->arena, (q->n_outs + 1) * sizeof(tsfile_type_t));
	q_map_t cell = { 0 };
	int rc = LARCH_OK;

	if (!tuples || !names || !types)
		return agg_oom(q->err);
	if (p->where || p->where_false || sel->having)
		return err_set(q->err, LARCH_SEMANTIC_ERROR,
			       "Only time filters are supported in GROUP BY TAGS query");
	for (size_t i = 0; i < q->n_outs && !rc; i++) {
		agg_out_t *o = &q->outs[i];
		if (o->call == (size_t)-1 || q->calls[o->call].n_in != 1 || !q->calls[o->call].bare) {
			rc = err_set(q->err, LARCH_SEMANTIC_ERROR,
				     "GROUP BY TAGS supports aggregation functions of one series only");
			break;
		}
		agg_call_t *c = &q->calls[o->call];
		const q_series_t *s = &p->series[q_leaf_series(c->in[0]->path)];
		buf_t b = BUF_INIT;
		expr_format(o->expr, q_name_meas, p, &b);
		buf_put_u8(&b, 0);
		char *name = buf_ok(&b) ? arena_strndup(p->arena, (char *)b.data, b.len - 1) : NULL;
		buf_free(&b);
		if (!name) {
			rc = agg_oom(q->err);
			break;
		}
		size_t m, g, first;
		for (m = 0; m < n_cols && strcmp(names[m], name); m++)
			;
		if (m == n_cols) {
			names[n_cols] = name;
			types[n_cols++] = o->type;
		}
		const char **t = &tuples[n_groups * nk];
		for (size_t k = 0; k < nk; k++)
			t[k] = series_tag(s, sel->group_tags[k]);
		for (g = 0; g < n_groups; g++) {
			size_t k = 0;
			for (; k < nk; k++) {
				const char *x = tuples[g * nk + k], *y = t[k];
				if (x != y && (!x || !y || strcmp(x, y)))
					break;
			}
			if (k == nk)
				break;
		}
		n_groups += g == n_groups;
		uint64_t key = (uint64_t)g << 32 | m;
		if (!q_map_get(&cell, key, &first)) {
			c->group = o->call;
			if (q_map_put(&cell, key, o->call))
				rc = agg_oom(q->err);
		} else if (!(rc = join_check(q, first, o->call, "GROUP BY TAGS", name))) {
			c->group = first;
		}
	}
	if (!rc && !((rc = windows_setup(q)) || (rc = states_setup(q)) || (rc = feed_calls(q)) ||
		     (rc = merge_groups(q))))
		rc = tags_table(q, &cell, tuples, n_groups, names, types, n_cols, out);
	q_map_free(&cell);
	return rc;
}

/*---------------------------------------------------------------------------
 * ALIGN BY DEVICE
 *---------------------------------------------------------------------------*/

/* q_dev_type_fn: register the calls of an instance, give its result type. */
static int dev_out_type(void *arg, ast_expr_t *inst, tsfile_type_t *t, larch_error_t *err)
{
	agg_q_t *q = arg;
	expr_t *x;
	size_t call;
	int rc = add_calls(q, inst, 0);

	if (rc)
		return rc;
	if (inst->kind == AST_E_FUNC && q_map_get(&q->call_of_node, (uintptr_t)inst, &call)) {
		*t = q->calls[call].fn.out_type;
		return LARCH_OK;
	}
	if ((rc = expr_compile(q->p->ctx, inst, no_path, bind_call, q, q->p->arena, &x, err)))
		return rc;
	*t = expr_type(x);
	expr_free(x);
	return LARCH_OK;
}

/* Make the outputs of every device part, appended to q->outs; first[d] is
 * part d's first output (first[n_dp] the end). */
static int dev_outs(agg_q_t *q, const q_dev_layout_t *L, size_t *first)
{
	q_plan_t *p = q->p;
	int rc;

	for (size_t d = 0; d < L->n_dp; d++) {
		const q_dev_part_t *dp = &L->dp[d];
		first[d] = q->n_outs;
		if (dp->having && (rc = add_calls(q, dp->having, 0)))
			return rc;
		for (size_t j = 0; j < dp->n_local; j++) {
			if (q_arena_grow(p->arena, (void **)&q->outs, &q->cap_outs, q->n_outs + 1,
				 sizeof(agg_out_t)))
				return agg_oom(q->err);
			agg_out_t *o = &q->outs[q->n_outs++];
			memset(o, 0, sizeof(*o));
			o->expr = dp->exprs[j];
			o->call = (size_t)-1;
			o->type = L->types[dp->col[j]];
			if (q_map_get(&q->call_of_node, (uintptr_t)o->expr, &o->call))
				continue;
			if ((rc = expr_compile(p->ctx, o->expr, no_path, bind_call, q, p->arena, &o->x,
					       q->err)))
				return rc;
		}
	}
	first[L->n_dp] = q->n_outs;
	return LARCH_OK;
}

/* The series of the first path of e (an instance). */
static size_t first_series(const ast_expr_t *e, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return (size_t)-1;
	if (e->kind == AST_E_PATH)
		return q_leaf_series(e->path);
	const ast_expr_t *kids[3] = { e->a, e->b, e->c };
	for (size_t i = 0; i < 3; i++) {
		size_t s = first_series(kids[i], depth + 1);
		if (s != (size_t)-1)
			return s;
	}
	for (size_t i = 0; i < e->n_list; i++) {
		size_t s = first_series(e->list[i], depth + 1);
		if (s != (size_t)-1)
			return s;
	}
	return (size_t)-1;
}

/* Feed the calls of each device from its own stream (its WHERE), or
 * every call series by series when nothing else is involved. */
static int dev_feed(agg_q_t *q, const q_dev_layout_t *L)
{
	q_plan_t *p = q->p;
	int bare = !(p->sel->where && !expr_is_time_only(p->sel->where));
	size_t *ci = arena_alloc(p->arena, (q->n_calls + 1) * sizeof(size_t));
	int rc = LARCH_OK;

	if (!ci)
		return agg_oom(q->err);
	for (size_t i = 0; i < q->n_calls; i++)
		bare &= q->calls[i].bare && q->calls[i].n_in == 1;
	if (bare)
		return q->n_calls ? feed_by_series(q) : LARCH_OK;
	for (size_t d = 0; d < L->n_dp && !rc; d++) {
		const q_dev_part_t *dp = &L->dp[d];
		size_t nc = 0;
		if (dp->no_rows)
			continue;
		for (size_t i = 0; i < q->n_calls; i++) {
			size_t s = first_series(q->calls[i].in[0], 0);
			if (s != (size_t)-1 && p->series[s].dev == dp->dev)
				ci[nc++] = i;
		}
		if (nc)
			rc = feed_by_stream(q, ci, nc, NULL, 0, dp->where);
	}
	return rc;
}

/* Rows of ALIGN BY DEVICE aggregation: Device, then the layout's columns;
 * one row per device and window (devices in path order, ORDER BY DEVICE
 * DESC reversing it; ORDER BY TIME first makes the windows the outer
 * order), HAVING per device. */
static int agg_run_device(agg_q_t *q, query_result_t **out)
{
	q_plan_t *p = q->p;
	const ast_select_t *sel = p->sel;
	q_dev_layout_t L;
	int rc, desc = 0, desc_dev = 0, by_time = 0;

	if (sel->n_group_levels || sel->n_group_tags)
		return err_set(q->err, LARCH_SEMANTIC_ERROR,
			       "GROUP BY LEVEL and GROUP BY TAGS cannot be used with ALIGN BY DEVICE");
	for (size_t i = 0; i < sel->n_order; i++) {
		if (sel->order[i].expr->kind == AST_E_TIME) {
			desc = sel->order[i].desc;
			by_time |= i == 0;
		} else {
			desc_dev = sel->order[i].desc;
		}
	}
	if ((rc = q_device_layout(p, dev_out_type, q, &L, q->err)))
		return rc;
	size_t *first = arena_alloc(p->arena, (L.n_dp + 1) * sizeof(size_t));
	if (!first)
		return agg_oom(q->err);
	if ((rc = dev_outs(q, &L, first)) || (rc = windows_setup(q)) || (rc = states_setup(q)) ||
	    (rc = dev_feed(q, &L)))
		return rc;

	size_t nw = (size_t)q->n_win, nd = L.n_dp;
	agg_res_t r;
	larch_column_t *cc = arena_calloc(p->arena, q->n_calls + 1, sizeof(*cc));
	larch_column_t *oc = arena_calloc(p->arena, q->n_outs + 1, sizeof(*oc));
	uint8_t *keep = arena_alloc(p->arena, (nd ? nd : 1) * nw);
	tsfile_bytes_t *paths = arena_alloc(p->arena, (nd ? nd : 1) * sizeof(*paths));
	int64_t *times = window_times(q);
	if (!cc || !oc || !keep || !paths || !times || (rc = res_alloc(q, &r, L.n_cols, nd * nw)))
		return rc ? rc : agg_oom(q->err);
	if ((rc = call_columns(q, cc)))
		return rc;
	for (size_t d = 0; d < nd; d++) {
		const q_dev_part_t *dp = &L.dp[d];
		const char *path = p->devs[dp->dev].path;
		paths[d] = (tsfile_bytes_t){ path, (uint32_t)strlen(path) };
		if (dp->no_rows) {
			memset(keep + d * nw, 0, nw);
			continue;
		}
		if ((rc = out_columns(q, q->outs + first[d], first[d + 1] - first[d], times, cc,
				      oc + first[d])) ||
		    (rc = having_rows(q, dp->having, times, cc, keep + d * nw)))
			return rc;
	}
	/* result rows (device d, window k) in order, gathered into columns */
	for (size_t c = 0; c < L.n_cols; c++) {
		r.names[c] = L.names[c];
		r.types[c] = L.types[c];
		if (col_alloc(p->arena, L.types[c], nd * nw, &r.oc[c]))
			return agg_oom(q->err);
	}
	for (size_t a = 0; a < (by_time ? nw : nd); a++)
		for (size_t b = 0; b < (by_time ? nd : nw); b++) {
			size_t d = by_time ? b : a, k = by_time ? a : b;
			d = desc_dev ? nd - 1 - d : d;
			k = desc ? nw - 1 - k : k;
			if (!keep[d * nw + k])
				continue;
			size_t row = r.n++;
			const q_dev_part_t *dp = &L.dp[d];
			r.times[row] = times[k];
			r.rows[row] = row;
			((tsfile_bytes_t *)(void *)r.oc[0].values)[row] = paths[d];
			for (size_t c = 1; c < L.n_cols; c++)
				cell_copy(&r.oc[c], row, NULL, 0);
			for (size_t j = 0; j < dp->n_local; j++)
				cell_copy(&r.oc[dp->col[j]], row, &oc[first[d] + j], k);
		}
	return build_table(q, &r, out);
}

int q_agg_select(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	agg_q_t q;
	int rc;

	memset(&q, 0, sizeof(q));
	q.p = p;
	q.err = err;
	int ct = 0;
	for (size_t i = 0; i < p->sel->n_cols; i++)
		ct |= is_count_time(p->sel->cols[i].expr);
	if (ct)
		rc = agg_run_count_time(&q, out);
	else if (p->sel->align == AST_ALIGN_DEVICE)
		rc = agg_run_device(&q, out);
	else
		rc = agg_run(&q, out);
	for (size_t i = 0; i < q.n_outs; i++)
		expr_free(q.outs[i].x);
	states_free(&q);
	q_map_free(&q.call_of_node);
	q_map_free(&q.call_of_name);
	if (!rc)
		q_plan_free(p);
	return rc;
}
