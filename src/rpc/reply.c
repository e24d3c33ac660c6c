/*
 * reply.c — REPLY and EXCEPTION messages of the IoTDB client service.
 *
 * A reply is  message header (REPLY, the call's name and seqid)
 *             struct <method>_result { 0: success <the result> } STOP
 * Every field the IDL marks required is always written (Java and C#
 * readers reject replies without them); optional ones only when set in
 * the C struct (pointer non-NULL or has_x != 0).
 */
#include "rpc/rpc.h"

rpc_status_t rpc_status_from(int rc, const larch_error_t *err)
{
	rpc_status_t st = {0};
	if (rc == LARCH_OK) {
		st.code = RPC_SUCCESS;
		return st;
	}
	st.code = rc;
	st.message = err && err->msg[0] ? err->msg : NULL;
	return st;
}

static void write_strings(rpc_writer_t *w, int16_t id, const char *const *v, size_t n)
{
	rpc_write_field(w, RPC_T_LIST, id);
	rpc_write_list_begin(w, RPC_T_STRING, n);
	for (size_t i = 0; i < n; i++)
		rpc_write_string(w, v[i]);
}

static void write_binaries(rpc_writer_t *w, int16_t id, const rpc_bin_t *v, size_t n)
{
	rpc_write_field(w, RPC_T_LIST, id);
	rpc_write_list_begin(w, RPC_T_STRING, n);
	for (size_t i = 0; i < n; i++)
		rpc_write_binary(w, v[i].ptr, v[i].len);
}

static void write_opt_string(rpc_writer_t *w, int16_t id, const char *s)
{
	if (s)
		rpc_write_field_string(w, id, s);
}

static void write_opt_bool(rpc_writer_t *w, int16_t id, int has, int v)
{
	if (has)
		rpc_write_field_bool(w, id, v);
}

/* TSStatus: 1 code R | 2 message | 3 subStatus list<TSStatus> |
 * 4 redirectNode TEndPoint{1 ip, 2 port} | 5 needRetry | 6 responseData.
 * Sub statuses nest; the writer's depth limit stops runaway recursion. */
void rpc_write_status(rpc_writer_t *w, const rpc_status_t *st)
{
	rpc_write_struct_begin(w);
	rpc_write_field_i32(w, 1, st->code);
	write_opt_string(w, 2, st->message);
	if (st->sub && !w->overflow) {
		rpc_write_field(w, RPC_T_LIST, 3);
		rpc_write_list_begin(w, RPC_T_STRUCT, st->n_sub);
		for (size_t i = 0; i < st->n_sub; i++)
			rpc_write_status(w, &st->sub[i]);
	}
	if (st->redirect) {
		rpc_write_field(w, RPC_T_STRUCT, 4);
		rpc_write_struct_begin(w);
		rpc_write_field_string(w, 1, st->redirect->ip);
		rpc_write_field_i32(w, 2, st->redirect->port);
		rpc_write_struct_end(w);
	}
	write_opt_bool(w, 5, st->has_need_retry, st->need_retry);
	rpc_write_struct_end(w);
}

static void field_status(rpc_writer_t *w, int16_t id, const rpc_status_t *st)
{
	rpc_write_field(w, RPC_T_STRUCT, id);
	rpc_write_status(w, st);
}

static void write_open_session(rpc_writer_t *w, const rpc_open_session_resp_t *r)
{
	field_status(w, 1, &r->status);
	rpc_write_field_i32(w, 2, r->server_protocol_version);
	if (r->has_session_id)
		rpc_write_field_i64(w, 3, r->session_id);
	if (r->config_keys) {
		rpc_write_field(w, RPC_T_MAP, 4);
		rpc_write_map_begin(w, RPC_T_STRING, RPC_T_STRING, r->n_config);
		for (size_t i = 0; i < r->n_config; i++) {
			rpc_write_string(w, r->config_keys[i]);
			rpc_write_string(w, r->config_vals[i]);
		}
	}
}

static void write_properties(rpc_writer_t *w, const rpc_properties_t *p)
{
	rpc_write_field_string(w, 1, p->version);
	write_strings(w, 2, p->time_aggregations, p->n_time_aggregations);
	rpc_write_field_string(w, 3, p->timestamp_precision);
	rpc_write_field_i32(w, 4, p->max_concurrent_client_num);
	if (p->has_thrift_max_frame_size)
		rpc_write_field_i32(w, 5, p->thrift_max_frame_size);
	write_opt_bool(w, 6, p->has_is_read_only, p->is_read_only);
	write_opt_string(w, 7, p->build_info);
	write_opt_string(w, 8, p->logo);
}

static void field_qds(rpc_writer_t *w, int16_t id, const rpc_qds_t *q)
{
	rpc_write_field(w, RPC_T_STRUCT, id);
	rpc_write_qds(w, q);
}

/* TSExecuteStatementResp, field ids as in rpc.h's member order. */
static void write_exec(rpc_writer_t *w, const rpc_exec_resp_t *r)
{
	field_status(w, 1, &r->status);
	if (r->has_query_id)
		rpc_write_field_i64(w, 2, r->query_id);
	if (r->columns)
		write_strings(w, 3, r->columns, r->n_columns);
	write_opt_string(w, 4, r->operation_type);
	write_opt_bool(w, 5, r->has_ignore_time_stamp, r->ignore_time_stamp);
	if (r->data_types)
		write_strings(w, 6, r->data_types, r->n_data_types);
	if (r->query_data_set)
		field_qds(w, 7, r->query_data_set);
	if (r->index_names) {
		rpc_write_field(w, RPC_T_MAP, 9);
		rpc_write_map_begin(w, RPC_T_STRING, RPC_T_I32, r->n_index);
		for (size_t i = 0; i < r->n_index; i++) {
			rpc_write_string(w, r->index_names[i]);
			rpc_write_i32(w, r->index_values[i]);
		}
	}
	if (r->has_sg_columns)
		write_strings(w, 10, NULL, 0);
	if (r->query_result)
		write_binaries(w, 13, r->query_result, r->n_query_result);
	write_opt_bool(w, 14, r->has_more_data, r->more_data);
	write_opt_string(w, 15, r->database);
	write_opt_bool(w, 16, r->has_table_model, r->table_model);
	if (r->column_index_to_block) {
		rpc_write_field(w, RPC_T_LIST, 17);
		rpc_write_list_begin(w, RPC_T_I32, r->n_column_index_to_block);
		for (size_t i = 0; i < r->n_column_index_to_block; i++)
			rpc_write_i32(w, r->column_index_to_block[i]);
	}
}

static void write_fetch(rpc_writer_t *w, const rpc_fetch_resp_t *r)
{
	field_status(w, 1, &r->status);
	rpc_write_field_bool(w, 2, r->has_result_set);
	rpc_write_field_bool(w, 3, r->is_align);
	if (r->query_data_set)
		field_qds(w, 4, r->query_data_set);
	if (r->query_result)
		write_binaries(w, 6, r->query_result, r->n_query_result);
	write_opt_bool(w, 7, r->has_more_data, r->more_data);
}

static void write_query_template(rpc_writer_t *w, const rpc_query_template_resp_t *r)
{
	field_status(w, 1, &r->status);
	rpc_write_field_i32(w, 2, r->query_type);
	write_opt_bool(w, 3, r->has_result, r->result);
	if (r->has_count)
		rpc_write_field_i32(w, 4, r->count);
	if (r->measurements)
		write_strings(w, 5, r->measurements, r->n_measurements);
}

static void write_backup_config(rpc_writer_t *w, const rpc_backup_config_resp_t *r)
{
	field_status(w, 1, &r->status);
	write_opt_bool(w, 2, r->has_enable_operation_sync, r->enable_operation_sync);
	write_opt_string(w, 3, r->secondary_address);
	if (r->has_secondary_port)
		rpc_write_field_i32(w, 4, r->secondary_port);
}

/* TSConnectionInfoResp: 1 list<TSConnectionInfo{1 userName, 2 logInTime,
 * 3 connectionId, 4 type}>, all required. */
static void write_connections(rpc_writer_t *w, const rpc_connections_resp_t *r)
{
	rpc_write_field(w, RPC_T_LIST, 1);
	rpc_write_list_begin(w, RPC_T_STRUCT, r->n);
	for (size_t i = 0; i < r->n; i++) {
		const rpc_connection_info_t *c = &r->v[i];
		rpc_write_struct_begin(w);
		rpc_write_field_string(w, 1, c->user_name);
		rpc_write_field_i64(w, 2, c->log_in_time);
		rpc_write_field_string(w, 3, c->connection_id);
		rpc_write_field_i32(w, 4, c->type);
		rpc_write_struct_end(w);
	}
}

/* The body of the `success` value (field 0 of the result struct). */
static void write_success(rpc_writer_t *w, rpc_result_t kind, const void *resp)
{
	if (kind == RPC_R_I64) {
		rpc_write_field_i64(w, 0, *(const int64_t *)resp);
		return;
	}
	rpc_write_field(w, RPC_T_STRUCT, 0);
	if (kind == RPC_R_STATUS) {
		rpc_write_status(w, resp);
		return;
	}
	rpc_write_struct_begin(w);
	switch (kind) {
	case RPC_R_STATUS_ONLY: field_status(w, 1, resp); break;
	case RPC_R_OPEN_SESSION: write_open_session(w, resp); break;
	case RPC_R_TIME_ZONE: {
		const rpc_time_zone_resp_t *r = resp;
		field_status(w, 1, &r->status);
		rpc_write_field_string(w, 2, r->time_zone);
		break;
	}
	case RPC_R_PROPERTIES: write_properties(w, resp); break;
	case RPC_R_EXEC: write_exec(w, resp); break;
	case RPC_R_FETCH: write_fetch(w, resp); break;
	case RPC_R_QUERY_TEMPLATE: write_query_template(w, resp); break;
	case RPC_R_BACKUP_CONFIG: write_backup_config(w, resp); break;
	case RPC_R_CONNECTIONS: write_connections(w, resp); break;
	case RPC_R_CONTENT: {
		const rpc_content_resp_t *r = resp;
		field_status(w, 1, &r->status);
		write_opt_string(w, 2, r->content);
		break;
	}
	default: break;
	}
	rpc_write_struct_end(w);
}

int rpc_encode_reply(buf_t *out, const rpc_request_t *req, const void *resp,
		     larch_error_t *err)
{
	const char *name = rpc_method_name(req->method);
	if (!name)
		return err_set(err, LARCH_INTERNAL_ERROR, "rpc: no reply form for method %d",
			       (int)req->method);
	rpc_writer_t w;
	rpc_writer_init(&w, req->proto, out);
	rpc_write_message_begin(&w, name, strlen(name), RPC_REPLY, req->seqid);
	rpc_write_struct_begin(&w);
	write_success(&w, rpc_method_result(req->method), resp);
	rpc_write_struct_end(&w);
	if (!buf_ok(out) || w.overflow)
		return err_set(err, LARCH_INTERNAL_ERROR, "rpc: %s reply could not be encoded (%s)",
			       name, w.overflow ? "nested too deep" : "out of memory");
	return LARCH_OK;
}

/* TApplicationException: 1 message string | 2 type i32. */
int rpc_encode_exception(buf_t *out, rpc_proto_t proto, const char *name, int32_t seqid,
			 int exc_type, const char *message, larch_error_t *err)
{
	rpc_writer_t w;
	rpc_writer_init(&w, proto, out);
	name = name ? name : "";
	rpc_write_message_begin(&w, name, strlen(name), RPC_EXCEPTION, seqid);
	rpc_write_struct_begin(&w);
	write_opt_string(&w, 1, message);
	rpc_write_field_i32(&w, 2, exc_type);
	rpc_write_struct_end(&w);
	if (!buf_ok(out))
		return err_set(err, LARCH_INTERNAL_ERROR, "rpc: out of memory for an exception");
	return LARCH_OK;
}
