/* Unit tests for src/tsfile/filter.c: the text parser (grammar, precedence,
 * literals, error columns, nesting limits), the constructors, three-valued
 * evaluation with numeric conversion and byte-string order, and pruning by
 * statistics (checked for soundness against brute force). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsfile/filter.h"

/*---------------------------------------------------------------------------
 * Helpers
 *---------------------------------------------------------------------------*/

static tsfile_filter_t *parse_ok(const char *text)
{
	tsfile_filter_t *f = NULL;
	larch_error_t err = {0};
	int rc = tsfile_filter_parse(text, &f, &err);
	if (rc != LARCH_OK)
		fail_msg("parse of '%s' failed: %s", text, err.msg);
	assert_non_null(f);
	return f;
}

/* Parse `text`, expect LARCH_PARSE_ERROR naming `column`. */
static void parse_fails_at(const char *text, size_t column)
{
	tsfile_filter_t *f = (tsfile_filter_t *)1;
	larch_error_t err = {0};
	assert_int_equal(tsfile_filter_parse(text, &f, &err), LARCH_PARSE_ERROR);
	assert_null(f);
	assert_int_equal(err.code, LARCH_PARSE_ERROR);
	char want[32];
	snprintf(want, sizeof want, "at column %zu", column);
	if (!strstr(err.msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, want);
}

static filter_truth_t eval_time(const tsfile_filter_t *f, int64_t t)
{
	return filter_eval(f, t, NULL);
}

static tsfile_value_t v_i32(int32_t x) { return (tsfile_value_t){.type = TSFILE_INT32, .v.i32 = x}; }
static tsfile_value_t v_i64(int64_t x) { return (tsfile_value_t){.type = TSFILE_INT64, .v.i64 = x}; }
static tsfile_value_t v_f32(float x) { return (tsfile_value_t){.type = TSFILE_FLOAT, .v.f = x}; }
static tsfile_value_t v_f64(double x) { return (tsfile_value_t){.type = TSFILE_DOUBLE, .v.d = x}; }
static tsfile_value_t v_bool(int x) { return (tsfile_value_t){.type = TSFILE_BOOLEAN, .v.b = x}; }
static tsfile_value_t v_str(tsfile_type_t t, const char *s, uint32_t n)
{
	return (tsfile_value_t){.type = t, .v.bytes = {s, n}};
}

/* Evaluate a one-leaf filter on value x (NULL: absent). */
static filter_truth_t eval1(const tsfile_filter_t *f, const tsfile_value_t *x)
{
	const tsfile_value_t *vals[1] = {x};
	return filter_eval(f, 0, vals);
}

/*---------------------------------------------------------------------------
 * Parser
 *---------------------------------------------------------------------------*/

static void test_parse_operators(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int truth[3]; /* at time 4, 5, 6 */
	} cases[] = {
		{"time = 5", {0, 1, 0}},   {"time == 5", {0, 1, 0}}, {"time != 5", {1, 0, 1}},
		{"time <> 5", {1, 0, 1}},  {"time < 5", {1, 0, 0}},  {"time <= 5", {1, 1, 0}},
		{"time > 5", {0, 0, 1}},   {"time >= 5", {0, 1, 1}}, {"5 < time", {0, 0, 1}},
		{"5 >= time", {1, 1, 0}},  {"5 = time", {0, 1, 0}},  {"TIME>5", {0, 0, 1}},
		{"  time\t>=\n5 ", {0, 1, 1}}, {"time > +4", {0, 1, 1}},
		{"time > -5 AND time < 6", {1, 1, 0}},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		tsfile_filter_t *f = parse_ok(cases[i].text);
		for (int t = 4; t <= 6; t++) {
			int want = cases[i].truth[t - 4] ? FILTER_TRUE : FILTER_FALSE;
			if ((int)eval_time(f, t) != want)
				fail_msg("'%s' at time %d", cases[i].text, t);
		}
		assert_int_equal(filter_leaf_count(f), 0);
		tsfile_filter_free(f);
	}
}

static void test_parse_precedence(void **state)
{
	(void)state;
	/* and binds tighter than or; not tighter than and */
	tsfile_filter_t *f = parse_ok("time = 1 or time = 2 and time = 3");
	assert_int_equal(eval_time(f, 1), FILTER_TRUE);
	assert_int_equal(eval_time(f, 2), FILTER_FALSE);
	tsfile_filter_free(f);
	f = parse_ok("(time = 1 or time = 2) and time = 2");
	assert_int_equal(eval_time(f, 1), FILTER_FALSE);
	assert_int_equal(eval_time(f, 2), FILTER_TRUE);
	tsfile_filter_free(f);
	f = parse_ok("not time = 1 and time < 5");
	assert_int_equal(eval_time(f, 1), FILTER_FALSE);
	assert_int_equal(eval_time(f, 2), FILTER_TRUE);
	assert_int_equal(eval_time(f, 7), FILTER_FALSE);
	tsfile_filter_free(f);
	f = parse_ok("not (time = 1 and time < 5)");
	assert_int_equal(eval_time(f, 7), FILTER_TRUE);
	tsfile_filter_free(f);
	f = parse_ok("NOT NOT ((time >= 10)) Or Not time < 100");
	assert_int_equal(eval_time(f, 5), FILTER_FALSE);
	assert_int_equal(eval_time(f, 10), FILTER_TRUE);
	tsfile_filter_free(f);
}

/* The header's example, with its value leaf. */
static void test_parse_example_and_leaves(void **state)
{
	(void)state;
	tsfile_filter_t *f =
		parse_ok("time >= 10 and time < 20 or not (root.sg.d1.s1 = 'x')");
	assert_int_equal(filter_leaf_count(f), 1);
	assert_string_equal(filter_leaf_path(f, 0), "root.sg.d1.s1");
	const tsfile_value_t *lit = filter_leaf_literal(f, 0);
	assert_int_equal(lit->type, TSFILE_STRING);
	assert_int_equal(lit->v.bytes.len, 1);
	assert_memory_equal(lit->v.bytes.ptr, "x", 1);
	tsfile_value_t x = v_str(TSFILE_STRING, "x", 1), y = v_str(TSFILE_STRING, "y", 1);
	const tsfile_value_t *vx[1] = {&x}, *vy[1] = {&y}, *vnull[1] = {NULL};
	assert_int_equal(filter_eval(f, 15, vx), FILTER_TRUE);
	assert_int_equal(filter_eval(f, 25, vx), FILTER_FALSE);
	assert_int_equal(filter_eval(f, 25, vy), FILTER_TRUE);
	assert_int_equal(filter_eval(f, 25, vnull), FILTER_UNKNOWN); /* not UNKNOWN */
	assert_int_equal(filter_eval(f, 15, vnull), FILTER_TRUE);   /* TRUE or UNKNOWN */
	tsfile_filter_free(f);

	/* leaves are numbered depth-first, left to right */
	f = parse_ok("root.a.x > 1 and (root.a.`y.z` = 'q' or time > 3) or root.b.w != 2.5");
	assert_int_equal(filter_leaf_count(f), 3);
	assert_string_equal(filter_leaf_path(f, 0), "root.a.x");
	assert_string_equal(filter_leaf_path(f, 1), "root.a.`y.z`");
	assert_string_equal(filter_leaf_path(f, 2), "root.b.w");
	assert_int_equal(filter_leaf_literal(f, 0)->type, TSFILE_INT64);
	assert_int_equal(filter_leaf_literal(f, 0)->v.i64, 1);
	assert_int_equal(filter_leaf_literal(f, 2)->type, TSFILE_DOUBLE);
	assert_true(filter_leaf_literal(f, 2)->v.d == 2.5);
	tsfile_filter_free(f);
}

static void test_parse_literals(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		tsfile_type_t type;
		int64_t i;
		double d;
		const char *s;
	} cases[] = {
		{"r.d.s = -42", TSFILE_INT64, -42, 0, NULL},
		{"r.d.s = 9223372036854775807", TSFILE_INT64, INT64_MAX, 0, NULL},
		{"r.d.s = -9223372036854775808", TSFILE_INT64, INT64_MIN, 0, NULL},
		{"r.d.s = 1.5", TSFILE_DOUBLE, 0, 1.5, NULL},
		{"r.d.s = -.25", TSFILE_DOUBLE, 0, -0.25, NULL},
		{"r.d.s = 2.", TSFILE_DOUBLE, 0, 2.0, NULL},
		{"r.d.s = 1e3", TSFILE_DOUBLE, 0, 1000.0, NULL},
		{"r.d.s = 2.5E-1", TSFILE_DOUBLE, 0, 0.25, NULL},
		{"r.d.s = true", TSFILE_BOOLEAN, 1, 0, NULL},
		{"r.d.s = FALSE", TSFILE_BOOLEAN, 0, 0, NULL},
		{"r.d.s = 'it''s'", TSFILE_STRING, 0, 0, "it's"},
		{"r.d.s = ''", TSFILE_STRING, 0, 0, ""},
		{"r.d.s = 'a and (b)'", TSFILE_STRING, 0, 0, "a and (b)"},
		{"'x' = r.d.s", TSFILE_STRING, 0, 0, "x"},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		tsfile_filter_t *f = parse_ok(cases[i].text);
		assert_int_equal(filter_leaf_count(f), 1);
		assert_string_equal(filter_leaf_path(f, 0), "r.d.s");
		const tsfile_value_t *v = filter_leaf_literal(f, 0);
		assert_int_equal(v->type, cases[i].type);
		switch (cases[i].type) {
		case TSFILE_INT64: assert_true(v->v.i64 == cases[i].i); break;
		case TSFILE_DOUBLE: assert_true(v->v.d == cases[i].d); break;
		case TSFILE_BOOLEAN: assert_int_equal(v->v.b, cases[i].i); break;
		default:
			assert_int_equal(v->v.bytes.len, strlen(cases[i].s));
			assert_memory_equal(v->v.bytes.ptr, cases[i].s, v->v.bytes.len);
		}
		tsfile_filter_free(f);
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t column;
	} cases[] = {
		{"", 1},
		{"   ", 4},
		{"time >", 7},
		{"time > 'x'", 8},
		{"time > 1.5", 8},
		{"(time > 1", 10},
		{"time > 1)", 9},
		{"time >> 3", 7},
		{"time ! 3", 6},
		{"root > 3", 1},
		{"time > 1 and", 13},
		{"time > 1 2", 10},
		{"'abc", 1},
		{"time = 'it''s", 8},
		{"time > 99999999999999999999", 8},
		{"r.d.s > 1.2.3", 9},
		{"r.d.s > 12abc", 9},
		{"r.d.s > 1e999", 9},
		{"r.d. > 1", 5},
		{"r.`d > 1", 3},
		{"r.`` > 1", 3},
		{"time @ 1", 6},
		{"time = time", 8},
		{"1 = 2", 5},
		{"r.d.s = r.d.t", 9},
		{"and time > 1", 1},
		{"time > 1 or or time < 2", 13},
		{"()", 2},
		{"not", 4},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++)
		parse_fails_at(cases[i].text, cases[i].column);

	larch_error_t err = {0};
	tsfile_filter_t *f;
	assert_int_equal(tsfile_filter_parse(NULL, &f, &err), LARCH_ILLEGAL_PARAMETER);
	assert_null(f);
}

/* Parentheses and `not` nest at most 100 levels; and/or chains of any
 * length become balanced trees. */
static void test_parse_nesting(void **state)
{
	(void)state;
	char buf[2048];
	size_t n = 0;
	for (int i = 0; i < 100; i++)
		buf[n++] = '(';
	n += (size_t)sprintf(buf + n, "time > 1");
	for (int i = 0; i < 100; i++)
		buf[n++] = ')';
	buf[n] = '\0';
	tsfile_filter_t *f = parse_ok(buf);
	assert_int_equal(eval_time(f, 2), FILTER_TRUE);
	tsfile_filter_free(f);

	n = 0;
	for (int i = 0; i < 101; i++)
		buf[n++] = '(';
	sprintf(buf + n, "time > 1");
	parse_fails_at(buf, 101); /* the 101st parenthesis */

	n = 0;
	for (int i = 0; i < 101; i++)
		n += (size_t)sprintf(buf + n, "not ");
	sprintf(buf + n, "time > 1");
	parse_fails_at(buf, 401);

	/* a long or-chain parses and evaluates (balanced, so no deep tree) */
	size_t cap = 200000;
	char *big = malloc(cap);
	assert_non_null(big);
	n = 0;
	for (int i = 0; i < 10000; i++)
		n += (size_t)snprintf(big + n, cap - n, "%stime = %d", i ? " or " : "", 3 * i);
	f = parse_ok(big);
	assert_int_equal(eval_time(f, 0), FILTER_TRUE);
	assert_int_equal(eval_time(f, 3 * 9999), FILTER_TRUE);
	assert_int_equal(eval_time(f, 3 * 5000 + 1), FILTER_FALSE);
	assert_int_equal(filter_prune(f, 1, 2, NULL), FILTER_NONE);
	assert_int_equal(filter_prune(f, 30, 30, NULL), FILTER_ALL);
	tsfile_filter_free(f);
	free(big);
}

/*---------------------------------------------------------------------------
 * Constructors
 *---------------------------------------------------------------------------*/

static void test_constructors(void **state)
{
	(void)state;
	tsfile_value_t v = v_i32(3);
	/* combinators take ownership and free their arguments on failure */
	assert_null(tsfile_filter_and(tsfile_filter_time(TSFILE_GT, 1), NULL));
	assert_null(tsfile_filter_or(NULL, tsfile_filter_value("a.b", TSFILE_EQ, &v)));
	assert_null(tsfile_filter_not(NULL));
	assert_null(tsfile_filter_value(NULL, TSFILE_EQ, &v));
	assert_null(tsfile_filter_value("a.b", TSFILE_EQ, NULL));
	assert_null(tsfile_filter_time((tsfile_op_t)17, 1));
	tsfile_value_t bad = {.type = TSFILE_VECTOR};
	assert_null(tsfile_filter_value("a.b", TSFILE_EQ, &bad));

	/* the literal's bytes are copied */
	char s[4] = "abc";
	tsfile_value_t sv = v_str(TSFILE_TEXT, s, 3);
	tsfile_filter_t *f = tsfile_filter_value("r.d.s", TSFILE_EQ, &sv);
	memcpy(s, "xyz", 3);
	tsfile_value_t abc = v_str(TSFILE_TEXT, "abc", 3);
	assert_int_equal(eval1(f, &abc), FILTER_TRUE);
	tsfile_filter_free(f);

	/* a copy is independent of the original */
	f = parse_ok("not (time < 5 or r.d.s = 'q') and r.d.t >= 2.5");
	tsfile_filter_t *copy = filter_copy(f);
	tsfile_filter_free(f);
	assert_non_null(copy);
	assert_int_equal(filter_leaf_count(copy), 2);
	assert_string_equal(filter_leaf_path(copy, 1), "r.d.t");
	tsfile_value_t q = v_str(TSFILE_STRING, "q", 1), p = v_str(TSFILE_STRING, "p", 1);
	tsfile_value_t three = v_f64(3);
	const tsfile_value_t *l1[2] = {&p, &three}, *l2[2] = {&q, &three};
	assert_int_equal(filter_eval(copy, 7, l1), FILTER_TRUE);
	assert_int_equal(filter_eval(copy, 7, l2), FILTER_FALSE);
	assert_int_equal(filter_eval(copy, 4, l1), FILTER_FALSE);
	tsfile_filter_free(copy);

	/* trees deeper than FILTER_MAX_DEPTH are refused (and freed) */
	f = tsfile_filter_time(TSFILE_EQ, 1);
	for (int i = 1; i < FILTER_MAX_DEPTH; i++) {
		f = tsfile_filter_not(f);
		assert_non_null(f);
	}
	assert_int_equal(eval_time(f, 1), (FILTER_MAX_DEPTH - 1) % 2 ? FILTER_FALSE : FILTER_TRUE);
	assert_null(tsfile_filter_not(f));

	/* out of memory: NULL, nothing leaked */
	tsfile_filter_t *a = tsfile_filter_time(TSFILE_GT, 1), *b = tsfile_filter_time(TSFILE_LT, 9);
	mem_fail_after(0);
	assert_null(tsfile_filter_and(a, b));
	mem_fail_after(-1);
	for (long k = 0; k < 40; k++) {
		mem_fail_after(k);
		tsfile_filter_t *g = NULL;
		larch_error_t err = {0};
		int rc = tsfile_filter_parse("(time > 1 or r.d.s = 'x') and not r.d.t < 2.5", &g,
					     &err);
		mem_fail_after(-1);
		assert_true(rc == LARCH_OK || rc == LARCH_NO_MEMORY);
		assert_true((rc == LARCH_OK) == (g != NULL));
		tsfile_filter_free(g);
	}
}

/*---------------------------------------------------------------------------
 * Evaluation
 *---------------------------------------------------------------------------*/

static void test_eval_kleene(void **state)
{
	(void)state;
	tsfile_filter_t *f = parse_ok("r.d.a > 0 or r.d.b > 0");
	tsfile_value_t one = v_i32(1), zero = v_i32(0);
	const tsfile_value_t *tn[2] = {&one, NULL}, *fn[2] = {&zero, NULL}, *nn[2] = {NULL, NULL};
	assert_int_equal(filter_eval(f, 0, tn), FILTER_TRUE);
	assert_int_equal(filter_eval(f, 0, fn), FILTER_UNKNOWN);
	assert_int_equal(filter_eval(f, 0, nn), FILTER_UNKNOWN);
	tsfile_filter_free(f);
	f = parse_ok("r.d.a > 0 and r.d.b > 0");
	assert_int_equal(filter_eval(f, 0, tn), FILTER_UNKNOWN);
	assert_int_equal(filter_eval(f, 0, fn), FILTER_FALSE);
	tsfile_filter_free(f);
	/* a null value never satisfies a value filter, not even negated */
	f = parse_ok("not r.d.a > 0");
	tsfile_value_t nul = {.type = TSFILE_INT32, .is_null = 1};
	assert_int_equal(eval1(f, &nul), FILTER_UNKNOWN);
	assert_int_equal(eval1(f, &zero), FILTER_TRUE);
	tsfile_filter_free(f);
}

static void test_eval_numeric(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		tsfile_value_t x;
		int want; /* filter_truth_t */
	} cases[] = {
		/* integer series, integer and decimal literals: exact */
		{"r.d.s = 3", {.type = TSFILE_INT32, .v.i32 = 3}, FILTER_TRUE},
		{"r.d.s < 1.5", {.type = TSFILE_INT32, .v.i32 = 1}, FILTER_TRUE},
		{"r.d.s = 1.5", {.type = TSFILE_INT32, .v.i32 = 1}, FILTER_FALSE},
		{"r.d.s > 1.5", {.type = TSFILE_INT32, .v.i32 = 2}, FILTER_TRUE},
		{"r.d.s > -1.5", {.type = TSFILE_INT32, .v.i32 = -1}, FILTER_TRUE},
		{"r.d.s < -1.5", {.type = TSFILE_INT32, .v.i32 = -2}, FILTER_TRUE},
		{"r.d.s = 20240131", {.type = TSFILE_DATE, .v.i32 = 20240131}, FILTER_TRUE},
		{"r.d.s >= 1e30", {.type = TSFILE_INT64, .v.i64 = INT64_MAX}, FILTER_FALSE},
		{"r.d.s > -1e30", {.type = TSFILE_INT64, .v.i64 = INT64_MIN}, FILTER_TRUE},
		/* 2^53 + 1 is not a double: an exact comparison still sees it */
		{"r.d.s > 9007199254740992.0", {.type = TSFILE_INT64, .v.i64 = 9007199254740993LL},
		 FILTER_TRUE},
		{"r.d.s = 9007199254740993", {.type = TSFILE_DOUBLE, .v.d = 9007199254740992.0},
		 FILTER_FALSE},
		{"r.d.s < 9007199254740993", {.type = TSFILE_DOUBLE, .v.d = 9007199254740992.0},
		 FILTER_TRUE},
		{"r.d.s = 9223372036854775807", {.type = TSFILE_TIMESTAMP, .v.i64 = INT64_MAX},
		 FILTER_TRUE},
		/* a FLOAT series compares with the literal rounded to float */
		{"r.d.s = 0.1", {.type = TSFILE_FLOAT, .v.f = 0.1f}, FILTER_TRUE},
		{"r.d.s = 0.1", {.type = TSFILE_DOUBLE, .v.d = (double)0.1f}, FILTER_FALSE},
		{"r.d.s < 1e300", {.type = TSFILE_FLOAT, .v.f = 3.0e38f}, FILTER_TRUE},
		{"r.d.s = 2", {.type = TSFILE_FLOAT, .v.f = 2.0f}, FILTER_TRUE},
		{"r.d.s > 2", {.type = TSFILE_DOUBLE, .v.d = 2.0000001}, FILTER_TRUE},
		/* NaN compares as unknown */
		{"r.d.s != 1", {.type = TSFILE_DOUBLE, .v.d = NAN}, FILTER_UNKNOWN},
		/* booleans */
		{"r.d.s = true", {.type = TSFILE_BOOLEAN, .v.b = 1}, FILTER_TRUE},
		{"r.d.s < true", {.type = TSFILE_BOOLEAN, .v.b = 0}, FILTER_TRUE},
		/* incomparable kinds */
		{"r.d.s = 1", {.type = TSFILE_BOOLEAN, .v.b = 1}, FILTER_UNKNOWN},
		{"r.d.s = '1'", {.type = TSFILE_INT32, .v.i32 = 1}, FILTER_UNKNOWN},
		{"r.d.s = 1", {.type = TSFILE_STRING, .v.bytes = {"1", 1}}, FILTER_UNKNOWN},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		tsfile_filter_t *f = parse_ok(cases[i].text);
		if ((int)eval1(f, &cases[i].x) != cases[i].want)
			fail_msg("case %zu '%s'", i, cases[i].text);
		tsfile_filter_free(f);
	}
	/* constructor literals of every numeric type */
	tsfile_value_t lits[] = {v_i32(7), v_i64(7), v_f32(7.0f), v_f64(7.0),
				 {.type = TSFILE_DATE, .v.i32 = 7}, {.type = TSFILE_TIMESTAMP, .v.i64 = 7}};
	tsfile_value_t xs[] = {v_i32(7), v_i64(7), v_f32(7.0f), v_f64(7.0)};
	for (size_t i = 0; i < LR_ARRAY_LEN(lits); i++)
		for (size_t j = 0; j < LR_ARRAY_LEN(xs); j++) {
			assert_true(filter_types_comparable(lits[i].type, xs[j].type));
			tsfile_filter_t *f = tsfile_filter_value("r.d.s", TSFILE_EQ, &lits[i]);
			assert_int_equal(eval1(f, &xs[j]), FILTER_TRUE);
			tsfile_filter_free(f);
		}
	assert_false(filter_types_comparable(TSFILE_STRING, TSFILE_INT32));
	assert_false(filter_types_comparable(TSFILE_BOOLEAN, TSFILE_INT64));
	assert_true(filter_types_comparable(TSFILE_STRING, TSFILE_BLOB));
	assert_true(filter_types_comparable(TSFILE_TEXT, TSFILE_STRING));
	assert_false(filter_types_comparable(TSFILE_INT64, TSFILE_VECTOR));
}

static void test_eval_bytes(void **state)
{
	(void)state;
	/* unsigned bytewise, a proper prefix first */
	static const char *order[] = {"", "a", "ab", "abc", "b", "\x7f", "\x80", "\xff"};
	for (size_t i = 0; i < LR_ARRAY_LEN(order); i++) {
		tsfile_value_t lit = v_str(TSFILE_STRING, order[i], (uint32_t)strlen(order[i]));
		tsfile_filter_t *lt = tsfile_filter_value("r.d.s", TSFILE_LT, &lit);
		tsfile_filter_t *eq = tsfile_filter_value("r.d.s", TSFILE_EQ, &lit);
		for (size_t j = 0; j < LR_ARRAY_LEN(order); j++) {
			tsfile_value_t x = v_str(j % 2 ? TSFILE_TEXT : TSFILE_BLOB, order[j],
						 (uint32_t)strlen(order[j]));
			assert_int_equal(eval1(lt, &x), j < i ? FILTER_TRUE : FILTER_FALSE);
			assert_int_equal(eval1(eq, &x), j == i ? FILTER_TRUE : FILTER_FALSE);
		}
		tsfile_filter_free(lt);
		tsfile_filter_free(eq);
	}
	/* embedded NUL bytes count */
	tsfile_value_t lit = v_str(TSFILE_STRING, "a\0b", 3), x = v_str(TSFILE_STRING, "a\0c", 3);
	tsfile_filter_t *f = tsfile_filter_value("r.d.s", TSFILE_LT, &lit);
	assert_int_equal(eval1(f, &x), FILTER_FALSE);
	tsfile_filter_free(f);
}

/*---------------------------------------------------------------------------
 * Pruning
 *---------------------------------------------------------------------------*/

static const tsfile_op_t all_ops[] = {TSFILE_EQ, TSFILE_NE, TSFILE_LT, TSFILE_LE, TSFILE_GT,
				      TSFILE_GE};

/* A random filter over time and two INT32 leaves (r.d.a, r.d.b) with small
 * constants, `depth` levels at most. */
static tsfile_filter_t *random_filter(unsigned *seed, int depth)
{
	int kind = depth <= 0 ? rand_r(seed) % 2 : rand_r(seed) % 5;
	tsfile_op_t op = all_ops[rand_r(seed) % 6];
	int c = rand_r(seed) % 12;
	switch (kind) {
	case 0:
		return tsfile_filter_time(op, c);
	case 1: {
		tsfile_value_t v = v_i32(c);
		return tsfile_filter_value(rand_r(seed) % 2 ? "r.d.a" : "r.d.b", op, &v);
	}
	case 2:
		return tsfile_filter_not(random_filter(seed, depth - 1));
	case 3:
		return tsfile_filter_and(random_filter(seed, depth - 1), random_filter(seed, depth - 1));
	default:
		return tsfile_filter_or(random_filter(seed, depth - 1), random_filter(seed, depth - 1));
	}
}

static void int_stats(stats_t *st, int32_t lo, int32_t hi)
{
	stats_init(st, TSFILE_INT32);
	st->s.count = 2;
	st->s.start_time = 0;
	st->s.end_time = 1;
	st->s.min = v_i32(lo);
	st->s.max = v_i32(hi);
}

/* For random filters, time ranges and value ranges, the verdict must be
 * sound: NONE => no combination in the ranges is TRUE; ALL => every one is.
 * Single leaves must be exact (MAYBE only when both outcomes occur). */
static void test_prune_sound(void **state)
{
	(void)state;
	unsigned seed = 12345;
	for (int iter = 0; iter < 3000; iter++) {
		tsfile_filter_t *f = random_filter(&seed, 3);
		assert_non_null(f);
		size_t nl = filter_leaf_count(f);
		int t0 = rand_r(&seed) % 12, t1 = t0 + rand_r(&seed) % 4;
		int a0 = rand_r(&seed) % 12, a1 = a0 + rand_r(&seed) % 4;
		int b0 = rand_r(&seed) % 12, b1 = b0 + rand_r(&seed) % 4;
		stats_t sa, sb;
		int_stats(&sa, a0, a1);
		int_stats(&sb, b0, b1);
		const stats_t *ls[64];
		const tsfile_value_t *lv[64];
		assert_true(nl <= 64);
		int known_b = iter % 3 != 0; /* sometimes b's statistics are unknown */
		for (size_t i = 0; i < nl; i++) {
			int is_a = strcmp(filter_leaf_path(f, i), "r.d.a") == 0;
			ls[i] = is_a ? &sa : known_b ? &sb : NULL;
		}
		filter_verdict_t v = filter_prune(f, t0, t1, ls);
		int seen_true = 0, seen_other = 0;
		for (int t = t0; t <= t1; t++)
			for (int a = a0; a <= a1; a++)
				for (int b = known_b ? b0 : -3; b <= (known_b ? b1 : 15); b++) {
					tsfile_value_t va = v_i32(a), vb = v_i32(b);
					for (size_t i = 0; i < nl; i++)
						lv[i] = strcmp(filter_leaf_path(f, i), "r.d.a") == 0 ? &va
												 : &vb;
					if (filter_eval(f, t, lv) == FILTER_TRUE)
						seen_true = 1;
					else
						seen_other = 1;
				}
		if (v == FILTER_NONE)
			assert_false(seen_true);
		if (v == FILTER_ALL)
			assert_false(seen_other);
		tsfile_filter_free(f);
	}
	/* single leaves are exact */
	for (int c = 0; c < 8; c++)
		for (size_t k = 0; k < 6; k++)
			for (int lo = 0; lo < 8; lo++)
				for (int hi = lo; hi < 8; hi++) {
					tsfile_filter_t *f = tsfile_filter_time(all_ops[k], c);
					int any = 0, all = 1;
					for (int t = lo; t <= hi; t++) {
						int ok = eval_time(f, t) == FILTER_TRUE;
						any |= ok;
						all &= ok;
					}
					filter_verdict_t want = !any ? FILTER_NONE : all ? FILTER_ALL
											: FILTER_MAYBE;
					assert_int_equal(filter_prune(f, lo, hi, NULL), want);
					tsfile_filter_free(f);
				}
}

static void test_prune_types(void **state)
{
	(void)state;
	stats_t st;
	const stats_t *ls[1] = {&st};
	tsfile_value_t one = v_i32(1);

	/* BOOLEAN: range from count and sum (number of trues) */
	tsfile_value_t t = v_bool(1), fl = v_bool(0);
	tsfile_filter_t *is_true = tsfile_filter_value("r.d.s", TSFILE_EQ, &t);
	tsfile_filter_t *is_false = tsfile_filter_value("r.d.s", TSFILE_EQ, &fl);
	stats_init(&st, TSFILE_BOOLEAN);
	st.s.count = 4;
	st.s.sum = 0; /* all false */
	assert_int_equal(filter_prune(is_true, 0, 9, ls), FILTER_NONE);
	assert_int_equal(filter_prune(is_false, 0, 9, ls), FILTER_ALL);
	st.s.sum = 4; /* all true */
	assert_int_equal(filter_prune(is_true, 0, 9, ls), FILTER_ALL);
	assert_int_equal(filter_prune(is_false, 0, 9, ls), FILTER_NONE);
	st.s.sum = 2;
	assert_int_equal(filter_prune(is_true, 0, 9, ls), FILTER_MAYBE);
	tsfile_filter_free(is_true);
	tsfile_filter_free(is_false);

	/* STRING has min/max; TEXT and BLOB none */
	tsfile_value_t lit = v_str(TSFILE_STRING, "m", 1);
	tsfile_filter_t *gt = tsfile_filter_value("r.d.s", TSFILE_GT, &lit);
	stats_init(&st, TSFILE_STRING);
	st.s.count = 3;
	st.s.min = v_str(TSFILE_STRING, "a", 1);
	st.s.max = v_str(TSFILE_STRING, "ma", 2);
	assert_int_equal(filter_prune(gt, 0, 9, ls), FILTER_MAYBE);
	st.s.max = v_str(TSFILE_STRING, "m", 1);
	assert_int_equal(filter_prune(gt, 0, 9, ls), FILTER_NONE);
	st.s.min = v_str(TSFILE_STRING, "n", 1);
	st.s.max = v_str(TSFILE_STRING, "z", 1);
	assert_int_equal(filter_prune(gt, 0, 9, ls), FILTER_ALL);
	st.type = TSFILE_TEXT;
	assert_int_equal(filter_prune(gt, 0, 9, ls), FILTER_MAYBE);
	st.type = TSFILE_BLOB;
	assert_int_equal(filter_prune(gt, 0, 9, ls), FILTER_MAYBE);
	tsfile_filter_free(gt);

	/* DOUBLE with a NaN bound, empty statistics, unknown statistics */
	tsfile_filter_t *eq = tsfile_filter_value("r.d.s", TSFILE_EQ, &one);
	stats_init(&st, TSFILE_DOUBLE);
	st.s.count = 2;
	st.s.min = v_f64(5);
	st.s.max = v_f64(6);
	assert_int_equal(filter_prune(eq, 0, 9, ls), FILTER_NONE);
	st.s.min = v_f64(NAN);
	assert_int_equal(filter_prune(eq, 0, 9, ls), FILTER_MAYBE);
	st.s.min = v_f64(5);
	st.s.count = 0;
	assert_int_equal(filter_prune(eq, 0, 9, ls), FILTER_MAYBE);
	assert_int_equal(filter_prune(eq, 0, 9, NULL), FILTER_MAYBE);
	tsfile_filter_free(eq);

	/* out-of-range time filters prune everything */
	tsfile_filter_t *f = parse_ok("time > 100 and r.d.s = 1");
	assert_int_equal(filter_prune(f, 0, 100, NULL), FILTER_NONE);
	assert_int_equal(filter_prune(f, 0, 101, NULL), FILTER_MAYBE);
	tsfile_filter_free(f);
	f = parse_ok("not (time >= 0 and time <= 10)");
	assert_int_equal(filter_prune(f, 0, 10, NULL), FILTER_NONE);
	assert_int_equal(filter_prune(f, 11, 20, NULL), FILTER_ALL);
	assert_int_equal(filter_prune(f, INT64_MIN, -1, NULL), FILTER_ALL);
	tsfile_filter_free(f);
}

/*---------------------------------------------------------------------------
 * Paths
 *---------------------------------------------------------------------------*/

static void test_path_split(void **state)
{
	(void)state;
	static const struct {
		const char *path, *device, *measurement;
	} ok[] = {
		{"root.sg.d1.s1", "root.sg.d1", "s1"},
		{"d.s", "d", "s"},
		{"root.sg.`a.b`.s1", "root.sg.`a.b`", "s1"},
		{"root.sg.d1.`x.y`", "root.sg.d1", "x.y"},
		{"root.d.`q``t`", "root.d", "q`t"},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(ok); i++) {
		char *d, *m;
		assert_int_equal(filter_path_split(ok[i].path, &d, &m, NULL), LARCH_OK);
		assert_string_equal(d, ok[i].device);
		assert_string_equal(m, ok[i].measurement);
		mem_free(d);
		mem_free(m);
	}
	static const char *bad[] = {"s1", "", "root.", ".s", "root..s", "root.`a.s", "`a.b`"};
	for (size_t i = 0; i < LR_ARRAY_LEN(bad); i++) {
		char *d = (char *)1, *m = (char *)1;
		larch_error_t err = {0};
		assert_int_equal(filter_path_split(bad[i], &d, &m, &err), LARCH_ILLEGAL_PATH);
		assert_null(d);
		assert_null(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_operators),
		cmocka_unit_test(test_parse_precedence),
		cmocka_unit_test(test_parse_example_and_leaves),
		cmocka_unit_test(test_parse_literals),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_nesting),
		cmocka_unit_test(test_constructors),
		cmocka_unit_test(test_eval_kleene),
		cmocka_unit_test(test_eval_numeric),
		cmocka_unit_test(test_eval_bytes),
		cmocka_unit_test(test_prune_sound),
		cmocka_unit_test(test_prune_types),
		cmocka_unit_test(test_path_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
