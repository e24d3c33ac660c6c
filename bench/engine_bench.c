/*
 * engine_bench — in-process figures of the embedded engine (include/larch/larch.h).
 *
 *   engine_bench [DIR] [MILLION_POINTS]      (defaults: /tmp, 20)
 *
 * Ingest: tablets of 100 rows x 500 DOUBLE sensors through
 * larch_insert_tablet on one writer thread, aligned and non-aligned, WAL in
 * async and sync mode, in order and with 20 % of rows out of order.  Two
 * rates per case: acknowledged (the inserts alone) and sustained (until
 * larch_close has flushed everything to TsFiles).  Then the scan rate of a
 * flushed series through larch_read_series after a reopen (cold: the first
 * read loads the files' indexes; then again), and bytes per point on disk.
 * Recovery: a child process ingests with the WAL and dies without closing;
 * the parent times larch_open replaying it (MB of WAL per second).  Memory:
 * 1 M series created by inserts (2000 devices x 500 sensors), live bytes
 * per series from the allocator front door once flushed, and the growth of
 * the resident set.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "larch/larch.h"

enum { ROWS = 100, SENSORS = 500 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t dir_bytes;
static const char *size_suffix = ".tsfile";
static int add_size(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	size_t n = strlen(p), k = strlen(size_suffix);
	if (flag == FTW_F && n > k && !strcmp(p + n - k, size_suffix))
		dir_bytes += (uint64_t)st->st_size;
	return 0;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

typedef struct bench_case {
	const char *name;
	int aligned;
	larch_wal_mode_t wal;
	int out_of_order;
} bench_case_t;

static void die(const larch_error_t *err)
{
	fprintf(stderr, "engine_bench: %s\n", err->msg);
	exit(1);
}

static void run_case(const char *base, const bench_case_t *bc, uint64_t points, int scan)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/larch-engine-bench-%d", base, (int)getpid());
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	larch_options_t opt;
	larch_options_default(&opt);
	opt.wal_mode = bc->wal;
	larch_db_t *db;
	larch_error_t err = {0};
	if (larch_open(dir, &opt, &db, &err))
		die(&err);
	static double values[SENSORS][ROWS];
	static char names[SENSORS][16];
	static tsfile_column_t cols[SENSORS];
	int64_t times[ROWS];
	for (int s = 0; s < SENSORS; s++) {
		snprintf(names[s], sizeof names[s], "s%d", s);
		cols[s] = (tsfile_column_t){names[s], TSFILE_DOUBLE, values[s], NULL};
	}
	uint64_t tablets = points / (ROWS * SENSORS), seed = 1;
	int64_t t = 1700000000000;
	double t0 = now();
	for (uint64_t k = 0; k < tablets; k++) {
		for (int r = 0; r < ROWS; r++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			/* 20 % of rows go back in time (out of order) */
			times[r] = bc->out_of_order && (seed >> 33) % 5 == 0
					   ? t - 1000 * (int64_t)(1 + (seed >> 40) % 100000)
					   : (t += 1000);
			for (int s = 0; s < SENSORS; s++)
				values[s][r] = 20.0 + sin((double)(k * ROWS + (uint64_t)r) / 300.0 + s);
		}
		tsfile_tablet_t tab = {"root.bench.d1", ROWS, times, SENSORS, cols};
		if (larch_insert_tablet(db, &tab, bc->aligned, &err))
			die(&err);
	}
	double t1 = now();
	if (larch_close(db, &err))
		die(&err);
	double t2 = now();
	uint64_t n = tablets * ROWS * SENSORS;
	dir_bytes = 0;
	nftw(dir, add_size, 16, FTW_PHYS);
	printf("%-38s %8.1f M/s acknowledged %8.1f M/s sustained  %5.2f B/pt\n", bc->name,
	       (double)n / (t1 - t0) / 1e6, (double)n / (t2 - t0) / 1e6, (double)dir_bytes / (double)n);
	if (scan) {
		if (larch_open(dir, &opt, &db, &err))
			die(&err);
		/* cold: the first read after open loads the files' indexes too */
		for (int pass = 0; pass < 2; pass++) {
			larch_iter_t *it;
			double s0 = now();
			if (larch_read_series(db, "root.bench.d1.s0", INT64_MIN, INT64_MAX, &it, &err))
				die(&err);
			uint64_t seen = 0;
			double sum = 0;
			while (larch_iter_next(it, &err) == LARCH_OK) {
				const larch_block_t *b = larch_iter_block(it);
				const double *v = b->columns[0].values;
				for (size_t i = 0; i < b->n_rows; i++)
					sum += v[i];
				seen += b->n_rows;
			}
			double s1 = now();
			larch_iter_free(it);
			printf("%-38s %8.1f M points/s (%llu points, checksum %.1f)\n",
			       pass ? "scan of a flushed series, again" : "scan of a flushed series (cold)",
			       (double)seen / (s1 - s0) / 1e6, (unsigned long long)seen, sum);
		}
		larch_close(db, &err);
	}
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Ingest `points` in a child that exits without closing, then time the
 * reopen that replays its WAL. */
static void run_recovery(const char *base, uint64_t points)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/larch-engine-recovery-%d", base, (int)getpid());
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	larch_options_t opt;
	larch_options_default(&opt);
	opt.memtable_bytes = 1ull << 40; /* keep everything in the WAL */
	opt.memory_budget = 16ull << 30;
	larch_error_t err = {0};
	pid_t pid = fork();
	if (pid == 0) {
		larch_db_t *db;
		if (larch_open(dir, &opt, &db, &err))
			die(&err);
		static double values[SENSORS][ROWS];
		static char names[SENSORS][16];
		static tsfile_column_t cols[SENSORS];
		int64_t times[ROWS], t = 0;
		for (int s = 0; s < SENSORS; s++) {
			snprintf(names[s], sizeof names[s], "s%d", s);
			cols[s] = (tsfile_column_t){names[s], TSFILE_DOUBLE, values[s], NULL};
		}
		for (uint64_t k = 0; k < points / (ROWS * SENSORS); k++) {
			for (int r = 0; r < ROWS; r++)
				times[r] = t += 1000;
			tsfile_tablet_t tab = {"root.rec.d1", ROWS, times, SENSORS, cols};
			if (larch_insert_tablet(db, &tab, 1, &err))
				die(&err);
		}
		_exit(0); /* no close: the data lives only in the WAL */
	}
	waitpid(pid, NULL, 0);
	dir_bytes = 0;
	size_suffix = ".log";
	nftw(dir, add_size, 16, FTW_PHYS);
	size_suffix = ".tsfile";
	larch_db_t *db;
	double t0 = now();
	if (larch_open(dir, &opt, &db, &err))
		die(&err);
	double t1 = now();
	printf("%-38s %8.1f MB/s (%.1f MB of WAL in %.3f s)\n", "recovery (WAL replay on open)",
	       (double)dir_bytes / (t1 - t0) / 1e6, (double)dir_bytes / 1e6, t1 - t0);
	larch_close(db, &err);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Resident set size of this process, bytes (0 if unknown). */
static uint64_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtoull(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb * 1024;
}

/* 1 M series created by inserts; live bytes per series (the allocator's
 * count) and the growth of the resident set, before and after the flush. */
static void run_memory(const char *base)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/larch-engine-memory-%d", base, (int)getpid());
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	larch_db_t *db;
	larch_error_t err = {0};
	larch_options_t opt;
	larch_options_default(&opt);
	opt.wal_mode = LARCH_WAL_OFF;
	if (larch_open(dir, &opt, &db, &err))
		die(&err);
	if (larch_flush(db, &err))
		die(&err);
	size_t before = mem_used();
	uint64_t rss0 = rss_bytes();
	static double values[SENSORS];
	static char names[SENSORS][16];
	static tsfile_column_t cols[SENSORS];
	for (int s = 0; s < SENSORS; s++) {
		snprintf(names[s], sizeof names[s], "s%d", s);
		cols[s] = (tsfile_column_t){names[s], TSFILE_DOUBLE, &values[s], NULL};
	}
	int64_t t = 1;
	for (int d = 0; d < 2000; d++) {
		char dev[64];
		snprintf(dev, sizeof dev, "root.mem.g%d.d%d", d / 100, d);
		tsfile_tablet_t tab = {dev, 1, &t, SENSORS, cols};
		if (larch_insert_tablet(db, &tab, 0, &err))
			die(&err);
	}
	size_t unflushed = mem_used();
	uint64_t rss1 = rss_bytes();
	if (larch_flush(db, &err)) /* data to files: what stays is the schema */
		die(&err);
	size_t after = mem_used();
	uint64_t rss2 = rss_bytes();
	/* a background compaction of the flushed files may be running: wait
	 * until memory stops changing (1 s) to see what stays */
	size_t settled = after, last = after;
	for (int stable = 0, i = 0; stable < 5 && i < 150; i++) {
		usleep(200000);
		settled = mem_used();
		stable = settled == last ? stable + 1 : 0;
		last = settled;
	}
	printf("%-38s %8.1f bytes/series (1 M series after flush: schema + storage + engine)\n",
	       "memory per series", (double)(after - before) / 1e6);
	printf("%-38s %8.1f bytes/series once background work settled\n", "",
	       (double)(settled - before) / 1e6);
	printf("%-38s %8.1f bytes/series in memtables; resident set +%.0f MB before flush, "
	       "+%.0f MB after\n", "  (1 point each, unflushed)", (double)(unflushed - before) / 1e6,
	       (double)(rss1 - rss0) / 1e6, (double)(rss2 - rss0) / 1e6);
	larch_close(db, &err);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	uint64_t points = (uint64_t)(argc > 2 ? atof(argv[2]) : 20.0) * 1000000;
	static const bench_case_t cases[] = {
		{"aligned, async, in order", 1, LARCH_WAL_ASYNC, 0},
		{"aligned, async, 20% out of order", 1, LARCH_WAL_ASYNC, 1},
		{"aligned, sync, in order", 1, LARCH_WAL_SYNC, 0},
		{"non-aligned, async, in order", 0, LARCH_WAL_ASYNC, 0},
		{"non-aligned, async, 20% out of order", 0, LARCH_WAL_ASYNC, 1},
		{"non-aligned, sync, in order", 0, LARCH_WAL_SYNC, 0},
	};
	printf("engine_bench: %llu points per case, tablets of %d rows x %d DOUBLE sensors, "
	       "one writer thread\n", (unsigned long long)points, ROWS, SENSORS);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(base, &cases[i], points, i == 0);
	run_recovery(base, points);
	run_memory(base);
	return 0;
}
