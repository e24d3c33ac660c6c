/*
 * engine_files — write a Larch data directory for tests/compat/test_engine_files.py.
 *
 *   engine_files DIR
 *
 * Ingests through the embedded API: two devices (aligned and not) with a
 * column of every data type and nulls, several flushes, out-of-order rows
 * and overwrites (so sequence and unsequence files exist), then closes.
 * Every value is a pure function of (column, time) — see value_of — so any
 * file, whatever rows it holds, can be checked by the Python side with the
 * same formula.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "larch/larch.h"

enum { COLS = 10, ROWS = 500 };
static const tsfile_type_t types[COLS] = {TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64,
					  TSFILE_FLOAT, TSFILE_DOUBLE, TSFILE_TEXT,
					  TSFILE_STRING, TSFILE_BLOB, TSFILE_DATE,
					  TSFILE_TIMESTAMP};
static const char *const names[COLS] = {"b", "i", "l", "f", "d", "t", "s", "x", "dt", "ts"};

/* null where (t / 10 + c) % 4 == 0 */
static int is_null(int c, int64_t t) { return (t / 10 + c) % 4 == 0; }

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: engine_files DIR\n");
		return 2;
	}
	larch_db_t *db;
	larch_error_t err = {0};
	larch_options_t opt;
	larch_options_default(&opt);
	if (larch_open(argv[1], &opt, &db, &err))
		goto fail;
	static int64_t times[ROWS];
	static uint8_t b[ROWS], nulls[COLS][ROWS];
	static int32_t i32[ROWS], date[ROWS];
	static int64_t i64[ROWS], ts[ROWS];
	static float f32[ROWS];
	static double f64[ROWS];
	static tsfile_bytes_t txt[ROWS];
	static char text[ROWS][24];
	const void *vals[COLS] = {b, i32, i64, f32, f64, txt, txt, txt, date, ts};
	tsfile_column_t cols[COLS];
	/* batches: 0..3 in order, then 4 rewrites older times (out of order,
	 * overwriting with the same values), with a flush after each */
	for (int batch = 0; batch < 5; batch++) {
		for (int r = 0; r < ROWS; r++) {
			int64_t t = batch < 4 ? 1000 + (int64_t)(batch * ROWS + r) * 10
					      : 1000 + (int64_t)(r * 3) * 10 + 5 * (r % 2);
			times[r] = t;
			b[r] = (uint8_t)(t % 3 == 0);
			i32[r] = (int32_t)(t % 100000) - 50000;
			i64[r] = t * 1000003;
			f32[r] = (float)(t % 1000) / 8.0f;
			f64[r] = (double)t / 16.0;
			snprintf(text[r], sizeof text[r], "v%lld", (long long)t);
			txt[r] = (tsfile_bytes_t){text[r], (uint32_t)strlen(text[r])};
			date[r] = 20000101 + (int32_t)(t % 28);
			ts[r] = 1700000000000 + t;
			for (int c = 0; c < COLS; c++)
				nulls[c][r] = (uint8_t)is_null(c, t);
		}
		for (int c = 0; c < COLS; c++)
			cols[c] = (tsfile_column_t){names[c], types[c], vals[c], nulls[c]};
		for (int aligned = 0; aligned < 2; aligned++) {
			tsfile_tablet_t tab = {aligned ? "root.ef.al" : "root.ef.na", ROWS, times, COLS, cols};
			if (larch_insert_tablet(db, &tab, aligned, &err))
				goto fail;
		}
		if (larch_flush(db, &err))
			goto fail;
	}
	if (larch_close(db, &err))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "engine_files: %s\n", err.msg);
	return 1;
}
