/*
 * engine.c — the database object behind include/larch/larch.h.
 *
 * A larch_db_t owns a schema (src/schema, in DIR/schema) and a storage
 * engine (src/storage, in DIR/storage).  Every public call is: resolve
 * names against the schema, then one call into storage.  The engine keeps
 * two small caches so that the write path does no schema work beyond
 * schema_resolve:
 *   - per series id: its encoding and codec (storage needs them to write
 *     files; schema_resolve does not return them);
 *   - per database id: its path (storage partitions data by database).
 *
 * DIR/larch.meta records the time precision the directory was created
 * with; opening it with another precision is refused (times would be
 * misread).  Opening hands the TTLs the schema keeps to storage (ddl.c)
 * and loads the users (DIR/users, users.c) before anything else.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_int.h"

/*---------------------------------------------------------------------------
 * Options and the directory's metadata
 *---------------------------------------------------------------------------*/

void larch_options_default(larch_options_t *opt)
{
	memset(opt, 0, sizeof(*opt));
	storage_options_t so;
	storage_options_default(&so);
	opt->wal_mode = LARCH_WAL_ASYNC;
	opt->wal_async_interval_ms = so.wal_async_interval_ms;
	opt->precision = LARCH_MS;
	opt->partition_interval = so.partition_interval;
	opt->memtable_bytes = so.memtable_bytes;
	opt->memory_budget = 0;
	opt->auto_create_schema = 1;
	opt->default_database_level = 1;
	opt->ttl = 0;
	tsfile_config_default(&opt->tsfile);
}

static const char *const precision_names[] = {"ms", "us", "ns"};

/* Read DIR/larch.meta ("precision=ms\n"), or create it.  A directory made
 * with another precision is refused. */
static int engine_check_meta(const char *dir, larch_precision_t precision, larch_error_t *err)
{
	char path[4096], line[64] = "";
	snprintf(path, sizeof path, "%s/larch.meta", dir);
	FILE *f = fopen(path, "r");
	if (f) {
		int ok = fgets(line, sizeof line, f) != NULL;
		fclose(f);
		char want[32];
		snprintf(want, sizeof want, "precision=%s\n", precision_names[precision]);
		if (!ok || strncmp(line, "precision=", 10))
			return err_set(err, LARCH_CORRUPTED, "%s: unreadable", path);
		if (strcmp(line, want))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "%s was created with %.*s precision, not %s", dir,
				       (int)strcspn(line + 10, "\n"), line + 10,
				       precision_names[precision]);
		return LARCH_OK;
	}
	if (errno != ENOENT)
		return err_set(err, LARCH_STORAGE_ERROR, "%s: %s", path, strerror(errno));
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "precision=%s\n", precision_names[precision]) < 0 || fflush(f) ||
	    fsync(fileno(f)) || fclose(f) || rename(tmp, path)) {
		int e = errno;
		return err_set(err, LARCH_STORAGE_ERROR, "%s: %s", path, strerror(e));
	}
	return LARCH_OK;
}

static int engine_mkdir(const char *path, larch_error_t *err)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return err_set(err, LARCH_STORAGE_ERROR, "%s: %s", path, strerror(errno));
	return LARCH_OK;
}

static void engine_schema_config(const larch_options_t *opt, schema_config_t *cfg)
{
	schema_config_default(cfg);
	cfg->auto_create = opt->auto_create_schema;
	cfg->default_db_level = opt->default_database_level;
	/* IoTDB's default BOOLEAN encoding is RLE, which the C++ TsFile library
	 * (the PyPI package) cannot read; PLAIN is read by every implementation. */
	cfg->default_encoding[TSFILE_BOOLEAN] = TSFILE_PLAIN;
}

static void engine_storage_options(const larch_options_t *opt, storage_options_t *so)
{
	storage_options_default(so);
	so->wal_mode = opt->wal_mode == LARCH_WAL_SYNC    ? STORAGE_WAL_SYNC
		       : opt->wal_mode == LARCH_WAL_ASYNC ? STORAGE_WAL_ASYNC
							  : STORAGE_WAL_OFF;
	so->wal_async_interval_ms = opt->wal_async_interval_ms;
	so->precision = (storage_precision_t)opt->precision;
	so->partition_interval = opt->partition_interval;
	so->memtable_bytes = opt->memtable_bytes;
	so->memory_budget = opt->memory_budget;
	so->ttl = opt->ttl;
	so->tsfile = opt->tsfile;
}

int larch_open(const char *dir, const larch_options_t *opt, larch_db_t **out, larch_error_t *err)
{
	larch_options_t defaults;
	if (!opt) {
		larch_options_default(&defaults);
		opt = &defaults;
	}
	*out = NULL;
	if (!dir || !*dir)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "larch_open: no directory");
	if ((unsigned)opt->precision > LARCH_NS || opt->partition_interval <= 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "larch_open: bad options");
	larch_db_t *db = mem_calloc(1, sizeof(*db));
	if (!db)
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening %s", dir);
	db->opt = *opt;
	pthread_rwlock_init(&db->cache_lock, NULL);
	char sub[4200];
	schema_config_t scfg;
	storage_options_t so;
	engine_schema_config(opt, &scfg);
	engine_storage_options(opt, &so);
	int rc = engine_mkdir(dir, err);
	if (!rc)
		rc = engine_check_meta(dir, opt->precision, err);
	if (!rc)
		rc = users_open(dir, opt->root_password, &db->users, err);
	if (!rc) {
		snprintf(sub, sizeof sub, "%s/schema", dir);
		rc = schema_open(sub, &scfg, &db->schema, err);
	}
	if (!rc) {
		snprintf(sub, sizeof sub, "%s/storage", dir);
		rc = storage_open(sub, &so, &db->storage, err);
	}
	if (!rc)
		rc = engine_apply_ttls(db, err);
	if (rc) {
		larch_close(db, NULL);
		return rc;
	}
	*out = db;
	return LARCH_OK;
}

int larch_close(larch_db_t *db, larch_error_t *err)
{
	if (!db)
		return LARCH_OK;
	int rc = LARCH_OK;
	if (db->storage)
		rc = storage_close(db->storage, err);
	if (db->schema) {
		larch_error_t e2 = {0};
		int rc2 = schema_close(db->schema, rc ? &e2 : err);
		if (!rc)
			rc = rc2;
	}
	for (size_t i = 0; i < db->n_dbs; i++)
		mem_free(db->db_names[i]);
	mem_free(db->db_names);
	mem_free(db->series_codes);
	users_free(db->users);
	pthread_rwlock_destroy(&db->cache_lock);
	mem_free(db);
	return rc;
}

int larch_flush(larch_db_t *db, larch_error_t *err)
{
	return storage_flush(db->storage, err);
}

/*---------------------------------------------------------------------------
 * Caches: series id -> (encoding, codec), database id -> path
 *---------------------------------------------------------------------------*/

typedef struct series_lookup {
	tsfile_encoding_t encoding;
	tsfile_codec_t codec;
	char *db;        /* with want_db: the database path (mem_strndup) */
	int want_db;
} series_lookup_t;

static int series_lookup_cb(void *arg, const schema_series_info_t *info)
{
	series_lookup_t *l = arg;
	l->encoding = info->encoding;
	l->codec = info->codec;
	if (l->want_db && !(l->db = mem_strndup(info->path, info->db_len)))
		return LARCH_NO_MEMORY;
	return 0;
}

/* Grow a cache array to hold index `i` (elements of `es` bytes, new ones
 * zeroed).  Called with cache_lock held for writing. */
static int cache_grow(void **arr, size_t *n, size_t i, size_t es)
{
	if (i < *n)
		return LARCH_OK;
	size_t cap = *n ? *n : 1024;
	while (cap <= i)
		cap *= 2;
	uint8_t *p = mem_realloc(*arr, cap * es);
	if (!p)
		return LARCH_NO_MEMORY;
	memset(p + *n * es, 0, (cap - *n) * es);
	*arr = p;
	*n = cap;
	return LARCH_OK;
}

/* Encoding/codec of series `sid` and the path of its database `db_id`
 * (valid until the database is deleted), filled from the schema on a miss. */
int engine_series_codes(larch_db_t *db, uint32_t sid, uint32_t db_id, tsfile_encoding_t *enc,
			tsfile_codec_t *codec, const char **db_name, larch_error_t *err)
{
	pthread_rwlock_rdlock(&db->cache_lock);
	uint16_t code = sid < db->n_series_codes ? db->series_codes[sid] : 0;
	const char *name = db_id < db->n_dbs ? db->db_names[db_id] : NULL;
	pthread_rwlock_unlock(&db->cache_lock);
	if (LR_LIKELY(code && name)) {
		*enc = (tsfile_encoding_t)((code >> 8) - 1);
		*codec = (tsfile_codec_t)(code & 0xff);
		*db_name = name;
		return LARCH_OK;
	}
	series_lookup_t l = {.want_db = name == NULL};
	int rc = schema_series_get(db->schema, sid, series_lookup_cb, &l, err);
	if (rc) {
		mem_free(l.db);
		return rc;
	}
	pthread_rwlock_wrlock(&db->cache_lock);
	rc = cache_grow((void **)&db->series_codes, &db->n_series_codes, sid, sizeof(uint16_t));
	if (!rc && l.db)
		rc = cache_grow((void **)&db->db_names, &db->n_dbs, db_id, sizeof(char *));
	if (!rc) {
		db->series_codes[sid] = (uint16_t)(((l.encoding + 1) << 8) | l.codec);
		if (l.db && !db->db_names[db_id]) {
			db->db_names[db_id] = l.db;
			l.db = NULL;
		}
		*enc = l.encoding;
		*codec = l.codec;
		*db_name = db->db_names[db_id];
	}
	pthread_rwlock_unlock(&db->cache_lock);
	mem_free(l.db);
	return rc ? err_set(err, rc, "out of memory") : LARCH_OK;
}
