#!/bin/sh
#
# bench-scale.sh: fdaudit at the largest tables the host allows, and
# whether any step grows faster than the number of descriptors.
#
#  1. One helper at a time holding a tenth, half and all of SCALE_FDS (by
#     default 20,000) descriptors: the wall time of `fdaudit -j PID' and its time
#     per descriptor, which stays flat when the reading is linear.  Ten
#     times the descriptors may cost at most 2.5 times as much each (fixed
#     costs weigh on the small table, a busy host on either); a step that
#     grew with the square of the table would cost ten times as much, and
#     fails the benchmark.
#  2. SCALE_FEW (10) and then SCALE_PROCS (50) helpers of SCALE_FDS
#     descriptors each, a million in all by default: `fdaudit -a',
#     `fdaudit -a -d' (every table read) and `fdaudit -j PID' of one of
#     them, with and without --no-peers (the peer search reads the
#     descriptor links of every process, so it alone grows with the host).
#
# Each figure is the median of BENCH_RUNS runs (5 by default), with the
# peak resident set size of one more run from GNU time (%M, KiB).  The
# helpers need a soft RLIMIT_NOFILE of SCALE_FDS: the script raises its
# own, which the hard limit must allow.  Slow (a minute or two) and
# memory-hungry (about 2 GB of kernel memory for the sockets), so it is
# run by `make bench' and not by CI.

set -u

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

FDAUDIT=${FDAUDIT:-./fdaudit}
FDHOLDER=${FDHOLDER:-build/tests/fdholder}
SCALE_FDS=${SCALE_FDS:-20000}
SCALE_FEW=${SCALE_FEW:-10}
SCALE_PROCS=${SCALE_PROCS:-50}
BENCH_RUNS=${BENCH_RUNS:-5}

die() {
	echo "bench-scale: $*" >&2
	exit 1
}

for v in "$SCALE_FDS" "$SCALE_FEW" "$SCALE_PROCS" "$BENCH_RUNS"; do
	case $v in
	''|*[!0-9]*|0) die "SCALE_FDS, SCALE_FEW, SCALE_PROCS and" \
	    "BENCH_RUNS must be positive numbers" ;;
	esac
done
[ "$SCALE_FEW" -le "$SCALE_PROCS" ] || die "SCALE_FEW is above SCALE_PROCS"
[ -x "$FDAUDIT" ] || die "$FDAUDIT not found: run make first"
[ -x "$FDHOLDER" ] || die "$FDHOLDER not found"
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed"
ulimit -n "$SCALE_FDS" 2>/dev/null ||
    die "cannot raise the soft descriptor limit to $SCALE_FDS"

bench_scratch

# Start one helper of $1 descriptors; its output goes to $tmp/holder.$2.
holder_start() {
	"$FDHOLDER" -n "$1" -d "$tmp" >"$tmp/holder.$2" 2>&1 </dev/null &
	holders="$holders $!"
	last_holder=$!
}

# Wait until every helper started so far has said "ready".
holders_wait() {
	want=$(echo "$holders" | wc -w)
	waited=0
	while [ "$(grep -l '^ready$' "$tmp"/holder.* 2>/dev/null |
	    wc -l)" -lt "$want" ]; do
		waited=$((waited + 1))
		[ "$waited" -le 1200 ] || die "helpers not ready after 120 s"
		if grep -l 'fdholder:' "$tmp"/holder.* >/dev/null 2>&1; then
			die "a helper failed: $(cat "$tmp"/holder.*|
			    grep fdholder: | head -n 1)"
		fi
		sleep 0.1
	done
}

holders_stop() {
	# shellcheck disable=SC2086
	[ -n "$holders" ] && kill $holders 2>/dev/null
	wait 2>/dev/null
	holders=
	rm -f "$tmp"/holder.*
}

# Median milliseconds of BENCH_RUNS runs of fdaudit with the arguments,
# then the peak RSS of one more, as "MS KIB".
measure() {
	: >"$tmp/times"
	"$FDAUDIT" "$@" >/dev/null 2>&1	# warm-up
	run=1
	while [ "$run" -le "$BENCH_RUNS" ]; do
		start=$(now)
		"$FDAUDIT" "$@" >/dev/null 2>&1
		end=$(now)
		echo "$((end - start))" >>"$tmp/times"
		run=$((run + 1))
	done
	/usr/bin/time -f %M -o "$tmp/rss" "$FDAUDIT" "$@" >/dev/null 2>&1
	median=$(stats "$tmp/times" | cut -d ' ' -f 1)
	echo "$median $(tail -n 1 "$tmp/rss")"
}

# One line of the report: what, descriptors, "MS KIB", and per descriptor.
line() {
	echo "$3" | awk -v what="$1" -v n="$2" '{
		printf "%-32s %9d %10.1f %11.2f %12d\n", what, n, $1,
		    $1 * 1000 / n, $2
	}'
}

header() {
	printf '%-32s %9s %10s %11s %12s\n' "$1" descriptors "median ms" \
	    "us per fd" "peak RSS KiB"
}

header "one process, fdaudit -j PID"
for n in $((SCALE_FDS / 10)) $((SCALE_FDS / 2)) "$SCALE_FDS"; do
	holder_start "$n" single
	holders_wait
	figures=$(measure -j "$last_holder")
	line "$n descriptors" "$n" "$figures"
	# Milliseconds per thousand descriptors, first and last size.
	per_fd=$(echo "$figures" | awk -v n="$n" '{ print $1 * 1000 / n }')
	[ "$n" -eq $((SCALE_FDS / 10)) ] && per_fd_small=$per_fd
	holders_stop
done
growth=$(awk -v a="$per_fd_small" -v b="$per_fd" \
    'BEGIN { printf "%.2f", a > 0 ? b / a : 0 }')
echo "time per descriptor at $SCALE_FDS over that at $((SCALE_FDS / 10)):" \
    "$growth (at most 2.5)"
awk -v g="$growth" 'BEGIN { exit !(g <= 2.5) }' ||
    die "the table read grows faster than the number of descriptors"
echo

header "many processes"
i=0
total=0
for target in "$SCALE_FEW" "$SCALE_PROCS"; do
	while [ "$i" -lt "$target" ]; do
		holder_start "$SCALE_FDS" "$i"
		i=$((i + 1))
		# A few at a time: starting them all at once thrashes.
		[ $((i % 5)) -eq 0 ] && holders_wait
	done
	holders_wait
	total=$(cut -f 1 /proc/sys/fs/file-nr)
	held=$((target * SCALE_FDS))
	line "-a, $target procs" "$held" "$(measure -a -f json)"
	line "-a -d, $target procs" "$held" "$(measure -a -d -f json)"
	line "-j PID, $target procs" "$SCALE_FDS" \
	    "$(measure -j "$last_holder")"
	line "-j --no-peers PID, $target procs" "$SCALE_FDS" \
	    "$(measure -j --no-peers "$last_holder")"
done
echo "file handles allocated system-wide at the end: $total"
