/*
 * map.c — the two containers the schema is built from: open-addressing maps
 * of uint32 pairs (layout in schema_int.h) and paged arrays.
 *
 * Why hand-written: each child table, measurement table and tag set is one
 * small allocation without per-entry headers, which is what keeps a series
 * near 27 bytes; a generic library map with pointer entries costs several
 * times that.  Only map_reserve and pvec_reserve allocate, so the callers
 * can make every change atomic: reserve everything, then commit.
 */
#include "schema/schema_int.h"

static inline uint32_t slot_of(uint32_t key, uint32_t cap)
{
	/* Fibonacci hashing (top bits of key * 2^32/phi): keys are often small
	 * consecutive ids, which this spreads evenly. */
	return (key * 2654435769u) >> (32 - __builtin_ctz(cap));
}

static int map_fits(uint32_t cap, uint32_t n)
{
	return (uint64_t)n * 5 <= (uint64_t)cap * 4;
}

/* Insert without checking room; the slot chosen is the first free one. */
static void map_insert(uint32_t *m, uint32_t key, uint32_t val)
{
	uint32_t cap = m[0], i = slot_of(key, cap);
	while (MAP_KEY(m, i))
		i = (i + 1) & (cap - 1);
	MAP_KEY(m, i) = key;
	MAP_VAL(m, i) = val;
	m[1]++;
}

/*
 * Make room for `extra` more entries: grow to the smallest power of two
 * that keeps the load at or below 4/5 and rehash.  On failure the map is
 * unchanged.
 */
int map_reserve(uint32_t **mp, uint32_t extra)
{
	uint32_t *m = *mp;
	uint32_t n = map_count(m), cap = map_cap(m);
	if ((uint64_t)n + extra > UINT32_MAX / 2)
		return -1;
	if (cap && map_fits(cap, n + extra))
		return 0;
	uint32_t ncap = cap ? cap : 4;
	while (!map_fits(ncap, n + extra))
		ncap *= 2;
	uint32_t *nm = mem_calloc(2 + 2 * (size_t)ncap, sizeof(uint32_t));
	if (!nm)
		return -1;
	nm[0] = ncap;
	for (uint32_t i = 0; i < cap; i++)
		if (MAP_KEY(m, i))
			map_insert(nm, MAP_KEY(m, i), MAP_VAL(m, i));
	mem_free(m);
	*mp = nm;
	return 0;
}

uint32_t map_get(const uint32_t *m, uint32_t key)
{
	if (!m)
		return 0;
	uint32_t cap = m[0], i = slot_of(key, cap), k;
	while ((k = MAP_KEY(m, i)) != 0) {
		if (k == key)
			return MAP_VAL(m, i);
		i = (i + 1) & (cap - 1);
	}
	return 0;
}

uint32_t map_scan(const uint32_t *m, uint32_t key, uint32_t *pos)
{
	if (!m)
		return 0;
	uint32_t cap = m[0];
	uint32_t i = *pos == MAP_SCAN_START ? slot_of(key, cap) : *pos, k;
	while ((k = MAP_KEY(m, i)) != 0) {
		uint32_t next = (i + 1) & (cap - 1);
		if (k == key) {
			*pos = next;
			return MAP_VAL(m, i);
		}
		i = next;
	}
	*pos = i;
	return 0;
}

void map_put(uint32_t *m, uint32_t key, uint32_t val)
{
	map_insert(m, key, val);
}

/*
 * Remove one entry (key, val) — any value when val is 0 — and close the gap
 * by shifting back the entries of the probe run behind it, so lookups never
 * need tombstones.
 */
int map_del(uint32_t *m, uint32_t key, uint32_t val)
{
	if (!m)
		return 0;
	uint32_t cap = m[0], mask = cap - 1, i = slot_of(key, cap), k;
	while ((k = MAP_KEY(m, i)) != 0) {
		if (k == key && (val == 0 || MAP_VAL(m, i) == val))
			break;
		i = (i + 1) & mask;
	}
	if (!k)
		return 0;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!MAP_KEY(m, j))
			break;
		uint32_t home = slot_of(MAP_KEY(m, j), cap);
		/* Move j into the hole at i when its home is not in (i, j]. */
		int between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!between) {
			MAP_KEY(m, i) = MAP_KEY(m, j);
			MAP_VAL(m, i) = MAP_VAL(m, j);
			i = j;
		}
	}
	MAP_KEY(m, i) = 0;
	MAP_VAL(m, i) = 0;
	m[1]--;
	return 1;
}

void map_free(uint32_t **m)
{
	mem_free(*m);
	*m = NULL;
}

void pvec_init(pvec_t *v, unsigned shift, size_t esize)
{
	v->pages = NULL;
	v->npages = 0;
	v->shift = (uint16_t)shift;
	v->esize = (uint16_t)esize;
}

int pvec_reserve(pvec_t *v, uint32_t i)
{
	uint32_t p = i >> v->shift;
	if (p >= v->npages) {
		uint32_t n = v->npages ? v->npages : 4;
		while (n <= p)
			n *= 2;
		uint8_t **np = mem_realloc(v->pages, (size_t)n * sizeof(*np));
		if (!np)
			return -1;
		memset(np + v->npages, 0, (size_t)(n - v->npages) * sizeof(*np));
		v->pages = np;
		v->npages = n;
	}
	if (!v->pages[p]) {
		v->pages[p] = mem_calloc((size_t)1 << v->shift, v->esize);
		if (!v->pages[p])
			return -1;
	}
	return 0;
}

void pvec_free(pvec_t *v)
{
	for (uint32_t p = 0; p < v->npages; p++)
		mem_free(v->pages[p]);
	mem_free(v->pages);
	v->pages = NULL;
	v->npages = 0;
}
