/*
 * cli.h — internals of `larch`, the command-line shell (src/cli): the shell
 * state, the statement splitter, value and time text forms, the bordered
 * result table, statement execution with paging, client commands (set/show,
 * help, export/import) and CSV export/import.  Only the files of src/cli and the
 * shell's unit tests include this.
 */
#ifndef LARCH_CLI_H
#define LARCH_CLI_H

#include <signal.h>
#include <stdio.h>

#include "base/base.h"
#include "larch/client.h"

/*---------------------------------------------------------------------------
 * Statement splitter (split.c)
 *
 * Collects input text and cuts it into statements at ';' outside quotes
 * ('...', "..." and `...`; a doubled quote inside stays inside).  The ';'
 * is not part of the statement; statements are trimmed of white space and
 * blank ones are dropped.  Quotes may span lines.
 *---------------------------------------------------------------------------*/

typedef struct cli_split {
	buf_t pending; /* text of the statement being collected */
	char quote;    /* the open quote character, 0 outside quotes */
} cli_split_t;

#define CLI_SPLIT_INIT {BUF_INIT, 0}

/* What a statement handler tells the splitter. */
enum { CLI_NEXT = 0, CLI_STOP = 1 };

/* Handles one complete statement (NUL-terminated, trimmed). */
typedef int (*cli_stmt_fn)(void *arg, const char *stmt);

/* Append text[0..n) and call fn for every statement it completes, in
 * order.  Returns CLI_STOP as soon as fn does (the rest of the text is
 * dropped), else CLI_NEXT.  On out of memory the pending text is dropped
 * and LARCH_NO_MEMORY returned. */
int cli_split_feed(cli_split_t *sp, const char *text, size_t n, cli_stmt_fn fn, void *arg);
/* End of input: the pending text, if not blank, is the last statement. */
int cli_split_finish(cli_split_t *sp, cli_stmt_fn fn, void *arg);
/* 1 if non-blank text (or an open quote) waits for its ';'. */
int cli_split_pending(const cli_split_t *sp);
/* Drop the pending text (Ctrl-C at the prompt). */
void cli_split_reset(cli_split_t *sp);
void cli_split_free(cli_split_t *sp);

/*---------------------------------------------------------------------------
 * Text forms of values (format.c)
 *---------------------------------------------------------------------------*/

typedef struct cli_fmt {
	int time_long;           /* 1: times as numbers, 0: ISO 8601 in tz */
	const time_zone_t *tz;
	time_precision_t prec;
} cli_fmt_t;

/* Append the display text of time t: ISO 8601 with the zone's offset
 * (2017-11-01T00:00:00.000+08:00, digits per precision) or the number. */
void cli_format_time(const cli_fmt_t *f, int64_t t, buf_t *out);
/* Append the text of a non-null value as IoTDB's clients print it:
 * BOOLEAN true/false, integers in decimal, FLOAT/DOUBLE as Java's
 * Float/Double.toString (1.0, 1.0E-5, NaN), TEXT/STRING raw, BLOB as 0x +
 * lower-case hex, DATE yyyy-MM-dd, TIMESTAMP as a time. */
void cli_format_value(const cli_fmt_t *f, const tsfile_value_t *v, buf_t *out);
/* Columns of a display width: code points, East Asian wide ones count 2. */
size_t cli_text_width(const char *s, size_t n);

/* Parse `s` as a value of type t (the inverse of cli_format_value; also
 * plain numbers for TIMESTAMP, 1/0 for BOOLEAN).  Text types point into s;
 * BLOB hex is decoded into arena a.  Errors: LARCH_PARSE_ERROR naming the
 * text and type. */
int cli_parse_value(const cli_fmt_t *f, tsfile_type_t t, const char *s, size_t n, arena_t *a,
		    tsfile_value_t *out, larch_error_t *err);
/* A time cell: an integer (raw time) or a datetime literal in f->tz. */
int cli_parse_time(const cli_fmt_t *f, const char *s, size_t n, int64_t *out,
		   larch_error_t *err);

/*---------------------------------------------------------------------------
 * Bordered result table (table.c)
 *
 * Collects the header and up to a page of rows, then prints them as IoTDB's
 * CLI does: +---+ lines around the header and the rows, cells right-aligned
 * to the widest text of their column.
 *---------------------------------------------------------------------------*/

typedef struct cli_table {
	size_t n_cols;
	size_t n_rows;    /* body rows collected (the header is row "-1") */
	size_t header_end; /* cells of the header: offs[0 .. n_cols] */
	buf_t text;       /* every cell's bytes, back to back */
	buf_t offs;       /* size_t: cell i is text[offs[i] .. offs[i+1]) */
	size_t *width;    /* n_cols display widths */
} cli_table_t;

/* Start a table of n_cols columns (header cells follow as the first row). */
int cli_table_init(cli_table_t *t, size_t n_cols, larch_error_t *err);
/* Append the next cell (row-major, header first). */
void cli_table_cell(cli_table_t *t, const char *s, size_t n);
/* Text buffer the next cell is formatted into; close it with
 * cli_table_end_cell.  (Avoids a copy for formatted values.) */
buf_t *cli_table_begin_cell(cli_table_t *t);
void cli_table_end_cell(cli_table_t *t);
/* Print border, header, border, rows, border to f (the rows stop early
 * once cli_interrupted is set); LARCH_NO_MEMORY if a cell could not be
 * stored. */
int cli_table_print(const cli_table_t *t, FILE *f, larch_error_t *err);
/* Forget the body rows, keep the header (for the next page). */
void cli_table_clear_rows(cli_table_t *t);
void cli_table_free(cli_table_t *t);

/*---------------------------------------------------------------------------
 * The shell (exec.c, commands.c)
 *---------------------------------------------------------------------------*/

typedef struct cli cli_t;

/* Asks the user whether to show the next page: 1 yes, 0 no. */
typedef int (*cli_more_fn)(cli_t *c);

struct cli {
	larch_client_options_t opt; /* how to (re)open the session */
	larch_session_t *s;
	char zone[64];              /* the session's zone name */
	time_zone_t *tz;            /* ... opened for display */
	cli_fmt_t fmt;
	int max_display;            /* rows per printed table page (1000) */
	cli_more_fn more;           /* NULL: print every page without asking */
	void *more_arg;             /* the prompt's state, for `more` */
	FILE *out;                  /* where results go (stdout) */
	FILE *csv;                  /* -o: query results go here as CSV, NULL: tables */
	int csv_types;              /* CSV header carries (TYPE) after each path */
	int import_aligned;         /* import CSV as aligned tablets */
	size_t import_batch;        /* rows per import request */
	unsigned failures;          /* statements that failed */
};

/* Set after SIGINT; long loops (result rows, import) poll and clear it. */
extern volatile sig_atomic_t cli_interrupted;

/* Open the session from c->opt, take its zone and precision for display.
 * Errors: the client's (connection, 801 login). */
int cli_connect(cli_t *c, larch_error_t *err);
void cli_disconnect(cli_t *c);

/* Run one statement: a client command (see cli_help) or SQL.  Prints the
 * result or "Msg: <code>: <message>"; counts failures in c->failures.
 * Returns CLI_STOP for quit/exit, else CLI_NEXT.  Signature fits
 * cli_stmt_fn. */
int cli_run(void *c, const char *stmt);

/* 1 if `line` (trimmed, an optional trailing ';' ignored) is a client
 * command that needs no ';' (quit, exit, help, set/show ...). */
int cli_is_command(const char *line);

/* Run SQL and print its result as table pages (or CSV into c->csv). */
int cli_exec_sql(cli_t *c, const char *sql, larch_error_t *err);
/* Run a query and write its result as CSV to f (header Time,col...). */
int cli_export_csv(cli_t *c, const char *sql, FILE *f, size_t *rows, larch_error_t *err);
/* Import a CSV file (header Time,path[(TYPE)]... or Time,Device,m[(TYPE)]...)
 * with tablets; *rows counts the data rows read. */
int cli_import_csv(cli_t *c, const char *path, size_t *rows, larch_error_t *err);

/* Input loops (repl.c); each returns the exit status.  cli_repl: the
 * interactive prompt on a terminal (argv0 names the program for
 * ~/.editrc), 0 when the user leaves; cli_run_stream: statements from a
 * pipe or file, and cli_run_text: the -e text, 1 if a statement failed,
 * else 0. */
int cli_repl(cli_t *c, const char *argv0);
int cli_run_stream(cli_t *c, FILE *in);
int cli_run_text(cli_t *c, const char *text);

/* Print the client commands. */
void cli_help(FILE *f);

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
double cli_now(void);

#endif
