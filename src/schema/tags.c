/*
 * tags.c — tags, attributes and properties of series, and the tag index.
 *
 * Most series have none, so they live beside the series records: a map
 * sid -> slot, and per slot one extras block (layout in schema_int.h).
 * Free slots are chained through the slot array itself (odd values).
 *
 * The tag index answers TAGS(k) = v and TAGS(k) CONTAINS v: one entry per
 * (key, value) pair ever used, each with the set of series carrying it.
 * Entries and their sets never shrink while the schema is open, so putting
 * a series back into a set it was just removed from needs no memory (undo
 * relies on that).
 */
#include "schema/schema_int.h"

static uintptr_t *slot_at(const schema_t *s, uint32_t slot)
{
	return pvec_at(&s->exts, slot);
}

uint32_t *ext_get(const schema_t *s, uint32_t sid)
{
	uint32_t slot = map_get(s->extmap, sid);
	return slot ? (uint32_t *)*slot_at(s, slot) : NULL;
}

static uint32_t tag_hash(uint32_t key, uint32_t val)
{
	uint32_t kv[2] = {key, val};
	return hash_bytes(kv, sizeof(kv));
}

static tagent_t *tag_find(const schema_t *s, uint32_t key, uint32_t val)
{
	uint32_t pos = MAP_SCAN_START, e;
	while ((e = map_scan(s->tagmap, tag_hash(key, val), &pos)) != 0) {
		tagent_t *t = pvec_at(&s->tags, e - 1);
		if (t->key == key && t->val == val)
			return t;
	}
	return NULL;
}

/* The entry of (key, val), created empty if missing; NULL out of memory. */
static tagent_t *tag_entry(schema_t *s, uint32_t key, uint32_t val)
{
	tagent_t *t = tag_find(s, key, val);
	if (t)
		return t;
	if (pvec_reserve(&s->tags, s->ntags) || map_reserve(&s->tagmap, 1))
		return NULL;
	t = pvec_at(&s->tags, s->ntags);
	t->key = key;
	t->val = val;
	t->sids = NULL;
	map_put(s->tagmap, tag_hash(key, val), ++s->ntags);
	return t;
}

int ext_reserve(schema_t *s, const uint32_t *x)
{
	if (map_reserve(&s->extmap, 1) || (!s->ext_free && pvec_reserve(&s->exts, s->ext_hw)))
		return -1;
	for (uint32_t i = 0; i < EX_NT(x); i++) {
		tagent_t *t = tag_entry(s, EX_TAGS(x)[2 * i], EX_TAGS(x)[2 * i + 1]);
		if (!t || map_reserve(&t->sids, 1))
			return -1;
	}
	return 0;
}

void ext_attach(schema_t *s, uint32_t sid, uint32_t *x)
{
	uint32_t slot;
	if (s->ext_free) {
		slot = s->ext_free;
		s->ext_free = (uint32_t)(*slot_at(s, slot) >> 1);
	} else {
		slot = s->ext_hw++;
	}
	*slot_at(s, slot) = (uintptr_t)x;
	map_put(s->extmap, sid, slot);
	for (uint32_t i = 0; i < EX_NT(x); i++)
		map_put(tag_find(s, EX_TAGS(x)[2 * i], EX_TAGS(x)[2 * i + 1])->sids, sid, 1);
}

uint32_t *ext_detach(schema_t *s, uint32_t sid)
{
	uint32_t slot = map_get(s->extmap, sid);
	uint32_t *x = (uint32_t *)*slot_at(s, slot);
	map_del(s->extmap, sid, 0);
	*slot_at(s, slot) = (uintptr_t)s->ext_free << 1 | 1;
	s->ext_free = slot;
	for (uint32_t i = 0; i < EX_NT(x); i++)
		map_del(tag_find(s, EX_TAGS(x)[2 * i], EX_TAGS(x)[2 * i + 1])->sids, sid, 0);
	return x;
}

void ext_free_all(schema_t *s)
{
	for (uint32_t i = 0; i < map_cap(s->extmap); i++)
		if (MAP_KEY(s->extmap, i))
			mem_free((void *)*slot_at(s, MAP_VAL(s->extmap, i)));
	for (uint32_t e = 0; e < s->ntags; e++)
		map_free(&((tagent_t *)pvec_at(&s->tags, e))->sids);
	map_free(&s->extmap);
	map_free(&s->tagmap);
	pvec_free(&s->exts);
	pvec_free(&s->tags);
}

static void emit_set(const uint32_t *set, void (*cb)(void *, uint32_t), void *arg)
{
	for (uint32_t i = 0; i < map_cap(set); i++)
		if (MAP_KEY(set, i))
			cb(arg, MAP_KEY(set, i));
}

static int contains(const char *s, size_t len, const char *sub, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(s + i, sub, n) == 0)
			return 1;
	return 0;
}

void tag_scan(const schema_t *s, uint32_t key, const char *value, int sub,
	      void (*cb)(void *arg, uint32_t sid), void *arg)
{
	size_t vlen = strlen(value);
	if (!sub) {
		uint32_t val = intern_find(&s->names, value, vlen);
		const tagent_t *t = val ? tag_find(s, key, val) : NULL;
		if (t)
			emit_set(t->sids, cb, arg);
		return;
	}
	for (uint32_t e = 0; e < s->ntags; e++) {
		const tagent_t *t = pvec_at(&s->tags, e);
		uint32_t len;
		const char *v = t->key == key ? name_of(s, t->val, &len) : NULL;
		if (v && contains(v, len, value, vlen))
			emit_set(t->sids, cb, arg);
	}
}
