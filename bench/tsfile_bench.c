/*
 * tsfile_bench — the Larch side of bench/tsfile_bench.py.
 *
 *   tsfile_bench [-b PAGE_MAX_BYTES] [-p PAGE_MAX_POINTS] [-r REPS] [-w]
 *                DATA ENCODING CODEC OUT
 *
 * DATA (written by the Python driver, little-endian): u64 n, u8 type
 * (2 INT64, 4 DOUBLE, 11 STRING), i64 times[n], then values: i64[n] or
 * f64[n], or n x (u32 len, bytes).  Writes them in the tree model as the
 * non-aligned series root.bench.d1.v with the given value encoding and
 * codec (times: TS_2DIFF; a non-aligned page is compressed as a whole),
 * in tablets of 65536 rows, then reads them back twice: through the public
 * row API (read_s) and through the column reader the engine uses
 * (decode_s).  bench/tsfile_official.cpp does the same with the official
 * C++ library.
 *
 * Prints one JSON object:
 *   write_s   open .. close: tablets, flush, index, fsync
 *   mem_s     open .. flush: encoding, compression and the write(2) of
 *             the chunks into the page cache (no index, no fsync)
 *   read_s    row API;  decode_s  column reader
 *   bytes     file size;  n  points
 *   zstd      version of the zstd library (its output varies by version)
 * Each phase is run REPS times (3) and the best time is reported; -w
 * writes only (for profiling the writer; read_s and decode_s are 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "larch/tsfile.h"
#include "tsfile/reader.h"

#define DEVICE "root.bench.d1"
#define MEASUREMENT "v"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct bench_data {
	uint64_t n;
	tsfile_type_t type;
	int64_t *times;
	void *values;     /* int64_t[], double[] or tsfile_bytes_t[] */
	char *blob;       /* backing bytes of the file */
} bench_data_t;

/* Load a DATA file; 0 or -1 (unreadable or malformed). */
static int load(const char *path, bench_data_t *d)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	d->blob = size >= 9 ? malloc((size_t)size) : NULL;
	if (!d->blob || fread(d->blob, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	memcpy(&d->n, d->blob, 8);
	d->type = (tsfile_type_t)(uint8_t)d->blob[8];
	if ((uint64_t)size < 9 + d->n * 8)
		return -1;
	d->times = (int64_t *)(void *)(d->blob + 9); /* x86: unaligned loads are fine */
	char *p = d->blob + 9 + d->n * 8, *end = d->blob + size;
	if (d->type != TSFILE_STRING) {
		d->values = p;
		return (uint64_t)(end - p) >= d->n * 8 ? 0 : -1;
	}
	tsfile_bytes_t *s = malloc(d->n * sizeof(*s) + 1);
	if (!s)
		return -1;
	for (uint64_t i = 0; i < d->n; i++) {
		uint32_t len;
		if (end - p < 4)
			return -1;
		memcpy(&len, p, 4);
		if ((uint64_t)(end - p - 4) < len)
			return -1;
		s[i].ptr = p + 4;
		s[i].len = len;
		p += 4 + len;
	}
	d->values = s;
	return 0;
}

enum { TABLET = 65536 };

/* Write the data set as one non-aligned series; *mem_s gets the time from
 * open to the end of the explicit flush (before close). */
static int write_file(const bench_data_t *d, const tsfile_config_t *cfg, int enc, int codec,
		      const char *out, double *mem_s, larch_error_t *err)
{
	double t0 = now();
	tsfile_measurement_t m = {MEASUREMENT, d->type, enc, codec, -1};
	tsfile_writer_t *w;
	int rc = tsfile_writer_open(out, cfg, &w, err);
	if (rc)
		return rc;
	rc = tsfile_writer_register(w, DEVICE, &m, err);
	size_t es = col_elem_size(d->type);
	for (uint64_t off = 0; off < d->n && !rc; off += TABLET) {
		size_t rows = (size_t)LR_MIN((uint64_t)TABLET, d->n - off);
		tsfile_column_t col = {MEASUREMENT, d->type, (const char *)d->values + off * es, NULL};
		tsfile_tablet_t tab = {DEVICE, rows, d->times + off, 1, &col};
		rc = tsfile_writer_write_tablet(w, &tab, err);
	}
	if (!rc)
		rc = tsfile_writer_flush(w, err);
	*mem_s = now() - t0;
	if (rc) {
		tsfile_writer_abort(w);
		return rc;
	}
	return tsfile_writer_close(w, err);
}

/* Read every row through the public result-set API; returns rows seen. */
static uint64_t read_rows(const char *path, larch_error_t *err)
{
	tsfile_reader_t *r;
	tsfile_result_t *rs;
	const char *paths[] = {DEVICE "." MEASUREMENT};
	uint64_t n = 0;
	if (tsfile_reader_open(path, &r, err))
		return 0;
	if (tsfile_reader_query(r, paths, 1, NULL, &rs, err) == 0) {
		while (tsfile_result_next(rs, err) == LARCH_OK)
			n += !tsfile_result_value(rs, 0)->is_null;
		tsfile_result_free(rs);
	}
	tsfile_reader_close(r);
	return n;
}

/* Decode every page of every chunk of every series with the column reader
 * (the path the storage engine takes); returns the points decoded. */
static uint64_t decode_all(const char *path, larch_error_t *err)
{
	tsfile_reader_t *r;
	chunk_reader_t *cr = NULL;
	col_t times, values;
	uint64_t n = 0;
	int rc;
	if (tsfile_reader_open(path, &r, err))
		return 0;
	col_init(&times, TSFILE_INT64);
	rc = chunk_reader_new(r, &cr, err);
	for (size_t d = 0; !rc && d < r->n_devices; d++) {
		const rdev_t *dev = &r->devices[d];
		for (uint32_t s = dev->first_series; !rc && s < dev->first_series + dev->n_series; s++) {
			const ts_meta_t *tm = &r->sx[s].meta;
			col_init(&values, tm->type);
			for (uint32_t c = 0; !rc && c < tm->n_chunks; c++) {
				rc = chunk_reader_open(cr, tm->chunks[c].offset, err);
				while (!rc && (rc = chunk_reader_next_page(cr, err)) == LARCH_OK) {
					col_clear(&times);
					col_clear(&values);
					rc = chunk_reader_read_page(cr, 0, &times, &values, err);
					n += values.n;
				}
				if (rc == LARCH_DONE)
					rc = LARCH_OK;
			}
			col_free(&values);
		}
	}
	col_free(&times);
	chunk_reader_free(cr);
	tsfile_reader_close(r);
	return rc ? 0 : n;
}

static void usage(void)
{
	fprintf(stderr, "usage: tsfile_bench [-b PAGE_MAX_BYTES] [-p PAGE_MAX_POINTS] [-r REPS] [-w] "
		"DATA ENCODING CODEC OUT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bench_data_t d = {0};
	larch_error_t err = {0};
	tsfile_config_t cfg;
	int reps = 3, write_only = 0, opt;
	tsfile_config_default(&cfg);
	while ((opt = getopt(argc, argv, "b:p:r:w")) != -1) {
		long v = optarg ? strtol(optarg, NULL, 10) : 1;
		if (v <= 0)
			usage();
		if (opt == 'w')
			write_only = 1;
		else if (opt == 'b')
			cfg.page_max_bytes = (uint32_t)v;
		else if (opt == 'p')
			cfg.page_max_points = (uint32_t)v;
		else if (opt == 'r')
			reps = (int)v;
		else
			usage();
	}
	if (argc - optind != 4)
		usage();
	char **a = argv + optind;
	if (load(a[0], &d)) {
		fprintf(stderr, "tsfile_bench: cannot load %s\n", a[0]);
		return 2;
	}
	int enc = tsfile_encoding_parse(a[1]), codec = tsfile_codec_parse(a[2]);
	if (enc < 0 || codec < 0) {
		fprintf(stderr, "tsfile_bench: unknown encoding or codec\n");
		return 2;
	}
	cfg.time_encoding = TSFILE_TS_2DIFF;
	cfg.time_codec = cfg.default_codec = (tsfile_codec_t)codec;
	double best_w = 1e9, best_m = 1e9, best_r = 1e9, best_d = 1e9;
	uint64_t seen = 0, decoded = 0;
	for (int rep = 0; rep < reps; rep++) {
		double mem, t0 = now();
		if (write_file(&d, &cfg, enc, codec, a[3], &mem, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		double t1 = now();
		seen = write_only ? d.n : read_rows(a[3], &err);
		double t2 = now();
		decoded = write_only ? d.n : decode_all(a[3], &err);
		double t3 = now();
		best_w = LR_MIN(best_w, t1 - t0);
		best_m = LR_MIN(best_m, mem);
		best_r = LR_MIN(best_r, t2 - t1);
		best_d = LR_MIN(best_d, t3 - t2);
	}
	if (seen != d.n || decoded != d.n) {
		fprintf(stderr, "read back %llu rows / decoded %llu of %llu: %s\n",
			(unsigned long long)seen, (unsigned long long)decoded,
			(unsigned long long)d.n, err.msg);
		return 1;
	}
	struct stat st;
	if (stat(a[3], &st) < 0) {
		perror(a[3]);
		return 1;
	}
	printf("{\"write_s\": %.6f, \"mem_s\": %.6f, \"read_s\": %.6f, \"decode_s\": %.6f, "
	       "\"bytes\": %lld, \"n\": %llu, \"zstd\": \"%s\"}\n",
	       best_w, best_m, best_r, best_d, (long long)st.st_size, (unsigned long long)d.n,
	       ZSTD_versionString());
	return 0;
}
