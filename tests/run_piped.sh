#!/bin/sh
# Feed a gzip'd test-data file to a test program on its stdin:
#
#     run_piped.sh DATA_DIR FILE.gz COMMAND [ARGS...]
#
# Target builds have no zlib, so the host decompresses and COMMAND (which may
# start with an emulator such as `qemu-mipsel -cpu mips32r6-generic`) reads
# the plain text. When DATA_DIR is missing the suite is skipped loudly (exit
# 0), except in CI (CI=true), where that is a failure. A failed decompression
# fails the test even when COMMAND succeeds (POSIX sh has no pipefail).
set -u

if [ $# -lt 3 ]; then
	echo "usage: run_piped.sh DATA_DIR FILE.gz COMMAND [ARGS...]" >&2
	exit 2
fi
dir=$1
file=$2
shift 2

if [ ! -d "$dir" ] || [ ! -r "$dir/$file" ]; then
	echo
	echo "*** bpf32 tests: shared test data not found: $dir/$file ***"
	echo "*** this suite is SKIPPED ***"
	echo
	if [ "${CI:-}" = true ]; then
		echo "CI=true: missing shared data is an error"
		exit 1
	fi
	exit 0
fi

status=$(mktemp) || exit 1
trap 'rm -f "$status"' EXIT
{ gzip -dc -- "$dir/$file"; echo $? >"$status"; } | "$@"
rc=$?
gz=$(cat "$status")
if [ "$gz" != 0 ]; then
	echo "run_piped.sh: gzip -dc $dir/$file failed (status $gz)"
	exit 1
fi
exit $rc
