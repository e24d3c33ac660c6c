/*
 * query_bench.c — SELECT through query_select over schema + storage in a
 * temporary directory; prints figures, asserts nothing.
 *
 *   query_bench [million_points] [dir]      (defaults: 100, /tmp)
 *
 *   count/avg   select count(s0), avg(s0) over N flushed points (answered
 *               from chunk/page statistics; target < 50 ms at 100 M)
 *   group by    one hour of 1 s data in the memtable, 1-minute windows
 *               (target < 1 ms)
 *   raw scan    select s0 over the N points, every block walked
 *               (target >= 100 M points/s)
 *   last        select last over 10 000 series (target < 10 ms)
 *
 * Each query runs several times; the best time is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "query/query.h"

#define CHUNK (1u << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const larch_error_t *err)
{
	fprintf(stderr, "query_bench: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static uint32_t mk(schema_t *s, const char *path, tsfile_type_t t)
{
	schema_meas_def_t def = { 0 };
	larch_error_t err = { 0 };
	uint32_t sid;

	def.type = t;
	def.encoding = -1;
	def.codec = -1;
	if (schema_series_create(s, path, &def, &sid, &err))
		die("create series", &err);
	return sid;
}

static void write_points(storage_t *st, const char *db, const char *dev, const char *meas,
			 uint32_t sid, int64_t t0, int64_t dt, uint64_t n)
{
	int64_t *times = malloc(CHUNK * sizeof(int64_t));
	double *vals = malloc(CHUNK * sizeof(double));
	larch_error_t err = { 0 };

	for (uint64_t done = 0; done < n;) {
		size_t k = (size_t)LR_MIN((uint64_t)CHUNK, n - done);
		for (size_t i = 0; i < k; i++) {
			times[i] = t0 + (int64_t)(done + i) * dt;
			vals[i] = (double)((done + i) % 1000);
		}
		storage_column_t c = { sid, meas, TSFILE_DOUBLE, -1, -1, vals, NULL };
		storage_write_t w = { db, dev, 0, 0, k, times, 1, &c };
		if (storage_write(st, &w, &err))
			die("write", &err);
		done += k;
	}
	free(times);
	free(vals);
}

/* The first INT64 value of the last aggregate result (shown as a check). */
static int64_t first_i64;

/* Run sql `reps` times; returns the best seconds and the rows/values seen. */
static double run(const query_ctx_t *ctx, const char *sql, int reps, uint64_t *rows)
{
	double best = 1e30;

	for (int r = 0; r < reps; r++) {
		arena_t *a = arena_new(0);
		ast_stmt_t *stm;
		query_result_t *res;
		const larch_block_t *b;
		larch_error_t err = { 0 };
		double t0 = now_s();
		uint64_t n = 0;
		if (ast_parse(sql, strlen(sql), a, &stm, &err) ||
		    query_select(ctx, stm->select, &res, &err))
			die(sql, &err);
		int rc;
		while ((rc = query_result_next(res, &b, &err)) == LARCH_OK) {
			if (!n && !b->times && b->n_columns && b->columns[0].type == TSFILE_INT64)
				first_i64 = ((const int64_t *)b->columns[0].values)[0];
			n += b->n_rows;
		}
		if (rc != LARCH_DONE)
			die(sql, &err);
		query_result_free(res);
		double dt = now_s() - t0;
		best = dt < best ? dt : best;
		*rows = n;
		arena_free(a);
	}
	return best;
}

int main(int argc, char **argv)
{
	uint64_t n = (argc > 1 ? strtoull(argv[1], NULL, 10) : 100) * 1000000ull;
	const char *base = argc > 2 ? argv[2] : "/tmp";
	char dir[512], cmd[600];
	schema_t *schema;
	storage_t *st;
	storage_options_t o;
	larch_error_t err = { 0 };
	uint64_t rows;

	snprintf(dir, sizeof(dir), "%s/larch_query_bench_XXXXXX", base);
	if (!mkdtemp(dir))
		die("mkdtemp", NULL);
	storage_options_default(&o);
	o.wal_mode = STORAGE_WAL_OFF;
	o.compaction = 0;
	if (schema_open(NULL, NULL, &schema, &err) || storage_open(dir, &o, &st, &err))
		die("open", &err);
	query_ctx_t ctx = { schema, st, 0, NULL, 0 };

	/* N points, 1 ms apart, flushed */
	uint32_t sid = mk(schema, "root.bench.d0.s0", TSFILE_DOUBLE);
	double t0 = now_s();
	write_points(st, "root.bench", "root.bench.d0", "s0", sid, 0, 1, n);
	if (storage_flush(st, &err))
		die("flush", &err);
	printf("setup: %.1f M points written and flushed in %.1f s\n", (double)n / 1e6,
	       now_s() - t0);

	double t = run(&ctx, "select count(s0), avg(s0) from root.bench.d0", 5, &rows);
	printf("count/avg over %.0f M points (statistics): %.2f ms, count = %lld (target < 50 ms)\n",
	       (double)n / 1e6, t * 1e3, (long long)first_i64);

	t = run(&ctx, "select s0 from root.bench.d0", 2, &rows);
	printf("raw scan: %llu points in %.3f s = %.1f M points/s (target >= 100)\n",
	       (unsigned long long)rows, t, (double)rows / t / 1e6);

	/* one hour of 1 s points in the memtable, 1-minute windows */
	uint32_t hot = mk(schema, "root.bench.d1.s0", TSFILE_DOUBLE);
	int64_t h0 = 1700000000000LL;
	write_points(st, "root.bench", "root.bench.d1", "s0", hot, h0, 1000, 3600);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "select avg(s0), max_value(s0), count(s0) from root.bench.d1 group by ([%lld, %lld), 1m)",
		 (long long)h0, (long long)(h0 + 3600000));
	t = run(&ctx, sql, 20, &rows);
	printf("group by 1 h / 1 min windows on hot data: %.3f ms, %llu rows (target < 1 ms)\n",
	       t * 1e3, (unsigned long long)rows);

	/* 10 000 series, one point each */
	for (int d = 0; d < 100; d++)
		for (int m = 0; m < 100; m++) {
			char path[64], dev[32], meas[16];
			snprintf(dev, sizeof(dev), "root.last.d%d", d);
			snprintf(meas, sizeof(meas), "s%d", m);
			snprintf(path, sizeof(path), "%s.%s", dev, meas);
			uint32_t s = mk(schema, path, TSFILE_DOUBLE);
			write_points(st, "root.last", dev, meas, s, d * 100 + m, 1, 1);
		}
	t = run(&ctx, "select last * from root.last.**", 10, &rows);
	printf("last over 10000 series: %.2f ms, %llu rows (target < 10 ms)\n", t * 1e3,
	       (unsigned long long)rows);

	storage_close(st, NULL);
	schema_close(schema, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
