/*
 * split.c — cuts the shell's input into statements at ';' outside quotes
 * (see cli.h).  Input arrives in pieces (a line at a time from the prompt,
 * a block from a pipe, the -e argument); the open quote and the pending
 * text carry over between pieces.
 */
#include <ctype.h>

#include "cli/cli.h"

/* Trim the pending text, NUL-terminate it, hand it to fn if not blank and
 * empty the buffer.  Returns fn's answer (CLI_NEXT for a blank one). */
static int split_emit(cli_split_t *sp, cli_stmt_fn fn, void *arg)
{
	buf_t *b = &sp->pending;
	size_t start = 0, end = b->len;
	while (start < end && isspace(b->data[start]))
		start++;
	while (end > start && isspace(b->data[end - 1]))
		end--;
	int rc = CLI_NEXT;
	if (end > start) {
		buf_put_u8(b, 0);
		if (!buf_ok(b)) {
			cli_split_reset(sp);
			return LARCH_NO_MEMORY;
		}
		b->data[end] = 0;
		rc = fn(arg, (const char *)b->data + start);
	}
	buf_reset(b);
	return rc;
}

int cli_split_feed(cli_split_t *sp, const char *text, size_t n, cli_stmt_fn fn, void *arg)
{
	size_t from = 0; /* text[from..i) is not yet in pending */
	for (size_t i = 0; i < n; i++) {
		char ch = text[i];
		if (sp->quote) {
			if (ch == sp->quote)
				sp->quote = 0; /* a doubled quote reopens at once */
			continue;
		}
		if (ch == '\'' || ch == '"' || ch == '`') {
			sp->quote = ch;
			continue;
		}
		if (ch != ';')
			continue;
		buf_put(&sp->pending, text + from, i - from);
		from = i + 1;
		int rc = split_emit(sp, fn, arg);
		if (rc != CLI_NEXT)
			return rc;
	}
	buf_put(&sp->pending, text + from, n - from);
	if (!buf_ok(&sp->pending)) {
		cli_split_reset(sp);
		return LARCH_NO_MEMORY;
	}
	return CLI_NEXT;
}

int cli_split_finish(cli_split_t *sp, cli_stmt_fn fn, void *arg)
{
	sp->quote = 0;
	return split_emit(sp, fn, arg);
}

int cli_split_pending(const cli_split_t *sp)
{
	if (sp->quote)
		return 1;
	for (size_t i = 0; i < sp->pending.len; i++)
		if (!isspace(sp->pending.data[i]))
			return 1;
	return 0;
}

void cli_split_reset(cli_split_t *sp)
{
	buf_reset(&sp->pending);
	sp->quote = 0;
}

void cli_split_free(cli_split_t *sp)
{
	buf_free(&sp->pending);
	sp->quote = 0;
}
