#!/bin/bash
# A clean bash script: command substitutions, pipes, a here-document and
# a subshell, all of which make and close descriptors.
set -eu
words=$(printf 'b\na\nc\n' | sort | tr -d '\n')
count=$(ls / | wc -l)
for i in 1 2 3; do
	stamp=$(date +%s)
done
( cd / && pwd >/dev/null )
while read -r line; do
	: "$line"
done <<END
one
two
END
echo "$words $((count > 0)) ${stamp:+ok}"
