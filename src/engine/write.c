/*
 * write.c — inserts and deletes of the embedded API.
 *
 * An insert resolves the device and its measurements with schema_resolve
 * (creating what is missing when auto-creation is on), converts columns
 * whose values are of a narrower type than the registered one (INT32 into
 * an INT64 series, and so on — the widening schema_resolve accepts), and
 * hands the rows to storage_write, which logs and buffers them.  If any
 * measurement fails to resolve nothing is written.  Storage gets the
 * schema's canonical device path and raw measurement names, whatever the
 * caller's spelling (root.sg.`d1` is root.sg.d1).
 */
#include "engine_int.h"

/* Widen n values of type `from` to type `to` into dst (sized for `to`).
 * Types that share a C representation need no copy and are not passed. */
static void widen(tsfile_type_t from, tsfile_type_t to, const void *src, void *dst, size_t n)
{
	if (to == TSFILE_DOUBLE) {
		double *d = dst;
		for (size_t i = 0; i < n; i++)
			d[i] = from == TSFILE_FLOAT ? (double)((const float *)src)[i]
			       : (from == TSFILE_INT32 || from == TSFILE_DATE)
				       ? (double)((const int32_t *)src)[i]
				       : (double)((const int64_t *)src)[i];
	} else if (to == TSFILE_FLOAT) {
		float *f = dst;
		for (size_t i = 0; i < n; i++)
			f[i] = (float)((const int32_t *)src)[i];
	} else { /* INT64 / TIMESTAMP from INT32 */
		int64_t *v = dst;
		for (size_t i = 0; i < n; i++)
			v[i] = ((const int32_t *)src)[i];
	}
}

/* 1 if values of C type for `from` must be rewritten to be read as `to`. */
static int needs_widening(tsfile_type_t from, tsfile_type_t to)
{
	return tsfile_type_size(from) != tsfile_type_size(to) ||
	       (from == TSFILE_FLOAT) != (to == TSFILE_FLOAT) ||
	       (from == TSFILE_DOUBLE) != (to == TSFILE_DOUBLE);
}

/* 1 when a device path or measurement name may be spelled otherwise than
 * the schema's canonical form: back-quotes (needed or not) or a "root" not
 * in lower case.  Bare names are canonical as they are. */
static int maybe_uncanonical(const char *s, int is_path)
{
	return strchr(s, '`') != NULL || (is_path && strncmp(s, "root", 4) != 0);
}

typedef struct canon_names {
	arena_t *arena;
	const char *device;      /* canonical device path */
	const char *name;        /* raw measurement name */
} canon_names_t;

static int canon_cb(void *arg, const schema_series_info_t *info)
{
	canon_names_t *cn = arg;
	cn->device = arena_strndup(cn->arena, info->path, info->device_len);
	cn->name = arena_strndup(cn->arena, info->name, strlen(info->name));
	return 0;
}

/* Storage keys data by the canonical device path and the raw measurement
 * names (what TsFile readers give back).  When the caller spelled them
 * otherwise, take them from the schema by series id into *device and
 * names[] (arena memory); else leave them as they are. */
static int canon_write_names(larch_db_t *db, arena_t *a, const tsfile_tablet_t *t,
			     const uint32_t *sids, const char **device, const char **names,
			     larch_error_t *err)
{
	int dev = maybe_uncanonical(t->target, 1);
	for (size_t i = 0; i < t->n_columns; i++) {
		if (!dev && !maybe_uncanonical(names[i], 0))
			continue;
		canon_names_t cn = {a, NULL, NULL};
		int rc = schema_series_get(db->schema, sids[i], canon_cb, &cn, err);
		if (rc)
			return rc;
		if (!cn.device || !cn.name)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		*device = cn.device;
		names[i] = cn.name;
		dev = 0;
	}
	return LARCH_OK;
}

static int tablet_check(const tsfile_tablet_t *t, larch_error_t *err)
{
	if (!t || !t->target || !*t->target)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "insert: no device");
	if (t->n_rows == 0 || t->n_columns == 0 || !t->times || !t->columns)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "insert into %s: no rows or no columns",
			       t->target);
	for (size_t i = 0; i < t->n_columns; i++) {
		const tsfile_column_t *c = &t->columns[i];
		if (!c->name || !*c->name || !c->values || (unsigned)c->type > TSFILE_STRING ||
		    c->type == TSFILE_VECTOR || c->type == 7)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "insert into %s: column %zu has no name, no values or a bad type",
				       t->target, i);
	}
	return LARCH_OK;
}

int larch_insert_tablet(larch_db_t *db, const tsfile_tablet_t *t, int aligned, larch_error_t *err)
{
	int rc = tablet_check(t, err);
	if (rc)
		return rc;
	size_t n = t->n_columns;
	arena_t *a = arena_new(n * 64 + 256);
	if (!a)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	schema_str_t *names = arena_alloc(a, n * sizeof(*names));
	tsfile_type_t *types = arena_alloc(a, n * sizeof(*types));
	tsfile_type_t *reg = arena_alloc(a, n * sizeof(*reg));
	uint32_t *sids = arena_alloc(a, n * sizeof(*sids));
	storage_column_t *cols = arena_alloc(a, n * sizeof(*cols));
	if (!names || !types || !reg || !sids || !cols) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		names[i] = (schema_str_t){t->columns[i].name, (uint32_t)strlen(t->columns[i].name)};
		types[i] = t->columns[i].type;
	}
	schema_write_t sw = {t->target, strlen(t->target), n, names, types, aligned};
	schema_resolved_t res = {.sids = sids, .types = reg};
	if ((rc = schema_resolve(db->schema, &sw, &res, err)))
		goto out;
	const char *database = NULL, *device = t->target;
	const char **mnames = arena_alloc(a, n * sizeof(*mnames));
	if (!mnames) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		mnames[i] = t->columns[i].name;
	if ((rc = canon_write_names(db, a, t, sids, &device, mnames, err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const tsfile_column_t *c = &t->columns[i];
		tsfile_encoding_t enc;
		tsfile_codec_t codec;
		if ((rc = engine_series_codes(db, sids[i], res.db_id, &enc, &codec, &database, err)))
			goto out;
		const void *values = c->values;
		if (reg[i] != c->type && needs_widening(c->type, reg[i])) {
			void *w = arena_alloc(a, t->n_rows * tsfile_type_size(reg[i]));
			if (!w) {
				rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
				goto out;
			}
			widen(c->type, reg[i], c->values, w, t->n_rows);
			values = w;
		}
		cols[i] = (storage_column_t){sids[i], mnames[i], reg[i], (int)enc, (int)codec, values,
					     c->is_null};
	}
	storage_write_t w = {database, device, res.dev_id, res.aligned, t->n_rows, t->times, n,
			     cols};
	rc = storage_write(db->storage, &w, err);
out:
	arena_free(a);
	return rc;
}

int larch_insert_record(larch_db_t *db, const char *device, int64_t time,
			const tsfile_point_t *points, size_t n, int aligned, larch_error_t *err)
{
	if (!points || n == 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "insert into %s: no points",
			       device ? device : "(null)");
	tsfile_column_t stack_cols[32];
	uint8_t stack_bools[32], stack_nulls[32];
	tsfile_column_t *cols = n <= 32 ? stack_cols : mem_alloc(n * sizeof(*cols));
	uint8_t *bools = n <= 32 ? stack_bools : mem_alloc(n);
	uint8_t *nulls = n <= 32 ? stack_nulls : mem_alloc(n);
	int rc;
	if (!cols || !bools || !nulls) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
		goto out;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const tsfile_value_t *v = &points[i].value;
		if (v->is_null)
			continue; /* a null point writes nothing */
		bools[k] = (uint8_t)(v->v.b != 0);
		nulls[k] = 0;
		cols[k] = (tsfile_column_t){points[i].measurement, v->type,
					    v->type == TSFILE_BOOLEAN ? (const void *)&bools[k]
								      : (const void *)&v->v,
					    &nulls[k]};
		k++;
	}
	if (k == 0) {
		rc = LARCH_OK;
		goto out;
	}
	tsfile_tablet_t t = {device, 1, &time, k, cols};
	rc = larch_insert_tablet(db, &t, aligned, err);
out:
	if (n > 32) {
		mem_free(cols);
		mem_free(bools);
		mem_free(nulls);
	}
	return rc;
}

/*---------------------------------------------------------------------------
 * Deletes
 *---------------------------------------------------------------------------*/

typedef struct delete_target {
	char *database;
	storage_series_ref_t ref;
} delete_target_t;

typedef struct delete_collect {
	arena_t *arena;
	buf_t targets; /* delete_target_t */
	int skip_template;
	int oom;
} delete_collect_t;

static int delete_collect_cb(void *arg, const schema_series_info_t *info)
{
	delete_collect_t *dc = arg;
	if (dc->skip_template && info->template_id)
		return 0;
	delete_target_t t = {
		.database = arena_strndup(dc->arena, info->path, info->db_len),
		.ref = {arena_strndup(dc->arena, info->path, info->device_len), info->sid,
			arena_strndup(dc->arena, info->name, strlen(info->name)), info->type},
	};
	if (!t.database || !t.ref.device || !t.ref.measurement) {
		dc->oom = 1;
		return 1;
	}
	buf_put(&dc->targets, &t, sizeof t);
	return 0;
}

int engine_delete_points(larch_db_t *db, const char *const *patterns, size_t n_patterns,
			 int64_t start, int64_t end, int skip_template, larch_error_t *err)
{
	delete_collect_t dc = {arena_new(0), BUF_INIT, skip_template, 0};
	if (!dc.arena)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	int rc = LARCH_OK;
	for (size_t i = 0; i < n_patterns && !rc; i++)
		rc = schema_match_series(db->schema, patterns[i], NULL, 0, 0, delete_collect_cb,
					 &dc, err);
	if (!rc && (dc.oom || !buf_ok(&dc.targets)))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
	delete_target_t *ts = (delete_target_t *)(void *)dc.targets.data;
	size_t n = dc.targets.len / sizeof(delete_target_t);
	storage_series_ref_t *refs = n ? mem_alloc(n * sizeof(*refs)) : NULL;
	if (!rc && n && !refs)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
	/* one storage_delete per run of one database: a pattern's series come
	 * grouped in tree order */
	for (size_t i = 0; !rc && i < n;) {
		size_t j = i, k = 0;
		while (j < n && !strcmp(ts[j].database, ts[i].database))
			refs[k++] = ts[j++].ref;
		rc = storage_delete(db->storage, ts[i].database, refs, k, start, end, err);
		i = j;
	}
	mem_free(refs);
	buf_free(&dc.targets);
	arena_free(dc.arena);
	return rc;
}

int larch_delete(larch_db_t *db, const char *pattern, int64_t start, int64_t end,
		 larch_error_t *err)
{
	if (!pattern || !*pattern)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "delete: no path");
	return engine_delete_points(db, &pattern, 1, start, end, 0, err);
}
