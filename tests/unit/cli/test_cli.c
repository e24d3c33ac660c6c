/* Unit tests for the shell's pieces (src/cli): the statement splitter, the
 * text forms of values (against the forms IoTDB's Java clients print), the
 * bordered table, and the streaming CSV reader (random round trips through
 * the RFC 4180 writer of src/tools/common). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "cli/csvread.h"

/*---------------------------------------------------------------------------
 * Splitter
 *---------------------------------------------------------------------------*/

typedef struct got {
	char stmts[16][128];
	size_t n;
	size_t stop_at; /* answer CLI_STOP for statement number stop_at (1-based) */
} got_t;

static int collect(void *arg, const char *stmt)
{
	got_t *g = arg;
	assert_true(g->n < 16);
	snprintf(g->stmts[g->n], sizeof g->stmts[0], "%s", stmt);
	g->n++;
	return g->n == g->stop_at ? CLI_STOP : CLI_NEXT;
}

static void test_split_statements(void **state)
{
	(void)state;
	cli_split_t sp = CLI_SPLIT_INIT;
	got_t g = {0};
	const char *in = "select 1;  ; insert into root.a(t,s) values(1,'x;y');\nselect\n";
	assert_int_equal(cli_split_feed(&sp, in, strlen(in), collect, &g), CLI_NEXT);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.stmts[0], "select 1");
	assert_string_equal(g.stmts[1], "insert into root.a(t,s) values(1,'x;y')");
	assert_true(cli_split_pending(&sp));
	/* the statement continues on the next line; a quote spans a line */
	const char *more = "s1 from `a;b` where s = \"it's;\n;\";";
	assert_int_equal(cli_split_feed(&sp, more, strlen(more), collect, &g), CLI_NEXT);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.stmts[2], "select\ns1 from `a;b` where s = \"it's;\n;\"");
	assert_false(cli_split_pending(&sp));
	/* doubled quotes stay inside; the end of input ends the last one */
	const char *last = "select 'a''; b' ";
	assert_int_equal(cli_split_feed(&sp, last, strlen(last), collect, &g), CLI_NEXT);
	assert_int_equal(g.n, 3);
	assert_int_equal(cli_split_finish(&sp, collect, &g), CLI_NEXT);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.stmts[3], "select 'a''; b'");
	/* an open quote is pending; reset drops it */
	assert_int_equal(cli_split_feed(&sp, "'abc", 4, collect, &g), CLI_NEXT);
	assert_true(cli_split_pending(&sp));
	cli_split_reset(&sp);
	assert_false(cli_split_pending(&sp));
	assert_int_equal(cli_split_feed(&sp, "a;b;", 4, collect, &g), CLI_NEXT);
	assert_string_equal(g.stmts[4], "a");
	cli_split_free(&sp);
}

static void test_split_stop(void **state)
{
	(void)state;
	cli_split_t sp = CLI_SPLIT_INIT;
	got_t g = {0};
	g.stop_at = 2;
	assert_int_equal(cli_split_feed(&sp, "a; quit; c;", 11, collect, &g), CLI_STOP);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.stmts[1], "quit");
	cli_split_free(&sp);
}

/*---------------------------------------------------------------------------
 * Text forms
 *---------------------------------------------------------------------------*/

static void value_text(const cli_fmt_t *f, const tsfile_value_t *v, char *out, size_t n)
{
	buf_t b = BUF_INIT;
	cli_format_value(f, v, &b);
	assert_true(buf_ok(&b));
	assert_true(b.len < n);
	memcpy(out, b.data ? (const char *)b.data : "", b.len);
	out[b.len] = 0;
	buf_free(&b);
}

static void test_format_values(void **state)
{
	(void)state;
	time_zone_t *tz;
	assert_int_equal(time_zone_open("+08:00", &tz, NULL), LARCH_OK);
	cli_fmt_t f = {0, tz, TIME_MS};
	char s[128];
	/* Double.toString / Float.toString outputs */
	static const struct { double v; int is_float; const char *want; } nums[] = {
		{1, 0, "1.0"}, {0.00001, 0, "1.0E-5"}, {1.5, 0, "1.5"}, {1e7, 0, "1.0E7"},
		{123456.789, 0, "123456.789"}, {0.001, 0, "0.001"}, {-0.0, 0, "-0.0"},
		{0.1f, 1, "0.1"}, {3.4028235e38f, 1, "3.4028235E38"}, {1.0 / 3, 0, "0.3333333333333333"},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(nums); i++) {
		tsfile_value_t v = {0};
		v.type = nums[i].is_float ? TSFILE_FLOAT : TSFILE_DOUBLE;
		if (nums[i].is_float)
			v.v.f = (float)nums[i].v;
		else
			v.v.d = nums[i].v;
		value_text(&f, &v, s, sizeof s);
		assert_string_equal(s, nums[i].want);
	}
	tsfile_value_t v = {0};
	v.type = TSFILE_DATE;
	v.v.i32 = 20240131;
	value_text(&f, &v, s, sizeof s);
	assert_string_equal(s, "2024-01-31");
	v.type = TSFILE_BLOB;
	v.v.bytes = (tsfile_bytes_t){"\x00\xff\x10", 3};
	value_text(&f, &v, s, sizeof s);
	assert_string_equal(s, "0x00ff10");
	v.type = TSFILE_BOOLEAN;
	v.v.b = 1;
	value_text(&f, &v, s, sizeof s);
	assert_string_equal(s, "true");
	/* times: IoTDB's default display and the long form */
	v.type = TSFILE_TIMESTAMP;
	v.v.i64 = 1509465600000;
	value_text(&f, &v, s, sizeof s);
	assert_string_equal(s, "2017-11-01T00:00:00.000+08:00");
	f.time_long = 1;
	value_text(&f, &v, s, sizeof s);
	assert_string_equal(s, "1509465600000");
	time_zone_free(tz);
}

static void test_text_width(void **state)
{
	(void)state;
	assert_int_equal(cli_text_width("abc", 3), 3);
	assert_int_equal(cli_text_width("\xe4\xb8\xad\xe6\x96\x87", 6), 4);  /* 中文 */
	assert_int_equal(cli_text_width("\xc3\xa9t\xc3\xa9", 5), 3);        /* été */
	assert_int_equal(cli_text_width("\xe4\xb8", 2), 2);                  /* truncated */
}

/* Random values of every type print and parse back to the same value. */
static void test_format_parse_roundtrip(void **state)
{
	(void)state;
	static const tsfile_type_t types[] = {TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64,
					      TSFILE_FLOAT, TSFILE_DOUBLE, TSFILE_TEXT,
					      TSFILE_DATE, TSFILE_BLOB, TSFILE_STRING,
					      TSFILE_TIMESTAMP};
	time_zone_t *tz;
	assert_int_equal(time_zone_open("Asia/Shanghai", &tz, NULL), LARCH_OK);
	arena_t *a = arena_new(0);
	srand(7);
	for (int iter = 0; iter < 20000; iter++) {
		cli_fmt_t f = {iter & 1, tz, (time_precision_t)(iter % 3)};
		tsfile_value_t v = {0}, back;
		char bytes[16];
		uint64_t r = ((uint64_t)rand() << 40) ^ ((uint64_t)rand() << 20) ^ (uint64_t)rand();
		v.type = types[iter % LR_ARRAY_LEN(types)];
		switch (v.type) {
		case TSFILE_BOOLEAN: v.v.b = (int)(r & 1); break;
		case TSFILE_INT32: v.v.i32 = (int32_t)r; break;
		case TSFILE_DATE: v.v.i32 = (int32_t)(1000 + r % 9000) * 10000 + (int32_t)(1 + r / 7 % 12) * 100 + (int32_t)(1 + r / 101 % 28); break;
		case TSFILE_INT64: v.v.i64 = (int64_t)(r * 0x9E3779B97F4A7C15ull); break;
		case TSFILE_TIMESTAMP: v.v.i64 = (int64_t)(r % 250000000000000ull); break;
		case TSFILE_FLOAT: { uint32_t u = (uint32_t)r; memcpy(&v.v.f, &u, 4); if (v.v.f != v.v.f) v.v.f = 1.5f; break; }
		case TSFILE_DOUBLE: memcpy(&v.v.d, &r, 8); if (v.v.d != v.v.d) v.v.d = -2.5; break;
		default:
			for (size_t i = 0; i < sizeof bytes; i++)
				bytes[i] = (char)(rand() % 256);
			v.v.bytes = (tsfile_bytes_t){bytes, (uint32_t)(r % sizeof bytes)};
			break;
		}
		buf_t b = BUF_INIT;
		cli_format_value(&f, &v, &b);
		buf_put_u8(&b, 0);
		larch_error_t err = {0};
		int rc = cli_parse_value(&f, v.type, (const char *)b.data, b.len - 1, a, &back, &err);
		if (rc)
			fail_msg("type %d text '%s': %s", v.type, b.data, err.msg);
		switch (v.type) {
		case TSFILE_BOOLEAN: assert_int_equal(back.v.b, v.v.b); break;
		case TSFILE_INT32: case TSFILE_DATE: assert_int_equal(back.v.i32, v.v.i32); break;
		case TSFILE_INT64: case TSFILE_TIMESTAMP: assert_int_equal(back.v.i64, v.v.i64); break;
		case TSFILE_FLOAT: assert_memory_equal(&back.v.f, &v.v.f, 4); break;
		case TSFILE_DOUBLE: assert_memory_equal(&back.v.d, &v.v.d, 8); break;
		default:
			assert_int_equal(back.v.bytes.len, v.v.bytes.len);
			assert_memory_equal(back.v.bytes.ptr, v.v.bytes.ptr, v.v.bytes.len);
		}
		buf_free(&b);
		arena_reset(a);
	}
	larch_error_t err = {0};
	tsfile_value_t out;
	cli_fmt_t f = {0, tz, TIME_MS};
	assert_int_equal(cli_parse_value(&f, TSFILE_INT32, "2147483648", 10, a, &out, &err),
			 LARCH_PARSE_ERROR);
	assert_non_null(strstr(err.msg, "INT32"));
	assert_int_equal(cli_parse_value(&f, TSFILE_BLOB, "0xabc", 5, a, &out, &err),
			 LARCH_PARSE_ERROR);
	assert_int_equal(cli_parse_value(&f, TSFILE_DATE, "2024-13-01", 10, a, &out, &err),
			 LARCH_PARSE_ERROR);
	arena_free(a);
	time_zone_free(tz);
}

/*---------------------------------------------------------------------------
 * Table
 *---------------------------------------------------------------------------*/

static void test_table_layout(void **state)
{
	(void)state;
	cli_table_t t;
	assert_int_equal(cli_table_init(&t, 2, NULL), LARCH_OK);
	cli_table_cell(&t, "Time", 4);
	cli_table_cell(&t, "root.sg.d1.s1", 13);
	cli_table_cell(&t, "2017-11-01T00:00:00.000+08:00", 29);
	cli_table_cell(&t, "1.0", 3);
	cli_table_cell(&t, "1", 1);
	cli_table_cell(&t, "\xe4\xb8\xad\xe6\x96\x87", 6);
	char out[1024] = {0};
	FILE *f = fmemopen(out, sizeof out - 1, "w");
	assert_int_equal(cli_table_print(&t, f, NULL), LARCH_OK);
	fclose(f);
	assert_string_equal(out,
		"+-----------------------------+-------------+\n"
		"|                         Time|root.sg.d1.s1|\n"
		"+-----------------------------+-------------+\n"
		"|2017-11-01T00:00:00.000+08:00|          1.0|\n"
		"|                            1|         \xe4\xb8\xad\xe6\x96\x87|\n"
		"+-----------------------------+-------------+\n");
	/* the next page keeps the header, widths restart from it */
	cli_table_clear_rows(&t);
	cli_table_cell(&t, "2", 1);
	cli_table_cell(&t, "null", 4);
	memset(out, 0, sizeof out);
	f = fmemopen(out, sizeof out - 1, "w");
	assert_int_equal(cli_table_print(&t, f, NULL), LARCH_OK);
	fclose(f);
	assert_string_equal(out,
		"+----+-------------+\n"
		"|Time|root.sg.d1.s1|\n"
		"+----+-------------+\n"
		"|   2|         null|\n"
		"+----+-------------+\n");
	cli_table_free(&t);
	assert_int_equal(cli_table_init(&t, 0, NULL), LARCH_ILLEGAL_PARAMETER);
}

/*---------------------------------------------------------------------------
 * Streaming CSV reader
 *---------------------------------------------------------------------------*/

/* Random records of random cells (commas, quotes, CR, LF, empty, "")
 * written with csv_write_cell read back the same, null/empty kept apart. */
static void test_csvread_roundtrip(void **state)
{
	(void)state;
	static const char alphabet[] = "ab,\"\n\r x;\xe4\xb8\xad";
	srand(11);
	for (int iter = 0; iter < 300; iter++) {
		char *text = NULL;
		size_t text_len = 0;
		FILE *w = open_memstream(&text, &text_len);
		size_t n_rec = 1 + (size_t)rand() % 20;
		char cells[20][8][24];
		size_t lens[20][8], ncell[20];
		int nulls[20][8];
		for (size_t r = 0; r < n_rec; r++) {
			ncell[r] = 1 + (size_t)rand() % 8;
			for (size_t c = 0; c < ncell[r]; c++) {
				size_t len = (size_t)rand() % 10;
				for (size_t i = 0; i < len; i++)
					cells[r][c][i] = alphabet[rand() % (int)(sizeof alphabet - 1)];
				lens[r][c] = len;
				nulls[r][c] = len == 0 && rand() % 2;
				if (c)
					fputc(',', w);
				if (len == 0 && !nulls[r][c])
					fputs("\"\"", w);
				else if (ncell[r] == 1 && len == 0)
					fputs("\"\"", w), nulls[r][c] = 0; /* a lone null is a blank line */
				else
					csv_write_cell(w, cells[r][c], len);
			}
			fputs(rand() % 2 ? "\r\n" : "\n", w);
		}
		fclose(w);
		FILE *f = fmemopen(text, text_len, "r");
		csvr_t rd;
		csvr_init(&rd, f);
		arena_t *a = arena_new(0);
		for (size_t r = 0; r < n_rec; r++) {
			const csv_cell_t *got;
			size_t n;
			larch_error_t err = {0};
			int rc = csvr_next(&rd, a, &got, &n, &err);
			if (rc)
				fail_msg("record %zu: %d %s\n%.*s", r, rc, err.msg, (int)text_len, text);
			assert_int_equal(n, ncell[r]);
			for (size_t c = 0; c < n; c++) {
				assert_int_equal(got[c].len, lens[r][c]);
				assert_memory_equal(got[c].s, cells[r][c], lens[r][c]);
				assert_int_equal(got[c].len == 0 && !got[c].quoted, nulls[r][c]);
			}
		}
		const csv_cell_t *got;
		size_t n;
		assert_int_equal(csvr_next(&rd, a, &got, &n, NULL), LARCH_DONE);
		csvr_free(&rd);
		arena_free(a);
		fclose(f);
		free(text); /* open_memstream's buffer comes from libc */
	}
}

static void test_csvread_errors(void **state)
{
	(void)state;
	static const struct { const char *text; const char *msg; } bad[] = {
		{"a,\"b\n", "line 1: unterminated"},
		{"x\ny,\"b\"c\n", "line 2: text after the closing quote"},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(bad); i++) {
		FILE *f = fmemopen((void *)bad[i].text, strlen(bad[i].text), "r");
		csvr_t rd;
		arena_t *a = arena_new(0);
		const csv_cell_t *got;
		size_t n;
		larch_error_t err = {0};
		int rc;
		csvr_init(&rd, f);
		while ((rc = csvr_next(&rd, a, &got, &n, &err)) == LARCH_OK)
			;
		assert_int_equal(rc, LARCH_PARSE_ERROR);
		assert_non_null(strstr(err.msg, bad[i].msg));
		csvr_free(&rd);
		arena_free(a);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_statements),
		cmocka_unit_test(test_split_stop),
		cmocka_unit_test(test_format_values),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_format_parse_roundtrip),
		cmocka_unit_test(test_table_layout),
		cmocka_unit_test(test_csvread_roundtrip),
		cmocka_unit_test(test_csvread_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
