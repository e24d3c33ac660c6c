/*
 * call.c — one RPC of a session, and reconnection.
 *
 * A call serializes its request straight into the session's one growing
 * request buffer (frame length, message header, arguments struct; the
 * buffer keeps its capacity between calls and doubles when short), writes
 * it, reads the reply frame into the session's reply buffer and decodes
 * the result (reply.c).  When the connection breaks — a write or read
 * fails, the reply cannot be decoded, or the server answers with a Thrift
 * exception — the connection is dropped; with CL_RETRY the session logs in
 * again (node after node, retry_count rounds, retry_interval_ms apart) and
 * the request, serialized again with the new session id, is sent once
 * more.  Status codes in replies never trigger this: they are answers.
 */
#include <stdio.h>
#include <time.h>

#include "client/client_int.h"

void cl_write_binary_len(rpc_writer_t *w, size_t n)
{
	if (w->proto == RPC_COMPACT)
		buf_put_uvarint(w->out, n);
	else
		buf_put_be32(w->out, (uint32_t)n);
}

void cl_write_binary_begin(rpc_writer_t *w, int16_t id, size_t n)
{
	rpc_write_field(w, RPC_T_STRING, id);
	cl_write_binary_len(w, n);
}

void cl_write_strs(rpc_writer_t *w, const char *const *v, size_t n)
{
	rpc_write_list_begin(w, RPC_T_STRING, n);
	for (size_t i = 0; i < n; i++)
		rpc_write_string(w, v[i]);
}

/* Serialize the request frame into s->out. */
static int encode(larch_session_t *s, const char *method, cl_args_fn args, const void *arg,
		  larch_error_t *err)
{
	rpc_writer_t w;
	size_t at;

	buf_reset(&s->out);
	at = rpc_frame_begin(&s->out);
	rpc_writer_init(&w, s->proto, &s->out);
	s->seqid = (s->seqid + 1) & 0x7fffffff;
	rpc_write_message_begin(&w, method, strlen(method), RPC_CALL, s->seqid);
	rpc_write_struct_begin(&w);
	args(s, &w, arg);
	rpc_write_struct_end(&w);
	rpc_frame_end(&s->out, at);
	if (!buf_ok(&s->out))
		return err_set(err, LARCH_NO_MEMORY, "%s: out of memory serializing the request",
			       method);
	if (s->out.len - 4 > INT32_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "%s: request of %zu bytes exceeds a Thrift frame", method, s->out.len);
	return LARCH_OK;
}

/* Send s->out, read one reply frame into s->in (grown as bytes arrive, so
 * a lying length costs no more memory than the bytes really sent). */
static int transact(larch_session_t *s, larch_error_t *err)
{
	uint8_t hdr[4];
	size_t n, got = 0;
	larch_error_t e = { 0 };
	int rc;

	if (!s->connected)
		return err_set(err, LARCH_CLIENT_CONNECTION_ERROR, "not connected");
	rc = cl_conn_write(&s->conn, s->out.data, s->out.len, err);
	if (!rc)
		rc = cl_conn_read(&s->conn, hdr, 4, err);
	if (rc)
		return rc;
	if (rpc_frame_length(hdr, CL_MAX_FRAME, &n, &e))
		return err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "reply %s", e.msg);
	buf_reset(&s->in);
	while (got < n) {
		size_t chunk = LR_MIN(n - got, (size_t)1 << 20);
		uint8_t *p = buf_extend(&s->in, chunk);
		if (!p)
			return err_set(err, LARCH_NO_MEMORY, "out of memory reading a reply");
		rc = cl_conn_read(&s->conn, p, chunk, err);
		if (rc)
			return rc;
		got += chunk;
	}
	return LARCH_OK;
}

int cl_call(larch_session_t *s, const char *method, cl_args_fn args, const void *arg,
	    cl_result_fn res, void *out, int flags, larch_error_t *err)
{
	for (int attempt = 0;; attempt++) {
		larch_error_t e = { 0 }, re = { 0 };
		int rc = encode(s, method, args, arg, err);
		if (rc)
			return rc;
		rc = transact(s, &e);
		if (rc == LARCH_OK) {
			arena_reset(s->arena);
			rc = cl_decode_reply(s->in.data, s->in.len, s->proto, method, s->seqid, res,
					     s->arena, out, &e);
			if (rc == LARCH_OK)
				return LARCH_OK;
		}
		if (rc == LARCH_NO_MEMORY)
			return err_set(err, rc, "%s", e.msg);
		/* the connection's state is unknown now: drop it */
		cl_conn_close(&s->conn);
		s->connected = 0;
		if (!(flags & CL_RETRY) || attempt)
			return err_set(err, rc, "%s: %s", method, e.msg);
		if (cl_reconnect(s, &re))
			return err_set(err, re.code, "%s: %s; %s", method, e.msg, re.msg);
	}
}

typedef struct fields_arg {
	const cl_field_t *f;
	size_t n;
	int wrap;
} fields_arg_t;

static void write_field(const larch_session_t *s, rpc_writer_t *w, const cl_field_t *f)
{
	switch (f->kind) {
	case CL_F_STMT_ID:
		rpc_write_field_i64(w, f->id, s->statement_id);
		break;
	case CL_F_I32:
		rpc_write_field_i32(w, f->id, (int32_t)f->v);
		break;
	case CL_F_I64:
		rpc_write_field_i64(w, f->id, f->v);
		break;
	case CL_F_BOOL:
		rpc_write_field_bool(w, f->id, (int)f->v);
		break;
	case CL_F_STR:
		if (f->p)  /* NULL: an absent optional field */
			rpc_write_field_string(w, f->id, f->p);
		break;
	case CL_F_BIN:
		rpc_write_field_binary(w, f->id, f->p, f->n);
		break;
	case CL_F_STRS:
		rpc_write_field(w, RPC_T_LIST, f->id);
		cl_write_strs(w, f->p, f->n);
		break;
	case CL_F_I32S: {
		const int32_t *v = f->p;
		rpc_write_field(w, RPC_T_LIST, f->id);
		rpc_write_list_begin(w, RPC_T_I32, f->n);
		for (size_t i = 0; i < f->n; i++)
			rpc_write_i32(w, v[i]);
		break;
	}
	default:
		rpc_write_field(w, f->type, f->id);
		f->fn(w, f->p);
	}
}

static void fields_args(larch_session_t *s, rpc_writer_t *w, const void *arg)
{
	const fields_arg_t *fa = arg;
	if (fa->wrap) {
		rpc_write_field(w, RPC_T_STRUCT, 1);
		rpc_write_struct_begin(w);
	}
	rpc_write_field_i64(w, 1, s->session_id);
	for (size_t i = 0; i < fa->n; i++)
		write_field(s, w, &fa->f[i]);
	if (fa->wrap)
		rpc_write_struct_end(w);
}

int cl_call_fields(larch_session_t *s, const char *method, const cl_field_t *f, size_t n,
		   cl_result_fn res, void *out, int flags, larch_error_t *err)
{
	fields_arg_t fa = { f, n, (flags & CL_WRAP) != 0 };
	return cl_call(s, method, fields_args, &fa, res, out, flags, err);
}

int cl_call_status(larch_session_t *s, const char *method, const cl_field_t *f, size_t n,
		   int flags, larch_error_t *err)
{
	cl_status_t st;
	int rc = cl_call_fields(s, method, f, n, cl_read_status_result, &st, flags | CL_RETRY,
				err);
	return rc ? rc : cl_status_check(&st, err);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (ms > 0 && nanosleep(&ts, &ts) != 0)
		;
}

/* Try the nodes from `first` on, retry_count rounds (at least one). */
static int connect_any(larch_session_t *s, size_t first, larch_error_t *err)
{
	int rounds = s->o.retry_count > 0 ? s->o.retry_count : 1;
	larch_error_t e = { 0 };

	cl_conn_close(&s->conn);
	s->connected = 0;
	for (int round = 0; round < rounds; round++) {
		if (round)
			sleep_ms(s->o.retry_interval_ms);
		for (size_t k = 0; k < s->n_nodes; k++) {
			int rc;
			s->cur = (first + k) % s->n_nodes;
			rc = cl_session_login(s, &e);
			if (rc == LARCH_OK)
				return LARCH_OK;
			if (rc != LARCH_CLIENT_CONNECTION_ERROR && rc != LARCH_CLIENT_PROTOCOL_ERROR)
				return err_set(err, rc, "%s", e.msg);  /* e.g. 801: no use retrying */
		}
	}
	return err_set(err, LARCH_CLIENT_CONNECTION_ERROR,
		       "could not connect to any of %zu node(s) in %d round(s): %s", s->n_nodes,
		       rounds, e.msg);
}

int cl_reconnect(larch_session_t *s, larch_error_t *err)
{
	int rc = connect_any(s, s->cur + 1, err);
	if (rc == LARCH_OK)
		s->reconnects++;
	return rc;
}

int cl_connect_first(larch_session_t *s, larch_error_t *err)
{
	return connect_any(s, 0, err);
}
