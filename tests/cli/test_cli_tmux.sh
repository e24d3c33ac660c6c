#!/usr/bin/env bash
# tests/cli/test_cli_tmux.sh BUILD_DIR — drives `larch` at its interactive
# prompt as a person would: inside a detached tmux session, statements typed
# key by key (multi-line ones too), arrow-up history recall, Ctrl-C at the
# prompt, paging with ENTER and q, client commands, export/import; the pane
# is captured and the tables, row counts and errors checked.
. "$(dirname "$0")/common.bash"

command -v tmux > /dev/null || fail "tmux is not installed (scripts/install-deps.sh)"
SOCK=$TMP/tmux.sock
trap 'tmux -S "$SOCK" kill-server 2>/dev/null; cleanup_common' EXIT
start_larchd
mkdir -p "$TMP/home"

T() { tmux -S "$SOCK" "$@"; }

# Type text one key at a time (';' must be escaped for tmux).
type_keys() {
	local s=$1 i ch
	for ((i = 0; i < ${#s}; i++)); do
		ch=${s:i:1}
		if [ "$ch" = ";" ]; then
			T send-keys -t "$S" -l '\;'
		else
			T send-keys -t "$S" -l -- "$ch"
		fi
	done
}
key() { T send-keys -t "$S" "$@"; }
pane() { T capture-pane -p -J -t "$S" -S -5000; }
count() { pane | grep -cE -- "$1"; }

# Wait until /pattern/ matches at least n lines of the pane.
wait_for() {
	local pat=$1 n=${2:-1}
	for _ in $(seq 300); do
		[ "$(count "$pat")" -ge "$n" ] && return 0
		sleep 0.05
	done
	pane | tail -40
	fail "timed out waiting for /$pat/ (x$n)"
}

# Type a statement, press Enter, wait for one more match of /pattern/ and
# for the next prompt.
run() {
	local stmt=$1 pat=$2 n p
	n=$(count "$pat")
	p=$(count '^larch> ')
	type_keys "$stmt"
	key Enter
	wait_for "$pat" $((n + 1))
	wait_for '^larch> ' $((p + 1))
}

expect_line() {
	pane | grep -qxF -- "$1" || { pane | tail -30; fail "no line '$1' in the pane"; }
}

# start_shell NAME: a tmux session running larch; key/pane act on it.
start_shell() {
	S=$1
	T new-session -d -s "$S" -x 220 -y 50 \
		"HOME=$TMP/home $BIN/larch -h 127.0.0.1 -p $PORT -u root -pw root -tz +08:00; echo LARCH-EXIT=\$?; sleep 600"
	wait_for '^larch> ' 1
}

#--- first session -----------------------------------------------------------
start_shell first
expect_line "Successfully login at 127.0.0.1:$PORT"
pass "prompt after login"

run "create database root.cli;" 'Msg: The statement is executed successfully'
# a statement over two lines: the continuation prompt, then the ';'
type_keys "insert into root.cli.d1(time, s1, s2)"
key Enter
wait_for '^    -> ' 1
run "values(1509465600000, 1.0, 'x');" 'Msg: The statement is executed successfully' 
run "insert into root.cli.d1(time, s1) values(1509465600001, 0.00001);" \
	'Msg: The statement is executed successfully'
[ "$(count 'Msg: The statement is executed successfully')" -eq 3 ] || fail "3 statements succeed"
pass "multi-line insert"

run "select s1, s2 from root.cli.d1;" '^Total line number = 2$'
expect_line "+-----------------------------+--------------+--------------+"
expect_line "|                         Time|root.cli.d1.s1|root.cli.d1.s2|"
expect_line "|2017-11-01T00:00:00.000+08:00|           1.0|             x|"
expect_line "|2017-11-01T00:00:00.001+08:00|        1.0E-5|          null|"
[ "$(count '^It costs [0-9]+\.[0-9]{3}s$')" -eq 1 ] || fail "It costs line"
pass "table: borders, ISO time in +08:00, Java numbers, null, row count"

run "select s1 frm root.cli.d1;" '^Msg: 700: line 1:'
pass "syntax error as Msg: 700: line 1:..."

# arrow up twice: the select before the failed one
key Up
key Up
wait_for '^larch> select s1, s2 from root.cli.d1;$' 1
key Enter
wait_for '^Total line number = 2$' 2
wait_for '^larch> ' 7
pass "history recall with the up arrow"

# Ctrl-C discards the line being typed ...
type_keys "select garbage from"
key C-c
wait_for '\^C$' 1
run "show databases;" '^Total line number = 1$'
expect_line "|root.cli|                      1|                    1|                  0|            604800000|"
# ... and a pending multi-line statement
type_keys "select nonsense"
key Enter
wait_for '^    -> ' 2
key C-c
wait_for '\^C$' 2
run "show databases;" '^Total line number = 1$'
[ "$(count '^Msg: 700')" -eq 1 ] || fail "Ctrl-C must drop the input (only one syntax error)"
pass "Ctrl-C at the prompt drops the line and the pending statement"

run "set time_display_type=long" '^Time display type has set to long$'
run "select s1 from root.cli.d1;" '^Total line number = 2$'
expect_line "|         Time|root.cli.d1.s1|"
expect_line "|1509465600001|        1.0E-5|"
run "show time_display_type" '^Current time format: long$'
run "set time_display_type=default" '^Time display type has set to default$'
run "show time_zone" '^Current time zone: \+08:00$'
pass "time display switch"

# paging: one row per table, ENTER shows the next, q stops
run "set max_display_num=1" '^Max display number has set to 1$'
n=$(count '^Total line number = 2$')
type_keys "select s1 from root.cli.d1;"
key Enter
wait_for "^This display 1 rows. Press ENTER to show more, input 'q' to quit.$" 1
key Enter
wait_for '^Total line number = 2$' $((n + 1))
expect_line "|2017-11-01T00:00:00.001+08:00|        1.0E-5|"
c=$(count '^It costs')
type_keys "select s1 from root.cli.d1;"
key Enter
wait_for "^This display 1 rows" 2
type_keys "q"
key Enter
wait_for '^It costs' $((c + 1))
[ "$(count '^Total line number = 2$')" -eq $((n + 1)) ] || fail "q must stop the listing"
run "set max_display_num=1000" '^Max display number has set to 1000$'
pass "paging: ENTER for more, q to stop"

run "export csv $TMP/d1.csv select s1, s2 from root.cli.d1;" '^Exported 2 rows to '
sed -i '1s/root\.cli\.d1/root.cli.d9/g' "$TMP/d1.csv"
run "import csv $TMP/d1.csv" '^Imported 2 rows from '
run "select s1, s2 from root.cli.d9;" '^Total line number = 2$'
expect_line "|2017-11-01T00:00:00.001+08:00|        1.0E-5|          null|"
pass "export csv / import csv commands"

# ^C while a long page prints: the listing stops, no row count is claimed
seq 1 200000 | awk 'BEGIN { print "Time,root.cli.big.v(INT64)" } { print $1 "," $1 }' > "$TMP/big.csv"
run "import csv $TMP/big.csv" '^Imported 200000 rows from '
run "set max_display_num=1000000" '^Max display number has set to 1000000$'
type_keys "select v from root.cli.big;"
key Enter
wait_for '^\|1970-01-01T08:0[0-3]:.*\| +[0-9]+\|$' 1
key C-c
wait_for '^Interrupted\.$' 1
[ "$(count '^Total line number = 200000$')" -eq 0 ] || fail "an interrupted listing claims a total"
run "set max_display_num=1000" '^Max display number has set to 1000$'
pass "Ctrl-C stops a long listing"

run "help" 'set time_display_type=xxx'
key -l quit
key Enter
wait_for '^LARCH-EXIT=0$' 1
# libedit's history file encodes blanks as \040
grep -qF 'select\040s1,\040s2\040from\040root.cli.d1;' "$TMP/home/.larch_history" ||
	fail "history file lacks the select"
pass "quit (exit 0), history saved to ~/.larch_history"

#--- second session: history survives, Ctrl-D leaves ---------------------------
start_shell second
T kill-session -t first
key Up
wait_for '^larch> quit;$' 1
key C-c
wait_for '\^C$' 1
key C-d
wait_for '^LARCH-EXIT=0$' 1
pass "history loaded in a new session; Ctrl-D exits 0"
echo "test_cli_tmux: all passed"
