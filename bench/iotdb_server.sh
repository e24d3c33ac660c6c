#!/bin/bash
# bench/iotdb_server.sh — a local Apache IoTDB 2.0 (one ConfigNode and one
# DataNode, the "1C1D" standalone layout) for side-by-side benchmarks and
# compatibility checks against the real server.  Not part of make test.
#
#   bench/iotdb_server.sh fetch     gather the server jars from Maven Central
#                                   (mvn dependency:copy-dependencies on
#                                   bench/iotdb/pom.xml) into $IOTDB_DIR/lib
#   bench/iotdb_server.sh start     fetch if needed, write the configuration,
#                                   start both nodes, wait until a session can
#                                   log in; prints "iotdb ready on HOST:PORT
#                                   pid DN_PID confignode CN_PID in S s"
#   bench/iotdb_server.sh stop      stop both nodes (SIGTERM, then SIGKILL)
#   bench/iotdb_server.sh status    running or not (exit 0 / 1)
#   bench/iotdb_server.sh clean     stop, then delete the data and logs
#
# Idempotent: start on a running server only prints its line; fetch skips
# jars that are present.  Everything lives under $IOTDB_DIR (gitignored);
# Maven's own cache is ~/.m2.
#
# Environment:
#   IOTDB_DIR      home of the server (build/iotdb-server)
#   IOTDB_VERSION  version of the Maven artifacts (2.0.1-beta: the only
#                  2.0.x whose whole dependency tree is on Maven Central;
#                  2.0.10 has iotdb-server and iotdb-confignode there but not
#                  their parent iotdb-core nor node-commons)
#   IOTDB_PORT     client RPC port of the DataNode (6667); the internal ports
#                  are IOTDB_INTERNAL_BASE (20710) + 0, 10, ... 50
#   IOTDB_HEAP     DataNode heap, -Xms and -Xmx as the distribution sets both
#                  (1g); IOTDB_DIRECT its direct memory (512m; at 256m a
#                  DataNode refuses a fifth data region: "Total allocated
#                  memory for direct buffer ... greater than limit"); the
#                  ConfigNode gets IOTDB_CN_HEAP (256m)
#   IOTDB_FRESH=1  start on empty data (as clean, then start)
#   LARCH_CLI      the larch shell used to probe readiness
#                  (build/release/bin/larch)
#
# The launch mirrors the distribution's sbin/start-confignode.sh and
# start-datanode.sh: the same main classes, system properties (*_HOME,
# *_CONF, TSFILE_CONF, logback.configurationFile) and Java 17 --add-opens.
# Configuration keys are IoTDB's iotdb-system.properties names; everything
# not written here keeps IoTDB's default.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IOTDB_DIR=${IOTDB_DIR:-$ROOT/build/iotdb-server}
IOTDB_VERSION=${IOTDB_VERSION:-2.0.1-beta}
PORT=${IOTDB_PORT:-6667}
BASE=${IOTDB_INTERNAL_BASE:-20710}
HEAP=${IOTDB_HEAP:-1g}
DIRECT=${IOTDB_DIRECT:-512m}
CN_HEAP=${IOTDB_CN_HEAP:-256m}
LARCH_CLI=${LARCH_CLI:-$ROOT/build/release/bin/larch}
LIB=$IOTDB_DIR/lib
CONF=$IOTDB_DIR/conf
DATA=$IOTDB_DIR/data
LOGS=$IOTDB_DIR/logs

die() { echo "iotdb_server: $*" >&2; exit 1; }

need() {
	command -v "$1" >/dev/null 2>&1 || die "'$1' not found: $2"
}

# fetch: the runtime class path of both nodes, once per version
fetch() {
	local stamp=$LIB/.version
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$IOTDB_VERSION" ]; then
		return 0
	fi
	need mvn "install Maven (apt-get install maven) to fetch the IoTDB jars"
	need java "install a Java 17 runtime (apt-get install openjdk-17-jre-headless)"
	echo "iotdb_server: fetching IoTDB $IOTDB_VERSION jars from Maven Central into $LIB" >&2
	rm -rf "$LIB"
	mkdir -p "$LIB" "$IOTDB_DIR"
	if ! mvn -q -B -f "$ROOT/bench/iotdb/pom.xml" -Diotdb.version="$IOTDB_VERSION" \
		dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory="$LIB" >"$IOTDB_DIR/mvn.log" 2>&1; then
		grep ERROR "$IOTDB_DIR/mvn.log" | head -3 >&2
		rm -rf "$LIB"
		die "mvn could not gather IoTDB $IOTDB_VERSION (log: $IOTDB_DIR/mvn.log)"
	fi
	for j in iotdb-server iotdb-confignode node-commons; do
		[ -f "$LIB/$j-$IOTDB_VERSION.jar" ] || die "$j-$IOTDB_VERSION.jar missing in $LIB"
	done
	echo "$IOTDB_VERSION" >"$stamp"
}

# configure: conf/iotdb-system.properties (shared by both nodes, as in the
# distribution's standalone layout) and a logback file per node
configure() {
	mkdir -p "$CONF" "$DATA" "$LOGS"
	cat >"$CONF/iotdb-system.properties" <<EOF
# written by bench/iotdb_server.sh; other keys keep IoTDB's defaults
cn_internal_address=127.0.0.1
cn_internal_port=$BASE
cn_consensus_port=$((BASE + 10))
cn_seed_config_node=127.0.0.1:$BASE
cn_system_dir=$DATA/confignode/system
cn_consensus_dir=$DATA/confignode/consensus
cn_pipe_receiver_file_dir=$DATA/confignode/system/pipe/receiver
dn_seed_config_node=127.0.0.1:$BASE
dn_rpc_address=127.0.0.1
dn_rpc_port=$PORT
dn_internal_address=127.0.0.1
dn_internal_port=$((BASE + 20))
dn_mpp_data_exchange_port=$((BASE + 30))
dn_schema_region_consensus_port=$((BASE + 40))
dn_data_region_consensus_port=$((BASE + 50))
dn_system_dir=$DATA/datanode/system
dn_data_dirs=$DATA/datanode/data
dn_consensus_dir=$DATA/datanode/consensus
dn_wal_dirs=$DATA/datanode/wal
dn_tracing_dir=$DATA/datanode/tracing
dn_sync_dir=$DATA/datanode/sync
sort_tmp_dir=$DATA/datanode/tmp
dn_pipe_receiver_file_dirs=$DATA/datanode/system/pipe/receiver
EOF
	local node
	for node in confignode datanode; do
		cat >"$CONF/logback-$node.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- written by bench/iotdb_server.sh: INFO and above to logs/$node.log -->
<configuration>
  <appender name="file" class="ch.qos.logback.core.FileAppender">
    <file>$LOGS/$node.log</file>
    <encoder><pattern>%d %-5level [%thread] %logger{30}: %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="file"/></root>
</configuration>
EOF
	done
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# launch NODE CLASS HEAP_OPTS: one node in the background, its pid in
# $IOTDB_DIR/NODE.pid, stdout and stderr in logs/NODE.out
launch() {
	local node=$1 class=$2 home_prop conf_prop
	shift 2
	if [ "$node" = confignode ]; then
		home_prop="-DCONFIGNODE_HOME=$IOTDB_DIR -DCONFIGNODE_DATA_HOME=$IOTDB_DIR"
		conf_prop="-DCONFIGNODE_CONF=$CONF -DCONFIGNODE_LOGS=$LOGS -Dname=iotdb.ConfigNode"
	else
		home_prop="-DIOTDB_HOME=$IOTDB_DIR -DIOTDB_DATA_HOME=$IOTDB_DIR"
		conf_prop="-DIOTDB_CONF=$CONF -DIOTDB_LOG_DIR=$LOGS -Dname=iotdb.IoTDB"
	fi
	# shellcheck disable=SC2086  # the option strings are word lists
	(cd "$IOTDB_DIR" && exec java \
		--add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
		--add-opens=java.base/java.lang=ALL-UNNAMED \
		--add-opens=java.base/java.util=ALL-UNNAMED \
		--add-opens=java.base/java.nio=ALL-UNNAMED \
		--add-opens=java.base/java.io=ALL-UNNAMED \
		--add-opens=java.base/java.net=ALL-UNNAMED \
		"$@" -Xss512k -Dsun.jnu.encoding=UTF-8 -Dfile.encoding=UTF-8 \
		-Dlogback.configurationFile="$CONF/logback-$node.xml" \
		$home_prop $conf_prop -DTSFILE_HOME="$IOTDB_DIR" -DTSFILE_CONF="$CONF" \
		-Diotdb-foreground=yes -cp "$LIB/*" "$class" -s \
		>"$LOGS/$node.out" 2>&1 </dev/null 8>&- 9>&-) &
	echo $! >"$IOTDB_DIR/$node.pid"
}

# ready: a session logs in and runs a statement (larch -e), or any TCP
# accept on the port when the larch shell is not built
ready() {
	if [ -x "$LARCH_CLI" ]; then
		"$LARCH_CLI" -h 127.0.0.1 -p "$PORT" -u root -pw root -e "SHOW DATABASES" \
			>/dev/null 2>&1
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
	fi
}

status_line() {
	echo "iotdb ready on 127.0.0.1:$PORT pid $(cat "$IOTDB_DIR/datanode.pid")" \
		"confignode $(cat "$IOTDB_DIR/confignode.pid")${1:+ in $1 s}"
}

start() {
	if alive "$IOTDB_DIR/datanode.pid" && alive "$IOTDB_DIR/confignode.pid"; then
		status_line
		return 0
	fi
	stop_nodes
	[ "${IOTDB_FRESH:-0}" = 1 ] && rm -rf "$DATA" "$LOGS"
	fetch
	need java "install a Java 17 runtime (apt-get install openjdk-17-jre-headless)"
	if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
		die "port $PORT is already taken (set IOTDB_PORT)"
	fi
	configure
	local t0 t1 i
	t0=$(date +%s.%N)
	launch confignode org.apache.iotdb.confignode.service.ConfigNode \
		-Xms"$CN_HEAP" -Xmx"$CN_HEAP"
	launch datanode org.apache.iotdb.db.service.DataNode \
		-Xms"$HEAP" -Xmx"$HEAP" -XX:MaxDirectMemorySize="$DIRECT" -DOFF_HEAP_MEMORY="$DIRECT"
	for i in $(seq 1800); do
		if ready; then
			t1=$(date +%s.%N)
			status_line "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
			return 0
		fi
		for n in confignode datanode; do
			alive "$IOTDB_DIR/$n.pid" || {
				tail -20 "$LOGS/$n.out" "$LOGS/$n.log" 2>/dev/null >&2
				stop_nodes
				die "the $n exited during start-up (logs: $LOGS)"
			}
		done
		[ "$i" = 1800 ] || sleep 0.05
	done
	stop_nodes
	die "no session after 90 s (logs: $LOGS)"
}

# stop_nodes: DataNode first (it flushes), then the ConfigNode
stop_nodes() {
	local n pid i
	for n in datanode confignode; do
		alive "$IOTDB_DIR/$n.pid" || { rm -f "$IOTDB_DIR/$n.pid"; continue; }
		pid=$(cat "$IOTDB_DIR/$n.pid")
		kill "$pid" 2>/dev/null || true
		for i in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || break
			[ "$i" = 300 ] && kill -9 "$pid" 2>/dev/null
			sleep 0.1
		done
		rm -f "$IOTDB_DIR/$n.pid"
	done
}

# one command at a time per server home: start, stop and clean of two
# callers must not interleave (pid files, data directory)
lock() {
	mkdir -p "$IOTDB_DIR"
	exec 9>"$IOTDB_DIR/.lock"
	flock -w 120 9 || die "$IOTDB_DIR is locked by another iotdb_server.sh for 120 s"
}

case "${1:-}" in
fetch|start|stop|clean) lock ;;
esac
case "${1:-}" in
fetch) fetch ;;
start) start ;;
stop) stop_nodes ;;
status)
	if alive "$IOTDB_DIR/datanode.pid" && alive "$IOTDB_DIR/confignode.pid"; then
		status_line
	else
		echo "iotdb not running"
		exit 1
	fi
	;;
clean) stop_nodes; rm -rf "$DATA" "$LOGS" ;;
*)
	sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
	;;
esac
