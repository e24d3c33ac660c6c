/*
 * types.c — data types, encodings and codecs: names, validity, and the
 * typed column (col_t) that encoders consume and decoders produce.
 */
#include <strings.h>

#include "tsfile_int.h"

static const char *const type_names[] = {
	[TSFILE_BOOLEAN] = "BOOLEAN", [TSFILE_INT32] = "INT32",     [TSFILE_INT64] = "INT64",
	[TSFILE_FLOAT] = "FLOAT",     [TSFILE_DOUBLE] = "DOUBLE",   [TSFILE_TEXT] = "TEXT",
	[TSFILE_VECTOR] = "VECTOR",   [TSFILE_TIMESTAMP] = "TIMESTAMP", [TSFILE_DATE] = "DATE",
	[TSFILE_BLOB] = "BLOB",       [TSFILE_STRING] = "STRING",
};

static const char *const encoding_names[] = {
	[TSFILE_PLAIN] = "PLAIN",     [TSFILE_DICTIONARY] = "DICTIONARY", [TSFILE_RLE] = "RLE",
	[TSFILE_TS_2DIFF] = "TS_2DIFF", [TSFILE_GORILLA] = "GORILLA",   [TSFILE_ZIGZAG] = "ZIGZAG",
	[TSFILE_CHIMP] = "CHIMP",     [TSFILE_SPRINTZ] = "SPRINTZ",     [TSFILE_RLBE] = "RLBE",
};

static const char *const codec_names[] = {
	[TSFILE_UNCOMPRESSED] = "UNCOMPRESSED", [TSFILE_SNAPPY] = "SNAPPY", [TSFILE_GZIP] = "GZIP",
	[TSFILE_LZ4] = "LZ4", [TSFILE_ZSTD] = "ZSTD", [TSFILE_LZMA2] = "LZMA2",
};

static const char *name_at(const char *const *names, size_t count, int i)
{
	return i >= 0 && (size_t)i < count && names[i] ? names[i] : "UNKNOWN";
}

static int name_find(const char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (names[i] && strcasecmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *tsfile_type_name(tsfile_type_t t)
{
	return name_at(type_names, LR_ARRAY_LEN(type_names), (int)t);
}

const char *tsfile_encoding_name(tsfile_encoding_t e)
{
	return name_at(encoding_names, LR_ARRAY_LEN(encoding_names), (int)e);
}

const char *tsfile_codec_name(tsfile_codec_t c)
{
	return name_at(codec_names, LR_ARRAY_LEN(codec_names), (int)c);
}

int tsfile_type_parse(const char *name)
{
	int t = name_find(type_names, LR_ARRAY_LEN(type_names), name);
	return t == TSFILE_VECTOR ? -1 : t;
}

int tsfile_encoding_parse(const char *name)
{
	return name_find(encoding_names, LR_ARRAY_LEN(encoding_names), name);
}

int tsfile_codec_parse(const char *name)
{
	return name_find(codec_names, LR_ARRAY_LEN(codec_names), name);
}

int type_is_valid(int t)
{
	return t >= 0 && t < (int)LR_ARRAY_LEN(type_names) && type_names[t] && t != TSFILE_VECTOR;
}

int codec_is_valid(int codec)
{
	return codec >= 0 && codec < (int)LR_ARRAY_LEN(codec_names) && codec_names[codec];
}

int tsfile_encoding_supports(tsfile_encoding_t enc, tsfile_type_t t)
{
	int numeric = type_is_int32(t) || type_is_int64(t) || t == TSFILE_FLOAT || t == TSFILE_DOUBLE;
	int integral = type_is_int32(t) || type_is_int64(t);
	switch (enc) {
	case TSFILE_PLAIN:
		return type_is_valid(t) || t == TSFILE_VECTOR;
	case TSFILE_DICTIONARY:
		return t == TSFILE_TEXT || t == TSFILE_STRING;
	case TSFILE_RLE:
		return numeric || t == TSFILE_BOOLEAN;
	case TSFILE_TS_2DIFF:
	case TSFILE_GORILLA:
	case TSFILE_CHIMP:
	case TSFILE_SPRINTZ:
	case TSFILE_RLBE:
		return numeric;
	case TSFILE_ZIGZAG:
		return integral;
	}
	return 0;
}

/*---------------------------------------------------------------------------
 * col_t
 *---------------------------------------------------------------------------*/

size_t col_elem_size(tsfile_type_t type)
{
	switch (type) {
	case TSFILE_BOOLEAN: return sizeof(uint8_t);
	case TSFILE_INT32:
	case TSFILE_DATE: return sizeof(int32_t);
	case TSFILE_INT64:
	case TSFILE_TIMESTAMP:
	case TSFILE_VECTOR: return sizeof(int64_t);
	case TSFILE_FLOAT: return sizeof(float);
	case TSFILE_DOUBLE: return sizeof(double);
	case TSFILE_TEXT:
	case TSFILE_STRING:
	case TSFILE_BLOB: return sizeof(tsfile_bytes_t);
	}
	return 1;
}

size_t tsfile_type_size(tsfile_type_t t)
{
	return col_elem_size(t);
}

void col_init(col_t *c, tsfile_type_t type)
{
	c->type = type;
	c->n = c->cap = 0;
	c->data = NULL;
	c->heap = NULL;
}

void col_free(col_t *c)
{
	mem_free(c->data);
	arena_free(c->heap);
	col_init(c, c->type);
}

void col_clear(col_t *c)
{
	c->n = 0;
	if (c->heap)
		arena_reset(c->heap);
}

int col_reserve(col_t *c, size_t extra)
{
	if (c->cap - c->n >= extra && c->data)
		return LARCH_OK; /* data is non-NULL after any successful reserve */
	size_t es = col_elem_size(c->type);
	if (extra > (SIZE_MAX / es) / 2 - c->n)
		return LARCH_NO_MEMORY;
	size_t cap = c->cap ? c->cap : 16;
	while (cap < c->n + extra)
		cap *= 2;
	void *p = mem_realloc(c->data, cap * es);
	if (!p)
		return LARCH_NO_MEMORY;
	c->data = p;
	c->cap = cap;
	return LARCH_OK;
}

int col_append(col_t *c, const void *values, size_t n)
{
	if (n == 0)
		return LARCH_OK;
	int rc = col_reserve(c, n);
	if (rc)
		return rc;
	size_t es = col_elem_size(c->type);
	memcpy((uint8_t *)c->data + c->n * es, values, n * es);
	c->n += n;
	return LARCH_OK;
}

int col_push_bytes_copy(col_t *c, const char *p, uint32_t len)
{
	if (!c->heap && !(c->heap = arena_new(0)))
		return LARCH_NO_MEMORY;
	char *copy = arena_alloc(c->heap, len);
	if (!copy || col_reserve(c, 1))
		return LARCH_NO_MEMORY;
	memcpy(copy, p, len);
	COL_BYTES(c)[c->n].ptr = copy;
	COL_BYTES(c)[c->n].len = len;
	c->n++;
	return LARCH_OK;
}
