/*
 * meta.h — the on-disk structures of a TsFile other than page bodies:
 * device IDs, chunk-group / chunk / page headers, TimeseriesMetadata with its
 * ChunkMetadata, MetadataIndexNode and TsFileMetadata (v4 and v3).  Each
 * structure has a writer (appends to a buf_t, cannot fail individually: check
 * buf_ok once) and a reader (consumes from an rd_t, treats the bytes as
 * hostile, allocates only from the caller's arena and never more than the
 * input can justify, returns LARCH_CORRUPTED with the structure and file
 * offset in the message).  Byte layouts are tabled in meta.c beside the code.
 *
 * File layout (version 4; reference §3):
 *
 *   0          "TsFile" u8 version (4; 3 for v3 files)
 *   7          chunk groups: 0x00 ChunkGroupHeader, then chunks (header +
 *              pages) until the next 0x00 / 0x04 / 0x02 marker
 *   metaOffset 0x02 separator, TimeseriesMetadata..., MetadataIndexNodes...
 *              TsFileMetadata, i32 its size, "TsFile"
 *
 * Markers (first byte of a structure in the data area):
 *
 *   0x00       chunk group header
 *   0x01       chunk header, chunk of >= 2 pages (every page has statistics)
 *   0x05       chunk header, single-page chunk (its page has no statistics)
 *   0x81 0x85  the same for the time chunk of an aligned device (| 0x80)
 *   0x41 0x45  the same for a value chunk of an aligned device (| 0x40)
 *   0x02       separator: data area ends, index begins
 *   0x04       operation-index range (two i64); written by IoTDB and C++,
 *              never by us; readers skip it
 *
 * Strings read from files (meta_str_t) are copied into the arena with a
 * terminating NUL (not counted in len); ptr == NULL stands for a null vstr.
 * Statistics read here (stats_t) keep their byte strings in the arena too:
 * their own[] slots stay NULL, so they need no stats_free.
 */
#ifndef LARCH_TSFILE_META_H
#define LARCH_TSFILE_META_H

#include "tsfile_int.h"

#define META_MARKER_CHUNK_GROUP 0x00
#define META_MARKER_CHUNK 0x01
#define META_MARKER_SEPARATOR 0x02
#define META_MARKER_OPERATION_INDEX 0x04
#define META_MARKER_ONE_PAGE_CHUNK 0x05
#define META_MASK_TIME 0x80   /* aligned time chunk / time column */
#define META_MASK_VALUE 0x40  /* aligned value chunk / value column */
#define META_MASK_ALIGNED 0xC0
#define META_CHUNK_KIND(m) ((m) & 0x3F) /* 1 multi-page, 5 single-page */

/* Bytes after the last chunk group that close a file: i32 size + magic. */
#define META_TAIL_LEN (4 + TSFILE_MAGIC_LEN)

/* A string as stored in metadata.  ptr NULL = null; otherwise ptr[len] == 0. */
typedef struct meta_str {
	const char *ptr;
	uint32_t len;
} meta_str_t;

/*---------------------------------------------------------------------------
 * DeviceID
 *
 * v4: segments (tree model: the dotted path split by the rule of
 * meta_device_from_path; table model: [table, tag1..tagN]).  A v3 device
 * read from a file is one segment holding the whole dotted path, so the v3
 * ordering (String.compareTo of the path) is meta_device_cmp as well.
 *---------------------------------------------------------------------------*/

typedef struct device_id {
	uint32_t n;        /* >= 1 */
	meta_str_t *segs;  /* a segment may be null (ptr NULL) */
} device_id_t;

/* Split the tree path path[0..len) into a device ID in the arena.
 * version 4: IoTDB path syntax (nodes separated by '.', a node may be
 * back-quoted `a.b` with `` for a literal back-quote; a back-quoted node
 * that is a plain identifier and not a number loses its quotes, others keep
 * them), then 1 node -> [n0]; 2-3 nodes -> [n0..n(k-2) joined by ".",
 * n(k-1)]; >= 4 nodes -> ["n0.n1.n2", n3, ..., n(k-1)].
 * version 3: one segment holding the normalised path.
 * An empty path, an empty node or an unterminated quote fails with
 * LARCH_ILLEGAL_PATH; LARCH_NO_MEMORY if the arena is exhausted. */
int meta_device_from_path(const char *path, size_t len, int version, arena_t *a,
			  device_id_t *out, larch_error_t *err);

/* Append the dotted form of d (segments joined by '.', a null segment as
 * "null") to out; no NUL is appended. */
void meta_device_join(const device_id_t *d, buf_t *out);

/* The dotted form of d as a NUL-terminated arena string (NULL on oom). */
char *meta_device_path(const device_id_t *d, arena_t *a);

/* Copy d (segments and their bytes) into the arena; LARCH_NO_MEMORY. */
int meta_device_copy(const device_id_t *d, arena_t *a, device_id_t *out);

/* Java's String.compareTo on two strings given as UTF-8 (UTF-16 code-unit
 * order; equal to byte order unless supplementary characters occur).
 * A null string sorts before any non-null one. */
int meta_str_cmp(const meta_str_t *a, const meta_str_t *b);

/* v4 device order: segment by segment with meta_str_cmp; a prefix sorts
 * first.  Returns <0, 0, >0. */
int meta_device_cmp(const device_id_t *a, const device_id_t *b);

/*   v4: uvarint n, n x vstr   |   v3: vstr (the dotted path) */
void meta_device_write(buf_t *out, const device_id_t *d, int version);
/* A v4 count of 0 reads as one empty segment [""]. */
int meta_device_read(rd_t *r, int version, arena_t *a, device_id_t *out, larch_error_t *err);

/*---------------------------------------------------------------------------
 * Chunk group header, chunk header, page header
 *---------------------------------------------------------------------------*/

/* u8 0x00, DeviceID.  The reader consumes the marker and checks it. */
void meta_chunk_group_header_write(buf_t *out, const device_id_t *d, int version);
int meta_chunk_group_header_read(rd_t *r, int version, arena_t *a, device_id_t *out,
				 larch_error_t *err);

typedef struct chunk_header {
	uint8_t marker;           /* 0x01/0x05, | 0x80 time or | 0x40 value */
	meta_str_t measurement;   /* "" for an aligned time chunk */
	uint32_t data_size;       /* bytes of page headers + bodies after the header */
	tsfile_type_t type;       /* VECTOR for an aligned time chunk */
	tsfile_codec_t codec;     /* as stored; codec_is_valid() not checked */
	tsfile_encoding_t encoding; /* as stored; not checked */
} chunk_header_t;

void meta_chunk_header_write(buf_t *out, const chunk_header_t *h);
/* Checks the marker (kind 1 or 5, not both mask bits), the data type
 * (valid or VECTOR) and that data_size does not exceed `avail` (the bytes
 * the caller knows follow the header; pass UINT64_MAX if unknown). */
int meta_chunk_header_read(rd_t *r, uint64_t avail, arena_t *a, chunk_header_t *out,
			   larch_error_t *err);

typedef struct page_header {
	uint32_t uncompressed_size;  /* 0: empty page (aligned value chunks), nothing follows */
	uint32_t compressed_size;
	int has_stats;
	stats_t stats;               /* valid if has_stats (arena form) */
} page_header_t;

/* uvarint uncompressed, uvarint compressed, [Statistics if st != NULL].
 * An empty page (uncompressed == 0) is the single byte 0x00 whatever st. */
void meta_page_header_write(buf_t *out, uint32_t uncompressed, uint32_t compressed,
			    const stats_t *st);
/* with_stats: the chunk is multi-page (META_CHUNK_KIND == 1).  `type` is
 * the chunk's data type (statistics layout).  compressed_size is checked
 * against rd_left(r). */
int meta_page_header_read(rd_t *r, tsfile_type_t type, int with_stats, arena_t *a,
			  page_header_t *out, larch_error_t *err);

/* Read statistics of `type` into arena form (see the file comment). */
int meta_stats_read(rd_t *r, tsfile_type_t type, arena_t *a, stats_t *out, larch_error_t *err);

/*---------------------------------------------------------------------------
 * TimeseriesMetadata and ChunkMetadata
 *---------------------------------------------------------------------------*/

typedef struct chunk_meta {
	uint64_t offset;  /* file offset of the chunk header's marker */
	stats_t stats;    /* on disk only if the series has > 1 chunk; the
			   * reader copies the series statistics otherwise */
} chunk_meta_t;

typedef struct ts_meta {
	uint8_t mask;            /* 0, META_MASK_TIME or META_MASK_VALUE */
	meta_str_t measurement;  /* "" for an aligned time column */
	tsfile_type_t type;
	stats_t stats;           /* merged over the chunks */
	uint32_t n_chunks;
	chunk_meta_t *chunks;
} ts_meta_t;

/* u8 type = (n_chunks > 1) | mask, vstr name, u8 dataType,
 * uvarint chunkMetadataListSize, Statistics, ChunkMetadata[]. */
void meta_ts_meta_write(buf_t *out, const ts_meta_t *m);
int meta_ts_meta_read(rd_t *r, arena_t *a, ts_meta_t *out, larch_error_t *err);

/*---------------------------------------------------------------------------
 * MetadataIndexNode
 *---------------------------------------------------------------------------*/

typedef enum index_node_type {
	INDEX_INTERNAL_DEVICE = 0,
	INDEX_LEAF_DEVICE = 1,
	INDEX_INTERNAL_MEASUREMENT = 2,
	INDEX_LEAF_MEASUREMENT = 3
} index_node_type_t;

static inline int index_node_is_device(index_node_type_t t)
{
	return t == INDEX_INTERNAL_DEVICE || t == INDEX_LEAF_DEVICE;
}

typedef struct index_entry {
	device_id_t device;   /* key of a device-level node's entry */
	meta_str_t name;      /* key of a measurement-level node's entry */
	uint64_t offset;      /* start of the child's byte range */
} index_entry_t;

typedef struct index_node {
	index_node_type_t type;
	uint32_t n;
	index_entry_t *entries;
	uint64_t end_offset;  /* end of the last entry's byte range */
} index_node_t;

/* uvarint n, n x (key, i64 offset), i64 endOffset, u8 type; the key is a
 * DeviceID (device-level types) or a vstr (measurement-level types). */
void meta_index_node_write(buf_t *out, const index_node_t *n, int version);
/* device_level says which key kind the caller expects (the type byte is at
 * the end); a type of the other kind, an empty node, an entry offset
 * outside [0, end_offset] or offsets that decrease fail as corrupted. */
int meta_index_node_read(rd_t *r, int device_level, int version, arena_t *a,
			 index_node_t *out, larch_error_t *err);

/*---------------------------------------------------------------------------
 * TsFileMetadata (footer)
 *---------------------------------------------------------------------------*/

typedef struct column_meta {
	meta_str_t name;
	tsfile_type_t type;
	tsfile_encoding_t encoding;
	tsfile_codec_t codec;
	tsfile_category_t category;
	uint32_t n_props;
	meta_str_t *props;    /* n_props (key, value) pairs: props[2i], props[2i+1] */
} column_meta_t;

typedef struct table_meta {
	meta_str_t name;
	uint32_t n_columns;
	column_meta_t *columns;
} table_meta_t;

typedef struct table_root {
	meta_str_t table;    /* v3: "" */
	index_node_t root;   /* device-level */
} table_root_t;

typedef struct file_meta {
	int version;             /* 3 or 4 */
	uint32_t n_roots;        /* v3: 1 */
	table_root_t *roots;
	uint32_t n_tables;       /* v4 table schemas */
	table_meta_t *tables;
	uint64_t meta_offset;    /* offset of the 0x02 separator */
	bloom_t bloom;           /* size_bits 0 if absent; bits in the arena */
	uint32_t n_props;
	meta_str_t *props;       /* (key, value) pairs; value may be null */
} file_meta_t;

/* Writes the v4 or v3 form per m->version (v3 writes roots[0] only). */
void meta_file_meta_write(buf_t *out, const file_meta_t *m);
/* r must span exactly the TsFileMetadata bytes (the properties are read
 * until their count or the end of r, whichever comes first: Java writes
 * the count as an svarint and reads it as a uvarint). */
int meta_file_meta_read(rd_t *r, int version, arena_t *a, file_meta_t *out,
			larch_error_t *err);

/* Find the root of `table` (len bytes) in m; in a v3 file the single root
 * answers every table.  NULL if absent. */
const index_node_t *meta_file_meta_root(const file_meta_t *m, const char *table, size_t len);

#endif
