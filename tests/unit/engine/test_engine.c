/* Unit tests for src/engine: the embedded API of include/larch/larch.h. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/base.h"
#include "larch/larch.h"
#include "../helpers/fixture.h"

/* Ten columns, one per data type, with every third row null in column c. */
enum { ROWS = 1000, COLS = 10 };
static const tsfile_type_t col_types[COLS] = {
	TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT, TSFILE_DOUBLE,
	TSFILE_TEXT, TSFILE_STRING, TSFILE_BLOB, TSFILE_DATE, TSFILE_TIMESTAMP};
static const char *const col_names[COLS] = {"b", "i", "l", "f", "d", "t", "s", "x", "dt", "ts"};

typedef struct sample {
	int64_t times[ROWS];
	uint8_t bools[ROWS];
	int32_t i32[ROWS];
	int64_t i64[ROWS];
	float f32[ROWS];
	double f64[ROWS];
	tsfile_bytes_t bytes[ROWS];
	char text[ROWS][16];
	uint8_t nulls[COLS][ROWS];
	tsfile_column_t cols[COLS];
} sample_t;

static const void *sample_values(sample_t *s, tsfile_type_t t)
{
	switch (t) {
	case TSFILE_BOOLEAN: return s->bools;
	case TSFILE_INT32:
	case TSFILE_DATE: return s->i32;
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP: return s->i64;
	case TSFILE_FLOAT: return s->f32;
	case TSFILE_DOUBLE: return s->f64;
	default: return s->bytes;
	}
}

/* Rows in shuffled time order (out-of-order within the tablet). */
static void sample_fill(sample_t *s, int64_t t0)
{
	for (int r = 0; r < ROWS; r++) {
		int k = (r * 7919) % ROWS; /* a permutation of 0..ROWS-1 */
		s->times[r] = t0 + k * 10;
		s->bools[r] = (uint8_t)(k % 2);
		s->i32[r] = k * 3 - 500;
		s->i64[r] = (int64_t)k * 1000000007LL;
		s->f32[r] = (float)k / 4.0f;
		s->f64[r] = k * 0.125;
		snprintf(s->text[r], sizeof s->text[r], "v%d", k);
		s->bytes[r] = (tsfile_bytes_t){s->text[r], (uint32_t)strlen(s->text[r])};
		if (k % 50 == 0)
			s->bytes[r].len = 0; /* empty strings are values, not nulls */
		for (int c = 0; c < COLS; c++)
			s->nulls[c][r] = (uint8_t)((k + c) % 3 == 0);
	}
	for (int c = 0; c < COLS; c++)
		s->cols[c] = (tsfile_column_t){col_names[c], col_types[c],
					      sample_values(s, col_types[c]), s->nulls[c]};
}

/* Read device `dev` back and compare every cell with the sample. */
static void check_device(larch_db_t *db, const char *dev, sample_t *s, int64_t t0)
{
	larch_iter_t *it;
	larch_error_t err = {0};
	const char *names[COLS];
	for (int c = 0; c < COLS; c++)
		names[c] = col_names[c];
	int rc = larch_read_device(db, dev, names, COLS, INT64_MIN, INT64_MAX, &it, &err);
	if (rc)
		fail_msg("read %s: %s", dev, err.msg);
	size_t rows = 0;
	while ((rc = larch_iter_next(it, &err)) == LARCH_OK) {
		const larch_block_t *b = larch_iter_block(it);
		assert_int_equal(b->n_columns, COLS);
		for (size_t r = 0; r < b->n_rows; r++, rows++) {
			int64_t k = (b->times[r] - t0) / 10;
			assert_int_equal(b->times[r], t0 + k * 10);
			size_t src = 0; /* the sample row holding k */
			while (s->times[src] != b->times[r])
				src++;
			for (int c = 0; c < COLS; c++) {
				const larch_column_t *col = &b->columns[c];
				assert_int_equal(col->type, col_types[c]);
				int null = col->nulls && col->nulls[r];
				assert_int_equal(null, s->nulls[c][src]);
				if (null)
					continue;
				size_t es = tsfile_type_size(col_types[c]);
				const uint8_t *got = (const uint8_t *)col->values + r * es;
				const uint8_t *want = (const uint8_t *)sample_values(s, col_types[c]) + src * es;
				if (es == sizeof(tsfile_bytes_t)) {
					const tsfile_bytes_t *g = (const void *)got, *w = (const void *)want;
					assert_int_equal(g->len, w->len);
					assert_memory_equal(g->ptr, w->ptr, w->len);
				} else {
					assert_memory_equal(got, want, es);
				}
			}
		}
	}
	assert_int_equal(rc, LARCH_DONE);
	assert_int_equal(rows, ROWS); /* every row has at least one non-null */
	larch_iter_free(it);
}

static void write_sample(larch_db_t *db, const char *dev, sample_t *s, int aligned)
{
	larch_error_t err = {0};
	tsfile_tablet_t t = {dev, ROWS, s->times, COLS, s->cols};
	int rc = larch_insert_tablet(db, &t, aligned, &err);
	if (rc)
		fail_msg("insert %s: %d %s", dev, rc, err.msg);
}

static void test_roundtrip_all_types(void **state)
{
	(void)state;
	static sample_t s;
	sample_fill(&s, 1000);
	larch_db_t *db = fixture_open_db(NULL);
	write_sample(db, "root.sg.d1", &s, 0);
	write_sample(db, "root.sg.d2", &s, 1);
	check_device(db, "root.sg.d1", &s, 1000); /* from memtables */
	check_device(db, "root.sg.d2", &s, 1000);
	larch_error_t err = {0};
	assert_int_equal(larch_flush(db, &err), LARCH_OK);
	check_device(db, "root.sg.d1", &s, 1000); /* from files */
	check_device(db, "root.sg.d2", &s, 1000);
	fixture_close_db(db);
	db = fixture_open_db(NULL);
	check_device(db, "root.sg.d1", &s, 1000); /* after reopening */
	check_device(db, "root.sg.d2", &s, 1000);
	fixture_close_db(db);
}

static void test_unflushed_data_survives_reopen(void **state)
{
	(void)state;
	static sample_t s;
	sample_fill(&s, 50000);
	larch_options_t opt;
	larch_options_default(&opt);
	opt.wal_mode = LARCH_WAL_SYNC;
	larch_db_t *db = fixture_open_db(&opt);
	write_sample(db, "root.w.d", &s, 1);
	fixture_close_db(db); /* close flushes; the WAL replay is the fault test's job */
	db = fixture_open_db(&opt);
	check_device(db, "root.w.d", &s, 50000);
	fixture_close_db(db);
}

static int64_t read_one_i64(larch_db_t *db, const char *path, int64_t t, int *found)
{
	larch_iter_t *it;
	larch_error_t err = {0};
	*found = 0;
	if (larch_read_series(db, path, t, t, &it, &err))
		fail_msg("read %s: %s", path, err.msg);
	int64_t v = 0;
	while (larch_iter_next(it, &err) == LARCH_OK) {
		const larch_block_t *b = larch_iter_block(it);
		for (size_t r = 0; r < b->n_rows; r++)
			if (!b->columns[0].nulls || !b->columns[0].nulls[r]) {
				*found = 1;
				v = ((const int64_t *)b->columns[0].values)[r];
			}
	}
	larch_iter_free(it);
	return v;
}

static void test_overwrite_widen_delete(void **state)
{
	(void)state;
	larch_db_t *db = fixture_open_db(NULL);
	larch_error_t err = {0};
	tsfile_point_t p = {"v", {TSFILE_INT64, 0, {.i64 = 5}}};
	assert_int_equal(larch_insert_record(db, "root.o.d", 100, &p, 1, 0, &err), LARCH_OK);
	p.value.v.i64 = 6; /* same (series, time): the last write wins */
	assert_int_equal(larch_insert_record(db, "root.o.d", 100, &p, 1, 0, &err), LARCH_OK);
	int found;
	assert_int_equal(read_one_i64(db, "root.o.d.v", 100, &found), 6);
	assert_int_equal(larch_flush(db, &err), LARCH_OK);
	p.value.v.i64 = 7; /* overwrite of flushed data goes to an unsequence file */
	assert_int_equal(larch_insert_record(db, "root.o.d", 100, &p, 1, 0, &err), LARCH_OK);
	assert_int_equal(read_one_i64(db, "root.o.d.v", 100, &found), 7);
	/* an INT32 value into the INT64 series is widened */
	tsfile_point_t q = {"v", {TSFILE_INT32, 0, {.i32 = -9}}};
	assert_int_equal(larch_insert_record(db, "root.o.d", 200, &q, 1, 0, &err), LARCH_OK);
	assert_int_equal(read_one_i64(db, "root.o.d.v", 200, &found), -9);
	/* a TEXT value is IoTDB's type mismatch (a metadata error, 507), and
	 * nothing is written */
	tsfile_point_t bad = {"v", {TSFILE_TEXT, 0, {.bytes = {"x", 1}}}};
	assert_int_equal(larch_insert_record(db, "root.o.d", 300, &bad, 1, 0, &err),
			 LARCH_METADATA_ERROR);
	read_one_i64(db, "root.o.d.v", 300, &found);
	assert_false(found);
	/* the same through a string record: "x" is no INT64, 507, nothing written */
	const char *m[] = {"v"}, *sv[] = {"x"};
	assert_int_equal(larch_insert_string_record(db, "root.o.d", 300, m, sv, 1, 0, &err),
			 LARCH_METADATA_ERROR);
	assert_non_null(strstr(err.msg, "data type of root.o.d.v is not consistent"));
	read_one_i64(db, "root.o.d.v", 300, &found);
	assert_false(found);
	/* delete [150, 250] removes t=200 and keeps t=100 */
	assert_int_equal(larch_delete(db, "root.o.**", 150, 250, &err), LARCH_OK);
	read_one_i64(db, "root.o.d.v", 200, &found);
	assert_false(found);
	assert_int_equal(read_one_i64(db, "root.o.d.v", 100, &found), 7);
	fixture_close_db(db);
	db = fixture_open_db(NULL); /* the deletion is durable */
	read_one_i64(db, "root.o.d.v", 200, &found);
	assert_false(found);
	assert_int_equal(read_one_i64(db, "root.o.d.v", 100, &found), 7);
	fixture_close_db(db);
}

static void test_auto_create_off_and_errors(void **state)
{
	(void)state;
	larch_options_t opt;
	larch_options_default(&opt);
	opt.auto_create_schema = 0;
	larch_db_t *db = fixture_open_db(&opt);
	larch_error_t err = {0};
	tsfile_point_t p = {"v", {TSFILE_INT64, 0, {.i64 = 5}}};
	assert_int_equal(larch_insert_record(db, "root.x.d", 1, &p, 1, 0, &err), LARCH_PATH_NOT_EXIST);
	larch_iter_t *it = NULL;
	assert_int_equal(larch_read_series(db, "root.x.d.v", 0, 10, &it, &err), LARCH_PATH_NOT_EXIST);
	assert_null(it);
	tsfile_tablet_t empty = {"root.x.d", 0, NULL, 0, NULL};
	assert_int_equal(larch_insert_tablet(db, &empty, 0, &err), LARCH_ILLEGAL_PARAMETER);
	fixture_close_db(db);
	/* a directory made with ms precision is refused with ns */
	larch_options_default(&opt);
	opt.precision = LARCH_NS;
	larch_db_t *db2 = NULL;
	assert_int_equal(larch_open(fixture_dir, &opt, &db2, &err), LARCH_ILLEGAL_PARAMETER);
	assert_null(db2);
}

/* Every TsFile under fixture_dir passes tsfile_check. */
static int files_checked;
static int check_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)ftw;
	size_t n = strlen(p);
	if (flag == FTW_F && n > 7 && !strcmp(p + n - 7, ".tsfile")) {
		larch_error_t err = {0};
		if (tsfile_check(p, NULL, &err))
			fail_msg("%s: %s", p, err.msg);
		files_checked++;
	}
	return 0;
}

static void test_files_pass_check(void **state)
{
	(void)state;
	static sample_t s;
	larch_db_t *db = fixture_open_db(NULL);
	for (int k = 0; k < 3; k++) {
		sample_fill(&s, 1000 + k * 100000);
		write_sample(db, "root.c.d1", &s, 0);
		write_sample(db, "root.c.d2", &s, 1);
		larch_error_t err = {0};
		assert_int_equal(larch_flush(db, &err), LARCH_OK);
	}
	fixture_close_db(db);
	files_checked = 0;
	nftw(fixture_dir, check_entry, 16, FTW_PHYS);
	assert_true(files_checked >= 3);
}

/* CRC of every file's path and bytes under fixture_dir, in a stable order. */
static uLong dir_crc;
static int crc_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag != FTW_F)
		return 0;
	dir_crc = crc32(dir_crc, (const Bytef *)p, (uInt)strlen(p));
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	char *data = malloc((size_t)st->st_size + 1);
	assert_int_equal(fread(data, 1, (size_t)st->st_size, f), (size_t)st->st_size);
	fclose(f);
	dir_crc = crc32(dir_crc, (const Bytef *)data, (uInt)st->st_size);
	free(data);
	return 0;
}

static uLong tree_crc(void)
{
	dir_crc = crc32(0, NULL, 0);
	/* nftw order is directory order; sort-free stability: run twice is equal */
	nftw(fixture_dir, crc_entry, 16, FTW_PHYS);
	return dir_crc;
}

static void test_clean_restart_bit_for_bit(void **state)
{
	(void)state;
	static sample_t s;
	sample_fill(&s, 777);
	larch_db_t *db = fixture_open_db(NULL);
	write_sample(db, "root.r.d", &s, 1);
	fixture_close_db(db);
	uLong before = tree_crc();
	db = fixture_open_db(NULL);
	fixture_close_db(db);
	uLong after = tree_crc();
	assert_int_equal(before, after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_all_types, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_unflushed_data_survives_reopen, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_widen_delete, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_auto_create_off_and_errors, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_files_pass_check, fixture_dir_setup,
						fixture_dir_teardown),
		cmocka_unit_test_setup_teardown(test_clean_restart_bit_for_bit, fixture_dir_setup,
						fixture_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
