/*
 * write.c — the client's writes: records (typed and string, one row, many
 * rows of any devices, many rows of one device), tablets and deleteData.
 *
 * Payloads are serialized straight into the session's request buffer: the
 * exact size of a values blob is computed first, its Thrift length
 * written, then the bytes stored in place (big-endian).  For tablets the
 * buffer is reserved for the whole request before anything is written, so
 * it grows (doubling) at most once.
 *
 * Record values blob (insertRecord/insertRecords.values), per non-null
 * point in order:
 *   u8 TSDataType | value: BOOLEAN 1 byte, INT32/DATE/FLOAT 4, INT64/
 *   TIMESTAMP/DOUBLE 8, TEXT/STRING/BLOB i32 length + bytes
 * Tablet values blob (insertTablet.values): column after column, `rows`
 * entries each (null rows hold 0 / an empty string), then, when any value
 * is null, the bitmap trailer: per column u8 flag (1 = bitmap follows) and
 * rows/8+1 bytes, row r = bit 1 << r%8 of byte r/8, set = null.
 * Tablet timestamps blob: rows x i64.
 */
#include <stdlib.h>

#include "client/client_int.h"

/*---------------------------------------------------------------------------
 * Typed values
 *---------------------------------------------------------------------------*/

static int type_ok(tsfile_type_t t)
{
	return cl_physical_type(t) >= 0;
}

/* Bytes of one value in a record blob, type byte excluded. */
static size_t value_size(const tsfile_value_t *v)
{
	switch (cl_physical_type(v->type)) {
	case 0: return 1;
	case 1: case 3: return 4;
	case 2: case 4: return 8;
	default: return 4 + (size_t)v->v.bytes.len;
	}
}

/* Store type byte + value at p; returns the bytes written. */
static size_t put_value(uint8_t *p, const tsfile_value_t *v)
{
	uint32_t u32;
	uint64_t u64;

	p[0] = (uint8_t)v->type;
	switch (v->type) {
	case TSFILE_BOOLEAN:
		p[1] = (uint8_t)(v->v.b != 0);
		return 2;
	case TSFILE_INT32: case TSFILE_DATE:
		store_be32(p + 1, (uint32_t)v->v.i32);
		return 5;
	case TSFILE_FLOAT:
		memcpy(&u32, &v->v.f, 4);
		store_be32(p + 1, u32);
		return 5;
	case TSFILE_INT64: case TSFILE_TIMESTAMP:
		store_be64(p + 1, (uint64_t)v->v.i64);
		return 9;
	case TSFILE_DOUBLE:
		memcpy(&u64, &v->v.d, 8);
		store_be64(p + 1, u64);
		return 9;
	default:
		store_be32(p + 1, v->v.bytes.len);
		if (v->v.bytes.len)
			memcpy(p + 5, v->v.bytes.ptr, v->v.bytes.len);
		return 5 + v->v.bytes.len;
	}
}

static int check_points(const tsfile_point_t *pts, size_t n, larch_error_t *err)
{
	if (n && !pts)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "points array is NULL");
	for (size_t i = 0; i < n; i++) {
		const tsfile_value_t *v = &pts[i].value;
		if (!pts[i].measurement || !type_ok(v->type))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "point %zu: no measurement name or bad type %d", i, (int)v->type);
		if (!v->is_null && cl_physical_type(v->type) == 5 && v->v.bytes.len &&
		    !v->v.bytes.ptr)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "point %zu: text without bytes", i);
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Rows (records)
 *---------------------------------------------------------------------------*/

/* The rows of one call: typed (recs) or string (srecs) records, the ones
 * holding a value listed in send order in idx. */
typedef struct rows {
	const larch_record_t *recs;
	const larch_string_record_t *srecs;
	size_t *idx;
	size_t n;
	const char *device;   /* one device for all rows, or NULL */
	int aligned;
} rows_t;

static size_t row_points(const rows_t *R, size_t i)
{
	return R->recs ? R->recs[i].n_points : R->srecs[i].n;
}

static int row_has(const rows_t *R, size_t i, size_t k)
{
	return R->recs ? !R->recs[i].points[k].value.is_null : R->srecs[i].values[k] != NULL;
}

static const char *row_name(const rows_t *R, size_t i, size_t k)
{
	return R->recs ? R->recs[i].points[k].measurement : R->srecs[i].measurements[k];
}

static int64_t row_time(const rows_t *R, size_t i)
{
	return R->recs ? R->recs[i].time : R->srecs[i].time;
}

static const char *row_device(const rows_t *R, size_t i)
{
	return R->recs ? R->recs[i].device : R->srecs[i].device;
}

static size_t row_count(const rows_t *R, size_t i)
{
	size_t c = 0;
	for (size_t k = 0; k < row_points(R, i); k++)
		c += (size_t)row_has(R, i, k);
	return c;
}

/* list<string> of the measurements holding a value. */
static void write_row_names(rpc_writer_t *w, const rows_t *R, size_t i)
{
	rpc_write_list_begin(w, RPC_T_STRING, row_count(R, i));
	for (size_t k = 0; k < row_points(R, i); k++)
		if (row_has(R, i, k))
			rpc_write_string(w, row_name(R, i, k));
}

/* The row's values: a binary blob (typed) or a list<string>. */
static void write_row_values(rpc_writer_t *w, const rows_t *R, size_t i)
{
	if (R->srecs) {
		rpc_write_list_begin(w, RPC_T_STRING, row_count(R, i));
		for (size_t k = 0; k < R->srecs[i].n; k++)
			if (R->srecs[i].values[k])
				rpc_write_string(w, R->srecs[i].values[k]);
		return;
	}
	const larch_record_t *r = &R->recs[i];
	size_t size = 0;
	for (size_t k = 0; k < r->n_points; k++)
		if (!r->points[k].value.is_null)
			size += 1 + value_size(&r->points[k].value);
	cl_write_binary_len(w, size);
	uint8_t *p = buf_extend(w->out, size);
	for (size_t k = 0; p && k < r->n_points; k++)
		if (!r->points[k].value.is_null)
			p += put_value(p, &r->points[k].value);
}

/* insertRecord / insertStringRecord: 1 sessionId | 2 prefixPath | 3
 * measurements | 4 values | 5 timestamp | 6 isAligned. */
static void record_args(larch_session_t *s, rpc_writer_t *w, const void *arg)
{
	const rows_t *R = arg;
	size_t i = R->idx[0];

	rpc_write_field(w, RPC_T_STRUCT, 1);
	rpc_write_struct_begin(w);
	rpc_write_field_i64(w, 1, s->session_id);
	rpc_write_field_string(w, 2, R->device);
	rpc_write_field(w, RPC_T_LIST, 3);
	write_row_names(w, R, i);
	rpc_write_field(w, R->srecs ? RPC_T_LIST : RPC_T_STRING, 4);
	write_row_values(w, R, i);
	rpc_write_field_i64(w, 5, row_time(R, i));
	rpc_write_field_bool(w, 6, R->aligned);
	rpc_write_struct_end(w);
}

/* insert(String)Records(OfOneDevice): 1 sessionId | 2 prefixPath(s) |
 * 3 measurementsList | 4 valuesList | 5 timestamps | 6 isAligned. */
static void records_args(larch_session_t *s, rpc_writer_t *w, const void *arg)
{
	const rows_t *R = arg;

	rpc_write_field(w, RPC_T_STRUCT, 1);
	rpc_write_struct_begin(w);
	rpc_write_field_i64(w, 1, s->session_id);
	if (R->device) {
		rpc_write_field_string(w, 2, R->device);
	} else {
		rpc_write_field(w, RPC_T_LIST, 2);
		rpc_write_list_begin(w, RPC_T_STRING, R->n);
		for (size_t j = 0; j < R->n; j++)
			rpc_write_string(w, row_device(R, R->idx[j]));
	}
	rpc_write_field(w, RPC_T_LIST, 3);
	rpc_write_list_begin(w, RPC_T_LIST, R->n);
	for (size_t j = 0; j < R->n; j++)
		write_row_names(w, R, R->idx[j]);
	rpc_write_field(w, RPC_T_LIST, 4);
	rpc_write_list_begin(w, R->srecs ? RPC_T_LIST : RPC_T_STRING, R->n);
	for (size_t j = 0; j < R->n; j++)
		write_row_values(w, R, R->idx[j]);
	rpc_write_field(w, RPC_T_LIST, 5);
	rpc_write_list_begin(w, RPC_T_I64, R->n);
	for (size_t j = 0; j < R->n; j++)
		rpc_write_i64(w, row_time(R, R->idx[j]));
	rpc_write_field_bool(w, 6, R->aligned);
	rpc_write_struct_end(w);
}

typedef struct time_key {
	int64_t t;
	size_t i;
} time_key_t;

static int cmp_time_key(const void *a, const void *b)
{
	const time_key_t *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Stable sort of idx[0..n) by times[idx[k]] (times read through get). */
static int sort_by_time(size_t *idx, size_t n, int64_t (*get)(const void *, size_t),
			const void *ctx)
{
	time_key_t *k = mem_alloc(n * sizeof *k);
	if (!k)
		return LARCH_NO_MEMORY;
	for (size_t j = 0; j < n; j++)
		k[j] = (time_key_t){ get(ctx, idx[j]), idx[j] };
	qsort(k, n, sizeof *k, cmp_time_key);
	for (size_t j = 0; j < n; j++)
		idx[j] = k[j].i;
	mem_free(k);
	return LARCH_OK;
}

static int64_t rows_time_at(const void *ctx, size_t i)
{
	return row_time(ctx, i);
}

static int check_rows(const rows_t *R, size_t n, larch_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		int rc;
		if (!R->device && !row_device(R, i))
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "record %zu has no device", i);
		if (R->recs) {
			rc = check_points(R->recs[i].points, R->recs[i].n_points, err);
		} else {
			const larch_string_record_t *r = &R->srecs[i];
			rc = r->n && (!r->measurements || !r->values)
				? err_set(err, LARCH_ILLEGAL_PARAMETER, "string record %zu: NULL arrays", i)
				: LARCH_OK;
			for (size_t k = 0; !rc && k < r->n; k++)
				if (!r->measurements[k])
					rc = err_set(err, LARCH_ILLEGAL_PARAMETER,
						     "string record %zu: measurement %zu is NULL", i, k);
		}
		if (rc) {
			err_prefix(err, "record %zu", i);
			return rc;
		}
	}
	return LARCH_OK;
}

/* Check the rows, list those holding a value (in time order when order is
 * 1; sorted == 2 requires ascending times), and send them with `method`
 * (record_args for the one-row calls). */
static int send_rows(larch_session_t *s, rows_t *R, size_t n, int order, const char *method,
		     cl_args_fn args, larch_error_t *err)
{
	cl_status_t st;
	int rc;

	if (n && !R->recs && !R->srecs)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "records array is NULL");
	rc = check_rows(R, n, err);
	if (rc)
		return rc;
	R->idx = mem_alloc((n ? n : 1) * sizeof *R->idx);
	if (!R->idx)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	R->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (order == 2 && i && row_time(R, i) < row_time(R, i - 1)) {
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER,
				     "records are not sorted by time (record %zu)", i);
			goto done;
		}
		if (row_count(R, i))
			R->idx[R->n++] = i;
	}
	if (order == 1 && sort_by_time(R->idx, R->n, rows_time_at, R)) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
		goto done;
	}
	if (R->n == 0)
		goto done;  /* nothing but nulls: nothing to send */
	rc = cl_call(s, method, args, R, cl_read_status_result, &st, CL_RETRY, err);
	if (!rc)
		rc = cl_status_check(&st, err);
done:
	mem_free(R->idx);
	return rc;
}

int larch_session_insert_record(larch_session_t *s, const char *device, int64_t time,
				const tsfile_point_t *points, size_t n, int aligned,
				larch_error_t *err)
{
	larch_record_t rec = { device, time, points, n };
	rows_t R = { .recs = &rec, .device = device, .aligned = aligned };
	if (!device)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no device given");
	return send_rows(s, &R, 1, 0, "insertRecord", record_args, err);
}

int larch_session_insert_records(larch_session_t *s, const larch_record_t *recs, size_t n,
				 int aligned, larch_error_t *err)
{
	rows_t R = { .recs = recs, .aligned = aligned };
	return send_rows(s, &R, n, 0, "insertRecords", records_args, err);
}

int larch_session_insert_records_of_one_device(larch_session_t *s, const char *device,
					       const larch_record_t *recs, size_t n, int sorted,
					       int aligned, larch_error_t *err)
{
	rows_t R = { .recs = recs, .device = device, .aligned = aligned };
	if (!device)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no device given");
	return send_rows(s, &R, n, sorted ? 2 : 1, "insertRecordsOfOneDevice", records_args, err);
}

int larch_session_insert_string_record(larch_session_t *s, const larch_string_record_t *rec,
				       int aligned, larch_error_t *err)
{
	rows_t R = { .srecs = rec, .device = rec ? rec->device : NULL, .aligned = aligned };
	if (!rec || !rec->device)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no record or device given");
	return send_rows(s, &R, 1, 0, "insertStringRecord", record_args, err);
}

int larch_session_insert_string_records(larch_session_t *s, const larch_string_record_t *recs,
					size_t n, int aligned, larch_error_t *err)
{
	rows_t R = { .srecs = recs, .aligned = aligned };
	return send_rows(s, &R, n, 0, "insertStringRecords", records_args, err);
}

int larch_session_insert_string_records_of_one_device(larch_session_t *s, const char *device,
						      const larch_string_record_t *recs, size_t n,
						      int aligned, larch_error_t *err)
{
	rows_t R = { .srecs = recs, .device = device, .aligned = aligned };
	if (!device)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no device given");
	return send_rows(s, &R, n, 1, "insertStringRecordsOfOneDevice", records_args, err);
}

/*---------------------------------------------------------------------------
 * Tablets
 *---------------------------------------------------------------------------*/

/* Per tablet: send order (NULL = as given), null columns, blob sizes. */
typedef struct tab {
	const tsfile_tablet_t *t;
	size_t *perm;
	uint8_t *col_null;     /* per column: holds a null */
	int any_null;
	size_t values_size;
} tab_t;

typedef struct tabs {
	tab_t *v;
	size_t n;
	int aligned;
	size_t total;          /* estimated request size */
} tabs_t;

static int64_t tablet_time_at(const void *ctx, size_t i)
{
	return ((const tsfile_tablet_t *)ctx)->times[i];
}

static int check_tablet(const tsfile_tablet_t *t, larch_error_t *err)
{
	if (!t->target || t->n_rows > INT32_MAX || (t->n_rows && !t->times) ||
	    (t->n_columns && !t->columns))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet: no device, NULL arrays or more than INT32_MAX rows");
	for (size_t c = 0; c < t->n_columns; c++) {
		const tsfile_column_t *col = &t->columns[c];
		if (!col->name || !type_ok(col->type) || (t->n_rows && !col->values))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet %s: column %zu has no name, a bad type or no values",
				       t->target, c);
	}
	return LARCH_OK;
}

/* Nulls, sizes and order of one tablet. */
static int tab_prepare(tab_t *b, const tsfile_tablet_t *t)
{
	size_t rows = t->n_rows, size = 0;
	int sorted = 1;

	b->t = t;
	b->col_null = mem_calloc(t->n_columns ? t->n_columns : 1, 1);
	if (!b->col_null)
		return LARCH_NO_MEMORY;
	for (size_t c = 0; c < t->n_columns; c++) {
		const tsfile_column_t *col = &t->columns[c];
		for (size_t i = 0; col->is_null && i < rows && !b->col_null[c]; i++)
			b->col_null[c] = col->is_null[i] != 0;
		b->any_null |= b->col_null[c];
		if (cl_physical_type(col->type) == 5) {
			const tsfile_bytes_t *v = col->values;
			size += 4 * rows;
			for (size_t i = 0; i < rows; i++)
				if (!col->is_null || !col->is_null[i])
					size += v[i].len;
		} else {
			size += rows * tsfile_type_size(col->type);
		}
	}
	for (size_t c = 0; b->any_null && c < t->n_columns; c++)
		size += 1 + (b->col_null[c] ? rows / 8 + 1 : 0);
	b->values_size = size;
	for (size_t i = 1; i < rows && sorted; i++)
		sorted = t->times[i] >= t->times[i - 1];
	if (sorted)
		return LARCH_OK;
	b->perm = mem_alloc(rows * sizeof *b->perm);
	if (!b->perm)
		return LARCH_NO_MEMORY;
	for (size_t i = 0; i < rows; i++)
		b->perm[i] = i;
	return sort_by_time(b->perm, rows, tablet_time_at, t);
}

static void tabs_free(tabs_t *T)
{
	for (size_t i = 0; T->v && i < T->n; i++) {
		mem_free(T->v[i].perm);
		mem_free(T->v[i].col_null);
	}
	mem_free(T->v);
}

static int tabs_init(tabs_t *T, const tsfile_tablet_t *t, size_t n, int aligned,
		     larch_error_t *err)
{
	memset(T, 0, sizeof *T);
	T->aligned = aligned;
	if (!t || !n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no tablets given");
	for (size_t i = 0; i < n; i++) {
		int rc = check_tablet(&t[i], err);
		if (rc)
			return rc;
	}
	T->v = mem_calloc(n, sizeof *T->v);
	if (!T->v)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	T->n = n;
	T->total = 256;
	for (size_t i = 0; i < n; i++) {
		if (tab_prepare(&T->v[i], &t[i])) {
			tabs_free(T);
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		}
		T->total += T->v[i].values_size + 8 * t[i].n_rows + strlen(t[i].target) + 32;
		for (size_t c = 0; c < t[i].n_columns; c++)
			T->total += strlen(t[i].columns[c].name) + 10;
	}
	return LARCH_OK;
}

/* One column's `rows` entries in send order, at p; returns the end. */
static uint8_t *put_column(uint8_t *p, const tsfile_column_t *col, size_t rows,
			   const size_t *perm)
{
	const uint8_t *raw = col->values;
	switch (cl_physical_type(col->type) == 5 ? 0 : tsfile_type_size(col->type)) {
	case 1:
		for (size_t i = 0; i < rows; i++)
			*p++ = raw[perm ? perm[i] : i] != 0;
		return p;
	case 4:
		for (size_t i = 0; i < rows; i++, p += 4) {
			uint32_t u;
			memcpy(&u, raw + 4 * (perm ? perm[i] : i), 4);
			store_be32(p, u);
		}
		return p;
	case 8:
		for (size_t i = 0; i < rows; i++, p += 8) {
			uint64_t u;
			memcpy(&u, raw + 8 * (perm ? perm[i] : i), 8);
			store_be64(p, u);
		}
		return p;
	default: {
		const tsfile_bytes_t *v = col->values;
		for (size_t i = 0; i < rows; i++) {
			size_t j = perm ? perm[i] : i;
			uint32_t len = col->is_null && col->is_null[j] ? 0 : v[j].len;
			store_be32(p, len);
			if (len)
				memcpy(p + 4, v[j].ptr, len);
			p += 4 + len;
		}
		return p;
	}
	}
}

/* The values blob of one tablet (field header or list element length
 * written by the caller's choice of `id`: 0 = list element). */
static void write_tablet_values(rpc_writer_t *w, int16_t id, const tab_t *b)
{
	const tsfile_tablet_t *t = b->t;
	size_t rows = t->n_rows, bm = rows / 8 + 1;
	uint8_t *p;

	if (id)
		cl_write_binary_begin(w, id, b->values_size);
	else
		cl_write_binary_len(w, b->values_size);
	p = buf_extend(w->out, b->values_size);
	if (!p)
		return;
	for (size_t c = 0; c < t->n_columns; c++)
		p = put_column(p, &t->columns[c], rows, b->perm);
	for (size_t c = 0; b->any_null && c < t->n_columns; c++) {
		const uint8_t *nulls = t->columns[c].is_null;
		*p++ = b->col_null[c];
		if (!b->col_null[c])
			continue;
		memset(p, 0, bm);
		for (size_t i = 0; i < rows; i++)
			if (nulls[b->perm ? b->perm[i] : i])
				p[i >> 3] |= (uint8_t)(1u << (i & 7));
		p += bm;
	}
}

static void write_tablet_times(rpc_writer_t *w, int16_t id, const tab_t *b)
{
	size_t rows = b->t->n_rows;
	uint8_t *p;
	if (id)
		cl_write_binary_begin(w, id, 8 * rows);
	else
		cl_write_binary_len(w, 8 * rows);
	p = buf_extend(w->out, 8 * rows);
	for (size_t i = 0; p && i < rows; i++)
		store_be64(p + 8 * i, (uint64_t)b->t->times[b->perm ? b->perm[i] : i]);
}

static void write_tablet_names(rpc_writer_t *w, const tsfile_tablet_t *t)
{
	rpc_write_list_begin(w, RPC_T_STRING, t->n_columns);
	for (size_t c = 0; c < t->n_columns; c++)
		rpc_write_string(w, t->columns[c].name);
}

static void write_tablet_types(rpc_writer_t *w, const tsfile_tablet_t *t)
{
	rpc_write_list_begin(w, RPC_T_I32, t->n_columns);
	for (size_t c = 0; c < t->n_columns; c++)
		rpc_write_i32(w, (int32_t)t->columns[c].type);
}

/* insertTablet: 1 sessionId | 2 prefixPath | 3 measurements | 4 values |
 * 5 timestamps | 6 types | 7 size | 8 isAligned. */
static void tablet_args(larch_session_t *s, rpc_writer_t *w, const void *arg)
{
	const tabs_t *T = arg;
	const tab_t *b = &T->v[0];

	buf_reserve(w->out, T->total);
	rpc_write_field(w, RPC_T_STRUCT, 1);
	rpc_write_struct_begin(w);
	rpc_write_field_i64(w, 1, s->session_id);
	rpc_write_field_string(w, 2, b->t->target);
	rpc_write_field(w, RPC_T_LIST, 3);
	write_tablet_names(w, b->t);
	write_tablet_values(w, 4, b);
	write_tablet_times(w, 5, b);
	rpc_write_field(w, RPC_T_LIST, 6);
	write_tablet_types(w, b->t);
	rpc_write_field_i32(w, 7, (int32_t)b->t->n_rows);
	rpc_write_field_bool(w, 8, T->aligned);
	rpc_write_struct_end(w);
}

/* insertTablets: 1 sessionId | 2 prefixPaths | 3 measurementsList | 4
 * valuesList | 5 timestampsList | 6 typesList | 7 sizeList | 8 isAligned. */
static void tablets_args(larch_session_t *s, rpc_writer_t *w, const void *arg)
{
	const tabs_t *T = arg;

	buf_reserve(w->out, T->total);
	rpc_write_field(w, RPC_T_STRUCT, 1);
	rpc_write_struct_begin(w);
	rpc_write_field_i64(w, 1, s->session_id);
	rpc_write_field(w, RPC_T_LIST, 2);
	rpc_write_list_begin(w, RPC_T_STRING, T->n);
	for (size_t i = 0; i < T->n; i++)
		rpc_write_string(w, T->v[i].t->target);
	rpc_write_field(w, RPC_T_LIST, 3);
	rpc_write_list_begin(w, RPC_T_LIST, T->n);
	for (size_t i = 0; i < T->n; i++)
		write_tablet_names(w, T->v[i].t);
	rpc_write_field(w, RPC_T_LIST, 4);
	rpc_write_list_begin(w, RPC_T_STRING, T->n);
	for (size_t i = 0; i < T->n; i++)
		write_tablet_values(w, 0, &T->v[i]);
	rpc_write_field(w, RPC_T_LIST, 5);
	rpc_write_list_begin(w, RPC_T_STRING, T->n);
	for (size_t i = 0; i < T->n; i++)
		write_tablet_times(w, 0, &T->v[i]);
	rpc_write_field(w, RPC_T_LIST, 6);
	rpc_write_list_begin(w, RPC_T_LIST, T->n);
	for (size_t i = 0; i < T->n; i++)
		write_tablet_types(w, T->v[i].t);
	rpc_write_field(w, RPC_T_LIST, 7);
	rpc_write_list_begin(w, RPC_T_I32, T->n);
	for (size_t i = 0; i < T->n; i++)
		rpc_write_i32(w, (int32_t)T->v[i].t->n_rows);
	rpc_write_field_bool(w, 8, T->aligned);
	rpc_write_struct_end(w);
}

static int send_tablets(larch_session_t *s, const tsfile_tablet_t *t, size_t n, int aligned,
			const char *method, cl_args_fn args, larch_error_t *err)
{
	cl_status_t st;
	tabs_t T;
	int rc = tabs_init(&T, t, n, aligned, err);
	if (rc)
		return rc;
	rc = cl_call(s, method, args, &T, cl_read_status_result, &st, CL_RETRY, err);
	if (!rc)
		rc = cl_status_check(&st, err);
	tabs_free(&T);
	return rc;
}

int larch_session_insert_tablet(larch_session_t *s, const tsfile_tablet_t *t, int aligned,
				larch_error_t *err)
{
	return send_tablets(s, t, t ? 1 : 0, aligned, "insertTablet", tablet_args, err);
}

int larch_session_insert_tablets(larch_session_t *s, const tsfile_tablet_t *tablets, size_t n,
				 int aligned, larch_error_t *err)
{
	return send_tablets(s, tablets, n, aligned, "insertTablets", tablets_args, err);
}

/*---------------------------------------------------------------------------
 * deleteData: 1 sessionId | 2 paths | 3 startTime | 4 endTime (inclusive)
 *---------------------------------------------------------------------------*/

int larch_session_delete_data(larch_session_t *s, const char *const *paths, size_t n,
			      int64_t start, int64_t end, larch_error_t *err)
{
	cl_field_t f[] = { { .id = 2, .kind = CL_F_STRS, .p = paths, .n = n },
			   { .id = 3, .kind = CL_F_I64, .v = start },
			   { .id = 4, .kind = CL_F_I64, .v = end } };
	if (!paths || !n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no paths given");
	for (size_t i = 0; i < n; i++)
		if (!paths[i])
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "path %zu is NULL", i);
	return cl_call_status(s, "deleteData", f, 3, CL_WRAP, err);
}
