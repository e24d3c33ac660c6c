/*
 * tsfile_official.cpp — the official side of bench/tsfile_bench.py: the
 * same work as bench/tsfile_bench.c, done by the C++ library that the PyPI
 * `tsfile` package ships (libtsfile.so and its headers, inside the
 * installed package).  Not built by the Makefile: the driver compiles it
 * at run time against the installed package,
 *
 *   g++ -O2 -std=c++17 -I<pkg>/include bench/tsfile_official.cpp \
 *       -L<pkg> -ltsfile -Wl,-rpath,<pkg> -o <build>/bench/tsfile_official
 *
 *   tsfile_official [-b PAGE_MAX_BYTES] [-p PAGE_MAX_POINTS] [-r REPS]
 *                   DATA ENCODING CODEC OUT
 *
 * DATA is the driver's data set file (see tsfile_bench.c).  The points are
 * written in the tree model as the non-aligned series root.bench.d1.v with
 * the given value encoding and codec (times TS_2DIFF), in tablets of 65536
 * rows (Tablet::set_timestamps / set_column_values, the bulk path), then
 * read back through the row API (TsFileReader::query, read_s) and through
 * the series scan iterator that yields decoded blocks (decode_s).  The page
 * limits are set in the library's global configuration (its defaults:
 * 10000 points, 128 KiB).  Prints the same JSON object as tsfile_bench
 * (zstd: the version bundled in libtsfile.so).
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/global.h"
#include "common/tablet.h"
#include "common/tsblock/tsblock.h"
#include "file/tsfile_io_reader.h"
#include "reader/result_set.h"
#include "reader/tsfile_reader.h"
#include "reader/tsfile_series_scan_iterator.h"
#include "writer/tsfile_writer.h"

/* exported by libtsfile.so, which bundles its own zstd */
extern "C" const char *ZSTD_versionString(void);

#define DEVICE "root.bench.d1"
#define MEASUREMENT "v"

enum { TABLET = 65536 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The data set: times, and values as i64/f64 or as byte strings laid out
 * back to back (str_off[i]..str_off[i+1] in str). */
struct bench_data {
	uint64_t n = 0;
	int type = 0;                  /* 2 INT64, 4 DOUBLE, 11 STRING */
	std::vector<int64_t> times;
	std::vector<int64_t> i64;
	std::vector<double> f64;
	std::vector<char> str;
	std::vector<int64_t> str_off;
};

static bool load(const char *path, bench_data &d)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	unsigned char head[9];
	bool ok = fread(head, 1, 9, f) == 9;
	if (ok) {
		memcpy(&d.n, head, 8);
		d.type = head[8];
		ok = d.n <= (1ull << 32);
	}
	if (ok) {
		d.times.resize(d.n);
		ok = fread(d.times.data(), 8, d.n, f) == d.n;
	}
	if (ok && d.type == 2) {
		d.i64.resize(d.n);
		ok = fread(d.i64.data(), 8, d.n, f) == d.n;
	} else if (ok && d.type == 4) {
		d.f64.resize(d.n);
		ok = fread(d.f64.data(), 8, d.n, f) == d.n;
	} else if (ok && d.type == 11) {
		d.str_off.push_back(0);
		for (uint64_t i = 0; ok && i < d.n; i++) {
			uint32_t len;
			ok = fread(&len, 4, 1, f) == 1;
			size_t at = d.str.size();
			if (ok) {
				d.str.resize(at + len);
				ok = fread(d.str.data() + at, 1, len, f) == len;
			}
			d.str_off.push_back((int64_t)d.str.size());
		}
	} else {
		ok = false;
	}
	fclose(f);
	return ok;
}

/* Encoding and codec ids as the format numbers them (the library's enums
 * use the same numbers); -1 if unknown. */
static int encoding_id(const char *s)
{
	static const char *const names[] = {"PLAIN", "DICTIONARY", "RLE", "DIFF", "TS_2DIFF",
					    "BITMAP", "GORILLA_V1", "REGULAR", "GORILLA", "ZIGZAG",
					    "FREQ", "CHIMP", "SPRINTZ", "RLBE"};
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int codec_id(const char *s)
{
	static const struct { const char *name; int id; } codecs[] = {
		{"UNCOMPRESSED", 0}, {"SNAPPY", 1}, {"GZIP", 2}, {"LZ4", 7}, {"ZSTD", 8}, {"LZMA2", 9},
	};
	for (const auto &c : codecs)
		if (strcmp(s, c.name) == 0)
			return c.id;
	return -1;
}

static storage::MeasurementSchema schema_of(const bench_data &d, int enc, int codec)
{
	return storage::MeasurementSchema(MEASUREMENT, (common::TSDataType)d.type,
					  (common::TSEncoding)enc, (common::CompressionType)codec);
}

/* Write the data set; *mem_s gets open .. flush (before close).  Returns
 * the library's error code (0 = E_OK) and names the failed step. */
static int write_file(const bench_data &d, int enc, int codec, const char *out, double *mem_s,
		      const char **step)
{
	unlink(out); /* the library refuses to open an existing file */
	double t0 = now();
	storage::TsFileWriter w;
	*step = "open";
	int rc = w.open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (rc == 0) {
		*step = "register_timeseries";
		rc = w.register_timeseries(DEVICE, schema_of(d, enc, codec));
	}
	auto schemas = std::make_shared<std::vector<storage::MeasurementSchema>>();
	schemas->push_back(schema_of(d, enc, codec));
	storage::Tablet tab(DEVICE, schemas, TABLET);
	std::vector<int32_t> offs(TABLET + 1);
	if (rc == 0)
		*step = "write_tablet";
	for (uint64_t off = 0; off < d.n && rc == 0; off += TABLET) {
		uint32_t rows = (uint32_t)std::min<uint64_t>(TABLET, d.n - off);
		tab.reset();
		rc = tab.set_timestamps(d.times.data() + off, rows);
		if (rc == 0 && d.type == 11) {
			int64_t base = d.str_off[off];
			for (uint32_t i = 0; i <= rows; i++)
				offs[i] = (int32_t)(d.str_off[off + i] - base);
			rc = tab.set_column_string_values(0, offs.data(), d.str.data() + base, nullptr,
							  rows);
		} else if (rc == 0) {
			const void *v = d.type == 2 ? (const void *)(d.i64.data() + off)
						    : (const void *)(d.f64.data() + off);
			rc = tab.set_column_values(0, v, nullptr, rows);
		}
		if (rc == 0)
			rc = w.write_tablet(tab);
	}
	if (rc == 0) {
		*step = "flush";
		rc = w.flush();
	}
	*mem_s = now() - t0;
	if (rc == 0) {
		*step = "close";
		rc = w.close();
	}
	return rc;
}

/* Read every row through the row API; returns the non-null values seen. */
static uint64_t read_rows(const char *path)
{
	storage::TsFileReader r;
	storage::ResultSet *rs = nullptr;
	std::vector<std::string> paths{DEVICE "." MEASUREMENT};
	uint64_t n = 0;
	bool has = false;
	if (r.open(path) != 0)
		return 0;
	if (r.query(paths, INT64_MIN, INT64_MAX, rs) == 0 && rs) {
		while (rs->next(has) == 0 && has) {
			storage::Field *f = rs->get_row_record()->get_field(0);
			n += f && f->type_ != common::NULL_TYPE;
		}
		r.destroy_query_data_set(rs);
	}
	r.close();
	return n;
}

/* Decode the series through the series scan iterator (decoded blocks);
 * returns the rows decoded. */
static uint64_t decode_all(const char *path)
{
	storage::TsFileIOReader io;
	storage::TsFileSeriesScanIterator *ssi = nullptr;
	common::PageArena pa;
	common::TsBlock *block = nullptr;
	uint64_t n = 0;
	pa.init(512, common::MOD_TSFILE_READER);
	if (io.init(path) != 0)
		return 0;
	auto dev = std::make_shared<storage::StringArrayDeviceID>(DEVICE);
	if (io.alloc_ssi(dev, MEASUREMENT, ssi, pa) != 0 || !ssi)
		return 0;
	for (;;) { /* the block is allocated by the first call, then reused */
		if (block)
			block->reset();
		if (ssi->get_next(block, block == nullptr) != 0 || !block || !block->get_row_count())
			break;
		n += block->get_row_count();
	}
	if (block)
		ssi->revert_tsblock();
	io.revert_ssi(ssi);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: tsfile_official [-b PAGE_MAX_BYTES] [-p PAGE_MAX_POINTS] [-r REPS] "
		"DATA ENCODING CODEC OUT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bench_data d;
	long page_bytes = 0, page_points = 0, reps = 3;
	int opt;
	while ((opt = getopt(argc, argv, "b:p:r:")) != -1) {
		long v = strtol(optarg, nullptr, 10);
		if (v <= 0)
			usage();
		if (opt == 'b')
			page_bytes = v;
		else if (opt == 'p')
			page_points = v;
		else if (opt == 'r')
			reps = v;
		else
			usage();
	}
	if (argc - optind != 4)
		usage();
	char **a = argv + optind;
	if (!load(a[0], d)) {
		fprintf(stderr, "tsfile_official: cannot load %s\n", a[0]);
		return 2;
	}
	int enc = encoding_id(a[1]), codec = codec_id(a[2]);
	if (enc < 0 || codec < 0) {
		fprintf(stderr, "tsfile_official: unknown encoding or codec\n");
		return 2;
	}
	storage::libtsfile_init();
	common::ConfigValue &cfg = common::g_config_value_;
	if (page_points)
		cfg.page_writer_max_point_num_ = (uint32_t)page_points;
	if (page_bytes)
		cfg.page_writer_max_memory_bytes_ = (uint32_t)page_bytes;
	cfg.time_encoding_type_ = common::TS_2DIFF;
	cfg.time_compress_type_ = (common::CompressionType)codec;
	double best_w = 1e9, best_m = 1e9, best_r = 1e9, best_d = 1e9;
	uint64_t seen = 0, decoded = 0;
	for (long rep = 0; rep < reps; rep++) {
		double mem;
		const char *step;
		double t0 = now();
		int rc = write_file(d, enc, codec, a[3], &mem, &step);
		if (rc != 0) {
			fprintf(stderr, "%s failed: error %d\n", step, rc);
			return 1;
		}
		double t1 = now();
		seen = read_rows(a[3]);
		double t2 = now();
		decoded = decode_all(a[3]);
		double t3 = now();
		best_w = std::min(best_w, t1 - t0);
		best_m = std::min(best_m, mem);
		best_r = std::min(best_r, t2 - t1);
		best_d = std::min(best_d, t3 - t2);
	}
	if (seen != d.n || decoded != d.n) {
		fprintf(stderr, "read back %llu rows / decoded %llu of %llu\n",
			(unsigned long long)seen, (unsigned long long)decoded,
			(unsigned long long)d.n);
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
