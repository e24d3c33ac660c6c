/*
 * fuzz_reader.c — libFuzzer target for the TsFile reader: the input bytes
 * are written to a temporary file (the reader reads files with pread), then
 * opened, listed and queried in every way (full query with and without a
 * filter, partial queries over two halves, every table), draining every
 * result.  Any status is fine; crashes, sanitizer reports and leaks are not.
 * Seeds: tests/fuzz/seeds/fuzz_reader (copies of tests/data/tsfile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "larch/tsfile.h"

static char fuzz_path[64];

static void drain(tsfile_result_t *rs)
{
	size_t n = tsfile_result_column_count(rs);
	while (tsfile_result_next(rs, NULL) == LARCH_OK) {
		volatile int64_t sink = tsfile_result_time(rs);
		for (size_t i = 0; i < n; i++) {
			const tsfile_value_t *v = tsfile_result_value(rs, i);
			if (!v->is_null && (v->type == TSFILE_TEXT || v->type == TSFILE_STRING ||
					    v->type == TSFILE_BLOB) && v->v.bytes.len)
				sink += v->v.bytes.ptr[v->v.bytes.len - 1]; /* touch the bytes */
		}
		(void)sink;
	}
	tsfile_result_free(rs);
}

static void exercise(tsfile_reader_t *r, const tsfile_filter_t *f)
{
	size_t n = tsfile_reader_series_count(r);
	if (n > 256)
		n = 256;
	const char **paths = malloc((n ? n : 1) * sizeof(*paths));
	char *buf = malloc((n ? n : 1) * 256);
	if (!paths || !buf)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const tsfile_series_info_t *s = tsfile_reader_series(r, i);
		snprintf(buf + 256 * i, 256, "%s.%s", s->device, s->measurement);
		paths[i] = buf + 256 * i;
		(void)tsfile_reader_find_series(r, s->device, s->measurement);
	}
	for (size_t i = 0; i < tsfile_reader_device_count(r); i++)
		(void)tsfile_reader_device(r, i);
	tsfile_result_t *rs;
	if (tsfile_reader_query(r, paths, n, NULL, &rs, NULL) == LARCH_OK)
		drain(rs);
	if (tsfile_reader_query(r, paths, n, f, &rs, NULL) == LARCH_OK)
		drain(rs);
	uint64_t mid = 64 + (uint64_t)n * 97;
	if (tsfile_reader_query_range(r, paths, n, f, 0, mid, &rs, NULL) == LARCH_OK)
		drain(rs);
	if (tsfile_reader_query_range(r, paths, n, NULL, mid, UINT64_MAX, &rs, NULL) == LARCH_OK)
		drain(rs);
	for (size_t t = 0; t < tsfile_reader_table_count(r); t++) {
		const tsfile_table_schema_t *ts = tsfile_reader_table(r, t);
		if (tsfile_reader_query_table(r, ts->name, NULL, 0, INT64_MIN, INT64_MAX, &rs,
					      NULL) == LARCH_OK)
			drain(rs);
	}
done:
	free(paths);
	free(buf);
}

static void remove_fuzz_file(void)
{
	unlink(fuzz_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_path[0]) {
		snprintf(fuzz_path, sizeof fuzz_path, "/tmp/fuzz_reader_%ld.tsfile", (long)getpid());
		atexit(remove_fuzz_file);
	}
	FILE *out = fopen(fuzz_path, "wb");
	if (!out)
		return 0;
	size_t wrote = fwrite(data, 1, size, out);
	fclose(out);
	if (wrote != size)
		return 0;
	tsfile_filter_t *f = NULL;
	if (tsfile_filter_parse("time >= 1000 and not time = 1010 or time < 120", &f, NULL))
		return 0;
	tsfile_reader_t *r;
	if (tsfile_reader_open(fuzz_path, &r, NULL) == LARCH_OK) {
		exercise(r, f);
		tsfile_reader_close(r);
	}
	tsfile_filter_free(f);
	return 0;
}
