/*
 * lastcache.c — the last-value cache: the latest point of each series, by
 * series id.
 *
 * Only series whose last point was asked for have an entry (a write-only
 * workload costs no memory here).  An entry is in one of four states:
 *   PENDING  a lookup missed and is computing the answer; no point yet
 *   PARTIAL  only writes made since the entry appeared are known: the entry
 *            holds the latest of them, older data may hold a later point;
 *            not an answer by itself
 *   KNOWN    the latest point of the series
 *   NONE     the series has no point
 * A write offers its latest point per series (lastcache_offer, called with
 * the partition lock held, so offers of one series come in write order): it
 * turns a PENDING entry PARTIAL, or replaces the point when its time is not
 * older (equal times: the later write wins); a series without an entry is
 * left alone.  A lookup that misses creates a PENDING entry (lastcache_get)
 * before it captures memtables and files, computes the answer and stores it
 * with lastcache_store, which combines it with whatever writes offered
 * meanwhile — so no write between the capture and the store is lost.
 * Deletions and drops forget entries and bump the epoch; a computation that
 * started before the bump is not stored (it may have seen the deleted
 * points), nor one whose PENDING entry is gone.
 */
#include "storage/storage_int.h"

enum { LC_PENDING = 1, LC_PARTIAL, LC_KNOWN, LC_NONE };

typedef struct lc_entry {
	int state;
	tsfile_type_t type;
	int64_t time;
	tsfile_value_t value;  /* bytes point into own */
	char *own;
	uint32_t cap;
} lc_entry_t;

struct lastcache {
	pthread_mutex_t lock;
	hmap_t map;            /* series id -> lc_entry_t */
	uint64_t epoch;
	uint64_t bytes;
};

lastcache_t *lastcache_new(void)
{
	lastcache_t *c = mem_calloc(1, sizeof(*c));
	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void entry_free(lastcache_t *c, lc_entry_t *e)
{
	c->bytes -= sizeof(*e) + e->cap;
	mem_free(e->own);
	mem_free(e);
}

static void lc_clear_locked(lastcache_t *c)
{
	for (uint32_t i = 0; i < c->map.cap; i++)
		if (c->map.slots[i].val)
			entry_free(c, c->map.slots[i].val);
	hmap_free(&c->map);
	c->epoch++;
}

void lastcache_free(lastcache_t *c)
{
	if (!c)
		return;
	lc_clear_locked(c);
	pthread_mutex_destroy(&c->lock);
	mem_free(c);
}

/* Set e's point (copying byte strings); 0, or -1 on out of memory. */
static int entry_set(lastcache_t *c, lc_entry_t *e, int64_t time, tsfile_type_t type,
		     const tsfile_value_t *v)
{
	if (type_is_binary(type) && v->v.bytes.len > e->cap) {
		char *p = mem_realloc(e->own, v->v.bytes.len);
		if (!p)
			return -1;
		c->bytes += v->v.bytes.len - e->cap;
		e->own = p;
		e->cap = v->v.bytes.len;
	}
	e->type = type;
	e->time = time;
	e->value = *v;
	e->value.type = type;
	e->value.is_null = 0;
	if (type_is_binary(type)) {
		if (v->v.bytes.len)
			memcpy(e->own, v->v.bytes.ptr, v->v.bytes.len);
		e->value.v.bytes.ptr = e->own;
	}
	return 0;
}

static lc_entry_t *entry_new(lastcache_t *c, uint32_t id)
{
	lc_entry_t *e = mem_calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (hmap_put_u64(&c->map, id, e)) {
		mem_free(e);
		return NULL;
	}
	c->bytes += sizeof(*e);
	return e;
}

/* A typed array element as a tsfile_value_t. */
static tsfile_value_t value_of(tsfile_type_t type, const void *p)
{
	tsfile_value_t v;
	memset(&v, 0, sizeof v);
	v.type = type;
	switch (type) {
	case TSFILE_BOOLEAN: v.v.b = *(const uint8_t *)p != 0; break;
	case TSFILE_INT32: case TSFILE_DATE: memcpy(&v.v.i32, p, 4); break;
	case TSFILE_INT64: case TSFILE_TIMESTAMP: memcpy(&v.v.i64, p, 8); break;
	case TSFILE_FLOAT: memcpy(&v.v.f, p, 4); break;
	case TSFILE_DOUBLE: memcpy(&v.v.d, p, 8); break;
	default: memcpy(&v.v.bytes, p, sizeof(tsfile_bytes_t)); break;
	}
	return v;
}

void lastcache_lock(lastcache_t *c)
{
	pthread_mutex_lock(&c->lock);
}

void lastcache_unlock(lastcache_t *c)
{
	pthread_mutex_unlock(&c->lock);
}

void lastcache_offer(lastcache_t *c, uint32_t id, int64_t time, tsfile_type_t type,
		     const void *value)
{
	lc_entry_t *e = c->map.n ? hmap_get_u64(&c->map, id) : NULL;
	if (!e)
		return;
	if ((e->state == LC_PARTIAL || e->state == LC_KNOWN) && e->type == type && time < e->time)
		return;
	if (e->state == LC_PENDING)
		e->state = LC_PARTIAL;
	else if (e->state == LC_NONE)
		e->state = LC_KNOWN;
	else if (e->type != type)
		e->state = LC_PARTIAL; /* a series of another type: start over */
	tsfile_value_t v = value_of(type, value);
	if (entry_set(c, e, time, type, &v))
		entry_free(c, hmap_del_u64(&c->map, id)); /* out of memory: forget */
}

void lastcache_forget(lastcache_t *c, uint32_t id)
{
	pthread_mutex_lock(&c->lock);
	lc_entry_t *e = hmap_del_u64(&c->map, id);
	if (e)
		entry_free(c, e);
	c->epoch++;
	pthread_mutex_unlock(&c->lock);
}

void lastcache_clear(lastcache_t *c)
{
	pthread_mutex_lock(&c->lock);
	lc_clear_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/* Copy e's answer out (byte strings into arena); -1 on out of memory. */
static int entry_out(const lc_entry_t *e, arena_t *arena, int64_t *time, tsfile_value_t *value,
		     int *found)
{
	*found = e->state == LC_KNOWN;
	if (!*found)
		return 0;
	*time = e->time;
	*value = e->value;
	if (type_is_binary(e->type) && e->value.v.bytes.len) {
		char *p = arena_alloc(arena, e->value.v.bytes.len);
		if (!p)
			return -1;
		memcpy(p, e->value.v.bytes.ptr, e->value.v.bytes.len);
		value->v.bytes.ptr = p;
	}
	return 0;
}

int lastcache_get(lastcache_t *c, uint32_t id, tsfile_type_t type, arena_t *arena,
		  int64_t *time, tsfile_value_t *value, int *found)
{
	pthread_mutex_lock(&c->lock);
	lc_entry_t *e = hmap_get_u64(&c->map, id);
	int hit = e && (e->state == LC_NONE || (e->state == LC_KNOWN && e->type == type));
	if (hit && entry_out(e, arena, time, value, found))
		hit = -1;
	if (!e && (e = entry_new(c, id))) /* out of memory: answered, not remembered */
		e->state = LC_PENDING;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

uint64_t lastcache_epoch(lastcache_t *c)
{
	pthread_mutex_lock(&c->lock);
	uint64_t e = c->epoch;
	pthread_mutex_unlock(&c->lock);
	return e;
}

int lastcache_store(lastcache_t *c, uint64_t epoch, uint32_t id, int found, int64_t time,
		    const tsfile_value_t *value, int64_t *out_time, tsfile_value_t *out_value,
		    int *out_found, arena_t *arena)
{
	pthread_mutex_lock(&c->lock);
	/* after a deletion intervened, or without the PENDING entry that
	 * collected the writes made meanwhile, the result is answered, not
	 * remembered */
	lc_entry_t *e = epoch == c->epoch ? hmap_get_u64(&c->map, id) : NULL;
	if (e) {
		/* what writes offered since (PARTIAL) or another lookup stored
		 * (KNOWN) is at least as new as the computed point for equal
		 * times */
		int keep = (e->state == LC_PARTIAL || e->state == LC_KNOWN) &&
			   e->type == value->type && (!found || e->time >= time);
		if (!keep && found && entry_set(c, e, time, value->type, value)) {
			entry_free(c, hmap_del_u64(&c->map, id));
			e = NULL;
		} else {
			e->state = keep || found ? LC_KNOWN : LC_NONE;
		}
	}
	lc_entry_t tmp = {0};
	if (!e) {
		tmp.state = found ? LC_KNOWN : LC_NONE;
		tmp.time = time;
		tmp.type = value->type;
		if (found)
			tmp.value = *value;
		e = &tmp;
	}
	int rc = entry_out(e, arena, out_time, out_value, out_found);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

uint64_t lastcache_bytes(lastcache_t *c)
{
	pthread_mutex_lock(&c->lock);
	uint64_t b = c->bytes;
	pthread_mutex_unlock(&c->lock);
	return b;
}
