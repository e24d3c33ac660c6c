/*
 * chunk_writer.c — from buffered points to chunk groups in the file.
 *
 * Points wait in a column's open page.  Sealing cuts the open rows into
 * pages (page_max_points points, or about page_max_bytes of raw values),
 * encodes and compresses each page into the column's wchunk_t.  Flushing a
 * device seals what is left and writes its chunk group:
 *
 *   ChunkGroupHeader   0x00, DeviceID
 *   non-aligned:       one chunk per column that has points
 *   aligned:           the time chunk ("" VECTOR, marker | 0x80), then one
 *                      value chunk per column (marker | 0x40); page k of
 *                      every value chunk covers the rows of time page k
 *   chunk:             ChunkHeader (0x05 one page: no page statistics;
 *                      0x01 more pages: statistics in every page header),
 *                      then each page: PageHeader + stored body
 *
 * Uncompressed page bodies:
 *
 *   non-aligned        uvarint timeStreamLen, time stream, value stream
 *   aligned time       time stream
 *   aligned value      i32 rowCount, bitmap[(rowCount+7)/8] (MSB first,
 *                      1 = value present), stream of the present values
 *   all-null value     no body: the page header is the byte 0x00
 *   all-null chunk     a value chunk without values in the group is just
 *                      its header with dataSize 0 (marker 0x45)
 */
#include "writer_int.h"

void wcol_init(wcol_t *c, tsfile_type_t type, uint8_t mask)
{
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->mask = mask;
	col_init(&c->times, TSFILE_INT64);
	col_init(&c->values, type);
	buf_init(&c->present);
	buf_init(&c->chunk.bodies);
	stats_init(&c->chunk.stats, type);
}

static void wchunk_clear(wchunk_t *ch, tsfile_type_t type)
{
	for (uint32_t i = 0; i < ch->n_pages; i++)
		stats_free(&ch->pages[i].stats);
	ch->n_pages = 0;
	buf_reset(&ch->bodies);
	stats_free(&ch->stats);
	stats_init(&ch->stats, type);
}

void wcol_free(wcol_t *c)
{
	wchunk_clear(&c->chunk, c->type);
	mem_free(c->chunk.pages);
	buf_free(&c->chunk.bodies);
	stats_free(&c->chunk.stats);
	for (uint32_t i = 0; i < c->n_refs; i++)
		stats_free(&c->refs[i].stats);
	mem_free(c->refs);
	col_free(&c->times);
	col_free(&c->values);
	buf_free(&c->present);
	arena_free(c->strs);
}

int wcol_add_ref(wcol_t *c, uint64_t offset, const stats_t *st)
{
	if (c->n_refs == c->cap_refs) {
		uint32_t cap = c->cap_refs ? c->cap_refs * 2 : 4;
		wref_t *r = mem_realloc(c->refs, sizeof(*r) * cap);
		if (!r)
			return LARCH_NO_MEMORY;
		c->refs = r;
		c->cap_refs = cap;
	}
	wref_t *r = &c->refs[c->n_refs];
	stats_init(&r->stats, st->type);
	if (stats_copy(&r->stats, st)) {
		stats_free(&r->stats);
		return LARCH_NO_MEMORY;
	}
	r->offset = offset;
	c->n_refs++;
	return LARCH_OK;
}

/* Bytes this column holds in memory (open values and sealed bodies). */
static size_t wcol_footprint(const wcol_t *c)
{
	return c->open_bytes + c->chunk.bodies.len;
}

/*---------------------------------------------------------------------------
 * Pages
 *---------------------------------------------------------------------------*/

/* Compress body[0..len) into ch and record the page with statistics *st
 * (moved into the page: the caller must not free it). */
static int wchunk_add_page(wchunk_t *ch, tsfile_codec_t codec, const uint8_t *body, size_t len,
			   stats_t *st, larch_error_t *err)
{
	int rc;
	if (len > INT32_MAX) {
		rc = err_set(err, LARCH_WRITE_ERROR, "page of %zu bytes is too large", len);
		goto fail;
	}
	if (ch->n_pages == ch->cap_pages) {
		uint32_t cap = ch->cap_pages ? ch->cap_pages * 2 : 4;
		wpage_t *p = mem_realloc(ch->pages, sizeof(*p) * cap);
		if (!p) {
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
			goto fail;
		}
		ch->pages = p;
		ch->cap_pages = cap;
	}
	size_t off = ch->bodies.len;
	if (len && (rc = codec_compress(codec, body, len, &ch->bodies, err)))
		goto fail;
	if (!buf_ok(&ch->bodies) || (st->s.count && stats_merge(&ch->stats, st))) {
		ch->bodies.len = off;
		ch->bodies.oom = 0;
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
		goto fail;
	}
	wpage_t *p = &ch->pages[ch->n_pages++];
	p->uncompressed = (uint32_t)len;
	p->compressed = (uint32_t)(ch->bodies.len - off);
	p->body_off = off;
	p->stats = *st;
	return LARCH_OK;
fail:
	stats_free(st);
	return rc;
}

int wcol_pad(wcol_t *c, uint32_t pages, size_t rows)
{
	for (uint32_t i = 0; i < pages; i++) {
		stats_t st;
		stats_init(&st, c->type);
		if (wchunk_add_page(&c->chunk, c->codec, NULL, 0, &st, NULL))
			return LARCH_NO_MEMORY;
	}
	uint8_t *p = buf_extend(&c->present, rows);
	if (!p && rows)
		return LARCH_NO_MEMORY;
	if (rows)
		memset(p, 0, rows);
	return LARCH_OK;
}

/* Encode n values into out with c's encoding. */
static int wcol_encode(const wcol_t *c, const void *values, size_t n, buf_t *out,
		       larch_error_t *err)
{
	int rc = encode_stream(c->encoding, c->type, &c->params, values, n, out, err);
	if (rc)
		err_prefix(err, "column '%s'", c->name.ptr);
	return rc;
}

static int encode_times(tsfile_writer_t *w, const int64_t *times, size_t n, buf_t *out,
			larch_error_t *err)
{
	return encode_stream(w->cfg.time_encoding, TSFILE_INT64, NULL, times, n, out, err);
}

static const void *col_at(const col_t *c, size_t i)
{
	return (const uint8_t *)c->data + i * col_elem_size(c->type);
}

/* Seal n points of a non-aligned column starting at open index s. */
static int wcol_seal_page(tsfile_writer_t *w, wcol_t *c, size_t s, size_t n, larch_error_t *err)
{
	const int64_t *times = COL_I64(&c->times) + s;
	const void *vals = col_at(&c->values, s);
	buf_reset(&w->enc_time);
	buf_reset(&w->enc_vals);
	buf_reset(&w->page);
	int rc = encode_times(w, times, n, &w->enc_time, err);
	if (!rc)
		rc = wcol_encode(c, vals, n, &w->enc_vals, err);
	if (rc)
		return rc;
	buf_put_uvarint(&w->page, w->enc_time.len);
	buf_put(&w->page, w->enc_time.data, w->enc_time.len);
	buf_put(&w->page, w->enc_vals.data, w->enc_vals.len);
	stats_t st;
	stats_init(&st, c->type);
	if (!buf_ok(&w->page) || stats_update(&st, times, vals, n)) {
		stats_free(&st);
		return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	}
	return wchunk_add_page(&c->chunk, c->codec, w->page.data, w->page.len, &st, err);
}

/* Rows [s, s+avail) of the open page: how many form the next page, and
 * whether that page is full (by points or by bytes).  For binary columns
 * the presence bytes (if any) map rows to values starting at value vs. */
static size_t page_rows(const tsfile_writer_t *w, const wcol_t *c, size_t s, size_t vs,
			size_t avail, int *full)
{
	size_t k = LR_MIN(avail, (size_t)w->cfg.page_max_points);
	*full = k == w->cfg.page_max_points;
	if (!c || c->type == TSFILE_VECTOR)
		return k;
	if (!type_is_binary(c->type)) {
		size_t by_bytes = LR_MAX((size_t)1, w->cfg.page_max_bytes / col_elem_size(c->type));
		if (by_bytes <= k) {
			*full = 1;
			return by_bytes;
		}
		return k;
	}
	const tsfile_bytes_t *v = COL_BYTES(&c->values);
	const uint8_t *present = c->present.len ? c->present.data : NULL;
	size_t bytes = 0;
	for (size_t r = 0; r < k; r++) {
		if (present && !present[s + r])
			continue;
		bytes += (size_t)v[vs++].len + 4;
		if (bytes >= w->cfg.page_max_bytes) {
			*full = 1;
			return r + 1;
		}
	}
	return k;
}

/* Drop the first n open values of c (and, for binary columns, move the
 * survivors' bytes into a fresh arena so the old one can go). */
static int wcol_drop_values(wcol_t *c, size_t n)
{
	col_t *v = &c->values;
	size_t es = col_elem_size(v->type);
	size_t rest = v->n - n;
	if (n == 0)
		return LARCH_OK;
	memmove(v->data, (uint8_t *)v->data + n * es, rest * es);
	v->n = rest;
	if (c->mask == 0) { /* non-aligned: its own timestamps */
		memmove(c->times.data, COL_I64(&c->times) + n, rest * sizeof(int64_t));
		c->times.n = rest;
	}
	if (!type_is_binary(v->type)) {
		c->open_bytes = rest * es;
		return LARCH_OK;
	}
	size_t bytes = 0;
	tsfile_bytes_t *b = COL_BYTES(v);
	for (size_t i = 0; i < rest; i++)
		bytes += b[i].len;
	if (rest == 0) {
		if (c->strs)
			arena_reset(c->strs);
	} else {
		arena_t *fresh = arena_new(LR_MAX(bytes, (size_t)4096));
		if (!fresh)
			return LARCH_NO_MEMORY;
		for (size_t i = 0; i < rest; i++) {
			char *p = arena_alloc(fresh, b[i].len);
			if (!p) {
				arena_free(fresh);
				return LARCH_NO_MEMORY;
			}
			memcpy(p, b[i].ptr, b[i].len);
			b[i].ptr = p;
		}
		arena_free(c->strs);
		c->strs = fresh;
	}
	c->open_bytes = bytes + 4 * rest;
	return LARCH_OK;
}

int wcol_seal(tsfile_writer_t *w, wcol_t *c, int all, larch_error_t *err)
{
	size_t before = wcol_footprint(c);
	size_t n = c->values.n, s = 0;
	int rc = LARCH_OK;
	while (s < n) {
		int full;
		size_t k = page_rows(w, c, s, s, n - s, &full);
		if (!full && !all)
			break;
		if ((rc = wcol_seal_page(w, c, s, k, err)))
			break;
		s += k;
	}
	if (wcol_drop_values(c, s) && !rc)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	w->buffered = w->buffered - before + wcol_footprint(c);
	return rc;
}

/* Seal rows [s, s+k) of aligned device d; vstart[i] is the index of the
 * first open value of column i at row s and is advanced past the page. */
static int wdev_seal_page(tsfile_writer_t *w, wdev_t *d, size_t s, size_t k, size_t *vstart,
			  larch_error_t *err)
{
	const int64_t *times = COL_I64(&d->time->values) + s;
	stats_t st;
	buf_reset(&w->page);
	int rc = encode_times(w, times, k, &w->page, err);
	if (rc)
		return rc;
	stats_init(&st, TSFILE_VECTOR);
	if (stats_update(&st, times, NULL, k)) {
		stats_free(&st);
		return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	}
	if ((rc = wchunk_add_page(&d->time->chunk, w->cfg.time_codec, w->page.data, w->page.len,
				  &st, err)))
		return rc;
	for (uint32_t i = 0; i < d->n_cols; i++) {
		wcol_t *c = d->cols[i];
		const uint8_t *present = c->present.data + s;
		col_clear(&w->tmp_times);
		if (col_reserve(&w->tmp_times, k))
			return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
		int64_t *pt = COL_I64(&w->tmp_times);
		size_t p = 0;
		for (size_t r = 0; r < k; r++)
			if (present[r])
				pt[p++] = times[r];
		w->tmp_times.n = p;
		const void *vals = col_at(&c->values, vstart[i]);
		buf_reset(&w->page);
		if (p) {
			uint8_t *bm;
			buf_put_be32(&w->page, (uint32_t)k);
			if ((bm = buf_extend(&w->page, (k + 7) / 8)) != NULL) {
				memset(bm, 0, (k + 7) / 8);
				for (size_t r = 0; r < k; r++)
					if (present[r])
						bm[r >> 3] |= (uint8_t)(0x80 >> (r & 7));
			}
			if ((rc = wcol_encode(c, vals, p, &w->page, err)))
				return rc;
		}
		stats_init(&st, c->type);
		if (!buf_ok(&w->page) || stats_update(&st, pt, vals, p)) {
			stats_free(&st);
			return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
		}
		if ((rc = wchunk_add_page(&c->chunk, c->codec, w->page.data, w->page.len, &st, err)))
			return rc;
		vstart[i] += p;
	}
	return LARCH_OK;
}

/* Rows of the next page of aligned device d from row s (see page_rows). */
static size_t wdev_page_rows(const tsfile_writer_t *w, const wdev_t *d, size_t s,
			     const size_t *vstart, int *full)
{
	size_t k = page_rows(w, NULL, s, 0, d->open_rows - s, full);
	for (uint32_t i = 0; i < d->n_cols; i++) {
		int f;
		size_t kc = page_rows(w, d->cols[i], s, vstart[i], k, &f);
		if (f) { /* kc <= k */
			k = kc;
			*full = 1;
		}
	}
	return k;
}

int wdev_seal(tsfile_writer_t *w, wdev_t *d, int all, larch_error_t *err)
{
	size_t before = wcol_footprint(d->time), s = 0;
	int rc = LARCH_OK;
	for (uint32_t i = 0; i < d->n_cols; i++)
		before += wcol_footprint(d->cols[i]);
	arena_reset(w->scratch);
	size_t *vstart = arena_calloc(w->scratch, d->n_cols + 1, sizeof(size_t));
	if (!vstart)
		return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	while (s < d->open_rows) {
		int full;
		size_t k = wdev_page_rows(w, d, s, vstart, &full);
		if (!full && !all)
			break;
		if ((rc = wdev_seal_page(w, d, s, k, vstart, err)))
			break;
		s += k;
	}
	if (rc)
		w->broken = 1; /* some columns may hold one page more than others */
	/* drop the sealed rows: times, presence bytes, values */
	int drc = wcol_drop_values(d->time, s);
	for (uint32_t i = 0; i < d->n_cols; i++) {
		wcol_t *c = d->cols[i];
		if (s)
			memmove(c->present.data, c->present.data + s, c->present.len - s);
		c->present.len -= s;
		drc |= wcol_drop_values(c, vstart[i]);
	}
	d->open_rows -= s;
	if (drc && !rc)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	size_t after = wcol_footprint(d->time);
	for (uint32_t i = 0; i < d->n_cols; i++)
		after += wcol_footprint(d->cols[i]);
	w->buffered = w->buffered - before + after;
	return rc;
}

/*---------------------------------------------------------------------------
 * Chunks and chunk groups
 *---------------------------------------------------------------------------*/

/* Serialize c's sealed pages as one chunk at the end of out. */
static int wchunk_write(tsfile_writer_t *w, buf_t *out, const wcol_t *c, larch_error_t *err)
{
	const wchunk_t *ch = &c->chunk;
	int time = c->mask == META_MASK_TIME;
	chunk_header_t h;
	h.measurement = c->name;
	h.type = c->type;
	h.codec = time ? w->cfg.time_codec : c->codec;
	h.encoding = time ? w->cfg.time_encoding : c->encoding;
	if (c->mask == META_MASK_VALUE && ch->stats.s.count == 0) {
		h.marker = META_MARKER_ONE_PAGE_CHUNK | META_MASK_VALUE;
		h.data_size = 0;
		meta_chunk_header_write(out, &h);
		return LARCH_OK;
	}
	int multi = ch->n_pages > 1;
	buf_reset(&w->chunk);
	for (uint32_t i = 0; i < ch->n_pages; i++) {
		const wpage_t *p = &ch->pages[i];
		meta_page_header_write(&w->chunk, p->uncompressed, p->compressed,
				       multi ? &p->stats : NULL);
		if (p->uncompressed)
			buf_put(&w->chunk, ch->bodies.data + p->body_off, p->compressed);
	}
	if (!buf_ok(&w->chunk))
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk");
	if (w->chunk.len > INT32_MAX)
		return err_set(err, LARCH_WRITE_ERROR, "chunk of column '%s' exceeds 2 GiB",
			       c->name.ptr);
	h.marker = (uint8_t)((multi ? META_MARKER_CHUNK : META_MARKER_ONE_PAGE_CHUNK) | c->mask);
	h.data_size = (uint32_t)w->chunk.len;
	meta_chunk_header_write(out, &h);
	buf_put(out, w->chunk.data, w->chunk.len);
	return LARCH_OK;
}

int wdev_flush(tsfile_writer_t *w, wdev_t *d, larch_error_t *err)
{
	int rc = LARCH_OK;
	if (!d->dirty)
		return LARCH_OK;
	if (d->aligned) {
		rc = wdev_seal(w, d, 1, err);
	} else {
		for (uint32_t i = 0; i < d->n_cols && !rc; i++)
			rc = wcol_seal(w, d->cols[i], 1, err);
	}
	if (rc)
		return rc;

	/* the chunks of this group, in writing order */
	uint32_t n = 0;
	wcol_t **order = arena_alloc(w->scratch, sizeof(*order) * (d->n_cols + 1));
	uint64_t *offs = arena_alloc(w->scratch, sizeof(*offs) * (d->n_cols + 1));
	if (!order || !offs)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk group");
	if (d->aligned)
		order[n++] = d->time;
	for (uint32_t i = 0; i < d->n_cols; i++)
		if (d->aligned || d->cols[i]->chunk.n_pages)
			order[n++] = d->cols[i];

	buf_reset(&w->group);
	meta_chunk_group_header_write(&w->group, &d->id, TSFILE_VERSION);
	for (uint32_t i = 0; i < n && !rc; i++) {
		offs[i] = w->pos + w->group.len;
		rc = wchunk_write(w, &w->group, order[i], err);
	}
	if (!rc && !buf_ok(&w->group))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk group");
	if (!rc)
		rc = writer_io_write(w, w->group.data, w->group.len, err);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		wcol_t *c = order[i];
		size_t before = wcol_footprint(c);
		if (wcol_add_ref(c, offs[i], &c->chunk.stats) && !rc)
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory recording a chunk");
		wchunk_clear(&c->chunk, c->type);
		w->buffered = w->buffered - before + wcol_footprint(c);
	}
	for (uint32_t i = 0; i < d->n_cols; i++)
		d->cols[i]->has_last = 0;
	d->has_last = 0;
	d->dirty = 0;
	if (rc)
		w->broken = 1; /* the index would miss a chunk that is in the file */
	return rc;
}
