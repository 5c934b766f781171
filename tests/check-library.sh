#!/bin/sh
# The snapshot library as a program outside the tree meets it, from the
# copy `make install-lib' put under the prefix given as the argument:
# only fdaudit_* names exported, nothing left undefined, the soname of
# the header's major version, and tests/consumer built through
# pkg-config, shared and static, finding a planted leak and passing a
# clean function.  The last line is "library: N passed, M failed".
# CC, CFLAGS and LDFLAGS are those of the build; FDAUDIT is the binary.
set -u
prefix=$(cd "$1" && pwd) || exit 1
libdir=$prefix/lib
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
passed=0
failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

check() {
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name" >&2
		cat "$tmp/out" >&2
	fi
}

# Exported names that are not fdaudit_*: none, and some that are.
only_public() {
	nm "$@" | awk '$2 ~ /^[A-TV-Z]$/ { print $3 }' >"$tmp/names"
	test -s "$tmp/names" || { echo "no symbol exported"; return 1; }
	! grep -v '^fdaudit_' "$tmp/names"
}

header_version() {
	sed -n "s/^#define FDAUDIT_VERSION_$1[[:space:]]*//p" \
	    "$prefix/include/fdaudit_snapshot.h"
}
major=$(header_version MAJOR)
version=$major.$(header_version MINOR).$(header_version PATCH)

check "archive exports only fdaudit_*" only_public -g --defined-only \
    "$libdir/libfdaudit.a"
check "shared library exports only fdaudit_*" only_public -D --defined-only \
    "$libdir/libfdaudit.so"
check "soname has the major version" sh -c \
    "readelf -d '$libdir/libfdaudit.so' | grep -q 'SONAME.*\[libfdaudit.so.$major\]'"
check "header names the version of fdaudit --version" sh -c \
    "'$FDAUDIT' --version | grep -qx 'fdaudit $version'"
check "header's version strings agree" grep -q \
    "^#define FDAUDIT_VERSION_STRING[[:space:]]*\"$version\"" \
    "$prefix/include/fdaudit_snapshot.h"

# The prefix is given again, for a copy staged under DESTDIR.
PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_PATH
PKG_CONFIG="$PKG_CONFIG --define-variable=prefix=$prefix"
check "pkg-config knows the version" sh -c \
    "test \"\$($PKG_CONFIG --modversion fdaudit)\" = '$version'"
cflags=$($PKG_CONFIG --cflags fdaudit)
libs=$($PKG_CONFIG --libs fdaudit)
static_libs=$($PKG_CONFIG --static --libs fdaudit |
    sed "s|-lfdaudit|$libdir/libfdaudit.a|")
# shellcheck disable=SC2086
check "consumer links the shared library, nothing undefined" \
    $CC -std=c11 ${CFLAGS:-} $cflags -o "$tmp/consumer" \
    tests/consumer/consumer.c ${LDFLAGS:-} $libs -Wl,--no-undefined \
    -Wl,-rpath,"$libdir"
check "consumer: leak found, clean function passes" "$tmp/consumer" \
    "$tmp/scratch"
# shellcheck disable=SC2086
check "consumer links the archive, nothing undefined" \
    $CC -std=c11 ${CFLAGS:-} $cflags -o "$tmp/consumer-static" \
    tests/consumer/consumer.c ${LDFLAGS:-} $static_libs -Wl,--no-undefined
check "static consumer: leak found, clean function passes" \
    "$tmp/consumer-static" "$tmp/scratch"
echo "library: $passed passed, $failed failed"
test "$failed" -eq 0
