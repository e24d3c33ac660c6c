/*
 * csv.c — CSV reading and writing for the command-line tools (see csv.h).
 *
 * Tools are single .c files in src/tools; this helper is compiled into the
 * library object list of tools only (it is not a layer of its own).
 */
#include "csv.h"

typedef struct csv_parser {
	const char *p, *end;
	size_t line;
	arena_t *arena;
	buf_t cell;   /* bytes of the cell being read */
} csv_parser_t;

/* Read one cell starting at p; sets *row_end when the cell ends its row. */
static int csv_read_cell(csv_parser_t *cp, csv_cell_t *cell, int *row_end, larch_error_t *err)
{
	buf_reset(&cp->cell);
	cell->quoted = 0;
	if (cp->p < cp->end && *cp->p == '"') {
		size_t start_line = cp->line;
		cell->quoted = 1;
		cp->p++;
		for (;;) {
			if (cp->p >= cp->end)
				return err_set(err, LARCH_PARSE_ERROR,
					       "line %zu: unterminated quoted cell", start_line);
			char c = *cp->p++;
			if (c == '"') {
				if (cp->p < cp->end && *cp->p == '"') {
					buf_put_u8(&cp->cell, '"');
					cp->p++;
					continue;
				}
				break;
			}
			if (c == '\n')
				cp->line++;
			buf_put_u8(&cp->cell, (uint8_t)c);
		}
	}
	while (cp->p < cp->end && *cp->p != ',' && *cp->p != '\n' && *cp->p != '\r')
		buf_put_u8(&cp->cell, (uint8_t)*cp->p++);
	*row_end = 1;
	if (cp->p < cp->end && *cp->p == ',') {
		cp->p++;
		*row_end = 0;
	} else {
		if (cp->p < cp->end && *cp->p == '\r')
			cp->p++;
		if (cp->p < cp->end && *cp->p == '\n')
			cp->p++;
		cp->line++;
	}
	if (!buf_ok(&cp->cell))
		return err_set(err, LARCH_NO_MEMORY, "out of memory reading CSV");
	cell->len = cp->cell.len;
	cell->s = arena_strndup(cp->arena, cp->cell.len ? (const char *)cp->cell.data : "",
				cp->cell.len);
	return cell->s ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory reading CSV");
}

int csv_parse(const char *text, size_t len, csv_table_t *out, larch_error_t *err)
{
	memset(out, 0, sizeof(*out));
	csv_parser_t cp = {text, text + len, 1, arena_new(0), BUF_INIT};
	buf_t rows = BUF_INIT; /* array of csv_cell_t* */
	buf_t cells = BUF_INIT;
	int rc = LARCH_OK;
	if (!cp.arena)
		return err_set(err, LARCH_NO_MEMORY, "out of memory reading CSV");
	while (cp.p < cp.end) {
		if (*cp.p == '\n' || *cp.p == '\r') { /* blank line */
			cp.p += (*cp.p == '\r' && cp.p + 1 < cp.end && cp.p[1] == '\n') ? 2 : 1;
			cp.line++;
			continue;
		}
		size_t line = cp.line;
		buf_reset(&cells);
		int row_end = 0;
		while (!row_end) {
			csv_cell_t c;
			if ((rc = csv_read_cell(&cp, &c, &row_end, err)))
				goto out;
			buf_put(&cells, &c, sizeof c);
		}
		size_t n = cells.len / sizeof(csv_cell_t);
		if (rows.len == 0)
			out->n_cols = n;
		else if (n > out->n_cols) {
			rc = err_set(err, LARCH_PARSE_ERROR, "line %zu: %zu cells, header has %zu",
				     line, n, out->n_cols);
			goto out;
		}
		csv_cell_t *row = arena_calloc(cp.arena, out->n_cols, sizeof(csv_cell_t));
		if (!row || !buf_ok(&cells)) {
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory reading CSV");
			goto out;
		}
		memcpy(row, cells.data, n * sizeof(csv_cell_t));
		for (size_t i = n; i < out->n_cols; i++)
			row[i].s = "";
		buf_put(&rows, &row, sizeof row);
	}
	out->n_rows = rows.len / sizeof(csv_cell_t *);
	out->rows = arena_alloc(cp.arena, rows.len + 1);
	if (!out->rows || !buf_ok(&rows)) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory reading CSV");
		goto out;
	}
	if (rows.len)
		memcpy(out->rows, rows.data, rows.len);
out:
	out->arena = cp.arena;
	buf_free(&rows);
	buf_free(&cells);
	buf_free(&cp.cell);
	if (rc)
		csv_table_free(out);
	return rc;
}

void csv_table_free(csv_table_t *t)
{
	arena_free(t->arena);
	memset(t, 0, sizeof(*t));
}

void csv_write_cell(FILE *f, const char *s, size_t len)
{
	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
	    !memchr(s, '\r', len)) {
		fwrite(s, 1, len, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}
