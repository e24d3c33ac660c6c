/*
 * commands.c — what the shell does with one statement: the client
 * commands IoTDB's CLI has (quit/exit, help, set/show time_display_type,
 * time_zone, fetch_size, max_display_num, import FILE) plus export/import
 * of CSV, and everything else as SQL (exec.c).  Errors print as IoTDB's CLI
 * prints them: "Msg: <code>: <message>".
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "cli/cli.h"

void cli_help(FILE *f)
{
	fputs("    <your-sql>;                      execute your SQL statement (ends at ';')\n"
	      "    show timeseries;                 list the time series\n"
	      "    set time_display_type=xxx        long (or number), default (or iso8601)\n"
	      "    show time_display_type           show the time display type\n"
	      "    set time_zone=xxx                e.g. +08:00, Asia/Shanghai\n"
	      "    show time_zone                   show the session's time zone\n"
	      "    set fetch_size=xxx               rows per fetch from the server\n"
	      "    show fetch_size                  show the fetch size\n"
	      "    set max_display_num=xxx          rows per printed table page\n"
	      "    show max_display_num             show the rows per page\n"
	      "    export csv FILE <query>;         write a query's result to FILE as CSV\n"
	      "    import csv FILE                  insert the rows of a CSV file (also: import FILE)\n"
	      "    help                             this text\n"
	      "    quit / exit                      leave (Ctrl-D too)\n",
	      f);
}

/* Case-insensitive prefix test on a statement; returns the text after the
 * prefix (white space skipped) or NULL. */
static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncasecmp(s, prefix, n))
		return NULL;
	s += n;
	if (*s && !isspace((unsigned char)*s) && *s != '=')
		return NULL; /* "show time_zones" is not "show time_zone" */
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* The value of "set x = value": the text after '=', trimmed; NULL if
 * there is no '=' or nothing after it. */
static char *set_value(const char *rest, char *buf, size_t n)
{
	if (*rest != '=')
		return NULL;
	rest++;
	while (isspace((unsigned char)*rest))
		rest++;
	size_t len = strlen(rest);
	while (len && (isspace((unsigned char)rest[len - 1]) || rest[len - 1] == ';'))
		len--;
	if (len == 0 || len >= n)
		return NULL;
	memcpy(buf, rest, len);
	buf[len] = 0;
	return buf;
}

/* A positive int from text (whole), else -1. */
static long parse_count(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || *end || v <= 0 || v > INT32_MAX ? -1 : v;
}

static int cmd_set_time_display(cli_t *c, const char *rest, larch_error_t *err)
{
	char v[32];
	if (!set_value(rest, v, sizeof v))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "Time display format error, please input like "
			       "set time_display_type=long");
	if (!strcasecmp(v, "long") || !strcasecmp(v, "number"))
		c->fmt.time_long = 1;
	else if (!strcasecmp(v, "default") || !strcasecmp(v, "iso8601"))
		c->fmt.time_long = 0;
	else
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "time display format error, '%s' is not long, number, default "
			       "or iso8601", v);
	fprintf(c->out, "Time display type has set to %s\n", v);
	return LARCH_OK;
}

static int cmd_set_time_zone(cli_t *c, const char *rest, larch_error_t *err)
{
	char v[64];
	time_zone_t *tz;
	if (!set_value(rest, v, sizeof v))
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "Time zone format error, please input like set time_zone=+08:00");
	int rc = time_zone_open(v, &tz, err); /* refuse what we cannot display */
	if (rc)
		return rc;
	rc = larch_session_set_time_zone(c->s, v, err);
	if (rc) {
		time_zone_free(tz);
		return rc;
	}
	snprintf(c->zone, sizeof c->zone, "%s", v);
	time_zone_free(c->tz);
	c->tz = tz;
	c->fmt.tz = tz;
	fprintf(c->out, "Time zone has set to %s\n", v);
	return LARCH_OK;
}

/* Reopen the session with changed options (the client fixes the fetch
 * size when a session opens); the zone in use is kept. */
static int reconnect(cli_t *c, larch_error_t *err)
{
	cli_disconnect(c);
	return cli_connect(c, err);
}

static int cmd_set_count(cli_t *c, const char *rest, int is_fetch, larch_error_t *err)
{
	char v[32];
	long n = set_value(rest, v, sizeof v) ? parse_count(v) : -1;
	const char *what = is_fetch ? "Fetch size" : "Max display number";
	if (n < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "%s format error, please input like set %s=10000", what,
			       is_fetch ? "fetch_size" : "max_display_num");
	if (is_fetch) {
		c->opt.fetch_size = (int)n;
		int rc = reconnect(c, err);
		if (rc)
			return rc;
	} else {
		c->max_display = (int)n;
	}
	fprintf(c->out, "%s has set to %ld\n", what, n);
	return LARCH_OK;
}

/* A file name argument: '...' / "..." or up to white space.  Returns the
 * text after it; *name is NUL-terminated in buf.  NULL if missing. */
static const char *take_file(const char *s, char *buf, size_t n)
{
	size_t len = 0;
	const char *end;
	if (*s == '\'' || *s == '"') {
		end = strchr(s + 1, *s);
		if (!end)
			return NULL;
		len = (size_t)(end - s - 1);
		s++;
		end++;
	} else {
		end = s;
		while (*end && !isspace((unsigned char)*end) && *end != ';')
			end++;
		len = (size_t)(end - s);
	}
	if (len == 0 || len >= n)
		return NULL;
	memcpy(buf, s, len);
	buf[len] = 0;
	while (isspace((unsigned char)*end))
		end++;
	return end;
}

static int cmd_export(cli_t *c, const char *rest, larch_error_t *err)
{
	char path[4096];
	const char *sql = take_file(rest, path, sizeof path);
	if (!sql || !*sql)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "please input like: export csv FILE select ...");
	FILE *f = fopen(path, "w");
	if (!f)
		return err_set(err, LARCH_STORAGE_ERROR, "cannot write %s: %s", path,
			       strerror(errno));
	double t0 = cli_now();
	size_t rows = 0;
	int rc = cli_export_csv(c, sql, f, &rows, err);
	if (fclose(f) && !rc)
		rc = err_set(err, LARCH_STORAGE_ERROR, "cannot write %s: %s", path, strerror(errno));
	if (rc)
		return rc;
	fprintf(c->out, "Exported %zu rows to %s\nIt costs %.3fs\n", rows, path, cli_now() - t0);
	return LARCH_OK;
}

static int cmd_import(cli_t *c, const char *rest, larch_error_t *err)
{
	char path[4096];
	const char *tail = take_file(rest, path, sizeof path);
	if (!tail || *tail)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "please input like: import csv FILE");
	double t0 = cli_now();
	size_t rows = 0;
	int rc = cli_import_csv(c, path, &rows, err);
	if (rc)
		return rc;
	fprintf(c->out, "Imported %zu rows from %s\nIt costs %.3fs\n", rows, path,
		cli_now() - t0);
	return LARCH_OK;
}

/* The client commands: prefix, and what runs them (NULL: quit). */
typedef int (*cmd_fn)(cli_t *c, const char *rest, larch_error_t *err);

static int cmd_help(cli_t *c, const char *rest, larch_error_t *err)
{
	cli_help(c->out);
	return LARCH_OK;
}
static int cmd_show_time_display(cli_t *c, const char *rest, larch_error_t *err)
{
	fprintf(c->out, "Current time format: %s\n", c->fmt.time_long ? "long" : "default");
	return LARCH_OK;
}
static int cmd_show_time_zone(cli_t *c, const char *rest, larch_error_t *err)
{
	fprintf(c->out, "Current time zone: %s\n", larch_session_time_zone(c->s));
	return LARCH_OK;
}
static int cmd_show_fetch_size(cli_t *c, const char *rest, larch_error_t *err)
{
	fprintf(c->out, "Current fetch size: %d\n", c->opt.fetch_size);
	return LARCH_OK;
}
static int cmd_show_max_display(cli_t *c, const char *rest, larch_error_t *err)
{
	fprintf(c->out, "Current max display number: %d\n", c->max_display);
	return LARCH_OK;
}
static int cmd_set_fetch(cli_t *c, const char *rest, larch_error_t *err)
{
	return cmd_set_count(c, rest, 1, err);
}
static int cmd_set_max_display(cli_t *c, const char *rest, larch_error_t *err)
{
	return cmd_set_count(c, rest, 0, err);
}

static const struct {
	const char *prefix;
	cmd_fn fn;
	int whole;  /* the command takes no argument */
} commands[] = {
	{"quit", NULL, 1},
	{"exit", NULL, 1},
	{"help", cmd_help, 1},
	{"set time_display_type", cmd_set_time_display, 0},
	{"show time_display_type", cmd_show_time_display, 1},
	{"set time_zone", cmd_set_time_zone, 0},
	{"show time_zone", cmd_show_time_zone, 1},
	{"set fetch_size", cmd_set_fetch, 0},
	{"show fetch_size", cmd_show_fetch_size, 1},
	{"set max_display_num", cmd_set_max_display, 0},
	{"show max_display_num", cmd_show_max_display, 1},
	{"export csv", cmd_export, 0},
	{"import csv", cmd_import, 0},
	{"import", cmd_import, 0},
};

/* The command `stmt` starts with, or -1; *rest = its argument text. */
static int find_command(const char *stmt, const char **rest)
{
	for (size_t i = 0; i < LR_ARRAY_LEN(commands); i++) {
		const char *r = after_prefix(stmt, commands[i].prefix);
		if (!r)
			continue;
		if (commands[i].whole && *r && strcmp(r, ";"))
			continue;
		*rest = r;
		return (int)i;
	}
	return -1;
}

int cli_is_command(const char *line)
{
	const char *rest;
	while (isspace((unsigned char)*line))
		line++;
	int i = find_command(line, &rest);
	/* export takes a query that may span lines: it ends at ';' like SQL */
	return i >= 0 && commands[i].fn != cmd_export;
}

int cli_run(void *arg, const char *stmt)
{
	cli_t *c = arg;
	larch_error_t err = {0};
	const char *rest;
	int rc;
	cli_interrupted = 0;
	int i = find_command(stmt, &rest);
	if (i >= 0 && !commands[i].fn)
		return CLI_STOP;
	if (i >= 0)
		rc = commands[i].fn(c, rest, &err);
	else
		rc = cli_exec_sql(c, stmt, &err);
	if (rc) {
		c->failures++;
		fflush(c->out);
		fprintf(c->out, "Msg: %d: %s\n", err.code, err.msg);
	}
	fflush(c->out);
	return CLI_NEXT;
}
