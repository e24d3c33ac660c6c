/*
 * walrec.c — the payloads of the storage engine's WAL records (the WAL
 * frames them; see wal.c): writes, deletions and drops, each carrying the
 * names and types it needs, so replay does not need the schema.
 *
 * Integers are little-endian and arrays are in host order (the engine
 * requires a little-endian host; see storage_int.h): replay then copies
 * arrays straight into memtables.  Every section is padded with zero bytes
 * to a multiple of 8, so a record's length is a multiple of 8 and, as WAL
 * frames are 16 bytes, arrays stay 8-byte aligned in a mapped segment.
 *
 * WRITE (kind 1)
 *   off  size   field
 *     0     1   kind = 1
 *     1     1   flags: bit 0 aligned
 *     2     2   database length D (1..WALREC_MAX_NAME)
 *     4     2   device length V (1..WALREC_MAX_NAME)
 *     6     2   0
 *     8     4   rows R (>= 1)
 *    12     4   columns C (>= 1)
 *    16     8   device id
 *    24   D+V   database, device; pad
 *   C column descriptors:
 *           4   series id
 *           1   data type (tsfile_type_t)
 *           1   encoding (0xFF: default)
 *           1   codec (0xFF: default)
 *           1   flags: bit 0 the column has null bytes
 *           2   name length N (1..WALREC_MAX_NAME)
 *           N   name
 *   pad
 *   8R          times (int64)
 *   per column:
 *     fixed-size types: R values (uint8/int32/int64/float/double); pad
 *     TEXT/STRING/BLOB: R uint32 lengths (0 for a null row); pad; then the
 *                       bytes of every row back to back; pad
 *     with null bytes:  R bytes, non-zero = null; pad
 *
 * DELETE (kind 2)
 *     0     1   kind = 2
 *     1     1   0
 *     2     2   database length D
 *     4     4   series count S (>= 1)
 *     8     8   start time (inclusive)
 *    16     8   end time (inclusive)
 *    24     D   database
 *   S times:    2 device length, 2 measurement length, 4 series id,
 *               1 data type, device, measurement
 *   pad
 *
 * DROP_DB (kind 3) / DROP_PART (kind 4)
 *     0     1   kind
 *     1     1   0
 *     2     2   database length D
 *     4     4   0
 *     8     8   partition id (0 for DROP_DB)
 *    16     D   database; pad
 */
#include "storage/storage_int.h"

#define WALREC_MAX_NAME 0xFFFFu
/* Arrays at least this large are handed to the WAL by reference. */
#define WALREC_EXTERNAL_MIN 4096u
#define WALREC_NO_CODE 0xFFu

static const uint8_t zeros8[8];

static void put_le16(buf_t *b, uint16_t v)
{
	buf_put(b, &v, 2);
}

static void put_le32(buf_t *b, uint32_t v)
{
	buf_put(b, &v, 4);
}

static void put_le64(buf_t *b, uint64_t v)
{
	buf_put(b, &v, 8);
}

static void pad8(buf_t *b)
{
	buf_put(b, zeros8, (8 - b->len % 8) % 8);
}

/*---------------------------------------------------------------------------
 * Encoding a write as iovec pieces
 *---------------------------------------------------------------------------*/

/* A piece of the record: a range of the scratch buffer or caller memory. */
typedef struct piece {
	const void *ext;  /* NULL: scratch[off, off + len) */
	size_t off, len;
} piece_t;

typedef struct pieces {
	piece_t p[WAL_MAX_IOV];
	int n;
	int ext_left;     /* caller arrays we may still reference */
	size_t total;     /* record bytes so far */
	size_t mark;      /* scratch offset where the open scratch piece starts */
	buf_t *b;
} pieces_t;

/* Close the open scratch piece (bytes appended since mark). */
static void pieces_cut(pieces_t *ps)
{
	if (ps->b->len > ps->mark)
		ps->p[ps->n++] = (piece_t){NULL, ps->mark, ps->b->len - ps->mark};
	ps->mark = ps->b->len;
}

/* Add len bytes at p followed by zero padding to 8; referenced when large
 * and the piece budget allows, else copied. */
static void pieces_array(pieces_t *ps, const void *p, size_t len)
{
	if (len >= WALREC_EXTERNAL_MIN && ps->ext_left > 0) {
		pieces_cut(ps);
		ps->p[ps->n++] = (piece_t){p, 0, len};
		ps->ext_left--;
		size_t padn = (8 - len % 8) % 8;
		buf_put(ps->b, zeros8, padn);
		ps->total += len + padn;
		return;
	}
	size_t before = ps->b->len;
	buf_put(ps->b, p, len);
	pad8(ps->b);
	ps->total += ps->b->len - before;
}

/* Bytes appended to the scratch buffer directly count toward the total. */
static void pieces_sync(pieces_t *ps, size_t before)
{
	ps->total += ps->b->len - before;
}

int walrec_encode_write(const storage_write_t *w, buf_t *b, struct iovec *iov, int *n_iov,
			larch_error_t *err)
{
	pieces_t ps;
	memset(&ps, 0, sizeof ps);
	ps.b = b;
	/* each external piece may be followed by a scratch piece; one more
	 * scratch piece opens the record */
	ps.ext_left = (WAL_MAX_IOV - 1) / 2;
	buf_reset(b);
	size_t dl = strlen(w->database), vl = strlen(w->device), R = w->n_rows;
	buf_put_u8(b, WALREC_WRITE);
	buf_put_u8(b, w->aligned ? 1 : 0);
	put_le16(b, (uint16_t)dl);
	put_le16(b, (uint16_t)vl);
	put_le16(b, 0);
	put_le32(b, (uint32_t)R);
	put_le32(b, (uint32_t)w->n_columns);
	put_le64(b, w->device_id);
	buf_put(b, w->database, dl);
	buf_put(b, w->device, vl);
	pad8(b);
	for (size_t j = 0; j < w->n_columns; j++) {
		const storage_column_t *c = &w->columns[j];
		size_t nl = strlen(c->name);
		put_le32(b, c->series_id);
		buf_put_u8(b, (uint8_t)c->type);
		buf_put_u8(b, c->encoding < 0 ? WALREC_NO_CODE : (uint8_t)c->encoding);
		buf_put_u8(b, c->codec < 0 ? WALREC_NO_CODE : (uint8_t)c->codec);
		buf_put_u8(b, c->nulls ? 1 : 0);
		put_le16(b, (uint16_t)nl);
		buf_put(b, c->name, nl);
	}
	pad8(b);
	ps.total = b->len;
	pieces_array(&ps, w->times, R * sizeof(int64_t));
	for (size_t j = 0; j < w->n_columns && buf_ok(b); j++) {
		const storage_column_t *c = &w->columns[j];
		if (type_is_binary(c->type)) {
			const tsfile_bytes_t *v = c->values;
			size_t before = b->len;
			for (size_t r = 0; r < R; r++)
				put_le32(b, c->nulls && c->nulls[r] ? 0 : v[r].len);
			pad8(b);
			for (size_t r = 0; r < R; r++)
				if (!(c->nulls && c->nulls[r]) && v[r].len)
					buf_put(b, v[r].ptr, v[r].len);
			pad8(b);
			pieces_sync(&ps, before);
		} else {
			pieces_array(&ps, c->values, R * col_elem_size(c->type));
		}
		if (c->nulls)
			pieces_array(&ps, c->nulls, R);
	}
	if (!buf_ok(b))
		return err_set(err, LARCH_NO_MEMORY, "out of memory encoding a WAL record");
	if (ps.total > WAL_MAX_RECORD)
		return err_set(err, LARCH_ILLEGAL_PARAMETER,
			       "write of %zu rows to %s is %zu bytes in the WAL, more than the %zu "
			       "a record may hold; split it", R, w->device, ps.total,
			       (size_t)WAL_MAX_RECORD);
	pieces_cut(&ps);
	for (int i = 0; i < ps.n; i++) {
		const piece_t *p = &ps.p[i];
		iov[i].iov_base = (void *)(p->ext ? p->ext : b->data + p->off);
		iov[i].iov_len = p->len;
	}
	*n_iov = ps.n;
	return LARCH_OK;
}

void walrec_encode_delete(buf_t *b, const char *database, const storage_series_ref_t *refs,
			  size_t n, int64_t start, int64_t end)
{
	size_t dl = strlen(database);
	buf_reset(b);
	buf_put_u8(b, WALREC_DELETE);
	buf_put_u8(b, 0);
	put_le16(b, (uint16_t)dl);
	put_le32(b, (uint32_t)n);
	put_le64(b, (uint64_t)start);
	put_le64(b, (uint64_t)end);
	buf_put(b, database, dl);
	for (size_t i = 0; i < n; i++) {
		size_t vl = strlen(refs[i].device), ml = strlen(refs[i].measurement);
		put_le16(b, (uint16_t)vl);
		put_le16(b, (uint16_t)ml);
		put_le32(b, refs[i].id);
		buf_put_u8(b, (uint8_t)refs[i].type);
		buf_put(b, refs[i].device, vl);
		buf_put(b, refs[i].measurement, ml);
	}
	pad8(b);
}

void walrec_encode_drop(buf_t *b, const char *database, int whole_db, int64_t partition)
{
	size_t dl = strlen(database);
	buf_reset(b);
	buf_put_u8(b, whole_db ? WALREC_DROP_DB : WALREC_DROP_PART);
	buf_put_u8(b, 0);
	put_le16(b, (uint16_t)dl);
	put_le32(b, 0);
	put_le64(b, whole_db ? 0 : (uint64_t)partition);
	buf_put(b, database, dl);
	pad8(b);
}

/*---------------------------------------------------------------------------
 * Decoding
 *---------------------------------------------------------------------------*/

typedef struct dec {
	const uint8_t *p;
	size_t len, pos;
	int bad;
} dec_t;

static const uint8_t *dec_take(dec_t *d, size_t n)
{
	if (d->bad || n > d->len - d->pos) {
		d->bad = 1;
		return NULL;
	}
	const uint8_t *q = d->p + d->pos;
	d->pos += n;
	return q;
}

/* A little-endian unsigned integer of n (1, 2, 4 or 8) bytes; 0 past the
 * end (and the cursor marked bad). */
static inline uint64_t dec_uint(dec_t *d, size_t n)
{
	if (d->bad || n > d->len - d->pos) {
		d->bad = 1;
		return 0;
	}
	const uint8_t *q = d->p + d->pos;
	d->pos += n;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	switch (n) {
	case 1: return q[0];
	case 2: memcpy(&v16, q, 2); return v16;
	case 4: memcpy(&v32, q, 4); return v32;
	default: memcpy(&v64, q, 8); return v64;
	}
}

static void dec_pad(dec_t *d)
{
	size_t n = (8 - d->pos % 8) % 8;
	if (n > d->len - d->pos)
		n = d->len - d->pos; /* the final padding of a record may be cut */
	d->pos += n;
}

/* Copy n bytes at q into scratch as a NUL-terminated string. */
static const char *scratch_str(buf_t *s, const uint8_t *q, size_t n)
{
	uint8_t *d = buf_extend(s, n + 1);
	if (!d)
		return NULL;
	memcpy(d, q, n);
	d[n] = 0;
	return (const char *)d;
}

/* Room of n bytes at an 8-byte aligned position of the scratch buffer
 * (whose capacity was reserved, so earlier pointers stay valid). */
static void *scratch_aligned(buf_t *s, size_t n)
{
	size_t padn = (8 - ((uintptr_t)(s->data + s->len)) % 8) % 8;
	uint8_t *d = buf_extend(s, padn + n);
	return d ? d + padn : NULL;
}

/* An array of n elements of size es at q: used in place when aligned,
 * else copied into scratch. */
static const void *array_at(buf_t *s, const uint8_t *q, size_t n, size_t es)
{
	if ((uintptr_t)q % es == 0)
		return q;
	void *d = scratch_aligned(s, n * es);
	if (d)
		memcpy(d, q, n * es);
	return d;
}

static int bad_record(larch_error_t *err, const char *what)
{
	return err_set(err, LARCH_CORRUPTED, "WAL record: %s", what);
}

static int decode_write(dec_t *d, walrec_t *out, buf_t *s, larch_error_t *err)
{
	storage_write_t *w = &out->write;
	uint8_t flags = (uint8_t)dec_uint(d, 1);
	size_t dl = (size_t)dec_uint(d, 2), vl = (size_t)dec_uint(d, 2);
	dec_uint(d, 2);
	size_t R = (size_t)dec_uint(d, 4), C = (size_t)dec_uint(d, 4);
	w->device_id = dec_uint(d, 8);
	const uint8_t *db = dec_take(d, dl), *dev = dec_take(d, vl);
	dec_pad(d);
	if (d->bad || !dl || !vl || !R || !C || flags > 1)
		return bad_record(err, "bad write header");
	/* columns cannot be more than the bytes describing them, rows than the
	 * bytes of their times: this bounds the scratch reservation below */
	if (C > (d->len - d->pos) / 10 || R > (d->len - d->pos) / 8)
		return bad_record(err, "write counts exceed the record");
	size_t desc_at = d->pos, n_bin = 0;
	for (size_t j = 0; j < C; j++) {
		dec_uint(d, 4);
		int type = (int)dec_uint(d, 1);
		dec_uint(d, 3);
		size_t nl = (size_t)dec_uint(d, 2);
		dec_take(d, nl);
		if (d->bad || !type_is_valid(type) || !nl)
			return bad_record(err, "bad column descriptor");
		n_bin += type_is_binary((tsfile_type_t)type);
	}
	/* every byte-string column stores 4 bytes of length per row */
	if (n_bin * R > d->len / 4)
		return bad_record(err, "write counts exceed the record");
	size_t need = 64 + dl + vl + C * (sizeof(storage_column_t) + 8) + (d->pos - desc_at) +
		      n_bin * R * sizeof(tsfile_bytes_t) + d->len + 8 * (C + 1);
	buf_reset(s);
	if (buf_reserve(s, need))
		return err_set(err, LARCH_NO_MEMORY, "out of memory replaying a WAL record");
	storage_column_t *cols = scratch_aligned(s, C * sizeof(*cols));
	w->database = scratch_str(s, db, dl);
	w->device = scratch_str(s, dev, vl);
	w->aligned = flags & 1;
	w->n_rows = R;
	w->n_columns = C;
	w->columns = cols;
	out->database = w->database;
	d->pos = desc_at;
	for (size_t j = 0; j < C; j++) {
		storage_column_t *c = &cols[j];
		c->series_id = (uint32_t)dec_uint(d, 4);
		c->type = (tsfile_type_t)dec_uint(d, 1);
		uint8_t e = (uint8_t)dec_uint(d, 1), k = (uint8_t)dec_uint(d, 1);
		c->encoding = e == WALREC_NO_CODE ? -1 : e;
		c->codec = k == WALREC_NO_CODE ? -1 : k;
		c->nulls = dec_uint(d, 1) & 1 ? (const uint8_t *)1 : NULL; /* marked; set below */
		size_t nl = (size_t)dec_uint(d, 2);
		c->name = scratch_str(s, dec_take(d, nl), nl);
	}
	dec_pad(d);
	const uint8_t *tq = dec_take(d, R * 8);
	dec_pad(d);
	if (d->bad)
		return bad_record(err, "write times cut short");
	w->times = array_at(s, tq, R, sizeof(int64_t));
	for (size_t j = 0; j < C; j++) {
		storage_column_t *c = &cols[j];
		if (type_is_binary(c->type)) {
			const uint8_t *lq = dec_take(d, R * 4);
			dec_pad(d);
			tsfile_bytes_t *v = scratch_aligned(s, R * sizeof(*v));
			for (size_t r = 0; lq && v && r < R; r++) {
				uint32_t l;
				memcpy(&l, lq + r * 4, 4);
				v[r].len = l;
				v[r].ptr = l ? (const char *)dec_take(d, l) : "";
			}
			dec_pad(d);
			c->values = v;
		} else {
			size_t es = col_elem_size(c->type);
			const uint8_t *vq = dec_take(d, R * es);
			dec_pad(d);
			c->values = vq ? array_at(s, vq, R, es) : NULL;
		}
		if (c->nulls) {
			c->nulls = dec_take(d, R);
			dec_pad(d);
		}
		if (d->bad)
			return bad_record(err, "write values cut short");
	}
	if (!buf_ok(s) || !w->times || !w->database || !w->device)
		return err_set(err, LARCH_NO_MEMORY, "out of memory replaying a WAL record");
	for (size_t j = 0; j < C; j++)
		if (!cols[j].name || !cols[j].values)
			return err_set(err, LARCH_NO_MEMORY, "out of memory replaying a WAL record");
	if (d->pos != d->len)
		return bad_record(err, "trailing bytes after a write");
	return LARCH_OK;
}

static int decode_delete(dec_t *d, walrec_t *out, buf_t *s, larch_error_t *err)
{
	dec_uint(d, 1);
	size_t dl = (size_t)dec_uint(d, 2), n = (size_t)dec_uint(d, 4);
	out->start = (int64_t)dec_uint(d, 8);
	out->end = (int64_t)dec_uint(d, 8);
	const uint8_t *db = dec_take(d, dl);
	if (d->bad || !dl || !n || n > (d->len - d->pos) / 9)
		return bad_record(err, "bad delete header");
	buf_reset(s);
	if (buf_reserve(s, 64 + dl + n * (sizeof(storage_series_ref_t) + 8) + d->len))
		return err_set(err, LARCH_NO_MEMORY, "out of memory replaying a WAL record");
	storage_series_ref_t *refs = scratch_aligned(s, n * sizeof(*refs));
	out->database = scratch_str(s, db, dl);
	for (size_t i = 0; i < n && !d->bad; i++) {
		size_t vl = (size_t)dec_uint(d, 2), ml = (size_t)dec_uint(d, 2);
		refs[i].id = (uint32_t)dec_uint(d, 4);
		refs[i].type = (tsfile_type_t)dec_uint(d, 1);
		const uint8_t *dv = dec_take(d, vl), *ms = dec_take(d, ml);
		if (d->bad || !vl || !ml)
			return bad_record(err, "bad deleted series");
		refs[i].device = scratch_str(s, dv, vl);
		refs[i].measurement = scratch_str(s, ms, ml);
	}
	dec_pad(d);
	if (d->bad || d->pos != d->len)
		return bad_record(err, "bad delete body");
	if (!buf_ok(s))
		return err_set(err, LARCH_NO_MEMORY, "out of memory replaying a WAL record");
	out->refs = refs;
	out->n_refs = n;
	return LARCH_OK;
}

static int decode_drop(dec_t *d, walrec_t *out, buf_t *s, larch_error_t *err)
{
	dec_uint(d, 1);
	size_t dl = (size_t)dec_uint(d, 2);
	dec_uint(d, 4);
	out->partition = (int64_t)dec_uint(d, 8);
	const uint8_t *db = dec_take(d, dl);
	dec_pad(d);
	if (d->bad || !dl || d->pos != d->len)
		return bad_record(err, "bad drop record");
	buf_reset(s);
	out->database = scratch_str(s, db, dl);
	if (!out->database)
		return err_set(err, LARCH_NO_MEMORY, "out of memory replaying a WAL record");
	return LARCH_OK;
}

int walrec_decode(const uint8_t *rec, size_t len, walrec_t *out, buf_t *scratch,
		  larch_error_t *err)
{
	memset(out, 0, sizeof *out);
	dec_t d = {rec, len, 0, 0};
	out->kind = (int)dec_uint(&d, 1);
	switch (out->kind) {
	case WALREC_WRITE:
		return decode_write(&d, out, scratch, err);
	case WALREC_DELETE:
		return decode_delete(&d, out, scratch, err);
	case WALREC_DROP_DB:
	case WALREC_DROP_PART:
		return decode_drop(&d, out, scratch, err);
	default:
		return bad_record(err, "unknown record kind");
	}
}
