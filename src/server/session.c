/*
 * session.c — one client session per connection: login, time zone,
 * statement ids, open queries and their paging, and the request dispatch
 * (decode -> handler -> reply).  Writes and schema calls are in
 * handle_write.c; this file has the session, SQL execution and results.
 *
 * As IoTDB does, all state is looked up by connection: the sessionId and
 * statementId fields of requests are informational (the Python client
 * swaps them in some calls).  Every method but openSession needs a login
 * (else status 802).  A query stays open until closeOperation, closeSession
 * or the disconnect; fetching past its end answers hasResultSet = false.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "server/session_int.h"

#define DEFAULT_FETCH_SIZE 5000

session_t *session_new(server_shared_t *sh, const char *peer)
{
	session_t *ss = mem_calloc(1, sizeof(*ss));

	if (!ss)
		return NULL;
	ss->sh = sh;
	ss->arena = arena_new(0);
	if (!ss->arena) {
		mem_free(ss);
		return NULL;
	}
	snprintf(ss->peer, sizeof(ss->peer), "%s", peer);
	snprintf(ss->zone, sizeof(ss->zone), "+00:00");
	return ss;
}

static void query_free(query_t *q)
{
	larch_result_free(q->res);
	for (size_t i = 0; i < q->n_cols; i++)
		mem_free(q->names[i]);
	mem_free(q->names);
	mem_free(q->types);
	mem_free(q);
}

static void session_close_queries(session_t *ss)
{
	while (ss->queries) {
		query_t *q = ss->queries;
		ss->queries = q->next;
		query_free(q);
	}
}

void session_free(session_t *ss)
{
	if (!ss)
		return;
	session_close_queries(ss);
	buf_free(&ss->blob);
	arena_free(ss->arena);
	mem_free(ss);
}

static int64_t next_id(session_t *ss, int64_t *counter)
{
	pthread_mutex_lock(&ss->sh->lock);
	int64_t id = (*counter)++;
	pthread_mutex_unlock(&ss->sh->lock);
	return id;
}

larch_exec_opts_t session_exec_opts(const session_t *ss)
{
	larch_exec_opts_t o = { ss->zone, 0 };
	return o;
}

/*---------------------------------------------------------------------------
 * Queries and result paging
 *---------------------------------------------------------------------------*/

static query_t *query_find(session_t *ss, int64_t id, query_t ***link)
{
	for (query_t **p = &ss->queries; *p; p = &(*p)->next)
		if ((*p)->id == id) {
			if (link)
				*link = p;
			return *p;
		}
	return NULL;
}

/* Register an open result as a query (takes ownership of res). */
static int query_open(session_t *ss, larch_result_t *res, query_t **out, larch_error_t *err)
{
	query_t *q = mem_calloc(1, sizeof(*q));
	size_t n = larch_result_column_count(res);

	if (!q)
		goto oom;
	q->res = res;
	q->n_cols = n;
	q->names = mem_calloc(n ? n : 1, sizeof(char *));
	q->types = mem_calloc(n ? n : 1, sizeof(tsfile_type_t));
	if (!q->names || !q->types)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		q->names[i] = mem_strdup(larch_result_column_name(res, i));
		q->types[i] = larch_result_column_type(res, i);
		if (!q->names[i])
			goto oom;
	}
	q->has_time = larch_result_has_time(res);
	q->id = next_id(ss, &ss->sh->next_query_id);
	q->next = ss->queries;
	ss->queries = q;
	*out = q;
	return LARCH_OK;
oom:
	if (q)
		query_free(q);
	else
		larch_result_free(res);
	return err_set(err, LARCH_NO_MEMORY, "out of memory opening a query");
}

/* The next block with unread rows, or NULL at the end. */
static int query_block(query_t *q, larch_error_t *err)
{
	while (!q->done && (!q->blk || q->off >= q->blk->n_rows)) {
		int rc = larch_result_next(q->res, &q->blk, err);
		q->off = 0;
		if (rc == LARCH_DONE) {
			q->done = 1;
			q->blk = NULL;
		} else if (rc) {
			q->done = 1;
			q->blk = NULL;
			return rc;
		}
	}
	return LARCH_OK;
}

/* A block without time column gets zeros (the wire needs one). */
static const larch_block_t *with_times(session_t *ss, const larch_block_t *b, larch_block_t *tmp)
{
	int64_t *t;

	if (b->times)
		return b;
	t = arena_calloc(ss->arena, b->n_rows ? b->n_rows : 1, sizeof(int64_t));
	if (!t)
		return NULL;
	*tmp = *b;
	tmp->times = t;
	return tmp;
}

/* Where query_batch hands its row slices: a V2 or V1 encoder. */
typedef int (*batch_sink_fn)(void *arg, const larch_block_t *b, size_t off, size_t n,
			     larch_error_t *err);

/* Hand up to `fetch` rows of q to sink, one slice of a block at a time;
 * afterwards q->done tells whether rows remain. */
static int query_batch(session_t *ss, query_t *q, size_t fetch, batch_sink_fn sink, void *arg,
		       larch_error_t *err)
{
	size_t rows = 0;

	while (rows < fetch) {
		larch_block_t tmp;
		const larch_block_t *b;
		int rc = query_block(q, err);
		if (rc || q->done)
			return rc;
		b = with_times(ss, q->blk, &tmp);
		if (!b)
			return err_set(err, LARCH_NO_MEMORY, "out of memory encoding a result");
		size_t take = LR_MIN(b->n_rows - q->off, fetch - rows);
		rc = sink(arg, b, q->off, take, err);
		if (rc)
			return rc;
		q->off += take;
		rows += take;
	}
	return query_block(q, err);   /* know whether more rows remain */
}

/* V2: each slice one serialized TsBlock in ss->blob; offs[i]..offs[i+1]
 * delimit block i. */
typedef struct v2_sink {
	session_t *ss;
	size_t *offs, n, cap;
} v2_sink_t;

static int v2_put(void *arg, const larch_block_t *b, size_t off, size_t n, larch_error_t *err)
{
	v2_sink_t *v = arg;

	if (v->n + 2 > v->cap) {
		size_t cap = v->cap * 2 + 8;
		size_t *o = arena_alloc(v->ss->arena, cap * sizeof(size_t));
		if (!o)
			return err_set(err, LARCH_NO_MEMORY, "out of memory encoding a result");
		if (v->n)
			memcpy(o, v->offs, (v->n + 1) * sizeof(size_t));
		v->offs = o;
		v->cap = cap;
	}
	v->offs[v->n] = v->ss->blob.len;
	int rc = rpc_tsblock_encode(&v->ss->blob, b, off, n, err);
	v->offs[++v->n] = v->ss->blob.len;
	return rc;
}

/* Encode up to `fetch` rows as V2 TsBlocks into *bins (arena array). */
static int batch_v2(session_t *ss, query_t *q, size_t fetch, rpc_bin_t **bins, size_t *n_bins,
		    larch_error_t *err)
{
	v2_sink_t v = { ss, NULL, 0, 0 };
	int rc;

	ss->blob.len = 0;
	rc = query_batch(ss, q, fetch, v2_put, &v, err);
	if (rc)
		return rc;
	if (!buf_ok(&ss->blob))
		return err_set(err, LARCH_NO_MEMORY, "out of memory encoding a result");
	*bins = arena_calloc(ss->arena, v.n ? v.n : 1, sizeof(rpc_bin_t));
	if (!*bins)
		return err_set(err, LARCH_NO_MEMORY, "out of memory encoding a result");
	for (size_t i = 0; i < v.n; i++)
		(*bins)[i] = (rpc_bin_t){ ss->blob.data + v.offs[i], v.offs[i + 1] - v.offs[i] };
	*n_bins = v.n;
	return LARCH_OK;
}

static int v1_put(void *arg, const larch_block_t *b, size_t off, size_t n, larch_error_t *err)
{
	return rpc_qds_append(arg, b, off, n, err);
}

/* Fill the V1 data set with up to `fetch` rows. */
static int batch_v1(session_t *ss, query_t *q, size_t fetch, rpc_qds_t *qds, larch_error_t *err)
{
	int rc = rpc_qds_init(qds, q->types, q->n_cols, err);

	return rc ? rc : query_batch(ss, q, fetch, v1_put, qds, err);
}

static size_t fetch_size_of(int32_t asked)
{
	return asked > 0 ? (size_t)asked : DEFAULT_FETCH_SIZE;
}

/* executeAggregationQuery names its columns after TAggregationType, in
 * upper case ("COUNT(root.sg.d1.s1)"), where the same query in SQL says
 * "count(...)" — as IoTDB answers both. */
static void upper_function_names(query_t *q)
{
	for (size_t i = 0; i < q->n_cols; i++)
		for (char *p = q->names[i]; *p && *p != '('; p++)
			*p = (char)toupper((unsigned char)*p);
}

/* Reply to an execute* call whose statement produced `res`. */
static int reply_result(session_t *ss, const rpc_request_t *req, larch_result_t *res,
			int32_t fetch, int v1, buf_t *out, larch_error_t *err)
{
	rpc_exec_resp_t r = { 0 };
	query_t *q = NULL;
	rpc_qds_t qds = { 0 };
	const char **type_names;
	int32_t *idx;
	int rc;

	r.status = rpc_status_from(LARCH_OK, NULL);
	if (larch_result_column_count(res) == 0) {
		larch_result_free(res);
		return rpc_encode_reply(out, req, &r, err);
	}
	rc = query_open(ss, res, &q, err);
	if (rc)
		return rc;
	if (req->method == RPC_M_EXECUTE_AGGREGATION_QUERY ||
	    req->method == RPC_M_EXECUTE_AGGREGATION_QUERY_V2)
		upper_function_names(q);
	type_names = arena_calloc(ss->arena, q->n_cols, sizeof(char *));
	idx = arena_calloc(ss->arena, q->n_cols, sizeof(int32_t));
	if (!type_names || !idx)
		return err_set(err, LARCH_NO_MEMORY, "out of memory encoding a result");
	for (size_t i = 0; i < q->n_cols; i++) {
		type_names[i] = rpc_type_name(q->types[i]);
		idx[i] = (int32_t)i;
		if (!type_names[i])
			type_names[i] = "TEXT";
	}
	r.has_query_id = 1;
	r.query_id = q->id;
	r.columns = (const char *const *)q->names;
	r.n_columns = q->n_cols;
	r.data_types = type_names;
	r.n_data_types = q->n_cols;
	r.has_ignore_time_stamp = 1;
	r.ignore_time_stamp = !q->has_time;
	r.index_names = (const char *const *)q->names;
	r.index_values = idx;
	r.n_index = q->n_cols;
	r.has_sg_columns = 1;
	r.has_more_data = 1;
	if (v1) {
		rc = batch_v1(ss, q, fetch_size_of(fetch), &qds, err);
		r.query_data_set = &qds;
	} else {
		rpc_bin_t *bins = NULL;
		size_t n = 0;
		rc = batch_v2(ss, q, fetch_size_of(fetch), &bins, &n, err);
		r.query_result = bins;
		r.n_query_result = n;
	}
	r.more_data = !q->done;
	if (rc == LARCH_OK)
		rc = rpc_encode_reply(out, req, &r, err);
	rpc_qds_free(&qds);
	return rc;
}

static int is_v1(rpc_method_t m)
{
	return m == RPC_M_EXECUTE_STATEMENT || m == RPC_M_EXECUTE_QUERY_STATEMENT ||
	       m == RPC_M_EXECUTE_UPDATE_STATEMENT || m == RPC_M_EXECUTE_RAW_DATA_QUERY ||
	       m == RPC_M_EXECUTE_LAST_DATA_QUERY || m == RPC_M_EXECUTE_AGGREGATION_QUERY ||
	       m == RPC_M_FETCH_RESULTS;
}

int session_run_sql(session_t *ss, const rpc_request_t *req, const char *sql, int32_t fetch,
		    buf_t *out, larch_error_t *err)
{
	larch_exec_opts_t o = session_exec_opts(ss);
	larch_result_t *res = NULL;
	int rc = larch_execute_as(ss->sh->db, ss->user, sql, &o, &res, err);

	server_log(LOG_DEBUG, "%s: %s -> %d", ss->peer, sql, rc);
	if (rc)
		return rc;
	return reply_result(ss, req, res, fetch, is_v1(req->method), out, err);
}

static int handle_fetch(session_t *ss, const rpc_request_t *req, buf_t *out, larch_error_t *err)
{
	const rpc_fetch_req_t *f = req->msg;
	query_t *q = query_find(ss, f->query_id, NULL);
	rpc_fetch_resp_t r = { 0 };
	rpc_qds_t qds = { 0 };
	rpc_bin_t *bins = NULL;
	size_t n = 0;
	int rc = LARCH_OK;

	r.status = rpc_status_from(LARCH_OK, NULL);
	r.is_align = 1;
	r.has_more_data = 1;
	if (!q) {
		r.status.code = RPC_NO_SUCH_QUERY;
		r.status.message = "no such query (closed or never opened)";
		return rpc_encode_reply(out, req, &r, err);
	}
	if (req->method == RPC_M_FETCH_RESULTS) {
		rc = batch_v1(ss, q, fetch_size_of(f->fetch_size), &qds, err);
		r.query_data_set = &qds;
		r.has_result_set = qds.n_rows > 0;
	} else {
		rc = batch_v2(ss, q, fetch_size_of(f->fetch_size), &bins, &n, err);
		r.query_result = bins;
		r.n_query_result = n;
		r.has_result_set = n > 0;
	}
	r.more_data = !q->done;
	if (rc) {
		r.status = rpc_status_from(rc, err);
		r.has_result_set = 0;
		r.query_data_set = NULL;
		r.query_result = NULL;
		r.n_query_result = 0;
	}
	rc = rpc_encode_reply(out, req, &r, err);
	rpc_qds_free(&qds);
	return rc;
}

static int handle_close_op(session_t *ss, const rpc_request_t *req, buf_t *out,
			   larch_error_t *err)
{
	int64_t id = req->method == RPC_M_CLOSE_OPERATION
		? ((const rpc_close_op_req_t *)req->msg)->query_id
		: ((const rpc_cancel_op_req_t *)req->msg)->query_id;
	int has = req->method == RPC_M_CANCEL_OPERATION ||
		  rpc_has((const rpc_close_op_req_t *)req->msg, 2);
	query_t **link;
	rpc_status_t st = rpc_status_from(LARCH_OK, NULL);

	if (has) {
		query_t *q = query_find(ss, id, &link);
		if (q) {
			*link = q->next;
			query_free(q);
		}
	} else {
		session_close_queries(ss);
	}
	return rpc_encode_reply(out, req, &st, err);
}

/*---------------------------------------------------------------------------
 * Session methods
 *---------------------------------------------------------------------------*/

static int handle_open(session_t *ss, const rpc_request_t *req, buf_t *out, larch_error_t *err)
{
	const rpc_open_session_req_t *o = req->msg;
	static const char *const keys[] = { "timestamp_precision" };
	static const char *const precs[] = { "ms", "us", "ns" };
	const char *vals[1] = { precs[ss->sh->cfg->db.precision] };
	rpc_open_session_resp_t r = { 0 };
	larch_error_t login_err = { 0 };

	r.server_protocol_version = 2;
	r.session_id = -1;
	r.has_session_id = 1;
	r.status = rpc_status_from(LARCH_OK, NULL);
	if (o->client_protocol != 2) {
		r.status.code = 201;
		r.status.message = "The version is incompatible, please upgrade to IoTDB 2.x";
	} else if (!o->username || strlen(o->username) >= sizeof(ss->user) ||
		   larch_user_check(ss->sh->db, o->username, o->password, &login_err) != LARCH_OK) {
		r.status.code = RPC_WRONG_LOGIN_PASSWORD;
		r.status.message = "Authentication failed.";
		server_log(LOG_WARN, "%s: failed login for user %.64s", ss->peer,
			   o->username ? o->username : "(none)");
	} else if (o->zone_id && session_set_zone(ss, o->zone_id, err) != LARCH_OK) {
		r.status.code = RPC_SET_TIME_ZONE_ERROR;
		r.status.message = err->msg;
	} else {
		ss->logged_in = 1;
		memcpy(ss->user, o->username, strlen(o->username) + 1);
		ss->session_id = next_id(ss, &ss->sh->next_session_id);
		r.session_id = ss->session_id;
		r.status.message = "Login successfully";
		r.config_keys = keys;
		r.config_vals = vals;
		r.n_config = 1;
		server_log(LOG_INFO, "%s: session %lld opened (user %s, zone %s)", ss->peer,
			   (long long)ss->session_id, ss->user, ss->zone);
	}
	return rpc_encode_reply(out, req, &r, err);
}

int session_set_zone(session_t *ss, const char *zone, larch_error_t *err)
{
	time_zone_t *tz;
	int rc;

	if (strlen(zone) >= sizeof(ss->zone))
		return err_set(err, RPC_SET_TIME_ZONE_ERROR, "time zone name too long");
	rc = time_zone_open(zone, &tz, err);
	if (rc)
		return err_set(err, RPC_SET_TIME_ZONE_ERROR, "unknown time zone %s", zone);
	time_zone_free(tz);
	memcpy(ss->zone, zone, strlen(zone) + 1);
	return LARCH_OK;
}

static int handle_session(session_t *ss, const rpc_request_t *req, buf_t *out,
			  larch_error_t *err)
{
	rpc_status_t st = rpc_status_from(LARCH_OK, NULL);

	switch (req->method) {
	case RPC_M_CLOSE_SESSION:
		session_close_queries(ss);
		ss->logged_in = 0;
		server_log(LOG_INFO, "%s: session %lld closed", ss->peer, (long long)ss->session_id);
		return rpc_encode_reply(out, req, &st, err);
	case RPC_M_REQUEST_STATEMENT_ID: {
		int64_t id = ++ss->next_statement_id;
		return rpc_encode_reply(out, req, &id, err);
	}
	case RPC_M_SET_TIME_ZONE: {
		const rpc_set_time_zone_req_t *q = req->msg;
		larch_error_t e = { 0 };
		int rc = session_set_zone(ss, q->time_zone, &e);
		st = rpc_status_from(rc, &e);
		return rpc_encode_reply(out, req, &st, err);
	}
	case RPC_M_GET_TIME_ZONE: {
		rpc_time_zone_resp_t r = { st, ss->zone };
		return rpc_encode_reply(out, req, &r, err);
	}
	default: {
		static const char *const precs[] = { "ms", "us", "ns" };
		rpc_properties_t p = { 0 };
		p.version = LARCH_SERVER_VERSION;
		p.timestamp_precision = precs[ss->sh->cfg->db.precision];
		p.max_concurrent_client_num = (int32_t)ss->sh->cfg->max_connections;
		p.has_thrift_max_frame_size = 1;
		p.thrift_max_frame_size = (int32_t)ss->sh->cfg->max_frame;
		p.has_is_read_only = 1;
		p.build_info = "larch";
		return rpc_encode_reply(out, req, &p, err);
	}
	}
}

/* executeStatement / QueryStatement / UpdateStatement, V1 and V2. */
static int handle_exec(session_t *ss, const rpc_request_t *req, buf_t *out, larch_error_t *err)
{
	const rpc_exec_req_t *q = req->msg;

	return session_run_sql(ss, req, q->statement, q->fetch_size, out, err);
}

/*---------------------------------------------------------------------------
 * Dispatch
 *---------------------------------------------------------------------------*/

/* Reply with only a status, in the reply shape of req's method (required
 * fields filled with neutral values): errors of any call, and the calls
 * that have nothing else to say. */
static int reply_with_status(const rpc_request_t *req, rpc_status_t st, buf_t *out,
			     larch_error_t *err)
{
	switch (rpc_method_result(req->method)) {
	case RPC_R_EXEC: {
		rpc_exec_resp_t r = { 0 };
		r.status = st;
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_R_FETCH: {
		rpc_fetch_resp_t r = { 0 };
		r.status = st;
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_R_OPEN_SESSION: {
		rpc_open_session_resp_t r = { 0 };
		r.status = st;
		r.server_protocol_version = 2;
		r.has_session_id = 1;
		r.session_id = -1;
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_R_TIME_ZONE: {
		rpc_time_zone_resp_t r = { st, "" };
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_R_QUERY_TEMPLATE: {
		rpc_query_template_resp_t r = { 0 };
		r.status = st;
		r.query_type = ((const rpc_query_template_req_t *)req->msg)->query_type;
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_R_BACKUP_CONFIG: {
		rpc_backup_config_resp_t r = { 0 };
		r.status = st;
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_R_CONNECTIONS: {
		rpc_connections_resp_t r = { 0 };
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_R_CONTENT: {
		rpc_content_resp_t r = { st, "" };
		return rpc_encode_reply(out, req, &r, err);
	}
	case RPC_R_STATUS:
	case RPC_R_STATUS_ONLY:
		return rpc_encode_reply(out, req, &st, err);
	default:
		return rpc_encode_exception(out, req->proto, req->name, req->seqid,
					    RPC_EXC_INTERNAL_ERROR, st.message, err);
	}
}

/* A failed call: the status of its error, in the reply shape of its method. */
static int reply_error(const rpc_request_t *req, int rc, const larch_error_t *e, buf_t *out,
		       larch_error_t *err)
{
	return reply_with_status(req, rpc_status_from(rc, e), out, err);
}

/* Calls with nothing to do: backup configuration, connection list,
 * configuration content, handshake, the empty test RPC; fetchMetadata is
 * refused as IoTDB 1.x+ does. */
static int handle_misc(const rpc_request_t *req, buf_t *out, larch_error_t *err)
{
	rpc_status_t st = rpc_status_from(LARCH_OK, NULL);

	if (req->method == RPC_M_FETCH_METADATA) {
		st.code = LARCH_UNSUPPORTED;
		st.message = "fetchMetadata is not supported; use SHOW statements";
	}
	return reply_with_status(req, st, out, err);
}

static int dispatch(session_t *ss, const rpc_request_t *req, buf_t *out, larch_error_t *err)
{
	switch (req->method) {
	case RPC_M_OPEN_SESSION:
		return handle_open(ss, req, out, err);
	case RPC_M_CLOSE_SESSION: case RPC_M_REQUEST_STATEMENT_ID: case RPC_M_SET_TIME_ZONE:
	case RPC_M_GET_TIME_ZONE: case RPC_M_GET_PROPERTIES:
		return handle_session(ss, req, out, err);
	case RPC_M_EXECUTE_STATEMENT: case RPC_M_EXECUTE_QUERY_STATEMENT:
	case RPC_M_EXECUTE_UPDATE_STATEMENT: case RPC_M_EXECUTE_STATEMENT_V2:
	case RPC_M_EXECUTE_QUERY_STATEMENT_V2: case RPC_M_EXECUTE_UPDATE_STATEMENT_V2:
		return handle_exec(ss, req, out, err);
	case RPC_M_FETCH_RESULTS: case RPC_M_FETCH_RESULTS_V2:
		return handle_fetch(ss, req, out, err);
	case RPC_M_CLOSE_OPERATION: case RPC_M_CANCEL_OPERATION:
		return handle_close_op(ss, req, out, err);
	case RPC_M_GET_BACKUP_CONFIGURATION: case RPC_M_FETCH_ALL_CONNECTIONS_INFO:
	case RPC_M_TEST_CONNECTION_EMPTY_RPC: case RPC_M_HANDSHAKE: case RPC_M_SHOW_CONFIGURATION:
	case RPC_M_SHOW_CONFIGURATION_TEMPLATE: case RPC_M_FETCH_METADATA:
		return handle_misc(req, out, err);
	default:
		return session_handle_write(ss, req, out, err);
	}
}

int session_handle(session_t *ss, const uint8_t *frame, size_t n, buf_t *out)
{
	rpc_request_t req;
	larch_error_t err = { 0 }, eerr = { 0 };
	size_t at;
	int rc;

	arena_reset(ss->arena);
	at = rpc_frame_begin(out);
	rc = rpc_decode_request(frame, n, ss->arena, &req, &err);
	if (rc) {
		int bad_frame = !req.name;
		server_log(LOG_WARN, "%s: bad request%s%s: %s", ss->peer, req.name ? " " : "",
			   req.name ? req.name : "", err.msg);
		rpc_encode_exception(out, req.proto, req.name ? req.name : "", req.seqid,
				     rc == LARCH_UNSUPPORTED ? RPC_EXC_UNKNOWN_METHOD
							     : RPC_EXC_PROTOCOL_ERROR,
				     err.msg, &eerr);
		rpc_frame_end(out, at);
		return bad_frame ? -1 : 0;
	}
	if (!ss->logged_in && req.method != RPC_M_OPEN_SESSION) {
		err_set(&err, RPC_NOT_LOGIN, "Log in failed. Either you are not authorized or the "
			"session has timed out.");
		rc = reply_error(&req, RPC_NOT_LOGIN, &err, out, &eerr);
	} else {
		rc = dispatch(ss, &req, out, &err);
		if (rc) {
			out->len = at + 4;  /* drop a partial reply; answer with the error */
			rc = reply_error(&req, rc, &err, out, &eerr);
		}
	}
	if (rc || !buf_ok(out)) {
		server_log(LOG_ERROR, "%s: cannot encode the reply to %s: %s", ss->peer, req.name,
			   eerr.msg);
		return -1;
	}
	rpc_frame_end(out, at);
	if (ss->blob.cap > (8u << 20)) {
		buf_free(&ss->blob);
		ss->blob = (buf_t){ 0 };
	}
	return 0;
}
