#!/usr/bin/env bash
# Run every unit-test program given as an argument; print a summary line
# "N passed, N failed" and exit non-zero if any program failed.
pass=0; fail=0; failed=()
for t in "$@"; do
	if "$t" > "$t.log" 2>&1; then
		pass=$((pass + 1)); echo "ok   $t"
	else
		fail=$((fail + 1)); failed+=("$t"); echo "FAIL $t"; tail -40 "$t.log"
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
