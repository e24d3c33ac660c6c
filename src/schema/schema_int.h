/*
 * schema_int.h — the seams between the files of src/schema.  Not for use
 * outside the files of src/schema.
 *
 * Memory layout (what makes a series cost ~27 bytes, see bench/schema_bench.c):
 *   - every name (node, measurement, alias, tag key/value) is interned once
 *     (intern_t) and referred to by a uint32 id;
 *   - nodes, devices and series live in paged arrays (pvec_t) indexed by
 *     node index / device id / series id: no per-object malloc header;
 *   - child tables and measurement tables are open-addressing maps of
 *     uint32 pairs (map_*), one allocation per table;
 *   - a series record is 16 bytes; tags, attributes and properties (rare)
 *     sit in a side table keyed by series id.
 * Ids are never reused; a deleted series or device leaves a zeroed record.
 */
#ifndef LARCH_SCHEMA_INT_H
#define LARCH_SCHEMA_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/base.h"
#include "schema/schema.h"

/*---------------------------------------------------------------------------
 * Hashing and uint32 maps (map.c)
 *---------------------------------------------------------------------------*/

/* FNV-1a over bytes, streaming: h = hash_init(); h = hash_feed(h, p, n)...;
 * hash_final(h) is never 0 (0 marks an empty map slot). */
static inline uint32_t hash_init(void) { return 2166136261u; }
static inline uint32_t hash_feed(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = (const uint8_t *)p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}
static inline uint32_t hash_final(uint32_t h) { return h ? h : 1; }
static inline uint32_t hash_bytes(const void *p, size_t n)
{
	return hash_final(hash_feed(hash_init(), p, n));
}

/*
 * A map from non-zero uint32 keys to uint32 values: open addressing with
 * linear probing and backward-shift deletion, load factor at most 4/5.
 * Layout of the single allocation (NULL is the empty map):
 *
 *   word 0      capacity (power of two, >= 4)
 *   word 1      number of entries
 *   word 2+2i   key of slot i (0: empty)
 *   word 3+2i   value of slot i
 *
 * A key may occur several times (map_scan walks them).  Only map_reserve
 * allocates: callers reserve before they change anything, so puts and
 * deletes cannot fail.
 */
#define MAP_KEY(m, i) ((m)[2 + 2 * (size_t)(i)])
#define MAP_VAL(m, i) ((m)[3 + 2 * (size_t)(i)])
#define MAP_SCAN_START UINT32_MAX

static inline uint32_t map_cap(const uint32_t *m) { return m ? m[0] : 0; }
static inline uint32_t map_count(const uint32_t *m) { return m ? m[1] : 0; }

int map_reserve(uint32_t **m, uint32_t extra);       /* 0, or -1 out of memory */
uint32_t map_get(const uint32_t *m, uint32_t key);   /* value of one entry, 0 if none */
/* Next value stored under key, probing from *pos (MAP_SCAN_START first);
 * 0 when there are no more. */
uint32_t map_scan(const uint32_t *m, uint32_t key, uint32_t *pos);
void map_put(uint32_t *m, uint32_t key, uint32_t val); /* needs a prior reserve */
int map_del(uint32_t *m, uint32_t key, uint32_t val);  /* val 0: any; 1 if removed */
void map_free(uint32_t **m);

/* A paged array of fixed-size zeroed elements: element i lives at a stable
 * address once pvec_reserve(v, i) succeeded. */
typedef struct pvec {
	uint8_t **pages;
	uint32_t npages;
	uint16_t shift;        /* log2 of elements per page */
	uint16_t esize;
} pvec_t;

static inline void *pvec_at(const pvec_t *v, uint32_t i)
{
	return v->pages[i >> v->shift] + (size_t)(i & ((1u << v->shift) - 1)) * v->esize;
}
static inline int pvec_has(const pvec_t *v, uint32_t i)
{
	return (i >> v->shift) < v->npages && v->pages[i >> v->shift];
}
void pvec_init(pvec_t *v, unsigned shift, size_t esize);
int pvec_reserve(pvec_t *v, uint32_t i);               /* 0, or -1 out of memory */
void pvec_free(pvec_t *v);

/*---------------------------------------------------------------------------
 * Interned names (intern.c)
 *---------------------------------------------------------------------------*/

typedef struct intern {
	uint8_t **chunks;      /* 64 KiB shared chunks, or one per long string */
	uint32_t nchunks, capchunks;
	uint32_t cur;          /* shared chunk being filled (UINT32_MAX: none) */
	uint32_t used;         /* bytes used in chunks[cur] */
	uint32_t *loc;         /* loc[id] = chunk << 16 | offset; id 0 unused */
	uint32_t n, cap;       /* ids in use are 1..n-1 */
	uint32_t *map;         /* hash -> id */
} intern_t;

void intern_init(intern_t *t);
void intern_free(intern_t *t);
/* The id of s, 0 if it was never interned. */
uint32_t intern_find(const intern_t *t, const char *s, size_t len);
/* Intern s (len <= SCHEMA_MAX_NAME): LARCH_OK or LARCH_NO_MEMORY. */
int intern_add(intern_t *t, const char *s, size_t len, uint32_t *id);
/* The NUL-terminated bytes of id and their length. */
const char *intern_str(const intern_t *t, uint32_t id, uint32_t *len);

/*---------------------------------------------------------------------------
 * Paths and patterns (path.c)
 *---------------------------------------------------------------------------*/

enum {
	PK_NAME,     /* a plain or quoted name */
	PK_STAR,     /* *: any one node */
	PK_DSTAR,    /* **: one or more nodes */
	PK_PREFIX,   /* ab*: a node beginning with ab */
	PK_SUFFIX,   /* *ab: a node ending with ab */
	PK_INFIX     /* *ab*: a node containing ab */
};

typedef struct pname {
	const char *s;         /* raw name (quotes removed); the fixed part for globs */
	uint32_t len;
	uint8_t kind;
	uint8_t quoted;        /* written between back-quotes */
} pname_t;

typedef struct ppath {
	uint32_t n;
	pname_t node[SCHEMA_MAX_DEPTH];
	char *heap;            /* unescaped names that did not fit small */
	size_t used;
	char small[256];
} ppath_t;

/* Parse text into pp (which must be released with path_done).  Wildcards
 * are accepted only when pattern is set.  509 "<text> is not a legal path"
 * on any syntax error; LARCH_NO_MEMORY. */
int path_parse(const char *text, size_t len, int pattern, ppath_t *pp, larch_error_t *err);
void path_done(ppath_t *pp);
/* 1 if the name can be written bare (else it is back-quoted). */
int name_is_plain(const char *s, size_t len);
/* 1 for the reserved measurement names time and timestamp (any case). */
int name_is_reserved(const char *s, size_t len);
/* Append name to b in canonical form (back-quoted if not plain). */
void path_put_name(buf_t *b, const char *s, size_t len);
/* Feed the canonical form of name into a running hash. */
uint32_t path_hash_name(uint32_t h, const char *s, size_t len);
int pname_match(const pname_t *p, const char *s, size_t len);
/* Split a path that contains no back-quote at its dots; 0 when it has a
 * back-quote, an empty node or too many nodes. */
int path_split_plain(const char *text, size_t len, schema_str_t *names, uint32_t *n);
/* Append the canonical text of names[0..n) (names[0] is root). */
void path_format(buf_t *b, const pname_t *names, uint32_t n);
/* Parse one node name (bare, or back-quoted): 0 with the raw name in *out
 * (*copy, if set, is a mem_alloc'd buffer holding it), -1 if it is not a
 * legal name, -2 out of memory. */
int name_parse(const char *text, size_t len, schema_str_t *out, char **copy);

/*---------------------------------------------------------------------------
 * The schema state (tree.c)
 *---------------------------------------------------------------------------*/

#define NODE_ROOT 0u
#define NODE_NONE UINT32_MAX
#define NF_QUOTE 1u           /* the node name must be back-quoted */

typedef struct tnode {
	uint32_t *kids;        /* map child name id -> node index */
	uint32_t name;
	uint32_t parent;       /* NODE_NONE for root; next free index when free */
	uint32_t dev;          /* device id, 0 if the node is no device */
	uint32_t db;           /* database id, 0 if the node is no database */
	uint16_t tmpl;         /* template set on this node, 0 if none */
	uint16_t flags;
} tnode_t;

typedef struct device {
	uint32_t *meas;        /* map name/alias id -> sid (| SID_ALIAS for aliases) */
	uint32_t node;         /* 0: no such device */
	uint32_t nseries;
	uint16_t tmpl;         /* activated template, 0 if none */
	uint8_t aligned;
	uint8_t pad;
} device_t;

#define SID_ALIAS 0x80000000u
#define SF_TMPL 1u             /* created from the device's template */
#define SF_EXTRAS 2u           /* has tags/attributes/properties */

typedef struct series {
	uint32_t name;         /* 0: no such series */
	uint32_t dev;
	uint32_t alias;        /* 0: none */
	uint8_t type, enc, codec, flags;
} series_t;

typedef struct tmeas {
	uint32_t name;
	uint8_t type, enc, codec, pad;
} tmeas_t;

typedef struct tmpl {
	uint32_t name;         /* 0: no such template */
	uint32_t n, cap;
	tmeas_t *ms;
	uint32_t nset;         /* nodes it is set on */
	uint32_t nused;        /* devices it is activated on */
	uint8_t aligned;
} tmpl_t;

typedef struct tagent {
	uint32_t key, val;     /* interned tag key and value */
	uint32_t *sids;        /* map sid -> 1: the series carrying key=val */
} tagent_t;

/* Extras of a series: uint32 words, intern ids in key/value pairs.
 *   [0] ntags [1] nattrs [2] nprops, then 2*ntags, 2*nattrs, 2*nprops ids */
#define EX_NT(x) ((x)[0])
#define EX_NA(x) ((x)[1])
#define EX_NP(x) ((x)[2])
#define EX_TAGS(x) ((x) + 3)
#define EX_ATTRS(x) ((x) + 3 + 2 * (size_t)(x)[0])
#define EX_PROPS(x) ((x) + 3 + 2 * (size_t)(x)[0] + 2 * (size_t)(x)[1])
#define EX_WORDS(nt, na, np) (3 + 2 * ((size_t)(nt) + (na) + (np)))

struct schema {
	pthread_rwlock_t lock;
	pthread_mutex_t snap_mu;   /* one snapshot at a time */
	schema_config_t cfg;
	intern_t names;

	pvec_t nodes;              /* tnode_t by node index; 0 is root */
	uint32_t node_hw;          /* node indices handed out */
	uint32_t node_free;        /* free list head (NODE_NONE: empty) */
	pvec_t devs;               /* device_t by device id */
	uint32_t next_dev;
	pvec_t sers;               /* series_t by series id */
	uint32_t next_sid;
	uint32_t *devhash;         /* hash of canonical device path -> device id */
	uint32_t *dbs;             /* dbs[id] = node of database id, 0 if none */
	int64_t *db_ttl;           /* db_ttl[id]: TTL of database id, 0 = none (cap_db) */
	uint32_t next_db, cap_db;
	tmpl_t *tmpls;             /* by template id */
	uint32_t next_tid, cap_tmpl;

	uint32_t *extmap;          /* sid -> extras slot */
	pvec_t exts;               /* uint32_t * by extras slot; free slots chained */
	uint32_t ext_hw, ext_free;
	uint32_t *tagmap;          /* hash(key, val) -> tag entry index + 1 */
	pvec_t tags;               /* tagent_t */
	uint32_t ntags;

	uint64_t live_series, live_devs, live_dbs, live_tmpls;

	/* persistence (log.c); dir NULL: in memory only */
	char *dir;
	int logfd;
	uint64_t log_size;         /* bytes in the log file */
	_Atomic uint64_t log_bytes; /* entry bytes since the last snapshot */
	uint64_t seq;              /* sequence number of the last entry */
	int broken;                /* a failed log write could not be undone */
};

static inline tnode_t *node_at(const schema_t *s, uint32_t i) { return pvec_at(&s->nodes, i); }
static inline device_t *dev_at(const schema_t *s, uint32_t id) { return pvec_at(&s->devs, id); }
static inline series_t *ser_at(const schema_t *s, uint32_t sid) { return pvec_at(&s->sers, sid); }
static inline const char *name_of(const schema_t *s, uint32_t id, uint32_t *len)
{
	return intern_str(&s->names, id, len);
}
/* The live device / series with that id, or NULL. */
device_t *dev_get(const schema_t *s, uint32_t id);
series_t *ser_get(const schema_t *s, uint32_t sid);

int tree_init(schema_t *s);
void tree_free(schema_t *s);
/* The child of node called name_id, NODE_NONE if none. */
uint32_t node_child(const schema_t *s, uint32_t node, uint32_t name_id);
/* Walk from root along names (names[0] is root), creating missing nodes;
 * *out gets the last node.  On failure the nodes it created are removed. */
int node_ensure(schema_t *s, const pname_t *names, uint32_t n, uint32_t *out);
/* Find the node of a parsed path, NODE_NONE if it does not exist. */
uint32_t node_find(const schema_t *s, const pname_t *names, uint32_t n);
/* Remove node and its empty ancestors while they hold nothing (no
 * children, device, database or template).  Never allocates. */
void node_gc(schema_t *s, uint32_t node);
/* Depth of node (root 0) and its chain from root: chain[0..depth]. */
uint32_t node_chain(const schema_t *s, uint32_t node, uint32_t chain[SCHEMA_MAX_DEPTH]);
/* Append the canonical path of node to b. */
void node_path(const schema_t *s, uint32_t node, buf_t *b);
/* The database node at or above node, NODE_NONE if none. */
uint32_t node_db(const schema_t *s, uint32_t node);
/* The node at or above node with a template set, NODE_NONE if none. */
uint32_t node_tmpl_above(const schema_t *s, uint32_t node);
/* Call fn on node and every node below it (pre-order) until it returns
 * non-zero; returns that value, or 0. */
typedef int (*node_fn)(const schema_t *s, uint32_t node, void *arg);
int node_walk(const schema_t *s, uint32_t node, node_fn fn, void *arg);
/* 1 if node or a node below it has a template set (*where: the first
 * found) / holds a series or an activated template. */
int node_tmpl_below(const schema_t *s, uint32_t node, uint32_t *where);
int node_has_series_below(const schema_t *s, uint32_t node);

/* Devices: dev_create reserves then commits (atomic); dev_drop_if_empty
 * removes a device with no series and no template, then its empty nodes. */
int dev_create(schema_t *s, uint32_t node, uint32_t dev_id, int aligned);
void dev_drop_if_empty(schema_t *s, uint32_t dev_id);
/* Forget device id (its series must be gone), leaving its node. */
void dev_remove(schema_t *s, uint32_t dev_id);
/* The device whose canonical path renders names (names[0] = root);
 * plain: names came from a path without back-quotes, so a node needing
 * quotes cannot match.  0 if none. */
uint32_t dev_lookup(const schema_t *s, const schema_str_t *names, uint32_t n, uint32_t hash,
		    int plain);

/* Series: ser_create is atomic (reserves, then commits); extras is taken
 * over on success.  ser_remove never fails. */
int ser_create(schema_t *s, uint32_t dev_id, uint32_t sid, uint32_t name, uint32_t alias,
	       const uint8_t tec[3], unsigned flags, uint32_t *extras);
void ser_remove(schema_t *s, uint32_t sid);
/* The series of device dev named (or aliased) name_id: sid | SID_ALIAS
 * for an alias, 0 if none. */
static inline uint32_t dev_meas(const device_t *d, uint32_t name_id)
{
	return map_get(d->meas, name_id);
}
/* Change the alias of sid (reserve first: dev_alias_reserve). */
int dev_alias_reserve(schema_t *s, uint32_t dev_id);
void ser_set_alias(schema_t *s, uint32_t sid, uint32_t alias);

/*---------------------------------------------------------------------------
 * Tags, attributes, properties (tags.c)
 *---------------------------------------------------------------------------*/

uint32_t *ext_get(const schema_t *s, uint32_t sid);
/* Make room to attach one extras block and index its tags. */
int ext_reserve(schema_t *s, const uint32_t *x);
void ext_attach(schema_t *s, uint32_t sid, uint32_t *x);   /* after ext_reserve */
uint32_t *ext_detach(schema_t *s, uint32_t sid);           /* never fails */
void ext_free_all(schema_t *s);
/* Call cb for every live series whose tag key has a value equal to value
 * (contains == 0) or containing it. */
void tag_scan(const schema_t *s, uint32_t key, const char *value, int contains,
	      void (*cb)(void *arg, uint32_t sid), void *arg);

/*---------------------------------------------------------------------------
 * Templates (template.c)
 *---------------------------------------------------------------------------*/

static inline tmpl_t *tmpl_get(const schema_t *s, uint32_t tid)
{
	return tid && tid < s->cap_tmpl && s->tmpls[tid].name ? &s->tmpls[tid] : NULL;
}
uint32_t tmpl_by_name(const schema_t *s, const char *name, size_t len);
int tmpl_meas_index(const tmpl_t *t, uint32_t name_id);
int tmpl_create(schema_t *s, uint32_t tid, uint32_t name, int aligned);
int tmpl_append(schema_t *s, uint32_t tid, const tmeas_t *ms, uint32_t n);
void tmpl_truncate(schema_t *s, uint32_t tid, uint32_t n);
void tmpl_destroy(schema_t *s, uint32_t tid);

/*---------------------------------------------------------------------------
 * Operations: encoding, apply, undo (ops.c)
 *---------------------------------------------------------------------------*/

enum {
	OP_META = 1,
	OP_DB_CREATE = 2,
	OP_DB_DELETE = 3,
	OP_SERIES_CREATE = 4,
	OP_SERIES_DELETE = 5,
	OP_SERIES_ALTER = 6,
	OP_TMPL_CREATE = 7,
	OP_TMPL_EXTEND = 8,
	OP_TMPL_DROP = 9,
	OP_TMPL_SET = 10,
	OP_TMPL_UNSET = 11,
	OP_TMPL_DEACTIVATE = 12,
	OP_END = 13,
	OP_DB_TTL = 14
};

/* What undoing one applied operation needs. */
typedef struct undo {
	uint8_t op;
	uint8_t dev_new, act_new;
	uint32_t id;           /* db id, device id, template id, node */
	uint32_t progress;     /* series created so far */
	uint32_t base;         /* OP_TMPL_EXTEND: first series id */
	uint32_t old_n;        /* template size before OP_TMPL_EXTEND */
	uint32_t old_alias;
	uint32_t *old_extras;  /* OP_SERIES_ALTER: the extras replaced */
	const uint8_t *at;     /* the encoded operation */
	size_t len;
} undo_t;

/* One series of OP_SERIES_CREATE, decoded. */
typedef struct op_series {
	uint32_t sid;
	schema_str_t name, alias;
	uint8_t type, enc, codec, flags;
	uint32_t nt, na, np;   /* kv counts; the strings follow in the encoding */
} op_series_t;

/* Encoders: append one operation to b (errors are sticky in b->oom). */
void op_put_str(buf_t *b, const char *p, size_t n);
void op_db_create(buf_t *b, uint32_t db_id, const char *path, size_t len);
void op_db_ttl(buf_t *b, uint32_t db_id, int64_t ttl);
void op_one(buf_t *b, int op, uint32_t id);   /* DB_DELETE, TMPL_DROP */
void op_series_create_head(buf_t *b, uint32_t dev_id, const char *path, size_t len,
			   int aligned, uint32_t tmpl, uint32_t n);
void op_series_item(buf_t *b, uint32_t sid, const char *name, size_t nlen, const char *alias,
		    size_t alen, const uint8_t tec[3], unsigned flags,
		    const schema_kv_t *t, size_t nt, const schema_kv_t *a, size_t na,
		    const schema_kv_t *p, size_t np);
void op_series_item_x(buf_t *b, const schema_t *s, uint32_t sid, const series_t *sr);
void op_ids(buf_t *b, int op, const uint32_t *ids, size_t n);
void op_series_alter(buf_t *b, uint32_t sid, const char *alias, size_t alen,
		     const schema_kv_t *t, size_t nt, const schema_kv_t *a, size_t na);
void op_tmpl_create(buf_t *b, uint32_t tid, const char *name, int aligned,
		    const tmeas_t *ms, uint32_t n, const schema_t *s);
void op_tmpl_extend(buf_t *b, uint32_t tid, uint32_t sid_base, const tmeas_t *ms, uint32_t n,
		    const schema_t *s);
void op_tmpl_path(buf_t *b, int op, uint32_t tid, const char *path, size_t len);
void op_meta(buf_t *b, const schema_t *s);

/* Replay state: META and END appear only in snapshots. */
typedef struct replay {
	uint64_t snap_seq;     /* META: sequence number the snapshot covers */
	int have_meta, ended;
	int in_log;            /* reading the log: META/END are corrupt */
} replay_t;

/* Apply the operations in payload[0..len): every one fully or not at all.
 * With undo (room for nundo operations) a failure undoes the operations
 * already applied, so the schema is as before, and *napplied receives how
 * many undo records are filled; call ops_finish (success) or ops_undo.
 * Without undo (replay, and destroying operations) a failure leaves what
 * was applied.  rp is NULL for live changes.  LARCH_CORRUPTED for bytes
 * that do not decode or do not fit the state. */
int ops_apply(schema_t *s, const uint8_t *payload, size_t len, undo_t *undo, size_t nundo,
	      size_t *napplied, replay_t *rp, larch_error_t *err);
void ops_undo(schema_t *s, undo_t *undo, size_t n);
/* Release what the undo records kept (replaced extras). */
void ops_finish(schema_t *s, undo_t *undo, size_t n);

/*---------------------------------------------------------------------------
 * Persistence (log.c)
 *---------------------------------------------------------------------------*/

int log_open(schema_t *s, larch_error_t *err);
/* Append one entry (payload = operations) and fsync it.  On failure the log
 * is cut back to where it was. */
int log_append(schema_t *s, const uint8_t *payload, size_t len, larch_error_t *err);
/* Write a snapshot of the current state and empty the log (caller holds
 * the lock in read or write mode). */
int log_snapshot(schema_t *s, larch_error_t *err);
void log_close(schema_t *s);

/*---------------------------------------------------------------------------
 * Helpers shared by the statements (db.c, series.c, template_ddl.c) and resolve.c
 *---------------------------------------------------------------------------*/

/* Run the nops operations in payload as one transaction: apply (undone on
 * failure) then log, or for destroying operations (destroy set) log then
 * apply.  Caller holds the writer lock. */
int txn_run(schema_t *s, buf_t *payload, size_t nops, int destroy, larch_error_t *err);
/* Validate type/encoding/codec, filling defaults for -1. */
int check_tec(const schema_t *s, tsfile_type_t type, int enc, int codec, uint8_t tec[3],
	      int template_err, larch_error_t *err);
/* 509 "<text> is not a legal path". */
int err_illegal(larch_error_t *err, const char *text, size_t len);
int err_oom(larch_error_t *err);
/* Tag/attribute/property pairs: non-empty keys, values, bounded lengths. */
int check_kvs(const schema_kv_t *kv, size_t n, larch_error_t *err);
/* Parse patterns[0..n) into a mem_alloc'd array (free_patterns). */
int parse_patterns(const char *const *patterns, size_t n, ppath_t **out, larch_error_t *err);
void free_patterns(ppath_t *pp, size_t n);
/* "p" or "p0, ..., plast" for messages naming patterns. */
void patterns_text(char *buf, size_t cap, const char *const *patterns, size_t n);
/* Sort ids and drop duplicates. */
void ids_unique(schema_ids_t *ids);
/* Parse a full path (no wildcards) of at least two nodes. */
int parse_full(const char *path, ppath_t *pp, larch_error_t *err);
/* A buf_t's text for a "%.*s" in a message, at most 200 bytes of it. */
#define TXT(b) (int)LR_MIN((b)->len, 200), (const char *)(b)->data
/* After snapshot_bytes of log, write a snapshot (takes the lock itself). */
void maybe_snapshot(schema_t *s);

/* db.c and series.c helpers for the statements and resolve.c. */
typedef struct dbplan {
	uint32_t id;           /* the covering database, or the one to create */
	int create;
	buf_t path;            /* canonical path of the database to create */
} dbplan_t;
/* Find the database covering the device path, or plan one at the
 * configured level (500 when auto creation is off, 509/501/529 when the
 * planned one is not allowed); `what` names the series in messages. */
int plan_db(schema_t *s, const pname_t *dev, uint32_t ndev, const char *what, size_t wlen,
	    dbplan_t *plan, larch_error_t *err);
/* Walk names as far as nodes exist: *node the node of the whole path
 * (NODE_NONE if missing), *tnode the first one on the way with a template
 * set (NODE_NONE if none); 506 when a series stands on the path. */
int walk_device(const schema_t *s, const pname_t *names, uint32_t n, uint32_t *node,
		uint32_t *tnode, larch_error_t *err);
/* 506 "Path [<b>] already exist" (frees b). */
int err_path_exists(larch_error_t *err, buf_t *b);
/* 516 "Cannot <what> [path] since device template [t] already set on path
 * [<tnode>]." */
int err_tmpl_incompatible(const schema_t *s, larch_error_t *err, const char *what,
			  const char *path, size_t len, uint32_t tnode);
int check_tmpl_below(const schema_t *s, uint32_t node, const schema_str_t *name,
		     const char *path, size_t len, larch_error_t *err);
/* template_ddl.c: encode the activation of the template set at tnode on
 * the device devtext (node: its node, or NODE_NONE). */
int activate_ops(schema_t *s, const buf_t *devtext, uint32_t node, uint32_t tnode, buf_t *ops,
		 size_t *nops, larch_error_t *err);
/* Encode the extension of template tid by ms (506 when a device using it
 * has a child node of a new name); extra_devs devices are being activated
 * in the same transaction. */
int tmpl_extend_ops(schema_t *s, uint32_t tid, const tmeas_t *ms, size_t n, uint32_t extra_devs,
		    uint32_t sid_base, buf_t *ops, larch_error_t *err);

/* match.c helpers for the builders. */
int ids_push(schema_ids_t *ids, uint32_t id);
/* Ids of the devices (devices set) or series (with_tmpl: template series
 * too) matching pat, in no particular order. */
int match_ids(const schema_t *s, const ppath_t *pat, int devices, int with_tmpl,
	      schema_ids_t *out);
/* The pattern states after the path of node (bit pat->n: full match). */
uint64_t match_node_states(const schema_t *s, const ppath_t *pat, uint32_t node);
int match_series_path(const schema_t *s, const ppath_t *pat, uint32_t sid, int *by_alias);
int match_tmpl_paths(schema_t *s, uint32_t tid, int using, schema_path_cb cb, void *arg,
		     larch_error_t *err);

#endif
