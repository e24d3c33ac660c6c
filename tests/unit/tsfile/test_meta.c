/*
 * Unit tests for src/tsfile/meta.c: device IDs (path split, order, joins),
 * chunk group / chunk / page headers, TimeseriesMetadata, MetadataIndexNode
 * and TsFileMetadata — round trips, bytes against the official writer's
 * output (the annotated fixture of reference §13, regenerated with the PyPI
 * tsfile 2.5.0 wheel: see test_writer.c), and hostile input (every
 * truncation and random corruption must give LARCH_CORRUPTED or a valid
 * parse, never a crash or an out-of-bounds read).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tsfile/meta.h"

static arena_t *A;

static int setup(void **state)
{
	(void)state;
	A = arena_new(0);
	return A ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(A);
	return 0;
}

static meta_str_t S(const char *s)
{
	meta_str_t m = {s, s ? (uint32_t)strlen(s) : 0};
	return m;
}

static void hex_to_buf(const char *hex, buf_t *b)
{
	buf_reset(b);
	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
		unsigned v;
		assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
		buf_put_u8(b, (uint8_t)v);
	}
}

static int contains(const buf_t *b, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Split path and compare with the expected segments (NULL-terminated). */
static void check_split(const char *path, const char *const *want)
{
	device_id_t d;
	larch_error_t err = {0, ""};
	assert_int_equal(meta_device_from_path(path, strlen(path), 4, A, &d, &err), LARCH_OK);
	size_t n = 0;
	while (want[n])
		n++;
	assert_int_equal(d.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d.segs[i].len, strlen(want[i]));
		assert_memory_equal(d.segs[i].ptr, want[i], d.segs[i].len);
	}
}

static void test_device_split(void **state)
{
	(void)state;
	check_split("root", (const char *[]){"root", NULL});
	check_split("root.d1", (const char *[]){"root", "d1", NULL});
	check_split("root.sg.d1", (const char *[]){"root.sg", "d1", NULL});
	check_split("root.sg.a.b", (const char *[]){"root.sg.a", "b", NULL});
	check_split("root.sg.a.b.c", (const char *[]){"root.sg.a", "b", "c", NULL});
	/* back-quoted nodes: an identifier loses its quotes, others keep them */
	check_split("root.sg.`d1`", (const char *[]){"root.sg", "d1", NULL});
	check_split("root.sg.`a.b`", (const char *[]){"root.sg", "`a.b`", NULL});
	check_split("root.sg.`123`", (const char *[]){"root.sg", "`123`", NULL});
	check_split("root.sg.`1e5`", (const char *[]){"root.sg", "`1e5`", NULL});
	check_split("root.sg.`x1`", (const char *[]){"root.sg", "x1", NULL});
	check_split("root.`a``b`.c.d", (const char *[]){"root.`a``b`.c", "d", NULL});
	check_split("root.sg.`a.b`.x.y", (const char *[]){"root.sg.`a.b`", "x", "y", NULL});

	const char *bad[] = {"", "root..a", "root.", ".root", "root.`abc", "root.a`b", "root.``",
			     "root.`a`b"};
	for (size_t i = 0; i < LR_ARRAY_LEN(bad); i++) {
		device_id_t d;
		larch_error_t err = {0, ""};
		assert_int_equal(meta_device_from_path(bad[i], strlen(bad[i]), 4, A, &d, &err),
				 LARCH_ILLEGAL_PATH);
		assert_int_equal(err.code, LARCH_ILLEGAL_PATH);
	}
	/* v3: one segment holding the path */
	device_id_t d;
	assert_int_equal(meta_device_from_path("root.sg.a.b", 11, 3, A, &d, NULL), LARCH_OK);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.segs[0].ptr, "root.sg.a.b");
}

static void test_device_roundtrip_and_join(void **state)
{
	(void)state;
	meta_str_t segs[3] = {S("t1"), S(NULL), S("b")};
	device_id_t d = {3, segs};
	buf_t b = BUF_INIT;
	meta_device_write(&b, &d, 4);
	/* uvarint 3, vstr "t1", null (-1 = 0x01), vstr "b" */
	assert_int_equal(b.len, 1 + 3 + 1 + 2);
	assert_memory_equal(b.data, "\x03\x04t1\x01\x02" "b", b.len);
	rd_t r;
	device_id_t back;
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_device_read(&r, 4, A, &back, NULL), LARCH_OK);
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(meta_device_cmp(&d, &back), 0);
	assert_null(back.segs[1].ptr);
	assert_string_equal(meta_device_path(&back, A), "t1.null.b");

	/* v3: the dotted path as one vstr */
	buf_reset(&b);
	meta_device_write(&b, &d, 3);
	assert_memory_equal(b.data, "\x12t1.null.b", b.len);
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_device_read(&r, 3, A, &back, NULL), LARCH_OK);
	assert_int_equal(back.n, 1);
	assert_string_equal(back.segs[0].ptr, "t1.null.b");

	/* a count of 0 reads as [""] */
	rd_init(&r, "\x00", 1, 0);
	assert_int_equal(meta_device_read(&r, 4, A, &back, NULL), LARCH_OK);
	assert_int_equal(back.n, 1);
	assert_int_equal(back.segs[0].len, 0);
	assert_non_null(back.segs[0].ptr);
	buf_free(&b);
}

static void test_device_order(void **state)
{
	(void)state;
	meta_str_t a1[] = {S("root.sg"), S("d1")}, a2[] = {S("root.sg"), S("d2")};
	meta_str_t a3[] = {S("root.sg")}, a4[] = {S("root.sg"), S(NULL)};
	meta_str_t a5[] = {S("root.sg"), S("")}, a6[] = {S("root.sg"), S("d1"), S("x")};
	device_id_t d1 = {2, a1}, d2 = {2, a2}, d3 = {1, a3}, d4 = {2, a4}, d5 = {2, a5},
		    d6 = {3, a6};
	assert_true(meta_device_cmp(&d1, &d2) < 0);
	assert_true(meta_device_cmp(&d3, &d1) < 0); /* a prefix sorts first */
	assert_true(meta_device_cmp(&d4, &d5) < 0); /* null before "" */
	assert_true(meta_device_cmp(&d5, &d1) < 0);
	assert_true(meta_device_cmp(&d1, &d6) < 0);
	assert_true(meta_device_cmp(&d6, &d2) < 0);
	assert_int_equal(meta_device_cmp(&d6, &d6), 0);

	/* Java String.compareTo is UTF-16 order: U+10000 (a surrogate pair,
	 * D800 DC00) sorts before U+FFFF although its UTF-8 bytes are larger */
	meta_str_t sup = S("\xF0\x90\x80\x80"), bmp = S("\xEF\xBF\xBF"), e9 = S("\xC3\xA9");
	assert_true(meta_str_cmp(&sup, &bmp) < 0);
	assert_true(meta_str_cmp(&bmp, &sup) > 0);
	assert_true(meta_str_cmp(&e9, &sup) < 0);
	meta_str_t x = S("a"), y = S("ab"), z = S("b");
	assert_true(meta_str_cmp(&x, &y) < 0);
	assert_true(meta_str_cmp(&y, &z) < 0);
}

/* Bytes of the §13 fixture (PyPI tsfile 2.5.0 output), by structure. */
#define FX_GROUP "00020e726f6f742e7367046431"
#define FX_CHUNK_S1 "050473311e010000"
#define FX_TSM_S1 \
	"0004733101080300000000000003e800000000000003fc00000001000000030000000100000003000000" \
	"00000000060000000000000014"
#define FX_LEAF "01047331000000000000007100000000000000ef03"
#define FX_FILE_META \
	"010e726f6f742e736701020e726f6f742e736704643100000000000000ef000000000000010401000000" \
	"0000000000701f0000020010800000000000400020000000000000000000400006400000008080020506" \
	"14656e63727970744b65790116656e6372797074547970654a6f72672e6170616368652e747366696c65" \
	"2e656e63727970742e554e454e4352595054454418656e63727970744c6576656c0230"

static void test_headers_match_fixture(void **state)
{
	(void)state;
	buf_t want = BUF_INIT, got = BUF_INIT;
	meta_str_t segs[2] = {S("root.sg"), S("d1")};
	device_id_t d = {2, segs};
	meta_chunk_group_header_write(&got, &d, 4);
	hex_to_buf(FX_GROUP, &want);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);

	rd_t r;
	device_id_t back;
	rd_init(&r, got.data, got.len, 7);
	assert_int_equal(meta_chunk_group_header_read(&r, 4, A, &back, NULL), LARCH_OK);
	assert_int_equal(meta_device_cmp(&d, &back), 0);

	chunk_header_t h = {0x05, S("s1"), 30, TSFILE_INT32, TSFILE_UNCOMPRESSED, TSFILE_PLAIN};
	buf_reset(&got);
	meta_chunk_header_write(&got, &h);
	hex_to_buf(FX_CHUNK_S1, &want);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	chunk_header_t hb;
	rd_init(&r, got.data, got.len, 0x14);
	assert_int_equal(meta_chunk_header_read(&r, 30, A, &hb, NULL), LARCH_OK);
	assert_int_equal(hb.marker, 0x05);
	assert_string_equal(hb.measurement.ptr, "s1");
	assert_int_equal(hb.data_size, 30);
	assert_int_equal(hb.type, TSFILE_INT32);
	assert_int_equal(hb.codec, TSFILE_UNCOMPRESSED);
	assert_int_equal(hb.encoding, TSFILE_PLAIN);
	/* data size beyond what follows */
	rd_init(&r, got.data, got.len, 0x14);
	larch_error_t err = {0, ""};
	assert_int_equal(meta_chunk_header_read(&r, 29, A, &hb, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "offset 20"));
	/* every marker combination */
	const uint8_t ok_markers[] = {0x01, 0x05, 0x81, 0x85, 0x41, 0x45};
	const uint8_t bad_markers[] = {0x00, 0x02, 0x03, 0x04, 0xC1, 0xC5, 0x11};
	for (size_t i = 0; i < sizeof ok_markers; i++) {
		got.data[0] = ok_markers[i];
		rd_init(&r, got.data, got.len, 0);
		assert_int_equal(meta_chunk_header_read(&r, UINT64_MAX, A, &hb, NULL), LARCH_OK);
	}
	for (size_t i = 0; i < sizeof bad_markers; i++) {
		got.data[0] = bad_markers[i];
		rd_init(&r, got.data, got.len, 0);
		assert_int_equal(meta_chunk_header_read(&r, UINT64_MAX, A, &hb, NULL),
				 LARCH_CORRUPTED);
	}
	buf_free(&want);
	buf_free(&got);
}

static void make_stats(stats_t *st, tsfile_type_t type, const int64_t *t, const void *v, size_t n)
{
	stats_init(st, type);
	assert_int_equal(stats_update(st, t, v, n), LARCH_OK);
}

static void assert_stats_same(const stats_t *a, const stats_t *b)
{
	buf_t x = BUF_INIT, y = BUF_INIT;
	stats_write(a, &x);
	stats_write(b, &y);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
	buf_free(&x);
	buf_free(&y);
}

static void test_page_header(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	const int64_t t[] = {5, 6, 7};
	const tsfile_bytes_t v[] = {{"b", 1}, {"a", 1}, {"c", 1}};
	stats_t st;
	make_stats(&st, TSFILE_STRING, t, v, 3);
	/* multi-page form: with statistics; then a body of 4 bytes */
	meta_page_header_write(&b, 300, 4, &st);
	buf_put(&b, "BODY", 4);
	/* single-page form, then the empty page */
	meta_page_header_write(&b, 2, 2, NULL);
	buf_put(&b, "xy", 2);
	meta_page_header_write(&b, 0, 0, &st);
	rd_t r;
	page_header_t ph;
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_page_header_read(&r, TSFILE_STRING, 1, A, &ph, NULL), LARCH_OK);
	assert_int_equal(ph.uncompressed_size, 300);
	assert_int_equal(ph.compressed_size, 4);
	assert_true(ph.has_stats);
	assert_stats_same(&st, &ph.stats);
	assert_int_equal(ph.stats.s.min.v.bytes.len, 1);
	assert_memory_equal(ph.stats.s.min.v.bytes.ptr, "a", 1);
	assert_memory_equal(rd_bytes(&r, 4), "BODY", 4);
	assert_int_equal(meta_page_header_read(&r, TSFILE_STRING, 0, A, &ph, NULL), LARCH_OK);
	assert_int_equal(ph.uncompressed_size, 2);
	assert_false(ph.has_stats);
	assert_memory_equal(rd_bytes(&r, 2), "xy", 2);
	/* the empty page is the single byte 0x00, statistics or not */
	assert_int_equal(rd_left(&r), 1);
	assert_int_equal(r.data[r.pos], 0x00);
	assert_int_equal(meta_page_header_read(&r, TSFILE_STRING, 1, A, &ph, NULL), LARCH_OK);
	assert_int_equal(ph.uncompressed_size, 0);
	assert_int_equal(rd_left(&r), 0);
	/* a body that runs past the input */
	rd_init(&r, b.data, 3 + 37 + 3, 0);
	assert_int_equal(meta_page_header_read(&r, TSFILE_STRING, 1, A, &ph, NULL),
			 LARCH_CORRUPTED);
	rd_init(&r, b.data, 3 + 37 + 4, 0);
	assert_int_equal(meta_page_header_read(&r, TSFILE_STRING, 1, A, &ph, NULL), LARCH_OK);
	rd_init(&r, b.data, 3 + 17 + 5, 0); /* cut inside the statistics */
	assert_int_equal(meta_page_header_read(&r, TSFILE_STRING, 1, A, &ph, NULL),
			 LARCH_CORRUPTED);
	stats_free(&st);
	buf_free(&b);
}

static void test_ts_meta(void **state)
{
	(void)state;
	/* single chunk: s1 of the fixture, byte for byte */
	const int64_t t[] = {1000, 1010, 1020};
	const int32_t v[] = {1, 2, 3};
	chunk_meta_t cm;
	ts_meta_t m = {0, S("s1"), TSFILE_INT32, {0}, 1, &cm};
	make_stats(&m.stats, TSFILE_INT32, t, v, 3);
	cm.offset = 0x14;
	cm.stats = m.stats;
	buf_t b = BUF_INIT, want = BUF_INIT;
	meta_ts_meta_write(&b, &m);
	hex_to_buf(FX_TSM_S1, &want);
	assert_int_equal(b.len, want.len);
	assert_memory_equal(b.data, want.data, want.len);
	rd_t r;
	ts_meta_t back;
	rd_init(&r, b.data, b.len, 0x71);
	assert_int_equal(meta_ts_meta_read(&r, A, &back, NULL), LARCH_OK);
	assert_int_equal(back.n_chunks, 1);
	assert_int_equal(back.chunks[0].offset, 0x14);
	assert_int_equal(back.mask, 0);
	assert_stats_same(&back.stats, &m.stats);
	assert_stats_same(&back.chunks[0].stats, &m.stats);

	/* three chunks of an aligned value column: chunk statistics on disk */
	chunk_meta_t cms[3];
	stats_t all;
	stats_init(&all, TSFILE_DOUBLE);
	for (int i = 0; i < 3; i++) {
		const double d[] = {i * 1.5, i * 2.5};
		const int64_t tt[] = {i * 10, i * 10 + 1};
		make_stats(&cms[i].stats, TSFILE_DOUBLE, tt, d, 2);
		cms[i].offset = 100 + (uint64_t)i * 50;
		assert_int_equal(stats_merge(&all, &cms[i].stats), LARCH_OK);
	}
	ts_meta_t m3 = {META_MASK_VALUE, S("v"), TSFILE_DOUBLE, all, 3, cms};
	buf_reset(&b);
	meta_ts_meta_write(&b, &m3);
	assert_int_equal(b.data[0], 0x41);
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_ts_meta_read(&r, A, &back, NULL), LARCH_OK);
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(back.mask, META_MASK_VALUE);
	assert_int_equal(back.n_chunks, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(back.chunks[i].offset, 100 + (uint64_t)i * 50);
		assert_stats_same(&back.chunks[i].stats, &cms[i].stats);
		stats_free(&cms[i].stats);
	}
	assert_stats_same(&back.stats, &all);
	stats_free(&all);
	stats_free(&m.stats);
	buf_free(&b);
	buf_free(&want);
}

static void test_index_node(void **state)
{
	(void)state;
	/* the fixture's LEAF_MEASUREMENT node */
	index_entry_t e = {{0, NULL}, S("s1"), 0x71};
	index_node_t n = {INDEX_LEAF_MEASUREMENT, 1, &e, 0xef};
	buf_t b = BUF_INIT, want = BUF_INIT;
	meta_index_node_write(&b, &n, 4);
	hex_to_buf(FX_LEAF, &want);
	assert_int_equal(b.len, want.len);
	assert_memory_equal(b.data, want.data, want.len);
	rd_t r;
	index_node_t back;
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_index_node_read(&r, 0, 4, A, &back, NULL), LARCH_OK);
	assert_int_equal(back.type, INDEX_LEAF_MEASUREMENT);
	assert_int_equal(back.n, 1);
	assert_string_equal(back.entries[0].name.ptr, "s1");
	assert_int_equal(back.entries[0].offset, 0x71);
	assert_int_equal(back.end_offset, 0xef);
	/* read as a device-level node: the type byte contradicts */
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_index_node_read(&r, 1, 4, A, &back, NULL), LARCH_CORRUPTED);

	/* device-level, several entries */
	meta_str_t s1[] = {S("t"), S("a")}, s2[] = {S("t"), S("b")};
	index_entry_t es[2] = {{{2, s1}, {NULL, 0}, 10}, {{2, s2}, {NULL, 0}, 20}};
	index_node_t dn = {INDEX_INTERNAL_DEVICE, 2, es, 30};
	buf_reset(&b);
	meta_index_node_write(&b, &dn, 4);
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_index_node_read(&r, 1, 4, A, &back, NULL), LARCH_OK);
	assert_int_equal(back.type, INDEX_INTERNAL_DEVICE);
	assert_int_equal(back.n, 2);
	assert_int_equal(meta_device_cmp(&back.entries[1].device, &es[1].device), 0);
	assert_int_equal(back.entries[1].offset, 20);
	/* offsets that decrease, or an end before the last entry */
	es[1].offset = 5;
	buf_reset(&b);
	meta_index_node_write(&b, &dn, 4);
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_index_node_read(&r, 1, 4, A, &back, NULL), LARCH_CORRUPTED);
	es[1].offset = 40;
	buf_reset(&b);
	meta_index_node_write(&b, &dn, 4);
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_index_node_read(&r, 1, 4, A, &back, NULL), LARCH_CORRUPTED);
	buf_free(&b);
	buf_free(&want);
}

static void test_file_meta_fixture(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	hex_to_buf(FX_FILE_META, &b);
	rd_t r;
	file_meta_t fm;
	rd_init(&r, b.data, b.len, 0x104);
	assert_int_equal(meta_file_meta_read(&r, 4, A, &fm, NULL), LARCH_OK);
	assert_int_equal(fm.n_roots, 1);
	assert_string_equal(fm.roots[0].table.ptr, "root.sg");
	assert_int_equal(fm.roots[0].root.type, INDEX_LEAF_DEVICE);
	assert_int_equal(fm.roots[0].root.entries[0].offset, 0xef);
	assert_string_equal(meta_device_path(&fm.roots[0].root.entries[0].device, A), "root.sg.d1");
	assert_int_equal(fm.n_tables, 0);
	assert_int_equal(fm.meta_offset, 0x70);
	assert_int_equal(fm.bloom.size_bits, 256);
	assert_int_equal(fm.bloom.hash_count, 5);
	assert_true(bloom_may_contain(&fm.bloom, "root.sg.d1.s1", 13));
	assert_true(bloom_may_contain(&fm.bloom, "root.sg.d1.s2", 13));
	/* the svarint count 6 is read as three properties */
	assert_int_equal(fm.n_props, 3);
	assert_string_equal(fm.props[0].ptr, "encryptKey");
	assert_null(fm.props[1].ptr);
	assert_string_equal(fm.props[4].ptr, "encryptLevel");
	assert_string_equal(fm.props[5].ptr, "0");
	assert_non_null(meta_file_meta_root(&fm, "root.sg", 7));
	assert_null(meta_file_meta_root(&fm, "root.s", 6));

	/* writing it back gives the same bytes */
	buf_t again = BUF_INIT;
	meta_file_meta_write(&again, &fm);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	/* a uvarint count (3) reads the same */
	size_t props_at = b.len - (1 + 11 + 1 + 12 + 38 + 13 + 2);
	assert_int_equal(b.data[props_at], 0x06);
	b.data[props_at] = 0x03;
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_file_meta_read(&r, 4, A, &fm, NULL), LARCH_OK);
	assert_int_equal(fm.n_props, 3);
	buf_free(&b);
	buf_free(&again);
}

static void test_file_meta_tables_v3(void **state)
{
	(void)state;
	meta_str_t seg[] = {S("t1"), S("x")};
	index_entry_t e = {{2, seg}, {NULL, 0}, 100};
	meta_str_t props[] = {S("k"), S("v")};
	column_meta_t cols[3] = {
		{S("tag"), TSFILE_STRING, TSFILE_PLAIN, TSFILE_LZ4, TSFILE_TAG, 0, NULL},
		{S("f"), TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_SNAPPY, TSFILE_FIELD, 1, props},
		{S("at"), TSFILE_TEXT, TSFILE_PLAIN, TSFILE_UNCOMPRESSED, TSFILE_ATTRIBUTE, 0, NULL},
	};
	table_meta_t t = {S("t1"), 3, cols};
	table_root_t root = {S("t1"), {INDEX_LEAF_DEVICE, 1, &e, 150}};
	meta_str_t fprops[] = {S("encryptLevel"), S("0"), S("encryptKey"), S(NULL)};
	bloom_t bl;
	assert_int_equal(bloom_init(&bl, 3, 0.05), LARCH_OK);
	bloom_add(&bl, "t1.x.f", 6);
	file_meta_t fm = {4, 1, &root, 1, &t, 42, bl, 2, fprops};
	buf_t b = BUF_INIT;
	meta_file_meta_write(&b, &fm);
	/* the MeasurementSchema form: istr name, type, encoding, codec, i32 props */
	assert_true(contains(&b, "\x00\x00\x00\x03tag\x0b\x00\x07\x00\x00\x00\x00"
			     "\x00\x00\x00\x00", 18));
	rd_t r;
	file_meta_t back;
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_file_meta_read(&r, 4, A, &back, NULL), LARCH_OK);
	assert_int_equal(back.n_tables, 1);
	assert_string_equal(back.tables[0].name.ptr, "t1");
	assert_int_equal(back.tables[0].n_columns, 3);
	assert_int_equal(back.tables[0].columns[1].type, TSFILE_DOUBLE);
	assert_int_equal(back.tables[0].columns[1].encoding, TSFILE_GORILLA);
	assert_int_equal(back.tables[0].columns[1].codec, TSFILE_SNAPPY);
	assert_int_equal(back.tables[0].columns[1].category, TSFILE_FIELD);
	assert_int_equal(back.tables[0].columns[1].n_props, 1);
	assert_string_equal(back.tables[0].columns[1].props[1].ptr, "v");
	assert_int_equal(back.tables[0].columns[2].category, TSFILE_ATTRIBUTE);
	assert_int_equal(back.meta_offset, 42);
	assert_true(bloom_may_contain(&back.bloom, "t1.x.f", 6));
	assert_int_equal(back.n_props, 2);
	assert_null(back.props[3].ptr);

	/* v3: root, metaOffset, bloom */
	fm.version = 3;
	buf_reset(&b);
	meta_file_meta_write(&b, &fm);
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(meta_file_meta_read(&r, 3, A, &back, NULL), LARCH_OK);
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(back.version, 3);
	assert_int_equal(back.n_roots, 1);
	assert_string_equal(back.roots[0].root.entries[0].device.segs[0].ptr, "t1.x");
	assert_ptr_equal(meta_file_meta_root(&back, "anything", 8), &back.roots[0].root);
	assert_int_equal(back.meta_offset, 42);
	bloom_free(&bl);
	buf_free(&b);
}

/*---------------------------------------------------------------------------
 * Hostile input
 *---------------------------------------------------------------------------*/

typedef int (*read_fn)(rd_t *r, void *out);

static int rd_device(rd_t *r, void *out) { return meta_device_read(r, 4, A, out, NULL); }
static int rd_group(rd_t *r, void *out) { return meta_chunk_group_header_read(r, 4, A, out, NULL); }
static int rd_chunk(rd_t *r, void *out) { return meta_chunk_header_read(r, UINT64_MAX, A, out, NULL); }
static int rd_page(rd_t *r, void *out) { return meta_page_header_read(r, TSFILE_TEXT, 1, A, out, NULL); }
static int rd_tsm(rd_t *r, void *out) { return meta_ts_meta_read(r, A, out, NULL); }
static int rd_dnode(rd_t *r, void *out) { return meta_index_node_read(r, 1, 4, A, out, NULL); }
static int rd_file(rd_t *r, void *out) { return meta_file_meta_read(r, 4, A, out, NULL); }

/* Every strict prefix of a valid encoding is corrupted (`tolerant_from`:
 * prefixes at least that long may also parse, for the tolerant tail of
 * TsFileMetadata); random corruption parses or is corrupted. */
static void hostile(read_fn fn, const buf_t *good, size_t tolerant_from)
{
	union {
		device_id_t d;
		chunk_header_t c;
		page_header_t p;
		ts_meta_t t;
		index_node_t n;
		file_meta_t f;
	} out;
	rd_t r;
	rd_init(&r, good->data, good->len, 0);
	assert_int_equal(fn(&r, &out), LARCH_OK);
	for (size_t cut = 0; cut < good->len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
		memcpy(copy, good->data, cut);
		rd_init(&r, copy, cut, 0);
		int rc = fn(&r, &out);
		if (cut < tolerant_from)
			assert_int_equal(rc, LARCH_CORRUPTED);
		else
			assert_true(rc == LARCH_OK || rc == LARCH_CORRUPTED);
		free(copy);
		arena_reset(A);
	}
	srand(7);
	for (int round = 0; round < 3000; round++) {
		uint8_t *copy = malloc(good->len);
		memcpy(copy, good->data, good->len);
		int flips = 1 + rand() % 4;
		for (int f = 0; f < flips; f++) {
			size_t at = (size_t)rand() % good->len;
			copy[at] = (rand() % 3 == 0) ? 0xFF : (uint8_t)rand();
		}
		rd_init(&r, copy, good->len, 0);
		int rc = fn(&r, &out);
		assert_true(rc == LARCH_OK || rc == LARCH_CORRUPTED);
		free(copy);
		arena_reset(A);
	}
}

static void test_hostile_structures(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	meta_str_t segs[] = {S("root.sg"), S("d1"), S(NULL)};
	device_id_t d = {3, segs};
	meta_device_write(&b, &d, 4);
	hostile(rd_device, &b, SIZE_MAX);

	buf_reset(&b);
	meta_chunk_group_header_write(&b, &d, 4);
	hostile(rd_group, &b, SIZE_MAX);

	buf_reset(&b);
	chunk_header_t h = {0x81, S(""), 123, TSFILE_VECTOR, TSFILE_LZ4, TSFILE_TS_2DIFF};
	meta_chunk_header_write(&b, &h);
	hostile(rd_chunk, &b, SIZE_MAX);

	buf_reset(&b);
	const int64_t t[] = {1, 2};
	const tsfile_bytes_t v[] = {{"hello", 5}, {"world", 5}};
	stats_t st;
	make_stats(&st, TSFILE_TEXT, t, v, 2);
	meta_page_header_write(&b, 10, 3, &st);
	buf_put(&b, "abc", 3);
	hostile(rd_page, &b, SIZE_MAX);

	buf_reset(&b);
	chunk_meta_t cm[2] = {{7, st}, {99, st}};
	ts_meta_t m = {META_MASK_VALUE, S("m"), TSFILE_TEXT, st, 2, cm};
	meta_ts_meta_write(&b, &m);
	hostile(rd_tsm, &b, SIZE_MAX);

	buf_reset(&b);
	index_entry_t es[2] = {{d, {NULL, 0}, 10}, {d, {NULL, 0}, 20}};
	index_node_t n = {INDEX_LEAF_DEVICE, 2, es, 30};
	meta_index_node_write(&b, &n, 4);
	hostile(rd_dnode, &b, SIZE_MAX);

	buf_reset(&b);
	hex_to_buf(FX_FILE_META, &b);
	/* the property list may end early: prefixes from its count on parse */
	hostile(rd_file, &b, b.len - 1 - 11 - 1 - 12 - 38 - 13 - 2);
	stats_free(&st);
	buf_free(&b);
}

static void test_hostile_counts(void **state)
{
	(void)state;
	/* counts far beyond the input must fail before allocating */
	const uint8_t huge_dev[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x02, 'a'};
	const uint8_t huge_node[] = {0xff, 0xff, 0xff, 0x7f, 0x02, 'a', 0, 0};
	const uint8_t huge_tables[] = {0xff, 0xff, 0xff, 0xff, 0x07, 0x00};
	const uint8_t neg_len[] = {0x05, 0x03, 0x02, 0x01, 0x00, 0x00}; /* vstr length -2 */
	const uint8_t tsm_bad_list[] = {0x00, 0x02, 's', 0x01, 0x09, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
	union {
		device_id_t d;
		chunk_header_t c;
		index_node_t n;
		file_meta_t f;
		ts_meta_t t;
	} out;
	rd_t r;
	larch_error_t err = {0, ""};
	rd_init(&r, huge_dev, sizeof huge_dev, 0);
	assert_int_equal(meta_device_read(&r, 4, A, &out.d, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "device id"));
	rd_init(&r, huge_node, sizeof huge_node, 0);
	assert_int_equal(meta_index_node_read(&r, 0, 4, A, &out.n, NULL), LARCH_CORRUPTED);
	rd_init(&r, huge_tables, sizeof huge_tables, 0);
	assert_int_equal(meta_file_meta_read(&r, 4, A, &out.f, NULL), LARCH_CORRUPTED);
	rd_init(&r, neg_len, sizeof neg_len, 0);
	assert_int_equal(meta_chunk_header_read(&r, UINT64_MAX, A, &out.c, NULL), LARCH_CORRUPTED);
	rd_init(&r, tsm_bad_list, sizeof tsm_bad_list, 0);
	assert_int_equal(meta_ts_meta_read(&r, A, &out.t, NULL), LARCH_CORRUPTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_split),
		cmocka_unit_test(test_device_roundtrip_and_join),
		cmocka_unit_test(test_device_order),
		cmocka_unit_test(test_headers_match_fixture),
		cmocka_unit_test(test_page_header),
		cmocka_unit_test(test_ts_meta),
		cmocka_unit_test(test_index_node),
		cmocka_unit_test(test_file_meta_fixture),
		cmocka_unit_test(test_file_meta_tables_v3),
		cmocka_unit_test(test_hostile_structures),
		cmocka_unit_test(test_hostile_counts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
