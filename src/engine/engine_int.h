/*
 * engine_int.h — private state of src/engine, shared by its files:
 * engine.c (open/close, caches), write.c (inserts, deletes), read.c
 * (iterators).  Public API: include/larch/larch.h.
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
};

int engine_series_codes(larch_db_t *db, uint32_t sid, uint32_t db_id, tsfile_encoding_t *enc,
			tsfile_codec_t *codec, const char **db_name, larch_error_t *err);

#endif
