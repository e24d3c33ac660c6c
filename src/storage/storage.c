/*
 * storage.c — the storage engine's public API (storage.h): options, open
 * with recovery, close, the write path, deletions, drops, TTL, the last
 * value, statistics; and the databases and partitions everything else
 * hangs off.
 *
 * Write path (storage_write):
 *   1. validate the write; wait while memtables exceed their share of the
 *      memory budget (never inside the gate, which sealing needs);
 *   2. encode the WAL record outside any lock (walrec_encode_write);
 *   3. enter the gate; find the partitions of the rows and lock them in
 *      id order; route each row to the sequence memtable if its time is
 *      above the device's sequence maximum in that partition, else to the
 *      unsequence one; reserve room in those memtables (mt_reserve) — an
 *      error here changes nothing;
 *   4. append the WAL record (one wal_appendv), then copy into the
 *      memtables (mt_append, cannot fail) and offer the latest points to
 *      the last-value cache; unlock; leave the gate;
 *   5. SYNC mode: wal_sync (the WAL runs in ASYNC mode underneath so that
 *      fsyncs happen outside the partition locks and concurrent writers
 *      share them).
 * Holding the partition locks across the WAL append keeps memtable order
 * equal to LSN order, which replay reproduces.
 *
 * storage_open recovers (recovery.c: files loaded, the WAL replayed through
 * the apply functions below), then starts the flusher and the compactor.
 * Sequence maxima are rebuilt from every file, sequence and unsequence, so
 * that a sequence file written after a restart never overlaps an older file.
 */
#define _GNU_SOURCE /* sysinfo, flock */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storage/storage_int.h"

#define DAY_MS 86400000LL
#define DEFAULT_MEMTABLE_BYTES ((uint64_t)64 << 20)
#define DEFAULT_SMALL_BYTES ((uint64_t)64 << 20)
#define MAX_DB_NAME 80          /* its directory name stays below 255 bytes */
#define MIN_SEAL_BYTES ((uint64_t)64 << 10)

/*---------------------------------------------------------------------------
 * Options
 *---------------------------------------------------------------------------*/

void storage_options_default(storage_options_t *o)
{
	memset(o, 0, sizeof *o);
	o->wal_mode = STORAGE_WAL_ASYNC;
	o->wal_async_interval_ms = WAL_DEFAULT_ASYNC_INTERVAL_MS;
	o->precision = STORAGE_MS;
	o->partition_interval = 7 * DAY_MS;
	o->memtable_bytes = DEFAULT_MEMTABLE_BYTES;
	o->compaction = 1;
	o->compaction_interval_ms = 2000;
	o->compaction_min_files = 4;
	o->compaction_small_bytes = DEFAULT_SMALL_BYTES;
	o->compaction_unseq_files = 4;
	tsfile_config_default(&o->tsfile);
}

static int options_check(const storage_options_t *o, larch_error_t *err)
{
	if (o->wal_mode > STORAGE_WAL_OFF || o->precision > STORAGE_NS)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage options: bad WAL mode or precision");
	if (o->partition_interval <= 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "storage options: partition_interval must be positive");
	if (o->ttl < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage options: negative ttl");
	if (o->compaction_min_files < 2 || o->compaction_unseq_files < 1)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "storage options: compaction_min_files must be >= 2 and "
			       "compaction_unseq_files >= 1");
	if (o->wal_segment_bytes && o->wal_segment_bytes < WAL_MIN_SEGMENT_BYTES)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage options: wal_segment_bytes "
			       "below %llu", (unsigned long long)WAL_MIN_SEGMENT_BYTES);
	return LARCH_OK;
}

/* The default budget: half of what the process may use (the cgroup's
 * memory limit, v2 then v1, when it is below the RAM; else the RAM), at
 * most STORAGE_DEFAULT_BUDGET_MAX.  The cap keeps a server small by
 * default: writers start waiting once memtables hold half the budget, and
 * without a cap that was gigabytes of RSS on an ordinary machine. */
#define STORAGE_DEFAULT_BUDGET_MAX ((uint64_t)1 << 30)

static uint64_t budget_detect(void)
{
	static const char *const files[] = {"/sys/fs/cgroup/memory.max",
					     "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
	uint64_t limit = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : (uint64_t)1 << 30;
	for (size_t i = 0; i < LR_ARRAY_LEN(files); i++) {
		FILE *f = fopen(files[i], "r");
		unsigned long long v;
		if (!f)
			continue;
		int ok = fscanf(f, "%llu", &v) == 1;
		fclose(f);
		if (ok && v > 0 && v < limit)
			limit = v;
	}
	return LR_MIN(limit / 2, STORAGE_DEFAULT_BUDGET_MAX);
}

/*---------------------------------------------------------------------------
 * Small services
 *---------------------------------------------------------------------------*/

int64_t storage_now(const storage_t *s)
{
	if (s->opt.clock)
		return s->opt.clock(s->opt.clock_ctx);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t sec = (int64_t)ts.tv_sec, ns = ts.tv_nsec;
	switch (s->opt.precision) {
	case STORAGE_US: return sec * 1000000 + ns / 1000;
	case STORAGE_NS: return sec * 1000000000 + ns;
	default: return sec * 1000 + ns / 1000000;
	}
}

int64_t storage_ttl_cut(storage_t *s, const sdb_t *db)
{
	int64_t ttl = db && db->ttl ? db->ttl : s->opt.ttl;
	if (ttl <= 0)
		return INT64_MIN;
	int64_t now = storage_now(s);
	return now < INT64_MIN + ttl ? INT64_MIN : now - ttl;
}

int64_t storage_partition_of(const storage_t *s, int64_t t)
{
	int64_t w = s->opt.partition_interval, q = t / w;
	return t % w < 0 ? q - 1 : q;
}

void storage_mt_account(storage_t *s, memtable_t *mt, int64_t delta)
{
	mt->bytes += (uint64_t)delta;
	atomic_fetch_add(&s->mt_total, (uint64_t)delta);
	if (mt->version == 0)
		atomic_fetch_add(&s->mt_working, (uint64_t)delta);
}

void storage_mt_released(storage_t *s, uint64_t bytes)
{
	atomic_fetch_sub(&s->mt_total, bytes);
	pthread_cond_broadcast(&s->mem_cond);
}

void cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *m, unsigned ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cond, m, &ts);
}

buf_t *storage_scratch_get(storage_t *s)
{
	buf_t *b = NULL;
	pthread_mutex_lock(&s->scratch_lock);
	if (s->n_scratch)
		b = s->scratch[--s->n_scratch];
	pthread_mutex_unlock(&s->scratch_lock);
	if (!b && (b = mem_alloc(sizeof(*b))))
		buf_init(b);
	return b;
}

void storage_scratch_put(storage_t *s, buf_t *b)
{
	if (!b)
		return;
	buf_reset(b);
	pthread_mutex_lock(&s->scratch_lock);
	if (s->n_scratch < LR_ARRAY_LEN(s->scratch) && b->cap <= ((size_t)16 << 20)) {
		s->scratch[s->n_scratch++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&s->scratch_lock);
	if (b) {
		buf_free(b);
		mem_free(b);
	}
}

/*---------------------------------------------------------------------------
 * Databases and partitions
 *---------------------------------------------------------------------------*/

void sdb_unref(sdb_t *db)
{
	if (!db || atomic_fetch_sub(&db->refs, 1) != 1)
		return;
	hmap_free(&db->parts);
	mem_free(db->name);
	mem_free(db->dir);
	mem_free(db);
}

void spart_ref(spart_t *p)
{
	atomic_fetch_add(&p->refs, 1);
}

void spart_unref(spart_t *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	for (size_t i = 0; i < p->n_files; i++)
		sfile_unref(p->files[i]);
	mem_free(p->files);
	mem_free(p->sealed);
	for (uint32_t i = 0; i < p->seqmax.cap; i++)
		mem_free(p->seqmax.slots[i].val); /* its device path is in the same block */
	hmap_free(&p->seqmax);
	pthread_mutex_destroy(&p->lock);
	sdb_unref(p->db);
	mem_free(p->dir);
	mem_free(p);
}

/* Drop the partition's references to its memtables (part lock held). */
static void spart_release_memtables(spart_t *p)
{
	for (int i = 0; i < 2; i++) {
		mt_unref(p->work[i]);
		p->work[i] = NULL;
	}
	for (size_t i = 0; i < p->n_sealed; i++)
		mt_unref(p->sealed[i]);
	p->n_sealed = 0;
}

/* Find or create database `name` (s->lock held). */
sdb_t *storage_db_get(storage_t *s, const char *name, int create)
{
	sdb_t *db = hmap_get_str(&s->dbs, name);
	if (db || !create)
		return db;
	char *enc = dbname_encode(name);
	if (!(db = mem_calloc(1, sizeof(*db))) || !enc || !(db->name = mem_strdup(name)) ||
	    !(db->dir = mem_alloc(strlen(s->data_dir) + strlen(enc) + 2))) {
		mem_free(enc);
		if (db) {
			mem_free(db->name);
			mem_free(db);
		}
		return NULL;
	}
	sprintf(db->dir, "%s/%s", s->data_dir, enc);
	mem_free(enc);
	atomic_init(&db->refs, 1);
	if (hmap_put_str(&s->dbs, db->name, db)) {
		sdb_unref(db);
		return NULL;
	}
	return db;
}

/* Find or create partition id of db (s->lock held); borrowed. */
spart_t *storage_part_locked(sdb_t *db, int64_t id)
{
	spart_t *p = hmap_get_u64(&db->parts, (uint64_t)id);
	if (p)
		return p;
	if (!(p = mem_calloc(1, sizeof(*p))) || !(p->dir = mem_alloc(strlen(db->dir) + 24))) {
		mem_free(p);
		return NULL;
	}
	sprintf(p->dir, "%s/%lld", db->dir, (long long)id);
	pthread_mutex_init(&p->lock, NULL);
	atomic_init(&p->refs, 1);
	p->id = id;
	p->db = db;
	if (hmap_put_u64(&db->parts, (uint64_t)id, p)) {
		pthread_mutex_destroy(&p->lock);
		mem_free(p->dir);
		mem_free(p);
		return NULL;
	}
	atomic_fetch_add(&db->refs, 1);
	return p;
}

int storage_part_get(storage_t *s, const char *dbname, int64_t id, spart_t **out,
		     larch_error_t *err)
{
	pthread_mutex_lock(&s->lock);
	sdb_t *db = storage_db_get(s, dbname, 1);
	spart_t *p = db ? storage_part_locked(db, id) : NULL;
	if (p)
		spart_ref(p);
	pthread_mutex_unlock(&s->lock);
	*out = p;
	return p ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory creating partition");
}

static int part_id_cmp(const void *a, const void *b)
{
	const spart_t *x = *(spart_t *const *)a, *y = *(spart_t *const *)b;
	int c = strcmp(x->db->name, y->db->name);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Collect referenced partitions of db (NULL: all) with id in [lo, hi]. */
static int parts_collect(storage_t *s, const char *dbname, int64_t lo, int64_t hi,
			 spart_t ***out, size_t *n, larch_error_t *err)
{
	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&s->lock);
	size_t cnt = 0;
	for (uint32_t i = 0; i < s->dbs.cap; i++) {
		sdb_t *db = s->dbs.slots[i].val;
		if (db && (!dbname || !strcmp(db->name, dbname)))
			cnt += db->parts.n;
	}
	spart_t **ps = mem_alloc((cnt ? cnt : 1) * sizeof(*ps));
	if (!ps) {
		pthread_mutex_unlock(&s->lock);
		return err_set(err, LARCH_NO_MEMORY, "out of memory listing partitions");
	}
	for (uint32_t i = 0; i < s->dbs.cap; i++) {
		sdb_t *db = s->dbs.slots[i].val;
		if (!db || (dbname && strcmp(db->name, dbname)))
			continue;
		for (uint32_t j = 0; j < db->parts.cap; j++) {
			spart_t *p = db->parts.slots[j].val;
			if (p && p->id >= lo && p->id <= hi) {
				spart_ref(p);
				ps[(*n)++] = p;
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
	qsort(ps, *n, sizeof(*ps), part_id_cmp);
	*out = ps;
	return LARCH_OK;
}

int storage_parts_in(storage_t *s, const char *db, int64_t lo, int64_t hi, spart_t ***out,
		     size_t *n, larch_error_t *err)
{
	return parts_collect(s, db, lo, hi, out, n, err);
}

int storage_parts_all(storage_t *s, const char *db, spart_t ***out, size_t *n,
		      larch_error_t *err)
{
	return parts_collect(s, db, INT64_MIN, INT64_MAX, out, n, err);
}

void storage_parts_release(spart_t **parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		spart_unref(parts[i]);
	mem_free(parts);
}

int spart_add_file(spart_t *p, sfile_t *f)
{
	if (p->n_files == p->cap_files) {
		size_t cap = p->cap_files ? p->cap_files * 2 : 8;
		sfile_t **fs = mem_realloc(p->files, cap * sizeof(*fs));
		if (!fs)
			return LARCH_NO_MEMORY;
		p->files = fs;
		p->cap_files = cap;
	}
	size_t i = p->n_files;
	while (i > 0 && p->files[i - 1]->version > f->version)
		i--;
	memmove(p->files + i + 1, p->files + i, (p->n_files - i) * sizeof(*p->files));
	p->files[i] = f;
	p->n_files++;
	sfile_ref(f);
	return LARCH_OK;
}

int spart_drop_file(spart_t *p, sfile_t *f)
{
	for (size_t i = 0; i < p->n_files; i++) {
		if (p->files[i] != f)
			continue;
		memmove(p->files + i, p->files + i + 1, (p->n_files - i - 1) * sizeof(*p->files));
		p->n_files--;
		sfile_unref(f);
		return 1;
	}
	return 0;
}

int spart_raise_seqmax(spart_t *p, const char *device, int64_t t)
{
	seqmax_t *m = hmap_get_str(&p->seqmax, device);
	if (m) {
		if (t > m->t)
			m->t = t;
		return LARCH_OK;
	}
	/* one block per device: the entry, then its path (one per device of
	 * every partition, so it counts when devices hold few series) */
	size_t len = strlen(device);
	if (!(m = mem_alloc(sizeof(*m) + len + 1)))
		return LARCH_NO_MEMORY;
	m->device = memcpy(m + 1, device, len + 1);
	m->t = t;
	if (hmap_put_str(&p->seqmax, m->device, m)) {
		mem_free(m);
		return LARCH_NO_MEMORY;
	}
	return LARCH_OK;
}

static int64_t spart_seqmax(const spart_t *p, const char *device)
{
	const seqmax_t *m = hmap_get_str(&p->seqmax, device);
	return m ? m->t : INT64_MIN;
}

int spart_side_dir(spart_t *p, int unseq, char *buf, larch_error_t *err)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", p->dir, unseq ? "unseq" : "seq") >= PATH_MAX)
		return err_set(err, LARCH_STORAGE_ERROR, "path too long: %s", p->dir);
	struct stat st;
	if (stat(buf, &st) == 0)
		return LARCH_OK;
	/* new directories: make them and their entries durable */
	char parent[PATH_MAX];
	int rc = dir_make(buf, err);
	if (!rc)
		rc = dir_sync(p->dir, err);
	if (!rc)
		rc = dir_sync(p->db->dir, err);
	if (!rc) {
		snprintf(parent, sizeof parent, "%s", p->db->dir);
		char *slash = strrchr(parent, '/');
		if (slash) {
			*slash = 0;
			rc = dir_sync(parent, err);
		}
	}
	return rc;
}

/*---------------------------------------------------------------------------
 * Validation
 *---------------------------------------------------------------------------*/

static int check_name(const char *what, const char *s, size_t max, larch_error_t *err)
{
	if (!s || !*s)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "%s is missing or empty", what);
	if (strlen(s) > max)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "%s '%.40s...' is longer than %zu bytes",
			       what, s, max);
	return LARCH_OK;
}

int storage_check_write(const storage_write_t *w, larch_error_t *err)
{
	int rc;
	if (!w)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_write: NULL write");
	if ((rc = check_name("database name", w->database, MAX_DB_NAME, err)) ||
	    (rc = check_name("device path", w->device, 0xFFFF, err)))
		return rc;
	if (w->n_rows == 0 || w->n_rows > UINT32_MAX || !w->times)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "write to %s: no rows or no times",
			       w->device);
	if (w->n_columns == 0 || w->n_columns > 0xFFFF || !w->columns)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "write to %s: no columns or too many",
			       w->device);
	for (size_t j = 0; j < w->n_columns; j++) {
		const storage_column_t *c = &w->columns[j];
		if ((rc = check_name("measurement name", c->name, 0xFFFF, err)))
			return rc;
		if (!type_is_valid((int)c->type) || !c->values)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "%s.%s: bad type %d or no values",
				       w->device, c->name, (int)c->type);
		if (c->encoding < -1 || (c->encoding >= 0 &&
					 !tsfile_encoding_supports((tsfile_encoding_t)c->encoding,
								   c->type)))
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "%s.%s: encoding %d does not "
				       "suit %s", w->device, c->name, c->encoding,
				       tsfile_type_name(c->type));
		if (c->codec < -1 || (c->codec >= 0 && !codec_is_valid(c->codec)))
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "%s.%s: bad compression %d",
				       w->device, c->name, c->codec);
		if (!type_is_binary(c->type))
			continue;
		const tsfile_bytes_t *v = c->values;
		for (size_t r = 0; r < w->n_rows; r++)
			if (!(c->nulls && c->nulls[r]) && v[r].len && !v[r].ptr)
				return err_set(err, LARCH_ILLEGAL_PARAMETER,
					       "%s.%s row %zu: NULL bytes of length %u", w->device,
					       c->name, r, v[r].len);
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Applying writes (live and replayed)
 *---------------------------------------------------------------------------*/

/* A partition a write touches, and its rows on each side. */
typedef struct target {
	spart_t *p;
	int64_t id;
	rowsel_t sel[2];      /* [0] sequence, [1] unsequence */
	memtable_t *mt[2];
	mt_slot_t *slots[2];
} target_t;

static void sel_facts(const int64_t *t, rowsel_t *sel)
{
	sel->sorted = sel->strict = 1;
	sel->tmin = INT64_MAX;
	sel->tmax = INT64_MIN;
	int64_t prev = 0;
	for (size_t i = 0; i < sel->n; i++) {
		int64_t x = t[sel->idx ? sel->idx[i] : i];
		if (i) {
			sel->sorted &= x >= prev;
			sel->strict &= x > prev;
		}
		prev = x;
		sel->tmin = x < sel->tmin ? x : sel->tmin;
		sel->tmax = x > sel->tmax ? x : sel->tmax;
	}
}

typedef struct wplan {
	target_t *tg;
	size_t n_tg;
	uint32_t *row_tg;     /* target of each row (several targets only) */
	uint32_t *idx;        /* row indexes of every selection */
	mt_slot_t *slots;
	int locked;
} wplan_t;

static void plan_free(wplan_t *pl)
{
	for (size_t i = pl->n_tg; pl->locked && i-- > 0;)
		pthread_mutex_unlock(&pl->tg[i].p->lock);
	for (size_t i = 0; pl->tg && i < pl->n_tg; i++)
		spart_unref(pl->tg[i].p);
	mem_free(pl->tg);
	mem_free(pl->row_tg);
	mem_free(pl->idx);
	mem_free(pl->slots);
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Find the partitions of w's rows (one target per partition, by id). */
static int plan_targets(storage_t *s, const storage_write_t *w, wplan_t *pl, larch_error_t *err)
{
	rowsel_t all = {NULL, w->n_rows, 0, 0, 0, 0};
	sel_facts(w->times, &all);
	int64_t lo = storage_partition_of(s, all.tmin), hi = storage_partition_of(s, all.tmax);
	int64_t *ids = NULL;
	size_t n_ids = 1;
	if (lo != hi) {
		if (!(ids = mem_alloc(w->n_rows * sizeof(*ids))) ||
		    !(pl->row_tg = mem_alloc(w->n_rows * sizeof(*pl->row_tg)))) {
			mem_free(ids);
			return err_set(err, LARCH_NO_MEMORY, "out of memory routing a write");
		}
		for (size_t r = 0; r < w->n_rows; r++)
			ids[r] = storage_partition_of(s, w->times[r]);
		qsort(ids, w->n_rows, sizeof(*ids), i64_cmp);
		n_ids = 1;
		for (size_t r = 1; r < w->n_rows; r++)
			if (ids[r] != ids[n_ids - 1])
				ids[n_ids++] = ids[r];
		for (size_t r = 0; r < w->n_rows; r++) {
			int64_t id = storage_partition_of(s, w->times[r]);
			size_t a = 0, b = n_ids;
			while (a < b) {
				size_t m = (a + b) / 2;
				if (ids[m] < id)
					a = m + 1;
				else
					b = m;
			}
			pl->row_tg[r] = (uint32_t)a;
		}
	}
	pl->tg = mem_calloc(n_ids, sizeof(*pl->tg));
	int rc = pl->tg ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory routing a write");
	for (size_t i = 0; !rc && i < n_ids; i++) {
		pl->tg[i].id = ids ? ids[i] : lo;
		rc = storage_part_get(s, w->database, pl->tg[i].id, &pl->tg[i].p, err);
		if (!rc)
			pl->n_tg++;
	}
	mem_free(ids);
	return rc;
}

/* Split the rows between the targets' sides (partition locks held). */
static int plan_sides(const storage_write_t *w, wplan_t *pl, larch_error_t *err)
{
	if (pl->n_tg == 1) {
		target_t *t = &pl->tg[0];
		int64_t sm = spart_seqmax(t->p, w->device);
		rowsel_t all = {NULL, w->n_rows, 0, 0, 0, 0};
		sel_facts(w->times, &all);
		if (all.tmin > sm || all.tmax <= sm) {
			t->sel[all.tmin > sm ? 0 : 1] = all;
			return LARCH_OK;
		}
	}
	size_t nb = pl->n_tg * 2;
	size_t *cnt = mem_calloc(nb + 1, sizeof(*cnt));
	int64_t *sm = mem_alloc(pl->n_tg * sizeof(*sm));
	if (!cnt || !sm || !(pl->idx = mem_alloc(w->n_rows * sizeof(*pl->idx)))) {
		mem_free(cnt);
		mem_free(sm);
		return err_set(err, LARCH_NO_MEMORY, "out of memory routing a write");
	}
	for (size_t i = 0; i < pl->n_tg; i++)
		sm[i] = spart_seqmax(pl->tg[i].p, w->device);
	for (size_t r = 0; r < w->n_rows; r++) {
		size_t tg = pl->row_tg ? pl->row_tg[r] : 0;
		cnt[tg * 2 + (w->times[r] <= sm[tg]) + 1]++;
	}
	for (size_t b = 1; b <= nb; b++)
		cnt[b] += cnt[b - 1];
	for (size_t b = 0; b < nb; b++) {
		rowsel_t *sel = &pl->tg[b / 2].sel[b % 2];
		sel->idx = pl->idx + cnt[b];
		sel->n = 0;
	}
	for (size_t r = 0; r < w->n_rows; r++) {
		size_t tg = pl->row_tg ? pl->row_tg[r] : 0;
		rowsel_t *sel = &pl->tg[tg].sel[w->times[r] <= sm[tg]];
		((uint32_t *)sel->idx)[sel->n++] = (uint32_t)r;
	}
	for (size_t b = 0; b < nb; b++)
		sel_facts(w->times, &pl->tg[b / 2].sel[b % 2]);
	mem_free(cnt);
	mem_free(sm);
	return LARCH_OK;
}

/* Reserve room in the memtables of every non-empty selection. */
static int plan_reserve(storage_t *s, const storage_write_t *w, wplan_t *pl, larch_error_t *err)
{
	size_t used = 0;
	for (size_t i = 0; i < pl->n_tg; i++)
		used += (pl->tg[i].sel[0].n > 0) + (pl->tg[i].sel[1].n > 0);
	if (!(pl->slots = mem_alloc(used * w->n_columns * sizeof(*pl->slots))))
		return err_set(err, LARCH_NO_MEMORY, "out of memory routing a write");
	size_t k = 0;
	for (size_t i = 0; i < pl->n_tg; i++) {
		target_t *t = &pl->tg[i];
		for (int side = 0; side < 2; side++) {
			if (!t->sel[side].n)
				continue;
			if (!t->p->work[side] && !(t->p->work[side] = mt_new(s, t->p, side)))
				return err_set(err, LARCH_NO_MEMORY, "out of memory creating a memtable");
			t->mt[side] = t->p->work[side];
			t->slots[side] = pl->slots + k++ * w->n_columns;
			int rc = mt_reserve(t->mt[side], w, &t->sel[side], t->slots[side], err);
			if (rc)
				return rc;
		}
	}
	return LARCH_OK;
}

/* The latest present row of column c in w, or -1. */
static long latest_row(const storage_write_t *w, const storage_column_t *c, long all_latest)
{
	if (!c->nulls)
		return all_latest;
	long best = -1;
	for (size_t r = 0; r < w->n_rows; r++)
		if (!c->nulls[r] && (best < 0 || w->times[r] >= w->times[best]))
			best = (long)r;
	return best;
}

static void offer_latest(storage_t *s, const storage_write_t *w)
{
	long all = 0;
	for (size_t r = 1; r < w->n_rows; r++)
		if (w->times[r] >= w->times[all])
			all = (long)r;
	lastcache_lock(s->last);
	for (size_t j = 0; j < w->n_columns; j++) {
		const storage_column_t *c = &w->columns[j];
		long r = latest_row(w, c, all);
		if (r >= 0)
			lastcache_offer(s->last, c->series_id, w->times[r], c->type,
					(const uint8_t *)c->values + (size_t)r * col_elem_size(c->type));
	}
	lastcache_unlock(s->last);
}

/* Route, reserve, log (iov != NULL), append.  Gate held by the caller. */
int storage_write_apply(storage_t *s, const storage_write_t *w, const struct iovec *iov,
			int n_iov, larch_error_t *err)
{
	wplan_t pl;
	memset(&pl, 0, sizeof pl);
	int rc = plan_targets(s, w, &pl, err);
	if (!rc) {
		for (size_t i = 0; i < pl.n_tg; i++)
			pthread_mutex_lock(&pl.tg[i].p->lock);
		pl.locked = 1;
		rc = plan_sides(w, &pl, err);
	}
	if (!rc)
		rc = plan_reserve(s, w, &pl, err);
	if (!rc && iov)
		rc = wal_appendv(s->wal, iov, n_iov, NULL, err);
	if (!rc) {
		uint64_t points = 0;
		for (size_t i = 0; i < pl.n_tg; i++)
			for (int side = 0; side < 2; side++)
				if (pl.tg[i].sel[side].n)
					points += mt_append(pl.tg[i].mt[side], w, &pl.tg[i].sel[side],
							    pl.tg[i].slots[side]);
		if (iov) /* replay starts from an empty cache: lookups compute */
			offer_latest(s, w);
		atomic_fetch_add(&s->st_points, points);
	}
	plan_free(&pl);
	return rc;
}

/* Wait while memtables exceed their share of the budget (no lock held). */
static int wait_memory(storage_t *s, larch_error_t *err)
{
	if (atomic_load(&s->mt_total) < s->mt_limit)
		return LARCH_OK;
	atomic_fetch_add(&s->st_stalls, 1);
	int rc = LARCH_OK;
	pthread_mutex_lock(&s->lock);
	uint64_t attempts = s->flush_attempts;
	while (atomic_load(&s->mt_total) >= s->mt_limit && !s->stopping) {
		if (s->flush_rc && s->flush_attempts != attempts) {
			rc = err_set(err, LARCH_NO_MEMORY, "memory budget reached and memtables cannot "
				     "be flushed: %s", s->flush_err.msg);
			break;
		}
		/* memory held only by readers of flushed memtables: go on */
		if (atomic_load(&s->mt_working) == 0 && s->n_gen == 0)
			break;
		flush_wake(s);
		cond_wait_ms(&s->mem_cond, &s->lock, 20);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* LARCH_OUT_OF_TTL when a row of w is older than its database's TTL cut
 * (live writes only: WAL replay applies what was accepted). */
static int check_ttl(storage_t *s, const storage_write_t *w, larch_error_t *err)
{
	if (!atomic_load_explicit(&s->ttl_used, memory_order_relaxed))
		return LARCH_OK;
	int64_t tmin = INT64_MAX;
	for (size_t r = 0; r < w->n_rows; r++)
		tmin = LR_MIN(tmin, w->times[r]);
	pthread_mutex_lock(&s->lock);
	int64_t cut = storage_ttl_cut(s, storage_db_get(s, w->database, 0));
	pthread_mutex_unlock(&s->lock);
	if (tmin >= cut)
		return LARCH_OK;
	return err_set(err, LARCH_OUT_OF_TTL, "insertion time [%lld] of %s is less than ttl time "
		       "bound [%lld]", (long long)tmin, w->device, (long long)cut);
}

int storage_write(storage_t *s, const storage_write_t *w, larch_error_t *err)
{
	if (!s)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_write: NULL storage");
	int rc = storage_check_write(w, err);
	if (!rc)
		rc = check_ttl(s, w, err);
	if (!rc)
		rc = wait_memory(s, err);
	if (rc)
		return rc;
	buf_t *b = storage_scratch_get(s);
	struct iovec iov[WAL_MAX_IOV];
	int n_iov = 0;
	if (!b)
		return err_set(err, LARCH_NO_MEMORY, "out of memory encoding a write");
	rc = walrec_encode_write(w, b, iov, &n_iov, err);
	if (!rc) {
		gate_enter(s);
		rc = storage_write_apply(s, w, iov, n_iov, err);
		gate_leave(s);
	}
	storage_scratch_put(s, b);
	if (!rc && s->opt.wal_mode == STORAGE_WAL_SYNC)
		rc = wal_sync(s->wal, err);
	if (rc)
		return rc;
	atomic_fetch_add(&s->st_writes, 1);
	if (atomic_load(&s->mt_working) >= s->seal_bytes)
		flush_wake(s);
	return LARCH_OK;
}

int storage_flush(storage_t *s, larch_error_t *err)
{
	if (!s)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_flush: NULL storage");
	pthread_mutex_lock(&s->lock);
	uint64_t t = ++s->flush_tickets, attempts = s->flush_attempts;
	int rc = LARCH_OK;
	flush_wake(s);
	while (s->flush_served < t) {
		if (s->flush_rc && s->flush_attempts != attempts) {
			rc = err_set(err, s->flush_rc, "flush failed: %s", s->flush_err.msg);
			break;
		}
		pthread_cond_wait(&s->flush_done, &s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/*---------------------------------------------------------------------------
 * Deletions and drops (live and replayed)
 *---------------------------------------------------------------------------*/

/* Record the deletion in one partition (part lock held): memtables get
 * entries, files .mods2 entries; files wholly deleted are removed.  *synced
 * collects whether a directory changed. */
static int delete_in_part(spart_t *p, const storage_series_ref_t *refs, size_t n, int64_t start,
			  int64_t end, int *removed, larch_error_t *err)
{
	int rc = LARCH_OK;
	for (size_t m = 0; !rc && m < p->n_sealed + 2; m++) {
		memtable_t *mt = m < p->n_sealed ? p->sealed[m] : p->work[m - p->n_sealed];
		for (size_t i = 0; mt && !rc && i < n; i++)
			rc = mt_delete(mt, refs[i].device, refs[i].measurement, start, end, err);
	}
	smod_t *mods = mem_alloc(n * sizeof(*mods));
	if (!rc && !mods)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory deleting");
	for (size_t fi = 0; !rc && fi < p->n_files;) {
		sfile_t *f = p->files[fi];
		size_t k = 0;
		if ((rc = sfile_reader_open(f, err)))
			break;
		for (size_t i = 0; i < n; i++) {
			const tsfile_series_info_t *si =
				tsfile_reader_find_series(f->reader, refs[i].device, refs[i].measurement);
			if (!si || si->stats.count == 0 || si->stats.end_time < start ||
			    si->stats.start_time > end ||
			    sfile_has_mod(f, refs[i].device, refs[i].measurement, start, end))
				continue;
			mods[k++] = (smod_t){(char *)refs[i].device, refs[i].measurement, start, end};
		}
		if (k && (rc = sfile_add_mods(f, mods, k, err)))
			break;
		if (k && sfile_all_deleted(f)) {
			sfile_remove(f);
			spart_drop_file(p, f);
			*removed = 1;
			continue;
		}
		fi++;
	}
	mem_free(mods);
	return rc;
}

int storage_delete_apply(storage_t *s, const char *db, const storage_series_ref_t *refs,
			 size_t n, int64_t start, int64_t end, larch_error_t *err)
{
	spart_t **ps;
	size_t np;
	int rc = storage_parts_in(s, db, storage_partition_of(s, start),
				  storage_partition_of(s, end), &ps, &np, err);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < np; i++) {
		int removed = 0;
		pthread_mutex_lock(&ps[i]->lock);
		rc = delete_in_part(ps[i], refs, n, start, end, &removed, err);
		pthread_mutex_unlock(&ps[i]->lock);
		char dir[PATH_MAX];
		for (int side = 0; !rc && removed && side < 2; side++) {
			snprintf(dir, sizeof dir, "%s/%s", ps[i]->dir, side ? "unseq" : "seq");
			if (access(dir, F_OK) == 0)
				rc = dir_sync(dir, err);
		}
	}
	storage_parts_release(ps, np);
	for (size_t i = 0; i < n; i++)
		lastcache_forget(s->last, refs[i].id);
	return rc;
}

/* Drop partition p (already taken out of its database's map). */
static int drop_part(spart_t *p, larch_error_t *err)
{
	pthread_mutex_lock(&p->lock);
	p->dropped = 1;
	spart_release_memtables(p);
	while (p->n_files) {
		sfile_t *f = p->files[p->n_files - 1];
		sfile_remove(f);
		spart_drop_file(p, f);
	}
	pthread_mutex_unlock(&p->lock);
	return dir_remove_tree(p->dir, err);
}

int storage_drop_apply(storage_t *s, const char *dbname, int whole, int64_t id,
		       larch_error_t *err)
{
	pthread_mutex_lock(&s->lock);
	sdb_t *db = storage_db_get(s, dbname, 0);
	spart_t **ps = db ? mem_alloc((db->parts.n + 1) * sizeof(*ps)) : NULL;
	size_t n = 0;
	if (db && !ps) {
		pthread_mutex_unlock(&s->lock);
		return err_set(err, LARCH_NO_MEMORY, "out of memory dropping %s", dbname);
	}
	if (db && whole) {
		hmap_del_str(&s->dbs, dbname);
		for (uint32_t i = 0; i < db->parts.cap; i++)
			if (db->parts.slots[i].val)
				ps[n++] = db->parts.slots[i].val;
		hmap_free(&db->parts);
	} else if (db) {
		spart_t *p = hmap_del_u64(&db->parts, (uint64_t)id);
		if (p)
			ps[n++] = p;
	}
	pthread_mutex_unlock(&s->lock);
	int rc = LARCH_OK;
	for (size_t i = 0; i < n; i++) {
		int r = drop_part(ps[i], err);
		rc = rc ? rc : r;
		spart_unref(ps[i]);
	}
	mem_free(ps);
	if (db && whole) {
		int r = dir_remove_tree(db->dir, err);
		rc = rc ? rc : r;
		sdb_unref(db);
	}
	if (db && !rc)
		rc = dir_sync(s->data_dir, err);
	lastcache_clear(s->last);
	return rc;
}

/* Log a record (not while replaying) and apply it with the gate closed. */
static int log_exclusive(storage_t *s, const buf_t *rec, larch_error_t *err)
{
	if (!buf_ok(rec))
		return err_set(err, LARCH_NO_MEMORY, "out of memory encoding a WAL record");
	return wal_append(s->wal, rec->data, rec->len, NULL, err);
}

int storage_delete(storage_t *s, const char *database, const storage_series_ref_t *series,
		   size_t n, int64_t start, int64_t end, larch_error_t *err)
{
	int rc;
	if (!s || !series || n == 0 || n > UINT32_MAX)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_delete: no series");
	if ((rc = check_name("database name", database, MAX_DB_NAME, err)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = check_name("device path", series[i].device, 0xFFFF, err)) ||
		    (rc = check_name("measurement name", series[i].measurement, 0xFFFF, err)))
			return rc;
	if (start > end)
		return LARCH_OK;
	buf_t *b = storage_scratch_get(s);
	if (!b)
		return err_set(err, LARCH_NO_MEMORY, "out of memory deleting");
	walrec_encode_delete(b, database, series, n, start, end);
	gate_close(s);
	rc = log_exclusive(s, b, err);
	if (!rc)
		rc = storage_delete_apply(s, database, series, n, start, end, err);
	gate_open(s);
	storage_scratch_put(s, b);
	storage_readers_trim(s); /* the deletion opened the readers of its files */
	if (!rc)
		rc = wal_sync(s->wal, err);
	return rc;
}

static int drop_common(storage_t *s, const char *database, int whole, int64_t id,
		       larch_error_t *err)
{
	int rc;
	if (!s)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "drop: NULL storage");
	if ((rc = check_name("database name", database, MAX_DB_NAME, err)))
		return rc;
	buf_t *b = storage_scratch_get(s);
	if (!b)
		return err_set(err, LARCH_NO_MEMORY, "out of memory dropping");
	walrec_encode_drop(b, database, whole, id);
	gate_close(s);
	rc = log_exclusive(s, b, err);
	if (!rc)
		rc = storage_drop_apply(s, database, whole, id, err);
	gate_open(s);
	storage_scratch_put(s, b);
	if (!rc)
		rc = wal_sync(s->wal, err);
	return rc;
}

int storage_drop_database(storage_t *s, const char *database, larch_error_t *err)
{
	return drop_common(s, database, 1, 0, err);
}

int storage_drop_partition(storage_t *s, const char *database, int64_t partition_id,
			   larch_error_t *err)
{
	return drop_common(s, database, 0, partition_id, err);
}

int storage_set_ttl(storage_t *s, const char *database, int64_t ttl, larch_error_t *err)
{
	int rc;
	if (!s || ttl < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_set_ttl: bad argument");
	if ((rc = check_name("database name", database, MAX_DB_NAME, err)))
		return rc;
	pthread_mutex_lock(&s->lock);
	sdb_t *db = storage_db_get(s, database, 1);
	if (db)
		db->ttl = ttl;
	if (db && ttl)
		atomic_store(&s->ttl_used, 1);
	pthread_mutex_unlock(&s->lock);
	if (!db)
		return err_set(err, LARCH_NO_MEMORY, "out of memory setting a TTL");
	lastcache_clear(s->last);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Open TsFile readers
 *---------------------------------------------------------------------------*/

/* Open the reader of every file of `database` (readers pinned). */
static int readers_open_all(storage_t *s, const char *database, larch_error_t *err)
{
	spart_t **ps;
	size_t np;
	int rc = storage_parts_all(s, database, &ps, &np, err);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < np; i++) {
		pthread_mutex_lock(&ps[i]->lock);
		for (size_t k = 0; !rc && k < ps[i]->n_files; k++)
			rc = sfile_reader_open(ps[i]->files[k], err);
		pthread_mutex_unlock(&ps[i]->lock);
	}
	storage_parts_release(ps, np);
	return rc;
}

void storage_reader_park(storage_t *s, sfile_t *f)
{
	if (!atomic_load(&s->readers_pinned))
		sfile_reader_close_idle(f, 2);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Idle open readers of the partitions: their last_use stamps into *uses
 * (mem_alloc'd, *n); with cut != 0, close those used at or before cut
 * instead. */
static void readers_scan(storage_t *s, spart_t **ps, size_t np, uint64_t cut, uint64_t **uses,
			 size_t *n)
{
	size_t cap = 0;
	for (size_t i = 0; i < np; i++) {
		spart_t *p = ps[i];
		pthread_mutex_lock(&p->lock);
		for (size_t k = 0; k < p->n_files && !atomic_load(&s->readers_pinned); k++) {
			sfile_t *f = p->files[k];
			if (!f->reader || atomic_load(&f->refs) != 1)
				continue;
			if (cut) {
				if (f->last_use <= cut)
					sfile_reader_close_idle(f, 1);
				continue;
			}
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				uint64_t *u = mem_realloc(*uses, cap * sizeof(*u));
				if (!u)
					break; /* trim what is known so far */
				*uses = u;
			}
			(*uses)[(*n)++] = f->last_use;
		}
		pthread_mutex_unlock(&p->lock);
	}
}

void storage_readers_trim(storage_t *s)
{
	uint64_t open = atomic_load(&s->reader_bytes);
	if (open <= s->reader_budget || atomic_load(&s->readers_pinned))
		return;
	spart_t **ps;
	size_t np, n = 0;
	if (storage_parts_all(s, NULL, &ps, &np, NULL))
		return;
	uint64_t *uses = NULL;
	readers_scan(s, ps, np, 0, &uses, &n);
	if (n) {
		/* close the least recently used share: as many as the excess over
		 * half the budget represents of the open bytes, at least one */
		qsort(uses, n, sizeof(*uses), u64_cmp);
		double share = (double)(open - s->reader_budget / 2) / (double)open;
		size_t k = (size_t)(share * (double)n);
		readers_scan(s, ps, np, uses[k < n ? k : n - 1], NULL, NULL);
	}
	mem_free(uses);
	storage_parts_release(ps, np);
}

/*---------------------------------------------------------------------------
 * Last value
 *---------------------------------------------------------------------------*/

int storage_last(storage_t *s, const char *database, const storage_series_ref_t *ref,
		 arena_t *arena, int64_t *time, tsfile_value_t *value, int *found,
		 larch_error_t *err)
{
	int rc;
	if (!s || !ref || !arena || !time || !value || !found)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_last: NULL argument");
	if ((rc = check_name("database name", database, MAX_DB_NAME, err)) ||
	    (rc = check_name("device path", ref->device, 0xFFFF, err)) ||
	    (rc = check_name("measurement name", ref->measurement, 0xFFFF, err)))
		return rc;
	if (!type_is_valid((int)ref->type))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_last: bad type");
	*found = 0;
	int hit = lastcache_get(s->last, ref->id, ref->type, arena, time, value, found);
	if (hit < 0)
		return err_set(err, LARCH_NO_MEMORY, "out of memory reading the last value");
	if (!hit) {
		uint64_t epoch = lastcache_epoch(s->last);
		int64_t t = 0;
		tsfile_value_t v;
		memset(&v, 0, sizeof v);
		v.type = ref->type;
		int f = 0;
		/* cursor_series_last reads the index of every file of the
		 * database: open them all and keep them open meanwhile */
		atomic_fetch_add(&s->readers_pinned, 1);
		rc = readers_open_all(s, database, err);
		if (!rc)
			rc = cursor_series_last(s, database, ref, arena, &t, &v, &f, err);
		atomic_fetch_sub(&s->readers_pinned, 1);
		storage_readers_trim(s);
		if (rc)
			return rc;
		v.type = ref->type;
		if (lastcache_store(s->last, epoch, ref->id, f, t, &v, time, value, found, arena))
			return err_set(err, LARCH_NO_MEMORY, "out of memory reading the last value");
	}
	pthread_mutex_lock(&s->lock);
	int64_t cut = storage_ttl_cut(s, storage_db_get(s, database, 0));
	pthread_mutex_unlock(&s->lock);
	if (*found && *time < cut)
		*found = 0;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Open and close
 *---------------------------------------------------------------------------*/

static char *path_join(const char *a, const char *b)
{
	char *p = mem_alloc(strlen(a) + strlen(b) + 2);
	if (p)
		sprintf(p, "%s/%s", a, b);
	return p;
}

static void storage_free(storage_t *s)
{
	for (uint32_t i = 0; i < s->dbs.cap; i++) {
		sdb_t *db = s->dbs.slots[i].val;
		for (uint32_t j = 0; db && j < db->parts.cap; j++) {
			spart_t *p = db->parts.slots[j].val;
			if (!p)
				continue;
			pthread_mutex_lock(&p->lock);
			spart_release_memtables(p);
			pthread_mutex_unlock(&p->lock);
			spart_unref(p);
		}
		if (db) {
			hmap_free(&db->parts);
			sdb_unref(db);
		}
	}
	hmap_free(&s->dbs);
	for (size_t i = 0; i < s->n_gen; i++)
		mt_unref(s->gen[i]);
	mem_free(s->gen);
	for (size_t i = 0; i < s->n_scratch; i++) {
		buf_free(s->scratch[i]);
		mem_free(s->scratch[i]);
	}
	lastcache_free(s->last);
	pool_free(s->pool); /* after every memtable gave its chunks back */
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->gate_lock);
	pthread_mutex_destroy(&s->scratch_lock);
	pthread_mutex_destroy(&s->compact_lock);
	pthread_cond_destroy(&s->gate_cond);
	pthread_cond_destroy(&s->mem_cond);
	pthread_cond_destroy(&s->flush_cond);
	pthread_cond_destroy(&s->flush_done);
	pthread_cond_destroy(&s->compact_cond);
	mem_free(s->dir);
	mem_free(s->data_dir);
	mem_free(s->wal_dir);
	mem_free(s);
}

static int take_lock(storage_t *s, larch_error_t *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/LOCK", s->dir);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lock_fd < 0)
		return err_set(err, LARCH_STORAGE_ERROR, "open %s: %s", path, strerror(errno));
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return err_set(err, LARCH_STORAGE_ERROR, "%s is in use by another process (%s)",
			       s->dir, strerror(errno));
	return LARCH_OK;
}

int storage_open(const char *dir, const storage_options_t *o, storage_t **out,
		 larch_error_t *err)
{
	storage_options_t def;
	int rc;
	if (out)
		*out = NULL;
	if (!dir || !*dir || !out)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_open: no directory");
	if (strlen(dir) > PATH_MAX - 256)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_open: directory path too long");
	if (!o) {
		storage_options_default(&def);
		o = &def;
	}
	if ((rc = options_check(o, err)))
		return rc;
	storage_t *s = mem_calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening %s", dir);
	s->lock_fd = -1;
	s->opt = *o;
	if (!s->opt.memtable_bytes)
		s->opt.memtable_bytes = DEFAULT_MEMTABLE_BYTES;
	s->budget = o->memory_budget ? o->memory_budget : budget_detect();
	s->mt_limit = s->budget / 2;
	s->reader_budget = o->reader_cache_bytes ? o->reader_cache_bytes : s->budget / 16;
	atomic_init(&s->ttl_used, o->ttl > 0);
	s->seal_bytes = LR_MAX(LR_MIN(s->opt.memtable_bytes, s->mt_limit / 2), MIN_SEAL_BYTES);
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->gate_lock, NULL);
	pthread_mutex_init(&s->scratch_lock, NULL);
	pthread_mutex_init(&s->compact_lock, NULL);
	pthread_cond_init(&s->gate_cond, NULL);
	pthread_cond_init(&s->mem_cond, NULL);
	pthread_cond_init(&s->flush_cond, NULL);
	pthread_cond_init(&s->flush_done, NULL);
	pthread_cond_init(&s->compact_cond, NULL);
	s->dir = mem_strdup(dir);
	s->data_dir = path_join(dir, "data");
	s->wal_dir = path_join(dir, "wal");
	s->last = lastcache_new();
	s->pool = pool_new(LR_MIN(s->mt_limit / 4, (uint64_t)256 << 20));
	if (!s->dir || !s->data_dir || !s->wal_dir || !s->last || !s->pool)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory opening %s", dir);
	if (!rc && !(rc = dir_make(s->data_dir, err)) && !(rc = take_lock(s, err)))
		rc = storage_recover(s, err);
	if (!rc && pthread_create(&s->flusher, NULL, flush_main, s) != 0)
		rc = err_set(err, LARCH_INTERNAL_ERROR, "cannot start the flush thread");
	s->flusher_started = !rc;
	if (!rc && s->opt.compaction && pthread_create(&s->compactor, NULL, compaction_main, s) == 0)
		s->compactor_started = 1;
	else if (!rc && s->opt.compaction)
		rc = err_set(err, LARCH_INTERNAL_ERROR, "cannot start the compaction thread");
	if (rc) {
		storage_close(s, NULL);
		return rc;
	}
	*out = s;
	return LARCH_OK;
}

int storage_close(storage_t *s, larch_error_t *err)
{
	if (!s)
		return LARCH_OK;
	int rc = LARCH_OK;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->compact_cond);
	flush_wake(s);
	pthread_mutex_unlock(&s->lock);
	if (s->compactor_started)
		pthread_join(s->compactor, NULL);
	if (s->flusher_started) {
		/* the flusher seals and writes everything left, then exits */
		pthread_join(s->flusher, NULL);
		if (s->flush_rc)
			rc = err_set(err, s->flush_rc, "final flush failed: %s", s->flush_err.msg);
	}
	int r = wal_close(s->wal, err);
	rc = rc ? rc : r;
	storage_free(s);
	return rc;
}

/*---------------------------------------------------------------------------
 * Statistics and listing
 *---------------------------------------------------------------------------*/

void storage_stats(storage_t *s, storage_stats_t *out)
{
	memset(out, 0, sizeof *out);
	if (!s)
		return;
	out->memtable_bytes = atomic_load(&s->mt_total);
	out->memtable_limit = s->mt_limit;
	out->memory_budget = s->budget;
	out->writes = atomic_load(&s->st_writes);
	out->points_written = atomic_load(&s->st_points);
	out->write_stalls = atomic_load(&s->st_stalls);
	out->flushes = atomic_load(&s->st_flushes);
	out->compactions = atomic_load(&s->st_compactions);
	out->recovered_records = s->st_rec_records;
	out->recovered_bytes = s->st_rec_bytes;
	out->recovery_seconds = s->st_rec_seconds;
	out->last_cache_bytes = lastcache_bytes(s->last);
	out->pool_bytes = pool_bytes(s->pool);
	out->reader_bytes = atomic_load(&s->reader_bytes);
	if (s->wal) {
		wal_stats_t ws;
		wal_stats(s->wal, &ws);
		out->wal_bytes = ws.file_bytes;
	}
	spart_t **ps;
	size_t n;
	if (storage_parts_all(s, NULL, &ps, &n, NULL))
		return;
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&ps[i]->lock);
		for (size_t k = 0; k < ps[i]->n_files; k++) {
			out->files++;
			out->unseq_files += ps[i]->files[k]->unseq;
			out->file_bytes += ps[i]->files[k]->size;
		}
		pthread_mutex_unlock(&ps[i]->lock);
	}
	storage_parts_release(ps, n);
}

void storage_file_list_free(storage_file_info_t *files, size_t n)
{
	for (size_t i = 0; files && i < n; i++)
		mem_free(files[i].path);
	mem_free(files);
}

int storage_list_files(storage_t *s, const char *database, storage_file_info_t **out,
		       size_t *n, larch_error_t *err)
{
	if (!s || !out || !n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_list_files: NULL argument");
	*out = NULL;
	*n = 0;
	spart_t **ps;
	size_t np, cnt = 0, cap = 0;
	int rc = storage_parts_all(s, database, &ps, &np, err);
	if (rc)
		return rc;
	storage_file_info_t *fs = NULL;
	for (size_t i = 0; !rc && i < np; i++) {
		spart_t *p = ps[i];
		pthread_mutex_lock(&p->lock);
		for (size_t k = 0; !rc && k < p->n_files; k++) {
			const sfile_t *f = p->files[k];
			if (cnt == cap) {
				size_t nc = cap ? cap * 2 : 16;
				storage_file_info_t *x = mem_realloc(fs, nc * sizeof(*x));
				if (!x) {
					rc = err_set(err, LARCH_NO_MEMORY, "out of memory listing files");
					break;
				}
				fs = x;
				cap = nc;
			}
			storage_file_info_t *fi = &fs[cnt];
			fi->path = mem_strdup(f->path);
			if (!fi->path) {
				rc = err_set(err, LARCH_NO_MEMORY, "out of memory listing files");
				break;
			}
			fi->partition = p->id;
			fi->unseq = f->unseq;
			fi->version = f->version;
			fi->level = f->level;
			fi->size = f->size;
			fi->n_mods = f->n_mods;
			cnt++;
		}
		pthread_mutex_unlock(&p->lock);
	}
	storage_parts_release(ps, np);
	if (rc) {
		storage_file_list_free(fs, cnt);
		return rc;
	}
	*out = fs;
	*n = cnt;
	return LARCH_OK;
}

int storage_compact(storage_t *s, size_t *done, larch_error_t *err)
{
	if (!s)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_compact: NULL storage");
	size_t d = 0;
	pthread_mutex_lock(&s->compact_lock);
	int rc = compaction_pass(s, &d, err);
	pthread_mutex_unlock(&s->compact_lock);
	if (done)
		*done = d;
	return rc;
}
