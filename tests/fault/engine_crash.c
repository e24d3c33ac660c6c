/*
 * engine_crash — kill -9 the embedded engine at random moments and check
 * that nothing acknowledged is lost.
 *
 *   engine_crash DIR SECONDS SEED sync|async|off
 *
 * The parent forks a child that opens the database in DIR and runs random
 * operations forever: tablets into D devices x M measurements (aligned and
 * not, out-of-order rows, overwrites of existing points, nulls), deletions
 * of time ranges, and flushes; the memtable is small so flushes,
 * unsequence files and compaction happen on their own.  After each
 * operation returns LARCH_OK the child writes its number to a pipe.  Both
 * sides generate operation k from the same seeded generator, so the parent
 * knows what an acknowledged number means.
 *
 * At a random moment the parent sends SIGKILL, opens the database itself
 * and compares every series with its model.  The one operation that may
 * have been in flight (started, not acknowledged) may or may not be
 * visible; a point whose value differs from the model must be explained by
 * it.  The parent then adopts what it saw, closes, and starts a new child,
 * until SECONDS have passed.  In async mode the WAL is written to the OS
 * before the acknowledgement, so a process crash loses nothing either.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "larch/larch.h"

enum { DEVICES = 4, MEAS = 3, SPAN = 20000, MAX_ROWS = 200 };

typedef struct op {
	enum { OP_INSERT, OP_DELETE, OP_FLUSH } kind;
	int device;
	int n_rows;
	int64_t times[MAX_ROWS];
	uint8_t present[MEAS][MAX_ROWS];
	int meas;           /* delete: measurement */
	int64_t from, to;   /* delete: [from, to] */
} op_t;

static uint64_t rng_next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	uint64_t z = *s;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int64_t op_value(uint64_t k, int row, int m)
{
	return (int64_t)(k * 1000 + (uint64_t)row) * 10 + m;
}

/* Operation number k of run `seed` (the same on both sides). */
static void op_make(uint64_t seed, uint64_t k, op_t *op)
{
	uint64_t s = seed * 1000003 + k;
	uint64_t r = rng_next(&s) % 100;
	op->device = (int)(rng_next(&s) % DEVICES);
	if (r < 3) {
		op->kind = OP_FLUSH;
		return;
	}
	if (r < 10) {
		op->kind = OP_DELETE;
		op->meas = (int)(rng_next(&s) % MEAS);
		op->from = (int64_t)(rng_next(&s) % SPAN);
		op->to = op->from + (int64_t)(rng_next(&s) % 500);
		return;
	}
	op->kind = OP_INSERT;
	op->n_rows = 1 + (int)(rng_next(&s) % MAX_ROWS);
	int64_t base = (int64_t)((k * 37) % SPAN); /* times advance with k ... */
	for (int i = 0; i < op->n_rows; i++) {
		int64_t t = base + i;
		if (rng_next(&s) % 5 == 0) /* ... with 20 % out-of-order rows */
			t = (int64_t)(rng_next(&s) % SPAN);
		op->times[i] = t % SPAN;
		for (int m = 0; m < MEAS; m++)
			op->present[m][i] = rng_next(&s) % 4 != 0;
	}
	/* a tablet may not hold the same time twice: keep the first */
	for (int i = 0; i < op->n_rows; i++)
		for (int j = 0; j < i; j++)
			if (op->times[j] == op->times[i])
				for (int m = 0; m < MEAS; m++)
					op->present[m][i] = 0;
}

static void device_name(int d, char *buf, size_t n)
{
	snprintf(buf, n, "root.crash.d%d", d);
}

static int op_apply_db(larch_db_t *db, uint64_t k, const op_t *op, larch_error_t *err)
{
	char dev[64];
	device_name(op->device, dev, sizeof dev);
	if (op->kind == OP_FLUSH)
		return larch_flush(db, err);
	if (op->kind == OP_DELETE) {
		char path[96];
		snprintf(path, sizeof path, "%s.m%d", dev, op->meas);
		return larch_delete(db, path, op->from, op->to, err);
	}
	static int64_t vals[MEAS][MAX_ROWS];
	static uint8_t nulls[MEAS][MAX_ROWS];
	static char names[MEAS][16];
	tsfile_column_t cols[MEAS];
	for (int m = 0; m < MEAS; m++) {
		snprintf(names[m], sizeof names[m], "m%d", m);
		for (int i = 0; i < op->n_rows; i++) {
			vals[m][i] = op_value(k, i, m);
			nulls[m][i] = !op->present[m][i];
		}
		cols[m] = (tsfile_column_t){names[m], TSFILE_INT64, vals[m], nulls[m]};
	}
	/* rows where every measurement is null are still written (no-ops) */
	tsfile_tablet_t t = {dev, (size_t)op->n_rows, op->times, MEAS, cols};
	return larch_insert_tablet(db, &t, op->device % 2 == 0, err);
}

/*---------------------------------------------------------------------------
 * The model: value per (device, measurement, time); 0 = absent
 *---------------------------------------------------------------------------*/

static int64_t model[DEVICES][MEAS][SPAN];

static void op_apply_model(int64_t (*m)[MEAS][SPAN], uint64_t k, const op_t *op)
{
	if (op->kind == OP_DELETE) {
		for (int64_t t = op->from; t <= op->to && t < SPAN; t++)
			m[op->device][op->meas][t] = 0;
	} else if (op->kind == OP_INSERT) {
		for (int i = 0; i < op->n_rows; i++)
			for (int j = 0; j < MEAS; j++)
				if (op->present[j][i])
					m[op->device][j][op->times[i]] = op_value(k, i, j);
	}
}

/* mode: 's'ync, 'a'sync, or 'o'ff — no WAL, which must lose acknowledged
 * points (the script runs it to show that this test can fail). */
static larch_options_t crash_options(int mode)
{
	larch_options_t o;
	larch_options_default(&o);
	o.wal_mode = mode == 's' ? LARCH_WAL_SYNC : mode == 'a' ? LARCH_WAL_ASYNC : LARCH_WAL_OFF;
	o.memtable_bytes = 64 * 1024; /* flush often */
	return o;
}

static void die(const char *what, const larch_error_t *err)
{
	fprintf(stderr, "engine_crash: %s: %s\n", what, err ? err->msg : strerror(errno));
	exit(1);
}

static void child_run(const char *dir, uint64_t seed, uint64_t first, int mode, int fd)
{
	larch_options_t o = crash_options(mode);
	larch_db_t *db;
	larch_error_t err = {0};
	if (larch_open(dir, &o, &db, &err))
		die("child open", &err);
	for (uint64_t k = first;; k++) {
		op_t op;
		op_make(seed, k, &op);
		if (op_apply_db(db, k, &op, &err))
			die("child op", &err);
		if (write(fd, &k, sizeof k) != sizeof k)
			_exit(1);
	}
}

/* Compare the database with the model; an in-flight op `k` may explain
 * differences.  On success the model becomes what the database holds. */
static uint64_t verify(const char *dir, int mode, uint64_t inflight, int have_inflight,
		       uint64_t seed)
{
	static int64_t with[DEVICES][MEAS][SPAN];
	memcpy(with, model, sizeof model);
	op_t op;
	if (have_inflight) {
		op_make(seed, inflight, &op);
		op_apply_model(with, inflight, &op);
	}
	larch_options_t o = crash_options(mode);
	larch_db_t *db;
	larch_error_t err = {0};
	if (larch_open(dir, &o, &db, &err))
		die("reopen after kill", &err);
	static int64_t seen[DEVICES][MEAS][SPAN];
	memset(seen, 0, sizeof seen);
	uint64_t points = 0;
	for (int d = 0; d < DEVICES; d++) {
		for (int m = 0; m < MEAS; m++) {
			char path[96];
			snprintf(path, sizeof path, "root.crash.d%d.m%d", d, m);
			larch_iter_t *it;
			int rc = larch_read_series(db, path, 0, SPAN - 1, &it, &err);
			if (rc == LARCH_PATH_NOT_EXIST)
				continue; /* never written yet */
			if (rc)
				die("read", &err);
			while ((rc = larch_iter_next(it, &err)) == LARCH_OK) {
				const larch_block_t *b = larch_iter_block(it);
				const int64_t *v = b->columns[0].values;
				for (size_t r = 0; r < b->n_rows; r++)
					if (!b->columns[0].nulls || !b->columns[0].nulls[r])
						seen[d][m][b->times[r]] = v[r];
			}
			if (rc != LARCH_DONE)
				die("iterate", &err);
			larch_iter_free(it);
			for (int64_t t = 0; t < SPAN; t++) {
				int64_t got = seen[d][m][t];
				points += got != 0;
				if (got == model[d][m][t] || got == with[d][m][t])
					continue;
				fprintf(stderr,
					"engine_crash: LOST OR WRONG: %s time %lld: got %lld, acknowledged %lld, "
					"in-flight op %llu would give %lld\n",
					path, (long long)t, (long long)got, (long long)model[d][m][t],
					(unsigned long long)inflight, (long long)with[d][m][t]);
				exit(1);
			}
		}
	}
	if (larch_close(db, &err))
		die("close after verify", &err);
	memcpy(model, seen, sizeof model); /* adopt the in-flight op's outcome */
	return points;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: engine_crash DIR SECONDS SEED sync|async|off\n");
		return 2;
	}
	const char *dir = argv[1];
	double seconds = atof(argv[2]);
	uint64_t seed = strtoull(argv[3], NULL, 10);
	int mode = argv[4][0];
	if (mode != 's' && mode != 'a' && mode != 'o')
		return 2;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t next = 1, kills = 0, acked = 0, points = 0;
	uint64_t rs = seed ^ 0x5bd1e995;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9 > seconds)
			break;
		int p[2];
		if (pipe(p))
			die("pipe", NULL);
		pid_t pid = fork();
		if (pid < 0)
			die("fork", NULL);
		if (pid == 0) {
			close(p[0]);
			child_run(dir, seed, next, mode, p[1]);
		}
		close(p[1]);
		/* let it run 20..400 ms, reading acknowledgements as they come */
		useconds_t life = (useconds_t)(20000 + rng_next(&rs) % 380000);
		usleep(life);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status))
			die("the child failed (see above)", NULL);
		kills++;
		uint64_t k;
		ssize_t got;
		while ((got = read(p[0], &k, sizeof k)) == sizeof k) {
			if (k != next)
				die("acknowledgements out of order", NULL);
			op_t op;
			op_make(seed, k, &op);
			op_apply_model(model, k, &op);
			next = k + 1;
			acked++;
		}
		close(p[0]);
		/* op `next` may have been in flight when the child died */
		points = verify(dir, mode, next, 1, seed);
		next++; /* its outcome is now part of the model; never reuse its number */
	}
	printf("engine_crash %s: %llu kills, %llu operations acknowledged, %llu points checked "
	       "after the last kill: ok\n",
	       argv[4], (unsigned long long)kills, (unsigned long long)acked,
	       (unsigned long long)points);
	return 0;
}
