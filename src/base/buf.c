/*
 * buf.c — growable output buffers with big-endian and varint writers.
 */
#include "base.h"

void buf_init(buf_t *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void buf_free(buf_t *b)
{
	mem_free(b->data);
	buf_init(b);
}

void buf_reset(buf_t *b)
{
	b->len = 0;
	b->oom = 0;
}

int buf_reserve(buf_t *b, size_t extra)
{
	if (LR_UNLIKELY(b->oom))
		return -1;
	if (LR_LIKELY(b->cap - b->len >= extra && b->data))
		return 0; /* data is non-NULL after any successful reserve */
	if (extra > SIZE_MAX / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	size_t need = b->len + extra;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	uint8_t *p = mem_realloc(b->data, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

uint8_t *buf_extend(buf_t *b, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return NULL;
	uint8_t *p = b->data + b->len;
	b->len += n;
	return p;
}

void buf_put(buf_t *b, const void *p, size_t n)
{
	if (n == 0 || buf_reserve(b, n) < 0)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void buf_put_u8(buf_t *b, uint8_t v)
{
	if (buf_reserve(b, 1) == 0)
		b->data[b->len++] = v;
}

void buf_put_be16(buf_t *b, uint16_t v)
{
	uint8_t t[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	buf_put(b, t, 2);
}

void buf_put_be32(buf_t *b, uint32_t v)
{
	if (buf_reserve(b, 4) == 0) {
		store_be32(b->data + b->len, v);
		b->len += 4;
	}
}

void buf_put_be64(buf_t *b, uint64_t v)
{
	if (buf_reserve(b, 8) == 0) {
		store_be64(b->data + b->len, v);
		b->len += 8;
	}
}

void buf_put_le32(buf_t *b, uint32_t v)
{
	uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	buf_put(b, t, 4);
}

void buf_put_f32(buf_t *b, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	buf_put_be32(b, u);
}

void buf_put_f64(buf_t *b, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	buf_put_be64(b, u);
}

void buf_put_uvarint(buf_t *b, uint64_t v)
{
	if (buf_reserve(b, 10) < 0)
		return;
	uint8_t *p = b->data + b->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len = (size_t)(p - b->data);
}

void buf_put_svarint32(buf_t *b, int32_t v)
{
	buf_put_uvarint(b, zigzag32(v));
}

void buf_put_svarint64(buf_t *b, int64_t v)
{
	buf_put_uvarint(b, zigzag64(v));
}

void buf_put_vstr(buf_t *b, const char *s, size_t n)
{
	if (!s) {
		buf_put_svarint32(b, -1);
		return;
	}
	buf_put_svarint32(b, (int32_t)n);
	buf_put(b, s, n);
}
