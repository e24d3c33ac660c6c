/* Unit tests for src/storage: building blocks (hash map, row sort, WAL
 * records, .mods2 entries) and the basic write/flush/read/reopen paths,
 * against the reference model of test_storage_common.h. */
#include "test_storage_common.h"

/*---------------------------------------------------------------------------
 * Building blocks
 *---------------------------------------------------------------------------*/

static void test_hmap_random(void **state)
{
	(void)state;
	hmap_t m = {0};
	enum { N = 5000 };
	static int present[N];
	memset(present, 0, sizeof present);
	for (int step = 0; step < 40000; step++) {
		uint64_t k = rnd() % N;
		if (rnd() % 3) {
			assert_int_equal(hmap_put_u64(&m, k, (void *)(uintptr_t)(k + 1)), LARCH_OK);
			present[k] = 1;
		} else {
			void *v = hmap_del_u64(&m, k);
			assert_true(present[k] ? v == (void *)(uintptr_t)(k + 1) : v == NULL);
			present[k] = 0;
		}
		if (step % 997 == 0) {
			uint32_t n = 0;
			for (uint64_t i = 0; i < N; i++) {
				void *v = hmap_get_u64(&m, i);
				assert_true(present[i] ? v == (void *)(uintptr_t)(i + 1) : v == NULL);
				n += present[i];
			}
			assert_int_equal(m.n, n);
		}
	}
	hmap_free(&m);
	/* string keys */
	char keys[300][16];
	for (int i = 0; i < 300; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		assert_int_equal(hmap_put_str(&m, keys[i], keys[i]), LARCH_OK);
	}
	for (int i = 0; i < 300; i += 2)
		assert_ptr_equal(hmap_del_str(&m, keys[i]), keys[i]);
	for (int i = 0; i < 300; i++) {
		char probe[16];
		snprintf(probe, sizeof probe, "k%d", i);
		assert_ptr_equal(hmap_get_str(&m, probe), i % 2 ? keys[i] : NULL);
	}
	hmap_free(&m);
}

typedef struct trow {
	int64_t t;
	uint32_t r;
} trow_t;

static int trow_cmp(const void *a, const void *b)
{
	const trow_t *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->r < y->r ? -1 : x->r > y->r;
}

static void test_sort_pairs_stable(void **state)
{
	(void)state;
	for (int round = 0; round < 50; round++) {
		size_t n = (size_t)rnd_range(0, 3000);
		mt_pair_t *p = malloc((n + 1) * sizeof(*p));
		trow_t *ref = malloc((n + 1) * sizeof(*ref));
		int mode = round % 3; /* random, mostly sorted, many duplicates */
		for (size_t i = 0; i < n; i++) {
			int64_t t = mode == 0 ? rnd_range(-1000, 1000)
				    : mode == 1 ? (int64_t)i - (rnd() % 20 == 0 ? rnd_range(0, 50) : 0)
						: rnd_range(0, 5);
			p[i] = (mt_pair_t){t, (uint32_t)i};
			ref[i] = (trow_t){t, (uint32_t)i};
		}
		assert_int_equal(mt_sort_pairs(p, n), LARCH_OK);
		qsort(ref, n, sizeof(*ref), trow_cmp); /* by time, then row: stable */
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(p[i].r, ref[i].r);
			assert_int_equal(p[i].t, ref[i].t);
		}
		free(p);
		free(ref);
	}
}

/* Concatenate iovec pieces into one buffer. */
static uint8_t *iov_join(const struct iovec *iov, int n, size_t *len)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	uint8_t *p = malloc(total + 8), *q = p;
	for (int i = 0; i < n; i++) {
		memcpy(q, iov[i].iov_base, iov[i].iov_len);
		q += iov[i].iov_len;
	}
	*len = total;
	return p;
}

static void test_walrec_roundtrip(void **state)
{
	(void)state;
	for (size_t rows = 1; rows <= 3000; rows = rows * 7 + 3) {
		size_t nc = N_TYPES * 3;
		int64_t *times = malloc(rows * sizeof(*times));
		storage_column_t *cols = calloc(nc, sizeof(*cols));
		char names[N_TYPES * 3][8];
		for (size_t i = 0; i < rows; i++)
			times[i] = rnd_range(-100000, 100000);
		for (size_t k = 0; k < nc; k++) {
			tsfile_type_t t = all_types[k % N_TYPES];
			size_t es = col_elem_size(t);
			uint8_t *v = malloc(rows * es), *nl = k % 2 ? malloc(rows) : NULL;
			for (size_t i = 0; i < rows; i++) {
				gen_value(t, (int64_t)(i * 31 + k), v + i * es);
				if (nl)
					nl[i] = rnd() % 4 == 0;
			}
			snprintf(names[k], sizeof names[k], "m%zu", k);
			cols[k] = (storage_column_t){(uint32_t)(k + 100), names[k], t, k % 3 ? -1 : 0,
						     k % 5 ? -1 : 7, v, nl};
		}
		storage_write_t w = {"root.db", "root.db.dev", 42, (int)(rows & 1), rows, times, nc, cols};
		buf_t b = BUF_INIT, sc = BUF_INIT;
		struct iovec iov[WAL_MAX_IOV];
		int n_iov;
		larch_error_t err = {0};
		assert_int_equal(walrec_encode_write(&w, &b, iov, &n_iov, &err), LARCH_OK);
		assert_true(n_iov >= 1 && n_iov <= WAL_MAX_IOV);
		size_t len;
		uint8_t *rec = iov_join(iov, n_iov, &len);
		assert_int_equal(len % 8, 0);
		walrec_t wr;
		assert_int_equal(walrec_decode(rec, len, &wr, &sc, &err), LARCH_OK);
		assert_int_equal(wr.kind, WALREC_WRITE);
		assert_string_equal(wr.write.database, "root.db");
		assert_string_equal(wr.write.device, "root.db.dev");
		assert_int_equal(wr.write.device_id, 42);
		assert_int_equal(wr.write.aligned, (int)(rows & 1));
		assert_int_equal(wr.write.n_rows, rows);
		assert_memory_equal(wr.write.times, times, rows * sizeof(*times));
		for (size_t k = 0; k < nc; k++) {
			const storage_column_t *a = &cols[k], *d = &wr.write.columns[k];
			assert_int_equal(d->series_id, a->series_id);
			assert_string_equal(d->name, a->name);
			assert_int_equal(d->type, a->type);
			assert_int_equal(d->encoding, a->encoding);
			assert_int_equal(d->codec, a->codec);
			assert_int_equal(d->nulls != NULL, a->nulls != NULL);
			size_t es = col_elem_size(a->type);
			for (size_t i = 0; i < rows; i++) {
				if (a->nulls && a->nulls[i]) {
					assert_true(d->nulls[i]);
					continue;
				}
				if (a->nulls)
					assert_false(d->nulls[i]);
				assert_true(value_is(a->type, (const uint8_t *)d->values + i * es,
						     (int64_t)(i * 31 + k)));
			}
		}
		/* every truncation and many bit flips decode safely */
		for (size_t cut = 0; cut < len; cut += 1 + len / 64)
			(void)walrec_decode(rec, cut, &wr, &sc, &err);
		for (int f = 0; f < 200; f++) {
			uint8_t *bad = malloc(len);
			memcpy(bad, rec, len);
			bad[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
			(void)walrec_decode(bad, len, &wr, &sc, &err);
			free(bad);
		}
		free(rec);
		buf_free(&b);
		buf_free(&sc);
		for (size_t k = 0; k < nc; k++) {
			free((void *)cols[k].values);
			free((void *)cols[k].nulls);
		}
		free(cols);
		free(times);
	}
}

static void test_walrec_delete_drop(void **state)
{
	(void)state;
	storage_series_ref_t refs[2] = {{"root.a.d1", 5, "s1", TSFILE_INT64},
					{"root.a.d2", 9, "temp`x", TSFILE_TEXT}};
	buf_t b = BUF_INIT, sc = BUF_INIT;
	walrec_t wr;
	larch_error_t err = {0};
	walrec_encode_delete(&b, "root.a", refs, 2, -5, 77);
	assert_int_equal(b.len % 8, 0);
	assert_int_equal(walrec_decode(b.data, b.len, &wr, &sc, &err), LARCH_OK);
	assert_int_equal(wr.kind, WALREC_DELETE);
	assert_string_equal(wr.database, "root.a");
	assert_int_equal(wr.n_refs, 2);
	assert_int_equal(wr.start, -5);
	assert_int_equal(wr.end, 77);
	assert_string_equal(wr.refs[1].device, "root.a.d2");
	assert_string_equal(wr.refs[1].measurement, "temp`x");
	assert_int_equal(wr.refs[1].id, 9);
	assert_int_equal(wr.refs[1].type, TSFILE_TEXT);
	walrec_encode_drop(&b, "root.a", 0, -3);
	assert_int_equal(walrec_decode(b.data, b.len, &wr, &sc, &err), LARCH_OK);
	assert_int_equal(wr.kind, WALREC_DROP_PART);
	assert_int_equal(wr.partition, -3);
	uint8_t junk[24] = {9};
	assert_int_equal(walrec_decode(junk, sizeof junk, &wr, &sc, &err), LARCH_CORRUPTED);
	buf_free(&b);
	buf_free(&sc);
}

static void test_mods2_layout(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	mods_encode(&b, "root.sg.d1", "s1", 10, 20);
	/* 01 | start BE | end BE | vstr: svarint length 13 -> 0x1a, bytes */
	static const uint8_t want[] = {0x01, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 20,
				       0x1a, 'r', 'o', 'o', 't', '.', 's', 'g', '.', 'd', '1', '.',
				       's', '1'};
	assert_int_equal(b.len, sizeof want);
	assert_memory_equal(b.data, want, sizeof want);
	mods_encode(&b, "root.sg.`d.2`", "a.b`c", INT64_MIN, INT64_MAX);
	size_t whole = b.len;
	buf_put_u8(&b, 0x01); /* a torn entry */
	buf_put_be32(&b, 7);
	smod_t *m;
	size_t n, valid;
	larch_error_t err = {0};
	assert_int_equal(mods_parse(b.data, b.len, &m, &n, &valid, "x", &err), LARCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(valid, whole);
	assert_string_equal(m[0].device, "root.sg.d1");
	assert_string_equal(m[0].measurement, "s1");
	assert_string_equal(m[1].device, "root.sg.`d.2`");
	assert_string_equal(m[1].measurement, "a.b`c");
	assert_int_equal(m[1].start, INT64_MIN);
	assert_int_equal(m[1].end, INT64_MAX);
	for (size_t i = 0; i < n; i++)
		mem_free(m[i].device);
	mem_free(m);
	b.data[whole] = 0x00; /* a table deletion: not ours */
	assert_int_equal(mods_parse(b.data, b.len, &m, &n, &valid, "x", &err), LARCH_CORRUPTED);
	buf_free(&b);
}

static void test_dbname_encoding(void **state)
{
	(void)state;
	const char *names[] = {"root.sg", "root.`a/b`", ".hidden", "root.x y", "root.ä"};
	for (size_t i = 0; i < LR_ARRAY_LEN(names); i++) {
		char *e = dbname_encode(names[i]);
		assert_null(strchr(e, '/'));
		assert_true(e[0] != '.');
		char *d = dbname_decode(e);
		assert_string_equal(d, names[i]);
		mem_free(e);
		mem_free(d);
	}
	assert_null(dbname_decode("root%2Esg")); /* not canonical */
	assert_null(dbname_decode("a/b"));
}

/*---------------------------------------------------------------------------
 * Engine basics
 *---------------------------------------------------------------------------*/

#define DB "root.sg"

/* Series of two devices: d_al aligned, d_na not, one measurement per type. */
static void make_series(mser_t *ser)
{
	for (size_t k = 0; k < 2 * N_TYPES; k++) {
		mser_t *m = &ser[k];
		memset(m, 0, sizeof *m);
		m->aligned = k < N_TYPES;
		snprintf(m->device, sizeof m->device, "%s", m->aligned ? DB ".d_al" : DB ".d_na");
		snprintf(m->meas, sizeof m->meas, "s%zu", k % N_TYPES);
		m->type = all_types[k % N_TYPES];
		m->id = (uint32_t)k + 1;
	}
}

/* Write `rows` rows with random times in [lo, hi] to both devices. */
static void write_random(storage_t *s, mser_t *ser, size_t rows, int64_t lo, int64_t hi,
			 int null_every)
{
	int64_t *times = malloc(rows * sizeof(*times));
	int64_t *rv[N_TYPES];
	for (size_t k = 0; k < N_TYPES; k++)
		rv[k] = malloc(rows * sizeof(int64_t));
	for (int dev = 0; dev < 2; dev++) {
		mser_t *ptrs[N_TYPES];
		for (size_t i = 0; i < rows; i++)
			times[i] = rnd_range(lo, hi);
		for (size_t k = 0; k < N_TYPES; k++) {
			ptrs[k] = &ser[dev * N_TYPES + k];
			for (size_t i = 0; i < rows; i++)
				rv[k][i] = (int64_t)(rnd() >> 1);
		}
		larch_error_t err = {0};
		int rc = write_rows(s, DB, ptrs, N_TYPES, times, rv, rows, null_every, &err);
		if (rc)
			print_error("write: %s\n", err.msg);
		assert_int_equal(rc, LARCH_OK);
	}
	for (size_t k = 0; k < N_TYPES; k++)
		free(rv[k]);
	free(times);
}

static void check_all(storage_t *s, mser_t *ser, int64_t a, int64_t b)
{
	for (size_t k = 0; k < 2 * N_TYPES; k++)
		check_series(s, DB, &ser[k], a, b);
	mser_t *al[N_TYPES], *na[N_TYPES];
	for (size_t k = 0; k < N_TYPES; k++) {
		al[k] = &ser[k];
		na[k] = &ser[N_TYPES + k];
	}
	check_device(s, DB, al, N_TYPES, a, b);
	check_device(s, DB, na, N_TYPES, a, b);
}

static void test_open_lock_close(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_t *s, *s2;
	larch_error_t err = {0};
	assert_int_equal(storage_open(d, NULL, &s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, NULL, &s2, &err), LARCH_STORAGE_ERROR);
	assert_null(s2);
	storage_stats_t st;
	storage_stats(s, &st);
	assert_true(st.memory_budget > 0);
	assert_int_equal(st.memtable_limit, st.memory_budget / 2);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, NULL, &s, &err), LARCH_OK);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_close(NULL, &err), LARCH_OK);
	rm_dir(d);
}

static void test_types_memtable_flush_reopen(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	mser_t ser[2 * N_TYPES];
	make_series(ser);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	write_random(s, ser, 300, 0, 999, 5);  /* out of order, duplicates, nulls */
	write_random(s, ser, 200, 500, 1500, 0);
	check_all(s, ser, INT64_MIN, INT64_MAX);  /* memtables only */
	check_all(s, ser, 250, 750);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	check_all(s, ser, INT64_MIN, INT64_MAX);  /* files only */
	write_random(s, ser, 300, 0, 2000, 3);    /* overwrites in memtables */
	check_all(s, ser, INT64_MIN, INT64_MAX);
	check_all(s, ser, 1000, 1000);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	storage_stats_t st;
	storage_stats(s, &st);
	assert_int_equal(st.memtable_bytes, 0); /* accounting is symmetric */
	check_files(s);
	check_all(s, ser, -5, 1700);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_all(s, ser, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(ser, 2 * N_TYPES);
	rm_dir(d);
}

/* Times after the device's flushed maximum go to sequence memtables, the
 * rest to unsequence ones; both merge on read with the later write winning. */
static void test_seq_unseq_split(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	mser_t m = {.device = DB ".d1", .meas = "s1", .type = TSFILE_INT64, .id = 1};
	mser_t *mp = &m;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	int64_t t[1000], r[1000], *rp = r;
	for (int i = 0; i < 1000; i++) {
		t[i] = 1000 + i;
		r[i] = i;
	}
	assert_int_equal(write_rows(s, DB, &mp, 1, t, &rp, 1000, 0, &err), LARCH_OK);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	for (int i = 0; i < 100; i++) {
		t[i] = 500 + i * 10;     /* 500..1490: older than flushed max 1999 */
		r[i] = 100000 + i;
	}
	t[100] = 5000;                   /* newer: sequence */
	r[100] = 7;
	assert_int_equal(write_rows(s, DB, &mp, 1, t, &rp, 101, 0, &err), LARCH_OK);
	check_series(s, DB, &m, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	storage_file_info_t *fs;
	size_t n;
	assert_int_equal(storage_list_files(s, DB, &fs, &n, &err), LARCH_OK);
	assert_int_equal(n, 3);
	int seq = 0, unseq = 0;
	for (size_t i = 0; i < n; i++) {
		seq += !fs[i].unseq;
		unseq += fs[i].unseq;
		assert_int_equal(fs[i].level, 0);
		assert_non_null(strstr(fs[i].path, fs[i].unseq ? "/unseq/" : "/seq/"));
		if (i)
			assert_true(fs[i].version > fs[i - 1].version);
	}
	assert_int_equal(seq, 2);
	assert_int_equal(unseq, 1);
	storage_file_list_free(fs, n);
	/* overwrite unsequence data again (after its flush) */
	t[0] = 1490;
	r[0] = -1;
	assert_int_equal(write_rows(s, DB, &mp, 1, t, &rp, 1, 0, &err), LARCH_OK);
	check_series(s, DB, &m, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	check_series(s, DB, &m, INT64_MIN, INT64_MAX);
	check_series(s, DB, &m, 1480, 1500);
	check_files(s);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_series(s, DB, &m, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(&m, 1);
	rm_dir(d);
}

/* Rows of one write spanning several partitions, negative times included. */
static void test_partitions(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	o.partition_interval = 100;
	storage_t *s;
	larch_error_t err = {0};
	mser_t m = {.device = DB ".d1", .meas = "s1", .type = TSFILE_DOUBLE, .id = 1, .aligned = 1};
	mser_t *mp = &m;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	int64_t t[500], r[500], *rp = r;
	for (int i = 0; i < 500; i++) {
		t[i] = rnd_range(-350, 350);
		r[i] = i;
	}
	assert_int_equal(write_rows(s, DB, &mp, 1, t, &rp, 500, 0, &err), LARCH_OK);
	assert_int_equal(storage_partition_of(s, -1), -1);
	assert_int_equal(storage_partition_of(s, -100), -1);
	assert_int_equal(storage_partition_of(s, -101), -2);
	assert_int_equal(storage_partition_of(s, 99), 0);
	check_series(s, DB, &m, INT64_MIN, INT64_MAX);
	check_series(s, DB, &m, -120, 130);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	storage_file_info_t *fs;
	size_t n;
	assert_int_equal(storage_list_files(s, DB, &fs, &n, &err), LARCH_OK);
	assert_int_equal(n, 8); /* partitions -4 .. 3 */
	for (size_t i = 1; i < n; i++)
		assert_true(fs[i].partition > fs[i - 1].partition);
	storage_file_list_free(fs, n);
	check_series(s, DB, &m, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_drop_partition(s, DB, -1, &err), LARCH_OK);
	mser_delete(&m, -100, -1);
	check_series(s, DB, &m, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_series(s, DB, &m, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(&m, 1);
	rm_dir(d);
}

static void test_hostile_arguments(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	o.partition_interval = 0;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_ILLEGAL_PARAMETER);
	test_options(&o);
	o.compaction_min_files = 1;
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(storage_open(NULL, NULL, &s, &err), LARCH_ILLEGAL_PARAMETER);
	test_options(&o);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);

	int64_t t[3] = {3, 1, 2};
	double v[3] = {1, 2, 3};
	int32_t iv[3] = {1, 2, 3};
	tsfile_bytes_t bad[3] = {{NULL, 4}, {"a", 1}, {"b", 1}};
	storage_column_t c = {1, "s1", TSFILE_DOUBLE, -1, -1, v, NULL};
	storage_write_t w = {DB, DB ".d1", 1, 0, 3, t, 1, &c};
	assert_int_equal(storage_write(NULL, &w, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(storage_write(s, NULL, &err), LARCH_ILLEGAL_PARAMETER);
	storage_write_t x = w;
	x.database = NULL;
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	x = w;
	x.database = "";
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	x = w;
	x.n_rows = 0;
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	x = w;
	x.n_columns = 0;
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	x = w;
	x.times = NULL;
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	storage_column_t cc = c;
	x = w;
	x.columns = &cc;
	cc.type = (tsfile_type_t)6; /* VECTOR */
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	cc = c;
	cc.encoding = TSFILE_DICTIONARY; /* not for DOUBLE */
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	cc = c;
	cc.codec = 77;
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	cc = c;
	cc.name = "";
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	cc = (storage_column_t){2, "t", TSFILE_TEXT, -1, -1, bad, NULL};
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	storage_column_t two[2] = {c, c}; /* the same measurement twice */
	x = w;
	x.columns = two;
	x.n_columns = 2;
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	x.aligned = 1;
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);
	x = w;
	x.device = "root..d1"; /* a TsFile cannot hold it */
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PATH);
	x.device = "root.sg.`d1`"; /* not canonical: files would call it root.sg.d1 */
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PATH);
	assert_non_null(strstr(err.msg, "root.sg.d1"));
	char longdb[200];
	memset(longdb, 'a', sizeof longdb - 1);
	longdb[sizeof longdb - 1] = 0;
	x = w;
	x.database = longdb;
	assert_int_equal(storage_write(s, &x, &err), LARCH_ILLEGAL_PARAMETER);

	/* a valid write, then conflicts with it */
	assert_int_equal(storage_write(s, &w, &err), LARCH_OK);
	x = w;
	x.aligned = 1;
	assert_int_equal(storage_write(s, &x, &err), LARCH_METADATA_ERROR);
	cc = (storage_column_t){1, "s1", TSFILE_INT32, -1, -1, iv, NULL};
	x = w;
	x.columns = &cc;
	assert_int_equal(storage_write(s, &x, &err), LARCH_DATA_TYPE_MISMATCH);
	assert_non_null(strstr(err.msg, "s1"));
	/* nothing of the failed writes is visible */
	mser_t m = {.device = DB ".d1", .meas = "s1", .type = TSFILE_DOUBLE, .id = 1};
	mser_put(&m, 1, 0);
	mser_put(&m, 2, 0);
	mser_put(&m, 3, 0);
	storage_series_ref_t ref = {NULL, 1, "s1", TSFILE_DOUBLE};
	storage_read_t req = {DB, DB ".d1", &ref, 1, 0, INT64_MIN, INT64_MAX};
	storage_cursor_t *cur;
	const storage_block_t *blk;
	assert_int_equal(storage_read(s, &req, &cur, &err), LARCH_OK);
	assert_int_equal(storage_cursor_next(cur, &blk, &err), LARCH_OK);
	assert_int_equal(blk->n_rows, 3);
	assert_true(((const double *)blk->columns[0].values)[0] == 2.0); /* time 1 */
	assert_int_equal(storage_cursor_next(cur, &blk, &err), LARCH_DONE);
	storage_cursor_free(cur);
	storage_series_ref_t badref = {NULL, 1, NULL, TSFILE_DOUBLE};
	req.series = &badref;
	assert_int_equal(storage_read(s, &req, &cur, &err), LARCH_ILLEGAL_PARAMETER);
	req.series = &ref;
	req.n = 0;
	assert_int_equal(storage_read(s, &req, &cur, &err), LARCH_ILLEGAL_PARAMETER);
	req.n = 1;
	req.database = "root.none"; /* unknown: empty */
	assert_int_equal(storage_read(s, &req, &cur, &err), LARCH_OK);
	assert_int_equal(storage_cursor_next(cur, &blk, &err), LARCH_DONE);
	storage_cursor_free(cur);
	assert_int_equal(storage_cursor_next(NULL, &blk, &err), LARCH_ILLEGAL_PARAMETER);
	storage_cursor_free(NULL);
	assert_int_equal(storage_delete(s, DB, NULL, 1, 0, 1, &err), LARCH_ILLEGAL_PARAMETER);
	storage_series_ref_t nodev = {NULL, 1, "s1", TSFILE_DOUBLE};
	assert_int_equal(storage_delete(s, DB, &nodev, 1, 0, 1, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(storage_drop_database(s, NULL, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(storage_set_ttl(s, DB, -1, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(&m, 1);
	rm_dir(d);
}

/* Allocation failures at every point of a write leave either the whole
 * write or nothing; reads and a reopen agree with the model. */
static void test_out_of_memory(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	mser_t ser[2 * N_TYPES];
	make_series(ser);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	int failures = 0;
	for (long n = 0; n < 400; n += 1 + n / 16) {
		mser_t *ptrs[N_TYPES];
		int64_t times[20], *rv[N_TYPES], rbuf[N_TYPES][20];
		int dev = (int)(n & 1);
		for (int i = 0; i < 20; i++)
			times[i] = rnd_range(0, 5000);
		for (size_t k = 0; k < N_TYPES; k++) {
			ptrs[k] = &ser[dev * N_TYPES + k];
			rv[k] = rbuf[k];
			for (int i = 0; i < 20; i++)
				rbuf[k][i] = (int64_t)(rnd() >> 1);
		}
		mem_fail_after(n);
		int rc = write_rows(s, DB, ptrs, N_TYPES, times, rv, 20, 4, &err);
		mem_fail_after(-1);
		assert_true(rc == LARCH_OK || rc == LARCH_NO_MEMORY);
		failures += rc != LARCH_OK;
		if (n % 5 == 0) {
			mem_fail_after(n / 3);
			storage_cursor_t *c;
			storage_series_ref_t ref = {NULL, ser[0].id, ser[0].meas, ser[0].type};
			storage_read_t req = {DB, ser[0].device, &ref, 1, 1, INT64_MIN, INT64_MAX};
			const storage_block_t *b;
			if (storage_read(s, &req, &c, &err) == LARCH_OK) {
				while (storage_cursor_next(c, &b, &err) == LARCH_OK)
					;
				storage_cursor_free(c);
			}
			mem_fail_after(-1);
		}
	}
	assert_true(failures > 0);
	check_all(s, ser, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	check_all(s, ser, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	check_all(s, ser, INT64_MIN, INT64_MAX);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(ser, 2 * N_TYPES);
	rm_dir(d);
}

/* Copy of a model series (its points as they are now). */
static mser_t mser_copy(const mser_t *m)
{
	mser_t c = *m;
	c.p = malloc((m->n + 1) * sizeof(*c.p));
	memcpy(c.p, m->p, m->n * sizeof(*c.p));
	c.cap = m->n + 1;
	return c;
}

/* Drain a cursor, comparing with a model copy taken when it was opened. */
static void drain_equal(storage_cursor_t *c, const mser_t *m)
{
	const storage_block_t *b;
	larch_error_t err = {0};
	size_t i = 0, es = col_elem_size(m->type);
	while (storage_cursor_next(c, &b, &err) == LARCH_OK)
		for (size_t k = 0; k < b->n_rows; k++, i++) {
			assert_true(i < m->n);
			assert_int_equal(b->times[k], m->p[i].t);
			assert_true(value_is(m->type, (const uint8_t *)b->columns[0].values + k * es,
					     m->p[i].r));
		}
	assert_int_equal(i, m->n);
	storage_cursor_free(c);
}

/* Cursors read the snapshot taken when they were opened, while the
 * memtable grows under them (its first chunk is replaced and retired,
 * chunks are added), points are deleted and overwritten, and memtables
 * are flushed; ranges cross chunk boundaries. */
static void test_snapshot_isolation(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[2] = {{.device = DB ".i1", .meas = "v", .type = TSFILE_INT64, .id = 1},
		       {.device = DB ".i2", .meas = "w", .type = TSFILE_TEXT, .id = 2, .aligned = 1}};
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	storage_cursor_t *c[2][4];
	mser_t snap[2][4];
	int64_t t[3000], r[3000], *rp = r;
	for (int phase = 0; phase < 4; phase++) {
		for (int k = 0; k < 2; k++) {
			mser_t *mp = &m[k];
			size_t rows = phase == 0 ? 10 : 1000 + (size_t)phase * 500;
			for (size_t i = 0; i < rows; i++) {
				t[i] = phase == 2 ? rnd_range(0, 4000) : (int64_t)(phase * 3000 + i);
				r[i] = (int64_t)(rnd() >> 2);
			}
			assert_int_equal(write_rows(s, DB, &mp, 1, t, &rp, rows, phase == 3 ? 5 : 0, &err),
					 LARCH_OK);
			if (phase == 1) {
				storage_series_ref_t ref = {mp->device, mp->id, mp->meas, mp->type};
				assert_int_equal(storage_delete(s, DB, &ref, 1, 3100, 3900, &err), LARCH_OK);
				mser_delete(mp, 3100, 3900);
			}
			storage_series_ref_t ref = {NULL, mp->id, mp->meas, mp->type};
			storage_read_t req = {DB, mp->device, &ref, 1, mp->aligned, 1020, 5000};
			assert_int_equal(storage_read(s, &req, &c[k][phase], &err), LARCH_OK);
			/* the cursor sees [1020, 5000] as of now */
			snap[k][phase] = mser_copy(mp);
			mser_delete(&snap[k][phase], INT64_MIN, 1019);
			mser_delete(&snap[k][phase], 5001, INT64_MAX);
		}
		if (phase == 2)
			assert_int_equal(storage_flush(s, &err), LARCH_OK);
	}
	for (int k = 0; k < 2; k++)
		for (int phase = 0; phase < 4; phase++) {
			drain_equal(c[k][phase], &snap[k][phase]);
			free(snap[k][phase].p);
		}
	for (int k = 0; k < 2; k++) {
		check_series(s, DB, &m[k], INT64_MIN, INT64_MAX);
		check_series(s, DB, &m[k], 1023, 2049);
	}
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 2);
	rm_dir(d);
}

/* Byte-string columns whose values are all empty strings, through the
 * memtable, a flush and a reopen. */
static void test_empty_strings(void **state)
{
	(void)state;
	char *d = tmp_dir();
	storage_options_t o;
	test_options(&o);
	storage_t *s;
	larch_error_t err = {0};
	mser_t m[2] = {{.device = DB ".e1", .meas = "t", .type = TSFILE_TEXT, .id = 1},
		       {.device = DB ".e2", .meas = "b", .type = TSFILE_BLOB, .id = 2, .aligned = 1}};
	assert_int_equal(storage_open(d, &o, &s, &err), LARCH_OK);
	for (int k = 0; k < 2; k++) {
		mser_t *mp = &m[k];
		int64_t t[3] = {5, 1, 9}, r[3] = {17, 34, 51}, *rp = r; /* all "" */
		assert_int_equal(write_rows(s, DB, &mp, 1, t, &rp, 3, 0, &err), LARCH_OK);
		check_series(s, DB, mp, INT64_MIN, INT64_MAX);
	}
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
	for (int k = 0; k < 2; k++)
		check_series(s, DB, &m[k], INT64_MIN, INT64_MAX);
	check_files(s);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 2);
	rm_dir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmap_random),
		cmocka_unit_test(test_sort_pairs_stable),
		cmocka_unit_test(test_walrec_roundtrip),
		cmocka_unit_test(test_walrec_delete_drop),
		cmocka_unit_test(test_mods2_layout),
		cmocka_unit_test(test_dbname_encoding),
		cmocka_unit_test(test_open_lock_close),
		cmocka_unit_test(test_types_memtable_flush_reopen),
		cmocka_unit_test(test_seq_unseq_split),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_hostile_arguments),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_empty_strings),
		cmocka_unit_test(test_snapshot_isolation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
