/*
 * reader.h — the reader's in-memory index, shared by reader.c (opening,
 * metadata, the chunk/page reader) and query.c (queries and result sets).
 *
 * tsfile_reader_open parses the whole metadata index into compact arrays:
 *
 *   devices[]   one per device, in index order; value series of device d
 *               are series[d.first_series .. + d.n_series)
 *   series[]    the public tsfile_series_info_t of every value column, and
 *               sx[] beside it: its TimeseriesMetadata (chunk offsets and
 *               statistics)
 *   by_name[]   series indexes sorted by (device path, measurement) for
 *               lookups
 *
 * Every string and statistics value lives in the reader's arena.
 */
#ifndef LARCH_TSFILE_READER_H
#define LARCH_TSFILE_READER_H

#include <pthread.h>

#include "meta.h"

typedef struct rdev {
	const char *path;       /* dotted form of id */
	device_id_t id;
	int aligned;            /* has a time column ("" of type VECTOR) */
	ts_meta_t time;         /* aligned: the time column */
	tsfile_encoding_t time_encoding; /* aligned: of its first time chunk */
	tsfile_codec_t time_codec;
	uint32_t first_series;  /* value series of this device */
	uint32_t n_series;
} rdev_t;

typedef struct rseries {
	uint32_t device;        /* index into devices[] */
	ts_meta_t meta;         /* chunks (file order) and statistics */
} rseries_t;

/* A chunk group's extent in the data area: [start, end) from its 0x00
 * marker to the next group, 0x04 record or the separator. */
/* A by_name entry: the sort key of one series. */
typedef struct rname {
	const char *device;
	const char *measurement;
	uint32_t mlen;
	uint32_t series;
} rname_t;

typedef struct rgroup {
	uint64_t start;
	uint64_t end;
} rgroup_t;

struct tsfile_reader {
	int fd;
	uint64_t size;           /* file length */
	int version;             /* 3 or 4 */
	uint64_t meta_offset;    /* the 0x02 separator; the data area is [7, meta_offset) */
	uint64_t footer_offset;  /* TsFileMetadata; the index area is [meta_offset, here) */
	arena_t *arena;
	file_meta_t fm;

	rdev_t *devices;
	size_t n_devices;
	tsfile_series_info_t *series;
	rseries_t *sx;
	size_t n_series;
	rname_t *by_name;
	tsfile_table_schema_t *tables;
	size_t n_tables;

	/* chunk group extents, walked on the first partial query */
	pthread_mutex_t groups_lock;
	int groups_loaded;
	rgroup_t *groups;
	size_t n_groups;
};

/* Arena block sizes: the index of a file; small scratch (headers, page
 * statistics, a query's names). */
#define READER_ARENA_BLOCK 16384
#define READER_SCRATCH_BLOCK 4096

/* Data area start: magic + version byte. */
#define READER_DATA_START ((uint64_t)TSFILE_MAGIC_LEN + 1)

/* Load (once) the chunk group extents of the data area; later calls return
 * the cached result. */
int reader_load_groups(tsfile_reader_t *r, larch_error_t *err);

/* Index of the series (device path, measurement) or -1. */
long reader_find(const tsfile_reader_t *r, const char *device, const char *measurement,
		 size_t mlen);

#endif
