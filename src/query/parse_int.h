/*
 * parse_int.h — private interface between the SQL lexer (lexer.c) and the
 * recursive-descent parser (parse.c, parse_expr.c, parse_select.c,
 * parse_ddl.c).  Nothing outside src/query/parse*.c and lexer.c includes it;
 * the public contract is ast.h.
 */
#ifndef LARCH_QUERY_PARSE_INT_H
#define LARCH_QUERY_PARSE_INT_H

#include "query/ast.h"

/*---------------------------------------------------------------------------
 * Tokens (lexer.c)
 *---------------------------------------------------------------------------*/

typedef enum tok_kind {
	T_EOF,
	T_WORD,       /* identifier or keyword: [A-Za-z0-9_] and bytes >= 0x80, not a number */
	T_QUOTED,     /* `backquoted name` (text unescaped) */
	T_INT,        /* 123 */
	T_FLOAT,      /* 1.5, .5, 1e10, 1.5E-3 */
	T_STRING,     /* 'text' or "text" (text unescaped; quote says which) */
	T_DATETIME,   /* 2017-11-01T00:00:00.000+08:00 and the other date forms */
	T_DURATION,   /* 1d2h, 100ms */
	T_LPAREN, T_RPAREN, T_LBRACKET, T_RBRACKET, T_COMMA, T_DOT, T_SEMI,
	T_STAR,       /* * */
	T_STAR2,      /* ** */
	T_PLUS, T_MINUS, T_SLASH, T_PERCENT,
	T_EQ,         /* = or == */
	T_NE,         /* != or <> */
	T_LT, T_LE, T_GT, T_GE,
	T_AND,        /* && or & */
	T_OR,         /* || or | */
	T_BANG,       /* ! */
	T_BLOB        /* X'hex' (text as written; the hex is checked by the parser) */
} tok_kind_t;

typedef struct tok {
	tok_kind_t kind;
	int pos;      /* byte offset of the first byte */
	int len;      /* bytes of source text */
	char *text;   /* NUL-terminated arena copy: raw text, or unescaped for STRING/QUOTED */
	char quote;   /* STRING: '\'' or '"' */
} tok_t;

/* Tokenize the whole of sql[0..len) into an arena array ending with one
 * T_EOF token.  Whitespace and comments (-- to end of line, / * ... * /) are
 * skipped.  Errors (LARCH_PARSE_ERROR with "line L:C"): unterminated string,
 * quoted name, binary literal or comment; an empty quoted name; a character
 * that starts no token (including NUL).  LARCH_NO_MEMORY when the arena fails. */
int lex_sql(const char *sql, size_t len, arena_t *arena, tok_t **toks, size_t *n,
	    larch_error_t *err);

/* A duration literal: one or more <digits><unit> with units y (365 d), mo
 * (calendar months), w, d, h, m, s, ms, us, ns (case-insensitive).  Returns
 * 0 and the value in *out (when out is not NULL), 1 when w is not a
 * duration, 2 when it is one but its value is beyond int64. */
int lex_duration(const char *w, size_t n, ast_duration_t *out);

/*---------------------------------------------------------------------------
 * Parser state and helpers (parse.c)
 *---------------------------------------------------------------------------*/

typedef struct parser {
	const char *sql;
	size_t len;
	arena_t *arena;
	tok_t *toks;
	size_t n_toks;
	size_t i;             /* current token */
	int depth;            /* expression nesting, bounded by AST_MAX_DEPTH */
	larch_error_t *err;
} parser_t;

/* Return early with a non-zero status. */
#define P_TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

static inline tok_t *p_cur(parser_t *p) { return &p->toks[p->i]; }
/* The token k ahead of the current one (the EOF token past the end). */
static inline tok_t *p_peek(parser_t *p, size_t k)
{
	size_t j = p->i + k;
	return &p->toks[j < p->n_toks ? j : p->n_toks - 1];
}
static inline int p_at(parser_t *p, tok_kind_t k) { return p_cur(p)->kind == k; }
static inline void p_next(parser_t *p)
{
	if (p->i + 1 < p->n_toks)
		p->i++;
}

int p_kw_at(parser_t *p, size_t k, const char *kw);  /* token k ahead is the keyword kw */
int p_is_kw(parser_t *p, const char *kw);            /* current token is kw */
int p_accept_kw(parser_t *p, const char *kw);        /* consume kw if current */
int p_accept(parser_t *p, tok_kind_t k);             /* consume a token of kind k if current */
int p_expect_kw(parser_t *p, const char *kw);        /* consume kw or fail */
int p_expect(parser_t *p, tok_kind_t k, const char *what);

/* LARCH_PARSE_ERROR "line L:C mismatched input 'tok' expecting <what>" at the
 * current token; returns the code. */
int p_fail(parser_t *p, const char *what);
/* err_set with a "line L:C " prefix for the byte offset pos. */
int p_fail_at(parser_t *p, int pos, int code, const char *fmt, ...) LR_PRINTF(4, 5);
int p_oom(parser_t *p);

void *p_alloc(parser_t *p, size_t size);   /* zeroed arena memory; NULL on oom (error set) */
char *p_strdup(parser_t *p, const char *s);

/* Append item (elem bytes) to the arena array *arr of *n items and capacity
 * *cap, doubling into a fresh arena block when full. */
int p_push(parser_t *p, void *arr, size_t *n, size_t *cap, size_t elem, const void *item);

/*---------------------------------------------------------------------------
 * Grammar pieces shared between the statement parsers
 *---------------------------------------------------------------------------*/

/* parse_expr.c */
int p_expr(parser_t *p, ast_expr_t **out);           /* a full expression (OR level) */
int p_additive(parser_t *p, ast_expr_t **out);       /* + - level: window bounds, BETWEEN operands */
/* A path.  full_path: DDL/FROM context, partial wildcards like d* allowed
 * and any token may be a node; otherwise a suffix in an expression. */
int p_path(parser_t *p, int full_path, ast_path_t **out);
int p_path_list(parser_t *p, ast_path_t ***out, size_t *n);
/* A name: word, `quoted`, 'string', "string", number or duration text. */
int p_name(parser_t *p, char **out);
/* k=v pairs, keys and values names (p_name) or signed numbers; stops when
 * the next token is not a name followed by '='.  sep_optional: commas
 * between pairs may be omitted. */
int p_kv_list(parser_t *p, int sep_optional, ast_kv_t **out, size_t *n);
/* A data type name (tsfile_type_parse). */
int p_type(parser_t *p, tsfile_type_t *out);
/* A non-negative integer token into *out (bounds per caller). */
int p_int_token(parser_t *p, const char *what, int64_t *out);

/* parse_select.c */
int p_select(parser_t *p, ast_select_t **out);

/* parse_ddl.c: statements by first keyword; parse.c has consumed it, except
 * SET and UNSET (which are current). */
int p_stmt_create(parser_t *p, ast_stmt_t *st);
int p_stmt_show(parser_t *p, ast_stmt_t *st);
int p_stmt_count(parser_t *p, ast_stmt_t *st);
int p_stmt_alter(parser_t *p, ast_stmt_t *st);
int p_stmt_set_unset(parser_t *p, ast_stmt_t *st);
/* DROP, and DELETE of schema (TIMESERIES, DATABASE, STORAGE GROUP, ... OF TEMPLATE) */
int p_stmt_drop(parser_t *p, ast_stmt_t *st);
int p_stmt_deactivate(parser_t *p, ast_stmt_t *st);
int p_stmt_flush(parser_t *p, ast_stmt_t *st);
int p_stmt_list(parser_t *p, ast_stmt_t *st);   /* LIST USER */
#endif
