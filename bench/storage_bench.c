/*
 * storage_bench — throughput of the storage engine (src/storage), in
 * process, on one writer thread.
 *
 *   storage_bench [DIR] [POINTS_MILLIONS]
 *
 * DIR (default /tmp) receives a fresh directory per run; POINTS_MILLIONS
 * (default 40) is the number of points ingested per ingest run.
 *
 * Prints, one line each:
 *   ingest   tablets of 100 rows x 500 sensors (DOUBLE), 10 devices written
 *            round-robin; aligned and non-aligned; WAL ASYNC and SYNC;
 *            rows in order, and with 20 % of the rows out of order (an
 *            earlier time, mostly older than what was already flushed).
 *            "ack" is points / time until the last write returned;
 *            "flushed" adds the time until storage_flush had everything in
 *            TsFiles.  Then bytes per point on disk (TsFiles).
 *   scan     one flushed series read back through storage_read, points/s;
 *            COUNT over it from summaries (STORAGE_READ_SUMMARIES, decoding
 *            only what is not summarized), points/s; the time to the first
 *            block of a descending read (ORDER BY TIME DESC LIMIT n)
 *   recovery WAL written by a child that exits without closing, replayed
 *            by storage_open: MB of WAL per second
 * Times are wall-clock; the machine's other load affects them.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storage/storage_int.h"

#define ROWS 100
#define SENSORS 500
#define DEVICES 10
#define DB "root.bench"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void die(const char *what, const larch_error_t *err)
{
	fprintf(stderr, "storage_bench: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

typedef struct scan {
	double decode, summaries;  /* points/s */
	uint64_t decoded;          /* points the summary read decoded */
	double desc_first;         /* seconds to the first descending block */
} scan_t;

/* Count the points of a read: every block (flags 0), summaries where
 * offered, or only the first block (STORAGE_READ_DESC).  Returns points/s;
 * *decoded (may be NULL) receives the points yielded as blocks. */
static double scan_count(storage_t *s, const storage_read_t *req, unsigned flags,
			 uint64_t *decoded)
{
	larch_error_t err = {0};
	storage_cursor_t *c;
	const storage_block_t *b;
	storage_summary_t sum;
	uint64_t n = 0, nd = 0;
	double a = now();
	if (storage_read_flags(s, req, flags, &c, &err))
		die("read", &err);
	for (;;) {
		if ((flags & STORAGE_READ_SUMMARIES) &&
		    storage_cursor_peek_summary(c, &sum, &err) == LARCH_OK) {
			n += sum.count;
			if (storage_cursor_skip(c, &err))
				die("skip", &err);
			continue;
		}
		if (storage_cursor_next(c, &b, &err) != LARCH_OK)
			break;
		n += b->n_rows;
		nd += b->n_rows;
		if (flags & STORAGE_READ_DESC)
			break;
	}
	storage_cursor_free(c);
	if (decoded)
		*decoded = nd;
	return (double)n / (now() - a);
}

/* One tablet: times plus SENSORS columns of doubles (random walks). */
typedef struct tablet {
	int64_t times[ROWS];
	double vals[SENSORS][ROWS];
	char names[SENSORS][8];
	storage_column_t cols[SENSORS];
	double level[DEVICES][SENSORS];
	int64_t next[DEVICES];  /* next in-order time per device */
	char dev[DEVICES][32];
} tablet_t;

static void tablet_init(tablet_t *tb)
{
	for (int k = 0; k < SENSORS; k++) {
		snprintf(tb->names[k], sizeof tb->names[k], "s%d", k);
		tb->cols[k] = (storage_column_t){(uint32_t)k + 1, tb->names[k], TSFILE_DOUBLE, -1, -1,
						 tb->vals[k], NULL};
	}
	for (int d = 0; d < DEVICES; d++) {
		snprintf(tb->dev[d], sizeof tb->dev[d], DB ".d%d", d);
		tb->next[d] = 1700000000000LL;
		for (int k = 0; k < SENSORS; k++)
			tb->level[d][k] = (double)(rnd() % 1000);
	}
}

/* Fill the tablet of device d: 10 ms apart, ooo_pct % of the rows out of
 * order (up to 20 s back). */
static void tablet_fill(tablet_t *tb, int d, int ooo_pct)
{
	for (int i = 0; i < ROWS; i++) {
		if (ooo_pct && (int)(rnd() % 100) < ooo_pct)
			tb->times[i] = tb->next[d] - 10 - (int64_t)(rnd() % 2000) * 10;
		else
			tb->times[i] = (tb->next[d] += 10);
	}
	for (int k = 0; k < SENSORS; k++) {
		double x = tb->level[d][k];
		for (int i = 0; i < ROWS; i++) {
			x += (double)((int)(rnd() % 21) - 10) * 0.01;
			tb->vals[k][i] = x;
		}
		tb->level[d][k] = x;
	}
}

static uint64_t dir_bytes(storage_t *s)
{
	storage_stats_t st;
	storage_stats(s, &st);
	return st.file_bytes;
}

static void mkfresh(char *out, size_t cap, const char *base, const char *name)
{
	snprintf(out, cap, "%s/larch-bench-%s-%d", base, name, (int)getpid());
	dir_remove_tree(out, NULL);
}

static void run_ingest(const char *base, long points, int aligned, storage_wal_mode_t mode,
		       int ooo, tablet_t *tb, scan_t *scan)
{
	char dir[512];
	larch_error_t err = {0};
	mkfresh(dir, sizeof dir, base, "ingest");
	storage_options_t o;
	storage_options_default(&o);
	o.wal_mode = mode;
	o.compaction = 0;
	storage_t *s;
	if (storage_open(dir, &o, &s, &err))
		die("open", &err);
	tablet_init(tb);
	long tablets = points / (ROWS * SENSORS);
	double t0 = now(), gen = 0;
	for (long i = 0; i < tablets; i++) {
		int d = (int)(i % DEVICES);
		double g0 = now();
		tablet_fill(tb, d, ooo);
		gen += now() - g0;
		storage_write_t w = {DB, tb->dev[d], (uint64_t)d, aligned, ROWS, tb->times, SENSORS,
				     tb->cols};
		if (storage_write(s, &w, &err))
			die("write", &err);
	}
	double t1 = now();
	if (storage_flush(s, &err))
		die("flush", &err);
	double t2 = now();
	storage_stats_t st;
	storage_stats(s, &st);
	double ack = (double)st.points_written / (t1 - t0 - gen);
	double flushed = (double)st.points_written / (t2 - t0 - gen);
	printf("ingest   %-11s %-5s %-10s %6.1f M points/s ack  %6.1f M points/s flushed  "
	       "%5.2f bytes/point  (%llu stalls)\n",
	       aligned ? "aligned" : "non-aligned", mode == STORAGE_WAL_SYNC ? "SYNC" : "ASYNC",
	       ooo ? "20% ooo" : "in order", ack / 1e6, flushed / 1e6,
	       (double)dir_bytes(s) / (double)st.points_written,
	       (unsigned long long)st.write_stalls);
	fflush(stdout);
	if (scan) {
		/* one series of one device, from its TsFiles */
		storage_series_ref_t ref = {NULL, 1, "s0", TSFILE_DOUBLE};
		storage_read_t req = {DB, tb->dev[0], &ref, 1, aligned, INT64_MIN, INT64_MAX};
		scan->decode = scan->summaries = 0;
		scan->desc_first = 1e9;
		for (int rep = 0; rep < 3; rep++) {
			double r = scan_count(s, &req, 0, NULL);
			scan->decode = r > scan->decode ? r : scan->decode;
			r = scan_count(s, &req, STORAGE_READ_SUMMARIES, &scan->decoded);
			scan->summaries = r > scan->summaries ? r : scan->summaries;
			double a = now();
			scan_count(s, &req, STORAGE_READ_DESC, NULL);
			r = now() - a;
			scan->desc_first = r < scan->desc_first ? r : scan->desc_first;
		}
	}
	if (storage_close(s, &err))
		die("close", &err);
	dir_remove_tree(dir, NULL);
}

static void run_recovery(const char *base, long points, tablet_t *tb)
{
	char dir[512];
	larch_error_t err = {0};
	mkfresh(dir, sizeof dir, base, "recovery");
	storage_options_t o;
	storage_options_default(&o);
	o.compaction = 0;
	o.memtable_bytes = (uint64_t)64 << 30; /* nothing flushed: all in the WAL */
	pid_t pid = fork();
	if (pid == 0) {
		storage_t *s;
		if (storage_open(dir, &o, &s, &err))
			_exit(1);
		tablet_init(tb);
		for (long i = 0; i < points / (ROWS * SENSORS); i++) {
			int d = (int)(i % DEVICES);
			tablet_fill(tb, d, 0);
			storage_write_t w = {DB, tb->dev[d], (uint64_t)d, 0, ROWS, tb->times, SENSORS,
					     tb->cols};
			if (storage_write(s, &w, &err))
				_exit(2);
		}
		_exit(0); /* no close: the WAL holds everything */
	}
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("recovery child", NULL);
	storage_t *s;
	double t0 = now();
	if (storage_open(dir, &o, &s, &err))
		die("recovery open", &err);
	double t1 = now();
	storage_stats_t st;
	storage_stats(s, &st);
	printf("recovery %.0f MB of WAL (%llu records) replayed in %.3f s: %.0f MB/s "
	       "(open total %.3f s)\n",
	       (double)st.recovered_bytes / 1e6, (unsigned long long)st.recovered_records,
	       st.recovery_seconds, (double)st.recovered_bytes / 1e6 / st.recovery_seconds,
	       t1 - t0);
	storage_close(s, &err);
	dir_remove_tree(dir, NULL);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	long points = (argc > 2 ? atol(argv[2]) : 40) * 1000000L;
	tablet_t *tb = malloc(sizeof(*tb));
	if (!tb || points <= 0)
		die("arguments", NULL);
	printf("storage_bench: %ld points per run, tablets of %d rows x %d DOUBLE sensors, "
	       "%d devices, in %s\n", points, ROWS, SENSORS, DEVICES, base);
	scan_t scan = {0};
	for (int aligned = 0; aligned < 2; aligned++)
		for (int mode = 0; mode < 2; mode++)
			for (int ooo = 0; ooo < 2; ooo++)
				run_ingest(base, points, aligned,
					   mode ? STORAGE_WAL_SYNC : STORAGE_WAL_ASYNC, ooo ? 20 : 0, tb,
					   !aligned && !mode && !ooo ? &scan : NULL);
	printf("scan     one flushed non-aligned DOUBLE series: %.1f M points/s decoded, "
	       "COUNT from summaries %.1f M points/s (%llu points decoded), first block "
	       "newest-first in %.3f ms\n", scan.decode / 1e6, scan.summaries / 1e6,
	       (unsigned long long)scan.decoded, scan.desc_first * 1e3);
	run_recovery(base, points, tb);
	free(tb);
	return 0;
}
