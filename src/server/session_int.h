/*
 * session_int.h — the session object shared by session.c (session state,
 * SQL, results, dispatch) and handle_write.c (inserts, schema, templates).
 */
#ifndef LARCH_SESSION_INT_H
#define LARCH_SESSION_INT_H

#include "rpc/rpc.h"
#include "server/server_int.h"

#define LARCH_SERVER_VERSION "2.0.5"   /* the IoTDB version Larch answers as */

/* An open query: its result and how far it has been read. */
typedef struct query {
	int64_t id;
	larch_result_t *res;
	size_t n_cols;
	char **names;
	tsfile_type_t *types;
	int has_time;
	const larch_block_t *blk;  /* current block (valid until the next larch_result_next) */
	size_t off;                /* rows of blk already sent */
	int done;
	struct query *next;
} query_t;

struct session {
	server_shared_t *sh;
	char peer[64];
	int logged_in;
	int64_t session_id;
	int64_t next_statement_id;
	char zone[64];             /* the client's zone id, as given */
	char user[64];             /* the logged-in user (larch_user_check accepted it) */
	query_t *queries;
	arena_t *arena;            /* per request */
	buf_t blob;                /* V2 result blocks of the current reply */
};

larch_exec_opts_t session_exec_opts(const session_t *ss);

/* Validate and adopt a zone id (offsets or IANA names). */
int session_set_zone(session_t *ss, const char *zone, larch_error_t *err);

/* Run SQL and reply in the shape of req's method (EXEC). */
int session_run_sql(session_t *ss, const rpc_request_t *req, const char *sql, int32_t fetch,
		    buf_t *out, larch_error_t *err);

/* Everything that writes or changes the schema (handle_write.c). */
int session_handle_write(session_t *ss, const rpc_request_t *req, buf_t *out,
			 larch_error_t *err);

#endif
