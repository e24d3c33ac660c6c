/*
 * sql.c — larch_execute: one statement of IoTDB's tree-model SQL, from text
 * to a result, and the larch_result_* cursor over it.
 *
 * A statement is parsed into an arena that lives as long as the call; the
 * session context (query_ctx_t) carries the schema, storage, the data
 * directory's precision, the session's time zone and now().  SELECT runs in
 * src/query (query_select), SHOW and COUNT too (query_show); the user
 * statements run in users.c (LIST USER has rows); everything else runs here
 * (sql_write.c, sql_ddl.c) and yields an empty result.
 *
 * Zones are opened once per name and kept for the life of the process in a
 * small cache shared by every database (a zone is immutable and independent
 * of the data directory), so a session's zone costs a lookup per statement.
 * Past SQL_ZONES names a zone is opened for the statement and freed with its
 * result.
 */
#include <pthread.h>
#include <time.h>

#include "sql_int.h"

/* The result keeps the statement's arena (AST, copy of the text) and its
 * context alive: a streaming query result may refer to both until freed. */
struct larch_result {
	query_result_t *r;
	sql_exec_t x;
	time_zone_t *own_zone;   /* a zone not kept by the cache, or NULL */
};

#define SQL_ZONES 64

static struct {
	pthread_mutex_t lock;
	time_zone_t *zones[SQL_ZONES];
	size_t n;
} zone_cache = {PTHREAD_MUTEX_INITIALIZER, {NULL}, 0};

/* The zone called `name` (NULL: UTC) from the cache, opening it on a miss.
 * When the cache is full the zone is opened into *own (freed by the
 * caller). */
static int sql_zone(const char *name, const time_zone_t **tz, time_zone_t **own,
		    larch_error_t *err)
{
	if (!name || !*name)
		name = "UTC";
	*own = NULL;
	pthread_mutex_lock(&zone_cache.lock);
	for (size_t i = 0; i < zone_cache.n; i++)
		if (!strcmp(time_zone_name(zone_cache.zones[i]), name)) {
			*tz = zone_cache.zones[i];
			pthread_mutex_unlock(&zone_cache.lock);
			return LARCH_OK;
		}
	time_zone_t *z;
	int rc = time_zone_open(name, &z, err);
	if (!rc && zone_cache.n < SQL_ZONES)
		zone_cache.zones[zone_cache.n++] = z;
	else if (!rc)
		*own = z;
	pthread_mutex_unlock(&zone_cache.lock);
	if (!rc)
		*tz = z;
	return rc;
}

void sql_pos(const sql_exec_t *x, int pos, char *out, size_t n)
{
	ast_pos_text(x->sql, x->len, pos, out, n);
}

/* now() in the directory's precision from the real-time clock. */
static int64_t sql_clock_now(larch_precision_t p)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t s = (int64_t)ts.tv_sec;
	switch (p) {
	case LARCH_NS: return s * 1000000000 + ts.tv_nsec;
	case LARCH_US: return s * 1000000 + ts.tv_nsec / 1000;
	default:       return s * 1000 + ts.tv_nsec / 1000000;
	}
}

static int sql_is_show(ast_stmt_kind_t k)
{
	switch (k) {
	case AST_SHOW_DATABASES:
	case AST_COUNT_DATABASES:
	case AST_SHOW_TIMESERIES:
	case AST_COUNT_TIMESERIES:
	case AST_SHOW_DEVICES:
	case AST_COUNT_DEVICES:
	case AST_SHOW_CHILD_PATHS:
	case AST_SHOW_CHILD_NODES:
	case AST_COUNT_NODES:
	case AST_SHOW_TEMPLATES:
	case AST_SHOW_TEMPLATE_NODES:
	case AST_SHOW_PATHS_SET_TEMPLATE:
	case AST_SHOW_PATHS_USING_TEMPLATE:
	case AST_SHOW_TTL:
	case AST_SHOW_VERSION:
		return 1;
	default:
		return 0;
	}
}

/* Run a parsed statement: rows for queries, an empty result otherwise. */
static int sql_dispatch(sql_exec_t *x, const ast_stmt_t *st, query_result_t **out,
			larch_error_t *err)
{
	int rc;
	if (st->kind == AST_SELECT)
		return query_select(&x->ctx, st->select, out, err);
	if (sql_is_show(st->kind))
		return query_show(&x->ctx, st, out, err);
	if (sql_is_user(st->kind))
		return sql_user(x, st, out, err);
	switch (st->kind) {
	case AST_INSERT:
		rc = sql_insert(x, st->insert, err);
		break;
	case AST_DELETE_DATA:
		rc = sql_delete_data(x, st, err);
		break;
	case AST_DELETE_PARTITION:
		rc = sql_delete_partition(x, st, err);
		break;
	default:
		rc = sql_ddl(x, st, err);
		break;
	}
	return rc ? rc : query_result_empty(out, err);
}

int larch_execute(larch_db_t *db, const char *sql, const larch_exec_opts_t *opts,
		  larch_result_t **out, larch_error_t *err)
{
	return larch_execute_as(db, NULL, sql, opts, out, err);
}

int larch_execute_as(larch_db_t *db, const char *user, const char *sql,
		     const larch_exec_opts_t *opts, larch_result_t **out, larch_error_t *err)
{
	*out = NULL;
	if (!db || !sql)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "larch_execute: no database or no SQL");
	larch_result_t *res = mem_calloc(1, sizeof(*res));
	sql_exec_t *x = res ? &res->x : NULL;
	int rc = LARCH_OK;
	size_t len = strlen(sql);
	if (!res || !(x->arena = arena_new(0)) || !(x->sql = arena_strndup(x->arena, sql, len))) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory running a statement");
		goto fail;
	}
	x->db = db;
	x->user = user;
	x->len = len;
	x->ctx.schema = db->schema;
	x->ctx.storage = db->storage;
	x->ctx.precision = (int)db->opt.precision;
	x->ctx.now = opts && opts->now ? opts->now : sql_clock_now(db->opt.precision);
	if ((rc = sql_zone(opts ? opts->time_zone : NULL, &x->ctx.tz, &res->own_zone, err)))
		goto fail;
	ast_stmt_t *st;
	if ((rc = ast_parse(x->sql, len, x->arena, &st, err)))
		goto fail;
	if ((rc = sql_dispatch(x, st, &res->r, err)))
		goto fail;
	*out = res;
	return LARCH_OK;
fail:
	larch_result_free(res);
	return rc;
}

size_t larch_result_column_count(const larch_result_t *r)
{
	return r->r->n_cols;
}

const char *larch_result_column_name(const larch_result_t *r, size_t i)
{
	return i < r->r->n_cols ? r->r->names[i] : NULL;
}

tsfile_type_t larch_result_column_type(const larch_result_t *r, size_t i)
{
	return i < r->r->n_cols ? r->r->types[i] : TSFILE_TEXT;
}

int larch_result_has_time(const larch_result_t *r)
{
	return r->r->has_time;
}

int larch_result_next(larch_result_t *r, const larch_block_t **blk, larch_error_t *err)
{
	return query_result_next(r->r, blk, err);
}

void larch_result_free(larch_result_t *r)
{
	if (!r)
		return;
	query_result_free(r->r);
	arena_free(r->x.arena);
	time_zone_free(r->own_zone);
	mem_free(r);
}
