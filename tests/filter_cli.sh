#!/bin/sh
# `bpf32 filter` on the capture the host build's pcap_diff test writes:
#   filter_cli.sh DATA_DIR pcap|nopcap [EMULATOR ARGS...] BPF32
# The packet numbers and the count of `tcp port 80` must equal libpcap's, from
# the bytecode (as a file and inline) on both capture formats, and from the
# expression where the build has libpcap; elsewhere an expression must fail
# with advice.
d=$1 mode=$2
shift 2
if [ ! -f "$d/tcp80.bytecode" ]; then
  echo "filter_cli: no $d/tcp80.bytecode: the host build's pcap_diff test writes it"
  [ "$CI" != true ]
  exit
fi
fail() { echo "filter_cli: $*" >&2; exit 1; }
inline=$(tr '\n' ',' < "$d/tcp80.bytecode")

"$@" filter --bytecode "$d/tcp80.bytecode" "$d/synth-le-us.pcap" | cmp - "$d/tcp80.expect" ||
  fail "matches of --bytecode FILE on the little-endian microsecond capture"
"$@" filter --interp --count --bytecode "$inline" "$d/synth-be-ns.pcap" | cmp - "$d/tcp80.count" ||
  fail "count of inline --bytecode on the big-endian nanosecond capture"
"$@" filter --dump --count --bytecode "$inline" "$d/synth-le-us.pcap" > dump.out ||
  fail "--dump"
grep -q '^(000) ldh \[12\]$' dump.out && grep -q 'ldabsh 12$' dump.out ||
  fail "--dump lacks the classic or the eBPF listing"

if [ "$mode" = pcap ]; then
  "$@" filter 'tcp port 80' "$d/synth-le-us.pcap" | cmp - "$d/tcp80.expect" ||
    fail "matches of the expression"
  "$@" filter --count tcp port 80 "$d/synth-be-ns.pcap" | cmp - "$d/tcp80.count" ||
    fail "count of the expression given as several words"
  "$@" filter --emit-bytecode 'tcp port 80' "$d/synth-le-us.pcap" | cmp - "$d/tcp80.bytecode" ||
    fail "--emit-bytecode"
  # The count equals tcpdump's (when tcpdump is there and can read the file).
  for expr in 'tcp port 80' 'vlan and ip' 'ip6 and udp' 'len <= 60' 'icmp or arp'; do
    if want=$(tcpdump --count -r "$d/synth-le-us.pcap" "$expr" 2>/dev/null); then
      got=$("$@" filter --count "$expr" "$d/synth-be-ns.pcap")
      [ "$want" = "$got packets" ] || fail "\"$expr\": tcpdump says $want, bpf32 $got"
    else
      echo "filter_cli: tcpdump cannot read the capture; its counts are not compared"
      break
    fi
  done
else
  "$@" filter 'tcp port 80' "$d/synth-le-us.pcap" 2> err.out && fail "an expression ran"
  grep -q 'tcpdump -ddd' err.out || fail "no advice for an expression"
fi
echo "filter_cli: ok"
