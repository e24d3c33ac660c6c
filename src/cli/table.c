/*
 * table.c — the bordered result table of the shell (see cli.h).  Cells are
 * stored back to back in one text buffer with an offset array beside it,
 * so a page of rows costs two allocations however many cells it has.
 *
 *   +-----------------------------+-------------+
 *   |                         Time|root.sg.d1.s1|
 *   +-----------------------------+-------------+
 *   |2017-11-01T00:00:00.000+08:00|          1.0|
 *   +-----------------------------+-------------+
 */
#include "cli/cli.h"

int cli_table_init(cli_table_t *t, size_t n_cols, larch_error_t *err)
{
	memset(t, 0, sizeof *t);
	if (n_cols == 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "a result table needs a column");
	t->n_cols = n_cols;
	t->width = mem_calloc(n_cols, sizeof(size_t));
	size_t zero = 0;
	buf_put(&t->offs, &zero, sizeof zero);
	if (!t->width || !buf_ok(&t->offs)) {
		cli_table_free(t);
		return err_set(err, LARCH_NO_MEMORY, "out of memory for a result table");
	}
	return LARCH_OK;
}

buf_t *cli_table_begin_cell(cli_table_t *t)
{
	return &t->text;
}

void cli_table_end_cell(cli_table_t *t)
{
	size_t cells = t->offs.len / sizeof(size_t) - 1; /* before this one */
	size_t start = ((const size_t *)t->offs.data)[cells];
	if (!buf_ok(&t->text))
		return;
	size_t end = t->text.len;
	size_t w = cli_text_width((const char *)t->text.data + start, end - start);
	size_t col = cells % t->n_cols;
	if (w > t->width[col])
		t->width[col] = w;
	buf_put(&t->offs, &end, sizeof end);
	if ((cells + 1) % t->n_cols == 0) {
		if (cells + 1 == t->n_cols)
			t->header_end = t->offs.len / sizeof(size_t);
		else
			t->n_rows++;
	}
}

void cli_table_cell(cli_table_t *t, const char *s, size_t n)
{
	buf_put(&t->text, s, n);
	cli_table_end_cell(t);
}

static void print_border(const cli_table_t *t, FILE *f)
{
	for (size_t c = 0; c < t->n_cols; c++) {
		fputc('+', f);
		for (size_t i = 0; i < t->width[c]; i++)
			fputc('-', f);
	}
	fputs("+\n", f);
}

/* Row r of the cells (0 = header), each right-aligned to its column. */
static void print_row(const cli_table_t *t, size_t r, FILE *f)
{
	const size_t *offs = (const size_t *)t->offs.data;
	const char *text = (const char *)t->text.data;
	for (size_t c = 0; c < t->n_cols; c++) {
		size_t i = r * t->n_cols + c;
		size_t len = offs[i + 1] - offs[i];
		size_t w = cli_text_width(text + offs[i], len);
		fputc('|', f);
		for (size_t k = w; k < t->width[c]; k++)
			fputc(' ', f);
		fwrite(text + offs[i], 1, len, f);
	}
	fputs("|\n", f);
}

int cli_table_print(const cli_table_t *t, FILE *f, larch_error_t *err)
{
	if (!buf_ok(&t->text) || !buf_ok(&t->offs) || t->header_end == 0)
		return err_set(err, LARCH_NO_MEMORY, "out of memory for a result table");
	print_border(t, f);
	print_row(t, 0, f);
	print_border(t, f);
	for (size_t r = 1; r <= t->n_rows && !cli_interrupted; r++) /* ^C stops a long page */
		print_row(t, r, f);
	print_border(t, f);
	return LARCH_OK;
}

void cli_table_clear_rows(cli_table_t *t)
{
	const size_t *offs = (const size_t *)t->offs.data;
	t->text.len = offs[t->n_cols];
	t->offs.len = (t->n_cols + 1) * sizeof(size_t);
	t->n_rows = 0;
	/* widths restart from the header's */
	for (size_t c = 0; c < t->n_cols; c++)
		t->width[c] = cli_text_width((const char *)t->text.data + offs[c],
					     offs[c + 1] - offs[c]);
}

void cli_table_free(cli_table_t *t)
{
	buf_free(&t->text);
	buf_free(&t->offs);
	mem_free(t->width);
	memset(t, 0, sizeof *t);
}
