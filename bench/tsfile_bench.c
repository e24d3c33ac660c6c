/*
 * tsfile_bench — the Larch side of bench/tsfile_bench.py.
 *
 *   tsfile_bench DATA ENCODING CODEC OUT
 *
 * DATA (written by the Python driver, little-endian): u64 n, u8 type
 * (2 INT64, 4 DOUBLE, 11 STRING), i64 times[n], then values: i64[n] or
 * f64[n], or n x (u32 len, bytes).  Writes them as table "bench" (tag id =
 * "d1", field v) with the given value encoding and codec (time: TS_2DIFF +
 * the same codec), then reads them back twice: through the public row API
 * (read_s) and through the column reader the engine uses (decode_s).
 * Prints one JSON object: write_s, read_s, decode_s, bytes, n.  Each phase
 * is run three times and the best time is reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "larch/tsfile.h"
#include "tsfile/reader.h"

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

static int load(const char *path, bench_data_t *d)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	d->blob = malloc((size_t)size);
	if (!d->blob || fread(d->blob, 1, (size_t)size, f) != (size_t)size || size < 9) {
		fclose(f);
		return -1;
	}
	fclose(f);
	memcpy(&d->n, d->blob, 8);
	d->type = (tsfile_type_t)(uint8_t)d->blob[8];
	d->times = (int64_t *)(void *)(d->blob + 9); /* x86: unaligned loads are fine */
	char *p = d->blob + 9 + d->n * 8;
	if (d->type != TSFILE_STRING) {
		d->values = p;
		return 0;
	}
	tsfile_bytes_t *s = malloc(d->n * sizeof(*s));
	if (!s)
		return -1;
	for (uint64_t i = 0; i < d->n; i++) {
		uint32_t len;
		memcpy(&len, p, 4);
		s[i].ptr = p + 4;
		s[i].len = len;
		p += 4 + len;
	}
	d->values = s;
	return 0;
}

enum { TABLET = 65536 };

static int write_file(const bench_data_t *d, int enc, int codec, const char *out,
		      larch_error_t *err)
{
	tsfile_config_t cfg;
	tsfile_config_default(&cfg);
	cfg.time_codec = cfg.default_codec = (tsfile_codec_t)codec;
	tsfile_column_schema_t cols[2] = {
		{"id", TSFILE_STRING, -1, -1, TSFILE_TAG},
		{"v", d->type, enc, codec, TSFILE_FIELD},
	};
	tsfile_table_schema_t schema = {"bench", 2, cols};
	tsfile_writer_t *w;
	int rc = tsfile_writer_open(out, &cfg, &w, err);
	if (rc)
		return rc;
	if ((rc = tsfile_writer_register_table(w, &schema, err))) {
		tsfile_writer_abort(w);
		return rc;
	}
	static tsfile_bytes_t tags[TABLET];
	for (size_t i = 0; i < TABLET; i++)
		tags[i] = (tsfile_bytes_t){"d1", 2};
	size_t es = col_elem_size(d->type);
	for (uint64_t off = 0; off < d->n && !rc; off += TABLET) {
		size_t rows = (size_t)LR_MIN((uint64_t)TABLET, d->n - off);
		tsfile_column_t tc[2] = {
			{"id", TSFILE_STRING, tags, NULL},
			{"v", d->type, (const char *)d->values + off * es, NULL},
		};
		tsfile_tablet_t tab = {"bench", rows, d->times + off, 2, tc};
		rc = tsfile_writer_write_table(w, &tab, err);
	}
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
	const char *cols[] = {"v"};
	uint64_t n = 0;
	if (tsfile_reader_open(path, &r, err))
		return 0;
	if (tsfile_reader_query_table(r, "bench", cols, 1, INT64_MIN, INT64_MAX, &rs, err) == 0) {
		while (tsfile_result_next(rs, err) == LARCH_OK)
			n += !tsfile_result_value(rs, 0)->is_null;
		tsfile_result_free(rs);
	}
	tsfile_reader_close(r);
	return n;
}

/* Decode the pages of the chunk at `offset`; aligned value chunks get the
 * row counts of their time chunk's pages (rows[], one per page). */
static int decode_chunk(chunk_reader_t *cr, uint64_t offset, int kind, col_t *times,
			col_t *values, buf_t *rows, uint64_t *n, larch_error_t *err)
{
	int rc = chunk_reader_open(cr, offset, err);
	for (size_t page = 0; !rc && (rc = chunk_reader_next_page(cr, err)) == LARCH_OK; page++) {
		const uint8_t *present;
		col_clear(times);
		col_clear(values);
		if (kind == 't') {
			rc = chunk_reader_read_times(cr, 0, times, err);
			buf_put(rows, &times->n, sizeof(size_t));
		} else if (kind == 'v') {
			size_t r = page < rows->len / sizeof(size_t) ? ((size_t *)(void *)rows->data)[page] : 0;
			rc = chunk_reader_read_values(cr, r, values, &present, err);
		} else {
			rc = chunk_reader_read_page(cr, 0, times, values, err);
		}
		*n += values->n;
	}
	return rc == LARCH_DONE ? LARCH_OK : rc;
}

/* Decode every page of every series with the column reader (the path the
 * storage engine takes); returns the number of non-null values decoded. */
static uint64_t tsfile_bench_decode(const char *path, larch_error_t *err)
{
	tsfile_reader_t *r;
	chunk_reader_t *cr = NULL;
	col_t times, values;
	buf_t rows = BUF_INIT;
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
				buf_reset(&rows);
				if (dev->aligned) /* one time chunk per chunk group, same order */
					rc = decode_chunk(cr, dev->time.chunks[c].offset, 't', &times, &values,
							  &rows, &n, err);
				if (!rc)
					rc = decode_chunk(cr, tm->chunks[c].offset, dev->aligned ? 'v' : 'p',
							  &times, &values, &rows, &n, err);
			}
			col_free(&values);
		}
	}
	col_free(&times);
	buf_free(&rows);
	chunk_reader_free(cr);
	tsfile_reader_close(r);
	return rc ? 0 : n;
}

int main(int argc, char **argv)
{
	bench_data_t d = {0};
	larch_error_t err = {0};
	if (argc != 5 || load(argv[1], &d)) {
		fprintf(stderr, "usage: tsfile_bench DATA ENCODING CODEC OUT\n");
		return 2;
	}
	int enc = tsfile_encoding_parse(argv[2]), codec = tsfile_codec_parse(argv[3]);
	if (enc < 0 || codec < 0) {
		fprintf(stderr, "unknown encoding or codec\n");
		return 2;
	}
	double best_w = 1e9, best_r = 1e9, best_d = 1e9;
	uint64_t seen = 0, decoded = 0;
	for (int rep = 0; rep < 3; rep++) {
		double t0 = now();
		if (write_file(&d, enc, codec, argv[4], &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		double t1 = now();
		seen = read_rows(argv[4], &err);
		double t2 = now();
		decoded = tsfile_bench_decode(argv[4], &err);
		double t3 = now();
		best_w = LR_MIN(best_w, t1 - t0);
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
	stat(argv[4], &st);
	printf("{\"write_s\": %.6f, \"read_s\": %.6f, \"decode_s\": %.6f, \"bytes\": %lld, "
	       "\"n\": %llu}\n",
	       best_w, best_r, best_d, (long long)st.st_size, (unsigned long long)d.n);
	return 0;
}
