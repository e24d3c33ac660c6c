/*
 * flush.c — sealing memtables and writing them to TsFiles.
 *
 * Generations.  Sealing is global: with the gate closed (no write in
 * progress), every non-empty memtable being written, in every partition,
 * is sealed at once into the pending generation, and the WAL's last LSN is
 * noted.  Each sealed memtable gets the next version (the order of sealing
 * is the priority order of the read path).  The flusher thread writes the
 * generation's memtables to TsFiles one by one, publishing each file (and
 * dropping its memtable) as soon as it is complete.  When all are written
 * the generation is committed: the checkpoint file records its LSN (every
 * WAL record up to it is now in TsFiles) and the WAL deletes the segments
 * before it.  Only one generation is pending at a time; writers go on
 * filling new memtables meanwhile, and wait only when memtables exceed
 * their share of the memory budget.
 *
 * Why global: a WAL record is then either wholly before a commit's LSN (in
 * files) or wholly after (replayed), so recovery never needs to know which
 * memtable a record went to.  A crash in the middle of a generation leaves
 * some of its files complete (or one unfinished, repaired on open); their
 * records are replayed anyway into memtables with higher versions, which
 * hold the same points or later writes, so the duplicates are harmless and
 * disappear in compaction.
 *
 * A file.  The memtable's devices are written in path order, one chunk
 * group each (tsfile_writer_flush after every device): aligned devices as
 * one tablet of their rows (mt_group_rows: sorted, last write per time,
 * deletions made before the flush started applied, expired points
 * dropped), non-aligned devices one tablet per series.  Deletions made to
 * the memtable while it was being written go to the new file's .mods2
 * before it is published.  The file is written under its final name
 * "<version>-0.tsfile" in the partition's seq/ or unseq/ directory, closed
 * (fsync) and its directory fsync'd before it is published.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <time.h>
#include <unistd.h>

#include "storage/storage_int.h"

/*---------------------------------------------------------------------------
 * The gate
 *---------------------------------------------------------------------------*/

void gate_enter(storage_t *s)
{
	pthread_mutex_lock(&s->gate_lock);
	while (s->gate_closed)
		pthread_cond_wait(&s->gate_cond, &s->gate_lock);
	s->gate_writers++;
	pthread_mutex_unlock(&s->gate_lock);
}

void gate_leave(storage_t *s)
{
	pthread_mutex_lock(&s->gate_lock);
	if (--s->gate_writers == 0 && s->gate_closed)
		pthread_cond_broadcast(&s->gate_cond);
	pthread_mutex_unlock(&s->gate_lock);
}

void gate_close(storage_t *s)
{
	pthread_mutex_lock(&s->gate_lock);
	while (s->gate_closed)
		pthread_cond_wait(&s->gate_cond, &s->gate_lock);
	s->gate_closed = 1;
	while (s->gate_writers > 0)
		pthread_cond_wait(&s->gate_cond, &s->gate_lock);
	pthread_mutex_unlock(&s->gate_lock);
}

void gate_open(storage_t *s)
{
	pthread_mutex_lock(&s->gate_lock);
	s->gate_closed = 0;
	pthread_cond_broadcast(&s->gate_cond);
	pthread_mutex_unlock(&s->gate_lock);
}

void flush_wake(storage_t *s)
{
	pthread_cond_signal(&s->flush_cond);
}

/*---------------------------------------------------------------------------
 * Sealing
 *---------------------------------------------------------------------------*/

static int grow_ptrs(void ***arr, size_t *cap, size_t need)
{
	if (need <= *cap)
		return LARCH_OK;
	size_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	void **p = mem_realloc(*arr, c * sizeof(*p));
	if (!p)
		return LARCH_NO_MEMORY;
	*arr = p;
	*cap = c;
	return LARCH_OK;
}

/* Partitions of every database (s->lock held); *n partitions, borrowed. */
static spart_t **all_parts_locked(storage_t *s, size_t *n)
{
	size_t cnt = 0, k = 0;
	for (uint32_t i = 0; i < s->dbs.cap; i++)
		if (s->dbs.slots[i].val)
			cnt += ((sdb_t *)s->dbs.slots[i].val)->parts.n;
	spart_t **ps = mem_alloc((cnt ? cnt : 1) * sizeof(*ps));
	if (!ps)
		return NULL;
	for (uint32_t i = 0; i < s->dbs.cap; i++) {
		sdb_t *db = s->dbs.slots[i].val;
		for (uint32_t j = 0; db && j < db->parts.cap; j++)
			if (db->parts.slots[j].val)
				ps[k++] = db->parts.slots[j].val;
	}
	*n = k;
	return ps;
}

/* Seal under the closed gate and s->lock: first make room everywhere (so
 * that the seal is all or nothing), then move the memtables. */
static int seal_locked(storage_t *s)
{
	size_t n, total = 0;
	spart_t **ps = all_parts_locked(s, &n);
	if (!ps)
		return LARCH_NO_MEMORY;
	int rc = LARCH_OK;
	for (size_t i = 0; !rc && i < n; i++) {
		spart_t *p = ps[i];
		pthread_mutex_lock(&p->lock);
		size_t k = (p->work[0] && p->work[0]->n_devs) + (p->work[1] && p->work[1]->n_devs);
		rc = grow_ptrs((void ***)&p->sealed, &p->cap_sealed, p->n_sealed + k);
		pthread_mutex_unlock(&p->lock);
		total += k;
	}
	if (!rc)
		rc = grow_ptrs((void ***)&s->gen, &s->cap_gen, total);
	for (size_t i = 0; !rc && i < n; i++) {
		spart_t *p = ps[i];
		pthread_mutex_lock(&p->lock);
		for (int side = 0; side < 2; side++) {
			memtable_t *mt = p->work[side];
			if (!mt || !mt->n_devs)
				continue;
			mt->version = s->next_version++;
			atomic_fetch_sub(&s->mt_working, mt->bytes);
			p->sealed[p->n_sealed++] = mt;
			p->work[side] = NULL;
			mt_ref(mt);
			s->gen[s->n_gen++] = mt;
			for (size_t d = 0; side == 0 && d < mt->n_devs; d++)
				spart_raise_seqmax(p, mt->dev_list[d]->path, mt->dev_list[d]->tmax);
		}
		pthread_mutex_unlock(&p->lock);
	}
	mem_free(ps);
	return rc;
}

void flush_seal(storage_t *s)
{
	gate_close(s);
	pthread_mutex_lock(&s->lock);
	if (s->n_gen == 0) {
		uint64_t tickets = s->flush_tickets;
		if (seal_locked(s)) {
			s->flush_rc = err_set(&s->flush_err, LARCH_NO_MEMORY,
					      "out of memory sealing memtables");
			s->flush_attempts++;
			pthread_cond_broadcast(&s->flush_done);
		} else {
			wal_stats_t ws = {0};
			if (s->wal)
				wal_stats(s->wal, &ws);
			s->gen_lsn = s->replaying ? s->replay_lsn : ws.last_lsn;
			s->gen_tickets = tickets;
			s->flush_rc = 0; /* an earlier failed seal is moot */
		}
		if (s->n_gen == 0 && !s->flush_rc) {
			/* nothing was there to seal: those requests are served, and
			 * (the gate being closed) every record logged so far is
			 * reflected in files */
			wal_stats_t ws = {0};
			if (s->wal && !s->replaying) {
				wal_stats(s->wal, &ws);
				s->idle_lsn = ws.last_lsn;
			}
			if (s->flush_served < tickets) {
				s->flush_served = tickets;
				pthread_cond_broadcast(&s->flush_done);
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
	gate_open(s);
}

/*---------------------------------------------------------------------------
 * Writing one memtable
 *---------------------------------------------------------------------------*/

static int dev_cmp(const void *a, const void *b)
{
	return strcmp((*(mt_dev_t *const *)a)->path, (*(mt_dev_t *const *)b)->path);
}

typedef struct fwriter {
	const char *path;
	const tsfile_config_t *cfg;
	tsfile_writer_t *w;       /* opened at the first row */
	int64_t tmin, tmax;       /* times of the rows written */
	uint64_t pending;         /* cells buffered in the writer since its last flush */
} fwriter_t;

/* Seal the writer's buffered chunk groups once this many cells (rows x
 * columns) are buffered.  Not after every device: each writer flush sorts
 * and visits every device of the file, which is quadratic with many small
 * devices. */
#define FW_FLUSH_CELLS ((uint64_t)1 << 20)

/* Write a tablet of n >= 1 rows (times ascending) and widen the span. */
static int fw_write(fwriter_t *fw, const tsfile_tablet_t *tb, larch_error_t *err)
{
	fw->tmin = LR_MIN(fw->tmin, tb->times[0]);
	fw->tmax = LR_MAX(fw->tmax, tb->times[tb->n_rows - 1]);
	fw->pending += (uint64_t)tb->n_rows * tb->n_columns;
	return tsfile_writer_write_tablet(fw->w, tb, err);
}

static int fw_open(fwriter_t *fw, larch_error_t *err)
{
	return fw->w ? LARCH_OK : tsfile_writer_open(fw->path, fw->cfg, &fw->w, err);
}

static tsfile_measurement_t col_measurement(const mt_col_t *c)
{
	tsfile_measurement_t m = {c->name, c->type, c->encoding, c->codec, -1};
	return m;
}

/* present[c] = 1 for every column c with a value in some part of rows
 * (vals and nulls: scratch arrays of ncols entries). */
static void rows_present(const mt_rows_t *r, uint8_t *present, const void **vals,
			 const uint8_t **nulls)
{
	memset(present, 0, r->ncols);
	for (size_t i = 0; i < r->n_parts; i++) {
		const int64_t *t;
		size_t n = mt_rows_part(r, i, &t, vals, nulls);
		for (uint32_t c = 0; c < r->ncols; c++) {
			if (present[c])
				continue;
			if (!nulls[c])
				present[c] = 1;
			for (size_t k = 0; !present[c] && k < n; k++)
				present[c] = !nulls[c][k];
		}
	}
}

static int write_aligned(fwriter_t *fw, const mt_dev_t *d, uint64_t del_seq, int64_t cut,
			 larch_error_t *err)
{
	const mt_group_t *g = d->groups[0];
	mt_rows_t rows;
	int rc = mt_group_rows(g, del_seq, cut, &rows, err);
	if (rc || rows.n == 0) {
		mt_rows_free(&rows);
		return rc;
	}
	tsfile_measurement_t *ms = mem_alloc(g->ncols * sizeof(*ms));
	tsfile_column_t *cols = mem_alloc(g->ncols * sizeof(*cols));
	const void **vals = mem_alloc(g->ncols * sizeof(*vals));
	const uint8_t **nulls = mem_alloc(g->ncols * sizeof(*nulls));
	uint32_t *which = mem_alloc(g->ncols * sizeof(*which));
	uint8_t *present = mem_alloc(g->ncols);
	size_t k = 0;
	if (!ms || !cols || !vals || !nulls || !which || !present)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory flushing %s", d->path);
	if (!rc)
		rows_present(&rows, present, vals, nulls);
	for (uint32_t c = 0; !rc && c < g->ncols; c++) {
		if (!present[c])
			continue;
		ms[k] = col_measurement(&g->cols[c]);
		which[k++] = c;
	}
	if (!rc)
		rc = fw_open(fw, err);
	if (!rc)
		rc = tsfile_writer_register_aligned(fw->w, d->path, ms, k, err);
	for (size_t i = 0; !rc && i < rows.n_parts; i++) {
		const int64_t *t;
		size_t n = mt_rows_part(&rows, i, &t, vals, nulls);
		for (size_t j = 0; j < k; j++)
			cols[j] = (tsfile_column_t){ms[j].name, ms[j].type, vals[which[j]],
						    nulls[which[j]]};
		tsfile_tablet_t tb = {d->path, n, t, k, cols};
		rc = n ? fw_write(fw, &tb, err) : LARCH_OK;
	}
	mem_free(ms);
	mem_free(cols);
	mem_free(vals);
	mem_free(nulls);
	mem_free(which);
	mem_free(present);
	mt_rows_free(&rows);
	return rc;
}

static int write_series(fwriter_t *fw, const mt_dev_t *d, uint64_t del_seq, int64_t cut,
			larch_error_t *err)
{
	int rc = LARCH_OK;
	for (uint32_t i = 0; !rc && i < d->n_groups; i++) {
		const mt_group_t *g = d->groups[i];
		mt_rows_t rows;
		if ((rc = mt_group_rows(g, del_seq, cut, &rows, err)) || rows.n == 0) {
			mt_rows_free(&rows);
			continue;
		}
		tsfile_measurement_t m = col_measurement(&g->cols[0]);
		if (!(rc = fw_open(fw, err)))
			rc = tsfile_writer_register(fw->w, d->path, &m, err);
		for (size_t p = 0; !rc && p < rows.n_parts; p++) {
			const int64_t *t;
			const void *v;
			const uint8_t *nl;
			size_t n = mt_rows_part(&rows, p, &t, &v, &nl);
			tsfile_column_t col = {m.name, m.type, v, nl};
			tsfile_tablet_t tb = {d->path, n, t, 1, &col};
			rc = n ? fw_write(fw, &tb, err) : LARCH_OK;
		}
		mt_rows_free(&rows);
	}
	return rc;
}

/* Write mt to path; *wrote = 0 when no point survived (no file made),
 * else [*tmin, *tmax] spans the points written. */
static int write_memtable(storage_t *s, memtable_t *mt, const char *path, uint64_t del_seq,
			  int64_t cut, int *wrote, int64_t *tmin, int64_t *tmax, larch_error_t *err)
{
	fwriter_t fw = {path, &s->opt.tsfile, NULL, INT64_MAX, INT64_MIN, 0};
	mt_dev_t **devs = mem_alloc((mt->n_devs ? mt->n_devs : 1) * sizeof(*devs));
	if (!devs)
		return err_set(err, LARCH_NO_MEMORY, "out of memory flushing");
	memcpy(devs, mt->dev_list, mt->n_devs * sizeof(*devs));
	qsort(devs, mt->n_devs, sizeof(*devs), dev_cmp);
	int rc = LARCH_OK;
	for (size_t i = 0; !rc && i < mt->n_devs; i++) {
		rc = devs[i]->aligned ? write_aligned(&fw, devs[i], del_seq, cut, err)
				      : write_series(&fw, devs[i], del_seq, cut, err);
		if (!rc && fw.w && fw.pending >= FW_FLUSH_CELLS) {
			rc = tsfile_writer_flush(fw.w, err);
			fw.pending = 0;
		}
	}
	mem_free(devs);
	*wrote = fw.w != NULL;
	*tmin = fw.tmin;
	*tmax = fw.tmax;
	if (!fw.w)
		return rc;
	if (rc) {
		tsfile_writer_abort(fw.w);
		return rc;
	}
	return tsfile_writer_close(fw.w, err);
}

/* Deletions recorded in mt after del_seq, as .mods2 entries of file f
 * (part lock held). */
static int carry_deletions(memtable_t *mt, uint64_t del_seq, sfile_t *f, larch_error_t *err)
{
	if (mt->del_seq == del_seq)
		return LARCH_OK;
	smod_t *mods = NULL;
	size_t n = 0, cap = 0;
	int rc = LARCH_OK;
	for (size_t i = 0; !rc && i < mt->n_devs; i++) {
		const mt_dev_t *d = mt->dev_list[i];
		for (uint32_t k = 0; !rc && k < d->n_groups; k++) {
			const mt_group_t *g = d->groups[k];
			for (size_t j = 0; !rc && j < g->n_dels; j++) {
				const mt_del_t *dl = &g->dels[j];
				if (dl->seq <= del_seq)
					continue;
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 8;
					smod_t *m = mem_realloc(mods, nc * sizeof(*m));
					if (!m) {
						rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
						break;
					}
					mods = m;
					cap = nc;
				}
				mods[n++] = (smod_t){(char *)d->path, g->cols[dl->col].name, dl->start,
						     dl->end};
			}
		}
	}
	if (!rc)
		rc = sfile_add_mods(f, mods, n, err);
	mem_free(mods);
	return rc;
}

/* Take mt out of p->sealed (part lock held) and drop that reference. */
static void unseal(spart_t *p, memtable_t *mt)
{
	for (size_t i = 0; i < p->n_sealed; i++) {
		if (p->sealed[i] != mt)
			continue;
		memmove(p->sealed + i, p->sealed + i + 1, (p->n_sealed - i - 1) * sizeof(*p->sealed));
		p->n_sealed--;
		mt_unref(mt);
		return;
	}
}

static int flush_memtable(storage_t *s, memtable_t *mt, larch_error_t *err)
{
	spart_t *p = mt->part;
	char dir[PATH_MAX], path[PATH_MAX];
	pthread_mutex_lock(&p->lock);
	int dropped = p->dropped;
	uint64_t del_seq = mt->del_seq;
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_lock(&s->lock);
	int64_t cut = storage_ttl_cut(s, p->db);
	pthread_mutex_unlock(&s->lock);
	int rc = dropped ? LARCH_OK : spart_side_dir(p, mt->unseq, dir, err);
	int wrote = 0;
	int64_t tmin = 0, tmax = 0;
	if (!dropped && !rc) {
		if ((size_t)snprintf(path, sizeof path, "%s/%llu-0.tsfile", dir,
				     (unsigned long long)mt->version) >= sizeof path)
			return err_set(err, LARCH_STORAGE_ERROR, "path too long under %s", dir);
		rc = write_memtable(s, mt, path, del_seq, cut, &wrote, &tmin, &tmax, err);
		if (rc)
			unlink(path);
		else if (wrote)
			rc = dir_sync(dir, err);
	}
	sfile_t *f = NULL;
	if (!rc && wrote && (rc = sfile_new(path, mt->version, 0, mt->unseq, tmin, tmax, &f, err)))
		unlink(path);
	if (f)
		sfile_account(f, &s->reader_bytes);
	if (rc)
		return rc;
	pthread_mutex_lock(&p->lock);
	if (f && p->dropped) {
		sfile_remove(f);
	} else if (f) {
		rc = carry_deletions(mt, del_seq, f, err);
		if (!rc && spart_add_file(p, f))
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory publishing %s", path);
		/* deletions made during the flush may cover the whole file
		 * (checked only then: it needs the file's index) */
		if (!rc && f->n_mods && sfile_reader_open(f, NULL) == LARCH_OK &&
		    sfile_all_deleted(f)) {
			sfile_remove(f);
			spart_drop_file(p, f);
		} else if (!rc) {
			storage_reader_park(s, f); /* opened when read */
		}
	}
	if (!rc)
		unseal(p, mt);
	pthread_mutex_unlock(&p->lock);
	if (rc && f)
		sfile_remove(f);
	sfile_unref(f);
	if (!rc)
		atomic_fetch_add(&s->st_flushes, 1);
	return rc;
}

/*---------------------------------------------------------------------------
 * Generations
 *---------------------------------------------------------------------------*/

/* Everything up to lsn is in files: record it and let the WAL drop it. */
static int commit_lsn(storage_t *s, uint64_t lsn, larch_error_t *err)
{
	int rc = checkpoint_write(s->dir, lsn, err);
	if (!rc)
		s->ckpt_lsn = lsn;
	if (!rc && s->wal)
		rc = wal_checkpoint(s->wal, lsn, err);
	return rc;
}

/* Hand the memory of the memtables just flushed back to the system.
 * glibc keeps freed heap for reuse (measured: RSS stayed at 205 MB with
 * 13-23 MB live after flushing 10k series; malloc_trim brought it to 23 MB),
 * which would make the memory budget a fiction for anyone watching RSS.
 * Once per flushed generation (tens of MB), so its cost does not matter. */
static void release_freed_memory(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

int flush_pending(storage_t *s, larch_error_t *err)
{
	int rc = LARCH_OK;
	for (size_t i = 0; i < s->n_gen; i++) {
		memtable_t *mt = s->gen[i];
		if (!mt)
			continue;
		if ((rc = flush_memtable(s, mt, err)))
			break;
		s->gen[i] = NULL;
		mt_unref(mt);
	}
	if (!rc && s->n_gen)
		rc = commit_lsn(s, s->gen_lsn, err);
	pthread_mutex_lock(&s->lock);
	s->flush_attempts++;
	if (rc) {
		s->flush_rc = rc;
		s->flush_err = *err;
	} else {
		s->n_gen = 0;
		s->flush_rc = 0;
		if (s->gen_tickets > s->flush_served)
			s->flush_served = s->gen_tickets;
	}
	pthread_cond_broadcast(&s->flush_done);
	pthread_mutex_unlock(&s->lock);
	pthread_cond_broadcast(&s->mem_cond);
	release_freed_memory();
	return rc;
}

/* 1 if the memtables being written should be sealed now (s->lock held). */
static int seal_wanted(storage_t *s)
{
	uint64_t working = atomic_load(&s->mt_working);
	return s->stopping || s->flush_tickets > s->flush_served || working >= s->seal_bytes ||
	       (working > 0 && atomic_load(&s->mt_total) >= s->mt_limit);
}

void *flush_main(void *arg)
{
	storage_t *s = arg;
	larch_error_t err;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		if (s->n_gen) {
			pthread_mutex_unlock(&s->lock);
			memset(&err, 0, sizeof err);
			int rc = flush_pending(s, &err);
			pthread_mutex_lock(&s->lock);
			if (rc) {
				if (s->stopping)
					break; /* closing: the WAL keeps what failed */
				cond_wait_ms(&s->flush_cond, &s->lock, 500);
			}
			continue;
		}
		if (seal_wanted(s)) {
			int stopping = s->stopping;
			pthread_mutex_unlock(&s->lock);
			flush_seal(s);
			pthread_mutex_lock(&s->lock);
			uint64_t idle = s->idle_lsn;
			if (!s->n_gen && idle > s->ckpt_lsn) {
				pthread_mutex_unlock(&s->lock);
				memset(&err, 0, sizeof err);
				commit_lsn(s, idle, &err); /* on failure: the WAL keeps the records */
				pthread_mutex_lock(&s->lock);
			}
			if (stopping && !s->n_gen)
				break;
			if (!s->n_gen && s->flush_rc)
				cond_wait_ms(&s->flush_cond, &s->lock, 500);
			continue;
		}
		cond_wait_ms(&s->flush_cond, &s->lock, 1000);
		/* idle: close the readers queries left open beyond the budget */
		pthread_mutex_unlock(&s->lock);
		storage_readers_trim(s);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}
