#!/bin/sh
#
# bench-all.sh: how long a whole-system audit takes.  It starts
# BENCH_PROCS helper processes (500 by default) holding BENCH_FDS
# descriptors each (200 by default), then times, interleaved,
#
#	fdaudit -a -f json (counts, limits, usage, owner)
#	lsof -n -P -w	lsfd --summary=only
#	floor (one stat of /proc/PID/fd and one prlimit per process)
#
# BENCH_RUNS times each after a warm-up (11 by default), and prints the
# median and minimum wall-clock times, one peak resident set size (GNU
# time -v), and each tool's time as a multiple of fdaudit's.
#
# Run by `make bench', which sets FDAUDIT, FDHOLDER and FLOOR.

set -u

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

FDAUDIT=${FDAUDIT:-./fdaudit}
FDHOLDER=${FDHOLDER:-build/tests/fdholder}
FLOOR=${FLOOR:-build/tests/bench/floor}
BENCH_PROCS=${BENCH_PROCS:-500}
BENCH_FDS=${BENCH_FDS:-200}
BENCH_RUNS=${BENCH_RUNS:-11}
TOOLS="fdaudit floor lsof lsfd"

die() {
	echo "bench-all: $*" >&2
	exit 1
}

for v in "$BENCH_PROCS" "$BENCH_FDS" "$BENCH_RUNS"; do
	case $v in
	''|*[!0-9]*|0) die "BENCH_PROCS, BENCH_FDS and BENCH_RUNS must be" \
	    "positive numbers" ;;
	esac
done
[ -x "$FDAUDIT" ] || die "$FDAUDIT not found: run make first"
[ -x "$FDHOLDER" ] || die "$FDHOLDER not found"
[ -x "$FLOOR" ] || die "$FLOOR not found"

bench_scratch

bench_holders

run_tool() {
	tool=$1
	shift
	case $tool in
	fdaudit)	"$@" "$FDAUDIT" -a -f json ;;
	floor)		"$@" "$FLOOR" ;;
	lsof)		"$@" lsof -n -P -w ;;
	lsfd)		"$@" lsfd --summary=only ;;
	esac
}

present=
for tool in $TOOLS; do
	case $tool in
	fdaudit|floor) ;;
	*) if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench-all: $tool is not installed: skipped"
		continue
	   fi ;;
	esac
	run_tool "$tool" >"$tmp/$tool.out" 2>/dev/null
	[ -s "$tmp/$tool.out" ] || { echo "bench-all: $tool printed" \
	    "nothing: skipped"; continue; }
	: >"$tmp/$tool.times"
	present="$present $tool"
done

bench_measure

echo "$BENCH_PROCS helpers with $BENCH_FDS descriptors each;" \
    "$(cat "$tmp/floor.out")" \
    "on the system; $BENCH_RUNS runs each"
bench_report
