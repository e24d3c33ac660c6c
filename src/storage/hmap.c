/*
 * hmap.c — the storage layer's hash map: open addressing with linear
 * probing and backward-shift deletion, keyed either by NUL-terminated
 * strings (not copied: a key must live as long as its entry) or by 64-bit
 * integers.  One map uses one kind of key.  Values are non-NULL pointers;
 * an empty slot has val == NULL.  Not thread-safe: callers lock.
 */
#include "storage/storage_int.h"

#define HMAP_MIN_CAP 16u

uint64_t hmap_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Spread an integer key over the slots (splitmix64's finaliser). */
static uint64_t hmap_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static int slot_match(const hmap_slot_t *e, uint64_t h, const char *key)
{
	if (e->h != h)
		return 0;
	return key ? e->key && strcmp(e->key, key) == 0 : e->key == NULL;
}

/* Index of the entry (h, key), or of the empty slot where it would go. */
static uint32_t hmap_find(const hmap_t *m, uint64_t h, const char *key)
{
	uint32_t mask = m->cap - 1, i = (uint32_t)hmap_mix(h) & mask;
	while (m->slots[i].val && !slot_match(&m->slots[i], h, key))
		i = (i + 1) & mask;
	return i;
}

static void *hmap_get(const hmap_t *m, uint64_t h, const char *key)
{
	if (!m->cap)
		return NULL;
	return m->slots[hmap_find(m, h, key)].val;
}

void *hmap_get_str(const hmap_t *m, const char *key)
{
	return hmap_get(m, hmap_hash_str(key), key);
}

void *hmap_get_u64(const hmap_t *m, uint64_t key)
{
	return hmap_get(m, key, NULL);
}

static int hmap_grow(hmap_t *m)
{
	uint32_t cap = m->cap ? m->cap * 2 : HMAP_MIN_CAP;
	if (cap < m->cap)
		return LARCH_NO_MEMORY;
	hmap_slot_t *slots = mem_calloc(cap, sizeof(*slots));
	if (!slots)
		return LARCH_NO_MEMORY;
	hmap_t nm = {slots, cap, 0};
	for (uint32_t i = 0; i < m->cap; i++)
		if (m->slots[i].val)
			nm.slots[hmap_find(&nm, m->slots[i].h, m->slots[i].key)] = m->slots[i];
	nm.n = m->n;
	mem_free(m->slots);
	*m = nm;
	return LARCH_OK;
}

/* Insert or replace.  The map is kept at most 3/4 full. */
static int hmap_put(hmap_t *m, uint64_t h, const char *key, void *val)
{
	if ((uint64_t)(m->n + 1) * 4 > (uint64_t)m->cap * 3 && hmap_grow(m))
		return LARCH_NO_MEMORY;
	hmap_slot_t *e = &m->slots[hmap_find(m, h, key)];
	if (!e->val)
		m->n++;
	e->h = h;
	e->key = key;
	e->val = val;
	return LARCH_OK;
}

int hmap_put_str(hmap_t *m, const char *key, void *val)
{
	return hmap_put(m, hmap_hash_str(key), key, val);
}

int hmap_put_u64(hmap_t *m, uint64_t key, void *val)
{
	return hmap_put(m, key, NULL, val);
}

/* Remove (h, key) if present, shifting later entries of its probe run back
 * so that lookups never cross a hole. */
static void *hmap_del(hmap_t *m, uint64_t h, const char *key)
{
	if (!m->cap)
		return NULL;
	uint32_t mask = m->cap - 1, i = hmap_find(m, h, key);
	void *val = m->slots[i].val;
	if (!val)
		return NULL;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!m->slots[j].val)
			break;
		uint32_t home = (uint32_t)hmap_mix(m->slots[j].h) & mask;
		/* move j back to i unless its home lies cyclically in (i, j] */
		int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	memset(&m->slots[i], 0, sizeof m->slots[i]);
	m->n--;
	return val;
}

void *hmap_del_str(hmap_t *m, const char *key)
{
	return hmap_del(m, hmap_hash_str(key), key);
}

void *hmap_del_u64(hmap_t *m, uint64_t key)
{
	return hmap_del(m, key, NULL);
}

void hmap_free(hmap_t *m)
{
	mem_free(m->slots);
	memset(m, 0, sizeof *m);
}
