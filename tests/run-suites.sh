#!/bin/sh
# Run every Check suite given as an argument, each on its own so that a
# crash in one does not hide the others, and end with one total line.
passed=0
failed=0
status=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
for suite in "$@"; do
	echo "== $suite"
	"$suite" >"$out" 2>&1 || status=1
	cat "$out"
	line=$(grep -E '^[0-9]+%: Checks: ' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$suite: no Check summary (crashed?)"
		failed=$((failed + 1))
		status=1
		continue
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
done
echo "check: $passed passed, $failed failed"
exit $status
