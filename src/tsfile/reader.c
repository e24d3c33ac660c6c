/*
 * reader.c — opening a TsFile for reading: the footer and the whole metadata
 * index parsed (with meta.c) into the compact arrays of reader.h; device,
 * series and table listings; the chunk group walk behind partial queries;
 * and the chunk/page reader declared in tsfile_int.h.
 *
 * Closed-file layout (reference §3):
 *
 *   offset 0            "TsFile"  u8 version (3 or 4)
 *   7                   data area: chunk groups, 0x04 records
 *   metaOffset          0x02, TimeseriesMetadata..., index nodes  (index area)
 *   size - 10 - n       TsFileMetadata, n bytes                   (footer)
 *   size - 10           i32 n
 *   size - 6            "TsFile"
 *
 * I/O: the file is read with pread, not mmap.  Readers outlive other
 * actors' operations on the file: tsfile_writer_open_append truncates a
 * closed file in place and another process may do the same; with a mapping
 * a truncated page would kill the process with SIGBUS, with pread it is a
 * short read reported as LARCH_CORRUPTED.  pread also needs no file
 * position, so queries on one reader do not interfere.  The cost is one
 * copy per chunk into a buffer reused across chunks.
 *
 * Hostile input: every offset from the file is checked against the area it
 * must point into (chunks: the data area; index entries: the index area)
 * before it is used, every count is bounded by the bytes that hold it (in
 * meta.c), the index walk may parse each index byte at most once (a
 * revisited range means a cycle or overlap: corrupted) and descends at most
 * READER_MAX_INDEX_DEPTH levels.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"

/* Index trees of the official writers have degree >= 2, so depth stays
 * below log2(series) + a few levels; deeper trees are hostile. */
#define READER_MAX_INDEX_DEPTH 64

/* First read when the size of a structure is not known in advance. */
#define READER_WINDOW_MIN 4096

static int reader_corrupt(larch_error_t *err, const char *what, uint64_t off)
{
	return err_set(err, LARCH_CORRUPTED, "corrupted %s at offset %llu", what,
		       (unsigned long long)off);
}

/*---------------------------------------------------------------------------
 * File access
 *---------------------------------------------------------------------------*/

/* Read exactly n bytes at off; a short read (the file shrank, or an offset
 * beyond its end) is LARCH_CORRUPTED, an I/O error LARCH_STORAGE_ERROR. */
static int reader_pread(const tsfile_reader_t *r, uint64_t off, void *buf, size_t n,
			larch_error_t *err)
{
	uint8_t *p = buf;
	while (n > 0) {
		ssize_t got = pread(r->fd, p, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_set(err, LARCH_STORAGE_ERROR, "read at offset %llu: %s",
				       (unsigned long long)off, strerror(errno));
		if (got == 0)
			return err_set(err, LARCH_CORRUPTED, "file ends before offset %llu",
				       (unsigned long long)off);
		p += got;
		off += (uint64_t)got;
		n -= (size_t)got;
	}
	return LARCH_OK;
}

/* A cached range [start, start + len) of the file. */
typedef struct file_window {
	uint8_t *buf;
	size_t cap;
	uint64_t start;
	size_t len;
} file_window_t;

static void win_free(file_window_t *w)
{
	mem_free(w->buf);
	memset(w, 0, sizeof *w);
}

/* Make w hold at least [off, off + n); the caller has checked that the range
 * lies inside the file. */
static int win_fill(const tsfile_reader_t *r, file_window_t *w, uint64_t off, size_t n,
		    larch_error_t *err)
{
	if (w->buf && off >= w->start && off - w->start <= w->len &&
	    n <= w->len - (off - w->start))
		return LARCH_OK;
	if (n > w->cap) {
		uint8_t *p = mem_realloc(w->buf, n);
		if (!p)
			return err_set(err, LARCH_NO_MEMORY, "out of memory reading %zu bytes", n);
		w->buf = p;
		w->cap = n;
	}
	w->len = 0;
	int rc = reader_pread(r, off, w->buf, n, err);
	if (rc == LARCH_OK) {
		w->start = off;
		w->len = n;
	}
	return rc;
}

typedef int (*parse_fn)(rd_t *rd, void *ctx, larch_error_t *err);

/* Parse a structure of unknown size starting at `off` and ending before
 * `limit`: read a window of `hint` bytes, parse, and if the parser finds the
 * window too short (LARCH_CORRUPTED while more file follows) retry with a
 * larger one.  *used is the structure's size. */
static int win_parse(const tsfile_reader_t *r, file_window_t *w, uint64_t off, uint64_t limit,
		     size_t hint, parse_fn parse, void *ctx, size_t *used, larch_error_t *err)
{
	uint64_t want = LR_MAX(hint, 16);
	for (;;) {
		uint64_t n = LR_MIN(want, limit - off);
		int rc = win_fill(r, w, off, (size_t)n, err);
		if (rc)
			return rc;
		size_t avail = (size_t)LR_MIN((uint64_t)(w->len - (off - w->start)), limit - off);
		rd_t rd;
		rd_init(&rd, w->buf + (off - w->start), avail, off);
		rc = parse(&rd, ctx, err);
		if (rc != LARCH_CORRUPTED || avail == limit - off) {
			*used = rd.pos;
			return rc;
		}
		want = (uint64_t)avail * 4;
	}
}

typedef struct chunk_header_ctx {
	arena_t *arena;
	chunk_header_t h;
} chunk_header_ctx_t;

static int parse_chunk_header(rd_t *rd, void *ctx, larch_error_t *err)
{
	chunk_header_ctx_t *c = ctx;
	return meta_chunk_header_read(rd, UINT64_MAX, c->arena, &c->h, err);
}

typedef struct group_header_ctx {
	arena_t *arena;
	int version;
	device_id_t id;
} group_header_ctx_t;

static int parse_group_header(rd_t *rd, void *ctx, larch_error_t *err)
{
	group_header_ctx_t *c = ctx;
	return meta_chunk_group_header_read(rd, c->version, c->arena, &c->id, err);
}

/* Read the header of the chunk at `off` (inside the data area) into c,
 * reading `hint` bytes first. */
static int read_chunk_header(const tsfile_reader_t *r, file_window_t *w, uint64_t off,
			     size_t hint, chunk_header_ctx_t *c, size_t *used, larch_error_t *err)
{
	if (off < READER_DATA_START || off >= r->meta_offset)
		return err_set(err, LARCH_CORRUPTED,
			       "chunk offset %llu is outside the data area [%llu, %llu)",
			       (unsigned long long)off, (unsigned long long)READER_DATA_START,
			       (unsigned long long)r->meta_offset);
	int rc = win_parse(r, w, off, r->meta_offset, hint, parse_chunk_header, c, used, err);
	if (rc == LARCH_OK && c->h.data_size > r->meta_offset - off - *used)
		rc = err_set(err, LARCH_CORRUPTED,
			     "chunk at offset %llu: %u data bytes run past the data area",
			     (unsigned long long)off, c->h.data_size);
	return rc;
}

/*---------------------------------------------------------------------------
 * Footer
 *---------------------------------------------------------------------------*/

/* Check head and tail, read TsFileMetadata into r->fm and locate the areas. */
static int reader_load_footer(tsfile_reader_t *r, larch_error_t *err)
{
	uint8_t head[TSFILE_MAGIC_LEN + 1], tail[META_TAIL_LEN];
	/* head, separator, one footer byte, tail */
	if (r->size < READER_DATA_START + 2 + META_TAIL_LEN)
		return err_set(err, LARCH_CORRUPTED, "file of %llu bytes is too short for a TsFile",
			       (unsigned long long)r->size);
	int rc = reader_pread(r, 0, head, sizeof head, err);
	if (!rc)
		rc = reader_pread(r, r->size - META_TAIL_LEN, tail, sizeof tail, err);
	if (rc)
		return rc;
	if (memcmp(head, TSFILE_MAGIC, TSFILE_MAGIC_LEN) != 0)
		return reader_corrupt(err, "head magic", 0);
	if (head[TSFILE_MAGIC_LEN] != 3 && head[TSFILE_MAGIC_LEN] != 4)
		return err_set(err, LARCH_CORRUPTED, "unsupported version byte %u at offset %u",
			       head[TSFILE_MAGIC_LEN], TSFILE_MAGIC_LEN);
	r->version = head[TSFILE_MAGIC_LEN];
	if (memcmp(tail + 4, TSFILE_MAGIC, TSFILE_MAGIC_LEN) != 0)
		return reader_corrupt(err, "tail magic (unfinished file?)",
				      r->size - TSFILE_MAGIC_LEN);
	uint32_t n = load_be32(tail);
	if (n == 0 || n > r->size - META_TAIL_LEN - READER_DATA_START - 1)
		return err_set(err, LARCH_CORRUPTED,
			       "footer size %u at offset %llu does not fit the file", n,
			       (unsigned long long)(r->size - META_TAIL_LEN));
	r->footer_offset = r->size - META_TAIL_LEN - n;

	uint8_t *buf = mem_alloc(n);
	if (!buf)
		return err_set(err, LARCH_NO_MEMORY, "out of memory reading the footer");
	rc = reader_pread(r, r->footer_offset, buf, n, err);
	if (rc == LARCH_OK) {
		rd_t rd;
		rd_init(&rd, buf, n, r->footer_offset);
		rc = meta_file_meta_read(&rd, r->version, r->arena, &r->fm, err);
	}
	mem_free(buf);
	if (rc)
		return rc;
	r->meta_offset = r->fm.meta_offset;
	if (r->meta_offset < READER_DATA_START || r->meta_offset >= r->footer_offset)
		return err_set(err, LARCH_CORRUPTED,
			       "meta offset %llu in the footer at %llu is outside [%llu, %llu)",
			       (unsigned long long)r->meta_offset,
			       (unsigned long long)r->footer_offset,
			       (unsigned long long)READER_DATA_START,
			       (unsigned long long)r->footer_offset);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Index walk
 *---------------------------------------------------------------------------*/

typedef struct walk {
	tsfile_reader_t *r;
	const uint8_t *idx;   /* the index area [meta_offset, footer_offset) */
	uint64_t budget;      /* index bytes not parsed yet */
	arena_t *tmp;         /* index nodes, dropped after the walk */
	size_t cap_devices;
	size_t cap_series;
	larch_error_t *err;
} walk_t;

/* Grow *arr (of *cap elements of `size` bytes) to hold n + 1. */
static int array_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return LARCH_OK;
	size_t c = *cap ? 2 * *cap : 16;
	void *p = mem_realloc(*arr, c * size);
	if (!p)
		return LARCH_NO_MEMORY;
	*arr = p;
	*cap = c;
	return LARCH_OK;
}

/* Put the byte range of entry i of `node` into rd: [offset_i, offset_i+1),
 * the last entry ending at the node's end offset.  It must lie inside the
 * index area (after the separator) and not have been parsed before. */
static int walk_range(walk_t *w, const index_node_t *node, uint32_t i, rd_t *rd)
{
	const tsfile_reader_t *r = w->r;
	uint64_t start = node->entries[i].offset;
	uint64_t end = i + 1 < node->n ? node->entries[i + 1].offset : node->end_offset;
	if (start <= r->meta_offset || end > r->footer_offset || start >= end)
		return err_set(w->err, LARCH_CORRUPTED,
			       "index entry points at [%llu, %llu), outside the index area (%llu, %llu)",
			       (unsigned long long)start, (unsigned long long)end,
			       (unsigned long long)r->meta_offset,
			       (unsigned long long)r->footer_offset);
	if (end - start > w->budget)
		return err_set(w->err, LARCH_CORRUPTED,
			       "index range [%llu, %llu) is referenced more than once",
			       (unsigned long long)start, (unsigned long long)end);
	w->budget -= end - start;
	rd_init(rd, w->idx + (start - r->meta_offset), (size_t)(end - start), start);
	return LARCH_OK;
}

static int walk_check_chunks(walk_t *w, const ts_meta_t *tm, uint64_t at)
{
	for (uint32_t i = 0; i < tm->n_chunks; i++) {
		uint64_t off = tm->chunks[i].offset;
		if (off < READER_DATA_START || off >= w->r->meta_offset)
			return err_set(w->err, LARCH_CORRUPTED,
				       "timeseries metadata at offset %llu: chunk offset %llu is "
				       "outside the data area [%llu, %llu)",
				       (unsigned long long)at, (unsigned long long)off,
				       (unsigned long long)READER_DATA_START,
				       (unsigned long long)w->r->meta_offset);
	}
	return LARCH_OK;
}

/* Add one TimeseriesMetadata (read at file offset `at`) to the current
 * device.  Alignment: a first series named "" of type VECTOR is the time
 * column (the mask bits are not required: the C++ writer omitted them). */
static int walk_add_series(walk_t *w, const ts_meta_t *tm, uint64_t at)
{
	tsfile_reader_t *r = w->r;
	rdev_t *d = &r->devices[r->n_devices - 1];
	int rc = walk_check_chunks(w, tm, at);
	if (rc)
		return rc;
	if (tm->type == TSFILE_VECTOR) {
		if (d->aligned || d->n_series || tm->measurement.len != 0 ||
		    tm->mask == META_MASK_VALUE)
			return reader_corrupt(w->err, "time column (not first, or named)", at);
		d->aligned = 1;
		d->time = *tm;
		return LARCH_OK;
	}
	if (tm->mask == META_MASK_TIME || (tm->mask == META_MASK_VALUE && !d->aligned))
		return reader_corrupt(w->err, "timeseries metadata (aligned mask without time column)",
				      at);
	size_t n = r->n_series;
	if (n == w->cap_series) { /* series[] and sx[] grow together */
		size_t cap = n ? 2 * n : 16;
		void *a = mem_realloc(r->series, cap * sizeof(*r->series));
		if (a)
			r->series = a;
		void *b = a ? mem_realloc(r->sx, cap * sizeof(*r->sx)) : NULL;
		if (!b)
			return err_set(w->err, LARCH_NO_MEMORY, "out of memory listing series");
		r->sx = b;
		w->cap_series = cap;
	}
	rseries_t *sx = &r->sx[n];
	sx->device = (uint32_t)(r->n_devices - 1);
	sx->meta = *tm;
	tsfile_series_info_t *info = &r->series[n];
	memset(info, 0, sizeof *info);
	info->device = d->path;
	info->measurement = tm->measurement.ptr;
	info->type = tm->type;
	info->aligned = d->aligned;
	info->chunk_count = tm->n_chunks;
	info->stats = tm->stats.s;
	r->n_series++;
	d->n_series++;
	return LARCH_OK;
}

static int walk_measurements(walk_t *w, const index_node_t *node, int depth)
{
	if (depth > READER_MAX_INDEX_DEPTH)
		return err_set(w->err, LARCH_CORRUPTED, "metadata index deeper than %d levels",
			       READER_MAX_INDEX_DEPTH);
	for (uint32_t i = 0; i < node->n; i++) {
		rd_t rd;
		int rc = walk_range(w, node, i, &rd);
		if (rc)
			return rc;
		if (node->type == INDEX_INTERNAL_MEASUREMENT) {
			index_node_t child;
			rc = meta_index_node_read(&rd, 0, w->r->version, w->tmp, &child, w->err);
			if (!rc)
				rc = walk_measurements(w, &child, depth + 1);
		} else {
			while (rc == LARCH_OK && rd_left(&rd) > 0) {
				ts_meta_t tm;
				uint64_t at = rd_offset(&rd);
				rc = meta_ts_meta_read(&rd, w->r->arena, &tm, w->err);
				if (!rc)
					rc = walk_add_series(w, &tm, at);
			}
		}
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

/* Start a device (the key of a LEAF_DEVICE entry). */
static int walk_begin_device(walk_t *w, const device_id_t *id)
{
	tsfile_reader_t *r = w->r;
	if (array_grow((void **)&r->devices, &w->cap_devices, r->n_devices, sizeof(*r->devices)))
		return err_set(w->err, LARCH_NO_MEMORY, "out of memory listing devices");
	rdev_t *d = &r->devices[r->n_devices];
	memset(d, 0, sizeof *d);
	if (meta_device_copy(id, r->arena, &d->id) || !(d->path = meta_device_path(&d->id, r->arena)))
		return err_set(w->err, LARCH_NO_MEMORY, "out of memory listing devices");
	d->first_series = (uint32_t)r->n_series;
	r->n_devices++;
	return LARCH_OK;
}

static int walk_devices(walk_t *w, const index_node_t *node, int depth)
{
	if (depth > READER_MAX_INDEX_DEPTH)
		return err_set(w->err, LARCH_CORRUPTED, "metadata index deeper than %d levels",
			       READER_MAX_INDEX_DEPTH);
	int internal = node->type == INDEX_INTERNAL_DEVICE;
	for (uint32_t i = 0; i < node->n; i++) {
		rd_t rd;
		index_node_t child;
		int rc = walk_range(w, node, i, &rd);
		if (!rc && !internal)
			rc = walk_begin_device(w, &node->entries[i].device);
		if (!rc)
			rc = meta_index_node_read(&rd, internal, w->r->version, w->tmp, &child, w->err);
		if (!rc)
			rc = internal ? walk_devices(w, &child, depth + 1)
				      : walk_measurements(w, &child, depth + 1);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

/* Walk every table root of the footer over the index area. */
static int reader_load_index(tsfile_reader_t *r, larch_error_t *err)
{
	uint64_t len = r->footer_offset - r->meta_offset;
	walk_t w = {.r = r, .budget = len, .err = err};
	uint8_t *idx = mem_alloc((size_t)len);
	w.idx = idx;
	w.tmp = arena_new(READER_ARENA_BLOCK);
	int rc = idx && w.tmp ? LARCH_OK
			      : err_set(err, LARCH_NO_MEMORY, "out of memory reading the index");
	if (!rc)
		rc = reader_pread(r, r->meta_offset, idx, (size_t)len, err);
	if (!rc && idx[0] != META_MARKER_SEPARATOR)
		rc = reader_corrupt(err, "separator (meta offset)", r->meta_offset);
	for (uint32_t i = 0; !rc && i < r->fm.n_roots; i++)
		rc = walk_devices(&w, &r->fm.roots[i].root, 1);
	arena_free(w.tmp);
	mem_free(idx);
	return rc;
}

/*---------------------------------------------------------------------------
 * Chunk headers, tables, name index
 *---------------------------------------------------------------------------*/

/* Read the first chunk header of a column; it must carry the column's name
 * and type.  Sets *enc and *codec. */
static int reader_first_chunk(const tsfile_reader_t *r, file_window_t *w, arena_t *tmp,
			      const ts_meta_t *tm, tsfile_encoding_t *enc, tsfile_codec_t *codec,
			      larch_error_t *err)
{
	chunk_header_ctx_t c = {.arena = tmp};
	size_t used;
	uint64_t off = tm->chunks[0].offset;
	/* marker, name (length varint + bytes), dataSize varint, 3 bytes */
	int rc = read_chunk_header(r, w, off, 1 + 5 + tm->measurement.len + 5 + 3, &c, &used, err);
	if (rc)
		return rc;
	if (c.h.type != tm->type || c.h.measurement.len != tm->measurement.len ||
	    memcmp(c.h.measurement.ptr, tm->measurement.ptr, tm->measurement.len) != 0)
		return err_set(err, LARCH_CORRUPTED,
			       "chunk at offset %llu is not the one of series '%s' the index names",
			       (unsigned long long)off, tm->measurement.ptr);
	*enc = c.h.encoding;
	*codec = c.h.codec;
	return LARCH_OK;
}

static int reader_load_chunk_info(tsfile_reader_t *r, larch_error_t *err)
{
	file_window_t w = {0};
	arena_t *tmp = arena_new(READER_SCRATCH_BLOCK);
	int rc = tmp ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t i = 0; !rc && i < r->n_devices; i++) {
		rdev_t *d = &r->devices[i];
		if (d->aligned)
			rc = reader_first_chunk(r, &w, tmp, &d->time, &d->time_encoding,
						&d->time_codec, err);
		arena_reset(tmp);
	}
	for (size_t i = 0; !rc && i < r->n_series; i++) {
		rc = reader_first_chunk(r, &w, tmp, &r->sx[i].meta, &r->series[i].encoding,
					&r->series[i].codec, err);
		arena_reset(tmp);
	}
	arena_free(tmp);
	win_free(&w);
	return rc;
}

static int reader_load_tables(tsfile_reader_t *r, larch_error_t *err)
{
	r->n_tables = r->fm.n_tables;
	r->tables = arena_calloc(r->arena, r->n_tables ? r->n_tables : 1, sizeof(*r->tables));
	if (!r->tables)
		return err_set(err, LARCH_NO_MEMORY, "out of memory reading table schemas");
	for (size_t i = 0; i < r->n_tables; i++) {
		const table_meta_t *t = &r->fm.tables[i];
		tsfile_column_schema_t *cols =
			arena_calloc(r->arena, t->n_columns ? t->n_columns : 1, sizeof(*cols));
		if (!cols)
			return err_set(err, LARCH_NO_MEMORY, "out of memory reading table schemas");
		for (uint32_t k = 0; k < t->n_columns; k++) {
			const column_meta_t *c = &t->columns[k];
			cols[k].name = c->name.ptr;
			cols[k].type = c->type;
			cols[k].encoding = (int)c->encoding;
			cols[k].codec = (int)c->codec;
			cols[k].category = c->category;
		}
		r->tables[i].name = t->name.ptr;
		r->tables[i].n_columns = t->n_columns;
		r->tables[i].columns = cols;
	}
	return LARCH_OK;
}

/* Order of by_name: device path (bytes), then measurement (bytes, length). */
static int name_cmp(const rname_t *a, const char *device, const char *m, size_t mlen)
{
	int c = strcmp(a->device, device);
	if (c)
		return c;
	c = memcmp(a->measurement, m, LR_MIN(a->mlen, mlen));
	if (c)
		return c;
	return (a->mlen > mlen) - (a->mlen < mlen);
}

static int by_name_cmp(const void *a, const void *b)
{
	const rname_t *y = b;
	return name_cmp(a, y->device, y->measurement, y->mlen);
}

static int reader_build_names(tsfile_reader_t *r, larch_error_t *err)
{
	r->by_name = mem_alloc(sizeof(*r->by_name) * (r->n_series ? r->n_series : 1));
	if (!r->by_name)
		return err_set(err, LARCH_NO_MEMORY, "out of memory indexing series");
	for (size_t i = 0; i < r->n_series; i++) {
		const rseries_t *s = &r->sx[i];
		r->by_name[i] = (rname_t){r->devices[s->device].path, s->meta.measurement.ptr,
					  s->meta.measurement.len, (uint32_t)i};
	}
	qsort(r->by_name, r->n_series, sizeof(*r->by_name), by_name_cmp);
	return LARCH_OK;
}

long reader_find(const tsfile_reader_t *r, const char *device, const char *measurement,
		 size_t mlen)
{
	size_t lo = 0, hi = r->n_series;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(&r->by_name[mid], device, measurement, mlen);
		if (c == 0)
			return (long)r->by_name[mid].series;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*---------------------------------------------------------------------------
 * Public API: open, close, listings
 *---------------------------------------------------------------------------*/

int tsfile_reader_open(const char *path, tsfile_reader_t **out, larch_error_t *err)
{
	*out = NULL;
	tsfile_reader_t *r = mem_calloc(1, sizeof(*r));
	if (!r)
		return err_set(err, LARCH_NO_MEMORY, "out of memory opening %s", path);
	r->fd = -1;
	pthread_mutex_init(&r->groups_lock, NULL);
	int rc = LARCH_OK;
	if (!(r->arena = arena_new(READER_ARENA_BLOCK))) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory opening %s", path);
		goto fail;
	}
	struct stat st;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) != 0) {
		rc = err_set(err, LARCH_STORAGE_ERROR, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	r->size = (uint64_t)st.st_size;
	if ((rc = reader_load_footer(r, err)) || (rc = reader_load_index(r, err)) ||
	    (rc = reader_load_chunk_info(r, err)) || (rc = reader_load_tables(r, err)) ||
	    (rc = reader_build_names(r, err)))
		goto fail;
	*out = r;
	return LARCH_OK;
fail:
	tsfile_reader_close(r);
	return rc;
}

void tsfile_reader_close(tsfile_reader_t *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	mem_free(r->devices);
	mem_free(r->series);
	mem_free(r->sx);
	mem_free(r->by_name);
	mem_free(r->groups);
	arena_free(r->arena);
	pthread_mutex_destroy(&r->groups_lock);
	mem_free(r);
}

int tsfile_reader_version(const tsfile_reader_t *r)
{
	return r->version;
}

size_t tsfile_reader_device_count(const tsfile_reader_t *r)
{
	return r->n_devices;
}

const char *tsfile_reader_device(const tsfile_reader_t *r, size_t i)
{
	return i < r->n_devices ? r->devices[i].path : NULL;
}

size_t tsfile_reader_series_count(const tsfile_reader_t *r)
{
	return r->n_series;
}

const tsfile_series_info_t *tsfile_reader_series(const tsfile_reader_t *r, size_t i)
{
	return i < r->n_series ? &r->series[i] : NULL;
}

const tsfile_series_info_t *tsfile_reader_find_series(const tsfile_reader_t *r,
						      const char *device,
						      const char *measurement)
{
	long i = reader_find(r, device, measurement, strlen(measurement));
	return i < 0 ? NULL : &r->series[i];
}

size_t tsfile_reader_table_count(const tsfile_reader_t *r)
{
	return r->n_tables;
}

const tsfile_table_schema_t *tsfile_reader_table(const tsfile_reader_t *r, size_t i)
{
	return i < r->n_tables ? &r->tables[i] : NULL;
}

/*---------------------------------------------------------------------------
 * Chunk groups of the data area (for partial queries)
 *
 * The index records chunks, not chunk groups, so the extents come from
 * walking the data area:
 *   0x00 DeviceID            a chunk group starts (and the previous ends)
 *   chunk header + dataSize  a chunk of the current group; skipped
 *   0x04 i64 i64             operation-index range; ends the current group
 *   ... up to metaOffset, where the 0x02 separator sits.
 *---------------------------------------------------------------------------*/

static int groups_walk(tsfile_reader_t *r, file_window_t *w, arena_t *tmp, larch_error_t *err)
{
	uint64_t off = READER_DATA_START, limit = r->meta_offset;
	size_t cap = 0;
	int open_group = 0, rc = LARCH_OK;
	while (off < limit && rc == LARCH_OK) {
		size_t used = 0;
		if ((rc = win_fill(r, w, off, (size_t)LR_MIN(limit - off, READER_WINDOW_MIN), err)))
			break;
		uint8_t m = w->buf[off - w->start];
		if (m == META_MARKER_CHUNK_GROUP || m == META_MARKER_OPERATION_INDEX) {
			if (open_group)
				r->groups[r->n_groups - 1].end = off;
			open_group = 0;
		}
		if (m == META_MARKER_CHUNK_GROUP) {
			group_header_ctx_t c = {.arena = tmp, .version = r->version};
			rc = win_parse(r, w, off, limit, READER_WINDOW_MIN, parse_group_header, &c,
				       &used, err);
			if (!rc &&
			    array_grow((void **)&r->groups, &cap, r->n_groups, sizeof(*r->groups)))
				rc = err_set(err, LARCH_NO_MEMORY,
					     "out of memory listing chunk groups");
			if (!rc) {
				r->groups[r->n_groups].start = off;
				r->groups[r->n_groups++].end = limit;
				open_group = 1;
			}
		} else if (m == META_MARKER_OPERATION_INDEX) {
			used = 17;
			if (limit - off < used)
				rc = reader_corrupt(err, "operation index record", off);
		} else if (open_group) {
			chunk_header_ctx_t c = {.arena = tmp};
			rc = read_chunk_header(r, w, off, READER_WINDOW_MIN, &c, &used, err);
			used += c.h.data_size;
		} else {
			rc = err_set(err, LARCH_CORRUPTED,
				     "unexpected byte 0x%02x at offset %llu in the data area", m,
				     (unsigned long long)off);
		}
		off += used;
		arena_reset(tmp);
	}
	return rc;
}

int reader_load_groups(tsfile_reader_t *r, larch_error_t *err)
{
	pthread_mutex_lock(&r->groups_lock);
	int rc = LARCH_OK;
	if (!r->groups_loaded) {
		file_window_t w = {0};
		arena_t *tmp = arena_new(READER_SCRATCH_BLOCK);
		rc = tmp ? groups_walk(r, &w, tmp, err)
			 : err_set(err, LARCH_NO_MEMORY, "out of memory listing chunk groups");
		arena_free(tmp);
		win_free(&w);
		if (rc) {
			mem_free(r->groups);
			r->groups = NULL;
			r->n_groups = 0;
		} else {
			r->groups_loaded = 1;
		}
	}
	pthread_mutex_unlock(&r->groups_lock);
	return rc;
}

/*---------------------------------------------------------------------------
 * Chunk and page reader
 *
 * Page bodies, uncompressed (reference §4.3):
 *   non-aligned:        uvarint timeLen, time stream (TS_2DIFF), value stream
 *   aligned time chunk: time stream (the chunk's encoding)
 *   aligned value:      i32 rowCount, bitmap[(rowCount+7)/8] (MSB-first, set
 *                       = present), value stream of the present values
 *   uncompressedSize 0: empty page, no body (every row of a value page null)
 *---------------------------------------------------------------------------*/

struct chunk_reader {
	const tsfile_reader_t *file;
	uint64_t offset;         /* the chunk header's marker */
	chunk_header_t header;
	page_header_t page;      /* the current page */
	uint64_t page_offset;    /* file offset of its header */
	const uint8_t *body;     /* its stored (compressed) body; NULL for an empty page */
	rd_t pages;              /* the page headers and bodies not read yet */
	file_window_t win;       /* the chunk's bytes */
	uint8_t *plain;          /* decompressed page body */
	size_t plain_cap;
	arena_t *arena;          /* header and page statistics strings; reset per chunk */
};

int chunk_reader_new(const tsfile_reader_t *r, chunk_reader_t **out, larch_error_t *err)
{
	chunk_reader_t *cr = mem_calloc(1, sizeof(*cr));
	if (cr && !(cr->arena = arena_new(READER_SCRATCH_BLOCK))) {
		mem_free(cr);
		cr = NULL;
	}
	*out = cr;
	if (!cr)
		return err_set(err, LARCH_NO_MEMORY, "out of memory creating a chunk reader");
	cr->file = r;
	return LARCH_OK;
}

void chunk_reader_free(chunk_reader_t *cr)
{
	if (!cr)
		return;
	win_free(&cr->win);
	mem_free(cr->plain);
	arena_free(cr->arena);
	mem_free(cr);
}

int chunk_reader_open(chunk_reader_t *cr, uint64_t offset, larch_error_t *err)
{
	arena_reset(cr->arena);
	memset(&cr->page, 0, sizeof cr->page);
	cr->body = NULL;
	rd_init(&cr->pages, NULL, 0, offset);
	chunk_header_ctx_t c = {.arena = cr->arena};
	size_t used;
	int rc = read_chunk_header(cr->file, &cr->win, offset, READER_WINDOW_MIN, &c, &used, err);
	if (!rc)
		rc = win_fill(cr->file, &cr->win, offset, used + c.h.data_size, err);
	if (rc)
		return rc;
	cr->offset = offset;
	cr->header = c.h;
	rd_init(&cr->pages, cr->win.buf + (offset - cr->win.start) + used, c.h.data_size,
		offset + used);
	return LARCH_OK;
}

const struct chunk_header *chunk_reader_header(const chunk_reader_t *cr)
{
	return &cr->header;
}

const struct page_header *chunk_reader_page(const chunk_reader_t *cr)
{
	return &cr->page;
}

uint64_t chunk_reader_page_offset(const chunk_reader_t *cr)
{
	return cr->page_offset;
}

int chunk_reader_next_page(chunk_reader_t *cr, larch_error_t *err)
{
	cr->body = NULL;
	if (rd_left(&cr->pages) == 0)
		return LARCH_DONE;
	cr->page_offset = rd_offset(&cr->pages);
	int multi = META_CHUNK_KIND(cr->header.marker) == META_MARKER_CHUNK;
	int rc = meta_page_header_read(&cr->pages, cr->header.type, multi, cr->arena, &cr->page,
				       err);
	if (rc)
		return rc;
	if (cr->page.uncompressed_size != 0)
		cr->body = rd_bytes(&cr->pages, cr->page.compressed_size);
	return LARCH_OK;
}

/* The most bytes `stored` compressed bytes can expand to, so that a page
 * header claiming more is refused before its buffer is allocated: the
 * codecs' maximal ratios with a margin (Snappy ~21:1, deflate 1032:1, LZ4
 * ~255:1); zstd and xz can exceed any ratio, so only the page limit holds. */
static uint64_t page_max_plain(tsfile_codec_t codec, uint32_t stored)
{
	uint64_t ratio = 0;
	switch (codec) {
	case TSFILE_SNAPPY: ratio = 32; break;
	case TSFILE_GZIP: ratio = 1040; break;
	case TSFILE_LZ4: ratio = 256; break;
	case TSFILE_UNCOMPRESSED:
	case TSFILE_ZSTD:
	case TSFILE_LZMA2: break;
	}
	uint64_t max = ratio ? ratio * stored + 64 : CHUNK_MAX_PAGE_BYTES;
	return LR_MIN(max, (uint64_t)CHUNK_MAX_PAGE_BYTES);
}

/* The current page's uncompressed body in *p, *len. */
static int page_body(chunk_reader_t *cr, const uint8_t **p, size_t *len, larch_error_t *err)
{
	const page_header_t *pg = &cr->page;
	if (!cr->body)
		return err_set(err, LARCH_CORRUPTED, "page at offset %llu is empty or not read",
			       (unsigned long long)cr->page_offset);
	if (cr->header.codec == TSFILE_UNCOMPRESSED) {
		if (pg->uncompressed_size != pg->compressed_size)
			return reader_corrupt(err, "uncompressed page (sizes differ)", cr->page_offset);
		*p = cr->body;
		*len = pg->compressed_size;
		return LARCH_OK;
	}
	if (!codec_is_valid(cr->header.codec))
		return err_set(err, LARCH_UNSUPPORTED,
			       "chunk at offset %llu: unsupported compression %d",
			       (unsigned long long)cr->offset, (int)cr->header.codec);
	if (pg->uncompressed_size > page_max_plain(cr->header.codec, pg->compressed_size))
		return err_set(err, LARCH_CORRUPTED,
			       "page at offset %llu declares %u bytes, more than %u stored bytes "
			       "of %s can hold", (unsigned long long)cr->page_offset,
			       pg->uncompressed_size, pg->compressed_size,
			       tsfile_codec_name(cr->header.codec));
	if (pg->uncompressed_size > cr->plain_cap) {
		uint8_t *np = mem_realloc(cr->plain, pg->uncompressed_size);
		if (!np)
			return err_set(err, LARCH_NO_MEMORY, "out of memory decompressing a page");
		cr->plain = np;
		cr->plain_cap = pg->uncompressed_size;
	}
	int rc = codec_decompress(cr->header.codec, cr->body, pg->compressed_size, cr->plain,
				  pg->uncompressed_size, err);
	if (rc) {
		err_prefix(err, "page at offset %llu", (unsigned long long)cr->page_offset);
		return rc;
	}
	*p = cr->plain;
	*len = pg->uncompressed_size;
	return LARCH_OK;
}

static size_t page_points_limit(const chunk_reader_t *cr, size_t max_points)
{
	size_t lim = max_points && max_points < CHUNK_MAX_PAGE_POINTS ? max_points
								       : CHUNK_MAX_PAGE_POINTS;
	if (cr->page.has_stats && cr->page.stats.s.count < lim)
		lim = (size_t)cr->page.stats.s.count;
	return lim;
}

/* decode_stream with the page offset added to a failure's message; n_out
 * is the number of values decoded. */
static int page_decode(const chunk_reader_t *cr, tsfile_encoding_t enc, tsfile_type_t type,
		       const uint8_t *in, size_t len, size_t max, col_t *out, size_t *n_out,
		       larch_error_t *err)
{
	size_t n0 = out->n;
	int rc = decode_stream(enc, type, in, len, max, out, err);
	if (rc) {
		err_prefix(err, "page at offset %llu", (unsigned long long)cr->page_offset);
		return rc == LARCH_UNSUPPORTED || rc == LARCH_NO_MEMORY ? rc : LARCH_CORRUPTED;
	}
	*n_out = out->n - n0;
	return LARCH_OK;
}

static int check_value_type(const chunk_reader_t *cr, const col_t *values, larch_error_t *err)
{
	if (values->type == cr->header.type)
		return LARCH_OK;
	return err_set(err, LARCH_CORRUPTED, "chunk at offset %llu holds %s, not the %s expected",
		       (unsigned long long)cr->offset, tsfile_type_name(cr->header.type),
		       tsfile_type_name(values->type));
}

int chunk_reader_read_page(chunk_reader_t *cr, size_t max_points, col_t *times,
			   col_t *values, larch_error_t *err)
{
	const uint8_t *p;
	size_t len, nt, nv;
	int rc = check_value_type(cr, values, err);
	if (!rc)
		rc = page_body(cr, &p, &len, err);
	if (rc)
		return rc;
	rd_t rd;
	rd_init(&rd, p, len, 0);
	uint32_t tlen = rd_uvarint32(&rd);
	if (!rd_ok(&rd) || tlen > rd_left(&rd))
		return reader_corrupt(err, "page body (time stream length)", cr->page_offset);
	size_t start = rd.pos;
	rc = page_decode(cr, TSFILE_TS_2DIFF, TSFILE_INT64, p + start, tlen,
			 page_points_limit(cr, max_points), times, &nt, err);
	if (!rc)
		rc = page_decode(cr, cr->header.encoding, cr->header.type, p + start + tlen,
				 len - start - tlen, nt, values, &nv, err);
	if (!rc && nv != nt)
		rc = err_set(err, LARCH_CORRUPTED, "page at offset %llu has %zu times but %zu values",
			     (unsigned long long)cr->page_offset, nt, nv);
	return rc;
}

int chunk_reader_read_times(chunk_reader_t *cr, size_t max_points, col_t *times,
			    larch_error_t *err)
{
	const uint8_t *p;
	size_t len, nt;
	if (cr->header.type != TSFILE_VECTOR)
		return reader_corrupt(err, "time chunk (type is not VECTOR)", cr->offset);
	int rc = page_body(cr, &p, &len, err);
	if (!rc)
		rc = page_decode(cr, cr->header.encoding, TSFILE_INT64, p, len,
				 page_points_limit(cr, max_points), times, &nt, err);
	return rc;
}

/* Number of set bits among the first `rows` bits of an MSB-first bitmap. */
static size_t bitmap_count(const uint8_t *bits, size_t rows)
{
	size_t n = 0, full = rows / 8;
	for (size_t i = 0; i < full; i++)
		n += (size_t)__builtin_popcount(bits[i]);
	if (rows % 8)
		n += (size_t)__builtin_popcount(bits[full] & (0xFF00u >> (rows % 8)) & 0xFF);
	return n;
}

int chunk_reader_read_values(chunk_reader_t *cr, size_t rows, col_t *values,
			     const uint8_t **present, larch_error_t *err)
{
	const uint8_t *p;
	size_t len, nv;
	*present = NULL;
	int rc = check_value_type(cr, values, err);
	if (rc || cr->page.uncompressed_size == 0)
		return rc;
	if ((rc = page_body(cr, &p, &len, err)))
		return rc;
	rd_t rd;
	rd_init(&rd, p, len, 0);
	uint32_t n = rd_be32(&rd);
	const uint8_t *bits = rd_bytes(&rd, (rows + 7) / 8);
	if (!rd_ok(&rd) || !bits)
		return reader_corrupt(err, "value page (row count or bitmap)", cr->page_offset);
	if (n != rows)
		return err_set(err, LARCH_CORRUPTED,
			       "value page at offset %llu has %u rows, its time page %zu",
			       (unsigned long long)cr->page_offset, n, rows);
	size_t count = bitmap_count(bits, rows);
	rc = page_decode(cr, cr->header.encoding, cr->header.type, p + rd.pos, rd_left(&rd),
			 count, values, &nv, err);
	if (!rc && nv != count)
		rc = err_set(err, LARCH_CORRUPTED,
			     "value page at offset %llu has %zu values for %zu present rows",
			     (unsigned long long)cr->page_offset, nv, count);
	if (!rc)
		*present = bits;
	return rc;
}
