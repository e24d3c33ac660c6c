/*
 * thrift.c — the Thrift binary and compact protocols over rd_t / buf_t, the
 * generic skip, and the framed-transport helpers.
 *
 * One reader and one writer type serve both protocols: each primitive
 * switches on the protocol (a predictable branch; no per-value indirect
 * call).  Layouts:
 *
 *   binary                                   compact
 *   message  i32 0x8001_00TT, i32 len, name, message  82, (TT<<5)|1, uvarint seqid,
 *            i32 seqid  (or the old form:             uvarint len, name
 *            i32 len, name, u8 TT, i32 seqid)
 *   field    u8 type, i16 id                 field    (delta<<4)|ctype, or ctype +
 *                                                     zigzag-varint id; BOOL fields carry
 *                                                     the value in ctype (1 true, 2 false)
 *   stop     00                              stop     00
 *   bool     u8 0/1                          bool     (in containers) u8 1 true / 2 false
 *   i8       u8                              i8       u8
 *   i16/i32  BE                              i16/i32  zigzag varint
 *   i64      BE                              i64      zigzag varint
 *   double   8 bytes BE                      double   8 bytes LE
 *   binary   i32 len + bytes                 binary   uvarint len + bytes
 *   list/set u8 etype, i32 n                 list/set (n<<4)|ctype if n <= 14, else
 *                                                     f0|ctype + uvarint n
 *   map      u8 ktype, u8 vtype, i32 n       map      00 if empty, else uvarint n,
 *                                                     (kctype<<4)|vctype
 *
 * Compact type ids: TRUE 1, FALSE 2, BYTE 3, I16 4, I32 5, I64 6, DOUBLE 7,
 * BINARY 8, LIST 9, SET 10, MAP 11, STRUCT 12.
 */
#include "rpc/rpc.h"

/*---------------------------------------------------------------------------
 * Type-id mapping
 *---------------------------------------------------------------------------*/

/* compact type id -> RPC_T_*, 0 for an invalid id */
static const uint8_t from_compact[16] = {
	[1] = RPC_T_BOOL, [2] = RPC_T_BOOL, [3] = RPC_T_BYTE, [4] = RPC_T_I16,
	[5] = RPC_T_I32, [6] = RPC_T_I64, [7] = RPC_T_DOUBLE, [8] = RPC_T_STRING,
	[9] = RPC_T_LIST, [10] = RPC_T_SET, [11] = RPC_T_MAP, [12] = RPC_T_STRUCT
};

/* RPC_T_* -> compact type id (BOOL as TRUE, the container element form) */
static const uint8_t to_compact[16] = {
	[RPC_T_BOOL] = 1, [RPC_T_BYTE] = 3, [RPC_T_I16] = 4, [RPC_T_I32] = 5,
	[RPC_T_I64] = 6, [RPC_T_DOUBLE] = 7, [RPC_T_STRING] = 8, [RPC_T_LIST] = 9,
	[RPC_T_SET] = 10, [RPC_T_MAP] = 11, [RPC_T_STRUCT] = 12
};

static int type_valid(int t)
{
	return t >= 0 && t < 16 && t != RPC_T_STOP && to_compact[t] != 0;
}

/*---------------------------------------------------------------------------
 * Reader
 *---------------------------------------------------------------------------*/

void rpc_reader_init(rpc_reader_t *tr, rpc_proto_t proto, const void *data, size_t len)
{
	memset(tr, 0, sizeof *tr);
	rd_init(&tr->r, data, len, 0);
	tr->proto = proto;
}

/* Mark the reader bad with a reason (the first reason wins). */
static void fail(rpc_reader_t *tr, const char *why)
{
	if (!tr->r.bad && !tr->why)
		tr->why = why;
	tr->r.bad = 1;
}

int rpc_reader_error(const rpc_reader_t *tr, const char *what, larch_error_t *err)
{
	return err_set(err, LARCH_ILLEGAL_PARAMETER, "thrift: %s: %s at byte %zu", what,
		       tr->why ? tr->why : "truncated or malformed", tr->r.pos);
}

static int push(rpc_reader_t *tr)
{
	if (tr->depth >= RPC_MAX_DEPTH) {
		fail(tr, "nesting deeper than 64");
		return -1;
	}
	tr->depth++;
	tr->last_id[tr->depth] = 0;
	return 0;
}

static void pop(rpc_reader_t *tr)
{
	if (tr->depth > 0)
		tr->depth--;
}

/* A length or count taken from the input: negative or larger than the
 * bytes left (times the minimum bytes per item) is malformed. */
static size_t bounded(rpc_reader_t *tr, int64_t n, size_t min_bytes, const char *why)
{
	if (n < 0 || (uint64_t)n > rd_left(&tr->r) / min_bytes) {
		fail(tr, why);
		return 0;
	}
	return (size_t)n;
}

void rpc_read_message_begin(rpc_reader_t *tr, const char **name, size_t *name_len,
			    int *type, int32_t *seqid)
{
	rd_t *r = &tr->r;
	int64_t len;
	int strict = 1;
	*name = NULL;
	*name_len = 0;
	*type = 0;
	*seqid = 0;
	if (tr->proto == RPC_COMPACT) {
		if (rd_u8(r) != 0x82)
			fail(tr, "not a compact protocol message");
		uint8_t vt = rd_u8(r);
		if (rd_ok(r) && (vt & 0x1f) != 1)
			fail(tr, "unsupported compact protocol version");
		*type = vt >> 5;
		*seqid = (int32_t)rd_uvarint32(r);
		len = rd_uvarint32(r);
	} else {
		uint32_t v = rd_be32(r);
		strict = (v & 0x80000000u) != 0;
		if (strict) {
			if ((v & 0xffff0000u) != 0x80010000u)
				fail(tr, "unsupported binary protocol version");
			*type = (int)(v & 0xff);
			len = (int32_t)rd_be32(r);
		} else {
			len = (int32_t)v; /* old form: the name comes first */
		}
	}
	size_t n = bounded(tr, len, 1, "method name longer than the message");
	const uint8_t *p = rd_bytes(r, n);
	if (tr->proto == RPC_BINARY) {
		if (!strict)
			*type = rd_u8(r);
		*seqid = (int32_t)rd_be32(r);
	}
	if (!rd_ok(r))
		return;
	*name = (const char *)p;
	*name_len = n;
}

void rpc_read_struct_begin(rpc_reader_t *tr)
{
	push(tr);
}

void rpc_read_struct_end(rpc_reader_t *tr)
{
	pop(tr);
}

int rpc_read_field_begin(rpc_reader_t *tr, int *type, int16_t *id)
{
	rd_t *r = &tr->r;
	uint8_t b = rd_u8(r);
	*type = RPC_T_STOP;
	*id = 0;
	if (!rd_ok(r) || b == 0)
		return 0;
	if (tr->proto == RPC_BINARY) {
		*type = b;
		*id = (int16_t)rd_be16(r);
	} else {
		int delta = b >> 4;
		*type = from_compact[b & 0x0f];
		*id = delta ? (int16_t)(tr->last_id[tr->depth] + delta) : (int16_t)rd_svarint32(r);
		tr->last_id[tr->depth] = *id;
		if (*type == RPC_T_BOOL) {
			tr->bool_pending = 1;
			tr->bool_value = (b & 0x0f) == 1;
		}
	}
	if (!type_valid(*type)) {
		fail(tr, "invalid field type");
		return 0;
	}
	return rd_ok(r);
}

/* Element type of a container: a valid RPC_T_* or the reader goes bad. */
static int elem_type(rpc_reader_t *tr, uint8_t raw)
{
	int t = tr->proto == RPC_COMPACT ? from_compact[raw & 0x0f] : raw;
	if (!type_valid(t)) {
		fail(tr, "invalid container element type");
		return RPC_T_STOP;
	}
	return t;
}

void rpc_read_list_begin(rpc_reader_t *tr, int *etype, size_t *n)
{
	rd_t *r = &tr->r;
	int64_t count;
	*etype = RPC_T_STOP;
	*n = 0;
	if (push(tr))
		return;
	if (tr->proto == RPC_COMPACT) {
		uint8_t b = rd_u8(r);
		count = b >> 4;
		if (count == 15)
			count = rd_uvarint32(r);
		*etype = elem_type(tr, b);
	} else {
		*etype = elem_type(tr, rd_u8(r));
		count = (int32_t)rd_be32(r);
	}
	*n = bounded(tr, count, 1, "list size larger than the message");
}

void rpc_read_map_begin(rpc_reader_t *tr, int *ktype, int *vtype, size_t *n)
{
	rd_t *r = &tr->r;
	int64_t count;
	*ktype = *vtype = RPC_T_STOP;
	*n = 0;
	if (push(tr))
		return;
	if (tr->proto == RPC_COMPACT) {
		count = rd_uvarint32(r);
		if (count == 0 || !rd_ok(r))
			return;
		uint8_t kv = rd_u8(r);
		*ktype = elem_type(tr, kv >> 4);
		*vtype = elem_type(tr, kv);
	} else {
		*ktype = elem_type(tr, rd_u8(r));
		*vtype = elem_type(tr, rd_u8(r));
		count = (int32_t)rd_be32(r);
	}
	*n = bounded(tr, count, 2, "map size larger than the message");
}

void rpc_read_container_end(rpc_reader_t *tr)
{
	pop(tr);
}

int rpc_read_bool(rpc_reader_t *tr)
{
	if (tr->bool_pending) {
		tr->bool_pending = 0;
		return tr->bool_value;
	}
	return rd_u8(&tr->r) == 1;
}

int8_t rpc_read_i8(rpc_reader_t *tr)
{
	return (int8_t)rd_u8(&tr->r);
}

int16_t rpc_read_i16(rpc_reader_t *tr)
{
	return tr->proto == RPC_COMPACT ? (int16_t)rd_svarint32(&tr->r)
					: (int16_t)rd_be16(&tr->r);
}

int32_t rpc_read_i32(rpc_reader_t *tr)
{
	return tr->proto == RPC_COMPACT ? rd_svarint32(&tr->r) : (int32_t)rd_be32(&tr->r);
}

int64_t rpc_read_i64(rpc_reader_t *tr)
{
	return tr->proto == RPC_COMPACT ? rd_svarint64(&tr->r) : (int64_t)rd_be64(&tr->r);
}

double rpc_read_double(rpc_reader_t *tr)
{
	uint64_t u;
	if (tr->proto == RPC_COMPACT) {
		const uint8_t *p = rd_bytes(&tr->r, 8);
		u = 0;
		for (int i = 7; p && i >= 0; i--)
			u = (u << 8) | p[i];
	} else {
		u = rd_be64(&tr->r);
	}
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

const uint8_t *rpc_read_binary(rpc_reader_t *tr, size_t *len)
{
	int64_t n = tr->proto == RPC_COMPACT ? (int64_t)rd_uvarint32(&tr->r)
					     : (int64_t)(int32_t)rd_be32(&tr->r);
	*len = bounded(tr, n, 1, "string longer than the message");
	const uint8_t *p = rd_bytes(&tr->r, *len);
	if (!p)
		*len = 0;
	return p;
}

/* Skip one value.  Recursion depth is bounded by push() (RPC_MAX_DEPTH);
 * every loop stops as soon as the reader is bad, and every element read
 * consumes at least one byte, so the work is linear in the input. */
void rpc_skip(rpc_reader_t *tr, int type)
{
	size_t n, len;
	int kt, vt, t;
	int16_t id;

	switch (type) {
	case RPC_T_BOOL: rpc_read_bool(tr); break;
	case RPC_T_BYTE: rpc_read_i8(tr); break;
	case RPC_T_I16: rpc_read_i16(tr); break;
	case RPC_T_I32: rpc_read_i32(tr); break;
	case RPC_T_I64: rpc_read_i64(tr); break;
	case RPC_T_DOUBLE: rpc_read_double(tr); break;
	case RPC_T_STRING: rpc_read_binary(tr, &len); break;
	case RPC_T_STRUCT:
		rpc_read_struct_begin(tr);
		while (rpc_reader_ok(tr) && rpc_read_field_begin(tr, &t, &id))
			rpc_skip(tr, t);
		rpc_read_struct_end(tr);
		break;
	case RPC_T_MAP:
		rpc_read_map_begin(tr, &kt, &vt, &n);
		for (size_t i = 0; i < n && rpc_reader_ok(tr); i++) {
			rpc_skip(tr, kt);
			rpc_skip(tr, vt);
		}
		rpc_read_container_end(tr);
		break;
	case RPC_T_LIST:
	case RPC_T_SET:
		rpc_read_list_begin(tr, &t, &n);
		for (size_t i = 0; i < n && rpc_reader_ok(tr); i++)
			rpc_skip(tr, t);
		rpc_read_container_end(tr);
		break;
	default:
		fail(tr, "invalid type to skip");
	}
}

/*---------------------------------------------------------------------------
 * Writer
 *---------------------------------------------------------------------------*/

void rpc_writer_init(rpc_writer_t *w, rpc_proto_t proto, buf_t *out)
{
	memset(w, 0, sizeof *w);
	w->proto = proto;
	w->out = out;
}

void rpc_write_message_begin(rpc_writer_t *w, const char *name, size_t name_len, int type,
			     int32_t seqid)
{
	if (w->proto == RPC_COMPACT) {
		buf_put_u8(w->out, 0x82);
		buf_put_u8(w->out, (uint8_t)((type << 5) | 1));
		buf_put_uvarint(w->out, (uint32_t)seqid);
		buf_put_uvarint(w->out, name_len);
	} else {
		buf_put_be32(w->out, 0x80010000u | (uint32_t)type);
		buf_put_be32(w->out, (uint32_t)name_len);
	}
	buf_put(w->out, name, name_len);
	if (w->proto == RPC_BINARY)
		buf_put_be32(w->out, (uint32_t)seqid);
}

void rpc_write_struct_begin(rpc_writer_t *w)
{
	if (w->depth >= RPC_MAX_DEPTH) {
		w->overflow = 1;
		return;
	}
	w->depth++;
	w->last_id[w->depth] = 0;
}

void rpc_write_struct_end(rpc_writer_t *w)
{
	buf_put_u8(w->out, 0);
	if (w->depth > 0)
		w->depth--;
}

/* Field header with the compact type id `ct` (binary: the RPC_T_ type). */
static void field_header(rpc_writer_t *w, int type, int ct, int16_t id)
{
	if (w->proto == RPC_BINARY) {
		buf_put_u8(w->out, (uint8_t)type);
		buf_put_be16(w->out, (uint16_t)id);
		return;
	}
	int delta = id - w->last_id[w->depth];
	if (delta > 0 && delta <= 15) {
		buf_put_u8(w->out, (uint8_t)((delta << 4) | ct));
	} else {
		buf_put_u8(w->out, (uint8_t)ct);
		buf_put_svarint32(w->out, id);
	}
	w->last_id[w->depth] = id;
}

void rpc_write_field(rpc_writer_t *w, int type, int16_t id)
{
	field_header(w, type, to_compact[type & 15], id);
}

void rpc_write_field_bool(rpc_writer_t *w, int16_t id, int v)
{
	field_header(w, RPC_T_BOOL, v ? 1 : 2, id);
	if (w->proto == RPC_BINARY)
		buf_put_u8(w->out, v ? 1 : 0);
}

void rpc_write_field_i32(rpc_writer_t *w, int16_t id, int32_t v)
{
	rpc_write_field(w, RPC_T_I32, id);
	rpc_write_i32(w, v);
}

void rpc_write_field_i64(rpc_writer_t *w, int16_t id, int64_t v)
{
	rpc_write_field(w, RPC_T_I64, id);
	rpc_write_i64(w, v);
}

void rpc_write_field_string(rpc_writer_t *w, int16_t id, const char *s)
{
	rpc_write_field(w, RPC_T_STRING, id);
	rpc_write_string(w, s);
}

void rpc_write_field_binary(rpc_writer_t *w, int16_t id, const void *p, size_t n)
{
	rpc_write_field(w, RPC_T_STRING, id);
	rpc_write_binary(w, p, n);
}

void rpc_write_list_begin(rpc_writer_t *w, int etype, size_t n)
{
	if (w->proto == RPC_BINARY) {
		buf_put_u8(w->out, (uint8_t)etype);
		buf_put_be32(w->out, (uint32_t)n);
	} else if (n <= 14) {
		buf_put_u8(w->out, (uint8_t)((n << 4) | to_compact[etype & 15]));
	} else {
		buf_put_u8(w->out, (uint8_t)(0xf0 | to_compact[etype & 15]));
		buf_put_uvarint(w->out, n);
	}
}

void rpc_write_map_begin(rpc_writer_t *w, int ktype, int vtype, size_t n)
{
	if (w->proto == RPC_BINARY) {
		buf_put_u8(w->out, (uint8_t)ktype);
		buf_put_u8(w->out, (uint8_t)vtype);
		buf_put_be32(w->out, (uint32_t)n);
	} else if (n == 0) {
		buf_put_u8(w->out, 0);
	} else {
		buf_put_uvarint(w->out, n);
		buf_put_u8(w->out, (uint8_t)((to_compact[ktype & 15] << 4) | to_compact[vtype & 15]));
	}
}

void rpc_write_bool(rpc_writer_t *w, int v)
{
	buf_put_u8(w->out, w->proto == RPC_COMPACT ? (v ? 1 : 2) : (v ? 1 : 0));
}

void rpc_write_i8(rpc_writer_t *w, int8_t v)
{
	buf_put_u8(w->out, (uint8_t)v);
}

void rpc_write_i16(rpc_writer_t *w, int16_t v)
{
	if (w->proto == RPC_COMPACT)
		buf_put_svarint32(w->out, v);
	else
		buf_put_be16(w->out, (uint16_t)v);
}

void rpc_write_i32(rpc_writer_t *w, int32_t v)
{
	if (w->proto == RPC_COMPACT)
		buf_put_svarint32(w->out, v);
	else
		buf_put_be32(w->out, (uint32_t)v);
}

void rpc_write_i64(rpc_writer_t *w, int64_t v)
{
	if (w->proto == RPC_COMPACT)
		buf_put_svarint64(w->out, v);
	else
		buf_put_be64(w->out, (uint64_t)v);
}

void rpc_write_double(rpc_writer_t *w, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	if (w->proto == RPC_BINARY) {
		buf_put_be64(w->out, u);
		return;
	}
	uint8_t le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(u >> (8 * i));
	buf_put(w->out, le, 8);
}

void rpc_write_binary(rpc_writer_t *w, const void *p, size_t n)
{
	if (w->proto == RPC_COMPACT)
		buf_put_uvarint(w->out, n);
	else
		buf_put_be32(w->out, (uint32_t)n);
	buf_put(w->out, p, n);
}

void rpc_write_string(rpc_writer_t *w, const char *s)
{
	rpc_write_binary(w, s ? s : "", s ? strlen(s) : 0);
}

/*---------------------------------------------------------------------------
 * Framed transport
 *---------------------------------------------------------------------------*/

int rpc_frame_length(const uint8_t hdr[4], size_t max_frame, size_t *len, larch_error_t *err)
{
	int32_t n = (int32_t)load_be32(hdr);
	if (max_frame == 0)
		max_frame = RPC_DEFAULT_MAX_FRAME;
	*len = 0;
	if (n <= 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "thrift: frame length %d is not positive",
			       n);
	if ((size_t)n > max_frame)
		return err_set(err, RPC_FRAME_OVERSIZE,
			       "thrift: frame of %d bytes exceeds the limit of %zu", n, max_frame);
	*len = (size_t)n;
	return LARCH_OK;
}

size_t rpc_frame_begin(buf_t *out)
{
	size_t at = out->len;
	buf_put_be32(out, 0);
	return at;
}

void rpc_frame_end(buf_t *out, size_t at)
{
	if (buf_ok(out) && out->len >= at + 4)
		store_be32(out->data + at, (uint32_t)(out->len - at - 4));
}

int rpc_detect_proto(uint8_t first)
{
	if (first == 0x80)
		return RPC_BINARY;
	if (first == 0x82)
		return RPC_COMPACT;
	return -1;
}
