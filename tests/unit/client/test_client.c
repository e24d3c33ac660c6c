/*
 * test_client.c — the native client (include/larch/client.h) against a
 * real larchd started by the test (fork/exec of <build>/bin/larchd, or
 * $LARCH_BIN[/larchd]; the ready line gives the port).
 *
 * Every call is checked by reading the data back through SQL and comparing
 * with an independent model (random values of all 10 types with nulls),
 * errors by their IoTDB status codes, the pool by timing, reconnection by
 * killing and restarting the server (no acknowledged write may be lost),
 * TLS with a certificate made by the openssl CLI, and the compact
 * protocol.  LARCH_CLIENT_SEED picks the random seed (printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/base.h"
#include "larch/client.h"

/*---------------------------------------------------------------------------
 * larchd under test
 *---------------------------------------------------------------------------*/

typedef struct server {
	pid_t pid;
	int out_fd;          /* its stdout, kept open */
	int port;
	char dir[512];
} server_t;

static char tmp_root[256];
static char larchd_path[1100];
static server_t main_srv;
static uint64_t rng_state;

static void find_larchd(void)
{
	const char *env = getenv("LARCH_BIN");
	char self[1024];
	ssize_t n;
	struct stat st;

	if (env) {
		snprintf(larchd_path, sizeof larchd_path, "%s", env);
		if (stat(env, &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(larchd_path, sizeof larchd_path, "%s/larchd", env);
		return;
	}
	/* <build>/tests/unit/client/test_client -> <build>/bin/larchd */
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = 0;
	for (int up = 0; up < 4; up++)
		*strrchr(self, '/') = 0;
	snprintf(larchd_path, sizeof larchd_path, "%s/bin/larchd", self);
}

/* Start larchd on `port` (0: any) over dir with extra "--set k=v" args;
 * wait for its ready line (30 s).  Returns 0 or -1. */
static int server_start(server_t *sv, const char *dir, int port, const char *const *sets)
{
	int pfd[2];
	char portbuf[16], line[256], logpath[600];
	const char *argv[32];
	size_t k = 0, got = 0;

	snprintf(sv->dir, sizeof sv->dir, "%s", dir);
	snprintf(portbuf, sizeof portbuf, "%d", port);
	snprintf(logpath, sizeof logpath, "%s.log", dir);
	argv[k++] = larchd_path;
	argv[k++] = "--port";
	argv[k++] = portbuf;
	argv[k++] = "--data-dir";
	argv[k++] = dir;
	for (size_t i = 0; sets && sets[i] && k < 28; i++) {
		argv[k++] = "--set";
		argv[k++] = sets[i];
	}
	argv[k] = NULL;
	if (pipe(pfd))
		return -1;
	sv->pid = fork();
	if (sv->pid == 0) {
		int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(pfd[1], 1);
		if (log >= 0)
			dup2(log, 2);
		close(pfd[0]);
		execv(larchd_path, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	sv->out_fd = pfd[0];
	while (got < sizeof line - 1) {
		struct pollfd p = { sv->out_fd, POLLIN, 0 };
		ssize_t r;
		if (poll(&p, 1, 30000) <= 0)
			break;
		r = read(sv->out_fd, line + got, sizeof line - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		line[got] = 0;
		if (strchr(line, '\n')) {
			const char *c = strstr(line, " pid ");
			while (c && c > line && c[-1] != ':')
				c--;
			sv->port = c ? atoi(c) : 0;
			return sv->port > 0 ? 0 : -1;
		}
	}
	fprintf(stderr, "larchd did not get ready (%s); see %s\n", larchd_path, logpath);
	return -1;
}

static void server_kill(server_t *sv, int sig)
{
	int status;
	if (sv->pid <= 0)
		return;
	kill(sv->pid, sig);
	waitpid(sv->pid, &status, 0);
	close(sv->out_fd);
	sv->pid = 0;
}

static void make_dir(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmp_root, name);
}

static int group_setup(void **state)
{
	char dir[512];
	const char *seed = getenv("LARCH_CLIENT_SEED");
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	rng_state = seed ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL);
	fprintf(stderr, "test_client: LARCH_CLIENT_SEED=%llu\n", (unsigned long long)rng_state);
	rng_state = rng_state * 2654435761u + 1;
	find_larchd();
	snprintf(tmp_root, sizeof tmp_root, "/tmp/larch-client-XXXXXX");
	if (!mkdtemp(tmp_root))
		return -1;
	make_dir(dir, sizeof dir, "main");
	return server_start(&main_srv, dir, 0, NULL);
}

static int group_teardown(void **state)
{
	char cmd[300];
	(void)state;
	server_kill(&main_srv, SIGTERM);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_root);
	return system(cmd) == 0 ? 0 : -1;
}

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static larch_client_options_t opts_for(const server_t *sv)
{
	larch_client_options_t o;
	larch_client_options_default(&o);
	o.port = sv->port;
	o.time_zone = "UTC";
	o.socket_timeout_ms = 30000;
	return o;
}

static larch_session_t *open_main(void)
{
	larch_client_options_t o = opts_for(&main_srv);
	larch_session_t *s = NULL;
	larch_error_t err = { 0 };
	int rc = larch_session_open(&o, &s, &err);
	if (rc)
		fail_msg("open: %d %s", rc, err.msg);
	return s;
}

/* Assert a call succeeds; `err` must be the larch_error_t it fills. */
#define OK(call)                                                          \
	do {                                                              \
		int rc_ = (call);                                         \
		if (rc_)                                                  \
			fail_msg("%s -> %d %s", #call, rc_, err.msg);     \
	} while (0)

/* Run SQL that returns one number (e.g. a count) in its first column. */
static int64_t query_number(larch_session_t *s, const char *sql)
{
	larch_dataset_t *ds;
	larch_error_t err = { 0 };
	int64_t v;
	OK(larch_session_execute_query(s, sql, 0, &ds, &err));
	OK(larch_dataset_next(ds, &err));
	v = (int64_t)larch_dataset_get_double(ds, 0);
	assert_int_equal(larch_dataset_next(ds, &err), LARCH_DONE);
	OK(larch_dataset_close(ds, &err));
	return v;
}

/*---------------------------------------------------------------------------
 * The model: rows of all 10 types with nulls
 *---------------------------------------------------------------------------*/

#define NCOL 10
#define MAXR 4000

static const char *const col_names[NCOL] = { "b", "i32", "i64", "f", "d", "t", "ts", "dt", "bl", "st" };
static const tsfile_type_t col_types[NCOL] = {
	TSFILE_BOOLEAN, TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT, TSFILE_DOUBLE,
	TSFILE_TEXT, TSFILE_TIMESTAMP, TSFILE_DATE, TSFILE_BLOB, TSFILE_STRING
};
enum { C_B, C_I32, C_I64, C_F, C_D, C_T, C_TS, C_DT, C_BL, C_ST };

typedef struct model {
	size_t rows;
	int64_t times[MAXR];
	uint8_t b[MAXR];
	int32_t i32[MAXR], dt[MAXR];
	int64_t i64[MAXR], ts[MAXR];
	float f[MAXR];
	double d[MAXR];
	tsfile_bytes_t t[MAXR], bl[MAXR], st[MAXR];
	uint8_t nulls[NCOL][MAXR];
	char text[MAXR * 3 * 12];
	size_t text_used;
	tsfile_column_t cols[NCOL];
} model_t;

static tsfile_bytes_t gen_text(model_t *m, int binary)
{
	size_t len = rnd() % 12;
	char *p = m->text + m->text_used;
	for (size_t i = 0; i < len; i++)
		p[i] = binary ? (char)(rnd() & 0xff) : (char)('a' + rnd() % 26);
	m->text_used += len;
	return (tsfile_bytes_t){ p, (uint32_t)len };
}

/* rows rows at times t0, t0+1, ... (shuffled when `shuffle`); column i64
 * never null (so no row is entirely null), the others null with p = 1/5. */
static model_t *model_new(size_t rows, int64_t t0, int shuffle)
{
	model_t *m = mem_calloc(1, sizeof *m);
	void *vals[NCOL];
	assert_non_null(m);
	assert_true(rows <= MAXR);
	m->rows = rows;
	for (size_t r = 0; r < rows; r++) {
		double dv;
		m->times[r] = t0 + (int64_t)r;
		m->b[r] = rnd() & 1;
		m->i32[r] = (int32_t)rnd();
		m->i64[r] = (int64_t)rnd();
		m->f[r] = (float)((int32_t)rnd()) / 1024.0f;
		dv = (double)(int64_t)rnd() / 3.0;
		m->d[r] = dv;
		m->t[r] = gen_text(m, 0);
		m->ts[r] = (int64_t)(rnd() % 4000000000000ull);
		m->dt[r] = (int32_t)(19700101 + (rnd() % 80) * 10000 + (rnd() % 12) * 100 + rnd() % 28);
		m->bl[r] = gen_text(m, 1);
		m->st[r] = gen_text(m, 0);
		for (int c = 0; c < NCOL; c++)
			m->nulls[c][r] = c != C_I64 && rnd() % 5 == 0;
	}
	for (size_t r = rows; shuffle && r > 1; r--) {
		size_t j = rnd() % r;
		int64_t t = m->times[r - 1];
		m->times[r - 1] = m->times[j];
		m->times[j] = t;
	}
	vals[C_B] = m->b; vals[C_I32] = m->i32; vals[C_I64] = m->i64; vals[C_F] = m->f;
	vals[C_D] = m->d; vals[C_T] = m->t; vals[C_TS] = m->ts; vals[C_DT] = m->dt;
	vals[C_BL] = m->bl; vals[C_ST] = m->st;
	for (int c = 0; c < NCOL; c++)
		m->cols[c] = (tsfile_column_t){ col_names[c], col_types[c], vals[c], m->nulls[c] };
	return m;
}

static tsfile_tablet_t model_tablet(const model_t *m, const char *device)
{
	return (tsfile_tablet_t){ device, m->rows, m->times, NCOL, m->cols };
}

/* Value of column c at model row r. */
static void model_value(const model_t *m, int c, size_t r, tsfile_value_t *v)
{
	memset(v, 0, sizeof *v);
	v->type = col_types[c];
	v->is_null = m->nulls[c][r];
	if (v->is_null)
		return;
	switch (c) {
	case C_B: v->v.b = m->b[r]; break;
	case C_I32: v->v.i32 = m->i32[r]; break;
	case C_I64: v->v.i64 = m->i64[r]; break;
	case C_F: v->v.f = m->f[r]; break;
	case C_D: v->v.d = m->d[r]; break;
	case C_T: v->v.bytes = m->t[r]; break;
	case C_TS: v->v.i64 = m->ts[r]; break;
	case C_DT: v->v.i32 = m->dt[r]; break;
	case C_BL: v->v.bytes = m->bl[r]; break;
	default: v->v.bytes = m->st[r]; break;
	}
}

/* Points of model row r (nulls flagged). */
static void model_points(const model_t *m, size_t r, tsfile_point_t *pts)
{
	for (int c = 0; c < NCOL; c++) {
		pts[c].measurement = col_names[c];
		model_value(m, c, r, &pts[c].value);
	}
}

/* Comparison class of a type: 0 bool, 1 int32, 2 int64, 3 float, 4 double, 5 bytes. */
static int type_class(tsfile_type_t t)
{
	switch (t) {
	case TSFILE_BOOLEAN: return 0;
	case TSFILE_INT32: case TSFILE_DATE: return 1;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: return 2;
	case TSFILE_FLOAT: return 3;
	case TSFILE_DOUBLE: return 4;
	default: return 5;
	}
}

static void assert_value_eq(const tsfile_value_t *want, const tsfile_value_t *got, size_t row,
			    int c)
{
	if (want->is_null != got->is_null || want->type != got->type)
		fail_msg("row %zu column %s: null %d/%d type %d/%d", row, col_names[c],
			 want->is_null, got->is_null, want->type, got->type);
	if (want->is_null)
		return;
	switch (type_class(want->type)) {
	case 0: assert_int_equal(!!want->v.b, !!got->v.b); break;
	case 1: assert_int_equal(want->v.i32, got->v.i32); break;
	case 2: assert_int_equal(want->v.i64, got->v.i64); break;
	case 3: assert_memory_equal(&want->v.f, &got->v.f, 4); break;
	case 4: assert_memory_equal(&want->v.d, &got->v.d, 8); break;
	default:
		assert_int_equal(want->v.bytes.len, got->v.bytes.len);
		if (want->v.bytes.len)
			assert_memory_equal(want->v.bytes.ptr, got->v.bytes.ptr, want->v.bytes.len);
	}
}

/* Value of column c, row j of a column block. */
static void block_value(const larch_block_t *b, int c, size_t j, tsfile_value_t *v)
{
	const larch_column_t *col = &b->columns[c];
	memset(v, 0, sizeof *v);
	v->type = col->type;
	v->is_null = col->nulls && col->nulls[j];
	if (v->is_null)
		return;
	switch (type_class(col->type)) {
	case 0: v->v.b = ((const uint8_t *)col->values)[j]; break;
	case 1: v->v.i32 = ((const int32_t *)col->values)[j]; break;
	case 2: v->v.i64 = ((const int64_t *)col->values)[j]; break;
	case 3: v->v.f = ((const float *)col->values)[j]; break;
	case 4: v->v.d = ((const double *)col->values)[j]; break;
	default: v->v.bytes = ((const tsfile_bytes_t *)col->values)[j]; break;
	}
}

static const model_t *sort_model;

static int cmp_model_rows(const void *a, const void *b)
{
	int64_t x = sort_model->times[*(const size_t *)a], y = sort_model->times[*(const size_t *)b];
	return (x > y) - (x < y);
}

/* Read `device` back through SQL (rows, or column blocks) and compare every
 * row, time and value with the model, in time order. */
static void verify_device(larch_session_t *s, const char *device, const model_t *m, int by_block)
{
	char sql[256];
	size_t *ord = mem_alloc(m->rows * sizeof *ord), k = 0;
	larch_error_t err = { 0 };
	larch_dataset_t *ds;
	int rc;

	for (size_t r = 0; r < m->rows; r++)
		ord[r] = r;
	sort_model = m;
	qsort(ord, m->rows, sizeof *ord, cmp_model_rows);
	snprintf(sql, sizeof sql, "select b,i32,i64,f,d,t,ts,dt,bl,st from %s", device);
	OK(larch_session_execute_query(s, sql, 0, &ds, &err));
	assert_int_equal(larch_dataset_column_count(ds), NCOL);
	assert_true(larch_dataset_has_time(ds));
	for (int c = 0; c < NCOL; c++) {
		char want[128];
		snprintf(want, sizeof want, "%s.%s", device, col_names[c]);
		assert_string_equal(larch_dataset_column_name(ds, c), want);
		assert_int_equal(larch_dataset_column_type(ds, c), col_types[c]);
		assert_int_equal(larch_dataset_column_index(ds, want), c);
	}
	if (by_block) {
		const larch_block_t *b;
		while ((rc = larch_dataset_next_block(ds, &b, &err)) == LARCH_OK) {
			assert_int_equal(b->n_columns, NCOL);
			for (size_t j = 0; j < b->n_rows; j++, k++) {
				assert_true(k < m->rows);
				assert_int_equal(b->times[j], m->times[ord[k]]);
				for (int c = 0; c < NCOL; c++) {
					tsfile_value_t want, got;
					model_value(m, c, ord[k], &want);
					block_value(b, c, j, &got);
					assert_value_eq(&want, &got, k, c);
				}
			}
		}
	} else {
		while ((rc = larch_dataset_next(ds, &err)) == LARCH_OK) {
			assert_true(k < m->rows);
			assert_int_equal(larch_dataset_time(ds), m->times[ord[k]]);
			for (int c = 0; c < NCOL; c++) {
				tsfile_value_t want, got;
				model_value(m, c, ord[k], &want);
				larch_dataset_get_value(ds, c, &got);
				assert_value_eq(&want, &got, k, c);
				assert_int_equal(larch_dataset_is_null(ds, c), want.is_null);
			}
			k++;
		}
	}
	if (rc != LARCH_DONE)
		fail_msg("iterating %s: %d %s", device, rc, err.msg);
	assert_int_equal(k, m->rows);
	OK(larch_dataset_close(ds, &err));
	mem_free(ord);
}

/*---------------------------------------------------------------------------
 * Tests
 *---------------------------------------------------------------------------*/

static void test_open_errors(void **state)
{
	larch_client_options_t o = opts_for(&main_srv);
	larch_session_t *s = NULL;
	larch_error_t err = { 0 };
	const char *bad_url[] = { "127.0.0.1" };
	(void)state;

	o.password = "wrong";
	assert_int_equal(larch_session_open(&o, &s, &err), 801);
	assert_null(s);
	assert_true(strlen(err.msg) > 0);

	o = opts_for(&main_srv);
	o.node_urls = bad_url;
	o.n_node_urls = 1;
	assert_int_equal(larch_session_open(&o, &s, &err), LARCH_ILLEGAL_PARAMETER);

	o = opts_for(&main_srv);
	o.port = 1;  /* nothing listens there */
	o.retry_count = 2;
	o.retry_interval_ms = 10;
	assert_int_equal(larch_session_open(&o, &s, &err), LARCH_CLIENT_CONNECTION_ERROR);
	assert_non_null(strstr(err.msg, "127.0.0.1:1"));
}

/* Tablets of all types with nulls, unsorted rows, aligned and not, read
 * back by rows and by column blocks with a small fetch size (many
 * fetchResultsV2 calls). */
static void test_tablet_all_types(void **state)
{
	larch_client_options_t o = opts_for(&main_srv);
	larch_session_t *s;
	larch_error_t err = { 0 };
	model_t *m1 = model_new(700, 1000, 1), *m2 = model_new(300, 5000, 0);
	tsfile_tablet_t t1 = model_tablet(m1, "root.tab.d1"), t2 = model_tablet(m2, "root.tab.al");
	(void)state;

	o.fetch_size = 64;
	OK(larch_session_open(&o, &s, &err));
	OK(larch_session_insert_tablet(s, &t1, 0, &err));
	OK(larch_session_insert_tablet(s, &t2, 1, &err));
	verify_device(s, "root.tab.d1", m1, 0);
	verify_device(s, "root.tab.d1", m1, 1);
	verify_device(s, "root.tab.al", m2, 0);
	/* a second batch in one insertTablets request, both devices */
	model_t *m3 = model_new(200, 100000, 1), *m4 = model_new(50, 100000, 1);
	tsfile_tablet_t ts[2] = { model_tablet(m3, "root.tab.m3"), model_tablet(m4, "root.tab.m4") };
	OK(larch_session_insert_tablets(s, ts, 2, 0, &err));
	verify_device(s, "root.tab.m3", m3, 1);
	verify_device(s, "root.tab.m4", m4, 0);
	assert_int_equal(query_number(s, "select count(i64) from root.tab.d1"), 700);
	OK(larch_session_close(s, &err));
	mem_free(m1); mem_free(m2); mem_free(m3); mem_free(m4);
}

/* A tablet whose serialization outgrows the request buffer many times. */
static void test_large_tablet(void **state)
{
	larch_session_t *s = open_main();
	larch_error_t err = { 0 };
	size_t rows = 50000;
	int64_t *t = mem_alloc(rows * 8), *v = mem_alloc(rows * 8);
	tsfile_column_t c = { "v", TSFILE_INT64, v, NULL };
	tsfile_tablet_t tab = { "root.big.d", rows, t, 1, &c };
	(void)state;

	for (size_t i = 0; i < rows; i++) {
		t[i] = (int64_t)i;
		v[i] = (int64_t)(i * 7);
	}
	OK(larch_session_insert_tablet(s, &tab, 0, &err));
	assert_int_equal(query_number(s, "select count(v) from root.big.d"), (int64_t)rows);
	assert_int_equal(query_number(s, "select sum(v) from root.big.d"),
			 (int64_t)(7 * (rows - 1) * rows / 2));
	OK(larch_session_close(s, &err));
	mem_free(t);
	mem_free(v);
}

/* insertRecord, insertRecords, insertRecordsOfOneDevice (sorted, unsorted,
 * a sorted promise broken), all types with null points. */
static void test_records(void **state)
{
	larch_session_t *s = open_main();
	larch_error_t err = { 0 };
	model_t *m = model_new(90, 1, 1);
	tsfile_point_t pts[90][NCOL];
	larch_record_t recs[90];
	(void)state;

	for (size_t r = 0; r < 90; r++) {
		model_points(m, r, pts[r]);
		recs[r] = (larch_record_t){ "root.rec.d1", m->times[r], pts[r], NCOL };
	}
	for (size_t r = 0; r < 30; r++)
		OK(larch_session_insert_record(s, "root.rec.d1", m->times[r], pts[r], NCOL, 0, &err));
	OK(larch_session_insert_records(s, recs + 30, 30, 0, &err));
	OK(larch_session_insert_records_of_one_device(s, "root.rec.d1", recs + 60, 30, 0, 0, &err));
	verify_device(s, "root.rec.d1", m, 0);

	/* the same rows into an aligned device; a broken "sorted" promise */
	larch_record_t sorted[3] = { { NULL, 1, pts[0], NCOL }, { NULL, 5, pts[1], NCOL },
				     { NULL, 3, pts[2], NCOL } };
	assert_int_equal(larch_session_insert_records_of_one_device(s, "root.rec.al", sorted, 3, 1,
								    1, &err), LARCH_ILLEGAL_PARAMETER);
	for (size_t r = 0; r < 90; r++)
		recs[r].device = "root.rec.al";
	OK(larch_session_insert_records(s, recs, 90, 1, &err));
	verify_device(s, "root.rec.al", m, 1);

	/* a record of nulls only is not sent and is no error */
	tsfile_point_t nul = { "i64", { .type = TSFILE_INT64, .is_null = 1 } };
	OK(larch_session_insert_record(s, "root.rec.d1", 999999, &nul, 1, 0, &err));
	assert_int_equal(query_number(s, "select count(i64) from root.rec.d1"), 90);
	OK(larch_session_close(s, &err));
	mem_free(m);
}

/* String records: the server converts to the series' types. */
static void test_string_records(void **state)
{
	larch_session_t *s = open_main();
	larch_error_t err = { 0 };
	larch_series_def_t d = { .type = TSFILE_INT64, .encoding = -1, .codec = -1 };
	larch_series_def_t t = { .type = TSFILE_TEXT, .encoding = -1, .codec = -1 };
	const char *names[] = { "n", "txt" };
	const char *v1[] = { "11", "one" }, *v2[] = { "22", NULL }, *v3[] = { "33", "three" };
	larch_string_record_t r1 = { "root.str.d", 1, names, v1, 2 };
	larch_string_record_t many[2] = { { "root.str.d", 3, names, v3, 2 },
					  { "root.str.d", 2, names, v2, 2 } };
	larch_dataset_t *ds;
	(void)state;

	OK(larch_session_create_timeseries(s, "root.str.d.n", &d, &err));
	OK(larch_session_create_timeseries(s, "root.str.d.txt", &t, &err));
	OK(larch_session_insert_string_record(s, &r1, 0, &err));
	OK(larch_session_insert_string_records(s, many, 2, 0, &err));
	many[0].time = 5;
	many[1].time = 4;
	OK(larch_session_insert_string_records_of_one_device(s, "root.str.d", many, 2, 0, &err));
	OK(larch_session_execute_query(s, "select n, txt from root.str.d", 0, &ds, &err));
	static const int64_t want_t[] = { 1, 2, 3, 4, 5 }, want_n[] = { 11, 22, 33, 22, 33 };
	static const char *const want_s[] = { "one", NULL, "three", NULL, "three" };
	for (int i = 0; i < 5; i++) {
		OK(larch_dataset_next(ds, &err));
		assert_int_equal(larch_dataset_time(ds), want_t[i]);
		assert_int_equal(larch_dataset_column_type(ds, 0), TSFILE_INT64);
		assert_int_equal(larch_dataset_get_int64_by_name(ds, "root.str.d.n"), want_n[i]);
		assert_int_equal(larch_dataset_is_null_by_name(ds, "root.str.d.txt"), !want_s[i]);
		if (want_s[i]) {
			tsfile_bytes_t b = larch_dataset_get_bytes_by_name(ds, "root.str.d.txt");
			assert_int_equal(b.len, strlen(want_s[i]));
			assert_memory_equal(b.ptr, want_s[i], b.len);
		}
	}
	assert_int_equal(larch_dataset_next(ds, &err), LARCH_DONE);
	OK(larch_dataset_close(ds, &err));
	OK(larch_session_close(s, &err));
}

/* Value of column `name` in the first row of SHOW TIMESERIES path. */
static void show_column(larch_session_t *s, const char *path, const char *name, char *out,
			size_t n)
{
	char sql[256];
	larch_dataset_t *ds;
	larch_error_t err = { 0 };
	int i;
	snprintf(sql, sizeof sql, "show timeseries %s", path);
	OK(larch_session_execute_query(s, sql, 0, &ds, &err));
	OK(larch_dataset_next(ds, &err));
	i = larch_dataset_column_index(ds, name);
	if (i < 0)
		fail_msg("SHOW TIMESERIES has no column %s", name);
	larch_dataset_format(ds, (size_t)i, out, n);
	OK(larch_dataset_close(ds, &err));
}

static void test_schema(void **state)
{
	larch_session_t *s = open_main();
	larch_error_t err = { 0 };
	larch_kv_t tags[] = { { "unit", "c" } }, attrs[] = { { "owner", "x" } };
	larch_series_def_t d = { .type = TSFILE_DOUBLE, .encoding = TSFILE_GORILLA,
				 .codec = TSFILE_SNAPPY, .alias = "temp", .tags = tags, .n_tags = 1,
				 .attributes = attrs, .n_attributes = 1 };
	char cell[128];
	int exists;
	(void)state;

	OK(larch_session_create_database(s, "root.sch", &err));
	assert_int_equal(larch_session_create_database(s, "root.sch", &err), 501);
	OK(larch_session_create_timeseries(s, "root.sch.d.s1", &d, &err));
	larch_series_def_t plain = { .type = TSFILE_DOUBLE, .encoding = -1, .codec = -1 };
	assert_int_equal(larch_session_create_timeseries(s, "root.sch.d.s1", &plain, &err), 503);
	assert_true(strlen(err.msg) > 0);
	show_column(s, "root.sch.d.s1", "DataType", cell, sizeof cell);
	assert_string_equal(cell, "DOUBLE");
	show_column(s, "root.sch.d.s1", "Encoding", cell, sizeof cell);
	assert_string_equal(cell, "GORILLA");
	show_column(s, "root.sch.d.s1", "Compression", cell, sizeof cell);
	assert_string_equal(cell, "SNAPPY");
	show_column(s, "root.sch.d.s1", "Alias", cell, sizeof cell);
	assert_string_equal(cell, "temp");
	show_column(s, "root.sch.d.s1", "Tags", cell, sizeof cell);
	assert_non_null(strstr(cell, "unit"));
	show_column(s, "root.sch.d.s1", "Attributes", cell, sizeof cell);
	assert_non_null(strstr(cell, "owner"));

	const char *paths[] = { "root.sch.d.m1", "root.sch.d.m2" };
	larch_series_def_t two[] = { { .type = TSFILE_INT32, .encoding = -1, .codec = -1 },
				     { .type = TSFILE_STRING, .encoding = -1, .codec = -1, .tags = tags, .n_tags = 1 } };
	OK(larch_session_create_multi_timeseries(s, paths, two, 2, &err));
	show_column(s, "root.sch.d.m2", "DataType", cell, sizeof cell);
	assert_string_equal(cell, "STRING");
	larch_series_def_t al[] = { { .name = "x", .type = TSFILE_FLOAT, .encoding = -1, .codec = -1 },
				    { .name = "y", .type = TSFILE_BOOLEAN, .encoding = -1, .codec = -1 } };
	OK(larch_session_create_aligned_timeseries(s, "root.sch.gps", al, 2, &err));
	show_column(s, "root.sch.gps.y", "DataType", cell, sizeof cell);
	assert_string_equal(cell, "BOOLEAN");
	assert_int_equal(query_number(s, "count timeseries root.sch.**"), 5);

	OK(larch_session_check_timeseries_exists(s, "root.sch.d.m1", &exists, &err));
	assert_true(exists);
	OK(larch_session_delete_timeseries(s, paths, 1, &err));
	OK(larch_session_check_timeseries_exists(s, "root.sch.d.m1", &exists, &err));
	assert_false(exists);
	assert_int_equal(larch_session_delete_timeseries(s, paths, 1, &err), 508);

	const char *dbs[] = { "root.sch" };
	OK(larch_session_delete_databases(s, dbs, 1, &err));
	OK(larch_session_check_timeseries_exists(s, "root.sch.**", &exists, &err));
	assert_false(exists);
	OK(larch_session_close(s, &err));
}

static void test_delete_data(void **state)
{
	larch_session_t *s = open_main();
	larch_error_t err = { 0 };
	int64_t t[10], v[10];
	tsfile_column_t c = { "v", TSFILE_INT64, v, NULL };
	tsfile_tablet_t tab = { "root.del.d", 10, t, 1, &c };
	const char *p[] = { "root.del.d.v" };
	(void)state;

	for (int i = 0; i < 10; i++)
		t[i] = v[i] = i + 1;
	OK(larch_session_insert_tablet(s, &tab, 0, &err));
	OK(larch_session_delete_data(s, p, 1, 3, 5, &err));  /* inclusive: 3, 4, 5 */
	assert_int_equal(query_number(s, "select count(v) from root.del.d"), 7);
	assert_int_equal(query_number(s, "select sum(v) from root.del.d"), 55 - 12);
	OK(larch_session_close(s, &err));
}

static void test_sql(void **state)
{
	larch_session_t *s = open_main();
	larch_error_t err = { 0 };
	larch_dataset_t *ds = NULL;
	(void)state;

	assert_int_equal(larch_session_execute_query(s, "selec * frm root", 0, &ds, &err), 700);
	assert_null(ds);
	assert_true(strlen(err.msg) > 0);
	assert_int_equal(larch_session_execute_non_query(s, "create database root", &err) != 0, 1);
	OK(larch_session_execute_non_query(s,
		"insert into root.sql.d(timestamp, a, b) values(1, 10, 'x')", &err));
	OK(larch_session_execute(s, "insert into root.sql.d(timestamp, a) values(2, 20)", &ds, &err));
	assert_null(ds);
	OK(larch_session_execute(s, "select a, b from root.sql.d", &ds, &err));
	assert_non_null(ds);
	OK(larch_dataset_next(ds, &err));
	assert_int_equal(larch_dataset_time(ds), 1);
	assert_true(larch_dataset_get_double(ds, 0) == 10.0);
	OK(larch_dataset_next(ds, &err));
	assert_true(larch_dataset_is_null(ds, 1));
	assert_int_equal(larch_dataset_next(ds, &err), LARCH_DONE);
	OK(larch_dataset_close(ds, &err));
	/* a statement without time column */
	OK(larch_session_execute_query(s, "show databases", 0, &ds, &err));
	assert_false(larch_dataset_has_time(ds));
	OK(larch_dataset_close(ds, &err));
	/* time zone */
	OK(larch_session_set_time_zone(s, "+08:00", &err));
	assert_string_equal(larch_session_time_zone(s), "+08:00");
	assert_int_not_equal(larch_session_set_time_zone(s, "Not/AZone", &err), 0);
	assert_string_equal(larch_session_time_precision(s), "ms");
	/* a data set outliving its session is detached, not dangling */
	OK(larch_session_execute_query(s, "select a from root.sql.d", 0, &ds, &err));
	OK(larch_session_close(s, &err));
	OK(larch_dataset_close(ds, &err));
}

static void test_templates(void **state)
{
	larch_session_t *s = open_main();
	larch_error_t err = { 0 };
	larch_series_def_t m1[] = { { .name = "temp", .type = TSFILE_FLOAT, .encoding = -1, .codec = -1 } };
	larch_series_def_t m2[] = { { .name = "hum", .type = TSFILE_DOUBLE, .encoding = -1, .codec = -1 } };
	const char *dev[] = { "root.tpl.d1" };
	char **names;
	size_t n;
	(void)state;

	OK(larch_session_create_database(s, "root.tpl", &err));
	OK(larch_session_create_template(s, "t1", m1, 1, 0, &err));
	assert_int_not_equal(larch_session_create_template(s, "t1", m1, 1, 0, &err), 0);
	OK(larch_session_add_template_measurements(s, "t1", m2, 1, 0, &err));
	OK(larch_session_show_templates(s, LARCH_TEMPLATE_MEASUREMENTS, "t1", &names, &n, &err));
	assert_int_equal(n, 2);
	assert_true((!strcmp(names[0], "temp") && !strcmp(names[1], "hum")) ||
		    (!strcmp(names[1], "temp") && !strcmp(names[0], "hum")));
	larch_client_free(names);
	OK(larch_session_show_templates(s, LARCH_TEMPLATE_ALL, NULL, &names, &n, &err));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "t1");
	larch_client_free(names);
	OK(larch_session_set_template(s, "t1", "root.tpl", &err));
	OK(larch_session_show_templates(s, LARCH_TEMPLATE_SET_ON, "t1", &names, &n, &err));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "root.tpl");
	larch_client_free(names);
	OK(larch_session_activate_template(s, dev, 1, &err));
	OK(larch_session_show_templates(s, LARCH_TEMPLATE_USING_ON, "t1", &names, &n, &err));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "root.tpl.d1");
	larch_client_free(names);
	tsfile_point_t p = { "temp", { .type = TSFILE_FLOAT, .v.f = 21.5f } };
	OK(larch_session_insert_record(s, "root.tpl.d1", 1, &p, 1, 0, &err));
	assert_int_equal(query_number(s, "select count(temp) from root.tpl.d1"), 1);
	/* dropping a mounted template is refused */
	assert_int_not_equal(larch_session_drop_template(s, "t1", &err), 0);
	/* unmounting needs the template deactivated first (as in IoTDB) */
	assert_int_not_equal(larch_session_unset_template(s, "t1", "root.tpl", &err), 0);
	OK(larch_session_execute_non_query(s, "deactivate device template t1 from root.tpl.d1",
					   &err));
	OK(larch_session_unset_template(s, "t1", "root.tpl", &err));
	OK(larch_session_drop_template(s, "t1", &err));
	const char *dbs[] = { "root.tpl" };
	OK(larch_session_delete_databases(s, dbs, 1, &err));
	OK(larch_session_show_templates(s, LARCH_TEMPLATE_ALL, NULL, &names, &n, &err));
	assert_int_equal(n, 0);
	larch_client_free(names);
	OK(larch_session_close(s, &err));
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

typedef struct holder {
	larch_pool_t *pool;
	larch_session_t *s;
	int delay_ms;
} holder_t;

static void *put_back_later(void *arg)
{
	holder_t *h = arg;
	usleep((useconds_t)h->delay_ms * 1000);
	larch_pool_put(h->pool, h->s);
	return NULL;
}

typedef struct writer {
	larch_pool_t *pool;
	int id, n, failures;
} writer_t;

static void *pool_writer(void *arg)
{
	writer_t *w = arg;
	for (int i = 0; i < w->n; i++) {
		larch_session_t *s;
		larch_error_t err = { 0 };
		tsfile_point_t p = { "v", { .type = TSFILE_INT32, .v.i32 = w->id } };
		if (larch_pool_get(w->pool, &s, &err)) {
			w->failures++;
			continue;
		}
		w->failures += larch_session_insert_record(s, "root.pool.d", (int64_t)w->id * 1000 + i,
							   &p, 1, 0, &err) != 0;
		larch_pool_put(w->pool, s);
	}
	return NULL;
}

static void test_pool(void **state)
{
	larch_client_options_t o = opts_for(&main_srv);
	larch_pool_t *p;
	larch_session_t *a, *b, *c = NULL;
	larch_error_t err = { 0 };
	pthread_t th[4];
	writer_t w[4];
	double t0;
	(void)state;

	OK(larch_pool_open(&o, 2, 200, &p, &err));
	assert_int_equal(larch_pool_size(p), 0);  /* lazy */
	OK(larch_pool_get(p, &a, &err));
	OK(larch_pool_get(p, &b, &err));
	assert_ptr_not_equal(a, b);
	assert_int_equal(larch_pool_size(p), 2);
	t0 = now_ms();
	assert_int_equal(larch_pool_get(p, &c, &err), LARCH_CLIENT_POOL_TIMEOUT);
	assert_true(now_ms() - t0 >= 190);
	assert_null(c);
	larch_pool_put(p, a);
	larch_pool_put(p, b);
	assert_int_equal(larch_pool_idle(p), 2);

	/* four threads over two sessions */
	for (int i = 0; i < 4; i++) {
		w[i] = (writer_t){ p, i + 1, 50, 0 };
		pthread_create(&th[i], NULL, pool_writer, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(larch_pool_size(p), 2);
	larch_pool_close(p);

	/* a pool of one is a plain session; one put back while another
	 * thread waits is handed over */
	OK(larch_pool_open(&o, 1, 10000, &p, &err));
	OK(larch_pool_get(p, &a, &err));
	assert_int_equal(query_number(a, "select count(v) from root.pool.d"), 200);
	holder_t h = { p, a, 100 };
	pthread_t ht;
	pthread_create(&ht, NULL, put_back_later, &h);
	t0 = now_ms();
	OK(larch_pool_get(p, &c, &err));
	assert_ptr_equal(c, a);
	assert_true(now_ms() - t0 >= 90);
	pthread_join(ht, NULL);
	larch_pool_put(p, c);
	larch_pool_close(p);
}

/* insert 20-row tablets at times base.. (values = times). */
static int insert_rows(larch_session_t *s, int64_t base, larch_error_t *err)
{
	int64_t t[20];
	tsfile_column_t c = { "v", TSFILE_INT64, t, NULL };
	tsfile_tablet_t tab = { "root.rc.d", 20, t, 1, &c };
	for (int i = 0; i < 20; i++)
		t[i] = base + i;
	return larch_session_insert_tablet(s, &tab, 0, err);
}

typedef struct late_call {
	larch_session_t *s;
	int rc;
	larch_error_t err;
} late_call_t;

static void *insert_in_thread(void *arg)
{
	late_call_t *l = arg;
	l->rc = insert_rows(l->s, 900000, &l->err);
	return NULL;
}

/* Kill larchd (SIGKILL) between calls and mid-retry, restart it on the same
 * port and directory: calls succeed after reconnecting and every
 * acknowledged row is there. */
static void test_reconnect(void **state)
{
	server_t sv;
	char dir[512];
	larch_client_options_t o;
	larch_session_t *s;
	larch_error_t err = { 0 };
	int acked = 0;
	(void)state;

	make_dir(dir, sizeof dir, "restart");
	assert_int_equal(server_start(&sv, dir, 0, NULL), 0);
	o = opts_for(&sv);
	o.retry_count = 20;
	o.retry_interval_ms = 100;
	OK(larch_session_open(&o, &s, &err));
	for (int i = 0; i < 50; i++) {
		OK(insert_rows(s, i * 20, &err));
		acked += 20;
	}
	server_kill(&sv, SIGKILL);
	assert_int_equal(server_start(&sv, dir, sv.port, NULL), 0);
	OK(insert_rows(s, 50 * 20, &err));  /* reconnects, resends */
	acked += 20;
	assert_int_equal(larch_session_reconnects(s), 1);
	assert_int_equal(query_number(s, "select count(v) from root.rc.d"), acked);

	/* the server comes back while the call is retrying */
	late_call_t l = { s, -1, { 0 } };
	pthread_t th;
	server_kill(&sv, SIGKILL);
	pthread_create(&th, NULL, insert_in_thread, &l);
	usleep(400 * 1000);
	assert_int_equal(server_start(&sv, dir, sv.port, NULL), 0);
	pthread_join(th, NULL);
	if (l.rc)
		fail_msg("insert across the restart: %d %s", l.rc, l.err.msg);
	acked += 20;
	assert_int_equal(larch_session_reconnects(s), 2);
	assert_int_equal(query_number(s, "select count(v) from root.rc.d"), acked);
	assert_int_equal(query_number(s, "select sum(v) from root.rc.d"),
			 (int64_t)(1019 * 1020 / 2) + 20 * 900000 + 190);

	/* no server at all: the error comes after the retries */
	larch_client_options_t q = o;
	larch_session_t *s2;
	q.retry_count = 2;
	q.retry_interval_ms = 20;
	OK(larch_session_open(&q, &s2, &err));
	server_kill(&sv, SIGKILL);
	assert_int_equal(insert_rows(s2, 0, &err), LARCH_CLIENT_CONNECTION_ERROR);
	assert_non_null(strstr(err.msg, "could not connect"));
	larch_session_close(s2, NULL);
	larch_session_close(s, NULL);

	/* failover: the first node is dead, the second answers */
	assert_int_equal(server_start(&sv, dir, sv.port, NULL), 0);
	char live[64];
	snprintf(live, sizeof live, "127.0.0.1:%d", sv.port);
	const char *urls[] = { "127.0.0.1:1", live };
	o.node_urls = urls;
	o.n_node_urls = 2;
	OK(larch_session_open(&o, &s, &err));
	assert_string_equal(larch_session_endpoint(s), live);
	assert_int_equal(query_number(s, "select count(v) from root.rc.d"), acked);
	OK(larch_session_close(s, &err));
	server_kill(&sv, SIGTERM);
}

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* TLS: a self-signed certificate for DNS:localhost made with the openssl
 * CLI; chain and host name verification, and their failures. */
static void test_tls(void **state)
{
	char dir[512], cert[600], key[600], other[600];
	char set_cert[700], set_key[700];
	server_t sv;
	larch_client_options_t o;
	larch_session_t *s;
	larch_error_t err = { 0 };
	(void)state;

	make_dir(dir, sizeof dir, "tls");
	snprintf(cert, sizeof cert, "%s.crt", dir);
	snprintf(key, sizeof key, "%s.key", dir);
	snprintf(other, sizeof other, "%s-other.crt", dir);
	assert_int_equal(sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 2 "
			    "-subj /CN=localhost -addext subjectAltName=DNS:localhost "
			    ">/dev/null 2>&1", key, cert), 0);
	assert_int_equal(sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout %s.key -out %s "
			    "-days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost "
			    ">/dev/null 2>&1", other, other), 0);
	snprintf(set_cert, sizeof set_cert, "ssl_cert_file=%s", cert);
	snprintf(set_key, sizeof set_key, "ssl_key_file=%s", key);
	const char *sets[] = { "enable_thrift_ssl=true", set_cert, set_key, NULL };
	assert_int_equal(server_start(&sv, dir, 0, sets), 0);

	o = opts_for(&sv);
	o.use_ssl = 1;
	o.ca_file = cert;
	o.host = "localhost";
	o.retry_count = 1;
	OK(larch_session_open(&o, &s, &err));
	model_t *m = model_new(100, 1, 1);
	tsfile_tablet_t t = model_tablet(m, "root.tls.d");
	OK(larch_session_insert_tablet(s, &t, 0, &err));
	verify_device(s, "root.tls.d", m, 0);
	OK(larch_session_close(s, &err));
	mem_free(m);

	o.host = "127.0.0.1";  /* not in the certificate */
	assert_int_equal(larch_session_open(&o, &s, &err), LARCH_CLIENT_CONNECTION_ERROR);
	assert_non_null(strstr(err.msg, "certificate"));
	o.verify_hostname = 0;
	OK(larch_session_open(&o, &s, &err));
	OK(larch_session_close(s, &err));
	o.ca_file = other;     /* a CA that did not sign it */
	assert_int_equal(larch_session_open(&o, &s, &err), LARCH_CLIENT_CONNECTION_ERROR);
	assert_non_null(strstr(err.msg, "certificate"));
	o.use_ssl = 0;         /* plain client, TLS server */
	o.connect_timeout_ms = 2000;
	assert_int_not_equal(larch_session_open(&o, &s, &err), LARCH_OK);
	server_kill(&sv, SIGTERM);
}

/* The compact protocol (enable_rpc_compression) end to end. */
static void test_compact_protocol(void **state)
{
	larch_client_options_t o = opts_for(&main_srv);
	larch_session_t *s;
	larch_error_t err = { 0 };
	model_t *m = model_new(500, 1, 1);
	tsfile_tablet_t t = model_tablet(m, "root.cmp.d");
	tsfile_point_t pts[NCOL];
	larch_record_t rec[1];
	(void)state;

	o.rpc_compression = 1;
	o.fetch_size = 100;
	OK(larch_session_open(&o, &s, &err));
	OK(larch_session_insert_tablet(s, &t, 1, &err));
	verify_device(s, "root.cmp.d", m, 1);
	/* overwrite one row through a record with other values (no nulls:
	 * how a null overwrites an aligned row is the server's business) */
	m->i64[7] = -7;
	for (int c = 0; c < NCOL; c++)
		m->nulls[c][7] = 0;
	model_points(m, 7, pts);
	rec[0] = (larch_record_t){ "root.cmp.d", m->times[7], pts, NCOL };
	OK(larch_session_insert_records(s, rec, 1, 1, &err));
	verify_device(s, "root.cmp.d", m, 0);
	assert_int_equal(larch_session_execute_query(s, "select from", 0, &(larch_dataset_t *){ NULL },
						     &err), 700);
	OK(larch_session_close(s, &err));
	mem_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_tablet_all_types),
		cmocka_unit_test(test_large_tablet),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_string_records),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_delete_data),
		cmocka_unit_test(test_sql),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_compact_protocol),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
