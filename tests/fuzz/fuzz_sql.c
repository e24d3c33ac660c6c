/*
 * fuzz_sql — libFuzzer target for the SQL lexer and parser: any bytes parse
 * or fail with LARCH_PARSE_ERROR / LARCH_SEMANTIC_ERROR and a "line L:C"
 * message; never a crash, an unbounded recursion or a leak.  The arena has
 * small blocks so growth paths run.  ast_split runs on the same bytes, and
 * every statement it yields is parsed too (the pieces lie inside the input
 * and are non-empty).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/ast.h"

static int split_cb(void *arg, const char *s, size_t n)
{
	const uint8_t *in = ((const uint8_t **)arg)[0];
	size_t len = (size_t)((const uint8_t **)arg)[1];
	if (n == 0 || (const uint8_t *)s < in || (const uint8_t *)s + n > in + len)
		abort();
	arena_t *a = arena_new(512);
	if (!a)
		return 0;
	ast_stmt_t *st;
	larch_error_t err = {0};
	ast_parse(s, n, a, &st, &err);
	arena_free(a);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena_t *a = arena_new(256);
	if (!a)
		return 0;
	ast_stmt_t *st = NULL;
	larch_error_t err = {0};
	int rc = ast_parse((const char *)data, size, a, &st, &err);
	if (rc == LARCH_OK && !st)
		abort();
	if (rc != LARCH_OK && rc != LARCH_PARSE_ERROR && rc != LARCH_SEMANTIC_ERROR &&
	    rc != LARCH_NO_MEMORY)
		abort();
	if (rc != LARCH_OK && rc != LARCH_NO_MEMORY && strncmp(err.msg, "line ", 5) != 0 &&
	    strncmp(err.msg, "SQL text too long", 17) != 0)
		abort();
	arena_free(a);
	const uint8_t *arg[2] = {data, (const uint8_t *)(uintptr_t)size};
	ast_split((const char *)data, size, split_cb, arg);
	return 0;
}
