/* Unit tests for larch_execute: INSERT, DELETE, DDL, templates, TTL and the
 * SHOW/COUNT statements, on a temporary data directory.  Expected rows and
 * messages are IoTDB 2.0's (ColumnHeaderConstant, the schema integration
 * tests IoTDBMetadataFetchIT / IoTDBDeleteDataIT, the DML manual); data
 * written by INSERT is checked through larch_read_series, independently of
 * the SELECT path. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "larch/larch.h"
#include "../helpers/fixture.h"

static larch_db_t *db;

static int setup(void **state)
{
	fixture_dir_setup(state);
	db = fixture_open_db(NULL);
	return 0;
}

static int teardown(void **state)
{
	if (db)
		fixture_close_db(db);
	db = NULL;
	return fixture_dir_teardown(state);
}

static const larch_exec_opts_t opts_now = {NULL, 1000};

/* Run a statement that must succeed and return no rows. */
static void ok(const char *sql)
{
	larch_result_t *r = NULL;
	larch_error_t err = {0};
	int rc = larch_execute(db, sql, &opts_now, &r, &err);
	if (rc)
		fail_msg("%s: %d %s", sql, rc, err.msg);
	assert_int_equal(larch_result_column_count(r), 0);
	const larch_block_t *b;
	assert_int_equal(larch_result_next(r, &b, &err), LARCH_DONE);
	larch_result_free(r);
}

/* Run a statement that must fail with `code`; the message must contain
 * `msg` when given. */
static void fails(const char *sql, int code, const char *msg)
{
	larch_result_t *r = NULL;
	larch_error_t err = {0};
	int rc = larch_execute(db, sql, &opts_now, &r, &err);
	if (rc != code)
		fail_msg("%s: expected %d, got %d (%s)", sql, code, rc, err.msg);
	assert_null(r);
	if (msg && !strstr(err.msg, msg))
		fail_msg("%s: message '%s' lacks '%s'", sql, err.msg, msg);
}

/* Append one cell as IoTDB's clients print it (a BLOB as 0x and lower-case
 * hex, as the CLI does). */
static void cell(buf_t *b, const larch_column_t *c, size_t r)
{
	char tmp[64];
	int n = 0;
	if (c->nulls && c->nulls[r]) {
		buf_put(b, "null", 4);
		return;
	}
	switch (c->type) {
	case TSFILE_TEXT:
	case TSFILE_STRING: {
		const tsfile_bytes_t *v = &((const tsfile_bytes_t *)c->values)[r];
		buf_put(b, v->ptr, v->len);
		return;
	}
	case TSFILE_BLOB: {
		const tsfile_bytes_t *v = &((const tsfile_bytes_t *)c->values)[r];
		buf_put(b, "0x", 2);
		for (uint32_t i = 0; i < v->len; i++) {
			n = snprintf(tmp, sizeof tmp, "%02x", (unsigned char)v->ptr[i]);
			buf_put(b, tmp, (size_t)n);
		}
		return;
	}
	case TSFILE_BOOLEAN:
		n = snprintf(tmp, sizeof tmp, "%s", ((const uint8_t *)c->values)[r] ? "true" : "false");
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
		n = snprintf(tmp, sizeof tmp, "%d", ((const int32_t *)c->values)[r]);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		n = snprintf(tmp, sizeof tmp, "%lld", (long long)((const int64_t *)c->values)[r]);
		break;
	case TSFILE_FLOAT:
		n = snprintf(tmp, sizeof tmp, "%g", ((const float *)c->values)[r]);
		break;
	default:
		n = snprintf(tmp, sizeof tmp, "%g", ((const double *)c->values)[r]);
		break;
	}
	buf_put(b, tmp, (size_t)n);
}

/* Run a query; its header ("a,b,c") and rows ("x,y,z" each), one per line,
 * must equal `want`. */
static void rows(const char *sql, const char *want)
{
	larch_result_t *r = NULL;
	larch_error_t err = {0};
	int rc = larch_execute(db, sql, &opts_now, &r, &err);
	if (rc)
		fail_msg("%s: %d %s", sql, rc, err.msg);
	buf_t b = BUF_INIT;
	for (size_t i = 0; i < larch_result_column_count(r); i++) {
		if (i)
			buf_put_u8(&b, ',');
		buf_put(&b, larch_result_column_name(r, i), strlen(larch_result_column_name(r, i)));
	}
	buf_put_u8(&b, '\n');
	const larch_block_t *blk;
	while ((rc = larch_result_next(r, &blk, &err)) == LARCH_OK)
		for (size_t i = 0; i < blk->n_rows; i++) {
			for (size_t c = 0; c < blk->n_columns; c++) {
				if (c)
					buf_put_u8(&b, ',');
				cell(&b, &blk->columns[c], i);
			}
			buf_put_u8(&b, '\n');
		}
	assert_int_equal(rc, LARCH_DONE);
	buf_put_u8(&b, 0);
	if (strcmp((const char *)b.data, want))
		fail_msg("%s:\n--- got\n%s--- want\n%s", sql, (const char *)b.data, want);
	buf_free(&b);
	larch_result_free(r);
}

/* Points of one series as "t:v;" text (doubles with %g), via the embedded
 * read API. */
static void series(const char *path, const char *want)
{
	larch_iter_t *it;
	larch_error_t err = {0};
	buf_t b = BUF_INIT;
	int rc = larch_read_series(db, path, INT64_MIN, INT64_MAX, &it, &err);
	if (rc == LARCH_OK) {
		while ((rc = larch_iter_next(it, &err)) == LARCH_OK) {
			const larch_block_t *blk = larch_iter_block(it);
			for (size_t r = 0; r < blk->n_rows; r++) {
				char t[32];
				int n = snprintf(t, sizeof t, "%lld:", (long long)blk->times[r]);
				buf_put(&b, t, (size_t)n);
				cell(&b, &blk->columns[0], r);
				buf_put_u8(&b, ';');
			}
		}
		assert_int_equal(rc, LARCH_DONE);
		larch_iter_free(it);
	} else {
		buf_put(&b, "missing", 7);
	}
	buf_put_u8(&b, 0);
	if (strcmp((const char *)b.data, want))
		fail_msg("%s: got '%s', want '%s'", path, (const char *)b.data, want);
	buf_free(&b);
}

#define TS_HEADER                                                                        \
	"Timeseries,Alias,Database,DataType,Encoding,Compression,Tags,Attributes,Deadband," \
	"DeadbandParameters,ViewType\n"

/*---------------------------------------------------------------------------
 * INSERT
 *---------------------------------------------------------------------------*/

static void test_insert_rows_and_inferred_types(void **state)
{
	(void)state;
	ok("insert into root.ln.wf02.wt02(timestamp,status) values(1,true)");
	ok("insert into root.ln.wf02.wt02(timestamp,hardware) values(1, \"v1\")");
	ok("INSERT INTO root.ln.wf02.wt02(timestamp, status, hardware) VALUES (2, false, 'v2'), "
	   "(3, true, 'it''s'), (4, null, 'x')");
	ok("insert into root.ln.wf02.wt02(time, temperature, n) values(5, 20.5, 7);");
	series("root.ln.wf02.wt02.status", "1:true;2:false;3:true;");
	series("root.ln.wf02.wt02.hardware", "1:v1;2:v2;3:it's;4:x;");
	series("root.ln.wf02.wt02.temperature", "5:20.5;");
	series("root.ln.wf02.wt02.n", "5:7;");
	/* IoTDB's inference: an unquoted integer or decimal is DOUBLE, true/false
	 * BOOLEAN, a quoted string TEXT; database at level 1 */
	rows("show timeseries root.ln.**",
	     TS_HEADER
	     "root.ln.wf02.wt02.hardware,null,root.ln,TEXT,PLAIN,LZ4,null,null,null,null,BASE\n"
	     "root.ln.wf02.wt02.n,null,root.ln,DOUBLE,GORILLA,LZ4,null,null,null,null,BASE\n"
	     "root.ln.wf02.wt02.status,null,root.ln,BOOLEAN,PLAIN,LZ4,null,null,null,null,BASE\n"
	     "root.ln.wf02.wt02.temperature,null,root.ln,DOUBLE,GORILLA,LZ4,null,null,null,null,"
	     "BASE\n");
	/* a later write of the same (series, time) wins */
	ok("insert into root.ln.wf02.wt02(timestamp,status) values(2,true)");
	series("root.ln.wf02.wt02.status", "1:true;2:true;3:true;");
}

static void test_insert_conversion_to_registered_types(void **state)
{
	(void)state;
	ok("create timeseries root.sg.d.i WITH DATATYPE=INT32, ENCODING=RLE");
	ok("create timeseries root.sg.d.l INT64");
	ok("create timeseries root.sg.d.f FLOAT");
	ok("create timeseries root.sg.d.b BOOLEAN");
	ok("create timeseries root.sg.d.t TEXT");
	ok("create timeseries root.sg.d.dt DATE");
	ok("create timeseries root.sg.d.ts TIMESTAMP");
	/* an integer into FLOAT, 0/1 into BOOLEAN, a number into TEXT as written */
	ok("insert into root.sg.d(time, i, l, f, b, t, dt, ts) values "
	   "(10, -5, 9000000000, 3, 1, 100, '2024-02-29', 1700000000000), "
	   "(11, 2147483647, -1, 1.5e2, 0, 2.50, '1999-12-31', '1970-01-01T00:00:01Z')");
	series("root.sg.d.i", "10:-5;11:2147483647;");
	series("root.sg.d.l", "10:9000000000;11:-1;");
	series("root.sg.d.f", "10:3;11:150;");
	series("root.sg.d.b", "10:true;11:false;");
	series("root.sg.d.t", "10:100;11:2.50;");
	series("root.sg.d.dt", "10:20240229;11:19991231;");
	series("root.sg.d.ts", "10:1700000000000;11:1000;");

	/* refused values: the statement fails and writes nothing at all */
	fails("insert into root.sg.d(time, l, i) values(20, 1, 'abc')", LARCH_METADATA_ERROR,
	      "data type of root.sg.d.i is not consistent, registered type INT32, inserting type "
	      "TEXT, timestamp 20");
	fails("insert into root.sg.d(time, l, i) values(20, 1, 1.5)", LARCH_METADATA_ERROR,
	      "registered type INT32");
	fails("insert into root.sg.d(time, l, i) values(20, 1, 2147483648)",
	      LARCH_METADATA_ERROR, "registered type INT32");
	fails("insert into root.sg.d(time, l, b) values(20, 1, 2)", LARCH_METADATA_ERROR,
	      "registered type BOOLEAN");
	fails("insert into root.sg.d(time, l, f) values(20, 1, 'x')", LARCH_METADATA_ERROR,
	      "registered type FLOAT");
	fails("insert into root.sg.d(time, l, dt) values(20, 1, '2023-02-29')",
	      LARCH_METADATA_ERROR, "registered type DATE");
	fails("insert into root.sg.d(time, l, new1) values(20, 1, 1), (21, 2, 'two')",
	      LARCH_METADATA_ERROR, "root.sg.d.new1");
	series("root.sg.d.l", "10:9000000000;11:-1;");
	series("root.sg.d.new1", "missing"); /* not even created */
}

static void test_insert_blob_literal(void **state)
{
	(void)state;
	ok("create timeseries root.jv.d1.s_blob BLOB");
	ok("create timeseries root.jv.d1.s_text TEXT");
	/* the Java/Go clients' statement; bytes with 0x00, X'' empty, digits of
	 * either case with spaces between them */
	ok("insert into root.jv.d1(time, s_blob) values (300, X'540016')");
	ok("insert into root.jv.d1(time, s_blob, s_text) values (301, X'', X'00Ab'), "
	   "(302, X'00 ab\tCD', 'plain'), (303, 'X''7f''', X'')");
	series("root.jv.d1.s_blob", "300:0x540016;301:0x;302:0x00abcd;303:0x7f;");
	/* TEXT keeps the literal as written (IoTDB stores the token's text) */
	series("root.jv.d1.s_text", "301:X'00Ab';302:plain;303:X'';");
	/* a new series from X'..' is BLOB */
	ok("insert into root.jv.d2(time, b) values (1, X'ff')");
	rows("show timeseries root.jv.d2.b",
	     TS_HEADER "root.jv.d2.b,null,root.jv,BLOB,PLAIN,LZ4,null,null,null,null,BASE\n");
	/* refused: a plain string into BLOB, X'..' into a number; a bad literal
	 * with its position; lower-case x starts no literal */
	ok("create timeseries root.jv.d1.i INT32");
	fails("insert into root.jv.d1(time, s_blob) values (9, 'abc')", LARCH_METADATA_ERROR,
	      "registered type BLOB, inserting type TEXT");
	fails("insert into root.jv.d1(time, i) values (9, X'01')", LARCH_METADATA_ERROR,
	      "registered type INT32, inserting type BLOB, timestamp 9, value X'01'");
	fails("insert into root.jv.d1(time, s_blob) values (9, X'012')", LARCH_SEMANTIC_ERROR,
	      "line 1:48 Binary literal must contain an even number of digits");
	fails("insert into root.jv.d1(time, s_blob) values (9, X'0z')", LARCH_SEMANTIC_ERROR,
	      "line 1:48 Binary literal can only contain hexadecimal digits");
	fails("insert into root.jv.d1(time, s_blob) values (9, x'01')", LARCH_PARSE_ERROR, NULL);
	fails("insert into root.jv.d1(time, s_blob) values (9, X'01", LARCH_PARSE_ERROR,
	      "line 1:48 unterminated binary literal");
	series("root.jv.d1.s_blob", "300:0x540016;301:0x;302:0x00abcd;303:0x7f;");
	/* in a predicate: bytewise comparison */
	rows("select s_blob from root.jv.d1 where s_blob = X'00abcd'",
	     "root.jv.d1.s_blob\n0x00abcd\n");
	rows("select s_blob from root.jv.d1 where s_blob < X'01'",
	     "root.jv.d1.s_blob\n0x\n0x00abcd\n");
}

/* Random byte strings written as X'..' literals (random digit case, random
 * blanks between digits) read back as the same bytes. */
static void test_insert_blob_literal_random(void **state)
{
	(void)state;
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	unsigned seed = 20240611;
	ok("create timeseries root.rb.d.b BLOB");
	buf_t want = BUF_INIT;
	for (int r = 0; r < 40; r++) {
		buf_t sql = BUF_INIT;
		char tmp[64];
		int n = snprintf(tmp, sizeof tmp, "insert into root.rb.d(time, b) values (%d, X'", r);
		buf_put(&sql, tmp, (size_t)n);
		n = snprintf(tmp, sizeof tmp, "%d:0x", r);
		buf_put(&want, tmp, (size_t)n);
		int len = (int)(rand_r(&seed) % 24);
		for (int i = 0; i < len; i++) {
			unsigned v = (unsigned)rand_r(&seed) & 0xff, up = (unsigned)rand_r(&seed) & 16;
			buf_put_u8(&sql, (uint8_t)digits[(v >> 4) + up]);
			if (rand_r(&seed) % 4 == 0)
				buf_put_u8(&sql, ' ');
			buf_put_u8(&sql, (uint8_t)digits[(v & 15) + up]);
			n = snprintf(tmp, sizeof tmp, "%02x", v);
			buf_put(&want, tmp, (size_t)n);
		}
		buf_put(&sql, "')", 3);
		buf_put_u8(&want, ';');
		ok((const char *)sql.data);
		buf_free(&sql);
	}
	buf_put_u8(&want, 0);
	series("root.rb.d.b", (const char *)want.data);
	buf_free(&want);
}

/* IoTDB parses FLOAT/DOUBLE values from their text: -0 keeps its sign
 * (printed "-0" by %g), 0 does not. */
static void test_insert_negative_zero(void **state)
{
	(void)state;
	ok("create timeseries root.go.d4.f FLOAT");
	ok("create timeseries root.go.d4.d DOUBLE");
	ok("insert into root.go.d4(time, f, d) values (1, -0, -0), (2, 0, 0), (3, -0.0, -0e0)");
	series("root.go.d4.f", "1:-0;2:0;3:-0;");
	series("root.go.d4.d", "1:-0;2:0;3:-0;");
	/* an auto-created series (DOUBLE) too */
	ok("insert into root.go.d5(time, z) values (1, -0)");
	series("root.go.d5.z", "1:-0;");
}

static void test_insert_time_rules(void **state)
{
	(void)state;
	/* no time column: the server's now() (opts.now = 1000 here) */
	ok("insert into root.sg.d(s) values(1)");
	series("root.sg.d.s", "1000:1;");
	fails("insert into root.sg.d(s) values(1), (2)", LARCH_SEMANTIC_ERROR,
	      "need timestamps when insert multi rows");
	/* datetime literals and now() for the time */
	ok("insert into root.sg.d(time, s) values(1970-01-01T00:00:02.000+00:00, 2)");
	ok("insert into root.sg.d(time, s) values(now(), 3)");
	series("root.sg.d.s", "1000:3;2000:2;");
	/* a time expression as a value is an INT64 (IoTDB: a Long) */
	ok("insert into root.sg.d(time, at) values(5, now() - 1s)");
	series("root.sg.d.at", "5:0;");
	rows("show timeseries root.sg.d.at",
	     TS_HEADER "root.sg.d.at,null,root.sg,INT64,TS_2DIFF,LZ4,null,null,null,null,BASE\n");
	fails("insert into root.sg.d(time, s, s) values(1, 1, 2)", LARCH_SEMANTIC_ERROR,
	      "duplicated measurement");
	fails("insert into root.sg.d(time, s) values(1)", LARCH_SEMANTIC_ERROR, NULL);
	fails("insert into root.sg.d(time, s) values(1, 2", LARCH_PARSE_ERROR, NULL);
}

static void test_insert_aligned_and_quoted_names(void **state)
{
	(void)state;
	ok("insert into root.sg.gps(time, lat, lon) aligned values(1, 1.5, 2.5), (2, 3.5, 4.5)");
	series("root.sg.gps.lat", "1:1.5;2:3.5;");
	ok("insert into root.sg.d2(time, `a b`) values(7, 'q')");
	series("root.sg.d2.`a b`", "7:q;");
	rows("show devices root.sg.**",
	     "Device,IsAligned,Template,TTL(ms)\n"
	     "root.sg.d2,false,null,INF\n"
	     "root.sg.gps,true,null,INF\n");
}

static void test_insert_auto_create_off(void **state)
{
	(void)state;
	larch_error_t err = {0};
	assert_int_equal(larch_close(db, &err), LARCH_OK);
	larch_options_t opt;
	larch_options_default(&opt);
	opt.auto_create_schema = 0;
	db = fixture_open_db(&opt);
	ok("create database root.sg");
	ok("create timeseries root.sg.d.s1 INT64");
	fails("insert into root.sg.d(time, s1, s2) values(1, 1, 2)", LARCH_PATH_NOT_EXIST,
	      "root.sg.d.s2");
	series("root.sg.d.s1", "");
	rows("count timeseries root.**", "count(timeseries)\n1\n");
}

/*---------------------------------------------------------------------------
 * DELETE
 *---------------------------------------------------------------------------*/

static void insert_ten(void)
{
	ok("insert into root.vehicle.d0(time, s0, s1) values (1,1,1),(2,2,2),(3,3,3),(4,4,4),"
	   "(5,5,5),(6,6,6),(7,7,7),(8,8,8),(9,9,9),(10,10,10)");
}

static void test_delete_time_conditions(void **state)
{
	(void)state;
	insert_ten();
	ok("delete from root.vehicle.d0.s0 where time < 2");
	ok("delete from root.vehicle.d0.s0 where time >= 10");
	ok("delete from root.vehicle.d0.s0 where time = 5");
	ok("delete from root.vehicle.d0.s0 where time > 6 and time <= 7");
	ok("delete from root.vehicle.d0.s0 where 3 >= time and time > 2");
	series("root.vehicle.d0.s0", "2:2;4:4;6:6;8:8;9:9;");
	ok("delete from root.vehicle.d0.* where time between 8 and 9");
	series("root.vehicle.d0.s0", "2:2;4:4;6:6;");
	series("root.vehicle.d0.s1", "1:1;2:2;3:3;4:4;5:5;6:6;7:7;10:10;");
	/* an empty range and a path matching nothing delete nothing */
	ok("delete from root.vehicle.d0.s1 where time > 5 and time < 3");
	ok("delete from root.nothing.d.s");
	series("root.vehicle.d0.s1", "1:1;2:2;3:3;4:4;5:5;6:6;7:7;10:10;");
	/* IoTDB's refusals change nothing */
	fails("delete from root.vehicle.d0.s1 where time > 4 or time < 0", LARCH_ILLEGAL_PARAMETER,
	      "For delete statement, where clause can only contain atomic expressions like : "
	      "time > XXX, time <= XXX, or two atomic expressions connected by 'AND'");
	fails("delete from root.vehicle.d0.s1 where s1 <= 300 and time > 0",
	      LARCH_ILLEGAL_PARAMETER, "atomic expressions");
	fails("delete from root.vehicle.d0.s1 where s1 <= 300 and s1 > 0", LARCH_ILLEGAL_PARAMETER,
	      "where clause can only contain time expressions, value filter is not currently "
	      "supported.");
	fails("delete from root.vehicle.d0.s1 where time != 3", LARCH_ILLEGAL_PARAMETER,
	      "atomic expressions");
	series("root.vehicle.d0.s1", "1:1;2:2;3:3;4:4;5:5;6:6;7:7;10:10;");
	/* no WHERE: all time; the series stays */
	ok("delete from root.vehicle.d0.s1");
	series("root.vehicle.d0.s1", "");
	rows("count timeseries root.vehicle.**", "count(timeseries)\n2\n");
}

static void test_delete_partition(void **state)
{
	(void)state;
	/* default partitions are 7 days of ms: 0 and 1 */
	ok("insert into root.ln.d(time, s) values(1, 1), (604800001, 2)");
	ok("flush");
	ok("delete partition root.ln 0");
	series("root.ln.d.s", "604800001:2;");
	fails("delete partition root.nope 0", LARCH_DATABASE_NOT_EXIST, NULL);
}

/*---------------------------------------------------------------------------
 * Databases
 *---------------------------------------------------------------------------*/

static void test_databases(void **state)
{
	(void)state;
	ok("CREATE DATABASE root.ln.wf01.wt01");
	ok("create database root.ln1");
	ok("SET STORAGE GROUP TO root.ln2.wf01");
	fails("create database root.ln1", LARCH_DATABASE_ALREADY_EXISTS,
	      "root.ln1 has already been created as database");
	fails("create database root.ln1.a", LARCH_DATABASE_ALREADY_EXISTS, NULL);
	fails("create database root.ln", LARCH_DATABASE_CONFLICT, NULL);
	fails("create database root", LARCH_ILLEGAL_PATH, NULL);
	rows("show databases",
	     "Database,SchemaReplicationFactor,DataReplicationFactor,TimePartitionOrigin,"
	     "TimePartitionInterval\n"
	     "root.ln.wf01.wt01,1,1,0,604800000\n"
	     "root.ln1,1,1,0,604800000\n"
	     "root.ln2.wf01,1,1,0,604800000\n");
	rows("show databases root.** details",
	     "Database,SchemaReplicationFactor,DataReplicationFactor,TimePartitionOrigin,"
	     "TimePartitionInterval,SchemaRegionGroupNum,MinSchemaRegionGroupNum,"
	     "MaxSchemaRegionGroupNum,DataRegionGroupNum,MinDataRegionGroupNum,"
	     "MaxDataRegionGroupNum\n"
	     "root.ln.wf01.wt01,1,1,0,604800000,1,1,1,1,1,1\n"
	     "root.ln1,1,1,0,604800000,1,1,1,1,1,1\n"
	     "root.ln2.wf01,1,1,0,604800000,1,1,1,1,1,1\n");
	rows("count databases", "count(database)\n3\n");
	rows("count databases root.ln.**", "count(database)\n1\n");
	rows("show databases root.ln.wf01.wt01.status", "Database,SchemaReplicationFactor,"
	     "DataReplicationFactor,TimePartitionOrigin,TimePartitionInterval\n");
	/* dropping a database drops its series and data */
	ok("insert into root.ln1.d(time, s) values(1, 1)");
	ok("delete database root.ln1");
	fails("delete database root.ln1", LARCH_PATH_NOT_EXIST, NULL);
	ok("create database root.ln1");
	ok("create timeseries root.ln1.d.s INT64");
	series("root.ln1.d.s", "");
	ok("drop database root.**");
	rows("count databases", "count(database)\n0\n");
}

/*---------------------------------------------------------------------------
 * Time series
 *---------------------------------------------------------------------------*/

static void create_metadata_fetch_schema(void)
{
	/* IoTDBMetadataFetchIT's schema */
	ok("CREATE DATABASE root.ln.wf01.wt01");
	ok("CREATE DATABASE root.ln.wf01.wt02");
	ok("CREATE DATABASE root.ln1.wf01.wt01");
	ok("CREATE DATABASE root.ln2.wf01.wt01");
	ok("CREATE TIMESERIES root.ln.wf01.wt01.status WITH DATATYPE = BOOLEAN, ENCODING = PLAIN");
	ok("CREATE TIMESERIES root.ln.wf01.wt01.temperature WITH DATATYPE = FLOAT, ENCODING = RLE, "
	   "compressor = SNAPPY, 'MAX_POINT_NUMBER' = '3' ");
	ok("CREATE ALIGNED TIMESERIES root.ln.wf01.wt02(s1 INT32, s2 DOUBLE)");
	ok("CREATE TIMESERIES root.ln1.wf01.wt01.status WITH DATATYPE = BOOLEAN, ENCODING = PLAIN");
	ok("CREATE TIMESERIES root.ln1.wf01.wt01.temperature WITH DATATYPE = FLOAT, ENCODING = RLE, "
	   "compressor = SNAPPY, 'MAX_POINT_NUMBER' = '3'");
	ok("CREATE TIMESERIES root.ln2.wf01.wt01.status WITH DATATYPE = BOOLEAN, ENCODING = PLAIN");
	ok("CREATE TIMESERIES root.ln2.wf01.wt01.temperature WITH DATATYPE = FLOAT, ENCODING = RLE, "
	   "compressor = SNAPPY, 'MAX_POINT_NUMBER' = '3'");
}

#define ROW_LN_STATUS                                                                       \
	"root.ln.wf01.wt01.status,null,root.ln.wf01.wt01,BOOLEAN,PLAIN,LZ4,null,null,null,null," \
	"BASE\n"
#define ROW_LN_TEMP                                                                            \
	"root.ln.wf01.wt01.temperature,null,root.ln.wf01.wt01,FLOAT,RLE,SNAPPY,null,null,null," \
	"null,BASE\n"
#define ROW_LN_S1 "root.ln.wf01.wt02.s1,null,root.ln.wf01.wt02,INT32,TS_2DIFF,LZ4,null,null,null,null,BASE\n"
#define ROW_LN_S2 "root.ln.wf01.wt02.s2,null,root.ln.wf01.wt02,DOUBLE,GORILLA,LZ4,null,null,null,null,BASE\n"

static void test_show_timeseries(void **state)
{
	(void)state;
	create_metadata_fetch_schema();
	rows("show timeseries root.ln.wf01.wt01.status", TS_HEADER ROW_LN_STATUS);
	rows("show timeseries root.ln.**", TS_HEADER ROW_LN_STATUS ROW_LN_TEMP ROW_LN_S1 ROW_LN_S2);
	rows("show timeseries root.ln.*.wt01.*", TS_HEADER ROW_LN_STATUS ROW_LN_TEMP);
	rows("show timeseries root.a.b", TS_HEADER);
	rows("show timeseries root.ln.** where timeseries contains 'wf01.wt01'",
	     TS_HEADER ROW_LN_STATUS ROW_LN_TEMP);
	rows("show timeseries root.ln.** where dataType=BOOLEAN", TS_HEADER ROW_LN_STATUS);
	rows("show timeseries root.ln.** limit 2 offset 1", TS_HEADER ROW_LN_TEMP ROW_LN_S1);
	rows("count timeseries root.ln.**", "count(timeseries)\n4\n");
	rows("count timeseries root.ln*.**", "count(timeseries)\n8\n");
	rows("count timeseries root.** where timeseries contains 'wf01.wt01'",
	     "count(timeseries)\n6\n");
	rows("COUNT TIMESERIES root.ln*.** group by level=1",
	     "Column,count(timeseries)\nroot.ln,4\nroot.ln1,2\nroot.ln2,2\n");
	rows("COUNT TIMESERIES root.ln*.**.status group by level=2",
	     "Column,count(timeseries)\nroot.ln.wf01,1\nroot.ln1.wf01,1\nroot.ln2.wf01,1\n");
	rows("COUNT TIMESERIES root.ln*.** group by level=5", "Column,count(timeseries)\n");
	rows("COUNT DEVICES root.ln*.**", "count(devices)\n4\n");
	rows("COUNT DEVICES root.ln.wf01.wt01.temperature", "count(devices)\n0\n");
	rows("COUNT NODES root.ln*.** level=1", "count(nodes)\n3\n");
	rows("COUNT NODES root.ln.wf01.* level=3", "count(nodes)\n2\n");
	rows("show child paths root.ln", "ChildPaths,NodeTypes\nroot.ln.wf01,SG INTERNAL\n");
	rows("show child paths root.ln.wf01.wt02",
	     "ChildPaths,NodeTypes\nroot.ln.wf01.wt02.s1,TIMESERIES\nroot.ln.wf01.wt02.s2,"
	     "TIMESERIES\n");
	rows("show child nodes root.ln", "ChildNodes\nwf01\n");
	rows("show child nodes root.*.wf01", "ChildNodes\nwt01\nwt02\n");
	rows("show devices root.ln.** with database",
	     "Device,Database,IsAligned,Template,TTL(ms)\n"
	     "root.ln.wf01.wt01,root.ln.wf01.wt01,false,null,INF\n"
	     "root.ln.wf01.wt02,root.ln.wf01.wt02,true,null,INF\n");
	rows("show devices root.** where device contains 'wt02'",
	     "Device,IsAligned,Template,TTL(ms)\nroot.ln.wf01.wt02,true,null,INF\n");
	rows("show devices root.** limit 1 offset 2",
	     "Device,IsAligned,Template,TTL(ms)\nroot.ln1.wf01.wt01,false,null,INF\n");
}

static void test_show_latest_timeseries(void **state)
{
	(void)state;
	ok("insert into root.sg.a(time, s) values(5, 1)");
	ok("insert into root.sg.b(time, s) values(9, 1)");
	ok("insert into root.sg.c(time, s) values(7, 1)");
	ok("create timeseries root.sg.d.s INT32");
	ok("flush");
	ok("insert into root.sg.a(time, s) values(8, 2)");
	rows("show latest timeseries root.sg.**",
	     TS_HEADER
	     "root.sg.b.s,null,root.sg,DOUBLE,GORILLA,LZ4,null,null,null,null,BASE\n"
	     "root.sg.a.s,null,root.sg,DOUBLE,GORILLA,LZ4,null,null,null,null,BASE\n"
	     "root.sg.c.s,null,root.sg,DOUBLE,GORILLA,LZ4,null,null,null,null,BASE\n"
	     "root.sg.d.s,null,root.sg,INT32,TS_2DIFF,LZ4,null,null,null,null,BASE\n");
	rows("show latest timeseries root.sg.** limit 2 offset 1",
	     TS_HEADER
	     "root.sg.a.s,null,root.sg,DOUBLE,GORILLA,LZ4,null,null,null,null,BASE\n"
	     "root.sg.c.s,null,root.sg,DOUBLE,GORILLA,LZ4,null,null,null,null,BASE\n");
}

static void test_create_drop_timeseries(void **state)
{
	(void)state;
	ok("create timeseries root.turbine.d1.s1(temprature) with datatype=FLOAT, encoding=RLE, "
	   "compression=SNAPPY tags(tag1=v1, tag2=v2) attributes(attr1=v1, attr2=v2)");
	ok("create timeseries root.turbine.d1.s2 INT64 encoding=PLAIN compressor=GZIP");
	ok("create timeseries root.turbine.d1.s3 TEXT");
	rows("show timeseries root.turbine.**",
	     TS_HEADER
	     "root.turbine.d1.s1,temprature,root.turbine,FLOAT,RLE,SNAPPY,"
	     "{\"tag1\":\"v1\",\"tag2\":\"v2\"},{\"attr1\":\"v1\",\"attr2\":\"v2\"},null,null,BASE\n"
	     "root.turbine.d1.s2,null,root.turbine,INT64,PLAIN,GZIP,null,null,null,null,BASE\n"
	     "root.turbine.d1.s3,null,root.turbine,TEXT,PLAIN,LZ4,null,null,null,null,BASE\n");
	rows("show timeseries root.turbine.** where tags(tag1) = v1",
	     "Timeseries,Alias,Database,DataType,Encoding,Compression,Tags,Attributes,Deadband,"
	     "DeadbandParameters,ViewType\n"
	     "root.turbine.d1.s1,temprature,root.turbine,FLOAT,RLE,SNAPPY,"
	     "{\"tag1\":\"v1\",\"tag2\":\"v2\"},{\"attr1\":\"v1\",\"attr2\":\"v2\"},null,null,BASE\n");
	rows("count timeseries root.** where tags(tag2) contains 'v'", "count(timeseries)\n1\n");
	fails("create timeseries root.turbine.d1.s3 INT32", LARCH_TIMESERIES_ALREADY_EXIST,
	      "Path [root.turbine.d1.s3] already exist");
	fails("create timeseries root.turbine.d1.s4(temprature) INT32", LARCH_ALIAS_ALREADY_EXIST,
	      NULL);
	fails("create timeseries root.turbine.d1.s5 BOOLEAN encoding=TS_2DIFF", LARCH_METADATA_ERROR,
	      NULL);
	fails("create timeseries root.turbine INT32", LARCH_ILLEGAL_PATH, NULL);
	fails("create aligned timeseries root.turbine.d1(x INT32)", LARCH_ALIGNED_TIMESERIES_ERROR,
	      NULL);
	rows("count timeseries root.**", "count(timeseries)\n3\n");
	/* an aligned creation with one bad definition creates none of them */
	fails("create aligned timeseries root.turbine.gps(lat FLOAT, on BOOLEAN encoding=TS_2DIFF)",
	      LARCH_METADATA_ERROR, NULL);
	rows("count timeseries root.turbine.gps.*", "count(timeseries)\n0\n");
	rows("show timeseries root.turbine.** where datatype != TEXT limit 1 offset 1",
	     TS_HEADER
	     "root.turbine.d1.s2,null,root.turbine,INT64,PLAIN,GZIP,null,null,null,null,BASE\n");
	rows("count timeseries root.** where datatype != FLOAT", "count(timeseries)\n2\n");
	/* dropping a series drops its data: a new series of the name starts empty */
	ok("insert into root.turbine.d1(time, s3) values(1, 'a')");
	ok("delete timeseries root.turbine.d1.s3");
	fails("delete timeseries root.turbine.d1.s3", LARCH_PATH_NOT_EXIST, NULL);
	ok("create timeseries root.turbine.d1.s3 TEXT");
	series("root.turbine.d1.s3", "");
	ok("drop timeseries root.turbine.d1.s1, root.turbine.d1.s2");
	rows("count timeseries root.**", "count(timeseries)\n1\n");
}

static void test_alter_timeseries(void **state)
{
	(void)state;
	ok("create timeseries root.turbine.d1.s1 with datatype=FLOAT tags(tag1=v1) "
	   "attributes(attr1=a1)");
	ok("ALTER timeseries root.turbine.d1.s1 ADD TAGS tag3=v3, tag4=v4");
	ok("ALTER timeseries root.turbine.d1.s1 ADD ATTRIBUTES attr2=a2");
	ok("ALTER timeseries root.turbine.d1.s1 RENAME tag1 TO newTag1");
	ok("ALTER timeseries root.turbine.d1.s1 SET newTag1=newV1, attr1=newA1");
	ok("ALTER timeseries root.turbine.d1.s1 DROP tag4");
	ok("ALTER timeseries root.turbine.d1.s1 UPSERT ALIAS=newAlias TAGS(tag3=v33) "
	   "ATTRIBUTES(attr3=a3)");
	rows("show timeseries root.turbine.d1.s1",
	     TS_HEADER
	     "root.turbine.d1.s1,newAlias,root.turbine,FLOAT,GORILLA,LZ4,"
	     "{\"newTag1\":\"newV1\",\"tag3\":\"v33\"},"
	     "{\"attr1\":\"newA1\",\"attr2\":\"a2\",\"attr3\":\"a3\"},null,null,BASE\n");
	fails("ALTER timeseries root.turbine.d1.s1 ADD TAGS tag3=x", LARCH_METADATA_ERROR,
	      "already has the tag [tag3]");
	fails("ALTER timeseries root.turbine.d1.s1 SET nope=1", LARCH_METADATA_ERROR, NULL);
	fails("ALTER timeseries root.turbine.d1.nope ADD TAGS a=b", LARCH_PATH_NOT_EXIST, NULL);
}

/*---------------------------------------------------------------------------
 * Templates
 *---------------------------------------------------------------------------*/

static void test_templates(void **state)
{
	(void)state;
	ok("CREATE DATABASE root.sg1");
	ok("create device template t1 (temperature FLOAT encoding=RLE, status BOOLEAN "
	   "encoding=PLAIN compression=SNAPPY)");
	ok("create device template t2 aligned (lat DOUBLE, lon DOUBLE)");
	fails("create device template t1 (s INT32)", LARCH_METADATA_ERROR, "Duplicated template");
	fails("create device template t3 (s INT32, b BOOLEAN encoding=GORILLA)",
	      LARCH_CREATE_TEMPLATE_ERROR, NULL);
	rows("show device templates", "TemplateName\nt1\nt2\n");
	rows("show nodes in device template t1",
	     "ChildNodes,DataType,Encoding,Compression\n"
	     "temperature,FLOAT,RLE,LZ4\nstatus,BOOLEAN,PLAIN,SNAPPY\n");
	ok("set device template t1 to root.sg1.d1");
	ok("set device template t2 to root.sg1.gps");
	rows("show paths set device template t1", "Paths\nroot.sg1.d1\n");
	ok("create timeseries using device template on root.sg1.d1");
	ok("insert into root.sg1.gps(time, lat, lon) aligned values(1, 30.5, 120.25)");
	rows("show paths using device template t1", "Paths\nroot.sg1.d1\n");
	rows("show devices root.sg1.**",
	     "Device,IsAligned,Template,TTL(ms)\n"
	     "root.sg1.d1,false,t1,INF\nroot.sg1.gps,true,t2,INF\n");
	rows("show devices root.** where template is null", "Device,IsAligned,Template,TTL(ms)\n");
	rows("show devices root.** where template = 't2'",
	     "Device,IsAligned,Template,TTL(ms)\nroot.sg1.gps,true,t2,INF\n");
	rows("count timeseries root.sg1.**", "count(timeseries)\n4\n");
	series("root.sg1.gps.lat", "1:30.5;");
	ok("alter device template t1 add (humidity DOUBLE)");
	rows("count timeseries root.sg1.d1.*", "count(timeseries)\n3\n");
	fails("drop device template t1", LARCH_METADATA_ERROR, "cannot be dropped");
	fails("unset device template t2 from root.sg1.gps", LARCH_TEMPLATE_IS_IN_USE, NULL);
	/* deactivation drops the series and their data */
	ok("deactivate device template t2 from root.sg1.gps");
	rows("count timeseries root.sg1.gps.*", "count(timeseries)\n0\n");
	ok("unset device template t2 from root.sg1.gps");
	ok("drop device template t2");
	rows("show device templates", "TemplateName\nt1\n");
	ok("set device template t1 to root.sg1.gps");
	ok("create timeseries of device template on root.sg1.gps");
	series("root.sg1.gps.temperature", "");
	fails("deactivate device template t1 from root.sg1.nothing", LARCH_TEMPLATE_NOT_ACTIVATED,
	      NULL);
}

/*---------------------------------------------------------------------------
 * TTL, FLUSH, VERSION, errors
 *---------------------------------------------------------------------------*/

static void test_ttl(void **state)
{
	(void)state;
	ok("create database root.group1");
	ok("create database root.group2");
	ok("create timeseries root.group1.d.s INT64");
	rows("show all ttl", "Device,TTL(ms)\nroot.**,INF\n");
	ok("set ttl to root.group1 10000");
	rows("show all ttl", "Device,TTL(ms)\nroot.**,INF\nroot.group1.**,10000\n");
	rows("show ttl on root.group1", "Device,TTL(ms)\nroot.group1.**,10000\n");
	rows("show ttl on root.group1.**, root.group1", "Device,TTL(ms)\nroot.group1.**,10000\n");
	rows("show ttl on root.group2", "Device,TTL(ms)\n");
	rows("show devices", "Device,IsAligned,Template,TTL(ms)\nroot.group1.d,false,null,10000\n");
	fails("set ttl to root.group1.d 1000", LARCH_UNSUPPORTED, NULL);
	fails("set ttl to root.nope 1000", LARCH_PATH_NOT_EXIST, NULL);
	ok("unset ttl to root.group1");
	rows("show all ttl", "Device,TTL(ms)\nroot.**,INF\n");
	ok("set ttl to root.** 5000");
	rows("show ttl on root.*", "Device,TTL(ms)\nroot.group1.**,5000\nroot.group2.**,5000\n");
	ok("set ttl to root.group2 INF");
	rows("show all ttl", "Device,TTL(ms)\nroot.**,INF\nroot.group1.**,5000\n");
}

static void test_flush_version_and_errors(void **state)
{
	(void)state;
	ok("insert into root.sg.d(time, s) values(1, 1)");
	ok("flush");
	series("root.sg.d.s", "1:1;");
	rows("show version", "Version,BuildInfo\n2.0.0,larch\n");
	fails("selec * from root.**", LARCH_PARSE_ERROR, NULL);
	fails("insert into root.sg.d(time, s) values(1, 1) garbage", LARCH_PARSE_ERROR, NULL);
	larch_result_t *r = NULL;
	larch_error_t err = {0};
	larch_exec_opts_t bad = {"Mars/Olympus", 0};
	assert_int_equal(larch_execute(db, "show version", &bad, &r, &err), LARCH_ILLEGAL_PARAMETER);
	assert_null(r);
	/* the same statement through a named zone, twice (cached) */
	larch_exec_opts_t tz = {"+08:00", 0};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(larch_execute(db,
					       "insert into root.sg.d(time, s) values("
					       "1970-01-01T08:00:05, 5)",
					       &tz, &r, &err),
				 LARCH_OK);
		larch_result_free(r);
	}
	series("root.sg.d.s", "1:1;5000:5;");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_rows_and_inferred_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_conversion_to_registered_types, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_insert_blob_literal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_blob_literal_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_negative_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_time_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_aligned_and_quoted_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_auto_create_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_time_conditions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_databases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_timeseries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_latest_timeseries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_drop_timeseries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_timeseries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_version_and_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
