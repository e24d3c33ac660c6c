/*
 * client_int.h — internals of the native client (src/client): the
 * connection (socket + TLS), the call machinery (one request frame
 * serialized into the session's growing buffer, the reply frame read into
 * another, reconnect and resend once), the reply and TsBlock decoders
 * (untrusted bytes, bounds-checked; fuzzed by tests/fuzz/fuzz_client.c),
 * and the session, data set and pool structs.
 */
#ifndef LARCH_CLIENT_INT_H
#define LARCH_CLIENT_INT_H

#include <pthread.h>

#include "base/base.h"
#include "larch/client.h"
#include "rpc/rpc.h"

#define CL_MAX_FRAME (256u << 20)   /* largest reply frame accepted */
#define CL_HOST_MAX 256

struct ssl_st;
struct ssl_ctx_st;

/*---------------------------------------------------------------------------
 * Connection (conn.c)
 *---------------------------------------------------------------------------*/

typedef struct cl_conn {
	int fd;                       /* -1: closed */
	struct ssl_st *ssl;           /* NULL: plain TCP */
	struct ssl_ctx_st *ctx;
} cl_conn_t;

#define CL_CONN_INIT { -1, NULL, NULL }

/* Connect to host:port (every address getaddrinfo gives, in order) within
 * o->connect_timeout_ms, then TLS when o->use_ssl (CA file or system paths,
 * hostname check when o->verify_hostname).  Errors:
 * LARCH_CLIENT_CONNECTION_ERROR naming the endpoint and the cause. */
int cl_conn_open(cl_conn_t *c, const char *host, int port, const larch_client_options_t *o,
		 larch_error_t *err);
/* Per-call read/write timeout (0: none). */
void cl_conn_set_timeout(cl_conn_t *c, int ms);
/* Write all n bytes / read exactly n bytes.  Errors:
 * LARCH_CLIENT_CONNECTION_ERROR (EOF, reset, timeout, TLS failure). */
int cl_conn_write(cl_conn_t *c, const void *p, size_t n, larch_error_t *err);
int cl_conn_read(cl_conn_t *c, void *p, size_t n, larch_error_t *err);
void cl_conn_close(cl_conn_t *c);

/*---------------------------------------------------------------------------
 * Reply decoders (reply.c): each reads one value of a reply struct's field
 * 0 from an rpc_reader_t positioned on it; strings and lists go to arena
 * `a`; binaries point into the frame.  Malformed input makes the reader
 * bad (checked by the caller); unknown fields are skipped.
 *---------------------------------------------------------------------------*/

/* A TSStatus.  For 302 with sub statuses, msg joins the failing ones'
 * messages ("; ") and subs_ok says whether every sub status succeeded. */
typedef struct cl_status {
	int32_t code;
	const char *msg;              /* "" when absent */
	int subs_ok;
} cl_status_t;

typedef struct cl_open_resp {
	cl_status_t status;
	int32_t protocol;
	int64_t session_id;
	const char *precision;        /* configuration["timestamp_precision"], NULL: absent */
} cl_open_resp_t;

typedef struct cl_exec_resp {
	cl_status_t status;
	int has_query_id;
	int64_t query_id;
	char **columns;               /* NULL: absent */
	size_t n_columns;
	char **types;                 /* dataTypeList */
	size_t n_types;
	int ignore_time;
	rpc_bin_t *blocks;            /* queryResult (TsBlocks) */
	size_t n_blocks;
	int more_data;
	int32_t *col_map;             /* columnIndex2TsBlockColumnIndexList, NULL: identity */
	size_t n_col_map;
} cl_exec_resp_t;

typedef struct cl_fetch_resp {
	cl_status_t status;
	int has_result_set;
	rpc_bin_t *blocks;
	size_t n_blocks;
	int more_data;
} cl_fetch_resp_t;

typedef struct cl_template_resp {
	cl_status_t status;
	char **names;                 /* measurements */
	size_t n_names;
} cl_template_resp_t;

/* Reader of field 0's value: `type` is its wire type; `out` the struct. */
typedef void (*cl_result_fn)(rpc_reader_t *r, int type, arena_t *a, void *out);

void cl_read_status_result(rpc_reader_t *r, int type, arena_t *a, void *out);   /* cl_status_t */
void cl_read_i64_result(rpc_reader_t *r, int type, arena_t *a, void *out);      /* int64_t */
void cl_read_open_result(rpc_reader_t *r, int type, arena_t *a, void *out);     /* cl_open_resp_t */
void cl_read_exec_result(rpc_reader_t *r, int type, arena_t *a, void *out);     /* cl_exec_resp_t */
void cl_read_fetch_result(rpc_reader_t *r, int type, arena_t *a, void *out);    /* cl_fetch_resp_t */
void cl_read_template_result(rpc_reader_t *r, int type, arena_t *a, void *out); /* cl_template_resp_t */

/* Decode a whole reply message (frame body): header (REPLY for `method`
 * with `seqid`, or a TApplicationException, whose message is returned),
 * then the result struct, calling `res` on field 0.  Errors:
 * LARCH_CLIENT_PROTOCOL_ERROR (undecodable, wrong name/seqid, exception,
 * no field 0). */
int cl_decode_reply(const uint8_t *p, size_t n, rpc_proto_t proto, const char *method,
		    int32_t seqid, cl_result_fn res, arena_t *a, void *out, larch_error_t *err);

/* Map a status to LARCH_OK (200, 400, 302 with all sub statuses fine) or
 * its code with the server's message in err. */
int cl_status_check(const cl_status_t *st, larch_error_t *err);

/*---------------------------------------------------------------------------
 * TsBlocks (tsblock.c)
 *---------------------------------------------------------------------------*/

/* One decoded TsBlock: times and value columns in host order (arena),
 * text values pointing into the input.  Columns carry their physical type
 * (BOOLEAN, INT32, INT64, FLOAT, DOUBLE, TEXT). */
typedef struct cl_tsblock {
	size_t n_rows;
	int64_t *times;
	size_t n_cols;
	larch_column_t *cols;
} cl_tsblock_t;

/* Decode a serialized TsBlock (V2 queryResult element; encodings
 * BYTE_ARRAY, INT32_ARRAY, INT64_ARRAY, BINARY_ARRAY and RLE of one of
 * those).  Everything is bounds-checked; allocations are bounded by a
 * small multiple of n.  Errors: LARCH_CLIENT_PROTOCOL_ERROR naming the
 * column and offset. */
int cl_tsblock_decode(const uint8_t *p, size_t n, arena_t *a, cl_tsblock_t *out,
		      larch_error_t *err);

/* Physical TsBlock type of a logical type (BOOLEAN..TEXT), -1 if unknown. */
int cl_physical_type(tsfile_type_t t);

/*---------------------------------------------------------------------------
 * Requests (call.c)
 *---------------------------------------------------------------------------*/

/* A request argument for cl_call_fields: field `id` of `kind`. */
enum {
	CL_F_I32, CL_F_I64, CL_F_BOOL, CL_F_STR, CL_F_BIN,
	CL_F_STRS,      /* list<string>: p = const char *const *, n */
	CL_F_I32S,      /* list<i32>: p = const int32_t *, n */
	CL_F_STMT_ID,   /* i64: the session's statement id when the request is sent */
	CL_F_CUSTOM     /* fn(w, p) writes the field's value; type = wire type */
};

typedef void (*cl_value_fn)(rpc_writer_t *w, const void *p);

typedef struct cl_field {
	int16_t id;
	uint8_t kind;
	uint8_t type;                 /* CL_F_CUSTOM: the RPC_T_* written */
	const void *p;
	size_t n;                     /* CL_F_STRS/I32S count; CL_F_BIN bytes */
	int64_t v;                    /* I32/I64/BOOL value */
	cl_value_fn fn;               /* CL_F_CUSTOM */
} cl_field_t;

/* Writer of a request's arguments (between struct begin and end). */
typedef void (*cl_args_fn)(larch_session_t *s, rpc_writer_t *w, const void *arg);

enum {
	CL_RETRY = 1,    /* reconnect and resend once when the connection breaks */
	CL_WRAP = 2      /* cl_call_fields: arguments are a struct in field 1 */
};

/* One RPC: serialize (args) into s->out, send, read the reply frame into
 * s->in, decode field 0 with res into out (memory: s->arena, reset here).
 * On a transport or protocol failure with CL_RETRY: reconnect (all nodes,
 * retry_count rounds) and resend once.  Returns LARCH_OK when a reply was
 * decoded (its status is the caller's to check). */
int cl_call(larch_session_t *s, const char *method, cl_args_fn args, const void *arg,
	    cl_result_fn res, void *out, int flags, larch_error_t *err);
/* cl_call whose arguments are sessionId (field 1; inside a struct in
 * field 1 with CL_WRAP) followed by fields f[0..n). */
int cl_call_fields(larch_session_t *s, const char *method, const cl_field_t *f, size_t n,
		   cl_result_fn res, void *out, int flags, larch_error_t *err);
/* cl_call_fields with a TSStatus result, checked (cl_status_check); CL_RETRY. */
int cl_call_status(larch_session_t *s, const char *method, const cl_field_t *f, size_t n,
		   int flags, larch_error_t *err);

/* Binary field header plus length for a value of n bytes the caller then
 * appends raw (buf_extend) — serialization straight into the buffer. */
void cl_write_binary_begin(rpc_writer_t *w, int16_t id, size_t n);
void cl_write_binary_len(rpc_writer_t *w, size_t n);
/* list<string> value. */
void cl_write_strs(rpc_writer_t *w, const char *const *v, size_t n);

/* Drop the connection and log in again (node after the current first),
 * retry_count rounds.  Errors: LARCH_CLIENT_CONNECTION_ERROR. */
int cl_reconnect(larch_session_t *s, larch_error_t *err);
/* The first connection of a session: the nodes in their given order,
 * retry_count rounds. */
int cl_connect_first(larch_session_t *s, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Session, data set, pool
 *---------------------------------------------------------------------------*/

typedef struct cl_node {
	char host[CL_HOST_MAX];
	int port;
} cl_node_t;

struct larch_session {
	larch_client_options_t o;     /* copy; its strings owned (mem_strdup) */
	cl_node_t *nodes;
	size_t n_nodes, cur;          /* the node connected to (or last tried) */
	cl_conn_t conn;
	int connected;
	rpc_proto_t proto;
	int64_t session_id, statement_id;
	int32_t seqid;
	char zone[64];
	char precision[4];
	char endpoint[CL_HOST_MAX + 8];
	unsigned reconnects;
	buf_t out, in;                /* request / reply frames, reused */
	arena_t *arena;               /* decoded replies, reset per call */
	larch_dataset_t *datasets;    /* open data sets */
	larch_session_t *pool_next;   /* idle list of the owning pool */
};

/* Connect to node s->cur (+TLS) and log in: openSession,
 * requestStatementId.  Errors as larch_session_open. */
int cl_session_login(larch_session_t *s, larch_error_t *err);

/* Query execution shared by the SQL calls: method is one of the
 * execute*StatementV2; *out gets a data set when the reply has columns
 * (NULL otherwise; out NULL: the result is closed). */
int cl_execute(larch_session_t *s, const char *method, const char *sql, int64_t timeout_ms,
	       larch_dataset_t **out, larch_error_t *err);

/* Build a data set from an execute reply whose frame is s->in (taken
 * over).  Errors: LARCH_CLIENT_PROTOCOL_ERROR for inconsistent metadata or
 * TsBlocks, LARCH_NO_MEMORY. */
int cl_dataset_new(larch_session_t *s, const cl_exec_resp_t *r, const char *sql,
		   larch_dataset_t **out, larch_error_t *err);
/* Detach every open data set of s (the session is going away). */
void cl_dataset_detach_all(larch_session_t *s);

#endif
