#!/usr/bin/env bash
# Install what the build and the test suites need, only if it is missing:
# Debian packages (compiler, compression libraries, cmocka, clang for the
# fuzzers) and the Python packages the compatibility tests drive.
set -euo pipefail

pkgs=(build-essential pkg-config zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
      liblzma-dev libcmocka-dev clang libclang-rt-14-dev libssl-dev libedit-dev
      openssl tmux)  # openssl: the TLS compat tests make a CA and a server certificate;
                     # tmux: tests/cli drives the larch prompt through it
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python packages for tests/compat, pinned so results are repeatable.
py_want=(tsfile==2.5.0 pytest numpy pandas apache-iotdb==2.0.11)
if ! python3 - <<'PY' 2>/dev/null
import importlib.metadata as m, sys
ok = m.version("tsfile") == "2.5.0" and m.version("apache-iotdb") == "2.0.11"
for n in ("pytest", "numpy", "pandas"):
    m.version(n)
sys.exit(0 if ok else 1)
PY
then
	echo "install-deps: installing ${py_want[*]}"
	python3 -m pip install -q --disable-pip-version-check "${py_want[@]}" 2>&1 | grep -v "WARNING: Running pip as" || true
fi

# The 2.0.2 Python client (last one on the V1 query path) beside the newest,
# in its own directory: tests/compat/test_rpc_codec.py decodes V1 results
# with its IoTDBRpcDataSet.
iotdb202="${LARCH_IOTDB202:-$HOME/.cache/larch/apache-iotdb-2.0.2}"
if [ ! -d "$iotdb202/iotdb" ]; then
	echo "install-deps: installing apache-iotdb==2.0.2 into $iotdb202"
	python3 -m pip install -q --disable-pip-version-check --no-deps --target "$iotdb202" \
		apache-iotdb==2.0.2 2>&1 | grep -v "WARNING: Running pip as" || true
fi

# The official Java and Go clients for tests/compat/test_server_java_go.py: a JDK and
# Maven from Debian if missing (Go comes with the machine: the module needs Go >= 1.25),
# then the Maven artifacts (iotdb-session, iotdb-jdbc, build plugins) into ~/.m2 and the
# Go modules (iotdb-client-go) into the module cache, so the tests build offline.
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
	echo "install-deps: installing maven openjdk-17-jdk-headless"
	SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq maven openjdk-17-jdk-headless >/dev/null
fi
compat_root=$(cd "$(dirname "$0")/.." && pwd)
compat_java=$compat_root/tests/compat/java
m2="${HOME}/.m2/repository/org/apache/iotdb"
sess_v=$(sed -n 's:.*<iotdb.session.version>\(.*\)</iotdb.session.version>.*:\1:p' $compat_java/pom.xml)
jdbc_v=$(sed -n 's:.*<iotdb.jdbc.version>\(.*\)</iotdb.jdbc.version>.*:\1:p' $compat_java/pom.xml)
if [ ! -f "$m2/iotdb-session/$sess_v/iotdb-session-$sess_v.jar" ] ||
   [ ! -f "$m2/iotdb-jdbc/$jdbc_v/iotdb-jdbc-$jdbc_v.jar" ]; then
	echo "install-deps: fetching the Java client artifacts (iotdb-session $sess_v, iotdb-jdbc $jdbc_v)"
	out=$(mktemp -d)
	mvn -B -q -f $compat_java/pom.xml compile -Dlarch.out="$out" >/dev/null
	rm -rf "$out"
fi
if command -v go >/dev/null; then
	(cd "$compat_root/tests/compat/go" && go mod download)
else
	echo "install-deps: go (>= 1.25) is missing; tests/compat/test_server_java_go.py needs it" >&2
fi
