/*
 * meta.c — serialization of the TsFile structures declared in meta.h:
 * device IDs, chunk-group / chunk / page headers, TimeseriesMetadata and
 * ChunkMetadata, MetadataIndexNode and TsFileMetadata (v4 and v3).
 *
 * Writers append to a buf_t and never fail on their own (buf_ok tells).
 * Readers take untrusted bytes: every count is checked against the bytes
 * left before anything is allocated, every string is copied into the
 * caller's arena, and a malformed structure yields LARCH_CORRUPTED with the
 * structure's name and file offset.  Formats are tabled beside each pair.
 */
#include "meta.h"

/* Report a malformed structure `what` found at file offset `off`. */
static int meta_corrupt(larch_error_t *err, const char *what, uint64_t off)
{
	return err_set(err, LARCH_CORRUPTED, "corrupted %s at offset %llu", what,
		       (unsigned long long)off);
}

static int meta_oom(larch_error_t *err, const char *what)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory reading %s", what);
}

/* Read a vstr into the arena.  Returns LARCH_OK, LARCH_CORRUPTED (cursor
 * marked bad: the caller reports) or LARCH_NO_MEMORY. */
static int meta_read_vstr(rd_t *r, arena_t *a, meta_str_t *out)
{
	size_t n;
	int is_null;
	const char *p = rd_vstr(r, &n, &is_null);
	out->ptr = NULL;
	out->len = 0;
	if (!rd_ok(r))
		return LARCH_CORRUPTED;
	if (is_null)
		return LARCH_OK;
	char *s = arena_strndup(a, p ? p : "", n);
	if (!s)
		return LARCH_NO_MEMORY;
	out->ptr = s;
	out->len = (uint32_t)n;
	return LARCH_OK;
}

/* istr: i32 length then bytes; a negative length is null (Java writes -1),
 * as the official readers treat it. */
static int meta_read_istr(rd_t *r, arena_t *a, meta_str_t *out)
{
	int32_t len = (int32_t)rd_be32(r);
	out->ptr = NULL;
	out->len = 0;
	if (!rd_ok(r))
		return LARCH_CORRUPTED;
	if (len < 0)
		return LARCH_OK;
	const uint8_t *p = rd_bytes(r, (size_t)len);
	if (!p)
		return LARCH_CORRUPTED;
	char *s = arena_strndup(a, (const char *)p, (size_t)len);
	if (!s)
		return LARCH_NO_MEMORY;
	out->ptr = s;
	out->len = (uint32_t)len;
	return LARCH_OK;
}

static void meta_put_istr(buf_t *out, const meta_str_t *s)
{
	if (!s->ptr) {
		buf_put_be32(out, UINT32_MAX);
		return;
	}
	buf_put_be32(out, s->len);
	buf_put(out, s->ptr, s->len);
}

static void meta_put_str(buf_t *out, const meta_str_t *s)
{
	buf_put_vstr(out, s->ptr, s->len);
}

/* Turn a status of a meta_read_* helper into the caller's error. */
static int meta_fail(int rc, larch_error_t *err, const char *what, uint64_t off)
{
	if (rc == LARCH_NO_MEMORY)
		return meta_oom(err, what);
	return meta_corrupt(err, what, off);
}

/*---------------------------------------------------------------------------
 * Strings in Java order
 *---------------------------------------------------------------------------*/

/* Decode one UTF-8 sequence at p (n bytes available); 0 if malformed. */
static size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t c = p[0];
	size_t len;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2;
		v = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3;
		v = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	*cp = v;
	return len;
}

/* A key whose numeric order is the UTF-16 code-unit order of code points:
 * supplementary characters (surrogate pairs D800..DFFF) sort between
 * U+D7FF and U+E000. */
static uint32_t utf16_order_key(uint32_t cp)
{
	if (cp < 0xD800)
		return cp;
	if (cp >= 0x10000)
		return 0xD800 + (cp - 0x10000);
	return cp + 0x100000;
}

int meta_str_cmp(const meta_str_t *a, const meta_str_t *b)
{
	if (!a->ptr || !b->ptr)
		return (a->ptr != NULL) - (b->ptr != NULL);
	size_t n = LR_MIN(a->len, b->len);
	const uint8_t *x = (const uint8_t *)a->ptr, *y = (const uint8_t *)b->ptr;
	size_t i = 0;
	while (i < n && x[i] == y[i])
		i++;
	if (i == n)
		return (a->len > b->len) - (a->len < b->len);
	if (x[i] < 0x80 || y[i] < 0x80)
		return x[i] < y[i] ? -1 : 1; /* ASCII vs anything: byte order agrees */
	/* back up to the start of the differing character */
	size_t s = i;
	while (s > 0 && (x[s] & 0xC0) == 0x80)
		s--;
	uint32_t cx, cy;
	if (!utf8_decode(x + s, a->len - s, &cx) || !utf8_decode(y + s, b->len - s, &cy))
		return x[i] < y[i] ? -1 : 1;
	uint32_t kx = utf16_order_key(cx), ky = utf16_order_key(cy);
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x[i] < y[i] ? -1 : 1;
}

/*---------------------------------------------------------------------------
 * DeviceID
 *
 *   v4:  uvarint segmentCount
 *        segmentCount x vstr segment      (length -1 = null segment)
 *   v3:  vstr dottedPath
 *---------------------------------------------------------------------------*/

int meta_device_cmp(const device_id_t *a, const device_id_t *b)
{
	uint32_t n = LR_MIN(a->n, b->n);
	for (uint32_t i = 0; i < n; i++) {
		int c = meta_str_cmp(&a->segs[i], &b->segs[i]);
		if (c)
			return c;
	}
	return (a->n > b->n) - (a->n < b->n);
}

static size_t meta_device_join_len(const device_id_t *d)
{
	size_t len = d->n ? d->n - 1 : 0;
	for (uint32_t i = 0; i < d->n; i++)
		len += d->segs[i].ptr ? d->segs[i].len : 4;
	return len;
}

void meta_device_join(const device_id_t *d, buf_t *out)
{
	for (uint32_t i = 0; i < d->n; i++) {
		if (i)
			buf_put_u8(out, '.');
		if (d->segs[i].ptr)
			buf_put(out, d->segs[i].ptr, d->segs[i].len);
		else
			buf_put(out, "null", 4);
	}
}

char *meta_device_path(const device_id_t *d, arena_t *a)
{
	size_t len = meta_device_join_len(d);
	char *s = arena_alloc(a, len + 1);
	if (!s)
		return NULL;
	char *p = s;
	for (uint32_t i = 0; i < d->n; i++) {
		if (i)
			*p++ = '.';
		const char *seg = d->segs[i].ptr ? d->segs[i].ptr : "null";
		size_t n = d->segs[i].ptr ? d->segs[i].len : 4;
		memcpy(p, seg, n);
		p += n;
	}
	*p = '\0';
	return s;
}

int meta_device_copy(const device_id_t *d, arena_t *a, device_id_t *out)
{
	meta_str_t *segs = arena_alloc(a, sizeof(*segs) * (d->n ? d->n : 1));
	if (!segs)
		return LARCH_NO_MEMORY;
	for (uint32_t i = 0; i < d->n; i++) {
		segs[i].len = d->segs[i].len;
		segs[i].ptr = NULL;
		if (d->segs[i].ptr &&
		    !(segs[i].ptr = arena_strndup(a, d->segs[i].ptr, d->segs[i].len)))
			return LARCH_NO_MEMORY;
	}
	out->n = d->n;
	out->segs = segs;
	return LARCH_OK;
}

void meta_device_write(buf_t *out, const device_id_t *d, int version)
{
	if (version == 3) {
		buf_put_svarint32(out, (int32_t)meta_device_join_len(d));
		meta_device_join(d, out);
		return;
	}
	buf_put_uvarint(out, d->n);
	for (uint32_t i = 0; i < d->n; i++)
		meta_put_str(out, &d->segs[i]);
}

int meta_device_read(rd_t *r, int version, arena_t *a, device_id_t *out, larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	uint32_t n = 1;
	if (version != 3) {
		n = rd_uvarint32(r);
		/* every segment takes at least one byte */
		if (!rd_ok(r) || n > rd_left(r))
			return meta_corrupt(err, "device id", off);
	}
	meta_str_t *segs = arena_alloc(a, sizeof(*segs) * (n ? n : 1));
	if (!segs)
		return meta_oom(err, "device id");
	if (n == 0) { /* Java reads a count of 0 as [""] */
		segs[0].ptr = "";
		segs[0].len = 0;
		n = 1;
	} else {
		for (uint32_t i = 0; i < n; i++) {
			int rc = meta_read_vstr(r, a, &segs[i]);
			if (rc)
				return meta_fail(rc, err, "device id", off);
		}
	}
	if (version == 3 && !segs[0].ptr)
		return meta_corrupt(err, "device id (null v3 path)", off);
	out->n = n;
	out->segs = segs;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Tree paths -> DeviceID (reference §9; Java PathVisitor + StringArrayDeviceID)
 *---------------------------------------------------------------------------*/

/* 1 if s[0..n) matches Java's IDENTIFIER_PATTERN [a-zA-Z0-9_\u2E80-\u9FFF]+ */
static int path_is_identifier(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);
		if (!k)
			return 0;
		int ok = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
			 (cp >= '0' && cp <= '9') || cp == '_' || (cp >= 0x2E80 && cp <= 0x9FFF);
		if (!ok)
			return 0;
		i += k;
	}
	return 1;
}

static size_t path_digits(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* Java's PathVisitor.isRealNumber restricted to identifier characters
 * (signs and dots cannot occur there): digits, an optional exponent
 * [eE]digits and an optional type suffix [fFdD] ([lL] only without an
 * exponent). */
static int path_is_number(const char *s, size_t n)
{
	size_t i = path_digits(s, n, 0);
	if (i == 0)
		return 0;
	if (i == n)
		return 1;
	int exp = 0;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = path_digits(s, n, i + 1);
		if (j == i + 1)
			return 0;
		i = j;
		exp = 1;
		if (i == n)
			return 1;
	}
	if (i + 1 != n)
		return 0;
	char c = s[i];
	return c == 'f' || c == 'F' || c == 'd' || c == 'D' || (!exp && (c == 'l' || c == 'L'));
}

typedef struct path_node {
	const char *p;
	size_t len;
} path_node_t;

/* Split path into nodes (IoTDB syntax).  A back-quoted node keeps its
 * quotes unless its content is an identifier that is not a number. */
static int path_split(const char *path, size_t len, path_node_t *nodes, size_t *count,
		      larch_error_t *err)
{
	size_t n = 0, i = 0;
	if (len == 0)
		return err_set(err, LARCH_ILLEGAL_PATH, "empty device path");
	for (;;) {
		size_t start = i;
		if (path[i] == '`') {
			i++;
			for (;;) {
				if (i >= len)
					return err_set(err, LARCH_ILLEGAL_PATH,
						       "unterminated back-quote in path '%.*s'",
						       (int)len, path);
				if (path[i] == '`') {
					if (i + 1 < len && path[i + 1] == '`') {
						i += 2;
						continue;
					}
					break;
				}
				i++;
			}
			i++; /* closing quote */
			const char *inner = path + start + 1;
			size_t inner_len = i - start - 2;
			if (inner_len == 0)
				return err_set(err, LARCH_ILLEGAL_PATH,
					       "empty back-quoted node in path '%.*s'", (int)len, path);
			if (path_is_identifier(inner, inner_len) && !path_is_number(inner, inner_len)) {
				nodes[n].p = inner;
				nodes[n].len = inner_len;
			} else {
				nodes[n].p = path + start;
				nodes[n].len = i - start;
			}
			if (i < len && path[i] != '.')
				return err_set(err, LARCH_ILLEGAL_PATH,
					       "text after a back-quoted node in path '%.*s'", (int)len,
					       path);
		} else {
			while (i < len && path[i] != '.') {
				if (path[i] == '`')
					return err_set(err, LARCH_ILLEGAL_PATH,
						       "misplaced back-quote in path '%.*s'", (int)len,
						       path);
				i++;
			}
			if (i == start)
				return err_set(err, LARCH_ILLEGAL_PATH, "empty node in path '%.*s'",
					       (int)len, path);
			nodes[n].p = path + start;
			nodes[n].len = i - start;
		}
		n++;
		if (i >= len)
			break;
		i++; /* the dot */
		if (i >= len)
			return err_set(err, LARCH_ILLEGAL_PATH, "path '%.*s' ends with a dot",
				       (int)len, path);
	}
	*count = n;
	return LARCH_OK;
}

/* Join nodes[from..to) with '.' into an arena string segment. */
static int path_join_nodes(const path_node_t *nodes, size_t from, size_t to, arena_t *a,
			   meta_str_t *out)
{
	size_t len = to - from - 1;
	for (size_t i = from; i < to; i++)
		len += nodes[i].len;
	char *s = arena_alloc(a, len + 1);
	if (!s)
		return LARCH_NO_MEMORY;
	char *p = s;
	for (size_t i = from; i < to; i++) {
		if (i > from)
			*p++ = '.';
		memcpy(p, nodes[i].p, nodes[i].len);
		p += nodes[i].len;
	}
	*p = '\0';
	out->ptr = s;
	out->len = (uint32_t)len;
	return LARCH_OK;
}

int meta_device_from_path(const char *path, size_t len, int version, arena_t *a,
			  device_id_t *out, larch_error_t *err)
{
	enum { TABLE_LEVELS = 3 }; /* Java DEFAULT_SEGMENT_NUM_FOR_TABLE_NAME */
	path_node_t *nodes = mem_alloc(sizeof(*nodes) * (len / 2 + 1));
	size_t n = 0;
	int rc;
	if (!nodes)
		return err_set(err, LARCH_NO_MEMORY, "out of memory splitting a path");
	if ((rc = path_split(path, len, nodes, &n, err)))
		goto done;
	size_t head = n; /* nodes joined into segment 0 */
	if (version != 3 && n > 1)
		head = n <= TABLE_LEVELS ? n - 1 : TABLE_LEVELS;
	uint32_t nseg = (uint32_t)(1 + (n - head));
	meta_str_t *segs = arena_alloc(a, sizeof(*segs) * nseg);
	rc = segs ? path_join_nodes(nodes, 0, head, a, &segs[0]) : LARCH_NO_MEMORY;
	for (uint32_t i = 1; rc == LARCH_OK && i < nseg; i++)
		rc = path_join_nodes(nodes, head + i - 1, head + i, a, &segs[i]);
	if (rc) {
		err_set(err, rc, "out of memory splitting a path");
		goto done;
	}
	out->n = nseg;
	out->segs = segs;
done:
	mem_free(nodes);
	return rc;
}

/*---------------------------------------------------------------------------
 * ChunkGroupHeader
 *
 *   u8        0x00
 *   DeviceID  (v4 segments / v3 vstr path)
 *---------------------------------------------------------------------------*/

void meta_chunk_group_header_write(buf_t *out, const device_id_t *d, int version)
{
	buf_put_u8(out, META_MARKER_CHUNK_GROUP);
	meta_device_write(out, d, version);
}

int meta_chunk_group_header_read(rd_t *r, int version, arena_t *a, device_id_t *out,
				 larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	if (rd_u8(r) != META_MARKER_CHUNK_GROUP || !rd_ok(r))
		return meta_corrupt(err, "chunk group header marker", off);
	return meta_device_read(r, version, a, out, err);
}

/*---------------------------------------------------------------------------
 * ChunkHeader
 *
 *   u8       marker         0x01 / 0x05 (| 0x80 aligned time, | 0x40 aligned value)
 *   vstr     measurementId  "" for the aligned time chunk
 *   uvarint  dataSize       bytes of the page headers and bodies that follow
 *   u8       dataType       VECTOR (6) for the aligned time chunk
 *   u8       compression
 *   u8       encoding
 *---------------------------------------------------------------------------*/

void meta_chunk_header_write(buf_t *out, const chunk_header_t *h)
{
	buf_put_u8(out, h->marker);
	meta_put_str(out, &h->measurement);
	buf_put_uvarint(out, h->data_size);
	buf_put_u8(out, (uint8_t)h->type);
	buf_put_u8(out, (uint8_t)h->codec);
	buf_put_u8(out, (uint8_t)h->encoding);
}

int meta_chunk_header_read(rd_t *r, uint64_t avail, arena_t *a, chunk_header_t *out,
			   larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	uint8_t m = rd_u8(r);
	unsigned kind = META_CHUNK_KIND(m);
	if (!rd_ok(r) || (kind != META_MARKER_CHUNK && kind != META_MARKER_ONE_PAGE_CHUNK) ||
	    (m & META_MASK_ALIGNED) == META_MASK_ALIGNED)
		return meta_corrupt(err, "chunk header marker", off);
	out->marker = m;
	int rc = meta_read_vstr(r, a, &out->measurement);
	if (rc)
		return meta_fail(rc, err, "chunk header", off);
	if (!out->measurement.ptr)
		return meta_corrupt(err, "chunk header (null measurement)", off);
	out->data_size = rd_uvarint32(r);
	uint8_t type = rd_u8(r);
	out->codec = (tsfile_codec_t)rd_u8(r);
	out->encoding = (tsfile_encoding_t)rd_u8(r);
	if (!rd_ok(r) || !(type_is_valid(type) || type == TSFILE_VECTOR) ||
	    out->data_size > avail)
		return meta_corrupt(err, "chunk header", off);
	out->type = (tsfile_type_t)type;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Statistics in arena form
 *---------------------------------------------------------------------------*/

static int meta_value_to_arena(tsfile_value_t *v, arena_t *a)
{
	if (!type_is_binary(v->type) || !v->v.bytes.ptr)
		return LARCH_OK;
	char *s = arena_strndup(a, v->v.bytes.ptr, v->v.bytes.len);
	if (!s)
		return LARCH_NO_MEMORY;
	v->v.bytes.ptr = s;
	return LARCH_OK;
}

int meta_stats_read(rd_t *r, tsfile_type_t type, arena_t *a, stats_t *out, larch_error_t *err)
{
	stats_t tmp;
	stats_init(&tmp, type);
	int rc = stats_read(r, type, &tmp, err);
	if (rc == LARCH_OK && type_is_binary(type)) {
		tsfile_value_t *vals[4] = {&tmp.s.min, &tmp.s.max, &tmp.s.first, &tmp.s.last};
		for (size_t i = 0; rc == LARCH_OK && i < 4; i++)
			rc = meta_value_to_arena(vals[i], a);
		if (rc)
			rc = meta_oom(err, "statistics");
	}
	*out = tmp;
	memset(out->own, 0, sizeof(out->own));
	stats_free(&tmp);
	return rc;
}

/*---------------------------------------------------------------------------
 * PageHeader
 *
 *   uvarint     uncompressedSize   0: empty page (aligned value chunk); ends here
 *   uvarint     compressedSize
 *   Statistics  only in multi-page chunks (marker kind 0x01)
 *   (followed by compressedSize bytes of page body)
 *---------------------------------------------------------------------------*/

void meta_page_header_write(buf_t *out, uint32_t uncompressed, uint32_t compressed,
			    const stats_t *st)
{
	buf_put_uvarint(out, uncompressed);
	if (uncompressed == 0)
		return;
	buf_put_uvarint(out, compressed);
	if (st)
		stats_write(st, out);
}

int meta_page_header_read(rd_t *r, tsfile_type_t type, int with_stats, arena_t *a,
			  page_header_t *out, larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	memset(out, 0, sizeof(*out));
	out->uncompressed_size = rd_uvarint32(r);
	if (!rd_ok(r))
		return meta_corrupt(err, "page header", off);
	if (out->uncompressed_size == 0)
		return LARCH_OK;
	out->compressed_size = rd_uvarint32(r);
	if (!rd_ok(r))
		return meta_corrupt(err, "page header", off);
	if (with_stats) {
		int rc = meta_stats_read(r, type, a, &out->stats, err);
		if (rc) {
			err_prefix(err, "page header at offset %llu", (unsigned long long)off);
			return rc;
		}
		out->has_stats = 1;
	}
	if (out->compressed_size > rd_left(r))
		return meta_corrupt(err, "page header (body past the chunk)", off);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * TimeseriesMetadata
 *
 *   u8          type          (chunk count > 1 ? 0x01 : 0x00) | mask (0x80 / 0x40)
 *   vstr        measurementId "" for the aligned time column
 *   u8          dataType
 *   uvarint     chunkMetadataListSize  bytes of the list below
 *   Statistics  of the series (merge of its chunks)
 *   ChunkMetadata[]:
 *     i64         offsetOfChunkHeader
 *     Statistics  only if the series has more than one chunk
 *---------------------------------------------------------------------------*/

/* Smallest serialized statistics: uvarint count + two i64. */
#define META_MIN_STATS_LEN 17

void meta_ts_meta_write(buf_t *out, const ts_meta_t *m)
{
	int multi = m->n_chunks > 1;
	buf_put_u8(out, (uint8_t)(multi | m->mask));
	meta_put_str(out, &m->measurement);
	buf_put_u8(out, (uint8_t)m->type);
	/* the list size precedes the series statistics: build the list first */
	buf_t list = BUF_INIT;
	for (uint32_t i = 0; i < m->n_chunks; i++) {
		buf_put_be64(&list, m->chunks[i].offset);
		if (multi)
			stats_write(&m->chunks[i].stats, &list);
	}
	if (!buf_ok(&list)) {
		out->oom = 1;
		buf_free(&list);
		return;
	}
	buf_put_uvarint(out, list.len);
	stats_write(&m->stats, out);
	buf_put(out, list.data, list.len);
	buf_free(&list);
}

int meta_ts_meta_read(rd_t *r, arena_t *a, ts_meta_t *out, larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	uint8_t t = rd_u8(r);
	uint8_t mask = t & META_MASK_ALIGNED;
	int multi = t & 0x3F;
	if (!rd_ok(r) || multi > 1 || mask == META_MASK_ALIGNED)
		return meta_corrupt(err, "timeseries metadata type", off);
	memset(out, 0, sizeof(*out));
	out->mask = mask;
	int rc = meta_read_vstr(r, a, &out->measurement);
	if (rc)
		return meta_fail(rc, err, "timeseries metadata", off);
	uint8_t type = rd_u8(r);
	uint32_t list_len = rd_uvarint32(r);
	if (!rd_ok(r) || !out->measurement.ptr || !(type_is_valid(type) || type == TSFILE_VECTOR))
		return meta_corrupt(err, "timeseries metadata", off);
	out->type = (tsfile_type_t)type;
	if ((rc = meta_stats_read(r, out->type, a, &out->stats, err))) {
		err_prefix(err, "timeseries metadata at offset %llu", (unsigned long long)off);
		return rc;
	}
	uint64_t list_off = rd_offset(r);
	const uint8_t *list = rd_bytes(r, list_len);
	if (!list)
		return meta_corrupt(err, "chunk metadata list (past the end)", list_off);
	rd_t lr;
	rd_init(&lr, list, list_len, list_off);
	size_t max = multi ? list_len / (8 + META_MIN_STATS_LEN) : 1;
	if (max == 0 || (!multi && list_len != 8))
		return meta_corrupt(err, "chunk metadata list", list_off);
	out->chunks = arena_alloc(a, sizeof(*out->chunks) * max);
	if (!out->chunks)
		return meta_oom(err, "chunk metadata");
	uint32_t n = 0;
	while (rd_left(&lr) > 0) {
		chunk_meta_t *c = &out->chunks[n];
		uint64_t coff = rd_offset(&lr);
		if (n == max)
			return meta_corrupt(err, "chunk metadata list", coff);
		c->offset = rd_be64(&lr);
		if (!rd_ok(&lr) || c->offset > INT64_MAX)
			return meta_corrupt(err, "chunk metadata", coff);
		if (multi) {
			if ((rc = meta_stats_read(&lr, out->type, a, &c->stats, err))) {
				err_prefix(err, "chunk metadata at offset %llu",
					   (unsigned long long)coff);
				return rc;
			}
		} else {
			c->stats = out->stats;
		}
		n++;
	}
	out->n_chunks = n;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * MetadataIndexNode
 *
 *   uvarint  childCount
 *   childCount x entry:
 *       device-level nodes (INTERNAL_DEVICE 0, LEAF_DEVICE 1):   DeviceID, i64 offset
 *       measurement nodes (INTERNAL_MEASUREMENT 2, LEAF_MEASUREMENT 3): vstr, i64 offset
 *   i64      endOffset
 *   u8       nodeType
 *---------------------------------------------------------------------------*/

void meta_index_node_write(buf_t *out, const index_node_t *n, int version)
{
	int dev = index_node_is_device(n->type);
	buf_put_uvarint(out, n->n);
	for (uint32_t i = 0; i < n->n; i++) {
		if (dev)
			meta_device_write(out, &n->entries[i].device, version);
		else
			meta_put_str(out, &n->entries[i].name);
		buf_put_be64(out, n->entries[i].offset);
	}
	buf_put_be64(out, n->end_offset);
	buf_put_u8(out, (uint8_t)n->type);
}

int meta_index_node_read(rd_t *r, int device_level, int version, arena_t *a,
			 index_node_t *out, larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	uint32_t n = rd_uvarint32(r);
	/* an entry takes at least 9 bytes; end offset and type 9 more */
	if (!rd_ok(r) || n == 0 || n > rd_left(r) / 9)
		return meta_corrupt(err, "metadata index node", off);
	index_entry_t *e = arena_calloc(a, n, sizeof(*e));
	if (!e)
		return meta_oom(err, "metadata index node");
	for (uint32_t i = 0; i < n; i++) {
		int rc;
		if (device_level) {
			if ((rc = meta_device_read(r, version, a, &e[i].device, err)))
				return rc;
		} else if ((rc = meta_read_vstr(r, a, &e[i].name)) || !e[i].name.ptr) {
			return meta_fail(rc, err, "metadata index entry", off);
		}
		e[i].offset = rd_be64(r);
		if (!rd_ok(r) || e[i].offset > INT64_MAX || (i && e[i].offset < e[i - 1].offset))
			return meta_corrupt(err, "metadata index entry offset", off);
	}
	out->end_offset = rd_be64(r);
	uint8_t type = rd_u8(r);
	if (!rd_ok(r) || type > INDEX_LEAF_MEASUREMENT ||
	    index_node_is_device((index_node_type_t)type) != !!device_level ||
	    out->end_offset < e[n - 1].offset || out->end_offset > INT64_MAX)
		return meta_corrupt(err, "metadata index node", off);
	out->type = (index_node_type_t)type;
	out->n = n;
	out->entries = e;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * TsFileMetadata
 *
 * v4:
 *   uvarint  tableCount
 *   tableCount x { vstr tableName, MetadataIndexNode root (device-level) }
 *   uvarint  schemaCount
 *   schemaCount x { vstr tableName, TableSchema }
 *       TableSchema:  uvarint columnCount, columnCount x {
 *                       istr name, u8 dataType, u8 encoding, u8 compression,
 *                       i32 propsCount, propsCount x (istr key, istr value),
 *                       i32 columnCategory (0 TAG, 1 FIELD, 2 ATTRIBUTE) }
 *   i64      metaOffset            (the 0x02 separator)
 *   bloom:   uvarint byteLen, [bytes, uvarint sizeInBits, uvarint hashCount]
 *   svarint  propertyCount         (Java reads it back as a uvarint: see read)
 *   propertyCount x { vstr key, vstr value (may be null) }
 *
 * v3:
 *   MetadataIndexNode root (device-level, v3 device ids)
 *   i64      metaOffset
 *   bloom    as above
 *---------------------------------------------------------------------------*/

static void meta_table_write(buf_t *out, const table_meta_t *t)
{
	meta_put_str(out, &t->name);
	buf_put_uvarint(out, t->n_columns);
	for (uint32_t i = 0; i < t->n_columns; i++) {
		const column_meta_t *c = &t->columns[i];
		meta_put_istr(out, &c->name);
		buf_put_u8(out, (uint8_t)c->type);
		buf_put_u8(out, (uint8_t)c->encoding);
		buf_put_u8(out, (uint8_t)c->codec);
		buf_put_be32(out, c->n_props);
		for (uint32_t k = 0; k < 2 * c->n_props; k++)
			meta_put_istr(out, &c->props[k]);
		buf_put_be32(out, (uint32_t)c->category);
	}
}

static void meta_bloom_write(buf_t *out, const bloom_t *b)
{
	if (b->bits && b->size_bits)
		bloom_write(b, out);
	else
		buf_put_u8(out, 0);
}

void meta_file_meta_write(buf_t *out, const file_meta_t *m)
{
	if (m->version == 3) {
		meta_index_node_write(out, &m->roots[0].root, 3);
		buf_put_be64(out, m->meta_offset);
		meta_bloom_write(out, &m->bloom);
		return;
	}
	buf_put_uvarint(out, m->n_roots);
	for (uint32_t i = 0; i < m->n_roots; i++) {
		meta_put_str(out, &m->roots[i].table);
		meta_index_node_write(out, &m->roots[i].root, 4);
	}
	buf_put_uvarint(out, m->n_tables);
	for (uint32_t i = 0; i < m->n_tables; i++)
		meta_table_write(out, &m->tables[i]);
	buf_put_be64(out, m->meta_offset);
	meta_bloom_write(out, &m->bloom);
	buf_put_svarint32(out, (int32_t)m->n_props);
	for (uint32_t k = 0; k < 2 * m->n_props; k++)
		meta_put_str(out, &m->props[k]);
}

/* Read n (key, value) istr pairs into an arena array. */
static int meta_read_istr_pairs(rd_t *r, uint32_t n, arena_t *a, meta_str_t **out)
{
	/* a pair takes at least 8 bytes */
	if (n > rd_left(r) / 8)
		return LARCH_CORRUPTED;
	meta_str_t *p = arena_alloc(a, sizeof(*p) * 2 * (n ? n : 1));
	if (!p)
		return LARCH_NO_MEMORY;
	for (uint32_t k = 0; k < 2 * n; k++) {
		int rc = meta_read_istr(r, a, &p[k]);
		if (rc)
			return rc;
	}
	*out = p;
	return LARCH_OK;
}

static int meta_table_read(rd_t *r, arena_t *a, table_meta_t *t, larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	int rc = meta_read_vstr(r, a, &t->name);
	if (rc || !t->name.ptr)
		return meta_fail(rc, err, "table schema", off);
	t->n_columns = rd_uvarint32(r);
	/* a column takes at least 4 + 3 + 4 + 4 bytes */
	if (!rd_ok(r) || t->n_columns > rd_left(r) / 15)
		return meta_corrupt(err, "table schema", off);
	t->columns = arena_calloc(a, t->n_columns ? t->n_columns : 1, sizeof(*t->columns));
	if (!t->columns)
		return meta_oom(err, "table schema");
	for (uint32_t i = 0; i < t->n_columns; i++) {
		column_meta_t *c = &t->columns[i];
		uint64_t coff = rd_offset(r);
		if ((rc = meta_read_istr(r, a, &c->name)) || !c->name.ptr)
			return meta_fail(rc, err, "table column", coff);
		uint8_t type = rd_u8(r);
		c->encoding = (tsfile_encoding_t)rd_u8(r);
		c->codec = (tsfile_codec_t)rd_u8(r);
		int32_t nprops = (int32_t)rd_be32(r);
		if (!rd_ok(r) || !type_is_valid(type) || nprops < 0)
			return meta_corrupt(err, "table column", coff);
		c->type = (tsfile_type_t)type;
		c->n_props = (uint32_t)nprops;
		if ((rc = meta_read_istr_pairs(r, c->n_props, a, &c->props)))
			return meta_fail(rc, err, "table column properties", coff);
		int32_t cat = (int32_t)rd_be32(r);
		if (!rd_ok(r) || cat < TSFILE_TAG || cat > TSFILE_ATTRIBUTE)
			return meta_corrupt(err, "table column category", coff);
		c->category = (tsfile_category_t)cat;
	}
	return LARCH_OK;
}

/* Read the bloom filter and move its bits into the arena. */
static int meta_bloom_read(rd_t *r, arena_t *a, bloom_t *out, larch_error_t *err)
{
	bloom_t tmp = {0, 0, NULL};
	int rc = bloom_read(r, &tmp, err);
	memset(out, 0, sizeof(*out));
	if (rc == LARCH_OK && tmp.bits && tmp.size_bits) {
		size_t nbytes = ((size_t)tmp.size_bits + 7) / 8;
		uint8_t *bits = arena_alloc(a, nbytes);
		if (!bits) {
			rc = meta_oom(err, "bloom filter");
		} else {
			memcpy(bits, tmp.bits, nbytes);
			*out = tmp;
			out->bits = bits;
		}
	}
	bloom_free(&tmp);
	return rc;
}

/* Properties: Java writes the count as an svarint and reads a uvarint, so
 * the stored number may be twice the real one; read pairs until the count
 * or the end of the metadata, whichever comes first. */
static int meta_props_read(rd_t *r, arena_t *a, file_meta_t *m, larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	m->n_props = 0;
	m->props = NULL;
	if (rd_left(r) == 0)
		return LARCH_OK; /* written without properties */
	uint32_t count = rd_uvarint32(r);
	if (!rd_ok(r))
		return meta_corrupt(err, "file properties", off);
	/* a pair takes at least 2 bytes */
	uint32_t max = (uint32_t)LR_MIN((uint64_t)count, rd_left(r) / 2);
	m->props = arena_alloc(a, sizeof(*m->props) * 2 * (max ? max : 1));
	if (!m->props)
		return meta_oom(err, "file properties");
	while (m->n_props < max && rd_left(r) > 0) {
		meta_str_t *kv = &m->props[2 * m->n_props];
		int rc = meta_read_vstr(r, a, &kv[0]);
		if (!rc)
			rc = meta_read_vstr(r, a, &kv[1]);
		if (rc)
			return meta_fail(rc, err, "file property", off);
		m->n_props++;
	}
	return LARCH_OK;
}

int meta_file_meta_read(rd_t *r, int version, arena_t *a, file_meta_t *out,
			larch_error_t *err)
{
	uint64_t off = rd_offset(r);
	int rc;
	memset(out, 0, sizeof(*out));
	out->version = version;
	if (version == 3) {
		out->roots = arena_calloc(a, 1, sizeof(*out->roots));
		if (!out->roots)
			return meta_oom(err, "file metadata");
		out->roots[0].table.ptr = "";
		out->n_roots = 1;
		if ((rc = meta_index_node_read(r, 1, 3, a, &out->roots[0].root, err)))
			return rc;
	} else {
		uint32_t n = rd_uvarint32(r);
		/* a table entry takes at least 1 + 19 bytes */
		if (!rd_ok(r) || n > rd_left(r) / 20)
			return meta_corrupt(err, "file metadata table count", off);
		out->roots = arena_calloc(a, n ? n : 1, sizeof(*out->roots));
		if (!out->roots)
			return meta_oom(err, "file metadata");
		for (uint32_t i = 0; i < n; i++) {
			uint64_t toff = rd_offset(r);
			if ((rc = meta_read_vstr(r, a, &out->roots[i].table)) ||
			    !out->roots[i].table.ptr)
				return meta_fail(rc, err, "file metadata table name", toff);
			if ((rc = meta_index_node_read(r, 1, 4, a, &out->roots[i].root, err)))
				return rc;
		}
		out->n_roots = n;
		n = rd_uvarint32(r);
		/* a schema takes at least 2 bytes */
		if (!rd_ok(r) || n > rd_left(r) / 2)
			return meta_corrupt(err, "file metadata schema count", off);
		out->tables = arena_calloc(a, n ? n : 1, sizeof(*out->tables));
		if (!out->tables)
			return meta_oom(err, "file metadata");
		for (uint32_t i = 0; i < n; i++)
			if ((rc = meta_table_read(r, a, &out->tables[i], err)))
				return rc;
		out->n_tables = n;
	}
	uint64_t moff = rd_offset(r);
	out->meta_offset = rd_be64(r);
	if (!rd_ok(r) || out->meta_offset > INT64_MAX)
		return meta_corrupt(err, "file metadata meta offset", moff);
	if ((rc = meta_bloom_read(r, a, &out->bloom, err)))
		return rc;
	if (version == 3)
		return LARCH_OK;
	return meta_props_read(r, a, out, err);
}

const index_node_t *meta_file_meta_root(const file_meta_t *m, const char *table, size_t len)
{
	if (m->version == 3)
		return m->n_roots ? &m->roots[0].root : NULL;
	/* linear: the official writers sort the map, but nothing checks it */
	for (uint32_t i = 0; i < m->n_roots; i++) {
		const meta_str_t *t = &m->roots[i].table;
		if (t->len == len && memcmp(t->ptr, table, len) == 0)
			return &m->roots[i].root;
	}
	return NULL;
}
