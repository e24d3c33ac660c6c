"""Files written by the storage engine open in the official TsFile package.

tests/compat/engine_files.c ingests through the embedded API (every data
type, nulls, aligned and non-aligned devices, flushes, out-of-order rows and
overwrites, so sequence and unsequence files exist).  Each value is a pure
function of (column, time), so every file is checked value by value with the
same formula, whichever rows it happens to hold.  Every file must also pass
`larch-tsfile check`.
"""
import datetime
import os
import subprocess

from tsfile import TsFileReader

COLS = ["b", "i", "l", "f", "d", "t", "s", "x", "dt", "ts"]


def expected(c, t):
    if (t // 10 + COLS.index(c)) % 4 == 0:
        return None
    return {
        "b": t % 3 == 0,
        "i": t % 100000 - 50000,
        "l": t * 1000003,
        "f": (t % 1000) / 8.0,
        "d": t / 16.0,
        "t": f"v{t}", "s": f"v{t}", "x": f"v{t}".encode(),
        "dt": datetime.date(2000, 1, 1 + t % 28),
        "ts": 1700000000000 + t,
    }[c]


def normalise(c, v):
    if c == "x" and isinstance(v, str):
        return v.encode()
    if c == "dt" and isinstance(v, int):
        return datetime.date(v // 10000, v // 100 % 100, v % 100)
    return v


def test_engine_files_open_in_official_package(tmp_path, larch_tsfile):
    exe = os.path.join(os.environ.get("LARCH_COMPAT", ""), "engine_files")
    assert os.access(exe, os.X_OK), f"{exe} is not built"
    subprocess.run([exe, str(tmp_path / "db")], check=True, timeout=120)
    files = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path / "db") for f in fs
             if f.endswith(".tsfile")]
    assert len(files) >= 5, files  # several flushes, sequence and unsequence
    checked = 0
    for path in files:
        larch_tsfile("check", path)
        r = TsFileReader(path)
        try:
            devices = {d.path for d in r.get_all_devices()}
            assert devices <= {"root.ef.na", "root.ef.al"}, devices
            for dev in devices:
                with r.query_timeseries(dev, COLS, -2**63, 2**63 - 1) as rs:
                    while rs.next():
                        t = rs.get_value_by_index(1)
                        for i, c in enumerate(COLS):
                            got = None if rs.is_null_by_index(i + 2) else \
                                normalise(c, rs.get_value_by_index(i + 2))
                            want = expected(c, t)
                            assert got == want, f"{path} {dev}.{c} at {t}: {got!r} != {want!r}"
                            checked += want is not None
        finally:
            r.close()
    assert checked > 5000, checked
