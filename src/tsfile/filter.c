/*
 * filter.c — query filters: the tsfile_filter_* constructors, the text
 * parser (tsfile_filter_parse), evaluation on a row and pruning by
 * statistics.  Semantics (three-valued logic, leaf numbering): filter.h.
 *
 * Comparisons.  A literal keeps its own type; it is compared with a series
 * value by class:
 *   BOOLEAN with BOOLEAN (false < true);
 *   numbers with numbers, exactly (an INT64 literal against a DOUBLE value
 *     compares the mathematical values, no rounding), except that a
 *     FLOAT/DOUBLE literal compared with a FLOAT series is first rounded to
 *     float, so `s = 0.1` finds the float 0.1f;
 *   byte strings (TEXT, STRING, BLOB) bytewise, unsigned, a proper prefix
 *     first.
 * Any other pairing, and a NaN on either side, is UNKNOWN.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "filter.h"

enum filter_kind { FK_TIME, FK_VALUE, FK_NOT, FK_AND, FK_OR };

/* Value classes of comparisons. */
enum vclass { VC_NONE, VC_BOOL, VC_INT, VC_REAL, VC_BYTES };

struct tsfile_filter {
	enum filter_kind kind;
	tsfile_op_t op;       /* FK_TIME, FK_VALUE */
	uint32_t depth;       /* 1 for a leaf */
	size_t n_leaves;      /* value leaves in this subtree */
	int64_t t;            /* FK_TIME: the literal time */
	char *path;           /* FK_VALUE: series path as given */
	tsfile_value_t lit;   /* FK_VALUE: the literal; bytes point into `path`'s block */
	enum vclass lit_class;
	int64_t lit_i;        /* VC_INT, VC_BOOL */
	double lit_d;         /* VC_REAL */
	float lit_f;          /* VC_REAL rounded to float, valid if lit_f_ok */
	int lit_f_ok;
	tsfile_filter_t *a, *b; /* FK_NOT: a; FK_AND, FK_OR: a, b */
};

/* Three-way comparison results; CMP_NONE = unordered or incomparable. */
#define CMP_NONE 2

static enum vclass type_class(tsfile_type_t t)
{
	switch (t) {
	case TSFILE_BOOLEAN: return VC_BOOL;
	case TSFILE_INT32:
	case TSFILE_DATE:
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: return VC_INT;
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE: return VC_REAL;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: return VC_BYTES;
	case TSFILE_VECTOR: break;
	}
	return VC_NONE;
}

int filter_types_comparable(tsfile_type_t lit, tsfile_type_t t)
{
	enum vclass a = type_class(lit), b = type_class(t);
	if (a == VC_NONE || b == VC_NONE)
		return 0;
	return a == b || (a == VC_INT && b == VC_REAL) || (a == VC_REAL && b == VC_INT);
}

/*---------------------------------------------------------------------------
 * Constructors
 *---------------------------------------------------------------------------*/

static tsfile_filter_t *node_new(enum filter_kind kind)
{
	tsfile_filter_t *f = mem_calloc(1, sizeof(*f));
	if (f) {
		f->kind = kind;
		f->depth = 1;
	}
	return f;
}

void tsfile_filter_free(tsfile_filter_t *f)
{
	if (!f)
		return;
	tsfile_filter_free(f->a);
	tsfile_filter_free(f->b);
	mem_free(f->path);
	mem_free(f);
}

tsfile_filter_t *tsfile_filter_time(tsfile_op_t op, int64_t t)
{
	if ((unsigned)op > TSFILE_GE)
		return NULL;
	tsfile_filter_t *f = node_new(FK_TIME);
	if (f) {
		f->op = op;
		f->t = t;
	}
	return f;
}

/* A value leaf.  The path and a copy of a byte-string literal share one
 * allocation: path bytes, NUL, literal bytes.  NULL for an unusable
 * literal type, a NULL path or out of memory. */
tsfile_filter_t *tsfile_filter_value(const char *path, tsfile_op_t op, const tsfile_value_t *v)
{
	if (!path || !v || (unsigned)op > TSFILE_GE)
		return NULL;
	enum vclass vc = type_class(v->type);
	if (vc == VC_NONE)
		return NULL;
	size_t plen = strlen(path);
	size_t blen = vc == VC_BYTES && !v->is_null ? v->v.bytes.len : 0;
	if (blen && !v->v.bytes.ptr)
		return NULL;
	tsfile_filter_t *f = node_new(FK_VALUE);
	if (!f)
		return NULL;
	f->path = mem_alloc(plen + 1 + blen);
	if (!f->path) {
		mem_free(f);
		return NULL;
	}
	memcpy(f->path, path, plen + 1);
	f->op = op;
	f->n_leaves = 1;
	f->lit = *v;
	f->lit_class = v->is_null ? VC_NONE : vc;
	switch (v->type) {
	case TSFILE_BOOLEAN: f->lit_i = v->v.b != 0; break;
	case TSFILE_INT32:
	case TSFILE_DATE: f->lit_i = v->v.i32; break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: f->lit_i = v->v.i64; break;
	case TSFILE_FLOAT: f->lit_d = v->v.f; break;
	case TSFILE_DOUBLE: f->lit_d = v->v.d; break;
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB:
		if (blen)
			memcpy(f->path + plen + 1, v->v.bytes.ptr, blen);
		f->lit.v.bytes.ptr = f->path + plen + 1;
		f->lit.v.bytes.len = (uint32_t)blen;
		break;
	case TSFILE_VECTOR: break;
	}
	if (f->lit_class == VC_REAL && isnan(f->lit_d))
		f->lit_class = VC_NONE; /* NaN compares as unknown */
	if (f->lit_class == VC_REAL && fabs(f->lit_d) <= 3.40282346638528859812e+38) {
		f->lit_f = (float)f->lit_d;
		f->lit_f_ok = 1;
	}
	return f;
}

/* Join children under a new node of `kind` (b is NULL for FK_NOT).  On
 * failure the children are freed; LARCH_NO_MEMORY, or LARCH_PARSE_ERROR
 * when the tree would be deeper than FILTER_MAX_DEPTH. */
static int filter_join(enum filter_kind kind, tsfile_filter_t *a, tsfile_filter_t *b,
		       tsfile_filter_t **out)
{
	*out = NULL;
	int rc = LARCH_NO_MEMORY;
	if (!a || (kind != FK_NOT && !b))
		goto fail;
	uint32_t depth = 1 + LR_MAX(a->depth, b ? b->depth : 0);
	if (depth > FILTER_MAX_DEPTH) {
		rc = LARCH_PARSE_ERROR;
		goto fail;
	}
	tsfile_filter_t *f = node_new(kind);
	if (!f)
		goto fail;
	f->depth = depth;
	f->a = a;
	f->b = b;
	f->n_leaves = a->n_leaves + (b ? b->n_leaves : 0);
	*out = f;
	return LARCH_OK;
fail:
	tsfile_filter_free(a);
	tsfile_filter_free(b);
	return rc;
}

tsfile_filter_t *tsfile_filter_not(tsfile_filter_t *f)
{
	tsfile_filter_t *out;
	filter_join(FK_NOT, f, NULL, &out);
	return out;
}

tsfile_filter_t *tsfile_filter_and(tsfile_filter_t *a, tsfile_filter_t *b)
{
	tsfile_filter_t *out;
	filter_join(FK_AND, a, b, &out);
	return out;
}

tsfile_filter_t *tsfile_filter_or(tsfile_filter_t *a, tsfile_filter_t *b)
{
	tsfile_filter_t *out;
	filter_join(FK_OR, a, b, &out);
	return out;
}

tsfile_filter_t *filter_copy(const tsfile_filter_t *f)
{
	switch (f->kind) {
	case FK_TIME:
		return tsfile_filter_time(f->op, f->t);
	case FK_VALUE:
		return tsfile_filter_value(f->path, f->op, &f->lit);
	case FK_NOT:
		return tsfile_filter_not(filter_copy(f->a));
	case FK_AND:
		return tsfile_filter_and(filter_copy(f->a), filter_copy(f->b));
	case FK_OR:
		return tsfile_filter_or(filter_copy(f->a), filter_copy(f->b));
	}
	return NULL;
}

/*---------------------------------------------------------------------------
 * Leaves
 *---------------------------------------------------------------------------*/

size_t filter_leaf_count(const tsfile_filter_t *f)
{
	return f->n_leaves;
}

/* Value leaf i of the subtree f (depth-first, left to right). */
static const tsfile_filter_t *leaf_at(const tsfile_filter_t *f, size_t i)
{
	while (f->kind != FK_VALUE) {
		if (f->kind == FK_NOT || i < f->a->n_leaves) {
			f = f->a;
		} else {
			i -= f->a->n_leaves;
			f = f->b;
		}
	}
	return f;
}

const char *filter_leaf_path(const tsfile_filter_t *f, size_t i)
{
	return leaf_at(f, i)->path;
}

const tsfile_value_t *filter_leaf_literal(const tsfile_filter_t *f, size_t i)
{
	return &leaf_at(f, i)->lit;
}

/*---------------------------------------------------------------------------
 * Comparison
 *---------------------------------------------------------------------------*/

static inline int cmp_i64(int64_t x, int64_t y)
{
	return (x > y) - (x < y);
}

static inline int cmp_f64(double x, double y)
{
	if (isnan(x) || isnan(y))
		return CMP_NONE;
	return (x > y) - (x < y);
}

/* Exact comparison of an integer with a double (no rounding of either). */
static int cmp_i64_f64(int64_t i, double d)
{
	if (isnan(d))
		return CMP_NONE;
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	int64_t t = (int64_t)d; /* truncates toward zero; exact for |d| < 2^63 */
	if (i != t)
		return i < t ? -1 : 1;
	double frac = d - (double)t; /* exact: d and t share their integer part */
	return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int cmp_bytes(const tsfile_bytes_t *x, const tsfile_bytes_t *y)
{
	uint32_t n = LR_MIN(x->len, y->len);
	int c = n ? memcmp(x->ptr, y->ptr, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return cmp_i64(x->len, y->len);
}

/* Compare series value x with the literal of leaf f: -1, 0, 1 or CMP_NONE. */
static int cmp_value(const tsfile_filter_t *f, const tsfile_value_t *x)
{
	switch (x->type) {
	case TSFILE_BOOLEAN:
		return f->lit_class == VC_BOOL ? cmp_i64(x->v.b != 0, f->lit_i) : CMP_NONE;
	case TSFILE_INT32:
	case TSFILE_DATE:
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: {
		int64_t i = type_is_int32(x->type) ? x->v.i32 : x->v.i64;
		if (f->lit_class == VC_INT)
			return cmp_i64(i, f->lit_i);
		return f->lit_class == VC_REAL ? cmp_i64_f64(i, f->lit_d) : CMP_NONE;
	}
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE: {
		double d = x->type == TSFILE_FLOAT ? (double)x->v.f : x->v.d;
		if (f->lit_class == VC_INT) {
			int c = cmp_i64_f64(f->lit_i, d);
			return c == CMP_NONE ? c : -c;
		}
		if (f->lit_class != VC_REAL)
			return CMP_NONE;
		if (x->type == TSFILE_FLOAT && f->lit_f_ok)
			return cmp_f64(d, (double)f->lit_f);
		return cmp_f64(d, f->lit_d);
	}
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB:
		return f->lit_class == VC_BYTES ? cmp_bytes(&x->v.bytes, &f->lit.v.bytes) : CMP_NONE;
	case TSFILE_VECTOR:
		break;
	}
	return CMP_NONE;
}

/* Truth of `x op literal` given c = cmp(x, literal). */
static filter_truth_t op_truth(tsfile_op_t op, int c)
{
	if (c == CMP_NONE)
		return FILTER_UNKNOWN;
	int r = 0;
	switch (op) {
	case TSFILE_EQ: r = c == 0; break;
	case TSFILE_NE: r = c != 0; break;
	case TSFILE_LT: r = c < 0; break;
	case TSFILE_LE: r = c <= 0; break;
	case TSFILE_GT: r = c > 0; break;
	case TSFILE_GE: r = c >= 0; break;
	}
	return r ? FILTER_TRUE : FILTER_FALSE;
}

/* Verdict of `x op literal` for every x in [lo, hi], given clo = cmp(lo,
 * literal) and chi = cmp(hi, literal). */
static filter_verdict_t op_verdict(tsfile_op_t op, int clo, int chi)
{
	if (clo == CMP_NONE || chi == CMP_NONE || clo > chi)
		return FILTER_MAYBE; /* NaN, incomparable, or lo > hi (bad stats) */
	switch (op) {
	case TSFILE_EQ:
	case TSFILE_NE: {
		filter_verdict_t v = clo > 0 || chi < 0 ? FILTER_NONE
				     : clo == 0 && chi == 0 ? FILTER_ALL
							   : FILTER_MAYBE;
		return op == TSFILE_EQ ? v : (filter_verdict_t)(2 - v);
	}
	case TSFILE_LT: return chi < 0 ? FILTER_ALL : clo >= 0 ? FILTER_NONE : FILTER_MAYBE;
	case TSFILE_LE: return chi <= 0 ? FILTER_ALL : clo > 0 ? FILTER_NONE : FILTER_MAYBE;
	case TSFILE_GT: return clo > 0 ? FILTER_ALL : chi <= 0 ? FILTER_NONE : FILTER_MAYBE;
	case TSFILE_GE: return clo >= 0 ? FILTER_ALL : chi < 0 ? FILTER_NONE : FILTER_MAYBE;
	}
	return FILTER_MAYBE;
}

/*---------------------------------------------------------------------------
 * Evaluation and pruning
 *---------------------------------------------------------------------------*/

/* not = 2 - x, and = min, or = max; `and`/`or` skip the right side when the
 * left side already decides (its leaves start at leaf + a->n_leaves). */
filter_truth_t filter_eval(const tsfile_filter_t *f, int64_t time,
			   const tsfile_value_t *const *leaf_vals)
{
	switch (f->kind) {
	case FK_TIME:
		return op_truth(f->op, cmp_i64(time, f->t));
	case FK_VALUE: {
		const tsfile_value_t *x = leaf_vals[0];
		if (!x || x->is_null)
			return FILTER_UNKNOWN;
		return op_truth(f->op, cmp_value(f, x));
	}
	case FK_NOT:
		return (filter_truth_t)(2 - filter_eval(f->a, time, leaf_vals));
	case FK_AND: {
		filter_truth_t l = filter_eval(f->a, time, leaf_vals);
		if (l == FILTER_FALSE)
			return l;
		filter_truth_t r = filter_eval(f->b, time, leaf_vals + f->a->n_leaves);
		return LR_MIN(l, r);
	}
	case FK_OR: {
		filter_truth_t l = filter_eval(f->a, time, leaf_vals);
		if (l == FILTER_TRUE)
			return l;
		filter_truth_t r = filter_eval(f->b, time, leaf_vals + f->a->n_leaves);
		return LR_MAX(l, r);
	}
	}
	return FILTER_UNKNOWN;
}

/* Verdict of a value leaf over statistics st (NULL: unknown). */
static filter_verdict_t leaf_verdict(const tsfile_filter_t *f, const stats_t *st)
{
	if (!st || st->s.count == 0)
		return FILTER_MAYBE;
	tsfile_value_t lo = st->s.min, hi = st->s.max;
	lo.type = hi.type = st->type;
	lo.is_null = hi.is_null = 0;
	switch (st->type) {
	case TSFILE_BOOLEAN: /* sum = number of trues */
		lo.v.b = st->s.sum >= (double)st->s.count;
		hi.v.b = st->s.sum > 0;
		break;
	case TSFILE_INT32:
	case TSFILE_DATE:
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE:
	case TSFILE_STRING:
		break;
	case TSFILE_TEXT:
	case TSFILE_BLOB:
	case TSFILE_VECTOR:
		return FILTER_MAYBE;
	}
	return op_verdict(f->op, cmp_value(f, &lo), cmp_value(f, &hi));
}

filter_verdict_t filter_prune(const tsfile_filter_t *f, int64_t t_lo, int64_t t_hi,
			      const stats_t *const *leaf_stats)
{
	switch (f->kind) {
	case FK_TIME:
		if (t_lo > t_hi)
			return FILTER_MAYBE;
		return op_verdict(f->op, cmp_i64(t_lo, f->t), cmp_i64(t_hi, f->t));
	case FK_VALUE:
		return leaf_verdict(f, leaf_stats ? leaf_stats[0] : NULL);
	case FK_NOT:
		return (filter_verdict_t)(2 - filter_prune(f->a, t_lo, t_hi, leaf_stats));
	case FK_AND:
	case FK_OR: {
		const stats_t *const *right = leaf_stats ? leaf_stats + f->a->n_leaves : NULL;
		filter_verdict_t l = filter_prune(f->a, t_lo, t_hi, leaf_stats);
		if ((f->kind == FK_AND && l == FILTER_NONE) || (f->kind == FK_OR && l == FILTER_ALL))
			return l;
		filter_verdict_t r = filter_prune(f->b, t_lo, t_hi, right);
		return f->kind == FK_AND ? LR_MIN(l, r) : LR_MAX(l, r);
	}
	}
	return FILTER_MAYBE;
}

/*---------------------------------------------------------------------------
 * Paths
 *---------------------------------------------------------------------------*/

/* Copy path[from, to) into a new string without back-quotes (`` -> `). */
static char *unquote(const char *path, size_t from, size_t to)
{
	char *s = mem_alloc(to - from + 1);
	if (!s)
		return NULL;
	size_t n = 0;
	int quoted = 0;
	for (size_t i = from; i < to; i++) {
		if (path[i] == '`') {
			if (quoted && i + 1 < to && path[i + 1] == '`')
				s[n++] = path[++i];
			else
				quoted = !quoted;
		} else {
			s[n++] = path[i];
		}
	}
	s[n] = '\0';
	return s;
}

int filter_path_split(const char *path, char **device, char **measurement,
		      larch_error_t *err)
{
	*device = *measurement = NULL;
	size_t len = strlen(path), last_dot = SIZE_MAX, node_start = 0;
	int quoted = 0;
	for (size_t i = 0; i < len; i++) {
		if (path[i] == '`') {
			if (quoted && i + 1 < len && path[i + 1] == '`')
				i++;
			else
				quoted = !quoted;
		} else if (path[i] == '.' && !quoted) {
			if (i == node_start)
				return err_set(err, LARCH_ILLEGAL_PATH,
					       "empty node at byte %zu of path '%s'", i, path);
			last_dot = i;
			node_start = i + 1;
		}
	}
	if (quoted)
		return err_set(err, LARCH_ILLEGAL_PATH, "unterminated back-quote in path '%s'",
			       path);
	if (last_dot == SIZE_MAX || node_start == len)
		return err_set(err, LARCH_ILLEGAL_PATH,
			       "path '%s' is not of the form device.measurement", path);
	*device = mem_strndup(path, last_dot);
	*measurement = unquote(path, last_dot + 1, len);
	if (!*device || !*measurement) {
		mem_free(*device);
		mem_free(*measurement);
		*device = *measurement = NULL;
		return err_set(err, LARCH_NO_MEMORY, "out of memory splitting path");
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Parser
 *
 *   filter     := or_expr END
 *   or_expr    := and_expr ( OR and_expr )*
 *   and_expr   := unary ( AND unary )*
 *   unary      := NOT unary | '(' or_expr ')' | comparison
 *   comparison := operand OP literal | literal OP operand
 *   operand    := TIME | path                 path = node ('.' node)+
 *   node       := [A-Za-z0-9_\x80-\xff]+ | '`' ( [^`] | '``' )+ '`'
 *   literal    := integer | decimal | TRUE | FALSE | '\'' ( [^'] | '\'\'' )* '\''
 *   OP         := = == != <> < <= > >=
 * Keywords (and, or, not, time, true, false) are case-insensitive.  Chains
 * of and/or become balanced trees, so only parentheses and `not` nest; they
 * may nest FILTER_PARSE_MAX_NESTING deep.  Errors report the 1-based column
 * (byte) where the offending token starts.
 *---------------------------------------------------------------------------*/

#define FILTER_PARSE_MAX_NESTING 100

typedef enum tok_kind {
	T_END, T_LPAREN, T_RPAREN, T_OP, T_AND, T_OR, T_NOT, T_TIME, T_PATH,
	T_INT, T_REAL, T_STR, T_TRUE, T_FALSE
} tok_kind_t;

typedef struct token {
	tok_kind_t kind;
	size_t pos;  /* byte offset of its first character */
	size_t len;  /* bytes of text */
	tsfile_op_t op;
	int64_t i;
	double d;
} token_t;

typedef struct parser {
	const char *text;
	size_t pos;   /* next unread byte */
	token_t tok;  /* current token */
	int nesting;
	larch_error_t *err;
} parser_t;

static int parse_error(parser_t *p, size_t pos, const char *fmt, ...) LR_PRINTF(3, 4);

static int parse_error(parser_t *p, size_t pos, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(p->err, LARCH_PARSE_ERROR, "filter: %s at column %zu", msg, pos + 1);
}

/* "unexpected <token>" for the current token. */
static int parse_unexpected(parser_t *p, const char *expected)
{
	const token_t *t = &p->tok;
	if (t->kind == T_END)
		return parse_error(p, t->pos, "expected %s, found end of filter", expected);
	int n = (int)LR_MIN(t->len, 32);
	return parse_error(p, t->pos, "expected %s, found '%.*s'", expected, n, p->text + t->pos);
}

static int is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Scan one path node at p->pos (plain word or back-quoted). */
static int lex_node(parser_t *p)
{
	const char *s = p->text;
	size_t start = p->pos;
	if (s[p->pos] == '`') {
		p->pos++;
		for (;;) {
			if (!s[p->pos])
				return parse_error(p, start, "unterminated back-quote");
			if (s[p->pos] == '`') {
				if (s[p->pos + 1] != '`')
					break;
				p->pos++;
			}
			p->pos++;
		}
		p->pos++;
		if (p->pos - start == 2)
			return parse_error(p, start, "empty path node");
		return LARCH_OK;
	}
	while (is_word_char((unsigned char)s[p->pos]))
		p->pos++;
	if (p->pos == start)
		return parse_error(p, start, "expected a path node");
	return LARCH_OK;
}

/* A word or path; single plain words must be keywords. */
static int lex_path(parser_t *p, token_t *t)
{
	static const struct {
		const char *word;
		tok_kind_t kind;
	} keywords[] = {
		{"and", T_AND}, {"or", T_OR}, {"not", T_NOT},
		{"time", T_TIME}, {"true", T_TRUE}, {"false", T_FALSE},
	};
	size_t nodes = 0;
	int rc;
	for (;;) {
		if ((rc = lex_node(p)))
			return rc;
		nodes++;
		if (p->text[p->pos] != '.')
			break;
		p->pos++;
	}
	t->len = p->pos - t->pos;
	t->kind = T_PATH;
	if (nodes > 1)
		return LARCH_OK;
	for (size_t k = 0; k < LR_ARRAY_LEN(keywords); k++) {
		if (strlen(keywords[k].word) == t->len &&
		    strncasecmp(p->text + t->pos, keywords[k].word, t->len) == 0) {
			t->kind = keywords[k].kind;
			return LARCH_OK;
		}
	}
	return parse_error(p, t->pos, "'%.*s' is neither a keyword nor a device.measurement path",
			   (int)LR_MIN(t->len, 32), p->text + t->pos);
}

/* integer | decimal, with an optional sign and exponent. */
static int lex_number(parser_t *p, token_t *t)
{
	const char *s = p->text;
	size_t i = p->pos, digits = 0;
	int real = 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; is_digit(s[i]); i++)
		digits++;
	if (s[i] == '.') {
		real = 1;
		for (i++; is_digit(s[i]); i++)
			digits++;
	}
	if (digits && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (is_digit(s[j])) {
			real = 1;
			for (i = j; is_digit(s[i]); i++)
				;
		}
	}
	if (!digits || is_word_char((unsigned char)s[i]) || s[i] == '.' || s[i] == '`')
		return parse_error(p, t->pos, "malformed number");
	p->pos = i;
	t->len = i - t->pos;
	char buf[64];
	if (t->len >= sizeof buf)
		return parse_error(p, t->pos, "number too long");
	memcpy(buf, s + t->pos, t->len);
	buf[t->len] = '\0';
	errno = 0;
	if (real) {
		t->kind = T_REAL;
		t->d = strtod(buf, NULL);
		if (errno == ERANGE && isinf(t->d))
			return parse_error(p, t->pos, "number out of range");
	} else {
		t->kind = T_INT;
		t->i = strtoll(buf, NULL, 10);
		if (errno == ERANGE)
			return parse_error(p, t->pos, "integer out of range");
	}
	return LARCH_OK;
}

/* Read the next token into p->tok. */
static int lex_next(parser_t *p)
{
	const char *s = p->text;
	while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')
		p->pos++;
	token_t *t = &p->tok;
	memset(t, 0, sizeof *t);
	t->pos = p->pos;
	char c = s[p->pos], c1 = c ? s[p->pos + 1] : '\0';
	switch (c) {
	case '\0':
		t->kind = T_END;
		return LARCH_OK;
	case '(':
	case ')':
		t->kind = c == '(' ? T_LPAREN : T_RPAREN;
		t->len = 1;
		break;
	case '=':
		t->kind = T_OP, t->op = TSFILE_EQ, t->len = c1 == '=' ? 2 : 1;
		break;
	case '!':
		if (c1 != '=')
			return parse_error(p, t->pos, "expected '!='");
		t->kind = T_OP, t->op = TSFILE_NE, t->len = 2;
		break;
	case '<':
		t->kind = T_OP, t->len = c1 == '=' || c1 == '>' ? 2 : 1;
		t->op = c1 == '=' ? TSFILE_LE : c1 == '>' ? TSFILE_NE : TSFILE_LT;
		break;
	case '>':
		t->kind = T_OP, t->len = c1 == '=' ? 2 : 1;
		t->op = c1 == '=' ? TSFILE_GE : TSFILE_GT;
		break;
	case '\'': {
		size_t i = p->pos + 1;
		for (;; i++) {
			if (!s[i])
				return parse_error(p, t->pos, "unterminated string");
			if (s[i] == '\'') {
				if (s[i + 1] != '\'')
					break;
				i++;
			}
		}
		t->kind = T_STR;
		t->len = i + 1 - p->pos;
		break;
	}
	default:
		if (is_digit(c) || ((c == '-' || c == '+' || c == '.') &&
				    (is_digit(c1) || (c1 == '.' && is_digit(s[p->pos + 2])))))
			return lex_number(p, t);
		if (is_word_char((unsigned char)c) || c == '`')
			return lex_path(p, t);
		return parse_error(p, t->pos, "unexpected character '%c'", c);
	}
	p->pos += t->len;
	return LARCH_OK;
}

/* Build the literal of token t (a literal kind) into *v; a string literal
 * is unescaped into *buf (mem_free by the caller). */
static int literal_value(parser_t *p, const token_t *t, tsfile_value_t *v, char **buf)
{
	memset(v, 0, sizeof *v);
	switch (t->kind) {
	case T_INT: v->type = TSFILE_INT64, v->v.i64 = t->i; break;
	case T_REAL: v->type = TSFILE_DOUBLE, v->v.d = t->d; break;
	case T_TRUE:
	case T_FALSE: v->type = TSFILE_BOOLEAN, v->v.b = t->kind == T_TRUE; break;
	case T_STR: {
		const char *s = p->text + t->pos + 1;
		size_t n = 0, len = t->len - 2;
		if (!(*buf = mem_alloc(len + 1)))
			return err_set(p->err, LARCH_NO_MEMORY, "out of memory parsing filter");
		for (size_t i = 0; i < len; i++) {
			(*buf)[n++] = s[i];
			if (s[i] == '\'')
				i++; /* '' stands for one quote */
		}
		v->type = TSFILE_STRING;
		v->v.bytes.ptr = *buf;
		v->v.bytes.len = (uint32_t)n;
		break;
	}
	default:
		return parse_unexpected(p, "a literal");
	}
	return LARCH_OK;
}

static int is_literal(tok_kind_t k)
{
	return k == T_INT || k == T_REAL || k == T_STR || k == T_TRUE || k == T_FALSE;
}

/* The operator with its operands swapped (5 < x  ==  x > 5). */
static tsfile_op_t op_flip(tsfile_op_t op)
{
	switch (op) {
	case TSFILE_LT: return TSFILE_GT;
	case TSFILE_LE: return TSFILE_GE;
	case TSFILE_GT: return TSFILE_LT;
	case TSFILE_GE: return TSFILE_LE;
	case TSFILE_EQ:
	case TSFILE_NE: break;
	}
	return op;
}

static int parse_comparison(parser_t *p, tsfile_filter_t **out)
{
	token_t operand = {0}, literal = {0};
	tsfile_op_t op;
	int rc, flipped = is_literal(p->tok.kind);
	if (flipped) {
		literal = p->tok;
	} else if (p->tok.kind == T_TIME || p->tok.kind == T_PATH) {
		operand = p->tok;
	} else {
		return parse_unexpected(p, "a comparison");
	}
	if ((rc = lex_next(p)))
		return rc;
	if (p->tok.kind != T_OP)
		return parse_unexpected(p, "a comparison operator");
	op = flipped ? op_flip(p->tok.op) : p->tok.op;
	if ((rc = lex_next(p)))
		return rc;
	if (flipped) {
		if (p->tok.kind != T_TIME && p->tok.kind != T_PATH)
			return parse_unexpected(p, "'time' or a series path");
		operand = p->tok;
	} else {
		if (!is_literal(p->tok.kind))
			return parse_unexpected(p, "a literal");
		literal = p->tok;
	}
	if ((rc = lex_next(p)))
		return rc;

	if (operand.kind == T_TIME) {
		if (literal.kind != T_INT)
			return parse_error(p, literal.pos, "time must be compared with an integer");
		*out = tsfile_filter_time(op, literal.i);
	} else {
		tsfile_value_t v;
		char *buf = NULL, *path = mem_strndup(p->text + operand.pos, operand.len);
		if (!path)
			return err_set(p->err, LARCH_NO_MEMORY, "out of memory parsing filter");
		if ((rc = literal_value(p, &literal, &v, &buf))) {
			mem_free(path);
			return rc;
		}
		*out = tsfile_filter_value(path, op, &v);
		mem_free(path);
		mem_free(buf);
	}
	return *out ? LARCH_OK : err_set(p->err, LARCH_NO_MEMORY, "out of memory parsing filter");
}

static int parse_or(parser_t *p, tsfile_filter_t **out);

static int parse_unary(parser_t *p, tsfile_filter_t **out)
{
	token_t t = p->tok;
	tsfile_filter_t *x = NULL;
	int rc;
	*out = NULL;
	if (t.kind != T_NOT && t.kind != T_LPAREN)
		return parse_comparison(p, out);
	if (++p->nesting > FILTER_PARSE_MAX_NESTING)
		return parse_error(p, t.pos, "filter nested more than %d levels deep",
				   FILTER_PARSE_MAX_NESTING);
	if ((rc = lex_next(p)))
		return rc;
	if (t.kind == T_NOT) {
		if ((rc = parse_unary(p, &x)))
			return rc;
		rc = filter_join(FK_NOT, x, NULL, out);
		if (rc == LARCH_PARSE_ERROR)
			return parse_error(p, t.pos, "filter deeper than %d levels",
					   FILTER_MAX_DEPTH);
		if (rc)
			return err_set(p->err, rc, "out of memory parsing filter");
	} else {
		if ((rc = parse_or(p, &x)))
			return rc;
		rc = p->tok.kind == T_RPAREN ? lex_next(p) : parse_unexpected(p, "')'");
		if (rc) {
			tsfile_filter_free(x);
			return rc;
		}
		*out = x;
	}
	p->nesting--;
	return LARCH_OK;
}

/* Join items[0..n) pairwise, level by level, into one balanced tree of
 * `kind` (left-to-right order kept).  Consumes every item. */
static int join_balanced(parser_t *p, enum filter_kind kind, tsfile_filter_t **items,
			 size_t n, size_t pos, tsfile_filter_t **out)
{
	int rc = LARCH_OK;
	while (n > 1 && rc == LARCH_OK) {
		size_t m = 0;
		for (size_t i = 0; i < n; i += 2) {
			if (i + 1 == n) {
				items[m++] = items[i];
			} else if (rc == LARCH_OK) {
				rc = filter_join(kind, items[i], items[i + 1], &items[m++]);
			} else {
				tsfile_filter_free(items[i]);
				tsfile_filter_free(items[i + 1]);
			}
		}
		n = m;
		if (rc)
			for (size_t i = 0; i < n; i++)
				tsfile_filter_free(items[i]);
	}
	*out = rc ? NULL : items[0];
	if (rc == LARCH_PARSE_ERROR)
		return parse_error(p, pos, "filter deeper than %d levels", FILTER_MAX_DEPTH);
	if (rc)
		return err_set(p->err, rc, "out of memory parsing filter");
	return LARCH_OK;
}

/* item ( SEP item )* for SEP = T_OR (items: and_expr) or T_AND (unary). */
static int parse_chain(parser_t *p, tok_kind_t sep, tsfile_filter_t **out)
{
	tsfile_filter_t *stack_items[16], **items = stack_items, *x;
	size_t n = 0, cap = LR_ARRAY_LEN(stack_items), pos = p->tok.pos;
	int rc;
	for (;;) {
		rc = sep == T_OR ? parse_chain(p, T_AND, &x) : parse_unary(p, &x);
		if (rc)
			goto fail;
		if (n == cap) {
			tsfile_filter_t **bigger = mem_alloc(2 * cap * sizeof(*items));
			if (!bigger) {
				tsfile_filter_free(x);
				rc = err_set(p->err, LARCH_NO_MEMORY, "out of memory parsing filter");
				goto fail;
			}
			memcpy(bigger, items, n * sizeof(*items));
			if (items != stack_items)
				mem_free(items);
			items = bigger;
			cap *= 2;
		}
		items[n++] = x;
		if (p->tok.kind != sep)
			break;
		if ((rc = lex_next(p)))
			goto fail;
	}
	rc = join_balanced(p, sep == T_OR ? FK_OR : FK_AND, items, n, pos, out);
	n = 0;
fail:
	for (size_t i = 0; i < n; i++)
		tsfile_filter_free(items[i]);
	if (items != stack_items)
		mem_free(items);
	return rc;
}

static int parse_or(parser_t *p, tsfile_filter_t **out)
{
	return parse_chain(p, T_OR, out);
}

int tsfile_filter_parse(const char *text, tsfile_filter_t **out, larch_error_t *err)
{
	*out = NULL;
	if (!text)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "filter text is NULL");
	parser_t p = {.text = text, .err = err};
	tsfile_filter_t *f = NULL;
	int rc = lex_next(&p);
	if (rc == LARCH_OK)
		rc = parse_or(&p, &f);
	if (rc == LARCH_OK && p.tok.kind != T_END)
		rc = parse_unexpected(&p, "'and', 'or' or the end of the filter");
	if (rc) {
		tsfile_filter_free(f);
		return rc;
	}
	*out = f;
	return LARCH_OK;
}
