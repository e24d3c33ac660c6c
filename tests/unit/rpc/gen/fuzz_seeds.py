#!/usr/bin/env python3
"""Writes column-encoded insertTablet seeds for tests/fuzz/fuzz_rpc.c.

Each seed is a Thrift binary-protocol CALL of insertTablet whose
TSInsertTabletReq carries one request of tablet_vectors.h (the Java session's
bytes, see TabletVectors.java): isCompressed (11) = true, encodingTypes (12)
and compressType (13).  Run from anywhere; writes
tests/fuzz/seeds/fuzz_rpc/insert_tablet_encoded_<n>.
"""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "seeds", "fuzz_rpc")

# vector label -> seed name suffix
PICK = {
    "all13 default UNCOMPRESSED": "default",
    "all13 default LZ4": "lz4",
    "all13tame RLE+DICTIONARY SNAPPY": "rle_dict_snappy",
    "all13tame GORILLA+TS_2DIFF float ZSTD": "gorilla_zstd",
    "all13 ZIGZAG UNCOMPRESSED": "zigzag",
    "all13 default GZIP": "gzip",
}


def c_strings(text):
    """The concatenated C string literals at the start of text."""
    return "".join(re.findall(r'"([^"]*)"', text))


def parse_header():
    src = open(os.path.join(HERE, "tablet_vectors.h")).read()
    sets = {}
    for m in re.finditer(r"static const tv_column_t (tv_\w+)_cols\[\] = \{(.*?)\n\};", src, re.S):
        cols = re.findall(r'\{"(\w+)", (\d+),', m.group(2))
        sets[m.group(1)] = [(n, int(t)) for n, t in cols]
    for m in re.finditer(r'static const tv_dataset_t (tv_\w+) = \{"([^"]+)", (\d+),', src):
        sets[m.group(1)] = (m.group(2), int(m.group(3)), sets[m.group(1)])
    vecs = {}
    for m in re.finditer(r'static const tv_vector_t tvv\d+ = \{\n\t"([^"]+)", &(tv_\w+), (\d+),\n'
                         r'(.*?)\n\ttvv\d+_lossy\};', src, re.S):
        parts = m.group(4).split(",\n")
        enc, times, values = (bytes.fromhex(c_strings(p)) for p in parts[:3])
        vecs[m.group(1)] = (sets[m.group(2)], int(m.group(3)), enc, times, values)
    return vecs


def field(ttype, fid):
    return struct.pack(">bh", ttype, fid)


def string(b):
    return struct.pack(">i", len(b)) + b


def request(ds, comp, enc, times, values):
    device, rows, cols = ds
    T_BOOL, T_BYTE, T_I32, T_I64, T_STRING, T_STRUCT, T_LIST = 2, 3, 8, 10, 11, 12, 15
    q = field(T_I64, 1) + struct.pack(">q", 1)
    q += field(T_STRING, 2) + string(device.encode())
    q += field(T_LIST, 3) + struct.pack(">bi", T_STRING, len(cols))
    q += b"".join(string(n.encode()) for n, _ in cols)
    q += field(T_STRING, 4) + string(values)
    q += field(T_STRING, 5) + string(times)
    q += field(T_LIST, 6) + struct.pack(">bi", T_I32, len(cols))
    q += b"".join(struct.pack(">i", t) for _, t in cols)
    q += field(T_I32, 7) + struct.pack(">i", rows)
    q += field(T_BOOL, 8) + b"\x00"
    q += field(T_BOOL, 11) + b"\x01"
    q += field(T_LIST, 12) + struct.pack(">bi", T_BYTE, len(enc)) + enc
    q += field(T_BYTE, 13) + struct.pack(">b", comp)
    q += b"\x00"
    name = b"insertTablet"
    return (struct.pack(">I", 0x80010001) + string(name) + struct.pack(">i", 0) +
            field(T_STRUCT, 1) + q + b"\x00")


def main():
    vecs = parse_header()
    for label, suffix in PICK.items():
        ds, comp, enc, times, values = vecs[label]
        path = os.path.join(OUT, "insert_tablet_encoded_" + suffix)
        with open(path, "wb") as f:
            f.write(request(ds, comp, enc, times, values))
        print("wrote", path)


if __name__ == "__main__":
    main()
