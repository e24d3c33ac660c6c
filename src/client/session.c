/*
 * session.c — client sessions: options, node URLs, login
 * (openSession + requestStatementId), time zone, close; the schema calls
 * (databases, time series, templates) and the SQL entry points.  Writes
 * are in write.c, result sets in dataset.c, the pool in pool.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "client/client_int.h"

void larch_client_options_default(larch_client_options_t *o)
{
	memset(o, 0, sizeof *o);
	o->host = "127.0.0.1";
	o->port = 6667;
	o->user = "root";
	o->password = "root";
	o->fetch_size = 5000;
	o->verify_hostname = 1;
	o->connect_timeout_ms = 5000;
	o->retry_count = 3;
	o->retry_interval_ms = 500;
	o->sql_dialect = "tree";
}

void larch_client_free(void *p)
{
	mem_free(p);
}

/* "host:port" or "[v6addr]:port" into a node. */
static int parse_node(const char *url, cl_node_t *nd, larch_error_t *err)
{
	const char *colon = strrchr(url, ':'), *h = url;
	size_t hl;
	char *end;
	long port;

	if (!colon)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "node URL '%s' has no :port", url);
	hl = (size_t)(colon - url);
	if (hl >= 2 && url[0] == '[' && url[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	port = strtol(colon + 1, &end, 10);
	if (!hl || hl >= CL_HOST_MAX || *end || end == colon + 1 || port <= 0 || port > 65535)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad node URL '%s'", url);
	memcpy(nd->host, h, hl);
	nd->host[hl] = 0;
	nd->port = (int)port;
	return LARCH_OK;
}

/* The local zone's offset now, as "+hh:mm". */
static void local_zone(char *out, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	long off = localtime_r(&now, &tm) ? tm.tm_gmtoff : 0;
	long a = off < 0 ? -off : off;
	snprintf(out, n, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* Own copies of the option strings (NULL stays NULL). */
static int copy_options(larch_session_t *s, const larch_client_options_t *o, larch_error_t *err)
{
	const char **strs[] = { &s->o.host, &s->o.user, &s->o.password, &s->o.time_zone,
				&s->o.ca_file, &s->o.sql_dialect, &s->o.database };
	s->o = *o;
	s->o.node_urls = NULL;
	s->o.n_node_urls = 0;
	for (size_t i = 0; i < LR_ARRAY_LEN(strs); i++) {
		if (!*strs[i])
			continue;
		*strs[i] = mem_strdup(*strs[i]);
		if (!*strs[i])
			return err_set(err, LARCH_NO_MEMORY, "out of memory");
	}
	return LARCH_OK;
}

static void free_options(larch_session_t *s)
{
	const char *strs[] = { s->o.host, s->o.user, s->o.password, s->o.time_zone,
			       s->o.ca_file, s->o.sql_dialect, s->o.database };
	for (size_t i = 0; i < LR_ARRAY_LEN(strs); i++)
		mem_free((void *)strs[i]);
}

static int setup_nodes(larch_session_t *s, const larch_client_options_t *o, larch_error_t *err)
{
	size_t n = o->node_urls ? o->n_node_urls : 1;
	if (!n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no node URLs given");
	s->nodes = mem_calloc(n, sizeof *s->nodes);
	if (!s->nodes)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	s->n_nodes = n;
	if (!o->node_urls) {
		if (!o->host || strlen(o->host) >= CL_HOST_MAX || o->port <= 0 || o->port > 65535)
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad host or port");
		snprintf(s->nodes[0].host, CL_HOST_MAX, "%s", o->host);
		s->nodes[0].port = o->port;
		return LARCH_OK;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = parse_node(o->node_urls[i], &s->nodes[i], err);
		if (rc)
			return rc;
	}
	return LARCH_OK;
}

static void session_free(larch_session_t *s)
{
	cl_dataset_detach_all(s);
	cl_conn_close(&s->conn);
	free_options(s);
	mem_free(s->nodes);
	buf_free(&s->out);
	buf_free(&s->in);
	arena_free(s->arena);
	mem_free(s);
}

int larch_session_open(const larch_client_options_t *o, larch_session_t **out,
		       larch_error_t *err)
{
	larch_session_t *s;
	int rc;

	*out = NULL;
	if (!o || !o->user || o->fetch_size < 0)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "session options: user missing or bad fetch size");
	if (o->time_zone && strlen(o->time_zone) >= sizeof s->zone)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "time zone name too long");
	s = mem_calloc(1, sizeof *s);
	if (!s)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	s->conn = (cl_conn_t)CL_CONN_INIT;
	buf_init(&s->out);
	buf_init(&s->in);
	s->arena = arena_new(16 << 10);
	rc = s->arena ? copy_options(s, o, err) : err_set(err, LARCH_NO_MEMORY, "out of memory");
	if (!rc)
		rc = setup_nodes(s, o, err);
	if (rc)
		goto fail;
	s->proto = o->rpc_compression ? RPC_COMPACT : RPC_BINARY;
	if (o->time_zone)
		snprintf(s->zone, sizeof s->zone, "%s", o->time_zone);
	else
		local_zone(s->zone, sizeof s->zone);
	snprintf(s->precision, sizeof s->precision, "ms");
	rc = cl_connect_first(s, err);
	if (rc)
		goto fail;
	*out = s;
	return LARCH_OK;
fail:
	session_free(s);
	return rc;
}

/* openSession(TSOpenSessionReq): 1 client_protocol (2 = V3) | 2 zoneId |
 * 3 username | 4 password | 5 configuration {version, sql_dialect, db}. */
static void open_args(larch_session_t *s, rpc_writer_t *w, const void *arg)
{
	(void)arg;
	rpc_write_field(w, RPC_T_STRUCT, 1);
	rpc_write_struct_begin(w);
	rpc_write_field_i32(w, 1, 2);
	rpc_write_field_string(w, 2, s->zone);
	rpc_write_field_string(w, 3, s->o.user);
	if (s->o.password)
		rpc_write_field_string(w, 4, s->o.password);
	rpc_write_field(w, RPC_T_MAP, 5);
	rpc_write_map_begin(w, RPC_T_STRING, RPC_T_STRING, s->o.database ? 3 : 2);
	rpc_write_string(w, "version");
	rpc_write_string(w, "V_1_0");
	rpc_write_string(w, "sql_dialect");
	rpc_write_string(w, s->o.sql_dialect ? s->o.sql_dialect : "tree");
	if (s->o.database) {
		rpc_write_string(w, "db");
		rpc_write_string(w, s->o.database);
	}
	rpc_write_struct_end(w);
}

int cl_session_login(larch_session_t *s, larch_error_t *err)
{
	const cl_node_t *nd = &s->nodes[s->cur];
	cl_open_resp_t r;
	int rc;

	snprintf(s->endpoint, sizeof s->endpoint, "%s:%d", nd->host, nd->port);
	rc = cl_conn_open(&s->conn, nd->host, nd->port, &s->o, err);
	if (rc)
		return rc;
	s->connected = 1;
	rc = cl_call(s, "openSession", open_args, NULL, cl_read_open_result, &r, 0, err);
	if (!rc)
		rc = cl_status_check(&r.status, err);
	if (!rc && r.protocol == 0)
		rc = err_set(err, 201, "%s: the server does not speak protocol V3", s->endpoint);
	if (!rc) {
		s->session_id = r.session_id;
		if (r.precision && (!strcmp(r.precision, "ms") || !strcmp(r.precision, "us") ||
				    !strcmp(r.precision, "ns")))
			snprintf(s->precision, sizeof s->precision, "%s", r.precision);
		rc = cl_call_fields(s, "requestStatementId", NULL, 0, cl_read_i64_result,
				    &s->statement_id, 0, err);
	}
	if (rc) {
		cl_conn_close(&s->conn);
		s->connected = 0;
		return rc;
	}
	cl_conn_set_timeout(&s->conn, s->o.socket_timeout_ms);
	return LARCH_OK;
}

int larch_session_close(larch_session_t *s, larch_error_t *err)
{
	int rc = LARCH_OK;
	if (!s)
		return LARCH_OK;
	cl_dataset_detach_all(s);
	if (s->connected) {
		cl_status_t st;
		rc = cl_call_fields(s, "closeSession", NULL, 0, cl_read_status_result, &st, CL_WRAP,
				    err);
		if (!rc)
			rc = cl_status_check(&st, err);
	}
	session_free(s);
	return rc;
}

const char *larch_session_time_zone(const larch_session_t *s)
{
	return s->zone;
}

int larch_session_set_time_zone(larch_session_t *s, const char *zone, larch_error_t *err)
{
	cl_field_t f[] = { { .id = 2, .kind = CL_F_STR, .p = zone } };
	int rc;
	if (!zone || strlen(zone) >= sizeof s->zone)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad time zone");
	rc = cl_call_status(s, "setTimeZone", f, 1, CL_WRAP, err);
	if (!rc)
		snprintf(s->zone, sizeof s->zone, "%s", zone);
	return rc;
}

const char *larch_session_time_precision(const larch_session_t *s)
{
	return s->precision;
}

const char *larch_session_endpoint(const larch_session_t *s)
{
	return s->endpoint;
}

unsigned larch_session_reconnects(const larch_session_t *s)
{
	return s->reconnects;
}

/*---------------------------------------------------------------------------
 * Databases and time series
 *---------------------------------------------------------------------------*/

static int check_strs(const char *const *v, size_t n, const char *what, larch_error_t *err)
{
	if (!n || !v)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no %s given", what);
	for (size_t i = 0; i < n; i++)
		if (!v[i])
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "%s %zu is NULL", what, i);
	return LARCH_OK;
}

int larch_session_create_database(larch_session_t *s, const char *db, larch_error_t *err)
{
	cl_field_t f[] = { { .id = 2, .kind = CL_F_STR, .p = db } };
	if (!db)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no database given");
	return cl_call_status(s, "setStorageGroup", f, 1, 0, err);
}

/* A call whose arguments are sessionId and one list<string> (field 2). */
static int call_strs(larch_session_t *s, const char *method, const char *const *v, size_t n,
		     int flags, const char *what, larch_error_t *err)
{
	cl_field_t f[] = { { .id = 2, .kind = CL_F_STRS, .p = v, .n = n } };
	int rc = check_strs(v, n, what, err);
	return rc ? rc : cl_call_status(s, method, f, 1, flags, err);
}

int larch_session_delete_databases(larch_session_t *s, const char *const *dbs, size_t n,
				   larch_error_t *err)
{
	return call_strs(s, "deleteStorageGroups", dbs, n, 0, "database", err);
}

int larch_session_delete_timeseries(larch_session_t *s, const char *const *paths, size_t n,
				    larch_error_t *err)
{
	return call_strs(s, "deleteTimeseries", paths, n, 0, "path", err);
}

int larch_session_activate_template(larch_session_t *s, const char *const *devices, size_t n,
				    larch_error_t *err)
{
	return call_strs(s, "createTimeseriesUsingSchemaTemplate", devices, n, CL_WRAP, "device",
			 err);
}

typedef struct kvs {
	const larch_kv_t *kv;
	size_t n;
} kvs_t;

static void write_map(rpc_writer_t *w, const larch_kv_t *kv, size_t n)
{
	rpc_write_map_begin(w, RPC_T_STRING, RPC_T_STRING, n);
	for (size_t i = 0; i < n; i++) {
		rpc_write_string(w, kv[i].key);
		rpc_write_string(w, kv[i].value);
	}
}

static void write_kvs(rpc_writer_t *w, const void *p)
{
	const kvs_t *k = p;
	write_map(w, k->kv, k->n);
}

/* The wire numbers of a definition (defaults resolved); -1 for a bad type. */
static int def_numbers(const larch_series_def_t *d, int32_t *type, int32_t *enc, int32_t *codec)
{
	tsfile_config_t cfg;
	if (!d || cl_physical_type(d->type) < 0)
		return -1;
	tsfile_config_default(&cfg);
	*type = (int32_t)d->type;
	*enc = d->encoding >= 0 ? d->encoding : (int32_t)cfg.default_encoding[d->type];
	*codec = d->codec >= 0 ? d->codec : (int32_t)cfg.default_codec;
	return 0;
}

int larch_session_create_timeseries(larch_session_t *s, const char *path,
				    const larch_series_def_t *def, larch_error_t *err)
{
	int32_t type, enc, codec;
	kvs_t tags, attrs;
	cl_field_t f[8];
	size_t n = 0;

	if (!path || def_numbers(def, &type, &enc, &codec))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "create timeseries: no path or bad type");
	tags = (kvs_t){ def->tags, def->n_tags };
	attrs = (kvs_t){ def->attributes, def->n_attributes };
	f[n++] = (cl_field_t){ .id = 2, .kind = CL_F_STR, .p = path };
	f[n++] = (cl_field_t){ .id = 3, .kind = CL_F_I32, .v = type };
	f[n++] = (cl_field_t){ .id = 4, .kind = CL_F_I32, .v = enc };
	f[n++] = (cl_field_t){ .id = 5, .kind = CL_F_I32, .v = codec };
	if (tags.n)
		f[n++] = (cl_field_t){ .id = 7, .kind = CL_F_CUSTOM, .type = RPC_T_MAP, .p = &tags,
				       .fn = write_kvs };
	if (attrs.n)
		f[n++] = (cl_field_t){ .id = 8, .kind = CL_F_CUSTOM, .type = RPC_T_MAP, .p = &attrs,
				       .fn = write_kvs };
	f[n++] = (cl_field_t){ .id = 9, .kind = CL_F_STR, .p = def->alias };
	return cl_call_status(s, "createTimeseries", f, n, CL_WRAP, err);
}

/* Parallel lists of n definitions, one allocation. */
typedef struct defs {
	const larch_series_def_t *d;
	size_t n;
	int32_t *type, *enc, *codec;
	const char **names, **aliases;
	int any_alias, any_tags, any_attrs;
	int attrs;              /* write_def_maps: attributes instead of tags */
	void *mem;
} defs_t;

static int defs_init(defs_t *L, const larch_series_def_t *d, size_t n, int need_names,
		     larch_error_t *err)
{
	memset(L, 0, sizeof *L);
	if (!d || !n)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no series definitions given");
	L->mem = mem_calloc(n, 3 * sizeof(int32_t) + 2 * sizeof(char *));
	if (!L->mem)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	L->d = d;
	L->n = n;
	L->names = L->mem;
	L->aliases = L->names + n;
	L->type = (int32_t *)(L->aliases + n);
	L->enc = L->type + n;
	L->codec = L->enc + n;
	for (size_t i = 0; i < n; i++) {
		if (def_numbers(&d[i], &L->type[i], &L->enc[i], &L->codec[i]) ||
		    (need_names && !d[i].name)) {
			mem_free(L->mem);
			return err_set(err, LARCH_ILLEGAL_PARAMETER,
				       "series definition %zu: bad type or no name", i);
		}
		L->names[i] = d[i].name;
		L->aliases[i] = d[i].alias ? d[i].alias : "";
		L->any_alias |= d[i].alias != NULL;
		L->any_tags |= d[i].n_tags != 0;
		L->any_attrs |= d[i].n_attributes != 0;
	}
	return LARCH_OK;
}

/* defs_init (names required) for definitions sent under a named device or
 * template: a NULL name is "no <what> given". */
static int defs_init_named(defs_t *L, const char *name, const char *what,
			   const larch_series_def_t *d, size_t n, larch_error_t *err)
{
	if (!name)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no %s given", what);
	return defs_init(L, d, n, 1, err);
}

/* list<map<string,string>>: the tags (or attributes) of every definition. */
static void write_def_maps(rpc_writer_t *w, const void *p)
{
	const defs_t *L = p;
	rpc_write_list_begin(w, RPC_T_MAP, L->n);
	for (size_t i = 0; i < L->n; i++)
		if (L->attrs)
			write_map(w, L->d[i].attributes, L->d[i].n_attributes);
		else
			write_map(w, L->d[i].tags, L->d[i].n_tags);
}

/* The type/encoding/compressor lists at ids first..first+2, then aliases,
 * tags and attributes lists at the given ids (0: not sent).  Returns the
 * number of fields added to f. */
static size_t defs_fields(defs_t *L, defs_t *L_attrs, cl_field_t *f, int16_t first,
			  int16_t alias_id, int16_t tags_id, int16_t attrs_id)
{
	size_t n = 0;
	f[n++] = (cl_field_t){ .id = first, .kind = CL_F_I32S, .p = L->type, .n = L->n };
	f[n++] = (cl_field_t){ .id = (int16_t)(first + 1), .kind = CL_F_I32S, .p = L->enc, .n = L->n };
	f[n++] = (cl_field_t){ .id = (int16_t)(first + 2), .kind = CL_F_I32S, .p = L->codec, .n = L->n };
	if (alias_id && L->any_alias)
		f[n++] = (cl_field_t){ .id = alias_id, .kind = CL_F_STRS, .p = L->aliases, .n = L->n };
	*L_attrs = *L;
	L_attrs->attrs = 1;
	if (tags_id && L->any_tags)
		f[n++] = (cl_field_t){ .id = tags_id, .kind = CL_F_CUSTOM, .type = RPC_T_LIST, .p = L,
				       .fn = write_def_maps };
	if (attrs_id && L->any_attrs)
		f[n++] = (cl_field_t){ .id = attrs_id, .kind = CL_F_CUSTOM, .type = RPC_T_LIST,
				       .p = L_attrs, .fn = write_def_maps };
	return n;
}

int larch_session_create_multi_timeseries(larch_session_t *s, const char *const *paths,
					  const larch_series_def_t *defs, size_t n,
					  larch_error_t *err)
{
	defs_t L, La;
	cl_field_t f[8];
	size_t k = 0;
	int rc = check_strs(paths, n, "path", err);

	if (!rc)
		rc = defs_init(&L, defs, n, 0, err);
	if (rc)
		return rc;
	f[k++] = (cl_field_t){ .id = 2, .kind = CL_F_STRS, .p = paths, .n = n };
	k += defs_fields(&L, &La, f + k, 3, 9, 7, 8);
	rc = cl_call_status(s, "createMultiTimeseries", f, k, CL_WRAP, err);
	mem_free(L.mem);
	return rc;
}

int larch_session_create_aligned_timeseries(larch_session_t *s, const char *device,
					    const larch_series_def_t *defs, size_t n,
					    larch_error_t *err)
{
	defs_t L, La;
	cl_field_t f[8];
	size_t k = 0;
	int rc = defs_init_named(&L, device, "device", defs, n, err);

	if (rc)
		return rc;
	f[k++] = (cl_field_t){ .id = 2, .kind = CL_F_STR, .p = device };
	f[k++] = (cl_field_t){ .id = 3, .kind = CL_F_STRS, .p = L.names, .n = n };
	k += defs_fields(&L, &La, f + k, 4, 7, 8, 9);
	rc = cl_call_status(s, "createAlignedTimeseries", f, k, CL_WRAP, err);
	mem_free(L.mem);
	return rc;
}

/* "prefix" + s as one NUL-terminated heap string (NULL on oom). */
static char *concat(const char *prefix, const char *s)
{
	size_t a = strlen(prefix), b = strlen(s);
	char *r = mem_alloc(a + b + 1);
	if (r) {
		memcpy(r, prefix, a);
		memcpy(r + a, s, b + 1);
	}
	return r;
}

int larch_session_check_timeseries_exists(larch_session_t *s, const char *path, int *exists,
					  larch_error_t *err)
{
	larch_dataset_t *ds = NULL;
	char *sql;
	int rc;

	*exists = 0;
	if (!path)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no path given");
	sql = concat("SHOW TIMESERIES ", path);
	if (!sql)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	rc = larch_session_execute_query(s, sql, 0, &ds, err);
	mem_free(sql);
	if (rc)
		return rc;
	rc = larch_dataset_next(ds, err);
	*exists = rc == LARCH_OK;
	larch_dataset_close(ds, NULL);
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/*---------------------------------------------------------------------------
 * SQL
 *---------------------------------------------------------------------------*/

int larch_session_execute_query(larch_session_t *s, const char *sql, int64_t timeout_ms,
				larch_dataset_t **out, larch_error_t *err)
{
	int rc;
	*out = NULL;
	rc = cl_execute(s, "executeQueryStatementV2", sql, timeout_ms, out, err);
	if (!rc && !*out)
		rc = err_set(err, LARCH_CLIENT_PROTOCOL_ERROR, "the statement returned no result set");
	return rc;
}

int larch_session_execute_non_query(larch_session_t *s, const char *sql, larch_error_t *err)
{
	return cl_execute(s, "executeUpdateStatementV2", sql, 0, NULL, err);
}

int larch_session_execute(larch_session_t *s, const char *sql, larch_dataset_t **out,
			  larch_error_t *err)
{
	if (out)
		*out = NULL;
	return cl_execute(s, "executeStatementV2", sql, 0, out, err);
}

/*---------------------------------------------------------------------------
 * Schema templates
 *---------------------------------------------------------------------------*/

/* The serialized template (4.5 of the reference; all integers BE):
 *   i32 len + name | u8 shareTime (aligned)
 *   per measurement: i32 0 (prefix "") | u8 isAligned | i32 len + name |
 *                    u8 dataType | u8 encoding | u8 compressor           */
static int template_blob(buf_t *b, const char *name, const defs_t *L, int aligned)
{
	buf_put_be32(b, (uint32_t)strlen(name));
	buf_put(b, name, strlen(name));
	buf_put_u8(b, (uint8_t)!!aligned);
	for (size_t i = 0; i < L->n; i++) {
		buf_put_be32(b, 0);
		buf_put_u8(b, (uint8_t)!!aligned);
		buf_put_be32(b, (uint32_t)strlen(L->names[i]));
		buf_put(b, L->names[i], strlen(L->names[i]));
		buf_put_u8(b, (uint8_t)L->type[i]);
		buf_put_u8(b, (uint8_t)L->enc[i]);
		buf_put_u8(b, (uint8_t)L->codec[i]);
	}
	return buf_ok(b) ? LARCH_OK : LARCH_NO_MEMORY;
}

int larch_session_create_template(larch_session_t *s, const char *name,
				  const larch_series_def_t *defs, size_t n, int aligned,
				  larch_error_t *err)
{
	buf_t blob = BUF_INIT;
	defs_t L;
	int rc = defs_init_named(&L, name, "template name", defs, n, err);

	if (rc)
		return rc;
	rc = template_blob(&blob, name, &L, aligned);
	if (rc) {
		err_set(err, rc, "out of memory");
	} else {
		cl_field_t f[] = { { .id = 2, .kind = CL_F_STR, .p = name },
				   { .id = 3, .kind = CL_F_BIN, .p = blob.data, .n = blob.len } };
		rc = cl_call_status(s, "createSchemaTemplate", f, 2, CL_WRAP, err);
	}
	buf_free(&blob);
	mem_free(L.mem);
	return rc;
}

/* The SQL way to extend a template, for servers that refuse
 * appendSchemaTemplate (Apache IoTDB 1.x+):
 * ALTER SCHEMA TEMPLATE name ADD (m TYPE encoding=E compressor=C, ...). */
static int alter_template(larch_session_t *s, const char *name, const defs_t *L,
			  larch_error_t *err)
{
	buf_t q = BUF_INIT;
	int rc;

	buf_put(&q, "ALTER SCHEMA TEMPLATE ", 22);
	buf_put(&q, name, strlen(name));
	buf_put(&q, " ADD (", 6);
	for (size_t i = 0; i < L->n; i++) {
		char m[256];
		int k = snprintf(m, sizeof m, "%s%s %s encoding=%s compressor=%s", i ? ", " : "",
				 L->names[i], tsfile_type_name((tsfile_type_t)L->type[i]),
				 tsfile_encoding_name((tsfile_encoding_t)L->enc[i]),
				 tsfile_codec_name((tsfile_codec_t)L->codec[i]));
		if (k < 0 || (size_t)k >= sizeof m) {
			buf_free(&q);
			return err_set(err, LARCH_ILLEGAL_PARAMETER, "measurement name too long");
		}
		buf_put(&q, m, (size_t)k);
	}
	buf_put(&q, ")", 2);  /* with the NUL */
	rc = buf_ok(&q) ? larch_session_execute_non_query(s, (const char *)q.data, err)
			: err_set(err, LARCH_NO_MEMORY, "out of memory");
	buf_free(&q);
	return rc;
}

int larch_session_add_template_measurements(larch_session_t *s, const char *name,
					    const larch_series_def_t *defs, size_t n,
					    int aligned, larch_error_t *err)
{
	defs_t L, La;
	cl_field_t f[8];
	size_t k = 0;
	int rc = defs_init_named(&L, name, "template name", defs, n, err);

	if (rc)
		return rc;
	f[k++] = (cl_field_t){ .id = 2, .kind = CL_F_STR, .p = name };
	f[k++] = (cl_field_t){ .id = 3, .kind = CL_F_BOOL, .v = !!aligned };
	f[k++] = (cl_field_t){ .id = 4, .kind = CL_F_STRS, .p = L.names, .n = n };
	k += defs_fields(&L, &La, f + k, 5, 0, 0, 0);
	rc = cl_call_status(s, "appendSchemaTemplate", f, k, CL_WRAP, err);
	if (rc == LARCH_UNSUPPORTED)
		rc = alter_template(s, name, &L, err);
	mem_free(L.mem);
	return rc;
}

/* A template call whose arguments are sessionId and two strings, a
 * template name and a path, given here in the method's field order (ids 2
 * and 3); either NULL is refused. */
static int call_template_path(larch_session_t *s, const char *method, const char *str2,
			      const char *str3, larch_error_t *err)
{
	cl_field_t f[] = { { .id = 2, .kind = CL_F_STR, .p = str2 },
			   { .id = 3, .kind = CL_F_STR, .p = str3 } };
	if (!str2 || !str3)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "template name and path needed");
	return cl_call_status(s, method, f, 2, CL_WRAP, err);
}

int larch_session_set_template(larch_session_t *s, const char *name, const char *prefix,
			       larch_error_t *err)
{
	return call_template_path(s, "setSchemaTemplate", name, prefix, err);
}

int larch_session_unset_template(larch_session_t *s, const char *name, const char *prefix,
				 larch_error_t *err)
{
	return call_template_path(s, "unsetSchemaTemplate", prefix, name, err);
}

int larch_session_drop_template(larch_session_t *s, const char *name, larch_error_t *err)
{
	cl_field_t f[] = { { .id = 2, .kind = CL_F_STR, .p = name } };
	if (!name)
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "no template name given");
	return cl_call_status(s, "dropSchemaTemplate", f, 1, CL_WRAP, err);
}

/* Copy n strings into one allocation: the pointer array, then the bytes. */
static char **pack_strs(char *const *v, size_t n)
{
	size_t bytes = (n + 1) * sizeof(char *);
	char **out, *p;
	for (size_t i = 0; i < n; i++)
		bytes += strlen(v[i]) + 1;
	out = mem_alloc(bytes);
	if (!out)
		return NULL;
	p = (char *)(out + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i]) + 1;
		memcpy(p, v[i], l);
		out[i] = p;
		p += l;
	}
	out[n] = NULL;
	return out;
}

int larch_session_show_templates(larch_session_t *s, larch_template_show_t what,
				 const char *name, char ***names, size_t *n, larch_error_t *err)
{
	cl_field_t f[] = { { .id = 2, .kind = CL_F_STR, .p = name ? name : "" },
			   { .id = 3, .kind = CL_F_I32, .v = what } };
	cl_template_resp_t r;
	int rc;

	*names = NULL;
	*n = 0;
	if (what < LARCH_TEMPLATE_MEASUREMENTS || what > LARCH_TEMPLATE_USING_ON ||
	    (!name && what != LARCH_TEMPLATE_ALL))
		return err_set(err, LARCH_ILLEGAL_PARAMETER, "bad template query");
	rc = cl_call_fields(s, "querySchemaTemplate", f, 2, cl_read_template_result, &r,
			    CL_WRAP | CL_RETRY, err);
	if (!rc)
		rc = cl_status_check(&r.status, err);
	if (rc)
		return rc;
	*names = pack_strs(r.names, r.n_names);
	if (!*names)
		return err_set(err, LARCH_NO_MEMORY, "out of memory");
	*n = r.n_names;
	return LARCH_OK;
}
