/* Unit test for the memory the engine keeps per series once data is in
 * files: 100,000 series created by inserts (200 devices x 500 measurements,
 * as bench/engine_bench's run_memory at a tenth of the size), flushed; the
 * live bytes counted by the allocator front door (mem_used, deterministic)
 * must stay under a bound per series.  IoTDB users hit limits near 200
 * bytes per series; the schema alone takes about 28. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "larch/larch.h"
#include "../helpers/fixture.h"

enum { DEVICES = 200, SENSORS = 500 };
#define MAX_BYTES_PER_SERIES 64.0

static double bytes_per_series(larch_db_t *db, int aligned, int64_t t)
{
	static double values[SENSORS];
	static char names[SENSORS][16];
	static tsfile_column_t cols[SENSORS];
	for (int s = 0; s < SENSORS; s++) {
		snprintf(names[s], sizeof names[s], "s%d", s);
		cols[s] = (tsfile_column_t){names[s], TSFILE_DOUBLE, &values[s], NULL};
	}
	larch_error_t err = {0};
	size_t before = mem_used();
	for (int d = 0; d < DEVICES; d++) {
		char dev[64];
		snprintf(dev, sizeof dev, "root.mem%d.g%d.d%d", aligned, d / 100, d);
		tsfile_tablet_t tab = {dev, 1, &t, SENSORS, cols};
		if (larch_insert_tablet(db, &tab, aligned, &err))
			fail_msg("insert: %s", err.msg);
	}
	if (larch_flush(db, &err))
		fail_msg("flush: %s", err.msg);
	return (double)(mem_used() - before) / (DEVICES * SENSORS);
}

static void test_bytes_per_series_after_flush(void **state)
{
	(void)state;
	larch_options_t opt;
	larch_options_default(&opt);
	opt.wal_mode = LARCH_WAL_OFF;
	larch_db_t *db;
	larch_error_t err = {0};
	assert_int_equal(larch_open(fixture_dir, &opt, &db, &err), LARCH_OK);
	assert_int_equal(larch_flush(db, &err), LARCH_OK);
	double non_aligned = bytes_per_series(db, 0, 1);
	double aligned = bytes_per_series(db, 1, 1);
	print_message("bytes per series after flush: %.1f non-aligned, %.1f aligned\n",
		      non_aligned, aligned);
	assert_true(non_aligned < MAX_BYTES_PER_SERIES);
	assert_true(aligned < MAX_BYTES_PER_SERIES);
	/* reading one series opens one file's index; it is closed again once
	 * beyond the reader budget, not kept per series forever */
	larch_iter_t *it;
	assert_int_equal(larch_read_series(db, "root.mem0.g0.d0.s0", 0, 10, &it, &err), LARCH_OK);
	assert_int_equal(larch_iter_next(it, &err), LARCH_OK);
	assert_int_equal(larch_iter_block(it)->n_rows, 1);
	larch_iter_free(it);
	assert_int_equal(larch_close(db, &err), LARCH_OK);
	/* after a restart: the schema only */
	size_t before = mem_used();
	assert_int_equal(larch_open(fixture_dir, &opt, &db, &err), LARCH_OK);
	double reopened = (double)(mem_used() - before) / (2.0 * DEVICES * SENSORS);
	print_message("bytes per series after reopen: %.1f\n", reopened);
	assert_true(reopened < MAX_BYTES_PER_SERIES);
	assert_int_equal(larch_close(db, &err), LARCH_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bytes_per_series_after_flush,
						fixture_dir_setup, fixture_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
