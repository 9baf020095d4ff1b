#!/usr/bin/env bash
# Runs examples/parse_packet.s over examples/packet.hex on every given build,
# under qemu-user for the cross builds, and prints what each computed.
set -eu
cd "$(dirname "$0")/.."
declare -A emu=(
  [host]=""
  [arm32]="qemu-arm"
  [mips32el]="qemu-mipsel"
  [mips32be]="qemu-mips"
  [mips32r6el]="qemu-mipsel -cpu mips32r6-generic"
)
prog=examples/parse_packet.s
mem=examples/packet.hex
echo "bpf32 demo: $prog over $mem (an 802.1Q-tagged IPv4/TCP frame to port 80)"
echo "expected: 0x60050 = protocol 6 (TCP) << 16 | port 80"
for t in "$@"; do
  r=$(${emu[$t]} build/$t/bpf32 run --interp --mem $mem $prog)
  printf '  %-11s interpreter: %s\n' "$t" "$r"
done
