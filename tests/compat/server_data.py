"""The 10-type table the larchd client tests write and read back (no client imports here,
so the 2.0.2 subprocess and the 2.0.11 tests share it).

Columns: one per IoTDB data type, values chosen to hit the extremes (INT32/INT64
limits, the largest and the smallest FLOAT and DOUBLE, empty and non-ASCII text,
a text with a NUL byte, blobs with every byte value, DATE limits 1000-01-01 and
9999-12-31, negative timestamps); cell (r, c) is null when (r + c) % 4 == 0, so
every row keeps some values and every column has nulls.
"""
import datetime
import math

import numpy as np
import pandas as pd

NAMES10 = ["b", "i", "l", "f", "d", "t", "ts", "dt", "x", "s"]
TYPE_NAMES10 = ["BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE", "TEXT", "TIMESTAMP", "DATE",
                "BLOB", "STRING"]


def f32(x):
    """x rounded to the nearest FLOAT, as the Python float a FLOAT column reads back as."""
    return float(np.float32(x))


def value10(r, c):
    """Value of row r, column c (None = null)."""
    if (r + c) % 4 == 0:
        return None
    k = r % 5
    return [
        r % 3 == 1,
        [-2**31, 2**31 - 1, 0, -1, r * 12345][k],
        [-2**63, 2**63 - 1, 0, -1, r * 10**12 + 7][k],
        [f32(3.4028234663852886e38), f32(1.401298464324817e-45), 0.5, -f32(r * 0.1),
         f32(1e10 + r)][k],
        [1.7976931348623157e308, 5e-324, -0.1 * r, math.pi, 1e-300 * r][k],
        ["", "héllo 世界", f"text-{r}", "a\x00b", "x" * 300][k],
        [0, -1000, 1700000000000 + r, 4102444800000, 86400000 * r][k],
        [datetime.date(1970, 1, 1), datetime.date(2024, 2, 29), datetime.date(9999, 12, 31),
         datetime.date(1000, 1, 1), datetime.date(2000, 1, 1) + datetime.timedelta(days=r)][k],
        [b"", b"\x00\xff\x00", bytes(range(256)), b"blob" * r, b"\x7f"][k],
        ["", "s", "ünïcødé", f"str-{r}", "y" * 200][k],
    ][c]


def rows10(n, t0=1):
    """(values as rows, timestamps) for n rows starting at time t0."""
    return [[value10(r, c) for c in range(10)] for r in range(n)], [t0 + r for r in range(n)]


def expected10(values, times, cols=range(10)):
    """Rows as a SELECT of the columns `cols` returns them: (Time, v...), leaving out rows
    without a value in any of those columns (IoTDB does not return all-null rows)."""
    out = []
    for t, row in zip(times, values):
        vals = [row[c] for c in cols]
        if all(v is None for v in vals):
            continue
        out.append(tuple([t] + vals))
    return out


def select10(dev, cols=range(10)):
    return "select " + ", ".join(NAMES10[c] for c in cols) + f" from {dev}"


def norm(v):
    """A value read by the client as a plain Python value; None for every form of null."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (float, np.floating)) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.value // 1_000_000  # ms since the epoch, time zone aside
    if isinstance(v, np.generic):
        return v.item()
    return v
