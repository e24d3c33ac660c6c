/*
 * wal.h — the write-ahead log of the storage engine.
 *
 * A WAL is a directory of segment files holding opaque records, each with a
 * log sequence number (LSN) that starts at 1 and grows by one per record.
 * The engine appends a record before it changes a memtable, replays the log
 * on start, and checkpoints it once memtables are flushed to TsFiles.  The
 * file format, the recovery rules and the corruption policy are described at
 * the top of wal.c; the write path (group commit, background fsync) at the
 * top of wal_writer.c.
 *
 * Durability by mode (wal_options_t.mode):
 *   WAL_SYNC   wal_append returns after the record is fsync'd.  Appenders
 *              that arrive while an fsync runs share the next one (group
 *              commit), so concurrency raises throughput.
 *   WAL_ASYNC  wal_append returns after write(2); a background thread
 *              fsyncs within async_interval_ms.  A process crash loses
 *              nothing acknowledged; a power cut may lose the last interval.
 *   WAL_OFF    nothing is written; LSNs are still assigned (and survive a
 *              clean close, so numbering never goes backwards).
 *
 * Thread safety: wal_append, wal_appendv, wal_sync, wal_checkpoint and
 * wal_stats may be called from any number of threads at once.  wal_close
 * must not race with any other call on the same handle.  wal_replay works
 * on a directory no wal_t has open (before wal_open, or instead of it).
 */
#ifndef LARCH_STORAGE_WAL_H
#define LARCH_STORAGE_WAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "larch/status.h"

typedef enum wal_mode { WAL_SYNC, WAL_ASYNC, WAL_OFF } wal_mode_t;

/* IoTDB's default for wal_async_mode_fsync_delay_in_ms. */
#define WAL_DEFAULT_ASYNC_INTERVAL_MS 1000u
#define WAL_DEFAULT_SEGMENT_BYTES ((uint64_t)64 << 20)
#define WAL_MIN_SEGMENT_BYTES ((uint64_t)1024)
#define WAL_MAX_RECORD ((size_t)256 << 20)  /* largest record payload */
#define WAL_MAX_IOV 64                       /* most pieces wal_appendv takes */

/* A zeroed struct is valid: SYNC mode, and 0 in a numeric field picks its
 * default.  segment_bytes is a soft limit: a segment is rolled before a
 * record that would cross it, unless the segment is still empty (so one
 * record larger than segment_bytes gets a segment of its own). */
typedef struct wal_options {
	wal_mode_t mode;
	uint32_t async_interval_ms; /* ASYNC fsync period; 0 = 1000 */
	uint64_t segment_bytes;     /* 0 = 64 MiB; else >= WAL_MIN_SEGMENT_BYTES */
} wal_options_t;

typedef struct wal wal_t;

/* Counters since wal_open (wal_stats). */
typedef struct wal_stats {
	uint64_t appends;       /* records appended (in OFF mode too) */
	uint64_t bytes;         /* payload bytes appended */
	uint64_t file_bytes;    /* bytes written to segment files (frames, headers) */
	uint64_t fsyncs;        /* fsync/fdatasync calls on segment files */
	uint64_t segments;      /* segment files created */
	uint64_t last_lsn;      /* last LSN assigned (0: none ever) */
	uint64_t synced_lsn;    /* every record <= this is durable (OFF: what
				 * was on disk at open) */
} wal_stats_t;

/* Open (creating it and its parents if missing) the WAL in `dir` and
 * recover it: stale temporary files are removed, the last segment is read,
 * a torn tail (an incomplete or damaged record and whatever follows it) is
 * truncated away and the result fsync'd, and appending resumes at the LSN
 * after the last valid record.  Older segments are not read.  opt may be
 * NULL for the defaults.  On success *out owns a background thread (ASYNC)
 * and file descriptors until wal_close.
 * Errors: LARCH_ILLEGAL_PARAMETER (NULL pointers, bad options, a path too
 * long), LARCH_CORRUPTED (the last segment's header is damaged),
 * LARCH_STORAGE_ERROR (I/O), LARCH_NO_MEMORY. */
int wal_open(const char *dir, const wal_options_t *opt, wal_t **out, larch_error_t *err);

/* Append one record of len bytes (1 .. WAL_MAX_RECORD).  On return the
 * record is in the OS (ASYNC), durable (SYNC), or only numbered (OFF); *lsn
 * (if lsn is not NULL) receives its LSN.  Errors: LARCH_ILLEGAL_PARAMETER
 * (nothing happens), LARCH_STORAGE_ERROR.  A failed write is undone: no LSN
 * is consumed and the log is unchanged.  A failed fsync (SYNC) leaves the
 * record written and numbered (*lsn is set) but maybe not durable.  After a
 * failed fsync, or a write that could not be undone, the WAL refuses every
 * further append, sync and checkpoint (LARCH_STORAGE_ERROR): the kernel may
 * have dropped the pages it failed to write, so a retried fsync could
 * report success over lost data.  Close it and open it again to recover. */
int wal_append(wal_t *w, const void *rec, size_t len, uint64_t *lsn, larch_error_t *err);

/* wal_append for a record given as iovcnt pieces (1 .. WAL_MAX_IOV) that
 * are stored back to back; pieces may be empty, the total may not. */
int wal_appendv(wal_t *w, const struct iovec *iov, int iovcnt, uint64_t *lsn,
		larch_error_t *err);

/* Make every record appended so far durable (no-op in OFF mode or when
 * nothing was written since the last fsync). */
int wal_sync(wal_t *w, larch_error_t *err);

/* Everything with LSN <= upto is durable elsewhere: delete, oldest first,
 * every segment whose records all have LSN <= upto.  The segment being
 * appended to is never deleted, so the WAL always remembers its next LSN.
 * upto above the last assigned LSN is LARCH_ILLEGAL_PARAMETER. */
int wal_checkpoint(wal_t *w, uint64_t upto, larch_error_t *err);

/* Fill *out with the counters (see wal_stats_t). */
void wal_stats(wal_t *w, wal_stats_t *out);

/* fsync what is unsynced (not in OFF mode), stop the background thread,
 * close files and free w (always, even on error).  In OFF mode, if LSNs
 * were assigned, an empty segment named by the next LSN is created so the
 * numbering continues after a reopen.  w may be NULL. */
int wal_close(wal_t *w, larch_error_t *err);

/* Callback of wal_replay: rec is valid only during the call.  Non-zero
 * stops the replay, which returns that value. */
typedef int (*wal_replay_fn)(void *ctx, uint64_t lsn, const uint8_t *rec, size_t len);

/* Read the WAL in `dir` without changing it and call fn for every valid
 * record with LSN > after, in LSN order.  A missing directory is an empty
 * log.  In the last segment the first invalid record ends the log (a torn
 * tail after a crash is normal; see wal.c for why a damaged record there
 * also ends it).  A segment whose records all have LSN <= after is not
 * read at all.  Any other damage — an invalid record, a damaged header, a
 * segment that does not continue its predecessor — is LARCH_CORRUPTED with
 * the file and byte offset in the message.  *bytes_read (may be NULL)
 * receives the segment bytes examined, for throughput figures. */
int wal_replay(const char *dir, uint64_t after, wal_replay_fn fn, void *ctx,
	       uint64_t *bytes_read, larch_error_t *err);

#endif
