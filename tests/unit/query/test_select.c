/*
 * test_select.c — query_select (src/query/select.c, analyze.c, raw.c,
 * aggregate.c, last.c, disalign.c) over data written straight through schema +
 * storage into a temporary directory, queries parsed with ast_parse.
 * Results are rendered to text ("time,v1,v2" per row) and compared with
 * rows worked out by hand from IoTDB's documented semantics, or, for
 * random data (out-of-order writes, overwrites, flushes in between), with
 * a brute-force model computed here from the points written.
 */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "query/query.h"

typedef struct fx {
	char dir[64];
	schema_t *schema;
	storage_t *storage;
	query_ctx_t ctx;
	arena_t *arena;
	larch_error_t err;
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));
	storage_options_t o;

	snprintf(f->dir, sizeof(f->dir), "/tmp/larch_sel_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(schema_open(NULL, NULL, &f->schema, NULL), LARCH_OK);
	storage_options_default(&o);
	o.wal_mode = STORAGE_WAL_OFF;
	o.compaction = 0;
	o.tsfile.page_max_points = 64;        /* many pages: summaries and merges get work */
	assert_int_equal(storage_open(f->dir, &o, &f->storage, NULL), LARCH_OK);
	f->ctx.schema = f->schema;
	f->ctx.storage = f->storage;
	f->ctx.precision = 0;
	f->ctx.now = 1000000;
	f->arena = arena_new(0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	char cmd[128];

	storage_close(f->storage, NULL);
	schema_close(f->schema, NULL);
	arena_free(f->arena);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Create series `path` of type t; returns its id. */
static uint32_t mk(fx_t *f, const char *path, tsfile_type_t t)
{
	schema_meas_def_t def = { 0 };
	uint32_t sid;

	def.type = t;
	def.encoding = -1;
	def.codec = -1;
	assert_int_equal(schema_series_create(f->schema, path, &def, &sid, &f->err), LARCH_OK);
	return sid;
}

/* Write n points of one series (path "root.sg.dX.sY", database root.sg). */
static void put(fx_t *f, const char *device, const char *meas, uint32_t sid, tsfile_type_t t,
		const int64_t *times, const void *values, size_t n)
{
	storage_column_t c = { sid, meas, t, -1, -1, values, NULL };
	storage_write_t w = { "root.sg", device, 0, 0, n, times, 1, &c };

	assert_int_equal(storage_write(f->storage, &w, &f->err), LARCH_OK);
}

static void put_i64(fx_t *f, const char *device, const char *meas, uint32_t sid, int64_t t,
		    int64_t v)
{
	put(f, device, meas, sid, TSFILE_INT64, &t, &v, 1);
}

/* Append the text of cell (c, row) to b. */
static void render_cell(buf_t *b, const larch_column_t *c, size_t row)
{
	char tmp[64];
	const void *v = c->values;

	if (c->nulls && c->nulls[row]) {
		buf_put(b, "null", 4);
		return;
	}
	switch (c->type) {
	case TSFILE_BOOLEAN:
		snprintf(tmp, sizeof(tmp), "%s", ((const uint8_t *)v)[row] ? "true" : "false");
		break;
	case TSFILE_INT32:
		snprintf(tmp, sizeof(tmp), "%" PRId32, ((const int32_t *)v)[row]);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		snprintf(tmp, sizeof(tmp), "%" PRId64, ((const int64_t *)v)[row]);
		break;
	case TSFILE_FLOAT:
		snprintf(tmp, sizeof(tmp), "%g", (double)((const float *)v)[row]);
		break;
	case TSFILE_DOUBLE:
		snprintf(tmp, sizeof(tmp), "%g", ((const double *)v)[row]);
		break;
	default: {
		const tsfile_bytes_t *s = &((const tsfile_bytes_t *)v)[row];
		buf_put(b, s->ptr, s->len);
		return;
	}
	}
	buf_put(b, tmp, strlen(tmp));
}

/* Run sql; returns LARCH_OK and the rendered result in *text (header line
 * "Time,name,..." then one line per row), or the error code. */
static int run(fx_t *f, const char *sql, char **text)
{
	ast_stmt_t *st;
	query_result_t *r;
	const larch_block_t *blk;
	buf_t b = BUF_INIT;
	int rc;

	arena_reset(f->arena);
	memset(&f->err, 0, sizeof(f->err));
	rc = ast_parse(sql, strlen(sql), f->arena, &st, &f->err);
	if (rc)
		return rc;
	assert_int_equal(st->kind, AST_SELECT);
	rc = query_select(&f->ctx, st->select, &r, &f->err);
	if (rc)
		return rc;
	if (r->has_time)
		buf_put(&b, "Time", 4);
	for (size_t i = 0; i < r->n_cols; i++) {
		if (i || r->has_time)
			buf_put_u8(&b, ',');
		buf_put(&b, r->names[i], strlen(r->names[i]));
	}
	buf_put_u8(&b, '\n');
	while ((rc = query_result_next(r, &blk, &f->err)) == LARCH_OK) {
		assert_true(blk->n_rows > 0 && blk->n_rows <= 4096);
		assert_int_equal(blk->n_columns, r->n_cols);
		for (size_t row = 0; row < blk->n_rows; row++) {
			char tmp[32];
			if (r->has_time) {
				snprintf(tmp, sizeof(tmp), "%" PRId64, blk->times[row]);
				buf_put(&b, tmp, strlen(tmp));
			}
			for (size_t i = 0; i < blk->n_columns; i++) {
				assert_int_equal(blk->columns[i].type, r->types[i]);
				if (i || r->has_time)
					buf_put_u8(&b, ',');
				render_cell(&b, &blk->columns[i], row);
			}
			buf_put_u8(&b, '\n');
		}
	}
	query_result_free(r);
	assert_int_equal(rc, LARCH_DONE);
	buf_put_u8(&b, 0);
	assert_true(buf_ok(&b));
	*text = (char *)b.data;
	return LARCH_OK;
}

static void expect(fx_t *f, const char *sql, const char *want)
{
	char *got = NULL;
	int rc = run(f, sql, &got);

	if (rc)
		fail_msg("%s: error %d %s", sql, rc, f->err.msg);
	if (strcmp(got, want))
		fail_msg("%s\n--- got\n%s--- want\n%s", sql, got, want);
	mem_free(got);
}

static void expect_error(fx_t *f, const char *sql, int code)
{
	char *got = NULL;
	int rc = run(f, sql, &got);

	if (rc != code)
		fail_msg("%s: want error %d, got %d (%s)", sql, code, rc, f->err.msg);
	mem_free(got);
}

/* root.sg.d1.s1 INT64 at 1..5 = t*10; root.sg.d1.s2 INT64 at 2, 4, 6 = t;
 * root.sg.d2.s1 INT64 at 3, 4, 7 = -t. */
static void small_data(fx_t *f)
{
	uint32_t a = mk(f, "root.sg.d1.s1", TSFILE_INT64);
	uint32_t b = mk(f, "root.sg.d1.s2", TSFILE_INT64);
	uint32_t c = mk(f, "root.sg.d2.s1", TSFILE_INT64);

	for (int64_t t = 1; t <= 5; t++)
		put_i64(f, "root.sg.d1", "s1", a, t, t * 10);
	for (int64_t t = 2; t <= 6; t += 2)
		put_i64(f, "root.sg.d1", "s2", b, t, t);
	put_i64(f, "root.sg.d2", "s1", c, 3, -3);
	put_i64(f, "root.sg.d2", "s1", c, 4, -4);
	put_i64(f, "root.sg.d2", "s1", c, 7, -7);
}

static void test_raw_basic(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select s1 from root.sg.d1 where time >= 2 and time < 4",
	       "Time,root.sg.d1.s1\n2,20\n3,30\n");
	expect(f, "select s1, s2 from root.sg.d1",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n1,10,null\n2,20,2\n3,30,null\n4,40,4\n"
	       "5,50,null\n6,null,6\n");
	/* several devices merged by time; select item major, prefixes in order */
	expect(f, "select s1 from root.sg.d1, root.sg.d2",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n1,10,null\n2,20,null\n3,30,-3\n4,40,-4\n"
	       "5,50,null\n7,null,-7\n");
	expect(f, "select * from root.sg.*",
	       "Time,root.sg.d1.s1,root.sg.d1.s2,root.sg.d2.s1\n1,10,null,null\n2,20,2,null\n"
	       "3,30,null,-3\n4,40,4,-4\n5,50,null,null\n6,null,6,null\n7,null,null,-7\n");
	expect(f, "select s1 from root.sg.** where time > 4",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n5,50,null\n7,null,-7\n");
	/* several ranges joined by OR */
	expect(f, "select s1 from root.sg.d1 where time < 2 or (time > 3 and time <= 4)",
	       "Time,root.sg.d1.s1\n1,10\n4,40\n");
	/* nothing matches */
	expect(f, "select nope from root.sg.d1", "Time\n");
	expect(f, "select s1 from root.sg.d1 where time > 100", "Time,root.sg.d1.s1\n");
}

static void test_raw_filter_limit_desc(void **state)
{
	fx_t *f = *state;

	small_data(f);
	/* value filter on a selected series and on another series */
	expect(f, "select s1 from root.sg.d1 where s1 > 25",
	       "Time,root.sg.d1.s1\n3,30\n4,40\n5,50\n");
	expect(f, "select s1 from root.sg.d1 where s2 >= 4",
	       "Time,root.sg.d1.s1\n4,40\n");
	/* a row only the WHERE series has is not a row of s1 */
	expect(f, "select s1 from root.sg.d1 where s2 > 5", "Time,root.sg.d1.s1\n");
	expect(f, "select s1, s2 from root.sg.d1 where s1 > 30 or s2 > 5",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n4,40,4\n5,50,null\n6,null,6\n");
	/* LIMIT / OFFSET count result rows */
	expect(f, "select s1 from root.sg.d1, root.sg.d2 limit 2 offset 3",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n4,40,-4\n5,50,null\n");
	expect(f, "select s1 from root.sg.d1 limit 2 offset 6", "Time,root.sg.d1.s1\n");
	expect(f, "select s1 from root.sg.d1 where s1 > 10 limit 1 offset 1",
	       "Time,root.sg.d1.s1\n3,30\n");
	/* ORDER BY TIME DESC */
	expect(f, "select s1 from root.sg.d1, root.sg.d2 order by time desc limit 3",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n7,null,-7\n5,50,null\n4,40,-4\n");
	expect(f, "select s1 from root.sg.d1 where time < 2 or time > 4 order by time desc",
	       "Time,root.sg.d1.s1\n5,50\n1,10\n");
	/* expressions and aliases */
	expect(f, "select s1 + s2, s1 as a from root.sg.d1 where time <= 2",
	       "Time,root.sg.d1.s1 + root.sg.d1.s2,a\n1,null,10\n2,22,20\n");
}

static void test_align_by_device(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select s1, s2 from root.sg.* align by device",
	       "Time,Device,s1,s2\n1,root.sg.d1,10,null\n2,root.sg.d1,20,2\n3,root.sg.d1,30,null\n"
	       "4,root.sg.d1,40,4\n5,root.sg.d1,50,null\n6,root.sg.d1,null,6\n"
	       "3,root.sg.d2,-3,null\n4,root.sg.d2,-4,null\n7,root.sg.d2,-7,null\n");
	expect(f, "select s1 + 1 from root.sg.* where s1 < 0 or s1 > 40 align by device",
	       "Time,Device,s1 + 1\n5,root.sg.d1,51\n3,root.sg.d2,-2\n4,root.sg.d2,-3\n"
	       "7,root.sg.d2,-6\n");
	/* the WHERE series of another device does not filter this one; a
	 * device without it has no rows */
	expect(f, "select s1 from root.sg.* where s2 > 3 align by device",
	       "Time,Device,s1\n4,root.sg.d1,40\n");
	expect(f, "select * from root.sg.** order by device desc, time desc limit 3 offset 1 "
	       "align by device",
	       "Time,Device,s1,s2\n4,root.sg.d2,-4,null\n3,root.sg.d2,-3,null\n"
	       "6,root.sg.d1,null,6\n");
	expect(f, "select s2 from root.sg.* align by device", "Time,Device,s2\n2,root.sg.d1,2\n"
	       "4,root.sg.d1,4\n6,root.sg.d1,6\n");
}

/* DISABLE ALIGN (IoTDB 0.13): a (Time, value) pair per column, each pair
 * its own points, null below its end; no global time column. */
static void test_disable_align(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select s1, s2 from root.sg.d1 disable align",
	       "Time,root.sg.d1.s1,Time,root.sg.d1.s2\n1,10,2,2\n2,20,4,4\n3,30,6,6\n"
	       "4,40,null,null\n5,50,null,null\n");
	/* time ranges cut each pair; OFFSET/LIMIT count each pair's points */
	expect(f, "select s1 from root.sg.* where time > 2 limit 2 offset 1 disable align",
	       "Time,root.sg.d1.s1,Time,root.sg.d2.s1\n4,40,4,-4\n5,50,7,-7\n");
	expect(f, "select s1 from root.sg.* order by time desc limit 2 disable align",
	       "Time,root.sg.d1.s1,Time,root.sg.d2.s1\n5,50,7,-7\n4,40,4,-4\n");
	/* a value predicate keeps the cells of the ALIGN BY TIME column */
	expect(f, "select s1, s2 from root.sg.d1 where s1 > 25 disable align",
	       "Time,root.sg.d1.s1,Time,root.sg.d1.s2\n3,30,4,4\n4,40,null,null\n"
	       "5,50,null,null\n");
	/* an expression lists its non-null cells only */
	expect(f, "select s1 + s2 from root.sg.d1 disable align",
	       "Time,root.sg.d1.s1 + root.sg.d1.s2\n2,22\n4,44\n");
	expect(f, "select * from root.sg.d1 slimit 1 soffset 1 disable align",
	       "Time,root.sg.d1.s2\n2,2\n4,4\n6,6\n");
	expect(f, "select s1 from root.sg.d1 where time > 100 disable align", "Time,root.sg.d1.s1\n");
	expect(f, "select nope from root.sg.d1 disable align", "\n");
	/* SELECT LAST ignores it (seed: select last ... <DISABLE ALIGN>) */
	expect(f, "select last s2 from root.sg.d1 disable align",
	       "Time,Timeseries,Value,DataType\n6,root.sg.d1.s2,6,INT64\n");
	/* refused as IoTDB 0.13 did */
	expect_error(f, "select count(s1) from root.sg.d1 disable align", LARCH_SEMANTIC_ERROR);
	expect_error(f, "select count(s1) from root.sg.d1 group by ([0, 10), 2ms) disable align",
		     LARCH_SEMANTIC_ERROR);
	expect_error(f, "select s1 from root.sg.d1 fill(previous) disable align",
		     LARCH_SEMANTIC_ERROR);
	expect_error(f, "select s1 from root.sg.d1 align by device disable align",
		     LARCH_PARSE_ERROR);
}

/* A TEXT pair and a shorter INT64 pair over many blocks (out-of-order
 * writes, flushes, 64-point pages): byte strings stay right when a pair
 * pulls several stream blocks for one result block. */
static void test_disable_align_blocks(void **state)
{
	fx_t *f = *state;
	uint32_t txt = mk(f, "root.sg.d9.txt", TSFILE_TEXT);
	uint32_t num = mk(f, "root.sg.d9.num", TSFILE_INT64);
	enum { N = 10000 };
	static char bytes[N][24];
	static tsfile_bytes_t vals[N];
	static int64_t times[N];
	buf_t want = BUF_INIT;
	char tmp[96];

	for (int chunk = 9; chunk >= 0; chunk--) {      /* newest chunk first */
		size_t n = 0;
		for (int64_t t = chunk * 1000; t < (chunk + 1) * 1000; t++, n++) {
			snprintf(bytes[t], sizeof(bytes[t]), "v%" PRId64, t);
			vals[n] = (tsfile_bytes_t){ bytes[t], (uint32_t)strlen(bytes[t]) };
			times[n] = t;
		}
		put(f, "root.sg.d9", "txt", txt, TSFILE_TEXT, times, vals, n);
		if (chunk % 3 == 0)
			assert_int_equal(storage_flush(f->storage, &f->err), LARCH_OK);
	}
	for (int64_t t = 0; t < N; t += 3)
		put_i64(f, "root.sg.d9", "num", num, t, -t);
	buf_put(&want, "Time,root.sg.d9.txt,Time,root.sg.d9.num\n", 40);
	/* time >= 100 offset 7: txt 107..9999, num multiples of 3 from 102 + 21 */
	for (int64_t i = 0; 107 + i < N; i++) {
		int64_t tn = 123 + 3 * i;
		if (tn < N)
			snprintf(tmp, sizeof(tmp), "%" PRId64 ",v%" PRId64 ",%" PRId64 ",%" PRId64 "\n",
				 107 + i, 107 + i, tn, -tn);
		else
			snprintf(tmp, sizeof(tmp), "%" PRId64 ",v%" PRId64 ",null,null\n", 107 + i,
				 107 + i);
		buf_put(&want, tmp, strlen(tmp));
	}
	buf_put_u8(&want, 0);
	expect(f, "select txt, num from root.sg.d9 where time >= 100 offset 7 disable align",
	       (const char *)want.data);
	buf_free(&want);
}

static void test_limit_errors(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect_error(f, "select s1 from root.sg.d1 limit 0", LARCH_SEMANTIC_ERROR);
	expect_error(f, "select s1 from root.sg.d1 limit 1234567890123", LARCH_SEMANTIC_ERROR);
	expect_error(f, "select s1 from root.sg.d1 limit 13.1", LARCH_PARSE_ERROR);
	expect_error(f, "select s1 from root.sg.d1 slimit 0", LARCH_SEMANTIC_ERROR);
	/* SLIMIT needs a wildcard (seed 004) */
	expect_error(f, "select s1, s2 from root.sg.d1 slimit 1", LARCH_SEMANTIC_ERROR);
	/* SOFFSET beyond the columns */
	expect_error(f, "select * from root.sg.d1 slimit 1 soffset 2", LARCH_SEMANTIC_ERROR);
	expect(f, "select * from root.sg.d1 slimit 1 soffset 1",
	       "Time,root.sg.d1.s2\n2,2\n4,4\n6,6\n");
	expect(f, "select * from root.sg.d1 limit 1 offset 1 slimit 1",
	       "Time,root.sg.d1.s1\n2,20\n");
	expect_error(f, "select s1 as x from root.sg.*", LARCH_SEMANTIC_ERROR);
}

static void test_last(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select last s1, s2 from root.sg.d1",
	       "Time,Timeseries,Value,DataType\n5,root.sg.d1.s1,50,INT64\n"
	       "6,root.sg.d1.s2,6,INT64\n");
	expect(f, "select last * from root.sg.** where time >= 6",
	       "Time,Timeseries,Value,DataType\n6,root.sg.d1.s2,6,INT64\n"
	       "7,root.sg.d2.s1,-7,INT64\n");
	expect(f, "select last * from root.sg.** order by timeseries desc",
	       "Time,Timeseries,Value,DataType\n7,root.sg.d2.s1,-7,INT64\n"
	       "6,root.sg.d1.s2,6,INT64\n5,root.sg.d1.s1,50,INT64\n");
	/* the newest point inside the ranges when the last one is outside */
	expect(f, "select last s1 from root.sg.d1 where time < 4",
	       "Time,Timeseries,Value,DataType\n3,root.sg.d1.s1,30,INT64\n");
	expect(f, "select last * from root.sg.** order by time desc limit 1",
	       "Time,Timeseries,Value,DataType\n7,root.sg.d2.s1,-7,INT64\n");
}

static void test_aggregate(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select count(s1), sum(s1), avg(s2) from root.sg.d1",
	       "count(root.sg.d1.s1),sum(root.sg.d1.s1),avg(root.sg.d1.s2)\n5,150,4\n");
	expect(f, "select count(s1), max_value(s1), min_time(s1) from root.sg.d1 where time > 2",
	       "count(root.sg.d1.s1),max_value(root.sg.d1.s1),min_time(root.sg.d1.s1)\n3,50,3\n");
	/* a value filter goes through the merged stream */
	expect(f, "select count(s1) from root.sg.d1 where s2 > 0",
	       "count(root.sg.d1.s1)\n2\n");
	/* expressions over aggregates, and of inputs */
	expect(f, "select sum(s1) / count(s1), count(s1 + s2) from root.sg.d1",
	       "sum(root.sg.d1.s1) / count(root.sg.d1.s1),count(root.sg.d1.s1 + root.sg.d1.s2)\n"
	       "30,2\n");
	/* no data: count 0, others null */
	expect(f, "select count(s1), first_value(s1) from root.sg.d1 where time > 100",
	       "count(root.sg.d1.s1),first_value(root.sg.d1.s1)\n0,null\n");
	/* GROUP BY time windows, [start, end) and (start, end] */
	expect(f, "select count(s1) from root.sg.d1 group by ([1, 7), 2ms)",
	       "Time,count(root.sg.d1.s1)\n1,2\n3,2\n5,1\n");
	expect(f, "select count(s1) from root.sg.d1 group by ((0, 6], 2ms)",
	       "Time,count(root.sg.d1.s1)\n2,2\n4,2\n6,1\n");
	expect(f, "select count(s1) from root.sg.d1 group by ([1, 7), 1ms, 3ms)",
	       "Time,count(root.sg.d1.s1)\n1,1\n4,1\n");
	expect(f, "select count(s1) from root.sg.d1 group by ([1, 7), 2ms) order by time desc limit 2",
	       "Time,count(root.sg.d1.s1)\n5,1\n3,2\n");
	/* HAVING and FILL */
	expect(f, "select count(s2) from root.sg.d1 group by ([1, 7), 1ms) having count(s2) > 0",
	       "Time,count(root.sg.d1.s2)\n2,1\n4,1\n6,1\n");
	expect(f, "select last_value(s2) from root.sg.d1 group by ([1, 7), 1ms) fill(previous)",
	       "Time,last_value(root.sg.d1.s2)\n1,null\n2,2\n3,2\n4,4\n5,4\n6,6\n");
	/* GROUP BY LEVEL merges series */
	expect(f, "select count(s1) from root.sg.* group by level = 1",
	       "count(root.sg.*.s1)\n8\n");
	/* a wildcard measurement is a * in the level name too */
	expect(f, "select count(*) from root.sg.* group by level = 2",
	       "count(root.*.d1.*),count(root.*.d2.*)\n8,3\n");
	expect(f, "select count(s1) from root.sg.* group by ([1, 5), 2ms), level = 1",
	       "Time,count(root.sg.*.s1)\n1,2\n3,4\n");
	expect_error(f, "select count(s1), s2 from root.sg.d1", LARCH_SEMANTIC_ERROR);
	expect_error(f, "select s1 from root.sg.d1 group by ([1, 7), 2ms)", LARCH_SEMANTIC_ERROR);
	expect_error(f, "select avg(s1) from root.sg.d1 group by ([7, 1), 2ms)",
		     LARCH_SEMANTIC_ERROR);
}

/* FILL on raw rows (IoTDB 2.0): PREVIOUS (with a bound), LINEAR,
 * constants; in result order; before OFFSET/LIMIT; the 2.0 grammar. */
static void test_fill_raw(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select s1, s2 from root.sg.d1 fill(previous)",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n1,10,null\n2,20,2\n3,30,2\n4,40,4\n5,50,4\n"
	       "6,50,6\n");
	/* the bound: d1.s1 at 7 is 2 ms after its last value, d2.s1 at 5 1 ms */
	expect(f, "select s1 from root.sg.d1, root.sg.d2 fill(previous, 1ms)",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n1,10,null\n2,20,null\n3,30,-3\n4,40,-4\n"
	       "5,50,-4\n7,null,-7\n");
	expect(f, "select s1 from root.sg.d1, root.sg.d2 fill(previous, 2ms)",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n1,10,null\n2,20,null\n3,30,-3\n4,40,-4\n"
	       "5,50,-4\n7,50,-7\n");
	/* LINEAR: between the neighbours by time (INT64 truncates); none
	 * before the first or after the last value */
	expect(f, "select s2, s1 from root.sg.d1 where time >= 2 fill(linear)",
	       "Time,root.sg.d1.s2,root.sg.d1.s1\n2,2,20\n3,3,30\n4,4,40\n5,5,50\n6,6,null\n");
	expect(f, "select s1 from root.sg.d2, root.sg.d1 fill(linear)",
	       "Time,root.sg.d2.s1,root.sg.d1.s1\n1,null,10\n2,null,20\n3,-3,30\n4,-4,40\n"
	       "5,-5,50\n7,-7,null\n");
	expect(f, "select s1, s2 from root.sg.d1 fill(100)",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n1,10,100\n2,20,2\n3,30,100\n4,40,4\n5,50,100\n"
	       "6,100,6\n");
	/* in result order: with ORDER BY TIME DESC the previous row is later */
	expect(f, "select s1 from root.sg.d1, root.sg.d2 order by time desc fill(previous)",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n7,null,-7\n5,50,-7\n4,40,-4\n3,30,-3\n"
	       "2,20,-3\n1,10,-3\n");
	/* OFFSET/LIMIT count filled rows */
	expect(f, "select s1, s2 from root.sg.d1 fill(previous) limit 2 offset 2",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n3,30,2\n4,40,4\n");
	/* ALIGN BY DEVICE: the fill runs over the rows across devices */
	expect(f, "select s1, s2 from root.sg.* fill(previous) align by device",
	       "Time,Device,s1,s2\n1,root.sg.d1,10,null\n2,root.sg.d1,20,2\n3,root.sg.d1,30,2\n"
	       "4,root.sg.d1,40,4\n5,root.sg.d1,50,4\n6,root.sg.d1,50,6\n3,root.sg.d2,-3,6\n"
	       "4,root.sg.d2,-4,6\n7,root.sg.d2,-7,6\n");
	/* IoTDB 2.0's grammar for its forms: only PREVIOUS takes a duration */
	expect_error(f, "select s1 from root.sg.d1 fill(linear, 1ms)", LARCH_SEMANTIC_ERROR);
	expect_error(f, "select s1 from root.sg.d1 fill(2.0, 1ms)", LARCH_SEMANTIC_ERROR);
	expect_error(f, "select s1 from root.sg.d1 fill(previous, 2)", LARCH_PARSE_ERROR);
	/* the old per-type list over rows: the rule of each column's type */
	expect(f, "select s1, s2 from root.sg.d1 fill(int64[previous])",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n1,10,null\n2,20,2\n3,30,2\n4,40,4\n5,50,4\n"
	       "6,50,6\n");
	expect(f, "select s1, s2 from root.sg.d1 fill(double[previous])",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n1,10,null\n2,20,2\n3,30,null\n4,40,4\n"
	       "5,50,null\n6,null,6\n");
	/* PREVIOUSUNTILLAST: d1.s1's last value is at 5, so 6 stays null */
	expect(f, "select s1, s2 from root.sg.d1 fill(previousuntillast)",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n1,10,null\n2,20,2\n3,30,2\n4,40,4\n5,50,4\n"
	       "6,null,6\n");
}

/* IoTDB 0.10's single time-point FILL: one row at T; the value there, else
 * the rule of the column's type (INT64 not listed: linear, 10 min each
 * side). */
static void test_fill_point(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select s1, s2 from root.sg.d1 where time = 6 fill(int64[previous])",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n6,50,6\n");
	expect(f, "select s1, s2 from root.sg.d1 where time = 3 fill(int64[linear, 1ms, 1ms])",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n3,30,3\n");
	expect(f, "select s1, s2 from root.sg.d1 where time = 8 fill(int64[previous, 1ms])",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n8,null,null\n");
	expect(f, "select s1, s2 from root.sg.d1 where time = 8 fill(int64[previous, 2ms])",
	       "Time,root.sg.d1.s1,root.sg.d1.s2\n8,null,6\n");
	expect(f, "select s2 from root.sg.d1 where time = 3 fill(boolean[previous])",
	       "Time,root.sg.d1.s2\n3,3\n");
	/* d2.s1: -4 at 4, -7 at 7 -> -6 at 6; d1.s1 has nothing after 6 */
	expect(f, "select s1 from root.sg.d1, root.sg.d2 where time = 6 fill(int64[linear])",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n6,null,-6\n");
	expect(f, "select s1 from root.sg.d1, root.sg.d2 where time = 6 fill(previousuntillast)",
	       "Time,root.sg.d1.s1,root.sg.d2.s1\n6,null,-4\n");
	/* an expression column (s1 + 1 is DOUBLE): its values at the points of
	 * its series; the INT64 entry does not apply, DOUBLE's default linear
	 * finds no later point */
	expect(f, "select s1 + 1 from root.sg.d1 where time = 9 fill(double[previous])",
	       "Time,root.sg.d1.s1 + 1\n9,51\n");
	expect(f, "select s1 + 1 from root.sg.d1 where time = 9 fill(int64[previous])",
	       "Time,root.sg.d1.s1 + 1\n9,null\n");
	expect_error(f, "select s1 from root.sg.d1 where time = 6 fill(int64[previous]) limit 1",
		     LARCH_SEMANTIC_ERROR);
	expect_error(f, "select s1 from root.sg.d1 where time = 6 fill(text[linear])",
		     LARCH_SEMANTIC_ERROR);
}

/* FILL across result blocks (4096 rows): a LINEAR gap spanning blocks is
 * held back until its next value, TEXT values carried by PREVIOUS outlive
 * the storage blocks they came from (ASan checks the copies). */
static void test_fill_blocks(void **state)
{
	fx_t *f = *state;
	uint32_t a = mk(f, "root.sg.d1.a", TSFILE_DOUBLE);
	uint32_t b = mk(f, "root.sg.d1.b", TSFILE_DOUBLE);
	uint32_t c = mk(f, "root.sg.d1.c", TSFILE_TEXT);
	const int64_t n = 10000, t1 = 2, t2 = 9000;
	double bv[2] = { 5.0, -3.5 };
	int64_t bt[2] = { t1, t2 }, ct[2] = { 3, 9500 };
	tsfile_bytes_t cv[2] = { { "first", 5 }, { "second", 6 } };
	buf_t want = BUF_INIT, want2 = BUF_INIT;
	char line[128];

	for (int64_t t = 1; t <= n; t++) {
		double v = (double)t;
		put(f, "root.sg.d1", "a", a, TSFILE_DOUBLE, &t, &v, 1);
		if (t == n / 2)
			assert_int_equal(storage_flush(f->storage, &f->err), LARCH_OK);
	}
	put(f, "root.sg.d1", "b", b, TSFILE_DOUBLE, bt, bv, 2);
	put(f, "root.sg.d1", "c", c, TSFILE_TEXT, ct, cv, 2);
	buf_put(&want, "Time,root.sg.d1.a,root.sg.d1.b\n", 31);
	buf_put(&want2, "Time,root.sg.d1.c,root.sg.d1.a\n", 31);
	for (int64_t t = 1; t <= n; t++) {
		if (t < t1 || t > t2) {
			snprintf(line, sizeof(line), "%" PRId64 ",%g,null\n", t, (double)t);
		} else {
			/* linear interpolation between (t1, 5.0) and (t2, -3.5) */
			double frac = (double)(t - t1) / (double)(t2 - t1);
			snprintf(line, sizeof(line), "%" PRId64 ",%g,%g\n", t, (double)t,
				 bv[0] + (bv[1] - bv[0]) * frac);
		}
		buf_put(&want, line, strlen(line));
		snprintf(line, sizeof(line), "%" PRId64 ",%s,%g\n", t,
			 t < 3 ? "null" : t < 9500 ? "first" : "second", (double)t);
		buf_put(&want2, line, strlen(line));
	}
	buf_put_u8(&want, 0);
	buf_put_u8(&want2, 0);
	expect(f, "select a, b from root.sg.d1 fill(linear)", (const char *)want.data);
	expect(f, "select c, a from root.sg.d1 fill(previous)", (const char *)want2.data);
	buf_free(&want);
	buf_free(&want2);
}

/* Aggregation ALIGN BY DEVICE: Device then the measurement-named columns,
 * per device and window, HAVING per device, ORDER BY TIME first. */
static void test_agg_align_by_device(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select count(s1), sum(s2) from root.sg.* align by device",
	       "Device,count(s1),sum(s2)\nroot.sg.d1,5,12\nroot.sg.d2,3,null\n");
	expect(f, "select count(s1) from root.sg.* group by ([1, 7), 3ms) align by device",
	       "Time,Device,count(s1)\n1,root.sg.d1,3\n4,root.sg.d1,2\n1,root.sg.d2,1\n"
	       "4,root.sg.d2,1\n");
	expect(f, "select count(s1) from root.sg.* group by ([1, 7), 3ms) having count(s1) > 1 "
	       "align by device",
	       "Time,Device,count(s1)\n1,root.sg.d1,3\n4,root.sg.d1,2\n");
	expect(f, "select count(s1) from root.sg.* group by ([1, 7), 3ms) order by time "
	       "align by device",
	       "Time,Device,count(s1)\n1,root.sg.d1,3\n1,root.sg.d2,1\n4,root.sg.d1,2\n"
	       "4,root.sg.d2,1\n");
	expect(f, "select count(s1) from root.sg.* group by ([1, 7), 3ms) order by device desc, "
	       "time desc limit 3 align by device",
	       "Time,Device,count(s1)\n4,root.sg.d2,1\n1,root.sg.d2,1\n4,root.sg.d1,2\n");
	/* a value filter per device; an expression over aggregates */
	expect(f, "select count(s1), max_value(s1) + 1 from root.sg.* where s1 > 0 align by device",
	       "Device,count(s1),max_value(s1) + 1\nroot.sg.d1,5,51\nroot.sg.d2,0,null\n");
	expect_error(f, "select count(s1) from root.sg.* group by level = 1 align by device",
		     LARCH_SEMANTIC_ERROR);
}

/* Raw ALIGN BY DEVICE ordered by TIME first: devices merged by time. */
static void test_device_by_time(void **state)
{
	fx_t *f = *state;

	small_data(f);
	expect(f, "select s1 from root.sg.* order by time align by device",
	       "Time,Device,s1\n1,root.sg.d1,10\n2,root.sg.d1,20\n3,root.sg.d1,30\n"
	       "3,root.sg.d2,-3\n4,root.sg.d1,40\n4,root.sg.d2,-4\n5,root.sg.d1,50\n"
	       "7,root.sg.d2,-7\n");
	expect(f, "select s1, s2 from root.sg.* order by time desc, device desc limit 4 offset 1 "
	       "align by device",
	       "Time,Device,s1,s2\n6,root.sg.d1,null,6\n5,root.sg.d1,50,null\n"
	       "4,root.sg.d2,-4,null\n4,root.sg.d1,40,4\n");
	expect(f, "select s1 from root.sg.* where s1 < 35 order by time align by device",
	       "Time,Device,s1\n1,root.sg.d1,10\n2,root.sg.d1,20\n3,root.sg.d1,30\n"
	       "3,root.sg.d2,-3\n4,root.sg.d2,-4\n7,root.sg.d2,-7\n");
}

/* GROUP BY TAGS: tag value columns then the aggregates over the
 * measurement; series without the tag under "NULL". */
static void test_group_by_tags(void **state)
{
	fx_t *f = *state;
	schema_kv_t bj = { "city", "bj" }, sh = { "city", "sh" };
	const char *devs[4] = { "root.sg.d1", "root.sg.d2", "root.sg.d3", "root.sg.d4" };
	const schema_kv_t *tags[4] = { &bj, &bj, &sh, NULL };
	double vals[4] = { 1.0, 5.0, 10.0, 7.0 };

	for (int i = 0; i < 4; i++) {
		schema_meas_def_t def = { 0 };
		char path[32];
		uint32_t sid;
		int64_t t = 1 + i;
		def.type = TSFILE_DOUBLE;
		def.encoding = -1;
		def.codec = -1;
		def.tags = tags[i];
		def.ntags = tags[i] ? 1 : 0;
		snprintf(path, sizeof(path), "%s.s", devs[i]);
		assert_int_equal(schema_series_create(f->schema, path, &def, &sid, &f->err), LARCH_OK);
		put(f, devs[i], "s", sid, TSFILE_DOUBLE, &t, &vals[i], 1);
	}
	expect(f, "select avg(s), count(s) from root.sg.** group by tags(city)",
	       "city,avg(s),count(s)\nbj,3,2\nsh,10,1\nNULL,7,1\n");
	expect(f, "select count(s) from root.sg.** group by ([1, 5), 2ms), tags(city)",
	       "Time,city,count(s)\n1,bj,2\n1,sh,0\n1,NULL,0\n3,bj,0\n3,sh,1\n3,NULL,1\n");
	expect_error(f, "select avg(s) from root.sg.** where s > 1 group by tags(city)",
		     LARCH_SEMANTIC_ERROR);
}

/* COUNT_TIME(*), the GROUP BY LEVEL type rule, DISABLE ALIGN. */
static void test_count_time_level_types(void **state)
{
	fx_t *f = *state;
	uint32_t d3 = mk(f, "root.sg.d3.s1", TSFILE_DOUBLE);
	double v = 2.5;
	int64_t t = 9;

	small_data(f);
	put(f, "root.sg.d3", "s1", d3, TSFILE_DOUBLE, &t, &v, 1);
	expect(f, "select count_time(*) from root.sg.d1", "count_time(*)\n6\n");
	expect(f, "select count_time(*) from root.sg.**", "count_time(*)\n8\n");
	expect(f, "select count_time(*) from root.sg.d1 group by ([1, 7), 3ms)",
	       "Time,count_time(*)\n1,3\n4,3\n");
	expect(f, "select count_time(*) from root.sg.d1 where s1 > 20", "count_time(*)\n3\n");
	expect_error(f, "select count_time(*), count(s1) from root.sg.d1", LARCH_SEMANTIC_ERROR);
	/* IoTDB 2.0 compares the aggregate's result types: sum is DOUBLE for
	 * INT64 and DOUBLE series, max_value is not */
	expect(f, "select sum(s1) from root.sg.* group by level = 1", "sum(root.sg.*.s1)\n138.5\n");
	expect_error(f, "select max_value(s1) from root.sg.* group by level = 1",
		     LARCH_SEMANTIC_ERROR);
	/* raw DISABLE ALIGN: test_disable_align; with aggregates refused */
	expect_error(f, "select count(s1) from root.sg.d1 disable align", LARCH_SEMANTIC_ERROR);
}

/* Sparse windows: many empty windows between far-apart points (the
 * driver jumps over them) give 0 / null rows, against a direct count. */
static void test_sparse_windows(void **state)
{
	fx_t *f = *state;
	uint32_t a = mk(f, "root.sg.d1.s1", TSFILE_INT64);
	int64_t pts[] = { 3, 4, 5000, 5001, 99999, 250000 };
	buf_t want = BUF_INIT;
	char line[64];

	for (size_t i = 0; i < LR_ARRAY_LEN(pts); i++)
		put_i64(f, "root.sg.d1", "s1", a, pts[i], (int64_t)i);
	buf_put(&want, "Time,count(root.sg.d1.s1)\n", 26);
	/* windows [k*7, k*7 + 3) over [0, 300000) with step 7 */
	for (int64_t ws = 0; ws < 300000; ws += 7) {
		int64_t cnt = 0;
		for (size_t i = 0; i < LR_ARRAY_LEN(pts); i++)
			cnt += pts[i] >= ws && pts[i] < ws + 3;
		snprintf(line, sizeof(line), "%" PRId64 ",%" PRId64 "\n", ws, cnt);
		buf_put(&want, line, strlen(line));
	}
	buf_put_u8(&want, 0);
	expect(f, "select count(s1) from root.sg.d1 where s1 >= 0 group by ([0, 300000), 3ms, 7ms)",
	       (const char *)want.data);
	buf_free(&want);
}

/*---------------------------------------------------------------------------
 * Random data against a brute-force model
 *---------------------------------------------------------------------------*/

#define R_DEVS 3
#define R_MEAS 2
#define R_TMAX 3000

/* model[d][m][t]: 0 absent, else value + 1 (values >= 0) */
typedef struct model {
	int64_t v[R_DEVS][R_MEAS][R_TMAX];
	uint8_t has[R_DEVS][R_MEAS][R_TMAX];
} model_t;

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void random_fill(fx_t *f, model_t *m)
{
	uint32_t sid[R_DEVS][R_MEAS];
	char path[64], dev[32], meas[8];

	for (int d = 0; d < R_DEVS; d++)
		for (int k = 0; k < R_MEAS; k++) {
			snprintf(path, sizeof(path), "root.sg.d%d.s%d", d, k);
			sid[d][k] = mk(f, path, TSFILE_INT64);
		}
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < 1500; i++) {
			int d = (int)(rnd() % R_DEVS), k = (int)(rnd() % R_MEAS);
			int64_t t = (int64_t)(rnd() % R_TMAX), v = (int64_t)(rnd() % 1000);
			snprintf(dev, sizeof(dev), "root.sg.d%d", d);
			snprintf(meas, sizeof(meas), "s%d", k);
			put_i64(f, dev, meas, sid[d][k], t, v);
			m->v[d][k][t] = v;
			m->has[d][k][t] = 1;
		}
		if (round % 2 == 0)
			assert_int_equal(storage_flush(f->storage, &f->err), LARCH_OK);
	}
}

/* Expected text of "select s<k> from root.sg.d0, .., d<nd-1> where time >=
 * lo and time <= hi [and s<k> > vmin] order by time [desc] limit/offset". */
static void model_query(const model_t *m, int k, int nd, int64_t lo, int64_t hi, int64_t vmin,
			int desc, int64_t limit, int64_t offset, buf_t *b)
{
	char tmp[64];

	buf_put(b, "Time", 4);
	for (int d = 0; d < nd; d++) {
		snprintf(tmp, sizeof(tmp), ",root.sg.d%d.s%d", d, k);
		buf_put(b, tmp, strlen(tmp));
	}
	buf_put_u8(b, '\n');
	int64_t row = 0, out = 0;
	for (int64_t i = 0; i < R_TMAX; i++) {
		int64_t t = desc ? R_TMAX - 1 - i : i;
		if (t < lo || t > hi)
			continue;
		int any = 0, pass = 0;
		for (int d = 0; d < nd; d++)
			if (m->has[d][k][t]) {
				any = 1;
				/* WHERE on a wildcard-expanded path: every instance must hold */
			}
		if (!any)
			continue;
		pass = 1;
		if (vmin >= 0)
			for (int d = 0; d < nd; d++)
				if (!m->has[d][k][t] || m->v[d][k][t] <= vmin)
					pass = 0;
		if (!pass)
			continue;
		if (row++ < offset)
			continue;
		if (limit >= 0 && out >= limit)
			break;
		out++;
		snprintf(tmp, sizeof(tmp), "%" PRId64, t);
		buf_put(b, tmp, strlen(tmp));
		for (int d = 0; d < nd; d++) {
			if (m->has[d][k][t])
				snprintf(tmp, sizeof(tmp), ",%" PRId64, m->v[d][k][t]);
			else
				snprintf(tmp, sizeof(tmp), ",null");
			buf_put(b, tmp, strlen(tmp));
		}
		buf_put_u8(b, '\n');
	}
	buf_put_u8(b, 0);
}

static void test_random_raw(void **state)
{
	fx_t *f = *state;
	model_t *m = calloc(1, sizeof(*m));

	rng_state = 0x9e3779b97f4a7c15ull;
	random_fill(f, m);
	for (int q = 0; q < 60; q++) {
		int k = (int)(rnd() % R_MEAS), nd = 1 + (int)(rnd() % R_DEVS);
		int64_t lo = (int64_t)(rnd() % R_TMAX), hi = lo + (int64_t)(rnd() % R_TMAX);
		int desc = (int)(rnd() % 2), filt = (int)(rnd() % 3) == 0;
		int64_t limit = rnd() % 2 ? (int64_t)(1 + rnd() % 500) : -1;
		int64_t offset = rnd() % 2 ? (int64_t)(rnd() % 300) : -1;
		int64_t vmin = filt ? (int64_t)(rnd() % 1000) : -1;
		char sql[512], from[128] = "";
		buf_t want = BUF_INIT;
		for (int d = 0; d < nd; d++) {
			char one[32];
			snprintf(one, sizeof(one), "%sroot.sg.d%d", d ? ", " : "", d);
			strcat(from, one);
		}
		int n = snprintf(sql, sizeof(sql),
				 "select s%d from %s where time >= %" PRId64 " and time <= %" PRId64,
				 k, from, lo, hi);
		if (filt)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, " and s%d > %" PRId64, k, vmin);
		if (desc)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, " order by time desc");
		if (limit >= 0)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, " limit %" PRId64, limit);
		if (offset >= 0)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, "%s offset %" PRId64,
				      limit >= 0 ? "" : " limit 100000", offset);
		model_query(m, k, nd, lo, hi, vmin, desc, limit, offset < 0 ? 0 : offset, &want);
		expect(f, sql, (const char *)want.data);
		buf_free(&want);
	}
	free(m);
}

/* Expected text of "select <cols> ... disable align" by brute force: for
 * each column, its non-null cells of the ALIGN BY TIME result in time
 * order (desc: newest first), OFFSET/LIMIT per column, then row i holds
 * every column's i-th cell, null past a column's end.  Columns: s<k> of
 * devices 0..nd-1, or with expr the pair (s0, s0 + s1) of device 0; the
 * WHERE is lo <= time <= hi, and with vmin >= 0 s<k> > vmin on every
 * device (the conjunction of the wildcard's instances). */
static void model_disalign(const model_t *m, int k, int nd, int expr, int64_t lo, int64_t hi,
			   int64_t vmin, int desc, int64_t limit, int64_t offset, buf_t *b)
{
	int ncols = expr ? 2 : nd;
	int64_t *ct = calloc((size_t)ncols * R_TMAX, sizeof(int64_t));
	int64_t *cv = calloc((size_t)ncols * R_TMAX, sizeof(int64_t));
	size_t len[R_DEVS] = { 0 }, rows = 0;
	char tmp[64];

	for (int c = 0; c < ncols; c++) {
		snprintf(tmp, sizeof(tmp), c ? ",Time," : "Time,");
		buf_put(b, tmp, strlen(tmp));
		if (expr)
			snprintf(tmp, sizeof(tmp), c ? "root.sg.d0.s0 + root.sg.d0.s1" : "root.sg.d0.s0");
		else
			snprintf(tmp, sizeof(tmp), "root.sg.d%d.s%d", c, k);
		buf_put(b, tmp, strlen(tmp));
	}
	buf_put_u8(b, '\n');
	for (int c = 0; c < ncols; c++) {
		int64_t seen = 0;
		for (int64_t i = 0; i < R_TMAX; i++) {
			int64_t t = desc ? R_TMAX - 1 - i : i, v;
			int pass = t >= lo && t <= hi;
			for (int d = 0; pass && vmin >= 0 && d < nd; d++)
				pass = m->has[d][k][t] && m->v[d][k][t] > vmin;
			if (!pass)
				continue;
			if (expr && c == 1) {
				if (!m->has[0][0][t] || !m->has[0][1][t])
					continue;
				v = m->v[0][0][t] + m->v[0][1][t];
			} else {
				int d = expr ? 0 : c, kk = expr ? 0 : k;
				if (!m->has[d][kk][t])
					continue;
				v = m->v[d][kk][t];
			}
			if (seen++ < offset)
				continue;
			if (limit >= 0 && (int64_t)len[c] >= limit)
				break;
			ct[(size_t)c * R_TMAX + len[c]] = t;
			cv[(size_t)c * R_TMAX + len[c]++] = v;
		}
		rows = len[c] > rows ? len[c] : rows;
	}
	for (size_t r = 0; r < rows; r++) {
		for (int c = 0; c < ncols; c++) {
			if (r < len[c])
				snprintf(tmp, sizeof(tmp), "%s%" PRId64 ",%" PRId64, c ? "," : "",
					 ct[(size_t)c * R_TMAX + r], cv[(size_t)c * R_TMAX + r]);
			else
				snprintf(tmp, sizeof(tmp), "%snull,null", c ? "," : "");
			buf_put(b, tmp, strlen(tmp));
		}
		buf_put_u8(b, '\n');
	}
	buf_put_u8(b, 0);
	free(ct);
	free(cv);
}

static void test_random_disable_align(void **state)
{
	fx_t *f = *state;
	model_t *m = calloc(1, sizeof(*m));

	rng_state = 0x3c6ef372fe94f82bull;
	random_fill(f, m);
	for (int q = 0; q < 60; q++) {
		int k = (int)(rnd() % R_MEAS), nd = 1 + (int)(rnd() % R_DEVS), expr = rnd() % 4 == 0;
		int64_t lo = (int64_t)(rnd() % R_TMAX), hi = lo + (int64_t)(rnd() % R_TMAX);
		int desc = (int)(rnd() % 2), filt = !expr && rnd() % 3 == 0;
		int64_t limit = rnd() % 2 ? (int64_t)(1 + rnd() % 500) : -1;
		int64_t offset = rnd() % 2 ? (int64_t)(rnd() % 300) : -1;
		int64_t vmin = filt ? (int64_t)(rnd() % 1000) : -1;
		char sql[512], from[128] = "";
		buf_t want = BUF_INIT;
		int n;
		for (int d = 0; d < nd; d++) {
			char one[32];
			snprintf(one, sizeof(one), "%sroot.sg.d%d", d ? ", " : "", d);
			strcat(from, one);
		}
		if (expr)
			n = snprintf(sql, sizeof(sql), "select s0, s0 + s1 from root.sg.d0 where time >= %"
				     PRId64 " and time <= %" PRId64, lo, hi);
		else
			n = snprintf(sql, sizeof(sql), "select s%d from %s where time >= %" PRId64
				     " and time <= %" PRId64, k, from, lo, hi);
		if (filt)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, " and s%d > %" PRId64, k, vmin);
		if (desc)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, " order by time desc");
		if (limit >= 0)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, " limit %" PRId64, limit);
		if (offset >= 0)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, " offset %" PRId64, offset);
		snprintf(sql + n, sizeof(sql) - (size_t)n, " disable align");
		model_disalign(m, k, expr ? 1 : nd, expr, lo, hi, vmin, desc, limit,
			       offset < 0 ? 0 : offset, &want);
		expect(f, sql, (const char *)want.data);
		buf_free(&want);
	}
	free(m);
}

/* Windowed count/sum/max/min of one series against the model; flushed
 * pages (64 points) let whole pages be answered from statistics. */
static void test_random_aggregate(void **state)
{
	fx_t *f = *state;
	model_t *m = calloc(1, sizeof(*m));

	rng_state = 0x2545f4914f6cdd1dull;
	random_fill(f, m);
	for (int q = 0; q < 40; q++) {
		int d = (int)(rnd() % R_DEVS), k = (int)(rnd() % R_MEAS);
		int64_t lo = (int64_t)(rnd() % R_TMAX), hi = lo + 1 + (int64_t)(rnd() % R_TMAX);
		int64_t iv = 1 + (int64_t)(rnd() % 400), step = rnd() % 2 ? iv : 1 + (int64_t)(rnd() % 400);
		int64_t wlo = rnd() % 3 ? -1 : (int64_t)(rnd() % R_TMAX);
		char sql[512], tmp[128];
		buf_t want = BUF_INIT;
		snprintf(sql, sizeof(sql),
			 "select count(s%d), sum(s%d), max_value(s%d), min_value(s%d) from root.sg.d%d"
			 "%s group by ([%" PRId64 ", %" PRId64 "), %" PRId64 "ms, %" PRId64 "ms)",
			 k, k, k, k, d, wlo >= 0 ? " where time >= WLO" : "", lo, hi, iv, step);
		if (wlo >= 0) {
			char *w = strstr(sql, "WLO");
			char rest[512];
			snprintf(rest, sizeof(rest), "%s", w + 3);
			snprintf(w, sizeof(sql) - (size_t)(w - sql), "%" PRId64 "%s", wlo, rest);
		}
		snprintf(tmp, sizeof(tmp),
			 "Time,count(root.sg.d%d.s%d),sum(root.sg.d%d.s%d),max_value(root.sg.d%d.s%d),"
			 "min_value(root.sg.d%d.s%d)\n", d, k, d, k, d, k, d, k);
		buf_put(&want, tmp, strlen(tmp));
		for (int64_t ws = lo; ws < hi; ws += step) {
			int64_t we = ws + iv < hi ? ws + iv : hi, cnt = 0, sum = 0, mx = 0, mn = 0;
			for (int64_t t = ws; t < we && t < R_TMAX; t++) {
				if (!m->has[d][k][t] || (wlo >= 0 && t < wlo))
					continue;
				int64_t v = m->v[d][k][t];
				mx = cnt ? (v > mx ? v : mx) : v;
				mn = cnt ? (v < mn ? v : mn) : v;
				sum += v;
				cnt++;
			}
			if (cnt)
				snprintf(tmp, sizeof(tmp), "%" PRId64 ",%" PRId64 ",%g,%" PRId64 ",%" PRId64 "\n",
					 ws, cnt, (double)sum, mx, mn);
			else
				snprintf(tmp, sizeof(tmp), "%" PRId64 ",0,null,null,null\n", ws);
			buf_put(&want, tmp, strlen(tmp));
		}
		buf_put_u8(&want, 0);
		expect(f, sql, (const char *)want.data);
		buf_free(&want);
	}
	free(m);
}

/* The single time-point FILL of series (d, k) at T by brute force: the
 * value at T, else per method (0 previous, 1 linear, 2 previousuntillast)
 * the latest point in [T - b, T] (b < 0: unbounded), for linear with the
 * earliest in [T, T + a] interpolated as IoTDB (in double, truncated), for
 * previousuntillast only when some point lies after T.  *has 0: null. */
static void model_point(const model_t *m, int d, int k, int64_t T, int method, int64_t b,
			int64_t a, int *has, int64_t *v)
{
	int64_t p = -1, q = -1;

	*has = 0;
	if (T < R_TMAX && m->has[d][k][T]) {
		*has = 1;
		*v = m->v[d][k][T];
		return;
	}
	for (int64_t t = T < R_TMAX ? T : R_TMAX - 1; t >= 0 && (b < 0 || t >= T - b); t--)
		if (m->has[d][k][t]) {
			p = t;
			break;
		}
	for (int64_t t = T; t < R_TMAX && (method != 1 || a < 0 || t <= T + a); t++)
		if (m->has[d][k][t]) {
			q = t;
			break;
		}
	if (p < 0 || (method != 0 && q < 0))
		return;
	*has = 1;
	*v = m->v[d][k][p];
	if (method == 1) {
		double frac = (double)(T - p) / (double)(q - p);
		*v = (int64_t)((double)m->v[d][k][p] +
			       ((double)m->v[d][k][q] - (double)m->v[d][k][p]) * frac);
	}
}

/* The single time-point FILL on random data (out of order, overwrites,
 * flushes) against model_point: random T (also past the data), method and
 * bounds (-1 = infinite), every device's series k as columns. */
static void test_random_fill_point(void **state)
{
	fx_t *f = *state;
	model_t *m = calloc(1, sizeof(*m));
	static const char *const names[] = {"previous", "linear", "previousuntillast"};

	rng_state = 0x9e3779b97f4a7c15ull;
	random_fill(f, m);
	for (int q = 0; q < 60; q++) {
		int k = (int)(rnd() % R_MEAS), method = (int)(rnd() % 3);
		int64_t T = (int64_t)(rnd() % (R_TMAX + 50));
		int64_t b = rnd() % 4 ? (int64_t)(rnd() % 30) : -1;
		int64_t a = rnd() % 4 ? (int64_t)(rnd() % 30) : -1;
		char sql[512], tmp[128], bs[32], as[32];
		buf_t want = BUF_INIT;
		if (method != 1)
			a = -1;
		snprintf(bs, sizeof(bs), b < 0 ? "-1" : "%" PRId64 "ms", b);
		snprintf(as, sizeof(as), a < 0 ? "-1" : "%" PRId64 "ms", a);
		snprintf(sql, sizeof(sql),
			 "select s%d from root.sg.d0, root.sg.d1, root.sg.d2 where time = %" PRId64
			 " fill(int64[%s, %s%s%s])", k, T, names[method], bs, method == 1 ? ", " : "",
			 method == 1 ? as : "");
		snprintf(tmp, sizeof(tmp), "Time,root.sg.d0.s%d,root.sg.d1.s%d,root.sg.d2.s%d\n%" PRId64,
			 k, k, k, T);
		buf_put(&want, tmp, strlen(tmp));
		for (int d = 0; d < R_DEVS; d++) {
			int has;
			int64_t v = 0;
			model_point(m, d, k, T, method, b, a, &has, &v);
			if (has)
				snprintf(tmp, sizeof(tmp), ",%" PRId64, v);
			else
				snprintf(tmp, sizeof(tmp), ",null");
			buf_put(&want, tmp, strlen(tmp));
		}
		buf_put(&want, "\n", 2);
		expect(f, sql, (const char *)want.data);
		buf_free(&want);
	}
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raw_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_filter_limit_desc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_align_by_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_align, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_align_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_point, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agg_align_by_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_by_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_by_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_time_level_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_disable_align, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_aggregate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_fill_point, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
