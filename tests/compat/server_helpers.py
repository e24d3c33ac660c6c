"""larchd for the compatibility tests: start one on a free port, stop it, check it.

A server is started as `larchd --port 0 --data-dir DIR [--set k=v]...`; the
ready line it prints on stdout ("larchd ready on ADDR:PORT pid N") gives the
port. Its log (stderr) goes to a file beside the data directory so a busy
server can never block on a full pipe. stop() sends SIGTERM and returns the
exit code: 0 is a clean, graceful stop; under ASan a leak or any sanitizer
report makes it non-zero, so checking it checks those too.

Also here: a throw-away CA and a server certificate for 127.0.0.1/localhost
made with the openssl command-line tool, for the TLS tests.
"""
import os
import re
import select
import signal
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READY = re.compile(rb"larchd ready on ([0-9.]+):(\d+) pid (\d+)")


def bin_dir():
    return os.environ.get("LARCH_BIN") or os.path.join(ROOT, "build", "release", "bin")


class Larchd:
    """One running larchd (host, port, pid, data_dir, log)."""

    def __init__(self, workdir, settings=None, env=None, start_timeout=60):
        exe = os.path.join(bin_dir(), "larchd")
        assert os.access(exe, os.X_OK), f"{exe} is not built"
        self.workdir = str(workdir)
        self.data_dir = os.path.join(self.workdir, "data")
        self.log_path = os.path.join(self.workdir, "larchd.log")
        args = [exe, "--port", "0", "--data-dir", self.data_dir]
        for k, v in (settings or {}).items():
            args += ["--set", f"{k}={v}"]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log,
                                     stdin=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
        self.exit_code = None
        line = self._read_ready(start_timeout)
        m = READY.search(line)
        assert m, f"larchd printed {line!r}, not a ready line; log: {self.log_tail()}"
        self.host = m.group(1).decode()
        self.port = int(m.group(2))
        self.pid = int(m.group(3))
        assert self.pid == self.proc.pid, "the ready line names another pid"

    def _read_ready(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.proc.kill()
                raise AssertionError(f"larchd not ready in {timeout}s; log: {self.log_tail()}")
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    rc = self.proc.wait(10)
                    raise AssertionError(f"larchd exited ({rc}) before its ready line; "
                                         f"log: {self.log_tail()}")
                buf += chunk
        return buf.split(b"\n", 1)[0]

    def alive(self):
        return self.proc.poll() is None

    def rss_kb(self):
        """Resident set size of the server now (VmRSS from /proc), in KiB."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS line")

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def stop(self, timeout=120):
        """SIGTERM, wait; return the exit code (kills it after `timeout` s)."""
        if self.exit_code is not None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.exit_code = "hung after SIGTERM"
        self.proc.stdout.close()
        self._log.close()
        return self.exit_code

    def stop_and_check(self):
        rc = self.stop()
        assert rc == 0, f"larchd did not exit cleanly on SIGTERM: {rc}\n{self.log_tail(80)}"


def make_tls_files(d):
    """A CA and a server key/certificate for 127.0.0.1 and localhost in dir d.

    Returns dict(ca=, cert=, key=, other_ca=): other_ca is an unrelated CA the
    server certificate does not chain to (for the verification-fails case)."""
    d = str(d)

    def ssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d, timeout=60)

    def ca(name):
        ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN=larch test {name}")

    ca("ca")
    ca("other_ca")
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", "server.crt", "-extfile", "san.ext")
    return {k: os.path.join(d, v) for k, v in
            dict(ca="ca.pem", cert="server.crt", key="server.key",
                 other_ca="other_ca.pem").items()}
