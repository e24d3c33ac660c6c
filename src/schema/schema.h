/*
 * schema.h — the tree-model schema of a Larch data directory.
 *
 * It owns what IoTDB calls the metadata of the tree model:
 *   - databases: path prefixes under root (root.ln, root.sg1.x), never nested;
 *   - the path tree below them: internal nodes, devices (nodes with
 *     measurements or an activated template), measurements (time series)
 *     with data type, encoding, compressor, alias, tags, attributes and
 *     properties; devices are aligned or not;
 *   - device (schema) templates: created, extended, set on a path prefix,
 *     activated on devices below it, deactivated, unset, dropped;
 *   - stable numeric ids: every series gets a uint32 series id (sid), every
 *     device a device id and every database a database id; ids start at 1
 *     and are never reused within a data directory, so the storage layer can
 *     key its data by them;
 *   - the write path: schema_resolve maps (device, measurements, types) to
 *     series ids, creating what is missing when auto-creation is on;
 *   - persistence: an append-only log fsync'd before an operation returns,
 *     plus a snapshot written every `snapshot_bytes` of log and on close.
 *
 * Paths use IoTDB's syntax: nodes separated by '.', "root" first; a node
 * made of letters, digits, '_' and CJK characters (U+2E80..U+9FFF) that is
 * not a number may be written bare, any other node is back-quoted (`a.b`,
 * `111`), a back-quote inside a quoted node is written twice.  Patterns may
 * also use `*` (exactly one node), `**` (one or more nodes) and a single
 * node with a leading and/or trailing star (`s*`, `*s`, `*s*`: that node
 * begins with / ends with / contains "s").  Paths are handed out in
 * canonical form: nodes quoted only where needed, "root" in lower case.
 *
 * Order: every listing (series, devices, databases, child paths) walks the
 * tree depth first, visiting the children of a node in byte order of their
 * names (a shorter name first when one is a prefix of the other), so series
 * come in node-by-node lexicographic order of their paths.  LIMIT/OFFSET
 * apply to that order.
 *
 * Errors follow IoTDB: codes from larch/status.h (IoTDB's TSStatus numbers)
 * and IoTDB's messages, e.g. 501 "root.sg has already been created as
 * database", 503 "Path [root.sg.d.s] already exist", 508 "Path [..] does
 * not exist", 509 "x is not a legal path", 507 "data type of root.sg.d.s is
 * not consistent, registered type INT32, inserting type TEXT" (IoTDB's
 * DataTypeMismatchException is a MetadataException).  A failed
 * call changes nothing (this includes LARCH_NO_MEMORY).
 *
 * Thread safety: every function may be called from any number of threads
 * on one schema_t, except schema_close.  Lookups and schema_resolve of
 * existing series share a reader lock; changes take the writer lock.
 * Callbacks run under the reader lock: they must not call back into
 * functions that change this schema (that would deadlock), and the strings
 * they receive are valid only during the call.  A callback returning
 * non-zero stops the listing; the function then returns LARCH_OK.
 */
#ifndef LARCH_SCHEMA_H
#define LARCH_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "larch/status.h"
#include "larch/tsfile.h"

#define SCHEMA_MAX_DEPTH 63     /* nodes in a path or pattern, "root" included */
#define SCHEMA_MAX_NAME 65535   /* bytes in a node name, alias, tag key or value */
#define SCHEMA_MAX_SID 0x7fffffffu /* largest series id */

typedef struct schema schema_t;

/* A length-delimited string (not NUL-terminated). */
typedef struct schema_str {
	const char *ptr;
	uint32_t len;
} schema_str_t;

/* A key/value pair (tags, attributes, properties); NUL-terminated. */
typedef struct schema_kv {
	const char *key;
	const char *value;
} schema_kv_t;

/* Ids handed back by deleting operations; free with schema_ids_free. */
typedef struct schema_ids {
	uint32_t *ids;
	size_t n;
} schema_ids_t;

void schema_ids_free(schema_ids_t *ids);

/*---------------------------------------------------------------------------
 * Configuration and lifetime
 *---------------------------------------------------------------------------*/

typedef struct schema_config {
	int auto_create;            /* enable_auto_create_schema (1) */
	int default_db_level;       /* default_database_level (1: root.<x>) */
	/* Types given to series created from string values (schema_infer_type):
	 * boolean_string_infer_type (BOOLEAN), integer_string_infer_type
	 * (DOUBLE), floating_string_infer_type (DOUBLE), nan_string_infer_type
	 * (DOUBLE). */
	tsfile_type_t infer_boolean;
	tsfile_type_t infer_integer;
	tsfile_type_t infer_floating;
	tsfile_type_t infer_nan;
	/* Encoding and compressor of auto-created series and of definitions that
	 * leave them at -1, indexed by tsfile_type_t: BOOLEAN RLE; INT32, INT64,
	 * DATE, TIMESTAMP TS_2DIFF; FLOAT, DOUBLE GORILLA; TEXT, STRING, BLOB
	 * PLAIN; every compressor LZ4 (IoTDB 2.x default_*_encoding and
	 * *_compressor). */
	tsfile_encoding_t default_encoding[12];
	tsfile_codec_t default_codec[12];
	uint64_t snapshot_bytes;    /* snapshot after this much log (8 MiB); 0: only on close */
	int fsync;                  /* fsync log and snapshot (1); 0 only for benchmarks */
} schema_config_t;

/* Fill *cfg with the defaults listed above. */
void schema_config_default(schema_config_t *cfg);

/* Open the schema kept in directory `dir` (created if missing): load the
 * snapshot, replay the log after it, truncate a torn log tail.  dir == NULL
 * keeps the schema in memory only.  cfg may be NULL for the defaults.
 * Errors: LARCH_ILLEGAL_PARAMETER (bad config), LARCH_STORAGE_ERROR (I/O),
 * LARCH_CORRUPTED (a damaged snapshot, or a log entry with a valid checksum
 * that does not apply), LARCH_NO_MEMORY. */
int schema_open(const char *dir, const schema_config_t *cfg, schema_t **out, larch_error_t *err);

/* Write a snapshot (persistent schemas), then free s, also on failure. */
int schema_close(schema_t *s, larch_error_t *err);

/* Write a snapshot now and empty the log. */
int schema_checkpoint(schema_t *s, larch_error_t *err);

/* Replace the configuration (IoTDB hot-reloads these settings). */
int schema_reconfigure(schema_t *s, const schema_config_t *cfg, larch_error_t *err);

typedef struct schema_stats {
	uint64_t series;       /* live series */
	uint64_t devices;      /* live devices */
	uint64_t databases;
	uint64_t templates;
	uint64_t log_bytes;    /* log written since the last snapshot */
	uint32_t next_sid;     /* the id the next series will get */
} schema_stats_t;

void schema_stats(schema_t *s, schema_stats_t *st);

/*---------------------------------------------------------------------------
 * Databases
 *---------------------------------------------------------------------------*/

typedef struct schema_db_info {
	uint32_t id;
	const char *path;
	size_t path_len;
	int64_t ttl;               /* SET TTL of the database, 0 = none */
} schema_db_info_t;

typedef int (*schema_db_cb)(void *arg, const schema_db_info_t *info);

/* CREATE DATABASE path.  Errors: 509 for a malformed path, "root" alone
 * ("root is not a legal path, because the database name in tree model must
 * start with 'root.'."), a path longer than 64 bytes or with characters
 * outside letters, digits, '_', '-', '`' and CJK; 501 "<db> has already
 * been created as database" when path or one of its prefixes is a
 * database; 529 "some children of <path> have already been created as
 * database" when a database lies below path. */
int schema_db_create(schema_t *s, const char *path, uint32_t *db_id, larch_error_t *err);

/* DELETE DATABASE: delete every database matching one of the patterns with
 * all its series.  The ids of the deleted databases go to *dbs and those of
 * the deleted series to *sids (either may be NULL).  508 "Path [p] does
 * not exist" when no database matches. */
int schema_db_delete(schema_t *s, const char *const *patterns, size_t n, schema_ids_t *dbs,
		     schema_ids_t *sids, larch_error_t *err);

/* SHOW DATABASES pattern: databases whose path matches pattern, in tree
 * order.  COUNT DATABASES: count them. */
int schema_db_match(schema_t *s, const char *pattern, schema_db_cb cb, void *arg,
		    larch_error_t *err);
int schema_db_count(schema_t *s, const char *pattern, uint64_t *count, larch_error_t *err);

/* The database that covers path (a full path, no wildcards): cb gets it.
 * 500 "Database is not set for current seriesPath: [path]" if none. */
int schema_db_of(schema_t *s, const char *path, schema_db_cb cb, void *arg, larch_error_t *err);

/* SET TTL TO path ttl (ttl > 0) / UNSET TTL TO path (ttl == 0): the TTL of
 * every database the path designates, logged like any change and recovered
 * by schema_open.  TTLs are kept per database (IoTDB 1.x also accepts
 * device-level patterns; Larch does not): path is a database (root.ln), a
 * database followed by .** (root.ln.**), or a pattern whose matches are
 * databases (root.*, root.**: every database matching it now; databases
 * created later do not inherit it).  The unit is the caller's (the data
 * directory's time precision).  cb (may be NULL) is called, under the
 * reader lock, for each database changed, with its new TTL, after the
 * change is durable.  Errors: 509 for a malformed path, 303 for ttl < 0,
 * 300 "TTL can only be set on a database, not on [p] below database [d]"
 * for a path inside a database, 508 "Path [p] does not exist" when no
 * database matches. */
int schema_ttl_set(schema_t *s, const char *path, int64_t ttl, schema_db_cb cb, void *arg,
		   larch_error_t *err);

/*---------------------------------------------------------------------------
 * Time series
 *---------------------------------------------------------------------------*/

/* One measurement to create.  encoding/codec -1 take the configured
 * defaults for the type; alias may be NULL; tags, attrs, props may be empty. */
typedef struct schema_meas_def {
	const char *name;          /* measurement node (bare or back-quoted) */
	tsfile_type_t type;
	int encoding;
	int codec;
	const char *alias;
	const schema_kv_t *tags;
	size_t ntags;
	const schema_kv_t *attrs;
	size_t nattrs;
	const schema_kv_t *props;
	size_t nprops;
} schema_meas_def_t;

/* CREATE TIMESERIES path: the series `path` (its last node is the
 * measurement, def->name is ignored).  The database is created at
 * default_db_level when none covers path and auto_create is on (else 500).
 * Errors: 509 illegal path (fewer than 3 nodes, wildcards, a node named
 * time/timestamp), 503 "Path [p] already exist", 506 when the path runs
 * through an existing series, 505 "Alias [a] for Path [p] already exist",
 * 516 when a template is set on the device or above it, 507 "encoding X
 * does not support T", 303 for an unknown type/encoding/compressor, 609
 * when the device is aligned. */
int schema_series_create(schema_t *s, const char *path, const schema_meas_def_t *def,
			 uint32_t *sid, larch_error_t *err);

/* CREATE ALIGNED TIMESERIES device(m1 ..., m2 ...): all or none are
 * created; sids[i] receives the id of defs[i].  609 "Time series under this
 * device is not aligned, please use createTimeSeries or change device.
 * (Path: d)" when the device already holds non-aligned series. */
int schema_series_create_aligned(schema_t *s, const char *device, const schema_meas_def_t *defs,
				 size_t n, uint32_t *sids, larch_error_t *err);

/* DELETE TIMESERIES p1, p2, ...: delete the non-template series matching any
 * pattern (a measurement also matches through its alias); their ids go to
 * *sids (may be NULL).  508 "Timeseries [p] does not exist or is
 * represented by schema template" when nothing matches. */
int schema_series_delete(schema_t *s, const char *const *patterns, size_t n, schema_ids_t *sids,
			 larch_error_t *err);

typedef enum schema_alter_op {
	SCHEMA_ALTER_RENAME,     /* RENAME old_key TO new_key (tag or attribute) */
	SCHEMA_ALTER_SET,        /* SET kvs: change values of existing keys */
	SCHEMA_ALTER_DROP,       /* DROP keys: missing keys are ignored */
	SCHEMA_ALTER_ADD_TAGS,   /* ADD TAGS kvs: keys must be new tags */
	SCHEMA_ALTER_ADD_ATTRS,  /* ADD ATTRIBUTES kvs: keys must be new attributes */
	SCHEMA_ALTER_UPSERT      /* UPSERT [ALIAS=alias] TAGS(kvs) ATTRIBUTES(attrs) */
} schema_alter_op_t;

typedef struct schema_alter {
	schema_alter_op_t op;
	const char *old_key, *new_key;   /* RENAME */
	const schema_kv_t *kvs;          /* SET, ADD_TAGS, ADD_ATTRS, UPSERT tags */
	size_t nkvs;
	const schema_kv_t *attrs;        /* UPSERT attributes */
	size_t nattrs;
	const char *const *keys;         /* DROP */
	size_t nkeys;
	const char *alias;               /* UPSERT alias; NULL keeps it */
} schema_alter_t;

/* ALTER TIMESERIES path ...  Errors (507 unless noted): "TimeSeries [p] does
 * not have tag/attribute [k]." (SET, RENAME), "TimeSeries [p] already has a
 * tag/attribute named [k]." (RENAME), "TimeSeries [p] already has the tag
 * [k]." / "... the attribute [k]." (ADD), 508 for a missing series, 516
 * "Cannot alter template timeseries [p] since device template [t] already
 * set on path [d]" for template series. */
int schema_series_alter(schema_t *s, const char *path, const schema_alter_t *a,
			larch_error_t *err);

/* What a listing hands out for one series.  path is canonical; its first
 * device_len bytes are the device path and its first db_len bytes the
 * database path.  tags/attrs/props are in the order they were added. */
typedef struct schema_series_info {
	uint32_t sid;
	uint32_t dev_id;
	uint32_t db_id;
	const char *path;
	size_t path_len;
	size_t device_len;
	size_t db_len;
	const char *name;          /* the measurement, raw (unquoted) */
	const char *alias;         /* NULL when the series has none */
	int matched_alias;         /* the pattern matched the alias, not the name */
	tsfile_type_t type;
	tsfile_encoding_t encoding;
	tsfile_codec_t codec;
	int aligned;
	uint32_t template_id;      /* the template the series comes from, 0 if none */
	const schema_kv_t *tags;
	size_t ntags;
	const schema_kv_t *attrs;
	size_t nattrs;
	const schema_kv_t *props;
	size_t nprops;
} schema_series_info_t;

typedef int (*schema_series_cb)(void *arg, const schema_series_info_t *info);

/* The series named by path (a full path; its last node may be the alias).
 * 508 "Path [p] does not exist" if there is none. */
int schema_series_find(schema_t *s, const char *path, schema_series_cb cb, void *arg,
		       larch_error_t *err);

/* The series with id sid; 508 if it does not exist (any more). */
int schema_series_get(schema_t *s, uint32_t sid, schema_series_cb cb, void *arg,
		      larch_error_t *err);

typedef enum schema_filter_kind {
	SCHEMA_FILTER_NONE,
	SCHEMA_FILTER_PATH_CONTAINS,   /* WHERE TIMESERIES CONTAINS value */
	SCHEMA_FILTER_TYPE,            /* WHERE DATATYPE = type */
	SCHEMA_FILTER_TAG_EQ,          /* WHERE TAGS(key) = value (tag index) */
	SCHEMA_FILTER_TAG_CONTAINS     /* WHERE TAGS(key) CONTAINS value (tag index) */
} schema_filter_kind_t;

typedef struct schema_filter {
	schema_filter_kind_t kind;
	const char *key;
	const char *value;
	tsfile_type_t type;
} schema_filter_t;

/* SHOW TIMESERIES pattern [WHERE filter] [LIMIT limit OFFSET offset]:
 * series matching pattern (and filter, which may be NULL) in tree order;
 * the first `offset` are skipped, at most `limit` delivered (0: all). */
int schema_match_series(schema_t *s, const char *pattern, const schema_filter_t *filter,
			uint64_t offset, uint64_t limit, schema_series_cb cb, void *arg,
			larch_error_t *err);

/* COUNT TIMESERIES pattern [WHERE filter]. */
int schema_count_series(schema_t *s, const char *pattern, const schema_filter_t *filter,
			uint64_t *count, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Devices, nodes
 *---------------------------------------------------------------------------*/

typedef struct schema_device_info {
	uint32_t id;
	uint32_t db_id;
	const char *path;
	size_t path_len;
	size_t db_len;
	int aligned;
	uint32_t template_id;      /* activated template, 0 if none */
	const char *template_name; /* NULL if none */
	uint32_t nseries;
} schema_device_info_t;

typedef int (*schema_device_cb)(void *arg, const schema_device_info_t *info);

/* SHOW DEVICES pattern [WHERE DEVICE CONTAINS contains] [LIMIT/OFFSET]. */
int schema_match_devices(schema_t *s, const char *pattern, const char *contains,
			 uint64_t offset, uint64_t limit, schema_device_cb cb, void *arg,
			 larch_error_t *err);
int schema_count_devices(schema_t *s, const char *pattern, uint64_t *count, larch_error_t *err);

typedef enum schema_node_type {
	SCHEMA_NODE_ROOT,
	SCHEMA_NODE_DB_INTERNAL,   /* above a database */
	SCHEMA_NODE_DATABASE,
	SCHEMA_NODE_INTERNAL,
	SCHEMA_NODE_DEVICE,
	SCHEMA_NODE_MEASUREMENT
} schema_node_type_t;

/* "ROOT", "DB INTERNAL", "DATABASE", "INTERNAL", "DEVICE", "TIMESERIES". */
const char *schema_node_type_name(schema_node_type_t t);

typedef struct schema_child_info {
	const char *path;          /* canonical path of the child */
	size_t path_len;
	const char *name;          /* the child's node name, raw */
	schema_node_type_t type;
} schema_child_info_t;

typedef int (*schema_child_cb)(void *arg, const schema_child_info_t *info);

/* SHOW CHILD PATHS / CHILD NODES pattern: the children of every node that
 * matches pattern (parents in tree order, children in name order).  Two
 * matched parents may have children of the same name: SHOW CHILD NODES
 * (names only) must drop the repeats. */
int schema_match_children(schema_t *s, const char *pattern, schema_child_cb cb, void *arg,
			  larch_error_t *err);

/* COUNT NODES pattern LEVEL=level: distinct nodes at `level` (root is 0)
 * among the nodes whose path matches pattern. */
int schema_count_nodes(schema_t *s, const char *pattern, int level, uint64_t *count,
		       larch_error_t *err);

/* Length of the prefix of canonical path `path` that ends after node
 * `level` (root is 0), or 0 when the path has no such level.  Used for
 * COUNT ... GROUP BY LEVEL. */
size_t schema_path_level_len(const char *path, size_t len, int level);

/*---------------------------------------------------------------------------
 * Device templates
 *---------------------------------------------------------------------------*/

typedef struct schema_tmpl_meas {
	const char *name;
	tsfile_type_t type;
	int encoding;              /* -1: default */
	int codec;                 /* -1: default */
} schema_tmpl_meas_t;

/* CREATE DEVICE TEMPLATE name [ALIGNED] (...).  507 "Duplicated template
 * name: t"; 510 "create template error -encoding X does not support T". */
int schema_template_create(schema_t *s, const char *name, int aligned,
			   const schema_tmpl_meas_t *ms, size_t n, larch_error_t *err);

/* ALTER DEVICE TEMPLATE name ADD (...): devices using it get the new
 * series at once.  512 "Undefined template name: t"; 527 when a
 * measurement is already in the template. */
int schema_template_extend(schema_t *s, const char *name, const schema_tmpl_meas_t *ms,
			   size_t n, larch_error_t *err);

/* DROP DEVICE TEMPLATE: 507 "Template [t] has been set on MTree, cannot be
 * dropped now." while it is set anywhere. */
int schema_template_drop(schema_t *s, const char *name, larch_error_t *err);

/* SET DEVICE TEMPLATE name TO path (nodes are created as needed).  516
 * "Cannot set device template [t] to path [p] since there's timeseries
 * under path [p]."; 507 "Template already exists on <q>" when a template is
 * set on path, above it or below it (q). */
int schema_template_set(schema_t *s, const char *name, const char *path, larch_error_t *err);

/* UNSET DEVICE TEMPLATE name FROM path.  513 "NO template on <path>" when
 * none is set there, 514 when another one is; 515 "Template is in use on
 * <path>" while devices below have it activated (deactivate them first). */
int schema_template_unset(schema_t *s, const char *name, const char *path, larch_error_t *err);

/* CREATE TIMESERIES USING DEVICE TEMPLATE ON path: activate the template set
 * on path or above it for the device path (creating the database like
 * schema_series_create).  513 "NO template on <path>"; 507 when the device
 * has it activated already. */
int schema_template_activate(schema_t *s, const char *path, larch_error_t *err);

/* DEACTIVATE DEVICE TEMPLATE [name] FROM p1, ...: drop the activation (and
 * the template's series) of the devices matching the patterns; name NULL
 * means any template.  The dropped series ids go to *sids.  524 when no
 * matching device has it activated. */
int schema_template_deactivate(schema_t *s, const char *name, const char *const *patterns,
			       size_t n, schema_ids_t *sids, larch_error_t *err);

typedef struct schema_template_info {
	uint32_t id;
	const char *name;
	int aligned;
	size_t nmeas;
} schema_template_info_t;

typedef int (*schema_template_cb)(void *arg, const schema_template_info_t *info);

typedef struct schema_tmpl_meas_info {
	const char *name;
	tsfile_type_t type;
	tsfile_encoding_t encoding;
	tsfile_codec_t codec;
} schema_tmpl_meas_info_t;

typedef int (*schema_tmpl_meas_cb)(void *arg, const schema_tmpl_meas_info_t *info);
typedef int (*schema_path_cb)(void *arg, const char *path, size_t len);

/* SHOW DEVICE TEMPLATES (by name). */
int schema_template_list(schema_t *s, schema_template_cb cb, void *arg, larch_error_t *err);
/* SHOW NODES IN DEVICE TEMPLATE name (in the order they were added). */
int schema_template_measurements(schema_t *s, const char *name, schema_tmpl_meas_cb cb,
				 void *arg, larch_error_t *err);
/* SHOW PATHS SET DEVICE TEMPLATE name / SHOW PATHS USING DEVICE TEMPLATE name. */
int schema_template_paths_set(schema_t *s, const char *name, schema_path_cb cb, void *arg,
			      larch_error_t *err);
int schema_template_paths_using(schema_t *s, const char *name, schema_path_cb cb, void *arg,
				larch_error_t *err);

/*---------------------------------------------------------------------------
 * The write path
 *---------------------------------------------------------------------------*/

/* A write request: the measurements of one device and the types of the
 * values being written (for string records: schema_infer_type's result). */
typedef struct schema_write {
	const char *device;
	size_t device_len;
	size_t n;
	const schema_str_t *names;
	const tsfile_type_t *types;
	int aligned;               /* the request is an insert_aligned_* */
} schema_write_t;

/* Where schema_resolve puts its answers; the arrays have w->n entries
 * (status may be NULL). */
typedef struct schema_resolved {
	uint32_t *sids;            /* series id, 0 where status[i] != LARCH_OK */
	tsfile_type_t *types;      /* the registered type (values convert to it) */
	int *status;               /* per measurement: LARCH_OK or its error code */
	uint32_t dev_id;
	uint32_t db_id;
	int aligned;               /* the device's alignment (wins over the request's) */
} schema_resolved_t;

/* Resolve a write.  Existing series are found under the reader lock with
 * two hash lookups per measurement and no allocation.  Missing ones are
 * created (auto_create on) with the value type and the default encoding and
 * compressor, after creating the database at default_db_level when none
 * covers the device; under a template-set path the template is activated
 * (and extended with measurements it lacks).  A value type is accepted when
 * the registered type can hold it (INT64 <- INT32, TIMESTAMP; FLOAT <-
 * INT32; DOUBLE <- INT32, INT64, FLOAT, TIMESTAMP; TIMESTAMP <- INT32,
 * INT64; TEXT <- STRING; STRING <- TEXT; BLOB <- TEXT, STRING).
 * Per measurement errors (IoTDB's partial insert): 508 "Path [p] does not
 * exist" (auto_create off), 507 (LARCH_METADATA_ERROR) "data type of
 * <device>.<m> is not consistent, registered type X, inserting type Y" (the caller appends ",
 * timestamp T, value V" if it reports values), 509, 506.  Returns LARCH_OK
 * when every measurement resolved, else the first failing code with its
 * message in err.  A failure of the device itself (illegal path, database
 * conflict) fails every measurement. */
int schema_resolve(schema_t *s, const schema_write_t *w, schema_resolved_t *r,
		   larch_error_t *err);

/* The type IoTDB infers for a string value (insertStringRecords, unquoted
 * SQL literals): "true"/"false" (any case) -> infer_boolean; an integer
 * that fits int64 -> infer_integer; another Java-parsable number without a
 * f/F/d/D suffix -> infer_floating; "NaN" -> infer_nan; X'..' -> BLOB;
 * "null"/"NULL" -> -1 (a null value, no type); anything else TEXT.
 * cfg may be NULL for the defaults. */
int schema_infer_type(const schema_config_t *cfg, const char *s, size_t len);

/* 1 if a value of type `from` may be written to a series of type `to`. */
int schema_type_accepts(tsfile_type_t to, tsfile_type_t from);

/*---------------------------------------------------------------------------
 * Diagnostics
 *---------------------------------------------------------------------------*/

/* A canonical text dump of the whole schema (ids, databases, templates and
 * where they are set, devices, series with all their properties), in tree
 * order; two schemas are equal iff their dumps are.  *text is mem_alloc'd
 * and NUL-terminated. */
int schema_dump(schema_t *s, char **text, size_t *len, larch_error_t *err);

#endif
