/*
 * sql_write.c — the statements that change data: INSERT, DELETE FROM ...
 * [WHERE time ...] and DELETE PARTITION.
 *
 * INSERT INTO device(time, m1, m2) [ALIGNED] VALUES (...), (...) becomes one
 * tablet (larch_insert_tablet): every value is converted first, so a bad
 * value fails the statement before anything is written or created.  The
 * target type of a column is the registered type of its series, or, for a
 * series about to be created, the type IoTDB infers from the first non-null
 * value (schema_infer_type: a quoted string is TEXT, an integer DOUBLE by
 * default, true/false BOOLEAN, a datetime INT64, a binary literal X'..'
 * BLOB).  Conversion follows IoTDB's rules for SQL values, which it parses
 * from their text by the target type (CommonUtils.parseValue): BOOLEAN
 * takes true/false and 0/1; INT32/INT64 integers in range; FLOAT/DOUBLE any
 * number, read from its text as written (so -0 is -0.0, and a FLOAT is
 * rounded once, from the decimal digits); TEXT/STRING a quoted string or the
 * text of an unquoted literal (X'0a' too, as written); TIMESTAMP an integer
 * or a datetime; DATE 'yyyy-MM-dd'; BLOB a binary literal X'..', or a
 * string whose content is one ('X''0a''').  Anything else is IoTDB's
 * type-mismatch error, 507 (LARCH_METADATA_ERROR: its
 * DataTypeMismatchException is a MetadataException).  Without a time
 * column the row gets now() (one row only).
 *
 * DELETE accepts time comparisons joined by AND (and BETWEEN); OR and value
 * filters get IoTDB's 303 messages.  No WHERE deletes all time.  A path
 * deletes the series it matches and every series below it (the manual's
 * "prefix path": DELETE FROM root.ln.wf02.wt02 empties the device).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "query/expr.h"
#include "sql_int.h"

/*---------------------------------------------------------------------------
 * INSERT: literals
 *---------------------------------------------------------------------------*/

/* A value of an INSERT row, reduced to what conversion needs. */
typedef enum lit_kind {
	LIT_NULL,
	LIT_INT,     /* integer, text as written; also time expressions (is_time) */
	LIT_FLOAT,   /* decimal/exponent number; text as written */
	LIT_BOOL,    /* text "true"/"false" */
	LIT_STRING,  /* quoted string; text = its content */
	LIT_BLOB     /* binary literal; text as written (X'0a'), bytes decoded */
} lit_kind_t;

typedef struct lit {
	lit_kind_t kind;
	const char *text;
	size_t len;
	int64_t ival;            /* LIT_INT */
	int is_time;             /* a datetime literal or now(): a time in precision units */
	const char *raw_date;    /* datetime literal text (DATE columns), or NULL */
	const uint8_t *bytes;    /* LIT_BLOB */
	size_t n_bytes;
	int pos;
} lit_t;

/* Reduce one value expression of a row to a literal.  Accepted: numbers
 * (optionally signed), strings, binary literals, true/false, null, and time
 * expressions (datetime literals, now(), now() - 1d), which become
 * integers. */
static int lit_from_expr(sql_exec_t *x, const ast_expr_t *e, lit_t *l, larch_error_t *err)
{
	memset(l, 0, sizeof(*l));
	l->pos = e->pos;
	switch (e->kind) {
	case AST_E_NULL:
		l->kind = LIT_NULL;
		return LARCH_OK;
	case AST_E_STRING:
		l->kind = LIT_STRING;
		break;
	case AST_E_BLOB:
		l->kind = LIT_BLOB;
		l->bytes = e->bytes;
		l->n_bytes = e->n_bytes;
		break;
	case AST_E_BOOL:
		l->kind = LIT_BOOL;
		l->text = e->ival ? "true" : "false";
		l->len = strlen(l->text);
		return LARCH_OK;
	case AST_E_INT:
		l->kind = LIT_INT;
		l->ival = e->ival;
		break;
	case AST_E_FLOAT:
		l->kind = LIT_FLOAT;
		break;
	default: {
		int64_t t;
		if (query_eval_time(&x->ctx, e, &t, err)) {
			char where[48];
			sql_pos(x, e->pos, where, sizeof where);
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "%s: an INSERT value must be a constant", where);
		}
		char *txt = arena_alloc(x->arena, 24);
		if (!txt)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		l->kind = LIT_INT;
		l->len = (size_t)snprintf(txt, 24, "%lld", (long long)t);
		l->text = txt;
		l->ival = t;
		l->is_time = 1;
		l->raw_date = e->kind == AST_E_DATETIME ? e->sval : NULL;
		return LARCH_OK;
	}
	}
	l->text = e->sval ? e->sval : "";
	l->len = strlen(l->text);
	return LARCH_OK;
}

/* The type IoTDB gives a new series from this value; -1 for null. */
static int lit_infer_type(const lit_t *l)
{
	switch (l->kind) {
	case LIT_NULL:   return -1;
	case LIT_STRING: return TSFILE_TEXT;
	case LIT_BLOB:   return TSFILE_BLOB;
	case LIT_INT:    return l->is_time ? TSFILE_INT64 : schema_infer_type(NULL, l->text, l->len);
	default:         return schema_infer_type(NULL, l->text, l->len);
	}
}

/* The bytes of a BLOB value: a binary literal's, or those of a string
 * holding one (IoTDB reads the string's content as X'..' too); -1 for
 * anything else. */
static int blob_value(sql_exec_t *x, const lit_t *l, tsfile_bytes_t *out)
{
	if (l->kind == LIT_BLOB) {
		*out = (tsfile_bytes_t){l->n_bytes ? (const char *)l->bytes : "",
					(uint32_t)l->n_bytes};
		return 0;
	}
	if (l->kind != LIT_STRING || l->len < 3 || l->text[0] != 'X' || l->text[1] != '\'' ||
	    l->text[l->len - 1] != '\'')
		return -1;
	size_t hex = l->len - 3, n;
	uint8_t *b = arena_alloc(x->arena, (hex + 1) / 2 + 1);
	if (!b || ast_hex_decode(l->text + 2, hex, b, &n))
		return -1;
	*out = (tsfile_bytes_t){(const char *)b, (uint32_t)n};
	return 0;
}

/* A number literal's text as FLOAT (Float.parseFloat) or DOUBLE
 * (Double.parseDouble): -1 when it is out of range.  Reading the text, not
 * the folded value, keeps the sign of -0 and rounds a FLOAT only once. */
static int number_value(const lit_t *l, tsfile_type_t t, void *dst)
{
	if (t == TSFILE_FLOAT) {
		float f = strtof(l->text, NULL);
		if (isinf(f))
			return -1;
		*(float *)dst = f;
	} else {
		double d = strtod(l->text, NULL);
		if (isinf(d))
			return -1;
		*(double *)dst = d;
	}
	return 0;
}

/* Store literal l, converted to type t, at dst (an element of a tablet
 * column).  Returns 0, or -1 when IoTDB refuses the value for the type. */
static int lit_convert(sql_exec_t *x, const lit_t *l, tsfile_type_t t, void *dst)
{
	switch (t) {
	case TSFILE_BOOLEAN:
		if (l->kind == LIT_BOOL)
			*(uint8_t *)dst = (l->text[0] == 't' || l->text[0] == 'T');
		else if (l->kind == LIT_INT && !l->is_time &&
			 (l->ival == 0 || l->ival == 1) && l->text[0] != '-')
			*(uint8_t *)dst = (uint8_t)l->ival;
		else
			return -1;
		return 0;
	case TSFILE_INT32:
		if (l->kind != LIT_INT || l->ival < INT32_MIN || l->ival > INT32_MAX)
			return -1;
		*(int32_t *)dst = (int32_t)l->ival;
		return 0;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		if (l->kind == LIT_INT) {
			*(int64_t *)dst = l->ival;
			return 0;
		}
		if (t == TSFILE_TIMESTAMP && l->kind == LIT_STRING) {
			ast_expr_t dt = {.kind = AST_E_DATETIME, .pos = l->pos,
					 .sval = (char *)l->text};
			larch_error_t ignored = {0};
			return query_eval_time(&x->ctx, &dt, (int64_t *)dst, &ignored) ? -1 : 0;
		}
		return -1;
	case TSFILE_FLOAT:
	case TSFILE_DOUBLE:
		if (l->kind != LIT_INT && l->kind != LIT_FLOAT)
			return -1;
		return number_value(l, t, dst);
	case TSFILE_TEXT:
	case TSFILE_STRING:
		if (l->kind == LIT_NULL)
			return -1;
		*(tsfile_bytes_t *)dst = (tsfile_bytes_t){l->text, (uint32_t)l->len};
		return 0;
	case TSFILE_BLOB:
		return blob_value(x, l, (tsfile_bytes_t *)dst);
	case TSFILE_DATE: {
		const char *s = l->kind == LIT_STRING ? l->text : l->raw_date;
		int32_t d = s ? engine_parse_date(s, strlen(s)) : -1;
		if (d < 0)
			return -1;
		*(int32_t *)dst = d;
		return 0;
	}
	default:
		return -1;
	}
}

/*---------------------------------------------------------------------------
 * INSERT: the statement
 *---------------------------------------------------------------------------*/

/* A measurement name as the schema takes it: bare, or back-quoted (with
 * back-quotes doubled) when it was quoted in the statement. */
static const char *meas_spelling(arena_t *a, const char *name, int quoted)
{
	if (!quoted)
		return name;
	size_t n = strlen(name), k = 0;
	char *s = arena_alloc(a, 2 * n + 3);
	if (!s)
		return NULL;
	s[k++] = '`';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '`')
			s[k++] = '`';
		s[k++] = name[i];
	}
	s[k++] = '`';
	s[k] = 0;
	return s;
}

static int type_found_cb(void *arg, const schema_series_info_t *info)
{
	*(int *)arg = (int)info->type;
	return 1;
}

/* Names handed out by a schema listing, copied into the statement arena
 * (listings call back under the schema's lock: look further only after). */
typedef struct name_list {
	arena_t *arena;
	buf_t names;             /* char * */
	int oom;
} name_list_t;

static int name_add(name_list_t *nl, const char *s, size_t len)
{
	char *c = arena_strndup(nl->arena, s, len);
	if (!c) {
		nl->oom = 1;
		return 1;
	}
	buf_put(&nl->names, &c, sizeof c);
	return 0;
}

static int template_name_cb(void *arg, const schema_template_info_t *info)
{
	return name_add(arg, info->name, strlen(info->name));
}

static int template_path_cb(void *arg, const char *path, size_t len)
{
	return name_add(arg, path, len);
}

typedef struct tmpl_find {
	const char *meas;
	int type;
} tmpl_find_t;

static int template_meas_cb(void *arg, const schema_tmpl_meas_info_t *info)
{
	tmpl_find_t *tf = arg;
	if (strcmp(info->name, tf->meas))
		return 0;
	tf->type = (int)info->type;
	return 1;
}

/* 1 if `device` is `path` or lies below it. */
static int path_covers(const char *path, const char *device)
{
	size_t n = strlen(path);
	return !strncmp(path, device, n) && (device[n] == 0 || device[n] == '.');
}

/* The type measurement `meas` (raw name) gets from a template set on
 * `device` or above it, or -1: writing to such a device activates the
 * template, so its types, not inferred ones, decide. */
static int template_type(sql_exec_t *x, const char *device, const char *meas)
{
	name_list_t tl = {x->arena, BUF_INIT, 0};
	larch_error_t ignored = {0};
	int type = -1;
	schema_template_list(x->db->schema, template_name_cb, &tl, &ignored);
	char **names = (char **)(void *)tl.names.data;
	for (size_t i = 0; type < 0 && !tl.oom && i < tl.names.len / sizeof(char *); i++) {
		name_list_t pl = {x->arena, BUF_INIT, 0};
		schema_template_paths_set(x->db->schema, names[i], template_path_cb, &pl, &ignored);
		char **paths = (char **)(void *)pl.names.data;
		for (size_t j = 0; !pl.oom && j < pl.names.len / sizeof(char *); j++)
			if (path_covers(paths[j], device)) {
				tmpl_find_t tf = {meas, -1};
				schema_template_measurements(x->db->schema, names[i],
							     template_meas_cb, &tf, &ignored);
				type = tf.type;
				break;
			}
		buf_free(&pl.names);
	}
	buf_free(&tl.names);
	return type;
}

/* The type values of device.meas must take: the registered type, or the
 * type a template set above the device gives it, or -1 when the series is
 * new (its values decide). */
static int registered_type(sql_exec_t *x, const char *device, const char *meas, const char *raw)
{
	size_t dl = strlen(device), ml = strlen(meas);
	char *path = arena_alloc(x->arena, dl + ml + 2);
	if (!path)
		return -1;
	memcpy(path, device, dl);
	path[dl] = '.';
	memcpy(path + dl + 1, meas, ml + 1);
	int type = -1;
	larch_error_t ignored = {0};
	if (schema_series_find(x->db->schema, path, type_found_cb, &type, &ignored))
		return template_type(x, device, raw);
	return type;
}

/* IoTDB's DataTypeMismatchException (status 507) for value l of column c. */
static int insert_mismatch(sql_exec_t *x, const ast_insert_t *ins, size_t c, tsfile_type_t reg,
			   const lit_t *l, int64_t time, larch_error_t *err)
{
	int vt = lit_infer_type(l);
	char where[48];
	sql_pos(x, l->pos, where, sizeof where);
	int quoted = l->kind == LIT_STRING;
	return err_set(err, LARCH_METADATA_ERROR,
		       "data type of %s.%s is not consistent, registered type %s, inserting type %s, "
		       "timestamp %lld, value %s%.*s%s (%s)",
		       ins->device->text, ins->meas[c], tsfile_type_name(reg),
		       vt >= 0 ? tsfile_type_name((tsfile_type_t)vt) : "null", (long long)time,
		       quoted ? "'" : "", (int)LR_MIN(l->len, 64), l->text ? l->text : "null",
		       quoted ? "'" : "", where);
}

/* Checks IoTDB makes before looking at values. */
static int insert_check(const ast_insert_t *ins, larch_error_t *err)
{
	if (ins->n_meas == 0)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "InsertStatement should contain at least one measurement");
	if (!ins->has_time && ins->n_rows != 1)
		return err_set(err, LARCH_SEMANTIC_ERROR, "need timestamps when insert multi rows");
	for (size_t i = 0; i < ins->n_meas; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(ins->meas[i], ins->meas[j]))
				return err_set(err, LARCH_SEMANTIC_ERROR,
					       "Insertion contains duplicated measurement: %s",
					       ins->meas[i]);
	return LARCH_OK;
}

/* Fill column c of the tablet from the rows: pick its type (registered, or
 * inferred from the first non-null value), convert every value.  A column
 * with no value at all is left out (*keep = 0). */
static int insert_column(sql_exec_t *x, const ast_insert_t *ins, const int64_t *times, size_t c,
			 tsfile_column_t *col, int *keep, larch_error_t *err)
{
	size_t n = ins->n_rows, vi = c + (size_t)ins->has_time;
	lit_t *lits = arena_alloc(x->arena, n * sizeof(*lits));
	uint8_t *nulls = arena_calloc(x->arena, n, 1);
	const char *name = meas_spelling(x->arena, ins->meas[c], ins->meas_quoted[c]);
	if (!lits || !nulls || !name)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	int type = registered_type(x, ins->device->text, name, ins->meas[c]), rc;
	*keep = 0;
	for (size_t r = 0; r < n; r++) {
		if ((rc = lit_from_expr(x, ins->rows[r][vi], &lits[r], err)))
			return rc;
		if (lits[r].kind != LIT_NULL) {
			*keep = 1;
			if (type < 0)
				type = lit_infer_type(&lits[r]);
		}
	}
	if (!*keep)
		return LARCH_OK;
	size_t es = tsfile_type_size((tsfile_type_t)type);
	uint8_t *values = arena_calloc(x->arena, n, es);
	if (!values)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t r = 0; r < n; r++) {
		if (lits[r].kind == LIT_NULL)
			nulls[r] = 1;
		else if (lit_convert(x, &lits[r], (tsfile_type_t)type, values + r * es))
			return insert_mismatch(x, ins, c, (tsfile_type_t)type, &lits[r], times[r], err);
	}
	*col = (tsfile_column_t){name, (tsfile_type_t)type, values, nulls};
	return LARCH_OK;
}

int sql_insert(sql_exec_t *x, const ast_insert_t *ins, larch_error_t *err)
{
	int rc = insert_check(ins, err);
	if (rc)
		return rc;
	size_t n = ins->n_rows;
	int64_t *times = arena_alloc(x->arena, n * sizeof(*times));
	tsfile_column_t *cols = arena_alloc(x->arena, ins->n_meas * sizeof(*cols));
	if (!times || !cols)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	for (size_t r = 0; r < n; r++) {
		times[r] = x->ctx.now;
		if (ins->has_time && (rc = query_eval_time(&x->ctx, ins->rows[r][0], &times[r], err)))
			return rc;
	}
	size_t k = 0;
	for (size_t c = 0; c < ins->n_meas; c++) {
		int keep;
		if ((rc = insert_column(x, ins, times, c, &cols[k], &keep, err)))
			return rc;
		k += (size_t)keep;
	}
	if (k == 0) /* every value null: nothing to write */
		return LARCH_OK;
	tsfile_tablet_t t = {ins->device->text, n, times, k, cols};
	return larch_insert_tablet(x->db, &t, ins->aligned, err);
}

/*---------------------------------------------------------------------------
 * DELETE FROM paths [WHERE time ...]
 *---------------------------------------------------------------------------*/

#define DELETE_RANGE_MSG                                                                  \
	"Check metadata error: For delete statement, where clause can only contain atomic " \
	"expressions like : time > XXX, time <= XXX, or two atomic expressions connected by 'AND'"
#define DELETE_VALUE_MSG                                                                  \
	"Check metadata error: For delete statement, where clause can only contain time "   \
	"expressions, value filter is not currently supported."

/* 1 if e refers to the time column anywhere. */
static int mentions_time(const ast_expr_t *e, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return 0;
	if (e->kind == AST_E_TIME)
		return 1;
	if (mentions_time(e->a, depth + 1) || mentions_time(e->b, depth + 1) ||
	    mentions_time(e->c, depth + 1))
		return 1;
	for (size_t i = 0; i < e->n_list; i++)
		if (mentions_time(e->list[i], depth + 1))
			return 1;
	return 0;
}

/* A time bound of a DELETE condition: no reference to time itself, and
 * evaluable as a time (else query_eval_time's error). */
static int delete_bound_ok(sql_exec_t *x, const ast_expr_t *c, larch_error_t *err)
{
	int64_t ignored;

	if (mentions_time(c, 0))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, DELETE_RANGE_MSG);
	return expr_is_time_only(c) ? LARCH_OK : query_eval_time(&x->ctx, c, &ignored, err);
}

/* Check the shape IoTDB allows in DELETE ... WHERE: atomic time
 * comparisons (not !=) and BETWEEN, joined by AND; anything else is
 * IoTDB's 303.  The range itself comes from expr_time_ranges. */
static int delete_where_check(sql_exec_t *x, const ast_expr_t *e, int depth, larch_error_t *err)
{
	int rc;

	if (depth > AST_MAX_DEPTH)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, DELETE_RANGE_MSG);
	if (e->kind == AST_E_BINARY && e->op == AST_OP_AND) {
		rc = delete_where_check(x, e->a, depth + 1, err);
		return rc ? rc : delete_where_check(x, e->b, depth + 1, err);
	}
	if (e->kind == AST_E_BETWEEN && !e->negated && e->a->kind == AST_E_TIME) {
		rc = delete_bound_ok(x, e->b, err);
		return rc ? rc : delete_bound_ok(x, e->c, err);
	}
	if (e->kind == AST_E_BINARY && e->op >= AST_OP_EQ && e->op <= AST_OP_GE &&
	    e->op != AST_OP_NE && (e->a->kind == AST_E_TIME) != (e->b->kind == AST_E_TIME))
		return delete_bound_ok(x, e->a->kind == AST_E_TIME ? e->b : e->a, err);
	return err_set(err, LARCH_ILLEGAL_PARAMETER, DELETE_RANGE_MSG);
}

int sql_delete_data(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	int rc;
	if (st->where) {
		time_range_t *r;
		size_t nr;
		if (!mentions_time(st->where, 0))
			return err_set(err, LARCH_ILLEGAL_PARAMETER, DELETE_VALUE_MSG);
		if ((rc = delete_where_check(x, st->where, 0, err)) ||
		    (rc = expr_time_ranges(&x->ctx, st->where, x->arena, &r, &nr, err)))
			return rc;
		if (!nr)
			return LARCH_OK;  /* an empty range deletes nothing */
		/* an AND of comparisons is one interval */
		lo = r[0].start;
		hi = r[0].end;
	}
	if (st->n_paths == 0)
		return LARCH_OK;
	/* a path names its series and everything below it (p and p.**) */
	const char **pats = arena_alloc(x->arena, 2 * st->n_paths * sizeof(*pats));
	if (!pats)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < st->n_paths; i++) {
		const char *p = st->paths[i]->text;
		size_t len = strlen(p);
		pats[n++] = p;
		if (len >= 3 && !strcmp(p + len - 3, ".**"))
			continue;
		char *below = arena_alloc(x->arena, len + 4);
		if (!below)
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
		memcpy(below, p, len);
		memcpy(below + len, ".**", 4);
		pats[n++] = below;
	}
	return engine_delete_points(x->db, pats, n, lo, hi, 0, err);
}

/*---------------------------------------------------------------------------
 * DELETE PARTITION database id, id, ...
 *---------------------------------------------------------------------------*/

int sql_delete_partition(sql_exec_t *x, const ast_stmt_t *st, larch_error_t *err)
{
	if (st->n_paths != 1)
		return err_set(err, LARCH_SEMANTIC_ERROR, "DELETE PARTITION takes one database");
	const char *database = st->paths[0]->text;
	uint64_t n = 0;
	int rc = schema_db_count(x->db->schema, database, &n, err);
	if (rc)
		return rc;
	if (n != 1 || strchr(database, '*'))
		return err_set(err, LARCH_DATABASE_NOT_EXIST, "Database %s does not exist", database);
	for (size_t i = 0; i < st->n_ids; i++)
		if ((rc = storage_drop_partition(x->db->storage, database, st->ids[i], err)))
			return rc;
	return LARCH_OK;
}
