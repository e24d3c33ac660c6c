/*
 * series.c — CREATE [ALIGNED] TIMESERIES, DELETE TIMESERIES and ALTER
 * TIMESERIES (tags, attributes, alias).  Each statement checks the request
 * against the state with IoTDB's rules and messages (MTreeBelowSGMemoryImpl,
 * TagManager, TemplateIncompatibleException), encodes its operations and
 * runs them as one transaction.
 */
#include "schema/schema_int.h"

int err_tmpl_incompatible(const schema_t *s, larch_error_t *err, const char *what,
			  const char *path, size_t len, uint32_t tnode)
{
	if (tnode == NODE_NONE) /* only a damaged log can activate a template nowhere set */
		return err_set(err, LARCH_TEMPLATE_INCOMPATIBLE, "Cannot %s [%.*s]", what,
			       (int)LR_MIN(len, 200), path);
	buf_t b = BUF_INIT;
	node_path(s, tnode, &b);
	int rc = buf_ok(&b) ? err_set(err, LARCH_TEMPLATE_INCOMPATIBLE, "Cannot %s [%.*s] since "
				      "device template [%s] already set on path [%.*s].", what,
				      (int)LR_MIN(len, 200),
				      path, name_of(s, s->tmpls[node_at(s, tnode)->tmpl].name, NULL),
				      TXT(&b))
			    : err_oom(err);
	buf_free(&b);
	return rc;
}

/* 516 when a template is set on name (a child of node) or below it. */
int check_tmpl_below(const schema_t *s, uint32_t node, const schema_str_t *name,
		     const char *path, size_t len, larch_error_t *err)
{
	if (node == NODE_NONE)
		return LARCH_OK;
	uint32_t id = intern_find(&s->names, name->ptr, name->len), where;
	uint32_t c = id ? node_child(s, node, id) : NODE_NONE;
	if (c == NODE_NONE || !node_tmpl_below(s, c, &where))
		return LARCH_OK;
	return err_tmpl_incompatible(s, err, "create timeseries", path, len, where);
}

/*---------------------------------------------------------------------------
 * CREATE [ALIGNED] TIMESERIES
 *---------------------------------------------------------------------------*/

/* One measurement being created, validated. */
typedef struct mnew {
	schema_str_t name;
	schema_str_t alias;    /* ptr NULL: none */
	char *copy[2];         /* unescaped name / alias */
	uint8_t tec[3];
	const schema_meas_def_t *def;
} mnew_t;

static void mnew_free(mnew_t *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		mem_free(m[i].copy[0]);
		mem_free(m[i].copy[1]);
	}
	mem_free(m);
}

/* The canonical path of device + name into b (b reset first). */
static void series_text(buf_t *b, const buf_t *dev, const schema_str_t *name)
{
	buf_reset(b);
	buf_put(b, dev->data, dev->len);
	buf_put_u8(b, '.');
	path_put_name(b, name->ptr, name->len);
}

static int check_defs(schema_t *s, const buf_t *devtext, mnew_t *m, size_t n, larch_error_t *err)
{
	buf_t b = BUF_INIT;
	int rc = LARCH_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		const schema_meas_def_t *d = m[i].def;
		series_text(&b, devtext, &m[i].name);
		if (!buf_ok(&b)) {
			rc = err_oom(err);
			break;
		}
		if (name_is_reserved(m[i].name.ptr, m[i].name.len)) {
			rc = err_set(err, LARCH_ILLEGAL_PATH, "%.*s is not a legal path, because "
				     "%.*s is an illegal name.", TXT(&b), (int)m[i].name.len,
				     m[i].name.ptr);
			break;
		}
		for (size_t j = 0; j < i && !rc; j++)
			if (m[j].name.len == m[i].name.len &&
			    !memcmp(m[j].name.ptr, m[i].name.ptr, m[i].name.len))
				rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement %.*s appears "
					     "more than once", TXT(&b));
		if (!rc)
			rc = check_tec(s, d->type, d->encoding, d->codec, m[i].tec, 0, err);
		if (!rc)
			rc = check_kvs(d->tags, d->ntags, err);
		if (!rc)
			rc = check_kvs(d->attrs, d->nattrs, err);
		if (!rc)
			rc = check_kvs(d->props, d->nprops, err);
		if (!rc && d->alias) {
			int r = name_parse(d->alias, strlen(d->alias), &m[i].alias, &m[i].copy[1]);
			if (r == -2)
				rc = err_oom(err);
			else if (r)
				rc = err_illegal(err, d->alias, strlen(d->alias));
		}
	}
	buf_free(&b);
	return rc;
}

static int same_str(const schema_str_t *a, const schema_str_t *b)
{
	return a->ptr && b->ptr && a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Is name id used on the device (node, device d) by a series, an alias or a
 * child node?  1 for a series or alias, 2 for a child node. */
static int name_taken(const schema_t *s, const device_t *d, uint32_t node, uint32_t id)
{
	if (!id)
		return 0;
	if (d && dev_meas(d, id))
		return 1;
	return node != NODE_NONE && node_child(s, node, id) != NODE_NONE ? 2 : 0;
}

/* The checks of MTree.createTimeseries / createAlignedTimeseries against the
 * existing device (node; NODE_NONE if it does not exist). */
static int check_conflicts(const schema_t *s, uint32_t node, const buf_t *devtext, mnew_t *m,
			   size_t n, int aligned, larch_error_t *err)
{
	const device_t *d = node == NODE_NONE ? NULL : dev_get(s, node_at(s, node)->dev);
	buf_t b = BUF_INIT;
	int rc = LARCH_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		series_text(&b, devtext, &m[i].name);
		if (!buf_ok(&b)) {
			rc = err_oom(err);
			break;
		}
		int taken = name_taken(s, d, node, intern_find(&s->names, m[i].name.ptr,
							       m[i].name.len));
		const schema_str_t *al = &m[i].alias;
		int alias_taken = al->ptr && (same_str(al, &m[i].name) ||
					      name_taken(s, d, node, intern_find(&s->names, al->ptr,
										 al->len)));
		for (size_t j = 0; j < n && al->ptr && !alias_taken; j++)
			alias_taken = (j != i && same_str(al, &m[j].name)) ||
				      (j < i && same_str(al, &m[j].alias));
		if (alias_taken)
			rc = err_set(err, LARCH_ALIAS_ALREADY_EXIST, "Alias [%.*s] for Path [%.*s] "
				     "already exist", (int)LR_MIN(al->len, 100), al->ptr, TXT(&b));
		else if (taken)
			rc = err_set(err, taken == 1 ? LARCH_TIMESERIES_ALREADY_EXIST
						     : LARCH_PATH_ALREADY_EXIST,
				     "Path [%.*s] already exist", TXT(&b));
	}
	buf_free(&b);
	if (rc || !d || d->aligned == (aligned ? 1 : 0))
		return rc;
	return aligned ? err_set(err, LARCH_ALIGNED_TIMESERIES_ERROR, "Time series under this "
				 "device is not aligned, please use createTimeSeries or change "
				 "device. (Path: %.*s)", TXT(devtext))
		       : err_set(err, LARCH_ALIGNED_TIMESERIES_ERROR, "time series under this "
				 "device is aligned, please use createAlignedTimeseries or change "
				 "device. (Path: %.*s)", TXT(devtext));
}

static int create_series(schema_t *s, const ppath_t *dp, mnew_t *m, size_t n, int aligned,
			 uint32_t *sids, larch_error_t *err)
{
	buf_t devtext = BUF_INIT, b = BUF_INIT, ops = BUF_INIT;
	dbplan_t plan = {0, 0, BUF_INIT};
	path_format(&devtext, dp->node, dp->n);
	int rc = buf_ok(&devtext) ? check_defs(s, &devtext, m, n, err) : err_oom(err);
	for (uint32_t i = 1; i < dp->n && !rc; i++)
		if (name_is_reserved(dp->node[i].s, dp->node[i].len)) {
			series_text(&b, &devtext, &m[0].name);
			rc = err_set(err, LARCH_ILLEGAL_PATH, "%.*s is not a legal path, because %.*s "
				     "is an illegal name.", TXT(&b), (int)dp->node[i].len,
				     dp->node[i].s);
		}
	if (rc)
		goto out;
	pthread_rwlock_wrlock(&s->lock);
	series_text(&b, &devtext, &m[0].name);
	uint32_t node, tnode;
	rc = buf_ok(&b) ? plan_db(s, dp->node, dp->n, (const char *)b.data, b.len, &plan, err)
			: err_oom(err);
	if (!rc)
		rc = walk_device(s, dp->node, dp->n, &node, &tnode, err);
	if (!rc && tnode != NODE_NONE)
		rc = err_tmpl_incompatible(s, err, "create timeseries", (const char *)b.data, b.len,
					   tnode);
	for (size_t i = 0; i < n && !rc; i++) {
		series_text(&b, &devtext, &m[i].name);
		rc = check_tmpl_below(s, node, &m[i].name, (const char *)b.data, b.len, err);
		if (!rc && m[i].alias.ptr)
			rc = check_tmpl_below(s, node, &m[i].alias, (const char *)b.data, b.len, err);
	}
	if (!rc)
		rc = check_conflicts(s, node, &devtext, m, n, aligned, err);
	if (rc)
		goto unlock;
	size_t nops = 1;
	if (plan.create) {
		op_db_create(&ops, plan.id, (const char *)plan.path.data, plan.path.len);
		nops++;
	}
	uint32_t dev_id = node != NODE_NONE && node_at(s, node)->dev ? node_at(s, node)->dev
								       : s->next_dev;
	if ((uint64_t)s->next_sid + n - 1 > SCHEMA_MAX_SID) {
		rc = err_set(err, LARCH_SCHEMA_QUOTA_EXCEEDED, "series ids are exhausted");
		goto unlock;
	}
	op_series_create_head(&ops, dev_id, (const char *)devtext.data, devtext.len, aligned, 0,
			      (uint32_t)n);
	uint32_t base = s->next_sid;
	for (size_t i = 0; i < n; i++) {
		const schema_meas_def_t *d = m[i].def;
		op_series_item(&ops, base + (uint32_t)i, m[i].name.ptr, m[i].name.len, m[i].alias.ptr,
			       m[i].alias.len, m[i].tec, 0, d->tags, d->ntags, d->attrs, d->nattrs,
			       d->props, d->nprops);
	}
	rc = txn_run(s, &ops, nops, 0, err);
	for (size_t i = 0; !rc && sids && i < n; i++)
		sids[i] = base + (uint32_t)i;
unlock:
	pthread_rwlock_unlock(&s->lock);
	if (!rc)
		maybe_snapshot(s);
out:
	buf_free(&devtext);
	buf_free(&b);
	buf_free(&ops);
	buf_free(&plan.path);
	return rc;
}

int schema_series_create(schema_t *s, const char *path, const schema_meas_def_t *def,
			 uint32_t *sid, larch_error_t *err)
{
	if (!path || !def)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no path or definition given");
	ppath_t pp;
	int rc = path_parse(path, strlen(path), 0, &pp, err);
	if (rc)
		return rc;
	if (pp.n < 3) {
		path_done(&pp);
		return err_illegal(err, path, strlen(path));
	}
	mnew_t *m = mem_calloc(1, sizeof(*m));
	uint32_t id = 0;
	if (!m) {
		rc = err_oom(err);
	} else {
		m->name.ptr = pp.node[pp.n - 1].s;
		m->name.len = pp.node[pp.n - 1].len;
		m->def = def;
		pp.n--;
		rc = create_series(s, &pp, m, 1, 0, &id, err);
	}
	if (!rc && sid)
		*sid = id;
	mnew_free(m, 1);
	path_done(&pp);
	return rc;
}

int schema_series_create_aligned(schema_t *s, const char *device, const schema_meas_def_t *defs,
				 size_t n, uint32_t *sids, larch_error_t *err)
{
	if (!device || (n && !defs))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no device or definitions given");
	ppath_t pp;
	int rc = path_parse(device, strlen(device), 0, &pp, err);
	if (rc)
		return rc;
	mnew_t *m = NULL;
	if (pp.n < 2 || !n || n > SCHEMA_MAX_SID) {
		rc = pp.n < 2 ? err_illegal(err, device, strlen(device))
			      : err_set(err, LARCH_ILLEGAL_PARAMETER, "no measurements given");
		goto out;
	}
	m = mem_calloc(n, sizeof(*m));
	if (!m) {
		rc = err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		m[i].def = &defs[i];
		int r = defs[i].name ? name_parse(defs[i].name, strlen(defs[i].name), &m[i].name,
						  &m[i].copy[0]) : -1;
		if (r == -2)
			rc = err_oom(err);
		else if (r)
			rc = err_set(err, LARCH_ILLEGAL_PATH, "%s.%s is not a legal path", device,
				     defs[i].name ? defs[i].name : "");
	}
	if (!rc)
		rc = create_series(s, &pp, m, n, 1, sids, err);
out:
	mnew_free(m, n);
	path_done(&pp);
	return rc;
}

/*---------------------------------------------------------------------------
 * DELETE TIMESERIES
 *---------------------------------------------------------------------------*/

int schema_series_delete(schema_t *s, const char *const *patterns, size_t n, schema_ids_t *sids,
			 larch_error_t *err)
{
	ppath_t *pp;
	int rc = parse_patterns(patterns, n, &pp, err);
	if (rc)
		return rc;
	schema_ids_t ids = {NULL, 0};
	buf_t ops = BUF_INIT;
	pthread_rwlock_wrlock(&s->lock);
	for (size_t i = 0; i < n && !rc; i++)
		if (match_ids(s, &pp[i], 0, 0, &ids))
			rc = err_oom(err);
	ids_unique(&ids);
	char names[200];
	patterns_text(names, sizeof(names), patterns, n);
	if (!rc && !ids.n)
		rc = err_set(err, LARCH_PATH_NOT_EXIST, "Timeseries [%s] does not exist or is "
			     "represented by schema template", names);
	if (!rc) {
		op_ids(&ops, OP_SERIES_DELETE, ids.ids, ids.n);
		rc = txn_run(s, &ops, 1, 1, err);
	}
	pthread_rwlock_unlock(&s->lock);
	if (!rc && sids)
		*sids = ids;
	else
		schema_ids_free(&ids);
	buf_free(&ops);
	free_patterns(pp, n);
	if (!rc)
		maybe_snapshot(s);
	return rc;
}

/*---------------------------------------------------------------------------
 * ALTER TIMESERIES
 *---------------------------------------------------------------------------*/

/* A growable list of key/value pairs (strings owned elsewhere). */
typedef struct kvlist {
	schema_kv_t *v;
	size_t n, cap;
} kvlist_t;

static int kv_find(const kvlist_t *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return (int)i;
	return -1;
}

static int kv_set(kvlist_t *l, const char *key, const char *value)
{
	int i = kv_find(l, key);
	if (i >= 0) {
		l->v[i].value = value;
		return 0;
	}
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		schema_kv_t *v = mem_realloc(l->v, nc * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = nc;
	}
	l->v[l->n].key = key;
	l->v[l->n].value = value;
	l->n++;
	return 0;
}

static void kv_drop(kvlist_t *l, int i)
{
	memmove(l->v + i, l->v + i + 1, (l->n - (size_t)i - 1) * sizeof(*l->v));
	l->n--;
}

static int kv_load(const schema_t *s, kvlist_t *l, const uint32_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (kv_set(l, name_of(s, ids[2 * i], NULL), name_of(s, ids[2 * i + 1], NULL)))
			return -1;
	return 0;
}

/* Apply the ALTER to the tag/attribute lists; IoTDB's messages. */
static int alter_lists(const schema_alter_t *a, kvlist_t *tags, kvlist_t *attrs,
		       const buf_t *path, larch_error_t *err)
{
	switch (a->op) {
	case SCHEMA_ALTER_RENAME: {
		if (!a->old_key || !a->new_key)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "RENAME needs two keys");
		if (kv_find(tags, a->new_key) >= 0 || kv_find(attrs, a->new_key) >= 0)
			return err_set(err, LARCH_METADATA_ERROR, "TimeSeries [%.*s] already has a "
				       "tag/attribute named [%s].", TXT(path), a->new_key);
		int i = kv_find(tags, a->old_key);
		kvlist_t *l = tags;
		if (i < 0) {
			i = kv_find(attrs, a->old_key);
			l = attrs;
		}
		if (i < 0)
			return err_set(err, LARCH_METADATA_ERROR, "TimeSeries [%.*s] does not have "
				       "tag/attribute [%s].", TXT(path), a->old_key);
		l->v[i].key = a->new_key;
		return LARCH_OK;
	}
	case SCHEMA_ALTER_SET:
		for (size_t k = 0; k < a->nkvs; k++) {
			int i = kv_find(tags, a->kvs[k].key);
			kvlist_t *l = tags;
			if (i < 0) {
				i = kv_find(attrs, a->kvs[k].key);
				l = attrs;
			}
			if (i < 0)
				return err_set(err, LARCH_METADATA_ERROR, "TimeSeries [%.*s] does not "
					       "have tag/attribute [%s].", TXT(path), a->kvs[k].key);
			l->v[i].value = a->kvs[k].value;
		}
		return LARCH_OK;
	case SCHEMA_ALTER_DROP:
		for (size_t k = 0; k < a->nkeys; k++) {
			if (!a->keys[k])
				return err_set(err, LARCH_ILLEGAL_PARAMETER, "empty key");
			int i = kv_find(tags, a->keys[k]);
			if (i >= 0)
				kv_drop(tags, i);
			else if ((i = kv_find(attrs, a->keys[k])) >= 0)
				kv_drop(attrs, i);
		}
		return LARCH_OK;
	case SCHEMA_ALTER_ADD_TAGS:
	case SCHEMA_ALTER_ADD_ATTRS: {
		int tag = a->op == SCHEMA_ALTER_ADD_TAGS;
		kvlist_t *l = tag ? tags : attrs;
		for (size_t k = 0; k < a->nkvs; k++) {
			if (kv_find(l, a->kvs[k].key) >= 0)
				return err_set(err, LARCH_METADATA_ERROR, "TimeSeries [%.*s] already has "
					       "the %s [%s].", TXT(path), tag ? "tag" : "attribute",
					       a->kvs[k].key);
			if (kv_set(l, a->kvs[k].key, a->kvs[k].value))
				return err_oom(err);
		}
		return LARCH_OK;
	}
	case SCHEMA_ALTER_UPSERT:
		for (size_t k = 0; k < a->nkvs; k++)
			if (kv_set(tags, a->kvs[k].key, a->kvs[k].value))
				return err_oom(err);
		for (size_t k = 0; k < a->nattrs; k++)
			if (kv_set(attrs, a->attrs[k].key, a->attrs[k].value))
				return err_oom(err);
		return LARCH_OK;
	}
	return err_set(err, LARCH_ILLEGAL_PARAMETER, "unknown ALTER operation %d", (int)a->op);
}

/* Check the new alias of sid: IoTDB's changeAlias message on a clash. */
static int check_alias(const schema_t *s, uint32_t sid, const schema_str_t *alias,
		       const buf_t *path, larch_error_t *err)
{
	const series_t *sr = ser_at(s, sid);
	const device_t *d = dev_at(s, sr->dev);
	uint32_t id = intern_find(&s->names, alias->ptr, alias->len);
	if (!id || id == sr->alias)
		return LARCH_OK;
	uint32_t v = dev_meas(d, id);
	uint32_t c = node_child(s, d->node, id);
	if (!v && c == NODE_NONE)
		return LARCH_OK;
	buf_t other = BUF_INIT;
	node_path(s, d->node, &other);
	buf_put_u8(&other, '.');
	uint32_t len;
	const char *nm = v ? name_of(s, ser_at(s, v & ~SID_ALIAS)->name, &len)
			   : name_of(s, id, &len);
	path_put_name(&other, nm, len);
	int rc = buf_ok(&other) ? err_set(err, LARCH_METADATA_ERROR, "The alias is duplicated with "
					  "the name or alias of other measurement, alias: %.*s, "
					  "fullPath: %.*s, otherMeasurement: %.*s",
					  (int)LR_MIN(alias->len, 60), alias->ptr,
					  (int)LR_MIN(path->len, 80), (const char *)path->data,
					  (int)LR_MIN(other.len, 80), (const char *)other.data)
				: err_oom(err);
	buf_free(&other);
	return rc;
}

/* Find the series of a full path (name or alias): sid, or 0 with 508. */
static uint32_t find_series(const schema_t *s, const ppath_t *pp, const char *path,
			    larch_error_t *err)
{
	uint32_t node = pp->n >= 3 ? node_find(s, pp->node, pp->n - 1) : NODE_NONE;
	const device_t *d = node != NODE_NONE ? dev_get(s, node_at(s, node)->dev) : NULL;
	const pname_t *m = &pp->node[pp->n - 1];
	uint32_t id = d ? intern_find(&s->names, m->s, m->len) : 0;
	uint32_t v = id ? dev_meas(d, id) : 0;
	if (!v)
		err_set(err, LARCH_PATH_NOT_EXIST, "Path [%s] does not exist", path);
	return v & ~SID_ALIAS;
}

int schema_series_alter(schema_t *s, const char *path, const schema_alter_t *a,
			larch_error_t *err)
{
	ppath_t pp;
	int rc = path_parse(path, strlen(path), 0, &pp, err);
	if (rc)
		return rc;
	if (a->op != SCHEMA_ALTER_DROP && a->op != SCHEMA_ALTER_RENAME)
		rc = check_kvs(a->kvs, a->nkvs, err);
	if (!rc && a->op == SCHEMA_ALTER_UPSERT)
		rc = check_kvs(a->attrs, a->nattrs, err);
	if (!rc && a->op == SCHEMA_ALTER_RENAME && a->new_key &&
	    strlen(a->new_key) > SCHEMA_MAX_NAME)
		rc = err_set(err, LARCH_ILLEGAL_PARAMETER, "key too long");
	schema_str_t alias = {NULL, 0};
	char *acopy = NULL;
	if (!rc && a->op == SCHEMA_ALTER_UPSERT && a->alias) {
		int r = name_parse(a->alias, strlen(a->alias), &alias, &acopy);
		rc = r == -2 ? err_oom(err) : r ? err_illegal(err, a->alias, strlen(a->alias)) : 0;
	}
	if (rc) {
		path_done(&pp);
		return rc;
	}
	kvlist_t tags = {NULL, 0, 0}, attrs = {NULL, 0, 0};
	buf_t canon = BUF_INIT, ops = BUF_INIT;
	pthread_rwlock_wrlock(&s->lock);
	uint32_t sid = find_series(s, &pp, path, err);
	if (!sid) {
		rc = LARCH_PATH_NOT_EXIST;
		goto unlock;
	}
	const series_t *sr = ser_at(s, sid);
	const device_t *d = dev_at(s, sr->dev);
	uint32_t len;
	node_path(s, d->node, &canon);
	buf_put_u8(&canon, '.');
	const char *nm = name_of(s, sr->name, &len);
	path_put_name(&canon, nm, len);
	if (!buf_ok(&canon)) {
		rc = err_oom(err);
		goto unlock;
	}
	if (sr->flags & SF_TMPL) {
		rc = err_tmpl_incompatible(s, err, "alter template timeseries",
					   (const char *)canon.data, canon.len,
					   node_tmpl_above(s, d->node));
		goto unlock;
	}
	const uint32_t *x = (sr->flags & SF_EXTRAS) ? ext_get(s, sid) : NULL;
	if (x && (kv_load(s, &tags, EX_TAGS(x), EX_NT(x)) ||
		  kv_load(s, &attrs, EX_ATTRS(x), EX_NA(x)))) {
		rc = err_oom(err);
		goto unlock;
	}
	rc = alter_lists(a, &tags, &attrs, &canon, err);
	if (!rc && alias.ptr)
		rc = check_alias(s, sid, &alias, &canon, err);
	if (rc)
		goto unlock;
	uint32_t alen = 0;
	const char *old = sr->alias ? name_of(s, sr->alias, &alen) : NULL;
	if (alias.ptr) {
		old = alias.ptr;
		alen = alias.len;
	}
	op_series_alter(&ops, sid, old, alen, tags.v, tags.n, attrs.v, attrs.n);
	rc = txn_run(s, &ops, 1, 0, err);
unlock:
	pthread_rwlock_unlock(&s->lock);
	mem_free(tags.v);
	mem_free(attrs.v);
	mem_free(acopy);
	buf_free(&canon);
	buf_free(&ops);
	path_done(&pp);
	if (!rc)
		maybe_snapshot(s);
	return rc;
}

