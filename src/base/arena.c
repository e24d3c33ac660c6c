/*
 * arena.c — bump allocation for memory that is freed all at once.
 *
 * Blocks are chained; an allocation larger than the block size gets a block
 * of its own.  arena_reset frees every block but the first.
 */
#include "base.h"

typedef struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(16) uint8_t data[];
} arena_block_t;

struct arena {
	arena_block_t *head; /* current block; older blocks follow via next */
	size_t block_size;
	size_t handed_out;
};

static arena_block_t *arena_block_new(size_t size)
{
	arena_block_t *b = mem_alloc(sizeof(*b) + size);
	if (b) {
		b->next = NULL;
		b->size = size;
		b->used = 0;
	}
	return b;
}

arena_t *arena_new(size_t block_size)
{
	arena_t *a = mem_alloc(sizeof(*a));
	if (!a)
		return NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
	a->handed_out = 0;
	a->head = arena_block_new(a->block_size);
	if (!a->head) {
		mem_free(a);
		return NULL;
	}
	return a;
}

void arena_free(arena_t *a)
{
	if (!a)
		return;
	arena_block_t *b = a->head;
	while (b) {
		arena_block_t *next = b->next;
		mem_free(b);
		b = next;
	}
	mem_free(a);
}

void arena_reset(arena_t *a)
{
	arena_block_t *b = a->head;
	while (b->next) { /* keep only the oldest (first) block */
		arena_block_t *next = b->next;
		mem_free(b);
		b = next;
	}
	b->used = 0;
	a->head = b;
	a->handed_out = 0;
}

void *arena_alloc(arena_t *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	arena_block_t *b = a->head;
	if (b->size - b->used < size) {
		size_t bs = size > a->block_size ? size : a->block_size;
		arena_block_t *nb = arena_block_new(bs);
		if (!nb)
			return NULL;
		nb->next = b;
		a->head = nb;
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += size;
	a->handed_out += size;
	return p;
}

void *arena_calloc(arena_t *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

size_t arena_used(const arena_t *a)
{
	return a->handed_out;
}
