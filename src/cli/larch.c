/*
 * larch — the command-line shell of Larch, like IoTDB's CLI (start-cli.sh):
 * connect with -h -p -u -pw, then statements from the prompt (a terminal),
 * from -e, or from a pipe.  This file owns the command line: options,
 * the password prompt, connecting, and choosing the input loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
	fputs("usage: larch [-h HOST] [-p PORT] [-u USER] [-pw PASSWORD] [options]\n"
	      "\n"
	      "Connects to larchd (or Apache IoTDB) and runs IoTDB SQL.  Statements end at\n"
	      "';' and may span lines.  On a terminal: an interactive prompt with line\n"
	      "editing and history (~/.larch_history); otherwise statements are read from\n"
	      "standard input.\n"
	      "\n"
	      "  -h HOST              server host (127.0.0.1)\n"
	      "  -p PORT              server port (6667)\n"
	      "  -u USER              user name (root)\n"
	      "  -pw PASSWORD         password (asked for on a terminal when missing, else root)\n"
	      "  -e \"SQL; SQL...\"     run the statements, print their results, exit;\n"
	      "                       exit status 1 if any failed\n"
	      "  -o FILE              with -e (or stdin): write query results to FILE as CSV\n"
	      "                       (header Time,<column>(TYPE),...) instead of tables\n"
	      "  -i FILE              import a CSV file (as `import csv FILE`), then exit\n"
	      "                       (or go on with -e)\n"
	      "  -tz ZONE, --time-zone ZONE\n"
	      "                       session time zone: +08:00, UTC, Asia/Shanghai (the\n"
	      "                       local zone)\n"
	      "  -disableISO8601, --time-long\n"
	      "                       show times as numbers (`set time_display_type=long`)\n"
	      "  -fetch N, --fetch-size N\n"
	      "                       rows per fetch from the server (1000)\n"
	      "  -maxPRC N, --max-display N\n"
	      "                       rows per printed table; on a terminal ENTER shows the\n"
	      "                       next page, q stops (1000)\n"
	      "  -datatype true|false CSV export writes (TYPE) after each column (true)\n"
	      "  --aligned            CSV import writes aligned tablets\n"
	      "  --batch N            CSV import rows per request (5000)\n"
	      "  -c                   RPC compression (Thrift compact protocol)\n"
	      "  -usessl true -ts CAFILE\n"
	      "                       TLS, verifying the server with the PEM CA file\n"
	      "  --help               this text\n"
	      "\n"
	      "Client commands (no ';' needed on their own line):\n",
	      f);
	cli_help(f);
	fputs("\n"
	      "CSV: an unquoted empty cell is null, \"\" an empty string; quoting per RFC 4180.\n"
	      "Import headers: Time,root.sg.d1.s1[(TYPE)],... or Time,Device,s1[(TYPE)],...\n"
	      "Exit status: 0 ok, 1 a statement or the connection failed, 2 bad usage.\n",
	      f);
}

typedef struct args {
	const char *execute;  /* -e */
	const char *out_csv;  /* -o */
	const char *import;   /* -i */
	int password_given;
} args_t;

/* A positive count option value, or -1. */
static int count_arg(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || *end || v <= 0 || v > INT32_MAX ? -1 : (int)v;
}

/* 1 if o is an option followed by a value. */
static int takes_value(const char *o)
{
	static const char *const names[] = {
		"-h", "-p", "-u", "-pw", "-e", "-o", "-i", "-tz", "--time-zone", "-fetch",
		"--fetch-size", "-maxPRC", "--max-display", "--batch", "-datatype", "-usessl", "-ts",
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(names); i++)
		if (!strcmp(o, names[i]))
			return 1;
	return 0;
}

/* Parse argv into c->opt / c and a.  Returns 0, or 2 after printing what is
 * wrong (1 for --help, which exits 0). */
static int parse_args(int argc, char **argv, cli_t *c, args_t *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;
		if (!strcmp(o, "--help") || !strcmp(o, "-help")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(o, "-disableISO8601") || !strcmp(o, "--time-long")) {
			c->fmt.time_long = 1;
			takes = 0;
		} else if (!strcmp(o, "-c")) {
			c->opt.rpc_compression = 1;
			takes = 0;
		} else if (!strcmp(o, "--aligned")) {
			c->import_aligned = 1;
			takes = 0;
		} else if (!takes_value(o)) {
			fprintf(stderr, "larch: unknown option '%s' (see --help)\n", o);
			return 2;
		} else if (!v) {
			fprintf(stderr, "larch: %s needs a value (see --help)\n", o);
			return 2;
		} else if (!strcmp(o, "-h")) {
			c->opt.host = v;
		} else if (!strcmp(o, "-p")) {
			if ((c->opt.port = count_arg(v)) < 0 || c->opt.port > 65535) {
				fprintf(stderr, "larch: bad port '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(o, "-u")) {
			c->opt.user = v;
		} else if (!strcmp(o, "-pw")) {
			c->opt.password = v;
			a->password_given = 1;
		} else if (!strcmp(o, "-e")) {
			a->execute = v;
		} else if (!strcmp(o, "-o")) {
			a->out_csv = v;
		} else if (!strcmp(o, "-i")) {
			a->import = v;
		} else if (!strcmp(o, "-tz") || !strcmp(o, "--time-zone")) {
			c->opt.time_zone = v;
		} else if (!strcmp(o, "-fetch") || !strcmp(o, "--fetch-size")) {
			if ((c->opt.fetch_size = count_arg(v)) < 0) {
				fprintf(stderr, "larch: bad fetch size '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(o, "-maxPRC") || !strcmp(o, "--max-display")) {
			if ((c->max_display = count_arg(v)) < 0) {
				fprintf(stderr, "larch: bad display count '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(o, "--batch")) {
			int n = count_arg(v);
			if (n < 0) {
				fprintf(stderr, "larch: bad batch size '%s'\n", v);
				return 2;
			}
			c->import_batch = (size_t)n;
		} else if (!strcmp(o, "-datatype")) {
			c->csv_types = !strcasecmp(v, "true");
		} else if (!strcmp(o, "-usessl")) {
			c->opt.use_ssl = !strcasecmp(v, "true");
		} else { /* -ts */
			c->opt.ca_file = v;
		}
		i += takes;
	}
	return 0;
}

/* Ask for the password on the terminal without echo. */
static void ask_password(char *buf, size_t n)
{
	struct termios old, quiet;
	int tty = tcgetattr(STDIN_FILENO, &old) == 0;
	fputs("please input your password:", stdout);
	fflush(stdout);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(buf, (int)n, stdin))
		buf[0] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stdout);
}

/* Run -i, -e, the pipe or the prompt; the exit status. */
static int run(cli_t *c, const args_t *a, const char *argv0)
{
	if (a->import) {
		larch_error_t err = {0};
		size_t rows = 0;
		double t0 = cli_now();
		if (cli_import_csv(c, a->import, &rows, &err)) {
			fprintf(c->out, "Msg: %d: %s\n", err.code, err.msg);
			return 1;
		}
		fprintf(c->out, "Imported %zu rows from %s\nIt costs %.3fs\n", rows, a->import,
			cli_now() - t0);
		if (!a->execute)
			return 0;
	}
	if (a->execute)
		return cli_run_text(c, a->execute);
	if (!isatty(STDIN_FILENO) || a->out_csv)
		return cli_run_stream(c, stdin);
	printf("---------------------\nStarting Larch CLI (IoTDB SQL)\n---------------------\n"
	       "Successfully login at %s:%d\n", c->opt.host, c->opt.port);
	return cli_repl(c, argv0);
}

int main(int argc, char **argv)
{
	cli_t c;
	args_t a = {0};
	char password[256];
	larch_error_t err = {0};
	memset(&c, 0, sizeof c);
	larch_client_options_default(&c.opt);
	c.opt.fetch_size = 1000; /* IoTDB's CLI default */
	c.max_display = 1000;
	c.import_batch = 5000;
	c.csv_types = 1;
	c.out = stdout;
	int rc = parse_args(argc, argv, &c, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!a.password_given && isatty(STDIN_FILENO) && !a.execute) {
		ask_password(password, sizeof password);
		c.opt.password = password;
	}
	if (cli_connect(&c, &err)) {
		fprintf(stderr, "larch: cannot connect to %s:%d: %d: %s\n", c.opt.host, c.opt.port,
			err.code, err.msg);
		return 1;
	}
	if (a.out_csv && !(c.csv = fopen(a.out_csv, "w"))) {
		fprintf(stderr, "larch: cannot write %s: %s\n", a.out_csv, strerror(errno));
		cli_disconnect(&c);
		return 1;
	}
	int status = run(&c, &a, argv[0]);
	if (c.csv && fclose(c.csv)) {
		fprintf(stderr, "larch: writing %s failed: %s\n", a.out_csv, strerror(errno));
		status = 1;
	}
	cli_disconnect(&c);
	return status;
}
