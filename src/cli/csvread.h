/*
 * csvread.h — the streaming CSV record reader of `larch` (csvread.c).
 */
#ifndef LARCH_CLI_CSVREAD_H
#define LARCH_CLI_CSVREAD_H

#include <stdio.h>

#include "base/base.h"
#include "tools/common/csv.h"

typedef struct csvr {
	FILE *f;
	size_t line;        /* line number of the next byte (1-based) */
	size_t record_line; /* line the last record started on */
	buf_t cell;         /* bytes of the cell being read */
	buf_t cells;        /* csv_cell_t of the record being read */
} csvr_t;

void csvr_init(csvr_t *r, FILE *f);
void csvr_free(csvr_t *r);

/* Read the next record: *cells = its *n cells, the array and the cell
 * texts (NUL-terminated; `quoted` set for cells written in quotes, so ""
 * is an empty string and an unquoted empty cell is null) allocated in a.
 * LARCH_OK, LARCH_DONE at the end of the file, LARCH_PARSE_ERROR naming
 * the line (an unterminated quote, text after a closing quote),
 * LARCH_NO_MEMORY, LARCH_STORAGE_ERROR on a read error. */
int csvr_next(csvr_t *r, arena_t *a, const csv_cell_t **cells, size_t *n, larch_error_t *err);

#endif
