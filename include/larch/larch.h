/*
 * larch/larch.h — the embedded database API.
 *
 * Open a Larch data directory in-process (as one does with SQLite), write
 * tablets and records of the IoTDB tree model, read series and devices back
 * over time ranges, flush, close.  The server (larchd) is a thin layer over
 * exactly these calls; the SQL layer plugs in as larch_execute.
 *
 *   larch_options_t opt;  larch_options_default(&opt);
 *   larch_db_t *db;       larch_open("data", &opt, &db, &err);
 *   larch_insert_tablet(db, &tablet, &err);
 *   larch_iter_t *it;     larch_read_series(db, "root.sg.d1.s1", 0, INT64_MAX, &it, &err);
 *   while (larch_iter_next(it, &err) == LARCH_OK) { const larch_block_t *b = larch_iter_block(it); ... }
 *   larch_iter_free(it);  larch_close(db, &err);
 *
 * Conventions as in tsfile.h: functions return LARCH_OK or a status code
 * (IoTDB's numbers) and fill `err` when it is not NULL; whoever creates an
 * object frees it.  All functions are thread-safe on one larch_db_t.
 * Time is an int64 in the database's precision (ms by default).
 */
#ifndef LARCH_LARCH_H
#define LARCH_LARCH_H

#include <stddef.h>
#include <stdint.h>

#include "larch/status.h"
#include "larch/tsfile.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum larch_wal_mode {
	LARCH_WAL_SYNC,   /* fsync before acknowledging (group commit) */
	LARCH_WAL_ASYNC,  /* written to the OS before acknowledging, fsync'd periodically */
	LARCH_WAL_OFF     /* no write-ahead log: unflushed data dies with the process */
} larch_wal_mode_t;

typedef enum larch_precision {
	LARCH_MS, LARCH_US, LARCH_NS
} larch_precision_t;

typedef struct larch_options {
	larch_wal_mode_t wal_mode;        /* ASYNC */
	uint32_t wal_async_interval_ms;   /* fsync period in ASYNC mode (1000) */
	larch_precision_t precision;      /* fixed when the directory is created (MS) */
	int64_t partition_interval;       /* time partition width in `precision` units (7 days) */
	uint64_t memtable_bytes;          /* seal and flush a memtable at this size (64 MiB) */
	uint64_t memory_budget;           /* 0: read the cgroup limit, else half of RAM */
	int auto_create_schema;           /* create databases/series on write (1) */
	int default_database_level;       /* level of auto-created databases (1: root.x) */
	int64_t ttl;                      /* default TTL in `precision` units, 0 = none */
	tsfile_config_t tsfile;           /* page/chunk sizes, encodings, codecs of files written */
} larch_options_t;

/* Fill *opt with the defaults listed above. */
void larch_options_default(larch_options_t *opt);

typedef struct larch_db larch_db_t;

/* Open (creating it if needed) the data directory `dir`.  Recovers after a
 * crash: replays the write-ahead log, repairs unfinished files.  opt may be
 * NULL for the defaults.  A directory created with another precision is
 * refused with LARCH_ILLEGAL_PARAMETER. */
int larch_open(const char *dir, const larch_options_t *opt, larch_db_t **out,
	       larch_error_t *err);

/* Flush everything, sync, close and free db (also on failure). */
int larch_close(larch_db_t *db, larch_error_t *err);

/* Seal the memtables and write them to TsFiles (IoTDB's FLUSH). */
int larch_flush(larch_db_t *db, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Writing
 *---------------------------------------------------------------------------*/

/* Write a tablet (tsfile_tablet_t: target = device path, columns = its
 * measurements with types, nulls per row) to an aligned or non-aligned
 * device.  Missing series are created when auto_create_schema is on (else
 * LARCH_PATH_NOT_EXIST); a type different from the schema's fails with
 * LARCH_DATA_TYPE_MISMATCH.  Times need not be sorted; the same (series,
 * time) written twice keeps the last write.  On error nothing is written. */
int larch_insert_tablet(larch_db_t *db, const tsfile_tablet_t *tablet, int aligned,
			larch_error_t *err);

/* Write one row of `device` (points with typed values; nulls skipped). */
int larch_insert_record(larch_db_t *db, const char *device, int64_t time,
			const tsfile_point_t *points, size_t n, int aligned, larch_error_t *err);

/* Delete the points of series matching `pattern` (may use * and **) with
 * time in [start, end]. */
int larch_delete(larch_db_t *db, const char *pattern, int64_t start, int64_t end,
		 larch_error_t *err);

/*---------------------------------------------------------------------------
 * Reading
 *---------------------------------------------------------------------------*/

/* A block of rows: times ascending, one column per requested series.  A
 * column's values array has n_rows entries (C types as in tsfile_column_t);
 * nulls[i] != 0 marks row i null.  Valid until the next larch_iter_next. */
typedef struct larch_column {
	tsfile_type_t type;
	const void *values;
	const uint8_t *nulls;
} larch_column_t;

typedef struct larch_block {
	size_t n_rows;
	const int64_t *times;
	size_t n_columns;
	const larch_column_t *columns;
} larch_block_t;

typedef struct larch_iter larch_iter_t;

/* Iterate the points of one series ("device.measurement") with time in
 * [start, end], merged from memory and files, deletions applied.  The
 * iterator reads a consistent snapshot: writes after this call are not
 * seen.  An unknown series fails with LARCH_PATH_NOT_EXIST. */
int larch_read_series(larch_db_t *db, const char *path, int64_t start, int64_t end,
		      larch_iter_t **out, larch_error_t *err);

/* Iterate the rows of `device` for the given measurements (all of them if
 * measurements is NULL): the union of their times, nulls where a series has
 * no point. */
int larch_read_device(larch_db_t *db, const char *device, const char *const *measurements,
		      size_t n, int64_t start, int64_t end, larch_iter_t **out,
		      larch_error_t *err);

/* LARCH_OK when a block is available, LARCH_DONE at the end. */
int larch_iter_next(larch_iter_t *it, larch_error_t *err);
const larch_block_t *larch_iter_block(const larch_iter_t *it);
/* Name of column i ("device.measurement"). */
const char *larch_iter_column_name(const larch_iter_t *it, size_t i);
void larch_iter_free(larch_iter_t *it);

#ifdef __cplusplus
}
#endif
#endif
