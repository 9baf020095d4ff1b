#!/usr/bin/env bash
# Builds the libFuzzer targets (build/fuzz: clang, ASan, UBSan), makes their
# seed corpora from the shared suites, and runs each for a while:
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     (make fuzz T=... SECONDS=...)
# TARGET: load asm disasm elf cbpf jit. Corpora grow in build/fuzz/work/T;
# crashes are saved in build/fuzz/findings/T (rerun one with
# build/fuzz/fuzz_T FILE). FUZZ_JOBS targets run at once (default 2).
# Prints per target the seconds, executions and findings; record runs in
# docs/testing-log.md.
set -u
cd "$(dirname "$0")/.."
want=${1:-all}
secs=${2:-60}
jobs=${FUZZ_JOBS:-2}
shared=${BPF32_SHARED_DIR:-../shared}
b=build/fuzz
all="load asm disasm elf cbpf jit"
[ "$want" = all ] && targets=$all || targets=$want

if [ ! -d "$shared/bpf_conformance" ]; then
  echo "*** fuzz: shared test data not found at $shared: no seed corpora ***" >&2
  [ "${CI:-}" = true ] && exit 1
fi
cmake -S fuzz -B $b -DCMAKE_C_COMPILER=clang >/dev/null && cmake --build $b -j2 >/dev/null || {
  echo "fuzz: build failed (cmake --build $b shows why)" >&2
  exit 1
}

# Seed corpora: made once per build directory, from the data in place.
if [ ! -f $b/corpus/.done ] && [ -d "$shared/bpf_conformance" ]; then
  rm -rf $b/corpus
  zcat "$shared/test_bpf/tests.jsonl.gz" | $b/mkcorpus "$shared" $b/corpus $b/examples || exit 1
  # Socket filters as tcpdump -ddd prints them (option byte 2: text).
  k=0
  for e in 'tcp port 80' 'udp and host 10.1.2.3' icmp 'ip6 and tcp' 'vlan and tcp' \
           'tcp[tcpflags] & tcp-syn != 0' 'ether host 00:11:22:33:44:55' \
           'net 192.168.0.0/16 and not port 22' 'ip[2:2] > 576' 'arp or rarp' \
           'portrange 1000-2000' 'ip proto 47' 'greater 100' 'less 60' 'ip multicast' \
           'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420'; do
    if out=$(tcpdump -ddd -y EN10MB "$e" 2>/dev/null); then
      { printf '\002'; printf '%s\n' "$out"; } > $b/corpus/cbpf/tcpdump-$k
    fi
    k=$((k + 1))
  done
  touch $b/corpus/.done
fi

run_one() {
  local t=$1
  mkdir -p $b/work/$t $b/findings/$t $b/logs
  local seeds=$b/corpus/$t
  [ -d $seeds ] || seeds=
  # Small inputs run fast; objects need room (the examples are 10-15 KB).
  local max_len=4096
  [ "$t" = elf ] && max_len=65536
  $b/fuzz_$t -max_total_time="$secs" -timeout=30 -max_len=$max_len -print_final_stats=1 \
    -artifact_prefix=$b/findings/$t/ $b/work/$t $seeds > $b/logs/$t.log 2>&1
  local rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' $b/logs/$t.log)
  local found
  found=$(find $b/findings/$t -type f -newer $b/logs/.start-$t 2>/dev/null | wc -l)
  echo "fuzz $t: ${secs} s, ${execs:-0} executions, $found findings (exit $rc)"
  if [ $rc -ne 0 ] || [ "$found" -ne 0 ]; then
    grep -E -m5 "ERROR|SUMMARY|fuzz: " $b/logs/$t.log | sed 's/^/  /'
    find $b/findings/$t -type f -newer $b/logs/.start-$t | sed 's/^/  reproducer: /'
    return 1
  fi
}

status=0
mkdir -p $b/logs
running=0
for t in $targets; do
  touch $b/logs/.start-$t
  run_one "$t" > $b/logs/$t.summary &
  running=$((running + 1))
  if [ $running -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ $running -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
for t in $targets; do cat $b/logs/$t.summary; done
exit $status
