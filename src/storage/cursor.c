/*
 * cursor.c — the read path: snapshots of partitions, merging their
 * sources by time with version priority, deletions, and column blocks.
 *
 * Snapshot.  storage_read captures every partition of the range at once,
 * holding all their locks (in id order, as writers take them): a reference
 * to every live TsFile with the deletion ranges of its .mods2 for the
 * requested series, and every memtable holding a requested series (sealed
 * ones and the two being written) with its chunk directories and current
 * row count (mt_snap_series).  After that it reads without locks; writers
 * go on appending beyond the captured rows.  Partitions are disjoint in
 * time and are read one after the other.
 *
 * Units.  Each requested series is fed by units: a memtable view (sorted,
 * deduplicated, deletions applied — mt_view_build — read run by run), a
 * chunk of a non-aligned series, or a value chunk of an aligned series with
 * the time chunk of its chunk group.  A unit has a priority (version, sub): the
 * TsFile's or memtable's version, then the chunk's file offset (a later
 * chunk of one file wins; memtables being written rank above everything).
 * Versions grow with the order in which memtables were sealed, and every
 * write of a (series, time) lands in a memtable sealed no earlier than the
 * one holding the previous write of it (README.md), so the highest
 * priority holds the latest write.
 *
 * Merge.  Units not yet opened wait in a list sorted by their start time
 * (from statistics).  Opened units sit in a heap ordered by (time of their
 * next point, priority descending).  Before each step every waiting unit
 * whose start is not after the heap's smallest time is opened, so no
 * unopened unit can hold a point at or before the time being emitted.  A
 * step pops the smallest unit and copies its points up to the next unit's
 * time in one run (disjoint files and memtables are copied page by page);
 * on a tie the popped unit wins and the others skip that time.  Units
 * decode one page at a time; pages and chunks outside the range are
 * skipped by their statistics, and deletion ranges are applied to each
 * decoded page.
 *
 * Blocks.  Each series merges into a buffer of up to STORAGE_BLOCK_ROWS
 * points (byte strings copied into the series' arena).  One series: the
 * buffer is the block.  Several: the rows are the union of the buffered
 * times up to the smallest "last buffered time" of the series that may
 * still have points, so no later point can join an emitted row.
 *
 * Summaries (STORAGE_READ_SUMMARIES, one series).  At planning, every file
 * unit gets the time ranges of the other units of its series that meet
 * its own (ser_plan_blocked) besides its file's deletion ranges.  A unit
 * whose whole chunk is clean — statistics of the requested type, inside
 * the range, met by no deletion and no other unit — enters the heap
 * unopened as P_CHUNK with head = its first time; an opened unit whose
 * next page is clean stops before decoding it as P_PAGE.  Since nothing
 * else holds a point in a clean run's time range, the merge reaches it
 * exactly when every earlier point has been emitted: ser_fill stops there
 * while points are buffered, storage_cursor_peek_summary offers it when
 * it is the heap's top, storage_cursor_skip passes over it (unit_accept),
 * and a storage_cursor_next instead decodes it (unit_decline; that unit
 * then offers nothing more).
 *
 * Descending reads: see "Descending reads" below.
 */
#include <stdlib.h>

#include "storage/storage_int.h"
#include "tsfile/meta.h"
#include "tsfile/reader.h"

#define CAP STORAGE_BLOCK_ROWS

typedef enum ukind { U_MEM, U_CHUNK, U_ALIGNED } ukind_t;

/* A unit waiting in the heap as a summary instead of points. */
typedef enum upend { P_NONE, P_CHUNK, P_PAGE } upend_t;

typedef struct unit {
	ukind_t kind;
	uint64_t ver, sub;       /* priority: larger wins */
	int64_t head;            /* time of the next point (opened) */
	int64_t cstart;          /* first time by statistics (clamped to the range) */
	int64_t cend;            /* last time by statistics (clamped to the range) */
	uint64_t count;          /* points by statistics (memtable: rows) */
	int exhausted;
	/* summaries (cursor.c's "Summaries" comment) */
	int sum;                 /* may still offer summaries */
	upend_t pend;            /* what it offers now (head = its first time) */
	const stats_t *cst;      /* file: the chunk's statistics */
	int64_t *blk;            /* ranges of other units meeting its own (pairs) */
	size_t n_blk;
	int64_t prev_end;        /* end time of the last page seen */
	/* the current run */
	const int64_t *t;
	const uint8_t *v;
	size_t pos, n;
	/* memtable */
	const mt_snap_t *snap;
	mt_view_t view;
	size_t run;              /* the current run of the view */
	/* file */
	sfile_t *f;
	uint64_t off, toff;      /* chunk; aligned: value chunk, toff its time chunk */
	const int64_t *dels;     /* merged deletion ranges (pairs), ascending */
	size_t n_dels;
	chunk_reader_t *cr, *tcr;
	col_t times, vals, rows;
} unit_t;

/* Deletion ranges of one series in one file. */
typedef struct fdel {
	int64_t *iv;
	size_t n;
} fdel_t;

typedef struct sser {
	tsfile_type_t type;
	size_t es;
	unit_t *units;
	size_t n_units;
	uint32_t *wait;          /* unopened units by cstart */
	size_t n_wait, wi;
	uint32_t *heap;
	size_t n_heap;
	int done;                /* every unit exhausted */
	/* merged points */
	int64_t *bt;
	uint8_t *bv;
	size_t bpos, bn;
	arena_t *bytes;
} sser_t;

/* Descending reads: the rows of one window of time, ascending, with their
 * byte strings copied; yielded from the end. */
typedef struct dwin {
	int64_t *t;
	uint8_t **v;                 /* per series: values */
	uint8_t **nulls;             /* per series: null bytes */
	size_t n, cap, pos;          /* rows, room, rows not yet yielded */
	arena_t *bytes;
} dwin_t;

/* Descending reads: a unit's points, spread evenly over its time range,
 * size the windows. */
typedef struct dest {
	int64_t lo, hi;
	uint64_t n;
} dest_t;

/* What a cursor captured of one partition when it was opened. */
typedef struct pcap {
	spart_t *p;                  /* referenced */
	sfile_t **files;             /* referenced */
	size_t n_files;
	fdel_t *fdels;               /* [series * n_files + file] */
	mt_snap_t *snaps;            /* [series * n_mts + memtable] */
	size_t n_mts;
	uint64_t *mt_vers;
} pcap_t;

struct storage_cursor {
	storage_t *s;
	char *device;
	size_t n;
	storage_series_ref_t *refs;  /* strings copied */
	int64_t start, end;          /* the range being merged (descending: a window) */
	int64_t rstart, rend;        /* the read's range (TTL applied) */
	pcap_t *caps;                /* partitions in time order */
	size_t n_caps, ci;           /* partitions entered so far */
	size_t cur;                  /* caps[cur] is being read when in_part */
	sser_t *ser;
	int in_part;
	/* descending */
	int desc;
	dest_t *est;                 /* the partition's units */
	size_t n_est;
	int64_t wlow, wnext;         /* data of the partition starts at wlow; the
				      * next window ends at wnext */
	int wleft;                   /* windows are left in the partition */
	size_t wtarget;              /* points the next window should hold */
	dwin_t win;
	int summaries;               /* req->summaries */
	int offer;                   /* the last peek offered the heap's top unit */
	/* output */
	storage_block_t blk;
	storage_block_column_t *cols;
	int64_t *otimes;
	uint8_t **ovals, **onulls;
	uint8_t *zeros;
	int failed;
	larch_error_t fail;
};

static int cur_oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory reading");
}

/*---------------------------------------------------------------------------
 * Units
 *---------------------------------------------------------------------------*/

static void unit_close(unit_t *u)
{
	chunk_reader_free(u->cr);
	chunk_reader_free(u->tcr);
	u->cr = u->tcr = NULL;
	col_free(&u->times);
	col_free(&u->vals);
	col_free(&u->rows);
	mt_view_free(&u->view);
	mem_free(u->blk);
	u->blk = NULL;
	u->n_blk = 0;
	u->pend = P_NONE;
	u->exhausted = 1;
	u->n = u->pos = 0;
}

/* Keep the points of times/vals in [start, end] outside the deletion
 * ranges (times ascending); returns how many. */
static size_t page_filter(unit_t *u, int64_t start, int64_t end, size_t es)
{
	int64_t *t = COL_I64(&u->times);
	uint8_t *v = u->vals.data;
	size_t n = u->times.n;
	if (n == 0)
		return 0;
	if (t[0] >= start && t[n - 1] <= end) {
		size_t d = 0;
		while (d < u->n_dels && u->dels[2 * d + 1] < t[0])
			d++;
		if (d == u->n_dels || u->dels[2 * d] > t[n - 1])
			return n; /* nothing to drop */
	}
	size_t k = 0, d = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t x = t[i];
		if (x < start || x > end)
			continue;
		while (d < u->n_dels && u->dels[2 * d + 1] < x)
			d++;
		if (d < u->n_dels && u->dels[2 * d] <= x)
			continue;
		if (k != i) {
			t[k] = x;
			memcpy(v + k * es, v + i * es, es);
		}
		k++;
	}
	return k;
}

static int page_outside(const page_header_t *ph, int64_t start, int64_t end)
{
	return ph->has_stats && (ph->stats.s.count == 0 || ph->stats.s.end_time < start ||
				 ph->stats.s.start_time > end);
}

static int file_err(larch_error_t *err, const unit_t *u)
{
	err_prefix(err, "%s", u->f->path);
	return err ? err->code : LARCH_CORRUPTED;
}

/* Move a file unit to its next page that may hold points in [start, end]
 * (headers only; aligned: the time and the value page): LARCH_OK,
 * LARCH_DONE (no page left) or an error. */
static int unit_seek_page(unit_t *u, int64_t start, int64_t end, larch_error_t *err)
{
	for (;;) {
		int rc;
		if (u->kind == U_CHUNK) {
			rc = chunk_reader_next_page(u->cr, err);
			if (rc == LARCH_DONE)
				return rc;
			if (rc)
				return file_err(err, u);
			if (!page_outside(chunk_reader_page(u->cr), start, end))
				return LARCH_OK;
			continue;
		}
		rc = chunk_reader_next_page(u->tcr, err);
		if (rc == LARCH_DONE)
			return rc;
		if (rc || (rc = chunk_reader_next_page(u->cr, err)) != LARCH_OK) {
			if (rc == LARCH_DONE)
				rc = err_set(err, LARCH_CORRUPTED, "value chunk at offset %llu "
					     "has fewer pages than its time chunk",
					     (unsigned long long)u->off);
			return file_err(err, u);
		}
		const page_header_t *vp = chunk_reader_page(u->cr);
		if (!page_outside(chunk_reader_page(u->tcr), start, end) &&
		    vp->uncompressed_size != 0 && !page_outside(vp, start, end))
			return LARCH_OK;
	}
}

/* Decode the current page of a file unit and keep its points in [start,
 * end] outside the deletion ranges as the unit's run (u->n may be 0). */
static int unit_read_page(unit_t *u, int64_t start, int64_t end, size_t es,
			  larch_error_t *err)
{
	int rc;
	col_clear(&u->times);
	col_clear(&u->vals);
	if (u->kind == U_CHUNK) {
		if ((rc = chunk_reader_read_page(u->cr, 0, &u->times, &u->vals, err)))
			return file_err(err, u);
	} else {
		col_clear(&u->rows);
		const uint8_t *present;
		if ((rc = chunk_reader_read_times(u->tcr, 0, &u->rows, err)) ||
		    (rc = chunk_reader_read_values(u->cr, u->rows.n, &u->vals, &present, err)))
			return file_err(err, u);
		if (col_reserve(&u->times, u->vals.n))
			return cur_oom(err);
		const int64_t *rt = COL_I64(&u->rows);
		int64_t *t = COL_I64(&u->times);
		for (size_t i = 0, k = 0; present && i < u->rows.n; i++)
			if (present[i / 8] & (0x80 >> (i % 8)))
				t[k++] = rt[i];
		u->times.n = u->vals.n;
	}
	u->n = page_filter(u, start, end, es);
	u->pos = 0;
	if (u->n) {
		u->t = COL_I64(&u->times);
		u->v = u->vals.data;
		u->head = u->t[0];
	}
	return LARCH_OK;
}

/* 1 if [a, b] meets one of the n sorted, disjoint ranges iv (pairs). */
static int ranges_meet(const int64_t *iv, size_t n, int64_t a, int64_t b)
{
	size_t lo = 0, hi = n; /* the first range ending at or after a */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (iv[2 * mid + 1] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && iv[2 * lo] <= b;
}

/* 1 if statistics st (of the unit's type) describe a clean run: points
 * present, [st's start, end] ∪ [a, b] (a bound the caller also trusts:
 * the time page's range of an aligned page) inside [start, end], after
 * the unit's earlier pages, and met by no deletion and no other unit. */
static int stats_clean(const unit_t *u, const stats_t *st, tsfile_type_t type, int64_t a,
		       int64_t b, int64_t start, int64_t end)
{
	const tsfile_stats_t *x = &st->s;
	if (st->type != type || x->count == 0 || x->start_time > x->end_time)
		return 0;
	a = LR_MIN(a, x->start_time);
	b = LR_MAX(b, x->end_time);
	return a >= start && b <= end && a > u->prev_end &&
	       !ranges_meet(u->dels, u->n_dels, a, b) && !ranges_meet(u->blk, u->n_blk, a, b);
}

/* The statistics of the current page of a file unit if the page may be
 * offered as a summary, else NULL.  Pages of single-page chunks carry no
 * statistics (their chunk's are offered instead). */
static const stats_t *page_summary(const unit_t *u, tsfile_type_t type, int64_t start,
				   int64_t end)
{
	const page_header_t *vp = chunk_reader_page(u->cr);
	if (!u->sum || !vp->has_stats)
		return NULL;
	int64_t a = INT64_MAX, b = INT64_MIN;
	if (u->kind == U_ALIGNED) {
		const page_header_t *tp = chunk_reader_page(u->tcr);
		if (!tp->has_stats || tp->stats.s.count == 0)
			return NULL;
		a = tp->stats.s.start_time;
		b = tp->stats.s.end_time;
	}
	return stats_clean(u, &vp->stats, type, a, b, start, end) ? &vp->stats : NULL;
}

/* The end time of the current page by its statistics (INT64_MIN without). */
static int64_t page_end(const unit_t *u)
{
	const page_header_t *vp = chunk_reader_page(u->cr);
	return vp->has_stats && vp->stats.s.count ? vp->stats.s.end_time : INT64_MIN;
}

/* Move a file unit to its next page with points in range: a run (LARCH_OK),
 * or a page summary (LARCH_OK with u->pend = P_PAGE), LARCH_DONE when the
 * chunk has no more, or an error. */
static int unit_next_page(unit_t *u, tsfile_type_t type, int64_t start, int64_t end,
			  size_t es, larch_error_t *err)
{
	for (;;) {
		int rc = unit_seek_page(u, start, end, err);
		if (rc)
			return rc;
		const stats_t *st = page_summary(u, type, start, end);
		u->prev_end = LR_MAX(u->prev_end, page_end(u));
		if (st) {
			u->pend = P_PAGE;
			u->head = st->s.start_time;
			u->n = u->pos = 0;
			return LARCH_OK;
		}
		if ((rc = unit_read_page(u, start, end, es, err)))
			return rc;
		if (u->n)
			return LARCH_OK;
	}
}

/* Move a memtable unit to its next non-empty run: LARCH_OK or LARCH_DONE. */
static int unit_next_run(unit_t *u)
{
	while (u->run < u->view.n_runs && u->view.runs[u->run].n == 0)
		u->run++;
	if (u->run == u->view.n_runs)
		return LARCH_DONE;
	const mt_run_t *r = &u->view.runs[u->run++];
	u->t = r->times;
	u->v = r->values;
	u->n = r->n;
	u->pos = 0;
	u->head = u->t[0];
	return LARCH_OK;
}

/* Open a unit: LARCH_OK with a run, LARCH_DONE if it has no point in
 * range, or an error. */
static int unit_open(unit_t *u, tsfile_type_t type, int64_t start, int64_t end, size_t es,
		     larch_error_t *err)
{
	if (u->kind == U_MEM) {
		int rc = mt_view_build(u->snap, start, end, &u->view, err);
		if (rc)
			return rc;
		u->run = 0;
		return unit_next_run(u);
	}
	col_init(&u->times, TSFILE_INT64);
	col_init(&u->rows, TSFILE_INT64);
	col_init(&u->vals, type);
	const tsfile_reader_t *r = u->f->reader;
	int rc = chunk_reader_new(r, &u->cr, err);
	if (!rc)
		rc = chunk_reader_open(u->cr, u->off, err);
	if (!rc && u->kind == U_ALIGNED && !(rc = chunk_reader_new(r, &u->tcr, err)))
		rc = chunk_reader_open(u->tcr, u->toff, err);
	if (rc)
		return rc == LARCH_NO_MEMORY ? rc : file_err(err, u);
	const chunk_header_t *h = chunk_reader_header(u->cr);
	if (h->type != type)
		return err_set(err, LARCH_CORRUPTED, "%s: chunk at offset %llu holds %s, its index "
			       "says %s", u->f->path, (unsigned long long)u->off,
			       tsfile_type_name(h->type), tsfile_type_name(type));
	u->prev_end = INT64_MIN;
	return unit_next_page(u, type, start, end, es, err);
}

/* Step past k points of the run (loading the next page when it ends). */
static int unit_advance(unit_t *u, size_t k, tsfile_type_t type, int64_t start, int64_t end,
			size_t es, larch_error_t *err)
{
	u->pos += k;
	if (u->pos < u->n) {
		u->head = u->t[u->pos];
		return LARCH_OK;
	}
	int rc = u->kind == U_MEM ? unit_next_run(u) :
				    unit_next_page(u, type, start, end, es, err);
	if (rc == LARCH_DONE)
		unit_close(u);
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/*---------------------------------------------------------------------------
 * Heap of opened units: (head ascending, ver descending, sub descending)
 *---------------------------------------------------------------------------*/

static int unit_before(const unit_t *a, const unit_t *b)
{
	if (a->head != b->head)
		return a->head < b->head;
	if (a->ver != b->ver)
		return a->ver > b->ver;
	return a->sub > b->sub;
}

static void heap_push(sser_t *s, uint32_t u)
{
	size_t i = s->n_heap++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!unit_before(&s->units[u], &s->units[s->heap[p]]))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = u;
}

static uint32_t heap_pop(sser_t *s)
{
	uint32_t top = s->heap[0], last = s->heap[--s->n_heap];
	size_t i = 0, n = s->n_heap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && unit_before(&s->units[s->heap[c + 1]], &s->units[s->heap[c]]))
			c++;
		if (!unit_before(&s->units[s->heap[c]], &s->units[last]))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n)
		s->heap[i] = last;
	return top;
}

/*---------------------------------------------------------------------------
 * Merging one series
 *---------------------------------------------------------------------------*/

/* Open every waiting unit that starts at or before the heap's smallest
 * time (or the first waiting one when the heap is empty).  A chunk that
 * may be offered whole enters the heap unopened (P_CHUNK). */
static int ser_open_waiting(storage_cursor_t *c, sser_t *s, larch_error_t *err)
{
	while (s->wi < s->n_wait) {
		unit_t *u = &s->units[s->wait[s->wi]];
		if (s->n_heap && u->cstart > s->units[s->heap[0]].head)
			break;
		s->wi++;
		if (u->sum && stats_clean(u, u->cst, s->type, INT64_MAX, INT64_MIN, c->start,
					  c->end)) {
			u->pend = P_CHUNK;
			u->head = u->cst->s.start_time;
			heap_push(s, (uint32_t)(u - s->units));
			continue;
		}
		int rc = unit_open(u, s->type, c->start, c->end, s->es, err);
		if (rc == LARCH_DONE) {
			unit_close(u);
			continue;
		}
		if (rc)
			return rc;
		heap_push(s, (uint32_t)(u - s->units));
	}
	return LARCH_OK;
}

/* Turn a unit offering a summary (popped from the heap) into one yielding
 * points: open its chunk, or decode its page.  It offers no summary any
 * more.  The caller pushes it back unless it is exhausted. */
static int unit_decline(storage_cursor_t *c, sser_t *s, unit_t *u, larch_error_t *err)
{
	upend_t p = u->pend;
	int rc;
	u->pend = P_NONE;
	u->sum = 0;
	if (p == P_CHUNK)
		rc = unit_open(u, s->type, c->start, c->end, s->es, err);
	else if (!(rc = unit_read_page(u, c->start, c->end, s->es, err)) && !u->n)
		rc = unit_next_page(u, s->type, c->start, c->end, s->es, err);
	if (rc == LARCH_DONE)
		unit_close(u);
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/* Pass over the summary a unit offers (popped from the heap). */
static int unit_accept(storage_cursor_t *c, sser_t *s, unit_t *u, larch_error_t *err)
{
	upend_t p = u->pend;
	u->pend = P_NONE;
	if (p == P_CHUNK) {
		unit_close(u);
		return LARCH_OK;
	}
	int rc = unit_next_page(u, s->type, c->start, c->end, s->es, err);
	if (rc == LARCH_DONE)
		unit_close(u);
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/* Append points [pos, pos + k) of u to the series buffer. */
static int ser_take(sser_t *s, const unit_t *u, size_t k)
{
	memcpy(s->bt + s->bn, u->t + u->pos, k * sizeof(int64_t));
	memcpy(s->bv + s->bn * s->es, u->v + u->pos * s->es, k * s->es);
	if (type_is_binary(s->type)) {
		tsfile_bytes_t *b = (tsfile_bytes_t *)s->bv + s->bn;
		for (size_t i = 0; i < k; i++) {
			if (!b[i].len) {
				b[i].ptr = ""; /* never NULL: consumers memcpy from it */
				continue;
			}
			char *p = arena_alloc(s->bytes, b[i].len);
			if (!p)
				return LARCH_NO_MEMORY;
			memcpy(p, b[i].ptr, b[i].len);
			b[i].ptr = p;
		}
	}
	s->bn += k;
	return LARCH_OK;
}

/* Step every unit whose head is t (a time just taken from another unit)
 * past it.  A unit offering a summary there (its statistics lied about
 * its range) is declined first. */
static int ser_skip_ties(storage_cursor_t *c, sser_t *s, int64_t t, larch_error_t *err)
{
	int rc = LARCH_OK;
	while (!rc && s->n_heap && s->units[s->heap[0]].head == t) {
		uint32_t bi = heap_pop(s);
		unit_t *b = &s->units[bi];
		if (b->pend)
			rc = unit_decline(c, s, b, err);
		else
			rc = unit_advance(b, 1, s->type, c->start, c->end, s->es, err);
		if (!rc && !b->exhausted)
			heap_push(s, bi);
	}
	return rc;
}

/* Refill the buffer of an emptied series with up to CAP merged points.  It
 * stops early before a unit offering a summary when points are buffered
 * (they come first); with none buffered, that unit is declined. */
static int ser_fill(storage_cursor_t *c, sser_t *s, larch_error_t *err)
{
	s->bpos = s->bn = 0;
	if (s->bytes)
		arena_reset(s->bytes);
	while (s->bn < CAP) {
		int rc = ser_open_waiting(c, s, err);
		if (rc)
			return rc;
		if (!s->n_heap) {
			s->done = 1;
			break;
		}
		uint32_t ai = heap_pop(s);
		unit_t *a = &s->units[ai];
		if (a->pend) {
			if (s->bn) {
				heap_push(s, ai);
				break;
			}
			if ((rc = unit_decline(c, s, a, err)))
				return rc;
			if (!a->exhausted)
				heap_push(s, ai);
			continue;
		}
		int64_t limit = s->n_heap ? s->units[s->heap[0]].head : INT64_MAX;
		if (s->wi < s->n_wait && s->units[s->wait[s->wi]].cstart < limit)
			limit = s->units[s->wait[s->wi]].cstart;
		if (a->head < limit) {
			size_t k = 0, room = CAP - s->bn, avail = a->n - a->pos;
			if (a->t[a->n - 1] < limit)
				k = LR_MIN(avail, room);
			else
				while (k < room && k < avail && a->t[a->pos + k] < limit)
					k++;
			if (ser_take(s, a, k))
				return cur_oom(err);
			rc = unit_advance(a, k, s->type, c->start, c->end, s->es, err);
		} else {
			/* a tie at `limit`: a has the highest priority */
			int64_t t = a->head;
			if (ser_take(s, a, 1))
				return cur_oom(err);
			rc = unit_advance(a, 1, s->type, c->start, c->end, s->es, err);
			if (!rc)
				rc = ser_skip_ties(c, s, t, err);
		}
		if (rc)
			return rc;
		if (!a->exhausted)
			heap_push(s, ai);
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Planning a partition
 *---------------------------------------------------------------------------*/

static int unit_add(sser_t *s, size_t *cap, unit_t **out)
{
	if (s->n_units == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		unit_t *u = mem_realloc(s->units, nc * sizeof(*u));
		if (!u)
			return LARCH_NO_MEMORY;
		s->units = u;
		*cap = nc;
	}
	*out = &s->units[s->n_units++];
	memset(*out, 0, sizeof **out);
	return LARCH_OK;
}

static int off_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sort and merge deletion ranges (pairs) in place; returns the count. */
static int range_cmp(const void *a, const void *b)
{
	int64_t x = ((const int64_t *)a)[0], y = ((const int64_t *)b)[0];
	return (x > y) - (x < y);
}

static size_t ranges_merge(int64_t *iv, size_t n)
{
	if (n < 2)
		return n;
	qsort(iv, n, 2 * sizeof(int64_t), range_cmp);
	size_t k = 0;
	for (size_t i = 1; i < n; i++) {
		if (iv[2 * i] <= iv[2 * k + 1] || iv[2 * k + 1] == INT64_MAX ||
		    iv[2 * i] == iv[2 * k + 1] + 1) {
			if (iv[2 * i + 1] > iv[2 * k + 1])
				iv[2 * k + 1] = iv[2 * i + 1];
		} else {
			k++;
			iv[2 * k] = iv[2 * i];
			iv[2 * k + 1] = iv[2 * i + 1];
		}
	}
	return k + 1;
}

/* Units of one series in file f. */
static int plan_file(storage_cursor_t *c, sser_t *s, size_t *cap, sfile_t *f, const fdel_t *fd,
		     const storage_series_ref_t *ref)
{
	const tsfile_reader_t *r = f->reader;
	const tsfile_series_info_t *si = tsfile_reader_find_series(r, c->device, ref->measurement);
	if (!si || si->type != ref->type || si->stats.count == 0 ||
	    si->stats.end_time < c->start || si->stats.start_time > c->end)
		return LARCH_OK;
	const rseries_t *rs = &r->sx[si - r->series];
	const rdev_t *d = &r->devices[rs->device];
	uint64_t *toffs = NULL;
	size_t nt = 0;
	if (si->aligned) {
		nt = d->time.n_chunks;
		if (!(toffs = mem_alloc((nt ? nt : 1) * sizeof(*toffs))))
			return LARCH_NO_MEMORY;
		for (size_t i = 0; i < nt; i++)
			toffs[i] = d->time.chunks[i].offset;
		qsort(toffs, nt, sizeof(*toffs), off_cmp);
	}
	for (uint32_t k = 0; k < rs->meta.n_chunks; k++) {
		const chunk_meta_t *cm = &rs->meta.chunks[k];
		const tsfile_stats_t *st = &cm->stats.s;
		if (st->count == 0 || st->end_time < c->start || st->start_time > c->end)
			continue;
		uint64_t toff = 0;
		if (si->aligned) {
			size_t lo = 0, hi = nt; /* time chunks before the value chunk */
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (toffs[mid] < cm->offset)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == 0)
				continue; /* no time chunk: nothing readable */
			toff = toffs[lo - 1];
		}
		unit_t *u;
		if (unit_add(s, cap, &u)) {
			mem_free(toffs);
			return LARCH_NO_MEMORY;
		}
		u->kind = si->aligned ? U_ALIGNED : U_CHUNK;
		u->ver = f->version;
		u->sub = cm->offset;
		u->cstart = LR_MAX(st->start_time, c->start);
		u->cend = LR_MIN(st->end_time, c->end);
		u->count = st->count;
		u->cst = &cm->stats;
		u->sum = c->summaries;
		u->prev_end = INT64_MIN;
		u->f = f;
		u->off = cm->offset;
		u->toff = toff;
		u->dels = fd->iv;
		u->n_dels = fd->n;
	}
	mem_free(toffs);
	return LARCH_OK;
}

/* Insertion sort of the waiting list by cstart (units arrive mostly in
 * time order already). */
static void ser_plan_order(sser_t *s)
{
	for (size_t i = 1; i < s->n_wait; i++) {
		uint32_t x = s->wait[i];
		size_t j = i;
		while (j > 0 && s->units[s->wait[j - 1]].cstart > s->units[x].cstart) {
			s->wait[j] = s->wait[j - 1];
			j--;
		}
		s->wait[j] = x;
	}
}

/* Summaries: give every file unit that may offer them the time ranges of
 * the other units of the series meeting its own (merged, u->blk).  In the
 * order by cstart, the units before u that meet it all cover a prefix of
 * u's range, up to the largest cend before u; those after u that meet it
 * are the run starting at or before u->cend.  A unit met by more than
 * BLOCKED_MAX others offers none (bounded work and memory). */
#define BLOCKED_MAX 64

static int ser_plan_blocked(sser_t *s)
{
	int64_t before = INT64_MIN; /* the largest cend of the units so far */
	for (size_t i = 0; i < s->n_wait; i++) {
		unit_t *u = &s->units[s->wait[i]];
		int64_t prior = before;
		before = LR_MAX(before, u->cend);
		if (!u->sum)
			continue;
		size_t n = prior >= u->cstart, j = i + 1;
		while (j < s->n_wait && n <= BLOCKED_MAX && s->units[s->wait[j]].cstart <= u->cend) {
			n++;
			j++;
		}
		if (n > BLOCKED_MAX) {
			u->sum = 0;
			continue;
		}
		if (n == 0)
			continue;
		if (!(u->blk = mem_alloc(2 * n * sizeof(*u->blk))))
			return LARCH_NO_MEMORY;
		size_t k = 0;
		if (prior >= u->cstart) {
			u->blk[0] = u->cstart;
			u->blk[1] = prior;
			k = 1;
		}
		for (j = i + 1; k < n; j++, k++) {
			u->blk[2 * k] = s->units[s->wait[j]].cstart;
			u->blk[2 * k + 1] = s->units[s->wait[j]].cend;
		}
		u->n_blk = ranges_merge(u->blk, n);
	}
	return LARCH_OK;
}

/* Release what a capture holds. */
static void cap_release(storage_cursor_t *c, pcap_t *cp)
{
	for (size_t i = 0; cp->snaps && i < c->n * cp->n_mts; i++)
		mt_snap_release(&cp->snaps[i]);
	mem_free(cp->snaps);
	mem_free(cp->mt_vers);
	for (size_t i = 0; cp->fdels && i < c->n * cp->n_files; i++)
		mem_free(cp->fdels[i].iv);
	mem_free(cp->fdels);
	for (size_t i = 0; i < cp->n_files; i++)
		sfile_unref(cp->files[i]);
	mem_free(cp->files);
	spart_unref(cp->p);
	memset(cp, 0, sizeof *cp);
}

/* Drop the units planned for the partition being read. */
static void units_release(storage_cursor_t *c)
{
	for (size_t i = 0; c->ser && i < c->n; i++) {
		sser_t *s = &c->ser[i];
		for (size_t k = 0; k < s->n_units; k++)
			if (!s->units[k].exhausted)
				unit_close(&s->units[k]);
		mem_free(s->units);
		mem_free(s->wait);
		mem_free(s->heap);
		s->units = NULL;
		s->wait = s->heap = NULL;
		s->n_units = s->n_wait = s->wi = s->n_heap = 0;
		s->bpos = s->bn = 0;
		s->done = 0;
	}
}

/* Leave the partition being read: drop its units and its capture. */
static void part_release(storage_cursor_t *c)
{
	units_release(c);
	if (c->in_part)
		cap_release(c, &c->caps[c->cur]);
	c->in_part = 0;
	mem_free(c->est);
	c->est = NULL;
	c->n_est = 0;
}

/* Capture into cp the files (all of p's, or the given ones) and the
 * memtables (not with given files) of p; part lock held.  cp->p must be
 * set (referenced) by the caller. */
static int part_capture(storage_cursor_t *c, pcap_t *cp, spart_t *p, sfile_t **given,
			size_t n_given, larch_error_t *err)
{
	if (p->dropped)
		return LARCH_OK;
	sfile_t **src = given ? given : p->files;
	size_t ns = given ? n_given : p->n_files;
	cp->files = mem_alloc((ns ? ns : 1) * sizeof(*cp->files));
	if (!cp->files)
		return cur_oom(err);
	for (size_t i = 0; i < ns; i++) {
		if (src[i]->tmax < c->start || src[i]->tmin > c->end)
			continue;
		sfile_ref(src[i]);
		cp->files[cp->n_files++] = src[i];
	}
	cp->fdels = mem_calloc(cp->n_files ? c->n * cp->n_files : 1, sizeof(*cp->fdels));
	if (!cp->fdels)
		return cur_oom(err);
	for (size_t k = 0; k < c->n; k++) {
		for (size_t i = 0; i < cp->n_files; i++) {
			fdel_t *fd = &cp->fdels[k * cp->n_files + i];
			size_t cap = 0;
			if (sfile_mod_ranges(cp->files[i], c->device, c->refs[k].measurement, &fd->iv,
					     &fd->n, &cap))
				return cur_oom(err);
			fd->n = ranges_merge(fd->iv, fd->n);
		}
	}
	if (given)
		return LARCH_OK;
	size_t nm = p->n_sealed + 2;
	cp->snaps = mem_calloc(c->n * nm, sizeof(*cp->snaps));
	cp->mt_vers = mem_alloc(nm * sizeof(*cp->mt_vers));
	if (!cp->snaps || !cp->mt_vers)
		return cur_oom(err);
	cp->n_mts = nm;
	for (size_t m = 0; m < nm; m++) {
		memtable_t *mt = m < p->n_sealed ? p->sealed[m] : p->work[m - p->n_sealed];
		cp->mt_vers[m] = m < p->n_sealed ? mt->version : UINT64_MAX - 1 + (m - p->n_sealed);
		for (size_t k = 0; mt && k < c->n; k++) {
			int found;
			int rc = mt_snap_series(mt, c->device, c->refs[k].measurement, c->refs[k].type,
						&cp->snaps[k * nm + m], &found, err);
			if (rc)
				return rc;
		}
	}
	return LARCH_OK;
}

/* Build the units of every series of capture cp. */
static int part_plan(storage_cursor_t *c, const pcap_t *cp, larch_error_t *err)
{
	for (size_t k = 0; k < c->n; k++) {
		sser_t *s = &c->ser[k];
		size_t cap = 0;
		s->type = c->refs[k].type;
		s->es = col_elem_size(s->type);
		s->done = 0;
		for (size_t i = 0; i < cp->n_files; i++)
			if (plan_file(c, s, &cap, cp->files[i], &cp->fdels[k * cp->n_files + i],
				      &c->refs[k]))
				return cur_oom(err);
		for (size_t m = 0; m < cp->n_mts; m++) {
			const mt_snap_t *sn = &cp->snaps[k * cp->n_mts + m];
			unit_t *u;
			if (!sn->mt || sn->tmax < c->start || sn->tmin > c->end)
				continue;
			if (unit_add(s, &cap, &u))
				return cur_oom(err);
			u->kind = U_MEM;
			u->ver = cp->mt_vers[m];
			u->cstart = LR_MAX(sn->tmin, c->start);
			u->cend = LR_MIN(sn->tmax, c->end);
			u->count = sn->n;
			u->snap = sn;
		}
		s->wait = mem_alloc((s->n_units ? s->n_units : 1) * sizeof(*s->wait));
		s->heap = mem_alloc((s->n_units ? s->n_units : 1) * sizeof(*s->heap));
		if (!s->wait || !s->heap)
			return cur_oom(err);
		for (size_t i = 0; i < s->n_units; i++)
			s->wait[i] = (uint32_t)i;
		s->n_wait = s->n_units;
		s->wi = s->n_heap = 0;
		ser_plan_order(s);
		if (c->summaries && ser_plan_blocked(s))
			return cur_oom(err);
	}
	return LARCH_OK;
}

/* Enter the next captured partition (descending: the previous one) and
 * plan its units over the read's range; LARCH_DONE when none is left. */
static int cur_enter(storage_cursor_t *c, larch_error_t *err)
{
	if (c->ci == c->n_caps)
		return LARCH_DONE;
	c->cur = c->desc ? c->n_caps - 1 - c->ci : c->ci;
	c->ci++;
	c->in_part = 1;
	c->start = c->rstart;
	c->end = c->rend;
	return part_plan(c, &c->caps[c->cur], err);
}

/* Capture the partitions ps[0..n) (references taken over): all of their
 * locks are held at once, in id order as writers take them, so a write
 * spanning partitions is seen whole or not at all. */
static int cur_capture(storage_cursor_t *c, spart_t **ps, size_t n, larch_error_t *err)
{
	int rc = LARCH_OK;
	if (!(c->caps = mem_calloc(n ? n : 1, sizeof(*c->caps)))) {
		storage_parts_release(ps, n);
		return cur_oom(err);
	}
	c->n_caps = n;
	for (size_t i = 0; i < n; i++) {
		c->caps[i].p = ps[i];
		pthread_mutex_lock(&ps[i]->lock);
	}
	for (size_t i = 0; !rc && i < n; i++)
		rc = part_capture(c, &c->caps[i], ps[i], NULL, 0, err);
	for (size_t i = n; i-- > 0;)
		pthread_mutex_unlock(&ps[i]->lock);
	mem_free(ps);
	return rc;
}

/*---------------------------------------------------------------------------
 * Blocks
 *---------------------------------------------------------------------------*/

/* 1 if the partition has nothing more. */
static int part_drained(const storage_cursor_t *c)
{
	for (size_t k = 0; k < c->n; k++)
		if (!c->ser[k].done || c->ser[k].bpos < c->ser[k].bn)
			return 0;
	return 1;
}

static void block_single(storage_cursor_t *c)
{
	sser_t *s = &c->ser[0];
	c->cols[0].values = s->bv + s->bpos * s->es;
	c->cols[0].nulls = c->zeros;
	c->blk.times = s->bt + s->bpos;
	c->blk.n_rows = s->bn - s->bpos;
	s->bpos = s->bn;
}

static void block_union(storage_cursor_t *c)
{
	int64_t lim = INT64_MAX;
	for (size_t k = 0; k < c->n; k++) {
		const sser_t *s = &c->ser[k];
		if (!s->done && s->bn > 0 && s->bt[s->bn - 1] < lim)
			lim = s->bt[s->bn - 1];
	}
	size_t rows = 0;
	while (rows < CAP) {
		int64_t t = INT64_MAX;
		int any = 0;
		for (size_t k = 0; k < c->n; k++) {
			const sser_t *s = &c->ser[k];
			if (s->bpos < s->bn && s->bt[s->bpos] <= lim && s->bt[s->bpos] <= t) {
				t = s->bt[s->bpos];
				any = 1;
			}
		}
		if (!any)
			break;
		c->otimes[rows] = t;
		for (size_t k = 0; k < c->n; k++) {
			sser_t *s = &c->ser[k];
			uint8_t *dst = c->ovals[k] + rows * s->es;
			if (s->bpos < s->bn && s->bt[s->bpos] == t) {
				memcpy(dst, s->bv + s->bpos * s->es, s->es);
				c->onulls[k][rows] = 0;
				s->bpos++;
			} else {
				memset(dst, 0, s->es);
				c->onulls[k][rows] = 1;
			}
		}
		rows++;
	}
	c->blk.times = c->otimes;
	c->blk.n_rows = rows;
	for (size_t k = 0; k < c->n; k++) {
		c->cols[k].values = c->ovals[k];
		c->cols[k].nulls = c->onulls[k];
	}
}

/* The next block of the units planned (c->blk): LARCH_OK, LARCH_DONE
 * when they are drained, or an error. */
static int plan_next(storage_cursor_t *c, larch_error_t *err)
{
	for (;;) {
		for (size_t k = 0; k < c->n; k++) {
			sser_t *s = &c->ser[k];
			int rc = s->bpos == s->bn && !s->done ? ser_fill(c, s, err) : LARCH_OK;
			if (rc)
				return rc;
		}
		if (part_drained(c))
			return LARCH_DONE;
		if (c->n == 1)
			block_single(c);
		else
			block_union(c);
		if (c->blk.n_rows)
			return LARCH_OK;
	}
}

/* Ascending: partition after partition. */
static int asc_next(storage_cursor_t *c, larch_error_t *err)
{
	for (;;) {
		int rc = c->in_part ? LARCH_OK : cur_enter(c, err);
		if (rc)
			return rc;
		if ((rc = plan_next(c, err)) != LARCH_DONE)
			return rc;
		part_release(c);
	}
}

/*---------------------------------------------------------------------------
 * Descending reads
 *
 * Partitions newest first; in each, windows of time growing back from the
 * end of its data.  A window is planned and merged like an ascending read
 * of that range (pages and chunks outside it are passed over by their
 * statistics), its rows are kept, and they are yielded from the last.
 * Windows are sized from the units' statistics to hold about wtarget
 * points (CAP at first, doubling up to WIN_TARGET_MAX); a window that
 * turns out to hold more than WIN_MAX rows (points bunched where the
 * statistics could not tell) is dropped and read again a quarter as wide,
 * so memory stays bounded.
 *---------------------------------------------------------------------------*/

#define WIN_TARGET_MAX ((size_t)1 << 16)
#define WIN_MAX ((size_t)1 << 18)

/* Points expected in [lo, hi]. */
static double est_points(const storage_cursor_t *c, int64_t lo, int64_t hi)
{
	double n = 0;
	for (size_t i = 0; i < c->n_est; i++) {
		const dest_t *e = &c->est[i];
		if (e->hi < lo || e->lo > hi)
			continue;
		int64_t a = LR_MAX(lo, e->lo), b = LR_MIN(hi, e->hi);
		double part = (double)((uint64_t)b - (uint64_t)a) + 1;
		double whole = (double)((uint64_t)e->hi - (uint64_t)e->lo) + 1;
		n += (double)e->n * (part / whole);
	}
	return n;
}

/* The start of the window ending at hi: the latest time from which about
 * wtarget points are expected, or the start of the partition's data. */
static int64_t window_low(const storage_cursor_t *c, int64_t hi)
{
	double want = (double)c->wtarget;
	uint64_t l = 0, r = (uint64_t)hi - (uint64_t)c->wlow; /* widths - 1 */
	if (est_points(c, c->wlow, hi) <= want)
		return c->wlow;
	while (l < r) {
		uint64_t mid = l + (r - l) / 2;
		if (est_points(c, (int64_t)((uint64_t)hi - mid), hi) >= want)
			r = mid;
		else
			l = mid + 1;
	}
	return (int64_t)((uint64_t)hi - l);
}

/* Enter the previous partition: its units give the estimates and the
 * bounds of its data. */
static int desc_enter(storage_cursor_t *c, larch_error_t *err)
{
	int rc = cur_enter(c, err);
	if (rc)
		return rc;
	size_t n = 0;
	for (size_t k = 0; k < c->n; k++)
		n += c->ser[k].n_units;
	if (n && !(c->est = mem_alloc(n * sizeof(*c->est))))
		return cur_oom(err);
	c->wlow = INT64_MAX;
	c->wnext = INT64_MIN;
	for (size_t k = 0; k < c->n; k++)
		for (size_t i = 0; i < c->ser[k].n_units; i++) {
			const unit_t *u = &c->ser[k].units[i];
			c->est[c->n_est++] = (dest_t){u->cstart, u->cend, u->count};
			c->wlow = LR_MIN(c->wlow, u->cstart);
			c->wnext = LR_MAX(c->wnext, u->cend);
		}
	units_release(c);
	c->wleft = n > 0;
	c->wtarget = CAP;
	return LARCH_OK;
}

/* Room for `more` rows in the window. */
static int win_reserve(storage_cursor_t *c, size_t more)
{
	dwin_t *w = &c->win;
	if (w->n + more <= w->cap)
		return LARCH_OK;
	size_t cap = LR_MAX(w->cap * 2, w->n + more);
	int64_t *t = mem_realloc(w->t, cap * sizeof(*t));
	if (!t)
		return LARCH_NO_MEMORY;
	w->t = t;
	for (size_t k = 0; k < c->n; k++) {
		uint8_t *v = mem_realloc(w->v[k], cap * c->ser[k].es);
		if (!v)
			return LARCH_NO_MEMORY;
		w->v[k] = v;
		if (!(v = mem_realloc(w->nulls[k], cap)))
			return LARCH_NO_MEMORY;
		w->nulls[k] = v;
	}
	w->cap = cap;
	return LARCH_OK;
}

/* Append the rows of c->blk to the window. */
static int win_append(storage_cursor_t *c)
{
	dwin_t *w = &c->win;
	size_t rows = c->blk.n_rows;
	if (win_reserve(c, rows))
		return LARCH_NO_MEMORY;
	memcpy(w->t + w->n, c->blk.times, rows * sizeof(int64_t));
	for (size_t k = 0; k < c->n; k++) {
		size_t es = c->ser[k].es;
		const uint8_t *nl = c->cols[k].nulls;
		memcpy(w->v[k] + w->n * es, c->cols[k].values, rows * es);
		memcpy(w->nulls[k] + w->n, nl, rows);
		if (!type_is_binary(c->ser[k].type))
			continue;
		tsfile_bytes_t *b = (tsfile_bytes_t *)(void *)w->v[k] + w->n;
		for (size_t i = 0; i < rows; i++) {
			if (nl[i] || !b[i].len) {
				b[i].ptr = "";
				continue;
			}
			char *p = arena_alloc(w->bytes, b[i].len);
			if (!p)
				return LARCH_NO_MEMORY;
			memcpy(p, b[i].ptr, b[i].len);
			b[i].ptr = p;
		}
	}
	w->n += rows;
	return LARCH_OK;
}

/* Merge [lo, hi] of the partition into the window: LARCH_OK, LARCH_DONE if
 * it holds more than WIN_MAX rows (and is wider than one time), or an
 * error. */
static int win_fill(storage_cursor_t *c, int64_t lo, int64_t hi, larch_error_t *err)
{
	c->win.n = c->win.pos = 0;
	arena_reset(c->win.bytes);
	c->start = lo;
	c->end = hi;
	int rc = part_plan(c, &c->caps[c->cur], err);
	while (!rc && !(rc = plan_next(c, err))) {
		if (win_append(c))
			rc = cur_oom(err);
		else if (c->win.n > WIN_MAX && lo < hi)
			rc = LARCH_DONE;
		else
			continue;
		break;
	}
	units_release(c);
	if (rc == LARCH_DONE && c->win.n <= WIN_MAX)
		return LARCH_OK;
	return rc;
}

/* Read the next window of the partition. */
static int desc_window(storage_cursor_t *c, larch_error_t *err)
{
	int64_t hi = c->wnext, lo = window_low(c, hi);
	int rc;
	while ((rc = win_fill(c, lo, hi, err)) == LARCH_DONE) {
		lo = (int64_t)((uint64_t)hi - ((uint64_t)hi - (uint64_t)lo) / 4);
		c->wtarget = LR_MAX(CAP, c->wtarget / 4);
	}
	if (rc)
		return rc;
	c->wleft = lo > c->wlow;
	c->wnext = lo - c->wleft;
	c->wtarget = LR_MIN(c->wtarget * 2, WIN_TARGET_MAX);
	c->win.pos = c->win.n;
	return LARCH_OK;
}

/* Yield up to CAP rows from the end of the window, reversed. */
static void desc_emit(storage_cursor_t *c)
{
	dwin_t *w = &c->win;
	size_t m = LR_MIN(CAP, w->pos);
	for (size_t i = 0; i < m; i++)
		c->otimes[i] = w->t[w->pos - 1 - i];
	for (size_t k = 0; k < c->n; k++) {
		size_t es = c->ser[k].es;
		const uint8_t *v = w->v[k], *nl = w->nulls[k];
		uint8_t *ov = c->ovals[k], *on = c->onulls[k];
		for (size_t i = 0, r = w->pos - 1; i < m; i++, r--) {
			memcpy(ov + i * es, v + r * es, es);
			on[i] = nl[r];
		}
		c->cols[k].values = ov;
		c->cols[k].nulls = on;
	}
	w->pos -= m;
	c->blk.times = c->otimes;
	c->blk.n_rows = m;
}

/* Descending: partition after partition backwards, window after window. */
static int desc_next(storage_cursor_t *c, larch_error_t *err)
{
	for (;;) {
		int rc = LARCH_OK;
		if (c->win.pos) {
			desc_emit(c);
			return LARCH_OK;
		}
		if (!c->in_part)
			rc = desc_enter(c, err);
		else if (!c->wleft)
			part_release(c);
		else
			rc = desc_window(c, err);
		if (rc)
			return rc;
	}
}

/* Record a failure: every later call returns it. */
static int cur_fail(storage_cursor_t *c, int rc, larch_error_t *err)
{
	c->failed = 1;
	if (!c->fail.code)
		c->fail.code = rc;
	if (err)
		*err = c->fail;
	return c->fail.code;
}

int storage_cursor_next(storage_cursor_t *c, const storage_block_t **blk, larch_error_t *err)
{
	if (!c || !blk)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_cursor_next: NULL argument");
	*blk = NULL;
	c->offer = 0;
	if (c->failed)
		return cur_fail(c, c->fail.code, err);
	int rc = c->desc ? desc_next(c, &c->fail) : asc_next(c, &c->fail);
	if (rc == LARCH_OK)
		*blk = &c->blk;
	if (rc == LARCH_OK || rc == LARCH_DONE)
		return rc;
	return cur_fail(c, rc, err);
}

/* Summaries: the first unit of the series, in order, is the heap's top
 * once every unit starting at or before it is opened. */
int storage_cursor_peek_summary(storage_cursor_t *c, storage_summary_t *out,
				larch_error_t *err)
{
	if (!c || !out || !c->summaries)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_cursor_peek_summary: NULL "
			       "argument or a cursor opened without summaries");
	if (c->failed)
		return cur_fail(c, c->fail.code, err);
	c->offer = 0;
	sser_t *s = &c->ser[0];
	if (s->bpos < s->bn)
		return LARCH_DONE;
	int rc;
	for (;;) {
		if (!c->in_part && (rc = cur_enter(c, &c->fail)) != LARCH_OK)
			return rc == LARCH_DONE ? rc : cur_fail(c, rc, err);
		if ((rc = ser_open_waiting(c, s, &c->fail)))
			return cur_fail(c, rc, err);
		if (s->n_heap)
			break;
		part_release(c); /* every unit done */
	}
	const unit_t *u = &s->units[s->heap[0]];
	if (!u->pend)
		return LARCH_DONE;
	const stats_t *st = u->pend == P_CHUNK ? u->cst : &chunk_reader_page(u->cr)->stats;
	memset(out, 0, sizeof *out);
	out->start = st->s.start_time;
	out->end = st->s.end_time;
	out->count = st->s.count;
	out->type = s->type;
	out->sum = type_is_binary(s->type) ? 0 : st->s.sum;
	out->min = st->s.min;
	out->max = st->s.max;
	out->first = st->s.first;
	out->last = st->s.last;
	out->whole_chunk = u->pend == P_CHUNK;
	c->offer = 1;
	return LARCH_OK;
}

int storage_cursor_skip(storage_cursor_t *c, larch_error_t *err)
{
	if (!c || !c->offer)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "storage_cursor_skip: no summary offered");
	c->offer = 0;
	sser_t *s = &c->ser[0];
	uint32_t ui = heap_pop(s);
	unit_t *u = &s->units[ui];
	int rc = unit_accept(c, s, u, &c->fail);
	if (rc)
		return cur_fail(c, rc, err);
	if (!u->exhausted)
		heap_push(s, ui);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Opening and freeing
 *---------------------------------------------------------------------------*/

void storage_cursor_free(storage_cursor_t *c)
{
	if (!c)
		return;
	part_release(c);
	for (size_t i = 0; i < c->n_caps; i++)
		if (c->caps[i].p)
			cap_release(c, &c->caps[i]);
	mem_free(c->caps);
	for (size_t k = 0; c->win.v && k < c->n; k++) {
		mem_free(c->win.v[k]);
		mem_free(c->win.nulls[k]);
	}
	mem_free(c->win.v);
	mem_free(c->win.nulls);
	mem_free(c->win.t);
	arena_free(c->win.bytes);
	for (size_t k = 0; c->ser && k < c->n; k++) {
		mem_free(c->ser[k].bt);
		mem_free(c->ser[k].bv);
		arena_free(c->ser[k].bytes);
		if (c->ovals)
			mem_free(c->ovals[k]);
		if (c->onulls)
			mem_free(c->onulls[k]);
	}
	mem_free(c->ser);
	mem_free(c->ovals);
	mem_free(c->onulls);
	mem_free(c->otimes);
	mem_free(c->zeros);
	mem_free(c->cols);
	for (size_t k = 0; c->refs && k < c->n; k++)
		mem_free((char *)c->refs[k].measurement);
	mem_free(c->refs);
	mem_free(c->device);
	mem_free(c);
}

/* Allocate a cursor for n series of device over [start, end]. */
static int cursor_new(storage_t *s, const char *device, const storage_series_ref_t *refs,
		      size_t n, int64_t start, int64_t end, unsigned flags,
		      storage_cursor_t **out, larch_error_t *err)
{
	storage_cursor_t *c = mem_calloc(1, sizeof(*c));
	*out = c;
	if (!c)
		return cur_oom(err);
	c->s = s;
	c->n = n;
	c->start = c->rstart = start;
	c->end = c->rend = end;
	c->summaries = (flags & STORAGE_READ_SUMMARIES) != 0;
	c->desc = (flags & STORAGE_READ_DESC) != 0;
	int out_arrays = n > 1 || c->desc;
	c->device = mem_strdup(device);
	c->refs = mem_calloc(n, sizeof(*c->refs));
	c->ser = mem_calloc(n, sizeof(*c->ser));
	c->cols = mem_calloc(n, sizeof(*c->cols));
	c->zeros = mem_calloc(CAP, 1);
	if (!c->device || !c->refs || !c->ser || !c->cols || !c->zeros)
		return cur_oom(err);
	if (c->desc && (!(c->win.v = mem_calloc(n, sizeof(*c->win.v))) ||
			!(c->win.nulls = mem_calloc(n, sizeof(*c->win.nulls))) ||
			!(c->win.bytes = arena_new(0))))
		return cur_oom(err);
	if (out_arrays) {
		c->otimes = mem_alloc(CAP * sizeof(int64_t));
		c->ovals = mem_calloc(n, sizeof(*c->ovals));
		c->onulls = mem_calloc(n, sizeof(*c->onulls));
		if (!c->otimes || !c->ovals || !c->onulls)
			return cur_oom(err);
	}
	for (size_t k = 0; k < n; k++) {
		tsfile_type_t t = refs[k].type;
		size_t es = col_elem_size(t);
		c->refs[k] = refs[k];
		c->refs[k].device = NULL;
		c->refs[k].measurement = mem_strdup(refs[k].measurement);
		c->cols[k].type = t;
		sser_t *sr = &c->ser[k];
		sr->bt = mem_alloc(CAP * sizeof(int64_t));
		sr->bv = mem_alloc(CAP * es);
		if (!c->refs[k].measurement || !sr->bt || !sr->bv)
			return cur_oom(err);
		if (type_is_binary(t) && !(sr->bytes = arena_new(0)))
			return cur_oom(err);
		if (out_arrays && (!(c->ovals[k] = mem_alloc(CAP * es)) ||
			      !(c->onulls[k] = mem_alloc(CAP))))
			return cur_oom(err);
	}
	c->blk.n_columns = n;
	c->blk.columns = c->cols;
	return LARCH_OK;
}

static int check_refs(const storage_series_ref_t *refs, size_t n, larch_error_t *err)
{
	if (!refs || n == 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_read: no series");
	for (size_t k = 0; k < n; k++)
		if (!refs[k].measurement || !*refs[k].measurement || !type_is_valid(refs[k].type))
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "storage_read: series %zu has no name or a bad type", k);
	return LARCH_OK;
}

int storage_read(storage_t *s, const storage_read_t *req, storage_cursor_t **out,
		 larch_error_t *err)
{
	return storage_read_flags(s, req, 0, out, err);
}

int storage_read_flags(storage_t *s, const storage_read_t *req, unsigned flags,
		       storage_cursor_t **out, larch_error_t *err)
{
	if (out)
		*out = NULL;
	if (!s || !req || !out || !req->database || !req->device || !*req->device)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_read: NULL argument");
	int rc = check_refs(req->series, req->n, err);
	if (rc)
		return rc;
	if ((flags & ~(STORAGE_READ_SUMMARIES | STORAGE_READ_DESC)) ||
	    ((flags & STORAGE_READ_SUMMARIES) && (req->n != 1 || (flags & STORAGE_READ_DESC))))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_read: bad flags 0x%x (summaries "
			       "need one series read in ascending order)", flags);
	storage_cursor_t *c;
	int64_t start = req->start;
	pthread_mutex_lock(&s->lock);
	sdb_t *db = hmap_get_str(&s->dbs, req->database);
	int64_t cut = db ? storage_ttl_cut(s, db) : INT64_MIN;
	pthread_mutex_unlock(&s->lock);
	start = LR_MAX(start, cut);
	if ((rc = cursor_new(s, req->device, req->series, req->n, start, req->end, flags, &c,
			     err))) {
		storage_cursor_free(c);
		return rc;
	}
	if (start <= req->end) {
		spart_t **ps;
		size_t np;
		rc = storage_parts_in(s, req->database, storage_partition_of(s, start),
				      storage_partition_of(s, req->end), &ps, &np, err);
		if (!rc)
			rc = cur_capture(c, ps, np, err);
		if (rc) {
			storage_cursor_free(c);
			return rc;
		}
	}
	*out = c;
	return LARCH_OK;
}

int cursor_open_files(storage_t *s, spart_t *p, sfile_t **files, size_t n_files,
		      const char *device, const storage_series_ref_t *refs, size_t n,
		      int64_t start, int64_t end, storage_cursor_t **out, larch_error_t *err)
{
	*out = NULL;
	storage_cursor_t *c;
	int rc = cursor_new(s, device, refs, n, start, end, 0, &c, err);
	if (!rc && !(c->caps = mem_calloc(1, sizeof(*c->caps))))
		rc = cur_oom(err);
	if (!rc) {
		spart_ref(p);
		c->caps[0].p = p;
		c->n_caps = 1;
		pthread_mutex_lock(&p->lock);
		rc = part_capture(c, &c->caps[0], p, files, n_files, err);
		pthread_mutex_unlock(&p->lock);
	}
	if (rc) {
		storage_cursor_free(c);
		return rc;
	}
	*out = c;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * The latest point of a series
 *---------------------------------------------------------------------------*/

/* Time range of a series' data in partition p (part lock held); 0 if none. */
static int part_series_bounds(const spart_t *p, const char *device,
			      const storage_series_ref_t *ref, int64_t *lo, int64_t *hi)
{
	int any = 0;
	*lo = INT64_MAX;
	*hi = INT64_MIN;
	for (size_t i = 0; i < p->n_files; i++) {
		const tsfile_series_info_t *si =
			tsfile_reader_find_series(p->files[i]->reader, device, ref->measurement);
		if (!si || si->type != ref->type || si->stats.count == 0)
			continue;
		*lo = LR_MIN(*lo, si->stats.start_time);
		*hi = LR_MAX(*hi, si->stats.end_time);
		any = 1;
	}
	for (size_t m = 0; m < p->n_sealed + 2; m++) {
		const memtable_t *mt = m < p->n_sealed ? p->sealed[m] : p->work[m - p->n_sealed];
		int64_t a, b;
		if (mt && mt_series_range(mt, device, ref->measurement, ref->type, &a, &b)) {
			*lo = LR_MIN(*lo, a);
			*hi = LR_MAX(*hi, b);
			any = 1;
		}
	}
	return any;
}

/* The last point of the series in [start, end] of partition p: *found. */
static int part_window_last(storage_t *s, spart_t *p, const char *device,
			    const storage_series_ref_t *ref, int64_t start, int64_t end,
			    arena_t *arena, int64_t *time, tsfile_value_t *value, int *found,
			    larch_error_t *err)
{
	storage_cursor_t *c;
	spart_t **ps = mem_alloc(sizeof(*ps));
	int rc = ps ? cursor_new(s, device, ref, 1, start, end, 0, &c, err) : cur_oom(err);
	if (rc) {
		mem_free(ps);
		if (ps)
			storage_cursor_free(c);
		return rc;
	}
	spart_ref(p);
	ps[0] = p;
	if ((rc = cur_capture(c, ps, 1, err))) {
		storage_cursor_free(c);
		return rc;
	}
	const storage_block_t *b, *last = NULL;
	size_t es = col_elem_size(ref->type);
	uint8_t v[sizeof(tsfile_bytes_t) > 8 ? sizeof(tsfile_bytes_t) : 8];
	while ((rc = storage_cursor_next(c, &b, err)) == LARCH_OK) {
		last = b;
		*time = b->times[b->n_rows - 1];
		memcpy(v, (const uint8_t *)b->columns[0].values + (b->n_rows - 1) * es, es);
		*found = 1;
		if (type_is_binary(ref->type)) { /* copy now: the next block frees it */
			tsfile_bytes_t *bs = (tsfile_bytes_t *)v;
			char *q = bs->len ? arena_alloc(arena, bs->len) : NULL;
			if (bs->len && !q) {
				rc = cur_oom(err);
				break;
			}
			if (q)
				memcpy(q, bs->ptr, bs->len);
			bs->ptr = q;
		}
	}
	storage_cursor_free(c);
	if (rc != LARCH_DONE)
		return rc;
	if (last) {
		memset(value, 0, sizeof *value);
		value->type = ref->type;
		switch (ref->type) {
		case TSFILE_BOOLEAN: value->v.b = v[0] != 0; break;
		case TSFILE_INT32: case TSFILE_DATE: memcpy(&value->v.i32, v, 4); break;
		case TSFILE_INT64: case TSFILE_TIMESTAMP: memcpy(&value->v.i64, v, 8); break;
		case TSFILE_FLOAT: memcpy(&value->v.f, v, 4); break;
		case TSFILE_DOUBLE: memcpy(&value->v.d, v, 8); break;
		default: memcpy(&value->v.bytes, v, sizeof(tsfile_bytes_t)); break;
		}
	}
	return LARCH_OK;
}

int cursor_series_last(storage_t *s, const char *database, const storage_series_ref_t *ref,
		       arena_t *arena, int64_t *time, tsfile_value_t *value, int *found,
		       larch_error_t *err)
{
	*found = 0;
	pthread_mutex_lock(&s->lock);
	sdb_t *db = hmap_get_str(&s->dbs, database);
	int64_t cut = db ? storage_ttl_cut(s, db) : INT64_MIN;
	pthread_mutex_unlock(&s->lock);
	spart_t **parts;
	size_t n;
	int rc = storage_parts_all(s, database, &parts, &n, err);
	if (rc)
		return rc;
	/* newest partition first; in each, windows growing back from the end */
	for (size_t i = n; !rc && !*found && i-- > 0;) {
		spart_t *p = parts[i];
		int64_t lo, hi;
		pthread_mutex_lock(&p->lock);
		int any = part_series_bounds(p, ref->device, ref, &lo, &hi);
		pthread_mutex_unlock(&p->lock);
		lo = LR_MAX(lo, cut);
		if (!any || lo > hi)
			continue;
		uint64_t w = ((uint64_t)hi - (uint64_t)lo) / 64 + 1;
		while (!rc && !*found) {
			int64_t a = (uint64_t)hi - (uint64_t)lo < w ? lo : (int64_t)((uint64_t)hi - w + 1);
			rc = part_window_last(s, p, ref->device, ref, a, hi, arena, time, value, found,
					      err);
			if (a == lo)
				break;
			hi = a - 1;
			w = w > UINT64_MAX / 4 ? UINT64_MAX : w * 4;
		}
	}
	storage_parts_release(parts, n);
	return rc;
}
