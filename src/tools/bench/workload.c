/*
 * workload.c — what larch-bench sends: the generated data (one value table
 * per sensor, shared by every device at a different phase), the schema,
 * write batches (tablets, records, string records) with out-of-order
 * delivery, the SQL of the query kinds Q1..Q10, and the final point count.
 *
 * Data: sensor j, row r of device d holds f(j, (r + 7d) mod WL_PERIOD),
 * where f is a slow wave plus noise in about [5, 95], cast to the sensor's
 * type.  Row r is at time start + r * step (milliseconds, scaled to the
 * server's precision).  Every (device, row) is written exactly once, so the
 * stored point count must equal the points acknowledged.
 *
 * Out of order: with --out-of-order r, an in-order batch is held back with
 * probability r / (1 - r) (at most WL_HOLD_MAX per device) and the next one
 * written instead; a held batch is written at a later turn of its device,
 * behind newer rows, so about a fraction r of the batches arrive late.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench_int.h"

#define WL_HOLD_MAX 8
#define WL_NAME_MAX 256
#define WL_TEXT_MAX 16 /* bytes of one generated text value */

struct wl_data {
	const bench_config_t *cfg;
	arena_t *arena;
	char **devices;          /* "<database>.d_<i>" */
	char **sensors;          /* "s_<j>" */
	tsfile_type_t *types;    /* per sensor */
	void **tables;           /* per sensor: WL_PERIOD + batch typed values */
	size_t *numeric;         /* sensors a value filter can compare (ints, floats) */
	size_t n_numeric;
	int64_t *rows;           /* per device: in-order rows written (atomic) */
};

uint64_t wl_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

double wl_rand_unit(uint64_t *state)
{
	return (double)(wl_rand(state) >> 11) * (1.0 / 9007199254740992.0);
}

int64_t wl_units_per_ms(const char *precision)
{
	if (precision && strcmp(precision, "us") == 0)
		return 1000;
	if (precision && strcmp(precision, "ns") == 0)
		return 1000000;
	return 1;
}

/*---------------------------------------------------------------------------
 * Generated data
 *---------------------------------------------------------------------------*/

/* The base value of sensor j at phase k: a wave of period WL_PERIOD / (1 +
 * j % 4) rows plus deterministic noise of up to 10. */
static double base_value(size_t j, size_t k)
{
	uint64_t h = (uint64_t)(j * 1000003u + k) * 0x9E3779B97F4A7C15ULL;
	double wave = sin(2.0 * M_PI * (double)k * (double)(1 + j % 4) / WL_PERIOD);
	return 45.0 + 40.0 * wave + (double)(h >> 54) / 102.4;
}

/* Fill sensor j's table (n entries, phase k of entry k mod WL_PERIOD). */
static int fill_table(wl_data_t *d, size_t j, size_t n)
{
	tsfile_type_t t = d->types[j];
	void *tab = arena_alloc(d->arena, n * tsfile_type_size(t));
	char *text = NULL;

	if (!tab)
		return -1;
	if ((t == TSFILE_TEXT || t == TSFILE_STRING) &&
	    !(text = arena_alloc(d->arena, (size_t)WL_PERIOD * WL_TEXT_MAX)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t k = i % WL_PERIOD;
		double v = base_value(j, k);
		switch (t) {
		case TSFILE_BOOLEAN: ((uint8_t *)tab)[i] = v > 45.0; break;
		case TSFILE_INT32: ((int32_t *)tab)[i] = (int32_t)v; break;
		case TSFILE_DATE: ((int32_t *)tab)[i] = 20240101 + (int32_t)(k % 28); break;
		case TSFILE_INT64:
		case TSFILE_TIMESTAMP: ((int64_t *)tab)[i] = (int64_t)(v * 1000.0); break;
		case TSFILE_FLOAT: ((float *)tab)[i] = (float)v; break;
		case TSFILE_DOUBLE: ((double *)tab)[i] = v; break;
		default: {
			char *s = text + k * WL_TEXT_MAX;
			int len = snprintf(s, WL_TEXT_MAX, "v%.2f", v);
			((tsfile_bytes_t *)tab)[i] = (tsfile_bytes_t){ s, (uint32_t)len };
		}
		}
	}
	d->tables[j] = tab;
	return 0;
}

int wl_type_is_numeric(tsfile_type_t t)
{
	return t == TSFILE_INT32 || t == TSFILE_INT64 || t == TSFILE_FLOAT || t == TSFILE_DOUBLE;
}

int wl_data_new(const bench_config_t *cfg, wl_data_t **out, larch_error_t *err)
{
	wl_data_t *d = mem_calloc(1, sizeof *d);
	char name[WL_NAME_MAX];

	if (!d || !(d->arena = arena_new(0)))
		goto oom;
	d->cfg = cfg;
	d->devices = arena_calloc(d->arena, cfg->devices, sizeof *d->devices);
	d->rows = arena_calloc(d->arena, cfg->devices, sizeof *d->rows);
	d->sensors = arena_calloc(d->arena, cfg->sensors, sizeof *d->sensors);
	d->types = arena_calloc(d->arena, cfg->sensors, sizeof *d->types);
	d->tables = arena_calloc(d->arena, cfg->sensors, sizeof *d->tables);
	d->numeric = arena_calloc(d->arena, cfg->sensors, sizeof *d->numeric);
	if (!d->devices || !d->rows || !d->sensors || !d->types || !d->tables || !d->numeric)
		goto oom;
	for (size_t i = 0; i < cfg->devices; i++) {
		int n = snprintf(name, sizeof name, "%s.d_%zu", cfg->database, i);
		if (!(d->devices[i] = arena_strndup(d->arena, name, (size_t)n)))
			goto oom;
	}
	for (size_t j = 0; j < cfg->sensors; j++) {
		int n = snprintf(name, sizeof name, "s_%zu", j);
		if (!(d->sensors[j] = arena_strndup(d->arena, name, (size_t)n)))
			goto oom;
		d->types[j] = cfg->types[j % cfg->n_types];
		if (wl_type_is_numeric(d->types[j]))
			d->numeric[d->n_numeric++] = j;
		if (fill_table(d, j, WL_PERIOD + cfg->batch) != 0)
			goto oom;
	}
	*out = d;
	return LARCH_OK;
oom:
	wl_data_free(d);
	return err_set(err, LARCH_NO_MEMORY, "workload: out of memory for %zu devices x %zu sensors",
		       cfg->devices, cfg->sensors);
}

void wl_data_free(wl_data_t *d)
{
	if (!d)
		return;
	arena_free(d->arena);
	mem_free(d);
}

int64_t wl_device_rows(const wl_data_t *d, size_t dev)
{
	return __atomic_load_n(&d->rows[dev], __ATOMIC_RELAXED);
}

/*---------------------------------------------------------------------------
 * Schema
 *---------------------------------------------------------------------------*/

int wl_prepare_database(larch_session_t *s, const wl_data_t *d, larch_error_t *err)
{
	const char *db = d->cfg->database;
	int rc;

	if (d->cfg->clean) {
		rc = larch_session_delete_databases(s, &db, 1, err);
		if (rc != LARCH_OK && rc != LARCH_DATABASE_NOT_EXIST && rc != LARCH_PATH_NOT_EXIST)
			return rc;
	}
	if (!d->cfg->create_schema)
		return LARCH_OK;
	rc = larch_session_create_database(s, db, err);
	return rc == LARCH_DATABASE_ALREADY_EXISTS ? LARCH_OK : rc;
}

int wl_create_device(larch_session_t *s, const wl_data_t *d, size_t dev, larch_error_t *err)
{
	const bench_config_t *cfg = d->cfg;
	char first[WL_NAME_MAX];
	int exists = 0, rc;
	larch_series_def_t *defs = NULL;
	char **paths = NULL;
	arena_t *a = NULL;

	snprintf(first, sizeof first, "%s.%s", d->devices[dev], d->sensors[0]);
	if ((rc = larch_session_check_timeseries_exists(s, first, &exists, err)) != LARCH_OK ||
	    exists)
		return rc;
	if (!(a = arena_new(0)) || !(defs = arena_calloc(a, cfg->sensors, sizeof *defs)) ||
	    !(paths = arena_calloc(a, cfg->sensors, sizeof *paths))) {
		rc = err_set(err, LARCH_NO_MEMORY, "schema of %s: out of memory", d->devices[dev]);
		goto done;
	}
	for (size_t j = 0; j < cfg->sensors; j++) {
		char path[WL_NAME_MAX];
		int n = snprintf(path, sizeof path, "%s.%s", d->devices[dev], d->sensors[j]);
		defs[j] = (larch_series_def_t){ .name = d->sensors[j], .type = d->types[j],
						.encoding = -1, .codec = -1 };
		if (!(paths[j] = arena_strndup(a, path, (size_t)n))) {
			rc = err_set(err, LARCH_NO_MEMORY, "schema of %s: out of memory",
				     d->devices[dev]);
			goto done;
		}
	}
	if (cfg->aligned)
		rc = larch_session_create_aligned_timeseries(s, d->devices[dev], defs, cfg->sensors,
							     err);
	else
		rc = larch_session_create_multi_timeseries(s, (const char *const *)paths, defs,
							   cfg->sensors, err);
done:
	arena_free(a);
	return rc;
}

/*---------------------------------------------------------------------------
 * Writes
 *---------------------------------------------------------------------------*/

typedef struct wl_dev_state {
	size_t dev;
	int64_t next_row;              /* first row of the next in-order batch */
	int64_t held[WL_HOLD_MAX];     /* first rows of held-back batches, FIFO */
	size_t n_held;
} wl_dev_state_t;

struct wl_writer {
	const wl_data_t *d;
	int64_t units_per_ms;
	arena_t *arena;
	wl_dev_state_t *devs;
	size_t n_devs;
	size_t turn;                   /* next device, round robin */
	double p_hold;                 /* chance to hold back an in-order batch */
	int64_t *times;                /* batch */
	tsfile_column_t *columns;      /* sensors */
	tsfile_point_t *points;        /* sensors */
	const char **strings;          /* sensors: string record values */
	char *string_buf;              /* sensors * 32 bytes behind strings */
};

#define WL_STRING_MAX 32

int wl_writer_new(const wl_data_t *d, size_t client, int64_t units_per_ms, wl_writer_t **out,
		  larch_error_t *err)
{
	const bench_config_t *cfg = d->cfg;
	wl_writer_t *w = mem_calloc(1, sizeof *w);

	if (!w || !(w->arena = arena_new(0)))
		goto oom;
	w->d = d;
	w->units_per_ms = units_per_ms;
	w->n_devs = client < cfg->devices ? (cfg->devices - client - 1) / cfg->clients + 1 : 0;
	w->p_hold = cfg->out_of_order >= 0.5 ? 1.0 : cfg->out_of_order / (1.0 - cfg->out_of_order);
	w->devs = arena_calloc(w->arena, w->n_devs ? w->n_devs : 1, sizeof *w->devs);
	w->times = arena_calloc(w->arena, cfg->batch, sizeof *w->times);
	w->columns = arena_calloc(w->arena, cfg->sensors, sizeof *w->columns);
	w->points = arena_calloc(w->arena, cfg->sensors, sizeof *w->points);
	w->strings = arena_calloc(w->arena, cfg->sensors, sizeof *w->strings);
	w->string_buf = arena_alloc(w->arena, cfg->sensors * WL_STRING_MAX);
	if (!w->devs || !w->times || !w->columns || !w->points || !w->strings || !w->string_buf)
		goto oom;
	for (size_t i = 0; i < w->n_devs; i++)
		w->devs[i].dev = client + i * cfg->clients;
	for (size_t j = 0; j < cfg->sensors; j++) {
		w->columns[j] = (tsfile_column_t){ .name = d->sensors[j], .type = d->types[j] };
		w->points[j].measurement = d->sensors[j];
		w->points[j].value.type = d->types[j];
		w->strings[j] = w->string_buf + j * WL_STRING_MAX;
	}
	*out = w;
	return LARCH_OK;
oom:
	wl_writer_free(w);
	return err_set(err, LARCH_NO_MEMORY, "writer of client %zu: out of memory", client);
}

void wl_writer_free(wl_writer_t *w)
{
	if (!w)
		return;
	arena_free(w->arena);
	mem_free(w);
}

size_t wl_writer_devices(const wl_writer_t *w)
{
	return w->n_devs;
}

/* Set point j of w->points to table entry i of sensor j. */
static void load_point(wl_writer_t *w, size_t j, size_t i)
{
	const void *tab = w->d->tables[j];
	tsfile_value_t *v = &w->points[j].value;

	switch (v->type) {
	case TSFILE_BOOLEAN: v->v.b = ((const uint8_t *)tab)[i]; break;
	case TSFILE_INT32:
	case TSFILE_DATE: v->v.i32 = ((const int32_t *)tab)[i]; break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: v->v.i64 = ((const int64_t *)tab)[i]; break;
	case TSFILE_FLOAT: v->v.f = ((const float *)tab)[i]; break;
	case TSFILE_DOUBLE: v->v.d = ((const double *)tab)[i]; break;
	default: v->v.bytes = ((const tsfile_bytes_t *)tab)[i]; break;
	}
}

/* Render point j (loaded by load_point) as the text of a string record. */
static void format_point(wl_writer_t *w, size_t j)
{
	const tsfile_value_t *v = &w->points[j].value;
	char *s = w->string_buf + j * WL_STRING_MAX;

	switch (v->type) {
	case TSFILE_BOOLEAN: strcpy(s, v->v.b ? "true" : "false"); break;
	case TSFILE_INT32: snprintf(s, WL_STRING_MAX, "%d", v->v.i32); break;
	case TSFILE_DATE:
		snprintf(s, WL_STRING_MAX, "%04d-%02d-%02d", v->v.i32 / 10000, v->v.i32 / 100 % 100,
			 v->v.i32 % 100);
		break;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: snprintf(s, WL_STRING_MAX, "%lld", (long long)v->v.i64); break;
	case TSFILE_FLOAT: snprintf(s, WL_STRING_MAX, "%.9g", (double)v->v.f); break;
	case TSFILE_DOUBLE: snprintf(s, WL_STRING_MAX, "%.17g", v->v.d); break;
	default:
		snprintf(s, WL_STRING_MAX, "%.*s", (int)v->v.bytes.len, v->v.bytes.ptr);
		break;
	}
}

/* Write one row (record or string record) of device dev: table entry i,
 * time t.  Returns the call's status. */
static int write_row(wl_writer_t *w, larch_session_t *s, size_t dev, size_t i, int64_t t,
		     larch_error_t *err)
{
	const bench_config_t *cfg = w->d->cfg;

	for (size_t j = 0; j < cfg->sensors; j++)
		load_point(w, j, i);
	if (cfg->mode == BENCH_MODE_RECORD)
		return larch_session_insert_record(s, w->d->devices[dev], t, w->points, cfg->sensors,
						   cfg->aligned, err);
	for (size_t j = 0; j < cfg->sensors; j++)
		format_point(w, j);
	larch_string_record_t rec = { .device = w->d->devices[dev], .time = t,
				      .measurements = (const char *const *)w->d->sensors,
				      .values = w->strings, .n = cfg->sensors };
	return larch_session_insert_string_record(s, &rec, cfg->aligned, err);
}

/* Write rows [r0, r0 + n) of device dev: one tablet call, or one call
 * per row; each call is reported to fn. */
static void write_rows(wl_writer_t *w, larch_session_t *s, size_t dev, int64_t r0, size_t n,
		       wl_call_fn fn, void *ctx)
{
	const bench_config_t *cfg = w->d->cfg;
	size_t phase = (size_t)((r0 + 7 * (int64_t)dev) % WL_PERIOD);
	larch_error_t err = { 0 };
	uint64_t t0;
	int rc;

	for (size_t i = 0; i < n; i++)
		w->times[i] = (cfg->start_ms + (r0 + (int64_t)i) * cfg->step_ms) * w->units_per_ms;
	if (cfg->mode == BENCH_MODE_TABLET) {
		for (size_t j = 0; j < cfg->sensors; j++)
			w->columns[j].values = (const char *)w->d->tables[j] +
					       phase * tsfile_type_size(w->d->types[j]);
		tsfile_tablet_t tab = { .target = w->d->devices[dev], .n_rows = n,
					.times = w->times, .n_columns = cfg->sensors,
					.columns = w->columns };
		t0 = bench_now_ns();
		rc = larch_session_insert_tablet(s, &tab, cfg->aligned, &err);
		fn(ctx, bench_now_ns() - t0, n * cfg->sensors, rc, &err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		t0 = bench_now_ns();
		rc = write_row(w, s, dev, phase + i, w->times[i], &err);
		fn(ctx, bench_now_ns() - t0, cfg->sensors, rc, &err);
	}
}

/* The next in-order batch of st: its first row; advances and publishes. */
static int64_t take_in_order(wl_writer_t *w, wl_dev_state_t *st)
{
	int64_t r0 = st->next_row;
	st->next_row += (int64_t)w->d->cfg->batch;
	__atomic_store_n(&w->d->rows[st->dev], st->next_row, __ATOMIC_RELAXED);
	return r0;
}

static int64_t take_held(wl_dev_state_t *st)
{
	int64_t r0 = st->held[0];
	memmove(st->held, st->held + 1, (st->n_held - 1) * sizeof *st->held);
	st->n_held--;
	return r0;
}

void wl_write_next(wl_writer_t *w, larch_session_t *s, uint64_t *rng, wl_call_fn fn,
		   void *ctx)
{
	wl_dev_state_t *st = &w->devs[w->turn++ % w->n_devs];
	int64_t r0;

	if (st->n_held && (st->n_held == WL_HOLD_MAX || wl_rand_unit(rng) < 0.5)) {
		r0 = take_held(st);
	} else {
		if (w->p_hold > 0 && wl_rand_unit(rng) < w->p_hold)
			st->held[st->n_held++] = take_in_order(w, st);
		r0 = take_in_order(w, st);
	}
	write_rows(w, s, st->dev, r0, w->d->cfg->batch, fn, ctx);
}

void wl_write_until(wl_writer_t *w, larch_session_t *s, size_t rows, wl_call_fn fn, void *ctx)
{
	for (size_t i = 0; i < w->n_devs; i++) {
		wl_dev_state_t *st = &w->devs[i];
		while (st->next_row < (int64_t)rows) {
			int64_t r0 = st->next_row;
			size_t n = (size_t)((int64_t)rows - r0);
			if (n > w->d->cfg->batch)
				n = w->d->cfg->batch;
			st->next_row += (int64_t)n;
			__atomic_store_n(&w->d->rows[st->dev], st->next_row, __ATOMIC_RELAXED);
			write_rows(w, s, st->dev, r0, n, fn, ctx);
		}
	}
}

void wl_write_held(wl_writer_t *w, larch_session_t *s, wl_call_fn fn, void *ctx)
{
	for (size_t i = 0; i < w->n_devs; i++) {
		wl_dev_state_t *st = &w->devs[i];
		while (st->n_held)
			write_rows(w, s, st->dev, take_held(st), w->d->cfg->batch, fn, ctx);
	}
}

/*---------------------------------------------------------------------------
 * Queries
 *---------------------------------------------------------------------------*/

/* Appends to a fixed buffer; `over` records truncation. */
typedef struct sql_buf {
	char *p;
	size_t n, len;
	int over;
} sql_buf_t;

static void sql_add(sql_buf_t *b, const char *fmt, ...) LR_PRINTF(2, 3);
static void sql_add(sql_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= b->n - b->len)
		b->over = 1;
	else
		b->len += (size_t)k;
}

/* "<lead> s_a > th and s_b > th" for the query's k sensors (k >= 1);
 * lead is " where" or " and". */
static void add_value_filter(sql_buf_t *b, const wl_data_t *d, const size_t *sel, size_t k,
			     const char *lead)
{
	for (size_t i = 0; i < k; i++)
		sql_add(b, "%s %s > %g", i ? " and" : lead, d->sensors[sel[i]], d->cfg->threshold);
}

int wl_query_sql(const wl_data_t *d, bench_op_t op, int64_t units_per_ms, uint64_t *rng,
		 char *sql, size_t n)
{
	const bench_config_t *cfg = d->cfg;
	sql_buf_t b = { sql, n, 0, 0 };
	size_t sel[64];
	size_t dev = wl_rand(rng) % cfg->devices;
	size_t k = cfg->query_sensors < d->n_numeric ? cfg->query_sensors : d->n_numeric;
	size_t first = wl_rand(rng) % d->n_numeric;
	int64_t rows = wl_device_rows(d, dev);
	int64_t span_rows = cfg->query_span_ms / cfg->step_ms;
	int64_t room = rows - span_rows > 1 ? rows - span_rows : 1;
	int64_t a = (cfg->start_ms + (int64_t)(wl_rand(rng) % (uint64_t)room) * cfg->step_ms) *
		    units_per_ms;
	int64_t z = a + cfg->query_span_ms * units_per_ms;
	int agg = op >= BENCH_Q4 && op <= BENCH_Q7;

	if (k > sizeof sel / sizeof *sel)
		k = sizeof sel / sizeof *sel;
	for (size_t i = 0; i < k; i++)
		sel[i] = d->numeric[(first + i) % d->n_numeric];
	sql_add(&b, "select %s", op == BENCH_Q8 ? "last " : "");
	for (size_t i = 0; i < k; i++) {
		if (agg)
			sql_add(&b, "%s%s(%s)", i ? ", " : "", cfg->agg, d->sensors[sel[i]]);
		else
			sql_add(&b, "%s%s", i ? ", " : "", d->sensors[sel[i]]);
	}
	sql_add(&b, " from %s", d->devices[dev]);
	switch (op) {
	case BENCH_Q1: {
		int64_t r = (int64_t)(wl_rand(rng) % (uint64_t)(rows > 0 ? rows : 1));
		sql_add(&b, " where time = %lld",
			(long long)((cfg->start_ms + r * cfg->step_ms) * units_per_ms));
		break;
	}
	case BENCH_Q5:
		add_value_filter(&b, d, sel, k, " where");
		break;
	case BENCH_Q7:
		sql_add(&b, " group by ([%lld, %lld), %lldms)", (long long)a, (long long)z,
			(long long)cfg->group_by_ms);
		break;
	case BENCH_Q8:
		break;
	default: /* Q2, Q3, Q4, Q6, Q9, Q10: a time range, maybe a value filter */
		sql_add(&b, " where time >= %lld and time < %lld", (long long)a, (long long)z);
		if (op == BENCH_Q3 || op == BENCH_Q6 || op == BENCH_Q10)
			add_value_filter(&b, d, sel, k, " and");
		if (op == BENCH_Q9 || op == BENCH_Q10)
			sql_add(&b, " order by time desc");
		break;
	}
	return b.over ? -1 : 0;
}

int wl_run_query(larch_session_t *s, const char *sql, int rows_only, size_t *points,
		 larch_error_t *err)
{
	larch_dataset_t *ds = NULL;
	const larch_block_t *blk;
	size_t total = 0;
	int rc;

	if ((rc = larch_session_execute_query(s, sql, 0, &ds, err)) != LARCH_OK)
		return rc;
	while ((rc = larch_dataset_next_block(ds, &blk, err)) == LARCH_OK) {
		if (rows_only) {
			total += blk->n_rows;
			continue;
		}
		for (size_t c = 0; c < blk->n_columns; c++) {
			const uint8_t *nulls = blk->columns[c].nulls;
			size_t nn = 0;
			for (size_t r = 0; nulls && r < blk->n_rows; r++)
				nn += nulls[r] != 0;
			total += blk->n_rows - nn;
		}
	}
	larch_dataset_close(ds, NULL);
	*points = total;
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

int wl_count_points(larch_session_t *s, const wl_data_t *d, uint64_t *out, larch_error_t *err)
{
	char sql[WL_NAME_MAX + 32];
	larch_dataset_t *ds = NULL;
	uint64_t total = 0;
	int rc;

	snprintf(sql, sizeof sql, "select count(*) from %s.**", d->cfg->database);
	if ((rc = larch_session_execute_query(s, sql, 0, &ds, err)) != LARCH_OK)
		return rc;
	while ((rc = larch_dataset_next(ds, err)) == LARCH_OK) {
		for (size_t c = 0; c < larch_dataset_column_count(ds); c++)
			total += (uint64_t)larch_dataset_get_int64(ds, c);
	}
	larch_dataset_close(ds, NULL);
	*out = total;
	return rc == LARCH_DONE ? LARCH_OK : rc;
}
