/*
 * sql_ddl.c — the schema statements of larch_execute: CREATE/DELETE
 * DATABASE, CREATE [ALIGNED] TIMESERIES, DELETE TIMESERIES, ALTER
 * TIMESERIES, device templates (create, alter add, drop, set, unset,
 * activate, deactivate), SET/UNSET TTL and FLUSH.
 *
 * Each maps the AST onto one call of the embedded API (ddl.c) or of the
 * schema, with IoTDB's codes and messages coming from there.  Where a
 * statement destroys data (deactivating a template drops its series) the
 * points go first, then the schema entries, as in ddl.c.
 */
#include <stdlib.h>
#include <strings.h>

#include "sql_int.h"

/* The canonical texts of a statement's paths, in arena memory. */
static const char **stmt_paths(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	const char **p = arena_alloc(x->arena, (st->n_paths + 1) * sizeof(*p));
	if (!p) {
		err_set(err, LARCH_NO_MEMORY, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < st->n_paths; i++)
		p[i] = st->paths[i]->text;
	return p;
}

/* ast key/value pairs as larch_kv_t / schema_kv_t (same layout: key, value). */
static larch_kv_t *kvs_convert(arena_t *a, const ast_kv_t *kv, size_t n)
{
	larch_kv_t *out = arena_alloc(a, (n + 1) * sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		out[i] = (larch_kv_t){kv[i].key, kv[i].value};
	return out;
}

static schema_kv_t *schema_kvs(arena_t *a, const ast_kv_t *kv, size_t n)
{
	schema_kv_t *out = arena_alloc(a, (n + 1) * sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		out[i] = (schema_kv_t){kv[i].key, kv[i].value};
	return out;
}

/*---------------------------------------------------------------------------
 * Databases
 *---------------------------------------------------------------------------*/

/* WITH properties IoTDB accepts on CREATE DATABASE (replication and region
 * settings of a cluster; one node has nothing to do with them) and TTL. */
static int db_props_check(const ast_stmt_t *st, int64_t *ttl, larch_error_t *err)
{
	static const char *const known[] = {"SCHEMA_REPLICATION_FACTOR", "DATA_REPLICATION_FACTOR",
					    "SCHEMA_REGION_GROUP_NUM", "DATA_REGION_GROUP_NUM",
					    "TIME_PARTITION_INTERVAL"};
	*ttl = 0;
	for (size_t i = 0; i < st->n_props; i++) {
		const char *k = st->props[i].key;
		if (!strcasecmp(k, "TTL")) {
			char *end;
			long long v = strtoll(st->props[i].value, &end, 10);
			if (*end || v <= 0)
				return err_set(err, LARCH_SEMANTIC_ERROR, "TTL should be positive, not %s",
					       st->props[i].value);
			*ttl = v;
			continue;
		}
		size_t j = 0;
		while (j < LR_ARRAY_LEN(known) && strcasecmp(k, known[j]))
			j++;
		if (j == LR_ARRAY_LEN(known))
			return err_set(err, LARCH_SEMANTIC_ERROR, "Unsupported database attribute: %s", k);
	}
	return LARCH_OK;
}

static int ddl_create_database(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	int64_t ttl;
	int rc = db_props_check(st, &ttl, err);
	if (rc || st->n_paths != 1)
		return rc ? rc : err_set(err, LARCH_SEMANTIC_ERROR, "CREATE DATABASE takes one path");
	const char *path = st->paths[0]->text;
	if ((rc = larch_create_database(x->db, path, err)) || !ttl)
		return rc;
	return larch_set_ttl(x->db, path, ttl, err);
}

/*---------------------------------------------------------------------------
 * Time series
 *---------------------------------------------------------------------------*/

/* An AST measurement definition as a larch_series_def_t (name = the text
 * of its path: the full path or the measurement).  WITH properties other
 * than encoding and compressor are accepted and not kept. */
static int def_convert(arena_t *a, const ast_meas_def_t *d, larch_series_def_t *out,
		       larch_error_t *err)
{
	larch_kv_t *tags = kvs_convert(a, d->tags, d->n_tags);
	larch_kv_t *attrs = kvs_convert(a, d->attrs, d->n_attrs);
	if (!tags || !attrs)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	*out = (larch_series_def_t){d->path->text, d->type, d->encoding, d->codec, d->alias,
				    tags, d->n_tags, attrs, d->n_attrs};
	return LARCH_OK;
}

static int ddl_create_series(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	if (st->n_defs == 0)
		return err_set(err, LARCH_SEMANTIC_ERROR, "no time series to create");
	larch_series_def_t *defs = arena_alloc(x->arena, st->n_defs * sizeof(*defs));
	if (!defs)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	int rc;
	for (size_t i = 0; i < st->n_defs; i++)
		if ((rc = def_convert(x->arena, &st->defs[i], &defs[i], err)))
			return rc;
	if (st->kind == AST_CREATE_ALIGNED_TIMESERIES)
		return larch_create_aligned_timeseries(x->db, st->device->text, defs, st->n_defs, err);
	return larch_create_timeseries(x->db, st->defs[0].path->text, &defs[0], err);
}

static const schema_alter_op_t alter_ops[] = {
	[AST_ALTER_RENAME] = SCHEMA_ALTER_RENAME,
	[AST_ALTER_SET] = SCHEMA_ALTER_SET,
	[AST_ALTER_DROP] = SCHEMA_ALTER_DROP,
	[AST_ALTER_ADD_TAGS] = SCHEMA_ALTER_ADD_TAGS,
	[AST_ALTER_ADD_ATTRIBUTES] = SCHEMA_ALTER_ADD_ATTRS,
	[AST_ALTER_UPSERT] = SCHEMA_ALTER_UPSERT,
};

static int ddl_alter_series(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	const ast_alter_t *al = &st->alter;
	if (st->n_paths != 1 || (unsigned)al->kind >= LR_ARRAY_LEN(alter_ops))
		return err_set(err, LARCH_SEMANTIC_ERROR, "ALTER TIMESERIES takes one path");
	schema_alter_t a = {.op = alter_ops[al->kind], .old_key = al->old_key,
			    .new_key = al->new_key, .alias = al->alias};
	const char **keys = arena_alloc(x->arena, (al->n_kvs + 1) * sizeof(*keys));
	if (!keys)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < al->n_kvs; i++)
		keys[i] = al->kvs[i].key;
	if (al->kind == AST_ALTER_DROP) {
		a.keys = keys;
		a.nkeys = al->n_kvs;
	} else if (al->kind == AST_ALTER_UPSERT) {
		a.kvs = schema_kvs(x->arena, al->tags, al->n_tags);
		a.nkvs = al->n_tags;
		a.attrs = schema_kvs(x->arena, al->attrs, al->n_attrs);
		a.nattrs = al->n_attrs;
		if (!a.kvs || !a.attrs)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
	} else if (al->kind != AST_ALTER_RENAME) {
		if (!(a.kvs = schema_kvs(x->arena, al->kvs, al->n_kvs)))
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		a.nkvs = al->n_kvs;
	}
	return schema_series_alter(x->db->schema, st->paths[0]->text, &a, err);
}

/*---------------------------------------------------------------------------
 * Device templates
 *---------------------------------------------------------------------------*/

static schema_tmpl_meas_t *tmpl_meas(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	schema_tmpl_meas_t *ms = arena_alloc(x->arena, (st->n_defs + 1) * sizeof(*ms));
	if (!ms) {
		err_set(err, LARCH_NO_MEMORY, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < st->n_defs; i++)
		ms[i] = (schema_tmpl_meas_t){st->defs[i].path->text, st->defs[i].type,
					     st->defs[i].encoding, st->defs[i].codec};
	return ms;
}

typedef struct tmpl_series {
	arena_t *arena;
	const char *name;        /* the template, or NULL: any */
	uint32_t template_id;    /* its id once found (0: any template) */
	buf_t paths;             /* const char *: full paths of template series */
	int oom;
} tmpl_series_t;

static int tmpl_id_cb(void *arg, const schema_template_info_t *info)
{
	tmpl_series_t *ts = arg;
	if (strcmp(info->name, ts->name))
		return 0;
	ts->template_id = info->id;
	return 1;
}

static int tmpl_series_cb(void *arg, const schema_series_info_t *info)
{
	tmpl_series_t *ts = arg;
	if (!info->template_id || (ts->template_id && info->template_id != ts->template_id))
		return 0;
	const char *p = arena_strndup(ts->arena, info->path, info->path_len);
	if (!p) {
		ts->oom = 1;
		return 1;
	}
	buf_put(&ts->paths, &p, sizeof p);
	return 0;
}

/* Delete the points of the template series (of template `name`, or of any
 * when NULL) of the devices matching the patterns: the data part of
 * DEACTIVATE DEVICE TEMPLATE, done before the schema change. */
static int tmpl_delete_points(sql_exec_t *x, const char *name, const char **patterns, size_t n,
			      larch_error_t *err)
{
	tmpl_series_t ts = {x->arena, name, 0, BUF_INIT, 0};
	int rc = LARCH_OK;
	if (name) {
		rc = schema_template_list(x->db->schema, tmpl_id_cb, &ts, err);
		if (!rc && !ts.template_id) /* the schema reports the unknown template */
			goto out;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		size_t len = strlen(patterns[i]);
		char *p = arena_alloc(x->arena, len + 3);
		if (!p) {
			rc = LARCH_NO_MEMORY;
			break;
		}
		memcpy(p, patterns[i], len);
		memcpy(p + len, ".*", 3);
		rc = schema_match_series(x->db->schema, p, NULL, 0, 0, tmpl_series_cb, &ts, err);
	}
	if (!rc && (ts.oom || !buf_ok(&ts.paths)))
		rc = LARCH_NO_MEMORY;
	size_t k = ts.paths.len / sizeof(char *);
	if (!rc && k)
		rc = engine_delete_points(x->db, (const char *const *)(void *)ts.paths.data, k,
					  INT64_MIN, INT64_MAX, 0, err);
out:
	buf_free(&ts.paths);
	return rc == LARCH_NO_MEMORY ? err_set(err, rc, "out of memory") : rc;
}

static int ddl_template(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	schema_t *s = x->db->schema;
	const char **paths = stmt_paths(x, st, err);
	schema_tmpl_meas_t *ms = tmpl_meas(x, st, err);
	int rc;
	if (!paths || !ms)
		return LARCH_NO_MEMORY;
	switch (st->kind) {
	case AST_CREATE_TEMPLATE:
		return schema_template_create(s, st->name, st->aligned, ms, st->n_defs, err);
	case AST_ALTER_TEMPLATE:
		return schema_template_extend(s, st->name, ms, st->n_defs, err);
	case AST_DROP_TEMPLATE:
		return schema_template_drop(s, st->name, err);
	case AST_SET_TEMPLATE:
		return schema_template_set(s, st->name, paths[0], err);
	case AST_UNSET_TEMPLATE:
		return schema_template_unset(s, st->name, paths[0], err);
	case AST_ACTIVATE_TEMPLATE:
		for (size_t i = 0; i < st->n_paths; i++)
			if ((rc = schema_template_activate(s, paths[i], err)))
				return rc;
		return LARCH_OK;
	default: /* AST_DEACTIVATE_TEMPLATE */
		if ((rc = tmpl_delete_points(x, st->name, paths, st->n_paths, err)))
			return rc;
		return schema_template_deactivate(s, st->name, paths, st->n_paths, NULL, err);
	}
}

/*---------------------------------------------------------------------------
 * TTL
 *---------------------------------------------------------------------------*/

/* SET TTL TO path n|INF (INF: no TTL), UNSET TTL TO path. */
static int ddl_ttl(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	if (st->n_paths != 1)
		return err_set(err, LARCH_SEMANTIC_ERROR, "TTL statements take one path");
	const char *path = st->paths[0]->text;
	if (st->kind == AST_UNSET_TTL || !st->ttl)
		return larch_unset_ttl(x->db, path, err);
	if (st->ttl->kind != AST_E_INT)
		return err_set(err, LARCH_SEMANTIC_ERROR, "TTL must be an integer or INF");
	return larch_set_ttl(x->db, path, st->ttl->ival, err);
}

int sql_ddl(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	const char **paths;
	switch (st->kind) {
	case AST_CREATE_DATABASE:
		return ddl_create_database(x, st, err);
	case AST_DROP_DATABASE:
		paths = stmt_paths(x, st, err);
		return paths ? larch_drop_database(x->db, paths, st->n_paths, err) : LARCH_NO_MEMORY;
	case AST_CREATE_TIMESERIES:
	case AST_CREATE_ALIGNED_TIMESERIES:
		return ddl_create_series(x, st, err);
	case AST_DROP_TIMESERIES:
		paths = stmt_paths(x, st, err);
		return paths ? larch_delete_timeseries(x->db, paths, st->n_paths, err)
			     : LARCH_NO_MEMORY;
	case AST_ALTER_TIMESERIES:
		return ddl_alter_series(x, st, err);
	case AST_CREATE_TEMPLATE:
	case AST_ALTER_TEMPLATE:
	case AST_DROP_TEMPLATE:
	case AST_SET_TEMPLATE:
	case AST_UNSET_TEMPLATE:
	case AST_ACTIVATE_TEMPLATE:
	case AST_DEACTIVATE_TEMPLATE:
		return ddl_template(x, st, err);
	case AST_SET_TTL:
	case AST_UNSET_TTL:
		return ddl_ttl(x, st, err);
	case AST_FLUSH:
		return larch_flush(x->db, err);
	default:
		return err_set(err, LARCH_UNSUPPORTED, "statement kind %d is not supported",
			       (int)st->kind);
	}
}
