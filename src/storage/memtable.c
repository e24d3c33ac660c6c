/*
 * memtable.c — column-oriented memtables: the two-phase append (reserve,
 * then copy), deletions recorded as entries, captures and sorted views for
 * cursors, and the sorted, deduplicated rows a flush writes.
 *
 * Layout.  A memtable maps device paths to mt_dev_t.  An aligned device has
 * one group: times and one column per measurement (values plus a null byte
 * per row once any null occurs).  A non-aligned device has one group per
 * measurement with a single column that never holds nulls (null values of a
 * write are not appended).  Every array of a group is chunked alike (see
 * storage_int.h): chunk 0 grows by doubling from MT_MIN_ROWS rows up to
 * MT_CHUNK_ROWS, then full chunks are added; rows are only ever appended,
 * in write order, so "later row" means "later write".
 *
 * Concurrency.  All functions but mt_view_build and mt_group_rows run with
 * the partition lock held.  A cursor captures the chunk directories and the
 * row count under that lock and then reads without it: rows below its
 * count never change; chunks never move except chunk 0 while it grows, and
 * a chunk 0 replaced while a cursor reads the memtable (readers > 0) is
 * retired, not freed, until the last reader is done.
 *
 * Semantics.  A point is a non-null value.  For equal times the last row
 * with a non-null value wins, per column.  A deletion entry covers the rows
 * that existed when it was made (row < upto) in its time range.
 */
#include "storage/storage_int.h"
#include "tsfile/meta.h"

/* First capacity of chunk 0: small, because a memtable may hold a million
 * series of a few points each. */
#define MT_MIN_ROWS 8u
#define MT_ARENA_BLOCK (64u * 1024u)

/* Row r of a chunked array of elements of es bytes. */
#define MT_AT(dir, r, es) ((uint8_t *)(dir)[(r) >> MT_CHUNK_SHIFT] + ((r) & MT_CHUNK_MASK) * (es))
#define MT_TIME(g, r) ((g)->times[(r) >> MT_CHUNK_SHIFT][(r) & MT_CHUNK_MASK])

static int mt_oom(larch_error_t *err, const char *what)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory in memtable (%s)", what);
}

memtable_t *mt_new(storage_t *s, spart_t *part, int unseq)
{
	memtable_t *mt = mem_calloc(1, sizeof(*mt));
	if (!mt)
		return NULL;
	if (!(mt->arena = arena_new(MT_ARENA_BLOCK))) {
		mem_free(mt);
		return NULL;
	}
	mt->s = s;
	mt->part = part;
	spart_ref(part);
	mt->unseq = unseq;
	atomic_init(&mt->refs, 1);
	storage_mt_account(s, mt, (int64_t)(sizeof(*mt) + MT_ARENA_BLOCK));
	return mt;
}

void mt_ref(memtable_t *mt)
{
	atomic_fetch_add(&mt->refs, 1);
}

/* Free a chunked array of n chunks of es-byte elements (chunk 0 holding
 * first rows) and its directory; full chunks go back to the pool. */
static void chunks_free(memtable_t *mt, void **dir, uint32_t n, size_t first, size_t es)
{
	for (uint32_t k = 0; dir && k < n; k++) {
		if (k || first == MT_CHUNK_ROWS)
			pool_put(mt->s->pool, dir[k], es);
		else
			mem_free(dir[k]);
	}
	mem_free(dir);
}

static void grp_free(memtable_t *mt, mt_group_t *g)
{
	chunks_free(mt, (void **)g->times, g->n_chunks, g->first_cap, sizeof(int64_t));
	for (uint32_t c = 0; c < g->ncols; c++) {
		size_t es = col_elem_size(g->cols[c].type);
		chunks_free(mt, g->cols[c].vals, g->n_chunks, g->first_cap, es);
		chunks_free(mt, (void **)g->cols[c].nulls, g->n_chunks, g->first_cap, 1);
	}
	mem_free(g->cols);
	hmap_free(&g->col_map);
	mem_free(g->dels);
	mem_free(g);
}

void mt_unref(memtable_t *mt)
{
	if (!mt || atomic_fetch_sub(&mt->refs, 1) != 1)
		return;
	for (size_t i = 0; i < mt->n_devs; i++) {
		mt_dev_t *d = mt->dev_list[i];
		for (uint32_t k = 0; k < d->n_groups; k++)
			grp_free(mt, d->groups[k]);
		mem_free(d->groups);
		hmap_free(&d->group_map);
		mem_free(d);
	}
	for (size_t i = 0; i < mt->n_retired; i++)
		mem_free(mt->retired[i].ptr);
	mem_free(mt->retired);
	mem_free(mt->dev_list);
	hmap_free(&mt->devs);
	arena_free(mt->arena);
	storage_mt_released(mt->s, mt->bytes);
	if (mt->version == 0)
		atomic_fetch_sub(&mt->s->mt_working, mt->bytes);
	spart_unref(mt->part);
	mem_free(mt);
}

/*---------------------------------------------------------------------------
 * Growth
 *---------------------------------------------------------------------------*/

static int mt_retire_room(memtable_t *mt, size_t extra)
{
	if (mt->readers == 0 || mt->cap_retired - mt->n_retired >= extra)
		return LARCH_OK;
	size_t cap = mt->cap_retired ? mt->cap_retired : 16;
	while (cap - mt->n_retired < extra)
		cap *= 2;
	mt_retired_t *r = mem_realloc(mt->retired, cap * sizeof(*r));
	if (!r)
		return LARCH_NO_MEMORY;
	storage_mt_account(mt->s, mt, (int64_t)((cap - mt->cap_retired) * sizeof(*r)));
	mt->retired = r;
	mt->cap_retired = cap;
	return LARCH_OK;
}

void mt_reader_done(memtable_t *mt)
{
	if (--mt->readers > 0)
		return;
	for (size_t i = 0; i < mt->n_retired; i++) {
		mem_free(mt->retired[i].ptr);
		storage_mt_account(mt->s, mt, -(int64_t)mt->retired[i].bytes);
	}
	mt->n_retired = 0;
}

/* Grow every directory of g to hold `slots` chunk pointers (they are read
 * only under the partition lock, so they may move). */
static int grp_grow_dirs(memtable_t *mt, mt_group_t *g, uint32_t slots)
{
	if (slots <= g->cap_dir)
		return LARCH_OK;
	uint32_t cap = g->cap_dir ? g->cap_dir : 1;
	while (cap < slots)
		cap *= 2;
	size_t add = (cap - g->cap_dir) * sizeof(void *);
	void **p = mem_realloc(g->times, cap * sizeof(void *));
	if (!p)
		return LARCH_NO_MEMORY;
	g->times = (int64_t **)p;
	storage_mt_account(mt->s, mt, (int64_t)add);
	for (uint32_t c = 0; c < g->ncols; c++) {
		mt_col_t *col = &g->cols[c];
		if (!(p = mem_realloc(col->vals, cap * sizeof(void *))))
			return LARCH_NO_MEMORY;
		col->vals = p;
		storage_mt_account(mt->s, mt, (int64_t)add);
		if (col->nulls) {
			if (!(p = mem_realloc(col->nulls, cap * sizeof(void *))))
				return LARCH_NO_MEMORY;
			col->nulls = (uint8_t **)p;
			storage_mt_account(mt->s, mt, (int64_t)add);
		}
	}
	g->cap_dir = cap;
	return LARCH_OK;
}

/* Call fn(dir, es, ctx) for every chunked array of g; stop at non-zero. */
typedef int (*array_fn)(memtable_t *mt, mt_group_t *g, void **dir, size_t es, void *ctx);

static int grp_each_array(memtable_t *mt, mt_group_t *g, array_fn fn, void *ctx)
{
	int rc = fn(mt, g, (void **)g->times, sizeof(int64_t), ctx);
	for (uint32_t c = 0; !rc && c < g->ncols; c++) {
		rc = fn(mt, g, g->cols[c].vals, col_elem_size(g->cols[c].type), ctx);
		if (!rc && g->cols[c].nulls)
			rc = fn(mt, g, (void **)g->cols[c].nulls, 1, ctx);
	}
	return rc;
}

/* Chunk 0 resizing: with no reader, each array is reallocated in place
 * (first_cap changes only when all grew: a failure leaves g usable);
 * with readers, copies are made into fresh chunks and the old ones
 * retired once all fresh ones exist. */
typedef struct resize {
	size_t rows;          /* new capacity of chunk 0 */
	void **fresh;         /* readers: the new chunks, in array order */
	size_t k;
} resize_t;

static int resize_in_place(memtable_t *mt, mt_group_t *g, void **dir, size_t es, void *ctx)
{
	const resize_t *rz = ctx;
	void *p = mem_realloc(dir[0], rz->rows * es);
	if (!p)
		return LARCH_NO_MEMORY;
	dir[0] = p;
	storage_mt_account(mt->s, mt, (int64_t)((rz->rows - g->first_cap) * es));
	return LARCH_OK;
}

static int resize_alloc(memtable_t *mt, mt_group_t *g, void **dir, size_t es, void *ctx)
{
	resize_t *rz = ctx;
	void *p = mem_alloc(rz->rows * es);
	if (!p)
		return LARCH_NO_MEMORY;
	memcpy(p, dir[0], LR_MIN(g->n, g->first_cap) * es);
	rz->fresh[rz->k++] = p;
	return LARCH_OK;
}

static int resize_swap(memtable_t *mt, mt_group_t *g, void **dir, size_t es, void *ctx)
{
	resize_t *rz = ctx;
	mt->retired[mt->n_retired++] = (mt_retired_t){dir[0], g->first_cap * es};
	dir[0] = rz->fresh[rz->k++];
	storage_mt_account(mt->s, mt, (int64_t)(rz->rows * es));
	return LARCH_OK;
}

static size_t grp_n_arrays(const mt_group_t *g)
{
	size_t n = 1;
	for (uint32_t c = 0; c < g->ncols; c++)
		n += 1 + (g->cols[c].nulls != NULL);
	return n;
}

static int grp_resize_first(memtable_t *mt, mt_group_t *g, size_t rows)
{
	resize_t rz = {rows, NULL, 0};
	if (mt->readers == 0) {
		if (grp_each_array(mt, g, resize_in_place, &rz))
			return LARCH_NO_MEMORY;
		g->first_cap = rows;
		return LARCH_OK;
	}
	size_t n = grp_n_arrays(g);
	if (mt_retire_room(mt, n) || !(rz.fresh = mem_calloc(n, sizeof(void *))))
		return LARCH_NO_MEMORY;
	int rc = grp_each_array(mt, g, resize_alloc, &rz);
	if (rc) {
		for (size_t i = 0; i < rz.k; i++)
			mem_free(rz.fresh[i]);
	} else {
		rz.k = 0;
		grp_each_array(mt, g, resize_swap, &rz);
		g->first_cap = rows;
	}
	mem_free(rz.fresh);
	return rc;
}

/* Add chunk number g->n_chunks to every array, all or none: full size, or
 * `first` rows for chunk 0. */
typedef struct addchunk {
	void **fresh;
	size_t k;
	size_t rows;
} addchunk_t;

static int add_alloc(memtable_t *mt, mt_group_t *g, void **dir, size_t es, void *ctx)
{
	addchunk_t *a = ctx;
	void *p = a->rows == MT_CHUNK_ROWS ? pool_get(mt->s->pool, es) : mem_alloc(a->rows * es);
	if (!p)
		return LARCH_NO_MEMORY;
	a->fresh[a->k++] = p;
	return LARCH_OK;
}

static int add_install(memtable_t *mt, mt_group_t *g, void **dir, size_t es, void *ctx)
{
	addchunk_t *a = ctx;
	dir[g->n_chunks] = a->fresh[a->k++];
	storage_mt_account(mt->s, mt, (int64_t)(a->rows * es));
	return LARCH_OK;
}

static int grp_add_chunk(memtable_t *mt, mt_group_t *g, size_t first)
{
	size_t n = grp_n_arrays(g);
	addchunk_t a = {mem_calloc(n, sizeof(void *)), 0, g->n_chunks ? MT_CHUNK_ROWS : first};
	if (!a.fresh || grp_grow_dirs(mt, g, g->n_chunks + 1)) {
		mem_free(a.fresh);
		return LARCH_NO_MEMORY;
	}
	int rc = grp_each_array(mt, g, add_alloc, &a);
	if (rc) {
		for (size_t i = 0; i < a.k; i++)
			mem_free(a.fresh[i]); /* not returned to the pool: a rare path */
	} else {
		a.k = 0;
		grp_each_array(mt, g, add_install, &a);
		if (g->n_chunks == 0)
			g->first_cap = a.rows;
		g->n_chunks++;
	}
	mem_free(a.fresh);
	return rc;
}

static size_t grp_cap(const mt_group_t *g)
{
	return g->n_chunks <= 1 ? (g->n_chunks ? g->first_cap : 0)
				: (size_t)g->n_chunks * MT_CHUNK_ROWS;
}

/* Make room for `need` rows in every array of g. */
static int grp_grow(memtable_t *mt, mt_group_t *g, size_t need)
{
	if (need <= grp_cap(g))
		return LARCH_OK;
	if (need > ((size_t)UINT32_MAX << MT_CHUNK_SHIFT) / 2)
		return LARCH_NO_MEMORY;
	size_t rows = g->n_chunks ? g->first_cap : MT_MIN_ROWS;
	while (rows < need && rows < MT_CHUNK_ROWS)
		rows *= 2;
	if (g->n_chunks == 0 ? grp_add_chunk(mt, g, rows)
			     : rows > g->first_cap && grp_resize_first(mt, g, rows))
		return LARCH_NO_MEMORY;
	while (grp_cap(g) < need)
		if (grp_add_chunk(mt, g, MT_CHUNK_ROWS))
			return LARCH_NO_MEMORY;
	return LARCH_OK;
}

/* A new chunked array shaped like g's, rows [0, g->n) set to `fill` (or
 * left undefined when fill < 0); *out is its directory. */
static int grp_new_array(memtable_t *mt, mt_group_t *g, size_t es, int fill, void ***out)
{
	void **dir = mem_calloc(g->cap_dir ? g->cap_dir : 1, sizeof(void *));
	if (!dir)
		return LARCH_NO_MEMORY;
	size_t bytes = (g->cap_dir ? g->cap_dir : 1) * sizeof(void *);
	for (uint32_t k = 0; k < g->n_chunks; k++) {
		size_t rows = k ? MT_CHUNK_ROWS : g->first_cap;
		dir[k] = rows == MT_CHUNK_ROWS ? pool_get(mt->s->pool, es) : mem_alloc(rows * es);
		if (!dir[k]) {
			chunks_free(mt, dir, k, g->first_cap, es);
			return LARCH_NO_MEMORY;
		}
		bytes += rows * es;
		size_t lo = (size_t)k << MT_CHUNK_SHIFT, used = g->n > lo ? LR_MIN(g->n - lo, rows) : 0;
		if (fill >= 0)
			memset(dir[k], fill, used * es);
	}
	storage_mt_account(mt->s, mt, (int64_t)bytes);
	*out = dir;
	return LARCH_OK;
}

/* Give column c null bytes (rows so far: `fill`). */
static int col_add_nulls(memtable_t *mt, mt_group_t *g, mt_col_t *c, uint8_t fill)
{
	if (c->nulls)
		return LARCH_OK;
	void **dir;
	if (grp_new_array(mt, g, 1, fill, &dir))
		return LARCH_NO_MEMORY;
	c->nulls = (uint8_t **)dir;
	return LARCH_OK;
}

/* Undo the grp_add_col just made. */
static void grp_drop_last_col(memtable_t *mt, mt_group_t *g)
{
	mt_col_t *c = &g->cols[--g->ncols];
	chunks_free(mt, c->vals, g->n_chunks, g->first_cap, col_elem_size(c->type));
	chunks_free(mt, (void **)c->nulls, g->n_chunks, g->first_cap, 1);
}

/* Append a column named like wc to g (its rows so far are null). */
static int grp_add_col(memtable_t *mt, mt_group_t *g, const storage_column_t *wc,
		       uint32_t *idx)
{
	if (g->n_chunks == 0 && grp_grow(mt, g, 1))
		return LARCH_NO_MEMORY;
	if (g->ncols == g->cap_cols) {
		/* 1 first: a non-aligned group never holds more */
		uint32_t cap = g->cap_cols ? g->cap_cols * 2 : 1;
		mt_col_t *cols = mem_realloc(g->cols, cap * sizeof(*cols));
		if (!cols)
			return LARCH_NO_MEMORY;
		storage_mt_account(mt->s, mt, (int64_t)((cap - g->cap_cols) * sizeof(*cols)));
		g->cols = cols;
		g->cap_cols = cap;
	}
	mt_col_t c = {0};
	c.type = wc->type;
	c.encoding = wc->encoding;
	c.codec = wc->codec;
	c.series_id = wc->series_id;
	c.name = arena_strndup(mt->arena, wc->name, strlen(wc->name));
	if (!c.name || grp_new_array(mt, g, col_elem_size(wc->type), -1, &c.vals))
		return LARCH_NO_MEMORY;
	if (g->n && col_add_nulls(mt, g, &c, 1)) {
		chunks_free(mt, c.vals, g->n_chunks, g->first_cap, col_elem_size(c.type));
		return LARCH_NO_MEMORY;
	}
	g->cols[g->ncols] = c;
	*idx = g->ncols++;
	return LARCH_OK;
}

static mt_group_t *grp_new(memtable_t *mt)
{
	mt_group_t *g = mem_calloc(1, sizeof(*g));
	if (g) {
		g->sorted = g->strict = 1;
		storage_mt_account(mt->s, mt, (int64_t)sizeof(*g));
	}
	return g;
}

/* Attach a new group to device d. */
static int dev_add_group(memtable_t *mt, mt_dev_t *d, mt_group_t *g)
{
	if (d->n_groups == d->cap_groups) {
		uint32_t cap = d->cap_groups ? d->cap_groups * 2 : 4;
		mt_group_t **gs = mem_realloc(d->groups, cap * sizeof(*gs));
		if (!gs)
			return LARCH_NO_MEMORY;
		storage_mt_account(mt->s, mt, (int64_t)((cap - d->cap_groups) * sizeof(*gs)));
		d->groups = gs;
		d->cap_groups = cap;
	}
	d->groups[d->n_groups++] = g;
	return LARCH_OK;
}

/* 1 if no row was ever appended to d (only failed writes touched it). */
static int dev_is_empty(const mt_dev_t *d)
{
	for (uint32_t k = 0; k < d->n_groups; k++)
		if (d->groups[k]->n)
			return 0;
	return 1;
}

/* Give an empty device the other alignment. */
static int dev_realign(memtable_t *mt, mt_dev_t *d, int aligned, larch_error_t *err)
{
	for (uint32_t k = 0; k < d->n_groups; k++)
		grp_free(mt, d->groups[k]);
	d->n_groups = 0;
	hmap_free(&d->group_map);
	if (aligned) {
		mt_group_t *g = grp_new(mt);
		if (!g)
			return mt_oom(err, "device");
		if (dev_add_group(mt, d, g)) {
			grp_free(mt, g);
			return mt_oom(err, "device");
		}
	}
	d->aligned = aligned;
	return LARCH_OK;
}

/* A device path must be one a TsFile can hold, written as the TsFile
 * reader will give it back (IoTDB syntax, back-quotes only where needed),
 * or files and memtables would disagree about its name.  Checked when the
 * device first enters a memtable. */
static int device_check(memtable_t *mt, const char *path, larch_error_t *err)
{
	device_id_t id;
	larch_error_t why = {0};
	int rc = meta_device_from_path(path, strlen(path), TSFILE_VERSION, mt->arena, &id, &why);
	if (rc == LARCH_NO_MEMORY)
		return mt_oom(err, "device");
	if (rc)
		return err_set(err, LARCH_ILLEGAL_PATH, "device path '%s' is not valid: %s", path,
			       why.msg);
	const char *canon = meta_device_path(&id, mt->arena);
	if (!canon)
		return mt_oom(err, "device");
	if (strcmp(canon, path))
		return err_set(err, LARCH_ILLEGAL_PATH,
			       "device path '%s' is not in canonical form (write it as '%s')", path,
			       canon);
	return LARCH_OK;
}

/* Find or create device `path`; an existing one must have the same
 * alignment unless it holds no row. */
static int mt_dev_get(memtable_t *mt, const char *path, int aligned, mt_dev_t **out,
		      larch_error_t *err)
{
	mt_dev_t *d = hmap_get_str(&mt->devs, path);
	if (d) {
		*out = d;
		if (d->aligned == aligned)
			return LARCH_OK;
		if (dev_is_empty(d))
			return dev_realign(mt, d, aligned, err);
		return err_set(err, LARCH_METADATA_ERROR,
			       "device %s is written %s but holds %s data not yet flushed", path,
			       aligned ? "aligned" : "non-aligned",
			       d->aligned ? "aligned" : "non-aligned");
	}
	if (mt->n_devs == mt->cap_devs) {
		size_t cap = mt->cap_devs ? mt->cap_devs * 2 : 16;
		mt_dev_t **l = mem_realloc(mt->dev_list, cap * sizeof(*l));
		if (!l)
			return mt_oom(err, "device list");
		storage_mt_account(mt->s, mt, (int64_t)((cap - mt->cap_devs) * sizeof(*l)));
		mt->dev_list = l;
		mt->cap_devs = cap;
	}
	int rc = device_check(mt, path, err);
	if (rc)
		return rc;
	d = mem_calloc(1, sizeof(*d));
	if (!d)
		return mt_oom(err, "device");
	d->aligned = aligned;
	d->tmax = INT64_MIN;
	d->path = arena_strndup(mt->arena, path, strlen(path));
	if (!d->path)
		goto fail;
	if (aligned) {
		mt_group_t *g = grp_new(mt);
		if (!g)
			goto fail;
		if (dev_add_group(mt, d, g)) {
			grp_free(mt, g);
			goto fail;
		}
	}
	if (hmap_put_str(&mt->devs, d->path, d))
		goto fail;
	storage_mt_account(mt->s, mt, (int64_t)sizeof(*d));
	mt->dev_list[mt->n_devs++] = d;
	*out = d;
	return LARCH_OK;
fail:
	for (uint32_t k = 0; k < d->n_groups; k++)
		grp_free(mt, d->groups[k]);
	mem_free(d->groups);
	mem_free(d);
	return mt_oom(err, "device");
}

/*---------------------------------------------------------------------------
 * Append
 *---------------------------------------------------------------------------*/

static inline size_t sel_row(const rowsel_t *sel, size_t i)
{
	return sel->idx ? sel->idx[i] : i;
}

/* Selected rows of column wc that hold a value. */
static size_t sel_count_present(const rowsel_t *sel, const storage_column_t *wc)
{
	if (!wc->nulls)
		return sel->n;
	size_t k = 0;
	for (size_t i = 0; i < sel->n; i++)
		k += wc->nulls[sel_row(sel, i)] == 0;
	return k;
}

/* Reserve room for the byte strings of the selected present rows. */
static int reserve_bytes(memtable_t *mt, const rowsel_t *sel, const storage_column_t *wc,
			 mt_slot_t *slot)
{
	slot->bytes = NULL;
	if (!type_is_binary(wc->type))
		return LARCH_OK;
	const tsfile_bytes_t *v = wc->values;
	size_t total = 0;
	for (size_t i = 0; i < sel->n; i++) {
		size_t r = sel_row(sel, i);
		if (!wc->nulls || !wc->nulls[r])
			total += v[r].len;
	}
	if (total == 0)
		return LARCH_OK;
	if (!(slot->bytes = arena_alloc(mt->arena, total)))
		return LARCH_NO_MEMORY;
	return LARCH_OK;
}

static int col_check_type(const mt_col_t *c, const storage_column_t *wc, const char *device,
			  larch_error_t *err)
{
	if (c->type == wc->type)
		return LARCH_OK;
	return err_set(err, LARCH_DATA_TYPE_MISMATCH,
		       "%s.%s is written as %s but holds %s data not yet flushed", device, wc->name,
		       tsfile_type_name(wc->type), tsfile_type_name(c->type));
}

static int dup_column(const char *device, const char *name, larch_error_t *err)
{
	return err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement %s of %s appears twice in a write",
		       name, device);
}

static int reserve_aligned(memtable_t *mt, mt_dev_t *d, const storage_write_t *w,
			   const rowsel_t *sel, mt_slot_t *slots, larch_error_t *err)
{
	mt_group_t *g = d->groups[0];
	if (grp_grow(mt, g, g->n + sel->n))
		return mt_oom(err, "rows");
	for (size_t j = 0; j < w->n_columns; j++) {
		const storage_column_t *wc = &w->columns[j];
		uintptr_t ix = (uintptr_t)hmap_get_str(&g->col_map, wc->name);
		uint32_t c;
		if (ix) {
			c = (uint32_t)(ix - 1);
			int rc = col_check_type(&g->cols[c], wc, w->device, err);
			if (rc)
				return rc;
		} else {
			if (grp_add_col(mt, g, wc, &c))
				return mt_oom(err, "column");
			if (hmap_put_str(&g->col_map, g->cols[c].name, (void *)(uintptr_t)(c + 1))) {
				grp_drop_last_col(mt, g);
				return mt_oom(err, "column");
			}
		}
		mt_col_t *col = &g->cols[c];
		if (col->stamp == mt->stamp)
			return dup_column(w->device, wc->name, err);
		col->stamp = mt->stamp;
		if (wc->nulls && col_add_nulls(mt, g, col, 0))
			return mt_oom(err, "null bytes");
		slots[j].g = g;
		slots[j].col = c;
		slots[j].rows = sel->n;
		if (reserve_bytes(mt, sel, wc, &slots[j]))
			return mt_oom(err, "byte strings");
	}
	for (uint32_t c = 0; c < g->ncols; c++)
		if (g->cols[c].stamp != mt->stamp && col_add_nulls(mt, g, &g->cols[c], 0))
			return mt_oom(err, "null bytes");
	return LARCH_OK;
}

static int reserve_series(memtable_t *mt, mt_dev_t *d, const storage_write_t *w,
			  const rowsel_t *sel, mt_slot_t *slots, larch_error_t *err)
{
	for (size_t j = 0; j < w->n_columns; j++) {
		const storage_column_t *wc = &w->columns[j];
		mt_group_t *g = hmap_get_str(&d->group_map, wc->name);
		uint32_t c = 0;
		if (g) {
			int rc = col_check_type(&g->cols[0], wc, w->device, err);
			if (rc)
				return rc;
		} else {
			if (!(g = grp_new(mt)))
				return mt_oom(err, "series");
			if (grp_add_col(mt, g, wc, &c) || dev_add_group(mt, d, g)) {
				grp_free(mt, g);
				return mt_oom(err, "series");
			}
			if (hmap_put_str(&d->group_map, g->cols[0].name, g)) {
				d->n_groups--;
				grp_free(mt, g);
				return mt_oom(err, "series");
			}
		}
		mt_col_t *col = &g->cols[0];
		if (col->stamp == mt->stamp)
			return dup_column(w->device, wc->name, err);
		col->stamp = mt->stamp;
		slots[j].g = g;
		slots[j].col = 0;
		slots[j].rows = sel_count_present(sel, wc);
		if (grp_grow(mt, g, g->n + slots[j].rows) || reserve_bytes(mt, sel, wc, &slots[j]))
			return mt_oom(err, "rows");
	}
	return LARCH_OK;
}

int mt_reserve(memtable_t *mt, const storage_write_t *w, const rowsel_t *sel,
	       mt_slot_t *slots, larch_error_t *err)
{
	mt_dev_t *d = NULL;
	mt->stamp++;
	int rc = mt_dev_get(mt, w->device, w->aligned, &d, err);
	if (!rc)
		rc = d->aligned ? reserve_aligned(mt, d, w, sel, slots, err)
				: reserve_series(mt, d, w, sel, slots, err);
	size_t used = arena_used(mt->arena);
	storage_mt_account(mt->s, mt, (int64_t)(used - mt->arena_bytes));
	mt->arena_bytes = used;
	return rc;
}

/* Fold the times of rows [base, base + m) of g into its order flags and
 * range (g->n == base, not yet advanced).  When they are exactly the rows
 * of sel (facts != NULL), the write's precomputed facts are used. */
static void grp_note_times(mt_group_t *g, size_t base, size_t m, const rowsel_t *facts)
{
	if (m == 0)
		return;
	int has_prev = base > 0;
	int64_t prev = has_prev ? MT_TIME(g, base - 1) : INT64_MIN, first = MT_TIME(g, base);
	if (facts) {
		g->sorted = (has_prev ? g->sorted && first >= prev : 1) && facts->sorted;
		g->strict = (has_prev ? g->strict && first > prev : 1) && facts->strict;
		g->tmin = has_prev ? LR_MIN(g->tmin, facts->tmin) : facts->tmin;
		g->tmax = has_prev ? LR_MAX(g->tmax, facts->tmax) : facts->tmax;
		return;
	}
	int sorted = has_prev ? g->sorted : 1, strict = has_prev ? g->strict : 1;
	int64_t lo = has_prev ? g->tmin : INT64_MAX, hi = has_prev ? g->tmax : INT64_MIN;
	for (size_t i = 0; i < m; i++) {
		int64_t x = MT_TIME(g, base + i);
		if (has_prev) {
			sorted &= x >= prev;
			strict &= x > prev;
		}
		prev = x;
		has_prev = 1;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	g->sorted = sorted;
	g->strict = strict;
	g->tmin = lo;
	g->tmax = hi;
}

/* Copy the byte string of row r of wc into *bytes; the stored value. */
static tsfile_bytes_t copy_bytes(const storage_column_t *wc, size_t r, char **bytes)
{
	tsfile_bytes_t v = ((const tsfile_bytes_t *)wc->values)[r];
	if (!v.len) {
		v.ptr = ""; /* never NULL: consumers memcpy from it */
		return v;
	}
	memcpy(*bytes, v.ptr, v.len);
	v.ptr = *bytes;
	*bytes += v.len;
	return v;
}

/* Copy n elements of es bytes from src (rows i0.. of sel when gather) to
 * rows [at, at + n) of the chunked array dir, chunk by chunk. */
static void put_rows(void **dir, size_t at, const uint8_t *src, const rowsel_t *sel, size_t i0,
		     size_t n, size_t es)
{
	while (n > 0) {
		size_t off = at & MT_CHUNK_MASK, len = LR_MIN(n, MT_CHUNK_ROWS - off);
		uint8_t *dst = (uint8_t *)dir[at >> MT_CHUNK_SHIFT] + off * es;
		if (!sel || !sel->idx) {
			memcpy(dst, src + i0 * es, len * es);
		} else {
			for (size_t i = 0; i < len; i++)
				memcpy(dst + i * es, src + (size_t)sel->idx[i0 + i] * es, es);
		}
		at += len;
		i0 += len;
		n -= len;
	}
}

/* Set rows [at, at + n) of dir to byte `b`. */
static void fill_rows(void **dir, size_t at, size_t n, size_t es, int b)
{
	while (n > 0) {
		size_t off = at & MT_CHUNK_MASK, len = LR_MIN(n, MT_CHUNK_ROWS - off);
		memset((uint8_t *)dir[at >> MT_CHUNK_SHIFT] + off * es, b, len * es);
		at += len;
		n -= len;
	}
}

static uint64_t append_aligned(mt_group_t *g, const storage_write_t *w, const rowsel_t *sel,
			       const mt_slot_t *slots, uint64_t stamp)
{
	size_t base = g->n, m = sel->n;
	uint64_t points = 0;
	put_rows((void **)g->times, base, (const uint8_t *)w->times, sel, 0, m, sizeof(int64_t));
	for (size_t j = 0; j < w->n_columns; j++) {
		const storage_column_t *wc = &w->columns[j];
		mt_col_t *col = &g->cols[slots[j].col];
		size_t es = col_elem_size(col->type);
		char *bytes = slots[j].bytes;
		if (!type_is_binary(wc->type)) {
			put_rows(col->vals, base, wc->values, sel, 0, m, es);
		} else {
			for (size_t i = 0; i < m; i++) {
				size_t r = sel_row(sel, i);
				tsfile_bytes_t v = {NULL, 0};
				if (!wc->nulls || !wc->nulls[r])
					v = copy_bytes(wc, r, &bytes);
				*(tsfile_bytes_t *)MT_AT(col->vals, base + i, es) = v;
			}
		}
		if (wc->nulls) {
			put_rows((void **)col->nulls, base, wc->nulls, sel, 0, m, 1);
			for (size_t i = 0; i < m; i++) {
				uint8_t *nb = MT_AT(col->nulls, base + i, 1);
				*nb = *nb != 0;
				points += !*nb;
			}
		} else {
			if (col->nulls)
				fill_rows((void **)col->nulls, base, m, 1, 0);
			points += m;
		}
	}
	for (uint32_t c = 0; c < g->ncols; c++) {
		mt_col_t *col = &g->cols[c];
		if (col->stamp == stamp)
			continue;
		fill_rows((void **)col->nulls, base, m, 1, 1);
		fill_rows(col->vals, base, m, col_elem_size(col->type), 0);
	}
	grp_note_times(g, base, m, sel);
	g->n += m;
	return points;
}

static uint64_t append_series(const storage_write_t *w, const rowsel_t *sel,
			      const mt_slot_t *slots)
{
	uint64_t points = 0;
	for (size_t j = 0; j < w->n_columns; j++) {
		const storage_column_t *wc = &w->columns[j];
		mt_group_t *g = slots[j].g;
		mt_col_t *col = &g->cols[0];
		size_t es = col_elem_size(col->type), base = g->n, k = base;
		char *bytes = slots[j].bytes;
		if (!wc->nulls && !type_is_binary(wc->type)) {
			put_rows((void **)g->times, base, (const uint8_t *)w->times, sel, 0, sel->n,
				 sizeof(int64_t));
			put_rows(col->vals, base, wc->values, sel, 0, sel->n, es);
			k += sel->n;
		} else {
			for (size_t i = 0; i < sel->n; i++) {
				size_t r = sel_row(sel, i);
				if (wc->nulls && wc->nulls[r])
					continue;
				MT_TIME(g, k) = w->times[r];
				if (type_is_binary(wc->type))
					*(tsfile_bytes_t *)MT_AT(col->vals, k, es) = copy_bytes(wc, r, &bytes);
				else
					memcpy(MT_AT(col->vals, k, es), (const uint8_t *)wc->values + r * es, es);
				k++;
			}
		}
		grp_note_times(g, base, k - base, k - base == sel->n ? sel : NULL);
		g->n = k;
		points += k - base;
	}
	return points;
}

uint64_t mt_append(memtable_t *mt, const storage_write_t *w, const rowsel_t *sel,
		   const mt_slot_t *slots)
{
	mt_dev_t *d = hmap_get_str(&mt->devs, w->device);
	uint64_t points = d->aligned ? append_aligned(d->groups[0], w, sel, slots, mt->stamp)
				     : append_series(w, sel, slots);
	if (sel->n && sel->tmax > d->tmax)
		d->tmax = sel->tmax;
	mt->points += points;
	return points;
}

/*---------------------------------------------------------------------------
 * Deletions and captures
 *---------------------------------------------------------------------------*/

/* The group and column of device.measurement, or NULL. */
static mt_group_t *mt_find(const memtable_t *mt, const char *device, const char *measurement,
			   uint32_t *col)
{
	mt_dev_t *d = hmap_get_str(&mt->devs, device);
	if (!d)
		return NULL;
	if (!d->aligned) {
		*col = 0;
		return hmap_get_str(&d->group_map, measurement);
	}
	mt_group_t *g = d->groups[0];
	uintptr_t ix = (uintptr_t)hmap_get_str(&g->col_map, measurement);
	if (!ix)
		return NULL;
	*col = (uint32_t)(ix - 1);
	return g;
}

int mt_delete(memtable_t *mt, const char *device, const char *measurement, int64_t start,
	      int64_t end, larch_error_t *err)
{
	uint32_t c;
	mt_group_t *g = mt_find(mt, device, measurement, &c);
	if (!g || g->n == 0 || end < g->tmin || start > g->tmax)
		return LARCH_OK;
	if (g->n_dels == g->cap_dels) {
		size_t cap = g->cap_dels ? g->cap_dels * 2 : 4;
		mt_del_t *d = mem_realloc(g->dels, cap * sizeof(*d));
		if (!d)
			return mt_oom(err, "deletion");
		storage_mt_account(mt->s, mt, (int64_t)((cap - g->cap_dels) * sizeof(*d)));
		g->dels = d;
		g->cap_dels = cap;
	}
	g->dels[g->n_dels++] = (mt_del_t){c, g->n, start, end, ++mt->del_seq};
	return LARCH_OK;
}

int mt_series_range(const memtable_t *mt, const char *device, const char *measurement,
		    tsfile_type_t type, int64_t *lo, int64_t *hi)
{
	uint32_t c;
	const mt_group_t *g = mt_find(mt, device, measurement, &c);
	if (!g || g->n == 0 || g->cols[c].type != type)
		return 0;
	*lo = g->tmin;
	*hi = g->tmax;
	return 1;
}

int mt_snap_series(memtable_t *mt, const char *device, const char *measurement,
		   tsfile_type_t type, mt_snap_t *out, int *found, larch_error_t *err)
{
	uint32_t c;
	memset(out, 0, sizeof *out);
	*found = 0;
	mt_group_t *g = mt_find(mt, device, measurement, &c);
	if (!g || g->n == 0 || g->cols[c].type != type)
		return LARCH_OK;
	size_t nd = 0, nck = (g->n + MT_CHUNK_MASK) >> MT_CHUNK_SHIFT;
	const mt_col_t *col = &g->cols[c];
	for (size_t i = 0; i < g->n_dels; i++)
		nd += g->dels[i].col == c;
	size_t dirs = nck * sizeof(void *) * (col->nulls ? 3 : 2);
	uint8_t *own = mem_alloc(dirs + nd * sizeof(mt_del_t));
	if (!own)
		return mt_oom(err, "capture");
	out->own = own;
	out->times = (int64_t **)own;
	out->vals = (void **)(own + nck * sizeof(void *));
	memcpy(out->times, g->times, nck * sizeof(void *));
	memcpy(out->vals, col->vals, nck * sizeof(void *));
	if (col->nulls) {
		out->nulls = (uint8_t **)(own + 2 * nck * sizeof(void *));
		memcpy(out->nulls, col->nulls, nck * sizeof(void *));
	}
	out->dels = (mt_del_t *)(own + dirs);
	for (size_t i = 0; i < g->n_dels; i++)
		if (g->dels[i].col == c)
			out->dels[out->n_dels++] = g->dels[i];
	out->mt = mt;
	out->n = g->n;
	out->sorted = g->sorted;
	out->strict = g->strict;
	out->type = type;
	out->tmin = g->tmin;
	out->tmax = g->tmax;
	mt->readers++;
	mt_ref(mt);
	*found = 1;
	return LARCH_OK;
}

void mt_snap_release(mt_snap_t *snap)
{
	if (!snap->mt)
		return;
	spart_t *p = snap->mt->part;
	pthread_mutex_lock(&p->lock);
	mt_reader_done(snap->mt);
	pthread_mutex_unlock(&p->lock);
	mt_unref(snap->mt);
	mem_free(snap->own);
	memset(snap, 0, sizeof *snap);
}

/*---------------------------------------------------------------------------
 * Sorting and views
 *---------------------------------------------------------------------------*/

/* Merge p[lo..mid) and p[mid..hi) (each sorted) through tmp. */
static void merge_runs(mt_pair_t *p, mt_pair_t *tmp, size_t lo, size_t mid, size_t hi)
{
	size_t a = lo, b = mid, k = lo;
	while (a < mid && b < hi)
		tmp[k++] = p[b].t < p[a].t ? p[b++] : p[a++];
	while (a < mid)
		tmp[k++] = p[a++];
	while (b < hi)
		tmp[k++] = p[b++];
	memcpy(p + lo, tmp + lo, (hi - lo) * sizeof(*p));
}

/* Natural merge sort: find the ascending runs, merge neighbours until one
 * run is left.  Stable; already sorted input costs one pass. */
int mt_sort_pairs(mt_pair_t *p, size_t n)
{
	if (n < 2)
		return LARCH_OK;
	size_t n_runs = 1;
	for (size_t i = 1; i < n; i++)
		n_runs += p[i].t < p[i - 1].t;
	if (n_runs == 1)
		return LARCH_OK;
	size_t *bounds = mem_alloc((n_runs + 1) * sizeof(*bounds));
	mt_pair_t *tmp = mem_alloc(n * sizeof(*tmp));
	if (!bounds || !tmp) {
		mem_free(bounds);
		mem_free(tmp);
		return LARCH_NO_MEMORY;
	}
	size_t k = 0;
	bounds[k++] = 0;
	for (size_t i = 1; i < n; i++)
		if (p[i].t < p[i - 1].t)
			bounds[k++] = i;
	bounds[k] = n;
	while (n_runs > 1) {
		size_t w = 0;
		for (size_t r = 0; r < n_runs; r += 2) {
			if (r + 1 < n_runs)
				merge_runs(p, tmp, bounds[r], bounds[r + 1], bounds[r + 2]);
			bounds[w++] = bounds[r];
		}
		bounds[w] = n;
		n_runs = w;
	}
	mem_free(bounds);
	mem_free(tmp);
	return LARCH_OK;
}

/* 1 if row r at time t of column col is deleted by one of dels[0..n). */
static int del_hit(const mt_del_t *dels, size_t n, uint32_t col, size_t r, int64_t t)
{
	for (size_t i = 0; i < n; i++)
		if (dels[i].col == col && r < dels[i].upto && t >= dels[i].start && t <= dels[i].end)
			return 1;
	return 0;
}

/* First row of the sorted chunked times t[0..n) with time >= x. */
static size_t lower_bound(int64_t *const *t, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid >> MT_CHUNK_SHIFT][mid & MT_CHUNK_MASK] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The rows of chunked times t[0..n) with time in [start, end], present
 * (nulls) and not deleted (dels, all of column `col`), as (time, row) pairs
 * sorted stably by time, in a new array (*out, *m). */
static int select_rows(int64_t *const *t, size_t n, uint8_t *const *nulls, const mt_del_t *dels,
		       size_t n_dels, uint32_t col, int sorted, int64_t start, int64_t end,
		       mt_pair_t **out, size_t *m)
{
	mt_pair_t *p = mem_alloc((n ? n : 1) * sizeof(*p));
	if (!p)
		return LARCH_NO_MEMORY;
	size_t k = 0;
	for (size_t r = 0; r < n; r++) {
		int64_t x = t[r >> MT_CHUNK_SHIFT][r & MT_CHUNK_MASK];
		if (x < start || x > end || (nulls && nulls[r >> MT_CHUNK_SHIFT][r & MT_CHUNK_MASK]))
			continue;
		if (n_dels && del_hit(dels, n_dels, col, r, x))
			continue;
		p[k++] = (mt_pair_t){x, (uint32_t)r};
	}
	if (!sorted && mt_sort_pairs(p, k)) {
		mem_free(p);
		return LARCH_NO_MEMORY;
	}
	*out = p;
	*m = k;
	return LARCH_OK;
}

/* Keep the last pair of every run of equal times; returns the count. */
static size_t dedup_last(mt_pair_t *p, size_t m)
{
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (i + 1 == m || p[i + 1].t != p[i].t)
			p[k++] = p[i];
	return k;
}

int mt_view_build(const mt_snap_t *snap, int64_t start, int64_t end, mt_view_t *out,
		  larch_error_t *err)
{
	memset(out, 0, sizeof *out);
	if (start > end || snap->n == 0 || end < snap->tmin || start > snap->tmax)
		return LARCH_OK;
	size_t es = col_elem_size(snap->type);
	if (snap->sorted && snap->strict && !snap->nulls && snap->n_dels == 0) {
		/* already right: one run per chunk */
		size_t lo = lower_bound(snap->times, snap->n, start);
		size_t hi = end == INT64_MAX ? snap->n : lower_bound(snap->times, snap->n, end + 1);
		if (lo >= hi)
			return LARCH_OK;
		size_t k0 = lo >> MT_CHUNK_SHIFT, k1 = (hi - 1) >> MT_CHUNK_SHIFT;
		if (!(out->runs = mem_alloc((k1 - k0 + 1) * sizeof(*out->runs))))
			return mt_oom(err, "view");
		for (size_t k = k0; k <= k1; k++) {
			size_t a = k == k0 ? lo & MT_CHUNK_MASK : 0;
			size_t b = k == k1 ? ((hi - 1) & MT_CHUNK_MASK) + 1 : MT_CHUNK_ROWS;
			out->runs[out->n_runs++] = (mt_run_t){snap->times[k] + a,
							      (const uint8_t *)snap->vals[k] + a * es,
							      b - a};
		}
		return LARCH_OK;
	}
	mt_pair_t *p;
	size_t m;
	/* the captured deletions all name the captured column */
	if (select_rows(snap->times, snap->n, snap->nulls, snap->dels, snap->n_dels,
			snap->n_dels ? snap->dels[0].col : 0, snap->sorted, start, end, &p, &m))
		return mt_oom(err, "view");
	m = dedup_last(p, m);
	uint8_t *own = mem_alloc(sizeof(mt_run_t) + (m ? m : 1) * (sizeof(int64_t) + es));
	if (!own) {
		mem_free(p);
		return mt_oom(err, "view");
	}
	int64_t *t = (int64_t *)(own + sizeof(mt_run_t));
	uint8_t *v = (uint8_t *)(t + (m ? m : 1));
	for (size_t i = 0; i < m; i++) {
		t[i] = p[i].t;
		memcpy(v + i * es, MT_AT(snap->vals, p[i].r, es), es);
	}
	mem_free(p);
	out->own = own;
	out->runs = (mt_run_t *)own;
	out->runs[0] = (mt_run_t){t, v, m};
	out->n_runs = m > 0;
	return LARCH_OK;
}

void mt_view_free(mt_view_t *v)
{
	if (v->runs != v->own)
		mem_free(v->runs);
	mem_free(v->own);
	memset(v, 0, sizeof *v);
}

/*---------------------------------------------------------------------------
 * Rows for a flush
 *---------------------------------------------------------------------------*/

/* 1 if some row of g has no value in any column (possible only when every
 * column has null bytes). */
static int grp_has_empty_row(const mt_group_t *g)
{
	for (uint32_t c = 0; c < g->ncols; c++)
		if (!g->cols[c].nulls)
			return 0;
	for (size_t r = 0; r < g->n; r++) {
		uint32_t c = 0;
		while (c < g->ncols && *MT_AT(g->cols[c].nulls, r, 1))
			c++;
		if (c == g->ncols)
			return 1;
	}
	return 0;
}

static size_t align8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

int mt_group_rows(const mt_group_t *g, uint64_t del_seq, int64_t min_time, mt_rows_t *out,
		  larch_error_t *err)
{
	memset(out, 0, sizeof *out);
	size_t n_dels = 0;
	for (size_t i = 0; i < g->n_dels; i++)
		n_dels += g->dels[i].seq <= del_seq;
	out->ncols = g->ncols;
	if (g->n == 0 || g->ncols == 0)
		return LARCH_OK;
	if (g->sorted && g->strict && n_dels == 0 && min_time <= g->tmin && !grp_has_empty_row(g)) {
		out->g = g; /* written as it is, chunk by chunk */
		out->n_parts = (g->n + MT_CHUNK_MASK) >> MT_CHUNK_SHIFT;
		out->n = g->n;
		return LARCH_OK;
	}
	/* the deletions in force, in an array of their own */
	mt_del_t *dels = mem_alloc((n_dels ? n_dels : 1) * sizeof(*dels));
	mt_pair_t *p = NULL;
	size_t m = 0;
	if (!dels)
		return mt_oom(err, "flush rows");
	n_dels = 0;
	for (size_t i = 0; i < g->n_dels; i++)
		if (g->dels[i].seq <= del_seq)
			dels[n_dels++] = g->dels[i];
	if (select_rows(g->times, g->n, NULL, NULL, 0, 0, g->sorted, min_time, INT64_MAX, &p, &m)) {
		mem_free(dels);
		return mt_oom(err, "flush rows");
	}
	size_t ptrs = g->ncols * (sizeof(void *) + sizeof(uint8_t *));
	size_t sz = align8(ptrs) + align8(m * sizeof(int64_t));
	for (uint32_t c = 0; c < g->ncols; c++)
		sz += align8(m * col_elem_size(g->cols[c].type)) + align8(m);
	uint8_t *mem = mem_alloc(sz ? sz : 1);
	if (!mem) {
		mem_free(dels);
		mem_free(p);
		return mt_oom(err, "flush rows");
	}
	out->own = mem;
	out->values = (void **)mem;
	out->nulls = (uint8_t **)(out->values + g->ncols);
	out->times = (int64_t *)(mem + align8(ptrs));
	uint8_t *q = (uint8_t *)out->times + align8(m * sizeof(int64_t));
	for (uint32_t c = 0; c < g->ncols; c++) {
		out->values[c] = q;
		q += align8(m * col_elem_size(g->cols[c].type));
		out->nulls[c] = q;
		q += align8(m);
	}
	/* one output row per run of equal times; per column the last row of
	 * the run with a value that is not deleted */
	size_t k = 0;
	for (size_t a = 0; a < m;) {
		size_t b = a + 1;
		int64_t t = p[a].t;
		while (b < m && p[b].t == t)
			b++;
		int any = 0;
		for (uint32_t c = 0; c < g->ncols; c++) {
			const mt_col_t *col = &g->cols[c];
			size_t es = col_elem_size(col->type), i = b;
			while (i > a) {
				uint32_t r = p[i - 1].r;
				if ((!col->nulls || !*MT_AT(col->nulls, r, 1)) &&
				    !(n_dels && del_hit(dels, n_dels, c, r, t)))
					break;
				i--;
			}
			out->nulls[c][k] = i == a;
			if (i > a)
				memcpy((uint8_t *)out->values[c] + k * es, MT_AT(col->vals, p[i - 1].r, es),
				       es);
			else
				memset((uint8_t *)out->values[c] + k * es, 0, es);
			any |= i > a;
		}
		if (any)
			out->times[k++] = t;
		a = b;
	}
	mem_free(dels);
	mem_free(p);
	out->n = k;
	out->n_parts = k > 0;
	return LARCH_OK;
}

size_t mt_rows_part(const mt_rows_t *r, size_t i, const int64_t **times, const void **values,
		    const uint8_t **nulls)
{
	const mt_group_t *g = r->g;
	if (!g) {
		*times = r->times;
		for (uint32_t c = 0; c < r->ncols; c++) {
			values[c] = r->values[c];
			nulls[c] = r->nulls[c];
		}
		return r->n;
	}
	size_t lo = i << MT_CHUNK_SHIFT, n = LR_MIN(g->n - lo, MT_CHUNK_ROWS);
	*times = g->times[i];
	for (uint32_t c = 0; c < g->ncols; c++) {
		values[c] = g->cols[c].vals[i];
		nulls[c] = g->cols[c].nulls ? g->cols[c].nulls[i] : NULL;
	}
	return n;
}

void mt_rows_free(mt_rows_t *r)
{
	mem_free(r->own);
	memset(r, 0, sizeof *r);
}
