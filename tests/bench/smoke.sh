#!/bin/sh
# tests/bench/smoke.sh BUILD_DIR — a short larch-bench run against a larchd of
# BUILD_DIR on a fresh data directory:
#   1. every operation (writes and Q1..Q10), 2 clients, 2 s, mixed types,
#      out-of-order batches: no operation may fail and --verify must find
#      every acknowledged point (exit status 0);
#   2. each write mode with a fixed number of loops and no reordering: the
#      points stored (a count query) must equal clients x loops x batch x
#      sensors, computed here, not by the tool;
#   3. a wrong port must fail with exit status 1.
set -eu
BUILD=${1:?usage: smoke.sh BUILD_DIR}
BIN=$BUILD/bin
TMP=$(mktemp -d /tmp/larch-bench-smoke.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
fail() { echo "bench smoke: FAIL: $*"; sed 's/^/  | /' "$TMP/out" 2>/dev/null; exit 1; }

"$BIN/larchd" --port 0 --data-dir "$TMP/data" >"$TMP/larchd.out" 2>"$TMP/larchd.err" &
PID=$!
for _ in $(seq 100); do
	grep -q "ready on" "$TMP/larchd.out" && break
	sleep 0.1
done
PORT=$(sed -n 's/^larchd ready on .*:\([0-9]*\) pid .*/\1/p' "$TMP/larchd.out")
[ -n "$PORT" ] || { cat "$TMP/larchd.err"; fail "larchd did not start"; }

# 1. the whole mix
"$BIN/larch-bench" -p "$PORT" -c 2 -T 2 --ops all --clean --verify -d 4 -s 6 -b 20 \
	-t double,int32,int64,float,boolean,text --out-of-order 0.2 --query-sensors 2 \
	--prefill 200 --query-span 60000 >"$TMP/out" 2>&1 || fail "mixed run exit status $?"
for op in WRITE PREFILL Q1_POINT Q2_RANGE Q3_RANGE_VALUE Q4_AGG_RANGE Q5_AGG_VALUE \
	  Q6_AGG_RANGE_VALUE Q7_GROUP_BY Q8_LATEST Q9_RANGE_DESC Q10_VALUE_DESC; do
	# columns: operation ops points errors ...
	awk -v op=$op '$1 == op && $2 > 0 && $4 == 0 { ok = 1 } END { exit !ok }' "$TMP/out" ||
		fail "$op: no operations or errors"
done
grep -q "^verify: .* ok$" "$TMP/out" || fail "verify line"
grep -q "^server pid $PID: cpu" "$TMP/out" || fail "server figures (pid $PID) missing"
echo "bench smoke: mixed run ok ($(grep '^verify' "$TMP/out"))"

# 2. exact counts per write mode: 2 clients x 25 loops x 8 rows x 5 sensors
for mode in aligned tablet record string; do
	"$BIN/larch-bench" -p "$PORT" -c 2 -l 25 -b 8 -d 3 -s 5 -m "$mode" --clean --verify \
		--database root.smoke_$mode -t int64,double >"$TMP/out" 2>&1 ||
		fail "$mode: exit status $?"
	stored=$(sed -n 's/^verify: [0-9]* points written, \([0-9]*\) stored.*/\1/p' "$TMP/out")
	[ "$stored" = $((2 * 25 * 8 * 5)) ] || fail "$mode: stored '$stored', expected $((2 * 25 * 8 * 5))"
done
echo "bench smoke: write modes ok (2000 points each)"

# 3. an unreachable server is an error
if "$BIN/larch-bench" -p 1 -T 1 >"$TMP/out" 2>&1; then fail "port 1 accepted"; fi
grep -q "connect" "$TMP/out" || fail "no connect error message"
echo "bench smoke: ok"
