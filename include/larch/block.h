/*
 * larch/block.h — the column block, the one row-set shape used from storage
 * to the wire: a time column plus typed value columns with null flags.
 * Types only; the engine (larch.h), the query layer and the server all hand
 * these around.
 */
#ifndef LARCH_BLOCK_H
#define LARCH_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "larch/tsfile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A column of n_rows values: values is a typed array (C types as in
 * tsfile_column_t: int32_t for INT32 and DATE, int64_t for INT64 and
 * TIMESTAMP, float, double, uint8_t for BOOLEAN, tsfile_bytes_t for TEXT,
 * STRING and BLOB); nulls[i] != 0 marks row i null (nulls may be NULL when
 * no row is). */
typedef struct larch_column {
	tsfile_type_t type;
	const void *values;
	const uint8_t *nulls;
} larch_column_t;

/* A block of rows.  Iterators over stored data give times strictly
 * ascending (or descending where a query asks for it); times is NULL in
 * results that have no time column (aggregates, SHOW statements). */
typedef struct larch_block {
	size_t n_rows;
	const int64_t *times;
	size_t n_columns;
	const larch_column_t *columns;
} larch_block_t;

#ifdef __cplusplus
}
#endif
#endif
