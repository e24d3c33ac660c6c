/*
 * larch/client.h — the native C client: sessions, a session pool, writes,
 * SQL and result sets over IoTDB's client wire protocol (Thrift, framed,
 * binary or compact, optionally TLS).  It talks to larchd and, unchanged,
 * to Apache IoTDB.
 *
 *   larch_client_options_t o;  larch_client_options_default(&o);
 *   o.host = "127.0.0.1"; o.port = 6667;
 *   larch_session_t *s;        larch_session_open(&o, &s, &err);
 *   larch_session_insert_tablet(s, &tablet, 0, &err);
 *   larch_dataset_t *ds;       larch_session_execute_query(s, "select ** from root.sg", 0, &ds, &err);
 *   while (larch_dataset_next(ds, &err) == LARCH_OK)
 *           printf("%lld %g\n", (long long)larch_dataset_time(ds), larch_dataset_get_double(ds, 0));
 *   larch_dataset_close(ds, NULL);
 *   larch_session_close(s, NULL);
 *
 * Conventions (as larch.h): every fallible function returns LARCH_OK or a
 * status code and fills `err` (may be NULL) with the code and a message.
 * Server failures carry IoTDB's status code and the server's message (e.g.
 * 700 for a SQL syntax error); a batch write that fails partly returns 302
 * with the failing items' messages joined by "; ".  Client-side failures use
 * the LARCH_CLIENT_* codes below, or LARCH_ILLEGAL_PARAMETER for a bad
 * argument (nothing is sent then).  Strings are NUL-terminated UTF-8.
 *
 * Connections: when a call fails because the connection broke (reset,
 * timeout, a reply that cannot be decoded), the session reconnects — the
 * node URLs in turn, starting with the next one after the failed node, up
 * to retry_count rounds retry_interval_ms apart — opens a new server
 * session and sends the same request again, once.  The caller sees an
 * error only when that fails.  Data set fetches are not retried (the
 * server's query died with the old connection).
 *
 * Threads: a session is used by one thread at a time; the pool is
 * thread-safe (get/put from any thread).  Times are int64 in the server's
 * precision (larch_session_time_precision).
 */
#ifndef LARCH_CLIENT_H
#define LARCH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "larch/block.h"
#include "larch/larch.h"
#include "larch/status.h"
#include "larch/tsfile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Client-side failures (IoTDB's clients raise exceptions for these; the
 * numbers lie above every IoTDB status code). */
enum {
	LARCH_CLIENT_CONNECTION_ERROR = 2000, /* no node reachable / connection broke and
					       * reconnecting failed */
	LARCH_CLIENT_POOL_TIMEOUT = 2001,     /* larch_pool_get waited wait_timeout_ms */
	LARCH_CLIENT_PROTOCOL_ERROR = 2002    /* the server sent bytes that do not decode, or a
					       * Thrift exception, also after reconnecting */
};

/*---------------------------------------------------------------------------
 * Options
 *---------------------------------------------------------------------------*/

typedef struct larch_client_options {
	const char *host;             /* "127.0.0.1" (used when node_urls is NULL) */
	int port;                     /* 6667 */
	const char *const *node_urls; /* NULL, or n_node_urls "host:port" strings; the
				       * session connects to the first that answers and
				       * fails over to the others ("[v6]:port" accepted) */
	size_t n_node_urls;
	const char *user;             /* "root" */
	const char *password;         /* "root" */
	const char *time_zone;        /* NULL: the local zone's current offset ("+08:00");
				       * else any zone the server accepts ("UTC",
				       * "Asia/Shanghai", "+08:00") */
	int fetch_size;               /* rows per fetch of a query (5000) */
	int rpc_compression;          /* 1: Thrift compact protocol (IoTDB's
				       * enable_rpc_compression); 0: binary (0) */
	int use_ssl;                  /* TLS (0) */
	const char *ca_file;          /* PEM CA bundle to verify the server with; NULL:
				       * the system's default paths */
	int verify_hostname;          /* TLS: the certificate must name the host (1);
				       * 0 still verifies the chain */
	int connect_timeout_ms;       /* TCP+TLS connect and login timeout (5000); 0: none */
	int socket_timeout_ms;        /* per-RPC read/write timeout; 0: none (0) */
	int retry_count;              /* reconnect rounds after a broken connection (3) */
	int retry_interval_ms;        /* pause between rounds (500) */
	const char *sql_dialect;      /* "tree" */
	const char *database;         /* NULL; sent as the "db" key (table dialect) */
} larch_client_options_t;

/* Fill *o with the defaults listed above. */
void larch_client_options_default(larch_client_options_t *o);

/*---------------------------------------------------------------------------
 * Sessions
 *---------------------------------------------------------------------------*/

typedef struct larch_session larch_session_t;
typedef struct larch_dataset larch_dataset_t;

/* Connect (node URLs in order, retry_count rounds), log in (openSession),
 * get a statement id and set the time zone.  The options are copied.
 * Errors: 801 bad user/password (server's message), LARCH_CLIENT_CONNECTION_ERROR
 * naming every node tried and why, LARCH_ILLEGAL_PARAMETER for bad options
 * (e.g. a node URL without a port). */
int larch_session_open(const larch_client_options_t *o, larch_session_t **out,
		       larch_error_t *err);

/* closeSession, close the connection, free s (also when closing fails;
 * NULL is a no-op).  Data sets still open are detached: they can only be
 * closed afterwards. */
int larch_session_close(larch_session_t *s, larch_error_t *err);

/* The zone set on the session (the option, or the local offset). */
const char *larch_session_time_zone(const larch_session_t *s);
/* setTimeZone; on success it also applies after reconnects. */
int larch_session_set_time_zone(larch_session_t *s, const char *zone, larch_error_t *err);
/* The server's timestamp precision from the login reply: "ms", "us" or "ns". */
const char *larch_session_time_precision(const larch_session_t *s);
/* "host:port" of the node the session is connected to now. */
const char *larch_session_endpoint(const larch_session_t *s);
/* How many times the session has reconnected since it was opened. */
unsigned larch_session_reconnects(const larch_session_t *s);

/*---------------------------------------------------------------------------
 * Session pool
 *---------------------------------------------------------------------------*/

typedef struct larch_pool larch_pool_t;

/* A pool of up to max_size sessions with options o, opened lazily.
 * wait_timeout_ms bounds larch_pool_get's wait (0: wait forever).  A pool
 * of size 1 behaves as one plain session.  Errors: LARCH_ILLEGAL_PARAMETER
 * (max_size 0). */
int larch_pool_open(const larch_client_options_t *o, size_t max_size, int wait_timeout_ms,
		    larch_pool_t **out, larch_error_t *err);

/* Take a session: an idle one, else a new one if fewer than max_size
 * exist, else wait until one is put back or wait_timeout_ms passes
 * (LARCH_CLIENT_POOL_TIMEOUT).  Opening a new session can fail as
 * larch_session_open does.  Thread-safe. */
int larch_pool_get(larch_pool_t *p, larch_session_t **out, larch_error_t *err);

/* Give a session back (from any thread).  A session whose connection is
 * broken beyond repair is closed instead, freeing its slot. */
void larch_pool_put(larch_pool_t *p, larch_session_t *s);

/* Sessions existing now (idle + taken) and idle ones. */
size_t larch_pool_size(larch_pool_t *p);
size_t larch_pool_idle(larch_pool_t *p);

/* Close every idle session and free the pool.  All sessions must have been
 * put back. NULL is a no-op. */
void larch_pool_close(larch_pool_t *p);

/*---------------------------------------------------------------------------
 * Schema: databases and time series
 *
 * Series definitions reuse larch_series_def_t (larch.h): encoding/codec -1
 * pick the defaults of tsfile_config_default (per type / LZ4).
 *---------------------------------------------------------------------------*/

/* setStorageGroup: CREATE DATABASE db. */
int larch_session_create_database(larch_session_t *s, const char *db, larch_error_t *err);
/* deleteStorageGroups: DELETE DATABASE dbs[0], ... */
int larch_session_delete_databases(larch_session_t *s, const char *const *dbs, size_t n,
				   larch_error_t *err);

/* createTimeseries: full path; def->name is ignored, alias/tags/attributes
 * are sent when set. */
int larch_session_create_timeseries(larch_session_t *s, const char *path,
				    const larch_series_def_t *def, larch_error_t *err);
/* createMultiTimeseries: paths[i] with defs[i] (defs[i].name ignored). */
int larch_session_create_multi_timeseries(larch_session_t *s, const char *const *paths,
					  const larch_series_def_t *defs, size_t n,
					  larch_error_t *err);
/* createAlignedTimeseries: device with measurements defs[i].name. */
int larch_session_create_aligned_timeseries(larch_session_t *s, const char *device,
					    const larch_series_def_t *defs, size_t n,
					    larch_error_t *err);
/* deleteTimeseries: paths (patterns allowed). */
int larch_session_delete_timeseries(larch_session_t *s, const char *const *paths, size_t n,
				    larch_error_t *err);
/* *exists = 1 if SHOW TIMESERIES path lists at least one series, else 0. */
int larch_session_check_timeseries_exists(larch_session_t *s, const char *path, int *exists,
					  larch_error_t *err);

/*---------------------------------------------------------------------------
 * Writes
 *
 * Records are tsfile_point_t arrays (measurement + typed value, all 10
 * types); points with value.is_null are left out (a record of nulls only is
 * not sent).  Tablets are tsfile_tablet_t (target = device, columns with
 * optional is_null flags, all 10 types).  `aligned` selects the aligned
 * variant of each call.  Requests are serialized straight into one
 * growing buffer per session (pre-sized for tablets, doubled when short).
 *---------------------------------------------------------------------------*/

/* One row of a device for larch_session_insert_records(_of_one_device). */
typedef struct larch_record {
	const char *device;             /* ignored by ..._of_one_device */
	int64_t time;
	const tsfile_point_t *points;
	size_t n_points;
} larch_record_t;

/* A row of string values; the server converts them to the series' types or
 * infers types for new series ("true" BOOLEAN, numbers DOUBLE, else TEXT). */
typedef struct larch_string_record {
	const char *device;             /* ignored by ..._of_one_device */
	int64_t time;
	const char *const *measurements;
	const char *const *values;      /* NULL entries are left out */
	size_t n;
} larch_string_record_t;

/* insertRecord. */
int larch_session_insert_record(larch_session_t *s, const char *device, int64_t time,
				const tsfile_point_t *points, size_t n, int aligned,
				larch_error_t *err);
/* insertRecords: rows of any devices in one request.  Rows whose points are
 * all null are left out. */
int larch_session_insert_records(larch_session_t *s, const larch_record_t *recs, size_t n,
				 int aligned, larch_error_t *err);
/* insertRecordsOfOneDevice.  sorted != 0: the caller promises ascending
 * times (checked; LARCH_ILLEGAL_PARAMETER if not, nothing sent); sorted ==
 * 0: the client sends the rows in time order (stable for equal times). */
int larch_session_insert_records_of_one_device(larch_session_t *s, const char *device,
					       const larch_record_t *recs, size_t n, int sorted,
					       int aligned, larch_error_t *err);
/* insertStringRecord. */
int larch_session_insert_string_record(larch_session_t *s, const larch_string_record_t *rec,
				       int aligned, larch_error_t *err);
/* insertStringRecords (rows of any devices). */
int larch_session_insert_string_records(larch_session_t *s, const larch_string_record_t *recs,
					size_t n, int aligned, larch_error_t *err);
/* insertStringRecordsOfOneDevice (recs[i].device ignored; rows sent in time
 * order, as ..._of_one_device with sorted == 0). */
int larch_session_insert_string_records_of_one_device(larch_session_t *s, const char *device,
						      const larch_string_record_t *recs, size_t n,
						      int aligned, larch_error_t *err);
/* insertTablet.  Rows need not be sorted: unsorted times are sent in
 * ascending order (a stable sort of a row permutation; the tablet itself
 * is not modified).  A column's is_null marks nulls (bitmap trailer).
 * Errors: LARCH_ILLEGAL_PARAMETER for a NULL column array, an unknown type,
 * a row count above INT32_MAX. */
int larch_session_insert_tablet(larch_session_t *s, const tsfile_tablet_t *t, int aligned,
				larch_error_t *err);
/* insertTablets: several tablets (devices) in one request. */
int larch_session_insert_tablets(larch_session_t *s, const tsfile_tablet_t *tablets, size_t n,
				 int aligned, larch_error_t *err);

/* deleteData: points of paths (patterns allowed) with start <= time <= end. */
int larch_session_delete_data(larch_session_t *s, const char *const *paths, size_t n,
			      int64_t start, int64_t end, larch_error_t *err);

/*---------------------------------------------------------------------------
 * SQL
 *---------------------------------------------------------------------------*/

/* executeQueryStatementV2: run a query; *out iterates its rows.  timeout_ms
 * 0 = none (the server's limit).  Errors: the server's status (700 parse
 * error, 701 semantic error, ...). */
int larch_session_execute_query(larch_session_t *s, const char *sql, int64_t timeout_ms,
				larch_dataset_t **out, larch_error_t *err);
/* executeUpdateStatementV2: run a statement without a result. */
int larch_session_execute_non_query(larch_session_t *s, const char *sql, larch_error_t *err);
/* executeStatementV2: run anything; *out is a data set when the statement
 * produced columns, else NULL.  out may be NULL (a result is then closed). */
int larch_session_execute(larch_session_t *s, const char *sql, larch_dataset_t **out,
			  larch_error_t *err);

/*---------------------------------------------------------------------------
 * Data sets (query results)
 *
 * Columns are the server's value columns, 0 .. count-1, with their names
 * and types; the time of a row is separate (larch_dataset_has_time: tree
 * queries have one, SHOW statements and aggregates without GROUP BY not).
 * Rows are fetched fetch_size at a time as iteration proceeds.  Values
 * returned (text pointers, blocks) stay valid until the next
 * larch_dataset_next / larch_dataset_next_block / larch_dataset_close.
 *---------------------------------------------------------------------------*/

size_t larch_dataset_column_count(const larch_dataset_t *ds);
const char *larch_dataset_column_name(const larch_dataset_t *ds, size_t i);
tsfile_type_t larch_dataset_column_type(const larch_dataset_t *ds, size_t i);
/* Index of the first column called `name`, or -1. */
int larch_dataset_column_index(const larch_dataset_t *ds, const char *name);
/* 1 if rows carry a time ("Time" column), else 0. */
int larch_dataset_has_time(const larch_dataset_t *ds);

/* Advance to the next row: LARCH_OK, LARCH_DONE at the end, or an error
 * (a failed fetch; the connection is not retried). */
int larch_dataset_next(larch_dataset_t *ds, larch_error_t *err);

/* Accessors of the current row (after larch_dataset_next returned
 * LARCH_OK).  A column index out of range, or a null value, reads as 0 /
 * empty.  Numeric getters convert: get_int64 reads BOOLEAN, INT32, DATE,
 * INT64 and TIMESTAMP; get_double any numeric type; get_int32 BOOLEAN,
 * INT32, DATE; get_bool BOOLEAN (non-zero numbers are true).  get_bytes
 * reads TEXT, STRING, BLOB (not NUL-terminated). */
int64_t larch_dataset_time(const larch_dataset_t *ds);
int larch_dataset_is_null(const larch_dataset_t *ds, size_t i);
int larch_dataset_get_bool(const larch_dataset_t *ds, size_t i);
int32_t larch_dataset_get_int32(const larch_dataset_t *ds, size_t i);
int64_t larch_dataset_get_int64(const larch_dataset_t *ds, size_t i);
float larch_dataset_get_float(const larch_dataset_t *ds, size_t i);
double larch_dataset_get_double(const larch_dataset_t *ds, size_t i);
tsfile_bytes_t larch_dataset_get_bytes(const larch_dataset_t *ds, size_t i);
/* The typed value of column i (type = the column's, is_null set). */
void larch_dataset_get_value(const larch_dataset_t *ds, size_t i, tsfile_value_t *out);
/* Render column i of the current row as text into buf (snprintf
 * semantics; "null" for nulls; floats as %.7g, doubles %.16g, BLOB as
 * 0x-hex, DATE yyyy-mm-dd). */
size_t larch_dataset_format(const larch_dataset_t *ds, size_t i, char *buf, size_t n);

/* The same by column name ("Time" is not a column: use larch_dataset_time).
 * An unknown name reads as null / 0. */
int larch_dataset_is_null_by_name(const larch_dataset_t *ds, const char *name);
int larch_dataset_get_bool_by_name(const larch_dataset_t *ds, const char *name);
int32_t larch_dataset_get_int32_by_name(const larch_dataset_t *ds, const char *name);
int64_t larch_dataset_get_int64_by_name(const larch_dataset_t *ds, const char *name);
float larch_dataset_get_float_by_name(const larch_dataset_t *ds, const char *name);
double larch_dataset_get_double_by_name(const larch_dataset_t *ds, const char *name);
tsfile_bytes_t larch_dataset_get_bytes_by_name(const larch_dataset_t *ds, const char *name);

/* Column-block iteration: *blk = the rows not yet returned of the current
 * server batch (one TsBlock), as larch_block_t with larch_dataset's
 * columns in order (times NULL when !has_time; nulls per column, NULL when
 * none).  LARCH_OK, LARCH_DONE at the end, or an error.  Rows and blocks
 * may be mixed: both advance the same position (after next_block the
 * "current row" is the block's last row). */
int larch_dataset_next_block(larch_dataset_t *ds, const larch_block_t **blk,
			     larch_error_t *err);

/* closeOperation (when the server still holds the query) and free ds (also
 * on failure; NULL is a no-op). */
int larch_dataset_close(larch_dataset_t *ds, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Schema templates
 *---------------------------------------------------------------------------*/

/* createSchemaTemplate: template `name` with measurements defs[i].name
 * (aligned: an aligned template).  Alias/tags/attributes are ignored. */
int larch_session_create_template(larch_session_t *s, const char *name,
				  const larch_series_def_t *defs, size_t n, int aligned,
				  larch_error_t *err);
/* appendSchemaTemplate: add measurements to an existing template; when
 * the server refuses that call with 300 (Apache IoTDB 1.x+ does), the
 * same through SQL: ALTER SCHEMA TEMPLATE name ADD (...). */
int larch_session_add_template_measurements(larch_session_t *s, const char *name,
					    const larch_series_def_t *defs, size_t n,
					    int aligned, larch_error_t *err);
/* setSchemaTemplate: mount template `name` on prefix (a path). */
int larch_session_set_template(larch_session_t *s, const char *name, const char *prefix,
			       larch_error_t *err);
/* unsetSchemaTemplate: unmount it from prefix. */
int larch_session_unset_template(larch_session_t *s, const char *name, const char *prefix,
				 larch_error_t *err);
/* dropSchemaTemplate (refused by the server while mounted). */
int larch_session_drop_template(larch_session_t *s, const char *name, larch_error_t *err);
/* createTimeseriesUsingSchemaTemplate: activate the mounted template on
 * each device (one sub-status per device on failure: 302). */
int larch_session_activate_template(larch_session_t *s, const char *const *devices, size_t n,
				    larch_error_t *err);

typedef enum larch_template_show {
	LARCH_TEMPLATE_MEASUREMENTS = 3, /* measurements of template `name` */
	LARCH_TEMPLATE_ALL = 4,          /* names of all templates (name ignored) */
	LARCH_TEMPLATE_SET_ON = 5,       /* paths `name` is mounted on */
	LARCH_TEMPLATE_USING_ON = 6      /* devices where `name` is activated */
} larch_template_show_t;

/* querySchemaTemplate: *names = an array of *n strings, one allocation:
 * free it with larch_client_free(*names). */
int larch_session_show_templates(larch_session_t *s, larch_template_show_t what,
				 const char *name, char ***names, size_t *n, larch_error_t *err);

/* Free memory this API handed out (larch_session_show_templates). */
void larch_client_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
