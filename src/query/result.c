/*
 * result.c — query results: the query_result_t dispatch, the empty result,
 * and query_table_t, the materialized table used for small results (SHOW,
 * COUNT, aggregates, LAST) and by the engine for its own statements.
 *
 * A table keeps one growing typed array per column (C types as in
 * larch_column_t) plus a null-flag array, and the time column; bytes of
 * TEXT/STRING/BLOB cells live in the table's arena.  As a result it hands out
 * blocks of up to QUERY_TABLE_BLOCK_ROWS rows pointing straight into those
 * arrays (no copy).
 */
#include "query/query.h"

#define QUERY_TABLE_BLOCK_ROWS 4096

typedef struct table_col {
	tsfile_type_t type;
	size_t elem;              /* tsfile_type_size(type); 0 until set */
	uint8_t *values;
	uint8_t *nulls;
} table_col_t;

struct query_table {
	query_result_t base;      /* first: a finished table is its own result */
	size_t n_rows, cap;
	int64_t *times;           /* NULL without a time column */
	table_col_t *cols;
	larch_column_t *block_cols;
	larch_block_t block;
	size_t emitted;           /* rows handed out so far */
	arena_t *arena;           /* names and byte cells */
};

int query_result_next(query_result_t *r, const larch_block_t **blk, larch_error_t *err)
{
	return r->ops->next(r, blk, err);
}

void query_result_free(query_result_t *r)
{
	if (r)
		r->ops->free(r);
}

query_table_t *query_table_new(size_t n_cols, int has_time)
{
	query_table_t *t = mem_calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->arena = arena_new(0);
	t->cols = mem_calloc(n_cols ? n_cols : 1, sizeof(*t->cols));
	t->block_cols = mem_calloc(n_cols ? n_cols : 1, sizeof(*t->block_cols));
	t->base.names = mem_calloc(n_cols ? n_cols : 1, sizeof(char *));
	t->base.types = mem_calloc(n_cols ? n_cols : 1, sizeof(tsfile_type_t));
	if (!t->arena || !t->cols || !t->block_cols || !t->base.names || !t->base.types) {
		query_table_free(t);
		return NULL;
	}
	t->base.n_cols = n_cols;
	t->base.has_time = has_time;
	return t;
}

void query_table_free(query_table_t *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->cols && i < t->base.n_cols; i++) {
		mem_free(t->cols[i].values);
		mem_free(t->cols[i].nulls);
	}
	mem_free(t->cols);
	mem_free(t->block_cols);
	mem_free(t->base.names);
	mem_free(t->base.types);
	mem_free(t->times);
	arena_free(t->arena);
	mem_free(t);
}

int query_table_set_column(query_table_t *t, size_t col, const char *name, tsfile_type_t type)
{
	if (col >= t->base.n_cols || t->n_rows)
		return LARCH_ILLEGAL_PARAMETER;
	t->base.names[col] = arena_strndup(t->arena, name, strlen(name));
	if (!t->base.names[col])
		return LARCH_NO_MEMORY;
	t->base.types[col] = type;
	t->cols[col].type = type;
	t->cols[col].elem = tsfile_type_size(type);
	return LARCH_OK;
}

size_t query_table_rows(const query_table_t *t)
{
	return t->n_rows;
}

/* Grow every array to hold `need` rows (capacity doubles). */
static int table_reserve(query_table_t *t, size_t need)
{
	size_t cap = t->cap ? t->cap : 64;

	if (need <= t->cap)
		return LARCH_OK;
	while (cap < need)
		cap *= 2;
	if (t->base.has_time) {
		int64_t *tm = mem_realloc(t->times, cap * sizeof(*tm));
		if (!tm)
			return LARCH_NO_MEMORY;
		t->times = tm;
	}
	for (size_t i = 0; i < t->base.n_cols; i++) {
		table_col_t *c = &t->cols[i];
		uint8_t *v = mem_realloc(c->values, cap * c->elem);
		if (!v)
			return LARCH_NO_MEMORY;
		c->values = v;
		uint8_t *n = mem_realloc(c->nulls, cap);
		if (!n)
			return LARCH_NO_MEMORY;
		c->nulls = n;
	}
	t->cap = cap;
	return LARCH_OK;
}

int query_table_add_row(query_table_t *t, int64_t time)
{
	for (size_t i = 0; i < t->base.n_cols; i++)
		if (!t->cols[i].elem)
			return LARCH_ILLEGAL_PARAMETER;
	int rc = table_reserve(t, t->n_rows + 1);
	if (rc)
		return rc;
	size_t r = t->n_rows++;
	if (t->base.has_time)
		t->times[r] = time;
	for (size_t i = 0; i < t->base.n_cols; i++) {
		memset(t->cols[i].values + r * t->cols[i].elem, 0, t->cols[i].elem);
		t->cols[i].nulls[r] = 1;
	}
	return LARCH_OK;
}

/* The cell of the last row in column col, marked non-null; NULL when there
 * is no row or no such column. */
static void *table_cell(query_table_t *t, size_t col)
{
	if (!t->n_rows || col >= t->base.n_cols)
		return NULL;
	t->cols[col].nulls[t->n_rows - 1] = 0;
	return t->cols[col].values + (t->n_rows - 1) * t->cols[col].elem;
}

/* Store a numeric value (given both as integer and double, `is_int` says
 * which is exact) into a numeric column, converting as a cast would. */
static int table_put_number(query_table_t *t, size_t col, int64_t i, double d, int is_int)
{
	if (col >= t->base.n_cols)
		return LARCH_ILLEGAL_PARAMETER;
	tsfile_type_t type = t->cols[col].type;
	void *cell;

	switch (type) {
	case TSFILE_BOOLEAN:
	case TSFILE_INT32:
	case TSFILE_DATE:
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE:
		break;
	default:
		return LARCH_DATA_TYPE_MISMATCH;
	}
	cell = table_cell(t, col);
	if (!cell)
		return LARCH_ILLEGAL_PARAMETER;
	switch (type) {
	case TSFILE_BOOLEAN:
		*(uint8_t *)cell = is_int ? i != 0 : d != 0;
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		*(int32_t *)cell = (int32_t)(is_int ? i : (int64_t)d);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		*(int64_t *)cell = is_int ? i : (int64_t)d;
		break;
	case TSFILE_FLOAT:
		*(float *)cell = (float)(is_int ? (double)i : d);
		break;
	default:
		*(double *)cell = is_int ? (double)i : d;
		break;
	}
	return LARCH_OK;
}

int query_table_set_i64(query_table_t *t, size_t col, int64_t v)
{
	return table_put_number(t, col, v, (double)v, 1);
}

int query_table_set_f64(query_table_t *t, size_t col, double v)
{
	return table_put_number(t, col, 0, v, 0);
}

int query_table_set_bool(query_table_t *t, size_t col, int v)
{
	return table_put_number(t, col, v != 0, v != 0, 1);
}

int query_table_set_text(query_table_t *t, size_t col, const char *s, size_t len)
{
	if (col >= t->base.n_cols || len > UINT32_MAX)
		return LARCH_ILLEGAL_PARAMETER;
	tsfile_type_t type = t->cols[col].type;
	if (type != TSFILE_TEXT && type != TSFILE_STRING && type != TSFILE_BLOB)
		return LARCH_DATA_TYPE_MISMATCH;
	char *copy = arena_alloc(t->arena, len ? len : 1);
	if (!copy)
		return LARCH_NO_MEMORY;
	memcpy(copy, s, len);
	tsfile_bytes_t *cell = table_cell(t, col);
	if (!cell)
		return LARCH_ILLEGAL_PARAMETER;
	cell->ptr = copy;
	cell->len = (uint32_t)len;
	return LARCH_OK;
}

int query_table_set_value(query_table_t *t, size_t col, const tsfile_value_t *v)
{
	if (v->is_null)
		return col < t->base.n_cols && t->n_rows ? LARCH_OK : LARCH_ILLEGAL_PARAMETER;
	switch (v->type) {
	case TSFILE_BOOLEAN:
		return query_table_set_bool(t, col, v->v.b);
	case TSFILE_INT32:
	case TSFILE_DATE:
		return query_table_set_i64(t, col, v->v.i32);
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		return query_table_set_i64(t, col, v->v.i64);
	case TSFILE_FLOAT:
		return query_table_set_f64(t, col, v->v.f);
	case TSFILE_DOUBLE:
		return query_table_set_f64(t, col, v->v.d);
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB:
		return query_table_set_text(t, col, v->v.bytes.ptr, v->v.bytes.len);
	default:
		return LARCH_DATA_TYPE_MISMATCH;
	}
}

static int table_next(query_result_t *r, const larch_block_t **blk, larch_error_t *err)
{
	query_table_t *t = (query_table_t *)r;
	size_t from = t->emitted;
	size_t n = LR_MIN(t->n_rows - from, (size_t)QUERY_TABLE_BLOCK_ROWS);

	(void)err;
	if (!n)
		return LARCH_DONE;
	for (size_t i = 0; i < t->base.n_cols; i++) {
		table_col_t *c = &t->cols[i];
		t->block_cols[i].type = c->type;
		t->block_cols[i].values = c->values + from * c->elem;
		t->block_cols[i].nulls = c->nulls + from;
	}
	t->block.n_rows = n;
	t->block.times = t->base.has_time ? t->times + from : NULL;
	t->block.n_columns = t->base.n_cols;
	t->block.columns = t->block_cols;
	t->emitted += n;
	*blk = &t->block;
	return LARCH_OK;
}

static void table_result_free(query_result_t *r)
{
	query_table_free((query_table_t *)r);
}

static const query_result_ops_t table_ops = { table_next, table_result_free };

int query_table_finish(query_table_t *t, query_result_t **out, larch_error_t *err)
{
	for (size_t i = 0; i < t->base.n_cols; i++)
		if (!t->cols[i].elem) {
			query_table_free(t);
			return err_set(err, LARCH_INTERNAL_ERROR, "result column %zu has no type", i);
		}
	t->base.ops = &table_ops;
	*out = &t->base;
	return LARCH_OK;
}

int query_result_empty(query_result_t **out, larch_error_t *err)
{
	query_table_t *t = query_table_new(0, 0);

	if (!t)
		return err_set(err, LARCH_NO_MEMORY, "out of memory for a result");
	return query_table_finish(t, out, err);
}
