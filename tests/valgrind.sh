#!/bin/sh
# fdaudit under valgrind: no memory errors, no leaked memory and no
# descriptor of its own left open at exit, in each of its modes.
# valgrind 3.19 exits 0 on descriptor leaks whatever --error-exitcode
# says, so its log is read instead.  Ends with "valgrind: N passed, M
# failed".
set -u
FDAUDIT=${FDAUDIT:-./fdaudit}
FDHOLDER=${FDHOLDER:-build/tests/fdholder}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdaudit-valgrind.XXXXXX") || exit 1
holder=
passed=0
failed=0

cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

command -v valgrind >/dev/null 2>&1 || {
	echo "valgrind: not installed"
	exit 1
}
"$FDHOLDER" -S -P -d "$tmp" >"$tmp/holder.out" 2>&1 </dev/null &
holder=$!
while ! grep -q '^ready$' "$tmp/holder.out" 2>/dev/null; do
	sleep 0.1
done

# One mode under valgrind; its log must show no error, no leak and no
# descriptor that fdaudit opened and kept.
check() {
	name=$1
	shift
	log="$tmp/$name.log"
	valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --track-fds=yes \
	    --error-exitcode=99 --log-file="$log" "$@" >/dev/null 2>&1
	status=$?
	if [ "$status" -eq 99 ] || ! grep -q 'ERROR SUMMARY: 0 errors' "$log" ||
	    awk '/Open (file )?descriptor [0-9]+:/ { fd = 1; next }
		fd && /inherited from parent/ { fd = 0; next }
		fd && NF > 1 { bad = 1 }
		END { exit !bad }' "$log"; then
		echo "FAIL: $name (exit $status)"
		cat "$log"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

check table "$FDAUDIT" "$holder"
check json "$FDAUDIT" -j "$holder"
check all "$FDAUDIT" -a -d
check nagios "$FDAUDIT" -a -f nagios --top 5
check prometheus "$FDAUDIT" -a -f prometheus -o "$tmp/out.prom"
check state "$FDAUDIT" --state "$tmp/state" -s "$holder"
check watch "$FDAUDIT" watch -i 1 -n 2 "$holder"
check missing "$FDAUDIT" 4194304
check run "$FDAUDIT" run --no-pin -- true
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
