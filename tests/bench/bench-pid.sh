#!/bin/sh
#
# bench-pid.sh: how long fdaudit, lsfd and lsof take to list every
# descriptor of one process, and how much memory each needs to do it.
#
# It starts tests/fdholder holding BENCH_FDS descriptors (20000 by default,
# a mix of files, pipes, sockets and anonymous inodes), then times, on that
# same process and interleaved so that drift hits every tool alike,
#
#	fdaudit --format json PID	lsfd -p PID	lsof -n -P -p PID
#
# with standard output sent to /dev/null: one warm-up run each, then
# BENCH_RUNS runs each (11 by default).  It prints the median and the
# minimum wall-clock time, the peak resident set size of one more run (from
# GNU time -v), and how many times slower than fdaudit lsfd and lsof are.
# The times include starting the program, as a user running it would see.
# A tool that is not installed is skipped.
#
# Run by `make bench', which sets FDAUDIT and FDHOLDER; it also works as
# `sh tests/bench/bench-pid.sh' from the top of the source tree.

set -u

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

FDAUDIT=${FDAUDIT:-./fdaudit}
FDHOLDER=${FDHOLDER:-build/tests/fdholder}
BENCH_FDS=${BENCH_FDS:-20000}
BENCH_RUNS=${BENCH_RUNS:-11}
# Descriptors held by a second helper, so that the host has many
# unrelated sockets (a quarter of them TCP connections) to look past.
BENCH_OTHER=${BENCH_OTHER:-0}
TOOLS="fdaudit lsfd lsof"

die() {
	echo "bench-pid: $*" >&2
	exit 1
}

case $BENCH_FDS in
''|*[!0-9]*) die "BENCH_FDS must be a number, not \"$BENCH_FDS\"" ;;
esac
case $BENCH_OTHER in
''|*[!0-9]*) die "BENCH_OTHER must be a number" ;;
esac
case $BENCH_RUNS in
''|*[!0-9]*|0) die "BENCH_RUNS must be a positive number" ;;
esac
[ -x "$FDAUDIT" ] || die "$FDAUDIT not found: run make first"
[ -x "$FDHOLDER" ] || die "$FDHOLDER not found: run make $FDHOLDER"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdaudit-bench.XXXXXX") ||
    die "cannot make a temporary directory"
holder=
other=

# The holder must not outlive the benchmark, however it ends.
cleanup() {
	for p in $holder $other; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$BENCH_OTHER" -gt 0 ]; then
	"$FDHOLDER" -n "$BENCH_OTHER" -d "$tmp" >"$tmp/other.out" 2>&1 \
	    </dev/null &
	other=$!
fi

# fdholder closes whatever it inherits, so it holds exactly BENCH_FDS.
"$FDHOLDER" -n "$BENCH_FDS" -d "$tmp" \
    >"$tmp/holder.out" 2>&1 </dev/null &
holder=$!

waited=0
until grep -q '^ready$' "$tmp/holder.out" 2>/dev/null; do
	if ! kill -0 "$holder" 2>/dev/null; then
		holder=
other=
		cat "$tmp/holder.out" >&2
		die "fdholder exited before it was ready"
	fi
	waited=$((waited + 1))
	[ "$waited" -le 600 ] || die "fdholder not ready after 60 seconds"
	sleep 0.1
done
pid=$(sed -n 's/^pid //p' "$tmp/holder.out")
held=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)

# One run of a tool on the holder, after the optional wrapper command
# given as further arguments.
run_tool() {
	case $1 in
	fdaudit)	shift; "$@" "$FDAUDIT" --format json "$pid" ;;
	lsfd)		shift; "$@" lsfd -p "$pid" ;;
	lsof)		shift; "$@" lsof -n -P -p "$pid" ;;
	esac
}

tool_installed() {
	case $1 in
	fdaudit)	return 0 ;;
	*)		command -v "$1" >/dev/null 2>&1 ;;
	esac
}

present=
for tool in $TOOLS; do
	if ! tool_installed "$tool"; then
		echo "bench-pid: $tool is not installed: skipped"
		continue
	fi
	# The warm-up run also checks that the tool reports something.
	# fdaudit's exit status is the process's status, 2 (critical) for a
	# full table; 3 is an error.
	run_tool "$tool" >"$tmp/$tool.out" 2>"$tmp/$tool.err"
	status=$?
	if [ "$tool" = fdaudit ] && [ "$status" -gt 2 ]; then
		cat "$tmp/$tool.err" >&2
		die "fdaudit failed with status $status"
	fi
	if [ ! -s "$tmp/$tool.out" ]; then
		cat "$tmp/$tool.err" >&2
		[ "$tool" = fdaudit ] && die "fdaudit printed nothing"
		echo "bench-pid: $tool printed nothing: skipped"
		continue
	fi
	rm -f "$tmp/$tool.out"
	: >"$tmp/$tool.times"
	present="$present $tool"
done

bench_measure

# Peak resident set size in KiB, from one run under GNU time, or "-".

echo "fdholder PID $pid holds $held descriptors;" \
    "$BENCH_RUNS runs of each tool after one warm-up"
[ "$BENCH_OTHER" -gt 0 ] && echo "another helper holds $BENCH_OTHER" \
    "descriptors; the host has $(($(wc -l </proc/net/tcp) - 1)) TCP and" \
    "$(($(wc -l </proc/net/unix) - 1)) UNIX sockets"
bench_report
