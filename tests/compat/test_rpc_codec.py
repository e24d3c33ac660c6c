"""src/rpc against the official IoTDB Python client's own code, both ways.

Requests are written by the client's generated IClientRPCService.Client
(binary and compact protocol); tests/compat/rpc_codec_tool.c decodes them
with src/rpc and writes the reply src/rpc encodes; the client's generated
recv_<method> reads it (it raises on a malformed reply or an exception), and
the query results go through the client's own decoders: the TsBlock
deserializer of apache-iotdb (V2) and, when the 2.0.2 client is installed
(scripts/install-deps.sh puts it in ~/.cache/larch/apache-iotdb-2.0.2), the
2.0.2 IoTDBRpcDataSet that decodes the V1 TSQueryDataSet.
"""
import os
import subprocess
import sys

import pytest
from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.Thrift import TApplicationException
from thrift.transport import TTransport

from iotdb.Session import Session
from iotdb.thrift.rpc import IClientRPCService as S
from iotdb.thrift.rpc.ttypes import TSCloseSessionReq, TSExecuteStatementReq, TSOpenSessionReq
from iotdb.tsfile.utils.tsblock_serde import deserialize
from iotdb.utils.IoTDBConstants import TSDataType as T
from iotdb.utils.Tablet import Tablet

PROTOCOLS = [TBinaryProtocol.TBinaryProtocol, TCompactProtocol.TCompactProtocol]
ROWS, COLS = 5, 10
TYPES = ["BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE", "TEXT", "TIMESTAMP", "DATE",
         "BLOB", "STRING"]
NAMES = ["root.sg.d." + n for n in ["b", "i", "l", "f", "d", "t", "ts", "dt", "x", "s"]]
PY202 = os.environ.get("LARCH_IOTDB202") or os.path.expanduser(
    "~/.cache/larch/apache-iotdb-2.0.2")


def value_of(r, c):
    """Mirror of rpc_codec_tool.c's block (None = null)."""
    r = int(r)  # callers may pass numpy integers
    if (r + c) % 3 == 0:
        return None
    return [r % 2 == 1, r * -7, r << 40, r * 0.25, r * 1.5, f"t{r}".encode(),
            1700000000000 + r, 20240101 + r, bytes([r, 0]), b"s" * r][c]


def tool():
    exe = os.path.join(os.environ.get("LARCH_COMPAT", ""), "rpc_codec_tool")
    assert os.access(exe, os.X_OK), f"{exe} is not built"
    return exe


def call(proto, method, *args):
    """Send method(*args) through src/rpc; return the client's recv_ result."""
    req = TTransport.TMemoryBuffer()
    getattr(S.Client(proto(req)), "send_" + method)(*args)
    out = subprocess.run([tool()], input=req.getvalue(), capture_output=True,
                         check=True, timeout=60).stdout
    return getattr(S.Client(proto(TTransport.TMemoryBuffer(out))), "recv_" + method)()


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_open_session_reply(proto):
    r = call(proto, "openSession", TSOpenSessionReq(2, "+08:00", "root", "root",
                                                    {"version": "V_1_0"}))
    assert r.status.code == 200 and r.status.message == "ok"
    assert r.serverProtocolVersion == 2 and r.sessionId == 7
    assert r.configuration == {"timestamp_precision": "ms"}
    r.validate()


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_status_with_sub_statuses(proto):
    st = call(proto, "closeSession", TSCloseSessionReq(7))
    assert st.code == 302 and st.message == "batch" and st.needRetry is True
    assert [s.code for s in st.subStatus] == [200, 400]
    assert st.subStatus[1].redirectNode.ip == "10.0.0.1"
    assert st.subStatus[1].redirectNode.port == 6668
    assert st.subStatus[0].subStatus is None


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_tablet_parsed_like_the_client_wrote_it(proto):
    sess = Session("127.0.0.1", 6667)
    sess._Session__session_id = 7
    rows = [[1, None, "a"], [None, 2.5, None], [3, 3.5, "c"]]
    tab = Tablet("root.sg.d", ["a", "b", "c"], [T.INT64, T.DOUBLE, T.TEXT], rows, [1, 2, 3])
    st = call(proto, "insertTablet", sess.gen_insert_tablet_req(tab))
    assert st.code == 200 and st.message == "rows=3 cols=3 nulls=3"


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_unknown_method_gets_an_exception(proto):
    with pytest.raises(TApplicationException) as e:
        call(proto, "getTimeZone", 7)  # decoded fine, not handled by the tool
    assert e.value.type == TApplicationException.UNKNOWN_METHOD


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_v2_tsblocks_decode_in_the_client(proto):
    r = call(proto, "executeQueryStatementV2",
             TSExecuteStatementReq(7, "select * from root.sg.d", 1, 5000, 0))
    r.validate()
    assert r.status.code == 200 and r.queryId == 99 and r.moreData is True
    assert r.columns == NAMES and r.dataTypeList == TYPES
    assert r.ignoreTimeStamp is False and r.sgColumns == []
    assert r.columnNameIndexMap == {n: i for i, n in enumerate(NAMES)}
    assert len(r.queryResult) == 2
    row = 0
    for blk in r.queryResult:
        times, values, nulls, count = deserialize(memoryview(blk))  # as the client calls it
        for k in range(count):
            assert times[k] == 1000 + row + k
        for c in range(COLS):
            it = iter(values[c])
            for k in range(count):
                want = value_of(row + k, c)
                is_null = nulls[c] is not None and bool(nulls[c][k])
                assert is_null == (want is None), (c, row + k)
                if c == 0:            # BOOLEAN: a value for every row
                    got = bool(values[c][k])
                elif want is None:
                    continue
                else:
                    got = next(it)
                if want is None:
                    continue
                if isinstance(want, bytes):
                    got = bytes(got)
                assert got == want, (c, row + k, got, want)
        row += count
    assert row == ROWS


V1_SCRIPT = r"""
import sys, pickle
sys.path.insert(0, sys.argv[1])
import pandas as pd
from iotdb.utils.IoTDBRpcDataSet import IoTDBRpcDataSet
from iotdb.thrift.rpc.ttypes import TSExecuteStatementResp
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport
resp = TSExecuteStatementResp()
resp.read(TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(sys.stdin.buffer.read())))
ds = IoTDBRpcDataSet("q", resp.columns, resp.dataTypeList, resp.columnNameIndexMap,
                     resp.ignoreTimeStamp, resp.queryId, None, 1, 7, resp.queryDataSet, 5000)
ds.construct_one_data_frame()
df = ds.data_frame
out = [[None if pd.isna(v) else v for v in df[col].tolist()] for col in df.columns]
sys.stdout.buffer.write(pickle.dumps([[x if not hasattr(x, "item") else x.item() for x in c] for c in out]))
"""


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_v1_query_data_set_decodes_in_the_202_client(proto):
    if not os.path.isdir(os.path.join(PY202, "iotdb")):
        pytest.skip(f"apache-iotdb 2.0.2 not installed in {PY202} (scripts/install-deps.sh)")
    import pickle
    r = call(proto, "executeQueryStatement",
             TSExecuteStatementReq(7, "select * from root.sg.d", 1, 5000, 0))
    assert r.queryDataSet is not None and r.queryResult is None
    buf = TTransport.TMemoryBuffer()
    r.write(TBinaryProtocol.TBinaryProtocol(buf))  # hand the struct to the old client
    p = subprocess.run([sys.executable, "-c", V1_SCRIPT, PY202], input=buf.getvalue(),
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    cols = pickle.loads(p.stdout)
    assert cols[0] == [1000 + r for r in range(ROWS)]
    for c in range(COLS):
        got = cols[c + 1]
        for row in range(ROWS):
            want = value_of(row, c)
            assert (got[row] is None) == (want is None), (c, row, got)
            if want is not None:
                assert got[row] == want, (c, row, got[row], want)
