/*
 * Unit tests for the TsFile writer (writer.c, chunk_writer.c,
 * index_writer.c, writer_append.c).
 *
 * Files are checked three ways: byte for byte against the official writer
 * (the fixture of reference §13, produced by the PyPI tsfile 2.5.0 wheel);
 * structurally, by walking the index with the meta.h readers and checking
 * every invariant of reference §6 (sorted series and devices, entry keys =
 * first key of the child, at most max_index_degree children, a leaf entry
 * every D-th series); and by decoding the chunks the index points to and
 * comparing the points with what was written.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "tsfile/meta.h"

static char dir[64];

static const char *tmp_path(const char *name)
{
	static char p[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(n ? (size_t)n : 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spit(const char *path, const uint8_t *b, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
}

static void hex_to(const char *hex, uint8_t *out, size_t *len)
{
	size_t n = 0;
	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
		unsigned v;
		assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	*len = n;
}

static larch_error_t err;

static void ok_(int rc, const char *what)
{
	if (rc != LARCH_OK)
		fail_msg("%s -> %d: %s", what, rc, err.msg);
}
#define OK(call) ok_((call), #call)

/*---------------------------------------------------------------------------
 * Walking a file with the meta.h readers
 *---------------------------------------------------------------------------*/

typedef struct series {
	device_id_t dev;
	char path[96];
	char name[64];
	uint8_t mask;
	tsfile_type_t type;
	uint32_t n_chunks;
	uint64_t count;
	uint64_t offs[64];
} series_t;

typedef struct walk {
	uint8_t *f;
	size_t len;
	uint64_t idx_start, idx_end;
	uint32_t degree;
	arena_t *a;
	file_meta_t fm;
	series_t *s;
	size_t n;
	int internal_dev, internal_meas, leaf_dev;
} walk_t;

static void walk_meas(walk_t *w, const device_id_t *dev, uint64_t from, uint64_t to,
		      const meta_str_t *key);

static void walk_series(walk_t *w, const device_id_t *dev, uint64_t from, uint64_t to,
			const meta_str_t *key)
{
	rd_t r;
	assert_true(from >= w->idx_start && to <= w->idx_end && from < to);
	rd_init(&r, w->f + from, to - from, from);
	int first = 1, k = 0;
	while (rd_left(&r)) {
		ts_meta_t tm;
		assert_int_equal(meta_ts_meta_read(&r, w->a, &tm, &err), LARCH_OK);
		if (first)
			assert_int_equal(meta_str_cmp(&tm.measurement, key), 0);
		first = 0;
		k++;
		w->s = realloc(w->s, sizeof(*w->s) * (w->n + 1));
		series_t *s = &w->s[w->n++];
		memset(s, 0, sizeof(*s));
		s->dev = *dev;
		char *p = meta_device_path(dev, w->a);
		snprintf(s->path, sizeof s->path, "%s", p);
		snprintf(s->name, sizeof s->name, "%s", tm.measurement.ptr);
		s->mask = tm.mask;
		s->type = tm.type;
		s->n_chunks = tm.n_chunks;
		s->count = tm.stats.s.count;
		assert_true(tm.n_chunks <= 64);
		uint64_t sum = 0;
		for (uint32_t i = 0; i < tm.n_chunks; i++) {
			s->offs[i] = tm.chunks[i].offset;
			assert_true(tm.chunks[i].offset < w->idx_start);
			sum += tm.chunks[i].stats.s.count;
		}
		assert_int_equal(sum, s->count);
	}
	assert_true(k <= (int)w->degree); /* a leaf entry every D series */
}

static void walk_meas(walk_t *w, const device_id_t *dev, uint64_t from, uint64_t to,
		      const meta_str_t *key)
{
	rd_t r;
	index_node_t n;
	assert_true(from >= w->idx_start && to <= w->idx_end && from < to);
	rd_init(&r, w->f + from, to - from, from);
	assert_int_equal(meta_index_node_read(&r, 0, 4, w->a, &n, &err), LARCH_OK);
	assert_true(n.n <= w->degree);
	if (key)
		assert_int_equal(meta_str_cmp(&n.entries[0].name, key), 0);
	w->internal_meas += n.type == INDEX_INTERNAL_MEASUREMENT;
	for (uint32_t i = 0; i < n.n; i++) {
		uint64_t end = i + 1 < n.n ? n.entries[i + 1].offset : n.end_offset;
		if (n.type == INDEX_LEAF_MEASUREMENT)
			walk_series(w, dev, n.entries[i].offset, end, &n.entries[i].name);
		else
			walk_meas(w, dev, n.entries[i].offset, end, &n.entries[i].name);
	}
}

static void walk_dev(walk_t *w, const index_node_t *n, const device_id_t *key)
{
	assert_true(n->n >= 1 && n->n <= w->degree);
	if (key)
		assert_int_equal(meta_device_cmp(&n->entries[0].device, key), 0);
	w->internal_dev += n->type == INDEX_INTERNAL_DEVICE;
	w->leaf_dev += n->type == INDEX_LEAF_DEVICE;
	for (uint32_t i = 0; i < n->n; i++) {
		uint64_t from = n->entries[i].offset;
		uint64_t end = i + 1 < n->n ? n->entries[i + 1].offset : n->end_offset;
		if (n->type == INDEX_LEAF_DEVICE) {
			walk_meas(w, &n->entries[i].device, from, end, NULL);
			continue;
		}
		rd_t r;
		index_node_t c;
		rd_init(&r, w->f + from, end - from, from);
		assert_int_equal(meta_index_node_read(&r, 1, 4, w->a, &c, &err), LARCH_OK);
		walk_dev(w, &c, &n->entries[i].device);
	}
}

/* Walk the whole index of `path`; checks the §6 invariants on the way. */
static void walk_file(const char *path, uint32_t degree, walk_t *w)
{
	memset(w, 0, sizeof(*w));
	w->f = slurp(path, &w->len);
	w->degree = degree;
	w->a = arena_new(0);
	assert_true(w->len > 7 + 10);
	assert_memory_equal(w->f, "TsFile\x04", 7);
	assert_memory_equal(w->f + w->len - 6, "TsFile", 6);
	uint32_t size = load_be32(w->f + w->len - 10);
	uint64_t foot = w->len - 10 - size;
	rd_t r;
	rd_init(&r, w->f + foot, size, foot);
	assert_int_equal(meta_file_meta_read(&r, 4, w->a, &w->fm, &err), LARCH_OK);
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(w->f[w->fm.meta_offset], META_MARKER_SEPARATOR);
	w->idx_start = w->fm.meta_offset;
	w->idx_end = foot;
	for (uint32_t i = 0; i < w->fm.n_roots; i++) {
		if (i)
			assert_true(meta_str_cmp(&w->fm.roots[i - 1].table, &w->fm.roots[i].table) < 0);
		size_t before = w->n;
		walk_dev(w, &w->fm.roots[i].root, NULL);
		for (size_t k = before; k < w->n; k++)
			assert_int_equal(meta_str_cmp(&w->s[k].dev.segs[0], &w->fm.roots[i].table), 0);
	}
	/* series in device order, then name order */
	for (size_t i = 1; i < w->n; i++) {
		int c = meta_device_cmp(&w->s[i - 1].dev, &w->s[i].dev);
		meta_str_t a = {w->s[i - 1].name, (uint32_t)strlen(w->s[i - 1].name)};
		meta_str_t b = {w->s[i].name, (uint32_t)strlen(w->s[i].name)};
		assert_true(c < 0 || (c == 0 && meta_str_cmp(&a, &b) < 0));
	}
	/* properties: Java's three */
	assert_int_equal(w->fm.n_props, 3);
	assert_string_equal(w->fm.props[0].ptr, "encryptLevel");
	assert_string_equal(w->fm.props[1].ptr, "0");
	assert_string_equal(w->fm.props[2].ptr, "encryptKey");
	assert_null(w->fm.props[3].ptr);
	assert_string_equal(w->fm.props[5].ptr, "org.apache.tsfile.encrypt.UNENCRYPTED");
}

static void walk_free(walk_t *w)
{
	free(w->f);
	free(w->s);
	arena_free(w->a);
}

static const series_t *find(const walk_t *w, const char *path, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->s[i].path, path) == 0 && strcmp(w->s[i].name, name) == 0)
			return &w->s[i];
	return NULL;
}

/*---------------------------------------------------------------------------
 * Decoding chunks (independent of reader.c)
 *---------------------------------------------------------------------------*/

/* Points of a series: times and values as doubles (TEXT "v<n>" -> n). */
typedef struct pts {
	size_t n;
	int64_t t[4096];
	double v[4096];
	uint8_t null[4096];
	uint32_t pages[64]; /* rows per page of the last chunk read */
	uint32_t page_bytes[64]; /* ... and their uncompressed sizes */
	uint32_t n_pages;
	uint8_t marker;
	uint32_t data_size;
} pts_t;

static double as_double(const col_t *c, size_t i)
{
	switch (c->type) {
	case TSFILE_BOOLEAN: return COL_BOOL(c)[i];
	case TSFILE_INT32:
	case TSFILE_DATE: return COL_I32(c)[i];
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: return (double)COL_I64(c)[i];
	case TSFILE_FLOAT: return COL_F32(c)[i];
	case TSFILE_DOUBLE: return COL_F64(c)[i];
	default: return atof(COL_BYTES(c)[i].ptr + 1);
	}
}

/* Decode the chunk at `off`.  For an aligned value chunk, `time` holds the
 * decoded time chunk (rows per page and times). */
static void read_chunk(const walk_t *w, uint64_t off, const pts_t *time, pts_t *out)
{
	rd_t r;
	chunk_header_t h;
	arena_t *a = arena_new(0);
	rd_init(&r, w->f + off, w->idx_start - off, off);
	assert_int_equal(meta_chunk_header_read(&r, rd_left(&r), a, &h, &err), LARCH_OK);
	out->marker = h.marker;
	out->data_size = h.data_size;
	out->n_pages = 0;
	size_t row0 = 0;
	int multi = META_CHUNK_KIND(h.marker) == META_MARKER_CHUNK;
	const uint8_t *end = r.data + r.pos + h.data_size;
	if (h.data_size == 0) { /* all-null value chunk: every row null */
		assert_true(h.marker & META_MASK_VALUE);
		for (size_t i = 0; i < time->n; i++) {
			out->t[out->n] = time->t[i];
			out->null[out->n++] = 1;
		}
		arena_free(a);
		return;
	}
	while (r.data + r.pos < end) {
		page_header_t ph;
		assert_int_equal(meta_page_header_read(&r, h.type, multi, a, &ph, &err), LARCH_OK);
		out->page_bytes[out->n_pages] = ph.uncompressed_size;
		uint32_t rows = (h.marker & META_MASK_VALUE) ? time->pages[out->n_pages] : 0;
		if (ph.uncompressed_size == 0) {
			assert_true(h.marker & META_MASK_VALUE);
			for (uint32_t i = 0; i < rows; i++) {
				out->t[out->n] = time->t[row0 + i];
				out->null[out->n++] = 1;
			}
			out->pages[out->n_pages++] = rows;
			row0 += rows;
			continue;
		}
		const uint8_t *body = rd_bytes(&r, ph.compressed_size);
		uint8_t *raw = malloc(ph.uncompressed_size);
		assert_int_equal(codec_decompress(h.codec, body, ph.compressed_size, raw,
						  ph.uncompressed_size, &err), LARCH_OK);
		col_t times, vals;
		col_init(&times, TSFILE_INT64);
		col_init(&vals, h.type == TSFILE_VECTOR ? TSFILE_INT64 : h.type);
		size_t len = ph.uncompressed_size, page_count;
		if (h.marker & META_MASK_TIME) {
			assert_int_equal(decode_stream(h.encoding, TSFILE_INT64, raw, len, 1 << 20,
						       &times, &err), LARCH_OK);
			for (size_t i = 0; i < times.n; i++) {
				out->t[out->n] = COL_I64(&times)[i];
				out->null[out->n++] = 0;
			}
			out->pages[out->n_pages++] = (uint32_t)times.n;
			page_count = times.n;
		} else if (h.marker & META_MASK_VALUE) {
			assert_int_equal(load_be32(raw), rows);
			const uint8_t *bm = raw + 4;
			size_t bml = (rows + 7) / 8, present = 0;
			for (uint32_t i = 0; i < rows; i++)
				present += (bm[i / 8] >> (7 - i % 8)) & 1;
			assert_int_equal(decode_stream(h.encoding, h.type, bm + bml, len - 4 - bml,
						       present, &vals, &err), LARCH_OK);
			assert_int_equal(vals.n, present);
			for (uint32_t i = 0, k = 0; i < rows; i++) {
				out->t[out->n] = time->t[row0 + i];
				out->null[out->n] = !((bm[i / 8] >> (7 - i % 8)) & 1);
				if (!out->null[out->n])
					out->v[out->n] = as_double(&vals, k++);
				out->n++;
			}
			out->pages[out->n_pages++] = rows;
			row0 += rows;
			page_count = present;
		} else {
			rd_t pr;
			rd_init(&pr, raw, len, 0);
			uint32_t tl = rd_uvarint32(&pr);
			assert_int_equal(decode_stream(TSFILE_TS_2DIFF, TSFILE_INT64, raw + pr.pos, tl,
						       1 << 20, &times, &err), LARCH_OK);
			assert_int_equal(decode_stream(h.encoding, h.type, raw + pr.pos + tl,
						       len - pr.pos - tl, times.n, &vals, &err),
					 LARCH_OK);
			assert_int_equal(vals.n, times.n);
			for (size_t i = 0; i < times.n; i++) {
				out->t[out->n] = COL_I64(&times)[i];
				out->v[out->n] = as_double(&vals, i);
				out->null[out->n++] = 0;
			}
			out->pages[out->n_pages++] = (uint32_t)times.n;
			page_count = times.n;
		}
		if (multi) /* statistics in every page header, and they agree */
			assert_int_equal(ph.stats.s.count, page_count);
		col_free(&times);
		col_free(&vals);
		free(raw);
	}
	assert_true(r.data + r.pos == end);
	arena_free(a);
}

/* All points of series (path, name): every chunk, in file order. */
static void read_series(const walk_t *w, const char *path, const char *name, pts_t *out)
{
	const series_t *s = find(w, path, name);
	assert_non_null(s);
	memset(out, 0, sizeof(*out));
	if (s->mask == META_MASK_VALUE) {
		const series_t *ts = find(w, path, "");
		pts_t *time = calloc(1, sizeof(*time));
		assert_non_null(ts);
		assert_int_equal(ts->n_chunks, s->n_chunks);
		for (uint32_t i = 0; i < s->n_chunks; i++) {
			time->n = 0;
			read_chunk(w, ts->offs[i], NULL, time);
			read_chunk(w, s->offs[i], time, out);
		}
		free(time);
		return;
	}
	for (uint32_t i = 0; i < s->n_chunks; i++)
		read_chunk(w, s->offs[i], NULL, out);
}

/*---------------------------------------------------------------------------
 * Helpers to write
 *---------------------------------------------------------------------------*/

static tsfile_writer_t *open_w(const char *path, const tsfile_config_t *cfg)
{
	tsfile_writer_t *w = NULL;
	OK(tsfile_writer_open(path, cfg, &w, &err));
	return w;
}

static tsfile_measurement_t meas(const char *name, tsfile_type_t t, int enc, int codec)
{
	tsfile_measurement_t m = {name, t, enc, codec, -1};
	return m;
}

static int rec_i64(tsfile_writer_t *w, const char *dev, int64_t t, const char *name, int64_t v)
{
	tsfile_point_t p = {name, {TSFILE_INT64, 0, {.i64 = v}}};
	return tsfile_writer_write_record(w, dev, t, &p, 1, &err);
}

static int rec_f64(tsfile_writer_t *w, const char *dev, int64_t t, const char *name, double v)
{
	tsfile_point_t p = {name, {TSFILE_DOUBLE, 0, {.d = v}}};
	return tsfile_writer_write_record(w, dev, t, &p, 1, &err);
}

/*---------------------------------------------------------------------------
 * The official writer's bytes
 *---------------------------------------------------------------------------*/

/* Reference §13 fixture, written by the PyPI tsfile 2.5.0 wheel (C++):
 *   w = TsFileWriter(p)
 *   w.register_timeseries("root.sg.d1", TimeseriesSchema("s1", INT32, PLAIN, UNCOMPRESSED))
 *   w.register_timeseries("root.sg.d1", TimeseriesSchema("s2", DOUBLE, GORILLA, LZ4))
 *   rows (1000, 1, 1.5), (1010, 2, 2.5), (1020, 3, 2.5) by write_row_record; close */
static const char *const WHEEL_FIXTURE =
	"547346696c650400020e726f6f742e7367046431050473311e0100001c1c18000000020000000000000000"
	"0000000a00000000000003e8020406050473321d040708271b661800000002000100120a0b004203e83ff8"
	"0a0060c133ffe9ffe00400000000000000000000000000000000020004733101080300000000000003e800"
	"000000000003fc000000010000000300000001000000030000000000000006000000000000001400047332"
	"04080300000000000003e800000000000003fc3ff800000000000040040000000000003ff8000000000000"
	"4004000000000000401a000000000000000000000000003a01047331000000000000007100000000000000"
	"ef03010e726f6f742e736701020e726f6f742e736704643100000000000000ef0000000000000104010000"
	"000000000000701f00000200108000000000004000200000000000000000004000064000000080800205"
	"0614656e63727970744b65790116656e6372797074547970654a6f72672e6170616368652e747366696c65"
	"2e656e63727970742e554e454e4352595054454418656e63727970744c6576656c0230000000a154734669"
	"6c65";

/* The s2 page before LZ4 (reference §13): time stream length, TS_2DIFF
 * times, GORILLA doubles. */
static const char *const S2_PAGE_RAW =
	"180000000200000000000000000000000a00000000000003e83ff8000000000000c133ffe9ffe0";

static void be64_sub(uint8_t *p, uint64_t d)
{
	store_be64(p, load_be64(p) - d);
}

static void test_fixture_matches_official_bytes(void **state)
{
	(void)state;
	const char *path = tmp_path("fixture.tsfile");
	tsfile_writer_t *w = open_w(path, NULL);
	tsfile_measurement_t s1 = meas("s1", TSFILE_INT32, TSFILE_PLAIN, TSFILE_UNCOMPRESSED);
	tsfile_measurement_t s2 = meas("s2", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_LZ4);
	OK(tsfile_writer_register(w, "root.sg.d1", &s1, &err));
	OK(tsfile_writer_register(w, "root.sg.d1", &s2, &err));
	const int32_t a[] = {1, 2, 3};
	const double b[] = {1.5, 2.5, 2.5};
	for (int i = 0; i < 3; i++) {
		tsfile_point_t p[2] = {{"s1", {TSFILE_INT32, 0, {.i32 = a[i]}}},
				       {"s2", {TSFILE_DOUBLE, 0, {.d = b[i]}}}};
		OK(tsfile_writer_write_record(w, "root.sg.d1", 1000 + 10 * i, p, 2, &err));
	}
	OK(tsfile_writer_close(w, &err));

	/* Expected: the wheel's bytes with two documented differences.
	 * (1) We do not write the 17-byte 0x04 operation-index record at 0x5f,
	 *     so every offset that pointed past it is 17 smaller: the two in the
	 *     LEAF_MEASUREMENT node (0xef - 17), the LEAF_DEVICE entry and end
	 *     offset and metaOffset in TsFileMetadata.
	 * (2) The properties are Java's: HashMap order encryptLevel, encryptKey,
	 *     encryptType, with encryptKey null. */
	uint8_t want[512];
	size_t wn;
	hex_to(WHEEL_FIXTURE, want, &wn);
	assert_int_equal(want[0x5f], META_MARKER_OPERATION_INDEX);
	memmove(want + 0x5f, want + 0x70, wn - 0x70);
	wn -= 17;
	const size_t leaf = 0xef - 17, fm = 0x104 - 17;
	be64_sub(want + leaf + 4, 17);
	be64_sub(want + leaf + 12, 17);
	be64_sub(want + fm + 22, 17);
	be64_sub(want + fm + 30, 17);
	be64_sub(want + fm + 40, 17);
	static const char props[] = "\x06\x18" "encryptLevel" "\x02" "0" "\x14" "encryptKey" "\x01"
				    "\x16" "encryptType" "\x4a" "org.apache.tsfile.encrypt.UNENCRYPTED";
	size_t props_at = wn - 10 - (sizeof props - 1);
	assert_int_equal(want[props_at], 0x06);
	memcpy(want + props_at, props, sizeof props - 1);

	size_t n;
	uint8_t *got = slurp(path, &n);
	assert_int_equal(n, wn);
	/* the LZ4 block (0x44, 27 bytes) may differ between LZ4 versions: compare
	 * what it decompresses to, then the rest byte for byte */
	uint8_t raw[39], raw_want[64];
	size_t rn;
	hex_to(S2_PAGE_RAW, raw_want, &rn);
	assert_int_equal(got[0x42], 39);
	assert_int_equal(got[0x43], 27);
	assert_int_equal(codec_decompress(TSFILE_LZ4, got + 0x44, 27, raw, 39, &err), LARCH_OK);
	assert_memory_equal(raw, raw_want, 39);
	memcpy(got + 0x44, want + 0x44, 27);
	assert_memory_equal(got, want, wn);
	free(got);
}

/*---------------------------------------------------------------------------
 * Index tree
 *---------------------------------------------------------------------------*/

static void test_index_small_degree(void **state)
{
	(void)state;
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.max_index_degree = 3;
	const char *path = tmp_path("degree3.tsfile");
	tsfile_writer_t *w = open_w(path, &cfg);
	char dev[32], name[16];
	/* 5 non-aligned devices with 11 series each, registered out of order */
	for (int d = 4; d >= 0; d--) {
		snprintf(dev, sizeof dev, "root.sg.d%d", d);
		for (int m = 10; m >= 0; m--) {
			snprintf(name, sizeof name, "s%02d", m);
			tsfile_measurement_t ms = meas(name, TSFILE_INT64, TSFILE_PLAIN, TSFILE_UNCOMPRESSED);
			OK(tsfile_writer_register(w, dev, &ms, &err));
			OK(rec_i64(w, dev, 1, name, d * 100 + m));
		}
	}
	/* an aligned device of 7 series in another "table" */
	tsfile_measurement_t al[7];
	char names[7][16];
	for (int m = 0; m < 7; m++) {
		snprintf(names[m], sizeof names[m], "v%d", m);
		al[m] = meas(names[m], TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_SNAPPY);
	}
	OK(tsfile_writer_register_aligned(w, "root.al.x.y", al, 7, &err));
	tsfile_point_t p[7];
	for (int m = 0; m < 7; m++)
		p[m] = (tsfile_point_t){names[m], {TSFILE_DOUBLE, 0, {.d = m * 0.5}}};
	OK(tsfile_writer_write_record(w, "root.al.x.y", 5, p, 7, &err));
	OK(tsfile_writer_close(w, &err));

	walk_t wk;
	walk_file(path, 3, &wk);
	assert_int_equal(wk.n, 5 * 11 + 8);
	assert_int_equal(wk.fm.n_roots, 2);
	assert_string_equal(wk.fm.roots[0].table.ptr, "root.al.x");
	assert_string_equal(wk.fm.roots[1].table.ptr, "root.sg");
	/* 5 devices > 3: the root.sg tree has an INTERNAL_DEVICE root */
	assert_int_equal(wk.fm.roots[1].root.type, INDEX_INTERNAL_DEVICE);
	assert_int_equal(wk.fm.roots[0].root.type, INDEX_LEAF_DEVICE);
	assert_true(wk.internal_meas > 0);
	/* the aligned time column comes first, with its masks */
	const series_t *t = find(&wk, "root.al.x.y", "");
	assert_non_null(t);
	assert_int_equal(t->mask, META_MASK_TIME);
	assert_int_equal(t->type, TSFILE_VECTOR);
	assert_ptr_equal(t, &wk.s[0]);
	assert_int_equal(find(&wk, "root.al.x.y", "v3")->mask, META_MASK_VALUE);
	for (int d = 0; d < 5; d++) {
		snprintf(dev, sizeof dev, "root.sg.d%d", d);
		for (int m = 0; m <= 10; m++) {
			snprintf(name, sizeof name, "s%02d", m);
			const series_t *s = find(&wk, dev, name);
			assert_non_null(s);
			assert_int_equal(s->count, 1);
			pts_t *pt = calloc(1, sizeof(*pt));
			read_series(&wk, dev, name, pt);
			assert_int_equal(pt->n, 1);
			assert_int_equal(pt->t[0], 1);
			assert_true(pt->v[0] == d * 100 + m);
			free(pt);
		}
	}
	/* the bloom filter knows every series, and the time column "dev." */
	assert_true(bloom_may_contain(&wk.fm.bloom, "root.sg.d3.s07", 14));
	assert_true(bloom_may_contain(&wk.fm.bloom, "root.al.x.y.", 12));
	walk_free(&wk);
}

static void test_index_many_devices(void **state)
{
	(void)state;
	const char *path = tmp_path("devices.tsfile");
	tsfile_writer_t *w = open_w(path, NULL);
	tsfile_measurement_t m = meas("s", TSFILE_INT64, TSFILE_TS_2DIFF, TSFILE_LZ4);
	OK(tsfile_writer_register(w, NULL, &m, &err)); /* file-wide */
	char dev[32];
	for (int d = 0; d < 300; d++) {
		snprintf(dev, sizeof dev, "root.sg.d%03d", d);
		OK(rec_i64(w, dev, 10, "s", d));
		OK(rec_i64(w, dev, 20, "s", -d));
	}
	OK(tsfile_writer_close(w, &err));
	walk_t wk;
	walk_file(path, 256, &wk);
	assert_int_equal(wk.n, 300);
	assert_int_equal(wk.fm.n_roots, 1);
	const index_node_t *root = &wk.fm.roots[0].root;
	assert_int_equal(root->type, INDEX_INTERNAL_DEVICE);
	assert_int_equal(root->n, 2);
	assert_int_equal(wk.leaf_dev, 2); /* 256 + 44 devices */
	assert_string_equal(meta_device_path(&root->entries[1].device, wk.a), "root.sg.d256");
	assert_int_equal(root->end_offset, wk.idx_end);
	/* bloom sized for 300 chunks: (int)(300 * 6.235) + 1 bits */
	assert_int_equal(wk.fm.bloom.size_bits, 1871);
	pts_t *pt = calloc(1, sizeof(*pt));
	read_series(&wk, "root.sg.d299", "s", pt);
	assert_int_equal(pt->n, 2);
	assert_true(pt->v[0] == 299 && pt->v[1] == -299);
	free(pt);
	walk_free(&wk);
}

/*---------------------------------------------------------------------------
 * Pages, chunks, chunk groups
 *---------------------------------------------------------------------------*/

static void test_pages_and_groups(void **state)
{
	(void)state;
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.page_max_points = 4;
	const char *path = tmp_path("pages.tsfile");
	tsfile_writer_t *w = open_w(path, &cfg);
	tsfile_measurement_t m = meas("m", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_GZIP);
	tsfile_measurement_t one = meas("one", TSFILE_INT64, TSFILE_TS_2DIFF, TSFILE_ZSTD);
	OK(tsfile_writer_register(w, "root.p.d", &m, &err));
	OK(tsfile_writer_register(w, "root.p.d", &one, &err));
	for (int i = 0; i < 10; i++)
		OK(rec_f64(w, "root.p.d", 100 + i, "m", i * 1.5));
	OK(rec_i64(w, "root.p.d", 5, "one", 42));
	OK(tsfile_writer_flush(w, &err));
	/* a second chunk group: times restart */
	OK(rec_f64(w, "root.p.d", 1, "m", -1));
	uint64_t before = tsfile_writer_file_size(w);
	assert_true(before > 7);
	OK(tsfile_writer_close(w, &err));

	walk_t wk;
	walk_file(path, 256, &wk);
	const series_t *s = find(&wk, "root.p.d", "m");
	assert_int_equal(s->n_chunks, 2);
	assert_int_equal(s->count, 11);
	pts_t *pt = calloc(1, sizeof(*pt));
	read_chunk(&wk, s->offs[0], NULL, pt);
	assert_int_equal(pt->marker, 0x01); /* 3 pages with statistics */
	assert_int_equal(pt->n_pages, 3);
	assert_int_equal(pt->pages[0], 4);
	assert_int_equal(pt->pages[2], 2);
	read_chunk(&wk, s->offs[1], NULL, pt);
	assert_int_equal(pt->marker, 0x05);
	assert_int_equal(pt->n, 11);
	for (int i = 0; i < 10; i++)
		assert_true(pt->t[i] == 100 + i && pt->v[i] == i * 1.5);
	assert_true(pt->t[10] == 1 && pt->v[10] == -1);
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "root.p.d", "one", pt);
	assert_int_equal(pt->n, 1);
	assert_true(pt->v[0] == 42);
	free(pt);
	walk_free(&wk);
}

static void test_chunk_group_threshold(void **state)
{
	(void)state;
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.chunk_group_max_bytes = 2000;
	const char *path = tmp_path("groups.tsfile");
	tsfile_writer_t *w = open_w(path, &cfg);
	tsfile_measurement_t m = meas("x", TSFILE_INT64, TSFILE_PLAIN, TSFILE_UNCOMPRESSED);
	OK(tsfile_writer_register(w, "root.g.d", &m, &err));
	for (int i = 0; i < 1000; i++)
		OK(rec_i64(w, "root.g.d", i, "x", i));
	OK(tsfile_writer_close(w, &err));
	walk_t wk;
	walk_file(path, 256, &wk);
	const series_t *s = find(&wk, "root.g.d", "x");
	assert_true(s->n_chunks >= 4);
	assert_int_equal(s->count, 1000);
	pts_t *pt = calloc(1, sizeof(*pt));
	read_series(&wk, "root.g.d", "x", pt);
	assert_int_equal(pt->n, 1000);
	for (int i = 0; i < 1000; i++)
		assert_true(pt->t[i] == i && pt->v[i] == i);
	free(pt);
	walk_free(&wk);
}

/* Pages end at page_max_points or where their ENCODED size reaches
 * page_max_bytes (as Apache's writers seal them), not at the raw size. */
enum { PS_N = 4000, PS_MAX_POINTS = 1000, PS_MAX_BYTES = 4000 };

/* Read the one chunk of dev.name into pt and check its pages: none holds
 * more than 9/8 PS_MAX_BYTES encoded; if `limiting`, all but the last
 * hold PS_MAX_POINTS points or at least 7/8 PS_MAX_BYTES.  Returns the
 * number of pages. */
static uint32_t check_page_sizes(const walk_t *wk, const char *dev, const char *name,
				 const pts_t *time, int limiting, pts_t *pt)
{
	const series_t *s = find(wk, dev, name);
	assert_non_null(s);
	assert_int_equal(s->n_chunks, 1);
	memset(pt, 0, sizeof(*pt));
	read_chunk(wk, s->offs[0], time, pt);
	for (uint32_t i = 0; i + 1 < pt->n_pages; i++) {
		assert_true(pt->page_bytes[i] <= PS_MAX_BYTES + PS_MAX_BYTES / 8);
		if (limiting && pt->pages[i] != PS_MAX_POINTS)
			assert_true(pt->page_bytes[i] >= PS_MAX_BYTES - PS_MAX_BYTES / 8);
	}
	return pt->n_pages;
}

static void test_page_size_encoded(void **state)
{
	(void)state;
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.page_max_points = PS_MAX_POINTS;
	cfg.page_max_bytes = PS_MAX_BYTES;
	const char *path = tmp_path("pagesize.tsfile");
	tsfile_writer_t *w = open_w(path, &cfg);
	tsfile_measurement_t ms[] = {
		meas("plain", TSFILE_DOUBLE, TSFILE_PLAIN, TSFILE_UNCOMPRESSED),
		meas("const", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_LZ4),
		meas("mixed", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_ZSTD),
		meas("text", TSFILE_TEXT, TSFILE_PLAIN, TSFILE_SNAPPY),
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(ms); i++)
		OK(tsfile_writer_register(w, "root.ps.d", &ms[i], &err));
	OK(tsfile_writer_register(w, "root.ps.rec", &ms[0], &err));
	OK(tsfile_writer_register_aligned(w, "root.ps.al", ms, 2, &err));
	static int64_t t[PS_N];
	static double plain[PS_N], cnst[PS_N], mixed[PS_N];
	static tsfile_bytes_t text[PS_N];
	static char txt[PS_N][32];
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < PS_N; i++) {
		t[i] = 5000 + 10 * i;
		plain[i] = i * 0.25;
		cnst[i] = 42.5;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* constant, then values whose bits do not repeat */
		mixed[i] = i < PS_N / 2 ? 1.0 : (double)(x >> 11) * 0x1p-53;
		snprintf(txt[i], sizeof txt[i], "v%d-status-%08d", i, i * 7);
		text[i] = (tsfile_bytes_t){txt[i], (uint32_t)strlen(txt[i])};
	}
	/* tablets of odd sizes, so pages span tablets */
	for (int off = 0; off < PS_N;) {
		int rows = LR_MIN(PS_N - off, 700 + off % 3);
		tsfile_column_t cols[4] = {{"plain", TSFILE_DOUBLE, plain + off, NULL},
					   {"const", TSFILE_DOUBLE, cnst + off, NULL},
					   {"mixed", TSFILE_DOUBLE, mixed + off, NULL},
					   {"text", TSFILE_TEXT, text + off, NULL}};
		tsfile_tablet_t tb = {"root.ps.d", (size_t)rows, t + off, 4, cols};
		OK(tsfile_writer_write_tablet(w, &tb, &err));
		tsfile_tablet_t ta = {"root.ps.al", (size_t)rows, t + off, 2, cols};
		OK(tsfile_writer_write_tablet(w, &ta, &err));
		off += rows;
	}
	for (int i = 0; i < PS_N; i++) /* one point at a time */
		OK(rec_f64(w, "root.ps.rec", t[i], "plain", plain[i]));
	OK(tsfile_writer_close(w, &err));

	walk_t wk;
	walk_file(path, 256, &wk);
	pts_t *pt = calloc(1, sizeof(*pt)), *time = calloc(1, sizeof(*time));
	/* 8 bytes a value plus the times: pages cut by bytes, ~490 points */
	uint32_t np = check_page_sizes(&wk, "root.ps.d", "plain", NULL, 1, pt);
	assert_true(np >= 8 && np <= 10);
	assert_true(pt->pages[0] < PS_MAX_POINTS);
	assert_int_equal(check_page_sizes(&wk, "root.ps.rec", "plain", NULL, 1, pt), np);
	/* 16 raw bytes a point, a few bits encoded: full pages by points */
	assert_int_equal(check_page_sizes(&wk, "root.ps.d", "const", NULL, 1, pt), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pt->pages[i], PS_MAX_POINTS);
	/* compressible, then not: full pages, then pages cut by bytes */
	np = check_page_sizes(&wk, "root.ps.d", "mixed", NULL, 1, pt);
	assert_true(np >= 6);
	assert_int_equal(pt->pages[0], PS_MAX_POINTS);
	assert_true(pt->pages[np - 2] < PS_MAX_POINTS);
	for (int i = 0; i < PS_N; i++)
		assert_true(pt->t[i] == t[i] && pt->v[i] == mixed[i]);
	np = check_page_sizes(&wk, "root.ps.d", "text", NULL, 1, pt);
	assert_true(np >= 10);
	for (int i = 0; i < PS_N; i++)
		assert_true(pt->v[i] == i);
	/* aligned: every column's pages follow the largest one (PLAIN) */
	read_chunk(&wk, find(&wk, "root.ps.al", "")->offs[0], NULL, time);
	assert_true(time->n_pages >= 8 && time->n_pages <= 10);
	np = check_page_sizes(&wk, "root.ps.al", "plain", time, 1, pt);
	assert_int_equal(np, time->n_pages);
	for (int i = 0; i < PS_N; i++)
		assert_true(pt->t[i] == t[i] && pt->v[i] == plain[i]);
	assert_int_equal(check_page_sizes(&wk, "root.ps.al", "const", time, 0, pt), np);
	free(pt);
	free(time);
	walk_free(&wk);
}

/* Pages compressed by helper threads: the file is byte for byte the one
 * written without them. */
static void write_threads(const char *path, uint32_t threads)
{
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.page_max_points = 100;
	cfg.compress_threads = threads;
	tsfile_writer_t *w = open_w(path, &cfg);
	static const int codecs[] = {TSFILE_LZ4, TSFILE_ZSTD, TSFILE_GZIP, TSFILE_SNAPPY,
				     TSFILE_LZMA2, TSFILE_UNCOMPRESSED};
	enum { N = 2000, NC = LR_ARRAY_LEN(codecs) };
	static int64_t t[N];
	static double v[NC][N];
	static uint8_t nul[N];
	char names[NC][16];
	tsfile_measurement_t ms[NC];
	tsfile_column_t cols[NC];
	for (int i = 0; i < N; i++) {
		t[i] = i * 3;
		nul[i] = i % 7 == 3;
		for (int c = 0; c < NC; c++)
			v[c][i] = sin(i / (10.0 + c)) * 100;
	}
	for (int c = 0; c < NC; c++) {
		snprintf(names[c], sizeof names[c], "s%d", c);
		ms[c] = meas(names[c], TSFILE_DOUBLE, TSFILE_GORILLA, codecs[c]);
		OK(tsfile_writer_register(w, "root.th.tree", &ms[c], &err));
		cols[c] = (tsfile_column_t){names[c], TSFILE_DOUBLE, v[c], c % 2 ? nul : NULL};
	}
	OK(tsfile_writer_register_aligned(w, "root.th.al", ms, NC, &err));
	for (int off = 0; off < N; off += 500) {
		tsfile_tablet_t tb = {"root.th.tree", 500, t + off, NC, cols};
		for (int c = 0; c < NC; c++)
			cols[c].values = v[c] + off, cols[c].is_null = c % 2 ? nul + off : NULL;
		OK(tsfile_writer_write_tablet(w, &tb, &err));
		tb.target = "root.th.al";
		OK(tsfile_writer_write_tablet(w, &tb, &err));
	}
	OK(tsfile_writer_close(w, &err));
}

static void test_compress_threads(void **state)
{
	(void)state;
	size_t la, lb;
	write_threads(tmp_path("th0.tsfile"), 0);
	write_threads(tmp_path("th2.tsfile"), 2);
	uint8_t *a = slurp(tmp_path("th0.tsfile"), &la), *b = slurp(tmp_path("th2.tsfile"), &lb);
	assert_true(la > 20000);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
	walk_t wk;
	walk_file(tmp_path("th2.tsfile"), 256, &wk);
	pts_t *pt = calloc(1, sizeof(*pt));
	read_series(&wk, "root.th.tree", "s1", pt);
	assert_int_equal(pt->n, 2000 - 286); /* the null rows are not written */
	free(pt);
	walk_free(&wk);
}

/*---------------------------------------------------------------------------
 * Aligned devices
 *---------------------------------------------------------------------------*/

static void test_aligned_nulls(void **state)
{
	(void)state;
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.page_max_points = 4;
	const char *path = tmp_path("aligned.tsfile");
	tsfile_writer_t *w = open_w(path, &cfg);
	tsfile_measurement_t ms[3] = {meas("a", TSFILE_INT32, TSFILE_TS_2DIFF, TSFILE_LZ4),
				      meas("b", TSFILE_TEXT, TSFILE_PLAIN, TSFILE_SNAPPY),
				      meas("c", TSFILE_FLOAT, TSFILE_GORILLA, TSFILE_UNCOMPRESSED)};
	OK(tsfile_writer_register_aligned(w, "root.a.dev", ms, 3, &err));
	enum { N = 10 };
	int64_t t[N];
	int32_t a[N];
	tsfile_bytes_t b[N];
	float c[N];
	uint8_t an[N], bn[N], cn[N];
	char txt[N][16];
	for (int i = 0; i < N; i++) {
		t[i] = 1000 + i;
		a[i] = i * 7;
		snprintf(txt[i], sizeof txt[i], "v%d", i);
		b[i] = (tsfile_bytes_t){txt[i], (uint32_t)strlen(txt[i])};
		c[i] = 0;
		an[i] = i % 3 == 1;
		bn[i] = i >= 4 && i < 8; /* all of page 2 */
		cn[i] = 1;               /* the whole chunk */
	}
	tsfile_column_t cols[3] = {{"a", TSFILE_INT32, a, an}, {"b", TSFILE_TEXT, b, bn},
				   {"c", TSFILE_FLOAT, c, cn}};
	tsfile_tablet_t tb = {"root.a.dev", N, t, 3, cols};
	OK(tsfile_writer_write_tablet(w, &tb, &err));
	/* a record with only one measurement: the others are null in that row */
	tsfile_point_t p = {"a", {TSFILE_INT32, 0, {.i32 = -5}}};
	OK(tsfile_writer_write_record(w, "root.a.dev", 2000, &p, 1, &err));
	OK(tsfile_writer_close(w, &err));

	walk_t wk;
	walk_file(path, 256, &wk);
	/* c has no value at all: in the index with count 0, as Java and C++ do */
	const series_t *sc = find(&wk, "root.a.dev", "c");
	assert_non_null(sc);
	assert_int_equal(sc->count, 0);
	pts_t *time = calloc(1, sizeof(*time)), *pt = calloc(1, sizeof(*pt));
	const series_t *ts = find(&wk, "root.a.dev", "");
	assert_int_equal(ts->count, 11);
	read_chunk(&wk, ts->offs[0], NULL, time);
	assert_int_equal(time->marker, 0x81);
	assert_int_equal(time->n_pages, 3);
	read_series(&wk, "root.a.dev", "a", pt);
	assert_int_equal(pt->marker, 0x41);
	assert_int_equal(pt->n, 11);
	for (int i = 0; i < N; i++) {
		assert_int_equal(pt->t[i], 1000 + i);
		assert_int_equal(pt->null[i], an[i]);
		if (!an[i])
			assert_true(pt->v[i] == i * 7);
	}
	assert_true(pt->t[10] == 2000 && pt->v[10] == -5);
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "root.a.dev", "b", pt);
	for (int i = 0; i < N; i++) {
		assert_int_equal(pt->null[i], bn[i]);
		if (!bn[i])
			assert_true(pt->v[i] == i);
	}
	assert_true(pt->null[10]);
	/* the empty page of b is the single byte 0x00 after page 1 */
	const series_t *sb = find(&wk, "root.a.dev", "b");
	rd_t r;
	chunk_header_t h;
	page_header_t ph;
	rd_init(&r, wk.f + sb->offs[0], 64, sb->offs[0]);
	assert_int_equal(meta_chunk_header_read(&r, UINT64_MAX, wk.a, &h, &err), LARCH_OK);
	assert_int_equal(meta_page_header_read(&r, h.type, 1, wk.a, &ph, &err), LARCH_OK);
	rd_bytes(&r, ph.compressed_size);
	assert_int_equal(r.data[r.pos], 0x00);
	/* c's chunk is a 0x45 header with dataSize 0: every row null */
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "root.a.dev", "c", pt);
	assert_int_equal(pt->marker, 0x45);
	assert_int_equal(pt->data_size, 0);
	assert_int_equal(pt->n, 11);
	for (int i = 0; i < 11; i++)
		assert_true(pt->null[i]);
	free(time);
	free(pt);
	walk_free(&wk);
}

/*---------------------------------------------------------------------------
 * Table model
 *---------------------------------------------------------------------------*/

static void test_table_model(void **state)
{
	(void)state;
	const char *path = tmp_path("table.tsfile");
	tsfile_writer_t *w = open_w(path, NULL);
	tsfile_column_schema_t cs[4] = {
		{"Region", TSFILE_STRING, -1, -1, TSFILE_TAG},
		{"Id", TSFILE_STRING, -1, -1, TSFILE_TAG},
		{"Temp", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_LZ4, TSFILE_FIELD},
		{"N", TSFILE_INT64, TSFILE_PLAIN, -1, TSFILE_FIELD},
	};
	tsfile_table_schema_t ts = {"Weather", 4, cs};
	OK(tsfile_writer_register_table(w, &ts, &err));
	OK(tsfile_writer_register_table(w, &ts, &err)); /* same again: fine */
	tsfile_bytes_t reg[6] = {{"n", 1}, {"s", 1}, {"n", 1}, {"s", 1}, {"x", 1}, {"", 0}};
	uint8_t regn[6] = {0, 0, 0, 0, 0, 1};
	tsfile_bytes_t id[6] = {{"1", 1}, {"2", 1}, {"1", 1}, {"2", 1}, {"", 0}, {"9", 1}};
	uint8_t idn[6] = {0, 0, 0, 0, 1, 0};
	double temp[6] = {1.5, 2.5, 3.5, 4.5, 5.5, 6.5};
	int64_t n[6] = {1, 2, 3, 4, 5, 6};
	uint8_t nn[6] = {0, 1, 0, 0, 0, 0};
	int64_t t[6] = {10, 10, 20, 20, 30, 30};
	tsfile_column_t cols[4] = {{"TEMP", TSFILE_DOUBLE, temp, NULL}, {"region", TSFILE_STRING, reg, regn},
				   {"id", TSFILE_STRING, id, idn}, {"n", TSFILE_INT64, n, nn}};
	tsfile_tablet_t tb = {"WEATHER", 6, t, 4, cols};
	OK(tsfile_writer_write_table(w, &tb, &err));
	OK(tsfile_writer_close(w, &err));

	walk_t wk;
	walk_file(path, 256, &wk);
	assert_int_equal(wk.fm.n_tables, 1);
	const table_meta_t *tm = &wk.fm.tables[0];
	assert_string_equal(tm->name.ptr, "weather");
	assert_int_equal(tm->n_columns, 4);
	assert_string_equal(tm->columns[0].name.ptr, "region");
	assert_int_equal(tm->columns[0].category, TSFILE_TAG);
	assert_int_equal(tm->columns[0].type, TSFILE_STRING);
	assert_string_equal(tm->columns[2].name.ptr, "temp");
	assert_int_equal(tm->columns[2].encoding, TSFILE_GORILLA);
	assert_int_equal(tm->columns[3].category, TSFILE_FIELD);
	assert_int_equal(wk.fm.n_roots, 1);
	assert_string_equal(wk.fm.roots[0].table.ptr, "weather");
	/* devices: [weather,n,1] [weather,s,2] [weather,x] (trailing null dropped)
	 * and [weather,null,9] (an inner null stays) */
	pts_t *pt = calloc(1, sizeof(*pt));
	read_series(&wk, "weather.n.1", "temp", pt);
	assert_int_equal(pt->n, 2);
	assert_true(pt->t[0] == 10 && pt->v[0] == 1.5 && pt->t[1] == 20 && pt->v[1] == 3.5);
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "weather.s.2", "n", pt);
	assert_int_equal(pt->n, 2);
	assert_true(pt->null[0] && !pt->null[1] && pt->v[1] == 4);
	const series_t *x = find(&wk, "weather.x", "");
	assert_non_null(x);
	assert_int_equal(x->dev.n, 2);
	const series_t *nul = find(&wk, "weather.null.9", "temp");
	assert_non_null(nul);
	assert_int_equal(nul->dev.n, 3);
	assert_null(nul->dev.segs[1].ptr);
	/* null sorts first among the devices */
	assert_string_equal(wk.s[0].path, "weather.null.9");
	free(pt);
	walk_free(&wk);
}

/*---------------------------------------------------------------------------
 * Validation: a rejected write changes nothing
 *---------------------------------------------------------------------------*/

static void test_write_validation(void **state)
{
	(void)state;
	const char *path = tmp_path("validate.tsfile");
	tsfile_writer_t *w = open_w(path, NULL);
	tsfile_measurement_t x = meas("x", TSFILE_INT64, TSFILE_PLAIN, TSFILE_UNCOMPRESSED);
	tsfile_measurement_t y = meas("y", TSFILE_DOUBLE, TSFILE_PLAIN, TSFILE_UNCOMPRESSED);
	OK(tsfile_writer_register(w, "root.v.d", &x, &err));
	OK(tsfile_writer_register(w, "root.v.d", &y, &err));
	OK(tsfile_writer_register_aligned(w, "root.v.al", &x, 1, &err));
	OK(rec_i64(w, "root.v.d", 10, "x", 1));
	OK(rec_f64(w, "root.v.d", 5, "y", 1)); /* each series has its own order */
	/* not after the last time of x */
	assert_int_equal(rec_i64(w, "root.v.d", 10, "x", 2), LARCH_WRITE_ERROR);
	assert_int_equal(err.code, LARCH_WRITE_ERROR);
	/* y is fine at 7 but x is not: the whole record is refused */
	tsfile_point_t p[2] = {{"y", {TSFILE_DOUBLE, 0, {.d = 9}}}, {"x", {TSFILE_INT64, 0, {.i64 = 9}}}};
	assert_int_equal(tsfile_writer_write_record(w, "root.v.d", 7, p, 2, &err), LARCH_WRITE_ERROR);
	/* wrong type, unknown measurement, unknown device, twice the same */
	p[0].value.type = TSFILE_INT32;
	assert_int_equal(tsfile_writer_write_record(w, "root.v.d", 50, p, 2, &err),
			 LARCH_DATA_TYPE_MISMATCH);
	p[0] = (tsfile_point_t){"zz", {TSFILE_DOUBLE, 0, {.d = 1}}};
	assert_int_equal(tsfile_writer_write_record(w, "root.v.d", 50, p, 2, &err),
			 LARCH_PATH_NOT_EXIST);
	assert_int_equal(rec_i64(w, "root.v.nope", 50, "x", 1), LARCH_PATH_NOT_EXIST);
	assert_int_equal(rec_i64(w, "root..bad", 50, "x", 1), LARCH_ILLEGAL_PATH);
	p[0] = p[1];
	assert_int_equal(tsfile_writer_write_record(w, "root.v.d", 50, p, 2, &err),
			 LARCH_ILLEGAL_PARAMETER);
	/* null points are skipped */
	p[0].value.is_null = 1;
	p[1].value.is_null = 1;
	OK(tsfile_writer_write_record(w, "root.v.d", 3, p, 2, &err));

	/* tablets: times must increase; one bad column rejects all of it */
	int64_t t[3] = {20, 30, 30};
	int64_t xv[3] = {1, 2, 3};
	double yv[3] = {1, 2, 3};
	tsfile_column_t cols[2] = {{"y", TSFILE_DOUBLE, yv, NULL}, {"x", TSFILE_INT64, xv, NULL}};
	tsfile_tablet_t tb = {"root.v.d", 3, t, 2, cols};
	assert_int_equal(tsfile_writer_write_tablet(w, &tb, &err), LARCH_WRITE_ERROR);
	t[2] = 40;
	cols[1].type = TSFILE_INT32;
	assert_int_equal(tsfile_writer_write_tablet(w, &tb, &err), LARCH_DATA_TYPE_MISMATCH);
	cols[1].type = TSFILE_INT64;
	t[0] = 10; /* x already has 10 */
	assert_int_equal(tsfile_writer_write_tablet(w, &tb, &err), LARCH_WRITE_ERROR);
	uint8_t xnull[3] = {1, 0, 0}; /* ... unless that row of x is null */
	cols[1].is_null = xnull;
	OK(tsfile_writer_write_tablet(w, &tb, &err));
	/* aligned: the device's rows must increase */
	OK(rec_i64(w, "root.v.al", 100, "x", 1));
	assert_int_equal(rec_i64(w, "root.v.al", 100, "x", 2), LARCH_WRITE_ERROR);
	/* tree writes to a table device and the reverse are refused */
	tsfile_column_schema_t cs[2] = {{"tag", TSFILE_STRING, -1, -1, TSFILE_TAG},
					{"x", TSFILE_INT64, TSFILE_PLAIN, -1, TSFILE_FIELD}};
	tsfile_table_schema_t ts = {"root", 2, cs};
	OK(tsfile_writer_register_table(w, &ts, &err));
	tsfile_bytes_t tag[1] = {{"vd", 2}};
	tsfile_column_t tcols[2] = {{"tag", TSFILE_STRING, tag, NULL}, {"x", TSFILE_INT64, xv, NULL}};
	tsfile_tablet_t ttb = {"root", 1, t, 2, tcols};
	OK(tsfile_writer_write_table(w, &ttb, &err)); /* device [root, vd] is new */
	assert_int_equal(rec_i64(w, "root.vd", 500, "x", 1), LARCH_METADATA_ERROR);
	/* a back-quoted node that is not an identifier keeps its quotes */
	assert_int_equal(rec_i64(w, "root.`v.d`", 500, "x", 1), LARCH_PATH_NOT_EXIST);
	tsfile_tablet_t bad = {"nosuch", 1, t, 2, tcols};
	assert_int_equal(tsfile_writer_write_table(w, &bad, &err), LARCH_PATH_NOT_EXIST);
	tcols[1].type = TSFILE_DOUBLE;
	tcols[1].values = yv;
	assert_int_equal(tsfile_writer_write_table(w, &ttb, &err), LARCH_DATA_TYPE_MISMATCH);
	OK(tsfile_writer_close(w, &err));

	walk_t wk;
	walk_file(path, 256, &wk);
	pts_t *pt = calloc(1, sizeof(*pt));
	read_series(&wk, "root.v.d", "x", pt);
	assert_int_equal(pt->n, 3); /* 10, then 30 and 40 from the tablet */
	assert_true(pt->t[0] == 10 && pt->t[1] == 30 && pt->t[2] == 40);
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "root.v.d", "y", pt);
	assert_int_equal(pt->n, 4); /* 5, then 10, 30, 40 */
	assert_true(pt->t[0] == 5 && pt->t[1] == 10);
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "root.v.al", "x", pt);
	assert_int_equal(pt->n, 1);
	free(pt);
	walk_free(&wk);
}

static void test_registration_conflicts(void **state)
{
	(void)state;
	const char *path = tmp_path("register.tsfile");
	tsfile_writer_t *w = open_w(path, NULL);
	tsfile_measurement_t a = meas("a", TSFILE_INT64, -1, -1);
	tsfile_measurement_t a_dbl = meas("a", TSFILE_DOUBLE, -1, -1);
	tsfile_measurement_t a_enc = meas("a", TSFILE_INT64, TSFILE_PLAIN, -1);
	tsfile_measurement_t a_codec = meas("a", TSFILE_INT64, -1, TSFILE_GZIP);
	OK(tsfile_writer_register(w, "root.r.d", &a, &err));
	OK(tsfile_writer_register(w, "root.r.d", &a, &err)); /* again: no-op */
	/* defaults resolved: TS_2DIFF + LZ4 explicitly is the same thing */
	tsfile_measurement_t a_same = meas("a", TSFILE_INT64, TSFILE_TS_2DIFF, TSFILE_LZ4);
	OK(tsfile_writer_register(w, "root.r.d", &a_same, &err));
	assert_int_equal(tsfile_writer_register(w, "root.r.d", &a_dbl, &err), LARCH_METADATA_ERROR);
	assert_int_equal(err.code, LARCH_METADATA_ERROR);
	assert_int_equal(tsfile_writer_register(w, "root.r.d", &a_enc, &err), LARCH_METADATA_ERROR);
	assert_int_equal(tsfile_writer_register(w, "root.r.d", &a_codec, &err), LARCH_METADATA_ERROR);
	/* nothing changed: INT64 writes still work, DOUBLE ones do not */
	OK(rec_i64(w, "root.r.d", 1, "a", 1));
	assert_int_equal(rec_f64(w, "root.r.d", 2, "a", 1), LARCH_DATA_TYPE_MISMATCH);
	/* aligned vs non-aligned */
	assert_int_equal(tsfile_writer_register_aligned(w, "root.r.d", &a, 1, &err),
			 LARCH_METADATA_ERROR);
	OK(tsfile_writer_register_aligned(w, "root.r.al", &a, 1, &err));
	assert_int_equal(tsfile_writer_register(w, "root.r.al", &a, &err), LARCH_METADATA_ERROR);
	/* adding to an aligned device; a conflict among the new ones changes nothing */
	tsfile_measurement_t two[2] = {meas("b", TSFILE_TEXT, -1, -1), a_dbl};
	assert_int_equal(tsfile_writer_register_aligned(w, "root.r.al", two, 2, &err),
			 LARCH_METADATA_ERROR);
	tsfile_point_t pb = {"b", {TSFILE_TEXT, 0, {.bytes = {"q", 1}}}};
	assert_int_equal(tsfile_writer_write_record(w, "root.r.al", 5, &pb, 1, &err),
			 LARCH_PATH_NOT_EXIST);
	two[1] = a;
	OK(tsfile_writer_register_aligned(w, "root.r.al", two, 2, &err));
	OK(tsfile_writer_write_record(w, "root.r.al", 5, &pb, 1, &err));
	/* file-wide measurements */
	OK(tsfile_writer_register(w, NULL, &a_dbl, &err));
	assert_int_equal(tsfile_writer_register(w, NULL, &a, &err), LARCH_METADATA_ERROR);
	OK(rec_f64(w, "root.r.other", 1, "a", 2.5));
	/* bad arguments */
	tsfile_measurement_t bad = meas("", TSFILE_INT64, -1, -1);
	assert_int_equal(tsfile_writer_register(w, "root.r.d", &bad, &err), LARCH_ILLEGAL_PARAMETER);
	bad = meas("t", TSFILE_TEXT, TSFILE_GORILLA, -1);
	assert_int_equal(tsfile_writer_register(w, "root.r.d", &bad, &err), LARCH_ILLEGAL_PARAMETER);
	bad = meas("t", TSFILE_VECTOR, -1, -1);
	assert_int_equal(tsfile_writer_register(w, "root.r.d", &bad, &err), LARCH_ILLEGAL_PARAMETER);
	bad = meas("t", TSFILE_INT64, -1, 5);
	assert_int_equal(tsfile_writer_register(w, "root.r.d", &bad, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(tsfile_writer_register(w, "root.r.`x", &a, &err), LARCH_ILLEGAL_PATH);
	/* tables */
	tsfile_column_schema_t cs[2] = {{"tag", TSFILE_STRING, -1, -1, TSFILE_TAG},
					{"f", TSFILE_INT64, -1, -1, TSFILE_FIELD}};
	tsfile_table_schema_t ts = {"T", 2, cs};
	OK(tsfile_writer_register_table(w, &ts, &err));
	cs[1].type = TSFILE_DOUBLE;
	assert_int_equal(tsfile_writer_register_table(w, &ts, &err), LARCH_METADATA_ERROR);
	cs[1].type = TSFILE_INT64;
	cs[0].type = TSFILE_INT32; /* TAG columns are STRING */
	assert_int_equal(tsfile_writer_register_table(w, &ts, &err), LARCH_ILLEGAL_PARAMETER);
	cs[0].type = TSFILE_STRING;
	cs[1].name = "TAG";
	ts.name = "u";
	assert_int_equal(tsfile_writer_register_table(w, &ts, &err), LARCH_ILLEGAL_PARAMETER);
	OK(tsfile_writer_close(w, &err));
	walk_t wk;
	walk_file(path, 256, &wk);
	assert_int_equal(wk.fm.n_tables, 1); /* "t" only: the failed "u" left nothing */
	assert_string_equal(wk.fm.tables[0].name.ptr, "t");
	assert_non_null(find(&wk, "root.r.other", "a"));
	assert_int_equal(find(&wk, "root.r.al", "b")->count, 1);
	walk_free(&wk);
}

/*---------------------------------------------------------------------------
 * Force append
 *---------------------------------------------------------------------------*/

/* A file with a non-aligned, an aligned and a table device. */
static void write_base(const char *path, int close_it, tsfile_writer_t **keep)
{
	tsfile_writer_t *w = open_w(path, NULL);
	tsfile_measurement_t x = meas("x", TSFILE_INT64, TSFILE_TS_2DIFF, TSFILE_LZ4);
	tsfile_measurement_t al[2] = {meas("p", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_LZ4),
				      meas("q", TSFILE_INT32, TSFILE_PLAIN, TSFILE_UNCOMPRESSED)};
	OK(tsfile_writer_register(w, "root.f.d", &x, &err));
	OK(tsfile_writer_register_aligned(w, "root.f.al", al, 2, &err));
	tsfile_column_schema_t cs[2] = {{"tag", TSFILE_STRING, -1, -1, TSFILE_TAG},
					{"f", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_LZ4, TSFILE_FIELD}};
	tsfile_table_schema_t ts = {"tb", 2, cs};
	OK(tsfile_writer_register_table(w, &ts, &err));
	for (int i = 0; i < 5; i++) {
		OK(rec_i64(w, "root.f.d", i, "x", i));
		tsfile_point_t p[2] = {{"p", {TSFILE_DOUBLE, 0, {.d = i + 0.5}}},
				       {"q", {TSFILE_INT32, i == 2, {.i32 = i}}}};
		OK(tsfile_writer_write_record(w, "root.f.al", i, p, 2, &err));
	}
	tsfile_bytes_t tag[2] = {{"k", 1}, {"k", 1}};
	double f[2] = {7.5, 8.5};
	int64_t t[2] = {1, 2};
	tsfile_column_t cols[2] = {{"tag", TSFILE_STRING, tag, NULL}, {"f", TSFILE_DOUBLE, f, NULL}};
	tsfile_tablet_t tb = {"tb", 2, t, 2, cols};
	OK(tsfile_writer_write_table(w, &tb, &err));
	if (close_it) {
		OK(tsfile_writer_close(w, &err));
	} else {
		OK(tsfile_writer_flush(w, &err));
		*keep = w;
	}
}

/* Append to `path` a second batch, re-registering first; checks the
 * conflicts on the way. */
static void append_more(const char *path)
{
	tsfile_writer_t *w = NULL;
	OK(tsfile_writer_open_append(path, NULL, &w, &err));
	/* not registered again yet */
	assert_int_equal(rec_i64(w, "root.f.d", 100, "x", 1), LARCH_PATH_NOT_EXIST);
	tsfile_measurement_t xd = meas("x", TSFILE_DOUBLE, -1, -1);
	assert_int_equal(tsfile_writer_register(w, "root.f.d", &xd, &err), LARCH_METADATA_ERROR);
	assert_int_equal(tsfile_writer_register(w, "root.f.al", &xd, &err), LARCH_METADATA_ERROR);
	tsfile_measurement_t x = meas("x", TSFILE_INT64, TSFILE_PLAIN, TSFILE_UNCOMPRESSED);
	OK(tsfile_writer_register(w, "root.f.d", &x, &err)); /* the type is what counts */
	tsfile_measurement_t p = meas("p", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_LZ4);
	OK(tsfile_writer_register_aligned(w, "root.f.al", &p, 1, &err));
	OK(rec_i64(w, "root.f.d", 100, "x", 100));
	OK(rec_f64(w, "root.f.al", 100, "p", 100.5));
	tsfile_column_schema_t cs[2] = {{"tag", TSFILE_STRING, -1, -1, TSFILE_TAG},
					{"f", TSFILE_INT32, -1, -1, TSFILE_FIELD}};
	tsfile_table_schema_t ts = {"tb", 2, cs};
	assert_int_equal(tsfile_writer_register_table(w, &ts, &err), LARCH_METADATA_ERROR);
	cs[1].type = TSFILE_DOUBLE;
	OK(tsfile_writer_register_table(w, &ts, &err));
	tsfile_bytes_t tag[1] = {{"k", 1}};
	double f[1] = {9.5};
	int64_t t[1] = {100};
	tsfile_column_t cols[2] = {{"tag", TSFILE_STRING, tag, NULL}, {"f", TSFILE_DOUBLE, f, NULL}};
	tsfile_tablet_t tb = {"tb", 1, t, 2, cols};
	OK(tsfile_writer_write_table(w, &tb, &err));
	OK(tsfile_writer_close(w, &err));
}

static void check_appended(const char *path, int groups, uint32_t tables)
{
	walk_t wk;
	walk_file(path, 256, &wk);
	pts_t *pt = calloc(1, sizeof(*pt));
	const series_t *s = find(&wk, "root.f.d", "x");
	assert_int_equal(s->n_chunks, groups);
	read_series(&wk, "root.f.d", "x", pt);
	assert_int_equal(pt->n, groups == 2 ? 6 : 5);
	assert_true(pt->t[4] == 4 && pt->v[4] == 4);
	if (groups == 2)
		assert_true(pt->t[5] == 100 && pt->v[5] == 100);
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "root.f.al", "q", pt); /* not written again: null at 100 */
	assert_int_equal(pt->n, groups == 2 ? 6 : 5);
	assert_true(pt->null[2] && !pt->null[3] && pt->v[3] == 3);
	if (groups == 2)
		assert_true(pt->t[5] == 100 && pt->null[5]);
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "root.f.al", "p", pt);
	assert_true(pt->v[0] == 0.5);
	if (groups == 2)
		assert_true(pt->v[5] == 100.5);
	memset(pt, 0, sizeof(*pt));
	read_series(&wk, "tb.k", "f", pt);
	assert_int_equal(pt->n, groups == 2 ? 3 : 2);
	assert_int_equal(wk.fm.n_tables, tables);
	if (tables)
		assert_string_equal(wk.fm.tables[0].name.ptr, "tb");
	free(pt);
	walk_free(&wk);
}

static void test_append_closed(void **state)
{
	(void)state;
	const char *path = tmp_path("append.tsfile");
	write_base(path, 1, NULL);
	check_appended(path, 1, 1);
	append_more(path);
	check_appended(path, 2, 1);
	/* appending with nothing new keeps the data and the table schema */
	tsfile_writer_t *w = NULL;
	OK(tsfile_writer_open_append(path, NULL, &w, &err));
	OK(tsfile_writer_close(w, &err));
	check_appended(path, 2, 1);
}

static void test_append_unfinished(void **state)
{
	(void)state;
	const char *path = tmp_path("crashed.tsfile");
	tsfile_writer_t *w;
	write_base(path, 0, &w);
	tsfile_writer_abort(w); /* chunk groups but no index */
	size_t len;
	uint8_t *f = slurp(path, &len);
	assert_memory_equal(f, "TsFile\x04", 7);
	assert_memory_not_equal(f + len - 6, "TsFile", 6);
	/* a torn write: half of another chunk group after the good ones */
	uint8_t *torn = malloc(len + 20);
	memcpy(torn, f, len);
	memcpy(torn + len, f + 7, 20);
	spit(path, torn, len + 20);
	append_more(path);
	check_appended(path, 2, 1);

	/* an unfinished file cut inside its last chunk group: only the
	 * complete groups survive (here: none but the first device's) */
	spit(path, f, len);
	w = NULL;
	OK(tsfile_writer_open_append(path, NULL, &w, &err));
	OK(tsfile_writer_close(w, &err));
	check_appended(path, 1, 0); /* no footer: the table schema was lost */
	size_t cut = 0;
	for (size_t i = len - 4; i > 7; i--)
		if (f[i] == 0x00 && f[i + 1] == 0x02 && f[i + 2] == 0x04 && f[i + 3] == 't') {
			cut = i; /* the table device's group */
			break;
		}
	assert_true(cut > 0);
	spit(path, f, cut + 9);
	w = NULL;
	OK(tsfile_writer_open_append(path, NULL, &w, &err));
	assert_int_equal(tsfile_writer_file_size(w), cut);
	OK(tsfile_writer_close(w, &err));
	walk_t wk;
	walk_file(path, 256, &wk);
	assert_null(find(&wk, "tb.k", "f"));
	assert_non_null(find(&wk, "root.f.d", "x"));
	walk_free(&wk);

	/* not a TsFile at all */
	spit(path, (const uint8_t *)"hello", 5);
	w = NULL;
	assert_int_equal(tsfile_writer_open_append(path, NULL, &w, &err), LARCH_CORRUPTED);
	assert_null(w);
	free(f);
	free(torn);
}

static void test_append_corrupted_index(void **state)
{
	(void)state;
	const char *path = tmp_path("badindex.tsfile");
	write_base(path, 1, NULL);
	size_t len;
	uint8_t *f = slurp(path, &len);
	/* flip bytes all over the index area: open_append must fail cleanly or
	 * succeed, never crash */
	uint32_t size = load_be32(f + len - 10);
	size_t foot = len - 10 - size;
	for (size_t i = foot - 200; i < len - 10; i += 3) {
		uint8_t *g = malloc(len);
		memcpy(g, f, len);
		g[i] ^= 0x5a;
		spit(path, g, len);
		tsfile_writer_t *w = NULL;
		int rc = tsfile_writer_open_append(path, NULL, &w, &err);
		assert_true(rc == LARCH_OK || rc == LARCH_CORRUPTED);
		if (rc == LARCH_OK)
			tsfile_writer_abort(w);
		free(g);
	}
	free(f);
}

/*---------------------------------------------------------------------------
 * Out of memory: every allocation failing in turn
 *---------------------------------------------------------------------------*/

static int oom_scenario(const char *path)
{
	tsfile_writer_t *w = NULL;
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.page_max_points = 3;
	int rc = tsfile_writer_open(path, &cfg, &w, &err);
	if (rc)
		return rc;
	tsfile_measurement_t x = meas("x", TSFILE_INT64, TSFILE_PLAIN, TSFILE_UNCOMPRESSED);
	tsfile_measurement_t al[2] = {meas("p", TSFILE_TEXT, TSFILE_PLAIN, TSFILE_UNCOMPRESSED),
				      meas("q", TSFILE_INT32, TSFILE_PLAIN, TSFILE_UNCOMPRESSED)};
	tsfile_column_schema_t cs[2] = {{"tag", TSFILE_STRING, -1, -1, TSFILE_TAG},
					{"f", TSFILE_INT64, TSFILE_PLAIN, TSFILE_UNCOMPRESSED,
					 TSFILE_FIELD}};
	tsfile_table_schema_t ts = {"tb", 2, cs};
	tsfile_bytes_t tag[4] = {{"a", 1}, {"b", 1}, {"a", 1}, {"b", 1}};
	tsfile_bytes_t txt[4] = {{"x", 1}, {"yy", 2}, {"zzz", 3}, {"w", 1}};
	int64_t t[4] = {1, 2, 3, 4}, v[4] = {5, 6, 7, 8};
	int32_t q[4] = {1, 2, 3, 4};
	uint8_t qn[4] = {0, 1, 0, 1};
	tsfile_column_t tcols[2] = {{"tag", TSFILE_STRING, tag, NULL}, {"f", TSFILE_INT64, v, NULL}};
	tsfile_tablet_t ttb = {"tb", 4, t, 2, tcols};
	tsfile_column_t acols[2] = {{"p", TSFILE_TEXT, txt, NULL}, {"q", TSFILE_INT32, q, qn}};
	tsfile_tablet_t atb = {"root.o.al", 4, t, 2, acols};
	if (!(rc = tsfile_writer_register(w, "root.o.d", &x, &err)) &&
	    !(rc = tsfile_writer_register_aligned(w, "root.o.al", al, 2, &err)) &&
	    !(rc = tsfile_writer_register_table(w, &ts, &err)) &&
	    !(rc = rec_i64(w, "root.o.d", 1, "x", 1)) &&
	    !(rc = tsfile_writer_write_tablet(w, &atb, &err)) &&
	    !(rc = tsfile_writer_write_table(w, &ttb, &err)) &&
	    !(rc = tsfile_writer_flush(w, &err)) &&
	    !(rc = rec_i64(w, "root.o.d", 2, "x", 2)))
		return tsfile_writer_close(w, &err);
	tsfile_writer_abort(w);
	return rc;
}

static void test_out_of_memory(void **state)
{
	(void)state;
	const char *path = tmp_path("oom.tsfile");
	size_t base = mem_used();
	int done = 0;
	for (long n = 0; n < 5000 && !done; n++) {
		mem_fail_after(n);
		int rc = oom_scenario(path);
		mem_fail_after(-1);
		assert_int_equal(mem_used(), base); /* nothing leaked, whatever failed */
		if (rc == LARCH_OK)
			done = 1;
		else
			assert_int_equal(rc, LARCH_NO_MEMORY);
	}
	assert_true(done);
	/* force append under memory failure too */
	done = 0;
	for (long n = 0; n < 5000 && !done; n++) {
		tsfile_writer_t *w = NULL;
		mem_fail_after(n);
		int rc = tsfile_writer_open_append(path, NULL, &w, &err);
		mem_fail_after(-1);
		if (rc == LARCH_OK) {
			done = 1;
			OK(tsfile_writer_close(w, &err));
		} else {
			assert_int_equal(rc, LARCH_NO_MEMORY);
		}
		assert_int_equal(mem_used(), base);
	}
	assert_true(done);
	walk_t wk;
	walk_file(path, 256, &wk);
	assert_int_equal(find(&wk, "root.o.d", "x")->count, 2);
	assert_int_equal(find(&wk, "root.o.al", "q")->count, 2);
	walk_free(&wk);
}

static void test_misc(void **state)
{
	(void)state;
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	assert_int_equal(cfg.page_max_points, 10000);
	assert_int_equal(cfg.page_max_bytes, 65536);
	assert_int_equal(cfg.chunk_group_max_bytes, 128u << 20);
	assert_int_equal(cfg.default_encoding[TSFILE_BOOLEAN], TSFILE_PLAIN);
	assert_int_equal(cfg.default_encoding[TSFILE_DOUBLE], TSFILE_GORILLA);
	assert_int_equal(cfg.default_encoding[TSFILE_STRING], TSFILE_PLAIN);
	assert_int_equal(cfg.max_index_degree, 256);
	tsfile_writer_t *w = NULL;
	cfg.max_index_degree = 1;
	assert_int_equal(tsfile_writer_open(tmp_path("x.tsfile"), &cfg, &w, &err),
			 LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(tsfile_writer_open("/nonexistent/dir/x.tsfile", NULL, &w, &err),
			 LARCH_STORAGE_ERROR);
	/* an empty file is still a valid TsFile */
	const char *path = tmp_path("empty.tsfile");
	w = open_w(path, NULL);
	assert_int_equal(tsfile_writer_file_size(w), 7);
	OK(tsfile_writer_close(w, &err));
	walk_t wk;
	walk_file(path, 256, &wk);
	assert_int_equal(wk.n, 0);
	assert_int_equal(wk.fm.n_roots, 0);
	walk_free(&wk);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/larch_writer_XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_matches_official_bytes),
		cmocka_unit_test(test_index_small_degree),
		cmocka_unit_test(test_index_many_devices),
		cmocka_unit_test(test_pages_and_groups),
		cmocka_unit_test(test_chunk_group_threshold),
		cmocka_unit_test(test_page_size_encoded),
		cmocka_unit_test(test_compress_threads),
		cmocka_unit_test(test_aligned_nulls),
		cmocka_unit_test(test_table_model),
		cmocka_unit_test(test_write_validation),
		cmocka_unit_test(test_registration_conflicts),
		cmocka_unit_test(test_append_closed),
		cmocka_unit_test(test_append_unfinished),
		cmocka_unit_test(test_append_corrupted_index),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_misc),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
