#!/usr/bin/env bash
# `make run`: start larchd, the server, on 127.0.0.1:6667 (or $LARCH_PORT)
# with its data directory in the checkout (data/larchd), in the foreground.
# Stop it with Ctrl-C (SIGINT) or SIGTERM: it finishes requests in flight,
# flushes and exits.  Extra settings: LARCH_CONF=path/to/larch.conf.
set -euo pipefail
build=${1:-build/release}
port=${LARCH_PORT:-6667}
mkdir -p data/larchd
args=(--port "$port" --data-dir data/larchd)
if [ -n "${LARCH_CONF:-}" ]; then
	args=(--config "$LARCH_CONF" "${args[@]}")
fi
echo "== starting $build/bin/larchd ${args[*]}"
echo "== connect with any IoTDB client, e.g. python3 -c \"from iotdb.Session import Session; s = Session('127.0.0.1', $port); s.open(); print(s.execute_query_statement('show version').todf())\""
exec "$build/bin/larchd" "${args[@]}"
