/*
 * storage.h — the public header of src/storage, Larch's storage engine.
 *
 * It owns the data of a data directory below the schema: databases split
 * into time partitions, a write-ahead log (wal.h), column-oriented
 * memtables, flushing to TsFiles (sequence and unsequence files),
 * deletions (.mods2 files beside the TsFiles), drop of databases and
 * partitions, TTL, compaction, the last-value cache, the memory budget and
 * crash recovery.  The layer above (src/engine) resolves paths with the
 * schema and calls in with names, types and stable ids; nothing here knows
 * the schema.  The directory layout and the recovery rules are described in
 * src/storage/README.md.
 *
 *   storage_options_default(&o);             storage_open(dir, &o, &s, &err);
 *   storage_write(s, &w, &err);              ... acknowledged on return
 *   storage_read(s, &req, &c, &err);
 *   while (storage_cursor_next(c, &blk, &err) == LARCH_OK) use blk;
 *   storage_cursor_free(c);                  storage_close(s, &err);
 *
 * Semantics.  A point is (series, time, non-null value).  The same (series,
 * time) written twice keeps the last write; a null value in a write is "no
 * point" and never hides an earlier value.  Deletions remove the points of a
 * series in a time range that exist when the deletion is made; later writes
 * are not affected.  Points older than now - ttl are invisible.
 *
 * Threads.  Every function may be called from any number of threads at
 * once, except storage_close, which must not race with anything else on the
 * same storage_t (and every cursor must be freed before it).  A cursor
 * belongs to one thread at a time; it reads a snapshot taken by
 * storage_read and never blocks writers.
 *
 * Errors: every fallible function returns LARCH_OK or a code from
 * larch/status.h and fills `err` (may be NULL).  On error a write or a
 * deletion has changed nothing.
 */
#ifndef LARCH_STORAGE_H
#define LARCH_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "larch/status.h"
#include "larch/tsfile.h"

/*---------------------------------------------------------------------------
 * Options
 *---------------------------------------------------------------------------*/

typedef enum storage_wal_mode {
	STORAGE_WAL_SYNC,  /* acknowledged after fsync; concurrent writers share fsyncs */
	STORAGE_WAL_ASYNC, /* acknowledged after write(2); fsync'd every async interval */
	STORAGE_WAL_OFF    /* no log: data not yet flushed dies with the process */
} storage_wal_mode_t;

typedef enum storage_precision {
	STORAGE_MS, STORAGE_US, STORAGE_NS
} storage_precision_t;

typedef struct storage_options {
	storage_wal_mode_t wal_mode;     /* ASYNC */
	uint32_t wal_async_interval_ms;  /* fsync period in ASYNC mode (1000) */
	uint64_t wal_segment_bytes;      /* WAL segment size (0: the WAL's default, 64 MiB) */
	storage_precision_t precision;   /* unit of times, partition_interval and ttl (MS) */
	int64_t partition_interval;      /* width of a time partition, > 0 (7 days in
					  * ms: set it when precision is not MS) */
	uint64_t memtable_bytes;         /* seal the memtables when they hold this much (64 MiB) */
	uint64_t memory_budget;          /* bytes for the whole engine; 0: half of the
					  * cgroup's memory.max (or of RAM), at most 1 GiB.  Memtables
					  * (being written and being flushed) may use half of
					  * it; beyond that, writers wait for flushes. */
	int64_t ttl;                     /* default time to live, 0 = forever */
	int compaction;                  /* 1: compact in a background thread (1) */
	uint32_t compaction_interval_ms; /* how often the compactor looks for work (2000) */
	uint32_t compaction_min_files;   /* merge runs of at least this many small
					  * sequence files (4), >= 2 */
	uint64_t compaction_small_bytes; /* a sequence file below this is small (64 MiB) */
	uint32_t compaction_unseq_files; /* merge a partition's unsequence files into its
					  * sequence files once it has this many (4), >= 1 */
	/* The clock for TTL, in `precision` units; NULL: the real time. */
	int64_t (*clock)(void *ctx);
	void *clock_ctx;
	tsfile_config_t tsfile;          /* page/chunk sizes and defaults of files written */
	uint64_t reader_cache_bytes;     /* memory for the indexes of open TsFile
					  * readers (0: memory_budget / 16); idle
					  * ones beyond it are closed */
} storage_options_t;

/* Fill *o with the defaults listed above. */
void storage_options_default(storage_options_t *o);

typedef struct storage storage_t;

/* Open (creating it if missing) the data directory `dir` and recover it:
 * a torn WAL tail is cut, unfinished TsFiles are truncated to their last
 * complete chunk group and completed (or removed if they hold none), an
 * interrupted compaction is finished or rolled back, and the WAL records
 * not yet in files are replayed into memtables.  o may be NULL for the
 * defaults.  A directory another process has open is refused
 * (LARCH_STORAGE_ERROR).  Errors: LARCH_ILLEGAL_PARAMETER (bad options),
 * LARCH_CORRUPTED (a file that cannot be repaired, named in the message),
 * LARCH_STORAGE_ERROR (I/O), LARCH_NO_MEMORY. */
int storage_open(const char *dir, const storage_options_t *o, storage_t **out,
		 larch_error_t *err);

/* Flush every memtable, close the WAL and the files, stop the background
 * threads and free s (always, also when the final flush fails: the data
 * then stays in the WAL and is replayed by the next open).  s may be NULL. */
int storage_close(storage_t *s, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Writing
 *---------------------------------------------------------------------------*/

/* One column of a write.  values is an array of n_rows elements of the C
 * type of `type` (as tsfile_column_t: uint8_t BOOLEAN, int32_t INT32/DATE,
 * int64_t INT64/TIMESTAMP, float, double, tsfile_bytes_t TEXT/STRING/BLOB);
 * nulls is NULL (no nulls) or n_rows bytes, non-zero = null.  encoding and
 * codec are used when the series is written to a file (-1: the tsfile
 * config's defaults); they must suit the type. */
typedef struct storage_column {
	uint32_t series_id;      /* stable id of the series (never reused) */
	const char *name;        /* measurement */
	tsfile_type_t type;
	int encoding;
	int codec;
	const void *values;
	const uint8_t *nulls;
} storage_column_t;

/* Rows of one device.  Times need not be sorted nor unique (a later row
 * wins over an earlier one with the same time).  A device is written either
 * aligned or not; mixing the two in one memtable is refused. */
typedef struct storage_write {
	const char *database;    /* e.g. "root.sg" */
	const char *device;      /* dotted path, e.g. "root.sg.d1" */
	uint64_t device_id;      /* stable id of the device (informational) */
	int aligned;
	size_t n_rows;           /* >= 1 */
	const int64_t *times;
	size_t n_columns;        /* >= 1 */
	const storage_column_t *columns;
} storage_write_t;

/* Write: validate, append one record to the WAL, append to the memtables,
 * update the last-value cache; acknowledged on return (durable per the WAL
 * mode).  When memtables exceed their share of the memory budget the call
 * waits for flushes first (it never allocates past the budget by more than
 * this write).  Errors: LARCH_ILLEGAL_PARAMETER (NULL pointers, zero rows
 * or columns, a bad name, type, encoding or codec, a column given twice),
 * LARCH_ILLEGAL_PATH (a device path a TsFile cannot hold, or not in the
 * canonical form TsFile readers give back, e.g. needless back-quotes),
 * LARCH_DATA_TYPE_MISMATCH (a measurement already in the memtable with
 * another type), LARCH_METADATA_ERROR (aligned/non-aligned mismatch within
 * a memtable), LARCH_OUT_OF_TTL (a row older than now - the database's TTL:
 * the whole write is refused), LARCH_NO_MEMORY, LARCH_STORAGE_ERROR (WAL or
 * flush failure). */
int storage_write(storage_t *s, const storage_write_t *w, larch_error_t *err);

/* Seal every memtable and return when all of them are in TsFiles (IoTDB's
 * FLUSH).  Returns the flush error if files could not be written. */
int storage_flush(storage_t *s, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Reading
 *---------------------------------------------------------------------------*/

/* A series as the engine resolved it.  device may be NULL where the call
 * names the device separately (storage_read). */
typedef struct storage_series_ref {
	const char *device;
	uint32_t id;
	const char *measurement;
	tsfile_type_t type;
} storage_series_ref_t;

typedef struct storage_read {
	const char *database;
	const char *device;
	const storage_series_ref_t *series; /* n series of `device` */
	size_t n;                           /* >= 1 */
	int aligned;                        /* informational: files say how they store it */
	int64_t start, end;                 /* inclusive; start > end reads nothing */
} storage_read_t;

/* Block columns have the same shape as larch_column_t / larch_block_t. */
typedef struct storage_block_column {
	tsfile_type_t type;
	const void *values;      /* n_rows typed elements (undefined where null) */
	const uint8_t *nulls;    /* n_rows bytes, non-zero = null */
} storage_block_column_t;

/* Up to STORAGE_BLOCK_ROWS rows, times strictly ascending; one column per
 * requested series, in request order.  With one series every row has a
 * value; with several, rows are the union of their times. */
typedef struct storage_block {
	size_t n_rows;
	const int64_t *times;
	size_t n_columns;
	const storage_block_column_t *columns;
} storage_block_t;

#define STORAGE_BLOCK_ROWS 4096

typedef struct storage_cursor storage_cursor_t;

/* Start reading: takes a snapshot (files, sealed memtables and the current
 * length of the live ones) of every partition of the range; later writes
 * are not seen.  Data of a measurement stored with another type than the
 * ref's is skipped.  An unknown database or device reads as empty.
 * Errors: LARCH_ILLEGAL_PARAMETER, LARCH_NO_MEMORY. */
int storage_read(storage_t *s, const storage_read_t *req, storage_cursor_t **out,
		 larch_error_t *err);

/* Flags of storage_read_flags. */
#define STORAGE_READ_SUMMARIES 1u /* offer summaries (below); one series, ascending */
#define STORAGE_READ_DESC 2u      /* newest first: blocks, and the times in each
				   * block, strictly descending */

/* storage_read with flags (0: the same as storage_read).  Summaries with
 * several series or with STORAGE_READ_DESC, and unknown flags, are
 * LARCH_ILLEGAL_PARAMETER.  A descending read touches the newest data
 * first: it reads windows of time growing back from the end of the range
 * (sized by the statistics of chunks and memtables), so taking the first
 * blocks costs about what those blocks hold, whatever lies before. */
int storage_read_flags(storage_t *s, const storage_read_t *req, unsigned flags,
		       storage_cursor_t **out, larch_error_t *err);

/* Next block: LARCH_OK with *blk valid until the next call or the free,
 * LARCH_DONE at the end, or an error (LARCH_CORRUPTED for a bad page, with
 * the file named). */
int storage_cursor_next(storage_cursor_t *c, const storage_block_t **blk, larch_error_t *err);

void storage_cursor_free(storage_cursor_t *c);

/* Summaries (a cursor opened with STORAGE_READ_SUMMARIES; one series).
 *
 * A summary stands for a clean run of points of the series that need not
 * be decoded: a whole chunk (from the file index, without reading it) or a
 * whole page of a TsFile, lying entirely inside the read's range (after
 * TTL), with no deletion touching its time range and no other source of
 * the series (another chunk, file, unsequence file or memtable) whose time
 * range meets it.  Its points are exactly the points the cursor would
 * otherwise yield for times [start, end], and none of them is yielded
 * twice: before each step the caller may peek, then either skip (accept
 * the summary) or call storage_cursor_next as usual (which then decodes
 * that run and yields its points).
 *
 *   while (peek(c, &sum) == LARCH_OK ? (use sum, skip(c)) : next(c, &blk) == LARCH_OK) ...
 *
 * Values follow tsfile_stats_t: first/last are the values at start/end;
 * min/max and first/last have is_null = 1 where TsFile's statistics do not
 * keep them (min/max of BOOLEAN and TEXT; all four of BLOB); sum is the sum
 * of the values (BOOLEAN: the number of trues; 0 for byte-string types).
 * Byte strings point into the cursor and stay valid until its next call. */
typedef struct storage_summary {
	int64_t start, end;      /* times of the first and last point */
	uint64_t count;          /* points, >= 1 */
	tsfile_type_t type;
	double sum;
	tsfile_value_t min, max, first, last;
	int whole_chunk;         /* 1: a whole chunk (from the index), 0: one page */
} storage_summary_t;

/* LARCH_OK with *sum when the next points of the cursor form a summary;
 * LARCH_DONE when they do not (points come first: call
 * storage_cursor_next) or nothing is left; an error (the cursor's failure,
 * LARCH_ILLEGAL_PARAMETER on a cursor without summaries). */
int storage_cursor_peek_summary(storage_cursor_t *c, storage_summary_t *sum,
				larch_error_t *err);

/* Accept the summary the last storage_cursor_peek_summary returned: its
 * points are passed over.  LARCH_ILLEGAL_PARAMETER if no summary is offered
 * (no peek, or another call since). */
int storage_cursor_skip(storage_cursor_t *c, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Deletion, drop, TTL
 *---------------------------------------------------------------------------*/

/* Delete the points of the n series (each ref names its device) with time
 * in [start, end] in `database`: logged in the WAL, recorded in the .mods2
 * file of every TsFile holding such points, applied to memtables; durable
 * on return.  A TsFile all of whose points are deleted is removed at once.
 * Unknown series are ignored. */
int storage_delete(storage_t *s, const char *database, const storage_series_ref_t *series,
		   size_t n, int64_t start, int64_t end, larch_error_t *err);

/* Remove a database: its memtables, its files (at once) and its directory.
 * An unknown database is not an error. */
int storage_drop_database(storage_t *s, const char *database, larch_error_t *err);

/* Remove one time partition of a database (partition_id = floor(time /
 * partition_interval)). */
int storage_drop_partition(storage_t *s, const char *database, int64_t partition_id,
			   larch_error_t *err);

/* The partition id of a time. */
int64_t storage_partition_of(const storage_t *s, int64_t time);

/* Set the TTL of one database (0: back to options.ttl).  Not persisted
 * here: the schema keeps TTLs and the engine sets them again after each
 * open. */
int storage_set_ttl(storage_t *s, const char *database, int64_t ttl, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Last-value cache
 *---------------------------------------------------------------------------*/

/* The latest point (largest time) of a series (ref->device names the
 * device): *found = 1 with *time and *value, or *found = 0.  Answered from
 * the cache when it knows the series, else computed from memtables and
 * files and remembered.  Byte strings are copied into `arena`. */
int storage_last(storage_t *s, const char *database, const storage_series_ref_t *ref,
		 arena_t *arena, int64_t *time, tsfile_value_t *value, int *found,
		 larch_error_t *err);

/*---------------------------------------------------------------------------
 * Statistics and listing
 *---------------------------------------------------------------------------*/

typedef struct storage_stats {
	uint64_t memtable_bytes;     /* in memtables being written and being flushed */
	uint64_t memtable_limit;     /* their share of the budget */
	uint64_t memory_budget;      /* the effective budget */
	uint64_t writes;             /* storage_write calls acknowledged */
	uint64_t points_written;     /* non-null values written */
	uint64_t write_stalls;       /* writes that waited for memory */
	uint64_t flushes;            /* memtables written to files */
	uint64_t compactions;        /* compactions committed */
	uint64_t files;              /* TsFiles live */
	uint64_t unseq_files;        /* of which unsequence */
	uint64_t file_bytes;         /* their total size */
	uint64_t wal_bytes;          /* WAL bytes written since open */
	uint64_t recovered_records;  /* WAL records replayed by open */
	uint64_t recovered_bytes;    /* WAL bytes read by open */
	double recovery_seconds;     /* time open spent replaying the WAL */
	uint64_t last_cache_bytes;   /* memory of the last-value cache */
	uint64_t pool_bytes;         /* memtable chunks kept for reuse */
	uint64_t reader_bytes;       /* indexes of open TsFile readers */
} storage_stats_t;

void storage_stats(storage_t *s, storage_stats_t *out);

typedef struct storage_file_info {
	char *path;                  /* full path of the TsFile */
	int64_t partition;
	int unseq;
	uint64_t version;
	uint32_t level;
	uint64_t size;
	uint64_t n_mods;             /* deletion entries in its .mods2 */
} storage_file_info_t;

/* The live TsFiles of `database` (NULL: of every database), by partition
 * then version, in a new array freed with storage_file_list_free. */
int storage_list_files(storage_t *s, const char *database, storage_file_info_t **out,
		       size_t *n, larch_error_t *err);
void storage_file_list_free(storage_file_info_t *files, size_t n);

/* Run one compaction pass now in the calling thread (tests and tools):
 * TTL expiry, then every compaction the policy selects.  *done (may be
 * NULL) receives the number of compactions committed. */
int storage_compact(storage_t *s, size_t *done, larch_error_t *err);

#endif
