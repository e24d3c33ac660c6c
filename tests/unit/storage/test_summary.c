/* Unit test for src/storage's summary-aware and descending reads: random
 * data (in order, out of order, overwrites, nulls, deletions, flushes at
 * random moments, several sequence and unsequence files, compactions,
 * memtables) whose
 * aggregates — count, sum, min, max, first, last — are computed three ways
 * over random ranges: from the reference model, by decoding every point
 * with the plain cursor, and by accepting the summaries a
 * STORAGE_READ_SUMMARIES cursor offers (declining some at random).  All
 * three must agree.  Clean cases assert that summaries are in fact offered
 * (a flushed file read whole decodes nothing; a range cutting pages decodes
 * only the edge pages; a deletion or an overlapping unsequence file forces
 * only the pages it touches to be decoded).  Descending reads must equal
 * the reversed ascending read. */
#include <math.h>

#include "test_storage_common.h"

#define DB "root.sum"
#define PAGE 64

/*---------------------------------------------------------------------------
 * Aggregates
 *---------------------------------------------------------------------------*/

/* One value, byte strings copied. */
typedef struct aval {
	tsfile_value_t v;
	char buf[40];
} aval_t;

typedef struct agg {
	tsfile_type_t type;
	uint64_t count;
	double sum;
	int64_t tfirst, tlast;
	aval_t first, last, min, max;
} agg_t;

/* What TsFile statistics keep for a type (and so what is aggregated). */
static int has_minmax(tsfile_type_t t)
{
	return t != TSFILE_BOOLEAN && t != TSFILE_TEXT && t != TSFILE_BLOB;
}
static int has_firstlast(tsfile_type_t t) { return t != TSFILE_BLOB; }
static int has_sum(tsfile_type_t t) { return !type_is_binary(t); }

static void aval_set(aval_t *a, const tsfile_value_t *v)
{
	a->v = *v;
	a->v.is_null = 0;
	if (type_is_binary(v->type)) {
		assert_true(v->v.bytes.len < sizeof a->buf);
		if (v->v.bytes.len)
			memcpy(a->buf, v->v.bytes.ptr, v->v.bytes.len);
		a->v.v.bytes.ptr = a->buf;
	}
}

/* A block element of type t as a value. */
static tsfile_value_t elem_value(tsfile_type_t t, const void *p)
{
	tsfile_value_t v = {.type = t};
	switch (t) {
	case TSFILE_BOOLEAN: v.v.b = *(const uint8_t *)p != 0; break;
	case TSFILE_INT32: case TSFILE_DATE: v.v.i32 = *(const int32_t *)p; break;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: v.v.i64 = *(const int64_t *)p; break;
	case TSFILE_FLOAT: v.v.f = *(const float *)p; break;
	case TSFILE_DOUBLE: v.v.d = *(const double *)p; break;
	default: v.v.bytes = *(const tsfile_bytes_t *)p; break;
	}
	return v;
}

static double value_num(const tsfile_value_t *v)
{
	switch (v->type) {
	case TSFILE_BOOLEAN: return v->v.b;
	case TSFILE_INT32: case TSFILE_DATE: return v->v.i32;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: return (double)v->v.i64;
	case TSFILE_FLOAT: return v->v.f;
	case TSFILE_DOUBLE: return v->v.d;
	default: return 0;
	}
}

/* Order of two values (byte strings: unsigned bytes, a prefix first). */
static int value_cmp(const tsfile_value_t *a, const tsfile_value_t *b)
{
	if (type_is_binary(a->type)) {
		uint32_t n = LR_MIN(a->v.bytes.len, b->v.bytes.len);
		int c = n ? memcmp(a->v.bytes.ptr, b->v.bytes.ptr, n) : 0;
		if (c)
			return c;
		return (a->v.bytes.len > b->v.bytes.len) - (a->v.bytes.len < b->v.bytes.len);
	}
	double x = value_num(a), y = value_num(b);
	return (x > y) - (x < y);
}

static void agg_init(agg_t *g, tsfile_type_t t)
{
	memset(g, 0, sizeof *g);
	g->type = t;
}

/* Add a run of `count` points from tstart to tend (ascending after what
 * was added) with these values (NULL where not kept). */
static void agg_add(agg_t *g, int64_t tstart, int64_t tend, uint64_t count, double sum,
		    const tsfile_value_t *first, const tsfile_value_t *last,
		    const tsfile_value_t *min, const tsfile_value_t *max)
{
	assert_true(count >= 1 && tstart <= tend);
	if (g->count) {
		if (!(tstart > g->tlast))
			print_error("run at %lld after %lld\n", (long long)tstart, (long long)g->tlast);
		assert_true(tstart > g->tlast);
	}
	if (has_firstlast(g->type)) {
		if (!g->count)
			aval_set(&g->first, first);
		aval_set(&g->last, last);
	}
	if (has_minmax(g->type)) {
		if (!g->count || value_cmp(min, &g->min.v) < 0)
			aval_set(&g->min, min);
		if (!g->count || value_cmp(max, &g->max.v) > 0)
			aval_set(&g->max, max);
	}
	if (!g->count)
		g->tfirst = tstart;
	g->tlast = tend;
	g->count += count;
	g->sum += sum;
}

static void agg_point(agg_t *g, int64_t t, const void *elem)
{
	tsfile_value_t v = elem_value(g->type, elem);
	agg_add(g, t, t, 1, has_sum(g->type) ? value_num(&v) : 0, &v, &v, &v, &v);
}

static void agg_summary(agg_t *g, const storage_summary_t *s)
{
	assert_int_equal(s->type, g->type);
	assert_int_equal(s->min.is_null, !has_minmax(g->type));
	assert_int_equal(s->max.is_null, !has_minmax(g->type));
	assert_int_equal(s->first.is_null, !has_firstlast(g->type));
	assert_int_equal(s->last.is_null, !has_firstlast(g->type));
	agg_add(g, s->start, s->end, s->count, s->sum, &s->first, &s->last, &s->min, &s->max);
}

static void agg_equal(const agg_t *a, const agg_t *b, const char *what)
{
	if (a->count != b->count) {
		print_error("%s: count %llu vs %llu\n", what, (unsigned long long)a->count,
			    (unsigned long long)b->count);
		fail();
	}
	if (!a->count)
		return;
	assert_int_equal(a->tfirst, b->tfirst);
	assert_int_equal(a->tlast, b->tlast);
	double tol = 1e-9 * (1 + fabs(a->sum) + fabs(b->sum));
	if (fabs(a->sum - b->sum) > tol) {
		print_error("%s: sum %.17g vs %.17g\n", what, a->sum, b->sum);
		fail();
	}
	if (has_firstlast(a->type)) {
		assert_int_equal(value_cmp(&a->first.v, &b->first.v), 0);
		assert_int_equal(value_cmp(&a->last.v, &b->last.v), 0);
	}
	if (has_minmax(a->type)) {
		assert_int_equal(value_cmp(&a->min.v, &b->min.v), 0);
		assert_int_equal(value_cmp(&a->max.v, &b->max.v), 0);
	}
}

/* The aggregates of model series m over [a, b]. */
static void agg_model(const mser_t *m, int64_t a, int64_t b, agg_t *g)
{
	agg_init(g, m->type);
	uint8_t e[16];
	for (size_t i = mser_lb(m, a); i < m->n && m->p[i].t <= b; i++) {
		gen_value(m->type, m->p[i].r, e);
		agg_point(g, m->p[i].t, e);
	}
}

/* Points of the blocks of a cursor into g; returns how many. */
static uint64_t agg_block(agg_t *g, const storage_block_t *blk)
{
	size_t es = col_elem_size(g->type);
	for (size_t i = 0; i < blk->n_rows; i++) {
		assert_false(blk->columns[0].nulls[i]);
		agg_point(g, blk->times[i], (const uint8_t *)blk->columns[0].values + i * es);
	}
	return blk->n_rows;
}

static storage_cursor_t *open_read(storage_t *s, const mser_t *m, storage_series_ref_t *ref,
				   int64_t a, int64_t b, unsigned flags)
{
	*ref = (storage_series_ref_t){NULL, m->id, m->meas, m->type};
	storage_read_t req = {DB, m->device, ref, 1, m->aligned, a, b};
	storage_cursor_t *c;
	larch_error_t err = {0};
	int rc = storage_read_flags(s, &req, flags, &c, &err);
	if (rc)
		print_error("read: %s\n", err.msg);
	assert_int_equal(rc, LARCH_OK);
	return c;
}

/* Aggregates by decoding every point. */
static void agg_decode(storage_t *s, const mser_t *m, int64_t a, int64_t b, agg_t *g)
{
	storage_series_ref_t ref;
	storage_cursor_t *c = open_read(s, m, &ref, a, b, 0);
	agg_init(g, m->type);
	const storage_block_t *blk;
	larch_error_t err = {0};
	int rc;
	while ((rc = storage_cursor_next(c, &blk, &err)) == LARCH_OK)
		agg_block(g, blk);
	assert_int_equal(rc, LARCH_DONE);
	storage_cursor_free(c);
}

typedef struct sumstat {
	uint64_t decoded;       /* points yielded as points */
	uint64_t summarized;    /* points accepted as summaries */
	uint64_t chunks, pages; /* summaries accepted */
} sumstat_t;

/* Aggregates from summaries where offered (declining one in `decline`,
 * 0: none) and points elsewhere. */
static void agg_summaries(storage_t *s, const mser_t *m, int64_t a, int64_t b, int decline,
			  agg_t *g, sumstat_t *st)
{
	storage_series_ref_t ref;
	storage_cursor_t *c = open_read(s, m, &ref, a, b, STORAGE_READ_SUMMARIES);
	agg_init(g, m->type);
	memset(st, 0, sizeof *st);
	larch_error_t err = {0};
	for (;;) {
		storage_summary_t sm;
		int rc = storage_cursor_peek_summary(c, &sm, &err);
		if (rc == LARCH_OK && !(decline && rnd() % (uint64_t)decline == 0)) {
			assert_true(sm.start >= a && sm.end <= b);
			agg_summary(g, &sm);
			st->summarized += sm.count;
			st->chunks += sm.whole_chunk != 0;
			st->pages += !sm.whole_chunk;
			assert_int_equal(storage_cursor_skip(c, &err), LARCH_OK);
			/* a second skip has nothing to accept */
			assert_int_equal(storage_cursor_skip(c, NULL), LARCH_ILLEGAL_PARAMETER);
			continue;
		}
		if (rc != LARCH_OK && rc != LARCH_DONE)
			print_error("peek: %s\n", err.msg);
		assert_true(rc == LARCH_OK || rc == LARCH_DONE);
		const storage_block_t *blk;
		rc = storage_cursor_next(c, &blk, &err);
		if (rc == LARCH_DONE)
			break;
		assert_int_equal(rc, LARCH_OK);
		st->decoded += agg_block(g, blk);
	}
	storage_cursor_free(c);
}

/* The three ways agree over [a, b]; returns the summary path's figures. */
static sumstat_t check_aggs(storage_t *s, const mser_t *m, int64_t a, int64_t b, int decline)
{
	agg_t gm, gd, gs;
	sumstat_t st;
	agg_model(m, a, b, &gm);
	agg_decode(s, m, a, b, &gd);
	agg_summaries(s, m, a, b, decline, &gs, &st);
	agg_equal(&gm, &gd, "model vs decoded");
	agg_equal(&gd, &gs, "decoded vs summaries");
	return st;
}

/*---------------------------------------------------------------------------
 * Descending reads
 *---------------------------------------------------------------------------*/

/* The descending read of n series of one device over [a, b] (every other
 * block taken, to cross window edges at random places) equals the
 * ascending one reversed: rows, nulls and values. */
static void check_desc(storage_t *s, mser_t **m, size_t n, int64_t a, int64_t b)
{
	storage_series_ref_t refs[8];
	assert_true(n <= 8);
	for (size_t k = 0; k < n; k++)
		refs[k] = (storage_series_ref_t){NULL, m[k]->id, m[k]->meas, m[k]->type};
	storage_read_t req = {DB, m[0]->device, refs, n, m[0]->aligned, a, b};
	/* the ascending rows, copied */
	size_t cap = 1024, rows = 0;
	int64_t *t = malloc(cap * sizeof(*t));
	tsfile_value_t *v = malloc(cap * n * sizeof(*v));
	uint8_t *nl = malloc(cap * n);
	char **keep = NULL;
	size_t n_keep = 0;
	storage_cursor_t *c;
	larch_error_t err = {0};
	const storage_block_t *blk;
	int rc;
	assert_int_equal(storage_read(s, &req, &c, &err), LARCH_OK);
	while ((rc = storage_cursor_next(c, &blk, &err)) == LARCH_OK) {
		for (size_t i = 0; i < blk->n_rows; i++, rows++) {
			if (rows == cap) {
				cap *= 2;
				t = realloc(t, cap * sizeof(*t));
				v = realloc(v, cap * n * sizeof(*v));
				nl = realloc(nl, cap * n);
			}
			t[rows] = blk->times[i];
			for (size_t k = 0; k < n; k++) {
				size_t es = col_elem_size(m[k]->type);
				nl[rows * n + k] = blk->columns[k].nulls[i] != 0;
				v[rows * n + k] = elem_value(m[k]->type,
							     (const uint8_t *)blk->columns[k].values + i * es);
				if (type_is_binary(m[k]->type) && !nl[rows * n + k]) {
					tsfile_bytes_t *by = &v[rows * n + k].v.bytes;
					char *p = malloc(by->len + 1);
					memcpy(p, by->ptr, by->len);
					by->ptr = p;
					keep = realloc(keep, (n_keep + 1) * sizeof(*keep));
					keep[n_keep++] = p;
				}
			}
		}
	}
	assert_int_equal(rc, LARCH_DONE);
	storage_cursor_free(c);
	assert_int_equal(storage_read_flags(s, &req, STORAGE_READ_DESC, &c, &err), LARCH_OK);
	size_t at = rows; /* the next descending row is at - 1 */
	while ((rc = storage_cursor_next(c, &blk, &err)) == LARCH_OK) {
		assert_true(blk->n_rows > 0 && blk->n_rows <= STORAGE_BLOCK_ROWS);
		assert_int_equal(blk->n_columns, n);
		for (size_t i = 0; i < blk->n_rows; i++) {
			if (at == 0 || blk->times[i] != t[at - 1]) {
				print_error("desc row %zu: time %lld, expected %lld\n", rows - at,
					    (long long)blk->times[i], at ? (long long)t[at - 1] : -1LL);
				fail();
			}
			at--;
			for (size_t k = 0; k < n; k++) {
				size_t es = col_elem_size(m[k]->type);
				assert_int_equal(blk->columns[k].nulls[i] != 0, nl[at * n + k]);
				if (nl[at * n + k])
					continue;
				tsfile_value_t x = elem_value(m[k]->type, (const uint8_t *)
							      blk->columns[k].values + i * es);
				assert_int_equal(value_cmp(&x, &v[at * n + k]), 0);
			}
		}
	}
	if (rc != LARCH_DONE)
		print_error("desc: %s\n", err.msg);
	assert_int_equal(rc, LARCH_DONE);
	assert_int_equal(at, 0);
	storage_cursor_free(c);
	for (size_t i = 0; i < n_keep; i++)
		free(keep[i]);
	free(keep);
	free(t);
	free(v);
	free(nl);
}

/*---------------------------------------------------------------------------
 * Fixtures
 *---------------------------------------------------------------------------*/

static storage_t *open_store(char *dir, int64_t partition_interval)
{
	storage_options_t o;
	test_options(&o);
	o.partition_interval = partition_interval;
	o.tsfile.page_max_points = PAGE;
	storage_t *s;
	larch_error_t err = {0};
	int rc = storage_open(dir, &o, &s, &err);
	if (rc)
		print_error("open: %s\n", err.msg);
	assert_int_equal(rc, LARCH_OK);
	return s;
}

static void mser_setup(mser_t *m, const char *device, const char *meas, tsfile_type_t t,
		       int aligned, uint32_t id)
{
	memset(m, 0, sizeof *m);
	snprintf(m->device, sizeof m->device, "%s", device);
	snprintf(m->meas, sizeof m->meas, "%s", meas);
	m->type = t;
	m->aligned = aligned;
	m->id = id;
}

/* Write one series at times from..to (step) with values r = f(t). */
static void write_span(storage_t *s, mser_t *m, int64_t from, int64_t to, int64_t step)
{
	size_t n = (size_t)((to - from) / step + 1);
	int64_t *t = malloc(n * sizeof(*t)), *r = malloc(n * sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		t[i] = from + (int64_t)i * step;
		r[i] = (t[i] * 7919) % 100003 - 50000;
	}
	larch_error_t err = {0};
	assert_int_equal(write_rows(s, DB, &m, 1, t, &r, n, 0, &err), LARCH_OK);
	free(t);
	free(r);
}

static void flush(storage_t *s)
{
	larch_error_t err = {0};
	assert_int_equal(storage_flush(s, &err), LARCH_OK);
}

static void del(storage_t *s, mser_t *m, int64_t a, int64_t b)
{
	storage_series_ref_t ref = {m->device, m->id, m->meas, m->type};
	larch_error_t err = {0};
	assert_int_equal(storage_delete(s, DB, &ref, 1, a, b, &err), LARCH_OK);
	mser_delete(m, a, b);
}

/*---------------------------------------------------------------------------
 * Tests
 *---------------------------------------------------------------------------*/

/* Clean cases: summaries are offered where they must be. */
static void test_clean_file(void **state)
{
	(void)state;
	char *dir = tmp_dir();
	storage_t *s = open_store(dir, 1000000);
	mser_t m[2];
	mser_setup(&m[0], DB ".d1", "s", TSFILE_INT64, 0, 1);
	mser_setup(&m[1], DB ".a1", "s", TSFILE_DOUBLE, 1, 2);
	for (int k = 0; k < 2; k++) {
		write_span(s, &m[k], 1000, 1000 + 50 * PAGE - 1, 1);
		flush(s);
		/* the whole file: one chunk from the index, nothing decoded */
		sumstat_t st = check_aggs(s, &m[k], INT64_MIN, INT64_MAX, 0);
		assert_int_equal(st.decoded, 0);
		assert_int_equal(st.summarized, 50 * PAGE);
		assert_int_equal(st.chunks, 1);
		/* a range cutting two pages: only those are decoded */
		st = check_aggs(s, &m[k], 1000 + PAGE / 2, 1000 + 40 * PAGE + 3, 0);
		assert_true(st.decoded <= 2 * PAGE);
		assert_int_equal(st.pages, 39);
		assert_int_equal(st.chunks, 0);
		/* a range on page edges: pages only */
		st = check_aggs(s, &m[k], 1000 + PAGE, 1000 + 10 * PAGE - 1, 0);
		assert_int_equal(st.decoded, 0);
		assert_int_equal(st.pages, 9);
		/* a deletion inside page 20: that page is decoded, the others not */
		del(s, &m[k], 1000 + 20 * PAGE + 5, 1000 + 20 * PAGE + 9);
		st = check_aggs(s, &m[k], INT64_MIN, INT64_MAX, 0);
		assert_int_equal(st.decoded, PAGE - 5);
		assert_int_equal(st.pages, 49);
		/* an unsequence file over pages 30..31: those two are merged */
		write_span(s, &m[k], 1000 + 30 * PAGE + 1, 1000 + 31 * PAGE + 1, 7);
		flush(s);
		st = check_aggs(s, &m[k], INT64_MIN, INT64_MAX, 0);
		assert_true(st.decoded >= 2 * PAGE - 5 && st.decoded <= 3 * PAGE);
		assert_int_equal(st.pages, 47);
		/* points in a memtable over page 40 */
		write_span(s, &m[k], 1000 + 40 * PAGE + 3, 1000 + 40 * PAGE + 3, 1);
		st = check_aggs(s, &m[k], INT64_MIN, INT64_MAX, 0);
		assert_int_equal(st.pages, 46);
		/* a new clean file after the first: its chunk is offered whole */
		write_span(s, &m[k], 1000 + 60 * PAGE, 1000 + 70 * PAGE - 1, 1);
		flush(s);
		st = check_aggs(s, &m[k], 1000 + 55 * PAGE, INT64_MAX, 0);
		assert_int_equal(st.decoded, 0);
		assert_int_equal(st.chunks, 1);
		assert_int_equal(st.summarized, 10 * PAGE);
	}
	/* negative times are summarized too */
	mser_t neg;
	mser_setup(&neg, DB ".n", "s", TSFILE_INT32, 0, 3);
	write_span(s, &neg, -5000, -1, 1);
	flush(s);
	sumstat_t st = check_aggs(s, &neg, INT64_MIN, INT64_MAX, 0);
	assert_int_equal(st.decoded, 0);
	assert_int_equal(st.chunks, 1);
	/* pages start at -5000 + 64 k: [-4936, -65] starts on page 1 and ends
	 * 8 points into page 77 ([-72, -9]) */
	st = check_aggs(s, &neg, -5000 + PAGE, -1 - PAGE, 0);
	assert_int_equal(st.decoded, 8);
	assert_int_equal(st.pages, 76);
	larch_error_t err = {0};
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(&neg, 1);
	mser_free(m, 2);
	rm_dir(dir);
}

/* Every type, random workloads: the three ways agree everywhere, with and
 * without declining; descending reads mirror ascending ones. */
#define NSER 8
static void test_random(void **state)
{
	(void)state;
	static const tsfile_type_t types[NSER] = {TSFILE_INT64, TSFILE_INT32, TSFILE_DOUBLE,
		TSFILE_FLOAT, TSFILE_BOOLEAN, TSFILE_TEXT, TSFILE_STRING, TSFILE_BLOB};
	for (int round = 0; round < 4; round++) {
		char *dir = tmp_dir();
		storage_t *s = open_store(dir, 4000);
		mser_t m[2][NSER];
		for (int d = 0; d < 2; d++)
			for (int k = 0; k < NSER; k++) {
				char meas[16];
				snprintf(meas, sizeof meas, "m%d", k);
				mser_setup(&m[d][k], d ? DB ".al" : DB ".na", meas, types[k], d,
					   (uint32_t)(d * NSER + k + 1));
			}
		int64_t horizon = 0;
		uint64_t summarized = 0;
		for (int step = 0; step < 120; step++) {
			int d = (int)(rnd() % 2);
			int op = (int)(rnd() % 10);
			if (op < 6) { /* write a few series of a device */
				size_t rows = 1 + rnd() % 300, ns = 1 + rnd() % NSER;
				int mode = (int)(rnd() % 3);
				int64_t *t = malloc(rows * sizeof(*t));
				int64_t *r[NSER];
				mser_t *ser[NSER];
				for (size_t i = 0; i < rows; i++)
					t[i] = mode == 0 ? horizon + (int64_t)i * 2 :
					       mode == 1 ? rnd_range(0, horizon + 10) :
							   rnd_range(horizon - 100, horizon + 100);
				size_t first = rnd() % NSER;
				for (size_t k = 0; k < ns; k++) {
					ser[k] = &m[d][(first + k) % NSER];
					r[k] = malloc(rows * sizeof(int64_t));
					for (size_t i = 0; i < rows; i++)
						r[k][i] = rnd_range(-1000000, 1000000);
				}
				larch_error_t err = {0};
				assert_int_equal(write_rows(s, DB, ser, ns, t, r, rows,
							    rnd() % 3 ? 0 : 5, &err), LARCH_OK);
				if (mode == 0)
					horizon += (int64_t)rows * 2;
				for (size_t k = 0; k < ns; k++)
					free(r[k]);
				free(t);
			} else if (op < 7) {
				int64_t a = rnd_range(0, horizon + 1);
				del(s, &m[d][rnd() % NSER], a, a + rnd_range(0, 40));
			} else if (op < 9) {
				flush(s);
				larch_error_t err = {0};
				if (rnd() % 3 == 0)
					assert_int_equal(storage_compact(s, NULL, &err), LARCH_OK);
			} else {
				for (int k = 0; k < NSER; k++) {
					int64_t a = rnd_range(-5, horizon), b = a + rnd_range(0, horizon);
					if (rnd() % 3 == 0) {
						a = INT64_MIN;
						b = INT64_MAX;
					}
					summarized += check_aggs(s, &m[d][k], a, b, 0).summarized;
					check_aggs(s, &m[d][k], a, b, 3);
					mser_t *one = &m[d][k];
					check_desc(s, &one, 1, a, b);
				}
				mser_t *all[NSER];
				for (int k = 0; k < NSER; k++)
					all[k] = &m[d][k];
				check_desc(s, all, NSER, rnd_range(-5, horizon), INT64_MAX);
			}
		}
		flush(s);
		for (int d = 0; d < 2; d++)
			for (int k = 0; k < NSER; k++) {
				summarized += check_aggs(s, &m[d][k], INT64_MIN, INT64_MAX, 0).summarized;
				mser_t *one = &m[d][k];
				check_desc(s, &one, 1, INT64_MIN, INT64_MAX);
			}
		assert_true(summarized > 0);
		larch_error_t err = {0};
		assert_int_equal(storage_close(s, &err), LARCH_OK);
		for (int d = 0; d < 2; d++)
			mser_free(m[d], NSER);
		rm_dir(dir);
	}
}

/* Descending reads over many windows: a long series in three files with
 * unsequence overwrites, deletions and a memtable tail, joined with a
 * second series; and points bunched at the end of a wide range, so the
 * first windows sized by statistics hold too many rows and are read again
 * narrower. */
static void test_desc_windows(void **state)
{
	(void)state;
	char *dir = tmp_dir();
	storage_t *s = open_store(dir, (int64_t)1 << 40);
	mser_t m[3];
	mser_setup(&m[0], DB ".d", "a", TSFILE_INT64, 0, 1);
	mser_setup(&m[1], DB ".d", "b", TSFILE_TEXT, 0, 2);
	mser_setup(&m[2], DB ".e", "c", TSFILE_FLOAT, 1, 3);
	for (int f = 0; f < 3; f++) {
		write_span(s, &m[0], f * 40000, f * 40000 + 39999, 1);
		write_span(s, &m[1], f * 40000 + 5, f * 40000 + 39999, 13);
		flush(s);
	}
	write_span(s, &m[0], 1000, 90000, 37);  /* unsequence overwrites */
	flush(s);
	del(s, &m[0], 50000, 50999);
	del(s, &m[1], 100000, 110000);
	write_span(s, &m[0], 120000, 125000, 1); /* memtable */
	mser_t *both[2] = {&m[0], &m[1]};
	check_desc(s, both, 2, INT64_MIN, INT64_MAX);
	check_desc(s, both, 2, 30000, 119000);
	check_desc(s, &both[0], 1, INT64_MIN, INT64_MAX);
	check_desc(s, &both[1], 1, 77, 99999);
	/* one early point, then 300000 bunched at the end */
	write_span(s, &m[2], 0, 0, 1);
	write_span(s, &m[2], 1000000000, 1000000000 + 299999, 1);
	flush(s);
	mser_t *c = &m[2];
	check_desc(s, &c, 1, INT64_MIN, INT64_MAX);
	/* the first block of a descending read is the newest points */
	storage_series_ref_t ref = {NULL, c->id, c->meas, c->type};
	storage_read_t req = {DB, c->device, &ref, 1, 1, INT64_MIN, INT64_MAX};
	storage_cursor_t *cur;
	larch_error_t err = {0};
	const storage_block_t *blk;
	assert_int_equal(storage_read_flags(s, &req, STORAGE_READ_DESC, &cur, &err), LARCH_OK);
	assert_int_equal(storage_cursor_next(cur, &blk, &err), LARCH_OK);
	assert_int_equal(blk->times[0], 1000000000 + 299999);
	assert_int_equal(blk->times[blk->n_rows - 1], 1000000000 + 299999 - (int64_t)blk->n_rows + 1);
	storage_cursor_free(cur);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(m, 3);
	rm_dir(dir);
}

/* Bad arguments. */
static void test_args(void **state)
{
	(void)state;
	char *dir = tmp_dir();
	storage_t *s = open_store(dir, 1000000);
	mser_t m;
	mser_setup(&m, DB ".d", "s", TSFILE_INT32, 0, 1);
	write_span(s, &m, 0, 100, 1);
	storage_series_ref_t refs[2] = {{NULL, 1, "s", TSFILE_INT32}, {NULL, 2, "t", TSFILE_INT32}};
	storage_read_t req = {DB, m.device, refs, 2, 0, 0, 100};
	storage_cursor_t *c;
	larch_error_t err = {0};
	assert_int_equal(storage_read_flags(s, &req, STORAGE_READ_SUMMARIES, &c, &err),
			 LARCH_ILLEGAL_PARAMETER);
	req.n = 1;
	assert_int_equal(storage_read_flags(s, &req, STORAGE_READ_SUMMARIES | STORAGE_READ_DESC,
					    &c, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(storage_read_flags(s, &req, 8, &c, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(storage_read(s, &req, &c, &err), LARCH_OK);
	storage_summary_t sm;
	assert_int_equal(storage_cursor_peek_summary(c, &sm, &err), LARCH_ILLEGAL_PARAMETER);
	assert_int_equal(storage_cursor_skip(c, &err), LARCH_ILLEGAL_PARAMETER);
	storage_cursor_free(c);
	/* a memtable offers no summary; skip without an offer is refused */
	assert_int_equal(storage_read_flags(s, &req, STORAGE_READ_SUMMARIES, &c, &err), LARCH_OK);
	assert_int_equal(storage_cursor_peek_summary(c, &sm, &err), LARCH_DONE);
	assert_int_equal(storage_cursor_skip(c, &err), LARCH_ILLEGAL_PARAMETER);
	storage_cursor_free(c);
	assert_int_equal(storage_close(s, &err), LARCH_OK);
	mser_free(&m, 1);
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_file),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_desc_windows),
		cmocka_unit_test(test_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
