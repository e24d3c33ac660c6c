/*
 * larch-tsfile — inspect, query, verify and create TsFiles from the shell.
 *
 *   larch-tsfile dump FILE                 structure: chunk groups, chunks, pages,
 *                                          statistics, index
 *   larch-tsfile cat FILE [--path P]... [--where EXPR] [--range START END]
 *                         [--table T [--column C]...]
 *                                          rows as CSV (Time + one column per path)
 *   larch-tsfile check FILE                verify every offset, page and statistic;
 *                                          exit 1 naming the first bad byte offset
 *   larch-tsfile from-csv CSV FILE [--aligned] [--table T --tags a,b] [--codec C]
 *                         [--page-points N]
 *                                          write a TsFile from a CSV whose header is
 *                                          Time,path[:TYPE[:ENCODING[:CODEC]]],...
 *
 * CSV conventions (both directions): an unquoted empty cell is null, a quoted
 * empty cell ("") an empty string; BOOLEAN is true/false; DATE is YYYY-MM-DD;
 * BLOB is 0x followed by hex digits; floats print in their shortest exact form.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "base/base.h"
#include "common/csv.h"
#include "larch/tsfile.h"
#include "tsfile/tsfile_int.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: larch-tsfile dump FILE\n"
		"       larch-tsfile cat FILE [--path P]... [--where EXPR] [--range START END]\n"
		"                    [--table T [--column C]...]\n"
		"       larch-tsfile check FILE\n"
		"       larch-tsfile from-csv CSV FILE [--aligned] [--table T --tags a,b]\n"
		"                    [--codec C] [--page-points N]\n");
	return 2;
}

static int fail(const larch_error_t *err)
{
	fprintf(stderr, "larch-tsfile: error %d: %s\n", err->code, err->msg);
	return 1;
}

/*---------------------------------------------------------------------------
 * Value text forms
 *---------------------------------------------------------------------------*/

/* Shortest decimal text that reads back as exactly v. */
static void format_double(char *out, size_t n, double v, int is_float)
{
	for (int prec = is_float ? 6 : 15; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (is_float ? (float)strtod(out, NULL) == (float)v : strtod(out, NULL) == v)
			return;
	}
}

static void print_value(FILE *f, const tsfile_value_t *v)
{
	char tmp[64];
	if (v->is_null)
		return;
	switch (v->type) {
	case TSFILE_BOOLEAN: fputs(v->v.b ? "true" : "false", f); break;
	case TSFILE_INT32: fprintf(f, "%d", v->v.i32); break;
	case TSFILE_DATE:
		fprintf(f, "%04d-%02d-%02d", v->v.i32 / 10000, v->v.i32 / 100 % 100, v->v.i32 % 100);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
	case TSFILE_VECTOR: fprintf(f, "%lld", (long long)v->v.i64); break;
	case TSFILE_FLOAT: format_double(tmp, sizeof tmp, v->v.f, 1); fputs(tmp, f); break;
	case TSFILE_DOUBLE: format_double(tmp, sizeof tmp, v->v.d, 0); fputs(tmp, f); break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
		if (v->v.bytes.len == 0)
			fputs("\"\"", f);
		else
			csv_write_cell(f, v->v.bytes.ptr, v->v.bytes.len);
		break;
	case TSFILE_BLOB:
		fputs("0x", f);
		for (uint32_t i = 0; i < v->v.bytes.len; i++)
			fprintf(f, "%02x", (uint8_t)v->v.bytes.ptr[i]);
		break;
	}
}

/* Parse cell text as a value of `type` into *v; bytes point into the cell. */
static int parse_value(const csv_cell_t *cell, tsfile_type_t type, tsfile_value_t *v)
{
	const char *s = cell->s;
	char *end = NULL;
	v->type = type;
	v->is_null = cell->len == 0 && !cell->quoted;
	if (v->is_null)
		return 0;
	errno = 0;
	switch (type) {
	case TSFILE_BOOLEAN:
		if (!strcasecmp(s, "true") || !strcmp(s, "1"))
			v->v.b = 1;
		else if (!strcasecmp(s, "false") || !strcmp(s, "0"))
			v->v.b = 0;
		else
			return -1;
		return 0;
	case TSFILE_INT32: {
		long long x = strtoll(s, &end, 10);
		if (x < INT32_MIN || x > INT32_MAX)
			return -1;
		v->v.i32 = (int32_t)x;
		break;
	}
	case TSFILE_DATE: {
		int y, m, d;
		char extra;
		if (sscanf(s, "%d-%d-%d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 || d < 1 ||
		    d > 31 || y < 0 || y > 9999)
			return -1;
		v->v.i32 = y * 10000 + m * 100 + d;
		return 0;
	}
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: v->v.i64 = strtoll(s, &end, 10); break;
	case TSFILE_FLOAT: v->v.f = strtof(s, &end); errno = 0; break;
	case TSFILE_DOUBLE: v->v.d = strtod(s, &end); errno = 0; break;
	case TSFILE_BLOB:
		/* hex is decoded in place by the caller (decode_blob_cells) */
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_VECTOR:
		v->v.bytes.ptr = s;
		v->v.bytes.len = (uint32_t)cell->len;
		return 0;
	}
	return (end == s || *end != '\0' || errno) ? -1 : 0;
}

/*---------------------------------------------------------------------------
 * from-csv
 *---------------------------------------------------------------------------*/

typedef struct csv_column {
	char *path;          /* full path (tree) or column name (table) */
	size_t dev_len;      /* tree: length of the device part of path */
	tsfile_type_t type;
	int encoding, codec;
	int is_tag;
} csv_column_t;

/* Index of the last '.' of path outside back-quotes, or -1. */
static long path_last_dot(const char *path)
{
	long dot = -1;
	int quoted = 0;
	for (long i = 0; path[i]; i++) {
		if (path[i] == '`')
			quoted = !quoted;
		else if (path[i] == '.' && !quoted)
			dot = i;
	}
	return dot;
}

static int is_int_text(const char *s)
{
	char *end;
	errno = 0;
	strtoll(s, &end, 10);
	return end != s && *end == '\0' && errno == 0;
}

static int is_num_text(const char *s)
{
	char *end;
	strtod(s, &end);
	return end != s && *end == '\0';
}

/* The type a column's cells suggest: BOOLEAN, INT64, DOUBLE or TEXT. */
static tsfile_type_t infer_type(const csv_table_t *t, size_t col)
{
	int all_bool = 1, all_int = 1, all_num = 1, any = 0;
	for (size_t r = 1; r < t->n_rows; r++) {
		const csv_cell_t *c = &t->rows[r][col];
		if (c->len == 0 && !c->quoted)
			continue;
		any = 1;
		if (c->quoted)
			return TSFILE_TEXT;
		all_bool &= !strcasecmp(c->s, "true") || !strcasecmp(c->s, "false");
		all_int &= is_int_text(c->s);
		all_num &= is_num_text(c->s);
	}
	if (!any || (!all_bool && !all_num))
		return TSFILE_TEXT;
	return all_bool ? TSFILE_BOOLEAN : all_int ? TSFILE_INT64 : TSFILE_DOUBLE;
}

/* Parse "path[:TYPE[:ENCODING[:CODEC]]]" into *c. */
static int parse_header_cell(const csv_table_t *t, size_t col, csv_column_t *c, larch_error_t *err)
{
	const char *s = t->rows[0][col].s;
	char *copy = mem_strdup(s);
	if (!copy)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	char *fields[4] = {copy, NULL, NULL, NULL};
	int quoted = 0, nf = 1;
	for (char *p = copy; *p; p++) {
		if (*p == '`')
			quoted = !quoted;
		else if (*p == ':' && !quoted && nf < 4) {
			*p = '\0';
			fields[nf++] = p + 1;
		}
	}
	c->path = copy;
	c->encoding = c->codec = -1;
	c->type = fields[1] ? (tsfile_type_t)tsfile_type_parse(fields[1]) : infer_type(t, col);
	if ((int)c->type < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "column %zu: unknown type '%s'", col + 1,
			       fields[1]);
	if (fields[2] && (c->encoding = tsfile_encoding_parse(fields[2])) < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "column %zu: unknown encoding '%s'",
			       col + 1, fields[2]);
	if (fields[3] && (c->codec = tsfile_codec_parse(fields[3])) < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "column %zu: unknown codec '%s'",
			       col + 1, fields[3]);
	return LARCH_OK;
}

/* Decode "0x..." BLOB cells in place (hex pairs become bytes). */
static int decode_blob_cells(csv_table_t *t, size_t col, larch_error_t *err)
{
	for (size_t r = 1; r < t->n_rows; r++) {
		csv_cell_t *c = &t->rows[r][col];
		if (c->len == 0)
			continue;
		const char *s = c->s;
		if (c->len % 2 || strncmp(s, "0x", 2))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "row %zu: BLOB must be 0x followed by hex pairs", r + 1);
		char *dst = (char *)s;
		size_t n = 0;
		for (size_t i = 2; i < c->len; i += 2) {
			unsigned byte;
			if (sscanf(s + i, "%2x", &byte) != 1)
				return err_set(err, LARCH_ILLEGAL_PARAMETER, "row %zu: bad hex", r + 1);
			dst[n++] = (char)byte;
		}
		c->len = n;
		c->quoted = 1; /* an empty blob "0x" is not null */
	}
	return LARCH_OK;
}

typedef struct from_csv_opts {
	int aligned;
	const char *table;
	const char *tags; /* comma-separated */
	tsfile_config_t cfg;
} from_csv_opts_t;

static int is_tag(const from_csv_opts_t *o, const char *name)
{
	if (!o->tags)
		return 0;
	size_t n = strlen(name);
	for (const char *p = o->tags; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncasecmp(p, name, n))
			return 1;
		p += len + (e ? 1 : 0);
	}
	return 0;
}

/* Row order sorted by time (stable); fails on a duplicate time. */
static int sort_rows(const int64_t *times, size_t n, size_t *order, larch_error_t *err);

typedef struct tablet_build {
	tsfile_column_t *cols;
	void **values;
	uint8_t **nulls;
	int64_t *times;
} tablet_build_t;

/* Fill tablet columns for rows order[from..to) of the CSV columns `idx`. */
static int fill_tablet(const csv_table_t *t, const csv_column_t *cols, const size_t *idx,
		       size_t n_idx, const size_t *order, size_t from, size_t to,
		       const int64_t *times, tablet_build_t *tb, tsfile_tablet_t *tab,
		       larch_error_t *err)
{
	size_t rows = to - from;
	for (size_t r = 0; r < rows; r++)
		tb->times[r] = times[order[from + r]];
	for (size_t k = 0; k < n_idx; k++) {
		const csv_column_t *c = &cols[idx[k]];
		size_t es = col_elem_size(c->type);
		for (size_t r = 0; r < rows; r++) {
			size_t row = order[from + r] + 1;
			tsfile_value_t v;
			if (parse_value(&t->rows[row][idx[k] + 1], c->type, &v))
				return err_set(err, LARCH_ILLEGAL_PARAMETER,
					       "row %zu, column '%s': '%s' is not a %s", row + 1,
					       c->path, t->rows[row][idx[k] + 1].s,
					       tsfile_type_name(c->type));
			tb->nulls[k][r] = (uint8_t)v.is_null;
			uint8_t *dst = (uint8_t *)tb->values[k] + r * es;
			if (v.is_null)
				memset(dst, 0, es);
			else if (c->type == TSFILE_BOOLEAN)
				*dst = (uint8_t)v.v.b;
			else
				memcpy(dst, &v.v, es);
		}
		tb->cols[k] = (tsfile_column_t){c->path + (c->dev_len ? c->dev_len + 1 : 0),
						 c->type, tb->values[k], tb->nulls[k]};
	}
	tab->n_rows = rows;
	tab->times = tb->times;
	tab->n_columns = n_idx;
	tab->columns = tb->cols;
	return LARCH_OK;
}

enum { TABLET_ROWS = 4096 };

static void tablet_build_free(tablet_build_t *tb, size_t n)
{
	for (size_t k = 0; tb->values && k < n; k++) {
		mem_free(tb->values[k]);
		mem_free(tb->nulls[k]);
	}
	mem_free(tb->cols);
	mem_free(tb->values);
	mem_free(tb->nulls);
	mem_free(tb->times);
}

static int tablet_build_new(tablet_build_t *tb, const csv_column_t *cols, const size_t *idx,
			    size_t n)
{
	memset(tb, 0, sizeof(*tb));
	tb->cols = mem_calloc(n, sizeof(*tb->cols));
	tb->values = mem_calloc(n, sizeof(void *));
	tb->nulls = mem_calloc(n, sizeof(uint8_t *));
	tb->times = mem_calloc(TABLET_ROWS, sizeof(int64_t));
	if (!tb->cols || !tb->values || !tb->nulls || !tb->times)
		return LARCH_NO_MEMORY;
	for (size_t k = 0; k < n; k++) {
		tb->values[k] = mem_calloc(TABLET_ROWS, col_elem_size(cols[idx[k]].type));
		tb->nulls[k] = mem_calloc(TABLET_ROWS, 1);
		if (!tb->values[k] || !tb->nulls[k])
			return LARCH_NO_MEMORY;
	}
	return LARCH_OK;
}

/* Write the CSV columns idx[0..n) — one device, or one table — in tablets. */
static int write_group(tsfile_writer_t *w, const csv_table_t *t, const csv_column_t *cols,
		       const size_t *idx, size_t n, const size_t *order, const int64_t *times,
		       const char *target, int table, larch_error_t *err)
{
	tablet_build_t tb;
	int rc = tablet_build_new(&tb, cols, idx, n);
	if (rc) {
		rc = err_set(err, rc, "out of memory");
		goto out;
	}
	size_t n_rows = t->n_rows - 1;
	for (size_t from = 0; from < n_rows; from += TABLET_ROWS) {
		size_t to = LR_MIN(n_rows, from + TABLET_ROWS);
		tsfile_tablet_t tab = {.target = target};
		if ((rc = fill_tablet(t, cols, idx, n, order, from, to, times, &tb, &tab, err)))
			goto out;
		rc = table ? tsfile_writer_write_table(w, &tab, err)
			   : tsfile_writer_write_tablet(w, &tab, err);
		if (rc)
			goto out;
	}
out:
	tablet_build_free(&tb, n);
	return rc;
}

static int sort_rows(const int64_t *times, size_t n, size_t *order, larch_error_t *err)
{
	/* insertion-friendly merge sort on indexes (stable) */
	size_t *tmp = mem_alloc((n ? n : 1) * sizeof(size_t));
	if (!tmp)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = LR_MIN(lo + width, n), hi = LR_MIN(lo + 2 * width, n);
			size_t a = lo, b = mid, k = lo;
			while (a < mid && b < hi)
				tmp[k++] = times[order[b]] < times[order[a]] ? order[b++] : order[a++];
			while (a < mid)
				tmp[k++] = order[a++];
			while (b < hi)
				tmp[k++] = order[b++];
		}
		memcpy(order, tmp, n * sizeof(size_t));
	}
	mem_free(tmp);
	for (size_t i = 1; i < n; i++)
		if (times[order[i]] == times[order[i - 1]])
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "rows %zu and %zu: duplicate time %lld",
				       order[i - 1] + 2, order[i] + 2, (long long)times[order[i]]);
	return LARCH_OK;
}

static int register_columns(tsfile_writer_t *w, const from_csv_opts_t *o, csv_column_t *cols,
			    size_t n, larch_error_t *err)
{
	if (o->table) {
		tsfile_column_schema_t *cs = mem_calloc(n, sizeof(*cs));
		if (!cs)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		for (size_t i = 0; i < n; i++)
			cs[i] = (tsfile_column_schema_t){cols[i].path, cols[i].type, cols[i].encoding,
							 cols[i].codec,
							 cols[i].is_tag ? TSFILE_TAG : TSFILE_FIELD};
		tsfile_table_schema_t ts = {o->table, n, cs};
		int rc = tsfile_writer_register_table(w, &ts, err);
		mem_free(cs);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		char *dev = mem_strndup(cols[i].path, cols[i].dev_len);
		if (!dev)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		tsfile_measurement_t m = {cols[i].path + cols[i].dev_len + 1, cols[i].type,
					  cols[i].encoding, cols[i].codec, -1};
		int rc = o->aligned ? tsfile_writer_register_aligned(w, dev, &m, 1, err)
				    : tsfile_writer_register(w, dev, &m, err);
		mem_free(dev);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

/* Columns are grouped by device (tree) or all in the table; write each group. */
static int write_groups(tsfile_writer_t *w, const from_csv_opts_t *o, const csv_table_t *t,
			const csv_column_t *cols, size_t n, const size_t *order,
			const int64_t *times, larch_error_t *err)
{
	size_t *idx = mem_alloc(n * sizeof(size_t));
	uint8_t *done = mem_calloc(n, 1);
	int rc = LARCH_OK;
	if (!idx || !done) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		if (done[i])
			continue;
		size_t k = 0;
		for (size_t j = i; j < n; j++) {
			int same = o->table || (cols[j].dev_len == cols[i].dev_len &&
						!strncmp(cols[j].path, cols[i].path, cols[i].dev_len));
			if (same && !done[j]) {
				idx[k++] = j;
				done[j] = 1;
			}
		}
		char *target = o->table ? mem_strdup(o->table) : mem_strndup(cols[i].path, cols[i].dev_len);
		if (!target) {
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
			break;
		}
		rc = write_group(w, t, cols, idx, k, order, times, target, o->table != NULL, err);
		mem_free(target);
	}
out:
	mem_free(idx);
	mem_free(done);
	return rc;
}

static int read_file(const char *path, char **data, size_t *len, larch_error_t *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(err, LARCH_STORAGE_ERROR, "%s: %s", path, strerror(errno));
	buf_t b = BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad || !buf_ok(&b)) {
		buf_free(&b);
		return err_set(err, LARCH_STORAGE_ERROR, "%s: read failed", path);
	}
	buf_put_u8(&b, 0);
	*data = (char *)b.data;
	*len = b.len - 1;
	return LARCH_OK;
}

static int from_csv(const char *csv_path, const char *out_path, const from_csv_opts_t *o,
		    larch_error_t *err)
{
	char *text = NULL;
	size_t len = 0;
	csv_table_t t = {0};
	csv_column_t *cols = NULL;
	size_t n = 0, *order = NULL;
	int64_t *times = NULL;
	tsfile_writer_t *w = NULL;
	int rc = read_file(csv_path, &text, &len, err);
	if (rc || (rc = csv_parse(text, len, &t, err)))
		goto out;
	if (t.n_rows == 0 || t.n_cols < 2) {
		rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "%s: need a header Time,column,...", csv_path);
		goto out;
	}
	n = t.n_cols - 1;
	cols = mem_calloc(n, sizeof(*cols));
	times = mem_calloc(t.n_rows, sizeof(int64_t));
	order = mem_calloc(t.n_rows, sizeof(size_t));
	if (!cols || !times || !order) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = parse_header_cell(&t, i + 1, &cols[i], err)))
			goto out;
		long dot = path_last_dot(cols[i].path);
		cols[i].is_tag = o->table && is_tag(o, cols[i].path);
		if (cols[i].is_tag)
			cols[i].type = TSFILE_STRING;
		if (!o->table && dot <= 0) {
			rc = err_set(err, LARCH_ILLEGAL_PATH, "column '%s' is not device.measurement",
				     cols[i].path);
			goto out;
		}
		cols[i].dev_len = o->table ? 0 : (size_t)dot;
		if (cols[i].type == TSFILE_BLOB && (rc = decode_blob_cells(&t, i + 1, err)))
			goto out;
	}
	for (size_t r = 1; r < t.n_rows; r++) {
		tsfile_value_t v;
		if (parse_value(&t.rows[r][0], TSFILE_INT64, &v) || v.is_null) {
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "row %zu: bad time '%s'", r + 1,
				     t.rows[r][0].s);
			goto out;
		}
		times[r - 1] = v.v.i64;
	}
	if ((rc = sort_rows(times, t.n_rows - 1, order, err)))
		goto out;
	if ((rc = tsfile_writer_open(out_path, &o->cfg, &w, err)) ||
	    (rc = register_columns(w, o, cols, n, err)) ||
	    (rc = write_groups(w, o, &t, cols, n, order, times, err)))
		goto out;
	rc = tsfile_writer_close(w, err);
	w = NULL;
out:
	if (w)
		tsfile_writer_abort(w);
	for (size_t i = 0; cols && i < n; i++)
		mem_free(cols[i].path);
	mem_free(cols);
	mem_free(times);
	mem_free(order);
	csv_table_free(&t);
	mem_free(text);
	return rc;
}

/*---------------------------------------------------------------------------
 * cat
 *---------------------------------------------------------------------------*/

static int print_result(tsfile_result_t *rs, larch_error_t *err)
{
	size_t n = tsfile_result_column_count(rs);
	fputs("Time", stdout);
	for (size_t i = 0; i < n; i++) {
		const char *name = tsfile_result_column_name(rs, i);
		fputc(',', stdout);
		csv_write_cell(stdout, name, strlen(name));
	}
	fputc('\n', stdout);
	int rc;
	while ((rc = tsfile_result_next(rs, err)) == LARCH_OK) {
		printf("%lld", (long long)tsfile_result_time(rs));
		for (size_t i = 0; i < n; i++) {
			fputc(',', stdout);
			print_value(stdout, tsfile_result_value(rs, i));
		}
		fputc('\n', stdout);
	}
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

typedef struct cat_opts {
	const char **paths;
	size_t n_paths;
	const char *where;
	const char *table;
	int ranged;
	uint64_t start, end;
} cat_opts_t;

static int cat(const char *file, cat_opts_t *o, larch_error_t *err)
{
	tsfile_reader_t *r = NULL;
	tsfile_filter_t *filter = NULL;
	tsfile_result_t *rs = NULL;
	const char **all = NULL;
	int rc = tsfile_reader_open(file, &r, err);
	if (rc)
		return rc;
	if (o->where && (rc = tsfile_filter_parse(o->where, &filter, err)))
		goto out;
	if (o->table) {
		rc = tsfile_reader_query_table(r, o->table, o->paths, o->n_paths, INT64_MIN,
					       INT64_MAX, &rs, err);
	} else {
		if (o->n_paths == 0) { /* every series of the file */
			size_t n = tsfile_reader_series_count(r);
			all = mem_calloc(n + 1, sizeof(char *));
			if (!all) {
				rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
				goto out;
			}
			for (size_t i = 0; i < n; i++) {
				const tsfile_series_info_t *s = tsfile_reader_series(r, i);
				size_t dl = strlen(s->device), ml = strlen(s->measurement);
				char *p = mem_alloc(dl + ml + 2);
				if (!p) {
					rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
					goto out;
				}
				memcpy(p, s->device, dl);
				p[dl] = '.';
				memcpy(p + dl + 1, s->measurement, ml + 1);
				all[o->n_paths++] = p;
			}
			o->paths = all;
		}
		rc = o->ranged ? tsfile_reader_query_range(r, o->paths, o->n_paths, filter, o->start,
							  o->end, &rs, err)
			       : tsfile_reader_query(r, o->paths, o->n_paths, filter, &rs, err);
	}
	if (!rc)
		rc = print_result(rs, err);
out:
	for (size_t i = 0; all && all[i]; i++)
		mem_free((void *)all[i]);
	mem_free(all);
	tsfile_result_free(rs);
	tsfile_filter_free(filter);
	tsfile_reader_close(r);
	return rc;
}

/*---------------------------------------------------------------------------
 * main
 *---------------------------------------------------------------------------*/

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	*v = x;
	return end == s || *end || errno || *s == '-' ? -1 : 0;
}

static int main_cat(int argc, char **argv, larch_error_t *err)
{
	cat_opts_t o = {0};
	const char *file = NULL;
	o.paths = mem_calloc((size_t)argc, sizeof(char *));
	if (!o.paths)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	int rc = LARCH_OK;
	for (int i = 0; i < argc && !rc; i++) {
		if ((!strcmp(argv[i], "--path") || !strcmp(argv[i], "--column")) && i + 1 < argc)
			o.paths[o.n_paths++] = argv[++i];
		else if (!strcmp(argv[i], "--where") && i + 1 < argc)
			o.where = argv[++i];
		else if (!strcmp(argv[i], "--table") && i + 1 < argc)
			o.table = argv[++i];
		else if (!strcmp(argv[i], "--range") && i + 2 < argc) {
			o.ranged = 1;
			if (parse_u64(argv[i + 1], &o.start) || parse_u64(argv[i + 2], &o.end))
				rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "--range needs two offsets");
			i += 2;
		} else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "cat: unexpected argument '%s'", argv[i]);
	}
	if (!rc && !file)
		rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "cat: no file given");
	const char **given = o.paths;
	if (!rc)
		rc = cat(file, &o, err);
	mem_free(given);
	return rc;
}

static int main_from_csv(int argc, char **argv, larch_error_t *err)
{
	from_csv_opts_t o = {0};
	const char *files[2] = {NULL, NULL};
	int nf = 0;
	tsfile_config_default(&o.cfg);
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--aligned"))
			o.aligned = 1;
		else if (!strcmp(argv[i], "--table") && i + 1 < argc)
			o.table = argv[++i];
		else if (!strcmp(argv[i], "--tags") && i + 1 < argc)
			o.tags = argv[++i];
		else if (!strcmp(argv[i], "--codec") && i + 1 < argc) {
			int c = tsfile_codec_parse(argv[++i]);
			if (c < 0)
				return err_set(err, LARCH_ILLEGAL_PARAMETER, "unknown codec '%s'", argv[i]);
			o.cfg.default_codec = o.cfg.time_codec = (tsfile_codec_t)c;
		} else if (!strcmp(argv[i], "--page-points") && i + 1 < argc) {
			uint64_t v;
			if (parse_u64(argv[++i], &v) || v == 0 || v > UINT32_MAX)
				return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad --page-points");
			o.cfg.page_max_points = (uint32_t)v;
		} else if (nf < 2 && argv[i][0] != '-')
			files[nf++] = argv[i];
		else
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "from-csv: unexpected argument '%s'",
				       argv[i]);
	}
	if (nf != 2)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "from-csv: need CSV and FILE");
	return from_csv(files[0], files[1], &o, err);
}

int main(int argc, char **argv)
{
	larch_error_t err = {0};
	if (argc < 3)
		return usage();
	const char *cmd = argv[1];
	int rc;
	if (!strcmp(cmd, "cat"))
		rc = main_cat(argc - 2, argv + 2, &err);
	else if (!strcmp(cmd, "from-csv"))
		rc = main_from_csv(argc - 2, argv + 2, &err);
	else if (!strcmp(cmd, "dump") && argc == 3)
		rc = tsfile_dump(argv[2], stdout, &err);
	else if (!strcmp(cmd, "check") && argc == 3)
		rc = tsfile_check(argv[2], stdout, &err);
	else
		return usage();
	fflush(stdout);
	return rc ? fail(&err) : 0;
}
