/*
 * log.c — persistence of the schema: an append-only log of operations and
 * a snapshot, both in the schema directory.
 *
 *   schema.log       "LRSCHLOG" then entries
 *   schema.snap      "LRSCHSNP" then entries: META first, END last
 *   schema.snap.tmp  a snapshot being written (removed on open)
 *
 * Entry layout (integers big-endian):
 *
 *   offset  size  field
 *   0       4     payload length N, 1 <= N <= MAX_ENTRY
 *   4       4     CRC-32 (zlib) of bytes 8 .. 16+N (sequence and payload)
 *   8       8     sequence number (log: 1, 2, 3 ...; snapshot: 0)
 *   16      N     payload: operations (ops.c), applied all or nothing
 *
 * An entry is appended with one write and fsync'd before the change is
 * acknowledged.  On open: the snapshot is loaded (it must be complete and
 * intact, else LARCH_CORRUPTED), then log entries with a sequence number
 * above the snapshot's are replayed; the first incomplete or damaged entry
 * ends the log, which is truncated there (a torn tail: the crash happened
 * before the entry was acknowledged).  A snapshot is written to the .tmp
 * file, fsync'd, renamed over schema.snap and the directory fsync'd; only
 * then is the log emptied, so a crash in between replays nothing twice
 * (those entries are at or below the snapshot's sequence number).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "schema/schema_int.h"

#define MAGIC_LEN 8
#define HDR 16
#define MAX_ENTRY (1u << 30)
#define SNAP_CHUNK (1u << 20)

static const char LOG_MAGIC[MAGIC_LEN] = {'L', 'R', 'S', 'C', 'H', 'L', 'O', 'G'};
static const char SNAP_MAGIC[MAGIC_LEN] = {'L', 'R', 'S', 'C', 'H', 'S', 'N', 'P'};

static int io_err(larch_error_t *err, const char *what, const char *path)
{
	return err_set(err, LARCH_STORAGE_ERROR, "schema: %s %s: %s", what, path, strerror(errno));
}

/* dir + "/" + name into buf. */
static int file_path(char *buf, const schema_t *s, const char *name, larch_error_t *err)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", s->dir, name);
	if (n < 0 || n >= PATH_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "schema directory name too long");
	return LARCH_OK;
}

static int sync_dir(const schema_t *s, larch_error_t *err)
{
	if (!s->cfg.fsync)
		return LARCH_OK;
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsync(fd)) {
		int rc = io_err(err, "cannot sync directory", s->dir);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	return LARCH_OK;
}

/* mkdir -p */
static int make_dirs(const char *dir, larch_error_t *err)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(p))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad schema directory name");
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return io_err(err, "cannot create directory", p);
		p[i] = c;
	}
	return LARCH_OK;
}

static int write_all(int fd, const void *p, size_t n, off_t at)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = pwrite(fd, b, n, at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
		at += w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n, off_t at)
{
	uint8_t *b = p;
	while (n) {
		ssize_t r = pread(fd, b, n, at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
		at += r;
	}
	return 0;
}

static uint32_t entry_crc(const uint8_t seq[8], const uint8_t *payload, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);
	c = crc32(c, seq, 8);
	/* zlib takes uInt lengths; entries are at most 1 GiB */
	c = crc32(c, payload, (uInt)n);
	return (uint32_t)c;
}

static void entry_header(uint8_t hdr[HDR], uint64_t seq, const uint8_t *payload, size_t n)
{
	store_be32(hdr, (uint32_t)n);
	store_be64(hdr + 8, seq);
	store_be32(hdr + 4, entry_crc(hdr + 8, payload, n));
}

/* One entry read from a file. */
typedef struct entry {
	uint64_t seq;
	uint8_t *payload;      /* mem_alloc'd */
	uint32_t len;
} entry_t;

/* Read the entry at `at` of a file of `size` bytes: LARCH_OK, LARCH_DONE
 * when it is incomplete or damaged (a torn tail), LARCH_NO_MEMORY,
 * LARCH_STORAGE_ERROR. */
static int entry_read(int fd, uint64_t at, uint64_t size, entry_t *e, larch_error_t *err)
{
	uint8_t hdr[HDR];
	e->payload = NULL;
	if (size - at < HDR)
		return LARCH_DONE;
	if (read_all(fd, hdr, HDR, (off_t)at))
		return err_set(err, LARCH_STORAGE_ERROR, "schema: read failed: %s", strerror(errno));
	uint32_t n = load_be32(hdr);
	if (n == 0 || n > MAX_ENTRY || n > size - at - HDR)
		return LARCH_DONE;
	e->payload = mem_alloc(n);
	if (!e->payload)
		return err_set(err, LARCH_NO_MEMORY, "out of memory reading the schema log");
	if (read_all(fd, e->payload, n, (off_t)(at + HDR))) {
		mem_free(e->payload);
		e->payload = NULL;
		return err_set(err, LARCH_STORAGE_ERROR, "schema: read failed: %s", strerror(errno));
	}
	if (entry_crc(hdr + 8, e->payload, n) != load_be32(hdr + 4)) {
		mem_free(e->payload);
		e->payload = NULL;
		return LARCH_DONE;
	}
	e->seq = load_be64(hdr + 8);
	e->len = n;
	return LARCH_OK;
}

/* Load schema.snap if there is one. */
static int load_snapshot(schema_t *s, replay_t *rp, larch_error_t *err)
{
	char path[PATH_MAX];
	int rc = file_path(path, s, "schema.snap", err);
	if (rc)
		return rc;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno == ENOENT ? LARCH_OK : io_err(err, "cannot open", path);
	struct stat st;
	char magic[MAGIC_LEN];
	if (fstat(fd, &st)) {
		rc = io_err(err, "cannot stat", path);
	} else if ((uint64_t)st.st_size < MAGIC_LEN || read_all(fd, magic, MAGIC_LEN, 0) ||
		   memcmp(magic, SNAP_MAGIC, MAGIC_LEN)) {
		rc = err_set(err, LARCH_CORRUPTED, "schema: %s is not a schema snapshot", path);
	} else {
		uint64_t at = MAGIC_LEN, size = (uint64_t)st.st_size;
		while (!rc && at < size) {
			entry_t e;
			rc = entry_read(fd, at, size, &e, err);
			if (rc == LARCH_DONE)
				rc = err_set(err, LARCH_CORRUPTED, "schema: damaged snapshot entry "
					     "at offset %llu of %s", (unsigned long long)at, path);
			if (rc)
				break;
			rc = ops_apply(s, e.payload, e.len, NULL, 0, NULL, rp, err);
			mem_free(e.payload);
			at += HDR + e.len;
		}
		if (!rc && !rp->ended)
			rc = err_set(err, LARCH_CORRUPTED, "schema: snapshot %s is incomplete", path);
	}
	close(fd);
	return rc;
}

/* Write the log magic into an empty (or torn-at-birth) log. */
static int log_init_file(schema_t *s, const char *path, larch_error_t *err)
{
	if (ftruncate(s->logfd, 0) || write_all(s->logfd, LOG_MAGIC, MAGIC_LEN, 0) ||
	    (s->cfg.fsync && fdatasync(s->logfd)))
		return io_err(err, "cannot initialise", path);
	s->log_size = MAGIC_LEN;
	return sync_dir(s, err);
}

/* Replay the log after the snapshot, truncating a torn tail. */
static int replay_log(schema_t *s, replay_t *rp, const char *path, larch_error_t *err)
{
	struct stat st;
	if (fstat(s->logfd, &st))
		return io_err(err, "cannot stat", path);
	uint64_t size = (uint64_t)st.st_size;
	char magic[MAGIC_LEN];
	if (size < MAGIC_LEN) {
		/* created but its magic never fully written: a prefix of it or empty */
		if (size && (read_all(s->logfd, magic, (size_t)size, 0) ||
			     memcmp(magic, LOG_MAGIC, (size_t)size)))
			return err_set(err, LARCH_CORRUPTED, "schema: %s is not a schema log", path);
		return log_init_file(s, path, err);
	}
	if (read_all(s->logfd, magic, MAGIC_LEN, 0) || memcmp(magic, LOG_MAGIC, MAGIC_LEN))
		return err_set(err, LARCH_CORRUPTED, "schema: %s is not a schema log", path);
	uint64_t at = MAGIC_LEN, last = rp->snap_seq;
	int rc = LARCH_OK;
	rp->in_log = 1;
	while (at < size) {
		entry_t e;
		rc = entry_read(s->logfd, at, size, &e, err);
		if (rc == LARCH_DONE) {
			rc = LARCH_OK;
			break;
		}
		if (rc)
			return rc;
		if (e.seq > rp->snap_seq) {
			if (e.seq <= last)
				rc = err_set(err, LARCH_CORRUPTED, "schema: log entry %llu out of order",
					     (unsigned long long)e.seq);
			else
				rc = ops_apply(s, e.payload, e.len, NULL, 0, NULL, rp, err);
			last = e.seq;
			s->log_bytes += HDR + e.len;
		}
		mem_free(e.payload);
		if (rc)
			return rc;
		at += HDR + e.len;
	}
	if (at < size) {
		if (ftruncate(s->logfd, (off_t)at) || (s->cfg.fsync && fdatasync(s->logfd)))
			return io_err(err, "cannot truncate the torn tail of", path);
	}
	s->log_size = at;
	s->seq = last;
	return LARCH_OK;
}

int log_open(schema_t *s, larch_error_t *err)
{
	char path[PATH_MAX];
	int rc = make_dirs(s->dir, err);
	if (!rc)
		rc = file_path(path, s, "schema.snap.tmp", err);
	if (rc)
		return rc;
	if (unlink(path) && errno != ENOENT)
		return io_err(err, "cannot remove", path);
	replay_t rp;
	memset(&rp, 0, sizeof(rp));
	rc = load_snapshot(s, &rp, err);
	if (!rc)
		rc = file_path(path, s, "schema.log", err);
	if (rc)
		return rc;
	s->logfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->logfd < 0)
		return io_err(err, "cannot open", path);
	s->seq = rp.snap_seq;
	return replay_log(s, &rp, path, err);
}

void log_close(schema_t *s)
{
	if (s->logfd >= 0)
		close(s->logfd);
	s->logfd = -1;
	mem_free(s->dir);
	s->dir = NULL;
}

int log_append(schema_t *s, const uint8_t *payload, size_t len, larch_error_t *err)
{
	if (!s->dir) {
		s->seq++;
		return LARCH_OK;
	}
	if (len == 0 || len > MAX_ENTRY)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "schema change of %zu bytes is too "
			       "large", len);
	uint8_t hdr[HDR];
	entry_header(hdr, s->seq + 1, payload, len);
	if (write_all(s->logfd, hdr, HDR, (off_t)s->log_size) ||
	    write_all(s->logfd, payload, len, (off_t)(s->log_size + HDR)) ||
	    (s->cfg.fsync && fdatasync(s->logfd))) {
		int rc = err_set(err, LARCH_STORAGE_ERROR, "schema: log write failed: %s",
				 strerror(errno));
		/* take back what may have reached the file */
		if (ftruncate(s->logfd, (off_t)s->log_size))
			s->broken = 1;
		return rc;
	}
	s->log_size += HDR + len;
	s->log_bytes += HDR + len;
	s->seq++;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Snapshot
 *---------------------------------------------------------------------------*/

typedef struct snapw {
	int fd;
	uint64_t at;
	buf_t b;
	int failed;
} snapw_t;

/* Write the buffered operations as one entry. */
static void snap_flush(snapw_t *w)
{
	if (w->failed || !w->b.len)
		return;
	uint8_t hdr[HDR];
	entry_header(hdr, 0, w->b.data, w->b.len);
	if (!buf_ok(&w->b) || write_all(w->fd, hdr, HDR, (off_t)w->at) ||
	    write_all(w->fd, w->b.data, w->b.len, (off_t)(w->at + HDR)))
		w->failed = 1;
	w->at += HDR + w->b.len;
	buf_reset(&w->b);
}

static void snap_maybe_flush(snapw_t *w)
{
	if (w->b.len >= SNAP_CHUNK || !buf_ok(&w->b))
		snap_flush(w);
}

/* The nodes with a template set, and the databases (with their TTL), in
 * node order. */
static void snap_nodes(const schema_t *s, snapw_t *w, int dbs)
{
	buf_t path = BUF_INIT;
	for (uint32_t i = 1; i < s->node_hw && !w->failed; i++) {
		const tnode_t *t = node_at(s, i);
		if (!t->name || !(dbs ? t->db : t->tmpl))
			continue;
		buf_reset(&path);
		node_path(s, i, &path);
		if (!buf_ok(&path)) {
			w->failed = 1;
			break;
		}
		if (!dbs) {
			op_tmpl_path(&w->b, OP_TMPL_SET, t->tmpl, (const char *)path.data, path.len);
		} else {
			op_db_create(&w->b, t->db, (const char *)path.data, path.len);
			if (s->db_ttl[t->db])
				op_db_ttl(&w->b, t->db, s->db_ttl[t->db]);
		}
		snap_maybe_flush(w);
	}
	buf_free(&path);
}

/* Every device with its series, in chunks of at most 4096 series per
 * operation (the first one activates the template). */
static void snap_devices(const schema_t *s, snapw_t *w)
{
	buf_t path = BUF_INIT;
	for (uint32_t id = 1; id < s->next_dev && !w->failed; id++) {
		const device_t *d = dev_get(s, id);
		if (!d)
			continue;
		buf_reset(&path);
		node_path(s, d->node, &path);
		if (!buf_ok(&path)) {
			w->failed = 1;
			break;
		}
		uint32_t left = d->nseries, slot = 0, tmpl = d->tmpl;
		do {
			uint32_t n = LR_MIN(left, 4096u);
			op_series_create_head(&w->b, id, (const char *)path.data, path.len,
					      d->aligned, tmpl, n);
			for (uint32_t k = 0; k < n; slot++) {
				uint32_t v = MAP_VAL(d->meas, slot);
				if (!MAP_KEY(d->meas, slot) || (v & SID_ALIAS))
					continue;
				op_series_item_x(&w->b, s, v, ser_at(s, v));
				k++;
			}
			left -= n;
			tmpl = 0;
			snap_maybe_flush(w);
		} while (left && !w->failed);
	}
	buf_free(&path);
}

static void snap_write(const schema_t *s, snapw_t *w)
{
	op_meta(&w->b, s);
	for (uint32_t t = 1; t < s->next_tid; t++) {
		const tmpl_t *tm = tmpl_get(s, t);
		if (tm) {
			op_tmpl_create(&w->b, t, name_of(s, tm->name, NULL), tm->aligned, tm->ms,
				       tm->n, s);
			snap_maybe_flush(w);
		}
	}
	snap_nodes(s, w, 1);
	snap_nodes(s, w, 0);
	snap_devices(s, w);
	buf_put_u8(&w->b, OP_END);
	snap_flush(w);
}

int log_snapshot(schema_t *s, larch_error_t *err)
{
	if (!s->dir)
		return LARCH_OK;
	char tmp[PATH_MAX], path[PATH_MAX], logp[PATH_MAX];
	int rc = file_path(tmp, s, "schema.snap.tmp", err);
	if (!rc)
		rc = file_path(path, s, "schema.snap", err);
	if (!rc)
		rc = file_path(logp, s, "schema.log", err);
	if (rc)
		return rc;
	snapw_t w = {open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), MAGIC_LEN,
		     BUF_INIT, 0};
	if (w.fd < 0)
		return io_err(err, "cannot create", tmp);
	if (write_all(w.fd, SNAP_MAGIC, MAGIC_LEN, 0))
		w.failed = 1;
	else
		snap_write(s, &w);
	buf_free(&w.b);
	if (w.failed || (s->cfg.fsync && fsync(w.fd))) {
		rc = io_err(err, "cannot write", tmp);
		close(w.fd);
		unlink(tmp);
		return rc;
	}
	close(w.fd);
	if (rename(tmp, path)) {
		rc = io_err(err, "cannot rename", tmp);
		unlink(tmp);
		return rc;
	}
	rc = sync_dir(s, err);
	if (rc)
		return rc;
	/* The snapshot covers every entry: empty the log.  If this fails the
	 * entries stay and are skipped on replay (sequence numbers). */
	if (ftruncate(s->logfd, MAGIC_LEN) || (s->cfg.fsync && fdatasync(s->logfd)))
		return io_err(err, "cannot truncate", logp);
	s->log_size = MAGIC_LEN;
	s->log_bytes = 0;
	return LARCH_OK;
}
