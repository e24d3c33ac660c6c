/*
 * ddl.c — schema statements of the embedded API: databases, time series and
 * TTL.  Each is one schema call plus what storage must do about it:
 *   - dropping a database drops its storage first (files go at once), then
 *     the schema entries;
 *   - deleting time series deletes their points over all time first, then
 *     the schema entries (write.c's deletion path);
 *   - TTLs live in the schema (persisted per database, in milliseconds as
 *     IoTDB states them); every change, and every open, hands them to
 *     storage converted to the directory's precision.
 * Storage goes first where data is destroyed so that a crash in between
 * never leaves data the schema no longer describes (a database or series
 * created again under the same path would otherwise see it again).
 */
#include "engine_int.h"

/*---------------------------------------------------------------------------
 * Databases
 *---------------------------------------------------------------------------*/

int larch_create_database(larch_db_t *db, const char *path, larch_error_t *err)
{
	if (!path || !*path)
		return err_set(err, LARCH_ILLEGAL_PATH, "create database: no path");
	return schema_db_create(db->schema, path, NULL, err);
}

static int patterns_check(const char *what, const char *const *patterns, size_t n,
			  larch_error_t *err)
{
	if (!patterns || n == 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "%s: no path", what);
	for (size_t i = 0; i < n; i++)
		if (!patterns[i] || !*patterns[i])
			return err_set(err, LARCH_ILLEGAL_PATH, "%s: path %zu is empty", what, i);
	return LARCH_OK;
}

typedef struct db_names {
	arena_t *arena;
	buf_t names;         /* char *, the matching databases */
	int oom;
} db_names_t;

static int db_names_cb(void *arg, const schema_db_info_t *info)
{
	db_names_t *dn = arg;
	char *p = arena_strndup(dn->arena, info->path, info->path_len);
	if (!p) {
		dn->oom = 1;
		return 1;
	}
	buf_put(&dn->names, &p, sizeof p);
	return 0;
}

int larch_drop_database(larch_db_t *db, const char *const *patterns, size_t n,
			larch_error_t *err)
{
	int rc = patterns_check("drop database", patterns, n, err);
	if (rc)
		return rc;
	db_names_t dn = {arena_new(0), BUF_INIT, 0};
	if (!dn.arena)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < n && !rc; i++)
		rc = schema_db_match(db->schema, patterns[i], db_names_cb, &dn, err);
	if (!rc && (dn.oom || !buf_ok(&dn.names)))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
	char **names = (char **)(void *)dn.names.data;
	for (size_t i = 0; !rc && i < dn.names.len / sizeof(char *); i++)
		rc = storage_drop_database(db->storage, names[i], err);
	/* no match: the schema reports it (508) */
	if (!rc)
		rc = schema_db_delete(db->schema, patterns, n, NULL, NULL, err);
	buf_free(&dn.names);
	arena_free(dn.arena);
	return rc;
}

/*---------------------------------------------------------------------------
 * Time series
 *---------------------------------------------------------------------------*/

/* def as a schema_meas_def_t, its key/value pairs copied into arena. */
static int def_convert(arena_t *a, const larch_series_def_t *d, schema_meas_def_t *out,
		       larch_error_t *err)
{
	if (!d)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "create timeseries: no definition");
	schema_kv_t *tags = arena_alloc(a, (d->n_tags + 1) * sizeof(*tags));
	schema_kv_t *attrs = arena_alloc(a, (d->n_attributes + 1) * sizeof(*attrs));
	if (!tags || !attrs)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	if ((d->n_tags && !d->tags) || (d->n_attributes && !d->attributes))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "create timeseries: tags or attributes missing");
	for (size_t i = 0; i < d->n_tags; i++)
		tags[i] = (schema_kv_t){d->tags[i].key, d->tags[i].value};
	for (size_t i = 0; i < d->n_attributes; i++)
		attrs[i] = (schema_kv_t){d->attributes[i].key, d->attributes[i].value};
	*out = (schema_meas_def_t){d->name, d->type, d->encoding, d->codec, d->alias,
				   tags, d->n_tags, attrs, d->n_attributes, NULL, 0};
	return LARCH_OK;
}

int larch_create_timeseries(larch_db_t *db, const char *path, const larch_series_def_t *def,
			    larch_error_t *err)
{
	if (!path || !*path)
		return err_set(err, LARCH_ILLEGAL_PATH, "create timeseries: no path");
	arena_t *a = arena_new(1024);
	if (!a)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	schema_meas_def_t sd;
	int rc = def_convert(a, def, &sd, err);
	if (!rc)
		rc = schema_series_create(db->schema, path, &sd, NULL, err);
	arena_free(a);
	return rc;
}

int larch_create_aligned_timeseries(larch_db_t *db, const char *device,
				    const larch_series_def_t *defs, size_t n, larch_error_t *err)
{
	if (!device || !*device)
		return err_set(err, LARCH_ILLEGAL_PATH, "create aligned timeseries: no device");
	if (!defs || n == 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "create aligned timeseries %s: no measurements", device);
	arena_t *a = arena_new(0);
	schema_meas_def_t *sd = a ? arena_alloc(a, n * sizeof(*sd)) : NULL;
	uint32_t *sids = a ? arena_alloc(a, n * sizeof(*sids)) : NULL;
	int rc = sd && sids ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t i = 0; !rc && i < n; i++)
		rc = def_convert(a, &defs[i], &sd[i], err);
	if (!rc)
		rc = schema_series_create_aligned(db->schema, device, sd, n, sids, err);
	arena_free(a);
	return rc;
}

int larch_delete_timeseries(larch_db_t *db, const char *const *patterns, size_t n,
			    larch_error_t *err)
{
	int rc = patterns_check("delete timeseries", patterns, n, err);
	if (!rc)
		rc = engine_delete_points(db, patterns, n, INT64_MIN, INT64_MAX, 1, err);
	/* nothing matched: the schema reports it (508) */
	if (!rc)
		rc = schema_series_delete(db->schema, patterns, n, NULL, err);
	return rc;
}

/*---------------------------------------------------------------------------
 * TTL
 *---------------------------------------------------------------------------*/

/* A TTL in milliseconds in the directory's precision (saturating). */
static int64_t ttl_to_precision(const larch_db_t *db, int64_t ms)
{
	int64_t f = db->opt.precision == LARCH_NS ? 1000000 : db->opt.precision == LARCH_US ? 1000
											      : 1;
	return ms > INT64_MAX / f ? INT64_MAX : ms * f;
}

typedef struct ttl_apply {
	larch_db_t *db;
	int skip_none;       /* opening: storage starts with no TTL anyway */
	int rc;
	larch_error_t *err;
} ttl_apply_t;

/* schema_db_cb: hand a database's TTL to storage. */
static int ttl_apply_cb(void *arg, const schema_db_info_t *info)
{
	ttl_apply_t *ta = arg;
	if (ta->rc)
		return 1;
	if (ta->skip_none && !info->ttl)
		return 0;
	ta->rc = storage_set_ttl(ta->db->storage, info->path, ttl_to_precision(ta->db, info->ttl),
				 ta->err);
	return ta->rc != LARCH_OK;
}

int engine_apply_ttls(larch_db_t *db, larch_error_t *err)
{
	ttl_apply_t ta = {db, 1, LARCH_OK, err};
	int rc = schema_db_match(db->schema, "root.**", ttl_apply_cb, &ta, err);
	return rc ? rc : ta.rc;
}

static int ttl_change(larch_db_t *db, const char *path, int64_t ttl, larch_error_t *err)
{
	ttl_apply_t ta = {db, 0, LARCH_OK, err};
	int rc = schema_ttl_set(db->schema, path, ttl, ttl_apply_cb, &ta, err);
	return rc ? rc : ta.rc;
}

int larch_set_ttl(larch_db_t *db, const char *path, int64_t ttl_ms, larch_error_t *err)
{
	if (ttl_ms <= 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "TTL of %s must be positive, not %lld",
			       path ? path : "(null)", (long long)ttl_ms);
	return ttl_change(db, path, ttl_ms, err);
}

int larch_unset_ttl(larch_db_t *db, const char *path, larch_error_t *err)
{
	return ttl_change(db, path, 0, err);
}

typedef struct ttl_show {
	larch_ttl_cb cb;
	void *arg;
	char *name;          /* NUL-terminated copy of the path */
	size_t cap;
	int oom;
} ttl_show_t;

static int ttl_show_cb(void *arg, const schema_db_info_t *info)
{
	ttl_show_t *ts = arg;
	if (info->path_len >= ts->cap) {
		char *p = mem_realloc(ts->name, info->path_len + 1);
		if (!p) {
			ts->oom = 1;
			return 1;
		}
		ts->name = p;
		ts->cap = info->path_len + 1;
	}
	memcpy(ts->name, info->path, info->path_len);
	ts->name[info->path_len] = 0;
	return ts->cb(ts->arg, ts->name, info->ttl);
}

int larch_show_ttl(larch_db_t *db, const char *pattern, larch_ttl_cb cb, void *arg,
		   larch_error_t *err)
{
	if (!cb)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "show ttl: no callback");
	ttl_show_t ts = {cb, arg, NULL, 0, 0};
	int rc = schema_db_match(db->schema, pattern ? pattern : "root.**", ttl_show_cb, &ts, err);
	mem_free(ts.name);
	if (!rc && ts.oom)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
	return rc;
}
