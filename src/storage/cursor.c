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
 */
#include <stdlib.h>

#include "storage/storage_int.h"
#include "tsfile/meta.h"
#include "tsfile/reader.h"

#define CAP STORAGE_BLOCK_ROWS

typedef enum ukind { U_MEM, U_CHUNK, U_ALIGNED } ukind_t;

typedef struct unit {
	ukind_t kind;
	uint64_t ver, sub;       /* priority: larger wins */
	int64_t head;            /* time of the next point (opened) */
	int64_t cstart;          /* first time by statistics */
	int exhausted;
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
	int64_t start, end;
	pcap_t *caps;                /* partitions in time order */
	size_t n_caps, ci;           /* caps[ci - 1] is being read when in_part */
	sser_t *ser;
	int in_part;
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

/* Decode the next page of a file unit with points in range: LARCH_OK (run
 * set), LARCH_DONE (unit exhausted) or an error. */
static int unit_next_page(unit_t *u, int64_t start, int64_t end, size_t es,
			  larch_error_t *err)
{
	for (;;) {
		int rc;
		col_clear(&u->times);
		col_clear(&u->vals);
		if (u->kind == U_CHUNK) {
			rc = chunk_reader_next_page(u->cr, err);
			if (rc == LARCH_DONE)
				return rc;
			if (rc)
				return file_err(err, u);
			if (page_outside(chunk_reader_page(u->cr), start, end))
				continue;
			if ((rc = chunk_reader_read_page(u->cr, 0, &u->times, &u->vals, err)))
				return file_err(err, u);
		} else {
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
			if (page_outside(chunk_reader_page(u->tcr), start, end) ||
			    vp->uncompressed_size == 0 || page_outside(vp, start, end))
				continue;
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
		size_t n = page_filter(u, start, end, es);
		if (n == 0)
			continue;
		u->t = COL_I64(&u->times);
		u->v = u->vals.data;
		u->n = n;
		u->pos = 0;
		u->head = u->t[0];
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
	return unit_next_page(u, start, end, es, err);
}

/* Step past the current point (loading the next page when the run ends). */
static int unit_advance(unit_t *u, size_t k, int64_t start, int64_t end, size_t es,
			larch_error_t *err)
{
	u->pos += k;
	if (u->pos < u->n) {
		u->head = u->t[u->pos];
		return LARCH_OK;
	}
	int rc = u->kind == U_MEM ? unit_next_run(u) : unit_next_page(u, start, end, es, err);
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
 * time (or the first waiting one when the heap is empty). */
static int ser_open_waiting(storage_cursor_t *c, sser_t *s, larch_error_t *err)
{
	while (s->wi < s->n_wait) {
		unit_t *u = &s->units[s->wait[s->wi]];
		if (s->n_heap && u->cstart > s->units[s->heap[0]].head)
			break;
		s->wi++;
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

/* Refill the buffer of an emptied series with up to CAP merged points. */
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
			rc = unit_advance(a, k, c->start, c->end, s->es, err);
		} else {
			/* a tie at `limit`: a has the highest priority */
			int64_t t = a->head;
			if (ser_take(s, a, 1))
				return cur_oom(err);
			rc = unit_advance(a, 1, c->start, c->end, s->es, err);
			while (!rc && s->n_heap && s->units[s->heap[0]].head == t) {
				uint32_t bi = heap_pop(s);
				unit_t *b = &s->units[bi];
				if (!(rc = unit_advance(b, 1, c->start, c->end, s->es, err)) &&
				    !b->exhausted)
					heap_push(s, bi);
			}
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

/* Leave the partition being read: drop its units and its capture. */
static void part_release(storage_cursor_t *c)
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
	if (c->in_part)
		cap_release(c, &c->caps[c->ci - 1]);
	c->in_part = 0;
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
	}
	return LARCH_OK;
}

/* Enter the next captured partition; LARCH_DONE when none is left. */
static int cur_enter(storage_cursor_t *c, larch_error_t *err)
{
	if (c->ci == c->n_caps)
		return LARCH_DONE;
	c->ci++;
	c->in_part = 1;
	return part_plan(c, &c->caps[c->ci - 1], err);
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

int storage_cursor_next(storage_cursor_t *c, const storage_block_t **blk, larch_error_t *err)
{
	if (!c || !blk)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_cursor_next: NULL argument");
	*blk = NULL;
	if (c->failed) {
		if (err)
			*err = c->fail;
		return c->fail.code;
	}
	int rc = LARCH_OK;
	for (;;) {
		if (!c->in_part) {
			if ((rc = cur_enter(c, &c->fail)) == LARCH_DONE)
				return LARCH_DONE;
			if (rc)
				break;
		}
		for (size_t k = 0; !rc && k < c->n; k++) {
			sser_t *s = &c->ser[k];
			if (s->bpos == s->bn && !s->done)
				rc = ser_fill(c, s, &c->fail);
		}
		if (rc)
			break;
		if (part_drained(c)) {
			part_release(c);
			continue;
		}
		if (c->n == 1)
			block_single(c);
		else
			block_union(c);
		if (c->blk.n_rows == 0)
			continue;
		*blk = &c->blk;
		return LARCH_OK;
	}
	c->failed = 1;
	if (!c->fail.code)
		c->fail.code = rc;
	if (err)
		*err = c->fail;
	return rc;
}

/*---------------------------------------------------------------------------
 * Opening and freeing
 *---------------------------------------------------------------------------*/

void storage_cursor_free(storage_cursor_t *c)
{
	if (!c)
		return;
	part_release(c);
	for (size_t i = c->ci; i < c->n_caps; i++)
		cap_release(c, &c->caps[i]);
	mem_free(c->caps);
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
		      size_t n, int64_t start, int64_t end, storage_cursor_t **out,
		      larch_error_t *err)
{
	storage_cursor_t *c = mem_calloc(1, sizeof(*c));
	*out = c;
	if (!c)
		return cur_oom(err);
	c->s = s;
	c->n = n;
	c->start = start;
	c->end = end;
	c->device = mem_strdup(device);
	c->refs = mem_calloc(n, sizeof(*c->refs));
	c->ser = mem_calloc(n, sizeof(*c->ser));
	c->cols = mem_calloc(n, sizeof(*c->cols));
	c->zeros = mem_calloc(CAP, 1);
	if (!c->device || !c->refs || !c->ser || !c->cols || !c->zeros)
		return cur_oom(err);
	if (n > 1) {
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
		if (n > 1 && (!(c->ovals[k] = mem_alloc(CAP * es)) ||
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
	if (out)
		*out = NULL;
	if (!s || !req || !out || !req->database || !req->device || !*req->device)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "storage_read: NULL argument");
	int rc = check_refs(req->series, req->n, err);
	if (rc)
		return rc;
	storage_cursor_t *c;
	int64_t start = req->start;
	pthread_mutex_lock(&s->lock);
	sdb_t *db = hmap_get_str(&s->dbs, req->database);
	int64_t cut = db ? storage_ttl_cut(s, db) : INT64_MIN;
	pthread_mutex_unlock(&s->lock);
	start = LR_MAX(start, cut);
	if ((rc = cursor_new(s, req->device, req->series, req->n, start, req->end, &c, err))) {
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
	int rc = cursor_new(s, device, refs, n, start, end, &c, err);
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
	int rc = ps ? cursor_new(s, device, ref, 1, start, end, &c, err) : cur_oom(err);
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
