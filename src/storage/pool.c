/*
 * pool.c — recycled memtable chunks.
 *
 * Full memtable chunks (MT_CHUNK_ROWS elements of 1, 4, 8 or 16 bytes) are
 * the bulk of memtable memory.  When a memtable dies its full chunks come
 * back here instead of to the allocator, and new memtables take them
 * again: memory already faulted in is reused instead of being returned to
 * the kernel and faulted in anew (which costs more than the copying that
 * fills it).  The pool holds at most `max_bytes`; beyond that chunks are
 * freed.
 *
 * During WAL replay a helper thread keeps the pool stocked with chunks it
 * allocated and touched itself (pool_prefault_start / _stop), so that the
 * page faults of a cold process happen on the other core while the
 * replaying thread copies.  The classes it stocks follow the demand seen
 * by pool_get.
 *
 * Memory in the pool is counted by mem_used (it came from mem_alloc) and
 * reported by storage_stats; it is not memtable memory until taken.
 */
#include "storage/storage_int.h"

#define POOL_CLASSES 5 /* element sizes 1, 2 (unused), 4, 8, 16: class = log2 */

struct chunk_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;       /* prefault thread: room to fill / stop */
	void **free[POOL_CLASSES];
	size_t n[POOL_CLASSES], cap[POOL_CLASSES];
	uint64_t demand[POOL_CLASSES]; /* pool_get calls per class */
	size_t held, max_bytes;
	pthread_t th;
	int running, stop;
};

static int pool_class(size_t es)
{
	switch (es) {
	case 1: return 0;
	case 4: return 2;
	case 8: return 3;
	case 16: return 4;
	default: return -1;
	}
}

static size_t class_bytes(int c)
{
	return MT_CHUNK_ROWS << c;
}

chunk_pool_t *pool_new(size_t max_bytes)
{
	chunk_pool_t *p = mem_calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->max_bytes = max_bytes;
	return p;
}

void pool_free(chunk_pool_t *p)
{
	if (!p)
		return;
	pool_prefault_stop(p);
	for (int c = 0; c < POOL_CLASSES; c++) {
		for (size_t i = 0; i < p->n[c]; i++)
			mem_free(p->free[c][i]);
		mem_free(p->free[c]);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	mem_free(p);
}

void *pool_get(chunk_pool_t *p, size_t es)
{
	int c = pool_class(es);
	void *q = NULL;
	if (c >= 0) {
		pthread_mutex_lock(&p->lock);
		p->demand[c]++;
		if (p->n[c]) {
			q = p->free[c][--p->n[c]];
			p->held -= class_bytes(c);
			if (p->running)
				pthread_cond_signal(&p->cond);
		}
		pthread_mutex_unlock(&p->lock);
	}
	return q ? q : mem_alloc(MT_CHUNK_ROWS * es);
}

/* Keep chunk q of class c if there is room (lock held): 1 if kept. */
static int pool_keep(chunk_pool_t *p, int c, void *q)
{
	if (p->held + class_bytes(c) > p->max_bytes)
		return 0;
	if (p->n[c] == p->cap[c]) {
		size_t cap = p->cap[c] ? p->cap[c] * 2 : 64;
		void **f = mem_realloc(p->free[c], cap * sizeof(*f));
		if (!f)
			return 0;
		p->free[c] = f;
		p->cap[c] = cap;
	}
	p->free[c][p->n[c]++] = q;
	p->held += class_bytes(c);
	return 1;
}

void pool_put(chunk_pool_t *p, void *q, size_t es)
{
	int c = pool_class(es), kept = 0;
	if (!q)
		return;
	if (c >= 0) {
		pthread_mutex_lock(&p->lock);
		kept = pool_keep(p, c, q);
		pthread_mutex_unlock(&p->lock);
	}
	if (!kept)
		mem_free(q);
}

size_t pool_bytes(chunk_pool_t *p)
{
	pthread_mutex_lock(&p->lock);
	size_t b = p->held;
	pthread_mutex_unlock(&p->lock);
	return b;
}

/* The class the prefault thread should stock next (lock held): the one
 * whose share of the pool is furthest below its share of the demand; -1
 * when the pool is full. */
static int prefault_pick(const chunk_pool_t *p)
{
	uint64_t total = 0;
	for (int c = 0; c < POOL_CLASSES; c++)
		total += p->demand[c] * class_bytes(c);
	if (!total || p->held + class_bytes(POOL_CLASSES - 1) > p->max_bytes)
		return -1;
	int best = -1;
	double gap = 0;
	for (int c = 0; c < POOL_CLASSES; c++) {
		double want = (double)(p->demand[c] * class_bytes(c)) / (double)total *
			      (double)p->max_bytes;
		double g = want - (double)(p->n[c] * class_bytes(c));
		if (g > gap) {
			gap = g;
			best = c;
		}
	}
	return best;
}

static void *prefault_main(void *arg)
{
	chunk_pool_t *p = arg;
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		int c = prefault_pick(p);
		if (c < 0) {
			cond_wait_ms(&p->cond, &p->lock, 5);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		void *q = mem_alloc(class_bytes(c));
		if (q)
			memset(q, 0, class_bytes(c)); /* fault it in here */
		pthread_mutex_lock(&p->lock);
		if (!q)
			break;
		if (!pool_keep(p, c, q)) {
			pthread_mutex_unlock(&p->lock);
			mem_free(q);
			pthread_mutex_lock(&p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void pool_prefault_start(chunk_pool_t *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = 0;
	if (!p->running && pthread_create(&p->th, NULL, prefault_main, p) == 0)
		p->running = 1;
	pthread_mutex_unlock(&p->lock);
}

void pool_prefault_stop(chunk_pool_t *p)
{
	pthread_mutex_lock(&p->lock);
	int running = p->running;
	p->stop = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (running)
		pthread_join(p->th, NULL);
	p->running = 0;
}
