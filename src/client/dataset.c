/*
 * dataset.c — query execution (execute*StatementV2) and result sets: the
 * reply's TsBlocks decoded batch by batch (fetchResultsV2 while the server
 * says moreData), rows and column blocks with typed accessors, and
 * closeOperation.  A data set owns the reply frame its TsBlocks live in
 * (taken from the session, so the session can make other calls while the
 * data set is open) and two arenas: metadata for its lifetime, decoded
 * columns per batch.
 */
#include <stdio.h>

#include "client/client_int.h"

#define MAX_EMPTY_FETCHES 1000  /* empty batches with moreData in a row */

/* A decoded TsBlock seen through the data set's columns. */
typedef struct ds_block {
	size_t n_rows;
	const int64_t *times;
	larch_column_t *cols;     /* n_cols, logical types */
} ds_block_t;

struct larch_dataset {
	larch_session_t *s;       /* NULL once the session is gone */
	larch_dataset_t *next;    /* the session's open data sets */
	const char *sql;
	int64_t query_id;
	int has_query_id;
	int more_data;
	int has_time;
	size_t n_cols;
	char **names;
	tsfile_type_t *types;
	int32_t *map;             /* TsBlock value column of each column, NULL: identity */
	arena_t *meta;
	arena_t *batch;
	buf_t frame;
	ds_block_t *blocks;
	size_t n_blocks;
	size_t cur, pos, row;     /* current block, its next row, the current row */
	int on_row;
	larch_block_t view;
	larch_column_t *view_cols;
};

static int proto_err(larch_error_t *err, const char *what)
{
	return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "query result: %s", what);
}

/* Decode the TsBlocks of a reply (pointing into ds->frame) into ds->blocks;
 * blocks of zero rows are dropped. */
static int load_batch(larch_dataset_t *ds, const rpc_bin_t *bins, size_t n, larch_error_t *err)
{
	arena_reset(ds->batch);
	ds->blocks = arena_calloc(ds->batch, n ? n : 1, sizeof *ds->blocks);
	ds->n_blocks = ds->cur = ds->pos = 0;
	ds->on_row = 0;
	if (!ds->blocks)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t b = 0; b < n; b++) {
		cl_tsblock_t tb;
		ds_block_t *d = &ds->blocks[ds->n_blocks];
		int rc = cl_tsblock_decode(bins[b].ptr, bins[b].len, ds->batch, &tb, err);
		if (rc)
			return rc;
		if (!tb.n_rows)
			continue;
		d->n_rows = tb.n_rows;
		d->times = tb.times;
		d->cols = arena_calloc(ds->batch, ds->n_cols ? ds->n_cols : 1, sizeof *d->cols);
		if (!d->cols)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		for (size_t i = 0; i < ds->n_cols; i++) {
			size_t k = ds->map ? (size_t)ds->map[i] : i;
			if (k >= tb.n_cols)
				return proto_err(err, "a column has no TsBlock column");
			if ((int)tb.cols[k].type != cl_physical_type(ds->types[i]))
				return proto_err(err, "TsBlock column type differs from dataTypeList");
			d->cols[i] = tb.cols[k];
			d->cols[i].type = ds->types[i];
		}
		ds->n_blocks++;
	}
	return LARCH_OK;
}

/* Take the session's reply frame (the TsBlocks point into it). */
static void take_frame(larch_dataset_t *ds)
{
	buf_t t = ds->frame;
	ds->frame = ds->s->in;
	ds->s->in = t;
}

static int copy_meta(larch_dataset_t *ds, const cl_exec_resp_t *r, const char *sql,
		     larch_error_t *err)
{
	arena_t *a = ds->meta;
	size_t n = r->n_columns;

	if (r->n_types != n)
		return proto_err(err, "dataTypeList and columns differ in length");
	if (r->col_map && r->n_col_map != n)
		return proto_err(err, "columnIndex2TsBlockColumnIndexList has the wrong length");
	ds->n_cols = n;
	ds->sql = arena_strndup(a, sql, strlen(sql));
	ds->names = arena_calloc(a, n, sizeof *ds->names);
	ds->types = arena_calloc(a, n, sizeof *ds->types);
	ds->view_cols = arena_calloc(a, n, sizeof *ds->view_cols);
	ds->map = r->col_map ? arena_calloc(a, n, sizeof *ds->map) : NULL;
	if (!ds->sql || !ds->names || !ds->types || !ds->view_cols || (r->col_map && !ds->map))
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int t = tsfile_type_parse(r->types[i]);
		if (t < 0 || cl_physical_type((tsfile_type_t)t) < 0)
			return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR,
				       "query result: unknown data type '%.40s'", r->types[i]);
		ds->types[i] = (tsfile_type_t)t;
		ds->names[i] = arena_strndup(a, r->columns[i], strlen(r->columns[i]));
		if (!ds->names[i])
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		if (ds->map) {
			if (r->col_map[i] < 0)
				return proto_err(err, "negative TsBlock column index");
			ds->map[i] = r->col_map[i];
		}
	}
	return LARCH_OK;
}

static void dataset_free(larch_dataset_t *ds)
{
	arena_free(ds->meta);
	arena_free(ds->batch);
	buf_free(&ds->frame);
	mem_free(ds);
}

static void unlink_dataset(larch_dataset_t *ds)
{
	for (larch_dataset_t **p = &ds->s->datasets; *p; p = &(*p)->next)
		if (*p == ds) {
			*p = ds->next;
			break;
		}
	ds->s = NULL;
}

int cl_dataset_new(larch_session_t *s, const cl_exec_resp_t *r, const char *sql,
		   larch_dataset_t **out, larch_error_t *err)
{
	larch_dataset_t *ds = mem_calloc(1, sizeof *ds);
	int rc;

	*out = NULL;
	if (!ds)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	buf_init(&ds->frame);
	ds->s = s;
	ds->meta = arena_new(4096);
	ds->batch = arena_new(0);
	rc = ds->meta && ds->batch ? copy_meta(ds, r, sql, err)
				   : err_set(err, LARCH_NO_MEMORY, "out of memory");
	if (!rc) {
		take_frame(ds);
		rc = load_batch(ds, r->blocks, r->n_blocks, err);
	}
	ds->query_id = r->query_id;
	ds->has_query_id = r->has_query_id;
	ds->more_data = r->more_data;
	ds->has_time = !r->ignore_time;
	ds->next = s->datasets;
	s->datasets = ds;
	if (rc) {
		larch_dataset_close(ds, NULL);
		return rc;
	}
	*out = ds;
	return LARCH_OK;
}

void cl_dataset_detach_all(larch_session_t *s)
{
	while (s->datasets)
		unlink_dataset(s->datasets);
}

int cl_execute(larch_session_t *s, const char *method, const char *sql, int64_t timeout_ms,
	       larch_dataset_t **out, larch_error_t *err)
{
	cl_field_t f[4] = {
		{ .id = 2, .kind = CL_F_STR, .p = sql },
		{ .id = 3, .kind = CL_F_STMT_ID },
		{ .id = 4, .kind = CL_F_I32, .v = s->o.fetch_size },
		{ .id = 5, .kind = CL_F_I64, .v = timeout_ms },
	};
	cl_exec_resp_t r;
	larch_dataset_t *ds = NULL;
	int rc;

	if (!sql)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no statement given");
	rc = cl_call_fields(s, method, f, timeout_ms > 0 ? 4 : 3, cl_read_exec_result, &r,
			    CL_WRAP | CL_RETRY, err);
	if (!rc)
		rc = cl_status_check(&r.status, err);
	if (!rc && r.columns && r.n_columns)
		rc = cl_dataset_new(s, &r, sql, &ds, err);
	if (out)
		*out = ds;
	else
		larch_dataset_close(ds, NULL);
	return rc;
}

/* fetchResultsV2(TSFetchResultsReq): 1 sessionId | 2 statement | 3
 * fetchSize | 4 queryId | 5 isAlign | 7 statementId.  Not retried. */
static int fetch(larch_dataset_t *ds, larch_error_t *err)
{
	larch_session_t *s = ds->s;
	cl_field_t f[] = {
		{ .id = 2, .kind = CL_F_STR, .p = ds->sql },
		{ .id = 3, .kind = CL_F_I32, .v = s ? s->o.fetch_size : 0 },
		{ .id = 4, .kind = CL_F_I64, .v = ds->query_id },
		{ .id = 5, .kind = CL_F_BOOL, .v = 1 },
		{ .id = 7, .kind = CL_F_STMT_ID },
	};
	cl_fetch_resp_t r;
	int rc;

	if (!s)
		return err_set(err, LARCH_CLIENT_CONNECTION_ERROR,
			       "fetching a result of a closed session");
	rc = cl_call_fields(s, "fetchResultsV2", f, LR_ARRAY_LEN(f), cl_read_fetch_result, &r,
			    CL_WRAP, err);
	if (!rc)
		rc = cl_status_check(&r.status, err);
	if (rc) {
		ds->more_data = 0;
		return rc;
	}
	take_frame(ds);
	ds->more_data = r.more_data;
	return load_batch(ds, r.blocks, r.n_blocks, err);
}

/* Position on a block with rows left (fetching as needed): LARCH_OK,
 * LARCH_DONE or an error. */
static int seek_rows(larch_dataset_t *ds, larch_error_t *err)
{
	int empty = 0;
	for (;;) {
		if (ds->cur < ds->n_blocks && ds->pos < ds->blocks[ds->cur].n_rows)
			return LARCH_OK;
		if (ds->cur < ds->n_blocks) {
			ds->cur++;
			ds->pos = 0;
			continue;
		}
		ds->on_row = 0;
		if (!ds->more_data)
			return LARCH_DONE;
		if (empty++ > MAX_EMPTY_FETCHES)
			return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR,
				       "query result: %d empty batches in a row", MAX_EMPTY_FETCHES);
		int rc = fetch(ds, err);
		if (rc)
			return rc;
	}
}

int larch_dataset_next(larch_dataset_t *ds, larch_error_t *err)
{
	int rc = seek_rows(ds, err);
	if (rc)
		return rc;
	ds->row = ds->pos++;
	ds->on_row = 1;
	return LARCH_OK;
}

int larch_dataset_next_block(larch_dataset_t *ds, const larch_block_t **blk,
			     larch_error_t *err)
{
	const ds_block_t *b;
	size_t off;
	int rc = seek_rows(ds, err);

	*blk = NULL;
	if (rc)
		return rc;
	b = &ds->blocks[ds->cur];
	off = ds->pos;
	for (size_t i = 0; i < ds->n_cols; i++) {
		const larch_column_t *c = &b->cols[i];
		ds->view_cols[i].type = c->type;
		ds->view_cols[i].values = (const uint8_t *)c->values + off * tsfile_type_size(c->type);
		ds->view_cols[i].nulls = c->nulls ? c->nulls + off : NULL;
	}
	ds->view.n_rows = b->n_rows - off;
	ds->view.times = ds->has_time ? b->times + off : NULL;
	ds->view.n_columns = ds->n_cols;
	ds->view.columns = ds->view_cols;
	ds->pos = b->n_rows;
	ds->row = b->n_rows - 1;
	ds->on_row = 1;
	*blk = &ds->view;
	return LARCH_OK;
}

int larch_dataset_close(larch_dataset_t *ds, larch_error_t *err)
{
	int rc = LARCH_OK;
	if (!ds)
		return LARCH_OK;
	if (ds->s && ds->has_query_id && ds->s->connected) {
		/* closeOperation: 1 sessionId | 2 queryId | 3 statementId */
		cl_field_t f[] = { { .id = 2, .kind = CL_F_I64, .v = ds->query_id },
				   { .id = 3, .kind = CL_F_STMT_ID } };
		cl_status_t st;
		rc = cl_call_fields(ds->s, "closeOperation", f, 2, cl_read_status_result, &st,
				    CL_WRAP, err);
		if (!rc)
			rc = cl_status_check(&st, err);
	}
	if (ds->s)
		unlink_dataset(ds);
	dataset_free(ds);
	return rc;
}

/*---------------------------------------------------------------------------
 * Metadata and accessors
 *---------------------------------------------------------------------------*/

size_t larch_dataset_column_count(const larch_dataset_t *ds)
{
	return ds->n_cols;
}

const char *larch_dataset_column_name(const larch_dataset_t *ds, size_t i)
{
	return i < ds->n_cols ? ds->names[i] : NULL;
}

tsfile_type_t larch_dataset_column_type(const larch_dataset_t *ds, size_t i)
{
	return i < ds->n_cols ? ds->types[i] : TSFILE_TEXT;
}

int larch_dataset_column_index(const larch_dataset_t *ds, const char *name)
{
	for (size_t i = 0; name && i < ds->n_cols; i++)
		if (!strcmp(ds->names[i], name))
			return (int)i;
	return -1;
}

int larch_dataset_has_time(const larch_dataset_t *ds)
{
	return ds->has_time;
}

int64_t larch_dataset_time(const larch_dataset_t *ds)
{
	const ds_block_t *b = ds->on_row ? &ds->blocks[ds->cur] : NULL;
	return b && b->times ? b->times[ds->row] : 0;
}

/* Column i of the current row, NULL when there is none. */
static const larch_column_t *cell(const larch_dataset_t *ds, size_t i)
{
	if (!ds->on_row || i >= ds->n_cols)
		return NULL;
	return &ds->blocks[ds->cur].cols[i];
}

int larch_dataset_is_null(const larch_dataset_t *ds, size_t i)
{
	const larch_column_t *c = cell(ds, i);
	return !c || (c->nulls && c->nulls[ds->row]);
}

void larch_dataset_get_value(const larch_dataset_t *ds, size_t i, tsfile_value_t *out)
{
	const larch_column_t *c = cell(ds, i);
	size_t r = ds->row;

	memset(out, 0, sizeof *out);
	out->type = larch_dataset_column_type(ds, i);
	if (larch_dataset_is_null(ds, i)) {
		out->is_null = 1;
		return;
	}
	switch (c->type) {
	case TSFILE_BOOLEAN: out->v.b = ((const uint8_t *)c->values)[r]; break;
	case TSFILE_INT32: case TSFILE_DATE: out->v.i32 = ((const int32_t *)c->values)[r]; break;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: out->v.i64 = ((const int64_t *)c->values)[r]; break;
	case TSFILE_FLOAT: out->v.f = ((const float *)c->values)[r]; break;
	case TSFILE_DOUBLE: out->v.d = ((const double *)c->values)[r]; break;
	default: out->v.bytes = ((const tsfile_bytes_t *)c->values)[r]; break;
	}
}

int64_t larch_dataset_get_int64(const larch_dataset_t *ds, size_t i)
{
	tsfile_value_t v;
	larch_dataset_get_value(ds, i, &v);
	switch (v.type) {
	case TSFILE_BOOLEAN: return v.v.b;
	case TSFILE_INT32: case TSFILE_DATE: return v.v.i32;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: return v.v.i64;
	default: return 0;
	}
}

int32_t larch_dataset_get_int32(const larch_dataset_t *ds, size_t i)
{
	tsfile_value_t v;
	larch_dataset_get_value(ds, i, &v);
	return v.type == TSFILE_BOOLEAN ? v.v.b
	       : v.type == TSFILE_INT32 || v.type == TSFILE_DATE ? v.v.i32 : 0;
}

double larch_dataset_get_double(const larch_dataset_t *ds, size_t i)
{
	tsfile_value_t v;
	larch_dataset_get_value(ds, i, &v);
	switch (v.type) {
	case TSFILE_FLOAT: return v.v.f;
	case TSFILE_DOUBLE: return v.v.d;
	default: return (double)larch_dataset_get_int64(ds, i);
	}
}

float larch_dataset_get_float(const larch_dataset_t *ds, size_t i)
{
	return (float)larch_dataset_get_double(ds, i);
}

int larch_dataset_get_bool(const larch_dataset_t *ds, size_t i)
{
	return larch_dataset_get_double(ds, i) != 0;
}

tsfile_bytes_t larch_dataset_get_bytes(const larch_dataset_t *ds, size_t i)
{
	tsfile_value_t v;
	tsfile_bytes_t none = { "", 0 };
	larch_dataset_get_value(ds, i, &v);
	return cl_physical_type(v.type) == 5 && !v.is_null ? v.v.bytes : none;
}

size_t larch_dataset_format(const larch_dataset_t *ds, size_t i, char *buf, size_t n)
{
	tsfile_value_t v;
	larch_dataset_get_value(ds, i, &v);
	if (v.is_null)
		return (size_t)snprintf(buf, n, "null");
	switch (v.type) {
	case TSFILE_BOOLEAN: return (size_t)snprintf(buf, n, "%s", v.v.b ? "true" : "false");
	case TSFILE_INT32: return (size_t)snprintf(buf, n, "%d", (int)v.v.i32);
	case TSFILE_DATE:
		return (size_t)snprintf(buf, n, "%04d-%02d-%02d", (int)(v.v.i32 / 10000),
					(int)(v.v.i32 / 100 % 100), (int)(v.v.i32 % 100));
	case TSFILE_INT64: case TSFILE_TIMESTAMP:
		return (size_t)snprintf(buf, n, "%lld", (long long)v.v.i64);
	case TSFILE_FLOAT: return (size_t)snprintf(buf, n, "%.7g", (double)v.v.f);
	case TSFILE_DOUBLE: return (size_t)snprintf(buf, n, "%.16g", v.v.d);
	case TSFILE_BLOB: {
		size_t need = 2 + 2 * (size_t)v.v.bytes.len, k;
		k = (size_t)snprintf(buf, n, "0x");
		for (uint32_t j = 0; j < v.v.bytes.len && k + 2 < n; j++)
			k += (size_t)snprintf(buf + k, n - k, "%02x", (uint8_t)v.v.bytes.ptr[j]);
		return need;
	}
	default:
		return (size_t)snprintf(buf, n, "%.*s", (int)v.v.bytes.len, v.v.bytes.ptr);
	}
}

/* By name: the first column called `name`; unknown names read as null. */
static size_t by_name(const larch_dataset_t *ds, const char *name)
{
	int i = larch_dataset_column_index(ds, name);
	return i < 0 ? ds->n_cols : (size_t)i;
}

int larch_dataset_is_null_by_name(const larch_dataset_t *ds, const char *name)
{
	return larch_dataset_is_null(ds, by_name(ds, name));
}

int larch_dataset_get_bool_by_name(const larch_dataset_t *ds, const char *name)
{
	return larch_dataset_get_bool(ds, by_name(ds, name));
}

int32_t larch_dataset_get_int32_by_name(const larch_dataset_t *ds, const char *name)
{
	return larch_dataset_get_int32(ds, by_name(ds, name));
}

int64_t larch_dataset_get_int64_by_name(const larch_dataset_t *ds, const char *name)
{
	return larch_dataset_get_int64(ds, by_name(ds, name));
}

float larch_dataset_get_float_by_name(const larch_dataset_t *ds, const char *name)
{
	return larch_dataset_get_float(ds, by_name(ds, name));
}

double larch_dataset_get_double_by_name(const larch_dataset_t *ds, const char *name)
{
	return larch_dataset_get_double(ds, by_name(ds, name));
}

tsfile_bytes_t larch_dataset_get_bytes_by_name(const larch_dataset_t *ds, const char *name)
{
	return larch_dataset_get_bytes(ds, by_name(ds, name));
}
