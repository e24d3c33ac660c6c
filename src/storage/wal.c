/*
 * wal.c — the WAL's on-disk format and its reader: segment names and
 * headers, record framing and checksums, the segment scanner shared by
 * recovery (wal_open) and wal_replay, and wal_replay itself.  The writer is
 * wal_writer.c.
 *
 * A WAL is a directory of segment files "wal-<N>.log", N being the LSN of
 * the segment's first record as 20 zero-padded decimal digits (so names
 * sort like LSNs).  A segment is created complete with its header under the
 * name "wal-<N>.log.tmp", fsync'd, renamed into place and the directory
 * fsync'd, so a segment with a partial header never carries a final name.
 * All integers are big-endian, like the rest of Larch's formats.
 *
 * Segment header (32 bytes):
 *
 *   off  size  field
 *   ---  ----  ---------------------------------------------------------
 *     0     8  magic "LarchWAL"
 *     8     4  version, 1
 *    12     8  first_lsn: LSN of the segment's first record; equals N
 *    20     8  prev_lsn: LSN of the last record of the previous segment
 *              (0 if none); prev_lsn < first_lsn
 *    28     4  crc32 of bytes 0..27
 *
 * Records follow the header back to back until the end of the file:
 *
 *   off  size  field
 *   ---  ----  ---------------------------------------------------------
 *     0     4  len: payload length, 1 .. WAL_MAX_RECORD (256 MiB)
 *     4     4  crc: crc32 (zlib's, the ISO-HDLC polynomial) of the payload,
 *              continued over bytes 0..3 and 8..15 of this frame
 *     8     8  lsn: first_lsn for the first record, +1 for each next one
 *    16   len  payload
 *
 * The CRC covers the payload first so an appender can checksum it before it
 * takes the log's lock and knows its LSN; covering the length too means a
 * damaged length is caught even when it happens to frame valid-looking bytes.
 *
 * A record is valid when its frame fits in the file, 1 <= len <= 256 MiB,
 * its LSN is the expected one and its CRC matches.  A zero length (what a
 * filesystem leaves in a block allocated but never written) is invalid.
 *
 * Chaining: a segment continues its predecessor when its prev_lsn equals the
 * LSN of the predecessor's last record (or, if that segment holds no record,
 * the predecessor's own prev_lsn).  LSNs between two segments may be missing
 * only when WAL_OFF assigned them (see wal_close); the chain still holds.
 *
 * Recovery and corruption policy.
 *   - The last segment ends at its first invalid record: wal_replay stops
 *     there and wal_open truncates the file there.  A crash leaves such a
 *     torn tail (a partly written record, or after a power cut in ASYNC
 *     mode, blocks the kernel wrote out of order).  A bit flip in an older
 *     record of the last segment cannot be told apart from that second case
 *     without knowing how far the file had been fsync'd, so it ends the log
 *     too (point-in-time recovery: the log is cut at the damage).
 *   - Older segments were fsync'd in full before their successor was
 *     created, so any invalid record, damaged header or broken chain in
 *     them is real damage: LARCH_CORRUPTED naming the file and offset.
 *   - Unless nothing in them is needed: wal_replay(after) does not read a
 *     segment whose records all have LSN <= after (its successor's first
 *     LSN minus one is <= after), because those records are durable
 *     elsewhere.  wal_open reads only the last segment.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "storage/wal_int.h"

static const uint8_t wal_magic[8] = {'L', 'a', 'r', 'c', 'h', 'W', 'A', 'L'};
#define WAL_VERSION 1u
#define WAL_NAME_LEN 28 /* "wal-" + 20 digits + ".log" */
#define WAL_TMP_SUFFIX ".tmp"
#define WAL_NO_PREV UINT64_MAX /* wal_scan_segment: predecessor unknown */
/* No real log reaches 2^62 records; a larger first LSN is damage, and the
 * bound keeps LSN arithmetic far from overflow. */
#define WAL_LSN_LIMIT ((uint64_t)1 << 62)

typedef unsigned long long ull;

uint32_t wal_crc_finish(uint32_t payload_crc, uint32_t len, uint64_t lsn)
{
	uint8_t tail[12];
	store_be32(tail, len);
	store_be64(tail + 4, lsn);
	return (uint32_t)crc32(payload_crc, tail, sizeof tail);
}

void wal_header_encode(uint8_t out[WAL_SEG_HEADER_SIZE], uint64_t first, uint64_t prev)
{
	memcpy(out, wal_magic, 8);
	store_be32(out + 8, WAL_VERSION);
	store_be64(out + 12, first);
	store_be64(out + 20, prev);
	store_be32(out + 28, (uint32_t)crc32(0, out, 28));
}

/* Check the header at p (the file is at least WAL_SEG_HEADER_SIZE bytes)
 * against the first LSN the file name gives and, unless expect_prev is
 * WAL_NO_PREV, against the chain; store prev_lsn in *prev. */
static int wal_header_check(const uint8_t *p, const char *path, uint64_t first,
			    uint64_t expect_prev, uint64_t *prev, larch_error_t *err)
{
	if (memcmp(p, wal_magic, 8) != 0)
		return err_set(err, LARCH_CORRUPTED, "%s offset 0: not a WAL segment (bad magic)",
			       path);
	if (load_be32(p + 28) != (uint32_t)crc32(0, p, 28))
		return err_set(err, LARCH_CORRUPTED, "%s offset 28: segment header checksum mismatch",
			       path);
	uint32_t version = load_be32(p + 8);
	if (version != WAL_VERSION)
		return err_set(err, LARCH_CORRUPTED, "%s offset 8: unsupported WAL version %u",
			       path, version);
	uint64_t hfirst = load_be64(p + 12);
	*prev = load_be64(p + 20);
	if (hfirst != first || first == 0 || first > WAL_LSN_LIMIT)
		return err_set(err, LARCH_CORRUPTED,
			       "%s offset 12: header first lsn %llu invalid or not the file name's",
			       path, (ull)hfirst);
	if (*prev >= first)
		return err_set(err, LARCH_CORRUPTED,
			       "%s offset 20: previous lsn %llu not below first lsn %llu", path,
			       (ull)*prev, (ull)first);
	if (expect_prev != WAL_NO_PREV && *prev != expect_prev)
		return err_set(err, LARCH_CORRUPTED,
			       "%s offset 20: segment continues lsn %llu, but the previous segment "
			       "ends at lsn %llu", path, (ull)*prev, (ull)expect_prev);
	return LARCH_OK;
}

void wal_segment_path(char *buf, const char *dir, uint64_t first, const char *suffix)
{
	snprintf(buf, PATH_MAX, "%s/wal-%020llu.log%s", dir, (ull)first, suffix);
}

/* Parse "wal-<20 digits>.log" (tail "" ) or with tail ".tmp"; 0 if name
 * is something else. */
static int wal_parse_name(const char *name, const char *tail, uint64_t *first)
{
	size_t tl = strlen(tail);
	if (strlen(name) != WAL_NAME_LEN + tl || memcmp(name, "wal-", 4) != 0 ||
	    memcmp(name + 24, ".log", 4) != 0 || memcmp(name + 28, tail, tl) != 0)
		return 0;
	uint64_t v = 0;
	for (int i = 4; i < 24; i++) {
		unsigned d = (unsigned)(name[i] - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*first = v;
	return 1;
}

static int wal_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int wal_list_segments(const char *dir, int remove_tmp, uint64_t **out, size_t *n,
		      larch_error_t *err)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return LARCH_OK;
		return err_set(err, LARCH_STORAGE_ERROR, "open WAL directory %s: %s", dir,
			       strerror(errno));
	}
	uint64_t *arr = NULL;
	size_t len = 0, cap = 0;
	int rc = LARCH_OK;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		uint64_t first;
		if (wal_parse_name(e->d_name, "", &first)) {
			if (len == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				uint64_t *na = mem_realloc(arr, ncap * sizeof *na);
				if (!na) {
					rc = err_set(err, LARCH_NO_MEMORY,
						     "listing WAL directory %s: out of memory", dir);
					goto out;
				}
				arr = na;
				cap = ncap;
			}
			arr[len++] = first;
		} else if (remove_tmp && wal_parse_name(e->d_name, WAL_TMP_SUFFIX, &first)) {
			if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
				rc = err_set(err, LARCH_STORAGE_ERROR, "remove %s/%s: %s", dir,
					     e->d_name, strerror(errno));
				goto out;
			}
		}
		errno = 0;
	}
	if (errno != 0)
		rc = err_set(err, LARCH_STORAGE_ERROR, "read WAL directory %s: %s", dir,
			     strerror(errno));
out:
	closedir(d);
	if (rc != LARCH_OK) {
		mem_free(arr);
		return rc;
	}
	if (len > 1)
		qsort(arr, len, sizeof *arr, wal_cmp_u64);
	*out = arr;
	*n = len;
	return LARCH_OK;
}

int wal_sync_dir(const char *dir, larch_error_t *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, LARCH_STORAGE_ERROR, "open %s: %s", dir, strerror(errno));
	int rc = LARCH_OK;
	if (fsync(fd) != 0)
		rc = err_set(err, LARCH_STORAGE_ERROR, "fsync %s: %s", dir, strerror(errno));
	close(fd);
	return rc;
}

/* Walk the records of a mapped segment from just after its header; fill
 * the record fields of *out.  The hot loop of recovery: bounds, LSN and
 * length checks before the CRC, no allocation, no copying. */
static int wal_walk_records(const uint8_t *data, uint64_t size, uint64_t first,
			    uint64_t after, wal_replay_fn fn, void *ctx, wal_scan_t *out,
			    larch_error_t *err)
{
	uint64_t off = WAL_SEG_HEADER_SIZE;
	uint64_t expect = first;
	const char *why = NULL;
	while (off < size) {
		uint64_t left = size - off;
		const uint8_t *p = data + off;
		if (left < WAL_REC_HEADER_SIZE) {
			why = "incomplete record header";
			break;
		}
		uint32_t len = load_be32(p);
		uint64_t lsn = load_be64(p + 8);
		if (len == 0 || len > WAL_MAX_RECORD) {
			why = "invalid record length";
			break;
		}
		if (len > left - WAL_REC_HEADER_SIZE) {
			why = "record runs past the end of the file";
			break;
		}
		if (lsn != expect) {
			why = "unexpected record lsn";
			break;
		}
		const uint8_t *payload = p + WAL_REC_HEADER_SIZE;
		uint32_t crc = wal_crc_finish((uint32_t)crc32(0, payload, len), len, lsn);
		if (crc != load_be32(p + 4)) {
			why = "record checksum mismatch";
			break;
		}
		if (fn && lsn > after) {
			int rc = fn(ctx, lsn, payload, len);
			if (rc != 0) {
				out->end = off;
				return err_set(err, rc, "WAL replay stopped by its callback at lsn %llu",
					       (ull)lsn);
			}
		}
		off += WAL_REC_HEADER_SIZE + len;
		expect++;
	}
	out->next_lsn = expect;
	out->records = expect - first;
	out->chain_lsn = expect > first ? expect - 1 : out->prev_lsn;
	out->end = off;
	out->why = why;
	return LARCH_OK;
}

/* wal_scan_segment with a chain check: expect_prev is the chain value of
 * the previous segment, or WAL_NO_PREV. */
static int wal_scan_chained(const char *path, uint64_t first, uint64_t expect_prev,
			    uint64_t after, wal_replay_fn fn, void *ctx, wal_scan_t *out,
			    larch_error_t *err)
{
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, LARCH_STORAGE_ERROR, "open %s: %s", path, strerror(errno));
	struct stat st;
	void *map = MAP_FAILED;
	int rc;
	if (fstat(fd, &st) != 0) {
		rc = err_set(err, LARCH_STORAGE_ERROR, "stat %s: %s", path, strerror(errno));
		goto out;
	}
	out->size = (uint64_t)st.st_size;
	if (out->size < WAL_SEG_HEADER_SIZE) {
		rc = err_set(err, LARCH_CORRUPTED,
			     "%s offset 0: %llu bytes, shorter than the segment header", path,
			     (ull)out->size);
		goto out;
	}
	if (out->size > SIZE_MAX) {
		rc = err_set(err, LARCH_STORAGE_ERROR, "%s: too large to map", path);
		goto out;
	}
	map = mmap(NULL, (size_t)out->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = err_set(err, LARCH_STORAGE_ERROR, "mmap %s: %s", path, strerror(errno));
		goto out;
	}
	madvise(map, (size_t)out->size, MADV_SEQUENTIAL);
	rc = wal_header_check(map, path, first, expect_prev, &out->prev_lsn, err);
	if (rc == LARCH_OK)
		rc = wal_walk_records(map, out->size, first, after, fn, ctx, out, err);
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)out->size);
	close(fd);
	return rc;
}

int wal_scan_segment(const char *path, uint64_t first, uint64_t after, wal_replay_fn fn,
		     void *ctx, wal_scan_t *out, larch_error_t *err)
{
	return wal_scan_chained(path, first, WAL_NO_PREV, after, fn, ctx, out, err);
}

/* Replay: see wal.h and the policy at the top of this file. */
int wal_replay(const char *dir, uint64_t after, wal_replay_fn fn, void *ctx,
	       uint64_t *bytes_read, larch_error_t *err)
{
	if (bytes_read)
		*bytes_read = 0;
	if (!dir || !fn)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "wal_replay: NULL %s",
			       dir ? "callback" : "directory");
	if (strlen(dir) > WAL_DIR_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "WAL directory path too long");
	uint64_t *seg;
	size_t n;
	int rc = wal_list_segments(dir, 0, &seg, &n, err);
	if (rc != LARCH_OK)
		return rc;
	uint64_t chain = WAL_NO_PREV;
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		int last = i + 1 == n;
		if (!last && seg[i + 1] - 1 <= after) {
			chain = WAL_NO_PREV; /* not needed: not read */
			continue;
		}
		char path[PATH_MAX];
		wal_segment_path(path, dir, seg[i], "");
		wal_scan_t sc;
		rc = wal_scan_chained(path, seg[i], chain, after, fn, ctx, &sc, err);
		total += sc.end;
		if (rc != LARCH_OK)
			break;
		if (sc.why && !last) {
			rc = err_set(err, LARCH_CORRUPTED, "%s offset %llu: %s", path,
				     (ull)sc.end, sc.why);
			break;
		}
		chain = sc.chain_lsn;
	}
	mem_free(seg);
	if (bytes_read)
		*bytes_read = total;
	return rc;
}
