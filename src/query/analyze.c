/*
 * analyze.c — the plan of a SELECT: which series it reads and what its
 * result columns are.
 *
 * A path in the SELECT list or the WHERE clause is a suffix joined with
 * every FROM prefix (a path starting with root is taken as is) and matched
 * against the schema: one select item then stands for several columns.  An
 * item with k paths expands to the cartesian product of their matches, the
 * first path varying slowest (IoTDB's order); each combination becomes an
 * instantiated copy of the item's AST whose paths are q_leaf_t bound to
 * plan series.  A WHERE clause becomes the conjunction of its
 * instantiations.  Series are unique in the plan (by series id) and grouped
 * by device, each device reading its series in one storage cursor.
 */
#include <stdio.h>

#include "query/query_int.h"

/* Most result columns one query may expand to. */
#define Q_MAX_COLS (1u << 20)

/*---------------------------------------------------------------------------
 * q_map: open addressing, linear probing, keys never removed
 *---------------------------------------------------------------------------*/

static size_t map_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

int q_map_get(const q_map_t *m, uint64_t key, size_t *val)
{
	if (!m->cap)
		return 0;
	for (size_t i = map_slot(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->vals[i] == (size_t)-1)
			return 0;
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return 1;
		}
	}
}

static int map_grow(q_map_t *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	uint64_t *keys = mem_alloc(cap * sizeof(*keys));
	size_t *vals = mem_alloc(cap * sizeof(*vals));

	if (!keys || !vals) {
		mem_free(keys);
		mem_free(vals);
		return -1;
	}
	memset(vals, 0xff, cap * sizeof(*vals));
	for (size_t i = 0; i < m->cap; i++) {
		if (m->vals[i] == (size_t)-1)
			continue;
		size_t j = map_slot(m->keys[i], cap);
		while (vals[j] != (size_t)-1)
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	mem_free(m->keys);
	mem_free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int q_map_put(q_map_t *m, uint64_t key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return -1;
	size_t i = map_slot(key, m->cap);
	while (m->vals[i] != (size_t)-1 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (m->vals[i] == (size_t)-1)
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

void q_map_free(q_map_t *m)
{
	mem_free(m->keys);
	mem_free(m->vals);
	memset(m, 0, sizeof(*m));
}

/*---------------------------------------------------------------------------
 * Plan and series
 *---------------------------------------------------------------------------*/

/* Grow an arena array of elements of size `elem` to hold need entries
 * (capacity doubles from 16; the old entries are copied, the old block
 * stays in the arena).  0 ok, -1 out of memory (the array is unchanged). */
int q_arena_grow(arena_t *a, void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	void *n = arena_alloc(a, ncap * elem);
	if (!n)
		return -1;
	if (*cap)
		memcpy(n, *arr, *cap * elem);
	*arr = n;
	*cap = ncap;
	return 0;
}

int q_plan_new(const query_ctx_t *ctx, const ast_select_t *sel, q_plan_t **out,
	       larch_error_t *err)
{
	q_plan_t *p = mem_calloc(1, sizeof(*p));

	*out = NULL;
	if (!p || !(p->arena = arena_new(0))) {
		mem_free(p);
		return err_set(err, LARCH_NO_MEMORY, "out of memory for a query plan");
	}
	p->ctx = ctx;
	p->sel = sel;
	*out = p;
	return LARCH_OK;
}

void q_plan_free(q_plan_t *p)
{
	if (!p)
		return;
	q_map_free(&p->by_sid);
	q_map_free(&p->by_dev);
	arena_free(p->arena);
	mem_free(p);
}

static char *adup(q_plan_t *p, const char *s, size_t n)
{
	return arena_strndup(p->arena, s, n);
}

/* The device of a new series: found by device id or appended. */
static int plan_device(q_plan_t *p, const schema_series_info_t *info, size_t *idx)
{
	if (q_map_get(&p->by_dev, info->dev_id, idx))
		return 0;
	if (q_arena_grow(p->arena, (void **)&p->devs, &p->cap_devs, p->n_devs + 1, sizeof(q_device_t)))
		return -1;
	q_device_t *d = &p->devs[p->n_devs];
	memset(d, 0, sizeof(*d));
	d->path = adup(p, info->path, info->device_len);
	d->database = adup(p, info->path, info->db_len);
	d->aligned = info->aligned;
	if (!d->path || !d->database || q_map_put(&p->by_dev, info->dev_id, p->n_devs))
		return -1;
	*idx = p->n_devs++;
	return 0;
}

static int copy_tags(q_plan_t *p, q_series_t *s, const schema_series_info_t *info)
{
	if (!info->ntags)
		return 0;
	s->tags = arena_alloc(p->arena, info->ntags * sizeof(*s->tags));
	if (!s->tags)
		return -1;
	for (size_t i = 0; i < info->ntags; i++) {
		s->tags[i].key = adup(p, info->tags[i].key, strlen(info->tags[i].key));
		s->tags[i].value = adup(p, info->tags[i].value, strlen(info->tags[i].value));
		if (!s->tags[i].key || !s->tags[i].value)
			return -1;
	}
	s->ntags = info->ntags;
	return 0;
}

/* Fill the names of s from info: the display path uses the alias when the
 * pattern matched it (IoTDB names the column as the user wrote it). */
static int series_names(q_plan_t *p, q_series_t *s, const schema_series_info_t *info)
{
	const char *shown = info->matched_alias && info->alias ? info->alias : info->name;

	s->path = adup(p, info->path, info->path_len);
	s->measurement = adup(p, info->name, strlen(info->name));
	s->shown_meas = adup(p, shown, strlen(shown));
	if (!s->path || !s->measurement || !s->shown_meas)
		return -1;
	if (!info->matched_alias || !info->alias) {
		s->display = s->path;
		return 0;
	}
	size_t dl = info->device_len, al = strlen(info->alias);
	s->display = arena_alloc(p->arena, dl + al + 2);
	if (!s->display)
		return -1;
	memcpy(s->display, info->path, dl);
	s->display[dl] = '.';
	memcpy(s->display + dl + 1, info->alias, al + 1);
	return 0;
}

int q_plan_add_series(q_plan_t *p, const schema_series_info_t *info, size_t *idx,
		      larch_error_t *err)
{
	size_t dev;

	if (q_map_get(&p->by_sid, info->sid, idx))
		return LARCH_OK;
	if (q_arena_grow(p->arena, (void **)&p->series, &p->cap_series, p->n_series + 1,
		 sizeof(q_series_t)) || plan_device(p, info, &dev))
		goto oom;
	q_series_t *s = &p->series[p->n_series];
	memset(s, 0, sizeof(*s));
	s->sid = info->sid;
	s->type = info->type;
	s->dev = dev;
	if (series_names(p, s, info) || copy_tags(p, s, info))
		goto oom;
	q_device_t *d = &p->devs[dev];
	if (q_arena_grow(p->arena, (void **)&d->series, &d->cap, d->n + 1, sizeof(size_t)))
		goto oom;
	s->slot = d->n;
	d->series[d->n++] = p->n_series;
	if (q_map_put(&p->by_sid, info->sid, p->n_series))
		goto oom;
	*idx = p->n_series++;
	return LARCH_OK;
oom:
	return err_set(err, LARCH_NO_MEMORY, "out of memory expanding the query's paths");
}

/*---------------------------------------------------------------------------
 * Path expansion
 *---------------------------------------------------------------------------*/

/* A list of plan series indices (one path's matches). */
typedef struct q_matches {
	size_t *idx;
	size_t n, cap;
} q_matches_t;

typedef struct match_arg {
	q_plan_t *p;
	q_matches_t *m;
	q_map_t *seen;             /* series already matched (several prefixes), or NULL */
	larch_error_t *err;
	int rc;
} match_arg_t;

static int match_cb(void *arg, const schema_series_info_t *info)
{
	match_arg_t *a = arg;
	size_t idx;

	a->rc = q_plan_add_series(a->p, info, &idx, a->err);
	if (a->rc)
		return 1;
	if (a->seen) {          /* matched through two prefixes: once */
		size_t dummy;
		if (q_map_get(a->seen, idx, &dummy))
			return 0;
		if (q_map_put(a->seen, idx, 0)) {
			a->rc = err_set(a->err, LARCH_NO_MEMORY, "out of memory expanding paths");
			return 1;
		}
	}
	if (q_arena_grow(a->p->arena, (void **)&a->m->idx, &a->m->cap, a->m->n + 1, sizeof(size_t))) {
		a->rc = err_set(a->err, LARCH_NO_MEMORY, "out of memory expanding paths");
		return 1;
	}
	a->m->idx[a->m->n++] = idx;
	return 0;
}

/* Match one pattern text against the schema into m. */
static int match_pattern(q_plan_t *p, const char *pattern, q_matches_t *m, q_map_t *seen,
			 larch_error_t *err)
{
	match_arg_t a = { p, m, seen, err, LARCH_OK };
	int rc = schema_match_series(p->ctx->schema, pattern, NULL, 0, 0, match_cb, &a, err);

	return rc ? rc : a.rc;
}

/* Expand path (a suffix, or a full path from root) over the FROM prefixes. */
static int expand_path(q_plan_t *p, const ast_path_t *path, q_matches_t *m, larch_error_t *err)
{
	const ast_select_t *sel = p->sel;
	buf_t b = BUF_INIT;
	q_map_t seen = { 0 };
	int rc = LARCH_OK;

	memset(m, 0, sizeof(*m));
	if (path->n && !strcmp(path->nodes[0], "root") && !path->quoted[0])
		return match_pattern(p, path->text, m, NULL, err);
	for (size_t i = 0; i < sel->n_from && !rc; i++) {
		buf_reset(&b);
		buf_put(&b, sel->from[i]->text, strlen(sel->from[i]->text));
		buf_put_u8(&b, '.');
		buf_put(&b, path->text, strlen(path->text) + 1);
		rc = buf_ok(&b) ? match_pattern(p, (const char *)b.data, m,
						sel->n_from > 1 ? &seen : NULL, err)
				: err_set(err, LARCH_NO_MEMORY, "out of memory expanding paths");
	}
	buf_free(&b);
	q_map_free(&seen);
	return rc;
}

static const char *star_nodes[] = { "*" };
static uint8_t star_quoted[] = { 0 };
static const ast_path_t star_path = { (char **)star_nodes, star_quoted, 1, "*", 0 };

/* The path a leaf node stands for (count(*) has a STAR). */
static const ast_path_t *leaf_path(const ast_expr_t *e)
{
	return e->kind == AST_E_PATH ? e->path : &star_path;
}

static int is_leaf(const ast_expr_t *e)
{
	return e->kind == AST_E_PATH || e->kind == AST_E_STAR;
}

/* Collect the leaves of e in pre-order (a, b, c, list). */
typedef struct leaves {
	const ast_expr_t **e;
	size_t n, cap;
} leaves_t;

static int collect_leaves(q_plan_t *p, const ast_expr_t *e, leaves_t *l, int depth)
{
	if (!e || depth > AST_MAX_DEPTH)
		return 0;
	if (is_leaf(e)) {
		if (q_arena_grow(p->arena, (void **)&l->e, &l->cap, l->n + 1, sizeof(*l->e)))
			return -1;
		l->e[l->n++] = e;
		return 0;
	}
	if (collect_leaves(p, e->a, l, depth + 1) || collect_leaves(p, e->b, l, depth + 1) ||
	    collect_leaves(p, e->c, l, depth + 1))
		return -1;
	for (size_t i = 0; i < e->n_list; i++)
		if (collect_leaves(p, e->list[i], l, depth + 1))
			return -1;
	return 0;
}

size_t q_leaf_series(const ast_path_t *path)
{
	return ((const q_leaf_t *)(const void *)path)->series;
}

/* A copy of e whose leaves (pre-order) are bound to series bind[0..]. */
static ast_expr_t *inst_copy(q_plan_t *p, const ast_expr_t *e, const size_t *bind, size_t *next,
			     int depth)
{
	if (!e)
		return NULL;
	ast_expr_t *c = arena_alloc(p->arena, sizeof(*c));
	if (!c || depth > AST_MAX_DEPTH)
		return NULL;
	*c = *e;
	if (is_leaf(e)) {
		q_leaf_t *leaf = arena_alloc(p->arena, sizeof(*leaf));
		const q_series_t *s = &p->series[bind[*next]];
		if (!leaf)
			return NULL;
		leaf->path = *leaf_path(e);
		leaf->path.text = s->path;
		leaf->series = bind[(*next)++];
		c->kind = AST_E_PATH;
		c->path = &leaf->path;
		return c;
	}
	if ((e->a && !(c->a = inst_copy(p, e->a, bind, next, depth + 1))) ||
	    (e->b && !(c->b = inst_copy(p, e->b, bind, next, depth + 1))) ||
	    (e->c && !(c->c = inst_copy(p, e->c, bind, next, depth + 1))))
		return NULL;
	if (e->n_list) {
		c->list = arena_alloc(p->arena, e->n_list * sizeof(*c->list));
		if (!c->list)
			return NULL;
		for (size_t i = 0; i < e->n_list; i++)
			if (!(c->list[i] = inst_copy(p, e->list[i], bind, next, depth + 1)))
				return NULL;
	}
	return c;
}

int q_analyze_instances(q_plan_t *p, const ast_expr_t *e, q_inst_fn emit, void *arg,
			larch_error_t *err)
{
	leaves_t l = { 0 };
	int rc;

	if (collect_leaves(p, e, &l, 0))
		return err_set(err, LARCH_NO_MEMORY, "out of memory expanding paths");
	q_matches_t *m = arena_calloc(p->arena, l.n ? l.n : 1, sizeof(*m));
	size_t *pos = arena_calloc(p->arena, l.n ? l.n : 1, sizeof(size_t));
	size_t *bind = arena_calloc(p->arena, l.n ? l.n : 1, sizeof(size_t));
	if (!m || !pos || !bind)
		return err_set(err, LARCH_NO_MEMORY, "out of memory expanding paths");
	uint64_t total = 1;
	for (size_t i = 0; i < l.n; i++) {
		if ((rc = expand_path(p, leaf_path(l.e[i]), &m[i], err)))
			return rc;
		total *= m[i].n;
		if (total > Q_MAX_COLS)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "the select item at position %d expands to more than %u columns",
				       e->pos, Q_MAX_COLS);
	}
	for (uint64_t k = 0; k < total; k++) {
		for (size_t i = 0; i < l.n; i++)
			bind[i] = m[i].idx[pos[i]];
		size_t next = 0;
		ast_expr_t *inst = inst_copy(p, e, bind, &next, 0);
		if (!inst)
			return err_set(err, LARCH_NO_MEMORY, "out of memory expanding paths");
		if ((rc = emit(p, arg, inst, err)))
			return rc;
		for (size_t i = l.n; i-- > 0;) {   /* odometer: last leaf fastest */
			if (++pos[i] < m[i].n)
				break;
			pos[i] = 0;
		}
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Display names and binding
 *---------------------------------------------------------------------------*/

void q_name_full(void *arg, const ast_path_t *path, buf_t *b)
{
	const q_plan_t *p = arg;
	const char *s = p->series[q_leaf_series(path)].display;

	buf_put(b, s, strlen(s));
}

void q_name_meas(void *arg, const ast_path_t *path, buf_t *b)
{
	const q_plan_t *p = arg;
	const char *s = p->series[q_leaf_series(path)].shown_meas;

	buf_put(b, s, strlen(s));
}

int q_bind_series(void *arg, const ast_path_t *path, size_t *input, tsfile_type_t *type,
		  larch_error_t *err)
{
	const q_plan_t *p = arg;

	(void)err;
	*input = q_leaf_series(path);
	*type = p->series[*input].type;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Result columns and WHERE
 *---------------------------------------------------------------------------*/

typedef struct col_arg {
	const ast_result_col_t *rc;
	size_t made;
} col_arg_t;

static int emit_col(q_plan_t *p, void *arg, ast_expr_t *inst, larch_error_t *err)
{
	col_arg_t *a = arg;
	buf_t b = BUF_INIT;

	if (a->rc->alias && a->made)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "alias '%s' can only be matched with one time series", a->rc->alias);
	if (q_arena_grow(p->arena, (void **)&p->cols, &p->cap_cols, p->n_cols + 1, sizeof(q_col_t)))
		return err_set(err, LARCH_NO_MEMORY, "out of memory expanding columns");
	q_col_t *c = &p->cols[p->n_cols];
	c->expr = inst;
	c->series = inst->kind == AST_E_PATH ? q_leaf_series(inst->path) : (size_t)-1;
	if (a->rc->alias)
		c->name = a->rc->alias;
	else if (c->series != (size_t)-1)
		c->name = p->series[c->series].display;
	else {
		expr_format(inst, q_name_full, p, &b);
		buf_put_u8(&b, 0);
		c->name = buf_ok(&b) ? adup(p, (const char *)b.data, b.len - 1) : NULL;
		buf_free(&b);
		if (!c->name)
			return err_set(err, LARCH_NO_MEMORY, "out of memory naming columns");
	}
	p->n_cols++;
	a->made++;
	return LARCH_OK;
}

static int emit_where(q_plan_t *p, void *arg, ast_expr_t *inst, larch_error_t *err)
{
	(void)arg;
	if (!p->where) {
		p->where = inst;
		return LARCH_OK;
	}
	ast_expr_t *and = arena_calloc(p->arena, 1, sizeof(*and));
	if (!and)
		return err_set(err, LARCH_NO_MEMORY, "out of memory expanding WHERE");
	and->kind = AST_E_BINARY;
	and->op = AST_OP_AND;
	and->pos = inst->pos;
	and->a = p->where;
	and->b = inst;
	p->where = and;
	return LARCH_OK;
}

int q_slimit(const ast_select_t *sel, size_t n, size_t *first, size_t *count,
	     larch_error_t *err)
{
	*first = 0;
	*count = n;
	if (sel->slimit < 0 && sel->soffset < 0)
		return LARCH_OK;
	size_t off = sel->soffset > 0 ? (size_t)sel->soffset : 0;
	if (off && off >= n)
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "The value of SOFFSET (%zu) is equal to or exceeds the number of "
			       "sequences (%zu) that can actually be returned.", off, n);
	*first = off;
	*count = n - off;
	if (sel->slimit >= 0 && (uint64_t)sel->slimit < *count)
		*count = (size_t)sel->slimit;
	return LARCH_OK;
}

int q_analyze_columns(q_plan_t *p, larch_error_t *err)
{
	const ast_select_t *sel = p->sel;
	int rc;

	for (size_t i = 0; i < sel->n_cols; i++) {
		col_arg_t a = { &sel->cols[i], 0 };
		if ((rc = q_analyze_instances(p, sel->cols[i].expr, emit_col, &a, err)))
			return rc;
	}
	size_t first, count;
	if ((rc = q_slimit(sel, p->n_cols, &first, &count, err)))
		return rc;
	p->cols += first;
	p->n_cols = count;
	if (sel->where && !expr_is_time_only(sel->where))
		return q_analyze_where(p, err);
	return LARCH_OK;
}

int q_analyze_where(q_plan_t *p, larch_error_t *err)
{
	int rc = q_analyze_instances(p, p->sel->where, emit_where, NULL, err);

	if (!rc && !p->where)
		p->where_false = 1;   /* a WHERE path that matches nothing */
	return rc;
}
