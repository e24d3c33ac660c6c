#!/usr/bin/env bash
# Crash test of the embedded engine:  tests/fault/engine_crash.sh BUILD_DIR SECONDS
#
# Runs BUILD_DIR/tests/fault/engine_crash (built by `make BUILD=... fault`;
# this script builds nothing) for SECONDS in total, half with the WAL in
# sync mode and half in async mode, each in a fresh directory.  The seed is
# printed so a failing run can be repeated with ENGINE_CRASH_SEED.
set -eu
build=${1:?usage: $0 BUILD_DIR SECONDS}
secs=${2:-20}
bin=$build/tests/fault/engine_crash
if [ ! -x "$bin" ]; then
	echo "engine_crash.sh: $bin is not built (make BUILD=$build $bin)" >&2
	exit 2
fi
seed=${ENGINE_CRASH_SEED:-$RANDOM$RANDOM}
echo "engine_crash: seed $seed"
half=$(awk -v s="$secs" 'BEGIN { print s / 2 }')
tmp=$(mktemp -d "${TMPDIR:-/tmp}/larch-engine-crash-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$bin" "$tmp/sync" "$half" "$seed" sync
"$bin" "$tmp/async" "$half" "$seed" async
# The check must be able to fail: without a WAL, acknowledged points that
# were not flushed yet die with the process, and the test has to see it.
if "$bin" "$tmp/off" 3 "$seed" off > "$tmp/off.log" 2>&1; then
	echo "engine_crash.sh: the test did not notice the loss without a WAL" >&2
	exit 1
fi
grep -q "LOST OR WRONG" "$tmp/off.log" && echo "engine_crash off: data loss detected, as it must be"
