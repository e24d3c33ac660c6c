/*
 * Unit tests for the literal forms of the SQL parser that carry more than a
 * number or a string: the binary literal X'..' (AST_E_BLOB, ast_hex_decode)
 * and the text a folded unary minus leaves on number literals (the INSERT
 * conversion reads FLOAT/DOUBLE values from it).
 *
 * Expectations come from IoTDB 2.0's grammar and BinaryLiteral: the lexer
 * rule is an upper-case X glued to a quote, anything up to the next quote;
 * the literal then drops whitespace, takes hex digits of either case in
 * pairs, and refuses other characters ("Binary literal can only contain
 * hexadecimal digits") and odd counts ("... must contain an even number of
 * digits") as a SemanticException (701).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "query/ast.h"

static arena_t *arena;

static int setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(arena);
	arena = NULL;
	return 0;
}

/* Parse sql, which must succeed, and return its statement. */
static ast_stmt_t *parse_ok(const char *sql)
{
	ast_stmt_t *st = NULL;
	larch_error_t err = {0};
	int rc = ast_parse(sql, strlen(sql), arena, &st, &err);
	if (rc)
		fail_msg("%s: %d %s", sql, rc, err.msg);
	return st;
}

/* Parse sql, which must fail with code; the message must contain msg. */
static void parse_fails(const char *sql, int code, const char *msg)
{
	ast_stmt_t *st = NULL;
	larch_error_t err = {0};
	int rc = ast_parse(sql, strlen(sql), arena, &st, &err);
	if (rc != code)
		fail_msg("%s: expected %d, got %d (%s)", sql, code, rc, err.msg);
	if (msg && !strstr(err.msg, msg))
		fail_msg("%s: message '%s' lacks '%s'", sql, err.msg, msg);
}

/* Value k of the only INSERT row (after the time). */
static const ast_expr_t *insert_value(const char *sql, size_t k)
{
	ast_stmt_t *st = parse_ok(sql);
	assert_int_equal(st->kind, AST_INSERT);
	assert_int_equal(st->insert->n_rows, 1);
	assert_true(k < st->insert->n_meas);
	return st->insert->rows[0][k + (size_t)st->insert->has_time];
}

static void assert_blob(const ast_expr_t *e, const char *text, const void *bytes, size_t n)
{
	assert_int_equal(e->kind, AST_E_BLOB);
	assert_string_equal(e->sval, text);
	assert_int_equal(e->n_bytes, n);
	if (n)
		assert_memory_equal(e->bytes, bytes, n);
}

static void test_blob_literal_forms(void **state)
{
	(void)state;
	const char *sql = "insert into root.jv.d1(time, a, b, c, d, e) "
			  "values (300, X'540016', X'', X'00aBcD', X' 0a\tff ', X'00')";
	assert_blob(insert_value(sql, 0), "X'540016'", "\x54\x00\x16", 3);
	assert_blob(insert_value(sql, 1), "X''", "", 0);
	assert_blob(insert_value(sql, 2), "X'00aBcD'", "\x00\xab\xcd", 3);
	assert_blob(insert_value(sql, 3), "X' 0a\tff '", "\x0a\xff", 2);
	assert_blob(insert_value(sql, 4), "X'00'", "\x00", 1);
	/* its position is the X's */
	assert_int_equal(insert_value(sql, 0)->pos, (int)(strstr(sql, "X'5") - sql));
}

static void test_blob_literal_in_expressions(void **state)
{
	(void)state;
	ast_stmt_t *st = parse_ok("select s from root.sg.d where s = X'0A' or s < X'ff00'");
	const ast_expr_t *w = st->select->where;
	assert_int_equal(w->kind, AST_E_BINARY);
	assert_int_equal(w->op, AST_OP_OR);
	assert_blob(w->a->b, "X'0A'", "\x0a", 1);
	assert_blob(w->b->b, "X'ff00'", "\xff\x00", 2);
	/* X on its own, or not glued to a quote, is still a name */
	st = parse_ok("select X from root.sg.X where X = 'a'");
	assert_int_equal(st->select->cols[0].expr->kind, AST_E_PATH);
	assert_string_equal(st->select->from[0]->text, "root.sg.X");
	assert_int_equal(st->select->where->b->kind, AST_E_STRING);
	/* a word ending in X is a word: aX'01' is a name and a string */
	parse_fails("insert into root.sg.d(time, s) values (1, aX'01')", LARCH_PARSE_ERROR, NULL);
}

static void test_blob_literal_errors(void **state)
{
	(void)state;
	/* positions are 0-based columns of the X, as IoTDB's "line 1:C" */
	parse_fails("insert into root.sg.d(time, s) values (1, X'abc')", LARCH_SEMANTIC_ERROR,
		    "line 1:42 Binary literal must contain an even number of digits");
	parse_fails("select s from root.sg.d where s = X'0g'", LARCH_SEMANTIC_ERROR,
		    "line 1:34 Binary literal can only contain hexadecimal digits");
	parse_fails("select s from root.sg.d where s = X'0x0a'", LARCH_SEMANTIC_ERROR,
		    "hexadecimal digits");
	parse_fails("select s from root.sg.d where s = X'0'", LARCH_SEMANTIC_ERROR,
		    "even number");
	parse_fails("select s from root.sg.d where s = X'0a", LARCH_PARSE_ERROR,
		    "line 1:34 unterminated binary literal");
	parse_fails("select s from root.sg.d where s = X'", LARCH_PARSE_ERROR, "unterminated");
	/* lower-case x is IoTDB's ID token, then a string: no literal */
	parse_fails("insert into root.sg.d(time, s) values (1, x'0a')", LARCH_PARSE_ERROR, NULL);
	/* a quote inside ends the literal; what follows is out of place */
	parse_fails("insert into root.sg.d(time, s) values (1, X'0a''0b')", LARCH_PARSE_ERROR,
		    NULL);
}

/* ast_hex_decode against a simple model: random bytes written as hex in
 * random case with random blanks decode back to themselves; a stray
 * character or an odd digit count is refused. */
static void test_hex_decode_random(void **state)
{
	(void)state;
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	unsigned seed = 7;
	for (int round = 0; round < 500; round++) {
		uint8_t want[64], got[80];
		char hex[200];
		size_t n = (size_t)(rand_r(&seed) % 64), len = 0, out_n = 999;
		for (size_t i = 0; i < n; i++) {
			want[i] = (uint8_t)rand_r(&seed);
			unsigned up = (unsigned)rand_r(&seed) & 16;
			if (rand_r(&seed) % 5 == 0)
				hex[len++] = " \t\n"[rand_r(&seed) % 3];
			hex[len++] = digits[(want[i] >> 4) + up];
			hex[len++] = digits[(want[i] & 15) + up];
		}
		assert_int_equal(ast_hex_decode(hex, len, got, &out_n), 0);
		assert_int_equal(out_n, n);
		if (n)
			assert_memory_equal(got, want, n);
		if (n == 0)
			continue;
		/* drop one digit: odd; replace one by a non-hex byte: refused */
		size_t at = (size_t)rand_r(&seed) % len;
		while (hex[at] == ' ' || hex[at] == '\t' || hex[at] == '\n')
			at = (at + 1) % len;
		char saved = hex[at];
		memmove(hex + at, hex + at + 1, len - at - 1);
		assert_int_equal(ast_hex_decode(hex, len - 1, got, &out_n), 2);
		memmove(hex + at + 1, hex + at, len - at - 1);
		hex[at] = "gZ'-x"[rand_r(&seed) % 5];
		assert_int_equal(ast_hex_decode(hex, len, got, &out_n), 1);
		hex[at] = saved;
		assert_int_equal(ast_hex_decode(hex, len, got, &out_n), 0);
	}
}

/* A unary minus folded into a number literal keeps its text: the INSERT
 * conversion reads -0 as -0.0 from it. */
static void test_folded_minus_text(void **state)
{
	(void)state;
	const char *sql = "insert into root.go.d4(time, f, d, g, h) values (1, -0, -0.0, - 5, -1e-3)";
	const ast_expr_t *e = insert_value(sql, 0);
	assert_int_equal(e->kind, AST_E_INT);
	assert_int_equal(e->ival, 0);
	assert_string_equal(e->sval, "-0");
	e = insert_value(sql, 1);
	assert_int_equal(e->kind, AST_E_FLOAT);
	assert_string_equal(e->sval, "-0.0");
	e = insert_value(sql, 2);
	assert_int_equal(e->ival, -5);
	assert_string_equal(e->sval, "-5");
	e = insert_value(sql, 3);
	assert_string_equal(e->sval, "-1e-3");
	/* a minus before a binary literal is no literal of its own */
	e = insert_value("insert into root.sg.d(time, s) values (1, -X'01')", 0);
	assert_int_equal(e->kind, AST_E_UNARY);
	assert_int_equal(e->a->kind, AST_E_BLOB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blob_literal_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_literal_in_expressions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_literal_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hex_decode_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_minus_text, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
