/* Unit tests for the TsFile reader (reader.c, query.c): files written by the
 * official implementation (tests/data/tsfile, see its README) with the
 * exact values their generators wrote; files written by our writer with
 * random data, checked against an in-memory model; every filter operator;
 * partial queries over many split points; pruning (observed by corrupting
 * pages a filter must skip); a v3 file and an aligned file without marker
 * bits; and hostile files (truncated, bit-flipped, allocation failures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tsfile/filter.h"
#include "tsfile/reader.h"

#define DATA "tests/data/tsfile/"

/*---------------------------------------------------------------------------
 * Rendered rows: "time|v1|v2|..." strings, compared as lists
 *---------------------------------------------------------------------------*/

typedef struct rows {
	size_t n, cap;
	char **s;
} rows_t;

static void rows_add(rows_t *r, const char *s)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->s = realloc(r->s, r->cap * sizeof(*r->s));
		assert_non_null(r->s);
	}
	r->s[r->n] = strdup(s);
	assert_non_null(r->s[r->n]);
	r->n++;
}

static void rows_free(rows_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->s[i]);
	free(r->s);
	memset(r, 0, sizeof *r);
}

static void rows_equal(const rows_t *got, const rows_t *want, const char *what)
{
	for (size_t i = 0; i < got->n && i < want->n; i++)
		if (strcmp(got->s[i], want->s[i]) != 0)
			fail_msg("%s: row %zu is '%s', want '%s'", what, i, got->s[i], want->s[i]);
	if (got->n != want->n)
		fail_msg("%s: %zu rows, want %zu", what, got->n, want->n);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void rows_sort(rows_t *r)
{
	qsort(r->s, r->n, sizeof(*r->s), str_cmp);
}

static size_t render_value(char *p, size_t cap, const tsfile_value_t *v)
{
	if (v->is_null)
		return (size_t)snprintf(p, cap, "null");
	switch (v->type) {
	case TSFILE_BOOLEAN: return (size_t)snprintf(p, cap, "%s", v->v.b ? "true" : "false");
	case TSFILE_INT32:
	case TSFILE_DATE: return (size_t)snprintf(p, cap, "%" PRId32, v->v.i32);
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: return (size_t)snprintf(p, cap, "%" PRId64, v->v.i64);
	case TSFILE_FLOAT: return (size_t)snprintf(p, cap, "%.9g", v->v.f);
	case TSFILE_DOUBLE: return (size_t)snprintf(p, cap, "%.17g", v->v.d);
	default: return (size_t)snprintf(p, cap, "'%.*s'", (int)v->v.bytes.len, v->v.bytes.ptr);
	}
}

/* Render a row: time then each value, '|'-separated. */
static void render_row(char *buf, size_t cap, int64_t t, const tsfile_value_t *const *vals,
		       size_t n)
{
	size_t k = (size_t)snprintf(buf, cap, "%" PRId64, t);
	for (size_t i = 0; i < n && k < cap; i++) {
		buf[k++] = '|';
		k += render_value(buf + k, cap - k, vals[i]);
	}
}

/* Drain a result set into rows; returns the final status (LARCH_OK at the
 * end of the rows). */
static int drain(tsfile_result_t *rs, rows_t *out)
{
	larch_error_t err = {0};
	int rc;
	size_t n = tsfile_result_column_count(rs);
	const tsfile_value_t *vals[64];
	assert_true(n <= 64);
	while ((rc = tsfile_result_next(rs, &err)) == LARCH_OK) {
		char buf[2048];
		for (size_t i = 0; i < n; i++)
			vals[i] = tsfile_result_value(rs, i);
		render_row(buf, sizeof buf, tsfile_result_time(rs), vals, n);
		if (out)
			rows_add(out, buf);
	}
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/* Query paths with an optional filter text into rows; asserts success. */
static void query_rows(tsfile_reader_t *r, const char *const *paths, size_t n,
		       const char *filter, rows_t *out)
{
	larch_error_t err = {0};
	tsfile_filter_t *f = NULL;
	if (filter && tsfile_filter_parse(filter, &f, &err))
		fail_msg("filter '%s': %s", filter, err.msg);
	tsfile_result_t *rs;
	if (tsfile_reader_query(r, paths, n, f, &rs, &err))
		fail_msg("query: %s", err.msg);
	tsfile_filter_free(f); /* the result keeps its own copy */
	int rc = drain(rs, out);
	if (rc)
		fail_msg("query rows (filter '%s'): %d", filter ? filter : "", rc);
	tsfile_result_free(rs);
}

static char tmp_dir[64];

static void tmp_path(char *buf, size_t cap, const char *name)
{
	if (!tmp_dir[0]) {
		snprintf(tmp_dir, sizeof tmp_dir, "/tmp/larch_test_reader_XXXXXX");
		assert_non_null(mkdtemp(tmp_dir));
	}
	snprintf(buf, cap, "%s/%s", tmp_dir, name);
}

static tsfile_reader_t *open_ok(const char *path)
{
	tsfile_reader_t *r;
	larch_error_t err = {0};
	if (tsfile_reader_open(path, &r, &err))
		fail_msg("open %s: %s", path, err.msg);
	return r;
}

/* Every series of the file as "device.measurement" paths (static storage). */
static size_t all_paths(const tsfile_reader_t *r, const char **paths, char (*buf)[128],
			size_t max)
{
	size_t n = tsfile_reader_series_count(r);
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		const tsfile_series_info_t *s = tsfile_reader_series(r, i);
		snprintf(buf[i], 128, "%s.%s", s->device, s->measurement);
		paths[i] = buf[i];
	}
	return n;
}

/*---------------------------------------------------------------------------
 * An in-memory model of written points, and its expected query results
 *---------------------------------------------------------------------------*/

#define MODEL_MAX_COLS 24
#define MODEL_MAX_POINTS 4096

typedef struct mpoint {
	int64_t t;
	tsfile_value_t v; /* byte strings point to static storage */
} mpoint_t;

typedef struct mcol {
	char path[96];
	tsfile_type_t type;
	size_t n;
	mpoint_t *pts; /* in write order; a later point at the same time wins */
} mcol_t;

typedef struct model {
	size_t n_cols;
	mcol_t cols[MODEL_MAX_COLS];
} model_t;

static void model_add(model_t *m, size_t col, int64_t t, tsfile_value_t v)
{
	mcol_t *c = &m->cols[col];
	if (!c->pts) {
		c->pts = calloc(MODEL_MAX_POINTS, sizeof(*c->pts));
		assert_non_null(c->pts);
	}
	assert_true(c->n < MODEL_MAX_POINTS);
	c->pts[c->n].t = t;
	c->pts[c->n++].v = v;
}

static void model_free(model_t *m)
{
	for (size_t i = 0; i < m->n_cols; i++)
		free(m->cols[i].pts);
}

/* The value of column c at time t (NULL if none; the last written wins). */
static const tsfile_value_t *model_at(const mcol_t *c, int64_t t)
{
	const tsfile_value_t *v = NULL;
	for (size_t i = 0; i < c->n; i++)
		if (c->pts[i].t == t)
			v = &c->pts[i].v;
	return v;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t *model_times(const model_t *m, const size_t *cols, size_t n, size_t *count)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += m->cols[cols[i]].n;
	int64_t *t = malloc((total ? total : 1) * sizeof(*t));
	assert_non_null(t);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m->cols[cols[i]].n; j++)
			t[k++] = m->cols[cols[i]].pts[j].t;
	qsort(t, k, sizeof(*t), i64_cmp);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || t[u - 1] != t[i])
			t[u++] = t[i];
	*count = u;
	return t;
}

static long model_col(const model_t *m, const char *path)
{
	for (size_t i = 0; i < m->n_cols; i++)
		if (strcmp(m->cols[i].path, path) == 0)
			return (long)i;
	return -1;
}

/* Expected rows of a query of columns cols[0..n) with filter f: the union of
 * their times, kept where f (evaluated on the model's values) is TRUE. */
static void model_expect(const model_t *m, const size_t *cols, size_t n,
			 const tsfile_filter_t *f, rows_t *out)
{
	size_t nt;
	int64_t *times = model_times(m, cols, n, &nt);
	size_t nl = f ? filter_leaf_count(f) : 0;
	const tsfile_value_t *leaf[64], *vals[MODEL_MAX_COLS];
	long leaf_col[64];
	for (size_t i = 0; i < nl; i++)
		leaf_col[i] = model_col(m, filter_leaf_path(f, i));
	for (size_t k = 0; k < nt; k++) {
		for (size_t i = 0; i < nl; i++)
			leaf[i] = leaf_col[i] < 0 ? NULL : model_at(&m->cols[leaf_col[i]], times[k]);
		if (f && filter_eval(f, times[k], leaf) != FILTER_TRUE)
			continue;
		static const tsfile_value_t null_v = {.is_null = 1};
		for (size_t i = 0; i < n; i++) {
			vals[i] = model_at(&m->cols[cols[i]], times[k]);
			if (!vals[i])
				vals[i] = &null_v;
		}
		char buf[2048];
		render_row(buf, sizeof buf, times[k], vals, n);
		rows_add(out, buf);
	}
	free(times);
}

/*---------------------------------------------------------------------------
 * Official fixtures
 *---------------------------------------------------------------------------*/

static char text_pool[256][16];
static size_t text_used;

static const char *pool_str(const char *fmt, int a, int b)
{
	assert_true(text_used < LR_ARRAY_LEN(text_pool));
	char *s = text_pool[text_used++];
	snprintf(s, sizeof text_pool[0], fmt, a, b);
	return s;
}

static tsfile_value_t val_bool(int b) { return (tsfile_value_t){.type = TSFILE_BOOLEAN, .v.b = b}; }
static tsfile_value_t val_i32(int32_t x) { return (tsfile_value_t){.type = TSFILE_INT32, .v.i32 = x}; }
static tsfile_value_t val_i64(int64_t x) { return (tsfile_value_t){.type = TSFILE_INT64, .v.i64 = x}; }
static tsfile_value_t val_f32(float x) { return (tsfile_value_t){.type = TSFILE_FLOAT, .v.f = x}; }
static tsfile_value_t val_f64(double x) { return (tsfile_value_t){.type = TSFILE_DOUBLE, .v.d = x}; }
static tsfile_value_t val_bytes(tsfile_type_t t, const char *s)
{
	return (tsfile_value_t){.type = t, .v.bytes = {s, (uint32_t)strlen(s)}};
}

static void model_cols(model_t *m, const char *const *paths, const tsfile_type_t *types, size_t n)
{
	memset(m, 0, sizeof *m);
	m->n_cols = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(m->cols[i].path, sizeof m->cols[i].path, "%s", paths[i]);
		m->cols[i].type = types[i];
	}
}

/* tree.tsfile: see tests/data/tsfile/gen/gen_tree.py */
static const char *const tree_paths[] = {
	"root.sg.d1.s_bool", "root.sg.d1.s_f32", "root.sg.d1.s_f64", "root.sg.d1.s_i32",
	"root.sg.d1.s_i64",  "root.sg.d1.s_text", "root.sg.d2.a",
};

static void tree_model(model_t *m)
{
	static const tsfile_type_t types[] = {TSFILE_BOOLEAN, TSFILE_FLOAT, TSFILE_DOUBLE,
					      TSFILE_INT32, TSFILE_INT64, TSFILE_STRING, TSFILE_INT64};
	model_cols(m, tree_paths, types, 7);
	text_used = 0;
	for (int i = 0; i < 20; i++) {
		int64_t t = 1000 + 10 * i;
		model_add(m, 0, t, val_bool(i % 3 == 0));
		model_add(m, 3, t, val_i32(i * i - 50));
		if (i % 4 == 3)
			continue;
		model_add(m, 1, t, val_f32(i * 0.5f));
		model_add(m, 2, t, val_f64(i * 1.25 - 3));
		model_add(m, 4, t, val_i64((int64_t)(i - 10) * 1000000007));
		model_add(m, 5, t, val_bytes(TSFILE_STRING, pool_str("v%02d", i, 0)));
	}
	for (int i = 0; i < 5; i++) {
		tsfile_value_t v = val_i64(7 * i);
		model_add(m, 6, 995 + 20 * i, v);
	}
}

static void check_model_query(tsfile_reader_t *r, const model_t *m, const char *filter)
{
	const char *paths[MODEL_MAX_COLS];
	size_t cols[MODEL_MAX_COLS];
	for (size_t i = 0; i < m->n_cols; i++) {
		paths[i] = m->cols[i].path;
		cols[i] = i;
	}
	tsfile_filter_t *f = NULL;
	if (filter)
		assert_int_equal(tsfile_filter_parse(filter, &f, NULL), LARCH_OK);
	rows_t got = {0}, want = {0};
	query_rows(r, paths, m->n_cols, filter, &got);
	model_expect(m, cols, m->n_cols, f, &want);
	rows_equal(&got, &want, filter ? filter : "full query");
	rows_free(&got);
	rows_free(&want);
	tsfile_filter_free(f);
}

static void test_official_tree(void **state)
{
	(void)state;
	tsfile_reader_t *r = open_ok(DATA "tree.tsfile");
	assert_int_equal(tsfile_reader_version(r), 4);
	assert_int_equal(tsfile_reader_device_count(r), 2);
	assert_string_equal(tsfile_reader_device(r, 0), "root.sg.d1");
	assert_string_equal(tsfile_reader_device(r, 1), "root.sg.d2");
	assert_null(tsfile_reader_device(r, 2));
	assert_int_equal(tsfile_reader_table_count(r), 0);
	static const struct {
		const char *m;
		tsfile_type_t t;
		tsfile_encoding_t e;
		tsfile_codec_t c;
		uint64_t count;
		int64_t end;
	} want[] = {
		{"s_bool", TSFILE_BOOLEAN, TSFILE_PLAIN, TSFILE_UNCOMPRESSED, 20, 1190},
		{"s_f32", TSFILE_FLOAT, TSFILE_GORILLA, TSFILE_LZ4, 15, 1180},
		{"s_f64", TSFILE_DOUBLE, TSFILE_GORILLA, TSFILE_LZ4, 15, 1180},
		{"s_i32", TSFILE_INT32, TSFILE_TS_2DIFF, TSFILE_SNAPPY, 20, 1190},
		{"s_i64", TSFILE_INT64, TSFILE_PLAIN, TSFILE_GZIP, 15, 1180},
		{"s_text", TSFILE_STRING, TSFILE_PLAIN, TSFILE_UNCOMPRESSED, 15, 1180},
	};
	assert_int_equal(tsfile_reader_series_count(r), 7);
	for (size_t i = 0; i < LR_ARRAY_LEN(want); i++) {
		const tsfile_series_info_t *s = tsfile_reader_series(r, i);
		assert_string_equal(s->device, "root.sg.d1");
		assert_string_equal(s->measurement, want[i].m);
		assert_int_equal(s->type, want[i].t);
		assert_int_equal(s->encoding, want[i].e);
		assert_int_equal(s->codec, want[i].c);
		assert_int_equal(s->aligned, 0);
		assert_int_equal(s->chunk_count, 1);
		assert_int_equal(s->stats.count, want[i].count);
		assert_int_equal(s->stats.start_time, 1000);
		assert_int_equal(s->stats.end_time, want[i].end);
		assert_ptr_equal(tsfile_reader_find_series(r, "root.sg.d1", want[i].m), s);
	}
	const tsfile_series_info_t *s = tsfile_reader_series(r, 3);
	assert_int_equal(s->stats.min.v.i32, -50);
	assert_int_equal(s->stats.max.v.i32, 19 * 19 - 50);
	assert_int_equal(s->stats.first.v.i32, -50);
	assert_int_equal(s->stats.last.v.i32, 19 * 19 - 50);
	assert_null(tsfile_reader_find_series(r, "root.sg.d1", "nope"));
	assert_null(tsfile_reader_find_series(r, "root.sg", "d1"));
	assert_non_null(tsfile_reader_find_series(r, "root.sg.d2", "a"));

	model_t m;
	tree_model(&m);
	check_model_query(r, &m, NULL);
	/* hand-checked rows */
	rows_t got = {0};
	const char *p2[] = {"root.sg.d1.s_text", "root.sg.d2.a", "root.sg.d9.zz"};
	query_rows(r, p2, 3, "time >= 1030 and time <= 1055", &got);
	const char *hand[] = {"1035|null|14|null", "1040|'v04'|null|null",
			      "1050|'v05'|null|null", "1055|null|21|null"};
	assert_int_equal(got.n, LR_ARRAY_LEN(hand));
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.s[i], hand[i]);
	rows_free(&got);
	model_free(&m);
	tsfile_reader_close(r);
}

/* aligned.tsfile: see gen/gen_aligned.cpp (mode aligned): 4 points a page,
 * nulls, an all-null page, a second chunk group with only i32. */
static void aligned_model(model_t *m)
{
	static const char *const paths[] = {"root.sg.al.b", "root.sg.al.f64", "root.sg.al.i32",
					    "root.sg.al.txt", "root.sg.plain.x"};
	static const tsfile_type_t types[] = {TSFILE_BOOLEAN, TSFILE_DOUBLE, TSFILE_INT32,
					      TSFILE_TEXT, TSFILE_INT64};
	model_cols(m, paths, types, 5);
	text_used = 0;
	for (int i = 0; i < 18; i++) {
		int64_t t = 100 + 3 * i;
		if (i >= 14) {
			model_add(m, 2, t, val_i32(i * 7 - 20));
			continue;
		}
		if (i % 5 != 1)
			model_add(m, 2, t, val_i32(i * 7 - 20));
		if (i % 3 != 0)
			model_add(m, 1, t, val_f64(i / 4.0));
		if (i % 2 == 0)
			model_add(m, 3, t, val_bytes(TSFILE_TEXT, pool_str("t%d", i, 0)));
		if (i < 4 || i >= 8)
			model_add(m, 0, t, val_bool(i % 2));
		model_add(m, 4, 101 + 5 * i, val_i64((int64_t)(i - 7) * 1000));
	}
}

static void test_official_aligned(void **state)
{
	(void)state;
	tsfile_reader_t *r = open_ok(DATA "aligned.tsfile");
	assert_int_equal(tsfile_reader_device_count(r), 2);
	assert_string_equal(tsfile_reader_device(r, 0), "root.sg.al");
	static const struct {
		const char *m;
		tsfile_encoding_t e;
		tsfile_codec_t c;
		uint64_t count;
	} want[] = {
		{"b", TSFILE_PLAIN, TSFILE_LZMA2, 10},
		{"f64", TSFILE_GORILLA, TSFILE_ZSTD, 9},
		{"i32", TSFILE_TS_2DIFF, TSFILE_SNAPPY, 15},
		{"txt", TSFILE_PLAIN, TSFILE_GZIP, 7},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(want); i++) {
		const tsfile_series_info_t *s = tsfile_reader_series(r, i);
		assert_string_equal(s->measurement, want[i].m);
		assert_int_equal(s->encoding, want[i].e);
		assert_int_equal(s->codec, want[i].c);
		assert_int_equal(s->aligned, 1);
		assert_int_equal(s->chunk_count, 2);
		assert_int_equal(s->stats.count, want[i].count);
	}
	assert_int_equal(tsfile_reader_series(r, 4)->aligned, 0);
	model_t m;
	aligned_model(&m);
	check_model_query(r, &m, NULL);
	check_model_query(r, &m, "root.sg.al.i32 > 40 or root.sg.al.txt = 't2'");
	check_model_query(r, &m, "time > 130 and not root.sg.al.b = true");
	check_model_query(r, &m, "root.sg.al.f64 >= 1 and root.sg.al.f64 < 2.5");
	/* a query of one aligned column skips groups where it has no chunk */
	const char *p1[] = {"root.sg.al.f64"};
	size_t c1[] = {1};
	rows_t got = {0}, exp = {0};
	query_rows(r, p1, 1, NULL, &got);
	model_expect(&m, c1, 1, NULL, &exp);
	rows_equal(&got, &exp, "f64 only");
	assert_int_equal(got.n, 9);
	rows_free(&got);
	rows_free(&exp);
	model_free(&m);
	tsfile_reader_close(r);
}

/* encodings.tsfile: see gen/gen_aligned.cpp (mode encodings). */
static void test_official_encodings(void **state)
{
	(void)state;
	static const char *const names[] = {"blob_plain", "date_plain", "f32_chimp",
					    "f64_sprintz", "f64_ts2diff", "i32_rle",
					    "i32_sprintz", "i32_zigzag", "i64_chimp",
					    "i64_rlbe", "i64_rle", "str_dict", "ts_plain"};
	static const tsfile_type_t types[] = {TSFILE_BLOB, TSFILE_DATE, TSFILE_FLOAT,
					      TSFILE_DOUBLE, TSFILE_DOUBLE, TSFILE_INT32,
					      TSFILE_INT32, TSFILE_INT32, TSFILE_INT64,
					      TSFILE_INT64, TSFILE_INT64, TSFILE_STRING,
					      TSFILE_TIMESTAMP};
	static const tsfile_encoding_t encs[] = {TSFILE_PLAIN, TSFILE_PLAIN, TSFILE_CHIMP,
						 TSFILE_SPRINTZ, TSFILE_TS_2DIFF, TSFILE_RLE,
						 TSFILE_SPRINTZ, TSFILE_ZIGZAG, TSFILE_CHIMP,
						 TSFILE_RLBE, TSFILE_RLE, TSFILE_DICTIONARY,
						 TSFILE_PLAIN};
	char paths[13][64];
	const char *pp[13];
	for (size_t i = 0; i < 13; i++) {
		snprintf(paths[i], sizeof paths[i], "root.enc.d.%s", names[i]);
		pp[i] = paths[i];
	}
	model_t m;
	model_cols(&m, pp, types, 13);
	text_used = 0;
	for (int i = 0; i < 40; i++) {
		int64_t t = 5000 + 2 * i;
		const char *k = pool_str("k%d", i % 3, 0);
		tsfile_value_t v[13] = {
			val_bytes(TSFILE_BLOB, k), {.type = TSFILE_DATE, .v.i32 = 20240101 + i},
			val_f32(i * 0.25f), val_f64(i * 1.5), val_f64(i * 0.5), val_i32(i / 4),
			val_i32(100 + i), val_i32(i % 2 ? -i : i), val_i64(1000000 + i * 3),
			val_i64((int64_t)i * i), val_i64((int64_t)(i / 5) * 100000),
			val_bytes(TSFILE_STRING, k),
			{.type = TSFILE_TIMESTAMP, .v.i64 = 1700000000000LL + i},
		};
		for (size_t c = 0; c < 13; c++)
			model_add(&m, c, t, v[c]);
	}
	tsfile_reader_t *r = open_ok(DATA "encodings.tsfile");
	assert_int_equal(tsfile_reader_series_count(r), 13);
	for (size_t i = 0; i < 13; i++) {
		const tsfile_series_info_t *s = tsfile_reader_series(r, i);
		assert_string_equal(s->measurement, names[i]);
		assert_int_equal(s->type, types[i]);
		assert_int_equal(s->encoding, encs[i]);
	}
	check_model_query(r, &m, NULL);
	check_model_query(r, &m, "root.enc.d.str_dict = 'k1' and root.enc.d.i32_zigzag < 0");
	check_model_query(r, &m, "root.enc.d.date_plain >= 20240130 or root.enc.d.f64_ts2diff < 1");
	model_free(&m);
	tsfile_reader_close(r);
}

static void test_official_table(void **state)
{
	(void)state;
	tsfile_reader_t *r = open_ok(DATA "table.tsfile");
	assert_int_equal(tsfile_reader_table_count(r), 1);
	const tsfile_table_schema_t *t = tsfile_reader_table(r, 0);
	assert_string_equal(t->name, "sensors");
	assert_int_equal(t->n_columns, 6);
	static const struct {
		const char *name;
		tsfile_type_t type;
		tsfile_category_t cat;
	} cols[] = {{"region", TSFILE_STRING, TSFILE_TAG}, {"id", TSFILE_STRING, TSFILE_TAG},
		    {"temp", TSFILE_DOUBLE, TSFILE_FIELD}, {"cnt", TSFILE_INT32, TSFILE_FIELD},
		    {"ok", TSFILE_BOOLEAN, TSFILE_FIELD}, {"note", TSFILE_STRING, TSFILE_FIELD}};
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(t->columns[i].name, cols[i].name);
		assert_int_equal(t->columns[i].type, cols[i].type);
		assert_int_equal(t->columns[i].category, cols[i].cat);
	}
	assert_null(tsfile_reader_table(r, 1));
	assert_int_equal(tsfile_reader_device_count(r), 3);
	assert_string_equal(tsfile_reader_device(r, 0), "sensors.north.a1");
	assert_string_equal(tsfile_reader_device(r, 1), "sensors.north.c3");
	assert_string_equal(tsfile_reader_device(r, 2), "sensors.south.b2");

	/* expected rows, device by device in index order (gen/gen_table.py) */
	static const struct {
		const char *reg, *id;
		int dev;
	} devs[] = {{"north", "a1", 0}, {"north", "c3", 2}, {"south", "b2", 1}};
	rows_t want = {0}, got = {0};
	for (size_t d = 0; d < 3; d++)
		for (int i = 0; i < 12; i++) {
			int dev = devs[d].dev;
			char temp[32] = "null", ok[8] = "null", note[32] = "null";
			if (i % 5 != 4)
				snprintf(temp, sizeof temp, "%.17g", 20.5 + i + dev * 100);
			if (i % 3 != 2)
				snprintf(ok, sizeof ok, "%s", i % 2 == 0 ? "true" : "false");
			if (i % 4 == 0)
				snprintf(note, sizeof note, "'n%d_%d'", dev, i);
			char buf[256];
			snprintf(buf, sizeof buf, "%d|'%s'|'%s'|%s|%d|%s|%s", 100 * i + dev, devs[d].reg,
				 devs[d].id, temp, i * (dev + 1), ok, note);
			rows_add(&want, buf);
		}
	larch_error_t err = {0};
	tsfile_result_t *rs;
	assert_int_equal(tsfile_reader_query_table(r, "sensors", NULL, 0, INT64_MIN, INT64_MAX, &rs,
						   &err), LARCH_OK);
	assert_int_equal(tsfile_result_column_count(rs), 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(tsfile_result_column_name(rs, i), cols[i].name);
		assert_int_equal(tsfile_result_column_type(rs, i), cols[i].type);
	}
	assert_int_equal(drain(rs, &got), LARCH_OK);
	tsfile_result_free(rs);
	rows_equal(&got, &want, "table all columns");
	rows_free(&got);

	/* a subset, case-insensitive names, a time range */
	const char *sub[] = {"TEMP", "id"};
	assert_int_equal(tsfile_reader_query_table(r, "Sensors", sub, 2, 200, 401, &rs, &err),
			 LARCH_OK);
	assert_string_equal(tsfile_result_column_name(rs, 0), "temp");
	assert_int_equal(drain(rs, &got), LARCH_OK);
	tsfile_result_free(rs);
	const char *hand[] = {"200|22.5|'a1'", "300|23.5|'a1'", "400|null|'a1'", "202|222.5|'c3'",
			      "302|223.5|'c3'", "201|122.5|'b2'", "301|123.5|'b2'", "401|null|'b2'"};
	assert_int_equal(got.n, LR_ARRAY_LEN(hand));
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.s[i], hand[i]);
	rows_free(&got);

	/* only tags: the rows of the time columns */
	const char *tags[] = {"id", "region"};
	assert_int_equal(tsfile_reader_query_table(r, "sensors", tags, 2, 1000, INT64_MAX, &rs, &err),
			 LARCH_OK);
	assert_int_equal(drain(rs, &got), LARCH_OK);
	tsfile_result_free(rs);
	const char *hand3[] = {"1000|'a1'|'north'", "1100|'a1'|'north'", "1002|'c3'|'north'",
			       "1102|'c3'|'north'", "1001|'b2'|'south'", "1101|'b2'|'south'"};
	assert_int_equal(got.n, LR_ARRAY_LEN(hand3));
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.s[i], hand3[i]);
	rows_free(&got);

	/* empty range, unknown table and column */
	assert_int_equal(tsfile_reader_query_table(r, "sensors", NULL, 0, 10, 5, &rs, &err),
			 LARCH_OK);
	assert_int_equal(drain(rs, &got), LARCH_OK);
	assert_int_equal(got.n, 0);
	tsfile_result_free(rs);
	assert_int_equal(tsfile_reader_query_table(r, "nope", NULL, 0, 0, 1, &rs, &err),
			 LARCH_PATH_NOT_EXIST);
	const char *bad[] = {"temp", "humidity"};
	assert_int_equal(tsfile_reader_query_table(r, "sensors", bad, 2, 0, 1, &rs, &err),
			 LARCH_PATH_NOT_EXIST);
	assert_non_null(strstr(err.msg, "humidity"));

	/* the same data through the tree API */
	const char *tp[] = {"sensors.south.b2.cnt", "sensors.north.a1.note"};
	query_rows(r, tp, 2, "time < 300", &got);
	const char *hand2[] = {"0|null|'n0_0'", "1|0|null", "101|2|null", "201|4|null"};
	assert_int_equal(got.n, LR_ARRAY_LEN(hand2));
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.s[i], hand2[i]);
	rows_free(&got);
	rows_free(&want);
	tsfile_reader_close(r);
}

/* The chunk/page reader API on aligned.tsfile: series b's first value
 * chunk has an empty (all-null) second page; pages pair with the time
 * chunk's. */
static void test_chunk_reader_api(void **state)
{
	(void)state;
	tsfile_reader_t *r = open_ok(DATA "aligned.tsfile");
	const rdev_t *d = &r->devices[0];
	const tsfile_series_info_t *b = tsfile_reader_find_series(r, "root.sg.al", "b");
	assert_non_null(b);
	const ts_meta_t *bm = &r->sx[b - r->series].meta;
	chunk_reader_t *tc, *vc;
	larch_error_t err = {0};
	assert_int_equal(chunk_reader_new(r, &tc, &err), LARCH_OK);
	assert_int_equal(chunk_reader_new(r, &vc, &err), LARCH_OK);
	assert_int_equal(chunk_reader_open(tc, d->time.chunks[0].offset, &err), LARCH_OK);
	assert_int_equal(chunk_reader_open(vc, bm->chunks[0].offset, &err), LARCH_OK);
	assert_int_equal(chunk_reader_header(tc)->type, TSFILE_VECTOR);
	assert_int_equal(chunk_reader_header(tc)->marker, 0x81);
	assert_int_equal(chunk_reader_header(vc)->marker, 0x41);
	assert_int_equal(chunk_reader_header(vc)->codec, TSFILE_LZMA2);
	col_t times, vals;
	col_init(&times, TSFILE_INT64);
	col_init(&vals, TSFILE_BOOLEAN);
	int page = 0, rc;
	while ((rc = chunk_reader_next_page(tc, &err)) == LARCH_OK) {
		assert_int_equal(chunk_reader_next_page(vc, &err), LARCH_OK);
		const page_header_t *tp = chunk_reader_page(tc);
		assert_true(tp->has_stats);
		col_clear(&times);
		col_clear(&vals);
		assert_int_equal(chunk_reader_read_times(tc, 0, &times, &err), LARCH_OK);
		assert_int_equal(times.n, tp->stats.s.count);
		assert_int_equal(COL_I64(&times)[0], 100 + 3 * 4 * page);
		const uint8_t *present;
		assert_int_equal(chunk_reader_read_values(vc, times.n, &vals, &present, &err), LARCH_OK);
		if (page == 1) { /* rows 4..7: b never written */
			assert_int_equal(chunk_reader_page(vc)->uncompressed_size, 0);
			assert_null(present);
			assert_int_equal(vals.n, 0);
		} else {
			assert_non_null(present);
			assert_int_equal(vals.n, times.n);
			for (size_t i = 0; i < vals.n; i++)
				assert_int_equal(COL_BOOL(&vals)[i], (4 * page + i) % 2);
		}
		/* a wrong row count is refused */
		col_clear(&vals);
		if (page != 1)
			assert_int_equal(chunk_reader_read_values(vc, times.n + 1, &vals, &present, &err),
					 LARCH_CORRUPTED);
		page++;
	}
	assert_int_equal(rc, LARCH_DONE);
	assert_int_equal(page, 4);
	assert_int_equal(chunk_reader_next_page(vc, &err), LARCH_DONE);
	/* a column of the wrong type is refused */
	assert_int_equal(chunk_reader_open(vc, bm->chunks[0].offset, &err), LARCH_OK);
	assert_int_equal(chunk_reader_next_page(vc, &err), LARCH_OK);
	col_t wrong;
	const uint8_t *present;
	col_init(&wrong, TSFILE_INT32);
	assert_int_equal(chunk_reader_read_values(vc, 4, &wrong, &present, &err), LARCH_CORRUPTED);
	/* offsets outside the data area are refused */
	assert_int_equal(chunk_reader_open(vc, 3, &err), LARCH_CORRUPTED);
	assert_int_equal(chunk_reader_open(vc, r->meta_offset, &err), LARCH_CORRUPTED);
	col_free(&times);
	col_free(&vals);
	col_free(&wrong);
	chunk_reader_free(tc);
	chunk_reader_free(vc);
	tsfile_reader_close(r);
}

/* A table written by our writer: a null tag, a dropped trailing null tag,
 * null fields. */
static void test_writer_table(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "table.tsfile");
	tsfile_writer_t *w;
	larch_error_t err = {0};
	assert_int_equal(tsfile_writer_open(path, NULL, &w, &err), LARCH_OK);
	tsfile_column_schema_t cols[] = {
		{"Tag1", TSFILE_STRING, -1, -1, TSFILE_TAG},
		{"tag2", TSFILE_STRING, -1, -1, TSFILE_TAG},
		{"v", TSFILE_INT32, -1, -1, TSFILE_FIELD},
		{"s", TSFILE_TEXT, -1, -1, TSFILE_FIELD},
	};
	tsfile_table_schema_t ts = {"T1", 4, cols};
	assert_int_equal(tsfile_writer_register_table(w, &ts, &err), LARCH_OK);
	tsfile_bytes_t tag1[9], tag2[9], sv[9];
	int32_t v[9];
	int64_t times[9];
	uint8_t tag2_null[9] = {0}, v_null[9] = {0};
	static char sbuf[9][16];
	for (int i = 0; i < 9; i++) {
		times[i] = 10 * i;
		tag1[i] = (tsfile_bytes_t){i % 3 == 2 ? "b" : "a", 1};
		tag2[i] = (tsfile_bytes_t){i % 3 == 2 ? "y" : "x", 1};
		tag2_null[i] = i % 3 == 1;
		v[i] = i;
		v_null[i] = i == 4;
		snprintf(sbuf[i], sizeof sbuf[i], "s%d", i);
		sv[i] = (tsfile_bytes_t){sbuf[i], 2};
	}
	tsfile_column_t tcols[] = {{"tag1", TSFILE_STRING, tag1, NULL},
				   {"tag2", TSFILE_STRING, tag2, tag2_null},
				   {"v", TSFILE_INT32, v, v_null},
				   {"s", TSFILE_TEXT, sv, NULL}};
	tsfile_tablet_t tb = {"t1", 9, times, 4, tcols};
	if (tsfile_writer_write_table(w, &tb, &err))
		fail_msg("write_table: %s", err.msg);
	assert_int_equal(tsfile_writer_close(w, &err), LARCH_OK);

	tsfile_reader_t *r = open_ok(path);
	assert_int_equal(tsfile_reader_device_count(r), 3);
	assert_string_equal(tsfile_reader_device(r, 0), "t1.a");
	assert_string_equal(tsfile_reader_device(r, 1), "t1.a.x");
	assert_string_equal(tsfile_reader_device(r, 2), "t1.b.y");
	tsfile_result_t *rs;
	assert_int_equal(tsfile_reader_query_table(r, "t1", NULL, 0, INT64_MIN, INT64_MAX, &rs, &err),
			 LARCH_OK);
	assert_string_equal(tsfile_result_column_name(rs, 0), "tag1");
	rows_t got = {0};
	assert_int_equal(drain(rs, &got), LARCH_OK);
	tsfile_result_free(rs);
	const char *want[] = {"10|'a'|null|1|'s1'", "40|'a'|null|null|'s4'", "70|'a'|null|7|'s7'",
			      "0|'a'|'x'|0|'s0'",   "30|'a'|'x'|3|'s3'",     "60|'a'|'x'|6|'s6'",
			      "20|'b'|'y'|2|'s2'",  "50|'b'|'y'|5|'s5'",     "80|'b'|'y'|8|'s8'"};
	assert_int_equal(got.n, LR_ARRAY_LEN(want));
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.s[i], want[i]);
	rows_free(&got);
	tsfile_reader_close(r);
	unlink(path);
}

/*---------------------------------------------------------------------------
 * Files written by our writer, against the model
 *---------------------------------------------------------------------------*/

static const tsfile_type_t rand_types[] = {
	TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT, TSFILE_DOUBLE,
	TSFILE_TEXT,    TSFILE_STRING, TSFILE_BLOB, TSFILE_DATE, TSFILE_TIMESTAMP,
};
static const char *const rand_names[] = {"c_bool", "c_i32", "c_i64", "c_f32", "c_f64",
					 "c_text", "c_str", "c_blob", "c_date", "c_ts"};
#define N_TYPES 10

static tsfile_value_t random_value(unsigned *seed, tsfile_type_t t)
{
	static const char *const strs[] = {"v0", "v1", "v2", "v3", "v4", "v5", "v", "v7\x80", "w"};
	int r = rand_r(seed) % 41 - 20;
	switch (t) {
	case TSFILE_BOOLEAN: return val_bool(r & 1);
	case TSFILE_INT32: return val_i32(r);
	case TSFILE_INT64: return val_i64((int64_t)r * 1000000007);
	case TSFILE_FLOAT: return val_f32(r * 0.25f);
	case TSFILE_DOUBLE: return val_f64(r * 0.1);
	case TSFILE_DATE: return (tsfile_value_t){.type = t, .v.i32 = 20240101 + r + 20};
	case TSFILE_TIMESTAMP: return (tsfile_value_t){.type = t, .v.i64 = 1700000000000LL + r};
	default: return val_bytes(t, strs[(unsigned)(r + 20) % LR_ARRAY_LEN(strs)]);
	}
}

/* Write root.t.d1 (non-aligned) and root.t.d2 (aligned), one column per type
 * each, in `groups` chunk groups of random rows (pages of 7 points); group g
 * starts at time 100*g - 30 so groups overlap in time, and a few timestamps
 * are written again in a later group (the later value wins). */
static void write_random(const char *path, unsigned seed, int groups, model_t *m)
{
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.page_max_points = 7;
	tsfile_writer_t *w;
	larch_error_t err = {0};
	assert_int_equal(tsfile_writer_open(path, &cfg, &w, &err), LARCH_OK);
	tsfile_measurement_t ms[N_TYPES];
	for (size_t i = 0; i < N_TYPES; i++)
		ms[i] = (tsfile_measurement_t){rand_names[i], rand_types[i], -1, -1, -1};
	for (size_t i = 0; i < N_TYPES; i++)
		assert_int_equal(tsfile_writer_register(w, "root.t.d1", &ms[i], &err), LARCH_OK);
	assert_int_equal(tsfile_writer_register_aligned(w, "root.t.d2", ms, N_TYPES, &err),
			 LARCH_OK);
	memset(m, 0, sizeof *m);
	m->n_cols = 2 * N_TYPES;
	for (size_t d = 0; d < 2; d++)
		for (size_t i = 0; i < N_TYPES; i++) {
			mcol_t *c = &m->cols[d * N_TYPES + i];
			snprintf(c->path, sizeof c->path, "root.t.d%zu.%s", d + 1, rand_names[i]);
			c->type = rand_types[i];
		}
	for (int g = 0; g < groups; g++) {
		int64_t t = 100 * g - 30 + rand_r(&seed) % 5;
		int rows = 20 + rand_r(&seed) % 30;
		for (int k = 0; k < rows; k++) {
			for (size_t d = 0; d < 2; d++) {
				tsfile_point_t pts[N_TYPES];
				size_t n = 0;
				for (size_t i = 0; i < N_TYPES; i++) {
					if (rand_r(&seed) % 10 < 3)
						continue; /* null */
					pts[n].measurement = rand_names[i];
					pts[n].value = random_value(&seed, rand_types[i]);
					model_add(m, d * N_TYPES + i, t, pts[n].value);
					n++;
				}
				if (n == 0) /* an all-null row is not stored */
					continue;
				if (tsfile_writer_write_record(w, d ? "root.t.d2" : "root.t.d1", t, pts, n,
							       &err))
					fail_msg("write: %s", err.msg);
			}
			t += 1 + rand_r(&seed) % 4;
		}
		assert_int_equal(tsfile_writer_flush(w, &err), LARCH_OK);
	}
	assert_int_equal(tsfile_writer_close(w, &err), LARCH_OK);
}

/* Literal text for a value (in filter syntax). */
static void literal_text(char *buf, size_t cap, const tsfile_value_t *v)
{
	switch (v->type) {
	case TSFILE_BOOLEAN: snprintf(buf, cap, "%s", v->v.b ? "true" : "false"); break;
	case TSFILE_INT32:
	case TSFILE_DATE: snprintf(buf, cap, "%d", v->v.i32); break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: snprintf(buf, cap, "%" PRId64, v->v.i64); break;
	case TSFILE_FLOAT: snprintf(buf, cap, "%.9g", v->v.f); break;
	case TSFILE_DOUBLE: snprintf(buf, cap, "%.17g", v->v.d); break;
	default: snprintf(buf, cap, "'%.*s'", (int)v->v.bytes.len, v->v.bytes.ptr); break;
	}
}

static void test_writer_files_every_op(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "random.tsfile");
	model_t m;
	write_random(path, 7, 4, &m);
	tsfile_reader_t *r = open_ok(path);
	assert_int_equal(tsfile_reader_series_count(r), 2 * N_TYPES);
	for (size_t i = 0; i < 2 * N_TYPES; i++) {
		const tsfile_series_info_t *s = tsfile_reader_series(r, i);
		char sp[128];
		snprintf(sp, sizeof sp, "%s.%s", s->device, s->measurement);
		long c = model_col(&m, sp);
		assert_true(c >= 0);
		assert_int_equal(s->aligned, c >= N_TYPES);
		assert_int_equal(s->type, m.cols[c].type);
		assert_int_equal(s->chunk_count, 4);
		assert_int_equal(s->stats.count, m.cols[c].n);
	}
	check_model_query(r, &m, NULL);
	static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">="};
	unsigned seed = 99;
	for (size_t col = 0; col < m.n_cols; col++) {
		const mcol_t *c = &m.cols[col];
		for (size_t o = 0; o < 6; o++) {
			char lit[64], text[256];
			literal_text(lit, sizeof lit, &c->pts[rand_r(&seed) % c->n].v);
			snprintf(text, sizeof text, "%s %s %s", c->path, ops[o], lit);
			check_model_query(r, &m, text);
		}
	}
	static const char *const combos[] = {
		"time >= 50 and time < 150",
		"time < 0 or time > 300",
		"not (time >= 50 and time < 250)",
		"root.t.d1.c_i32 > 0 and root.t.d2.c_f64 < 0.5",
		"root.t.d1.c_str = 'v3' or not root.t.d2.c_bool = true",
		"(root.t.d2.c_i64 >= 0 or root.t.d2.c_date < 20240110) and time > 10",
		"root.t.d1.c_blob > 'v' and root.t.d2.c_ts != 1700000000005",
		"time > 999999999",
		"root.t.d1.c_i32 > 1000",
		"root.t.d1.c_i32 <= 1000",
		"root.t.d2.c_f32 < -100.5 or root.t.d2.c_f32 > 100",
		"root.t.d9.nope = 1 or time = 100",
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(combos); i++)
		check_model_query(r, &m, combos[i]);

	/* a filter on a series that is not selected (hidden column) */
	const char *p[] = {"root.t.d1.c_text", "root.t.d2.c_i32"};
	size_t cols[] = {5, N_TYPES + 1};
	const char *ftext = "root.t.d2.c_f64 > 0 and root.t.d1.c_bool = false";
	tsfile_filter_t *f;
	assert_int_equal(tsfile_filter_parse(ftext, &f, NULL), LARCH_OK);
	rows_t got = {0}, want = {0};
	query_rows(r, p, 2, ftext, &got);
	model_expect(&m, cols, 2, f, &want);
	rows_equal(&got, &want, "hidden filter columns");
	rows_free(&got);
	rows_free(&want);
	tsfile_filter_free(f);

	/* out-of-range filters return nothing */
	query_rows(r, p, 2, "time < -1000", &got);
	assert_int_equal(got.n, 0);
	query_rows(r, p, 2, "root.t.d1.c_text > 'zzz'", &got);
	assert_int_equal(got.n, 0);

	/* errors: bad path, type mismatch; a missing series is an all-null column */
	larch_error_t err = {0};
	tsfile_result_t *rs;
	const char *badp[] = {"nodot"};
	assert_int_equal(tsfile_reader_query(r, badp, 1, NULL, &rs, &err), LARCH_ILLEGAL_PATH);
	assert_int_equal(tsfile_filter_parse("root.t.d1.c_i32 = 'x'", &f, NULL), LARCH_OK);
	assert_int_equal(tsfile_reader_query(r, p, 2, f, &rs, &err), LARCH_DATA_TYPE_MISMATCH);
	tsfile_filter_free(f);
	const char *missing[] = {"root.t.d1.zz", "root.t.d1.c_i32"};
	assert_int_equal(tsfile_reader_query(r, missing, 2, NULL, &rs, &err), LARCH_OK);
	assert_string_equal(tsfile_result_column_name(rs, 0), "root.t.d1.zz");
	assert_int_equal(tsfile_result_column_type(rs, 1), TSFILE_INT32);
	size_t n = 0, distinct;
	while (tsfile_result_next(rs, &err) == LARCH_OK) {
		assert_true(tsfile_result_value(rs, 0)->is_null);
		assert_false(tsfile_result_value(rs, 1)->is_null);
		n++;
	}
	size_t col1 = 1;
	free(model_times(&m, &col1, 1, &distinct));
	assert_int_equal(n, distinct);
	tsfile_result_free(rs);
	const char *only_missing[] = {"root.t.d1.zz"};
	query_rows(r, only_missing, 1, NULL, &got);
	assert_int_equal(got.n, 0);
	model_free(&m);
	tsfile_reader_close(r);
	unlink(path);
}

/* Rows of several devices are merged by time, and when a chunk group
 * rewrites a time, the later group's value wins. */
static void test_later_chunk_wins(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "rewrite.tsfile");
	tsfile_writer_t *w;
	larch_error_t err = {0};
	assert_int_equal(tsfile_writer_open(path, NULL, &w, &err), LARCH_OK);
	tsfile_measurement_t ms = {"s", TSFILE_INT32, -1, -1, -1};
	assert_int_equal(tsfile_writer_register(w, NULL, &ms, &err), LARCH_OK);
	for (int round = 0; round < 2; round++) {
		for (int t = 1; t <= 5; t++) {
			tsfile_point_t p = {"s", val_i32(10 * round + t)};
			assert_int_equal(tsfile_writer_write_record(w, "root.x.d", 2 * t + round * 2, &p,
								    1, &err), LARCH_OK);
		}
		assert_int_equal(tsfile_writer_flush(w, &err), LARCH_OK);
	}
	assert_int_equal(tsfile_writer_close(w, &err), LARCH_OK);
	tsfile_reader_t *r = open_ok(path);
	const char *p[] = {"root.x.d.s"};
	rows_t got = {0};
	query_rows(r, p, 1, NULL, &got);
	/* round 0: times 2,4,6,8,10 -> 1..5; round 1: times 4,6,8,10,12 -> 11..15 */
	const char *want[] = {"2|1", "4|11", "6|12", "8|13", "10|14", "12|15"};
	assert_int_equal(got.n, LR_ARRAY_LEN(want));
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.s[i], want[i]);
	rows_free(&got);
	/* value filters must not let the older value show through */
	query_rows(r, p, 1, "root.x.d.s < 10", &got);
	const char *want2[] = {"2|1"};
	assert_int_equal(got.n, LR_ARRAY_LEN(want2));
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.s[i], want2[i]);
	rows_free(&got);
	tsfile_reader_close(r);
	unlink(path);
}

/* Pages that compress as well as each codec allows (10000 equal PLAIN
 * values) are read back: the reader's expansion bounds are not too tight. */
static void test_compressible_pages(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "zeros.tsfile");
	static const tsfile_codec_t codecs[] = {TSFILE_UNCOMPRESSED, TSFILE_SNAPPY, TSFILE_GZIP,
						TSFILE_LZ4, TSFILE_ZSTD, TSFILE_LZMA2};
	tsfile_writer_t *w;
	larch_error_t err = {0};
	assert_int_equal(tsfile_writer_open(path, NULL, &w, &err), LARCH_OK);
	char names[6][8];
	for (size_t c = 0; c < 6; c++) {
		snprintf(names[c], sizeof names[c], "z%zu", c);
		tsfile_measurement_t m = {names[c], TSFILE_INT64, TSFILE_PLAIN, (int)codecs[c], -1};
		assert_int_equal(tsfile_writer_register(w, "root.z.d", &m, &err), LARCH_OK);
	}
	for (int64_t t = 0; t < 10000; t++) {
		tsfile_point_t p[6];
		for (size_t c = 0; c < 6; c++)
			p[c] = (tsfile_point_t){names[c], val_i64(0)};
		assert_int_equal(tsfile_writer_write_record(w, "root.z.d", t, p, 6, &err), LARCH_OK);
	}
	assert_int_equal(tsfile_writer_close(w, &err), LARCH_OK);
	tsfile_reader_t *r = open_ok(path);
	for (size_t c = 0; c < 6; c++) {
		char q[96];
		snprintf(q, sizeof q, "root.z.d.%s", names[c]);
		const char *pp[] = {q};
		rows_t got = {0};
		query_rows(r, pp, 1, NULL, &got);
		assert_int_equal(got.n, 10000);
		assert_string_equal(got.s[9999], "9999|0");
		rows_free(&got);
	}
	tsfile_reader_close(r);
	unlink(path);
}

/*---------------------------------------------------------------------------
 * Partial queries
 *---------------------------------------------------------------------------*/

/* Points "time|column|value" of a rendered row set (nulls dropped). */
static void explode(const rows_t *rows, rows_t *points)
{
	for (size_t i = 0; i < rows->n; i++) {
		char *copy = strdup(rows->s[i]), *save = NULL;
		char *time = strtok_r(copy, "|", &save);
		int col = 0;
		for (char *v = strtok_r(NULL, "|", &save); v; v = strtok_r(NULL, "|", &save), col++) {
			if (strcmp(v, "null") == 0)
				continue;
			char buf[256];
			snprintf(buf, sizeof buf, "%s|%d|%s", time, col, v);
			rows_add(points, buf);
		}
		free(copy);
	}
}

static void range_points(tsfile_reader_t *r, const char *const *paths, size_t n,
			 const tsfile_filter_t *f, uint64_t a, uint64_t b, rows_t *points)
{
	tsfile_result_t *rs;
	larch_error_t err = {0};
	rows_t rows = {0};
	if (tsfile_reader_query_range(r, paths, n, f, a, b, &rs, &err))
		fail_msg("range query [%" PRIu64 ", %" PRIu64 "): %s", a, b, err.msg);
	assert_int_equal(drain(rs, &rows), LARCH_OK);
	tsfile_result_free(rs);
	explode(&rows, points);
	rows_free(&rows);
}

/* The points of a full query, sorted (the reference for split queries). */
static void full_points(tsfile_reader_t *r, const char *const *paths, size_t n,
			const char *filter, rows_t *points)
{
	rows_t full = {0};
	query_rows(r, paths, n, filter, &full);
	explode(&full, points);
	rows_sort(points);
	rows_free(&full);
}

/* Split the file at cuts[0..n_cuts) (ascending); the union of the parts'
 * points must equal `full`. */
static void check_split(tsfile_reader_t *r, const char *const *paths, size_t n,
			const char *filter, const rows_t *full, const uint64_t *cuts,
			size_t n_cuts)
{
	tsfile_filter_t *f = NULL;
	if (filter)
		assert_int_equal(tsfile_filter_parse(filter, &f, NULL), LARCH_OK);
	rows_t parts = {0};
	uint64_t prev = 0;
	for (size_t i = 0; i <= n_cuts; i++) {
		uint64_t next = i < n_cuts ? cuts[i] : UINT64_MAX;
		range_points(r, paths, n, f, prev, next, &parts);
		prev = next;
	}
	rows_sort(&parts);
	rows_equal(&parts, full, "split points");
	rows_free(&parts);
	tsfile_filter_free(f);
}

/* Two-way splits at every offset of the file, or every `stride` bytes plus
 * around every chunk group's start, midpoint and end. */
static void check_two_way_splits(tsfile_reader_t *r, const char *const *paths, size_t n,
				 uint64_t stride)
{
	rows_t full = {0};
	full_points(r, paths, n, NULL, &full);
	assert_true(full.n > 0);
	for (uint64_t cut = 0; cut <= r->size; cut += stride)
		check_split(r, paths, n, NULL, &full, &cut, 1);
	larch_error_t err = {0};
	assert_int_equal(reader_load_groups(r, &err), LARCH_OK);
	assert_true(r->n_groups > 0);
	for (size_t g = 0; g < r->n_groups; g++) {
		uint64_t s = r->groups[g].start, e = r->groups[g].end, mid = s + (e - s) / 2;
		uint64_t at[] = {s - 1, s, s + 1, mid - 1, mid, mid + 1, e - 1, e, e + 1};
		for (size_t i = 0; i < LR_ARRAY_LEN(at); i++)
			check_split(r, paths, n, NULL, &full, &at[i], 1);
	}
	rows_free(&full);
}

static void test_partial_queries(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "split.tsfile");
	model_t m;
	write_random(path, 3, 6, &m);
	tsfile_reader_t *r = open_ok(path);
	const char *paths[MODEL_MAX_COLS];
	for (size_t i = 0; i < m.n_cols; i++)
		paths[i] = m.cols[i].path;
	assert_int_equal(r->n_groups, 0); /* walked on the first partial query */
	check_two_way_splits(r, paths, m.n_cols, 257);
	assert_int_equal(r->n_groups, 12); /* 6 flushes x 2 devices */

	/* many parts at random cuts, with and without a time filter */
	unsigned seed = 5;
	rows_t full = {0}, full_f = {0};
	const char *ftext = "time >= 40 and time < 420";
	full_points(r, paths, m.n_cols, NULL, &full);
	full_points(r, paths, m.n_cols, ftext, &full_f);
	for (int iter = 0; iter < 40; iter++) {
		uint64_t cuts[12];
		for (size_t i = 0; i < 12; i++)
			cuts[i] = (uint64_t)rand_r(&seed) % (r->size + 1);
		qsort(cuts, 12, sizeof(*cuts), i64_cmp);
		check_split(r, paths, m.n_cols, iter % 2 ? ftext : NULL, iter % 2 ? &full_f : &full,
			    cuts, 12);
	}
	/* the whole file is everything; ranges outside the data area are empty */
	check_split(r, paths, m.n_cols, NULL, &full, NULL, 0);
	rows_free(&full);
	rows_free(&full_f);
	rows_t pts = {0};
	range_points(r, paths, m.n_cols, NULL, r->size, UINT64_MAX, &pts);
	range_points(r, paths, m.n_cols, NULL, 0, 7, &pts);
	range_points(r, paths, m.n_cols, NULL, 500, 400, &pts);
	assert_int_equal(pts.n, 0);
	tsfile_reader_close(r);
	model_free(&m);
	unlink(path);

	/* the official files (C++ writes 0x04 records), cut at every offset
	 * (every 5th for the one with slow LZMA2 pages) */
	static const struct {
		const char *path;
		uint64_t stride;
	} files[] = {{DATA "tree.tsfile", 1}, {DATA "aligned.tsfile", 5}, {DATA "table.tsfile", 1}};
	for (size_t fi = 0; fi < LR_ARRAY_LEN(files); fi++) {
		r = open_ok(files[fi].path);
		const char *pp[32];
		char buf[32][128];
		size_t n = all_paths(r, pp, buf, 32);
		check_two_way_splits(r, pp, n, files[fi].stride);
		tsfile_reader_close(r);
	}
}

/*---------------------------------------------------------------------------
 * Pruning, observed: corrupt what a filter must skip
 *---------------------------------------------------------------------------*/

/* Header offsets and stored sizes of the pages of the chunk at `offset`. */
typedef struct page_loc {
	uint64_t header;
	uint32_t stored;
} page_loc_t;

static size_t page_locs(tsfile_reader_t *r, uint64_t offset, page_loc_t *locs, size_t max)
{
	chunk_reader_t *cr;
	larch_error_t err = {0};
	assert_int_equal(chunk_reader_new(r, &cr, &err), LARCH_OK);
	assert_int_equal(chunk_reader_open(cr, offset, &err), LARCH_OK);
	size_t n = 0;
	int rc;
	while ((rc = chunk_reader_next_page(cr, &err)) == LARCH_OK) {
		assert_true(n < max);
		locs[n].header = chunk_reader_page_offset(cr);
		locs[n++].stored = chunk_reader_page(cr)->compressed_size;
	}
	assert_int_equal(rc, LARCH_DONE);
	chunk_reader_free(cr);
	return n;
}

static void patch_file(const char *src, const char *dst, const uint64_t *offs, size_t n,
		       uint8_t byte)
{
	FILE *in = fopen(src, "rb");
	assert_non_null(in);
	fseek(in, 0, SEEK_END);
	long size = ftell(in);
	fseek(in, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)size);
	assert_int_equal(fread(buf, 1, (size_t)size, in), (size_t)size);
	fclose(in);
	for (size_t i = 0; i < n; i++)
		buf[offs[i]] = byte;
	FILE *out = fopen(dst, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(buf, 1, (size_t)size, out), (size_t)size);
	fclose(out);
	free(buf);
}

static int query_status(tsfile_reader_t *r, const char *const *paths, size_t n,
			const char *filter, rows_t *out)
{
	tsfile_filter_t *f = NULL;
	if (filter)
		assert_int_equal(tsfile_filter_parse(filter, &f, NULL), LARCH_OK);
	tsfile_result_t *rs;
	int rc = tsfile_reader_query(r, paths, n, f, &rs, NULL);
	if (rc == LARCH_OK) {
		rc = drain(rs, out);
		tsfile_result_free(rs);
	}
	tsfile_filter_free(f);
	return rc;
}

static void test_pruning_skips_pages(void **state)
{
	(void)state;
	char path[128], bad[128];
	tmp_path(path, sizeof path, "prune.tsfile");
	tmp_path(bad, sizeof bad, "prune_bad.tsfile");
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.page_max_points = 10;
	cfg.default_codec = TSFILE_UNCOMPRESSED;
	cfg.time_codec = TSFILE_UNCOMPRESSED;
	tsfile_writer_t *w;
	larch_error_t err = {0};
	assert_int_equal(tsfile_writer_open(path, &cfg, &w, &err), LARCH_OK);
	tsfile_measurement_t ms[2] = {{"s", TSFILE_INT64, -1, -1, -1}, {"v", TSFILE_INT32, -1, -1, -1}};
	assert_int_equal(tsfile_writer_register(w, "root.p.n", &ms[0], &err), LARCH_OK);
	assert_int_equal(tsfile_writer_register_aligned(w, "root.p.a", ms, 2, &err), LARCH_OK);
	/* group 1: times 0..49 (5 pages), s = t; group 2: times 100..149 */
	for (int g = 0; g < 2; g++) {
		for (int i = 0; i < 50; i++) {
			int64_t t = 100 * g + i;
			tsfile_point_t p[2] = {{"s", val_i64(t)}, {"v", val_i32((int32_t)t)}};
			assert_int_equal(tsfile_writer_write_record(w, "root.p.n", t, p, 1, &err), 0);
			assert_int_equal(tsfile_writer_write_record(w, "root.p.a", t, p, 2, &err), 0);
		}
		assert_int_equal(tsfile_writer_flush(w, &err), LARCH_OK);
	}
	assert_int_equal(tsfile_writer_close(w, &err), LARCH_OK);

	tsfile_reader_t *r = open_ok(path);
	const tsfile_series_info_t *sn = tsfile_reader_find_series(r, "root.p.n", "s");
	const tsfile_series_info_t *sv = tsfile_reader_find_series(r, "root.p.a", "v");
	assert_non_null(sn);
	assert_non_null(sv);
	const rseries_t *xn = &r->sx[sn - r->series], *xv = &r->sx[sv - r->series];
	assert_int_equal(xn->meta.n_chunks, 2);
	/* in each chunk, break the third page (times 20..29 / 120..129): its
	 * time-stream length (non-aligned) or row count (aligned) becomes huge */
	uint64_t offs[8];
	size_t n_offs = 0;
	const ts_meta_t *metas[2] = {&xn->meta, &xv->meta};
	for (int s = 0; s < 2; s++)
		for (uint32_t c = 0; c < 2; c++) {
			page_loc_t pages[16];
			size_t np = page_locs(r, metas[s]->chunks[c].offset, pages, 16);
			assert_int_equal(np, 5);
			/* page 3's body ends where page 4's header starts */
			offs[n_offs++] = pages[3].header - pages[2].stored;
		}
	tsfile_reader_close(r);
	patch_file(path, bad, offs, n_offs, 0xFF);

	r = open_ok(bad);
	const char *pn[] = {"root.p.n.s"}, *pa[] = {"root.p.a.v"};
	rows_t got = {0};
	/* reading the broken pages fails */
	assert_int_equal(query_status(r, pn, 1, NULL, NULL), LARCH_CORRUPTED);
	assert_int_equal(query_status(r, pa, 1, NULL, NULL), LARCH_CORRUPTED);
	/* filters whose statistics exclude the broken pages never read them */
	static const char *const skip[] = {
		"time < 20 or (time >= 30 and time < 120) or time >= 130",
		"root.p.n.s < 20 or (root.p.n.s >= 30 and root.p.n.s < 120) or root.p.n.s > 129",
	};
	assert_int_equal(query_status(r, pn, 1, skip[0], &got), LARCH_OK);
	assert_int_equal(got.n, 80);
	rows_free(&got);
	assert_int_equal(query_status(r, pn, 1, skip[1], &got), LARCH_OK);
	assert_int_equal(got.n, 80);
	rows_free(&got);
	assert_int_equal(query_status(r, pa, 1, skip[0], &got), LARCH_OK);
	assert_int_equal(got.n, 80);
	rows_free(&got);
	assert_int_equal(query_status(r, pa, 1, "root.p.a.v < 20 or root.p.a.v >= 130", &got),
			 LARCH_OK);
	assert_int_equal(got.n, 40);
	rows_free(&got);
	/* a whole chunk (group 2) skipped by its statistics */
	assert_int_equal(query_status(r, pn, 1, "time < 20", &got), LARCH_OK);
	assert_int_equal(got.n, 20);
	rows_free(&got);
	/* but a filter that needs them still fails */
	assert_int_equal(query_status(r, pn, 1, "root.p.n.s != 25", NULL), LARCH_CORRUPTED);
	tsfile_reader_close(r);
	unlink(path);
	unlink(bad);
}

/*---------------------------------------------------------------------------
 * A v3 file and an aligned file without marker bits
 *---------------------------------------------------------------------------*/

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

/* A v3 file built from the format's structures: one device root.sg.d1 with
 * s1 INT64 PLAIN (3 points) and s2 INT32 PLAIN (2 points), one chunk each. */
static void build_v3(const char *path)
{
	arena_t *a = arena_new(0);
	buf_t b = BUF_INIT;
	buf_put(&b, "TsFile", 6);
	buf_put_u8(&b, 3);
	device_id_t dev;
	assert_int_equal(meta_device_from_path("root.sg.d1", 10, 3, a, &dev, NULL), LARCH_OK);
	assert_int_equal(dev.n, 1);
	meta_chunk_group_header_write(&b, &dev, 3);
	static const int64_t t1[] = {10, 20, 30}, v1[] = {-5, 0, 5};
	static const int32_t v2[] = {7, 8};
	ts_meta_t tms[2];
	chunk_meta_t cms[2];
	for (int s = 0; s < 2; s++) {
		size_t n = s ? 2 : 3;
		tsfile_type_t type = s ? TSFILE_INT32 : TSFILE_INT64;
		buf_t body = BUF_INIT, ts = BUF_INIT;
		assert_int_equal(encode_stream(TSFILE_TS_2DIFF, TSFILE_INT64, NULL, t1, n, &ts, NULL), 0);
		buf_put_uvarint(&body, ts.len);
		buf_put(&body, ts.data, ts.len);
		assert_int_equal(encode_stream(TSFILE_PLAIN, type, NULL, s ? (const void *)v2
									: (const void *)v1,
					       n, &body, NULL), 0);
		buf_t page = BUF_INIT;
		meta_page_header_write(&page, (uint32_t)body.len, (uint32_t)body.len, NULL);
		buf_put(&page, body.data, body.len);
		chunk_header_t h = {0x05, {s ? "s2" : "s1", 2}, (uint32_t)page.len, type,
				    TSFILE_UNCOMPRESSED, TSFILE_PLAIN};
		cms[s].offset = b.len;
		meta_chunk_header_write(&b, &h);
		buf_put(&b, page.data, page.len);
		stats_init(&cms[s].stats, type);
		assert_int_equal(stats_update(&cms[s].stats, t1, s ? (const void *)v2 : (const void *)v1,
					      n), 0);
		tms[s] = (ts_meta_t){0, {s ? "s2" : "s1", 2}, type, cms[s].stats, 1, &cms[s]};
		buf_free(&body);
		buf_free(&ts);
		buf_free(&page);
	}
	uint64_t meta_offset = b.len;
	buf_put_u8(&b, 0x02);
	uint64_t ts_start = b.len;
	meta_ts_meta_write(&b, &tms[0]);
	meta_ts_meta_write(&b, &tms[1]);
	index_entry_t me = {.name = {"s1", 2}, .offset = ts_start};
	index_node_t leaf = {INDEX_LEAF_MEASUREMENT, 1, &me, b.len};
	uint64_t leaf_off = b.len;
	meta_index_node_write(&b, &leaf, 3);
	index_entry_t de = {.device = dev, .offset = leaf_off};
	table_root_t root = {{"", 0}, {INDEX_LEAF_DEVICE, 1, &de, b.len}};
	bloom_t bl;
	assert_int_equal(bloom_init(&bl, 2, 0.05), 0);
	bloom_add(&bl, "root.sg.d1.s1", 13);
	bloom_add(&bl, "root.sg.d1.s2", 13);
	file_meta_t fm = {.version = 3, .n_roots = 1, .roots = &root, .meta_offset = meta_offset,
			  .bloom = bl};
	size_t fstart = b.len;
	meta_file_meta_write(&b, &fm);
	buf_put_be32(&b, (uint32_t)(b.len - fstart));
	buf_put(&b, "TsFile", 6);
	assert_true(buf_ok(&b));
	write_bytes(path, b.data, b.len);
	bloom_free(&bl);
	stats_free(&cms[0].stats);
	stats_free(&cms[1].stats);
	buf_free(&b);
	arena_free(a);
}

static void test_v3_file(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "v3.tsfile");
	build_v3(path);
	tsfile_reader_t *r = open_ok(path);
	assert_int_equal(tsfile_reader_version(r), 3);
	assert_int_equal(tsfile_reader_device_count(r), 1);
	assert_string_equal(tsfile_reader_device(r, 0), "root.sg.d1");
	assert_int_equal(tsfile_reader_series_count(r), 2);
	assert_int_equal(tsfile_reader_series(r, 0)->stats.count, 3);
	const char *p[] = {"root.sg.d1.s2", "root.sg.d1.s1"};
	rows_t got = {0};
	query_rows(r, p, 2, NULL, &got);
	const char *want[] = {"10|7|-5", "20|8|0", "30|null|5"};
	assert_int_equal(got.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(got.s[i], want[i]);
	rows_free(&got);
	check_two_way_splits(r, p, 2, 1);
	tsfile_result_t *rs;
	assert_int_equal(tsfile_reader_query_table(r, "root", NULL, 0, 0, 100, &rs, NULL),
			 LARCH_PATH_NOT_EXIST);
	tsfile_reader_close(r);
	unlink(path);
}

/* Read the file into memory. */
static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(*size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *size, f), *size);
	fclose(f);
	return buf;
}

/* The C++ writer once wrote aligned chunks and timeseries metadata without
 * the 0x80/0x40 bits: strip them from aligned.tsfile and read it again. */
static void test_aligned_without_marker_bits(void **state)
{
	(void)state;
	size_t size;
	uint8_t *buf = slurp(DATA "aligned.tsfile", &size);
	uint8_t *orig = slurp(DATA "aligned.tsfile", &size);
	tsfile_reader_t *r = open_ok(DATA "aligned.tsfile");
	for (size_t d = 0; d < r->n_devices; d++) {
		const rdev_t *dev = &r->devices[d];
		for (uint32_t c = 0; dev->aligned && c < dev->time.n_chunks; c++)
			buf[dev->time.chunks[c].offset] &= 0x3F;
		for (uint32_t s = dev->first_series; s < dev->first_series + dev->n_series; s++)
			for (uint32_t c = 0; c < r->sx[s].meta.n_chunks; c++)
				buf[r->sx[s].meta.chunks[c].offset] &= 0x3F;
	}
	/* timeseries metadata: root LEAF_DEVICE -> LEAF_MEASUREMENT -> records */
	arena_t *a = arena_new(0);
	for (uint32_t t = 0; t < r->fm.n_roots; t++) {
		const index_node_t *root = &r->fm.roots[t].root;
		assert_int_equal(root->type, INDEX_LEAF_DEVICE);
		for (uint32_t i = 0; i < root->n; i++) {
			uint64_t s = root->entries[i].offset;
			uint64_t e = i + 1 < root->n ? root->entries[i + 1].offset : root->end_offset;
			rd_t rd;
			rd_init(&rd, buf + s, e - s, s);
			index_node_t leaf;
			assert_int_equal(meta_index_node_read(&rd, 0, 4, a, &leaf, NULL), LARCH_OK);
			assert_int_equal(leaf.type, INDEX_LEAF_MEASUREMENT);
			for (uint32_t k = 0; k < leaf.n; k++) {
				uint64_t ls = leaf.entries[k].offset;
				uint64_t le = k + 1 < leaf.n ? leaf.entries[k + 1].offset : leaf.end_offset;
				rd_init(&rd, buf + ls, le - ls, ls);
				while (rd_left(&rd)) {
					uint64_t at = rd_offset(&rd);
					ts_meta_t tm;
					assert_int_equal(meta_ts_meta_read(&rd, a, &tm, NULL), LARCH_OK);
					buf[at] &= 0x3F;
				}
			}
		}
	}
	/* 2 time chunks and 8 value chunks; the C++ writer already leaves the
	 * timeseries metadata unmasked (only the chunk markers carry the bits) */
	size_t changed = 0;
	for (size_t i = 0; i < size; i++)
		changed += buf[i] != orig[i];
	assert_int_equal(changed, 10);
	free(orig);
	arena_free(a);
	char path[128];
	tmp_path(path, sizeof path, "nomask.tsfile");
	write_bytes(path, buf, size);
	free(buf);

	tsfile_reader_t *r2 = open_ok(path);
	assert_int_equal(tsfile_reader_series_count(r2), tsfile_reader_series_count(r));
	for (size_t i = 0; i < tsfile_reader_series_count(r); i++)
		assert_int_equal(tsfile_reader_series(r2, i)->aligned,
				 tsfile_reader_series(r, i)->aligned);
	model_t m;
	aligned_model(&m);
	check_model_query(r2, &m, NULL);
	check_model_query(r2, &m, "root.sg.al.i32 > 40 or root.sg.al.txt = 't2'");
	model_free(&m);
	tsfile_reader_close(r2);
	tsfile_reader_close(r);
	unlink(path);
}

/*---------------------------------------------------------------------------
 * Hostile files
 *---------------------------------------------------------------------------*/

/* Open, list, and query everything (with and without a filter); every step
 * must succeed or fail cleanly. */
static int exercise(const char *path)
{
	tsfile_reader_t *r;
	larch_error_t err = {0};
	int rc = tsfile_reader_open(path, &r, &err);
	if (rc)
		return rc;
	const char *pp[64];
	char buf[64][128];
	size_t n = LR_MIN(tsfile_reader_series_count(r), 64);
	for (size_t i = 0; i < n; i++) {
		const tsfile_series_info_t *s = tsfile_reader_series(r, i);
		snprintf(buf[i], sizeof buf[i], "%s.%s", s->device, s->measurement);
		pp[i] = buf[i];
		(void)tsfile_reader_find_series(r, s->device, s->measurement);
	}
	for (size_t i = 0; i < tsfile_reader_device_count(r); i++)
		assert_non_null(tsfile_reader_device(r, i));
	tsfile_filter_t *f = NULL;
	rc = tsfile_filter_parse("time > 1010 or not time = 5", &f, NULL);
	for (int pass = 0; pass < 3 && rc == LARCH_OK; pass++) {
		tsfile_result_t *rs;
		if (pass < 2)
			rc = tsfile_reader_query(r, pp, n, pass ? f : NULL, &rs, &err);
		else
			rc = tsfile_reader_query_range(r, pp, n, f, 0, r->size / 2, &rs, &err);
		if (rc == LARCH_OK) {
			rc = drain(rs, NULL);
			tsfile_result_free(rs);
		}
	}
	for (size_t t = 0; t < tsfile_reader_table_count(r) && rc == LARCH_OK; t++) {
		tsfile_result_t *rs;
		rc = tsfile_reader_query_table(r, tsfile_reader_table(r, t)->name, NULL, 0, INT64_MIN,
					       INT64_MAX, &rs, &err);
		if (rc == LARCH_OK) {
			rc = drain(rs, NULL);
			tsfile_result_free(rs);
		}
	}
	tsfile_filter_free(f);
	tsfile_reader_close(r);
	return rc;
}

static const char *const fixtures[] = {DATA "tree.tsfile", DATA "aligned.tsfile",
				       DATA "table.tsfile", DATA "encodings.tsfile"};

static void test_hostile_truncated(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "trunc.tsfile");
	for (size_t fi = 0; fi < LR_ARRAY_LEN(fixtures); fi++) {
		size_t size;
		uint8_t *buf = slurp(fixtures[fi], &size);
		assert_int_equal(exercise(fixtures[fi]), LARCH_OK);
		size_t used = mem_used();
		for (size_t n = 0; n < size; n++) {
			write_bytes(path, buf, n);
			int rc = exercise(path);
			if (rc != LARCH_CORRUPTED)
				fail_msg("%s cut at %zu: %d", fixtures[fi], n, rc);
			assert_int_equal(mem_used(), used);
		}
		free(buf);
	}
	unlink(path);
}

/* Flip bytes: every byte of the index area and footer, and about 300
 * evenly spread bytes of the data area (LZMA2 pages make each pass slow;
 * the fuzzer covers the data area further). */
static void test_hostile_flipped(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "flip.tsfile");
	for (size_t fi = 0; fi < LR_ARRAY_LEN(fixtures); fi++) {
		size_t size;
		uint8_t *buf = slurp(fixtures[fi], &size);
		tsfile_reader_t *r = open_ok(fixtures[fi]);
		uint64_t index_start = r->meta_offset;
		tsfile_reader_close(r);
		size_t stride = (size_t)LR_MAX(1, index_start / 300);
		size_t used = mem_used();
		for (size_t i = 0; i < size; i += i < index_start ? stride : 1) {
			buf[i] ^= 0xFF;
			write_bytes(path, buf, size);
			buf[i] ^= 0xFF;
			int rc = exercise(path);
			/* a damaged device name may not parse as a path any more */
			if (rc != LARCH_OK && rc != LARCH_CORRUPTED && rc != LARCH_UNSUPPORTED &&
			    rc != LARCH_ILLEGAL_PATH)
				fail_msg("%s byte %zu flipped: status %d", fixtures[fi], i, rc);
			assert_int_equal(mem_used(), used);
		}
		free(buf);
	}
	unlink(path);
}

static void test_hostile_no_memory(void **state)
{
	(void)state;
	for (size_t fi = 0; fi < LR_ARRAY_LEN(fixtures); fi++) {
		size_t used = mem_used();
		int ok = 0;
		for (long k = 0; k < 5000 && !ok; k++) {
			mem_fail_after(k);
			int rc = exercise(fixtures[fi]);
			mem_fail_after(-1);
			if (rc != LARCH_OK && rc != LARCH_NO_MEMORY)
				fail_msg("%s failing allocation %ld: status %d", fixtures[fi], k, rc);
			ok = rc == LARCH_OK;
			assert_int_equal(mem_used(), used);
		}
		assert_true(ok);
	}
}

static void test_not_a_tsfile(void **state)
{
	(void)state;
	tsfile_reader_t *r;
	larch_error_t err = {0};
	assert_int_equal(tsfile_reader_open("/nonexistent/x.tsfile", &r, &err),
			 LARCH_STORAGE_ERROR);
	assert_null(r);
	char path[128];
	tmp_path(path, sizeof path, "junk.tsfile");
	/* head and tail magic present, nonsense between */
	uint8_t junk[64];
	memset(junk, 0x41, sizeof junk);
	memcpy(junk, "TsFile\x04", 7);
	memcpy(junk + 54, "\x00\x00\x00\x08TsFile", 10);
	write_bytes(path, junk, sizeof junk);
	assert_int_equal(tsfile_reader_open(path, &r, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "offset"));
	junk[6] = 9; /* unknown version */
	write_bytes(path, junk, sizeof junk);
	assert_int_equal(tsfile_reader_open(path, &r, &err), LARCH_CORRUPTED);
	assert_non_null(strstr(err.msg, "version"));
	unlink(path);
}

static int teardown(void **state)
{
	(void)state;
	if (tmp_dir[0])
		rmdir(tmp_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_official_tree),
		cmocka_unit_test(test_official_aligned),
		cmocka_unit_test(test_official_encodings),
		cmocka_unit_test(test_official_table),
		cmocka_unit_test(test_chunk_reader_api),
		cmocka_unit_test(test_writer_table),
		cmocka_unit_test(test_writer_files_every_op),
		cmocka_unit_test(test_later_chunk_wins),
		cmocka_unit_test(test_compressible_pages),
		cmocka_unit_test(test_partial_queries),
		cmocka_unit_test(test_pruning_skips_pages),
		cmocka_unit_test(test_v3_file),
		cmocka_unit_test(test_aligned_without_marker_bits),
		cmocka_unit_test(test_hostile_truncated),
		cmocka_unit_test(test_hostile_flipped),
		cmocka_unit_test(test_hostile_no_memory),
		cmocka_unit_test(test_not_a_tsfile),
	};
	if (getenv("TEST_FILTER")) /* e.g. TEST_FILTER='test_hostile_*' */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, teardown);
}
