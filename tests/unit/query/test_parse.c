/*
 * Unit tests for the SQL parser (src/query/lexer.c, parse*.c, ast.c).
 *
 * The AST is printed as a compact S-expression (sx_* below, test-only) and
 * compared with the expected text written by hand from IoTDB's manual (seed
 * 004, the DML chapter, and the SQL manual): statements of every kind and
 * every old/new spelling, operator precedence, literals, and errors with
 * their status code and "line L:C" position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "query/ast.h"

/*---------------------------------------------------------------------------
 * Printer
 *---------------------------------------------------------------------------*/

static void sx(buf_t *b, const char *fmt, ...) LR_PRINTF(2, 3);
static void sx(buf_t *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_put(b, tmp, (size_t)LR_MIN(n, (int)sizeof tmp - 1));
}

static const char *const op_names[] = {
	"neg", "pos", "not", "+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "and", "or",
};

static void sx_expr(buf_t *b, const ast_expr_t *e);

static void sx_list(buf_t *b, ast_expr_t *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sx(b, " ");
		sx_expr(b, l[i]);
	}
}

static void sx_func(buf_t *b, const ast_expr_t *e)
{
	sx(b, "%s(%s", e->sval, e->distinct ? "distinct " : "");
	for (size_t i = 0; i < e->n_list; i++) {
		if (i)
			sx(b, ", ");
		sx_expr(b, e->list[i]);
	}
	if ((int)e->cast_type >= 0)
		sx(b, " as %s", tsfile_type_name(e->cast_type));
	for (size_t i = 0; i < e->n_attrs; i++)
		sx(b, "; '%s'='%s'", e->attrs[i].key, e->attrs[i].value);
	sx(b, ")");
}

static void sx_expr(buf_t *b, const ast_expr_t *e)
{
	static const char *const pred[] = {"between", "in", "like", "regexp", "is-null"};
	switch (e->kind) {
	case AST_E_PATH: sx(b, "%s", e->path->text); break;
	case AST_E_TIME: sx(b, "time"); break;
	case AST_E_INT: sx(b, "%lld", (long long)e->ival); break;
	case AST_E_FLOAT: sx(b, "%gf", e->fval); break;
	case AST_E_STRING: sx(b, "'%s'", e->sval); break;
	case AST_E_BOOL: sx(b, "%s", e->ival ? "true" : "false"); break;
	case AST_E_NULL: sx(b, "null"); break;
	case AST_E_DATETIME: sx(b, "dt[%s]", e->sval); break;
	case AST_E_DURATION:
		sx(b, "dur[%lldmo %lldns]", (long long)e->dur.months, (long long)e->dur.nanos);
		break;
	case AST_E_NOW: sx(b, "now()"); break;
	case AST_E_STAR: sx(b, "*"); break;
	case AST_E_BLOB:
		sx(b, "x[");
		for (size_t i = 0; i < e->n_bytes; i++)
			sx(b, "%02x", (unsigned char)e->bytes[i]);
		sx(b, "]");
		break;
	case AST_E_UNARY:
		sx(b, "(%s ", op_names[e->op]);
		sx_expr(b, e->a);
		sx(b, ")");
		break;
	case AST_E_BINARY:
		sx(b, "(%s ", op_names[e->op]);
		sx_expr(b, e->a);
		sx(b, " ");
		sx_expr(b, e->b);
		sx(b, ")");
		break;
	case AST_E_BETWEEN: case AST_E_IN: case AST_E_LIKE: case AST_E_REGEXP:
	case AST_E_IS_NULL:
		sx(b, "(%s%s ", e->negated ? "not-" : "", pred[e->kind - AST_E_BETWEEN]);
		sx_expr(b, e->a);
		if (e->b) {
			sx(b, " ");
			sx_expr(b, e->b);
		}
		if (e->c) {
			sx(b, " ");
			sx_expr(b, e->c);
		}
		sx_list(b, e->list, e->n_list);
		sx(b, ")");
		break;
	case AST_E_FUNC: sx_func(b, e); break;
	case AST_E_CASE:
		sx(b, "(case");
		if (e->a) {
			sx(b, " ");
			sx_expr(b, e->a);
		}
		sx_list(b, e->list, e->n_list);
		if (e->b) {
			sx(b, " else ");
			sx_expr(b, e->b);
		}
		sx(b, ")");
		break;
	}
}

static void sx_paths(buf_t *b, const char *label, ast_path_t *const *p, size_t n)
{
	if (!n)
		return;
	sx(b, " %s ", label);
	for (size_t i = 0; i < n; i++)
		sx(b, "%s%s", i ? "," : "", p[i]->text);
}

static void sx_kvs(buf_t *b, const char *label, const ast_kv_t *kv, size_t n)
{
	if (!n)
		return;
	sx(b, " %s(", label);
	for (size_t i = 0; i < n; i++)
		sx(b, "%s%s%s%s", i ? "," : "", kv[i].key, kv[i].value ? "=" : "",
		   kv[i].value ? kv[i].value : "");
	sx(b, ")");
}

static void sx_opt_expr(buf_t *b, const char *label, const ast_expr_t *e)
{
	if (!e)
		return;
	sx(b, " %s%s", label, *label ? " " : "");
	sx_expr(b, e);
}

static void sx_fill(buf_t *b, const ast_fill_t *f)
{
	static const char *const kinds[] = {"", "previous", "linear", "value", "old",
					    "previousuntillast"};
	static const char *const methods[] = {"previous", "previousuntillast", "linear", "value"};
	if (f->kind == AST_FILL_NONE)
		return;
	sx(b, " fill(%s", kinds[f->kind]);
	sx_opt_expr(b, "", f->value);
	sx_opt_expr(b, "", f->before);
	sx_opt_expr(b, "", f->after);
	for (size_t i = 0; i < f->n_items; i++) {
		const ast_fill_item_t *it = &f->items[i];
		sx(b, " %s[%s", it->all ? "ALL" : tsfile_type_name(it->type), methods[it->method]);
		sx_opt_expr(b, "", it->value);
		sx_opt_expr(b, "", it->before);
		sx_opt_expr(b, "", it->after);
		sx(b, "]");
	}
	sx(b, ")");
}

static void sx_group(buf_t *b, const ast_select_t *s)
{
	const ast_group_time_t *g = s->group_time;
	if (g) {
		sx(b, " group(");
		if (g->start) {
			sx(b, "%s", g->left_open ? "(" : "[");
			sx_expr(b, g->start);
			sx(b, ",");
			sx_expr(b, g->end);
			sx(b, "%s ", g->left_open ? "]" : ")");
		}
		sx_expr(b, g->interval);
		sx_opt_expr(b, "step", g->step);
		sx(b, ")");
	}
	for (size_t i = 0; i < s->n_group_levels; i++)
		sx(b, "%s%d", i ? "," : " level=", s->group_levels[i]);
	for (size_t i = 0; i < s->n_group_tags; i++)
		sx(b, "%s%s", i ? "," : " tags=", s->group_tags[i]);
}

static void sx_select(buf_t *b, const ast_select_t *s)
{
	static const char *const aligns[] = {"", " align-device", " disable-align"};
	sx(b, "select%s", s->last ? " last" : "");
	for (size_t i = 0; i < s->n_cols; i++) {
		sx(b, "%s", i ? ", " : " ");
		sx_expr(b, s->cols[i].expr);
		if (s->cols[i].alias)
			sx(b, " as %s", s->cols[i].alias);
	}
	sx_paths(b, "from", s->from, s->n_from);
	sx_opt_expr(b, "where", s->where);
	sx_group(b, s);
	sx_opt_expr(b, "having", s->having);
	sx_fill(b, &s->fill);
	for (size_t i = 0; i < s->n_order; i++) {
		sx(b, "%s", i ? ", " : " order ");
		sx_expr(b, s->order[i].expr);
		sx(b, "%s%s", s->order[i].desc ? " desc" : "",
		   s->order[i].nulls_first < 0 ? "" : s->order[i].nulls_first ? " nulls-first"
									      : " nulls-last");
	}
	if (s->limit >= 0)
		sx(b, " limit %lld", (long long)s->limit);
	if (s->offset >= 0)
		sx(b, " offset %lld", (long long)s->offset);
	if (s->slimit >= 0)
		sx(b, " slimit %lld", (long long)s->slimit);
	if (s->soffset >= 0)
		sx(b, " soffset %lld", (long long)s->soffset);
	sx(b, "%s", aligns[s->align]);
}

static void sx_insert(buf_t *b, const ast_insert_t *ins)
{
	sx(b, "insert %s(%s", ins->device->text, ins->has_time ? "time" : "");
	for (size_t i = 0; i < ins->n_meas; i++)
		sx(b, "%s%s%s", i || ins->has_time ? "," : "", ins->meas_quoted[i] ? "`" : "",
		   ins->meas[i]);
	sx(b, ")%s values", ins->aligned ? " aligned" : "");
	for (size_t r = 0; r < ins->n_rows; r++) {
		sx(b, " (");
		for (size_t i = 0; i < ins->n_meas + (size_t)ins->has_time; i++) {
			if (i)
				sx(b, ",");
			sx_expr(b, ins->rows[r][i]);
		}
		sx(b, ")");
	}
}

static void sx_def(buf_t *b, const ast_meas_def_t *d)
{
	sx(b, " [%s %s", d->path->text, tsfile_type_name(d->type));
	if (d->alias)
		sx(b, " alias=%s", d->alias);
	if (d->encoding >= 0)
		sx(b, " enc=%s", tsfile_encoding_name((tsfile_encoding_t)d->encoding));
	if (d->codec >= 0)
		sx(b, " codec=%s", tsfile_codec_name((tsfile_codec_t)d->codec));
	sx_kvs(b, "props", d->props, d->n_props);
	sx_kvs(b, "tags", d->tags, d->n_tags);
	sx_kvs(b, "attrs", d->attrs, d->n_attrs);
	sx(b, "]");
}

static void sx_stmt_fields(buf_t *b, const ast_stmt_t *st)
{
	static const char *const sw[] = {"", "tag=", "tag-contains", "path-contains", "datatype",
					 "template"};
	static const char *const alters[] = {"rename", "set", "drop", "add-tags", "add-attrs",
					     "upsert"};
	sx_paths(b, "paths", st->paths, st->n_paths);
	if (st->device)
		sx(b, " device %s", st->device->text);
	if (st->name)
		sx(b, " name %s", st->name);
	if (st->aligned)
		sx(b, " aligned");
	for (size_t i = 0; i < st->n_defs; i++)
		sx_def(b, &st->defs[i]);
	sx_opt_expr(b, "where", st->where);
	if (st->kind == AST_ALTER_TIMESERIES) {
		const ast_alter_t *a = &st->alter;
		sx(b, " %s", alters[a->kind]);
		if (a->old_key)
			sx(b, " %s->%s", a->old_key, a->new_key);
		if (a->alias)
			sx(b, " alias=%s", a->alias);
		sx_kvs(b, "kv", a->kvs, a->n_kvs);
		sx_kvs(b, "tags", a->tags, a->n_tags);
		sx_kvs(b, "attrs", a->attrs, a->n_attrs);
	}
	const ast_show_where_t *w = &st->show_where;
	if (w->kind != AST_SW_NONE) {
		sx(b, " where %s%s", w->negated ? "not-" : "", sw[w->kind]);
		if (w->key)
			sx(b, " %s", w->key);
		if (w->value)
			sx(b, " %s", w->value);
		if (w->kind == AST_SW_DATATYPE)
			sx(b, " %s", tsfile_type_name(w->type));
	}
	if (st->latest)
		sx(b, " latest");
	if (st->details)
		sx(b, " details");
	if (st->with_database)
		sx(b, " with-database");
	if (st->level >= 0)
		sx(b, " level=%d", st->level);
	if (st->limit >= 0)
		sx(b, " limit %lld", (long long)st->limit);
	if (st->offset >= 0)
		sx(b, " offset %lld", (long long)st->offset);
	for (size_t i = 0; i < st->n_ids; i++)
		sx(b, "%s%lld", i ? "," : " ids=", (long long)st->ids[i]);
	if (st->kind == AST_SET_TTL)
		sx_opt_expr(b, "ttl", st->ttl ? st->ttl : NULL);
	if (st->flush_seq >= 0)
		sx(b, " seq=%d", st->flush_seq);
	sx_kvs(b, "with", st->props, st->n_props);
}

static void sx_stmt(buf_t *b, const ast_stmt_t *st)
{
	static const char *const kinds[] = {
		"select", "insert", "delete-data", "delete-partition", "create-database",
		"drop-database", "show-databases", "count-databases", "create-timeseries",
		"create-aligned-timeseries", "drop-timeseries", "alter-timeseries",
		"show-timeseries", "count-timeseries", "show-devices", "count-devices",
		"show-child-paths", "show-child-nodes", "count-nodes", "create-template",
		"alter-template", "drop-template", "set-template", "unset-template",
		"activate-template", "deactivate-template", "show-templates",
		"show-template-nodes", "show-paths-set-template", "show-paths-using-template",
		"set-ttl", "unset-ttl", "show-ttl", "flush", "show-version",
	};
	if (st->kind == AST_SELECT)
		sx_select(b, st->select);
	else if (st->kind == AST_INSERT)
		sx_insert(b, st->insert);
	else {
		sx(b, "%s", kinds[st->kind]);
		sx_stmt_fields(b, st);
	}
}

/* Parse sql and print it; returns the status, the text in out (or the
 * error message). */
static int parse_print(const char *sql, char *out, size_t n)
{
	arena_t *a = arena_new(4096);
	assert_non_null(a);
	ast_stmt_t *st = NULL;
	larch_error_t err = {0};
	int rc = ast_parse(sql, strlen(sql), a, &st, &err);
	if (rc == LARCH_OK) {
		buf_t b = BUF_INIT;
		sx_stmt(&b, st);
		snprintf(out, n, "%.*s", (int)b.len, (const char *)b.data);
		buf_free(&b);
	} else {
		snprintf(out, n, "%s", err.msg);
	}
	arena_free(a);
	return rc;
}

typedef struct parse_case {
	const char *sql;
	const char *want;
} parse_case_t;

static void run_cases(const parse_case_t *c, size_t n)
{
	char got[2048];
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = parse_print(c[i].sql, got, sizeof got);
		if (rc != LARCH_OK || strcmp(got, c[i].want) != 0) {
			print_error("SQL:  %s\nwant: %s\ngot:  %s (rc %d)\n", c[i].sql, c[i].want,
				    got, rc);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/*---------------------------------------------------------------------------
 * Statement tables
 *---------------------------------------------------------------------------*/

static void test_insert(void **state)
{
	(void)state;
	static const parse_case_t cases[] = {
		{"insert into root.ln.wf02.wt02(timestamp,status) values(1,true)",
		 "insert root.ln.wf02.wt02(time,status) values (1,true)"},
		{"INSERT INTO root.ln.wf02.wt02(timestamp,hardware) VALUES(1, \"v1\")",
		 "insert root.ln.wf02.wt02(time,hardware) values (1,'v1')"},
		{"insert into root.ln.wf02.wt02(timestamp, status, hardware) VALUES (2, false, 'v2')",
		 "insert root.ln.wf02.wt02(time,status,hardware) values (2,false,'v2')"},
		{"insert into root.ln.wf02.wt02(time, status, hardware) values (3, false, 'v3'),(4, true, 'v4')",
		 "insert root.ln.wf02.wt02(time,status,hardware) values (3,false,'v3') (4,true,'v4')"},
		{"insert into root.sg.d1(s1, s2) values (1.5, -2)",
		 "insert root.sg.d1(s1,s2) values (1.5f,-2)"},
		{"insert into root.sg.d1(time, s1) aligned values (2017-11-01T00:00:00+08:00, null)",
		 "insert root.sg.d1(time,s1) aligned values (dt[2017-11-01T00:00:00+08:00],null)"},
		{"insert into root.sg.d1(timestamp, `s.1`, s2) values(now(), 'it''s', \"say \"\"hi\"\"\");",
		 "insert root.sg.d1(time,`s.1,s2) values (now(),'it's','say \"hi\"')"},
		{"insert into root.sg.d1(time, s1) values(-9223372036854775808, 1e3)",
		 "insert root.sg.d1(time,s1) values (-9223372036854775808,1000f)"},
		{"insert into root.sg.d1(time, s1) values(1, 'a\\'b')",
		 "insert root.sg.d1(time,s1) values (1,'a'b')"},
		{"insert into root.sg.d1(time, s1) values(1, 99999999999999999999)",
		 "insert root.sg.d1(time,s1) values (1,1e+20f)"},
	};
	run_cases(cases, LR_ARRAY_LEN(cases));
}

static void test_select_seed004(void **state)
{
	(void)state;
	static const parse_case_t cases[] = {
		{"select temperature from root.ln.wf01.wt01 where time < 2017-11-01T00:08:00.000",
		 "select temperature from root.ln.wf01.wt01 where (< time dt[2017-11-01T00:08:00.000])"},
		{"select status, temperature from root.ln.wf01.wt01 where time > 2017-11-01T00:05:00.000 and time < 2017-11-01T00:12:00.000;",
		 "select status, temperature from root.ln.wf01.wt01 where (and (> time dt[2017-11-01T00:05:00.000]) (< time dt[2017-11-01T00:12:00.000]))"},
		{"select wf01.wt01.status,wf02.wt02.hardware from root.ln where (time > 2017-11-01T00:05:00.000 and time < 2017-11-01T00:12:00.000) or (time >= 2017-11-01T16:35:00.000 and time <= 2017-11-01T16:37:00.000);",
		 "select wf01.wt01.status, wf02.wt02.hardware from root.ln where (or (and (> time dt[2017-11-01T00:05:00.000]) (< time dt[2017-11-01T00:12:00.000])) (and (>= time dt[2017-11-01T16:35:00.000]) (<= time dt[2017-11-01T16:37:00.000])))"},
		{"select s1,s2 from root.sg1.* GROUP BY DEVICE",
		 "select s1, s2 from root.sg1.* align-device"},
		{"select count(status) from root.ln.wf01.wt01 group by level=1;",
		 "select count(status) from root.ln.wf01.wt01 level=1"},
		{"select count(status), max_value(temperature) from root.ln.wf01.wt01 group by ([2017-11-01T00:00:00, 2017-11-07T23:00:00),1d);",
		 "select count(status), max_value(temperature) from root.ln.wf01.wt01 group([dt[2017-11-01T00:00:00],dt[2017-11-07T23:00:00]) dur[0mo 86400000000000ns])"},
		{"select count(status), max_value(temperature) from root.ln.wf01.wt01 group by ([2017-11-01 00:00:00, 2017-11-07 23:00:00), 3h, 1d);",
		 "select count(status), max_value(temperature) from root.ln.wf01.wt01 group([dt[2017-11-01 00:00:00],dt[2017-11-07 23:00:00]) dur[0mo 10800000000000ns] step dur[0mo 86400000000000ns])"},
		{"select count(status), max_value(temperature) from root.ln.wf01.wt01 where time > 2017-11-01T01:00:00 and temperature > 20 group by([2017-11-01T00:00:00, 2017-11-07T23:00:00), 3h, 1d);",
		 "select count(status), max_value(temperature) from root.ln.wf01.wt01 where (and (> time dt[2017-11-01T01:00:00]) (> temperature 20)) group([dt[2017-11-01T00:00:00],dt[2017-11-07T23:00:00]) dur[0mo 10800000000000ns] step dur[0mo 86400000000000ns])"},
		{"select count(status) from root.ln.wf01.wt01 group by((5, 40], 5ms);",
		 "select count(status) from root.ln.wf01.wt01 group((5,40] dur[0mo 5000000ns])"},
		{"select count(status) from root.ln.wf01.wt01 group by ([0,20),2ms,3ms), level=1;",
		 "select count(status) from root.ln.wf01.wt01 group([0,20) dur[0mo 2000000ns] step dur[0mo 3000000ns]) level=1"},
		{"SELECT last_value(temperature) FROM root.ln.wf01.wt01 GROUP BY([8, 39), 5m) FILL (int32[PREVIOUSUNTILLAST, 3m])",
		 "select last_value(temperature) from root.ln.wf01.wt01 group([8,39) dur[0mo 300000000000ns]) fill(old INT32[previousuntillast dur[0mo 180000000000ns]])"},
		{"select temperature from root.sgcc.wf03.wt01 where time = 2017-11-01T16:37:50.000 fill(float[previous, 1m])",
		 "select temperature from root.sgcc.wf03.wt01 where (= time dt[2017-11-01T16:37:50.000]) fill(old FLOAT[previous dur[0mo 60000000000ns]])"},
		{"select temperature from root.sgcc.wf03.wt01 where time = 2017-11-01T16:37:50.000 fill(float [linear, 1m, 1m], double[previous], ALL[linear])",
		 "select temperature from root.sgcc.wf03.wt01 where (= time dt[2017-11-01T16:37:50.000]) fill(old FLOAT[linear dur[0mo 60000000000ns] dur[0mo 60000000000ns]] DOUBLE[previous] ALL[linear])"},
		{"select status, temperature from root.ln.wf01.wt01 limit 5 offset 3",
		 "select status, temperature from root.ln.wf01.wt01 limit 5 offset 3"},
		{"select * from root.ln.wf01.wt01 limit 10 offset 100 slimit 2 soffset 0",
		 "select * from root.ln.wf01.wt01 limit 10 offset 100 slimit 2 soffset 0"},
		{"select max_value(*) from root.ln.wf01.wt01 group by ([2017-11-01T00:00:00, 2017-11-07T23:00:00),1d) slimit 1 soffset 1",
		 "select max_value(*) from root.ln.wf01.wt01 group([dt[2017-11-01T00:00:00],dt[2017-11-07T23:00:00]) dur[0mo 86400000000000ns]) slimit 1 soffset 1"},
		{"select status,temperature from root.ln.wf01.wt01 limit 1234567890123456789",
		 "select status, temperature from root.ln.wf01.wt01 limit 1234567890123456789"},
		{"select last status, temperature from root.ln.wf01.wt01 where time >= 2017-11-07T23:50:00",
		 "select last status, temperature from root.ln.wf01.wt01 where (>= time dt[2017-11-07T23:50:00])"},
		{"select s1 from root.sg.d1 disable align",
		 "select s1 from root.sg.d1 disable-align"},
	};
	run_cases(cases, LR_ARRAY_LEN(cases));
}

static void test_select_modern(void **state)
{
	(void)state;
	static const parse_case_t cases[] = {
		{"SELECT s1 FROM root.sg.d1 ALIGN BY DEVICE", "select s1 from root.sg.d1 align-device"},
		{"select s1 from root.sg.d1 align by time", "select s1 from root.sg.d1"},
		{"select count(*) from root.** group by level = 1, 2",
		 "select count(*) from root.** level=1,2"},
		{"select avg(temperature) from root.** group by ([0, 10), 5ms), tags(city, workshop)",
		 "select avg(temperature) from root.** group([0,10) dur[0mo 5000000ns]) tags=city,workshop"},
		{"select count(s1) from root.sg.d1 group by (1mo) having count(s1) > 3",
		 "select count(s1) from root.sg.d1 group(dur[1mo 0ns]) having (> count(s1) 3)"},
		{"select s1 from root.sg.d1 fill(previous)", "select s1 from root.sg.d1 fill(previous)"},
		{"select s1 from root.sg.d1 FILL(PREVIOUS, 2m)",
		 "select s1 from root.sg.d1 fill(previous dur[0mo 120000000000ns])"},
		{"select s1 from root.sg.d1 fill(linear)", "select s1 from root.sg.d1 fill(linear)"},
		{"select s1 from root.sg.d1 fill(2.0)", "select s1 from root.sg.d1 fill(value 2f)"},
		{"select s1 from root.sg.d1 fill('abc')", "select s1 from root.sg.d1 fill(value 'abc')"},
		{"select s1 from root.sg.d1 fill(true)", "select s1 from root.sg.d1 fill(value true)"},
		{"select s1 from root.sg.d1 fill(-1)", "select s1 from root.sg.d1 fill(value -1)"},
		{"select s1 from root.sg.d1 fill(previousUntilLast)",
		 "select s1 from root.sg.d1 fill(previousuntillast)"},
		{"select s1 from root.sg.d1 fill(previousUntilLast, 1m)",
		 "select s1 from root.sg.d1 fill(previousuntillast dur[0mo 60000000000ns])"},
		{"select s1 from root.sg.d1 fill(int32[linear, -1, 5000], text[previous, -1], boolean[true], ALL[previousuntillast, 2s])",
		 "select s1 from root.sg.d1 fill(old INT32[linear -1 5000] TEXT[previous -1] BOOLEAN[value true] ALL[previousuntillast dur[0mo 2000000000ns]])"},
		{"select s1 from root.sg.d1 fill(double['n/a'], int64[-5])",
		 "select s1 from root.sg.d1 fill(old DOUBLE[value 'n/a'] INT64[value -5])"},
		{"select * from root.sg.d1 order by time desc limit 10",
		 "select * from root.sg.d1 order time desc limit 10"},
		{"select * from root.sg.** order by device, time desc nulls first align by device",
		 "select * from root.sg.** order device, time desc nulls-first align-device"},
		{"select s1 from root.sg.d1 order by s1 + 1 asc nulls last",
		 "select s1 from root.sg.d1 order (+ s1 1) nulls-last"},
		{"select s1 from root.sg.d1 offset 2 limit 3 soffset 1 slimit 1",
		 "select s1 from root.sg.d1 limit 3 offset 2 slimit 1 soffset 1"},
		{"select top_k(s1, 'k'='2'), bottom_k(s2, \"k\"=\"3\") from root.sg.d1",
		 "select top_k(s1; 'k'='2'), bottom_k(s2; 'k'='3') from root.sg.d1"},
		{"select cast(s1 as INT32), CAST(s2 AS text) from root.sg.d1",
		 "select cast(s1 as INT32), CAST(s2 as TEXT) from root.sg.d1"},
		{"select count(distinct s1), count_if(s1 > 0, 2, 'ignoreNull'='false') from root.sg.d1",
		 "select count(distinct s1), count_if((> s1 0), 2; 'ignoreNull'='false') from root.sg.d1"},
		{"select s1 + s2 * 2 - -s3 % 4 / 5 as v from root.sg.d1",
		 "select (- (+ s1 (* s2 2)) (/ (% (neg s3) 4) 5)) as v from root.sg.d1"},
		{"select substring(s1 from 1 for 2), substring(s1, 1), round(s2, 2), pi() from root.sg.d1",
		 "select substring(s1, 1, 2), substring(s1, 1), round(s2, 2), pi() from root.sg.d1"},
		{"select case when s1 > 0 then 'pos' when s1 < 0 then 'neg' else 'zero' end from root.sg.d1",
		 "select (case (> s1 0) 'pos' (< s1 0) 'neg' else 'zero') from root.sg.d1"},
		{"select case s1 when 1 then 2 end from root.sg.d1",
		 "select (case s1 1 2) from root.sg.d1"},
		{"select s1 from root.sg.d1, root.sg.d2 where root.sg.d1.s1 > 0",
		 "select s1 from root.sg.d1,root.sg.d2 where (> root.sg.d1.s1 0)"},
		{"select `s 1`, `a``b`, `123` from root.sg.`d.1`.`*`",
		 "select `s 1`, `a``b`, 123 from root.sg.`d.1`.`*`"},
		{"select s1 from root.sg.d*, root.*1.**", "select s1 from root.sg.d*,root.*1.**"},
		{"select s1 from root.sg.1d.2017, root.sg.01a.1e5.1.5",
		 "select s1 from root.sg.1d.2017,root.sg.01a.1e5.1.5"},
		{"select 温度 from root.工厂.设备", "select 温度 from root.工厂.设备"},
		{"select s1 as `alias x`, s2 as 'y' from root.sg.d1",
		 "select s1 as alias x, s2 as y from root.sg.d1"},
		{"select last * from root.sg.** where time > now() - 1d order by timeseries desc",
		 "select last * from root.sg.** where (> time (- now() dur[0mo 86400000000000ns])) order timeseries desc"},
		{"select last_value(s1), last(s2) from root.sg.d1",
		 "select last_value(s1), last(s2) from root.sg.d1"},
		{"select s1 from root.sg.d1 where s1 > 1 limit 1 -- trailing comment\n",
		 "select s1 from root.sg.d1 where (> s1 1) limit 1"},
		{"/* lead */ select /* mid */ s1 from root.sg.d1",
		 "select s1 from root.sg.d1"},
	};
	run_cases(cases, LR_ARRAY_LEN(cases));
}

static void test_expressions(void **state)
{
	(void)state;
	static const parse_case_t cases[] = {
		{"select s from r where a or b and not c = 1",
		 "select s from r where (or a (and b (not (= c 1))))"},
		{"select s from r where a || b && !c",
		 "select s from r where (or a (and b (not c)))"},
		{"select s from r where a & b | c", "select s from r where (or (and a b) c)"},
		{"select s from r where a != 1 and b <> 2 and c == 3 and d <= 4 and e >= 5",
		 "select s from r where (and (and (and (and (!= a 1) (!= b 2)) (= c 3)) (<= d 4)) (>= e 5))"},
		{"select s from r where s between 1 and 3 + 1 and t not between -1 and 2",
		 "select s from r where (and (between s 1 (+ 3 1)) (not-between t -1 2))"},
		{"select s from r where s in (1, 2, 3) or t not in ('a')",
		 "select s from r where (or (in s 1 2 3) (not-in t 'a'))"},
		{"select s from r where s like 'a%' and t not like '_b' and u regexp '^x' and v not regexp 'y'",
		 "select s from r where (and (and (and (like s 'a%') (not-like t '_b')) (regexp u '^x')) (not-regexp v 'y'))"},
		{"select s from r where s is null or t is not null",
		 "select s from r where (or (is-null s) (not-is-null t))"},
		{"select s from r where timestamp >= 1 and time < 2",
		 "select s from r where (and (>= time 1) (< time 2))"},
		{"select s from r where (((a)))", "select s from r where a"},
		{"select s from r where -(a + 1) > +2 and - 1.5e3 < -.5",
		 "select s from r where (and (> (neg (+ a 1)) 2) (< -1500f -0.5f))"},
		{"select s from r where time >= 2017/11/01 00:05:00 and time < 2017.11.01 00:12:00.123456 and time > 2017-11-01",
		 "select s from r where (and (and (>= time dt[2017/11/01 00:05:00]) (< time dt[2017.11.01 00:12:00.123456])) (> time dt[2017-11-01]))"},
		{"select s from r where time > 2017-11-01T00:05:00Z or time > 2017-11-01T00:05:00.5+0800 or time > 2017-11-01T00:05:00-05:00",
		 "select s from r where (or (or (> time dt[2017-11-01T00:05:00Z]) (> time dt[2017-11-01T00:05:00.5+0800])) (> time dt[2017-11-01T00:05:00-05:00]))"},
		{"select s from r where time > now() - 1y1mo1w1d1h1m1s1ms1us1ns",
		 "select s from r where (> time (- now() dur[1mo 32230861001001001ns]))"},
		{"select s from r where time > 2017-11-01T00:00:00 + 1mo and time < 1d3h",
		 "select s from r where (and (> time (+ dt[2017-11-01T00:00:00] dur[1mo 0ns])) (< time dur[0mo 97200000000000ns]))"},
		{"select s from r where time in (1, 2017-11-01T00:00:00)",
		 "select s from r where (in time 1 dt[2017-11-01T00:00:00])"},
		{"select sin(s1) + cos(s2) * 2 from r", "select (+ sin(s1) (* cos(s2) 2)) from r"},
		{"select s1 * 2, s1*2 from r", "select (* s1 2), (* s1 2) from r"},
	};
	run_cases(cases, LR_ARRAY_LEN(cases));
}

static void test_delete(void **state)
{
	(void)state;
	static const parse_case_t cases[] = {
		{"delete from root.ln.wf02.wt02.status where time<=2017-11-01T16:26:00;",
		 "delete-data paths root.ln.wf02.wt02.status where (<= time dt[2017-11-01T16:26:00])"},
		{"delete from root.ln.wf02.wt02.status where time>=2017-01-01T00:00:00 and time<=2017-11-01T16:26:00;",
		 "delete-data paths root.ln.wf02.wt02.status where (and (>= time dt[2017-01-01T00:00:00]) (<= time dt[2017-11-01T16:26:00]))"},
		{"delete from root.ln.wf02.wt02.status where time > 4 or time < 0",
		 "delete-data paths root.ln.wf02.wt02.status where (or (> time 4) (< time 0))"},
		{"delete from root.ln.wf02.wt02.* where time <= 2017-11-01T16:26:00",
		 "delete-data paths root.ln.wf02.wt02.* where (<= time dt[2017-11-01T16:26:00])"},
		{"delete from root.ln.wf03.wt02.status where time < now()",
		 "delete-data paths root.ln.wf03.wt02.status where (< time now())"},
		{"delete from root.sg.d1.s1, root.sg.d2.*", "delete-data paths root.sg.d1.s1,root.sg.d2.*"},
		{"DELETE PARTITION root.ln 0,1,2", "delete-partition paths root.ln ids=0,1,2"},
	};
	run_cases(cases, LR_ARRAY_LEN(cases));
}

static void test_ddl(void **state)
{
	(void)state;
	static const parse_case_t cases[] = {
		{"CREATE DATABASE root.ln", "create-database paths root.ln"},
		{"create database root.ln with SCHEMA_REPLICATION_FACTOR=1, DATA_REPLICATION_FACTOR=1",
		 "create-database paths root.ln with(SCHEMA_REPLICATION_FACTOR=1,DATA_REPLICATION_FACTOR=1)"},
		{"SET STORAGE GROUP TO root.ln", "create-database paths root.ln"},
		{"create storage group root.sgcc", "create-database paths root.sgcc"},
		{"show databases", "show-databases"},
		{"SHOW STORAGE GROUP root.ln.** details", "show-databases paths root.ln.** details"},
		{"count databases root.**", "count-databases paths root.**"},
		{"delete database root.ln, root.sgcc", "drop-database paths root.ln,root.sgcc"},
		{"DROP STORAGE GROUP root.**", "drop-database paths root.**"},
		{"CREATE TIMESERIES root.ln.wf01.wt01.status WITH DATATYPE=BOOLEAN, ENCODING=PLAIN",
		 "create-timeseries [root.ln.wf01.wt01.status BOOLEAN enc=PLAIN]"},
		{"create timeseries root.ln.wf01.wt01.temperature with datatype=FLOAT,encoding=RLE,compressor=SNAPPY,MAX_POINT_NUMBER=3",
		 "create-timeseries [root.ln.wf01.wt01.temperature FLOAT enc=RLE codec=SNAPPY props(MAX_POINT_NUMBER=3)]"},
		{"create timeseries root.ln.wf02.wt02.hardware TEXT encoding=PLAIN compression=LZ4",
		 "create-timeseries [root.ln.wf02.wt02.hardware TEXT enc=PLAIN codec=LZ4]"},
		{"create timeseries root.turbine.d1.s1(temprature) with datatype=FLOAT, encoding=RLE, compression=SNAPPY tags(tag1=v1, tag2=v2) attributes(attr1=v1, attr2=v2)",
		 "create-timeseries [root.turbine.d1.s1 FLOAT alias=temprature enc=RLE codec=SNAPPY tags(tag1=v1,tag2=v2) attrs(attr1=v1,attr2=v2)]"},
		{"create timeseries root.sg.d.s INT64", "create-timeseries [root.sg.d.s INT64]"},
		{"CREATE ALIGNED TIMESERIES root.ln.wf01.GPS(latitude FLOAT encoding=PLAIN compressor=SNAPPY, longitude FLOAT encoding=PLAIN compressor=SNAPPY)",
		 "create-aligned-timeseries device root.ln.wf01.GPS [latitude FLOAT enc=PLAIN codec=SNAPPY] [longitude FLOAT enc=PLAIN codec=SNAPPY]"},
		{"create aligned timeseries root.sg.d(s1 INT32, s2 DOUBLE)",
		 "create-aligned-timeseries device root.sg.d [s1 INT32] [s2 DOUBLE]"},
		{"delete timeseries root.ln.wf01.wt01.status, root.ln.wf01.wt01.temperature",
		 "drop-timeseries paths root.ln.wf01.wt01.status,root.ln.wf01.wt01.temperature"},
		{"DROP TIMESERIES root.ln.wf02.*", "drop-timeseries paths root.ln.wf02.*"},
		{"ALTER timeseries root.turbine.d1.s1 RENAME tag1 TO newTag1",
		 "alter-timeseries paths root.turbine.d1.s1 rename tag1->newTag1"},
		{"ALTER timeseries root.turbine.d1.s1 SET newTag1=newV1, attr1=newV1",
		 "alter-timeseries paths root.turbine.d1.s1 set kv(newTag1=newV1,attr1=newV1)"},
		{"ALTER timeseries root.turbine.d1.s1 DROP tag1, tag2",
		 "alter-timeseries paths root.turbine.d1.s1 drop kv(tag1,tag2)"},
		{"ALTER timeseries root.turbine.d1.s1 ADD TAGS tag3=v3, tag4=v4",
		 "alter-timeseries paths root.turbine.d1.s1 add-tags kv(tag3=v3,tag4=v4)"},
		{"ALTER timeseries root.turbine.d1.s1 ADD ATTRIBUTES attr3=v3, attr4=v4",
		 "alter-timeseries paths root.turbine.d1.s1 add-attrs kv(attr3=v3,attr4=v4)"},
		{"ALTER timeseries root.turbine.d1.s1 UPSERT ALIAS=newAlias TAGS(tag3=v3, tag4=v4) ATTRIBUTES(attr3=v3, attr4=v4)",
		 "alter-timeseries paths root.turbine.d1.s1 upsert alias=newAlias tags(tag3=v3,tag4=v4) attrs(attr3=v3,attr4=v4)"},
		{"SHOW TIMESERIES", "show-timeseries"},
		{"show timeseries root.ln.** where TAGS(unit)='c' limit 10 offset 2",
		 "show-timeseries paths root.ln.** where tag= unit c limit 10 offset 2"},
		{"show timeseries root.ln.** where TAGS(description) contains 'test1'",
		 "show-timeseries paths root.ln.** where tag-contains description test1"},
		{"show timeseries root.ln.** where unit='c'",
		 "show-timeseries paths root.ln.** where tag= unit c"},
		{"show timeseries root.** where timeseries contains 'wf01.wt'",
		 "show-timeseries paths root.** where path-contains wf01.wt"},
		{"show timeseries root.** where dataType=FLOAT",
		 "show-timeseries paths root.** where datatype FLOAT"},
		{"show latest timeseries root.ln.**", "show-timeseries paths root.ln.** latest"},
		{"COUNT TIMESERIES root.ln.** GROUP BY LEVEL=2",
		 "count-timeseries paths root.ln.** level=2"},
		{"count timeseries root.** where TAGS(unit)='c'",
		 "count-timeseries paths root.** where tag= unit c"},
		{"show devices root.ln.** with database where device contains 'wf'",
		 "show-devices paths root.ln.** where path-contains wf with-database"},
		{"show devices root.** where template is null",
		 "show-devices paths root.** where not-template"},
		{"show devices root.** where template = t1 limit 2",
		 "show-devices paths root.** where template t1 limit 2"},
		{"COUNT DEVICES root.ln.**", "count-devices paths root.ln.**"},
		{"show child paths root.ln", "show-child-paths paths root.ln"},
		{"show child nodes root.ln", "show-child-nodes paths root.ln"},
		{"COUNT NODES root.** LEVEL=2", "count-nodes paths root.** level=2"},
		{"create device template t1 (temperature FLOAT encoding=RLE, status BOOLEAN encoding=PLAIN compression=SNAPPY)",
		 "create-template name t1 [temperature FLOAT enc=RLE] [status BOOLEAN enc=PLAIN codec=SNAPPY]"},
		{"create schema template t2 aligned (lat FLOAT, lon FLOAT)",
		 "create-template name t2 aligned [lat FLOAT] [lon FLOAT]"},
		{"alter device template t1 add (speed FLOAT encoding=GORILLA)",
		 "alter-template name t1 [speed FLOAT enc=GORILLA]"},
		{"set device template t1 to root.sg1.d1", "set-template paths root.sg1.d1 name t1"},
		{"unset schema template t1 from root.sg1.d1", "unset-template paths root.sg1.d1 name t1"},
		{"create timeseries using device template on root.sg1.d1",
		 "activate-template paths root.sg1.d1"},
		{"create timeseries of schema template on root.sg1.d2",
		 "activate-template paths root.sg1.d2"},
		{"delete timeseries of device template t1 from root.sg1.d1, root.sg1.d2",
		 "deactivate-template paths root.sg1.d1,root.sg1.d2 name t1"},
		{"deactivate device template from root.sg1.*",
		 "deactivate-template paths root.sg1.*"},
		{"drop device template t1", "drop-template name t1"},
		{"show device templates", "show-templates"},
		{"show schema templates", "show-templates"},
		{"show nodes in device template t1", "show-template-nodes name t1"},
		{"show paths set device template t1", "show-paths-set-template name t1"},
		{"show paths using schema template t1", "show-paths-using-template name t1"},
		{"set ttl to root.ln 3600000", "set-ttl paths root.ln ttl 3600000"},
		{"SET TTL TO root.sgcc.** INF", "set-ttl paths root.sgcc.**"},
		{"unset ttl to root.ln", "unset-ttl paths root.ln"},
		{"unset ttl from root.sgcc.**", "unset-ttl paths root.sgcc.**"},
		{"show all ttl", "show-ttl"},
		{"SHOW TTL ON root.ln, root.sgcc", "show-ttl paths root.ln,root.sgcc"},
		{"flush", "flush"},
		{"FLUSH root.ln, root.sgcc TRUE", "flush paths root.ln,root.sgcc seq=1"},
		{"flush false on local", "flush seq=0"},
		{"show version", "show-version"},
	};
	run_cases(cases, LR_ARRAY_LEN(cases));
}

/*---------------------------------------------------------------------------
 * Errors
 *---------------------------------------------------------------------------*/

typedef struct err_case {
	const char *sql;
	int code;
	const char *msg_prefix;  /* the message starts with this */
} err_case_t;

static void test_errors(void **state)
{
	(void)state;
	static const err_case_t cases[] = {
		{"", LARCH_PARSE_ERROR, "line 1:0 empty statement"},
		{" ; ", LARCH_PARSE_ERROR, "line 1:0 empty statement"},
		{"select", LARCH_PARSE_ERROR, "line 1:6 mismatched input '<EOF>' expecting an expression"},
		{"select s1 from", LARCH_PARSE_ERROR, "line 1:14 mismatched input '<EOF>' expecting a path node"},
		{"select s1 root.sg", LARCH_PARSE_ERROR, "line 1:10 mismatched input 'root' expecting FROM"},
		{"selec s1 from root", LARCH_PARSE_ERROR, "line 1:0 mismatched input 'selec' expecting a statement"},
		{"select s1 from root.sg where", LARCH_PARSE_ERROR, "line 1:28 mismatched input '<EOF>' expecting an expression"},
		{"select s1 from root.sg\n  where time > 1 limit 13.1", LARCH_PARSE_ERROR,
		 "line 2:23 mismatched input '13.1' expecting an integer"},
		{"select s1 from root.sg limit 0", LARCH_SEMANTIC_ERROR,
		 "line 1:29 LIMIT <N>: N should be greater than 0."},
		{"select s1 from root.sg limit 99999999999999999999", LARCH_SEMANTIC_ERROR,
		 "line 1:29 Out of range. LIMIT <N>: N should be Int64."},
		{"select s1 from root.sg slimit 2147483648", LARCH_SEMANTIC_ERROR,
		 "line 1:30 Out of range. SLIMIT <SN>: SN should be Int32."},
		{"select s1 from root.sg slimit 0", LARCH_SEMANTIC_ERROR,
		 "line 1:30 SLIMIT <SN>: SN should be greater than 0."},
		{"select s1 from root.sg soffset 2147483648", LARCH_SEMANTIC_ERROR,
		 "line 1:31 Out of range. SOFFSET <SOFFSETValue>: SOFFSETValue should be Int32."},
		{"select s1 from root.sg offset -1", LARCH_PARSE_ERROR,
		 "line 1:30 mismatched input '-' expecting an integer"},
		{"select s1 from root.sg limit 1 limit 2", LARCH_PARSE_ERROR,
		 "line 1:31 duplicate limit clause"},
		{"select s1 from root.sg where s1 = 'abc", LARCH_PARSE_ERROR,
		 "line 1:34 unterminated string literal"},
		{"select `s1 from root.sg", LARCH_PARSE_ERROR, "line 1:7 unterminated quoted name"},
		{"select `` from root.sg", LARCH_PARSE_ERROR, "line 1:7 empty quoted name"},
		{"select s1 from root.sg /* never closed", LARCH_PARSE_ERROR,
		 "line 1:23 unterminated comment"},
		{"select s1 from root.sg where s1 > 1 $", LARCH_PARSE_ERROR,
		 "line 1:36 token recognition error at: '$'"},
		{"select s1 from root.sg; select s2 from root.sg", LARCH_PARSE_ERROR,
		 "line 1:24 mismatched input 'select' expecting <EOF>"},
		{"insert into root.sg.d1(time, s1) values(1, 2, 3)", LARCH_SEMANTIC_ERROR,
		 "line 1:39 the measurementList's size 1 is not consistent with the valueList's size 2"},
		{"insert into root.sg.d1(s1, time) values(1, 2)", LARCH_SEMANTIC_ERROR,
		 "line 1:27 the time column must be the first column of INSERT"},
		{"insert into root.sg.d1(time, s1) value(1, 2)", LARCH_PARSE_ERROR,
		 "line 1:33 mismatched input 'value' expecting VALUES"},
		{"select s1 from root.sg group by ([1, 2], 1ms)", LARCH_PARSE_ERROR,
		 "line 1:38 mismatched input ']' expecting ')' (a window [start, end) is right-open)"},
		{"select s1 from root.sg group by variation(s1)", LARCH_PARSE_ERROR,
		 "line 1:32 GROUP BY variation is not supported"},
		{"select s1 into root.x from root.sg", LARCH_PARSE_ERROR,
		 "line 1:10 SELECT INTO is not supported"},
		{"create timeseries root.sg.d.s with encoding=RLE", LARCH_PARSE_ERROR,
		 "line 1:18 a data type is required for root.sg.d.s"},
		{"create timeseries root.sg.d.s INT99", LARCH_PARSE_ERROR,
		 "line 1:30 mismatched input 'INT99' expecting a data type"},
		{"create timeseries root.sg.d.s INT32 encoding=FOO", LARCH_PARSE_ERROR,
		 "line 1:36 unknown encoding FOO"},
		{"select s1 from root.sg where time > 99999999999y", LARCH_PARSE_ERROR,
		 "line 1:36 duration 99999999999y out of range"},
		{"select s1 from root.sg fill(previous, linear)", LARCH_PARSE_ERROR,
		 "line 1:38 mismatched input 'linear' expecting a duration"},
		/* IoTDB 2.0: only PREVIOUS takes a duration (AST builder's 701) */
		{"select s1 from root.sg fill(2.0, 1m)", LARCH_SEMANTIC_ERROR,
		 "line 1:33 Only FILL(PREVIOUS) support specifying the time duration threshold."},
		{"select s1 from root.sg fill(linear, 1m)", LARCH_SEMANTIC_ERROR,
		 "line 1:36 Only FILL(PREVIOUS) support specifying the time duration threshold."},
		{"select s1 from root.sg fill(previous, 100)", LARCH_PARSE_ERROR,
		 "line 1:38 mismatched input '100' expecting a duration"},
		/* the old per-type list: a method or constant inside [ ], ']' closes it */
		{"select s1 from root.sg fill(float[next, 1m])", LARCH_PARSE_ERROR,
		 "line 1:34 mismatched input 'next' expecting LINEAR, PREVIOUS, PREVIOUSUNTILLAST or a constant"},
		{"select s1 from root.sg fill(float[previous, 1m, 1m])", LARCH_PARSE_ERROR,
		 "line 1:46 mismatched input ',' expecting ']'"},
		{"select s1 from root.sg fill(float[linear, 1m, 1m, 1m])", LARCH_PARSE_ERROR,
		 "line 1:48 mismatched input ',' expecting ']'"},
		{"select s1 from root.sg fill(float[previous, linear])", LARCH_PARSE_ERROR,
		 "line 1:44 mismatched input 'linear' expecting a duration"},
		{"select s1 from root.sg fill(float[previous] double[previous])", LARCH_PARSE_ERROR,
		 "line 1:44 mismatched input 'double' expecting ')'"},
		{"select s1 from root.sg fill(int99[previous])", LARCH_PARSE_ERROR,
		 "line 1:28 mismatched input 'int99' expecting a data type"},
		{"select cast(s1 as INT32, 2) from root.sg", LARCH_PARSE_ERROR,
		 "line 1:23 mismatched input ',' expecting ')'"},
		{"select 温度 from root.工厂 where $", LARCH_PARSE_ERROR,
		 "line 1:29 token recognition error at: '$'"},
	};
	int failed = 0;
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++) {
		char got[1024];
		int rc = parse_print(cases[i].sql, got, sizeof got);
		if (rc != cases[i].code ||
		    strncmp(got, cases[i].msg_prefix, strlen(cases[i].msg_prefix)) != 0) {
			print_error("SQL:  %s\nwant: %d %s\ngot:  %d %s\n", cases[i].sql,
				    cases[i].code, cases[i].msg_prefix, rc, got);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Nesting: AST_MAX_DEPTH parentheses parse, far more fail cleanly (no
 * stack overflow); a long flat chain of operators is not nesting. */
static void test_depth_limit(void **state)
{
	(void)state;
	static char sql[100000];
	char got[512];
	for (int depth = 50; depth <= 5000; depth *= 10) {
		int n = snprintf(sql, sizeof sql, "select s from r where ");
		for (int i = 0; i < depth; i++)
			sql[n++] = '(';
		sql[n++] = 'a';
		for (int i = 0; i < depth; i++)
			sql[n++] = ')';
		sql[n] = 0;
		int rc = parse_print(sql, got, sizeof got);
		if (depth < AST_MAX_DEPTH) {
			assert_int_equal(rc, LARCH_OK);
		} else {
			assert_int_equal(rc, LARCH_PARSE_ERROR);
			assert_non_null(strstr(got, "nested deeper than"));
		}
	}
	int n = snprintf(sql, sizeof sql, "select s from r where ");
	for (int i = 0; i < 2000; i++)
		n += snprintf(sql + n, sizeof sql - (size_t)n, "a%d > 1 and not - -x or ", i);
	snprintf(sql + n, sizeof sql - (size_t)n, "b");
	assert_int_equal(parse_print(sql, got, sizeof got), LARCH_OK);
}

/* Allocation failure anywhere in the arena returns LARCH_NO_MEMORY and
 * never crashes. */
static void test_out_of_memory(void **state)
{
	(void)state;
	const char *sql = "select count(s1), top_k(s2, 'k'='2') from root.sg.d1, root.sg.d2 "
			  "where time > now() - 1d and s1 in (1, 2) group by ([0, 10), 1ms), level=1 "
			  "fill(previous) order by time desc limit 2";
	int ok = 0;
	for (long k = 0; k < 200 && !ok; k++) {
		arena_t *a = arena_new(256);
		assert_non_null(a);
		ast_stmt_t *st;
		larch_error_t err = {0};
		mem_fail_after(k);
		int rc = ast_parse(sql, strlen(sql), a, &st, &err);
		mem_fail_after(-1);
		assert_true(rc == LARCH_OK || rc == LARCH_NO_MEMORY);
		ok = rc == LARCH_OK;
		arena_free(a);
	}
	assert_true(ok);
}

/* Memory is linear in the input: a 20000-row INSERT of strings uses a
 * bounded multiple of its size (each string is copied once, exactly). */
static void test_large_insert(void **state)
{
	(void)state;
	size_t cap = 1 << 20, n;
	char *sql = malloc(cap);
	assert_non_null(sql);
	n = (size_t)snprintf(sql, cap, "insert into root.sg.d(time, s) values ");
	for (int r = 0; r < 20000; r++)
		n += (size_t)snprintf(sql + n, cap - n, "%s(%d, 'v''%d')", r ? "," : "", r, r);
	arena_t *a = arena_new(0);
	ast_stmt_t *st;
	larch_error_t err = {0};
	assert_int_equal(ast_parse(sql, n, a, &st, &err), LARCH_OK);
	assert_int_equal(st->insert->n_rows, 20000);
	assert_string_equal(st->insert->rows[19999][1]->sval, "v'19999");
	assert_true(arena_used(a) < 64 * n);
	arena_free(a);
	free(sql);
}

/*---------------------------------------------------------------------------
 * ast_split, ast_pos_text
 *---------------------------------------------------------------------------*/

typedef struct split_out {
	char text[8][64];
	int n;
} split_out_t;

static int split_cb(void *arg, const char *s, size_t n)
{
	split_out_t *o = arg;
	if (o->n == 8)
		return 42;
	snprintf(o->text[o->n++], 64, "%.*s", (int)n, s);
	return 0;
}

static void test_split(void **state)
{
	(void)state;
	const char *script = "  insert into root.a(time,s) values(1,'x;y') ;\n"
			     "-- a comment; with semicolon\n"
			     "select `a;b` from root.\"q;\" /* c; */ ;;  ; \n"
			     "flush /* trailing */";
	split_out_t o = {0};
	assert_int_equal(ast_split(script, strlen(script), split_cb, &o), 0);
	assert_int_equal(o.n, 3);
	assert_string_equal(o.text[0], "insert into root.a(time,s) values(1,'x;y')");
	assert_string_equal(o.text[1], "select `a;b` from root.\"q;\"");
	assert_string_equal(o.text[2], "flush");

	const char *many = "a;b;c;d;e;f;g;h;i;j";
	memset(&o, 0, sizeof o);
	assert_int_equal(ast_split(many, strlen(many), split_cb, &o), 42);

	const char *quote = "select 'it''s;' from r; select \"a\\\";\" from r";
	memset(&o, 0, sizeof o);
	assert_int_equal(ast_split(quote, strlen(quote), split_cb, &o), 0);
	assert_int_equal(o.n, 2);
	assert_string_equal(o.text[1], "select \"a\\\";\" from r");

	memset(&o, 0, sizeof o);
	assert_int_equal(ast_split("", 0, split_cb, &o), 0);
	assert_int_equal(o.n, 0);
}

static void test_pos_text(void **state)
{
	(void)state;
	const char *s = "ab\ncd\n温度x";
	char out[32];
	ast_pos_text(s, strlen(s), 0, out, sizeof out);
	assert_string_equal(out, "line 1:0");
	ast_pos_text(s, strlen(s), 4, out, sizeof out);
	assert_string_equal(out, "line 2:1");
	ast_pos_text(s, strlen(s), 12, out, sizeof out); /* 'x' after two 3-byte chars */
	assert_string_equal(out, "line 3:2");
	ast_pos_text(s, strlen(s), 1000, out, sizeof out);
	assert_string_equal(out, "line 3:3");
	ast_pos_text(s, strlen(s), -5, out, sizeof out);
	assert_string_equal(out, "line 1:0");
}

/* Path canonical text and node flags, read directly from the AST. */
static void test_path_nodes(void **state)
{
	(void)state;
	arena_t *a = arena_new(0);
	ast_stmt_t *st;
	larch_error_t err = {0};
	const char *sql = "delete from root.`a.b`.`*`.*.**.\"x y\".`c``d`.12";
	assert_int_equal(ast_parse(sql, strlen(sql), a, &st, &err), LARCH_OK);
	ast_path_t *p = st->paths[0];
	assert_int_equal(p->n, 8);
	const char *nodes[] = {"root", "a.b", "*", "*", "**", "x y", "c`d", "12"};
	const uint8_t quoted[] = {0, 1, 1, 0, 0, 1, 1, 0};
	for (size_t i = 0; i < 8; i++) {
		assert_string_equal(p->nodes[i], nodes[i]);
		assert_int_equal(p->quoted[i], quoted[i]);
	}
	assert_string_equal(p->text, "root.`a.b`.`*`.*.**.`x y`.`c``d`.12");
	assert_int_equal(p->pos, 12);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_select_seed004),
		cmocka_unit_test(test_select_modern),
		cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_ddl),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_large_insert),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_pos_text),
		cmocka_unit_test(test_path_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
