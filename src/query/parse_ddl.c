/*
 * parse_ddl.c — schema and maintenance statements of the tree model:
 * databases (and the old storage groups), time series (long and short
 * forms, aligned), tags and attributes, device (schema) templates, TTL,
 * SHOW / COUNT, FLUSH, SHOW VERSION, users (CREATE / DROP / ALTER USER,
 * LIST USER).  ast.h lists the forms per statement
 * kind; every place that accepts DEVICE TEMPLATE also accepts the older
 * SCHEMA TEMPLATE and plain TEMPLATE, and DATABASE also STORAGE GROUP.
 *
 * The first keyword of a statement (CREATE, SHOW, LIST, ...) has been
 * consumed by parse.c, except SET and UNSET.
 */
#include <strings.h>

#include "query/parse_int.h"

/*---------------------------------------------------------------------------
 * Small pieces
 *---------------------------------------------------------------------------*/

/* DATABASE | DATABASES | STORAGE GROUP: 1 when accepted. */
static int p_accept_database(parser_t *p)
{
	if (p_accept_kw(p, "DATABASE") || p_accept_kw(p, "DATABASES"))
		return 1;
	if (p_is_kw(p, "STORAGE") && p_kw_at(p, 1, "GROUP")) {
		p->i += 2;
		return 1;
	}
	return 0;
}

/* [DEVICE | SCHEMA] TEMPLATE (or TEMPLATES when plural): 1 when accepted. */
static int p_accept_template(parser_t *p, int plural)
{
	const char *kw = plural ? "TEMPLATES" : "TEMPLATE";
	if ((p_is_kw(p, "DEVICE") || p_is_kw(p, "SCHEMA")) && p_kw_at(p, 1, kw)) {
		p->i += 2;
		return 1;
	}
	return p_accept_kw(p, kw);
}

static int p_expect_template(parser_t *p)
{
	return p_accept_template(p, 0) ? LARCH_OK : p_fail(p, "DEVICE TEMPLATE");
}

/* The current token starts a path (an optional path operand is present). */
static int p_path_starts(parser_t *p)
{
	static const char *const not_paths[] = {"WHERE", "LIMIT", "OFFSET", "DETAILS", "WITH",
						"GROUP", "LEVEL", "ORDER", "TRUE", "FALSE", "ON"};
	tok_t *t = p_cur(p);
	if (t->kind == T_QUOTED || t->kind == T_STAR || t->kind == T_STAR2)
		return 1;
	if (t->kind != T_WORD)
		return 0;
	for (size_t i = 0; i < LR_ARRAY_LEN(not_paths); i++)
		if (strcasecmp(t->text, not_paths[i]) == 0)
			return 0;
	return 1;
}

static int p_one_path(parser_t *p, ast_stmt_t *st)
{
	size_t cap = 0;
	ast_path_t *path;
	P_TRY(p_path(p, 1, &path));
	return p_push(p, &st->paths, &st->n_paths, &cap, sizeof(path), &path);
}

static int p_optional_path(parser_t *p, ast_stmt_t *st)
{
	return p_path_starts(p) ? p_one_path(p, st) : LARCH_OK;
}

/* ( k=v, ... ) after TAGS / ATTRIBUTES. */
static int p_paren_kvs(parser_t *p, ast_kv_t **kvs, size_t *n)
{
	P_TRY(p_expect(p, T_LPAREN, "'('"));
	P_TRY(p_kv_list(p, 0, kvs, n));
	return p_expect(p, T_RPAREN, "')'");
}

/* [TAGS(...)] [ATTRIBUTES(...)] in either order. */
static int p_tags_attrs(parser_t *p, ast_kv_t **tags, size_t *n_tags, ast_kv_t **attrs,
			size_t *n_attrs)
{
	for (;;) {
		if (p_accept_kw(p, "TAGS"))
			P_TRY(p_paren_kvs(p, tags, n_tags));
		else if (p_accept_kw(p, "ATTRIBUTES"))
			P_TRY(p_paren_kvs(p, attrs, n_attrs));
		else
			return LARCH_OK;
	}
}

static int p_level_eq(parser_t *p, int *level)
{
	int64_t v;
	int pos = p_cur(p)->pos;
	P_TRY(p_expect(p, T_EQ, "'='"));
	P_TRY(p_int_token(p, "a level number", &v));
	if (v > INT32_MAX)
		return p_fail_at(p, pos, LARCH_PARSE_ERROR, "level out of range");
	*level = (int)v;
	return LARCH_OK;
}

/* [LIMIT n] [OFFSET n] of SHOW TIMESERIES / DEVICES, either order. */
static int p_show_limit(parser_t *p, ast_stmt_t *st)
{
	for (;;) {
		if (st->limit < 0 && p_accept_kw(p, "LIMIT"))
			P_TRY(p_int_token(p, "an integer", &st->limit));
		else if (st->offset < 0 && p_accept_kw(p, "OFFSET"))
			P_TRY(p_int_token(p, "an integer", &st->offset));
		else
			return LARCH_OK;
	}
}

/*---------------------------------------------------------------------------
 * Measurement definitions
 *---------------------------------------------------------------------------*/

/* Apply one k=v of a series definition: DATATYPE, ENCODING, COMPRESSOR /
 * COMPRESSION go to their fields, anything else to props. */
static int p_meas_prop(parser_t *p, ast_meas_def_t *d, const ast_kv_t *kv, size_t *cap,
		       int *has_type)
{
	if (strcasecmp(kv->key, "DATATYPE") == 0) {
		int t = tsfile_type_parse(kv->value);
		if (t < 0 || t == TSFILE_VECTOR)
			return p_fail_at(p, kv->pos, LARCH_PARSE_ERROR, "unknown data type %s",
					 kv->value);
		d->type = (tsfile_type_t)t;
		*has_type = 1;
	} else if (strcasecmp(kv->key, "ENCODING") == 0) {
		d->encoding = tsfile_encoding_parse(kv->value);
		if (d->encoding < 0)
			return p_fail_at(p, kv->pos, LARCH_PARSE_ERROR, "unknown encoding %s",
					 kv->value);
	} else if (strcasecmp(kv->key, "COMPRESSOR") == 0 ||
		   strcasecmp(kv->key, "COMPRESSION") == 0) {
		d->codec = tsfile_codec_parse(kv->value);
		if (d->codec < 0)
			return p_fail_at(p, kv->pos, LARCH_PARSE_ERROR, "unknown compressor %s",
					 kv->value);
	} else {
		return p_push(p, &d->props, &d->n_props, cap, sizeof(*kv), kv);
	}
	return LARCH_OK;
}

/* The definition after a series path or measurement name:
 *   [(alias)] [WITH] [DATATYPE =] type [,] [k=v [,] ...] [TAGS(...)] [ATTRIBUTES(...)]
 * where type may also come as DATATYPE=t among the pairs (long form). */
static int p_meas_attrs(parser_t *p, ast_meas_def_t *d)
{
	d->encoding = d->codec = -1;
	if (p_accept(p, T_LPAREN)) {
		P_TRY(p_name(p, &d->alias));
		P_TRY(p_expect(p, T_RPAREN, "')'"));
	}
	p_accept_kw(p, "WITH");
	int has_type = 0;
	if (p_at(p, T_WORD) && p_peek(p, 1)->kind != T_EQ) {
		P_TRY(p_type(p, &d->type));
		has_type = 1;
		if (p_at(p, T_COMMA) && p_peek(p, 2)->kind == T_EQ) /* INT32, ENCODING=... */
			p_next(p);
	}
	ast_kv_t *kvs = NULL;
	size_t n = 0, cap = 0;
	P_TRY(p_kv_list(p, 1, &kvs, &n));
	for (size_t i = 0; i < n; i++)
		P_TRY(p_meas_prop(p, d, &kvs[i], &cap, &has_type));
	if (!has_type)
		return p_fail_at(p, d->pos, LARCH_PARSE_ERROR, "a data type is required for %s",
				 d->path ? d->path->text : "the measurement");
	return p_tags_attrs(p, &d->tags, &d->n_tags, &d->attrs, &d->n_attrs);
}

/* ( name attrs, name attrs, ... ) of aligned series and templates. */
static int p_meas_list(parser_t *p, ast_stmt_t *st)
{
	size_t cap = 0;
	P_TRY(p_expect(p, T_LPAREN, "'('"));
	do {
		ast_meas_def_t d = {0};
		d.pos = p_cur(p)->pos;
		P_TRY(p_path(p, 1, &d.path));
		P_TRY(p_meas_attrs(p, &d));
		P_TRY(p_push(p, &st->defs, &st->n_defs, &cap, sizeof(d), &d));
	} while (p_accept(p, T_COMMA));
	return p_expect(p, T_RPAREN, "')'");
}

/*---------------------------------------------------------------------------
 * Users: the name is an identifier (plain or back-quoted), the password a
 * string literal; the engine checks both against IoTDB's rules.
 *---------------------------------------------------------------------------*/

static int p_user_name(parser_t *p, ast_stmt_t *st)
{
	tok_t *t = p_cur(p);
	if (t->kind != T_WORD && t->kind != T_QUOTED)
		return p_fail(p, "a user name");
	st->name = t->text;
	p_next(p);
	return LARCH_OK;
}

static int p_password(parser_t *p, ast_stmt_t *st)
{
	if (!p_at(p, T_STRING))
		return p_fail(p, "a password (a string literal)");
	st->password = p_cur(p)->text;
	p_next(p);
	return LARCH_OK;
}

/* USER name 'password' of CREATE (USER consumed). */
static int p_create_user(parser_t *p, ast_stmt_t *st)
{
	st->kind = AST_CREATE_USER;
	P_TRY(p_user_name(p, st));
	return p_password(p, st);
}

/* USER name SET PASSWORD 'password' of ALTER (USER consumed). */
static int p_alter_user(parser_t *p, ast_stmt_t *st)
{
	st->kind = AST_ALTER_USER_PASSWORD;
	P_TRY(p_user_name(p, st));
	P_TRY(p_expect_kw(p, "SET"));
	P_TRY(p_expect_kw(p, "PASSWORD"));
	return p_password(p, st);
}

/* LIST USER (LIST consumed).  IoTDB's LIST USER OF ROLE r and LIST ROLE
 * belong to roles, which Larch does not have: a parse error at OF / ROLE. */
int p_stmt_list(parser_t *p, ast_stmt_t *st)
{
	st->kind = AST_LIST_USER;
	return p_expect_kw(p, "USER");
}

/*---------------------------------------------------------------------------
 * CREATE
 *---------------------------------------------------------------------------*/

/* CREATE TIMESERIES p ... | CREATE TIMESERIES OF|USING TEMPLATE ON p */
static int p_create_timeseries(parser_t *p, ast_stmt_t *st)
{
	if (p_is_kw(p, "OF") || p_is_kw(p, "USING")) {
		p_next(p);
		st->kind = AST_ACTIVATE_TEMPLATE;
		P_TRY(p_expect_template(p));
		P_TRY(p_expect_kw(p, "ON"));
		return p_one_path(p, st);
	}
	st->kind = AST_CREATE_TIMESERIES;
	ast_meas_def_t *d = p_alloc(p, sizeof(*d));
	if (!d)
		return LARCH_NO_MEMORY;
	d->pos = p_cur(p)->pos;
	P_TRY(p_path(p, 1, &d->path));
	st->defs = d;
	st->n_defs = 1;
	return p_meas_attrs(p, d);
}

int p_stmt_create(parser_t *p, ast_stmt_t *st)
{
	if (p_accept_database(p)) {
		st->kind = AST_CREATE_DATABASE;
		P_TRY(p_one_path(p, st));
		if (p_accept_kw(p, "WITH"))
			P_TRY(p_kv_list(p, 0, &st->props, &st->n_props));
		return LARCH_OK;
	}
	if (p_accept_kw(p, "TIMESERIES"))
		return p_create_timeseries(p, st);
	if (p_accept_kw(p, "ALIGNED")) {
		st->kind = AST_CREATE_ALIGNED_TIMESERIES;
		P_TRY(p_expect_kw(p, "TIMESERIES"));
		P_TRY(p_path(p, 1, &st->device));
		return p_meas_list(p, st);
	}
	if (p_accept_template(p, 0)) {
		st->kind = AST_CREATE_TEMPLATE;
		P_TRY(p_name(p, &st->name));
		st->aligned = p_accept_kw(p, "ALIGNED");
		return p_meas_list(p, st);
	}
	if (p_accept_kw(p, "USER"))
		return p_create_user(p, st);
	return p_fail(p, "DATABASE, STORAGE GROUP, TIMESERIES, ALIGNED TIMESERIES, DEVICE "
			 "TEMPLATE or USER");
}

/*---------------------------------------------------------------------------
 * SHOW / COUNT
 *---------------------------------------------------------------------------*/

/* WHERE of SHOW/COUNT TIMESERIES and SHOW/COUNT DEVICES. */
static int p_show_where(parser_t *p, ast_show_where_t *w)
{
	if (p_accept_kw(p, "TIMESERIES") || p_accept_kw(p, "DEVICE")) {
		w->kind = AST_SW_PATH_CONTAINS;
		P_TRY(p_expect_kw(p, "CONTAINS"));
		return p_name(p, &w->value);
	}
	if (p_accept_kw(p, "DATATYPE")) {
		w->kind = AST_SW_DATATYPE;
		w->negated = p_at(p, T_NE);
		if (!p_accept(p, T_NE))
			P_TRY(p_expect(p, T_EQ, "'=' or '!='"));
		return p_type(p, &w->type);
	}
	if (p_accept_kw(p, "TEMPLATE")) {
		w->kind = AST_SW_TEMPLATE;
		if (p_accept_kw(p, "IS")) {
			w->negated = !p_accept_kw(p, "NOT");
			return p_expect_kw(p, "NULL");
		}
		w->negated = p_at(p, T_NE);
		if (!p_accept(p, T_NE))
			P_TRY(p_expect(p, T_EQ, "'=' or '!=' or IS"));
		return p_name(p, &w->value);
	}
	if (p_is_kw(p, "TAGS") && p_peek(p, 1)->kind == T_LPAREN) {
		p->i += 2;
		P_TRY(p_name(p, &w->key));
		P_TRY(p_expect(p, T_RPAREN, "')'"));
	} else {
		P_TRY(p_name(p, &w->key)); /* old form: k = v, k CONTAINS v */
	}
	if (p_accept_kw(p, "CONTAINS"))
		w->kind = AST_SW_TAG_CONTAINS;
	else if (p_accept(p, T_EQ))
		w->kind = AST_SW_TAG_EQ;
	else
		return p_fail(p, "'=' or CONTAINS");
	return p_name(p, &w->value);
}

/* [path] [WHERE ...] common to SHOW/COUNT TIMESERIES and DEVICES; SHOW
 * DEVICES also takes WITH DATABASE before WHERE. */
static int p_series_filter(parser_t *p, ast_stmt_t *st)
{
	P_TRY(p_optional_path(p, st));
	if (st->kind == AST_SHOW_DEVICES && p_accept_kw(p, "WITH")) {
		if (!p_accept_database(p))
			return p_fail(p, "DATABASE");
		st->with_database = 1;
	}
	if (p_accept_kw(p, "WHERE"))
		P_TRY(p_show_where(p, &st->show_where));
	return LARCH_OK;
}

/* SHOW DEVICE TEMPLATES | NODES IN TEMPLATE t | PATHS SET|USING TEMPLATE t;
 * *matched = 0 when the current words are none of these. */
static int p_show_template(parser_t *p, ast_stmt_t *st, int *matched)
{
	*matched = 1;
	if (p_accept_template(p, 1)) {
		st->kind = AST_SHOW_TEMPLATES;
		return LARCH_OK;
	}
	if (p_is_kw(p, "NODES") && p_kw_at(p, 1, "IN")) {
		p->i += 2;
		st->kind = AST_SHOW_TEMPLATE_NODES;
	} else if (p_is_kw(p, "PATHS") && (p_kw_at(p, 1, "SET") || p_kw_at(p, 1, "USING"))) {
		st->kind = p_kw_at(p, 1, "SET") ? AST_SHOW_PATHS_SET_TEMPLATE
						: AST_SHOW_PATHS_USING_TEMPLATE;
		p->i += 2;
	} else {
		*matched = 0;
		return LARCH_OK;
	}
	P_TRY(p_expect_template(p));
	return p_name(p, &st->name);
}

int p_stmt_show(parser_t *p, ast_stmt_t *st)
{
	int matched;
	P_TRY(p_show_template(p, st, &matched));
	if (matched)
		return LARCH_OK;
	if (p_accept_database(p)) {
		st->kind = AST_SHOW_DATABASES;
		P_TRY(p_optional_path(p, st));
		st->details = p_accept_kw(p, "DETAILS");
		return LARCH_OK;
	}
	st->latest = p_accept_kw(p, "LATEST");
	if (p_accept_kw(p, "TIMESERIES") || (!st->latest && p_accept_kw(p, "DEVICES"))) {
		st->kind = strcasecmp(p->toks[p->i - 1].text, "DEVICES") == 0 ? AST_SHOW_DEVICES
									       : AST_SHOW_TIMESERIES;
		P_TRY(p_series_filter(p, st));
		return p_show_limit(p, st);
	}
	if (st->latest)
		return p_fail(p, "TIMESERIES");
	if (p_accept_kw(p, "CHILD")) {
		if (p_accept_kw(p, "PATHS"))
			st->kind = AST_SHOW_CHILD_PATHS;
		else if (p_accept_kw(p, "NODES"))
			st->kind = AST_SHOW_CHILD_NODES;
		else
			return p_fail(p, "PATHS or NODES");
		return p_optional_path(p, st);
	}
	if (p_accept_kw(p, "TTL")) {
		st->kind = AST_SHOW_TTL;
		P_TRY(p_expect_kw(p, "ON"));
		return p_path_list(p, &st->paths, &st->n_paths);
	}
	if (p_is_kw(p, "ALL") && p_kw_at(p, 1, "TTL")) {
		p->i += 2;
		st->kind = AST_SHOW_TTL;
		return LARCH_OK;
	}
	if (p_accept_kw(p, "VERSION")) {
		st->kind = AST_SHOW_VERSION;
		return LARCH_OK;
	}
	return p_fail(p, "DATABASES, TIMESERIES, DEVICES, CHILD PATHS, CHILD NODES, TTL, "
			 "DEVICE TEMPLATES or VERSION");
}

int p_stmt_count(parser_t *p, ast_stmt_t *st)
{
	if (p_accept_database(p)) {
		st->kind = AST_COUNT_DATABASES;
		return p_optional_path(p, st);
	}
	if (p_accept_kw(p, "TIMESERIES") || p_accept_kw(p, "DEVICES")) {
		st->kind = strcasecmp(p->toks[p->i - 1].text, "DEVICES") == 0 ? AST_COUNT_DEVICES
									       : AST_COUNT_TIMESERIES;
		P_TRY(p_series_filter(p, st));
		if (p_is_kw(p, "GROUP") && p_kw_at(p, 1, "BY") && p_kw_at(p, 2, "LEVEL")) {
			p->i += 3;
			P_TRY(p_level_eq(p, &st->level));
		}
		return LARCH_OK;
	}
	if (p_accept_kw(p, "NODES")) {
		st->kind = AST_COUNT_NODES;
		P_TRY(p_one_path(p, st));
		P_TRY(p_expect_kw(p, "LEVEL"));
		return p_level_eq(p, &st->level);
	}
	return p_fail(p, "DATABASES, TIMESERIES, DEVICES or NODES");
}

/*---------------------------------------------------------------------------
 * ALTER
 *---------------------------------------------------------------------------*/

/* The edits of ALTER TIMESERIES p ... */
static int p_alter_timeseries(parser_t *p, ast_stmt_t *st)
{
	ast_alter_t *a = &st->alter;
	st->kind = AST_ALTER_TIMESERIES;
	P_TRY(p_one_path(p, st));
	if (p_accept_kw(p, "RENAME")) {
		a->kind = AST_ALTER_RENAME;
		P_TRY(p_name(p, &a->old_key));
		P_TRY(p_expect_kw(p, "TO"));
		return p_name(p, &a->new_key);
	}
	if (p_accept_kw(p, "SET")) {
		a->kind = AST_ALTER_SET;
		P_TRY(p_kv_list(p, 0, &a->kvs, &a->n_kvs));
		return a->n_kvs ? LARCH_OK : p_fail(p, "key=value");
	}
	if (p_accept_kw(p, "DROP")) {
		size_t cap = 0;
		a->kind = AST_ALTER_DROP;
		do {
			ast_kv_t kv = {NULL, NULL, p_cur(p)->pos};
			P_TRY(p_name(p, &kv.key));
			P_TRY(p_push(p, &a->kvs, &a->n_kvs, &cap, sizeof(kv), &kv));
		} while (p_accept(p, T_COMMA));
		return LARCH_OK;
	}
	if (p_accept_kw(p, "ADD")) {
		if (p_accept_kw(p, "TAGS"))
			a->kind = AST_ALTER_ADD_TAGS;
		else if (p_accept_kw(p, "ATTRIBUTES"))
			a->kind = AST_ALTER_ADD_ATTRIBUTES;
		else
			return p_fail(p, "TAGS or ATTRIBUTES");
		P_TRY(p_kv_list(p, 0, &a->kvs, &a->n_kvs));
		return a->n_kvs ? LARCH_OK : p_fail(p, "key=value");
	}
	if (p_accept_kw(p, "UPSERT")) {
		a->kind = AST_ALTER_UPSERT;
		if (p_accept_kw(p, "ALIAS")) {
			P_TRY(p_expect(p, T_EQ, "'='"));
			P_TRY(p_name(p, &a->alias));
		}
		return p_tags_attrs(p, &a->tags, &a->n_tags, &a->attrs, &a->n_attrs);
	}
	return p_fail(p, "RENAME, SET, DROP, ADD TAGS, ADD ATTRIBUTES or UPSERT");
}

int p_stmt_alter(parser_t *p, ast_stmt_t *st)
{
	if (p_accept_kw(p, "TIMESERIES"))
		return p_alter_timeseries(p, st);
	if (p_accept_template(p, 0)) {
		st->kind = AST_ALTER_TEMPLATE;
		P_TRY(p_name(p, &st->name));
		P_TRY(p_expect_kw(p, "ADD"));
		return p_meas_list(p, st);
	}
	if (p_accept_kw(p, "USER"))
		return p_alter_user(p, st);
	return p_fail(p, "TIMESERIES, DEVICE TEMPLATE or USER");
}

/*---------------------------------------------------------------------------
 * SET / UNSET, DROP / DELETE, DEACTIVATE, FLUSH
 *---------------------------------------------------------------------------*/

/* SET TTL TO p n|INF */
static int p_set_ttl(parser_t *p, ast_stmt_t *st)
{
	st->kind = AST_SET_TTL;
	P_TRY(p_expect_kw(p, "TO"));
	P_TRY(p_one_path(p, st));
	if (p_accept_kw(p, "INF"))
		return LARCH_OK;
	if (!p_at(p, T_INT))
		return p_fail(p, "a TTL (an integer or INF)");
	return p_additive(p, &st->ttl);
}

int p_stmt_set_unset(parser_t *p, ast_stmt_t *st)
{
	int set = p_is_kw(p, "SET");
	p_next(p);
	if (p_accept_kw(p, "TTL")) {
		if (set)
			return p_set_ttl(p, st);
		st->kind = AST_UNSET_TTL;
		if (!p_accept_kw(p, "TO"))
			P_TRY(p_expect_kw(p, "FROM"));
		return p_one_path(p, st);
	}
	if (p_accept_template(p, 0)) {
		st->kind = set ? AST_SET_TEMPLATE : AST_UNSET_TEMPLATE;
		P_TRY(p_name(p, &st->name));
		P_TRY(p_expect_kw(p, set ? "TO" : "FROM"));
		return p_one_path(p, st);
	}
	if (set && p_accept_database(p)) { /* SET STORAGE GROUP TO p */
		st->kind = AST_CREATE_DATABASE;
		P_TRY(p_expect_kw(p, "TO"));
		return p_one_path(p, st);
	}
	return p_fail(p, set ? "TTL, DEVICE TEMPLATE or STORAGE GROUP" : "TTL or DEVICE TEMPLATE");
}

/* [template name] FROM p, p  of DEACTIVATE and DELETE TIMESERIES OF TEMPLATE. */
static int p_deactivate_rest(parser_t *p, ast_stmt_t *st)
{
	st->kind = AST_DEACTIVATE_TEMPLATE;
	if (!p_is_kw(p, "FROM"))
		P_TRY(p_name(p, &st->name));
	P_TRY(p_expect_kw(p, "FROM"));
	return p_path_list(p, &st->paths, &st->n_paths);
}

int p_stmt_drop(parser_t *p, ast_stmt_t *st)
{
	if (p_accept_database(p)) {
		st->kind = AST_DROP_DATABASE;
		return p_path_list(p, &st->paths, &st->n_paths);
	}
	if (p_accept_kw(p, "TIMESERIES")) {
		if (p_accept_kw(p, "OF")) {
			P_TRY(p_expect_template(p));
			return p_deactivate_rest(p, st);
		}
		st->kind = AST_DROP_TIMESERIES;
		return p_path_list(p, &st->paths, &st->n_paths);
	}
	if (p_accept_template(p, 0)) {
		st->kind = AST_DROP_TEMPLATE;
		return p_name(p, &st->name);
	}
	/* DROP USER (not DELETE USER: IoTDB has no such form) */
	if (strcasecmp(p->toks[p->i - 1].text, "DROP") == 0 && p_accept_kw(p, "USER")) {
		st->kind = AST_DROP_USER;
		return p_user_name(p, st);
	}
	return p_fail(p, "FROM, PARTITION, DATABASE, STORAGE GROUP, TIMESERIES, DEVICE TEMPLATE "
			 "or USER");
}

int p_stmt_deactivate(parser_t *p, ast_stmt_t *st)
{
	P_TRY(p_expect_template(p));
	return p_deactivate_rest(p, st);
}

/* FLUSH [p, ...] [TRUE|FALSE] [ON LOCAL|CLUSTER] (the ON part is accepted
 * and has no effect on an embedded engine). */
int p_stmt_flush(parser_t *p, ast_stmt_t *st)
{
	st->kind = AST_FLUSH;
	if (p_path_starts(p))
		P_TRY(p_path_list(p, &st->paths, &st->n_paths));
	if (p_accept_kw(p, "TRUE"))
		st->flush_seq = 1;
	else if (p_accept_kw(p, "FALSE"))
		st->flush_seq = 0;
	if (p_accept_kw(p, "ON") && !p_accept_kw(p, "LOCAL") && !p_accept_kw(p, "CLUSTER"))
		return p_fail(p, "LOCAL or CLUSTER");
	return LARCH_OK;
}
