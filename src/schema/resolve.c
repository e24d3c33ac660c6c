/*
 * resolve.c — the write path: map (device, measurements, value types) to
 * series ids, creating what is missing.
 *
 * Fast path (every insert that touches existing series): under the reader
 * lock, hash the device text and find the device (devhash, checked node by
 * node), then per measurement one intern lookup and one probe of the
 * device's measurement table.  No allocation, no parsing.  It applies to a
 * device path without back-quotes and bare measurement names.
 *
 * Slow path: parse the device path and names, look again; if something is
 * missing and auto-creation is on, take the writer lock, look again, and
 * create in one transaction: the database at the configured level when none
 * covers the device, then either the series (value type, default encoding
 * and compressor) or, under a template-set path, the template activation
 * and/or the template's extension by the measurements it lacks.
 */
#include <stdarg.h>
#include <stdio.h>

#include "schema/schema_int.h"

typedef struct rstate {
	const schema_write_t *w;
	schema_resolved_t *r;
	int first;             /* code of the first failure, 0 if none */
	larch_error_t *err;
	const char *dev;       /* device text for messages */
	size_t devlen;
} rstate_t;

/* Record a failure of measurement i; the first one also goes to err. */
static void fail_one(rstate_t *st, size_t i, int code, const char *fmt, ...) LR_PRINTF(4, 5);

static void fail_one(rstate_t *st, size_t i, int code, const char *fmt, ...)
{
	if (st->r->status)
		st->r->status[i] = code;
	st->r->sids[i] = 0;
	if (st->first)
		return;
	st->first = code;
	if (st->err) {
		va_list ap;
		va_start(ap, fmt);
		st->err->code = code;
		vsnprintf(st->err->msg, sizeof(st->err->msg), fmt, ap);
		va_end(ap);
	}
}

static void fail_err(rstate_t *st, size_t i, const larch_error_t *e)
{
	fail_one(st, i, e->code, "%s", e->msg);
}

#define NAME_ARG(n) (int)LR_MIN((n).len, 100), (n).ptr
#define DEV_ARG(st) (int)LR_MIN((st)->devlen, 150), (st)->dev

enum { FOUND, MISSING, FAILED };

/* Look measurement i (raw name nm) up on device d. */
static int lookup_one(const schema_t *s, const device_t *d, schema_str_t nm, size_t i,
		      rstate_t *st)
{
	uint32_t id = d ? intern_find(&s->names, nm.ptr, nm.len) : 0;
	uint32_t v = id ? dev_meas(d, id) : 0;
	if (!v)
		return MISSING;
	const series_t *sr = ser_at(s, v & ~SID_ALIAS);
	tsfile_type_t in = st->w->types[i];
	if (!schema_type_accepts((tsfile_type_t)sr->type, in)) {
		fail_one(st, i, LARCH_METADATA_ERROR, "data type of %.*s.%.*s is not consistent, "
			 "registered type %s, inserting type %s", DEV_ARG(st), NAME_ARG(nm),
			 tsfile_type_name((tsfile_type_t)sr->type), tsfile_type_name(in));
		return FAILED;
	}
	st->r->sids[i] = v & ~SID_ALIAS;
	st->r->types[i] = (tsfile_type_t)sr->type;
	if (st->r->status)
		st->r->status[i] = LARCH_OK;
	return FOUND;
}

static void set_device(const schema_t *s, uint32_t dev_id, schema_resolved_t *r)
{
	const device_t *d = dev_get(s, dev_id);
	uint32_t dbn = d ? node_db(s, d->node) : NODE_NONE;
	r->dev_id = d ? dev_id : 0;
	r->db_id = dbn != NODE_NONE ? node_at(s, dbn)->db : 0;
	r->aligned = d ? d->aligned : 0;
}

/* The fast path; 1 when it resolved every measurement (successfully or
 * not), 0 to take the slow path. */
static int resolve_fast(schema_t *s, const schema_write_t *w, rstate_t *st)
{
	schema_str_t segs[SCHEMA_MAX_DEPTH];
	uint32_t nseg;
	if (!path_split_plain(w->device, w->device_len, segs, &nseg))
		return 0;
	int done = 0;
	pthread_rwlock_rdlock(&s->lock);
	uint32_t id = dev_lookup(s, segs, nseg, hash_bytes(w->device, w->device_len), 1);
	const device_t *d = dev_get(s, id);
	if (d) {
		size_t i;
		for (i = 0; i < w->n; i++) {
			/* a name that is not plain is parsed (or refused) by the slow path */
			const schema_str_t nm = w->names[i];
			if (!name_is_plain(nm.ptr, nm.len) || lookup_one(s, d, nm, i, st) == MISSING)
				break;
		}
		if (i == w->n) {
			set_device(s, id, st->r);
			done = 1;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	return done;
}

/* Look every still pending (status -1) measurement up; count the missing. */
static size_t pass(const schema_t *s, const ppath_t *pp, const schema_str_t *mn, rstate_t *st,
		   int *pending)
{
	uint32_t node = node_find(s, pp->node, pp->n);
	const device_t *d = node != NODE_NONE ? dev_get(s, node_at(s, node)->dev) : NULL;
	size_t missing = 0;
	for (size_t i = 0; i < st->w->n; i++) {
		if (!pending[i])
			continue;
		int r = lookup_one(s, d, mn[i], i, st);
		if (r == MISSING)
			missing++;
		else
			pending[i] = 0;
	}
	set_device(s, node != NODE_NONE ? node_at(s, node)->dev : 0, st->r);
	return missing;
}

static void fail_missing(rstate_t *st, const schema_str_t *mn, int *pending,
			 const larch_error_t *e)
{
	for (size_t i = 0; i < st->w->n; i++) {
		if (!pending[i])
			continue;
		pending[i] = 0;
		if (e)
			fail_err(st, i, e);
		else
			fail_one(st, i, LARCH_PATH_NOT_EXIST, "Path [%.*s.%.*s] does not exist",
				 DEV_ARG(st), NAME_ARG(mn[i]));
	}
}

/* Validate the value type of new measurement i and its name against the
 * device node: 0 to create it, else its status is set. */
static int new_ok(schema_t *s, rstate_t *st, uint32_t node, const schema_str_t *mn, size_t i,
		  uint8_t tec[3], int *pending)
{
	larch_error_t e = {0, ""};
	uint32_t id = intern_find(&s->names, mn[i].ptr, mn[i].len);
	int rc = check_tec(s, st->w->types[i], -1, -1, tec, 0, &e);
	if (!rc && id && node != NODE_NONE && node_child(s, node, id) != NODE_NONE)
		rc = err_set(&e, LARCH_PATH_ALREADY_EXIST, "Path [%.*s.%.*s] already exist",
			     DEV_ARG(st), NAME_ARG(mn[i]));
	if (rc) {
		fail_err(st, i, &e);
		pending[i] = 0;
	}
	return rc;
}

/* 1 if an earlier pending measurement has the same name as i. */
static int dup_before(const schema_str_t *mn, const int *pending, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (pending[j] && mn[j].len == mn[i].len && !memcmp(mn[j].ptr, mn[i].ptr, mn[i].len))
			return 1;
	return 0;
}

/* Build and run the creation of the pending measurements (writer lock). */
static void create_missing(schema_t *s, const ppath_t *pp, const buf_t *devtext,
			   const schema_str_t *mn, rstate_t *st, int *pending)
{
	larch_error_t e = {0, ""};
	buf_t ops = BUF_INIT, what = BUF_INIT, items = BUF_INIT;
	dbplan_t plan = {0, 0, BUF_INIT};
	tmeas_t *ext = mem_calloc(st->w->n, sizeof(*ext));
	size_t nops = 0, next = 0, first = 0;
	uint32_t node, tnode, nitems = 0;
	while (first < st->w->n && !pending[first])
		first++;
	buf_put(&what, devtext->data, devtext->len);
	buf_put_u8(&what, '.');
	path_put_name(&what, mn[first].ptr, mn[first].len);
	int rc = !ext || !buf_ok(&what) ? err_set(&e, LARCH_NO_MEMORY, "out of memory") : 0;
	if (!rc)
		rc = plan_db(s, pp->node, pp->n, (const char *)what.data, what.len, &plan, &e);
	if (!rc)
		rc = walk_device(s, pp->node, pp->n, &node, &tnode, &e);
	if (rc)
		goto fail;
	if (plan.create) {
		op_db_create(&ops, plan.id, (const char *)plan.path.data, plan.path.len);
		nops++;
	}
	const device_t *d = node != NODE_NONE ? dev_get(s, node_at(s, node)->dev) : NULL;
	if (tnode != NODE_NONE) {
		uint32_t tid = node_at(s, tnode)->tmpl;
		const tmpl_t *t = tmpl_get(s, tid);
		int act = !(d && d->tmpl);
		for (size_t i = 0; i < st->w->n; i++) {
			uint8_t tec[3];
			uint32_t id = intern_find(&s->names, mn[i].ptr, mn[i].len);
			if (!pending[i] || (id && tmpl_meas_index(t, id) >= 0) ||
			    dup_before(mn, pending, i) || new_ok(s, st, node, mn, i, tec, pending))
				continue;
			if (intern_add(&s->names, mn[i].ptr, mn[i].len, &ext[next].name)) {
				rc = err_set(&e, LARCH_NO_MEMORY, "out of memory");
				goto fail;
			}
			ext[next].type = tec[0];
			ext[next].enc = tec[1];
			ext[next].codec = tec[2];
			next++;
		}
		if (act)
			rc = activate_ops(s, devtext, node, tnode, &ops, &nops, &e);
		if (!rc && next) {
			rc = tmpl_extend_ops(s, tid, ext, next, (uint32_t)act,
					     s->next_sid + (act ? t->n : 0), &ops, &e);
			nops++;
		}
	} else {
		int aligned = d ? d->aligned : (st->w->aligned ? 1 : 0);
		for (size_t i = 0; i < st->w->n && !rc; i++) {
			uint8_t tec[3];
			if (!pending[i] || dup_before(mn, pending, i) ||
			    new_ok(s, st, node, mn, i, tec, pending))
				continue;
			buf_reset(&what);
			buf_put(&what, devtext->data, devtext->len);
			buf_put_u8(&what, '.');
			path_put_name(&what, mn[i].ptr, mn[i].len);
			larch_error_t te = {0, ""};
			if (check_tmpl_below(s, node, &mn[i], (const char *)what.data, what.len, &te)) {
				fail_err(st, i, &te);
				pending[i] = 0;
				continue;
			}
			if (s->next_sid + nitems > SCHEMA_MAX_SID) {
				rc = err_set(&e, LARCH_SCHEMA_QUOTA_EXCEEDED, "series ids are exhausted");
				break;
			}
			op_series_item(&items, s->next_sid + nitems, mn[i].ptr, mn[i].len, NULL, 0,
				       tec, 0, NULL, 0, NULL, 0, NULL, 0);
			nitems++;
		}
		if (!rc && !buf_ok(&items))
			rc = err_set(&e, LARCH_NO_MEMORY, "out of memory");
		if (!rc && nitems) {
			uint32_t dev_id = d ? node_at(s, node)->dev : s->next_dev;
			op_series_create_head(&ops, dev_id, (const char *)devtext->data, devtext->len,
					      aligned, 0, nitems);
			buf_put(&ops, items.data, items.len);
			nops++;
		}
	}
	if (!rc && nops)
		rc = txn_run(s, &ops, nops, 0, &e);
fail:
	if (rc)
		fail_missing(st, mn, pending, &e);
	mem_free(ext);
	buf_free(&ops);
	buf_free(&what);
	buf_free(&items);
	buf_free(&plan.path);
}

static void resolve_slow(schema_t *s, const schema_write_t *w, rstate_t *st)
{
	ppath_t pp;
	buf_t devtext = BUF_INIT;
	larch_error_t e = {0, ""};
	schema_str_t *mn = mem_calloc(w->n ? w->n : 1, sizeof(*mn));
	char **copies = mem_calloc(w->n ? w->n : 1, sizeof(*copies));
	int *pending = mem_calloc(w->n ? w->n : 1, sizeof(*pending));
	int rc = !mn || !copies || !pending ? err_set(&e, LARCH_NO_MEMORY, "out of memory") : 0;
	if (!rc)
		rc = path_parse(w->device, w->device_len, 0, &pp, &e);
	if (rc) {
		for (size_t i = 0; i < w->n; i++)
			fail_err(st, i, &e);
		goto out;
	}
	for (uint32_t i = 1; i < pp.n && !rc; i++)
		if (name_is_reserved(pp.node[i].s, pp.node[i].len))
			rc = err_set(&e, LARCH_ILLEGAL_PATH, "%.*s is not a legal path, because %.*s is "
				     "an illegal name.", (int)LR_MIN(w->device_len, 150), w->device,
				     (int)pp.node[i].len, pp.node[i].s);
	if (!rc && pp.n < 2)
		rc = err_illegal(&e, w->device, w->device_len);
	path_format(&devtext, pp.node, pp.n);
	if (!rc && !buf_ok(&devtext))
		rc = err_set(&e, LARCH_NO_MEMORY, "out of memory");
	if (rc) {
		for (size_t i = 0; i < w->n; i++)
			fail_err(st, i, &e);
		goto done;
	}
	st->dev = (const char *)devtext.data;
	st->devlen = devtext.len;
	for (size_t i = 0; i < w->n; i++) {
		int r = name_parse(w->names[i].ptr, w->names[i].len, &mn[i], &copies[i]);
		if (r == -2)
			fail_one(st, i, LARCH_NO_MEMORY, "out of memory");
		else if (r || name_is_reserved(mn[i].ptr, mn[i].len))
			fail_one(st, i, LARCH_ILLEGAL_PATH, "%.*s.%.*s is not a legal path", DEV_ARG(st),
				 (int)LR_MIN(w->names[i].len, 100), w->names[i].ptr);
		else if (!w->types || (int)w->types[i] < 0)
			fail_one(st, i, LARCH_ILLEGAL_PARAMETER, "no data type for %.*s",
				 NAME_ARG(mn[i]));
		else
			pending[i] = 1;
	}
	pthread_rwlock_rdlock(&s->lock);
	size_t missing = pass(s, &pp, mn, st, pending);
	int create = missing && s->cfg.auto_create;
	if (!create)
		fail_missing(st, mn, pending, NULL);
	pthread_rwlock_unlock(&s->lock);
	if (create) {
		pthread_rwlock_wrlock(&s->lock);
		if (pass(s, &pp, mn, st, pending)) {
			create_missing(s, &pp, &devtext, mn, st, pending);
			if (pass(s, &pp, mn, st, pending))
				fail_missing(st, mn, pending, NULL);
		}
		pthread_rwlock_unlock(&s->lock);
		maybe_snapshot(s);
	}
done:
	path_done(&pp);
out:
	for (size_t i = 0; copies && i < w->n; i++)
		mem_free(copies[i]);
	mem_free(copies);
	mem_free(mn);
	mem_free(pending);
	buf_free(&devtext);
}

int schema_resolve(schema_t *s, const schema_write_t *w, schema_resolved_t *r,
		   larch_error_t *err)
{
	if (!w->device || (w->n && (!w->names || !w->types || !r->sids || !r->types)))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "incomplete write request");
	rstate_t st = {w, r, 0, err, w->device, w->device_len};
	r->dev_id = r->db_id = 0;
	r->aligned = 0;
	if (!resolve_fast(s, w, &st))
		resolve_slow(s, w, &st);
	return st.first;
}
