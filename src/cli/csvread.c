/*
 * csvread.c — a streaming RFC 4180 record reader for CSV import: one
 * record at a time from a FILE, cells copied into the caller's arena, so
 * a file of any size is read with memory for one batch of records.
 * Quoted cells may hold commas, doubled quotes and line breaks; CRLF and
 * LF both end records; blank lines are skipped.  (src/tools/common/csv.c
 * parses a whole document held in memory; import cannot afford that.)
 */
#include "cli/csvread.h"

void csvr_init(csvr_t *r, FILE *f)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->line = 1;
}

void csvr_free(csvr_t *r)
{
	buf_free(&r->cell);
	buf_free(&r->cells);
}

/* Close the cell in r->cell: copy it into the arena, append to cells. */
static int cell_done(csvr_t *r, int quoted, arena_t *a)
{
	csv_cell_t c;
	c.len = r->cell.len;
	c.quoted = quoted;
	c.s = arena_strndup(a, r->cell.len ? (const char *)r->cell.data : "", r->cell.len);
	buf_reset(&r->cell);
	if (!c.s)
		return -1;
	buf_put(&r->cells, &c, sizeof c);
	return buf_ok(&r->cells) ? 0 : -1;
}

int csvr_next(csvr_t *r, arena_t *a, const csv_cell_t **cells, size_t *n, larch_error_t *err)
{
	enum { START, PLAIN, QUOTED, QUOTE_IN_QUOTED } st = START;
	int ch, quoted = 0;
	size_t start_line;
	buf_reset(&r->cells);
	buf_reset(&r->cell);
	/* skip blank lines */
	while ((ch = getc(r->f)) == '\n' || ch == '\r')
		if (ch == '\n')
			r->line++;
	if (ch == EOF)
		return ferror(r->f) ? err_set(err, LARCH_STORAGE_ERROR, "reading CSV failed")
				    : LARCH_DONE;
	start_line = r->record_line = r->line;
	for (;; ch = getc(r->f)) {
		if (ch == EOF && st == QUOTED)
			return err_set(err, LARCH_PARSE_ERROR,
				       "line %zu: unterminated quoted cell", start_line);
		if (st == QUOTED) {
			if (ch == '"')
				st = QUOTE_IN_QUOTED;
			else {
				if (ch == '\n')
					r->line++;
				buf_put_u8(&r->cell, (uint8_t)ch);
			}
			continue;
		}
		if (st == QUOTE_IN_QUOTED && ch == '"') { /* doubled quote */
			buf_put_u8(&r->cell, '"');
			st = QUOTED;
			continue;
		}
		if (ch == ',' || ch == '\n' || ch == '\r' || ch == EOF) {
			if (cell_done(r, quoted, a))
				return err_set(err, LARCH_NO_MEMORY, "out of memory reading CSV");
			quoted = 0;
			st = START;
			if (ch == ',')
				continue;
			if (ch == '\r' && (ch = getc(r->f)) != '\n' && ch != EOF)
				ungetc(ch, r->f);
			r->line++;
			break;
		}
		if (st == START && ch == '"') {
			st = QUOTED;
			quoted = 1;
			continue;
		}
		if (st == QUOTE_IN_QUOTED)
			return err_set(err, LARCH_PARSE_ERROR,
				       "line %zu: text after the closing quote of a cell", r->line);
		st = PLAIN;
		buf_put_u8(&r->cell, (uint8_t)ch);
	}
	if (!buf_ok(&r->cell))
		return err_set(err, LARCH_NO_MEMORY, "out of memory reading CSV");
	*n = r->cells.len / sizeof(csv_cell_t);
	csv_cell_t *row = arena_alloc(a, r->cells.len);
	if (!row)
		return err_set(err, LARCH_NO_MEMORY, "out of memory reading CSV");
	memcpy(row, r->cells.data, r->cells.len);
	*cells = row;
	return LARCH_OK;
}
