/* Unit tests for src/storage: deletions (.mods2 files, whole-file removal),
 * drop database, TTL, the last-value cache, the memory budget with write
 * back-pressure, and compaction — each checked against the reference
 * model of test_storage_common.h. */
#include <sys/stat.h>

#include "test_storage_common.h"

#define DB "root.ops"

static int64_t fake_now;
static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

/* A device with n series of type t (ids from id0). */
static void make_dev(mser_t *m, size_t n, const char *dev, int aligned, tsfile_type_t t,
		     uint32_t id0)
{
	for (size_t k = 0; k < n; k++) {
		memset(&m[k], 0, sizeof m[k]);
		snprintf(m[k].device, sizeof m[k].device, "%s", dev);
		snprintf(m[k].meas, sizeof m[k].meas, "s%u", (unsigned)k % 1000);
		m[k].type = t;
		m[k].aligned = aligned;
		m[k].id = id0 + (uint32_t)k;
	}
}

/* Write rows at times lo, lo+step, ... (n of them) to every series of m. */
static void write_seq(storage_t *s, mser_t *m, size_t ns, int64_t lo, int64_t step, size_t n)
{
	int64_t *t = malloc(n * sizeof(*t));
	int64_t **r = calloc(ns, sizeof(*r));
	mser_t **p = malloc(ns * sizeof(*p));
	for (size_t i = 0; i < n; i++)
		t[i] = lo + (int64_t)i * step;
	for (size_t k = 0; k < ns; k++) {
		p[k] = &m[k];
		r[k] = malloc(n * sizeof(int64_t));
		for (size_t i = 0; i < n; i++)
			r[k][i] = (int64_t)(rnd() >> 2);
	}
	larch_error_t err = {0};
	int rc = write_rows(s, DB, p, ns, t, r, n, 0, &err);
	if (rc)
		print_error("write: %s\n", err.msg);
	assert_int_equal(rc, LARCH_OK);
	for (size_t k = 0; k < ns; k++)
		free(r[k]);
	free(r);
	free(p);
	free(t);
}

static void del(storage_t *s, mser_t *m, size_t n, int64_t a, int64_t b)
{
	storage_series_ref_t *refs = calloc(n, sizeof(*refs));
	for (size_t k = 0; k < n; k++) {
		refs[k] = (storage_series_ref_t){m[k].device, m[k].id, m[k].meas, m[k].type};
		mser_delete(&m[k], a, b);
	}
	larch_error_t err = {0};
	assert_int_equal(storage_delete(s, DB, refs, n, a, b, &err), LARCH_OK);
	free(refs);
}

static size_t count_files(storage_t *s, size_t *unseq, size_t *mods)
{
	storage_file_info_t *fs;
	size_t n;
	larch_error_t err = {0};
	assert_int_equal(storage_list_files(s, NULL, &fs, &n, &err), LARCH_OK);
	if (unseq)
		*unseq = 0;
	if (mods)
		*mods = 0;
	for (size_t i = 0; i < n; i++) {
		if (unseq)
			*unseq += fs[i].unseq;
		if (mods)
			*mods += fs[i].n_mods;
	}
	storage_file_list_free(fs, n);
	return n;
}

static void check_devs(storage_t *s, mser_t *m, size_t n)
{
	for (size_t k = 0; k < n; k++)
		check_series(s, DB, &m[k], INT64_MIN, INT64_MAX);
}

static void test_delete_memtable_and_files(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[6];
	make_dev(m, 3, DB ".a", 1, TSFILE_INT64, 1);
	make_dev(m + 3, 3, DB ".n", 0, TSFILE_TEXT, 10);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	write_seq(s, m, 3, 0, 1, 1000);
	write_seq(s, m + 3, 3, 0, 1, 1000);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);          /* file 1 */
	write_seq(s, m, 3, 1000, 1, 1000);
	write_seq(s, m + 3, 3, 500, 1, 1000);                        /* overlaps: unseq */
	del(s, m, 2, 900, 1100);       /* spans a file and a memtable */
	del(s, m + 3, 1, 100, 200);
	check_devs(s, m, 6);
	write_seq(s, m, 3, 950, 1, 10); /* written after the deletion: stays */
	check_devs(s, m, 6);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	check_devs(s, m, 6);
	size_t mods;
	count_files(s, NULL, &mods);
	assert_true(mods >= 3);
	del(s, m + 4, 1, 1400, 1450); /* only in files now */
	check_devs(s, m, 6);
	check_files(s);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_devs(s, m, 6);
	/* delete everything: every file goes at once */
	del(s, m, 6, INT64_MIN, INT64_MAX);
	assert_int_equal(count_files(s, NULL, NULL), 0);
	check_devs(s, m, 6);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 6);
	rm_dir(d);
}

/* A deletion made while its memtable is sealed (between seal and file):
 * here simulated by deleting right after a flush request races with the
 * flusher; the outcome must match the model either way. */
static void test_delete_races_flush(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	o.memtable_bytes = 256 << 10; /* frequent seals */
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[4];
	make_dev(m, 4, DB ".r", 0, TSFILE_DOUBLE, 1);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int round = 0; round < 40; round++) {
		write_seq(s, m, 4, round * 500, 1, 2000);
		int64_t a = rnd_range(0, round * 500 + 2000), b = a + rnd_range(0, 700);
		del(s, m, 1 + rnd() % 4, a, b);
		if (round % 7 == 0)
			check_devs(s, m, 4);
	}
	check_devs(s, m, 4);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	check_devs(s, m, 4);
	check_files(s);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_devs(s, m, 4);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 4);
	rm_dir(d);
}

static void test_drop_database(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[2];
	make_dev(m, 2, DB ".x", 0, TSFILE_INT32, 1);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	write_seq(s, m, 2, 0, 1, 100);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	write_seq(s, m, 2, 100, 1, 100);
	char dbdir[512];
	snprintf(dbdir, sizeof dbdir, "%s/data/%s", d, DB);
	struct stat st;
	assert_int_equal(stat(dbdir, &st), 0);
	assert_int_equal(storage_drop_database(s, DB, &err), LARCH_OK);
	assert_int_not_equal(stat(dbdir, &st), 0); /* its files are gone at once */
	mser_delete(&m[0], INT64_MIN, INT64_MAX);
	mser_delete(&m[1], INT64_MIN, INT64_MAX);
	check_devs(s, m, 2);
	assert_int_equal(storage_drop_database(s, "root.unknown", &err), LARCH_OK);
	write_seq(s, m, 2, 5, 1, 10); /* the database comes back */
	check_devs(s, m, 2);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_devs(s, m, 2);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 2);
	rm_dir(d);
}

static void test_ttl(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	o.clock = fake_clock;
	o.partition_interval = 1000;
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[1];
	make_dev(m, 1, DB ".t", 0, TSFILE_INT64, 1);
	fake_now = 10000;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	write_seq(s, m, 1, 0, 10, 1000); /* 0 .. 9990 */
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	assert_int_equal(count_files(s, NULL, NULL), 10);
	assert_int_equal(storage_set_ttl(s, DB, 4000, &err), LARCH_OK);
	mser_t vis = m[0];
	vis.p = malloc(m[0].cap * sizeof(mpt_t));
	memcpy(vis.p, m[0].p, m[0].n * sizeof(mpt_t));
	mser_delete(&vis, INT64_MIN, 5999);
	check_series(s, DB, &vis, INT64_MIN, INT64_MAX);
	/* the last value of an expired series is not found */
	arena_t *a = arena_new(0);
	int64_t t;
	tsfile_value_t v;
	int found;
	storage_series_ref_t ref = {m[0].device, m[0].id, m[0].meas, m[0].type};
	assert_int_equal(storage_last(s, DB, &ref, a, &t, &v, &found, &err), LARCH_OK);
	assert_true(found);
	assert_int_equal(t, 9990);
	fake_now = 1000000;
	assert_int_equal(storage_last(s, DB, &ref, a, &t, &v, &found, &err), LARCH_OK);
	assert_false(found);
	/* expired files are removed by the compaction pass */
	fake_now = 10000;
	size_t done;
	assert_int_equal(storage_compact(s, &done, &err), LARCH_OK);
	assert_int_equal(count_files(s, NULL, NULL), 4); /* partitions 6..9 */
	check_series(s, DB, &vis, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	arena_free(a);
	free(vis.p);
	mser_free(m, 1);
	rm_dir(d);
}

static void check_last(storage_t *s, const mser_t *m)
{
	arena_t *a = arena_new(0);
	int64_t t;
	tsfile_value_t v;
	int found;
	larch_error_t err = {0};
	storage_series_ref_t ref = {m->device, m->id, m->meas, m->type};
	assert_int_equal(storage_last(s, DB, &ref, a, &t, &v, &found, &err), LARCH_OK);
	assert_int_equal(found, m->n > 0);
	if (found) {
		assert_int_equal(t, m->p[m->n - 1].t);
		uint8_t e[16];
		gen_value(m->type, m->p[m->n - 1].r, e);
		switch (m->type) {
		case TSFILE_DOUBLE: assert_true(v.v.d == *(double *)e); break;
		case TSFILE_TEXT: assert_true(value_is(m->type, &v.v.bytes, m->p[m->n - 1].r)); break;
		default: assert_int_equal(v.v.i64, *(int64_t *)e); break;
		}
	}
	arena_free(a);
}

static void test_last_cache(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[3];
	make_dev(m, 1, DB ".l1", 0, TSFILE_INT64, 1);
	make_dev(m + 1, 1, DB ".l2", 1, TSFILE_DOUBLE, 2);
	make_dev(m + 2, 1, DB ".l3", 0, TSFILE_TEXT, 3);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int k = 0; k < 3; k++)
		check_last(s, &m[k]); /* nothing yet */
	for (int round = 0; round < 30; round++) {
		int k = round % 3;
		int64_t t[50], r[50], *rp = r;
		mser_t *mp = &m[k];
		for (int i = 0; i < 50; i++) {
			t[i] = rnd_range(0, 2000 + round * 100);
			r[i] = (int64_t)(rnd() >> 2);
		}
		assert_int_equal(write_rows(s, DB, &mp, 1, t, &rp, 50, 6, &err), LARCH_OK);
		check_last(s, &m[k]);
		if (round % 4 == 1)
			assert_int_equal(storage_flush(s, &err), LARCH_OK);
		if (round % 5 == 2) {
			int64_t hi = m[k].n ? m[k].p[m[k].n - 1].t : 0;
			del(s, &m[k], 1, hi - rnd_range(0, 300), hi); /* deletes the last point */
			check_last(s, &m[k]);
		}
	}
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int k = 0; k < 3; k++)
		check_last(s, &m[k]); /* computed from files after a restart */
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 3);
	rm_dir(d);
}

/* With a small budget, writes wait for flushes instead of growing memory. */
static void test_memory_budget(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	o.memory_budget = 8 << 20; /* memtables may hold 4 MiB */
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[20];
	make_dev(m, 20, DB ".big", 1, TSFILE_DOUBLE, 1);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	uint64_t peak = 0;
	for (int round = 0; round < 60; round++) {
		write_seq(s, m, 20, round * 2000, 1, 2000); /* ~350 KiB of values */
		storage_stats_t st;
		storage_stats(s, &st);
		peak = st.memtable_bytes > peak ? st.memtable_bytes : peak;
	}
	storage_stats_t st;
	storage_stats(s, &st);
	assert_int_equal(st.memtable_limit, 4 << 20);
	/* never more than the limit plus one write's worth */
	assert_true(peak <= st.memtable_limit + (2u << 20));
	assert_true(st.flushes >= 4);
	check_devs(s, m, 20);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 20);
	rm_dir(d);
}

static void test_compaction(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	o.compaction_min_files = 3;
	o.compaction_unseq_files = 2;
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[5];
	make_dev(m, 3, DB ".ca", 1, TSFILE_INT64, 1);
	make_dev(m + 3, 2, DB ".cn", 0, TSFILE_TEXT, 10);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int i = 0; i < 5; i++) { /* five small sequence files */
		write_seq(s, m, 3, i * 100, 1, 100);
		write_seq(s, m + 3, 2, i * 100, 1, 100);
		assert_int_equal(storage_flush(s, &err), LARCH_OK);
	}
	del(s, m, 1, 150, 160);
	size_t done;
	assert_int_equal(count_files(s, NULL, NULL), 5);
	assert_int_equal(storage_compact(s, &done, &err), LARCH_OK);
	assert_int_equal(done, 1);
	assert_int_equal(count_files(s, NULL, NULL), 1);
	check_devs(s, m, 5);
	check_files(s);
	/* unsequence files merged into the sequence file */
	for (int i = 0; i < 2; i++) {
		write_seq(s, m, 3, 50 + i * 7, 3, 60);
		write_seq(s, m + 3, 2, 20 + i, 5, 30);
		assert_int_equal(storage_flush(s, &err), LARCH_OK);
	}
	size_t unseq;
	assert_int_equal(count_files(s, &unseq, NULL), 3);
	assert_int_equal(unseq, 2);
	check_devs(s, m, 5);
	assert_int_equal(storage_compact(s, &done, &err), LARCH_OK);
	assert_int_equal(done, 1);
	assert_int_equal(count_files(s, &unseq, NULL), 1);
	assert_int_equal(unseq, 0);
	check_devs(s, m, 5);
	check_files(s);
	storage_file_info_t *fs;
	size_t n;
	assert_int_equal(storage_list_files(s, NULL, &fs, &n, &err), LARCH_OK);
	assert_int_equal(fs[0].level, 2);
	storage_file_list_free(fs, n);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_devs(s, m, 5);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 5);
	rm_dir(d);
}

/* The background compactor runs while writers, deleters and readers work. */
static void test_background_compaction(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	o.compaction = 1;
	o.compaction_interval_ms = 5;
	o.compaction_min_files = 2;
	o.compaction_unseq_files = 1;
	o.memtable_bytes = 128 << 10;
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[4];
	make_dev(m, 2, DB ".ba", 1, TSFILE_INT64, 1);
	make_dev(m + 2, 2, DB ".bn", 0, TSFILE_DOUBLE, 10);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int round = 0; round < 60; round++) {
		int64_t base = rnd() % 3 ? round * 300 : rnd_range(0, round * 300 + 1);
		write_seq(s, m, 2, base, 1, 600);
		write_seq(s, m + 2, 2, base, 2, 300);
		if (round % 6 == 5)
			del(s, m + (rnd() % 4), 1, rnd_range(0, round * 300), rnd_range(round * 300, round * 300 + 500));
		if (round % 10 == 9) {
			assert_int_equal(storage_flush(s, &err), LARCH_OK);
			check_devs(s, m, 4);
		}
	}
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	check_devs(s, m, 4);
	check_files(s);
	storage_stats_t st;
	storage_stats(s, &st);
	assert_true(st.compactions > 0);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_devs(s, m, 4);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 4);
	rm_dir(d);
}

/* Writers on several threads (each its own devices), readers and the
 * background flusher and compactor at once; readers see strictly
 * ascending times, and in the end everything equals the model. */
typedef struct wthread {
	storage_t *s;
	mser_t m[3];
	int id;
} wthread_t;

static void *writer_main(void *arg)
{
	wthread_t *t = arg;
	for (int round = 0; round < 150; round++) {
		int64_t tm[40], rv[3][40], *rp[3] = {rv[0], rv[1], rv[2]};
		mser_t *ps[3] = {&t->m[0], &t->m[1], &t->m[2]};
		for (int i = 0; i < 40; i++) {
			tm[i] = round % 4 ? round * 40 + i : (int64_t)((unsigned)(round * 7919 + i) % 5000);
			for (int k = 0; k < 3; k++)
				rv[k][i] = round * 1000 + i + k;
		}
		larch_error_t err = {0};
		if (write_rows(t->s, DB, ps, 3, tm, rp, 40, 0, &err))
			return (void *)1;
	}
	return NULL;
}

typedef struct rthread {
	storage_t *s;
	atomic_int *stop;
	long blocks;
	int bad;
} rthread_t;

static void *reader_main(void *arg)
{
	rthread_t *r = arg;
	storage_series_ref_t ref = {NULL, 0, "s1", TSFILE_DOUBLE};
	while (!atomic_load(r->stop)) {
		for (int d = 0; d < 3; d++) {
			char dev[32];
			snprintf(dev, sizeof dev, DB ".w%d", d);
			storage_read_t req = {DB, dev, &ref, 1, d % 2, INT64_MIN, INT64_MAX};
			storage_cursor_t *c;
			const storage_block_t *b;
			larch_error_t err = {0};
			if (storage_read(r->s, &req, &c, &err)) {
				r->bad = 1;
				return NULL;
			}
			int64_t last = INT64_MIN;
			int rc;
			while ((rc = storage_cursor_next(c, &b, &err)) == LARCH_OK) {
				for (size_t i = 0; i < b->n_rows; i++) {
					r->bad |= b->times[i] <= last;
					last = b->times[i];
				}
				r->blocks++;
			}
			r->bad |= rc != LARCH_DONE;
			storage_cursor_free(c);
		}
	}
	return NULL;
}

static void test_concurrency(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	o.compaction = 1;
	o.compaction_interval_ms = 2;
	o.compaction_min_files = 2;
	o.compaction_unseq_files = 1;
	o.memtable_bytes = 1; /* seal as often as allowed */
	storage_t *s;
	larch_error_t err = {0};
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	wthread_t w[3];
	rthread_t r[2];
	pthread_t wt[3], rt[2];
	atomic_int stop = 0;
	for (int i = 0; i < 3; i++) {
		char dev[32];
		snprintf(dev, sizeof dev, DB ".w%d", i);
		w[i].s = s;
		w[i].id = i;
		make_dev(w[i].m, 3, dev, i % 2, TSFILE_DOUBLE, (uint32_t)(10 * i + 1));
		assert_int_equal(pthread_create(&wt[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		r[i] = (rthread_t){s, &stop, 0, 0};
		assert_int_equal(pthread_create(&rt[i], NULL, reader_main, &r[i]), 0);
	}
	for (int i = 0; i < 3; i++) {
		void *ret;
		pthread_join(wt[i], &ret);
		assert_null(ret);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++) {
		pthread_join(rt[i], NULL);
		assert_false(r[i].bad);
		assert_true(r[i].blocks > 0);
	}
	for (int i = 0; i < 3; i++)
		check_devs(s, w[i].m, 3);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	for (int i = 0; i < 3; i++)
		check_devs(s, w[i].m, 3);
	storage_stats_t st;
	storage_stats(s, &st);
	assert_int_equal(st.memtable_bytes, 0); /* readers gone: retired arrays freed too */
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	for (int i = 0; i < 3; i++)
		mser_free(w[i].m, 3);
	rm_dir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_memtable_and_files),
		cmocka_unit_test(test_delete_races_flush),
		cmocka_unit_test(test_drop_database),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_last_cache),
		cmocka_unit_test(test_memory_budget),
		cmocka_unit_test(test_compaction),
		cmocka_unit_test(test_background_compaction),
		cmocka_unit_test(test_concurrency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
