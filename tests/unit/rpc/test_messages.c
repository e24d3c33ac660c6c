/*
 * Unit tests for src/rpc request decoding against the official client's
 * bytes: every vector in vectors.h (written by the apache-iotdb Python
 * client, binary and compact protocol; see gen_vectors.py) is decoded and
 * every field compared with the literal values gen_vectors.py used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "rpc_test.h"

typedef void (*check_fn)(const rpc_request_t *req, arena_t *a);

/* Decode the BIN and the COMPACT vector of one request and run check on
 * both (the frame stays alive during the check: binaries point into it). */
static void run_both(const char *bin, const char *compact, rpc_method_t m, check_fn check)
{
	const char *hex[2] = {bin, compact};
	for (int p = 0; p < 2; p++) {
		size_t n;
		uint8_t *frame = hex_decode(hex[p], &n);
		arena_t *a = arena_new(0);
		rpc_request_t req;
		larch_error_t err = {0};
		int rc = rpc_decode_request(frame, n, a, &req, &err);
		if (rc)
			fail_msg("%s: %s", rpc_method_name(m), err.msg);
		assert_int_equal(req.proto, p == 0 ? RPC_BINARY : RPC_COMPACT);
		assert_int_equal(req.type, RPC_CALL);
		assert_int_equal(req.seqid, 0);
		assert_int_equal(req.method, m);
		assert_string_equal(req.name, rpc_method_name(m));
		check(&req, a);
		arena_free(a);
		mem_free(frame);
	}
}

#define RUN(vec, method, fn) run_both(VEC_##vec##_BIN, VEC_##vec##_COMPACT, method, fn)

static void check_open_session(const rpc_request_t *req, arena_t *a)
{
	const rpc_open_session_req_t *q = req->msg;
	assert_int_equal(q->client_protocol, 2);
	assert_string_equal(q->zone_id, "+08:00");
	assert_string_equal(q->username, "root");
	assert_string_equal(q->password, "root");
	assert_int_equal(q->configuration.n, 2);
	assert_string_equal(q->configuration.keys[0], "version");
	assert_string_equal(q->configuration.vals[0], "V_1_0");
	assert_string_equal(q->configuration.keys[1], "sql_dialect");
	assert_string_equal(q->configuration.vals[1], "tree");
	assert_int_equal(q->isset, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5));
}

static void check_session_id(const rpc_request_t *req, arena_t *a)
{
	const rpc_session_req_t *q = req->msg;
	assert_int_equal(q->session_id, 1001);
}

static void check_set_time_zone(const rpc_request_t *req, arena_t *a)
{
	const rpc_set_time_zone_req_t *q = req->msg;
	assert_int_equal(q->session_id, 1001);
	assert_string_equal(q->time_zone, "Asia/Shanghai");
}

static void check_exec_query(const rpc_request_t *req, arena_t *a)
{
	const rpc_exec_req_t *q = req->msg;
	assert_int_equal(q->session_id, 1001);
	assert_string_equal(q->statement, "select * from root.sg.d1");
	assert_int_equal(q->statement_id, 7);
	assert_true(rpc_has(q, 4));
	assert_int_equal(q->fetch_size, 5000);
	assert_true(rpc_has(q, 5));
	assert_int_equal(q->timeout, 0);
	assert_false(rpc_has(q, 6));
	assert_false(rpc_has(q, 7));
}

static void check_exec_update(const rpc_request_t *req, arena_t *a)
{
	const rpc_exec_req_t *q = req->msg;
	assert_string_equal(q->statement, "create database root.sg");
	assert_false(rpc_has(q, 4));
	assert_false(rpc_has(q, 5));
	assert_int_equal(q->fetch_size, 0);
}

static void check_fetch(const rpc_request_t *req, arena_t *a)
{
	const rpc_fetch_req_t *q = req->msg;
	assert_int_equal(q->session_id, 7);
	assert_string_equal(q->statement, "select * from root.sg.d1");
	assert_int_equal(q->fetch_size, 5000);
	assert_int_equal(q->query_id, 42);
	assert_true(q->is_align);
	assert_int_equal(q->timeout, 60000);
	assert_false(rpc_has(q, 7));
}

static void check_close_op(const rpc_request_t *req, arena_t *a)
{
	const rpc_close_op_req_t *q = req->msg;
	assert_int_equal(q->session_id, 1001);
	assert_true(rpc_has(q, 2) && rpc_has(q, 3));
	assert_int_equal(q->query_id, 42);
	assert_int_equal(q->statement_id, 7);
	assert_null(q->prepared_statement_name);
}

static void check_storage_group(const rpc_request_t *req, arena_t *a)
{
	const rpc_storage_group_req_t *q = req->msg;
	assert_int_equal(q->session_id, 1001);
	assert_string_equal(q->storage_group, "root.sg");
}

static void check_delete_ts(const rpc_request_t *req, arena_t *a)
{
	const rpc_paths_req_t *q = req->msg;
	assert_int_equal(q->paths.n, 2);
	assert_string_equal(q->paths.v[0], "root.sg.d1.s1");
	assert_string_equal(q->paths.v[1], "root.sg.d1.s2");
}

static void check_create_ts(const rpc_request_t *req, arena_t *a)
{
	const rpc_create_ts_req_t *q = req->msg;
	assert_string_equal(q->path, "root.sg.d1.s1");
	assert_int_equal(q->data_type, TSFILE_INT64);
	assert_int_equal(q->encoding, TSFILE_RLE);
	assert_int_equal(q->compressor, TSFILE_SNAPPY);
	assert_int_equal(q->props.n, 1);
	assert_string_equal(q->props.keys[0], "p");
	assert_string_equal(q->props.vals[0], "1");
	assert_int_equal(q->tags.n, 2);
	assert_int_equal(q->attributes.n, 1);
	assert_string_equal(q->attributes.vals[0], "b");
	assert_string_equal(q->measurement_alias, "alias1");
}

static void check_create_multi(const rpc_request_t *req, arena_t *a)
{
	const rpc_create_multi_req_t *q = req->msg;
	assert_int_equal(q->paths.n, 2);
	assert_string_equal(q->paths.v[1], "root.sg.d2.b");
	assert_int_equal(q->data_types.n, 2);
	assert_int_equal(q->data_types.v[0], TSFILE_INT32);
	assert_int_equal(q->data_types.v[1], TSFILE_DOUBLE);
	assert_int_equal(q->encodings.v[1], TSFILE_GORILLA);
	assert_int_equal(q->compressors.v[0], TSFILE_LZ4);
	assert_int_equal(q->compressors.v[1], TSFILE_ZSTD);
	assert_false(rpc_has(q, 6));
	assert_int_equal(q->props_list.n, 0);
	assert_int_equal(q->tags_list.n, 2);
	assert_int_equal(q->tags_list.v[0].n, 1);
	assert_string_equal(q->tags_list.v[0].keys[0], "k");
	assert_int_equal(q->tags_list.v[1].n, 0);
	assert_int_equal(q->measurement_alias_list.n, 2);
	assert_string_equal(q->measurement_alias_list.v[1], "y");
}

static void check_delete_data(const rpc_request_t *req, arena_t *a)
{
	const rpc_delete_data_req_t *q = req->msg;
	assert_int_equal(q->paths.n, 1);
	assert_true(q->start_time == INT64_MIN);
	assert_int_equal(q->end_time, 100);
}

static void check_raw_query(const rpc_request_t *req, arena_t *a)
{
	const rpc_raw_query_req_t *q = req->msg;
	assert_string_equal(q->paths.v[0], "root.sg.d1.s1");
	assert_int_equal(q->fetch_size, 1024);
	assert_int_equal(q->start_time, 10);
	assert_int_equal(q->end_time, 20);
	assert_int_equal(q->statement_id, 7);
	assert_true(rpc_has(q, 7));
	assert_false(q->enable_redirect_query);
}

static void check_query_template(const rpc_request_t *req, arena_t *a)
{
	const rpc_query_template_req_t *q = req->msg;
	assert_string_equal(q->name, "t1");
	assert_int_equal(q->query_type, 3);
	assert_null(q->measurement);
}

/* The values gen_vectors.py put in insert_record, in ALL_NAMES order. */
static void check_all_types_record(const tsfile_point_t *p)
{
	static const char *const names[] = {"b", "i", "l", "f", "d", "t", "ts", "dt", "x", "s"};
	for (int i = 0; i < 10; i++) {
		assert_string_equal(p[i].measurement, names[i]);
		assert_false(p[i].value.is_null);
	}
	assert_int_equal(p[0].value.type, TSFILE_BOOLEAN);
	assert_int_equal(p[0].value.v.b, 1);
	assert_int_equal(p[1].value.v.i32, -7);
	assert_int_equal(p[2].value.v.i64, (int64_t)1 << 40);
	assert_true(p[3].value.v.f == 1.5f);
	assert_true(p[4].value.v.d == -2.25);
	assert_int_equal(p[5].value.type, TSFILE_TEXT);
	assert_int_equal(p[5].value.v.bytes.len, 2);
	assert_memory_equal(p[5].value.v.bytes.ptr, "hi", 2);
	assert_int_equal(p[6].value.type, TSFILE_TIMESTAMP);
	assert_int_equal(p[6].value.v.i64, 1700000000000);
	assert_int_equal(p[7].value.type, TSFILE_DATE);
	assert_int_equal(p[7].value.v.i32, 20240131);
	assert_int_equal(p[8].value.type, TSFILE_BLOB);
	assert_int_equal(p[8].value.v.bytes.len, 2);
	assert_memory_equal(p[8].value.v.bytes.ptr, "\x00\xff", 2);
	assert_int_equal(p[9].value.type, TSFILE_STRING);
	assert_memory_equal(p[9].value.v.bytes.ptr, "str", 3);
}

static void check_insert_record(const rpc_request_t *req, arena_t *a)
{
	const rpc_insert_record_req_t *q = req->msg;
	tsfile_point_t pts[10];
	uint8_t infer[10];
	larch_error_t err = {0};
	assert_string_equal(q->prefix_path, "root.sg.d1");
	assert_int_equal(q->timestamp, 123);
	assert_int_equal(q->measurements.n, 10);
	assert_false(q->is_aligned);
	assert_int_equal(rpc_parse_record_values(q->values, (const char *const *)q->measurements.v,
						 10, pts, infer, &err), LARCH_OK);
	check_all_types_record(pts);
	for (int i = 0; i < 10; i++)
		assert_int_equal(infer[i], 0);
	/* one value too few for the blob: trailing bytes are an error */
	assert_int_equal(rpc_parse_record_values(q->values, (const char *const *)q->measurements.v,
						 9, pts, infer, &err), LARCH_ILLEGAL_PARAMETER);
}

static void check_insert_records(const rpc_request_t *req, arena_t *a)
{
	const rpc_insert_records_req_t *q = req->msg;
	tsfile_point_t p[2];
	larch_error_t err = {0};
	assert_int_equal(q->prefix_paths.n, 2);
	assert_string_equal(q->prefix_paths.v[1], "root.sg.d2");
	assert_int_equal(q->measurements_list.n, 2);
	assert_int_equal(q->measurements_list.v[1].n, 2);
	assert_string_equal(q->measurements_list.v[1].v[1], "c");
	assert_int_equal(q->timestamps.n, 2);
	assert_int_equal(q->timestamps.v[1], 2);
	assert_true(q->is_aligned);
	assert_int_equal(rpc_parse_record_values(q->values_list.v[0],
						 (const char *const *)q->measurements_list.v[0].v,
						 1, p, NULL, &err), LARCH_OK);
	assert_int_equal(p[0].value.v.i32, 5);
	assert_int_equal(rpc_parse_record_values(q->values_list.v[1],
						 (const char *const *)q->measurements_list.v[1].v,
						 2, p, NULL, &err), LARCH_OK);
	assert_true(p[0].value.v.d == 0.5);
	assert_memory_equal(p[1].value.v.bytes.ptr, "z", 1);
}

static void check_records_one_device(const rpc_request_t *req, arena_t *a)
{
	const rpc_insert_records_one_device_req_t *q = req->msg;
	tsfile_point_t p[2];
	larch_error_t err = {0};
	assert_string_equal(q->prefix_path, "root.sg.d1");
	assert_int_equal(q->timestamps.n, 2);
	assert_int_equal(q->timestamps.v[0], 10);
	assert_int_equal(q->values_list.n, 2);
	assert_int_equal(rpc_parse_record_values(q->values_list.v[1],
						 (const char *const *)q->measurements_list.v[1].v,
						 2, p, NULL, &err), LARCH_OK);
	assert_int_equal(p[0].value.type, TSFILE_INT64);
	assert_int_equal(p[0].value.v.i64, 2);
	assert_int_equal(p[1].value.v.i64, 3);
	assert_string_equal(p[1].measurement, "b");
}

static void check_str_records_one_device(const rpc_request_t *req, arena_t *a)
{
	const rpc_insert_string_records_one_device_req_t *q = req->msg;
	assert_int_equal(q->values_list.n, 2);
	assert_string_equal(q->values_list.v[0].v[0], "1");
	assert_string_equal(q->values_list.v[1].v[0], "2.5");
	assert_string_equal(q->values_list.v[1].v[1], "true");
	assert_string_equal(q->measurements_list.v[1].v[1], "b");
}

static int is_null_at(const tsfile_column_t *c, size_t r)
{
	return c->is_null && c->is_null[r];
}

/* insert_tablet of gen_vectors.py: 9 rows, all types, nulls at INT32 row 1,
 * DATE rows 1..8, TEXT row 3, BOOLEAN row 8. */
static void check_insert_tablet(const rpc_request_t *req, arena_t *a)
{
	const rpc_insert_tablet_req_t *q = req->msg;
	rpc_tablet_t t;
	larch_error_t err = {0};
	assert_int_equal(q->size, 9);
	assert_true(q->is_aligned);
	assert_int_equal(rpc_parse_insert_tablet(q, a, &t, &err), LARCH_OK);
	assert_true(t.aligned);
	assert_false(t.to_table);
	assert_string_equal(t.tablet.target, "root.sg.d1");
	assert_int_equal(t.tablet.n_rows, 9);
	assert_int_equal(t.tablet.n_columns, 10);
	const tsfile_column_t *c = t.tablet.columns;
	for (int r = 0; r < 9; r++) {
		assert_int_equal(t.tablet.times[r], 100 + r);
		assert_int_equal(is_null_at(&c[0], r), r == 8);
		if (r != 8)
			assert_int_equal(((const uint8_t *)c[0].values)[r], r % 2 == 0);
		assert_int_equal(is_null_at(&c[1], r), r == 1);
		if (r != 1)
			assert_int_equal(((const int32_t *)c[1].values)[r], r * 10 - 3);
		assert_false(is_null_at(&c[2], r));
		assert_int_equal(((const int64_t *)c[2].values)[r], (int64_t)r * 1000000007);
		assert_true(((const float *)c[3].values)[r] == r / 4.0f);
		assert_true(((const double *)c[4].values)[r] == r * -1.5);
		assert_int_equal(is_null_at(&c[5], r), r == 3);
		if (r != 3) {
			char want[16];
			snprintf(want, sizeof want, "t%d", r);
			const tsfile_bytes_t *b = &((const tsfile_bytes_t *)c[5].values)[r];
			assert_int_equal(b->len, strlen(want));
			assert_memory_equal(b->ptr, want, b->len);
		}
		assert_int_equal(((const int64_t *)c[6].values)[r], 1700000000000 + r);
		assert_int_equal(is_null_at(&c[7], r), r >= 1);
		if (r == 0)
			assert_int_equal(((const int32_t *)c[7].values)[0], 20240201);
		const tsfile_bytes_t *x = &((const tsfile_bytes_t *)c[8].values)[r];
		assert_int_equal(x->len, 3);
		assert_int_equal((uint8_t)x->ptr[0], r);
		assert_int_equal((uint8_t)x->ptr[1], 0);
		const tsfile_bytes_t *s = &((const tsfile_bytes_t *)c[9].values)[r];
		assert_int_equal(s->len, r);
	}
	assert_int_equal(c[7].type, TSFILE_DATE);
	assert_int_equal(c[9].type, TSFILE_STRING);
	assert_null(c[2].is_null); /* flag 0 in the trailer */
}

static void check_insert_tablets(const rpc_request_t *req, arena_t *a)
{
	const rpc_insert_tablets_req_t *q = req->msg;
	rpc_tablet_t t;
	larch_error_t err = {0};
	assert_int_equal(q->prefix_paths.n, 2);
	assert_int_equal(rpc_parse_insert_tablets_item(q, 0, a, &t, &err), LARCH_OK);
	assert_string_equal(t.tablet.target, "root.sg.d3");
	assert_int_equal(t.tablet.n_rows, 3);
	const tsfile_column_t *c = t.tablet.columns;
	assert_int_equal(c[0].type, TSFILE_DOUBLE);
	assert_true(((const double *)c[0].values)[1] == 2.0);
	assert_non_null(c[0].is_null);
	assert_int_equal(c[0].is_null[0] + c[0].is_null[1], 0);
	assert_int_equal(c[0].is_null[2], 1);
	assert_null(c[1].is_null);
	assert_int_equal(((const int32_t *)c[1].values)[2], 6);
	assert_int_equal(t.tablet.times[2], 9);
	assert_int_equal(rpc_parse_insert_tablets_item(q, 1, a, &t, &err), LARCH_OK);
	assert_string_equal(t.tablet.target, "root.sg.d4");
	assert_int_equal(t.tablet.n_rows, 2);
	assert_int_equal(((const int64_t *)t.tablet.columns[0].values)[1], 2);
	assert_null(t.tablet.columns[0].is_null);
	assert_int_equal(rpc_parse_insert_tablets_item(q, 2, a, &t, &err),
			 LARCH_ILLEGAL_PARAMETER);
}

static void check_table_tablet(const rpc_request_t *req, arena_t *a)
{
	const rpc_insert_tablet_req_t *q = req->msg;
	rpc_tablet_t t;
	larch_error_t err = {0};
	assert_true(q->write_to_table);
	assert_int_equal(rpc_parse_insert_tablet(q, a, &t, &err), LARCH_OK);
	assert_true(t.to_table);
	assert_string_equal(t.tablet.target, "t1");
	assert_int_equal(t.categories[0], 0);
	assert_int_equal(t.categories[1], 2);
	assert_int_equal(t.categories[2], 1);
	const tsfile_column_t *c = t.tablet.columns;
	assert_int_equal(is_null_at(&c[1], 1), 1);
	assert_int_equal(is_null_at(&c[1], 0), 0);
	assert_memory_equal(((const tsfile_bytes_t *)c[0].values)[1].ptr, "b", 1);
	assert_true(((const double *)c[2].values)[1] == 2.0);

	/* categories of the wrong length are refused */
	rpc_insert_tablet_req_t bad = *q;
	bad.column_categories.n = 2;
	assert_int_equal(rpc_parse_insert_tablet(&bad, a, &t, &err), LARCH_ILLEGAL_PARAMETER);
	bad.isset &= ~(1u << 10);
	bad.column_categories.n = 0;
	assert_int_equal(rpc_parse_insert_tablet(&bad, a, &t, &err), LARCH_ILLEGAL_PARAMETER);
}

static void check_create_template(const rpc_request_t *req, arena_t *a)
{
	const rpc_create_template_req_t *q = req->msg;
	rpc_template_t t;
	larch_error_t err = {0};
	assert_string_equal(q->name, "tpl1");
	assert_int_equal(rpc_parse_template(q->serialized_template, a, &t, &err), LARCH_OK);
	assert_string_equal(t.name, "tpl1");
	assert_true(t.share_time);
	assert_int_equal(t.n, 2);
	/* the client writes the measurements from a stack: last added first */
	assert_string_equal(t.m[1].name, "s1");
	assert_string_equal(t.m[1].prefix, "");
	assert_true(t.m[1].aligned); /* shareTime makes the top level aligned */
	assert_int_equal(t.m[1].data_type, TSFILE_INT64);
	assert_int_equal(t.m[1].encoding, TSFILE_RLE);
	assert_int_equal(t.m[1].compressor, TSFILE_SNAPPY);
	assert_string_equal(t.m[0].name, "s2");
	assert_int_equal(t.m[0].data_type, TSFILE_FLOAT);
	assert_int_equal(t.m[0].encoding, TSFILE_GORILLA);
	assert_int_equal(t.m[0].compressor, TSFILE_LZ4);
	/* every truncation of the blob fails cleanly, except at a record
	 * boundary (9: header only; 23: header + the 14-byte first record) */
	for (size_t n = 0; n < q->serialized_template.len; n++) {
		rpc_bin_t cut = {q->serialized_template.ptr, n};
		int rc = rpc_parse_template(cut, a, &t, &err);
		assert_int_equal(rc, n == 9 || n == 23 ? LARCH_OK : LARCH_ILLEGAL_PARAMETER);
	}
}

static void test_session_calls(void **state)
{
	(void)state;
	RUN(OPEN_SESSION, RPC_M_OPEN_SESSION, check_open_session);
	RUN(REQUEST_STATEMENT_ID, RPC_M_REQUEST_STATEMENT_ID, check_session_id);
	RUN(SET_TIME_ZONE, RPC_M_SET_TIME_ZONE, check_set_time_zone);
	RUN(EXEC_QUERY_V2, RPC_M_EXECUTE_QUERY_STATEMENT_V2, check_exec_query);
	RUN(EXEC_UPDATE_V2, RPC_M_EXECUTE_UPDATE_STATEMENT_V2, check_exec_update);
	RUN(FETCH_V2, RPC_M_FETCH_RESULTS_V2, check_fetch);
	RUN(CLOSE_OPERATION, RPC_M_CLOSE_OPERATION, check_close_op);
	RUN(RAW_QUERY, RPC_M_EXECUTE_RAW_DATA_QUERY_V2, check_raw_query);
}

static void test_schema_calls(void **state)
{
	(void)state;
	RUN(SET_STORAGE_GROUP, RPC_M_SET_STORAGE_GROUP, check_storage_group);
	RUN(DELETE_TIMESERIES, RPC_M_DELETE_TIMESERIES, check_delete_ts);
	RUN(CREATE_TIMESERIES, RPC_M_CREATE_TIMESERIES, check_create_ts);
	RUN(CREATE_MULTI, RPC_M_CREATE_MULTI_TIMESERIES, check_create_multi);
	RUN(DELETE_DATA, RPC_M_DELETE_DATA, check_delete_data);
	RUN(QUERY_TEMPLATE, RPC_M_QUERY_SCHEMA_TEMPLATE, check_query_template);
	RUN(CREATE_TEMPLATE, RPC_M_CREATE_SCHEMA_TEMPLATE, check_create_template);
}

static void test_insert_calls(void **state)
{
	(void)state;
	RUN(INSERT_RECORD, RPC_M_INSERT_RECORD, check_insert_record);
	RUN(INSERT_RECORDS, RPC_M_INSERT_RECORDS, check_insert_records);
	RUN(INSERT_RECORDS_ONE_DEVICE, RPC_M_INSERT_RECORDS_OF_ONE_DEVICE,
	    check_records_one_device);
	RUN(INSERT_STR_RECORDS_ONE_DEVICE, RPC_M_INSERT_STRING_RECORDS_OF_ONE_DEVICE,
	    check_str_records_one_device);
	RUN(INSERT_TABLET, RPC_M_INSERT_TABLET, check_insert_tablet);
	RUN(INSERT_TABLETS, RPC_M_INSERT_TABLETS, check_insert_tablets);
	RUN(INSERT_TABLE_TABLET, RPC_M_INSERT_TABLET, check_table_tablet);
}

/* Record values the Python client never sends but Java does: null (0xFE)
 * and the server-side raw string (0xFF). */
static void test_record_null_and_raw(void **state)
{
	(void)state;
	static const uint8_t blob[] = {0xfe, 0xff, 0, 0, 0, 2, '4', '2', 0x01, 0, 0, 0, 9};
	const char *const names[] = {"n", "r", "i"};
	tsfile_point_t p[3];
	uint8_t infer[3];
	larch_error_t err = {0};
	rpc_bin_t b = {blob, sizeof blob};
	assert_int_equal(rpc_parse_record_values(b, names, 3, p, infer, &err), LARCH_OK);
	assert_true(p[0].value.is_null);
	assert_int_equal(infer[1], 1);
	assert_memory_equal(p[1].value.v.bytes.ptr, "42", 2);
	assert_int_equal(p[2].value.v.i32, 9);
	assert_int_equal(rpc_parse_record_values(b, names, 3, p, NULL, &err),
			 LARCH_ILLEGAL_PARAMETER);
	static const uint8_t bad_type[] = {0x07, 0, 0, 0, 0};
	rpc_bin_t bt = {bad_type, sizeof bad_type};
	assert_int_equal(rpc_parse_record_values(bt, names, 1, p, infer, &err),
			 LARCH_ILLEGAL_PARAMETER);
	static const uint8_t huge_text[] = {0x05, 0x7f, 0xff, 0xff, 0xff, 'a'};
	rpc_bin_t ht = {huge_text, sizeof huge_text};
	assert_int_equal(rpc_parse_record_values(ht, names, 1, p, infer, &err),
			 LARCH_ILLEGAL_PARAMETER);
}

/* Hand-made tablet: the bitmap trailer layout of the reference's example
 * (9 rows: INT32 row 1 null, DATE rows 1-8 null -> 01 02 00 ... 01 fe 01),
 * and the checks on counts. */
static void test_tablet_trailer_and_limits(void **state)
{
	(void)state;
	arena_t *a = arena_new(0);
	uint8_t times[9 * 8], values[2 * 9 * 4 + 2 * 3], *p = values;
	for (int r = 0; r < 9; r++)
		store_be64(times + 8 * r, (uint64_t)r);
	for (int c = 0; c < 2; c++)
		for (int r = 0; r < 9; r++, p += 4)
			store_be32(p, (uint32_t)(c * 100 + r));
	memcpy(p, "\x01\x02\x00\x01\xfe\x01", 6);
	char *names[] = {"i", "dt"};
	int32_t types[] = {TSFILE_INT32, TSFILE_DATE};
	rpc_strs_t ms = {names, 2};
	rpc_i32s_t ts = {types, 2};
	rpc_tablet_t t;
	larch_error_t err = {0};
	rpc_bin_t tb = {times, sizeof times}, vb = {values, sizeof values};
	assert_int_equal(rpc_parse_tablet("root.a.b", &ms, &ts, 9, tb, vb, a, &t, &err), LARCH_OK);
	for (int r = 0; r < 9; r++) {
		assert_int_equal(t.tablet.columns[0].is_null[r], r == 1);
		assert_int_equal(t.tablet.columns[1].is_null[r], r >= 1);
		assert_int_equal(((const int32_t *)t.tablet.columns[1].values)[r], 100 + r);
	}
	/* more rows than timestamps, negative rows, type count mismatch, bad type */
	assert_int_equal(rpc_parse_tablet("x", &ms, &ts, 10, tb, vb, a, &t, &err),
			 LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(rpc_parse_tablet("x", &ms, &ts, -1, tb, vb, a, &t, &err),
			 LARCH_ILLEGAL_PARAMETER);
	rpc_i32s_t one = {types, 1};
	assert_int_equal(rpc_parse_tablet("x", &ms, &one, 9, tb, vb, a, &t, &err),
			 LARCH_ILLEGAL_PARAMETER);
	int32_t vec[] = {TSFILE_INT32, TSFILE_VECTOR};
	rpc_i32s_t bad = {vec, 2};
	assert_int_equal(rpc_parse_tablet("x", &ms, &bad, 9, tb, vb, a, &t, &err),
			 LARCH_ILLEGAL_PARAMETER);
	/* every truncation of the values blob fails (or, at the exact end of
	 * the columns, succeeds without bitmaps) */
	for (size_t n = 0; n < sizeof values; n++) {
		rpc_bin_t cut = {values, n};
		int rc = rpc_parse_tablet("x", &ms, &ts, 9, tb, cut, a, &t, &err);
		assert_int_equal(rc, n == 72 ? LARCH_OK : LARCH_ILLEGAL_PARAMETER);
	}
	arena_free(a);
}

static void test_dispatch_table(void **state)
{
	(void)state;
	for (int m = 1; m < RPC_M_COUNT; m++) {
		const char *name = rpc_method_name((rpc_method_t)m);
		assert_non_null(name);
		assert_int_equal(rpc_method_lookup(name, strlen(name)), m);
	}
	assert_int_equal(rpc_method_lookup("openSessio", 10), RPC_M_UNKNOWN);
	assert_int_equal(rpc_method_result(RPC_M_REQUEST_STATEMENT_ID), RPC_R_I64);
	assert_int_equal(rpc_method_result(RPC_M_FETCH_RESULTS_V2), RPC_R_FETCH);
	assert_null(rpc_method_name(RPC_M_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_calls),
		cmocka_unit_test(test_schema_calls),
		cmocka_unit_test(test_insert_calls),
		cmocka_unit_test(test_record_null_and_raw),
		cmocka_unit_test(test_tablet_trailer_and_limits),
		cmocka_unit_test(test_dispatch_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
