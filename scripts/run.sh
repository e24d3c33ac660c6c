#!/usr/bin/env bash
# `make run`: until the server exists, the main program is larch-tsfile.
# Generate a sample CSV of IoT data, write it as a TsFile, show its structure,
# verify it, and query it back.
set -euo pipefail
build=${1:-build/release}
bin="$build/bin/larch-tsfile"
dir=data/sample
mkdir -p "$dir"
python3 - "$dir/sample.csv" <<'PY'
import math, sys
with open(sys.argv[1], "w") as f:
    f.write("Time,root.ln.wf01.wt01.temperature:FLOAT,root.ln.wf01.wt01.status:BOOLEAN,"
            "root.ln.wf02.wt02.hardware:TEXT\n")
    t0 = 1509465600000
    for i in range(1000):
        f.write(f"{t0 + i * 60000},{20 + 5 * math.sin(i / 30):.2f},"
                f"{'true' if i % 7 else 'false'},v{i % 3}\n")
PY
"$bin" from-csv "$dir/sample.csv" "$dir/sample.tsfile"
echo "== larch-tsfile dump $dir/sample.tsfile (first 40 lines)"
"$bin" dump "$dir/sample.tsfile" | head -40
echo "== larch-tsfile check $dir/sample.tsfile"
"$bin" check "$dir/sample.tsfile"
echo "== larch-tsfile cat $dir/sample.tsfile --where 'root.ln.wf01.wt01.temperature > 24.9'"
"$bin" cat "$dir/sample.tsfile" --where "root.ln.wf01.wt01.temperature > 24.9" | head -10
