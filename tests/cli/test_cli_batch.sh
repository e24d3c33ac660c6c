#!/usr/bin/env bash
# tests/cli/test_cli_batch.sh BUILD_DIR — `larch` without a terminal: -e
# scripts and their exit codes, statements piped on stdin, connection and
# usage errors, and CSV: a random round trip of all ten types through
# import (tablets, small batches, shuffled times) and export (-o, small
# fetch size) compared byte for byte with an independent Python model,
# the ISO 8601 time form in another zone, the Device header form, and bad
# cells reported with their line.
. "$(dirname "$0")/common.bash"
trap cleanup_common EXIT
start_larchd
HERE=$(cd "$(dirname "$0")" && pwd)

# expect_status WANT CMD... — run CMD, keep its output in $OUT
expect_status() {
	local want=$1 got
	shift
	OUT=$("$@" 2>&1)
	got=$?
	[ "$got" -eq "$want" ] || { echo "$OUT"; fail "'$*' exited $got, want $want"; }
}
has() { grep -qE -- "$1" <<< "$OUT" || { echo "$OUT"; fail "output lacks /$1/"; }; }

#--- -e and exit codes ---------------------------------------------------------
expect_status 0 larch -e "create database root.rt; show databases"
has '^Msg: The statement is executed successfully\.$'
has '^\| root\.rt\|'
has '^Total line number = 1$'
pass "-e runs statements, exit 0"

expect_status 1 larch -e "show databases; selec 1; count databases"
has '^Msg: 700: line 1:0 '
has '^\|              1\|$'
pass "-e: a failed statement gives exit 1, later ones still run"

expect_status 1 "$BIN/larch" -p 1 -e "show databases"
has '^larch: cannot connect to 127\.0\.0\.1:1: 2000: '
expect_status 1 "$BIN/larch" -p "$PORT" -pw wrong -e "show databases"
has 'cannot connect.*801'
expect_status 2 "$BIN/larch" --bogus
has "unknown option '--bogus'"
expect_status 2 "$BIN/larch" -p
expect_status 0 "$BIN/larch" --help
has '-pw PASSWORD'
has 'export csv FILE'
pass "connection, login and usage errors; --help"

# session settings from -e: fetch size (the session reopens), zone, display
expect_status 0 larch -e "insert into root.rt.z(time, s) values(1509465600000, 1); set fetch_size=2; show fetch_size; set time_zone=+01:00; show time_zone; select s from root.rt.z; set time_display_type=long; select s from root.rt.z"
has '^Fetch size has set to 2$'
has '^Current fetch size: 2$'
has '^Time zone has set to \+01:00$'
has '^\|2017-10-31T17:00:00\.000\+01:00\|'
has '^\|1509465600000\|'
expect_status 1 larch -e "set time_zone=Mars/Olympus"
has '^Msg: 303: '
pass "set fetch_size / time_zone / time_display_type"

#--- stdin ---------------------------------------------------------------------
OUT=$(printf '%s\n' "insert into root.rt.p(time, s)" "  values(5, 2.5);" \
	"set time_display_type=long" "select s" "from root.rt.p;" "select s from root.rt.p" |
	larch -tz +08:00 2>&1) || fail "stdin script failed: $OUT"
has '^\|Time\|root\.rt\.p\.s\|$'
has '^\|   5\|        2\.5\|$'
[ "$(grep -c '^Total line number = 1$' <<< "$OUT")" -eq 2 ] || fail "two queries (the last without ';')"
pass "statements from a pipe: multi-line, a client command, a final statement without ';'"

#--- CSV round trip ------------------------------------------------------------
python3 "$HERE/gen_csv.py" 42 3000 root.rt.d1 "$TMP/in.csv" "$TMP/want.csv" || fail "gen_csv.py"
cols=$(head -1 "$TMP/in.csv" | tr ',' '\n' | tail -n +2 | sed 's/^root\.rt\.d1\.//; s/(.*//' | paste -sd,)
expect_status 0 larch -i "$TMP/in.csv" --batch 7
has '^Imported 3000 rows from '
expect_status 0 larch -disableISO8601 -fetch 5 -e "select $cols from root.rt.d1" -o "$TMP/got.csv"
has '^Total line number = 3000$'
cmp "$TMP/want.csv" "$TMP/got.csv" || { diff "$TMP/want.csv" "$TMP/got.csv" | head; fail "round trip differs"; }
pass "CSV round trip: 3000 random rows, 10 types, nulls, quoting, batches of 7, fetch 5"

# ISO 8601 times in another zone, imported again into another device
expect_status 0 larch -tz +05:30 -e "select $cols from root.rt.d1" -o "$TMP/iso.csv"
grep -q '^1970-01-01T05:30:00\.[0-9]\{3\}+05:30,' "$TMP/iso.csv" || fail "ISO times in +05:30"
sed -i '1s/root\.rt\.d1/root.rt.d2/g' "$TMP/iso.csv"
expect_status 0 larch -tz +05:30 -i "$TMP/iso.csv"
expect_status 0 larch -disableISO8601 -e "select $cols from root.rt.d2" -o "$TMP/got2.csv"
sed '1s/root\.rt\.d1/root.rt.d2/g' "$TMP/want.csv" | cmp - "$TMP/got2.csv" || fail "ISO round trip differs"
pass "CSV with ISO 8601 times (+05:30) reads back to the same instants"

# types from the server when the header has none; inference for new series
printf 'Time,root.rt.d1.m_int32,root.rt.d3.b,root.rt.d3.n,root.rt.d3.t\n7,12,true,1.5,x\n8,,false,2,y\n' > "$TMP/untyped.csv"
expect_status 0 larch -i "$TMP/untyped.csv"
expect_status 0 larch -e "show timeseries root.rt.d3.*; select m_int32 from root.rt.d1 where time = 7"
has '^\|root\.rt\.d3\.b\| null\| root\.rt\| BOOLEAN\|'
has '^\|root\.rt\.d3\.n\| null\| root\.rt\|  DOUBLE\|'
has '^\|root\.rt\.d3\.t\| null\| root\.rt\|    TEXT\|'
has '\| +12\|$'
pass "untyped header: existing series keep their type, new ones inferred"

# the align-by-device form
printf 'Time,Device,s1(INT32),s2\n1,root.rt.e1,10,a\n2,root.rt.e2,20,\n3,root.rt.e1,,c\n' > "$TMP/dev.csv"
expect_status 0 larch -i "$TMP/dev.csv"
has '^Imported 3 rows'
expect_status 0 larch -disableISO8601 -e "select s1, s2 from root.rt.e1, root.rt.e2 align by device"
has '^\|   1\|root\.rt\.e1\|  10\|   a\|$'
has '^\|   2\|root\.rt\.e2\|  20\|null\|$'
has '^\|   3\|root\.rt\.e1\|null\|   c\|$'
pass "CSV import, Time,Device,... header"

# a bad cell names its line and column; nothing of its batch is written
printf 'Time,root.rt.f.s(INT32)\n1,5\n2,abc\n' > "$TMP/bad.csv"
expect_status 1 larch -i "$TMP/bad.csv"
has "line 3, column 2 \(root\.rt\.f\.s\): 'abc' is not an INT32"
printf 'Time,root.rt.f.s\n1,"unterminated\n' > "$TMP/bad2.csv"
expect_status 1 larch -i "$TMP/bad2.csv"
has 'line 2: unterminated quoted cell'
expect_status 1 larch -e "import csv $TMP/none.csv"
has 'cannot read .*none\.csv'
pass "CSV import errors (exit 1, line and column named)"

# a result larger than a page and than a fetch streams through
seq 1 20000 | awk 'BEGIN { print "Time,root.rt.big.v(INT64)" } { print $1 "," $1 * 3 }' > "$TMP/big.csv"
expect_status 0 larch -i "$TMP/big.csv"
expect_status 0 larch -fetch 100 -e "select v from root.rt.big"
[ "$(grep -c '^|' <<< "$OUT")" -eq $((20000 + 20)) ] || fail "20 pages of 1000 rows, each with a header"
has '^Total line number = 20000$'
expect_status 0 larch -fetch 100 -disableISO8601 -e "select v from root.rt.big" -o "$TMP/big.out"
[ "$(wc -l < "$TMP/big.out")" -eq 20001 ] || fail "20000 CSV rows"
grep -qx '20000,60000' "$TMP/big.out" || fail "the last row"
pass "large results: 20 table pages, CSV export of 20000 rows with fetch size 100"
echo "test_cli_batch: all passed"
