#!/usr/bin/env bash
# Crash test of the WAL:  tests/fault/wal_crash.sh BUILD_DIR SECONDS
#
# Runs BUILD_DIR/tests/fault/wal_crash (built by `make BUILD=... fault` or
# `make BUILD=... BUILD_DIR/tests/fault/wal_crash`; this script builds
# nothing) for SECONDS in total: half in SYNC mode, half in ASYNC mode, each
# in a fresh directory that is removed afterwards.  Exit status 0 if every
# check held.  Set WAL_CRASH_SEED to repeat a run's kill timing.
set -eu
build=${1:?usage: $0 BUILD_DIR SECONDS}
secs=${2:-20}
bin=$build/tests/fault/wal_crash
if [ ! -x "$bin" ]; then
	echo "wal_crash.sh: $bin is not built (make BUILD=$build $bin)" >&2
	exit 2
fi
half=$(awk -v s="$secs" 'BEGIN { print s / 2 }')
tmp=$(mktemp -d "${TMPDIR:-/tmp}/larch-wal-crash-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$bin" sync "$half" "$tmp/sync" ${WAL_CRASH_SEED:-}
"$bin" async "$half" "$tmp/async" ${WAL_CRASH_SEED:-}
