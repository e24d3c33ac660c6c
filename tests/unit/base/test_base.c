/* Unit tests for src/base: buffers, cursors, varints, arenas, allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/base.h"

static void test_varint_roundtrip(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	const int64_t vals[] = {0, 1, -1, 63, -64, 64, 127, 128, 300, INT32_MAX, INT32_MIN,
				INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < LR_ARRAY_LEN(vals); i++) {
		buf_put_svarint64(&b, vals[i]);
		buf_put_uvarint(&b, (uint64_t)vals[i]);
	}
	rd_t r;
	rd_init(&r, b.data, b.len, 0);
	for (size_t i = 0; i < LR_ARRAY_LEN(vals); i++) {
		assert_int_equal(rd_svarint64(&r), vals[i]);
		assert_int_equal(rd_uvarint(&r), (uint64_t)vals[i]);
	}
	assert_true(rd_ok(&r));
	assert_int_equal(rd_left(&r), 0);
	buf_free(&b);
}

static void test_svarint32_matches_java(void **state)
{
	(void)state;
	/* PLAIN INT32 [1, -2, 3] is 02 03 06 in Java's zig-zag form */
	buf_t b = BUF_INIT;
	buf_put_svarint32(&b, 1);
	buf_put_svarint32(&b, -2);
	buf_put_svarint32(&b, 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "\x02\x03\x06", 3);
	buf_free(&b);
}

static void test_rd_bounds(void **state)
{
	(void)state;
	const uint8_t data[] = {0x80, 0x80}; /* unterminated varint */
	rd_t r;
	rd_init(&r, data, sizeof data, 100);
	assert_int_equal(rd_uvarint(&r), 0);
	assert_false(rd_ok(&r));
	assert_int_equal(rd_be32(&r), 0); /* stays bad */

	const uint8_t s[] = {0x01};    /* vstr length -1 = null */
	rd_init(&r, s, 1, 0);
	size_t n;
	int is_null;
	assert_null(rd_vstr(&r, &n, &is_null));
	assert_true(is_null);
	assert_true(rd_ok(&r));

	const uint8_t longstr[] = {0x10, 'a'}; /* length 8, one byte present */
	rd_init(&r, longstr, 2, 0);
	assert_null(rd_vstr(&r, &n, &is_null));
	assert_false(rd_ok(&r));

	const uint8_t tenplus[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	rd_init(&r, tenplus, sizeof tenplus, 0);
	rd_uvarint(&r);
	assert_false(rd_ok(&r));
}

static void test_big_endian(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	buf_put_be32(&b, 0x01020304);
	buf_put_be64(&b, 0x0102030405060708ull);
	buf_put_f64(&b, 1.5);
	assert_memory_equal(b.data, "\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08\x3f\xf8", 14);
	rd_t r;
	rd_init(&r, b.data, b.len, 0);
	assert_int_equal(rd_be32(&r), 0x01020304);
	assert_int_equal(rd_be64(&r), 0x0102030405060708ull);
	assert_true(rd_f64(&r) == 1.5);
	buf_free(&b);
}

static void test_arena(void **state)
{
	(void)state;
	arena_t *a = arena_new(64);
	assert_non_null(a);
	char *s = arena_strndup(a, "hello world", 5);
	assert_string_equal(s, "hello");
	void *big = arena_alloc(a, 1000); /* larger than a block */
	assert_non_null(big);
	assert_int_equal((uintptr_t)big % 16, 0);
	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	assert_non_null(arena_alloc(a, 8));
	arena_free(a);
}

static void test_mem_counting_and_injection(void **state)
{
	(void)state;
	size_t before = mem_used();
	void *p = mem_alloc(1000);
	assert_true(mem_used() >= before + 1000);
	mem_free(p);
	assert_int_equal(mem_used(), before);

	mem_fail_after(1);
	void *ok = mem_alloc(10);
	void *fail = mem_alloc(10);
	void *again = mem_alloc(10); /* injection is one-shot */
	assert_non_null(ok);
	assert_null(fail);
	assert_non_null(again);
	mem_free(ok);
	mem_free(again);

	buf_t b = BUF_INIT;
	mem_fail_after(0);
	buf_put_be32(&b, 1);
	assert_false(buf_ok(&b));
	buf_put_be32(&b, 2); /* ignored while oom */
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_err(void **state)
{
	(void)state;
	larch_error_t e = {0};
	assert_int_equal(err_set(&e, LARCH_CORRUPTED, "bad page at offset %d", 42), LARCH_CORRUPTED);
	err_prefix(&e, "file %s", "x.tsfile");
	assert_string_equal(e.msg, "file x.tsfile: bad page at offset 42");
	assert_int_equal(err_set(NULL, 5, "ignored"), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint_roundtrip),
		cmocka_unit_test(test_svarint32_matches_java),
		cmocka_unit_test(test_rd_bounds),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_mem_counting_and_injection),
		cmocka_unit_test(test_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
