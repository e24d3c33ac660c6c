#!/bin/sh
# Regenerates tests/unit/rpc/gen/tablet_vectors.h from TabletVectors.java with
# the official Java session (iotdb-session 2.0.7, the version
# tests/compat/java/pom.xml pins).  Needs java, javac and mvn; the classpath
# comes from the same Maven build tests/compat/test_server_java_go.py runs
# (offline first, from ~/.m2 as scripts/install-deps.sh fills it).
# Not part of `make test`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root/tests/compat/java"
mvn -B -q -o compile -Dlarch.out="$work/mvn" >/dev/null 2>&1 ||
	mvn -B -q compile -Dlarch.out="$work/mvn"
cp=$(tr -d '\n' <"$work/mvn/session/classpath.txt")
javac -d "$work" -cp "$cp" "$here/TabletVectors.java"
java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$work:$cp" TabletVectors \
	>"$here/tablet_vectors.h.tmp"
mv "$here/tablet_vectors.h.tmp" "$here/tablet_vectors.h"
echo "wrote $here/tablet_vectors.h"
