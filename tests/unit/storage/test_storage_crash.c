/* Unit tests for src/storage crash safety: WAL replay after a process dies
 * without closing (fork + _exit, and kill -9 at random moments while
 * writing, deleting and flushing), a torn WAL tail, a half-written TsFile,
 * and compaction interrupted before and after its commit point.  A child
 * process writes a deterministic workload and reports each acknowledged
 * step through a pipe; the parent rebuilds the expected state in the
 * reference model and compares it with what a fresh open reads. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "test_storage_common.h"

/* snprintf into an array, failing the test if it does not fit */
#define PATHF(b, ...) assert_true((size_t)snprintf(b, sizeof b, __VA_ARGS__) < sizeof b)

#define DB "root.crash"
#define NDEV 4
#define NSER 3
#define MAXROWS 64

static const tsfile_type_t ser_types[NSER] = {TSFILE_INT64, TSFILE_DOUBLE, TSFILE_TEXT};

static void make_model(mser_t m[NDEV][NSER])
{
	for (int d = 0; d < NDEV; d++)
		for (int k = 0; k < NSER; k++) {
			mser_t *x = &m[d][k];
			memset(x, 0, sizeof *x);
			snprintf(x->device, sizeof x->device, DB ".d%d", d);
			snprintf(x->meas, sizeof x->meas, "s%d", k);
			x->type = ser_types[k];
			x->aligned = d % 2;
			x->id = (uint32_t)(d * NSER + k + 1);
		}
}

/* Set: the workload has no flush steps (every step is one WAL record). */
static int gen_no_flush;

/* One step of the workload, a pure function of (iter, k). */
typedef struct step {
	int kind;               /* 0 write, 1 delete, 2 flush */
	int dev;
	size_t rows;
	int64_t t[MAXROWS];
	int64_t r[NSER][MAXROWS];
	uint8_t null[NSER][MAXROWS];
	int ser_mask;           /* delete: which series */
	int64_t a, b;
} step_t;

static void gen_step(int iter, int k, step_t *st)
{
	uint64_t save = rng_state;
	rng_state = 0x9E3779B97F4A7C15ull * (uint64_t)(iter * 1000003 + k + 1);
	rnd();
	memset(st, 0, sizeof *st);
	uint64_t x = rnd() % 100;
	st->kind = x < 90 ? 0 : x < 97 || gen_no_flush ? 1 : 2;
	st->dev = (int)(rnd() % NDEV);
	int64_t base = (int64_t)iter * 20000 + k * 20;
	if (st->kind == 0) {
		st->rows = 1 + rnd() % MAXROWS;
		for (size_t i = 0; i < st->rows; i++) {
			/* mostly in order, some out of order, some duplicates */
			st->t[i] = rnd() % 5 ? base + (int64_t)i : rnd_range(0, base + 100);
			for (int s = 0; s < NSER; s++) {
				st->r[s][i] = (int64_t)(rnd() >> 2);
				st->null[s][i] = rnd() % 9 == 0;
			}
		}

	} else if (st->kind == 1) {
		st->ser_mask = 1 + (int)(rnd() % 7);
		st->a = rnd_range(0, base);
		st->b = st->a + rnd_range(0, 2000);
	}
	rng_state = save;
}

static int apply_storage(storage_t *s, const step_t *st, larch_error_t *err)
{
	if (st->kind == 2)
		return storage_flush(s, err);
	if (st->kind == 1) {
		storage_series_ref_t refs[NSER];
		size_t n = 0;
		char dev[32];
		snprintf(dev, sizeof dev, DB ".d%d", st->dev);
		static const char *names[NSER] = {"s0", "s1", "s2"};
		for (int k = 0; k < NSER; k++)
			if (st->ser_mask & (1 << k))
				refs[n++] = (storage_series_ref_t){dev, (uint32_t)(st->dev * NSER + k + 1),
								   names[k], ser_types[k]};
		return storage_delete(s, DB, refs, n, st->a, st->b, err);
	}
	storage_column_t cols[NSER];
	uint8_t vals[NSER][MAXROWS * 16];
	static const char *names[NSER] = {"s0", "s1", "s2"};
	char dev[32];
	snprintf(dev, sizeof dev, DB ".d%d", st->dev);
	for (int k = 0; k < NSER; k++) {
		size_t es = col_elem_size(ser_types[k]);
		for (size_t i = 0; i < st->rows; i++)
			gen_value(ser_types[k], st->r[k][i], vals[k] + i * es);
		cols[k] = (storage_column_t){(uint32_t)(st->dev * NSER + k + 1), names[k], ser_types[k],
					     -1, -1, vals[k], st->null[k]};
	}
	storage_write_t w = {DB, dev, (uint64_t)st->dev, st->dev % 2, st->rows, st->t, NSER, cols};
	return storage_write(s, &w, err);
}

static void apply_model(mser_t m[NDEV][NSER], const step_t *st)
{
	if (st->kind == 1) {
		for (int k = 0; k < NSER; k++)
			if (st->ser_mask & (1 << k))
				mser_delete(&m[st->dev][k], st->a, st->b);
	} else if (st->kind == 0) {
		for (size_t i = 0; i < st->rows; i++)
			for (int k = 0; k < NSER; k++)
				if (!st->null[k][i])
					mser_put(&m[st->dev][k], st->t[i], st->r[k][i]);
	}
}

/* 1 if a read of series m equals the model (no assertion). */
static int series_equal(storage_t *s, const mser_t *m)
{
	storage_series_ref_t ref = {NULL, m->id, m->meas, m->type};
	storage_read_t req = {DB, m->device, &ref, 1, m->aligned, INT64_MIN, INT64_MAX};
	storage_cursor_t *c;
	larch_error_t err = {0};
	if (storage_read(s, &req, &c, &err))
		return 0;
	const storage_block_t *b;
	size_t i = 0, es = col_elem_size(m->type);
	int ok = 1, rc;
	while (ok && (rc = storage_cursor_next(c, &b, &err)) == LARCH_OK)
		for (size_t k = 0; ok && k < b->n_rows; k++, i++)
			ok = i < m->n && m->p[i].t == b->times[k] &&
			     value_is(m->type, (const uint8_t *)b->columns[0].values + k * es, m->p[i].r);
	storage_cursor_free(c);
	return ok && i == m->n;
}

static int all_equal(storage_t *s, mser_t m[NDEV][NSER])
{
	for (int d = 0; d < NDEV; d++)
		for (int k = 0; k < NSER; k++)
			if (!series_equal(s, &m[d][k]))
				return 0;
	return 1;
}

static void copy_model(mser_t dst[NDEV][NSER], mser_t src[NDEV][NSER])
{
	for (int d = 0; d < NDEV; d++)
		for (int k = 0; k < NSER; k++) {
			dst[d][k] = src[d][k];
			dst[d][k].p = malloc((src[d][k].cap + 1) * sizeof(mpt_t));
			memcpy(dst[d][k].p, src[d][k].p, src[d][k].n * sizeof(mpt_t));
		}
}

static void free_model(mser_t m[NDEV][NSER])
{
	for (int d = 0; d < NDEV; d++)
		mser_free(m[d], NSER);
}

/* Child: open, run steps [0, n) of iter reporting each acknowledged step,
 * then (kill_self) _exit without closing, or loop until killed. */
static void child_run(const char *dir, const storage_options_t *o, int iter, int n, int fd)
{
	storage_t *s;
	larch_error_t err = {0};
	if (storage_open(dir, o, &s, &err))
		_exit(3);
	for (int k = 0; k < n; k++) {
		step_t st;
		gen_step(iter, k, &st);
		if (apply_storage(s, &st, &err))
			_exit(4);
		if (write(fd, &k, sizeof k) != sizeof k)
			_exit(5);
	}
	_exit(0); /* no storage_close: the process just ends */
}

/* Run a child for iteration iter; kill it after kill_ms (0: let it run
 * its n steps and _exit).  Returns the last acknowledged step + 1. */
static int run_child(const char *dir, const storage_options_t *o, int iter, int n, int kill_ms)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_run(dir, o, iter, n, p[1]);
	}
	close(p[1]);
	if (kill_ms) {
		struct timespec ts = {kill_ms / 1000, (long)(kill_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
	}
	int status;
	waitpid(pid, &status, 0);
	if (!kill_ms)
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	int acked = 0, k;
	while (read(p[0], &k, sizeof k) == sizeof k)
		acked = k + 1;
	close(p[0]);
	return acked;
}

/* Open dir and check it holds steps [0, acked) of iter, or [0, acked] when
 * the step in flight at the kill made it; the model is updated. */
static void verify_after_crash(const char *dir, const storage_options_t *o, int iter, int acked,
			       int n, mser_t m[NDEV][NSER])
{
	storage_t *s;
	larch_error_t err = {0};
	storage_options_t quiet = *o;
	quiet.compaction = 0; /* files must not change under check_files */
	if (storage_open(dir, &quiet, &s, &err)) {
		print_error("reopen: %s\n", err.msg);
		fail();
	}
	step_t st;
	for (int k = 0; k < acked; k++) {
		gen_step(iter, k, &st);
		apply_model(m, &st);
	}
	int ok = all_equal(s, m);
	if (!ok && acked < n) {
		mser_t alt[NDEV][NSER];
		copy_model(alt, m);
		gen_step(iter, acked, &st);
		apply_model(alt, &st);
		ok = all_equal(s, alt);
		if (ok) {
			free_model(m);
			memcpy(m, alt, sizeof alt);
		} else {
			free_model(alt);
		}
	}
	if (!ok)
		print_error("iteration %d: state after recovery matches neither %d nor %d steps\n",
			    iter, acked, acked + 1);
	assert_true(ok);
	check_files(s);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
}

static void crash_options(storage_options_t *o, storage_wal_mode_t mode)
{
	test_options(o);
	o->wal_mode = mode;
	o->partition_interval = 50000;
	o->memtable_bytes = 96 << 10; /* seals (and flushes) happen during the run */
	o->wal_segment_bytes = 64 << 10;
}

static void test_replay_after_exit(void **state)
{
	(void)state;
	char *d = tmp_dir();
	mser_t m[NDEV][NSER];
	make_model(m);
	storage_options_t o;
	for (int iter = 0; iter < 4; iter++) {
		crash_options(&o, iter % 2 ? STORAGE_WAL_SYNC : STORAGE_WAL_ASYNC);
		int acked = run_child(d, &o, iter, 300, 0);
		assert_int_equal(acked, 300);
		verify_after_crash(d, &o, iter, acked, 300, m);
	}
	/* and the recovered state survives a clean close and reopen */
	storage_t *s;
	larch_error_t err = {0};
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	storage_stats_t st;
	storage_stats(s, &st);
	assert_int_equal(st.recovered_records, 0);
	assert_true(all_equal(s, m));
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	free_model(m);
	rm_dir(d);
}

static void test_kill9_at_random(void **state)
{
	(void)state;
	char *d = tmp_dir();
	mser_t m[NDEV][NSER];
	make_model(m);
	storage_options_t o;
	for (int iter = 0; iter < 12; iter++) {
		crash_options(&o, iter % 3 == 2 ? STORAGE_WAL_SYNC : STORAGE_WAL_ASYNC);
		o.compaction = iter % 2;
		o.compaction_interval_ms = 3;
		o.compaction_min_files = 2;
		o.compaction_unseq_files = 1;
		int acked = run_child(d, &o, iter, 100000, 30 + (int)(rnd() % 250));
		verify_after_crash(d, &o, iter, acked, 100000, m);
	}
	free_model(m);
	rm_dir(d);
}

/* The last WAL segment of dir (path into buf). */
static void last_segment(const char *dir, char *buf)
{
	char wal[512];
	snprintf(wal, sizeof wal, "%s/wal", dir);
	DIR *dd = opendir(wal);
	assert_non_null(dd);
	struct dirent *e;
	char best[256] = "";
	while ((e = readdir(dd)))
		if (!strncmp(e->d_name, "wal-", 4) && strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof best, "%s", e->d_name);
	closedir(dd);
	assert_true(best[0]);
	snprintf(buf, 1024, "%s/%s", wal, best);
}

static void test_torn_wal_tail(void **state)
{
	(void)state;
	char *d = tmp_dir();
	mser_t m[NDEV][NSER];
	make_model(m);
	storage_options_t o;
	crash_options(&o, STORAGE_WAL_ASYNC);
	o.memtable_bytes = 64 << 20; /* everything stays in the WAL */
	o.wal_segment_bytes = 0;
	gen_no_flush = 1;
	int n = 50;
	assert_int_equal(run_child(d, &o, 7, n, 0), n);
	/* a crash in the middle of the last record: cut its last byte */
	char seg[1024];
	last_segment(d, seg);
	struct stat sb;
	assert_int_equal(stat(seg, &sb), 0);
	assert_int_equal(truncate(seg, sb.st_size - 1), 0);
	storage_t *s;
	larch_error_t err = {0};
	step_t st;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	storage_stats_t ss;
	storage_stats(s, &ss);
	assert_int_equal(ss.recovered_records, (uint64_t)(n - 1));
	for (int k = 0; k < n - 1; k++) {
		gen_step(7, k, &st);
		apply_model(m, &st);
	}
	assert_true(all_equal(s, m));
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	/* garbage after a valid tail (blocks written out of order) is cut too */
	assert_int_equal(run_child(d, &o, 8, 5, 0), 5);
	last_segment(d, seg);
	uint8_t junk[100];
	memset(junk, 0xA5, sizeof junk);
	int fd = open(seg, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int k = 0; k < 5; k++) {
		gen_step(8, k, &st);
		apply_model(m, &st);
	}
	assert_true(all_equal(s, m));
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	gen_no_flush = 0;
	free_model(m);
	rm_dir(d);
}

/* Copy a file, keeping only its first `keep` bytes (all if keep < 0). */
static void copy_file(const char *src, const char *dst, long keep)
{
	FILE *a = fopen(src, "rb"), *b = fopen(dst, "wb");
	assert_non_null(a);
	assert_non_null(b);
	char buf[65536];
	size_t n;
	long left = keep < 0 ? LONG_MAX : keep;
	while (left > 0 && (n = fread(buf, 1, sizeof buf, a)) > 0) {
		size_t w = (size_t)LR_MIN((long)n, left);
		assert_int_equal(fwrite(buf, 1, w, b), w);
		left -= (long)w;
	}
	fclose(a);
	fclose(b);
}

/* A crash in the middle of writing a TsFile leaves it without its index:
 * the file is cut after its last complete chunk group and completed; a
 * file too short to hold one is removed.  Its data is also in the WAL. */
static void test_half_written_tsfile(void **state)
{
	(void)state;
	char *d = tmp_dir(), *d2 = tmp_dir();
	mser_t m[NDEV][NSER];
	make_model(m);
	storage_options_t o;
	crash_options(&o, STORAGE_WAL_ASYNC);
	o.memtable_bytes = 64 << 20;
	int n = 200;
	/* the same steps in a second directory, flushed: a source of files */
	storage_t *s;
	larch_error_t err = {0};
	step_t st;
	assert_int_equal(storage_open(d2, &o, &s, &err), LARCH_OK);
	for (int k = 0; k < n; k++) {
		gen_step(3, k, &st);
		if (st.kind != 2)
			assert_int_equal(apply_storage(s, &st, &err), LARCH_OK);
	}
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	storage_file_info_t *fs;
	size_t nf;
	assert_int_equal(storage_list_files(s, NULL, &fs, &nf, &err), LARCH_OK);
	assert_true(nf >= 1);
	assert_int_equal(run_child(d, &o, 3, n, 0), n);
	/* plant the first file, cut at 70%, and another cut to 5 bytes */
	char dst[1024], part[1024];
	const char *rel = strstr(fs[0].path, "/data/");
	PATHF(part, "%s%s", d, rel);
	char *slash = strrchr(part, '/');
	*slash = 0;
	assert_int_equal(dir_make(part, &err), LARCH_OK);
	struct stat sb;
	assert_int_equal(stat(fs[0].path, &sb), 0);
	PATHF(dst, "%s/900-0.tsfile", part);
	copy_file(fs[0].path, dst, sb.st_size * 7 / 10);
	PATHF(dst, "%s/901-0.tsfile", part);
	copy_file(fs[0].path, dst, 5);
	storage_file_list_free(fs, nf);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int k = 0; k < n; k++) {
		gen_step(3, k, &st);
		apply_model(m, &st);
	}
	assert_true(all_equal(s, m));
	check_files(s);
	PATHF(dst, "%s/901-0.tsfile", part);
	assert_int_not_equal(access(dst, F_OK), 0); /* removed */
	PATHF(dst, "%s/900-0.tsfile", part);
	assert_int_equal(tsfile_check(dst, NULL, &err), LARCH_OK); /* repaired */
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	free_model(m);
	rm_dir(d);
	rm_dir(d2);
}

/* Copy the directory tree src to dst. */
static void copy_tree(const char *src, const char *dst)
{
	larch_error_t err = {0};
	assert_int_equal(dir_make(dst, &err), LARCH_OK);
	DIR *dd = opendir(src);
	assert_non_null(dd);
	struct dirent *e;
	while ((e = readdir(dd))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char a[1024], b[1024];
		snprintf(a, sizeof a, "%s/%s", src, e->d_name);
		snprintf(b, sizeof b, "%s/%s", dst, e->d_name);
		struct stat sb;
		assert_int_equal(stat(a, &sb), 0);
		if (S_ISDIR(sb.st_mode))
			copy_tree(a, b);
		else
			copy_file(a, b, -1);
	}
	closedir(dd);
}

/* Compaction interrupted: before the output's rename (inputs stay, the
 * temporary output goes) and after it (the inputs go). */
static void test_compaction_crash(void **state)
{
	(void)state;
	char *d = tmp_dir();
	mser_t m[NDEV][NSER];
	make_model(m);
	storage_options_t o;
	crash_options(&o, STORAGE_WAL_ASYNC);
	o.memtable_bytes = 64 << 20;
	o.partition_interval = (int64_t)1 << 40; /* one partition */
	o.compaction_min_files = 2;
	o.compaction_unseq_files = 1;
	storage_t *s;
	larch_error_t err = {0};
	step_t st;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int k = 0; k < 300; k++) {
		gen_step(11, k, &st);
		assert_int_equal(apply_storage(s, &st, &err), LARCH_OK);
		apply_model(m, &st);
		if (k % 60 == 59)
			assert_int_equal(storage_flush(s, &err), LARCH_OK);
	}
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	storage_file_info_t *before, *after;
	size_t nb, na;
	assert_int_equal(storage_list_files(s, NULL, &before, &nb, &err), LARCH_OK);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	char *snap = tmp_dir();
	rmdir(snap);
	copy_tree(d, snap); /* the state before compaction */
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	size_t done;
	assert_int_equal(storage_compact(s, &done, &err), LARCH_OK);
	assert_true(done >= 1);
	assert_int_equal(storage_list_files(s, NULL, &after, &na, &err), LARCH_OK);
	assert_int_equal(na, 1); /* one partition, everything merged */
	assert_true(all_equal(s, m));
	assert_int_equal(storage_close(s, &err), LARCH_OK);

	/* the log names every input of the partition and the output */
	const char *orel = strstr(after[0].path, "/data/");
	char part[1024], log[1024], buf[4096];
	PATHF(part, "%s%s", snap, orel);
	*strstr(part, "/seq/") = 0;
	size_t len = (size_t)snprintf(buf, sizeof buf, "larch-compaction 1\noutput %s\n",
				      strstr(orel, "/seq/") + 1);
	for (size_t i = 0; i < nb; i++) {
		const char *r = strstr(before[i].path, before[i].unseq ? "/unseq/" : "/seq/") + 1;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "input %s\n", r);
	}
	PATHF(log, "%s/compaction.log", part);
	for (int committed = 0; committed < 2; committed++) {
		char *c = tmp_dir();
		rmdir(c);
		copy_tree(snap, c);
		char cpart[1024], out[1024];
		PATHF(cpart, "%s%s", c, part + strlen(snap));
		PATHF(log, "%s/compaction.log", cpart);
		FILE *f = fopen(log, "w");
		fwrite(buf, 1, len, f);
		fclose(f);
		PATHF(out, "%s%s%s", c, orel, committed ? "" : ".tmp");
		copy_file(after[0].path, out, committed ? -1 : 100);
		assert_int_equal(storage_open(c, &o, &s, &err), LARCH_OK);
		assert_true(all_equal(s, m));
		storage_file_info_t *now;
		size_t nn;
		assert_int_equal(storage_list_files(s, NULL, &now, &nn, &err), LARCH_OK);
		assert_int_equal(nn, committed ? 1 : nb);
		storage_file_list_free(now, nn);
		assert_int_not_equal(access(log, F_OK), 0);
		assert_int_equal(storage_close(s, &err), LARCH_OK);
		rm_dir(c);
	}
	storage_file_list_free(before, nb);
	storage_file_list_free(after, na);
	free_model(m);
	rm_dir(snap);
	rm_dir(d);
}

/* A compaction log is not trusted to name files outside its partition's
 * seq/ and unseq/ directories. */
static void test_hostile_compaction_log(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	crash_options(&o, STORAGE_WAL_ASYNC);
	storage_t *s;
	larch_error_t err = {0};
	step_t st;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	gen_step(5, 0, &st);
	st.kind = 0;
	st.rows = 3;
	assert_int_equal(apply_storage(s, &st, &err), LARCH_OK);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	storage_file_info_t *fs;
	size_t nf;
	assert_int_equal(storage_list_files(s, NULL, &fs, &nf, &err), LARCH_OK);
	assert_true(nf >= 1);
	char part[1024], victim[1024], log[1024];
	PATHF(part, "%s", fs[0].path);
	*strstr(part, "/seq/") = 0;
	storage_file_list_free(fs, nf);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	PATHF(victim, "%s/../victim", part);
	FILE *f = fopen(victim, "w");
	fclose(f);
	PATHF(log, "%s/compaction.log", part);
	f = fopen(log, "w");
	fprintf(f, "larch-compaction 1\noutput seq/1-0.tsfile\ninput ../victim\n"
		   "input seq/../../victim\ninput /etc/passwd\n");
	fclose(f);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	assert_int_equal(access(victim, F_OK), 0);
	assert_int_not_equal(access(log, F_OK), 0);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	rm_dir(d);
}

/* A crash in the middle of appending to a .mods2 leaves a partial entry:
 * it is cut off on open; the complete entries stay in force. */
static void test_torn_mods2(void **state)
{
	(void)state;
	char *d = tmp_dir();
	mser_t m[NDEV][NSER];
	make_model(m);
	storage_options_t o;
	crash_options(&o, STORAGE_WAL_ASYNC);
	storage_t *s;
	larch_error_t err = {0};
	step_t st;
	gen_no_flush = 1;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int k = 0; k < 200; k++) {
		gen_step(21, k, &st);
		assert_int_equal(apply_storage(s, &st, &err), LARCH_OK);
		apply_model(m, &st);
	}
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	/* a range around a point that exists, so some file gets an entry */
	assert_true(m[1][0].n > 0);
	int64_t t0 = m[1][0].p[m[1][0].n / 2].t;
	storage_series_ref_t ref = {DB ".d1", 1 * NSER + 1, "s0", TSFILE_INT64};
	assert_int_equal(storage_delete(s, DB, &ref, 1, t0, t0 + 5, &err), LARCH_OK);
	mser_delete(&m[1][0], t0, t0 + 5);
	storage_file_info_t *fs;
	size_t nf;
	assert_int_equal(storage_list_files(s, NULL, &fs, &nf, &err), LARCH_OK);
	char mods[1024] = "";
	for (size_t i = 0; i < nf; i++)
		if (fs[i].n_mods)
			PATHF(mods, "%s.mods2", fs[i].path);
	storage_file_list_free(fs, nf);
	assert_true(mods[0]);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	struct stat sb;
	assert_int_equal(stat(mods, &sb), 0);
	FILE *f = fopen(mods, "ab");
	assert_non_null(f);
	fwrite("\x01\x00\x00", 1, 3, f); /* the start of another entry */
	fclose(f);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	assert_true(all_equal(s, m));
	struct stat sa;
	assert_int_equal(stat(mods, &sa), 0);
	assert_int_equal(sa.st_size, sb.st_size);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	gen_no_flush = 0;
	free_model(m);
	rm_dir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_after_exit),
		cmocka_unit_test(test_kill9_at_random),
		cmocka_unit_test(test_torn_wal_tail),
		cmocka_unit_test(test_half_written_tsfile),
		cmocka_unit_test(test_compaction_crash),
		cmocka_unit_test(test_torn_mods2),
		cmocka_unit_test(test_hostile_compaction_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
