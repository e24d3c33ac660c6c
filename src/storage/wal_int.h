/*
 * wal_int.h — the seam between the WAL's format/reader half (wal.c) and its
 * writer half (wal_writer.c).  Not for use outside src/storage/wal*.c.
 */
#ifndef LARCH_STORAGE_WAL_INT_H
#define LARCH_STORAGE_WAL_INT_H

#include <limits.h>

#include "base/base.h"
#include "storage/wal.h"

#define WAL_SEG_HEADER_SIZE 32 /* see the format table in wal.c */
#define WAL_REC_HEADER_SIZE 16
/* Room for "/wal-<20 digits>.log.tmp" after the directory. */
#define WAL_NAME_ROOM 34
#define WAL_DIR_MAX (PATH_MAX - WAL_NAME_ROOM)

/* The CRC of a record: crc32 of its payload (crc32(0, payload, len), which
 * appenders compute before taking the lock), continued over its length and
 * LSN as they appear in the frame. */
uint32_t wal_crc_finish(uint32_t payload_crc, uint32_t len, uint64_t lsn);

/* Encode a segment header for a segment whose first record will have LSN
 * first, and whose predecessor's last record had LSN prev. */
void wal_header_encode(uint8_t out[WAL_SEG_HEADER_SIZE], uint64_t first, uint64_t prev);

/* "<dir>/wal-<first, 20 digits>.log<suffix>" into buf (PATH_MAX bytes);
 * dir must be at most WAL_DIR_MAX bytes long. */
void wal_segment_path(char *buf, const char *dir, uint64_t first, const char *suffix);

/* The segments of dir as their first LSNs, ascending, in a mem_alloc'd
 * array (*out; NULL when *n is 0).  A missing dir gives none.  With
 * remove_tmp, leftover "wal-*.log.tmp" files of an interrupted segment
 * creation are unlinked. */
int wal_list_segments(const char *dir, int remove_tmp, uint64_t **out, size_t *n,
		      larch_error_t *err);

/* What reading one segment found (wal_scan_segment). */
typedef struct wal_scan {
	uint64_t prev_lsn;  /* header: last LSN of the previous segment */
	uint64_t next_lsn;  /* LSN the next record of this segment would get */
	uint64_t chain_lsn; /* last record's LSN, or prev_lsn if there is none */
	uint64_t records;   /* valid records */
	uint64_t end;       /* offset just past the last valid record */
	uint64_t size;      /* file size */
	const char *why;    /* NULL if the records reach the end of the file
			     * exactly; else why the record at `end` is invalid */
} wal_scan_t;

/* Read the segment at path (whose name says its first LSN is first),
 * check its header, and walk its records until the end of the file or the
 * first invalid one, calling fn (if not NULL) for each valid record with
 * LSN > after.  An invalid record is not an error here (out->why says what
 * is wrong); the caller decides between torn tail and corruption.  Returns
 * LARCH_OK, fn's non-zero value, LARCH_CORRUPTED (damaged header) or
 * LARCH_STORAGE_ERROR. */
int wal_scan_segment(const char *path, uint64_t first, uint64_t after, wal_replay_fn fn,
		     void *ctx, wal_scan_t *out, larch_error_t *err);

/* fsync the directory dir (so creations, renames and unlinks persist). */
int wal_sync_dir(const char *dir, larch_error_t *err);

#endif
