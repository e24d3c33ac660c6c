/*
 * match.c — walking the tree against a path pattern: SHOW/COUNT
 * TIMESERIES, DEVICES, DATABASES, CHILD PATHS, COUNT NODES, the pattern
 * expansion of deletes, and the canonical dump.
 *
 * A pattern p[0..m) is matched like a regular expression over node names:
 * the walk carries the set of pattern positions reachable after the nodes
 * seen so far (a 64-bit mask; bit m means "the whole pattern matched this
 * node").  `**` keeps its own position and advances, any other pattern
 * node advances when it matches.  When the set is one position holding a
 * plain name the child is looked up by name instead of scanning all
 * children.  Listings visit children in byte order of their names.
 * Measurements also match through their alias.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "schema/schema_int.h"

typedef struct ent {
	const char *name;      /* node or measurement name: the sort key */
	uint32_t len;
	uint32_t id;           /* node index, or series id */
	uint8_t series;
	uint8_t by_alias;      /* an alias entry: matched through alias */
	const char *alias;     /* the alias of an alias entry */
	uint32_t alen;
} ent_t;

typedef struct walk walk_t;
/* Called for a fully matched node (sid 0) or series; non-zero stops. */
typedef int (*walk_fn)(walk_t *w, uint32_t node, uint32_t sid, int by_alias);

struct walk {
	const schema_t *s;
	const ppath_t *pat;
	int want_nodes;        /* call fn for matched tree nodes */
	int want_series;       /* walk into devices' measurements */
	int sorted;            /* children in name order */
	int stop_at_db;        /* databases hold no databases */
	walk_fn fn;
	void *arg;
	buf_t path;            /* canonical path of the current node */
	size_t dev_len;        /* length of the device part of a series path */
	uint32_t depth;
	uint32_t stack[SCHEMA_MAX_DEPTH + 1];
	int db_depth;          /* depth of the database on the way, -1 if none */
	ent_t *ents;
	size_t nents, capents;
	int stop;
	int rc;
	/* listing state */
	uint64_t offset, limit, seen, count;
	const schema_filter_t *filter;
	schema_kv_t *kvs;
	size_t capkvs;
	void *cb;
	void *cb_arg;
	uint32_t *set;         /* COUNT NODES: distinct ids */
	int level;
	int with_tmpl;         /* collect template series too */
	uint32_t tid;          /* template paths: which template */
	int using_tmpl;        /* template paths: activated (1) or set (0) */
};

static uint64_t step(const ppath_t *pat, uint64_t S, const char *name, size_t len)
{
	uint64_t T = 0, live = S & ((1ull << pat->n) - 1);
	while (live) {
		unsigned i = (unsigned)__builtin_ctzll(live);
		live &= live - 1;
		const pname_t *p = &pat->node[i];
		if (p->kind == PK_DSTAR)
			T |= 3ull << i;
		else if (pname_match(p, name, len))
			T |= 1ull << (i + 1);
	}
	return T;
}

static int full(const walk_t *w, uint64_t S)
{
	return (int)(S >> w->pat->n & 1);
}

static int push_ent(walk_t *w, const char *name, uint32_t len, uint32_t id, int series,
		    const char *alias, uint32_t alen)
{
	if (w->nents == w->capents) {
		size_t nc = w->capents ? w->capents * 2 : 64;
		ent_t *e = mem_realloc(w->ents, nc * sizeof(*e));
		if (!e)
			return -1;
		w->ents = e;
		w->capents = nc;
	}
	ent_t *e = &w->ents[w->nents++];
	e->name = name;
	e->len = len;
	e->id = id;
	e->series = (uint8_t)series;
	e->by_alias = alias != NULL;
	e->alias = alias;
	e->alen = alen;
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const ent_t *x = a, *y = b;
	int c = memcmp(x->name, y->name, LR_MIN(x->len, y->len));
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void path_push(walk_t *w, const char *name, size_t len)
{
	buf_put_u8(&w->path, '.');
	path_put_name(&w->path, name, len);
}

static int oom_stop(walk_t *w)
{
	w->rc = LARCH_NO_MEMORY;
	w->stop = 1;
	return 1;
}

static void visit(walk_t *w, uint32_t node, uint64_t S);

/* Visit one child entry whose state set is T. */
static void visit_ent(walk_t *w, uint32_t node, const ent_t *e, uint64_t T)
{
	size_t mark = w->path.len;
	if (e->series) {
		if (!full(w, T))
			return;
		w->dev_len = mark; /* e->name is the measurement's name, even for an alias */
		path_push(w, e->name, e->len);
		if (!buf_ok(&w->path))
			oom_stop(w);
		else if (w->fn(w, node, e->id, e->by_alias))
			w->stop = 1;
	} else {
		path_push(w, e->name, e->len);
		if (!buf_ok(&w->path))
			oom_stop(w);
		else
			visit(w, e->id, T);
	}
	w->path.len = mark;
}

/* The children of node as entries (nodes, and the measurements of the
 * device when series are wanted; a measurement with an alias also gets an
 * entry for it). */
static int collect(walk_t *w, uint32_t node)
{
	const schema_t *s = w->s;
	const tnode_t *t = node_at(s, node);
	for (uint32_t i = 0; i < map_cap(t->kids); i++) {
		if (!MAP_KEY(t->kids, i))
			continue;
		uint32_t len;
		const char *nm = name_of(s, MAP_KEY(t->kids, i), &len);
		if (push_ent(w, nm, len, MAP_VAL(t->kids, i), 0, NULL, 0))
			return -1;
	}
	const device_t *d = w->want_series ? dev_get(s, t->dev) : NULL;
	for (uint32_t i = 0; d && i < map_cap(d->meas); i++) {
		if (!MAP_KEY(d->meas, i))
			continue;
		uint32_t v = MAP_VAL(d->meas, i), sid = v & ~SID_ALIAS, len, alen = 0;
		const char *nm = name_of(s, ser_at(s, sid)->name, &len);
		const char *al = v & SID_ALIAS ? name_of(s, MAP_KEY(d->meas, i), &alen) : NULL;
		if (push_ent(w, nm, len, sid, 1, al, alen))
			return -1;
	}
	return 0;
}

static void visit(walk_t *w, uint32_t node, uint64_t S)
{
	const schema_t *s = w->s;
	const tnode_t *t = node_at(s, node);
	int was_db_depth = w->db_depth;
	w->stack[w->depth] = node;
	if (t->db)
		w->db_depth = (int)w->depth;
	if (full(w, S) && w->want_nodes && w->fn(w, node, 0, 0))
		w->stop = 1;
	uint64_t live = S & ((1ull << w->pat->n) - 1);
	if (w->stop || !live || (w->stop_at_db && t->db))
		goto out;
	w->depth++;
	unsigned i = (unsigned)__builtin_ctzll(live);
	const pname_t *p = &w->pat->node[i];
	if ((live & (live - 1)) == 0 && p->kind == PK_NAME) {
		/* one plain name: look the child up instead of scanning */
		uint32_t id = intern_find(&s->names, p->s, p->len);
		uint32_t c = id ? node_child(s, node, id) : NODE_NONE;
		const device_t *d = w->want_series && id ? dev_get(s, t->dev) : NULL;
		uint32_t v = d ? dev_meas(d, id) : 0;
		ent_t e = {p->s, p->len, c, 0, 0, NULL, 0};
		if (c != NODE_NONE) {
			visit_ent(w, node, &e, 1ull << (i + 1));
		} else if (v) {
			e.id = v & ~SID_ALIAS;
			e.series = 1;
			e.by_alias = (v & SID_ALIAS) != 0;
			e.name = name_of(s, ser_at(s, e.id)->name, &e.len);
			visit_ent(w, node, &e, 1ull << (i + 1));
		}
		w->depth--;
		goto out;
	}
	size_t base = w->nents;
	if (collect(w, node)) {
		oom_stop(w);
	} else {
		if (w->sorted && w->nents - base > 1)
			qsort(w->ents + base, w->nents - base, sizeof(ent_t), ent_cmp);
		for (size_t k = base; k < w->nents && !w->stop; k++) {
			ent_t e = w->ents[k]; /* visiting may move w->ents */
			uint64_t T = step(w->pat, S, e.name, e.len);
			if (e.by_alias) {
				/* the alias only counts when the name itself did not match */
				if (full(w, T))
					continue;
				T = step(w->pat, S, e.alias, e.alen);
			}
			visit_ent(w, node, &e, T);
		}
	}
	w->nents = base;
	w->depth--;
out:
	w->db_depth = was_db_depth;
}

static void walk_init(walk_t *w, const schema_t *s, const ppath_t *pat, walk_fn fn, void *arg)
{
	memset(w, 0, sizeof(*w));
	w->s = s;
	w->pat = pat;
	w->fn = fn;
	w->arg = arg;
	w->sorted = 1;
	w->db_depth = -1;
	buf_init(&w->path);
}

/* Walk from root (pattern node 0 is always "root"); returns w->rc. */
static int walk_run(walk_t *w)
{
	buf_put(&w->path, "root", 4);
	if (!buf_ok(&w->path))
		w->rc = LARCH_NO_MEMORY;
	else
		visit(w, NODE_ROOT, 1ull << 1);
	buf_free(&w->path);
	mem_free(w->ents);
	mem_free(w->kvs);
	if (w->set)
		w->count = map_count(w->set);
	map_free(&w->set);
	return w->rc;
}

/* The current path as a C string (the buffer keeps a NUL after it). */
static const char *cur_path(walk_t *w)
{
	buf_put_u8(&w->path, 0);
	w->path.len--;
	return buf_ok(&w->path) ? (const char *)w->path.data : NULL;
}

static size_t db_len_of(const walk_t *w)
{
	/* the path of the database node: count its nodes in the path text */
	if (w->db_depth < 0)
		return 0;
	return schema_path_level_len((const char *)w->path.data, w->path.len, w->db_depth);
}

uint64_t match_node_states(const schema_t *s, const ppath_t *pat, uint32_t node)
{
	uint32_t chain[SCHEMA_MAX_DEPTH];
	uint32_t depth = node_chain(s, node, chain);
	uint64_t S = 1ull << 1;
	for (uint32_t i = 1; i <= depth && S; i++) {
		uint32_t len;
		const char *nm = name_of(s, node_at(s, chain[i])->name, &len);
		S = step(pat, S, nm, len);
	}
	return S;
}

int match_series_path(const schema_t *s, const ppath_t *pat, uint32_t sid, int *by_alias)
{
	const series_t *sr = ser_at(s, sid);
	uint64_t S = match_node_states(s, pat, dev_at(s, sr->dev)->node);
	uint32_t len;
	const char *nm = name_of(s, sr->name, &len);
	*by_alias = 0;
	if (step(pat, S, nm, len) >> pat->n & 1)
		return 1;
	if (!sr->alias)
		return 0;
	nm = name_of(s, sr->alias, &len);
	*by_alias = 1;
	return (int)(step(pat, S, nm, len) >> pat->n & 1);
}

/*---------------------------------------------------------------------------
 * Collecting ids (deletes, deactivation)
 *---------------------------------------------------------------------------*/

int ids_push(schema_ids_t *ids, uint32_t id)
{
	/* capacity: 16, then doubling at every power of two from 16 on */
	if (ids->n == 0 || (ids->n >= 16 && (ids->n & (ids->n - 1)) == 0)) {
		size_t nc = ids->n ? ids->n * 2 : 16;
		uint32_t *p = mem_realloc(ids->ids, nc * sizeof(*p));
		if (!p)
			return -1;
		ids->ids = p;
	}
	ids->ids[ids->n++] = id;
	return 0;
}

static int collect_fn(walk_t *w, uint32_t node, uint32_t sid, int by_alias)
{
	(void)by_alias;
	uint32_t id = sid;
	if (!sid) {
		id = node_at(w->s, node)->dev;
		if (!id)
			return 0;
	} else if (!w->with_tmpl && (ser_at(w->s, sid)->flags & SF_TMPL)) {
		return 0; /* template series are deactivated, not deleted */
	}
	return ids_push(w->arg, id) ? oom_stop(w) : 0;
}

int match_ids(const schema_t *s, const ppath_t *pat, int devices, int with_tmpl,
	      schema_ids_t *out)
{
	walk_t w;
	walk_init(&w, s, pat, collect_fn, out);
	w.sorted = 0;
	w.with_tmpl = with_tmpl;
	w.want_nodes = devices;
	w.want_series = !devices;
	return walk_run(&w);
}

/*---------------------------------------------------------------------------
 * SHOW / COUNT TIMESERIES
 *---------------------------------------------------------------------------*/

static int kv_fill(walk_t *w, const uint32_t *ids, size_t n, size_t at)
{
	for (size_t i = 0; i < n; i++) {
		w->kvs[at + i].key = name_of(w->s, ids[2 * i], NULL);
		w->kvs[at + i].value = name_of(w->s, ids[2 * i + 1], NULL);
	}
	return 0;
}

/* Fill the series info of sid (path text already in w->path). */
static int series_info(walk_t *w, uint32_t sid, int by_alias, schema_series_info_t *in)
{
	const schema_t *s = w->s;
	const series_t *sr = ser_at(s, sid);
	const device_t *d = dev_at(s, sr->dev);
	memset(in, 0, sizeof(*in));
	in->sid = sid;
	in->dev_id = sr->dev;
	in->path = cur_path(w);
	if (!in->path)
		return -1;
	in->path_len = w->path.len;
	in->name = name_of(s, sr->name, NULL);
	in->alias = sr->alias ? name_of(s, sr->alias, NULL) : NULL;
	in->matched_alias = by_alias;
	in->device_len = w->dev_len;
	uint32_t dbn = node_db(s, d->node);
	in->db_id = dbn != NODE_NONE ? node_at(s, dbn)->db : 0;
	in->db_len = db_len_of(w);
	in->type = (tsfile_type_t)sr->type;
	in->encoding = (tsfile_encoding_t)sr->enc;
	in->codec = (tsfile_codec_t)sr->codec;
	in->aligned = d->aligned;
	in->template_id = (sr->flags & SF_TMPL) ? d->tmpl : 0;
	const uint32_t *x = (sr->flags & SF_EXTRAS) ? ext_get(s, sid) : NULL;
	if (x) {
		size_t n = (size_t)EX_NT(x) + EX_NA(x) + EX_NP(x);
		if (n > w->capkvs) {
			schema_kv_t *k = mem_realloc(w->kvs, n * sizeof(*k));
			if (!k)
				return -1;
			w->kvs = k;
			w->capkvs = n;
		}
		kv_fill(w, EX_TAGS(x), EX_NT(x), 0);
		kv_fill(w, EX_ATTRS(x), EX_NA(x), EX_NT(x));
		kv_fill(w, EX_PROPS(x), EX_NP(x), (size_t)EX_NT(x) + EX_NA(x));
		in->tags = w->kvs;
		in->ntags = EX_NT(x);
		in->attrs = w->kvs + EX_NT(x);
		in->nattrs = EX_NA(x);
		in->props = w->kvs + EX_NT(x) + EX_NA(x);
		in->nprops = EX_NP(x);
	}
	return 0;
}

static int has_text(const char *s, size_t len, const char *sub)
{
	size_t n = strlen(sub);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(s + i, sub, n) == 0)
			return 1;
	return 0;
}

/* Offset/limit bookkeeping: 1 to deliver this item, 0 to skip it; stops
 * the walk once the limit is reached. */
static int take(walk_t *w)
{
	if (w->seen++ < w->offset)
		return 0;
	w->count++;
	if (w->limit && w->count >= w->limit)
		w->stop = 1;
	return 1;
}

static int series_pass(walk_t *w, uint32_t sid)
{
	const schema_filter_t *f = w->filter;
	if (!f)
		return 1;
	if (f->kind == SCHEMA_FILTER_TYPE)
		return ser_at(w->s, sid)->type == (uint8_t)f->type;
	if (f->kind == SCHEMA_FILTER_PATH_CONTAINS)
		return has_text((const char *)w->path.data, w->path.len, f->value);
	return 1;
}

static int series_fn(walk_t *w, uint32_t node, uint32_t sid, int by_alias)
{
	(void)node;
	if (!series_pass(w, sid) || !take(w))
		return 0;
	if (!w->cb)
		return 0;
	schema_series_info_t in;
	if (series_info(w, sid, by_alias, &in))
		return oom_stop(w);
	return ((schema_series_cb)w->cb)(w->cb_arg, &in);
}

/* Candidates of a tag filter, with what sorting them needs. */
typedef struct cand {
	uint32_t sid;
	uint8_t by_alias;
	char *key;             /* node names joined by NUL bytes: tree order */
	size_t klen;
} cand_t;

typedef struct cands {
	const schema_t *s;
	const ppath_t *pat;
	cand_t *v;
	size_t n, cap;
	int oom;
} cands_t;

static void cand_add(void *arg, uint32_t sid)
{
	cands_t *c = arg;
	int by_alias;
	if (c->oom || !match_series_path(c->s, c->pat, sid, &by_alias))
		return;
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		cand_t *v = mem_realloc(c->v, nc * sizeof(*v));
		if (!v) {
			c->oom = 1;
			return;
		}
		c->v = v;
		c->cap = nc;
	}
	const series_t *sr = ser_at(c->s, sid);
	uint32_t chain[SCHEMA_MAX_DEPTH];
	uint32_t depth = node_chain(c->s, dev_at(c->s, sr->dev)->node, chain);
	buf_t k = BUF_INIT;
	for (uint32_t i = 1; i <= depth + 1; i++) {
		uint32_t len;
		const char *nm = i <= depth ? name_of(c->s, node_at(c->s, chain[i])->name, &len)
					    : name_of(c->s, sr->name, &len);
		buf_put(&k, nm, len);
		buf_put_u8(&k, 0);
	}
	if (!buf_ok(&k)) {
		buf_free(&k);
		c->oom = 1;
		return;
	}
	cand_t *e = &c->v[c->n++];
	e->sid = sid;
	e->by_alias = (uint8_t)by_alias;
	e->key = (char *)k.data;
	e->klen = k.len;
}

static int cand_cmp(const void *a, const void *b)
{
	const cand_t *x = a, *y = b;
	int c = memcmp(x->key, y->key, LR_MIN(x->klen, y->klen));
	return c ? c : (x->klen < y->klen ? -1 : x->klen > y->klen);
}

/* TAGS(k) = v / CONTAINS v: candidates from the tag index, kept if they
 * match the pattern, delivered in tree order. */
static int tag_listing(walk_t *w)
{
	const schema_t *s = w->s;
	cands_t c = {s, w->pat, NULL, 0, 0, 0};
	uint32_t key = intern_find(&s->names, w->filter->key, strlen(w->filter->key));
	if (key)
		tag_scan(s, key, w->filter->value, w->filter->kind == SCHEMA_FILTER_TAG_CONTAINS,
			 cand_add, &c);
	int rc = c.oom ? LARCH_NO_MEMORY : LARCH_OK;
	if (!rc && c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), cand_cmp);
	for (size_t i = 0; i < c.n && !rc && !w->stop; i++) {
		const series_t *sr = ser_at(s, c.v[i].sid);
		const device_t *d = dev_at(s, sr->dev);
		uint32_t len, dbn = node_db(s, d->node);
		buf_reset(&w->path);
		node_path(s, d->node, &w->path);
		w->dev_len = w->path.len;
		const char *nm = name_of(s, sr->name, &len);
		path_push(w, nm, len);
		if (!buf_ok(&w->path)) {
			rc = LARCH_NO_MEMORY;
			break;
		}
		w->db_depth = -1;
		if (dbn != NODE_NONE) {
			uint32_t chain[SCHEMA_MAX_DEPTH];
			w->db_depth = (int)node_chain(s, dbn, chain);
		}
		if (w->fn(w, d->node, c.v[i].sid, c.v[i].by_alias))
			w->stop = 1;
		rc = w->rc;
	}
	for (size_t i = 0; i < c.n; i++)
		mem_free(c.v[i].key);
	mem_free(c.v);
	buf_free(&w->path);
	mem_free(w->kvs);
	return rc;
}

static int run_series(schema_t *s, const char *pattern, const schema_filter_t *filter,
		      uint64_t offset, uint64_t limit, schema_series_cb cb, void *arg,
		      uint64_t *count, larch_error_t *err)
{
	ppath_t pp;
	if (!pattern)
		pattern = "root.**";
	int rc = path_parse(pattern, strlen(pattern), 1, &pp, err);
	if (rc)
		return rc;
	if (filter && filter->kind != SCHEMA_FILTER_NONE && filter->kind != SCHEMA_FILTER_TYPE &&
	    (!filter->value || (filter->kind >= SCHEMA_FILTER_TAG_EQ && !filter->key))) {
		path_done(&pp);
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "filter without key or value");
	}
	walk_t w;
	walk_init(&w, s, &pp, series_fn, NULL);
	w.want_series = 1;
	w.sorted = cb || offset || limit; /* counting needs no order */
	w.offset = offset;
	w.limit = limit;
	w.filter = filter && filter->kind != SCHEMA_FILTER_NONE ? filter : NULL;
	w.cb = (void *)cb;
	w.cb_arg = arg;
	pthread_rwlock_rdlock(&s->lock);
	if (w.filter && w.filter->kind >= SCHEMA_FILTER_TAG_EQ)
		rc = tag_listing(&w);
	else
		rc = walk_run(&w);
	pthread_rwlock_unlock(&s->lock);
	path_done(&pp);
	if (count)
		*count = w.count;
	return rc ? err_set(err, rc, "out of memory listing series") : LARCH_OK;
}

int schema_match_series(schema_t *s, const char *pattern, const schema_filter_t *filter,
			uint64_t offset, uint64_t limit, schema_series_cb cb, void *arg,
			larch_error_t *err)
{
	return run_series(s, pattern, filter, offset, limit, cb, arg, NULL, err);
}

int schema_count_series(schema_t *s, const char *pattern, const schema_filter_t *filter,
			uint64_t *count, larch_error_t *err)
{
	*count = 0;
	return run_series(s, pattern, filter, 0, 0, NULL, NULL, count, err);
}

int schema_series_find(schema_t *s, const char *path, schema_series_cb cb, void *arg,
		       larch_error_t *err)
{
	ppath_t pp;
	int rc = path_parse(path, strlen(path), 0, &pp, err);
	if (rc)
		return rc;
	path_done(&pp);
	uint64_t n = 0;
	rc = run_series(s, path, NULL, 0, 1, cb, arg, &n, err);
	if (!rc && !n)
		rc = err_set(err, LARCH_PATH_NOT_EXIST, "Path [%s] does not exist", path);
	return rc;
}

int schema_series_get(schema_t *s, uint32_t sid, schema_series_cb cb, void *arg,
		      larch_error_t *err)
{
	pthread_rwlock_rdlock(&s->lock);
	const series_t *sr = ser_get(s, sid);
	int rc = LARCH_OK;
	if (!sr) {
		pthread_rwlock_unlock(&s->lock);
		return err_set(err, LARCH_PATH_NOT_EXIST, "series id %u does not exist", sid);
	}
	static const ppath_t any = {1, {{"root", 4, PK_NAME, 0}}, NULL, 0, {0}};
	walk_t w;
	walk_init(&w, s, &any, series_fn, NULL);
	w.cb = (void *)cb;
	w.cb_arg = arg;
	const device_t *d = dev_at(s, sr->dev);
	uint32_t len, dbn = node_db(s, d->node);
	node_path(s, d->node, &w.path);
	w.dev_len = w.path.len;
	const char *nm = name_of(s, sr->name, &len);
	path_push(&w, nm, len);
	if (dbn != NODE_NONE) {
		uint32_t chain[SCHEMA_MAX_DEPTH];
		w.db_depth = (int)node_chain(s, dbn, chain);
	}
	if (!buf_ok(&w.path))
		rc = LARCH_NO_MEMORY;
	else
		series_fn(&w, d->node, sid, 0);
	pthread_rwlock_unlock(&s->lock);
	buf_free(&w.path);
	mem_free(w.kvs);
	if (!rc)
		rc = w.rc;
	return rc ? err_set(err, rc, "out of memory reading a series") : LARCH_OK;
}

/*---------------------------------------------------------------------------
 * SHOW / COUNT DEVICES, DATABASES
 *---------------------------------------------------------------------------*/

static int device_fn(walk_t *w, uint32_t node, uint32_t sid, int by_alias)
{
	(void)sid;
	(void)by_alias;
	const schema_t *s = w->s;
	const device_t *d = dev_get(s, node_at(s, node)->dev);
	if (!d)
		return 0;
	const char *contains = w->filter ? w->filter->value : NULL;
	if (contains && !has_text((const char *)w->path.data, w->path.len, contains))
		return 0;
	if (!take(w) || !w->cb)
		return 0;
	schema_device_info_t in;
	memset(&in, 0, sizeof(in));
	in.id = node_at(s, node)->dev;
	in.path = cur_path(w);
	if (!in.path)
		return oom_stop(w);
	in.path_len = w->path.len;
	uint32_t dbn = node_db(s, node);
	in.db_id = dbn != NODE_NONE ? node_at(s, dbn)->db : 0;
	in.db_len = db_len_of(w);
	in.aligned = d->aligned;
	in.template_id = d->tmpl;
	in.template_name = d->tmpl ? name_of(s, s->tmpls[d->tmpl].name, NULL) : NULL;
	in.nseries = d->nseries;
	return ((schema_device_cb)w->cb)(w->cb_arg, &in);
}

static int run_nodes(schema_t *s, const char *pattern, walk_fn fn, walk_t *w, larch_error_t *err)
{
	ppath_t pp;
	if (!pattern)
		pattern = "root.**";
	int rc = path_parse(pattern, strlen(pattern), 1, &pp, err);
	if (rc)
		return rc;
	w->s = s;
	w->pat = &pp;
	w->fn = fn;
	w->want_nodes = 1;
	w->sorted = 1;
	w->db_depth = -1;
	buf_init(&w->path);
	pthread_rwlock_rdlock(&s->lock);
	rc = walk_run(w);
	pthread_rwlock_unlock(&s->lock);
	path_done(&pp);
	return rc ? err_set(err, rc, "out of memory listing the schema") : LARCH_OK;
}

int schema_match_devices(schema_t *s, const char *pattern, const char *contains,
			 uint64_t offset, uint64_t limit, schema_device_cb cb, void *arg,
			 larch_error_t *err)
{
	walk_t w;
	memset(&w, 0, sizeof(w));
	schema_filter_t f = {SCHEMA_FILTER_PATH_CONTAINS, NULL, contains, TSFILE_BOOLEAN};
	w.filter = contains ? &f : NULL;
	w.offset = offset;
	w.limit = limit;
	w.cb = (void *)cb;
	w.cb_arg = arg;
	return run_nodes(s, pattern, device_fn, &w, err);
}

int schema_count_devices(schema_t *s, const char *pattern, uint64_t *count, larch_error_t *err)
{
	walk_t w;
	memset(&w, 0, sizeof(w));
	int rc = run_nodes(s, pattern, device_fn, &w, err);
	*count = w.count;
	return rc;
}

static int db_fn(walk_t *w, uint32_t node, uint32_t sid, int by_alias)
{
	(void)sid;
	(void)by_alias;
	uint32_t id = node_at(w->s, node)->db;
	if (!id)
		return 0;
	w->count++;
	if (!w->cb)
		return 0;
	schema_db_info_t in = {id, cur_path(w), w->path.len, w->s->db_ttl[id]};
	if (!in.path)
		return oom_stop(w);
	return ((schema_db_cb)w->cb)(w->cb_arg, &in);
}

int schema_db_match(schema_t *s, const char *pattern, schema_db_cb cb, void *arg,
		    larch_error_t *err)
{
	walk_t w;
	memset(&w, 0, sizeof(w));
	w.stop_at_db = 1;
	w.cb = (void *)cb;
	w.cb_arg = arg;
	return run_nodes(s, pattern, db_fn, &w, err);
}

int schema_db_count(schema_t *s, const char *pattern, uint64_t *count, larch_error_t *err)
{
	walk_t w;
	memset(&w, 0, sizeof(w));
	w.stop_at_db = 1;
	int rc = run_nodes(s, pattern, db_fn, &w, err);
	*count = w.count;
	return rc;
}

/*---------------------------------------------------------------------------
 * SHOW CHILD PATHS, COUNT NODES
 *---------------------------------------------------------------------------*/

static schema_node_type_t node_type(const schema_t *s, uint32_t node)
{
	const tnode_t *t = node_at(s, node);
	if (node == NODE_ROOT)
		return SCHEMA_NODE_ROOT;
	if (t->db)
		return SCHEMA_NODE_DATABASE;
	if (t->dev)
		return SCHEMA_NODE_DEVICE;
	return node_db(s, node) == NODE_NONE ? SCHEMA_NODE_DB_INTERNAL : SCHEMA_NODE_INTERNAL;
}

static int children_fn(walk_t *w, uint32_t node, uint32_t sid, int by_alias)
{
	(void)sid;
	(void)by_alias;
	size_t base = w->nents, mark = w->path.len;
	int want = w->want_series, stop = 0;
	w->want_series = 1;
	int bad = collect(w, node);
	w->want_series = want;
	if (bad)
		return oom_stop(w);
	if (w->nents - base > 1)
		qsort(w->ents + base, w->nents - base, sizeof(ent_t), ent_cmp);
	for (size_t k = base; k < w->nents && !stop; k++) {
		ent_t e = w->ents[k];
		if (e.series && e.by_alias)
			continue;
		path_push(w, e.name, e.len);
		schema_child_info_t in = {cur_path(w), w->path.len, e.name,
					  e.series ? SCHEMA_NODE_MEASUREMENT : node_type(w->s, e.id)};
		if (!in.path)
			stop = oom_stop(w);
		else
			stop = ((schema_child_cb)w->cb)(w->cb_arg, &in);
		w->path.len = mark;
	}
	w->nents = base;
	return stop;
}

int schema_match_children(schema_t *s, const char *pattern, schema_child_cb cb, void *arg,
			  larch_error_t *err)
{
	walk_t w;
	memset(&w, 0, sizeof(w));
	w.cb = (void *)cb;
	w.cb_arg = arg;
	return run_nodes(s, pattern, children_fn, &w, err);
}

/* COUNT NODES: remember the node at w->level above (or at) what matched;
 * a series sits one level below its device (w->depth is its level). */
static int level_fn(walk_t *w, uint32_t node, uint32_t sid, int by_alias)
{
	(void)node;
	(void)by_alias;
	uint32_t lv = (uint32_t)w->level;
	if (w->depth < lv)
		return 0;
	/* keys must be non-zero: series as sid | SID_ALIAS, nodes as index + 1 */
	uint32_t key = sid && w->depth == lv ? (sid | SID_ALIAS) : w->stack[lv] + 1;
	if (map_get(w->set, key))
		return 0;
	if (map_reserve(&w->set, 1))
		return oom_stop(w);
	map_put(w->set, key, 1);
	return 0;
}

int schema_count_nodes(schema_t *s, const char *pattern, int level, uint64_t *count,
		       larch_error_t *err)
{
	*count = 0;
	if (level < 0 || level >= SCHEMA_MAX_DEPTH)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "level %d is out of range", level);
	walk_t w;
	memset(&w, 0, sizeof(w));
	w.want_series = 1;
	w.level = level;
	int rc = run_nodes(s, pattern, level_fn, &w, err);
	*count = w.count;
	return rc;
}

/*---------------------------------------------------------------------------
 * Templates: paths set / using (tree order)
 *---------------------------------------------------------------------------*/

static int tmpl_path_fn(walk_t *w, uint32_t node, uint32_t sid, int by_alias)
{
	(void)sid;
	(void)by_alias;
	const tnode_t *t = node_at(w->s, node);
	const device_t *d = dev_get(w->s, t->dev);
	if (w->using_tmpl ? !(d && d->tmpl == w->tid) : t->tmpl != w->tid)
		return 0;
	const char *p = cur_path(w);
	if (!p)
		return oom_stop(w);
	return ((schema_path_cb)w->cb)(w->cb_arg, p, w->path.len);
}

int match_tmpl_paths(schema_t *s, uint32_t tid, int using, schema_path_cb cb, void *arg,
		     larch_error_t *err)
{
	walk_t w;
	memset(&w, 0, sizeof(w));
	w.tid = tid;
	w.using_tmpl = using;
	w.cb = (void *)cb;
	w.cb_arg = arg;
	return run_nodes(s, "root.**", tmpl_path_fn, &w, err);
}

/*---------------------------------------------------------------------------
 * Canonical dump
 *---------------------------------------------------------------------------*/

static void dump_kvs(buf_t *b, const char *what, const schema_kv_t *kv, size_t n)
{
	buf_put(b, what, strlen(what));
	buf_put(b, "={", 2);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_put_u8(b, ',');
		buf_put(b, kv[i].key, strlen(kv[i].key));
		buf_put_u8(b, '=');
		buf_put(b, kv[i].value, strlen(kv[i].value));
	}
	buf_put_u8(b, '}');
}

static void put_fmt(buf_t *b, const char *fmt, ...) LR_PRINTF(2, 3);

static void put_fmt(buf_t *b, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_put(b, tmp, n < 0 ? 0 : LR_MIN((size_t)n, sizeof(tmp) - 1));
}

static int dump_series_cb(void *arg, const schema_series_info_t *in)
{
	buf_t *b = arg;
	put_fmt(b, "series %u ", in->sid);
	buf_put(b, in->path, in->path_len);
	put_fmt(b, " %s %s %s alias=%s tmpl=%u ", tsfile_type_name(in->type),
		tsfile_encoding_name(in->encoding), tsfile_codec_name(in->codec),
		in->alias ? in->alias : "-", in->template_id);
	dump_kvs(b, "tags", in->tags, in->ntags);
	dump_kvs(b, " attrs", in->attrs, in->nattrs);
	dump_kvs(b, " props", in->props, in->nprops);
	buf_put_u8(b, '\n');
	return 0;
}

static int dump_fn(walk_t *w, uint32_t node, uint32_t sid, int by_alias)
{
	buf_t *b = w->cb_arg;
	const schema_t *s = w->s;
	if (sid) {
		schema_series_info_t in;
		if (series_info(w, sid, by_alias, &in))
			return oom_stop(w);
		return dump_series_cb(b, &in);
	}
	const tnode_t *t = node_at(s, node);
	const device_t *d = dev_get(s, t->dev);
	if (t->tmpl) {
		put_fmt(b, "set %u ", t->tmpl);
		buf_put(b, w->path.data, w->path.len);
		buf_put_u8(b, '\n');
	}
	if (d) {
		put_fmt(b, "device %u ", t->dev);
		buf_put(b, w->path.data, w->path.len);
		put_fmt(b, " aligned=%u template=%u\n", d->aligned, d->tmpl);
	}
	return 0;
}

int schema_dump(schema_t *s, char **text, size_t *len, larch_error_t *err)
{
	buf_t b = BUF_INIT;
	static const ppath_t all = {2, {{"root", 4, PK_NAME, 0}, {"**", 2, PK_DSTAR, 0}},
				    NULL, 0, {0}};
	pthread_rwlock_rdlock(&s->lock);
	put_fmt(&b, "ids sid=%u dev=%u db=%u tmpl=%u\n", s->next_sid, s->next_dev, s->next_db,
		s->next_tid);
	for (uint32_t t = 1; t < s->next_tid; t++) {
		const tmpl_t *tm = tmpl_get(s, t);
		if (!tm)
			continue;
		put_fmt(&b, "template %u %s aligned=%u [", t, name_of(s, tm->name, NULL),
			tm->aligned);
		for (uint32_t i = 0; i < tm->n; i++)
			put_fmt(&b, "%s%s:%s:%s:%s", i ? "," : "", name_of(s, tm->ms[i].name, NULL),
				tsfile_type_name(tm->ms[i].type),
				tsfile_encoding_name(tm->ms[i].enc),
				tsfile_codec_name(tm->ms[i].codec));
		buf_put(&b, "]\n", 2);
	}
	for (uint32_t id = 1; id < s->next_db; id++) {
		if (id >= s->cap_db || !s->dbs[id])
			continue;
		put_fmt(&b, "database %u ", id);
		node_path(s, s->dbs[id], &b);
		if (s->db_ttl[id])
			put_fmt(&b, " ttl=%lld", (long long)s->db_ttl[id]);
		buf_put_u8(&b, '\n');
	}
	walk_t w;
	walk_init(&w, s, &all, dump_fn, NULL);
	w.want_nodes = 1;
	w.want_series = 1;
	w.cb_arg = &b;
	int rc = walk_run(&w);
	pthread_rwlock_unlock(&s->lock);
	buf_put_u8(&b, 0);
	if (rc || !buf_ok(&b)) {
		buf_free(&b);
		return err_set(err, LARCH_NO_MEMORY, "out of memory dumping the schema");
	}
	*text = (char *)b.data;
	*len = b.len - 1;
	return LARCH_OK;
}
