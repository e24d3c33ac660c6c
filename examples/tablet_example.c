/*
 * tablet_example.c — batched writes with tablets: an aligned device of 10
 * sensors written 1000 rows per call (one column with nulls), then read
 * back as column blocks, and the write rate printed.
 *
 *   tablet_example [host [port]]     (default 127.0.0.1 6667)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "larch/client.h"

#define SENSORS 10
#define ROWS 1000
#define BATCHES 100

int main(int argc, char **argv)
{
	static double vals[SENSORS][ROWS];
	static uint8_t nulls[ROWS];
	static int64_t times[ROWS];
	static char names[SENSORS][16];
	larch_client_options_t o;
	larch_session_t *s;
	larch_dataset_t *ds;
	const larch_block_t *b;
	larch_error_t err = { 0 };
	tsfile_column_t cols[SENSORS];
	struct timespec t0, t1;
	size_t rows = 0;

	larch_client_options_default(&o);
	if (argc > 1)
		o.host = argv[1];
	if (argc > 2)
		o.port = atoi(argv[2]);
	if (larch_session_open(&o, &s, &err)) {
		fprintf(stderr, "open: %s\n", err.msg);
		return 1;
	}
	for (int c = 0; c < SENSORS; c++) {
		snprintf(names[c], sizeof names[c], "s%d", c);
		cols[c] = (tsfile_column_t){ names[c], TSFILE_DOUBLE, vals[c], c == 0 ? nulls : NULL };
	}
	for (int r = 0; r < ROWS; r++)
		nulls[r] = r % 10 == 0;  /* s0 is null in every 10th row */
	tsfile_tablet_t t = { "root.tablet_example.d", ROWS, times, SENSORS, cols };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int k = 0; k < BATCHES; k++) {
		for (int r = 0; r < ROWS; r++) {
			times[r] = (int64_t)k * ROWS + r;
			for (int c = 0; c < SENSORS; c++)
				vals[c][r] = c + r * 0.5;
		}
		if (larch_session_insert_tablet(s, &t, 1, &err)) {
			fprintf(stderr, "insert: %d %s\n", err.code, err.msg);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("wrote %d points in %.3f s: %.1f M points/s\n", SENSORS * ROWS * BATCHES, sec,
	       SENSORS * ROWS * BATCHES / sec / 1e6);
	if (larch_session_execute_query(s, "select s0, s1 from root.tablet_example.d", 0, &ds, &err)) {
		fprintf(stderr, "query: %s\n", err.msg);
		return 1;
	}
	size_t null_s0 = 0;
	while (larch_dataset_next_block(ds, &b, &err) == LARCH_OK) {
		for (size_t r = 0; b->columns[0].nulls && r < b->n_rows; r++)
			null_s0 += b->columns[0].nulls[r] != 0;
		rows += b->n_rows;
	}
	printf("read back %zu rows, %zu nulls in s0 (expected %d and %d)\n", rows, null_s0,
	       ROWS * BATCHES, ROWS * BATCHES / 10);
	larch_dataset_close(ds, NULL);
	larch_session_execute_non_query(s, "delete database root.tablet_example", &err);
	larch_session_close(s, NULL);
	return 0;
}
