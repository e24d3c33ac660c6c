/*
 * Unit tests for the write path (schema_resolve): auto-creation, type
 * checks and widening, errors per measurement, the allocation-free fast
 * path, concurrent resolvers; and IoTDB's type inference for strings.
 */
#include <pthread.h>

#include "schema_test.h"

typedef struct res {
	uint32_t sids[16];
	tsfile_type_t types[16];
	int status[16];
	schema_resolved_t r;
	larch_error_t err;
	int rc;
} res_t;

/* Resolve device(names...) with the given types; names comma-separated. */
static res_t *write_req(schema_t *s, const char *device, const char *names,
			const tsfile_type_t *types, int aligned)
{
	static res_t out;
	static char buf[512];
	schema_str_t ns[16];
	size_t n = 0;
	snprintf(buf, sizeof(buf), "%s", names);
	for (char *p = buf, *q; p && *p; p = q) {
		q = strchr(p, ',');
		if (q)
			*q++ = '\0';
		ns[n].ptr = p;
		ns[n++].len = (uint32_t)strlen(p);
	}
	memset(&out, 0, sizeof(out));
	out.r.sids = out.sids;
	out.r.types = out.types;
	out.r.status = out.status;
	schema_write_t w = {device, strlen(device), n, ns, types, aligned};
	out.rc = schema_resolve(s, &w, &out.r, &out.err);
	return &out;
}

static const tsfile_type_t I32[] = {TSFILE_INT32, TSFILE_INT32, TSFILE_INT32, TSFILE_INT32};
static const tsfile_type_t I64[] = {TSFILE_INT64, TSFILE_INT64, TSFILE_INT64, TSFILE_INT64};

static void test_auto_create(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	tsfile_type_t t[] = {TSFILE_INT32, TSFILE_TEXT};
	res_t *r = write_req(s, "root.sg.d1", "s1,s2", t, 0);
	assert_int_equal(r->rc, LARCH_OK);
	assert_int_equal(r->sids[0], 1);
	assert_int_equal(r->sids[1], 2);
	assert_int_equal(r->types[1], TSFILE_TEXT);
	assert_int_equal(r->r.dev_id, 1);
	assert_int_equal(r->r.db_id, 1);
	strs_t l;
	strs_reset(&l);
	expect_ok(schema_db_match(s, NULL, db_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.sg");

	/* existing series resolve without allocating */
	tsfile_type_t t2[] = {TSFILE_TEXT, TSFILE_INT32};
	mem_fail_after(0);
	r = write_req(s, "root.sg.d1", "s2,s1", t2, 0);
	mem_fail_after(-1);
	assert_int_equal(r->rc, LARCH_OK);
	assert_int_equal(r->sids[0], 2);
	assert_int_equal(r->sids[1], 1);
	assert_int_equal(r->types[1], TSFILE_INT32);

	/* widening: INT32 values go to an INT64 series, not the reverse */
	mk(s, "root.sg.d1.big", TSFILE_INT64);
	r = write_req(s, "root.sg.d1", "big", I32, 0);
	assert_int_equal(r->rc, LARCH_OK);
	assert_int_equal(r->types[0], TSFILE_INT64);
	tsfile_type_t mixed[] = {TSFILE_INT64, TSFILE_STRING, TSFILE_DOUBLE};
	r = write_req(s, "root.sg.d1", "s1,s2,s3", mixed, 0);
	assert_int_equal(r->rc, LARCH_METADATA_ERROR);
	assert_string_equal(r->err.msg, "data type of root.sg.d1.s1 is not consistent, registered "
			    "type INT32, inserting type INT64");
	assert_int_equal(r->status[0], 507);
	assert_int_equal(r->status[1], LARCH_OK); /* TEXT accepts STRING */
	assert_int_equal(r->status[2], LARCH_OK); /* partial insert: s3 was created */
	assert_int_equal(r->sids[0], 0);
	assert_true(r->sids[2] > 0);

	/* duplicates in one request, and the alias */
	r = write_req(s, "root.sg.d2", "x,x", I32, 0);
	assert_int_equal(r->rc, LARCH_OK);
	assert_int_equal(r->sids[0], r->sids[1]);
	schema_meas_def_t d;
	memset(&d, 0, sizeof(d));
	d.type = TSFILE_FLOAT;
	d.encoding = d.codec = -1;
	d.alias = "temperature";
	uint32_t sid;
	expect_ok(schema_series_create(s, "root.sg.d3.s1", &d, &sid, &e_));
	r = write_req(s, "root.sg.d3", "temperature", I32, 0);
	assert_int_equal(r->rc, LARCH_OK);
	assert_int_equal(r->sids[0], sid);

	/* back-quoted names take the slow path but find the same series */
	r = write_req(s, "root.sg.`d4`", "`a.b`", I32, 0);
	assert_int_equal(r->rc, LARCH_OK);
	uint32_t ab = r->sids[0];
	r = write_req(s, "root.sg.d4", "`a.b`", I32, 0);
	assert_int_equal(r->sids[0], ab);
	assert_string_equal(show_ts(s, "root.sg.d4.*", &l), "root.sg.d4.`a.b`");
	schema_close(s, NULL);
}

static void test_errors(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	res_t *r = write_req(s, "root.sg.d-1", "s1,s2", I32, 0);
	assert_int_equal(r->rc, 509);
	assert_string_equal(r->err.msg, "root.sg.d-1 is not a legal path");
	assert_int_equal(r->status[1], 509);
	r = write_req(s, "root.sg.d1", "ok,time,`x`", I32, 0);
	assert_int_equal(r->rc, 509);
	assert_string_equal(r->err.msg, "root.sg.d1.time is not a legal path");
	assert_int_equal(r->status[0], LARCH_OK);
	assert_int_equal(r->status[2], LARCH_OK);
	r = write_req(s, "root", "s", I32, 0);
	assert_int_equal(r->rc, 509);
	tsfile_type_t vec[] = {TSFILE_VECTOR};
	r = write_req(s, "root.sg.d1", "v", vec, 0);
	assert_int_equal(r->rc, 303);
	assert_string_equal(r->err.msg, "Unsupported datatype: 6");

	/* a series or a node stands where the write wants the other */
	r = write_req(s, "root.sg.d1.ok", "x", I32, 0);
	assert_int_equal(r->rc, 506);
	assert_string_equal(r->err.msg, "Path [root.sg.d1.ok] already exist");
	mk(s, "root.sg.d1.sub.x", TSFILE_INT32);
	r = write_req(s, "root.sg.d1", "sub,ok", I32, 0);
	assert_int_equal(r->rc, 506);
	assert_string_equal(r->err.msg, "Path [root.sg.d1.sub] already exist");
	assert_int_equal(r->status[1], LARCH_OK);

	/* database planning */
	expect_ok(schema_db_create(s, "root.q.w", NULL, &e_));
	r = write_req(s, "root.q.d", "s", I32, 0);
	assert_int_equal(r->rc, 529);
	assert_string_equal(r->err.msg, "some children of root.q have already been created as "
			    "database");
	schema_config_t cfg;
	schema_config_default(&cfg);
	cfg.default_db_level = 2;
	expect_ok(schema_reconfigure(s, &cfg, &e_));
	r = write_req(s, "root.a.b.c", "s", I32, 0);
	assert_int_equal(r->rc, LARCH_OK);
	strs_t l;
	strs_reset(&l);
	expect_ok(schema_db_of(s, "root.a.b.c.s", db_path_cb, &l, &e_));
	assert_string_equal(l.buf, "root.a.b");
	r = write_req(s, "root.x", "s", I32, 0);
	assert_int_equal(r->rc, 509);
	assert_string_equal(r->err.msg, "root.x is not a legal path");

	/* auto creation off */
	cfg.auto_create = 0;
	expect_ok(schema_reconfigure(s, &cfg, &e_));
	r = write_req(s, "root.sg.d1", "ok,s9", I32, 0);
	assert_int_equal(r->rc, 508);
	assert_string_equal(r->err.msg, "Path [root.sg.d1.s9] does not exist");
	assert_int_equal(r->status[0], LARCH_OK);
	r = write_req(s, "root.nowhere.d", "s", I32, 0);
	assert_int_equal(r->rc, 508);
	assert_string_equal(r->err.msg, "Path [root.nowhere.d.s] does not exist");
	schema_close(s, NULL);
}

static void test_alignment(void **state)
{
	(void)state;
	schema_t *s = open_mem();
	res_t *r = write_req(s, "root.sg.gps", "lat,lon", I64, 1);
	assert_int_equal(r->rc, LARCH_OK);
	assert_int_equal(r->r.aligned, 1);
	r = write_req(s, "root.sg.d", "x", I64, 0);
	assert_int_equal(r->r.aligned, 0);
	/* the device's alignment wins over the request's (IoTDB 2.x) */
	r = write_req(s, "root.sg.d", "y", I64, 1);
	assert_int_equal(r->rc, LARCH_OK);
	assert_int_equal(r->r.aligned, 0);
	r = write_req(s, "root.sg.gps", "alt", I64, 0);
	assert_int_equal(r->rc, LARCH_OK);
	assert_int_equal(r->r.aligned, 1);
	schema_close(s, NULL);
}

/*---------------------------------------------------------------------------
 * Concurrency
 *---------------------------------------------------------------------------*/

#define NDEV 40
#define NMEAS 20
#define NTHREADS 8

typedef struct worker {
	schema_t *s;
	unsigned seed;
	uint32_t got[NDEV][NMEAS];
	int failures;
} worker_t;

static void *worker_run(void *arg)
{
	worker_t *w = arg;
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < NDEV; k++) {
			int dev = (int)(rand_r(&w->seed) % NDEV);
			char device[32], names[NMEAS][8];
			schema_str_t ns[NMEAS];
			tsfile_type_t types[NMEAS];
			uint32_t sids[NMEAS];
			tsfile_type_t rt[NMEAS];
			int first = (int)(rand_r(&w->seed) % NMEAS);
			int n = 1 + (int)(rand_r(&w->seed) % 6);
			snprintf(device, sizeof(device), "root.db%d.d%d", dev % 3, dev);
			for (int i = 0; i < n; i++) {
				int m = (first + i * 7) % NMEAS;
				snprintf(names[i], sizeof(names[i]), "m%d", m);
				ns[i].ptr = names[i];
				ns[i].len = (uint32_t)strlen(names[i]);
				types[i] = TSFILE_INT64;
			}
			schema_write_t wr = {device, strlen(device), (size_t)n, ns, types, 0};
			schema_resolved_t r = {sids, rt, NULL, 0, 0, 0};
			if (schema_resolve(w->s, &wr, &r, NULL) != LARCH_OK) {
				w->failures++;
				continue;
			}
			for (int i = 0; i < n; i++) {
				int m = (first + i * 7) % NMEAS;
				if (w->got[dev][m] && w->got[dev][m] != sids[i])
					w->failures++;
				w->got[dev][m] = sids[i];
			}
		}
		uint64_t cnt;
		if (schema_count_series(w->s, "root.**", NULL, &cnt, NULL))
			w->failures++;
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	char dir[] = "/tmp/larch-schema-conc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	schema_config_t cfg;
	schema_config_default(&cfg);
	cfg.fsync = 0;
	cfg.snapshot_bytes = 4096; /* snapshots while others write */
	schema_t *s;
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	static worker_t ws[NTHREADS];
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		memset(&ws[i], 0, sizeof(ws[i]));
		ws[i].s = s;
		ws[i].seed = (unsigned)i * 7919u + 1;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &ws[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	/* every thread saw the same id for a series, and ids are distinct */
	static uint32_t agreed[NDEV][NMEAS];
	memset(agreed, 0, sizeof(agreed));
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(ws[i].failures, 0);
		for (int d = 0; d < NDEV; d++)
			for (int m = 0; m < NMEAS; m++) {
				uint32_t g = ws[i].got[d][m];
				if (!g)
					continue;
				if (agreed[d][m])
					assert_int_equal(agreed[d][m], g);
				agreed[d][m] = g;
			}
	}
	schema_stats_t st;
	schema_stats(s, &st);
	size_t distinct = 0;
	for (int d = 0; d < NDEV; d++)
		for (int m = 0; m < NMEAS; m++)
			if (agreed[d][m]) {
				distinct++;
				for (int d2 = 0; d2 < NDEV; d2++)
					for (int m2 = 0; m2 < NMEAS; m2++)
						if ((d2 != d || m2 != m) && agreed[d2][m2] == agreed[d][m])
							fail_msg("sid %u given twice", agreed[d][m]);
			}
	assert_int_equal(st.series, distinct);
	assert_int_equal(st.next_sid, distinct + 1); /* nothing wasted */
	char *before = dump(s);
	expect_ok(schema_close(s, &e_));
	expect_ok(schema_open(dir, &cfg, &s, &e_));
	char *after = dump(s);
	assert_string_equal(before, after);
	mem_free(before);
	mem_free(after);
	schema_close(s, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*---------------------------------------------------------------------------
 * Type inference
 *---------------------------------------------------------------------------*/

static void test_infer(void **state)
{
	(void)state;
	/* IoTDB 2.x defaults: integers and floats become DOUBLE */
	static const struct { const char *s; int t; } def[] = {
		{"true", TSFILE_BOOLEAN}, {"FALSE", TSFILE_BOOLEAN}, {"tRuE", TSFILE_BOOLEAN},
		{"1", TSFILE_DOUBLE},     {"-12", TSFILE_DOUBLE},    {"1.5", TSFILE_DOUBLE},
		{"NaN", TSFILE_DOUBLE},   {"null", -1},              {"NULL", -1},
		{"Null", TSFILE_TEXT},    {"X'0a'", TSFILE_BLOB},    {"abc", TSFILE_TEXT},
		{"", TSFILE_TEXT},        {"1.5f", TSFILE_TEXT},     {"'x'", TSFILE_TEXT},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(def); i++)
		if (schema_infer_type(NULL, def[i].s, strlen(def[i].s)) != def[i].t)
			fail_msg("infer(%s) = %d", def[i].s,
				 schema_infer_type(NULL, def[i].s, strlen(def[i].s)));
	/* distinguishable settings to see which rule fired */
	schema_config_t cfg;
	schema_config_default(&cfg);
	cfg.infer_integer = TSFILE_INT64;
	cfg.infer_floating = TSFILE_FLOAT;
	cfg.infer_nan = TSFILE_TEXT;
	cfg.infer_boolean = TSFILE_TEXT;
	static const struct { const char *s; int t; } cases[] = {
		{"12", TSFILE_INT64},     {"+5", TSFILE_INT64},      {" 12 ", TSFILE_INT64},
		{"-9223372036854775808", TSFILE_INT64},
		{"9223372036854775807", TSFILE_INT64},
		{"9223372036854775808", TSFILE_FLOAT},
		{"12.0", TSFILE_FLOAT},   {"1.", TSFILE_FLOAT},      {".5", TSFILE_FLOAT},
		{"1e5", TSFILE_FLOAT},    {"1E-5", TSFILE_FLOAT},    {"0x1p3", TSFILE_FLOAT},
		{"0x1.8P-1", TSFILE_FLOAT}, {"Infinity", TSFILE_FLOAT}, {"-Infinity", TSFILE_FLOAT},
		{"-NaN", TSFILE_FLOAT},   {"NaN", TSFILE_TEXT},      {"true", TSFILE_TEXT},
		{"1.0d", TSFILE_TEXT},    {"1D", TSFILE_TEXT},       {".", TSFILE_TEXT},
		{"1e", TSFILE_TEXT},      {"--1", TSFILE_TEXT},      {"0x10", TSFILE_TEXT},
		{"1,5", TSFILE_TEXT},     {"infinity", TSFILE_TEXT}, {"1.5f ", TSFILE_FLOAT},
	};
	for (size_t i = 0; i < LR_ARRAY_LEN(cases); i++)
		if (schema_infer_type(&cfg, cases[i].s, strlen(cases[i].s)) != cases[i].t)
			fail_msg("infer(\"%s\") = %d, want %d", cases[i].s,
				 schema_infer_type(&cfg, cases[i].s, strlen(cases[i].s)), cases[i].t);
}

static void test_accepts(void **state)
{
	(void)state;
	/* TsFile's TSDataType.isCompatible table: target <- sources */
	static const struct { tsfile_type_t to; const tsfile_type_t from[4]; int n; } t[] = {
		{TSFILE_INT64, {TSFILE_INT32, TSFILE_TIMESTAMP}, 2},
		{TSFILE_FLOAT, {TSFILE_INT32}, 1},
		{TSFILE_DOUBLE, {TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT, TSFILE_TIMESTAMP}, 4},
		{TSFILE_TEXT, {TSFILE_STRING}, 1},
		{TSFILE_TIMESTAMP, {TSFILE_INT32, TSFILE_INT64}, 2},
		{TSFILE_BLOB, {TSFILE_STRING, TSFILE_TEXT}, 2},
		{TSFILE_STRING, {TSFILE_TEXT}, 1},
		{TSFILE_BOOLEAN, {TSFILE_BOOLEAN}, 0},
		{TSFILE_INT32, {TSFILE_INT32}, 0},
		{TSFILE_DATE, {TSFILE_DATE}, 0},
	};
	static const tsfile_type_t all[] = {TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64,
					    TSFILE_FLOAT, TSFILE_DOUBLE, TSFILE_TEXT, TSFILE_TIMESTAMP,
					    TSFILE_DATE, TSFILE_BLOB, TSFILE_STRING};
	for (size_t i = 0; i < LR_ARRAY_LEN(t); i++)
		for (size_t j = 0; j < LR_ARRAY_LEN(all); j++) {
			int want = all[j] == t[i].to;
			for (int k = 0; k < t[i].n; k++)
				want |= all[j] == t[i].from[k];
			assert_int_equal(schema_type_accepts(t[i].to, all[j]), want);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_create),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_infer),
		cmocka_unit_test(test_accepts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
