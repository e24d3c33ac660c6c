/*
 * writer_int.h — the TsFile writer's internal state, shared by its files:
 *
 *   writer.c          public API: open, register, write records / tablets /
 *                     table tablets, flush, close; validation; lookups
 *   chunk_writer.c    open pages -> sealed pages -> chunks -> chunk groups
 *   index_writer.c    the index area and footer at close (reference §6)
 *   writer_append.c   force append: load an existing file's series
 *
 * Data model.  A device (wdev_t) owns columns (wcol_t).  A non-aligned
 * device's columns each buffer (time, value) pairs of their open page; an
 * aligned device has a time column (name "", type VECTOR) holding the open
 * page's timestamps and value columns holding their non-null values plus
 * one presence byte per open row.  Sealed pages wait in the column's
 * wchunk_t until the chunk group is flushed; then every chunk becomes a
 * wref_t (offset + statistics) that the index is built from at close.
 */
#ifndef LARCH_TSFILE_WRITER_INT_H
#define LARCH_TSFILE_WRITER_INT_H

#include "meta.h"

/* A small open-addressing hash map from byte-string keys to pointers.  Keys
 * are not copied: they must live as long as the map (arena copies). */
typedef struct wmap_slot {
	const char *key;
	uint32_t len;
	uint32_t hash;
	void *val;
} wmap_slot_t;

typedef struct wmap {
	wmap_slot_t *slots;
	uint32_t cap;  /* 0 or a power of two */
	uint32_t n;
} wmap_t;

/* A page sealed into its chunk's body buffer. */
typedef struct wpage {
	uint32_t uncompressed;  /* 0: empty (all-null) aligned value page */
	uint32_t compressed;
	size_t body_off;        /* offset of the stored body in wchunk_t.bodies */
	stats_t stats;
} wpage_t;

/* The pages of one column in the current chunk group. */
typedef struct wchunk {
	wpage_t *pages;
	uint32_t n_pages;
	uint32_t cap_pages;
	buf_t bodies;           /* compressed page bodies, back to back */
	stats_t stats;          /* merge of the pages' statistics (made when the
				 * chunk is written) */
} wchunk_t;

/* A chunk already in the file (for the index). */
typedef struct wref {
	uint64_t offset;        /* of the chunk header's marker */
	stats_t stats;
} wref_t;

typedef struct wcol {
	meta_str_t name;        /* arena copy; "" for an aligned time column */
	tsfile_type_t type;     /* VECTOR for an aligned time column */
	tsfile_encoding_t encoding;
	tsfile_codec_t codec;
	enc_params_t params;
	int registered;         /* 0: known only from the file appended to */
	uint8_t mask;           /* 0, META_MASK_TIME or META_MASK_VALUE */

	/* open page (all rows not yet sealed) */
	col_t times;            /* non-aligned columns only */
	col_t values;           /* non-null values (time column: the timestamps) */
	buf_t present;          /* aligned value columns: one byte per open row */
	arena_t *strs;          /* copies of the open page's byte strings */
	size_t open_bytes;      /* estimated raw size of the open values */
	size_t page_fit;        /* rows expected to fill page_max_bytes once
				 * encoded, from the last sealed page; 0: none
				 * sealed yet (chunk_writer.c, "Page size") */
	int64_t last_time;      /* non-aligned: last time in this chunk group */
	int has_last;

	wchunk_t chunk;
	wref_t *refs;
	uint32_t n_refs;
	uint32_t cap_refs;
} wcol_t;

typedef struct wdev {
	device_id_t id;         /* in the writer's arena */
	char *path;             /* dotted form, for messages and the bloom filter */
	int aligned;
	int table;              /* a table-model device */
	int tree;               /* registered through the tree-model API */
	wcol_t **cols;          /* value columns in registration order */
	uint32_t n_cols;
	uint32_t cap_cols;
	wmap_t col_map;         /* name -> wcol_t* */
	wcol_t *time;           /* aligned: the time column */
	size_t open_rows;       /* aligned: rows in the open page */
	int64_t last_time;      /* aligned: last time in this chunk group */
	int has_last;
	int dirty;              /* buffered data not yet in the file */
} wdev_t;

/* A measurement's schema, resolved against the configured defaults. */
typedef struct wschema {
	meta_str_t name;
	tsfile_type_t type;
	tsfile_encoding_t encoding;
	tsfile_codec_t codec;
	int precision;
} wschema_t;

/* A registered table (names lower-cased). */
typedef struct wtable {
	meta_str_t name;
	uint32_t n_columns;
	column_meta_t *columns;
	int registered;         /* 0: known only from the file appended to */
} wtable_t;

/* A page being sealed: its uncompressed body, then its stored (compressed)
 * form (chunk_writer.c, "Page compression"). */
typedef struct wjob {
	wchunk_t *ch;           /* the chunk the page goes to */
	tsfile_codec_t codec;
	size_t rows;            /* rows of the open page it takes (0: aligned value page) */
	int direct;             /* UNCOMPRESSED: built in place, ch->bodies[off..off+size) */
	size_t off;
	size_t size;            /* bytes of the body as encoded */
	buf_t in;               /* body as encoded (compressed codecs) */
	buf_t out;              /* body as stored (compressed codecs) */
	stats_t stats;
	int rc;                 /* of the compression */
	larch_error_t err;
} wjob_t;

typedef struct wpool wpool_t; /* the compression helper threads */

struct tsfile_writer {
	tsfile_config_t cfg;
	int fd;
	char *path;
	uint64_t pos;           /* bytes in the file */
	int broken;             /* an I/O error left the file inconsistent */
	arena_t *arena;         /* names and device ids, lives with the writer */

	wdev_t **devs;
	uint32_t n_devs;
	uint32_t cap_devs;
	wmap_t dev_map;         /* serialized device id -> wdev_t* */

	wmap_t templates;       /* name -> wschema_t*: file-wide measurements */

	wtable_t *tables;
	uint32_t n_tables;
	uint32_t cap_tables;

	size_t buffered;        /* estimated bytes waiting for the next flush */

	/* scratch, reused */
	buf_t enc_time;
	buf_t enc_vals;
	buf_t page;
	buf_t chunk;
	buf_t group;            /* chunk group headers */
	buf_t segs;             /* pieces of a chunk group to write (wseg_t) */
	col_t tmp_times;
	buf_t key;
	arena_t *scratch;

	wjob_t *jobs;           /* pages built, waiting to be compressed */
	uint32_t n_jobs;
	uint32_t cap_jobs;
	wpool_t *pool;          /* NULL until pages are compressed in parallel */
	int pool_failed;        /* the helper threads could not be started */
};

/*---------------------------------------------------------------------------
 * writer.c
 *---------------------------------------------------------------------------*/

/* Find or create the device with this id (copied on creation).  A new
 * device gets `aligned` / `table`; *created tells whether it is new. */
int writer_device_get(tsfile_writer_t *w, const device_id_t *id, int aligned, int table,
		      wdev_t **out, int *created, larch_error_t *err);
/* Add a column to d (name copied); for aligned devices it starts null in
 * every open row.  The column is returned unregistered (registered = 0). */
int writer_column_add(tsfile_writer_t *w, wdev_t *d, const wschema_t *s, wcol_t **out,
		      larch_error_t *err);
wcol_t *writer_column_find(const wdev_t *d, const char *name, size_t len);
/* Add a table schema as read from a file (unregistered). */
int writer_table_add_from_file(tsfile_writer_t *w, const table_meta_t *t, larch_error_t *err);
/* Write bytes at the end of the file (pos advances); marks the writer broken
 * on failure. */
int writer_io_write(tsfile_writer_t *w, const void *p, size_t n, larch_error_t *err);
/* The same for the n (<= IOV_MAX) pieces of iov, in order; iov is used up. */
struct iovec;
int writer_io_writev(tsfile_writer_t *w, struct iovec *iov, int n, larch_error_t *err);

/*---------------------------------------------------------------------------
 * chunk_writer.c
 *---------------------------------------------------------------------------*/

void wcol_init(wcol_t *c, tsfile_type_t type, uint8_t mask);
/* Start a column added to an aligned device mid-group: `pages` empty pages
 * and `rows` absent open rows, so it lines up with the time column. */
int wcol_pad(wcol_t *c, uint32_t pages, size_t rows);
void wcol_free(wcol_t *c);
/* Append a chunk already in the file to c's index list (stats copied). */
int wcol_add_ref(wcol_t *c, uint64_t offset, const stats_t *st);

/* 1 if the open page of non-aligned column c / aligned device d is due for
 * sealing (full by points, or predicted full by encoded bytes). */
int wcol_page_due(const tsfile_writer_t *w, const wcol_t *c);
int wdev_page_due(const tsfile_writer_t *w, const wdev_t *d);
/* Seal the full pages of a non-aligned column (all = 1: every open point). */
int wcol_seal(tsfile_writer_t *w, wcol_t *c, int all, larch_error_t *err);
/* Seal the full pages of an aligned device (all = 1: every open row). */
int wdev_seal(tsfile_writer_t *w, wdev_t *d, int all, larch_error_t *err);
/* Seal everything of d and write its chunk group to the file. */
int wdev_flush(tsfile_writer_t *w, wdev_t *d, larch_error_t *err);
/* Stop the compression helpers and free the page jobs (writer_free). */
void writer_jobs_free(tsfile_writer_t *w);

/*---------------------------------------------------------------------------
 * index_writer.c
 *---------------------------------------------------------------------------*/

/* Write the separator, the index and the footer after the last chunk group. */
int index_write(tsfile_writer_t *w, larch_error_t *err);

/*---------------------------------------------------------------------------
 * writer_append.c
 *---------------------------------------------------------------------------*/

/* Load the series of the TsFile open on w->fd (w->pos = its size) into w
 * and truncate it where new chunk groups go. */
int writer_load_existing(tsfile_writer_t *w, larch_error_t *err);

#endif
