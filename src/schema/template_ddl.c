/*
 * template_ddl.c — the device template statements: CREATE / ALTER ... ADD /
 * DROP DEVICE TEMPLATE, SET / UNSET, CREATE TIMESERIES USING DEVICE
 * TEMPLATE (activation), DEACTIVATE, and SHOW DEVICE TEMPLATES / NODES IN /
 * PATHS SET / PATHS USING.  Rules and messages follow IoTDB
 * (IoTDBSchemaTemplateIT): a template cannot be set where series exist or
 * where another template is set above or below; it cannot be unset while
 * devices below use it, nor dropped while it is set.
 */
#include <stdlib.h>

#include "schema/schema_int.h"

static int undefined_tmpl(larch_error_t *err, const char *name)
{
	return err_set(err, LARCH_UNDEFINED_TEMPLATE, "Undefined template name: %s", name);
}

/* Validate template measurements into ms (interning their names). */
static int tmpl_meas(schema_t *s, const tmpl_t *t, const schema_tmpl_meas_t *in, size_t n,
		     tmeas_t *ms, larch_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		schema_str_t nm;
		char *copy = NULL;
		int r = in[i].name ? name_parse(in[i].name, strlen(in[i].name), &nm, &copy) : -1;
		if (r == -2)
			return err_oom(err);
		if (r || name_is_reserved(nm.ptr, nm.len)) {
			mem_free(copy);
			return err_set(err, LARCH_CREATE_TEMPLATE_ERROR, "create template error -%s is "
				       "an illegal name", in[i].name ? in[i].name : "");
		}
		uint8_t tec[3];
		int rc = check_tec(s, in[i].type, in[i].encoding, in[i].codec, tec, 1, err);
		if (!rc)
			rc = intern_add(&s->names, nm.ptr, nm.len, &ms[i].name) ? err_oom(err) : 0;
		mem_free(copy);
		if (rc)
			return rc;
		ms[i].type = tec[0];
		ms[i].enc = tec[1];
		ms[i].codec = tec[2];
		for (size_t j = 0; j < i; j++)
			if (ms[j].name == ms[i].name)
				return err_set(err, LARCH_CREATE_TEMPLATE_ERROR, "create template "
					       "error -Duplicated measurement [%s] in device template",
					       in[i].name);
		if (t && tmpl_meas_index(t, ms[i].name) >= 0)
			return err_set(err, LARCH_MEASUREMENT_IN_TEMPLATE, "Measurement [%s] already "
				       "exists in template [%s]", in[i].name, name_of(s, t->name, NULL));
	}
	return LARCH_OK;
}

int schema_template_create(schema_t *s, const char *name, int aligned,
			   const schema_tmpl_meas_t *ms, size_t n, larch_error_t *err)
{
	size_t nlen = name ? strlen(name) : 0;
	if (!nlen || nlen > SCHEMA_MAX_NAME || n > 65535)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad template name or size");
	tmeas_t *tm = mem_calloc(n ? n : 1, sizeof(*tm));
	if (!tm)
		return err_oom(err);
	buf_t ops = BUF_INIT;
	pthread_rwlock_wrlock(&s->lock);
	int rc = LARCH_OK;
	if (tmpl_by_name(s, name, nlen))
		rc = err_set(err, LARCH_METADATA_ERROR, "Duplicated template name: %s", name);
	else if (s->next_tid > 65535)
		rc = err_set(err, LARCH_METADATA_ERROR, "too many device templates");
	if (!rc)
		rc = tmpl_meas(s, NULL, ms, n, tm, err);
	if (!rc) {
		op_tmpl_create(&ops, s->next_tid, name, aligned, tm, (uint32_t)n, s);
		rc = txn_run(s, &ops, 1, 0, err);
	}
	pthread_rwlock_unlock(&s->lock);
	mem_free(tm);
	buf_free(&ops);
	if (!rc)
		maybe_snapshot(s);
	return rc;
}

/* Names of new template measurements must be free on every device using
 * the template. */
static int check_tmpl_devices(const schema_t *s, uint32_t tid, const tmeas_t *ms, size_t n,
			      larch_error_t *err)
{
	for (uint32_t id = 1; id < s->next_dev; id++) {
		const device_t *d = dev_get(s, id);
		if (!d || d->tmpl != tid)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (!dev_meas(d, ms[j].name) && node_child(s, d->node, ms[j].name) == NODE_NONE)
				continue;
			buf_t b = BUF_INIT;
			node_path(s, d->node, &b);
			buf_put_u8(&b, '.');
			uint32_t len;
			const char *nm = name_of(s, ms[j].name, &len);
			path_put_name(&b, nm, len);
			return err_path_exists(err, &b);
		}
	}
	return LARCH_OK;
}

int tmpl_extend_ops(schema_t *s, uint32_t tid, const tmeas_t *ms, size_t n, uint32_t extra_devs,
		    uint32_t sid_base, buf_t *ops, larch_error_t *err)
{
	const tmpl_t *t = tmpl_get(s, tid);
	uint64_t need = (uint64_t)(t->nused + extra_devs) * n;
	if (sid_base + need > (uint64_t)SCHEMA_MAX_SID + 1)
		return err_set(err, LARCH_SCHEMA_QUOTA_EXCEEDED, "series ids are exhausted");
	int rc = check_tmpl_devices(s, tid, ms, n, err);
	if (!rc)
		op_tmpl_extend(ops, tid, sid_base, ms, (uint32_t)n, s);
	return rc;
}

int schema_template_extend(schema_t *s, const char *name, const schema_tmpl_meas_t *ms,
			   size_t n, larch_error_t *err)
{
	if (!n || n > 65535)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no measurements given");
	tmeas_t *tm = mem_calloc(n, sizeof(*tm));
	if (!tm)
		return err_oom(err);
	buf_t ops = BUF_INIT;
	pthread_rwlock_wrlock(&s->lock);
	uint32_t tid = name ? tmpl_by_name(s, name, strlen(name)) : 0;
	int rc = tid ? tmpl_meas(s, tmpl_get(s, tid), ms, n, tm, err)
		     : undefined_tmpl(err, name ? name : "");
	if (!rc)
		rc = tmpl_extend_ops(s, tid, tm, n, 0, s->next_sid, &ops, err);
	if (!rc)
		rc = txn_run(s, &ops, 1, 0, err);
	pthread_rwlock_unlock(&s->lock);
	mem_free(tm);
	buf_free(&ops);
	if (!rc)
		maybe_snapshot(s);
	return rc;
}

int schema_template_drop(schema_t *s, const char *name, larch_error_t *err)
{
	buf_t ops = BUF_INIT;
	pthread_rwlock_wrlock(&s->lock);
	uint32_t tid = name ? tmpl_by_name(s, name, strlen(name)) : 0;
	int rc = LARCH_OK;
	if (!tid)
		rc = undefined_tmpl(err, name ? name : "");
	else if (s->tmpls[tid].nset || s->tmpls[tid].nused)
		rc = err_set(err, LARCH_METADATA_ERROR, "Template [%s] has been set on MTree, cannot "
			     "be dropped now.", name);
	if (!rc) {
		op_one(&ops, OP_TMPL_DROP, tid);
		rc = txn_run(s, &ops, 1, 1, err);
	}
	pthread_rwlock_unlock(&s->lock);
	buf_free(&ops);
	return rc;
}

int schema_template_set(schema_t *s, const char *name, const char *path, larch_error_t *err)
{
	ppath_t pp;
	int rc = parse_full(path, &pp, err);
	if (rc)
		return rc;
	buf_t canon = BUF_INIT, ops = BUF_INIT;
	path_format(&canon, pp.node, pp.n);
	pthread_rwlock_wrlock(&s->lock);
	uint32_t tid = name ? tmpl_by_name(s, name, strlen(name)) : 0, node, tnode, below;
	if (!tid)
		rc = undefined_tmpl(err, name ? name : "");
	else if (!buf_ok(&canon))
		rc = err_oom(err);
	if (!rc)
		rc = walk_device(s, pp.node, pp.n, &node, &tnode, err);
	if (!rc && tnode == NODE_NONE && node != NODE_NONE && node_tmpl_below(s, node, &below))
		tnode = below;
	if (!rc && tnode != NODE_NONE) {
		buf_t b = BUF_INIT;
		node_path(s, tnode, &b);
		rc = buf_ok(&b) ? err_set(err, LARCH_METADATA_ERROR, "Template already exists on "
					  "%.*s", TXT(&b))
				: err_oom(err);
		buf_free(&b);
	}
	if (!rc && node != NODE_NONE && node_has_series_below(s, node))
		rc = err_set(err, LARCH_TEMPLATE_INCOMPATIBLE, "Cannot set device template [%s] to "
			     "path [%.*s] since there's timeseries under path [%.*s].", name, TXT(&canon),
			     TXT(&canon));
	if (!rc) {
		op_tmpl_path(&ops, OP_TMPL_SET, tid, (const char *)canon.data, canon.len);
		rc = txn_run(s, &ops, 1, 0, err);
	}
	pthread_rwlock_unlock(&s->lock);
	buf_free(&canon);
	buf_free(&ops);
	path_done(&pp);
	return rc;
}

/* node_walk: a device with template *arg activated. */
static int uses_tmpl(const schema_t *s, uint32_t node, void *arg)
{
	const device_t *d = dev_get(s, node_at(s, node)->dev);
	return d && d->tmpl == *(const uint32_t *)arg;
}

int schema_template_unset(schema_t *s, const char *name, const char *path, larch_error_t *err)
{
	ppath_t pp;
	int rc = parse_full(path, &pp, err);
	if (rc)
		return rc;
	buf_t canon = BUF_INIT, ops = BUF_INIT;
	path_format(&canon, pp.node, pp.n);
	pthread_rwlock_wrlock(&s->lock);
	uint32_t tid = name ? tmpl_by_name(s, name, strlen(name)) : 0;
	uint32_t node = node_find(s, pp.node, pp.n);
	uint16_t set = node != NODE_NONE ? node_at(s, node)->tmpl : 0;
	if (!tid)
		rc = undefined_tmpl(err, name ? name : "");
	else if (!buf_ok(&canon))
		rc = err_oom(err);
	else if (!set)
		rc = err_set(err, LARCH_TEMPLATE_NOT_SET, "NO template on %.*s", TXT(&canon));
	else if (set != tid)
		rc = err_set(err, LARCH_DIFFERENT_TEMPLATE, "Template [%s] is not set on path [%.*s]",
			     name, TXT(&canon));
	else if (node_walk(s, node, uses_tmpl, &tid))
		rc = err_set(err, LARCH_TEMPLATE_IS_IN_USE, "Template is in use on %.*s", TXT(&canon));
	if (!rc) {
		op_tmpl_path(&ops, OP_TMPL_UNSET, tid, (const char *)canon.data, canon.len);
		rc = txn_run(s, &ops, 1, 1, err);
	}
	pthread_rwlock_unlock(&s->lock);
	buf_free(&canon);
	buf_free(&ops);
	path_done(&pp);
	return rc;
}

int activate_ops(schema_t *s, const buf_t *devtext, uint32_t node, uint32_t tnode, buf_t *ops,
		 size_t *nops, larch_error_t *err)
{
	uint32_t tid = node_at(s, tnode)->tmpl;
	const tmpl_t *t = tmpl_get(s, tid);
	const device_t *d = node != NODE_NONE ? dev_get(s, node_at(s, node)->dev) : NULL;
	if (d && d->tmpl)
		return err_set(err, LARCH_METADATA_ERROR, "Device template has already been "
			       "activated on path %.*s, there's no need to activate again.",
			       TXT(devtext));
	if (d && d->nseries)
		return err_set(err, LARCH_TEMPLATE_INCOMPATIBLE, "Cannot activate device template [%s] "
			       "on path [%.*s] since there's timeseries under it.",
			       name_of(s, t->name, NULL),
			       TXT(devtext));
	for (uint32_t j = 0; node != NODE_NONE && j < t->n; j++)
		if (node_child(s, node, t->ms[j].name) != NODE_NONE) {
			buf_t b = BUF_INIT;
			buf_put(&b, devtext->data, devtext->len);
			buf_put_u8(&b, '.');
			uint32_t len;
			const char *nm = name_of(s, t->ms[j].name, &len);
			path_put_name(&b, nm, len);
			return err_path_exists(err, &b);
		}
	if ((uint64_t)s->next_sid + t->n > (uint64_t)SCHEMA_MAX_SID + 1)
		return err_set(err, LARCH_SCHEMA_QUOTA_EXCEEDED, "series ids are exhausted");
	uint32_t dev_id = d ? node_at(s, node)->dev : s->next_dev;
	op_series_create_head(ops, dev_id, (const char *)devtext->data, devtext->len, t->aligned,
			      tid, t->n);
	for (uint32_t j = 0; j < t->n; j++) {
		uint32_t len;
		const char *nm = name_of(s, t->ms[j].name, &len);
		uint8_t tec[3] = {t->ms[j].type, t->ms[j].enc, t->ms[j].codec};
		op_series_item(ops, s->next_sid + j, nm, len, NULL, 0, tec, SF_TMPL, NULL, 0, NULL,
			       0, NULL, 0);
	}
	(*nops)++;
	return LARCH_OK;
}

int schema_template_activate(schema_t *s, const char *path, larch_error_t *err)
{
	ppath_t pp;
	int rc = parse_full(path, &pp, err);
	if (rc)
		return rc;
	for (uint32_t i = 1; i < pp.n && !rc; i++)
		if (name_is_reserved(pp.node[i].s, pp.node[i].len))
			rc = err_illegal(err, path, strlen(path));
	buf_t canon = BUF_INIT, ops = BUF_INIT;
	dbplan_t plan = {0, 0, BUF_INIT};
	size_t nops = 0;
	path_format(&canon, pp.node, pp.n);
	if (rc)
		goto out;
	pthread_rwlock_wrlock(&s->lock);
	uint32_t node, tnode;
	rc = buf_ok(&canon) ? walk_device(s, pp.node, pp.n, &node, &tnode, err) : err_oom(err);
	if (!rc && tnode == NODE_NONE)
		rc = err_set(err, LARCH_TEMPLATE_NOT_SET, "NO template on %.*s", TXT(&canon));
	if (!rc)
		rc = plan_db(s, pp.node, pp.n, (const char *)canon.data, canon.len, &plan, err);
	if (!rc && plan.create) {
		op_db_create(&ops, plan.id, (const char *)plan.path.data, plan.path.len);
		nops++;
	}
	if (!rc)
		rc = activate_ops(s, &canon, node, tnode, &ops, &nops, err);
	if (!rc)
		rc = txn_run(s, &ops, nops, 0, err);
	pthread_rwlock_unlock(&s->lock);
	if (!rc)
		maybe_snapshot(s);
out:
	buf_free(&canon);
	buf_free(&ops);
	buf_free(&plan.path);
	path_done(&pp);
	return rc;
}

int schema_template_deactivate(schema_t *s, const char *name, const char *const *patterns,
			       size_t n, schema_ids_t *sids, larch_error_t *err)
{
	ppath_t *pp;
	int rc = parse_patterns(patterns, n, &pp, err);
	if (rc)
		return rc;
	schema_ids_t devs = {NULL, 0}, ser = {NULL, 0};
	buf_t ops = BUF_INIT;
	pthread_rwlock_wrlock(&s->lock);
	uint32_t tid = name ? tmpl_by_name(s, name, strlen(name)) : 0;
	if (name && !tid)
		rc = undefined_tmpl(err, name);
	for (size_t i = 0; i < n && !rc; i++)
		if (match_ids(s, &pp[i], 1, 0, &devs))
			rc = err_oom(err);
	ids_unique(&devs);
	size_t k = 0;
	for (size_t i = 0; i < devs.n && !rc; i++) {
		const device_t *d = dev_get(s, devs.ids[i]);
		if (!d->tmpl || (tid && d->tmpl != tid))
			continue;
		devs.ids[k++] = devs.ids[i];
		const tmpl_t *t = &s->tmpls[d->tmpl];
		for (uint32_t j = 0; j < t->n && !rc; j++) {
			uint32_t v = dev_meas(d, t->ms[j].name);
			if (v && !(v & SID_ALIAS) && ids_push(&ser, v))
				rc = err_oom(err);
		}
	}
	devs.n = k;
	if (!rc && !devs.n)
		rc = err_set(err, LARCH_TEMPLATE_NOT_ACTIVATED, "Target template is not activated on "
			     "any path matched by given path pattern");
	if (!rc) {
		op_ids(&ops, OP_TMPL_DEACTIVATE, devs.ids, devs.n);
		rc = txn_run(s, &ops, 1, 1, err);
	}
	pthread_rwlock_unlock(&s->lock);
	if (!rc && sids)
		*sids = ser;
	else
		schema_ids_free(&ser);
	schema_ids_free(&devs);
	buf_free(&ops);
	free_patterns(pp, n);
	return rc;
}

/*---------------------------------------------------------------------------
 * Template listings
 *---------------------------------------------------------------------------*/

typedef struct tname {
	const char *name;
	uint32_t tid;
} tname_t;

static int tname_cmp(const void *a, const void *b)
{
	return strcmp(((const tname_t *)a)->name, ((const tname_t *)b)->name);
}

int schema_template_list(schema_t *s, schema_template_cb cb, void *arg, larch_error_t *err)
{
	pthread_rwlock_rdlock(&s->lock);
	tname_t *v = mem_calloc(s->cap_tmpl + 1, sizeof(*v));
	size_t n = 0;
	for (uint32_t t = 1; v && t < s->cap_tmpl; t++)
		if (tmpl_get(s, t))
			v[n++] = (tname_t){name_of(s, s->tmpls[t].name, NULL), t};
	if (v) {
		if (n > 1)
			qsort(v, n, sizeof(*v), tname_cmp);
		for (size_t i = 0; i < n; i++) {
			const tmpl_t *t = &s->tmpls[v[i].tid];
			schema_template_info_t in = {v[i].tid, v[i].name, t->aligned, t->n};
			if (cb(arg, &in))
				break;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	int rc = v ? LARCH_OK : err_oom(err);
	mem_free(v);
	return rc;
}

int schema_template_measurements(schema_t *s, const char *name, schema_tmpl_meas_cb cb,
				 void *arg, larch_error_t *err)
{
	pthread_rwlock_rdlock(&s->lock);
	uint32_t tid = name ? tmpl_by_name(s, name, strlen(name)) : 0;
	int rc = tid ? LARCH_OK : undefined_tmpl(err, name ? name : "");
	for (uint32_t i = 0; !rc && i < s->tmpls[tid].n; i++) {
		const tmeas_t *m = &s->tmpls[tid].ms[i];
		schema_tmpl_meas_info_t in = {name_of(s, m->name, NULL), (tsfile_type_t)m->type,
					      (tsfile_encoding_t)m->enc, (tsfile_codec_t)m->codec};
		if (cb(arg, &in))
			break;
	}
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

static int tmpl_paths(schema_t *s, const char *name, int using, schema_path_cb cb, void *arg,
		      larch_error_t *err)
{
	pthread_rwlock_rdlock(&s->lock);
	uint32_t tid = name ? tmpl_by_name(s, name, strlen(name)) : 0;
	pthread_rwlock_unlock(&s->lock);
	if (!tid)
		return undefined_tmpl(err, name ? name : "");
	return match_tmpl_paths(s, tid, using, cb, arg, err);
}

int schema_template_paths_set(schema_t *s, const char *name, schema_path_cb cb, void *arg,
			      larch_error_t *err)
{
	return tmpl_paths(s, name, 0, cb, arg, err);
}

int schema_template_paths_using(schema_t *s, const char *name, schema_path_cb cb, void *arg,
				larch_error_t *err)
{
	return tmpl_paths(s, name, 1, cb, arg, err);
}

