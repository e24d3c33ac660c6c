/*
 * writer_append.c — force append: take over an existing TsFile so that new
 * chunk groups can follow its old ones.
 *
 * A closed file (tail magic present) is loaded from its index: every
 * TimeseriesMetadata gives a series with its chunks' offsets and
 * statistics; the table schemas come from the footer.  The file is then
 * cut at metaOffset (the 0x02 separator), dropping the old index.
 *
 * An unfinished file (no tail magic, e.g. after a crash) is scanned from
 * offset 7 chunk group by chunk group:
 *
 *   0x00 ChunkGroupHeader, chunks (0x01/0x05 | 0x80/0x40 markers) ...
 *   0x04 i64 i64            operation-index range (IoTDB / C++), kept
 *   0x02                    start of an unfinished index: stop
 *
 * A chunk's statistics come from its page headers (multi-page chunks) or
 * from decoding its single page (the time stream of a non-aligned page uses
 * the configured time encoding, as Apache's readers do).  The file is cut
 * after the last chunk group that parsed completely; a corrupted or
 * truncated group and everything after it is dropped.  Errors that are not
 * about the bytes (an encoding this build lacks, out of memory) abort the
 * append without touching the file.
 *
 * Every series found starts unregistered: the caller registers again before
 * writing, and a registration with another data type is refused.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "writer_int.h"

/* Bounds on what a hostile page may make us allocate. */
#define APPEND_MAX_PAGE (256u << 20)      /* uncompressed page bytes */
#define APPEND_MAX_VALUES (1u << 24)      /* values in one page */
#define APPEND_MAX_DEPTH 64               /* index tree levels */

typedef struct loader {
	tsfile_writer_t *w;
	const uint8_t *file;    /* the whole file, mapped */
	uint64_t size;
	arena_t *a;             /* parsed metadata */
	larch_error_t *err;
} loader_t;

static int load_corrupt(loader_t *l, const char *what, uint64_t off)
{
	return err_set(l->err, LARCH_CORRUPTED, "%s: corrupted %s at offset %llu", l->w->path,
		       what, (unsigned long long)off);
}

/* Find or create the device of a loaded series and its column. */
static int load_column(loader_t *l, const device_id_t *id, int aligned, const meta_str_t *name,
		       tsfile_type_t type, tsfile_encoding_t enc, tsfile_codec_t codec,
		       uint64_t off, wcol_t **out)
{
	tsfile_writer_t *w = l->w;
	wdev_t *d;
	int created, rc = writer_device_get(w, id, aligned, 0, &d, &created, l->err);
	if (rc)
		return rc;
	if (d->aligned != aligned)
		return load_corrupt(l, "device alignment (aligned and non-aligned series)", off);
	if (aligned && name->len == 0) {
		*out = d->time;
		return type == TSFILE_VECTOR ? LARCH_OK : load_corrupt(l, "time column type", off);
	}
	if (type == TSFILE_VECTOR)
		return load_corrupt(l, "series type VECTOR", off);
	wcol_t *c = writer_column_find(d, name->ptr, name->len);
	if (!c) {
		wschema_t s = {*name, type, enc, codec, w->cfg.float_precision};
		if (!tsfile_encoding_supports(enc, type))
			s.encoding = w->cfg.default_encoding[type];
		if (!codec_is_valid(codec))
			s.codec = w->cfg.default_codec;
		if ((rc = writer_column_add(w, d, &s, &c, l->err)))
			return rc;
	} else if (c->type != type) {
		return load_corrupt(l, "series data type (differs between chunks)", off);
	}
	*out = c;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Closed files: walk the index
 *---------------------------------------------------------------------------*/

typedef struct index_area {
	uint64_t start;   /* metaOffset */
	uint64_t end;     /* start of TsFileMetadata */
} index_area_t;

/* A cursor over file bytes [from, to) that must lie in the index area. */
static int index_range(loader_t *l, const index_area_t *ia, uint64_t from, uint64_t to, rd_t *r)
{
	if (from < ia->start || to > ia->end || from >= to)
		return load_corrupt(l, "metadata index offset", from);
	rd_init(r, l->file + from, (size_t)(to - from), from);
	return LARCH_OK;
}

/* Load the TimeseriesMetadata records in [from, to) of device id. */
static int load_series_run(loader_t *l, const index_area_t *ia, const device_id_t *id,
			   uint64_t from, uint64_t to, int *aligned)
{
	rd_t r;
	int rc = index_range(l, ia, from, to, &r);
	while (!rc && rd_left(&r) > 0) {
		ts_meta_t tm;
		uint64_t off = rd_offset(&r);
		if ((rc = meta_ts_meta_read(&r, l->a, &tm, l->err)))
			break;
		int is_time = tm.mask == META_MASK_TIME ||
			      (tm.measurement.len == 0 && tm.type == TSFILE_VECTOR);
		if (*aligned < 0)
			*aligned = is_time; /* "" sorts first: the first series decides */
		wcol_t *c;
		if ((rc = load_column(l, id, *aligned, &tm.measurement, tm.type, TSFILE_PLAIN,
				      TSFILE_UNCOMPRESSED, off, &c)))
			break;
		for (uint32_t i = 0; i < tm.n_chunks && !rc; i++) {
			if (tm.chunks[i].offset < TSFILE_MAGIC_LEN + 1 ||
			    tm.chunks[i].offset >= ia->start)
				rc = load_corrupt(l, "chunk offset", off);
			else if (wcol_add_ref(c, tm.chunks[i].offset, &tm.chunks[i].stats))
				rc = err_set(l->err, LARCH_NO_MEMORY, "out of memory loading %s",
					     l->w->path);
		}
	}
	return rc;
}

/* Load the measurement-level node at [from, to) of device id. */
static int load_measurement_node(loader_t *l, const index_area_t *ia, const device_id_t *id,
				 uint64_t from, uint64_t to, int depth, int *aligned)
{
	rd_t r;
	index_node_t n;
	int rc;
	if (depth > APPEND_MAX_DEPTH)
		return load_corrupt(l, "metadata index (too deep)", from);
	if ((rc = index_range(l, ia, from, to, &r)) ||
	    (rc = meta_index_node_read(&r, 0, TSFILE_VERSION, l->a, &n, l->err)))
		return rc;
	for (uint32_t i = 0; i < n.n && !rc; i++) {
		uint64_t end = i + 1 < n.n ? n.entries[i + 1].offset : n.end_offset;
		if (n.type == INDEX_LEAF_MEASUREMENT)
			rc = load_series_run(l, ia, id, n.entries[i].offset, end, aligned);
		else
			rc = load_measurement_node(l, ia, id, n.entries[i].offset, end, depth + 1,
						   aligned);
	}
	return rc;
}

/* Load the device-level node at [from, to). */
static int load_device_node(loader_t *l, const index_area_t *ia, const index_node_t *n,
			    int depth)
{
	int rc = LARCH_OK;
	if (depth > APPEND_MAX_DEPTH)
		return load_corrupt(l, "metadata index (too deep)", n->end_offset);
	for (uint32_t i = 0; i < n->n && !rc; i++) {
		uint64_t from = n->entries[i].offset;
		uint64_t end = i + 1 < n->n ? n->entries[i + 1].offset : n->end_offset;
		if (n->type == INDEX_LEAF_DEVICE) {
			int aligned = -1;
			rc = load_measurement_node(l, ia, &n->entries[i].device, from, end, 0,
						   &aligned);
			continue;
		}
		rd_t r;
		index_node_t child;
		if (!(rc = index_range(l, ia, from, end, &r)) &&
		    !(rc = meta_index_node_read(&r, 1, TSFILE_VERSION, l->a, &child, l->err)))
			rc = load_device_node(l, ia, &child, depth + 1);
	}
	return rc;
}

static int load_closed(loader_t *l)
{
	const uint8_t *f = l->file;
	uint64_t size = l->size;
	uint32_t fsize = load_be32(f + size - META_TAIL_LEN);
	if ((uint64_t)fsize > size - META_TAIL_LEN - (TSFILE_MAGIC_LEN + 1))
		return load_corrupt(l, "footer size", size - META_TAIL_LEN);
	uint64_t foot = size - META_TAIL_LEN - fsize;
	rd_t r;
	file_meta_t fm;
	rd_init(&r, f + foot, fsize, foot);
	int rc = meta_file_meta_read(&r, TSFILE_VERSION, l->a, &fm, l->err);
	if (rc)
		return rc;
	index_area_t ia = {fm.meta_offset, foot};
	if (fm.meta_offset < TSFILE_MAGIC_LEN + 1 || fm.meta_offset >= foot ||
	    f[fm.meta_offset] != META_MARKER_SEPARATOR)
		return load_corrupt(l, "metaOffset", foot);
	for (uint32_t i = 0; i < fm.n_tables && !rc; i++)
		rc = writer_table_add_from_file(l->w, &fm.tables[i], l->err);
	for (uint32_t i = 0; i < fm.n_roots && !rc; i++)
		rc = load_device_node(l, &ia, &fm.roots[i].root, 0);
	if (rc)
		return rc;
	/* devices of tables named in the footer are table devices */
	for (uint32_t i = 0; i < l->w->n_devs; i++) {
		wdev_t *d = l->w->devs[i];
		for (uint32_t k = 0; k < fm.n_tables; k++)
			if (d->aligned && meta_str_cmp(&d->id.segs[0], &fm.tables[k].name) == 0)
				d->table = 1;
	}
	l->w->pos = fm.meta_offset;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Unfinished files: scan the chunk groups
 *---------------------------------------------------------------------------*/

/* A chunk parsed from a chunk group, waiting for the group to complete. */
typedef struct scan_chunk {
	chunk_header_t h;
	uint64_t offset;
	stats_t stats;
} scan_chunk_t;

/* Times of the single page of the group's time chunk (to give single-page
 * value chunks their statistics). */
typedef struct scan_group {
	col_t times;
	int have_times;
	scan_chunk_t *chunks;
	uint32_t n, cap;
} scan_group_t;

/* The uncompressed body of a page. */
static int scan_body(loader_t *l, tsfile_codec_t codec, const uint8_t *p, const page_header_t *ph,
		     const uint8_t **body, uint64_t off)
{
	if (ph->uncompressed_size > APPEND_MAX_PAGE)
		return load_corrupt(l, "page size", off);
	if (codec == TSFILE_UNCOMPRESSED) {
		if (ph->compressed_size != ph->uncompressed_size)
			return load_corrupt(l, "page sizes", off);
		*body = p;
		return LARCH_OK;
	}
	buf_t *b = &l->w->page;
	buf_reset(b);
	if (buf_reserve(b, ph->uncompressed_size) < 0)
		return err_set(l->err, LARCH_NO_MEMORY, "out of memory reading %s", l->w->path);
	int rc = codec_decompress(codec, p, ph->compressed_size, b->data, ph->uncompressed_size,
				  l->err);
	*body = b->data;
	return rc;
}

static int scan_decode(loader_t *l, tsfile_encoding_t enc, tsfile_type_t type, const uint8_t *p,
		       size_t len, size_t max, col_t *out)
{
	col_clear(out);
	return decode_stream(enc, type, p, len, max, out, l->err);
}

/* Statistics of a single-page chunk by decoding its page. */
static int scan_single_page(loader_t *l, scan_group_t *g, const chunk_header_t *h, const uint8_t *p,
			    const page_header_t *ph, stats_t *st, uint64_t off)
{
	tsfile_writer_t *w = l->w;
	const uint8_t *body = NULL;
	size_t len = ph->uncompressed_size;
	size_t max = LR_MIN((size_t)APPEND_MAX_VALUES, len * 1024 + 1024);
	col_t vals;
	int rc;
	if (ph->uncompressed_size == 0)
		return (h->marker & META_MASK_VALUE) ? LARCH_OK : load_corrupt(l, "empty page", off);
	if ((rc = scan_body(l, h->codec, p, ph, &body, off)))
		return rc;
	col_init(&vals, h->type);
	if (h->marker & META_MASK_TIME) {
		if (!(rc = scan_decode(l, h->encoding, TSFILE_INT64, body, len, max, &g->times))) {
			g->have_times = 1;
			rc = stats_update(st, COL_I64(&g->times), NULL, g->times.n);
		}
	} else if (h->marker & META_MASK_VALUE) {
		rd_t r;
		rd_init(&r, body, len, off);
		uint32_t rows = rd_be32(&r);
		const uint8_t *bm = rd_bytes(&r, ((size_t)rows + 7) / 8);
		if (!bm || !g->have_times || rows != g->times.n) {
			rc = load_corrupt(l, "aligned value page", off);
			goto done;
		}
		col_clear(&w->tmp_times);
		if (col_reserve(&w->tmp_times, rows)) {
			rc = LARCH_NO_MEMORY;
			goto done;
		}
		for (uint32_t i = 0; i < rows; i++)
			if (bm[i >> 3] & (0x80 >> (i & 7)))
				COL_I64(&w->tmp_times)[w->tmp_times.n++] = COL_I64(&g->times)[i];
		rc = scan_decode(l, h->encoding, h->type, body + r.pos, len - r.pos, w->tmp_times.n,
				 &vals);
		if (!rc && vals.n != w->tmp_times.n)
			rc = load_corrupt(l, "aligned value page (value count)", off);
		if (!rc)
			rc = stats_update(st, COL_I64(&w->tmp_times), vals.data, vals.n);
	} else {
		rd_t r;
		rd_init(&r, body, len, off);
		uint32_t tlen = rd_uvarint32(&r);
		if (!rd_ok(&r) || tlen > rd_left(&r)) {
			rc = load_corrupt(l, "page time stream", off);
			goto done;
		}
		if (!(rc = scan_decode(l, w->cfg.time_encoding, TSFILE_INT64, body + r.pos, tlen, max,
				       &g->times)))
			rc = scan_decode(l, h->encoding, h->type, body + r.pos + tlen,
					 len - r.pos - tlen, g->times.n, &vals);
		if (!rc && vals.n != g->times.n)
			rc = load_corrupt(l, "page (value count)", off);
		if (!rc)
			rc = stats_update(st, COL_I64(&g->times), vals.data, vals.n);
		g->have_times = 0;
	}
done:
	col_free(&vals);
	if (rc == LARCH_NO_MEMORY)
		err_set(l->err, rc, "out of memory reading %s", w->path);
	return rc;
}

/* Parse the chunk at *r (its pages too) into c. */
static int scan_chunk(loader_t *l, scan_group_t *g, rd_t *r, scan_chunk_t *c)
{
	uint64_t off = rd_offset(r);
	stats_init(&c->stats, TSFILE_VECTOR); /* freed by the caller even on failure */
	int rc = meta_chunk_header_read(r, rd_left(r), l->a, &c->h, l->err);
	if (rc)
		return rc;
	c->offset = off;
	stats_init(&c->stats, c->h.type);
	const uint8_t *data = rd_bytes(r, c->h.data_size);
	if (!data)
		return load_corrupt(l, "chunk (truncated)", off);
	rd_t pr;
	rd_init(&pr, data, c->h.data_size, rd_offset(r) - c->h.data_size);
	int multi = META_CHUNK_KIND(c->h.marker) == META_MARKER_CHUNK;
	uint32_t pages = 0;
	while (rd_left(&pr) > 0) {
		page_header_t ph;
		uint64_t poff = rd_offset(&pr);
		if ((rc = meta_page_header_read(&pr, c->h.type, multi, l->a, &ph, l->err)))
			return rc;
		const uint8_t *body = rd_bytes(&pr, ph.compressed_size);
		if (++pages > 1 && !multi)
			return load_corrupt(l, "single-page chunk with more pages", poff);
		if (multi && ph.has_stats && ph.stats.s.count)
			rc = stats_merge(&c->stats, &ph.stats);
		else if (!multi)
			rc = scan_single_page(l, g, &c->h, body, &ph, &c->stats, poff);
		if (rc)
			return rc;
	}
	if (pages == 0 && !(c->h.marker & META_MASK_VALUE))
		return load_corrupt(l, "chunk without pages", off);
	return LARCH_OK;
}

static void scan_group_clear(scan_group_t *g)
{
	for (uint32_t i = 0; i < g->n; i++)
		stats_free(&g->chunks[i].stats);
	g->n = 0;
	g->have_times = 0;
}

/* Parse the chunk group at *r.  LARCH_OK: complete (r is past it);
 * LARCH_CORRUPTED: incomplete or damaged. */
static int scan_group(loader_t *l, scan_group_t *g, rd_t *r, device_id_t *id)
{
	int rc = meta_chunk_group_header_read(r, TSFILE_VERSION, l->a, id, l->err);
	while (!rc && rd_left(r) > 0) {
		uint8_t m = r->data[r->pos];
		if (m == META_MARKER_CHUNK_GROUP || m == META_MARKER_SEPARATOR ||
		    m == META_MARKER_OPERATION_INDEX)
			break;
		if (g->n == g->cap) {
			uint32_t cap = g->cap ? g->cap * 2 : 16;
			scan_chunk_t *c = mem_realloc(g->chunks, sizeof(*c) * cap);
			if (!c)
				return err_set(l->err, LARCH_NO_MEMORY, "out of memory reading %s",
					       l->w->path);
			g->chunks = c;
			g->cap = cap;
		}
		rc = scan_chunk(l, g, r, &g->chunks[g->n]);
		g->n++; /* its stats are initialised even on failure */
	}
	return rc;
}

/* Add the chunks of a complete group to the writer. */
static int scan_commit(loader_t *l, scan_group_t *g, const device_id_t *id)
{
	int aligned = 0, rc = LARCH_OK;
	for (uint32_t i = 0; i < g->n; i++)
		aligned |= (g->chunks[i].h.marker & META_MASK_TIME) != 0 ||
			   (g->chunks[i].h.measurement.len == 0 && g->chunks[i].h.type == TSFILE_VECTOR);
	for (uint32_t i = 0; i < g->n && !rc; i++) {
		scan_chunk_t *c = &g->chunks[i];
		wcol_t *col;
		rc = load_column(l, id, aligned, &c->h.measurement, c->h.type, c->h.encoding,
				 c->h.codec, c->offset, &col);
		if (!rc && wcol_add_ref(col, c->offset, &c->stats))
			rc = err_set(l->err, LARCH_NO_MEMORY, "out of memory reading %s", l->w->path);
	}
	return rc;
}

static int load_unfinished(loader_t *l)
{
	rd_t r;
	scan_group_t g;
	uint64_t good = TSFILE_MAGIC_LEN + 1;
	int rc = LARCH_OK;
	memset(&g, 0, sizeof(g));
	col_init(&g.times, TSFILE_INT64);
	rd_init(&r, l->file, (size_t)l->size, 0);
	r.pos = (size_t)good;
	while (rd_left(&r) > 0) {
		uint8_t m = r.data[r.pos];
		if (m == META_MARKER_OPERATION_INDEX) {
			if (rd_left(&r) < 17)
				break;
			r.pos += 17;
			good = r.pos;
			continue;
		}
		if (m != META_MARKER_CHUNK_GROUP)
			break; /* 0x02: an unfinished index; anything else: garbage */
		device_id_t id;
		larch_error_t local = {0, ""};
		larch_error_t *caller = l->err;
		scan_group_clear(&g);
		l->err = &local;
		rc = scan_group(l, &g, &r, &id);
		l->err = caller;
		if (rc == LARCH_CORRUPTED) {
			rc = LARCH_OK; /* a damaged or cut-off group: the file ends before it */
			break;
		}
		if (rc) {
			if (caller)
				*caller = local;
			break;
		}
		if ((rc = scan_commit(l, &g, &id)))
			break;
		good = r.pos;
	}
	scan_group_clear(&g);
	mem_free(g.chunks);
	col_free(&g.times);
	if (rc == LARCH_OK)
		l->w->pos = good;
	return rc;
}

int writer_load_existing(tsfile_writer_t *w, larch_error_t *err)
{
	uint64_t size = w->pos;
	loader_t l = {w, NULL, size, NULL, err};
	int rc;
	if (size < TSFILE_MAGIC_LEN + 1)
		return err_set(err, LARCH_CORRUPTED, "%s is not a TsFile (%llu bytes)", w->path,
			       (unsigned long long)size);
	void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, w->fd, 0);
	if (map == MAP_FAILED)
		return err_set(err, LARCH_STORAGE_ERROR, "mmap %s: %s", w->path, strerror(errno));
	l.file = map;
	if (memcmp(l.file, TSFILE_MAGIC, TSFILE_MAGIC_LEN) != 0) {
		rc = err_set(err, LARCH_CORRUPTED, "%s is not a TsFile (bad magic)", w->path);
		goto done;
	}
	if (l.file[TSFILE_MAGIC_LEN] != TSFILE_VERSION) {
		rc = err_set(err, LARCH_UNSUPPORTED, "%s: cannot append to a version %d TsFile",
			     w->path, l.file[TSFILE_MAGIC_LEN]);
		goto done;
	}
	if (!(l.a = arena_new(0))) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory reading %s", w->path);
		goto done;
	}
	int closed = size >= TSFILE_MAGIC_LEN + 1 + 1 + META_TAIL_LEN &&
		     memcmp(l.file + size - TSFILE_MAGIC_LEN, TSFILE_MAGIC, TSFILE_MAGIC_LEN) == 0;
	rc = closed ? load_closed(&l) : load_unfinished(&l);
	if (!rc && ftruncate(w->fd, (off_t)w->pos) < 0)
		rc = err_set(err, LARCH_STORAGE_ERROR, "truncate %s: %s", w->path, strerror(errno));
done:
	munmap(map, (size_t)size);
	arena_free(l.a);
	return rc;
}
