/*
 * device.c — ALIGN BY DEVICE: the layout shared with aggregation
 * (aggregate.c) and the raw-data executor, streamed.
 *
 * Layout: Time, Device (TEXT), then one column per measurement expression
 * named without its device (s1, s1 + s2, count(s1)), in the order of the
 * select items, each item's columns in name order.  An expression stands
 * for the instances whose paths all lie in one device (s1 + s2 pairs s1
 * and s2 of the same device).  The same name must have the same type on
 * every device (701 otherwise).  WHERE and HAVING are instantiated per
 * device too: a device lacking one of their series yields no rows.
 *
 * Raw rows, device-major (the default, ORDER BY DEVICE [DESC][, TIME
 * [DESC]]): devices in path order (or reversed), each device's rows by
 * time, one stream (raw.c) at a time.  Time-major (ORDER BY TIME [DESC][,
 * DEVICE [DESC]]): every device's stream open at once, merged by time
 * through a binary heap keyed (time, device order); rows are copied into
 * the result block, which ends when the block is full or a device's
 * stream block runs out (its values stay valid until that stream moves).
 * A row of a device exists where one of its selected series has a value;
 * columns a device lacks are null.  FILL (rowfill.c) then OFFSET/LIMIT
 * apply to the rows across devices.
 */
#include "query/query_int.h"

typedef struct dev_inst {
	size_t item;               /* select item */
	size_t dev;                /* plan device */
	size_t seq;                /* order of appearance */
	ast_expr_t *expr;
} dev_inst_t;

typedef struct dev_collect {
	dev_inst_t *v;
	size_t n, cap;
	size_t item;
} dev_collect_t;

static int dev_oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory in an ALIGN BY DEVICE query");
}

/*---------------------------------------------------------------------------
 * Layout
 *---------------------------------------------------------------------------*/

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

/* Result columns (names, types) and each device's share of them. */
static int device_columns(q_plan_t *p, dev_collect_t *c, const size_t *rank,
			  const size_t *order, q_dev_type_fn type_of, void *arg,
			  q_dev_layout_t *L, larch_error_t *err)
{
	size_t n_cols = 0;
	char **names = arena_alloc(p->arena, (c->n + 1) * sizeof(char *));
	tsfile_type_t *types = arena_alloc(p->arena, (c->n + 1) * sizeof(tsfile_type_t));
	size_t *col_of = arena_alloc(p->arena, (c->n ? c->n : 1) * sizeof(size_t));
	dev_inst_t *tmp = arena_alloc(p->arena, (c->n ? c->n : 1) * sizeof(dev_inst_t));
	int rc;

	if (!names || !types || !col_of || !tmp)
		return dev_oom(err);
	inst_sort(c->v, tmp, c->n, rank);
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
		if ((rc = type_of(arg, in->expr, &t, err)))
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
	L->n_cols = count + 1;
	L->names = names + first;
	L->types = types + first;
	L->names[0] = "Device";
	L->types[0] = TSFILE_TEXT;
	/* per device, in path order: its instances of the kept columns */
	L->dp = arena_calloc(p->arena, p->n_devs ? p->n_devs : 1, sizeof(*L->dp));
	if (!L->dp)
		return dev_oom(err);
	for (size_t d = 0; d < p->n_devs; d++) {
		q_dev_part_t *dp = &L->dp[d];
		dp->dev = order[d];
		dp->exprs = arena_alloc(p->arena, (c->n ? c->n : 1) * sizeof(*dp->exprs));
		dp->col = arena_alloc(p->arena, (c->n ? c->n : 1) * sizeof(size_t));
		if (!dp->exprs || !dp->col)
			return dev_oom(err);
	}
	for (size_t i = 0; i < c->n; i++) {
		size_t k = col_of[i];
		q_dev_part_t *dp = &L->dp[rank[c->v[i].dev]];
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
	L->n_dp = p->n_devs;
	return LARCH_OK;
}

/* AND the collected instances w into each device's *slot (where or
 * having, by offset). */
static int device_conj(q_plan_t *p, q_dev_layout_t *L, const dev_collect_t *w,
		       const size_t *rank, size_t slot, larch_error_t *err)
{
	for (size_t i = 0; i < w->n; i++) {
		ast_expr_t **dst = (ast_expr_t **)(void *)((char *)&L->dp[rank[w->v[i].dev]] + slot);
		if (!*dst) {
			*dst = w->v[i].expr;
			continue;
		}
		ast_expr_t *and = arena_calloc(p->arena, 1, sizeof(*and));
		if (!and)
			return dev_oom(err);
		and->kind = AST_E_BINARY;
		and->op = AST_OP_AND;
		and->a = *dst;
		and->b = w->v[i].expr;
		*dst = and;
	}
	return LARCH_OK;
}

/* Collect the one-device instances of e into c (item: select item). */
static int collect_expr(q_plan_t *p, const ast_expr_t *e, size_t item, dev_collect_t *c,
			larch_error_t *err)
{
	c->item = item;
	return q_analyze_instances(p, e, collect, c, err);
}

int q_device_layout(q_plan_t *p, q_dev_type_fn type_of, void *arg, q_dev_layout_t *L,
		    larch_error_t *err)
{
	const ast_select_t *sel = p->sel;
	dev_collect_t c = { 0 }, w = { 0 }, h = { 0 };
	size_t *rank = NULL, *order = NULL;
	int on_values = sel->where && !expr_is_time_only(sel->where);
	int rc = LARCH_OK;

	memset(L, 0, sizeof(*L));
	for (size_t i = 0; i < sel->n_cols; i++)
		if (has_root_path(sel->cols[i].expr, 0))
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "ALIGN BY DEVICE: the paths in SELECT must be measurements "
				       "(suffixes), not full paths starting with root");
	for (size_t i = 0; i < sel->n_cols && !rc; i++)
		rc = collect_expr(p, sel->cols[i].expr, i, &c, err);
	if (!rc && on_values)
		rc = collect_expr(p, sel->where, 0, &w, err);
	if (!rc && sel->having)
		rc = collect_expr(p, sel->having, 0, &h, err);
	if (!rc && device_ranks(p, &rank, &order))
		rc = dev_oom(err);
	if (!rc)
		rc = device_columns(p, &c, rank, order, type_of, arg, L, err);
	if (!rc)
		rc = device_conj(p, L, &w, rank, offsetof(q_dev_part_t, where), err);
	if (!rc)
		rc = device_conj(p, L, &h, rank, offsetof(q_dev_part_t, having), err);
	for (size_t d = 0; !rc && d < L->n_dp; d++) {
		q_dev_part_t *dp = &L->dp[d];
		dp->no_rows = !dp->n_local || (on_values && !dp->where) ||
			      (sel->having && !dp->having);
	}
	return rc;
}

/*---------------------------------------------------------------------------
 * Raw rows
 *---------------------------------------------------------------------------*/

/* One device's stream in the time-major merge. */
typedef struct dev_head {
	q_stream_t *st;
	const int64_t *times;
	const larch_column_t *cols;
	size_t n, pos;
	int need;                  /* its block is used up: next call refills it */
} dev_head_t;

typedef struct dev_result {
	query_result_t base;
	q_plan_t *p;
	q_dev_layout_t L;
	int desc;                  /* ORDER BY TIME DESC */
	int desc_dev;              /* ORDER BY DEVICE DESC */
	int by_time;               /* time-major: ORDER BY TIME first */
	/* device-major */
	size_t cur;                /* parts opened so far */
	size_t dpi;                /* the part being streamed */
	q_stream_t *st;
	/* time-major */
	dev_head_t *heads;         /* per part */
	size_t *heap, n_heap;      /* parts with rows, ordered by (time, device) */
	int started;
	int64_t *tbuf;
	uint8_t **vbuf, **nbuf;    /* per result column */
	q_window_t w;
	q_fill_t *fill;
	larch_column_t *outc;      /* Device + columns */
	larch_column_t *slice;
	tsfile_bytes_t *devcol;    /* Q_BLOCK_ROWS device paths */
	uint8_t *zeros;            /* Q_BLOCK_ROWS * 16 zero bytes: a null column's values */
	uint8_t *ones;             /* Q_BLOCK_ROWS null flags */
	larch_block_t blk, out;
} dev_result_t;

/* q_dev_type_fn of raw queries: the value type of an instance. */
static int raw_type(void *arg, ast_expr_t *e, tsfile_type_t *t, larch_error_t *err)
{
	q_plan_t *p = arg;
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

static const char *part_path(const dev_result_t *r, size_t i)
{
	return r->p->devs[r->L.dp[i].dev].path;
}

/* The next device's stream, or LARCH_DONE after the last. */
static int dev_advance(dev_result_t *r, larch_error_t *err)
{
	q_stream_close(r->st);
	r->st = NULL;
	while (r->cur < r->L.n_dp) {
		size_t i = r->desc_dev ? r->L.n_dp - 1 - r->cur : r->cur;
		q_dev_part_t *dp = &r->L.dp[i];
		r->cur++;
		if (dp->no_rows)
			continue;
		r->dpi = i;
		return q_stream_open(r->p, dp->exprs, dp->n_local, dp->where, r->desc, &r->st, err);
	}
	return LARCH_DONE;
}

/* Device-major: the current device's next block, Device and null columns
 * added around the stream's columns. */
static int major_block(dev_result_t *r, const larch_block_t **blk, larch_error_t *err)
{
	const int64_t *times;
	const larch_column_t *cols;
	size_t n;
	int rc;

	for (;;) {
		if (!r->st && (rc = dev_advance(r, err)))
			return rc;
		rc = q_stream_next(r->st, &times, &n, &cols, err);
		if (rc != LARCH_DONE)
			break;
		if ((rc = dev_advance(r, err)))
			return rc;
	}
	if (rc)
		return rc;
	const q_dev_part_t *dp = &r->L.dp[r->dpi];
	const char *path = part_path(r, r->dpi);
	for (size_t i = 0; i < n; i++)
		r->devcol[i] = (tsfile_bytes_t){ path, (uint32_t)strlen(path) };
	r->outc[0] = (larch_column_t){ TSFILE_TEXT, r->devcol, NULL };
	for (size_t k = 1; k < r->L.n_cols; k++)
		r->outc[k] = (larch_column_t){ r->L.types[k], r->zeros, r->ones };
	for (size_t j = 0; j < dp->n_local; j++)
		r->outc[dp->col[j]] = cols[j];
	r->blk = (larch_block_t){ n, times, r->L.n_cols, r->outc };
	*blk = &r->blk;
	return LARCH_OK;
}

/* Whether part a's head row comes before part b's. */
static int head_before(const dev_result_t *r, size_t a, size_t b)
{
	int64_t ta = r->heads[a].times[r->heads[a].pos], tb = r->heads[b].times[r->heads[b].pos];

	if (ta != tb)
		return r->desc ? ta > tb : ta < tb;
	return r->desc_dev ? a > b : a < b;
}

static void heap_down(dev_result_t *r, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < r->n_heap && head_before(r, r->heap[l], r->heap[m]))
			m = l;
		if (l + 1 < r->n_heap && head_before(r, r->heap[l + 1], r->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t t = r->heap[i];
		r->heap[i] = r->heap[m];
		r->heap[m] = t;
		i = m;
	}
}

static void heap_push(dev_result_t *r, size_t part)
{
	size_t i = r->n_heap++;

	r->heap[i] = part;
	while (i && head_before(r, r->heap[i], r->heap[(i - 1) / 2])) {
		size_t up = (i - 1) / 2, t = r->heap[i];
		r->heap[i] = r->heap[up];
		r->heap[up] = t;
		i = up;
	}
}

/* Open every device's stream (first call) and refill the used-up ones. */
static int merge_refill(dev_result_t *r, larch_error_t *err)
{
	for (size_t i = 0; i < r->L.n_dp; i++) {
		dev_head_t *h = &r->heads[i];
		q_dev_part_t *dp = &r->L.dp[i];
		if (!r->started) {
			int rc = LARCH_OK;
			h->need = !dp->no_rows;
			if (h->need)
				rc = q_stream_open(r->p, dp->exprs, dp->n_local, dp->where, r->desc,
						   &h->st, err);
			if (rc)
				return rc;
		}
		if (!h->need)
			continue;
		int rc = q_stream_next(h->st, &h->times, &h->n, &h->cols, err);
		h->need = 0;
		if (rc == LARCH_DONE) {
			q_stream_close(h->st);
			h->st = NULL;
			continue;
		}
		if (rc)
			return rc;
		h->pos = 0;
		heap_push(r, i);
	}
	r->started = 1;
	return LARCH_OK;
}

/* Copy the head row of part i into row o of the result buffers. */
static void merge_row(dev_result_t *r, size_t i, size_t o)
{
	dev_head_t *h = &r->heads[i];
	const q_dev_part_t *dp = &r->L.dp[i];
	const char *path = part_path(r, i);

	r->tbuf[o] = h->times[h->pos];
	r->devcol[o] = (tsfile_bytes_t){ path, (uint32_t)strlen(path) };
	for (size_t k = 1; k < r->L.n_cols; k++)
		r->nbuf[k][o] = 1;
	for (size_t j = 0; j < dp->n_local; j++) {
		const larch_column_t *c = &h->cols[j];
		size_t k = dp->col[j], sz = tsfile_type_size(c->type);
		r->nbuf[k][o] = c->nulls && c->nulls[h->pos];
		memcpy(r->vbuf[k] + o * sz, (const uint8_t *)c->values + h->pos * sz, sz);
	}
}

/* Time-major: rows of every device merged by (time, device order). */
static int merge_block(dev_result_t *r, const larch_block_t **blk, larch_error_t *err)
{
	size_t n = 0;
	int rc = merge_refill(r, err);

	if (rc)
		return rc;
	while (n < Q_BLOCK_ROWS && r->n_heap) {
		size_t i = r->heap[0];
		dev_head_t *h = &r->heads[i];
		merge_row(r, i, n++);
		if (++h->pos < h->n) {
			heap_down(r, 0);
			continue;
		}
		/* its block is used up: the rows copied from it stay valid until
		 * the stream moves, at the next call */
		h->need = 1;
		r->heap[0] = r->heap[--r->n_heap];
		heap_down(r, 0);
		break;
	}
	if (!n)
		return LARCH_DONE;
	r->outc[0] = (larch_column_t){ TSFILE_TEXT, r->devcol, NULL };
	for (size_t k = 1; k < r->L.n_cols; k++)
		r->outc[k] = (larch_column_t){ r->L.types[k], r->vbuf[k], r->nbuf[k] };
	r->blk = (larch_block_t){ n, r->tbuf, r->L.n_cols, r->outc };
	*blk = &r->blk;
	return LARCH_OK;
}

/* q_fill_src_fn: the next unfilled block. */
static int dev_block(void *arg, const larch_block_t **blk, larch_error_t *err)
{
	dev_result_t *r = arg;

	return r->by_time ? merge_block(r, blk, err) : major_block(r, blk, err);
}

static int dev_next(query_result_t *base, const larch_block_t **blk, larch_error_t *err)
{
	dev_result_t *r = (dev_result_t *)base;

	for (;;) {
		const larch_block_t *b;
		size_t from, n;
		if (r->w.left == 0)
			return LARCH_DONE;
		int rc = r->fill ? q_fill_next(r->fill, dev_block, r, &b, err)
				 : dev_block(r, &b, err);
		if (rc)
			return rc;
		if ((n = q_window_take(&r->w, b->n_rows, &from))) {
			q_block_slice(b, from, n, r->slice, &r->out);
			*blk = &r->out;
			return LARCH_OK;
		}
	}
}

static void dev_free(query_result_t *base)
{
	dev_result_t *r = (dev_result_t *)base;

	q_stream_close(r->st);
	for (size_t i = 0; r->heads && i < r->L.n_dp; i++)
		q_stream_close(r->heads[i].st);
	q_fill_free(r->fill);
	q_plan_free(r->p);
	mem_free(r);
}

static const query_result_ops_t dev_ops = { dev_next, dev_free };

/* ORDER BY keys of ALIGN BY DEVICE: DEVICE [DESC] and TIME [DESC]; the
 * first one decides device-major or time-major. */
static void device_order(dev_result_t *r)
{
	const ast_select_t *sel = r->p->sel;

	for (size_t i = 0; i < sel->n_order; i++) {
		const ast_order_item_t *o = &sel->order[i];
		if (o->expr->kind == AST_E_TIME) {
			r->desc = o->desc;
			r->by_time |= i == 0;
		} else {
			r->desc_dev = o->desc;
		}
	}
}

/* Buffers of the result blocks (and of the time-major merge). */
static int device_buffers(dev_result_t *r)
{
	arena_t *a = r->p->arena;
	size_t nc = r->L.n_cols, nd = r->L.n_dp ? r->L.n_dp : 1;

	r->outc = arena_calloc(a, nc, sizeof(*r->outc));
	r->slice = arena_calloc(a, nc, sizeof(*r->slice));
	r->devcol = arena_alloc(a, Q_BLOCK_ROWS * sizeof(tsfile_bytes_t));
	r->zeros = arena_calloc(a, Q_BLOCK_ROWS, 16);
	r->ones = arena_alloc(a, Q_BLOCK_ROWS);
	if (!r->outc || !r->slice || !r->devcol || !r->zeros || !r->ones)
		return -1;
	memset(r->ones, 1, Q_BLOCK_ROWS);
	if (!r->by_time)
		return 0;
	r->heads = arena_calloc(a, nd, sizeof(*r->heads));
	r->heap = arena_alloc(a, nd * sizeof(size_t));
	r->tbuf = arena_alloc(a, Q_BLOCK_ROWS * sizeof(int64_t));
	r->vbuf = arena_calloc(a, nc, sizeof(*r->vbuf));
	r->nbuf = arena_calloc(a, nc, sizeof(*r->nbuf));
	if (!r->heads || !r->heap || !r->tbuf || !r->vbuf || !r->nbuf)
		return -1;
	for (size_t k = 1; k < nc; k++) {
		r->vbuf[k] = arena_calloc(a, Q_BLOCK_ROWS, tsfile_type_size(r->L.types[k]));
		r->nbuf[k] = arena_alloc(a, Q_BLOCK_ROWS);
		if (!r->vbuf[k] || !r->nbuf[k])
			return -1;
	}
	return 0;
}

int q_device_select(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	dev_result_t *r = mem_calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return dev_oom(err);
	r->p = p;
	r->base.ops = &dev_ops;
	q_window_init(&r->w, p->sel);
	device_order(r);
	rc = q_device_layout(p, raw_type, p, &r->L, err);
	if (!rc && device_buffers(r))
		rc = dev_oom(err);
	if (!rc && p->sel->fill.kind != AST_FILL_NONE)
		rc = q_fill_open(p, r->L.types, r->L.n_cols, r->desc, &r->fill, err);
	if (rc) {
		q_fill_free(r->fill);
		mem_free(r);
		return rc;
	}
	r->base.n_cols = r->L.n_cols;
	r->base.has_time = 1;
	r->base.names = r->L.names;
	r->base.types = r->L.types;
	*out = &r->base;
	return LARCH_OK;
}
