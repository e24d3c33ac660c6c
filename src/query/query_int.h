/*
 * query_int.h — the seams between the files of the SELECT executor:
 *
 *   select.c     query_select: checks of the clauses, dispatch
 *   analyze.c    the plan: SELECT/WHERE paths x FROM prefixes expanded
 *                against the schema into series grouped by device, result
 *                columns instantiated per match, display names, SLIMIT
 *   raw.c        raw-data queries, streamed in blocks (ALIGN BY TIME)
 *   device.c     raw-data ALIGN BY DEVICE
 *   aggregate.c  aggregation queries (plain, GROUP BY time / LEVEL / TAGS)
 *   last.c       SELECT LAST
 *   disalign.c   DISABLE ALIGN: a (Time, value) column pair per column
 *   rowfill.c    FILL over the rows of a raw result
 *
 * A plan owns an arena holding everything it points to; q_plan_free
 * releases it.  Series are unique in a plan (by series id); every result
 * column refers to them by index.
 */
#ifndef LARCH_QUERY_INT_H
#define LARCH_QUERY_INT_H

#include "query/expr.h"
#include "query/query.h"

#define Q_BLOCK_ROWS 4096

/* One series the query reads. */
typedef struct q_series {
	char *path;              /* canonical full path */
	char *display;           /* as result columns name it (alias path when matched by alias) */
	char *measurement;       /* raw measurement name */
	char *shown_meas;        /* measurement as named under ALIGN BY DEVICE */
	uint32_t sid;
	tsfile_type_t type;
	size_t dev;              /* index in plan->devs */
	size_t slot;             /* its column in the device's read */
	schema_kv_t *tags;       /* for GROUP BY TAGS */
	size_t ntags;
} q_series_t;

/* One device the query reads, with the series it needs (in slot order). */
typedef struct q_device {
	char *path;
	char *database;
	int aligned;
	size_t *series;          /* plan series indices */
	size_t n, cap;
} q_device_t;

/* A path of an instantiated expression: bound to one plan series.  The
 * callbacks of expr.h get &leaf->path back and recover the leaf. */
typedef struct q_leaf {
	ast_path_t path;
	size_t series;
} q_leaf_t;

/* A result column of ALIGN BY TIME: an instantiated expression (its paths
 * are q_leaf_t) with its display name. */
typedef struct q_col {
	ast_expr_t *expr;
	char *name;
	size_t series;           /* the series when expr is a bare path, else (size_t)-1 */
} q_col_t;

/* Small open-addressing map from a 64-bit key to an index. */
typedef struct q_map {
	uint64_t *keys;
	size_t *vals;
	size_t cap, n;
} q_map_t;

typedef struct q_plan {
	const query_ctx_t *ctx;
	const ast_select_t *sel;
	arena_t *arena;
	q_series_t *series;
	size_t n_series, cap_series;
	q_device_t *devs;
	size_t n_devs, cap_devs;
	q_map_t by_sid;          /* sid -> series index */
	q_map_t by_dev;          /* device id -> device index */
	q_col_t *cols;           /* result columns (ALIGN BY TIME) */
	size_t n_cols, cap_cols;
	ast_expr_t *where;       /* instantiated WHERE (ALIGN BY TIME), or NULL */
	int where_false;         /* a WHERE path matches no series: no rows */
	time_range_t *ranges;    /* time ranges of WHERE (and GROUP BY) */
	size_t n_ranges;
} q_plan_t;

/* analyze.c */
int q_plan_new(const query_ctx_t *ctx, const ast_select_t *sel, q_plan_t **out,
	       larch_error_t *err);
void q_plan_free(q_plan_t *p);
/* Add the series described by info (dedup by sid); *idx gets its index. */
int q_plan_add_series(q_plan_t *p, const schema_series_info_t *info, size_t *idx,
		      larch_error_t *err);
/* Expand every result column of an ALIGN BY TIME query into plan->cols
 * (paths x FROM prefixes x schema matches, cartesian over an expression's
 * paths), the WHERE clause into plan->where (a conjunction over its
 * instantiations), and apply SLIMIT/SOFFSET.  Aggregate calls stay in the
 * instantiated expressions with bound paths. */
int q_analyze_columns(q_plan_t *p, larch_error_t *err);
/* Instantiate e for every combination of its paths' matches (first path
 * slowest); emit gets each instance (leaves are q_leaf_t).  A path with no
 * match yields nothing. */
typedef int (*q_inst_fn)(q_plan_t *p, void *arg, ast_expr_t *inst, larch_error_t *err);
int q_analyze_instances(q_plan_t *p, const ast_expr_t *e, q_inst_fn emit, void *arg,
			larch_error_t *err);
/* plan->where := the conjunction of the WHERE clause's instances
 * (where_false when a path of it matches nothing). */
int q_analyze_where(q_plan_t *p, larch_error_t *err);
/* The series of ast path `path` (a q_leaf_t made by the analyzer). */
size_t q_leaf_series(const ast_path_t *path);
/* Display-name callbacks for expr_format: full path / measurement. */
void q_name_full(void *arg, const ast_path_t *path, buf_t *b);
void q_name_meas(void *arg, const ast_path_t *path, buf_t *b);
/* expr_bind_fn binding a leaf to its series index as the input column. */
int q_bind_series(void *arg, const ast_path_t *path, size_t *input, tsfile_type_t *type,
		  larch_error_t *err);
/* Apply SLIMIT/SOFFSET to n columns: *first and *count of those kept. */
int q_slimit(const ast_select_t *sel, size_t n, size_t *first, size_t *count,
	     larch_error_t *err);

/* Grow the arena array *arr (of *cap elements of size elem) to hold need
 * entries: capacity doubles from 16, old entries are copied.  0 ok, -1 out
 * of memory (*arr and *cap unchanged).  (analyze.c) */
int q_arena_grow(arena_t *a, void **arr, size_t *cap, size_t need, size_t elem);

/* map helpers (analyze.c) */
int q_map_put(q_map_t *m, uint64_t key, size_t val);     /* 0 ok, -1 oom */
int q_map_get(const q_map_t *m, uint64_t key, size_t *val); /* 1 found */
void q_map_free(q_map_t *m);

/* raw.c */
int q_raw_select(q_plan_t *p, query_result_t **out, larch_error_t *err);
/* 1 when the query orders by TIME DESC. */
int q_order_desc(const ast_select_t *sel);
/* A stream of rows (ascending time) of the series the instantiated
 * expressions exprs[0..n) and where (or NULL) use, merged by time across
 * devices over plan->ranges: rows where an exprs series has a value and
 * where holds, the n expressions evaluated per block.  Blocks are valid
 * until the next call. */
typedef struct q_stream q_stream_t;
int q_stream_open(q_plan_t *p, ast_expr_t *const *exprs, size_t n, const ast_expr_t *where,
		  int desc, q_stream_t **out, larch_error_t *err);
int q_stream_next(q_stream_t *st, const int64_t **times, size_t *n, const larch_column_t **cols,
		  larch_error_t *err);
tsfile_type_t q_stream_type(const q_stream_t *st, size_t i);
void q_stream_close(q_stream_t *st);

/* Rows to skip and to deliver of a result (LIMIT/OFFSET). */
typedef struct q_window {
	int64_t skip;
	int64_t left;              /* -1: unlimited */
} q_window_t;
void q_window_init(q_window_t *w, const ast_select_t *sel);
/* Of n rows available, *from is the first to deliver and the count is
 * returned (0: all skipped). */
size_t q_window_take(q_window_t *w, size_t n, size_t *from);

/* Rows [from, from + n) of block in as *out, its columns in cols (room for
 * in->n_columns). */
void q_block_slice(const larch_block_t *in, size_t from, size_t n, larch_column_t *cols,
		   larch_block_t *out);

/* rowfill.c: FILL over a raw result's rows, before OFFSET/LIMIT.  The
 * source gives the unfilled blocks (valid until its next call); desc: the
 * rows come newest first.  q_fill_next delivers filled blocks of at most
 * Q_BLOCK_ROWS rows (valid until the next call), LARCH_DONE at the end. */
typedef struct q_fill q_fill_t;
typedef int (*q_fill_src_fn)(void *arg, const larch_block_t **blk, larch_error_t *err);
int q_fill_open(const q_plan_t *p, const tsfile_type_t *types, size_t n_cols, int desc,
		q_fill_t **out, larch_error_t *err);
int q_fill_next(q_fill_t *f, q_fill_src_fn src, void *arg, const larch_block_t **out,
		larch_error_t *err);
void q_fill_free(q_fill_t *f);   /* NULL is a no-op */
/* rowfill.c: the single time-point FILL of IoTDB 0.10 (`WHERE time = T`
 * with the old per-type list or PREVIOUSUNTILLAST; plan->ranges is the one
 * point [T, T]): one row at T, each column its value there or filled by
 * the rule of its type.  LIMIT/OFFSET are the caller's to refuse.  On
 * success the plan is freed (the result is a table), as q_agg_select. */
int q_fill_point_select(q_plan_t *p, query_result_t **out, larch_error_t *err);

/* device.c: ALIGN BY DEVICE.  The layout: result columns Device, then one
 * per measurement expression (named without the device) in select-item
 * order, each item's columns in name order, the same name of one type on
 * every device (701 otherwise), SLIMIT/SOFFSET applied; per device (in
 * path order) its instances of the kept columns and its WHERE and HAVING
 * instances (ANDed).  An instance whose paths span devices is dropped. */
typedef struct q_dev_part {
	size_t dev;                /* plan device */
	ast_expr_t **exprs;        /* its columns' instantiated expressions */
	size_t *col;               /* their result columns (>= 1; 0 is Device) */
	size_t n_local;
	ast_expr_t *where;         /* or NULL */
	ast_expr_t *having;        /* or NULL */
	int no_rows;               /* no column, or a value WHERE / HAVING it lacks */
} q_dev_part_t;

typedef struct q_dev_layout {
	char **names;
	tsfile_type_t *types;
	size_t n_cols;             /* Device included */
	q_dev_part_t *dp;          /* devices in path order */
	size_t n_dp;
} q_dev_layout_t;

/* The type of an instantiated select expression (raw: its value type;
 * aggregation: its result type, registering its calls). */
typedef int (*q_dev_type_fn)(void *arg, ast_expr_t *inst, tsfile_type_t *type,
			     larch_error_t *err);
int q_device_layout(q_plan_t *p, q_dev_type_fn type, void *arg, q_dev_layout_t *out,
		    larch_error_t *err);
/* Raw ALIGN BY DEVICE. */
int q_device_select(q_plan_t *p, query_result_t **out, larch_error_t *err);

/* last.c */
int q_last_select(q_plan_t *p, query_result_t **out, larch_error_t *err);

/* aggregate.c */
int q_agg_select(q_plan_t *p, query_result_t **out, larch_error_t *err);

/* disalign.c: raw DISABLE ALIGN.  Per ALIGN BY TIME column a pair "Time"
 * (TIMESTAMP) + value, each listing that column's own non-null cells (WHERE
 * applied as for ALIGN BY TIME), OFFSET/LIMIT per pair; no time column.
 * On success the result owns the plan. */
int q_disalign_select(q_plan_t *p, query_result_t **out, larch_error_t *err);

#endif
