/*
 * storage_int.h — the seams between the files of src/storage (except the
 * WAL, whose seam is wal_int.h).  Not for use outside src/storage.
 *
 *   hmap.c        hash map (string or integer keys)
 *   memtable.c    memtables: append, deletions, sorted views, flush rows
 *   walrec.c      WAL record payloads: write, delete, drop
 *   sfile.c       files on disk: names, TsFiles with their .mods2, the
 *                 checkpoint file, directory helpers
 *   flush.c       sealing generations of memtables, writing them to TsFiles
 *   cursor.c      the read path: snapshots, merging sources, blocks
 *   compaction.c  compaction, TTL expiry, the compaction log
 *   lastcache.c   the last-value cache
 *   pool.c        recycled memtable chunks, prefaulted during replay
 *   recovery.c    storage_open's loading of files and WAL replay
 *   storage.c     the public API: open, write, delete, drop, close, ...
 *
 * Locking, outermost first (never take an earlier one while holding a
 * later one):
 *   compact_lock   one compaction pass at a time
 *   gate           writers share it; sealing a generation and dropping take
 *                  it alone (gate_lock + gate_cond implement it)
 *   s->lock        the database and partition maps, versions, flusher and
 *                  memory state
 *   part->lock     a partition's memtables, files, .mods2 entries, maxima
 *   cache lock     the last-value cache
 *   the WAL's own lock (inside wal_append)
 * A writer holds the gate (shared) and its partitions' locks across the WAL
 * append and the memtable append, so memtables see writes in LSN order.
 */
#ifndef LARCH_STORAGE_INT_H
#define LARCH_STORAGE_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>

#include "storage/storage.h"
#include "storage/wal.h"
#include "tsfile/tsfile_int.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "src/storage stores WAL arrays in host order and assumes a little-endian host"
#endif

/*---------------------------------------------------------------------------
 * Hash map (hmap.c)
 *---------------------------------------------------------------------------*/

typedef struct hmap_slot {
	uint64_t h;        /* string hash, or the integer key itself */
	const char *key;   /* NULL for integer keys */
	void *val;         /* NULL: empty slot */
} hmap_slot_t;

typedef struct hmap {
	hmap_slot_t *slots;
	uint32_t cap;      /* 0 or a power of two */
	uint32_t n;
} hmap_t;

uint64_t hmap_hash_str(const char *s);
void *hmap_get_str(const hmap_t *m, const char *key);
void *hmap_get_u64(const hmap_t *m, uint64_t key);
/* Insert or replace (val != NULL); LARCH_NO_MEMORY leaves the map as it was. */
int hmap_put_str(hmap_t *m, const char *key, void *val);
int hmap_put_u64(hmap_t *m, uint64_t key, void *val);
/* Remove and return the value (NULL if absent). */
void *hmap_del_str(hmap_t *m, const char *key);
void *hmap_del_u64(hmap_t *m, uint64_t key);
void hmap_free(hmap_t *m);

/*---------------------------------------------------------------------------
 * Memtables (memtable.c)
 *
 * A memtable holds the writes routed to one partition's sequence or
 * unsequence side since its last seal.  Devices hold groups: an aligned
 * device one group whose columns share its times, a non-aligned device one
 * group per series.  A group's arrays are chunked: row r lives in chunk
 * r >> MT_CHUNK_SHIFT at r & MT_CHUNK_MASK.  Chunk 0 starts small and
 * grows by doubling up to MT_CHUNK_ROWS; later chunks are full size and
 * never move, so appends never copy old rows.  Rows below a reader's
 * snapshot length are never changed; a chunk 0 replaced by a larger one is
 * kept (retired) while a cursor reads the memtable, so cursors read
 * without locks.  Deletions do not change rows either: they are entries
 * applying to the rows that existed when they were made.
 *---------------------------------------------------------------------------*/

#define MT_CHUNK_SHIFT 10
#define MT_CHUNK_ROWS ((size_t)1 << MT_CHUNK_SHIFT)
#define MT_CHUNK_MASK (MT_CHUNK_ROWS - 1)

typedef struct storage storage_t;
typedef struct spart spart_t;

typedef struct mt_del {
	uint32_t col;        /* column of the group */
	size_t upto;         /* rows [0, upto) are affected */
	int64_t start, end;  /* inclusive time range */
	uint64_t seq;        /* memtable-wide order of deletions, from 1 */
} mt_del_t;

typedef struct mt_col {
	const char *name;    /* in the memtable's arena */
	tsfile_type_t type;
	int encoding, codec; /* as written (-1: defaults) */
	uint32_t series_id;
	void **vals;         /* value chunks */
	uint8_t **nulls;     /* NULL (no null so far) or null-byte chunks */
	uint64_t stamp;      /* the write that touched it last (duplicate check) */
} mt_col_t;

typedef struct mt_group {
	int64_t **times;     /* time chunks */
	uint32_t n_chunks;   /* chunks allocated (in every array) */
	uint32_t cap_dir;    /* slots of every chunk directory */
	size_t first_cap;    /* rows chunk 0 holds (MT_CHUNK_ROWS once full) */
	size_t n;            /* rows */
	int sorted;          /* times are non-decreasing */
	int strict;          /* ... and strictly increasing */
	int64_t tmin, tmax;
	mt_col_t *cols;
	uint32_t ncols, cap_cols;
	hmap_t col_map;      /* aligned: name -> column index + 1 */
	mt_del_t *dels;
	size_t n_dels, cap_dels;
} mt_group_t;

typedef struct mt_dev {
	const char *path;    /* in the memtable's arena */
	int aligned;
	int64_t tmax;        /* largest time written */
	mt_group_t **groups; /* aligned: exactly one */
	uint32_t n_groups, cap_groups;
	hmap_t group_map;    /* non-aligned: measurement -> group */
} mt_dev_t;

typedef struct mt_retired {
	void *ptr;
	size_t bytes;
} mt_retired_t;

typedef struct memtable {
	storage_t *s;
	spart_t *part;
	int unseq;
	uint64_t version;    /* 0 while written to; set when sealed */
	atomic_int refs;
	int readers;         /* cursors reading it (part lock) */
	mt_retired_t *retired;
	size_t n_retired, cap_retired;
	hmap_t devs;         /* path -> mt_dev_t */
	mt_dev_t **dev_list;
	size_t n_devs, cap_devs;
	arena_t *arena;      /* names and byte-string values */
	size_t arena_bytes;  /* accounted arena growth */
	uint64_t bytes;      /* accounted memory */
	uint64_t points;
	uint64_t stamp;
	uint64_t del_seq;    /* deletions made so far */
} memtable_t;

/* A set of rows of a write: idx[0..n) or, if idx is NULL, rows 0..n-1.
 * sorted/strict/tmin/tmax describe the times of the selected rows. */
typedef struct rowsel {
	const uint32_t *idx;
	size_t n;
	int sorted, strict;
	int64_t tmin, tmax;
} rowsel_t;

/* Where one column of a write goes (filled by mt_reserve). */
typedef struct mt_slot {
	mt_group_t *g;
	uint32_t col;
	size_t rows;         /* rows it receives */
	char *bytes;         /* reserved room for its byte strings */
} mt_slot_t;

/* A new memtable of part (it holds a reference to the partition). */
memtable_t *mt_new(storage_t *s, spart_t *part, int unseq);
void mt_ref(memtable_t *mt);
void mt_unref(memtable_t *mt);
/* Phase 1 of an append (part lock held): find or create the device, groups
 * and columns of w, check types, alignment and duplicates, and make room
 * for the rows of sel.  Fails without changing any row. */
int mt_reserve(memtable_t *mt, const storage_write_t *w, const rowsel_t *sel,
	       mt_slot_t *slots, larch_error_t *err);
/* Phase 2 (part lock held, after mt_reserve succeeded): copy; cannot fail.
 * Returns the number of points (non-null values) appended. */
uint64_t mt_append(memtable_t *mt, const storage_write_t *w, const rowsel_t *sel,
		   const mt_slot_t *slots);
/* Record a deletion of device.measurement in [start, end] for the rows
 * present now (part lock held); nothing when the memtable lacks the series
 * or has no point in the range. */
int mt_delete(memtable_t *mt, const char *device, const char *measurement, int64_t start,
	      int64_t end, larch_error_t *err);
/* The time range [*lo, *hi] of rows of device.measurement of type `type`
 * (deleted or overwritten ones included): 1 if it has rows, else 0.  Part
 * lock held. */
int mt_series_range(const memtable_t *mt, const char *device, const char *measurement,
		    tsfile_type_t type, int64_t *lo, int64_t *hi);
/* Done reading (part lock held): readers--, free retired arrays at 0. */
void mt_reader_done(memtable_t *mt);

/* One series of one memtable as a cursor sees it (captured under the part
 * lock; the memtable is referenced and counted as read). */
typedef struct mt_snap {
	memtable_t *mt;
	int64_t **times;     /* chunk directories, copied */
	void **vals;
	uint8_t **nulls;     /* NULL: no null */
	size_t n;
	int sorted, strict;
	tsfile_type_t type;
	int64_t tmin, tmax;
	mt_del_t *dels;      /* copies */
	size_t n_dels;
	void *own;           /* one allocation: directories and deletions */
} mt_snap_t;

/* Capture series (device, measurement) of type `type`: LARCH_OK with
 * *found set (0 when absent or of another type), or LARCH_NO_MEMORY. */
int mt_snap_series(memtable_t *mt, const char *device, const char *measurement,
		   tsfile_type_t type, mt_snap_t *out, int *found, larch_error_t *err);
/* Release a capture (takes the part lock itself). */
void mt_snap_release(mt_snap_t *snap);

/* A run of points: times strictly ascending. */
typedef struct mt_run {
	const int64_t *times;
	const void *values;
	size_t n;
} mt_run_t;

/* Sorted points of a capture with time in [start, end]: the last write of
 * each time, nulls and deleted points left out, as runs in time order —
 * one per chunk pointing into the memtable when it is already sorted and
 * without duplicates, nulls or deletions, else one run of copies. */
typedef struct mt_view {
	mt_run_t *runs;
	size_t n_runs;
	void *own;           /* copies, when made */
} mt_view_t;

int mt_view_build(const mt_snap_t *snap, int64_t start, int64_t end, mt_view_t *out,
		  larch_error_t *err);
void mt_view_free(mt_view_t *v);

/* A group's rows ready for a TsFile: times strictly ascending, one value
 * and null byte per row and column (the last non-null write of each time),
 * deletions with seq <= del_seq and times below min_time left out, rows
 * without any value dropped.  In parts (tablets): one per chunk when the
 * group can be written as it is, else one part of copies. */
typedef struct mt_rows {
	const mt_group_t *g; /* direct parts: the group's chunks */
	uint32_t ncols;
	size_t n_parts;
	size_t n;            /* rows in all parts */
	/* the part of copies */
	int64_t *times;
	void **values;
	uint8_t **nulls;
	void *own;
} mt_rows_t;

int mt_group_rows(const mt_group_t *g, uint64_t del_seq, int64_t min_time, mt_rows_t *out,
		  larch_error_t *err);
/* Part i: its row count, times, and per column values and null bytes (NULL:
 * no null) in the caller's arrays of g->ncols entries. */
size_t mt_rows_part(const mt_rows_t *r, size_t i, const int64_t **times, const void **values,
		    const uint8_t **nulls);
void mt_rows_free(mt_rows_t *r);

/* A (time, row) pair; mt_sort_pairs sorts by time, stably (equal times keep
 * their order), with a natural merge sort: sorted input costs one pass. */
typedef struct mt_pair {
	int64_t t;
	uint32_t r;
} mt_pair_t;

int mt_sort_pairs(mt_pair_t *p, size_t n);

/*---------------------------------------------------------------------------
 * WAL records (walrec.c)
 *---------------------------------------------------------------------------*/

enum { WALREC_WRITE = 1, WALREC_DELETE = 2, WALREC_DROP_DB = 3, WALREC_DROP_PART = 4 };

/* A decoded record.  Pointers refer to the record bytes or to `scratch`. */
typedef struct walrec {
	int kind;
	storage_write_t write;          /* WRITE */
	const char *database;           /* every kind */
	storage_series_ref_t *refs;     /* DELETE */
	size_t n_refs;
	int64_t start, end;             /* DELETE */
	int64_t partition;              /* DROP_PART */
} walrec_t;

/* Encode a write as iovec pieces: small parts are copied into *scratch,
 * large arrays of the caller are referenced.  *n_iov <= WAL_MAX_IOV. */
int walrec_encode_write(const storage_write_t *w, buf_t *scratch, struct iovec *iov,
			int *n_iov, larch_error_t *err);
void walrec_encode_delete(buf_t *out, const char *database, const storage_series_ref_t *refs,
			  size_t n, int64_t start, int64_t end);
void walrec_encode_drop(buf_t *out, const char *database, int whole_db, int64_t partition);
/* Decode a record (hostile bytes: bounds-checked, LARCH_CORRUPTED). */
int walrec_decode(const uint8_t *rec, size_t len, walrec_t *out, buf_t *scratch,
		  larch_error_t *err);

/*---------------------------------------------------------------------------
 * Files (sfile.c)
 *---------------------------------------------------------------------------*/

/* One deletion entry of a TsFile's .mods2 (a TREE_DELETION with an exact
 * path "device.measurement"). */
typedef struct smod {
	char *device;        /* one allocation holds both strings */
	const char *measurement;
	int64_t start, end;
} smod_t;

typedef struct sfile {
	atomic_int refs;
	char *path;          /* .../<version>-<level>.tsfile */
	uint64_t version;
	uint32_t level;
	int unseq;
	uint64_t size;
	tsfile_reader_t *reader;
	int64_t tmin, tmax;  /* over every series */
	smod_t *mods;        /* part lock */
	size_t n_mods, cap_mods;
	int removed;         /* unlinked; the reader stays usable */
	/* Reader residency (sfile.c): `reader` (the file's whole index, several
	 * hundred bytes per series) is NULL while closed.  It is opened by
	 * sfile_ref and sfile_reader_open and closed when nobody but the
	 * partition holds the file (sfile_reader_close_idle); both with the
	 * part lock held. */
	_Atomic uint64_t *acct;  /* open reader bytes of the storage (may be NULL) */
	uint64_t reader_bytes;   /* this reader's share of *acct (0 while closed) */
	uint64_t last_use;       /* use clock at its last reference (part lock) */
} sfile_t;

/* Open the TsFile at path (repairing an unfinished one with force-append)
 * and its .mods2.  *out is NULL (and LARCH_OK) when the file held no
 * complete chunk group and was removed. */
int sfile_load(const char *path, uint64_t version, uint32_t level, int unseq, sfile_t **out,
	       larch_error_t *err);
/* A file this process has just written and closed (complete, no .mods2
 * yet) whose points span [tmin, tmax]: an sfile_t without an open reader
 * (sfile_load would parse its index only to learn the time range). */
int sfile_new(const char *path, uint64_t version, uint32_t level, int unseq, int64_t tmin,
	      int64_t tmax, sfile_t **out, larch_error_t *err);
/* Take a reference (part lock held, or f not yet published) and open the
 * reader if it is closed: f->reader is usable while the reference is held.
 * If opening fails (out of memory, I/O) f->reader stays NULL and
 * sfile_mod_ranges fails for f, so a capture that calls it for each file it
 * referenced (cursor.c) fails cleanly instead of reading a NULL reader. */
void sfile_ref(sfile_t *f);
void sfile_unref(sfile_t *f);
/* Count f's open reader in *acct from now on (loaders call it once). */
void sfile_account(sfile_t *f, _Atomic uint64_t *acct);
/* Open f's reader if it is closed (part lock held). */
int sfile_reader_open(sfile_t *f, larch_error_t *err);
/* Close f's reader if exactly `owners` references are held (the partition's,
 * plus the caller's own if any); part lock held.  Returns the bytes freed. */
uint64_t sfile_reader_close_idle(sfile_t *f, int owners);
/* Append deletion entries to the .mods2 of the TsFile at tsfile_path
 * (created if missing; fsync'd, and its directory when created). */
int mods_append_file(const char *tsfile_path, const smod_t *mods, size_t n,
		     larch_error_t *err);
/* Append deletion entries to the file's .mods2 (fsync'd) and to f->mods. */
int sfile_add_mods(sfile_t *f, const smod_t *mods, size_t n, larch_error_t *err);
/* 1 if f already has exactly this entry (a replayed deletion adds none). */
int sfile_has_mod(const sfile_t *f, const char *device, const char *measurement, int64_t start,
		  int64_t end);
/* 1 if every point of the file is deleted by its entries (reader open). */
int sfile_all_deleted(const sfile_t *f);
/* Unlink the TsFile and its .mods2 (the reader stays open until the last
 * reference goes). */
void sfile_remove(sfile_t *f);
/* "<path>.mods2" into buf (PATH_MAX). */
void sfile_mods_path(char *buf, const char *tsfile_path);
/* Parse "<version>-<level>.tsfile"; 0 ok, -1 not such a name. */
int sfile_parse_name(const char *name, uint64_t *version, uint32_t *level);
/* Matching deletion intervals of device.measurement, appended to *iv (pairs
 * start, end) — mem_alloc'd, *n pairs.  Fails (LARCH_NO_MEMORY) when out
 * of memory or when f's reader is not open (see sfile_ref). */
int sfile_mod_ranges(const sfile_t *f, const char *device, const char *measurement,
		     int64_t **iv, size_t *n, size_t *cap);

/* .mods2 entries: encode one; parse a whole file image (a torn last entry
 * is reported through *valid_len, the length of the complete entries). */
void mods_encode(buf_t *out, const char *device, const char *measurement, int64_t start,
		 int64_t end);
int mods_parse(const uint8_t *p, size_t len, smod_t **out, size_t *n, size_t *valid_len,
	       const char *path, larch_error_t *err);

/* Directory helpers. */
int dir_sync(const char *dir, larch_error_t *err);
int dir_make(const char *dir, larch_error_t *err);            /* mkdir -p */
int dir_remove_tree(const char *dir, larch_error_t *err);     /* rm -r */
/* Write a small file atomically: tmp, fsync, rename, fsync dir. */
int file_write_atomic(const char *path, const void *data, size_t len, larch_error_t *err);
/* Read a whole small file (at most max bytes) into a mem_alloc'd buffer
 * with one spare byte after the data; LARCH_DONE if it does not exist. */
int file_read_all(const char *path, size_t max, uint8_t **out, size_t *len,
		  larch_error_t *err);

/* Database names on disk: bytes outside [A-Za-z0-9_.-] (and a leading '.')
 * as %XX.  decode returns NULL for a name that is not such an encoding. */
char *dbname_encode(const char *name);
char *dbname_decode(const char *enc);

/* The checkpoint: every WAL record with LSN <= lsn is in TsFiles. */
int checkpoint_read(const char *dir, uint64_t *lsn, larch_error_t *err);
int checkpoint_write(const char *dir, uint64_t lsn, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Databases, partitions, the storage object (storage.c)
 *---------------------------------------------------------------------------*/

typedef struct sdb {
	char *name;
	char *dir;           /* <dir>/data/<encoded name> */
	atomic_int refs;
	int64_t ttl;         /* 0 = none (s->lock) */
	hmap_t parts;        /* partition id -> spart_t (s->lock) */
} sdb_t;

/* Largest time of a device in the partition's sequence data (one block:
 * device points just past the entry). */
typedef struct seqmax {
	char *device;
	int64_t t;
} seqmax_t;

struct spart {
	sdb_t *db;
	int64_t id;
	char *dir;           /* <db dir>/<id> */
	pthread_mutex_t lock;
	atomic_int refs;
	int dropped;
	memtable_t *work[2]; /* being written: [0] sequence, [1] unsequence */
	memtable_t **sealed; /* sealed, not yet in files, by version */
	size_t n_sealed, cap_sealed;
	sfile_t **files;     /* live TsFiles, by version */
	size_t n_files, cap_files;
	hmap_t seqmax;       /* device -> seqmax_t */
	int compacting;
};

typedef struct lastcache lastcache_t;
typedef struct chunk_pool chunk_pool_t;

struct storage {
	char *dir, *data_dir, *wal_dir;
	storage_options_t opt;
	int lock_fd;
	wal_t *wal;
	uint64_t budget;           /* effective memory budget */
	uint64_t mt_limit;         /* memtables may hold this much */
	uint64_t seal_bytes;       /* seal when memtables being written hold this much */

	pthread_mutex_t lock;
	hmap_t dbs;                /* name -> sdb_t */
	uint64_t next_version;

	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	int gate_writers;          /* writers inside */
	int gate_closed;           /* a sealer or dropper holds it alone */

	_Atomic uint64_t mt_total;   /* bytes of all memtables */
	_Atomic uint64_t mt_working; /* bytes of memtables being written */
	pthread_cond_t mem_cond;     /* memory was released (s->lock) */

	/* flusher (s->lock) */
	pthread_t flusher;
	int flusher_started;
	int stopping;
	pthread_cond_t flush_cond;   /* wakes the flusher */
	pthread_cond_t flush_done;   /* a generation was committed or failed */
	uint64_t flush_tickets;      /* storage_flush requests */
	uint64_t flush_served;       /* requests covered by a completed flush */
	uint64_t flush_attempts;     /* generations written or failed, seals failed */
	int flush_rc;                /* last flush failure (0: the last one succeeded) */
	larch_error_t flush_err;
	/* the pending generation: sealed memtables not all written yet */
	memtable_t **gen;
	size_t n_gen, cap_gen;
	uint64_t gen_lsn;            /* LSN when it was sealed */
	uint64_t ckpt_lsn;           /* the checkpoint file's LSN */
	uint64_t idle_lsn;           /* a seal found nothing: all up to it is in files */
	uint64_t gen_tickets;        /* flush_tickets when it was sealed */
	int replaying;               /* storage_open is replaying the WAL */
	uint64_t replay_lsn;         /* LSN of the record being replayed */

	/* compactor */
	pthread_mutex_t compact_lock;
	pthread_t compactor;
	int compactor_started;
	pthread_cond_t compact_cond; /* s->lock */

	lastcache_t *last;
	chunk_pool_t *pool;

	pthread_mutex_t scratch_lock;
	buf_t *scratch[4];
	size_t n_scratch;

	/* counters */
	_Atomic uint64_t st_writes, st_points, st_stalls, st_flushes, st_compactions;
	uint64_t st_rec_records, st_rec_bytes;
	double st_rec_seconds;

	/* open TsFile readers (storage.c: storage_readers_trim) */
	_Atomic uint64_t reader_bytes; /* their index memory */
	uint64_t reader_budget;        /* trim beyond this */
	_Atomic int readers_pinned;    /* last-value lookups reading every reader */
	_Atomic int ttl_used;          /* a TTL was set: writes are checked against it */
};

/* Find or create a database (create = 1) (s->lock held); NULL if absent or
 * out of memory. */
sdb_t *storage_db_get(storage_t *s, const char *name, int create);
/* Find or create partition id of db (s->lock held); borrowed, NULL on out
 * of memory. */
spart_t *storage_part_locked(sdb_t *db, int64_t id);

/* Operations shared by the live API and WAL replay.  A write is checked
 * with storage_check_write and applied with storage_write_apply (inside
 * the gate; iov NULL: not logged).  Deletions and drops are applied with
 * the gate closed. */
int storage_check_write(const storage_write_t *w, larch_error_t *err);
int storage_write_apply(storage_t *s, const storage_write_t *w, const struct iovec *iov,
			int n_iov, larch_error_t *err);
int storage_delete_apply(storage_t *s, const char *db, const storage_series_ref_t *refs,
			 size_t n, int64_t start, int64_t end, larch_error_t *err);
int storage_drop_apply(storage_t *s, const char *dbname, int whole, int64_t id,
		       larch_error_t *err);
/* storage_open's recovery (recovery.c): load files, replay the WAL, open
 * the WAL. */
int storage_recover(storage_t *s, larch_error_t *err);

/* References; the last unref frees (a partition: its memtables and file
 * references; a database: its name). */
void spart_ref(spart_t *p);
void spart_unref(spart_t *p);
void sdb_unref(sdb_t *db);
/* Find or create (and register) the partition `id` of database `name`
 * (s->lock taken inside).  Returns a new reference. */
int storage_part_get(storage_t *s, const char *db, int64_t id, spart_t **out,
		     larch_error_t *err);
/* References to the partitions of database `db` whose id is in [lo, hi],
 * sorted by id (mem_alloc'd array; *n may be 0). */
int storage_parts_in(storage_t *s, const char *db, int64_t lo, int64_t hi, spart_t ***out,
		     size_t *n, larch_error_t *err);
/* References to every partition of every database (or of db). */
int storage_parts_all(storage_t *s, const char *db, spart_t ***out, size_t *n,
		      larch_error_t *err);
void storage_parts_release(spart_t **parts, size_t n);
/* Insert f into p->files in version order, taking a reference (part lock
 * held); LARCH_NO_MEMORY. */
int spart_add_file(spart_t *p, sfile_t *f);
/* Remove f from p->files and drop the partition's reference (part lock
 * held); returns 1 if it was there. */
int spart_drop_file(spart_t *p, sfile_t *f);
/* Raise the sequence maximum of device in p (part lock held). */
int spart_raise_seqmax(spart_t *p, const char *device, int64_t t);
/* Directory of one side of a partition, created if missing. */
int spart_side_dir(spart_t *p, int unseq, char *buf, larch_error_t *err);

/* Open readers: close the least recently used idle ones until they hold
 * at most half of reader_budget (nothing while readers are pinned or the
 * budget is not exceeded).  Any thread holding no lock. */
void storage_readers_trim(storage_t *s);
/* After publishing f (part lock held, the caller holding its own
 * reference): close its reader unless a last-value lookup pins readers. */
void storage_reader_park(storage_t *s, sfile_t *f);

/* The TTL cut of database db: points with time < the result are expired
 * (INT64_MIN when there is no TTL). */
int64_t storage_ttl_cut(storage_t *s, const sdb_t *db);
int64_t storage_now(const storage_t *s);

/* Wait on cond for at most ms milliseconds (m held). */
void cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *m, unsigned ms);

/* Memory accounting of memtables. */
void storage_mt_account(storage_t *s, memtable_t *mt, int64_t delta);
void storage_mt_released(storage_t *s, uint64_t bytes);

/* Scratch buffers for WAL records. */
buf_t *storage_scratch_get(storage_t *s);
void storage_scratch_put(storage_t *s, buf_t *b);

/*---------------------------------------------------------------------------
 * Flushing (flush.c)
 *---------------------------------------------------------------------------*/

/* The gate: writers enter and leave (shared); close waits until no writer
 * is inside and keeps new ones out until open. */
void gate_enter(storage_t *s);
void gate_leave(storage_t *s);
void gate_close(storage_t *s);
void gate_open(storage_t *s);

/* Seal every non-empty memtable being written into the pending generation
 * (if there is no pending generation).  Takes the gate alone; the caller
 * holds no lock. */
void flush_seal(storage_t *s);
/* Write the pending generation's memtables to TsFiles and commit it (the
 * checkpoint file, then the WAL checkpoint).  Flusher thread or open. */
int flush_pending(storage_t *s, larch_error_t *err);
void *flush_main(void *arg);
/* Wake the flusher (s->lock held or not). */
void flush_wake(storage_t *s);

/*---------------------------------------------------------------------------
 * Reading (cursor.c)
 *---------------------------------------------------------------------------*/

/* A cursor over some files of partition p only (compaction): the series
 * of device with time in [start, end], their deletions applied. */
int cursor_open_files(storage_t *s, spart_t *p, sfile_t **files, size_t n_files,
		      const char *device, const storage_series_ref_t *refs, size_t n,
		      int64_t start, int64_t end, storage_cursor_t **out, larch_error_t *err);
/* The latest point of a series over memtables and files (not the cache). */
int cursor_series_last(storage_t *s, const char *database, const storage_series_ref_t *ref,
		       arena_t *arena, int64_t *time, tsfile_value_t *value, int *found,
		       larch_error_t *err);

/*---------------------------------------------------------------------------
 * Compaction and TTL (compaction.c)
 *---------------------------------------------------------------------------*/

/* Finish or roll back an interrupted compaction of the partition directory
 * dir (before its files are loaded). */
int compaction_recover(const char *dir, larch_error_t *err);
/* Remove files wholly expired by TTL; then run the compactions the policy
 * selects.  *done += compactions committed. */
int compaction_pass(storage_t *s, size_t *done, larch_error_t *err);
void *compaction_main(void *arg);

/*---------------------------------------------------------------------------
 * Chunk pool (pool.c)
 *---------------------------------------------------------------------------*/

/* A pool holding at most max_bytes of full memtable chunks. */
chunk_pool_t *pool_new(size_t max_bytes);
void pool_free(chunk_pool_t *p);
/* A chunk of MT_CHUNK_ROWS elements of es bytes (pooled or new; NULL on
 * out of memory); give it back with pool_put. */
void *pool_get(chunk_pool_t *p, size_t es);
void pool_put(chunk_pool_t *p, void *q, size_t es);
size_t pool_bytes(chunk_pool_t *p);
/* Start / stop the helper thread that keeps the pool stocked with chunks
 * it faulted in (WAL replay). */
void pool_prefault_start(chunk_pool_t *p);
void pool_prefault_stop(chunk_pool_t *p);

/*---------------------------------------------------------------------------
 * Last-value cache (lastcache.c)
 *---------------------------------------------------------------------------*/

lastcache_t *lastcache_new(void);
void lastcache_free(lastcache_t *c);
/* Offer the latest point of a write for series id, between lastcache_lock
 * and lastcache_unlock (the writer holds its partition locks, so offers of
 * one series arrive in write order).  Only series with an entry (asked for
 * before) are updated. */
void lastcache_lock(lastcache_t *c);
void lastcache_unlock(lastcache_t *c);
void lastcache_offer(lastcache_t *c, uint32_t id, int64_t time, tsfile_type_t type,
		     const void *value);
/* Forget series id (a deletion touched it) or everything. */
void lastcache_forget(lastcache_t *c, uint32_t id);
void lastcache_clear(lastcache_t *c);
/* Look up: 1 if the cache knows the series (then *time, *value and
 * *found are set); 0 on a miss, which leaves a PENDING entry collecting
 * the writes offered until lastcache_store; -1 out of memory. */
int lastcache_get(lastcache_t *c, uint32_t id, tsfile_type_t type, arena_t *arena,
		  int64_t *time, tsfile_value_t *value, int *found);
/* Epoch: bumped by every forget/clear; a computed value is stored only if
 * the epoch did not move since the computation began. */
uint64_t lastcache_epoch(lastcache_t *c);
int lastcache_store(lastcache_t *c, uint64_t epoch, uint32_t id, int found, int64_t time,
		    const tsfile_value_t *value, int64_t *out_time, tsfile_value_t *out_value,
		    int *out_found, arena_t *arena);
uint64_t lastcache_bytes(lastcache_t *c);

#endif
