"""larchd against the official Java and Go clients: an insert + query round trip of every type.

Three programs, each run once against one larchd (the module's `larchd` fixture: free port,
fresh data directory, SIGTERM and a clean exit checked at teardown):

- tests/compat/java/session: SessionRoundTrip, org.apache.iotdb:iotdb-session (Session and
  SessionPool), database root.jv;
- tests/compat/java/jdbc: JdbcRoundTrip, org.apache.iotdb:iotdb-jdbc (Statement,
  PreparedStatement, ResultSet getters), database root.jd;
- tests/compat/go: gocompat, github.com/apache/iotdb-client-go/v2 (Session and
  SessionPool), database root.go.

Each program prints one line per client call it exercises, "PASS <step>" or
"FAIL <step>: <reason>", comparing every value read back with a model of what was written.
Every step is one test here, so the report lists which client calls work; all of them are
expected to pass.

Builds are cached: Maven compiles offline from ~/.m2 when it can (online otherwise) into
<build>/compat-clients/java, Go builds from its module and build caches into
<build>/compat-clients/gocompat. scripts/install-deps.sh fills both caches.
"""
import os
import re
import shutil
import subprocess

import pytest

from server_helpers import ROOT, bin_dir

JAVA_DIR = os.path.join(ROOT, "tests", "compat", "java")
GO_DIR = os.path.join(ROOT, "tests", "compat", "go")
OUT = os.path.join(os.path.dirname(bin_dir()), "compat-clients")
LINE = re.compile(r"^(PASS|FAIL) (.+?)(?:: (.*))?$")

SESSION_STEPS = [
    "open", "createDatabase", "createTimeseries", "createAlignedTimeseries",
    "checkTimeseriesExists", "insertRecord", "insertAlignedRecord", "insertRecords",
    "insertAlignedRecords", "insertRecordsOfOneDevice",
    "insertTablet", "insertAlignedTablet",
    "insertTablet small (< 10 rows, not column-encoded)",
    "insertTablet with IoTDB RPC compression off",
    "insertAlignedTablet with IoTDB RPC compression off",
    "insertTablets",
    "executeQueryStatement root.jv.d1", "executeQueryStatement root.jv.a1",
    "executeQueryStatement root.jv.d2", "executeQueryStatement where time",
    "executeRawDataQuery", "executeNonQueryStatement insert",
    "executeNonQueryStatement insert X'..' BLOB literal",
    "executeNonQueryStatement flush", "query after SQL inserts + flush", "deleteData",
    "insertRecord with String values (insertStringRecord)",
    "insertRecords with String values (insertStringRecords)", "query after String records",
    "insertStringRecords of extreme numbers (3.4028235E38, 4.9E-324, 1.4E-45)",
    "executeAggregationQuery COUNT", "executeLastDataQuery",
    "executeFastLastDataQueryForOnePrefixPath",
    "SessionPool insertTablet (< 10 rows) + executeNonQueryStatement",
    "SessionPool insertTablet (25 rows, default options)",
    "SessionPool executeQueryStatement", "close",
]

JDBC_STEPS = [
    "DriverManager.getConnection", "execute CREATE DATABASE",
    "execute CREATE (ALIGNED) TIMESERIES", "execute INSERT",
    "execute INSERT X'..' BLOB literal",
    "execute INSERT .. ALIGNED VALUES (multi-row)", "executeUpdate INSERT", "executeBatch",
    "PreparedStatement INSERT", "executeQuery root.jd.d1 (getters of every type)",
    "executeQuery root.jd.a1 (getters of every type)", "execute SELECT + getResultSet",
    "PreparedStatement query", "execute DELETE", "DatabaseMetaData (getProperties)", "close",
]

GO_STEPS = [
    "Open", "GetTimeZone", "SetStorageGroup", "CreateTimeseries", "CreateAlignedTimeseries",
    "CreateMultiTimeseries", "InsertRecord", "InsertAlignedRecord", "InsertRecords",
    "InsertAlignedRecords", "InsertRecordsOfOneDevice", "InsertTablet", "InsertAlignedTablet",
    "InsertTablets", "ExecuteQueryStatement root.go.d1", "ExecuteQueryStatement root.go.a1",
    "ExecuteQueryStatement root.go.d2", "ExecuteQueryStatement root.go.d3",
    "ExecuteQueryStatement where time", "ExecuteRawDataQuery",
    "ExecuteNonQueryStatement insert",
    "ExecuteNonQueryStatement insert X'..' BLOB literal",
    "ExecuteBatchStatement", "ExecuteNonQueryStatement flush", "query after SQL inserts + flush",
    "DeleteData", "ExecuteAggregationQuery COUNT", "InsertStringRecord",
    "ExecuteNonQueryStatement insert -0 into FLOAT/DOUBLE",
    "SessionPool", "Close",
]


def _tool(name):
    path = shutil.which(name)
    assert path, f"{name} is not installed (scripts/install-deps.sh installs it)"
    return path


def _build(what, cmds, cwd):
    """Runs the first of `cmds` that succeeds; fails with the last one's output."""
    for cmd in cmds:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
        if p.returncode == 0:
            return
    raise AssertionError(f"building {what} failed: {' '.join(cmd)}\n{p.stdout[-4000:]}"
                         f"\n{p.stderr[-4000:]}")


@pytest.fixture(scope="module")
def java_classpaths():
    """Compiles the Java programs; returns {module: classpath}."""
    mvn = _tool("mvn")
    _tool("java")
    out = os.path.join(OUT, "java")
    base = [mvn, "-B", "-q", "compile", f"-Dlarch.out={out}"]
    _build("the Java programs (Maven)", [base[:2] + ["-o"] + base[2:], base], JAVA_DIR)
    cps = {}
    for mod in ("session", "jdbc"):
        with open(os.path.join(out, mod, "classpath.txt")) as f:
            cps[mod] = os.path.join(out, mod, "classes") + os.pathsep + f.read().strip()
    return cps


@pytest.fixture(scope="module")
def go_program():
    """Builds the Go program; returns its path."""
    exe = os.path.join(OUT, "gocompat")
    _build("the Go program", [[_tool("go"), "build", "-o", exe, "."]], GO_DIR)
    return exe


def _run(cmd, srv):
    """Runs a round-trip program against srv; returns {step: (passed, reason)} and the process."""
    p = subprocess.run(cmd + [srv.host, str(srv.port)], capture_output=True, text=True,
                       timeout=300)
    steps = {}
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if m:
            steps[m.group(2)] = (m.group(1) == "PASS", m.group(3) or "")
    assert steps, (f"{cmd[-1]} reported no step (exit {p.returncode})\n{p.stdout[-3000:]}"
                   f"\n{p.stderr[-3000:]}")
    assert srv.alive(), f"larchd died during {cmd[-1]}\n{srv.log_tail()}"
    return steps, p


def _java(classpath, main):
    return [_tool("java"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath,
            f"larch.compat.{main}"]


@pytest.fixture(scope="module")
def session_run(larchd, java_classpaths):
    return _run(_java(java_classpaths["session"], "SessionRoundTrip"), larchd)


@pytest.fixture(scope="module")
def jdbc_run(larchd, java_classpaths):
    return _run(_java(java_classpaths["jdbc"], "JdbcRoundTrip"), larchd)


@pytest.fixture(scope="module")
def go_run(larchd, go_program):
    return _run([go_program], larchd)


def _check_step(run, step):
    steps, p = run
    assert step in steps, (f"step {step!r} not reported (program exit {p.returncode});"
                           f" stderr:\n{p.stderr[-3000:]}")
    passed, why = steps[step]
    assert passed, why


def _check_complete(run, names):
    """Every step ran and was listed here; the exit code says whether any failed."""
    steps, p = run
    want = [n.values[0] if hasattr(n, "values") else n for n in names]
    assert sorted(steps) == sorted(want), (f"steps reported {sorted(steps)}\n"
                                           f"steps listed   {sorted(want)}")
    assert p.returncode == (0 if all(ok for ok, _ in steps.values()) else 1), p.stderr[-3000:]


@pytest.mark.parametrize("step", SESSION_STEPS)
def test_java_session(session_run, step):
    _check_step(session_run, step)


@pytest.mark.parametrize("step", JDBC_STEPS)
def test_java_jdbc(jdbc_run, step):
    _check_step(jdbc_run, step)


@pytest.mark.parametrize("step", GO_STEPS)
def test_go_client(go_run, step):
    _check_step(go_run, step)


@pytest.mark.parametrize("client,names", [("session", SESSION_STEPS), ("jdbc", JDBC_STEPS),
                                          ("go", GO_STEPS)])
def test_every_step_reported(request, client, names):
    _check_complete(request.getfixturevalue(f"{client}_run"), names)
