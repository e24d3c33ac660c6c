/*
 * reply.c — decoders of the server's replies: the message envelope
 * (REPLY / TApplicationException, method name and sequence id checked), and
 * the result structs the client reads (TSStatus with sub statuses,
 * TSOpenSessionResp, TSExecuteStatementResp, TSFetchResultsResp,
 * TSQueryTemplateResp, i64).  Field ids follow IoTDB's client.thrift; a
 * known id arriving with another wire type is skipped like an unknown one.
 * Input is untrusted: the rpc reader bounds every count by the bytes left
 * and limits nesting; strings are copied into the caller's arena.
 */
#include <stdio.h>

#include "client/client_int.h"

/* Make the reader bad with a reason (first reason wins). */
static void bad(rpc_reader_t *r, const char *why)
{
	if (rpc_reader_ok(r))
		r->why = why;
	r->r.bad = 1;
}

static const char *read_str(rpc_reader_t *r, arena_t *a)
{
	size_t n;
	const uint8_t *p = rpc_read_binary(r, &n);
	char *s = arena_strndup(a, p ? (const char *)p : "", p ? n : 0);
	if (!s) {
		bad(r, "out of memory");
		return "";
	}
	return s;
}

/* list<T> header; when the element type is not `want`, the elements are
 * skipped and 0 returned. */
static size_t list_begin(rpc_reader_t *r, int want)
{
	int et;
	size_t n;
	rpc_read_list_begin(r, &et, &n);
	if (et != want) {
		for (size_t i = 0; i < n && rpc_reader_ok(r); i++)
			rpc_skip(r, et);
		return 0;
	}
	return n;
}

static void *list_alloc(rpc_reader_t *r, arena_t *a, size_t n, size_t size)
{
	void *v = arena_calloc(a, n + 1, size);
	if (!v)
		bad(r, "out of memory");
	return v;
}

static char **read_strs(rpc_reader_t *r, arena_t *a, size_t *count)
{
	size_t n = list_begin(r, RPC_T_STRING);
	char **v = list_alloc(r, a, n, sizeof *v);
	*count = 0;
	for (size_t i = 0; v && i < n && rpc_reader_ok(r); i++)
		v[(*count)++] = (char *)read_str(r, a);
	rpc_read_container_end(r);
	return v;
}

static rpc_bin_t *read_bins(rpc_reader_t *r, arena_t *a, size_t *count)
{
	size_t n = list_begin(r, RPC_T_STRING);
	rpc_bin_t *v = list_alloc(r, a, n, sizeof *v);
	*count = 0;
	for (size_t i = 0; v && i < n && rpc_reader_ok(r); i++) {
		v[i].ptr = rpc_read_binary(r, &v[i].len);
		(*count)++;
	}
	rpc_read_container_end(r);
	return v;
}

static int32_t *read_i32s(rpc_reader_t *r, arena_t *a, size_t *count)
{
	size_t n = list_begin(r, RPC_T_I32);
	int32_t *v = list_alloc(r, a, n, sizeof *v);
	*count = 0;
	for (size_t i = 0; v && i < n && rpc_reader_ok(r); i++)
		v[(*count)++] = rpc_read_i32(r);
	rpc_read_container_end(r);
	return v;
}

static int code_ok(int32_t c)
{
	return c == 200 || c == 400;
}

static void read_status(rpc_reader_t *r, arena_t *a, cl_status_t *st);

/* subStatus: note failures, join their messages into `joined`. */
static void read_subs(rpc_reader_t *r, arena_t *a, cl_status_t *st, char *joined, size_t cap)
{
	size_t n = list_begin(r, RPC_T_STRUCT);
	for (size_t i = 0; i < n && rpc_reader_ok(r); i++) {
		cl_status_t sub;
		size_t at = strlen(joined);
		read_status(r, a, &sub);
		if (code_ok(sub.code))
			continue;
		st->subs_ok = 0;
		if (at + 1 < cap)
			snprintf(joined + at, cap - at, "%s%s", at ? "; " : "",
				 *sub.msg ? sub.msg : "failed");
	}
	rpc_read_container_end(r);
}

/* TSStatus: 1 code i32 R | 2 message O | 3 subStatus list<TSStatus> O |
 * 4 redirectNode, 5 needRetry, 6 responseData (skipped). */
static void read_status(rpc_reader_t *r, arena_t *a, cl_status_t *st)
{
	char joined[LARCH_ERROR_MSG_MAX] = "";
	int t, seen_code = 0;
	int16_t id;

	st->code = 0;
	st->msg = "";
	st->subs_ok = 1;
	rpc_read_struct_begin(r);
	while (rpc_reader_ok(r) && rpc_read_field_begin(r, &t, &id)) {
		if (id == 1 && t == RPC_T_I32) {
			st->code = rpc_read_i32(r);
			seen_code = 1;
		} else if (id == 2 && t == RPC_T_STRING) {
			st->msg = read_str(r, a);
		} else if (id == 3 && t == RPC_T_LIST) {
			read_subs(r, a, st, joined, sizeof joined);
		} else {
			rpc_skip(r, t);
		}
	}
	rpc_read_struct_end(r);
	if (rpc_reader_ok(r) && !seen_code)
		bad(r, "TSStatus without a code");
	if (*joined && (st->code == 302 || !*st->msg)) {
		char *m = arena_strndup(a, joined, strlen(joined));
		if (m)
			st->msg = m;
	}
}

/* Field 0 must be a struct: else the reader goes bad. */
static int want_struct(rpc_reader_t *r, int type)
{
	if (type != RPC_T_STRUCT) {
		bad(r, "result is not a struct");
		return 0;
	}
	return 1;
}

void cl_read_status_result(rpc_reader_t *r, int type, arena_t *a, void *out)
{
	if (want_struct(r, type))
		read_status(r, a, out);
}

void cl_read_i64_result(rpc_reader_t *r, int type, arena_t *a, void *out)
{
	(void)a;
	if (type != RPC_T_I64) {
		bad(r, "result is not an i64");
		return;
	}
	*(int64_t *)out = rpc_read_i64(r);
}

/* configuration map<string,string>: keep timestamp_precision. */
static void read_config(rpc_reader_t *r, arena_t *a, cl_open_resp_t *o)
{
	int kt, vt;
	size_t n;
	rpc_read_map_begin(r, &kt, &vt, &n);
	for (size_t i = 0; i < n && rpc_reader_ok(r); i++) {
		if (kt != RPC_T_STRING || vt != RPC_T_STRING) {
			rpc_skip(r, kt);
			rpc_skip(r, vt);
			continue;
		}
		const char *k = read_str(r, a), *v = read_str(r, a);
		if (!strcmp(k, "timestamp_precision"))
			o->precision = v;
	}
	rpc_read_container_end(r);
}

/* TSOpenSessionResp: 1 status | 2 serverProtocolVersion | 3 sessionId |
 * 4 configuration. */
void cl_read_open_result(rpc_reader_t *r, int type, arena_t *a, void *out)
{
	cl_open_resp_t *o = out;
	int t;
	int16_t id;

	memset(o, 0, sizeof *o);
	o->session_id = -1;
	if (!want_struct(r, type))
		return;
	rpc_read_struct_begin(r);
	while (rpc_reader_ok(r) && rpc_read_field_begin(r, &t, &id)) {
		if (id == 1 && t == RPC_T_STRUCT)
			read_status(r, a, &o->status);
		else if (id == 2 && t == RPC_T_I32)
			o->protocol = rpc_read_i32(r);
		else if (id == 3 && t == RPC_T_I64)
			o->session_id = rpc_read_i64(r);
		else if (id == 4 && t == RPC_T_MAP)
			read_config(r, a, o);
		else
			rpc_skip(r, t);
	}
	rpc_read_struct_end(r);
}

/* TSExecuteStatementResp: 1 status | 2 queryId | 3 columns | 5
 * ignoreTimeStamp | 6 dataTypeList | 13 queryResult | 14 moreData | 17
 * columnIndex2TsBlockColumnIndexList; the rest skipped. */
void cl_read_exec_result(rpc_reader_t *r, int type, arena_t *a, void *out)
{
	cl_exec_resp_t *e = out;
	int t;
	int16_t id;

	memset(e, 0, sizeof *e);
	if (!want_struct(r, type))
		return;
	rpc_read_struct_begin(r);
	while (rpc_reader_ok(r) && rpc_read_field_begin(r, &t, &id)) {
		if (id == 1 && t == RPC_T_STRUCT) {
			read_status(r, a, &e->status);
		} else if (id == 2 && t == RPC_T_I64) {
			e->query_id = rpc_read_i64(r);
			e->has_query_id = 1;
		} else if (id == 3 && t == RPC_T_LIST) {
			e->columns = read_strs(r, a, &e->n_columns);
		} else if (id == 5 && t == RPC_T_BOOL) {
			e->ignore_time = rpc_read_bool(r);
		} else if (id == 6 && t == RPC_T_LIST) {
			e->types = read_strs(r, a, &e->n_types);
		} else if (id == 13 && t == RPC_T_LIST) {
			e->blocks = read_bins(r, a, &e->n_blocks);
		} else if (id == 14 && t == RPC_T_BOOL) {
			e->more_data = rpc_read_bool(r);
		} else if (id == 17 && t == RPC_T_LIST) {
			e->col_map = read_i32s(r, a, &e->n_col_map);
		} else {
			rpc_skip(r, t);
		}
	}
	rpc_read_struct_end(r);
}

/* TSFetchResultsResp: 1 status | 2 hasResultSet | 6 queryResult | 7
 * moreData; the rest skipped. */
void cl_read_fetch_result(rpc_reader_t *r, int type, arena_t *a, void *out)
{
	cl_fetch_resp_t *f = out;
	int t;
	int16_t id;

	memset(f, 0, sizeof *f);
	if (!want_struct(r, type))
		return;
	rpc_read_struct_begin(r);
	while (rpc_reader_ok(r) && rpc_read_field_begin(r, &t, &id)) {
		if (id == 1 && t == RPC_T_STRUCT)
			read_status(r, a, &f->status);
		else if (id == 2 && t == RPC_T_BOOL)
			f->has_result_set = rpc_read_bool(r);
		else if (id == 6 && t == RPC_T_LIST)
			f->blocks = read_bins(r, a, &f->n_blocks);
		else if (id == 7 && t == RPC_T_BOOL)
			f->more_data = rpc_read_bool(r);
		else
			rpc_skip(r, t);
	}
	rpc_read_struct_end(r);
}

/* TSQueryTemplateResp: 1 status | 5 measurements; the rest skipped. */
void cl_read_template_result(rpc_reader_t *r, int type, arena_t *a, void *out)
{
	cl_template_resp_t *q = out;
	int t;
	int16_t id;

	memset(q, 0, sizeof *q);
	if (!want_struct(r, type))
		return;
	rpc_read_struct_begin(r);
	while (rpc_reader_ok(r) && rpc_read_field_begin(r, &t, &id)) {
		if (id == 1 && t == RPC_T_STRUCT)
			read_status(r, a, &q->status);
		else if (id == 5 && t == RPC_T_LIST)
			q->names = read_strs(r, a, &q->n_names);
		else
			rpc_skip(r, t);
	}
	rpc_read_struct_end(r);
}

/* TApplicationException body: 1 message | 2 type. */
static int read_exception(rpc_reader_t *r, arena_t *a, larch_error_t *err)
{
	const char *msg = "";
	int32_t kind = 0;
	int t;
	int16_t id;

	rpc_read_struct_begin(r);
	while (rpc_reader_ok(r) && rpc_read_field_begin(r, &t, &id)) {
		if (id == 1 && t == RPC_T_STRING)
			msg = read_str(r, a);
		else if (id == 2 && t == RPC_T_I32)
			kind = rpc_read_i32(r);
		else
			rpc_skip(r, t);
	}
	rpc_read_struct_end(r);
	return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "server exception (type %d): %s",
		       (int)kind, msg);
}

static int protocol_error(const rpc_reader_t *r, const char *what, larch_error_t *err)
{
	larch_error_t e = { 0 };
	rpc_reader_error(r, what, &e);
	return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "%s", e.msg);
}

int cl_decode_reply(const uint8_t *p, size_t n, rpc_proto_t proto, const char *method,
		    int32_t seqid, cl_result_fn res, arena_t *a, void *out, larch_error_t *err)
{
	rpc_reader_t r;
	const char *name;
	size_t name_len, mlen = strlen(method);
	int type, t, got = 0;
	int32_t seq;
	int16_t id;

	rpc_reader_init(&r, proto, p, n);
	rpc_read_message_begin(&r, &name, &name_len, &type, &seq);
	if (!rpc_reader_ok(&r))
		return protocol_error(&r, "reply header", err);
	if (name_len != mlen || memcmp(name, method, mlen))
		return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "reply names method '%.*s', not %s",
			       (int)LR_MIN(name_len, 64), name, method);
	if (seq != seqid)
		return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR,
			       "reply to %s has sequence id %d, expected %d", method, (int)seq,
			       (int)seqid);
	if (type == RPC_EXCEPTION) {
		int rc = read_exception(&r, a, err);
		return rpc_reader_ok(&r) ? rc : protocol_error(&r, "exception reply", err);
	}
	if (type != RPC_REPLY)
		return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "message type %d is not a reply",
			       type);
	rpc_read_struct_begin(&r);
	while (rpc_reader_ok(&r) && rpc_read_field_begin(&r, &t, &id)) {
		if (id == 0 && !got) {
			res(&r, t, a, out);
			got = 1;
		} else {
			rpc_skip(&r, t);
		}
	}
	rpc_read_struct_end(&r);
	if (!rpc_reader_ok(&r))
		return protocol_error(&r, method, err);
	if (!got)
		return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "reply to %s holds no result",
			       method);
	return LARCH_OK;
}

int cl_status_check(const cl_status_t *st, larch_error_t *err)
{
	if (code_ok(st->code) || (st->code == 302 && st->subs_ok))
		return LARCH_OK;
	if (st->code <= LARCH_DONE)
		return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "server status %d: %s",
			       (int)st->code, st->msg);
	return err_set(err, st->code, "%s", *st->msg ? st->msg : "server error");
}
