/*
 * test_expr.c — scalar expressions (src/query/expr*.c, timerange.c):
 * types, three-valued logic, null propagation, LIKE/REGEXP, functions,
 * CAST, Java number formatting, display names, constant time evaluation
 * and WHERE time ranges.  Expected values are worked out by hand from
 * IoTDB's documented semantics (and Java's Double.toString for formatting).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "query/expr_int.h"

/* Inputs: s1 INT32 [1, 2, null, -4], s2 DOUBLE [0.5, null, 2.0, 8.0],
 * t TEXT ["apple", "Banana", null, "cherry"], b BOOLEAN [true, false, true, null]. */
#define ROWS 4
static const int64_t times[ROWS] = { 10, 20, 30, 40 };
static const int32_t s1v[ROWS] = { 1, 2, 0, -4 };
static const double s2v[ROWS] = { 0.5, 0, 2.0, 8.0 };
static const tsfile_bytes_t tv[ROWS] = { { "apple", 5 }, { "Banana", 6 }, { "", 0 }, { "cherry", 6 } };
static const uint8_t bv[ROWS] = { 1, 0, 1, 0 };
static const uint8_t s1n[ROWS] = { 0, 0, 1, 0 }, s2n[ROWS] = { 0, 1, 0, 0 };
static const uint8_t tn[ROWS] = { 0, 0, 1, 0 }, bn[ROWS] = { 0, 0, 0, 1 };
static const larch_column_t inputs[4] = {
	{ TSFILE_INT32, s1v, s1n }, { TSFILE_DOUBLE, s2v, s2n },
	{ TSFILE_TEXT, tv, tn }, { TSFILE_BOOLEAN, bv, bn },
};
static const char *const names[4] = { "s1", "s2", "t", "b" };

static int bind(void *arg, const ast_path_t *p, size_t *input, tsfile_type_t *type,
		larch_error_t *err)
{
	(void)arg;
	for (size_t i = 0; i < 4; i++)
		if (p->n == 1 && !strcmp(p->nodes[0], names[i])) {
			*input = i;
			*type = inputs[i].type;
			return LARCH_OK;
		}
	return err_set(err, LARCH_PATH_NOT_EXIST, "no series %s", p->text);
}

static void path_name(void *arg, const ast_path_t *p, buf_t *b)
{
	(void)arg;
	buf_put(b, "root.sg.d.", 10);
	buf_put(b, p->text, strlen(p->text));
}

typedef struct fx {
	arena_t *arena;
	time_zone_t *tz;
	query_ctx_t ctx;
	expr_t *x;
	larch_error_t err;
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));

	f->arena = arena_new(0);
	assert_int_equal(time_zone_open("+08:00", &f->tz, NULL), LARCH_OK);
	f->ctx.precision = TIME_MS;
	f->ctx.tz = f->tz;
	f->ctx.now = 1700000000000LL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;

	expr_free(f->x);
	arena_free(f->arena);
	time_zone_free(f->tz);
	free(f);
	return 0;
}

/* The WHERE expression of "SELECT * FROM root.sg.d WHERE <text>". */
static const ast_expr_t *parse_where(fx_t *f, const char *text)
{
	char sql[512];
	ast_stmt_t *st;

	snprintf(sql, sizeof(sql), "SELECT * FROM root.sg.d WHERE %s", text);
	assert_int_equal(ast_parse(sql, strlen(sql), f->arena, &st, &f->err), LARCH_OK);
	assert_non_null(st->select->where);
	return st->select->where;
}

/* Compile and evaluate `text`; returns the result column. */
static larch_column_t eval(fx_t *f, const char *text)
{
	larch_column_t out;

	expr_free(f->x);
	f->x = NULL;
	assert_int_equal(expr_compile(&f->ctx, parse_where(f, text), bind, NULL, NULL, f->arena,
				      &f->x, &f->err), LARCH_OK);
	assert_int_equal(expr_eval(f->x, ROWS, times, inputs, f->arena, &out, &f->err), LARCH_OK);
	assert_int_equal(out.type, expr_type(f->x));
	return out;
}

static int compile_code(fx_t *f, const char *text)
{
	expr_t *x = NULL;
	int rc = expr_compile(&f->ctx, parse_where(f, text), bind, NULL, NULL, f->arena, &x,
			      &f->err);
	expr_free(x);
	return rc;
}

/* Boolean results: 't', 'f', 'n' (null) per row. */
static void expect_bool(fx_t *f, const char *text, const char *want)
{
	larch_column_t c = eval(f, text);
	char got[ROWS + 1] = { 0 };

	assert_int_equal(c.type, TSFILE_BOOLEAN);
	for (size_t i = 0; i < ROWS; i++)
		got[i] = c.nulls[i] ? 'n' : ((const uint8_t *)c.values)[i] ? 't' : 'f';
	if (strcmp(got, want))
		fail_msg("%s: got %s, want %s", text, got, want);
}

static void test_arithmetic(void **state)
{
	fx_t *f = *state;
	larch_column_t c = eval(f, "s1 + s2 * 2 > 0 or true");

	(void)c;
	c = eval(f, "s1 + s2");   /* not a predicate, still evaluates */
	assert_int_equal(c.type, TSFILE_DOUBLE);
	const double *d = c.values;
	assert_false(c.nulls[0]);
	assert_true(d[0] == 1.5);
	assert_true(c.nulls[1] && c.nulls[2]);
	assert_true(d[3] == 4.0);
	c = eval(f, "-s1");
	assert_int_equal(c.type, TSFILE_INT32);
	assert_int_equal(((const int32_t *)c.values)[3], 4);
	c = eval(f, "s1 % 3");
	assert_true(((const double *)c.values)[1] == 2.0);
	assert_true(((const double *)c.values)[3] == -1.0);   /* Java's % keeps the dividend's sign */
	assert_int_equal(compile_code(f, "t + 1"), LARCH_SEMANTIC_ERROR);
	assert_int_equal(compile_code(f, "nosuch > 1"), LARCH_PATH_NOT_EXIST);
}

static void test_compare_logic(void **state)
{
	fx_t *f = *state;

	expect_bool(f, "s1 > 1", "ftnf");
	expect_bool(f, "s1 >= s2", "tnnf");
	expect_bool(f, "s1 != 2", "tfnt");
	expect_bool(f, "s1 <> 2", "tfnt");
	expect_bool(f, "t = 'apple'", "tfnf");
	expect_bool(f, "t < 'b'", "ttnf");               /* byte order: 'B' < 'a' < 'b' */
	expect_bool(f, "b = true", "tftn");
	expect_bool(f, "b = 'false'", "ftfn");
	/* three-valued: null AND false = false, null OR true = true */
	expect_bool(f, "s1 > 1 and s2 > 1", "fnnf");
	expect_bool(f, "s1 > 1 or s2 > 1", "fttt");
	expect_bool(f, "not s1 > 1", "tfnt");
	expect_bool(f, "time >= 20 and time < 40", "fttf");
	assert_int_equal(compile_code(f, "s1 > 'a'"), LARCH_SEMANTIC_ERROR);
	assert_int_equal(compile_code(f, "s1 and b"), LARCH_SEMANTIC_ERROR);
}

static void test_between_in_like(void **state)
{
	fx_t *f = *state;

	expect_bool(f, "s1 between 1 and 2", "ttnf");
	expect_bool(f, "s1 not between 1 and 2", "ffnt");
	expect_bool(f, "s1 in (2, -4)", "ftnt");
	expect_bool(f, "s1 not in (2, -4)", "tfnf");
	expect_bool(f, "t in ('apple', 'cherry')", "tfnt");
	expect_bool(f, "t like 'a%'", "tfnf");
	expect_bool(f, "t like '_anana'", "ftnf");
	expect_bool(f, "t like '%e%'", "tfnt");
	expect_bool(f, "t not like '%an%'", "tfnt");
	expect_bool(f, "t regexp '^[a-c]'", "tfnt");
	expect_bool(f, "t regexp 'rr'", "ffnt");
	expect_bool(f, "s1 is null", "fftf");
	expect_bool(f, "s2 is not null", "tftt");
	assert_int_equal(compile_code(f, "t regexp '('"), LARCH_SEMANTIC_ERROR);
}

static void test_functions(void **state)
{
	fx_t *f = *state;
	larch_column_t c;

	c = eval(f, "abs(s1)");
	assert_int_equal(c.type, TSFILE_INT32);
	assert_int_equal(((const int32_t *)c.values)[3], 4);
	c = eval(f, "sqrt(s2)");
	assert_int_equal(c.type, TSFILE_DOUBLE);
	assert_true(((const double *)c.values)[3] == sqrt(8.0));
	c = eval(f, "round(s2, 'places'='0')");
	assert_true(((const double *)c.values)[0] == 1.0);
	c = eval(f, "round(s2 / 3, 2)");
	assert_true(((const double *)c.values)[3] == 2.67);
	c = eval(f, "length(t)");
	assert_int_equal(c.type, TSFILE_INT32);
	assert_int_equal(((const int32_t *)c.values)[1], 6);
	assert_true(c.nulls[2]);
	c = eval(f, "upper(t)");
	assert_memory_equal(((const tsfile_bytes_t *)c.values)[1].ptr, "BANANA", 6);
	c = eval(f, "substring(t, 2, 3)");
	assert_int_equal(((const tsfile_bytes_t *)c.values)[0].len, 3);
	assert_memory_equal(((const tsfile_bytes_t *)c.values)[0].ptr, "ppl", 3);
	c = eval(f, "replace(t, 'from'='an', 'to'='AN')");
	assert_memory_equal(((const tsfile_bytes_t *)c.values)[1].ptr, "BANANa", 6);
	c = eval(f, "locate(t, 'target'='an')");
	assert_int_equal(((const int32_t *)c.values)[1], 1);
	assert_int_equal(((const int32_t *)c.values)[0], -1);
	c = eval(f, "concat(t, 'target1'='_x')");
	assert_int_equal(((const tsfile_bytes_t *)c.values)[3].len, 8);
	assert_memory_equal(((const tsfile_bytes_t *)c.values)[3].ptr, "cherry_x", 8);
	expect_bool(f, "startswith(t, 'target'='ch')", "ffnt");
	expect_bool(f, "string_contains(t, 's'='nan')", "ftnf");
	assert_int_equal(compile_code(f, "nosuchfn(s1) > 1"), LARCH_SEMANTIC_ERROR);
	assert_int_equal(compile_code(f, "sin(t) > 1"), LARCH_SEMANTIC_ERROR);
	assert_int_equal(compile_code(f, "count(s1) > 1"), LARCH_SEMANTIC_ERROR);
}

static void test_cast(void **state)
{
	fx_t *f = *state;
	larch_column_t c;
	static const tsfile_bytes_t nums[ROWS] = { { "12", 2 }, { "-7", 2 }, { "x", 1 }, { "0", 1 } };
	static const uint8_t none[ROWS] = { 0, 0, 1, 0 };
	larch_column_t in = { TSFILE_TEXT, nums, none }, out;

	c = eval(f, "cast(s2 as INT32)");
	assert_int_equal(c.type, TSFILE_INT32);
	assert_int_equal(((const int32_t *)c.values)[0], 1);     /* 0.5 rounds half up */
	c = eval(f, "cast(s1 as TEXT)");
	assert_memory_equal(((const tsfile_bytes_t *)c.values)[3].ptr, "-4", 2);
	c = eval(f, "cast(s2 as TEXT)");
	assert_int_equal(((const tsfile_bytes_t *)c.values)[3].len, 3);
	assert_memory_equal(((const tsfile_bytes_t *)c.values)[3].ptr, "8.0", 3);
	c = eval(f, "cast(s1 as BOOLEAN)");
	assert_int_equal(((const uint8_t *)c.values)[0], 1);
	assert_int_equal(x_cast(&in, ROWS, TSFILE_INT64, f->arena, &out, &f->err), LARCH_OK);
	assert_int_equal(((const int64_t *)out.values)[1], -7);
	assert_true(out.nulls[2]);
	static const tsfile_bytes_t bad[1] = { { "abc", 3 } };
	static const uint8_t zero[1] = { 0 };
	larch_column_t badc = { TSFILE_TEXT, bad, zero };
	assert_int_equal(x_cast(&badc, 1, TSFILE_INT32, f->arena, &out, &f->err), LARCH_EXECUTE_ERROR);
	static const double big[1] = { 3e9 };
	larch_column_t bigc = { TSFILE_DOUBLE, big, zero };
	assert_int_equal(x_cast(&bigc, 1, TSFILE_INT32, f->arena, &out, &f->err), LARCH_EXECUTE_ERROR);
}

static void test_java_format(void **state)
{
	static const struct { double v; int is_float; const char *want; } cases[] = {
		{ 1.0, 0, "1.0" }, { 100.0, 0, "100.0" }, { 25.96f, 1, "25.96" },
		{ 0.1 + 0.2, 0, "0.30000000000000004" }, { 1e7, 0, "1.0E7" },
		{ 1.2345678e7, 0, "1.2345678E7" }, { 9999999.0, 0, "9999999.0" },
		{ 0.001, 0, "0.001" }, { 0.0001, 0, "1.0E-4" }, { -2.5e-5, 0, "-2.5E-5" },
		{ 123456.7, 0, "123456.7" }, { 0.0, 0, "0.0" }, { 1.1f, 1, "1.1" },
		{ 3.4028235e38f, 1, "3.4028235E38" },
		/* subnormal minima: Java prints the closer two-digit decimal */
		{ 4.9e-324, 0, "4.9E-324" }, { 1.4e-45f, 1, "1.4E-45" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		x_format_java(cases[i].v, cases[i].is_float, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want))
			fail_msg("case %zu: got %s want %s", i, buf, cases[i].want);
	}
}

static void test_names(void **state)
{
	fx_t *f = *state;
	static const struct { const char *in, *want; } cases[] = {
		{ "s1 + 2 * s2", "root.sg.d.s1 + 2 * root.sg.d.s2" },
		{ "(s1 + 2) * s2", "(root.sg.d.s1 + 2) * root.sg.d.s2" },
		{ "s1 - (s2 - 1)", "root.sg.d.s1 - (root.sg.d.s2 - 1)" },
		{ "sin(s1)", "sin(root.sg.d.s1)" },
		{ "-s1", "-root.sg.d.s1" },
		{ "s1 > 1 and s2 < 2", "root.sg.d.s1 > 1 & root.sg.d.s2 < 2" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_t b = { 0 };
		expr_format(parse_where(f, cases[i].in), path_name, NULL, &b);
		buf_put(&b, "", 1);
		if (strcmp((const char *)b.data, cases[i].want))
			fail_msg("%s: got %s want %s", cases[i].in, (const char *)b.data, cases[i].want);
		buf_free(&b);
	}
}

static void test_time_eval(void **state)
{
	fx_t *f = *state;
	int64_t t;

	assert_int_equal(query_eval_time(&f->ctx, parse_where(f, "2017-11-01T00:00:00.000+08:00"),
					 &t, &f->err), LARCH_OK);
	assert_int_equal(t, 1509465600000LL);
	/* no zone in the literal: the session's (+08:00) */
	assert_int_equal(query_eval_time(&f->ctx, parse_where(f, "2017-11-01 00:00:00"), &t,
					 &f->err), LARCH_OK);
	assert_int_equal(t, 1509465600000LL);
	assert_int_equal(query_eval_time(&f->ctx, parse_where(f, "now() - 1d"), &t, &f->err),
			 LARCH_OK);
	assert_int_equal(t, 1700000000000LL - 86400000LL);
	assert_int_equal(query_eval_time(&f->ctx, parse_where(f, "1h30m"), &t, &f->err), LARCH_OK);
	assert_int_equal(t, 5400000);
	assert_int_equal(query_eval_time(&f->ctx, parse_where(f, "s1 + 1"), &t, &f->err),
			 LARCH_SEMANTIC_ERROR);
}

/* Ranges of a WHERE clause, printed as "[a,b] [c,d]" with MIN/MAX. */
static void expect_ranges(fx_t *f, const char *text, const char *want)
{
	time_range_t *r;
	size_t n;
	char got[256] = "", one[64];

	assert_int_equal(expr_time_ranges(&f->ctx, parse_where(f, text), f->arena, &r, &n,
					  &f->err), LARCH_OK);
	for (size_t i = 0; i < n; i++) {
		char a[24], b[24];
		snprintf(a, sizeof(a), "%lld", (long long)r[i].start);
		snprintf(b, sizeof(b), "%lld", (long long)r[i].end);
		snprintf(one, sizeof(one), "%s[%s,%s]", i ? " " : "",
			 r[i].start == INT64_MIN ? "MIN" : a, r[i].end == INT64_MAX ? "MAX" : b);
		strcat(got, one);
	}
	if (strcmp(got, want))
		fail_msg("%s: got %s want %s", text, got, want);
}

static void test_time_ranges(void **state)
{
	fx_t *f = *state;

	expect_ranges(f, "time >= 10 and time < 20 or time = 30", "[10,19] [30,30]");
	expect_ranges(f, "not (time > 5)", "[MIN,5]");
	expect_ranges(f, "s1 > 3 and time < 5", "[MIN,4]");
	expect_ranges(f, "s1 > 3 or time < 5", "[MIN,MAX]");
	expect_ranges(f, "time != 3", "[MIN,2] [4,MAX]");
	expect_ranges(f, "time between 5 and 9 or time in (7, 12)", "[5,9] [12,12]");
	expect_ranges(f, "5 < time and time <= 5", "");
	expect_ranges(f, "time > 1 and time < 10 and (time < 3 or time > 8)", "[2,2] [9,9]");
	expect_ranges(f, "time < 11 or time > 10", "[MIN,MAX]");
	expect_ranges(f, "time >= 2017-11-01T00:00:00+08:00 and time < 2017-11-01T00:00:01+08:00",
		      "[1509465600000,1509465600999]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_logic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_between_in_like, setup, teardown),
		cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cast, setup, teardown),
		cmocka_unit_test(test_java_format),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_eval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_ranges, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
