/* Unit tests for src/engine's schema statements (include/larch/larch.h):
 * databases, time series, TTL (persisted, reapplied on open) and the
 * canonical device path handed to storage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "larch/larch.h"
#include "../helpers/fixture.h"

#define OK(call)                                                                   \
	do {                                                                       \
		larch_error_t e_ = {0};                                            \
		int rc_ = (call);                                                  \
		if (rc_)                                                           \
			fail_msg("%s: %d %s", #call, rc_, e_.msg);                 \
	} while (0)
/* OK(...) passes &e_ as the error: calls are written with E. */
#define E (&e_)

static void put_i64(larch_db_t *db, const char *dev, const char *m, int64_t t, int64_t v)
{
	tsfile_point_t p = {m, {TSFILE_INT64, 0, {.i64 = v}}};
	OK(larch_insert_record(db, dev, t, &p, 1, 0, E));
}

/* The points of one series, as (time, value) pairs into t[] / v[]; returns
 * the count, or -code when the read fails. */
static long read_i64(larch_db_t *db, const char *path, int64_t *t, int64_t *v, size_t cap)
{
	larch_iter_t *it;
	larch_error_t err = {0};
	int rc = larch_read_series(db, path, INT64_MIN, INT64_MAX, &it, &err);
	if (rc)
		return -rc;
	size_t n = 0;
	while ((rc = larch_iter_next(it, &err)) == LARCH_OK) {
		const larch_block_t *b = larch_iter_block(it);
		for (size_t i = 0; i < b->n_rows; i++, n++) {
			assert_true(n < cap);
			t[n] = b->times[i];
			v[n] = ((const int64_t *)b->columns[0].values)[i];
		}
	}
	assert_int_equal(rc, LARCH_DONE);
	larch_iter_free(it);
	return (long)n;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*---------------------------------------------------------------------------
 * (c) canonical device paths
 *---------------------------------------------------------------------------*/

static void test_backquoted_device_is_canonical(void **state)
{
	(void)state;
	larch_db_t *db = fixture_open_db(NULL);
	/* four spellings of one series: storage used to refuse the quoted ones */
	put_i64(db, "root.sg.`d1`", "s1", 1, 10);
	put_i64(db, "root.sg.d1", "`s1`", 2, 20);
	put_i64(db, "ROOT.sg.d1", "s1", 3, 30);
	put_i64(db, "root.`sg`.`d1`", "`s1`", 4, 40);
	/* a node that needs its quotes keeps them */
	put_i64(db, "root.sg.`d.2`", "s1", 5, 50);
	int64_t t[8], v[8];
	for (int pass = 0; pass < 3; pass++) {
		/* in memory, flushed, reopened */
		assert_int_equal(read_i64(db, "root.sg.d1.s1", t, v, 8), 4);
		for (int i = 0; i < 4; i++) {
			assert_int_equal(t[i], i + 1);
			assert_int_equal(v[i], 10 * (i + 1));
		}
		assert_int_equal(read_i64(db, "root.sg.`d1`.`s1`", t, v, 8), 4);
		assert_int_equal(read_i64(db, "root.sg.`d.2`.s1", t, v, 8), 1);
		assert_int_equal(v[0], 50);
		if (pass == 0) {
			OK(larch_flush(db, E));
		} else if (pass == 1) {
			fixture_close_db(db);
			db = fixture_open_db(NULL);
		}
	}
	fixture_close_db(db);
}

/*---------------------------------------------------------------------------
 * (b) TTL
 *---------------------------------------------------------------------------*/

typedef struct ttl_seen {
	char names[8][64];
	int64_t ttl[8];
	int n;
} ttl_seen_t;

static int ttl_cb(void *arg, const char *database, int64_t ttl)
{
	ttl_seen_t *s = arg;
	assert_true(s->n < 8);
	snprintf(s->names[s->n], sizeof s->names[s->n], "%s", database);
	s->ttl[s->n++] = ttl;
	return 0;
}

static void test_ttl_persisted_and_applied(void **state)
{
	(void)state;
	larch_db_t *db = fixture_open_db(NULL);
	int64_t now = now_ms(), t[8], v[8];
	put_i64(db, "root.ln.d", "s", now - 10 * 3600000LL, 1); /* 10 hours old */
	put_i64(db, "root.ln.d", "s", now, 2);
	put_i64(db, "root.other.d", "s", now - 10 * 3600000LL, 3);
	OK(larch_set_ttl(db, "root.ln", 3600000, E));
	assert_int_equal(read_i64(db, "root.ln.d.s", t, v, 8), 1);
	assert_int_equal(v[0], 2);
	assert_int_equal(read_i64(db, "root.other.d.s", t, v, 8), 1);
	/* a write older than the TTL is refused whole (607); root.other has none */
	larch_error_t err = {0};
	tsfile_point_t p = {"s", {TSFILE_INT64, 0, {.i64 = 9}}};
	assert_int_equal(larch_insert_record(db, "root.ln.d", now - 2 * 3600000LL, &p, 1, 0, &err),
			 LARCH_OUT_OF_TTL);
	int64_t two[2] = {now + 1, now - 2 * 3600000LL}, vals[2] = {7, 8};
	tsfile_column_t col = {"s", TSFILE_INT64, vals, NULL};
	tsfile_tablet_t tab = {"root.ln.d", 2, two, 1, &col};
	assert_int_equal(larch_insert_tablet(db, &tab, 0, &err), LARCH_OUT_OF_TTL);
	assert_int_equal(read_i64(db, "root.ln.d.s", t, v, 8), 1);
	put_i64(db, "root.other.d", "s", now - 20 * 3600000LL, 5);
	assert_int_equal(read_i64(db, "root.other.d.s", t, v, 8), 2);
	fixture_close_db(db);

	/* recovered from the schema and handed to storage again */
	db = fixture_open_db(NULL);
	assert_int_equal(read_i64(db, "root.ln.d.s", t, v, 8), 1);
	assert_int_equal(v[0], 2);
	ttl_seen_t seen = {0};
	OK(larch_show_ttl(db, NULL, ttl_cb, &seen, E));
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.names[0], "root.ln");
	assert_int_equal(seen.ttl[0], 3600000);
	assert_string_equal(seen.names[1], "root.other");
	assert_int_equal(seen.ttl[1], 0);
	/* the root.x.** form and a pattern over databases */
	OK(larch_set_ttl(db, "root.other.**", 7200000, E));
	assert_int_equal(read_i64(db, "root.other.d.s", t, v, 8), 0);
	OK(larch_set_ttl(db, "root.*", 5000, E));
	memset(&seen, 0, sizeof seen);
	OK(larch_show_ttl(db, "root.ln", ttl_cb, &seen, E));
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.ttl[0], 5000);
	/* UNSET: an old point written now is visible again */
	OK(larch_unset_ttl(db, "root.ln", E));
	put_i64(db, "root.ln.d", "s", now - 20 * 3600000LL, 4);
	assert_true(read_i64(db, "root.ln.d.s", t, v, 8) >= 2);
	assert_int_equal(t[0], now - 20 * 3600000LL);
	fixture_close_db(db);

	db = fixture_open_db(NULL);
	memset(&seen, 0, sizeof seen);
	OK(larch_show_ttl(db, "root.**", ttl_cb, &seen, E));
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.ttl[0], 0);      /* root.ln: unset survived */
	assert_int_equal(seen.ttl[1], 5000);   /* root.other */
	assert_int_equal(read_i64(db, "root.other.d.s", t, v, 8), 0);
	fixture_close_db(db);
}

static void test_ttl_in_microseconds(void **state)
{
	(void)state;
	larch_options_t opt;
	larch_options_default(&opt);
	opt.precision = LARCH_US;
	opt.partition_interval = 7LL * 86400 * 1000000;
	larch_db_t *db = fixture_open_db(&opt);
	int64_t now_us = now_ms() * 1000, t[4], v[4];
	put_i64(db, "root.us.d", "s", now_us - 30 * 60 * 1000000LL, 1); /* 30 min old */
	put_i64(db, "root.us.d", "s", now_us - 2 * 3600 * 1000000LL, 2); /* 2 h old */
	/* one hour in ms, whatever the precision */
	OK(larch_set_ttl(db, "root.us", 3600000, E));
	assert_int_equal(read_i64(db, "root.us.d.s", t, v, 4), 1);
	assert_int_equal(v[0], 1);
	fixture_close_db(db);
}

static void test_ttl_errors(void **state)
{
	(void)state;
	larch_db_t *db = fixture_open_db(NULL);
	larch_error_t err = {0};
	OK(larch_create_database(db, "root.ln", E));
	assert_int_equal(larch_set_ttl(db, "root.ln", 0, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(larch_set_ttl(db, "root.ln", -5, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(larch_set_ttl(db, "root.nothere", 1000, &err), LARCH_PATH_NOT_EXIST);
	assert_int_equal(larch_set_ttl(db, "root.ln.d1", 1000, &err), LARCH_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "root.ln.d1"));
	assert_int_equal(larch_set_ttl(db, "root.ln..x", 1000, &err), LARCH_ILLEGAL_PATH);
	assert_int_equal(larch_unset_ttl(db, "root.nothere", &err), LARCH_PATH_NOT_EXIST);
	/* a dropped database takes its TTL with it */
	OK(larch_set_ttl(db, "root.ln", 1000, E));
	const char *pat = "root.ln";
	OK(larch_drop_database(db, &pat, 1, E));
	OK(larch_create_database(db, "root.ln", E));
	ttl_seen_t seen = {0};
	OK(larch_show_ttl(db, NULL, ttl_cb, &seen, E));
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.ttl[0], 0);
	fixture_close_db(db);
}

/*---------------------------------------------------------------------------
 * (d) databases and time series
 *---------------------------------------------------------------------------*/

static int dir_exists(const char *sub)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", fixture_dir, sub);
	return stat(p, &st) == 0;
}

static void test_create_and_drop_database(void **state)
{
	(void)state;
	larch_db_t *db = fixture_open_db(NULL);
	larch_error_t err = {0};
	OK(larch_create_database(db, "root.sg1", E));
	assert_int_equal(larch_create_database(db, "root.sg1", &err), LARCH_DATABASE_ALREADY_EXISTS);
	/* no database inside another, nor above one */
	assert_int_equal(larch_create_database(db, "root.sg1.inner", &err),
			 LARCH_DATABASE_ALREADY_EXISTS);
	OK(larch_create_database(db, "root.a.b", E));
	assert_int_equal(larch_create_database(db, "root.a", &err), LARCH_DATABASE_CONFLICT);
	assert_int_equal(larch_create_database(db, "root", &err), LARCH_ILLEGAL_PATH);
	assert_int_equal(larch_create_database(db, "", &err), LARCH_ILLEGAL_PATH);
	const char *unknown = "root.nothere";
	assert_int_equal(larch_drop_database(db, &unknown, 1, &err), LARCH_PATH_NOT_EXIST);
	assert_int_equal(larch_drop_database(db, NULL, 0, &err), LARCH_ILLEGAL_PARAMETER);

	/* data in files and in memory; the drop removes both and the directory */
	put_i64(db, "root.sg1.d", "s", 1, 1);
	OK(larch_flush(db, E));
	put_i64(db, "root.sg1.d", "s", 2, 2);
	put_i64(db, "root.a.b.d", "s", 1, 7);
	OK(larch_flush(db, E));
	assert_true(dir_exists("storage/data/root.sg1"));
	const char *pat = "root.sg*";
	OK(larch_drop_database(db, &pat, 1, E));
	assert_false(dir_exists("storage/data/root.sg1"));
	int64_t t[4], v[4];
	assert_int_equal(read_i64(db, "root.sg1.d.s", t, v, 4), -LARCH_PATH_NOT_EXIST);
	/* created again: no old point comes back, before or after a reopen */
	put_i64(db, "root.sg1.d", "s", 3, 3);
	assert_int_equal(read_i64(db, "root.sg1.d.s", t, v, 4), 1);
	fixture_close_db(db);
	db = fixture_open_db(NULL);
	assert_int_equal(read_i64(db, "root.sg1.d.s", t, v, 4), 1);
	assert_int_equal(v[0], 3);
	assert_int_equal(read_i64(db, "root.a.b.d.s", t, v, 4), 1); /* untouched */
	fixture_close_db(db);
}

static void test_create_timeseries(void **state)
{
	(void)state;
	larch_options_t opt;
	larch_options_default(&opt);
	opt.auto_create_schema = 0;
	larch_db_t *db = fixture_open_db(&opt);
	larch_error_t err = {0};
	larch_series_def_t def = {NULL, TSFILE_INT64, -1, -1, NULL, NULL, 0, NULL, 0};
	/* no database and no auto-creation */
	assert_int_equal(larch_create_timeseries(db, "root.x.d.s", &def, &err),
			 LARCH_DATABASE_NOT_EXIST);
	OK(larch_create_database(db, "root.x", E));
	larch_kv_t tags[] = {{"unit", "C"}}, attrs[] = {{"owner", "me"}};
	larch_series_def_t full = {NULL, TSFILE_INT64, TSFILE_TS_2DIFF, TSFILE_LZ4, "temp",
				   tags, 1, attrs, 1};
	OK(larch_create_timeseries(db, "root.x.d.s", &full, E));
	assert_int_equal(larch_create_timeseries(db, "root.x.d.s", &def, &err),
			 LARCH_TIMESERIES_ALREADY_EXIST);
	/* type errors: an encoding the type does not support, an unknown type */
	larch_series_def_t bad = {NULL, TSFILE_TEXT, TSFILE_GORILLA, -1, NULL, NULL, 0, NULL, 0};
	assert_int_equal(larch_create_timeseries(db, "root.x.d.t", &bad, &err),
			 LARCH_METADATA_ERROR);
	bad = (larch_series_def_t){NULL, (tsfile_type_t)99, -1, -1, NULL, NULL, 0, NULL, 0};
	assert_int_equal(larch_create_timeseries(db, "root.x.d.t", &bad, &err),
			 LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(larch_create_timeseries(db, "root.x.d.t", NULL, &err),
			 LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(larch_create_timeseries(db, "root.x", &def, &err), LARCH_ILLEGAL_PATH);
	/* written with a value of another type: refused; the alias reads */
	tsfile_point_t p = {"s", {TSFILE_TEXT, 0, {.bytes = {"a", 1}}}};
	assert_int_equal(larch_insert_record(db, "root.x.d", 1, &p, 1, 0, &err),
			 LARCH_METADATA_ERROR);
	put_i64(db, "root.x.d", "s", 5, 55);
	int64_t t[4], v[4];
	assert_int_equal(read_i64(db, "root.x.d.temp", t, v, 4), 1);
	assert_int_equal(v[0], 55);

	/* aligned: all or none, and the device stays aligned */
	larch_series_def_t adefs[] = {
		{"a", TSFILE_INT64, -1, -1, NULL, NULL, 0, NULL, 0},
		{"b", TSFILE_DOUBLE, -1, -1, NULL, NULL, 0, NULL, 0},
	};
	OK(larch_create_aligned_timeseries(db, "root.x.ad", adefs, 2, E));
	assert_int_equal(larch_create_timeseries(db, "root.x.ad.c", &def, &err),
			 LARCH_ALIGNED_TIMESERIES_ERROR);
	assert_int_equal(larch_create_aligned_timeseries(db, "root.x.d", adefs, 2, &err),
			 LARCH_ALIGNED_TIMESERIES_ERROR);
	larch_series_def_t dup[] = {
		{"c", TSFILE_INT64, -1, -1, NULL, NULL, 0, NULL, 0},
		{"a", TSFILE_INT64, -1, -1, NULL, NULL, 0, NULL, 0},
	};
	assert_int_not_equal(larch_create_aligned_timeseries(db, "root.x.ad", dup, 2, &err),
			     LARCH_OK);
	assert_int_equal(read_i64(db, "root.x.ad.c", t, v, 4), -LARCH_PATH_NOT_EXIST);
	assert_int_equal(larch_create_aligned_timeseries(db, "root.x.ad2", adefs, 0, &err),
			 LARCH_ILLEGAL_PARAMETER);
	fixture_close_db(db);
	/* persisted */
	db = fixture_open_db(&opt);
	assert_int_equal(larch_create_timeseries(db, "root.x.d.s", &def, &err),
			 LARCH_TIMESERIES_ALREADY_EXIST);
	assert_int_equal(read_i64(db, "root.x.d.temp", t, v, 4), 1);
	fixture_close_db(db);
}

static void test_delete_timeseries(void **state)
{
	(void)state;
	larch_db_t *db = fixture_open_db(NULL);
	larch_error_t err = {0};
	for (int i = 0; i < 10; i++) {
		put_i64(db, "root.y.d", "gone", i, i);
		put_i64(db, "root.y.d", "kept", i, i);
	}
	OK(larch_flush(db, E));
	put_i64(db, "root.y.d", "gone", 100, 100); /* and in memory */
	const char *pat = "root.y.*.gone";
	OK(larch_delete_timeseries(db, &pat, 1, E));
	int64_t t[16], v[16];
	assert_int_equal(read_i64(db, "root.y.d.gone", t, v, 16), -LARCH_PATH_NOT_EXIST);
	assert_int_equal(read_i64(db, "root.y.d.kept", t, v, 16), 10);
	assert_int_equal(larch_delete_timeseries(db, &pat, 1, &err), LARCH_PATH_NOT_EXIST);
	assert_int_equal(larch_delete_timeseries(db, NULL, 0, &err), LARCH_ILLEGAL_PARAMETER);
	/* created again: the old points do not come back */
	put_i64(db, "root.y.d", "gone", 200, 200);
	assert_int_equal(read_i64(db, "root.y.d.gone", t, v, 16), 1);
	fixture_close_db(db);
	db = fixture_open_db(NULL);
	assert_int_equal(read_i64(db, "root.y.d.gone", t, v, 16), 1);
	assert_int_equal(t[0], 200);
	assert_int_equal(read_i64(db, "root.y.d.kept", t, v, 16), 10);
	fixture_close_db(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backquoted_device_is_canonical, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_ttl_persisted_and_applied, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_ttl_in_microseconds, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_ttl_errors, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_create_and_drop_database, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_create_timeseries, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_delete_timeseries, fixture_dir_setup,
						fixture_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
