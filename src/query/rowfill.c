/*
 * rowfill.c — FILL over the rows of a raw-data result (IoTDB 2.0: the
 * fill sits above the projection and below OFFSET/LIMIT), streamed block
 * by block; and, at the end of the file, IoTDB 0.10's single time-point
 * FILL (`WHERE time = T` with the old per-type list), answered by
 * searching each column's neighbours of T in storage.
 *
 * Each result column gets one rule from agg_fill_plan (PREVIOUS with an
 * optional bound, LINEAR on numeric columns, a constant where IoTDB's type
 * table lets it in; under the old per-type form the rule of the column's
 * type) and the work is done by agg_fill_column on a working
 * block owned here:
 *
 *   slot 0        the column's seed: its last non-null value in the rows
 *                 already delivered, and that value's time
 *   rows 1..n     rows not delivered yet: the carry of the previous call
 *                 followed by the blocks pulled from the source
 *
 * PREVIOUS and constants are resolved at once.  A LINEAR null needs the
 * next non-null value, and a PREVIOUSUNTILLAST null is filled only when a
 * value follows it: rows from the first null after such a column's last
 * value stay in the carry until a later block (or the end of the result)
 * decides them, so a long run of nulls is buffered.  (PREVIOUSUNTILLAST
 * thus stops at the column's last value in the result: the series' last
 * point when the query's range reaches it.)  Rows keep
 * their original null flags (orig) between calls and are filled afresh
 * each time (work), so a filled value never becomes the source of
 * another fill.  With ORDER BY TIME DESC the fill runs in result order on
 * the times complemented (~t: ascending, same distances), so a PREVIOUS
 * bound measures tprev - t; a bound in months then counts them on the
 * complemented time (an approximation for that rare case).
 *
 * Byte strings (TEXT, STRING, BLOB) are copied into one of two arenas: the
 * current one holds every row of the working block; at the start of a
 * call the seed and the carry move into the other, and the first is
 * reset.  A delivered block stays valid until the next call.
 */
#include "query/agg.h"
#include "query/query_int.h"

typedef struct fill_col {
	agg_fill_col_t spec;
	tsfile_type_t type;
	size_t sz;
	int bytes;                 /* a byte-string type: cells point into the arenas */
	uint8_t *vals;             /* cap + 1 cells, slot 0 the seed */
	uint8_t *orig;             /* original null flags */
	uint8_t *work;             /* flags after filling */
	int seed_has;
	int64_t seed_t;
} fill_col_t;

struct q_fill {
	int precision;
	const struct time_zone *tz;
	int desc;
	int any_wait;              /* some column waits for a later value (holds rows back) */
	size_t n_cols;
	fill_col_t *c;
	int64_t *times;            /* cap + 1, slot 0 unused */
	int64_t *ftimes;           /* times as the fill sees them; slot 0 the seed's */
	size_t n, cap, emitted;
	int src_done;
	arena_t *arena[2];
	int cur;
	larch_column_t *out;
	larch_block_t blk;
};

/* A LINEAR null needs the next value; a PREVIOUSUNTILLAST null is filled
 * only when a value follows it in the result (the column's last value
 * bounds the fill): both decide a null only once a later value or the end
 * of the result is seen. */
static int fill_waits(const agg_fill_col_t *spec)
{
	return spec->method == AGG_FILL_LINEAR || spec->method == AGG_FILL_PREVIOUS_UNTIL_LAST;
}

static int fill_oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory filling a raw query's rows");
}

int q_fill_open(const q_plan_t *p, const tsfile_type_t *types, size_t n_cols, int desc,
		q_fill_t **out, larch_error_t *err)
{
	q_fill_t *f = mem_calloc(1, sizeof(*f));
	agg_fill_col_t *spec = mem_calloc(n_cols ? n_cols : 1, sizeof(*spec));
	int rc = LARCH_OK;

	*out = NULL;
	if (!f || !spec || !(f->c = mem_calloc(n_cols ? n_cols : 1, sizeof(*f->c))) ||
	    !(f->out = mem_calloc(n_cols ? n_cols : 1, sizeof(*f->out))) ||
	    !(f->arena[0] = arena_new(0)) || !(f->arena[1] = arena_new(0))) {
		rc = fill_oom(err);
		goto done;
	}
	f->precision = p->ctx->precision;
	f->tz = p->ctx->tz;
	f->desc = desc;
	f->n_cols = n_cols;
	rc = agg_fill_plan(&p->sel->fill, types, n_cols, p->ctx->precision, 0, spec, err);
	for (size_t i = 0; !rc && i < n_cols; i++) {
		fill_col_t *c = &f->c[i];
		c->spec = spec[i];
		c->type = types[i];
		c->sz = tsfile_type_size(types[i]);
		c->bytes = types[i] == TSFILE_TEXT || types[i] == TSFILE_STRING ||
			   types[i] == TSFILE_BLOB;
		f->any_wait |= fill_waits(&c->spec);
	}
done:
	mem_free(spec);
	if (rc) {
		q_fill_free(f);
		return rc;
	}
	*out = f;
	return LARCH_OK;
}

void q_fill_free(q_fill_t *f)
{
	if (!f)
		return;
	for (size_t i = 0; f->c && i < f->n_cols; i++) {
		mem_free(f->c[i].vals);
		mem_free(f->c[i].orig);
		mem_free(f->c[i].work);
	}
	mem_free(f->c);
	mem_free(f->out);
	mem_free(f->times);
	mem_free(f->ftimes);
	arena_free(f->arena[0]);
	arena_free(f->arena[1]);
	mem_free(f);
}

/* Room for need rows (plus slot 0) in every array. */
static int fill_reserve(q_fill_t *f, size_t need)
{
	if (need <= f->cap)
		return 0;
	size_t cap = f->cap ? f->cap : Q_BLOCK_ROWS;
	while (cap < need)
		cap *= 2;
	int64_t *t = mem_realloc(f->times, (cap + 1) * sizeof(int64_t));
	if (!t)
		return -1;
	f->times = t;
	if (!(t = mem_realloc(f->ftimes, (cap + 1) * sizeof(int64_t))))
		return -1;
	f->ftimes = t;
	for (size_t i = 0; i < f->n_cols; i++) {
		fill_col_t *c = &f->c[i];
		uint8_t *v = mem_realloc(c->vals, (cap + 1) * c->sz);
		if (!v)
			return -1;
		c->vals = v;
		if (!(v = mem_realloc(c->orig, cap + 1)))
			return -1;
		c->orig = v;
		if (!(v = mem_realloc(c->work, cap + 1)))
			return -1;
		c->work = v;
	}
	f->cap = cap;
	return 0;
}

/* Copy the bytes of cell r of c into arena a (cells that are null are
 * left alone). */
static int own_bytes(arena_t *a, fill_col_t *c, size_t r)
{
	tsfile_bytes_t *b = (tsfile_bytes_t *)(void *)(c->vals + r * c->sz);
	char *copy;

	if (!b->len)
		return 0;
	if (!(copy = arena_alloc(a, b->len)))
		return -1;
	memcpy(copy, b->ptr, b->len);
	b->ptr = copy;
	return 0;
}

/* Drop the rows delivered by the last call: each column's seed becomes
 * its last original non-null among them, the carry moves to rows 1..,
 * byte strings move to the other arena. */
static int fill_compact(q_fill_t *f)
{
	size_t k = f->emitted, m = f->n - k;
	arena_t *to = f->arena[f->cur ^ 1];

	if (!k)
		return 0;
	arena_reset(to);
	for (size_t i = 0; i < f->n_cols; i++) {
		fill_col_t *c = &f->c[i];
		size_t r = k;
		while (r >= 1 && c->orig[r])
			r--;
		if (r >= 1) {
			memcpy(c->vals, c->vals + r * c->sz, c->sz);
			c->seed_has = 1;
			c->seed_t = f->times[r];
		}
		memmove(c->vals + c->sz, c->vals + (k + 1) * c->sz, m * c->sz);
		memmove(c->orig + 1, c->orig + k + 1, m);
		if (!c->bytes)
			continue;
		if (c->seed_has && own_bytes(to, c, 0))
			return -1;
		for (size_t j = 1; j <= m; j++)
			if (!c->orig[j] && own_bytes(to, c, j))
				return -1;
	}
	memmove(f->times + 1, f->times + k + 1, m * sizeof(int64_t));
	memmove(f->ftimes + 1, f->ftimes + k + 1, m * sizeof(int64_t));
	f->n = m;
	f->emitted = 0;
	f->cur ^= 1;
	return 0;
}

/* Append a block of the source to the working rows. */
static int fill_append(q_fill_t *f, const larch_block_t *b)
{
	size_t n0 = f->n, rows = b->n_rows;

	if (fill_reserve(f, n0 + rows))
		return -1;
	memcpy(f->times + n0 + 1, b->times, rows * sizeof(int64_t));
	for (size_t r = 0; r < rows; r++)
		f->ftimes[n0 + 1 + r] = f->desc ? ~b->times[r] : b->times[r];
	for (size_t i = 0; i < f->n_cols; i++) {
		fill_col_t *c = &f->c[i];
		const larch_column_t *in = &b->columns[i];
		memcpy(c->vals + (n0 + 1) * c->sz, in->values, rows * c->sz);
		if (in->nulls)
			memcpy(c->orig + n0 + 1, in->nulls, rows);
		else
			memset(c->orig + n0 + 1, 0, rows);
		for (size_t r = n0 + 1; c->bytes && r <= n0 + rows; r++)
			if (!c->orig[r] && own_bytes(f->arena[f->cur], c, r))
				return -1;
	}
	f->n = n0 + rows;
	return 0;
}

/* How many leading working rows are decided: all of them but, for a
 * column that waits (fill_waits), the nulls after its last value (they
 * wait for the next value) — unless the column has no earlier value at all
 * (they stay null whatever comes). */
static size_t fill_decided(const q_fill_t *f)
{
	size_t k = f->n;

	for (size_t i = 0; f->any_wait && !f->src_done && i < f->n_cols; i++) {
		const fill_col_t *c = &f->c[i];
		if (!fill_waits(&c->spec))
			continue;
		size_t last = f->n;
		while (last >= 1 && c->orig[last])
			last--;
		if (last == 0 && !c->seed_has)
			continue;
		k = LR_MIN(k, last);
	}
	return k;
}

int q_fill_next(q_fill_t *f, q_fill_src_fn src, void *arg, const larch_block_t **out,
		larch_error_t *err)
{
	size_t k;
	int pulled = 0;

	if (fill_compact(f))
		return fill_oom(err);
	for (;;) {
		k = fill_decided(f);
		if (k >= Q_BLOCK_ROWS || f->src_done || (pulled && k > 0))
			break;
		const larch_block_t *b;
		int rc = src(arg, &b, err);
		if (rc == LARCH_DONE) {
			f->src_done = 1;
			continue;
		}
		if (rc)
			return rc;
		if (fill_append(f, b))
			return fill_oom(err);
		pulled = 1;
	}
	if (!f->n)
		return LARCH_DONE;
	k = LR_MIN(k, (size_t)Q_BLOCK_ROWS);
	for (size_t i = 0; i < f->n_cols; i++) {
		fill_col_t *c = &f->c[i];
		memcpy(c->work + 1, c->orig + 1, f->n);
		c->work[0] = !c->seed_has;
		f->ftimes[0] = f->desc ? ~c->seed_t : c->seed_t;
		agg_fill_column(&c->spec, f->ftimes, f->n + 1, c->type, c->vals, c->work,
				f->precision, f->tz);
		f->out[i] = (larch_column_t){ c->type, c->vals + c->sz, c->work + 1 };
	}
	f->emitted = k;
	f->blk = (larch_block_t){ k, f->times + 1, f->n_cols, f->out };
	*out = &f->blk;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * The single time point of IoTDB 0.10: WHERE time = T FILL(type[...], ...)
 *
 * One row at T.  Per result column: its value at T, else the rule of its
 * type (types the list leaves out get the seed's Table 3-7 defaults):
 * PREVIOUS takes the latest value in [T - before, T]; LINEAR interpolates
 * between that and the earliest value in [T, T + after] (null without
 * both); PREVIOUSUNTILLAST fills only when some value lies at or after T.
 * Each search is a stream over one time range, newest first for the
 * previous value, that stops at its first non-null row or at the bound.
 *---------------------------------------------------------------------------*/

typedef struct point_hit {
	int has;
	int64_t t;
	tsfile_value_t v;          /* byte strings point into the stream's block */
} point_hit_t;

/* Open a stream of expression e over one time range (desc: newest first).
 * The stream reads the plan's ranges, so they become that range while it
 * lives (q_fill_point_select puts the plan's own back). */
static int point_open(q_plan_t *p, ast_expr_t *e, time_range_t *range, int desc,
		      q_stream_t **st, larch_error_t *err)
{
	p->ranges = range;
	p->n_ranges = 1;
	return q_stream_open(p, &e, 1, NULL, desc, st, err);
}

/* The first row of the stream whose value is not null, unless rows pass
 * stop first (desc: a time below stop; else a time above it). */
static int point_scan(q_stream_t *st, int desc, int64_t stop, point_hit_t *hit,
		      larch_error_t *err)
{
	memset(hit, 0, sizeof *hit);
	for (;;) {
		const int64_t *times;
		const larch_column_t *cols;
		size_t n;
		int rc = q_stream_next(st, &times, &n, &cols, err);
		if (rc)
			return rc == LARCH_DONE ? LARCH_OK : rc;
		for (size_t r = 0; r < n; r++) {
			if (desc ? times[r] < stop : times[r] > stop)
				return LARCH_OK;
			if (cols[0].nulls && cols[0].nulls[r])
				continue;
			hit->has = 1;
			hit->t = times[r];
			agg_cell_value(&cols[0], r, &hit->v);
			return LARCH_OK;
		}
	}
}

/* Column c's value at t into *v (its type in v->type; byte strings copied
 * into the plan's arena).  The previous-value stream is opened first: it
 * gives the column's type, which picks the rule and with it the bounds. */
static int point_column(q_plan_t *p, size_t c, int64_t t, tsfile_value_t *v,
			larch_error_t *err)
{
	time_range_t before = { INT64_MIN, t }, after = { t, INT64_MAX };
	q_stream_t *prev_st = NULL, *next_st = NULL;
	point_hit_t prev, next = { 0 };
	agg_fill_col_t spec;
	tsfile_type_t type;
	int64_t lo, hi;
	int rc;

	if ((rc = point_open(p, p->cols[c].expr, &before, 1, &prev_st, err)))
		goto done;
	type = q_stream_type(prev_st, 0);
	if ((rc = agg_fill_plan(&p->sel->fill, &type, 1, p->ctx->precision, 1, &spec, err)))
		goto done;
	agg_fill_point_range(&spec, t, p->ctx->precision, p->ctx->tz, &lo, &hi);
	if ((rc = point_scan(prev_st, 1, lo, &prev, err)))
		goto done;
	if (hi > t && !(prev.has && prev.t == t)) {
		if ((rc = point_open(p, p->cols[c].expr, &after, 0, &next_st, err)) ||
		    (rc = point_scan(next_st, 0, hi, &next, err)))
			goto done;
	}
	agg_fill_point(&spec, t, type, prev.has, prev.t, &prev.v, next.has, next.t, &next.v, v);
	if (!v->is_null && (type == TSFILE_TEXT || type == TSFILE_STRING || type == TSFILE_BLOB)) {
		char *copy = arena_alloc(p->arena, v->v.bytes.len + 1);
		if (!copy) {
			rc = fill_oom(err);
			goto done;
		}
		memcpy(copy, v->v.bytes.ptr, v->v.bytes.len);
		v->v.bytes.ptr = copy;
	}
done:
	q_stream_close(prev_st);
	q_stream_close(next_st);
	return rc;
}

/* The one-row table: columns named as planned, the row at t. */
static int point_table(const q_plan_t *p, int64_t t, const tsfile_value_t *v,
		       query_result_t **out, larch_error_t *err)
{
	query_table_t *tbl = query_table_new(p->n_cols, 1);
	int bad = !tbl;

	for (size_t c = 0; !bad && c < p->n_cols; c++)
		bad = query_table_set_column(tbl, c, p->cols[c].name, v[c].type) != LARCH_OK;
	if (!bad && p->n_cols)
		bad = query_table_add_row(tbl, t) != LARCH_OK;
	for (size_t c = 0; !bad && c < p->n_cols; c++)
		bad = !v[c].is_null && query_table_set_value(tbl, c, &v[c]) != LARCH_OK;
	if (bad) {
		query_table_free(tbl);
		return fill_oom(err);
	}
	return query_table_finish(tbl, out, err);
}

int q_fill_point_select(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	time_range_t *ranges = p->ranges;
	size_t n_ranges = p->n_ranges;
	int64_t t = ranges[0].start;
	tsfile_value_t *v;
	int rc;

	if ((rc = q_analyze_columns(p, err)))
		return rc;
	if (!(v = arena_calloc(p->arena, p->n_cols + 1, sizeof(*v))))
		return fill_oom(err);
	for (size_t c = 0; !rc && c < p->n_cols; c++)
		rc = point_column(p, c, t, &v[c], err);
	p->ranges = ranges;
	p->n_ranges = n_ranges;
	if (!rc && !(rc = point_table(p, t, v, out, err)))
		q_plan_free(p);            /* the table owns copies of everything */
	return rc;
}
