/*
 * encoding.h — the per-encoding entry points that encoding.c dispatches to.
 * Contracts: see encode_stream / decode_stream in tsfile_int.h.  Each
 * encoding lives in encoding_<name>.c and handles every type it supports;
 * it reports an unsupported type with LARCH_UNSUPPORTED.
 */
#ifndef LARCH_TSFILE_ENCODING_H
#define LARCH_TSFILE_ENCODING_H

#include "tsfile_int.h"

#define ENCODING_FUNCS(name)                                                                 \
	int enc_##name##_encode(tsfile_type_t type, const enc_params_t *params,            \
				const void *values, size_t n, buf_t *out, larch_error_t *err);     \
	int enc_##name##_decode(tsfile_type_t type, const uint8_t *in, size_t len,           \
				size_t max_values, col_t *out, larch_error_t *err);

ENCODING_FUNCS(plain)
ENCODING_FUNCS(dictionary)
ENCODING_FUNCS(rle)
ENCODING_FUNCS(ts2diff)
ENCODING_FUNCS(gorilla)
ENCODING_FUNCS(zigzag)
ENCODING_FUNCS(chimp)
ENCODING_FUNCS(sprintz)
ENCODING_FUNCS(rlbe)

#undef ENCODING_FUNCS
#endif
