# shellcheck shell=sh
# shellcheck disable=SC2154
# Shared by the benchmarks: scratch space, timing, peak memory and the
# report.  A script sets $tmp (a scratch directory, see bench_scratch),
# $present (the tools to time, fdaudit first) and BENCH_RUNS, and defines
# run_tool TOOL [WRAPPER...], then calls bench_measure and bench_report.

# A scratch directory in $tmp; the helpers whose PIDs are in $holders are
# killed and the directory removed however the benchmark ends.
bench_scratch() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdaudit-bench.XXXXXX") || {
		echo "$0: cannot make a temporary directory" >&2
		exit 1
	}
	holders=
	trap bench_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_cleanup() {
	# shellcheck disable=SC2086
	[ -n "$holders" ] && kill $holders 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}

# BENCH_PROCS helpers holding BENCH_FDS descriptors each, in $tmp, their
# PIDs added to $holders; returns when all are ready, or dies after 60 s.
bench_holders() {
	i=0
	while [ "$i" -lt "$BENCH_PROCS" ]; do
		"$FDHOLDER" -n "$BENCH_FDS" -d "$tmp" >"$tmp/holder.$i" 2>&1 \
		    </dev/null &
		holders="$holders $!"
		i=$((i + 1))
	done
	waited=0
	while [ "$(grep -l '^ready$' "$tmp"/holder.* 2>/dev/null | wc -l)" \
	    -lt "$BENCH_PROCS" ]; do
		waited=$((waited + 1))
		[ "$waited" -le 600 ] || die "helpers not ready after 60 seconds"
		sleep 0.1
	done
}

# Nanoseconds since the epoch (GNU date).
now() {
	date +%s%N
}

# BENCH_RUNS runs of each tool, interleaved so that drift hits all alike.
bench_measure() {
	for tool in $present; do
		: >"$tmp/$tool.times"
	done
	run=1
	while [ "$run" -le "$BENCH_RUNS" ]; do
		for tool in $present; do
			start=$(now)
			run_tool "$tool" >/dev/null 2>&1
			end=$(now)
			echo "$((end - start))" >>"$tmp/$tool.times"
		done
		run=$((run + 1))
	done
}

# Peak resident set size in KiB, from one run under GNU time.
peak_rss() {
	if [ ! -x /usr/bin/time ]; then
		echo -
		return
	fi
	run_tool "$1" /usr/bin/time -v -o "$tmp/$1.time" >/dev/null 2>&1
	sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' \
	    "$tmp/$1.time"
}

# Median and minimum in milliseconds of a file of nanosecond times.
stats() {
	sort -n "$1" | awk '{ t[NR] = $1 }
	    END {
		m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "%.1f %.1f\n", m / 1e6, t[1] / 1e6
	    }'
}

# The table, then each tool's times as a multiple of fdaudit's.
bench_report() {
	printf '%-14s %10s %10s %14s\n' tool "median ms" "min ms" \
	    "peak RSS KiB"
	for tool in $present; do
		stats "$tmp/$tool.times" >"$tmp/$tool.stats"
		read -r median min <"$tmp/$tool.stats"
		printf '%-14s %10s %10s %14s\n' "$tool" "$median" "$min" \
		    "$(peak_rss "$tool")"
	done
	read -r base_median base_min <"$tmp/fdaudit.stats"
	for tool in $present; do
		[ "$tool" = fdaudit ] && continue
		read -r median min <"$tmp/$tool.stats"
		awk -v tm="$median" -v tn="$min" -v fm="$base_median" \
		    -v fn="$base_min" -v name="$tool/fdaudit" 'BEGIN {
			printf "%-14s %9.2fx %9.2fx\n", name, tm / fm, tn / fn
		    }'
	done
}
