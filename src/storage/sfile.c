/*
 * sfile.c — the storage engine's files on disk: TsFiles with their .mods2
 * deletion files (loading, repair, appending entries, removal), the
 * checkpoint file, database directory names and directory helpers.
 *
 * A TsFile is named "<version>-<level>.tsfile" (see README.md).  Loading
 * one opens a reader; a file the reader refuses is taken for one left
 * unfinished by a crash and completed with force-append
 * (tsfile_writer_open_append truncates it after its last complete chunk
 * group and writes the index); a file that holds no chunk group is removed.
 *
 * Reader residency.  A reader holds the file's whole index in memory
 * (hundreds of bytes per series), so a loaded file keeps only its time
 * range, size and deletions, and its reader is open only while used: it
 * is (re)opened by sfile_ref — every user takes a reference under the part
 * lock — and closed again, under the part lock, once no reference but the
 * partition's remains (right after publishing, and by the storage's trim
 * of least recently used readers beyond its budget).
 *
 * .mods2 (IoTDB 2.x, reference §10): a bare sequence of entries, no header;
 * we write only TREE_DELETION entries with exact paths:
 *
 *   size  field
 *   ----  --------------------------------------------------------------
 *      1  mod type: 1 = TREE_DELETION
 *      8  start time, big-endian i64 (inclusive)
 *      8  end time, big-endian i64 (inclusive)
 *   vstr  path "<device>.<measurement>" (svarint length, UTF-8 bytes); the
 *         measurement is back-quoted (`` for a quote) unless it is made of
 *         [A-Za-z0-9_] and bytes >= 0x80 only
 *
 * A crash can leave a torn last entry (appends are not atomic); loading cuts
 * it off.  A mod type other than 1 is corruption.
 *
 * CHECKPOINT (in the data directory; written with tmp + fsync + rename):
 *
 *   off  size  field
 *     0     8  magic "LarchCKP"
 *     8     4  version 1, big-endian
 *    12     8  LSN: every WAL record up to it is in TsFiles, big-endian
 *    20     4  crc32 of bytes 0..19, big-endian
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "storage/storage_int.h"
#include "tsfile/reader.h"

#define MODS_TREE_DELETION 1
#define MODS_MAX_FILE ((size_t)1 << 30)
#define CHECKPOINT_NAME "CHECKPOINT"
#define CHECKPOINT_SIZE 24

static int io_error(larch_error_t *err, const char *what, const char *path)
{
	return err_set(err, LARCH_STORAGE_ERROR, "%s %s: %s", what, path, strerror(errno));
}

/*---------------------------------------------------------------------------
 * Directory helpers
 *---------------------------------------------------------------------------*/

int dir_sync(const char *dir, larch_error_t *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_error(err, "open directory", dir);
	int rc = fsync(fd) < 0 ? io_error(err, "fsync directory", dir) : LARCH_OK;
	close(fd);
	return rc;
}

int dir_make(const char *dir, larch_error_t *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof buf)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad directory path '%s'", dir);
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return io_error(err, "mkdir", buf);
		buf[i] = c;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(err, LARCH_STORAGE_ERROR, "%s is not a directory", dir);
	return LARCH_OK;
}

int dir_remove_tree(const char *dir, larch_error_t *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? LARCH_OK : io_error(err, "open directory", dir);
	int rc = LARCH_OK;
	struct dirent *e;
	char path[PATH_MAX];
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) {
			rc = err_set(err, LARCH_STORAGE_ERROR, "path too long under %s", dir);
			break;
		}
		struct stat st;
		if (lstat(path, &st) < 0)
			rc = io_error(err, "stat", path);
		else if (S_ISDIR(st.st_mode))
			rc = dir_remove_tree(path, err);
		else if (unlink(path) < 0 && errno != ENOENT)
			rc = io_error(err, "unlink", path);
	}
	closedir(d);
	if (!rc && rmdir(dir) < 0 && errno != ENOENT)
		rc = io_error(err, "rmdir", dir);
	return rc;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	while (n > 0) {
		ssize_t k = write(fd, q, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		q += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The directory part of path into buf (PATH_MAX). */
static void parent_dir(char *buf, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (n == 0) {
		strcpy(buf, slash ? "/" : ".");
		return;
	}
	memcpy(buf, path, n);
	buf[n] = 0;
}

int file_write_atomic(const char *path, const void *data, size_t len, larch_error_t *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return err_set(err, LARCH_STORAGE_ERROR, "path too long: %s", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return io_error(err, "create", tmp);
	int rc = LARCH_OK;
	if (write_all(fd, data, len) < 0)
		rc = io_error(err, "write", tmp);
	else if (fsync(fd) < 0)
		rc = io_error(err, "fsync", tmp);
	close(fd);
	if (!rc && rename(tmp, path) < 0)
		rc = io_error(err, "rename", tmp);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	parent_dir(dir, path);
	return dir_sync(dir, err);
}

int file_read_all(const char *path, size_t max, uint8_t **out, size_t *len,
		  larch_error_t *err)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? LARCH_DONE : io_error(err, "open", path);
	struct stat st;
	int rc = LARCH_OK;
	uint8_t *buf = NULL;
	if (fstat(fd, &st) < 0) {
		rc = io_error(err, "stat", path);
	} else if ((uint64_t)st.st_size > max) {
		rc = err_set(err, LARCH_CORRUPTED, "%s is %lld bytes, more than the %zu expected",
			     path, (long long)st.st_size, max);
	} else if (!(buf = mem_alloc((size_t)st.st_size + 1))) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory reading %s", path);
	} else {
		size_t got = 0, want = (size_t)st.st_size;
		while (got < want) {
			ssize_t k = read(fd, buf + got, want - got);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				rc = io_error(err, "read", path);
				break;
			}
			if (k == 0)
				break;
			got += (size_t)k;
		}
		*len = got;
	}
	close(fd);
	if (rc)
		mem_free(buf);
	else
		*out = buf;
	return rc;
}

/*---------------------------------------------------------------------------
 * Database directory names
 *---------------------------------------------------------------------------*/

static int name_plain(unsigned char c, int first)
{
	if (c == '.')
		return !first;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

char *dbname_encode(const char *name)
{
	size_t n = strlen(name);
	char *out = mem_alloc(3 * n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (name_plain(c, i == 0)) {
			*o++ = (char)c;
		} else {
			snprintf(o, 4, "%%%02X", c);
			o += 3;
		}
	}
	*o = 0;
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *dbname_decode(const char *enc)
{
	size_t n = strlen(enc);
	char *out = mem_alloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)enc[i];
		if (c == '%' && i + 2 < n && hexval(enc[i + 1]) >= 0 && hexval(enc[i + 2]) >= 0) {
			int v = hexval(enc[i + 1]) * 16 + hexval(enc[i + 2]);
			if (v == 0 || name_plain((unsigned char)v, o == out))
				goto bad; /* not the canonical encoding */
			*o++ = (char)v;
			i += 2;
		} else if (name_plain(c, i == 0)) {
			*o++ = (char)c;
		} else {
			goto bad;
		}
	}
	*o = 0;
	if (o == out)
		goto bad;
	return out;
bad:
	mem_free(out);
	return NULL;
}

/*---------------------------------------------------------------------------
 * Checkpoint
 *---------------------------------------------------------------------------*/

int checkpoint_read(const char *dir, uint64_t *lsn, larch_error_t *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, CHECKPOINT_NAME);
	uint8_t *p;
	size_t n;
	*lsn = 0;
	int rc = file_read_all(path, 4096, &p, &n, err);
	if (rc == LARCH_DONE)
		return LARCH_OK;
	if (rc)
		return rc;
	if (n != CHECKPOINT_SIZE || memcmp(p, "LarchCKP", 8) != 0 || load_be32(p + 8) != 1 ||
	    load_be32(p + 20) != (uint32_t)crc32(0, p, 20))
		rc = err_set(err, LARCH_CORRUPTED, "%s: not a valid checkpoint file", path);
	else
		*lsn = load_be64(p + 12);
	mem_free(p);
	return rc;
}

int checkpoint_write(const char *dir, uint64_t lsn, larch_error_t *err)
{
	char path[PATH_MAX];
	uint8_t p[CHECKPOINT_SIZE];
	snprintf(path, sizeof path, "%s/%s", dir, CHECKPOINT_NAME);
	memcpy(p, "LarchCKP", 8);
	store_be32(p + 8, 1);
	store_be64(p + 12, lsn);
	store_be32(p + 20, (uint32_t)crc32(0, p, 20));
	return file_write_atomic(path, p, sizeof p, err);
}

/*---------------------------------------------------------------------------
 * .mods2
 *---------------------------------------------------------------------------*/

static int meas_plain(const char *m)
{
	if (!*m)
		return 0;
	for (; *m; m++) {
		unsigned char c = (unsigned char)*m;
		if (!(c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

void mods_encode(buf_t *out, const char *device, const char *measurement, int64_t start,
		 int64_t end)
{
	buf_t path = BUF_INIT;
	buf_put(&path, device, strlen(device));
	buf_put_u8(&path, '.');
	if (meas_plain(measurement)) {
		buf_put(&path, measurement, strlen(measurement));
	} else {
		buf_put_u8(&path, '`');
		for (const char *m = measurement; *m; m++) {
			if (*m == '`')
				buf_put_u8(&path, '`');
			buf_put_u8(&path, (uint8_t)*m);
		}
		buf_put_u8(&path, '`');
	}
	buf_put_u8(out, MODS_TREE_DELETION);
	buf_put_be64(out, (uint64_t)start);
	buf_put_be64(out, (uint64_t)end);
	if (!buf_ok(&path))
		out->oom = 1;
	else
		buf_put_vstr(out, (const char *)path.data, path.len);
	buf_free(&path);
}

/* Split "device.measurement" (n bytes) at its last unquoted dot into a new
 * entry's strings; the measurement loses its back-quotes.  -1 if there is
 * no such dot or a quote is unterminated; -2 on out of memory. */
static int mods_split(const char *p, size_t n, smod_t *m)
{
	long dot = -1;
	int quoted = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '`') {
			if (quoted && i + 1 < n && p[i + 1] == '`')
				i++;
			else
				quoted = !quoted;
		} else if (p[i] == '.' && !quoted) {
			dot = (long)i;
		}
	}
	if (quoted || dot <= 0 || (size_t)dot + 1 >= n)
		return -1;
	char *s = mem_alloc(n + 2);
	if (!s)
		return -2;
	memcpy(s, p, (size_t)dot);
	s[dot] = 0;
	char *o = s + dot + 1;
	const char *q = p + dot + 1, *e = p + n;
	if (*q == '`' && e - q >= 2 && e[-1] == '`') {
		for (q++, e--; q < e; q++) {
			*o++ = *q;
			if (*q == '`')
				q++; /* `` stands for one quote */
		}
	} else {
		memcpy(o, q, (size_t)(e - q));
		o += e - q;
	}
	*o = 0;
	m->device = s;
	m->measurement = s + dot + 1;
	return 0;
}

static void mods_free(smod_t *mods, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mem_free(mods[i].device);
	mem_free(mods);
}

int mods_parse(const uint8_t *p, size_t len, smod_t **out, size_t *n, size_t *valid_len,
	       const char *path, larch_error_t *err)
{
	smod_t *mods = NULL;
	size_t cnt = 0, cap = 0, pos = 0;
	int rc = LARCH_OK;
	*out = NULL;
	*n = 0;
	while (pos < len) {
		rd_t r;
		rd_init(&r, p + pos, len - pos, pos);
		uint8_t type = rd_u8(&r);
		int64_t start = (int64_t)rd_be64(&r), end = (int64_t)rd_be64(&r);
		size_t sl = 0;
		int is_null = 0;
		const char *s = rd_vstr(&r, &sl, &is_null);
		if (type != MODS_TREE_DELETION) {
			rc = err_set(err, LARCH_CORRUPTED, "%s offset %zu: mod type %u is not a tree "
				     "deletion", path, pos, type);
			break;
		}
		if (!rd_ok(&r))
			break; /* torn tail */
		if (is_null) {
			rc = err_set(err, LARCH_CORRUPTED, "%s offset %zu: null path", path, pos);
			break;
		}
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 8;
			smod_t *m = mem_realloc(mods, nc * sizeof(*m));
			if (!m) {
				rc = err_set(err, LARCH_NO_MEMORY, "out of memory reading %s", path);
				break;
			}
			mods = m;
			cap = nc;
		}
		smod_t *m = &mods[cnt];
		int sp = mods_split(s, sl, m);
		if (sp == -2) {
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory reading %s", path);
			break;
		}
		pos += r.pos;
		if (sp == -1)
			continue; /* a pattern we did not write: matches no exact path */
		m->start = start;
		m->end = end;
		cnt++;
	}
	if (rc) {
		mods_free(mods, cnt);
		return rc;
	}
	*out = mods;
	*n = cnt;
	*valid_len = pos;
	return LARCH_OK;
}

void sfile_mods_path(char *buf, const char *tsfile_path)
{
	snprintf(buf, PATH_MAX, "%s.mods2", tsfile_path);
}

/* Load the .mods2 of f (cutting a torn tail). */
static int sfile_load_mods(sfile_t *f, larch_error_t *err)
{
	char path[PATH_MAX];
	sfile_mods_path(path, f->path);
	uint8_t *p;
	size_t len, valid;
	int rc = file_read_all(path, MODS_MAX_FILE, &p, &len, err);
	if (rc == LARCH_DONE)
		return LARCH_OK;
	if (rc)
		return rc;
	rc = mods_parse(p, len, &f->mods, &f->n_mods, &valid, path, err);
	f->cap_mods = f->n_mods;
	mem_free(p);
	if (!rc && valid < len && truncate(path, (off_t)valid) < 0)
		rc = io_error(err, "truncate", path);
	return rc;
}

/*---------------------------------------------------------------------------
 * TsFiles
 *---------------------------------------------------------------------------*/

int sfile_parse_name(const char *name, uint64_t *version, uint32_t *level)
{
	unsigned long long v, l;
	int used = 0;
	if (sscanf(name, "%20llu-%10llu.tsfile%n", &v, &l, &used) != 2 ||
	    (size_t)used != strlen(name) || l > UINT32_MAX || name[0] < '0' || name[0] > '9')
		return -1;
	*version = v;
	*level = (uint32_t)l;
	return 0;
}

/* Remove a file that holds nothing, with its .mods2. */
static void remove_with_mods(const char *path)
{
	char mp[PATH_MAX];
	sfile_mods_path(mp, path);
	unlink(path);
	unlink(mp);
}

/* Complete an unfinished TsFile with force-append; LARCH_DONE if it is too
 * short to hold anything (it is then removed). */
static int sfile_repair(const char *path, larch_error_t *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return io_error(err, "stat", path);
	if (st.st_size <= TSFILE_MAGIC_LEN + 1) {
		remove_with_mods(path);
		return LARCH_DONE;
	}
	tsfile_writer_t *w;
	int rc = tsfile_writer_open_append(path, NULL, &w, err);
	if (!rc)
		rc = tsfile_writer_close(w, err);
	if (rc)
		err_prefix(err, "repairing %s", path);
	return rc;
}

/* Memory of an open reader's index, estimated from its arrays and arena
 * (counted in the storage's reader_bytes against its budget). */
static uint64_t reader_size(const tsfile_reader_t *r)
{
	return arena_used(r->arena) + r->n_devices * sizeof(rdev_t) +
	       r->n_series * (sizeof(tsfile_series_info_t) + sizeof(rseries_t) + sizeof(rname_t));
}

static void reader_attach(sfile_t *f, tsfile_reader_t *r)
{
	f->reader = r;
	f->reader_bytes = reader_size(r);
	if (f->acct)
		atomic_fetch_add(f->acct, f->reader_bytes);
}

static void reader_detach(sfile_t *f)
{
	if (f->acct)
		atomic_fetch_sub(f->acct, f->reader_bytes);
	tsfile_reader_close(f->reader);
	f->reader = NULL;
	f->reader_bytes = 0;
}

/* A new sfile_t for path with one reference, no reader, its size from
 * the file system; NULL when out of memory. */
static sfile_t *sfile_alloc(const char *path, uint64_t version, uint32_t level, int unseq)
{
	sfile_t *f = mem_calloc(1, sizeof(*f));
	if (!f || !(f->path = mem_strdup(path))) {
		mem_free(f);
		return NULL;
	}
	atomic_init(&f->refs, 1);
	f->version = version;
	f->level = level;
	f->unseq = unseq;
	struct stat st;
	f->size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	return f;
}

int sfile_load(const char *path, uint64_t version, uint32_t level, int unseq, sfile_t **out,
	       larch_error_t *err)
{
	*out = NULL;
	tsfile_reader_t *r;
	larch_error_t first = {0};
	int rc = tsfile_reader_open(path, &r, &first);
	if (rc == LARCH_NO_MEMORY)
		return err_set(err, rc, "%s: %s", path, first.msg);
	if (rc) {
		rc = sfile_repair(path, err);
		if (rc == LARCH_DONE)
			return LARCH_OK;
		if (!rc && (rc = tsfile_reader_open(path, &r, err)))
			err_prefix(err, "%s after repair", path);
		if (rc)
			return rc;
	}
	size_t ns = tsfile_reader_series_count(r);
	if (ns == 0) {
		tsfile_reader_close(r);
		remove_with_mods(path);
		return LARCH_OK;
	}
	sfile_t *f = sfile_alloc(path, version, level, unseq);
	if (!f) {
		tsfile_reader_close(r);
		return err_set(err, LARCH_NO_MEMORY, "out of memory loading %s", path);
	}
	reader_attach(f, r);
	f->tmin = INT64_MAX;
	f->tmax = INT64_MIN;
	for (size_t i = 0; i < ns; i++) {
		const tsfile_series_info_t *si = tsfile_reader_series(r, i);
		if (si->stats.count == 0)
			continue;
		f->tmin = LR_MIN(f->tmin, si->stats.start_time);
		f->tmax = LR_MAX(f->tmax, si->stats.end_time);
	}
	if ((rc = sfile_load_mods(f, err))) {
		sfile_unref(f);
		return rc;
	}
	*out = f;
	return LARCH_OK;
}

int sfile_new(const char *path, uint64_t version, uint32_t level, int unseq, int64_t tmin,
	      int64_t tmax, sfile_t **out, larch_error_t *err)
{
	if (!(*out = sfile_alloc(path, version, level, unseq)))
		return err_set(err, LARCH_NO_MEMORY, "out of memory publishing %s", path);
	(*out)->tmin = tmin;
	(*out)->tmax = tmax;
	return LARCH_OK;
}

void sfile_account(sfile_t *f, _Atomic uint64_t *acct)
{
	f->acct = acct;
	if (f->reader)
		atomic_fetch_add(acct, f->reader_bytes);
}

int sfile_reader_open(sfile_t *f, larch_error_t *err)
{
	if (f->reader)
		return LARCH_OK;
	tsfile_reader_t *r;
	int rc = tsfile_reader_open(f->path, &r, err);
	if (rc) {
		err_prefix(err, "reopening %s", f->path);
		return rc;
	}
	reader_attach(f, r);
	return LARCH_OK;
}

uint64_t sfile_reader_close_idle(sfile_t *f, int owners)
{
	uint64_t bytes = f->reader_bytes;
	if (!f->reader || atomic_load(&f->refs) != owners)
		return 0;
	reader_detach(f);
	return bytes;
}

void sfile_ref(sfile_t *f)
{
	static _Atomic uint64_t use_clock;
	atomic_fetch_add(&f->refs, 1);
	f->last_use = atomic_fetch_add(&use_clock, 1) + 1;
	if (!f->reader)
		sfile_reader_open(f, NULL); /* failure: see storage_int.h */
}

void sfile_unref(sfile_t *f)
{
	if (!f || atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (f->reader)
		reader_detach(f);
	mods_free(f->mods, f->n_mods);
	mem_free(f->path);
	mem_free(f);
}

int mods_append_file(const char *tsfile_path, const smod_t *mods, size_t n,
		     larch_error_t *err)
{
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		mods_encode(&b, mods[i].device, mods[i].measurement, mods[i].start, mods[i].end);
	if (!buf_ok(&b)) {
		buf_free(&b);
		return err_set(err, LARCH_NO_MEMORY, "out of memory adding deletions");
	}
	char path[PATH_MAX], dir[PATH_MAX];
	sfile_mods_path(path, tsfile_path);
	int rc = LARCH_OK, created = access(path, F_OK) != 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		rc = io_error(err, "open", path);
	if (!rc && write_all(fd, b.data, b.len) < 0)
		rc = io_error(err, "write", path);
	if (!rc && fsync(fd) < 0)
		rc = io_error(err, "fsync", path);
	if (fd >= 0)
		close(fd);
	if (!rc && created) {
		parent_dir(dir, tsfile_path);
		rc = dir_sync(dir, err);
	}
	buf_free(&b);
	return rc;
}

int sfile_add_mods(sfile_t *f, const smod_t *mods, size_t n, larch_error_t *err)
{
	if (n == 0)
		return LARCH_OK;
	/* memory first, so that a durable entry is always also in f->mods */
	if (f->cap_mods - f->n_mods < n) {
		size_t cap = f->cap_mods ? f->cap_mods : 8;
		while (cap - f->n_mods < n)
			cap *= 2;
		smod_t *m = mem_realloc(f->mods, cap * sizeof(*m));
		if (!m)
			return err_set(err, LARCH_NO_MEMORY, "out of memory adding deletions");
		f->mods = m;
		f->cap_mods = cap;
	}
	smod_t *fresh = f->mods + f->n_mods;
	size_t made = 0;
	for (; made < n; made++) {
		size_t dl = strlen(mods[made].device), ml = strlen(mods[made].measurement);
		char *s = mem_alloc(dl + ml + 2);
		if (!s)
			break;
		memcpy(s, mods[made].device, dl + 1);
		memcpy(s + dl + 1, mods[made].measurement, ml + 1);
		fresh[made] = (smod_t){s, s + dl + 1, mods[made].start, mods[made].end};
	}
	int rc = made < n ? err_set(err, LARCH_NO_MEMORY, "out of memory adding deletions")
			  : mods_append_file(f->path, mods, n, err);
	if (rc) {
		for (size_t i = 0; i < made; i++)
			mem_free(fresh[i].device);
		return rc;
	}
	f->n_mods += n;
	return LARCH_OK;
}

int sfile_mod_ranges(const sfile_t *f, const char *device, const char *measurement,
		     int64_t **iv, size_t *n, size_t *cap)
{
	if (!f->reader)
		return LARCH_NO_MEMORY; /* sfile_ref could not open it */
	for (size_t i = 0; i < f->n_mods; i++) {
		const smod_t *m = &f->mods[i];
		if (strcmp(m->measurement, measurement) || strcmp(m->device, device))
			continue;
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 8;
			int64_t *p = mem_realloc(*iv, c * 2 * sizeof(int64_t));
			if (!p)
				return LARCH_NO_MEMORY;
			*iv = p;
			*cap = c;
		}
		(*iv)[2 * *n] = m->start;
		(*iv)[2 * *n + 1] = m->end;
		(*n)++;
	}
	return LARCH_OK;
}

int sfile_has_mod(const sfile_t *f, const char *device, const char *measurement, int64_t start,
		  int64_t end)
{
	for (size_t i = 0; i < f->n_mods; i++) {
		const smod_t *m = &f->mods[i];
		if (m->start == start && m->end == end && !strcmp(m->measurement, measurement) &&
		    !strcmp(m->device, device))
			return 1;
	}
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	int64_t x = ((const int64_t *)a)[0], y = ((const int64_t *)b)[0];
	return (x > y) - (x < y);
}

/* 1 if the union of the n ranges iv covers [lo, hi]. */
static int ranges_cover(int64_t *iv, size_t n, int64_t lo, int64_t hi)
{
	qsort(iv, n, 2 * sizeof(int64_t), range_cmp);
	int64_t need = lo; /* everything below need is covered */
	for (size_t i = 0; i < n; i++) {
		if (iv[2 * i] > need)
			return 0;
		if (iv[2 * i + 1] >= hi)
			return 1;
		if (iv[2 * i + 1] >= need)
			need = iv[2 * i + 1] + 1;
	}
	return 0;
}

int sfile_all_deleted(const sfile_t *f)
{
	if (f->n_mods == 0)
		return 0;
	int64_t *iv = NULL;
	size_t cap = 0;
	int all = 1;
	for (size_t i = 0; all && i < tsfile_reader_series_count(f->reader); i++) {
		const tsfile_series_info_t *si = tsfile_reader_series(f->reader, i);
		size_t n = 0;
		if (si->stats.count == 0)
			continue;
		if (sfile_mod_ranges(f, si->device, si->measurement, &iv, &n, &cap))
			all = 0; /* out of memory: keep the file */
		else
			all = n && ranges_cover(iv, n, si->stats.start_time, si->stats.end_time);
	}
	mem_free(iv);
	return all;
}

void sfile_remove(sfile_t *f)
{
	if (f->removed)
		return;
	f->removed = 1;
	remove_with_mods(f->path);
}
