#!/usr/bin/env python3
"""Generate tests/unit/rpc/vectors.h: request frames serialized by the
OFFICIAL IoTDB Python client (pip package apache-iotdb, 2.0.11 when this was
run), with both TBinaryProtocol and TCompactProtocol.

The requests are built the way the client builds them: Session.gen_* for
records and tablets (so the value blobs, tablet columns and bitmap trailers
are the client's own bytes), Tablet / NumpyTablet / Template classes, and the
generated IClientRPCService.Client.send_<method>() writes the whole CALL
message into a TMemoryBuffer.  The C tests (test_messages.c) decode each
vector and check every field against the literal values used below.

    python3 tests/unit/rpc/gen_vectors.py > tests/unit/rpc/vectors.h
"""
import sys
import warnings

import numpy as np
from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.transport import TTransport

from iotdb.Session import Session
from iotdb.template.MeasurementNode import MeasurementNode
from iotdb.template.Template import Template
from iotdb.thrift.rpc import IClientRPCService as S
from iotdb.thrift.rpc.ttypes import (TSCloseOperationReq, TSCreateMultiTimeseriesReq,
                                     TSCreateTimeseriesReq, TSDeleteDataReq,
                                     TSExecuteStatementReq, TSFetchResultsReq,
                                     TSOpenSessionReq, TSQueryTemplateReq,
                                     TSRawDataQueryReq, TSSetTimeZoneReq)
from iotdb.utils.BitMap import BitMap
from iotdb.utils.IoTDBConstants import Compressor, TSDataType, TSEncoding
from iotdb.utils.NumpyTablet import NumpyTablet
from iotdb.utils.Tablet import ColumnType, Tablet

warnings.simplefilter("ignore")
SID = 1001       # session id used in every request
STMT = 7         # statement id

sess = Session("127.0.0.1", 6667)
sess._Session__session_id = SID

T = TSDataType
ALL_TYPES = [T.BOOLEAN, T.INT32, T.INT64, T.FLOAT, T.DOUBLE, T.TEXT,
             T.TIMESTAMP, T.DATE, T.BLOB, T.STRING]
ALL_NAMES = ["b", "i", "l", "f", "d", "t", "ts", "dt", "x", "s"]


def frame(proto_cls, method, *args):
    buf = TTransport.TMemoryBuffer()
    client = S.Client(proto_cls(buf))
    getattr(client, "send_" + method)(*args)
    return buf.getvalue()


def requests():
    import datetime
    yield "open_session", "openSession", TSOpenSessionReq(
        2, "+08:00", "root", "root",
        {"version": "V_1_0", "sql_dialect": "tree"})
    yield "request_statement_id", "requestStatementId", SID
    yield "set_time_zone", "setTimeZone", TSSetTimeZoneReq(SID, "Asia/Shanghai")
    yield "exec_query_v2", "executeQueryStatementV2", TSExecuteStatementReq(
        SID, "select * from root.sg.d1", STMT, 5000, 0)
    yield "exec_update_v2", "executeUpdateStatementV2", TSExecuteStatementReq(
        SID, "create database root.sg", STMT)
    yield "fetch_v2", "fetchResultsV2", TSFetchResultsReq(
        STMT, "select * from root.sg.d1", 5000, 42, True, 60000)
    yield "close_operation", "closeOperation", TSCloseOperationReq(SID, 42, STMT)
    yield "set_storage_group", "setStorageGroup", SID, "root.sg"
    yield "delete_timeseries", "deleteTimeseries", SID, ["root.sg.d1.s1", "root.sg.d1.s2"]
    yield "create_timeseries", "createTimeseries", TSCreateTimeseriesReq(
        SID, "root.sg.d1.s1", T.INT64, TSEncoding.RLE, Compressor.SNAPPY,
        {"p": "1"}, {"tag1": "v1", "tag2": "v2"}, {"a": "b"}, "alias1")
    yield "create_multi", "createMultiTimeseries", TSCreateMultiTimeseriesReq(
        SID, ["root.sg.d2.a", "root.sg.d2.b"], [T.INT32, T.DOUBLE],
        [TSEncoding.PLAIN, TSEncoding.GORILLA], [Compressor.LZ4, Compressor.ZSTD],
        None, [{"k": "v"}, {}], None, ["x", "y"])
    yield "delete_data", "deleteData", TSDeleteDataReq(
        SID, ["root.sg.d1.s1"], -(2 ** 63), 100)
    yield "raw_query", "executeRawDataQueryV2", TSRawDataQueryReq(
        SID, ["root.sg.d1.s1"], 1024, 10, 20, STMT, False)
    yield "query_template", "querySchemaTemplate", TSQueryTemplateReq(
        SID, "t1", 3, None)
    values = [True, -7, 1 << 40, 1.5, -2.25, "hi", 1700000000000,
              datetime.date(2024, 1, 31), b"\x00\xff", "str"]
    yield "insert_record", "insertRecord", sess.gen_insert_record_req(
        "root.sg.d1", 123, ALL_NAMES, ALL_TYPES, values)
    yield "insert_records", "insertRecords", sess.gen_insert_records_req(
        ["root.sg.d1", "root.sg.d2"], [1, 2], [["a"], ["b", "c"]],
        [[T.INT32], [T.DOUBLE, T.TEXT]], [[5], [0.5, "z"]], True)
    yield "insert_records_one_device", "insertRecordsOfOneDevice", \
        sess.gen_insert_records_of_one_device_request(
            "root.sg.d1", [10, 11], [["a"], ["a", "b"]], [[1], [2, 3]],
            [[T.INT64], [T.INT64, T.INT64]])
    yield "insert_str_records_one_device", "insertStringRecordsOfOneDevice", \
        sess.gen_insert_string_records_of_one_device_request(
            "root.sg.d1", [10, 11], [["a"], ["a", "b"]], [["1"], ["2.5", "true"]], False)
    # a tablet with every type and None values (Tablet writes the bitmap trailer)
    rows = []
    for r in range(9):
        rows.append([r % 2 == 0, r * 10 - 3, r * 1000000007, r / 4, r * -1.5, f"t{r}",
                     1700000000000 + r, datetime.date(2024, 2, 1 + r), bytes([r, 0, r]),
                     "s" * r])
    rows[1][1] = None            # INT32 row 1 null
    for r in range(1, 9):
        rows[r][7] = None        # DATE rows 1..8 null
    rows[3][5] = None            # TEXT row 3 null
    rows[8][0] = None            # BOOLEAN row 8 null
    tablet = Tablet("root.sg.d1", ALL_NAMES, ALL_TYPES, rows, list(range(100, 109)))
    yield "insert_tablet", "insertTablet", sess.gen_insert_tablet_req(tablet, True)
    # insertTablets: a NumpyTablet with an explicit bitmap plus a Tablet without nulls
    np_tab = NumpyTablet("root.sg.d3", ["v", "w"], [T.DOUBLE, T.INT32],
                         [np.array([1.0, 2.0, 3.0], ">f8"), np.array([4, 5, 6], ">i4")],
                         np.array([7, 8, 9], ">i8"), [BitMap(3), BitMap(3)])
    np_tab.bitmaps[0].mark(2)
    plain = Tablet("root.sg.d4", ["q"], [T.INT64], [[1], [2]], [1, 2])
    yield "insert_tablets", "insertTablets", sess.gen_insert_tablets_req([np_tab, plain])
    table = Tablet("t1", ["tag1", "attr1", "m1"], [T.STRING, T.STRING, T.DOUBLE],
                   [["a", "x", 1.0], ["b", None, 2.0]], [1, 2],
                   [ColumnType.TAG, ColumnType.ATTRIBUTE, ColumnType.FIELD])
    yield "insert_table_tablet", "insertTablet", sess.gen_insert_relational_tablet_req(table)
    tpl = Template("tpl1", share_time=True)
    tpl.add_template(MeasurementNode("s1", T.INT64, TSEncoding.RLE, Compressor.SNAPPY))
    tpl.add_template(MeasurementNode("s2", T.FLOAT, TSEncoding.GORILLA, Compressor.LZ4))
    from iotdb.thrift.rpc.ttypes import TSCreateSchemaTemplateReq
    yield "create_template", "createSchemaTemplate", TSCreateSchemaTemplateReq(
        SID, tpl.get_name(), tpl.serialize)


def c_hex(b):
    s = b.hex()
    return "\n".join(f'\t"{s[i:i + 96]}"' for i in range(0, len(s), 96)) or '\t""'


def main():
    out = sys.stdout
    out.write("/* Generated by tests/unit/rpc/gen_vectors.py from the official IoTDB Python\n"
              " * client (apache-iotdb): whole CALL messages (without the frame length)\n"
              " * written by IClientRPCService.Client.send_<method>.  Do not edit. */\n")
    for name, method, *args in requests():
        for tag, proto in (("bin", TBinaryProtocol.TBinaryProtocol),
                           ("compact", TCompactProtocol.TCompactProtocol)):
            out.write(f"static const char VEC_{name.upper()}_{tag.upper()}[] = /* {method} */\n"
                      f"{c_hex(frame(proto, method, *args))};\n")


if __name__ == "__main__":
    main()
