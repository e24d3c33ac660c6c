#!/usr/bin/env python3
"""TsFile benchmark: Larch vs the official implementation, side by side.

For each synthetic IoT data set (regular timestamps; values as sine, random
walk, constant, step, counter, text) and each encoding x codec, both
implementations write the same points into a table-model TsFile (one device,
one field column) with the same settings, then read them back.  Printed per
row: write and read throughput in points/s and bytes per point (file size /
points), for Larch and for the official library (PyPI `tsfile`, C++ under a
Cython wrapper, driven through its fastest bulk paths: write_dataframe and
read_data_frame).

The Larch side is bench/tsfile_bench.c (built by `make bench`); it also
prints the raw decode rate of its column reader, the path the storage engine
uses.  Usage: python3 bench/tsfile_bench.py [--points N] [--quick]
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LARCH = os.path.join(ROOT, os.environ.get("BUILD", "build/release"), "bench", "tsfile_bench")

TYPE_CODE = {"INT64": 2, "DOUBLE": 4, "STRING": 11}
NUM_ENC = ["PLAIN", "TS_2DIFF", "GORILLA", "CHIMP", "SPRINTZ", "RLBE"]
INT_ENC = ["PLAIN", "TS_2DIFF", "RLE", "GORILLA", "ZIGZAG", "CHIMP", "SPRINTZ", "RLBE"]
TEXT_ENC = ["PLAIN", "DICTIONARY"]
CODECS = ["UNCOMPRESSED", "SNAPPY", "LZ4", "ZSTD", "GZIP", "LZMA2"]


def datasets(n):
    rng = np.random.default_rng(42)
    i = np.arange(n)
    yield "sine", "DOUBLE", np.round(20 + 5 * np.sin(i / 300.0), 3)
    yield "random-walk", "DOUBLE", np.round(np.cumsum(rng.normal(0, 0.1, n)) + 100, 2)
    yield "constant", "DOUBLE", np.full(n, 42.5)
    yield "step", "INT64", (i // 1000) * 10
    yield "counter", "INT64", np.cumsum(rng.integers(0, 20, n))
    yield "text", "STRING", np.array(["ok", "warn", "error", "ok-long-status-text"])[
        rng.integers(0, 4, n)]


def write_data(path, times, typ, values):
    with open(path, "wb") as f:
        f.write(struct.pack("<QB", len(times), TYPE_CODE[typ]))
        f.write(times.astype("<i8").tobytes())
        if typ == "STRING":
            for s in values:
                b = s.encode()
                f.write(struct.pack("<I", len(b)) + b)
        elif typ == "DOUBLE":
            f.write(values.astype("<f8").tobytes())
        else:
            f.write(values.astype("<i8").tobytes())


def official(path, times, typ, values, enc, codec):
    from tsfile import (ColumnCategory, ColumnSchema, Compressor, TableSchema,
                        TsFileReader, TsFileTableWriter, TSDataType, TSEncoding,
                        set_tsfile_config)
    key = {"DOUBLE": "double_encoding_type_", "INT64": "int64_encoding_type_",
           "STRING": "string_encoding_type_"}[typ]
    set_tsfile_config({key: getattr(TSEncoding, enc),
                       "time_encoding_type_": TSEncoding.TS_2DIFF,
                       "time_compress_type_": getattr(Compressor, codec),
                       "default_compression_type_": getattr(Compressor, codec)})
    schema = TableSchema("bench", [ColumnSchema("id", TSDataType.STRING, ColumnCategory.TAG),
                                   ColumnSchema("v", getattr(TSDataType, typ),
                                                ColumnCategory.FIELD)])
    df = pd.DataFrame({"time": times, "id": "d1", "v": values})
    if os.path.exists(path):
        os.remove(path)
    t0 = time.perf_counter()
    with TsFileTableWriter(path, schema) as w:
        w.write_dataframe(df)
    t1 = time.perf_counter()
    r = TsFileReader(path)
    n = 0
    with r.query_table("bench", ["v"], -2**63, 2**63 - 1) as rs:
        while True:
            d = rs.read_data_frame(65536)
            if d is None or len(d) == 0:
                break
            n += len(d)
    r.close()
    t2 = time.perf_counter()
    return {"write_s": t1 - t0, "read_s": t2 - t1, "bytes": os.path.getsize(path), "n": n}


def larch(data_path, out_path, typ, enc, codec):
    p = subprocess.run([LARCH, data_path, enc, codec, out_path], capture_output=True,
                       text=True, timeout=600)
    if p.returncode != 0:
        return {"error": p.stderr.strip()[:80]}
    return json.loads(p.stdout)


def rate(n, s):
    return f"{n / s / 1e6:8.1f}M" if s > 0 else "       -"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="LZ4 and UNCOMPRESSED only")
    args = ap.parse_args()
    codecs = ["UNCOMPRESSED", "LZ4"] if args.quick else CODECS
    n = args.points
    times = (np.arange(n, dtype=np.int64) * 1000 + 1_700_000_000_000)
    print(f"TsFile benchmark, {n} points per file; rates in points/s (M = million); "
          f"B/pt = file bytes per point")
    print(f"{'data':12} {'encoding':10} {'codec':12} | {'larch wr':>9} {'larch rd':>9} "
          f"{'decode':>9} {'B/pt':>6} | {'official wr':>11} {'official rd':>11} {'B/pt':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, typ, values in datasets(n):
            data_path = os.path.join(tmp, name + ".bin")
            write_data(data_path, times, typ, values)
            encs = {"DOUBLE": NUM_ENC, "INT64": INT_ENC, "STRING": TEXT_ENC}[typ]
            for enc in encs:
                for codec in codecs:
                    lz = larch(data_path, os.path.join(tmp, "l.tsfile"), typ, enc, codec)
                    try:
                        of = official(os.path.join(tmp, "o.tsfile"), times, typ, values,
                                      enc, codec)
                    except Exception as e:  # the package rejects some pairs
                        of = {"error": type(e).__name__}
                    line = f"{name:12} {enc:10} {codec:12} | "
                    if "error" in lz:
                        line += f"{'error: ' + lz['error']:38} | "
                    else:
                        line += (f"{rate(n, lz['write_s']):>9} {rate(n, lz['read_s']):>9} "
                                 f"{rate(n, lz['decode_s']):>9} {lz['bytes'] / n:6.3f} | ")
                    if "error" in of:
                        line += f"{'n/a: ' + of['error']}"
                    else:
                        line += (f"{rate(n, of['write_s']):>11} {rate(n, of['read_s']):>11} "
                                 f"{of['bytes'] / n:6.3f}")
                    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
