/*
 * exec.c — running SQL from the shell: the session (connect, reconnect
 * with new options), results printed page by page as bordered tables
 * (IoTDB's CLI: at most max_display rows per table, "Total line number =
 * N" or "Empty set.", then "It costs X.XXXs"), and results written as CSV.
 * Rows stream from the client's data set (fetch_size rows per round trip);
 * no more than one page is held in memory.
 */
#include <time.h>

#include "cli/cli.h"
#include "tools/common/csv.h"

volatile sig_atomic_t cli_interrupted;

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static time_precision_t precision_of(const char *p)
{
	return p && !strcmp(p, "ns") ? TIME_NS : p && !strcmp(p, "us") ? TIME_US : TIME_MS;
}

/* Open the display zone for the session's zone name. */
static int cli_take_zone(cli_t *c, larch_error_t *err)
{
	const char *name = larch_session_time_zone(c->s);
	time_zone_t *tz;
	int rc = time_zone_open(name, &tz, err);
	if (rc)
		return rc;
	time_zone_free(c->tz);
	c->tz = tz;
	c->fmt.tz = tz;
	snprintf(c->zone, sizeof c->zone, "%s", name);
	c->opt.time_zone = c->zone;
	return LARCH_OK;
}

int cli_connect(cli_t *c, larch_error_t *err)
{
	int rc = larch_session_open(&c->opt, &c->s, err);
	if (rc)
		return rc;
	c->fmt.prec = precision_of(larch_session_time_precision(c->s));
	rc = cli_take_zone(c, err);
	if (rc)
		cli_disconnect(c);
	return rc;
}

void cli_disconnect(cli_t *c)
{
	larch_session_close(c->s, NULL);
	c->s = NULL;
	time_zone_free(c->tz);
	c->tz = NULL;
	c->fmt.tz = NULL;
}

/*---------------------------------------------------------------------------
 * Results as tables
 *---------------------------------------------------------------------------*/

/* The cells of the current row: the time (if any) then every column. */
static void row_cells(cli_t *c, larch_dataset_t *ds, int has_time, cli_table_t *t)
{
	size_t n = larch_dataset_column_count(ds);
	if (has_time) {
		cli_format_time(&c->fmt, larch_dataset_time(ds), cli_table_begin_cell(t));
		cli_table_end_cell(t);
	}
	for (size_t i = 0; i < n; i++) {
		tsfile_value_t v;
		larch_dataset_get_value(ds, i, &v);
		buf_t *b = cli_table_begin_cell(t);
		if (v.is_null)
			buf_put(b, "null", 4);
		else
			cli_format_value(&c->fmt, &v, b);
		cli_table_end_cell(t);
	}
}

/* Header cells: "Time" (if the rows carry one) and the column names. */
static int table_open(larch_dataset_t *ds, int has_time, cli_table_t *t, larch_error_t *err)
{
	size_t n = larch_dataset_column_count(ds);
	int rc = cli_table_init(t, n + (has_time ? 1 : 0), err);
	if (rc)
		return rc;
	if (has_time)
		cli_table_cell(t, "Time", 4);
	for (size_t i = 0; i < n; i++) {
		const char *name = larch_dataset_column_name(ds, i);
		cli_table_cell(t, name, strlen(name));
	}
	return LARCH_OK;
}

/* Print ds page by page.  Between pages c->more (when set) asks whether to
 * go on; the time spent asking is added to *waited.  *rows counts the rows
 * printed; *complete is 1 when the end was reached. */
static int print_dataset(cli_t *c, larch_dataset_t *ds, size_t *rows, int *complete,
			 double *waited, larch_error_t *err)
{
	int has_time = larch_dataset_has_time(ds);
	cli_table_t t;
	int rc = table_open(ds, has_time, &t, err);
	if (rc)
		return rc;
	*complete = 0;
	rc = larch_dataset_next(ds, err);
	int printed_once = 0;
	while (rc == LARCH_OK || !printed_once) {
		if (rc == LARCH_OK) {
			row_cells(c, ds, has_time, &t);
			rc = larch_dataset_next(ds, err);
		}
		if (rc == LARCH_OK && t.n_rows < (size_t)c->max_display && !cli_interrupted)
			continue;
		int prc = cli_table_print(&t, c->out, err);
		if (prc) {
			rc = prc;
			break;
		}
		printed_once = 1;
		*rows += t.n_rows;
		cli_table_clear_rows(&t);
		if (cli_interrupted && (rc == LARCH_OK || rc == LARCH_DONE)) {
			fprintf(c->out, "Interrupted.\n");
			rc = LARCH_OK; /* not complete */
			break;
		}
		if (rc != LARCH_OK)
			break;
		if (c->more) {
			double t0 = cli_now();
			int go = c->more(c);
			*waited += cli_now() - t0;
			if (!go)
				break;
		}
	}
	cli_table_free(&t);
	if (rc == LARCH_DONE) {
		*complete = 1;
		rc = LARCH_OK;
	}
	return rc;
}

/*---------------------------------------------------------------------------
 * Results as CSV
 *---------------------------------------------------------------------------*/

/* One CSV cell: quoted when it must be (RFC 4180), and "" for an empty
 * string so that it reads back as a string, not as null. */
static void csv_cell(FILE *f, const buf_t *b)
{
	if (b->len == 0)
		fputs("\"\"", f);
	else
		csv_write_cell(f, (const char *)b->data, b->len);
}

/* Header "Time,name[(TYPE)],..." and every row of ds as CSV into f. */
static int write_csv(cli_t *c, larch_dataset_t *ds, FILE *f, size_t *rows, larch_error_t *err)
{
	size_t n = larch_dataset_column_count(ds);
	int has_time = larch_dataset_has_time(ds);
	buf_t cell = BUF_INIT;
	if (has_time)
		fputs("Time", f);
	for (size_t i = 0; i < n; i++) {
		buf_reset(&cell);
		const char *name = larch_dataset_column_name(ds, i);
		buf_put(&cell, name, strlen(name));
		if (c->csv_types) {
			const char *tn = tsfile_type_name(larch_dataset_column_type(ds, i));
			buf_put_u8(&cell, '(');
			buf_put(&cell, tn, strlen(tn));
			buf_put_u8(&cell, ')');
		}
		if (has_time || i)
			fputc(',', f);
		csv_cell(f, &cell);
	}
	fputc('\n', f);
	int rc;
	while ((rc = larch_dataset_next(ds, err)) == LARCH_OK && !cli_interrupted) {
		if (has_time) {
			buf_reset(&cell);
			cli_format_time(&c->fmt, larch_dataset_time(ds), &cell);
			csv_cell(f, &cell);
		}
		for (size_t i = 0; i < n; i++) {
			tsfile_value_t v;
			larch_dataset_get_value(ds, i, &v);
			if (has_time || i)
				fputc(',', f);
			if (v.is_null)
				continue; /* an unquoted empty cell is null */
			buf_reset(&cell);
			cli_format_value(&c->fmt, &v, &cell);
			csv_cell(f, &cell);
		}
		fputc('\n', f);
		(*rows)++;
	}
	if (!buf_ok(&cell))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing CSV");
	buf_free(&cell);
	if (rc == LARCH_OK && cli_interrupted)
		rc = err_set(err, LARCH_EXECUTE_ERROR, "interrupted after %zu rows", *rows);
	if (rc == LARCH_DONE)
		rc = LARCH_OK;
	if (rc == LARCH_OK && (fflush(f) || ferror(f)))
		rc = err_set(err, LARCH_STORAGE_ERROR, "writing CSV failed");
	return rc;
}

int cli_export_csv(cli_t *c, const char *sql, FILE *f, size_t *rows, larch_error_t *err)
{
	larch_dataset_t *ds = NULL;
	*rows = 0;
	int rc = larch_session_execute_query(c->s, sql, 0, &ds, err);
	if (rc)
		return rc;
	rc = write_csv(c, ds, f, rows, err);
	larch_dataset_close(ds, NULL);
	return rc;
}

/*---------------------------------------------------------------------------
 * Statements
 *---------------------------------------------------------------------------*/

int cli_exec_sql(cli_t *c, const char *sql, larch_error_t *err)
{
	double t0 = cli_now(), waited = 0;
	larch_dataset_t *ds = NULL;
	int rc = larch_session_execute(c->s, sql, &ds, err);
	if (rc)
		return rc;
	if (!ds || larch_dataset_column_count(ds) + (size_t)larch_dataset_has_time(ds) == 0) {
		larch_dataset_close(ds, NULL);
		fprintf(c->out, "Msg: The statement is executed successfully.\n");
		return LARCH_OK;
	}
	size_t rows = 0;
	int complete = 1;
	if (c->csv)
		rc = write_csv(c, ds, c->csv, &rows, err);
	else
		rc = print_dataset(c, ds, &rows, &complete, &waited, err);
	larch_dataset_close(ds, NULL);
	if (rc)
		return rc;
	if (complete) {
		if (rows)
			fprintf(c->out, "Total line number = %zu\n", rows);
		else
			fprintf(c->out, "Empty set.\n");
	}
	fprintf(c->out, "It costs %.3fs\n", cli_now() - t0 - waited);
	return LARCH_OK;
}
