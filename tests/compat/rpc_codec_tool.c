/*
 * rpc_codec_tool — drives src/rpc for tests/compat/test_rpc_codec.py.
 *
 *   rpc_codec_tool < request-message > reply-message
 *
 * Reads one Thrift CALL message (no frame length; binary or compact, as
 * the official Python client wrote it), decodes it with rpc_decode_request
 * and writes the reply src/rpc encodes, in the same protocol:
 *   openSession              status 200, protocol 2, sessionId 7, precision "ms"
 *   executeQueryStatementV2  the block below as two TsBlocks (rows 0-2, 3-4)
 *   executeQueryStatement    the block below as a V1 TSQueryDataSet
 *   insertTablet             status 200, message "rows=R cols=C nulls=N" from rpc_parse_insert_tablet
 *   closeSession             status 302 with two sub statuses (one redirect)
 *   anything undecodable     a TApplicationException
 * The block: 5 rows, times 1000..1004, one column of every type, row r of
 * column c null when (r + c) % 3 == 0; values are value_of(r, c) below,
 * mirrored by the Python test.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rpc/rpc.h"

enum { ROWS = 5, COLS = 10 };
static const tsfile_type_t types[COLS] = {
	TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT, TSFILE_DOUBLE,
	TSFILE_TEXT, TSFILE_TIMESTAMP, TSFILE_DATE, TSFILE_BLOB, TSFILE_STRING};
static const char *const names[COLS] = {"root.sg.d.b", "root.sg.d.i", "root.sg.d.l",
	"root.sg.d.f", "root.sg.d.d", "root.sg.d.t", "root.sg.d.ts", "root.sg.d.dt",
	"root.sg.d.x", "root.sg.d.s"};

static int64_t times[ROWS];
static uint8_t nulls[COLS][ROWS], b[ROWS];
static int32_t i32[ROWS], dt[ROWS];
static int64_t i64[ROWS], ts[ROWS];
static float f32[ROWS];
static double f64[ROWS];
static tsfile_bytes_t text[ROWS], blob[ROWS], str[ROWS];
static char text_buf[ROWS][8], blob_buf[ROWS][2], str_buf[ROWS][8];
static larch_column_t cols[COLS];

static larch_block_t make_block(void)
{
	for (int r = 0; r < ROWS; r++) {
		times[r] = 1000 + r;
		b[r] = r % 2 == 1;
		i32[r] = r * -7;
		i64[r] = (int64_t)r << 40;
		f32[r] = r * 0.25f;
		f64[r] = r * 1.5;
		snprintf(text_buf[r], sizeof text_buf[r], "t%d", r);
		text[r] = (tsfile_bytes_t){text_buf[r], (uint32_t)strlen(text_buf[r])};
		ts[r] = 1700000000000 + r;
		dt[r] = 20240101 + r;
		blob_buf[r][0] = (char)r;
		blob_buf[r][1] = 0;
		blob[r] = (tsfile_bytes_t){blob_buf[r], 2};
		memset(str_buf[r], 's', (size_t)r);
		str[r] = (tsfile_bytes_t){str_buf[r], (uint32_t)r};
		for (int c = 0; c < COLS; c++)
			nulls[c][r] = (r + c) % 3 == 0;
	}
	const void *vals[COLS] = {b, i32, i64, f32, f64, text, ts, dt, blob, str};
	for (int c = 0; c < COLS; c++)
		cols[c] = (larch_column_t){types[c], vals[c], nulls[c]};
	return (larch_block_t){ROWS, times, COLS, cols};
}

static int reply_query(buf_t *out, const rpc_request_t *req, int v1, larch_error_t *err)
{
	larch_block_t blk = make_block();
	const char *type_names[COLS];
	int32_t index[COLS];
	for (int c = 0; c < COLS; c++) {
		type_names[c] = rpc_type_name(types[c]);
		index[c] = c;
	}
	rpc_exec_resp_t r = {.status = {.code = RPC_SUCCESS}, .has_query_id = 1, .query_id = 99,
			     .columns = names, .n_columns = COLS, .has_ignore_time_stamp = 1,
			     .data_types = type_names, .n_data_types = COLS,
			     .index_names = names, .index_values = index, .n_index = COLS,
			     .has_sg_columns = 1, .has_more_data = 1, .more_data = 1};
	buf_t blocks = BUF_INIT;
	rpc_qds_t q = {0};
	int rc;
	if (v1) {
		if ((rc = rpc_qds_init(&q, types, COLS, err)) ||
		    (rc = rpc_qds_append(&q, &blk, 0, 2, err)) ||
		    (rc = rpc_qds_append(&q, &blk, 2, 3, err)))
			goto done;
		r.query_data_set = &q;
	} else {
		if ((rc = rpc_tsblock_encode(&blocks, &blk, 0, 3, err)))
			goto done;
		size_t first = blocks.len;
		if ((rc = rpc_tsblock_encode(&blocks, &blk, 3, 2, err)))
			goto done;
		rpc_bin_t parts[2] = {{blocks.data, first}, {blocks.data + first, blocks.len - first}};
		r.query_result = parts;
		r.n_query_result = 2;
		rc = rpc_encode_reply(out, req, &r, err);
		goto done;
	}
	rc = rpc_encode_reply(out, req, &r, err);
done:
	rpc_qds_free(&q);
	buf_free(&blocks);
	return rc;
}

static int reply(buf_t *out, const rpc_request_t *req, arena_t *a, larch_error_t *err)
{
	char msg[128];
	switch (req->method) {
	case RPC_M_OPEN_SESSION: {
		const char *k[] = {"timestamp_precision"}, *v[] = {"ms"};
		rpc_open_session_resp_t r = {.status = {.code = RPC_SUCCESS, .message = "ok"},
					     .server_protocol_version = 2, .has_session_id = 1,
					     .session_id = 7, .config_keys = k, .config_vals = v,
					     .n_config = 1};
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_M_EXECUTE_QUERY_STATEMENT_V2:
		return reply_query(out, req, 0, err);
	case RPC_M_EXECUTE_QUERY_STATEMENT:
		return reply_query(out, req, 1, err);
	case RPC_M_INSERT_TABLET: {
		rpc_tablet_t t;
		int rc = rpc_parse_insert_tablet(req->msg, a, &t, err);
		if (rc)
			return rc;
		size_t n_null = 0;
		for (size_t c = 0; c < t.tablet.n_columns; c++)
			for (size_t r = 0; t.tablet.columns[c].is_null && r < t.tablet.n_rows; r++)
				n_null += t.tablet.columns[c].is_null[r];
		snprintf(msg, sizeof msg, "rows=%zu cols=%zu nulls=%zu", t.tablet.n_rows,
			 t.tablet.n_columns, n_null);
		rpc_status_t st = {.code = RPC_SUCCESS, .message = msg};
		return rpc_encode_reply(out, req, &st, err);
	}
	case RPC_M_CLOSE_SESSION: {
		static const rpc_endpoint_t ep = {"10.0.0.1", 6668};
		rpc_status_t sub[2] = {{.code = RPC_SUCCESS},
				       {.code = 400, .message = "moved", .redirect = &ep}};
		rpc_status_t st = {.code = RPC_MULTIPLE_ERROR, .message = "batch", .sub = sub,
				   .n_sub = 2, .has_need_retry = 1, .need_retry = 1};
		return rpc_encode_reply(out, req, &st, err);
	}
	default:
		return err_set(err, LARCH_UNSUPPORTED, "rpc_codec_tool: %s not handled",
			       req->name);
	}
}

int main(void)
{
	static uint8_t in[1 << 20];
	size_t n = fread(in, 1, sizeof in, stdin);
	arena_t *a = arena_new(0);
	buf_t out = BUF_INIT;
	rpc_request_t req;
	larch_error_t err = {0};
	int rc = a ? rpc_decode_request(in, n, a, &req, &err) : LARCH_NO_MEMORY;
	if (rc == LARCH_OK)
		rc = reply(&out, &req, a, &err);
	if (rc) {
		buf_reset(&out);
		rpc_encode_exception(&out, req.proto, req.name, req.seqid,
				     rc == LARCH_UNSUPPORTED ? RPC_EXC_UNKNOWN_METHOD
							     : RPC_EXC_PROTOCOL_ERROR,
				     err.msg, &err);
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	arena_free(a);
	return 0;
}
