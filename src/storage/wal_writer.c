/*
 * wal_writer.c — the WAL's write path: wal_open (recovery), wal_append and
 * wal_appendv, wal_sync with group commit, the ASYNC background fsync
 * thread, segment rolling, wal_checkpoint, wal_stats and wal_close.  The
 * on-disk format and the reader are in wal.c.
 *
 * One mutex (lock) guards the active segment and the LSN counters.  An
 * append checksums its payload before taking the lock, then under the lock
 * takes the next LSN and hands the whole frame to the kernel with one
 * pwritev(2) at the segment's end offset.  So the file only ever grows by
 * whole frames in LSN order, and a failed write is undone by truncating back.
 *
 * Group commit (SYNC mode; also wal_sync and the ASYNC thread): fsyncs run
 * without the lock.  A thread that needs its LSN durable and finds no fsync
 * in flight becomes the leader: it notes written_lsn, drops the lock, calls
 * fdatasync, and on return raises synced_lsn to the noted value and wakes
 * everyone.  A thread that finds an fsync in flight is a follower: it waits,
 * and if that fsync did not cover its record (it wrote after the leader took
 * its note), one of the waiters leads the next fsync, which covers every
 * record written meanwhile.  N concurrent appenders thus share about one
 * fsync per fsync-duration instead of paying N.
 *
 * While an fsync is in flight the file descriptor must stay open, so a
 * segment roll (which closes it) first waits for the fsync to finish.  A
 * roll fsyncs the old segment completely before it creates the next one;
 * this is why only the last segment can have a torn tail (see wal.c).
 *
 * Failures: a write that fails is undone with ftruncate and reported; no LSN
 * is consumed.  A failed fsync, or an undo that fails, makes the WAL
 * unusable (every later call reports the first failure): after a failed
 * fsync the kernel may have dropped the dirty pages, so a retried fsync
 * could "succeed" over lost data.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "storage/wal_int.h"

typedef unsigned long long ull;

struct wal {
	pthread_mutex_t lock;       /* guards every field below but the constants */
	pthread_cond_t sync_done;   /* broadcast when an fsync finishes */
	pthread_cond_t bg_wake;     /* wakes the ASYNC thread to stop */
	pthread_mutex_t ckpt_lock;  /* serialises wal_checkpoint */
	pthread_t bg;
	int bg_started;
	int stopping;               /* wal_close asked the ASYNC thread to exit */

	wal_mode_t mode;            /* constants after wal_open */
	uint32_t interval_ms;
	uint64_t segment_bytes;
	char *dir;

	int fd;                     /* active segment, write-only; -1 in OFF mode */
	uint64_t seg_first;         /* first LSN (name) of the active segment */
	uint64_t seg_off;           /* its size: where the next frame goes */
	uint64_t seg_records;       /* records in it */
	uint64_t chain_lsn;         /* last record written to disk, or the active
				     * segment's prev_lsn if it has none */
	uint64_t open_next;         /* next_lsn as recovered by wal_open */
	uint64_t next_lsn;          /* LSN the next append gets */
	uint64_t written_lsn;       /* every record <= this is in the kernel */
	uint64_t synced_lsn;        /* every record <= this is durable */
	int syncing;                /* an fsync of fd runs without the lock */
	int failed;                 /* sticky failure; reason in fail_msg */
	char fail_msg[LARCH_ERROR_MSG_MAX];
	wal_stats_t st;             /* counters but last_lsn/synced_lsn */
};

/*---------------------------------------------------------------------------
 * Failure bookkeeping
 *---------------------------------------------------------------------------*/

/* Mark w unusable with a printf-style reason and report it in *err
 * (LARCH_STORAGE_ERROR).  Lock held. */
static int wal_fail(wal_t *w, larch_error_t *err, const char *fmt, ...) LR_PRINTF(3, 4);
static int wal_fail(wal_t *w, larch_error_t *err, const char *fmt, ...)
{
	if (!w->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->fail_msg, sizeof w->fail_msg, fmt, ap);
		va_end(ap);
		w->failed = 1;
	}
	return err_set(err, LARCH_STORAGE_ERROR, "%s", w->fail_msg);
}

/* LARCH_OK, or the sticky failure.  Lock held. */
static int wal_check_usable(wal_t *w, larch_error_t *err)
{
	if (LR_LIKELY(!w->failed))
		return LARCH_OK;
	return err_set(err, LARCH_STORAGE_ERROR, "WAL %s unusable after an earlier failure: %s",
		       w->dir, w->fail_msg);
}

/*---------------------------------------------------------------------------
 * File helpers
 *---------------------------------------------------------------------------*/

/* pwritev all of iov[0..cnt) at off, resuming after short writes and EINTR.
 * Consumes (modifies) iov.  Returns 0 or an errno value. */
static int wal_pwrite_all(int fd, struct iovec *iov, int cnt, uint64_t off)
{
	while (cnt > 0) {
		ssize_t n = pwritev(fd, iov, cnt, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		off += (uint64_t)n;
		size_t done = (size_t)n;
		while (cnt > 0 && done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			if (n == 0)
				return EIO; /* no progress on a non-empty piece */
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

/* mkdir -p dir; then dir must be a directory. */
static int wal_mkdirs(const char *dir, larch_error_t *err)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return err_set(err, LARCH_STORAGE_ERROR, "create directory %s: %s", path,
				       strerror(errno));
		path[i] = c;
	}
	struct stat st;
	if (stat(dir, &st) != 0)
		return err_set(err, LARCH_STORAGE_ERROR, "stat %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(err, LARCH_STORAGE_ERROR, "WAL path %s is not a directory", dir);
	return LARCH_OK;
}

/* Create segment `first` (predecessor's last LSN prev) complete with its
 * header: write "<name>.tmp", fsync, rename into place, fsync the
 * directory.  *fd_out receives a write-only descriptor of the new segment.
 * A failure before the rename leaves nothing behind and is reported; a
 * failure after it marks w failed (the new segment would be the last one on
 * disk while appends went on into its predecessor).  Lock held (or w not
 * yet shared). */
static int wal_segment_create(wal_t *w, uint64_t first, uint64_t prev, int *fd_out,
			      larch_error_t *err)
{
	char tmp[PATH_MAX], fin[PATH_MAX];
	wal_segment_path(tmp, w->dir, first, ".tmp");
	wal_segment_path(fin, w->dir, first, "");
	uint8_t hdr[WAL_SEG_HEADER_SIZE];
	wal_header_encode(hdr, first, prev);
	struct iovec iov = {hdr, sizeof hdr};
	int e = 0;
	const char *what = "create";
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	what = "write";
	if ((e = wal_pwrite_all(fd, &iov, 1, 0)) != 0)
		goto fail;
	what = "fsync";
	w->st.fsyncs++;
	if (fdatasync(fd) != 0) {
		e = errno;
		goto fail;
	}
	what = "rename";
	if (rename(tmp, fin) != 0) {
		e = errno;
		goto fail;
	}
	int rc = wal_sync_dir(w->dir, err);
	if (rc != LARCH_OK) {
		close(fd);
		return wal_fail(w, err, "segment %s created but not made durable: %s", fin,
				err ? err->msg : "directory fsync failed");
	}
	w->st.segments++;
	w->st.file_bytes += sizeof hdr;
	*fd_out = fd;
	return LARCH_OK;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err_set(err, LARCH_STORAGE_ERROR, "%s %s: %s", what, tmp, strerror(e));
}

/*---------------------------------------------------------------------------
 * Group commit
 *---------------------------------------------------------------------------*/

/* Return once every record <= target is durable, leading or following
 * fsyncs as described at the top of this file.  Lock held; it is released
 * while an fsync runs or while waiting for one. */
static int wal_sync_upto(wal_t *w, uint64_t target, larch_error_t *err)
{
	while (w->synced_lsn < target) {
		int rc = wal_check_usable(w, err);
		if (rc != LARCH_OK)
			return rc;
		if (w->syncing) {
			pthread_cond_wait(&w->sync_done, &w->lock);
			continue;
		}
		w->syncing = 1;
		uint64_t upto = w->written_lsn;
		int fd = w->fd;
		pthread_mutex_unlock(&w->lock);
		int r = fdatasync(fd);
		int e = errno;
		pthread_mutex_lock(&w->lock);
		w->syncing = 0;
		w->st.fsyncs++;
		if (r != 0)
			wal_fail(w, NULL, "fdatasync %s/wal-%020llu.log: %s", w->dir,
				 (ull)w->seg_first, strerror(e));
		else if (upto > w->synced_lsn)
			w->synced_lsn = upto;
		pthread_cond_broadcast(&w->sync_done);
	}
	return LARCH_OK;
}

/* Close the active segment (fsync'd completely first) and start the next
 * one at next_lsn.  Lock held, no fsync in flight. */
static int wal_roll(wal_t *w, larch_error_t *err)
{
	if (w->written_lsn > w->synced_lsn) {
		w->st.fsyncs++;
		if (fdatasync(w->fd) != 0)
			return wal_fail(w, err, "fdatasync %s/wal-%020llu.log: %s", w->dir,
					(ull)w->seg_first, strerror(errno));
		w->synced_lsn = w->written_lsn;
		pthread_cond_broadcast(&w->sync_done);
	}
	int fd;
	int rc = wal_segment_create(w, w->next_lsn, w->chain_lsn, &fd, err);
	if (rc != LARCH_OK)
		return rc;
	close(w->fd);
	w->fd = fd;
	w->seg_first = w->next_lsn;
	w->seg_off = WAL_SEG_HEADER_SIZE;
	w->seg_records = 0;
	return LARCH_OK;
}

/* The ASYNC thread: every interval, fsync if anything was written since the
 * last fsync.  A failure is left in w->failed for the appenders to see. */
static void *wal_bg_main(void *arg)
{
	wal_t *w = arg;
	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		struct timespec dl;
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += w->interval_ms / 1000;
		dl.tv_nsec += (long)(w->interval_ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		while (!w->stopping &&
		       pthread_cond_timedwait(&w->bg_wake, &w->lock, &dl) != ETIMEDOUT)
			;
		if (!w->stopping && !w->failed && w->written_lsn > w->synced_lsn)
			wal_sync_upto(w, w->written_lsn, NULL);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*---------------------------------------------------------------------------
 * Open and recovery
 *---------------------------------------------------------------------------*/

static void wal_free(wal_t *w)
{
	if (w->fd >= 0)
		close(w->fd);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->ckpt_lock);
	pthread_cond_destroy(&w->sync_done);
	pthread_cond_destroy(&w->bg_wake);
	mem_free(w->dir);
	mem_free(w);
}

/* Find the last segment, cut its torn tail, fsync it, and position the
 * writer after its last valid record; an empty directory gets segment 1.
 * In OFF mode the descriptor is closed again afterwards. */
static int wal_recover(wal_t *w, larch_error_t *err)
{
	uint64_t *seg;
	size_t n;
	int rc = wal_list_segments(w->dir, 1, &seg, &n, err);
	if (rc != LARCH_OK)
		return rc;
	if (n == 0) {
		rc = wal_segment_create(w, 1, 0, &w->fd, err);
		if (rc != LARCH_OK)
			goto out;
		w->seg_first = 1;
		w->seg_off = WAL_SEG_HEADER_SIZE;
		w->next_lsn = 1;
	} else {
		char path[PATH_MAX];
		wal_scan_t sc;
		wal_segment_path(path, w->dir, seg[n - 1], "");
		rc = wal_scan_segment(path, seg[n - 1], UINT64_MAX, NULL, NULL, &sc, err);
		if (rc != LARCH_OK)
			goto out;
		w->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (w->fd < 0) {
			rc = err_set(err, LARCH_STORAGE_ERROR, "open %s: %s", path, strerror(errno));
			goto out;
		}
		if (sc.why && ftruncate(w->fd, (off_t)sc.end) != 0) {
			rc = err_set(err, LARCH_STORAGE_ERROR,
				     "truncate torn tail of %s at offset %llu: %s", path,
				     (ull)sc.end, strerror(errno));
			goto out;
		}
		w->st.fsyncs++;
		if (fdatasync(w->fd) != 0) {
			rc = err_set(err, LARCH_STORAGE_ERROR, "fdatasync %s: %s", path,
				     strerror(errno));
			goto out;
		}
		w->seg_first = seg[n - 1];
		w->seg_off = sc.end;
		w->seg_records = sc.records;
		w->chain_lsn = sc.chain_lsn;
		w->next_lsn = sc.next_lsn;
	}
	w->open_next = w->next_lsn;
	w->written_lsn = w->synced_lsn = w->next_lsn - 1;
	if (w->mode == WAL_OFF) {
		close(w->fd);
		w->fd = -1;
	}
out:
	mem_free(seg);
	return rc;
}

int wal_open(const char *dir, const wal_options_t *opt, wal_t **out, larch_error_t *err)
{
	if (!out)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "wal_open: NULL output handle");
	*out = NULL;
	if (!dir || !*dir)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "wal_open: no directory given");
	if (strlen(dir) > WAL_DIR_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "WAL directory path too long");
	wal_options_t o = {WAL_SYNC, 0, 0};
	if (opt)
		o = *opt;
	if (o.mode != WAL_SYNC && o.mode != WAL_ASYNC && o.mode != WAL_OFF)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "wal_open: unknown mode %d",
			       (int)o.mode);
	if (o.segment_bytes != 0 && o.segment_bytes < WAL_MIN_SEGMENT_BYTES)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "wal_open: segment_bytes %llu below the minimum %llu",
			       (ull)o.segment_bytes, (ull)WAL_MIN_SEGMENT_BYTES);

	wal_t *w = mem_calloc(1, sizeof *w);
	if (!w)
		return err_set(err, LARCH_NO_MEMORY, "wal_open %s: out of memory", dir);
	w->fd = -1;
	w->mode = o.mode;
	w->interval_ms = o.async_interval_ms ? o.async_interval_ms : WAL_DEFAULT_ASYNC_INTERVAL_MS;
	w->segment_bytes = o.segment_bytes ? o.segment_bytes : WAL_DEFAULT_SEGMENT_BYTES;
	/* With default attributes these cannot fail on Linux. */
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->ckpt_lock, NULL);
	pthread_cond_init(&w->sync_done, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->bg_wake, &ca);
	pthread_condattr_destroy(&ca);

	int rc;
	w->dir = mem_strdup(dir);
	if (!w->dir) {
		rc = err_set(err, LARCH_NO_MEMORY, "wal_open %s: out of memory", dir);
		goto fail;
	}
	rc = wal_mkdirs(dir, err);
	if (rc == LARCH_OK)
		rc = wal_recover(w, err);
	if (rc != LARCH_OK)
		goto fail;
	if (w->mode == WAL_ASYNC) {
		int e = pthread_create(&w->bg, NULL, wal_bg_main, w);
		if (e != 0) {
			rc = err_set(err, LARCH_INTERNAL_ERROR, "wal_open %s: start fsync thread: %s",
				     dir, strerror(e));
			goto fail;
		}
		w->bg_started = 1;
	}
	*out = w;
	return LARCH_OK;
fail:
	wal_free(w);
	return rc;
}

/*---------------------------------------------------------------------------
 * Appending
 *---------------------------------------------------------------------------*/

/* Frame and write one record whose payload is v[1..cnt) (len bytes, crc32
 * pcrc); v[0] is filled with the frame header here.  See wal_append. */
static int wal_write_record(wal_t *w, struct iovec *v, int cnt, size_t len, uint32_t pcrc,
			    uint64_t *lsn_out, larch_error_t *err)
{
	uint8_t hdr[WAL_REC_HEADER_SIZE];
	uint64_t frame = WAL_REC_HEADER_SIZE + (uint64_t)len;
	int rc;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		rc = wal_check_usable(w, err);
		if (rc != LARCH_OK)
			goto out;
		if (w->mode == WAL_OFF || w->seg_records == 0 ||
		    w->seg_off + frame <= w->segment_bytes)
			break;
		if (w->syncing) { /* a roll closes fd: wait, then look again */
			pthread_cond_wait(&w->sync_done, &w->lock);
			continue;
		}
		rc = wal_roll(w, err);
		if (rc != LARCH_OK)
			goto out;
	}
	uint64_t lsn = w->next_lsn;
	if (w->mode != WAL_OFF) {
		store_be32(hdr, (uint32_t)len);
		store_be32(hdr + 4, wal_crc_finish(pcrc, (uint32_t)len, lsn));
		store_be64(hdr + 8, lsn);
		v[0].iov_base = hdr;
		v[0].iov_len = sizeof hdr;
		int e = wal_pwrite_all(w->fd, v, cnt, w->seg_off);
		if (e != 0) {
			if (ftruncate(w->fd, (off_t)w->seg_off) != 0)
				rc = wal_fail(w, err, "write %s/wal-%020llu.log failed (%s) and "
					      "could not be undone: %s", w->dir, (ull)w->seg_first,
					      strerror(e), strerror(errno));
			else
				rc = err_set(err, LARCH_STORAGE_ERROR,
					     "write %s/wal-%020llu.log offset %llu: %s", w->dir,
					     (ull)w->seg_first, (ull)w->seg_off, strerror(e));
			goto out;
		}
		w->seg_off += frame;
		w->seg_records++;
		w->written_lsn = lsn;
		w->chain_lsn = lsn;
		w->st.file_bytes += frame;
	}
	w->next_lsn++;
	w->st.appends++;
	w->st.bytes += len;
	if (lsn_out)
		*lsn_out = lsn;
	if (w->mode == WAL_SYNC)
		rc = wal_sync_upto(w, lsn, err);
out:
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int wal_appendv(wal_t *w, const struct iovec *iov, int iovcnt, uint64_t *lsn,
		larch_error_t *err)
{
	if (!w || !iov)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "wal_append: NULL %s",
			       w ? "record" : "WAL handle");
	if (iovcnt < 1 || iovcnt > WAL_MAX_IOV)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "wal_appendv: %d pieces, expected 1 .. %d", iovcnt, WAL_MAX_IOV);
	size_t len = 0;
	for (int i = 0; i < iovcnt; i++) {
		size_t n = iov[i].iov_len;
		if (n && !iov[i].iov_base)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "wal_append: piece %d has NULL data", i);
		if (n > WAL_MAX_RECORD - len)
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "wal_append: record larger than %zu bytes", WAL_MAX_RECORD);
		len += n;
	}
	if (len == 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "wal_append: empty record");
	/* checksum outside the lock: the expensive part of an append */
	struct iovec v[WAL_MAX_IOV + 1];
	uint32_t crc = 0; /* crc32 of no bytes */
	for (int i = 0; i < iovcnt; i++) {
		if (w->mode != WAL_OFF && iov[i].iov_len)
			crc = (uint32_t)crc32(crc, iov[i].iov_base, (uInt)iov[i].iov_len);
		v[i + 1] = iov[i];
	}
	return wal_write_record(w, v, iovcnt + 1, len, crc, lsn, err);
}

int wal_append(wal_t *w, const void *rec, size_t len, uint64_t *lsn, larch_error_t *err)
{
	struct iovec iov = {(void *)rec, len};
	return wal_appendv(w, &iov, 1, lsn, err);
}

/*---------------------------------------------------------------------------
 * Sync, checkpoint, stats, close
 *---------------------------------------------------------------------------*/

int wal_sync(wal_t *w, larch_error_t *err)
{
	if (!w)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "wal_sync: NULL WAL handle");
	pthread_mutex_lock(&w->lock);
	int rc = wal_check_usable(w, err);
	if (rc == LARCH_OK && w->mode != WAL_OFF)
		rc = wal_sync_upto(w, w->written_lsn, err);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* Segments before the active one are only ever deleted here (under
 * ckpt_lock) and only created with names above the active one, so the
 * directory listing cannot go stale in a way that matters. */
int wal_checkpoint(wal_t *w, uint64_t upto, larch_error_t *err)
{
	if (!w)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "wal_checkpoint: NULL WAL handle");
	pthread_mutex_lock(&w->lock);
	uint64_t active = w->seg_first;
	uint64_t last = w->next_lsn - 1;
	int rc = wal_check_usable(w, err);
	pthread_mutex_unlock(&w->lock);
	if (rc != LARCH_OK)
		return rc;
	if (upto > last)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "wal_checkpoint: lsn %llu is beyond the last assigned lsn %llu",
			       (ull)upto, (ull)last);

	pthread_mutex_lock(&w->ckpt_lock);
	uint64_t *seg;
	size_t n;
	rc = wal_list_segments(w->dir, 0, &seg, &n, err);
	size_t removed = 0;
	/* segment i holds LSNs below seg[i + 1]; it exists for every i before
	 * the active segment */
	for (size_t i = 0; rc == LARCH_OK && i + 1 < n && seg[i] < active; i++) {
		if (seg[i + 1] - 1 > upto)
			break;
		char path[PATH_MAX];
		wal_segment_path(path, w->dir, seg[i], "");
		if (unlink(path) != 0 && errno != ENOENT)
			rc = err_set(err, LARCH_STORAGE_ERROR, "remove %s: %s", path,
				     strerror(errno));
		else
			removed++;
	}
	if (removed) {
		int src = wal_sync_dir(w->dir, rc == LARCH_OK ? err : NULL);
		if (rc == LARCH_OK)
			rc = src;
	}
	mem_free(seg);
	pthread_mutex_unlock(&w->ckpt_lock);
	return rc;
}

void wal_stats(wal_t *w, wal_stats_t *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof *out);
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	*out = w->st;
	out->last_lsn = w->next_lsn - 1;
	out->synced_lsn = w->synced_lsn;
	pthread_mutex_unlock(&w->lock);
}

int wal_close(wal_t *w, larch_error_t *err)
{
	if (!w)
		return LARCH_OK;
	if (w->bg_started) {
		pthread_mutex_lock(&w->lock);
		w->stopping = 1;
		pthread_cond_signal(&w->bg_wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->bg, NULL);
	}
	pthread_mutex_lock(&w->lock);
	int rc = wal_check_usable(w, err);
	if (rc == LARCH_OK && w->mode != WAL_OFF) {
		rc = wal_sync_upto(w, w->written_lsn, err);
	} else if (rc == LARCH_OK && w->next_lsn > w->open_next) {
		/* OFF: persist the LSN counter as an empty segment */
		int fd;
		rc = wal_segment_create(w, w->next_lsn, w->chain_lsn, &fd, err);
		if (rc == LARCH_OK)
			close(fd);
	}
	pthread_mutex_unlock(&w->lock);
	wal_free(w);
	return rc;
}
