"""larchd under load and under hostile input, with the official Python client.

test_many_sessions_insert_and_query: 200 concurrent sessions (threads; half on the
compact protocol) insert tablets into their own device and query it back for a
bounded time (LARCH_LOAD_SECONDS, default 20; LARCH_LOAD_SESSIONS, default 200).
Every query checks read-your-writes (count == rows acknowledged so far, last row's
values); at the end every device's count equals the rows its thread wrote. Server
memory (VmRSS) is sampled every 2 s once all sessions are connected and warmed up;
the test prints the samples and compares the medians of the first and last thirds
(flushes make single samples spike) with a generous bound (late < 2 x early +
50 MiB): it is about memory staying flat, not about speed.

test_bad_input_keeps_server_serving: raw sockets send truncated frames, oversized
and negative frame lengths, random bytes, valid headers with garbage bodies, an
unknown method and calls before login, while a normal session keeps inserting and
querying; the server must answer what it can (Thrift exceptions), close what it
cannot, and keep serving everyone else.
"""
import os
import random
import socket
import struct
import statistics
import threading
import time

import pytest
from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.Thrift import TApplicationException, TMessageType
from thrift.transport import TTransport

from iotdb.Session import Session
from iotdb.thrift.rpc import IClientRPCService as S
from iotdb.thrift.rpc.ttypes import (TSExecuteStatementReq, TSOpenSessionReq,
                                     TSCloseSessionReq)
from iotdb.utils.IoTDBConstants import TSDataType as T
from iotdb.utils.Tablet import Tablet

LOAD_SECONDS = float(os.environ.get("LARCH_LOAD_SECONDS", "20"))
LOAD_SESSIONS = int(os.environ.get("LARCH_LOAD_SESSIONS", "200"))
ROWS_PER_TABLET = 20
# ASan keeps up to 256 MiB of freed memory in quarantine by default, which would look
# like growth; a small quarantine keeps RSS meaningful (no effect on a release build).
SMALL_QUARANTINE = {"ASAN_OPTIONS": ":".join(
    x for x in [os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=8"] if x)}


def open_session(srv, compression=False):
    s = Session(srv.host, srv.port, "root", "root", zone_id="UTC",
                connection_timeout_in_ms=120000)
    s.open(compression)
    return s


# --------------------------------------------------------------------------- load


class Writer:
    """One session writing tablets to root.load.d<i> and checking what it reads back."""

    def __init__(self, srv, i, deadline, start_barrier, errors):
        self.srv, self.i, self.deadline = srv, i, deadline
        self.dev = f"root.load.d{i}"
        self.rows = 0
        self.start_barrier = start_barrier
        self.errors = errors

    def run(self):
        try:
            s = open_session(self.srv, compression=self.i % 2 == 1)
        except Exception as e:  # still wait at the barrier so the others are not stuck
            self.errors.append(f"{self.dev}: open: {e!r}")
            self.start_barrier.wait()
            return
        try:
            self.start_barrier.wait()
            k = 0
            while time.monotonic() < self.deadline:
                self.write_one(s)
                k += 1
                if k % 3 == 0:
                    self.check(s)
            self.check(s)
        except Exception as e:
            self.errors.append(f"{self.dev}: {e!r}")
        finally:
            try:
                s.close()
            except Exception as e:
                self.errors.append(f"{self.dev}: close: {e!r}")

    def write_one(self, s):
        t0 = self.rows
        times = list(range(t0, t0 + ROWS_PER_TABLET))
        s.insert_tablet(Tablet(self.dev, ["v", "w"], [T.INT64, T.TEXT],
                               [[t * 7 + self.i, f"{self.i}:{t}"] for t in times], times))
        self.rows += ROWS_PER_TABLET

    def check(self, s):
        with s.execute_query_statement(f"select count(v), last_value(w) from {self.dev}") as ds:
            rec = ds.next()
            got = (rec.get_fields()[0].get_long_value(), rec.get_fields()[1].get_string_value())
        want = (self.rows, f"{self.i}:{self.rows - 1}")
        if got != want:
            self.errors.append(f"{self.dev}: read {got}, wrote {want}")


def test_many_sessions_insert_and_query(larchd_factory, capsys):
    srv = larchd_factory({"memory_budget": "64M"}, env=SMALL_QUARANTINE)
    errors = []
    barrier = threading.Barrier(LOAD_SESSIONS + 1)
    deadline = time.monotonic() + LOAD_SECONDS + 30  # replaced once everyone is connected
    writers = [Writer(srv, i, deadline, barrier, errors) for i in range(LOAD_SESSIONS)]
    threads = [threading.Thread(target=w.run, daemon=True) for w in writers]
    for t in threads:
        t.start()
    barrier.wait(timeout=300)
    end = time.monotonic() + LOAD_SECONDS
    for w in writers:
        w.deadline = end
    time.sleep(min(5.0, LOAD_SECONDS / 4))
    samples = [srv.rss_kb()]  # every ~2 s from the end of the warm-up to the end
    while time.monotonic() < end - 1:
        time.sleep(min(2.0, max(0.0, end - 1 - time.monotonic())))
        samples.append(srv.rss_kb())
    # A flush briefly holds a sealed memtable beside the file being written
    # (single samples spike to 2-4x), so compare medians of the first and
    # last thirds: steady growth shows there, flush spikes do not.
    third = max(1, len(samples) // 3)
    rss_early = statistics.median(samples[:third])
    rss_late = statistics.median(samples[-third:])
    for t in threads:
        t.join(timeout=LOAD_SECONDS + 300)
    assert not any(t.is_alive() for t in threads), "a session thread hung"
    assert srv.alive()
    assert errors == [], errors[:20]

    written = {w.dev: w.rows for w in writers}
    s = open_session(srv)
    try:
        got = {}
        for dev in written:
            with s.execute_query_statement(f"select count(v), count(w) from {dev}") as ds:
                rec = ds.next()
                got[dev] = tuple(f.get_long_value() for f in rec.get_fields())
        with s.execute_query_statement("count timeseries root.load.**") as ds:
            n_series = ds.next().get_fields()[0].get_long_value()
    finally:
        s.close()
    assert got == {d: (n, n) for d, n in written.items()}
    assert n_series == 2 * LOAD_SESSIONS
    total = sum(written.values())
    with capsys.disabled():
        print(f"\n[load] {LOAD_SESSIONS} sessions, {LOAD_SECONDS:.0f}s: {total} rows "
              f"({total / LOAD_SECONDS:.0f} rows/s incl. checks); larchd VmRSS "
              f"{rss_early / 1024:.1f} MiB (median, first third), {rss_late / 1024:.1f} MiB (last third) "
              f"(samples every 2 s: {' '.join(f'{x / 1024:.0f}' for x in samples)})")
    assert rss_late < 2 * rss_early + 50 * 1024, (rss_early, rss_late)


# --------------------------------------------------------------------------- bad input


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


def message(method, args=None, proto=TBinaryProtocol.TBinaryProtocol, seqid=0):
    """A CALL message (no frame length) for method with the args struct (or an empty one)."""
    buf = TTransport.TMemoryBuffer()
    p = proto(buf)
    p.writeMessageBegin(method, TMessageType.CALL, seqid)
    if args is None:
        p.writeStructBegin("x")
        p.writeFieldStop()
        p.writeStructEnd()
    else:
        args.write(p)
    p.writeMessageEnd()
    return buf.getvalue()


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def read_reply(sock):
    """The next reply frame's body, or None when the server closed the connection."""
    head = recv_exact(sock, 4)
    if head is None:
        return None
    (n,) = struct.unpack(">i", head)
    assert 0 <= n < 64 << 20, f"reply frame length {n}"
    body = recv_exact(sock, n)
    assert body is not None, "reply frame cut short"
    return body


def read_exception(body, proto=TBinaryProtocol.TBinaryProtocol):
    """Decode a reply that must be a Thrift EXCEPTION message; return (name, seqid, exc)."""
    p = proto(TTransport.TMemoryBuffer(body))
    name, mtype, seqid = p.readMessageBegin()
    assert mtype == TMessageType.EXCEPTION, f"{name}: message type {mtype}, not EXCEPTION"
    x = TApplicationException()
    x.read(p)
    p.readMessageEnd()
    return name, seqid, x


def is_answer(body, proto):
    """True if body is a well-formed EXCEPTION message, or a REPLY (garbage that happens to
    decode as the method's arguments, e.g. a body starting with STOP, may get a normal
    reply carrying an error status)."""
    try:
        p = proto(TTransport.TMemoryBuffer(body))
        _, mtype, _ = p.readMessageBegin()
        if mtype == TMessageType.EXCEPTION:
            TApplicationException().read(p)
            return True
        return mtype == TMessageType.REPLY
    except Exception:
        return False


def connect_raw(srv):
    sock = socket.create_connection((srv.host, srv.port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def closed_or_exception(srv, payload, what):
    """Send payload on a new connection; the server must answer a Thrift exception or close
    the connection (never hang, never crash). Returns the reply body or None."""
    sock = connect_raw(srv)
    try:
        sock.sendall(payload)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        try:
            body = read_reply(sock)
        except ConnectionResetError:
            body = None
        if body is not None and not any(is_answer(body, proto) for proto in
                                        (TBinaryProtocol.TBinaryProtocol,
                                         TCompactProtocol.TCompactProtocol)):
            pytest.fail(f"{what}: reply is neither a Thrift exception nor a reply: {body[:64]!r}")
        return body
    except socket.timeout:
        pytest.fail(f"{what}: the server neither answered nor closed within 30 s")
    finally:
        sock.close()


class Bystander:
    """A normal session inserting and querying the whole time; collects any error."""

    def __init__(self, srv):
        self.srv = srv
        self.stop = threading.Event()
        self.errors = []
        self.rows = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            s = open_session(self.srv)
            while not self.stop.is_set():
                s.insert_record("root.calm.d", self.rows, ["v"], [T.INT32], [self.rows])
                self.rows += 1
                with s.execute_query_statement("select count(v) from root.calm.d") as ds:
                    n = ds.next().get_fields()[0].get_long_value()
                if n != self.rows:
                    self.errors.append(f"count {n} after {self.rows} rows")
                time.sleep(0.01)
            s.close()
        except Exception as e:
            self.errors.append(repr(e))

    def finish(self):
        self.stop.set()
        self.thread.join(60)
        assert not self.thread.is_alive(), "the normal session hung"
        assert self.errors == []
        assert self.rows > 0


def test_bad_input_keeps_server_serving(larchd_factory):
    srv = larchd_factory()
    rng = random.Random(5)
    calm = Bystander(srv)
    # a connection that sends half a frame and then stays silent must not block anyone
    stalled = connect_raw(srv)
    stalled.sendall(struct.pack(">i", 1000) + b"\x80\x01\x00\x01")

    # truncated frames: length promises more than is sent, then EOF
    good = message("openSession", S.openSession_args(TSOpenSessionReq(2, "UTC", "root", "root")))
    for cut in [1, 3, 4, 5, 12, len(good) // 2, len(good) - 1]:
        closed_or_exception(srv, frame(good)[:cut], f"truncated at {cut}")
    # oversized and negative frame lengths: refused (connection closed)
    for n in [0x7FFFFFFF, (64 << 20) + 1, -1, -0x80000000]:
        sock = connect_raw(srv)
        sock.sendall(struct.pack(">i", n) + b"\x80\x01\x00\x01" * 4)
        try:
            assert recv_exact(sock, 4) is None, f"frame length {n}: connection not closed"
        except ConnectionResetError:
            pass
        sock.close()
    # an empty frame and random bytes
    closed_or_exception(srv, struct.pack(">i", 0), "empty frame")
    for k in range(40):
        junk = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
        payload = frame(junk) if k % 2 else junk
        closed_or_exception(srv, payload, f"random bytes #{k}")
    # valid message headers (both protocols) with garbage bodies
    for method in ["openSession", "insertTablet", "executeQueryStatementV2", "fetchResultsV2",
                   "insertRecords", "createSchemaTemplate", "closeSession"]:
        for proto in (TBinaryProtocol.TBinaryProtocol, TCompactProtocol.TCompactProtocol):
            head = message(method, proto=proto)[:-1]  # drop the empty struct's STOP
            body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
            closed_or_exception(srv, frame(head + body), f"{method} + garbage")
    # a valid header whose field claims a huge string/list: must not allocate it
    huge = message("executeStatementV2")[:-1] + b"\x0c\x00\x01" + b"\x0b\x00\x02" + \
        struct.pack(">i", 0x7FFFFFF0) + b"abc"
    closed_or_exception(srv, frame(huge), "huge string length")
    huge = message("insertRecords")[:-1] + b"\x0c\x00\x01" + b"\x0f\x00\x02\x0b" + \
        struct.pack(">i", 0x7FFFFFF0)
    closed_or_exception(srv, frame(huge), "huge list length")

    # unknown method: a Thrift exception UNKNOWN_METHOD with name and seqid echoed, and the
    # connection stays usable (as Thrift processors behave)
    sock = connect_raw(srv)
    sock.sendall(frame(message("noSuchMethod", seqid=77)))
    name, seqid, x = read_exception(read_reply(sock))
    assert (name, seqid, x.type) == ("noSuchMethod", 77, TApplicationException.UNKNOWN_METHOD)
    sock.sendall(frame(good))
    p = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(read_reply(sock)))
    assert p.readMessageBegin()[1] == TMessageType.REPLY
    r = S.openSession_result()
    r.read(p)
    assert r.success.status.code == 200
    sock.close()

    # calls before login are refused with 802 NOT_LOGIN, in the method's reply shape
    sock = connect_raw(srv)
    sock.sendall(frame(message("executeQueryStatementV2", S.executeQueryStatementV2_args(
        TSExecuteStatementReq(1, "show databases", 1)))))
    p = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(read_reply(sock)))
    assert p.readMessageBegin()[1] == TMessageType.REPLY
    r = S.executeQueryStatementV2_result()
    r.read(p)
    assert r.success.status.code == 802
    sock.sendall(frame(message("closeSession", S.closeSession_args(TSCloseSessionReq(1)))))
    p = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(read_reply(sock)))
    p.readMessageBegin()
    r = S.closeSession_result()
    r.read(p)
    assert r.success.code == 802
    sock.close()

    # a client that vanishes mid-request: half a frame then RST
    sock = connect_raw(srv)
    sock.sendall(frame(good)[:10])
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()

    assert srv.alive()
    calm.finish()
    # new sessions still open and work, with the stalled connection still open
    s = open_session(srv)
    try:
        with s.execute_query_statement("select count(v) from root.calm.d") as ds:
            assert ds.next().get_fields()[0].get_long_value() == calm.rows
    finally:
        s.close()
    stalled.close()
