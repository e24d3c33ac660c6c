/*
 * csv.h — a small RFC 4180 CSV reader and writer for the command-line tools.
 *
 * The reader parses a whole in-memory document into rows of cells; quoted
 * cells may contain commas, doubled quotes and newlines.  Cells point into a
 * copy the table owns.  The writer quotes a cell only when it must.
 */
#ifndef LARCH_TOOLS_CSV_H
#define LARCH_TOOLS_CSV_H

#include <stdio.h>

#include "base/base.h"

typedef struct csv_cell {
	const char *s; /* NUL-terminated */
	size_t len;
	int quoted;    /* the cell was written in quotes (so "" is an empty string, not null) */
} csv_cell_t;

typedef struct csv_table {
	size_t n_rows;
	size_t n_cols;       /* cells in the header row */
	csv_cell_t **rows;   /* rows[r][c]; rows shorter than the header are padded with empty cells */
	arena_t *arena;
} csv_table_t;

/* Parse text[0..len).  Fails (LARCH_PARSE_ERROR, with line number) on an
 * unterminated quote or a row with more cells than the header. */
int csv_parse(const char *text, size_t len, csv_table_t *out, larch_error_t *err);
void csv_table_free(csv_table_t *t);

/* Write one cell, quoting it if it contains a comma, quote, CR or LF. */
void csv_write_cell(FILE *f, const char *s, size_t len);

#endif
