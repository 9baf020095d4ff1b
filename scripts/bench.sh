#!/usr/bin/env bash
# Exact benchmarks (bench/README.md): for every target and workload, the
# guest instructions one run costs interpreted, JITed (from the -mcpu=v2 and
# the v3 object) and as native gcc -O2 code, counted by the qemu plugin of
# ../shared/tools/insncount; the ratios and their geometric means; JIT code
# size, compile cost and the memory a loaded program holds.
#
#   scripts/bench.sh [--targets T,T...] [--workloads W,W...] [--out FILE] [--jobs J]
#
# The runners are BENCH_BUILD/<target>/bench/run-bench (BENCH_BUILD
# defaults to build/, as `make build` leaves it). A full run (no --targets,
# --workloads or BENCH_BUILD) writes bench/results.md; a partial one prints
# the table and writes only to --out.
set -eu
cd "$(dirname "$0")/.."

# Each target runs one build's runner (arm32-a9: the arm32 build on a core
# without the integer divide instructions, so the JIT's division calls a
# routine, as gcc's code for armhf does anyway).
declare -A emu=(
  [arm32]="qemu-arm"
  [arm32-a9]="qemu-arm -cpu cortex-a9"
  [mips32el]="qemu-mipsel"
  [mips32be]="qemu-mips"
  [mips32r6el]="qemu-mipsel -cpu mips32r6-generic"
)
declare -A build_of=([arm32-a9]=arm32)
declare -A cpu_model=(
  [arm32]="qemu-arm default CPU (any: ARMv7-A and later, with sdiv/udiv)"
  [arm32-a9]="qemu-arm -cpu cortex-a9 (ARMv7-A without sdiv/udiv)"
  [mips32el]="qemu-mipsel default CPU (24Kf, MIPS32r2)"
  [mips32be]="qemu-mips default CPU (24Kf, MIPS32r2)"
  [mips32r6el]="qemu-mipsel -cpu mips32r6-generic (MIPS32r6)"
)
counter=${GUEST_INSNS:-../shared/tools/insncount/guest-insns}
root=${BENCH_BUILD:-build}
targets=arm32,arm32-a9,mips32el,mips32be,mips32r6el
workloads=
out=
jobs=2
partial=${BENCH_BUILD:+yes}
N=20          # runs measured against 2N; counts are exact, so few suffice
NCOMPILE=10   # loads (and JITs) measured against 2 NCOMPILE

while [ $# -gt 0 ]; do
  case $1 in
    --targets) targets=$2; partial=yes; shift 2 ;;
    --workloads) workloads=$2; partial=yes; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "usage: $0 [--targets T,T...] [--workloads W,W...] [--out FILE] [--jobs J]" >&2; exit 2 ;;
  esac
done
[ -z "$partial" ] && [ -z "$out" ] && out=bench/results.md
if [ ! -x "$counter" ]; then
  echo "bench: no instruction counter at $counter (it comes with ../shared)" >&2
  exit 1
fi
IFS=, read -r -a targets <<< "$targets"
runner() { echo "$root/${build_of[$1]:-$1}/bench/run-bench"; }
for t in "${targets[@]}"; do
  if [ -z "${emu[$t]:-}" ]; then echo "bench: unknown target $t" >&2; exit 2; fi
  if [ ! -x "$(runner "$t")" ]; then
    echo "bench: $(runner "$t") is missing: run make build first" >&2
    exit 1
  fi
done
if [ -z "$workloads" ]; then
  workloads=$(${emu[${targets[0]}]} "$(runner "${targets[0]}")" list | paste -sd, -)
fi
IFS=, read -r -a workloads <<< "$workloads"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Guest instructions of one run-bench command, "TOTAL IN-RANGE" (inside
# $range, lo=ADDR,hi=ADDR, when set); its output is left in FILE.out and
# FILE.err. The environment is fixed (env -i with a constant PATH), so the
# counts repeat exactly.
count() {
  local file=$1 t=$2; shift 2
  env -i PATH=/usr/local/bin:/usr/bin:/bin ${range:+GUEST_INSNS_RANGE=$range} \
    "$counter" ${emu[$t]} -- "$(runner "$t")" "$@" 2>"$file.err" >"$file.out" ||
    { cat "$file.err" >&2; return 1; }
  sed -n 's/^guest-insns: \([0-9]*\) in-range: \([0-9]*\).*/\1 \2/p' "$file.err"
}

# Cost of one iteration: count(2n iterations) - count(n), over n.
# Prints "COST IN-RANGE-COST RESULT".
per_iteration() {
  local t=$1 w=$2 mode=$3 n=$4 variant=$5 a ain b bin file="$tmp/run.$1.$2.$3.$5"
  read -r a ain < <(count "$file" "$t" "$w" "$mode" "$n" "$variant")
  read -r b bin < <(count "$file" "$t" "$w" "$mode" $((2 * n)) "$variant")
  echo "$(( (b - a) / n )) $(( (bin - ain) / n )) $(cat "$file.out")"
}

# All figures of one workload on one target, as `key value` lines.
measure() {
  local t=$1 w=$2 mode variant cost incost result image range=
  for variant in v2 v3; do
    for mode in interp jit native; do
      [ "$mode/$variant" = native/v2 ] && continue   # native code has no -mcpu
      read -r cost incost result < <(per_iteration "$t" "$w" "$mode" $N "$variant")
      echo "$mode.$variant $cost"
      echo "result.$mode.$variant $result"
    done
    set -- $(${emu[$t]} "$(runner "$t")" "$w" info "$variant")
    echo "insns.$variant $2"
    echo "code.$variant $4"
    echo "mempeak.$variant $6"
    echo "memheld.$variant $8"
  done
  # The JIT v3 runs again, counting only the instructions inside the image
  # (whose address the runner printed; the same in every run).
  image=$(sed -n 's/^jit-image: //p' "$tmp/run.$t.$w.jit.v3.err")
  if [ -n "$image" ]; then
    range="lo=${image% *},hi=${image#* }"
    read -r cost incost result < <(per_iteration "$t" "$w" jit $N v3)
    [ "$(sed -n 's/^jit-image: //p' "$tmp/run.$t.$w.jit.v3.err")" = "$image" ] && echo "inimage.v3 $incost"
    range=
  fi
  echo "load $(per_iteration "$t" "$w" load $NCOMPILE v3 | cut -d' ' -f1)"
  echo "compile $(per_iteration "$t" "$w" compile $NCOMPILE v3 | cut -d' ' -f1)"
}

for t in "${targets[@]}"; do
  for w in "${workloads[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    { measure "$t" "$w" > "$tmp/$t.$w" 2>"$tmp/$t.$w.err" || echo "error 1" >> "$tmp/$t.$w"; } &
  done
done
wait

# The report: one table per target, then the geometric means.
report() {
  local t w
  echo "# bpf32 benchmarks"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo -dirty)"
  echo "- qemu: qemu-user $(qemu-arm --version | head -1 | sed 's/ (.*//; s/qemu-arm version //')"
  echo "- method: bench/README.md; figures are guest instructions per run (exact), by"
  echo "  difference of $N and $((2 * N)) runs under env -i; compile cost by difference of"
  echo "  $NCOMPILE and $((2 * NCOMPILE)) loads, with and without the JIT"
  for t in "${targets[@]}"; do
    echo
    echo "## $t"
    echo
    echo "CPU: ${cpu_model[$t]}; runner: $(runner "$t")"
    echo
    echo "| workload | eBPF insns v2/v3 | interp | JIT v2 | JIT v3 | JIT v3 in image | native | JIT/native v2 | JIT/native v3 | interp/JIT v3 | code: insns per eBPF insn v3 | JIT compile: guest insns per eBPF insn | memory peak/held (bytes) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for w in "${workloads[@]}"; do
      awk -v w="$w" '
        { v[$1] = $2 }
        END {
          if (v["error"]) { printf "| %s | error (see stderr) ||||||||||||\n", w; exit }
          ok = v["result.interp.v3"] == v["result.native.v3"] && v["result.jit.v3"] == v["result.native.v3"] &&
               v["result.interp.v2"] == v["result.native.v3"] && v["result.jit.v2"] == v["result.native.v3"]
          inimage = "inimage.v3" in v ? sprintf("%d (%.0f%%)", v["inimage.v3"], 100 * v["inimage.v3"] / v["jit.v3"]) : "?"
          printf "| %s%s | %d/%d | %d | %d | %d | %s | %d | %.2f | %.2f | %.1f | %.2f | %.0f | %d/%d |\n",
            w, ok ? "" : " (RESULTS DIFFER)", v["insns.v2"], v["insns.v3"],
            v["interp.v3"], v["jit.v2"], v["jit.v3"], inimage, v["native.v3"],
            v["jit.v2"] / v["native.v3"], v["jit.v3"] / v["native.v3"], v["interp.v3"] / v["jit.v3"],
            v["code.v3"] / 4 / v["insns.v3"], (v["compile"] - v["load"]) / v["insns.v3"],
            v["mempeak.v3"], v["memheld.v3"]
        }' "$tmp/$t.$w"
    done
  done
  echo
  echo "## Geometric means over the workloads"
  echo
  echo "| target | JIT/native v2 | JIT/native v3 | interp/JIT v3 | code: insns per eBPF insn v3 |"
  echo "|---|---:|---:|---:|---:|"
  for t in "${targets[@]}"; do
    for w in "${workloads[@]}"; do cat "$tmp/$t.$w"; echo "end"; done | awk -v t="$t" '
      $1 == "end" {
        if (!v["error"] && v["native.v3"] > 0 && v["jit.v3"] > 0) {
          n++; a += log(v["jit.v2"] / v["native.v3"]); b += log(v["jit.v3"] / v["native.v3"])
          c += log(v["interp.v3"] / v["jit.v3"]); d += log(v["code.v3"] / 4 / v["insns.v3"])
        }
        delete v; next
      }
      { v[$1] = $2 }
      END { if (n) printf "| %s | %.2f | %.2f | %.1f | %.2f |\n", t, exp(a / n), exp(b / n), exp(c / n), exp(d / n) }'
  done
}

report > "$tmp/report.md"
cat "$tmp/report.md"
for t in "${targets[@]}"; do
  for w in "${workloads[@]}"; do
    [ -s "$tmp/$t.$w.err" ] && { echo "--- $t $w:"; cat "$tmp/$t.$w.err"; } >&2
  done
done
if [ -n "$out" ]; then
  cp "$tmp/report.md" "$out"
  echo "bench: wrote $out"
fi
