/*
 * db.c — databases (CREATE / DELETE / SHOW DATABASE, the database of a
 * path, SET / UNSET TTL) and where new paths may go: planning the database a new series
 * needs (created at default_database_level when none covers it), and
 * walking a new device path against the tree (series in the way, templates
 * on the way).  IoTDB's rules and messages: ConfigMTree, MetaFormatUtils,
 * ClusterConfigTaskExecutor.
 */
#include <stdio.h>

#include "schema/schema_int.h"

#define MAX_DB_NAME 64

/* IoTDB's database name rules, applied to the canonical path in b. */
static int check_db_name(const buf_t *b, uint32_t nodes, larch_error_t *err)
{
	if (nodes < 2)
		return err_set(err, LARCH_ILLEGAL_PATH, "%.*s is not a legal path, because the "
			       "database name in tree model must start with 'root.'.", TXT(b));
	if (b->len > MAX_DB_NAME)
		return err_set(err, LARCH_ILLEGAL_PATH, "%.*s is not a legal path, because the "
			       "length of database name shall not exceed %d", TXT(b), MAX_DB_NAME);
	const unsigned char *p = b->data;
	for (size_t i = 0; i < b->len;) {
		unsigned c = p[i];
		size_t k = 0;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || c == '.' || c == '`' || c == '-')
			k = 1;
		else if (c >= 0xe2 && c <= 0xe9 && i + 2 < b->len && (p[i + 1] & 0xc0) == 0x80 &&
			 (p[i + 2] & 0xc0) == 0x80) {
			unsigned cp = (c & 0x0f) << 12 | (unsigned)(p[i + 1] & 0x3f) << 6 |
				      (p[i + 2] & 0x3f);
			k = cp >= 0x2e80 && cp <= 0x9fff ? 3 : 0;
		}
		if (!k)
			return err_set(err, LARCH_ILLEGAL_PATH, "%.*s is not a legal path, because "
				       "the database name can only contain english or chinese "
				       "characters, numbers, backticks and underscores.", TXT(b));
		i += k;
	}
	return LARCH_OK;
}

static int is_db(const schema_t *s, uint32_t node, void *arg)
{
	(void)arg;
	return node_at(s, node)->db != 0;
}

/* 501 when names[0..n) or a prefix of it is a database, 529 when one lies
 * below it (IoTDB's checkDatabaseAlreadySet). */
static int db_conflict(const schema_t *s, const pname_t *names, uint32_t n, larch_error_t *err)
{
	uint32_t cur = NODE_ROOT;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t id = intern_find(&s->names, names[i].s, names[i].len);
		cur = id ? node_child(s, cur, id) : NODE_NONE;
		if (cur == NODE_NONE)
			return LARCH_OK;
		if (node_at(s, cur)->db) {
			buf_t b = BUF_INIT;
			node_path(s, cur, &b);
			int rc = buf_ok(&b) ? err_set(err, LARCH_DATABASE_ALREADY_EXISTS,
						      "%.*s has already been created as database",
						      TXT(&b))
					    : err_oom(err);
			buf_free(&b);
			return rc;
		}
	}
	if (!node_walk(s, cur, is_db, NULL))
		return LARCH_OK;
	buf_t b = BUF_INIT;
	path_format(&b, names, n);
	int rc = buf_ok(&b) ? err_set(err, LARCH_DATABASE_CONFLICT, "some children of %.*s have "
				      "already been created as database", TXT(&b))
			    : err_oom(err);
	buf_free(&b);
	return rc;
}

int schema_db_create(schema_t *s, const char *path, uint32_t *db_id, larch_error_t *err)
{
	ppath_t pp;
	int rc = path_parse(path, strlen(path), 0, &pp, err);
	if (rc)
		return rc;
	buf_t canon = BUF_INIT, ops = BUF_INIT;
	path_format(&canon, pp.node, pp.n);
	rc = buf_ok(&canon) ? check_db_name(&canon, pp.n, err) : err_oom(err);
	if (rc)
		goto out;
	pthread_rwlock_wrlock(&s->lock);
	rc = db_conflict(s, pp.node, pp.n, err);
	uint32_t id = s->next_db;
	if (!rc) {
		op_db_create(&ops, id, (const char *)canon.data, canon.len);
		rc = txn_run(s, &ops, 1, 0, err);
	}
	pthread_rwlock_unlock(&s->lock);
	if (!rc && db_id)
		*db_id = id;
	maybe_snapshot(s);
out:
	buf_free(&canon);
	buf_free(&ops);
	path_done(&pp);
	return rc;
}

/* node_walk: collect the series ids of a node's device into arg. */
static int push_sids(const schema_t *s, uint32_t node, void *arg)
{
	const device_t *d = dev_get(s, node_at(s, node)->dev);
	for (uint32_t i = 0; d && i < map_cap(d->meas); i++)
		if (MAP_KEY(d->meas, i) && !(MAP_VAL(d->meas, i) & SID_ALIAS) &&
		    ids_push(arg, MAP_VAL(d->meas, i)))
			return -1;
	return 0;
}

int schema_db_delete(schema_t *s, const char *const *patterns, size_t n, schema_ids_t *dbs,
		     schema_ids_t *sids, larch_error_t *err)
{
	ppath_t *pp;
	int rc = parse_patterns(patterns, n, &pp, err);
	if (rc)
		return rc;
	schema_ids_t ids = {NULL, 0}, ser = {NULL, 0};
	buf_t ops = BUF_INIT;
	pthread_rwlock_wrlock(&s->lock);
	for (uint32_t id = 1; id < s->next_db && !rc; id++) {
		if (id >= s->cap_db || !s->dbs[id])
			continue;
		for (size_t i = 0; i < n; i++) {
			if (!(match_node_states(s, &pp[i], s->dbs[id]) >> pp[i].n & 1))
				continue;
			if (ids_push(&ids, id) || node_walk(s, s->dbs[id], push_sids, &ser))
				rc = err_oom(err);
			op_one(&ops, OP_DB_DELETE, id);
			break;
		}
	}
	char names[200];
	patterns_text(names, sizeof(names), patterns, n);
	if (!rc && !ids.n)
		rc = err_set(err, LARCH_PATH_NOT_EXIST, "Path [%s] does not exist", names);
	if (!rc)
		rc = txn_run(s, &ops, ids.n, 1, err);
	pthread_rwlock_unlock(&s->lock);
	if (!rc && dbs)
		*dbs = ids;
	else
		schema_ids_free(&ids);
	if (!rc && sids)
		*sids = ser;
	else
		schema_ids_free(&ser);
	buf_free(&ops);
	free_patterns(pp, n);
	return rc;
}

static int db_of_cb(schema_t *s, const ppath_t *pp, schema_db_cb cb, void *arg,
		    const char *path, larch_error_t *err)
{
	uint32_t cur = NODE_ROOT;
	for (uint32_t i = 1; i < pp->n; i++) {
		uint32_t id = intern_find(&s->names, pp->node[i].s, pp->node[i].len);
		cur = id ? node_child(s, cur, id) : NODE_NONE;
		if (cur == NODE_NONE)
			break;
		if (!node_at(s, cur)->db)
			continue;
		buf_t b = BUF_INIT;
		node_path(s, cur, &b);
		buf_put_u8(&b, 0);
		int rc = buf_ok(&b) ? LARCH_OK : err_oom(err);
		if (!rc) {
			uint32_t db = node_at(s, cur)->db;
			schema_db_info_t in = {db, (const char *)b.data, b.len - 1, s->db_ttl[db]};
			cb(arg, &in);
		}
		buf_free(&b);
		return rc;
	}
	return err_set(err, LARCH_DATABASE_NOT_EXIST, "Database is not set for current "
		       "seriesPath: [%s]", path);
}

int schema_db_of(schema_t *s, const char *path, schema_db_cb cb, void *arg, larch_error_t *err)
{
	ppath_t pp;
	int rc = path_parse(path, strlen(path), 0, &pp, err);
	if (rc)
		return rc;
	pthread_rwlock_rdlock(&s->lock);
	rc = db_of_cb(s, &pp, cb, arg, path, err);
	pthread_rwlock_unlock(&s->lock);
	path_done(&pp);
	return rc;
}

/*---------------------------------------------------------------------------
 * TTL
 *---------------------------------------------------------------------------*/

/* 1 if pattern pp designates database node `node`: pp matches its path, or
 * pp is "<q>.**" and q matches it (bit k of the states: k pattern nodes
 * consumed). */
static int ttl_designates(const schema_t *s, const ppath_t *pp, uint32_t node)
{
	uint64_t st = match_node_states(s, pp, node);
	return (st >> pp->n & 1) ||
	       (pp->n > 2 && pp->node[pp->n - 1].kind == PK_DSTAR && (st >> (pp->n - 1) & 1));
}

/* The error when pp designates no database: 300 when its plain prefix runs
 * through a database (a device-level TTL), else 508. */
static int ttl_no_target(const schema_t *s, const ppath_t *pp, const char *path,
			 larch_error_t *err)
{
	uint32_t cur = NODE_ROOT;
	for (uint32_t i = 1; i < pp->n && pp->node[i].kind == PK_NAME; i++) {
		uint32_t id = intern_find(&s->names, pp->node[i].s, pp->node[i].len);
		cur = id ? node_child(s, cur, id) : NODE_NONE;
		if (cur == NODE_NONE)
			break;
		if (!node_at(s, cur)->db)
			continue;
		buf_t b = BUF_INIT;
		node_path(s, cur, &b);
		int rc = buf_ok(&b) ? err_set(err, LARCH_UNSUPPORTED, "TTL can only be set on a "
					      "database, not on [%.200s] below database [%.*s]",
					      path, TXT(&b))
				    : err_oom(err);
		buf_free(&b);
		return rc;
	}
	return err_set(err, LARCH_PATH_NOT_EXIST, "Path [%.200s] does not exist", path);
}

/* Hand each changed database to cb (lock held). */
static int ttl_report(schema_t *s, const schema_ids_t *ids, schema_db_cb cb, void *arg,
		      larch_error_t *err)
{
	buf_t b = BUF_INIT;
	int rc = LARCH_OK;
	for (size_t i = 0; cb && i < ids->n && !rc; i++) {
		uint32_t id = ids->ids[i];
		buf_reset(&b);
		node_path(s, s->dbs[id], &b);
		buf_put_u8(&b, 0);
		if (!buf_ok(&b)) {
			rc = err_oom(err);
			break;
		}
		schema_db_info_t in = {id, (const char *)b.data, b.len - 1, s->db_ttl[id]};
		cb(arg, &in);
	}
	buf_free(&b);
	return rc;
}

int schema_ttl_set(schema_t *s, const char *path, int64_t ttl, schema_db_cb cb, void *arg,
		   larch_error_t *err)
{
	if (ttl < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "TTL of %.200s must be positive",
			       path ? path : "(null)");
	if (!path)
		return err_illegal(err, "(null)", 6);
	ppath_t pp;
	int rc = path_parse(path, strlen(path), 1, &pp, err);
	if (rc)
		return rc;
	schema_ids_t ids = {NULL, 0};
	buf_t ops = BUF_INIT;
	pthread_rwlock_wrlock(&s->lock);
	for (uint32_t id = 1; id < s->next_db && !rc; id++) {
		if (id >= s->cap_db || !s->dbs[id] || !ttl_designates(s, &pp, s->dbs[id]))
			continue;
		if (ids_push(&ids, id))
			rc = err_oom(err);
		op_db_ttl(&ops, id, ttl);
	}
	if (!rc && !ids.n)
		rc = ttl_no_target(s, &pp, path, err);
	if (!rc)
		rc = txn_run(s, &ops, ids.n, 1, err);
	if (!rc)
		rc = ttl_report(s, &ids, cb, arg, err);
	pthread_rwlock_unlock(&s->lock);
	maybe_snapshot(s);
	schema_ids_free(&ids);
	buf_free(&ops);
	path_done(&pp);
	return rc;
}

int err_path_exists(larch_error_t *err, buf_t *b)
{
	int rc = buf_ok(b) ? err_set(err, LARCH_PATH_ALREADY_EXIST, "Path [%.*s] already exist",
				     TXT(b))
			   : err_oom(err);
	buf_free(b);
	return rc;
}

/*---------------------------------------------------------------------------
 * Where new paths go (series.c, template_ddl.c, resolve.c)
 *---------------------------------------------------------------------------*/

int plan_db(schema_t *s, const pname_t *dev, uint32_t ndev, const char *what, size_t wlen,
	    dbplan_t *plan, larch_error_t *err)
{
	plan->create = 0;
	plan->id = 0;
	uint32_t cur = NODE_ROOT;
	for (uint32_t i = 1; i < ndev; i++) {
		uint32_t id = intern_find(&s->names, dev[i].s, dev[i].len);
		cur = id ? node_child(s, cur, id) : NODE_NONE;
		if (cur == NODE_NONE)
			break;
		if (node_at(s, cur)->db) {
			plan->id = node_at(s, cur)->db;
			return LARCH_OK;
		}
	}
	if (!s->cfg.auto_create)
		return err_set(err, LARCH_DATABASE_NOT_EXIST, "Database is not set for current "
			       "seriesPath: [%.*s]", (int)LR_MIN(wlen, 200), what);
	uint32_t level = (uint32_t)s->cfg.default_db_level;
	if (ndev <= level) {
		buf_t b = BUF_INIT;
		path_format(&b, dev, ndev);
		int rc = buf_ok(&b) ? err_illegal(err, (const char *)b.data, b.len) : err_oom(err);
		buf_free(&b);
		return rc;
	}
	buf_reset(&plan->path);
	path_format(&plan->path, dev, level + 1);
	if (!buf_ok(&plan->path))
		return err_oom(err);
	int rc = check_db_name(&plan->path, level + 1, err);
	if (!rc)
		rc = db_conflict(s, dev, level + 1, err);
	if (rc)
		return rc;
	plan->create = 1;
	plan->id = s->next_db;
	return LARCH_OK;
}

int walk_device(const schema_t *s, const pname_t *names, uint32_t n, uint32_t *node,
		uint32_t *tnode, larch_error_t *err)
{
	uint32_t cur = NODE_ROOT;
	*tnode = NODE_NONE;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t id = intern_find(&s->names, names[i].s, names[i].len);
		uint32_t next = id ? node_child(s, cur, id) : NODE_NONE;
		if (next == NODE_NONE) {
			const device_t *d = dev_get(s, node_at(s, cur)->dev);
			*node = NODE_NONE;
			if (!d || !id || !dev_meas(d, id))
				return LARCH_OK;
			buf_t b = BUF_INIT;
			path_format(&b, names, i + 1);
			return err_path_exists(err, &b);
		}
		cur = next;
		if (*tnode == NODE_NONE && node_at(s, cur)->tmpl)
			*tnode = cur;
	}
	*node = cur;
	return LARCH_OK;
}

