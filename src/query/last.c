/*
 * last.c — SELECT LAST: the latest point of every selected series.
 *
 * Result (IoTDB's shape): Time, then Timeseries, Value, DataType, all TEXT;
 * the value is written as IoTDB's clients print it (Java's Float/Double
 * toString for floating types).  One row per series (each series once), in
 * the order the paths expand, or by ORDER BY TIMESERIES | VALUE | DATATYPE
 * | TIME [ASC|DESC] keys; then OFFSET/LIMIT.
 *
 * WHERE may hold time predicates only.  A series whose last point lies in
 * the WHERE's last time range comes from storage_last (the last-value
 * cache); otherwise the newest point inside the ranges is read with a
 * descending cursor, one range at a time from the newest.
 */
#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

#include "query/query_int.h"

typedef struct last_row {
	int64_t time;
	const char *path;
	char *value;
	const char *type;
} last_row_t;

/*---------------------------------------------------------------------------
 * Value text
 *---------------------------------------------------------------------------*/

/* The text of a value as IoTDB prints it, in arena memory. */
static char *value_text(arena_t *a, const tsfile_value_t *v)
{
	char tmp[64];

	switch (v->type) {
	case TSFILE_BOOLEAN:
		snprintf(tmp, sizeof(tmp), "%s", v->v.b ? "true" : "false");
		break;
	case TSFILE_INT32:
		snprintf(tmp, sizeof(tmp), "%" PRId32, v->v.i32);
		break;
	case TSFILE_DATE:
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", (int)(v->v.i32 / 10000),
			 (int)(v->v.i32 / 100 % 100), (int)(v->v.i32 % 100));
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
		snprintf(tmp, sizeof(tmp), "%" PRId64, v->v.i64);
		break;
	case TSFILE_FLOAT:
		x_format_java(v->v.f, 1, tmp, sizeof(tmp));
		break;
	case TSFILE_DOUBLE:
		x_format_java(v->v.d, 0, tmp, sizeof(tmp));
		break;
	case TSFILE_BLOB: {
		char *s = arena_alloc(a, 2 * (size_t)v->v.bytes.len + 3);
		if (!s)
			return NULL;
		s[0] = '0';
		s[1] = 'x';
		for (uint32_t i = 0; i < v->v.bytes.len; i++)
			snprintf(s + 2 + 2 * i, 3, "%02x", (unsigned char)v->v.bytes.ptr[i]);
		s[2 + 2 * (size_t)v->v.bytes.len] = 0;
		return s;
	}
	default:
		return arena_strndup(a, v->v.bytes.ptr, v->v.bytes.len);
	}
	return arena_strndup(a, tmp, strlen(tmp));
}

/*---------------------------------------------------------------------------
 * Reading
 *---------------------------------------------------------------------------*/

/* The newest point of series s inside the plan's ranges, by descending
 * reads; *found = 0 when there is none. */
static int last_in_ranges(q_plan_t *p, const q_series_t *s, int64_t *time,
			  tsfile_value_t *val, int *found, larch_error_t *err)
{
	const q_device_t *d = &p->devs[s->dev];
	storage_series_ref_t ref = { d->path, s->sid, s->measurement, s->type };

	*found = 0;
	for (size_t k = p->n_ranges; k-- > 0 && !*found;) {
		storage_read_t req = { 0 };
		storage_cursor_t *c;
		const storage_block_t *b;
		req.database = d->database;
		req.device = d->path;
		req.series = &ref;
		req.n = 1;
		req.aligned = d->aligned;
		req.start = p->ranges[k].start;
		req.end = p->ranges[k].end;
		int rc = storage_read_flags(p->ctx->storage, &req, STORAGE_READ_DESC, &c, err);
		if (rc)
			return rc;
		rc = storage_cursor_next(c, &b, err);
		if (rc == LARCH_OK && b->n_rows) {
			const storage_block_column_t *col = &b->columns[0];
			size_t sz = tsfile_type_size(col->type);
			*time = b->times[0];
			val->type = s->type;
			val->is_null = 0;
			memcpy(&val->v, (const uint8_t *)col->values, sz);
			if (tsfile_type_size(s->type) == sizeof(tsfile_bytes_t)) {
				char *copy = arena_strndup(p->arena, val->v.bytes.ptr,
							   val->v.bytes.len);
				if (!copy)
					rc = err_set(err, LARCH_NO_MEMORY, "out of memory in LAST");
				val->v.bytes.ptr = copy;
			}
			*found = rc == LARCH_OK;
		}
		storage_cursor_free(c);
		if (rc && rc != LARCH_DONE)
			return rc;
	}
	return LARCH_OK;
}

/* The LAST row of series s, or *found = 0. */
static int last_of(q_plan_t *p, const q_series_t *s, last_row_t *row, int *found,
		   larch_error_t *err)
{
	const q_device_t *d = &p->devs[s->dev];
	storage_series_ref_t ref = { d->path, s->sid, s->measurement, s->type };
	tsfile_value_t v;
	int64_t t;
	int rc;

	if (!p->n_ranges) {
		*found = 0;
		return LARCH_OK;
	}
	rc = storage_last(p->ctx->storage, d->database, &ref, p->arena, &t, &v, found, err);
	if (rc)
		return rc;
	int inside = 0;
	for (size_t k = 0; *found && k < p->n_ranges && !inside; k++)
		inside = t >= p->ranges[k].start && t <= p->ranges[k].end;
	/* the last point is outside the ranges: the newest point inside them */
	if (*found && !inside && (rc = last_in_ranges(p, s, &t, &v, found, err)))
		return rc;
	if (!*found)
		return LARCH_OK;
	row->time = t;
	row->path = s->display;
	row->type = tsfile_type_name(s->type);
	row->value = value_text(p->arena, &v);
	return row->value ? LARCH_OK : err_set(err, LARCH_NO_MEMORY, "out of memory in LAST");
}

/*---------------------------------------------------------------------------
 * Ordering
 *---------------------------------------------------------------------------*/

typedef enum last_key { K_TIME, K_TIMESERIES, K_VALUE, K_DATATYPE } last_key_t;

typedef struct last_order {
	last_key_t key[4];
	int desc[4];
	size_t n;
} last_order_t;

static int order_parse(const ast_select_t *sel, last_order_t *o, larch_error_t *err)
{
	static const char *names[] = { "time", "timeseries", "value", "datatype" };

	o->n = 0;
	for (size_t i = 0; i < sel->n_order && o->n < 4; i++) {
		const ast_expr_t *e = sel->order[i].expr;
		int k = -1;
		if (e->kind == AST_E_TIME)
			k = K_TIME;
		else if (e->kind == AST_E_PATH && e->path->n == 1)
			for (int j = 1; j < 4; j++)
				if (!strcasecmp(e->path->nodes[0], names[j]))
					k = j;
		if (k < 0)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "ORDER BY at position %d: a last query orders by TIMESERIES, "
				       "VALUE, DATATYPE or TIME", e->pos);
		o->key[o->n] = (last_key_t)k;
		o->desc[o->n++] = sel->order[i].desc;
	}
	return LARCH_OK;
}

static int row_cmp(const last_row_t *a, const last_row_t *b, const last_order_t *o)
{
	for (size_t i = 0; i < o->n; i++) {
		int c;
		switch (o->key[i]) {
		case K_TIME:
			c = a->time < b->time ? -1 : a->time > b->time;
			break;
		case K_TIMESERIES:
			c = strcmp(a->path, b->path);
			break;
		case K_VALUE:
			c = strcmp(a->value, b->value);
			break;
		default:
			c = strcmp(a->type, b->type);
			break;
		}
		if (c)
			return o->desc[i] ? -c : c;
	}
	return 0;
}

/* Stable merge sort of rows[0..n) (tmp holds n rows). */
static void rows_sort(last_row_t *rows, last_row_t *tmp, size_t n, const last_order_t *o)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	rows_sort(rows, tmp, h, o);
	rows_sort(rows + h, tmp, n - h, o);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = row_cmp(&rows[j], &rows[i], o) < 0 ? rows[j++] : rows[i++];
	while (i < h)
		tmp[k++] = rows[i++];
	while (j < n)
		tmp[k++] = rows[j++];
	memcpy(rows, tmp, n * sizeof(*rows));
}

/*---------------------------------------------------------------------------
 * The query
 *---------------------------------------------------------------------------*/

static int last_table(q_plan_t *p, last_row_t *rows, size_t n, query_result_t **out,
		      larch_error_t *err)
{
	static const char *names[] = { "Timeseries", "Value", "DataType" };
	query_table_t *t = query_table_new(3, 1);
	int64_t skip = p->sel->offset > 0 ? p->sel->offset : 0, left = p->sel->limit;
	int rc = LARCH_OK;

	if (!t)
		return err_set(err, LARCH_NO_MEMORY, "out of memory in LAST");
	for (size_t c = 0; c < 3 && !rc; c++)
		rc = query_table_set_column(t, c, names[c], TSFILE_TEXT);
	for (size_t i = (size_t)LR_MIN((uint64_t)skip, (uint64_t)n); i < n && !rc && left; i++) {
		rc = query_table_add_row(t, rows[i].time);
		if (!rc)
			rc = query_table_set_text(t, 0, rows[i].path, strlen(rows[i].path));
		if (!rc)
			rc = query_table_set_text(t, 1, rows[i].value, strlen(rows[i].value));
		if (!rc)
			rc = query_table_set_text(t, 2, rows[i].type, strlen(rows[i].type));
		if (left > 0)
			left--;
	}
	if (rc) {
		query_table_free(t);
		return err_set(err, rc, "building the LAST result failed");
	}
	return query_table_finish(t, out, err);
}

int q_last_select(q_plan_t *p, query_result_t **out, larch_error_t *err)
{
	last_order_t order;
	int rc;

	if (p->sel->where && !expr_is_time_only(p->sel->where))
		return err_set(err, LARCH_SEMANTIC_ERROR,
			       "a last query only supports time filters in WHERE");
	if ((rc = order_parse(p->sel, &order, err)) || (rc = q_analyze_columns(p, err)))
		return rc;
	last_row_t *rows = arena_calloc(p->arena, p->n_cols ? p->n_cols : 1, sizeof(*rows));
	last_row_t *tmp = arena_calloc(p->arena, p->n_cols ? p->n_cols : 1, sizeof(*rows));
	uint8_t *seen = arena_calloc(p->arena, p->n_series ? p->n_series : 1, 1);
	size_t n = 0;
	if (!rows || !tmp || !seen)
		return err_set(err, LARCH_NO_MEMORY, "out of memory in LAST");
	for (size_t i = 0; i < p->n_cols; i++) {
		size_t s = p->cols[i].series;
		int found;
		if (s == (size_t)-1)
			return err_set(err, LARCH_SEMANTIC_ERROR,
				       "a last query selects time series only, not \"%s\"",
				       p->cols[i].name);
		if (seen[s])
			continue;
		seen[s] = 1;
		if ((rc = last_of(p, &p->series[s], &rows[n], &found, err)))
			return rc;
		n += found != 0;
	}
	rows_sort(rows, tmp, n, &order);
	rc = last_table(p, rows, n, out, err);
	if (!rc)
		q_plan_free(p);
	return rc;
}
