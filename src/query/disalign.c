/*
 * disalign.c — DISABLE ALIGN, the result form of IoTDB 0.10-0.13 (the seed
 * 004 and 0.13's "Query Result Alignment"; IoTDB 1.0+ dropped the clause).
 *
 * Shape: no global time column (has_time = 0); each result column of the
 * ALIGN BY TIME plan becomes a pair
 *
 *   Time (TIMESTAMP) | value (named and typed as ALIGN BY TIME names it)
 *
 * and the pair lists only that column's own points, in time order (newest
 * first under ORDER BY TIME DESC).  Rows are not aligned by time: row i
 * holds the i-th point of every pair; a pair that has run out is null (in
 * both of its columns) down to the end.  TIMESTAMP, not INT64, makes the
 * clients show these columns as times, as 0.13's CLI did: ISO strings from
 * JDBC/CLI getString and the Python client's rows, zone-aware datetimes in
 * its todf() (apache-iotdb 2.0.11 against larchd); INT64 would show bare
 * epoch numbers.  The repeated name is harmless to 2.0's clients: they
 * address columns by position (no columnIndex2TsBlockColumnIndexList means
 * identity).
 *
 * Semantics (0.13's NonAlignEngineDataSet read one series per pair with
 * the WHERE time filter; value filters were never handled there): a pair
 * lists the non-null cells of its column in the ALIGN BY TIME result of
 * the same query without LIMIT/OFFSET, so time ranges cut every pair and a
 * value predicate keeps the cells of the rows where it holds.  OFFSET and
 * LIMIT then apply to each pair on its own (0.13 counted per series).
 * SLIMIT/SOFFSET pick columns as for ALIGN BY TIME.  The refusals (with
 * aggregates, FILL) are select.c's.
 *
 * Streaming: one q_stream per pair, each advanced on its own.  A result
 * block has at most `rows` rows; each pair copies its next cells into its
 * own buffers (bulk copies of runs of non-null cells).  Byte strings stay
 * pointers into the stream's block while that block is current; before a
 * pair pulls the next stream block in the middle of a result block, the
 * strings it already placed from the old one are copied into the block
 * arena.
 */
#include "query/query_int.h"

/* Cells per result block over all pairs: bounds the buffers when a query
 * selects many series (rows per block shrink, down to DA_MIN_ROWS). */
#define DA_BLOCK_CELLS ((size_t)1 << 20)
#define DA_MIN_ROWS 64

typedef struct da_pair {
	q_stream_t *st;
	tsfile_type_t type;        /* of the value column */
	const int64_t *times;      /* the stream's current block ... */
	const larch_column_t *col;
	size_t pos, n;             /* ... its next row and its row count */
	q_window_t w;              /* this pair's OFFSET/LIMIT */
	int ended;
	size_t alias_from;         /* first block row whose strings point into the stream block */
	int64_t *tout;             /* the pair's columns in the result block */
	uint8_t *vout;
	uint8_t *nulls;            /* shared by both columns: 1 past the pair's last row */
} da_pair_t;

typedef struct da_result {
	query_result_t base;
	q_plan_t *p;
	da_pair_t *pairs;
	size_t n_pairs;
	size_t rows;               /* rows per result block */
	char *time_name;           /* "Time" */
	arena_t *strings;          /* byte strings copied for the current block */
	larch_column_t *cols;      /* 2 per pair */
	larch_block_t blk;
} da_result_t;

static int da_oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory in a DISABLE ALIGN query");
}

static int is_bytes(tsfile_type_t t)
{
	return t == TSFILE_TEXT || t == TSFILE_STRING || t == TSFILE_BLOB;
}

/* Copy the byte strings of block rows [pr->alias_from, to) into the block
 * arena, so that they outlive the stream block they point into. */
static int pair_own_strings(da_result_t *r, da_pair_t *pr, size_t to, larch_error_t *err)
{
	tsfile_bytes_t *v = (tsfile_bytes_t *)pr->vout;

	if (!is_bytes(pr->type))
		return LARCH_OK;
	for (size_t i = pr->alias_from; i < to; i++) {
		char *s = arena_alloc(r->strings, v[i].len ? v[i].len : 1);
		if (!s)
			return da_oom(err);
		memcpy(s, v[i].ptr, v[i].len);
		v[i].ptr = s;
	}
	return LARCH_OK;
}

/* Make the pair's stream block hold an unread row, or mark the pair ended
 * (stream done, or its LIMIT reached).  `at` is the block row the next
 * cell goes to. */
static int pair_pull(da_result_t *r, da_pair_t *pr, size_t at, larch_error_t *err)
{
	if (pr->w.left == 0)
		pr->ended = 1;
	while (!pr->ended && pr->pos >= pr->n) {
		int rc;
		if ((rc = pair_own_strings(r, pr, at, err)))
			return rc;
		pr->alias_from = at;
		rc = q_stream_next(pr->st, &pr->times, &pr->n, &pr->col, err);
		pr->pos = 0;
		if (rc == LARCH_DONE) {
			pr->n = 0;
			pr->ended = 1;
		} else if (rc) {
			return rc;
		}
	}
	return LARCH_OK;
}

/* Move cells of the stream block into block rows [at, r->rows): runs of
 * non-null cells, through the pair's OFFSET/LIMIT.  Returns the rows
 * filled (0 when the stream block is used up or the LIMIT reached). */
static size_t pair_take(const da_result_t *r, da_pair_t *pr, size_t at)
{
	const uint8_t *nl = pr->col->nulls;
	const uint8_t *vals = pr->col->values;
	size_t sz = tsfile_type_size(pr->type), got = 0;

	while (pr->pos < pr->n && at + got < r->rows && pr->w.left != 0) {
		size_t i = pr->pos, e = i, from, k;
		if (nl && nl[i]) {
			pr->pos++;
			continue;
		}
		size_t room = r->rows - at - got;
		while (e < pr->n && e - i < room && !(nl && nl[e]))
			e++;
		size_t n = e - i;
		k = q_window_take(&pr->w, n, &from);
		if (k) {
			memcpy(pr->tout + at + got, pr->times + i + from, k * sizeof(int64_t));
			memcpy(pr->vout + (at + got) * sz, vals + (i + from) * sz, k * sz);
			got += k;
		}
		pr->pos = i + (k ? from + k : n);
	}
	return got;
}

/* Fill the pair's columns of the next block; *filled gets its rows. */
static int pair_fill(da_result_t *r, da_pair_t *pr, size_t *filled, larch_error_t *err)
{
	size_t got = 0;
	int rc;

	pr->alias_from = 0;
	while (got < r->rows && !pr->ended) {
		if ((rc = pair_pull(r, pr, got, err)))
			return rc;
		if (!pr->ended)
			got += pair_take(r, pr, got);
	}
	memset(pr->nulls, 0, got);
	memset(pr->nulls + got, 1, r->rows - got);
	*filled = got;
	return LARCH_OK;
}

static int da_next(query_result_t *base, const larch_block_t **blk, larch_error_t *err)
{
	da_result_t *r = (da_result_t *)base;
	size_t rows = 0;

	arena_reset(r->strings);
	for (size_t k = 0; k < r->n_pairs; k++) {
		size_t got;
		int rc = pair_fill(r, &r->pairs[k], &got, err);
		if (rc)
			return rc;
		rows = LR_MAX(rows, got);
	}
	if (!rows)
		return LARCH_DONE;
	r->blk = (larch_block_t){ rows, NULL, 2 * r->n_pairs, r->cols };
	*blk = &r->blk;
	return LARCH_OK;
}

static void da_free(query_result_t *base)
{
	da_result_t *r = (da_result_t *)base;

	for (size_t k = 0; r->pairs && k < r->n_pairs; k++)
		q_stream_close(r->pairs[k].st);
	arena_free(r->strings);
	q_plan_free(r->p);
	mem_free(r);
}

static const query_result_ops_t da_ops = { da_next, da_free };

/* Open pair k: its stream over column k, its buffers, its two result
 * columns. */
static int pair_open(da_result_t *r, size_t k, int desc, larch_error_t *err)
{
	q_plan_t *p = r->p;
	da_pair_t *pr = &r->pairs[k];
	tsfile_type_t t;
	int rc;

	rc = q_stream_open(p, &p->cols[k].expr, 1, p->where, desc, &pr->st, err);
	if (rc)
		return rc;
	t = pr->type = q_stream_type(pr->st, 0);
	q_window_init(&pr->w, p->sel);
	pr->tout = arena_alloc(p->arena, r->rows * sizeof(int64_t));
	pr->vout = arena_alloc(p->arena, r->rows * tsfile_type_size(t));
	pr->nulls = arena_alloc(p->arena, r->rows);
	if (!pr->tout || !pr->vout || !pr->nulls)
		return da_oom(err);
	r->base.names[2 * k] = r->time_name;
	r->base.types[2 * k] = TSFILE_TIMESTAMP;
	r->base.names[2 * k + 1] = p->cols[k].name;
	r->base.types[2 * k + 1] = t;
	r->cols[2 * k] = (larch_column_t){ TSFILE_TIMESTAMP, pr->tout, pr->nulls };
	r->cols[2 * k + 1] = (larch_column_t){ t, pr->vout, pr->nulls };
	return LARCH_OK;
}

int q_disalign_select(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	da_result_t *r;
	size_t n, nc;
	int rc, desc = q_order_desc(p->sel);

	if ((rc = q_analyze_columns(p, err)))
		return rc;
	if (!(r = mem_calloc(1, sizeof(*r))))
		return da_oom(err);
	n = p->n_cols;
	nc = n ? 2 * n : 1;
	r->p = p;
	r->n_pairs = n;
	r->base.ops = &da_ops;
	r->base.n_cols = 2 * n;
	r->base.has_time = 0;
	r->rows = LR_MAX(LR_MIN((size_t)Q_BLOCK_ROWS, DA_BLOCK_CELLS / (n ? n : 1)),
			 (size_t)DA_MIN_ROWS);
	r->strings = arena_new(0);
	r->time_name = arena_strndup(p->arena, "Time", 4);
	r->pairs = arena_calloc(p->arena, n ? n : 1, sizeof(*r->pairs));
	r->cols = arena_calloc(p->arena, nc, sizeof(*r->cols));
	r->base.names = arena_calloc(p->arena, nc, sizeof(char *));
	r->base.types = arena_calloc(p->arena, nc, sizeof(tsfile_type_t));
	rc = r->strings && r->time_name && r->pairs && r->cols && r->base.names && r->base.types
		     ? LARCH_OK : da_oom(err);
	for (size_t k = 0; !rc && k < n; k++)
		rc = pair_open(r, k, desc, err);
	if (rc) {
		r->p = NULL;           /* the caller frees the plan on failure */
		da_free(&r->base);
		return rc;
	}
	*out = &r->base;
	return LARCH_OK;
}
