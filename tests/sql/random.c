/*
 * tests/sql/random.c — `sqltest --random SEED N`: a randomized differential
 * test of larch_execute.  Random INSERTs (out of order, overwriting),
 * DELETEs of time ranges, FLUSHes and restarts go to a fresh database and to
 * a plain in-memory model (a value slot per device and time); random
 * queries — raw ranges, value filters, aggregates, GROUP BY time, LAST,
 * ORDER BY TIME DESC LIMIT — are answered by both and the rendered rows
 * compared.  A failure prints the seed, the operation number and the SQL.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sqltest.h"

#define R_DEVICES 3
#define R_TIMES 600   /* times 0 .. R_TIMES-1 */

typedef struct model {
	int64_t value[R_DEVICES][R_TIMES];
	uint8_t present[R_DEVICES][R_TIMES];
} model_t;

typedef struct rnd {
	uint64_t s;
	larch_db_t *db;
	char dir[4096];
	larch_options_t opt;
	model_t m;
	arena_t *arena;
	long op;
	int verbose;
	buf_t sql;
	buf_t exp;      /* expected rows, '\n'-separated */
} rnd_t;

static uint64_t rnd_next(rnd_t *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

static int64_t rnd_range(rnd_t *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd_next(r) % (uint64_t)(hi - lo + 1));
}

static void bprintf(buf_t *b, const char *fmt, ...) LR_PRINTF(2, 3);
static void bprintf(buf_t *b, const char *fmt, ...)
{
	char s[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	buf_put(b, s, n < (int)sizeof s ? (size_t)n : sizeof s - 1);
}

static void put_double(buf_t *b, double v)
{
	char s[FMT_MAX];
	fmt_java_double(v, s);
	buf_put(b, s, strlen(s));
}

/* Run r->sql; with want_rows, render the result and compare it with the
 * header plus r->exp.  Returns 0 when all is as expected. */
static int rnd_check(rnd_t *r, const char *header)
{
	buf_put_u8(&r->sql, '\0');
	const char *sql = (const char *)r->sql.data;
	larch_error_t err = {0};
	larch_result_t *res = NULL;
	rowset_t rs = {0};
	fmt_opts_t fo = {.precision = r->opt.precision};
	int rc = larch_execute(r->db, sql, NULL, &res, &err);
	if (rc == LARCH_OK && header)
		rc = rowset_fill(&rs, res, r->arena, &fo, &err);
	larch_result_free(res);
	if (r->verbose)
		printf("%ld: %s\n", r->op, sql);
	int bad = rc != LARCH_OK;
	buf_t act = BUF_INIT;
	if (!bad && header) {
		for (size_t i = 0; i < rs.n; i++)
			bprintf(&act, "%s\n", rs.rows[i]);
		bad = strcmp(rs.header, header) != 0 || act.len != r->exp.len ||
		      (act.len && memcmp(act.data, r->exp.data, act.len) != 0);
	}
	if (bad) {
		printf("random: operation %ld failed\n  sql: %s\n", r->op, sql);
		if (rc != LARCH_OK)
			printf("  error %d: %s\n", rc, err.msg);
		else
			printf("  expected:\n%s\n%.*s  actual:\n%s\n%.*s", header, (int)r->exp.len,
			       r->exp.len ? (const char *)r->exp.data : "", rs.header, (int)act.len,
			       act.len ? (const char *)act.data : "");
	}
	buf_free(&act);
	rowset_free(&rs);
	buf_reset(&r->sql);
	buf_reset(&r->exp);
	return bad;
}

static int op_insert(rnd_t *r)
{
	int d = (int)rnd_range(r, 0, R_DEVICES - 1);
	int n = (int)rnd_range(r, 1, 8);
	bprintf(&r->sql, "INSERT INTO root.rnd.d%d(time, s) VALUES ", d);
	for (int i = 0; i < n; i++) {
		int64_t t = rnd_range(r, 0, R_TIMES - 1), v = rnd_range(r, -1000, 1000);
		bprintf(&r->sql, "%s(%" PRId64 ", %" PRId64 ")", i ? ", " : "", t, v);
		r->m.value[d][t] = v;
		r->m.present[d][t] = 1;
	}
	return rnd_check(r, NULL);
}

static int op_delete(rnd_t *r)
{
	int d = (int)rnd_range(r, -1, R_DEVICES - 1);   /* -1: every device */
	int64_t a = rnd_range(r, 0, R_TIMES - 1), b = rnd_range(r, a, LR_MIN(a + 80, R_TIMES - 1));
	if (d < 0)
		bprintf(&r->sql, "DELETE FROM root.rnd.*.s WHERE time >= %" PRId64 " AND time <= %" PRId64, a, b);
	else
		bprintf(&r->sql, "DELETE FROM root.rnd.d%d.s WHERE time >= %" PRId64 " AND time <= %" PRId64, d, a, b);
	for (int k = 0; k < R_DEVICES; k++)
		if (d < 0 || k == d)
			for (int64_t t = a; t <= b; t++)
				r->m.present[k][t] = 0;
	return rnd_check(r, NULL);
}

/* Raw rows of device d in [a, b) whose value is above vmin, ascending or
 * descending, at most limit of them. */
static int op_raw(rnd_t *r, int d)
{
	int64_t a = rnd_range(r, 0, R_TIMES - 1), b = rnd_range(r, a, R_TIMES);
	int filter = rnd_range(r, 0, 2) == 0, desc = rnd_range(r, 0, 2) == 0;
	int64_t vmin = rnd_range(r, -1000, 1000);
	long limit = desc ? (long)rnd_range(r, 1, 20) : -1;
	bprintf(&r->sql, "SELECT s FROM root.rnd.d%d WHERE time >= %" PRId64 " AND time < %" PRId64, d, a, b);
	if (filter)
		bprintf(&r->sql, " AND s > %" PRId64, vmin);
	if (desc)
		bprintf(&r->sql, " ORDER BY TIME DESC LIMIT %ld", limit);
	long n = 0;
	for (int64_t i = 0; i < b - a && (limit < 0 || n < limit); i++) {
		int64_t t = desc ? b - 1 - i : a + i;
		if (!r->m.present[d][t] || (filter && r->m.value[d][t] <= vmin))
			continue;
		bprintf(&r->exp, "%" PRId64 "\t", t);
		put_double(&r->exp, (double)r->m.value[d][t]);
		buf_put_u8(&r->exp, '\n');
		n++;
	}
	char header[64];
	snprintf(header, sizeof header, "Time\troot.rnd.d%d.s", d);
	return rnd_check(r, header);
}

/* count, sum, max_value, min_value, first_value, last_value, max_time,
 * min_time of device d over [a, b) into r->exp (one line, no time). */
static void expect_aggs(rnd_t *r, int d, int64_t a, int64_t b)
{
	int64_t cnt = 0, mx = 0, mn = 0, first = 0, last = 0, tmin = 0, tmax = 0;
	double sum = 0;
	for (int64_t t = a; t < b; t++) {
		if (!r->m.present[d][t])
			continue;
		int64_t v = r->m.value[d][t];
		if (!cnt) {
			mx = mn = first = v;
			tmin = t;
		}
		mx = LR_MAX(mx, v);
		mn = LR_MIN(mn, v);
		last = v;
		tmax = t;
		sum += (double)v;
		cnt++;
	}
	bprintf(&r->exp, "%" PRId64, cnt);
	if (!cnt) {
		bprintf(&r->exp, "\tnull\tnull\tnull\tnull\tnull\tnull\tnull");
		return;
	}
	const double vals[] = {sum, (double)mx, (double)mn, (double)first, (double)last};
	for (size_t i = 0; i < LR_ARRAY_LEN(vals); i++) {
		buf_put_u8(&r->exp, '\t');
		put_double(&r->exp, vals[i]);
	}
	bprintf(&r->exp, "\t%" PRId64 "\t%" PRId64, tmax, tmin);
}

static const char AGGS[] = "count(s), sum(s), max_value(s), min_value(s), first_value(s), "
			   "last_value(s), max_time(s), min_time(s)";

static void agg_header(char *h, size_t cap, int d, int with_time)
{
	static const char *const fn[] = {"count", "sum", "max_value", "min_value", "first_value",
					 "last_value", "max_time", "min_time"};
	size_t n = (size_t)snprintf(h, cap, "%s", with_time ? "Time" : "");
	for (size_t i = 0; i < LR_ARRAY_LEN(fn); i++)
		n += (size_t)snprintf(h + n, cap - n, "%s%s(root.rnd.d%d.s)", n ? "\t" : "", fn[i], d);
}

static int op_aggregate(rnd_t *r, int d)
{
	int64_t a = rnd_range(r, 0, R_TIMES - 1), b = rnd_range(r, a + 1, R_TIMES);
	char header[512];
	if (rnd_range(r, 0, 1)) {
		bprintf(&r->sql, "SELECT %s FROM root.rnd.d%d WHERE time >= %" PRId64 " AND time < %" PRId64,
			AGGS, d, a, b);
		expect_aggs(r, d, a, b);
		buf_put_u8(&r->exp, '\n');
		agg_header(header, sizeof header, d, 0);
		return rnd_check(r, header);
	}
	int64_t w = rnd_range(r, 1, 100);
	bprintf(&r->sql, "SELECT %s FROM root.rnd.d%d GROUP BY ([%" PRId64 ", %" PRId64 "), %" PRId64 "ms)",
		AGGS, d, a, b, w);
	for (int64_t t = a; t < b; t += w) {
		bprintf(&r->exp, "%" PRId64 "\t", t);
		expect_aggs(r, d, t, LR_MIN(t + w, b));
		buf_put_u8(&r->exp, '\n');
	}
	agg_header(header, sizeof header, d, 1);
	return rnd_check(r, header);
}

static int op_last(rnd_t *r, int d)
{
	bprintf(&r->sql, "SELECT last s FROM root.rnd.d%d", d);
	for (int64_t t = R_TIMES - 1; t >= 0; t--)
		if (r->m.present[d][t]) {
			bprintf(&r->exp, "%" PRId64 "\troot.rnd.d%d.s\t", t, d);
			put_double(&r->exp, (double)r->m.value[d][t]);
			bprintf(&r->exp, "\tDOUBLE\n");
			break;
		}
	return rnd_check(r, "Time\tTimeseries\tValue\tDataType");
}

static int rnd_open(rnd_t *r)
{
	larch_error_t err = {0};
	if (larch_open(r->dir, &r->opt, &r->db, &err) != LARCH_OK) {
		printf("random: open %s: %s\n", r->dir, err.msg);
		return 1;
	}
	return 0;
}

/* One random operation; returns 0 when it matched the model. */
static int rnd_step(rnd_t *r)
{
	int d = (int)rnd_range(r, 0, R_DEVICES - 1);
	int64_t k = rnd_range(r, 0, 99);
	if (k < 35)
		return op_insert(r);
	if (k < 43)
		return op_delete(r);
	if (k < 47) {
		bprintf(&r->sql, "FLUSH");
		return rnd_check(r, NULL);
	}
	if (k < 48) {
		larch_error_t err = {0};
		int rc = larch_close(r->db, &err);
		r->db = NULL;
		if (rc != LARCH_OK)
			printf("random: close: %s\n", err.msg);
		return rc != LARCH_OK || rnd_open(r);
	}
	if (k < 68)
		return op_raw(r, d);
	if (k < 90)
		return op_aggregate(r, d);
	return op_last(r, d);
}

int random_main(uint64_t seed, long n_ops, int verbose)
{
	rnd_t r = {.s = seed * 0x9E3779B97F4A7C15ull + 1, .verbose = verbose};
	int failed = 1;
	larch_options_default(&r.opt);
	r.opt.wal_mode = LARCH_WAL_OFF;
	r.opt.memtable_bytes = 64 * 1024;   /* small: many flushes of its own */
	r.arena = arena_new(0);
	if (!r.arena || tmpdir_make(r.dir, sizeof r.dir) != 0 || rnd_open(&r) != 0)
		goto done;
	bprintf(&r.sql, "CREATE DATABASE root.rnd");
	if (rnd_check(&r, NULL))
		goto done;
	for (int d = 0; d < R_DEVICES; d++) {
		bprintf(&r.sql, "CREATE TIMESERIES root.rnd.d%d.s DOUBLE", d);
		if (rnd_check(&r, NULL))
			goto done;
	}
	for (r.op = 1; r.op <= n_ops; r.op++) {
		if (rnd_step(&r))
			goto done;
		if (r.op % 256 == 0)
			arena_reset(r.arena);
	}
	failed = 0;
done:
	if (r.db) {
		larch_error_t err = {0};
		larch_close(r.db, &err);
	}
	printf("random: seed %" PRIu64 ", %ld operations: %s\n", seed, failed ? r.op : n_ops,
	       failed ? "FAILED" : "passed");
	if (r.dir[0])
		tmpdir_remove(r.dir);
	arena_free(r.arena);
	buf_free(&r.sql);
	buf_free(&r.exp);
	return failed;
}
