/*
 * inspect.c — tsfile_dump and tsfile_check: the structure of a file, and its
 * verification (behind `larch-tsfile dump|check`).
 *
 * Both walk the data area themselves, marker by marker, from offset 7 to the
 * separator, rather than trusting the index:
 *
 *   0x00 chunk group header -> device
 *   0x01/0x05 (|0x80 time, |0x40 value) chunk header -> pages until dataSize
 *   0x04 operation-index record (two i64) -> skipped
 *   0x02 separator -> the index area begins (must equal TsFileMetadata's
 *        metaOffset)
 *
 * check then cross-references that walk with the index the reader parsed
 * (every chunk the index names exists, with the same device, measurement and
 * type, and every chunk in the data area is indexed exactly once), decodes
 * every page through the chunk reader and recomputes every statistic (page,
 * chunk, series), comparing it with what the file stores.  The first
 * mismatch fails the check with LARCH_CORRUPTED and the byte offset of the
 * structure that holds the wrong bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta.h"
#include "reader.h"

/*---------------------------------------------------------------------------
 * Mapping the file and walking the data area
 *---------------------------------------------------------------------------*/

typedef struct mapped {
	const uint8_t *data;
	size_t size;
} mapped_t;

static int map_file(const char *path, mapped_t *m, larch_error_t *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, LARCH_STORAGE_ERROR, "%s: %s", path, strerror(errno));
	struct stat st;
	int rc = LARCH_OK;
	m->data = NULL;
	m->size = 0;
	if (fstat(fd, &st) < 0)
		rc = err_set(err, LARCH_STORAGE_ERROR, "%s: %s", path, strerror(errno));
	else if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			rc = err_set(err, LARCH_STORAGE_ERROR, "%s: mmap: %s", path, strerror(errno));
		else {
			m->data = p;
			m->size = (size_t)st.st_size;
		}
	}
	close(fd);
	return rc;
}

static void unmap_file(mapped_t *m)
{
	if (m->data)
		munmap((void *)m->data, m->size);
}

/* One chunk found by the walk. */
typedef struct walked_chunk {
	uint64_t offset;
	uint32_t group;        /* index of its chunk group */
	chunk_header_t header;
	int indexed;           /* times the index refers to it (check) */
} walked_chunk_t;

typedef struct walk {
	int version;
	uint64_t separator;    /* offset of the 0x02 marker */
	device_id_t *groups;   /* device of each chunk group */
	uint64_t *group_offsets;
	size_t n_groups;
	walked_chunk_t *chunks;
	size_t n_chunks;
	arena_t *arena;
	FILE *out;             /* dump: print as we go; NULL for check */
} walk_t;

static void print_stats(FILE *out, const char *indent, const stats_t *st)
{
	const tsfile_stats_t *s = &st->s;
	fprintf(out, "%sstatistics: count=%llu time=[%lld, %lld]", indent,
		(unsigned long long)s->count, (long long)s->start_time, (long long)s->end_time);
	const tsfile_value_t *vals[] = {&s->min, &s->max, &s->first, &s->last};
	const char *names[] = {"min", "max", "first", "last"};
	for (int i = 0; i < 4; i++) {
		const tsfile_value_t *v = vals[i];
		if (v->is_null || st->type == TSFILE_VECTOR || st->type == TSFILE_BLOB ||
		    ((st->type == TSFILE_BOOLEAN || st->type == TSFILE_TEXT) && i < 2))
			continue;
		fprintf(out, " %s=", names[i]);
		switch (st->type) {
		case TSFILE_BOOLEAN: fputs(v->v.b ? "true" : "false", out); break;
		case TSFILE_INT32:
		case TSFILE_DATE: fprintf(out, "%d", v->v.i32); break;
		case TSFILE_INT64:
		case TSFILE_TIMESTAMP: fprintf(out, "%lld", (long long)v->v.i64); break;
		case TSFILE_FLOAT: fprintf(out, "%.9g", v->v.f); break;
		case TSFILE_DOUBLE: fprintf(out, "%.17g", v->v.d); break;
		default: fprintf(out, "'%.*s'", (int)LR_MIN(v->v.bytes.len, 32u), v->v.bytes.ptr);
		}
	}
	if (st->type != TSFILE_VECTOR && st->type != TSFILE_BLOB && st->type != TSFILE_TEXT &&
	    st->type != TSFILE_STRING)
		fprintf(out, " sum=%.17g", s->sum);
	fputc('\n', out);
}

static int walk_push(buf_t *b, const void *item, size_t size, larch_error_t *err)
{
	buf_put(b, item, size);
	return buf_ok(b) ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory walking the file");
}

/* Walk the pages of a chunk whose header has been read (dump prints them). */
static int walk_pages(walk_t *w, rd_t *r, const chunk_header_t *h, larch_error_t *err)
{
	rd_t pages;
	uint64_t start = rd_offset(r);
	const uint8_t *body = rd_bytes(r, h->data_size);
	if (!body)
		return err_set(err, LARCH_CORRUPTED, "chunk data at offset %llu: truncated",
			       (unsigned long long)start);
	rd_init(&pages, body, h->data_size, start);
	tsfile_type_t stat_type = h->type;
	for (int k = 0; rd_left(&pages) > 0; k++) {
		page_header_t ph;
		uint64_t at = rd_offset(&pages);
		int rc = meta_page_header_read(&pages, stat_type, META_CHUNK_KIND(h->marker) == 1,
					       w->arena, &ph, err);
		if (rc)
			return rc;
		if (!rd_bytes(&pages, ph.compressed_size))
			return err_set(err, LARCH_CORRUPTED, "page at offset %llu: body truncated",
				       (unsigned long long)at);
		if (w->out) {
			fprintf(w->out, "      page %d at %llu: uncompressed %u, stored %u\n", k,
				(unsigned long long)at, ph.uncompressed_size, ph.compressed_size);
			if (ph.has_stats)
				print_stats(w->out, "        ", &ph.stats);
		}
	}
	return LARCH_OK;
}

static const char *chunk_kind(uint8_t marker)
{
	if (marker & META_MASK_TIME)
		return "aligned time chunk";
	if (marker & META_MASK_VALUE)
		return "aligned value chunk";
	return "chunk";
}

/* Walk [7, separator): see the file comment. */
static int walk_data(const mapped_t *m, walk_t *w, larch_error_t *err)
{
	buf_t groups = BUF_INIT, offsets = BUF_INIT, chunks = BUF_INIT;
	rd_t r;
	int rc = LARCH_OK;
	if (m->size < READER_DATA_START || memcmp(m->data, TSFILE_MAGIC, TSFILE_MAGIC_LEN)) {
		rc = err_set(err, LARCH_CORRUPTED, "offset 0: not a TsFile (bad magic)");
		goto out;
	}
	w->version = m->data[TSFILE_MAGIC_LEN];
	if (w->version != 3 && w->version != 4) {
		rc = err_set(err, LARCH_CORRUPTED, "offset 6: unsupported version %d", w->version);
		goto out;
	}
	rd_init(&r, m->data + READER_DATA_START, m->size - READER_DATA_START, READER_DATA_START);
	if (w->out)
		fprintf(w->out, "TsFile version %d, %zu bytes\n", w->version, m->size);
	for (;;) {
		uint64_t at = rd_offset(&r);
		if (rd_left(&r) == 0) {
			rc = err_set(err, LARCH_CORRUPTED,
				     "offset %llu: data area ends without a separator (unfinished file)",
				     (unsigned long long)at);
			goto out;
		}
		uint8_t marker = r.data[r.pos];
		if (marker == META_MARKER_SEPARATOR) {
			w->separator = at;
			break;
		}
		if (marker == META_MARKER_OPERATION_INDEX) {
			rd_u8(&r);
			rd_be64(&r);
			rd_be64(&r);
			if (w->out && rd_ok(&r))
				fprintf(w->out, "operation-index record at %llu\n", (unsigned long long)at);
			if (!rd_ok(&r)) {
				rc = err_set(err, LARCH_CORRUPTED, "operation-index record at offset %llu: truncated",
					     (unsigned long long)at);
				goto out;
			}
			continue;
		}
		if (marker == META_MARKER_CHUNK_GROUP) {
			device_id_t dev;
			if ((rc = meta_chunk_group_header_read(&r, w->version, w->arena, &dev, err)) ||
			    (rc = walk_push(&groups, &dev, sizeof dev, err)) ||
			    (rc = walk_push(&offsets, &at, sizeof at, err)))
				goto out;
			if (w->out)
				fprintf(w->out, "chunk group at %llu: device %s\n", (unsigned long long)at,
					meta_device_path(&dev, w->arena));
			continue;
		}
		if (groups.len == 0) {
			rc = err_set(err, LARCH_CORRUPTED, "offset %llu: chunk before any chunk group header (marker 0x%02x)",
				     (unsigned long long)at, marker);
			goto out;
		}
		walked_chunk_t c = {.offset = at, .group = (uint32_t)(groups.len / sizeof(device_id_t) - 1)};
		if ((rc = meta_chunk_header_read(&r, rd_left(&r), w->arena, &c.header, err)))
			goto out;
		if (w->out)
			fprintf(w->out, "    %s at %llu: '%s' %s %s %s, %u bytes of pages\n",
				chunk_kind(c.header.marker), (unsigned long long)at,
				c.header.measurement.ptr ? c.header.measurement.ptr : "",
				tsfile_type_name(c.header.type), tsfile_encoding_name(c.header.encoding),
				tsfile_codec_name(c.header.codec), c.header.data_size);
		if ((rc = walk_pages(w, &r, &c.header, err)) || (rc = walk_push(&chunks, &c, sizeof c, err)))
			goto out;
	}
	w->n_groups = groups.len / sizeof(device_id_t);
	w->n_chunks = chunks.len / sizeof(walked_chunk_t);
	w->groups = (device_id_t *)(void *)groups.data;
	w->group_offsets = (uint64_t *)(void *)offsets.data;
	w->chunks = (walked_chunk_t *)(void *)chunks.data;
	return LARCH_OK;
out:
	buf_free(&groups);
	buf_free(&offsets);
	buf_free(&chunks);
	return rc;
}

static void walk_free(walk_t *w)
{
	mem_free(w->groups);
	mem_free(w->group_offsets);
	mem_free(w->chunks);
	arena_free(w->arena);
}

/*---------------------------------------------------------------------------
 * dump
 *---------------------------------------------------------------------------*/

static void dump_index(FILE *out, const tsfile_reader_t *r)
{
	const file_meta_t *fm = &r->fm;
	fprintf(out, "index: separator at %llu, TsFileMetadata at %llu\n",
		(unsigned long long)r->meta_offset, (unsigned long long)r->footer_offset);
	for (uint32_t i = 0; i < fm->n_roots; i++)
		fprintf(out, "  table '%s': root node of %u entries (%s), ends at %llu\n",
			fm->roots[i].table.ptr ? fm->roots[i].table.ptr : "", fm->roots[i].root.n,
			fm->roots[i].root.type == INDEX_LEAF_DEVICE ? "leaf" : "internal",
			(unsigned long long)fm->roots[i].root.end_offset);
	for (size_t d = 0; d < r->n_devices; d++) {
		const rdev_t *dev = &r->devices[d];
		fprintf(out, "  device %s%s\n", dev->path, dev->aligned ? " (aligned)" : "");
		if (dev->aligned) {
			fprintf(out, "    time column: %u chunk(s)\n", dev->time.n_chunks);
			print_stats(out, "      ", &dev->time.stats);
		}
		for (uint32_t s = dev->first_series; s < dev->first_series + dev->n_series; s++) {
			const tsfile_series_info_t *si = &r->series[s];
			fprintf(out, "    %s %s %s %s, %u chunk(s) at", si->measurement,
				tsfile_type_name(si->type), tsfile_encoding_name(si->encoding),
				tsfile_codec_name(si->codec), si->chunk_count);
			for (uint32_t c = 0; c < r->sx[s].meta.n_chunks; c++)
				fprintf(out, " %llu", (unsigned long long)r->sx[s].meta.chunks[c].offset);
			fputc('\n', out);
			print_stats(out, "      ", &r->sx[s].meta.stats);
		}
	}
	for (uint32_t t = 0; t < fm->n_tables; t++) {
		const table_meta_t *tm = &fm->tables[t];
		fprintf(out, "  table schema '%s':", tm->name.ptr ? tm->name.ptr : "");
		static const char *cat[] = {"TAG", "FIELD", "ATTRIBUTE"};
		for (uint32_t c = 0; c < tm->n_columns; c++)
			fprintf(out, " %s %s %s%s", tm->columns[c].name.ptr ? tm->columns[c].name.ptr : "",
				tsfile_type_name(tm->columns[c].type),
				(unsigned)tm->columns[c].category < 3 ? cat[tm->columns[c].category] : "?",
				c + 1 < tm->n_columns ? "," : "");
		fputc('\n', out);
	}
	fprintf(out, "  bloom filter: %u bits, %u hash functions\n", fm->bloom.size_bits,
		fm->bloom.hash_count);
	for (uint32_t p = 0; p < fm->n_props; p++)
		fprintf(out, "  property %s = %s\n", fm->props[2 * p].ptr ? fm->props[2 * p].ptr : "null",
			fm->props[2 * p + 1].ptr ? fm->props[2 * p + 1].ptr : "null");
}

int tsfile_dump(const char *path, FILE *out, larch_error_t *err)
{
	mapped_t m;
	walk_t w = {.out = out, .arena = arena_new(0)};
	tsfile_reader_t *r = NULL;
	int rc = w.arena ? map_file(path, &m, err) : err_set(err, LARCH_NO_MEMORY, "out of memory");
	if (rc) {
		arena_free(w.arena);
		return rc;
	}
	rc = walk_data(&m, &w, err);
	if (rc == LARCH_OK && (rc = tsfile_reader_open(path, &r, err)) == LARCH_OK)
		dump_index(out, r);
	tsfile_reader_close(r);
	walk_free(&w);
	unmap_file(&m);
	return rc;
}

/*---------------------------------------------------------------------------
 * check
 *---------------------------------------------------------------------------*/

static int values_equal(tsfile_type_t t, const tsfile_value_t *a, const tsfile_value_t *b)
{
	if (a->is_null != b->is_null)
		return 0;
	if (a->is_null)
		return 1;
	switch (t) {
	case TSFILE_BOOLEAN: return !a->v.b == !b->v.b;
	case TSFILE_INT32:
	case TSFILE_DATE: return a->v.i32 == b->v.i32;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: return a->v.i64 == b->v.i64;
	case TSFILE_FLOAT: return a->v.f == b->v.f || (isnan(a->v.f) && isnan(b->v.f));
	case TSFILE_DOUBLE: return a->v.d == b->v.d || (isnan(a->v.d) && isnan(b->v.d));
	default:
		return a->v.bytes.len == b->v.bytes.len &&
		       (a->v.bytes.len == 0 || !memcmp(a->v.bytes.ptr, b->v.bytes.ptr, a->v.bytes.len));
	}
}

/* Compare stored statistics with recomputed ones.  Sums are compared with a
 * relative tolerance: writers may add in a different order. */
static int stats_check(const stats_t *stored, const stats_t *computed, const char *what,
		       uint64_t offset, larch_error_t *err)
{
	const tsfile_stats_t *a = &stored->s, *b = &computed->s;
	const char *field = NULL;
	tsfile_type_t t = stored->type;
	if (a->count != b->count)
		field = "count";
	else if (a->count && (a->start_time != b->start_time || a->end_time != b->end_time))
		field = "time range";
	else if (a->count && t != TSFILE_VECTOR && t != TSFILE_BLOB) {
		if (!values_equal(t, &a->first, &b->first) || !values_equal(t, &a->last, &b->last))
			field = "first/last";
		else if (t != TSFILE_BOOLEAN && t != TSFILE_TEXT &&
			 (!values_equal(t, &a->min, &b->min) || !values_equal(t, &a->max, &b->max)))
			field = "min/max";
		else if (t != TSFILE_TEXT && t != TSFILE_STRING &&
			 fabs(a->sum - b->sum) > 1e-9 * LR_MAX(1.0, fabs(a->sum)) &&
			 !(isnan(a->sum) && isnan(b->sum)))
			field = "sum";
	}
	if (!field)
		return LARCH_OK;
	return err_set(err, LARCH_CORRUPTED,
		       "%s at offset %llu: stored statistics disagree with the data (%s; stored count %llu, "
		       "computed %llu)",
		       what, (unsigned long long)offset, field, (unsigned long long)a->count,
		       (unsigned long long)b->count);
}

/* The time pages of one aligned chunk group's time chunk. */
typedef struct time_pages {
	col_t times;        /* all times of the chunk, page after page */
	buf_t ends;         /* size_t end index of each page in times */
} time_pages_t;

typedef struct checker {
	tsfile_reader_t *r;
	walk_t *w;
	chunk_reader_t *cr;
	col_t times, values;
	time_pages_t tp;
	uint64_t tp_offset; /* time chunk that tp holds (0: none) */
	uint64_t points;
} checker_t;

static walked_chunk_t *find_walked(walk_t *w, uint64_t offset)
{
	size_t lo = 0, hi = w->n_chunks;
	while (lo < hi) { /* walked chunks are in file order */
		size_t mid = (lo + hi) / 2;
		if (w->chunks[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < w->n_chunks && w->chunks[lo].offset == offset ? &w->chunks[lo] : NULL;
}

/* Recompute the statistics of one page's points (values present per `present`,
 * or all when present is NULL) and fold them into the chunk statistics. */
static int check_page_stats(checker_t *ck, tsfile_type_t type, const int64_t *times,
			    size_t rows, const uint8_t *present, stats_t *chunk_st,
			    larch_error_t *err)
{
	stats_t page;
	stats_init(&page, type);
	int rc = LARCH_OK;
	if (present) { /* gather the times of present rows */
		col_clear(&ck->times);
		for (size_t i = 0; i < rows && !rc; i++)
			if (present[i / 8] & (0x80 >> (i % 8)))
				rc = col_append(&ck->times, &times[i], 1);
		times = COL_I64(&ck->times);
	}
	if (!rc && type == TSFILE_VECTOR) /* a time column: statistics of the times alone */
		rc = stats_update(&page, times, NULL, rows);
	else if (!rc && ck->values.n)
		rc = stats_update(&page, times, ck->values.data, ck->values.n);
	if (!rc) {
		const page_header_t *ph = chunk_reader_page(ck->cr);
		if (ph->has_stats)
			rc = stats_check(&ph->stats, &page, "page", chunk_reader_page_offset(ck->cr), err);
		if (!rc)
			rc = stats_merge(chunk_st, &page);
	} else if (rc == LARCH_NO_MEMORY) {
		rc = err_set(err, rc, "out of memory checking statistics");
	}
	stats_free(&page);
	return rc;
}

/* Decode the time chunk at `offset` into ck->tp (pages kept apart). */
static int load_time_pages(checker_t *ck, uint64_t offset, stats_t *st, larch_error_t *err)
{
	col_clear(&ck->tp.times);
	buf_reset(&ck->tp.ends);
	int rc = chunk_reader_open(ck->cr, offset, err);
	while (!rc && (rc = chunk_reader_next_page(ck->cr, err)) == LARCH_OK) {
		size_t before = ck->tp.times.n;
		if ((rc = chunk_reader_read_times(ck->cr, 0, &ck->tp.times, err)))
			break;
		size_t end = ck->tp.times.n;
		buf_put(&ck->tp.ends, &end, sizeof end);
		col_clear(&ck->values);
		rc = check_page_stats(ck, TSFILE_VECTOR, COL_I64(&ck->tp.times) + before, end - before,
				      NULL, st, err);
	}
	ck->tp_offset = offset;
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/* Check one chunk: decode every page, recompute its statistics. */
static int check_chunk(checker_t *ck, const rdev_t *dev, uint64_t offset, uint64_t time_offset,
		       tsfile_type_t type, stats_t *st, larch_error_t *err)
{
	int rc;
	if (dev->aligned && time_offset != ck->tp_offset) {
		stats_t tst;
		stats_init(&tst, TSFILE_VECTOR);
		rc = load_time_pages(ck, time_offset, &tst, err);
		stats_free(&tst);
		if (rc)
			return rc;
	}
	if (ck->values.type != type) { /* decode into a column of the chunk's type */
		col_free(&ck->values);
		col_init(&ck->values, type);
	}
	if ((rc = chunk_reader_open(ck->cr, offset, err)))
		return rc;
	size_t page = 0;
	while ((rc = chunk_reader_next_page(ck->cr, err)) == LARCH_OK) {
		col_clear(&ck->values);
		if (!dev->aligned) {
			col_clear(&ck->times);
			if ((rc = chunk_reader_read_page(ck->cr, 0, &ck->times, &ck->values, err)))
				return rc;
			/* the page's statistics use a copy of the times */
			col_t t = ck->times;
			col_init(&ck->times, TSFILE_INT64);
			rc = check_page_stats(ck, type, COL_I64(&t), t.n, NULL, st, err);
			col_free(&ck->times);
			ck->times = t;
		} else {
			size_t n_pages = ck->tp.ends.len / sizeof(size_t);
			if (page >= n_pages)
				return err_set(err, LARCH_CORRUPTED,
					       "value chunk at offset %llu: more pages than its time chunk at %llu",
					       (unsigned long long)offset, (unsigned long long)time_offset);
			const size_t *ends = (const size_t *)(void *)ck->tp.ends.data;
			size_t from = page ? ends[page - 1] : 0, rows = ends[page] - from;
			const uint8_t *present;
			if ((rc = chunk_reader_read_values(ck->cr, rows, &ck->values, &present, err)))
				return rc;
			static const uint8_t none[1] = {0};
			if (!present) { /* empty page: every row null, no values */
				col_clear(&ck->values);
				present = none;
				rows = 0;
			}
			rc = check_page_stats(ck, type, COL_I64(&ck->tp.times) + from, rows, present,
					      st, err);
		}
		if (rc)
			return rc;
		ck->points += ck->values.n;
		page++;
	}
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/* The time chunk of the chunk group that holds the chunk at `offset`. */
static uint64_t group_time_chunk(const walk_t *w, const walked_chunk_t *c)
{
	for (const walked_chunk_t *p = c; p >= w->chunks && p->group == c->group; p--)
		if (p->header.type == TSFILE_VECTOR)
			return p->offset;
	return 0;
}

/* Cross-check one series (ts_meta) of `dev` against the walk and the data. */
static int check_series(checker_t *ck, const rdev_t *dev, const ts_meta_t *tm, larch_error_t *err)
{
	stats_t series_st;
	stats_init(&series_st, tm->type);
	int rc = LARCH_OK;
	for (uint32_t c = 0; c < tm->n_chunks && !rc; c++) {
		uint64_t off = tm->chunks[c].offset;
		walked_chunk_t *wc = find_walked(ck->w, off);
		const char *name = tm->measurement.ptr ? tm->measurement.ptr : "";
		if (!wc) {
			rc = err_set(err, LARCH_CORRUPTED, "index of %s.%s: chunk offset %llu is not a chunk",
				     dev->path, name, (unsigned long long)off);
			break;
		}
		wc->indexed++;
		const char *wname = wc->header.measurement.ptr ? wc->header.measurement.ptr : "";
		if (strcmp(wname, name) || wc->header.type != tm->type ||
		    meta_device_cmp(&ck->w->groups[wc->group], &dev->id)) {
			rc = err_set(err, LARCH_CORRUPTED,
				     "chunk at offset %llu: the index names it %s.%s (%s) but it holds '%s' (%s)",
				     (unsigned long long)off, dev->path, name, tsfile_type_name(tm->type),
				     wname, tsfile_type_name(wc->header.type));
			break;
		}
		stats_t chunk_st;
		stats_init(&chunk_st, tm->type);
		if (tm->type == TSFILE_VECTOR) /* time column: statistics of its pages */
			rc = load_time_pages(ck, off, &chunk_st, err);
		else
			rc = check_chunk(ck, dev, off, group_time_chunk(ck->w, wc), tm->type, &chunk_st, err);
		if (!rc)
			rc = stats_check(&tm->chunks[c].stats, &chunk_st, "chunk", off, err);
		if (!rc)
			rc = stats_merge(&series_st, &chunk_st);
		stats_free(&chunk_st);
	}
	if (!rc)
		rc = stats_check(&tm->stats, &series_st, "timeseries metadata of chunk",
				 tm->n_chunks ? tm->chunks[0].offset : 0, err);
	stats_free(&series_st);
	return rc;
}

static int check_all(checker_t *ck, larch_error_t *err)
{
	tsfile_reader_t *r = ck->r;
	int rc = LARCH_OK;
	if (ck->w->separator != r->meta_offset)
		return err_set(err, LARCH_CORRUPTED,
			       "offset %llu: the data area ends here but TsFileMetadata says %llu",
			       (unsigned long long)ck->w->separator, (unsigned long long)r->meta_offset);
	for (size_t d = 0; d < r->n_devices && !rc; d++) {
		const rdev_t *dev = &r->devices[d];
		ck->tp_offset = 0;
		if (dev->aligned)
			rc = check_series(ck, dev, &dev->time, err);
		for (uint32_t s = dev->first_series; s < dev->first_series + dev->n_series && !rc; s++)
			rc = check_series(ck, dev, &r->sx[s].meta, err);
	}
	for (size_t c = 0; c < ck->w->n_chunks && !rc; c++) {
		const walked_chunk_t *wc = &ck->w->chunks[c];
		if (wc->indexed != 1)
			rc = err_set(err, LARCH_CORRUPTED, "chunk at offset %llu: indexed %d times (want once)",
				     (unsigned long long)wc->offset, wc->indexed);
	}
	return rc;
}

int tsfile_check(const char *path, FILE *report, larch_error_t *err)
{
	mapped_t m = {0};
	walk_t w = {.arena = arena_new(0)};
	checker_t ck = {.w = &w};
	col_init(&ck.times, TSFILE_INT64);
	col_init(&ck.tp.times, TSFILE_INT64);
	buf_init(&ck.tp.ends);
	int rc = w.arena ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory");
	if (!rc && !(rc = tsfile_reader_open(path, &ck.r, err)) && !(rc = map_file(path, &m, err)) &&
	    !(rc = walk_data(&m, &w, err)) && !(rc = chunk_reader_new(ck.r, &ck.cr, err)))
		rc = check_all(&ck, err);
	if (!rc && report)
		fprintf(report, "%s: ok (version %d, %zu devices, %zu series, %zu chunks, %llu points)\n",
			path, ck.r->version, ck.r->n_devices, ck.r->n_series, w.n_chunks,
			(unsigned long long)ck.points);
	chunk_reader_free(ck.cr);
	col_free(&ck.times);
	col_free(&ck.values);
	col_free(&ck.tp.times);
	buf_free(&ck.tp.ends);
	tsfile_reader_close(ck.r);
	walk_free(&w);
	unmap_file(&m);
	return rc;
}
