/*
 * show.c — query_show: the SHOW and COUNT statements of the tree model,
 * answered from the schema as small materialized tables (query_table_t).
 *
 * Column names, types and value spellings are IoTDB 2.0's
 * (ColumnHeaderConstant): SHOW TIMESERIES prints tags and attributes as
 * JSON objects {"k":"v"} or null, Deadband/DeadbandParameters null and
 * ViewType BASE; SHOW DEVICES prints IsAligned as true/false, the template
 * name or null and the database's TTL in milliseconds or INF; node types of
 * SHOW CHILD PATHS are IoTDB's (SG INTERNAL above a database).  Listings
 * come in the schema's tree order; LIMIT/OFFSET apply after the WHERE
 * filter, and SHOW LATEST TIMESERIES orders by each series' latest time,
 * newest first (series without data last).
 */
#include <stdio.h>
#include <stdlib.h>

#include "query/query.h"

#define SHOW_VERSION_TEXT "2.0.0"
#define SHOW_BUILD_INFO "larch"

/* One SHOW/COUNT being answered. */
typedef struct show {
	const query_ctx_t *ctx;
	const ast_stmt_t *st;
	query_table_t *t;
	arena_t *arena;          /* scratch for collected rows */
	uint64_t skip, left;     /* OFFSET still to skip, LIMIT still to deliver */
	int rc;                  /* first failure inside a callback */
	larch_error_t *err;
	buf_t rows;              /* collected rows (SHOW LATEST, CHILD NODES, GROUP BY LEVEL) */
	uint64_t count;          /* COUNT with a per-row filter */
	int64_t *db_ttl;         /* SHOW DEVICES: TTL in ms by database id */
	size_t n_db_ttl;
} show_t;

/*---------------------------------------------------------------------------
 * Table building
 *---------------------------------------------------------------------------*/

typedef struct col_def {
	const char *name;
	tsfile_type_t type;
} col_def_t;

static int show_begin(show_t *sh, const col_def_t *cols, size_t n)
{
	sh->t = query_table_new(n, 0);
	if (!sh->t)
		return err_set(sh->err, LARCH_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (query_table_set_column(sh->t, i, cols[i].name, cols[i].type))
			return err_set(sh->err, LARCH_NO_MEMORY, "out of memory");
	return LARCH_OK;
}

/* Record a failed table call once (they fail only when out of memory: the
 * columns are set up by this file); returns non-zero to stop a listing. */
static int show_fail(show_t *sh, int rc)
{
	if (rc && !sh->rc)
		sh->rc = err_set(sh->err, LARCH_NO_MEMORY, "out of memory building a SHOW result");
	return rc != 0;
}

static int cell_text(show_t *sh, size_t col, const char *s, size_t len)
{
	return s ? query_table_set_text(sh->t, col, s, len) : LARCH_OK; /* NULL: null cell */
}

static int cell_str(show_t *sh, size_t col, const char *s)
{
	return cell_text(sh, col, s, s ? strlen(s) : 0);
}

/* OFFSET/LIMIT gate: 1 when the next accepted row is to be delivered, 0
 * when it is skipped; sh->left == 0 ends the listing. */
static int show_gate(show_t *sh)
{
	if (sh->skip) {
		sh->skip--;
		return 0;
	}
	if (sh->left)
		sh->left--;
	return 1;
}

static int show_done(const show_t *sh)
{
	return sh->left == 0;
}

static int show_finish(show_t *sh, query_result_t **out)
{
	if (sh->rc) /* the table is freed by query_show */
		return sh->rc;
	query_table_t *t = sh->t;
	sh->t = NULL;
	return query_table_finish(t, out, sh->err);
}

/* The statement's first path, or the default pattern. */
static const char *show_pattern(const ast_stmt_t *st, const char *dflt)
{
	return st->n_paths ? st->paths[0]->text : dflt;
}

/* A one-row, one-column count. */
static int show_count(show_t *sh, const char *name, tsfile_type_t type, uint64_t n,
		      query_result_t **out)
{
	col_def_t c = {name, type};
	int rc = show_begin(sh, &c, 1);
	if (!rc)
		show_fail(sh, query_table_add_row(sh->t, 0) ||
				      query_table_set_i64(sh->t, 0, (int64_t)n));
	return rc ? rc : show_finish(sh, out);
}

/* Append s to b as a JSON string (quotes, backslashes and control bytes
 * escaped). */
static void json_str(buf_t *b, const char *s)
{
	buf_put_u8(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf_put_u8(b, '\\');
			buf_put_u8(b, c);
		} else if (c < 0x20) {
			char e[8];
			snprintf(e, sizeof e, "\\u%04x", c);
			buf_put(b, e, 6);
		} else {
			buf_put_u8(b, c);
		}
	}
	buf_put_u8(b, '"');
}

/* {"k":"v",...} of n pairs into a cell (null when n == 0). */
static int cell_json(show_t *sh, size_t col, const schema_kv_t *kv, size_t n)
{
	if (n == 0)
		return LARCH_OK;
	buf_t b = BUF_INIT;
	buf_put_u8(&b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_put_u8(&b, ',');
		json_str(&b, kv[i].key);
		buf_put_u8(&b, ':');
		json_str(&b, kv[i].value);
	}
	buf_put_u8(&b, '}');
	int rc = buf_ok(&b) ? cell_text(sh, col, (const char *)b.data, b.len) : LARCH_NO_MEMORY;
	buf_free(&b);
	return rc;
}

/*---------------------------------------------------------------------------
 * Databases
 *---------------------------------------------------------------------------*/

/* The storage's partition width: the smallest time > 0 in partition 1. */
static int64_t show_partition_interval(storage_t *s)
{
	int64_t lo = 1, hi = INT64_MAX;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (storage_partition_of(s, mid) >= 1)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

typedef struct db_row_ctx {
	show_t *sh;
	int64_t interval;
} db_row_ctx_t;

static int db_row_cb(void *arg, const schema_db_info_t *info)
{
	db_row_ctx_t *c = arg;
	show_t *sh = c->sh;
	query_table_t *t = sh->t;
	int rc = query_table_add_row(t, 0);
	rc = rc ? rc : cell_text(sh, 0, info->path, info->path_len);
	rc = rc ? rc : query_table_set_i64(t, 1, 1);       /* schema replication */
	rc = rc ? rc : query_table_set_i64(t, 2, 1);       /* data replication */
	rc = rc ? rc : query_table_set_i64(t, 3, 0);       /* partition origin */
	rc = rc ? rc : query_table_set_i64(t, 4, c->interval);
	for (size_t i = 5; !rc && i < 11 && sh->st->details; i++)
		rc = query_table_set_i64(t, i, 1);         /* one region group each */
	return show_fail(sh, rc);
}

static int show_databases(show_t *sh, query_result_t **out)
{
	static const col_def_t cols[] = {
		{"Database", TSFILE_TEXT}, {"SchemaReplicationFactor", TSFILE_INT32},
		{"DataReplicationFactor", TSFILE_INT32}, {"TimePartitionOrigin", TSFILE_INT64},
		{"TimePartitionInterval", TSFILE_INT64}, {"SchemaRegionGroupNum", TSFILE_INT32},
		{"MinSchemaRegionGroupNum", TSFILE_INT32}, {"MaxSchemaRegionGroupNum", TSFILE_INT32},
		{"DataRegionGroupNum", TSFILE_INT32}, {"MinDataRegionGroupNum", TSFILE_INT32},
		{"MaxDataRegionGroupNum", TSFILE_INT32}};
	int rc = show_begin(sh, cols, sh->st->details ? 11 : 5);
	db_row_ctx_t c = {sh, show_partition_interval(sh->ctx->storage)};
	if (!rc)
		rc = schema_db_match(sh->ctx->schema, show_pattern(sh->st, "root.**"), db_row_cb, &c,
				     sh->err);
	return rc ? rc : show_finish(sh, out);
}

/*---------------------------------------------------------------------------
 * Time series
 *---------------------------------------------------------------------------*/

/* The schema filter of a WHERE clause; NULL when none (or one the schema
 * cannot apply, checked per row by series_where). */
static const schema_filter_t *series_filter(const ast_show_where_t *w, schema_filter_t *f)
{
	static const schema_filter_kind_t kinds[] = {
		[AST_SW_TAG_EQ] = SCHEMA_FILTER_TAG_EQ,
		[AST_SW_TAG_CONTAINS] = SCHEMA_FILTER_TAG_CONTAINS,
		[AST_SW_PATH_CONTAINS] = SCHEMA_FILTER_PATH_CONTAINS,
		[AST_SW_DATATYPE] = SCHEMA_FILTER_TYPE,
	};
	if (w->kind == AST_SW_NONE || w->kind == AST_SW_TEMPLATE || w->negated)
		return NULL;
	*f = (schema_filter_t){kinds[w->kind], w->key, w->value, w->type};
	return f;
}

/* 1 if a series passes the WHERE parts the schema filter did not apply. */
static int series_where(const ast_show_where_t *w, const schema_series_info_t *info)
{
	if (w->kind == AST_SW_DATATYPE && w->negated)
		return info->type != w->type;
	return 1;
}

/* The WHERE clause of SHOW/COUNT TIMESERIES must be one the schema knows. */
static int series_where_check(const show_t *sh)
{
	const ast_show_where_t *w = &sh->st->show_where;
	if (w->kind == AST_SW_TEMPLATE || (w->negated && w->kind != AST_SW_DATATYPE))
		return err_set(sh->err, LARCH_SEMANTIC_ERROR,
			       "this WHERE condition is not supported for time series");
	return LARCH_OK;
}

static const col_def_t series_cols[] = {
	{"Timeseries", TSFILE_TEXT}, {"Alias", TSFILE_TEXT}, {"Database", TSFILE_TEXT},
	{"DataType", TSFILE_TEXT}, {"Encoding", TSFILE_TEXT}, {"Compression", TSFILE_TEXT},
	{"Tags", TSFILE_TEXT}, {"Attributes", TSFILE_TEXT}, {"Deadband", TSFILE_TEXT},
	{"DeadbandParameters", TSFILE_TEXT}, {"ViewType", TSFILE_TEXT}};

static int series_row(show_t *sh, const schema_series_info_t *info)
{
	int rc = query_table_add_row(sh->t, 0);
	rc = rc ? rc : cell_text(sh, 0, info->path, info->path_len);
	rc = rc ? rc : cell_str(sh, 1, info->alias);
	rc = rc ? rc : cell_text(sh, 2, info->path, info->db_len);
	rc = rc ? rc : cell_str(sh, 3, tsfile_type_name(info->type));
	rc = rc ? rc : cell_str(sh, 4, tsfile_encoding_name(info->encoding));
	rc = rc ? rc : cell_str(sh, 5, tsfile_codec_name(info->codec));
	rc = rc ? rc : cell_json(sh, 6, info->tags, info->ntags);
	rc = rc ? rc : cell_json(sh, 7, info->attrs, info->nattrs);
	rc = rc ? rc : cell_str(sh, 10, "BASE");
	return rc;
}

static int series_row_cb(void *arg, const schema_series_info_t *info)
{
	show_t *sh = arg;
	if (!series_where(&sh->st->show_where, info) || !show_gate(sh))
		return 0;
	return show_fail(sh, series_row(sh, info)) || show_done(sh);
}

/* SHOW LATEST TIMESERIES: each series with its latest time, sorted. */
typedef struct latest_row {
	schema_series_info_t info;   /* strings copied into the show arena */
	int64_t time;
	int found;
} latest_row_t;

static schema_kv_t *kvs_copy(arena_t *a, const schema_kv_t *kv, size_t n)
{
	schema_kv_t *out = arena_alloc(a, (n + 1) * sizeof(*out));
	for (size_t i = 0; out && i < n; i++) {
		out[i].key = arena_strndup(a, kv[i].key, strlen(kv[i].key));
		out[i].value = arena_strndup(a, kv[i].value, strlen(kv[i].value));
		if (!out[i].key || !out[i].value)
			return NULL;
	}
	return out;
}

static int latest_collect_cb(void *arg, const schema_series_info_t *info)
{
	show_t *sh = arg;
	if (!series_where(&sh->st->show_where, info))
		return 0;
	arena_t *a = sh->arena;
	latest_row_t r = {*info, 0, 0};
	char *database = arena_strndup(a, info->path, info->db_len);
	char *device = arena_strndup(a, info->path, info->device_len);
	r.info.path = arena_strndup(a, info->path, info->path_len);
	r.info.name = arena_strndup(a, info->name, strlen(info->name));
	r.info.alias = info->alias ? arena_strndup(a, info->alias, strlen(info->alias)) : NULL;
	r.info.tags = kvs_copy(a, info->tags, info->ntags);
	r.info.attrs = kvs_copy(a, info->attrs, info->nattrs);
	if (!database || !device || !r.info.path || !r.info.name || !r.info.tags ||
	    !r.info.attrs || (info->alias && !r.info.alias))
		return show_fail(sh, LARCH_NO_MEMORY);
	storage_series_ref_t ref = {device, info->sid, r.info.name, info->type};
	tsfile_value_t v;
	int rc = storage_last(sh->ctx->storage, database, &ref, a, &r.time, &v, &r.found, sh->err);
	if (rc) {
		sh->rc = rc;
		return 1;
	}
	buf_put(&sh->rows, &r, sizeof r);
	return 0;
}

static int latest_cmp(const void *a, const void *b)
{
	const latest_row_t *x = a, *y = b;
	if (x->found != y->found)
		return y->found - x->found;
	return x->time < y->time ? 1 : x->time > y->time ? -1 : 0;
}

static int show_latest(show_t *sh, const char *pattern, const schema_filter_t *f)
{
	int rc = schema_match_series(sh->ctx->schema, pattern, f, 0, 0, latest_collect_cb, sh,
				     sh->err);
	if (rc || sh->rc)
		return rc ? rc : sh->rc;
	if (!buf_ok(&sh->rows))
		return err_set(sh->err, LARCH_NO_MEMORY, "out of memory");
	latest_row_t *rows = (latest_row_t *)(void *)sh->rows.data;
	size_t n = sh->rows.len / sizeof(*rows);
	if (n)
		qsort(rows, n, sizeof(*rows), latest_cmp);
	for (size_t i = 0; i < n && !show_done(sh); i++)
		if (show_gate(sh) && show_fail(sh, series_row(sh, &rows[i].info)))
			break;
	return LARCH_OK;
}

static int show_timeseries(show_t *sh, query_result_t **out)
{
	schema_filter_t f;
	const schema_filter_t *fp = series_filter(&sh->st->show_where, &f);
	const char *pattern = show_pattern(sh->st, "root.**");
	int rc = series_where_check(sh);
	rc = rc ? rc : show_begin(sh, series_cols, LR_ARRAY_LEN(series_cols));
	if (!rc && sh->st->latest)
		rc = show_latest(sh, pattern, fp);
	else if (!rc && !show_done(sh))
		rc = schema_match_series(sh->ctx->schema, pattern, fp, 0, 0, series_row_cb, sh,
					 sh->err);
	return rc ? rc : show_finish(sh, out);
}

/* COUNT TIMESERIES ... GROUP BY LEVEL = n: series counted by the prefix of
 * their path ending at level n (series above that level are not counted).
 * Tree order keeps a prefix's series together. */
typedef struct level_group {
	char *prefix;
	size_t len;
	int64_t count;
} level_group_t;

static int level_count_cb(void *arg, const schema_series_info_t *info)
{
	show_t *sh = arg;
	if (!series_where(&sh->st->show_where, info))
		return 0;
	size_t len = schema_path_level_len(info->path, info->path_len, sh->st->level);
	if (len == 0)
		return 0;
	level_group_t *g = (level_group_t *)(void *)sh->rows.data;
	size_t n = sh->rows.len / sizeof(*g);
	if (n && g[n - 1].len == len && !memcmp(g[n - 1].prefix, info->path, len)) {
		g[n - 1].count++;
		return 0;
	}
	level_group_t ng = {arena_strndup(sh->arena, info->path, len), len, 1};
	if (!ng.prefix)
		return show_fail(sh, LARCH_NO_MEMORY);
	buf_put(&sh->rows, &ng, sizeof ng);
	return 0;
}

static int series_count_cb(void *arg, const schema_series_info_t *info)
{
	show_t *sh = arg;
	sh->count += (uint64_t)series_where(&sh->st->show_where, info);
	return 0;
}

static int count_timeseries(show_t *sh, query_result_t **out)
{
	schema_filter_t f;
	const schema_filter_t *fp = series_filter(&sh->st->show_where, &f);
	const char *pattern = show_pattern(sh->st, "root.**");
	int rc = series_where_check(sh);
	if (!rc && sh->st->level < 0) {
		rc = sh->st->show_where.negated
			     ? schema_match_series(sh->ctx->schema, pattern, NULL, 0, 0,
						   series_count_cb, sh, sh->err)
			     : schema_count_series(sh->ctx->schema, pattern, fp, &sh->count, sh->err);
		return rc ? rc : show_count(sh, "count(timeseries)", TSFILE_INT64, sh->count, out);
	}
	static const col_def_t cols[] = {{"Column", TSFILE_TEXT},
					 {"count(timeseries)", TSFILE_INT64}};
	rc = rc ? rc : show_begin(sh, cols, 2);
	if (!rc)
		rc = schema_match_series(sh->ctx->schema, pattern, fp, 0, 0, level_count_cb, sh,
					 sh->err);
	if (!rc && !sh->rc && !buf_ok(&sh->rows))
		rc = err_set(sh->err, LARCH_NO_MEMORY, "out of memory");
	level_group_t *g = (level_group_t *)(void *)sh->rows.data;
	for (size_t i = 0; !rc && !sh->rc && i < sh->rows.len / sizeof(*g); i++) {
		int r = query_table_add_row(sh->t, 0);
		r = r ? r : cell_text(sh, 0, g[i].prefix, g[i].len);
		r = r ? r : query_table_set_i64(sh->t, 1, g[i].count);
		show_fail(sh, r);
	}
	return rc ? rc : show_finish(sh, out);
}

/*---------------------------------------------------------------------------
 * Devices
 *---------------------------------------------------------------------------*/

static int db_ttl_cb(void *arg, const schema_db_info_t *info)
{
	show_t *sh = arg;
	if (info->id >= sh->n_db_ttl) {
		size_t n = LR_MAX((size_t)info->id + 1, sh->n_db_ttl * 2);
		int64_t *t = arena_calloc(sh->arena, n, sizeof(*t));
		if (!t)
			return show_fail(sh, LARCH_NO_MEMORY);
		if (sh->n_db_ttl)
			memcpy(t, sh->db_ttl, sh->n_db_ttl * sizeof(*t));
		sh->db_ttl = t;
		sh->n_db_ttl = n;
	}
	sh->db_ttl[info->id] = info->ttl;
	return 0;
}

/* TTL(ms) as IoTDB prints it: the number, or INF when none is set. */
static int cell_ttl(show_t *sh, size_t col, int64_t ttl_ms)
{
	char b[24];
	if (ttl_ms <= 0)
		return cell_str(sh, col, "INF");
	snprintf(b, sizeof b, "%lld", (long long)ttl_ms);
	return cell_str(sh, col, b);
}

/* WHERE TEMPLATE = 't' / != 't' / IS NOT NULL / IS NULL of SHOW DEVICES
 * (the parser gives IS NOT NULL as no value, IS NULL as no value negated). */
static int device_where(const ast_show_where_t *w, const schema_device_info_t *info)
{
	if (w->kind != AST_SW_TEMPLATE)
		return 1;
	int match = w->value ? info->template_name && !strcmp(info->template_name, w->value)
			     : info->template_name != NULL;
	return match != w->negated;
}

static int device_row_cb(void *arg, const schema_device_info_t *info)
{
	show_t *sh = arg;
	if (!device_where(&sh->st->show_where, info) || !show_gate(sh))
		return 0;
	size_t c = 0;
	int64_t ttl = info->db_id < sh->n_db_ttl ? sh->db_ttl[info->db_id] : 0;
	int rc = query_table_add_row(sh->t, 0);
	rc = rc ? rc : cell_text(sh, c++, info->path, info->path_len);
	if (sh->st->with_database)
		rc = rc ? rc : cell_text(sh, c++, info->path, info->db_len);
	rc = rc ? rc : cell_str(sh, c++, info->aligned ? "true" : "false");
	rc = rc ? rc : cell_str(sh, c++, info->template_name);
	rc = rc ? rc : cell_ttl(sh, c, ttl);
	return show_fail(sh, rc) || show_done(sh);
}

static int show_devices(show_t *sh, query_result_t **out)
{
	static const col_def_t cols[] = {{"Device", TSFILE_TEXT}, {"Database", TSFILE_TEXT},
					 {"IsAligned", TSFILE_TEXT}, {"Template", TSFILE_TEXT},
					 {"TTL(ms)", TSFILE_TEXT}};
	static const col_def_t plain[] = {{"Device", TSFILE_TEXT}, {"IsAligned", TSFILE_TEXT},
					  {"Template", TSFILE_TEXT}, {"TTL(ms)", TSFILE_TEXT}};
	const ast_show_where_t *w = &sh->st->show_where;
	if (w->kind != AST_SW_NONE && w->kind != AST_SW_TEMPLATE && w->kind != AST_SW_PATH_CONTAINS)
		return err_set(sh->err, LARCH_SEMANTIC_ERROR,
			       "SHOW DEVICES filters by DEVICE CONTAINS or TEMPLATE only");
	int rc = sh->st->with_database ? show_begin(sh, cols, 5) : show_begin(sh, plain, 4);
	rc = rc ? rc : schema_db_match(sh->ctx->schema, "root.**", db_ttl_cb, sh, sh->err);
	if (!rc && !sh->rc && !show_done(sh))
		rc = schema_match_devices(sh->ctx->schema, show_pattern(sh->st, "root.**"),
					  w->kind == AST_SW_PATH_CONTAINS ? w->value : NULL, 0, 0,
					  device_row_cb, sh, sh->err);
	return rc ? rc : show_finish(sh, out);
}

/*---------------------------------------------------------------------------
 * Child paths and nodes
 *---------------------------------------------------------------------------*/

/* IoTDB's MNodeType names. */
static const char *node_type_name(schema_node_type_t t)
{
	static const char *const names[] = {
		[SCHEMA_NODE_ROOT] = "ROOT", [SCHEMA_NODE_DB_INTERNAL] = "SG INTERNAL",
		[SCHEMA_NODE_DATABASE] = "DATABASE", [SCHEMA_NODE_INTERNAL] = "INTERNAL",
		[SCHEMA_NODE_DEVICE] = "DEVICE", [SCHEMA_NODE_MEASUREMENT] = "TIMESERIES"};
	return (unsigned)t < LR_ARRAY_LEN(names) ? names[t] : "";
}

static int child_path_cb(void *arg, const schema_child_info_t *info)
{
	show_t *sh = arg;
	int rc = query_table_add_row(sh->t, 0);
	rc = rc ? rc : cell_text(sh, 0, info->path, info->path_len);
	rc = rc ? rc : cell_str(sh, 1, node_type_name(info->type));
	return show_fail(sh, rc);
}

static int child_name_cb(void *arg, const schema_child_info_t *info)
{
	show_t *sh = arg;
	char *name = arena_strndup(sh->arena, info->name, strlen(info->name));
	if (!name)
		return show_fail(sh, LARCH_NO_MEMORY);
	buf_put(&sh->rows, &name, sizeof name);
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int show_children(show_t *sh, query_result_t **out)
{
	static const col_def_t cols[] = {{"ChildPaths", TSFILE_TEXT}, {"NodeTypes", TSFILE_TEXT}};
	static const col_def_t nodes[] = {{"ChildNodes", TSFILE_TEXT}};
	const char *pattern = show_pattern(sh->st, "root");
	if (sh->st->kind == AST_SHOW_CHILD_PATHS) {
		int rc = show_begin(sh, cols, 2);
		rc = rc ? rc : schema_match_children(sh->ctx->schema, pattern, child_path_cb, sh,
						     sh->err);
		return rc ? rc : show_finish(sh, out);
	}
	/* CHILD NODES: names only, each once, sorted */
	int rc = show_begin(sh, nodes, 1);
	rc = rc ? rc : schema_match_children(sh->ctx->schema, pattern, child_name_cb, sh, sh->err);
	if (!rc && !sh->rc && !buf_ok(&sh->rows))
		rc = err_set(sh->err, LARCH_NO_MEMORY, "out of memory");
	char **names = (char **)(void *)sh->rows.data;
	size_t n = sh->rows.len / sizeof(char *);
	if (!rc && n)
		qsort(names, n, sizeof(char *), str_cmp);
	for (size_t i = 0; !rc && !sh->rc && i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]))
			show_fail(sh, query_table_add_row(sh->t, 0) || cell_str(sh, 0, names[i]));
	return rc ? rc : show_finish(sh, out);
}

/*---------------------------------------------------------------------------
 * Templates
 *---------------------------------------------------------------------------*/

static int template_name_cb(void *arg, const schema_template_info_t *info)
{
	show_t *sh = arg;
	return show_fail(sh, query_table_add_row(sh->t, 0) || cell_str(sh, 0, info->name));
}

static int template_meas_cb(void *arg, const schema_tmpl_meas_info_t *info)
{
	show_t *sh = arg;
	int rc = query_table_add_row(sh->t, 0);
	rc = rc ? rc : cell_str(sh, 0, info->name);
	rc = rc ? rc : cell_str(sh, 1, tsfile_type_name(info->type));
	rc = rc ? rc : cell_str(sh, 2, tsfile_encoding_name(info->encoding));
	rc = rc ? rc : cell_str(sh, 3, tsfile_codec_name(info->codec));
	return show_fail(sh, rc);
}

static int template_path_cb(void *arg, const char *path, size_t len)
{
	show_t *sh = arg;
	return show_fail(sh, query_table_add_row(sh->t, 0) || cell_text(sh, 0, path, len));
}

static int show_templates(show_t *sh, query_result_t **out)
{
	static const col_def_t names[] = {{"TemplateName", TSFILE_TEXT}};
	static const col_def_t meas[] = {{"ChildNodes", TSFILE_TEXT}, {"DataType", TSFILE_TEXT},
					 {"Encoding", TSFILE_TEXT}, {"Compression", TSFILE_TEXT}};
	static const col_def_t paths[] = {{"Paths", TSFILE_TEXT}};
	schema_t *s = sh->ctx->schema;
	const char *name = sh->st->name ? sh->st->name : "";
	int rc;
	switch (sh->st->kind) {
	case AST_SHOW_TEMPLATES:
		rc = show_begin(sh, names, 1);
		rc = rc ? rc : schema_template_list(s, template_name_cb, sh, sh->err);
		break;
	case AST_SHOW_TEMPLATE_NODES:
		rc = show_begin(sh, meas, 4);
		rc = rc ? rc : schema_template_measurements(s, name, template_meas_cb, sh, sh->err);
		break;
	case AST_SHOW_PATHS_SET_TEMPLATE:
		rc = show_begin(sh, paths, 1);
		rc = rc ? rc : schema_template_paths_set(s, name, template_path_cb, sh, sh->err);
		break;
	default: /* AST_SHOW_PATHS_USING_TEMPLATE */
		rc = show_begin(sh, paths, 1);
		rc = rc ? rc : schema_template_paths_using(s, name, template_path_cb, sh, sh->err);
		break;
	}
	return rc ? rc : show_finish(sh, out);
}

/*---------------------------------------------------------------------------
 * TTL, version, counts
 *---------------------------------------------------------------------------*/

/* TTL rules as IoTDB 2.0 lists them (path pattern, TTL(ms)).  Larch keeps
 * TTLs per database, so the rules are root.** (the default, INF) and
 * <db>.** for every database with a TTL.  SHOW ALL TTL lists them all;
 * SHOW TTL ON p those of the databases p designates (matching p, or p being
 * <db> or <db>.**), plus root.** when p is root.**. */
static int ttl_rule_row(show_t *sh, const char *db, size_t len, int64_t ttl)
{
	char *p = arena_alloc(sh->arena, len + 4);
	if (!p)
		return LARCH_NO_MEMORY;
	memcpy(p, db, len);
	memcpy(p + len, ".**", 4);
	int rc = query_table_add_row(sh->t, 0);
	rc = rc ? rc : cell_str(sh, 0, p);
	return rc ? rc : cell_ttl(sh, 1, ttl);
}

static int ttl_rule_cb(void *arg, const schema_db_info_t *info)
{
	show_t *sh = arg;
	if (info->ttl <= 0)
		return 0;
	/* a database reached by two patterns of SHOW TTL ON is listed once */
	for (size_t i = 0; i < sh->rows.len / sizeof(uint32_t); i++)
		if (((const uint32_t *)(const void *)sh->rows.data)[i] == info->id)
			return 0;
	buf_put(&sh->rows, &info->id, sizeof info->id);
	return show_fail(sh, ttl_rule_row(sh, info->path, info->path_len, info->ttl));
}

static int show_ttl(show_t *sh, query_result_t **out)
{
	static const col_def_t cols[] = {{"Device", TSFILE_TEXT}, {"TTL(ms)", TSFILE_TEXT}};
	schema_t *s = sh->ctx->schema;
	size_t n = sh->st->n_paths;
	int rc = show_begin(sh, cols, 2);
	for (size_t i = 0; !rc && !sh->rc && i < (n ? n : 1); i++) {
		const char *p = n ? sh->st->paths[i]->text : "root.**";
		size_t len = strlen(p);
		if (!strcmp(p, "root.**"))
			show_fail(sh, query_table_add_row(sh->t, 0) || cell_str(sh, 0, p) ||
					      cell_str(sh, 1, "INF"));
		rc = schema_db_match(s, p, ttl_rule_cb, sh, sh->err);
		if (!rc && len > 3 && !strcmp(p + len - 3, ".**")) { /* <db>.** names <db> */
			char *db = arena_strndup(sh->arena, p, len - 3);
			rc = db ? schema_db_match(s, db, ttl_rule_cb, sh, sh->err)
				: err_set(sh->err, LARCH_NO_MEMORY, "out of memory");
		}
	}
	if (!rc && !sh->rc && !buf_ok(&sh->rows))
		rc = err_set(sh->err, LARCH_NO_MEMORY, "out of memory");
	return rc ? rc : show_finish(sh, out);
}

static int show_version(show_t *sh, query_result_t **out)
{
	static const col_def_t cols[] = {{"Version", TSFILE_TEXT}, {"BuildInfo", TSFILE_TEXT}};
	int rc = show_begin(sh, cols, 2);
	if (!rc)
		show_fail(sh, query_table_add_row(sh->t, 0) || cell_str(sh, 0, SHOW_VERSION_TEXT) ||
				      cell_str(sh, 1, SHOW_BUILD_INFO));
	return rc ? rc : show_finish(sh, out);
}

static int show_counts(show_t *sh, query_result_t **out)
{
	schema_t *s = sh->ctx->schema;
	const char *pattern = show_pattern(sh->st, "root.**");
	uint64_t n = 0;
	int rc;
	switch (sh->st->kind) {
	case AST_COUNT_DATABASES:
		rc = schema_db_count(s, pattern, &n, sh->err);
		return rc ? rc : show_count(sh, "count(database)", TSFILE_INT32, n, out);
	case AST_COUNT_DEVICES:
		rc = schema_count_devices(s, pattern, &n, sh->err);
		return rc ? rc : show_count(sh, "count(devices)", TSFILE_INT64, n, out);
	default: /* AST_COUNT_NODES */
		if (sh->st->level < 0)
			return err_set(sh->err, LARCH_SEMANTIC_ERROR, "COUNT NODES needs LEVEL = n");
		rc = schema_count_nodes(s, pattern, sh->st->level, &n, sh->err);
		return rc ? rc : show_count(sh, "count(nodes)", TSFILE_INT64, n, out);
	}
}

/*---------------------------------------------------------------------------
 * Entry point
 *---------------------------------------------------------------------------*/

int query_show(const query_ctx_t *ctx, const ast_stmt_t *st, query_result_t **out,
	       larch_error_t *err)
{
	*out = NULL;
	if (st->limit == 0 && (st->kind == AST_SHOW_TIMESERIES || st->kind == AST_SHOW_DEVICES))
		return err_set(err, LARCH_SEMANTIC_ERROR, "LIMIT should be greater than 0");
	show_t sh = {ctx, st, NULL, arena_new(0), st->offset > 0 ? (uint64_t)st->offset : 0,
		     st->limit > 0 ? (uint64_t)st->limit : UINT64_MAX, LARCH_OK, err,
		     BUF_INIT, 0, NULL, 0};
	if (!sh.arena)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	int rc;
	switch (st->kind) {
	case AST_SHOW_DATABASES:
		rc = show_databases(&sh, out);
		break;
	case AST_SHOW_TIMESERIES:
		rc = show_timeseries(&sh, out);
		break;
	case AST_COUNT_TIMESERIES:
		rc = count_timeseries(&sh, out);
		break;
	case AST_SHOW_DEVICES:
		rc = show_devices(&sh, out);
		break;
	case AST_SHOW_CHILD_PATHS:
	case AST_SHOW_CHILD_NODES:
		rc = show_children(&sh, out);
		break;
	case AST_SHOW_TEMPLATES:
	case AST_SHOW_TEMPLATE_NODES:
	case AST_SHOW_PATHS_SET_TEMPLATE:
	case AST_SHOW_PATHS_USING_TEMPLATE:
		rc = show_templates(&sh, out);
		break;
	case AST_SHOW_TTL:
		rc = show_ttl(&sh, out);
		break;
	case AST_SHOW_VERSION:
		rc = show_version(&sh, out);
		break;
	case AST_COUNT_DATABASES:
	case AST_COUNT_DEVICES:
	case AST_COUNT_NODES:
		rc = show_counts(&sh, out);
		break;
	default:
		rc = err_set(err, LARCH_UNSUPPORTED, "not a SHOW or COUNT statement");
		break;
	}
	query_table_free(sh.t); /* left over only on failure */
	buf_free(&sh.rows);
	arena_free(sh.arena);
	return rc;
}
