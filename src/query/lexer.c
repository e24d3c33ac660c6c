/*
 * lexer.c — turns IoTDB SQL text into tokens for the parser.
 *
 * Token rules (IoTDB's lexer, tree model, 0.10 to 2.0):
 *   - words: runs of [A-Za-z0-9_] and bytes >= 0x80 (CJK names); a word of
 *     digits only is an integer, <digits><unit>... a duration (1d2h, 100ms),
 *     <digits>e<digits> a float; any other word (wt01, 01wt) is a name;
 *   - floats 1.5, .5, 1e-3 — but only where a number may stand: right after
 *     a '.' (a path node like root.sg.1.5) digits are names, not fractions;
 *   - datetimes: yyyy-MM-dd, yyyy/MM/dd or yyyy.MM.dd, optionally followed by
 *     'T' or whitespace and HH:mm[:ss[.fraction]], then optionally Z or a
 *     +hh:mm / +hhmm offset glued to it (as IoTDB's DATETIME_LITERAL, the
 *     longest match wins, so 2017-11-01 is a date and not a subtraction);
 *   - strings in '...' or "...": a doubled quote or a backslash before the
 *     quote is the quote itself; other backslashes stay as they are;
 *   - `quoted names`: a doubled backquote is a backquote;
 *   - binary literals X'..' (IoTDB's BINARY_LITERAL: an upper-case X glued
 *     to a quote, then anything up to the next quote, no escapes); the
 *     parser checks the hex digits;
 *   - comments: -- to end of line, and / * ... * /.
 */
#include <ctype.h>
#include <limits.h>
#include <strings.h>

#include "query/parse_int.h"

typedef struct lexer {
	const char *s;
	size_t len;
	size_t i;
	arena_t *arena;
	tok_t *toks;
	size_t n, cap;
	larch_error_t *err;
} lexer_t;

static int lx_word_byte(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

static int lx_digit_at(const lexer_t *lx, size_t i)
{
	return i < lx->len && isdigit((unsigned char)lx->s[i]);
}

/* Offset just past the digit run starting at i (i itself when none). */
static size_t lx_digits(const lexer_t *lx, size_t i)
{
	while (lx_digit_at(lx, i))
		i++;
	return i;
}

static int lx_error(lexer_t *lx, size_t at, const char *what)
{
	char where[48];
	ast_pos_text(lx->s, lx->len, (int)at, where, sizeof where);
	return err_set(lx->err, LARCH_PARSE_ERROR, "%s %s", where, what);
}

/* The previous token allows a number here: it is not the '.' of a path,
 * nor a '*' glued to this token right after a '.' (the pattern .*1.x). */
static int lx_number_allowed(const lexer_t *lx)
{
	if (lx->n == 0)
		return 1;
	const tok_t *prev = &lx->toks[lx->n - 1];
	if (prev->kind == T_DOT)
		return 0;
	return !(prev->kind == T_STAR && (size_t)(prev->pos + prev->len) == lx->i &&
		 lx->n >= 2 && lx->toks[lx->n - 2].kind == T_DOT);
}

/* The previous token ends an operand, so a '.' after it is a path separator. */
static int lx_after_operand(const lexer_t *lx)
{
	if (lx->n == 0)
		return 0;
	switch (lx->toks[lx->n - 1].kind) {
	case T_WORD: case T_QUOTED: case T_INT: case T_STAR: case T_STAR2:
	case T_DURATION: case T_STRING: case T_RPAREN:
		return 1;
	default:
		return 0;
	}
}

/* Append a token spanning [start, end).  text: its NUL-terminated arena
 * text (STRING/QUOTED, unescaped), or NULL to copy the source bytes. */
static int lx_push(lexer_t *lx, tok_kind_t kind, size_t start, size_t end, char *text, char quote)
{
	if (lx->n == lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 64;
		tok_t *t = arena_alloc(lx->arena, cap * sizeof(*t));
		if (!t)
			return err_set(lx->err, LARCH_NO_MEMORY, "out of memory lexing SQL");
		if (lx->n)
			memcpy(t, lx->toks, lx->n * sizeof(*t));
		lx->toks = t;
		lx->cap = cap;
	}
	tok_t *t = &lx->toks[lx->n];
	t->kind = kind;
	t->pos = (int)start;
	t->len = (int)(end - start);
	t->quote = quote;
	t->text = text ? text : arena_strndup(lx->arena, lx->s + start, end - start);
	if (!t->text)
		return err_set(lx->err, LARCH_NO_MEMORY, "out of memory lexing SQL");
	lx->n++;
	lx->i = end;
	return LARCH_OK;
}

/* Length of the escape at s[i] inside a run quoted by q: 2 for a doubled
 * q (and, in strings, a backslash before q), else 0. */
static size_t lx_escape_len(const lexer_t *lx, size_t i, char q, tok_kind_t kind)
{
	if (i + 1 >= lx->len || lx->s[i + 1] != q)
		return 0;
	return lx->s[i] == q || (lx->s[i] == '\\' && kind == T_STRING) ? 2 : 0;
}

/* A quoted run starting at lx->i with quote character q: a doubled q is one
 * q; for strings (not backquotes) a backslash before q also escapes it.  A
 * first pass finds the end and the unescaped size, the second copies. */
static int lx_quoted(lexer_t *lx, tok_kind_t kind)
{
	size_t start = lx->i, i = start + 1, n = 0;
	char q = lx->s[start];
	for (;; n++) {
		if (i >= lx->len)
			return lx_error(lx, start, kind == T_QUOTED ? "unterminated quoted name"
							       : "unterminated string literal");
		size_t e = lx_escape_len(lx, i, q, kind);
		if (!e && lx->s[i] == q)
			break;
		i += e ? e : 1;
	}
	if (kind == T_QUOTED && n == 0)
		return lx_error(lx, start, "empty quoted name ``");
	char *out = arena_alloc(lx->arena, n + 1);
	if (!out)
		return err_set(lx->err, LARCH_NO_MEMORY, "out of memory lexing SQL");
	size_t o = 0;
	for (size_t j = start + 1; j < i;) {
		size_t e = lx_escape_len(lx, j, q, kind);
		out[o++] = e ? q : lx->s[j];
		j += e ? e : 1;
	}
	out[o] = 0;
	return lx_push(lx, kind, start, i + 1, out, q);
}

/* X'...' starting at lx->i (the X); the token text is the literal as
 * written, which the parser decodes (ast_hex_decode). */
static int lx_binary(lexer_t *lx)
{
	size_t start = lx->i, q = start + 2;
	const char *end = memchr(lx->s + q, '\'', lx->len - q);
	if (!end)
		return lx_error(lx, start, "unterminated binary literal");
	return lx_push(lx, T_BLOB, start, (size_t)(end - lx->s) + 1, NULL, 0);
}

int lex_duration(const char *w, size_t n, ast_duration_t *out)
{
	static const struct { const char *unit; int64_t nanos; } units[] = {
		{"mo", 0}, {"ms", 1000000LL}, {"us", 1000LL}, {"ns", 1LL},
		{"y", 365LL * 86400 * 1000000000LL}, {"w", 7LL * 86400 * 1000000000LL},
		{"d", 86400LL * 1000000000LL}, {"h", 3600LL * 1000000000LL},
		{"m", 60LL * 1000000000LL}, {"s", 1000000000LL},
	};
	ast_duration_t d = {0, 0};
	int overflow = 0;
	size_t i = 0;
	if (n == 0)
		return 1;
	while (i < n) {
		int64_t v = 0;
		size_t start = i, u;
		for (; i < n && isdigit((unsigned char)w[i]); i++) {
			overflow |= v > (INT64_MAX - (w[i] - '0')) / 10;
			v = overflow ? 0 : v * 10 + (w[i] - '0');
		}
		if (i == start)
			return 1;
		for (u = 0; u < LR_ARRAY_LEN(units); u++) {
			size_t ul = strlen(units[u].unit);
			if (i + ul <= n && strncasecmp(w + i, units[u].unit, ul) == 0 &&
			    (i + ul == n || isdigit((unsigned char)w[i + ul])))
				break;
		}
		if (u == LR_ARRAY_LEN(units))
			return 1;
		i += strlen(units[u].unit);
		int64_t *acc = units[u].nanos ? &d.nanos : &d.months;
		int64_t mul = units[u].nanos ? units[u].nanos : 1;
		overflow |= v > (INT64_MAX - *acc) / mul;
		if (!overflow)
			*acc += v * mul;
	}
	if (overflow)
		return 2;
	if (out)
		*out = d;
	return 0;
}

/* Offset past a datetime literal starting at i, or 0 when there is none:
 * date (d+ sep d+ sep d+, one separator of - / .), then optionally
 * ('T' | whitespace) HH:mm[:ss[.f]] and a glued zone Z / +hh:mm / +hhmm. */
static size_t lx_datetime_end(const lexer_t *lx, size_t i)
{
	size_t a = lx_digits(lx, i);
	if (a == i || a >= lx->len)
		return 0;
	char sep = lx->s[a];
	if (sep != '-' && sep != '/' && sep != '.')
		return 0;
	size_t b = lx_digits(lx, a + 1);
	if (b == a + 1 || b >= lx->len || lx->s[b] != sep)
		return 0;
	size_t end = lx_digits(lx, b + 1);
	if (end == b + 1)
		return 0;
	/* time part */
	size_t t = end;
	if (t < lx->len && (lx->s[t] == 'T' || lx->s[t] == 't'))
		t++;
	else
		while (t < lx->len && (lx->s[t] == ' ' || lx->s[t] == '\t'))
			t++;
	if (t == end)
		return lx_word_byte((unsigned char)(end < lx->len ? lx->s[end] : 0)) ? 0 : end;
	size_t h = lx_digits(lx, t);
	if (h == t || h >= lx->len || lx->s[h] != ':' || !lx_digit_at(lx, h + 1))
		return end;
	end = lx_digits(lx, h + 1);
	if (end < lx->len && lx->s[end] == ':' && lx_digit_at(lx, end + 1)) {
		end = lx_digits(lx, end + 1);
		if (end < lx->len && lx->s[end] == '.' && lx_digit_at(lx, end + 1))
			end = lx_digits(lx, end + 1);
	}
	/* zone */
	if (end < lx->len && (lx->s[end] == 'Z' || lx->s[end] == 'z') &&
	    !(end + 1 < lx->len && lx_word_byte((unsigned char)lx->s[end + 1])))
		return end + 1;
	if (end < lx->len && (lx->s[end] == '+' || lx->s[end] == '-')) {
		size_t z = lx_digits(lx, end + 1);
		if (z == end + 3 && z < lx->len && lx->s[z] == ':' && lx_digits(lx, z + 1) == z + 3)
			return z + 3;
		if (z == end + 5)
			return z;
	}
	return end;
}

/* A token starting with a digit, or '.' followed by a digit where a number
 * may stand. */
static int lx_number_or_word(lexer_t *lx)
{
	size_t start = lx->i, i = start;
	int allowed = lx_number_allowed(lx);
	if (allowed && lx->s[i] != '.') {
		size_t dt = lx_datetime_end(lx, i);
		if (dt)
			return lx_push(lx, T_DATETIME, start, dt, NULL, 0);
	}
	if (lx->s[i] == '.') { /* .5 */
		i = lx_digits(lx, i + 1);
		goto exponent;
	}
	while (i < lx->len && lx_word_byte((unsigned char)lx->s[i]))
		i++;
	size_t d = lx_digits(lx, start);
	if (d == i) { /* digits only */
		if (!allowed || i >= lx->len || lx->s[i] != '.' ||
		    (i + 1 < lx->len && lx_word_byte((unsigned char)lx->s[i + 1]) &&
		     !lx_digit_at(lx, i + 1)))
			return lx_push(lx, T_INT, start, i, NULL, 0);
		i = lx_digits(lx, i + 1); /* 1.5 or 1. */
		goto exponent;
	}
	if (allowed && lex_duration(lx->s + start, i - start, NULL) != 1)
		return lx_push(lx, T_DURATION, start, i, NULL, 0);
	if (allowed && (lx->s[d] == 'e' || lx->s[d] == 'E')) { /* 1e5, 1e-5 */
		size_t e = d + 1;
		if (e == i && e < lx->len && (lx->s[e] == '+' || lx->s[e] == '-') &&
		    lx_digit_at(lx, e + 1)) {
			i = d;
			goto exponent;
		}
		if (e < i && lx_digits(lx, e) == i)
			return lx_push(lx, T_FLOAT, start, i, NULL, 0);
	}
	return lx_push(lx, T_WORD, start, i, NULL, 0);
exponent:
	if (i < lx->len && (lx->s[i] == 'e' || lx->s[i] == 'E')) {
		size_t e = i + 1;
		if (e < lx->len && (lx->s[e] == '+' || lx->s[e] == '-'))
			e++;
		size_t ed = lx_digits(lx, e);
		if (ed > e)
			i = ed;
	}
	if (i < lx->len && lx_word_byte((unsigned char)lx->s[i]))
		return lx_error(lx, i, "malformed number");
	return lx_push(lx, T_FLOAT, start, i, NULL, 0);
}

/* Skip whitespace and comments; error on an unterminated block comment. */
static int lx_skip_space(lexer_t *lx)
{
	for (;;) {
		while (lx->i < lx->len && isspace((unsigned char)lx->s[lx->i]))
			lx->i++;
		if (lx->i + 1 < lx->len && lx->s[lx->i] == '-' && lx->s[lx->i + 1] == '-') {
			while (lx->i < lx->len && lx->s[lx->i] != '\n')
				lx->i++;
		} else if (lx->i + 1 < lx->len && lx->s[lx->i] == '/' && lx->s[lx->i + 1] == '*') {
			size_t start = lx->i;
			lx->i += 2;
			while (lx->i + 1 < lx->len && !(lx->s[lx->i] == '*' && lx->s[lx->i + 1] == '/'))
				lx->i++;
			if (lx->i + 1 >= lx->len)
				return lx_error(lx, start, "unterminated comment");
			lx->i += 2;
		} else {
			return LARCH_OK;
		}
	}
}

/* One- and two-character operators and punctuation. */
static int lx_operator(lexer_t *lx)
{
	static const struct { const char *text; tok_kind_t kind; } ops[] = {
		{"**", T_STAR2}, {"==", T_EQ}, {"!=", T_NE}, {"<>", T_NE}, {"<=", T_LE},
		{">=", T_GE}, {"&&", T_AND}, {"||", T_OR},
		{"(", T_LPAREN}, {")", T_RPAREN}, {"[", T_LBRACKET}, {"]", T_RBRACKET},
		{",", T_COMMA}, {".", T_DOT}, {";", T_SEMI}, {"*", T_STAR}, {"+", T_PLUS},
		{"-", T_MINUS}, {"/", T_SLASH}, {"%", T_PERCENT}, {"=", T_EQ}, {"<", T_LT},
		{">", T_GT}, {"&", T_AND}, {"|", T_OR}, {"!", T_BANG},
	};
	size_t left = lx->len - lx->i;
	for (size_t k = 0; k < LR_ARRAY_LEN(ops); k++) {
		size_t n = strlen(ops[k].text);
		if (n <= left && memcmp(lx->s + lx->i, ops[k].text, n) == 0)
			return lx_push(lx, ops[k].kind, lx->i, lx->i + n, NULL, 0);
	}
	char what[48];
	unsigned char c = (unsigned char)lx->s[lx->i];
	if (isprint(c))
		snprintf(what, sizeof what, "token recognition error at: '%c'", c);
	else
		snprintf(what, sizeof what, "token recognition error at byte 0x%02x", c);
	return lx_error(lx, lx->i, what);
}

int lex_sql(const char *sql, size_t len, arena_t *arena, tok_t **toks, size_t *n,
	    larch_error_t *err)
{
	lexer_t lx = {sql, len, 0, arena, NULL, 0, 0, err};
	if (len > INT_MAX / 2)
		return err_set(err, LARCH_PARSE_ERROR, "SQL text too long (%zu bytes)", len);
	for (;;) {
		P_TRY(lx_skip_space(&lx));
		if (lx.i >= len)
			break;
		unsigned char c = (unsigned char)sql[lx.i];
		int rc;
		if (isdigit(c) || (c == '.' && lx_digit_at(&lx, lx.i + 1) && !lx_after_operand(&lx)))
			rc = lx_number_or_word(&lx);
		else if (c == 'X' && lx.i + 1 < len && sql[lx.i + 1] == '\'')
			rc = lx_binary(&lx);
		else if (c != 0 && lx_word_byte(c)) {
			size_t e = lx.i;
			while (e < len && lx_word_byte((unsigned char)sql[e]))
				e++;
			rc = lx_push(&lx, T_WORD, lx.i, e, NULL, 0);
		} else if (c == '\'' || c == '"')
			rc = lx_quoted(&lx, T_STRING);
		else if (c == '`')
			rc = lx_quoted(&lx, T_QUOTED);
		else
			rc = lx_operator(&lx);
		if (rc)
			return rc;
	}
	P_TRY(lx_push(&lx, T_EOF, len, len, NULL, 0));
	*toks = lx.toks;
	*n = lx.n;
	return LARCH_OK;
}
