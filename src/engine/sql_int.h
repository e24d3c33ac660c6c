/*
 * sql_int.h — the seams between the files of larch_execute:
 *
 *   sql.c        larch_execute and larch_result_*: parse, session context
 *                (zone, now, precision), dispatch
 *   sql_write.c  INSERT, DELETE FROM ... WHERE time ..., DELETE PARTITION
 *   sql_ddl.c    databases, time series, ALTER TIMESERIES, templates, TTL,
 *                FLUSH
 *   users.c      CREATE / DROP / ALTER USER, LIST USER
 *
 * SELECT goes to query_select and SHOW / COUNT to query_show (src/query);
 * every other statement runs here, in the engine, and returns an empty
 * result.  A statement that fails changes nothing.
 */
#ifndef LARCH_ENGINE_SQL_INT_H
#define LARCH_ENGINE_SQL_INT_H

#include "engine_int.h"
#include "query/query.h"

/* One statement being run: the database, its text (error positions refer
 * to it), the session context and the statement's arena (AST and scratch
 * memory, freed when the statement ends). */
typedef struct sql_exec {
	larch_db_t *db;
	const char *sql;
	size_t len;
	query_ctx_t ctx;
	arena_t *arena;
	const char *user;        /* the session's user; NULL: the embedding program (root) */
} sql_exec_t;

/* "line L:C" of byte offset pos of the statement, into out (size n). */
void sql_pos(const sql_exec_t *x, int pos, char *out, size_t n);

/* sql_write.c */
int sql_insert(sql_exec_t *x, const ast_insert_t *ins, larch_error_t *err);
int sql_delete_data(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err);
int sql_delete_partition(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err);

/* sql_ddl.c: every statement kind that is neither a query, a SHOW/COUNT
 * nor a write.  LARCH_UNSUPPORTED for a kind it does not know. */
int sql_ddl(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err);

/* users.c: CREATE / DROP / ALTER USER and LIST USER (rows); 0 from
 * sql_is_user for other kinds. */
int sql_is_user(ast_stmt_kind_t k);
int sql_user(sql_exec_t *x, const ast_stmt_t *st, query_result_t **out, larch_error_t *err);

#endif
