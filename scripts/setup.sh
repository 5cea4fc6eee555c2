#!/usr/bin/env bash
# Installs everything ObjectFS needs on Debian 12 (build tools, libraries, the
# test servers) and builds it into build/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config clang-format git
  # the fuzzers (tests/fuzz): clang with libFuzzer and its sanitizers
  clang libclang-rt-14-dev
  # libraries the code links
  libcurl4-openssl-dev libssl-dev libpugixml-dev nlohmann-json3-dev libcli11-dev
  libfuse3-dev fuse3 pybind11-dev python3-dev libxxhash-dev libyaml-cpp-dev
  libmicrohttpd-dev
  # tests and benchmarks
  catch2 libbenchmark-dev python3-pytest python3-boto3 curl time
  # promtool checks the metrics text; a real Prometheus scrapes a mount
  prometheus
  # the Python package: its tests and pip install (setuptools drives CMake)
  python3-numpy python3-torch python3-setuptools python3-wheel python3-pip
  # objectfs.fsspec and its tests (pandas reads through it)
  python3-fsspec python3-pandas
  # the .deb (cpack's DEB generator and scripts/check_deb.sh)
  dpkg-dev file
  # real servers the tests start on 127.0.0.1
  radosgw ceph-mon ceph-osd nginx-light nodejs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Emulators from npm for the conformance suite: Azurite (Azure Blob) and
# firebase-tools (GCS), under one prefix the test scripts know.
install_node_servers() {
  local prefix=${OBJECTFS_NODE_PREFIX:-$HOME/.cache/objectfs/node}
  if [ -x "$prefix/node_modules/.bin/azurite-blob" ] && [ -d "$prefix/node_modules/firebase-tools/lib" ] &&
     [ -d "$prefix/node_modules/kubernetes-models" ] && [ -d "$prefix/node_modules/js-yaml" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    # Debian's nodejs ships npm separately (NodeSource's bundles it).
    local sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends npm
  fi
  echo "setup: npm install azurite firebase-tools kubernetes-models js-yaml into $prefix"
  mkdir -p "$prefix"
  # kubernetes-models and js-yaml: offline validation of deploy/kubernetes/.
  npm install --no-audit --no-fund --prefix "$prefix" azurite@3 firebase-tools@15 \
    kubernetes-models@4 js-yaml@4
}
install_node_servers

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build
echo "setup: built build/objectfs"

# The GCS tests' emulator: firebase-tools from npm (tests/servers/gcs.sh runs its
# Storage emulator class with Node; it needs Node >= 20). Skipped when present.
install_gcs_emulator() {
  local prefix=${OBJECTFS_NODE_PREFIX:-$HOME/.cache/objectfs/node}
  [ -d "$prefix/node_modules/firebase-tools/lib" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    local sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  echo "setup: npm install firebase-tools into $prefix"
  mkdir -p "$prefix"
  npm install --no-audit --no-fund --prefix "$prefix" firebase-tools@15
}
install_gcs_emulator
