/*
 * agg_mode.c — MODE's per-state table of distinct values and their counts.
 *
 * A state's `mode` points to a heap table (created on the first value,
 * freed by agg_free): entries in insertion order plus an open-addressing
 * index of entry numbers (linear probing, load <= 1/2).  Numbers are keyed
 * by their bits (a float widened to double; every NaN is one key; 0.0 and
 * -0.0 differ, as Java's boxed equality); byte strings by content (owned
 * copies).  At most AGG_MODE_MAX_DISTINCT entries: one more is an error.
 */
#include "query/agg_int.h"

typedef struct mode_ent {
	uint64_t key;            /* number bits, or the hash of the bytes */
	char *p;                 /* owned bytes (byte-string class), else NULL */
	uint32_t len;
	int64_t count;
	int64_t first_time;      /* earliest time the value was seen */
} mode_ent_t;

struct agg_mode_tab {
	mode_ent_t *ents;
	size_t n, cap;
	uint32_t *slots;         /* 0 empty, else entry index + 1 */
	size_t n_slots;          /* power of two */
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The key of a value of class cl. */
static uint64_t value_key(int cl, const agg_lv_t *v)
{
	if (cl == AGG_CL_INT)
		return (uint64_t)v->n.i;
	if (cl == AGG_CL_FLT) {
		double d = v->n.d;
		uint64_t bits;
		if (d != d)
			return 0x7ff8000000000000ull;
		memcpy(&bits, &d, sizeof bits);
		return bits;
	}
	uint64_t h = 0xcbf29ce484222325ull;           /* FNV-1a */
	for (uint32_t i = 0; i < v->len; i++)
		h = (h ^ (uint8_t)v->p[i]) * 0x100000001b3ull;
	return h;
}

static int ent_matches(int cl, const mode_ent_t *e, uint64_t key, const agg_lv_t *v)
{
	if (e->key != key)
		return 0;
	return cl != AGG_CL_BYTES || (e->len == v->len && (v->len == 0 ||
							   memcmp(e->p, v->p, v->len) == 0));
}

/* Rebuild the index with n_slots slots. */
static int reindex(agg_mode_tab_t *t, size_t n_slots)
{
	uint32_t *slots = mem_calloc(n_slots, sizeof *slots);
	if (slots == NULL)
		return LARCH_NO_MEMORY;
	for (size_t i = 0; i < t->n; i++) {
		size_t s = mix64(t->ents[i].key) & (n_slots - 1);
		while (slots[s] != 0)
			s = (s + 1) & (n_slots - 1);
		slots[s] = (uint32_t)(i + 1);
	}
	mem_free(t->slots);
	t->slots = slots;
	t->n_slots = n_slots;
	return LARCH_OK;
}

/* Room for one more entry (entries and index). */
static int reserve(agg_mode_tab_t *t)
{
	if (t->n >= AGG_MODE_MAX_DISTINCT)
		return LARCH_EXECUTE_ERROR;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		mode_ent_t *e = mem_realloc(t->ents, cap * sizeof *e);
		if (e == NULL)
			return LARCH_NO_MEMORY;
		t->ents = e;
		t->cap = cap;
	}
	if ((t->n + 1) * 2 > t->n_slots)
		return reindex(t, t->n_slots ? t->n_slots * 2 : 16);
	return LARCH_OK;
}

int agg_mode_add(agg_state_t *st, int cl, const agg_lv_t *v, int64_t count, int64_t t)
{
	agg_mode_tab_t *tab = st->mode;
	if (tab == NULL) {
		tab = mem_calloc(1, sizeof *tab);
		if (tab == NULL)
			return LARCH_NO_MEMORY;
		st->mode = tab;
	}
	uint64_t key = value_key(cl, v);
	size_t s = tab->n_slots ? mix64(key) & (tab->n_slots - 1) : 0;
	for (; tab->n_slots && tab->slots[s] != 0; s = (s + 1) & (tab->n_slots - 1)) {
		mode_ent_t *e = &tab->ents[tab->slots[s] - 1];
		if (ent_matches(cl, e, key, v)) {
			e->count += count;
			e->first_time = LR_MIN(e->first_time, t);
			return LARCH_OK;
		}
	}
	int rc = reserve(tab);
	if (rc != LARCH_OK)
		return rc;
	mode_ent_t *e = &tab->ents[tab->n];
	memset(e, 0, sizeof *e);
	if (cl == AGG_CL_BYTES) {
		e->p = mem_alloc(v->len ? v->len : 1);
		if (e->p == NULL)
			return LARCH_NO_MEMORY;
		if (v->len)
			memcpy(e->p, v->p, v->len);
		e->len = v->len;
	}
	e->key = key;
	e->count = count;
	e->first_time = t;
	tab->n++;
	/* index the new entry (reserve kept the load <= 1/2) */
	s = mix64(key) & (tab->n_slots - 1);
	while (tab->slots[s] != 0)
		s = (s + 1) & (tab->n_slots - 1);
	tab->slots[s] = (uint32_t)tab->n;
	return LARCH_OK;
}

/* The value of an entry as a loaded value (a number's key is its bits,
 * which the union reads back as int64 or double). */
static void ent_value(const mode_ent_t *e, agg_lv_t *out)
{
	out->p = e->p;
	out->len = e->len;
	out->n.i = (int64_t)e->key;
}

int agg_mode_merge(agg_state_t *dst, int cl, const agg_state_t *src)
{
	const agg_mode_tab_t *t = src->mode;
	for (size_t i = 0; t != NULL && i < t->n; i++) {
		agg_lv_t v;
		ent_value(&t->ents[i], &v);
		int rc = agg_mode_add(dst, cl, &v, t->ents[i].count, t->ents[i].first_time);
		if (rc != LARCH_OK)
			return rc;
	}
	return LARCH_OK;
}

int agg_mode_best(const agg_state_t *st, agg_lv_t *out)
{
	const agg_mode_tab_t *t = st->mode;
	if (t == NULL || t->n == 0)
		return 0;
	const mode_ent_t *best = &t->ents[0];
	for (size_t i = 1; i < t->n; i++) {
		const mode_ent_t *e = &t->ents[i];
		if (e->count > best->count ||
		    (e->count == best->count && e->first_time < best->first_time))
			best = e;
	}
	ent_value(best, out);
	return 1;
}

void agg_mode_free(agg_state_t *st)
{
	agg_mode_tab_t *t = st->mode;
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		mem_free(t->ents[i].p);
	mem_free(t->ents);
	mem_free(t->slots);
	mem_free(t);
	st->mode = NULL;
}
