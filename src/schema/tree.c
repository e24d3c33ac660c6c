/*
 * tree.c — the in-memory schema: the node tree, devices and series, the
 * device-path hash, and the primitive changes the operations (ops.c) are
 * made of.
 *
 * Atomicity: every primitive that allocates reserves all it needs first
 * and only then changes the state, so it either happens completely or not
 * at all; removals never allocate.  Invariant kept by node_gc: apart from
 * root, every node holds something — a child, a device, a database or a
 * template set on it.
 */
#include "schema/schema_int.h"

int tree_init(schema_t *s)
{
	intern_init(&s->names);
	pvec_init(&s->nodes, 10, sizeof(tnode_t));
	pvec_init(&s->devs, 10, sizeof(device_t));
	pvec_init(&s->sers, 12, sizeof(series_t));
	pvec_init(&s->exts, 10, sizeof(uintptr_t));
	pvec_init(&s->tags, 8, sizeof(tagent_t));
	s->node_free = NODE_NONE;
	s->next_dev = s->next_sid = s->next_db = s->next_tid = 1;
	s->ext_hw = 1;
	uint32_t root;
	if (pvec_reserve(&s->nodes, 0) || intern_add(&s->names, "root", 4, &root))
		return LARCH_NO_MEMORY;
	tnode_t *r = node_at(s, NODE_ROOT);
	r->name = root;
	r->parent = NODE_NONE;
	s->node_hw = 1;
	return LARCH_OK;
}

void tree_free(schema_t *s)
{
	for (uint32_t i = 0; i < s->node_hw; i++)
		mem_free(node_at(s, i)->kids);
	for (uint32_t id = 1; id < s->next_dev; id++)
		if (pvec_has(&s->devs, id))
			mem_free(dev_at(s, id)->meas);
	for (uint32_t t = 1; t < s->cap_tmpl; t++)
		mem_free(s->tmpls[t].ms);
	ext_free_all(s);
	pvec_free(&s->nodes);
	pvec_free(&s->devs);
	pvec_free(&s->sers);
	map_free(&s->devhash);
	mem_free(s->dbs);
	mem_free(s->db_ttl);
	mem_free(s->tmpls);
	intern_free(&s->names);
}

device_t *dev_get(const schema_t *s, uint32_t id)
{
	if (!id || id >= s->next_dev || !pvec_has(&s->devs, id))
		return NULL;
	device_t *d = dev_at(s, id);
	return d->node ? d : NULL;
}

series_t *ser_get(const schema_t *s, uint32_t sid)
{
	if (!sid || sid >= s->next_sid || !pvec_has(&s->sers, sid))
		return NULL;
	series_t *sr = ser_at(s, sid);
	return sr->name ? sr : NULL;
}

/*---------------------------------------------------------------------------
 * Nodes
 *---------------------------------------------------------------------------*/

uint32_t node_child(const schema_t *s, uint32_t node, uint32_t name_id)
{
	uint32_t c = map_get(node_at(s, node)->kids, name_id);
	return c ? c : NODE_NONE; /* root (0) is nobody's child */
}

/* Add a child called name_id under parent; atomic. */
static int node_add(schema_t *s, uint32_t parent, uint32_t name_id, uint32_t *out)
{
	if (map_reserve(&node_at(s, parent)->kids, 1))
		return LARCH_NO_MEMORY;
	if (s->node_free == NODE_NONE && pvec_reserve(&s->nodes, s->node_hw))
		return LARCH_NO_MEMORY;
	uint32_t i;
	if (s->node_free != NODE_NONE) {
		i = s->node_free;
		s->node_free = node_at(s, i)->parent;
	} else {
		i = s->node_hw++;
	}
	tnode_t *n = node_at(s, i);
	memset(n, 0, sizeof(*n));
	uint32_t len;
	const char *name = name_of(s, name_id, &len);
	n->name = name_id;
	n->parent = parent;
	n->flags = name_is_plain(name, len) ? 0 : NF_QUOTE;
	map_put(node_at(s, parent)->kids, name_id, i);
	*out = i;
	return LARCH_OK;
}

/* Unlink node from its parent and put it on the free list. */
static void node_remove(schema_t *s, uint32_t i)
{
	tnode_t *n = node_at(s, i);
	map_del(node_at(s, n->parent)->kids, n->name, i);
	map_free(&n->kids);
	n->name = 0;
	n->parent = s->node_free;
	s->node_free = i;
}

static int node_empty(const tnode_t *n)
{
	return !map_count(n->kids) && !n->dev && !n->db && !n->tmpl;
}

void node_gc(schema_t *s, uint32_t node)
{
	while (node != NODE_ROOT && node_empty(node_at(s, node))) {
		uint32_t parent = node_at(s, node)->parent;
		node_remove(s, node);
		node = parent;
	}
}

uint32_t node_find(const schema_t *s, const pname_t *names, uint32_t n)
{
	uint32_t cur = NODE_ROOT;
	for (uint32_t i = 1; i < n && cur != NODE_NONE; i++) {
		uint32_t id = intern_find(&s->names, names[i].s, names[i].len);
		cur = id ? node_child(s, cur, id) : NODE_NONE;
	}
	return cur;
}

int node_ensure(schema_t *s, const pname_t *names, uint32_t n, uint32_t *out)
{
	uint32_t cur = NODE_ROOT;
	int created = 0, rc = LARCH_OK;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t id, next;
		rc = intern_add(&s->names, names[i].s, names[i].len, &id);
		if (rc)
			break;
		next = node_child(s, cur, id);
		if (next == NODE_NONE) {
			const device_t *d = dev_get(s, node_at(s, cur)->dev);
			if (d && dev_meas(d, id)) { /* a series of that name is in the way */
				rc = LARCH_METADATA_ERROR;
				break;
			}
			rc = node_add(s, cur, id, &next);
			if (rc)
				break;
			created = 1;
		}
		cur = next;
	}
	if (rc) {
		if (created)
			node_gc(s, cur);
		return rc;
	}
	*out = cur;
	return LARCH_OK;
}

uint32_t node_chain(const schema_t *s, uint32_t node, uint32_t chain[SCHEMA_MAX_DEPTH])
{
	uint32_t tmp[SCHEMA_MAX_DEPTH], d = 0;
	for (uint32_t c = node; c != NODE_NONE && d < SCHEMA_MAX_DEPTH; c = node_at(s, c)->parent)
		tmp[d++] = c;
	for (uint32_t i = 0; i < d; i++)
		chain[i] = tmp[d - 1 - i];
	return d - 1;
}

void node_path(const schema_t *s, uint32_t node, buf_t *b)
{
	uint32_t chain[SCHEMA_MAX_DEPTH];
	uint32_t depth = node_chain(s, node, chain);
	buf_put(b, "root", 4);
	for (uint32_t i = 1; i <= depth; i++) {
		uint32_t len;
		const char *p = name_of(s, node_at(s, chain[i])->name, &len);
		buf_put_u8(b, '.');
		path_put_name(b, p, len);
	}
}

uint32_t node_db(const schema_t *s, uint32_t node)
{
	for (uint32_t c = node; c != NODE_NONE; c = node_at(s, c)->parent)
		if (node_at(s, c)->db)
			return c;
	return NODE_NONE;
}

uint32_t node_tmpl_above(const schema_t *s, uint32_t node)
{
	for (uint32_t c = node; c != NODE_NONE; c = node_at(s, c)->parent)
		if (node_at(s, c)->tmpl)
			return c;
	return NODE_NONE;
}

int node_walk(const schema_t *s, uint32_t node, node_fn fn, void *arg)
{
	int r = fn(s, node, arg);
	const tnode_t *t = node_at(s, node);
	for (uint32_t i = 0; !r && i < map_cap(t->kids); i++)
		if (MAP_KEY(t->kids, i))
			r = node_walk(s, MAP_VAL(t->kids, i), fn, arg);
	return r;
}

static int has_tmpl(const schema_t *s, uint32_t node, void *where)
{
	if (!node_at(s, node)->tmpl)
		return 0;
	*(uint32_t *)where = node;
	return 1;
}

int node_tmpl_below(const schema_t *s, uint32_t node, uint32_t *where)
{
	return node_walk(s, node, has_tmpl, where);
}

static int has_series(const schema_t *s, uint32_t node, void *arg)
{
	(void)arg;
	const device_t *d = dev_get(s, node_at(s, node)->dev);
	return d && (d->nseries || d->tmpl);
}

int node_has_series_below(const schema_t *s, uint32_t node)
{
	return node_walk(s, node, has_series, NULL);
}

/*---------------------------------------------------------------------------
 * Devices
 *---------------------------------------------------------------------------*/

/* Hash of the canonical path of a node chain. */
static uint32_t node_hash(const schema_t *s, uint32_t node)
{
	uint32_t chain[SCHEMA_MAX_DEPTH];
	uint32_t depth = node_chain(s, node, chain);
	uint32_t h = hash_feed(hash_init(), "root", 4);
	for (uint32_t i = 1; i <= depth; i++) {
		uint32_t len;
		const char *p = name_of(s, node_at(s, chain[i])->name, &len);
		h = path_hash_name(hash_feed(h, ".", 1), p, len);
	}
	return hash_final(h);
}

uint32_t dev_lookup(const schema_t *s, const schema_str_t *names, uint32_t n, uint32_t hash,
		    int plain)
{
	if (n < 2 || names[0].len != 4 || memcmp(names[0].ptr, "root", 4) != 0)
		return 0;
	uint32_t pos = MAP_SCAN_START, id;
	while ((id = map_scan(s->devhash, hash, &pos)) != 0) {
		uint32_t node = dev_at(s, id)->node, i = n - 1;
		for (; i > 0 && node != NODE_ROOT; i--) {
			const tnode_t *t = node_at(s, node);
			uint32_t len;
			const char *p = name_of(s, t->name, &len);
			if ((plain && (t->flags & NF_QUOTE)) || len != names[i].len ||
			    memcmp(p, names[i].ptr, len) != 0)
				break;
			node = t->parent;
		}
		if (i == 0 && node == NODE_ROOT)
			return id;
	}
	return 0;
}

int dev_create(schema_t *s, uint32_t node, uint32_t dev_id, int aligned)
{
	if (pvec_reserve(&s->devs, dev_id) || map_reserve(&s->devhash, 1))
		return LARCH_NO_MEMORY;
	device_t *d = dev_at(s, dev_id);
	memset(d, 0, sizeof(*d));
	d->node = node;
	d->aligned = aligned ? 1 : 0;
	node_at(s, node)->dev = dev_id;
	map_put(s->devhash, node_hash(s, node), dev_id);
	if (dev_id >= s->next_dev)
		s->next_dev = dev_id + 1;
	s->live_devs++;
	return LARCH_OK;
}

void dev_remove(schema_t *s, uint32_t id)
{
	device_t *d = dev_at(s, id);
	map_del(s->devhash, node_hash(s, d->node), id);
	node_at(s, d->node)->dev = 0;
	map_free(&d->meas);
	d->node = 0;
	s->live_devs--;
}

void dev_drop_if_empty(schema_t *s, uint32_t id)
{
	device_t *d = dev_get(s, id);
	if (!d || d->nseries || d->tmpl)
		return;
	uint32_t node = d->node;
	dev_remove(s, id);
	node_gc(s, node);
}

/*---------------------------------------------------------------------------
 * Series
 *---------------------------------------------------------------------------*/

int ser_create(schema_t *s, uint32_t dev_id, uint32_t sid, uint32_t name, uint32_t alias,
	       const uint8_t tec[3], unsigned flags, uint32_t *extras)
{
	device_t *d = dev_at(s, dev_id);
	if (pvec_reserve(&s->sers, sid) || map_reserve(&d->meas, alias ? 2 : 1) ||
	    (extras && ext_reserve(s, extras)))
		return LARCH_NO_MEMORY;
	series_t *sr = ser_at(s, sid);
	sr->name = name;
	sr->dev = dev_id;
	sr->alias = alias;
	sr->type = tec[0];
	sr->enc = tec[1];
	sr->codec = tec[2];
	sr->flags = (uint8_t)(flags | (extras ? SF_EXTRAS : 0));
	map_put(d->meas, name, sid);
	if (alias)
		map_put(d->meas, alias, sid | SID_ALIAS);
	if (extras)
		ext_attach(s, sid, extras);
	d->nseries++;
	if (sid >= s->next_sid)
		s->next_sid = sid + 1;
	s->live_series++;
	return LARCH_OK;
}

void ser_remove(schema_t *s, uint32_t sid)
{
	series_t *sr = ser_at(s, sid);
	device_t *d = dev_at(s, sr->dev);
	map_del(d->meas, sr->name, sid);
	if (sr->alias)
		map_del(d->meas, sr->alias, sid | SID_ALIAS);
	if (sr->flags & SF_EXTRAS)
		mem_free(ext_detach(s, sid));
	d->nseries--;
	memset(sr, 0, sizeof(*sr));
	s->live_series--;
}

int dev_alias_reserve(schema_t *s, uint32_t dev_id)
{
	return map_reserve(&dev_at(s, dev_id)->meas, 1) ? LARCH_NO_MEMORY : LARCH_OK;
}

void ser_set_alias(schema_t *s, uint32_t sid, uint32_t alias)
{
	series_t *sr = ser_at(s, sid);
	device_t *d = dev_at(s, sr->dev);
	if (sr->alias)
		map_del(d->meas, sr->alias, sid | SID_ALIAS);
	if (alias)
		map_put(d->meas, alias, sid | SID_ALIAS);
	sr->alias = alias;
}
