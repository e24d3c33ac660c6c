/*
 * index_writer.c — the index area and footer of a TsFile, written at close
 * exactly as the Java TsFileIOWriter builds them (reference §6.3), so that
 * files match Java's byte for byte:
 *
 *   0x02                      separator (TsFileMetadata.metaOffset)
 *   per device (ascending), per series (ascending, "" time column first):
 *       TimeseriesMetadata    a LEAF_MEASUREMENT entry for every D-th one;
 *                             at the device's end the leaves are reduced to
 *                             one root (INTERNAL_MEASUREMENT levels written
 *                             here), which is kept for the device level
 *   per table (= first DeviceID segment, ascending):
 *       the devices' measurement roots (LEAF_DEVICE entries point at them),
 *       INTERNAL_DEVICE levels when a table has more than D devices
 *   TsFileMetadata            table roots, table schemas, metaOffset, bloom
 *                             filter, properties
 *   i32                       size of TsFileMetadata
 *   "TsFile"
 *
 * D is max_index_degree.  "Queueing" a node sets its end offset to the
 * current position and appends it to a FIFO; generate_root reduces a FIFO
 * level by level, writing each child as it is added to a parent.
 */
#include <stdlib.h>

#include "writer_int.h"

/* Index bytes are spilled to the file in pieces of about this size. */
#define INDEX_SPILL (1u << 20)

typedef struct iw {
	tsfile_writer_t *w;
	buf_t out;            /* pending bytes; they start at file offset w->pos */
	arena_t *a;           /* nodes and per-device arrays */
	uint32_t degree;
	index_node_t **q;     /* FIFO of queued nodes: q[head..n) */
	size_t head, n, cap;
	larch_error_t *err;
} iw_t;

static uint64_t iw_pos(const iw_t *x)
{
	return x->w->pos + x->out.len;
}

/* Write pending bytes to the file once there are enough (or force). */
static int iw_spill(iw_t *x, int force)
{
	if (!buf_ok(&x->out))
		return err_set(x->err, LARCH_NO_MEMORY, "out of memory writing the index");
	if (x->out.len < INDEX_SPILL && !force)
		return LARCH_OK;
	int rc = writer_io_write(x->w, x->out.data, x->out.len, x->err);
	buf_reset(&x->out);
	return rc;
}

static index_node_t *node_new(iw_t *x, index_node_type_t type)
{
	index_node_t *n = arena_alloc(x->a, sizeof(*n));
	if (!n || !(n->entries = arena_alloc(x->a, sizeof(*n->entries) * x->degree)))
		return NULL;
	n->type = type;
	n->n = 0;
	n->end_offset = 0;
	return n;
}

/* Add to n an entry with the key of `key` (a device or a name) at the
 * current position. */
static void node_add(iw_t *x, index_node_t *n, const index_entry_t *key)
{
	index_entry_t *e = &n->entries[n->n++];
	*e = *key;
	e->offset = iw_pos(x);
}

static int queue_push(iw_t *x, index_node_t *n)
{
	n->end_offset = iw_pos(x);
	if (x->head > 0 && x->n == x->cap) { /* reuse the popped prefix */
		memmove(x->q, x->q + x->head, sizeof(*x->q) * (x->n - x->head));
		x->n -= x->head;
		x->head = 0;
	}
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		index_node_t **q = mem_realloc(x->q, sizeof(*q) * cap);
		if (!q)
			return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
		x->q = q;
		x->cap = cap;
	}
	x->q[x->n++] = n;
	return LARCH_OK;
}

/* Reduce the queue to one node: parents of `type` are filled with up to D
 * children each, every child being written as it is added. */
static int generate_root(iw_t *x, index_node_type_t type, index_node_t **root)
{
	index_node_t *cur = node_new(x, type);
	if (!cur)
		return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
	while (x->n - x->head > 1) {
		size_t level = x->n - x->head;
		for (size_t i = 0; i < level; i++) {
			index_node_t *child = x->q[x->head++];
			int rc;
			if (cur->n >= x->degree) {
				if ((rc = queue_push(x, cur)))
					return rc;
				if (!(cur = node_new(x, type)))
					return err_set(x->err, LARCH_NO_MEMORY,
						       "out of memory building the index");
			}
			node_add(x, cur, &child->entries[0]);
			meta_index_node_write(&x->out, child, TSFILE_VERSION);
			if ((rc = iw_spill(x, 0)))
				return rc;
		}
		int rc = queue_push(x, cur);
		if (rc)
			return rc;
		if (!(cur = node_new(x, type)))
			return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
	}
	*root = x->q[x->head++];
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Series of a device
 *---------------------------------------------------------------------------*/

static int col_name_cmp(const void *a, const void *b)
{
	return meta_str_cmp(&(*(wcol_t *const *)a)->name, &(*(wcol_t *const *)b)->name);
}

/* The series of d that go into the index, sorted by name (a column without
 * a single value in the file is left out).  Returns the count; *out is in
 * the iw arena. */
static int device_series(iw_t *x, const wdev_t *d, wcol_t ***out, uint32_t *n_out)
{
	wcol_t **s = arena_alloc(x->a, sizeof(*s) * (d->n_cols + 1));
	uint32_t n = 0;
	if (!s)
		return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
	if (d->aligned && d->time->n_refs)
		s[n++] = d->time;
	for (uint32_t i = 0; i < d->n_cols; i++)
		if (d->cols[i]->n_refs > 0)
			s[n++] = d->cols[i];
	qsort(s, n, sizeof(*s), col_name_cmp);
	*out = s;
	*n_out = n;
	return LARCH_OK;
}

/* Empty statistics (an aligned column without values) are written with
 * start and end time 0, as the C++ writer does: Java's initial INT64_MAX /
 * INT64_MIN make the C++ reader of the tsfile 2.x wheels crash.  Java
 * readers ignore the times of empty value statistics. */
static void stats_zero_empty(stats_t *st)
{
	if (st->s.count == 0)
		st->s.start_time = st->s.end_time = 0;
}

/* Serialize the TimeseriesMetadata of column c. */
static int series_write(iw_t *x, const wcol_t *c)
{
	ts_meta_t tm;
	tm.mask = c->mask;
	tm.measurement = c->name;
	tm.type = c->type;
	tm.n_chunks = c->n_refs;
	tm.chunks = arena_alloc(x->a, sizeof(*tm.chunks) * c->n_refs);
	if (!tm.chunks)
		return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
	stats_init(&tm.stats, c->type);
	int rc = LARCH_OK;
	for (uint32_t i = 0; i < c->n_refs; i++) {
		tm.chunks[i].offset = c->refs[i].offset;
		tm.chunks[i].stats = c->refs[i].stats;
		stats_zero_empty(&tm.chunks[i].stats);
		if (c->refs[i].stats.s.count && stats_merge(&tm.stats, &c->refs[i].stats))
			rc = err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
	}
	stats_t merged = tm.stats;
	stats_zero_empty(&tm.stats);
	if (!rc)
		meta_ts_meta_write(&x->out, &tm);
	tm.stats = merged;
	stats_free(&tm.stats);
	return rc ? rc : iw_spill(x, 0);
}

/* Write the series of device d and reduce its leaves to a root (*root;
 * not written yet).  Adds each series to the bloom filter. */
static int device_write(iw_t *x, const wdev_t *d, wcol_t **s, uint32_t n, bloom_t *bloom,
			index_node_t **root)
{
	index_node_t *leaf = node_new(x, INDEX_LEAF_MEASUREMENT);
	int rc;
	if (!leaf)
		return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
	x->head = x->n = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (i % x->degree == 0) {
			if (leaf->n >= x->degree) {
				if ((rc = queue_push(x, leaf)))
					return rc;
				if (!(leaf = node_new(x, INDEX_LEAF_MEASUREMENT)))
					return err_set(x->err, LARCH_NO_MEMORY,
						       "out of memory building the index");
			}
			index_entry_t key = {{0, NULL}, s[i]->name, 0};
			node_add(x, leaf, &key);
		}
		if ((rc = series_write(x, s[i])))
			return rc;
		/* bloom: "device.measurement" (Java also adds the time column "device.") */
		buf_t *k = &x->w->key;
		buf_reset(k);
		meta_device_join(&d->id, k);
		buf_put_u8(k, '.');
		buf_put(k, s[i]->name.ptr, s[i]->name.len);
		if (!buf_ok(k))
			return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
		bloom_add(bloom, (const char *)k->data, k->len);
	}
	if ((rc = queue_push(x, leaf)))
		return rc;
	return generate_root(x, INDEX_INTERNAL_MEASUREMENT, root);
}

/* The device level of one table: devs[0..n) with measurement roots mroot. */
static int table_write(iw_t *x, wdev_t **devs, index_node_t **mroot, uint32_t n,
		       index_node_t **root)
{
	index_node_t *cur = node_new(x, INDEX_LEAF_DEVICE);
	int rc;
	if (!cur)
		return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
	x->head = x->n = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (cur->n >= x->degree) {
			if ((rc = queue_push(x, cur)))
				return rc;
			if (!(cur = node_new(x, INDEX_LEAF_DEVICE)))
				return err_set(x->err, LARCH_NO_MEMORY, "out of memory building the index");
		}
		index_entry_t key = {devs[i]->id, {NULL, 0}, 0};
		node_add(x, cur, &key);
		meta_index_node_write(&x->out, mroot[i], TSFILE_VERSION);
		if ((rc = iw_spill(x, 0)))
			return rc;
	}
	if (n <= x->degree) {
		cur->end_offset = iw_pos(x);
		*root = cur;
		return LARCH_OK;
	}
	if ((rc = queue_push(x, cur)) || (rc = generate_root(x, INDEX_INTERNAL_DEVICE, root)))
		return rc;
	(*root)->end_offset = iw_pos(x);
	return LARCH_OK;
}

static int table_meta_cmp(const void *a, const void *b)
{
	return meta_str_cmp(&((const table_meta_t *)a)->name, &((const table_meta_t *)b)->name);
}

static int dev_cmp(const void *a, const void *b)
{
	return meta_device_cmp(&(*(wdev_t *const *)a)->id, &(*(wdev_t *const *)b)->id);
}

/* The footer after the device levels: TsFileMetadata, its size, magic. */
static int footer_write(iw_t *x, file_meta_t *fm)
{
	const tsfile_writer_t *w = x->w;
	fm->version = TSFILE_VERSION;
	fm->tables = arena_calloc(x->a, w->n_tables ? w->n_tables : 1, sizeof(*fm->tables));
	if (!fm->tables)
		return err_set(x->err, LARCH_NO_MEMORY, "out of memory writing the footer");
	for (uint32_t i = 0; i < w->n_tables; i++) {
		fm->tables[i].name = w->tables[i].name;
		fm->tables[i].n_columns = w->tables[i].n_columns;
		fm->tables[i].columns = w->tables[i].columns;
	}
	fm->n_tables = w->n_tables;
	qsort(fm->tables, fm->n_tables, sizeof(*fm->tables), table_meta_cmp);
	/* the order of Java's HashMap of the three properties */
	static meta_str_t props[6] = {
		{"encryptLevel", 12}, {"0", 1},
		{"encryptKey", 10}, {NULL, 0},
		{"encryptType", 11}, {"org.apache.tsfile.encrypt.UNENCRYPTED", 37},
	};
	fm->n_props = 3;
	fm->props = props;
	size_t start = x->out.len;
	meta_file_meta_write(&x->out, fm);
	size_t size = x->out.len - start;
	buf_put_be32(&x->out, (uint32_t)size);
	buf_put(&x->out, TSFILE_MAGIC, TSFILE_MAGIC_LEN);
	return iw_spill(x, 1);
}

int index_write(tsfile_writer_t *w, larch_error_t *err)
{
	iw_t x = {w, BUF_INIT, arena_new(0), w->cfg.max_index_degree, NULL, 0, 0, 0, err};
	bloom_t bloom = {0, 0, NULL};
	file_meta_t fm;
	int rc = LARCH_OK;
	memset(&fm, 0, sizeof(fm));
	if (!x.a)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing the index");
	fm.meta_offset = w->pos;
	buf_put_u8(&x.out, META_MARKER_SEPARATOR);

	/* devices with indexed series, in order, and the bloom filter's size */
	if (w->n_devs)
		qsort(w->devs, w->n_devs, sizeof(*w->devs), dev_cmp);
	wdev_t **devs = arena_alloc(x.a, sizeof(*devs) * (w->n_devs + 1));
	wcol_t ***series = arena_alloc(x.a, sizeof(*series) * (w->n_devs + 1));
	uint32_t *n_series = arena_alloc(x.a, sizeof(*n_series) * (w->n_devs + 1));
	index_node_t **mroot = arena_alloc(x.a, sizeof(*mroot) * (w->n_devs + 1));
	fm.roots = arena_calloc(x.a, w->n_devs + 1, sizeof(*fm.roots));
	uint32_t nd = 0;
	uint64_t n_chunks = 0;
	if (!devs || !series || !n_series || !mroot || !fm.roots) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing the index");
		goto done;
	}
	for (uint32_t i = 0; i < w->n_devs && !rc; i++) {
		rc = device_series(&x, w->devs[i], &series[nd], &n_series[nd]);
		if (rc || n_series[nd] == 0)
			continue;
		for (uint32_t j = 0; j < n_series[nd]; j++)
			n_chunks += series[nd][j]->n_refs;
		devs[nd++] = w->devs[i];
	}
	if (!rc && nd && (rc = bloom_init(&bloom, n_chunks, w->cfg.bloom_error_rate)))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing the bloom filter");

	/* series and measurement levels */
	for (uint32_t i = 0; i < nd && !rc; i++)
		rc = device_write(&x, devs[i], series[i], n_series[i], &bloom, &mroot[i]);

	/* device levels, one tree per table */
	for (uint32_t i = 0; i < nd && !rc;) {
		uint32_t j = i + 1;
		while (j < nd && meta_str_cmp(&devs[j]->id.segs[0], &devs[i]->id.segs[0]) == 0)
			j++;
		table_root_t *tr = &fm.roots[fm.n_roots++];
		tr->table = devs[i]->id.segs[0];
		index_node_t *root = NULL;
		if (!(rc = table_write(&x, devs + i, mroot + i, j - i, &root)))
			tr->root = *root;
		i = j;
	}
	fm.bloom = bloom;
	if (!rc)
		rc = footer_write(&x, &fm);
done:
	bloom_free(&bloom);
	mem_free(x.q);
	buf_free(&x.out);
	arena_free(x.a);
	return rc;
}
