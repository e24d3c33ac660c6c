/*
 * hex.c — hex test vectors for the unit tests (see hex.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "base/base.h"
#include "hex.h"

uint8_t *hex_decode(const char *hex, size_t *n)
{
	size_t len = strlen(hex) / 2;
	uint8_t *p = mem_alloc(len ? len : 1);
	assert_non_null(p);
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		p[i] = (uint8_t)v;
	}
	*n = len;
	return p;
}
