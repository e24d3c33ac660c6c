/*
 * query.c — queries over an open reader and their result sets:
 * tsfile_reader_query (tree model: series paths + filter),
 * tsfile_reader_query_range (the same over the chunk groups of a byte
 * range), tsfile_reader_query_table (table model) and tsfile_result_*.
 *
 * Plan.  A query reads "slots": the series its columns name plus the
 * series only its filter names (hidden slots).  The chunks feeding the
 * slots are cut into units:
 *   - non-aligned series: one unit per chunk, one column;
 *   - aligned device: one unit per chunk group (its time chunk), with one
 *     column per slot of that device (the value chunk of the same chunk
 *     group, or none: all null).
 * Units are sorted by (group, start time, file offset) and merged with a
 * heap on (current time, file offset): a unit is opened only when the merge
 * reaches its start time and released when exhausted, so only units whose
 * time ranges overlap hold decoded pages at once.  Rows with the same time
 * from several units merge into one row; if two units give a slot a value
 * at the same time, the later chunk in the file wins.
 *
 * Rows.  Tree queries: the union of the times at which a selected (not
 * hidden) series has a value.  Table queries: every row of each device's
 * time column, device by device (index order), tags filled from the device
 * ID.
 *
 * Pruning.  Before a unit is opened and before each page is decoded the
 * filter is checked against the statistics (filter_prune); a NONE verdict
 * skips the unit or page without reading or decoding it.  Value statistics
 * of a slot are used only where no other unit feeds that slot in an
 * overlapping time range (otherwise skipping would let an older value show
 * through); time ranges are always used.  See filter.h for why skipped
 * values reading as null cannot change the result.
 */
#include <stdlib.h>
#include <strings.h>

#include "filter.h"
#include "reader.h"

/* A column of a unit: one chunk feeding one slot. */
typedef struct ucol {
	uint32_t slot;
	uint64_t offset;       /* chunk offset; 0: no chunk in this group (all null) */
	const stats_t *stats;  /* the chunk's statistics */
	int exclusive;         /* no other unit feeds the slot in an overlapping range */
	/* while the unit is open */
	chunk_reader_t *cr;    /* aligned value chunk (non-aligned: the unit's reader) */
	col_t values;          /* the page's non-null values */
	const uint8_t *present; /* aligned: MSB-first presence bitmap, NULL = all null */
	int chunk_done;        /* aligned: the value chunk has no pages (dataSize 0) */
	size_t vi;             /* aligned: index in values of the current row's value */
} ucol_t;

typedef struct unit {
	uint32_t group;        /* table queries: device ordinal; tree queries: 0 */
	int aligned;
	uint64_t order;        /* offset of the (time) chunk: later = newer */
	int64_t start, end;    /* time range from the statistics */
	uint64_t count;        /* points (rows) in the chunk, by statistics */
	uint32_t first_col;    /* columns: ucols[first_col .. + n_cols) */
	uint32_t n_cols;
	/* while open */
	chunk_reader_t *cr;    /* the time chunk (aligned) or the chunk */
	col_t times;
	size_t row;
} unit_t;

/* A slot: one series (or table tag) the query reads. */
typedef struct slot {
	long series;           /* index into the reader's series, -1 for a tag */
	int tag_seg;           /* table tags: device ID segment, else -1 */
	int selected;          /* tree: its values make rows */
	tsfile_value_t val;    /* value in the current row */
} slot_t;

struct tsfile_result {
	tsfile_reader_t *r;
	int table_mode;
	arena_t *arena;

	size_t n_cols;
	const char **names;
	tsfile_type_t *types;
	long *col_slot;             /* -1: always null */
	tsfile_value_t *null_vals;  /* per column */

	slot_t *slots;
	size_t n_slots, cap_slots;

	tsfile_filter_t *filter;    /* owned (a copy of the caller's), or NULL */
	size_t n_leaves;
	long *leaf_slot;
	const tsfile_value_t **leaf_vals;
	const stats_t **leaf_stats;

	unit_t *units;
	size_t n_units, cap_units;
	ucol_t *ucols;
	size_t n_ucols, cap_ucols;
	uint32_t *group_device;     /* table mode: device of each group */
	size_t n_groups;

	/* merge state */
	size_t next_unit;
	uint32_t group;
	uint32_t *heap;
	size_t n_heap;
	uint32_t *consumed;         /* units that made the current row */
	size_t n_consumed;
	chunk_reader_t **pool;      /* idle chunk readers */
	size_t n_pool, cap_pool;
	int64_t time;
	int failed;
	larch_error_t fail;
};

static const tsfile_value_t null_value = {.type = TSFILE_TEXT, .is_null = 1};

/*---------------------------------------------------------------------------
 * Small helpers
 *---------------------------------------------------------------------------*/

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return LARCH_OK;
	size_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	void *p = mem_realloc(*arr, c * size);
	if (!p)
		return LARCH_NO_MEMORY;
	*arr = p;
	*cap = c;
	return LARCH_OK;
}

static int oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory running a query");
}

/* The value of element i of column c as a tsfile_value_t. */
static void col_value(const col_t *c, size_t i, tsfile_value_t *v)
{
	v->type = c->type;
	v->is_null = 0;
	switch (c->type) {
	case TSFILE_BOOLEAN: v->v.b = COL_BOOL(c)[i]; break;
	case TSFILE_INT32:
	case TSFILE_DATE: v->v.i32 = COL_I32(c)[i]; break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
	case TSFILE_VECTOR: v->v.i64 = COL_I64(c)[i]; break;
	case TSFILE_FLOAT: v->v.f = COL_F32(c)[i]; break;
	case TSFILE_DOUBLE: v->v.d = COL_F64(c)[i]; break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: v->v.bytes = COL_BYTES(c)[i]; break;
	}
}

static inline int bit_set(const uint8_t *bits, size_t i)
{
	return (bits[i / 8] & (0x80u >> (i % 8))) != 0;
}

/*---------------------------------------------------------------------------
 * Result construction
 *---------------------------------------------------------------------------*/

static tsfile_result_t *result_new(tsfile_reader_t *r, size_t n_cols)
{
	tsfile_result_t *rs = mem_calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->r = r;
	rs->n_cols = n_cols;
	size_t n = n_cols ? n_cols : 1;
	rs->arena = arena_new(READER_SCRATCH_BLOCK);
	if (!rs->arena || !(rs->names = arena_calloc(rs->arena, n, sizeof(*rs->names))) ||
	    !(rs->types = arena_calloc(rs->arena, n, sizeof(*rs->types))) ||
	    !(rs->col_slot = arena_calloc(rs->arena, n, sizeof(*rs->col_slot))) ||
	    !(rs->null_vals = arena_calloc(rs->arena, n, sizeof(*rs->null_vals)))) {
		tsfile_result_free(rs);
		return NULL;
	}
	return rs;
}

/* Add a slot and return its index (or -1 on out of memory). */
static long slot_add(tsfile_result_t *rs, long series, int tag_seg, tsfile_type_t type)
{
	if (grow((void **)&rs->slots, &rs->cap_slots, rs->n_slots + 1, sizeof(*rs->slots)))
		return -1;
	slot_t *s = &rs->slots[rs->n_slots];
	memset(s, 0, sizeof *s);
	s->series = series;
	s->tag_seg = tag_seg;
	s->val.type = type;
	s->val.is_null = 1;
	return (long)rs->n_slots++;
}

/* The slot of a series, added if new.  slot_of[series] caches it. */
static long slot_for_series(tsfile_result_t *rs, long *slot_of, long series)
{
	if (slot_of[series] < 0)
		slot_of[series] = slot_add(rs, series, -1, rs->r->series[series].type);
	return slot_of[series];
}

/* Resolve a tree path to a series index (-1 if absent from the file). */
static int resolve_path(tsfile_reader_t *r, const char *path, long *series, larch_error_t *err)
{
	char *dev = NULL, *meas = NULL;
	arena_t *tmp = arena_new(READER_SCRATCH_BLOCK);
	device_id_t id;
	const char *canon = NULL;
	int rc = tmp ? filter_path_split(path, &dev, &meas, err) : oom(err);
	if (!rc)
		rc = meta_device_from_path(dev, strlen(dev), r->version, tmp, &id, err);
	if (!rc && !(canon = meta_device_path(&id, tmp)))
		rc = oom(err);
	if (!rc)
		*series = reader_find(r, canon, meas, strlen(meas));
	mem_free(dev);
	mem_free(meas);
	arena_free(tmp);
	return rc;
}

/* Bind the value leaves of rs->filter to slots (adding hidden slots) and
 * check that each literal can be compared with its series. */
static int bind_filter(tsfile_result_t *rs, long *slot_of, larch_error_t *err)
{
	const tsfile_filter_t *f = rs->filter;
	rs->n_leaves = filter_leaf_count(f);
	size_t n = rs->n_leaves ? rs->n_leaves : 1;
	rs->leaf_slot = arena_calloc(rs->arena, n, sizeof(*rs->leaf_slot));
	rs->leaf_vals = arena_calloc(rs->arena, n, sizeof(*rs->leaf_vals));
	rs->leaf_stats = arena_calloc(rs->arena, n, sizeof(*rs->leaf_stats));
	if (!rs->leaf_slot || !rs->leaf_vals || !rs->leaf_stats)
		return oom(err);
	for (size_t i = 0; i < rs->n_leaves; i++) {
		long series;
		const char *path = filter_leaf_path(f, i);
		int rc = resolve_path(rs->r, path, &series, err);
		if (rc)
			return rc;
		rs->leaf_slot[i] = -1;
		if (series < 0)
			continue;
		tsfile_type_t st = rs->r->series[series].type;
		tsfile_type_t lt = filter_leaf_literal(f, i)->type;
		if (!filter_types_comparable(lt, st))
			return err_set(err, LARCH_DATA_TYPE_MISMATCH,
				       "filter compares %s series '%s' with a %s literal",
				       tsfile_type_name(st), path, tsfile_type_name(lt));
		if ((rs->leaf_slot[i] = slot_for_series(rs, slot_of, series)) < 0)
			return oom(err);
	}
	return LARCH_OK;
}

/* Append a unit with n_cols empty columns; returns its index or -1. */
static long unit_add(tsfile_result_t *rs, uint32_t group, int aligned, uint64_t order,
		     const stats_t *st, uint32_t n_cols)
{
	if (grow((void **)&rs->units, &rs->cap_units, rs->n_units + 1, sizeof(*rs->units)) ||
	    grow((void **)&rs->ucols, &rs->cap_ucols, rs->n_ucols + n_cols, sizeof(*rs->ucols)))
		return -1;
	unit_t *u = &rs->units[rs->n_units];
	memset(u, 0, sizeof *u);
	u->group = group;
	u->aligned = aligned;
	u->order = order;
	u->start = st->s.start_time;
	u->end = st->s.end_time;
	u->count = st->s.count;
	u->first_col = (uint32_t)rs->n_ucols;
	u->n_cols = n_cols;
	if (n_cols) /* a table query may read only the time column */
		memset(&rs->ucols[rs->n_ucols], 0, n_cols * sizeof(*rs->ucols));
	rs->n_ucols += n_cols;
	return (long)rs->n_units++;
}

/* Units of the non-aligned series behind `slot`: one per chunk. */
static int plan_series(tsfile_result_t *rs, uint32_t group, long slot, larch_error_t *err)
{
	const ts_meta_t *m = &rs->r->sx[rs->slots[slot].series].meta;
	for (uint32_t c = 0; c < m->n_chunks; c++) {
		long u = unit_add(rs, group, 0, m->chunks[c].offset, &m->chunks[c].stats, 1);
		if (u < 0)
			return oom(err);
		ucol_t *col = &rs->ucols[rs->units[u].first_col];
		col->slot = (uint32_t)slot;
		col->offset = m->chunks[c].offset;
		col->stats = &m->chunks[c].stats;
	}
	return LARCH_OK;
}

typedef struct tchunk {
	uint64_t offset;
	const stats_t *stats;
} tchunk_t;

static int tchunk_cmp(const void *a, const void *b)
{
	uint64_t x = ((const tchunk_t *)a)->offset, y = ((const tchunk_t *)b)->offset;
	return (x > y) - (x < y);
}

/* Units of aligned device d: one per time chunk (chunk group), with one
 * column per slot in slots[0..n).  Each value chunk belongs to the chunk
 * group of the nearest time chunk before it.  keep_empty: keep units whose
 * columns all lack a chunk (table queries: such rows still exist). */
static int plan_aligned(tsfile_result_t *rs, uint32_t group, const rdev_t *d, const long *slots,
			size_t n, int keep_empty, larch_error_t *err)
{
	const ts_meta_t *tm = &d->time;
	size_t first = rs->n_units, nt = tm->n_chunks;
	tchunk_t *tc = mem_alloc(nt * sizeof(*tc));
	int rc = tc ? LARCH_OK : oom(err);
	for (size_t i = 0; !rc && i < nt; i++)
		tc[i] = (tchunk_t){tm->chunks[i].offset, &tm->chunks[i].stats};
	if (!rc)
		qsort(tc, nt, sizeof(*tc), tchunk_cmp);
	for (size_t i = 0; !rc && i < nt; i++) {
		if (i && tc[i].offset == tc[i - 1].offset)
			rc = err_set(err, LARCH_CORRUPTED, "time chunk offset %llu listed twice",
				     (unsigned long long)tc[i].offset);
		else if (unit_add(rs, group, 1, tc[i].offset, tc[i].stats, (uint32_t)n) < 0)
			rc = oom(err);
	}
	for (size_t k = 0; !rc && k < n; k++) {
		const ts_meta_t *m = &rs->r->sx[rs->slots[slots[k]].series].meta;
		for (uint32_t c = 0; !rc && c < m->n_chunks; c++) {
			uint64_t off = m->chunks[c].offset;
			size_t lo = 0, hi = nt; /* first time chunk after off */
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (tc[mid].offset < off)
					lo = mid + 1;
				else
					hi = mid;
			}
			ucol_t *col = lo ? &rs->ucols[rs->units[first + lo - 1].first_col + k] : NULL;
			if (!col || col->offset)
				rc = err_set(err, LARCH_CORRUPTED,
					     "value chunk at offset %llu of device %s has no chunk "
					     "group of its own", (unsigned long long)off, d->path);
			else {
				col->slot = (uint32_t)slots[k];
				col->offset = off;
				col->stats = &m->chunks[c].stats;
			}
		}
	}
	mem_free(tc);
	if (rc || keep_empty)
		return rc;
	/* drop units none of whose columns has a chunk */
	size_t w = first;
	for (size_t i = first; i < rs->n_units; i++) {
		const unit_t *u = &rs->units[i];
		int any = 0;
		for (uint32_t k = 0; k < u->n_cols; k++)
			any |= rs->ucols[u->first_col + k].offset != 0;
		if (any)
			rs->units[w++] = *u;
	}
	rs->n_units = w;
	return LARCH_OK;
}

/* Keep only the units whose chunk group's midpoint lies in [start, end). */
static int plan_range(tsfile_result_t *rs, uint64_t start, uint64_t end, larch_error_t *err)
{
	tsfile_reader_t *r = rs->r;
	int rc = reader_load_groups(r, err);
	if (rc)
		return rc;
	size_t w = 0;
	for (size_t i = 0; i < rs->n_units; i++) {
		uint64_t off = rs->units[i].order;
		size_t lo = 0, hi = r->n_groups; /* first group starting after off */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (r->groups[mid].start <= off)
				lo = mid + 1;
			else
				hi = mid;
		}
		const rgroup_t *g = lo ? &r->groups[lo - 1] : NULL;
		if (!g || off >= g->end)
			return err_set(err, LARCH_CORRUPTED, "chunk at offset %llu is in no chunk group",
				       (unsigned long long)off);
		uint64_t mid = g->start + (g->end - g->start) / 2;
		if (mid >= start && mid < end)
			rs->units[w++] = rs->units[i];
	}
	rs->n_units = w;
	return LARCH_OK;
}

typedef struct span {
	uint32_t slot;
	int64_t start, end;
	size_t col;
} span_t;

static int span_cmp(const void *a, const void *b)
{
	const span_t *x = a, *y = b;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return (x->start > y->start) - (x->start < y->start);
}

/* Mark each column exclusive unless another unit feeds its slot over an
 * overlapping time range (by the units' ranges). */
static int plan_exclusive(tsfile_result_t *rs, larch_error_t *err)
{
	size_t n = 0;
	span_t *sp = mem_alloc((rs->n_ucols ? rs->n_ucols : 1) * sizeof(*sp));
	if (!sp)
		return oom(err);
	for (size_t i = 0; i < rs->n_units; i++) {
		const unit_t *u = &rs->units[i];
		for (uint32_t k = 0; k < u->n_cols; k++) {
			ucol_t *c = &rs->ucols[u->first_col + k];
			c->exclusive = 0;
			if (c->offset)
				sp[n++] = (span_t){c->slot, u->start, u->end, u->first_col + k};
		}
	}
	qsort(sp, n, sizeof(*sp), span_cmp);
	int64_t max_end = 0;
	for (size_t i = 0; i < n; i++) {
		int first = i == 0 || sp[i].slot != sp[i - 1].slot;
		int overlaps_before = !first && sp[i].start <= max_end;
		int overlaps_after = i + 1 < n && sp[i + 1].slot == sp[i].slot &&
				     sp[i + 1].start <= sp[i].end;
		rs->ucols[sp[i].col].exclusive = !overlaps_before && !overlaps_after;
		max_end = first ? sp[i].end : LR_MAX(max_end, sp[i].end);
	}
	mem_free(sp);
	return LARCH_OK;
}

static int unit_cmp(const void *a, const void *b)
{
	const unit_t *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

static void group_start(tsfile_result_t *rs, uint32_t g);

/* Finish planning: exclusivity, unit order, merge arrays. */
static int plan_finish(tsfile_result_t *rs, larch_error_t *err)
{
	int rc = plan_exclusive(rs, err);
	if (rc)
		return rc;
	if (rs->n_units)
		qsort(rs->units, rs->n_units, sizeof(*rs->units), unit_cmp);
	size_t n = rs->n_units ? rs->n_units : 1;
	rs->heap = mem_alloc(n * sizeof(*rs->heap));
	rs->consumed = mem_alloc(n * sizeof(*rs->consumed));
	if (!rs->heap || !rs->consumed)
		return oom(err);
	for (size_t i = 0; i < rs->n_leaves; i++)
		rs->leaf_vals[i] = rs->leaf_slot[i] >= 0 ? &rs->slots[rs->leaf_slot[i]].val : NULL;
	if (rs->n_units)
		group_start(rs, rs->units[0].group);
	return LARCH_OK;
}

typedef struct dev_slot {
	uint32_t device;
	long slot;
} dev_slot_t;

static int dev_slot_cmp(const void *a, const void *b)
{
	const dev_slot_t *x = a, *y = b;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	return (x->slot > y->slot) - (x->slot < y->slot);
}

/* Units for every series slot, device by device. */
static int plan_tree(tsfile_result_t *rs, larch_error_t *err)
{
	size_t n = rs->n_slots;
	dev_slot_t *ds = mem_alloc((n ? n : 1) * sizeof(*ds));
	long *slots = mem_alloc((n ? n : 1) * sizeof(*slots));
	int rc = ds && slots ? LARCH_OK : oom(err);
	for (size_t i = 0; !rc && i < n; i++)
		ds[i] = (dev_slot_t){rs->r->sx[rs->slots[i].series].device, (long)i};
	if (!rc)
		qsort(ds, n, sizeof(*ds), dev_slot_cmp);
	for (size_t i = 0; !rc && i < n;) {
		size_t j = i;
		const rdev_t *d = &rs->r->devices[ds[i].device];
		for (; j < n && ds[j].device == ds[i].device; j++)
			slots[j - i] = ds[j].slot;
		if (d->aligned)
			rc = plan_aligned(rs, 0, d, slots, j - i, 0, err);
		for (size_t k = 0; !rc && !d->aligned && k < j - i; k++)
			rc = plan_series(rs, 0, slots[k], err);
		i = j;
	}
	mem_free(ds);
	mem_free(slots);
	return rc;
}

/*---------------------------------------------------------------------------
 * Tree queries
 *---------------------------------------------------------------------------*/

static int query_tree(tsfile_reader_t *r, const char *const *paths, size_t n_paths,
		      const tsfile_filter_t *filter, int ranged, uint64_t start, uint64_t end,
		      tsfile_result_t **out, larch_error_t *err)
{
	*out = NULL;
	if (n_paths && !paths)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "query paths are NULL");
	tsfile_result_t *rs = result_new(r, n_paths);
	long *slot_of = mem_alloc((r->n_series ? r->n_series : 1) * sizeof(*slot_of));
	int rc = rs && slot_of ? LARCH_OK : oom(err);
	for (size_t i = 0; !rc && i < r->n_series; i++)
		slot_of[i] = -1;
	for (size_t i = 0; !rc && i < n_paths; i++) {
		long series;
		if (!paths[i]) {
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "query path %zu is NULL", i);
			break;
		}
		if ((rc = resolve_path(r, paths[i], &series, err)))
			break;
		rs->names[i] = arena_strndup(rs->arena, paths[i], strlen(paths[i]));
		if (!rs->names[i]) {
			rc = oom(err);
			break;
		}
		rs->types[i] = series >= 0 ? r->series[series].type : TSFILE_TEXT;
		rs->null_vals[i] = (tsfile_value_t){.type = rs->types[i], .is_null = 1};
		rs->col_slot[i] = series >= 0 ? slot_for_series(rs, slot_of, series) : -1;
		if (series >= 0 && rs->col_slot[i] < 0)
			rc = oom(err);
		else if (series >= 0)
			rs->slots[rs->col_slot[i]].selected = 1;
	}
	if (!rc && filter) /* a copy: the caller may free its filter before reading rows */
		rc = (rs->filter = filter_copy(filter)) ? bind_filter(rs, slot_of, err) : oom(err);
	if (!rc)
		rc = plan_tree(rs, err);
	if (!rc && ranged)
		rc = plan_range(rs, start, end, err);
	if (!rc)
		rc = plan_finish(rs, err);
	mem_free(slot_of);
	if (rc) {
		tsfile_result_free(rs);
		return rc;
	}
	*out = rs;
	return LARCH_OK;
}

int tsfile_reader_query(tsfile_reader_t *r, const char *const *paths, size_t n_paths,
			const tsfile_filter_t *filter, tsfile_result_t **out,
			larch_error_t *err)
{
	return query_tree(r, paths, n_paths, filter, 0, 0, 0, out, err);
}

int tsfile_reader_query_range(tsfile_reader_t *r, const char *const *paths, size_t n_paths,
			      const tsfile_filter_t *filter, uint64_t start_offset,
			      uint64_t end_offset, tsfile_result_t **out, larch_error_t *err)
{
	return query_tree(r, paths, n_paths, filter, 1, start_offset, end_offset, out, err);
}

/*---------------------------------------------------------------------------
 * Table queries
 *---------------------------------------------------------------------------*/

static const tsfile_table_schema_t *find_table(const tsfile_reader_t *r, const char *name)
{
	for (size_t i = 0; i < r->n_tables; i++)
		if (strcasecmp(r->tables[i].name, name) == 0)
			return &r->tables[i];
	return NULL;
}

/* Add the result column for schema column c; tags get a tag slot, fields a
 * field slot to be bound per device (series -1 until then). */
static int table_column(tsfile_result_t *rs, size_t i, const tsfile_table_schema_t *t,
			size_t c, larch_error_t *err)
{
	const tsfile_column_schema_t *cs = &t->columns[c];
	int seg = -1;
	if (cs->category == TSFILE_TAG) {
		seg = 1;
		for (size_t k = 0; k < c; k++)
			seg += t->columns[k].category == TSFILE_TAG;
	}
	rs->names[i] = cs->name;
	rs->types[i] = cs->category == TSFILE_TAG ? TSFILE_STRING : cs->type;
	rs->null_vals[i] = (tsfile_value_t){.type = rs->types[i], .is_null = 1};
	rs->col_slot[i] = -1;
	if (cs->category == TSFILE_ATTRIBUTE) /* not stored in TsFiles */
		return LARCH_OK;
	rs->col_slot[i] = slot_add(rs, -1, seg, rs->types[i]);
	return rs->col_slot[i] < 0 ? oom(err) : LARCH_OK;
}

/* Units of device d (group g): its field slots bound to the device's series
 * of the same names. */
static int plan_table_device(tsfile_result_t *rs, uint32_t g, uint32_t dev, long *slots,
			     larch_error_t *err)
{
	tsfile_reader_t *r = rs->r;
	const rdev_t *d = &r->devices[dev];
	size_t n = 0;
	for (size_t i = 0; i < rs->n_cols; i++) {
		long s = rs->col_slot[i];
		if (s < 0 || rs->slots[s].tag_seg >= 0)
			continue;
		long series = reader_find(r, d->path, rs->names[i], strlen(rs->names[i]));
		if (series < 0)
			continue;
		if (r->series[series].type != rs->types[i])
			return err_set(err, LARCH_CORRUPTED, "column %s of device %s is %s, the table "
				       "schema says %s", rs->names[i], d->path,
				       tsfile_type_name(r->series[series].type),
				       tsfile_type_name(rs->types[i]));
		rs->slots[s].series = series;
		slots[n++] = s;
	}
	if (d->aligned)
		return plan_aligned(rs, g, d, slots, n, 1, err);
	for (size_t k = 0; k < n; k++) {
		int rc = plan_series(rs, g, slots[k], err);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

int tsfile_reader_query_table(tsfile_reader_t *r, const char *table,
			      const char *const *columns, size_t n_columns,
			      int64_t start_time, int64_t end_time,
			      tsfile_result_t **out, larch_error_t *err)
{
	*out = NULL;
	const tsfile_table_schema_t *t = table ? find_table(r, table) : NULL;
	if (!t)
		return err_set(err, LARCH_PATH_NOT_EXIST, "no table '%s' in the file",
			       table ? table : "(null)");
	size_t n = n_columns;
	if (!columns || !n) {
		n = 0;
		for (size_t c = 0; c < t->n_columns; c++)
			n += t->columns[c].category != TSFILE_ATTRIBUTE;
	}
	tsfile_result_t *rs = result_new(r, n);
	long *slots = mem_alloc((n ? n : 1) * sizeof(*slots));
	int rc = rs && slots ? LARCH_OK : oom(err);
	if (!rc)
		rs->table_mode = 1;
	for (size_t i = 0, c = 0; !rc && i < n; i++) {
		if (columns && n_columns) {
			for (c = 0; c < t->n_columns; c++)
				if (columns[i] && strcasecmp(t->columns[c].name, columns[i]) == 0)
					break;
			if (c == t->n_columns) {
				rc = err_set(err, LARCH_PATH_NOT_EXIST, "table %s has no column '%s'",
					     t->name, columns[i] ? columns[i] : "(null)");
				break;
			}
		} else {
			while (t->columns[c].category == TSFILE_ATTRIBUTE)
				c++;
		}
		rc = table_column(rs, i, t, c++, err);
	}
	if (!rc) {
		rs->filter = tsfile_filter_and(tsfile_filter_time(TSFILE_GE, start_time),
					       tsfile_filter_time(TSFILE_LE, end_time));
		rc = rs->filter ? bind_filter(rs, NULL, err) : oom(err);
	}
	size_t tlen = strlen(t->name);
	for (uint32_t d = 0; !rc && d < r->n_devices && start_time <= end_time; d++) {
		const meta_str_t *seg0 = &r->devices[d].id.segs[0];
		if (r->version == 3 || !seg0->ptr || seg0->len != tlen ||
		    memcmp(seg0->ptr, t->name, tlen) != 0)
			continue;
		if (grow((void **)&rs->group_device, &rs->n_groups, rs->n_groups + 1,
			 sizeof(*rs->group_device))) {
			rc = oom(err);
			break;
		}
		uint32_t g = (uint32_t)rs->n_groups - 1;
		rs->group_device[g] = d;
		rc = plan_table_device(rs, g, d, slots, err);
		for (size_t s = 0; s < rs->n_slots; s++) /* unbind field slots */
			if (rs->slots[s].tag_seg < 0)
				rs->slots[s].series = -1;
	}
	if (!rc)
		rc = plan_finish(rs, err);
	mem_free(slots);
	if (rc) {
		tsfile_result_free(rs);
		return rc;
	}
	*out = rs;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Units at run time
 *---------------------------------------------------------------------------*/

static int reader_get(tsfile_result_t *rs, chunk_reader_t **out, larch_error_t *err)
{
	if (rs->n_pool) {
		*out = rs->pool[--rs->n_pool];
		return LARCH_OK;
	}
	return chunk_reader_new(rs->r, out, err);
}

static void reader_put(tsfile_result_t *rs, chunk_reader_t **cr)
{
	if (!*cr)
		return;
	if (grow((void **)&rs->pool, &rs->cap_pool, rs->n_pool + 1, sizeof(*rs->pool)))
		chunk_reader_free(*cr);
	else
		rs->pool[rs->n_pool++] = *cr;
	*cr = NULL;
}

/* Release a unit's readers and buffers. */
static void unit_close(tsfile_result_t *rs, unit_t *u)
{
	reader_put(rs, &u->cr);
	col_free(&u->times);
	for (uint32_t k = 0; k < u->n_cols; k++) {
		ucol_t *c = &rs->ucols[u->first_col + k];
		reader_put(rs, &c->cr);
		col_free(&c->values);
	}
}

/* Statistics of a column's current page: its page statistics, or for a
 * single-page chunk the chunk's; NULL if unknown or not exclusive. */
static const stats_t *col_page_stats(const ucol_t *c, const chunk_reader_t *cr)
{
	if (!c->exclusive || !cr || c->chunk_done)
		return NULL;
	const page_header_t *pg = chunk_reader_page(cr);
	if (pg->has_stats)
		return &pg->stats;
	if (META_CHUNK_KIND(chunk_reader_header(cr)->marker) == META_MARKER_ONE_PAGE_CHUNK &&
	    pg->uncompressed_size != 0)
		return c->stats;
	return NULL;
}

/* Fill rs->leaf_stats for unit u: per leaf, the statistics of the unit's
 * column for the leaf's slot (page statistics if `page`, else chunk). */
static void unit_leaf_stats(tsfile_result_t *rs, const unit_t *u, int page)
{
	for (size_t i = 0; i < rs->n_leaves; i++) {
		rs->leaf_stats[i] = NULL;
		for (uint32_t k = 0; k < u->n_cols; k++) {
			const ucol_t *c = &rs->ucols[u->first_col + k];
			if ((long)c->slot != rs->leaf_slot[i] || !c->offset)
				continue;
			if (page)
				rs->leaf_stats[i] = col_page_stats(c, u->aligned ? c->cr : u->cr);
			else
				rs->leaf_stats[i] = c->exclusive ? c->stats : NULL;
		}
	}
}

/* Move every reader of u to its next page and decode it, skipping pages
 * the filter rules out.  LARCH_DONE when the chunk has no more pages. */
static int unit_load_page(tsfile_result_t *rs, unit_t *u, larch_error_t *err)
{
	size_t max = u->count ? (size_t)LR_MIN(u->count, (uint64_t)CHUNK_MAX_PAGE_POINTS) : 1;
	for (;;) {
		int rc = chunk_reader_next_page(u->cr, err);
		if (rc)
			return rc;
		for (uint32_t k = 0; u->aligned && k < u->n_cols; k++) {
			ucol_t *c = &rs->ucols[u->first_col + k];
			if (!c->cr || c->chunk_done)
				continue;
			rc = chunk_reader_next_page(c->cr, err);
			if (rc == LARCH_DONE && chunk_reader_header(c->cr)->data_size == 0)
				c->chunk_done = 1;
			else if (rc == LARCH_DONE)
				return err_set(err, LARCH_CORRUPTED,
					       "value chunk at offset %llu has fewer pages than its "
					       "time chunk", (unsigned long long)c->offset);
			else if (rc)
				return rc;
		}
		if (rs->filter) {
			const page_header_t *pg = chunk_reader_page(u->cr);
			int64_t lo = pg->has_stats ? pg->stats.s.start_time : u->start;
			int64_t hi = pg->has_stats ? pg->stats.s.end_time : u->end;
			unit_leaf_stats(rs, u, 1);
			if (filter_prune(rs->filter, lo, hi, rs->leaf_stats) == FILTER_NONE)
				continue;
		}
		col_clear(&u->times);
		if (!u->aligned) {
			ucol_t *c = &rs->ucols[u->first_col];
			col_clear(&c->values);
			rc = chunk_reader_read_page(u->cr, max, &u->times, &c->values, err);
		} else {
			rc = chunk_reader_read_times(u->cr, max, &u->times, err);
		}
		for (uint32_t k = 0; !rc && u->aligned && k < u->n_cols; k++) {
			ucol_t *c = &rs->ucols[u->first_col + k];
			col_clear(&c->values);
			c->present = NULL;
			c->vi = 0;
			if (c->cr && !c->chunk_done)
				rc = chunk_reader_read_values(c->cr, u->times.n, &c->values,
							      &c->present, err);
		}
		if (rc)
			return rc;
		if (u->times.n) {
			u->row = 0;
			return LARCH_OK;
		}
	}
}

static inline int64_t unit_time(const unit_t *u)
{
	return COL_I64(&u->times)[u->row];
}

static int heap_less(const tsfile_result_t *rs, uint32_t a, uint32_t b)
{
	const unit_t *x = &rs->units[a], *y = &rs->units[b];
	int64_t tx = unit_time(x), ty = unit_time(y);
	return tx < ty || (tx == ty && x->order < y->order);
}

static void heap_push(tsfile_result_t *rs, uint32_t u)
{
	size_t i = rs->n_heap++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!heap_less(rs, u, rs->heap[p]))
			break;
		rs->heap[i] = rs->heap[p];
		i = p;
	}
	rs->heap[i] = u;
}

static uint32_t heap_pop(tsfile_result_t *rs)
{
	uint32_t top = rs->heap[0], last = rs->heap[--rs->n_heap];
	size_t i = 0, n = rs->n_heap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && heap_less(rs, rs->heap[c + 1], rs->heap[c]))
			c++;
		if (!heap_less(rs, rs->heap[c], last))
			break;
		rs->heap[i] = rs->heap[c];
		i = c;
	}
	if (n)
		rs->heap[i] = last;
	return top;
}

/* Open unit ui (unless the filter rules out its statistics) and put it on
 * the heap if it has rows. */
static int unit_open(tsfile_result_t *rs, uint32_t ui, larch_error_t *err)
{
	unit_t *u = &rs->units[ui];
	if (rs->filter) {
		unit_leaf_stats(rs, u, 0);
		if (filter_prune(rs->filter, u->start, u->end, rs->leaf_stats) == FILTER_NONE)
			return LARCH_OK;
	}
	int rc = reader_get(rs, &u->cr, err);
	if (!rc)
		rc = chunk_reader_open(u->cr, u->order, err);
	col_init(&u->times, TSFILE_INT64);
	for (uint32_t k = 0; k < u->n_cols; k++) {
		ucol_t *c = &rs->ucols[u->first_col + k];
		col_init(&c->values, rs->slots[c->slot].val.type);
		c->chunk_done = !c->offset;
		if (!rc && u->aligned && c->offset && !(rc = reader_get(rs, &c->cr, err)))
			rc = chunk_reader_open(c->cr, c->offset, err);
	}
	if (!rc)
		rc = unit_load_page(rs, u, err);
	if (rc == LARCH_OK)
		heap_push(rs, ui);
	else
		unit_close(rs, u);
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/* Step unit ui past its current row; back on the heap if rows remain. */
static int unit_advance(tsfile_result_t *rs, uint32_t ui, larch_error_t *err)
{
	unit_t *u = &rs->units[ui];
	for (uint32_t k = 0; u->aligned && k < u->n_cols; k++) {
		ucol_t *c = &rs->ucols[u->first_col + k];
		if (c->present && bit_set(c->present, u->row))
			c->vi++;
	}
	int rc = LARCH_OK;
	if (++u->row == u->times.n)
		rc = unit_load_page(rs, u, err);
	if (rc == LARCH_OK)
		heap_push(rs, ui);
	else
		unit_close(rs, u);
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/* Copy unit u's values at its current row into their slots.  Returns 1 if
 * a selected slot received a value. */
static int unit_apply(tsfile_result_t *rs, const unit_t *u)
{
	int any = 0;
	for (uint32_t k = 0; k < u->n_cols; k++) {
		const ucol_t *c = &rs->ucols[u->first_col + k];
		size_t i = u->row;
		if (u->aligned) {
			if (!c->present || !bit_set(c->present, u->row))
				continue;
			i = c->vi;
		}
		slot_t *s = &rs->slots[c->slot];
		col_value(&c->values, i, &s->val);
		any |= s->selected;
	}
	return any;
}

/* Start group g (table mode: set the tag slots from its device). */
static void group_start(tsfile_result_t *rs, uint32_t g)
{
	rs->group = g;
	if (!rs->table_mode)
		return;
	const device_id_t *id = &rs->r->devices[rs->group_device[g]].id;
	for (size_t s = 0; s < rs->n_slots; s++) {
		slot_t *sl = &rs->slots[s];
		if (sl->tag_seg < 0)
			continue;
		const meta_str_t *seg = (uint32_t)sl->tag_seg < id->n ? &id->segs[sl->tag_seg] : NULL;
		sl->val.is_null = !seg || !seg->ptr;
		sl->val.v.bytes.ptr = seg && seg->ptr ? seg->ptr : "";
		sl->val.v.bytes.len = seg && seg->ptr ? seg->len : 0;
	}
}

/* Open the pending units of the current group that start no later than the
 * heap's earliest time. */
static int open_pending(tsfile_result_t *rs, larch_error_t *err)
{
	while (rs->next_unit < rs->n_units) {
		const unit_t *u = &rs->units[rs->next_unit];
		if (u->group != rs->group ||
		    (rs->n_heap && u->start > unit_time(&rs->units[rs->heap[0]])))
			break;
		int rc = unit_open(rs, (uint32_t)rs->next_unit++, err);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

static int advance_consumed(tsfile_result_t *rs, larch_error_t *err)
{
	int rc = LARCH_OK;
	for (size_t i = 0; i < rs->n_consumed; i++) {
		int r2 = unit_advance(rs, rs->consumed[i], err);
		if (r2 && !rc)
			rc = r2;
	}
	rs->n_consumed = 0;
	return rc;
}

/* One step of the merge: assemble the next candidate row into the slots.
 * *row is 1 if it is a row of the result before filtering. */
static int merge_step(tsfile_result_t *rs, int *row, larch_error_t *err)
{
	*row = 0;
	int rc = advance_consumed(rs, err);
	if (!rc)
		rc = open_pending(rs, err);
	while (!rc && rs->n_heap == 0) {
		if (rs->next_unit >= rs->n_units)
			return LARCH_DONE;
		group_start(rs, rs->units[rs->next_unit].group);
		rc = open_pending(rs, err);
	}
	if (rc)
		return rc;
	int64_t t = unit_time(&rs->units[rs->heap[0]]);
	for (size_t s = 0; s < rs->n_slots; s++)
		if (rs->slots[s].tag_seg < 0)
			rs->slots[s].val.is_null = 1;
	int any = 0;
	while (rs->n_heap && unit_time(&rs->units[rs->heap[0]]) == t) {
		uint32_t ui = heap_pop(rs);
		rs->consumed[rs->n_consumed++] = ui;
		any |= unit_apply(rs, &rs->units[ui]);
	}
	rs->time = t;
	*row = rs->table_mode || any;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Result set API
 *---------------------------------------------------------------------------*/

int tsfile_result_next(tsfile_result_t *rs, larch_error_t *err)
{
	if (rs->failed) {
		if (err)
			*err = rs->fail;
		return rs->fail.code;
	}
	for (;;) {
		int row;
		int rc = merge_step(rs, &row, &rs->fail);
		if (rc == LARCH_DONE)
			return rc;
		if (rc) {
			rs->failed = 1;
			rs->fail.code = rc;
			if (err)
				*err = rs->fail;
			return rc;
		}
		if (row && (!rs->filter ||
			    filter_eval(rs->filter, rs->time, rs->leaf_vals) == FILTER_TRUE))
			return LARCH_OK;
	}
}

size_t tsfile_result_column_count(const tsfile_result_t *rs)
{
	return rs->n_cols;
}

const char *tsfile_result_column_name(const tsfile_result_t *rs, size_t i)
{
	return i < rs->n_cols ? rs->names[i] : NULL;
}

tsfile_type_t tsfile_result_column_type(const tsfile_result_t *rs, size_t i)
{
	return i < rs->n_cols ? rs->types[i] : TSFILE_TEXT;
}

int64_t tsfile_result_time(const tsfile_result_t *rs)
{
	return rs->time;
}

const tsfile_value_t *tsfile_result_value(const tsfile_result_t *rs, size_t i)
{
	if (i >= rs->n_cols)
		return &null_value;
	long s = rs->col_slot[i];
	return s < 0 ? &rs->null_vals[i] : &rs->slots[s].val;
}

void tsfile_result_free(tsfile_result_t *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_heap; i++)
		unit_close(rs, &rs->units[rs->heap[i]]);
	for (size_t i = 0; i < rs->n_consumed; i++)
		unit_close(rs, &rs->units[rs->consumed[i]]);
	for (size_t i = 0; i < rs->n_pool; i++)
		chunk_reader_free(rs->pool[i]);
	mem_free(rs->pool);
	mem_free(rs->heap);
	mem_free(rs->consumed);
	mem_free(rs->units);
	mem_free(rs->ucols);
	mem_free(rs->slots);
	mem_free(rs->group_device);
	tsfile_filter_free(rs->filter);
	arena_free(rs->arena);
	mem_free(rs);
}
