/*
 * wal_bench.c — throughput of the write-ahead log (src/storage/wal*.c).
 *
 *   wal_bench [SECONDS_PER_CASE]     (default 2)
 *
 * Appends: for each mode (SYNC, ASYNC, OFF), 1 and 8 threads, and record
 * sizes of 100 B and 64 KiB, threads append for the given time into a fresh
 * WAL; the figures count wal_close (the final fsync) in the elapsed time.
 * Printed: records/s, payload MB/s, fsync calls and appends per fsync (the
 * group commit factor); first, for comparison, the MB/s of plain 64 KiB
 * write(2) calls to one file.  Replay: a WAL of 64 KiB records (512 MiB) and one
 * of 100 B records (1.6 M) are written, then replayed with the page cache
 * warm; printed: MB/s of segment bytes read and records/s.
 *
 * Files go to a fresh directory under $TMPDIR (default /tmp), removed at
 * the end.  No figure is asserted; this program only measures.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "storage/wal.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char p[4096];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void die(const char *what, const larch_error_t *err)
{
	fprintf(stderr, "wal_bench: %s: %d %s\n", what, err->code, err->msg);
	exit(1);
}

typedef struct worker {
	wal_t *w;
	size_t size;
	atomic_int *stop;
	uint64_t n;
} worker_t;

static void *worker_main(void *arg)
{
	worker_t *k = arg;
	uint8_t *buf = malloc(k->size);
	if (!buf)
		exit(1);
	for (size_t i = 0; i < k->size; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	while (!atomic_load_explicit(k->stop, memory_order_relaxed)) {
		larch_error_t err = {0};
		if (wal_append(k->w, buf, k->size, NULL, &err) != LARCH_OK)
			die("append", &err);
		k->n++;
	}
	free(buf);
	return NULL;
}

static const char *mode_name(wal_mode_t m)
{
	return m == WAL_SYNC ? "SYNC" : m == WAL_ASYNC ? "ASYNC" : "OFF";
}

static void bench_append(const char *base, wal_mode_t mode, int threads, size_t size,
			 double seconds)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/append", base);
	wal_options_t o = {mode, 0, 0};
	wal_t *w;
	larch_error_t err = {0};
	if (wal_open(dir, &o, &w, &err) != LARCH_OK)
		die("open", &err);
	atomic_int stop = 0;
	worker_t k[8];
	pthread_t th[8];
	double t0 = now_s();
	for (int i = 0; i < threads; i++) {
		k[i] = (worker_t){w, size, &stop, 0};
		pthread_create(&th[i], NULL, worker_main, &k[i]);
	}
	struct timespec d = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	nanosleep(&d, NULL);
	atomic_store(&stop, 1);
	uint64_t n = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		n += k[i].n;
	}
	wal_stats_t st;
	wal_stats(w, &st);
	if (wal_close(w, &err) != LARCH_OK)
		die("close", &err);
	double t = now_s() - t0;
	if (mode == WAL_OFF) {
		printf("append %-5s %d thr %6zu B: %10.0f rec/s  (LSNs only, nothing written)\n",
		       mode_name(mode), threads, size, (double)n / t);
	} else {
		uint64_t fsyncs = st.fsyncs + 1; /* + close's */
		printf("append %-5s %d thr %6zu B: %10.0f rec/s %8.1f MB/s  fsyncs %7llu  "
		       "appends/fsync %7.1f\n",
		       mode_name(mode), threads, size, (double)n / t,
		       (double)n * (double)size / t / 1e6, (unsigned long long)fsyncs,
		       (double)n / (double)fsyncs);
	}
	fflush(stdout);
	rm_dir(dir);
}

/* The disk's own figure for comparison: plain 64 KiB write(2)s to one
 * file for the same time, then one fdatasync. */
static void bench_raw_write(const char *base, double seconds)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/raw", base);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("open");
		exit(1);
	}
	static uint8_t buf[65536];
	memset(buf, 0x5a, sizeof buf);
	uint64_t n = 0;
	double t0 = now_s();
	while (now_s() - t0 < seconds) {
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
			perror("write");
			exit(1);
		}
		n++;
	}
	fdatasync(fd);
	double t = now_s() - t0;
	close(fd);
	unlink(path);
	printf("baseline: plain write(2) of 64 KiB + final fdatasync: %8.1f MB/s\n",
	       (double)n * sizeof buf / t / 1e6);
	fflush(stdout);
}

static int count_cb(void *ctx, uint64_t lsn, const uint8_t *rec, size_t len)
{
	(void)lsn;
	uint64_t *sum = ctx;
	sum[0]++;
	sum[1] += rec[len - 1]; /* touch the record */
	return 0;
}

static void bench_replay(const char *base, size_t size, uint64_t records)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/replay", base);
	wal_options_t o = {WAL_ASYNC, 0, 0};
	wal_t *w;
	larch_error_t err = {0};
	if (wal_open(dir, &o, &w, &err) != LARCH_OK)
		die("open", &err);
	uint8_t *buf = malloc(size);
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 31 + 1);
	for (uint64_t i = 0; i < records; i++)
		if (wal_append(w, buf, size, NULL, &err) != LARCH_OK)
			die("append", &err);
	free(buf);
	if (wal_close(w, &err) != LARCH_OK)
		die("close", &err);
	for (int pass = 0; pass < 2; pass++) { /* the first pass warms the cache */
		uint64_t sum[2] = {0, 0}, bytes = 0;
		double t0 = now_s();
		if (wal_replay(dir, 0, count_cb, sum, &bytes, &err) != LARCH_OK)
			die("replay", &err);
		double t = now_s() - t0;
		if (sum[0] != records) {
			fprintf(stderr, "wal_bench: replayed %llu of %llu records\n",
				(unsigned long long)sum[0], (unsigned long long)records);
			exit(1);
		}
		if (pass == 1)
			printf("replay %6zu B records: %8.1f MB/s  %10.0f rec/s  (%llu MiB, warm "
			       "cache)\n", size, (double)bytes / t / 1e6, (double)records / t,
			       (unsigned long long)(bytes >> 20));
	}
	fflush(stdout);
	rm_dir(dir);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	if (seconds <= 0)
		seconds = 2.0;
	const char *tmp = getenv("TMPDIR");
	char base[3072];
	snprintf(base, sizeof base, "%s/larch-wal-bench-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	printf("wal_bench: %.1f s per case, files in %s\n", seconds, base);
	const wal_mode_t modes[] = {WAL_SYNC, WAL_ASYNC, WAL_OFF};
	const int threads[] = {1, 8};
	const size_t sizes[] = {100, 65536};
	bench_raw_write(base, seconds);
	for (size_t m = 0; m < 3; m++)
		for (size_t t = 0; t < 2; t++)
			for (size_t s = 0; s < 2; s++)
				bench_append(base, modes[m], threads[t], sizes[s], seconds);
	bench_replay(base, 65536, 8192);
	bench_replay(base, 100, 1600000);
	rmdir(base);
	return 0;
}
