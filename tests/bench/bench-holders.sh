#!/bin/sh
#
# bench-holders.sh: how long the question "who holds this" takes, for a
# file and for a TCP port, on a host where one process holds BENCH_FDS
# descriptors (19000 by default: files, pipes, sockets, a TCP listener and
# connections to it; see tests/fdholder.c).  It times, interleaved,
#
#	fdaudit --path FILE	lsof -n -P FILE		lsfd -Q 'INODE == N'
#	fdaudit --port PORT	lsof -n -P -i :PORT	lsfd -Q 'INET.LPORT ...'
#
# where FILE is the file the helper holds thousands of times and PORT its
# listener's, each tool with its standard output sent to /dev/null,
# BENCH_RUNS times after a warm-up (11 by default).  It prints the median
# and minimum wall-clock times, one peak resident set size (GNU time -v),
# and each tool's time as a multiple of fdaudit's.  lsfd before
# util-linux 2.39 has no port columns and is left out of the port
# question; a tool that is not installed is skipped.
#
# Run by `make bench', which sets FDAUDIT and FDHOLDER; it also works as
# `sh tests/bench/bench-holders.sh' from the top of the source tree.

set -u

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

FDAUDIT=${FDAUDIT:-./fdaudit}
FDHOLDER=${FDHOLDER:-build/tests/fdholder}
BENCH_FDS=${BENCH_FDS:-19000}
BENCH_RUNS=${BENCH_RUNS:-11}

die() {
	echo "bench-holders: $*" >&2
	exit 1
}

for v in "$BENCH_FDS" "$BENCH_RUNS"; do
	case $v in
	''|*[!0-9]*|0) die "BENCH_FDS and BENCH_RUNS must be positive" \
	    "numbers" ;;
	esac
done
[ -x "$FDAUDIT" ] || die "$FDAUDIT not found: run make first"
[ -x "$FDHOLDER" ] || die "$FDHOLDER not found: run make $FDHOLDER"

bench_scratch

"$FDHOLDER" -n "$BENCH_FDS" -d "$tmp" >"$tmp/holder.out" 2>&1 </dev/null &
holders=$!
waited=0
until grep -q '^ready$' "$tmp/holder.out" 2>/dev/null; do
	kill -0 "$holders" 2>/dev/null || die "fdholder exited before it" \
	    "was ready"
	waited=$((waited + 1))
	[ "$waited" -le 600 ] || die "fdholder not ready after 60 seconds"
	sleep 0.1
done
pid=$(sed -n 's/^pid //p' "$tmp/holder.out")
file=$tmp/many.txt
ino=$(stat -c %i "$file")
# The helper's listener: the one LISTEN socket its table shows.
port=$("$FDAUDIT" -t tcp "$pid" | awk '$NF == "LISTEN" { print $(NF - 1) }' |
    sed -n '1s/.*://p')
[ -n "$port" ] || die "the helper's listening port was not found"
held=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
on_file=$("$FDAUDIT" --path "$file" | tail -n +2 | wc -l)
on_port=$("$FDAUDIT" --port "$port" | tail -n +2 | wc -l)
lsfd_ports=false
lsfd -H 2>/dev/null | grep -q 'INET.LPORT' && lsfd_ports=true

run_tool() {
	tool=$1
	shift
	case $query:$tool in
	file:fdaudit)	"$@" "$FDAUDIT" --path "$file" ;;
	file:lsof)	"$@" lsof -n -P "$file" ;;
	file:lsfd)	"$@" lsfd -Q "INODE == $ino" ;;
	port:fdaudit)	"$@" "$FDAUDIT" --port "$port" ;;
	port:lsof)	"$@" lsof -n -P -i ":$port" ;;
	port:lsfd)	"$@" lsfd -Q \
			    "INET.LPORT == $port || INET.RPORT == $port" ;;
	esac
}

# The tools that are installed and answer this question here.
tools_present() {
	present=fdaudit
	for tool in lsof lsfd; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "bench-holders: $tool is not installed: skipped"
		elif [ "$query:$tool" = port:lsfd ] && ! $lsfd_ports; then
			echo "bench-holders: this lsfd has no port columns:" \
			    "skipped for the port"
		else
			present="$present $tool"
		fi
	done
	for tool in $present; do
		run_tool "$tool" >/dev/null 2>&1
	done
}

echo "fdholder PID $pid holds $held descriptors: $on_file on $file," \
    "$on_port on TCP port $port; $BENCH_RUNS runs of each tool after one" \
    "warm-up"
for query in file port; do
	echo
	echo "who holds the $query:"
	tools_present
	bench_measure
	bench_report
done
