"""Shared fixtures for the compatibility tests: where Larch's programs are."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _bin_dir():
    return os.environ.get("LARCH_BIN") or os.path.join(ROOT, "build", "release", "bin")


@pytest.fixture(scope="session")
def larch_tsfile():
    """Run larch-tsfile with arguments; return stdout (raises with stderr on failure)."""
    exe = os.path.join(_bin_dir(), "larch-tsfile")
    assert os.access(exe, os.X_OK), f"{exe} is not built"

    def run(*args, check=True):
        p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"larch-tsfile {' '.join(map(str, args))} failed "
                                 f"({p.returncode}): {p.stderr}")
        return p
    return run


# --- larchd fixtures (tests/compat/test_server_*.py) --------------------------
# Each starts larchd on a free port with a fresh data directory and, at
# teardown, stops it with SIGTERM and asserts exit code 0 (graceful stop; under
# ASan also no leak and no sanitizer report). Helpers in server_helpers.py.
from server_helpers import Larchd, make_tls_files  # noqa: E402


@pytest.fixture(scope="module")
def larchd(tmp_path_factory):
    """A plain (binary/compact protocol, no TLS) larchd shared by one test module."""
    srv = Larchd(tmp_path_factory.mktemp("larchd"))
    yield srv
    srv.stop_and_check()


@pytest.fixture(scope="module")
def larchd_tls(tmp_path_factory):
    """A larchd serving TLS only; .tls holds the CA / cert / key file paths."""
    d = tmp_path_factory.mktemp("larchd_tls")
    tls = make_tls_files(d)
    srv = Larchd(d, {"enable_thrift_ssl": "true", "ssl_cert_file": tls["cert"],
                     "ssl_key_file": tls["key"]})
    srv.tls = tls
    yield srv
    srv.stop_and_check()


@pytest.fixture
def larchd_factory(tmp_path_factory):
    """start(settings=None, env=None) -> a new larchd; each is stopped and checked after the test."""
    started = []

    def start(settings=None, env=None):
        srv = Larchd(tmp_path_factory.mktemp("larchd"), settings, env)
        started.append(srv)
        return srv
    yield start
    for srv in started:
        srv.stop_and_check()
