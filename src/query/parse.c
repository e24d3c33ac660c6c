/*
 * parse.c — the entry point of the SQL parser (ast_parse), the token helpers
 * every grammar file shares, and the data statements: INSERT, DELETE FROM,
 * DELETE PARTITION.  SELECT is in parse_select.c, expressions and paths in
 * parse_expr.c, schema and maintenance statements in parse_ddl.c.
 *
 * The parser is recursive descent over the token array of lexer.c with one
 * token of lookahead (a few places peek two or three).  Every node is
 * allocated in the caller's arena.  Errors carry "line L:C" of the offending
 * token (line 1-based, column 0-based, as IoTDB's ANTLR messages).
 */
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "query/parse_int.h"

/*---------------------------------------------------------------------------
 * Token helpers
 *---------------------------------------------------------------------------*/

int p_kw_at(parser_t *p, size_t k, const char *kw)
{
	tok_t *t = p_peek(p, k);
	return t->kind == T_WORD && strcasecmp(t->text, kw) == 0;
}

int p_is_kw(parser_t *p, const char *kw)
{
	return p_kw_at(p, 0, kw);
}

int p_accept_kw(parser_t *p, const char *kw)
{
	if (!p_is_kw(p, kw))
		return 0;
	p_next(p);
	return 1;
}

int p_accept(parser_t *p, tok_kind_t k)
{
	if (!p_at(p, k))
		return 0;
	p_next(p);
	return 1;
}

int p_expect_kw(parser_t *p, const char *kw)
{
	return p_accept_kw(p, kw) ? LARCH_OK : p_fail(p, kw);
}

int p_expect(parser_t *p, tok_kind_t k, const char *what)
{
	return p_accept(p, k) ? LARCH_OK : p_fail(p, what);
}

int p_fail_at(parser_t *p, int pos, int code, const char *fmt, ...)
{
	char where[48], msg[LARCH_ERROR_MSG_MAX];
	va_list ap;
	ast_pos_text(p->sql, p->len, pos, where, sizeof where);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(p->err, code, "%s %s", where, msg);
}

int p_fail(parser_t *p, const char *what)
{
	tok_t *t = p_cur(p);
	if (t->kind == T_EOF)
		return p_fail_at(p, t->pos, LARCH_PARSE_ERROR,
				 "mismatched input '<EOF>' expecting %s", what);
	return p_fail_at(p, t->pos, LARCH_PARSE_ERROR, "mismatched input '%.*s' expecting %s",
			 LR_MIN(t->len, 40), p->sql + t->pos, what);
}

int p_oom(parser_t *p)
{
	return err_set(p->err, LARCH_NO_MEMORY, "out of memory parsing SQL");
}

void *p_alloc(parser_t *p, size_t size)
{
	void *m = arena_calloc(p->arena, 1, size);
	if (!m)
		p_oom(p);
	return m;
}

char *p_strdup(parser_t *p, const char *s)
{
	char *d = arena_strndup(p->arena, s, strlen(s));
	if (!d)
		p_oom(p);
	return d;
}

int p_push(parser_t *p, void *arr, size_t *n, size_t *cap, size_t elem, const void *item)
{
	char **a = arr;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 4;
		char *m = arena_alloc(p->arena, c * elem);
		if (!m)
			return p_oom(p);
		if (*n)
			memcpy(m, *a, *n * elem);
		*a = m;
		*cap = c;
	}
	memcpy(*a + *n * elem, item, elem);
	(*n)++;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * INSERT
 *---------------------------------------------------------------------------*/

/* One measurement name of an INSERT column list: a word, `quoted` or number
 * (time/timestamp are recognised by the caller). */
static int p_insert_column(parser_t *p, ast_insert_t *ins, size_t *cap_meas, size_t *cap_q)
{
	tok_t *t = p_cur(p);
	char *name = NULL;
	uint8_t quoted = t->kind == T_QUOTED;
	P_TRY(p_name(p, &name));
	size_t n = ins->n_meas;
	P_TRY(p_push(p, &ins->meas, &n, cap_meas, sizeof(char *), &name));
	return p_push(p, &ins->meas_quoted, &ins->n_meas, cap_q, 1, &quoted);
}

/* ( value, ... ) with exactly has_time + `want` values (the counts in the
 * error exclude the time column, as IoTDB's message does). */
static int p_insert_row(parser_t *p, size_t want, int has_time, ast_expr_t ***out)
{
	int pos = p_cur(p)->pos;
	P_TRY(p_expect(p, T_LPAREN, "'('"));
	ast_expr_t **row = NULL;
	size_t n = 0, cap = 0;
	do {
		ast_expr_t *e;
		P_TRY(p_expr(p, &e));
		P_TRY(p_push(p, &row, &n, &cap, sizeof(e), &e));
	} while (p_accept(p, T_COMMA));
	P_TRY(p_expect(p, T_RPAREN, "')'"));
	if (n != want + has_time)
		return p_fail_at(p, pos, LARCH_SEMANTIC_ERROR,
				 "the measurementList's size %zu is not consistent with the "
				 "valueList's size %zu", want, n < (size_t)has_time ? 0 : n - has_time);
	*out = row;
	return LARCH_OK;
}

/* INSERT INTO device ( [time|timestamp,] m, ... ) [ALIGNED] VALUES (...), ... */
static int p_stmt_insert(parser_t *p, ast_stmt_t *st)
{
	ast_insert_t *ins = p_alloc(p, sizeof(*ins));
	if (!ins)
		return LARCH_NO_MEMORY;
	st->kind = AST_INSERT;
	st->insert = ins;
	P_TRY(p_expect_kw(p, "INTO"));
	P_TRY(p_path(p, 1, &ins->device));
	P_TRY(p_expect(p, T_LPAREN, "'('"));
	if (p_is_kw(p, "time") || p_is_kw(p, "timestamp")) {
		ins->has_time = 1;
		p_next(p);
		P_TRY(p_expect(p, T_COMMA, "','"));
	}
	size_t cap_meas = 0, cap_q = 0;
	do {
		if (p_is_kw(p, "time") || p_is_kw(p, "timestamp"))
			return p_fail_at(p, p_cur(p)->pos, LARCH_SEMANTIC_ERROR,
					 "the time column must be the first column of INSERT");
		P_TRY(p_insert_column(p, ins, &cap_meas, &cap_q));
	} while (p_accept(p, T_COMMA));
	P_TRY(p_expect(p, T_RPAREN, "')'"));
	ins->aligned = p_accept_kw(p, "ALIGNED");
	P_TRY(p_expect_kw(p, "VALUES"));
	size_t cap = 0;
	do {
		ast_expr_t **row;
		P_TRY(p_insert_row(p, ins->n_meas, ins->has_time, &row));
		P_TRY(p_push(p, &ins->rows, &ins->n_rows, &cap, sizeof(row), &row));
	} while (p_accept(p, T_COMMA));
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * DELETE
 *---------------------------------------------------------------------------*/

/* DELETE PARTITION db id, id, ... */
static int p_delete_partition(parser_t *p, ast_stmt_t *st)
{
	st->kind = AST_DELETE_PARTITION;
	ast_path_t *db;
	P_TRY(p_path(p, 1, &db));
	size_t cap_p = 0, cap = 0;
	P_TRY(p_push(p, &st->paths, &st->n_paths, &cap_p, sizeof(db), &db));
	do {
		int64_t id;
		P_TRY(p_int_token(p, "a partition id", &id));
		P_TRY(p_push(p, &st->ids, &st->n_ids, &cap, sizeof(id), &id));
	} while (p_accept(p, T_COMMA));
	return LARCH_OK;
}

/* DELETE FROM p, ... [WHERE expr] | DELETE PARTITION ... | the schema forms
 * (DELETE TIMESERIES / DATABASE / STORAGE GROUP / TIMESERIES OF TEMPLATE). */
static int p_stmt_delete(parser_t *p, ast_stmt_t *st)
{
	if (p_accept_kw(p, "FROM")) {
		st->kind = AST_DELETE_DATA;
		P_TRY(p_path_list(p, &st->paths, &st->n_paths));
		if (p_accept_kw(p, "WHERE"))
			P_TRY(p_expr(p, &st->where));
		return LARCH_OK;
	}
	if (p_accept_kw(p, "PARTITION"))
		return p_delete_partition(p, st);
	return p_stmt_drop(p, st);
}

/*---------------------------------------------------------------------------
 * Entry point
 *---------------------------------------------------------------------------*/

static int p_statement(parser_t *p, ast_stmt_t *st)
{
	static const struct {
		const char *kw;
		int (*fn)(parser_t *, ast_stmt_t *);
	} starts[] = {
		{"INSERT", p_stmt_insert}, {"DELETE", p_stmt_delete}, {"CREATE", p_stmt_create},
		{"SHOW", p_stmt_show}, {"COUNT", p_stmt_count}, {"ALTER", p_stmt_alter},
		{"SET", p_stmt_set_unset}, {"UNSET", p_stmt_set_unset}, {"DROP", p_stmt_drop},
		{"DEACTIVATE", p_stmt_deactivate}, {"FLUSH", p_stmt_flush},
		{"LIST", p_stmt_list},
	};
	if (p_is_kw(p, "SELECT")) {
		st->kind = AST_SELECT;
		return p_select(p, &st->select);
	}
	for (size_t k = 0; k < LR_ARRAY_LEN(starts); k++) {
		if (p_is_kw(p, starts[k].kw)) {
			if (strcasecmp(starts[k].kw, "SET") && strcasecmp(starts[k].kw, "UNSET"))
				p_next(p); /* SET/UNSET keep their keyword: it decides the kind */
			return starts[k].fn(p, st);
		}
	}
	return p_fail(p, "a statement (SELECT, INSERT, DELETE, CREATE, SHOW, COUNT, ALTER, "
			 "SET, UNSET, DROP, FLUSH, ...)");
}

int ast_parse(const char *sql, size_t len, arena_t *arena, ast_stmt_t **out,
	      larch_error_t *err)
{
	parser_t p = {0};
	p.sql = sql;
	p.len = len;
	p.arena = arena;
	p.err = err;
	P_TRY(lex_sql(sql, len, arena, &p.toks, &p.n_toks, err));
	if (p_at(&p, T_EOF) || (p_at(&p, T_SEMI) && p_peek(&p, 1)->kind == T_EOF))
		return p_fail_at(&p, 0, LARCH_PARSE_ERROR, "empty statement");
	ast_stmt_t *st = p_alloc(&p, sizeof(*st));
	if (!st)
		return LARCH_NO_MEMORY;
	st->pos = p_cur(&p)->pos;
	st->level = -1;
	st->limit = st->offset = -1;
	st->flush_seq = -1;
	P_TRY(p_statement(&p, st));
	p_accept(&p, T_SEMI);
	if (!p_at(&p, T_EOF))
		return p_fail(&p, "<EOF>");
	*out = st;
	return LARCH_OK;
}
