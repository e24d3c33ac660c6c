/*
 * query.h — the public header of src/query: IoTDB tree-model SQL from text
 * to column blocks.  The parser (ast.h) turns text into statements; this
 * header is what the engine calls to run the read-only ones:
 *
 *   query_select  SELECT (raw, expressions, aggregates, GROUP BY, FILL,
 *                 LAST, ALIGN BY DEVICE, DISABLE ALIGN, LIMIT/SLIMIT ...)
 *   query_show    SHOW / COUNT statements over the schema
 *
 * and the pieces the engine reuses for the statements it runs itself
 * (INSERT, DELETE, DDL): results (query_result_t, query_table_t) and
 * constant evaluation of time expressions (query_eval_time).
 *
 * query depends on base, tsfile, schema and storage; never on engine.
 */
#ifndef LARCH_QUERY_H
#define LARCH_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "larch/block.h"
#include "query/ast.h"
#include "schema/schema.h"
#include "storage/storage.h"

struct time_zone;

/* What a statement runs against; owned by the caller, valid for the whole
 * life of any result made from it. */
typedef struct query_ctx {
	schema_t *schema;
	storage_t *storage;
	int precision;                 /* time_precision_t: TIME_MS, TIME_US, TIME_NS */
	const struct time_zone *tz;    /* the session's zone (literals, windows by month) */
	int64_t now;                   /* now() in precision units */
} query_ctx_t;

/*---------------------------------------------------------------------------
 * Results (result.c)
 *
 * A result is an iterator of larch_block_t of a fixed shape: n_cols value
 * columns with names and types, plus a time column when has_time.  Blocks
 * and the strings they point to stay valid until the next call to
 * query_result_next or query_result_free.  Implementations embed
 * query_result_t first and supply ops.
 *---------------------------------------------------------------------------*/

typedef struct query_result query_result_t;

typedef struct query_result_ops {
	/* LARCH_OK with *blk, LARCH_DONE at the end, or an error. */
	int (*next)(query_result_t *r, const larch_block_t **blk, larch_error_t *err);
	void (*free)(query_result_t *r);
} query_result_ops_t;

struct query_result {
	const query_result_ops_t *ops;
	size_t n_cols;
	char **names;                  /* n_cols NUL-terminated names */
	tsfile_type_t *types;          /* n_cols types */
	int has_time;
};

int query_result_next(query_result_t *r, const larch_block_t **blk, larch_error_t *err);
void query_result_free(query_result_t *r);   /* NULL is a no-op */

/* A materialized table: define columns, append rows, then hand it over as a
 * result (small results: SHOW, COUNT, aggregates, LAST).  Cells start null.
 * Setters copy their bytes; a value of another type than the column's is
 * converted where it is numeric-to-numeric, else rejected with
 * LARCH_DATA_TYPE_MISMATCH.  Allocation failure -> LARCH_NO_MEMORY. */
typedef struct query_table query_table_t;

query_table_t *query_table_new(size_t n_cols, int has_time);   /* NULL on oom */
void query_table_free(query_table_t *t);                        /* NULL is a no-op */
int query_table_set_column(query_table_t *t, size_t col, const char *name, tsfile_type_t type);
size_t query_table_rows(const query_table_t *t);
/* Append a row (time ignored without a time column); all cells null. */
int query_table_add_row(query_table_t *t, int64_t time);
/* Set a cell of the last row. */
int query_table_set_value(query_table_t *t, size_t col, const tsfile_value_t *v);
int query_table_set_text(query_table_t *t, size_t col, const char *s, size_t len);
int query_table_set_i64(query_table_t *t, size_t col, int64_t v);
int query_table_set_f64(query_table_t *t, size_t col, double v);
int query_table_set_bool(query_table_t *t, size_t col, int v);
/* Hand the table over as a result (which then owns and frees it).  Every
 * column must have been set.  On failure the table is freed. */
int query_table_finish(query_table_t *t, query_result_t **out, larch_error_t *err);

/* A result with no columns and no rows (statements that return nothing). */
int query_result_empty(query_result_t **out, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Statements
 *---------------------------------------------------------------------------*/

/* Run a SELECT.  Errors: LARCH_SEMANTIC_ERROR (701) for queries that are
 * well-formed but invalid (e.g. LIMIT with a negative value, aggregates
 * mixed with raw columns), LARCH_PATH_NOT_EXIST where IoTDB gives it, I/O
 * errors from storage. */
int query_select(const query_ctx_t *ctx, const ast_select_t *sel, query_result_t **out,
		 larch_error_t *err);

/* Run a SHOW / COUNT statement (databases, timeseries, devices, child
 * paths/nodes, nodes, templates, paths set/using templates, TTL, version). */
int query_show(const query_ctx_t *ctx, const ast_stmt_t *st, query_result_t **out,
	       larch_error_t *err);

/* Evaluate a constant time expression (integer, datetime literal, now(),
 * durations, + and - of those) to precision units in ctx's zone.  Anything
 * else -> LARCH_SEMANTIC_ERROR naming the position. */
int query_eval_time(const query_ctx_t *ctx, const ast_expr_t *e, int64_t *out,
		    larch_error_t *err);

#endif
