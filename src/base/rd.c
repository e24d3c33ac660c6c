/*
 * rd.c — bounds-checked readers over untrusted bytes.
 *
 * Every function returns 0 (or NULL) and marks the cursor bad instead of
 * reading past the end; once bad, a cursor stays bad and reads nothing.
 */
#include "base.h"

static inline const uint8_t *rd_take(rd_t *r, size_t n)
{
	if (LR_UNLIKELY(r->bad || r->len - r->pos < n)) {
		r->bad = 1;
		return NULL;
	}
	const uint8_t *p = r->data + r->pos;
	r->pos += n;
	return p;
}

uint8_t rd_u8(rd_t *r)
{
	const uint8_t *p = rd_take(r, 1);
	return p ? p[0] : 0;
}

uint16_t rd_be16(rd_t *r)
{
	const uint8_t *p = rd_take(r, 2);
	return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

uint32_t rd_be32(rd_t *r)
{
	const uint8_t *p = rd_take(r, 4);
	return p ? load_be32(p) : 0;
}

uint64_t rd_be64(rd_t *r)
{
	const uint8_t *p = rd_take(r, 8);
	return p ? load_be64(p) : 0;
}

uint32_t rd_le32(rd_t *r)
{
	const uint8_t *p = rd_take(r, 4);
	return p ? (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
			   ((uint32_t)p[3] << 24)
		 : 0;
}

float rd_f32(rd_t *r)
{
	uint32_t u = rd_be32(r);
	float f;
	memcpy(&f, &u, 4);
	return f;
}

double rd_f64(rd_t *r)
{
	uint64_t u = rd_be64(r);
	double d;
	memcpy(&d, &u, 8);
	return d;
}

uint64_t rd_uvarint(rd_t *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		const uint8_t *p = rd_take(r, 1);
		if (!p)
			return 0;
		v |= (uint64_t)(p[0] & 0x7f) << shift;
		if (!(p[0] & 0x80))
			return v;
	}
	r->bad = 1; /* more than 10 bytes */
	return 0;
}

uint32_t rd_uvarint32(rd_t *r)
{
	uint32_t v = 0;
	for (int shift = 0; shift < 35; shift += 7) {
		const uint8_t *p = rd_take(r, 1);
		if (!p)
			return 0;
		v |= (uint32_t)(p[0] & 0x7f) << shift;
		if (!(p[0] & 0x80))
			return v;
	}
	r->bad = 1; /* more than 5 bytes */
	return 0;
}

int32_t rd_svarint32(rd_t *r)
{
	return unzigzag32(rd_uvarint32(r));
}

int64_t rd_svarint64(rd_t *r)
{
	return unzigzag64(rd_uvarint(r));
}

const uint8_t *rd_bytes(rd_t *r, size_t n)
{
	return rd_take(r, n);
}

const char *rd_vstr(rd_t *r, size_t *n, int *is_null)
{
	int32_t len = rd_svarint32(r);
	*n = 0;
	if (is_null)
		*is_null = 0;
	if (r->bad)
		return NULL;
	if (len == -1) {
		if (is_null)
			*is_null = 1;
		return NULL;
	}
	if (len < 0) {
		r->bad = 1;
		return NULL;
	}
	const uint8_t *p = rd_take(r, (size_t)len);
	if (p)
		*n = (size_t)len;
	return (const char *)p;
}
