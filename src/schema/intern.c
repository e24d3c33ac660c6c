/*
 * intern.c — the name table: every node name, measurement, alias, template
 * name and tag key/value is stored once and referred to by a uint32 id.
 *
 * Storage: strings are packed into 64 KiB chunks as
 *
 *   offset  size  field
 *   0       2     length n (host order, n <= 65535)
 *   2       n     bytes
 *   2+n     1     NUL (so intern_str can hand out C strings)
 *
 * A string whose record exceeds LONG_REC gets a chunk of its own.
 * loc[id] = chunk index << 16 | offset.  A hash map (hash -> id, duplicate
 * hashes allowed) finds ids by content.  Names are never removed while the
 * schema is open; a snapshot reload drops the ones nothing refers to.
 */
#include "schema/schema_int.h"

#define CHUNK_SIZE 65536u
#define LONG_REC 4096u
#define MAX_CHUNKS 65536u

void intern_init(intern_t *t)
{
	memset(t, 0, sizeof(*t));
	t->cur = UINT32_MAX;
	t->n = 1; /* id 0 means "none" */
}

void intern_free(intern_t *t)
{
	for (uint32_t i = 0; i < t->nchunks; i++)
		mem_free(t->chunks[i]);
	mem_free(t->chunks);
	mem_free(t->loc);
	map_free(&t->map);
	intern_init(t);
}

const char *intern_str(const intern_t *t, uint32_t id, uint32_t *len)
{
	uint32_t l = t->loc[id];
	const uint8_t *rec = t->chunks[l >> 16] + (l & 0xffff);
	uint16_t n;
	memcpy(&n, rec, 2);
	if (len)
		*len = n;
	return (const char *)rec + 2;
}

static int same(const intern_t *t, uint32_t id, const char *s, size_t len)
{
	uint32_t n;
	const char *p = intern_str(t, id, &n);
	return n == len && memcmp(p, s, len) == 0;
}

uint32_t intern_find(const intern_t *t, const char *s, size_t len)
{
	uint32_t h = hash_bytes(s, len), pos = MAP_SCAN_START, id;
	while ((id = map_scan(t->map, h, &pos)) != 0)
		if (same(t, id, s, len))
			return id;
	return 0;
}

/* Append a chunk pointer (NULL on failure, nothing changed). */
static uint8_t *chunk_new(intern_t *t, size_t size)
{
	if (t->nchunks >= MAX_CHUNKS)
		return NULL;
	if (t->nchunks == t->capchunks) {
		uint32_t nc = t->capchunks ? t->capchunks * 2 : 16;
		uint8_t **c = mem_realloc(t->chunks, (size_t)nc * sizeof(*c));
		if (!c)
			return NULL;
		t->chunks = c;
		t->capchunks = nc;
	}
	uint8_t *p = mem_alloc(size);
	if (p)
		t->chunks[t->nchunks] = p;
	return p;
}

int intern_add(intern_t *t, const char *s, size_t len, uint32_t *idp)
{
	uint32_t id = intern_find(t, s, len);
	if (id) {
		*idp = id;
		return LARCH_OK;
	}
	if (len > SCHEMA_MAX_NAME)
		return LARCH_NO_MEMORY;
	if (t->n >= t->cap) {
		uint32_t nc = t->cap ? t->cap * 2 : 256;
		uint32_t *l = mem_realloc(t->loc, (size_t)nc * sizeof(*l));
		if (!l)
			return LARCH_NO_MEMORY;
		t->loc = l;
		t->cap = nc;
	}
	if (map_reserve(&t->map, 1))
		return LARCH_NO_MEMORY;
	size_t rec = len + 3;
	uint32_t chunk, off;
	if (rec > LONG_REC) {
		if (!chunk_new(t, rec))
			return LARCH_NO_MEMORY;
		chunk = t->nchunks++;
		off = 0;
	} else {
		if (t->cur == UINT32_MAX || t->used + rec > CHUNK_SIZE) {
			if (!chunk_new(t, CHUNK_SIZE))
				return LARCH_NO_MEMORY;
			t->cur = t->nchunks++;
			t->used = 0;
		}
		chunk = t->cur;
		off = t->used;
		t->used += (uint32_t)rec;
	}
	uint8_t *p = t->chunks[chunk] + off;
	uint16_t n16 = (uint16_t)len;
	memcpy(p, &n16, 2);
	memcpy(p + 2, s, len);
	p[2 + len] = 0;
	id = t->n++;
	t->loc[id] = chunk << 16 | off;
	map_put(t->map, hash_bytes(s, len), id);
	*idp = id;
	return LARCH_OK;
}
