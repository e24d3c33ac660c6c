/*
 * repl.c — the shell's input loops: the interactive prompt (libedit: line
 * editing, history in ~/.larch_history, multi-line statements ending at
 * ';', Ctrl-C discards what is being typed, Ctrl-D or quit/exit leaves,
 * ENTER/q between result pages) and the plain loop over a pipe or file.
 *
 * Ctrl-C: while a line is edited the terminal's ISIG is off and ^C is a
 * key bound to repl_ctrl_c (a signal would only interrupt libedit's read,
 * which retries it); while a statement runs the terminal is in its normal
 * mode, SIGINT sets cli_interrupted and the result loop stops at the next
 * row.
 */
#include <errno.h>
#include <histedit.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

typedef struct repl {
	cli_t *c;
	EditLine *el;
	History *hist;
	cli_split_t split;
	const char *prompt;
	int ctrl_c;           /* ^C typed during el_gets */
	char hist_path[4096]; /* "" when there is no HOME */
} repl_t;

static void on_sigint(int sig)
{
	(void)sig;
	cli_interrupted = 1;
}

/* SIGINT sets cli_interrupted; system calls restart (the client's reads
 * must not fail because the user pressed ^C). */
static void repl_catch_sigint(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

static char *repl_prompt(EditLine *el)
{
	repl_t *r;
	el_get(el, EL_CLIENTDATA, &r);
	return (char *)r->prompt;
}

static unsigned char repl_ctrl_c(EditLine *el, int ch)
{
	repl_t *r;
	(void)ch;
	el_get(el, EL_CLIENTDATA, &r);
	r->ctrl_c = 1;
	return CC_EOF;
}

/* Read a line with `prompt`: the line (with its '\n'), or NULL at EOF or
 * ^C (r->ctrl_c tells which). */
static const char *repl_read(repl_t *r, const char *prompt)
{
	int count = 0;
	r->prompt = prompt;
	r->ctrl_c = 0;
	const char *line = el_gets(r->el, &count);
	if (!line || count <= 0)
		return NULL;
	return line;
}

/* Between result pages: ENTER shows more, anything else (or ^C) stops. */
static int repl_more(cli_t *c)
{
	repl_t *r = c->more_arg;
	fprintf(c->out, "This display %d rows. Press ENTER to show more, input 'q' to quit.\n",
		c->max_display);
	fflush(c->out);
	const char *line = repl_read(r, "");
	if (!line) {
		fputc('\n', c->out);
		return 0;
	}
	return line[0] == '\n' || line[0] == '\r' || line[0] == 0;
}

/* Remember a statement in the history (one line, ';' appended). */
static void repl_remember(repl_t *r, const char *stmt)
{
	HistEvent ev;
	size_t n = strlen(stmt);
	char *one = mem_alloc(n + 2);
	if (!one)
		return;
	for (size_t i = 0; i < n; i++)
		one[i] = stmt[i] == '\n' || stmt[i] == '\r' ? ' ' : stmt[i];
	one[n] = ';';
	one[n + 1] = 0;
	history(r->hist, &ev, H_ENTER, one);
	if (r->hist_path[0])
		history(r->hist, &ev, H_SAVE, r->hist_path);
	mem_free(one);
}

/* Splitter callback of the prompt: remember, then run. */
static int repl_stmt(void *arg, const char *stmt)
{
	repl_t *r = arg;
	repl_remember(r, stmt);
	cli_interrupted = 0;
	return cli_run(r->c, stmt);
}

static int repl_open(repl_t *r, cli_t *c, const char *argv0)
{
	HistEvent ev;
	memset(r, 0, sizeof *r);
	r->c = c;
	r->el = el_init(argv0, stdin, stdout, stderr);
	r->hist = history_init();
	if (!r->el || !r->hist)
		return -1;
	history(r->hist, &ev, H_SETSIZE, 1000);
	history(r->hist, &ev, H_SETUNIQUE, 1);
	el_set(r->el, EL_CLIENTDATA, r);
	el_set(r->el, EL_EDITOR, "emacs");
	el_set(r->el, EL_PROMPT, repl_prompt);
	el_set(r->el, EL_HIST, history, r->hist);
	el_set(r->el, EL_SETTY, "-d", "-isig", NULL);
	el_set(r->el, EL_ADDFN, "larch-interrupt", "discard the input", repl_ctrl_c);
	el_set(r->el, EL_BIND, "^C", "larch-interrupt", NULL);
	el_source(r->el, NULL);
	const char *home = getenv("HOME");
	if (home && *home) {
		snprintf(r->hist_path, sizeof r->hist_path, "%s/.larch_history", home);
		history(r->hist, &ev, H_LOAD, r->hist_path);
	}
	c->more = repl_more;
	c->more_arg = r;
	return 0;
}

static void repl_close(repl_t *r)
{
	if (r->el)
		el_end(r->el);
	if (r->hist)
		history_end(r->hist);
	cli_split_free(&r->split);
	r->c->more = NULL;
	r->c->more_arg = NULL;
}

int cli_repl(cli_t *c, const char *argv0)
{
	repl_t r;
	if (repl_open(&r, c, argv0)) {
		repl_close(&r);
		fprintf(stderr, "larch: cannot start line editing\n");
		return 1;
	}
	repl_catch_sigint();
	for (;;) {
		int pending = cli_split_pending(&r.split);
		const char *line = repl_read(&r, pending ? "    -> " : "larch> ");
		if (!line && r.ctrl_c) { /* ^C: drop the line and the pending statement */
			fputs("^C\n", stdout);
			cli_split_reset(&r.split);
			continue;
		}
		if (!line) { /* ^D */
			fputc('\n', stdout);
			break;
		}
		int rc;
		if (!pending && cli_is_command(line)) {
			char *cmd = mem_strdup(line);
			if (!cmd)
				break;
			cmd[strcspn(cmd, "\r\n")] = 0;
			repl_remember(&r, cmd);
			cli_interrupted = 0;
			rc = cli_run(c, cmd);
			mem_free(cmd);
		} else {
			rc = cli_split_feed(&r.split, line, strlen(line), repl_stmt, &r);
		}
		if (rc == CLI_STOP)
			break;
	}
	repl_close(&r);
	return 0; /* as IoTDB's CLI: leaving the prompt is a success */
}

/* The plain loops (pipe, file, -e) see lines; a client command alone on
 * a line (nothing pending) runs without ';'.  SIGINT keeps its default
 * there: ^C ends a script. */
typedef struct lines {
	cli_t *c;
	cli_split_t split;
	int rc;           /* CLI_NEXT, CLI_STOP or LARCH_NO_MEMORY */
} lines_t;

/* One line (NUL-terminated at line[n], '\n' included when present). */
static void lines_feed(lines_t *ls, char *line, size_t n)
{
	if (ls->rc != CLI_NEXT)
		return;
	if (!cli_split_pending(&ls->split) && cli_is_command(line)) {
		line[strcspn(line, "\r\n")] = 0;
		ls->rc = cli_run(ls->c, line);
	} else {
		ls->rc = cli_split_feed(&ls->split, line, n, cli_run, ls->c);
	}
}

static int lines_end(lines_t *ls)
{
	if (ls->rc == CLI_NEXT)
		ls->rc = cli_split_finish(&ls->split, cli_run, ls->c);
	if (ls->rc == LARCH_NO_MEMORY) {
		fprintf(ls->c->out, "Msg: %d: out of memory reading statements\n", LARCH_NO_MEMORY);
		ls->c->failures++;
	}
	cli_split_free(&ls->split);
	return ls->c->failures ? 1 : 0;
}

int cli_run_stream(cli_t *c, FILE *in)
{
	lines_t ls = {c, CLI_SPLIT_INIT, CLI_NEXT};
	buf_t line = BUF_INIT;
	char chunk[4096];
	while (ls.rc == CLI_NEXT && fgets(chunk, sizeof chunk, in)) {
		size_t n = strlen(chunk);
		buf_put(&line, chunk, n);
		if (n && chunk[n - 1] != '\n' && !feof(in))
			continue; /* the line goes on */
		buf_put_u8(&line, 0);
		if (!buf_ok(&line)) {
			ls.rc = LARCH_NO_MEMORY;
			break;
		}
		lines_feed(&ls, (char *)line.data, line.len - 1);
		buf_reset(&line);
	}
	buf_free(&line);
	return lines_end(&ls);
}

int cli_run_text(cli_t *c, const char *text)
{
	lines_t ls = {c, CLI_SPLIT_INIT, CLI_NEXT};
	buf_t line = BUF_INIT;
	while (*text && ls.rc == CLI_NEXT) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) + 1 : strlen(text);
		buf_reset(&line);
		buf_put(&line, text, n);
		buf_put_u8(&line, 0);
		if (!buf_ok(&line)) {
			ls.rc = LARCH_NO_MEMORY;
			break;
		}
		lines_feed(&ls, (char *)line.data, n);
		text += n;
	}
	buf_free(&line);
	return lines_end(&ls);
}
