#!/usr/bin/env bash
# The demo: on every given build (under qemu-user for the cross builds)
#  1. examples/parse_packet.s over examples/packet.hex, interpreted and JITed,
#     with the guest instructions each run costs (counted exactly by the
#     qemu plugin in ../shared/tools/insncount, when it is there);
#  2. the clang-built examples/tail_dispatch.c (bpfel, or bpfeb on big
#     endian) dispatching an IPv4 frame through a tail call, JITed;
# and the ARM32 code the JIT makes for parse_packet.s, cross-JITed on the host.
set -eu
cd "$(dirname "$0")/.."
declare -A emu=(
  [host]=""
  [arm32]="qemu-arm"
  [mips32el]="qemu-mipsel"
  [mips32be]="qemu-mips"
  [mips32r6el]="qemu-mipsel -cpu mips32r6-generic"
)
counter=../shared/tools/insncount/guest-insns
prog=examples/parse_packet.s
mem=examples/packet.hex

# Guest instructions of one run of `bpf32 run MODE`: the difference of 2000
# and 1000 repeats cancels start-up, loading and compiling.
per_run() {
  local t=$1 mode=$2 n a b
  for n in 1000 2000; do
    env -i $counter ${emu[$t]} -- build/$t/bpf32 run $mode --repeat $n --mem $mem $prog \
      2>&1 >/dev/null | sed -n 's/^guest-insns: \([0-9]*\).*/\1/p'
  done | { read -r a; read -r b; echo $(( (b - a) / 1000 )); }
}

echo "bpf32 demo"
echo "1. $prog over $mem (an 802.1Q-tagged IPv4/TCP frame to port 80)"
echo "   expected 0x60050 = protocol 6 (TCP) << 16 | port 80"
for t in "$@"; do
  line=$(printf '   %-11s interpreter %s' "$t" "$(${emu[$t]} build/$t/bpf32 run --interp --mem $mem $prog)")
  if [ "$t" != host ]; then
    line="$line, JIT $(${emu[$t]} build/$t/bpf32 run --jit --mem $mem $prog)"
    if [ -x $counter ]; then
      line="$line; guest instructions per run: interpreter $(per_run $t --interp), JIT $(per_run $t --jit)"
    fi
  fi
  echo "$line"
done

echo "2. examples/tail_dispatch.c (clang) on an IPv4 frame: expected 0x40640"
for t in "$@"; do
  [ "$t" = host ] && continue
  obj=build/$t/examples/tail_dispatch.bpfel.o
  [ "$t" = mips32be ] && obj=build/$t/examples/tail_dispatch.bpfeb.o
  printf '   %-11s JIT %s\n' "$t" \
    "$(${emu[$t]} build/$t/bpf32 run --jit --section dispatch --mem examples/frame_ipv4.hex $obj)"
done

echo "3. ARM32 code for the first instructions of $prog (bpf32 jit --arch arm32 --dump):"
build/host/bpf32 jit --arch arm32 --dump $prog | sed -n '1,40p' | sed 's/^/   /'
