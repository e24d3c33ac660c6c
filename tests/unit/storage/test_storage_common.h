/*
 * test_storage_common.h — shared pieces of the storage unit tests
 * (test_storage*.c): temporary directories, an independent in-memory
 * reference model of what reads must return, value generation, and
 * helpers to write tablets and read series back.
 *
 * The model knows nothing of memtables, files or versions: each series is
 * a sorted array of (time, r) where r determines the value (gen_value), a
 * write replaces the point at its time, a deletion removes the points in
 * its range.  Reads through the engine are compared point by point with it.
 */
#ifndef TEST_STORAGE_COMMON_H
#define TEST_STORAGE_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "storage/storage_int.h"

/* Not every test program uses every helper. */
#define TSH static __attribute__((unused))

/*---------------------------------------------------------------------------
 * Directories and random numbers
 *---------------------------------------------------------------------------*/

TSH char *tmp_dir(void)
{
	char tmpl[] = "/tmp/larch-storage-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

TSH void rm_dir(char *d)
{
	dir_remove_tree(d, NULL);
	free(d);
}

static uint64_t rng_state = 88172645463325252ull;

TSH uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TSH int64_t rnd_range(int64_t lo, int64_t hi) /* inclusive */
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/*---------------------------------------------------------------------------
 * Values: r -> a value of each type
 *---------------------------------------------------------------------------*/

static const tsfile_type_t all_types[] = {
	TSFILE_INT64, TSFILE_DOUBLE, TSFILE_INT32, TSFILE_FLOAT, TSFILE_BOOLEAN,
	TSFILE_TEXT, TSFILE_STRING, TSFILE_BLOB, TSFILE_DATE, TSFILE_TIMESTAMP};
#define N_TYPES (sizeof all_types / sizeof all_types[0])

/* The text of r for byte-string types (about one in 17 is empty). */
TSH size_t gen_text(int64_t r, char *buf, size_t cap)
{
	if (r % 17 == 0)
		return 0;
	return (size_t)snprintf(buf, cap, "v%lld", (long long)(r % 1000003));
}

/* Write the value of r for type t at p (an element of a typed array).
 * Byte strings are taken from a ring of static buffers. */
TSH void gen_value(tsfile_type_t t, int64_t r, void *p)
{
	static char ring[65536][24];
	static unsigned ri;
	switch (t) {
	case TSFILE_BOOLEAN: *(uint8_t *)p = (uint8_t)(r & 1); break;
	case TSFILE_INT32: case TSFILE_DATE: *(int32_t *)p = (int32_t)r; break;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: *(int64_t *)p = r; break;
	case TSFILE_FLOAT: *(float *)p = (float)(r % 100000) / 7.0f; break;
	case TSFILE_DOUBLE: *(double *)p = (double)r / 3.0; break;
	default: {
		char *b = ring[ri++ % 65536];
		size_t n = gen_text(r, b, 24);
		*(tsfile_bytes_t *)p = (tsfile_bytes_t){n ? b : NULL, (uint32_t)n};
	}
	}
}

/* 1 if the element at p (type t) is the value of r. */
TSH int value_is(tsfile_type_t t, const void *p, int64_t r)
{
	if (type_is_binary(t)) {
		char b[24];
		size_t n = gen_text(r, b, sizeof b);
		const tsfile_bytes_t *v = p;
		return v->len == n && (n == 0 || memcmp(v->ptr, b, n) == 0);
	}
	uint8_t e[8];
	gen_value(t, r, e);
	return memcmp(p, e, col_elem_size(t)) == 0;
}

/*---------------------------------------------------------------------------
 * The reference model
 *---------------------------------------------------------------------------*/

typedef struct mpt {
	int64_t t, r;
} mpt_t;

typedef struct mser {
	char device[32];
	char meas[16];
	tsfile_type_t type;
	uint32_t id;
	int aligned;
	mpt_t *p;
	size_t n, cap;
} mser_t;

/* Index of the first point with time >= t. */
TSH size_t mser_lb(const mser_t *s, int64_t t)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t m = (lo + hi) / 2;
		if (s->p[m].t < t)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

TSH void mser_put(mser_t *s, int64_t t, int64_t r)
{
	size_t i = mser_lb(s, t);
	if (i < s->n && s->p[i].t == t) {
		s->p[i].r = r;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->p = realloc(s->p, s->cap * sizeof(*s->p));
		assert_non_null(s->p);
	}
	memmove(s->p + i + 1, s->p + i, (s->n - i) * sizeof(*s->p));
	s->p[i] = (mpt_t){t, r};
	s->n++;
}

TSH void mser_delete(mser_t *s, int64_t a, int64_t b)
{
	size_t i = mser_lb(s, a), j = i;
	while (j < s->n && s->p[j].t <= b)
		j++;
	if (j > i)
		memmove(s->p + i, s->p + j, (s->n - j) * sizeof(*s->p));
	s->n -= j - i;
}

TSH void mser_free(mser_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].p);
}

/*---------------------------------------------------------------------------
 * Writing and reading through the engine
 *---------------------------------------------------------------------------*/

/* Write rows (times[i], r[k][i]) of the given series of one device (all
 * in `ser`, same device and alignment); null_every > 0 makes roughly one
 * value in null_every null.  The model is updated with what must be
 * visible afterwards. */
TSH int write_rows(storage_t *s, const char *db, mser_t **ser, size_t ns,
		      const int64_t *times, int64_t *const *r, size_t rows, int null_every,
		      larch_error_t *err)
{
	storage_column_t *cols = calloc(ns, sizeof(*cols));
	void **vals = calloc(ns, sizeof(void *));
	uint8_t **nulls = calloc(ns, sizeof(uint8_t *));
	for (size_t k = 0; k < ns; k++) {
		size_t es = col_elem_size(ser[k]->type);
		vals[k] = calloc(rows, es);
		nulls[k] = calloc(rows, 1);
		int any = 0;
		for (size_t i = 0; i < rows; i++)
			if (null_every > 0 && rnd() % (uint64_t)null_every == 0)
				nulls[k][i] = any = 1;
		for (size_t i = 0; i < rows; i++)
			gen_value(ser[k]->type, r[k][i], (uint8_t *)vals[k] + i * es);
		cols[k] = (storage_column_t){ser[k]->id, ser[k]->meas, ser[k]->type, -1, -1, vals[k],
					     any ? nulls[k] : NULL};
	}
	storage_write_t w = {db, ser[0]->device, 7, ser[0]->aligned, rows, times, ns, cols};
	int rc = storage_write(s, &w, err);
	if (rc == LARCH_OK)
		for (size_t k = 0; k < ns; k++)
			for (size_t i = 0; i < rows; i++)
				if (!cols[k].nulls || !cols[k].nulls[i])
					mser_put(ser[k], times[i], r[k][i]);
	for (size_t k = 0; k < ns; k++) {
		free(vals[k]);
		free(nulls[k]);
	}
	free(cols);
	free(vals);
	free(nulls);
	return rc;
}

/* Read one series over [a, b] and compare it with the model. */
TSH void check_series(storage_t *s, const char *db, const mser_t *m, int64_t a, int64_t b)
{
	storage_series_ref_t ref = {NULL, m->id, m->meas, m->type};
	storage_read_t req = {db, m->device, &ref, 1, m->aligned, a, b};
	storage_cursor_t *c;
	larch_error_t err = {0};
	assert_int_equal(storage_read(s, &req, &c, &err), LARCH_OK);
	size_t i = mser_lb(m, a);
	const storage_block_t *blk;
	int rc;
	int64_t last = INT64_MIN;
	while ((rc = storage_cursor_next(c, &blk, &err)) == LARCH_OK) {
		assert_true(blk->n_rows > 0 && blk->n_rows <= STORAGE_BLOCK_ROWS);
		assert_int_equal(blk->n_columns, 1);
		size_t es = col_elem_size(m->type);
		for (size_t k = 0; k < blk->n_rows; k++) {
			int64_t t = blk->times[k];
			if (!(t > last) || i >= m->n || m->p[i].t != t || t > b) {
				print_error("%s.%s: got time %lld, expected %lld (i=%zu n=%zu)\n",
					    m->device, m->meas, (long long)t,
					    i < m->n ? (long long)m->p[i].t : -1LL, i, m->n);
				fail();
			}
			assert_false(blk->columns[0].nulls[k]);
			if (!value_is(m->type, (const uint8_t *)blk->columns[0].values + k * es,
				      m->p[i].r)) {
				print_error("%s.%s t=%lld: wrong value (r=%lld)\n", m->device, m->meas,
					    (long long)t, (long long)m->p[i].r);
				fail();
			}
			last = t;
			i++;
		}
	}
	if (rc != LARCH_DONE)
		print_error("cursor: %s\n", err.msg);
	assert_int_equal(rc, LARCH_DONE);
	if (i < m->n && m->p[i].t <= b) {
		print_error("%s.%s: missing time %lld\n", m->device, m->meas, (long long)m->p[i].t);
		fail();
	}
	storage_cursor_free(c);
}

/* Read several series of one device over [a, b] and compare the row-aligned
 * union with the model. */
TSH void check_device(storage_t *s, const char *db, mser_t **m, size_t n, int64_t a,
			 int64_t b)
{
	storage_series_ref_t *refs = calloc(n, sizeof(*refs));
	size_t *pos = calloc(n, sizeof(size_t));
	for (size_t k = 0; k < n; k++) {
		refs[k] = (storage_series_ref_t){NULL, m[k]->id, m[k]->meas, m[k]->type};
		pos[k] = mser_lb(m[k], a);
	}
	storage_read_t req = {db, m[0]->device, refs, n, m[0]->aligned, a, b};
	storage_cursor_t *c;
	larch_error_t err = {0};
	assert_int_equal(storage_read(s, &req, &c, &err), LARCH_OK);
	const storage_block_t *blk;
	int rc;
	while ((rc = storage_cursor_next(c, &blk, &err)) == LARCH_OK) {
		assert_int_equal(blk->n_columns, n);
		for (size_t row = 0; row < blk->n_rows; row++) {
			int64_t t = blk->times[row], tmin = INT64_MAX;
			for (size_t k = 0; k < n; k++)
				if (pos[k] < m[k]->n && m[k]->p[pos[k]].t <= b && m[k]->p[pos[k]].t < tmin)
					tmin = m[k]->p[pos[k]].t;
			if (t != tmin) {
				print_error("%s: row time %lld, expected %lld\n", m[0]->device,
					    (long long)t, (long long)tmin);
				fail();
			}
			for (size_t k = 0; k < n; k++) {
				size_t es = col_elem_size(m[k]->type);
				int has = pos[k] < m[k]->n && m[k]->p[pos[k]].t == t;
				assert_int_equal(!blk->columns[k].nulls[row], has);
				if (has) {
					assert_true(value_is(m[k]->type,
							     (const uint8_t *)blk->columns[k].values + row * es,
							     m[k]->p[pos[k]].r));
					pos[k]++;
				}
			}
		}
	}
	assert_int_equal(rc, LARCH_DONE);
	for (size_t k = 0; k < n; k++)
		assert_true(pos[k] >= m[k]->n || m[k]->p[pos[k]].t > b);
	storage_cursor_free(c);
	free(refs);
	free(pos);
}

/* 1 if path is among the live files of s. */
TSH int file_live(storage_t *s, const char *path)
{
	storage_file_info_t *fs;
	size_t n;
	larch_error_t err = {0};
	assert_int_equal(storage_list_files(s, NULL, &fs, &n, &err), LARCH_OK);
	int live = 0;
	for (size_t i = 0; i < n; i++)
		live |= !strcmp(fs[i].path, path);
	storage_file_list_free(fs, n);
	return live;
}

/* Every live file passes tsfile_check (a background compaction may remove
 * a listed file before it is checked: that one is skipped). */
TSH void check_files(storage_t *s)
{
	storage_file_info_t *fs;
	size_t n;
	larch_error_t err = {0};
	assert_int_equal(storage_list_files(s, NULL, &fs, &n, &err), LARCH_OK);
	for (size_t i = 0; i < n; i++) {
		if (tsfile_check(fs[i].path, NULL, &err) != LARCH_OK && file_live(s, fs[i].path)) {
			print_error("%s: %s\n", fs[i].path, err.msg);
			fail();
		}
	}
	storage_file_list_free(fs, n);
}

/* Options for tests: small memtables, no background compaction. */
TSH void test_options(storage_options_t *o)
{
	storage_options_default(o);
	o->compaction = 0;
	o->partition_interval = 1000000;
	o->memory_budget = (uint64_t)1 << 30;
}

#endif
