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
