#!/bin/sh
#
# bench-owner.sh: what reading the owner of each process costs a
# whole-system audit.  The owner is the cgroup file, and the PID in the
# process's own PID namespace: the NSpid of the status that was read for
# a process of root's, else the link of its namespace and, when that is
# another, the status.  It starts BENCH_PROCS helpers (500) holding
# BENCH_FDS descriptors each (200), then times, interleaved, this fdaudit
# and FDAUDIT_BASE, another build (one without the owner, or an older
# one), each as
#
#	-a			counts, limits and the owner, as a table
#	-a -f json		the same in JSON
#	-a -f prometheus	the same as metrics
#	-a -d -f json		every descriptor table too
#
# and prints the median and minimum times, one peak resident set size
# and each time as a multiple of this fdaudit's -a -f json.  Run it by
# hand on a quiet machine:
#
#	FDAUDIT_BASE=/path/to/old/fdaudit sh tests/bench/bench-owner.sh
#
# Time on a loaded host varies more than the difference; the system calls
# of one run tell the cost more steadily: strace -c -f FDAUDIT -a.

set -u

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

FDAUDIT=${FDAUDIT:-./fdaudit}
FDAUDIT_BASE=${FDAUDIT_BASE:-}
FDHOLDER=${FDHOLDER:-build/tests/fdholder}
BENCH_PROCS=${BENCH_PROCS:-500}
BENCH_FDS=${BENCH_FDS:-200}
BENCH_RUNS=${BENCH_RUNS:-11}

die() {
	echo "bench-owner: $*" >&2
	exit 1
}

[ -x "$FDAUDIT" ] || die "$FDAUDIT not found: run make first"
[ -x "$FDAUDIT_BASE" ] || die "set FDAUDIT_BASE to the fdaudit to compare"
[ -x "$FDHOLDER" ] || die "$FDHOLDER not found"

bench_scratch

bench_holders

# The report's multiples are of the first tool, named fdaudit.
run_tool() {
	tool=$1
	shift
	case $tool in
	fdaudit)	"$@" "$FDAUDIT" -a -f json ;;
	base)		"$@" "$FDAUDIT_BASE" -a -f json ;;
	fdaudit-table)	"$@" "$FDAUDIT" -a ;;
	base-table)	"$@" "$FDAUDIT_BASE" -a ;;
	fdaudit-prom)	"$@" "$FDAUDIT" -a -f prometheus ;;
	base-prom)	"$@" "$FDAUDIT_BASE" -a -f prometheus ;;
	fdaudit-d)	"$@" "$FDAUDIT" -a -d -f json ;;
	base-d)		"$@" "$FDAUDIT_BASE" -a -d -f json ;;
	esac
}

present="fdaudit base fdaudit-table base-table fdaudit-prom base-prom"
present="$present fdaudit-d base-d"
bench_measure
echo "$BENCH_PROCS helpers with $BENCH_FDS descriptors each;" \
    "$BENCH_RUNS runs each"
bench_report
