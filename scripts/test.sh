#!/usr/bin/env bash
# Runs ctest on each given build and prints one summary line per target.
#   scripts/test.sh [--full] TARGET...
# Without --full the tests labelled "full" (every test_bpf record in every
# JIT configuration) are left out; with it they run too.
set -u
cd "$(dirname "$0")/.."
select=(-LE full)
if [ "${1:-}" = "--full" ]; then
  select=()
  shift
fi
status=0
start=$(date +%s)
for t in "$@"; do
  echo "=== test: $t"
  t0=$(date +%s)
  if ctest --test-dir "build/$t" -j2 --output-on-failure "${select[@]}"; then
    echo "=== $t: passed ($(( $(date +%s) - t0 )) s)"
  else
    echo "=== $t: FAILED ($(( $(date +%s) - t0 )) s)"
    status=1
  fi
done
echo "=== all tests: $([ $status = 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - start )) s"
exit $status
