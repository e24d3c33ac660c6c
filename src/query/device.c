/*
 * device.c — raw-data queries ALIGN BY DEVICE, streamed.
 *
 * Result: Time, Device (TEXT), then one column per measurement expression
 * named without its device (s1, s1 + s2), in the order of the select items,
 * each item's columns in name order.  An
 * expression stands for the instances whose paths all lie in one device
 * (s1 + s2 pairs s1 and s2 of the same device).  The same name must have
 * the same type on every device (701 otherwise).  The WHERE clause is
 * instantiated per device too: a device lacking one of its series yields no
 * rows.
 *
 * Rows: devices in path order (ORDER BY DEVICE DESC reverses it), each
 * device's rows by time (ORDER BY TIME DESC within devices), one stream
 * (raw.c) at a time; a row of a device exists where one of its selected
 * series has a value.  Columns a device lacks are null.  LIMIT/OFFSET
 * count rows across devices.
 */
#include "query/query_int.h"

typedef struct dev_inst {
	size_t item;               /* select item */
	size_t dev;                /* plan device */
	size_t seq;                /* order of appearance */
	ast_expr_t *expr;
} dev_inst_t;

typedef struct dev_plan {
	size_t dev;
	ast_expr_t **exprs;        /* its columns' expressions (n_local) */
	size_t *col;               /* their result columns */
	size_t n_local;
	ast_expr_t *where;
	int no_rows;
} dev_plan_t;

typedef struct dev_result {
	query_result_t base;
	q_plan_t *p;
	dev_plan_t *dp;
	size_t n_dp, cur;
	int desc;                  /* ORDER BY TIME DESC within a device */
	int desc_dev;              /* ORDER BY DEVICE DESC */
	size_t dpi;                /* the device being streamed */
	q_stream_t *st;
	q_window_t w;
	larch_column_t *outc;      /* Device + columns */
	tsfile_bytes_t *devcol;    /* Q_BLOCK_ROWS copies of the device path */
	uint8_t *zeros;            /* Q_BLOCK_ROWS * 16 zero bytes: a null column's values */
	uint8_t *ones;             /* Q_BLOCK_ROWS null flags */
	larch_block_t blk;
} dev_result_t;

typedef struct dev_collect {
	dev_inst_t *v;
	size_t n, cap;
	size_t item;
} dev_collect_t;

static int dev_oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory in an ALIGN BY DEVICE query");
}

/* The device all leaves of e belong to: 1 and *dev, or 0 when they span
 * several devices (or there is none: *dev stays (size_t)-1). */
static int one_device(const q_plan_t *p, const ast_expr_t *e, size_t *dev, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return 1;
	if (e->kind == AST_E_PATH) {
		size_t d = p->series[q_leaf_series(e->path)].dev;
		if (*dev != (size_t)-1 && *dev != d)
			return 0;
		*dev = d;
		return 1;
	}
	if (!one_device(p, e->a, dev, depth + 1) || !one_device(p, e->b, dev, depth + 1) ||
	    !one_device(p, e->c, dev, depth + 1))
		return 0;
	for (size_t i = 0; i < e->n_list; i++)
		if (!one_device(p, e->list[i], dev, depth + 1))
			return 0;
	return 1;
}

static int collect(q_plan_t *p, void *arg, ast_expr_t *inst, larch_error_t *err)
{
	dev_collect_t *c = arg;
	size_t dev = (size_t)-1;

	if (!one_device(p, inst, &dev, 0) || dev == (size_t)-1)
		return LARCH_OK;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		dev_inst_t *v = arena_alloc(p->arena, cap * sizeof(*v));
		if (!v)
			return dev_oom(err);
		if (c->n)
			memcpy(v, c->v, c->n * sizeof(*v));
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n] = (dev_inst_t){ c->item, dev, c->n, inst };
	c->n++;
	return LARCH_OK;
}

/* Device ranks: position of each plan device in path order. */
static int device_ranks(q_plan_t *p, size_t **rank, size_t **order)
{
	size_t n = p->n_devs;
	size_t *o = arena_alloc(p->arena, (n ? n : 1) * sizeof(size_t));
	size_t *r = arena_alloc(p->arena, (n ? n : 1) * sizeof(size_t));

	if (!o || !r)
		return -1;
	for (size_t i = 0; i < n; i++)   /* insertion by binary search: n log n compares */
	{
		size_t lo = 0, hi = i;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(p->devs[o[mid]].path, p->devs[i].path) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(o + lo + 1, o + lo, (i - lo) * sizeof(size_t));
		o[lo] = i;
	}
	for (size_t i = 0; i < n; i++)
		r[o[i]] = i;
	*rank = r;
	*order = o;
	return 0;
}

/* Stable merge sort of instances by (item, device rank, seq). */
static int inst_before(const dev_inst_t *a, const dev_inst_t *b, const size_t *rank)
{
	if (a->item != b->item)
		return a->item < b->item;
	if (rank[a->dev] != rank[b->dev])
		return rank[a->dev] < rank[b->dev];
	return a->seq < b->seq;
}

static void inst_sort(dev_inst_t *v, dev_inst_t *tmp, size_t n, const size_t *rank)
{
	if (n < 2)
		return;
	size_t h = n / 2, i = 0, j = h, k = 0;
	inst_sort(v, tmp, h, rank);
	inst_sort(v + h, tmp, n - h, rank);
	while (i < h && j < n)
		tmp[k++] = inst_before(&v[j], &v[i], rank) ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static char *meas_name(q_plan_t *p, const ast_expr_t *e, char *alias)
{
	buf_t b = BUF_INIT;
	char *s = NULL;

	if (alias)
		return alias;
	if (e->kind == AST_E_PATH)
		return p->series[q_leaf_series(e->path)].shown_meas;
	expr_format(e, q_name_meas, p, &b);
	buf_put_u8(&b, 0);
	if (buf_ok(&b))
		s = arena_strndup(p->arena, (const char *)b.data, b.len - 1);
	buf_free(&b);
	return s;
}

static int inst_type(q_plan_t *p, ast_expr_t *e, tsfile_type_t *t, larch_error_t *err)
{
	expr_t *x;

	if (e->kind == AST_E_PATH) {
		*t = p->series[q_leaf_series(e->path)].type;
		return LARCH_OK;
	}
	int rc = expr_compile(p->ctx, e, q_bind_series, NULL, p, p->arena, &x, err);
	if (!rc) {
		*t = expr_type(x);
		expr_free(x);
	}
	return rc;
}

/* Result columns (names, types) and each device's share of them. */
static int device_columns(dev_result_t *r, dev_collect_t *c, const size_t *rank,
			  const size_t *order, larch_error_t *err)
{
	q_plan_t *p = r->p;
	size_t n_cols = 0;
	char **names = arena_alloc(p->arena, (c->n + 1) * sizeof(char *));
	tsfile_type_t *types = arena_alloc(p->arena, (c->n + 1) * sizeof(tsfile_type_t));
	size_t *col_of = arena_alloc(p->arena, (c->n ? c->n : 1) * sizeof(size_t));
	dev_inst_t *tmp = arena_alloc(p->arena, (c->n ? c->n : 1) * sizeof(dev_inst_t));
	int rc;

	if (!names || !types || !col_of || !tmp)
		return dev_oom(err);
	inst_sort(c->v, tmp, c->n, rank);
	names[0] = "Device";
	types[0] = TSFILE_TEXT;
	/* columns of one select item are sorted by name (IoTDB's order for
	 * wildcards); items keep their order */
	for (size_t i = 0, item_first = 1; i < c->n; i++) {
		dev_inst_t *in = &c->v[i];
		char *name = meas_name(p, in->expr, p->sel->cols[in->item].alias);
		tsfile_type_t t;
		size_t k;
		if (i && in->item != c->v[i - 1].item)
			item_first = n_cols + 1;
		if (!name)
			return dev_oom(err);
		if ((rc = inst_type(p, in->expr, &t, err)))
			return rc;
		for (k = 1; k <= n_cols && strcmp(names[k], name); k++)
			;
		if (k > n_cols) {
			/* insert in name order among this item's columns */
			for (k = n_cols + 1; k > item_first && strcmp(names[k - 1], name) > 0; k--) {
				names[k] = names[k - 1];
				types[k] = types[k - 1];
			}
			names[k] = name;
			types[k] = t;
			n_cols++;
		} else if (types[k] != t) {
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "The data types of the same measurement column should be the "
				       "same across devices: %s is %s and %s", name,
				       tsfile_type_name(types[k]), tsfile_type_name(t));
		}
	}
	for (size_t i = 0; i < c->n; i++) {
		char *name = meas_name(p, c->v[i].expr, p->sel->cols[c->v[i].item].alias);
		size_t k;
		if (!name)
			return dev_oom(err);
		for (k = 1; k <= n_cols && strcmp(names[k], name); k++)
			;
		col_of[i] = k;
	}
	size_t first, count;
	if ((rc = q_slimit(p->sel, n_cols, &first, &count, err)))
		return rc;
	r->base.n_cols = count + 1;
	r->base.has_time = 1;
	r->base.names = names + first;
	r->base.types = types + first;
	r->base.names[0] = "Device";
	r->base.types[0] = TSFILE_TEXT;
	/* per device, in path order: its instances of the kept columns */
	r->dp = arena_calloc(p->arena, p->n_devs ? p->n_devs : 1, sizeof(*r->dp));
	if (!r->dp)
		return dev_oom(err);
	for (size_t d = 0; d < p->n_devs; d++) {
		dev_plan_t *dp = &r->dp[d];
		dp->dev = order[d];
		dp->exprs = arena_alloc(p->arena, (c->n ? c->n : 1) * sizeof(*dp->exprs));
		dp->col = arena_alloc(p->arena, (c->n ? c->n : 1) * sizeof(size_t));
		if (!dp->exprs || !dp->col)
			return dev_oom(err);
	}
	for (size_t i = 0; i < c->n; i++) {
		size_t k = col_of[i];
		dev_plan_t *dp = &r->dp[rank[c->v[i].dev]];
		int dup = 0;
		if (k <= first || k > first + count)
			continue;
		for (size_t j = 0; j < dp->n_local; j++)
			dup |= dp->col[j] == k - first;
		if (dup)
			continue;
		dp->exprs[dp->n_local] = c->v[i].expr;
		dp->col[dp->n_local++] = k - first;
	}
	r->n_dp = p->n_devs;
	return LARCH_OK;
}

/* Attach the WHERE instances (collected like columns) to their devices;
 * with a WHERE on values, a device without any instance has no rows. */
static int device_where(dev_result_t *r, const dev_collect_t *w, const size_t *rank,
			larch_error_t *err)
{
	q_plan_t *p = r->p;
	int on_values = p->sel->where && !expr_is_time_only(p->sel->where);

	for (size_t i = 0; i < w->n; i++) {
		dev_plan_t *dp = &r->dp[rank[w->v[i].dev]];
		if (!dp->where) {
			dp->where = w->v[i].expr;
			continue;
		}
		ast_expr_t *and = arena_calloc(p->arena, 1, sizeof(*and));
		if (!and)
			return dev_oom(err);
		and->kind = AST_E_BINARY;
		and->op = AST_OP_AND;
		and->a = dp->where;
		and->b = w->v[i].expr;
		dp->where = and;
	}
	for (size_t d = 0; d < r->n_dp; d++)
		r->dp[d].no_rows = !r->dp[d].n_local || (on_values && !r->dp[d].where);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Streaming
 *---------------------------------------------------------------------------*/

/* The next device's stream, or LARCH_DONE after the last. */
static int dev_advance(dev_result_t *r, larch_error_t *err)
{
	q_stream_close(r->st);
	r->st = NULL;
	while (r->cur < r->n_dp) {
		size_t i = r->desc_dev ? r->n_dp - 1 - r->cur : r->cur;
		dev_plan_t *dp = &r->dp[i];
		r->cur++;
		if (dp->no_rows)
			continue;
		r->dpi = i;
		return q_stream_open(r->p, dp->exprs, dp->n_local, dp->where, r->desc, &r->st, err);
	}
	return LARCH_DONE;
}

static int dev_next(query_result_t *base, const larch_block_t **blk, larch_error_t *err)
{
	dev_result_t *r = (dev_result_t *)base;
	const int64_t *times;
	const larch_column_t *cols;
	size_t n, from;
	int rc;

	for (;;) {
		if (r->w.left == 0)
			return LARCH_DONE;
		if (!r->st && (rc = dev_advance(r, err)))
			return rc;
		rc = q_stream_next(r->st, &times, &n, &cols, err);
		if (rc == LARCH_DONE) {
			if ((rc = dev_advance(r, err)))
				return rc;
			continue;
		}
		if (rc)
			return rc;
		if ((n = q_window_take(&r->w, n, &from)))
			break;
	}
	const dev_plan_t *dp = &r->dp[r->dpi];
	const char *path = r->p->devs[dp->dev].path;
	for (size_t i = 0; i < n; i++)
		r->devcol[i] = (tsfile_bytes_t){ path, (uint32_t)strlen(path) };
	r->outc[0] = (larch_column_t){ TSFILE_TEXT, r->devcol, NULL };
	for (size_t k = 1; k < r->base.n_cols; k++)
		r->outc[k] = (larch_column_t){ r->base.types[k], r->zeros, r->ones };
	for (size_t j = 0; j < dp->n_local; j++) {
		const larch_column_t *c = &cols[j];
		r->outc[dp->col[j]] = (larch_column_t){
			c->type, (const uint8_t *)c->values + from * tsfile_type_size(c->type),
			c->nulls ? c->nulls + from : NULL };
	}
	r->blk = (larch_block_t){ n, times + from, r->base.n_cols, r->outc };
	*blk = &r->blk;
	return LARCH_OK;
}

static void dev_free(query_result_t *base)
{
	dev_result_t *r = (dev_result_t *)base;

	q_stream_close(r->st);
	q_plan_free(r->p);
	mem_free(r);
}

static const query_result_ops_t dev_ops = { dev_next, dev_free };

/* 1 if e holds a path starting with root. */
static int has_root_path(const ast_expr_t *e, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return 0;
	if (e->kind == AST_E_PATH)
		return e->path->n && !e->path->quoted[0] && !strcmp(e->path->nodes[0], "root");
	if (has_root_path(e->a, depth + 1) || has_root_path(e->b, depth + 1) ||
	    has_root_path(e->c, depth + 1))
		return 1;
	for (size_t i = 0; i < e->n_list; i++)
		if (has_root_path(e->list[i], depth + 1))
			return 1;
	return 0;
}

/* ORDER BY keys of ALIGN BY DEVICE: DEVICE [DESC] and TIME [DESC]; a TIME
 * key before DEVICE (rows merged across devices by time) is refused. */
static int device_order(dev_result_t *r, larch_error_t *err)
{
	const ast_select_t *sel = r->p->sel;

	for (size_t i = 0; i < sel->n_order; i++) {
		const ast_order_item_t *o = &sel->order[i];
		if (o->expr->kind == AST_E_TIME) {
			if (i == 0 && sel->n_order == 1)
				return err_set(err, LARCH_SEMANTIC_ERROR,
					       "ALIGN BY DEVICE ordered by TIME across devices is not "
					       "supported yet: use ORDER BY DEVICE, TIME");
			r->desc = o->desc;
		} else {
			r->desc_dev = o->desc;
		}
	}
	return LARCH_OK;
}

int q_device_select(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	dev_result_t *r = mem_calloc(1, sizeof(*r));
	dev_collect_t c = { 0 }, w = { 0 };
	size_t *rank = NULL, *order = NULL;
	int rc = LARCH_OK;

	if (!r)
		return dev_oom(err);
	for (size_t i = 0; i < p->sel->n_cols; i++)
		if (has_root_path(p->sel->cols[i].expr, 0)) {
			mem_free(r);
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "ALIGN BY DEVICE: the paths in SELECT must be measurements "
				       "(suffixes), not full paths starting with root");
		}
	r->p = p;
	r->base.ops = &dev_ops;
	q_window_init(&r->w, p->sel);
	for (size_t i = 0; i < p->sel->n_cols && !rc; i++) {
		c.item = i;
		rc = q_analyze_instances(p, p->sel->cols[i].expr, collect, &c, err);
	}
	if (!rc && p->sel->where && !expr_is_time_only(p->sel->where))
		rc = q_analyze_instances(p, p->sel->where, collect, &w, err);
	if (!rc && device_ranks(p, &rank, &order))
		rc = dev_oom(err);
	if (!rc)
		rc = device_order(r, err);
	if (!rc)
		rc = device_columns(r, &c, rank, order, err);
	if (!rc)
		rc = device_where(r, &w, rank, err);
	if (!rc) {
		r->outc = arena_calloc(p->arena, r->base.n_cols, sizeof(*r->outc));
		r->devcol = arena_alloc(p->arena, Q_BLOCK_ROWS * sizeof(tsfile_bytes_t));
		r->zeros = arena_calloc(p->arena, Q_BLOCK_ROWS, 16);
		r->ones = arena_alloc(p->arena, Q_BLOCK_ROWS);
		if (!r->outc || !r->devcol || !r->zeros || !r->ones)
			rc = dev_oom(err);
		else
			memset(r->ones, 1, Q_BLOCK_ROWS);
	}
	if (rc) {
		mem_free(r);
		return rc;
	}
	*out = &r->base;
	return LARCH_OK;
}
