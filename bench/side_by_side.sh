#!/bin/bash
# bench/side_by_side.sh [BUILD_DIR] — larchd beside Apache IoTDB on this
# machine: the same larch-bench runs as bench/server_bench.sh, each against
# a release larchd of BUILD_DIR (default build/release) and against a local
# Apache IoTDB 2.0 (1 ConfigNode + 1 DataNode, bench/iotdb_server.sh),
# alternating server by server, each on a freshly started server with empty
# data, so both see the same noisy machine.  Prints every larch-bench
# report, then one table: measurement | larchd | IoTDB | larchd/IoTDB.
# Not part of make test.
#
#   ingest     aligned tablets, 10 devices x 500 sensors x 100 rows per
#              write, 2 clients, --verify
#   records    insertRecord, one row (10 sensors) per call, 1 connection
#   queries    Q7 (count over 1 h in 1 min windows) and Q8 (SELECT LAST)
#              over 10 x 10 series holding 1 h at a 1 s step, in memtables;
#              then after a restart from the TsFiles (larchd flushes on
#              SIGTERM; IoTDB gets FLUSH before its stop)
#   memory     10 k series (100 devices x 100 sensors, non-aligned) with 100
#              hot points each, then Q8 over them: server RSS
#   start-up   launch to the first statement answered on a new session
#              (larch -e "SHOW DATABASES", polled every 10 ms for larchd,
#              50 ms for IoTDB), empty data and after the queries run
#
# Environment: SECONDS_PER_RUN (10) per measured phase; ROUNDS (1): rounds
# of everything, the server order flipping each round, figures the median;
# IOTDB_PORT (6667), IOTDB_HEAP (1g) and the rest as in iotdb_server.sh.
# RSS of IoTDB is the DataNode's (the process larch-bench reads); the
# ConfigNode's is shown apart.  The JVMs get -Xms = -Xmx as IoTDB's own
# start scripts set them.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build/release}
BIN=$BUILD/bin
SECS=${SECONDS_PER_RUN:-10}
ROUNDS=${ROUNDS:-1}
export IOTDB_PORT=${IOTDB_PORT:-6667}
export LARCH_CLI=$ROOT/$BIN/larch
IOTDB=$ROOT/bench/iotdb_server.sh
IOTDB_DIR=${IOTDB_DIR:-$ROOT/build/iotdb-server}
for p in larchd larch-bench larch; do
	[ -x "$BIN/$p" ] || { echo "side_by_side: $BIN/$p missing (make BUILD=$BUILD build)"; exit 1; }
done
mkdir -p "$IOTDB_DIR"
exec 8>"$IOTDB_DIR/.side_by_side.lock"
flock -n 8 || { echo "side_by_side: another run is using $IOTDB_DIR"; exit 1; }
"$IOTDB" fetch
"$IOTDB" stop
TMP=$(mktemp -d /tmp/larch-side-by-side.XXXXXX)
LPID=
stop_all() {
	stop_larchd
	"$IOTDB" stop
}
trap 'stop_all; rm -rf "$TMP"' EXIT INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# start_larchd DIR: larchd on $TMP/DIR; sets PID, PORT, START_S
start_larchd() {
	local t0 out=$TMP/$1.larchd.out
	t0=$(now)
	"$BIN/larchd" --port 0 --data-dir "$TMP/$1" >"$out" 2>"$TMP/$1.larchd.err" 8>&- &
	LPID=$!
	PORT=
	for _ in $(seq 1000); do
		PORT=$(sed -n 's/^larchd ready on .*:\([0-9]*\) pid .*/\1/p' "$out")
		[ -n "$PORT" ] && "$LARCH_CLI" -p "$PORT" -u root -pw root -e "SHOW DATABASES" \
			>/dev/null 2>&1 && break
		PORT=
		sleep 0.01
	done
	[ -n "$PORT" ] || { cat "$TMP/$1.larchd.err"; echo "side_by_side: larchd did not start"; exit 1; }
	START_S=$(elapsed "$t0")
	PID=$LPID
}
stop_larchd() {
	if [ -n "$LPID" ]; then kill "$LPID" 2>/dev/null || true; wait "$LPID" 2>/dev/null || true; fi
	LPID=
}

# start_iotdb fresh|keep: sets PID (DataNode), CN_PID, PORT, START_S
start_iotdb() {
	local line
	line=$(IOTDB_FRESH=$([ "$1" = fresh ] && echo 1 || echo 0) "$IOTDB" start)
	PID=$(echo "$line" | sed -n 's/.* pid \([0-9]*\) confignode.*/\1/p')
	CN_PID=$(echo "$line" | sed -n 's/.* confignode \([0-9]*\) in .*/\1/p')
	START_S=$(echo "$line" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
	PORT=$IOTDB_PORT
}

# record KEY VALUE: one figure of the current server and round
record() { echo "$2" >"$TMP/fig.$SRV.$R.$1"; }

# bench NAME ARGS...: larch-bench against the running server; its report in
# $TMP/NAME.$SRV.$R.txt, exit status kept as figure NAME.rc
bench() {
	local name=$1 rc=0
	shift
	echo "== $SRV round $R $name: larch-bench $*"
	"$BIN/larch-bench" -p "$PORT" --server-pid "$PID" "$@" >"$TMP/$name.$SRV.$R.txt" 2>&1 || rc=$?
	cat "$TMP/$name.$SRV.$R.txt"
	record "$name.rc" "$rc"
}

# measure SRV: every measurement against server SRV (larchd or iotdb)
measure() {
	SRV=$1
	local query="-c 1 -d 10 -s 10 --step 1000 --ops q7=1,q8=1 --query-span 3600000 --group-by 60000"
	local n
	for n in ingest records queries memory; do
		if [ "$SRV" = larchd ]; then start_larchd "$n"; else start_iotdb fresh; fi
		record "$n.start" "$START_S"
		record "$n.idle_rss" "$(rss_mb "$PID")"
		case $n in
		ingest) bench ingest -m aligned -c 2 -d 10 -s 500 -b 100 -T "$SECS" --verify ;;
		records) bench records -m record -c 1 -d 10 -s 10 -T "$SECS" --verify ;;
		queries)
			# shellcheck disable=SC2086
			bench queries $query --prefill 3600 -T "$SECS"
			if [ "$SRV" = larchd ]; then
				stop_larchd
				start_larchd queries
			else
				"$LARCH_CLI" -p "$PORT" -u root -pw root -e "FLUSH" >/dev/null
				"$IOTDB" stop
				start_iotdb keep
			fi
			record restart.start "$START_S"
			# shellcheck disable=SC2086
			bench queries_files $query --no-create -T "$SECS"
			;;
		memory)
			bench memory -m tablet -c 2 -d 100 -s 100 -b 100 --prefill 100 --ops q8=1 \
				-T "$SECS" --verify
			[ "$SRV" = iotdb ] && record memory.cn_rss "$(rss_mb "$CN_PID")"
			;;
		esac
		if [ "$SRV" = larchd ]; then stop_larchd; else "$IOTDB" stop; fi
	done
}

for R in $(seq "$ROUNDS"); do
	if [ $((R % 2)) = 1 ]; then measure larchd; measure iotdb; else measure iotdb; measure larchd; fi
done

# Extraction from the reports of server SRV, round R
col() { awk -v op="$2" -v n="$3" '$1 == op { print $n }' "$TMP/$1.$SRV.$R.txt"; }
report_rss() { sed -n "s/.*$2 \\([0-9.]*\\) MB.*/\\1/p" "$TMP/$1.$SRV.$R.txt"; }
cpu() { sed -n 's/.*: cpu \([0-9.]*\) s.*/\1/p' "$TMP/$1.$SRV.$R.txt"; }
verify() {
	local v
	v=$(sed -n 's/^verify: .*: \(.*\)$/\1/p' "$TMP/$1.$SRV.$R.txt")
	[ -n "$v" ] || v=$(grep -o 'verify: error [0-9]*' "$TMP/$1.$SRV.$R.txt" | head -1 | sed 's/verify: //')
	echo "${v:-none}"
}
errors() { awk '$1 ~ /^(WRITE|Q[0-9]+_|PREFILL)/ { e += $4 } END { print e + 0 }' "$TMP/$1.$SRV.$R.txt"; }
all_errors() {
	local n
	for n in ingest records queries queries_files memory; do errors $n; done |
		awk '{ e += $1 } END { print e + 0 }'
}
fig() { cat "$TMP/fig.$SRV.$R.$1" 2>/dev/null || echo -; }

# value SRV KIND ARGS: the median over the rounds of one figure
value() {
	local s=$1 kind=$2
	shift 2
	for R in $(seq "$ROUNDS"); do
		SRV=$s
		"$kind" "$@"
	done | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {
	if (a + 0 == a && b + 0 == b && b != 0) printf "%.3g", a / b; else print "-" }'; }
row() {
	local what=$1 l i
	shift
	l=$(value larchd "$@")
	i=$(value iotdb "$@")
	printf "%-56s %14s %14s %9s\n" "$what" "$l" "$i" "$(ratio "$l" "$i")"
}

echo
echo "== larchd ($BUILD) beside Apache IoTDB $(cat "$IOTDB_DIR/lib/.version") (DataNode -Xmx${IOTDB_HEAP:-1g})," \
	"$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${SECS} s per phase, $ROUNDS round(s)"
printf "%-56s %14s %14s %9s\n" "measurement" "larchd" "IoTDB" "ratio"
row "aligned tablets 500 sensors x 100 rows, points/s" col ingest WRITE 6
row "  server CPU s of that phase" cpu ingest
row "insertRecord one row per call, 1 connection, calls/s" col records WRITE 5
row "Q8 latest point p50 (memtable), us" col queries Q8_LATEST 8
row "Q8 latest point p99 (memtable), us" col queries Q8_LATEST 9
row "Q8 latest point p50 (TsFile), us" col queries_files Q8_LATEST 8
row "Q7 1 h GROUP BY 1 min p50 (memtable), us" col queries Q7_GROUP_BY 8
row "Q7 1 h GROUP BY 1 min p99 (memtable), us" col queries Q7_GROUP_BY 9
row "Q7 1 h GROUP BY 1 min p50 (TsFile), us" col queries_files Q7_GROUP_BY 8
row "RSS, 10k series x 100 hot points, at end, MB" report_rss memory "rss at end"
row "RSS, 10k series x 100 hot points, peak, MB" report_rss memory "peak rss"
row "  IoTDB ConfigNode RSS at that point, MB" fig memory.cn_rss
row "RSS idle after start-up (empty data), MB" fig ingest.idle_rss
row "start-up to first answered statement, empty data, s" fig ingest.start
row "start-up with the queries' data (1 h x 100 series), s" fig restart.start
row "operation errors, all phases" all_errors
for n in ingest records memory; do
	printf "%-56s %14s %14s\n" "--verify ($n)" "$(SRV=larchd R=1 verify $n)" "$(SRV=iotdb R=1 verify $n)"
done
echo "(ratio = larchd / IoTDB: above 1 larchd is faster for rates, below 1 it is faster or"
echo " smaller for latencies, memory and start-up)"
