// Writes tree-model aligned and non-aligned devices with several encodings
// and codecs through the official C++ library (libtsfile 2.5.x of the
// `tsfile` Python wheel).  Usage: gen_aligned OUT MODE
//   MODE aligned:   root.sg.al aligned {i32 TS_2DIFF SNAPPY, f64 GORILLA ZSTD,
//                   txt PLAIN GZIP, b PLAIN LZMA2}, 4 points per page
//   MODE encodings: root.enc.d non-aligned, one series per encoding (an
//                   optional third argument writes only that series: how the
//                   combinations the C++ writer accepts were found; it
//                   rejects BOOLEAN RLE)
// Build: g++ -std=c++17 -I$TS/include gen_aligned.cpp -L$TS -ltsfile
//        -Wl,-rpath,$TS   with TS = site-packages/tsfile of the wheel.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include "writer/tsfile_writer.h"
#include "common/record.h"
#include "common/schema.h"
using namespace storage;
using namespace common;

static void check(int rc, const char *what) {
	if (rc) { fprintf(stderr, "%s failed: %d\n", what, rc); exit(1); }
}

int main(int argc, char **argv) {
	libtsfile_init();
	std::string mode = argv[2];
	remove(argv[1]);
	TsFileWriter w;
	check(w.open(argv[1], O_CREAT | O_RDWR | O_TRUNC, 0644), "open");
	if (mode == "aligned") {
		check(set_page_max_point_count(4), "page size");
		std::vector<MeasurementSchema *> ms = {
			new MeasurementSchema("i32", INT32, TS_2DIFF, SNAPPY),
			new MeasurementSchema("f64", DOUBLE, GORILLA, ZSTD),
			new MeasurementSchema("txt", TEXT, PLAIN, GZIP),
			new MeasurementSchema("b", BOOLEAN, PLAIN, LZMA2),
		};
		check(w.register_aligned_timeseries("root.sg.al", ms), "register aligned");
		check(w.register_timeseries("root.sg.plain", MeasurementSchema("x", INT64, TS_2DIFF, LZ4)), "register");
		static char txt[32][16];
		for (int i = 0; i < 14; i++) {
			TsRecord r("root.sg.al", 100 + 3 * i);
			if (i % 5 != 1) r.add_point("i32", (int32_t)(i * 7 - 20));
			if (i % 3 != 0) r.add_point("f64", i / 4.0);
			if (i % 2 == 0) {
				snprintf(txt[i], sizeof txt[i], "t%d", i);
				r.add_point("txt", String(txt[i], strlen(txt[i])));
			}
			if (i >= 4 && i < 8) {} else r.add_point("b", (bool)(i % 2));
			check(w.write_record_aligned(r), "write aligned");
			TsRecord p("root.sg.plain", 101 + 5 * i);
			p.add_point("x", (int64_t)(i - 7) * 1000);
			check(w.write_record(p), "write plain");
		}
		check(w.flush(), "flush");
		for (int i = 14; i < 18; i++) { /* a second chunk group */
			TsRecord r("root.sg.al", 100 + 3 * i);
			r.add_point("i32", (int32_t)(i * 7 - 20));
			check(w.write_record_aligned(r), "write aligned 2");
		}
	} else {
		struct { const char *name; TSDataType t; TSEncoding e; CompressionType c; } s[] = {
			{"i32_rle", INT32, RLE, UNCOMPRESSED},
			{"i32_zigzag", INT32, ZIGZAG, UNCOMPRESSED},
			{"i64_chimp", INT64, CHIMP, UNCOMPRESSED},
			{"f32_chimp", FLOAT, CHIMP, UNCOMPRESSED},
			{"f64_sprintz", DOUBLE, SPRINTZ, UNCOMPRESSED},
			{"i32_sprintz", INT32, SPRINTZ, UNCOMPRESSED},
			{"i64_rlbe", INT64, RLBE, UNCOMPRESSED},
			{"f64_ts2diff", DOUBLE, TS_2DIFF, UNCOMPRESSED},
			{"i64_rle", INT64, RLE, UNCOMPRESSED},
			{"str_dict", STRING, DICTIONARY, UNCOMPRESSED},
			{"date_plain", DATE, PLAIN, UNCOMPRESSED},
			{"ts_plain", TIMESTAMP, PLAIN, UNCOMPRESSED},
			{"blob_plain", BLOB, PLAIN, UNCOMPRESSED},
		};
		const char *only = argc > 3 ? argv[3] : NULL;
		for (auto &x : s)
			if (!only || !strcmp(only, x.name))
				check(w.register_timeseries("root.enc.d", MeasurementSchema(x.name, x.t, x.e, x.c)), x.name);
#define ADD(n, v) if (!only || !strcmp(only, n)) r.add_point(n, v)
		static char str[64][16];
		for (int i = 0; i < 40; i++) {
			TsRecord r("root.enc.d", 5000 + 2 * i);
			ADD("i32_rle", (int32_t)(i / 4));
			ADD("i32_zigzag", (int32_t)(i % 2 ? -i : i));
			ADD("i64_chimp", (int64_t)1000000 + i * 3);
			ADD("f32_chimp", (float)(i * 0.25f));
			ADD("f64_sprintz", (double)(i * 1.5));
			ADD("i32_sprintz", (int32_t)(100 + i));
			ADD("i64_rlbe", (int64_t)(i * i));
			ADD("f64_ts2diff", (double)(i * 0.5));
			ADD("i64_rle", (int64_t)(i / 5) * 100000);
			snprintf(str[i], sizeof str[i], "k%d", i % 3);
			ADD("str_dict", String(str[i], strlen(str[i])));
			ADD("date_plain", (int32_t)(20240101 + i));
			ADD("ts_plain", (int64_t)(1700000000000LL + i));
			ADD("blob_plain", String(str[i], strlen(str[i])));
			check(w.write_record(r), "write");
		}
	}
	check(w.close(), "close");
	libtsfile_destroy();
	return 0;
}
