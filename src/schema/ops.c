/*
 * ops.c — schema operations: their byte encoding, applying them to the
 * state, undoing them.
 *
 * Every change to a schema is a sequence of operations.  A live change
 * encodes them, applies them (ops_apply) and logs the same bytes; opening a
 * schema decodes and applies the snapshot's and the log's bytes with the
 * same code, so the replayed state is the state that was acknowledged.
 *
 * Encoding: one opcode byte, then fields.  Integers are LEB128 varints
 * ("u"), strings a varint length and the bytes ("s", at most 65535 bytes),
 * "tec" three varints type, encoding, compressor.
 *
 *   op                   fields
 *   1  META              u version(1), u next_sid, u next_dev, u next_db,
 *                        u next_tid, u last_seq          (snapshots only)
 *   2  DB_CREATE         u db_id, s path
 *   3  DB_DELETE         u db_id
 *   4  SERIES_CREATE     u dev_id, s device path, u aligned, u template id
 *                        to activate (0: none), u n, then n items:
 *                          u sid, s name, s alias (empty: none), tec,
 *                          u flags (1: from the template), u ntags,
 *                          u nattrs, u nprops, then the (s key, s value)
 *                          pairs of tags, attributes, properties
 *   5  SERIES_DELETE     u n, n x u sid
 *   6  SERIES_ALTER      u sid, s alias, u ntags, u nattrs, pairs
 *                        (replaces alias, tags and attributes)
 *   7  TMPL_CREATE       u tid, s name, u aligned, u n, n x (s name, tec)
 *   8  TMPL_EXTEND       u tid, u sid_base, u n, n x (s name, tec); the
 *                        devices with the template activated, by ascending
 *                        device id, get series sid_base, sid_base + 1, ...
 *                        (n per device, in template order)
 *   9  TMPL_DROP         u tid
 *   10 TMPL_SET          u tid, s path
 *   11 TMPL_UNSET        u tid, s path
 *   12 TMPL_DEACTIVATE   u n, n x u dev_id
 *   13 END               (snapshots only: the snapshot is complete)
 *   14 DB_TTL            u db_id, u ttl (0: none) — SET / UNSET TTL; in a
 *                        snapshot it follows its DB_CREATE
 *
 * Creating operations (2, 4, 6, 7, 8, 10) can fail for memory and can be
 * undone without allocating; destroying ones (3, 5, 9, 11, 12) and DB_TTL
 * (14, which only overwrites a slot that exists with the database) cannot fail
 * on valid input, so they are logged before they are applied.
 */
#include "schema/schema_int.h"

#define MAX_DB_ID (1u << 24)
#define MAX_TID 65535u

/*---------------------------------------------------------------------------
 * Encoding
 *---------------------------------------------------------------------------*/

static void put_u(buf_t *b, uint64_t v) { buf_put_uvarint(b, v); }

void op_put_str(buf_t *b, const char *p, size_t n)
{
	put_u(b, n);
	buf_put(b, p, n);
}

static void put_id_str(buf_t *b, const schema_t *s, uint32_t id)
{
	uint32_t len = 0;
	const char *p = id ? name_of(s, id, &len) : "";
	op_put_str(b, p, len);
}

static void put_tec(buf_t *b, const uint8_t tec[3])
{
	put_u(b, tec[0]);
	put_u(b, tec[1]);
	put_u(b, tec[2]);
}

static void put_kvs(buf_t *b, const schema_kv_t *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		op_put_str(b, kv[i].key, strlen(kv[i].key));
		op_put_str(b, kv[i].value, strlen(kv[i].value));
	}
}

static void put_id_pairs(buf_t *b, const schema_t *s, const uint32_t *ids, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++)
		put_id_str(b, s, ids[i]);
}

void op_meta(buf_t *b, const schema_t *s)
{
	buf_put_u8(b, OP_META);
	put_u(b, 1);
	put_u(b, s->next_sid);
	put_u(b, s->next_dev);
	put_u(b, s->next_db);
	put_u(b, s->next_tid);
	put_u(b, s->seq);
}

void op_db_create(buf_t *b, uint32_t db_id, const char *path, size_t len)
{
	buf_put_u8(b, OP_DB_CREATE);
	put_u(b, db_id);
	op_put_str(b, path, len);
}

void op_db_ttl(buf_t *b, uint32_t db_id, int64_t ttl)
{
	buf_put_u8(b, OP_DB_TTL);
	put_u(b, db_id);
	put_u(b, (uint64_t)ttl);
}

void op_one(buf_t *b, int op, uint32_t id)
{
	buf_put_u8(b, (uint8_t)op);
	put_u(b, id);
}

void op_series_create_head(buf_t *b, uint32_t dev_id, const char *path, size_t len,
			   int aligned, uint32_t tmpl, uint32_t n)
{
	buf_put_u8(b, OP_SERIES_CREATE);
	put_u(b, dev_id);
	op_put_str(b, path, len);
	put_u(b, aligned ? 1 : 0);
	put_u(b, tmpl);
	put_u(b, n);
}

static void item_head(buf_t *b, uint32_t sid, const char *name, size_t nlen, const char *alias,
		      size_t alen, const uint8_t tec[3], unsigned flags, size_t nt, size_t na,
		      size_t np)
{
	put_u(b, sid);
	op_put_str(b, name, nlen);
	op_put_str(b, alias ? alias : "", alias ? alen : 0);
	put_tec(b, tec);
	put_u(b, flags);
	put_u(b, nt);
	put_u(b, na);
	put_u(b, np);
}

void op_series_item(buf_t *b, uint32_t sid, const char *name, size_t nlen, const char *alias,
		    size_t alen, const uint8_t tec[3], unsigned flags,
		    const schema_kv_t *t, size_t nt, const schema_kv_t *a, size_t na,
		    const schema_kv_t *p, size_t np)
{
	item_head(b, sid, name, nlen, alias, alen, tec, flags, nt, na, np);
	put_kvs(b, t, nt);
	put_kvs(b, a, na);
	put_kvs(b, p, np);
}

void op_series_item_x(buf_t *b, const schema_t *s, uint32_t sid, const series_t *sr)
{
	uint32_t nlen, alen = 0;
	const char *name = name_of(s, sr->name, &nlen);
	const char *alias = sr->alias ? name_of(s, sr->alias, &alen) : NULL;
	const uint32_t *x = sr->flags & SF_EXTRAS ? ext_get(s, sid) : NULL;
	uint8_t tec[3] = {sr->type, sr->enc, sr->codec};
	item_head(b, sid, name, nlen, alias, alen, tec, sr->flags & SF_TMPL, x ? EX_NT(x) : 0,
		  x ? EX_NA(x) : 0, x ? EX_NP(x) : 0);
	if (x)
		put_id_pairs(b, s, EX_TAGS(x), (size_t)EX_NT(x) + EX_NA(x) + EX_NP(x));
}

void op_ids(buf_t *b, int op, const uint32_t *ids, size_t n)
{
	buf_put_u8(b, (uint8_t)op);
	put_u(b, n);
	for (size_t i = 0; i < n; i++)
		put_u(b, ids[i]);
}

void op_series_alter(buf_t *b, uint32_t sid, const char *alias, size_t alen,
		     const schema_kv_t *t, size_t nt, const schema_kv_t *a, size_t na)
{
	buf_put_u8(b, OP_SERIES_ALTER);
	put_u(b, sid);
	op_put_str(b, alias ? alias : "", alias ? alen : 0);
	put_u(b, nt);
	put_u(b, na);
	put_kvs(b, t, nt);
	put_kvs(b, a, na);
}

static void put_tmeas(buf_t *b, const schema_t *s, const tmeas_t *ms, uint32_t n)
{
	put_u(b, n);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t tec[3] = {ms[i].type, ms[i].enc, ms[i].codec};
		put_id_str(b, s, ms[i].name);
		put_tec(b, tec);
	}
}

void op_tmpl_create(buf_t *b, uint32_t tid, const char *name, int aligned,
		    const tmeas_t *ms, uint32_t n, const schema_t *s)
{
	buf_put_u8(b, OP_TMPL_CREATE);
	put_u(b, tid);
	op_put_str(b, name, strlen(name));
	put_u(b, aligned ? 1 : 0);
	put_tmeas(b, s, ms, n);
}

void op_tmpl_extend(buf_t *b, uint32_t tid, uint32_t sid_base, const tmeas_t *ms, uint32_t n,
		    const schema_t *s)
{
	buf_put_u8(b, OP_TMPL_EXTEND);
	put_u(b, tid);
	put_u(b, sid_base);
	put_tmeas(b, s, ms, n);
}

void op_tmpl_path(buf_t *b, int op, uint32_t tid, const char *path, size_t len)
{
	buf_put_u8(b, (uint8_t)op);
	put_u(b, tid);
	op_put_str(b, path, len);
}

/*---------------------------------------------------------------------------
 * Decoding helpers
 *---------------------------------------------------------------------------*/

static int corrupt(larch_error_t *err, const char *what)
{
	return err_set(err, LARCH_CORRUPTED, "schema log: %s", what);
}

static int oom(larch_error_t *err)
{
	return err_set(err, LARCH_NO_MEMORY, "out of memory changing the schema");
}

static uint32_t get_u32(rd_t *r)
{
	uint64_t v = rd_uvarint(r);
	if (v > UINT32_MAX)
		r->bad = 1;
	return (uint32_t)v;
}

static schema_str_t get_str(rd_t *r)
{
	schema_str_t s = {"", 0};
	uint32_t n = get_u32(r);
	const uint8_t *p = n <= SCHEMA_MAX_NAME ? rd_bytes(r, n) : NULL;
	if (!p) {
		r->bad = 1;
		return s;
	}
	s.ptr = (const char *)p;
	s.len = n;
	return s;
}

/* A type, encoding and compressor that fit together. */
static int get_tec(rd_t *r, uint8_t tec[3])
{
	uint32_t t = get_u32(r), e = get_u32(r), c = get_u32(r);
	tec[0] = (uint8_t)t;
	tec[1] = (uint8_t)e;
	tec[2] = (uint8_t)c;
	return rd_ok(r) && t <= 11 && e <= 13 && c <= 9 &&
	       check_tec(NULL, (tsfile_type_t)t, (int)e, (int)c, tec, 0, NULL) == LARCH_OK;
}

/* Intern a decoded string (the caller checked it is not empty where that
 * matters). */
static int get_name(schema_t *s, rd_t *r, uint32_t *id, int may_be_empty)
{
	schema_str_t n = get_str(r);
	if (!rd_ok(r) || (!n.len && !may_be_empty) || memchr(n.ptr, '\0', n.len))
		return LARCH_CORRUPTED;
	if (!n.len) {
		*id = 0;
		return LARCH_OK;
	}
	return intern_add(&s->names, n.ptr, n.len, id);
}

/* Parse a path field: full path, not a pattern. */
static int get_path(rd_t *r, ppath_t *pp)
{
	schema_str_t p = get_str(r);
	if (!rd_ok(r))
		return LARCH_CORRUPTED;
	return path_parse(p.ptr, p.len, 0, pp, NULL) ? LARCH_CORRUPTED : LARCH_OK;
}

static int fail(int rc, larch_error_t *err, const char *what)
{
	return rc == LARCH_NO_MEMORY ? oom(err) : corrupt(err, what);
}

/* Decode nt + na + np key/value pairs into a new extras block (*out NULL
 * when there are none). */
static int get_extras(schema_t *s, rd_t *r, uint32_t nt, uint32_t na, uint32_t np,
		      const uint32_t *props, uint32_t **out)
{
	uint64_t pairs = (uint64_t)nt + na + (props ? 0 : np);
	*out = NULL;
	if (pairs > rd_left(r) / 2)
		return LARCH_CORRUPTED;
	if (!nt && !na && !np)
		return LARCH_OK;
	uint32_t *x = mem_alloc(EX_WORDS(nt, na, np) * sizeof(uint32_t));
	if (!x)
		return LARCH_NO_MEMORY;
	EX_NT(x) = nt;
	EX_NA(x) = na;
	EX_NP(x) = np;
	int rc = LARCH_OK;
	for (uint64_t i = 0; i < 2 * pairs && !rc; i++)
		rc = get_name(s, r, &EX_TAGS(x)[i], i & 1);
	if (props)
		memcpy(EX_PROPS(x), props, 2 * (size_t)np * sizeof(uint32_t));
	if (rc) {
		mem_free(x);
		return rc;
	}
	*out = x;
	return LARCH_OK;
}

static void skip_pairs(rd_t *r, uint64_t n)
{
	for (uint64_t i = 0; i < 2 * n && rd_ok(r); i++)
		get_str(r);
}

/*---------------------------------------------------------------------------
 * Databases
 *---------------------------------------------------------------------------*/

static int a_db_create(schema_t *s, rd_t *r, undo_t *u, larch_error_t *err)
{
	uint32_t id = get_u32(r), node;
	ppath_t pp;
	if (!rd_ok(r) || !id || id >= MAX_DB_ID || get_path(r, &pp))
		return corrupt(err, "bad database operation");
	if (id < s->cap_db && s->dbs[id]) {
		path_done(&pp);
		return corrupt(err, "database id in use");
	}
	if (id >= s->cap_db) {
		uint32_t nc = s->cap_db ? s->cap_db : 16;
		while (nc <= id)
			nc *= 2;
		/* both arrays grow before cap_db moves: a failure leaves them usable */
		uint32_t *d = mem_realloc(s->dbs, (size_t)nc * sizeof(*d));
		if (d)
			s->dbs = d;
		int64_t *t = d ? mem_realloc(s->db_ttl, (size_t)nc * sizeof(*t)) : NULL;
		if (!t) {
			path_done(&pp);
			return oom(err);
		}
		memset(d + s->cap_db, 0, (size_t)(nc - s->cap_db) * sizeof(*d));
		memset(t + s->cap_db, 0, (size_t)(nc - s->cap_db) * sizeof(*t));
		s->db_ttl = t;
		s->cap_db = nc;
	}
	int rc = pp.n < 2 ? LARCH_CORRUPTED : node_ensure(s, pp.node, pp.n, &node);
	path_done(&pp);
	if (rc)
		return fail(rc, err, "bad database path");
	if (node_db(s, node) != NODE_NONE) {
		node_gc(s, node);
		return corrupt(err, "database inside a database");
	}
	node_at(s, node)->db = id;
	s->dbs[id] = node;
	s->db_ttl[id] = 0;
	if (id >= s->next_db)
		s->next_db = id + 1;
	s->live_dbs++;
	u->id = id;
	return LARCH_OK;
}

static void undo_db_create(schema_t *s, const undo_t *u)
{
	uint32_t node = s->dbs[u->id];
	node_at(s, node)->db = 0;
	s->dbs[u->id] = 0;
	s->live_dbs--;
	node_gc(s, node);
}

/* Forget a series whose device is being destroyed as a whole. */
static void ser_forget(schema_t *s, uint32_t sid)
{
	series_t *sr = ser_at(s, sid);
	if (sr->flags & SF_EXTRAS)
		mem_free(ext_detach(s, sid));
	memset(sr, 0, sizeof(*sr));
	s->live_series--;
}

/* Free node and everything below it, post-order (parents outlive their
 * children, so device path hashes can still be computed).  Children are
 * not unlinked one by one: their parent's table goes as a whole. */
static void subtree_free(schema_t *s, uint32_t node)
{
	tnode_t *t = node_at(s, node);
	for (uint32_t i = 0; i < map_cap(t->kids); i++)
		if (MAP_KEY(t->kids, i)) {
			uint32_t c = MAP_VAL(t->kids, i);
			subtree_free(s, c);
			tnode_t *ct = node_at(s, c);
			ct->name = 0;
			ct->parent = s->node_free;
			s->node_free = c;
		}
	map_free(&t->kids);
	device_t *d = dev_get(s, t->dev);
	if (d) {
		for (uint32_t i = 0; i < map_cap(d->meas); i++) {
			uint32_t v = MAP_VAL(d->meas, i);
			if (MAP_KEY(d->meas, i) && !(v & SID_ALIAS))
				ser_forget(s, v);
		}
		d->nseries = 0;
		if (d->tmpl)
			s->tmpls[d->tmpl].nused--;
		d->tmpl = 0;
		dev_remove(s, t->dev);
	}
	if (t->tmpl)
		s->tmpls[t->tmpl].nset--;
	t->tmpl = 0;
	if (t->db) {
		s->dbs[t->db] = 0;
		s->live_dbs--;
		t->db = 0;
	}
}

static int a_db_delete(schema_t *s, rd_t *r, larch_error_t *err)
{
	uint32_t id = get_u32(r);
	if (!rd_ok(r) || !id || id >= s->cap_db || !s->dbs[id])
		return corrupt(err, "deleting an unknown database");
	uint32_t node = s->dbs[id];
	subtree_free(s, node);
	node_gc(s, node);
	return LARCH_OK;
}

/* SET / UNSET TTL of a live database: overwrites its slot, cannot fail on
 * valid input. */
static int a_db_ttl(schema_t *s, rd_t *r, larch_error_t *err)
{
	uint32_t id = get_u32(r);
	uint64_t ttl = rd_uvarint(r);
	if (!rd_ok(r) || !id || id >= s->cap_db || !s->dbs[id] || ttl > INT64_MAX)
		return corrupt(err, "bad TTL operation");
	s->db_ttl[id] = (int64_t)ttl;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Series
 *---------------------------------------------------------------------------*/

/* Decode the fixed part of a SERIES_CREATE item. */
static void get_item_head(rd_t *r, op_series_t *it, uint8_t *tec_ok)
{
	it->sid = get_u32(r);
	it->name = get_str(r);
	it->alias = get_str(r);
	uint8_t tec[3];
	*tec_ok = (uint8_t)get_tec(r, tec);
	it->type = tec[0];
	it->enc = tec[1];
	it->codec = tec[2];
	it->flags = (uint8_t)get_u32(r);
	it->nt = get_u32(r);
	it->na = get_u32(r);
	it->np = get_u32(r);
}

/* Decode one item and create its series on device dev_id; atomic. */
static int a_item(schema_t *s, rd_t *r, uint32_t dev_id, larch_error_t *err)
{
	op_series_t it;
	uint8_t tec_ok;
	get_item_head(r, &it, &tec_ok);
	if (!rd_ok(r) || !tec_ok || !it.sid || it.sid > SCHEMA_MAX_SID || ser_get(s, it.sid) ||
	    !it.name.len || (it.flags & ~SF_TMPL) || memchr(it.name.ptr, '\0', it.name.len) ||
	    memchr(it.alias.ptr, '\0', it.alias.len))
		return corrupt(err, "bad series");
	uint32_t name, alias = 0;
	int rc = intern_add(&s->names, it.name.ptr, it.name.len, &name);
	if (!rc && it.alias.len)
		rc = intern_add(&s->names, it.alias.ptr, it.alias.len, &alias);
	if (rc)
		return oom(err);
	const device_t *d = dev_at(s, dev_id);
	if (((it.flags & SF_TMPL) && !d->tmpl) || dev_meas(d, name) ||
	    node_child(s, d->node, name) != NODE_NONE ||
	    (alias && (alias == name || dev_meas(d, alias) ||
		       node_child(s, d->node, alias) != NODE_NONE)))
		return corrupt(err, "series name in use");
	uint32_t *x;
	rc = get_extras(s, r, it.nt, it.na, it.np, NULL, &x);
	if (rc)
		return fail(rc, err, "bad tags");
	uint8_t tec[3] = {it.type, it.enc, it.codec};
	rc = ser_create(s, dev_id, it.sid, name, alias, tec, it.flags, x);
	if (rc) {
		mem_free(x);
		return oom(err);
	}
	return LARCH_OK;
}

static void undo_series_create(schema_t *s, const undo_t *u)
{
	rd_t r;
	rd_init(&r, u->at, u->len, 0);
	rd_u8(&r);
	get_u32(&r);
	get_str(&r);
	get_u32(&r);
	get_u32(&r);
	get_u32(&r);
	for (uint32_t i = 0; i < u->progress; i++) {
		op_series_t it;
		uint8_t tec_ok;
		get_item_head(&r, &it, &tec_ok);
		skip_pairs(&r, (uint64_t)it.nt + it.na + it.np);
		ser_remove(s, it.sid);
	}
	device_t *d = dev_at(s, u->id);
	if (u->act_new) {
		s->tmpls[d->tmpl].nused--;
		d->tmpl = 0;
	}
	if (u->dev_new)
		dev_drop_if_empty(s, u->id);
}

static int a_series_create(schema_t *s, rd_t *r, undo_t *u, larch_error_t *err)
{
	uint32_t dev_id = get_u32(r), node;
	ppath_t pp;
	if (!rd_ok(r) || !dev_id || get_path(r, &pp))
		return corrupt(err, "bad series operation");
	uint32_t aligned = get_u32(r), tid = get_u32(r), n = get_u32(r);
	int rc = !rd_ok(r) || pp.n < 2 || n > rd_left(r) ? LARCH_CORRUPTED
							 : node_ensure(s, pp.node, pp.n, &node);
	path_done(&pp);
	if (rc)
		return fail(rc, err, "bad device path");
	tnode_t *t = node_at(s, node);
	u->id = dev_id;
	if (!t->dev) {
		rc = dev_get(s, dev_id) ? LARCH_CORRUPTED : dev_create(s, node, dev_id, aligned);
		if (rc) {
			node_gc(s, node);
			return fail(rc, err, "device id in use");
		}
		u->dev_new = 1;
	} else if (t->dev != dev_id) {
		return corrupt(err, "device id does not match its path");
	}
	device_t *d = dev_at(s, dev_id);
	if (tid) {
		tmpl_t *tm = tmpl_get(s, tid);
		if (!tm || d->tmpl) {
			undo_series_create(s, u);
			return corrupt(err, "bad template activation");
		}
		d->tmpl = (uint16_t)tid;
		tm->nused++;
		u->act_new = 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		rc = a_item(s, r, dev_id, err);
		if (rc) {
			undo_series_create(s, u);
			return rc;
		}
		u->progress++;
	}
	return LARCH_OK;
}

static int a_series_delete(schema_t *s, rd_t *r, larch_error_t *err)
{
	uint32_t n = get_u32(r);
	if (!rd_ok(r) || n > rd_left(r))
		return corrupt(err, "bad delete");
	for (uint32_t i = 0; i < n; i++) {
		uint32_t sid = get_u32(r);
		series_t *sr = rd_ok(r) ? ser_get(s, sid) : NULL;
		if (!sr)
			return corrupt(err, "deleting an unknown series");
		uint32_t dev = sr->dev;
		ser_remove(s, sid);
		dev_drop_if_empty(s, dev);
	}
	return LARCH_OK;
}

static int a_series_alter(schema_t *s, rd_t *r, undo_t *u, larch_error_t *err)
{
	uint32_t sid = get_u32(r), alias;
	series_t *sr = rd_ok(r) ? ser_get(s, sid) : NULL;
	if (!sr)
		return corrupt(err, "altering an unknown series");
	int rc = get_name(s, r, &alias, 1);
	uint32_t nt = get_u32(r), na = get_u32(r);
	if (rc || !rd_ok(r))
		return fail(rc ? rc : LARCH_CORRUPTED, err, "bad alter");
	const device_t *d = dev_at(s, sr->dev);
	if (alias && alias != sr->alias &&
	    (alias == sr->name || dev_meas(d, alias) || node_child(s, d->node, alias) != NODE_NONE))
		return corrupt(err, "alias in use");
	const uint32_t *old = sr->flags & SF_EXTRAS ? ext_get(s, sid) : NULL;
	uint32_t np = old ? EX_NP(old) : 0;
	uint32_t *x;
	rc = get_extras(s, r, nt, na, np, old ? EX_PROPS(old) : NULL, &x);
	if (!rc && ((alias != sr->alias && dev_alias_reserve(s, sr->dev)) ||
		    (x && ext_reserve(s, x))))
		rc = LARCH_NO_MEMORY;
	if (rc) {
		mem_free(x);
		return fail(rc, err, "bad alter");
	}
	u->id = sid;
	u->old_alias = sr->alias;
	u->old_extras = old ? ext_detach(s, sid) : NULL;
	if (x)
		ext_attach(s, sid, x);
	sr->flags = (uint8_t)((sr->flags & ~SF_EXTRAS) | (x ? SF_EXTRAS : 0));
	if (alias != sr->alias)
		ser_set_alias(s, sid, alias);
	return LARCH_OK;
}

static void undo_series_alter(schema_t *s, undo_t *u)
{
	series_t *sr = ser_at(s, u->id);
	if (sr->flags & SF_EXTRAS)
		mem_free(ext_detach(s, u->id));
	/* The slot, the extmap entry and the tag sets just freed make room. */
	if (u->old_extras)
		ext_attach(s, u->id, u->old_extras);
	sr->flags = (uint8_t)((sr->flags & ~SF_EXTRAS) | (u->old_extras ? SF_EXTRAS : 0));
	u->old_extras = NULL;
	if (sr->alias != u->old_alias)
		ser_set_alias(s, u->id, u->old_alias);
}

/*---------------------------------------------------------------------------
 * Templates
 *---------------------------------------------------------------------------*/

/* Decode n template measurements into a mem_alloc'd array (*out). */
static int get_tmeas(schema_t *s, rd_t *r, const tmpl_t *t, tmeas_t **out, uint32_t *np)
{
	uint32_t n = get_u32(r);
	*out = NULL;
	if (!rd_ok(r) || n > rd_left(r) / 4)
		return LARCH_CORRUPTED;
	tmeas_t *ms = n ? mem_calloc(n, sizeof(*ms)) : NULL;
	if (n && !ms)
		return LARCH_NO_MEMORY;
	int rc = LARCH_OK;
	for (uint32_t i = 0; i < n && !rc; i++) {
		uint8_t tec[3];
		rc = get_name(s, r, &ms[i].name, 0);
		if (!rc && !get_tec(r, tec))
			rc = LARCH_CORRUPTED;
		ms[i].type = tec[0];
		ms[i].enc = tec[1];
		ms[i].codec = tec[2];
		for (uint32_t j = 0; j < i && !rc; j++)
			if (ms[j].name == ms[i].name)
				rc = LARCH_CORRUPTED;
		if (!rc && t && tmpl_meas_index(t, ms[i].name) >= 0)
			rc = LARCH_CORRUPTED;
	}
	if (rc) {
		mem_free(ms);
		return rc;
	}
	*out = ms;
	*np = n;
	return LARCH_OK;
}

static int a_tmpl_create(schema_t *s, rd_t *r, undo_t *u, larch_error_t *err)
{
	uint32_t tid = get_u32(r), name, n = 0;
	int rc = get_name(s, r, &name, 0);
	uint32_t aligned = get_u32(r);
	if (rc || !rd_ok(r) || !tid || tid > MAX_TID || tmpl_get(s, tid))
		return fail(rc ? rc : LARCH_CORRUPTED, err, "bad template");
	uint32_t nlen;
	const char *nm = name_of(s, name, &nlen);
	if (tmpl_by_name(s, nm, nlen))
		return corrupt(err, "duplicate template name");
	tmeas_t *ms;
	rc = get_tmeas(s, r, NULL, &ms, &n);
	if (!rc)
		rc = tmpl_create(s, tid, name, aligned);
	if (!rc && (rc = tmpl_append(s, tid, ms, n)) != LARCH_OK)
		tmpl_destroy(s, tid);
	mem_free(ms);
	if (rc)
		return fail(rc, err, "bad template measurements");
	u->id = tid;
	return LARCH_OK;
}

static void undo_tmpl_extend(schema_t *s, const undo_t *u)
{
	for (uint32_t i = 0; i < u->progress; i++)
		ser_remove(s, u->base + i);
	tmpl_truncate(s, u->id, u->old_n);
}

static int a_tmpl_extend(schema_t *s, rd_t *r, undo_t *u, larch_error_t *err)
{
	uint32_t tid = get_u32(r), base = get_u32(r), n = 0;
	tmpl_t *t = rd_ok(r) ? tmpl_get(s, tid) : NULL;
	if (!t || !base)
		return corrupt(err, "bad template extension");
	tmeas_t *ms;
	int rc = get_tmeas(s, r, t, &ms, &n);
	if (!rc) {
		u->old_n = t->n;
		rc = tmpl_append(s, tid, ms, n);
	}
	mem_free(ms);
	if (rc)
		return fail(rc, err, "bad template extension");
	u->id = tid;
	u->base = base;
	for (uint32_t dev = 1; dev < s->next_dev && !rc; dev++) {
		const device_t *d = dev_get(s, dev);
		if (!d || d->tmpl != tid)
			continue;
		for (uint32_t j = 0; j < n && !rc; j++) {
			const tmeas_t *m = &t->ms[u->old_n + j];
			uint32_t sid = base + u->progress;
			uint8_t tec[3] = {m->type, m->enc, m->codec};
			if (sid > SCHEMA_MAX_SID || ser_get(s, sid) || dev_meas(d, m->name) ||
			    node_child(s, d->node, m->name) != NODE_NONE)
				rc = LARCH_CORRUPTED;
			else
				rc = ser_create(s, dev, sid, m->name, 0, tec, SF_TMPL, NULL);
			if (!rc)
				u->progress++;
		}
	}
	if (rc) {
		undo_tmpl_extend(s, u);
		return fail(rc, err, "template series in use");
	}
	return LARCH_OK;
}

static int a_tmpl_drop(schema_t *s, rd_t *r, larch_error_t *err)
{
	uint32_t tid = get_u32(r);
	tmpl_t *t = rd_ok(r) ? tmpl_get(s, tid) : NULL;
	if (!t || t->nset || t->nused)
		return corrupt(err, "dropping a template in use");
	tmpl_destroy(s, tid);
	return LARCH_OK;
}

static int a_tmpl_set(schema_t *s, rd_t *r, undo_t *u, larch_error_t *err)
{
	uint32_t tid = get_u32(r), node;
	tmpl_t *t = rd_ok(r) ? tmpl_get(s, tid) : NULL;
	ppath_t pp;
	if (!t || get_path(r, &pp))
		return corrupt(err, "bad template set");
	int rc = pp.n < 2 ? LARCH_CORRUPTED : node_ensure(s, pp.node, pp.n, &node);
	path_done(&pp);
	if (rc)
		return fail(rc, err, "bad template path");
	if (node_at(s, node)->tmpl) {
		node_gc(s, node);
		return corrupt(err, "template already set");
	}
	node_at(s, node)->tmpl = (uint16_t)tid;
	t->nset++;
	u->id = node;
	return LARCH_OK;
}

static void undo_tmpl_set(schema_t *s, const undo_t *u)
{
	tnode_t *t = node_at(s, u->id);
	s->tmpls[t->tmpl].nset--;
	t->tmpl = 0;
	node_gc(s, u->id);
}

static int a_tmpl_unset(schema_t *s, rd_t *r, larch_error_t *err)
{
	uint32_t tid = get_u32(r), node = NODE_NONE;
	tmpl_t *t = rd_ok(r) ? tmpl_get(s, tid) : NULL;
	ppath_t pp;
	if (!t || get_path(r, &pp))
		return corrupt(err, "bad template unset");
	node = node_find(s, pp.node, pp.n);
	path_done(&pp);
	if (node == NODE_NONE || node_at(s, node)->tmpl != tid)
		return corrupt(err, "template not set there");
	node_at(s, node)->tmpl = 0;
	t->nset--;
	node_gc(s, node);
	return LARCH_OK;
}

static int a_tmpl_deactivate(schema_t *s, rd_t *r, larch_error_t *err)
{
	uint32_t n = get_u32(r);
	if (!rd_ok(r) || n > rd_left(r))
		return corrupt(err, "bad deactivation");
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = get_u32(r);
		device_t *d = rd_ok(r) ? dev_get(s, id) : NULL;
		if (!d || !d->tmpl)
			return corrupt(err, "deactivating a device without template");
		tmpl_t *t = &s->tmpls[d->tmpl];
		for (uint32_t j = 0; j < t->n; j++) {
			uint32_t sid = dev_meas(d, t->ms[j].name);
			if (sid && !(sid & SID_ALIAS) && (ser_at(s, sid)->flags & SF_TMPL))
				ser_remove(s, sid);
		}
		t->nused--;
		d->tmpl = 0;
		dev_drop_if_empty(s, id);
	}
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Snapshot framing ops
 *---------------------------------------------------------------------------*/

static int a_meta(schema_t *s, rd_t *r, replay_t *rp, larch_error_t *err)
{
	uint32_t version = get_u32(r);
	uint32_t sid = get_u32(r), dev = get_u32(r), db = get_u32(r), tid = get_u32(r);
	uint64_t seq = rd_uvarint(r);
	if (!rd_ok(r) || !rp || rp->in_log || rp->have_meta || version != 1 || !sid ||
	    sid > SCHEMA_MAX_SID + 1 || !dev || !db || db > MAX_DB_ID || !tid || tid > MAX_TID + 1)
		return corrupt(err, "bad snapshot header");
	s->next_sid = LR_MAX(s->next_sid, sid);
	s->next_dev = LR_MAX(s->next_dev, dev);
	s->next_db = LR_MAX(s->next_db, db);
	s->next_tid = LR_MAX(s->next_tid, tid);
	rp->snap_seq = seq;
	rp->have_meta = 1;
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * Driver
 *---------------------------------------------------------------------------*/

static int apply_one(schema_t *s, rd_t *r, int op, undo_t *u, replay_t *rp, larch_error_t *err)
{
	switch (op) {
	case OP_META:
		return a_meta(s, r, rp, err);
	case OP_DB_CREATE:
		return a_db_create(s, r, u, err);
	case OP_DB_DELETE:
		return a_db_delete(s, r, err);
	case OP_DB_TTL:
		return a_db_ttl(s, r, err);
	case OP_SERIES_CREATE:
		return a_series_create(s, r, u, err);
	case OP_SERIES_DELETE:
		return a_series_delete(s, r, err);
	case OP_SERIES_ALTER:
		return a_series_alter(s, r, u, err);
	case OP_TMPL_CREATE:
		return a_tmpl_create(s, r, u, err);
	case OP_TMPL_EXTEND:
		return a_tmpl_extend(s, r, u, err);
	case OP_TMPL_DROP:
		return a_tmpl_drop(s, r, err);
	case OP_TMPL_SET:
		return a_tmpl_set(s, r, u, err);
	case OP_TMPL_UNSET:
		return a_tmpl_unset(s, r, err);
	case OP_TMPL_DEACTIVATE:
		return a_tmpl_deactivate(s, r, err);
	case OP_END:
		if (!rp || rp->in_log || !rp->have_meta || rp->ended)
			return corrupt(err, "misplaced snapshot end");
		rp->ended = 1;
		return LARCH_OK;
	default:
		return corrupt(err, "unknown operation");
	}
}

int ops_apply(schema_t *s, const uint8_t *p, size_t len, undo_t *undo, size_t nundo,
	      size_t *napplied, replay_t *rp, larch_error_t *err)
{
	rd_t r;
	rd_init(&r, p, len, 0);
	size_t k = 0;
	while (rd_left(&r)) {
		undo_t tmp;
		undo_t *u = undo ? &undo[k] : &tmp;
		if (undo && k == nundo)
			return corrupt(err, "more operations than expected");
		memset(u, 0, sizeof(*u));
		u->at = p + r.pos;
		u->len = rd_left(&r);
		u->op = rd_u8(&r);
		/* inside the snapshot nothing may follow its end; the log that is
		 * replayed after it (in_log) of course continues */
		if (rp && rp->ended && !rp->in_log)
			return corrupt(err, "operations after the snapshot end");
		int rc = apply_one(s, &r, u->op, u, rp, err);
		if (rc == LARCH_OK && !rd_ok(&r)) /* a destroying op read past the end */
			rc = corrupt(err, "truncated operation");
		if (rc) {
			if (undo)
				ops_undo(s, undo, k);
			return rc;
		}
		u->len = (size_t)(p + r.pos - u->at);
		if (!undo)
			ops_finish(s, u, 1);
		k++;
	}
	if (napplied)
		*napplied = k;
	return LARCH_OK;
}

void ops_undo(schema_t *s, undo_t *undo, size_t n)
{
	while (n--) {
		undo_t *u = &undo[n];
		switch (u->op) {
		case OP_DB_CREATE:
			undo_db_create(s, u);
			break;
		case OP_SERIES_CREATE:
			undo_series_create(s, u);
			break;
		case OP_SERIES_ALTER:
			undo_series_alter(s, u);
			break;
		case OP_TMPL_CREATE:
			tmpl_destroy(s, u->id);
			break;
		case OP_TMPL_EXTEND:
			undo_tmpl_extend(s, u);
			break;
		case OP_TMPL_SET:
			undo_tmpl_set(s, u);
			break;
		default: /* destroying operations are logged first, never undone */
			break;
		}
	}
}

void ops_finish(schema_t *s, undo_t *undo, size_t n)
{
	(void)s;
	for (size_t i = 0; i < n; i++) {
		mem_free(undo[i].old_extras);
		undo[i].old_extras = NULL;
	}
}
