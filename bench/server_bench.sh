#!/bin/sh
# bench/server_bench.sh BUILD_DIR — the server targets of issue 6, measured
# with larch-bench against a larchd of BUILD_DIR (a release build) on a free
# port and a fresh data directory per measurement, client and server on the
# same machine.  Prints every larch-bench report, then the figures beside
# the targets.  SECONDS_PER_RUN (default 10) sets each measured phase.
#
#   ingest   aligned tablets, 10 devices x 500 sensors x 100 rows per
#            write, 2 clients                            >= 10 M points/s
#   records  insertRecord, one row (10 sensors) per call, one connection
#                                                        >= 15 k calls/s
#   Q8       SELECT LAST of one series, p50              < 100 us
#   Q7       count over one hour in one-minute windows (GROUP BY), p50
#                                                        < 1 ms
#            (Q7 and Q8 over 10 devices x 10 sensors holding one hour
#            of points at a 1 s step: in memtables, then after a restart
#            from the TsFile it flushed)
#   memory   server RSS holding 10 k series (100 devices x 100 sensors,
#            non-aligned) of hot data: 100 points each (1 M points),
#            then while answering Q8 over them             < 100 MB
#            (also shown: 300 points per series)
set -eu
BUILD=${1:-build/release}
SECS=${SECONDS_PER_RUN:-10}
BIN=$BUILD/bin
for p in larchd larch-bench; do
	[ -x "$BIN/$p" ] || { echo "server_bench: $BIN/$p missing (make BUILD=$BUILD build)"; exit 1; }
done
TMP=$(mktemp -d /tmp/larch-server-bench.XXXXXX)
PID=
stop_server() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	PID=
}
trap 'stop_server; rm -rf "$TMP"' EXIT INT TERM

# start_server DIR: a larchd on data directory $TMP/DIR; sets PID and PORT
start_server() {
	rm -f "$TMP/$1.out"
	"$BIN/larchd" --port 0 --data-dir "$TMP/$1" >"$TMP/$1.out" 2>"$TMP/$1.err" &
	PID=$!
	for _ in $(seq 100); do
		grep -q "ready on" "$TMP/$1.out" 2>/dev/null && break
		sleep 0.1
	done
	PORT=$(sed -n 's/^larchd ready on .*:\([0-9]*\) pid .*/\1/p' "$TMP/$1.out")
	[ -n "$PORT" ] || { cat "$TMP/$1.err"; echo "server_bench: larchd did not start"; exit 1; }
}

# run NAME DIR ARGS...: one larch-bench run against a server on $TMP/DIR
# (kept from an earlier run if it exists, so a restarted server reads what
# that run left in TsFiles: larchd flushes on SIGTERM); output in $TMP/NAME.txt
run() {
	name=$1
	start_server "$2"
	shift 2
	echo "== $name: larch-bench $*"
	"$BIN/larch-bench" -p "$PORT" "$@" >"$TMP/$name.txt" 2>&1 ||
		{ cat "$TMP/$name.txt"; echo "server_bench: $name failed"; exit 1; }
	cat "$TMP/$name.txt"
	stop_server
}

# col NAME OP N: column N of operation OP's row in run NAME
col() { awk -v op="$2" -v n="$3" '$1 == op { print $n }' "$TMP/$1.txt"; }
# rss NAME: "rss at end" of run NAME, MB
rss() { sed -n 's/.*rss at end \([0-9.]*\) MB.*/\1/p' "$TMP/$1.txt"; }
peak() { sed -n 's/.*peak rss \([0-9.]*\) MB.*/\1/p' "$TMP/$1.txt"; }

run ingest ingest -m aligned -c 2 -d 10 -s 500 -b 100 -T "$SECS" --verify
run records records -m record -c 1 -d 10 -s 10 -T "$SECS" --verify
# one hour at a 1 s step, in memtables; then the same hour again from the
# TsFile the restart flushed (no prefill: the queries' range is that hour)
QUERY="-c 1 -d 10 -s 10 --step 1000 --ops q7=1,q8=1 --query-span 3600000 --group-by 60000"
run queries queries $QUERY --prefill 3600 -T "$SECS"
run queries_files queries $QUERY --no-create -T "$SECS"
run memory100 memory100 -m tablet -c 2 -d 100 -s 100 -b 100 --prefill 100 --ops q8=1 -T "$SECS" \
	--verify
run memory300 memory300 -m tablet -c 2 -d 100 -s 100 -b 100 --prefill 300 --ops q8=1 -T "$SECS" \
	--verify

# verdict MEASURED OP TARGET: "met" or "MISSED"
verdict() { awk -v m="$1" -v op="$2" -v t="$3" 'BEGIN {
	ok = (op == ">=") ? m >= t : m < t; print ok ? "met" : "MISSED" }'; }

echo
echo "== targets (larchd and larch-bench on this $(nproc)-core machine, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf "%-58s %14s %14s  %s\n" "measurement" "measured" "target" "verdict"
line() { printf "%-58s %14s %14s  %s\n" "$1" "$2" "$3 $4" "$(verdict "$2" "$3" "$4")"; }
line "aligned tablets 500 sensors x 100 rows, points/s" "$(col ingest WRITE 6)" ">=" 10000000
line "insertRecord one row per call, 1 connection, calls/s" "$(col records WRITE 5)" ">=" 15000
line "Q8 latest point p50 (memtable), us" "$(col queries Q8_LATEST 8)" "<" 100
line "Q8 latest point p50 (TsFile), us" "$(col queries_files Q8_LATEST 8)" "<" 100
line "Q7 1 h GROUP BY 1 min p50 (memtable), us" "$(col queries Q7_GROUP_BY 8)" "<" 1000
line "Q7 1 h GROUP BY 1 min p50 (TsFile), us" "$(col queries_files Q7_GROUP_BY 8)" "<" 1000
line "RSS, 10k series x 100 hot points, at end, MB" "$(rss memory100)" "<" 100
line "RSS, 10k series x 100 hot points, peak during Q8, MB" "$(peak memory100)" "<" 100
line "RSS, 10k series x 300 hot points, at end, MB" "$(rss memory300)" "<" 100
