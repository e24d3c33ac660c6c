/*
 * raw.c — raw-data queries, streamed: blocks of at most Q_BLOCK_ROWS rows,
 * never the whole result in memory.
 *
 * A stream reads a set of series: one storage cursor per device and per
 * WHERE time range (ranges in order, so a cursor never reads outside
 * them), merged by time into a scan block with one column per series (a
 * time present in several devices is one row).  Rows where none of the
 * selected series has a value are dropped (series read only for WHERE do
 * not make rows), then the WHERE predicate (expr_eval_filter), then the
 * result columns are projected: a bare path points into the scan block, an
 * expression is evaluated (expr_eval).  With a single cursor the scan block
 * points straight into the storage block (no copy).
 *
 * Lifetimes: values in a storage block (byte strings included) stay valid
 * until the next call on its cursor.  A scan block is therefore built only
 * until one of its cursors runs out of rows; cursors are advanced at the
 * start of the next call, when the previous result block may die.
 *
 * Results: ALIGN BY TIME is one stream (ALIGN BY DEVICE, device.c, is one
 * stream per device).  LIMIT/OFFSET count result rows; ORDER BY TIME DESC
 * reads every cursor newest first.  With FILL (rowfill.c) whole projected
 * blocks go through the fill first, then OFFSET/LIMIT.
 */
#include <stdio.h>

#include "query/query_int.h"

/*---------------------------------------------------------------------------
 * Readers: the cursors of one device over the time ranges
 *---------------------------------------------------------------------------*/

typedef struct raw_reader {
	const q_device_t *dev;
	storage_series_ref_t *refs;
	size_t *local;             /* stream-local series of each ref */
	size_t n;
	storage_cursor_t *cur;
	const storage_block_t *blk;
	size_t pos;
	size_t next_range;         /* ranges opened so far */
	int done;
} raw_reader_t;

struct q_stream {
	q_plan_t *p;
	int desc;
	raw_reader_t *rd;
	size_t n_rd;
	size_t n_ser;              /* local series */
	size_t *ser;               /* plan index of each local series */
	uint8_t *selected;         /* local series referenced by a result column */
	int need_presence;         /* some local series is read for WHERE only */
	int64_t *tbuf;             /* scan buffers for merged rows */
	uint8_t **vbuf, **nbuf;
	const uint8_t *all_null;   /* Q_BLOCK_ROWS non-zero bytes */
	larch_column_t *scan;      /* the scan block: one column per local series */
	const int64_t *stimes;
	size_t srows;
	expr_t *filter;
	uint8_t *mask;
	size_t n_out;
	expr_t **ox;               /* per result column: compiled expression or NULL */
	size_t *oser;              /* per result column: local series of a bare path */
	larch_column_t *outc;
	const int64_t *otimes;
	size_t orows;
	arena_t *arena;            /* per block: evaluated columns, compacted rows */
	size_t *local_of;          /* plan series -> local index + 1 (0: not read) */
};

typedef struct q_stream raw_stream_t;

static int raw_oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory in a raw query");
}

/* Open the cursor of the reader's next time range. */
static int reader_open(raw_stream_t *st, raw_reader_t *r, larch_error_t *err)
{
	const q_plan_t *p = st->p;
	size_t k = st->desc ? p->n_ranges - 1 - r->next_range : r->next_range;
	storage_read_t req = { 0 };

	req.database = r->dev->database;
	req.device = r->dev->path;
	req.series = r->refs;
	req.n = r->n;
	req.aligned = r->dev->aligned;
	req.start = p->ranges[k].start;
	req.end = p->ranges[k].end;
	r->next_range++;
	return storage_read_flags(p->ctx->storage, &req, st->desc ? STORAGE_READ_DESC : 0,
				  &r->cur, err);
}

/* Make the reader's current block hold a row at pos, or mark it done. */
static int reader_fill(raw_stream_t *st, raw_reader_t *r, larch_error_t *err)
{
	while (!r->done && (!r->blk || r->pos >= r->blk->n_rows)) {
		if (r->cur) {
			int rc = storage_cursor_next(r->cur, &r->blk, err);
			if (rc == LARCH_OK) {
				r->pos = 0;
				continue;
			}
			if (rc != LARCH_DONE)
				return rc;
			storage_cursor_free(r->cur);
			r->cur = NULL;
			r->blk = NULL;
		}
		if (r->next_range >= st->p->n_ranges) {
			r->done = 1;
			break;
		}
		int rc = reader_open(st, r, err);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Stream setup
 *---------------------------------------------------------------------------*/

/* Local index of plan series s, adding it (and its reader) when new. */
static int stream_local(raw_stream_t *st, size_t s, size_t *local)
{
	if (st->local_of[s]) {
		*local = st->local_of[s] - 1;
		return 0;
	}
	*local = st->n_ser++;
	st->ser[*local] = s;
	st->local_of[s] = *local + 1;
	return 0;
}

static void mark_selected(raw_stream_t *st, const ast_expr_t *e, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return;
	if (e->kind == AST_E_PATH) {
		size_t l;
		stream_local(st, q_leaf_series(e->path), &l);
		st->selected[l] = 1;
		return;
	}
	mark_selected(st, e->a, depth + 1);
	mark_selected(st, e->b, depth + 1);
	mark_selected(st, e->c, depth + 1);
	for (size_t i = 0; i < e->n_list; i++)
		mark_selected(st, e->list[i], depth + 1);
}

static void mark_read(raw_stream_t *st, const ast_expr_t *e, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return;
	if (e->kind == AST_E_PATH) {
		size_t l;
		stream_local(st, q_leaf_series(e->path), &l);
		return;
	}
	mark_read(st, e->a, depth + 1);
	mark_read(st, e->b, depth + 1);
	mark_read(st, e->c, depth + 1);
	for (size_t i = 0; i < e->n_list; i++)
		mark_read(st, e->list[i], depth + 1);
}

/* Binding of a leaf to the stream-local input column. */
static int stream_bind(void *arg, const ast_path_t *path, size_t *input, tsfile_type_t *type,
		       larch_error_t *err)
{
	raw_stream_t *st = arg;
	size_t s = q_leaf_series(path);

	if (!st->local_of[s])
		return err_set(err, LARCH_INTERNAL_ERROR, "series %s is not read",
			       st->p->series[s].path);
	*input = st->local_of[s] - 1;
	*type = st->p->series[s].type;
	return LARCH_OK;
}

/* One reader per device among the local series, refs in local order. */
static int stream_readers(raw_stream_t *st, larch_error_t *err)
{
	q_plan_t *p = st->p;
	size_t *rd_of = arena_calloc(st->arena, p->n_devs ? p->n_devs : 1, sizeof(size_t));

	st->rd = arena_calloc(p->arena, st->n_ser ? st->n_ser : 1, sizeof(*st->rd));
	if (!rd_of || !st->rd)
		return raw_oom(err);
	for (size_t l = 0; l < st->n_ser; l++) {
		const q_series_t *s = &p->series[st->ser[l]];
		if (!rd_of[s->dev]) {
			raw_reader_t *r = &st->rd[st->n_rd];
			r->dev = &p->devs[s->dev];
			r->refs = arena_calloc(p->arena, r->dev->n, sizeof(*r->refs));
			r->local = arena_calloc(p->arena, r->dev->n, sizeof(size_t));
			if (!r->refs || !r->local)
				return raw_oom(err);
			rd_of[s->dev] = ++st->n_rd;
		}
		raw_reader_t *r = &st->rd[rd_of[s->dev] - 1];
		r->refs[r->n] = (storage_series_ref_t){ r->dev->path, s->sid, s->measurement,
							s->type };
		r->local[r->n++] = l;
	}
	return LARCH_OK;
}

static int stream_buffers(raw_stream_t *st, larch_error_t *err)
{
	arena_t *a = st->p->arena;
	uint8_t *ones;

	st->scan = arena_calloc(a, st->n_ser ? st->n_ser : 1, sizeof(*st->scan));
	st->vbuf = arena_calloc(a, st->n_ser ? st->n_ser : 1, sizeof(*st->vbuf));
	st->nbuf = arena_calloc(a, st->n_ser ? st->n_ser : 1, sizeof(*st->nbuf));
	st->tbuf = arena_alloc(a, Q_BLOCK_ROWS * sizeof(int64_t));
	st->mask = arena_alloc(a, Q_BLOCK_ROWS);
	ones = arena_alloc(a, Q_BLOCK_ROWS);
	if (!st->scan || !st->vbuf || !st->nbuf || !st->tbuf || !st->mask || !ones)
		return raw_oom(err);
	memset(ones, 1, Q_BLOCK_ROWS);
	st->all_null = ones;
	for (size_t l = 0; l < st->n_ser; l++) {
		tsfile_type_t t = st->p->series[st->ser[l]].type;
		st->scan[l].type = t;
		st->vbuf[l] = arena_alloc(a, Q_BLOCK_ROWS * tsfile_type_size(t));
		st->nbuf[l] = arena_alloc(a, Q_BLOCK_ROWS);
		if (!st->vbuf[l] || !st->nbuf[l])
			return raw_oom(err);
	}
	return LARCH_OK;
}

/* Set up a stream producing result columns exprs[0..n) (instantiated, their
 * leaves bound to plan series) filtered by where (or NULL). */
static int stream_init(raw_stream_t *st, q_plan_t *p, ast_expr_t *const *exprs, size_t n,
		       const ast_expr_t *where, int desc, larch_error_t *err)
{
	int rc;

	memset(st, 0, sizeof(*st));
	st->p = p;
	st->desc = desc;
	st->arena = arena_new(0);
	st->local_of = mem_calloc(p->n_series ? p->n_series : 1, sizeof(size_t));
	st->ser = arena_alloc(p->arena, (p->n_series ? p->n_series : 1) * sizeof(size_t));
	st->selected = arena_calloc(p->arena, p->n_series ? p->n_series : 1, 1);
	st->n_out = n;
	st->ox = arena_calloc(p->arena, n ? n : 1, sizeof(*st->ox));
	st->oser = arena_calloc(p->arena, n ? n : 1, sizeof(size_t));
	st->outc = arena_calloc(p->arena, n ? n : 1, sizeof(*st->outc));
	if (!st->arena || !st->local_of || !st->ser || !st->selected || !st->ox || !st->oser ||
	    !st->outc)
		return raw_oom(err);
	for (size_t i = 0; i < n; i++)
		mark_selected(st, exprs[i], 0);
	mark_read(st, where, 0);
	for (size_t l = 0; l < st->n_ser; l++)
		st->need_presence |= !st->selected[l];
	if ((rc = stream_readers(st, err)) || (rc = stream_buffers(st, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (exprs[i]->kind == AST_E_PATH) {
			st->oser[i] = st->local_of[q_leaf_series(exprs[i]->path)] - 1;
			continue;
		}
		rc = expr_compile(p->ctx, exprs[i], stream_bind, NULL, st, p->arena, &st->ox[i],
				  err);
		if (rc)
			return rc;
	}
	if (where)
		return expr_compile(p->ctx, where, stream_bind, NULL, st, p->arena, &st->filter,
				    err);
	return LARCH_OK;
}

static void stream_free(raw_stream_t *st)
{
	for (size_t i = 0; i < st->n_rd; i++)
		storage_cursor_free(st->rd[i].cur);
	for (size_t i = 0; st->ox && i < st->n_out; i++)
		expr_free(st->ox[i]);
	expr_free(st->filter);
	mem_free(st->local_of);
	arena_free(st->arena);
	st->n_rd = 0;
	st->ox = NULL;
	st->filter = NULL;
	st->local_of = NULL;
	st->arena = NULL;
}

/*---------------------------------------------------------------------------
 * Scan: merge the readers by time
 *---------------------------------------------------------------------------*/

/* Copy one element of size sz. */
static inline void copy_elem(uint8_t *dst, const uint8_t *src, size_t sz)
{
	switch (sz) {
	case 1: *dst = *src; break;
	case 4: memcpy(dst, src, 4); break;
	case 8: memcpy(dst, src, 8); break;
	default: memcpy(dst, src, sz); break;
	}
}

/* The scan block points into reader r's block (the only live reader). */
static void scan_alias(raw_stream_t *st, raw_reader_t *r)
{
	size_t rows = LR_MIN(r->blk->n_rows - r->pos, (size_t)Q_BLOCK_ROWS);

	for (size_t l = 0; l < st->n_ser; l++) {
		st->scan[l].values = st->vbuf[l];
		st->scan[l].nulls = st->all_null;
	}
	for (size_t k = 0; k < r->n; k++) {
		const storage_block_column_t *c = &r->blk->columns[k];
		size_t l = r->local[k];
		st->scan[l].values = (const uint8_t *)c->values + r->pos * tsfile_type_size(c->type);
		st->scan[l].nulls = c->nulls + r->pos;
	}
	st->stimes = r->blk->times + r->pos;
	st->srows = rows;
	r->pos += rows;
}

/* Merge rows of several readers into the scan buffers until the block is
 * full or a reader runs out of its current block. */
static void scan_merge(raw_stream_t *st)
{
	size_t n = 0;
	int stop = 0;

	for (size_t l = 0; l < st->n_ser; l++) {
		st->scan[l].values = st->vbuf[l];
		st->scan[l].nulls = st->nbuf[l];
	}
	while (n < Q_BLOCK_ROWS && !stop) {
		int64_t t = 0;
		int any = 0;
		for (size_t i = 0; i < st->n_rd; i++) {
			raw_reader_t *r = &st->rd[i];
			if (r->done)
				continue;
			int64_t h = r->blk->times[r->pos];
			if (!any || (st->desc ? h > t : h < t))
				t = h;
			any = 1;
		}
		if (!any)
			break;
		for (size_t l = 0; l < st->n_ser; l++)
			st->nbuf[l][n] = 1;
		for (size_t i = 0; i < st->n_rd; i++) {
			raw_reader_t *r = &st->rd[i];
			if (r->done || r->blk->times[r->pos] != t)
				continue;
			for (size_t k = 0; k < r->n; k++) {
				const storage_block_column_t *c = &r->blk->columns[k];
				size_t l = r->local[k], sz = tsfile_type_size(c->type);
				st->nbuf[l][n] = c->nulls[r->pos] != 0;
				copy_elem(st->vbuf[l] + n * sz,
					  (const uint8_t *)c->values + r->pos * sz, sz);
			}
			if (++r->pos >= r->blk->n_rows)
				stop = 1;
		}
		st->tbuf[n++] = t;
	}
	st->stimes = st->tbuf;
	st->srows = n;
}

/* Next scan block: LARCH_OK (srows > 0) or LARCH_DONE. */
static int stream_scan(raw_stream_t *st, larch_error_t *err)
{
	size_t live = 0;
	raw_reader_t *one = NULL;

	for (size_t i = 0; i < st->n_rd; i++) {
		int rc = reader_fill(st, &st->rd[i], err);
		if (rc)
			return rc;
		if (!st->rd[i].done) {
			live++;
			one = &st->rd[i];
		}
	}
	if (!live)
		return LARCH_DONE;
	if (live == 1)
		scan_alias(st, one);
	else
		scan_merge(st);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Filter and projection
 *---------------------------------------------------------------------------*/

/* mask[i] = 1 where a selected series has a value. */
static void presence_mask(raw_stream_t *st, uint8_t *mask)
{
	memset(mask, 0, st->srows);
	for (size_t l = 0; l < st->n_ser; l++) {
		if (!st->selected[l])
			continue;
		const uint8_t *nl = st->scan[l].nulls;
		for (size_t i = 0; i < st->srows; i++)
			mask[i] |= !nl[i];
	}
}

/* Keep the rows of the scan block where mask is set (compacted copies in
 * the block arena).  Returns the rows kept, or (size_t)-1 on oom. */
static size_t compact(raw_stream_t *st, const uint8_t *mask)
{
	size_t n = st->srows, kept = 0;

	for (size_t i = 0; i < n; i++)
		kept += mask[i] != 0;
	if (kept == n)
		return n;
	int64_t *t = arena_alloc(st->arena, (kept ? kept : 1) * sizeof(int64_t));
	if (!t)
		return (size_t)-1;
	for (size_t i = 0, j = 0; i < n; i++)
		if (mask[i])
			t[j++] = st->stimes[i];
	for (size_t l = 0; l < st->n_ser; l++) {
		size_t sz = tsfile_type_size(st->scan[l].type);
		uint8_t *v = arena_alloc(st->arena, (kept ? kept : 1) * sz);
		uint8_t *nl = arena_alloc(st->arena, kept ? kept : 1);
		const uint8_t *sv = st->scan[l].values, *sn = st->scan[l].nulls;
		if (!v || !nl)
			return (size_t)-1;
		for (size_t i = 0, j = 0; i < n; i++) {
			if (!mask[i])
				continue;
			copy_elem(v + j * sz, sv + i * sz, sz);
			nl[j++] = sn[i];
		}
		st->scan[l].values = v;
		st->scan[l].nulls = nl;
	}
	st->stimes = t;
	st->srows = kept;
	return kept;
}

/* Rows of the scan block that pass: presence, then WHERE. */
static int stream_filter(raw_stream_t *st, larch_error_t *err)
{
	if (!st->need_presence && !st->filter)
		return LARCH_OK;
	uint8_t *mask = st->mask;
	if (st->need_presence)
		presence_mask(st, mask);
	if (st->filter) {
		uint8_t *f = arena_alloc(st->arena, st->srows);
		if (!f)
			return raw_oom(err);
		int rc = expr_eval_filter(st->filter, st->srows, st->stimes, st->scan, st->arena, f,
					  err);
		if (rc)
			return rc;
		if (st->need_presence)
			for (size_t i = 0; i < st->srows; i++)
				mask[i] &= f[i];
		else
			memcpy(mask, f, st->srows);
	}
	return compact(st, mask) == (size_t)-1 ? raw_oom(err) : LARCH_OK;
}

/* Project rows [from, from + n) of the filtered scan block into outc. */
static int stream_project(raw_stream_t *st, size_t from, size_t n, larch_error_t *err)
{
	larch_column_t *in = st->scan;
	larch_column_t *slice = NULL;

	for (size_t i = 0; i < st->n_out; i++) {
		if (st->ox[i])
			continue;
		const larch_column_t *c = &in[st->oser[i]];
		st->outc[i].type = c->type;
		st->outc[i].values = (const uint8_t *)c->values + from * tsfile_type_size(c->type);
		st->outc[i].nulls = c->nulls + from;
	}
	for (size_t i = 0; i < st->n_out; i++) {
		if (!st->ox[i])
			continue;
		if (!slice) {
			slice = arena_alloc(st->arena, (st->n_ser ? st->n_ser : 1) * sizeof(*slice));
			if (!slice)
				return raw_oom(err);
			for (size_t l = 0; l < st->n_ser; l++) {
				slice[l].type = in[l].type;
				slice[l].values = (const uint8_t *)in[l].values +
						  from * tsfile_type_size(in[l].type);
				slice[l].nulls = in[l].nulls + from;
			}
		}
		int rc = expr_eval(st->ox[i], n, st->stimes + from, slice, st->arena, &st->outc[i],
				   err);
		if (rc)
			return rc;
	}
	st->otimes = st->stimes + from;
	st->orows = n;
	return LARCH_OK;
}

typedef q_window_t raw_window_t;

void q_window_init(q_window_t *w, const ast_select_t *sel)
{
	w->skip = sel->offset > 0 ? sel->offset : 0;
	w->left = sel->limit;
}

size_t q_window_take(q_window_t *w, size_t n, size_t *from)
{
	*from = 0;
	if (w->skip >= (int64_t)n) {
		w->skip -= (int64_t)n;
		return 0;
	}
	*from = (size_t)w->skip;
	n -= (size_t)w->skip;
	w->skip = 0;
	if (w->left >= 0 && (int64_t)n > w->left)
		n = (size_t)w->left;
	if (w->left >= 0)
		w->left -= (int64_t)n;
	return n;
}

/* Next filtered, windowed, projected block of the stream (orows > 0), or
 * LARCH_DONE. */
static int stream_next(raw_stream_t *st, raw_window_t *w, larch_error_t *err)
{
	for (;;) {
		if (w && w->left == 0)
			return LARCH_DONE;
		arena_reset(st->arena);
		int rc = stream_scan(st, err);
		if (rc)
			return rc;
		if (st->p->where_false)
			continue;
		if ((rc = stream_filter(st, err)))
			return rc;
		size_t from = 0, n = st->srows;
		if (w)
			n = q_window_take(w, n, &from);
		if (!n)
			continue;
		return stream_project(st, from, n, err);
	}
}

/*---------------------------------------------------------------------------
 * The stream as other executors use it (aggregate.c)
 *---------------------------------------------------------------------------*/

int q_order_desc(const ast_select_t *sel)
{
	for (size_t i = 0; i < sel->n_order; i++)
		if (sel->order[i].expr->kind == AST_E_TIME)
			return sel->order[i].desc;
	return 0;
}

int q_stream_open(q_plan_t *p, ast_expr_t *const *exprs, size_t n, const ast_expr_t *where,
		  int desc, q_stream_t **out, larch_error_t *err)
{
	raw_stream_t *st = mem_calloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	if (!st)
		return raw_oom(err);
	if ((rc = stream_init(st, p, exprs, n, where, desc, err))) {
		stream_free(st);
		mem_free(st);
		return rc;
	}
	*out = st;
	return LARCH_OK;
}

int q_stream_next(q_stream_t *st, const int64_t **times, size_t *n, const larch_column_t **cols,
		  larch_error_t *err)
{
	int rc = stream_next(st, NULL, err);

	if (rc)
		return rc;
	*times = st->otimes;
	*n = st->orows;
	*cols = st->outc;
	return LARCH_OK;
}

tsfile_type_t q_stream_type(const q_stream_t *st, size_t i)
{
	return st->ox[i] ? expr_type(st->ox[i]) : st->p->series[st->ser[st->oser[i]]].type;
}

void q_stream_close(q_stream_t *st)
{
	if (!st)
		return;
	stream_free(st);
	mem_free(st);
}

/*---------------------------------------------------------------------------
 * ALIGN BY TIME
 *---------------------------------------------------------------------------*/

typedef struct time_result {
	query_result_t base;
	q_plan_t *p;
	raw_stream_t st;
	raw_window_t w;
	q_fill_t *fill;            /* FILL, or NULL */
	larch_block_t raw;         /* an unfilled block for the fill */
	larch_column_t *cols;      /* a window's slice of a filled block */
	larch_block_t blk;
} time_result_t;

void q_block_slice(const larch_block_t *in, size_t from, size_t n, larch_column_t *cols,
		   larch_block_t *out)
{
	for (size_t i = 0; i < in->n_columns; i++) {
		const larch_column_t *c = &in->columns[i];
		cols[i] = (larch_column_t){ c->type,
					    (const uint8_t *)c->values + from * tsfile_type_size(c->type),
					    c->nulls ? c->nulls + from : NULL };
	}
	*out = (larch_block_t){ n, in->times ? in->times + from : NULL, in->n_columns, cols };
}

/* q_fill_src_fn: the next projected block of the stream, all rows. */
static int time_src(void *arg, const larch_block_t **blk, larch_error_t *err)
{
	time_result_t *t = arg;
	int rc = stream_next(&t->st, NULL, err);

	if (rc)
		return rc;
	t->raw = (larch_block_t){ t->st.orows, t->st.otimes, t->st.n_out, t->st.outc };
	*blk = &t->raw;
	return LARCH_OK;
}

/* Filled blocks, then OFFSET/LIMIT (they count filled rows). */
static int time_next_filled(time_result_t *t, const larch_block_t **blk, larch_error_t *err)
{
	for (;;) {
		const larch_block_t *b;
		size_t from, n;
		if (t->w.left == 0)
			return LARCH_DONE;
		int rc = q_fill_next(t->fill, time_src, t, &b, err);
		if (rc)
			return rc;
		if ((n = q_window_take(&t->w, b->n_rows, &from))) {
			q_block_slice(b, from, n, t->cols, &t->blk);
			*blk = &t->blk;
			return LARCH_OK;
		}
	}
}

static int time_next(query_result_t *r, const larch_block_t **blk, larch_error_t *err)
{
	time_result_t *t = (time_result_t *)r;

	if (t->fill)
		return time_next_filled(t, blk, err);
	int rc = stream_next(&t->st, &t->w, err);
	if (rc)
		return rc;
	t->blk.n_rows = t->st.orows;
	t->blk.times = t->st.otimes;
	t->blk.n_columns = t->st.n_out;
	t->blk.columns = t->st.outc;
	*blk = &t->blk;
	return LARCH_OK;
}

static void time_free(query_result_t *r)
{
	time_result_t *t = (time_result_t *)r;

	stream_free(&t->st);
	q_fill_free(t->fill);
	q_plan_free(t->p);
	mem_free(t);
}

static const query_result_ops_t time_ops = { time_next, time_free };

/* Names and types of a result's columns, from the plan's arena. */
static int result_shape(q_plan_t *p, query_result_t *b, size_t n, int has_time,
			larch_error_t *err)
{
	b->n_cols = n;
	b->has_time = has_time;
	b->names = arena_calloc(p->arena, n ? n : 1, sizeof(char *));
	b->types = arena_calloc(p->arena, n ? n : 1, sizeof(tsfile_type_t));
	return b->names && b->types ? LARCH_OK : raw_oom(err);
}

static int raw_align_time(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	time_result_t *t = mem_calloc(1, sizeof(*t));
	ast_expr_t **exprs;
	int rc;

	if (!t)
		return raw_oom(err);
	t->p = p;
	t->base.ops = &time_ops;
	q_window_init(&t->w, p->sel);
	exprs = arena_calloc(p->arena, p->n_cols ? p->n_cols : 1, sizeof(*exprs));
	if (!exprs) {
		mem_free(t);
		return raw_oom(err);
	}
	for (size_t i = 0; i < p->n_cols; i++)
		exprs[i] = p->cols[i].expr;
	rc = stream_init(&t->st, p, exprs, p->n_cols, p->where, q_order_desc(p->sel), err);
	if (!rc)
		rc = result_shape(p, &t->base, p->n_cols, 1, err);
	for (size_t i = 0; !rc && i < p->n_cols; i++) {
		t->base.names[i] = p->cols[i].name;
		t->base.types[i] = q_stream_type(&t->st, i);
	}
	if (!rc && p->sel->fill.kind != AST_FILL_NONE) {
		rc = q_fill_open(p, t->base.types, p->n_cols, q_order_desc(p->sel), &t->fill, err);
		t->cols = arena_calloc(p->arena, p->n_cols ? p->n_cols : 1, sizeof(*t->cols));
		if (!rc && !t->cols)
			rc = raw_oom(err);
	}
	if (rc) {
		stream_free(&t->st);
		q_fill_free(t->fill);
		mem_free(t);
		return rc;
	}
	*out = &t->base;
	return LARCH_OK;
}

int q_raw_select(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	int rc;

	if (p->sel->align == AST_ALIGN_DEVICE)
		return q_device_select(p, out, err);
	if ((rc = q_analyze_columns(p, err)))
		return rc;
	return raw_align_time(p, out, err);
}
