/*
 * hex.h — test helper shared by the unit tests (linked into every unit test
 * program by the Makefile): decoding hex test vectors.
 */
#ifndef LARCH_TEST_HEX_H
#define LARCH_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decode a hex string into a new buffer from mem_alloc (the caller frees it
 * with mem_free); *n receives its length.  Fails the current cmocka test on
 * bad hex. */
uint8_t *hex_decode(const char *hex, size_t *n);

#endif
