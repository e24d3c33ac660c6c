/*
 * payload.c — the binary payloads inside IoTDB write requests, parsed into
 * the engine's structures: insertRecord value blobs (tsfile_point_t),
 * tablets (tsfile_tablet_t, with the null-bitmap trailer) and schema
 * template blobs.  All integers big-endian; every count is checked against
 * the bytes that are really there before anything is allocated.
 */
#include "rpc/rpc.h"

/*---------------------------------------------------------------------------
 * insertRecord values: per measurement [type u8][value]
 *
 *   type            value
 *   0 BOOLEAN       u8 (0/1)
 *   1 INT32, 9 DATE i32 (DATE = yyyymmdd)
 *   2 INT64, 8 TS   i64
 *   3 FLOAT         f32 bits
 *   4 DOUBLE        f64 bits
 *   5 TEXT, 10 BLOB, 11 STRING   i32 length + bytes
 *   0xFF raw string i32 length + bytes (type inferred by the server)
 *   0xFE null       nothing
 *---------------------------------------------------------------------------*/

/* i32 length + bytes, the length checked against what is left. */
static tsfile_bytes_t read_sized(rd_t *r)
{
	tsfile_bytes_t b = {NULL, 0};
	int32_t n = (int32_t)rd_be32(r);
	if (n < 0 || (size_t)n > rd_left(r)) {
		r->bad = 1;
		return b;
	}
	b.ptr = (const char *)rd_bytes(r, (size_t)n);
	b.len = (uint32_t)n;
	return b;
}

int rpc_parse_record_values(rpc_bin_t blob, const char *const *names, size_t n,
			    tsfile_point_t *points, uint8_t *infer, larch_error_t *err)
{
	rd_t r;
	rd_init(&r, blob.ptr, blob.len, 0);
	for (size_t i = 0; i < n; i++) {
		tsfile_value_t *v = &points[i].value;
		size_t at = r.pos;
		uint8_t t = rd_u8(&r);
		memset(v, 0, sizeof *v);
		points[i].measurement = names[i];
		if (infer)
			infer[i] = 0;
		v->type = (tsfile_type_t)t;
		switch (t) {
		case TSFILE_BOOLEAN: v->v.b = rd_u8(&r) != 0; break;
		case TSFILE_INT32:
		case TSFILE_DATE: v->v.i32 = (int32_t)rd_be32(&r); break;
		case TSFILE_INT64:
		case TSFILE_TIMESTAMP: v->v.i64 = (int64_t)rd_be64(&r); break;
		case TSFILE_FLOAT: v->v.f = rd_f32(&r); break;
		case TSFILE_DOUBLE: v->v.d = rd_f64(&r); break;
		case TSFILE_TEXT:
		case TSFILE_BLOB:
		case TSFILE_STRING: v->v.bytes = read_sized(&r); break;
		case RPC_VALUE_RAW_STRING:
			if (!infer)
				return err_set(err, LARCH_ILLEGAL_PARAMETER,
					       "record values: untyped value for '%s' at byte %zu",
					       names[i], at);
			v->type = TSFILE_TEXT;
			v->v.bytes = read_sized(&r);
			infer[i] = 1;
			break;
		case RPC_VALUE_NULL:
			v->type = TSFILE_TEXT;
			v->is_null = 1;
			break;
		default:
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "record values: unknown type byte %u for '%s' at byte %zu",
				       t, names[i], at);
		}
		if (!rd_ok(&r))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "record values: value of '%s' truncated at byte %zu", names[i],
				       at);
	}
	if (rd_left(&r))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "record values: %zu bytes left after %zu values", rd_left(&r), n);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Tablets
 *
 *   timestamps  rows x i64
 *   values      column after column, rows entries each (nulls hold a dummy):
 *               BOOLEAN u8 | INT32, DATE i32 | INT64, TIMESTAMP i64 |
 *               FLOAT f32 | DOUBLE f64 | TEXT, STRING, BLOB i32 len + bytes
 *   trailer     optional (present iff bytes remain): per column
 *               u8 flag (1: bitmap follows) + rows/8+1 bytes, row r is bit
 *               (r % 8) of byte r / 8 (LSB first), bit set = null
 *---------------------------------------------------------------------------*/

static int type_supported(int32_t t)
{
	return (t >= TSFILE_BOOLEAN && t <= TSFILE_TEXT) ||
	       (t >= TSFILE_TIMESTAMP && t <= TSFILE_STRING);
}

static void load32_column(uint32_t *dst, const uint8_t *src, size_t rows)
{
	for (size_t i = 0; i < rows; i++)
		dst[i] = load_be32(src + 4 * i);
}

static void load64_column(uint64_t *dst, const uint8_t *src, size_t rows)
{
	for (size_t i = 0; i < rows; i++)
		dst[i] = load_be64(src + 8 * i);
}

/* Parse one column's `rows` values from r into a new arena array. */
static void *parse_column(rd_t *r, tsfile_type_t t, size_t rows, arena_t *a)
{
	size_t width = tsfile_type_size(t);
	if (t != TSFILE_TEXT && t != TSFILE_STRING && t != TSFILE_BLOB) {
		/* fixed width: the whole column must be there */
		const uint8_t *src = rows <= rd_left(r) / width ? rd_bytes(r, rows * width) : NULL;
		void *dst = src ? arena_alloc(a, rows * width + 1) : NULL;
		if (!dst) {
			r->bad = 1;
			return NULL;
		}
		if (width == 1) {
			uint8_t *b = dst;
			for (size_t i = 0; i < rows; i++)
				b[i] = src[i] != 0;
		} else if (width == 4) {
			load32_column(dst, src, rows);
		} else {
			load64_column(dst, src, rows);
		}
		return dst;
	}
	/* each text entry takes at least 4 bytes */
	tsfile_bytes_t *v = rows <= rd_left(r) / 4 ? arena_alloc(a, rows * sizeof *v + 1) : NULL;
	if (!v) {
		r->bad = 1;
		return NULL;
	}
	for (size_t i = 0; i < rows && rd_ok(r); i++)
		v[i] = read_sized(r);
	return v;
}

/* The bitmap trailer: fills columns' is_null (NULL where the flag is 0). */
static int parse_bitmaps(rd_t *r, tsfile_column_t *cols, size_t n_cols, size_t rows,
			 arena_t *a, larch_error_t *err)
{
	size_t nbytes = rows / 8 + 1;
	for (size_t c = 0; c < n_cols; c++) {
		size_t at = r->pos;
		uint8_t flag = rd_u8(r);
		if (flag > 1 || !rd_ok(r))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet: bad bitmap flag of column '%s' at byte %zu",
				       cols[c].name, at);
		if (!flag)
			continue;
		const uint8_t *bm = rd_bytes(r, nbytes);
		uint8_t *nulls = bm ? arena_alloc(a, rows + 1) : NULL;
		if (!nulls)
			return err_set(err, bm ? LARCH_NO_MEMORY : LARCH_ILLEGAL_PARAMETER,
				       "tablet: bitmap of column '%s' truncated at byte %zu",
				       cols[c].name, at);
		for (size_t i = 0; i < rows; i++)
			nulls[i] = (bm[i >> 3] >> (i & 7)) & 1;
		cols[c].is_null = nulls;
	}
	if (rd_left(r))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet: %zu bytes after the bitmap trailer", rd_left(r));
	return LARCH_OK;
}

int rpc_parse_tablet(const char *target, const rpc_strs_t *measurements,
		     const rpc_i32s_t *types, int32_t rows, rpc_bin_t times, rpc_bin_t values,
		     arena_t *a, rpc_tablet_t *out, larch_error_t *err)
{
	size_t n_cols = measurements->n;
	memset(out, 0, sizeof *out);
	if (types->n != n_cols)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': %zu measurements but %zu types", target, n_cols,
			       types->n);
	if (rows < 0 || (size_t)rows > times.len / 8)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': %d rows but %zu bytes of timestamps", target, rows,
			       times.len);
	size_t n = (size_t)rows;
	int64_t *ts = arena_alloc(a, n * 8 + 1);
	tsfile_column_t *cols = arena_calloc(a, n_cols + 1, sizeof *cols);
	if (!ts || !cols)
		return err_set(err, LARCH_NO_MEMORY, "tablet '%s': out of memory", target);
	load64_column((uint64_t *)ts, times.ptr, n);

	rd_t r;
	rd_init(&r, values.ptr, values.len, 0);
	for (size_t c = 0; c < n_cols; c++) {
		cols[c].name = measurements->v[c];
		if (!type_supported(types->v[c]))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet '%s': column '%s' has unknown type %d", target,
				       cols[c].name, types->v[c]);
		cols[c].type = (tsfile_type_t)types->v[c];
		size_t at = r.pos;
		cols[c].values = parse_column(&r, cols[c].type, n, a);
		if (!rd_ok(&r))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet '%s': values of column '%s' truncated at byte %zu",
				       target, cols[c].name, at);
	}
	if (rd_left(&r)) {
		int rc = parse_bitmaps(&r, cols, n_cols, n, a, err);
		if (rc)
			return rc;
	}
	out->tablet.target = target;
	out->tablet.n_rows = n;
	out->tablet.times = ts;
	out->tablet.n_columns = n_cols;
	out->tablet.columns = cols;
	return LARCH_OK;
}

int rpc_parse_insert_tablet(const rpc_insert_tablet_req_t *q, arena_t *a, rpc_tablet_t *out,
			    larch_error_t *err)
{
	if (q->is_compressed)
		return err_set(err, LARCH_UNSUPPORTED,
			       "tablet '%s': compressed tablet columns are not supported",
			       q->prefix_path);
	int rc = rpc_parse_tablet(q->prefix_path, &q->measurements, &q->types, q->size,
				  q->timestamps, q->values, a, out, err);
	if (rc)
		return rc;
	out->aligned = q->is_aligned;
	out->to_table = q->write_to_table;
	if (!q->write_to_table)
		return LARCH_OK;
	if (!rpc_has(q, 10) || q->column_categories.n != q->measurements.n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "tablet '%s': missing or invalid column categories", q->prefix_path);
	for (size_t i = 0; i < q->column_categories.n; i++)
		if (q->column_categories.v[i] > 2)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "tablet '%s': column '%s' has unknown category %u",
				       q->prefix_path, q->measurements.v[i],
				       q->column_categories.v[i]);
	out->categories = q->column_categories.v;
	return LARCH_OK;
}

int rpc_parse_insert_tablets_item(const rpc_insert_tablets_req_t *q, size_t i, arena_t *a,
				  rpc_tablet_t *out, larch_error_t *err)
{
	size_t n = q->prefix_paths.n;
	if (q->measurements_list.n != n || q->values_list.n != n || q->timestamps_list.n != n ||
	    q->types_list.n != n || q->size_list.n != n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "insertTablets: lists of different lengths (%zu devices)", n);
	if (i >= n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "insertTablets: no tablet %zu", i);
	int rc = rpc_parse_tablet(q->prefix_paths.v[i], &q->measurements_list.v[i],
				  &q->types_list.v[i], q->size_list.v[i], q->timestamps_list.v[i],
				  q->values_list.v[i], a, out, err);
	if (rc == LARCH_OK)
		out->aligned = q->is_aligned;
	return rc;
}

/*---------------------------------------------------------------------------
 * Schema template blob
 *
 *   name        i32 len + UTF-8
 *   shareTime   u8
 *   then until the end, per measurement:
 *   prefix      i32 len + UTF-8 ("" at top level)
 *   isAligned   u8
 *   name        i32 len + UTF-8
 *   dataType u8, encoding u8, compressor u8
 *---------------------------------------------------------------------------*/

#define TEMPLATE_RECORD_MIN 12  /* 4 + 1 + 4 + 3 bytes */

/* A NUL-terminated arena copy of an i32-sized string; NULL if malformed
 * (then r is bad or *oom is set). */
static const char *template_string(rd_t *r, arena_t *a, int *oom)
{
	tsfile_bytes_t b = read_sized(r);
	if (!rd_ok(r) || (b.len && memchr(b.ptr, 0, b.len))) {
		r->bad = 1;
		return NULL;
	}
	char *s = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
	if (!s)
		*oom = 1;
	return s;
}

int rpc_parse_template(rpc_bin_t blob, arena_t *a, rpc_template_t *out, larch_error_t *err)
{
	rd_t r;
	int oom = 0;
	rd_init(&r, blob.ptr, blob.len, 0);
	memset(out, 0, sizeof *out);
	out->name = template_string(&r, a, &oom);
	out->share_time = rd_u8(&r);
	size_t cap = rd_left(&r) / TEMPLATE_RECORD_MIN;
	out->m = arena_calloc(a, cap + 1, sizeof *out->m);
	if (!out->m)
		oom = 1;
	while (rd_ok(&r) && !oom && rd_left(&r) > 0 && out->n < cap) {
		rpc_template_measurement_t *m = &out->m[out->n];
		m->prefix = template_string(&r, a, &oom);
		m->aligned = rd_u8(&r);
		m->name = template_string(&r, a, &oom);
		m->data_type = rd_u8(&r);
		m->encoding = rd_u8(&r);
		m->compressor = rd_u8(&r);
		out->n++;
	}
	if (oom)
		return err_set(err, LARCH_NO_MEMORY, "template: out of memory");
	if (!rd_ok(&r) || rd_left(&r))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "template: malformed measurement record at byte %zu", r.pos);
	return LARCH_OK;
}
