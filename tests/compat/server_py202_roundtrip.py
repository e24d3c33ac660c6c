"""Round trip through larchd with apache-iotdb 2.0.2, the last client on the V1 query path
(executeQueryStatement / fetchResults with TSQueryDataSet, executeRawDataQuery,
executeLastDataQuery, executeStatement).

Run by test_server_python.py as `python server_py202_roundtrip.py HOST PORT` with
PYTHONPATH starting at the 2.0.2 install, so `iotdb` here is 2.0.2. Exits non-zero
with a message on the first mismatch; prints "client 2.0.2 ok" at the end.
"""
import datetime
import os
import sys

import iotdb
from iotdb.Session import Session
from iotdb.utils.IoTDBConstants import TSDataType as T
from iotdb.utils.Tablet import Tablet

from server_data import NAMES10, TYPE_NAMES10, expected10, norm, rows10, select10

TYPES10 = [T[n] for n in TYPE_NAMES10]


def raw_to_python(v, type_name):
    """A Field value of the 2.0.2 row iterator as the value that was written."""
    v = norm(v)
    if v is None:
        return None
    if type_name in ("TEXT", "STRING"):
        return bytes(v).decode("utf-8")
    if type_name == "BLOB":
        return bytes(v)
    if type_name == "DATE":
        return datetime.date(v // 10000, v // 100 % 100, v % 100)
    if type_name == "BOOLEAN":
        return bool(v)
    return v


def rows_by_iterator(s, sql, type_names):
    out = []
    with s.execute_query_statement(sql) as ds:
        names = ds.get_column_names()
        while ds.has_next():
            rec = ds.next()
            out.append(tuple([rec.get_timestamp()] + [
                raw_to_python(f.value, t) for f, t in zip(rec.get_fields(), type_names)]))
    return names, out


def check(what, got, want):
    if got != want:
        print(f"MISMATCH {what}:\n got  {got!r}\n want {want!r}")
        sys.exit(1)


def main(host, port):
    home = os.path.dirname(os.path.dirname(os.path.abspath(iotdb.__file__)))
    assert os.path.isdir(os.path.join(home, "apache_iotdb-2.0.2.dist-info")), \
        f"not the 2.0.2 client: {iotdb.__file__}"
    db = "root.v1"
    s = Session(host, port, "root", "root", fetch_size=6, zone_id="+08:00")
    s.open(False)
    values, times = rows10(25)
    s.insert_tablet(Tablet(f"{db}.tab", NAMES10, TYPES10, values, times))
    for r in range(25):
        s.insert_record(f"{db}.rec", times[r], NAMES10, TYPES10, values[r])
    for dev in ["tab", "rec"]:
        names, rows = rows_by_iterator(s, select10(f"{db}.{dev}"), TYPE_NAMES10)
        check(f"{dev} columns", names, ["Time"] + [f"{db}.{dev}.{n}" for n in NAMES10])
        check(f"{dev} rows", rows, expected10(values, times))
    with s.execute_query_statement(select10(f"{db}.tab")) as ds:
        check("types", [t.name for t in ds.get_column_types()], ["INT64"] + TYPE_NAMES10)

    # todf() on numeric columns without nulls (2.0.2 widens null-bearing ints through
    # float32, and its TEXT path fails on pandas >= 3 StringDtype: client limits)
    s.insert_tablet(Tablet(f"{db}.df", ["l", "d", "t"], [T.INT64, T.DOUBLE, T.TEXT],
                           [[2**62 + r, r / 3, f"t{r}"] for r in range(40)], list(range(40))))
    with s.execute_query_statement(f"select l, d from {db}.df") as ds:
        df = ds.todf()
    check("todf columns", list(df.columns), ["Time", f"{db}.df.l", f"{db}.df.d"])
    check("todf rows", [tuple(norm(v) for v in r) for r in df.itertuples(index=False)],
          [(r, 2**62 + r, r / 3) for r in range(40)])

    # raw data query [start, end) and last data query (V1 RPCs)
    with s.execute_raw_data_query([f"{db}.df.l", f"{db}.df.t"], 10, 13) as ds:
        got = []
        while ds.has_next():
            rec = ds.next()
            got.append((rec.get_timestamp(), norm(rec.get_fields()[0].value),
                        bytes(rec.get_fields()[1].value).decode()))
    check("raw", got, [(10, 2**62 + 10, "t10"), (11, 2**62 + 11, "t11"), (12, 2**62 + 12, "t12")])
    with s.execute_last_data_query([f"{db}.df.d"], 0) as ds:
        check("last columns", ds.get_column_names(), ["Time", "Timeseries", "Value", "DataType"])
        rec = ds.next()
        check("last row", (rec.get_timestamp(), *[bytes(f.value).decode() for f in rec.get_fields()]),
              (39, f"{db}.df.d", "13.0", "DOUBLE"))
    # execute_statement (V1 executeStatement): a query returns a data set, a non-query None
    check("statement non-query", s.execute_statement(
        f"insert into {db}.df(time, l) values(100, 5)"), None)
    ds = s.execute_statement(f"select count(l) from {db}.df")
    rec = ds.next()
    check("statement query", norm(rec.get_fields()[0].value), 41)
    ds.close_operation_handle()
    s.close()

    # compact protocol
    s = Session(host, port, "root", "root", zone_id="UTC")
    s.open(True)
    names, rows = rows_by_iterator(s, select10(f"{db}.tab", [1, 5]), ["INT32", "TEXT"])
    check("compact", rows, expected10(values, times, [1, 5]))
    s.close()
    print("client 2.0.2 ok")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
