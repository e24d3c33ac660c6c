/*
 * chunk_writer.c — from buffered points to chunk groups in the file.
 *
 * Points wait in a column's open page.  Sealing cuts the open rows into
 * pages, encodes and compresses each page into the column's wchunk_t.
 * Flushing a device seals what is left and writes its chunk group:
 *
 *   ChunkGroupHeader   0x00, DeviceID
 *   non-aligned:       one chunk per column that has points
 *   aligned:           the time chunk ("" VECTOR, marker | 0x80), then one
 *                      value chunk per column (marker | 0x40); page k of
 *                      every value chunk covers the rows of time page k
 *   chunk:             ChunkHeader (0x05 one page: no page statistics;
 *                      0x01 more pages: statistics in every page header),
 *                      then each page: PageHeader + stored body
 *
 * Uncompressed page bodies:
 *
 *   non-aligned        uvarint timeStreamLen, time stream, value stream
 *   aligned time       time stream
 *   aligned value      i32 rowCount, bitmap[(rowCount+7)/8] (MSB first,
 *                      1 = value present), stream of the present values
 *   all-null value     no body: the page header is the byte 0x00
 *   all-null chunk     a value chunk without values in the group is just
 *                      its header with dataSize 0 (marker 0x45)
 *
 * Page size.  As in Apache's writers, a page ends at page_max_points points
 * or where its encoded (uncompressed) body reaches page_max_bytes; for an
 * aligned device, where the largest of its time and value pages does.  The
 * points are kept raw until sealing, so the size is predicted: each column
 * keeps page_fit, the rows that fill page_max_bytes at the bytes per row of
 * its last sealed page (before any page: the raw size, 8 bytes per time
 * plus the value bytes).  The body of the sealed page is measured; a page
 * more than 1/8 over the limit, or one cut by the prediction and more than
 * 1/8 under it, is encoded again at rows * page_max_bytes / size.  So a
 * page is encoded once unless the data's compressibility changes.
 *
 * The pages of one seal are compressed as a batch, by helper threads too
 * when the configuration allows ("Page compression" below).  Chunk groups
 * are written with pwritev straight from the columns' page bodies; only
 * the headers are serialized into a scratch buffer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>
#include <unistd.h>

#include "writer_int.h"

void wcol_init(wcol_t *c, tsfile_type_t type, uint8_t mask)
{
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->mask = mask;
	col_init(&c->times, TSFILE_INT64);
	col_init(&c->values, type);
	buf_init(&c->present);
	buf_init(&c->chunk.bodies);
	stats_init(&c->chunk.stats, type);
}

static void wchunk_clear(wchunk_t *ch, tsfile_type_t type)
{
	for (uint32_t i = 0; i < ch->n_pages; i++)
		stats_free(&ch->pages[i].stats);
	ch->n_pages = 0;
	buf_reset(&ch->bodies);
	stats_free(&ch->stats);
	stats_init(&ch->stats, type);
}

void wcol_free(wcol_t *c)
{
	wchunk_clear(&c->chunk, c->type);
	mem_free(c->chunk.pages);
	buf_free(&c->chunk.bodies);
	stats_free(&c->chunk.stats);
	for (uint32_t i = 0; i < c->n_refs; i++)
		stats_free(&c->refs[i].stats);
	mem_free(c->refs);
	col_free(&c->times);
	col_free(&c->values);
	buf_free(&c->present);
	arena_free(c->strs);
}

int wcol_add_ref(wcol_t *c, uint64_t offset, const stats_t *st)
{
	if (c->n_refs == c->cap_refs) {
		uint32_t cap = c->cap_refs ? c->cap_refs * 2 : 4;
		wref_t *r = mem_realloc(c->refs, sizeof(*r) * cap);
		if (!r)
			return LARCH_NO_MEMORY;
		c->refs = r;
		c->cap_refs = cap;
	}
	wref_t *r = &c->refs[c->n_refs];
	stats_init(&r->stats, st->type);
	if (stats_copy(&r->stats, st)) {
		stats_free(&r->stats);
		return LARCH_NO_MEMORY;
	}
	r->offset = offset;
	c->n_refs++;
	return LARCH_OK;
}

/* Bytes this column holds in memory (open values and sealed bodies). */
static size_t wcol_footprint(const wcol_t *c)
{
	return c->open_bytes + c->chunk.bodies.len;
}

/*---------------------------------------------------------------------------
 * Pages
 *---------------------------------------------------------------------------*/

/* Record the page whose stored body is ch->bodies[off..off+stored),
 * `uncompressed` bytes before compression, with statistics *st (moved into
 * the page: the caller must not free it).  On failure the bodies from off
 * on are dropped. */
static int wchunk_push(wchunk_t *ch, size_t off, size_t uncompressed, size_t stored,
		       stats_t *st, larch_error_t *err)
{
	int rc;
	if (!buf_ok(&ch->bodies)) {
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
		goto fail;
	}
	if (ch->n_pages == ch->cap_pages) {
		uint32_t cap = ch->cap_pages ? ch->cap_pages * 2 : 4;
		wpage_t *p = mem_realloc(ch->pages, sizeof(*p) * cap);
		if (!p) {
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
			goto fail;
		}
		ch->pages = p;
		ch->cap_pages = cap;
	}
	wpage_t *p = &ch->pages[ch->n_pages++];
	p->uncompressed = (uint32_t)uncompressed;
	p->compressed = (uint32_t)stored;
	p->body_off = off;
	p->stats = *st;
	return LARCH_OK;
fail:
	ch->bodies.len = off;
	ch->bodies.oom = 0;
	stats_free(st);
	return rc;
}

int wcol_pad(wcol_t *c, uint32_t pages, size_t rows)
{
	for (uint32_t i = 0; i < pages; i++) {
		stats_t st;
		stats_init(&st, c->type);
		if (wchunk_push(&c->chunk, c->chunk.bodies.len, 0, 0, &st, NULL))
			return LARCH_NO_MEMORY;
	}
	uint8_t *p = buf_extend(&c->present, rows);
	if (!p && rows)
		return LARCH_NO_MEMORY;
	if (rows)
		memset(p, 0, rows);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Page compression
 *
 * A seal builds its pages as jobs (w->jobs: body encoded, statistics),
 * then jobs_run compresses them and stores them in order into their
 * chunks.  With two or more jobs to compress, cfg.compress_threads > 0 and
 * more than one CPU, helper threads (started on first use, stopped when
 * the writer is freed) take jobs alongside the writer's thread: each takes the
 * next job number from an atomic counter, so every job is compressed
 * once, into its own buffers.  The writer's thread waits until every
 * helper has left the batch before the jobs are stored or touched again.
 *---------------------------------------------------------------------------*/

struct wpool {
	pthread_t *threads;
	uint32_t n_threads;     /* started */
	pthread_mutex_t mu;
	pthread_cond_t work;    /* a batch was published, or quit */
	pthread_cond_t idle;    /* a helper left its batch */
	uint64_t round;         /* batches published */
	uint32_t busy;          /* helpers still in the current batch */
	int quit;
	wjob_t *jobs;           /* the current batch */
	uint32_t n_jobs;
	atomic_uint next;       /* next job to take */
};

/* An empty body (an all-null aligned value page) stays empty. */
static void job_compress(wjob_t *j)
{
	if (j->direct)
		return;
	buf_reset(&j->out);
	j->rc = j->in.len ? codec_compress(j->codec, j->in.data, j->in.len, &j->out, &j->err)
			  : LARCH_OK;
}

/* Take and compress jobs of the current batch until none is left. */
static void pool_drain(wpool_t *p)
{
	for (;;) {
		uint32_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n_jobs)
			return;
		job_compress(&p->jobs[i]);
	}
}

static void *pool_main(void *arg)
{
	wpool_t *p = arg;
	uint64_t seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->round == seen && !p->quit)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		seen = p->round;
		pthread_mutex_unlock(&p->mu);
		pool_drain(p);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void pool_stop(wpool_t *p)
{
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (uint32_t i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	mem_free(p->threads);
	mem_free(p);
}

/* Start cfg.compress_threads helpers (at least one, else no pool). */
static wpool_t *pool_start(const tsfile_writer_t *w)
{
	wpool_t *p = mem_calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->threads = mem_alloc(sizeof(pthread_t) * w->cfg.compress_threads);
	if (!p->threads || pthread_mutex_init(&p->mu, NULL)) {
		mem_free(p->threads);
		mem_free(p);
		return NULL;
	}
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	atomic_init(&p->next, 0);
	while (p->n_threads < w->cfg.compress_threads &&
	       pthread_create(&p->threads[p->n_threads], NULL, pool_main, p) == 0)
		p->n_threads++;
	if (p->n_threads == 0) {
		pool_stop(p);
		return NULL;
	}
	return p;
}

/* Compress the jobs of w in parallel if that pays, else in this thread. */
static void jobs_compress(tsfile_writer_t *w)
{
	uint32_t todo = 0;
	for (uint32_t i = 0; i < w->n_jobs; i++)
		todo += !w->jobs[i].direct && w->jobs[i].size;
	if (todo >= 2 && w->cfg.compress_threads && !w->pool && !w->pool_failed)
		w->pool_failed = sysconf(_SC_NPROCESSORS_ONLN) < 2 || !(w->pool = pool_start(w));
	wpool_t *p = w->pool;
	if (todo < 2 || !p) {
		for (uint32_t i = 0; i < w->n_jobs; i++)
			if (!w->jobs[i].direct)
				job_compress(&w->jobs[i]);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->jobs = w->jobs;
	p->n_jobs = w->n_jobs;
	atomic_store(&p->next, 0);
	p->busy = p->n_threads;
	p->round++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	pool_drain(p);
	pthread_mutex_lock(&p->mu);
	while (p->busy)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* The buffer to build the next page of ch in (a job not yet counted, to
 * be closed with job_finish): for an uncompressed page the chunk's bodies
 * themselves.  NULL: out of memory. */
static buf_t *job_begin(tsfile_writer_t *w, wchunk_t *ch, tsfile_codec_t codec, size_t rows)
{
	if (w->n_jobs == w->cap_jobs) {
		uint32_t cap = w->cap_jobs ? w->cap_jobs * 2 : 8;
		wjob_t *j = mem_realloc(w->jobs, sizeof(*j) * cap);
		if (!j)
			return NULL;
		for (uint32_t i = w->cap_jobs; i < cap; i++) {
			buf_init(&j[i].in);
			buf_init(&j[i].out);
		}
		w->jobs = j;
		w->cap_jobs = cap;
	}
	wjob_t *j = &w->jobs[w->n_jobs];
	j->ch = ch;
	j->codec = codec;
	j->rows = rows;
	j->rc = LARCH_OK;
	j->direct = codec == TSFILE_UNCOMPRESSED;
	j->off = ch->bodies.len;
	buf_reset(&j->in);
	return j->direct ? &ch->bodies : &j->in;
}

/* Drop the body of job j from where it was built. */
static void job_clear(wjob_t *j)
{
	if (j->direct && j->ch->bodies.len >= j->off) {
		j->ch->bodies.len = j->off;
		j->ch->bodies.oom = 0;
	}
}

/* Close the job begun with job_begin: rc is the outcome of building its
 * body.  On success it is counted, with statistics *st (moved; freed on
 * failure). */
static int job_finish(tsfile_writer_t *w, int rc, stats_t *st, larch_error_t *err)
{
	wjob_t *j = &w->jobs[w->n_jobs];
	const buf_t *b = j->direct ? &j->ch->bodies : &j->in;
	j->size = b->len - (j->direct ? j->off : 0);
	if (!rc && !buf_ok(b))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	if (!rc && j->size > INT32_MAX)
		rc = err_set(err, LARCH_WRITE_ERROR, "page of %zu bytes is too large", j->size);
	if (rc) {
		job_clear(j);
		stats_free(st);
		return rc;
	}
	j->stats = *st;
	w->n_jobs++;
	return LARCH_OK;
}

/* Drop the last n jobs (pages to be cut again, or a partial page). */
static void jobs_drop(tsfile_writer_t *w, uint32_t n)
{
	for (; n > 0; n--) {
		wjob_t *j = &w->jobs[--w->n_jobs];
		job_clear(j);
		stats_free(&j->stats);
	}
}

/* Size of the body of the job i places from the end (1: the last one). */
static size_t job_size(const tsfile_writer_t *w, uint32_t i)
{
	return w->jobs[w->n_jobs - i].size;
}

/* Compress the jobs and store them in order into their chunks, up to the
 * first failure; *rows gets the rows of the jobs stored.  The job list is
 * empty afterwards. */
static int jobs_run(tsfile_writer_t *w, size_t *rows, larch_error_t *err)
{
	int rc = LARCH_OK;
	uint32_t i = 0;
	*rows = 0;
	jobs_compress(w);
	for (; i < w->n_jobs && !rc; i++) {
		wjob_t *j = &w->jobs[i];
		size_t off = j->off, stored = j->size;
		if (j->rc) {
			rc = j->rc;
			if (err)
				*err = j->err;
			stats_free(&j->stats);
			continue;
		}
		if (!j->direct) {
			off = j->ch->bodies.len;
			stored = j->out.len;
			buf_put(&j->ch->bodies, j->out.data, j->out.len);
		}
		if ((rc = wchunk_push(j->ch, off, j->size, stored, &j->stats, err)) == LARCH_OK)
			*rows += j->rows;
	}
	for (; i < w->n_jobs; i++) { /* not stored: direct bodies were cut above */
		job_clear(&w->jobs[i]);
		stats_free(&w->jobs[i].stats);
	}
	w->n_jobs = 0;
	return rc;
}

void writer_jobs_free(tsfile_writer_t *w)
{
	if (w->pool)
		pool_stop(w->pool);
	w->pool = NULL;
	jobs_drop(w, w->n_jobs);
	for (uint32_t i = 0; i < w->cap_jobs; i++) {
		buf_free(&w->jobs[i].in);
		buf_free(&w->jobs[i].out);
	}
	mem_free(w->jobs);
	w->jobs = NULL;
	w->cap_jobs = 0;
}

/*---------------------------------------------------------------------------
 * Sealing
 *---------------------------------------------------------------------------*/

/* Encode n values into out with c's encoding. */
static int wcol_encode(const wcol_t *c, const void *values, size_t n, buf_t *out,
		       larch_error_t *err)
{
	int rc = encode_stream(c->encoding, c->type, &c->params, values, n, out, err);
	if (rc)
		err_prefix(err, "column '%s'", c->name.ptr);
	return rc;
}

static int encode_times(tsfile_writer_t *w, const int64_t *times, size_t n, buf_t *out,
			larch_error_t *err)
{
	return encode_stream(w->cfg.time_encoding, TSFILE_INT64, NULL, times, n, out, err);
}

static const void *col_at(const col_t *c, size_t i)
{
	return (const uint8_t *)c->data + i * col_elem_size(c->type);
}

/* Build the page of n points of non-aligned column c from open index s. */
static int wcol_seal_page(tsfile_writer_t *w, wcol_t *c, size_t s, size_t n, larch_error_t *err)
{
	const int64_t *times = COL_I64(&c->times) + s;
	const void *vals = col_at(&c->values, s);
	buf_reset(&w->enc_time);
	int rc = encode_times(w, times, n, &w->enc_time, err);
	if (rc)
		return rc;
	buf_t *b = job_begin(w, &c->chunk, c->codec, n);
	if (!b)
		return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	buf_put_uvarint(b, w->enc_time.len);
	buf_put(b, w->enc_time.data, w->enc_time.len);
	stats_t st;
	stats_init(&st, c->type);
	if ((rc = wcol_encode(c, vals, n, b, err)) == LARCH_OK && stats_update(&st, times, vals, n))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	return job_finish(w, rc, &st, err);
}

/* Rows of c from open row s (open value vs) expected to fill
 * page_max_bytes once encoded (>= 1); SIZE_MAX if the first `avail` rows
 * do not.  Without a sealed page to go by, raw sizes stand in: 8 bytes per
 * time (non-aligned pages hold their times), the value bytes (byte strings:
 * length + 4; aligned nulls: nothing). */
static size_t wcol_fit(const tsfile_writer_t *w, const wcol_t *c, size_t s, size_t vs,
		       size_t avail)
{
	size_t limit = w->cfg.page_max_bytes, per_time = c->mask == 0 ? 8 : 0;
	if (c->page_fit)
		return c->page_fit;
	if (c->type == TSFILE_VECTOR)
		return LR_MAX((size_t)1, limit / sizeof(int64_t));
	if (!type_is_binary(c->type))
		return LR_MAX((size_t)1, limit / (col_elem_size(c->type) + per_time));
	const tsfile_bytes_t *v = COL_BYTES(&c->values);
	const uint8_t *present = c->present.len ? c->present.data : NULL;
	size_t bytes = 0;
	for (size_t r = 0; r < avail; r++) {
		if (present && !present[s + r])
			continue;
		bytes += (size_t)v[vs++].len + 4 + per_time;
		if (bytes >= limit)
			return r + 1;
	}
	return SIZE_MAX;
}

/* The rows that would fill a page at the bytes per row of a page of k rows
 * whose body took `size` bytes (>= 1; 0 bytes: unbounded). */
static size_t fit_from(const tsfile_writer_t *w, size_t k, size_t size)
{
	if (size == 0)
		return SIZE_MAX;
	uint64_t f = ((uint64_t)k * w->cfg.page_max_bytes + size - 1) / size;
	return (size_t)LR_MAX(f, (uint64_t)1);
}

/* Given a page of k rows whose largest body took `size` bytes: the rows it
 * should have instead, or k if it is close enough.  `cut`: k was chosen
 * by the byte prediction; cap: the most rows the page may take. */
static size_t page_recut(const tsfile_writer_t *w, size_t k, size_t size, int cut, size_t cap)
{
	size_t limit = w->cfg.page_max_bytes;
	if (size > limit + limit / 8 && k > 1)
		return LR_MIN(fit_from(w, k, size), k - 1);
	if (cut && size < limit - limit / 8 && k < cap)
		return LR_MIN(fit_from(w, k, size), cap);
	return k;
}

int wcol_page_due(const tsfile_writer_t *w, const wcol_t *c)
{
	size_t n = c->values.n;
	if (n >= w->cfg.page_max_points)
		return 1;
	if (c->page_fit)
		return n >= c->page_fit;
	return c->open_bytes + n * sizeof(int64_t) >= w->cfg.page_max_bytes;
}

int wdev_page_due(const tsfile_writer_t *w, const wdev_t *d)
{
	size_t n = d->open_rows;
	if (n >= w->cfg.page_max_points)
		return 1;
	if (n >= (d->time->page_fit ? d->time->page_fit : w->cfg.page_max_bytes / 8))
		return 1;
	for (uint32_t i = 0; i < d->n_cols; i++) {
		const wcol_t *c = d->cols[i];
		if (c->page_fit ? n >= c->page_fit : c->open_bytes >= w->cfg.page_max_bytes)
			return 1;
	}
	return 0;
}

/* Drop the first n open values of c (and, for binary columns, move the
 * survivors' bytes into a fresh arena so the old one can go). */
static int wcol_drop_values(wcol_t *c, size_t n)
{
	col_t *v = &c->values;
	size_t es = col_elem_size(v->type);
	size_t rest = v->n - n;
	if (n == 0)
		return LARCH_OK;
	memmove(v->data, (uint8_t *)v->data + n * es, rest * es);
	v->n = rest;
	if (c->mask == 0) { /* non-aligned: its own timestamps */
		memmove(c->times.data, COL_I64(&c->times) + n, rest * sizeof(int64_t));
		c->times.n = rest;
	}
	if (!type_is_binary(v->type)) {
		c->open_bytes = rest * es;
		return LARCH_OK;
	}
	size_t bytes = 0;
	tsfile_bytes_t *b = COL_BYTES(v);
	for (size_t i = 0; i < rest; i++)
		bytes += b[i].len;
	if (rest == 0) {
		if (c->strs)
			arena_reset(c->strs);
	} else {
		arena_t *fresh = arena_new(LR_MAX(bytes, (size_t)4096));
		if (!fresh)
			return LARCH_NO_MEMORY;
		for (size_t i = 0; i < rest; i++) {
			char *p = arena_alloc(fresh, b[i].len);
			if (!p) {
				arena_free(fresh);
				return LARCH_NO_MEMORY;
			}
			memcpy(p, b[i].ptr, b[i].len);
			b[i].ptr = p;
		}
		arena_free(c->strs);
		c->strs = fresh;
	}
	c->open_bytes = bytes + 4 * rest;
	return LARCH_OK;
}

int wcol_seal(tsfile_writer_t *w, wcol_t *c, int all, larch_error_t *err)
{
	size_t before = wcol_footprint(c);
	size_t n = c->values.n, s = 0, max = w->cfg.page_max_points;
	int rc = LARCH_OK;
	while (s < n) {
		size_t avail = n - s, cap = LR_MIN(avail, max);
		size_t fit = wcol_fit(w, c, s, s, cap), k = LR_MIN(cap, fit);
		if (k == avail && k < max && !all)
			break; /* not full yet */
		if ((rc = wcol_seal_page(w, c, s, k, err)))
			break;
		size_t size = job_size(w, 1), k2 = page_recut(w, k, size, fit < cap, cap);
		c->page_fit = fit_from(w, k, size);
		if (k2 != k) {
			jobs_drop(w, 1);
			if (k2 == avail && k2 < max && !all)
				break;
			k = k2;
			if ((rc = wcol_seal_page(w, c, s, k, err)))
				break;
			c->page_fit = fit_from(w, k, job_size(w, 1));
		}
		s += k;
	}
	/* the pages built are stored; rows of pages that failed stay open */
	int jrc = jobs_run(w, &s, rc ? NULL : err);
	if (jrc && !rc)
		rc = jrc;
	if (wcol_drop_values(c, s) && !rc)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	w->buffered = w->buffered - before + wcol_footprint(c);
	return rc;
}

/* Build rows [s, s+k) of aligned device d as pages (the time page, then
 * one per column); vstart[i] is the index of the first open value of
 * column i at row s and is advanced past the page. */
static int wdev_seal_page(tsfile_writer_t *w, wdev_t *d, size_t s, size_t k, size_t *vstart,
			  larch_error_t *err)
{
	const int64_t *times = COL_I64(&d->time->values) + s;
	stats_t st;
	buf_t *b = job_begin(w, &d->time->chunk, w->cfg.time_codec, k);
	if (!b)
		return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	int rc = encode_times(w, times, k, b, err);
	stats_init(&st, TSFILE_VECTOR);
	if (!rc && stats_update(&st, times, NULL, k))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	if ((rc = job_finish(w, rc, &st, err)))
		return rc;
	for (uint32_t i = 0; i < d->n_cols; i++) {
		wcol_t *c = d->cols[i];
		const uint8_t *present = c->present.data + s;
		col_clear(&w->tmp_times);
		if (col_reserve(&w->tmp_times, k))
			return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
		int64_t *pt = COL_I64(&w->tmp_times);
		size_t p = 0;
		for (size_t r = 0; r < k; r++)
			if (present[r])
				pt[p++] = times[r];
		w->tmp_times.n = p;
		const void *vals = col_at(&c->values, vstart[i]);
		if (!(b = job_begin(w, &c->chunk, c->codec, 0)))
			return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
		if (p) {
			uint8_t *bm;
			buf_put_be32(b, (uint32_t)k);
			if ((bm = buf_extend(b, (k + 7) / 8)) != NULL) {
				memset(bm, 0, (k + 7) / 8);
				for (size_t r = 0; r < k; r++)
					if (present[r])
						bm[r >> 3] |= (uint8_t)(0x80 >> (r & 7));
			}
			rc = wcol_encode(c, vals, p, b, err);
		}
		stats_init(&st, c->type);
		if (!rc && stats_update(&st, pt, vals, p))
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
		if ((rc = job_finish(w, rc, &st, err)))
			return rc;
		vstart[i] += p;
	}
	return LARCH_OK;
}

/* After building a page of k rows on d (the last 1 + n_cols jobs): update
 * every column's page_fit from its page and return the largest body. */
static size_t wdev_page_sizes(tsfile_writer_t *w, wdev_t *d, size_t k)
{
	size_t size = job_size(w, d->n_cols + 1);
	d->time->page_fit = fit_from(w, k, size);
	for (uint32_t i = 0; i < d->n_cols; i++) {
		size_t u = job_size(w, d->n_cols - i);
		d->cols[i]->page_fit = fit_from(w, k, u);
		size = LR_MAX(size, u);
	}
	return size;
}

int wdev_seal(tsfile_writer_t *w, wdev_t *d, int all, larch_error_t *err)
{
	size_t before = wcol_footprint(d->time), s = 0, max = w->cfg.page_max_points;
	int rc = LARCH_OK;
	for (uint32_t i = 0; i < d->n_cols; i++)
		before += wcol_footprint(d->cols[i]);
	arena_reset(w->scratch);
	size_t *vstart = arena_calloc(w->scratch, d->n_cols + 1, sizeof(size_t));
	size_t *vsave = arena_calloc(w->scratch, d->n_cols + 1, sizeof(size_t));
	if (!vstart || !vsave)
		return err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	while (s < d->open_rows) {
		size_t avail = d->open_rows - s, cap = LR_MIN(avail, max);
		size_t fit = wcol_fit(w, d->time, s, 0, cap);
		for (uint32_t i = 0; i < d->n_cols; i++)
			fit = LR_MIN(fit, wcol_fit(w, d->cols[i], s, vstart[i], cap));
		size_t k = LR_MIN(cap, fit);
		uint32_t mark = w->n_jobs;
		if (k == avail && k < max && !all)
			break; /* not full yet */
		memcpy(vsave, vstart, sizeof(size_t) * d->n_cols);
		if ((rc = wdev_seal_page(w, d, s, k, vstart, err)) == LARCH_OK) {
			size_t k2 = page_recut(w, k, wdev_page_sizes(w, d, k), fit < cap, cap);
			if (k2 != k) {
				jobs_drop(w, w->n_jobs - mark);
				memcpy(vstart, vsave, sizeof(size_t) * d->n_cols);
				if (k2 == avail && k2 < max && !all)
					break;
				k = k2;
				if ((rc = wdev_seal_page(w, d, s, k, vstart, err)) == LARCH_OK)
					wdev_page_sizes(w, d, k);
			}
		}
		if (rc) { /* a page is stored for all its columns or not at all */
			jobs_drop(w, w->n_jobs - mark);
			memcpy(vstart, vsave, sizeof(size_t) * d->n_cols);
			break;
		}
		s += k;
	}
	size_t stored;
	int jrc = jobs_run(w, &stored, rc ? NULL : err);
	if (jrc && !rc)
		rc = jrc;
	if (jrc)
		w->broken = 1; /* some columns may hold one page more than others */
	/* drop the rows of the pages built: times, presence bytes, values */
	int drc = wcol_drop_values(d->time, s);
	for (uint32_t i = 0; i < d->n_cols; i++) {
		wcol_t *c = d->cols[i];
		if (s)
			memmove(c->present.data, c->present.data + s, c->present.len - s);
		c->present.len -= s;
		drc |= wcol_drop_values(c, vstart[i]);
	}
	d->open_rows -= s;
	if (drc && !rc)
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory sealing a page");
	size_t after = wcol_footprint(d->time);
	for (uint32_t i = 0; i < d->n_cols; i++)
		after += wcol_footprint(d->cols[i]);
	w->buffered = w->buffered - before + after;
	return rc;
}

/*---------------------------------------------------------------------------
 * Chunks and chunk groups
 *---------------------------------------------------------------------------*/

/* A piece of a chunk group on its way to the file: bytes [off, off+len)
 * of src (w->group for headers, a column's page bodies). */
typedef struct wseg {
	const buf_t *src;
	size_t off;
	size_t len;
} wseg_t;

/* Append a piece to the list in w->segs, merging it with the previous one
 * when they are adjacent in the same buffer. */
static void seg_add(tsfile_writer_t *w, const buf_t *src, size_t off, size_t len)
{
	wseg_t *last = w->segs.len ? (wseg_t *)(void *)(w->segs.data + w->segs.len) - 1 : NULL;
	if (len == 0)
		return;
	if (last && last->src == src && last->off + last->len == off) {
		last->len += len;
		return;
	}
	wseg_t sg = {src, off, len};
	buf_put(&w->segs, &sg, sizeof(sg));
}

/* Merge the statistics of ch's pages into ch->stats. */
static int wchunk_stats(wchunk_t *ch)
{
	for (uint32_t i = 0; i < ch->n_pages; i++)
		if (ch->pages[i].stats.s.count && stats_merge(&ch->stats, &ch->pages[i].stats))
			return LARCH_NO_MEMORY;
	return LARCH_OK;
}

/* Serialize the headers of c's chunk (its pages sealed, its statistics
 * merged) into w->group and list the chunk's pieces; *size gets the
 * chunk's bytes in the file. */
static int wchunk_write(tsfile_writer_t *w, const wcol_t *c, uint64_t *size, larch_error_t *err)
{
	const wchunk_t *ch = &c->chunk;
	int time = c->mask == META_MASK_TIME;
	size_t start = w->group.len;
	chunk_header_t h;
	h.measurement = c->name;
	h.type = c->type;
	h.codec = time ? w->cfg.time_codec : c->codec;
	h.encoding = time ? w->cfg.time_encoding : c->encoding;
	if (c->mask == META_MASK_VALUE && ch->stats.s.count == 0) {
		h.marker = META_MARKER_ONE_PAGE_CHUNK | META_MASK_VALUE;
		h.data_size = 0;
		meta_chunk_header_write(&w->group, &h);
		seg_add(w, &w->group, start, w->group.len - start);
		*size = w->group.len - start;
		return LARCH_OK;
	}
	/* page headers first (into w->chunk) to know the data size */
	int multi = ch->n_pages > 1;
	size_t *ends = arena_alloc(w->scratch, sizeof(size_t) * (ch->n_pages + 1));
	if (!ends)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk");
	buf_reset(&w->chunk);
	for (uint32_t i = 0; i < ch->n_pages; i++) {
		const wpage_t *p = &ch->pages[i];
		meta_page_header_write(&w->chunk, p->uncompressed, p->compressed,
				       multi ? &p->stats : NULL);
		ends[i] = w->chunk.len;
	}
	uint64_t data_size = (uint64_t)w->chunk.len + ch->bodies.len;
	if (!buf_ok(&w->chunk))
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk");
	if (data_size > INT32_MAX)
		return err_set(err, LARCH_WRITE_ERROR, "chunk of column '%s' exceeds 2 GiB",
			       c->name.ptr);
	h.marker = (uint8_t)((multi ? META_MARKER_CHUNK : META_MARKER_ONE_PAGE_CHUNK) | c->mask);
	h.data_size = (uint32_t)data_size;
	meta_chunk_header_write(&w->group, &h);
	buf_put(&w->group, w->chunk.data, w->chunk.len);
	if (!buf_ok(&w->group))
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk");
	size_t hdr = w->group.len - w->chunk.len; /* where the page headers start */
	seg_add(w, &w->group, start, hdr - start);
	for (uint32_t i = 0; i < ch->n_pages; i++) {
		const wpage_t *p = &ch->pages[i];
		size_t from = i ? ends[i - 1] : 0;
		seg_add(w, &w->group, hdr + from, ends[i] - from);
		if (p->uncompressed)
			seg_add(w, &ch->bodies, p->body_off, p->compressed);
	}
	*size = w->group.len - start + ch->bodies.len;
	return LARCH_OK;
}

/* Write the pieces listed in w->segs to the file. */
static int segs_write(tsfile_writer_t *w, larch_error_t *err)
{
	struct iovec iov[256];
	const wseg_t *sg = (const wseg_t *)(void *)w->segs.data;
	size_t n = w->segs.len / sizeof(*sg);
	for (size_t i = 0; i < n;) {
		int k = 0;
		for (; i < n && k < (int)LR_ARRAY_LEN(iov); i++, k++) {
			iov[k].iov_base = sg[i].src->data + sg[i].off;
			iov[k].iov_len = sg[i].len;
		}
		int rc = writer_io_writev(w, iov, k, err);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

int wdev_flush(tsfile_writer_t *w, wdev_t *d, larch_error_t *err)
{
	int rc = LARCH_OK;
	if (!d->dirty)
		return LARCH_OK;
	if (d->aligned) {
		rc = wdev_seal(w, d, 1, err);
	} else {
		for (uint32_t i = 0; i < d->n_cols && !rc; i++)
			rc = wcol_seal(w, d->cols[i], 1, err);
	}
	if (rc)
		return rc;

	/* the chunks of this group, in writing order */
	uint32_t n = 0;
	wcol_t **order = arena_alloc(w->scratch, sizeof(*order) * (d->n_cols + 1));
	uint64_t *offs = arena_alloc(w->scratch, sizeof(*offs) * (d->n_cols + 1));
	if (!order || !offs)
		return err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk group");
	if (d->aligned)
		order[n++] = d->time;
	for (uint32_t i = 0; i < d->n_cols; i++)
		if (d->aligned || d->cols[i]->chunk.n_pages)
			order[n++] = d->cols[i];
	for (uint32_t i = 0; i < n && !rc; i++)
		if (wchunk_stats(&order[i]->chunk))
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk group");

	buf_reset(&w->group);
	buf_reset(&w->segs);
	meta_chunk_group_header_write(&w->group, &d->id, TSFILE_VERSION);
	seg_add(w, &w->group, 0, w->group.len);
	uint64_t pos = w->pos + w->group.len;
	for (uint32_t i = 0; i < n && !rc; i++) {
		uint64_t size = 0;
		offs[i] = pos;
		rc = wchunk_write(w, order[i], &size, err);
		pos += size;
	}
	if (!rc && (!buf_ok(&w->group) || !buf_ok(&w->segs)))
		rc = err_set(err, LARCH_NO_MEMORY, "out of memory writing a chunk group");
	if (!rc)
		rc = segs_write(w, err);
	if (rc) {
		for (uint32_t i = 0; i < n; i++) { /* merged again on the next try */
			stats_free(&order[i]->chunk.stats);
			stats_init(&order[i]->chunk.stats, order[i]->type);
		}
		return rc;
	}
	for (uint32_t i = 0; i < n; i++) {
		wcol_t *c = order[i];
		size_t before = wcol_footprint(c);
		if (wcol_add_ref(c, offs[i], &c->chunk.stats) && !rc)
			rc = err_set(err, LARCH_NO_MEMORY, "out of memory recording a chunk");
		wchunk_clear(&c->chunk, c->type);
		w->buffered = w->buffered - before + wcol_footprint(c);
	}
	for (uint32_t i = 0; i < d->n_cols; i++)
		d->cols[i]->has_last = 0;
	d->has_last = 0;
	d->dirty = 0;
	if (rc)
		w->broken = 1; /* the index would miss a chunk that is in the file */
	return rc;
}
