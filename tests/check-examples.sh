#!/bin/sh
# The deployment examples under man/examples: the systemd units pass
# systemd-analyze verify, the alert rules pass promtool and name only
# metrics that fdaudit writes, and what fdaudit writes passes promtool
# check metrics.  A missing tool is a skip, said as such.
# FDAUDIT is the binary under test; run from the top of the source.
set -u
fdaudit=${FDAUDIT:-./fdaudit}
examples=man/examples
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0

fail() {
	echo "FAIL: examples: $*"
	failed=1
}

skip() {
	echo "SKIP: examples: $*"
}

# The units, with ExecStart naming the binary built here: verify wants
# the program to exist.  Any word from it is a failure, since it reports
# bad settings as warnings and still exits 0.
check_units() {
	if ! command -v systemd-analyze >/dev/null; then
		skip "no systemd-analyze"
		return
	fi
	sed "s|/usr/local/bin/fdaudit|$bin|" "$examples/fdaudit.service" \
	    >"$scratch/fdaudit.service"
	cp "$examples/fdaudit.timer" "$scratch/"
	grep -q "^ExecStart=$bin " "$scratch/fdaudit.service" ||
	    fail "fdaudit.service: no ExecStart of /usr/local/bin/fdaudit"
	if ! systemd-analyze verify --man=no "$scratch/fdaudit.service" \
	    "$scratch/fdaudit.timer" >"$scratch/verify" 2>&1 ||
	    [ -s "$scratch/verify" ]; then
		cat "$scratch/verify"
		fail "systemd-analyze verify"
	fi
	# The check can fail: a setting systemd does not know is caught.
	sed 's/^ProtectSystem=strict/ProtectSystem=stricter/' \
	    "$scratch/fdaudit.service" >"$scratch/broken.service"
	systemd-analyze verify --man=no "$scratch/broken.service" \
	    >"$scratch/verify" 2>&1
	[ -s "$scratch/verify" ] || fail "a broken unit passed verify"
}

# A real file from fdaudit, with the trend families: two runs on a
# state file.
write_metrics() {
	for run in 1 2; do
		"$fdaudit" -a --state "$scratch/state" -f prometheus \
		    -o "$scratch/fdaudit.prom" 2>/dev/null
		[ $? -le 2 ] || fail "fdaudit -f prometheus failed"
	done
}

# Every fdaudit_ name in the rules is a family of that file.
check_rule_names() {
	names=$(grep -o 'fdaudit_[a-z_]*' "$examples/fdaudit.rules.yml" |
	    sort -u)
	[ -n "$names" ] || fail "no fdaudit metric in the rules"
	for name in $names; do
		grep -q "^# TYPE $name gauge$" "$scratch/fdaudit.prom" ||
		    fail "the rules name $name, which fdaudit does not write"
	done
}

check_promtool() {
	if ! command -v promtool >/dev/null; then
		skip "no promtool"
		return
	fi
	promtool check rules "$examples/fdaudit.rules.yml" >"$scratch/out" \
	    2>&1 || { cat "$scratch/out"; fail "promtool check rules"; }
	promtool check metrics <"$scratch/fdaudit.prom" >"$scratch/out" 2>&1 ||
	    { cat "$scratch/out"; fail "promtool check metrics"; }
	# The alerts fire on the series they are meant for, and only then.
	promtool test rules tests/examples.test.yml >"$scratch/out" 2>&1 ||
	    { cat "$scratch/out"; fail "promtool test rules"; }
}

# What an example runs, with the binary built here and its paths in
# the scratch directory.
localize() {
	sed -e "s|/usr/local/bin/fdaudit|$bin|g" \
	    -e "s|/var/lib/prometheus/node-exporter|$scratch/textfile|g" \
	    -e "s|/var/lib/fdaudit|$scratch/cron-state|g" \
	    -e "s|/var/lib/nagios|$scratch|g"
}

# cron.d lines: five time fields, a user, and a command that writes the
# Prometheus file when it is run.
check_cron() {
	grep -v -e '^#' -e '^[A-Z]*=' -e '^$' "$examples/fdaudit.cron" |
	    localize >"$scratch/cron"
	[ "$(wc -l <"$scratch/cron")" -ge 1 ] || fail "fdaudit.cron: no line"
	mkdir -p "$scratch/textfile"
	while read -r m h dom mon dow user cmd; do
		[ -n "$cmd" ] && [ "$user" = root ] ||
		    fail "fdaudit.cron: not a cron.d line: $m $h $dom $mon $dow"
		rm -f "$scratch/textfile/fdaudit.prom"
		sh -c "$cmd"
		[ $? -le 2 ] || fail "fdaudit.cron: the command failed: $cmd"
		grep -q '^# TYPE fdaudit_open_fds gauge$' \
		    "$scratch/textfile/fdaudit.prom" 2>/dev/null ||
		    fail "fdaudit.cron: no Prometheus file written"
	done <"$scratch/cron"
}

# Each Nagios command line, its arguments filled in as the service
# would (a glob and two ranges, or two ranges), prints the plugin format
# and exits 0, 1 or 2.
check_nagios() {
	awk '$1 == "command_name" { name = $2 }
	    $1 == "command_line" { $1 = ""; print name $0 }' \
	    "$examples/fdaudit-nagios.cfg" | localize >"$scratch/nagios"
	[ "$(wc -l <"$scratch/nagios")" -ge 2 ] || fail "no Nagios commands"
	while read -r name cmd; do
		case $name in
		check_fdaudit) args='s/[$]ARG1[$]/*/; s/[$]ARG2[$]/70/;
		    s/[$]ARG3[$]/90/' ;;
		*) args='s/[$]ARG1[$]/70/; s/[$]ARG2[$]/90/' ;;
		esac
		cmd=$(printf '%s\n' "$cmd" | sed "$args")
		sh -c "$cmd" >"$scratch/out" 2>/dev/null
		status=$?
		[ "$status" -le 2 ] && head -n 1 "$scratch/out" |
		    grep -Eq '^FDAUDIT (OK|WARNING|CRITICAL) - ' ||
		    fail "$name (exit $status): $cmd"
	done <"$scratch/nagios"
}

bin=$(cd "$(dirname "$fdaudit")" && pwd)/$(basename "$fdaudit")
check_units
write_metrics
check_rule_names
check_promtool
check_cron
check_nagios
[ "$failed" -eq 0 ] && echo "examples: ok"
exit "$failed"
