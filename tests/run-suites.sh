#!/bin/sh
# Run every Check suite given as an argument, each on its own so that a
# crash in one does not hide the others, and end with one total line:
#   check: N passed, N failed, N skipped
# Check has no skipped state of its own: a test that cannot run its check
# here prints "SKIP: test: reason" (tests/testutil.h) and returns, which
# Check counts as a pass; such tests are moved from the passes to the
# skips, and their reasons repeated before the total.  A test that left
# out one part of its checks says "PART SKIPPED: test: reason"; it still
# counts as passed, and its reason is listed with the skips.
# Check ends a test that runs longer than 4 seconds unless told otherwise,
# which a loaded machine can make a test do.  Its timeouts are to catch
# a hang, not to judge speed: a minute for a test that sets none.
CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60}
export CK_DEFAULT_TIMEOUT
passed=0
failed=0
skipped=0
status=0
out=$(mktemp) || exit 1
skips=$(mktemp) || exit 1
trap 'rm -f "$out" "$skips"' EXIT
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
	s=$(grep -c '^SKIP: ' "$out")
	grep -E '^(PART )?SKIP(PED)?: ' "$out" | sed "s|^|$(basename "$suite"): |" >>"$skips"
	passed=$((passed + n - f - e - s))
	failed=$((failed + f + e))
	skipped=$((skipped + s))
done
if [ "$skipped" -gt 0 ]; then
	echo "== skipped"
	cat "$skips"
fi
echo "check: $passed passed, $failed failed, $skipped skipped"
exit $status
