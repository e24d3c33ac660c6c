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

#include "larch/block.h"
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
	uint64_t memory_budget;           /* 0: half the cgroup limit or RAM, at most 1 GiB */
	int auto_create_schema;           /* create databases/series on write (1) */
	int default_database_level;       /* level of auto-created databases (1: root.x) */
	int64_t ttl;                      /* default TTL in `precision` units, 0 = none */
	tsfile_config_t tsfile;           /* page/chunk sizes, encodings, codecs of files written */
	char root_password[64];           /* root's password when the directory is created; "" is
	                                   * "root" (see Users below) */
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
 * LARCH_PATH_NOT_EXIST); a type the schema's type cannot hold fails with
 * LARCH_METADATA_ERROR (507, IoTDB's "data type of <series> is not
 * consistent, ...").  Times need not be sorted; the same (series,
 * time) written twice keeps the last write.  On error nothing is written. */
int larch_insert_tablet(larch_db_t *db, const tsfile_tablet_t *tablet, int aligned,
			larch_error_t *err);

/* Write one row of `device` (points with typed values; nulls skipped). */
int larch_insert_record(larch_db_t *db, const char *device, int64_t time,
			const tsfile_point_t *points, size_t n, int aligned, larch_error_t *err);

/* Write one row whose values are given as text (IoTDB's insertStringRecord):
 * a value is converted to its series' type when the series exists (an
 * unparsable value is LARCH_METADATA_ERROR, 507), otherwise the type is
 * inferred as IoTDB infers it (true/false -> BOOLEAN, numbers -> DOUBLE,
 * NaN -> DOUBLE, anything else -> TEXT) and the series created. */
int larch_insert_string_record(larch_db_t *db, const char *device, int64_t time,
			       const char *const *measurements, const char *const *values,
			       size_t n, int aligned, larch_error_t *err);

/* Delete the points of series matching `pattern` (may use * and **) with
 * time in [start, end]. */
int larch_delete(larch_db_t *db, const char *pattern, int64_t start, int64_t end,
		 larch_error_t *err);

/*---------------------------------------------------------------------------
 * Reading
 *---------------------------------------------------------------------------*/

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

/*---------------------------------------------------------------------------
 * Schema DDL and TTL (databases, time series): thin calls over the schema
 * and storage, with IoTDB's errors.  Paths use IoTDB's syntax (nodes bare
 * or back-quoted); patterns may use * (one node) and ** (one or more).  A
 * failed call changes nothing unless its comment says otherwise.
 *---------------------------------------------------------------------------*/

/* A tag or attribute: NUL-terminated key and value. */
typedef struct larch_kv {
	const char *key;
	const char *value;
} larch_kv_t;

/* One time series to create. */
typedef struct larch_series_def {
	const char *name;               /* measurement (aligned creation only) */
	tsfile_type_t type;
	int encoding;                   /* a tsfile_encoding_t, or -1: the type's default */
	int codec;                      /* a tsfile_codec_t, or -1: the default (LZ4) */
	const char *alias;              /* NULL: none */
	const larch_kv_t *tags;         /* indexed: SHOW TIMESERIES WHERE TAGS(k) = v */
	size_t n_tags;
	const larch_kv_t *attributes;
	size_t n_attributes;
} larch_series_def_t;

/* CREATE DATABASE path.  Errors: LARCH_ILLEGAL_PATH (509) for a malformed
 * path, "root" alone or a name IoTDB refuses; LARCH_DATABASE_ALREADY_EXISTS
 * (501) when path or a prefix of it is a database (no database inside
 * another); LARCH_DATABASE_CONFLICT (529) when a database lies below path. */
int larch_create_database(larch_db_t *db, const char *path, larch_error_t *err);

/* DELETE DATABASE p1, ..., pn: every database matching one of the patterns
 * goes with its series and all its data; its files and directories are
 * removed before the call returns.  LARCH_PATH_NOT_EXIST (508) when no
 * database matches.  The data goes first, then the schema: if the schema
 * change fails (I/O), the databases stay defined but empty. */
int larch_drop_database(larch_db_t *db, const char *const *patterns, size_t n,
			larch_error_t *err);

/* CREATE TIMESERIES path (its last node is the measurement; def->name is
 * ignored).  The database is created at default_database_level when none
 * covers path and auto_create_schema is on.  Errors: 509 illegal path,
 * 503 the series exists, 505 alias in use, 507 an encoding the type does
 * not support, 303 an unknown type/encoding/codec, 609 an aligned device,
 * 500 no database and auto-creation off. */
int larch_create_timeseries(larch_db_t *db, const char *path, const larch_series_def_t *def,
			    larch_error_t *err);

/* CREATE ALIGNED TIMESERIES device(defs[0].name ..., ...): all or none.
 * 609 when the device already holds non-aligned series; other errors as
 * larch_create_timeseries. */
int larch_create_aligned_timeseries(larch_db_t *db, const char *device,
				    const larch_series_def_t *defs, size_t n, larch_error_t *err);

/* DELETE TIMESERIES p1, ..., pn: the series matching any pattern (not those
 * of a template) are removed from the schema and their points deleted
 * (files holding nothing else are removed at once).  LARCH_PATH_NOT_EXIST
 * (508) when nothing matches.  Points go first, then the schema entries. */
int larch_delete_timeseries(larch_db_t *db, const char *const *patterns, size_t n,
			    larch_error_t *err);

/* SET TTL TO path ttl: points older than now - ttl become invisible and
 * their files are removed in the background.  ttl is in milliseconds
 * whatever the precision (as IoTDB), > 0.  TTLs are per database: path is
 * a database (root.ln), a database with .** (root.ln.**), or a pattern
 * whose matches are databases (root.**: every database existing now).
 * Persisted in the schema and reapplied by larch_open.  While it is set,
 * an insert with a row older than now - ttl fails with LARCH_OUT_OF_TTL
 * (607) and writes nothing (IoTDB writes the tablet's other rows).
 * Errors: 303 ttl <= 0, 509 malformed path, LARCH_UNSUPPORTED (300) for a
 * path below a database (device-level TTL), 508 when no database matches. */
int larch_set_ttl(larch_db_t *db, const char *path, int64_t ttl_ms, larch_error_t *err);

/* UNSET TTL TO path: back to larch_options_t.ttl (none by default).  Paths
 * and errors as larch_set_ttl. */
int larch_unset_ttl(larch_db_t *db, const char *path, larch_error_t *err);

/* SHOW TTL ON pattern / SHOW ALL TTL (pattern NULL = root.**): cb gets
 * every database matching pattern, in tree order, with its TTL in
 * milliseconds (0: none set).  A non-zero return from cb stops the listing.
 * cb runs under the schema's lock: it must not change the schema (no DDL,
 * no insert that creates series). */
typedef int (*larch_ttl_cb)(void *arg, const char *database, int64_t ttl_ms);
int larch_show_ttl(larch_db_t *db, const char *pattern, larch_ttl_cb cb, void *arg,
		   larch_error_t *err);

/*---------------------------------------------------------------------------
 * SQL (IoTDB's tree-model SQL; src/query parses and plans it)
 *---------------------------------------------------------------------------*/

/* Per-call context of larch_execute: what a client session carries. */
typedef struct larch_exec_opts {
	const char *time_zone;   /* "+08:00", "Z", "Asia/Shanghai"; NULL = UTC */
	int64_t now;             /* now() in the database's precision; 0 = the clock */
} larch_exec_opts_t;

typedef struct larch_result larch_result_t;

/* Run one SQL statement (a trailing ';' is allowed).  On LARCH_OK *out is a
 * result the caller frees with larch_result_free: statements that return
 * rows (SELECT, SHOW, COUNT ...) have columns; others have none and no
 * rows.  Errors carry IoTDB's codes and a message naming the problem and
 * its position: LARCH_PARSE_ERROR (700) for bad syntax, LARCH_SEMANTIC_ERROR
 * (701) for statements that parse but mean nothing, LARCH_PATH_NOT_EXIST,
 * LARCH_METADATA_ERROR (507, also a value its series' type cannot take),
 * ... — and a failed statement changes nothing.
 * opts may be NULL (UTC, clock). */
int larch_execute(larch_db_t *db, const char *sql, const larch_exec_opts_t *opts,
		  larch_result_t **out, larch_error_t *err);

/* Result shape: value columns (not counting the time column), their names
 * as IoTDB names them (e.g. "root.ln.wf01.wt01.status",
 * "count(root.ln.wf01.wt01.status)", "Device") and types. */
size_t larch_result_column_count(const larch_result_t *r);
const char *larch_result_column_name(const larch_result_t *r, size_t i);
tsfile_type_t larch_result_column_type(const larch_result_t *r, size_t i);
/* 1 when rows carry a time ("Time" column), 0 for aggregates without GROUP
 * BY time, SHOW/COUNT statements and the like (IoTDB's ignoreTimeStamp). */
int larch_result_has_time(const larch_result_t *r);

/* Next block of rows: LARCH_OK with *blk valid until the next call or the
 * free, LARCH_DONE at the end, or an error. */
int larch_result_next(larch_result_t *r, const larch_block_t **blk, larch_error_t *err);
void larch_result_free(larch_result_t *r);

/*---------------------------------------------------------------------------
 * Users (IoTDB's tree-model user management; privileges are not modelled)
 *
 * Users live in DIR/users, one line per user with a salted PBKDF2-SHA256
 * hash of the password.  The first larch_open of a directory creates it
 * with the user root and larch_options_t.root_password ("root" when
 * empty); later opens read it and ignore that option.  A users file that
 * does not parse fails larch_open with LARCH_CORRUPTED (and is left as it
 * is).  root always exists.  Names and passwords follow IoTDB 2.0: 4 to
 * 32 characters among letters, digits and -_!@#$%^&*()+= (no spaces).
 * Every change is on disk (temp file, fsync, rename) before the call
 * returns; a failed call changes nothing.
 *---------------------------------------------------------------------------*/

#define LARCH_USER_NAME_MAX 32
#define LARCH_PASSWORD_MAX 32

/* LARCH_OK when `user` exists and `password` is its password; otherwise
 * LARCH_WRONG_LOGIN_PASSWORD with the same message whether the user is
 * unknown or the password wrong (as IoTDB, which reveals neither). */
int larch_user_check(larch_db_t *db, const char *user, const char *password,
		     larch_error_t *err);

/* CREATE USER.  Errors: LARCH_ILLEGAL_PARAMETER (303) for a name breaking
 * the rules above, LARCH_ILLEGAL_PARAMETER (303, as IoTDB 2.0) for such a password,
 * LARCH_USER_ALREADY_EXIST (805), LARCH_STORAGE_ERROR when the file can't
 * be written. */
int larch_user_create(larch_db_t *db, const char *name, const char *password,
		      larch_error_t *err);

/* DROP USER.  LARCH_USER_NOT_EXIST (804); LARCH_NO_PERMISSION (803) for
 * root, which cannot be dropped. */
int larch_user_drop(larch_db_t *db, const char *name, larch_error_t *err);

/* ALTER USER name SET PASSWORD.  804 for an unknown user, 303 for a
 * password breaking the rules. */
int larch_user_set_password(larch_db_t *db, const char *name, const char *password,
			    larch_error_t *err);

/* LIST USER: cb gets every user name in byte order; a non-zero return
 * stops the listing and is returned.  cb runs without any lock held. */
typedef int (*larch_user_cb)(void *arg, const char *name);
int larch_user_list(larch_db_t *db, larch_user_cb cb, void *arg, larch_error_t *err);

/* larch_execute on behalf of `user` (a name larch_user_check accepted; NULL
 * is the embedding program, as root).  Only the user statements look at
 * it, as IoTDB treats a user without privileges: a user other than root
 * may ALTER USER itself SET PASSWORD, and LIST USER shows it alone; CREATE
 * USER, DROP USER and ALTER USER of another user are LARCH_NO_PERMISSION
 * (803).  Everything else runs as for root. */
int larch_execute_as(larch_db_t *db, const char *user, const char *sql,
		     const larch_exec_opts_t *opts, larch_result_t **out, larch_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
