/* Unit test for src/storage: long random workloads against the reference
 * model — writes to aligned and non-aligned devices of every type with
 * out-of-order times, overwrites and nulls, spread over partitions;
 * deletions; flushes; compactions; clean reopens — with reads of single
 * series and of whole devices over random ranges compared with the model
 * all along, and every file checked with tsfile_check. */
#include "test_storage_common.h"

#define DB "root.model"
#define NDEV 6
#define NS 5

typedef struct world {
	mser_t m[NDEV][NS];
	storage_t *s;
	storage_options_t o;
	char *dir;
	int64_t horizon;     /* times so far lie roughly in [0, horizon] */
} world_t;

static void world_init(world_t *w)
{
	memset(w, 0, sizeof *w);
	for (int d = 0; d < NDEV; d++)
		for (int k = 0; k < NS; k++) {
			mser_t *x = &w->m[d][k];
			snprintf(x->device, sizeof x->device, DB ".g%d.d%d", d % 2, d);
			snprintf(x->meas, sizeof x->meas, "m%d", k);
			x->type = all_types[(size_t)(d * NS + k) % N_TYPES];
			x->aligned = d % 3 == 0;
			x->id = (uint32_t)(d * NS + k + 1);
		}
	w->horizon = 1000;
}

static void op_write(world_t *w)
{
	int d = (int)(rnd() % NDEV);
	size_t rows = 1 + rnd() % 200, ns = 1 + rnd() % NS;
	mser_t *ser[NS];
	int64_t *r[NS], *t = malloc(rows * sizeof(*t));
	/* a random subset of the device's series, in random order */
	int pick[NS] = {0, 1, 2, 3, 4};
	for (int i = NS - 1; i > 0; i--) {
		int j = (int)(rnd() % (uint64_t)(i + 1)), x = pick[i];
		pick[i] = pick[j];
		pick[j] = x;
	}
	int mode = (int)(rnd() % 4);
	for (size_t i = 0; i < rows; i++) {
		switch (mode) {
		case 0: t[i] = w->horizon + (int64_t)i; break;               /* in order */
		case 1: t[i] = rnd_range(0, w->horizon); break;               /* old: unseq */
		case 2: t[i] = w->horizon - 50 + rnd_range(0, 100); break;   /* around the edge */
		default: t[i] = rnd_range(w->horizon, w->horizon + 20); break; /* duplicates */
		}
	}
	for (size_t k = 0; k < ns; k++) {
		ser[k] = &w->m[d][pick[k]];
		r[k] = malloc(rows * sizeof(int64_t));
		for (size_t i = 0; i < rows; i++)
			r[k][i] = (int64_t)(rnd() >> 2);
	}
	larch_error_t err = {0};
	int rc = write_rows(w->s, DB, ser, ns, t, r, rows, rnd() % 2 ? 0 : 4, &err);
	if (rc)
		print_error("write: %s\n", err.msg);
	assert_int_equal(rc, LARCH_OK);
	if (mode == 0)
		w->horizon += (int64_t)rows;
	for (size_t k = 0; k < ns; k++)
		free(r[k]);
	free(t);
}

static void op_delete(world_t *w)
{
	int d = (int)(rnd() % NDEV);
	storage_series_ref_t refs[NS];
	size_t n = 0;
	int64_t a = rnd_range(-10, w->horizon), b = a + rnd_range(0, w->horizon / 4 + 10);
	if (rnd() % 10 == 0) {
		a = INT64_MIN;
		b = INT64_MAX;
	}
	for (int k = 0; k < NS; k++) {
		if (rnd() % 2)
			continue;
		mser_t *x = &w->m[d][k];
		refs[n++] = (storage_series_ref_t){x->device, x->id, x->meas, x->type};
		mser_delete(x, a, b);
	}
	if (!n)
		return;
	larch_error_t err = {0};
	assert_int_equal(storage_delete(w->s, DB, refs, n, a, b, &err), LARCH_OK);
}

static void op_read(world_t *w)
{
	int d = (int)(rnd() % NDEV);
	int64_t a = rnd_range(-10, w->horizon), b = a + rnd_range(0, w->horizon);
	if (rnd() % 4 == 0) {
		a = INT64_MIN;
		b = INT64_MAX;
	}
	if (rnd() % 2) {
		check_series(w->s, DB, &w->m[d][rnd() % NS], a, b);
		return;
	}
	mser_t *ser[NS];
	size_t n = 1 + rnd() % NS;
	for (size_t k = 0; k < n; k++)
		ser[k] = &w->m[d][(k + (size_t)d) % NS];
	check_device(w->s, DB, ser, n, a, b);
}

static void check_everything(world_t *w)
{
	for (int d = 0; d < NDEV; d++) {
		mser_t *ser[NS];
		for (int k = 0; k < NS; k++) {
			check_series(w->s, DB, &w->m[d][k], INT64_MIN, INT64_MAX);
			ser[k] = &w->m[d][k];
		}
		check_device(w->s, DB, ser, NS, INT64_MIN, INT64_MAX);
	}
}

static void run_world(uint64_t seed, int steps, int64_t partition, uint64_t memtable)
{
	world_t w;
	world_init(&w);
	rng_state = seed;
	w.dir = tmp_dir();
	test_options(&w.o);
	w.o.partition_interval = partition;
	w.o.memtable_bytes = memtable;
	w.o.compaction_min_files = 2;
	w.o.compaction_unseq_files = 2;
	larch_error_t err = {0};
	assert_int_equal(storage_open(w.dir, &w.o, &w.s, &err), LARCH_OK);
	for (int step = 0; step < steps; step++) {
		uint64_t x = rnd() % 1000;
		if (x < 600) {
			op_write(&w);
		} else if (x < 650) {
			op_delete(&w);
		} else if (x < 900) {
			op_read(&w);
		} else if (x < 950) {
			assert_int_equal(storage_flush(w.s, &err), LARCH_OK);
		} else if (x < 980) {
			size_t done;
			assert_int_equal(storage_compact(w.s, &done, &err), LARCH_OK);
		} else {
			assert_int_equal(storage_close(w.s, &err), LARCH_OK);
			assert_int_equal(storage_open(w.dir, &w.o, &w.s, &err), LARCH_OK);
		}
	}
	check_everything(&w);
	check_files(w.s);
	storage_stats_t st;
	storage_stats(w.s, &st);
	print_message("  %llu flushes, %llu compactions, %llu files (%llu unseq)\n",
		      (unsigned long long)st.flushes, (unsigned long long)st.compactions,
		      (unsigned long long)st.files, (unsigned long long)st.unseq_files);
	assert_true(st.flushes > 0);
	assert_int_equal(storage_close(w.s, &err), LARCH_OK);
	assert_int_equal(storage_open(w.dir, &w.o, &w.s, &err), LARCH_OK);
	check_everything(&w);
	assert_int_equal(storage_close(w.s, &err), LARCH_OK);
	for (int d = 0; d < NDEV; d++)
		mser_free(w.m[d], NS);
	rm_dir(w.dir);
}

static void test_model_one_partition(void **state)
{
	(void)state;
	run_world(1, 2000, (int64_t)1 << 40, 64 << 20);
}

static void test_model_many_partitions(void **state)
{
	(void)state;
	run_world(2, 2000, 700, 64 << 20);
}

static void test_model_small_memtables(void **state)
{
	(void)state;
	/* seals at every 64 KiB: flushes happen in the background all along */
	run_world(3, 2000, 5000, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_one_partition),
		cmocka_unit_test(test_model_many_partitions),
		cmocka_unit_test(test_model_small_memtables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
