#!/usr/bin/env bash
# The Windows backend under Wine: cross-compile fdaudit.exe and the
# winholder helper, audit the helper by PID and check every handle it
# opened, a PID that does not exist, a name query that never answers,
# --all, the snapshot API, the snapshot library installed and linked by
# a program of its own, and an atomic -o file.  JSON is checked with
# jq, a small Debian package, because python3 may be missing on a fresh
# machine.
# The last line is "wine: N passed, M failed"; the exit status is 1 on a
# failure.  Wine is not Windows: see the caveats in fdaudit(1).
set -u
cd "$(dirname "$0")/../.."

passed=0
failed=0

check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name" >&2
	fi
}

finish() {
	echo "wine: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
	    grep -q 'install ok installed'
}

# Install only what is missing, as .ci/run does.
missing=()
for p in gcc-mingw-w64-x86-64 wine wine64 jq; do
	installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! make -s windows WERROR=1 >/dev/null; then
	failed=$((failed + 1))
	echo "FAIL: make windows" >&2
	finish
fi
fdaudit=build/win/fdaudit.exe
holder=build/win/tests/win/winholder.exe

export WINEPREFIX="$PWD/build/wine" WINEDEBUG=-all WINEARCH=win64
tmp=$(mktemp -d)
# A fresh prefix each run: nothing from an earlier run can hide a change.
# A server left by an interrupted run would keep writing into it.
wineserver -k >/dev/null 2>&1
rm -rf "$WINEPREFIX"
mkdir -p "$WINEPREFIX"
trap 'wineserver -k >/dev/null 2>&1; rm -rf "$tmp"' EXIT
wineserver -p
wineboot -i >/dev/null 2>&1
# Without a debugger a crash ends the program with an error status.
wine reg delete 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' \
    /f >/dev/null 2>&1

# Run fdaudit.exe; output without CR in $tmp/out, $tmp/err, status in rc.
audit() {
	wine "$fdaudit" "$@" >"$tmp/out.raw" 2>"$tmp/err.raw"
	rc=$?
	tr -d '\r' <"$tmp/out.raw" >"$tmp/out"
	tr -d '\r' <"$tmp/err.raw" >"$tmp/err"
}

# jq with the helper's values as variables; true when the filter is.
jqt() {
	jq -e --argjson pid "$pid" "$@" "$tmp/out"
}

wine "$holder" 240 >"$tmp/holder.raw" 2>&1 &
for _ in $(seq 100); do
	tr -d '\r' <"$tmp/holder.raw" >"$tmp/holder"
	grep -q '^ready$' "$tmp/holder" && break
	sleep 0.2
done
check "helper started" grep -q '^ready$' "$tmp/holder"
grep -q '^ready$' "$tmp/holder" || finish
pid=$(awk '$1 == "pid" { print $2 }' "$tmp/holder")
value() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/holder"; }
name() { awk -v k="$1" '$1 == k { print $3 }' "$tmp/holder"; }

start=$(date +%s%N)
audit --format json "$pid"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "audit by PID exits 0" test "$rc" -eq 0
check "JSON parses" jq -e . "$tmp/out"
check "process found" jqt '.processes[0].pid == $pid and
    .processes[0].command == "winholder.exe" and .processes[0].user != null'
check "count is the number of handles" jqt \
    '.processes[0].open == (.processes[0].fds | length) and
    .processes[0].open >= 12'
check "inheritable count" jqt '.processes[0].inheritable ==
    ([.processes[0].fds[] | select(.cloexec == false)] | length) and
    .processes[0].inheritable >= 2'
check "limits are the handle ceiling" jqt \
    '.processes[0].limit_soft == 16777216 and
    .processes[0].limit_hard == 16777216'

# One handle of the helper: is the filter true of it?
handle() {
	local what=$1 filter=$2
	check "$what" jqt --argjson h "$(value "$what")" \
	    --arg n "$(name "$what")" \
	    "[.processes[0].fds[] | select(.fd == \$h)] | length == 1 and
	    (.[0] | $filter)"
}
handle file '.type == "file" and .target == $n and .mode == "rw" and
    .cloexec == true and .pos == 10 and (.details.nt_path | length) > 0'
handle dir '.type == "dir" and .target == $n'
handle inheritable '.type == "file" and .target == $n and .cloexec == false'
handle pipe-read '.type == "fifo" and .mode == "r" and
    (.target | startswith("\\\\.\\pipe\\"))'
handle pipe-write '.type == "fifo" and .mode == "w"'
handle namedpipe '.type == "fifo" and .target == $n and
    .details.nt_path ==
    "\\Device\\NamedPipe\\" + ($n | ltrimstr("\\\\.\\pipe\\"))'
handle event '.type == "event" and (.target | endswith("\\" + $n))'
handle mutex '.type == "mutant" and (.target | endswith("\\" + $n))'
handle key '.type == "key" and
    (.target | ascii_downcase | endswith("\\machine\\software"))'
handle socket '.type == "socket" and (.local | startswith("127.0.0.1:"))'

audit --format json 999996
check "missing PID exits 3" test "$rc" -eq 3
check "missing PID is reported" grep -q 'PID 999996: no such process' \
    "$tmp/err"
check "missing PID in JSON errors" jq -e \
    '.errors[0].pid == 999996 and .errors[0].error == "no such process"' \
    "$tmp/out"

# fdaudit run is built on Linux only, and says so.
audit run -- cmd /c exit
check "run exits 125" test "$rc" -eq 125
check "run says it needs Linux" grep -qx \
    'fdaudit run: not supported on this operating system: it needs Linux' \
    "$tmp/err"

# A name query that never answers: the named pipe's is made to sleep.
start=$(date +%s%N)
FDAUDIT_TEST_SLOW_QUERY=$(value namedpipe) audit --format json "$pid"
slow_ms=$((($(date +%s%N) - start) / 1000000))
check "slow query: run completes" test "$rc" -eq 0
check "slow query: handle times out" jqt --argjson h "$(value namedpipe)" \
    '.processes[0].fds[] | select(.fd == $h) | .error == "timed out"'
check "slow query: others still named" jqt --argjson h "$(value file)" \
    '.processes[0].fds[] | select(.fd == $h) | .target != null'
# Without the worker's timeout the audit would wait for ever; the bound
# only tells that apart from an end, however loaded the machine is.
check "slow query: bounded" test "$slow_ms" -lt $((elapsed_ms + 60000))

audit "$pid"
check "table report" grep -q "^PID $pid  winholder.exe" "$tmp/out"
audit --all
check "--all exits 0" test "$rc" -eq 0
check "--all lists the helper" grep -Eq "^ +$pid .*winholder.exe" "$tmp/out"

# The snapshot API sets up the platform layer itself, and leaves out the
# handles its reader keeps.
wine build/win/tests/win/winsnap.exe >"$tmp/snap.raw" 2>&1
rc=$?
check "snapshot API: one leak, then none" test "$rc" -eq 0
check "snapshot API: said ok" grep -q '^snapshot ok' "$tmp/snap.raw"

# The library as a program outside the tree gets it: installed into a
# scratch prefix, found through pkg-config, linked statically.  It
# exports fdaudit_* only, and the consumer finds its planted leak.
mingw=${MINGW:-x86_64-w64-mingw32-}
stage="$tmp/stage"
check "library installs" make -s windows-install-lib WERROR=1 \
    PREFIX="$stage"
win_pc() {
	PKG_CONFIG_PATH="$stage/lib/pkgconfig" pkg-config \
	    --define-variable=prefix="$stage" "$@" fdaudit
}
"${mingw}nm" -g --defined-only "$stage/lib/libfdaudit.a" 2>/dev/null |
    awk '$2 ~ /^[A-TV-Z]$/ { print $3 }' >"$tmp/names"
check "library exports fdaudit_* only" sh -c \
    "test -s '$tmp/names' && ! grep -v '^fdaudit_' '$tmp/names'"
# shellcheck disable=SC2046
check "consumer builds through pkg-config" "${mingw}gcc" -std=c11 \
    $(win_pc --cflags) -o "$tmp/consumer.exe" tests/consumer/consumer.c \
    $(win_pc --static --libs) -static
wine "$tmp/consumer.exe" 'C:\consumer-scratch' >"$tmp/consumer.raw" 2>&1
rc=$?
check "consumer: leak found, clean function passes" test "$rc" -eq 0
check "consumer: said ok" grep -q '^consumer ok' "$tmp/consumer.raw"

audit --format json -o 'C:\report.json' "$pid"
check "-o exits 0" test "$rc" -eq 0
tr -d '\r' <"$WINEPREFIX/drive_c/report.json" >"$tmp/out" 2>/dev/null
check "-o wrote the report" jqt '.processes[0].pid == $pid'
check "-o left no temporary file" test -z \
    "$(find "$WINEPREFIX/drive_c" -maxdepth 1 -name 'report.json.*')"

echo "wine: $(jq '.processes[0].open' "$tmp/out") handles," \
    "one audit ${elapsed_ms} ms, with a stuck query ${slow_ms} ms"
finish
