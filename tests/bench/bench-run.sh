#!/bin/sh
# fdaudit run against the command alone and against valgrind --track-fds:
# a C loop of open/close pairs, python3 opening and closing files, a
# program whose children each leak one descriptor, and a shell script
# that runs many short programs.  Each figure is the median of RUNS
# wall-clock runs, in seconds, with its ratio to native.
FDAUDIT=${FDAUDIT:-./fdaudit}
LEAKY=${LEAKY:-build/tests/run/leaky}
RUNS=${RUNS:-5}
LOOP=${LOOP:-100000}
FILES=${FILES:-20000}
CHILDREN=${CHILDREN:-1000}
COMMANDS=${COMMANDS:-200}
SUBSTITUTIONS=${SUBSTITUTIONS:-50}

# The median wall time of RUNS runs of the command given as arguments.
best() {
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s.%N)
		echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }'
		i=$((i + 1))
	done | sort -n | awk '{ t[NR] = $1 }
	    END { print NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

row() {
	name=$1
	shift
	native=$(best "$@")
	nostack=$(best "$FDAUDIT" run --no-stacks -- "$@")
	stacks=$(best "$FDAUDIT" run -- "$@")
	printf '%-24s native %6.3f s  --no-stacks %6.3f s (%sx)  stacks %6.3f s (%sx)' \
	    "$name" "$native" "$nostack" "$(ratio "$nostack" "$native")" \
	    "$stacks" "$(ratio "$stacks" "$native")"
	if command -v valgrind >/dev/null 2>&1; then
		vg=$(best valgrind --track-fds=yes --trace-children=yes -q "$@")
		printf '  valgrind %6.3f s (%sx; %sx fdaudit)' "$vg" \
		    "$(ratio "$vg" "$native")" "$(ratio "$vg" "$stacks")"
	fi
	echo
}

if [ ! -x "$LEAKY" ]; then
	echo "bench-run: $LEAKY is missing: run make check first" >&2
	exit 1
fi
row "C open/close x$LOOP" "$LEAKY" churn "$LOOP"
# The interpreter itself, not a version manager's shell wrapper around it.
PYTHON=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)' \
    2>/dev/null)}
if [ -n "$PYTHON" ]; then
	row "python3 files x$FILES" "$PYTHON" -c "
for i in range($FILES):
    open('/dev/null').close()"
else
	echo "python3 files x$FILES: skipped, no python3"
fi
row "fork x$CHILDREN, 1 leak each" "$LEAKY" children "$CHILDREN"

# A pytest suite of PYTESTS tests that each make and close files, a
# socket pair and a pipe, as a CI job runs one: Debian's python3, which
# has pytest.  tracemalloc is what a Python user would reach for to learn
# where objects were made; its cost is shown beside.
PYTESTS=${PYTESTS:-300}
if /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
	suite=$(mktemp -d "${TMPDIR:-/tmp}/fdaudit-bench-pytest.XXXXXX")
	cat >"$suite/test_many.py" <<PY
import os, socket, pytest

@pytest.mark.parametrize("n", range($PYTESTS))
def test_io(n, tmp_path):
    p = tmp_path / "f.txt"
    p.write_text(str(n))
    with open(p) as f:
        assert f.read() == str(n)
    a, b = socket.socketpair()
    a.close(); b.close()
    r, w = os.pipe()
    os.close(r); os.close(w)
PY
	pytest="/usr/bin/python3 -m pytest -q -p no:cacheprovider $suite"
	# shellcheck disable=SC2086
	row "pytest x$PYTESTS tests" $pytest
	# shellcheck disable=SC2086
	printf '%-24s tracemalloc %6.3f s\n' "pytest x$PYTESTS tests" \
	    "$(best env PYTHONTRACEMALLOC=25 $pytest)"
	rm -rf "$suite"
else
	echo "pytest x$PYTESTS tests: skipped, no pytest for /usr/bin/python3"
fi
if command -v node >/dev/null 2>&1; then
	row "node fs and http" node tests/run/corpus/node_fs_http.js
else
	echo "node fs and http: skipped, no node"
fi
# A script in the manner of a build or test script: short external
# programs, each a new program image, and command substitutions, each a
# fork of the shell, one every COMMANDS / SUBSTITUTIONS commands.
if command -v bash >/dev/null 2>&1; then
	row "bash $COMMANDS cmds, $SUBSTITUTIONS \$()" bash -c '
n=0
i=0
while [ "$i" -lt "$1" ]; do
	case $((i % 4)) in
	0) /bin/true ;;
	1) cat /dev/null ;;
	2) cat </dev/null >/dev/null ;;
	3) /bin/echo "$i" >/dev/null ;;
	esac
	if [ $((i % ($1 / $2))) -eq 0 ]; then
		v=$(echo "$i")
		n=$((n + ${#v}))
	fi
	i=$((i + 1))
done
echo "$n"' bench "$COMMANDS" "$SUBSTITUTIONS"
else
	echo "bash $COMMANDS cmds: skipped, no bash"
fi
