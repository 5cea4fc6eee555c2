#!/usr/bin/env bash
# Builds (if needed) and runs the whole test suite: unit tests, then the
# integration tests against a Ceph RGW that ctest starts and always stops.
# Usage: scripts/test.sh [BUILD_DIR] [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
shift || true
if [ ! -f "$build/build.ninja" ]; then cmake -S . -B "$build" -G Ninja; fi
cmake --build "$build"
cd "$build"
ctest --output-on-failure "$@"
