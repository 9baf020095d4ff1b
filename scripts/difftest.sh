#!/usr/bin/env bash
# Differential testing, interpreter against JIT, on each given build:
#   scripts/difftest.sh N SEED TARGET...    (make difftest N=... [SEED=...] [TARGETS=...])
# runs N generated cases from seed SEED with build/<target>/tests/difftest
# (under the target's emulator), in every JIT configuration the target can
# run. Shrunk regression cases of mismatches go to build/<target>/difftest/;
# keep them in tests/regress once the bug is fixed. Record runs in
# docs/testing-log.md.
set -u
cd "$(dirname "$0")/.."
if [ $# -lt 3 ]; then
  echo "usage: scripts/difftest.sh N SEED TARGET..." >&2
  exit 2
fi
n=$1
seed=$2
shift 2
status=0
for t in "$@"; do
  run=build/$t/tests/difftest-run
  if [ ! -x "$run" ]; then
    echo "=== difftest $t: $run missing (build the target first)"
    status=1
    continue
  fi
  mkdir -p "build/$t/difftest"
  echo "=== difftest $t: $n cases from seed $seed ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
  if "$run" --seed "$seed" --count "$n" --out "build/$t/difftest" -v; then
    echo "=== difftest $t: passed"
  else
    echo "=== difftest $t: FAILED (cases in build/$t/difftest)"
    status=1
  fi
done
exit $status
