/*
 * parse_select.c — the SELECT statement of IoTDB's tree model:
 *
 *   SELECT [LAST] expr [AS alias], ... FROM prefix, ... [WHERE cond]
 *   then, in any order and each at most once:
 *     GROUP BY item, ...     item: ([s, e), interval[, step]) | ((s, e], ...)
 *                                  | (interval[, step]) | LEVEL = n, ...
 *                                  | TAGS(k, ...) | DEVICE (old ALIGN BY DEVICE)
 *     HAVING cond
 *     FILL(PREVIOUS[, duration] | LINEAR | constant)     (IoTDB 2.0's forms)
 *     FILL(PREVIOUSUNTILLAST[, duration])                  (0.13)
 *     FILL(type[method, ranges], ...)   (0.10-0.13's per-type list; type may
 *                                        be ALL; ranges durations, integers
 *                                        or -1 for infinite)
 *     ORDER BY key [ASC|DESC] [NULLS FIRST|LAST], ...
 *     LIMIT n | OFFSET n | SLIMIT n | SOFFSET n
 *     ALIGN BY DEVICE | ALIGN BY TIME | DISABLE ALIGN
 *
 * LIMIT/OFFSET/SLIMIT/SOFFSET values are checked here with IoTDB's messages
 * and its SEMANTIC_ERROR (701): LIMIT and OFFSET are Int64, SLIMIT and
 * SOFFSET Int32; LIMIT and SLIMIT must be greater than 0.  A non-integer
 * (LIMIT 13.1) is a parse error (700) at the offending token.
 */
#include <strings.h>

#include "query/parse_int.h"

enum { SEEN_GROUP = 1, SEEN_HAVING = 2, SEEN_FILL = 4, SEEN_ORDER = 8, SEEN_LIMIT = 16,
       SEEN_OFFSET = 32, SEEN_SLIMIT = 64, SEEN_SOFFSET = 128, SEEN_ALIGN = 256 };

/*---------------------------------------------------------------------------
 * Result columns and FROM
 *---------------------------------------------------------------------------*/

static int p_result_columns(parser_t *p, ast_select_t *s)
{
	size_t cap = 0;
	do {
		ast_result_col_t col = {NULL, NULL};
		P_TRY(p_expr(p, &col.expr));
		if (p_accept_kw(p, "AS"))
			P_TRY(p_name(p, &col.alias));
		P_TRY(p_push(p, &s->cols, &s->n_cols, &cap, sizeof(col), &col));
	} while (p_accept(p, T_COMMA));
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * GROUP BY
 *---------------------------------------------------------------------------*/

/* ( [range ,] interval [, step] ) with range [s, e) or (s, e]; the outer
 * '(' is current. */
static int p_group_time(parser_t *p, ast_select_t *s)
{
	ast_group_time_t *g = p_alloc(p, sizeof(*g));
	if (!g)
		return LARCH_NO_MEMORY;
	g->pos = p_cur(p)->pos;
	p_next(p);
	if (p_at(p, T_LBRACKET) || p_at(p, T_LPAREN)) {
		g->left_open = p_at(p, T_LPAREN);
		p_next(p);
		P_TRY(p_additive(p, &g->start));
		P_TRY(p_expect(p, T_COMMA, "','"));
		P_TRY(p_additive(p, &g->end));
		if (g->left_open)
			P_TRY(p_expect(p, T_RBRACKET, "']' (a window (start, end] is left-open)"));
		else
			P_TRY(p_expect(p, T_RPAREN, "')' (a window [start, end) is right-open)"));
		P_TRY(p_expect(p, T_COMMA, "','"));
	}
	P_TRY(p_additive(p, &g->interval));
	if (p_accept(p, T_COMMA))
		P_TRY(p_additive(p, &g->step));
	P_TRY(p_expect(p, T_RPAREN, "')'"));
	s->group_time = g;
	return LARCH_OK;
}

/* LEVEL = n [, n ...] (LEVEL already consumed); a comma followed by a
 * non-integer ends the list (the next GROUP BY item). */
static int p_group_levels(parser_t *p, ast_select_t *s)
{
	size_t cap = 0;
	P_TRY(p_expect(p, T_EQ, "'='"));
	for (;;) {
		int64_t v;
		int pos = p_cur(p)->pos;
		P_TRY(p_int_token(p, "a level number", &v));
		if (v > INT32_MAX)
			return p_fail_at(p, pos, LARCH_PARSE_ERROR, "level %lld out of range",
					 (long long)v);
		int lv = (int)v;
		P_TRY(p_push(p, &s->group_levels, &s->n_group_levels, &cap, sizeof(lv), &lv));
		if (!p_at(p, T_COMMA) || p_peek(p, 1)->kind != T_INT)
			return LARCH_OK;
		p_next(p);
	}
}

/* TAGS ( k, ... ) (TAGS already consumed). */
static int p_group_tags(parser_t *p, ast_select_t *s)
{
	size_t cap = 0;
	P_TRY(p_expect(p, T_LPAREN, "'('"));
	do {
		char *k;
		P_TRY(p_name(p, &k));
		P_TRY(p_push(p, &s->group_tags, &s->n_group_tags, &cap, sizeof(k), &k));
	} while (p_accept(p, T_COMMA));
	return p_expect(p, T_RPAREN, "')'");
}

static int p_group_by(parser_t *p, ast_select_t *s)
{
	P_TRY(p_expect_kw(p, "BY"));
	if (p_accept_kw(p, "DEVICE")) {
		s->align = AST_ALIGN_DEVICE;
		return LARCH_OK;
	}
	do {
		if ((p_at(p, T_LPAREN) && s->group_time) || (p_is_kw(p, "LEVEL") && s->n_group_levels) ||
		    (p_is_kw(p, "TAGS") && s->n_group_tags))
			return p_fail_at(p, p_cur(p)->pos, LARCH_PARSE_ERROR,
					 "duplicate GROUP BY item");
		if (p_at(p, T_LPAREN))
			P_TRY(p_group_time(p, s));
		else if (p_accept_kw(p, "LEVEL"))
			P_TRY(p_group_levels(p, s));
		else if (p_accept_kw(p, "TAGS"))
			P_TRY(p_group_tags(p, s));
		else if (p_is_kw(p, "VARIATION") || p_is_kw(p, "CONDITION") ||
			 p_is_kw(p, "SESSION") || p_is_kw(p, "COUNT"))
			return p_fail_at(p, p_cur(p)->pos, LARCH_PARSE_ERROR,
					 "GROUP BY %s is not supported", p_cur(p)->text);
		else
			return p_fail(p, "a GROUP BY item: a time window, LEVEL = n or TAGS(...)");
	} while (p_accept(p, T_COMMA));
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * FILL
 *---------------------------------------------------------------------------*/

/* The start of a FILL constant (IoTDB 2.0's `constant`): a number, a
 * signed number, a string, a datetime, TRUE/FALSE/NULL/NaN.  Anything else
 * (an unknown word) is a parse error. */
static int p_fill_constant_start(parser_t *p)
{
	static const char *const words[] = {"TRUE", "FALSE", "NULL", "NAN"};
	const tok_kind_t k = p_cur(p)->kind;

	if (k == T_INT || k == T_FLOAT || k == T_STRING || k == T_DATETIME)
		return 1;
	if (k == T_MINUS || k == T_PLUS)
		return p_peek(p, 1)->kind == T_INT || p_peek(p, 1)->kind == T_FLOAT;
	for (size_t i = 0; i < LR_ARRAY_LEN(words); i++)
		if (p_is_kw(p, words[i]))
			return 1;
	return 0;
}

/* One range of an old per-type item: a duration, an integer in precision
 * units, or -1 (the seed: "-1 means infinite"). */
static int p_fill_item_bound(parser_t *p, ast_expr_t **out)
{
	if (!p_at(p, T_DURATION) && !p_at(p, T_INT) &&
	    !(p_at(p, T_MINUS) && p_peek(p, 1)->kind == T_INT))
		return p_fail(p, "a duration");
	return p_additive(p, out);
}

/* type[PREVIOUS[, b] | PREVIOUSUNTILLAST[, b] | LINEAR[, b, a] | constant]
 * of the 0.10-0.13 per-type list; the type may be ALL (0.13). */
static int p_fill_item(parser_t *p, ast_fill_t *f, size_t *cap)
{
	ast_fill_item_t it = {0};
	int ranges = 1;

	it.pos = p_cur(p)->pos;
	if (p_accept_kw(p, "ALL"))
		it.all = 1;
	else
		P_TRY(p_type(p, &it.type));
	P_TRY(p_expect(p, T_LBRACKET, "'['"));
	if (p_accept_kw(p, "PREVIOUS")) {
		it.method = AST_FM_PREVIOUS;
	} else if (p_accept_kw(p, "PREVIOUSUNTILLAST")) {
		it.method = AST_FM_PREVIOUSUNTILLAST;
	} else if (p_accept_kw(p, "LINEAR")) {
		it.method = AST_FM_LINEAR;
		ranges = 2;
	} else {
		if (!p_fill_constant_start(p))
			return p_fail(p, "LINEAR, PREVIOUS, PREVIOUSUNTILLAST or a constant");
		it.method = AST_FM_VALUE;
		ranges = 0;
		P_TRY(p_additive(p, &it.value));
	}
	if (ranges >= 1 && p_accept(p, T_COMMA))
		P_TRY(p_fill_item_bound(p, &it.before));
	if (ranges >= 2 && it.before && p_accept(p, T_COMMA))
		P_TRY(p_fill_item_bound(p, &it.after));
	P_TRY(p_expect(p, T_RBRACKET, "']'"));
	return p_push(p, &f->items, &f->n_items, cap, sizeof(it), &it);
}

/* The forms of IoTDB 2.0, FILL(LINEAR | PREVIOUS | constant [, duration]),
 * plus 0.13's FILL(PREVIOUSUNTILLAST[, duration]).  The duration belongs
 * to PREVIOUS and PREVIOUSUNTILLAST only: after LINEAR or a constant it is
 * IoTDB 2.0's 701. */
static int p_fill_single(parser_t *p, ast_fill_t *f)
{
	if (p_accept_kw(p, "PREVIOUS")) {
		f->kind = AST_FILL_PREVIOUS;
	} else if (p_accept_kw(p, "PREVIOUSUNTILLAST")) {
		f->kind = AST_FILL_PREVIOUSUNTILLAST;
	} else if (p_accept_kw(p, "LINEAR")) {
		f->kind = AST_FILL_LINEAR;
	} else {
		if (!p_fill_constant_start(p))
			return p_fail(p, "LINEAR, PREVIOUS or a constant");
		f->kind = AST_FILL_VALUE;
		P_TRY(p_additive(p, &f->value));
	}
	if (!p_accept(p, T_COMMA))
		return LARCH_OK;
	int pos = p_cur(p)->pos;
	if (!p_at(p, T_DURATION))
		return p_fail(p, "a duration");
	P_TRY(p_additive(p, &f->before));
	if (f->kind != AST_FILL_PREVIOUS && f->kind != AST_FILL_PREVIOUSUNTILLAST)
		return p_fail_at(p, pos, LARCH_SEMANTIC_ERROR,
				 "Only FILL(PREVIOUS) support specifying the time duration "
				 "threshold.");
	return LARCH_OK;
}

/* FILL ( ... ): a word followed by '[' starts the old per-type list
 * (AST_FILL_OLD, items in order), anything else one of the single forms. */
static int p_fill(parser_t *p, ast_fill_t *f)
{
	f->pos = p_cur(p)->pos;
	P_TRY(p_expect(p, T_LPAREN, "'('"));
	if (p_at(p, T_WORD) && p_peek(p, 1)->kind == T_LBRACKET) {
		size_t cap = 0;
		f->kind = AST_FILL_OLD;
		do
			P_TRY(p_fill_item(p, f, &cap));
		while (p_accept(p, T_COMMA));
	} else {
		P_TRY(p_fill_single(p, f));
	}
	return p_expect(p, T_RPAREN, "')'");
}

/*---------------------------------------------------------------------------
 * ORDER BY, LIMIT and friends, ALIGN
 *---------------------------------------------------------------------------*/

static int p_order_by(parser_t *p, ast_select_t *s)
{
	size_t cap = 0;
	P_TRY(p_expect_kw(p, "BY"));
	do {
		ast_order_item_t it = {NULL, 0, -1};
		P_TRY(p_expr(p, &it.expr));
		if (p_accept_kw(p, "DESC"))
			it.desc = 1;
		else
			p_accept_kw(p, "ASC");
		if (p_accept_kw(p, "NULLS")) {
			if (p_accept_kw(p, "FIRST"))
				it.nulls_first = 1;
			else if (p_accept_kw(p, "LAST"))
				it.nulls_first = 0;
			else
				return p_fail(p, "FIRST or LAST");
		}
		P_TRY(p_push(p, &s->order, &s->n_order, &cap, sizeof(it), &it));
	} while (p_accept(p, T_COMMA));
	return LARCH_OK;
}

/* The number of LIMIT / OFFSET / SLIMIT / SOFFSET with IoTDB's checks:
 * at most `max`, at least `min` (0 or 1). */
static int p_limit_value(parser_t *p, const char *range_msg, const char *min_msg, int64_t max,
			 int64_t min, int64_t *out)
{
	tok_t *t = p_cur(p);
	if (t->kind != T_INT)
		return p_fail(p, "an integer");
	uint64_t v = 0;
	for (const char *c = t->text; *c; c++) {
		unsigned d = (unsigned)(*c - '0');
		if (v > ((uint64_t)max - d) / 10)
			return p_fail_at(p, t->pos, LARCH_SEMANTIC_ERROR, "%s", range_msg);
		v = v * 10 + d;
	}
	if ((int64_t)v < min)
		return p_fail_at(p, t->pos, LARCH_SEMANTIC_ERROR, "%s", min_msg);
	p_next(p);
	*out = (int64_t)v;
	return LARCH_OK;
}

/* One clause after WHERE; *matched = 0 when the current token starts none. */
static int p_tail_clause(parser_t *p, ast_select_t *s, unsigned *seen, int *matched)
{
	static const struct { const char *kw, *kw2; unsigned bit; } clauses[] = {
		{"GROUP", NULL, SEEN_GROUP}, {"HAVING", NULL, SEEN_HAVING}, {"FILL", NULL, SEEN_FILL},
		{"ORDER", NULL, SEEN_ORDER}, {"LIMIT", NULL, SEEN_LIMIT}, {"OFFSET", NULL, SEEN_OFFSET},
		{"SLIMIT", NULL, SEEN_SLIMIT}, {"SOFFSET", NULL, SEEN_SOFFSET},
		{"ALIGN", NULL, SEEN_ALIGN}, {"DISABLE", "ALIGN", SEEN_ALIGN},
	};
	size_t k = 0;
	while (k < LR_ARRAY_LEN(clauses) && !p_is_kw(p, clauses[k].kw))
		k++;
	*matched = k < LR_ARRAY_LEN(clauses);
	if (!*matched)
		return LARCH_OK;
	tok_t *t = p_cur(p);
	if (*seen & clauses[k].bit)
		return p_fail_at(p, t->pos, LARCH_PARSE_ERROR, "duplicate %s clause", t->text);
	*seen |= clauses[k].bit;
	p_next(p);
	switch (clauses[k].bit) {
	case SEEN_GROUP:
		return p_group_by(p, s);
	case SEEN_HAVING:
		return p_expr(p, &s->having);
	case SEEN_FILL:
		return p_fill(p, &s->fill);
	case SEEN_ORDER:
		return p_order_by(p, s);
	case SEEN_LIMIT:
		return p_limit_value(p, "Out of range. LIMIT <N>: N should be Int64.",
				     "LIMIT <N>: N should be greater than 0.", INT64_MAX, 1, &s->limit);
	case SEEN_OFFSET:
		return p_limit_value(p, "Out of range. OFFSET <OFFSETValue>: OFFSETValue should be Int64.",
				     "", INT64_MAX, 0, &s->offset);
	case SEEN_SLIMIT:
		return p_limit_value(p, "Out of range. SLIMIT <SN>: SN should be Int32.",
				     "SLIMIT <SN>: SN should be greater than 0.", INT32_MAX, 1, &s->slimit);
	case SEEN_SOFFSET:
		return p_limit_value(p, "Out of range. SOFFSET <SOFFSETValue>: SOFFSETValue should be Int32.",
				     "", INT32_MAX, 0, &s->soffset);
	default: /* ALIGN BY DEVICE|TIME, DISABLE ALIGN */
		if (clauses[k].kw2) {
			s->align = AST_ALIGN_DISABLE;
			return p_expect_kw(p, "ALIGN");
		}
		P_TRY(p_expect_kw(p, "BY"));
		if (p_accept_kw(p, "DEVICE"))
			s->align = AST_ALIGN_DEVICE;
		else if (p_accept_kw(p, "TIME"))
			s->align = AST_ALIGN_TIME;
		else
			return p_fail(p, "DEVICE or TIME");
		return LARCH_OK;
	}
}

/* SELECT LAST is the keyword unless `last` is a column (followed by ',' or
 * FROM) or a function (followed by '('). */
static int p_select_last(parser_t *p)
{
	tok_t *n = p_peek(p, 1);
	if (!p_is_kw(p, "LAST") || n->kind == T_COMMA || n->kind == T_LPAREN ||
	    n->kind == T_DOT || p_kw_at(p, 1, "FROM"))
		return 0;
	p_next(p);
	return 1;
}

int p_select(parser_t *p, ast_select_t **out)
{
	ast_select_t *s = p_alloc(p, sizeof(*s));
	if (!s)
		return LARCH_NO_MEMORY;
	s->pos = p_cur(p)->pos;
	s->limit = s->offset = s->slimit = s->soffset = -1;
	s->align = AST_ALIGN_TIME;
	s->fill.kind = AST_FILL_NONE;
	p_next(p); /* SELECT */
	s->last = p_select_last(p);
	P_TRY(p_result_columns(p, s));
	if (p_is_kw(p, "INTO"))
		return p_fail_at(p, p_cur(p)->pos, LARCH_PARSE_ERROR, "SELECT INTO is not supported");
	P_TRY(p_expect_kw(p, "FROM"));
	P_TRY(p_path_list(p, &s->from, &s->n_from));
	if (p_accept_kw(p, "WHERE"))
		P_TRY(p_expr(p, &s->where));
	unsigned seen = 0;
	int matched = 1;
	while (matched)
		P_TRY(p_tail_clause(p, s, &seen, &matched));
	*out = s;
	return LARCH_OK;
}
