/*
 * import.c — CSV import: the files IoTDB's import-csv tool reads, written
 * through the client library as tablets (one per device per batch of
 * rows, all of a batch in one insertTablets request).
 *
 * Header forms (the first record):
 *   Time,root.sg.d1.s1,root.sg.d1.s2(INT32),root.sg.d2.s1,...   one column per series
 *   Time,Device,s1,s2(DOUBLE),...                               align-by-device form
 * A "(TYPE)" suffix fixes a column's type.  Without one the type is the
 * series' type on the server (SHOW TIMESERIES device.*) or, for series
 * that do not exist yet, inferred from the batch's values as the server
 * infers strings: all true/false -> BOOLEAN, all numbers -> DOUBLE, else
 * TEXT.  Cells: unquoted empty (or, for non-text types, unquoted "null")
 * is null; "" is an empty string; values in the forms cli_format_value
 * prints; Time a number or an ISO 8601 datetime (zone: the session's).
 * The file streams: one batch of records is held at a time.
 */
#include <errno.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/csvread.h"

typedef struct imp_dev {
	char *name;        /* device path */
	size_t n;          /* measurements */
	const size_t *col; /* CSV column of each measurement */
	char **meas;       /* measurement names (as in the header) */
	int *type;         /* tsfile_type_t, -1 while unknown */
	int looked_up;     /* types asked from the server */
} imp_dev_t;

typedef struct imp_row {
	const csv_cell_t *cells;
	size_t n;
	size_t line;
	int64_t time;
	size_t dev;        /* device index (Device column form) */
} imp_row_t;

typedef struct imp {
	cli_t *c;
	int device_form;   /* header Time,Device,... */
	size_t n_cols;     /* header cells */
	imp_dev_t *devs;
	size_t n_devs, cap_devs;
	/* device form: the measurement columns shared by every device */
	size_t *dm_col;
	char **dm_meas;
	int *dm_type;      /* types from the header (-1: none) */
	size_t dm_n;
	arena_t *batch;    /* a batch's records and tablet arrays */
	buf_t rows;        /* imp_row_t of the batch */
} imp_t;

/*---------------------------------------------------------------------------
 * Header
 *---------------------------------------------------------------------------*/

/* Split "name(TYPE)" into a heap copy of name and the type (-1 if none). */
static int split_type(const csv_cell_t *cell, char **name, int *type, larch_error_t *err)
{
	size_t len = cell->len;
	*type = -1;
	const char *open = len && cell->s[len - 1] == ')' ? strrchr(cell->s, '(') : NULL;
	if (open) {
		char tn[32];
		size_t tl = (size_t)(cell->s + len - 1 - (open + 1));
		if (tl >= sizeof tn)
			return err_set(err, LARCH_PARSE_ERROR, "header: bad type in '%s'", cell->s);
		memcpy(tn, open + 1, tl);
		tn[tl] = 0;
		*type = tsfile_type_parse(tn);
		if (*type < 0 || *type == TSFILE_VECTOR)
			return err_set(err, LARCH_PARSE_ERROR, "header: unknown type '%s' in '%s'",
				       tn, cell->s);
		len = (size_t)(open - cell->s);
	}
	if (len == 0)
		return err_set(err, LARCH_PARSE_ERROR, "header: an empty column name");
	*name = mem_strndup(cell->s, len);
	return *name ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory");
}

/* Device index of `name` (len bytes), adding it when new. */
static int dev_find(imp_t *im, const char *name, size_t len, size_t *idx, larch_error_t *err)
{
	for (size_t i = im->n_devs; i-- > 0;)
		if (strlen(im->devs[i].name) == len && !memcmp(im->devs[i].name, name, len)) {
			*idx = i;
			return LARCH_OK;
		}
	if (im->n_devs == im->cap_devs) {
		size_t cap = im->cap_devs ? im->cap_devs * 2 : 8;
		imp_dev_t *d = mem_realloc(im->devs, cap * sizeof *d);
		if (!d)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		im->devs = d;
		im->cap_devs = cap;
	}
	imp_dev_t *d = &im->devs[im->n_devs];
	memset(d, 0, sizeof *d);
	d->name = mem_strndup(name, len);
	if (!d->name)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	if (im->device_form) { /* shares the header's measurement columns */
		d->n = im->dm_n;
		d->col = im->dm_col;
		d->meas = im->dm_meas;
		d->type = mem_alloc(d->n * sizeof(int) + 1);
		if (!d->type) {
			mem_free(d->name);
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		}
		memcpy(d->type, im->dm_type, d->n * sizeof(int));
	}
	*idx = im->n_devs++;
	return LARCH_OK;
}

/* Where the last node of a path starts: after the last '.' outside
 * back-quotes; 0 if there is none. */
static size_t last_node(const char *p)
{
	size_t dot = 0;
	int quoted = 0;
	for (size_t i = 0; p[i]; i++) {
		if (p[i] == '`')
			quoted = !quoted;
		else if (p[i] == '.' && !quoted)
			dot = i + 1;
	}
	return dot;
}

/* Add series column `col` (path form): its device gets one measurement. */
static int add_series(imp_t *im, char *path, int type, size_t col, larch_error_t *err)
{
	size_t at = last_node(path), idx;
	if (at < 2 || !path[at]) {
		int code = err_set(err, LARCH_ILLEGAL_PATH, "header: '%s' is not a series path",
				   path);
		mem_free(path);
		return code;
	}
	int rc = dev_find(im, path, at - 1, &idx, err);
	if (rc) {
		mem_free(path);
		return rc;
	}
	imp_dev_t *d = &im->devs[idx];
	size_t *cols = mem_realloc((void *)d->col, (d->n + 1) * sizeof(size_t));
	char **meas = cols ? mem_realloc(d->meas, (d->n + 1) * sizeof(char *)) : NULL;
	int *types = meas ? mem_realloc(d->type, (d->n + 1) * sizeof(int)) : NULL;
	if (cols)
		d->col = cols;
	if (meas)
		d->meas = meas;
	if (!types) {
		mem_free(path);
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	}
	d->type = types;
	memmove(path, path + at, strlen(path + at) + 1);
	cols[d->n] = col;
	meas[d->n] = path;
	types[d->n] = type;
	d->n++;
	return LARCH_OK;
}

static int is_word(const csv_cell_t *c, const char *w)
{
	return c->len == strlen(w) && !strcasecmp(c->s, w);
}

static int parse_header(imp_t *im, const csv_cell_t *h, size_t n, larch_error_t *err)
{
	if (n < 2 || !(is_word(&h[0], "Time") || is_word(&h[0], "Timestamp")))
		return err_set(err, LARCH_PARSE_ERROR,
			       "header: expected Time,<series>... or Time,Device,<measurement>...");
	im->n_cols = n;
	im->device_form = is_word(&h[1], "Device");
	if (im->device_form) {
		im->dm_n = n - 2;
		im->dm_col = mem_calloc(n, sizeof(size_t));
		im->dm_meas = mem_calloc(n, sizeof(char *));
		im->dm_type = mem_calloc(n, sizeof(int));
		if (!im->dm_col || !im->dm_meas || !im->dm_type)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
	}
	for (size_t i = im->device_form ? 2 : 1; i < n; i++) {
		char *name;
		int type;
		int rc = split_type(&h[i], &name, &type, err);
		if (rc)
			return rc;
		if (im->device_form) {
			size_t j = i - 2;
			im->dm_col[j] = i;
			im->dm_meas[j] = name;
			im->dm_type[j] = type;
		} else if ((rc = add_series(im, name, type, i, err))) {
			return rc;
		}
	}
	return LARCH_OK;
}

static void imp_free(imp_t *im)
{
	for (size_t i = 0; i < im->n_devs; i++) {
		imp_dev_t *d = &im->devs[i];
		mem_free(d->name);
		mem_free(d->type);
		if (!im->device_form) {
			for (size_t j = 0; j < d->n; j++)
				mem_free(d->meas[j]);
			mem_free(d->meas);
			mem_free((void *)d->col);
		}
	}
	for (size_t j = 0; j < im->dm_n; j++)
		mem_free(im->dm_meas[j]);
	mem_free(im->dm_meas);
	mem_free(im->dm_col);
	mem_free(im->dm_type);
	mem_free(im->devs);
	arena_free(im->batch);
	buf_free(&im->rows);
}

/*---------------------------------------------------------------------------
 * Types
 *---------------------------------------------------------------------------*/

/* Take the types of d's existing series from SHOW TIMESERIES d.*. */
static int lookup_types(imp_t *im, imp_dev_t *d, larch_error_t *err)
{
	buf_t sql = BUF_INIT;
	larch_dataset_t *ds = NULL;
	d->looked_up = 1;
	buf_put(&sql, "SHOW TIMESERIES ", 16);
	buf_put(&sql, d->name, strlen(d->name));
	buf_put(&sql, ".*", 3);
	if (!buf_ok(&sql))
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	int rc = larch_session_execute_query(im->c->s, (const char *)sql.data, 0, &ds, err);
	buf_free(&sql);
	if (rc)
		return rc;
	int ci = larch_dataset_column_index(ds, "Timeseries");
	int ct = larch_dataset_column_index(ds, "DataType");
	size_t dl = strlen(d->name);
	while (ci >= 0 && ct >= 0 && (rc = larch_dataset_next(ds, err)) == LARCH_OK) {
		tsfile_bytes_t path = larch_dataset_get_bytes(ds, (size_t)ci);
		tsfile_bytes_t tn = larch_dataset_get_bytes(ds, (size_t)ct);
		char tname[32];
		if (path.len <= dl + 1 || memcmp(path.ptr, d->name, dl) || path.ptr[dl] != '.' ||
		    tn.len >= sizeof tname)
			continue;
		memcpy(tname, tn.ptr, tn.len);
		tname[tn.len] = 0;
		for (size_t j = 0; j < d->n; j++)
			if (d->type[j] < 0 && strlen(d->meas[j]) == path.len - dl - 1 &&
			    !memcmp(d->meas[j], path.ptr + dl + 1, path.len - dl - 1))
				d->type[j] = tsfile_type_parse(tname);
	}
	larch_dataset_close(ds, NULL);
	return rc == LARCH_DONE || rc == LARCH_OK ? LARCH_OK : rc;
}

/* 1 if the cell is null for a column of type t (-1: not known yet). */
static int cell_is_null(const imp_row_t *r, size_t col, int t)
{
	if (col >= r->n)
		return 1;
	const csv_cell_t *c = &r->cells[col];
	if (c->quoted)
		return 0;
	if (c->len == 0)
		return 1;
	return t != TSFILE_TEXT && t != TSFILE_STRING && is_word(c, "null");
}

/* Infer the type of d's measurement j from the batch (see the top). */
static void infer_type(imp_t *im, imp_dev_t *d, size_t di, size_t j)
{
	const imp_row_t *rows = (const imp_row_t *)im->rows.data;
	size_t n = im->rows.len / sizeof(imp_row_t);
	int all_bool = 1, all_num = 1, any = 0;
	larch_error_t ignore;
	for (size_t r = 0; r < n && (all_bool || all_num); r++) {
		if ((im->device_form && rows[r].dev != di) || cell_is_null(&rows[r], d->col[j], -1))
			continue;
		const csv_cell_t *c = &rows[r].cells[d->col[j]];
		tsfile_value_t v;
		any = 1;
		all_bool = all_bool && (is_word(c, "true") || is_word(c, "false"));
		all_num = all_num && cli_parse_value(&im->c->fmt, TSFILE_DOUBLE, c->s, c->len, NULL,
						     &v, &ignore) == LARCH_OK;
	}
	if (any)
		d->type[j] = all_bool ? TSFILE_BOOLEAN : all_num ? TSFILE_DOUBLE : TSFILE_TEXT;
}

/*---------------------------------------------------------------------------
 * Batches
 *---------------------------------------------------------------------------*/

/* Fill column k of tablet rows sel[0..m) of device d, measurement j. */
static int fill_column(imp_t *im, const imp_dev_t *d, size_t j, const size_t *sel, size_t m,
		       tsfile_column_t *col, larch_error_t *err)
{
	const imp_row_t *rows = (const imp_row_t *)im->rows.data;
	tsfile_type_t t = (tsfile_type_t)d->type[j];
	size_t es = tsfile_type_size(t);
	uint8_t *vals = arena_calloc(im->batch, m ? m : 1, es);
	uint8_t *nulls = arena_calloc(im->batch, m ? m : 1, 1);
	if (!vals || !nulls)
		return err_set(err, LARCH_NO_MEMORY, "out of memory importing CSV");
	col->name = d->meas[j];
	col->type = t;
	col->values = vals;
	col->is_null = nulls;
	for (size_t r = 0; r < m; r++) {
		const imp_row_t *row = &rows[sel[r]];
		size_t ci = d->col[j];
		if (cell_is_null(row, ci, t)) {
			nulls[r] = 1;
			continue;
		}
		tsfile_value_t v;
		const csv_cell_t *c = &row->cells[ci];
		int rc = cli_parse_value(&im->c->fmt, t, c->s, c->len, im->batch, &v, err);
		if (rc) {
			err_prefix(err, "line %zu, column %zu (%s.%s)", row->line, ci + 1, d->name,
				   d->meas[j]);
			return rc;
		}
		uint8_t *dst = vals + r * es;
		switch (t) {
		case TSFILE_BOOLEAN: *dst = (uint8_t)v.v.b; break;
		case TSFILE_INT32:
		case TSFILE_DATE: memcpy(dst, &v.v.i32, 4); break;
		case TSFILE_INT64:
		case TSFILE_TIMESTAMP: memcpy(dst, &v.v.i64, 8); break;
		case TSFILE_FLOAT: memcpy(dst, &v.v.f, 4); break;
		case TSFILE_DOUBLE: memcpy(dst, &v.v.d, 8); break;
		default: memcpy(dst, &v.v.bytes, sizeof v.v.bytes); break;
		}
	}
	return LARCH_OK;
}

/* The tablet of device di in the batch: rows of that device with a
 * non-null value in a typed column; *out->n_rows 0 when there are none. */
static int build_tablet(imp_t *im, size_t di, tsfile_tablet_t *out, larch_error_t *err)
{
	imp_dev_t *d = &im->devs[di];
	const imp_row_t *rows = (const imp_row_t *)im->rows.data;
	size_t n = im->rows.len / sizeof(imp_row_t), m = 0, k = 0;
	size_t *sel = arena_alloc(im->batch, (n ? n : 1) * sizeof(size_t));
	int64_t *times = arena_alloc(im->batch, (n ? n : 1) * sizeof(int64_t));
	tsfile_column_t *cols = arena_calloc(im->batch, d->n ? d->n : 1, sizeof *cols);
	if (!sel || !times || !cols)
		return err_set(err, LARCH_NO_MEMORY, "out of memory importing CSV");
	for (size_t r = 0; r < n; r++) {
		if (im->device_form && rows[r].dev != di)
			continue;
		for (size_t j = 0; j < d->n; j++)
			if (d->type[j] >= 0 && !cell_is_null(&rows[r], d->col[j], d->type[j])) {
				times[m] = rows[r].time;
				sel[m++] = r;
				break;
			}
	}
	for (size_t j = 0; j < d->n && m; j++) {
		if (d->type[j] < 0)
			continue;
		int rc = fill_column(im, d, j, sel, m, &cols[k++], err);
		if (rc)
			return rc;
	}
	out->target = d->name;
	out->n_rows = m;
	out->times = times;
	out->n_columns = k;
	out->columns = cols;
	return LARCH_OK;
}

/* Resolve types, build every device's tablet, send them in one request. */
static int send_batch(imp_t *im, larch_error_t *err)
{
	size_t n_rows = im->rows.len / sizeof(imp_row_t);
	if (n_rows == 0)
		return LARCH_OK;
	tsfile_tablet_t *tabs = arena_calloc(im->batch, im->n_devs, sizeof *tabs);
	size_t n_tabs = 0;
	if (!tabs)
		return err_set(err, LARCH_NO_MEMORY, "out of memory importing CSV");
	for (size_t i = 0; i < im->n_devs; i++) {
		imp_dev_t *d = &im->devs[i];
		int unknown = 0, rc;
		for (size_t j = 0; j < d->n; j++)
			unknown |= d->type[j] < 0;
		if (unknown && !d->looked_up && (rc = lookup_types(im, d, err)))
			return rc;
		for (size_t j = 0; j < d->n; j++)
			if (d->type[j] < 0)
				infer_type(im, d, i, j);
		if ((rc = build_tablet(im, i, &tabs[n_tabs], err)))
			return rc;
		if (tabs[n_tabs].n_rows && tabs[n_tabs].n_columns)
			n_tabs++;
	}
	if (n_tabs == 0)
		return LARCH_OK;
	const imp_row_t *rows = (const imp_row_t *)im->rows.data;
	int rc = larch_session_insert_tablets(im->c->s, tabs, n_tabs, im->c->import_aligned, err);
	if (rc)
		err_prefix(err, "lines %zu-%zu", rows[0].line, rows[n_rows - 1].line);
	return rc;
}

/* Keep record `cells` (line `line`) in the batch: its time and device. */
static int add_row(imp_t *im, const csv_cell_t *cells, size_t n, size_t line,
		   larch_error_t *err)
{
	imp_row_t r = {cells, n, line, 0, 0};
	if (n > im->n_cols)
		return err_set(err, LARCH_PARSE_ERROR, "line %zu: %zu cells, the header has %zu",
			       line, n, im->n_cols);
	int rc = cli_parse_time(&im->c->fmt, cells[0].s, cells[0].len, &r.time, err);
	if (rc) {
		err_prefix(err, "line %zu, Time", line);
		return rc;
	}
	if (im->device_form) {
		if (n < 2 || cells[1].len == 0)
			return err_set(err, LARCH_PARSE_ERROR, "line %zu: no Device", line);
		if ((rc = dev_find(im, cells[1].s, cells[1].len, &r.dev, err)))
			return rc;
	}
	buf_put(&im->rows, &r, sizeof r);
	return buf_ok(&im->rows) ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory");
}

int cli_import_csv(cli_t *c, const char *path, size_t *rows, larch_error_t *err)
{
	imp_t im;
	csvr_t rd;
	const csv_cell_t *cells;
	size_t n;
	*rows = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(err, LARCH_STORAGE_ERROR, "cannot read %s: %s", path, strerror(errno));
	memset(&im, 0, sizeof im);
	im.c = c;
	csvr_init(&rd, f);
	int rc = LARCH_OK;
	if (!(im.batch = arena_new(0))) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory");
		goto out;
	}
	rc = csvr_next(&rd, im.batch, &cells, &n, err);
	if (rc == LARCH_DONE)
		rc = err_set(err, LARCH_PARSE_ERROR, "%s is empty (no header)", path);
	if (rc || (rc = parse_header(&im, cells, n, err)))
		goto out;
	arena_reset(im.batch);
	for (;;) {
		rc = csvr_next(&rd, im.batch, &cells, &n, err);
		if (rc == LARCH_OK)
			rc = add_row(&im, cells, n, rd.record_line, err);
		if (rc && rc != LARCH_DONE)
			break;
		size_t in_batch = im.rows.len / sizeof(imp_row_t);
		if (rc == LARCH_DONE || in_batch >= c->import_batch || cli_interrupted) {
			int src = send_batch(&im, err);
			if (src) {
				rc = src;
				break;
			}
			*rows += in_batch;
			buf_reset(&im.rows);
			arena_reset(im.batch);
			if (rc == LARCH_DONE) {
				rc = LARCH_OK;
				break;
			}
			if (cli_interrupted) {
				rc = err_set(err, LARCH_EXECUTE_ERROR,
					     "interrupted after %zu rows", *rows);
				break;
			}
		}
	}
out:
	if (rc)
		err_prefix(err, "%s", path);
	csvr_free(&rd);
	imp_free(&im);
	fclose(f);
	return rc;
}
