/*
 * engine_int.h — private state of src/engine, shared by its files:
 * engine.c (open/close, caches), write.c (inserts, deletes), read.c
 * (iterators), ddl.c (databases, time series, TTL), users.c (users).
 * Public API: include/larch/larch.h.
 */
#ifndef LARCH_ENGINE_INT_H
#define LARCH_ENGINE_INT_H

#include <pthread.h>

#include "base/base.h"
#include "larch/larch.h"
#include "schema/schema.h"
#include "storage/storage.h"

struct larch_db {
	larch_options_t opt;
	schema_t *schema;
	storage_t *storage;
	pthread_rwlock_t cache_lock;
	uint16_t *series_codes;   /* by series id: (encoding + 1) << 8 | codec; 0 unknown */
	size_t n_series_codes;
	char **db_names;          /* by database id: its path; NULL unknown */
	size_t n_dbs;
	struct users *users;      /* DIR/users (users.c) */
};

/* Delete the points with time in [start, end] of the series matching any
 * of the patterns (skip_template: not those of a template), database by
 * database (write.c). */
int engine_delete_points(larch_db_t *db, const char *const *patterns, size_t n_patterns,
			 int64_t start, int64_t end, int skip_template, larch_error_t *err);
/* Hand every database's TTL from the schema to storage (ddl.c; open). */
int engine_apply_ttls(larch_db_t *db, larch_error_t *err);

/* Load DIR/users, creating it with root / root_password ("" = "root") when
 * absent (users.c; open).  LARCH_CORRUPTED for a file that does not parse. */
int users_open(const char *dir, const char *root_password, struct users **out,
	       larch_error_t *err);
void users_free(struct users *u);

int engine_series_codes(larch_db_t *db, uint32_t sid, uint32_t db_id, tsfile_encoding_t *enc,
			tsfile_codec_t *codec, const char **db_name, larch_error_t *err);

/* 'yyyy-MM-dd' (n bytes, years 1000-9999, a real calendar day) as the
 * DATE value yyyymmdd, or -1 (strrec.c; SQL INSERT uses it too). */
int32_t engine_parse_date(const char *s, size_t n);

#endif
