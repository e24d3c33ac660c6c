/* Unit tests for TsFile reader residency in src/storage: a file's reader
 * (its whole index) is open only while used and closed again by the trim
 * beyond reader_cache_bytes; reads, last-value lookups, deletions and
 * compaction through closed and reopened readers are compared with the
 * reference model of test_storage_common.h. */
#include <pthread.h>

#include "test_storage_common.h"

enum { DEVS = 3, SERS = 4 };

typedef struct world {
	char *dir;
	storage_t *s;
	mser_t m[DEVS][SERS];
} world_t;

static storage_t *open_storage(const char *dir, uint64_t reader_cache)
{
	storage_options_t o;
	test_options(&o);
	o.reader_cache_bytes = reader_cache;
	storage_t *s = NULL;
	larch_error_t err = {0};
	if (storage_open(dir, &o, &s, &err))
		fail_msg("storage_open: %s", err.msg);
	return s;
}

static void world_init(world_t *w, uint64_t reader_cache)
{
	memset(w, 0, sizeof *w);
	w->dir = tmp_dir();
	w->s = open_storage(w->dir, reader_cache);
	for (int d = 0; d < DEVS; d++)
		for (int k = 0; k < SERS; k++) {
			mser_t *m = &w->m[d][k];
			snprintf(m->device, sizeof m->device, "root.r.d%d", d);
			snprintf(m->meas, sizeof m->meas, "s%d", k);
			m->type = all_types[(size_t)(d * SERS + k) % N_TYPES];
			m->id = (uint32_t)(1 + d * SERS + k);
			m->aligned = d == 0;
		}
}

static void world_free(world_t *w)
{
	larch_error_t err = {0};
	assert_int_equal(storage_close(w->s, &err), LARCH_OK);
	for (int d = 0; d < DEVS; d++)
		mser_free(w->m[d], SERS);
	rm_dir(w->dir);
}

/* One batch of random rows for every device (times may go back). */
static void world_write(world_t *w, int64_t t0)
{
	enum { ROWS = 50 };
	int64_t times[ROWS], rv[SERS][ROWS], *r[SERS];
	for (int d = 0; d < DEVS; d++) {
		mser_t *ser[SERS];
		for (int i = 0; i < ROWS; i++)
			times[i] = t0 + rnd_range(-200, 800);
		for (int k = 0; k < SERS; k++) {
			ser[k] = &w->m[d][k];
			r[k] = rv[k];
			for (int i = 0; i < ROWS; i++)
				rv[k][i] = (int64_t)(rnd() >> 1);
		}
		larch_error_t err = {0};
		if (write_rows(w->s, "root.r", ser, SERS, times, r, ROWS, 5, &err))
			fail_msg("write: %s", err.msg);
	}
}

static void world_check(world_t *w)
{
	for (int d = 0; d < DEVS; d++) {
		for (int k = 0; k < SERS; k++)
			check_series(w->s, "root.r", &w->m[d][k], INT64_MIN, INT64_MAX);
		mser_t *ms[SERS];
		for (int k = 0; k < SERS; k++)
			ms[k] = &w->m[d][k];
		check_device(w->s, "root.r", ms, SERS, 100, 2500);
	}
}

/* The last point of every series against the model. */
static void world_check_last(world_t *w)
{
	arena_t *a = arena_new(0);
	for (int d = 0; d < DEVS; d++)
		for (int k = 0; k < SERS; k++) {
			const mser_t *m = &w->m[d][k];
			storage_series_ref_t ref = {m->device, m->id, m->meas, m->type};
			int64_t t;
			tsfile_value_t v;
			int found;
			larch_error_t err = {0};
			if (storage_last(w->s, "root.r", &ref, a, &t, &v, &found, &err))
				fail_msg("storage_last: %s", err.msg);
			assert_int_equal(found, m->n > 0);
			if (found)
				assert_int_equal(t, m->p[m->n - 1].t);
		}
	arena_free(a);
}

static uint64_t reader_bytes(storage_t *s)
{
	storage_stats_t st;
	storage_stats(s, &st);
	return st.reader_bytes;
}

static void flush(storage_t *s)
{
	larch_error_t err = {0};
	if (storage_flush(s, &err))
		fail_msg("flush: %s", err.msg);
}

static void test_open_on_demand(void **state)
{
	(void)state;
	world_t w;
	world_init(&w, (uint64_t)1 << 30);
	for (int g = 0; g < 4; g++) {
		world_write(&w, g * 500);
		flush(w.s);
	}
	/* flushed files keep no index in memory */
	assert_int_equal(reader_bytes(w.s), 0);
	world_check(&w);
	/* the reads opened them; the budget is large: they stay */
	uint64_t open = reader_bytes(w.s);
	assert_true(open > 0);
	world_check(&w);
	assert_int_equal(reader_bytes(w.s), open);
	/* after a reopen, nothing is open until read */
	larch_error_t err = {0};
	assert_int_equal(storage_close(w.s, &err), LARCH_OK);
	w.s = open_storage(w.dir, (uint64_t)1 << 30);
	assert_int_equal(reader_bytes(w.s), 0);
	world_check(&w);
	world_check_last(&w);
	assert_int_equal(reader_bytes(w.s), open);
	world_free(&w);
}

/* A budget of one byte: every trim closes every idle reader, so every
 * operation below runs on readers closed and opened again. */
static void test_tiny_budget(void **state)
{
	(void)state;
	world_t w;
	world_init(&w, 1);
	for (int g = 0; g < 6; g++) {
		world_write(&w, g * 400);
		flush(w.s);
		world_check(&w);
		storage_readers_trim(w.s);
		assert_int_equal(reader_bytes(w.s), 0);
		world_check_last(&w);
		assert_int_equal(reader_bytes(w.s), 0); /* the lookup trims after itself */
	}
	/* deletions reach files whose readers are closed */
	for (int d = 0; d < DEVS; d++) {
		storage_series_ref_t refs[SERS];
		for (int k = 0; k < SERS; k++) {
			mser_t *m = &w.m[d][k];
			refs[k] = (storage_series_ref_t){m->device, m->id, m->meas, m->type};
			mser_delete(m, 300 + 100 * d, 1400);
		}
		larch_error_t err = {0};
		for (int k = 0; k < SERS; k++)
			if (storage_delete(w.s, "root.r", &refs[k], 1, 300 + 100 * d, 1400, &err))
				fail_msg("delete: %s", err.msg);
	}
	assert_int_equal(reader_bytes(w.s), 0);
	world_check(&w);
	world_check_last(&w);
	/* compaction merges files whose readers were closed */
	size_t done = 0;
	larch_error_t err = {0};
	storage_readers_trim(w.s);
	assert_int_equal(storage_compact(w.s, &done, &err), LARCH_OK);
	assert_true(done > 0);
	storage_readers_trim(w.s);
	world_check(&w);
	check_files(w.s);
	world_free(&w);
}

/* Readers opened by queries, closed by trims, files added by flushes and
 * compactions, last-value lookups: at once, checked by ASan/TSan-clean
 * completion and a final comparison with the model. */
typedef struct churn {
	world_t *w;
	volatile int stop;
	int lasts;
} churn_t;

static void *trimmer(void *arg)
{
	churn_t *c = arg;
	while (!c->stop) {
		storage_readers_trim(c->w->s);
		usleep(200);
	}
	return NULL;
}

static void *reader(void *arg)
{
	churn_t *c = arg;
	arena_t *a = arena_new(0);
	while (!c->stop) {
		for (int d = 0; d < DEVS; d++) {
			const mser_t *m = &c->w->m[d][0];
			storage_series_ref_t ref = {m->device, m->id, m->meas, m->type};
			storage_read_t req = {"root.r", m->device, &ref, 1, m->aligned, INT64_MIN,
					      INT64_MAX};
			storage_cursor_t *cur;
			larch_error_t err = {0};
			assert_int_equal(storage_read(c->w->s, &req, &cur, &err), LARCH_OK);
			const storage_block_t *b;
			int rc;
			while ((rc = storage_cursor_next(cur, &b, &err)) == LARCH_OK)
				;
			assert_int_equal(rc, LARCH_DONE);
			storage_cursor_free(cur);
			int64_t t;
			tsfile_value_t v;
			int found;
			arena_reset(a);
			assert_int_equal(storage_last(c->w->s, "root.r", &ref, a, &t, &v, &found, &err),
					 LARCH_OK);
			c->lasts++;
		}
	}
	arena_free(a);
	return NULL;
}

static void test_concurrent_trims(void **state)
{
	(void)state;
	world_t w;
	world_init(&w, 1);
	churn_t c = {&w, 0, 0};
	pthread_t th[3];
	pthread_create(&th[0], NULL, trimmer, &c);
	pthread_create(&th[1], NULL, reader, &c);
	pthread_create(&th[2], NULL, reader, &c);
	for (int g = 0; g < 12; g++) {
		world_write(&w, g * 300);
		flush(w.s);
		if (g % 4 == 3) {
			size_t done = 0;
			larch_error_t err = {0};
			assert_int_equal(storage_compact(w.s, &done, &err), LARCH_OK);
		}
	}
	c.stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_true(c.lasts > 0);
	world_check(&w);
	world_check_last(&w);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_on_demand),
		cmocka_unit_test(test_tiny_budget),
		cmocka_unit_test(test_concurrent_trims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
