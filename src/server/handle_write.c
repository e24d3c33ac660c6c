/*
 * handle_write.c — the session methods that write data or change the
 * schema, and the query methods that are shorthands for SQL.
 *
 * Inserts go straight to the embedded API (larch_insert_tablet / _record /
 * _string_record).  Batch inserts answer IoTDB's way: 200 when every item
 * succeeded, else 302 with one sub-status per item.  Schema calls,
 * templates and the raw/last/aggregation query calls are translated into
 * the SQL statement IoTDB documents for them and run through
 * larch_execute, so both ways in behave the same.  The test* insert
 * variants decode and validate their request and write nothing.
 */
#include <ctype.h>
#include <stdio.h>

#include "server/session_int.h"

/*---------------------------------------------------------------------------
 * Statuses
 *---------------------------------------------------------------------------*/

static int reply_status(const rpc_request_t *req, int rc, const larch_error_t *e, buf_t *out,
			larch_error_t *err)
{
	rpc_status_t st = rpc_status_from(rc, e);

	return rpc_encode_reply(out, req, &st, err);
}

/* Per-item statuses of a batch: 200 when all are, else 302 with subs. */
typedef struct batch {
	rpc_status_t *subs;
	char (*msgs)[LARCH_ERROR_MSG_MAX];
	size_t n;
	int failed;
} batch_t;

static int batch_init(session_t *ss, batch_t *b, size_t n, larch_error_t *err)
{
	b->subs = arena_calloc(ss->arena, n ? n : 1, sizeof(*b->subs));
	b->msgs = arena_calloc(ss->arena, n ? n : 1, sizeof(*b->msgs));
	b->n = n;
	b->failed = 0;
	if (!b->subs || !b->msgs)
		return err_set(err, LARCH_NO_MEMORY, "out of memory for a batch reply");
	return LARCH_OK;
}

static void batch_set(batch_t *b, size_t i, int rc, const larch_error_t *e)
{
	b->subs[i] = rpc_status_from(rc, e);
	if (rc) {
		b->failed = 1;
		snprintf(b->msgs[i], sizeof(b->msgs[i]), "%s", e->msg);
		b->subs[i].message = b->msgs[i];
	}
}

static int batch_reply(const rpc_request_t *req, const batch_t *b, buf_t *out, larch_error_t *err)
{
	rpc_status_t st = rpc_status_from(LARCH_OK, NULL);

	if (b->failed) {
		st.code = RPC_MULTIPLE_ERROR;
		st.message = "some items failed";
		for (size_t i = 0; i < b->n; i++)
			if (b->subs[i].code != RPC_SUCCESS) {
				st.message = b->subs[i].message;
				break;
			}
		st.sub = b->subs;
		st.n_sub = b->n;
	}
	return rpc_encode_reply(out, req, &st, err);
}

/*---------------------------------------------------------------------------
 * Inserts
 *---------------------------------------------------------------------------*/

/* One insertRecord-style row: typed values, or text to infer where the
 * client sent raw strings. */
static int insert_values(session_t *ss, const char *device, const rpc_strs_t *meas,
			 rpc_bin_t values, int64_t time, int aligned, int dry, larch_error_t *err)
{
	size_t n = meas->n;
	tsfile_point_t *pts = arena_calloc(ss->arena, n ? n : 1, sizeof(*pts));
	uint8_t *infer = arena_calloc(ss->arena, n ? n : 1, 1);
	int rc, any_infer = 0;

	if (!pts || !infer)
		return err_set(err, LARCH_NO_MEMORY, "out of memory decoding a record");
	rc = rpc_parse_record_values(values, (const char *const *)meas->v, n, pts, infer, err);
	if (rc || dry)
		return rc;
	for (size_t i = 0; i < n; i++)
		any_infer |= infer[i];
	if (!any_infer)
		return larch_insert_record(ss->sh->db, device, time, pts, n, aligned, err);
	/* raw strings: the whole row goes the string-record way, typed values
	 * as their text (they convert back exactly) */
	const char **names = arena_calloc(ss->arena, n, sizeof(char *));
	const char **texts = arena_calloc(ss->arena, n, sizeof(char *));
	size_t k = 0;
	if (!names || !texts)
		return err_set(err, LARCH_NO_MEMORY, "out of memory decoding a record");
	for (size_t i = 0; i < n; i++) {
		if (pts[i].value.is_null)
			continue;
		if (!infer[i]) {
			rc = larch_insert_record(ss->sh->db, device, time, &pts[i], 1, aligned, err);
			if (rc)
				return rc;
			continue;
		}
		names[k] = meas->v[i];
		texts[k++] = arena_strndup(ss->arena, pts[i].value.v.bytes.ptr,
					   pts[i].value.v.bytes.len);
		if (!texts[k - 1])
			return err_set(err, LARCH_NO_MEMORY, "out of memory decoding a record");
	}
	return larch_insert_string_record(ss->sh->db, device, time, names, texts, k, aligned, err);
}

static int insert_strings(session_t *ss, const char *device, const rpc_strs_t *meas,
			  const rpc_strs_t *vals, int64_t time, int aligned, int dry,
			  larch_error_t *err)
{
	if (meas->n != vals->n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "%zu measurements but %zu values for %s", meas->n, vals->n, device);
	if (dry)
		return LARCH_OK;
	return larch_insert_string_record(ss->sh->db, device, time, (const char *const *)meas->v,
					  (const char *const *)vals->v, meas->n, aligned, err);
}

static int is_test(rpc_method_t m)
{
	return m >= RPC_M_TEST_INSERT_RECORD && m <= RPC_M_TEST_INSERT_TABLETS;
}

static int handle_insert_record(session_t *ss, const rpc_request_t *req, buf_t *out,
				larch_error_t *err)
{
	larch_error_t e = { 0 };
	int dry = is_test(req->method), rc;

	if (req->method == RPC_M_INSERT_STRING_RECORD || req->method == RPC_M_TEST_INSERT_STRING_RECORD) {
		const rpc_insert_string_record_req_t *q = req->msg;
		rc = insert_strings(ss, q->prefix_path, &q->measurements, &q->values, q->timestamp,
				    q->is_aligned, dry, &e);
	} else {
		const rpc_insert_record_req_t *q = req->msg;
		rc = insert_values(ss, q->prefix_path, &q->measurements, q->values, q->timestamp,
				   q->is_aligned, dry, &e);
	}
	return reply_status(req, rc, &e, out, err);
}

/* insertRecords, insertStringRecords and the one-device variants. */
static int handle_insert_records(session_t *ss, const rpc_request_t *req, buf_t *out,
				 larch_error_t *err)
{
	const rpc_strs_t *devices = NULL;
	const char *device = NULL;
	const rpc_strss_t *meas, *svals = NULL;
	const rpc_bins_t *vals = NULL;
	const rpc_i64s_t *times;
	int aligned, dry = is_test(req->method);
	batch_t b;
	int rc;

	switch (req->method) {
	case RPC_M_INSERT_RECORDS: case RPC_M_TEST_INSERT_RECORDS: {
		const rpc_insert_records_req_t *q = req->msg;
		devices = &q->prefix_paths; meas = &q->measurements_list; vals = &q->values_list;
		times = &q->timestamps; aligned = q->is_aligned;
		break;
	}
	case RPC_M_INSERT_STRING_RECORDS: case RPC_M_TEST_INSERT_STRING_RECORDS: {
		const rpc_insert_string_records_req_t *q = req->msg;
		devices = &q->prefix_paths; meas = &q->measurements_list; svals = &q->values_list;
		times = &q->timestamps; aligned = q->is_aligned;
		break;
	}
	case RPC_M_INSERT_STRING_RECORDS_OF_ONE_DEVICE: {
		const rpc_insert_string_records_one_device_req_t *q = req->msg;
		device = q->prefix_path; meas = &q->measurements_list; svals = &q->values_list;
		times = &q->timestamps; aligned = q->is_aligned;
		break;
	}
	default: {
		const rpc_insert_records_one_device_req_t *q = req->msg;
		device = q->prefix_path; meas = &q->measurements_list; vals = &q->values_list;
		times = &q->timestamps; aligned = q->is_aligned;
		break;
	}
	}
	size_t n = times->n;
	if ((devices && devices->n != n) || meas->n != n || (vals && vals->n != n) ||
	    (svals && svals->n != n)) {
		larch_error_t e = { 0 };
		err_set(&e, LARCH_ILLEGAL_PARAMETER, "the lists of a batch insert differ in length");
		return reply_status(req, e.code, &e, out, err);
	}
	rc = batch_init(ss, &b, n, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		larch_error_t e = { 0 };
		const char *dev = devices ? devices->v[i] : device;
		rc = svals ? insert_strings(ss, dev, &meas->v[i], &svals->v[i], times->v[i], aligned,
					    dry, &e)
			   : insert_values(ss, dev, &meas->v[i], vals->v[i], times->v[i], aligned, dry,
					   &e);
		batch_set(&b, i, rc, &e);
	}
	return batch_reply(req, &b, out, err);
}

static int handle_insert_tablets(session_t *ss, const rpc_request_t *req, buf_t *out,
				 larch_error_t *err)
{
	int dry = is_test(req->method), rc;
	rpc_tablet_t t;

	if (req->method == RPC_M_INSERT_TABLET || req->method == RPC_M_TEST_INSERT_TABLET) {
		larch_error_t e = { 0 };
		rc = rpc_parse_insert_tablet(req->msg, ss->arena, &t, &e);
		if (rc == LARCH_OK && t.to_table)
			rc = err_set(&e, LARCH_UNSUPPORTED, "table-model writes are not supported yet");
		if (rc == LARCH_OK && !dry)
			rc = larch_insert_tablet(ss->sh->db, &t.tablet, t.aligned, &e);
		return reply_status(req, rc, &e, out, err);
	}
	const rpc_insert_tablets_req_t *q = req->msg;
	batch_t b;
	rc = batch_init(ss, &b, q->prefix_paths.n, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < q->prefix_paths.n; i++) {
		larch_error_t e = { 0 };
		rc = rpc_parse_insert_tablets_item(q, i, ss->arena, &t, &e);
		if (rc == LARCH_OK && !dry)
			rc = larch_insert_tablet(ss->sh->db, &t.tablet, q->is_aligned, &e);
		batch_set(&b, i, rc, &e);
	}
	return batch_reply(req, &b, out, err);
}

static int handle_delete_data(session_t *ss, const rpc_request_t *req, buf_t *out,
			      larch_error_t *err)
{
	const rpc_delete_data_req_t *q = req->msg;
	larch_error_t e = { 0 };
	int rc = LARCH_OK;

	for (size_t i = 0; rc == LARCH_OK && i < q->paths.n; i++)
		rc = larch_delete(ss->sh->db, q->paths.v[i], q->start_time, q->end_time, &e);
	return reply_status(req, rc, &e, out, err);
}

/*---------------------------------------------------------------------------
 * Calls that are SQL statements
 *---------------------------------------------------------------------------*/

/* SQL text under construction in the request arena's buffer. */
typedef struct sqlb {
	buf_t b;
} sqlb_t;

static void sql_add(sqlb_t *q, const char *s)
{
	buf_put(&q->b, s, strlen(s));
}

static void sql_addf(sqlb_t *q, const char *fmt, long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), fmt, v);
	sql_add(q, tmp);
}

/* A quoted SQL string literal ('' doubles a quote). */
static void sql_quote(sqlb_t *q, const char *s)
{
	sql_add(q, "'");
	for (; *s; s++)
		buf_put(&q->b, *s == '\'' ? "''" : s, *s == '\'' ? 2 : 1);
	sql_add(q, "'");
}

/* One path node, back-quoted unless it is a plain identifier (letters,
 * digits, '_'; backquotes inside doubled). */
static void sql_node(sqlb_t *q, const char *node)
{
	int plain = *node != 0;

	for (const char *p = node; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			plain = 0;
	if (plain) {
		sql_add(q, node);
		return;
	}
	sql_add(q, "`");
	for (const char *p = node; *p; p++)
		buf_put(&q->b, *p == '`' ? "``" : p, *p == '`' ? 2 : 1);
	sql_add(q, "`");
}

/* A path relative to root for a SELECT list ("root.sg.d.s" -> "sg.d.s"). */
static void sql_suffix(sqlb_t *q, const char *path)
{
	sql_add(q, strncmp(path, "root.", 5) ? path : path + 5);
}

static const char *type_name_of(int32_t t)
{
	const char *n = t >= 0 && t <= 11 ? tsfile_type_name((tsfile_type_t)t) : NULL;
	return n ? n : "UNKNOWN";
}

static const char *encoding_name_of(int32_t e)
{
	const char *n = e >= 0 && e <= 13 ? tsfile_encoding_name((tsfile_encoding_t)e) : NULL;
	return n ? n : "UNKNOWN";
}

static const char *codec_name_of(int32_t c)
{
	const char *n = c >= 0 && c <= 9 ? tsfile_codec_name((tsfile_codec_t)c) : NULL;
	return n ? n : "UNKNOWN";
}

static void sql_kvs(sqlb_t *q, const char *kw, const rpc_map_t *m)
{
	if (!m || !m->n)
		return;
	sql_add(q, " ");
	sql_add(q, kw);
	sql_add(q, "(");
	for (size_t i = 0; i < m->n; i++) {
		if (i)
			sql_add(q, ", ");
		sql_quote(q, m->keys[i]);
		sql_add(q, "=");
		sql_quote(q, m->vals[i]);
	}
	sql_add(q, ")");
}

/* "name TYPE encoding=E compressor=C" of a measurement definition. */
static void sql_meas(sqlb_t *q, const char *name, int32_t type, int32_t enc, int32_t codec)
{
	sql_add(q, name);
	sql_add(q, " ");
	sql_add(q, type_name_of(type));
	sql_add(q, " encoding=");
	sql_add(q, encoding_name_of(enc));
	sql_add(q, " compressor=");
	sql_add(q, codec_name_of(codec));
}

static void sql_create_ts(sqlb_t *q, const char *path, const char *alias, int32_t type,
			  int32_t enc, int32_t codec, const rpc_map_t *props, const rpc_map_t *tags,
			  const rpc_map_t *attrs)
{
	sql_add(q, "CREATE TIMESERIES ");
	sql_add(q, path);
	if (alias && *alias) {
		sql_add(q, "(");
		sql_add(q, alias);
		sql_add(q, ")");
	}
	sql_add(q, " WITH DATATYPE=");
	sql_add(q, type_name_of(type));
	sql_add(q, ", ENCODING=");
	sql_add(q, encoding_name_of(enc));
	sql_add(q, ", COMPRESSOR=");
	sql_add(q, codec_name_of(codec));
	for (size_t i = 0; props && i < props->n; i++) {
		sql_add(q, ", ");
		sql_add(q, props->keys[i]);
		sql_add(q, "=");
		sql_quote(q, props->vals[i]);
	}
	sql_kvs(q, "TAGS", tags);
	sql_kvs(q, "ATTRIBUTES", attrs);
}

static void sql_path_list(sqlb_t *q, const rpc_strs_t *paths)
{
	for (size_t i = 0; i < paths->n; i++) {
		if (i)
			sql_add(q, ", ");
		sql_add(q, paths->v[i]);
	}
}

/* Run one statement and reply with its status only. */
static int run_status(session_t *ss, const char *sql, larch_error_t *e)
{
	larch_exec_opts_t o = session_exec_opts(ss);
	larch_result_t *res = NULL;
	int rc = larch_execute(ss->sh->db, sql, &o, &res, e);

	server_log(LOG_DEBUG, "%s: %s -> %d", ss->peer, sql, rc);
	larch_result_free(res);
	return rc;
}

static const char *const agg_names[] = {
	"count", "avg", "sum", "first_value", "last_value", "max_time", "min_time",
	"max_value", "min_value", "extreme", "count_if", "time_duration", "mode",
	"count_time", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop",
	"var_samp", "max_by", "min_by"
};

/* The SQL of a raw / last / aggregation query call. */
static int query_sql(const rpc_request_t *req, sqlb_t *q, int32_t *fetch, larch_error_t *err)
{
	switch (req->method) {
	case RPC_M_EXECUTE_RAW_DATA_QUERY: case RPC_M_EXECUTE_RAW_DATA_QUERY_V2: {
		const rpc_raw_query_req_t *r = req->msg;
		sql_add(q, "SELECT ");
		for (size_t i = 0; i < r->paths.n; i++) {
			if (i)
				sql_add(q, ", ");
			sql_suffix(q, r->paths.v[i]);
		}
		sql_addf(q, " FROM root WHERE time >= %lld", (long long)r->start_time);
		sql_addf(q, " AND time < %lld", (long long)r->end_time);
		*fetch = r->fetch_size;
		return LARCH_OK;
	}
	case RPC_M_EXECUTE_LAST_DATA_QUERY: case RPC_M_EXECUTE_LAST_DATA_QUERY_V2: {
		const rpc_last_query_req_t *r = req->msg;
		sql_add(q, "SELECT LAST ");
		for (size_t i = 0; i < r->paths.n; i++) {
			if (i)
				sql_add(q, ", ");
			sql_suffix(q, r->paths.v[i]);
		}
		sql_addf(q, " FROM root WHERE time >= %lld", (long long)r->time);
		*fetch = r->fetch_size;
		return LARCH_OK;
	}
	case RPC_M_FAST_LAST_PREFIX: {
		const rpc_fast_last_prefix_req_t *r = req->msg;
		/* the list holds the nodes of ONE prefix path, root first;
		 * every series below it: SELECT LAST ** FROM prefix */
		sql_add(q, "SELECT LAST ** FROM ");
		for (size_t i = 0; i < r->prefixes.n; i++) {
			if (i)
				sql_add(q, ".");
			sql_node(q, r->prefixes.v[i]);
		}
		*fetch = r->fetch_size;
		return LARCH_OK;
	}
	case RPC_M_FAST_LAST_DEVICE_V2: {
		const rpc_fast_last_device_req_t *r = req->msg;
		sql_add(q, "SELECT LAST ");
		for (size_t i = 0; i < r->sensors.n; i++) {
			if (i)
				sql_add(q, ", ");
			sql_add(q, r->sensors.v[i]);
		}
		sql_add(q, " FROM ");
		sql_add(q, r->device_id);
		*fetch = r->fetch_size;
		return LARCH_OK;
	}
	default: {
		const rpc_agg_query_req_t *r = req->msg;
		if (r->aggregations.n != r->paths.n)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "%zu aggregations for %zu paths", r->aggregations.n, r->paths.n);
		sql_add(q, "SELECT ");
		for (size_t i = 0; i < r->paths.n; i++) {
			int32_t a = r->aggregations.v[i];
			if (a < 0 || (size_t)a >= LR_ARRAY_LEN(agg_names))
				return err_set(err, LARCH_UNSUPPORTED, "aggregation type %d", a);
			sql_add(q, i ? ", " : "");
			sql_add(q, agg_names[a]);
			sql_add(q, "(");
			sql_suffix(q, r->paths.v[i]);
			sql_add(q, ")");
		}
		sql_add(q, " FROM root");
		if (rpc_has(r, 7) && r->interval > 0) {
			sql_addf(q, " GROUP BY ([%lld", (long long)r->start_time);
			sql_addf(q, ", %lld)", (long long)r->end_time);
			sql_addf(q, ", %lld", (long long)r->interval);
			if (rpc_has(r, 8) && r->sliding_step > 0)
				sql_addf(q, ", %lld", (long long)r->sliding_step);
			sql_add(q, ")");
		} else if (rpc_has(r, 5) || rpc_has(r, 6)) {
			sql_addf(q, " WHERE time >= %lld", (long long)(rpc_has(r, 5) ? r->start_time
										 : INT64_MIN));
			sql_addf(q, " AND time < %lld", (long long)(rpc_has(r, 6) ? r->end_time
										 : INT64_MAX));
		}
		*fetch = r->fetch_size;
		return LARCH_OK;
	}
	}
}

/* The SQL of a schema / template call (NULL: not one). */
static int schema_sql(const rpc_request_t *req, sqlb_t *q, size_t item, larch_error_t *err)
{
	switch (req->method) {
	case RPC_M_SET_STORAGE_GROUP:
		sql_add(q, "CREATE DATABASE ");
		sql_add(q, ((const rpc_storage_group_req_t *)req->msg)->storage_group);
		return LARCH_OK;
	case RPC_M_DELETE_STORAGE_GROUPS:
		sql_add(q, "DELETE DATABASE ");
		sql_path_list(q, &((const rpc_paths_req_t *)req->msg)->paths);
		return LARCH_OK;
	case RPC_M_DELETE_TIMESERIES:
		sql_add(q, "DELETE TIMESERIES ");
		sql_path_list(q, &((const rpc_paths_req_t *)req->msg)->paths);
		return LARCH_OK;
	case RPC_M_CREATE_TIMESERIES: {
		const rpc_create_ts_req_t *r = req->msg;
		sql_create_ts(q, r->path, r->measurement_alias, r->data_type, r->encoding,
			      r->compressor, &r->props, &r->tags, &r->attributes);
		return LARCH_OK;
	}
	case RPC_M_CREATE_MULTI_TIMESERIES: {
		const rpc_create_multi_req_t *r = req->msg;
		if (r->data_types.n != r->paths.n || r->encodings.n != r->paths.n ||
		    r->compressors.n != r->paths.n)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "the lists differ in length");
		sql_create_ts(q, r->paths.v[item],
			      item < r->measurement_alias_list.n ? r->measurement_alias_list.v[item] : NULL,
			      r->data_types.v[item], r->encodings.v[item], r->compressors.v[item],
			      item < r->props_list.n ? &r->props_list.v[item] : NULL,
			      item < r->tags_list.n ? &r->tags_list.v[item] : NULL,
			      item < r->attributes_list.n ? &r->attributes_list.v[item] : NULL);
		return LARCH_OK;
	}
	case RPC_M_CREATE_ALIGNED_TIMESERIES: {
		const rpc_create_aligned_req_t *r = req->msg;
		size_t n = r->measurements.n;
		if (r->data_types.n != n || r->encodings.n != n || r->compressors.n != n)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "the lists differ in length");
		sql_add(q, "CREATE ALIGNED TIMESERIES ");
		sql_add(q, r->prefix_path);
		sql_add(q, "(");
		for (size_t i = 0; i < n; i++) {
			sql_add(q, i ? ", " : "");
			sql_add(q, r->measurements.v[i]);
			if (i < r->measurement_alias.n && r->measurement_alias.v[i] &&
			    *r->measurement_alias.v[i]) {
				sql_add(q, "(");
				sql_add(q, r->measurement_alias.v[i]);
				sql_add(q, ")");
			}
			sql_add(q, " ");
			sql_meas(q, "", r->data_types.v[i], r->encodings.v[i], r->compressors.v[i]);
			sql_kvs(q, "TAGS", i < r->tags_list.n ? &r->tags_list.v[i] : NULL);
			sql_kvs(q, "ATTRIBUTES", i < r->attributes_list.n ? &r->attributes_list.v[i] : NULL);
		}
		sql_add(q, ")");
		return LARCH_OK;
	}
	case RPC_M_SET_SCHEMA_TEMPLATE: {
		const rpc_set_template_req_t *r = req->msg;
		sql_add(q, "SET DEVICE TEMPLATE ");
		sql_add(q, r->template_name);
		sql_add(q, " TO ");
		sql_add(q, r->prefix_path);
		return LARCH_OK;
	}
	case RPC_M_UNSET_SCHEMA_TEMPLATE: {
		const rpc_unset_template_req_t *r = req->msg;
		sql_add(q, "UNSET DEVICE TEMPLATE ");
		sql_add(q, r->template_name);
		sql_add(q, " FROM ");
		sql_add(q, r->prefix_path);
		return LARCH_OK;
	}
	case RPC_M_DROP_SCHEMA_TEMPLATE:
		sql_add(q, "DROP DEVICE TEMPLATE ");
		sql_add(q, ((const rpc_drop_template_req_t *)req->msg)->template_name);
		return LARCH_OK;
	case RPC_M_CREATE_TIMESERIES_USING_TEMPLATE:
		sql_add(q, "CREATE TIMESERIES OF DEVICE TEMPLATE ON ");
		sql_add(q, ((const rpc_paths_req_t *)req->msg)->paths.v[item]);
		return LARCH_OK;
	default:
		return err_set(err, LARCH_UNSUPPORTED, "%s is not supported", rpc_method_name(req->method));
	}
}

/* How many statements a schema call turns into. */
static size_t schema_items(const rpc_request_t *req)
{
	if (req->method == RPC_M_CREATE_MULTI_TIMESERIES)
		return ((const rpc_create_multi_req_t *)req->msg)->paths.n;
	if (req->method == RPC_M_CREATE_TIMESERIES_USING_TEMPLATE)
		return ((const rpc_paths_req_t *)req->msg)->paths.n;
	return 1;
}

static int handle_schema(session_t *ss, const rpc_request_t *req, buf_t *out, larch_error_t *err)
{
	size_t n = schema_items(req);
	larch_error_t e = { 0 };
	int rc = LARCH_OK;
	batch_t b;

	if (n != 1) {
		rc = batch_init(ss, &b, n, err);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < n; i++) {
		sqlb_t q = { { 0 } };
		rc = schema_sql(req, &q, i, &e);
		buf_put(&q.b, "", 1);
		if (rc == LARCH_OK)
			rc = buf_ok(&q.b) ? run_status(ss, (const char *)q.b.data, &e)
					  : err_set(&e, LARCH_NO_MEMORY, "out of memory");
		buf_free(&q.b);
		if (n == 1)
			return reply_status(req, rc, &e, out, err);
		batch_set(&b, i, rc, &e);
	}
	return batch_reply(req, &b, out, err);
}

static int handle_create_template(session_t *ss, const rpc_request_t *req, buf_t *out,
				  larch_error_t *err)
{
	const rpc_create_template_req_t *r = req->msg;
	rpc_template_t t;
	larch_error_t e = { 0 };
	sqlb_t q = { { 0 } };
	int rc = rpc_parse_template(r->serialized_template, ss->arena, &t, &e);

	if (rc == LARCH_OK) {
		sql_add(&q, "CREATE DEVICE TEMPLATE ");
		sql_add(&q, r->name);
		sql_add(&q, t.n && t.m[0].aligned ? " ALIGNED (" : " (");
		for (size_t i = 0; i < t.n; i++) {
			sql_add(&q, i ? ", " : "");
			sql_meas(&q, t.m[i].name, t.m[i].data_type, t.m[i].encoding, t.m[i].compressor);
		}
		sql_add(&q, ")");
		buf_put(&q.b, "", 1);
		rc = buf_ok(&q.b) ? run_status(ss, (const char *)q.b.data, &e)
				  : err_set(&e, LARCH_NO_MEMORY, "out of memory");
	}
	buf_free(&q.b);
	return reply_status(req, rc, &e, out, err);
}

/* querySchemaTemplate: 3-6 list names through SHOW statements; 0-2 are
 * unsupported, as in IoTDB 1.x/2.x. */
static int handle_query_template(session_t *ss, const rpc_request_t *req, buf_t *out,
				 larch_error_t *err)
{
	static const char *const shows[] = {
		"SHOW NODES IN DEVICE TEMPLATE ", "SHOW DEVICE TEMPLATES",
		"SHOW PATHS SET DEVICE TEMPLATE ", "SHOW PATHS USING DEVICE TEMPLATE "
	};
	static const char *const none[1] = { NULL };
	const rpc_query_template_req_t *r = req->msg;
	rpc_query_template_resp_t resp = { 0 };
	larch_error_t e = { 0 };
	larch_exec_opts_t o = session_exec_opts(ss);
	larch_result_t *res = NULL;
	sqlb_t q = { { 0 } };
	const char **names = NULL;
	size_t n = 0, cap = 0;
	int rc;

	resp.query_type = r->query_type;
	if (r->query_type < 3 || r->query_type > 6) {
		resp.status.code = LARCH_UNSUPPORTED;
		resp.status.message = "this template query is not supported";
		return rpc_encode_reply(out, req, &resp, err);
	}
	sql_add(&q, shows[r->query_type - 3]);
	if (r->query_type != 4)
		sql_add(&q, r->name);
	buf_put(&q.b, "", 1);
	rc = buf_ok(&q.b) ? larch_execute(ss->sh->db, (const char *)q.b.data, &o, &res, &e)
			  : err_set(&e, LARCH_NO_MEMORY, "out of memory");
	buf_free(&q.b);
	while (rc == LARCH_OK) {
		const larch_block_t *blk;
		rc = larch_result_next(res, &blk, &e);
		if (rc)
			break;
		for (size_t i = 0; blk->n_columns && i < blk->n_rows; i++) {
			const tsfile_bytes_t *v = &((const tsfile_bytes_t *)blk->columns[0].values)[i];
			if (n == cap) {
				const char **nn = arena_alloc(ss->arena, (cap * 2 + 16) * sizeof(char *));
				if (!nn) {
					rc = err_set(&e, LARCH_NO_MEMORY, "out of memory");
					break;
				}
				if (n)
					memcpy(nn, names, n * sizeof(char *));
				names = nn;
				cap = cap * 2 + 16;
			}
			names[n] = arena_strndup(ss->arena, v->ptr, v->len);
			if (!names[n++])
				rc = err_set(&e, LARCH_NO_MEMORY, "out of memory");
		}
	}
	larch_result_free(res);
	resp.status = rpc_status_from(rc == LARCH_DONE ? LARCH_OK : rc, &e);
	resp.measurements = names ? names : none;
	resp.n_measurements = n;
	resp.has_count = 1;
	resp.count = (int32_t)n;
	return rpc_encode_reply(out, req, &resp, err);
}

static int handle_batch_statement(session_t *ss, const rpc_request_t *req, buf_t *out,
				  larch_error_t *err)
{
	const rpc_batch_req_t *r = req->msg;
	batch_t b;
	int rc = batch_init(ss, &b, r->statements.n, err);

	for (size_t i = 0; rc == LARCH_OK && i < r->statements.n; i++) {
		larch_error_t e = { 0 };
		batch_set(&b, i, run_status(ss, r->statements.v[i], &e), &e);
	}
	return rc ? rc : batch_reply(req, &b, out, err);
}

int session_handle_write(session_t *ss, const rpc_request_t *req, buf_t *out,
			 larch_error_t *err)
{
	switch (req->method) {
	case RPC_M_INSERT_RECORD: case RPC_M_INSERT_STRING_RECORD:
	case RPC_M_TEST_INSERT_RECORD: case RPC_M_TEST_INSERT_STRING_RECORD:
		return handle_insert_record(ss, req, out, err);
	case RPC_M_INSERT_RECORDS: case RPC_M_INSERT_STRING_RECORDS:
	case RPC_M_INSERT_RECORDS_OF_ONE_DEVICE: case RPC_M_INSERT_STRING_RECORDS_OF_ONE_DEVICE:
	case RPC_M_TEST_INSERT_RECORDS: case RPC_M_TEST_INSERT_STRING_RECORDS:
	case RPC_M_TEST_INSERT_RECORDS_OF_ONE_DEVICE:
		return handle_insert_records(ss, req, out, err);
	case RPC_M_INSERT_TABLET: case RPC_M_INSERT_TABLETS:
	case RPC_M_TEST_INSERT_TABLET: case RPC_M_TEST_INSERT_TABLETS:
		return handle_insert_tablets(ss, req, out, err);
	case RPC_M_DELETE_DATA:
		return handle_delete_data(ss, req, out, err);
	case RPC_M_EXECUTE_BATCH_STATEMENT:
		return handle_batch_statement(ss, req, out, err);
	case RPC_M_CREATE_SCHEMA_TEMPLATE:
		return handle_create_template(ss, req, out, err);
	case RPC_M_QUERY_SCHEMA_TEMPLATE:
		return handle_query_template(ss, req, out, err);
	case RPC_M_EXECUTE_RAW_DATA_QUERY: case RPC_M_EXECUTE_RAW_DATA_QUERY_V2:
	case RPC_M_EXECUTE_LAST_DATA_QUERY: case RPC_M_EXECUTE_LAST_DATA_QUERY_V2:
	case RPC_M_EXECUTE_AGGREGATION_QUERY: case RPC_M_EXECUTE_AGGREGATION_QUERY_V2:
	case RPC_M_FAST_LAST_PREFIX: case RPC_M_FAST_LAST_DEVICE_V2: {
		sqlb_t q = { { 0 } };
		int32_t fetch = 0;
		int rc = query_sql(req, &q, &fetch, err);
		buf_put(&q.b, "", 1);
		if (rc == LARCH_OK)
			rc = buf_ok(&q.b) ? session_run_sql(ss, req, (const char *)q.b.data, fetch, out, err)
					  : err_set(err, LARCH_NO_MEMORY, "out of memory");
		buf_free(&q.b);
		return rc;
	}
	case RPC_M_APPEND_SCHEMA_TEMPLATE:
	case RPC_M_PRUNE_SCHEMA_TEMPLATE: {
		/* as IoTDB 1.x/2.x: templates change through SQL (ALTER DEVICE TEMPLATE) */
		larch_error_t e = { 0 };
		err_set(&e, LARCH_UNSUPPORTED, "Modify template has not been supported.");
		return reply_status(req, e.code, &e, out, err);
	}
	default:
		return handle_schema(ss, req, out, err);
	}
}
