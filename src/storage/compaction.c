/*
 * compaction.c — merging TsFiles of a partition, TTL expiry of whole files,
 * and the compaction log that makes a merge crash-safe.
 *
 * Policy (per partition, files with a version below every memtable of the
 * partition still waiting to be flushed):
 *   cross   when there are at least compaction_unseq_files unsequence
 *           files: merge all those files, sequence and unsequence, into one
 *           sequence file;
 *   inner   else, a run of at least compaction_min_files sequence files
 *           smaller than compaction_small_bytes, consecutive in version
 *           order with no other file between them (at most 64 at once),
 *           is merged into one.
 * Either way the inputs form a contiguous range of versions with nothing
 * else (file or memtable) inside it, so the output can take the largest
 * input version without changing what any read returns: for every point
 * the inputs hold, the sources outside the range rank either below all of
 * them or above all of them.  Inputs are read with the read path (versions,
 * deletions and TTL applied) and written as "<version>-<level>.tsfile" in
 * seq/, level = the largest input level + 1.
 *
 * Crash safety.  The partition directory holds compaction.log while a merge
 * runs (written with tmp + fsync + rename):
 *
 *   larch-compaction 1
 *   output seq/<version>-<level>.tsfile
 *   input <seq|unseq>/<version>-<level>.tsfile       (one line per input)
 *
 * The output is written as "<output>.tmp", closed (fsync).  Committing,
 * under the partition lock: deletions recorded on the inputs since the
 * merge began are written to "<output>.mods2" (fsync); the tmp file is
 * renamed to its final name (the commit point) and the directory fsync'd;
 * the partition swaps inputs for the output.  Then the inputs and their
 * .mods2 are unlinked, and the log last.  On open (compaction_recover): if
 * the log names an output that exists, the merge committed and any input
 * still there is removed; otherwise the tmp output and its .mods2 are
 * removed and the inputs stay.  Either way no point is lost or doubled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "storage/storage_int.h"

#define LOG_NAME "compaction.log"
#define LOG_MAGIC "larch-compaction 1"
#define MAX_INPUTS 64

/*---------------------------------------------------------------------------
 * The log
 *---------------------------------------------------------------------------*/

/* Name of file f relative to its partition: "seq/..." or "unseq/...". */
static const char *rel_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return path;
	const char *p = slash;
	while (p > path && p[-1] != '/')
		p--;
	return p;
}

static void remove_pair(const char *path)
{
	char mp[PATH_MAX];
	sfile_mods_path(mp, path);
	unlink(path);
	unlink(mp);
}

/* 1 if rel is "seq/<version>-<level>.tsfile" or the same under unseq/:
 * a log is only trusted to name files of its own partition. */
static int rel_valid(const char *rel)
{
	uint64_t v;
	uint32_t l;
	const char *name = NULL;
	if (!strncmp(rel, "seq/", 4))
		name = rel + 4;
	else if (!strncmp(rel, "unseq/", 6))
		name = rel + 6;
	return name && !sfile_parse_name(name, &v, &l);
}

int compaction_recover(const char *dir, larch_error_t *err)
{
	char path[PATH_MAX], f[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, LOG_NAME);
	uint8_t *text;
	size_t len;
	int rc = file_read_all(path, 1 << 20, &text, &len, err);
	if (rc == LARCH_DONE)
		return LARCH_OK;
	if (rc)
		return rc;
	text[len] = 0; /* file_read_all leaves room for it */
	char *save = NULL, *line = strtok_r((char *)text, "\n", &save);
	const char *output = NULL;
	int ok = line && !strcmp(line, LOG_MAGIC);
	if (ok && (line = strtok_r(NULL, "\n", &save)) && !strncmp(line, "output ", 7) &&
	    rel_valid(line + 7))
		output = line + 7;
	if (ok && output) {
		snprintf(f, sizeof f, "%s/%s", dir, output);
		int committed = access(f, F_OK) == 0;
		if (committed) {
			while ((line = strtok_r(NULL, "\n", &save)))
				if (!strncmp(line, "input ", 6) && rel_valid(line + 6) &&
				    strcmp(line + 6, output)) {
					snprintf(f, sizeof f, "%s/%s", dir, line + 6);
					remove_pair(f);
				}
		} else {
			char tmp[PATH_MAX];
			snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, output);
			unlink(tmp);
			remove_pair(f);
		}
	}
	/* a log without a (valid) output line never reached the point of
	 * writing one: the inputs are intact */
	mem_free(text);
	unlink(path);
	return dir_sync(dir, err);
}

static int log_write(spart_t *p, sfile_t **in, size_t n, const char *out_rel,
		     larch_error_t *err)
{
	buf_t b = BUF_INIT;
	char path[PATH_MAX];
	buf_put(&b, LOG_MAGIC "\noutput ", strlen(LOG_MAGIC) + 8);
	buf_put(&b, out_rel, strlen(out_rel));
	buf_put_u8(&b, '\n');
	for (size_t i = 0; i < n; i++) {
		const char *r = rel_name(in[i]->path);
		buf_put(&b, "input ", 6);
		buf_put(&b, r, strlen(r));
		buf_put_u8(&b, '\n');
	}
	snprintf(path, sizeof path, "%s/%s", p->dir, LOG_NAME);
	int rc = buf_ok(&b) ? file_write_atomic(path, b.data, b.len, err)
			    : err_set(err, LARCH_NO_MEMORY, "out of memory writing the compaction log");
	buf_free(&b);
	return rc;
}

static void log_remove(spart_t *p)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", p->dir, LOG_NAME);
	unlink(path);
	dir_sync(p->dir, NULL);
}

/*---------------------------------------------------------------------------
 * Selection
 *---------------------------------------------------------------------------*/

static int stopping(storage_t *s)
{
	pthread_mutex_lock(&s->lock);
	int v = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* Pick inputs in p (part lock held): referenced into in[], *n. */
static void select_inputs(storage_t *s, spart_t *p, sfile_t **in, size_t *n)
{
	*n = 0;
	if (p->dropped || p->compacting)
		return;
	uint64_t limit = UINT64_MAX;
	for (size_t i = 0; i < p->n_sealed; i++)
		limit = LR_MIN(limit, p->sealed[i]->version);
	size_t elig = 0, n_unseq = 0;
	while (elig < p->n_files && p->files[elig]->version < limit) {
		n_unseq += p->files[elig]->unseq;
		elig++;
	}
	if (n_unseq >= s->opt.compaction_unseq_files) {
		size_t k = LR_MIN(elig, (size_t)MAX_INPUTS);
		/* all of them, or (more than MAX_INPUTS) the oldest MAX_INPUTS:
		 * still a contiguous range */
		for (size_t i = 0; i < k; i++)
			in[(*n)++] = p->files[i];
	} else {
		size_t run = 0;
		for (size_t i = 0; i <= elig; i++) {
			const sfile_t *f = i < elig ? p->files[i] : NULL;
			if (f && !f->unseq && f->size < s->opt.compaction_small_bytes && run < MAX_INPUTS) {
				run++;
				continue;
			}
			if (run >= s->opt.compaction_min_files) {
				for (size_t k = i - run; k < i; k++)
					in[(*n)++] = p->files[k];
				break;
			}
			run = f && !f->unseq && f->size < s->opt.compaction_small_bytes;
		}
	}
	for (size_t i = 0; i < *n; i++)
		sfile_ref(in[i]);
	if (*n)
		p->compacting = 1;
}

/*---------------------------------------------------------------------------
 * The merge
 *---------------------------------------------------------------------------*/

/* A series of the output: the newest input's definition wins. */
typedef struct oser {
	const char *measurement;
	tsfile_type_t type;
	tsfile_encoding_t encoding;
	tsfile_codec_t codec;
} oser_t;

typedef struct odev {
	const char *path;
	int aligned;
	oser_t *ser;
	size_t n, cap;
} odev_t;

typedef struct oplan {
	odev_t *devs;
	size_t n, cap;
	hmap_t map;           /* path -> index + 1 */
} oplan_t;

static void oplan_free(oplan_t *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		mem_free(pl->devs[i].ser);
	mem_free(pl->devs);
	hmap_free(&pl->map);
}

static int oplan_add(oplan_t *pl, const tsfile_series_info_t *si)
{
	uintptr_t ix = (uintptr_t)hmap_get_str(&pl->map, si->device);
	if (!ix) {
		if (pl->n == pl->cap) {
			size_t c = pl->cap ? pl->cap * 2 : 16;
			odev_t *d = mem_realloc(pl->devs, c * sizeof(*d));
			if (!d)
				return LARCH_NO_MEMORY;
			pl->devs = d;
			pl->cap = c;
		}
		memset(&pl->devs[pl->n], 0, sizeof(odev_t));
		pl->devs[pl->n].path = si->device;
		if (hmap_put_str(&pl->map, si->device, (void *)(uintptr_t)(pl->n + 1)))
			return LARCH_NO_MEMORY;
		ix = ++pl->n;
	}
	odev_t *d = &pl->devs[ix - 1];
	d->aligned = si->aligned; /* inputs come oldest first: the newest wins */
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->ser[i].measurement, si->measurement))
			continue;
		d->ser[i] = (oser_t){si->measurement, si->type, si->encoding, si->codec};
		return LARCH_OK;
	}
	if (d->n == d->cap) {
		size_t c = d->cap ? d->cap * 2 : 8;
		oser_t *s = mem_realloc(d->ser, c * sizeof(*s));
		if (!s)
			return LARCH_NO_MEMORY;
		d->ser = s;
		d->cap = c;
	}
	d->ser[d->n++] = (oser_t){si->measurement, si->type, si->encoding, si->codec};
	return LARCH_OK;
}

static int odev_cmp(const void *a, const void *b)
{
	return strcmp(((const odev_t *)a)->path, ((const odev_t *)b)->path);
}

/* Copy the series of one device from the inputs into the writer. */
static int merge_device(storage_t *s, spart_t *p, sfile_t **in, size_t n_in, const odev_t *d,
			int64_t cut, tsfile_writer_t *w, uint64_t *points, larch_error_t *err)
{
	size_t ns = d->aligned ? d->n : 1;
	storage_series_ref_t *refs = mem_calloc(d->n, sizeof(*refs));
	tsfile_measurement_t *ms = mem_calloc(d->n, sizeof(*ms));
	tsfile_column_t *cols = mem_calloc(d->n, sizeof(*cols));
	int rc = refs && ms && cols ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t i = 0; !rc && i < d->n; i++) {
		refs[i] = (storage_series_ref_t){d->path, 0, d->ser[i].measurement, d->ser[i].type};
		ms[i] = (tsfile_measurement_t){d->ser[i].measurement, d->ser[i].type,
					       (int)d->ser[i].encoding, (int)d->ser[i].codec, -1};
	}
	for (size_t first = 0; !rc && first < d->n; first += ns) {
		storage_cursor_t *c;
		if ((rc = cursor_open_files(s, p, in, n_in, d->path, refs + first, ns, cut, INT64_MAX,
					    &c, err)))
			break;
		const storage_block_t *b;
		int registered = 0;
		while (!rc && (rc = storage_cursor_next(c, &b, err)) == LARCH_OK) {
			if (!registered) {
				rc = d->aligned ? tsfile_writer_register_aligned(w, d->path, ms, ns, err)
						: tsfile_writer_register(w, d->path, &ms[first], err);
				registered = 1;
			}
			for (size_t k = 0; k < ns; k++)
				cols[k] = (tsfile_column_t){ms[first + k].name, ms[first + k].type,
							    b->columns[k].values, b->columns[k].nulls};
			tsfile_tablet_t tb = {d->path, b->n_rows, b->times, ns, cols};
			if (!rc)
				rc = tsfile_writer_write_tablet(w, &tb, err);
			*points += b->n_rows;
		}
		if (rc == LARCH_DONE)
			rc = LARCH_OK;
		storage_cursor_free(c);
		if (!rc && stopping(s))
			rc = err_set(err, LARCH_EXECUTE_ERROR, "compaction stopped: closing");
	}
	if (!rc)
		rc = tsfile_writer_flush(w, err);
	mem_free(refs);
	mem_free(ms);
	mem_free(cols);
	return rc;
}

/* Write the merged inputs to tmp; *points = rows written. */
static int merge_write(storage_t *s, spart_t *p, sfile_t **in, size_t n, const char *tmp,
		       uint64_t *points, larch_error_t *err)
{
	oplan_t pl;
	memset(&pl, 0, sizeof pl);
	int rc = LARCH_OK;
	for (size_t i = 0; !rc && i < n; i++) {
		const tsfile_reader_t *r = in[i]->reader;
		for (size_t k = 0; !rc && k < tsfile_reader_series_count(r); k++)
			if (oplan_add(&pl, tsfile_reader_series(r, k)))
				rc = err_set(err, LARCH_NO_MEMORY, "out of memory planning a compaction");
	}
	pthread_mutex_lock(&s->lock);
	int64_t cut = storage_ttl_cut(s, p->db);
	pthread_mutex_unlock(&s->lock);
	tsfile_writer_t *w = NULL;
	if (!rc) {
		qsort(pl.devs, pl.n, sizeof(*pl.devs), odev_cmp);
		rc = tsfile_writer_open(tmp, &s->opt.tsfile, &w, err);
	}
	for (size_t i = 0; !rc && i < pl.n; i++)
		rc = merge_device(s, p, in, n, &pl.devs[i], cut, w, points, err);
	oplan_free(&pl);
	if (!w)
		return rc;
	if (rc) {
		tsfile_writer_abort(w);
		return rc;
	}
	return tsfile_writer_close(w, err);
}

/* Deletions added to the inputs since the merge began (n_mods0), as
 * entries for the output (part lock held). */
static int new_deletions(sfile_t **in, const size_t *n_mods0, size_t n, smod_t **out,
			 size_t *n_out)
{
	size_t cnt = 0;
	for (size_t i = 0; i < n; i++)
		cnt += in[i]->n_mods - n_mods0[i];
	*out = NULL;
	*n_out = 0;
	if (!cnt)
		return LARCH_OK;
	smod_t *m = mem_alloc(cnt * sizeof(*m));
	if (!m)
		return LARCH_NO_MEMORY;
	for (size_t i = 0; i < n; i++)
		for (size_t k = n_mods0[i]; k < in[i]->n_mods; k++)
			m[(*n_out)++] = in[i]->mods[k];
	*out = m;
	return LARCH_OK;
}

/* Swap the inputs for the output (committed on disk by the rename). */
static int commit(storage_t *s, spart_t *p, sfile_t **in, size_t n, const size_t *n_mods0,
		  const char *tmp, const char *final, uint64_t version, uint32_t level, int wrote,
		  larch_error_t *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/seq", p->dir);
	pthread_mutex_lock(&p->lock);
	int rc = p->dropped ? err_set(err, LARCH_EXECUTE_ERROR, "partition dropped") : LARCH_OK;
	for (size_t i = 0; !rc && i < n; i++) {
		size_t k = 0;
		while (k < p->n_files && p->files[k] != in[i])
			k++;
		if (k == p->n_files)
			rc = err_set(err, LARCH_EXECUTE_ERROR, "an input was removed meanwhile");
	}
	sfile_t *out = NULL;
	if (!rc && wrote) {
		smod_t *mods;
		size_t nm;
		if (new_deletions(in, n_mods0, n, &mods, &nm))
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory committing a compaction");
		if (!rc && nm)
			rc = mods_append_file(final, mods, nm, err);
		mem_free(mods);
		if (!rc && rename(tmp, final) < 0)
			rc = err_set(err, LARCH_STORAGE_ERROR, "rename %s: %s", tmp, strerror(errno));
		if (!rc)
			rc = dir_sync(dir, err);
		if (!rc && !(rc = sfile_load(final, version, level, 0, &out, err)) && out)
			sfile_account(out, &s->reader_bytes);
		if (!rc && out && spart_add_file(p, out))
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory committing a compaction");
		if (!rc && out)
			storage_reader_park(s, out);
	}
	if (!rc)
		for (size_t i = 0; i < n; i++) {
			sfile_remove(in[i]);
			spart_drop_file(p, in[i]);
		}
	pthread_mutex_unlock(&p->lock);
	sfile_unref(out);
	return rc;
}

/* Merge the inputs of p (referenced; released here). */
static int merge(storage_t *s, spart_t *p, sfile_t **in, size_t n, larch_error_t *err)
{
	uint64_t version = 0;
	uint32_t level = 0;
	size_t *n_mods0 = mem_alloc(n * sizeof(*n_mods0));
	char rel[64], final[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
	int rc = n_mods0 ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory compacting");
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; n_mods0 && i < n; i++) {
		version = LR_MAX(version, in[i]->version);
		level = LR_MAX(level, in[i]->level);
		n_mods0[i] = in[i]->n_mods;
		/* select_inputs' reference opened the reader unless that failed */
		if (!rc && (rc = sfile_reader_open(in[i], err)))
			break;
	}
	pthread_mutex_unlock(&p->lock);
	level++;
	snprintf(rel, sizeof rel, "seq/%llu-%u.tsfile", (unsigned long long)version, level);
	if ((size_t)snprintf(final, sizeof final, "%s/%s", p->dir, rel) >= sizeof final ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s.tmp", final) >= sizeof tmp)
		rc = err_set(err, LARCH_STORAGE_ERROR, "path too long under %s", p->dir);
	uint64_t points = 0;
	if (!rc)
		rc = spart_side_dir(p, 0, dir, err);
	if (!rc)
		rc = log_write(p, in, n, rel, err);
	if (!rc)
		rc = merge_write(s, p, in, n, tmp, &points, err);
	if (!rc)
		rc = commit(s, p, in, n, n_mods0, tmp, final, version, level, points > 0, err);
	if (rc) {
		unlink(tmp);
		remove_pair(final);
	} else {
		if (!points)
			unlink(tmp); /* everything was deleted: no output */
		atomic_fetch_add(&s->st_compactions, 1);
	}
	log_remove(p);
	pthread_mutex_lock(&p->lock);
	p->compacting = 0;
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < n; i++)
		sfile_unref(in[i]);
	mem_free(n_mods0);
	return rc;
}

/*---------------------------------------------------------------------------
 * TTL and the pass
 *---------------------------------------------------------------------------*/

/* Remove the files of p whose every point is older than the TTL cut. */
static int ttl_expire(storage_t *s, spart_t *p, larch_error_t *err)
{
	pthread_mutex_lock(&s->lock);
	int64_t cut = storage_ttl_cut(s, p->db);
	pthread_mutex_unlock(&s->lock);
	if (cut == INT64_MIN)
		return LARCH_OK;
	int removed = 0;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; !p->compacting && i < p->n_files;) {
		sfile_t *f = p->files[i];
		if (f->tmax >= cut) {
			i++;
			continue;
		}
		sfile_remove(f);
		spart_drop_file(p, f);
		removed = 1;
	}
	pthread_mutex_unlock(&p->lock);
	int rc = LARCH_OK;
	char dir[PATH_MAX];
	for (int side = 0; removed && !rc && side < 2; side++) {
		snprintf(dir, sizeof dir, "%s/%s", p->dir, side ? "unseq" : "seq");
		if (access(dir, F_OK) == 0)
			rc = dir_sync(dir, err);
	}
	return rc;
}

int compaction_pass(storage_t *s, size_t *done, larch_error_t *err)
{
	spart_t **ps;
	size_t np;
	int rc = storage_parts_all(s, NULL, &ps, &np, err);
	if (rc)
		return rc;
	sfile_t *in[MAX_INPUTS];
	for (size_t i = 0; !rc && i < np; i++) {
		spart_t *p = ps[i];
		rc = ttl_expire(s, p, err);
		for (int round = 0; !rc && round < 16 && !stopping(s); round++) {
			size_t n;
			pthread_mutex_lock(&p->lock);
			select_inputs(s, p, in, &n);
			pthread_mutex_unlock(&p->lock);
			if (!n)
				break;
			if (!(rc = merge(s, p, in, n, err)))
				(*done)++;
			else if (rc == LARCH_EXECUTE_ERROR)
				rc = LARCH_OK; /* lost a race with a drop or deletion: fine */
		}
	}
	storage_parts_release(ps, np);
	return rc;
}

void *compaction_main(void *arg)
{
	storage_t *s = arg;
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		cond_wait_ms(&s->compact_cond, &s->lock, s->opt.compaction_interval_ms);
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->lock);
		larch_error_t err = {0};
		size_t done = 0;
		pthread_mutex_lock(&s->compact_lock);
		compaction_pass(s, &done, &err); /* failures are retried next time */
		pthread_mutex_unlock(&s->compact_lock);
		storage_readers_trim(s); /* compaction opened its inputs' readers */
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}
