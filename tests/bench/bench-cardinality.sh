#!/bin/sh
#
# bench-cardinality.sh: how many Prometheus series the default file
# holds over BENCH_RUNS runs (20) while services restart.  It starts
# BENCH_SERVICES helpers (10) named cardsvc, each in a cgroup of its own
# named like a docker container's scope, and before each run restarts
# half of them, each into a new scope with a new container ID, as a
# container is restarted.  It prints the series of one run and the
# series seen over all runs, for the default grouping and for
# --pid-label.  It needs root and a writable cgroup2 hierarchy.

set -u

FDAUDIT=${FDAUDIT:-./fdaudit}
FDHOLDER=${FDHOLDER:-build/tests/fdholder}
BENCH_SERVICES=${BENCH_SERVICES:-10}
BENCH_RUNS=${BENCH_RUNS:-20}

die() {
	echo "bench-cardinality: $*" >&2
	exit 1
}

mount=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$mount" ] || die "no cgroup2 hierarchy"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdaudit-card.XXXXXX") || exit 1
slice="$mount/fdaudit-card-$$.slice"
mkdir "$slice" || die "cannot make $slice"
pids=

cleanup() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill $pids 2>/dev/null
	wait 2>/dev/null
	for d in "$slice"/*/; do
		[ -d "$d" ] && rmdir "$d"
	done
	rmdir "$slice"
	rm -rf "$tmp"
}
trap cleanup EXIT

# A helper in a new scope: "docker-" and 64 new hexadecimal digits.
start() {
	id=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
	mkdir "$slice/docker-$id.scope"
	"$FDHOLDER" -N cardsvc -n 20 -d "$tmp" >"$tmp/out.$1" 2>&1 </dev/null &
	eval "pid_$1=$!"
	echo "$!" >"$slice/docker-$id.scope/cgroup.procs"
}

i=0
while [ "$i" -lt "$BENCH_SERVICES" ]; do
	start "$i"
	i=$((i + 1))
done
sleep 0.5

run=1
while [ "$run" -le "$BENCH_RUNS" ]; do
	i=$((run % 2))
	while [ "$i" -lt "$BENCH_SERVICES" ]; do
		eval "kill \$pid_$i"
		start "$i"
		i=$((i + 2))
	done
	sleep 0.3
	"$FDAUDIT" -C cardsvc -f prometheus -o "$tmp/default.$run" 2>/dev/null
	"$FDAUDIT" -C cardsvc --pid-label -f prometheus \
	    -o "$tmp/pid.$run" 2>/dev/null
	"$FDAUDIT" -a -f prometheus -o "$tmp/all.$run" 2>/dev/null
	run=$((run + 1))
done
pids=$(eval "echo $(seq -s ' ' -f '$pid_%g' 0 $((BENCH_SERVICES - 1)))")

# The series of files: their sample lines without the values.
series() {
	grep -hv '^#' "$@" | sed 's/ [^ ]*$//' | sort -u | wc -l
}

grep -m1 "^fdaudit_open_fds{" "$tmp/default.$BENCH_RUNS"
grep -m1 "^fdaudit_open_fds{" "$tmp/pid.$BENCH_RUNS"
echo "$BENCH_SERVICES services, half restarted before each of $BENCH_RUNS runs"
printf '%-28s %10s %14s\n' "" "one run" "all runs"
for kind in default pid all; do
	printf '%-28s %10s %14s\n' "$kind" "$(series "$tmp/$kind.$BENCH_RUNS")" \
	    "$(series "$tmp/$kind".*)"
done
