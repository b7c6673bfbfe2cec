#!/usr/bin/env bash
# Installs the Debian packages quorum needs. Idempotent: prints nothing and
# touches nothing when every package is already present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev
  protobuf-compiler libprotobuf-dev zlib1g-dev
  libasio-dev libjemalloc-dev
  redis-tools redis-server libhiredis-dev
  dafny python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
$sudo apt-get update -qq >"$log" 2>&1 || { cat "$log"; exit 1; }
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1 || { cat "$log"; exit 1; }
rm -f "$log"
echo "bootstrap: done"
