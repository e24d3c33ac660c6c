/*
 * ast.h — the abstract syntax tree of IoTDB's tree-model SQL, as produced by
 * the parser (parse.c, lexer.c) and consumed by the executors (src/query for
 * SELECT, src/engine for statements that change things).
 *
 * Every node lives in the arena given to ast_parse and dies with it.  Strings
 * are NUL-terminated arena copies with quotes and escapes already removed.
 * `pos` is the byte offset of the construct in the SQL text, for messages
 * ("line 1:23 ...").  Lists are arrays plus counts; an absent optional part
 * is NULL / 0 / -1 as stated beside it.
 *
 * The parser checks syntax only: it does not look at the schema, evaluate
 * time literals (their zone and precision belong to the session) or check
 * that a function exists.  Keywords are case-insensitive; identifiers keep
 * their case.
 */
#ifndef LARCH_QUERY_AST_H
#define LARCH_QUERY_AST_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "larch/tsfile.h"

/*---------------------------------------------------------------------------
 * Paths
 *---------------------------------------------------------------------------*/

/* A path or path pattern: root.ln.wf01.*, s1, `a.b`.status, root.**.
 * nodes[i] is the unquoted node name; quoted[i] != 0 when it was written in
 * backquotes (so a quoted "*" is a name, not a wildcard).  text is the
 * canonical spelling: nodes joined by '.', a node re-quoted in backquotes
 * when it is not a plain identifier (digits-only nodes stay plain, as IoTDB
 * allows them) — the form schema_* functions take.  A path in a SELECT list
 * or WHERE clause is usually a suffix (not starting with root) to be joined
 * with each FROM prefix. */
typedef struct ast_path {
	char **nodes;
	uint8_t *quoted;
	size_t n;
	char *text;
	int pos;
} ast_path_t;

/*---------------------------------------------------------------------------
 * Expressions
 *---------------------------------------------------------------------------*/

typedef enum ast_expr_kind {
	AST_E_PATH,      /* path (suffix or full; may hold * and **) */
	AST_E_TIME,      /* the column `time` / `timestamp` */
	AST_E_INT,       /* integer literal: ival (text kept for out-of-range) */
	AST_E_FLOAT,     /* decimal or exponent literal: fval */
	AST_E_STRING,    /* '...' or "..." literal: sval */
	AST_E_BOOL,      /* true / false: ival 1/0 */
	AST_E_NULL,      /* null */
	AST_E_DATETIME,  /* 2017-11-01T00:08:00.000+08:00, 2017/11/01 00:08:00 ...: sval (raw text) */
	AST_E_DURATION,  /* 1d2h30m, 100ms, 1mo: dur */
	AST_E_NOW,       /* now() */
	AST_E_STAR,      /* a bare * in count(*) or select * (select * is a PATH "*") */
	AST_E_UNARY,     /* op: AST_OP_NEG, AST_OP_NOT, AST_OP_POS; a */
	AST_E_BINARY,    /* op; a, b */
	AST_E_BETWEEN,   /* a BETWEEN b AND c; negated for NOT BETWEEN */
	AST_E_IN,        /* a IN (list...); negated for NOT IN */
	AST_E_LIKE,      /* a LIKE b (b a string); negated */
	AST_E_REGEXP,    /* a REGEXP b; negated */
	AST_E_IS_NULL,   /* a IS NULL; negated for IS NOT NULL */
	AST_E_FUNC,      /* name(args..., 'k'='v'...); CAST(a AS type) has cast_type */
	AST_E_CASE,      /* CASE [a] WHEN list[2i] THEN list[2i+1] ... ELSE b END */
	AST_E_BLOB       /* X'0a1b' binary literal: bytes/n_bytes; sval the text as written */
} ast_expr_kind_t;

typedef enum ast_op {
	AST_OP_NEG, AST_OP_POS, AST_OP_NOT,
	AST_OP_ADD, AST_OP_SUB, AST_OP_MUL, AST_OP_DIV, AST_OP_MOD,
	AST_OP_EQ, AST_OP_NE, AST_OP_LT, AST_OP_LE, AST_OP_GT, AST_OP_GE,
	AST_OP_AND, AST_OP_OR
} ast_op_t;

/* A duration literal: months (from the `mo` unit, calendar months) plus the
 * rest in nanoseconds (y = 365 d, w = 7 d, d, h, m, s, ms, us, ns). */
typedef struct ast_duration {
	int64_t months;
	int64_t nanos;
} ast_duration_t;

typedef struct ast_kv {          /* 'key'='value' or key=value */
	char *key;
	char *value;
	int pos;
} ast_kv_t;

typedef struct ast_expr ast_expr_t;

struct ast_expr {
	ast_expr_kind_t kind;
	int pos;
	ast_op_t op;
	int negated;                 /* NOT BETWEEN / NOT IN / NOT LIKE / NOT REGEXP / IS NOT NULL */
	int64_t ival;
	double fval;
	char *sval;                  /* STRING, DATETIME (raw), INT (raw digits), FUNC name (as written);
	                              * also FLOAT (raw text).  A unary minus before a number is folded
	                              * into the literal (sval then starts with '-'); an integer beyond
	                              * int64 is a FLOAT whose sval keeps the digits */
	ast_duration_t dur;
	ast_path_t *path;            /* PATH */
	ast_expr_t *a, *b, *c;       /* operands (CASE: a = case operand or NULL, b = ELSE or NULL) */
	ast_expr_t **list;           /* IN list, FUNC args, CASE when/then pairs */
	size_t n_list;
	ast_kv_t *attrs;             /* FUNC attributes 'k'='v' after the args */
	size_t n_attrs;
	int distinct;                /* FUNC: count(distinct x) */
	tsfile_type_t cast_type;     /* FUNC CAST: target type */
	uint8_t *bytes;              /* BLOB: the decoded bytes (may hold 0x00; NULL when empty) */
	size_t n_bytes;
};

/*---------------------------------------------------------------------------
 * SELECT
 *---------------------------------------------------------------------------*/

typedef struct ast_result_col {
	ast_expr_t *expr;
	char *alias;                 /* AS alias, or NULL */
} ast_result_col_t;

typedef enum ast_align {
	AST_ALIGN_TIME,              /* default */
	AST_ALIGN_DEVICE,            /* ALIGN BY DEVICE (and the old GROUP BY DEVICE) */
	AST_ALIGN_DISABLE            /* DISABLE ALIGN */
} ast_align_t;

/* GROUP BY ([start, end), interval[, step]) or ((start, end], interval...).
 * start/end are expressions (integers, datetime literals, now() - 1d ...);
 * interval and step are durations (a bare integer is in the precision's
 * units: parsed as AST_E_INT).  step NULL = interval. */
typedef struct ast_group_time {
	ast_expr_t *start, *end;
	ast_expr_t *interval, *step;
	int left_open;               /* ((start, end], ...): windows are (a, b] */
	int pos;
} ast_group_time_t;

typedef enum ast_fill_kind {
	AST_FILL_NONE,
	AST_FILL_PREVIOUS,           /* FILL(PREVIOUS[, bound]) */
	AST_FILL_LINEAR,             /* FILL(LINEAR[, before, after]) */
	AST_FILL_VALUE,              /* FILL(constant) */
	AST_FILL_OLD,                /* old per-type form: fill(int32[previous, 1m], double[linear, 1m, 1m], ...) */
	AST_FILL_PREVIOUSUNTILLAST   /* FILL(PREVIOUSUNTILLAST[, bound]) (0.12-0.13): before = bound */
} ast_fill_kind_t;

typedef enum ast_fill_method {
	AST_FM_PREVIOUS, AST_FM_PREVIOUSUNTILLAST, AST_FM_LINEAR, AST_FM_VALUE
} ast_fill_method_t;

/* One entry of the old per-type FILL list: type[method, ranges...]. */
typedef struct ast_fill_item {
	tsfile_type_t type;
	ast_fill_method_t method;
	ast_expr_t *value;           /* AST_FM_VALUE: the constant */
	ast_expr_t *before, *after;  /* durations or NULL (PREVIOUS uses before only) */
	int pos;
	int all;                     /* the type was written ALL (every type); `type` is then 0 */
} ast_fill_item_t;

typedef struct ast_fill {
	ast_fill_kind_t kind;
	ast_expr_t *value;           /* VALUE: the constant */
	ast_expr_t *before, *after;  /* PREVIOUS: before = time bound; LINEAR: both; or NULL */
	ast_fill_item_t *items;      /* OLD form */
	size_t n_items;
	int pos;
} ast_fill_t;

typedef struct ast_order_item {
	ast_expr_t *expr;            /* AST_E_TIME for ORDER BY TIME; a PATH "device" for ORDER BY DEVICE */
	int desc;
	int nulls_first;             /* -1 unspecified, 0 NULLS LAST, 1 NULLS FIRST */
} ast_order_item_t;

typedef struct ast_select {
	int last;                    /* SELECT LAST ... */
	ast_result_col_t *cols;
	size_t n_cols;
	ast_path_t **from;           /* FROM prefixes */
	size_t n_from;
	ast_expr_t *where;           /* or NULL */
	ast_group_time_t *group_time;/* or NULL */
	int *group_levels;           /* GROUP BY LEVEL = 1, 2 (with or without time) */
	size_t n_group_levels;
	char **group_tags;           /* GROUP BY TAGS(k1, k2) */
	size_t n_group_tags;
	ast_expr_t *having;          /* or NULL */
	ast_fill_t fill;             /* kind NONE when absent */
	ast_order_item_t *order;
	size_t n_order;
	int64_t limit, offset;       /* -1 when absent */
	int64_t slimit, soffset;     /* -1 when absent */
	ast_align_t align;
	int pos;
} ast_select_t;

/*---------------------------------------------------------------------------
 * Statements
 *---------------------------------------------------------------------------*/

typedef enum ast_stmt_kind {
	AST_SELECT,
	AST_INSERT,
	AST_DELETE_DATA,             /* DELETE FROM paths [WHERE time ...] */
	AST_DELETE_PARTITION,        /* DELETE PARTITION db ids */
	AST_CREATE_DATABASE,         /* CREATE DATABASE / SET|CREATE STORAGE GROUP [TO] p [WITH k=v...] */
	AST_DROP_DATABASE,           /* DELETE|DROP DATABASE|STORAGE GROUP p, p */
	AST_SHOW_DATABASES,          /* SHOW DATABASES|STORAGE GROUP [p] [DETAILS] */
	AST_COUNT_DATABASES,
	AST_CREATE_TIMESERIES,       /* one series, long or short form */
	AST_CREATE_ALIGNED_TIMESERIES, /* device(m TYPE ..., m TYPE ...) */
	AST_DROP_TIMESERIES,         /* DELETE|DROP TIMESERIES p, p */
	AST_ALTER_TIMESERIES,
	AST_SHOW_TIMESERIES,         /* [LATEST] */
	AST_COUNT_TIMESERIES,
	AST_SHOW_DEVICES,
	AST_COUNT_DEVICES,
	AST_SHOW_CHILD_PATHS,
	AST_SHOW_CHILD_NODES,
	AST_COUNT_NODES,
	AST_CREATE_TEMPLATE,         /* CREATE DEVICE|SCHEMA TEMPLATE t [ALIGNED] (m TYPE ..., ...) */
	AST_ALTER_TEMPLATE,          /* ALTER DEVICE|SCHEMA TEMPLATE t ADD (...) */
	AST_DROP_TEMPLATE,
	AST_SET_TEMPLATE,            /* SET DEVICE TEMPLATE t TO p */
	AST_UNSET_TEMPLATE,          /* UNSET DEVICE TEMPLATE t FROM p */
	AST_ACTIVATE_TEMPLATE,       /* CREATE TIMESERIES OF|USING DEVICE TEMPLATE ON p */
	AST_DEACTIVATE_TEMPLATE,     /* DEACTIVATE DEVICE TEMPLATE [t] FROM p, p / DELETE TIMESERIES OF ... */
	AST_SHOW_TEMPLATES,          /* SHOW DEVICE|SCHEMA TEMPLATES */
	AST_SHOW_TEMPLATE_NODES,     /* SHOW NODES IN DEVICE TEMPLATE t */
	AST_SHOW_PATHS_SET_TEMPLATE, /* SHOW PATHS SET DEVICE TEMPLATE t */
	AST_SHOW_PATHS_USING_TEMPLATE, /* SHOW PATHS USING DEVICE TEMPLATE t */
	AST_SET_TTL,                 /* SET TTL TO p n|INF */
	AST_UNSET_TTL,               /* UNSET TTL TO|FROM p */
	AST_SHOW_TTL,                /* SHOW TTL ON p, p / SHOW ALL TTL (n_paths 0) */
	AST_FLUSH,                   /* FLUSH [p, p] [TRUE|FALSE] */
	AST_SHOW_VERSION,
	AST_CREATE_USER,             /* CREATE USER name 'password': name, password */
	AST_DROP_USER,               /* DROP USER name */
	AST_ALTER_USER_PASSWORD,     /* ALTER USER name SET PASSWORD 'password' */
	AST_LIST_USER                /* LIST USER */
} ast_stmt_kind_t;

/* One measurement definition: CREATE TIMESERIES, aligned lists, templates.
 * encoding / codec -1 when not given (the executor picks defaults). */
typedef struct ast_meas_def {
	ast_path_t *path;            /* full path (CREATE TIMESERIES) or measurement name */
	char *alias;                 /* or NULL */
	tsfile_type_t type;
	int encoding;                /* tsfile_encoding_t or -1 */
	int codec;                   /* tsfile_codec_t or -1 */
	ast_kv_t *props;             /* other WITH properties (e.g. MAX_POINT_NUMBER) */
	size_t n_props;
	ast_kv_t *tags;
	size_t n_tags;
	ast_kv_t *attrs;
	size_t n_attrs;
	int pos;
} ast_meas_def_t;

/* INSERT INTO device(time, m1, m2) [ALIGNED] VALUES (...), (...).
 * has_time 0 when the column list has no time/timestamp: each row then has
 * n_meas values and the server time is used.  rows[r] has n_meas + has_time
 * literal expressions (time first when present). */
typedef struct ast_insert {
	ast_path_t *device;
	char **meas;                 /* measurement names (unquoted) */
	uint8_t *meas_quoted;
	size_t n_meas;
	int has_time;
	int aligned;
	ast_expr_t ***rows;
	size_t n_rows;
} ast_insert_t;

/* Filters of SHOW/COUNT TIMESERIES and SHOW DEVICES:
 * WHERE TAGS(k) = v | TAGS(k) CONTAINS v | k = v (old form) | TIMESERIES
 * CONTAINS 's' | DEVICE CONTAINS 's' | DATATYPE = t | ... */
typedef enum ast_show_where_kind {
	AST_SW_NONE, AST_SW_TAG_EQ, AST_SW_TAG_CONTAINS, AST_SW_PATH_CONTAINS,
	AST_SW_DATATYPE, AST_SW_TEMPLATE
} ast_show_where_kind_t;

typedef struct ast_show_where {
	ast_show_where_kind_t kind;
	char *key;                   /* tag key */
	char *value;                 /* tag value / substring / template name */
	tsfile_type_t type;          /* DATATYPE = */
	int negated;                 /* DATATYPE != / TEMPLATE IS NULL ... */
} ast_show_where_t;

typedef enum ast_alter_kind {
	AST_ALTER_RENAME,            /* RENAME old TO new (tag or attribute key) */
	AST_ALTER_SET,               /* SET k=v, ...   (existing tags or attributes) */
	AST_ALTER_DROP,              /* DROP k, ... */
	AST_ALTER_ADD_TAGS,          /* ADD TAGS k=v, ... */
	AST_ALTER_ADD_ATTRIBUTES,    /* ADD ATTRIBUTES k=v, ... */
	AST_ALTER_UPSERT             /* UPSERT [ALIAS=a] [TAGS(...)] [ATTRIBUTES(...)] */
} ast_alter_kind_t;

typedef struct ast_alter {
	ast_alter_kind_t kind;
	char *old_key, *new_key;     /* RENAME */
	ast_kv_t *kvs;               /* SET, ADD_*; DROP: keys in kvs[i].key */
	size_t n_kvs;
	char *alias;                 /* UPSERT ALIAS or NULL */
	ast_kv_t *tags, *attrs;      /* UPSERT */
	size_t n_tags, n_attrs;
} ast_alter_t;

typedef struct ast_stmt {
	ast_stmt_kind_t kind;
	int pos;
	ast_select_t *select;        /* AST_SELECT */
	ast_insert_t *insert;        /* AST_INSERT */
	ast_path_t **paths;          /* the path list of most statements */
	size_t n_paths;
	ast_expr_t *where;           /* DELETE FROM ... WHERE */
	ast_meas_def_t *defs;        /* CREATE [ALIGNED] TIMESERIES, CREATE/ALTER TEMPLATE */
	size_t n_defs;
	ast_path_t *device;          /* CREATE ALIGNED TIMESERIES device */
	char *name;                  /* template or user name (or NULL) */
	int aligned;                 /* CREATE TEMPLATE ... ALIGNED */
	ast_alter_t alter;           /* ALTER TIMESERIES */
	ast_show_where_t show_where; /* SHOW/COUNT TIMESERIES, SHOW DEVICES */
	int latest;                  /* SHOW LATEST TIMESERIES */
	int details;                 /* SHOW DATABASES DETAILS */
	int with_database;           /* SHOW DEVICES ... WITH DATABASE|STORAGE GROUP */
	int level;                   /* COUNT ... GROUP BY LEVEL = n, COUNT NODES ... LEVEL = n; -1 */
	int64_t limit, offset;       /* SHOW ... LIMIT/OFFSET; -1 when absent */
	int64_t *ids;                /* DELETE PARTITION ids */
	size_t n_ids;
	ast_expr_t *ttl;             /* SET TTL value (INT; or NULL for INF) */
	int flush_seq;               /* FLUSH ... TRUE (1) / FALSE (0) / absent (-1) */
	ast_kv_t *props;             /* CREATE DATABASE ... WITH k=v */
	size_t n_props;
	char *password;              /* CREATE USER, ALTER USER ... SET PASSWORD (name: the user) */
} ast_stmt_t;

/* Parse one statement (an optional trailing ';' is allowed; anything after
 * it is an error).  On success *out points into `arena`.  Errors:
 * LARCH_PARSE_ERROR (700) with "line L:C" and what was expected/found,
 * LARCH_SEMANTIC_ERROR (701) with "line L:C" and IoTDB's message for the
 * LIMIT/OFFSET/SLIMIT/SOFFSET range checks, an INSERT row whose value
 * count differs from its column list and a bad X'..' binary literal (a
 * character that is not a hex digit, an odd digit count), LARCH_NO_MEMORY.
 * Never crashes or recurses without bound (nesting deeper than
 * AST_MAX_DEPTH is a parse error). */
#define AST_MAX_DEPTH 200
int ast_parse(const char *sql, size_t len, arena_t *arena, ast_stmt_t **out,
	      larch_error_t *err);

/* Split a script into statements at top-level ';' (not inside quotes or
 * comments).  Calls cb(arg, start, len) per non-empty statement (trimmed,
 * without the ';').  Stops at and returns a non-zero cb result. */
int ast_split(const char *sql, size_t len, int (*cb)(void *arg, const char *s, size_t n),
	      void *arg);

/* Decode the hex digits of a binary literal, hex[0..len) being what stands
 * between X' and ' (IoTDB's BinaryLiteral: whitespace is skipped, digits
 * of either case, pairs make bytes).  out must hold (len + 1) / 2 bytes;
 * *n gets the byte count.  Returns 0, 1 for a character that is not a hex
 * digit or whitespace, 2 for an odd number of digits. */
int ast_hex_decode(const char *hex, size_t len, uint8_t *out, size_t *n);

/* "line L:C" position text of byte offset pos in sql, into out (size n). */
void ast_pos_text(const char *sql, size_t len, int pos, char *out, size_t n);

#endif
