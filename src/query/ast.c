/*
 * ast.c — helpers around the AST that need no parser: splitting a script
 * into statements (ast_split) and turning a byte offset into the "line L:C"
 * text of error messages (ast_pos_text).
 */
#include <ctype.h>
#include <stdio.h>

#include "query/ast.h"

/* Offset just past the quoted run that starts at i (quote s[i]); a doubled
 * quote and, for ' and ", a backslash before the quote stay inside.  An
 * unterminated run ends at len. */
static size_t split_skip_quoted(const char *s, size_t len, size_t i)
{
	char q = s[i++];
	while (i < len) {
		if (s[i] == '\\' && q != '`' && i + 1 < len && s[i + 1] == q) {
			i += 2;
		} else if (s[i] == q) {
			if (i + 1 < len && s[i + 1] == q)
				i += 2;
			else
				return i + 1;
		} else {
			i++;
		}
	}
	return len;
}

/* Offset just past the comment starting at i, or i when none starts there. */
static size_t split_skip_comment(const char *s, size_t len, size_t i)
{
	if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
		while (i < len && s[i] != '\n')
			i++;
		return i;
	}
	if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
		i += 2;
		while (i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'))
			i++;
		return i + 1 < len ? i + 2 : len;
	}
	return i;
}

/* Statements are trimmed to the span from their first to the end of their
 * last byte that is neither whitespace nor comment; a statement with no such
 * byte is skipped. */
int ast_split(const char *sql, size_t len, int (*cb)(void *arg, const char *s, size_t n),
	      void *arg)
{
	size_t i = 0, first = 0, last = 0;
	int has = 0;
	while (i <= len) {
		if (i == len || sql[i] == ';') {
			if (has) {
				int rc = cb(arg, sql + first, last - first);
				if (rc)
					return rc;
			}
			has = 0;
			i++;
			continue;
		}
		size_t c = split_skip_comment(sql, len, i);
		if (c != i) {
			i = c;
			continue;
		}
		if (isspace((unsigned char)sql[i])) {
			i++;
			continue;
		}
		if (!has) {
			first = i;
			has = 1;
		}
		if (sql[i] == '\'' || sql[i] == '"' || sql[i] == '`')
			i = split_skip_quoted(sql, len, i);
		else
			i++;
		last = i;
	}
	return 0;
}

/* Line is 1-based; the column is 0-based and counts characters (UTF-8
 * continuation bytes are not counted), as ANTLR reports it in IoTDB's
 * messages.  pos is clamped to [0, len]. */
void ast_pos_text(const char *sql, size_t len, int pos, char *out, size_t n)
{
	size_t end = pos < 0 ? 0 : LR_MIN((size_t)pos, len);
	long line = 1, col = 0;
	for (size_t i = 0; i < end; i++) {
		unsigned char c = (unsigned char)sql[i];
		if (c == '\n') {
			line++;
			col = 0;
		} else if ((c & 0xC0) != 0x80) {
			col++;
		}
	}
	if (n)
		snprintf(out, n, "line %ld:%ld", line, col);
}
