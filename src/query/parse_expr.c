/*
 * parse_expr.c — expressions, paths, names, key=value lists, data types and
 * number/duration literals of IoTDB SQL.
 *
 * Precedence, lowest first (precedence climbing, one function per level):
 *   OR (or, ||, |)  <  AND (and, &&, &)  <  NOT (not, !)  <
 *   comparison (= == != <> < <= > >=), [NOT] BETWEEN, [NOT] IN, [NOT] LIKE,
 *   [NOT] REGEXP, IS [NOT] NULL  <  + -  <  * / %  <  unary + -  <  primary.
 * A unary minus in front of a number literal is folded into the literal.
 * Nesting (parentheses, NOT, unary operators, function arguments) is
 * bounded by AST_MAX_DEPTH.
 */
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

#include "query/parse_int.h"

/* Words that end an expression instead of starting a path. */
static const char *const reserved_words[] = {
	"SELECT", "FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "OFFSET", "SLIMIT", "SOFFSET",
	"FILL", "ALIGN", "DISABLE", "HAVING", "AND", "OR", "NOT", "AS", "BETWEEN", "IN",
	"LIKE", "REGEXP", "IS", "INTO", "VALUES", "WHEN", "THEN", "ELSE", "END",
};

static int word_reserved(const char *w)
{
	for (size_t i = 0; i < LR_ARRAY_LEN(reserved_words); i++)
		if (strcasecmp(w, reserved_words[i]) == 0)
			return 1;
	return 0;
}

static int p_enter(parser_t *p)
{
	if (++p->depth > AST_MAX_DEPTH)
		return p_fail_at(p, p_cur(p)->pos, LARCH_PARSE_ERROR,
				 "expression nested deeper than %d levels", AST_MAX_DEPTH);
	return LARCH_OK;
}

static ast_expr_t *p_node(parser_t *p, ast_expr_kind_t kind, int pos)
{
	ast_expr_t *e = p_alloc(p, sizeof(*e));
	if (e) {
		e->kind = kind;
		e->pos = pos;
		e->cast_type = (tsfile_type_t)-1;
	}
	return e;
}

#define P_NODE(var, p, kind, pos) \
	do { if (!((var) = p_node((p), (kind), (pos)))) return LARCH_NO_MEMORY; } while (0)

/*---------------------------------------------------------------------------
 * Literals
 *---------------------------------------------------------------------------*/

/* Decimal digits into *out; 0 on success, -1 when above INT64_MAX. */
static int digits_to_i64(const char *s, int64_t *out)
{
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = (int64_t)v;
	return 0;
}

int p_int_token(parser_t *p, const char *what, int64_t *out)
{
	tok_t *t = p_cur(p);
	if (t->kind != T_INT)
		return p_fail(p, what);
	if (digits_to_i64(t->text, out))
		return p_fail_at(p, t->pos, LARCH_PARSE_ERROR, "integer %s out of range", t->text);
	p_next(p);
	return LARCH_OK;
}

static int hex_value(unsigned char c)
{
	if (isdigit(c))
		return c - '0';
	c = (unsigned char)toupper(c);
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int ast_hex_decode(const char *hex, size_t len, uint8_t *out, size_t *n)
{
	size_t digits = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)hex[i];
		if (isspace(c))
			continue;
		int v = hex_value(c);
		if (v < 0)
			return 1;
		if (digits % 2 == 0)
			out[digits / 2] = (uint8_t)(v << 4);
		else
			out[digits / 2] |= (uint8_t)v;
		digits++;
	}
	if (digits % 2)
		return 2;
	*n = digits / 2;
	return 0;
}

/* X'..' token into e: decode the hex between the quotes.  A bad literal is
 * IoTDB's SemanticException (701) with its message. */
static int p_blob(parser_t *p, const tok_t *t, ast_expr_t *e)
{
	static const char *const why[] = {
		"", "Binary literal can only contain hexadecimal digits",
		"Binary literal must contain an even number of digits",
	};
	size_t len = (size_t)t->len - 3; /* X' and ' */
	e->bytes = len ? arena_alloc(p->arena, (len + 1) / 2) : NULL;
	if (len && !e->bytes)
		return p_oom(p);
	int bad = ast_hex_decode(p->sql + t->pos + 2, len, e->bytes, &e->n_bytes);
	return bad ? p_fail_at(p, t->pos, LARCH_SEMANTIC_ERROR, "%s", why[bad]) : LARCH_OK;
}

/* INT (FLOAT when beyond int64, keeping the digits in sval), FLOAT, STRING,
 * BLOB, DATETIME or DURATION token into a literal node. */
static int p_literal(parser_t *p, ast_expr_t **out)
{
	tok_t *t = p_cur(p);
	ast_expr_t *e;
	switch (t->kind) {
	case T_INT:
		P_NODE(e, p, AST_E_INT, t->pos);
		if (digits_to_i64(t->text, &e->ival)) {
			e->kind = AST_E_FLOAT;
			e->fval = strtod(t->text, NULL);
		}
		break;
	case T_FLOAT:
		P_NODE(e, p, AST_E_FLOAT, t->pos);
		e->fval = strtod(t->text, NULL);
		break;
	case T_STRING:
		P_NODE(e, p, AST_E_STRING, t->pos);
		break;
	case T_DATETIME:
		P_NODE(e, p, AST_E_DATETIME, t->pos);
		break;
	case T_BLOB:
		P_NODE(e, p, AST_E_BLOB, t->pos);
		P_TRY(p_blob(p, t, e));
		break;
	case T_DURATION:
		P_NODE(e, p, AST_E_DURATION, t->pos);
		if (lex_duration(t->text, (size_t)t->len, &e->dur)) /* the lexer checked the form */
			return p_fail_at(p, t->pos, LARCH_PARSE_ERROR, "duration %s out of range",
					 t->text);
		break;
	default:
		return p_fail(p, "a literal");
	}
	e->sval = t->text;
	p_next(p);
	*out = e;
	return LARCH_OK;
}

/* -literal: negate in place; the text gains a leading '-' and an integer
 * that only fits negated (-9223372036854775808) becomes INT again. */
static int p_fold_minus(parser_t *p, ast_expr_t *e)
{
	size_t n = strlen(e->sval);
	char *s = arena_alloc(p->arena, n + 2);
	if (!s)
		return p_oom(p);
	s[0] = '-';
	memcpy(s + 1, e->sval, n + 1);
	e->sval = s;
	if (e->kind == AST_E_INT) {
		e->ival = -e->ival;
		return LARCH_OK;
	}
	e->fval = -e->fval;
	if (strcmp(s + 1, "9223372036854775808") == 0) {
		e->kind = AST_E_INT;
		e->ival = INT64_MIN;
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Paths
 *---------------------------------------------------------------------------*/

/* A node needs backquotes in canonical text unless it is made of word bytes
 * only (or is an unquoted wildcard pattern). */
static int node_plain(const char *s, int quoted)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!(isalnum(c) || c == '_' || c >= 0x80 || (!quoted && c == '*')))
			return 0;
	}
	return 1;
}

/* Build path->text from its nodes: joined by '.', non-plain nodes in
 * backquotes with inner backquotes doubled. */
static int path_make_text(parser_t *p, ast_path_t *path)
{
	size_t cap = 1;
	for (size_t i = 0; i < path->n; i++)
		cap += 2 * strlen(path->nodes[i]) + 3;
	char *t = arena_alloc(p->arena, cap), *o = t;
	if (!t)
		return p_oom(p);
	for (size_t i = 0; i < path->n; i++) {
		const char *s = path->nodes[i];
		int plain = node_plain(s, path->quoted[i]);
		if (i)
			*o++ = '.';
		if (!plain)
			*o++ = '`';
		for (; *s; s++) {
			if (*s == '`')
				*o++ = '`';
			*o++ = *s;
		}
		if (!plain)
			*o++ = '`';
	}
	*o = 0;
	path->text = t;
	return LARCH_OK;
}

/* Can token t be (part of) a path node?  first: the first node, where
 * numbers and strings are not names. */
static int tok_is_node(const tok_t *t, int first, int full_path)
{
	switch (t->kind) {
	case T_WORD:
		return !first || full_path || !word_reserved(t->text);
	case T_QUOTED: case T_STAR: case T_STAR2:
		return 1;
	case T_INT: case T_DURATION: case T_FLOAT:
		return !first;
	case T_STRING: /* old releases wrote odd nodes in double quotes */
		return !first && t->quote == '"';
	default:
		return 0;
	}
}

/* One node.  In full-path context adjacent word, number and '*' tokens with
 * no space between them form one node (partial wildcards: d*, *1, s*x). */
static int p_path_node(parser_t *p, int first, int full_path, char **name, uint8_t *quoted)
{
	tok_t *t = p_cur(p);
	if (!tok_is_node(t, first, full_path))
		return p_fail(p, "a path node");
	*quoted = t->kind == T_QUOTED || t->kind == T_STRING;
	p_next(p);
	if (*quoted || !full_path || t->kind == T_STAR2) {
		*name = t->text;
		return LARCH_OK;
	}
	int end = t->pos + t->len;
	size_t start_i = p->i - 1;
	for (;;) {
		tok_t *n = p_cur(p);
		if (n->pos != end || !(n->kind == T_WORD || n->kind == T_INT || n->kind == T_STAR ||
				       n->kind == T_DURATION))
			break;
		end = n->pos + n->len;
		p_next(p);
	}
	if (p->i - 1 == start_i) {
		*name = t->text;
		return LARCH_OK;
	}
	*name = arena_strndup(p->arena, p->sql + t->pos, (size_t)(end - t->pos));
	return *name ? LARCH_OK : p_oom(p);
}

int p_path(parser_t *p, int full_path, ast_path_t **out)
{
	ast_path_t *path = p_alloc(p, sizeof(*path));
	if (!path)
		return LARCH_NO_MEMORY;
	path->pos = p_cur(p)->pos;
	size_t cap_n = 0, cap_q = 0;
	do {
		char *name;
		uint8_t q;
		P_TRY(p_path_node(p, path->n == 0, full_path, &name, &q));
		size_t n = path->n;
		P_TRY(p_push(p, &path->nodes, &n, &cap_n, sizeof(name), &name));
		P_TRY(p_push(p, &path->quoted, &path->n, &cap_q, 1, &q));
	} while (p_accept(p, T_DOT));
	P_TRY(path_make_text(p, path));
	*out = path;
	return LARCH_OK;
}

int p_path_list(parser_t *p, ast_path_t ***out, size_t *n)
{
	size_t cap = 0;
	do {
		ast_path_t *path;
		P_TRY(p_path(p, 1, &path));
		P_TRY(p_push(p, out, n, &cap, sizeof(path), &path));
	} while (p_accept(p, T_COMMA));
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Names, key=value lists, types
 *---------------------------------------------------------------------------*/

static int tok_is_name(const tok_t *t)
{
	return t->kind == T_WORD || t->kind == T_QUOTED || t->kind == T_STRING ||
	       t->kind == T_INT || t->kind == T_FLOAT || t->kind == T_DURATION;
}

int p_name(parser_t *p, char **out)
{
	if (!tok_is_name(p_cur(p)))
		return p_fail(p, "a name");
	*out = p_cur(p)->text;
	p_next(p);
	return LARCH_OK;
}

/* A value of k=v: a name, or a signed number ("-1"). */
static int p_kv_value(parser_t *p, char **out)
{
	tok_t *t = p_cur(p), *n = p_peek(p, 1);
	if ((t->kind == T_MINUS || t->kind == T_PLUS) && (n->kind == T_INT || n->kind == T_FLOAT) &&
	    n->pos == t->pos + 1) {
		p_next(p);
		p_next(p);
		*out = arena_strndup(p->arena, p->sql + t->pos, (size_t)(n->len + 1));
		return *out ? LARCH_OK : p_oom(p);
	}
	return p_name(p, out);
}

static int kv_starts(parser_t *p, size_t k)
{
	return tok_is_name(p_peek(p, k)) && p_peek(p, k + 1)->kind == T_EQ;
}

int p_kv_list(parser_t *p, int sep_optional, ast_kv_t **out, size_t *n)
{
	size_t cap = 0;
	while (kv_starts(p, 0)) {
		ast_kv_t kv = {NULL, NULL, p_cur(p)->pos};
		P_TRY(p_name(p, &kv.key));
		p_next(p); /* = */
		P_TRY(p_kv_value(p, &kv.value));
		P_TRY(p_push(p, out, n, &cap, sizeof(kv), &kv));
		if (p_at(p, T_COMMA) && kv_starts(p, 1))
			p_next(p);
		else if (!sep_optional)
			break;
	}
	return LARCH_OK;
}

int p_type(parser_t *p, tsfile_type_t *out)
{
	tok_t *t = p_cur(p);
	int ty = t->kind == T_WORD ? tsfile_type_parse(t->text) : -1;
	if (ty < 0 || ty == TSFILE_VECTOR)
		return p_fail(p, "a data type (BOOLEAN, INT32, INT64, FLOAT, DOUBLE, TEXT, STRING, "
				 "BLOB, TIMESTAMP, DATE)");
	*out = (tsfile_type_t)ty;
	p_next(p);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Expressions
 *---------------------------------------------------------------------------*/

static int p_unary(parser_t *p, ast_expr_t **out);

/* CASE [operand] WHEN c THEN r ... [ELSE e] END (CASE already consumed). */
static int p_case(parser_t *p, ast_expr_t *e)
{
	size_t cap = 0;
	if (!p_is_kw(p, "WHEN"))
		P_TRY(p_expr(p, &e->a));
	while (p_accept_kw(p, "WHEN")) {
		ast_expr_t *w, *t;
		P_TRY(p_expr(p, &w));
		P_TRY(p_expect_kw(p, "THEN"));
		P_TRY(p_expr(p, &t));
		P_TRY(p_push(p, &e->list, &e->n_list, &cap, sizeof(w), &w));
		P_TRY(p_push(p, &e->list, &e->n_list, &cap, sizeof(t), &t));
	}
	if (e->n_list == 0)
		return p_fail(p, "WHEN");
	if (p_accept_kw(p, "ELSE"))
		P_TRY(p_expr(p, &e->b));
	return p_expect_kw(p, "END");
}

/* One argument of a function call: a bare * is AST_E_STAR. */
static int p_func_arg(parser_t *p, ast_expr_t **out)
{
	tok_t *n = p_peek(p, 1);
	if (p_at(p, T_STAR) && (n->kind == T_RPAREN || n->kind == T_COMMA)) {
		P_NODE(*out, p, AST_E_STAR, p_cur(p)->pos);
		p_next(p);
		return LARCH_OK;
	}
	return p_expr(p, out);
}

/* name ( [DISTINCT] arg, ..., 'k'='v', ... ); also CAST(x AS type) and
 * SUBSTRING(x FROM a [FOR b]) (args x, a[, b]).  Name already current. */
static int p_func(parser_t *p, ast_expr_t **out)
{
	ast_expr_t *e;
	P_NODE(e, p, AST_E_FUNC, p_cur(p)->pos);
	e->sval = p_cur(p)->text;
	p_next(p);
	p_next(p); /* ( */
	size_t cap = 0, cap_attr = 0;
	int is_cast = strcasecmp(e->sval, "CAST") == 0;
	e->distinct = p_accept_kw(p, "DISTINCT");
	while (!p_at(p, T_RPAREN)) {
		if (e->n_list + e->n_attrs)
			P_TRY(p_expect(p, T_COMMA, "',' or ')'"));
		if (p_at(p, T_STRING) && p_peek(p, 1)->kind == T_EQ) {
			ast_kv_t kv = {p_cur(p)->text, NULL, p_cur(p)->pos};
			p_next(p);
			p_next(p);
			P_TRY(p_kv_value(p, &kv.value));
			P_TRY(p_push(p, &e->attrs, &e->n_attrs, &cap_attr, sizeof(kv), &kv));
			continue;
		}
		if (e->n_attrs)
			return p_fail(p, "an attribute 'key'='value'");
		ast_expr_t *a;
		P_TRY(p_func_arg(p, &a));
		P_TRY(p_push(p, &e->list, &e->n_list, &cap, sizeof(a), &a));
		if (is_cast && e->n_list == 1) {
			P_TRY(p_expect_kw(p, "AS"));
			P_TRY(p_type(p, &e->cast_type));
			break;
		}
		if (e->n_list == 1 && p_accept_kw(p, "FROM")) { /* SUBSTRING(x FROM a FOR b) */
			P_TRY(p_additive(p, &a));
			P_TRY(p_push(p, &e->list, &e->n_list, &cap, sizeof(a), &a));
			if (p_accept_kw(p, "FOR")) {
				P_TRY(p_additive(p, &a));
				P_TRY(p_push(p, &e->list, &e->n_list, &cap, sizeof(a), &a));
			}
			break;
		}
	}
	if (is_cast && e->n_list != 1)
		return p_fail(p, "CAST(expression AS type)");
	P_TRY(p_expect(p, T_RPAREN, "')'"));
	*out = e;
	return LARCH_OK;
}

/* A word in primary position: true/false/null, time, CASE, now(), a
 * function call or a path. */
static int p_word_primary(parser_t *p, ast_expr_t **out)
{
	tok_t *t = p_cur(p), *n = p_peek(p, 1);
	ast_expr_t *e;
	if (p_is_kw(p, "true") || p_is_kw(p, "false")) {
		P_NODE(e, p, AST_E_BOOL, t->pos);
		e->ival = p_is_kw(p, "true");
	} else if (p_is_kw(p, "null")) {
		P_NODE(e, p, AST_E_NULL, t->pos);
	} else if ((p_is_kw(p, "time") || p_is_kw(p, "timestamp")) && n->kind != T_LPAREN &&
		   n->kind != T_DOT) {
		P_NODE(e, p, AST_E_TIME, t->pos);
	} else if (p_is_kw(p, "now") && n->kind == T_LPAREN && p_peek(p, 2)->kind == T_RPAREN) {
		P_NODE(e, p, AST_E_NOW, t->pos);
		p_next(p);
		p_next(p);
	} else if (p_is_kw(p, "CASE")) {
		P_NODE(e, p, AST_E_CASE, t->pos);
		p_next(p);
		P_TRY(p_case(p, e));
		*out = e;
		return LARCH_OK;
	} else if (n->kind == T_LPAREN) {
		return p_func(p, out);
	} else {
		if (word_reserved(t->text))
			return p_fail(p, "an expression");
		P_NODE(e, p, AST_E_PATH, t->pos);
		P_TRY(p_path(p, 0, &e->path));
		*out = e;
		return LARCH_OK;
	}
	p_next(p);
	*out = e;
	return LARCH_OK;
}

static int p_primary(parser_t *p, ast_expr_t **out)
{
	tok_t *t = p_cur(p);
	ast_expr_t *e;
	switch (t->kind) {
	case T_LPAREN:
		p_next(p);
		P_TRY(p_expr(p, out));
		return p_expect(p, T_RPAREN, "')'");
	case T_INT: case T_FLOAT: case T_STRING: case T_DATETIME: case T_DURATION: case T_BLOB:
		return p_literal(p, out);
	case T_WORD:
		return p_word_primary(p, out);
	case T_QUOTED: case T_STAR: case T_STAR2:
		P_NODE(e, p, AST_E_PATH, t->pos);
		P_TRY(p_path(p, 0, &e->path));
		*out = e;
		return LARCH_OK;
	default:
		return p_fail(p, "an expression");
	}
}

static int p_unary(parser_t *p, ast_expr_t **out)
{
	tok_t *t = p_cur(p);
	if (t->kind != T_MINUS && t->kind != T_PLUS)
		return p_primary(p, out);
	P_TRY(p_enter(p));
	p_next(p);
	ast_expr_t *a, *e;
	P_TRY(p_unary(p, &a));
	p->depth--;
	if ((a->kind == AST_E_INT || a->kind == AST_E_FLOAT) && a->sval[0] != '-' &&
	    a->sval[0] != '+') {
		a->pos = t->pos;
		*out = a;
		return t->kind == T_MINUS ? p_fold_minus(p, a) : LARCH_OK;
	}
	P_NODE(e, p, AST_E_UNARY, t->pos);
	e->op = t->kind == T_MINUS ? AST_OP_NEG : AST_OP_POS;
	e->a = a;
	*out = e;
	return LARCH_OK;
}

static int p_binary(parser_t *p, ast_op_t op, int pos, ast_expr_t *a, ast_expr_t *b,
		    ast_expr_t **out)
{
	ast_expr_t *e;
	P_NODE(e, p, AST_E_BINARY, pos);
	e->op = op;
	e->a = a;
	e->b = b;
	*out = e;
	return LARCH_OK;
}

static int p_multiplicative(parser_t *p, ast_expr_t **out)
{
	P_TRY(p_unary(p, out));
	for (;;) {
		tok_t *t = p_cur(p);
		ast_op_t op;
		if (t->kind == T_STAR)
			op = AST_OP_MUL;
		else if (t->kind == T_SLASH)
			op = AST_OP_DIV;
		else if (t->kind == T_PERCENT)
			op = AST_OP_MOD;
		else
			return LARCH_OK;
		p_next(p);
		ast_expr_t *b;
		P_TRY(p_unary(p, &b));
		P_TRY(p_binary(p, op, t->pos, *out, b, out));
	}
}

int p_additive(parser_t *p, ast_expr_t **out)
{
	P_TRY(p_multiplicative(p, out));
	for (;;) {
		tok_t *t = p_cur(p);
		if (t->kind != T_PLUS && t->kind != T_MINUS)
			return LARCH_OK;
		p_next(p);
		ast_expr_t *b;
		P_TRY(p_multiplicative(p, &b));
		P_TRY(p_binary(p, t->kind == T_PLUS ? AST_OP_ADD : AST_OP_SUB, t->pos, *out, b, out));
	}
}

static int tok_cmp_op(const tok_t *t, ast_op_t *op)
{
	static const struct { tok_kind_t k; ast_op_t op; } map[] = {
		{T_EQ, AST_OP_EQ}, {T_NE, AST_OP_NE}, {T_LT, AST_OP_LT},
		{T_LE, AST_OP_LE}, {T_GT, AST_OP_GT}, {T_GE, AST_OP_GE},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(map); i++)
		if (map[i].k == t->kind) {
			*op = map[i].op;
			return 1;
		}
	return 0;
}

/* ( expr, ... ) of IN; the opening '(' is current. */
static int p_in_list(parser_t *p, ast_expr_t *e)
{
	size_t cap = 0;
	P_TRY(p_expect(p, T_LPAREN, "'('"));
	do {
		ast_expr_t *v;
		P_TRY(p_additive(p, &v));
		P_TRY(p_push(p, &e->list, &e->n_list, &cap, sizeof(v), &v));
	} while (p_accept(p, T_COMMA));
	return p_expect(p, T_RPAREN, "')'");
}

/* The predicate suffixes of a (after it): BETWEEN, IN, LIKE, REGEXP, IS
 * NULL, each optionally negated.  *done = 0 when none follows. */
static int p_predicate_suffix(parser_t *p, ast_expr_t *a, ast_expr_t **out, int *done)
{
	int pos = p_cur(p)->pos;
	int neg = 0;
	size_t k = 0;
	if (p_is_kw(p, "NOT") && (p_kw_at(p, 1, "BETWEEN") || p_kw_at(p, 1, "IN") ||
				  p_kw_at(p, 1, "LIKE") || p_kw_at(p, 1, "REGEXP"))) {
		neg = 1;
		k = 1;
	}
	static const struct { const char *kw; ast_expr_kind_t kind; } preds[] = {
		{"BETWEEN", AST_E_BETWEEN}, {"IN", AST_E_IN}, {"LIKE", AST_E_LIKE},
		{"REGEXP", AST_E_REGEXP}, {"IS", AST_E_IS_NULL},
	};
	size_t i = 0;
	while (i < LR_ARRAY_LEN(preds) && !p_kw_at(p, k, preds[i].kw))
		i++;
	*done = i < LR_ARRAY_LEN(preds);
	if (!*done)
		return LARCH_OK;
	p->i += k + 1;
	ast_expr_t *e;
	P_NODE(e, p, preds[i].kind, pos);
	e->a = a;
	e->negated = neg;
	switch (preds[i].kind) {
	case AST_E_BETWEEN:
		P_TRY(p_additive(p, &e->b));
		P_TRY(p_expect_kw(p, "AND"));
		P_TRY(p_additive(p, &e->c));
		break;
	case AST_E_IN:
		P_TRY(p_in_list(p, e));
		break;
	case AST_E_IS_NULL:
		e->negated = p_accept_kw(p, "NOT");
		P_TRY(p_expect_kw(p, "NULL"));
		break;
	default: /* LIKE, REGEXP */
		P_TRY(p_additive(p, &e->b));
		break;
	}
	*out = e;
	return LARCH_OK;
}

static int p_comparison(parser_t *p, ast_expr_t **out)
{
	P_TRY(p_additive(p, out));
	for (;;) {
		tok_t *t = p_cur(p);
		ast_op_t op;
		int done;
		if (tok_cmp_op(t, &op)) {
			p_next(p);
			ast_expr_t *b;
			P_TRY(p_additive(p, &b));
			P_TRY(p_binary(p, op, t->pos, *out, b, out));
			continue;
		}
		P_TRY(p_predicate_suffix(p, *out, out, &done));
		if (!done)
			return LARCH_OK;
	}
}

static int p_not(parser_t *p, ast_expr_t **out)
{
	tok_t *t = p_cur(p);
	if (!(p_is_kw(p, "NOT") || t->kind == T_BANG))
		return p_comparison(p, out);
	P_TRY(p_enter(p));
	p_next(p);
	ast_expr_t *e;
	P_NODE(e, p, AST_E_UNARY, t->pos);
	e->op = AST_OP_NOT;
	P_TRY(p_not(p, &e->a));
	p->depth--;
	*out = e;
	return LARCH_OK;
}

static int p_and(parser_t *p, ast_expr_t **out)
{
	P_TRY(p_not(p, out));
	for (;;) {
		tok_t *t = p_cur(p);
		if (!(p_is_kw(p, "AND") || t->kind == T_AND))
			return LARCH_OK;
		p_next(p);
		ast_expr_t *b;
		P_TRY(p_not(p, &b));
		P_TRY(p_binary(p, AST_OP_AND, t->pos, *out, b, out));
	}
}

int p_expr(parser_t *p, ast_expr_t **out)
{
	P_TRY(p_enter(p));
	P_TRY(p_and(p, out));
	for (;;) {
		tok_t *t = p_cur(p);
		if (!(p_is_kw(p, "OR") || t->kind == T_OR))
			break;
		p_next(p);
		ast_expr_t *b;
		P_TRY(p_and(p, &b));
		P_TRY(p_binary(p, AST_OP_OR, t->pos, *out, b, out));
	}
	p->depth--;
	return LARCH_OK;
}
