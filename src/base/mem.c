/*
 * mem.c — the allocator front door.
 *
 * Counts live bytes with malloc_usable_size (glibc), so no header is added to
 * blocks and memory from libraries that we hand back with mem_free is still
 * counted right as long as it came from mem_alloc.  Failure injection is for
 * tests: mem_fail_after(n) lets n more allocations succeed, then fails one.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

static atomic_size_t mem_live;
static atomic_long mem_fail_countdown = -1;

static int mem_should_fail(void)
{
	long n = atomic_load_explicit(&mem_fail_countdown, memory_order_relaxed);
	if (LR_LIKELY(n < 0))
		return 0;
	/* countdown reaches -1 after failing once: injection is one-shot */
	return atomic_fetch_sub(&mem_fail_countdown, 1) == 0;
}

void mem_fail_after(long n)
{
	atomic_store(&mem_fail_countdown, n < 0 ? -1 : n);
}

size_t mem_used(void)
{
	return atomic_load_explicit(&mem_live, memory_order_relaxed);
}

static void *mem_track(void *p)
{
	if (p)
		atomic_fetch_add_explicit(&mem_live, malloc_usable_size(p), memory_order_relaxed);
	return p;
}

void *mem_alloc(size_t size)
{
	if (mem_should_fail())
		return NULL;
	return mem_track(malloc(size ? size : 1));
}

void *mem_calloc(size_t n, size_t size)
{
	if (mem_should_fail())
		return NULL;
	return mem_track(calloc(n ? n : 1, size ? size : 1));
}

void *mem_realloc(void *p, size_t size)
{
	if (size == 0) {
		mem_free(p);
		return NULL;
	}
	if (mem_should_fail())
		return NULL;
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q = realloc(p, size);
	if (!q)
		return NULL;
	atomic_fetch_sub_explicit(&mem_live, old, memory_order_relaxed);
	return mem_track(q);
}

void mem_free(void *p)
{
	if (!p)
		return;
	atomic_fetch_sub_explicit(&mem_live, malloc_usable_size(p), memory_order_relaxed);
	free(p);
}

char *mem_strndup(const char *s, size_t n)
{
	char *d = mem_alloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *mem_strdup(const char *s)
{
	return mem_strndup(s, strlen(s));
}
