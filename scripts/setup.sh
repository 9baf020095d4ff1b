#!/usr/bin/env bash
# Installs what bpf32's build and tests need on Debian: cross compilers for
# every target, qemu-user to run them, and the host build's optional
# libraries. Does nothing when everything is already there.
set -eu

packages=(
  cmake make gcc g++ pkg-config
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  gcc-mipsel-linux-gnu libc6-dev-mipsel-cross
  gcc-mips-linux-gnu libc6-dev-mips-cross
  gcc-mipsisa32r6el-linux-gnu libc6-dev-mipsr6el-cross
  qemu-user
  libcapstone-dev libpcap-dev zlib1g-dev
  clang llvm lld libclang-rt-14-dev
  tcpdump
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "bpf32 setup: missing packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi

echo "bpf32 setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5; do
  if $SUDO apt-get update -qq && \
     $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    exit 0
  fi
  echo "bpf32 setup: apt-get failed (attempt $attempt), retrying" >&2
  sleep $((attempt * 5))
done
echo "bpf32 setup: could not install ${missing[*]}" >&2
exit 1
