/*
 * recovery.c — what storage_open does before the engine serves anything:
 * load every partition's files and replay the WAL.
 *
 * Loading (per partition directory): finish or roll back an interrupted
 * compaction (compaction_recover); remove temporary files; load every
 * "<version>-<level>.tsfile" (sfile_load repairs an unfinished one or
 * removes it when it holds no chunk group); remove .mods2 files whose TsFile
 * is gone; rebuild the sequence maxima from the files, sequence and
 * unsequence alike (see storage.c); forget partitions left empty.  The
 * next version is one more than the largest found.
 *
 * Replay: every WAL record after the checkpoint LSN goes through the same
 * apply functions as live operations (storage_write_apply without logging,
 * storage_delete_apply, storage_drop_apply), in LSN order.  The records
 * after a checkpoint fit in the memtables (the crashed run held them
 * there), so memtables are sealed only if they reach the memory limit
 * (another budget, or deleted data): then they are written synchronously
 * and the checkpoint moves to the last applied record.  The last-value
 * cache is not fed: it starts empty and lookups compute.  A write that conflicts with
 * a memtable (another type or alignment for a measurement, which the
 * original run had flushed in between) is retried after such a flush.
 *
 * Records are applied straight from wal_replay's callback, while a helper
 * thread of the chunk pool faults in memtable chunks ahead of them on the
 * other core (pool.c).  (A two-thread pipeline — one thread checking
 * frames, one applying copies — was measured slower: the copy costs more
 * than the overlap gains.)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storage/storage_int.h"

/* Load the files of one side directory of partition p. */
static int load_side(spart_t *p, int unseq, uint64_t *max_version, larch_error_t *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/%s", p->dir, unseq ? "unseq" : "seq");
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? LARCH_OK : err_set(err, LARCH_STORAGE_ERROR, "open %s: %s",
							    dir, strerror(errno));
	int rc = LARCH_OK;
	struct dirent *e;
	/* first pass: temporaries; second: TsFiles; third: orphan .mods2 */
	for (int pass = 0; !rc && pass < 3; pass++) {
		rewinddir(d);
		while (!rc && (e = readdir(d))) {
			const char *nm = e->d_name;
			size_t ln = strlen(nm);
			if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, nm) >= sizeof path)
				continue;
			uint64_t v;
			uint32_t lv;
			if (pass == 0 && ln > 4 && !strcmp(nm + ln - 4, ".tmp")) {
				unlink(path);
			} else if (pass == 1 && !sfile_parse_name(nm, &v, &lv)) {
				sfile_t *f;
				if ((rc = sfile_load(path, v, lv, unseq, &f, err)) || !f)
					continue;
				if (spart_add_file(p, f))
					rc = err_set(err, LARCH_NO_MEMORY, "out of memory loading %s", path);
				sfile_unref(f);
				if (v > *max_version)
					*max_version = v;
			} else if (pass == 2 && ln > 6 && !strcmp(nm + ln - 6, ".mods2")) {
				char ts[PATH_MAX];
				snprintf(ts, sizeof ts, "%.*s", (int)(strlen(path) - 6), path);
				if (access(ts, F_OK) != 0)
					unlink(path);
			}
		}
	}
	closedir(d);
	return rc;
}

static int load_partition(storage_t *s, sdb_t *db, int64_t id, uint64_t *max_version,
			  larch_error_t *err)
{
	pthread_mutex_lock(&s->lock);
	spart_t *p = storage_part_locked(db, id);
	pthread_mutex_unlock(&s->lock);
	if (!p)
		return err_set(err, LARCH_NO_MEMORY, "out of memory loading partitions");
	int rc = compaction_recover(p->dir, err);
	for (int side = 0; !rc && side < 2; side++)
		rc = load_side(p, side, max_version, err);
	for (size_t i = 0; !rc && i < p->n_files; i++) {
		const tsfile_reader_t *r = p->files[i]->reader;
		for (size_t k = 0; !rc && k < tsfile_reader_series_count(r); k++) {
			const tsfile_series_info_t *si = tsfile_reader_series(r, k);
			if (si->stats.count && spart_raise_seqmax(p, si->device, si->stats.end_time))
				rc = err_set(err, LARCH_NO_MEMORY, "out of memory loading partitions");
		}
		/* loaded: its index is read again when a query needs it */
		sfile_account(p->files[i], &s->reader_bytes);
		sfile_reader_close_idle(p->files[i], 1);
	}
	if (!rc && p->n_files == 0) {
		/* nothing left: forget the partition and its directory */
		pthread_mutex_lock(&s->lock);
		hmap_del_u64(&db->parts, (uint64_t)id);
		pthread_mutex_unlock(&s->lock);
		rc = dir_remove_tree(p->dir, err);
		spart_unref(p);
	}
	return rc;
}

static int load_database(storage_t *s, const char *enc, uint64_t *max_version,
			 larch_error_t *err)
{
	char *name = dbname_decode(enc), dir[PATH_MAX];
	if (!name)
		return LARCH_OK; /* not ours */
	pthread_mutex_lock(&s->lock);
	sdb_t *db = storage_db_get(s, name, 1);
	pthread_mutex_unlock(&s->lock);
	mem_free(name);
	if (!db)
		return err_set(err, LARCH_NO_MEMORY, "out of memory loading databases");
	snprintf(dir, sizeof dir, "%s", db->dir);
	DIR *d = opendir(dir);
	if (!d)
		return err_set(err, LARCH_STORAGE_ERROR, "open %s: %s", dir, strerror(errno));
	int rc = LARCH_OK;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		long long id;
		int used = 0;
		if (sscanf(e->d_name, "%lld%n", &id, &used) == 1 && (size_t)used == strlen(e->d_name))
			rc = load_partition(s, db, id, max_version, err);
	}
	closedir(d);
	if (!rc && db->parts.n == 0)
		rmdir(dir); /* empty: fine if it fails */
	return rc;
}

static int load_all(storage_t *s, larch_error_t *err)
{
	uint64_t max_version = 0;
	DIR *d = opendir(s->data_dir);
	if (!d)
		return err_set(err, LARCH_STORAGE_ERROR, "open %s: %s", s->data_dir, strerror(errno));
	int rc = LARCH_OK;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", s->data_dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rc = load_database(s, e->d_name, &max_version, err);
	}
	closedir(d);
	s->next_version = max_version + 1;
	return rc;
}

typedef struct replay {
	storage_t *s;
	buf_t scratch;           /* decoded records */
	larch_error_t err;
	uint64_t records;
} replay_t;

/* Seal and write everything now (recovery: no flusher thread yet). */
static int flush_now(storage_t *s, larch_error_t *err)
{
	flush_seal(s);
	return s->n_gen ? flush_pending(s, err) : s->flush_rc;
}

/* wal_replay's callback: apply one record. */
static int apply_record(void *ctx, uint64_t lsn, const uint8_t *rec, size_t len)
{
	replay_t *r = ctx;
	storage_t *s = r->s;
	walrec_t wr;
	int rc = walrec_decode(rec, len, &wr, &r->scratch, &r->err);
	if (!rc) {
		switch (wr.kind) {
		case WALREC_WRITE:
			if (!(rc = storage_check_write(&wr.write, &r->err))) {
				rc = storage_write_apply(s, &wr.write, NULL, 0, &r->err);
				if (rc == LARCH_DATA_TYPE_MISMATCH || rc == LARCH_METADATA_ERROR) {
					memset(&r->err, 0, sizeof r->err);
					if (!(rc = flush_now(s, &r->err)))
						rc = storage_write_apply(s, &wr.write, NULL, 0, &r->err);
				}
			}
			break;
		case WALREC_DELETE:
			rc = storage_delete_apply(s, wr.database, wr.refs, wr.n_refs, wr.start, wr.end,
						  &r->err);
			break;
		default:
			rc = storage_drop_apply(s, wr.database, wr.kind == WALREC_DROP_DB, wr.partition,
						&r->err);
			break;
		}
	}
	if (rc) {
		err_prefix(&r->err, "replaying WAL record %llu", (unsigned long long)lsn);
		return rc;
	}
	s->replay_lsn = lsn;
	r->records++;
	if (atomic_load(&s->mt_total) >= s->mt_limit)
		rc = flush_now(s, &r->err);
	return rc;
}

/* Replay the WAL records after LSN `after`. */
static int replay(storage_t *s, uint64_t after, larch_error_t *err)
{
	replay_t r;
	memset(&r, 0, sizeof r);
	r.s = s;
	buf_init(&r.scratch);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->replaying = 1;
	s->replay_lsn = after;
	uint64_t bytes = 0;
	pool_prefault_start(s->pool); /* page faults on the other core */
	int rc = wal_replay(s->wal_dir, after, apply_record, &r, &bytes, err);
	pool_prefault_stop(s->pool);
	if (rc && r.err.code && err)
		*err = r.err;
	s->replaying = 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	buf_free(&r.scratch);
	s->st_rec_records = r.records;
	s->st_rec_bytes = bytes;
	s->st_rec_seconds =
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	return rc;
}

int storage_recover(storage_t *s, larch_error_t *err)
{
	uint64_t ckpt;
	int rc = checkpoint_read(s->dir, &ckpt, err);
	if (!rc)
		rc = load_all(s, err);
	if (!rc)
		rc = replay(s, ckpt, err);
	if (rc)
		return rc;
	wal_options_t wo = {s->opt.wal_mode == STORAGE_WAL_OFF ? WAL_OFF : WAL_ASYNC,
			    s->opt.wal_async_interval_ms, s->opt.wal_segment_bytes};
	if ((rc = wal_open(s->wal_dir, &wo, &s->wal, err)))
		return rc;
	if ((rc = checkpoint_read(s->dir, &ckpt, err)))
		return rc;
	wal_stats_t ws;
	wal_stats(s->wal, &ws);
	s->ckpt_lsn = ws.last_lsn < ckpt ? ws.last_lsn : ckpt;
	if (ws.last_lsn < ckpt)
		/* the log restarts below the checkpoint (it lost its tail, or ran
		 * in OFF mode): every record it has is in files; lower the
		 * checkpoint so that new records are not taken for old ones */
		return checkpoint_write(s->dir, ws.last_lsn, err);
	return ckpt ? wal_checkpoint(s->wal, ckpt, err) : LARCH_OK;
}
