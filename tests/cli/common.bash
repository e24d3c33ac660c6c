# tests/cli/common.bash — shared by the shell tests in tests/cli (sourced,
# not run: `make clitest` runs tests/cli/*.sh BUILD_DIR).  Starts a larchd on
# a fresh data directory in a temporary directory, stops it on exit.
#   BIN, TMP, PORT        the binaries, the scratch directory, larchd's port
#   fail MSG / pass MSG   report (fail exits 1)
#   larch ARGS...         run the shell against the test's larchd
set -u
BUILD=${1:?usage: $0 BUILD_DIR}
BIN=$(cd "$BUILD/bin" && pwd)
TMP=$(mktemp -d /tmp/larch-cli.XXXXXX)
LARCHD_PID=
PORT=
# the shell's own leaks are checked; libedit's terminal tables are not ours
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lsan.supp}

cleanup_common() {
	if [ -n "$LARCHD_PID" ]; then
		kill "$LARCHD_PID" 2>/dev/null
		wait "$LARCHD_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}

fail() {
	echo "FAIL: $*"
	exit 1
}

pass() {
	echo "ok   $*"
}

start_larchd() {
	"$BIN/larchd" --port 0 --data-dir "$TMP/data" > "$TMP/larchd.log" 2>&1 &
	LARCHD_PID=$!
	for _ in $(seq 200); do
		PORT=$(grep -ao 'ready on 127.0.0.1:[0-9]*' "$TMP/larchd.log" | cut -d: -f2)
		[ -n "$PORT" ] && return 0
		sleep 0.1
	done
	cat "$TMP/larchd.log"
	fail "larchd did not start"
}

larch() {
	"$BIN/larch" -h 127.0.0.1 -p "$PORT" -u root -pw root "$@"
}
